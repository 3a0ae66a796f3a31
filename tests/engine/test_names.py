"""Names of what Tekton creates; cases lifted from Tekton's ``pkg/names/generate_test.go``
and ``pkg/pod/pod_test.go`` (``long-taskrun-name``), Knative's ``kmeta`` behaviour
checked by hand where marked."""

from __future__ import annotations

import hashlib

import pytest

from tektite.engine.names import (
    SeededNameGenerator,
    SequenceNameGenerator,
    child_name,
    generate_hashed_name,
    restrict_length,
    sidecar_container_name,
    step_container_name,
    step_name,
)

# names.TestingSeed() makes Tekton's generator yield this sequence.
TEKTON_TEST_SUFFIXES = ["9l9zj", "mz4c7", "mssqb", "78c5n", "6nl7g"]


@pytest.mark.parametrize(
    ("base", "want"),
    [
        ("hello", "hello-9l9zj"),
        ("a" * 100, "a" * 57 + "-9l9zj"),
    ],
)
def test_restrict_length_with_random_suffix(base: str, want: str) -> None:
    generator = SequenceNameGenerator(TEKTON_TEST_SUFFIXES)
    assert generator.restrict_length_with_random_suffix(base) == want


@pytest.mark.parametrize(
    ("base", "want"),
    [
        ("hello", "hello"),
        ("a" * 100, "a" * 63),
        ("abcdefg   !@#!$", "abcdefg"),
        ("--", ""),
        ("...", ""),
        ("!!!", ""),
    ],
)
def test_restrict_length(base: str, want: str) -> None:
    assert restrict_length(base) == want


@pytest.mark.parametrize(
    ("prefix", "name", "length", "want"),
    [
        ("ws", "workspace-name", 10, "ws-d70baf7a00"),
        ("ws", "workspace-name", -1, "ws-d70ba"),
        ("", "workspace-name", 0, "-d70ba"),
        ("ws", "test-01097628", 5, "ws-f32ff"),
        ("ws", "test-01617609", 5, "ws-f32ff"),
        ("ws", "test-01675975", 5, "ws-f32ff"),
        ("ws", "test-01809743", 5, "ws-f32ff"),
    ],
)
def test_generate_hashed_name(prefix: str, name: str, length: int, want: str) -> None:
    assert generate_hashed_name(prefix, name, length) == want


@pytest.mark.parametrize(
    ("parent", "suffix", "want"),
    [
        ("taskrun-name", "-pod", "taskrun-name-pod"),
        ("taskrun-name", "-pod-retry2", "taskrun-name-pod-retry2"),
        # pod_test.go "long-taskrun-name".
        (
            "task-run-0123456789-0123456789-0123456789-0123456789-0123456789-0123456789",
            "-pod",
            "task-run-0123456789-01234560d38957287bb0283c59440df14069f59-pod",
        ),
        # Knative's kmeta/names_test.go.
        ("asdf", "-deployment", "asdf-deployment"),
        (
            "f" * 63,
            "-deployment",
            "ffffffffffffffffffff105d7597f637e83cc711605ac3ea4957-deployment",
        ),
        ("f" * 63, "-deploy", "ffffffffffffffffffffffff105d7597f637e83cc711605ac3ea4957-deploy"),
        # Exactly 63 characters fit as they are.
        ("a" * 59, "-pod", "a" * 59 + "-pod"),
    ],
)
def test_child_name(parent: str, suffix: str, want: str) -> None:
    assert child_name(parent, suffix) == want


def test_child_name_with_a_suffix_too_long_to_keep() -> None:
    # A suffix of 31 characters or more: parent (cut to 31) + MD5(parent + suffix), padded
    # with the start of the suffix to 63, trimmed to end on a letter or digit.
    parent, suffix = "p" * 40, "-" + "s" * 40
    digest = hashlib.md5((parent + suffix).encode()).hexdigest()
    assert child_name(parent, suffix) == "p" * 31 + digest
    parent, suffix = "q" * 25, "-s" + "-" * 40
    digest = hashlib.md5((parent + suffix).encode()).hexdigest()
    assert child_name(parent, suffix) == "q" * 25 + digest + "-s"


@pytest.mark.parametrize(
    ("name", "index", "want_step_name", "want_container"),
    [
        ("name", 0, "step-name", "step-name"),
        ("", 3, "step-unnamed-3", "step-unnamed-3"),
        # pod_test.go "very long step name" and "step name ends with non alphanumeric".
        (
            "a-very-very-long-character-step-name-to-trigger-max-len----and-invalid-characters",
            0,
            "step-a-very-very-long-character-step-name-to-trigger-max-len----and-invalid-characters",
            "step-a-very-very-long-character-step-name-to-trigger-max-len",
        ),
        ("ends-with-invalid-%%__$$", 0, "step-ends-with-invalid-%%__$$", "step-ends-with-invalid"),
    ],
)
def test_step_names(name: str, index: int, want_step_name: str, want_container: str) -> None:
    assert step_name(name, index) == want_step_name
    assert step_container_name(name, index) == want_container


def test_sidecar_container_name() -> None:
    assert sidecar_container_name("sc-name") == "sidecar-sc-name"
    assert sidecar_container_name("x" * 70) == "sidecar-" + "x" * 55


def test_seeded_generator_is_reproducible_and_seed_dependent() -> None:
    a, b, c = SeededNameGenerator("seed"), SeededNameGenerator("seed"), SeededNameGenerator("x")
    first = [a.random_suffix() for _ in range(20)]
    assert first == [b.random_suffix() for _ in range(20)]
    assert first != [c.random_suffix() for _ in range(20)]
    assert len(set(first)) == 20
    for suffix in first:
        assert len(suffix) == 5
        assert set(suffix) <= set("bcdfghjklmnpqrstvwxz2456789")
    assert SeededNameGenerator("seed").restrict_length_with_random_suffix("script-0") == (
        "script-0-" + first[0]
    )
