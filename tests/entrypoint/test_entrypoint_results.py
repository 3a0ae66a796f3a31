"""Results, artifacts and the termination message (reference §5.3 step 10-11, §5.6)."""

from __future__ import annotations

import base64
import json
import zlib

from entrypoint_pod import Pod

from tektite.entrypoint.termination import RunResult, parse_message

TOO_LONG = "Termination message is above max allowed size 4096, caused by large task result."


def _write_results(pod: Pod, script: str, *flags: str) -> tuple[int, str]:
    result = pod.run(pod.step_flags(0, *flags, "-entrypoint", "sh", "--", "-c", script))
    return result.returncode, result.stderr


def test_task_and_step_results_are_reported_in_order(pod: Pod) -> None:
    results_dir = pod.root / "results"
    step_results = pod.status_dir(0) / "results"
    script = (
        f'printf one > {results_dir}/first; printf \'["a","b"]\' > {results_dir}/third; '
        f"printf sv > {step_results}/mine"
    )
    code, _ = _write_results(
        pod, script, "-results", "first,second,third", "-step_results", "mine,absent"
    )

    assert code == 0
    assert pod.entries(0) == [
        ("first", "one", 1),
        ("third", '["a","b"]', 1),
        ("mine", "sv", 4),
        ("StartedAt", "<time>", 3),
    ]


def test_results_are_reported_even_when_the_step_fails(pod: Pod) -> None:
    code, _ = _write_results(pod, f"printf x > {pod.root}/results/r; exit 2", "-results", "r")
    assert code == 2
    assert pod.entries(0) == [("r", "x", 1), ("StartedAt", "<time>", 3)]


def test_message_is_appended_to_what_the_file_already_holds(pod: Pod) -> None:
    pod.termination(0).write_text('[{"key":"earlier","value":"v","type":1}]')
    code, _ = _write_results(pod, f"printf new > {pod.root}/results/r", "-results", "r")

    assert code == 0
    assert pod.entries(0) == [
        ("earlier", "v", 1),
        ("r", "new", 1),
        ("StartedAt", "<time>", 3),
    ]


def test_unparsable_existing_content_is_replaced(pod: Pod) -> None:
    pod.termination(0).write_text("not json")
    code, _ = _write_results(pod, "true")
    assert code == 0
    assert pod.entries(0) == [("StartedAt", "<time>", 3)]


def test_same_key_twice_keeps_both_and_the_reader_takes_the_last(pod: Pod) -> None:
    pod.termination(0).write_text('[{"key":"r","value":"old","type":1}]')
    _write_results(pod, f"printf new > {pod.root}/results/r", "-results", "r")

    assert [e["value"] for e in pod.message(0) if e["key"] == "r"] == ["old", "new"]
    parsed = parse_message(pod.termination(0).read_text())
    assert [(e.key, e.value) for e in parsed if e.key == "r"] == [("r", "new")]


def test_json_encoding_matches_go(pod: Pod) -> None:
    value = 'a<b>&"c"\n\t\x01é\u2028'
    (pod.root / "results" / "r").write_text(value)
    _write_results(pod, "true", "-results", "r")

    raw = pod.termination(0).read_text()
    assert raw.startswith(
        '[{"key":"r","value":"a\\u003cb\\u003e\\u0026\\"c\\"\\n\\t\\u0001é\\u2028","type":1},'
        '{"key":"StartedAt","value":"'
    )
    assert raw.endswith('","type":3}]')


def test_oversized_message_fails_the_step_with_tektons_message(pod: Pod) -> None:
    big = "x" * 5000
    code, stderr = _write_results(pod, f"printf {big} > {pod.root}/results/big", "-results", "big")

    assert code == 1
    assert stderr.endswith(f" {TOO_LONG}\n")
    # The command itself succeeded: Tekton has already written the post file.
    assert pod.post_file(0).exists()
    assert pod.entries(0) == [("StartedAt", "<time>", 3)]


def test_message_of_exactly_4096_bytes_is_accepted(pod: Pod) -> None:
    prefix = '[{"key":"r","value":"'
    # Fill up to 4096 bytes including the StartedAt entry written afterwards.
    started_at = '},{"key":"StartedAt","value":"2026-01-01T00:00:00.000Z","type":3}]'
    size = 4096 - len(prefix) - len('","type":1') - len(started_at)
    (pod.root / "results" / "r").write_text("y" * size)

    code, _ = _write_results(pod, "true", "-results", "r")

    assert code == 0
    assert len(pod.termination(0).read_bytes()) == 4096

    (pod.root / "results" / "r").write_text("y" * (size + 1))
    pod.termination(0).unlink()
    code, stderr = _write_results(pod, "true", "-results", "r")
    assert code == 1
    assert stderr.endswith(
        f" Error while writing message: {TOO_LONG}\n"
    )  # the results fit, the final StartedAt write does not


