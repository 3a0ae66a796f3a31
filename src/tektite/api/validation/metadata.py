"""Validation of ``metadata`` (Tekton's ``pkg/apis/validate/metadata.go``)."""

from __future__ import annotations

from tektite.api.errors import FieldError, go_quote
from tektite.api.models import ObjectMeta
from tektite.api.validation.context import dns1123_subdomain_errors

MAX_NAME_LENGTH = 63


def validate_object_metadata(meta: ObjectMeta) -> FieldError:
    """The object's name must be a DNS-1123 subdomain of at most 63 characters.

    Paths are relative to ``metadata`` (callers add ``.via_field("metadata")``). A name
    that is empty because ``generateName`` is set is checked on the generated prefix,
    as the API server does before Tekton sees the object.
    """
    name = meta.name
    if not name and meta.generate_name:
        # The API server appends 5 random characters; check the prefix with a stand-in.
        name = meta.generate_name + "abcde"
    if dns1123_subdomain_errors(name):
        return FieldError(
            f"invalid resource name {go_quote(meta.name)}: must be a valid DNS label", ["name"]
        )
    if len(name) > MAX_NAME_LENGTH:
        return FieldError(
            "Invalid resource name: length must be no more than 63 characters", ["name"]
        )
    return FieldError()
