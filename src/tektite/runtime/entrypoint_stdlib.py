"""Collect the Python modules of the step wrapper, run by the interpreter they are for.

``python3 -I -S entrypoint_stdlib.py SRC OUT`` (``tektite.runtime.build_entrypoint``
runs it with Debian's ``/usr/bin/python3``, the interpreter it bundles) finds every
module ``tektite.entrypoint`` can import, following the import statements of its modules
and of the standard library (``modulefinder``), and writes:

- ``OUT/python.zip``: the pure-Python ones compiled by this interpreter (sourceless,
  hash-based unchecked ``.pyc``: nothing is compared with a source at import), stored
  uncompressed so that importing needs no ``zlib`` and no inflating, with fixed dates
  and in sorted order so that the same inputs give the same archive;
- on standard output, one line per extension module (``.so``) it needs, the files the
  bundle must carry beside the archive.

Only the standard library is used: this runs outside Tektite's environment.
"""

from __future__ import annotations

import importlib.util
import marshal
import modulefinder
import sys
import zipfile
from pathlib import Path

# Reachable in the module graph but never used by the wrapper. Leaving them out keeps
# libcrypto, libssl, liblzma, libbz2 and libmpdec out of the bundle, and the archive
# small (each entry is read at the first import from it).
EXCLUDED = (
    "_bz2",
    "_decimal",
    "_hashlib",
    "_lzma",
    "_multibytecodec",
    "_ssl",
    "bz2",
    "decimal",
    "doctest",
    "hashlib",
    "lzma",
    "pdb",
    "pydoc",
    "readline",
    "ssl",
    "tkinter",
    "unittest",
    "xml",
)
# The East Asian codecs need ``_multibytecodec`` (excluded above).
_CJK_CODEC_MODULES = ("_codecs_",)
_CJK_ENCODINGS = (
    "big5",
    "cp932",
    "cp949",
    "cp950",
    "euc_",
    "gb",
    "hz",
    "iso2022_",
    "johab",
    "shift_jis",
)
ARCHIVE = "python.zip"
_DATE = (1980, 1, 1, 0, 0, 0)


def wanted(name: str) -> bool:
    """Whether module ``name`` (found by modulefinder) belongs in the bundle."""
    if name.startswith(_CJK_CODEC_MODULES):
        return False
    if name.startswith("encodings."):
        return not name[len("encodings.") :].startswith(_CJK_ENCODINGS)
    return True


def find_modules(source_root: Path) -> modulefinder.ModuleFinder:
    """Every module the wrapper's modules (and ``encodings``, which the interpreter
    imports by codec name) can import."""
    here = str(Path(__file__).resolve().parent)
    stdlib = [entry for entry in sys.path if entry and entry != here and "-packages" not in entry]
    finder = modulefinder.ModuleFinder(path=[str(source_root), *stdlib], excludes=EXCLUDED)
    package = source_root / "tektite" / "entrypoint"
    for path in sorted(package.glob("*.py")):
        name = (
            "tektite.entrypoint" if path.stem == "__init__" else f"tektite.entrypoint.{path.stem}"
        )
        finder.import_hook(name, fromlist=["*"])
    finder.import_hook("encodings", fromlist=["*"])
    return finder


def compiled(source: bytes, name: str) -> bytes:
    """``source`` as the bytes of an unchecked hash-based ``.pyc`` (PEP 552)."""
    code = compile(source, name, "exec", dont_inherit=True, optimize=0)
    flags = (0b01).to_bytes(4, "little")  # hash-based, not checked against a source
    return (
        importlib.util.MAGIC_NUMBER
        + flags
        + importlib.util.source_hash(source)
        + marshal.dumps(code)
    )


def write_archive(finder: modulefinder.ModuleFinder, archive: Path) -> list[str]:
    """Write the pure-Python modules into ``archive``; return the extension modules' files."""
    extensions: list[str] = []
    entries: list[tuple[str, bytes]] = []
    for name, module in finder.modules.items():
        # modulefinder.Module's attributes are untyped in typeshed.
        filename: str | None = getattr(module, "__file__", None)
        if not filename or not wanted(name):
            continue  # built into the interpreter
        if not filename.endswith(".py"):
            extensions.append(filename)
            continue
        is_package = getattr(module, "__path__", None) is not None
        stem = name.replace(".", "/") + ("/__init__" if is_package else "")
        entries.append((stem + ".pyc", compiled(Path(filename).read_bytes(), stem + ".py")))
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as handle:
        for arcname, data in sorted(entries):
            info = zipfile.ZipInfo(arcname, _DATE)
            info.external_attr = 0o644 << 16
            handle.writestr(info, data)
    return sorted(extensions)


def main(argv: list[str]) -> int:
    """``entrypoint_stdlib.py SRC OUT``: write ``OUT/python.zip``, print the ``.so`` files."""
    if len(argv) != 2:
        sys.stderr.write("usage: entrypoint_stdlib.py SOURCE_ROOT OUTPUT_DIR\n")
        return 2
    source_root, output = Path(argv[0]), Path(argv[1])
    for filename in write_archive(find_modules(source_root), output / ARCHIVE):
        print(filename)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
