"""``tektite task|taskrun|pipeline|pipelinerun delete``: tkn's delete, retention flags
and confirmation prompts (``pkg/cmd/*/delete.go``, ``pkg/options/delete.go``,
``pkg/deleter``), message for message.

Two tkn behaviours kept on purpose: runs still going are skipped by default
(``--ignore-running``), and the y/n prompt proceeds when standard input ends without an
answer, as tkn's does (give ``-f`` in scripts anyway).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

import click

from tektite.cli import formatting as fmt
from tektite.cli.common import fail, namespace_option, now, open_store
from tektite.cli.list_cmd import PIPELINE_LABEL, TASK_LABEL, task_ref_kind
from tektite.store.protocol import Store

Obj = dict[str, Any]
_F = TypeVar("_F", bound=Callable[..., Any])

_RESOURCE = {
    "Task": "tasks.tekton.dev",
    "TaskRun": "taskruns.tekton.dev",
    "Pipeline": "pipelines.tekton.dev",
    "PipelineRun": "pipelineruns.tekton.dev",
}


def quoted(names: list[str]) -> str:
    """tkn's ``names.QuotedList``: ``"a", "b"``."""
    return ", ".join(f'"{n}"' for n in names)


def _not_found(kind: str, name: str) -> str:
    return f'{_RESOURCE[kind]} "{name}" not found'


class Cancelled(click.ClickException):
    """The user answered ``n``."""


def take_input(resource: str, names: str) -> None:
    """tkn's ``TakeInput``: ``y`` goes on, ``n`` stops with an error, anything else asks
    again; the end of input goes on."""
    for line in sys.stdin:
        answer = line.strip()
        if answer == "y":
            return
        if answer == "n":
            raise Cancelled(f"canceled deleting {resource}(s) {names}")
        sys.stdout.write("Please enter (y/n): ")
        sys.stdout.flush()


@dataclass
class Options:
    """tkn's ``DeleteOptions`` (the fields these commands use)."""

    resource: str
    parent_resource: str = ""
    parent_name: str = ""
    force: bool = False
    delete_related: bool = False
    all_ns: bool = False
    keep: int = 0
    keep_since: int = 0
    ignore_running: bool = True
    label: str = ""

    def check(self, names: list[str], namespace: str) -> None:
        """``CheckOptions``: refuse contradictory flags, then ask unless forced."""
        if names and self.keep > 0:
            raise fail("--keep flag should not have any arguments specified with it")
        if (names and self.all_ns) or (self.all_ns and self.delete_related):
            raise fail("--all flag should not have any arguments or flags specified with it")
        if not names and self.parent_resource and not self.parent_name and not self.all_ns:
            raise fail(
                f"must provide {self.resource} name(s) or use --{self.parent_resource.lower()} "
                "flag or --all flag to use delete"
            )
        if not names and not self.parent_resource and not self.parent_name and not self.all_ns:
            raise fail(f"must provide {self.resource} name(s) or use --all flag with delete")
        if self.force:
            return
        listed = quoted(names)
        keep = ""
        if self.keep > 0:
            keep = f" keeping {self.keep} {self.resource}s"
        if self.keep_since > 0:
            keep = f" except for ones created in last {self.keep_since} minutes"
        if self.keep > 0 and self.keep_since > 0:
            keep = (
                f" except for ones created in last {self.keep_since} minutes and keeping "
                f"{self.keep} {self.resource}s"
            )
        r = self.resource
        if self.all_ns:
            question = f'Are you sure you want to delete all {r}s in namespace "{namespace}"{keep}'
        elif self.parent_resource and self.parent_name:
            question = (
                f"Are you sure you want to delete all {r}s related to {self.parent_resource} "
                f'"{self.parent_name}"{keep}'
            )
        elif self.delete_related:
            question = f"Are you sure you want to delete {r}(s) {listed} and related resources"
        else:
            question = f"Are you sure you want to delete {r}(s) {listed}"
        sys.stdout.write(question + " (y/n): ")
        sys.stdout.flush()
        take_input(r, listed)


