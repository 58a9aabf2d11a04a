"""Kernels that turn uniforms into prior draws (inverse CDF), one parameter row at a time.

Each family's loop is separate so the branch on the family code sits outside
the inner loop.  Codes and parameter layouts are those of
``frontiercost.priors._base.Code`` and each family's ``kernel_spec``.
"""

from __future__ import annotations

import math

import numpy as np

from ._fastmath import exp_fast, log_pos_fast, ndtri_central, ndtri_fast, ndtri_tail
from ._jit import njit, njit_inline
from ._rng import mix64, uniform
from ._simd import compact_tails, gather_knots
from ._special import ndtr

FIXED, NORMAL, LOGNORMAL, UNIFORM, LOGUNIFORM, TRIANGULAR = 0, 1, 2, 3, 4, 5
LOGITNORMAL, TRUNCNORMAL, WTABLE, PTABLE = 6, 7, 8, 9
_U_EDGE = 2.0**-53  # keeps copula uniforms strictly inside (0, 1)


@njit
def _wtable(prm: np.ndarray, tables: np.ndarray, x: np.ndarray, n: int) -> None:
    off, m, kind = int(prm[0]), int(prm[1]), int(prm[2])
    lo, hi, w0, inv_h, n_guide = prm[3], prm[4], prm[5], prm[6], int(prm[7])
    if n_guide == 0:
        _hermite_uniform(tables, off, m, w0, inv_h, kind, lo, hi, x, n)
        return
    # Three passes: logits (vectorizes), table lookup (gathers, scalar),
    # back-transform (vectorizes).  Fused in one loop none of it vectorizes.
    for j in range(n):
        x[j] = _logit(x[j])
    _hermite_guided(tables, off, m, w0, inv_h, n_guide, x, n)
    for j in range(n):
        x[j] = _untransform(x[j], kind, lo, hi)


@njit_inline
def _logit(u: float) -> float:
    return log_pos_fast(u / (1.0 - u))


@njit_inline
def _untransform(w: float, kind: int, lo: float, hi: float) -> float:
    """The value at ``w`` on a table's scale: logistic (2), log (1) or none (0)."""
    if kind == 2:
        return lo + (hi - lo) / (1.0 + exp_fast(-w))
    if kind == 1:
        return lo + exp_fast(w)
    return w


@njit_inline
def _hermite(t: float, h: float, v0: float, v1: float, d0: float, d1: float) -> float:
    t2 = t * t
    t3 = t2 * t
    return (
        (2 * t3 - 3 * t2 + 1) * v0
        + (t3 - 2 * t2 + t) * h * d0
        + (-2 * t3 + 3 * t2) * v1
        + (t3 - t2) * h * d1
    )


@njit
def _hermite_uniform(
    tables: np.ndarray,
    off: int,
    m: int,
    w0: float,
    inv_h: float,
    kind: int,
    lo: float,
    hi: float,
    x: np.ndarray,
    n: int,
) -> None:
    """Uniform knots, the interval found by one multiplication: uniforms in,
    values out (logit and back-transform included).

    Three passes, so each vectorizes: the logit, the interval and the
    position in it; the table reads (``gather_knots``, gathers on AVX-512);
    the cubic and the back-transform.
    """
    h = 1.0 / inv_h
    last = m - 2
    lastf = float(last)
    d = off + m
    t = np.empty(n)
    k = np.empty(n, np.int64)
    for j in range(n):
        s = (_logit(x[j]) - w0) * inv_h
        kf = min(np.floor(max(s, 0.0)), lastf)
        k[j] = int(kf)
        t[j] = min(max(s - kf, 0.0), 1.0)
    v = np.empty((4, n))
    gather_knots(tables, off, d, k, v, n)
    for j in range(n):
        x[j] = _untransform(_hermite(t[j], h, v[0, j], v[1, j], v[2, j], v[3, j]), kind, lo, hi)


@njit
def _hermite_guided(
    tables: np.ndarray,
    off: int,
    m: int,
    w0: float,
    inv_g: float,
    n_guide: int,
    x: np.ndarray,
    n: int,
) -> None:
    """Refined knots: a uniform guide table gives a knot at or below, then a short scan."""
    v, d, g = off + m, off + 2 * m, off + 3 * m
    last = m - 2
    for j in range(n):
        w = x[j]
        c = min(int(max((w - w0) * inv_g, 0.0)), n_guide - 1)
        k = min(int(tables[g + c]), last)
        while k < last and tables[off + k + 1] <= w:
            k += 1
        h = tables[off + k + 1] - tables[off + k]
        t = min(max((w - tables[off + k]) / h, 0.0), 1.0)
        x[j] = _hermite(t, h, tables[v + k], tables[v + k + 1], tables[d + k], tables[d + k + 1])


@njit
def _ptable(prm: np.ndarray, tables: np.ndarray, x: np.ndarray, n: int) -> None:
    off, m, even = int(prm[0]), int(prm[1]), prm[2] != 0.0
    xs = off + m
    for j in range(n):
        u = x[j]
        if even:
            s = u * (m - 1)
            k = min(int(s), m - 2)
            w = s - k
        else:
            a, b = 0, m - 1  # binary search: tables[off + a] <= u < tables[off + b]
            while b - a > 1:
                c = (a + b) >> 1
                if tables[off + c] <= u:
                    a = c
                else:
                    b = c
            k = a
            w = (u - tables[off + k]) / (tables[off + k + 1] - tables[off + k])
        x[j] = tables[xs + k] + w * (tables[xs + k + 1] - tables[xs + k])


