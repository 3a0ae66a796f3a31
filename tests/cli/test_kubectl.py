"""kubectl-like ``apply``, ``create``, ``get`` and ``delete`` against a real store:
kubectl's wording for what was done and for what went wrong, and ``tektite
validate``'s checks before anything is written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tektite.cli.kubectl import human_duration
from tests.cli.seed import Seed, at, cond, tektite, ts

FILE = """\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: greet
spec:
  steps:
    - name: say
      image: busybox
      script: echo hi
---
apiVersion: tekton.dev/v1
kind: TaskRun
metadata:
  name: greet-run
spec:
  taskRef:
    name: greet
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  a: "1"
"""


@pytest.fixture
def seed(tmp_path: Path) -> Iterator[Seed]:
    s = Seed(tmp_path / "home")
    yield s
    s.close()


@pytest.fixture
def objects(tmp_path: Path) -> Path:
    path = tmp_path / "objects.yaml"
    path.write_text(FILE)
    return path


def test_create_then_create_again(seed: Seed, objects: Path) -> None:
    r = tektite(seed.home, at(), "create", "-f", str(objects))
    assert (r.exit_code, r.stdout) == (
        0,
        "task.tekton.dev/greet created\ntaskrun.tekton.dev/greet-run created\n"
        "configmap/settings created\n",
    )
    stored = seed.store.get("TaskRun", "default", "greet-run")
    assert stored is not None
    # Stored as Tekton's defaulting leaves it.
    assert stored["spec"]["taskRef"] == {"kind": "Task", "name": "greet"}
    assert stored["spec"]["timeout"] == "1h0m0s"
    r = tektite(seed.home, at(), "create", "-f", str(objects))
    assert r.exit_code == 1
    assert r.stdout == ""
    assert r.stderr.splitlines() == [
        f'Error from server (AlreadyExists): error when creating "{objects}": '
        'tasks.tekton.dev "greet" already exists',
        f'Error from server (AlreadyExists): error when creating "{objects}": '
        'taskruns.tekton.dev "greet-run" already exists',
        f'Error from server (AlreadyExists): error when creating "{objects}": '
        'configmaps "settings" already exists',
    ]


def test_apply_created_configured_unchanged(seed: Seed, objects: Path, tmp_path: Path) -> None:
    r = tektite(seed.home, at(), "apply", "-f", str(objects), "-n", "team")
    assert r.stdout.splitlines() == [
        "task.tekton.dev/greet created",
        "taskrun.tekton.dev/greet-run created",
        "configmap/settings created",
    ]
    task = seed.store.get("Task", "team", "greet")
    assert task is not None
    applied = json.loads(
        task["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
    )
    assert applied["metadata"] == {"name": "greet"}
    r = tektite(seed.home, at(), "apply", "-f", str(objects), "-n", "team")
    assert r.stdout.splitlines() == [
        "task.tekton.dev/greet unchanged",
        "taskrun.tekton.dev/greet-run unchanged",
        "configmap/settings unchanged",
    ]
    changed = tmp_path / "changed.yaml"
    changed.write_text(FILE.replace("echo hi", "echo bye"))
    r = tektite(seed.home, at(), "apply", "-f", str(changed), "-n", "team")
    assert r.stdout.splitlines()[0] == "task.tekton.dev/greet configured"
    after = seed.store.get("Task", "team", "greet")
    assert after is not None
    assert after["spec"]["steps"][0]["script"] == "echo bye"
    assert after["metadata"]["uid"] == task["metadata"]["uid"]
    assert after["metadata"]["generation"] == 2


def test_invalid_objects_write_nothing(seed: Seed, tmp_path: Path) -> None:
    """The whole file is checked as ``tektite validate`` checks it first."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        FILE + "---\napiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: p\n"
        "spec:\n  tasks:\n    - name: a\n"
    )
    for verb in ("apply", "create"):
        r = tektite(seed.home, at(), verb, "-f", str(bad))
        assert r.exit_code == 1
        assert r.stdout == ""
        assert r.stderr.startswith("Pipeline/p: expected exactly one, got neither: ")
        # Word for word what `tektite validate -q` says about the file.
        assert r.stderr == tektite(seed.home, at(), "validate", "-q", str(bad)).stdout
    assert seed.store.list("Task") == []
    r = tektite(seed.home, at(), "apply", "-f", str(tmp_path / "missing.yaml"))
    assert r.exit_code == 1
    assert "missing.yaml" in r.stderr
    assert "Traceback" not in r.output


