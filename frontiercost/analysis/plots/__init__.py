"""Plots of runs and analyses (matplotlib, no pyplot state).

Every function returns a :class:`matplotlib.figure.Figure` and saves it when
given ``path`` (a file name, format from its suffix, written atomically; or a
binary file object, PNG).  Money is shown as ``$40.6M``; colours are the
Okabe-Ito palette and viridis, both colour-blind safe.
"""

from ._style import OKABE_ITO, PALETTE, LogTicks, UsdFormatter
from .components import plot_components, plot_tornado
from .distribution import plot_distribution, plot_exceedance
from .projection import plot_projection, plot_trend
from .sweep import plot_sweep

__all__ = [
    "OKABE_ITO",
    "PALETTE",
    "LogTicks",
    "UsdFormatter",
    "plot_components",
    "plot_distribution",
    "plot_exceedance",
    "plot_projection",
    "plot_sweep",
    "plot_tornado",
    "plot_trend",
]
