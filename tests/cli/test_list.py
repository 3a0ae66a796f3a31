"""``tektite task|taskrun|pipeline|pipelinerun list`` against a real SqliteStore.

The scenarios and expected texts are tkn's own (``pkg/cmd/*/list_test.go`` and their
``testdata/*.golden``), so the tables, ages, durations and statuses are byte for byte
what tkn prints for the same objects.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.cli.seed import Seed, at, cond, tektite, ts


@pytest.fixture
def seed(tmp_path: Path) -> Iterator[Seed]:
    s = Seed(tmp_path / "home")
    yield s
    s.close()


def _pipelineruns(seed: Seed) -> None:
    """TestListPipelineRuns: the clock is advanced one hour after these start times."""
    pr1 = at(seconds=10)
    pr2 = at(hours=-2)
    pr3 = at(hours=-1)
    seed.add("PipelineRun", "pr0-1", "namespace", labels={"tekton.dev/pipeline": "random"})
    seed.add(
        "PipelineRun",
        "pr1-1",
        "namespace",
        labels={"tekton.dev/pipeline": "pipeline"},
        status={
            "conditions": cond("True", "Succeeded"),
            "startTime": ts(pr1),
            "completionTime": ts(at(seconds=70)),
        },
    )
    seed.add(
        "PipelineRun",
        "pr2-1",
        "namespace",
        labels={"tekton.dev/pipeline": "random"},
        status={"conditions": cond("True", "Running"), "startTime": ts(pr2)},
    )
    seed.add(
        "PipelineRun",
        "pr2-2",
        "namespace",
        labels={"tekton.dev/pipeline": "random", "viva": "galapagos"},
        status={
            "conditions": cond("False", "Failed"),
            "startTime": ts(pr3),
            "completionTime": ts(at(hours=-1, minutes=1)),
        },
    )
    seed.add(
        "PipelineRun",
        "pr3-1",
        "namespace",
        labels={"tekton.dev/pipeline": "random", "viva": "wakanda"},
    )


NOW = at(hours=1)

ALL_IN_NAMESPACE = """\
NAME    STARTED          DURATION   STATUS
pr0-1   ---              ---        ---
pr3-1   ---              ---        ---
pr1-1   59 minutes ago   1m0s       Succeeded
pr2-2   2 hours ago      1m0s       Failed
pr2-1   3 hours ago      ---        Succeeded(Running)
"""


def test_pipelineruns_all_in_namespace(seed: Seed) -> None:
    """TestListPipelineRuns-all_in_namespace.golden; also through the aliases."""
    _pipelineruns(seed)
    for group, verb in [("pipelinerun", "list"), ("pr", "ls"), ("pipelineruns", "list")]:
        result = tektite(seed.home, NOW, group, verb, "-n", "namespace")
        assert result.exit_code == 0, result.output
        assert result.stdout == ALL_IN_NAMESPACE


def test_pipelineruns_group_level_namespace(seed: Seed) -> None:
    """tkn's -n is a persistent flag of the group: ``pr -n ns ls`` works too."""
    _pipelineruns(seed)
    assert tektite(seed.home, NOW, "pr", "-n", "namespace", "ls").stdout == ALL_IN_NAMESPACE


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["pipeline"],
            "NAME    STARTED          DURATION   STATUS\n"
            "pr1-1   59 minutes ago   1m0s       Succeeded\n",
        ),
        (
            ["-o", "name"],
            "pipelinerun.tekton.dev/pr0-1\npipelinerun.tekton.dev/pr3-1\n"
            "pipelinerun.tekton.dev/pr1-1\npipelinerun.tekton.dev/pr2-2\n"
            "pipelinerun.tekton.dev/pr2-1\n",
        ),
        (
            ["--label", "viva=wakanda"],
            "NAME    STARTED   DURATION   STATUS\npr3-1   ---       ---        ---\n",
        ),
        (
            ["-l", "viva in (wakanda,galapagos)"],
            "NAME    STARTED       DURATION   STATUS\n"
            "pr3-1   ---           ---        ---\n"
            "pr2-2   2 hours ago   1m0s       Failed\n",
        ),
        (["--limit", "7"], ALL_IN_NAMESPACE),
        (
            ["--limit", "1"],
            "NAME    STARTED   DURATION   STATUS\npr0-1   ---       ---        ---\n",
        ),
        (
            ["--reverse"],
            "NAME    STARTED          DURATION   STATUS\n"
            "pr2-1   3 hours ago      ---        Succeeded(Running)\n"
            "pr2-2   2 hours ago      1m0s       Failed\n"
            "pr1-1   59 minutes ago   1m0s       Succeeded\n"
            "pr3-1   ---              ---        ---\n"
            "pr0-1   ---              ---        ---\n",
        ),
        (
            ["--no-headers"],
            "pr0-1   ---              ---    ---\n"
            "pr3-1   ---              ---    ---\n"
            "pr1-1   59 minutes ago   1m0s   Succeeded\n"
            "pr2-2   2 hours ago      1m0s   Failed\n"
            "pr2-1   3 hours ago      ---    Succeeded(Running)\n",
        ),
    ],
    ids=[
        "by-pipeline",
        "output-name",
        "label",
        "label-in",
        "limit-over",
        "limit-1",
        "reverse",
        "no-headers",
    ],
)
def test_pipelinerun_list_variants(seed: Seed, args: list[str], expected: str) -> None:
    """The other TestListPipelineRuns cases, each against its golden file."""
    _pipelineruns(seed)
    result = tektite(seed.home, NOW, "pr", "list", "-n", "namespace", *args)
    assert result.exit_code == 0, result.output
    assert result.stdout == expected