@dataclass
class Deleter:
    """tkn's ``deleter.Deleter``: deletes, collects errors, reports successes."""

    store: Store
    namespace: str
    kind: str
    related_kind: str = ""
    errors: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    related_deleted: list[str] = field(default_factory=list)

    def _remove(self, kind: str, name: str) -> str | None:
        if self.store.delete(kind, self.namespace, name) is None:
            return _not_found(kind, name)
        return None

    def delete(self, names: list[str]) -> list[str]:
        """Delete each object of ``kind``; the names deleted."""
        for name in names:
            error = self._remove(self.kind, name)
            if error:
                self.errors.append(f'failed to delete {self.kind} "{name}": {error}')
            else:
                self.deleted.append(name)
        return self.deleted

    def delete_related(self, parents: list[str], related: dict[str, list[str]]) -> None:
        """Delete the runs ``related[parent]`` of each parent; none is an error."""
        for parent in parents:
            runs = related.get(parent) or []
            if not runs:
                self.errors.append(
                    f'no {self.related_kind}s associated with {self.kind} "{parent}"'
                )
                continue
            for run in runs:
                error = self._remove(self.related_kind, run)
                if error:
                    self.errors.append(f'failed to delete {self.related_kind} "{run}": {error}')
                else:
                    self.related_deleted.append(run)

    def print_successes(self) -> None:
        """``PrintSuccesses``: the related runs first, then the objects."""
        if self.related_deleted:
            click.echo(f"{self.related_kind}s deleted: {quoted(self.related_deleted)}")
        if self.deleted:
            click.echo(f"{self.kind}s deleted: {quoted(self.deleted)}")

    def error(self) -> str | None:
        """``multierr.Combine``: every error, ``; ``-separated."""
        return "; ".join(self.errors) or None


def existing(store: Store, kind: str, namespace: str, names: list[str]) -> tuple[list[str], str]:
    """The names that exist, and the not-found errors of the others."""
    found, errors = [], []
    for name in names:
        if store.get(kind, namespace, name) is None:
            errors.append(_not_found(kind, name))
        else:
            found.append(name)
    return found, "; ".join(errors)


# -- choosing runs to delete (allPipelineRunNames / allTaskRunNames) ------------------


def _conditions(run: Obj) -> list[Obj]:
    c = (run.get("status") or {}).get("conditions")
    return c if isinstance(c, list) else []


def _completion(run: Obj) -> datetime | None:
    return fmt.parse_time((run.get("status") or {}).get("completionTime"))


def _pr_finished_enough(run: Obj) -> bool:
    """tkn's ``--ignore-running`` filter for PipelineRuns."""
    for c in _conditions(run):
        if c.get("status") == "Unknown" or c.get("reason") in (
            "Running",
            "Pending",
            "PipelineRunPending",
            "Started",
        ):
            continue
        return True
    return False


def _by_age(
    runs: list[Obj], since: int, ignore_running: bool, at: datetime, skip_unconditioned: bool
) -> tuple[list[str], list[str]]:
    delete, keep = [], []
    for run in runs:
        if skip_unconditioned and not _conditions(run):
            continue
        done = _completion(run)
        expired = done is not None and at - done > timedelta(minutes=since)
        if (not ignore_running and done is None) or expired:
            delete.append(run["metadata"]["name"])
        else:
            keep.append(run["metadata"]["name"])
    return delete, keep


def _by_number(runs: list[Obj], keep: int) -> tuple[list[str], list[str]]:
    if keep > 0:
        runs = fmt.sort_newest_first(runs)
    names = [r["metadata"]["name"] for r in runs]
    return names[keep:] if keep > 0 else names, names[:keep] if keep > 0 else []


def select_runs(
    runs: list[Obj], keep: int, since: int, ignore_running: bool, at: datetime, pipeline_runs: bool
) -> tuple[list[str], list[str]]:
    """Which runs to delete and which to keep, by tkn's rules; ``runs`` are already
    filtered for running ones when ``ignore_running``."""
    if since > 0:
        delete, kept = _by_age(runs, since, ignore_running, at, pipeline_runs)
        if keep > 0 and len(kept) != keep:
            return _by_number(runs, keep)
        return delete, kept
    return _by_number(runs, keep)


def _owner_finished(store: Store, run: Obj) -> bool:
    """tkn's ``ownerPrFinished``: a TaskRun's PipelineRun has a completionTime (True
    for a TaskRun without one; False when it cannot be read)."""
    for ref in run["metadata"].get("ownerReferences") or []:
        if ref.get("kind") == "PipelineRun":
            pr = store.get("PipelineRun", run["metadata"].get("namespace"), ref.get("name", ""))
            return pr is not None and _completion(pr) is not None
    return True


