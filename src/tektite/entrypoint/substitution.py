"""Runtime substitution of ``$(steps.<s>.results.<r>...)`` and step artifact references.

Results of earlier steps only exist once those steps ran, so (reference §2.6)
the wrapper itself replaces these references in its environment, its command
and arguments, and its step ``when`` expressions, reading
``<root>/steps/step-<s>/results/<r>``. A ``[*]`` reference to an array result
expands to several arguments and must then be the whole argument.

Every rule, including the error texts and the point where Tekton's Go code
would panic (an array index out of range), follows ``pkg/entrypoint``.
"""

from __future__ import annotations

import os

from tektite.entrypoint.errors import GoPanic, StepError
from tektite.entrypoint.gostyle import path_error, read_op
from tektite.entrypoint.termination import go_json_string

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re

    from tektite.entrypoint.paths import TektonPaths
    from tektite.entrypoint.when import WhenExpression

# Every reference handled here starts with this; checking for it first keeps the
# regular-expression module out of the (common) case with nothing to substitute.
MARKER = "$(steps."

STEP_RESULT_PATTERN = r"\$\(steps\..*?\.results\..*?\)"
STEP_ARTIFACT_PATTERN = r"\$\(steps\.([^.]+)\.(?:inputs|outputs)\.([^.)]+)\)"
ARRAY_INDEXING_PATTERN = r"\[([0-9])*\*?\]"

ARRAY_FORMAT_ERROR = (
    'value must be in "$(steps.<step-name>.results.<result-name>[*])" format, '
    "when using array results"
)
_STEP_FORMS = (
    'must be one of the form 1). "steps.<stepName>.results.<resultName>"; '
    '2). "steps.<stepName>.results.<objectResultName>.<individualAttribute>"'
)
_ALL_FORMS = (
    'must be one of the form 1). "tasks.<taskName>.results.<resultName>"; '
    '2). "tasks.<taskName>.results.<objectResultName>.<individualAttribute>"; '
    '3). "steps.<stepName>.results.<resultName>"; '
    '4). "steps.<stepName>.results.<objectResultName>.<individualAttribute>"'
)
_MAX_INT = (1 << 63) - 1

_compiled: dict[str, re.Pattern[str]] = {}


def _regex(pattern: str) -> re.Pattern[str]:
    compiled = _compiled.get(pattern)
    if compiled is None:
        import re

        compiled = _compiled[pattern] = re.compile(pattern)
    return compiled


def find_step_result_refs(text: str) -> list[str]:
    """All ``$(steps.<s>.results.<r>...)`` references in ``text``, in order."""
    if MARKER not in text:
        return []
    return _regex(STEP_RESULT_PATTERN).findall(text)


# --- result values ------------------------------------------------------------------


class ResultValue:
    """A step result read from disk: a string, an array or an object."""

    __slots__ = ("array", "kind", "object", "string")

    def __init__(self) -> None:
        self.kind = "string"
        self.string = ""
        self.array: list[str] = []
        self.object: dict[str, str] = {}


def _reject_constant(name: str) -> object:
    raise ValueError(name)


def parse_result_value(raw: str) -> ResultValue:
    """Interpret a result file as Tekton's ``ParamValue.UnmarshalJSON`` does.

    ``[...]`` of strings is an array, ``{...}`` of strings an object, a JSON string
    is unquoted, anything else is the raw text.
    """
    import json

    value = ResultValue()
    if not raw:
        return value
    try:
        decoded: object = json.loads(raw, parse_constant=_reject_constant)
    except ValueError:
        value.string = raw
        return value
    if (
        raw[0] == "["
        and isinstance(decoded, list)
        and all(item is None or isinstance(item, str) for item in decoded)
    ):
        value.kind = "array"
        value.array = ["" if item is None else item for item in decoded]
        return value
    if (
        raw[0] == "{"
        and isinstance(decoded, dict)
        and all(item is None or isinstance(item, str) for item in decoded.values())
    ):
        value.kind = "object"
        value.object = {k: "" if v is None else v for k, v in decoded.items()}
        return value
    if decoded is None:
        return value
    value.string = decoded if isinstance(decoded, str) else raw
    return value


# --- reference parsing --------------------------------------------------------------


class StepResultRef:
    """A parsed ``steps.<step>.results.<result>[<i>|*]`` or ``....<result>.<key>``."""

    __slots__ = ("index", "key", "kind", "result", "step")

    def __init__(self, step: str, result: str, kind: str) -> None:
        self.step = step
        self.result = result
        self.kind = kind
        self.index: int | None = None
        self.key = ""


