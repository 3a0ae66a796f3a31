"""What the tkn-like and kubectl-like commands share: the namespace option, the clock,
the store, colour, printing objects, and turning store errors into one-line errors."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import click

from tektite.cli.tree import NAMESPACE_KEY, NO_COLOR_KEY

if TYPE_CHECKING:
    from tektite.store.protocol import Store
    from tektite.store.sqlite import SqliteStore

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_NAMESPACE = "default"
NOW_ENV = "TEKTITE_NOW"
"""An RFC 3339 time the CLI takes as "now" (for deterministic ages in tests)."""


def namespace_option(f: F) -> F:
    """``-n/--namespace NS``; falls back to a group-level ``-n``, then ``default``."""

    def resolve(ctx: click.Context, _: click.Parameter, value: str | None) -> str:
        # Context.meta is shared by the whole command chain, so a group's -n is here.
        return value or str(ctx.meta.get(NAMESPACE_KEY) or DEFAULT_NAMESPACE)

    return click.option(
        "-n",
        "--namespace",
        default=None,
        metavar="NS",
        callback=resolve,
        help="Namespace to use (default: default).",
    )(f)


def now() -> datetime:
    """The current time, or ``$TEKTITE_NOW`` when set."""
    fixed = os.environ.get(NOW_ENV)
    if fixed:
        try:
            moment = datetime.fromisoformat(fixed)
        except ValueError:
            raise click.ClickException(f"${NOW_ENV}: not an RFC 3339 time: {fixed!r}") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime.now(UTC)


def use_color() -> bool:
    """tkn's rule: colour only on a terminal, never with ``$NO_COLOR`` set or with the
    group's ``-C/--no-color``."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.meta.get(NO_COLOR_KEY):
        return False
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


@contextmanager
def open_store() -> Iterator[SqliteStore]:
    """The store of the data directory (``$TEKTITE_HOME``…); store errors raised
    inside become one-line CLI errors."""
    from tektite.store.errors import StoreError
    from tektite.store.sqlite import SqliteStore

    try:
        store = SqliteStore(SqliteStore.default_path())
    except StoreError as e:  # Unavailable: the message names the file
        raise click.ClickException(str(e)) from None
    try:
        yield store
    except StoreError as e:
        raise click.ClickException(str(e)) from None
    finally:
        store.close()


_JSONPATH_FORMATS = ("jsonpath", "jsonpath-as-json", "jsonpath-file")
_GO_TEMPLATE_FORMATS = ("go-template", "go-template-file", "template", "templatefile")
_TEMPLATE_FILE_FORMATS = ("go-template-file", "jsonpath-file", "templatefile")
OUTPUT_FORMATS = (
    "go-template",
    "go-template-file",
    "json",
    "jsonpath",
    "jsonpath-as-json",
    "jsonpath-file",
    "name",
    "template",
    "templatefile",
    "yaml",
)
"""What ``-o`` takes: kubectl's printer formats, in the sorted order its error lists
them."""

ErrorFactory = Callable[[str], click.ClickException]


def output_option(f: F, *, error: ErrorFactory | None = None) -> F:
    """``-o/--output FORMAT``: json, yaml, name, or a template as kubectl's printer
    flags take one: JSONPath (``jsonpath=TEMPLATE``, ``jsonpath-as-json=TEMPLATE``,
    ``jsonpath-file=FILE``) or Go (``go-template=TEMPLATE`` or ``template=TEMPLATE``,
    ``go-template-file=FILE`` or ``templatefile=FILE``), checked before the command
    runs. ``error`` makes the exception for a bad format (default: tkn's
    ``Error: …``)."""

    def check(ctx: click.Context, _: click.Parameter, value: str | None) -> str | None:
        if value is not None:
            _printer(value, error or fail)
        return value

    return click.option(
        "-o",
        "--output",
        metavar="FORMAT",
        callback=check,
        help="Output format: json, yaml, name, jsonpath=TEMPLATE, jsonpath-as-json=TEMPLATE, "
        "jsonpath-file=FILE, go-template=TEMPLATE (or template=TEMPLATE) or "
        "go-template-file=FILE (or templatefile=FILE).",
    )(f)


def _printer(output: str, error: ErrorFactory) -> tuple[str, Any]:
    """The format of ``output`` and, for a template one, its parsed template (JSONPath
    or Go); the messages are kubectl's printer flags' (``genericclioptions``)."""
    from tektite.api.errors import go_quote
    from tektite.cli.gotemplate import GoTemplateError
    from tektite.cli.gotemplate import parse as parse_go_template
    from tektite.cli.jsonpath import JSONPathError, parse

    fmt, _, value = output.partition("=")
    templated = fmt in _JSONPATH_FORMATS or fmt in _GO_TEMPLATE_FORMATS
    if fmt not in OUTPUT_FORMATS or (value and not templated):
        raise error(
            f"unable to match a printer suitable for the output format {go_quote(output)}, "
            f"allowed formats are: {','.join(OUTPUT_FORMATS)}"
        )
    if not templated:
        return fmt, None
    if not value:
        raise error("template format specified but no template given")
    if fmt in _TEMPLATE_FILE_FORMATS:
        from tektite.entrypoint.gostyle import path_error, read_op

        try:
            with open(value, encoding="utf-8") as handle:
                value = handle.read()
        except OSError as e:
            raise error(
                f"error reading --template {value}, {path_error(read_op(e), value, e)}"
            ) from None
    if fmt in _GO_TEMPLATE_FORMATS:
        try:
            return fmt, parse_go_template(value)
        except GoTemplateError as e:
            raise error(f"error parsing template {value}, {e}") from None
    try:
        return fmt, parse(value)
    except JSONPathError as e:
        raise error(f"error parsing jsonpath {value}, {e}") from None


