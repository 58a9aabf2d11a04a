"""Cost over time: projected fan charts and the historical trend of frontier models."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from scipy import stats

from ...errors import FrontiercostError
from ...results.view import view
from ..format import format_share
from ..risk import exceedance, value_at_risk
from ..trend import fit_trend
from ._style import (
    OKABE_ITO,
    Target,
    fmt,
    fmt_prob,
    new_axes,
    run_title,
    save,
    style,
    units_text,
    value_axis,
    variable_attrs,
)

_FAN = (0.05, 0.25, 0.5, 0.75, 0.95)


def _year_variables(tree: xr.DataTree, prefix: str) -> dict[int, str]:
    names = view(tree).variables
    pattern = re.compile(re.escape(prefix) + r"(\d{4})$")
    return {int(m.group(1)): n for n in names if (m := pattern.match(n))}


def plot_projection(
    tree: xr.DataTree,
    years: Sequence[int] | None = None,
    prefix: str = "projected_cost_",
    threshold: float | None = 1e9,
    ax: Axes | None = None,
    *,
    path: Target | None = None,
    dpi: float = 100,
) -> Figure:
    """Fan chart of a projected cost by year, with P(cost > threshold) per year.

    The median line, the 50 % and 90 % equal-tailed bands of variables
    ``<prefix><year>`` on a log dollar axis; the threshold as a line, and
    each year's probability of exceeding it written above its band.

    Parameters
    ----------
    tree : xarray.DataTree
        A run (stored or streaming) with ``<prefix><year>`` outputs, such as
        the built-in scenario ``frontier-run-2025-2030``.
    years : sequence of int, optional
        Years to show (default: every year found).
    prefix : str
        Name of the yearly outputs before the four-digit year.
    threshold : float, optional
        The cost to compare with; ``None`` for none.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure otherwise.
    path, dpi
        Save the figure there (format from the suffix; PNG for file objects).

    Returns
    -------
    matplotlib.figure.Figure
        Artist ids: ``median``, ``band50``, ``band90``, ``threshold``, and
        ``p_exceed:<year>`` for the annotations.
    """
    found = _year_variables(tree, prefix)
    if not found:
        raise FrontiercostError(f"prefix: no variables named {prefix}<year> in this run")
    if years is None:
        chosen = sorted(found)
    else:
        chosen = [int(y) for y in years]
        missing = [y for y in chosen if y not in found]
        if missing:
            raise FrontiercostError(
                f"years: no {prefix}<year> for {', '.join(map(str, missing))}; "
                f"accepted: {', '.join(map(str, sorted(found)))}"
            )
    if not chosen:
        raise FrontiercostError("years: give at least one year")
    first = found[chosen[0]]
    units = str(variable_attrs(tree, first).get("units", ""))
    q = np.array([value_at_risk(tree, found[y], _FAN).values for y in chosen])
    x = np.array(chosen, dtype=float)
    with style():
        fig, ax = new_axes(ax, (6.4, 4.0))
        ax.fill_between(
            x,
            q[:, 0],
            q[:, 4],
            color=OKABE_ITO["blue"],
            alpha=0.18,
            lw=0,
            label="90 % interval",
            gid="band90",
        )
        ax.fill_between(
            x,
            q[:, 1],
            q[:, 3],
            color=OKABE_ITO["blue"],
            alpha=0.35,
            lw=0,
            label="50 % interval",
            gid="band50",
        )
        ax.plot(
            x, q[:, 2], "o-", color=OKABE_ITO["blue"], lw=1.8, ms=4, label="median", gid="median"
        )
        if threshold is not None:
            ax.axhline(
                threshold,
                color=OKABE_ITO["vermillion"],
                ls="--",
                lw=1.2,
                label=f"threshold {fmt(threshold, units)}",
                gid="threshold",
            )
            # one row above the plot: each year's P(cost > threshold), under its year
            row = ax.get_xaxis_transform()  # x in data, y in axes fraction
            ax.text(
                0.0,
                1.02,
                f"P(> {fmt(threshold, units)}):",
                transform=ax.transAxes,
                ha="right",
                va="bottom",
                fontsize=8,
                color=OKABE_ITO["vermillion"],
            )
            for xi, y in zip(x, chosen, strict=True):
                ex = exceedance(tree, found[y], [threshold])
                p, n = float(ex["probability"][0]), int(ex.attrs["draws"])
                ax.text(
                    xi,
                    1.02,
                    fmt_prob(p, n).removeprefix("= "),
                    transform=row,
                    ha="center",
                    va="bottom",
                    fontsize=8,
                    color=OKABE_ITO["vermillion"],
                    gid=f"p_exceed:{y}",
                )
        ax.set_yscale("log")
        value_axis(ax.yaxis, units, log=True)
        ax.set_xticks(x)
        ax.set_xticklabels([str(y) for y in chosen])
        ax.margins(x=0.06, y=0.12)
        ax.set_xlabel("year")
        u = units_text(units)
        ax.set_ylabel(f"projected cost ({u})" if u else "projected cost")
        head = run_title(tree)
        ax.set_title(head or f"{prefix}<year>", pad=18 if threshold is not None else 6)
        ax.legend(loc="upper left")
    save(fig, path, dpi)
    return fig


def plot_trend(
    years: Any,
    costs: Any,
    names: Sequence[str] | None = None,
    fit: xr.Dataset | None = None,
    *,
    cost_ci: Any = None,
    top_n: int = 5,
    ci_prob: float = 0.9,
    units: str = "USD",
    label: str = "final-run cost",
    title: str | None = None,
    ax: Axes | None = None,
    path: Target | None = None,
    dpi: float = 100,
) -> Figure:
    """Cost against year on a log axis, with the fitted exponential trend and its band.

    Parameters
    ----------
    years, costs : array_like
        Decimal years and positive costs, one per model.
    names : sequence of str, optional
        Model names; the ``top_n`` most expensive are labelled.
    fit : xarray.Dataset, optional
        :func:`frontiercost.analysis.trend.fit_trend` of these same years
        and costs (computed with ``ci_prob`` when not given).
    cost_ci : array_like, optional
        Shape ``(n, 2)``: an interval per model (e.g. its simulated 90 %
        interval), drawn as error bars.
    top_n : int
        How many of the most expensive models to label (0 for none).
    ci_prob : float
        Probability of the fit's interval when ``fit`` is not given.
    units, label
        Units and name of the cost, for the axis label.
    title : str, optional
        Title (default: ``cost of frontier training runs``).
    ax, path, dpi
        As for the other plots.

    Returns
    -------
    matplotlib.figure.Figure
        Artist ids: ``models`` (scatter), ``trend`` (line), ``band``.

    Notes
    -----
    The band is the classical confidence band of the regression line,
    ``t(n-2) * s * sqrt(1/n + (x - mean(x))**2 / Sxx)`` in log10 units, at
    the fit's ``ci_prob``; it is the uncertainty of the mean trend, not a
    prediction interval for a single model.
    """
    if fit is None:
        fit = fit_trend(years, costs, ci_prob=ci_prob)
    x = np.asarray(years, dtype=float).ravel()
    c = np.asarray(costs, dtype=float).ravel()
    if x.size != c.size:
        raise FrontiercostError(f"years, costs: lengths differ ({x.size} and {c.size})")
    if int(fit["n"]) != x.size:
        raise FrontiercostError(f"fit: fitted on {int(fit['n'])} points, {x.size} given")
    if names is not None and len(names) != x.size:
        raise FrontiercostError(f"names: {len(names)} names for {x.size} points")
    if not isinstance(top_n, int) or top_n < 0:
        raise FrontiercostError(f"top_n: need an integer >= 0, got {top_n!r}")
    prob = float(fit.attrs["ci_prob"])
    slope, intercept = float(fit["slope"]), float(fit["intercept"])
    grid = np.linspace(x.min() - 0.3, x.max() + 0.3, 200)
    line = intercept + slope * grid
    sxx = float(np.sum((x - x.mean()) ** 2))
    half = (
        float(stats.t.ppf(0.5 + prob / 2, x.size - 2))
        * float(fit["residual_sd"])
        * np.sqrt(1 / x.size + (grid - x.mean()) ** 2 / sxx)
    )
    lo_g, hi_g = (float(v) for v in fit["growth_factor_ci"].values)
    with style():
        fig, ax = new_axes(ax, (7.2, 4.4))
        ax.fill_between(
            grid,
            10 ** (line - half),
            10 ** (line + half),
            color=OKABE_ITO["orange"],
            alpha=0.25,
            lw=0,
            gid="band",
            label=f"{format_share(prob)} confidence band of the trend",
        )
        ax.plot(
            grid,
            10**line,
            color=OKABE_ITO["vermillion"],
            lw=1.8,
            gid="trend",
            label=f"trend: {float(fit['growth_factor']):.2f}× per year "
            f"({format_share(prob)} CI {lo_g:.2f}–{hi_g:.2f}×)",
        )
        if cost_ci is not None:
            ci = np.asarray(cost_ci, dtype=float)
            if ci.shape != (x.size, 2):
                raise FrontiercostError(f"cost_ci: need shape ({x.size}, 2), got {ci.shape}")
            ax.errorbar(
                x,
                c,
                yerr=[c - ci[:, 0], ci[:, 1] - c],
                fmt="none",
                ecolor=OKABE_ITO["blue"],
                alpha=0.45,
                lw=0.8,
                label="interval per model",
            )
        ax.scatter(
            x, c, s=18, color=OKABE_ITO["blue"], zorder=3, gid="models", label=f"{x.size} models"
        )
        if names is not None and top_n:
            _label_top(ax, x, c, names, top_n)
        ax.set_yscale("log")
        value_axis(ax.yaxis, units, log=True)
        ax.set_xlabel("publication year")
        u = units_text(units)
        ax.set_ylabel(f"{label} ({u})" if u else label)
        ax.set_title(title or "cost of frontier training runs")
        ax.legend(loc="upper left")
    save(fig, path, dpi)
    return fig


def _label_top(ax: Axes, x: np.ndarray, c: np.ndarray, names: Sequence[str], top_n: int) -> None:
    """Name the ``top_n`` costliest points, labels stacked so that they do not overlap.

    Labels sit left of their points, from the costliest down, each at least
    5 % of the plotted range (in log10) below the one above, with a thin
    line to its point when it had to move.
    """
    logc = np.log10(c)
    gap = 0.05 * max(float(np.ptp(logc)), 1.0)
    previous = np.inf
    for i in np.argsort(c)[::-1][:top_n]:
        y = min(float(logc[i]), previous - gap)
        previous = y
        moved = y < logc[i] - 1e-12
        ax.annotate(
            names[i],
            (x[i], c[i]),
            xytext=(x[i] - 0.2, 10**y),
            textcoords="data",
            ha="right",
            va="center",
            fontsize=7.5,
            gid="model_label",
            arrowprops={"arrowstyle": "-", "lw": 0.5, "color": "0.5"} if moved else None,
        )
