"""Shared checks of user-given values: one rule each, one message shape.

Every check raises a :class:`~frontiercost.errors.FrontiercostError` subclass
naming the argument and what is accepted; nothing here touches numba, numpy
arrays or files.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

from .errors import FrontiercostError, SimulationError

SEED_LIMIT = 2**63  # seeds are recorded as int64 attributes in netCDF and Zarr


def is_int(value: Any) -> bool:
    """A whole number (Python or numpy integer), not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def positive_int(
    name: str,
    value: Any,
    *,
    maximum: int | None = None,
    error: type[FrontiercostError] = SimulationError,
) -> int:
    """``value`` as an int >= 1 (and <= ``maximum``), or an error naming ``name``."""
    if not is_int(value) or value < 1 or (maximum is not None and value > maximum):
        upper = f" up to {maximum:,}" if maximum is not None else ""
        raise error(f"{name}: must be a positive integer{upper}, got {value!r}")
    return int(value)


def draw_count(name: str, value: Any) -> int:
    """A count of draws: an int >= 1, or a float holding one (``1e6``, as the
    command line's ``--draws 1e6``) up to 2**53, or an error naming ``name``."""
    if (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and not is_int(value)
        and math.isfinite(float(value))
        and float(value).is_integer()
        and 1 <= float(value) <= 2**53
    ):
        return int(float(value))
    if not is_int(value) or value < 1:
        raise SimulationError(
            f"{name}: must be a positive integer (or a float holding one, such as 1e6),"
            f" got {value!r}"
        )
    return int(value)


def non_negative_int(name: str, value: Any) -> int:
    """``value`` as an int >= 0, or an error naming ``name``."""
    if not is_int(value) or value < 0:
        raise SimulationError(f"{name}: must be a non-negative integer, got {value!r}")
    return int(value)


def seed(value: Any) -> int:
    """The one seed rule: an integer in ``[0, 2**63)``."""
    if not is_int(value) or not 0 <= value < SEED_LIMIT:
        raise SimulationError(f"seed: must be an integer in [0, 2**63), got {value!r}")
    return int(value)


def probability(name: str, value: Any) -> float:
    """A probability strictly between 0 and 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < float(value) < 1:
        raise FrontiercostError(f"{name}: must be a number in (0, 1), e.g. 0.9, got {value!r}")
    return float(value)


def choice(name: str, value: Any, accepted: Sequence[str]) -> str:
    """One of ``accepted``."""
    if not isinstance(value, str) or value not in accepted:
        raise SimulationError(f"{name}: unknown {name} {value!r}; accepted: {', '.join(accepted)}")
    return value


def names(name: str, value: Any) -> tuple[str, ...]:
    """One name or a sequence of names (a string is one name, never its letters)."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise FrontiercostError(f"{name}: expected a name or a list of names, got {value!r}")


def thresholds(value: Any) -> dict[str, tuple[float, ...]]:
    """``{output: [t, ...]}`` with finite (or infinite) non-NaN numbers."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise SimulationError(
            f"thresholds: expected a mapping {{output: [t, ...]}}, got {value!r}"
        )
    out: dict[str, tuple[float, ...]] = {}
    for key, ts in value.items():
        if not isinstance(key, str):
            raise SimulationError(f"thresholds: keys are output names, got {key!r}")
        bad = SimulationError(f"thresholds: {key}: expected numbers, got {ts!r}")
        # a string is a sequence of characters ("123" would be 1, 2, 3); a bool is a flag
        if isinstance(ts, str | bytes):
            raise bad
        try:
            seq = (ts,) if isinstance(ts, numbers.Real) else tuple(ts)
            if any(isinstance(t, bool) or not isinstance(t, numbers.Real) for t in seq):
                raise bad
            vals = tuple(float(t) for t in seq)
        except (TypeError, ValueError, OverflowError):
            raise bad from None
        if any(math.isnan(v) for v in vals):
            raise SimulationError(f"thresholds: {key} has a NaN threshold")
        out[key] = vals
    return out
