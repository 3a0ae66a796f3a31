"""How ``tkn … start --dry-run|--output`` prints a run: ``sigs.k8s.io/yaml`` (keys
sorted, through JSON) or Go's ``json.MarshalIndent`` with tabs (keys in the Go
structs' order), the run's empty status included as the Go object has it."""

from __future__ import annotations

from typing import Any, TextIO

# Go struct field orders (tekton.dev/v1 and metav1), for JSON output.
_ORDERS: dict[str, tuple[str, ...]] = {
    "object": ("kind", "apiVersion", "metadata", "spec", "status"),
    "metadata": (
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion",
        "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
        "labels", "annotations", "ownerReferences", "finalizers", "managedFields",
    ),
    "TaskRun": (
        "debug", "params", "serviceAccountName", "taskRef", "taskSpec", "status",
        "statusMessage", "retries", "timeout", "podTemplate", "workspaces", "stepSpecs",
        "sidecarSpecs", "computeResources", "managedBy",
    ),
    "PipelineRun": (
        "pipelineRef", "pipelineSpec", "params", "status", "timeouts", "taskRunTemplate",
        "workspaces", "taskRunSpecs", "managedBy",
    ),
    "timeouts": ("pipeline", "tasks", "finally"),
    "taskRunTemplate": ("podTemplate", "serviceAccountName"),
    "param": ("name", "value"),
    "workspace": (
        "name", "subPath", "volumeClaimTemplate", "persistentVolumeClaim", "emptyDir",
        "configMap", "secret", "projected", "csi",
    ),
}  # fmt: skip


def _ordered(d: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    rank = {k: i for i, k in enumerate(order)}
    return dict(sorted(d.items(), key=lambda kv: rank.get(kv[0], len(rank))))


def go_ordered(run: dict[str, Any]) -> dict[str, Any]:
    """The run with its keys in the order Go marshals the v1 structs."""
    kind = str(run.get("kind", ""))
    out = _ordered(dict(run), _ORDERS["object"])
    if isinstance(out.get("metadata"), dict):
        out["metadata"] = _ordered(out["metadata"], _ORDERS["metadata"])
    spec = out.get("spec")
    if isinstance(spec, dict):
        spec = _ordered(spec, _ORDERS.get(kind, ()))
        for key, order in (("timeouts", "timeouts"), ("taskRunTemplate", "taskRunTemplate")):
            if isinstance(spec.get(key), dict):
                spec[key] = _ordered(spec[key], _ORDERS[order])
        for key, order in (("params", "param"), ("workspaces", "workspace")):
            if isinstance(spec.get(key), list):
                spec[key] = [
                    _ordered(x, _ORDERS[order]) if isinstance(x, dict) else x for x in spec[key]
                ]
        out["spec"] = spec
    return out


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def with_status(run: dict[str, Any]) -> dict[str, Any]:
    """The run with the status Go prints for a run without one (a TaskRun's
    ``podName`` is not ``omitempty``)."""
    out = dict(run)
    if not out.get("status"):
        out["status"] = {"podName": ""} if run.get("kind") == "TaskRun" else {}
    return out


def render_run(run: dict[str, Any], output: str) -> str:
    """``yaml``, ``json`` or ``name``, exactly as tkn prints them."""
    from tektite.api.yamlio import dump_json, dump_yaml

    if output == "name":
        return f"{run['metadata'].get('name', '')}\n"  # tkn: empty before creation
    run = with_status(run)
    if output == "json":
        text = dump_json(go_ordered(run), indent=4)
        # Go's MarshalIndent with "\t": JSON strings hold no raw newline, so every
        # line's leading spaces are indentation only.
        lines = []
        for line in text.splitlines():
            stripped = line.lstrip(" ")
            lines.append("\t" * ((len(line) - len(stripped)) // 4) + stripped)
        return "\n".join(lines) + "\n"
    return dump_yaml(_sorted(run))


def print_run(run: dict[str, Any], output: str, out: TextIO) -> None:
    """Write :func:`render_run` to ``out``."""
    out.write(render_run(run, output))
    out.flush()
