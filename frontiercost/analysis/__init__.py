"""Analysis of results: summaries, risk figures, sensitivity, trends, the report.

Functions of runs (DataTrees) and of models; they never run a scenario
themselves, except the sensitivity designs, which evaluate the model.  Plots
live in :mod:`frontiercost.analysis.plots`.  Submodules load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .compare import prior_posterior
    from .components import component_shares
    from .report import report_html
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

_LAZY = {
    "prior_posterior": "compare",
    "component_shares": "components",
    "report_html": "report",
    "exceedance": "risk",
    "exceedance_curve": "risk",
    "expected_shortfall": "risk",
    "prob_greater": "risk",
    "value_at_risk": "risk",
    "rank_correlations": "sensitivity",
    "sobol_indices": "sensitivity",
    "tornado": "sensitivity",
    "summarize": "summary",
    "fit_trend": "trend",
    "trend_with_uncertainty": "trend",
}

__all__ = [
    "component_shares",
    "exceedance",
    "exceedance_curve",
    "expected_shortfall",
    "fit_trend",
    "prior_posterior",
    "prob_greater",
    "rank_correlations",
    "report_html",
    "sobol_indices",
    "summarize",
    "tornado",
    "trend_with_uncertainty",
    "value_at_risk",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'frontiercost.analysis' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
