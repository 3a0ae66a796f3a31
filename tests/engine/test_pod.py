"""The Pod built for a TaskRun; cases lifted from Tekton's ``pkg/pod/pod_test.go``
(``TestPodBuild`` and its siblings) with Tekton's test images.

Tekton's tests compare volumes and mounts sorted by name; the expected lists here are in
the order Tekton's ``Build`` actually produces them, so the order is checked too.
"""

from __future__ import annotations

import copy
from typing import Any

import msgspec
import pytest

from tektite import __version__
from tektite.api.config import Config, Defaults, FeatureFlags
from tektite.api.models import Sidecar, Step, TaskRun, TaskSpec
from tektite.engine.containers import SecurityContextConfig
from tektite.engine.names import SequenceNameGenerator
from tektite.engine.pod import (
    MAX_ACTIVE_DEADLINE_SECONDS,
    CredsInit,
    PodBuildError,
    PodImages,
    artifacts_path_referenced,
    build_pod,
    is_pod_ready_immediately,
    make_labels,
    prepare_container,
    uses_windows,
)

# Tekton's pod_test.go sets only these two images; the others are "".
IMAGES = PodImages(
    entrypoint="entrypoint-image",
    nop="",
    shell="busybox",
    shell_win="",
    working_dir_init="",
    sidecar_log_results="",
)
SUFFIXES = ["9l9zj", "mz4c7", "mssqb", "78c5n", "6nl7g"]
DEFAULT_DEADLINE = 5400  # 60 minutes * 60 * 1.5

# -- Tekton's fixtures (pod.go / entrypoint.go / script.go) --------------------------------

IMPLICIT_VOLUMES = [
    {"name": "tekton-internal-workspace", "emptyDir": {}},
    {"name": "tekton-internal-home", "emptyDir": {}},
    {"name": "tekton-internal-results", "emptyDir": {}},
    {"name": "tekton-internal-steps", "emptyDir": {}},
    {"name": "tekton-internal-artifacts", "emptyDir": {}},
]
IMPLICIT_MOUNTS = [
    {"name": "tekton-internal-workspace", "mountPath": "/workspace"},
    {"name": "tekton-internal-home", "mountPath": "/tekton/home"},
    {"name": "tekton-internal-results", "mountPath": "/tekton/results"},
    {"name": "tekton-internal-steps", "readOnly": True, "mountPath": "/tekton/steps"},
    {"name": "tekton-internal-artifacts", "mountPath": "/tekton/artifacts"},
]
BIN_VOLUME = {"name": "tekton-internal-bin", "emptyDir": {}}
BIN_MOUNT = {"name": "tekton-internal-bin", "mountPath": "/tekton/bin"}
BIN_RO_MOUNT = {"name": "tekton-internal-bin", "readOnly": True, "mountPath": "/tekton/bin"}
READY_ITEM = {
    "path": "ready",
    "fieldRef": {"fieldPath": "metadata.annotations['tekton.dev/ready']"},
}
CANCEL_ITEM = {
    "path": "cancel",
    "fieldRef": {"fieldPath": "metadata.annotations['tekton.dev/cancel']"},
}
DOWNWARD_VOLUME = {"name": "tekton-internal-downward", "downwardAPI": {"items": [READY_ITEM]}}
DOWNWARD_MOUNT = {
    "name": "tekton-internal-downward",
    "readOnly": True,
    "mountPath": "/tekton/downward",
}
SCRIPTS_VOLUME = {"name": "tekton-internal-scripts", "emptyDir": {}}
SCRIPTS_MOUNT = {
    "name": "tekton-internal-scripts",
    "readOnly": True,
    "mountPath": "/tekton/scripts",
}
WRITE_SCRIPTS_MOUNT = {"name": "tekton-internal-scripts", "mountPath": "/tekton/scripts"}
RESTRICTED = {
    "capabilities": {"drop": ["ALL"]},
    "runAsNonRoot": True,
    "readOnlyRootFilesystem": True,
    "allowPrivilegeEscalation": False,
    "seccompProfile": {"type": "RuntimeDefault"},
}
READY_WAIT = ["-wait_file", "/tekton/downward/ready", "-wait_file_content"]


def creds_volume(i: int) -> dict[str, Any]:
    return {"name": f"tekton-creds-init-home-{i}", "emptyDir": {"medium": "Memory"}}


def creds_mount(i: int) -> dict[str, Any]:
    return {"name": f"tekton-creds-init-home-{i}", "mountPath": "/tekton/creds"}


def run_volume(i: int) -> dict[str, Any]:
    return {"name": f"tekton-internal-run-{i}", "emptyDir": {}}


def run_mount(i: int, read_only: bool) -> dict[str, Any]:
    mount: dict[str, Any] = {"name": f"tekton-internal-run-{i}"}
    if read_only:
        mount["readOnly"] = True
    mount["mountPath"] = f"/tekton/run/{i}"
    return mount


def step_flags(i: int) -> list[str]:
    return [
        "-post_file",
        f"/tekton/run/{i}/out",
        "-termination_path",
        "/tekton/termination",
        "-step_metadata_dir",
        f"/tekton/run/{i}/status",
    ]


def prepare(*step_names: str, security: dict[str, Any] | None = None) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": "prepare",
        "image": "entrypoint-image",
        "command": [
            "/ko-app/entrypoint",
            "init",
            "/ko-app/entrypoint",
            "/tekton/bin/entrypoint",
            *step_names,
        ],
        "workingDir": "/",
        "volumeMounts": [
            BIN_MOUNT,
            {"name": "tekton-internal-steps", "mountPath": "/tekton/steps"},
        ],
    }
    if security is not None:
        container["securityContext"] = security
    return container


def simple_step(
    name: str = "step-name", *, wait: bool = True, extra_args: list[str] | None = None
) -> dict[str, Any]:
    """The one step of pod_test.go's "simple" case (image "image", command "cmd")."""
    mounts = ([DOWNWARD_MOUNT] if wait else []) + [creds_mount(0), run_mount(0, False)]
    return {
        "name": name,
        "image": "image",
        "command": ["/tekton/bin/entrypoint"],
        "args": (READY_WAIT if wait else [])
        + step_flags(0)
        + (extra_args or [])
        + ["-entrypoint", "cmd", "--"],
        "volumeMounts": [*mounts, BIN_RO_MOUNT, *IMPLICIT_MOUNTS],
        "terminationMessagePath": "/tekton/termination",
    }


