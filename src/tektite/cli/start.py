"""``tektite task start NAME`` / ``tektite pipeline start NAME``: tkn's ``start``.

The run is built as tkn builds it — ``generateName: <name>-run-`` (or ``--prefix-name``,
or the reused run's), ``-p`` typed by the Task's or Pipeline's param specs (``a,b`` for
arrays, ``"k:v, k2:v2"`` for objects) and sorted by name, ``-w`` in tkn's syntax,
``--last``/``--use-taskrun``/``--use-pipelinerun`` copying a previous run's spec — then
checked as Tekton's webhook would, and created (see :mod:`tektite.cli.launch` for what
happens next, with or without ``tektite serve``). Missing params and workspaces are
asked for on a terminal, as tkn asks; without one, a missing value is an error naming
it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from tektite.cli.common import (
    last_pipelinerun,
    last_taskrun,
    load_yaml_file,
    namespace_option,
    open_store,
    use_color,
)
from tektite.cli.options import config_options, load_config, runtime_options

F = TypeVar("F", bound=Callable[..., Any])


def _common(kind: str) -> Callable[[F], F]:
    """The options tkn's ``task start`` and ``pipeline start`` share."""
    run = "TaskRun" if kind == "Task" else "PipelineRun"

    def add(f: F) -> F:
        options = [
            click.option(
                "--prefix-name",
                default="",
                help=f"specify a prefix for the {run} name "
                "(must be lowercase alphanumeric characters)",
            ),
            click.option(
                "--pod-template",
                default="",
                metavar="FILE",
                help="local file containing a PodTemplate definition",
            ),
            click.option("-o", "--output", default="", help=f"format of {run} (yaml or json)"),
            click.option(
                "-f",
                "--filename",
                default="",
                help=f"local file containing a {kind} definition to start a {run}",
            ),
            click.option("--dry-run", is_flag=True, help=f"preview {run} without running it"),
            click.option(
                "--skip-optional-workspace",
                is_flag=True,
                help="skips the prompt for optional workspaces",
            ),
            click.option(
                "--use-param-defaults",
                is_flag=True,
                help="use default parameter values without prompting for input",
            ),
            click.option(
                "--showlog", is_flag=True, help=f"show logs right after starting the {kind}"
            ),
            click.option(
                "-w",
                "--workspace",
                "workspaces",
                multiple=True,
                help="pass one or more workspaces to map to the corresponding physical volumes",
            ),
            click.option(
                "-l", "--labels", "labels", multiple=True, help="pass labels as label=value."
            ),
            click.option(
                "-L", "--last", is_flag=True, help=f"re-run the {kind} using last {run} values"
            ),
            click.option("-s", "--serviceaccount", default="", help="pass the serviceaccount name"),
            click.option(
                "-p",
                "--param",
                "params",
                multiple=True,
                help="pass the param as key=value for string type, or key=value1,value2,... "
                'for array type, or key="key1:value1, key2:value2" for object type',
            ),
        ]
        for option in options:
            f = option(f)
        return runtime_options(config_options(namespace_option(f)))

    return add


@click.command("start")
@click.argument("name", required=False)
@_common("Task")
@click.option(
    "--use-taskrun",
    default="",
    help="specify a TaskRun name to use its values to re-run the TaskRun",
)
@click.option("--timeout", default="", help="timeout for TaskRun")
def task_start(name: str | None, **opts: Any) -> None:
    """Start Tasks."""
    _check_flags(opts, "--use-taskrun", opts["use_taskrun"])
    if not name and not opts["filename"]:
        raise click.ClickException("either a Task name or a --filename argument must be supplied")
    if opts["filename"] and opts["last"]:
        raise click.ClickException("cannot use --last option with --filename or --image option")
    if opts["last"] and opts["use_taskrun"]:
        raise click.ClickException("using --last and --use-taskrun are not compatible")
    config = load_config(opts)
    namespace = opts["namespace"]
    with open_store() as store:
        if name:
            task = store.get("Task", namespace, name)
            if task is None:
                raise click.ClickException(
                    f"Task name {name} does not exist in namespace {namespace}"
                )
            ref: dict[str, Any] = {"taskRef": {"name": name}}
        else:
            task = _from_file(opts["filename"], "Task", config)
            name = str(task["metadata"].get("name", ""))
            ref = {"taskSpec": task.get("spec") or {}}
        spec = task.get("spec") or {}
        run: dict[str, Any] = {
            "apiVersion": "tekton.dev/v1",
            "kind": "TaskRun",
            "metadata": {"namespace": namespace},
            "spec": ref,
        }
        reuse = opts["last"] or opts["use_taskrun"]
        defaults: dict[str, Any] = {}
        params, workspaces = _inputs(spec, opts, "Task", name, bool(reuse), defaults)
        if reuse:
            used = last_taskrun(store, name, namespace) if opts["last"] else None
            used = used or _get_run(store, "TaskRun", namespace, opts["use_taskrun"])
            ref_kind = ((used.get("spec") or {}).get("taskRef") or {}).get("kind", "Task")
            if ref_kind != "Task":
                raise click.ClickException(
                    f"{used['metadata']['name']} doesn't belong to {name} of kind Task"
                )
            _reuse(run, used, opts["prefix_name"])
        _generate_name(run, name, opts["prefix_name"], bool(reuse))
        run_spec = run["spec"]
        if opts["timeout"]:
            run_spec["timeout"] = _duration(opts["timeout"])
        _merge_labels(run, opts["labels"])
        _merge_workspaces(run_spec, workspaces)
        _merge_params(run_spec, params, spec, defaults)
        if opts["serviceaccount"]:
            run_spec["serviceAccountName"] = opts["serviceaccount"]
        if opts["pod_template"]:
            run_spec["podTemplate"] = _pod_template(opts["pod_template"])
    _finish(run, opts, config)


