"""Names Tekton gives to what it creates: child objects, containers, volumes, script files.

Ports of ``pkg/names`` (``RestrictLength``, ``RestrictLengthWithRandomSuffix``,
``GenerateHashedName``), Knative's ``kmeta.ChildName`` and the step/sidecar container
names of ``pkg/pod/entrypoint.go``.

Tekton draws its random suffixes from a process-wide ``math/rand`` source, so two builds
of the same Pod differ. Tektite draws them from a :class:`NameGenerator` instead: the
default one is seeded, so rebuilding a Pod after a restart (or in a test) yields the same
names, while different seeds still give the 5-character suffixes Tekton's look like.
"""

from __future__ import annotations

import hashlib
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable

__all__ = [
    "MAX_NAME_LENGTH",
    "SIDECAR_PREFIX",
    "STEP_PREFIX",
    "NameGenerator",
    "SeededNameGenerator",
    "SequenceNameGenerator",
    "child_name",
    "container_name",
    "generate_hashed_name",
    "restrict_length",
    "sidecar_container_name",
    "step_container_name",
    "step_name",
]

MAX_NAME_LENGTH = 63
"""Kubernetes' limit for a DNS-1123 label (container, volume and most object names)."""

_RANDOM_LENGTH = 5
_MAX_GENERATED_NAME_LENGTH = MAX_NAME_LENGTH - _RANDOM_LENGTH - 1

# k8s.io/apimachinery/pkg/util/rand's alphabet: no vowels, so no words by chance.
_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"

STEP_PREFIX = "step-"
SIDECAR_PREFIX = "sidecar-"

_ALPHANUMERIC = re.compile(r"[a-zA-Z0-9]")


def restrict_length(base: str) -> str:
    """``RestrictLength``: cut ``base`` to 63 characters, then drop trailing characters
    until it ends with a letter or digit (possibly down to the empty string)."""
    base = base[:MAX_NAME_LENGTH]
    while base and not _ALPHANUMERIC.fullmatch(base[-1]):
        base = base[:-1]
    return base


class NameGenerator(ABC):
    """Where random name suffixes come from (Tekton's ``SimpleNameGenerator``)."""

    @abstractmethod
    def random_suffix(self) -> str:
        """Five characters of ``bcdfghjklmnpqrstvwxz2456789``; a new one at each call."""

    def restrict_length_with_random_suffix(self, base: str) -> str:
        """``RestrictLengthWithRandomSuffix``: ``base`` cut to 57 characters, then ``-`` and
        a random suffix, so the whole stays within 63 characters."""
        return f"{base[:_MAX_GENERATED_NAME_LENGTH]}-{self.random_suffix()}"


class SeededNameGenerator(NameGenerator):
    """Suffixes derived from a seed and a counter: the same seed gives the same sequence."""

    def __init__(self, seed: str) -> None:
        self._seed = seed
        self._count = 0

    def random_suffix(self) -> str:
        """The next suffix of this seed's sequence."""
        self._count += 1
        out: list[str] = []
        block = 0
        while len(out) < _RANDOM_LENGTH:
            digest = hashlib.sha256(f"{self._seed}\0{self._count}\0{block}".encode()).digest()
            # As apimachinery's rand.String: 5 bits per character, values past the
            # alphabet are skipped so every character is equally likely.
            for byte in digest:
                index = byte & 0x1F
                if index < len(_ALPHANUMS):
                    out.append(_ALPHANUMS[index])
                    if len(out) == _RANDOM_LENGTH:
                        break
            block += 1
        return "".join(out)


class SequenceNameGenerator(NameGenerator):
    """Suffixes taken in order from a given list (to reproduce a known sequence, such as
    the one Tekton's tests get from ``names.TestingSeed()``)."""

    def __init__(self, suffixes: Iterable[str]) -> None:
        self._suffixes = iter(list(suffixes))

    def random_suffix(self) -> str:
        """The next suffix of the list; ``StopIteration`` once it is exhausted."""
        return next(self._suffixes)


def generate_hashed_name(prefix: str, name: str, hashed_length: int) -> str:
    """``GenerateHashedName``: ``<prefix>-<FNV-1a 32 of name in hex>``, cut or right-padded
    with ``0`` to ``hashed_length`` characters (5 when ``hashed_length <= 0``)."""
    if hashed_length <= 0:
        hashed_length = _RANDOM_LENGTH
    h = 0x811C9DC5
    for byte in name.encode():
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    suffix = format(h, "x")[:hashed_length].ljust(hashed_length, "0")
    return f"{prefix}-{suffix}"


# Knative's kmeta.ChildName constants: when a name must be shortened, the parent keeps
# 63 - 32 characters and the 32 hex digits of an MD5 make it unique again.
_MD5_LENGTH = 32
_HEAD = MAX_NAME_LENGTH - _MD5_LENGTH


def child_name(parent: str, suffix: str) -> str:
    """Knative's ``kmeta.ChildName``: ``parent + suffix``, made to fit in 63 characters by
    replacing the end of ``parent`` with its MD5 (or, for long suffixes, by hashing both)."""
    if len(parent) <= MAX_NAME_LENGTH - len(suffix):
        return parent + suffix
    if _HEAD - len(suffix) <= 0:
        digest = hashlib.md5((parent + suffix).encode(), usedforsecurity=False).hexdigest()
        name = parent[:_HEAD] + digest
        missing = MAX_NAME_LENGTH - len(name)
        if missing > 0:
            name += suffix[:missing]
        while name and not _ALPHANUMERIC.fullmatch(name[-1]):
            name = name[:-1]
        return name
    digest = hashlib.md5(parent.encode(), usedforsecurity=False).hexdigest()
    return parent[: _HEAD - len(suffix)] + digest + suffix


def container_name(name: str) -> str:
    """``GetContainerName``: ``step-<name>``."""
    return STEP_PREFIX + name


def step_name(name: str, index: int) -> str:
    """``StepName``: ``step-<name>``, or ``step-unnamed-<index>`` for an unnamed step."""
    if name:
        return container_name(name)
    return f"{STEP_PREFIX}unnamed-{index}"


def step_container_name(name: str, index: int) -> str:
    """The name a step's container gets in the Pod: :func:`step_name` restricted to a
    valid length."""
    return restrict_length(step_name(name, index))


def sidecar_container_name(name: str) -> str:
    """The name a sidecar's container gets in the Pod: ``sidecar-<name>``, restricted."""
    return restrict_length(SIDECAR_PREFIX + name)
