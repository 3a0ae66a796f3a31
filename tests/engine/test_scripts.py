"""Script placement; cases lifted from Tekton's ``pkg/pod/script_test.go``.

Tekton's tests seed its random generator (``names.TestingSeed()``), which then yields the
suffixes below; a :class:`SequenceNameGenerator` replays them, so the expected values are
Tekton's, unchanged.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from tektite.api.models import Sidecar, Step, TaskRunDebug
from tektite.engine.containers import SecurityContextConfig
from tektite.engine.names import SequenceNameGenerator
from tektite.engine.scripts import ConvertedScripts, convert_scripts

SUFFIXES = ["9l9zj", "mz4c7", "mssqb", "78c5n", "6nl7g"]
SHELL, SHELL_WIN = "busybox", "mcr.microsoft.com/powershell:nanoserver"
PRE_EXISTING = [
    {"name": "pre-existing-volume-mount", "mountPath": "/mount/path"},
    {"name": "another-one", "mountPath": "/another/one"},
]
SCRIPTS_MOUNT = {
    "name": "tekton-internal-scripts",
    "readOnly": True,
    "mountPath": "/tekton/scripts",
}
WRITE_SCRIPTS_MOUNT = {"name": "tekton-internal-scripts", "mountPath": "/tekton/scripts"}
BIN_MOUNT = {"name": "tekton-internal-bin", "mountPath": "/tekton/bin"}
DEBUG_SCRIPTS_MOUNT = {
    "name": "tekton-internal-debug-scripts",
    "readOnly": True,
    "mountPath": "/tekton/debug/scripts",
}
WRITE_DEBUG_SCRIPTS_MOUNT = {
    "name": "tekton-internal-debug-scripts",
    "mountPath": "/tekton/debug/scripts",
}
RESTRICTED = {
    "capabilities": {"drop": ["ALL"]},
    "runAsNonRoot": True,
    "readOnlyRootFilesystem": True,
    "allowPrivilegeEscalation": False,
    "seccompProfile": {"type": "RuntimeDefault"},
}
WINDOWS = {"runAsNonRoot": True}
SECURE = SecurityContextConfig(set_security_context=True, set_read_only_root_filesystem=True)


def steps(*bodies: dict[str, Any]) -> list[Step]:
    return [msgspec.convert(b, Step) for b in bodies]


def sidecars(*bodies: dict[str, Any]) -> list[Sidecar]:
    return [msgspec.convert(b, Sidecar) for b in bodies]


def convert(
    step_list: list[Step],
    sidecar_list: list[Sidecar],
    *,
    debug: dict[str, Any] | None = None,
    security: SecurityContextConfig = SecurityContextConfig(),  # noqa: B008
    suffixes: list[str] = SUFFIXES,
) -> ConvertedScripts:
    return convert_scripts(
        SHELL,
        SHELL_WIN,
        step_list,
        sidecar_list,
        msgspec.convert(debug, TaskRunDebug) if debug is not None else None,
        security,
        SequenceNameGenerator(suffixes),
    )


def placed(path: str, encoded: str) -> str:
    return (
        f'scriptfile="{path}"\n'
        "touch ${scriptfile} && chmod +x ${scriptfile}\n"
        "cat > ${scriptfile} << '_EOF_'\n"
        f"{encoded}\n"
        "_EOF_\n"
        '/tekton/bin/entrypoint decode-script "${scriptfile}"\n'
    )


@pytest.mark.parametrize("sidecar_list", [[], [{"image": "sidecar-1"}]])
def test_nothing_to_convert(sidecar_list: list[dict[str, Any]]) -> None:
    got = convert(steps({"image": "step-1"}, {"image": "step-2"}), sidecars(*sidecar_list))
    assert got.init_container is None
    assert got.steps == [{"image": "step-1"}, {"image": "step-2"}]
    assert got.sidecars == sidecar_list


def test_steps() -> None:
    got = convert(
        steps(
            {"script": "#!/bin/sh\nscript-1", "image": "step-1"},
            {"image": "step-2"},  # no script to convert here
            {
                "script": "\n#!/bin/sh\nscript-3",
                "image": "step-3",
                "volumeMounts": PRE_EXISTING,
                "args": ["my", "args"],
            },
            {
                "script": "no-shebang",
                "image": "step-3",
                "volumeMounts": PRE_EXISTING,
                "args": ["my", "args"],
            },
        ),
        [],
        security=SECURE,
    )
    assert got.init_container == {
        "name": "place-scripts",
        "image": SHELL,
        "command": ["sh"],
        "args": [
            "-c",
            placed("/tekton/scripts/script-0-9l9zj", "IyEvYmluL3NoCnNjcmlwdC0x")
            + placed("/tekton/scripts/script-2-mz4c7", "CiMhL2Jpbi9zaApzY3JpcHQtMw==")
            + placed("/tekton/scripts/script-3-mssqb", "IyEvYmluL3NoCnNldCAtZQpuby1zaGViYW5n"),
        ],
        "volumeMounts": [WRITE_SCRIPTS_MOUNT, BIN_MOUNT],
        "securityContext": RESTRICTED,
    }
    assert got.steps == [
        {
            "image": "step-1",
            "command": ["/tekton/scripts/script-0-9l9zj"],
            "volumeMounts": [SCRIPTS_MOUNT],
        },
        {"image": "step-2"},
        {
            "image": "step-3",
            "command": ["/tekton/scripts/script-2-mz4c7"],
            "args": ["my", "args"],
            "volumeMounts": [*PRE_EXISTING, SCRIPTS_MOUNT],
        },
        {
            "image": "step-3",
            "command": ["/tekton/scripts/script-3-mssqb"],
            "args": ["my", "args"],
            "volumeMounts": [*PRE_EXISTING, SCRIPTS_MOUNT],
        },
    ]
    assert got.sidecars == []


# TestConvertScripts_Sidecars: one seeded generator for the whole table, so each case
# continues the sequence where the previous one stopped.
@pytest.mark.parametrize(
    ("sidecar_list", "suffixes", "want_program", "want_sidecars"),
    [
        (
            [{"script": "#!/bin/sh\nscript-1", "image": "sidecar-1"}],
            SUFFIXES,
            placed("/tekton/scripts/sidecar-script-0-9l9zj", "IyEvYmluL3NoCnNjcmlwdC0x"),
            [
                {
                    "image": "sidecar-1",
                    "command": ["/tekton/scripts/sidecar-script-0-9l9zj"],
                    "volumeMounts": [SCRIPTS_MOUNT],
                }
            ],
        ),
        ([{"image": "sidecar-2"}], SUFFIXES[1:], "", [{"image": "sidecar-2"}]),
        (
            [
                {
                    "script": "no-shebang",
                    "image": "sidecar-3",
                    "volumeMounts": PRE_EXISTING,
                    "args": ["my", "args"],
                }
            ],
            SUFFIXES[1:],
            placed(
                "/tekton/scripts/sidecar-script-0-mz4c7", "IyEvYmluL3NoCnNldCAtZQpuby1zaGViYW5n"
            ),
            [
                {
                    "image": "sidecar-3",
                    "command": ["/tekton/scripts/sidecar-script-0-mz4c7"],
                    "args": ["my", "args"],
                    "volumeMounts": [*PRE_EXISTING, SCRIPTS_MOUNT],
                }
            ],
        ),
        (
            [
                {"script": "#!/bin/sh\nscript-4", "image": "sidecar-4"},
                {"script": "#!/bin/sh\nscript-5", "image": "sidecar-5"},
                {"image": "sidecar-6"},
            ],
            SUFFIXES[2:],
            placed("/tekton/scripts/sidecar-script-0-mssqb", "IyEvYmluL3NoCnNjcmlwdC00")
            + placed("/tekton/scripts/sidecar-script-1-78c5n", "IyEvYmluL3NoCnNjcmlwdC01"),
            [
                {
                    "image": "sidecar-4",
                    "command": ["/tekton/scripts/sidecar-script-0-mssqb"],
                    "volumeMounts": [SCRIPTS_MOUNT],
                },
                {
                    "image": "sidecar-5",
                    "command": ["/tekton/scripts/sidecar-script-1-78c5n"],
                    "volumeMounts": [SCRIPTS_MOUNT],
                },
                {"image": "sidecar-6"},
            ],
        ),
        (
            # Sidecar-only container fields are kept.
            [
                {
                    "image": "sidecar-7",
                    "livenessProbe": {"initialDelaySeconds": 1},
                    "readinessProbe": {"initialDelaySeconds": 2},
                    "ports": [{"name": "port", "containerPort": 0}],
                    "startupProbe": {"initialDelaySeconds": 3},
                    "lifecycle": {"postStart": {"exec": {"command": ["lifecycle command"]}}},
                    "terminationMessagePath": "path",
                    "terminationMessagePolicy": "policy",
                    "stdin": True,
                    "stdinOnce": True,
                    "tty": True,
                }
            ],
            SUFFIXES,
            "",
            [
                {
                    "image": "sidecar-7",
                    "ports": [{"containerPort": 0, "name": "port"}],
                    "livenessProbe": {"initialDelaySeconds": 1},
                    "readinessProbe": {"initialDelaySeconds": 2},
                    "startupProbe": {"initialDelaySeconds": 3},
                    "lifecycle": {"postStart": {"exec": {"command": ["lifecycle command"]}}},
                    "terminationMessagePath": "path",
                    "terminationMessagePolicy": "policy",
                    "stdin": True,
                    "stdinOnce": True,
                    "tty": True,
                }
            ],
        ),
    ],
)
def test_sidecars(
    sidecar_list: list[dict[str, Any]],
    suffixes: list[str],
    want_program: str,
    want_sidecars: list[dict[str, Any]],
) -> None:
    got = convert([], sidecars(*sidecar_list), suffixes=suffixes)
    program = got.init_container["args"][1] if got.init_container is not None else ""
    assert program == want_program
    assert got.sidecars == want_sidecars
    assert got.steps == []


def test_steps_with_a_sidecar() -> None:
    got = convert(
        steps(
            {"script": "#!/bin/sh\nscript-1", "image": "step-1"},
            {"image": "step-2"},
            {
                "script": "#!/bin/sh\nscript-3",
                "image": "step-3",
                "volumeMounts": PRE_EXISTING,
                "args": ["my", "args"],
            },
        ),
        sidecars({"script": "#!/bin/sh\nsidecar-1", "image": "sidecar-1"}),
        security=SECURE,
    )
    assert got.init_container == {
        "name": "place-scripts",
        "image": SHELL,
        "command": ["sh"],
        "args": [
            "-c",
            placed("/tekton/scripts/script-0-9l9zj", "IyEvYmluL3NoCnNjcmlwdC0x")
            + placed("/tekton/scripts/script-2-mz4c7", "IyEvYmluL3NoCnNjcmlwdC0z")
            + placed("/tekton/scripts/sidecar-script-0-mssqb", "IyEvYmluL3NoCnNpZGVjYXItMQ=="),
        ],
        "volumeMounts": [WRITE_SCRIPTS_MOUNT, BIN_MOUNT],
        "securityContext": RESTRICTED,
    }
    assert got.steps[2] == {
        "image": "step-3",
        "command": ["/tekton/scripts/script-2-mz4c7"],
        "args": ["my", "args"],
        "volumeMounts": [*PRE_EXISTING, SCRIPTS_MOUNT],
    }
    assert got.sidecars == [
        {
            "image": "sidecar-1",
            "command": ["/tekton/scripts/sidecar-script-0-mssqb"],
            "volumeMounts": [SCRIPTS_MOUNT],
        }
    ]


DEBUG_CONTINUE = """
numberOfSteps={n}
debugInfo=/tekton/debug/info
tektonRun=/tekton/run

