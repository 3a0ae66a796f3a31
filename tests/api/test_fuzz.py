"""Fuzzing: no input makes loading, decoding, defaulting or validation raise.

Whatever the YAML, the user gets either objects or field errors, never a traceback.
"""

from __future__ import annotations

import contextlib
import copy
from functools import cache
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tektite.api.config import Config
from tektite.api.load import check_object, check_text
from tektite.api.yamlio import Document, YamlLoadError, load_documents
from tests.conftest import examples_dir

CONFIGS = [Config(), Config.alpha_ci()]
KINDS = ["Task", "TaskRun", "Pipeline", "PipelineRun", "StepAction"]
DOC = Document(file="fuzz.yaml", index=0, line=1, obj={}, item=None)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**40), max_value=2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["$(params.a)", "$(tasks.t.results.r)", "in", "notin", "1h", "-1s", ""])
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=25,
)


@cache
def example_documents() -> list[dict[str, Any]]:
    docs = []
    for path in sorted(examples_dir().rglob("*.yaml")):
        docs.extend(d.obj for d in load_documents(path.read_bytes(), str(path)))
    return docs


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(_paths(v, (*prefix, i)))
    return out


def _set(doc: Any, path: tuple[Any, ...], new: Any, delete: bool) -> Any:
    if not path:
        return new
    parent = doc
    for p in path[:-1]:
        parent = parent[p]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return doc


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(KINDS), spec=json_values, cfg=st.sampled_from(CONFIGS))
def test_random_specs_never_raise(kind: str, spec: Any, cfg: Config) -> None:
    api_version = "tekton.dev/v1beta1" if kind == "StepAction" else "tekton.dev/v1"
    raw = {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}, "spec": spec}
    check_object(raw, DOC, cfg)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.dictionaries(st.text(max_size=10), json_values, max_size=5))
def test_random_objects_never_raise(raw: dict[str, Any]) -> None:
    check_object(raw, DOC, Config())


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), new=json_values, delete=st.booleans(), cfg=st.sampled_from(CONFIGS))
def test_mutated_examples_never_raise(
    data: st.DataObject, new: Any, delete: bool, cfg: Config
) -> None:
    docs = example_documents()
    doc = copy.deepcopy(docs[data.draw(st.integers(0, len(docs) - 1), label="doc")])
    paths = _paths(doc)
    path = paths[data.draw(st.integers(0, len(paths) - 1), label="path")]
    mutated = _set(doc, path, new, delete and bool(path))
    if isinstance(mutated, dict):
        check_object(mutated, DOC, cfg)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=200))
def test_arbitrary_text_gives_objects_or_a_load_error(text: str) -> None:
    with contextlib.suppress(YamlLoadError):
        check_text(text, "fuzz.yaml")