@click.command("start")
@click.argument("name", required=False)
@_common("Pipeline")
@click.option(
    "--use-pipelinerun", default="", help="use this pipelinerun values to re-run the pipeline."
)
@click.option(
    "--timeout", default="", help="timeout for PipelineRun (deprecated: use --pipeline-timeout)"
)
@click.option("--pipeline-timeout", default="", help="timeout for PipelineRun")
@click.option("--tasks-timeout", default="", help="timeout for Pipeline TaskRuns")
@click.option("--finally-timeout", default="", help="timeout for Finally TaskRuns")
@click.option(
    "--task-serviceaccount",
    "task_serviceaccounts",
    multiple=True,
    help="pass the service account corresponding to the task",
)
@click.option(
    "-E",
    "--exit-with-pipelinerun-error",
    "exit_with_error",
    is_flag=True,
    help="when using --showlog, exit with pipelinerun to the unix shell, "
    "0 if success, 1 if error, 2 on unknown status",
)
def pipeline_start(name: str | None, **opts: Any) -> None:
    """Start Pipelines."""
    if opts["last"] and opts["use_pipelinerun"]:
        raise click.ClickException(
            "option --last and option --use-pipelinerun can't be specify together"
        )
    if opts["filename"] and opts["last"]:
        raise click.ClickException("cannot use --last option with --filename option")
    _check_flags(opts, "--use-pipelinerun", opts["use_pipelinerun"], allow_name=True)
    if not name and not opts["filename"]:
        raise click.ClickException("missing Pipeline name")
    config = load_config(opts)
    namespace = opts["namespace"]
    with open_store() as store:
        if not opts["filename"]:
            assert name
            pipeline = store.get("Pipeline", namespace, name)
            if pipeline is None:
                raise click.ClickException(
                    f"Pipeline name {name} does not exist in namespace {namespace}"
                )
            ref: dict[str, Any] = {"pipelineRef": {"name": name}}
        else:
            pipeline = _from_file(opts["filename"], "Pipeline", config)
            name = str(pipeline["metadata"].get("name", ""))
            ref = {"pipelineSpec": pipeline.get("spec") or {}}
        spec = pipeline.get("spec") or {}
        run: dict[str, Any] = {
            "apiVersion": "tekton.dev/v1",
            "kind": "PipelineRun",
            "metadata": {"namespace": namespace},
            "spec": ref,
        }
        reuse = opts["last"] or opts["use_pipelinerun"]
        defaults: dict[str, Any] = {}
        params, workspaces = _inputs(spec, opts, "Pipeline", name, bool(reuse), defaults)
        if reuse:
            used = (
                last_pipelinerun(store, name, namespace)
                if opts["last"]
                else _get_run(store, "PipelineRun", namespace, opts["use_pipelinerun"])
            )
            _reuse(run, used, opts["prefix_name"])
        _generate_name(run, name, opts["prefix_name"], bool(reuse))
        run_spec = run["spec"]
        _pipeline_timeouts(run_spec, opts)
        _merge_labels(run, opts["labels"])
        _merge_params(run_spec, params, spec, defaults)
        _merge_workspaces(run_spec, workspaces)
        _merge_task_serviceaccounts(run_spec, opts["task_serviceaccounts"])
        template = dict(run_spec.get("taskRunTemplate") or {})
        if opts["serviceaccount"]:
            template["serviceAccountName"] = opts["serviceaccount"]
        if opts["pod_template"]:
            template["podTemplate"] = _pod_template(opts["pod_template"])
        if template:
            run_spec["taskRunTemplate"] = template
    _finish(run, opts, config)


