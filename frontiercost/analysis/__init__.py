"""Analysis of simulation results: summaries, risk figures and trends."""

from .risk import (
    exceedance,
    exceedance_curve,
    expected_shortfall,
    prob_greater,
    value_at_risk,
)
from .summary import summarize
from .trend import fit_trend, trend_with_uncertainty

__all__ = [
    "exceedance",
    "exceedance_curve",
    "expected_shortfall",
    "fit_trend",
    "prob_greater",
    "summarize",
    "trend_with_uncertainty",
    "value_at_risk",
]
