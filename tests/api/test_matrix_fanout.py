"""Matrix fan-out and combination counting, from Tekton's ``matrix_types_test.go``."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from tektite.api.matrix import (
    MAX_INT,
    combinations,
    count_combinations,
    fan_out,
    get_all_params,
    has_include,
    has_params,
)
from tektite.api.models import Matrix

GOARCH = {"name": "GOARCH", "value": ["linux/amd64", "linux/ppc64le", "linux/s390x"]}
VERSION = {"name": "version", "value": ["go1.17", "go1.18.1"]}


def matrix(params: list[dict[str, Any]] | None = None, include: Any = None) -> Matrix:
    data: dict[str, Any] = {}
    if params is not None:
        data["params"] = params
    if include is not None:
        data["include"] = include
    return msgspec.convert(data, Matrix)


def include(name: str, **params: str) -> dict[str, Any]:
    return {"name": name, "params": [{"name": k, "value": v} for k, v in params.items()]}


def go_x_version(**extra: str) -> list[dict[str, str]]:
    """The six GOARCH × version combinations in Tekton's order (GOARCH varies fastest)."""
    return [
        {"GOARCH": arch, "version": version, **extra}
        for version in VERSION["value"]
        for arch in GOARCH["value"]
    ]


FAN_OUT_CASES = [
    pytest.param(matrix([]), [], id="matrix with no params"),
    pytest.param(
        matrix([{"name": "platform", "value": ["linux", "mac", "windows"]}]),
        [{"platform": "linux"}, {"platform": "mac"}, {"platform": "windows"}],
        id="single array in matrix",
    ),
    pytest.param(
        matrix([GOARCH, VERSION], include=[{}]),
        go_x_version(),
        id="multiple arrays in matrix",
    ),
    pytest.param(
        matrix(
            include=[
                include("build-1", IMAGE="image-1", DOCKERFILE="path/to/Dockerfile1"),
                include("build-2", IMAGE="image-2", DOCKERFILE="path/to/Dockerfile2"),
                include("build-3", IMAGE="image-3", DOCKERFILE="path/to/Dockerfile3"),
            ]
        ),
        [
            {"DOCKERFILE": "path/to/Dockerfile1", "IMAGE": "image-1"},
            {"DOCKERFILE": "path/to/Dockerfile2", "IMAGE": "image-2"},
            {"DOCKERFILE": "path/to/Dockerfile3", "IMAGE": "image-3"},
        ],
        id="explicit combinations, no matrix params",
    ),
    pytest.param(
        matrix(
            [GOARCH, VERSION],
            include=[include("common-package", package="path/to/common/package/")],
        ),
        go_x_version(package="path/to/common/package/"),
        id="include unknown param name, append to all combinations",
    ),
    pytest.param(
        matrix([GOARCH, VERSION], include=[include("non-existent-arch", GOARCH="I-do-not-exist")]),
        [*go_x_version(), {"GOARCH": "I-do-not-exist"}],
        id="include param value does not exist, generate a new combination",
    ),
    pytest.param(
        matrix(
            [GOARCH, VERSION],
            include=[include("s390x-no-race", GOARCH="linux/s390x", flags="-cover -v")],
        ),
        [
            {"GOARCH": "linux/amd64", "version": "go1.17"},
            {"GOARCH": "linux/ppc64le", "version": "go1.17"},
            {"GOARCH": "linux/s390x", "flags": "-cover -v", "version": "go1.17"},
            {"GOARCH": "linux/amd64", "version": "go1.18.1"},
            {"GOARCH": "linux/ppc64le", "version": "go1.18.1"},
            {"GOARCH": "linux/s390x", "flags": "-cover -v", "version": "go1.18.1"},
        ],
        id="include filters single parameter and appends missing values",
    ),
    pytest.param(
        matrix(
            [GOARCH, VERSION],
            include=[
                include(
                    "390x-no-race", GOARCH="linux/s390x", flags="-cover -v", version="go1.18.1"
                ),
                include("amd64-no-race", GOARCH="linux/amd64", flags="-cover -v", version="go1.17"),
            ],
        ),
        [
            {"GOARCH": "linux/amd64", "flags": "-cover -v", "version": "go1.17"},
            {"GOARCH": "linux/ppc64le", "version": "go1.17"},
            {"GOARCH": "linux/s390x", "version": "go1.17"},
            {"GOARCH": "linux/amd64", "version": "go1.18.1"},
            {"GOARCH": "linux/ppc64le", "version": "go1.18.1"},
            {"GOARCH": "linux/s390x", "flags": "-cover -v", "version": "go1.18.1"},
        ],
        id="include filters multiple parameters and appends new parameters",
    ),
    pytest.param(
        matrix(
            [GOARCH, VERSION],
            include=[
                include("common-package", package="path/to/common/package/"),
                include("s390x-no-race", GOARCH="linux/s390x", flags="-cover -v"),
                include("go117-context", version="go1.17", context="path/to/go117/context"),
                include("non-existent-arch", GOARCH="I-do-not-exist"),
            ],
        ),
        [
            {
                "GOARCH": "linux/amd64",
                "context": "path/to/go117/context",
                "package": "path/to/common/package/",
                "version": "go1.17",
            },
            {
                "GOARCH": "linux/ppc64le",
                "context": "path/to/go117/context",
                "package": "path/to/common/package/",
                "version": "go1.17",
            },
            {
                "GOARCH": "linux/s390x",
                "context": "path/to/go117/context",
                "flags": "-cover -v",
                "package": "path/to/common/package/",
                "version": "go1.17",
            },
            {"GOARCH": "linux/amd64", "package": "path/to/common/package/", "version": "go1.18.1"},
            {
                "GOARCH": "linux/ppc64le",
                "package": "path/to/common/package/",
                "version": "go1.18.1",
            },
            {
                "GOARCH": "linux/s390x",
                "flags": "-cover -v",
                "package": "path/to/common/package/",
                "version": "go1.18.1",
            },
            {"GOARCH": "I-do-not-exist"},
        ],
        id="params and include: filter, append and new combinations at once",
    ),
]


