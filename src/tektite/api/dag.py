"""The pipeline task graph: Tekton's ``pkg/reconciler/pipeline/dag`` as plain data.

:func:`build` validates and links the tasks (duplicate names, dependency cycles, links to
unknown tasks — with Tekton's exact messages), :func:`get_candidate_tasks` answers
"what can run now, given what is done", and :func:`topological_order` gives a
deterministic order for display and tests.

Where Tekton's result depends on Go map iteration order (which link error is reported
first when several dependencies are unknown, the order of ``Node.prev``/``Node.next``),
this module uses the order of the input: tasks in pipeline order, each task's
dependencies in the order given (sorted and de-duplicated when taken from ``deps()``,
which is what ``PipelineTask.Deps()`` returns in Tekton).
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from tektite.api.variables import go_quote

__all__ = [
    "DagError",
    "DagTask",
    "Graph",
    "Node",
    "build",
    "find_cycles_in_dependencies",
    "get_candidate_tasks",
    "get_roots",
    "task_deps",
    "topological_order",
]


class DagTask(Protocol):
    """Anything with a ``name`` and a ``deps()`` (runAfter ∪ tasks named in result refs)."""

    @property
    def name(self) -> str: ...

    def deps(self) -> Iterable[str]: ...


class DagError(ValueError):
    """The graph is invalid; ``message`` (also ``str()``) is Tekton's text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(eq=False, slots=True)
class Node:
    """One pipeline task in the graph, with links to its parents and children."""

    key: str
    prev: list[Node] = field(default_factory=list)
    next: list[Node] = field(default_factory=list)

    def __repr__(self) -> str:
        # The default repr would recurse through prev/next forever.
        prev = [n.key for n in self.prev]
        nxt = [n.key for n in self.next]
        return f"Node(key={self.key!r}, prev={prev!r}, next={nxt!r})"


@dataclass(slots=True)
class Graph:
    """Pipeline task name → :class:`Node`, in pipeline order."""

    nodes: dict[str, Node] = field(default_factory=dict)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def task_deps(tasks: Iterable[DagTask]) -> dict[str, list[str]]:
    """Tekton's ``PipelineTaskList.Deps()``: name → sorted unique deps, non-empty only."""
    result: dict[str, list[str]] = {}
    for task in tasks:
        deps = sorted(set(task.deps()))
        if deps:
            result[task.name] = deps
    return result


def find_cycles_in_dependencies(deps: Mapping[str, Iterable[str]]) -> str | None:
    """Run Kahn's algorithm over ``deps``; describe the leftover cycle, if any.

    As in Tekton, the message names the alphabetically first task still blocked and
    all of its still-unresolved dependencies, sorted:
    ``task "a" depends on "b", "c"``. A dependency that is not a key of ``deps`` (or
    has no deps) counts as independent, so unknown tasks are not reported here.
    """
    blocked: dict[str, set[str]] = {}
    children: dict[str, set[str]] = {}
    independent: set[str] = set()
    for task, task_deps_ in deps.items():
        parents = set(task_deps_)
        if not parents:
            continue
        blocked[task] = parents
        for parent in parents:
            if not deps.get(parent):
                independent.add(parent)
            children.setdefault(parent, set()).add(task)

    queue = deque(independent)
    while queue:
        parent = queue.popleft()
        for child in children.pop(parent, ()):
            remaining = blocked.get(child)
            if remaining is None:
                continue
            remaining.discard(parent)
            if not remaining:
                del blocked[child]
                queue.append(child)

    if not blocked:
        return None
    first = min(blocked)
    names = ", ".join(go_quote(dep) for dep in sorted(blocked[first]))
    return f"task {go_quote(first)} depends on {names}"