def test_pipelinerun_list_errors(seed: Seed) -> None:
    """tkn's error lines; no traceback, a non-zero exit."""
    _pipelineruns(seed)
    cases = {
        ("--limit", "-1"): "Error: limit was -1 but must be a positive number\n",
        ("pipeline", "--label", "a=b"): (
            "Error: failed to list PipelineRuns from namespace namespace: "
            "specifying a Pipeline and labels are not compatible\n"
        ),
        ("-l", "viva in (wakanda"): (
            "Error: failed to list PipelineRuns from namespace namespace: "
            "unable to parse requirement: found '', expected: ',' or ')'\n"
        ),
    }
    for args, message in cases.items():
        result = tektite(seed.home, NOW, "pr", "list", "-n", "namespace", *args)
        assert result.exit_code == 1
        assert result.stderr == message


def test_empty_lists(seed: Seed) -> None:
    """TestListPipelineRuns-Invalid_namespace.golden and the other kinds' wording."""
    for group, message in [
        ("pr", "No PipelineRuns found\n"),
        ("tr", "No TaskRuns found\n"),
        ("t", "No Tasks found\n"),
        ("p", "No Pipelines found\n"),
    ]:
        result = tektite(seed.home, NOW, group, "list", "-n", "invalid")
        assert (result.exit_code, result.stdout) == (0, message)


def test_pipelineruns_all_namespaces(seed: Seed) -> None:
    """-A adds a NAMESPACE column and sorts by namespace first."""
    _pipelineruns(seed)
    seed.add("PipelineRun", "pr4-1", "namespace-tout")
    seed.add("PipelineRun", "pr4-2", "namespace-lacher")
    result = tektite(seed.home, NOW, "pr", "list", "-A")
    assert result.stdout == (
        "NAMESPACE          NAME    STARTED          DURATION   STATUS\n"
        "namespace          pr0-1   ---              ---        ---\n"
        "namespace          pr3-1   ---              ---        ---\n"
        "namespace          pr1-1   59 minutes ago   1m0s       Succeeded\n"
        "namespace          pr2-2   2 hours ago      1m0s       Failed\n"
        "namespace          pr2-1   3 hours ago      ---        Succeeded(Running)\n"
        "namespace-lacher   pr4-2   ---              ---        ---\n"
        "namespace-tout     pr4-1   ---              ---        ---\n"
    )


