"""Step ordering flags; cases lifted from Tekton's ``pkg/pod/entrypoint_test.go``."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from tektite.api.models import TaskRunDebug, TaskSpec
from tektite.engine.entrypoint_args import (
    downward_volume,
    go_json,
    order_containers,
    result_argument,
    step_result_argument,
)

VOLUME_MOUNT = {"name": "my-mount", "mountPath": "/mount/point"}
DOWNWARD_MOUNT = {
    "name": "tekton-internal-downward",
    "readOnly": True,
    "mountPath": "/tekton/downward",
}
ENTRYPOINT = "/tekton/bin/entrypoint"
READY = ["-wait_file", "/tekton/downward/ready", "-wait_file_content"]


def flags(i: int) -> list[str]:
    return [
        "-post_file",
        f"/tekton/run/{i}/out",
        "-termination_path",
        "/tekton/termination",
        "-step_metadata_dir",
        f"/tekton/run/{i}/status",
    ]


def three_steps() -> list[dict[str, Any]]:
    return [
        {"image": "step-1", "command": ["cmd"], "args": ["arg1", "arg2"]},
        {
            "image": "step-2",
            "command": ["cmd1", "cmd2", "cmd3"],  # multiple command elements
            "args": ["arg1", "arg2"],
            "volumeMounts": [VOLUME_MOUNT],  # pre-existing volumeMount
        },
        {"image": "step-3", "command": ["cmd"], "args": ["arg1", "arg2"]},
    ]


def want_three(extra: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "image": "step-1",
            "command": [ENTRYPOINT],
            "args": [*READY, *flags(0), *extra, "-entrypoint", "cmd", "--", "arg1", "arg2"],
            "volumeMounts": [DOWNWARD_MOUNT],
            "terminationMessagePath": "/tekton/termination",
        },
        {
            "image": "step-2",
            "command": [ENTRYPOINT],
            "args": [
                "-wait_file",
                "/tekton/run/0/out",
                *flags(1),
                *extra,
                "-entrypoint",
                "cmd1",
                "--",
                "cmd2",
                "cmd3",
                "arg1",
                "arg2",
            ],
            "volumeMounts": [VOLUME_MOUNT],
            "terminationMessagePath": "/tekton/termination",
        },
        {
            "image": "step-3",
            "command": [ENTRYPOINT],
            "args": [
                "-wait_file",
                "/tekton/run/1/out",
                *flags(2),
                *extra,
                "-entrypoint",
                "cmd",
                "--",
                "arg1",
                "arg2",
            ],
            "terminationMessagePath": "/tekton/termination",
        },
    ]


def spec(body: dict[str, Any]) -> TaskSpec:
    return msgspec.convert(body, TaskSpec)


def debug(body: dict[str, Any]) -> TaskRunDebug:
    return msgspec.convert(body, TaskRunDebug)


def test_order_containers() -> None:
    got = order_containers(
        [], three_steps(), None, None, wait_for_ready_annotation=True, keep_pod_on_cancel=False
    )
    assert got == want_three([])


def test_order_containers_with_common_args() -> None:
    # TestOrderContainersWithResultsSidecarLogs: common args follow the fixed flags.
    got = order_containers(
        ["-dont_send_results_to_termination_path"],
        three_steps(),
        None,
        None,
        wait_for_ready_annotation=True,
        keep_pod_on_cancel=False,
    )
    assert got == want_three(["-dont_send_results_to_termination_path"])


def test_order_containers_with_no_wait() -> None:
    steps = three_steps()[:2]
    got = order_containers(
        [], steps, None, None, wait_for_ready_annotation=False, keep_pod_on_cancel=False
    )
    want = want_three([])[:2]
    want[0]["args"] = want[0]["args"][3:]
    del want[0]["volumeMounts"]
    assert got == want


def test_order_containers_does_not_modify_its_input() -> None:
    steps = three_steps()
    order_containers([], steps, None, None, wait_for_ready_annotation=True, keep_pod_on_cancel=True)
    assert steps == three_steps()


@pytest.mark.parametrize(
    ("name", "breakpoints", "want_flags"),
    [
        ("", {"onFailure": "enabled"}, ["-breakpoint_on_failure"]),
        ("my-task", {"beforeSteps": ["my-task"]}, ["-debug_before_step"]),
        (
            "my-task",
            {"onFailure": "enabled", "beforeSteps": ["my-task"]},
            ["-breakpoint_on_failure", "-debug_before_step"],
        ),
        ("other", {"beforeSteps": ["my-task"]}, []),
    ],
)
def test_order_containers_with_breakpoints(
    name: str, breakpoints: dict[str, Any], want_flags: list[str]
) -> None:
    step: dict[str, Any] = {"image": "step-1", "command": ["cmd"], "args": ["arg1", "arg2"]}
    if name:
        step["name"] = name
    got = order_containers(
        [],
        [step],
        None,
        debug({"breakpoints": breakpoints}),
        wait_for_ready_annotation=True,
        keep_pod_on_cancel=False,
    )
    assert got[0]["args"] == [
        *READY,
        *flags(0),
        *want_flags,
        "-entrypoint",
        "cmd",
        "--",
        "arg1",
        "arg2",
    ]


def test_order_containers_with_keep_pod_on_cancel() -> None:
    got = order_containers(
        [],
        [{"image": "step-1", "command": ["cmd"], "args": ["arg1", "arg2"]}],
        None,
        None,
        wait_for_ready_annotation=False,
        keep_pod_on_cancel=True,
    )
    assert got == [
        {
            "image": "step-1",
            "command": [ENTRYPOINT],
            "args": [*flags(0), "-entrypoint", "cmd", "--", "arg1", "arg2"],
            "volumeMounts": [DOWNWARD_MOUNT],
            "terminationMessagePath": "/tekton/termination",
        }
    ]


def test_keep_pod_on_cancel_mounts_the_downward_volume_in_every_step() -> None:
    got = order_containers(
        [], three_steps(), None, None, wait_for_ready_annotation=True, keep_pod_on_cancel=True
    )
    assert [c["volumeMounts"] for c in got] == [
        [DOWNWARD_MOUNT],
        [VOLUME_MOUNT, DOWNWARD_MOUNT],
        [DOWNWARD_MOUNT],
    ]


@pytest.mark.parametrize(
    ("results", "want"),
    [
        (None, []),
        (
            [
                {"name": "sum", "description": "This is the sum result of the task"},
                {"name": "sub", "description": "This is the sub result of the task"},
            ],
            ["-step_results", "sum,sub"],
        ),
    ],
)
def test_step_result_argument(results: list[dict[str, Any]] | None, want: list[str]) -> None:
    steps = spec({"steps": [{"results": results}]}).steps
    assert steps is not None
    assert step_result_argument(steps[0].results) == want


@pytest.mark.parametrize(
    ("results", "want"),
    [
        (None, []),
        ([{"name": "sum"}], ["-results", "sum"]),
        ([{"name": "sum"}, {"name": "sub"}], ["-results", "sum,sub"]),
        # Results copied from step results are not written by the steps.
        (
            [{"name": "sum"}, {"name": "copy", "value": "$(steps.a.results.b)"}],
            ["-results", "sum"],
        ),
        # The flag stays, empty, when every result is a copy.
        ([{"name": "copy", "value": "$(steps.a.results.b)"}], ["-results", ""]),
    ],
)
def test_result_argument(results: list[dict[str, Any]] | None, want: list[str]) -> None:
    assert result_argument(spec({"results": results}).results) == want


ONE_STEP: list[dict[str, Any]] = [
    {"name": "named-step", "image": "step-1", "command": ["cmd"], "args": ["arg1", "arg2"]}
]


@pytest.mark.parametrize(
    ("task_spec", "want_flags"),
    [
        # TestEntryPointStepActionResults
        (
            {
                "steps": [{"results": [{"name": "sub", "description": "This is a step result"}]}],
                "results": [{"name": "sum", "description": "This is the sum result of the task"}],
            },
            ["-step_results", "sub", "-results", "sum"],
        ),
        # TestEntryPointResultsSingleStep
        ({"results": [{"name": "sum"}, {"name": "sub"}]}, ["-results", "sum,sub"]),
        # TestEntryPointSingleResultsSingleStep
        ({"results": [{"name": "sum"}]}, ["-results", "sum"]),
        # TestEntryPointStepWhen
        (
            {
                "steps": [
                    {
                        "name": "Test-When",
                        "image": "step-1",
                        "command": ["cmd"],
                        "args": ["arg1", "arg2"],
                        "when": [{"input": "foo", "operator": "in", "values": ["foo", "bar"]}],
                    }
                ]
            },
            [
                "--when_expressions",
                '[{"input":"foo","operator":"in","values":["foo","bar"]}]',
            ],
        ),
        # CEL when expressions keep Go's HTML-safe escaping.
        (
            {"steps": [{"when": [{"cel": "'a' != 'b' && 1 < 2"}]}]},
            ["--when_expressions", "[{\"cel\":\"'a' != 'b' \\u0026\\u0026 1 \\u003c 2\"}]"],
        ),
        # step-with-timeout / step-with-no-timeout: Go's Duration.String form.
        ({"steps": [{"timeout": "1s"}]}, ["-timeout", "1s"]),
        ({"steps": [{"timeout": "0s"}]}, ["-timeout", "0s"]),
        ({"steps": [{"timeout": "90m"}]}, ["-timeout", "1h30m0s"]),
        (
            {"steps": [{"stdoutConfig": {"path": "out"}, "stderrConfig": {"path": "err"}}]},
            ["-stdout_path", "out", "-stderr_path", "err"],
        ),
        # All of them, in Tekton's order.
        (
            {
                "steps": [
                    {
                        "onError": "continue",
                        "timeout": "2s",
                        "stdoutConfig": {"path": "o"},
                        "stderrConfig": {"path": "e"},
                        "results": [{"name": "r"}],
                        "when": [{"input": "a", "operator": "notin", "values": ["b"]}],
                    }
                ],
                "results": [{"name": "t"}],
            },
            [
                "-on_error",
                "continue",
                "-timeout",
                "2s",
                "-stdout_path",
                "o",
                "-stderr_path",
                "e",
                "-step_results",
                "r",
                "--when_expressions",
                '[{"input":"a","operator":"notin","values":["b"]}]',
                "-results",
                "t",
            ],
        ),
    ],
)
def test_entrypoint_flags_from_the_task_spec(
    task_spec: dict[str, Any], want_flags: list[str]
) -> None:
    got = order_containers(
        [],
        [dict(c) for c in ONE_STEP],
        spec(task_spec),
        None,
        wait_for_ready_annotation=True,
        keep_pod_on_cancel=False,
    )
    assert got[0]["args"] == [
        *READY,
        *flags(0),
        *want_flags,
        "-entrypoint",
        "cmd",
        "--",
        "arg1",
        "arg2",
    ]


def test_entrypoint_results_are_given_to_every_step() -> None:
    # TestEntryPointResults
    got = order_containers(
        [],
        three_steps(),
        spec({"results": [{"name": "sum"}, {"name": "sub"}]}),
        None,
        wait_for_ready_annotation=True,
        keep_pod_on_cancel=False,
    )
    assert got == want_three(["-results", "sum,sub"])


def test_entrypoint_output_configs() -> None:
    # TestEntryPointStepOutputConfigs
    got = order_containers(
        [],
        three_steps(),
        spec(
            {
                "steps": [
                    {"stdoutConfig": {"path": "step-1-out"}},
                    {"stderrConfig": {"path": "step-2-err"}},
                    {
                        "stdoutConfig": {"path": "step-3-out"},
                        "stderrConfig": {"path": "step-3-err"},
                    },
                ]
            }
        ),
        None,
        wait_for_ready_annotation=True,
        keep_pod_on_cancel=False,
    )
    assert [c["args"][c["args"].index("-step_metadata_dir") + 2 :] for c in got] == [
        ["-stdout_path", "step-1-out", "-entrypoint", "cmd", "--", "arg1", "arg2"],
        [
            "-stderr_path",
            "step-2-err",
            "-entrypoint",
            "cmd1",
            "--",
            "cmd2",
            "cmd3",
            "arg1",
            "arg2",
        ],
        [
            "-stdout_path",
            "step-3-out",
            "-stderr_path",
            "step-3-err",
            "-entrypoint",
            "cmd",
            "--",
            "arg1",
            "arg2",
        ],
    ]


def test_entrypoint_on_error() -> None:
    # TestEntryPointOnError
    steps = [
        {"name": "failing-step", "image": "step-1", "command": ["cmd"]},
        {"name": "passing-step", "image": "step-2", "command": ["cmd"]},
    ]
    got = order_containers(
        [],
        steps,
        spec({"steps": [{"onError": "continue"}, {"onError": "stopAndFail"}]}),
        None,
        wait_for_ready_annotation=True,
        keep_pod_on_cancel=False,
    )
    assert got == [
        {
            "name": "failing-step",
            "image": "step-1",
            "command": [ENTRYPOINT],
            "args": [*READY, *flags(0), "-on_error", "continue", "-entrypoint", "cmd", "--"],
            "volumeMounts": [DOWNWARD_MOUNT],
            "terminationMessagePath": "/tekton/termination",
        },
        {
            "name": "passing-step",
            "image": "step-2",
            "command": [ENTRYPOINT],
            "args": [
                "-wait_file",
                "/tekton/run/0/out",
                *flags(1),
                "-on_error",
                "stopAndFail",
                "-entrypoint",
                "cmd",
                "--",
            ],
            "terminationMessagePath": "/tekton/termination",
        },
    ]


@pytest.mark.parametrize(
    ("steps", "task_spec", "message"),
    [
        (
            [{"name": "failing-step", "image": "step-1", "command": ["cmd"]}],
            {"steps": [{"onError": "invalid-on-error"}]},
            'task step onError must be either "continue" or "stopAndFail" but it is set to '
            'an invalid value "invalid-on-error"',
        ),
        ([], None, "no steps specified"),
    ],
)
def test_order_containers_errors(
    steps: list[dict[str, Any]], task_spec: dict[str, Any] | None, message: str
) -> None:
    with pytest.raises(ValueError) as raised:
        order_containers(
            [],
            steps,
            spec(task_spec) if task_spec is not None else None,
            None,
            wait_for_ready_annotation=True,
            keep_pod_on_cancel=False,
        )
    assert str(raised.value) == message


def test_step_without_command_has_no_entrypoint_flag() -> None:
    got = order_containers(
        [],
        [{"image": "busybox", "args": ["echo", "hello"]}],
        None,
        None,
        wait_for_ready_annotation=False,
        keep_pod_on_cancel=False,
    )
    assert got[0]["command"] == [ENTRYPOINT]
    assert got[0]["args"] == [*flags(0), "--", "echo", "hello"]


@pytest.mark.parametrize(
    ("cancel", "items"),
    [
        (
            False,
            [
                {
                    "path": "ready",
                    "fieldRef": {"fieldPath": "metadata.annotations['tekton.dev/ready']"},
                }
            ],
        ),
        (
            True,
            [
                {
                    "path": "ready",
                    "fieldRef": {"fieldPath": "metadata.annotations['tekton.dev/ready']"},
                },
                {
                    "path": "cancel",
                    "fieldRef": {"fieldPath": "metadata.annotations['tekton.dev/cancel']"},
                },
            ],
        ),
    ],
)
def test_downward_volume(cancel: bool, items: list[dict[str, Any]]) -> None:
    assert downward_volume(cancel=cancel) == {
        "name": "tekton-internal-downward",
        "downwardAPI": {"items": items},
    }


@pytest.mark.parametrize(
    ("value", "want"),
    [
        ({"b": ["x"], "a": "é"}, '{"b":["x"],"a":"é"}'),
        ("<a&b>", '"\\u003ca\\u0026b\\u003e"'),
        ("\u2028", '"\\u2028"'),
    ],
)
def test_go_json(value: Any, want: str) -> None:
    assert go_json(value) == want