def build(
    tasks: Iterable[DagTask] | Mapping[str, Iterable[str]],
    deps: Mapping[str, Iterable[str]] | None = None,
) -> Graph:
    """Build and validate the graph of ``tasks``; raise :class:`DagError` if invalid.

    ``tasks`` is a sequence of :class:`DagTask` or a mapping name → deps. ``deps``
    defaults to the tasks' own dependencies; pass ``{}`` to get unlinked nodes (Tekton
    builds the ``finally`` graph that way). Checks run in Tekton's order: duplicate
    names, then cycles, then links to tasks that are not in the graph.
    """
    if isinstance(tasks, Mapping):
        names = list(tasks)
        if deps is None:
            deps = {name: sorted(set(d)) for name, d in tasks.items()}
    else:
        task_list = list(tasks)
        names = [task.name for task in task_list]
        if deps is None:
            deps = task_deps(task_list)
    links = {name: _unique(d) for name, d in deps.items()}

    graph = Graph()
    for name in names:
        if name in graph.nodes:
            raise DagError(
                f"task {name} is already present in Graph, can't add it again: "
                "duplicate pipeline task"
            )
        graph.nodes[name] = Node(name)

    cycle = find_cycles_in_dependencies(links)
    if cycle is not None:
        raise DagError(f"cycle detected; {cycle}")

    for name, parents in links.items():
        for parent in parents:
            prev = graph.nodes.get(parent)
            if prev is None:
                raise DagError(
                    f"couldn't add link between {name} and {parent}: task {name} depends on "
                    f"{parent} but {parent} wasn't present in Pipeline"
                )
            node = graph.nodes.get(name)
            if node is None:
                # Unreachable from Tekton's inputs (deps come from the tasks themselves);
                # Go would dereference a nil node here.
                raise DagError(
                    f"couldn't add link between {name} and {parent}: task {name} "
                    "wasn't present in Pipeline"
                )
            node.prev.append(prev)
            prev.next.append(node)
    return graph


def get_roots(graph: Graph) -> list[Node]:
    """Nodes without parents, in pipeline order."""
    return [node for node in graph.nodes.values() if not node.prev]


def get_candidate_tasks(graph: Graph, done: Iterable[str]) -> set[str]:
    """Names of tasks not in ``done`` whose parents are all in ``done``.

    ``done`` is the completed-or-skipped DAG tasks. A done task that cannot be reached
    from a root through done tasks only means the caller's state is inconsistent:
    :class:`DagError` lists those names in the given order, formatted like Go's ``%v``.
    """
    done_list = list(done)
    done_set = set(done_list)
    visited: set[str] = set()
    candidates: set[str] = set()
    # Iterative walk (Tekton recurses): long sequential pipelines must not hit
    # Python's recursion limit. The visited set makes the order irrelevant.
    for root in get_roots(graph):
        stack = [root]
        while stack:
            node = stack.pop()
            if node.key in visited:
                continue
            visited.add(node.key)
            if node.key in done_set:
                stack.extend(n for n in reversed(node.next) if n.key not in visited)
            elif all(p.key in done_set for p in node.prev):
                candidates.add(node.key)
    not_visited = [name for name in done_list if name not in visited]
    if not_visited:
        raise DagError(
            "invalid list of done tasks; some tasks were indicated completed without "
            f"ancestors being done: [{' '.join(not_visited)}]"
        )
    return candidates


def topological_order(graph: Graph) -> list[str]:
    """All task names, parents before children.

    Among the tasks whose parents are all placed, the earliest in pipeline order comes
    next, so the order is stable and readable (a DAG view lists tasks this way).
    """
    # Hand-written Kahn rather than graphlib: graphlib does not specify how it breaks
    # ties, and this order is shown to users and asserted in tests.
    position = {key: index for index, key in enumerate(graph.nodes)}
    waiting = {key: len(node.prev) for key, node in graph.nodes.items()}
    ready = [position[key] for key, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    keys = list(graph.nodes)
    order: list[str] = []
    while ready:
        key = keys[heapq.heappop(ready)]
        order.append(key)
        for child in graph.nodes[key].next:
            waiting[child.key] -= 1
            if waiting[child.key] == 0:
                heapq.heappush(ready, position[child.key])
    return order
