"""Quantiles of draws that may be infinite: an infinite draw is a value.

numpy interpolates a quantile between two order statistics as
``a + t (b - a)``, which is NaN when both are the same infinity (``inf -
inf``) or when ``t`` is 0 and one is infinite (``0 x inf``). These are the
values the interpolation has in the limit; only between ``-inf`` and ``+inf``
is there none.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def scale_below(largest: float) -> float:
    """The power of two at or below ``largest`` (finite, > 0): draws divided by it are
    below 2 in size, exactly, so sums of draws near 1.8e308 do not overflow."""
    return math.ldexp(1.0, math.frexp(largest)[1] - 1)


def median_past_overflow(median: float, x: np.ndarray) -> float:
    """``median``, numpy's median of the NaN-free draws ``x``; where numpy averaged two
    finite middle draws past 2**1023 into inf, their halves' sum instead."""
    if not math.isinf(median) or x.size % 2:
        return median
    half = x.size // 2
    mid = np.partition(x.ravel(), [half - 1, half])[half - 1 : half + 1]
    return float(mid[0] / 2 + mid[1] / 2) if np.isfinite(mid).all() else median


def quantiles(x: np.ndarray, q: Sequence[float] | np.ndarray) -> np.ndarray:
    """numpy's linear quantiles of NaN-free draws ``x``, infinite draws included.

    NaN for no draws, and between ``-inf`` and ``+inf``.
    """
    q = np.asarray(q, float)
    if x.size == 0:
        return np.full(q.shape, np.nan)
    with np.errstate(invalid="ignore"):
        v = np.asarray(np.quantile(x, q), float)
    return fill_infinite(v, x, q)


def fill_infinite(v: np.ndarray, x: np.ndarray, q: Sequence[float] | np.ndarray) -> np.ndarray:
    """``v``, numpy's linear quantiles ``q`` of NaN-free ``x``, with the NaN that
    infinite order statistics made replaced by the interpolation's limit."""
    v = np.array(v, float)
    q = np.asarray(q, float)
    bad = np.isnan(v)
    if x.size == 0 or not bad.any():
        return v
    with np.errstate(invalid="ignore"):
        lo = np.quantile(x, q[bad], method="lower")
        hi = np.quantile(x, q[bad], method="higher")
    t = q[bad] * (x.size - 1) % 1.0
    limit = np.where(
        (t == 0) | (lo == hi),
        lo,
        np.where(np.isinf(lo) & np.isinf(hi), np.nan, np.where(np.isinf(lo), lo, hi)),
    )
    v[bad] = limit
    return v
