"""Tests for tektite.api.dag; cases lifted from Tekton's dag_test.go unless marked."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pytest

from tektite.api.dag import (
    DagError,
    Graph,
    build,
    find_cycles_in_dependencies,
    get_candidate_tasks,
    get_roots,
    task_deps,
    topological_order,
)
from tektite.api.resultref import result_refs_in_strings


@dataclass
class PT:
    """A minimal pipeline task: runAfter plus task names found in result refs."""

    name: str
    run_after: list[str] = field(default_factory=list)
    params: list[str] = field(default_factory=list)

    def deps(self) -> list[str]:
        refs = {ref.pipeline_task for ref in result_refs_in_strings(self.params)}
        return sorted(refs | set(self.run_after))


def links(graph: Graph) -> dict[str, tuple[set[str], set[str]]]:
    """Node key → (prev keys, next keys), order-insensitive like Tekton's assertSameDAG."""
    return {
        key: ({n.key for n in node.prev}, {n.key for n in node.next})
        for key, node in graph.nodes.items()
    }


def expected(
    edges: Iterable[tuple[str, str]], nodes: Iterable[str]
) -> dict[str, tuple[set[str], set[str]]]:
    result: dict[str, tuple[set[str], set[str]]] = {n: (set(), set()) for n in nodes}
    for parent, child in edges:
        result[child][0].add(parent)
        result[parent][1].add(child)
    return result


def test_build_parallel() -> None:
    g = build([PT("a"), PT("b"), PT("c")])
    assert links(g) == expected([], "abc")


def test_build_join_multiple_roots() -> None:
    #   a    b   c
    #   | \ /
    #   x  y
    #   |
    #   z
    tasks = [
        PT("a"),
        PT("x", params=["$(tasks.a.results.result)"]),
        PT("y", run_after=["b"], params=["$(tasks.a.results.result)"]),
        PT("z", run_after=["x"]),
        PT("b"),
        PT("c"),
    ]
    g = build(tasks)
    assert links(g) == expected([("a", "x"), ("a", "y"), ("b", "y"), ("x", "z")], "abcxyz")
    assert list(g.nodes) == ["a", "x", "y", "z", "b", "c"]


def test_build_fan_in_fan_out() -> None:
    tasks = [
        PT("a"),
        PT("d", params=["$(tasks.a.results.result)"]),
        PT("e", params=["$(tasks.a.results.result)"]),
        PT("f", params=["$(tasks.d.results.resultFromD)", "$(tasks.e.results.resultFromE)"]),
        PT("g", run_after=["f"]),
    ]
    g = build(tasks)
    assert links(g) == expected(
        [("a", "d"), ("a", "e"), ("d", "f"), ("e", "f"), ("f", "g")], "adefg"
    )


def test_build_task_params_from_task_results() -> None:
    tasks = [
        *(PT(n) for n in "abcdef"),
        PT("x", params=["$(tasks.a.results.resultA)"]),
        PT("y", run_after=["c"], params=["$(tasks.b.results.resultB)"]),
        PT("z", params=["$(tasks.d.results.resultD) $(tasks.e.results.resultE)"]),
        PT("w", params=["$(tasks.f.results.resultF[*])"]),
    ]
    g = build(tasks)
    assert links(g) == expected(
        [("a", "x"), ("b", "y"), ("c", "y"), ("d", "z"), ("e", "z"), ("f", "w")], "abcdefxyzw"
    )


