"""Workspace bindings realised as Pod volumes and mounts (``pkg/workspace/apply.go`` and
``validate.go``), and the PersistentVolumeClaims made from ``volumeClaimTemplate``s
(``pkg/reconciler/volumeclaim``).

Each binding becomes a volume named ``ws-<hash of the workspace name>``; two bindings of
the same PersistentVolumeClaim share one volume. A workspace that some step or sidecar
names in its ``workspaces`` is *isolated*: only those containers mount it (at the usage's
``mountPath`` if given). Every other workspace is mounted through the stepTemplate into
every step, and into every sidecar that has no mount at that path yet.

All functions are pure: they return new objects and never modify their arguments.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from tektite.api.errors import go_quote
from tektite.api.models import (
    PersistentVolumeClaimVolumeSource,
    Sidecar,
    StepTemplate,
    TaskSpec,
    Volume,
    VolumeMount,
    WorkspaceBinding,
    WorkspaceDeclaration,
)
from tektite.api.validation.workspaces import validate_workspace_binding
from tektite.api.variables import apply_replacements, extract_variables_from_string
from tektite.engine.names import generate_hashed_name

__all__ = [
    "WORKSPACE_DIR",
    "WorkspaceError",
    "add_sidecar_volume_mount",
    "apply_volume_claim_templates",
    "apply_workspaces",
    "claim_from_template",
    "claim_names",
    "create_volumes",
    "find_workspaces_used_by_task",
    "mount_path",
    "pvc_name_from_template",
    "replace_workspace_bindings_vars",
    "validate_bindings",
    "validate_only_one_pvc_is_used",
    "workspace_volume_names",
]

WORKSPACE_DIR = "/workspace"
_VOLUME_NAME_BASE = "ws"
_VOLUME_NAME_HASH_LENGTH = 5


class WorkspaceError(ValueError):
    """A binding Tekton refuses at run time; the message is Tekton's (a user error)."""


def mount_path(declaration: WorkspaceDeclaration) -> str:
    """``WorkspaceDeclaration.GetMountPath``: the declared path, else ``/workspace/<name>``."""
    return declaration.mount_path or f"{WORKSPACE_DIR}/{declaration.name}"


def _volume_name(name: str) -> str:
    return generate_hashed_name(_VOLUME_NAME_BASE, name, _VOLUME_NAME_HASH_LENGTH)


def create_volumes(bindings: Sequence[WorkspaceBinding] | None) -> dict[str, Volume]:
    """``CreateVolumes``: the Pod volume of each bound workspace, by workspace name.

    Names are ``ws-<5 hex of FNV-1a(name)>``; a name already taken is re-hashed with a
    ``$`` appended until it is free. Bindings of a PersistentVolumeClaim already bound
    reuse that volume. A ``volumeClaimTemplate`` binding gets no volume here: it must be
    turned into a claim first (:func:`apply_volume_claim_templates`).
    """
    volumes: dict[str, Volume] = {}
    by_claim: dict[str, Volume] = {}
    used: set[str] = set()
    for b in bindings or ():
        name = _volume_name(b.name)
        while name in used:
            name = _volume_name(name + "$")
        used.add(name)
        if b.persistent_volume_claim is not None:
            claim = b.persistent_volume_claim.claim_name
            if claim in by_claim:
                volumes[b.name] = by_claim[claim]
            else:
                volumes[b.name] = Volume(
                    name=name, persistent_volume_claim=b.persistent_volume_claim
                )
                by_claim[claim] = volumes[b.name]
        elif b.empty_dir is not None:
            volumes[b.name] = Volume(name=name, empty_dir=b.empty_dir)
        elif b.config_map is not None:
            volumes[b.name] = Volume(name=name, config_map=b.config_map)
        elif b.secret is not None:
            volumes[b.name] = Volume(name=name, secret=b.secret)
        elif b.projected is not None:
            volumes[b.name] = Volume(name=name, projected=b.projected)
        elif b.csi is not None:
            volumes[b.name] = Volume(name=name, csi=b.csi)
    return volumes


def workspace_volume_names(bindings: Sequence[WorkspaceBinding] | None) -> dict[str, str]:
    """The value of ``$(workspaces.<name>.volume)`` for each bound workspace."""
    return {name: volume.name for name, volume in create_volumes(bindings).items()}


