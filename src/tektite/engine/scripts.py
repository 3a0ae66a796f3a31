"""Step and sidecar ``script``s: the ``place-scripts`` init container that writes them to
``/tekton/scripts``, and the containers that run them (``pkg/pod/script.go``).

Each script is written base64-encoded through a quoted heredoc and decoded in place by
``/tekton/bin/entrypoint decode-script``, so Kubernetes' ``$(VAR)`` expansion of
container args can never touch it. A script without a shebang gets
``#!/bin/sh\\nset -e\\n`` in front. ``#!win`` scripts (alpha) are written with PowerShell
instead, unencoded, and run through the interpreter the shebang names. With debug
breakpoints (alpha), the debug helper scripts are placed as well.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

from tektite.api.models import Sidecar, Step, TaskRunDebug
from tektite.engine.containers import (
    JsonDict,
    SecurityContextConfig,
    empty_dir_volume,
    order_container_fields,
    sidecar_to_container,
    step_to_container,
    volume_mount,
)
from tektite.engine.entrypoint_args import (
    BIN_DIR,
    BIN_VOLUME_NAME,
    RUN_DIR,
    needs_debug,
    needs_debug_before_step,
    needs_debug_on_failure,
)
from tektite.engine.names import NameGenerator

__all__ = [
    "DEBUG_INFO_VOLUME_NAME",
    "DEBUG_SCRIPTS_VOLUME_NAME",
    "DEFAULT_SCRIPT_PREAMBLE",
    "PLACE_SCRIPTS_CONTAINER_NAME",
    "SCRIPTS_DIR",
    "SCRIPTS_VOLUME_NAME",
    "ConvertedScripts",
    "convert_scripts",
    "debug_info_volume",
    "debug_scripts_volume",
    "scripts_volume",
]

PLACE_SCRIPTS_CONTAINER_NAME = "place-scripts"
SCRIPTS_VOLUME_NAME = "tekton-internal-scripts"
SCRIPTS_DIR = "/tekton/scripts"
DEBUG_SCRIPTS_VOLUME_NAME = "tekton-internal-debug-scripts"
DEBUG_SCRIPTS_DIR = "/tekton/debug/scripts"
DEBUG_INFO_VOLUME_NAME = "tekton-internal-debug-info"
DEBUG_INFO_DIR = "/tekton/debug/info"
DEFAULT_SCRIPT_PREAMBLE = "#!/bin/sh\nset -e\n"

# Base64 has no underscore, so this heredoc delimiter never occurs in an encoded script.
_HEREDOC = "_EOF_"

# The debug helper scripts Tekton places (scripts_constants.go), filled with the number
# of steps, the debug info directory and the run directory.
_DEBUG_CONTINUE = """
numberOfSteps={steps}
debugInfo={info}
tektonRun={run}

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
_DEBUG_FAIL_CONTINUE = """
numberOfSteps={steps}
debugInfo={info}
tektonRun={run}

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
_DEBUG_BEFORE_STEP_CONTINUE = """
numberOfSteps={steps}
debugInfo={info}
tektonRun={run}

postFile="$(ls ${{debugInfo}} | grep -E '[0-9]+' | tail -1)"
stepNumber="$(echo ${{postFile}} | sed 's/[^0-9]*//g')"

if [ $stepNumber -lt $numberOfSteps ]; then
\techo "0" > ${{tektonRun}}/${{stepNumber}}/out.beforestepexit
\techo "Executing step $stepNumber..."
else
\techo "Last step (no. $stepNumber) has already been executed, before step breakpoint exiting !"
\texit 0
fi"""
_DEBUG_BEFORE_STEP_FAIL_CONTINUE = """
numberOfSteps={steps}
debugInfo={info}
tektonRun={run}

postFile="$(ls ${{debugInfo}} | grep -E '[0-9]+' | tail -1)"
stepNumber="$(echo ${{postFile}} | sed 's/[^0-9]*//g')"

