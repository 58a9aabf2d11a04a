"""Inverse-CDF tables for families without a closed-form quantile.

The quantile is tabulated over ``w = logit(p) = log(p / (1 - p))`` on a
uniform grid (``W_LO``..``W_HI``, step ``W_STEP``), not over ``p``: the logit
stretches the tails, so a uniform grid resolves them as well as the body (a
linear grid in ``p`` loses ~1e-4 of mass at the ends), and the kernel gets
``w`` from a uniform with one division and one log, much cheaper than a
normal quantile.  The tabulated quantity is ``t(x)``: ``x`` for unbounded
supports, ``log(x - lo)`` for one bound, ``logit`` for two, which makes
``t(w)`` close to linear in the tails of the usual families (a power-law
lower tail ``x ~ p^(1/a)`` is exactly linear).  Values and exact derivatives
``dt/dw = t'(x) p (1 - p) / f(x)`` give a C¹ cubic Hermite interpolant; the
tests measure its error against scipy's ``ppf`` family by family (all below
1e-6 relative on [1e-6, 1 − 1e-6]; ~1e-8 for beta, gamma and PERT).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
from scipy import special

from ..errors import PriorError

W_LO = -37.5  # logit of the smallest uniform the streams produce (2**-53) is -36.7
W_HI = 37.5
W_STEP = 1.0 / 16.0  # 1201 nodes: values and slopes fit in a 32 KB L1 cache
MAX_SPLITS = 40  # halvings of one interval at most (a jump in x(p) never converges)
MAX_KNOTS = 1 << 16  # and no more knots than this (1.5 MB of table)
TOLERANCE = 5e-8  # worst interpolation error allowed at an interval's midpoint
BAD_MASS = 1e-9  # most probability allowed in intervals that still miss it
IDENTITY, LOG, LOGIT = 0, 1, 2


def w_grid() -> np.ndarray:
    """The table's uniform logit nodes."""
    n = round((W_HI - W_LO) / W_STEP) + 1
    return W_LO + W_STEP * np.arange(n)


def transform_kind(lo: float, hi: float) -> int:
    """Which ``t(x)`` suits a support ``[lo, hi]``."""
    if np.isfinite(lo) and np.isfinite(hi):
        return LOGIT
    if np.isfinite(lo):
        return LOG
    return IDENTITY


def build_wtable(
    quantile_at_w: Callable[[np.ndarray], np.ndarray],
    logpdf: Callable[[np.ndarray], np.ndarray],
    lo: float,
    hi: float,
) -> tuple[np.ndarray, tuple[float, ...]]:
    """Tabulate a distribution for the ``WTABLE`` kernel, refining until accurate.

    The grid starts uniform at ``W_STEP``.  Every interval whose Hermite
    interpolant misses ``quantile_at_w`` at its midpoint by more than
    ``TOLERANCE`` (relative to ``|x|``, or to the 90 % range for unbounded
    supports) is split, until all pass or ``MAX_SPLITS`` halvings.  The usual
    families pass at once and keep the uniform grid (direct indexing); a
    mixture's steep stretch between separated modes gets local refinement and
    the kernel finds its interval through a uniform guide table.

    Parameters
    ----------
    quantile_at_w : callable
        ``x(w)``, the quantile at ``p = expit(w)``, accurate in both tails
        (callers use ``isf`` for ``w > 0``).
    logpdf : callable
        Log density at ``x``.
    lo, hi : float
        Support bounds (may be infinite).

    Returns
    -------
    table : ndarray
        Uniform grid: values then slopes (``2 n`` floats).  Refined grid:
        knots, values, slopes (``3 n``) then the guide (``n_guide`` indices).
    params : tuple
        ``(offset, n, kind, lo, hi, w0, 1/step, n_guide)``; ``n_guide`` is 0
        for a uniform grid.
    """
    with warnings.catch_warnings():
        # scipy warns where far-tail quantiles under- or overflow; _nodes
        # handles those non-finite values.
        warnings.simplefilter("ignore", RuntimeWarning)
        return _build(quantile_at_w, logpdf, lo, hi)


