"""Scalar special functions for the kernels that have no vectorizable form here."""

from __future__ import annotations

import math

from ._jit import njit


@njit
def ndtr(z: float) -> float:
    """Standard normal CDF (used by the copula, off the hot path of plain runs)."""
    return 0.5 * math.erfc(-z * 0.7071067811865476)
