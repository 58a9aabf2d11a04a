"""Analysis of simulation results: summaries and credible intervals."""

from .summary import summarize

__all__ = ["summarize"]
