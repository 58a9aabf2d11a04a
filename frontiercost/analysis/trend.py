"""Trends of frontier training cost: log-linear fits on publication year.

``fit_trend`` is the paper's regression (Cottier et al. 2024, Table 1): ordinary
least squares of ``log10(cost)`` on the decimal publication year, with a
Student-t interval for the slope.  ``trend_with_uncertainty`` goes a step
beyond the paper, which fitted point estimates only: it refits the line once
per Monte Carlo draw, each model's cost being one draw of its distribution, so
that the spread of slopes carries the per-model uncertainty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr
from scipy import special

from .._validate import seed as check_seed
from ..errors import FrontiercostError
from .summary import CI_KINDS, interval

PAIRINGS = ("index", "shuffle")
LOG10_2 = float(np.log10(2.0))


def _check_prob(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise FrontiercostError(f"{name}: must be a number in (0, 1), got {value!r}")
    return float(value)


def _xy(years: Any, costs: Any) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(years, dtype=float).ravel()
    c = np.asarray(costs, dtype=float).ravel()
    if x.size != c.size:
        raise FrontiercostError(f"years, costs: lengths differ ({x.size} and {c.size})")
    if x.size < 3:
        raise FrontiercostError(f"costs: need at least 3 points for a trend, got {x.size}")
    if not np.all(np.isfinite(x)):
        raise FrontiercostError("years: every year must be a finite number")
    if not np.all(np.isfinite(c) & (c > 0)):
        raise FrontiercostError("costs: every cost must be a positive finite number")
    if np.ptp(x) == 0:
        raise FrontiercostError("years: all years are equal; the slope is undefined")
    return x, np.log10(c)


def fit_trend(years: Any, costs: Any, ci_prob: float = 0.9) -> xr.Dataset:
    """Exponential trend of cost: OLS of ``log10(cost)`` on decimal year.

    Parameters
    ----------
    years : array_like
        Decimal publication years (the paper uses
        ``year + (month - 1) / 12 + (day - 1) / 365``).
    costs : array_like
        Positive costs, one per year (any currency unit; the slope does not
        depend on it).
    ci_prob : float
        Probability of the slope interval, in (0, 1); the paper reports 90 %.

    Returns
    -------
    xarray.Dataset
        ``slope`` (OOM/yr), ``growth_factor`` (``10**slope``, 1/yr),
        ``doubling_time`` (months), ``intercept`` (log10 of cost at year 0,
        as the paper prints it), ``r_squared``, ``residual_sd`` (OOM) and
        ``n``; ``slope_ci``, ``growth_factor_ci`` and ``doubling_time_ci``
        along dim ``ci_bound`` (``lower``, ``upper``), with ``ci_kind`` and
        ``ci_prob`` attributes.

    Notes
    -----
    The interval is the classical one, ``slope +/- t(n-2) * se``: a
    confidence interval for the slope under homoscedastic normal residuals,
    which is what the paper reports.  ``doubling_time_ci`` maps the slope
    interval through ``12 log10(2) / slope`` (infinite or negative when the
    interval reaches zero slope).

    Raises
    ------
    FrontiercostError
        On fewer than three points, unequal lengths, non-positive costs or
        a ``ci_prob`` outside (0, 1).
    """
    prob = _check_prob("ci_prob", ci_prob)
    x, y = _xy(years, costs)
    n = x.size
    xm, ym = x.mean(), y.mean()
    sxx = float(np.sum((x - xm) ** 2))
    slope = float(np.sum((x - xm) * (y - ym)) / sxx)
    intercept = float(ym - slope * xm)
    resid = y - (intercept + slope * x)
    ssr = float(np.sum(resid**2))
    sst = float(np.sum((y - ym) ** 2))
    dof = n - 2
    s2 = ssr / dof if dof > 0 else np.nan
    se = float(np.sqrt(s2 / sxx))
    tq = float(special.stdtrit(dof, 0.5 + prob / 2))  # Student t quantile
    lo, hi = slope - tq * se, slope + tq * se
    ci_attrs = {"ci_kind": "eti", "ci_prob": prob, "method": "OLS slope +/- Student t(n-2) se"}
    with np.errstate(divide="ignore"):
        doubling = 12 * LOG10_2 / np.array([slope, hi, lo])

    def var(value: Any, units: str, long_name: str, **extra: Any) -> xr.DataArray:
        return xr.DataArray(value, attrs={"units": units, "long_name": long_name, **extra})

    def ci(values: Any, units: str, long_name: str) -> xr.DataArray:
        return xr.DataArray(
            np.asarray(values, dtype=float),
            dims="ci_bound",
            attrs={"units": units, "long_name": long_name, **ci_attrs},
        )

    return xr.Dataset(
        {
            "slope": var(slope, "OOM/yr", "slope of log10(cost) on year", standard_error=se),
            "growth_factor": var(10**slope, "1/yr", "multiplicative growth of cost per year"),
            "doubling_time": var(doubling[0], "months", "doubling time of cost"),
            "intercept": var(intercept, "log10(USD)", "log10(cost) at year 0"),
            "r_squared": var(
                1 - ssr / sst if sst > 0 else np.nan, "1", "coefficient of determination"
            ),
            "residual_sd": var(float(np.sqrt(s2)), "OOM", "standard deviation of the residuals"),
            "n": var(n, "1", "number of points"),
            "slope_ci": ci([lo, hi], "OOM/yr", "interval of the slope"),
            "growth_factor_ci": ci([10**lo, 10**hi], "1/yr", "interval of the growth factor"),
            "doubling_time_ci": ci(doubling[1:], "months", "interval of the doubling time"),
        },
        coords={"ci_bound": ["lower", "upper"]},
        attrs={"kind": "trend", "ci_kind": "eti", "ci_prob": prob, "regression": "OLS log10"},
    )


def trend_with_uncertainty(
    samples_by_model: Mapping[str, Any] | Sequence[Any],
    years: Mapping[str, float] | Sequence[float] | np.ndarray,
    *,
    ci_prob: float = 0.9,
    ci_kind: str = "eti",
    quantiles: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95),
    pairing: str = "shuffle",
    seed: int = 0,
) -> xr.Dataset:
    """Distribution of the trend slope when each model's cost is uncertain.

    Draw ``d`` fits one line through ``(year_m, cost_m[d])`` over all models
    ``m``: one slope per draw.  The spread of these slopes is what the
    per-model uncertainty does to the trend (the paper's Table 1 interval is
    instead the sampling uncertainty of one fit to point estimates; the two
    are different things and are not combined here).

    Parameters
    ----------
    samples_by_model : mapping of str to array_like, or sequence of array_like
        Positive cost draws of each model (any shape; flattened), the same
        number of draws for every model.
    years : mapping of str to float, or array_like
        Decimal publication year of each model (same keys or order).
    ci_prob : float
        Probability of the interval of the slope.
    ci_kind : {"eti", "hdi"}
        Equal-tailed interval of the slopes, or their highest-density
        interval (arviz-stats ``hdi``, as ``summarize``).  The growth
        factor's interval is the slope's mapped through ``10**slope``, so the
        two describe the same fits (an HDI is not invariant under that map:
        this is the HDI of the slope, the fitted quantity).
    quantiles : sequence of float
        Quantiles of the slope (and growth factor) to report.
    pairing : {"shuffle", "index"}
        ``"shuffle"`` (default): each model's draws are permuted (``seed``)
        before pairing, which makes the models independent whatever their
        seeds: each model's cost uncertainty is its own.  ``"index"``: draw
        ``d`` of every model goes into fit ``d``, so whether the models' costs
        are correlated depends on how they were drawn: runs of
        ``frontiercost.simulate`` with the same seed give a parameter of the
        same name the same uniforms in every scenario (counter-based streams),
        so every input of the same name (each model's own training hours and
        chip count included) moves together across models, as one systematic
        error would, and most of it cancels out of the slope (41 frontier
        models, seed 0: 2.35-2.48x/yr against 2.17-2.67x/yr independent);
        runs with different seeds are independent.
    seed : int
        Seed of the permutation for ``pairing="shuffle"``.

    Returns
    -------
    xarray.Dataset
        ``slope`` and ``growth_factor`` per ``draw``; ``slope_quantiles`` and
        ``growth_factor_quantiles`` along ``quantile``; ``slope_ci`` and
        ``growth_factor_ci`` along ``ci_bound`` (``ci_kind``, ``ci_prob``);
        ``r_squared`` per draw.  Attributes record ``pairing``, ``n_models``
        and ``n_draws``.

    Raises
    ------
    FrontiercostError
        On mismatched models, unequal draw counts, non-positive costs, fewer
        than three models, or an unknown ``pairing``.
    """
    prob = _check_prob("ci_prob", ci_prob)
    if ci_kind not in CI_KINDS:
        raise FrontiercostError(f"ci_kind: unknown kind {ci_kind!r}; accepted: eti, hdi")
    qs = [_check_prob(f"quantiles[{i}]", q) for i, q in enumerate(quantiles)]
    if pairing not in PAIRINGS:
        raise FrontiercostError(f"pairing: unknown {pairing!r}; accepted: {', '.join(PAIRINGS)}")
    if isinstance(samples_by_model, Mapping):
        names = list(samples_by_model)
        if not isinstance(years, Mapping):
            raise FrontiercostError("years: give a mapping with the same keys as samples_by_model")
        missing = [m for m in names if m not in years]
        if missing:
            raise FrontiercostError(f"years: no year for {', '.join(missing)}")
        arrays = [np.asarray(samples_by_model[m], dtype=float).ravel() for m in names]
        x = np.array([float(years[m]) for m in names])
    else:
        arrays = [np.asarray(s, dtype=float).ravel() for s in samples_by_model]
        names = [str(i) for i in range(len(arrays))]
        if isinstance(years, Mapping):
            raise FrontiercostError("years: give a sequence when samples_by_model is a sequence")
        x = np.asarray(years, dtype=float).ravel()
    if len(arrays) != x.size:
        raise FrontiercostError(f"years: {x.size} years for {len(arrays)} models")
    sizes = {a.size for a in arrays}
    if len(sizes) != 1 or 0 in sizes:
        raise FrontiercostError(
            f"samples_by_model: every model needs the same number of draws, got {sorted(sizes)}"
        )
    check_seed(seed)
    cost = np.stack(arrays)  # (model, draw)
    _xy(x, cost[:, 0])  # validates years and the count of models
    if not np.all(np.isfinite(cost) & (cost > 0)):
        raise FrontiercostError("samples_by_model: every draw must be a positive finite cost")
    # One (model, draw) array, worked in place (41 models of 4e5 draws are 131 MB
    # each): the same arithmetic, value for value, as with a new array per step.
    if pairing == "shuffle":
        rng = np.random.default_rng(seed)
        for row in cost:  # what rng.permutation(row) gives, without the copy
            rng.shuffle(row)
    yc = np.log10(cost, out=cost)
    yc -= yc.mean(axis=0)
    xc = x - x.mean()
    sxx = float(xc @ xc)
    slopes = (xc @ yc) / sxx
    sst = np.sum(yc**2, axis=0)
    for i, xi in enumerate(xc):  # the residuals, yc - outer(xc, slopes), row by row
        yc[i] -= xi * slopes
    ssr = np.sum(yc**2, axis=0)
    ci_attrs = {"ci_kind": ci_kind, "ci_prob": prob}
    slope_q = np.quantile(slopes, qs)
    slope_ci = np.array(interval(slopes, prob, ci_kind))
    return xr.Dataset(
        {
            "slope": ("draw", slopes, {"units": "OOM/yr", "long_name": "trend slope per draw"}),
            "growth_factor": (
                "draw",
                10**slopes,
                {"units": "1/yr", "long_name": "growth factor per draw"},
            ),
            "r_squared": ("draw", 1 - ssr / sst, {"units": "1", "long_name": "R^2 per draw"}),
            "slope_quantiles": (
                "quantile",
                slope_q,
                {"units": "OOM/yr", "long_name": "quantiles of the slope"},
            ),
            "growth_factor_quantiles": (
                "quantile",
                10**slope_q,
                {"units": "1/yr", "long_name": "quantiles of the growth factor"},
            ),
            "slope_ci": (
                "ci_bound",
                slope_ci,
                {"units": "OOM/yr", "long_name": "interval of the slope", **ci_attrs},
            ),
            "growth_factor_ci": (
                "ci_bound",
                10**slope_ci,
                {"units": "1/yr", "long_name": "interval of the growth factor", **ci_attrs},
            ),
        },
        coords={"quantile": qs, "ci_bound": ["lower", "upper"], "draw": np.arange(slopes.size)},
        attrs={
            "kind": "trend_with_uncertainty",
            "pairing": pairing,
            "n_models": len(names),
            "n_draws": int(slopes.size),
            **ci_attrs,
        },
    )
