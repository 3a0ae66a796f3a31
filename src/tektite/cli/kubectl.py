"""kubectl-like ``apply -f``, ``create -f``, ``get KIND [NAME…]`` and ``delete -f`` /
``delete KIND NAME…`` on the store, worded as kubectl words them.

Objects read from files are checked exactly as ``tektite validate`` checks them (YAML
as kubectl reads it, Tekton's defaulting and admission validation); if any is invalid,
nothing is written. What is stored is the defaulted object, as the API server would
store it after Tekton's mutating webhook.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import click

from tektite.cli import formatting as fmt
from tektite.cli.common import DEFAULT_NAMESPACE, now, open_store, output_option, print_objects

if TYPE_CHECKING:
    from tektite.api.load import Checked
    from tektite.store.protocol import Store

Obj = dict[str, Any]
F = TypeVar("F", bound=Callable[..., Any])

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

# every name kubectl accepts for a kind (singular, plural, short names), lower case
_KINDS: dict[str, tuple[str, str]] = {}
for _kind, _group, _names in [
    ("Task", "tekton.dev", ("task", "tasks")),
    ("TaskRun", "tekton.dev", ("taskrun", "taskruns", "tr", "trs")),
    ("Pipeline", "tekton.dev", ("pipeline", "pipelines")),
    ("PipelineRun", "tekton.dev", ("pipelinerun", "pipelineruns", "pr", "prs")),
    ("StepAction", "tekton.dev", ("stepaction", "stepactions")),
    ("CustomRun", "tekton.dev", ("customrun", "customruns")),
    ("ConfigMap", "", ("configmap", "configmaps", "cm")),
    ("Secret", "", ("secret", "secrets")),
    ("ServiceAccount", "", ("serviceaccount", "serviceaccounts", "sa")),
    ("PersistentVolumeClaim", "", ("persistentvolumeclaim", "persistentvolumeclaims", "pvc")),
]:
    for _n in _names:
        _KINDS[_n] = (_kind, _group)
        if _group:
            _KINDS[f"{_n}.{_group}"] = (_kind, _group)


class KubectlError(click.ClickException):
    """An error printed as kubectl prints it: the message alone, exit status 1."""

    def show(self, file: Any = None) -> None:
        click.echo(self.message, err=True)


def _printer_error(message: str) -> KubectlError:
    """A bad ``-o`` or a template failing, as kubectl prints them."""
    return KubectlError(f"error: {message}")


def resource_name(kind: str, group: str) -> str:
    """``pipelinerun.tekton.dev`` / ``configmap``: how kubectl names objects it acted on."""
    return f"{kind.lower()}.{group}" if group else kind.lower()


def _group_of(obj: Obj) -> str:
    return str(obj.get("apiVersion", "")).rpartition("/")[0]


def _qualified_resource(kind: str, group: str) -> str:
    from tektite.store.protocol import resource_of

    return f"{resource_of(kind)}.{group}" if group else resource_of(kind)


def _namespace_option(f: F) -> F:
    return click.option(
        "-n", "--namespace", default=None, metavar="NS", help="Namespace (default: default)."
    )(f)


def _files_option(required: bool) -> Callable[[F], F]:
    return click.option(
        "-f",
        "--filename",
        "files",
        multiple=True,
        required=required,
        metavar="FILE|DIR|-",
        help="The file(s) with the objects; a directory is searched for YAML/JSON files.",
    )


def load_checked(
    files: tuple[str, ...], verb: str, require_valid: bool = True
) -> list[tuple[str, Checked]]:
    """Every object of the files, checked as ``tektite validate`` checks them; prints
    the invalid ones (validate's format) and exits 1 when there is any (unless
    ``require_valid`` is off: deleting needs only kinds and names)."""
    from tektite.api.config import Config
    from tektite.api.load import check_file, check_text, expand_paths
    from tektite.api.yamlio import YamlLoadError
    from tektite.cli.validate import print_invalid

    out: list[tuple[str, Checked]] = []
    bad = False
    for path in expand_paths(list(files)):
        try:
            if path == "-":
                checked = check_text(sys.stdin.buffer.read(), "<stdin>", Config())
            else:
                checked = check_file(path, Config())
        except YamlLoadError as e:
            raise KubectlError(f"error: {e}") from None
        for c in checked:
            if require_valid and not c.valid:
                bad = True
                print_invalid(c, sys.stderr)
            out.append((path, c))
    if bad:
        sys.exit(1)
    if not out:
        raise KubectlError(f"error: no objects passed to {verb}")
    return out


def _with_namespace(obj: Obj, explicit: str | None) -> Obj:
    """kubectl's rule: the object's namespace, else ``-n``, else ``default``; an object
    naming another namespace than an explicit ``-n`` is refused."""
    from tektite.store.protocol import is_namespaced

    if not is_namespaced(obj["kind"]):
        return obj
    meta = obj.setdefault("metadata", {})
    own = meta.get("namespace")
    if own and explicit and own != explicit:
        raise KubectlError(
            f'error: the namespace from the provided object "{own}" does not match the '
            f"namespace \"{explicit}\". You must pass '--namespace={own}' to perform this "
            "operation."
        )
    meta["namespace"] = own or explicit or DEFAULT_NAMESPACE
    return obj


def _server_error(reason: str, verb: str, path: str, message: str) -> str:
    return f'Error from server ({reason}): error when {verb} "{path}": {message}'


def _apply_one(store: Store, obj: Obj) -> str:
    """Create the object, or update it if it exists: ``created``/``configured``/
    ``unchanged``."""
    meta = obj["metadata"]
    current = store.get(obj["kind"], meta.get("namespace"), meta.get("name", ""))
    if current is None:
        store.create(obj)
        return "created"
    # Keep the system metadata (uid, creationTimestamp…); take the file's labels,
    # annotations and spec, as kubectl apply's patch would.
    merged = {**obj, "metadata": {**current["metadata"], **meta}}
    merged["metadata"].pop("resourceVersion", None)
    updated = store.update(merged)
    same = updated["metadata"].get("resourceVersion") == current["metadata"].get("resourceVersion")
    return "unchanged" if same else "configured"


def _write(files: tuple[str, ...], namespace: str | None, apply_: bool) -> None:
    from tektite.store.errors import StoreError

    checked = load_checked(files, "apply" if apply_ else "create")
    errors = 0
    with open_store() as store:
        for path, c in checked:
            assert c.obj is not None
            obj = _with_namespace(c.obj.to_dict(), namespace)
            name = obj["metadata"].get("name") or obj["metadata"].get("generateName", "")
            what = resource_name(obj["kind"], _group_of(obj))
            try:
                if apply_:
                    if not obj["metadata"].get("name"):
                        raise KubectlError(
                            f"error: from {c.document.location}: cannot use generate name "
                            "with apply"
                        )
                    raw = json.dumps(c.document.obj, separators=(",", ":"), ensure_ascii=False)
                    obj["metadata"].setdefault("annotations", {})[LAST_APPLIED] = raw + "\n"
                    verb = _apply_one(store, obj)
                else:
                    name = store.create(obj)["metadata"]["name"]
                    verb = "created"
            except StoreError as e:
                errors += 1
                doing = "applying patch" if apply_ else "creating"
                click.echo(_server_error(e.reason, doing, path, str(e)), err=True)
                continue
            click.echo(f"{what}/{name} {verb}")
    if errors:
        sys.exit(1)


@click.command()
@_files_option(required=True)
@_namespace_option
def apply(files: tuple[str, ...], namespace: str | None) -> None:
    """Create the objects of FILE, or update them where they exist (kubectl apply)."""
    _write(files, namespace, apply_=True)


@click.command()
@_files_option(required=True)
@_namespace_option
def create(files: tuple[str, ...], namespace: str | None) -> None:
    """Create the objects of FILE; an object that exists already is an error."""
    _write(files, namespace, apply_=False)


def resolve_kind(text: str) -> tuple[str, str]:
    """``(Kind, group)`` for a kind as kubectl accepts it (``pr``, ``tasks``,
    ``pipelineruns.tekton.dev``, ``ConfigMap``)."""
    found = _KINDS.get(text.lower())
    if found is None:
        raise KubectlError(f'error: the server doesn\'t have a resource type "{text}"')
    return found


def _kind_and_names(kind: str, names: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """kubectl's ``KIND/NAME`` form: ``pr/build-1`` is ``pr build-1``."""
    if "/" not in kind:
        return kind, names
    if names:
        raise KubectlError(
            "error: there is no need to specify a resource type as a separate argument when "
            "passing arguments in resource/name form"
        )
    kind, _, name = kind.partition("/")
    return kind, (name,)