postFile="$(ls ${{debugInfo}} | grep -E '[0-9]+' | tail -1)"
stepNumber="$(echo ${{postFile}} | sed 's/[^0-9]*//g')"

if [ $stepNumber -lt $numberOfSteps ]; then
\ttouch ${{tektonRun}}/${{stepNumber}}/out # Mark step as success
\techo "0" > ${{tektonRun}}/${{stepNumber}}/out.breakpointexit
\techo "Executing step $stepNumber..."
else
\techo "Last step (no. $stepNumber) has already been executed, breakpoint exiting !"
\texit 0
fi"""

DEBUG_FAIL_CONTINUE = """
numberOfSteps={n}
debugInfo=/tekton/debug/info
tektonRun=/tekton/run

postFile="$(ls ${{debugInfo}} | grep -E '[0-9]+' | tail -1)"
stepNumber="$(echo ${{postFile}} | sed 's/[^0-9]*//g')"

if [ $stepNumber -lt $numberOfSteps ]; then
\ttouch ${{tektonRun}}/${{stepNumber}}/out.err # Mark step as a failure
\techo "1" > ${{tektonRun}}/${{stepNumber}}/out.breakpointexit
\techo "Executing step $stepNumber..."
else
\techo "Last step (no. $stepNumber) has already been executed, breakpoint exiting !"
\texit 0
fi"""

DEBUG_BEFORE_STEP_CONTINUE = """
numberOfSteps={n}
debugInfo=/tekton/debug/info
tektonRun=/tekton/run

