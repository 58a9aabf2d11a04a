"""One output's distribution: histogram with density curve, and its exceedance curve."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from scipy.signal import fftconvolve
from scipy.stats import gaussian_kde

from ...errors import FrontiercostError
from ...results.view import view
from ..format import format_share
from ..risk import exceedance, exceedance_curve
from ..summary import summarize
from ._style import (
    OKABE_ITO,
    Target,
    axis_label,
    draws,
    fmt,
    fmt_prob,
    new_axes,
    percent_axis,
    run_title,
    save,
    style,
    value_axis,
    variable_attrs,
)

AXIS_LIMIT = 1e300  # the largest magnitude a value axis is asked to span


def _auto_log(lo: float, hi: float, log: bool | None) -> bool:
    """Log axis when asked, else when the values are positive and span over a factor 10."""
    if log is None:
        return bool(lo > 0 and hi / lo > 10)
    if log and not lo > 0:
        raise FrontiercostError(f"log: a log axis needs positive values, the smallest is {lo:g}")
    return log


def _density(t: np.ndarray, back: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """A Gaussian KDE over the draws ``t``, or ``None`` when it has none to give.

    Draws that are all equal, or span float64's range (exp(1000 x) gives 0 and
    1e300 draws: the covariance overflows or is singular), get the histogram only.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if not (np.ptp(t) > 0 and np.isfinite(np.var(t))):
            return None
        try:
            grid = np.linspace(t.min(), t.max(), 400)
            values = gaussian_kde(t)(grid) if t.size <= EXACT_KDE_UP_TO else _binned_kde(t, grid)
        except (ValueError, np.linalg.LinAlgError):
            return None
    return (back(grid), values) if np.all(np.isfinite(values)) else None


# Up to here scipy's KDE is evaluated as it is (400 x n Gaussians: 0.2 s); above,
# the same estimate from binned draws (scipy's took 11 s of a 4e6-draw figure).
EXACT_KDE_UP_TO = 100_000