@njit
def ndtri_row(x: np.ndarray, n: int) -> None:
    """``x[j] = ndtri_fast(x[j])`` for ``j < n``, the same bits at about half the work.

    ``ndtri_fast`` evaluates both of AS 241's branches on every lane, because a
    vectorized loop cannot branch.  Here the central branch runs on every lane
    (vectorized) and the tails, which only ~15 % of uniforms reach, run on a
    compacted copy of those lanes and are scattered back.
    """
    tail_p = np.empty(n)
    tail_j = np.empty(n, np.int64)
    k = compact_tails(x, n, tail_p, tail_j)
    for j in range(n):
        x[j] = ndtri_central(x[j] - 0.5)
    for i in range(k):
        tail_p[i] = ndtri_tail(tail_p[i])
    for i in range(k):
        x[tail_j[i]] = tail_p[i]


@njit
def transform_row(code: int, prm: np.ndarray, tables: np.ndarray, x: np.ndarray, n: int) -> None:
    """Replace uniforms ``x[:n]`` by quantiles of the prior ``(code, prm)``, in place."""
    a, b = prm[0], prm[1]
    if code == FIXED:
        for j in range(n):
            x[j] = a
    elif code == NORMAL:
        ndtri_row(x, n)
        for j in range(n):
            x[j] = a + b * x[j]
    elif code == LOGNORMAL:
        ndtri_row(x, n)
        for j in range(n):
            x[j] = exp_fast(a + b * x[j])
    elif code == UNIFORM:
        for j in range(n):
            x[j] = a + b * x[j]
    elif code == LOGUNIFORM:
        lo, hi = prm[2], prm[3]  # clamp: exp(log(upper)) may round above upper
        for j in range(n):
            x[j] = min(max(exp_fast(a + b * x[j]), lo), hi)
    elif code == TRIANGULAR:
        lo, mode, hi, fc = prm[0], prm[1], prm[2], prm[3]
        if prm[4] != 0.0:  # widths whose products leave float64's range (the spec's note)
            w = hi - lo
            for j in range(n):
                u = x[j]
                if u < fc:
                    x[j] = lo + w * math.sqrt(u * fc)
                else:
                    x[j] = max(lo, hi - w * math.sqrt((1.0 - u) * (1.0 - fc)))
            return
        for j in range(n):
            u = x[j]
            if u < fc:
                x[j] = lo + math.sqrt(u * (hi - lo) * (mode - lo))
            else:
                # max(): rounding in hi - sqrt(...) can land just below lo
                x[j] = max(lo, hi - math.sqrt((1.0 - u) * (hi - lo) * (hi - mode)))
    elif code == LOGITNORMAL:
        lo, w = prm[2], prm[3]
        ndtri_row(x, n)
        for j in range(n):
            x[j] = lo + w / (1.0 + exp_fast(-(a + b * x[j])))
    elif code == TRUNCNORMAL:
        ca, cb, sign, lo, hi = prm[2], prm[3], prm[4], prm[5], prm[6]
        for j in range(n):
            x[j] = ca + x[j] * (cb - ca)
        ndtri_row(x, n)
        for j in range(n):  # clamp to [lower, upper]: rounding at u -> 0, 1 can step past
            x[j] = min(max(a + sign * b * x[j], lo), hi)
    elif code == WTABLE:
        _wtable(prm, tables, x, n)
    else:
        _ptable(prm, tables, x, n)


@njit
def apply_copula(x: np.ndarray, idx: np.ndarray, chol: np.ndarray, n: int) -> None:
    """Correlate uniform rows ``x[idx]`` by a Gaussian copula (Cholesky factor ``chol``)."""
    k = idx.size
    z = np.empty(k)
    for j in range(n):
        for a in range(k):
            z[a] = ndtri_fast(x[idx[a], j])
        for a in range(k - 1, -1, -1):  # row a of L·z uses z[0..a]: go backwards in place
            s = 0.0
            for c in range(a + 1):
                s += chol[a, c] * z[c]
            z[a] = s
        for a in range(k):
            x[idx[a], j] = min(max(ndtr(z[a]), _U_EDGE), 1.0 - _U_EDGE)


@njit
def _permute(i: np.uint64, key: np.uint64, half_bits: int, n: np.uint64) -> np.uint64:
    """A keyed bijection of [0, n): balanced Feistel network with cycle walking."""
    mask = (np.uint64(1) << np.uint64(half_bits)) - np.uint64(1)
    hb = np.uint64(half_bits)
    v = i
    while True:
        left = v >> hb
        right = v & mask
        for r in range(4):
            f = mix64(right ^ (key + np.uint64(r) * np.uint64(0x9E3779B97F4A7C15))) & mask
            left, right = right, left ^ f
        v = (left << hb) | right
        if v < n:
            return v


@njit
def fill_lhs(key: np.uint64, start: int, total: int, out: np.ndarray, n: int) -> None:
    """Latin hypercube column: draw ``i`` falls in stratum ``perm(i)`` of ``total``.

    The permutation is a keyed Feistel bijection, so any block computes its
    draws without the others (streaming and distributed runs stay exact).
    """
    half_bits = 1
    while (np.uint64(1) << np.uint64(2 * half_bits)) < np.uint64(total):
        half_bits += 1
    pkey = mix64(key ^ np.uint64(0x5851F42D4C957F2D))
    nt = np.uint64(total)
    for j in range(n):
        i = np.uint64(start + j)
        stratum = _permute(i, pkey, half_bits, nt)
        out[j] = (float(stratum) + uniform(key, i)) / total
