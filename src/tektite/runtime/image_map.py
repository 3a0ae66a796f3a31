"""Image name rewriting: ``--image-map SRC=DST`` and ``TEKTITE_IMAGE_MAP``.

For offline machines and registry mirrors, every image a Pod names can be replaced by
another before the runtime uses it. The matching rule, in order:

1. **exact**: the image is written exactly as a rule's ``SRC``;
2. **same reference**: both name the same image once Docker's defaults are applied —
   the registry ``docker.io`` (also written ``index.docker.io``), the ``library/``
   namespace of official images, and the tag ``latest`` when neither tag nor digest is
   given. So ``busybox``, ``busybox:latest``, ``docker.io/busybox`` and
   ``docker.io/library/busybox:latest`` are one image;
3. **any tag or digest**: a ``SRC`` without tag or digest also matches every tag and
   digest of its repository: ``ubuntu=…`` maps ``ubuntu:22.04`` and
   ``ubuntu@sha256:…`` — unless a more specific rule (1 or 2) matched.

``DST`` is used as written. Several rules are comma-separated in
``TEKTITE_IMAGE_MAP``; ``--image-map`` rules are read after it, and a later rule for
the same ``SRC`` wins.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from tektite.engine.pod import PodImages

ENV_VAR = "TEKTITE_IMAGE_MAP"
_DOCKER_HUB = "docker.io"
_HUB_ALIASES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})


class ImageMapError(ValueError):
    """A rule is not ``SRC=DST`` (the message names the rule)."""


@dataclass(frozen=True)
class ImageRef:
    """An image reference split as Docker's reference grammar splits it."""

    repository: str
    """``registry/path/name`` with Docker's defaults applied (``docker.io/library/…``)."""
    tag: str
    """The tag, "" when there is none."""
    digest: str
    """``sha256:…``, "" when there is none."""

    @property
    def normalized(self) -> str:
        """The full reference (``latest`` when neither tag nor digest is given)."""
        if self.digest:
            tagged = f"{self.repository}:{self.tag}" if self.tag else self.repository
            return f"{tagged}@{self.digest}"
        return f"{self.repository}:{self.tag or 'latest'}"


def parse_ref(image: str) -> ImageRef:
    """Split ``image`` into repository, tag and digest, applying Docker Hub's defaults."""
    rest, _, digest = image.partition("@")
    tag = ""
    slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon > slash:  # a colon before the last slash is a registry port
        rest, tag = rest[:colon], rest[colon + 1 :]
    parts = rest.split("/")
    first = parts[0]
    has_registry = len(parts) > 1 and ("." in first or ":" in first or first == "localhost")
    if not has_registry:
        parts = [_DOCKER_HUB, *parts]
    elif first in _HUB_ALIASES:
        parts[0] = _DOCKER_HUB
    if parts[0] == _DOCKER_HUB and len(parts) == 2:
        parts.insert(1, "library")
    return ImageRef("/".join(parts), tag, digest)


@dataclass
class ImageMap:
    """Rewrites image names by the rules above; empty, it changes nothing."""

    rules: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._exact = dict(self.rules)
        self._normalized: dict[str, str] = {}
        self._repository: dict[str, str] = {}
        for source, target in self.rules.items():
            ref = parse_ref(source)
            self._normalized[ref.normalized] = target
            if not ref.tag and not ref.digest:
                self._repository[ref.repository] = target

    def __bool__(self) -> bool:
        return bool(self.rules)

    def rewrite(self, image: str) -> str:
        """The image to use for ``image`` (``image`` itself when no rule matches)."""
        if not self.rules or not image:
            return image
        found = self._exact.get(image)
        if found is not None:
            return found
        ref = parse_ref(image)
        found = self._normalized.get(ref.normalized)
        if found is not None:
            return found
        return self._repository.get(ref.repository, image)

    @classmethod
    def parse(cls, rules: Iterable[str], *, origin: str = "--image-map") -> ImageMap:
        """Rules written ``SRC=DST``; ImageMapError names a malformed one."""
        parsed: dict[str, str] = {}
        for rule in rules:
            rule = rule.strip()
            if not rule:
                continue
            source, sep, target = rule.partition("=")
            if not sep or not source.strip() or not target.strip():
                raise ImageMapError(f"{origin}: expected SRC=DST, got {rule!r}")
            parsed[source.strip()] = target.strip()
        return cls(parsed)

    @classmethod
    def from_sources(
        cls, cli_rules: Iterable[str] = (), environ: Mapping[str, str] | None = None
    ) -> ImageMap:
        """``TEKTITE_IMAGE_MAP`` (comma-separated) then the command line's rules."""
        env = os.environ if environ is None else environ
        from_env = cls.parse((env.get(ENV_VAR) or "").split(","), origin=ENV_VAR)
        from_cli = cls.parse(cli_rules)
        return cls({**from_env.rules, **from_cli.rules})


def mapped_pod_images(images: PodImages, image_map: ImageMap) -> PodImages:
    """Tekton's own images (``PodImages``) as ``image_map`` rewrites them, so a
    runtime that recognises them by name still does after the Pod was rewritten."""
    if not image_map:
        return images
    return msgspec.structs.replace(
        images,
        **{
            item.name: image_map.rewrite(getattr(images, item.name))
            for item in msgspec.structs.fields(images)
        },
    )


def rewrite_pod_images(pod: dict[str, Any], image_map: ImageMap) -> dict[str, Any]:
    """``pod`` with the image of every (init) container rewritten (a shallow copy down
    to the containers; ``pod`` itself is left alone)."""
    if not image_map:
        return pod
    spec = dict(pod.get("spec") or {})
    for field_name in ("initContainers", "containers", "ephemeralContainers"):
        if spec.get(field_name):
            spec[field_name] = [
                {**item, "image": image_map.rewrite(str(item.get("image", "")))}
                for item in spec[field_name]
            ]
    return {**pod, "spec": spec}
