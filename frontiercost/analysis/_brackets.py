"""The one pass over a variable's draws behind a stored summary's order statistics."""

from __future__ import annotations

import numpy as np

from ..engine._jit import njit


@njit
def gather_brackets(
    x: np.ndarray, lo: np.ndarray, hi: np.ndarray, cap: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each bracket ``[lo[b], hi[b]]``: how many draws lie below it, how many
    inside, and those inside (``kept[b, :count[b]]``, in the draws' order) when
    there are at most ``cap`` of them.

    One pass per bracket instead of numpy's four (two comparisons, a count, a
    gather), and without branches: every draw is written at the bracket's
    next free place, which advances only when the draw is inside (a branch
    taken by a few % of random draws mispredicts enough to cost 5x).  Past
    ``cap`` the writes stay on the last place and only the count goes on: the
    caller gathers such a bracket another way.
    """
    k = lo.size
    n = x.size
    below = np.zeros(k, np.int64)
    count = np.zeros(k, np.int64)
    kept = np.empty((k, cap + 1))
    for b in range(k):
        lb, hb = lo[b], hi[b]
        nb = 0
        c = 0
        row = kept[b]
        for j in range(n):
            v = x[j]
            nb += 1 if v < lb else 0
            row[min(c, cap)] = v
            c += 1 if (v >= lb) & (v <= hb) else 0
        below[b] = nb
        count[b] = c
    return below, count, kept