def claim_names(
    bindings: Sequence[WorkspaceBinding] | None, owner_uid: str | None = None
) -> dict[str, str]:
    """The value of ``$(workspaces.<name>.claim)`` for each binding: its claim name, or
    ``""`` when it is not bound to a PersistentVolumeClaim. With ``owner_uid`` (the run's
    uid) a ``volumeClaimTemplate`` binding reports the claim made from it."""
    if owner_uid is not None:
        bindings = apply_volume_claim_templates(bindings, owner_uid)
    return {
        b.name: b.persistent_volume_claim.claim_name if b.persistent_volume_claim else ""
        for b in bindings or ()
    }


def pvc_name_from_template(template_name: str, workspace_name: str, owner_uid: str) -> str:
    """``GeneratePVCNameFromWorkspaceBinding``: ``<template name or "pvc">-<first 10 hex of
    sha256(workspace name + owner uid)>``."""
    identity = hashlib.sha256((workspace_name + owner_uid).encode()).hexdigest()[:10]
    return f"{template_name or 'pvc'}-{identity}"


def _template_name(binding: WorkspaceBinding) -> str:
    template = binding.volume_claim_template
    metadata = (template.metadata if template is not None else None) or {}
    name = metadata.get("name", "")
    return name if isinstance(name, str) else ""


def apply_volume_claim_templates(
    bindings: Sequence[WorkspaceBinding] | None, owner_uid: str
) -> list[WorkspaceBinding]:
    """``applyVolumeClaimTemplates``: each ``volumeClaimTemplate`` binding replaced by a
    binding of the claim made from it (same name and subPath)."""
    out: list[WorkspaceBinding] = []
    for b in bindings or ():
        if b.volume_claim_template is None:
            out.append(b)
            continue
        claim = pvc_name_from_template(_template_name(b), b.name, owner_uid)
        out.append(
            WorkspaceBinding(
                name=b.name,
                sub_path=b.sub_path,
                persistent_volume_claim=PersistentVolumeClaimVolumeSource(claim_name=claim),
            )
        )
    return out


def claim_from_template(
    binding: WorkspaceBinding, owner_reference: Mapping[str, Any], namespace: str
) -> dict[str, Any] | None:
    """``getPVCFromVolumeClaimTemplate``: the PersistentVolumeClaim to create for a
    ``volumeClaimTemplate`` binding (``None`` for other bindings), owned by the run."""
    template = binding.volume_claim_template
    if template is None:
        return None
    body: dict[str, Any] = msgspec.to_builtins(template)
    metadata = dict(body.get("metadata") or {})
    metadata["name"] = pvc_name_from_template(
        _template_name(binding), binding.name, str(owner_reference.get("uid", ""))
    )
    metadata["namespace"] = namespace
    metadata["ownerReferences"] = [dict(owner_reference)]
    return {
        "apiVersion": body.get("apiVersion") or "v1",
        "kind": body.get("kind") or "PersistentVolumeClaim",
        "metadata": metadata,
        **{k: v for k, v in body.items() if k not in ("apiVersion", "kind", "metadata")},
    }


def _mount(volume: str, path: str, sub_path: str, read_only: bool) -> VolumeMount:
    # corev1.VolumeMount's readOnly and subPath are omitted when empty.
    return VolumeMount(
        name=volume,
        mount_path=path,
        read_only=True if read_only else None,
        sub_path=sub_path or None,
    )


def add_sidecar_volume_mount(sidecar: Sidecar, mount: VolumeMount) -> Sidecar:
    """``AddSidecarVolumeMount``: ``sidecar`` with ``mount`` added, unless the sidecar
    already mounts something at that path."""
    mounts = list(sidecar.volume_mounts or ())
    if any(m.mount_path == mount.mount_path for m in mounts):
        return sidecar
    return msgspec.structs.replace(sidecar, volume_mounts=[*mounts, mount])