# -- flags -----------------------------------------------------------------------------------


def _check_flags(opts: dict[str, Any], use_flag: str, use: str, allow_name: bool = False) -> None:
    """tkn's ``Args`` checks."""
    if opts["use_param_defaults"] and (opts["last"] or use):
        raise click.ClickException(
            f"cannot use --last or {use_flag} options with --use-param-defaults option"
        )
    fmt = opts["output"].lower()
    names = ("json", "yaml", "name") if allow_name else ("json", "yaml")
    if fmt and fmt not in names:
        raise click.ClickException(
            f"output format specified is {opts['output']} but must be yaml or json"
        )
    opts["output"] = fmt
    if fmt and opts["showlog"]:
        raise click.ClickException("cannot use --output option with --showlog option")


def _duration(text: str) -> str:
    """A Go duration flag, as ``metav1.Duration`` prints it (``1h`` → ``1h0m0s``)."""
    from tektite.api.durations import GoDurationError, format_duration_ns, parse_duration_ns

    try:
        return format_duration_ns(parse_duration_ns(text))
    except GoDurationError as e:
        raise click.ClickException(str(e)) from None


def _pipeline_timeouts(spec: dict[str, Any], opts: dict[str, Any]) -> None:
    if opts["timeout"]:
        spec["timeouts"] = {"pipeline": _duration(opts["timeout"])}
    chosen = {
        "pipeline": opts["pipeline_timeout"],
        "tasks": opts["tasks_timeout"],
        "finally": opts["finally_timeout"],
    }
    if any(chosen.values()):
        # tkn replaces the whole timeouts block then.
        spec["timeouts"] = {k: _duration(v) for k, v in chosen.items() if v}


def _from_file(path: str, kind: str, config: Any) -> dict[str, Any]:
    """tkn's ``-f``: the first ``kind`` of a local YAML file, checked as ``validate``
    checks it."""
    from tektite.api.load import check_file
    from tektite.api.yamlio import YamlLoadError

    if not path.endswith((".yaml", ".yml")):
        raise click.ClickException(
            f"invalid file format for {path}: .yaml or .yml file extension and format required"
        )
    try:
        checked = check_file(path, config)
    except YamlLoadError as e:
        raise click.ClickException(str(e)) from None
    for c in checked:
        if c.obj is not None and c.obj.to_dict().get("kind") == kind:
            if not c.valid:
                first = (c.errors.render().splitlines() or ["invalid"])[0]
                raise click.ClickException(f"{path}: {c.name}: {first}")
            return dict(c.obj.to_dict())
    raise click.ClickException(f"{path}: no {kind} in the file")


def _pod_template(path: str) -> dict[str, Any]:
    template = load_yaml_file(path)
    if not isinstance(template, dict):
        raise click.ClickException(f"{path}: expected one PodTemplate mapping")
    return dict(template)


# -- reusing a run ----------------------------------------------------------------------------


def _get_run(store: Any, kind: str, namespace: str, name: str) -> dict[str, Any]:
    run = store.get(kind, namespace, name)
    if run is None:
        plural = "taskruns" if kind == "TaskRun" else "pipelineruns"
        raise click.ClickException(f'{plural}.tekton.dev "{name}" not found')
    return dict(run)


def _reuse(run: dict[str, Any], used: dict[str, Any], prefix: str) -> None:
    """Copy the spec of ``used`` (its cancel status dropped) and its naming."""
    meta = used["metadata"]
    if not prefix:
        run["metadata"]["generateName"] = meta.get("generateName") or f"{meta['name']}-"
    spec = dict(used.get("spec") or {})
    spec.pop("status", None)
    run["spec"] = spec


def _generate_name(run: dict[str, Any], name: str, prefix: str, reused: bool) -> None:
    if prefix:
        run["metadata"]["generateName"] = f"{prefix}-"
    elif not reused:
        run["metadata"]["generateName"] = f"{name}-run-"


def _merge_labels(run: dict[str, Any], labels: tuple[str, ...]) -> None:
    if not labels:
        return
    merged = dict(run["metadata"].get("labels") or {})
    for v in (x for item in labels for x in item.split(",")):
        key, sep, value = v.partition("=")
        if not sep:
            raise click.ClickException(f"invalid input format for label parameter: {v}")
        merged[key] = value
    run["metadata"]["labels"] = merged


