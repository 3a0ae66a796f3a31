"""The canonical ``/tekton`` paths the wrapper itself knows about.

Tekton hard-codes ``/tekton/results``, ``/tekton/steps``, ``/tekton/downward/cancel``
and friends. Tektite's host runtime has no mount namespace, so it maps ``/tekton``
to a per-run directory and tells the wrapper through ``TEKTITE_TEKTON_DIR``;
every such path is derived from that one root here and nowhere else.
"""

from __future__ import annotations

import os

ROOT_ENV = "TEKTITE_TEKTON_DIR"
DEFAULT_ROOT = "/tekton"


class TektonPaths:
    """Paths under one Tekton root (``/tekton`` in a real Pod)."""

    __slots__ = (
        "artifacts",
        "creds",
        "downward_cancel",
        "results",
        "root",
        "run",
        "scripts",
        "steps",
        "termination",
    )

    def __init__(self, root: str = DEFAULT_ROOT) -> None:
        self.root = root
        self.results = os.path.join(root, "results")
        self.steps = os.path.join(root, "steps")
        self.run = os.path.join(root, "run")
        self.scripts = os.path.join(root, "scripts")
        self.artifacts = os.path.join(root, "artifacts")
        self.creds = os.path.join(root, "creds")
        self.downward_cancel = os.path.join(root, "downward", "cancel")
        self.termination = os.path.join(root, "termination")

    def step_result(self, step_name: str, result_name: str) -> str:
        """Path of a step's result as later steps see it: ``steps/step-<s>/results/<r>``."""
        return os.path.join(self.steps, "step-" + step_name, "results", result_name)

    def step_artifacts(self, step_name: str) -> str:
        """Path of a step's artifacts: ``steps/step-<s>/artifacts/provenance.json``."""
        return os.path.join(self.steps, "step-" + step_name, "artifacts", "provenance.json")


def tekton_paths() -> TektonPaths:
    """Return the paths for ``$TEKTITE_TEKTON_DIR``, or ``/tekton`` when it is unset/empty."""
    return TektonPaths(os.environ.get(ROOT_ENV) or DEFAULT_ROOT)
