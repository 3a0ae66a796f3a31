"""A TaskRun and its resolved TaskSpec as the Kubernetes Pod Tekton would create
(``Builder.Build`` of ``pkg/pod/pod.go``, with the workspace realisation that the TaskRun
reconciler's ``createPod`` does just before it).

The Pod is plain Kubernetes JSON, the same for every runtime:

* init containers ``prepare`` (copies the entrypoint into ``/tekton/bin`` and creates the
  ``/tekton/steps`` links), ``place-scripts`` (when a step or sidecar has a script) and
  ``working-dir-initializer`` (when a step's workingDir is relative or under
  ``/workspace/``);
* one container per step, ``step-<name>`` (``step-unnamed-<i>``), running
  ``/tekton/bin/entrypoint`` with the flags that chain the steps; then the sidecars,
  ``sidecar-<name>`` (init containers with ``restartPolicy: Always`` when
  ``enable-kubernetes-sidecar`` is on);
* Tekton's emptyDir volumes (``/workspace``, ``/tekton/{home,results,steps,artifacts,bin,
  run/<i>,scripts,creds}``), the Downward API volume of the ready/cancel annotations, the
  task's and the pod template's volumes and the ``ws-<hash>`` workspace volumes.

What needs an image registry is left to the caller: Tekton looks up the ENTRYPOINT of
steps that have no ``command``; here such steps keep no ``-entrypoint`` flag unless the
caller passes ``image_commands``. Credentials of the service account's annotated secrets
(``creds-init``) likewise come from the caller as :class:`CredsInit`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from tektite import __version__
from tektite.api.config import ALPHA, Config, FeatureFlags
from tektite.api.durations import SECOND, parse_duration_ns
from tektite.api.merge import (
    merge_sidecars_with_specs,
    merge_steps_with_specs,
    merge_steps_with_step_template,
)
from tektite.api.models import (
    EnvVar,
    PodTemplate,
    Sidecar,
    Step,
    TaskRun,
    TaskSpec,
    Volume,
)
from tektite.api.validation.task import validate_volumes
from tektite.engine.compute_resources import apply_task_level_compute_resources
from tektite.engine.containers import (
    JsonDict,
    SecurityContextConfig,
    clean_path,
    empty_dir_volume,
    order_container_fields,
    volume_mount,
)
from tektite.engine.entrypoint_args import (
    BIN_DIR,
    BIN_VOLUME_NAME,
    ENTRYPOINT_BINARY,
    READY_ANNOTATION,
    READY_ANNOTATION_VALUE,
    downward_volume,
    go_json,
    needs_debug,
    order_containers,
    run_mount,
    run_volume,
)
from tektite.engine.names import (
    NameGenerator,
    SeededNameGenerator,
    child_name,
    container_name,
    sidecar_container_name,
    step_container_name,
    step_name,
)
from tektite.engine.scripts import (
    convert_scripts,
    debug_info_volume,
    debug_scripts_volume,
    scripts_volume,
)
from tektite.engine.workspaces import (
    WORKSPACE_DIR,
    apply_volume_claim_templates,
    apply_workspaces,
    create_volumes,
)

__all__ = [
    "EXECUTION_MODE_ANNOTATION",
    "MAX_ACTIVE_DEADLINE_SECONDS",
    "PREPARE_CONTAINER_NAME",
    "RELEASE_ANNOTATION",
    "RESULTS_SIDECAR_NAME",
    "WORKING_DIR_INIT_CONTAINER_NAME",
    "CredsInit",
    "PodBuildError",
    "PodImages",
    "artifacts_path_referenced",
    "build_pod",
    "is_pod_ready_immediately",
    "make_labels",
    "pod_name",
    "prepare_container",
    "results_sidecar",
    "uses_windows",
    "working_dir_init_container",
]

PREPARE_CONTAINER_NAME = "prepare"
WORKING_DIR_INIT_CONTAINER_NAME = "working-dir-initializer"
RESULTS_SIDECAR_NAME = "tekton-log-results"
RELEASE_ANNOTATION = "pipeline.tekton.dev/release"
EXECUTION_MODE_ANNOTATION = "experimental.tekton.dev/execution-mode"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
TASK_RUN_LABEL = "tekton.dev/taskRun"
TASK_RUN_UID_LABEL = "tekton.dev/taskRunUID"
MAX_ACTIVE_DEADLINE_SECONDS = 2**31 - 1
"""``activeDeadlineSeconds`` of a TaskRun without timeout (``timeout: 0``)."""

_DEADLINE_FACTOR = 1.5
_OS_SELECTOR_LABEL = "kubernetes.io/os"
_CREDS_DIR = "/tekton/creds"
_STEPS_DIR = "/tekton/steps"
_RESULTS_DIR = "/tekton/results"
_SIDECAR_LOG_POLLING_INTERVAL = "100ms"  # config-defaults' default-sidecar-log-polling-interval
_SPIRE_VOLUME_NAME = "spiffe-workload-api"
_SPIRE_MOUNT_PATH = "/spiffe-workload-api"
_SPIFFE_CSI_DRIVER = "csi.spiffe.io"
_STEP_ARTIFACTS_VARIABLE = "$(step.artifacts.path)"

# The volumes every Pod has, and where steps (and working-dir-initializer) mount them.
_IMPLICIT = (
    ("tekton-internal-workspace", WORKSPACE_DIR, False),
    ("tekton-internal-home", "/tekton/home", False),
    ("tekton-internal-results", _RESULTS_DIR, False),
    ("tekton-internal-steps", _STEPS_DIR, True),
    ("tekton-internal-artifacts", "/tekton/artifacts", False),
)


def _implicit_volume_mounts() -> list[JsonDict]:
    return [volume_mount(name, path, read_only=ro) for name, path, ro in _IMPLICIT]


def _implicit_volumes() -> list[JsonDict]:
    return [empty_dir_volume(name) for name, _, _ in _IMPLICIT]


class PodImages(msgspec.Struct, frozen=True):
    """The images of the containers Tekton adds (Tekton's ``pipeline.Images``); a runtime
    may map these names onto images it has."""

    entrypoint: str = f"tektite/entrypoint:{__version__}"
    """``prepare``: must hold the entrypoint at ``/ko-app/entrypoint``."""
    nop: str = f"tektite/nop:{__version__}"
    """What sidecars are switched to when the steps are done (used by the controller)."""
    shell: str = "busybox"
    """``place-scripts``: a POSIX shell."""
    shell_win: str = "mcr.microsoft.com/powershell:nanoserver"
    """``place-scripts`` for ``#!win`` scripts: PowerShell."""
    working_dir_init: str = f"tektite/workingdirinit:{__version__}"
    """``working-dir-initializer``: must hold ``/ko-app/workingdirinit``."""
    sidecar_log_results: str = f"tektite/sidecarlogresults:{__version__}"
    """The ``tekton-log-results`` sidecar of ``results-from: sidecar-logs``."""


DEFAULT_IMAGES = PodImages()
"""Tekton's own images as a release names them (frozen: one shared instance)."""


class CredsInit(msgspec.Struct, frozen=True):
    """What Tekton's ``credsInit`` finds for the TaskRun's service account: entrypoint
    flags (``-basic-git=…``, ``-docker-config=…``), secret volumes and their mounts.

    Reading the service account and its secrets needs the store, so the caller computes
    this; the default is what Tekton gets when no secret is annotated.
    """

    entrypoint_args: tuple[str, ...] = ()
    volumes: tuple[JsonDict, ...] = ()
    volume_mounts: tuple[JsonDict, ...] = ()


class PodBuildError(Exception):
    """The Pod cannot be built; ``message`` is what Tekton's ``createPod`` returns."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _translating(error: object) -> PodBuildError:
    return PodBuildError(f"translating TaskSpec to Pod: {error}")


# -- small pieces -------------------------------------------------------------------------


def pod_name(taskrun_name: str, retry: int) -> str:
    """``<taskrun>-pod`` (``-pod-retry<N>`` for retry ``N``), shortened by ``ChildName``."""
    suffix = "-pod" if retry <= 0 else f"-pod-retry{retry}"
    return child_name(taskrun_name, suffix)


def make_labels(taskrun: TaskRun, managed_by: str) -> dict[str, str]:
    """``makeLabels``: the TaskRun's labels, its name and uid, and the managed-by value of
    ``config-defaults`` (which overrides the TaskRun's own)."""
    labels = dict(taskrun.metadata.labels)
    labels[TASK_RUN_LABEL] = taskrun.metadata.name
    labels[TASK_RUN_UID_LABEL] = taskrun.metadata.uid
    labels[MANAGED_BY_LABEL] = managed_by
    return labels


def is_pod_ready_immediately(features: FeatureFlags, sidecars: Sequence[Sidecar]) -> bool:
    """``isPodReadyImmediately``: whether the first step may start at once (the Pod is
    created with ``tekton.dev/ready: READY``) rather than wait for the sidecars."""
    if sidecars or features.running_in_environment_with_injected_sidecars:
        return not features.await_sidecar_readiness
    return True


def uses_windows(taskrun: TaskRun) -> bool:
    """``usesWindows``: the pod template's node selector asks for ``kubernetes.io/os:
    windows``."""
    template = taskrun.spec.pod_template
    if template is None or template.node_selector is None:
        return False
    return template.node_selector.get(_OS_SELECTOR_LABEL) == "windows"


def _artifacts_path_referenced_in_step(step: Step) -> bool:
    path = f"{_STEPS_DIR}/{container_name(step.name)}/artifacts/provenance.json"
    texts = [step.script, *(step.args or ()), *(step.command or ())]
    texts += [e.value or "" for e in step.env or ()]
    return any(path in t or _STEP_ARTIFACTS_VARIABLE in t for t in texts)


def artifacts_path_referenced(steps: Sequence[Step]) -> bool:
    """``artifactsPathReferenced``: a step writes its artifacts provenance file (by path
    or through ``$(step.artifacts.path)``)."""
    return any(_artifacts_path_referenced_in_step(s) for s in steps)


def prepare_container(
    image: str, steps: Sequence[Step], security: SecurityContextConfig, windows: bool
) -> JsonDict:
    """``entrypointInitContainer``: the ``prepare`` init container, which copies the
    entrypoint into ``/tekton/bin`` and creates each step's ``/tekton/steps`` links."""
    command = ["/ko-app/entrypoint", "init", "/ko-app/entrypoint", ENTRYPOINT_BINARY]
    command += [step_name(s.name, i) for i, s in enumerate(steps)]
    container: JsonDict = {
        "name": PREPARE_CONTAINER_NAME,
        "image": image,
        "command": command,
        # distroless images default to /home/nonroot, which other users cannot enter.
        "workingDir": "/",
        "volumeMounts": [
            volume_mount(BIN_VOLUME_NAME, BIN_DIR),
            volume_mount("tekton-internal-steps", _STEPS_DIR),
        ],
    }
    if security.set_security_context:
        container["securityContext"] = security.security_context(windows)
    return order_container_fields(container)


def working_dir_init_container(
    image: str, steps: Sequence[JsonDict], security: SecurityContextConfig, windows: bool
) -> JsonDict | None:
    """``workingDirInit``: an init container creating the steps' working directories that
    are relative or under ``/workspace/`` (``None`` when there are none)."""
    working_dirs = sorted({s["workingDir"] for s in steps if s.get("workingDir")})
    relative = [
        p
        for p in (clean_path(d) for d in working_dirs)
        if not p.startswith("/") or p.startswith(WORKSPACE_DIR + "/")
    ]
    if not relative:
        return None
    container: JsonDict = {
        "name": WORKING_DIR_INIT_CONTAINER_NAME,
        "image": image,
        "command": ["/ko-app/workingdirinit"],
        "args": relative,
        "workingDir": WORKSPACE_DIR,
        "volumeMounts": _implicit_volume_mounts(),
    }
    if security.set_security_context:
        container["securityContext"] = security.security_context(windows)
    return order_container_fields(container)


def results_sidecar(
    spec: TaskSpec, image: str, security: SecurityContextConfig, windows: bool
) -> Sidecar:
    """``createResultsSidecar``: the ``tekton-log-results`` sidecar that prints the results
    to its log (``results-from: sidecar-logs``)."""
    steps = spec.steps or []
    producers = [container_name(s.name) for s in steps if _artifacts_path_referenced_in_step(s)]
    command = [
        "/ko-app/sidecarlogresults",
        "-results-dir",
        _RESULTS_DIR,
        "-result-names",
        ",".join(r.name for r in spec.results or ()),
        "-step-names",
        ",".join(producers),
    ]
    step_results = {
        step_name(s.name, i): [r.name for r in s.results] for i, s in enumerate(steps) if s.results
    }
    # Go marshals a map with its keys sorted.
    command += ["-step-results", go_json(dict(sorted(step_results.items())))]
    return Sidecar(
        name=RESULTS_SIDECAR_NAME,
        image=image,
        command=command,
        env=[EnvVar(name="SIDECAR_LOG_POLLING_INTERVAL", value=_SIDECAR_LOG_POLLING_INTERVAL)],
        security_context=security.security_context(windows)
        if security.set_security_context
        else None,
    )


def _resolve_entrypoints(
    steps: list[JsonDict], image_commands: Mapping[str, Mapping[str, Sequence[str]]] | None
) -> list[JsonDict]:
    """``resolveEntrypoints`` without the registry: steps without ``command`` whose image
    the caller knows get ``TEKTON_PLATFORM_COMMANDS``; the others keep no command."""
    if not image_commands:
        return steps
    out = []
    for step in steps:
        commands = image_commands.get(step.get("image", ""))
        if step.get("command") or commands is None:
            out.append(step)
            continue
        value = go_json({platform: list(commands[platform]) for platform in sorted(commands)})
        env = [*(step.get("env") or []), {"name": "TEKTON_PLATFORM_COMMANDS", "value": value}]
        out.append({**step, "env": env})
    return out


def _mount_missing(container: JsonDict, implicit: Sequence[JsonDict]) -> list[JsonDict]:
    """The container's mounts followed by the implicit ones it does not replace (a mount
    of its own at the same path wins)."""
    mounts = list(container.get("volumeMounts") or [])
    requested = {clean_path(m.get("mountPath", "")) for m in mounts}
    return mounts + [m for m in implicit if clean_path(m["mountPath"]) not in requested]


def _timeout_ns(taskrun: TaskRun, config: Config) -> int:
    if taskrun.spec.timeout is None:
        return config.defaults.default_timeout_minutes * 60 * SECOND
    return parse_duration_ns(taskrun.spec.timeout)


def _pod_spec_fields(template: PodTemplate) -> JsonDict:
    """The pod template's fields as ``PodSpec`` fields, in ``PodSpec`` order (pointer
    fields when set, the others when not empty)."""
    t = template.to_dict()
    out: JsonDict = {}
    for key, pointer in (
        ("dnsPolicy", False),
        ("nodeSelector", False),
        ("automountServiceAccountToken", True),
        ("hostNetwork", False),
        ("securityContext", True),
        ("imagePullSecrets", False),
        ("affinity", True),
        ("schedulerName", False),
        ("tolerations", False),
        ("hostAliases", False),
        ("priorityClassName", False),
        ("dnsConfig", True),
        ("runtimeClassName", True),
        ("enableServiceLinks", True),
        ("topologySpreadConstraints", False),
        ("hostUsers", True),
    ):
        value = t.get(key)
        if (value is not None) if pointer else bool(value):
            out[key] = value
    return out


# -- the builder --------------------------------------------------------------------------


def build_pod(
    taskrun: TaskRun,
    spec: TaskSpec,
    config: Config,
    *,
    images: PodImages = DEFAULT_IMAGES,
    retry: int = 0,
    image_commands: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
    name_seed: str | None = None,
    creds_init: CredsInit | None = None,
    name_generator: NameGenerator | None = None,
) -> dict[str, Any]:
    """The Pod Tekton would create for ``taskrun`` running ``spec`` (already resolved and
    substituted), as Kubernetes JSON.

    ``retry`` numbers the attempt (the pod is ``<taskrun>-pod-retry<N>``); when 0, the
    number of ``status.retriesStatus`` entries is used, as Tekton does. ``image_commands``
    maps an image reference to Tekton's per-platform commands of that image (``{"linux/
    amd64": [ENTRYPOINT + CMD]}``) for steps without ``command``. Script file names get
    random suffixes from ``name_generator``, by default seeded with ``name_seed`` (or with
    the TaskRun's identity), so the same TaskRun always gives the same Pod. ``creds_init``
    carries the service account's credentials (none by default).

    Raises :class:`PodBuildError` with Tekton's message when the Pod cannot be built.
    """
    features = config.features
    alpha = features.enable_api_fields == ALPHA
    sidecar_logs = features.results_from == "sidecar-logs"
    keep_pod_on_cancel = features.keep_pod_on_cancel
    spire = features.enforce_nonfalsifiability == "spire"
    security = SecurityContextConfig(
        features.set_security_context, features.set_security_context_read_only_root_filesystem
    )
    meta = taskrun.metadata
    attempt = retry or len((taskrun.status.retries_status if taskrun.status else None) or ())
    name = pod_name(meta.name, attempt)
    names = name_generator or SeededNameGenerator(
        name_seed if name_seed is not None else f"{meta.namespace}/{meta.name}/{meta.uid}/{name}"
    )

    # What the reconciler's createPod does before building: volumeClaimTemplates become
    # claims, bindings become volumes and mounts.
    bindings = apply_volume_claim_templates(taskrun.spec.workspaces, meta.uid)
    spec = apply_workspaces(spec, bindings, create_volumes(bindings))

    volumes = _implicit_volumes()
    implicit_mounts = [volume_mount(BIN_VOLUME_NAME, BIN_DIR, read_only=True)]
    implicit_mounts += _implicit_volume_mounts()

    common_args: list[str] = ["-enable_spire"] if spire else []
    creds = CredsInit() if features.disable_creds_init else (creds_init or CredsInit())
    common_args += creds.entrypoint_args
    volumes += [dict(v) for v in creds.volumes]
    implicit_mounts += [dict(m) for m in creds.volume_mounts]

    steps = merge_steps_with_step_template(spec.step_template, spec.steps)
    steps = merge_steps_with_specs(steps, taskrun.spec.step_specs)
    if taskrun.spec.compute_resources is not None:
        steps = apply_task_level_compute_resources(steps, taskrun.spec.compute_resources)

    windows = uses_windows(taskrun)
    with_results_sidecar = sidecar_logs and (
        spec.results is not None or artifacts_path_referenced(steps)
    )
    if with_results_sidecar:
        sidecar = results_sidecar(spec, images.sidecar_log_results, security, windows)
        spec = msgspec.structs.replace(spec, sidecars=[*(spec.sidecars or ()), sidecar])
        common_args += ["-result_from", "sidecar-logs"]
    if features.enable_termination_message_compression and not sidecar_logs:
        common_args.append("-compress_termination_message=true")

    sidecars = merge_sidecars_with_specs(spec.sidecars or [], taskrun.spec.sidecar_specs)

    init_containers = [prepare_container(images.entrypoint, steps, security, windows)]
    debug = taskrun.spec.debug if alpha else None
    converted = convert_scripts(
        images.shell, images.shell_win if alpha else "", steps, sidecars, debug, security, names
    )
    if converted.init_container is not None:
        init_containers.append(converted.init_container)
        volumes.append(scripts_volume())
    if alpha and needs_debug(taskrun.spec.debug):
        volumes += [debug_scripts_volume(), debug_info_volume()]
    step_containers = converted.steps
    working_dir_init = working_dir_init_container(
        images.working_dir_init, step_containers, security, windows
    )
    if working_dir_init is not None:
        init_containers.append(working_dir_init)

    template = taskrun.spec.pod_template or PodTemplate()
    # TEKTON_PLATFORM_COMMANDS would come from a registry lookup of the image; without
    # one, a step without command keeps none and the entrypoint runs its first argument.
    step_containers = _resolve_entrypoints(step_containers, image_commands)

    ready_immediately = is_pod_ready_immediately(features, spec.sidecars or [])
    try:
        step_containers = order_containers(
            common_args,
            step_containers,
            spec,
            debug,
            wait_for_ready_annotation=not ready_immediately,
            keep_pod_on_cancel=keep_pod_on_cancel,
        )
    except ValueError as error:
        raise _translating(error) from None
    volumes.append(empty_dir_volume(BIN_VOLUME_NAME))
    if not ready_immediately or keep_pod_on_cancel:
        volumes.append(downward_volume(cancel=keep_pod_on_cancel))

    # Env precedence: the step's own, then the pod template's (minus forbidden names),
    # then hermetic mode's, later entries winning.
    if template.env:
        forbidden = set(config.defaults.default_forbidden_env)
        allowed = [e.to_dict() for e in template.env if e.name not in forbidden]
        for c in step_containers:
            c["env"] = [*(c.get("env") or []), *allowed]
    if alpha and meta.annotations.get(EXECUTION_MODE_ANNOTATION) == "hermetic":
        for c in step_containers:
            c["env"] = [*(c.get("env") or []), {"name": "TEKTON_HERMETIC", "value": "1"}]

    for i, c in enumerate(step_containers):
        mounts = list(c.get("volumeMounts") or [])
        if not features.disable_creds_init:
            # A fresh, world-writable /tekton/creds per step for the credential helpers.
            name_i = f"tekton-creds-init-home-{i}"
            volumes.append(empty_dir_volume(name_i, medium="Memory"))
            mounts.append(volume_mount(name_i, _CREDS_DIR))
        volumes.append(run_volume(i))
        mounts += [run_mount(j, i != j) for j in range(len(step_containers))]
        c["volumeMounts"] = _mount_missing({"volumeMounts": mounts}, implicit_mounts)

    sidecar_containers = converted.sidecars
    if with_results_sidecar:
        for c in sidecar_containers:
            if c.get("name") == RESULTS_SIDECAR_NAME:
                own = [*(c.get("volumeMounts") or [])]
                own += [run_mount(j, True) for j in range(len(step_containers))]
                c["volumeMounts"] = _mount_missing({"volumeMounts": own}, implicit_mounts)

    for i, c in enumerate(step_containers):
        c["name"] = step_container_name(c.get("name", ""), i)

    volumes += [v.to_dict() for v in spec.volumes or ()]
    volumes += [v.to_dict() for v in template.volumes or ()]
    duplicate = validate_volumes([Volume(name=v["name"]) for v in volumes])
    if duplicate:
        raise _translating(duplicate)

    if spire:
        volumes.append(
            {"name": _SPIRE_VOLUME_NAME, "csi": {"driver": _SPIFFE_CSI_DRIVER, "readOnly": True}}
        )
        spire_mount = volume_mount(_SPIRE_VOLUME_NAME, _SPIRE_MOUNT_PATH, read_only=True)
        for c in [*step_containers, *init_containers]:
            c["volumeMounts"] = [*(c.get("volumeMounts") or []), spire_mount]

    containers = step_containers
    if features.enable_kubernetes_sidecar:
        # Native sidecars (Kubernetes >= 1.29): init containers that keep running.
        for c in sidecar_containers:
            c["restartPolicy"] = "Always"
            if c.get("name") == RESULTS_SIDECAR_NAME:
                command = c.get("command") or []
                if not any(
                    arg == "-kubernetes-sidecar-mode" and j + 1 < len(command)
                    for j, arg in enumerate(command)
                ):
                    c["command"] = [*command, "-kubernetes-sidecar-mode", "true"]
            c["name"] = sidecar_container_name(c.get("name", ""))
            init_containers.append(c)
    else:
        for c in sidecar_containers:
            c["name"] = sidecar_container_name(c.get("name", ""))
            containers.append(c)

    annotations = {k: v for k, v in meta.annotations.items() if k != MANAGED_BY_LABEL}
    annotations[RELEASE_ANNOTATION] = __version__
    if ready_immediately:
        annotations[READY_ANNOTATION] = READY_ANNOTATION_VALUE

    timeout_ns = _timeout_ns(taskrun, config)
    deadline = (
        MAX_ACTIVE_DEADLINE_SECONDS
        if timeout_ns == 0
        else int(timeout_ns / SECOND * _DEADLINE_FACTOR)
    )

    pod_spec: JsonDict = {
        "volumes": volumes,
        "initContainers": [order_container_fields(c) for c in init_containers],
        "containers": [order_container_fields(c) for c in containers],
        "restartPolicy": "Never",
        "activeDeadlineSeconds": deadline,
    }
    template_fields = _pod_spec_fields(template)
    for key in ("dnsPolicy", "nodeSelector"):
        if key in template_fields:
            pod_spec[key] = template_fields.pop(key)
    if taskrun.spec.service_account_name:
        pod_spec["serviceAccountName"] = taskrun.spec.service_account_name
    pod_spec.update(template_fields)

    metadata: JsonDict = {"name": name}
    if meta.namespace:
        metadata["namespace"] = meta.namespace
    metadata["labels"] = make_labels(taskrun, config.defaults.default_managed_by_label_value)
    metadata["annotations"] = annotations
    metadata["ownerReferences"] = [
        {
            "apiVersion": taskrun.api_version,
            "kind": taskrun.kind,
            "name": meta.name,
            "uid": meta.uid,
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": pod_spec}