def _candidates(
    store: Store,
    kind: str,
    namespace: str,
    selector: str,
    ignore_running: bool,
    ignore_running_owner: bool,
    task_kind_only: bool,
) -> list[Obj]:
    from tektite.store.errors import InvalidSelector

    try:
        runs = by_api_order(store.list(kind, namespace, label_selector=selector or None))
    except InvalidSelector as e:
        raise fail(str(e)) from None
    if kind == "PipelineRun":
        if ignore_running:
            runs = [r for r in runs if _pr_finished_enough(r)]
        return runs
    if task_kind_only:
        runs = [r for r in runs if task_ref_kind(r) == "Task"]
    if ignore_running_owner:
        runs = [r for r in runs if _owner_finished(store, r)]
    if ignore_running:
        runs = [r for r in runs if _completion(r) is not None]
    return runs


def by_api_order(objects: list[Obj]) -> list[Obj]:
    """The API server's list order (by name)."""
    return sorted(objects, key=lambda o: o["metadata"]["name"])


# -- TaskRun / PipelineRun delete -----------------------------------------------------


def _delete_runs(
    kind: str,
    names: list[str],
    o: Options,
    namespace: str,
    ignore_running_owner: bool,
) -> None:
    pr = kind == "PipelineRun"
    if o.keep < 0 and o.keep_since < 0:
        raise fail("keep and keep-since option should not be lower than 0")
    if o.keep < 0:
        raise fail("keep option should not be lower than 0")
    if o.keep_since < 0:
        raise fail(("keep-since" if pr else "since") + " option should not be lower than 0")
    if (o.keep > 0 or o.keep_since > 0) and not o.parent_name:
        o.all_ns = True
    if (o.keep > 0 or o.keep_since > 0) and o.all_ns and o.parent_name:
        raise fail(
            f"--keep or --keep-since, --all and --{o.parent_resource.lower()} cannot be used "
            "together"
        )
    at = now()
    with open_store() as store:
        available, missing = existing(store, kind, namespace, names)
        if not available and missing:
            raise fail(missing)
        o.check(available, namespace)
        parent_label = PIPELINE_LABEL if pr else TASK_LABEL
        if o.all_ns:
            d = Deleter(store, namespace, kind)
            runs = _candidates(
                store, kind, namespace, o.label, o.ignore_running, ignore_running_owner, False
            )
            delete, kept = select_runs(runs, o.keep, o.keep_since, o.ignore_running, at, pr)
            d.delete(delete)
            if d.error() is None:
                click.echo(_all_message(kind, o, namespace, len(delete), len(kept)))
        elif not o.parent_name:
            d = Deleter(store, namespace, kind)
            chosen = available
            if not pr:
                chosen = []
                for name in available:
                    tr = store.get(kind, namespace, name)
                    if tr is None:
                        raise fail("failed to get taskrun")
                    if not _owner_finished(store, tr):
                        if o.force:
                            click.echo(
                                f"warning: Taskrun {name} related pipelinerun still running."
                            )
                        else:
                            sys.stdout.write(
                                f"TaskRun(s): {name} attached to PipelineRun is still running "
                                "deleting will restart the completed taskrun. Proceed (y/n): "
                            )
                            sys.stdout.flush()
                            try:
                                take_input(kind, "")
                            except Cancelled:
                                continue
                    chosen.append(name)
            d.delete(chosen)
            if d.error() is None:
                d.print_successes()
        else:
            d = Deleter(store, namespace, o.parent_resource, related_kind=kind)
            selector = f"{parent_label}={o.parent_name}"
            runs = _candidates(
                store, kind, namespace, selector, o.ignore_running, ignore_running_owner, not pr
            )
            delete, kept = select_runs(runs, o.keep, o.keep_since, o.ignore_running, at, pr)
            if not delete and o.keep > 0 and o.keep == len(kept):
                click.echo(
                    f"Associated {kind} ({len(kept)}) for {o.parent_resource}:{o.parent_name} "
                    f"is/are equal to keep ({o.keep}) "
                )
                return
            if o.keep > len(kept):
                click.echo(
                    f"There is/are only {len(kept)} {kind}(s) associated for "
                    f"{o.parent_resource}: {o.parent_name} "
                )
                return
            d.delete_related([o.parent_name], {o.parent_name: delete})
            if d.error() is None:
                click.echo(_parent_message(kind, o, namespace, len(delete)))
        error = d.error()
    if error:
        raise fail(error)
    if missing:
        raise fail(missing)


