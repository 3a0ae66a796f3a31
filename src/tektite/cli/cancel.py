"""``tektite taskrun cancel NAME`` / ``tektite pipelinerun cancel NAME [--grace …]``:
tkn's ``cancel``, which sets the run's ``spec.status``; the controller (``tektite
serve``, or whichever command runs it) then stops the run as Tekton does."""

from __future__ import annotations

import click

from tektite.cli.common import namespace_option, open_store

_GRACE = {"cancelledrunfinally": "CancelledRunFinally", "stoppedrunfinally": "StoppedRunFinally"}


def cancel_run(kind: str, namespace: str, name: str, status: str) -> None:
    """tkn's ``cancelTaskRun`` / ``cancelPipelineRun``: refuse a finished run, else
    patch ``spec.status`` (a conflicting concurrent update is retried)."""
    from tektite.store.errors import Conflict

    with open_store() as store:
        for _ in range(5):
            run = store.get(kind, namespace, name)
            if run is None:
                raise click.ClickException(f"failed to find {kind}: {name}")
            conditions = (run.get("status") or {}).get("conditions") or ()
            if conditions and conditions[0].get("status") != "Unknown":
                raise click.ClickException(
                    f"failed to cancel {kind} {name}: {kind} has already finished execution"
                )
            run.setdefault("spec", {})["status"] = status
            try:
                store.update(run)
            except Conflict:
                continue  # the controller updated it meanwhile: read it again
            break
        else:
            raise click.ClickException(f"failed to cancel {kind}: {name}: too many conflicts")
    click.echo(f"{kind} cancelled: {name}")


@click.command("cancel")
@click.argument("name")
@namespace_option
def taskrun_cancel(name: str, namespace: str) -> None:
    """Cancel a TaskRun in a namespace."""
    cancel_run("TaskRun", namespace, name, "TaskRunCancelled")


@click.command("cancel")
@click.argument("name")
@click.option(
    "--grace",
    default="",
    help="Gracefully cancel a PipelineRun: CancelledRunFinally cancels the running tasks "
    "and runs the finally tasks; StoppedRunFinally lets the running tasks end, runs no "
    "new ones, then runs the finally tasks.",
)
@namespace_option
def pipelinerun_cancel(name: str, grace: str, namespace: str) -> None:
    """Cancel a PipelineRun in a namespace."""
    # tkn: any other --grace value means a plain cancel.
    cancel_run("PipelineRun", namespace, name, _GRACE.get(grace.lower(), "Cancelled"))
