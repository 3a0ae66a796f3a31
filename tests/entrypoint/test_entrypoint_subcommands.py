"""The init-container subcommands: init, cp, decode-script, step-init."""

from __future__ import annotations

import base64
import os
import stat

import pytest
from entrypoint_pod import Pod

from tektite.entrypoint.subcommands import decode_base64


def test_cp_copies_with_mode_0311(pod: Pod) -> None:
    source, target = pod.base / "src", pod.base / "dst"
    source.write_bytes(b"binary\x00data")

    result = pod.run(["cp", str(source), str(target)])

    assert result.returncode == 0
    assert result.stderr.endswith(f" Copied {source} to {target}\n")
    assert target.read_bytes() == b"binary\x00data"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o311 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_cp_does_not_truncate_like_go(pod: Pod) -> None:
    source, target = pod.base / "src", pod.base / "dst"
    source.write_text("new")
    target.write_text("old-and-longer")
    assert pod.run(["cp", str(source), str(target)]).returncode == 0
    assert target.read_text() == "new-and-longer"


def test_cp_error(pod: Pod) -> None:
    result = pod.run(["cp", str(pod.base / "missing"), str(pod.base / "dst")])
    assert result.returncode == 1
    assert result.stderr.endswith(
        f" cp error: open {pod.base}/missing: no such file or directory\n"
    )


def test_cp_with_wrong_arity_is_not_a_subcommand(pod: Pod) -> None:
    # Falls through to running a step with no command: success, nothing copied.
    result = pod.run(["cp", str(pod.base / "only-one")])
    assert result.returncode == 0
    assert "cp error" not in result.stderr


def test_step_init_creates_name_and_index_links(pod: Pod) -> None:
    result = pod.run(["step-init", "step-build", "step-unnamed-1"])

    assert result.returncode == 0
    assert result.stderr.endswith(" Setup /step directories\n")
    steps = pod.root / "steps"
    assert os.readlink(steps / "step-build") == str(pod.root / "run" / "0" / "status")
    assert os.readlink(steps / "0") == str(pod.root / "run" / "0" / "status")
    assert os.readlink(steps / "step-unnamed-1") == str(pod.root / "run" / "1" / "status")
    assert os.readlink(steps / "1") == str(pod.root / "run" / "1" / "status")
    # Idempotent: a restarted init container succeeds.
    assert pod.run(["step-init", "step-build", "step-unnamed-1"]).returncode == 0


def test_step_results_are_reachable_through_the_links(pod: Pod) -> None:
    assert pod.run(["step-init", "step-first", "step-second"]).returncode == 0
    first = pod.run(
        pod.step_flags(
            0, "-entrypoint", "sh", "--", "-c", f"printf v > {pod.status_dir(0)}/results/r"
        )
    )
    second = pod.run(pod.step_flags(1, "-entrypoint", "printf", "--", "$(steps.first.results.r)"))
    assert (first.returncode, second.returncode, second.stdout) == (0, 0, "v")
    assert (pod.root / "steps" / "step-first" / "exitCode").read_text() == "0"


def test_init_copies_and_links(pod: Pod) -> None:
    source, target = pod.base / "entrypoint-bin", pod.base / "bin" / "entrypoint"
    source.write_text("#!")
    target.parent.mkdir()

    result = pod.run(["init", str(source), str(target), "step-a"])

    assert result.returncode == 0
    assert result.stderr.endswith(" Entrypoint initialization\n")
    assert target.read_text() == "#!"
    assert os.readlink(pod.root / "steps" / "step-a") == str(pod.root / "run" / "0" / "status")


def test_init_after_flags_is_still_a_subcommand_like_go(pod: Pod) -> None:
    source, target = pod.base / "s", pod.base / "t"
    source.write_text("x")
    result = pod.run(["-post_file", str(pod.base / "p"), "init", str(source), str(target)])
    assert result.returncode == 0
    assert target.read_text() == "x"
    assert not (pod.base / "p").exists()


def test_leading_double_dash_leaves_a_subcommand_like_go(pod: Pod) -> None:
    result = pod.run(["--", "step-init", "step-x"])
    assert result.returncode == 0
    assert (pod.root / "steps" / "step-x").is_symlink()


def test_decode_script_in_place_keeping_permissions(pod: Pod) -> None:
    script = pod.base / "script-0-abcde"
    text = "#!/bin/sh\nset -e\necho $$ $$$$ '$(x)'\n"
    encoded = base64.encodebytes(text.encode()).decode()  # with line breaks
    script.write_text(encoded)
    script.chmod(0o755)

    result = pod.run(["decode-script", str(script)])

    assert result.returncode == 0
    assert result.stderr.endswith(f" Decoded script {script}\n")
    assert script.read_text() == text
    assert stat.S_IMODE(os.stat(script).st_mode) == 0o755


def test_decode_script_error_leaves_the_file(pod: Pod) -> None:
    script = pod.base / "script"
    script.write_text("ab$d")
    result = pod.run(["decode-script", str(script)])
    assert result.returncode == 1
    quoted = f'"{script}"'
    assert result.stderr.endswith(
        f" decode-script error: error decoding script file {quoted}: error decoding script "
        f"file {quoted}: illegal base64 data at input byte 2\n"
    )
    assert script.read_text() == "ab$d"


@pytest.mark.parametrize(
    ("data", "offset"),
    [
        (b"ab$d", 2),
        (b"abc", 0),
        (b"a", 0),
        (b"ab=", 3),
        (b"a===", 1),
        (b"ab==cd==", 4),
        (b"ab\n$d", 3),
        (b"abc=x", 4),
    ],
)
def test_base64_error_offsets_match_go(data: bytes, offset: int) -> None:
    with pytest.raises(ValueError) as caught:
        decode_base64(data)
    assert str(caught.value) == f"illegal base64 data at input byte {offset}"


def test_base64_accepts_what_go_accepts() -> None:
    assert decode_base64(b"aGVs\r\nbG8=\n") == b"hello"
    assert decode_base64(b"") == b""
    assert decode_base64(b"YR==") == b"a"  # non-zero trailing bits are fine
