"""A summary over sweep dims: lines over one dim, a heatmap over two."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import xarray as xr
from matplotlib import colors, ticker
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ...errors import FrontiercostError
from ._style import (
    SEQUENTIAL_CMAP,
    Target,
    UsdFormatter,
    ValueFormatter,
    axis_label,
    fmt,
    new_axes,
    save,
    style,
    value_axis,
)

# Cells annotated with their value in a heatmap up to this many cells.
_MAX_ANNOTATED_CELLS = 120
# A tick at every grid value of a sweep dim up to this many values.
_MAX_GRID_TICKS = 12


def _coord(da: xr.DataArray, dim: Hashable) -> tuple[np.ndarray, list[str] | None]:
    """Positions along ``dim``: its numeric coordinate, or 0..n-1 and tick labels."""
    if dim not in da.coords:
        return np.arange(da.sizes[dim], dtype=float), None
    v = da[dim].values
    if np.issubdtype(v.dtype, np.number):
        return v.astype(float), None
    return np.arange(v.size, dtype=float), [str(s) for s in v]


def _auto_log(v: np.ndarray, log: bool | None) -> bool:
    if log is not None:
        return log
    v = v[np.isfinite(v)]
    return bool(v.size > 1 and v.min() > 0 and v.max() / v.min() > 30)


def _edges(v: np.ndarray, log: bool) -> np.ndarray:
    """Cell edges around centres ``v`` (geometric midpoints on a log axis)."""
    t = np.log10(v) if log else v
    if t.size == 1:
        e = np.array([t[0] - 0.5, t[0] + 0.5])
    else:
        mid = (t[1:] + t[:-1]) / 2
        e = np.concatenate([[2 * t[0] - mid[0]], mid, [2 * t[-1] - mid[-1]]])
    return 10.0**e if log else e


def _coord_units(da: xr.DataArray, dim: Hashable) -> str:
    return str(da[dim].attrs.get("units", "")) if dim in da.coords else ""


def _coord_text(da: xr.DataArray, dim: Hashable, value: object) -> str:
    """A coordinate value with its coordinate's unit, for a legend."""
    units = _coord_units(da, dim)
    if isinstance(value, np.number | int | float) and not isinstance(value, bool):
        return fmt(float(value), units) if units else f"{float(value):g}"
    return str(value)


def _grid_axis(
    axis: Any, values: np.ndarray, labels: list[str] | None, units: str, log: bool
) -> None:
    """Ticks of a sweep dim: at each grid value when there are few, else automatic.

    Call after setting the axis scale (which resets locators and formatters).
    """
    if labels is not None:
        axis.set_major_locator(ticker.FixedLocator(values.tolist()))
        axis.set_major_formatter(ticker.FixedFormatter(labels))
        axis.set_minor_locator(ticker.NullLocator())
        return
    if values.size <= _MAX_GRID_TICKS:
        axis.set_major_locator(ticker.FixedLocator(values.tolist()))
        axis.set_minor_locator(ticker.NullLocator())
        axis.set_major_formatter(
            UsdFormatter() if units == "USD" else ticker.FuncFormatter(lambda v, pos: f"{v:.4g}")
        )
        return
    value_axis(axis, units, log)
    if not log and np.all(values == np.round(values)):
        axis.set_major_locator(ticker.MaxNLocator(integer=True))


def _dim_label(da: xr.DataArray, dim: Hashable) -> str:
    attrs = da[dim].attrs if dim in da.coords else {}
    return axis_label(str(dim), attrs)