def _all_message(kind: str, o: Options, ns: str, deleted: int, kept: int) -> str:
    """The summary line of ``--all``/``--keep``/``--keep-since`` (tkn's wording, quirks
    included: ``Taskruns``, counts only for TaskRuns)."""
    runs = f"{kind}s" if kind == "PipelineRun" else "Taskruns"
    if o.keep > 0 and o.keep_since > 0 and not o.ignore_running:
        return f'{deleted} {kind}s has been deleted in namespace "{ns}", kept {kept}'
    if o.keep > 0 and not o.ignore_running:
        return f'All but {o.keep} {kind}s deleted in namespace "{ns}"'
    if o.keep_since > 0 and not o.ignore_running:
        return f'{deleted} expired {runs} has been deleted in namespace "{ns}", kept {kept}'
    if o.keep > 0 and o.keep_since > 0:
        return f'{deleted} {kind}s(Completed) has been deleted in namespace "{ns}", kept {kept}'
    if o.keep > 0:
        return f'All but {o.keep} {kind}s(Completed) deleted in namespace "{ns}"'
    if o.keep_since > 0:
        return (
            f'{deleted} expired {runs}(Completed) has been deleted in namespace "{ns}", kept {kept}'
        )
    count = "" if kind == "PipelineRun" else f"{deleted} "
    if not o.ignore_running:
        return f'All {count}{kind}s deleted in namespace "{ns}"'
    return f'All {count}{kind}s(Completed) deleted in namespace "{ns}"'


def _parent_message(kind: str, o: Options, ns: str, deleted: int) -> str:
    """The summary line of ``-p PIPELINE`` / ``-t TASK`` (tkn's cases, in its order)."""
    parent, name = o.parent_resource, o.parent_name
    of = f'associated with {parent} "{name}"'
    of_quoted = f'associated with "{parent}" "{name}"'  # tkn's %q on the kind here
    where = f'in namespace "{ns}"'
    keep, since, running = o.keep > 0, o.keep_since > 0, not o.ignore_running
    if kind == "PipelineRun":
        cases = [
            (keep and since and running, f"{deleted} PipelineRuns {of} has been deleted {where}"),
            (keep and running, f"All but {o.keep} PipelineRuns {of} deleted {where}"),
            (running, f"All PipelineRuns {of} deleted {where}"),
            (keep and since, f"{deleted} PipelineRuns(Completed) {of} has been deleted {where}"),
            (keep, f"All but {o.keep} PipelineRuns(Completed) {of} deleted {where}"),
            (since, f"All but {deleted} expired PipelineRuns(Completed) {of} deleted {where}"),
        ]
        fallback = f"All PipelineRuns(Completed) {of} deleted {where}"
    else:
        cases = [
            (keep and since and running, f"{deleted} TaskRuns {of} has been deleted {where}"),
            (keep and running, f"All but {o.keep} TaskRuns {of} deleted {where}"),
            (since and running, f"All but {deleted} expired TaskRuns {of_quoted} deleted {where}"),
            (running, f"All {deleted} TaskRuns {of} deleted {where}"),
            (keep and since, f"{deleted} TaskRuns(Completed) {of} has been deleted {where}"),
            (keep, f"All but {o.keep} TaskRuns(Completed) {of} deleted {where}"),
            (since, f"All but {deleted} expired TaskRuns {of_quoted} deleted {where}"),
        ]
        fallback = f"All {deleted} TaskRuns(Completed) {of} deleted {where}"
    return next((text for when, text in cases if when), fallback)


_FORCE = click.option("-f", "--force", is_flag=True, help="Delete without asking.")
_KEEP = click.option("--keep", default=0, type=int, help="Keep the N most recent runs.")
_KEEP_SINCE = click.option(
    "--keep-since",
    default=0,
    type=int,
    metavar="MINUTES",
    help="When deleting all runs, keep those completed in the last MINUTES.",
)


def _ignore_running(kind: str) -> Callable[[_F], _F]:
    return click.option(
        "-i",
        "--ignore-running",
        type=bool,
        default=True,
        show_default=True,
        help=f"Ignore running {kind}s (pass -i false to delete them too).",
    )