postFile="$(ls ${{debugInfo}} | grep -E '[0-9]+' | tail -1)"
stepNumber="$(echo ${{postFile}} | sed 's/[^0-9]*//g')"

if [ $stepNumber -lt $numberOfSteps ]; then
\techo "0" > ${{tektonRun}}/${{stepNumber}}/out.beforestepexit
\techo "Executing step $stepNumber..."
else
\techo "Last step (no. $stepNumber) has already been executed, before step breakpoint exiting !"
\texit 0
fi"""

DEBUG_BEFORE_STEP_FAIL_CONTINUE = """
numberOfSteps={n}
debugInfo=/tekton/debug/info
tektonRun=/tekton/run

postFile="$(ls ${{debugInfo}} | grep -E '[0-9]+' | tail -1)"
stepNumber="$(echo ${{postFile}} | sed 's/[^0-9]*//g')"

if [ $stepNumber -lt $numberOfSteps ]; then
\techo "1" > ${{tektonRun}}/${{stepNumber}}/out.beforestepexit.err
\techo "Executing step $stepNumber..."
else
\techo "Last step (no. $stepNumber) has already been executed, before step breakpoint exiting !"
\texit 0
fi"""


def debug_script(name: str, template: str, steps_count: int, suffix: str) -> str:
    heredoc = f"debug-{name}-heredoc-randomly-generated-{suffix}"
    return (
        f'tmpfile="/tekton/debug/scripts/debug-{name}"\n'
        "touch ${tmpfile} && chmod +x ${tmpfile}\n"
        f"cat > ${{tmpfile}} << '{heredoc}'\n"
        "#!/bin/sh\nset -e\n"
        f"{template.format(n=steps_count)}\n"
        f"{heredoc}\n"
    )


def debug_mounts(i: int) -> list[dict[str, Any]]:
    return [
        DEBUG_SCRIPTS_MOUNT,
        {"name": "tekton-internal-debug-info", "mountPath": f"/tekton/debug/info/{i}"},
    ]


def test_breakpoint_on_failure() -> None:
    got = convert(
        steps(
            {"script": "#!/bin/sh\nscript-1", "image": "step-1"},
            {"image": "step-2"},
            {
                "script": "\n#!/bin/sh\nscript-3",
                "image": "step-3",
                "volumeMounts": PRE_EXISTING,
                "args": ["my", "args"],
            },
            {
                "script": "no-shebang",
                "image": "step-3",
                "volumeMounts": PRE_EXISTING,
                "args": ["my", "args"],
            },
        ),
        [],
        debug={"breakpoints": {"onFailure": "enabled"}},
        security=SECURE,
    )
    assert got.init_container == {
        "name": "place-scripts",
        "image": SHELL,
        "command": ["sh"],
        "args": [
            "-c",
            placed("/tekton/scripts/script-0-9l9zj", "IyEvYmluL3NoCnNjcmlwdC0x")
            + placed("/tekton/scripts/script-2-mz4c7", "CiMhL2Jpbi9zaApzY3JpcHQtMw==")
            + placed("/tekton/scripts/script-3-mssqb", "IyEvYmluL3NoCnNldCAtZQpuby1zaGViYW5n")
            + debug_script("continue", DEBUG_CONTINUE, 4, "78c5n")
            + debug_script("fail-continue", DEBUG_FAIL_CONTINUE, 4, "6nl7g"),
        ],
        "volumeMounts": [WRITE_SCRIPTS_MOUNT, BIN_MOUNT, WRITE_DEBUG_SCRIPTS_MOUNT],
        "securityContext": RESTRICTED,
    }
    assert got.steps == [
        {
            "image": "step-1",
            "command": ["/tekton/scripts/script-0-9l9zj"],
            "volumeMounts": [SCRIPTS_MOUNT, *debug_mounts(0)],
        },
        {"image": "step-2", "volumeMounts": debug_mounts(1)},
        {
            "image": "step-3",
            "command": ["/tekton/scripts/script-2-mz4c7"],
            "args": ["my", "args"],
            "volumeMounts": [*PRE_EXISTING, SCRIPTS_MOUNT, *debug_mounts(2)],
        },
        {
            "image": "step-3",
            "command": ["/tekton/scripts/script-3-mssqb"],
            "args": ["my", "args"],
            "volumeMounts": [*PRE_EXISTING, SCRIPTS_MOUNT, *debug_mounts(3)],
        },
    ]


def test_all_breakpoints() -> None:
    got = convert(
        steps({"name": "step-1", "script": "#!/bin/sh\nscript-1", "image": "step-1"}),
        [],
        debug={"breakpoints": {"onFailure": "enabled", "beforeSteps": ["step-1"]}},
        security=SECURE,
    )
    assert got.init_container is not None
    assert got.init_container["args"] == [
        "-c",
        placed("/tekton/scripts/script-0-9l9zj", "IyEvYmluL3NoCnNjcmlwdC0x")
        + debug_script("continue", DEBUG_CONTINUE, 1, "mz4c7")
        + debug_script("fail-continue", DEBUG_FAIL_CONTINUE, 1, "mssqb")
        + debug_script("beforestep-continue", DEBUG_BEFORE_STEP_CONTINUE, 1, "78c5n")
        + debug_script("beforestep-fail-continue", DEBUG_BEFORE_STEP_FAIL_CONTINUE, 1, "6nl7g"),
    ]
    assert got.steps == [
        {
            "name": "step-1",
            "image": "step-1",
            "command": ["/tekton/scripts/script-0-9l9zj"],
            "volumeMounts": [SCRIPTS_MOUNT, *debug_mounts(0)],
        }
    ]


def test_windows() -> None:
    got = convert(
        steps(
            {"script": "#!win pwsh -File\nscript-1", "image": "step-1"},
            {"image": "step-2"},
            {
                "script": "#!win powershell -File\nscript-3",
                "image": "step-3",
                "volumeMounts": PRE_EXISTING,
                "args": ["my", "args"],
            },
            {
                "script": "#!win\nno-shebang",
                "image": "step-3",
                "volumeMounts": PRE_EXISTING,
                "args": ["my", "args"],
            },
        ),
        [],
        security=SECURE,
    )
    assert got.init_container == {
        "name": "place-scripts",
        "image": SHELL_WIN,
        "command": ["pwsh"],
        "args": [
            "-Command",
            '@"\n#!win pwsh -File\nscript-1\n"@ | Out-File -FilePath '
            "/tekton/scripts/script-0-9l9zj\n"
            '@"\n#!win powershell -File\nscript-3\n"@ | Out-File -FilePath '
            "/tekton/scripts/script-2-mz4c7.ps1\n"
            '@"\nno-shebang\n"@ | Out-File -FilePath /tekton/scripts/script-3-mssqb.cmd\n',
        ],
        "volumeMounts": [WRITE_SCRIPTS_MOUNT, BIN_MOUNT],
        "securityContext": WINDOWS,
    }
    assert got.steps == [
        {
            "image": "step-1",
            "command": ["pwsh"],
            "args": ["-File", "/tekton/scripts/script-0-9l9zj"],
            "volumeMounts": [SCRIPTS_MOUNT],
        },
        {"image": "step-2"},
        {
            "image": "step-3",
            "command": ["powershell"],
            "args": ["-File", "/tekton/scripts/script-2-mz4c7.ps1", "my", "args"],
            "volumeMounts": [*PRE_EXISTING, SCRIPTS_MOUNT],
        },
        {
            "image": "step-3",
            "command": ["/tekton/scripts/script-3-mssqb.cmd"],
            "args": ["my", "args"],
            "volumeMounts": [*PRE_EXISTING, SCRIPTS_MOUNT],
        },
    ]


def test_windows_sidecar_only() -> None:
    got = convert(
        steps({"image": "step-1"}),
        sidecars({"script": "#!win python\nsidecar-1", "image": "sidecar-1"}),
        security=SECURE,
    )
    assert got.init_container == {
        "name": "place-scripts",
        "image": SHELL_WIN,
        "command": ["pwsh"],
        "args": [
            "-Command",
            '@"\n#!win python\nsidecar-1\n"@ | Out-File -FilePath '
            "/tekton/scripts/sidecar-script-0-9l9zj\n",
        ],
        "volumeMounts": [WRITE_SCRIPTS_MOUNT, BIN_MOUNT],
        "securityContext": WINDOWS,
    }
    assert got.steps == [{"image": "step-1"}]
    assert got.sidecars == [
        {
            "image": "sidecar-1",
            "command": ["python"],
            "args": ["/tekton/scripts/sidecar-script-0-9l9zj"],
            "volumeMounts": [SCRIPTS_MOUNT],
        }
    ]


@pytest.mark.parametrize(
    ("script", "encoded"),
    [
        # pod_test.go "step with script that uses two dollar signs": kept byte for byte.
        ("#!/bin/sh\n$$", "IyEvYmluL3NoCiQk"),
        # A script whose shebang is preceded by blanks keeps them and gets no preamble.
        ("  #!/bin/bash\necho", "ICAjIS9iaW4vYmFzaAplY2hv"),
        ("echo $(params.x)", "IyEvYmluL3NoCnNldCAtZQplY2hvICQocGFyYW1zLngp"),
    ],
)
def test_script_encoding(script: str, encoded: str) -> None:
    got = convert(steps({"name": "one", "image": "image", "script": script}), [])
    assert got.init_container is not None
    assert got.init_container["args"][1] == placed("/tekton/scripts/script-0-9l9zj", encoded)


def test_a_merged_command_is_replaced_and_args_kept() -> None:
    got = convert(
        steps({"image": "i", "script": "echo", "command": ["from-template"], "args": ["a"]}), []
    )
    assert got.steps[0]["command"] == ["/tekton/scripts/script-0-9l9zj"]
    assert got.steps[0]["args"] == ["a"]
