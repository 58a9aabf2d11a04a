"""Point summaries and credible intervals of a run."""

from __future__ import annotations

import math
import mmap
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr
from scipy import special

from ..errors import FrontiercostError, RangeWarning
from ..results.view import RunView, view
from ._points import each_point
from ._quantiles import fill_infinite, median_past_overflow, quantiles, scale_below

CI_KINDS = ("eti", "hdi")
_SD_PROBS = np.array([0.1586553, 0.8413447])  # a normal's ±1 sd, as arviz-stats uses


def summarize(
    data: xr.DataTree | RunView,
    ci_prob: float = 0.9,
    ci_kind: str = "eti",
    var_names: Sequence[str] | str | None = None,
) -> xr.Dataset:
    """Mean, sd, median and a credible interval of each variable.

    Parameters
    ----------
    data : xarray.DataTree or RunView
        From ``frontiercost.simulate`` (stored ``posterior`` or ``streaming``),
        in memory or opened from a file (also lazily, ``chunks={}``).
    ci_prob : float
        Probability mass of the interval, in (0, 1).
    ci_kind : {"eti", "hdi"}
        Equal-tailed or highest-density interval.
    var_names : str or sequence of str, optional
        Variables to summarize (default: all); a string is one name.

    Returns
    -------
    xarray.Dataset
        Dims ``variable`` and ``ci_bound`` (``lower``, ``upper``); variables
        ``mean``, ``sd``, ``median``, ``mcse_median``, ``ci`` (with
        ``ci_kind``/``ci_prob`` attributes), ``mcse_lower`` and
        ``mcse_upper`` (Monte Carlo standard errors of the interval's bounds;
        NaN for HDI, and for streaming runs of the ``qmc`` and ``lhs``
        samplers);
        coordinate ``units`` per variable.

    Notes
    -----
    Stored draws go through arviz-stats (``eti``, ``hdi``, ``mcse``).  A
    streaming run has no draws, so its quantiles and HDI come from the run's
    histogram (error at most one bin, 0.39 %; see ``StreamStats``).

    **When to draw more.**  ``mcse_median``, ``mcse_lower`` and ``mcse_upper``
    are the Monte Carlo standard errors of the median and of the interval's
    bounds, in the variable's units: another run with a different seed
    would move each by about that much (a 2-sigma band holds ~95 % of runs).
    A figure reported to ``k`` significant digits is stable when its MCSE is
    below half a unit of the last digit (e.g. below $0.05M for "$40.6M");
    the MCSE shrinks as ``1 / sqrt(draws)``, so halving it takes four times
    the draws.  Tail bounds converge slowest: the upper bound of a 90 %
    interval of a right-skewed cost has the largest MCSE of the three.

    The MCSE of an equal-tailed bound is arviz-stats ``mcse(...,
    method="quantile", prob=...)`` at ``(1 - ci_prob) / 2`` and
    ``(1 + ci_prob) / 2`` (Vehtari et al. 2021, "Rank-normalization,
    folding, and localization", Bayesian Analysis 16(2): half the width of
    the ESS-based ±1 sd binomial interval of the quantile's rank, mapped
    through the sorted draws).  For independent draws it matches the
    asymptotic ``sqrt(p (1 - p) / n) / f(q)`` of a sample quantile (tested
    against it and against the spread of the bounds over independent runs).
    Draws of the ``mc`` sampler pushed through the model (no conditioning)
    are independent by construction, so their ESS is the number of draws:
    the same formula then runs with ESS = n instead of estimating it, on the
    draws' order statistics (O(n), where arviz-stats sorts and runs FFTs: 25x
    faster at 4e6 draws) or, for a streaming run, on its histogram.  Runs
    of ``qmc``/``lhs`` or conditioned runs use arviz-stats' estimate.

    HDI bounds get NaN: they are not quantiles and have no estimator here
    that holds up.  Measured over 400 independent runs of 4,000 draws, the
    quantile formula at the bounds' levels understates their spread by
    1.7-2x (normal; lower bound of a lognormal, sigma 0.8), since an HDI
    can slide along the distribution at almost no cost in width, and batch
    means (assuming ``1 / sqrt(n)`` convergence) understate it too.  Judge
    the draws needed from the equal-tailed interval's MCSE.
    """
    if isinstance(ci_prob, bool) or not isinstance(ci_prob, (int, float)) or not (0 < ci_prob < 1):
        raise FrontiercostError(f"ci_prob: must be a number in (0, 1), got {ci_prob!r}")
    if ci_kind not in CI_KINDS:
        raise FrontiercostError(f"ci_kind: unknown kind {ci_kind!r}; accepted: eti, hdi")
    run = view(data)
    stored = run.stored
    names = run.check(var_names, "var_names") if var_names is not None else list(run.variables)
    if run.summary_only:
        return _kept_summaries(run, names, ci_prob, ci_kind)
    if stored:
        if run.sweep_dims:  # a sweep: one summary per grid point, stacked over its dims
            return each_point(run, lambda one: summarize(one, ci_prob, ci_kind, names), names)
        # One variable at a time, read into memory (a lazily opened or dask-backed
        # file included): memory is one variable's draws, whatever the run's size.
        # compute(), not load(): load() would keep every variable read in the tree.
        ess = run.importance_ess
        cols = [_stored_row(run.sampled(n).compute(), run.independent, ci_kind, ci_prob, ess)
                for n in names]  # fmt: skip
        rows = {k: np.array([c[k] for c in cols]) for k in ("mean", "sd", "median")}
        ci_arr = np.array([c["ci"] for c in cols]).reshape(len(names), 2)
        rows["mcse_median"] = np.array([c["mcse_median"] for c in cols])
        mcse_ci = np.array([c["mcse_ci"] for c in cols]).reshape(len(names), 2)
    else:
        st = run.stats
        o = [st.names.index(n) for n in names]
        _warn_beyond_range(st, names)
        mean, sd = _streamed_moments(st, names)
        rows = {
            "mean": mean,
            "sd": sd,
            "median": np.array([float(st.quantile(n, 0.5)) for n in names]),
        }
        if ci_kind == "eti":
            a = (1 - ci_prob) / 2
            ci_arr = np.array([st.quantile(n, np.array([a, 1 - a])) for n in names])
        else:
            ci_arr = np.array([st.hdi(n, ci_prob) for n in names])
        mcse_all = np.full((len(names), 3), np.nan)
        if run.independent:
            for i, (n, k) in enumerate(zip(names, o, strict=True)):
                if st.nan_count[k] == 0 and st.count[k] >= 4:  # as for stored draws
                    lo, hi = _rank_sd_points(st.count[k], _mcse_probs(ci_prob))
                    with np.errstate(invalid="ignore"):  # inf - inf: no MCSE, as stored
                        mcse_all[i] = (st.quantile(n, hi) - st.quantile(n, lo)) / 2
        rows["mcse_median"] = mcse_all[:, 0]
        mcse_ci = mcse_all[:, 1:] if ci_kind == "eti" else np.full((len(names), 2), np.nan)
    units = [run.units(n) for n in names]
    ds = xr.Dataset(
        {k: ("variable", v) for k, v in rows.items()}
        | {
            "ci": (
                ("variable", "ci_bound"),
                ci_arr,
                {"ci_kind": ci_kind, "ci_prob": float(ci_prob)},
            ),
            "mcse_lower": (
                "variable",
                mcse_ci[:, 0],
                {"long_name": "Monte Carlo standard error of the interval's lower bound"},
            ),
            "mcse_upper": (
                "variable",
                mcse_ci[:, 1],
                {"long_name": "Monte Carlo standard error of the interval's upper bound"},
            ),
        },
        coords={"variable": names, "ci_bound": ["lower", "upper"], "units": ("variable", units)},
        attrs={
            "ci_kind": ci_kind,
            "ci_prob": float(ci_prob),
            "source": "draws" if stored else "streaming histogram",
        },
    )
    return ds


