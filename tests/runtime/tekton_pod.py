"""A hand-written, Tekton-shaped Pod manifest (as ``pkg/pod/pod.go`` builds them) and a
dict-backed ``ClusterData`` for the host runtime tests."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENTRYPOINT_IMAGE = "ghcr.io/tektoncd/pipeline/entrypoint:test"
SHELL_IMAGE = "busybox"
NOP_IMAGE = "ghcr.io/tektoncd/pipeline/nop:test"
PREAMBLE = "#!/bin/sh\nset -e\n"


@dataclass
class DictCluster:
    """ConfigMaps, Secrets and claims held in dicts."""

    config_maps: dict[tuple[str, str], dict[str, bytes]] = field(default_factory=dict)
    secrets: dict[tuple[str, str], dict[str, bytes]] = field(default_factory=dict)
    claims: dict[tuple[str, str], str] = field(default_factory=dict)

    def config_map(self, namespace: str, name: str) -> dict[str, bytes] | None:
        return self.config_maps.get((namespace, name))

    def secret(self, namespace: str, name: str) -> dict[str, bytes] | None:
        return self.secrets.get((namespace, name))

    def claim_directory(self, namespace: str, claim_name: str) -> str | None:
        path = self.claims.get((namespace, claim_name))
        if path is not None:
            Path(path).mkdir(parents=True, exist_ok=True)
        return path


@dataclass
class Step:
    """A Tekton step: a script or a command."""

    name: str
    script: str = ""
    command: list[str] = field(default_factory=list)
    args: list[str] = field(default_factory=list)
    env: list[dict[str, Any]] = field(default_factory=list)
    volume_mounts: list[dict[str, Any]] = field(default_factory=list)
    working_dir: str = ""
    on_error: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _empty(name: str) -> dict[str, Any]:
    return {"name": name, "emptyDir": {}}


def tekton_pod(
    name: str,
    steps: list[Step],
    *,
    sidecars: list[dict[str, Any]] | None = None,
    volumes: list[dict[str, Any]] | None = None,
    results: list[str] | None = None,
    namespace: str = "default",
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The Pod Tekton would build for a TaskRun with these steps and sidecars."""
    sidecars = list(sidecars or [])
    wait_for_ready = bool(sidecars)
    step_names = [f"step-{step.name}" for step in steps]
    place = ""
    containers: list[dict[str, Any]] = []
    for index, step in enumerate(steps):
        command = list(step.command)
        args = list(step.args)
        mounts: list[dict[str, Any]] = []
        if step.script:
            script = step.script if step.script.strip().startswith("#!") else PREAMBLE + step.script
            file = f"/tekton/scripts/script-{index}-abcde"
            encoded = base64.b64encode(script.encode()).decode()
            place += (
                f'scriptfile="{file}"\n'
                "touch ${scriptfile} && chmod +x ${scriptfile}\n"
                "cat > ${scriptfile} << '_EOF_'\n"
                f"{encoded}\n"
                "_EOF_\n"
                '/tekton/bin/entrypoint decode-script "${scriptfile}"\n'
            )
            command = [file]
            mounts.append(
                {
                    "name": "tekton-internal-scripts",
                    "mountPath": "/tekton/scripts",
                    "readOnly": True,
                }
            )
        flags: list[str] = []
        if index == 0:
            if wait_for_ready:
                flags += ["-wait_file", "/tekton/downward/ready", "-wait_file_content"]
        else:
            flags += ["-wait_file", f"/tekton/run/{index - 1}/out"]
        flags += [
            "-post_file",
            f"/tekton/run/{index}/out",
            "-termination_path",
            "/tekton/termination",
            "-step_metadata_dir",
            f"/tekton/run/{index}/status",
        ]
        if step.on_error:
            flags += ["-on_error", step.on_error]
        if results:
            flags += ["-results", ",".join(results)]
        if command:
            flags += ["-entrypoint", command[0]]
            args = command[1:] + args
        mounts += list(step.volume_mounts)
        mounts.append({"name": "tekton-internal-bin", "mountPath": "/tekton/bin", "readOnly": True})
        for other in range(len(steps)):
            mounts.append(
                {
                    "name": f"tekton-internal-run-{other}",
                    "mountPath": f"/tekton/run/{other}",
                    **({} if other == index else {"readOnly": True}),
                }
            )
        if index == 0:
            mounts.append(
                {
                    "name": "tekton-internal-downward",
                    "mountPath": "/tekton/downward",
                    "readOnly": True,
                }
            )
        mounts += [
            {"name": "tekton-internal-workspace", "mountPath": "/workspace"},
            {"name": "tekton-internal-home", "mountPath": "/tekton/home"},
            {"name": "tekton-internal-results", "mountPath": "/tekton/results"},
            {"name": "tekton-internal-steps", "mountPath": "/tekton/steps", "readOnly": True},
            {"name": "tekton-internal-artifacts", "mountPath": "/tekton/artifacts"},
        ]
        container: dict[str, Any] = {
            "name": step_names[index],
            "image": SHELL_IMAGE,
            "command": ["/tekton/bin/entrypoint"],
            "args": [*flags, "--", *args],
            "env": list(step.env),
            "resources": {},
            "volumeMounts": mounts,
            "terminationMessagePath": "/tekton/termination",
            "terminationMessagePolicy": "File",
            **step.extra,
        }
        if step.working_dir:
            container["workingDir"] = step.working_dir
        containers.append(container)
    init = [
        {
            "name": "prepare",
            "image": ENTRYPOINT_IMAGE,
            "command": [
                "/ko-app/entrypoint",
                "init",
                "/ko-app/entrypoint",
                "/tekton/bin/entrypoint",
                *step_names,
            ],
            "workingDir": "/",
            "volumeMounts": [
                {"name": "tekton-internal-bin", "mountPath": "/tekton/bin"},
                {"name": "tekton-internal-steps", "mountPath": "/tekton/steps"},
            ],
        }
    ]
    if place:
        init.append(
            {
                "name": "place-scripts",
                "image": SHELL_IMAGE,
                "command": ["sh"],
                "args": ["-c", place],
                "volumeMounts": [
                    {"name": "tekton-internal-scripts", "mountPath": "/tekton/scripts"},
                    {"name": "tekton-internal-bin", "mountPath": "/tekton/bin"},
                ],
            }
        )
    all_volumes = [
        _empty("tekton-internal-workspace"),
        _empty("tekton-internal-home"),
        _empty("tekton-internal-results"),
        _empty("tekton-internal-steps"),
        _empty("tekton-internal-artifacts"),
        _empty("tekton-internal-scripts"),
        _empty("tekton-internal-bin"),
        {
            "name": "tekton-internal-downward",
            "downwardAPI": {
                "items": [
                    {
                        "path": "ready",
                        "fieldRef": {"fieldPath": "metadata.annotations['tekton.dev/ready']"},
                    }
                ]
            },
        },
        *[_empty(f"tekton-internal-run-{index}") for index in range(len(steps))],
        *(volumes or []),
    ]
    pod_annotations = dict(annotations or {})
    if not wait_for_ready:
        pod_annotations["tekton.dev/ready"] = "READY"
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {"tekton.dev/taskRun": name.removesuffix("-pod")},
            "annotations": pod_annotations,
        },
        "spec": {
            "restartPolicy": "Never",
            "initContainers": init,
            "containers": containers + sidecars,
            "volumes": all_volumes,
            "terminationGracePeriodSeconds": 2,
            "activeDeadlineSeconds": 5400,
        },
    }