def _go_atoi(text: str) -> int:
    # strconv.Atoi with the error ignored, as Tekton does: bad syntax gives 0,
    # overflow the largest int.
    if not text.isdigit():
        return 0
    return min(int(text), _MAX_INT)


def parse_step_expression(expression: str) -> StepResultRef:
    """Parse ``steps.<s>.results.<r>...`` (without ``$(`` and ``)``) like resultref."""
    parts = expression.split(".")
    if not (len(parts) >= 4 and parts[0] == "steps" and parts[2] == "results"):
        raise StepError(_STEP_FORMS)
    if len(parts) == 4:
        indexing = _regex(ARRAY_INDEXING_PATTERN)
        found = indexing.search(parts[3])
        index_text = found.group(0)[1:-1] if found else ""
        name = indexing.sub("", parts[3])
        if index_text == "*":
            return StepResultRef(parts[1], name, "array")
        if index_text:
            ref = StepResultRef(parts[1], name, "array")
            ref.index = _go_atoi(index_text)
            return ref
        return StepResultRef(parts[1], name, "string")
    if len(parts) == 5:
        ref = StepResultRef(parts[1], parts[3], "object")
        ref.key = parts[4]
        return ref
    raise StepError(_ALL_FORMS)


def load_step_result(paths: TektonPaths, step: str, result: str) -> ResultValue:
    """Read and interpret ``<root>/steps/step-<step>/results/<result>``."""
    path = paths.step_result(step, result)
    try:
        with open(path, "rb") as handle:
            raw = handle.read().decode("utf-8", "surrogateescape")
    except OSError as error:
        raise StepError(path_error(read_op(error), path, error)) from None
    return parse_result_value(raw)


def find_replacement(paths: TektonPaths, reference: str) -> tuple[str, list[str]]:
    """Resolve one ``$(steps...)`` reference to (string value, array value)."""
    expression = reference[2:] if reference.startswith("$(") else reference
    expression = expression[:-1] if expression.endswith(")") else expression
    ref = parse_step_expression(expression)
    value = load_step_result(paths, ref.step, ref.result)
    if ref.kind == "object":
        return (value.object.get(ref.key, "") if ref.key else ""), []
    if ref.kind == "array":
        if ref.index is None:
            return "", list(value.array)
        if ref.index >= len(value.array):
            # Tekton indexes the Go slice unchecked and the entrypoint panics.
            raise GoPanic(
                f"runtime error: index out of range [{ref.index}] with length {len(value.array)}"
            )
        return value.array[ref.index], []
    return value.string, []


# --- applying step results ------------------------------------------------------------


def replace_env(paths: TektonPaths) -> None:
    """Substitute step results in every environment variable (array values become "")."""
    for name, value in list(os.environ.items()):
        refs = find_step_result_refs(value)
        if not refs:
            continue
        for ref in refs:
            replacement, _ = find_replacement(paths, ref)
            value = value.replace(ref, replacement)
        os.environ[name] = value


def replace_command_and_args(command: list[str], paths: TektonPaths) -> list[str]:
    """Substitute step results in command+args; ``[*]`` expands to several items."""
    new_command: list[str] = []
    for item in command:
        replaced = [item]
        for ref in find_step_result_refs(item):
            try:
                text, array = find_replacement(paths, ref)
            except StepError:
                raise StepError(f"failed to find replacement for {ref} to replace {item}") from None
            if array:
                if item != ref:
                    raise StepError(ARRAY_FORMAT_ERROR)
                replaced = array
            else:
                replaced[0] = replaced[0].replace(ref, text)
        new_command.extend(replaced)
    return new_command


def replace_when(whens: list[WhenExpression], paths: TektonPaths) -> None:
    """Substitute step results in step ``when`` values, input and cel, in place.

    Like Tekton, expressions already rewritten stay rewritten if a later one fails.
    """
    for when in whens:
        new_values: list[str] = []
        for item in when.values:
            replaced = item
            expanded = False
            for ref in find_step_result_refs(item):
                text, array = find_replacement(paths, ref)
                if array:
                    if item != ref:
                        raise StepError(ARRAY_FORMAT_ERROR)
                    new_values.extend(array)
                    expanded = True
                    break
                replaced = replaced.replace(ref, text)
            if not expanded:
                new_values.append(replaced)
        when.values = new_values
        for ref in find_step_result_refs(when.input):
            when.input = when.input.replace(ref, find_replacement(paths, ref)[0])
        for ref in find_step_result_refs(when.cel):
            when.cel = when.cel.replace(ref, find_replacement(paths, ref)[0])


# --- step artifacts -------------------------------------------------------------------


