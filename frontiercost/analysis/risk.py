"""Risk figures: exceedance probabilities, value-at-risk, expected shortfall, P(A > B).

Every function reads a run from :func:`frontiercost.simulate`: stored draws
(group ``posterior``) or a streaming run (group ``streaming``, no draws).  From
draws the figures are exact sample statistics; from a streaming run they come
from exact exceedance counts where the threshold was counted during the run,
else from the run's histogram (error at most one bin, 0.39 % of the value).
Results are xarray objects with named dims and the variable's units, with a
Monte Carlo standard error where one is defined (binomial for probabilities:
exact for independent draws, conservative for QMC and Latin hypercube).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import xarray as xr

from ..errors import FrontiercostError
from ..results.view import RunView, view


def _draws(run: RunView, var: str) -> np.ndarray:
    return run.draws(var, drop_nan=True)


def _check_streaming_var(run: RunView, var: str) -> None:
    run.check([var], "var")


def _levels(levels: float | Sequence[float], name: str) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(levels, dtype=float))
    if arr.size == 0 or not np.all((arr > 0) & (arr < 1)):
        raise FrontiercostError(f"{name}: levels must lie in (0, 1), got {levels!r}")
    return arr


def _units(run: RunView, var: str) -> str:
    return run.units(var)


def exceedance(
    data: xr.DataTree | RunView, var: str, thresholds: float | Sequence[float] | np.ndarray
) -> xr.Dataset:
    """P(var > t) for each threshold ``t``, with its Monte Carlo standard error.

    Returns
    -------
    xarray.Dataset
        Dim ``threshold`` (with the variable's units); variables ``probability``
        and ``mcse``; attribute ``method`` (``draws``, ``counted`` or ``histogram``).
    """
    t = np.atleast_1d(np.asarray(thresholds, dtype=float))
    if t.size == 0 or not np.all(np.isfinite(t)):
        raise FrontiercostError(f"thresholds: need finite numbers, got {thresholds!r}")
    run = view(data)
    if run.stored:
        x = _draws(run, var)
        n = float(x.size)
        p: np.ndarray
        if t.size <= 16:  # a pass per threshold: O(n), no sort
            p = np.array([np.count_nonzero(x > ti) for ti in t], dtype=float) / n
        else:
            x = np.sort(x)
            p = (n - np.searchsorted(x, t, side="right")) / n
        method = "draws"
    else:
        _check_streaming_var(run, var)
        stats = run.stats
        o = stats.names.index(var)
        n = float(stats.count[o])
        p = _histogram_exceedance(run, var, t)
        counted, frac = stats.exceedance(var)
        for i, ti in enumerate(t):
            hit = np.flatnonzero(counted == ti)
            if hit.size:
                p[i] = frac[hit[0]]
        method = "counted" if all(ti in counted for ti in t) else "histogram"
    mcse = np.sqrt(p * (1 - p) / n)
    coords = {"threshold": ("threshold", t, {"units": _units(run, var)})}
    return xr.Dataset(
        {
            "probability": ("threshold", p, {"long_name": f"P({var} > threshold)"}),
            "mcse": ("threshold", mcse, {"long_name": "Monte Carlo standard error"}),
        },
        coords=coords,
        attrs={"variable": var, "method": method, "draws": int(n)},
    )


def _histogram_exceedance(run: RunView, var: str, t: np.ndarray) -> np.ndarray:
    stats = run.stats
    counts, lower, upper, exact = stats._ordered(stats.names.index(var))
    total = counts.sum()
    width = np.where(upper > lower, upper - lower, 1.0)
    out = np.empty(t.size)
    for i, ti in enumerate(t):
        above = counts[lower >= ti].sum()
        inside = (lower < ti) & (upper > ti)
        part = (counts[inside] * (upper[inside] - ti) / width[inside]).sum()
        # inside a bin beyond the histogram's range no share is known
        out[i] = np.nan if (inside & ~exact).any() else (above + part) / total
    return out


def exceedance_curve(data: xr.DataTree | RunView, var: str, points: int = 200) -> xr.DataArray:
    """The whole exceedance curve P(var > x), on ``points`` values spanning the draws.

    Values are log-spaced between the 0.1 % and 99.9 % quantiles when the
    variable is positive, else linear.
    """
    if not isinstance(points, int) or points < 2:
        raise FrontiercostError(f"points: need an integer >= 2, got {points!r}")
    lo, hi = (float(v) for v in value_at_risk(data, var, [0.001, 0.999]).values)
    grid = np.geomspace(lo, hi, points) if lo > 0 else np.linspace(lo, hi, points)
    p = exceedance(data, var, grid)["probability"].values
    return xr.DataArray(
        p,
        dims="value",
        coords={"value": ("value", grid, {"units": view(data).units(var)})},
        name="exceedance",
        attrs={"long_name": f"P({var} > value)", "variable": var},
    )


def value_at_risk(
    data: xr.DataTree | RunView, var: str, levels: float | Sequence[float] = (0.9, 0.95, 0.99)
) -> xr.DataArray:
    """Value-at-risk: the ``level`` quantile of ``var`` (the cost exceeded with 1 − level)."""
    q = _levels(levels, "levels")
    run = view(data)
    if run.stored:
        v = np.quantile(_draws(run, var), q)
    else:
        _check_streaming_var(run, var)
        v = np.asarray(run.stats.quantile(var, q), dtype=float)
    return xr.DataArray(
        v,
        dims="level",
        coords={"level": q},
        name="value_at_risk",
        attrs={"units": _units(run, var), "long_name": f"value-at-risk of {var}"},
    )


def expected_shortfall(
    data: xr.DataTree | RunView, var: str, levels: float | Sequence[float] = (0.9, 0.95, 0.99)
) -> xr.DataArray:
    """Expected shortfall: the mean of ``var`` over its worst ``1 − level`` tail."""
    q = _levels(levels, "levels")
    run = view(data)
    if run.stored:
        x = _draws(run, var)
        n = x.size
        # the mean of the top n - floor(level n) draws: a partition, O(n), not a sort
        es = np.empty(q.size)
        for i, level in enumerate(q):
            k = min(int(np.floor(level * n)), n - 1)
            es[i] = np.partition(x, k)[k:].mean()
    else:
        _check_streaming_var(run, var)
        stats = run.stats
        counts, lower, upper, exact = stats._ordered(stats.names.index(var))
        es = np.empty(q.size)
        for i, v in enumerate(np.atleast_1d(stats.quantile(var, q))):
            # bins above the quantile, plus the part of its own bin above it,
            # each at the mean of a uniform spread inside the bin
            width = np.where(upper > lower, upper - lower, 1.0)
            share = np.clip((upper - np.maximum(lower, v)) / width, 0.0, 1.0)
            share[upper <= v] = 0.0
            mass = counts * share
            centre = 0.5 * (np.maximum(lower, v) + upper)
            # a tail reaching into a bin beyond the histogram's range has no known mean
            clamped = bool((mass[~exact] > 0).any()) or np.isnan(v)
            es[i] = np.nan if clamped else float((mass * centre).sum() / mass.sum())
    return xr.DataArray(
        es,
        dims="level",
        coords={"level": q},
        name="expected_shortfall",
        attrs={"units": _units(run, var), "long_name": f"expected shortfall of {var}"},
    )


def prob_greater(
    a: xr.DataTree | RunView, b: xr.DataTree | RunView, var: str, var_b: str | None = None
) -> xr.Dataset:
    """P(A > B) for ``var`` of two stored runs, paired draw by draw.

    Runs with the same seed share their random draws (common random numbers),
    so the pairing removes most of the sampling noise from the comparison.

    Returns
    -------
    xarray.Dataset
        ``probability`` and ``mcse`` (0-d), ``prob_equal`` (the share of
        pairs with A = B) and ``mean_difference`` (A − B).  A tie counts half
        (P(A > B) + P(A = B) / 2), so two runs of the same draws give 0.5, not
        0: a run whose output does not depend on what differs is no less
        likely to be greater.
    """
    ra, rb = view(a), view(b)
    if not (ra.stored and rb.stored):
        raise FrontiercostError("prob_greater needs stored draws in both runs (not streaming)")
    xa = np.asarray(ra.sampled(ra.check(var, "var")[0]).values, dtype=float)
    name_b = var if var_b is None else var_b
    xb = np.asarray(rb.sampled(rb.check(name_b, "var_b")[0]).values, dtype=float)
    if xa.shape != xb.shape:
        raise FrontiercostError(
            f"runs differ in shape {xa.shape} vs {xb.shape}: use the same draws and chains"
        )
    ok = ~(np.isnan(xa) | np.isnan(xb))
    d = xa[ok] - xb[ok]
    n = max(d.size, 1)  # no pair of numbers (every draw NaN): NaN, not a division by zero
    ties = float(np.sum(d == 0) / n) if d.size else math.nan
    p = float((np.sum(d > 0) + 0.5 * np.sum(d == 0)) / n) if d.size else math.nan
    # the binomial error, with ties an upper bound; identical draws have none
    mcse = 0.0 if ties == 1 else float(np.sqrt(p * (1 - p) / n))
    return xr.Dataset(
        {
            "probability": ((), p, {"long_name": f"P(A.{var} > B.{name_b}), ties half"}),
            "mcse": ((), mcse, {}),
            "prob_equal": ((), ties, {"long_name": f"P(A.{var} = B.{name_b})"}),
            "mean_difference": (
                (),
                float(d.sum() / n) if d.size else math.nan,
                {"units": _units(ra, var)},
            ),
        },
        attrs={"paired_draws": int(d.size)},
    )