@click.command(name="delete")
@click.argument("names", nargs=-1)
@_FORCE
@click.option(
    "-p",
    "--pipeline",
    default="",
    help="Delete the PipelineRuns of this Pipeline (not the Pipeline).",
)
@_KEEP
@_KEEP_SINCE
@_ignore_running("PipelineRun")
@click.option("--all", "all_", is_flag=True, help="Delete all PipelineRuns in a namespace.")
@click.option("-l", "--label", default="", help="A selector (label query) to filter on with --all.")
@namespace_option
def pipelinerun_delete(
    names: tuple[str, ...],
    force: bool,
    pipeline: str,
    keep: int,
    keep_since: int,
    ignore_running: bool,
    all_: bool,
    label: str,
    namespace: str,
) -> None:
    """Delete PipelineRuns in a namespace."""
    o = Options(
        "PipelineRun",
        parent_resource="Pipeline",
        parent_name=pipeline,
        force=force,
        all_ns=all_,
        keep=keep,
        keep_since=keep_since,
        ignore_running=ignore_running,
        label=label,
    )
    _delete_runs("PipelineRun", list(names), o, namespace, ignore_running_owner=False)


@click.command(name="delete")
@click.argument("names", nargs=-1)
@_FORCE
@click.option("-t", "--task", default="", help="Delete the TaskRuns of this Task (not the Task).")
@click.option("--all", "all_", is_flag=True, help="Delete all TaskRuns in a namespace.")
@_KEEP
@_KEEP_SINCE
@_ignore_running("TaskRun")
@click.option(
    "--ignore-running-pipelinerun",
    type=bool,
    default=True,
    show_default=True,
    help="Ignore TaskRuns of a PipelineRun that is still running.",
)
@namespace_option
def taskrun_delete(
    names: tuple[str, ...],
    force: bool,
    task: str,
    all_: bool,
    keep: int,
    keep_since: int,
    ignore_running: bool,
    ignore_running_pipelinerun: bool,
    namespace: str,
) -> None:
    """Delete TaskRuns in a namespace."""
    o = Options(
        "TaskRun",
        parent_resource="Task" if task else "",
        parent_name=task,
        force=force,
        all_ns=all_,
        keep=keep,
        keep_since=keep_since,
        ignore_running=ignore_running,
    )
    _delete_runs("TaskRun", list(names), o, namespace, ignore_running_pipelinerun)


# -- Task / Pipeline delete -----------------------------------------------------------


def _delete_definitions(
    kind: str, run_kind: str, label: str, names: list[str], o: Options, namespace: str
) -> None:
    with open_store() as store:
        available, missing = existing(store, kind, namespace, names)
        if not available and missing:
            raise fail(missing)
        o.check(available, namespace)
        d = Deleter(store, namespace, kind, related_kind=run_kind)
        if o.all_ns:
            d.delete(sorted(x["metadata"]["name"] for x in store.list(kind, namespace)))
        elif o.delete_related:
            # The runs are listed before their definition goes, as tkn's lister does.
            related = {}
            for name in available:
                runs = store.list(run_kind, namespace, label_selector=f"{label}={name}")
                if run_kind == "TaskRun":
                    runs = [r for r in runs if task_ref_kind(r) == "Task"]
                related[name] = [r["metadata"]["name"] for r in by_api_order(runs)]
            deleted = d.delete(available)
            d.delete_related(list(deleted), related)
        else:
            d.delete(available)
        if not o.all_ns:
            d.print_successes()
        elif d.error() is None:
            click.echo(f'All {kind}s deleted in namespace "{namespace}"')
        error = d.error()
    if error:
        raise fail(error)
    if missing:
        raise fail(missing)


@click.command(name="delete")
@click.argument("names", nargs=-1)
@_FORCE
@click.option("--trs", is_flag=True, help="Also delete the Task(s)' TaskRuns.")
@click.option("--all", "all_", is_flag=True, help="Delete all Tasks in a namespace.")
@namespace_option
def task_delete(names: tuple[str, ...], force: bool, trs: bool, all_: bool, namespace: str) -> None:
    """Delete Tasks in a namespace."""
    o = Options("Task", force=force, delete_related=trs, all_ns=all_)
    _delete_definitions("Task", "TaskRun", TASK_LABEL, list(names), o, namespace)


@click.command(name="delete")
@click.argument("names", nargs=-1)
@_FORCE
@click.option("--prs", is_flag=True, help="Also delete the Pipeline(s)' PipelineRuns.")
@click.option("--all", "all_", is_flag=True, help="Delete all Pipelines in a namespace.")
@namespace_option
def pipeline_delete(
    names: tuple[str, ...], force: bool, prs: bool, all_: bool, namespace: str
) -> None:
    """Delete Pipelines in a namespace."""
    o = Options("Pipeline", force=force, delete_related=prs, all_ns=all_)
    _delete_definitions("Pipeline", "PipelineRun", PIPELINE_LABEL, list(names), o, namespace)