def _warn_beyond_range(st: Any, names: Sequence[str]) -> None:
    """One warning naming the streamed outputs whose quantiles the histogram cannot bound."""
    from ..engine.streaming import HIST_RANGE

    coarse = {n: c for n in names if (c := st.coarse_draws(n))}
    if coarse:
        warnings.warn(
            RangeWarning(
                "; ".join(f"{n}: {c:,} draws" for n, c in coarse.items())
                + " far from the value the streaming histogram measures from (beyond half"
                " of it, after the run's first draws lay within): their bins are too wide"
                " to read, so quantiles and intervals among them are NaN: keep the draws"
                " (store=True, or --out) for those"
            ),
            stacklevel=3,
        )
    beyond = [n for n in names if st.beyond_range(n)]
    if beyond:
        lo, hi = HIST_RANGE
        warnings.warn(
            RangeWarning(
                f"{', '.join(beyond)}: draws beyond the streaming histogram's range (magnitudes"
                f" {lo:.2g} to {hi:.2g}); quantiles and intervals there are NaN (counted"
                " exceedances stay exact): keep the draws (store=True, or --out) for them"
            ),
            stacklevel=3,
        )


def _range_scale(values: np.ndarray, mean: float, sd: float) -> float:
    """A power of two to divide the draws by when their moments left float64's range,
    else 1.

    Draws near 1e307 overflow the sum (the mean came out NaN); draws whose
    spread is below ~1e-154 underflow the squared deviations (the sd came out
    0).  A power of two scales exactly, so the moments of the scaled draws,
    scaled back, are what unbounded arithmetic would give; when nothing left
    the range the first figures stand, bit for bit.
    """
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # every draw NaN: NaN, said elsewhere
        lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo == hi:
        return 1.0
    spread_lost = sd == 0 or (math.isfinite(sd) and sd < 1e-150)
    if math.isfinite(mean) and math.isfinite(sd) and not spread_lost:
        return 1.0
    return scale_below(max(abs(lo), abs(hi)))