def simple_volumes(
    *, wait: bool = True, extra: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    return [
        *IMPLICIT_VOLUMES,
        *(extra or []),
        BIN_VOLUME,
        *([DOWNWARD_VOLUME] if wait else []),
        creds_volume(0),
        run_volume(0),
    ]


def simple_spec(**overrides: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "volumes": simple_volumes(),
        "initContainers": [prepare("step-name")],
        "containers": [simple_step()],
        "restartPolicy": "Never",
        "activeDeadlineSeconds": DEFAULT_DEADLINE,
    }
    spec.update(overrides)
    return spec


def taskrun(
    spec: dict[str, Any] | None = None,
    *,
    name: str = "taskrun-name",
    annotations: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
    status: dict[str, Any] | None = None,
) -> TaskRun:
    body: dict[str, Any] = {
        "metadata": {
            "name": name,
            "namespace": "default",
            "uid": "taskrun-uid",
            "annotations": annotations or {},
            "labels": labels or {},
        },
        "spec": spec or {},
    }
    if status is not None:
        body["status"] = status
    return msgspec.convert(body, TaskRun)


ONE_STEP = {"steps": [{"name": "name", "image": "image", "command": ["cmd"]}]}


def build(
    task_spec: dict[str, Any],
    run_spec: dict[str, Any] | None = None,
    *,
    flags: dict[str, str] | None = None,
    defaults: dict[str, str] | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    config = Config(
        features=FeatureFlags.from_map(flags or {}), defaults=Defaults.from_map(defaults or {})
    )
    tr = kwargs.pop("tr", None) or taskrun(run_spec)
    kwargs.setdefault("name_generator", SequenceNameGenerator(SUFFIXES))
    return build_pod(tr, msgspec.convert(task_spec, TaskSpec), config, images=IMAGES, **kwargs)


# -- TestPodBuild ---------------------------------------------------------------------------

SERVICE_ACCOUNT_CREDS = CredsInit(
    entrypoint_args=(
        "-basic-docker=multi-creds=https://docker.io",
        "-basic-docker=multi-creds=https://us.gcr.io",
        "-basic-git=multi-creds=github.com",
        "-basic-git=multi-creds=gitlab.com",
    ),
    volumes=({"name": "tekton-creds-8e736f4e", "secret": {"secretName": "multi-creds"}},),
    volume_mounts=(
        {"name": "tekton-creds-8e736f4e", "mountPath": "/tekton/creds-secrets/multi-creds"},
    ),
)


def test_simple() -> None:
    pod = build(ONE_STEP)
    assert pod["spec"] == simple_spec()
    assert pod["metadata"] == {
        "name": "taskrun-name-pod",
        "namespace": "default",
        "labels": {
            "tekton.dev/taskRun": "taskrun-name",
            "tekton.dev/taskRunUID": "taskrun-uid",
            "app.kubernetes.io/managed-by": "tekton-pipelines",
        },
        "annotations": {"pipeline.tekton.dev/release": __version__},
        "ownerReferences": [
            {
                "apiVersion": "tekton.dev/v1",
                "kind": "TaskRun",
                "name": "taskrun-name",
                "uid": "taskrun-uid",
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ],
    }
    assert pod["apiVersion"] == "v1" and pod["kind"] == "Pod"


def test_env_is_encoded_as_go_encodes_it() -> None:
    """Empty fields of a variable are left out (omitempty), but a ``valueFrom`` that is
    set stays even when empty, as a pointer does: the API server then refuses it."""
    env = [
        {"name": "A", "value": ""},
        {"name": "B", "valueFrom": {}},
        {"name": "C", "value": "c", "valueFrom": None},
    ]
    step = {"name": "name", "image": "image", "command": ["cmd"], "env": env}
    (container,) = build({"steps": [step]})["spec"]["containers"]
    assert container["env"] == [
        {"name": "A"},
        {"name": "B", "valueFrom": {}},
        {"name": "C", "value": "c"},
    ]


def test_breakpoints_need_alpha() -> None:
    pod = build(ONE_STEP, {"debug": {"breakpoints": {"onFailure": "enabled"}}})
    assert pod["spec"] == simple_spec()


def test_not_running_with_injected_sidecars_is_ready_at_once() -> None:
    pod = build(ONE_STEP, flags={"running-in-environment-with-injected-sidecars": "false"})
    assert pod["spec"] == simple_spec(
        volumes=simple_volumes(wait=False), containers=[simple_step(wait=False)]
    )
    assert pod["metadata"]["annotations"] == {
        "pipeline.tekton.dev/release": __version__,
        "tekton.dev/ready": "READY",
    }


def test_with_service_account_credentials() -> None:
    pod = build(
        ONE_STEP, {"serviceAccountName": "service-account"}, creds_init=SERVICE_ACCOUNT_CREDS
    )
    step = simple_step(extra_args=list(SERVICE_ACCOUNT_CREDS.entrypoint_args))
    step["volumeMounts"] = [*step["volumeMounts"], *SERVICE_ACCOUNT_CREDS.volume_mounts]
    assert pod["spec"] == {
        "volumes": [
            *IMPLICIT_VOLUMES,
            *SERVICE_ACCOUNT_CREDS.volumes,
            BIN_VOLUME,
            DOWNWARD_VOLUME,
            creds_volume(0),
            run_volume(0),
        ],
        "initContainers": [prepare("step-name")],
        "containers": [step],
        "restartPolicy": "Never",
        "activeDeadlineSeconds": DEFAULT_DEADLINE,
        "serviceAccountName": "service-account",
    }


def test_disable_creds_init() -> None:
    pod = build(ONE_STEP, flags={"disable-creds-init": "true"}, creds_init=SERVICE_ACCOUNT_CREDS)
    step = simple_step()
    step["volumeMounts"] = [DOWNWARD_MOUNT, run_mount(0, False), BIN_RO_MOUNT, *IMPLICIT_MOUNTS]
    assert pod["spec"] == simple_spec(
        volumes=[*IMPLICIT_VOLUMES, BIN_VOLUME, DOWNWARD_VOLUME, run_volume(0)], containers=[step]
    )


def test_with_pod_template() -> None:
    pod = build(
        ONE_STEP,
        {
            "podTemplate": {
                "securityContext": {"sysctls": [{"name": "net.ipv4.tcp_syncookies", "value": "1"}]},
                "runtimeClassName": "gvisor",
                "automountServiceAccountToken": False,
                "dnsPolicy": "None",
                "dnsConfig": {"nameservers": ["8.8.8.8"], "searches": ["tekton.local"]},
                "enableServiceLinks": False,
                "priorityClassName": "system-cluster-critical",
            }
        },
    )
    assert pod["spec"] == simple_spec(
        dnsPolicy="None",
        automountServiceAccountToken=False,
        securityContext={"sysctls": [{"name": "net.ipv4.tcp_syncookies", "value": "1"}]},
        priorityClassName="system-cluster-critical",
        dnsConfig={"nameservers": ["8.8.8.8"], "searches": ["tekton.local"]},
        runtimeClassName="gvisor",
        enableServiceLinks=False,
    )


@pytest.mark.parametrize(
    ("template", "want"),
    [
        ({"schedulerName": "there-scheduler"}, {"schedulerName": "there-scheduler"}),
        (
            {"imagePullSecrets": [{"name": "imageSecret"}]},
            {"imagePullSecrets": [{"name": "imageSecret"}]},
        ),
        (
            {"hostAliases": [{"ip": "127.0.0.1", "hostnames": ["foo.bar"]}]},
            {"hostAliases": [{"ip": "127.0.0.1", "hostnames": ["foo.bar"]}]},
        ),
        ({"hostNetwork": True}, {"hostNetwork": True}),
        ({"hostUsers": False}, {"hostUsers": False}),
        (
            {
                "topologySpreadConstraints": [
                    {
                        "maxSkew": 1,
                        "topologyKey": "zone",
                        "whenUnsatisfiable": "DoNotSchedule",
                        "labelSelector": {"matchLabels": {"foo": "bar"}},
                    }
                ]
            },
            {
                "topologySpreadConstraints": [
                    {
                        "maxSkew": 1,
                        "topologyKey": "zone",
                        "whenUnsatisfiable": "DoNotSchedule",
                        "labelSelector": {"matchLabels": {"foo": "bar"}},
                    }
                ]
            },
        ),
        (
            {
                "nodeSelector": {"disktype": "ssd"},
                "tolerations": [{"key": "k", "operator": "Exists"}],
            },
            {
                "nodeSelector": {"disktype": "ssd"},
                "tolerations": [{"key": "k", "operator": "Exists"}],
            },
        ),
        ({"affinity": {"nodeAffinity": {}}}, {"affinity": {"nodeAffinity": {}}}),
    ],
)
def test_pod_template_fields(template: dict[str, Any], want: dict[str, Any]) -> None:
    assert build(ONE_STEP, {"podTemplate": template})["spec"] == simple_spec(**want)


@pytest.mark.parametrize(
    ("step_name", "container"),
    [
        (
            "a-very-very-long-character-step-name-to-trigger-max-len----and-invalid-characters",
            "step-a-very-very-long-character-step-name-to-trigger-max-len",
        ),
        ("ends-with-invalid-%%__$$", "step-ends-with-invalid"),
    ],
)
def test_step_names_are_restricted(step_name: str, container: str) -> None:
    pod = build({"steps": [{"name": step_name, "image": "image", "command": ["cmd"]}]})
    # The prepare container gets the unrestricted name (StepName without RestrictLength).
    assert pod["spec"] == simple_spec(
        initContainers=[prepare("step-" + step_name)], containers=[simple_step(container)]
    )


def test_working_dir_in_workspace() -> None:
    pod = build(
        {
            "steps": [
                {
                    "name": "name",
                    "image": "image",
                    "command": ["cmd"],
                    "workingDir": "/workspace/test",
                }
            ]
        }
    )
    step = simple_step()
    step = {**step, "workingDir": "/workspace/test"}
    assert pod["spec"]["initContainers"] == [
        prepare("step-name"),
        {
            "name": "working-dir-initializer",
            "command": ["/ko-app/workingdirinit"],
            "args": ["/workspace/test"],
            "workingDir": "/workspace",
            "volumeMounts": IMPLICIT_MOUNTS,
        },
    ]
    assert pod["spec"]["containers"] == [
        {
            k: step[k]
            for k in (
                "name",
                "image",
                "command",
                "args",
                "workingDir",
                "volumeMounts",
                "terminationMessagePath",
            )
        }
    ]


@pytest.mark.parametrize(
    ("working_dirs", "want"),
    [
        (
            ["/workspace/b", "rel/dir", "/workspace/a", "/abs", "/workspace", "/workspace/b"],
            ["/workspace/a", "/workspace/b", "rel/dir"],
        ),
        (["/abs", "/workspace"], None),
        (["./x/../y"], ["y"]),
    ],
)
def test_working_dir_initializer(working_dirs: list[str], want: list[str] | None) -> None:
    steps = [{"image": "i", "command": ["c"], "workingDir": d} for d in working_dirs]
    init = build({"steps": steps})["spec"]["initContainers"]
    if want is None:
        assert [c["name"] for c in init] == ["prepare"]
    else:
        assert init[-1]["args"] == want


def test_sidecar_container() -> None:
    pod = build(
        {
            "steps": [{"name": "primary-name", "image": "primary-image", "command": ["cmd"]}],
            "sidecars": [{"name": "sc-name", "image": "sidecar-image"}],
        },
        flags={"running-in-environment-with-injected-sidecars": "false"},
    )
    step = simple_step("step-primary-name")
    step["image"] = "primary-image"
    assert pod["spec"] == simple_spec(
        initContainers=[prepare("step-primary-name")],
        containers=[step, {"name": "sidecar-sc-name", "image": "sidecar-image"}],
    )
    # Sidecars make the first step wait even without injected sidecars.
    assert "tekton.dev/ready" not in pod["metadata"]["annotations"]


def test_sidecar_container_with_script() -> None:
    pod = build(
        {
            "steps": [{"name": "primary-name", "image": "primary-image", "command": ["cmd"]}],
            "sidecars": [
                {
                    "name": "sc-name",
                    "image": "sidecar-image",
                    "script": "#!/bin/sh\necho hello from sidecar",
                }
            ],
        }
    )
    step = simple_step("step-primary-name")
    step["image"] = "primary-image"
    assert pod["spec"] == simple_spec(
        volumes=simple_volumes(extra=[SCRIPTS_VOLUME]),
        initContainers=[
            prepare("step-primary-name"),
            {
                "name": "place-scripts",
                "image": "busybox",
                "command": ["sh"],
                "args": [
                    "-c",
                    'scriptfile="/tekton/scripts/sidecar-script-0-9l9zj"\n'
                    "touch ${scriptfile} && chmod +x ${scriptfile}\n"
                    "cat > ${scriptfile} << '_EOF_'\n"
                    "IyEvYmluL3NoCmVjaG8gaGVsbG8gZnJvbSBzaWRlY2Fy\n"
                    "_EOF_\n"
                    '/tekton/bin/entrypoint decode-script "${scriptfile}"\n',
                ],
                "volumeMounts": [WRITE_SCRIPTS_MOUNT, BIN_MOUNT],
            },
        ],
        containers=[
            step,
            {
                "name": "sidecar-sc-name",
                "image": "sidecar-image",
                "command": ["/tekton/scripts/sidecar-script-0-9l9zj"],
                "volumeMounts": [SCRIPTS_MOUNT],
            },
        ],
    )


def two_unnamed_steps(resources: list[dict[str, Any]]) -> dict[str, Any]:
    step0: dict[str, Any] = {
        "name": "step-unnamed-0",
        "image": "image",
        "command": ["/tekton/bin/entrypoint"],
        "args": [*READY_WAIT, *step_flags(0), "-entrypoint", "cmd", "--"],
        "resources": resources[0],
        "volumeMounts": [
            DOWNWARD_MOUNT,
            creds_mount(0),
            run_mount(0, False),
            run_mount(1, True),
            BIN_RO_MOUNT,
            *IMPLICIT_MOUNTS,
        ],
        "terminationMessagePath": "/tekton/termination",
    }
    step1: dict[str, Any] = {
        "name": "step-unnamed-1",
        "image": "image",
        "command": ["/tekton/bin/entrypoint"],
        "args": ["-wait_file", "/tekton/run/0/out", *step_flags(1), "-entrypoint", "cmd", "--"],
        "resources": resources[1],
        "volumeMounts": [
            {"name": "tekton-creds-init-home-1", "mountPath": "/tekton/creds"},
            run_mount(0, True),
            run_mount(1, False),
            BIN_RO_MOUNT,
            *IMPLICIT_MOUNTS,
        ],
        "terminationMessagePath": "/tekton/termination",
    }
    return simple_spec(
        volumes=[
            *IMPLICIT_VOLUMES,
            BIN_VOLUME,
            DOWNWARD_VOLUME,
            creds_volume(0),
            run_volume(0),
            creds_volume(1),
            run_volume(1),
        ],
        initContainers=[prepare("step-unnamed-0", "step-unnamed-1")],
        containers=[step0, step1],
    )


def test_resource_request() -> None:
    pod = build(
        {
            "steps": [
                {
                    "image": "image",
                    "command": ["cmd"],
                    "computeResources": {"requests": {"cpu": "8", "memory": "10Gi"}},
                },
                {
                    "image": "image",
                    "command": ["cmd"],
                    "computeResources": {"requests": {"cpu": "1", "memory": "100Gi"}},
                },
            ]
        }
    )
    assert pod["spec"] == two_unnamed_steps(
        [
            {"requests": {"cpu": "8", "memory": "10Gi"}},
            {"requests": {"cpu": "1", "memory": "100Gi"}},
        ]
    )


@pytest.mark.parametrize(
    "task_spec",
    [
        # with stepOverrides
        {
            "steps": [
                {
                    "name": "step1",
                    "image": "image",
                    "command": ["cmd"],
                    "computeResources": {"requests": {"cpu": "8", "memory": "10Gi"}},
                }
            ]
        },
        # with stepOverrides and stepTemplate
        {
            "stepTemplate": {"computeResources": {"requests": {"cpu": "8", "memory": "10Gi"}}},
            "steps": [{"name": "step1", "image": "image", "command": ["cmd"]}],
        },
    ],
)
def test_step_overrides(task_spec: dict[str, Any]) -> None:
    pod = build(
        task_spec,
        {
            "stepSpecs": [
                {"name": "step1", "computeResources": {"requests": {"cpu": "6", "memory": "5Gi"}}}
            ]
        },
    )
    assert pod["spec"]["containers"][0]["resources"] == {"requests": {"cpu": "6", "memory": "5Gi"}}
    assert pod["spec"]["initContainers"] == [prepare("step-step1")]


def test_sidecar_overrides() -> None:
    pod = build(
        {
            "steps": [{"name": "primary-name", "image": "primary-image", "command": ["cmd"]}],
            "sidecars": [
                {
                    "name": "sc-name",
                    "image": "sidecar-image",
                    "computeResources": {"requests": {"cpu": "8", "memory": "10Gi"}},
                }
            ],
        },
        {
            "sidecarSpecs": [
                {"name": "sc-name", "computeResources": {"requests": {"cpu": "6", "memory": "5Gi"}}}
            ]
        },
    )
    assert pod["spec"]["containers"][1] == {
        "name": "sidecar-sc-name",
        "image": "sidecar-image",
        "resources": {"requests": {"cpu": "6", "memory": "5Gi"}},
    }


def placed(path: str, encoded: str) -> str:
    return (
        f'scriptfile="{path}"\n'
        "touch ${scriptfile} && chmod +x ${scriptfile}\n"
        "cat > ${scriptfile} << '_EOF_'\n"
        f"{encoded}\n"
        "_EOF_\n"
        '/tekton/bin/entrypoint decode-script "${scriptfile}"\n'
    )


def test_step_with_script_and_step_template() -> None:
    pod = build(
        {
            "stepTemplate": {
                "env": [{"name": "FOO", "value": "bar"}],
                "args": ["template", "args"],
            },
            "steps": [
                {"name": "one", "image": "image", "script": "#!/bin/sh\necho hello from step one"},
                {
                    "name": "two",
                    "image": "image",
                    "volumeMounts": [{"name": "i-have-a-volume-mount", "mountPath": ""}],
                    "script": '#!/usr/bin/env python\nprint("Hello from Python")',
                },
                {"name": "regular-step", "image": "image", "command": ["regular", "command"]},
            ],
        }
    )
    env = [{"name": "FOO", "value": "bar"}]
    term = {"terminationMessagePath": "/tekton/termination"}
    assert pod["spec"] == {
        "volumes": [
            *IMPLICIT_VOLUMES,
            SCRIPTS_VOLUME,
            BIN_VOLUME,
            DOWNWARD_VOLUME,
            creds_volume(0),
            run_volume(0),
            creds_volume(1),
            run_volume(1),
            creds_volume(2),
            run_volume(2),
        ],
        "initContainers": [
            prepare("step-one", "step-two", "step-regular-step"),
            {
                "name": "place-scripts",
                "image": "busybox",
                "command": ["sh"],
                "args": [
                    "-c",
                    placed(
                        "/tekton/scripts/script-0-9l9zj",
                        "IyEvYmluL3NoCmVjaG8gaGVsbG8gZnJvbSBzdGVwIG9uZQ==",
                    )
                    + placed(
                        "/tekton/scripts/script-1-mz4c7",
                        "IyEvdXNyL2Jpbi9lbnYgcHl0aG9uCnByaW50KCJIZWxsbyBmcm9tIFB5dGhvbiIp",
                    ),
                ],
                "volumeMounts": [WRITE_SCRIPTS_MOUNT, BIN_MOUNT],
            },
        ],
        "containers": [
            {
                "name": "step-one",
                "image": "image",
                "command": ["/tekton/bin/entrypoint"],
                "args": [
                    *READY_WAIT,
                    *step_flags(0),
                    "-entrypoint",
                    "/tekton/scripts/script-0-9l9zj",
                    "--",
                    "template",
                    "args",
                ],
                "env": env,
                "volumeMounts": [
                    SCRIPTS_MOUNT,
                    DOWNWARD_MOUNT,
                    creds_mount(0),
                    run_mount(0, False),
                    run_mount(1, True),
                    run_mount(2, True),
                    BIN_RO_MOUNT,
                    *IMPLICIT_MOUNTS,
                ],
                **term,
            },
            {
                "name": "step-two",
                "image": "image",
                "command": ["/tekton/bin/entrypoint"],
                "args": [
                    "-wait_file",
                    "/tekton/run/0/out",
                    *step_flags(1),
                    "-entrypoint",
                    "/tekton/scripts/script-1-mz4c7",
                    "--",
                    "template",
                    "args",
                ],
                "env": env,
                "volumeMounts": [
                    {"name": "i-have-a-volume-mount"},
                    SCRIPTS_MOUNT,
                    {"name": "tekton-creds-init-home-1", "mountPath": "/tekton/creds"},
                    run_mount(0, True),
                    run_mount(1, False),
                    run_mount(2, True),
                    BIN_RO_MOUNT,
                    *IMPLICIT_MOUNTS,
                ],
                **term,
            },
            {
                "name": "step-regular-step",
                "image": "image",
                "command": ["/tekton/bin/entrypoint"],
                "args": [
                    "-wait_file",
                    "/tekton/run/1/out",
                    *step_flags(2),
                    "-entrypoint",
                    "regular",
                    "--",
                    "command",
                    "template",
                    "args",
                ],
                "env": env,
                "volumeMounts": [
                    {"name": "tekton-creds-init-home-2", "mountPath": "/tekton/creds"},
                    run_mount(0, True),
                    run_mount(1, True),
                    run_mount(2, False),
                    BIN_RO_MOUNT,
                    *IMPLICIT_MOUNTS,
                ],
                **term,
            },
        ],
        "restartPolicy": "Never",
        "activeDeadlineSeconds": DEFAULT_DEADLINE,
    }


def test_script_with_two_dollar_signs() -> None:
    pod = build({"steps": [{"name": "one", "image": "image", "script": "#!/bin/sh\n$$"}]})
    assert pod["spec"]["initContainers"][1]["args"] == [
        "-c",
        placed("/tekton/scripts/script-0-9l9zj", "IyEvYmluL3NoCiQk"),
    ]
    assert pod["spec"]["containers"][0]["args"] == [
        *READY_WAIT,
        *step_flags(0),
        "-entrypoint",
        "/tekton/scripts/script-0-9l9zj",
        "--",
    ]


@pytest.mark.parametrize(
    ("step_timeout", "run_timeout", "want_flag", "want_deadline"),
    [
        ("1s", None, "1s", DEFAULT_DEADLINE),
        ("0s", "0s", "0s", MAX_ACTIVE_DEADLINE_SECONDS),
        (None, "1h30m", None, 8100),
        (None, "1s", None, 1),
        (None, "90s", None, 135),
    ],
)
def test_timeouts(
    step_timeout: str | None, run_timeout: str | None, want_flag: str | None, want_deadline: int
) -> None:
    step: dict[str, Any] = {"name": "name", "image": "image", "command": ["cmd"]}
    if step_timeout is not None:
        step["timeout"] = step_timeout
    pod = build({"steps": [step]}, {"timeout": run_timeout} if run_timeout else {})
    extra = ["-timeout", want_flag] if want_flag else []
    assert pod["spec"]["containers"] == [simple_step(extra_args=extra)]
    assert pod["spec"]["activeDeadlineSeconds"] == want_deadline


def test_default_timeout_comes_from_config_defaults() -> None:
    pod = build(ONE_STEP, defaults={"default-timeout-minutes": "10"})
    assert pod["spec"]["activeDeadlineSeconds"] == 900


@pytest.mark.parametrize(
    ("step_env", "template_env", "defaults", "annotations", "flags", "want"),
    [
        # default-forbidden-env - disallowed via podTemplate
        (
            [
                {"name": "SOME_ENV", "value": "some_val"},
                {"name": "FORBIDDEN_ENV", "value": "some_val"},
            ],
            [
                {"name": "FORBIDDEN_ENV", "value": "overridden_val"},
                {"name": "TEST_ENV", "value": "new_val"},
            ],
            {"default-forbidden-env": "FORBIDDEN_ENV, TEST_ENV"},
            {},
            {},
            [
                {"name": "SOME_ENV", "value": "some_val"},
                {"name": "FORBIDDEN_ENV", "value": "some_val"},
            ],
        ),
        # override env var using podTemplate
        (
            [{"name": "SOME_ENV", "value": "some_val"}],
            [
                {"name": "SOME_ENV", "value": "overridden_val"},
                {"name": "SOME_ENV2", "value": "new_val"},
            ],
            {},
            {},
            {},
            [
                {"name": "SOME_ENV", "value": "some_val"},
                {"name": "SOME_ENV", "value": "overridden_val"},
                {"name": "SOME_ENV2", "value": "new_val"},
            ],
        ),
        # hermetic env var
        (
            None,
            None,
            {},
            {"experimental.tekton.dev/execution-mode": "hermetic"},
            {"enable-api-fields": "alpha"},
            [{"name": "TEKTON_HERMETIC", "value": "1"}],
        ),
        # override hermetic env var
        (
            [{"name": "TEKTON_HERMETIC", "value": "something_else"}],
            None,
            {},
            {"experimental.tekton.dev/execution-mode": "hermetic"},
            {"enable-api-fields": "alpha"},
            [
                {"name": "TEKTON_HERMETIC", "value": "something_else"},
                {"name": "TEKTON_HERMETIC", "value": "1"},
            ],
        ),
        # hermetic needs alpha
        (None, None, {}, {"experimental.tekton.dev/execution-mode": "hermetic"}, {}, None),
    ],
)
def test_env(
    step_env: list[dict[str, str]] | None,
    template_env: list[dict[str, str]] | None,
    defaults: dict[str, str],
    annotations: dict[str, str],
    flags: dict[str, str],
    want: list[dict[str, str]] | None,
) -> None:
    step: dict[str, Any] = {"name": "name", "image": "image", "command": ["cmd"], "env": step_env}
    tr = taskrun(
        {"podTemplate": {"env": template_env}} if template_env else {}, annotations=annotations
    )
    pod = build({"steps": [step]}, flags=flags, defaults=defaults, tr=tr)
    assert pod["spec"]["containers"][0].get("env") == want


@pytest.mark.parametrize(
    ("name", "retries", "retry", "want"),
    [
        ("taskrun-name", 2, 0, "taskrun-name-pod-retry2"),
        ("taskrun-name", 0, 3, "taskrun-name-pod-retry3"),
        (
            "task-run-0123456789-0123456789-0123456789-0123456789-0123456789-0123456789",
            0,
            0,
            "task-run-0123456789-01234560d38957287bb0283c59440df14069f59-pod",
        ),
    ],
)
def test_pod_name(name: str, retries: int, retry: int, want: str) -> None:
    failed = {"conditions": [{"type": "Succeeded", "status": "False"}]}
    tr = taskrun(name=name, status={"retriesStatus": [failed] * retries} if retries else None)
    assert build(ONE_STEP, tr=tr, retry=retry)["metadata"]["name"] == want


RESULTS_SIDECAR_MOUNTS = [BIN_RO_MOUNT, run_mount(0, True), *IMPLICIT_MOUNTS]
RESULTS_SIDECAR_ENV = [{"name": "SIDECAR_LOG_POLLING_INTERVAL", "value": "100ms"}]


@pytest.mark.parametrize(
    ("flags", "step", "want_step_args", "want_command", "want_security"),
    [
        # sidecar logs enabled, artifacts not enabled
        (
            {},
            {"name": "name", "image": "image", "command": ["cmd"]},
            ["-result_from", "sidecar-logs", "-results", "foo", "-entrypoint", "cmd", "--"],
            ["-step-names", "", "-step-results", "{}"],
            None,
        ),
        # sidecar logs enabled with step results, artifacts not enabled
        (
            {},
            {
                "name": "name",
                "image": "image",
                "command": ["cmd"],
                "results": [{"name": "step-foo", "type": "string"}],
            },
            [
                "-result_from",
                "sidecar-logs",
                "-step_results",
                "step-foo",
                "-results",
                "foo",
                "-entrypoint",
                "cmd",
                "--",
            ],
            ["-step-names", "", "-step-results", '{"step-name":["step-foo"]}'],
            None,
        ),
        # set security context is true
        (
            {
                "set-security-context": "true",
                "set-security-context-read-only-root-filesystem": "true",
            },
            {"name": "name", "image": "image", "command": ["cmd"]},
            ["-result_from", "sidecar-logs", "-results", "foo", "-entrypoint", "cmd", "--"],
            ["-step-names", "", "-step-results", "{}"],
            RESTRICTED,
        ),
        # artifacts referenced
        (
            {"enable-artifacts": "true"},
            {
                "name": "name",
                "image": "image",
                "command": [
                    "echo",
                    "aaa",
                    ">>>",
                    "/tekton/steps/step-name/artifacts/provenance.json",
                ],
            },
            [
                "-result_from",
                "sidecar-logs",
                "-results",
                "foo",
                "-entrypoint",
                "echo",
                "--",
                "aaa",
                ">>>",
                "/tekton/steps/step-name/artifacts/provenance.json",
            ],
            ["-step-names", "step-name", "-step-results", "{}"],
            None,
        ),
        # with step results, artifacts referenced
        (
            {"enable-artifacts": "true"},
            {
                "name": "name",
                "image": "image",
                "command": [
                    "echo",
                    "aaa",
                    ">>>",
                    "/tekton/steps/step-name/artifacts/provenance.json",
                ],
                "results": [{"name": "step-foo", "type": "string"}],
            },
            [
                "-result_from",
                "sidecar-logs",
                "-step_results",
                "step-foo",
                "-results",
                "foo",
                "-entrypoint",
                "echo",
                "--",
                "aaa",
                ">>>",
                "/tekton/steps/step-name/artifacts/provenance.json",
            ],
            ["-step-names", "step-name", "-step-results", '{"step-name":["step-foo"]}'],
            None,
        ),
    ],
)
def test_sidecar_logs(
    flags: dict[str, str],
    step: dict[str, Any],
    want_step_args: list[str],
    want_command: list[str],
    want_security: dict[str, Any] | None,
) -> None:
    pod = build(
        {"results": [{"name": "foo", "type": "string"}], "steps": [step]},
        flags={"results-from": "sidecar-logs", **flags},
    )
    spec = pod["spec"]
    assert spec["volumes"] == simple_volumes()
    assert spec["initContainers"] == [prepare("step-name", security=want_security)]
    assert spec["containers"][0]["args"] == [*READY_WAIT, *step_flags(0), *want_step_args]
    assert spec["containers"][0]["volumeMounts"] == simple_step()["volumeMounts"]
    sidecar: dict[str, Any] = {
        "name": "sidecar-tekton-log-results",
        "command": [
            "/ko-app/sidecarlogresults",
            "-results-dir",
            "/tekton/results",
            "-result-names",
            "foo",
            *want_command,
        ],
        "env": RESULTS_SIDECAR_ENV,
        "volumeMounts": [run_mount(0, True), BIN_RO_MOUNT, *IMPLICIT_MOUNTS],
    }
    if want_security is not None:
        sidecar["securityContext"] = want_security
    assert spec["containers"][1] == sidecar


@pytest.mark.parametrize(
    ("flags", "want_flag"),
    [
        ({"enable-termination-message-compression": "true"}, True),
        ({"enable-termination-message-compression": "true", "results-from": "sidecar-logs"}, False),
        ({}, False),
    ],
)
def test_compress_termination_message(flags: dict[str, str], want_flag: bool) -> None:
    pod = build({"steps": [{"name": "step", "image": "image", "command": ["cmd"]}]}, flags=flags)
    assert (
        "-compress_termination_message=true" in pod["spec"]["containers"][0]["args"]
    ) is want_flag


def test_simple_with_security_context() -> None:
    pod = build(
        ONE_STEP,
        flags={
            "set-security-context": "true",
            "set-security-context-read-only-root-filesystem": "true",
        },
    )
    assert pod["spec"] == simple_spec(initContainers=[prepare("step-name", security=RESTRICTED)])


@pytest.mark.parametrize("alpha", [True, False])
def test_keep_pod_on_cancel(alpha: bool) -> None:
    flags = {"keep-pod-on-cancel": "true"}
    if alpha:
        flags["enable-api-fields"] = "alpha"
    pod = build(ONE_STEP, flags=flags)
    downward = {
        "name": "tekton-internal-downward",
        "downwardAPI": {"items": [READY_ITEM, CANCEL_ITEM]},
    }
    assert pod["spec"]["volumes"] == [
        *IMPLICIT_VOLUMES,
        BIN_VOLUME,
        downward,
        creds_volume(0),
        run_volume(0),
    ]
    assert pod["spec"]["containers"] == [simple_step()]


def test_keep_pod_on_cancel_mounts_downward_in_every_step_even_when_ready() -> None:
    pod = build(
        {"steps": [{"image": "i", "command": ["a"]}, {"image": "i", "command": ["b"]}]},
        flags={
            "keep-pod-on-cancel": "true",
            "running-in-environment-with-injected-sidecars": "false",
        },
    )
    mounts = [c["volumeMounts"] for c in pod["spec"]["containers"]]
    assert all(DOWNWARD_MOUNT in m for m in mounts)
    assert pod["spec"]["containers"][0]["args"][:2] == ["-post_file", "/tekton/run/0/out"]
    assert pod["metadata"]["annotations"]["tekton.dev/ready"] == "READY"


DEBUG_CONTINUE = """#!/bin/sh
set -e

numberOfSteps=1
debugInfo=/tekton/debug/info
tektonRun=/tekton/run

postFile="$(ls ${debugInfo} | grep -E '[0-9]+' | tail -1)"
stepNumber="$(echo ${postFile} | sed 's/[^0-9]*//g')"

if [ $stepNumber -lt $numberOfSteps ]; then
\ttouch ${tektonRun}/${stepNumber}/out # Mark step as success
\techo "0" > ${tektonRun}/${stepNumber}/out.breakpointexit
\techo "Executing step $stepNumber..."
else
\techo "Last step (no. $stepNumber) has already been executed, breakpoint exiting !"
\texit 0
fi"""

DEBUG_FAIL_CONTINUE = """#!/bin/sh
set -e

numberOfSteps=1
debugInfo=/tekton/debug/info
tektonRun=/tekton/run

postFile="$(ls ${debugInfo} | grep -E '[0-9]+' | tail -1)"
stepNumber="$(echo ${postFile} | sed 's/[^0-9]*//g')"

if [ $stepNumber -lt $numberOfSteps ]; then
\ttouch ${tektonRun}/${stepNumber}/out.err # Mark step as a failure
\techo "1" > ${tektonRun}/${stepNumber}/out.breakpointexit
\techo "Executing step $stepNumber..."
else
\techo "Last step (no. $stepNumber) has already been executed, breakpoint exiting !"
\texit 0
fi"""


def test_alpha_debug_breakpoint_on_failure() -> None:
    # TestPodBuildwithAlphaAPIEnabled
    pod = build(
        ONE_STEP,
        {"debug": {"breakpoints": {"onFailure": "enabled"}}},
        flags={"enable-api-fields": "alpha"},
    )
    debug_scripts_mount = {
        "name": "tekton-internal-debug-scripts",
        "readOnly": True,
        "mountPath": "/tekton/debug/scripts",
    }
    debug_info_mount = {"name": "tekton-internal-debug-info", "mountPath": "/tekton/debug/info/0"}
    step = simple_step(extra_args=["-breakpoint_on_failure"])
    step["volumeMounts"] = [debug_scripts_mount, debug_info_mount, *step["volumeMounts"]]
    program = (
        'tmpfile="/tekton/debug/scripts/debug-continue"\n'
        "touch ${tmpfile} && chmod +x ${tmpfile}\n"
        "cat > ${tmpfile} << 'debug-continue-heredoc-randomly-generated-9l9zj'\n"
        f"{DEBUG_CONTINUE}\n"
        "debug-continue-heredoc-randomly-generated-9l9zj\n"
        'tmpfile="/tekton/debug/scripts/debug-fail-continue"\n'
        "touch ${tmpfile} && chmod +x ${tmpfile}\n"
        "cat > ${tmpfile} << 'debug-fail-continue-heredoc-randomly-generated-mz4c7'\n"
        f"{DEBUG_FAIL_CONTINUE}\n"
        "debug-fail-continue-heredoc-randomly-generated-mz4c7\n"
    )
    assert pod["spec"] == simple_spec(
        volumes=simple_volumes(
            extra=[
                SCRIPTS_VOLUME,
                {"name": "tekton-internal-debug-scripts", "emptyDir": {}},
                {"name": "tekton-internal-debug-info", "emptyDir": {}},
            ]
        ),
        initContainers=[
            prepare("step-name"),
            {
                "name": "place-scripts",
                "image": "busybox",
                "command": ["sh"],
                "args": ["-c", program],
                "volumeMounts": [
                    WRITE_SCRIPTS_MOUNT,
                    BIN_MOUNT,
                    {"name": "tekton-internal-debug-scripts", "mountPath": "/tekton/debug/scripts"},
                ],
            },
        ],
        containers=[step],
    )


@pytest.mark.parametrize(
    ("task_spec", "resources", "want"),
    [
        # overwrite stepTemplate resources requirements
        (
            {
                "steps": [
                    {"name": "1st-step", "image": "image", "command": ["cmd"]},
                    {"name": "2nd-step", "image": "image", "command": ["cmd"]},
                ],
                "stepTemplate": {
                    "computeResources": {"requests": {"cpu": "500m", "memory": "500Mi"}}
                },
            },
            {"requests": {"cpu": "2", "memory": "2Gi"}},
            [
                ("step-1st-step", {"requests": {"cpu": "1", "memory": "1Gi"}}),
                ("step-2nd-step", {"requests": {"cpu": "1", "memory": "1Gi"}}),
            ],
        ),
        # overwrite step resources requirements
        (
            {
                "steps": [
                    {
                        "name": "1st-step",
                        "image": "image",
                        "command": ["cmd"],
                        "computeResources": {"requests": {"cpu": "250m", "memory": "500Mi"}},
                    },
                    {
                        "name": "2nd-step",
                        "image": "image",
                        "command": ["cmd"],
                        "computeResources": {"requests": {"cpu": "300m", "memory": "500Mi"}},
                    },
                ]
            },
            {"requests": {"cpu": "2", "memory": "2Gi"}},
            [
                ("step-1st-step", {"requests": {"cpu": "1", "memory": "1Gi"}}),
                ("step-2nd-step", {"requests": {"cpu": "1", "memory": "1Gi"}}),
            ],
        ),
        # with sidecar resource requirements
        (
            {
                "steps": [{"name": "1st-step", "image": "image", "command": ["cmd"]}],
                "sidecars": [
                    {
                        "name": "sidecar",
                        "computeResources": {"requests": {"cpu": "750m"}, "limits": {"cpu": "1.5"}},
                    }
                ],
            },
            {"requests": {"cpu": "2", "memory": "2Gi"}},
            [
                ("step-1st-step", {"requests": {"cpu": "2", "memory": "2Gi"}}),
                ("sidecar-sidecar", {"requests": {"cpu": "750m"}, "limits": {"cpu": "1.5"}}),
            ],
        ),
    ],
)
def test_task_level_resource_requirements(
    task_spec: dict[str, Any], resources: dict[str, Any], want: list[tuple[str, dict[str, Any]]]
) -> None:
    pod = build(task_spec, {"computeResources": resources}, flags={"enable-api-fields": "alpha"})
    assert [(c["name"], c.get("resources")) for c in pod["spec"]["containers"]] == want


def test_spire() -> None:
    pod = build(
        ONE_STEP, flags={"enable-api-fields": "alpha", "enforce-nonfalsifiability": "spire"}
    )
    spire_mount = {
        "name": "spiffe-workload-api",
        "readOnly": True,
        "mountPath": "/spiffe-workload-api",
    }
    step = simple_step(extra_args=["-enable_spire"])
    step["volumeMounts"] = [*step["volumeMounts"], spire_mount]
    init = prepare("step-name")
    init["volumeMounts"] = [*init["volumeMounts"], spire_mount]
    assert pod["spec"] == simple_spec(
        volumes=[
            *simple_volumes(),
            {"name": "spiffe-workload-api", "csi": {"driver": "csi.spiffe.io", "readOnly": True}},
        ],
        initContainers=[init],
        containers=[step],
    )


def test_kubernetes_native_sidecars() -> None:
    # TestPodBuildWithK8s129
    pod = build(
        {
            "steps": [{"name": "name", "image": "image", "command": ["cmd"]}],
            "sidecars": [{"name": "name", "image": "image", "command": ["cmd"]}],
        },
        flags={"enable-kubernetes-sidecar": "true"},
    )
    init = pod["spec"]["initContainers"]
    assert [c["name"] for c in init] == ["prepare", "sidecar-name"]
    assert init[1] == {
        "name": "sidecar-name",
        "image": "image",
        "command": ["cmd"],
        "restartPolicy": "Always",
    }
    assert [c["name"] for c in pod["spec"]["containers"]] == ["step-name"]


@pytest.mark.parametrize(("native", "want_flag"), [(False, False), (True, True)])
def test_results_sidecar_kubernetes_sidecar_mode(native: bool, want_flag: bool) -> None:
    # TestCreateResultsSidecarWithWaitForever
    flags = {"results-from": "sidecar-logs"}
    if native:
        flags["enable-kubernetes-sidecar"] = "true"
    pod = build({"results": [{"name": "result1", "type": "string"}], **ONE_STEP}, flags=flags)
    where = pod["spec"]["initContainers" if native else "containers"]
    sidecar = next(c for c in where if c["name"] == "sidecar-tekton-log-results")
    assert (sidecar.get("restartPolicy") == "Always") is native
    assert (sidecar["command"][-2:] == ["-kubernetes-sidecar-mode", "true"]) is want_flag


# -- workspaces at pod build ----------------------------------------------------------------


def test_workspaces_become_volumes_and_mounts() -> None:
    task_spec = {
        "workspaces": [{"name": "shared"}, {"name": "isolated", "readOnly": True}],
        "steps": [
            {"name": "a", "image": "i", "command": ["c"]},
            {
                "name": "b",
                "image": "i",
                "command": ["c"],
                "workspaces": [{"name": "isolated", "mountPath": "/iso"}],
            },
        ],
        "sidecars": [{"name": "sc", "image": "s"}],
    }
    run = {
        "workspaces": [
            {"name": "shared", "emptyDir": {}, "subPath": "sub"},
            {
                "name": "isolated",
                "volumeClaimTemplate": {"spec": {"resources": {"requests": {"storage": "1Gi"}}}},
            },
        ]
    }
    pod = build(task_spec, run)
    spec = pod["spec"]
    # Workspace volumes follow Tekton's own; the template became a claim of the run.
    assert spec["volumes"][-2:] == [
        {"name": "ws-a4f84", "emptyDir": {}},
        {"name": "ws-ce814", "persistentVolumeClaim": {"claimName": "pvc-b2aa318d4f"}},
    ]
    shared = {"name": "ws-a4f84", "mountPath": "/workspace/shared", "subPath": "sub"}
    isolated = {"name": "ws-ce814", "readOnly": True, "mountPath": "/iso"}
    step_a, step_b, sidecar = spec["containers"]
    assert step_a["volumeMounts"][0] == shared
    assert isolated not in step_a["volumeMounts"]
    # The step's own mount first, then the stepTemplate's (Kubernetes' strategic merge).
    assert step_b["volumeMounts"][:2] == [isolated, shared]
    assert list(step_b["volumeMounts"][0]) == ["name", "readOnly", "mountPath"]
    # Sidecars get shared workspaces but none of Tekton's internal mounts.
    assert sidecar == {"name": "sidecar-sc", "image": "s", "volumeMounts": [shared]}


def test_a_step_mount_wins_over_an_implicit_mount() -> None:
    pod = build(
        {
            "steps": [
                {
                    "name": "name",
                    "image": "image",
                    "command": ["cmd"],
                    "volumeMounts": [{"name": "my-home", "mountPath": "/tekton/home/"}],
                }
            ],
            "volumes": [{"name": "my-home", "emptyDir": {}}],
        }
    )
    mounts = pod["spec"]["containers"][0]["volumeMounts"]
    assert mounts[0] == {"name": "my-home", "mountPath": "/tekton/home/"}
    assert {"name": "tekton-internal-home", "mountPath": "/tekton/home"} not in mounts
    assert pod["spec"]["volumes"][-1] == {"name": "my-home", "emptyDir": {}}


def test_task_and_pod_template_volumes_come_last() -> None:
    pod = build(
        {**ONE_STEP, "volumes": [{"name": "task-vol", "configMap": {"name": "cm"}}]},
        {"podTemplate": {"volumes": [{"name": "tpl-vol", "secret": {"secretName": "s"}}]}},
    )
    assert pod["spec"]["volumes"] == [
        *simple_volumes(),
        {"name": "task-vol", "configMap": {"name": "cm"}},
        {"name": "tpl-vol", "secret": {"secretName": "s"}},
    ]


def test_duplicate_volumes_are_refused() -> None:
    with pytest.raises(PodBuildError) as raised:
        build(
            {**ONE_STEP, "volumes": [{"name": "v", "emptyDir": {}}]},
            {"podTemplate": {"volumes": [{"name": "v", "emptyDir": {}}]}},
        )
    assert raised.value.message == (
        'translating TaskSpec to Pod: multiple volumes with same name "v": [10].name'
    )


@pytest.mark.parametrize(
    ("task_spec", "message"),
    [
        ({"steps": []}, "translating TaskSpec to Pod: no steps specified"),
        (
            {"steps": [{"image": "i", "command": ["c"], "onError": "bad"}]},
            'translating TaskSpec to Pod: task step onError must be either "continue" or '
            '"stopAndFail" but it is set to an invalid value "bad"',
        ),
    ],
)
def test_build_errors(task_spec: dict[str, Any], message: str) -> None:
    with pytest.raises(PodBuildError) as raised:
        build(task_spec)
    assert str(raised.value) == message


# -- hooks and determinism -----------------------------------------------------------------


def test_image_commands_hook() -> None:
    commands = {"alpine": {"linux/arm64": ["/bin/sh"], "linux/amd64": ["/bin/sh", "-c"]}}
    pod = build(
        {
            "steps": [
                {"name": "a", "image": "alpine", "args": ["x"]},
                {"name": "b", "image": "other", "args": ["y"]},
            ]
        },
        image_commands=commands,
    )
    step_a, step_b = pod["spec"]["containers"]
    assert step_a["env"] == [
        {
            "name": "TEKTON_PLATFORM_COMMANDS",
            "value": '{"linux/amd64":["/bin/sh","-c"],"linux/arm64":["/bin/sh"]}',
        }
    ]
    assert step_a["args"][-2:] == ["--", "x"]
    assert "-entrypoint" not in step_a["args"]
    # An image the hook does not know keeps no command: the entrypoint runs its arguments.
    assert "env" not in step_b
    assert step_b["args"][-2:] == ["--", "y"]


def test_same_taskrun_same_pod() -> None:
    spec = {"steps": [{"name": "s", "image": "i", "script": "echo"}]}
    config = Config()
    task_spec = msgspec.convert(spec, TaskSpec)
    first = build_pod(taskrun(), task_spec, config)
    assert build_pod(taskrun(), task_spec, config) == first
    seeded = build_pod(taskrun(), task_spec, config, name_seed="x")
    assert seeded == build_pod(taskrun(), task_spec, config, name_seed="x")
    assert seeded != first
    script_file = first["spec"]["containers"][0]["args"][
        first["spec"]["containers"][0]["args"].index("-entrypoint") + 1
    ]
    assert script_file.startswith("/tekton/scripts/script-0-") and len(script_file) == 30


def test_default_images() -> None:
    pod = build_pod(
        taskrun(),
        msgspec.convert({"steps": [{"image": "i", "script": "x", "workingDir": "w"}]}, TaskSpec),
        Config(),
    )
    init = {c["name"]: c["image"] for c in pod["spec"]["initContainers"]}
    assert init == {
        "prepare": f"tektite/entrypoint:{__version__}",
        "place-scripts": "busybox",
        "working-dir-initializer": f"tektite/workingdirinit:{__version__}",
    }


def test_labels_and_annotations() -> None:
    tr = taskrun(
        labels={
            "foo": "bar",
            "tekton.dev/taskRun": "spoofed",
            "app.kubernetes.io/managed-by": "me",
        },
        annotations={"a": "b", "app.kubernetes.io/managed-by": "dropped"},
    )
    pod = build(ONE_STEP, tr=tr, defaults={"default-managed-by-label-value": "tektite"})
    assert pod["metadata"]["labels"] == {
        "foo": "bar",
        "tekton.dev/taskRun": "taskrun-name",
        "app.kubernetes.io/managed-by": "tektite",
        "tekton.dev/taskRunUID": "taskrun-uid",
    }
    assert pod["metadata"]["annotations"] == {"a": "b", "pipeline.tekton.dev/release": __version__}


def test_inputs_are_not_modified() -> None:
    tr = taskrun({"workspaces": [{"name": "w", "emptyDir": {}}]})
    task_spec = msgspec.convert(
        {"steps": [{"name": "s", "image": "i", "script": "x"}], "workspaces": [{"name": "w"}]},
        TaskSpec,
    )
    before = (copy.deepcopy(tr.to_dict()), copy.deepcopy(task_spec.to_dict()))
    build_pod(tr, task_spec, Config())
    assert (tr.to_dict(), task_spec.to_dict()) == before


# -- the small functions ---------------------------------------------------------------------


def test_make_labels() -> None:
    tr = msgspec.convert(
        {
            "metadata": {
                "name": "task-run-name",
                "uid": "taskrunuid",
                "labels": {"foo": "bar", "hello": "world"},
            }
        },
        TaskRun,
    )
    assert make_labels(tr, "foo") == {
        "tekton.dev/taskRun": "task-run-name",
        "foo": "bar",
        "hello": "world",
        "tekton.dev/taskRunUID": "taskrunuid",
        "app.kubernetes.io/managed-by": "foo",
    }


@pytest.mark.parametrize(
    ("sidecars", "flags", "expected"),
    [
        (True, {}, False),
        (False, {}, False),
        (
            True,
            {
                "await-sidecar-readiness": "true",
                "running-in-environment-with-injected-sidecars": "true",
            },
            False,
        ),
        (
            False,
            {
                "await-sidecar-readiness": "true",
                "running-in-environment-with-injected-sidecars": "true",
            },
            False,
        ),
        (
            True,
            {
                "await-sidecar-readiness": "true",
                "running-in-environment-with-injected-sidecars": "false",
            },
            False,
        ),
        (
            False,
            {
                "await-sidecar-readiness": "true",
                "running-in-environment-with-injected-sidecars": "false",
            },
            True,
        ),
        (
            True,
            {
                "await-sidecar-readiness": "false",
                "running-in-environment-with-injected-sidecars": "true",
            },
            True,
        ),
        (
            False,
            {
                "await-sidecar-readiness": "false",
                "running-in-environment-with-injected-sidecars": "true",
            },
            True,
        ),
        (
            True,
            {
                "await-sidecar-readiness": "false",
                "running-in-environment-with-injected-sidecars": "false",
            },
            True,
        ),
        (
            False,
            {
                "await-sidecar-readiness": "false",
                "running-in-environment-with-injected-sidecars": "false",
            },
            True,
        ),
    ],
)
def test_is_pod_ready_immediately(sidecars: bool, flags: dict[str, str], expected: bool) -> None:
    sidecar_list = [Sidecar(name="a-sidecar")] if sidecars else []
    assert is_pod_ready_immediately(FeatureFlags.from_map(flags), sidecar_list) is expected


@pytest.mark.parametrize(
    ("names", "security", "windows", "want_security"),
    [
        (["foo"], SecurityContextConfig(), False, None),
        (["foo", "bar"], SecurityContextConfig(), False, None),
        (["foo", "bar"], SecurityContextConfig(True, True), False, RESTRICTED),
        (["foo", "bar"], SecurityContextConfig(), True, None),
        (["foo", "bar"], SecurityContextConfig(True, True), True, {"runAsNonRoot": True}),
        (
            ["foo"],
            SecurityContextConfig(True, False),
            False,
            {
                "capabilities": {"drop": ["ALL"]},
                "runAsNonRoot": True,
                "allowPrivilegeEscalation": False,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
        ),
    ],
)
def test_prepare_init_container(
    names: list[str],
    security: SecurityContextConfig,
    windows: bool,
    want_security: dict[str, Any] | None,
) -> None:
    steps = [Step(name=n) for n in names]
    got = prepare_container("entrypoint-image", steps, security, windows)
    assert got == prepare(*(f"step-{n}" for n in names), security=want_security)


@pytest.mark.parametrize(
    ("template", "want"),
    [
        (None, False),
        ({"env": [{"name": "foo", "value": "bar"}]}, False),
        ({"nodeSelector": {"kubernetes.io/os": "linux"}}, False),
        ({"nodeSelector": {"kubernetes.io/os": "windows"}}, True),
    ],
)
def test_uses_windows(template: dict[str, Any] | None, want: bool) -> None:
    assert uses_windows(taskrun({"podTemplate": template} if template else {})) is want


@pytest.mark.parametrize(
    ("steps", "want"),
    [
        ([], False),
        ([{"name": "name", "script": "echo hello", "command": ["echo", "hello"]}], False),
        (
            [
                {
                    "name": "name",
                    "script": "echo aaa >> /tekton/steps/step-name/artifacts/provenance.json",
                }
            ],
            True,
        ),
        (
            [
                {
                    "name": "name",
                    "command": ["cat"],
                    "args": ["/tekton/steps/step-name/artifacts/provenance.json"],
                }
            ],
            True,
        ),
        (
            [
                {
                    "name": "name",
                    "command": ["cat", "/tekton/steps/step-name/artifacts/provenance.json"],
                }
            ],
            True,
        ),
        (
            [
                {
                    "name": "name",
                    "env": [
                        {
                            "name": "MY_VAR",
                            "value": "/tekton/steps/step-name/artifacts/provenance.json",
                        }
                    ],
                }
            ],
            True,
        ),
        ([{"name": "name", "script": "echo aaa >> $(step.artifacts.path)"}], True),
        ([{"name": "name", "command": ["cat"], "args": ["$(step.artifacts.path)"]}], True),
        ([{"name": "name", "command": ["cat", "$(step.artifacts.path)"]}], True),
        ([{"name": "name", "env": [{"name": "MY_VAR", "value": "$(step.artifacts.path)"}]}], True),
    ],
)
def test_artifacts_path_referenced(steps: list[dict[str, Any]], want: bool) -> None:
    assert artifacts_path_referenced([msgspec.convert(s, Step) for s in steps]) is want