def test_namespace_mismatch(seed: Seed, tmp_path: Path) -> None:
    f = tmp_path / "ns.yaml"
    f.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: a\n")
    r = tektite(seed.home, at(), "create", "-f", str(f), "-n", "b")
    assert (r.exit_code, r.stderr) == (
        1,
        'error: the namespace from the provided object "a" does not match the namespace "b". '
        "You must pass '--namespace=a' to perform this operation.\n",
    )
    assert tektite(seed.home, at(), "create", "-f", str(f)).stdout == "configmap/c created\n"
    assert seed.store.get("ConfigMap", "a", "c") is not None


def test_get_tables(seed: Seed) -> None:
    seed.add("Task", "build", created=at(hours=-3))
    seed.add(
        "PipelineRun",
        "run-1",
        status={
            "conditions": cond("True", "Succeeded", "Tasks Completed: 1"),
            "startTime": ts(at(minutes=-20)),
            "completionTime": ts(at(minutes=-17, seconds=-30)),
        },
    )
    seed.add(
        "PipelineRun",
        "run-2",
        status={"conditions": cond("Unknown", "Running"), "startTime": ts(at(seconds=-5))},
    )
    assert tektite(seed.home, at(), "get", "tasks", "-n", "ns").stdout == (
        "NAME    AGE\nbuild   3h\n"
    )
    assert tektite(seed.home, at(), "get", "pr", "-n", "ns").stdout == (
        "NAME    SUCCEEDED   REASON      STARTTIME   COMPLETIONTIME\n"
        "run-1   True        Succeeded   20m         17m\n"
        "run-2   Unknown     Running     5s          \n"
    )
    r = tektite(
        seed.home, at(), "get", "pipelineruns.tekton.dev", "run-1", "-n", "ns", "-o", "yaml"
    )
    assert r.stdout.startswith("apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata:\n")
    r = tektite(seed.home, at(), "get", "PipelineRun", "-n", "ns", "-o", "json")
    doc = json.loads(r.stdout)
    assert (doc["kind"], len(doc["items"])) == ("List", 2)
    r = tektite(seed.home, at(), "get", "taskrun", "-n", "ns", "-o", "name")
    assert (r.stdout, r.stderr) == ("", "No resources found in ns namespace.\n")
    assert tektite(seed.home, at(), "get", "pr", "-n", "ns", "-o", "name").stdout == (
        "pipelinerun.tekton.dev/run-1\npipelinerun.tekton.dev/run-2\n"
    )
    names = "jsonpath={range .items[*]}{.metadata.name}={.status.conditions[0].status} {end}"
    r = tektite(seed.home, at(), "get", "pr", "-n", "ns", "-o", names)
    assert r.stdout == "run-1=True run-2=Unknown "
    r = tektite(seed.home, at(), "get", "pr", "run-1", "-n", "ns", "-o", "jsonpath={.kind}")
    assert r.stdout == "PipelineRun"
    r = tektite(seed.home, at(), "get", "pr", "-n", "ns", "-o", "jsonpath={.items[9]}")
    assert r.exit_code == 1
    assert r.stderr.startswith(
        'error: error executing jsonpath "{.items[9]}": Error executing template: '
        "array index out of bounds: index 9, length 2."
    )
    r = tektite(seed.home, at(), "get", "pr", "-n", "ns", "-o", "wide")
    assert (r.exit_code, r.stderr) == (
        1,
        'error: unable to match a printer suitable for the output format "wide", allowed '
        "formats are: go-template,go-template-file,json,jsonpath,jsonpath-as-json,"
        "jsonpath-file,name,template,templatefile,yaml\n",
    )


