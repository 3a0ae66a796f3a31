"""``tektite validate FILE|DIR|-``: check Tekton YAML before anything runs."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TextIO

import click

from tektite.cli.options import config_options, load_config

if TYPE_CHECKING:
    from tektite.api.load import Checked


@click.command()
@click.argument("paths", nargs=-1, required=True, metavar="FILE|DIR|-...")
@config_options
@click.option("-q", "--quiet", is_flag=True, help="Print only the objects that are not valid.")
def validate(paths: tuple[str, ...], quiet: bool, **config_args: object) -> None:
    """Check every object in the files as Tekton's webhook would.

    Prints one line per object — ``Pipeline/build: valid`` or its errors (Knative's
    ``message: field.path`` form, further errors on indented lines) — and exits 0
    when every object is valid, 1 otherwise. ``-`` reads standard input; a directory
    is searched for ``*.yaml``/``*.yml``/``*.json`` files.
    """
    from tektite.api.load import check_file, check_text, expand_paths
    from tektite.api.yamlio import YamlLoadError

    config = load_config(config_args)
    ok = True
    out = sys.stdout
    files = list(expand_paths(list(paths)))
    multi = len(files) > 1
    for path in files:
        try:
            if path == "-":
                checked = check_text(sys.stdin.buffer.read(), "<stdin>", config)
            else:
                checked = check_file(path, config)
        except YamlLoadError as e:
            ok = False
            click.echo(f"error: {e}", err=True)
            continue
        for c in checked:
            prefix = f"{path}: " if multi else ""
            if c.valid:
                if not quiet:
                    out.write(f"{prefix}{c.name}: valid\n")
                for line in c.warnings.render().splitlines():
                    out.write(f"  warning: {line}\n")
                continue
            ok = False
            print_invalid(c, out, prefix)
    sys.exit(0 if ok else 1)


def print_invalid(c: Checked, out: TextIO, prefix: str = "") -> None:
    """An invalid object: its first error on the object's line, the others indented,
    then where the object starts."""
    first, *rest = c.errors.render().splitlines() or ["invalid"]
    out.write(f"{prefix}{c.name}: {first}\n")
    for line in rest:
        out.write(f"  {line}\n")
    out.write(f"  at {c.location()}\n")