# -- params and workspaces ---------------------------------------------------------------------


def _param_types(spec: dict[str, Any]) -> dict[str, str]:
    """tkn's ``FilterParamsByType``: every declared param with its type."""
    return {
        str(p["name"]): str(p.get("type") or _type_of(p.get("default")))
        for p in spec.get("params") or ()
        if p.get("name")
    }


def _type_of(default: Any) -> str:
    if isinstance(default, list):
        return "array"
    if isinstance(default, dict):
        return "object"
    return "string"


def _split_param(text: str) -> tuple[str, str]:
    """tkn's ``ParseParams``: ``name=value``, both trimmed."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise click.ClickException(f"invalid input format for param parameter: {text}")
    return key.strip(), value.strip()


def _typed(name: str, raw: str, kind: str, original: str) -> Any:
    """tkn's ``parseParam``: a value of the declared type."""
    if kind == "array":
        return raw.split(",") if raw else []
    if kind == "object":
        obj: dict[str, str] = {}
        for field in raw.split(","):
            key, sep, value = field.partition(":")
            if not sep:
                raise click.ClickException(f"invalid input format for param parameter: {original}")
            obj[key.strip()] = value.strip()
        return obj
    return raw


def _default_text(p: dict[str, Any]) -> str | None:
    """How tkn shows a default in its question."""
    default = p.get("default")
    if default is None:
        return None
    if isinstance(default, list):
        return ",".join(str(x) for x in default)
    if isinstance(default, dict):
        return "map[" + " ".join(f"{k}:{v}" for k, v in sorted(default.items())) + "]"
    return str(default)


def _inputs(
    spec: dict[str, Any],
    opts: dict[str, Any],
    kind: str,
    name: str,
    reuse: bool,
    defaults: dict[str, Any],
) -> tuple[list[str], list[str]]:
    """tkn's ``getInputs``: the ``-p`` and ``-w`` values, plus answers to questions
    for what is missing (on a terminal), or an error naming what is missing.
    ``defaults`` receives the params whose default was accepted as is."""
    params = list(opts["params"])
    workspaces = list(opts["workspaces"])
    if reuse:
        return params, workspaces
    given = dict(_split_param(p) for p in params)
    terminal = sys.stdin.isatty()
    for p in spec.get("params") or ():
        pname = str(p.get("name", ""))
        if pname in given:
            continue
        default = _default_text(p)
        if opts["use_param_defaults"] and default is not None:
            continue
        if not terminal:
            if default is not None:
                continue  # Tekton applies the default
            raise click.ClickException(
                f"param '{pname}' of {kind} {name} has no value and no default: "
                f"pass it with -p {pname}=VALUE"
            )
        question = f"Value for param `{pname}` of type `{p.get('type') or 'string'}`?"
        if default is not None:
            question += f" (Default is `{default}`)"
        answer = click.prompt(question, default=default, show_default=False, err=True)
        if answer == default and default is not None:
            # The default as declared: tkn would re-parse its Go rendering of an
            # object default (``map[k:v]``) into a wrong object.
            defaults[pname] = p.get("default")
        params.append(f"{pname}={answer}")
    if not workspaces:
        workspaces = _ask_workspaces(spec, opts, kind, name, terminal)
    return params, workspaces


def _ask_workspaces(
    spec: dict[str, Any], opts: dict[str, Any], kind: str, name: str, terminal: bool
) -> list[str]:
    """tkn's workspace questions, one workspace after the other."""
    out: list[str] = []
    for ws in spec.get("workspaces") or ():
        wname = str(ws.get("name", ""))
        optional = bool(ws.get("optional"))
        if optional and (opts["skip_optional_workspace"] or not terminal):
            continue
        if not terminal:
            raise click.ClickException(
                f"workspace '{wname}' of {kind} {name} is not bound: pass it with "
                f"-w name={wname},emptyDir= (or claimName=, config=, secret=)"
            )
        if optional:
            answer = click.prompt(
                f"Do you want to give specifications for the optional workspace `{wname}`: (y/N)",
                default="N",
                show_default=False,
                err=True,
            )
            if answer.lower() != "y":
                continue
        click.echo(f"Please give specifications for the workspace: {wname} ", err=True)
        binding = "name=" + click.prompt("Name for the workspace :", err=True)
        sub_path = click.prompt("Value of the Sub Path :", default="", show_default=False, err=True)
        if sub_path.strip():
            binding += f",subPath={sub_path.strip()}"
        kind_answer = click.prompt(
            "Type of the Workspace :",
            type=click.Choice(["config", "emptyDir", "secret", "pvc"]),
            default="emptyDir",
            err=True,
        )
        if kind_answer == "pvc":
            binding += ",claimName=" + click.prompt("Value of Claim Name :", err=True)
        elif kind_answer == "emptyDir":
            binding += ",emptyDir=" + click.prompt(
                "Type of EmptyDir :", default="", show_default=False, err=True
            )
        elif kind_answer == "config":
            binding += ",config=" + click.prompt("Name of the configmap :", err=True)
        else:
            binding += ",secret=" + click.prompt("Name of the secret :", err=True)
        out.append(binding)
    return out