@pytest.mark.parametrize(("m", "want"), FAN_OUT_CASES)
def test_fan_out(m: Matrix, want: list[dict[str, str]]) -> None:
    got = fan_out(m)
    # Each run's params are string params ordered by name.
    assert [[p.name for p in run] for run in got] == [sorted(c) for c in want]
    assert [{p.name: p.value for p in run} for run in got] == want
    assert combinations(m) == want


def test_fan_out_first_param_varies_fastest() -> None:
    m = matrix(
        [
            {"name": "platform", "value": ["linux", "mac"]},
            {"name": "browser", "value": ["safari", "chrome"]},
        ]
    )
    assert [(c["platform"], c["browser"]) for c in combinations(m)] == [
        ("linux", "safari"),
        ("mac", "safari"),
        ("linux", "chrome"),
        ("mac", "chrome"),
    ]


def test_fan_out_string_valued_param_restarts_combinations() -> None:
    # Tekton distributes over ArrayVal, which is empty for a string: the combinations
    # vanish and the next param starts afresh.
    m = matrix(
        [
            {"name": "a", "value": ["1", "2"]},
            {"name": "b", "value": "$(params.unresolved)"},
            {"name": "c", "value": ["x"]},
        ]
    )
    assert combinations(m) == [{"c": "x"}]


def test_fan_out_none() -> None:
    assert fan_out(None) == []


@pytest.mark.parametrize(
    ("m", "params", "incl"),
    [
        (None, False, False),
        (matrix(), False, False),
        (matrix([{"name": "platform", "value": ["linux", "windows"]}]), True, False),
        (matrix(include=[include("build-1", IMAGE="image-1")]), False, True),
        (
            matrix([GOARCH], include=[include("common-package", package="p")]),
            True,
            True,
        ),
    ],
)
def test_has_params_and_include(m: Matrix | None, params: bool, incl: bool) -> None:
    assert has_params(m) is params
    assert has_include(m) is incl


