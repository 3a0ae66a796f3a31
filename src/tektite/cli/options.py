"""Options shared by commands that read Tekton configuration."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import click

from tektite.api.config import ALPHA_CI_FLAGS, Config, ConfigError, Defaults, FeatureFlags

F = TypeVar("F", bound=Callable[..., Any])


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in values:
        key, sep, value = v.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {v!r}", param_hint=option)
        out[key.strip()] = value.strip()
    return out


def config_options(f: F) -> F:
    """Add ``--feature-flag``, ``--default`` and ``--alpha`` to a command."""
    f = click.option(
        "--alpha",
        is_flag=True,
        help="Turn on every alpha feature, as Tekton's alpha CI does.",
    )(f)
    f = click.option(
        "--default",
        "config_defaults",
        multiple=True,
        metavar="KEY=VALUE",
        help="A config-defaults entry, e.g. default-timeout-minutes=30 (repeatable).",
    )(f)
    f = click.option(
        "-F",
        "--feature-flag",
        "feature_flags",
        multiple=True,
        metavar="KEY=VALUE",
        help="A feature-flags entry, e.g. enable-api-fields=alpha (repeatable).",
    )(f)
    return f


def load_config(args: Mapping[str, object]) -> Config:
    """Build the Config from the options added by :func:`config_options`."""
    flags: dict[str, str] = dict(ALPHA_CI_FLAGS) if args.get("alpha") else {}
    flags.update(_pairs(_tuple(args.get("feature_flags")), "--feature-flag"))
    defaults = _pairs(_tuple(args.get("config_defaults")), "--default")
    try:
        return Config(features=FeatureFlags.from_map(flags), defaults=Defaults.from_map(defaults))
    except ConfigError as e:
        raise click.UsageError(str(e)) from None


def _tuple(v: object) -> tuple[str, ...]:
    return tuple(str(x) for x in v) if isinstance(v, (tuple, list)) else ()


def runtime_options(f: F) -> F:
    """Add ``--runtime`` and ``--image-map``, as ``tektite run`` has them: where the
    Pods of an in-process controller (or a daemon) run."""
    f = click.option(
        "--image-map",
        "image_maps",
        multiple=True,
        metavar="SRC=DST",
        help="Run image DST wherever SRC is named (also $TEKTITE_IMAGE_MAP, comma-separated).",
    )(f)
    f = click.option(
        "--runtime",
        default="auto",
        show_default=True,
        envvar="TEKTITE_RUNTIME",
        type=click.Choice(["auto", "podman", "docker", "host"]),
        help="Where the Pods run (auto: podman, else docker, else host; also $TEKTITE_RUNTIME).",
    )(f)
    return f