def plot_sweep(
    data: xr.Dataset | xr.DataArray,
    var: str | None,
    x: str,
    y: str | None = None,
    *,
    ax: Axes | None = None,
    logx: bool | None = None,
    logy: bool | None = None,
    logz: bool | None = None,
    value_format: Callable[[float], str] | None = None,
    title: str | None = None,
    path: Target | None = None,
    dpi: float = 100,
) -> Figure:
    """A summary (a median, a probability...) over one or two sweep dims.

    With ``y`` unset: a line over ``x``, or one line per value of a single
    other dim (its coordinate in the legend).  With ``y``: a heatmap over
    ``x`` and ``y``, its cells annotated with their values when there are
    few enough.  Units come from the values' ``units`` attribute, or the ``units``
    coordinate of one variable of :func:`frontiercost.summarize` (dollar
    ticks for ``USD``) and from each coordinate's.

    Parameters
    ----------
    data : xarray.Dataset or xarray.DataArray
        The summary, with named dims and coordinates.
    var : str or None
        The variable of a Dataset, or of a DataArray with a ``variable`` dim
        (a statistic of :func:`frontiercost.summarize`, such as its
        ``["median"]``); ignored for other DataArrays.
    x, y : str
        Dims along the horizontal axis and, for a heatmap, the vertical.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure otherwise.
    logx, logy, logz : bool, optional
        Log scale of ``x``, of ``y`` (the values in line mode, the second dim
        in heatmap mode) and of the colours; by default log when the values
        are positive and span more than a factor 30.
    value_format : callable, optional
        Formats values for legends and cell annotations (default: by units).
    title : str, optional
        Title (default: the variable's name over the dims).
    path, dpi
        Save the figure there (format from the suffix; PNG for file objects).

    Returns
    -------
    matplotlib.figure.Figure
        Lines carry ids ``line`` or ``line:<value>``; the heatmap mesh ``heatmap``.
    """
    if isinstance(data, xr.Dataset):
        if var is None or var not in data.data_vars:
            raise FrontiercostError(
                f"var: unknown variable {var!r}; accepted: {', '.join(map(str, data.data_vars))}"
            )
        da = data[var]
    elif isinstance(data, xr.DataArray):
        da = data
        if "variable" in da.dims and x != "variable" and y != "variable":
            # a statistic of fc.summarize over every variable: ``var`` picks one
            names = [str(v) for v in da["variable"].values] if "variable" in da.coords else []
            if var not in names:
                raise FrontiercostError(
                    f"var: {var!r} is not one of the summary's variables; accepted:"
                    f" {', '.join(names)}"
                )
            da = da.sel(variable=var)
    else:
        raise FrontiercostError(f"data: need an xarray Dataset or DataArray, got {type(data)}")
    name = var or str(da.name or "value")
    dims = [x] if y is None else [x, y]
    for d in dims:
        if d not in da.dims:
            raise FrontiercostError(
                f"{'x' if d == x else 'y'}: no dim {d!r}; dims: {', '.join(map(str, da.dims))}"
            )
    if y is not None and y == x:
        raise FrontiercostError("y: must differ from x")
    other = [d for d in da.dims if d not in dims]
    if len(other) > (1 if y is None else 0):
        raise FrontiercostError(
            f"data: dims {', '.join(map(str, other))} left over; select or reduce them first"
        )
    units = str(da.attrs.get("units", ""))
    if not units and "units" in da.coords and da.coords["units"].size == 1:
        # one variable of fc.summarize(...): its unit is a coordinate there
        units = str(da.coords["units"].item())
    show: Callable[[float], str] = value_format or (lambda v: fmt(v, units))
    xv, xlabels = _coord(da, x)
    log_x = _auto_log(xv, logx) if xlabels is None else False
    with style():
        fig, ax = new_axes(ax, (6.4, 4.0))
        if y is None:
            vals = da.transpose(*other, x).values.astype(float)
            log_v = _auto_log(vals.ravel(), logy)
            if other:
                hue = other[0]
                hv = da[hue].values if hue in da.coords else np.arange(da.sizes[hue])
                for row, h in zip(vals, hv, strict=True):
                    ax.plot(
                        xv, row, "o-", ms=3, lw=1.5, label=_coord_text(da, hue, h), gid=f"line:{h}"
                    )
                ax.legend(title=_dim_label(da, hue), loc="best")
            else:
                ax.plot(xv, vals, "o-", ms=3, lw=1.8, gid="line")
            if log_v:
                ax.set_yscale("log")
            value_axis(ax.yaxis, units, log_v)
            if value_format is not None:
                ax.yaxis.set_major_formatter(lambda v, pos: value_format(float(v)))
            ax.set_ylabel(axis_label(name, {**da.attrs, "units": units}))
        else:
            yv, ylabels = _coord(da, y)
            log_y = _auto_log(yv, logy) if ylabels is None else False
            z = da.transpose(y, x).values.astype(float)
            log_z = _auto_log(z.ravel(), logz)
            finite = z[np.isfinite(z)]
            norm = (
                colors.LogNorm(finite.min(), finite.max())
                if log_z
                else colors.Normalize(finite.min(), finite.max())
            )
            mesh = ax.pcolormesh(
                _edges(xv, log_x),
                _edges(yv, log_y),
                z,
                cmap=SEQUENTIAL_CMAP,
                norm=norm,
                gid="heatmap",
            )
            cbar = fig.colorbar(mesh, ax=ax)
            cbar.set_label(axis_label(name, {**da.attrs, "units": units}))
            value_axis(cbar.ax.yaxis, units, log_z)
            if value_format is not None:
                cbar.ax.yaxis.set_major_formatter(lambda v, pos: value_format(float(v)))
            elif not log_z and units in ("", "1"):
                cbar.ax.yaxis.set_major_formatter(ValueFormatter(units))
            if z.size <= _MAX_ANNOTATED_CELLS:
                for (i, j), v in np.ndenumerate(z):
                    if np.isfinite(v):
                        dark = norm(v) < 0.55  # viridis is dark at the low end
                        ax.text(
                            float(xv[j]),
                            float(yv[i]),
                            show(float(v)),
                            ha="center",
                            va="center",
                            fontsize=7,
                            color="white" if dark else "black",
                        )
            if log_y:
                ax.set_yscale("log")
            _grid_axis(ax.yaxis, yv, ylabels, _coord_units(da, y), log_y)
            ax.set_ylabel(_dim_label(da, y))
            ax.grid(False)
        if log_x:
            ax.set_xscale("log")
        _grid_axis(ax.xaxis, xv, xlabels, _coord_units(da, x), log_x)
        ax.set_xlabel(_dim_label(da, x))
        what = str(da.attrs.get("long_name") or name)
        ax.set_title(title or f"{what} over {' and '.join(map(str, dims))}")
    save(fig, path, dpi)
    return fig
