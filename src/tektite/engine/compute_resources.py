"""Task-level compute resources (``pkg/internal/computeresources/tasklevel``): a TaskRun's
``computeResources`` shared out over its steps, with Kubernetes quantity arithmetic.

Each step gets the task's limits and an equal share of its requests (or, when neither the
step nor the task asks for requests, an equal share of the limits, so Kubernetes does not
default the requests up to the whole limit). Shares of memory and ephemeral storage are
whole bytes; other resources are counted in thousandths (``m``). Quantities are written
back in Kubernetes' canonical form (``1Gi``, ``500m``, ``1``).

No maintained Python package formats Kubernetes quantities canonically, hence the small
port of ``resource.Quantity`` below (parsing to an exact fraction, canonical printing of
whole and milli quantities).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import msgspec

from tektite.api.models import ResourceRequirements, Step, go_json_text

__all__ = [
    "Quantity",
    "apply_task_level_compute_resources",
    "parse_quantity",
]

DECIMAL_SI = "DecimalSI"
BINARY_SI = "BinarySI"
DECIMAL_EXPONENT = "DecimalExponent"

_DECIMAL_SUFFIXES = {
    "n": -9,
    "u": -6,
    "m": -3,
    "": 0,
    "k": 3,
    "M": 6,
    "G": 9,
    "T": 12,
    "P": 15,
    "E": 18,
}
_BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL_BY_EXPONENT = {e: s for s, e in _DECIMAL_SUFFIXES.items()}
_BINARY_BY_EXPONENT = {e: s for s, e in _BINARY_SUFFIXES.items()}

_QUANTITY = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*[-+]?[0-9]*)")

# corev1.ResourceMemory and corev1.ResourceEphemeralStorage: shared out in whole bytes.
_BYTE_RESOURCES = ("memory", "ephemeral-storage")


@dataclass(frozen=True)
class Quantity:
    """A Kubernetes ``resource.Quantity``: an exact value and the format it prints in."""

    value: Fraction
    format: str = DECIMAL_SI

    def whole_value(self) -> int:
        """``Quantity.Value``: the value rounded up (away from zero) to an integer."""
        return _round_up(self.value)

    def milli_value(self) -> int:
        """``Quantity.MilliValue``: thousandths, rounded up (away from zero)."""
        return _round_up(self.value * 1000)

    def __str__(self) -> str:
        """``Quantity.String``: the canonical form (``CanonicalizeBytes``)."""
        return _canonical(self.value, self.format)


def _round_up(value: Fraction) -> int:
    return math.ceil(value) if value >= 0 else -math.ceil(-value)


def parse_quantity(text: str | int | float) -> Quantity:
    """``resource.ParseQuantity`` (also of a number written without quotes).

    Raises ``ValueError`` for what Kubernetes refuses.
    """
    raw = text if isinstance(text, str) else go_json_text(text)
    match = _QUANTITY.fullmatch(raw)
    if not raw or match is None or not (match.group(2) or match.group(3) is not None):
        raise ValueError(
            "quantities must match the regular expression "
            "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
        )
    sign, whole, fraction, suffix = match.groups()
    number = Fraction(int(whole or "0")) + (
        Fraction(int(fraction), 10 ** len(fraction)) if fraction else 0
    )
    if suffix in _DECIMAL_SUFFIXES:
        value, fmt = number * Fraction(10) ** _DECIMAL_SUFFIXES[suffix], DECIMAL_SI
    elif suffix in _BINARY_SUFFIXES:
        value, fmt = number * 2 ** _BINARY_SUFFIXES[suffix], BINARY_SI
    elif len(suffix) > 1 and suffix[0] in "eE" and re.fullmatch(r"[-+]?[0-9]+", suffix[1:]):
        value, fmt = number * Fraction(10) ** int(suffix[1:]), DECIMAL_EXPONENT
    else:
        raise ValueError("unable to parse quantity's suffix")
    if sign == "-":
        value = -value
    # Kubernetes keeps nanounits at most, rounding any finer amount up.
    nanos = value * 10**9
    if nanos.denominator != 1:
        value = Fraction(_round_up(nanos), 10**9)
    if fmt == BINARY_SI and 0 < abs(value) < 1:
        fmt = DECIMAL_SI
    return Quantity(value, fmt)


def _canonical(value: Fraction, fmt: str) -> str:
    if value == 0:
        return "0"
    if fmt == BINARY_SI:
        # Small or fractional binary amounts print in decimal so nothing is rounded.
        if -1024 < value < 1024 or value.denominator != 1:
            fmt = DECIMAL_SI
        else:
            amount, exponent = int(value), 0
            while amount % 1024 == 0 and exponent < 60:
                amount //= 1024
                exponent += 10
            return f"{amount}{_BINARY_BY_EXPONENT.get(exponent, '')}"
    # A base-10 mantissa with an exponent that is a multiple of 3.
    exponent = 0
    while value.denominator != 1:
        value *= 10
        exponent -= 1
    amount = int(value)
    while amount != 0 and amount % 10 == 0:
        amount //= 10
        exponent += 1
    while exponent % 3 != 0:
        amount *= 10
        exponent -= 1
    if fmt == DECIMAL_EXPONENT:
        return f"{amount}e{exponent}" if exponent else str(amount)
    return f"{amount}{_DECIMAL_BY_EXPONENT.get(exponent, '')}"


ResourceList = dict[str, str | int | float]


def _average(resources: Mapping[str, str | int | float] | None, steps: int) -> ResourceList | None:
    """``computeAverageRequests``: each quantity divided by the number of steps."""
    if not resources or steps == 0:
        return None
    out: ResourceList = {}
    for name, raw in resources.items():
        q = parse_quantity(raw)
        if name in _BYTE_RESOURCES:
            out[name] = str(Quantity(Fraction(int(q.whole_value() / steps)), q.format))
        else:
            out[name] = str(Quantity(Fraction(int(q.milli_value() / steps), 1000), q.format))
    return out


def apply_task_level_compute_resources(
    steps: Sequence[Step], resources: ResourceRequirements | None
) -> list[Step]:
    """``ApplyTaskLevelComputeResources``: ``steps`` with the task-level resources shared
    out (unchanged when the TaskRun sets neither requests nor limits)."""
    if resources is None or (resources.requests is None and resources.limits is None):
        return list(steps)
    requests = _average(resources.requests, len(steps))
    limits_share = _average(resources.limits, len(steps))
    out: list[Step] = []
    for step in steps:
        current = step.compute_resources or ResourceRequirements()
        step_requests = current.requests
        if step_requests is None and resources.requests is None:
            step_requests = limits_share
        else:
            step_requests = requests
        updated = msgspec.structs.replace(
            current,
            requests=step_requests,
            limits=dict(resources.limits) if resources.limits is not None else None,
        )
        out.append(msgspec.structs.replace(step, compute_resources=updated))
    return out