def test_compressed_termination_message(pod: Pod) -> None:
    big = "z" * 6000
    code, _ = _write_results(
        pod,
        f"printf {big} > {pod.root}/results/big",
        "-results",
        "big",
        "-compress_termination_message",
    )

    assert code == 0
    raw = pod.termination(0).read_bytes()
    assert raw.startswith(b"tknz:")
    assert len(raw) < 4096
    encoded = raw[len(b"tknz:") :]
    assert b"=" not in encoded  # raw (unpadded) standard base64
    data = zlib.decompress(base64.b64decode(encoded + b"=" * (-len(encoded) % 4)), -15)
    entries = json.loads(data)
    assert [(e["key"], e["type"]) for e in entries] == [("big", 1), ("StartedAt", 3)]
    assert entries[0]["value"] == big
    assert [e.key for e in parse_message(raw.decode())] == ["StartedAt", "big"]


def test_compression_is_skipped_when_it_would_not_help(pod: Pod) -> None:
    code, _ = _write_results(pod, "true", "-compress_termination_message=true")
    assert code == 0
    assert pod.termination(0).read_text().startswith('[{"key":"StartedAt"')


def test_sidecar_logs_mode_keeps_results_out_of_the_message(pod: Pod) -> None:
    code, _ = _write_results(
        pod, f"printf v > {pod.root}/results/r", "-results", "r", "-result_from", "sidecar-logs"
    )
    assert code == 0
    assert pod.entries(0) == [("StartedAt", "<time>", 3)]
    assert (pod.root / "results" / "r").read_text() == "v"


def test_artifacts_are_reported(pod: Pod) -> None:
    step_provenance = pod.status_dir(0) / "artifacts" / "provenance.json"
    task_provenance = pod.root / "artifacts" / "provenance.json"
    task_provenance.parent.mkdir()
    task_provenance.write_text('{"outputs":[]}')
    code, _ = _write_results(pod, f"printf '{{\"inputs\":[]}}' > {step_provenance}")

    assert code == 0
    assert pod.entries(0) == [
        ("StartedAt", "<time>", 3),
        (str(step_provenance), '{"inputs":[]}', 5),
        (str(task_provenance), '{"outputs":[]}', 6),
    ]


def test_unreadable_result_fails_the_step(pod: Pod) -> None:
    (pod.root / "results" / "r").mkdir()
    code, stderr = _write_results(pod, "true", "-results", "r")

    assert code == 1
    assert stderr.endswith(f" Error executing command: read {pod.root}/results/r: is a directory\n")
    assert pod.post_file(0).exists()


def test_stdout_and_stderr_are_teed_to_files_in_append_mode(pod: Pod) -> None:
    logs = pod.base / "logs" / "deep"
    out, err = logs / "out.log", logs / "err.log"
    logs.mkdir(parents=True)
    out.write_text("before\n")

    result = pod.run(
        pod.step_flags(
            0,
            "-stdout_path",
            str(out),
            "-stderr_path",
            str(err),
            "-entrypoint",
            "sh",
            "--",
            "-c",
            "echo to-out; echo to-err >&2; exit 5",
        )
    )

    assert result.returncode == 5
    assert result.stdout == "to-out\n"
    assert result.stderr == "to-err\n"
    assert out.read_text() == "before\nto-out\n"
    assert err.read_text() == "to-err\n"


def test_tee_creates_parent_directories_and_can_share_one_file(pod: Pod) -> None:
    both = pod.base / "new" / "dir" / "both.log"
    result = pod.run(
        pod.step_flags(
            0,
            "-stdout_path",
            str(both),
            "-stderr_path",
            str(both),
            "-entrypoint",
            "sh",
            "--",
            "-c",
            "echo one; sleep 0.1; echo two >&2",
        )
    )

    assert result.returncode == 0
    assert both.read_text() == "one\ntwo\n"


def test_tee_copies_large_output_completely(pod: Pod) -> None:
    out = pod.base / "out.log"
    result = pod.run(
        pod.step_flags(0, "-stdout_path", str(out), "-entrypoint", "sh", "--", "-c", "seq 1 200000")
    )
    expected = "".join(f"{n}\n" for n in range(1, 200001))
    assert result.returncode == 0
    assert result.stdout == expected
    assert out.read_text() == expected


def test_run_result_equality() -> None:
    assert RunResult("a", "b", 1) == RunResult("a", "b", 1)
    assert RunResult("a", "b", 1) != RunResult("a", "b", 4)