def test_pipelinerun_list_json_and_yaml(seed: Seed) -> None:
    """-o json|yaml print a PipelineRunList of the stored objects, in list order."""
    _pipelineruns(seed)
    result = tektite(seed.home, NOW, "pr", "list", "-n", "namespace", "-o", "json", "--limit", "2")
    doc = json.loads(result.stdout)
    assert doc["kind"] == "PipelineRunList"
    assert [i["metadata"]["name"] for i in doc["items"]] == ["pr0-1", "pr3-1"]
    yaml_out = tektite(seed.home, NOW, "pr", "list", "-n", "namespace", "-o", "yaml").stdout
    assert yaml_out.startswith("apiVersion: tekton.dev/v1\nitems:\n")
    assert "status:\n    conditions:" in yaml_out


def _taskruns(seed: Seed) -> None:
    """TestListTaskRuns (its clock too is advanced one hour)."""
    ref = {"kind": "Task"}
    seed.add(
        "TaskRun",
        "tr0-1",
        "foo",
        labels={"tekton.dev/task": "random"},
        spec={"taskRef": {"name": "random", **ref}},
        status={"conditions": cond("True", "Succeeded")},
    )
    seed.add(
        "TaskRun",
        "tr1-1",
        "foo",
        labels={"tekton.dev/task": "bar"},
        spec={"taskRef": {"name": "bar", **ref}},
        status={
            "conditions": cond("True", "Succeeded"),
            "startTime": ts(at()),
            "completionTime": ts(at(minutes=1)),
        },
    )
    seed.add(
        "TaskRun",
        "tr2-1",
        "foo",
        labels={"tekton.dev/task": "random"},
        spec={"taskRef": {"name": "random", **ref}},
        status={"conditions": cond("Unknown", "Running"), "startTime": ts(at())},
    )
    seed.add(
        "TaskRun",
        "tr2-2",
        "foo",
        labels={"tekton.dev/task": "random", "pot": "nutella"},
        spec={"taskRef": {"name": "random", **ref}},
        status={
            "conditions": cond("False", "Failed"),
            "startTime": ts(at(minutes=1)),
            "completionTime": ts(at(minutes=2)),
        },
    )
    seed.add(
        "TaskRun",
        "tr3-1",
        "foo",
        labels={"tekton.dev/task": "random", "pot": "honey"},
        spec={"taskRef": {"name": "random", **ref}},
        status={"conditions": cond("False", "Failed")},
    )


def test_taskruns(seed: Seed) -> None:
    """TestListTaskRuns-all_in_namespace.golden and -by_Task_name.golden."""
    _taskruns(seed)
    result = tektite(seed.home, NOW, "tr", "list", "-n", "foo")
    assert result.stdout == (
        "NAME    STARTED          DURATION   STATUS\n"
        "tr0-1   ---              ---        Succeeded\n"
        "tr3-1   ---              ---        Failed\n"
        "tr2-2   59 minutes ago   1m0s       Failed\n"
        "tr1-1   1 hour ago       1m0s       Succeeded\n"
        "tr2-1   1 hour ago       ---        Running\n"
    )
    result = tektite(seed.home, NOW, "taskrun", "ls", "bar", "-n", "foo")
    assert result.stdout == (
        "NAME    STARTED      DURATION   STATUS\ntr1-1   1 hour ago   1m0s       Succeeded\n"
    )
    result = tektite(seed.home, NOW, "tr", "ls", "-n", "foo", "-o", "name", "--limit", "1")
    assert result.stdout == "taskrun.tekton.dev/tr0-1\n"
    # FilterByRef: a run labelled with the Task but not referring to a Task is left out.
    seed.add(
        "TaskRun",
        "tr-embedded",
        "foo",
        labels={"tekton.dev/task": "bar"},
        spec={"taskSpec": {"steps": []}},
    )
    result = tektite(seed.home, NOW, "taskrun", "ls", "bar", "-n", "foo", "-o", "name")
    assert result.stdout == "taskrun.tekton.dev/tr1-1\n"