def human_duration(seconds: float) -> str:
    """``k8s.io/apimachinery/pkg/util/duration.HumanDuration``: kubectl's AGE."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        return f"{minutes}m" if s % 60 == 0 else f"{minutes}m{s % 60}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        return f"{hours}h" if minutes % 60 == 0 else f"{hours}h{minutes % 60}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{hours // 24}d" if hours % 24 == 0 else f"{hours // 24}d{hours % 24}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        years, days = hours // 24 // 365, (hours // 24) % 365
        return f"{years}y" if days == 0 else f"{years}y{days}d"
    return f"{hours // 24 // 365}y"


def _age(text: object, at: datetime) -> str:
    moment = fmt.parse_time(text)
    return "<unknown>" if moment is None else human_duration((at - moment).total_seconds())


def _succeeded(obj: Obj) -> Obj:
    for c in (obj.get("status") or {}).get("conditions") or []:
        if isinstance(c, dict) and c.get("type") == "Succeeded":
            return c
    return {}


def table(kind: str, objects: list[Obj], at: datetime, all_namespaces: bool) -> str:
    """``kubectl get``'s table: the CRD's printer columns for runs, DATA for
    ConfigMaps and Secrets, else NAME and AGE."""
    if kind in ("TaskRun", "PipelineRun", "CustomRun"):
        header = ["NAME", "SUCCEEDED", "REASON", "STARTTIME", "COMPLETIONTIME"]
    elif kind == "ConfigMap":
        header = ["NAME", "DATA", "AGE"]
    elif kind == "Secret":
        header = ["NAME", "TYPE", "DATA", "AGE"]
    else:
        header = ["NAME", "AGE"]
    rows = [(["NAMESPACE"] if all_namespaces else []) + header]
    for o in objects:
        meta = o["metadata"]
        cells = [meta["name"]]
        if header[1] == "SUCCEEDED":
            c, st = _succeeded(o), o.get("status") or {}
            cells += [
                str(c.get("status", "")),
                str(c.get("reason", "")),
                _age(st["startTime"], at) if st.get("startTime") else "",
                _age(st["completionTime"], at) if st.get("completionTime") else "",
            ]
        else:
            data = len(o.get("data") or {}) + len(o.get("binaryData") or {})
            if kind == "Secret":
                cells += [str(o.get("type", "Opaque")), str(data)]
            elif kind == "ConfigMap":
                cells.append(str(data))
            cells.append(_age(meta.get("creationTimestamp"), at))
        rows.append(([meta.get("namespace", "")] if all_namespaces else []) + cells)
    text = "\n".join("\t".join(r) for r in rows) + "\n"
    return fmt.tabwrite(text, minwidth=6, padding=3, tabwidth=4)


@click.command()
@click.argument("kind")
@click.argument("names", nargs=-1)
@functools.partial(output_option, error=_printer_error)
@click.option("-l", "--selector", default=None, help="Label selector to filter on.")
@click.option("-A", "--all-namespaces", is_flag=True, help="List across all namespaces.")
@_namespace_option
def get(
    kind: str,
    names: tuple[str, ...],
    output: str | None,
    selector: str | None,
    all_namespaces: bool,
    namespace: str | None,
) -> None:
    """Print objects of KIND (all of them, or those NAMEd), as kubectl get does."""
    from tektite.store.errors import InvalidSelector
    from tektite.store.protocol import is_namespaced

    kind, names = _kind_and_names(kind, names)
    real_kind, group = resolve_kind(kind)
    ns = namespace or DEFAULT_NAMESPACE
    missing: list[str] = []
    with open_store() as store:
        if names:
            objects = []
            for name in names:
                o = store.get(real_kind, ns, name)
                if o is None:
                    missing.append(name)
                else:
                    objects.append(o)
        else:
            try:
                listed = store.list(
                    real_kind, None if all_namespaces else ns, label_selector=selector
                )
            except InvalidSelector as e:
                raise KubectlError(f"error: {e}") from None
            objects = sorted(
                listed, key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"])
            )
    if objects:
        if output:
            print_objects(
                objects,
                output,
                None if names and len(names) == 1 else "List",
                error=_printer_error,
            )
        else:
            sys.stdout.write(table(real_kind, objects, now(), all_namespaces))
    elif not names:
        where = "" if all_namespaces or not is_namespaced(real_kind) else f" in {ns} namespace"
        click.echo(f"No resources found{where}.", err=True)
    for name in missing:
        click.echo(
            f'Error from server (NotFound): {_qualified_resource(real_kind, group)} "{name}" '
            "not found",
            err=True,
        )
    if missing:
        sys.exit(1)


@click.command()
@click.argument("kind", required=False)
@click.argument("names", nargs=-1)
@_files_option(required=False)
@_namespace_option
def delete(
    kind: str | None, names: tuple[str, ...], files: tuple[str, ...], namespace: str | None
) -> None:
    """Delete the objects of FILE (``-f``), or KIND NAME… (kubectl delete)."""
    targets: list[tuple[str, str, str, str, str]] = []  # (kind, group, ns, name, file)
    if files:
        if kind:
            raise KubectlError(f"error: Unexpected args: [{' '.join((kind, *names))}]")
        for path, c in load_checked(files, "delete", require_valid=False):
            raw = c.document.obj
            raw_meta = raw.get("metadata")
            if not isinstance(raw.get("kind"), str) or not isinstance(raw_meta, dict):
                raise KubectlError(f"error: {c.location()}: an object without a kind or name")
            obj = _with_namespace({**raw, "metadata": dict(raw_meta)}, namespace)
            meta = obj["metadata"]
            if not isinstance(meta.get("name"), str) or not meta["name"]:
                raise KubectlError(f"error: {c.location()}: an object without a kind or name")
            targets.append(
                (obj["kind"], _group_of(obj), meta.get("namespace", ""), meta["name"], path)
            )
    elif kind and (names or "/" in kind):
        kind, names = _kind_and_names(kind, names)
        real_kind, group = resolve_kind(kind)
        ns = namespace or DEFAULT_NAMESPACE
        targets = [(real_kind, group, ns, n, "") for n in names]
    else:
        raise KubectlError("error: You must provide one or more resources by argument or filename.")
    failed = False
    with open_store() as store:
        for k, group, ns, name, path in targets:
            if store.delete(k, ns, name) is None:
                failed = True
                message = f'{_qualified_resource(k, group)} "{name}" not found'
                click.echo(
                    _server_error("NotFound", "deleting", path, message)
                    if path
                    else f"Error from server (NotFound): {message}",
                    err=True,
                )
                continue
            click.echo(f'{resource_name(k, group)} "{name}" deleted')
    if failed:
        sys.exit(1)