def apply_workspaces(
    spec: TaskSpec,
    bindings: Sequence[WorkspaceBinding] | None,
    volumes: Mapping[str, Volume],
) -> TaskSpec:
    """``workspace.Apply``: ``spec`` with the bound workspaces' mounts and volumes added.

    Bound but undeclared workspaces are declared (propagation from embedded specs). When
    there is any binding the spec gets a (possibly empty) stepTemplate, as in Tekton.
    """
    if not bindings:
        return spec
    isolated = {u.name for s in spec.steps or () for u in s.workspaces or ()}
    isolated |= {u.name for s in spec.sidecars or () for u in s.workspaces or ()}

    declarations = list(spec.workspaces or ())
    template = spec.step_template or StepTemplate()
    template_mounts = list(template.volume_mounts or ())
    steps = list(spec.steps or ())
    sidecars = list(spec.sidecars or ())
    task_volumes = list(spec.volumes or ())
    added: set[str] = set()

    for b in bindings:
        declared = next((d for d in declarations if d.name == b.name), None)
        if declared is None:
            declared = WorkspaceDeclaration(name=b.name)
            declarations.append(declared)
        volume = volumes.get(b.name) or Volume(name="")
        mount = _mount(volume.name, mount_path(declared), b.sub_path, declared.read_only)

        if declared.name in isolated:
            for i, step in enumerate(steps):
                usage = next((u for u in step.workspaces or () if u.name == declared.name), None)
                if usage is not None:
                    own = msgspec.structs.replace(
                        mount, mount_path=usage.mount_path or mount.mount_path
                    )
                    steps[i] = msgspec.structs.replace(
                        step, volume_mounts=[*(step.volume_mounts or ()), own]
                    )
            for i, sidecar in enumerate(sidecars):
                usage = next((u for u in sidecar.workspaces or () if u.name == declared.name), None)
                if usage is not None:
                    own = msgspec.structs.replace(
                        mount, mount_path=usage.mount_path or mount.mount_path
                    )
                    sidecars[i] = msgspec.structs.replace(
                        sidecar, volume_mounts=[*(sidecar.volume_mounts or ()), own]
                    )
        else:
            template_mounts.append(mount)
            sidecars = [add_sidecar_volume_mount(s, mount) for s in sidecars]

        if volume.name not in added:
            task_volumes.append(volume)
            added.add(volume.name)

    return msgspec.structs.replace(
        spec,
        workspaces=declarations,
        step_template=msgspec.structs.replace(template, volume_mounts=template_mounts or None),
        steps=steps if spec.steps is not None else None,
        sidecars=sidecars if spec.sidecars is not None else None,
        volumes=task_volumes,
    )


# -- finding and substituting -------------------------------------------------------------


def find_workspaces_used_by_task(spec: TaskSpec) -> set[str]:
    """``FindWorkspacesUsedByTask``: the workspaces a spec refers to as
    ``$(workspaces.<name>...)`` in steps (script, command, args, workingDir, env values,
    StepAction params), sidecars and the stepTemplate.

    Raises :class:`WorkspaceError` with Tekton's message for a malformed reference.
    """
    locations: set[str] = set()
    for step in spec.steps or ():
        locations.update([step.script, *(step.args or ()), *(step.command or ()), step.working_dir])
        locations.update(e.value or "" for e in step.env or ())
        for p in step.params or ():
            # Tekton adds the array items, the object values and the string value (which
            # is "" for arrays and objects).
            value = p.value
            if isinstance(value, list):
                locations.update(value)
            elif isinstance(value, dict):
                locations.update(value.values())
            locations.add(value if isinstance(value, str) else "")
    for sidecar in spec.sidecars or ():
        locations.update(
            [sidecar.script, *(sidecar.args or ()), *(sidecar.command or ()), sidecar.working_dir]
        )
        locations.update(e.value or "" for e in sidecar.env or ())
    if spec.step_template is not None:
        t = spec.step_template
        locations.update([*(t.args or ()), *(t.command or ()), t.working_dir])
        locations.update(e.value or "" for e in t.env or ())
    used: set[str] = set()
    for item in sorted(locations):
        names, _, error = extract_variables_from_string(item, "workspaces")
        if error:
            raise WorkspaceError(f"Error while extracting workspace: {error}")
        used.update(names)
    return used