def test_statuses_render_as_tkn(seed: Seed) -> None:
    """formatted.Condition's special reasons: cancelled, stopping, pending."""
    cases = [
        ("c1", cond("False", "PipelineRunCancelled"), "Cancelled(PipelineRunCancelled)"),
        ("c2", cond("False", "Cancelled"), "Cancelled"),
        ("c3", cond("Unknown", "PipelineRunStopping"), "Failed(PipelineRunStopping)"),
        ("c4", cond("Unknown", "PipelineRunPending"), "Pending"),
        ("c5", cond("Unknown", "ExceededNodeResources"), "Pending(ExceededNodeResources)"),
        ("c6", cond("True", "Completed"), "Succeeded"),
        ("c7", cond("False", "PipelineRunTimeout"), "Failed(PipelineRunTimeout)"),
    ]
    for name, c, _ in cases:
        seed.add("PipelineRun", name, status={"conditions": c})
    out = tektite(seed.home, NOW, "pr", "list", "-n", "ns").stdout.splitlines()[1:]
    assert [line.split()[-1] for line in out] == [want for *_, want in cases]


def test_ages_and_durations(seed: Seed) -> None:
    """durafmt's largest unit (singular/plural, weeks, years) and Go durations."""
    now = at(days=800)
    spans = [
        ("a", at(days=800, seconds=-1), 1.5, "1 second ago", "1s"),
        ("b", at(days=800, hours=-1), 3723, "1 hour ago", "1h2m3s"),
        ("c", at(days=799), 0, "1 day ago", "0s"),
        ("d", at(days=786), 60, "2 weeks ago", "1m0s"),
        ("e", at(), 7200, "2 years ago", "2h0m0s"),
    ]
    for name, start, secs, _, _ in spans:
        seed.add(
            "TaskRun",
            name,
            status={
                "conditions": cond("True", "Succeeded"),
                "startTime": ts(start),
                "completionTime": ts(start + timedelta(seconds=secs)),
            },
        )
    rows = tektite(seed.home, now, "tr", "list", "-n", "ns").stdout.splitlines()[1:]
    got = {r.split()[0]: r.split("   ") for r in rows}
    for name, _, _, age, dur in spans:
        cells = [c.strip() for c in got[name] if c.strip()]
        assert cells[1:3] == [age, dur], (name, cells)


def test_tasks(seed: Seed) -> None:
    """TestTaskList_Only_Tasks.golden (and -all_namespaces, -no_headers)."""
    now = at(days=30)
    old = at(days=30, weeks=-3, hours=-1)
    for ns, names in [
        ("namespace", ["tomatoes", "mangoes", "apples", "bananas", "onions", "potatoes"]),
        ("espace-de-nom", ["tomates", "mangues", "pommes", "bananes", "oignons", "patates"]),
    ]:
        tomatoes, mangoes, apples, bananas, onions, potatoes = names
        seed.add("Task", tomatoes, ns, created=at(days=30, minutes=-1))
        seed.add("Task", mangoes, ns, created=at(days=30, seconds=-20))
        seed.add("Task", apples, ns, created=old)
        seed.add("Task", bananas, ns, created=old)
        seed.add(
            "Task", onions, ns, created=old, spec={"description": "a test task to test description"}
        )
        seed.add("Task", potatoes, ns, created=old, spec={"description": "a test task"})
    assert tektite(seed.home, now, "t", "ls", "-n", "namespace").stdout == (
        "NAME       DESCRIPTION              AGE\n"
        "apples                              3 weeks ago\n"
        "bananas                             3 weeks ago\n"
        "mangoes                             20 seconds ago\n"
        "onions     a test task to test...   3 weeks ago\n"
        "potatoes   a test task              3 weeks ago\n"
        "tomatoes                            1 minute ago\n"
    )
    assert tektite(seed.home, now, "task", "list", "-A", "--no-headers").stdout == (
        "espace-de-nom   bananes                             3 weeks ago\n"
        "espace-de-nom   mangues                             20 seconds ago\n"
        "espace-de-nom   oignons    a test task to test...   3 weeks ago\n"
        "espace-de-nom   patates    a test task              3 weeks ago\n"
        "espace-de-nom   pommes                              3 weeks ago\n"
        "espace-de-nom   tomates                             1 minute ago\n"
        "namespace       apples                              3 weeks ago\n"
        "namespace       bananas                             3 weeks ago\n"
        "namespace       mangoes                             20 seconds ago\n"
        "namespace       onions     a test task to test...   3 weeks ago\n"
        "namespace       potatoes   a test task              3 weeks ago\n"
        "namespace       tomatoes                            1 minute ago\n"
    )