if [ $stepNumber -lt $numberOfSteps ]; then
\techo "1" > ${{tektonRun}}/${{stepNumber}}/out.beforestepexit.err
\techo "Executing step $stepNumber..."
else
\techo "Last step (no. $stepNumber) has already been executed, before step breakpoint exiting !"
\texit 0
fi"""


def scripts_volume() -> JsonDict:
    """The ``tekton-internal-scripts`` emptyDir volume."""
    return empty_dir_volume(SCRIPTS_VOLUME_NAME)


def debug_scripts_volume() -> JsonDict:
    """The ``tekton-internal-debug-scripts`` emptyDir volume (debug breakpoints)."""
    return empty_dir_volume(DEBUG_SCRIPTS_VOLUME_NAME)


def debug_info_volume() -> JsonDict:
    """The ``tekton-internal-debug-info`` emptyDir volume (debug breakpoints)."""
    return empty_dir_volume(DEBUG_INFO_VOLUME_NAME)


@dataclass(frozen=True)
class ConvertedScripts:
    """What ``convertScripts`` returns: the ``place-scripts`` init container (``None`` when
    there is nothing to place) and the step and sidecar containers, in order."""

    init_container: JsonDict | None
    steps: list[JsonDict]
    sidecars: list[JsonDict]


def _requires_windows(script: str) -> bool:
    return script.strip().startswith("#!win")


def _windows_components(script: str, file_name: str) -> tuple[list[str], list[str], str, str]:
    """``extractWindowsScriptComponents``: command, args, script text and file name."""
    words = script.split("\n")[0].split(" ")
    if len(words) > 1:
        interpreter = words[1:]
        command = interpreter[:1]
        # Windows PowerShell only runs files named *.ps1.
        if command[0].startswith("powershell"):
            file_name += ".ps1"
        args = [*interpreter[1:], file_name]
        return command, args, script, file_name
    # No interpreter named: the script body becomes a batch file.
    file_name += ".cmd"
    return [file_name], [], "\n".join(script.split("\n")[1:]), file_name


class _Placer:
    """Accumulates the ``place-scripts`` program while containers are converted."""

    def __init__(self, names: NameGenerator) -> None:
        self.names = names
        self.program = ""

    def script_file(self, base: str) -> str:
        return f"{SCRIPTS_DIR}/{self.names.restrict_length_with_random_suffix(base)}"

    def place(self, script: str, script_file: str, container: JsonDict) -> None:
        """``placeScriptInContainer``: add ``script`` to the program and make ``container``
        run it."""
        if not script:
            return
        if not script.strip().startswith("#!"):
            script = DEFAULT_SCRIPT_PREAMBLE + script
        if _requires_windows(script):
            command, args, script, script_file = _windows_components(script, script_file)
            self.program += f'@"\n{script}\n"@ | Out-File -FilePath {script_file}\n'
            container["command"] = command
            container["args"] = [*args, *(container.get("args") or [])]
        else:
            encoded = base64.b64encode(script.encode()).decode()
            self.program += (
                f'scriptfile="{script_file}"\n'
                "touch ${scriptfile} && chmod +x ${scriptfile}\n"
                f"cat > ${{scriptfile}} << '{_HEREDOC}'\n"
                f"{encoded}\n"
                f"{_HEREDOC}\n"
                '/tekton/bin/entrypoint decode-script "${scriptfile}"\n'
            )
            # Any command a stepTemplate merged in is replaced; the args stay and are
            # passed to the script.
            container["command"] = [script_file]
        container["volumeMounts"] = [
            *(container.get("volumeMounts") or []),
            volume_mount(SCRIPTS_VOLUME_NAME, SCRIPTS_DIR, read_only=True),
        ]

    def place_debug_scripts(self, containers: list[JsonDict], debug: TaskRunDebug | None) -> None:
        """``placeDebugScriptInContainers``: mount the debug volumes into every step and
        place the breakpoint helper scripts."""
        if not needs_debug(debug):
            return
        before_step = False
        for i, container in enumerate(containers):
            container["volumeMounts"] = [
                *(container.get("volumeMounts") or []),
                volume_mount(DEBUG_SCRIPTS_VOLUME_NAME, DEBUG_SCRIPTS_DIR, read_only=True),
                volume_mount(DEBUG_INFO_VOLUME_NAME, f"{DEBUG_INFO_DIR}/{i}"),
            ]
            if needs_debug_before_step(debug, container.get("name", "")):
                before_step = True
        templates: list[tuple[str, str]] = []
        if needs_debug_on_failure(debug):
            templates += [("continue", _DEBUG_CONTINUE), ("fail-continue", _DEBUG_FAIL_CONTINUE)]
        if before_step:
            templates += [
                ("beforestep-continue", _DEBUG_BEFORE_STEP_CONTINUE),
                ("beforestep-fail-continue", _DEBUG_BEFORE_STEP_FAIL_CONTINUE),
            ]
        for name, template in templates:
            body = template.format(steps=len(containers), info=DEBUG_INFO_DIR, run=RUN_DIR)
            heredoc = self.names.restrict_length_with_random_suffix(
                f"debug-{name}-heredoc-randomly-generated"
            )
            self.program += (
                f'tmpfile="{DEBUG_SCRIPTS_DIR}/debug-{name}"\n'
                "touch ${tmpfile} && chmod +x ${tmpfile}\n"
                f"cat > ${{tmpfile}} << '{heredoc}'\n"
                f"{DEFAULT_SCRIPT_PREAMBLE}{body}\n"
                f"{heredoc}\n"
            )


def convert_scripts(
    shell_image: str,
    shell_image_win: str,
    steps: Sequence[Step],
    sidecars: Sequence[Sidecar],
    debug: TaskRunDebug | None,
    security: SecurityContextConfig,
    names: NameGenerator,
) -> ConvertedScripts:
    """``convertScripts``: steps and sidecars as containers, scripts placed by one init
    container.

    Script files are ``/tekton/scripts/script-<i>-<suffix>`` for step ``i`` and
    ``sidecar-script-<i>-<suffix>`` for sidecar ``i``; suffixes are drawn from ``names``
    in Tekton's order (step scripts, debug helpers, sidecar scripts). ``debug`` is only
    given when alpha fields are enabled.
    """
    windows = any(_requires_windows(s.script) for s in steps) or any(
        _requires_windows(s.script) for s in sidecars
    )
    placer = _Placer(names)

    step_containers: list[JsonDict] = []
    for i, step in enumerate(steps):
        container = step_to_container(step)
        if step.script:
            placer.place(step.script, placer.script_file(f"script-{i}"), container)
        step_containers.append(container)
    placer.place_debug_scripts(step_containers, debug)

    sidecar_containers: list[JsonDict] = []
    for i, sidecar in enumerate(sidecars):
        container = sidecar_to_container(sidecar)
        if sidecar.script:
            placer.place(sidecar.script, placer.script_file(f"sidecar-script-{i}"), container)
        sidecar_containers.append(container)

    has_scripts = any(s.script for s in steps) or any(s.script for s in sidecars)
    if not (has_scripts or needs_debug(debug)):
        return ConvertedScripts(
            None,
            [order_container_fields(c) for c in step_containers],
            [order_container_fields(c) for c in sidecar_containers],
        )

    mounts = [
        volume_mount(SCRIPTS_VOLUME_NAME, SCRIPTS_DIR),
        volume_mount(BIN_VOLUME_NAME, BIN_DIR),
    ]
    if needs_debug(debug):
        mounts.append(volume_mount(DEBUG_SCRIPTS_VOLUME_NAME, DEBUG_SCRIPTS_DIR))
    init: JsonDict = {
        "name": PLACE_SCRIPTS_CONTAINER_NAME,
        "image": shell_image_win if windows else shell_image,
        "command": ["pwsh" if windows else "sh"],
        "args": ["-Command" if windows else "-c", placer.program],
        "volumeMounts": mounts,
    }
    if security.set_security_context:
        init["securityContext"] = security.security_context(windows)
    return ConvertedScripts(
        order_container_fields(init),
        [order_container_fields(c) for c in step_containers],
        [order_container_fields(c) for c in sidecar_containers],
    )