def _replace_items(items: Any, replacements: Mapping[str, str]) -> Any:
    if not items:
        return items
    return [
        {
            **item,
            "key": apply_replacements(item.get("key", ""), replacements),
            "path": apply_replacements(item.get("path", ""), replacements),
        }
        if isinstance(item, dict)
        else msgspec.structs.replace(
            item,
            key=apply_replacements(item.key, replacements),
            path=apply_replacements(item.path, replacements),
        )
        for item in items
    ]


def _replace_binding(b: WorkspaceBinding, r: Mapping[str, str]) -> WorkspaceBinding:
    changes: dict[str, Any] = {"sub_path": apply_replacements(b.sub_path, r)}
    if b.persistent_volume_claim is not None:
        changes["persistent_volume_claim"] = msgspec.structs.replace(
            b.persistent_volume_claim,
            claim_name=apply_replacements(b.persistent_volume_claim.claim_name, r),
        )
    if b.config_map is not None:
        changes["config_map"] = msgspec.structs.replace(
            b.config_map,
            name=apply_replacements(b.config_map.name, r),
            items=_replace_items(b.config_map.items, r),
        )
    if b.secret is not None:
        changes["secret"] = msgspec.structs.replace(
            b.secret,
            secret_name=apply_replacements(b.secret.secret_name, r),
            items=_replace_items(b.secret.items, r),
        )
    if b.projected is not None and b.projected.sources:
        sources = []
        for source in b.projected.sources:
            source = dict(source)
            for kind in ("configMap", "secret"):
                projection = source.get(kind)
                if isinstance(projection, dict):
                    projection = dict(projection)
                    projection["name"] = apply_replacements(projection.get("name", ""), r)
                    if projection.get("items"):
                        projection["items"] = _replace_items(projection["items"], r)
                    source[kind] = projection
            sources.append(source)
        changes["projected"] = msgspec.structs.replace(b.projected, sources=sources)
    if b.csi is not None:
        secret_ref = b.csi.node_publish_secret_ref
        if secret_ref is not None:
            secret_ref = {**secret_ref, "name": apply_replacements(secret_ref.get("name", ""), r)}
        changes["csi"] = msgspec.structs.replace(
            b.csi, driver=apply_replacements(b.csi.driver, r), node_publish_secret_ref=secret_ref
        )
    return msgspec.structs.replace(b, **changes)


def replace_workspace_bindings_vars(
    bindings: Sequence[WorkspaceBinding] | None, replacements: Mapping[str, str]
) -> list[WorkspaceBinding]:
    """``ReplaceWorkspaceBindingsVars``: ``$(...)`` references replaced in each binding's
    subPath, claim name, ConfigMap/Secret names and items, projected sources and CSI
    driver and secret reference."""
    return [_replace_binding(b, replacements) for b in bindings or ()]


# -- validation ---------------------------------------------------------------------------


def validate_bindings(
    declarations: Sequence[WorkspaceDeclaration] | None,
    bindings: Sequence[WorkspaceBinding] | None,
) -> str | None:
    """``ValidateBindings``: the first problem with a run's bindings against the task's
    declarations, as Tekton words it, or ``None``."""
    for b in bindings or ():
        error = validate_workspace_binding(b)
        if error:
            return f"binding {go_quote(b.name)} is invalid: {error}"
    declared = {d.name for d in declarations or ()}
    bound = {b.name for b in bindings or ()}
    for d in declarations or ():
        if not d.optional and d.name not in bound:
            return f"declared workspace {go_quote(d.name)} is required but has not been bound"
    for b in bindings or ():
        if b.name not in declared:
            return f"workspace binding {go_quote(b.name)} does not match any declared workspace"
    return None


def validate_only_one_pvc_is_used(bindings: Sequence[WorkspaceBinding] | None) -> str | None:
    """``ValidateOnlyOnePVCIsUsed``: the affinity assistant can only follow one claim."""
    claims = set()
    for b in bindings or ():
        if b.persistent_volume_claim is not None:
            claims.add(b.persistent_volume_claim.claim_name)
        if b.volume_claim_template is not None:
            claims.add(b.name)
    if len(claims) > 1:
        return "more than one PersistentVolumeClaim is bound"
    return None
