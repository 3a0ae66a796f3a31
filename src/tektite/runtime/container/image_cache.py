"""What ``podman image inspect`` said, kept across ``tektite run`` processes.

Every Pod needs its images' configs (their ENTRYPOINT and CMD for Tekton's entrypoint
lookup, their user, their ID for ``imageID``). Each ``podman image inspect`` is a whole
podman process, a tenth of the time of a one-step ``tektite run`` on podman. The answers
are kept in one file, valid for as long as podman's list of local images is the same
file (``engine.images_file``: podman writes it anew whenever an image is added, removed
or tagged). Any doubt — no such file, a different one, an unreadable cache — means
inspecting again.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import msgspec

from tektite.runtime.container.engine import ImageInfo

CACHE_FILE = "images-podman.json"


class _Saved(msgspec.Struct):
    images_file: str
    identity: str
    images: dict[str, ImageInfo]


class ImageInfoCache:
    """Image configs by image reference, for as long as podman's image list is unchanged."""

    def __init__(self, cache_dir: Path, images_file: Path | None) -> None:
        self._path = cache_dir / CACHE_FILE
        self._images_file = images_file
        self._loaded: _Saved | None = None

    def identity(self) -> str | None:
        """The image list's identity now (inode, size, modification time), to pass to
        ``put`` after an inspection."""
        if self._images_file is None:
            return None
        try:
            st = os.stat(self._images_file)
        except OSError:
            return None
        return f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"

    def _current(self, identity: str) -> _Saved:
        """The saved answers if they were made against this image list; else none."""
        assert self._images_file is not None
        if self._loaded is None:
            with contextlib.suppress(OSError, msgspec.DecodeError):
                self._loaded = msgspec.json.decode(self._path.read_bytes(), type=_Saved)
        saved = self._loaded
        if (
            saved is None
            or saved.images_file != str(self._images_file)
            or (saved.identity != identity)
        ):
            saved = self._loaded = _Saved(str(self._images_file), identity, {})
        return saved

    def get(self, image: str) -> ImageInfo | None:
        """What inspecting ``image`` said, if that still holds."""
        identity = self.identity()
        if identity is None:
            return None
        return self._current(identity).images.get(image)

    def put(self, image: str, info: ImageInfo, identity: str | None) -> None:
        """Remember ``info``, inspected when the image list was ``identity`` (taken
        before the inspection: a change meanwhile then invalidates it)."""
        if identity is None or identity != self.identity():
            return
        saved = self._current(identity)
        saved.images[image] = info
        temporary = self._path.with_name(f".{CACHE_FILE}.{os.getpid()}")
        with contextlib.suppress(OSError):
            self._path.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(msgspec.json.encode(saved))
            os.replace(temporary, self._path)
