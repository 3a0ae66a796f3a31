"""From the Pod Tekton builds to the Pod the API server stores, over plain objects.

Around ``build_pod`` the TaskRun reconciler needs what only the cluster knows: the run's
ServiceAccount, its Secrets and the namespace's LimitRanges (:class:`AccountObjects`,
read by the controller). With them:

* :func:`creds_for_run` is Tekton's ``credsInit`` (the entrypoint flags and Secret
  volumes of annotated Secrets);
* :func:`complete_pod` applies Tekton's LimitRange transformer (the end of
  ``Builder.Build``) and then what the API server does when the Pod is created:
  ServiceAccount admission (``imagePullSecrets``) and LimitRanger defaults;
* :func:`pod_creation_failure` turns a failed build into the TaskRun's reason and
  message, as ``handlePodCreationError`` does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tektite.api.config import FeatureFlags
from tektite.api.copying import copy_json
from tektite.api.models import TaskRun
from tektite.engine.creds import (
    DEFAULT_SERVICE_ACCOUNT,
    CredsInitError,
    CredsInitResult,
    admit_service_account_in_place,
    creds_init,
    service_account_not_found,
)
from tektite.engine.limitrange import (
    admit_pod_in_place,
    default_limit_range,
    transform_pod_in_place,
    virtual_limit_range,
)

__all__ = [
    "TASKRUN_VALIDATION_FAILED",
    "AccountObjects",
    "complete_pod",
    "creds_for_run",
    "pod_creation_failure",
]

TASKRUN_VALIDATION_FAILED = "TaskRun validation failed"
"""What ``isTaskRunValidationFailed`` looks for in a pod creation error."""
_REASON_VALIDATION = "TaskRunValidationFailed"
_REASON_POD_CREATION = "PodCreationFailed"


@dataclass(frozen=True)
class AccountObjects:
    """The cluster objects a TaskRun's Pod depends on, as stored (plain JSON)."""

    service_account_name: str
    """The run's ``serviceAccountName`` (``default`` when it names none)."""
    service_account: Mapping[str, Any] | None
    """None when there is no such ServiceAccount."""
    secrets: Mapping[str, Mapping[str, Any] | None] = field(default_factory=dict)
    """The Secrets the ServiceAccount lists, by name (None: missing)."""
    limit_ranges: Sequence[Mapping[str, Any]] = ()
    """The namespace's LimitRanges, as written (the API server's defaulting is applied
    here)."""


def creds_for_run(objects: AccountObjects, features: FeatureFlags) -> CredsInitResult:
    """``credsInit`` for the run. The ``default`` ServiceAccount exists in every
    Kubernetes namespace, so a missing one counts as one without Secrets; another
    missing account raises :class:`CredsInitError` with the API server's NotFound."""
    if features.disable_creds_init:
        return creds_init({}, {}, features)
    account = objects.service_account
    if account is None:
        if objects.service_account_name not in ("", DEFAULT_SERVICE_ACCOUNT):
            raise CredsInitError(service_account_not_found(objects.service_account_name))
        account = {}
    return creds_init(account, objects.secrets, features)


def complete_pod(pod: Mapping[str, Any], objects: AccountObjects) -> dict[str, Any]:
    """Tekton's LimitRange transformer, then the API server's ServiceAccount admission,
    defaulting and LimitRanger, on a built Pod. Returns a new Pod."""
    limit_ranges = [default_limit_range(lr) for lr in objects.limit_ranges]
    # One copy, then each step in place: a Tekton Pod with n steps has ~n² volume
    # mounts, and three deep copies of it were most of the cost of creating a Pod.
    out = copy_json(pod)
    transform_pod_in_place(out, virtual_limit_range(limit_ranges))
    admit_service_account_in_place(out, objects.service_account)
    admit_pod_in_place(out, limit_ranges)
    return out


def pod_creation_failure(taskrun: TaskRun, error: str) -> tuple[str, str]:
    """``handlePodCreationError`` for an error of ``createPod`` (``error`` is its text,
    e.g. ``translating TaskSpec to Pod: …``): the reason and message the TaskRun fails
    with."""
    if TASKRUN_VALIDATION_FAILED in error:
        return _REASON_VALIDATION, error
    meta = taskrun.metadata
    message = f'failed to create task run pod "{meta.name}": {error}. Maybe '
    ref = taskrun.spec.task_ref
    if ref is not None:
        message += f"missing or invalid Task {meta.namespace}/{ref.name or ''}"
    else:
        message += "invalid TaskSpec"
    return _REASON_POD_CREATION, message
