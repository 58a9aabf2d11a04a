"""``[[observe]]`` tables: evidence a scenario conditions on.

Each table observes one quantity the scenario computes (an output, an
intermediate or an uncertain parameter), either with a measurement error::

    [[observe]]
    quantity = "rd_compute_cost"
    value = 5.0e9
    sigma = 0.10                     # sd of ln(value): about ±10 %
    source = "Epoch AI (2025-10-10)"

    [[observe]]
    quantity = "inference_cost"
    p5 = 1.6e9                       # a 90 % interval instead of sigma
    p95 = 2.0e9
    source = "The Information via Epoch AI"

or as a bound (a hard constraint)::

    [[observe]]
    quantity = "final_run_share"
    below = 0.3
    source = "..."

The error model
---------------
``error = "lognormal"`` (default): the reported value ``y`` is
``LogNormal(ln q, sigma)`` around the true quantity ``q``, i.e. a relative
error of about ``sigma``; ``error = "normal"``: ``y ~ Normal(q, sigma)``.  A
90 % interval ``p5``/``p95`` stands for the measurement itself: its mid-point
(geometric for lognormal, arithmetic for normal) is the observed value and its
width gives ``sigma = (ln p95 - ln p5) / (2 * 1.6449)`` (lognormal) or
``(p95 - p5) / (2 * 1.6449)`` (normal).  A ``value`` given with an interval
must be that mid-point (within 1 %): an interval not centred on the reported
figure is a different error model, and the loader says so rather than guess.
A bound (``below``, ``above``, ``between``) has likelihood 1 inside and 0
outside.

Everything is checked at load time with file and line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from ..errors import ScenarioError
from ..model.evidence import Z95, Observation
from ..priors import Fixed, Prior
from .schema import KEYS, OBSERVATION_ERRORS, suggest

__all__ = ["Z95", "Observation", "parse_observations"]
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_BOUNDS = ("below", "above", "between")


class _Ctx(Protocol):
    def error(self, table: str, key: str | None, message: str, index: int = 0) -> ScenarioError:
        """An error naming file, line and key."""
        ...  # pragma: no cover


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def parse_observations(
    ctx: _Ctx,
    rows: Any,
    priors: Mapping[str, Prior],
    computable: Sequence[str],
    units: Callable[[str], str] | None = None,
) -> tuple[Observation, ...]:
    """Validate the ``[[observe]]`` tables of a scenario.

    Parameters
    ----------
    ctx
        The loader's context (``ctx.error(table, key, message, index)``).
    rows : list of dict
        The parsed ``observe`` array of tables.
    priors : mapping
        The scenario's priors (parameters; fixed ones cannot be observed).
    computable : sequence of str
        Quantities the scenario computes.
    units : callable, optional
        Unit of a quantity, for messages.

    Raises
    ------
    ScenarioError
        Naming file, line and key, and what is accepted.
    """
    if rows is None or rows == []:
        return ()
    if not isinstance(rows, list) or not all(isinstance(r, Mapping) for r in rows):
        raise ctx.error("observe", None, "use [[observe]] tables, one per observation")
    observable = sorted(
        set(computable) | {n for n, p in priors.items() if not isinstance(p, Fixed)}
    )
    out: list[Observation] = []
    names: dict[str, int] = {}
    for i, row in enumerate(rows):
        obs = _one(ctx, i, dict(row), priors, observable, units)
        if obs.name in names:
            key = "name" if "name" in row else "quantity"
            raise ctx.error(
                "observe",
                key,
                f"{obs.name!r} is observed twice (also [[observe]] number {names[obs.name] + 1});"
                " give each observation its own name = '...'",
                i,
            )
        names[obs.name] = i
        out.append(obs)
    return tuple(out)


def _one(
    ctx: _Ctx,
    i: int,
    row: dict[str, Any],
    priors: Mapping[str, Prior],
    observable: list[str],
    units: Callable[[str], str] | None,
) -> Observation:
    def fail(key: str | None, message: str) -> ScenarioError:
        return ctx.error("observe", key, message, i)

    accepted = KEYS["observe"]
    for key in row:
        if key not in accepted:
            raise fail(
                key, f"unknown key{suggest(key, accepted)}; accepted: {', '.join(accepted)}"
            )
    q = row.get("quantity")
    if not isinstance(q, str) or not q:
        raise fail("quantity" if "quantity" in row else None, "quantity: required (a name)")
    if q in priors and isinstance(priors[q], Fixed):
        raise fail(
            "quantity",
            f"{q} is fixed at {priors[q].central:g} in this scenario: an observation cannot"
            " change it (give it a prior to learn it from the evidence)",
        )
    if q not in observable:
        raise fail(
            "quantity",
            f"{q!r} is not computed by this scenario{suggest(q, observable)}; it computes: "
            f"{', '.join(observable)}",
        )
    src = row.get("source")
    if not isinstance(src, str) or not src.strip():
        raise fail(
            "source" if "source" in row else None, "source: required (where it is published)"
        )
    name = row.get("name", q)
    if not isinstance(name, str) or not _NAME.match(name):
        raise fail("name", f"must be a name of letters, digits and _, got {name!r}")
    unit = f" {units(q)}" if units is not None else ""

    bounds = [k for k in _BOUNDS if k in row]
    error_keys = [k for k in ("value", "sigma", "p5", "p95", "error") if k in row]
    if bounds:
        if len(bounds) > 1:
            raise fail(bounds[1], f"one bound per observation, got {' and '.join(bounds)}")
        if error_keys:
            raise fail(
                error_keys[0],
                f"{bounds[0]} is a bound: it takes no {error_keys[0]} (use value with sigma or"
                " p5/p95 for a measurement, or two [[observe]] tables)",
            )
        lo, hi = _bound(fail, bounds[0], row[bounds[0]])
        return Observation(q, name, src, "bound", lower=lo, upper=hi, given=dict(row))

    error = row.get("error", "lognormal")
    if error not in OBSERVATION_ERRORS:
        raise fail("error", f"{error!r}; accepted: {', '.join(OBSERVATION_ERRORS)}")
    for key in ("value", "sigma", "p5", "p95"):
        if key in row and not _number(row[key]):
            raise fail(key, f"must be a finite number, got {row[key]!r}")
    has_interval = "p5" in row or "p95" in row
    if has_interval and not ("p5" in row and "p95" in row):
        missing = "p95" if "p5" in row else "p5"
        raise fail("p5" if missing == "p95" else "p95", f"needs {missing} too (a 90 % interval)")
    if has_interval and "sigma" in row:
        raise fail("sigma", "give sigma or p5/p95, not both")
    if "value" not in row and not has_interval:
        raise fail(
            None,
            "needs value (with sigma or p5/p95) or a bound: below, above or between",
        )
    if "value" in row and "sigma" not in row and not has_interval:
        raise fail(
            "value",
            "how precise is it? add sigma (sd of ln(value) for lognormal errors) or a 90 %"
            " interval p5/p95",
        )
    lognormal = error == "lognormal"
    if lognormal:
        for key in ("value", "p5", "p95"):
            if key in row and row[key] <= 0:
                raise fail(
                    key,
                    f"must be positive for a lognormal error, got {row[key]!r}"
                    " (use error = 'normal' for quantities that can be zero or negative)",
                )
    if "sigma" in row:
        sigma = float(row["sigma"])
        if sigma <= 0:
            raise fail("sigma", f"must be positive, got {row['sigma']!r}")
        if lognormal and sigma > 5:
            raise fail(
                "sigma",
                f"{sigma:g} is the sd of ln(value) (5 is already a factor of 4e3 at 1 sd):"
                " a relative error of 30 % is sigma = 0.3",
            )
        value = float(row["value"])
    else:
        p5, p95 = float(row["p5"]), float(row["p95"])
        if not p5 < p95:
            raise fail("p5", f"p5 ({p5:g}) must be below p95 ({p95:g})")
        if lognormal:
            centre = math.sqrt(p5 * p95)
            sigma = (math.log(p95) - math.log(p5)) / (2 * Z95)
            off = abs(math.log(row["value"] / centre)) if "value" in row else 0.0
        else:
            centre = (p5 + p95) / 2
            sigma = (p95 - p5) / (2 * Z95)
            off = abs(row["value"] - centre) / abs(centre) if "value" in row else 0.0
        if off > 0.01:
            kind = "geometric mid-point" if lognormal else "mid-point"
            raise fail(
                "value",
                f"{row['value']:g}{unit} is not the {kind} of p5/p95 ({centre:.4g}): with an"
                " interval, value is that mid-point; leave value out, or give value with sigma",
            )
        value = centre
    return Observation(q, name, src, str(error), value=value, sigma=sigma, given=dict(row))


def _bound(
    fail: Callable[[str | None, str], ScenarioError], key: str, v: Any
) -> tuple[float, float]:
    if key == "between":
        if not (isinstance(v, list) and len(v) == 2 and all(_number(x) for x in v)):
            raise fail(key, f"expected [low, high] (two numbers), got {v!r}")
        lo, hi = float(v[0]), float(v[1])
        if not lo < hi:
            raise fail(key, f"low ({lo:g}) must be below high ({hi:g})")
        return lo, hi
    if not _number(v):
        raise fail(key, f"must be a finite number, got {v!r}")
    return (-math.inf, float(v)) if key == "below" else (float(v), math.inf)
