"""How a total splits into parts, and which inputs move an output (tornado)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ...errors import FrontiercostError
from ...results.view import view
from ..components import check_distinct
from ..format import COMPONENTS, format_share, format_value
from ..summary import summarize
from ._style import (
    OKABE_ITO,
    PALETTE,
    Target,
    axis_label,
    fmt,
    new_axes,
    percent_axis,
    run_title,
    save,
    style,
    value_axis,
)

DEFAULT_PARTS = ("chip_cost", "other_server_cost", "interconnect_cost", "energy_cost")
# Parts that do not add up to the total within this share get a "remainder" segment.
_REMAINDER_TOLERANCE = 0.005


def plot_components(
    tree: xr.DataTree,
    total: str = "amortized_cost",
    parts: Sequence[str] = DEFAULT_PARTS,
    ci_prob: float = 0.9,
    ci_kind: str = "eti",
    *,
    point: xr.Dataset | None = None,
    path: Target | None = None,
    dpi: float = 100,
) -> Figure:
    """The split of a total into its parts: a stacked bar and per-part intervals.

    Left panel: one stacked bar of each part's share of the *mean* total
    (``mean(part) / mean(total)``), which adds up to 100 % exactly when the
    parts add up to the total (draw by draw medians of shares do not), and
    beside it the split at the point estimate when ``point`` is given.
    Right panel: each part's share computed draw by draw
    (``part / total``), its median and credible interval, which show how
    uncertain the split itself is.

    Parameters
    ----------
    tree : xarray.DataTree
        A run with stored draws (group ``posterior``).
    total : str
        The total.
    parts : sequence of str
        Its parts. If their mean falls short of the mean total by more than
        0.5 %, the difference is shown as a grey ``remainder`` segment.
    ci_prob, ci_kind
        The interval of the shares, as for :func:`frontiercost.summarize`.
    point : xarray.Dataset, optional
        The scenario's point estimate (:func:`frontiercost.evaluate`).
    path, dpi
        Save the figure there (format from the suffix; PNG for file objects).

    Returns
    -------
    matplotlib.figure.Figure
        Two axes. Bar ids (``get_gid()``): ``stack:<part>`` and
        ``point:<part>`` (left), ``share:<part>`` (right).

    Raises
    ------
    FrontiercostError
        On a streaming run, unknown variables, no parts, or parts whose mean
        exceeds the mean total by more than 0.5 %.
    """
    run = view(tree)
    if not run.stored:
        raise FrontiercostError("plot_components needs stored draws (group 'posterior')")
    names = [total, *parts]
    run.check(names, "var")
    post = run.dataset(names)
    if not parts:
        raise FrontiercostError("parts: give at least one part")
    check_distinct(parts)
    units = str(post[total].attrs.get("units", ""))
    mean_total = float(post[total].mean())
    stack = {p: float(post[p].mean()) / mean_total for p in parts}
    remainder = 1.0 - sum(stack.values())
    if remainder < -_REMAINDER_TOLERANCE:
        raise FrontiercostError(
            f"parts: {', '.join(parts)} add up to {format_share(1 - remainder)} of {total}"
        )
    shares = xr.Dataset({p: post[p] / post[total] for p in parts})
    s = summarize(xr.DataTree.from_dict({"posterior": shares}), ci_prob=ci_prob, ci_kind=ci_kind)
    colours = {p: PALETTE[i % len(PALETTE)] for i, p in enumerate(parts)}
    labels = {p: COMPONENTS.get(p, p) for p in parts}
    bars: list[tuple[str, dict[str, float]]] = [("mean", stack)]
    if point is not None:
        missing = [n for n in names if n not in point.data_vars]
        if missing:
            raise FrontiercostError(f"point: no variable(s) {', '.join(missing)}")
        bars.append(("point", {p: float(point[p]) / float(point[total]) for p in parts}))

    with style():
        fig = Figure(figsize=(8.4, 3.9), layout="constrained")
        left, right = fig.subplots(1, 2, width_ratios=(1, 2.2))
        for i, (kind, split) in enumerate(bars):
            bottom = 0.0
            for p in parts:
                h = split[p]
                left.bar(
                    i,
                    h,
                    bottom=bottom,
                    color=colours[p],
                    width=0.6,
                    edgecolor="white",
                    label=labels[p] if i == 0 else None,
                    gid=f"{kind}:{p}",
                )
                if h >= 0.05:
                    left.text(
                        i, bottom + h / 2, format_share(h, 2), ha="center", va="center", fontsize=8
                    )
                bottom += h
            rest = 1.0 - bottom
            if rest > _REMAINDER_TOLERANCE:
                left.bar(
                    i,
                    rest,
                    bottom=bottom,
                    color="0.75",
                    width=0.6,
                    edgecolor="white",
                    label="remainder" if i == 0 else None,
                    gid=f"{kind}:remainder",
                )
        left.set_xticks(range(len(bars)))
        left.set_xticklabels(["mean" if k == "mean" else "point\nestimate" for k, _ in bars])
        left.set_xlim(-0.6, len(bars) - 0.4)
        left.set_ylim(0, 1.0)
        percent_axis(left.yaxis)
        left.set_ylabel(f"share of {total} (%)")
        left.set_title("split of the mean cost")
        left.grid(axis="x", visible=False)

        y = np.arange(len(parts))[::-1]
        med = np.array([float(s["median"].sel(variable=p)) for p in parts])
        ci = np.array([s["ci"].sel(variable=p).values for p in parts], dtype=float)
        for yi, p, m, (lo, hi) in zip(y, parts, med, ci, strict=True):
            right.barh(yi, m, color=colours[p], height=0.6, gid=f"share:{p}")
            right.errorbar(
                m, yi, xerr=[[m - lo], [hi - m]], color=OKABE_ITO["black"], capsize=3, lw=1
            )
            right.text(
                hi,
                yi,
                f"  {format_share(m, 3)} ({format_share(lo, 2)} – {format_share(hi, 2)})",
                va="center",
                fontsize=8,
            )
        right.set_yticks(y)
        right.set_yticklabels([labels[p] for p in parts])
        right.set_xlim(0, min(1.0, float(ci[:, 1].max()) * 1.45))
        percent_axis(right.xaxis)
        right.set_xlabel(f"share of {total}, draw by draw (%)")
        right.set_title(f"median share and {format_share(ci_prob)} {ci_kind.upper()}")
        right.grid(axis="y", visible=False)

        total_med = float(post[total].median())
        head = run_title(tree)
        fig.suptitle(
            f"{head + ': ' if head else ''}components of {total} (median {fmt(total_med, units)})",
            fontsize=10,
        )
        fig.legend(
            *left.get_legend_handles_labels(),
            loc="outside lower center",
            ncols=len(parts) + (remainder > _REMAINDER_TOLERANCE),
        )
    save(fig, path, dpi)
    return fig


def _central(table: xr.Dataset) -> float:
    if "central" in table.data_vars:
        c = np.asarray(table["central"].values, dtype=float).ravel()
    elif "central" in table.attrs:
        c = np.atleast_1d(np.asarray(table.attrs["central"], dtype=float))
    else:
        raise FrontiercostError("table: no 'central' variable or attribute")
    if c.size and not np.isfinite(c).all():
        name = table.attrs.get("output") or table.attrs.get("variable") or "the output"
        raise FrontiercostError(
            f"var: {name} is {c[0]:g} with every input at its central value: a tornado"
            " needs a finite value there; choose another variable (--var)"
        )
    if c.size == 0 or not np.allclose(c, c[0], rtol=1e-9):
        raise FrontiercostError("table: 'central' must be one value (the output at the centre)")
    return float(c[0])


def plot_tornado(
    table: xr.Dataset,
    ax: Axes | None = None,
    *,
    max_parameters: int | None = None,
    title: str | None = None,
    path: Target | None = None,
    dpi: float = 100,
) -> Figure:
    """Tornado chart: the output with each input at its low and its high value.

    Parameters
    ----------
    table : xarray.Dataset
        As from :func:`frontiercost.analysis.sensitivity.tornado`: dim
        ``parameter``; variables ``low`` and ``high`` (the output with that
        parameter at its low/high value, the others at their central values)
        and ``central`` (the output at the centre; 0-d, or the same value
        along ``parameter``; an attribute also works).  Optional: coordinates
        ``input_low``/``input_high`` (with ``parameter_units``), written at
        the bar ends; attributes ``output``, ``target``, ``low``/``high``
        (the quantiles, for the legend) and ``units`` (else ``low``'s).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure otherwise.
    max_parameters : int, optional
        Show only the parameters with the largest swings.
    title : str, optional
        Title (default: ``sensitivity of <output>`` and the table's target).
    path, dpi
        Save the figure there (format from the suffix; PNG for file objects).

    Returns
    -------
    matplotlib.figure.Figure
        Parameters sorted by swing ``|high - low|``, the largest on top. Bar
        ids: ``low:<parameter>`` and ``high:<parameter>``; ``central`` line.
    """
    if "parameter" not in table.dims:
        raise FrontiercostError("table: needs a 'parameter' dim")
    missing = [v for v in ("low", "high") if v not in table.data_vars]
    if missing:
        raise FrontiercostError(f"table: missing variable(s) {', '.join(missing)}")
    names = [str(p) for p in table["parameter"].values]
    low = np.asarray(table["low"].values, dtype=float).ravel()
    high = np.asarray(table["high"].values, dtype=float).ravel()
    if low.size != len(names) or high.size != len(names):
        raise FrontiercostError("table: 'low' and 'high' must have only the 'parameter' dim")
    central = _central(table)
    swing = np.abs(high - low)
    # smallest first (drawn at the bottom); a NaN swing counts as the smallest
    order = np.argsort(np.where(np.isnan(swing), -np.inf, swing), kind="stable")
    if max_parameters is not None:
        if not isinstance(max_parameters, int) or max_parameters < 1:
            raise FrontiercostError(f"max_parameters: need an integer >= 1, got {max_parameters}")
        order = order[-max_parameters:]
    units = str(table["low"].attrs.get("units", table.attrs.get("units", "")))
    output = str(table.attrs.get("output", "output"))
    inputs = _tornado_inputs(table)
    q = {k: table.attrs.get(k) for k in ("low", "high")}
    legend = {
        k: f"input at its {'p' + format(100 * float(v), 'g') if v is not None else k} value"
        for k, v in q.items()
    }
    with style():
        own = ax is None
        fig, ax = new_axes(ax, (6.8, max(3.0, 1.5 + 0.34 * len(order))))
        for yi, i in enumerate(order):
            for k, value, colour in (("low", low[i], PALETTE[0]), ("high", high[i], PALETTE[1])):
                ax.barh(
                    yi,
                    value - central,
                    left=central,
                    height=0.7,
                    color=colour,
                    label=legend[k] if yi == 0 else None,
                    gid=f"{k}:{names[i]}",
                )
                if inputs is not None and np.isfinite(value):
                    right = value >= central
                    ax.annotate(
                        inputs[k][i],
                        (value, yi),
                        xytext=(3 if right else -3, 0),
                        textcoords="offset points",
                        va="center",
                        fontsize=7,
                        ha="left" if right else "right",
                        color="0.3",
                    )
        ax.axvline(
            central,
            color=OKABE_ITO["black"],
            lw=1,
            gid="central",
            label=f"central: {fmt(central, units)}",
        )
        ax.set_yticks(range(len(order)))
        ax.set_yticklabels([names[i] for i in order])
        ax.margins(x=0.12)
        ax.grid(axis="y", visible=False)
        value_axis(ax.xaxis, units, log=False)
        ax.set_xlabel(axis_label(output, {"units": units}))
        target = table.attrs.get("target", table.attrs.get("scenario"))
        ax.set_title(title or f"sensitivity of {output}" + (f" ({target})" if target else ""))
        if own:
            fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=3)
        else:
            ax.legend(loc="best")
    save(fig, path, dpi)
    return fig


def _tornado_inputs(table: xr.Dataset) -> dict[str, list[str]] | None:
    """Input values at the low and high ends, formatted with their units, if the table has them."""
    if "input_low" not in table.coords or "input_high" not in table.coords:
        return None
    n = table.sizes["parameter"]
    units = (
        [str(u) for u in table["parameter_units"].values]
        if "parameter_units" in table.coords
        else [""] * n
    )
    return {
        k: [
            format_value(float(v), u)
            for v, u in zip(table[f"input_{k}"].values, units, strict=True)
        ]
        for k in ("low", "high")
    }