def test_pipelines_with_last_run(seed: Seed) -> None:
    """TestPipelinesList_with_single_run.golden; a Pipeline without runs gets ---."""
    seed.add("Pipeline", "pipeline", created=at())
    seed.add("Pipeline", "unused", created=at())
    seed.add(
        "PipelineRun",
        "pipeline-run-0",
        labels={"tekton.dev/pipeline": "pipeline"},
        created=at(minutes=1),
        status={
            "conditions": cond("False", "Failed"),
            "startTime": ts(at(minutes=1)),
            "completionTime": ts(at(minutes=2)),
        },
    )
    seed.add(
        "PipelineRun",
        "pipeline-run-1",
        labels={"tekton.dev/pipeline": "pipeline"},
        created=at(minutes=5),
        status={
            "conditions": cond("True", "Succeeded"),
            "startTime": ts(at(minutes=5)),
            "completionTime": ts(at(minutes=15)),
        },
    )
    result = tektite(seed.home, at(minutes=20), "p", "ls", "-n", "ns")
    assert result.stdout == (
        "NAME       AGE              LAST RUN         STARTED          DURATION   STATUS\n"
        "pipeline   20 minutes ago   pipeline-run-1   15 minutes ago   10m0s      Succeeded\n"
        "unused     20 minutes ago   ---              ---              ---        ---\n"
    )


def test_pipelinerun_list_jsonpath(seed: Seed, tmp_path: Path) -> None:
    """-o jsonpath=… runs the template once on the PipelineRunList and prints its text
    as it is (no newline added), as tkn's printer flags do; jsonpath-as-json and
    jsonpath-file too."""
    _pipelineruns(seed)
    names = "{.items[*].metadata.name}"
    result = tektite(seed.home, NOW, "pr", "list", "-n", "namespace", "-o", f"jsonpath={names}")
    assert (result.exit_code, result.stdout) == (0, "pr0-1 pr3-1 pr1-1 pr2-2 pr2-1")
    template = (
        '{range .items[?(@.status.conditions[0].status=="False")]}{.metadata.name}{"\\n"}{end}'
    )
    failed = tektite(seed.home, NOW, "pr", "list", "-n", "namespace", "-o", f"jsonpath={template}")
    assert failed.stdout == "pr2-2\n"
    as_json = tektite(
        seed.home,
        NOW,
        "pr",
        "list",
        "-n",
        "namespace",
        "--limit",
        "1",
        "-o",
        f"jsonpath-as-json={names}",
    )
    assert json.loads(as_json.stdout) == ["pr0-1"]
    file = tmp_path / "template"
    file.write_text("{.kind}")
    from_file = tektite(
        seed.home, NOW, "pr", "list", "-n", "namespace", "-o", f"jsonpath-file={file}"
    )
    assert from_file.stdout == "PipelineRunList"


@pytest.mark.parametrize(
    ("output", "message"),
    [
        (
            "xml",
            'unable to match a printer suitable for the output format "xml", allowed formats '
            "are: go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,"
            "name,template,templatefile,yaml",
        ),
        (
            "custom-columns=NAME:.metadata.name",
            "unable to match a printer suitable for the output format "
            '"custom-columns=NAME:.metadata.name", allowed formats are: go-template,'
            "go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,"
            "templatefile,yaml",
        ),
        ("jsonpath", "template format specified but no template given"),
        ("jsonpath={.items[}", "error parsing jsonpath {.items[}, unterminated array"),
        (
            "jsonpath-file=/nonexistent/t",
            "error reading --template /nonexistent/t, "
            "open /nonexistent/t: no such file or directory",
        ),
        (
            "jsonpath={.kind[0]}",
            'error executing jsonpath "{.kind[0]}": Error executing template: string is not '
            "array or slice. Printing more information for debugging the template:\n"
            "\ttemplate was:\n\t\t{.kind[0]}\n\tobject given to jsonpath engine was:\n",
        ),
    ],
)
def test_a_bad_output_format_is_refused_as_tkn_refuses_it(
    seed: Seed, output: str, message: str
) -> None:
    _pipelineruns(seed)
    result = tektite(seed.home, NOW, "pr", "list", "-n", "namespace", "-o", output)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"Error: {message}")