@pytest.mark.parametrize(
    ("tasks", "message"),
    [
        (
            [PT("a", params=["$(tasks.a.results.result)"])],
            'cycle detected; task "a" depends on "a"',
        ),
        ([PT("a", run_after=["a"])], 'cycle detected; task "a" depends on "a"'),
        (
            [
                PT("x", params=["$(tasks.a.results.result)"]),
                PT("z", params=["$(tasks.x.results.resultX)"]),
                PT("a", params=["$(tasks.z.results.resultZ)"]),
            ],
            'cycle detected; task "a" depends on "z"',
        ),
        (
            [PT("x", run_after=["a"]), PT("z", run_after=["x"]), PT("a", run_after=["z"])],
            'cycle detected; task "a" depends on "z"',
        ),
        (
            [
                PT("x", params=["$(tasks.a.results.result)"]),
                PT("z", run_after=["x"]),
                PT("a", params=["$(tasks.z.results.resultZ)"]),
            ],
            'cycle detected; task "a" depends on "z"',
        ),
        (
            [
                PT("a", run_after=["e"]),
                PT("b", params=["$(tasks.a.results.result)"]),
                PT("c", params=["$(tasks.a.results.result)"]),
                PT("d", params=["$(tasks.b.results.resultb)", "$(tasks.c.results.resultc)"]),
                PT("e", run_after=["d"]),
                PT("f", run_after=["d"]),
                PT("g", run_after=["f"]),
            ],
            'cycle detected; task "a" depends on "e"',
        ),
        (
            [PT("a"), PT("a")],
            "task a is already present in Graph, can't add it again: duplicate pipeline task",
        ),
        (
            [PT("a", params=["$(tasks.invalid.results.none)"])],
            "couldn't add link between a and invalid: task a depends on invalid but invalid "
            "wasn't present in Pipeline",
        ),
        (
            [PT("a", run_after=["none"])],
            "couldn't add link between a and none: task a depends on none but none wasn't "
            "present in Pipeline",
        ),
        # Tektite: checks run in Tekton's order (duplicates, cycles, then links), and
        # with several unknown deps the first task/first sorted dep is reported.
        (
            [PT("a", run_after=["b"]), PT("b", run_after=["a"]), PT("a")],
            "task a is already present in Graph, can't add it again: duplicate pipeline task",
        ),
        (
            [PT("a", run_after=["b", "zz"]), PT("b", run_after=["a"])],
            'cycle detected; task "a" depends on "b"',
        ),
        (
            [PT("c", run_after=["y", "x"]), PT("d", run_after=["w"])],
            "couldn't add link between c and x: task c depends on x but x wasn't present in "
            "Pipeline",
        ),
    ],
)
def test_build_invalid_dag(tasks: list[PT], message: str) -> None:
    with pytest.raises(DagError) as excinfo:
        build(tasks)
    assert excinfo.value.message == message
    assert str(excinfo.value) == message


def _hundreds_of_tasks(circular: bool) -> list[PT]:
    tasks: list[PT] = []
    n_branches, n_tasks = 5, 100
    for branch in range(n_branches):
        first = f"b{branch:02d}"
        deps = [f"b{(branch + 1) % n_branches:02d}"] if circular else []
        tasks.append(PT(first, run_after=list(deps)))
        deps.append(first)
        for index in range(n_tasks):
            name = f"{first}-{index:03d}"
            tasks.append(PT(name, run_after=list(deps)))
            deps.append(name)
    return tasks


def test_build_graph_with_hundreds_of_tasks() -> None:
    g = build(_hundreds_of_tasks(circular=False))
    assert len(g.nodes) == 505
    order = topological_order(g)
    assert order[:2] == ["b00", "b00-000"]
    assert order.index("b01") == 101


def test_build_graph_with_hundreds_of_tasks_invalid() -> None:
    with pytest.raises(DagError) as excinfo:
        build(_hundreds_of_tasks(circular=True))
    assert excinfo.value.message == 'cycle detected; task "b00" depends on "b01"'


def test_long_chain_does_not_recurse() -> None:
    # Tektite: Tekton's recursive walk would exceed Python's recursion limit here.
    names = [f"t{i:04d}" for i in range(3000)]
    tasks = [PT(names[0])] + [PT(n, run_after=[p]) for p, n in itertools.pairwise(names)]
    g = build(tasks)
    assert get_candidate_tasks(g, names[:-1]) == {names[-1]}
    assert topological_order(g) == names


