"""Kubernetes ``$(VAR)`` expansion: the kubelet's table, byte for byte."""

from __future__ import annotations

import pytest

from tektite.runtime.k8s_expand import expand_command, expand_subpath, expand_with

ENV = {"VAR_A": "A", "VAR_B": "B", "VAR_C": "C", "VAR_EMPTY": "", "VAR_REF": "$(VAR_A)"}


# Cases from Kubernetes' expand_test.go (TestMapReference / TestExpand).
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$(VAR_A)", "A"),
        ("___$(VAR_B)___", "___B___"),
        ("$(VAR_A)-$(VAR_A)", "A-A"),
        ("$(VAR_A)-1", "A-1"),
        ("$(VAR_A)_$(VAR_B)_$(VAR_C)", "A_B_C"),
        ("$$(VAR_B)_$(VAR_A)", "$(VAR_B)_A"),
        ("$$(VAR_A)_$$(VAR_B)", "$(VAR_A)_$(VAR_B)"),
        ("f000-$$VAR_A", "f000-$VAR_A"),
        ("foo\\$(VAR_C)bar", "foo\\Cbar"),
        ("foo\\\\$(VAR_C)bar", "foo\\\\Cbar"),
        ("foo\\\\\\\\$(VAR_A)bar", "foo\\\\\\\\Abar"),
        ("$(VAR_A$(VAR_B))", "$(VAR_A$(VAR_B))"),
        ("$(VAR_A$(VAR_B)", "$(VAR_A$(VAR_B)"),
        ("$(VAR_REF)", "$(VAR_A)"),
        ("$(VAR_EMPTY)", ""),
        ("$(UNKNOWN)", "$(UNKNOWN)"),
        ("$(", "$("),
        ("$(VAR_A", "$(VAR_A"),
        ("$$", "$"),
        ("$$$", "$$"),
        ("$$$$", "$$"),
        ("$$$$$(VAR_A)", "$$A"),
        ("$", "$"),
        ("x$", "x$"),
        ("$x", "$x"),
        ("$()", "$()"),
        ("$(VAR_A)$", "A$"),
        ("", ""),
        ("no references", "no references"),
        ("$$(VAR_A)", "$(VAR_A)"),
        ("${VAR_A}", "${VAR_A}"),
    ],
)
def test_expansion_table(text: str, expected: str) -> None:
    assert expand_with(text, ENV) == expected


def test_non_ascii_after_dollar_is_mangled_like_go() -> None:
    # Go copies string(byte): the first byte of "é" (0xC3) becomes U+00C3.
    result = expand_with("$é", ENV)
    assert result.encode("utf-8", "surrogateescape") == b"$\xc3\x83\xa9"
    assert expand_with("é$(VAR_A)ü", ENV) == "éAü"


def test_command_and_args() -> None:
    command, args = expand_command(["$(VAR_A)", "x"], ["$(VAR_B)", "$$(VAR_C)"], ENV)
    assert (command, args) == (["A", "x"], ["B", "$(VAR_C)"])


def test_subpath_expression() -> None:
    assert expand_subpath("logs/$(VAR_A)", ENV) == "logs/A"
    assert expand_subpath("logs/$(MISSING)", ENV) == ""
    assert expand_subpath("$$(VAR_A)", ENV) == "$(VAR_A)"