def _build(
    quantile_at_w: Callable[[np.ndarray], np.ndarray],
    logpdf: Callable[[np.ndarray], np.ndarray],
    lo: float,
    hi: float,
) -> tuple[np.ndarray, tuple[float, ...]]:
    kind = transform_kind(lo, hi)
    w = w_grid()
    x = quantile_at_w(w)
    t, deriv = _nodes(x, w, logpdf, lo, hi, kind)
    err = _midpoint_error(quantile_at_w, w, t, deriv, lo, hi, kind, np.arange(w.size - 1))
    for _ in range(MAX_SPLITS):
        bad = err > TOLERANCE
        if not bad.any() or w.size + bad.sum() > MAX_KNOTS:
            break
        split = np.flatnonzero(bad)
        mid = 0.5 * (w[split] + w[split + 1])
        w = np.insert(w, split + 1, mid)
        x = np.insert(x, split + 1, quantile_at_w(mid))
        t, deriv = _nodes(x, w, logpdf, lo, hi, kind)
        # Intervals that passed keep their verdict; only the halves are checked.
        before = np.cumsum(bad) - bad
        new_err = np.empty(w.size - 1)
        new_err[np.flatnonzero(~bad) + before[~bad]] = err[~bad]
        halves = np.concatenate([split + before[split], split + before[split] + 1])
        new_err[halves] = _midpoint_error(quantile_at_w, w, t, deriv, lo, hi, kind, halves)
        err = new_err
    # Intervals still missing the tolerance: a jump in x(p) (disjoint components) is
    # one interval of negligible probability after MAX_SPLITS halvings; intervals
    # holding real probability mean the table would draw wrong values there.
    bad = err > TOLERANCE
    if bad.any():
        p = special.expit(w)
        mass = float(np.sum((p[1:] - p[:-1])[bad]))
        if mass > BAD_MASS:
            raise PriorError(
                f"the quantile table cannot follow this distribution: {mass:.2g} of its"
                f" probability lies where interpolation misses by more than {TOLERANCE:g}"
                " (a mixture's components far apart in scale, or shape parameters far"
                " below 1 piling the mass at the bounds?); split a mixture into separate"
                " inputs, narrow its components, or give shapes nearer 1"
            )
    t, deriv = _nodes(x, w, logpdf, lo, hi, kind)
    lo_k = float(lo) if np.isfinite(lo) else 0.0
    hi_k = float(hi) if np.isfinite(hi) else 0.0
    if w.size == w_grid().size:
        return np.concatenate([t, deriv]), (
            0.0,
            float(w.size),
            float(kind),
            lo_k,
            hi_k,
            W_LO,
            1.0 / W_STEP,
            0.0,
        )
    # guide[c] = last knot at or below the start of guide cell c
    n_guide = 4 * w.size
    inv_g = n_guide / (W_HI - W_LO)
    starts = W_LO + np.arange(n_guide) / inv_g
    guide = np.searchsorted(w, starts, side="right") - 1
    table = np.concatenate([w, t, deriv, guide.astype(float)])
    return table, (0.0, float(w.size), float(kind), lo_k, hi_k, W_LO, inv_g, float(n_guide))


def _to_t(x: np.ndarray, lo: float, hi: float, kind: int) -> tuple[np.ndarray, np.ndarray]:
    """``t(x)`` and ``log t'(x)``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == LOGIT:
            return (
                np.log(x - lo) - np.log(hi - x),
                np.log(hi - lo) - np.log(x - lo) - np.log(hi - x),
            )
        if kind == LOG:
            return np.log(x - lo), -np.log(x - lo)
    return x.copy(), np.zeros_like(x)


def _from_t(t: np.ndarray, lo: float, hi: float, kind: int) -> np.ndarray:
    if kind == LOGIT:
        return lo + (hi - lo) * special.expit(t)
    if kind == LOG:
        return lo + np.exp(t)
    return t


def _nodes(
    x: np.ndarray,
    w: np.ndarray,
    logpdf: Callable[[np.ndarray], np.ndarray],
    lo: float,
    hi: float,
    kind: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Values ``t`` and slopes ``dt/dw`` at the nodes."""
    t, log_dt = _to_t(x, lo, hi, kind)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_dp = special.log_expit(w) + special.log_expit(-w)
        deriv = np.exp(log_dt + log_dp - logpdf(x))
    bad = ~np.isfinite(t) | ~np.isfinite(deriv)
    if bad.any():
        # Where x(w) is not representable (far tails of extreme shapes) the table
        # continues the neighbouring values; no realistic draw lands there.
        good = np.flatnonzero(~bad)
        t[bad] = np.interp(w[bad], w[good], t[good])
        deriv[bad] = np.gradient(t, w)[bad]
    return t, deriv


def _midpoint_error(
    quantile_at_w: Callable[[np.ndarray], np.ndarray],
    w: np.ndarray,
    t: np.ndarray,
    deriv: np.ndarray,
    lo: float,
    hi: float,
    kind: int,
    intervals: np.ndarray,
) -> np.ndarray:
    """Relative error of the interpolant at the midpoints of ``intervals``."""
    a, b = intervals, intervals + 1
    h = w[b] - w[a]
    # Hermite at tau = 1/2: (v0 + v1)/2 + h (d0 - d1)/8
    approx = _from_t(0.5 * (t[a] + t[b]) + h * (deriv[a] - deriv[b]) / 8, lo, hi, kind)
    exact = quantile_at_w(0.5 * (w[a] + w[b]))
    # The error is judged against the distribution's own scale, not |x| alone: a
    # narrow mixture at 1e6 (sd 1e-3) passed with errors of 0.05, 50 of its sd.
    # Relative to |x| where that is smaller (a tail towards a bound at 0), and
    # floored at 1e-7 |x|, which keeps the tolerance 20 ulp above float64's resolution.
    size = np.abs(exact)
    spread = float(np.diff(quantile_at_w(np.array([-2.944, 2.944])))[0])  # its 90 % range
    if kind == IDENTITY:
        scale = np.full_like(size, spread)
    elif kind == LOG:
        scale = np.minimum(size, spread)
    else:  # two bounds: their width (a beta on [0, 1] keeps |x|, as it always had)
        scale = np.minimum(size, hi - lo)
    scale = np.maximum(np.maximum(scale, 1e-7 * size), np.finfo(float).tiny)
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.abs(approx - exact) / scale
    # a far-tail quantile that under- or overflows cannot be judged; an interpolant
    # that overflows where the quantile is finite misses it entirely
    return np.where(np.isfinite(exact), np.where(np.isfinite(err), err, np.inf), 0.0)


def ppf_isf_at_w(dist: object) -> Callable[[np.ndarray], np.ndarray]:
    """``x(w)`` for a scipy frozen distribution, using ``isf`` in the upper half."""

    def f(w: np.ndarray) -> np.ndarray:
        lower = dist.ppf(special.expit(np.minimum(w, 0.0)))  # type: ignore[attr-defined]
        upper = dist.isf(special.expit(-np.maximum(w, 0.0)))  # type: ignore[attr-defined]
        return np.where(w <= 0, lower, upper)

    return f
