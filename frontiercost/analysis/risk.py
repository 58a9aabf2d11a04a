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

from .._validate import seed as check_seed
from ..errors import FrontiercostError
from ..results.view import RunView, view
from ._points import each_point
from ._quantiles import quantiles, scale_below


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

    Over the draws that are numbers: NaN draws (a formula outside its domain,
    such as the log of a negative draw) are left out, so the probability is
    conditional on a defined result; attribute ``draws`` gives their count (of
    one run; a sweep's figures are each point's).

    Returns
    -------
    xarray.Dataset
        Dim ``threshold`` (with the variable's units); variables ``probability``
        and ``mcse``; attributes ``method`` (``draws``, ``counted`` or
        ``histogram``) and ``draws``.
    """
    t = np.atleast_1d(np.asarray(thresholds, dtype=float))
    if t.size == 0 or not np.all(np.isfinite(t)):
        raise FrontiercostError(f"thresholds: need finite numbers, got {thresholds!r}")
    run = view(data)
    if run.sweep_dims:  # each point's figure, over the sweep's dims
        return each_point(run, lambda one: exceedance(one, var, thresholds), run.check(var, "var"))
    if run.summary_only:
        return _summary_exceedance(run, var, t)
    run.one_run("exceedance", per_point=True)
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


def _mean(x: np.ndarray) -> float:
    """The mean of finite draws even where their sum overflows (draws near 1e308)."""
    with np.errstate(over="ignore"):
        m = float(x.mean())
    if math.isinf(m) and np.all(np.isfinite(x)):
        scale = scale_below(float(np.abs(x).max()))
        m = float((x / scale).mean()) * scale
    return m


def _summary_exceedance(run: RunView, var: str, t: np.ndarray) -> xr.Dataset:
    """Each point's P(var > t) of a summaries-only sweep, for thresholds it counted."""
    run.check([var], "var")
    summary = run.tree["summary"].to_dataset()
    dim = f"threshold_{var}"
    counted = summary[dim].values if dim in summary.coords else np.array([])

    def shown(v: float) -> str:  # in full where %g would hide the difference (0.1 + 0.2)
        short = f"{v:g}"
        return short if float(short) == v else repr(float(v))

    missing = [shown(v) for v in t if v not in counted]
    if missing:
        kept = ", ".join(shown(v) for v in counted) or "none"
        raise FrontiercostError(
            f"thresholds: a sweep that kept per-point summaries only counted P({var} > t)"
            f" for t = {kept}, not {', '.join(missing)}: sweep again with"
            f" thresholds={{{var!r}: [...]}} (or without summary_only)"
        )
    at = {dim: t}
    p = summary[f"exceedance_{var}"].sel(at)
    if f"mcse_exceedance_{var}" in summary:
        mcse = summary[f"mcse_exceedance_{var}"].sel(at)
    else:  # written before the sweep kept it: over every draw of a point
        n = int(run.tree.attrs.get("draws", 0)) * int(run.tree.attrs.get("chains", 1))
        mcse = (p * (1 - p) / n) ** 0.5 if n else p * np.nan
    out = xr.Dataset({"probability": p, "mcse": mcse}).rename({dim: "threshold"})
    out = out.drop_vars([c for c in out.coords if c not in (*out.dims, "threshold")])
    out["threshold"].attrs = {"units": _units(run, var)}
    out["probability"].attrs = {"long_name": f"P({var} > threshold)"}
    out["mcse"].attrs = {"long_name": "Monte Carlo standard error"}
    out.attrs = {"variable": var, "method": "counted"}
    return out.transpose(..., "threshold")


def _histogram_exceedance(run: RunView, var: str, t: np.ndarray) -> np.ndarray:
    stats = run.stats
    counts, lower, upper, exact = stats._ordered(stats.names.index(var))
    total = counts.sum()
    width = np.where(upper > lower, upper - lower, 1.0)
    point = upper == lower  # a value held exactly (zero, or a bin clipped to the min or max)
    out = np.empty(t.size)
    for i, ti in enumerate(t):
        # a point mass at t is not above t; a bin that starts at t counts as above it
        above = counts[np.where(point, lower > ti, lower >= ti)].sum()
        inside = (lower < ti) & (upper > ti)
        part = (counts[inside] * (upper[inside] - ti) / width[inside]).sum()
        # inside a bin beyond the histogram's range no share is known
        out[i] = np.nan if (inside & ~exact).any() else (above + part) / total
    return out


def _histogram_tail_mean(
    counts: np.ndarray, lower: np.ndarray, upper: np.ndarray, exact: np.ndarray, m: float
) -> float:
    """Mean of the top ``m`` draws of a histogram (bins in increasing order), each bin's
    draws spread evenly over it (a bin of zero width holds one value); NaN when the
    tail reaches a bin beyond the histogram's range."""
    if m <= 0:
        m = min(1.0, float(counts.sum()))  # the top draw: the level is 1 (as stored: the max)
    taken, total = 0.0, 0.0
    for k in range(counts.size - 1, -1, -1):
        take = min(float(counts[k]), m - taken)
        if take <= 0:
            break
        if not exact[k]:
            return math.nan
        # the top `take` of the bin's draws: the upper part of the bin, at its mean
        part = (upper[k] - lower[k]) * take / counts[k]
        total += take * (upper[k] - 0.5 * part)
        taken += take
    return total / taken if taken else math.nan


def exceedance_curve(data: xr.DataTree | RunView, var: str, points: int = 200) -> xr.DataArray:
    """The whole exceedance curve P(var > x), on ``points`` values spanning the draws.

    Values are log-spaced between the 0.1 % and 99.9 % quantiles when the
    variable is positive, else linear.
    """
    if not isinstance(points, int) or points < 2:
        raise FrontiercostError(f"points: need an integer >= 2, got {points!r}")
    view(data).one_run("exceedance_curve")
    lo, hi = (float(v) for v in value_at_risk(data, var, [0.001, 0.999]).values)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        # infinite draws in a tail (a formula outside its domain): the finite ones span it
        run = view(data)
        if run.stored:
            x = _draws(run, var)
            x = x[np.isfinite(x)]
            ends = (float(x.min()), float(x.max())) if x.size else (math.nan, math.nan)
        else:
            o = run.stats.names.index(var)
            ends = (float(run.stats.minimum[o]), float(run.stats.maximum[o]))
        lo = lo if math.isfinite(lo) else ends[0]
        hi = hi if math.isfinite(hi) else ends[1]
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise FrontiercostError(
                f"{var}: its draws have no finite range to draw an exceedance curve over"
            )
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
    if run.sweep_dims:  # each point's figure, over the sweep's dims
        return each_point(run, lambda one: value_at_risk(one, var, levels), run.check(var, "var"))
    run.one_run("value_at_risk", per_point=True)
    if run.stored:
        v = quantiles(_draws(run, var), q)  # infinite draws are values; no draws, NaN
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
    if run.sweep_dims:  # each point's figure, over the sweep's dims
        return each_point(
            run, lambda one: expected_shortfall(one, var, levels), run.check(var, "var")
        )
    run.one_run("expected_shortfall", per_point=True)
    if run.stored:
        x = _draws(run, var)
        n = x.size
        # the mean of the top n - floor(level n) draws: a partition, O(n), not a sort
        es = np.full(q.size, np.nan)  # NaN when every draw is NaN
        for i, level in enumerate(q if n else ()):
            k = min(int(np.floor(level * n)), n - 1)
            es[i] = _mean(np.partition(x, k)[k:])
    else:
        _check_streaming_var(run, var)
        stats = run.stats
        counts, lower, upper, exact = stats._ordered(stats.names.index(var))
        total = counts.sum()
        es = np.empty(q.size)
        for i, level in enumerate(q):
            es[i] = _histogram_tail_mean(counts, lower, upper, exact, (1 - level) * total)
        if stats.maximum[stats.names.index(var)] == np.inf:
            es[:] = np.inf  # the +inf draws are the top ranks: in every tail, as stored
    return xr.DataArray(
        es,
        dims="level",
        coords={"level": q},
        name="expected_shortfall",
        attrs={"units": _units(run, var), "long_name": f"expected shortfall of {var}"},
    )


PAIRINGS = ("index", "shuffle")


def prob_greater(
    a: xr.DataTree | RunView,
    b: xr.DataTree | RunView,
    var: str,
    var_b: str | None = None,
    *,
    pairing: str | None = None,
    seed: int = 0,
) -> xr.Dataset:
    """P(A > B) for ``var`` of two stored runs.

    With ``pairing="index"``, draw ``d`` of A meets draw ``d`` of B.  Runs
    with the same seed share their random draws (common random numbers): an
    input of the same name takes the same uniform in both, so the pairing
    removes most of the sampling noise from a comparison of two variants of
    one run, and the probability is that of A's world against the same
    world changed.  For two different scenarios (two models' training hours
    are different quantities) that coupling is an artifact:
    ``pairing="shuffle"`` permutes B's draws (``seed``) first, which makes A
    and B independent (GPT-4 against Gemini Ultra's amortized cost: 0.78
    paired by index, 0.60 independent).  The default (``None``) chooses as
    ``frontiercost compare`` does: ``"index"`` when both runs recorded the
    same scenario (:meth:`RunView.same_scenario`; the command line's
    ``--pairing common``), else ``"shuffle"`` (``--pairing independent``).

    Returns
    -------
    xarray.Dataset
        ``probability`` and ``mcse`` (0-d), ``prob_equal`` (the share of
        pairs with A = B) and ``mean_difference`` (A − B).  A tie counts half
        (P(A > B) + P(A = B) / 2), so two runs of the same draws give 0.5, not
        0: a run whose output does not depend on what differs is no less
        likely to be greater.
    """
    if pairing is not None and pairing not in PAIRINGS:
        raise FrontiercostError(
            f"pairing: unknown {pairing!r}; accepted: {', '.join(PAIRINGS)}, or None"
            " (index for runs of one scenario, else shuffle)"
        )
    check_seed(seed)
    ra, rb = view(a), view(b)
    ra.one_run("prob_greater")
    rb.one_run("prob_greater")
    if pairing is None:
        pairing = "index" if ra.same_scenario(rb) else "shuffle"
    if not (ra.stored and rb.stored):
        raise FrontiercostError("prob_greater needs stored draws in both runs (not streaming)")
    xa = np.asarray(ra.sampled(ra.check(var, "var")[0]).values, dtype=float)
    name_b = var if var_b is None else var_b
    xb = np.asarray(rb.sampled(rb.check(name_b, "var_b")[0]).values, dtype=float)
    if xa.shape != xb.shape:
        raise FrontiercostError(
            f"runs differ in shape {xa.shape} vs {xb.shape}: use the same draws and chains"
        )
    if pairing == "shuffle":
        xb = np.random.default_rng(seed).permutation(xb.ravel()).reshape(xb.shape)
    ok = ~(np.isnan(xa) | np.isnan(xb))
    pa, pb = xa[ok], xb[ok]
    with np.errstate(invalid="ignore"):  # inf - inf: a NaN difference, its mean NaN
        d = pa - pb
    n = max(d.size, 1)  # no pair of numbers (every draw NaN): NaN, not a division by zero
    # compared, not subtracted: inf against inf is a tie (inf - inf is NaN)
    equal, greater = np.sum(pa == pb), np.sum(pa > pb)
    ties = float(equal / n) if d.size else math.nan
    p = float((greater + 0.5 * equal) / n) if d.size else math.nan
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
        attrs={"paired_draws": int(d.size), "pairing": pairing},
    )