def _streamed_moments(st: Any, names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Streamed means and sds; NaN, with a warning, where float64 could not hold them.

    The running sums of a streaming run overflow for draws near 1e307 and its
    squared deviations underflow for a spread below ~1e-154: a mean that is not
    finite while every draw is, or an sd of 0 over unequal draws, is a wrong
    figure.  (Stored runs recompute such moments on scaled draws.)
    """
    o = [st.names.index(n) for n in names]
    lo, hi = st.minimum[o], st.maximum[o]
    mean, sd = st.mean[o].astype(float), np.sqrt(st.var[o])
    bounded = np.isfinite(lo) & np.isfinite(hi) & (lo < hi) & (st.inf_count[o] == 0)
    lost = bounded & (~np.isfinite(mean) | ~np.isfinite(sd) | (sd < 1e-150))
    if lost.any():
        mean, sd = np.where(lost, np.nan, mean), np.where(lost, np.nan, sd)
        warnings.warn(
            RangeWarning(
                f"{', '.join(n for n, b in zip(names, lost, strict=True) if b)}: the streamed"
                " mean or sd leaves float64's range (draws near 1e307, or a spread below"
                " 1e-154) and is NaN; keep the draws (store=True, or --out) for them"
            ),
            stacklevel=3,
        )
    return mean, sd


def _stored_row(
    da: xr.DataArray,
    independent: bool,
    ci_kind: str,
    ci_prob: float,
    importance_ess: float | None = None,
) -> dict[str, Any]:
    """Mean, sd, median, interval and MCSEs of one stored variable (in memory).

    ``importance_ess``: the draws are an importance resample (copies of prior
    draws) with this effective sample size; their MCSEs are those of that
    many independent draws, not of as many as there are copies.
    """
    values = da.values
    nan = bool(np.isnan(values).any())

    def moments(d: xr.DataArray) -> tuple[float, float]:
        if nan or d.dims != ("chain", "draw"):
            return float(d.mean(("chain", "draw"))), float(d.std(("chain", "draw"), ddof=1))
        # Without NaN, xarray's NaN-skipping mean and sd are numpy's on the same
        # axes, bit for bit, less a copy of the draws each.
        v = d.values
        return float(np.mean(v, axis=(0, 1))), float(np.std(v, axis=(0, 1), ddof=1))

    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        mean, sd = moments(da)
        scale = _range_scale(values, mean, sd)
        if scale != 1.0:
            mean, sd = (m * scale for m in moments(da / scale))
    row: dict[str, Any] = {"mean": mean, "sd": sd}
    x = np.ravel(values)
    if independent and ci_kind == "eti" and x.size >= 4 and not nan:
        # The common case in one partition instead of three (median, interval,
        # MCSE): the same numpy arithmetic on the same order statistics.
        a = (1 - ci_prob) / 2
        part, mcse = _partitioned(x, np.array([a, 1 - a]), _mcse_probs(ci_prob))
        with np.errstate(over="ignore"):  # two middle draws past 2**1023: mended below
            median = float(np.median(part, overwrite_input=True))
        row["median"] = median_past_overflow(median, part)
        with np.errstate(invalid="ignore"):  # inf - inf: filled in below
            ci = np.quantile(part, [a, 1 - a], overwrite_input=True)
        row["ci"] = [float(v) for v in fill_infinite(ci, x, [a, 1 - a])]
        row["mcse_median"] = float(mcse[0])
        row["mcse_ci"] = list(mcse[1:])
        return row
    import arviz_stats as az  # imported on use: it costs ~1 s and ~100 MB at start-up

    # NaN draws are no values: the interval is of the others, as the median is
    values = x[~np.isnan(x)] if nan else x
    with np.errstate(over="ignore"):  # two middle draws past 2**1023: mended below
        median = float(da.median(("chain", "draw")))
    row["median"] = median_past_overflow(median, values)
    post = xr.Dataset({"x": (("chain", "draw"), values[None, :]) if nan else da})
    row["ci"] = [math.nan, math.nan]
    if post["x"].size:
        with np.errstate(invalid="ignore"):  # inf - inf: filled in below
            ci = (az.eti if ci_kind == "eti" else az.hdi)(post, prob=ci_prob)["x"]
        row["ci"] = [float(ci.sel(ci_bound=b)) for b in ("lower", "upper")]
        if ci_kind == "eti":
            a = (1 - ci_prob) / 2
            row["ci"] = [float(v) for v in fill_infinite(np.array(row["ci"]), values, [a, 1 - a])]
    if nan:  # no MCSE estimate once the chains are broken up (nor has a streaming run's)
        row["mcse_median"] = math.nan
        row["mcse_ci"] = [math.nan, math.nan]
        return row
    if independent or importance_ess is not None:
        mcse = _iid_mcse_draws(da.values, _mcse_probs(ci_prob))
        if importance_ess is not None:  # n copies worth importance_ess independent draws
            mcse = mcse * math.sqrt(da.size / min(importance_ess, da.size))
        row["mcse_median"] = float(mcse[0])
        row["mcse_ci"] = list(mcse[1:]) if ci_kind == "eti" else [np.nan, np.nan]
    else:
        row["mcse_median"] = float(az.mcse(post, method="median")["x"])
        row["mcse_ci"] = list(_mcse_bounds(post, ["x"], ci_kind, ci_prob)[0])
    return row


def _kept_summaries(
    run: RunView, names: Sequence[str], ci_prob: float, ci_kind: str
) -> xr.Dataset:
    """A summary-only sweep's per-point summaries, as kept: it has no draws to
    compute others from, so another interval is an error, not a silent substitute."""
    ds = run.tree["summary"].to_dataset()
    kept_kind = str(ds.attrs.get("ci_kind", "eti"))
    kept_prob = float(ds.attrs.get("ci_prob", 0.9))
    if ci_kind != kept_kind or not np.isclose(ci_prob, kept_prob, rtol=0, atol=1e-12):
        raise FrontiercostError(
            f"data: a sweep that kept summaries only, with {kept_prob:g} {kept_kind.upper()}"
            f" intervals; without draws there is no {ci_prob:g} {ci_kind.upper()} interval:"
            f" summarize with ci_prob={kept_prob:g}, ci_kind={kept_kind!r}, or sweep again"
            " with the interval you want (ci_prob=, ci_kind=) or without summary_only"
        )
    return ds.sel(variable=list(names))


def _mcse_probs(ci_prob: float) -> np.ndarray:
    """Probabilities whose quantile MCSE a summary reports: median, ETI lower, ETI upper."""
    a = (1 - ci_prob) / 2
    return np.array([0.5, a, 1 - a])


def _rank_sd_points(n: float, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities at ±1 sd of the rank of each ``probs`` quantile of ``n`` independent draws.

    The rank is Beta(n p + 1, n (1 - p) + 1): arviz-stats' quantile MCSE with
    ESS = ``n`` is half the distance between the quantiles at these points.
    """
    probs = np.asarray(probs, float)[:, None]
    with np.errstate(invalid="ignore"):
        lo, hi = special.betaincinv(n * probs + 1, n * (1 - probs) + 1, _SD_PROBS).T
    return lo, hi


class _Partitioned(np.ndarray):
    """Draws already partitioned at every order statistic numpy's median and
    quantile will read: their own ``partition`` is skipped, so they compute
    the same bits from the same elements without another pass over the draws."""

    def partition(self, *args: Any, **kwargs: Any) -> None:
        return None


def _partitioned(
    x: np.ndarray, ci_probs: np.ndarray, mcse_probs: np.ndarray, *, inplace: bool = False
) -> tuple[_Partitioned, np.ndarray]:
    """``x`` (1-d, no NaN, 4 draws or more) partitioned once for the median, the
    ``ci_probs`` quantiles and the quantile MCSEs at ``mcse_probs``; and those MCSEs.

    The positions are a superset of the ones numpy's median and linear
    quantile partition at (both ends, the middle pair, and each quantile's
    neighbours), so every element they read holds its order statistic.
    ``inplace``: partition ``x`` itself (a copy the caller owns) rather than a copy.
    """
    size = x.size
    lo, hi = _rank_sd_points(size, mcse_probs)
    k_lo = np.floor(np.maximum(lo * size - 1, 0)).astype(np.intp)
    k_hi = np.ceil(np.minimum(hi * size - 1, size - 1)).astype(np.intp)
    virtual = np.floor(ci_probs * (size - 1)).astype(np.intp)
    near = (virtual[:, None] + np.arange(-1, 3)).ravel()
    half = size // 2
    kth = np.concatenate([[0, size - 1, half - 1, half], near, k_lo, k_hi])
    kth = np.unique(np.clip(kth, 0, size - 1))
    values = order_statistics(x, kth)
    if values is None:
        if inplace:
            x.partition(kth)
            part = x
        else:
            part = np.partition(x, kth)
    else:
        # numpy reads only these positions: the rest of a fresh mapping is
        # never touched, so it costs address space, not memory or time
        part = np.frombuffer(mmap.mmap(-1, 8 * size), dtype=np.float64)
        part[kth] = values
    with np.errstate(invalid="ignore"):  # two infinite order statistics: no MCSE (NaN)
        return part.view(_Partitioned), (part[k_hi] - part[k_lo]) / 2


_SELECT_MIN = 1 << 16  # smaller arrays: numpy's partition is as fast
_SAMPLE = 1 << 14
_ROOM, _ROOM_MIN = 2.0, 4096  # a bracket's room: twice its sampled share, at least this


def order_statistics(x: np.ndarray, ranks: np.ndarray) -> np.ndarray | None:
    """The order statistics ``x[ranks]`` of sorted ``x`` (1-d, no NaN), exactly,
    without partitioning all of ``x``; ``None`` if ``x`` is small or the
    brackets miss (the caller partitions instead).

    ``ranks`` are sorted and unique.  A strided sample of the draws brackets
    each cluster of nearby ranks by values; one compiled pass over the draws
    counts those below each bracket and gathers the few inside, and a
    partition of those gives the exact order statistics.  Only speed depends
    on the sample: a bracket that misses its ranks is detected by the counts.
    """
    n = x.size
    if n < _SELECT_MIN:
        return None
    sample = np.sort(x[:: max(1, n // _SAMPLE)])
    m = sample.size
    out = np.empty(len(ranks))
    gap = max(1, n // 64)  # ranks closer than this share a bracket
    spread = 6 * np.sqrt(m * 0.25) + 2  # about 6 sd of a sample quantile's rank either side
    groups: list[tuple[int, int]] = []
    bounds: list[tuple[float, float]] = []
    start = 0
    for i in range(1, len(ranks) + 1):
        if i < len(ranks) and ranks[i] - ranks[i - 1] <= gap:
            continue
        lo_r, hi_r = int(ranks[start]), int(ranks[i - 1])
        if hi_r == 0 or lo_r == n - 1:  # the ends: numpy's min and max
            out[start:i] = x.min() if hi_r == 0 else x.max()
        else:
            i_lo = int(np.floor(lo_r / n * m - spread))
            i_hi = int(np.ceil((hi_r + 1) / n * m + spread))
            lo = sample[i_lo] if i_lo > 0 else -np.inf
            hi = sample[i_hi] if i_hi < m else np.inf
            if lo == -np.inf and hi == np.inf:
                return None
            groups.append((start, i))
            bounds.append((lo, hi))
        start = i
    if not groups:
        return out
    from ._brackets import gather_brackets  # numba: loaded with the first large summary

    lo_b = np.array([b[0] for b in bounds])
    hi_b = np.array([b[1] for b in bounds])
    # room for twice the draws a bracket should hold by its share of the sample:
    # tied draws can fill every bracket, and the brackets are held at once
    share = np.searchsorted(sample, hi_b, "right") - np.searchsorted(sample, lo_b, "left")
    cap = int(min(n, _ROOM * share.max() / m * n + _ROOM_MIN))
    below, count, kept = gather_brackets(x, lo_b, hi_b, cap)
    for b, (first, last) in enumerate(groups):
        group = ranks[first:last]
        inside = kept[b, : count[b]] if count[b] <= cap else x[(x >= lo_b[b]) & (x <= hi_b[b])]
        if not (below[b] <= group[0] and group[-1] < below[b] + inside.size):
            return None
        inside.partition(group - below[b])
        out[first:last] = inside[group - below[b]]
    return out


def _iid_mcse_draws(x: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Quantile MCSE of independent stored draws, on their order statistics as arviz-stats."""
    x = np.ravel(x)
    size = x.size
    if size < 4 or np.isnan(x).any():  # as arviz-stats: no estimate
        return np.full(len(probs), np.nan)
    lo, hi = _rank_sd_points(size, probs)
    k_lo = np.floor(np.maximum(lo * size - 1, 0)).astype(np.intp)
    k_hi = np.ceil(np.minimum(hi * size - 1, size - 1)).astype(np.intp)
    part = np.partition(x, np.unique(np.concatenate([k_lo, k_hi])))  # O(n), no sort
    with np.errstate(invalid="ignore"):  # two infinite order statistics: no MCSE (NaN)
        return (part[k_hi] - part[k_lo]) / 2


def _mcse_bounds(
    post: xr.Dataset, names: Sequence[str], ci_kind: str, ci_prob: float
) -> np.ndarray:
    """MCSE of each variable's interval bounds, shape ``(len(names), 2)`` (see ``summarize``)."""
    if ci_kind != "eti":
        return np.full((len(names), 2), np.nan)
    import arviz_stats as az

    a = (1 - ci_prob) / 2
    lo, hi = (az.mcse(post, method="quantile", prob=p) for p in (a, 1 - a))
    return np.array([[float(lo[n]), float(hi[n])] for n in names])


def interval(draws: Any, ci_prob: float, ci_kind: str) -> tuple[float, float]:
    """Equal-tailed or highest-density interval of a set of draws.

    Parameters
    ----------
    draws : array_like
        Draws of one quantity (any shape; flattened).  NaN draws are left out.
    ci_prob : float
        Probability mass of the interval, in (0, 1).
    ci_kind : {"eti", "hdi"}
        ``"eti"``: linear-interpolated quantiles at ``(1 - ci_prob) / 2`` and
        ``(1 + ci_prob) / 2`` (``numpy.quantile``); ``"hdi"``: arviz-stats'
        ``hdi``, the shortest interval holding ``ci_prob`` of the draws, the
        same function ``summarize`` uses.

    Returns
    -------
    tuple of float
        ``(lower, upper)``; NaN when no draw is a number.
    """
    if ci_kind not in CI_KINDS:
        raise FrontiercostError(f"ci_kind: unknown kind {ci_kind!r}; accepted: eti, hdi")
    x = np.asarray(draws, dtype=float).ravel()
    x = x[~np.isnan(x)]
    if x.size == 0:
        return math.nan, math.nan
    if ci_kind == "eti":
        lo, hi = quantiles(x, [(1 - ci_prob) / 2, (1 + ci_prob) / 2])  # inf draws: values
        return float(lo), float(hi)
    import arviz_stats as az

    ci = az.hdi(xr.DataArray(x, dims="draw"), prob=ci_prob, dim="draw")
    return float(ci.sel(ci_bound="lower")), float(ci.sel(ci_bound="upper"))
