"""Runtime step-result substitution (reference §2.6) and step ``when`` (§3.1)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from entrypoint_pod import Pod

ARRAY_FORMAT = (
    'value must be in \\"$(steps.<step-name>.results.<result-name>[*])\\" format, '
    "when using array results"
)


def _printf(pod: Pod, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = pod.run(pod.step_flags(0, "-entrypoint", "printf", "--", "%s|", *args), env=env)
    return result.returncode, result.stdout, result.stderr


def test_string_result_in_args(pod: Pod) -> None:
    pod.write_step_result("first", "greeting", "hello world")
    code, out, err = _printf(pod, "say $(steps.first.results.greeting)!")
    assert (code, out, err) == (0, "say hello world!|", "")


def test_json_string_result_is_unquoted(pod: Pod) -> None:
    pod.write_step_result("first", "quoted", '"hi"')
    assert _printf(pod, "$(steps.first.results.quoted)")[1] == "hi|"


def test_array_result_star_expands_to_several_args(pod: Pod) -> None:
    pod.write_step_result("first", "list", '["a", "b c", "d"]')
    code, out, _ = _printf(pod, "before", "$(steps.first.results.list[*])", "after")
    assert (code, out) == (0, "before|a|b c|d|after|")


def test_array_result_index(pod: Pod) -> None:
    pod.write_step_result("first", "list", '["a","b c"]')
    assert _printf(pod, "x-$(steps.first.results.list[1])")[1] == "x-b c|"


def test_object_result_key(pod: Pod) -> None:
    pod.write_step_result("first", "obj", '{"url":"https://x","digest":"sha"}')
    out = _printf(pod, "$(steps.first.results.obj.url)@$(steps.first.results.obj.digest)")[1]
    assert out == "https://x@sha|"


def test_command_itself_is_substituted(pod: Pod) -> None:
    pod.write_step_result("first", "tool", "printf")
    result = pod.run(pod.step_flags(0, "--", "$(steps.first.results.tool)", "%s", "ok"))
    assert (result.returncode, result.stdout) == (0, "ok")


def test_star_inside_a_longer_argument_is_an_error_and_nothing_is_substituted(pod: Pod) -> None:
    pod.write_step_result("first", "list", '["a","b"]')
    pod.write_step_result("first", "name", "n")
    code, out, err = _printf(pod, "$(steps.first.results.name)", "x$(steps.first.results.list[*])")

    assert code == 0
    assert out == "$(steps.first.results.name)|x$(steps.first.results.list[*])|"
    assert err.endswith(f' ERROR Error while substituting step results: error="{ARRAY_FORMAT}"\n')


def test_missing_result_file_is_logged(pod: Pod) -> None:
    code, out, err = _printf(pod, "v=$(steps.nope.results.r)")
    assert code == 0
    assert out == "v=$(steps.nope.results.r)|"
    assert err.endswith(
        ' ERROR Error while substituting step results: error="failed to find replacement '
        'for $(steps.nope.results.r) to replace v=$(steps.nope.results.r)"\n'
    )


def test_environment_values_are_substituted(pod: Pod) -> None:
    pod.write_step_result("first", "greeting", "hello")
    pod.write_step_result("first", "list", '["a","b"]')
    result = pod.run(
        pod.step_flags(0, "-entrypoint", "sh", "--", "-c", 'printf "%s|%s" "$GREETING" "$LIST"'),
        env={
            "GREETING": "<$(steps.first.results.greeting)>",
            "LIST": "[$(steps.first.results.list[*])]",
        },
    )
    assert (result.returncode, result.stdout) == (0, "<hello>|[]")


def test_index_out_of_range_panics_like_tekton(pod: Pod) -> None:
    pod.write_step_result("first", "list", '["a","b"]')
    code, out, err = _printf(pod, "$(steps.first.results.list[5])")

    assert code == 2
    assert out == ""
    assert err == "panic: runtime error: index out of range [5] with length 2\n"
    assert not pod.post_file(0).exists()
    assert not pod.post_file(0).with_name("out.err").exists()
    assert pod.entries(0) == [("StartedAt", "<time>", 3)]


def test_results_are_read_under_the_overridden_tekton_root(pod: Pod, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    path = other / "steps" / "step-first" / "results" / "r"
    path.parent.mkdir(parents=True)
    path.write_text("from-other-root")
    code, out, _ = _printf(pod, "$(steps.first.results.r)", env={"TEKTITE_TEKTON_DIR": str(other)})
    assert (code, out) == (0, "from-other-root|")


def test_step_artifact_reference_is_substituted(pod: Pod) -> None:
    provenance = pod.root / "steps" / "step-build" / "artifacts" / "provenance.json"
    provenance.parent.mkdir(parents=True)
    provenance.write_text(
        json.dumps(
            {
                "outputs": [
                    {
                        "name": "image",
                        "values": [{"uri": "pkg:oci/x", "digest": {"sha256": "ab", "md5": "c"}}],
                    }
                ]
            }
        )
    )
    code, out, _ = _printf(pod, "$(steps.build.outputs.image)")
    assert code == 0
    assert out == '[{"digest":{"md5":"c","sha256":"ab"},"uri":"pkg:oci/x"}]|'


# --- step when ------------------------------------------------------------------------


def _when(
    pod: Pod, whens: Sequence[Mapping[str, object]], env: dict[str, str] | None = None
) -> int:
    marker = pod.base / "ran"
    flags = pod.step_flags(
        0, "--when_expressions", json.dumps(whens), "-entrypoint", "touch", "--", str(marker)
    )
    result = pod.run(flags, env=env)
    assert result.returncode == 0, result.stderr
    return 1 if marker.exists() else 0


def test_when_in_true_runs(pod: Pod) -> None:
    assert _when(pod, [{"input": "a", "operator": "in", "values": ["b", "a"]}]) == 1
    assert pod.entries(0) == [("StartedAt", "<time>", 3)]


def test_when_false_skips_but_succeeds(pod: Pod) -> None:
    ran = _when(pod, [{"input": "a", "operator": "notin", "values": ["a"]}])

    assert ran == 0
    assert pod.post_file(0).exists()
    assert (pod.status_dir(0) / "exitCode").read_text() == "0"
    assert pod.entries(0) == [("StartedAt", "<time>", 3), ("Reason", "Skipped", 3)]


def test_when_expressions_are_anded(pod: Pod) -> None:
    whens = [
        {"input": "a", "operator": "in", "values": ["a"]},
        {"input": "b", "operator": "in", "values": ["a"]},
    ]
    assert _when(pod, whens) == 0


def test_when_skip_logs_like_tekton(pod: Pod) -> None:
    whens = [{"input": "a", "operator": "in", "values": ["b"]}]
    result = pod.run(pod.step_flags(0, "--when_expressions", json.dumps(whens)))
    assert result.stderr.endswith(
        " INFO Step was skipped due to when expressions were evaluated to false.\n"
    )


def test_when_uses_step_results(pod: Pod) -> None:
    pod.write_step_result("check", "status", "ok")
    pod.write_step_result("check", "allowed", '["ok","fine"]')
    whens = [
        {
            "input": "$(steps.check.results.status)",
            "operator": "in",
            "values": ["$(steps.check.results.allowed[*])"],
        }
    ]
    assert _when(pod, whens) == 1


def test_when_with_a_failing_step_result_reference_stays_unsubstituted(pod: Pod) -> None:
    whens = [{"input": "$(steps.none.results.r)", "operator": "in", "values": ["x"]}]
    assert _when(pod, whens) == 0


def test_cel_without_an_evaluator_fails_the_step(pod: Pod) -> None:
    whens = [{"cel": "'a' == 'a'"}]
    marker = pod.base / "ran"
    result = pod.run(
        pod.step_flags(
            0, "--when_expressions", json.dumps(whens), "-entrypoint", "touch", "--", str(marker)
        )
    )

    assert result.returncode == 1
    assert not marker.exists()
    assert pod.post_file(0).with_name("out.err").exists()
    assert result.stderr.endswith(
        " Error executing command: cannot evaluate CEL expression \"'a' == 'a'\": "
        "no CEL evaluator is available in this entrypoint\n"
    )


def _cel_plugin(pod: Pod) -> dict[str, str]:
    plugin = pod.base / "plugins" / "toy_cel.py"
    plugin.parent.mkdir()
    plugin.write_text(
        "def evaluate(expression):\n"
        "    left, _, right = expression.partition(' == ')\n"
        "    if expression == 'boom':\n"
        "        raise RuntimeError('ERROR: <input>:1:1: undeclared reference')\n"
        "    return left == right if right else expression\n"
    )
    return {"PYTHONPATH": str(plugin.parent), "TEKTITE_CEL_EVALUATOR": "toy_cel:evaluate"}


def test_cel_with_a_plugged_evaluator(pod: Pod) -> None:
    env = _cel_plugin(pod)
    pod.write_step_result("s", "r", "yes")
    assert _when(pod, [{"cel": "'$(steps.s.results.r)' == 'yes'"}], env=env) == 1


def test_cel_false_skips(pod: Pod) -> None:
    env = _cel_plugin(pod)
    assert _when(pod, [{"cel": "'yes' == 'no'"}], env=env) == 0
    assert pod.entries(0) == [("StartedAt", "<time>", 3), ("Reason", "Skipped", 3)]


def test_cel_non_boolean_and_errors_fail_the_step(pod: Pod) -> None:
    env = _cel_plugin(pod)
    result = pod.run(
        pod.step_flags(0, "--when_expressions", json.dumps([{"cel": "'text'"}])), env=env
    )
    assert result.returncode == 1
    assert result.stderr.endswith(
        " Error executing command: the CEL expression 'text' is not evaluated to a boolean\n"
    )

    failing = pod.run(
        pod.step_flags(1, "--when_expressions", '[{"cel":"boom"}]', wait=False), env=env
    )
    assert failing.returncode == 1
    assert failing.stderr.endswith(
        " Error executing command: ERROR: <input>:1:1: undeclared reference\n"
    )


def test_malformed_when_json_is_fatal_before_anything_runs(pod: Pod) -> None:
    result = pod.run(pod.step_flags(0, "--when_expressions", "[{", "-entrypoint", "true"))
    assert result.returncode == 1
    assert not pod.post_file(0).exists()
    assert not pod.post_file(0).with_name("out.err").exists()
    assert not pod.termination(0).exists()


def test_step_artifact_reference_in_a_script_runs_a_rewritten_copy(pod: Pod) -> None:
    provenance = pod.root / "steps" / "step-build" / "artifacts" / "provenance.json"
    provenance.parent.mkdir(parents=True)
    provenance.write_text('{"inputs":[{"name":"src","values":[{"uri":"git+x"}]}]}')
    script = pod.root / "scripts" / "script-0-abcde"
    script.parent.mkdir()
    text = "#!/bin/sh\nprintf '%s' '$(steps.build.inputs.src)'\n"
    script.write_text(text)
    script.chmod(0o755)

    result = pod.run(pod.step_flags(0, "-entrypoint", str(script)))

    assert (result.returncode, result.stdout) == (0, '[{"uri":"git+x"}]')
    assert script.read_text() == text  # the original is left alone


def test_unknown_artifact_is_logged_and_left_alone(pod: Pod) -> None:
    provenance = pod.root / "steps" / "step-build" / "artifacts" / "provenance.json"
    provenance.parent.mkdir(parents=True)
    provenance.write_text('{"outputs":[]}')
    code, out, err = _printf(pod, "$(steps.build.outputs.nope)")
    assert (code, out) == (0, "$(steps.build.outputs.nope)|")
    assert err.endswith(
        " ERROR Error while substituting step artifacts: "
        'error="values for template $(steps.build.outputs.nope) not found"\n'
    )
