"""Every file of Tekton's example corpus loads, converts, defaults and validates.

Tekton's CI creates each example with the feature flags of its directory (``alpha/``
with the alpha CI flags, the rest with Tekton's defaults); ``no-ci/`` files are checked
with the alpha flags, since they exercise alpha features too. Each object must be valid
and survive load → dump → load unchanged, both as objects and through YAML text.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tektite.api.config import Config
from tektite.api.load import check_file
from tektite.api.models import KubeObject
from tektite.api.objects import decode
from tektite.api.yamlio import dump_yaml, load_documents
from tests.conftest import examples_dir, shared_dir

_ROOT = shared_dir()
_FILES = sorted((_ROOT / "conformance/tekton-examples/v1").rglob("*.yaml")) if _ROOT else []


# Files Tekton itself refuses: never run by Tekton's CI (no-ci/), and invalid under
# Tekton's own webhook. Each maps to the one object that fails and the start of its error.
TEKTON_REJECTS = {
    # `$(results.digest-${i}.path)` in a script: task_validation.go
    # (validateTaskResultsVariables) reports undeclared results referenced by scripts.
    "pipelineruns/no-ci/compressed-results-pipeline.yaml": (
        "Task/build-many-images",
        'non-existent variable in "#!/usr/bin/env bash\\n# Simulate a multi-architecture',
        ": spec.steps[0].script",
    ),
}


def _config_for(path: Path) -> Config:
    parts = path.parts
    return Config.alpha_ci() if ("alpha" in parts or "no-ci" in parts) else Config()


def _id(path: Path) -> str:
    return str(path.relative_to(examples_dir()))


def test_corpus_is_present() -> None:
    """The corpus must be found, or every parametrized test below would be silently absent."""
    assert len(_FILES) > 140, f"expected Tekton's ~150 example files, found {len(_FILES)}"


@pytest.mark.parametrize("path", _FILES, ids=_id)
def test_example_is_valid(path: Path) -> None:
    checked = check_file(path, _config_for(path))
    assert checked, f"{path} has no objects"
    problems = [(c.name, c.errors.render()) for c in checked if not c.valid]
    rejected = TEKTON_REJECTS.get(_id(path))
    if rejected:
        name, start, end = rejected
        assert [p[0] for p in problems] == [name]
        assert problems[0][1].startswith(start) and problems[0][1].endswith(end)
        return
    assert not problems, "\n".join(f"{n}: {e}" for n, e in problems)


@pytest.mark.parametrize("path", _FILES, ids=_id)
def test_example_round_trips(path: Path) -> None:
    for doc in load_documents(path.read_bytes(), str(path)):
        first = decode(doc.obj)
        again = decode(first.to_dict())
        assert again == first
        (through_yaml,) = load_documents(dump_yaml(first.to_dict()), "dump")
        assert decode(through_yaml.obj) == first
        if isinstance(first, KubeObject):
            continue
        from tektite.api.defaults import set_defaults

        set_defaults(first, _config_for(path))
        defaulted_again = decode(first.to_dict())
        set_defaults(defaulted_again, _config_for(path))
        assert defaulted_again == first
