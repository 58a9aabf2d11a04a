"""Shared pieces of the plots: palette, dollar ticks, labels, figures and saving.

No pyplot: figures are plain :class:`matplotlib.figure.Figure` objects, so
nothing is registered in pyplot's global figure list and nothing needs
closing; saving picks the Agg renderer from the file format.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, cast

import matplotlib as mpl
import numpy as np
import xarray as xr
from cycler import cycler
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure

from ..._files import atomic_open, not_a_folder, os_reason
from ...errors import FrontiercostError
from ...results.view import view
from ..format import format_share, format_usd, format_value

# Okabe & Ito (2008), "Color Universal Design": distinguishable under the
# common colour-vision deficiencies. Black is left out of the cycle.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}
PALETTE = (
    OKABE_ITO["blue"],
    OKABE_ITO["orange"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["yellow"],
)
SEQUENTIAL_CMAP = "viridis"  # perceptually uniform, colour-blind safe

_STYLE: dict[str, Any] = {
    "axes.prop_cycle": cycler(color=PALETTE),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "figure.dpi": 100,
    "savefig.dpi": 100,
    # "$14M – $108M" is money, not mathtext between two dollar signs
    "text.parse_math": False,
}

PathLike = str | os.PathLike[str]
Target = PathLike | IO[bytes]


class UsdFormatter(ticker.Formatter):
    """Tick labels in dollars: ``$40.6M``, ``$1.2B`` (see :func:`format_usd`)."""

    def __init__(self, digits: int = 3) -> None:
        self.digits = digits

    def __call__(self, x: float, pos: int | None = None) -> str:
        return format_usd(float(x), self.digits)


class ValueFormatter(ticker.Formatter):
    """Tick labels of a value in ``units``, short form (``57M``, ``2.1e25``)."""

    def __init__(self, units: str, digits: int = 3) -> None:
        self.units, self.digits = units, digits

    def __call__(self, x: float, pos: int | None = None) -> str:
        return format_value(float(x), self.units, self.digits, show_unit=False)


class LogTicks(ticker.Locator):
    """Log-axis ticks dense enough to read on short spans.

    1-2-5 per decade up to 2.5 decades, 1-3 up to 4, decades beyond
    (matplotlib's default gives one or two ticks on a single decade).
    """

    def __call__(self) -> Any:
        if self.axis is None:
            return []
        vmin, vmax = self.axis.get_view_interval()
        return self.tick_values(vmin, vmax)

    def tick_values(self, vmin: float, vmax: float) -> Any:
        lo, hi = sorted((float(vmin), float(vmax)))
        if not (lo > 0 and math.isfinite(hi)):
            return ticker.LogLocator().tick_values(vmin, vmax)
        span = math.log10(hi / lo)
        subs = (1.0, 2.0, 5.0) if span <= 2.5 else (1.0, 3.0) if span <= 4 else (1.0,)
        return ticker.LogLocator(base=10.0, subs=subs, numticks=12).tick_values(lo, hi)


def value_axis(axis: Any, units: str, log: bool) -> None:
    """Give ``axis`` (``ax.xaxis``/``ax.yaxis`` or a colorbar axis) readable ticks."""
    if log:
        axis.set_major_locator(LogTicks())
        axis.set_minor_locator(ticker.LogLocator(base=10.0, subs="auto", numticks=12))
        axis.set_minor_formatter(ticker.NullFormatter())
    if units == "USD":
        axis.set_major_formatter(UsdFormatter())
    elif log:  # matplotlib's log labels are mathtext, which the style turns off
        axis.set_major_formatter(ValueFormatter(units))


def percent_axis(axis: Any) -> None:
    """Ticks of a probability or share in percent."""
    axis.set_major_formatter(ticker.PercentFormatter(xmax=1.0, decimals=0))


def fmt(x: float, units: str) -> str:
    """One value with its unit, for legends and annotations."""
    return format_value(float(x), units)


def fmt_prob(p: float, n: int | None = None) -> str:
    """``= 12.3 %``, or ``< 0.025 %`` (one draw in ``n``) when no draw exceeded."""
    if p == 0 and n:
        return f"< {format_share(1.0 / n, 2)}"
    return f"= {format_share(p, 3)}"


def units_text(units: str) -> str:
    """Units as shown in an axis label: ``2023 USD``-style, '' when dimensionless."""
    return "" if units in ("", "1") else units


def axis_label(name: str, attrs: Mapping[str, Any]) -> str:
    """``long name (units)``: the stored value's readable name, or the variable name when long.

    A ``long_name`` describes the value stored (for a scaled library prior:
    ``chips in the training cluster: 25000 × library prior ...``); only the
    part before a colon or parenthesis is a good axis label.
    """
    long_name = str(attrs.get("long_name", "") or "").split(":")[0].split(" (")[0].strip()
    text = long_name if long_name and len(long_name) <= 60 else name
    units = units_text(str(attrs.get("units", "")))
    return f"{text} ({units})" if units else text


def run_title(tree: xr.DataTree) -> str:
    """The scenario's title from a run's stored scenario text, else its name."""
    text = tree.attrs.get("scenario")
    if isinstance(text, str):
        try:
            title = tomllib.loads(text).get("scenario", {}).get("title")
        except tomllib.TOMLDecodeError:
            title = None
        if isinstance(title, str) and title:
            return title
    return str(tree.attrs.get("model", "") or "")


def variable_attrs(tree: xr.DataTree, var: str) -> dict[str, Any]:
    """``units``/``long_name`` of ``var``, checked to exist (stored or streaming run)."""
    run = view(tree)
    run.check([var], "var")
    return run.attrs(var)


def draws(tree: xr.DataTree, var: str, what: str) -> np.ndarray:
    """All finite draws of ``var`` from a stored run (``what`` names the caller)."""
    run = view(tree)
    if not run.stored:
        raise FrontiercostError(
            f"{what} needs stored draws (group 'posterior'); a streaming run has none"
        )
    x = run.draws(var)
    return x[np.isfinite(x)]


@contextmanager
def style() -> Iterator[None]:
    """The package style, for the artists created inside (rcParams restored after)."""
    with mpl.rc_context(cast(Any, _STYLE)):  # the stubs type keys as literals
        yield


def new_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """``ax`` and its figure, or a new figure with one axes (constrained layout)."""
    if ax is not None:
        return root_figure(ax.get_figure()), ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def root_figure(fig: Figure | SubFigure | None) -> Figure:
    """The top-level figure of an axes' (sub)figure."""
    root: Any = fig
    while isinstance(root, SubFigure):  # SubFigure.figure: its parent chain's root (>= 3.8)
        root = root.figure
    if not isinstance(root, Figure):
        raise FrontiercostError("ax: the axes belongs to no figure")
    return root


def save(fig: Figure, path: Target | None, dpi: float = 100) -> None:
    """Write ``fig`` to ``path`` (format from the suffix) or to a binary file object (PNG).

    A file is written to a temporary name beside it and renamed into place,
    so an interrupted save leaves no half-written image.
    """
    if path is None:
        return
    if not isinstance(path, str | os.PathLike):
        with style():  # tick labels are made at draw time
            fig.savefig(path, format="png", dpi=dpi)
        return
    target = Path(path)
    fmt_ = target.suffix.lstrip(".").lower()
    supported = fig.canvas.get_supported_filetypes()
    if fmt_ not in supported:
        raise FrontiercostError(
            f"path: {target}: unknown image format {fmt_!r}; accepted: {', '.join(supported)}"
        )
    if not target.parent.is_dir():
        raise FrontiercostError(
            f"path: {target}: directory {target.parent} {not_a_folder(target.parent)}"
        )
    # the writer's mark: the command line replaces an existing image only if it is ours
    mark = {"png": {"Software": "frontiercost"}, "svg": {"Creator": "frontiercost"}}
    mark["pdf"] = mark["svg"]
    try:
        with atomic_open(target, "wb") as fh, style():
            fig.savefig(fh, format=fmt_, dpi=dpi, metadata=mark.get(fmt_))
    except OSError as err:  # a full disk: atomic_open has removed the temporary file
        raise FrontiercostError(f"cannot write {str(target)!r}: {os_reason(err)}") from None
