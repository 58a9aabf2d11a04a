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

from collections.abc import Sequence

import numpy as np
import xarray as xr

from ..errors import FrontiercostError
from ..results.trees import output_attrs, stream_stats


def _stored(data: xr.DataTree) -> bool:
    if "posterior" in data.children:
        return True
    if "streaming" in data.children:
        return False
    raise FrontiercostError("data: no 'posterior' or 'streaming' group; expected a run")


def _draws(data: xr.DataTree, var: str) -> np.ndarray:
    post = data["posterior"]
    if var not in post.data_vars:
        raise FrontiercostError(
            f"var: unknown variable {var!r}; accepted: {', '.join(map(str, post.data_vars))}"
        )
    x = np.asarray(post[var].values, dtype=float).ravel()
    return x[~np.isnan(x)]


def _check_streaming_var(data: xr.DataTree, var: str) -> None:
    names = stream_stats(data).names
    if var not in names:
        raise FrontiercostError(f"var: unknown variable {var!r}; accepted: {', '.join(names)}")


def _levels(levels: float | Sequence[float], name: str) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(levels, dtype=float))
    if arr.size == 0 or not np.all((arr > 0) & (arr < 1)):
        raise FrontiercostError(f"{name}: levels must lie in (0, 1), got {levels!r}")
    return arr


def _units(data: xr.DataTree, var: str) -> str:
    return str(output_attrs(data, var).get("units", ""))


def exceedance(
    data: xr.DataTree, var: str, thresholds: float | Sequence[float] | np.ndarray
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
    if _stored(data):
        x = np.sort(_draws(data, var))
        n = float(x.size)
        p = (n - np.searchsorted(x, t, side="right")) / n
        method = "draws"
    else:
        _check_streaming_var(data, var)
        stats = stream_stats(data)
        o = stats.names.index(var)
        n = float(stats.count[o])
        p = _histogram_exceedance(data, var, t)
        counted, frac = stats.exceedance(var)
        for i, ti in enumerate(t):
            hit = np.flatnonzero(counted == ti)
            if hit.size:
                p[i] = frac[hit[0]]
        method = "counted" if all(ti in counted for ti in t) else "histogram"
    mcse = np.sqrt(p * (1 - p) / n)
    coords = {"threshold": ("threshold", t, {"units": _units(data, var)})}
    return xr.Dataset(
        {
            "probability": ("threshold", p, {"long_name": f"P({var} > threshold)"}),
            "mcse": ("threshold", mcse, {"long_name": "Monte Carlo standard error"}),
        },
        coords=coords,
        attrs={"variable": var, "method": method, "draws": int(n)},
    )


def _histogram_exceedance(data: xr.DataTree, var: str, t: np.ndarray) -> np.ndarray:
    stats = stream_stats(data)
    counts, lower, upper = stats._ordered(stats.names.index(var))
    total = counts.sum()
    width = np.where(upper > lower, upper - lower, 1.0)
    out = np.empty(t.size)
    for i, ti in enumerate(t):
        above = counts[lower >= ti].sum()
        inside = (lower < ti) & (upper > ti)
        part = (counts[inside] * (upper[inside] - ti) / width[inside]).sum()
        out[i] = (above + part) / total
    return out


def exceedance_curve(data: xr.DataTree, var: str, points: int = 200) -> xr.DataArray:
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
        coords={"value": ("value", grid, {"units": _units(data, var)})},
        name="exceedance",
        attrs={"long_name": f"P({var} > value)", "variable": var},
    )


def value_at_risk(
    data: xr.DataTree, var: str, levels: float | Sequence[float] = (0.9, 0.95, 0.99)
) -> xr.DataArray:
    """Value-at-risk: the ``level`` quantile of ``var`` (the cost exceeded with 1 − level)."""
    q = _levels(levels, "levels")
    if _stored(data):
        v = np.quantile(_draws(data, var), q)
    else:
        _check_streaming_var(data, var)
        v = np.asarray(stream_stats(data).quantile(var, q), dtype=float)
    return xr.DataArray(
        v,
        dims="level",
        coords={"level": q},
        name="value_at_risk",
        attrs={"units": _units(data, var), "long_name": f"value-at-risk of {var}"},
    )


def expected_shortfall(
    data: xr.DataTree, var: str, levels: float | Sequence[float] = (0.9, 0.95, 0.99)
) -> xr.DataArray:
    """Expected shortfall: the mean of ``var`` over its worst ``1 − level`` tail."""
    q = _levels(levels, "levels")
    if _stored(data):
        x = np.sort(_draws(data, var))
        n = x.size
        es = np.array([x[int(np.floor(level * n)) :].mean() for level in q])
    else:
        _check_streaming_var(data, var)
        stats = stream_stats(data)
        counts, lower, upper = stats._ordered(stats.names.index(var))
        es = np.empty(q.size)
        for i, v in enumerate(np.atleast_1d(stats.quantile(var, q))):
            # bins above the quantile, plus the part of its own bin above it,
            # each at the mean of a uniform spread inside the bin
            width = np.where(upper > lower, upper - lower, 1.0)
            share = np.clip((upper - np.maximum(lower, v)) / width, 0.0, 1.0)
            share[upper <= v] = 0.0
            mass = counts * share
            centre = 0.5 * (np.maximum(lower, v) + upper)
            es[i] = float((mass * centre).sum() / mass.sum())
    return xr.DataArray(
        es,
        dims="level",
        coords={"level": q},
        name="expected_shortfall",
        attrs={"units": _units(data, var), "long_name": f"expected shortfall of {var}"},
    )


def prob_greater(a: xr.DataTree, b: xr.DataTree, var: str, var_b: str | None = None) -> xr.Dataset:
    """P(A > B) for ``var`` of two stored runs, paired draw by draw.

    Runs with the same seed share their random draws (common random numbers),
    so the pairing removes most of the sampling noise from the comparison.

    Returns
    -------
    xarray.Dataset
        ``probability`` and ``mcse`` (0-d), ``mean_difference`` (A − B).
    """
    if not (_stored(a) and _stored(b)):
        raise FrontiercostError("prob_greater needs stored draws in both runs (not streaming)")
    xa = np.asarray(a["posterior"][var].values, dtype=float)
    name_b = var if var_b is None else var_b
    if name_b not in b["posterior"].data_vars:
        raise FrontiercostError(f"var_b: unknown variable {name_b!r} in the second run")
    xb = np.asarray(b["posterior"][name_b].values, dtype=float)
    if xa.shape != xb.shape:
        raise FrontiercostError(
            f"runs differ in shape {xa.shape} vs {xb.shape}: use the same draws and chains"
        )
    ok = ~(np.isnan(xa) | np.isnan(xb))
    d = xa[ok] - xb[ok]
    p = float(np.mean(d > 0))
    return xr.Dataset(
        {
            "probability": ((), p, {"long_name": f"P(A.{var} > B.{name_b})"}),
            "mcse": ((), float(np.sqrt(p * (1 - p) / d.size)), {}),
            "mean_difference": ((), float(d.mean()), {"units": _units(a, var)}),
        },
        attrs={"paired_draws": int(d.size)},
    )