def _field(obj: dict[str, object], name: str) -> object:
    # Go's encoding/json matches struct fields case-insensitively; the last key wins.
    found: object = None
    for key, value in obj.items():
        if key.lower() == name:
            found = value
    return found


def _expect(value: object, kind: type, what: str) -> None:
    if value is not None and not isinstance(value, kind):
        raise StepError(f"json: cannot unmarshal into Go struct field {what}")


def _marshal_artifact_values(values: object) -> str:
    # json.Marshal([]v1.ArtifactValue): {"digest":{sorted map},"uri":...} with omitempty.
    if values is None:
        return "null"
    _expect(values, list, "Artifact.values of type []v1.ArtifactValue")
    assert isinstance(values, list)
    items = []
    for entry in values:
        if entry is None:
            items.append("{}")
            continue
        _expect(entry, dict, "Artifact.values of type v1.ArtifactValue")
        assert isinstance(entry, dict)
        fields = []
        digest = _field(entry, "digest")
        _expect(digest, dict, "ArtifactValue.digest of type map[v1.Algorithm]string")
        if isinstance(digest, dict) and digest:
            pairs = []
            for algorithm in sorted(digest):
                hashed = digest[algorithm]
                _expect(hashed, str, "ArtifactValue.digest of type string")
                pairs.append(f"{go_json_string(algorithm)}:{go_json_string(hashed or '')}")
            fields.append('"digest":{' + ",".join(pairs) + "}")
        uri = _field(entry, "uri")
        _expect(uri, str, "ArtifactValue.uri of type string")
        if isinstance(uri, str) and uri:
            fields.append(f'"uri":{go_json_string(uri)}')
        items.append("{" + ",".join(fields) + "}")
    return "[" + ",".join(items) + "]"


def artifact_values(paths: TektonPaths, template: str) -> str:
    """Resolve ``$(steps.<s>.outputs|inputs.<name>)`` to the JSON of that artifact's values."""
    import json

    inner = template[2:-1].split(".")
    step, category, name = inner[1], inner[2], inner[3] if len(inner) > 3 else ""
    path = paths.step_artifacts(step)
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as error:
        raise StepError(path_error(read_op(error), path, error)) from None
    try:
        document = json.loads(raw.decode("utf-8", "replace"), parse_constant=_reject_constant)
    except ValueError as error:
        raise StepError(str(error)) from None
    if document is None:
        document = {}
    _expect(document, dict, "Artifacts of type v1.Artifacts")
    assert isinstance(document, dict)
    artifacts = _field(document, category)
    _expect(artifacts, list, f"Artifacts.{category} of type []v1.Artifact")
    for artifact in artifacts if isinstance(artifacts, list) else []:
        if artifact is None:
            artifact = {}
        _expect(artifact, dict, f"Artifacts.{category} of type v1.Artifact")
        assert isinstance(artifact, dict)
        if (_field(artifact, "name") or "") == name:
            return _marshal_artifact_values(_field(artifact, "values"))
    raise StepError(f"values for template {template} not found")


def _replace_artifact_refs(text: str, paths: TektonPaths) -> str:
    if MARKER not in text:
        return text
    result = text
    for match in _regex(STEP_ARTIFACT_PATTERN).finditer(text):
        reference = match.group(0)
        result = result.replace(reference, artifact_values(paths, reference))
    return result


def apply_artifact_substitutions(command: list[str], paths: TektonPaths) -> list[str]:
    """Substitute step artifact references in the script file (or command) and env.

    A script (a lone command under ``<root>/scripts``) whose text changes is
    rewritten to a fresh temporary file, as Tekton does, and that becomes the command.
    """
    new_command = command
    if len(command) == 1 and os.path.normpath(os.path.dirname(command[0])) == os.path.normpath(
        paths.scripts
    ):
        try:
            with open(command[0], "rb") as handle:
                content = handle.read().decode("utf-8", "surrogateescape")
        except OSError as error:
            raise StepError(path_error(read_op(error), command[0], error)) from None
        replaced = _replace_artifact_refs(content, paths)
        if replaced != content:
            new_command = [_write_temp_script(replaced)]
    else:
        new_command = [_replace_artifact_refs(item, paths) for item in command]
    for name, value in list(os.environ.items()):
        replaced = _replace_artifact_refs(value, paths)
        if replaced != value:
            os.environ[name] = replaced
    return new_command


def _write_temp_script(content: str) -> str:
    import tempfile

    fd, path = tempfile.mkstemp(prefix="script-")
    try:
        os.fchmod(fd, 0o755)
        os.write(fd, content.encode("utf-8", "surrogateescape"))
    finally:
        os.close(fd)
    return path
