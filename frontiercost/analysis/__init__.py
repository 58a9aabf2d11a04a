"""Analysis of simulation results: summaries, risk figures, sensitivity and trends.

Plots live in :mod:`frontiercost.analysis.plots`, imported on use (matplotlib
adds ~0.3 s to start-up).
"""

from .compare import prior_posterior
from .components import component_shares
from .report import write_report
from .risk import (
    exceedance,
    exceedance_curve,
    expected_shortfall,
    prob_greater,
    value_at_risk,
)
from .sensitivity import rank_correlations, sobol_indices, tornado
from .summary import summarize
from .trend import fit_trend, trend_with_uncertainty

__all__ = [
    "component_shares",
    "exceedance",
    "exceedance_curve",
    "expected_shortfall",
    "fit_trend",
    "prior_posterior",
    "prob_greater",
    "rank_correlations",
    "sobol_indices",
    "summarize",
    "tornado",
    "trend_with_uncertainty",
    "value_at_risk",
    "write_report",
]