def print_objects(
    objects: list[dict[str, Any]],
    output: str,
    list_kind: str | None,
    *,
    error: ErrorFactory | None = None,
) -> None:
    """``-o`` as kubectl's printers write it (see ``output_option``): one object alone,
    or a ``<Kind>List`` (kubectl's ``List`` when ``list_kind`` is None) around several.
    A JSONPath or Go template runs once on that object, and its text is printed as it
    is."""
    from tektite.api.errors import go_quote
    from tektite.api.yamlio import dump_json, dump_yaml, marshal_json
    from tektite.cli.gotemplate import GoTemplateError, go_value_text
    from tektite.cli.jsonpath import JSONPathError

    fmt, template = _printer(output, error or fail)
    if fmt == "name":
        for o in objects:
            group = o.get("apiVersion", "").rpartition("/")[0]
            resource = o["kind"].lower() + (f".{group}" if group else "")
            click.echo(f"{resource}/{o['metadata']['name']}")
        return
    doc: Any
    if list_kind is None and len(objects) == 1:
        doc = objects[0]
    else:
        api_version = objects[0]["apiVersion"] if objects and list_kind else "v1"
        doc = {
            "apiVersion": api_version,
            "items": objects,
            "kind": list_kind or "List",
            "metadata": {"resourceVersion": ""},
        }
    if template is None:
        sys.stdout.write(dump_json(doc) if fmt == "json" else dump_yaml(doc))
        return
    if fmt in _GO_TEMPLATE_FORMATS:
        try:
            text = template.execute(doc)
        except GoTemplateError as e:
            # kubectl returns the first line as its error, after writing the rest to
            # the output (with what the template wrote so far); here, as for a
            # JSONPath template, nothing is written and one error says it all.
            raise (error or fail)(
                f"error executing template {go_quote(template.source)}: {e}\n"
                f"Error executing template: {e}. Printing more information for debugging "
                f"the template:\n"
                f"\ttemplate was:\n\t\t{template.source}\n"
                f"\traw data was:\n\t\t{marshal_json(doc)}\n"
                f"\tobject given to template engine was:\n\t\t{go_value_text(doc)}\n"
            ) from None
        sys.stdout.write(text)
        return
    try:
        text = template.execute(doc, as_json=fmt == "jsonpath-as-json")
    except JSONPathError as e:
        # kubectl's message, but for the object: as JSON rather than Go syntax.
        raise (error or fail)(
            f"error executing jsonpath {go_quote(template.source)}: Error executing template: "
            f"{e}. Printing more information for debugging the template:\n"
            f"\ttemplate was:\n\t\t{template.source}\n"
            f"\tobject given to jsonpath engine was:\n\t\t{marshal_json(doc)}\n"
        ) from None
    sys.stdout.write(text)


def fail(message: str) -> click.ClickException:
    """A one-line error for ``raise``: click prints ``Error: message`` and exits 1."""
    return click.ClickException(message)


def last_taskrun(store: Store, task: str, namespace: str) -> dict[str, Any]:
    """tkn's ``task.LastRun``: the newest TaskRun of ``task`` that references a Task
    (not a ClusterTask or a custom kind)."""
    from tektite.cli.formatting import last_run

    runs = store.list("TaskRun", namespace, label_selector=f"tekton.dev/task={task}")
    latest = last_run(
        r for r in runs if ((r.get("spec") or {}).get("taskRef") or {}).get("kind") == "Task"
    )
    if latest is None:
        raise fail(f"no TaskRuns related to Task {task} found in namespace {namespace}")
    return latest


def last_pipelinerun(store: Store, pipeline: str, namespace: str) -> dict[str, Any]:
    """tkn's ``pipeline.LastRun``: the newest PipelineRun of ``pipeline``."""
    from tektite.cli.formatting import last_run

    runs = store.list("PipelineRun", namespace, label_selector=f"tekton.dev/pipeline={pipeline}")
    latest = last_run(runs)
    if latest is None:
        raise fail(f"no pipelineruns related to pipeline {pipeline} found in namespace {namespace}")
    return latest


def load_yaml_file(path: str) -> Any:
    """tkn's ``file.LoadFileContent`` of a ``.yaml``/``.yml`` file (a local path, or an
    ``http`` URL) and its YAML, one document; errors carry tkn's messages."""
    from tektite.api.errors import go_quote
    from tektite.api.yamlio import YamlLoadError, load_documents

    if not path.endswith((".yaml", ".yml")):
        raise fail(
            f"invalid file format for {path}: .yaml or .yml file extension and format required"
        )
    try:
        if path.startswith("http"):
            import urllib.error
            import urllib.request

            try:
                with urllib.request.urlopen(path, timeout=30) as response:
                    content = response.read()
            except urllib.error.HTTPError as e:
                if e.code == 404:
                    raise fail("url specified returned a 404: not found") from None
                raise fail(f"Get {go_quote(path)}: {e}") from None
            except urllib.error.URLError as e:
                raise fail(f"Get {go_quote(path)}: {e.reason}") from None
        else:
            with open(path, "rb") as handle:
                content = handle.read()
        docs = load_documents(content, path)
    except OSError as e:
        raise fail(f"open {path}: {(e.strerror or str(e)).lower()}") from None
    except YamlLoadError as e:
        raise fail(str(e)) from None
    if len(docs) != 1:
        raise fail(f"{path}: expected one YAML document, found {len(docs)}")
    return docs[0].obj