def test_get_errors(seed: Seed) -> None:
    r = tektite(seed.home, at(), "get", "pr", "nope", "-n", "ns")
    assert (r.exit_code, r.stderr) == (
        1,
        'Error from server (NotFound): pipelineruns.tekton.dev "nope" not found\n',
    )
    r = tektite(seed.home, at(), "get", "widgets")
    assert (r.exit_code, r.stderr) == (
        1,
        'error: the server doesn\'t have a resource type "widgets"\n',
    )


def test_delete_file_and_names(seed: Seed, objects: Path) -> None:
    assert tektite(seed.home, at(), "create", "-f", str(objects)).exit_code == 0
    r = tektite(seed.home, at(), "delete", "taskrun", "greet-run", "nope")
    assert r.exit_code == 1
    assert r.stdout == 'taskrun.tekton.dev "greet-run" deleted\n'
    assert r.stderr == 'Error from server (NotFound): taskruns.tekton.dev "nope" not found\n'
    r = tektite(seed.home, at(), "delete", "-f", str(objects))
    assert r.exit_code == 1
    assert r.stdout == 'task.tekton.dev "greet" deleted\nconfigmap "settings" deleted\n'
    assert r.stderr == (
        f'Error from server (NotFound): error when deleting "{objects}": '
        'taskruns.tekton.dev "greet-run" not found\n'
    )
    assert seed.store.list("Task") == [] and seed.store.list("ConfigMap") == []
    r = tektite(seed.home, at(), "delete")
    assert r.stderr == "error: You must provide one or more resources by argument or filename.\n"


def test_kind_slash_name_and_delete_of_an_invalid_file(seed: Seed, tmp_path: Path) -> None:
    """``KIND/NAME`` as kubectl takes it; ``delete -f`` needs only kinds and names, so
    an object Tekton would refuse can still be deleted by its file."""
    seed.add("Pipeline", "p", "default")
    assert tektite(seed.home, at(), "get", "pipeline/p", "-o", "name").stdout == (
        "pipeline.tekton.dev/p\n"
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: p\nspec: {}\n")
    assert tektite(seed.home, at(), "apply", "-f", str(bad)).exit_code == 1
    r = tektite(seed.home, at(), "delete", "-f", str(bad))
    assert (r.exit_code, r.stdout) == (0, 'pipeline.tekton.dev "p" deleted\n')
    r = tektite(seed.home, at(), "delete", "pipelines/p")
    assert r.stderr == 'Error from server (NotFound): pipelines.tekton.dev "p" not found\n'


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "<invalid>"),
        (-1, "0s"),
        (0, "0s"),
        (119, "119s"),
        (120, "2m"),
        (125, "2m5s"),
        (600, "10m"),
        (179 * 60, "179m"),
        (3 * 3600, "3h"),
        (3 * 3600 + 60, "3h1m"),
        (8 * 3600, "8h"),
        (47 * 3600, "47h"),
        (48 * 3600, "2d"),
        (50 * 3600, "2d2h"),
        (8 * 86400, "8d"),
        (730 * 86400, "2y"),
        (731 * 86400, "2y1d"),
        (9 * 365 * 86400, "9y"),
    ],
)
def test_human_duration(seconds: int, text: str) -> None:
    """kubectl's AGE (apimachinery's ``duration.HumanDuration``), branch by branch."""
    assert human_duration(seconds) == text


def test_apply_from_standard_input(seed: Seed) -> None:
    r = tektite(seed.home, at(), "apply", "-f", "-", "-n", "team", input=FILE)
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[0] == "task.tekton.dev/greet created"
    assert seed.store.get("ConfigMap", "team", "settings") is not None