def _binned_kde(t: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """scipy's ``gaussian_kde(t)(grid)`` (Scott's bandwidth) from linearly binned draws.

    Bins of an eighth of the bandwidth, convolved with the Gaussian kernel by
    FFT: O(n) for the draws, within 2e-3 of the peak density of scipy's
    (tested).  Bins are capped at 2**22; a range wider than 5e5 bandwidths is
    then smoothed more coarsely.
    """
    n = t.size
    h = float(np.std(t, ddof=1)) * n**-0.2
    lo, hi = float(t.min()) - 5 * h, float(t.max()) + 5 * h
    m = int(min(max(np.ceil((hi - lo) / (h / 8)), 1024), 1 << 22))
    delta = (hi - lo) / m
    x = (t - lo) / delta - 0.5  # position among the bin centres
    i = np.floor(x).astype(np.int64)
    f = x - i
    counts = np.bincount(np.clip(i, 0, m - 1), weights=1 - f, minlength=m)
    counts += np.bincount(np.clip(i + 1, 0, m - 1), weights=f, minlength=m)
    u = np.arange(-math.ceil(5 * h / delta), math.ceil(5 * h / delta) + 1) * delta
    kernel = np.exp(-0.5 * (u / h) ** 2)
    dens = fftconvolve(counts, kernel / kernel.sum(), mode="same") / (n * delta)
    return np.interp(grid, lo + (np.arange(m) + 0.5) * delta, dens)


def _point_value(point: float | xr.Dataset | None, var: str) -> float | None:
    if point is None:
        return None
    if isinstance(point, xr.Dataset):
        if var not in point.data_vars:
            raise FrontiercostError(f"point: the point estimate has no variable {var!r}")
        return float(point[var])
    return float(point)


def plot_distribution(
    tree: xr.DataTree,
    var: str,
    ci_prob: float = 0.9,
    ci_kind: str = "eti",
    ax: Axes | None = None,
    *,
    point: float | xr.Dataset | None = None,
    bins: int = 60,
    log: bool | None = None,
    kde: bool = True,
    path: Target | None = None,
    dpi: float = 100,
) -> Figure:
    """Histogram and density of one output, with its median and credible interval.

    A positive variable spanning orders of magnitude (a cost) is drawn on a
    log x-axis, its density taken per decade (of ``log10`` of the value), so
    that log-normal-like costs look as symmetric as they are in orders of
    magnitude; other variables on a linear axis with the ordinary density.

    Parameters
    ----------
    tree : xarray.DataTree
        A run with stored draws (group ``posterior``).
    var : str
        The variable to plot.
    ci_prob, ci_kind
        The credible interval, as for :func:`frontiercost.summarize`
        (``"eti"`` equal-tailed or ``"hdi"`` highest-density).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure otherwise.
    point : float or xarray.Dataset, optional
        The point estimate to mark: a value, or the Dataset of
        :func:`frontiercost.evaluate` (its ``var`` is used).
    bins : int
        Histogram bins.
    log : bool, optional
        Log x-axis; by default when the draws are positive and span more
        than a factor of 10 (costs do, fractions and ages do not).
    kde : bool
        Draw a Gaussian kernel density estimate (scipy, Scott's bandwidth,
        on ``log10`` of a positive variable) over the histogram.
    path : str, path or binary file object, optional
        Save the figure there (format from the suffix; PNG for file objects).
    dpi : float
        Resolution of the saved image.

    Returns
    -------
    matplotlib.figure.Figure
        Artists carry ids (``get_gid()``): ``histogram``, ``kde``, ``ci``,
        ``median``, ``ci_lower``, ``ci_upper``, ``point``.
    """
    x = draws(tree, var, "plot_distribution")
    if x.size == 0:
        raise FrontiercostError(f"var: {var!r} has no finite draws")
    if np.abs(x).max() > AXIS_LIMIT:  # matplotlib's transforms overflow (singular matrix)
        raise FrontiercostError(
            f"var: {var!r} has draws of {float(np.abs(x).max()):.3g}, beyond what a figure's"
            f" axis can span ({AXIS_LIMIT:g}); plot another variable, or its log in a"
            " [formulas] entry"
        )
    if not isinstance(bins, int) or bins < 1:
        raise FrontiercostError(f"bins: need a positive integer, got {bins!r}")
    attrs = variable_attrs(tree, var)
    units = str(attrs.get("units", ""))
    s = summarize(tree, ci_prob=ci_prob, ci_kind=ci_kind, var_names=[var])
    median = float(s["median"].sel(variable=var))
    lo, hi = (float(v) for v in s["ci"].sel(variable=var).values)
    at_point = _point_value(point, var)
    log = _auto_log(float(x.min()), float(x.max()), log)
    t = np.log10(x) if log else x

    def back(v: np.ndarray) -> np.ndarray:
        return 10.0**v if log else v

    with style():
        fig, ax = new_axes(ax, (6.4, 3.8))
        dens, edges = np.histogram(t, bins=bins, density=True)
        ax.stairs(
            dens,
            back(edges),
            fill=True,
            color=OKABE_ITO["sky_blue"],
            alpha=0.45,
            label=f"{x.size:,} draws",
            gid="histogram",
        )
        curve = _density(t, back) if kde else None
        if curve is not None:
            ax.plot(*curve, color=OKABE_ITO["blue"], lw=1.5, label="density", gid="kde")
        interval = f"{format_share(ci_prob)} {ci_kind.upper()}"
        ci_label = f"{interval}: {fmt(lo, units)} – {fmt(hi, units)}"
        # an infinite bound or median (infinite draws are values) is drawn at the edge
        # of the finite draws shown; the labels keep the values
        lo_at, hi_at, median_at = (float(np.clip(v, x.min(), x.max())) for v in (lo, hi, median))
        if curve is not None:
            inside = (curve[0] >= lo) & (curve[0] <= hi)
            ax.fill_between(
                curve[0],
                curve[1],
                where=inside,
                color=OKABE_ITO["blue"],
                alpha=0.2,
                lw=0,
                label=ci_label,
                gid="ci",
            )
        else:
            ax.axvspan(
                lo_at, hi_at, color=OKABE_ITO["blue"], alpha=0.15, lw=0, label=ci_label, gid="ci"
            )
        for bound, gid in ((lo_at, "ci_lower"), (hi_at, "ci_upper")):
            ax.axvline(bound, color=OKABE_ITO["blue"], lw=0.8, ls="-", alpha=0.8, gid=gid)
        ax.axvline(
            median_at,
            color=OKABE_ITO["black"],
            lw=1.3,
            ls="--",
            label=f"median: {fmt(median, units)}",
            gid="median",
        )
        if at_point is not None:
            # a conditioned run's point is its prior's (the evidence moves the draws only)
            what = "prior point estimate" if view(tree).conditioned else "point estimate"
            style_kw: dict[str, Any] = {
                "color": OKABE_ITO["vermillion"],
                "lw": 1.3,
                "ls": ":",
                "gid": "point",
            }
            label = f"{what}: {fmt(at_point, units)}"
            if x.min() <= at_point <= x.max():
                ax.axvline(at_point, label=label, **style_kw)
            else:  # a line at the edge would read as a value there: named, not drawn
                side = "below" if at_point < x.min() else "above"
                ax.plot([], [], label=f"{label} ({side} every draw)", **style_kw)
        if log:
            ax.set_xscale("log")
            ax.set_ylabel("probability density per decade (1/OOM)")
        else:
            ax.set_ylabel(f"probability density (1/{units})" if units else "probability density")
        value_axis(ax.xaxis, units, log)
        ax.set_xlabel(axis_label(var, attrs))
        ax.set_ylim(bottom=0)
        ax.set_title(_title(tree, var))
        ax.legend(loc="upper right")
    save(fig, path, dpi)
    return fig


def _title(tree: xr.DataTree, var: str) -> str:
    title = run_title(tree)
    return f"{title}: {var}" if title else var


def plot_exceedance(
    tree: xr.DataTree,
    var: str,
    thresholds: float | Sequence[float] | np.ndarray | None = None,
    ax: Axes | None = None,
    *,
    points: int = 200,
    log: bool | None = None,
    path: Target | None = None,
    dpi: float = 100,
) -> Figure:
    """Exceedance curve P(var > x), with chosen thresholds marked and labelled.

    Works on stored draws and on streaming runs (through
    :func:`frontiercost.analysis.risk.exceedance_curve`).  The curve spans
    the 0.1 %–99.9 % quantiles, on a log x-axis for a positive variable.

    Parameters
    ----------
    tree : xarray.DataTree
        A run (group ``posterior`` or ``streaming``).
    var : str
        The variable.
    thresholds : float or sequence of float, optional
        Values to mark with their exceedance probability.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure otherwise.
    points : int
        Points on the curve.
    log : bool, optional
        Log x-axis, as for :func:`plot_distribution`.
    path, dpi
        As for :func:`plot_distribution`.

    Returns
    -------
    matplotlib.figure.Figure
        Artist ids: ``exceedance`` (the curve), ``threshold`` (one marker
        per threshold, its y the probability).
    """
    attrs = variable_attrs(tree, var)
    units = str(attrs.get("units", ""))
    curve = exceedance_curve(tree, var, points)
    value = np.asarray(curve["value"].values, dtype=float)
    log = _auto_log(float(value[0]), float(value[-1]), log)
    with style():
        fig, ax = new_axes(ax, (6.4, 3.8))
        ax.plot(
            value,
            curve.values,
            color=OKABE_ITO["blue"],
            lw=1.8,
            gid="exceedance",
            label=f"P({var} > x)",
        )
        if thresholds is not None:
            ex = exceedance(tree, var, thresholds)
            n = int(ex.attrs["draws"])
            colours = (OKABE_ITO["vermillion"], OKABE_ITO["orange"], OKABE_ITO["bluish_green"])
            for i, (t, p) in enumerate(
                zip(ex["threshold"].values, ex["probability"].values, strict=True)
            ):
                c = colours[i % len(colours)]
                ax.axvline(t, color=c, lw=0.9, ls=":")
                ax.plot(
                    [t],
                    [p],
                    "o",
                    color=c,
                    ms=5,
                    gid="threshold",
                    label=f"P(> {fmt(t, units)}) {fmt_prob(float(p), n)}",
                )
        if log:
            ax.set_xscale("log")
        value_axis(ax.xaxis, units, log)
        percent_axis(ax.yaxis)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel(axis_label(var, attrs))
        ax.set_ylabel("probability of exceeding x (%)")
        head = run_title(tree)
        ax.set_title(f"{head + ': ' if head else ''}exceedance of {var}")
        ax.legend(loc="upper right")
    save(fig, path, dpi)
    return fig