def _test_graph() -> Graph:
    #  b     a
    #  |    / \
    #  |   |   x
    #  |   | / |
    #  |   y   |
    #   \ /    z
    #    w
    return build(
        [
            PT("a"),
            PT("b"),
            PT("w", run_after=["b"], params=["$(tasks.y.results.bar)"]),
            PT("x", run_after=["a"]),
            PT("y", run_after=["a", "x"]),
            PT("z", run_after=["x"]),
        ]
    )


@pytest.mark.parametrize(
    ("done", "want"),
    [
        ([], {"a", "b"}),
        (["a"], {"b", "x"}),
        (["b"], {"a"}),
        (["a", "b"], {"x"}),
        (["a", "x"], {"b", "y", "z"}),
        (["a", "x", "b"], {"y", "z"}),
        (["a", "x", "y"], {"b", "z"}),
        (["a", "x", "y", "b"], {"w", "z"}),
    ],
)
def test_get_candidate_tasks(done: list[str], want: set[str]) -> None:
    assert get_candidate_tasks(_test_graph(), done) == want


@pytest.mark.parametrize(
    ("done", "not_visited"),
    [
        (["x"], "[x]"),
        (["y"], "[y]"),
        (["w"], "[w]"),
        (["y", "x"], "[y x]"),
        (["y", "w"], "[y w]"),
        (["x", "w"], "[x w]"),
    ],
)
def test_get_candidate_tasks_invalid(done: list[str], not_visited: str) -> None:
    with pytest.raises(DagError) as excinfo:
        get_candidate_tasks(_test_graph(), done)
    assert excinfo.value.message == (
        "invalid list of done tasks; some tasks were indicated completed without ancestors "
        f"being done: {not_visited}"
    )


def test_get_roots_and_topological_order() -> None:
    g = _test_graph()
    assert [n.key for n in get_roots(g)] == ["a", "b"]
    assert topological_order(g) == ["a", "b", "x", "y", "w", "z"]


def test_task_deps_and_mapping_input() -> None:
    tasks = [PT("a"), PT("b", run_after=["a", "a"]), PT("c", params=["$(tasks.b.results.r)"])]
    assert task_deps(tasks) == {"b": ["a"], "c": ["b"]}
    g = build({"a": [], "b": ["a"], "c": ["b", "a"]})
    assert links(g) == expected([("a", "b"), ("b", "c"), ("a", "c")], "abc")


def test_explicit_empty_deps_gives_unlinked_nodes() -> None:
    # Tekton builds the finally graph with no dependencies at all.
    g = build([PT("f1", run_after=["missing"]), PT("f2")], {})
    assert links(g) == expected([], ["f1", "f2"])


def test_node_repr_does_not_recurse() -> None:
    g = build({"a": [], "b": ["a"]})
    assert repr(g.nodes["b"]) == "Node(key='b', prev=['a'], next=[])"


@pytest.mark.parametrize(
    ("deps", "message"),
    [
        ({"a": [], "b": ["c", "d"], "c": [], "d": []}, None),
        ({"a": ["a"]}, 'task "a" depends on "a"'),
        ({"a": ["b"], "b": ["a"]}, 'task "a" depends on "b"'),
        (
            {"a": ["b", "c"], "b": ["a"], "c": ["d"], "d": ["a", "b"]},
            'task "a" depends on "b", "c"',
        ),
        # Tektite: a dependency that is not a task is treated as independent here.
        ({"a": ["ghost"]}, None),
        # Only tasks still blocked after Kahn's algorithm are named; "c" is downstream.
        ({"c": ["b"], "b": ["a"], "a": ["b"]}, 'task "a" depends on "b"'),
        ({"q": ["p"], "p": ["q"], "a": ["x"], "x": []}, 'task "p" depends on "q"'),
    ],
)
def test_find_cycles_in_dependencies(deps: Mapping[str, list[str]], message: str | None) -> None:
    assert find_cycles_in_dependencies(deps) == message