def test_get_all_params() -> None:
    assert get_all_params(None) == []
    assert get_all_params(matrix()) == []
    m = matrix([GOARCH], include=[include("common-package", package="path/to/common/package/")])
    assert [(p.name, p.value) for p in get_all_params(m)] == [
        ("GOARCH", GOARCH["value"]),
        ("package", "path/to/common/package/"),
    ]


def _wide_matrix(num_params: int, array_len: int) -> Matrix:
    return matrix(
        [
            {"name": f"p{i}", "value": [f"v{i}-{j}" for j in range(array_len)]}
            for i in range(num_params)
        ]
    )


COUNT_CASES = [
    pytest.param(matrix([]), 0, id="zero"),
    pytest.param(matrix([{"name": "foo", "value": ["foo"]}]), 1, id="one from one parameter"),
    pytest.param(
        matrix([{"name": "foo", "value": ["foo"]}, {"name": "bar", "value": ["bar"]}]),
        1,
        id="one from two parameters",
    ),
    pytest.param(matrix([{"name": "foo", "value": ["foo", "bar"]}]), 2, id="two from one"),
    pytest.param(
        matrix(
            [{"name": "foo", "value": ["f", "o", "o"]}, {"name": "bar", "value": ["b", "a", "r"]}]
        ),
        9,
        id="nine",
    ),
    pytest.param(
        matrix(
            [
                {"name": "foo", "value": ["f", "o", "o"]},
                {"name": "bar", "value": ["b", "a", "r"]},
                {"name": "quz", "value": ["q", "u", "x"]},
                {"name": "xyzzy", "value": ["x", "y", "z", "z", "y"]},
            ]
        ),
        135,
        id="large",
    ),
    pytest.param(
        matrix(
            include=[
                include("build-1", IMAGE="image-1", DOCKERFILE="path/to/Dockerfile1"),
                include("build-2", IMAGE="image-2", DOCKERFILE="path/to/Dockerfile2"),
                include("build-3", IMAGE="image-3", DOCKERFILE="path/to/Dockerfile3"),
            ]
        ),
        3,
        id="explicit combinations",
    ),
    pytest.param(
        matrix(
            [GOARCH, VERSION],
            include=[
                include("common-package", package="path/to/common/package/"),
                include("s390x-no-race", GOARCH="linux/s390x", flags="-cover -v"),
                include("go117-context", version="go1.17", context="path/to/go117/context"),
            ],
        ),
        6,
        id="params and include overriding combinations",
    ),
    pytest.param(
        matrix(
            [GOARCH, VERSION],
            include=[
                include("common-package", package="path/to/common/package/"),
                include("s390x-no-race", GOARCH="linux/s390x", flags="-cover -v"),
                include("go117-context", version="go1.17", context="path/to/go117/context"),
                include("non-existent-arch", GOARCH="I-do-not-exist"),
            ],
        ),
        7,
        id="params and include with one new combination",
    ),
    pytest.param(
        matrix([GOARCH, {"name": "version", "value": "$(tasks.platforms.results.str[*])"}]),
        3,
        id="string value containing a variable reference",
    ),
    pytest.param(_wide_matrix(64, 2), MAX_INT, id="overflow capped at MaxInt"),
]


@pytest.mark.parametrize(("m", "want"), COUNT_CASES)
def test_count_combinations(m: Matrix, want: int) -> None:
    assert count_combinations(m) == want


def test_count_combinations_with_include_overflow() -> None:
    m = _wide_matrix(64, 2)
    m.include = matrix(include=[include("", p0="new-value")]).include
    assert count_combinations(m) == MAX_INT


def test_count_matches_fan_out_for_simple_matrices() -> None:
    m = matrix([GOARCH, VERSION], include=[include("x", GOARCH="I-do-not-exist")])
    assert count_combinations(m) == len(fan_out(m)) == 7