def _merge_params(
    run_spec: dict[str, Any],
    params: list[str],
    spec: dict[str, Any],
    defaults: dict[str, Any] | None = None,
) -> None:
    """tkn's ``MergeParam``: replace or add, then sort by name (a param in
    ``defaults`` takes that value as is)."""
    if not params:
        return
    types = _param_types(spec)
    parsed: dict[str, dict[str, Any]] = {}
    for text in params:
        key, sep, value = text.partition("=")
        if not sep:
            raise click.ClickException(f"invalid input format for param parameter: {text}")
        if key not in types:
            raise click.ClickException(f"param '{key}' not present in spec")
        if defaults and key in defaults:
            parsed[key] = {"name": key, "value": defaults[key]}
            continue
        parsed[key] = {"name": key, "value": _typed(key, value, types[key], text)}
    current = [dict(p) for p in run_spec.get("params") or ()]
    current = [parsed.pop(p.get("name", ""), p) for p in current]
    current.extend(parsed.values())
    run_spec["params"] = sorted(current, key=lambda p: str(p.get("name", "")))


def _merge_workspaces(run_spec: dict[str, Any], workspaces: list[str]) -> None:
    """tkn's ``workspaces.Merge`` of the ``-w`` values into the run's bindings."""
    from tektite.cli import workspace_flag

    if not workspaces:
        return
    run_spec["workspaces"] = workspace_flag.merge(
        list(run_spec.get("workspaces") or ()), workspaces
    )


def _merge_task_serviceaccounts(run_spec: dict[str, Any], values: tuple[str, ...]) -> None:
    """tkn's ``mergeSvc``: ``task=sa`` pairs into ``taskRunSpecs``."""
    if not values:
        return
    wanted: dict[str, str] = {}
    for v in (x for item in values for x in item.split(",")):
        parts = v.split("=")
        if len(parts) != 2 or not parts[0]:
            raise click.ClickException(
                f"invalid service account parameter: {v}\nPlease pass Task service "
                "accounts as --task-serviceaccount TaskName=ServiceAccount"
            )
        wanted[parts[0]] = parts[1]
    specs = [dict(s) for s in run_spec.get("taskRunSpecs") or ()]
    for s in specs:
        if s.get("pipelineTaskName") in wanted:
            s["serviceAccountName"] = wanted.pop(s["pipelineTaskName"])
    specs.extend({"pipelineTaskName": t, "serviceAccountName": sa} for t, sa in wanted.items())
    run_spec["taskRunSpecs"] = specs


# -- the end ------------------------------------------------------------------------------------


def _finish(run: dict[str, Any], opts: dict[str, Any], config: Any) -> None:
    """Print the run (``--dry-run``), or check, create and follow it."""
    from tektite.api.load import check_object
    from tektite.api.yamlio import Document
    from tektite.cli.launch import Launch, launch
    from tektite.cli.start_format import print_run

    if opts["dry_run"]:
        print_run(run, opts["output"] or "yaml", sys.stdout)
        return
    checked = check_object(run, Document("<start>", 0, 1, run), config)
    if not checked.valid or checked.obj is None:
        lines = checked.errors.render().splitlines() or ["invalid"]
        raise click.ClickException(
            f"admission webhook denied the {run['kind']}: " + "; ".join(lines)
        )
    from tektite.runtime.image_map import ImageMap, ImageMapError

    try:
        image_map = ImageMap.from_sources(opts["image_maps"])
    except ImageMapError as e:
        raise click.ClickException(str(e)) from None
    obj = checked.obj.to_dict()
    how = Launch(
        config=config,
        runtime=opts["runtime"],
        image_map=image_map,
        show_log=opts["showlog"],
        output=opts["output"] or None,
        exit_with_error=bool(opts.get("exit_with_error")),
        color=use_color(),
    )
    sys.exit(launch(obj, how))
