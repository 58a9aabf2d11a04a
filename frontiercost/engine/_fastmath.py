"""Branch-free exp, log, power and normal quantile that LLVM can vectorize.

libm's ``exp``/``log`` are opaque calls that keep the kernels' loops scalar
(this llvmlite has no SVML).  These versions are straight-line polynomial code
(selects instead of branches) and vectorize; all are within a few ulp of
numpy/scipy (``tests/test_fastmath.py`` and ``tests/test_formula_domain.py``
measure it).

- ``exp_fast``: ``x = k ln2 + r`` with ``|r| <= ln2/2`` (Cody-Waite split of
  ln2), degree-13 Taylor polynomial for ``e^r`` (truncation < 2e-17), times
  ``2^k`` as two exact powers of two.  The whole real line, 1 ulp: overflows to
  inf above ~709.78, subnormal then 0 below ~-708.4, NaN stays NaN.
- ``log_fast``: ``x = 2^e m`` with ``m`` in [√½, √2), ``log m = 2 atanh(f)``,
  ``f = (m - 1)/(m + 1)``, odd series to ``f^23`` (truncation < 1e-17).  The
  whole real line, 3 ulp: subnormals rescaled, ``-inf`` at ±0, NaN below 0.
- ``log_pos_fast``: the same polynomial without those fix-ups, for positive
  normal arguments only: what the inverse-CDF transforms give it (``ndtri_fast``
  and the tabulated families), so they pay nothing for the other lanes.
- ``pow_fast``: ``np.power`` (C99 ``pow``) semantics from
  ``exp_fast(b * log_fast(|a|))`` and selects for the sign and special cases.
- ``ndtri_fast``: AS 241 (Wichura 1988) with all three rational branches
  evaluated and the answer selected, using ``log_pos_fast``.  Its two halves,
  ``ndtri_central`` and ``ndtri_tail``, let a loop over many uniforms
  (``_transform.ndtri_row``) evaluate the tails only on the ~15 % of lanes
  that take them, with the same bits.

For positive normal arguments (and results in exp's normal range) all of them
give exactly the bits of the saturating versions they replaced.
"""

from __future__ import annotations

import numpy as np

from ._jit import njit_inline

_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_LN2 = 0.6931471805599453
_SQRT2 = 1.4142135623730951
_MANT = np.int64(0x000FFFFFFFFFFFFF)
_EXP_BIAS = np.int64(1023)
MIN_NORMAL = 2.2250738585072014e-308
_TWO52 = 4503599627370496.0
_EXP_SHIFT = 6755399441056767.0  # 1.5 * 2**52 + 1023: low bits of the float hold k + 1023
_ONE_BITS = np.int64(0x3FF0000000000000)
TAIL_FROM_HALF = 0.425  # AS 241 takes p to a tail beyond this distance from 1/2


@njit_inline
def exp_fast(x: float) -> float:
    """``e**x`` over the whole real line, within 1 ulp of numpy, vectorizable.

    ``x`` is clamped to [-746, 710] only to keep ``k`` small; beyond that range
    the scaling by ``2**k`` (two exact factors, so neither over- nor underflows
    by itself) overflows to ``inf`` above ~709.78 and rounds to subnormals, then
    0, below ~-708.4, as libm does.  NaN gives NaN.
    """
    # numba's max/min keep a NaN first argument (Python's rule; vmaxpd/vminpd),
    # and NaN then flows through to the result: no select needed for it.
    xc = min(max(x, -746.0), 710.0)
    kf = np.floor(xc * _LOG2E + 0.5)
    r = (xc - kf * _LN2_HI) - kf * _LN2_LO
    p = 1.0 / 6227020800.0
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    # 2**k as 2**k1 * 2**(k - k1), k1 = k/2 rounded: both normal for |k| <= 1076,
    # so the product is exact while the result is normal (the bits of adding k to
    # p's exponent), rounds once into the subnormals and overflows past the top.
    # The biased exponents come from the float bits of k + 1.5 * 2**52 + 1023
    # (the float-to-int conversion AVX2 cannot vectorize is never used) and
    # shifting left by 52 drops the rest of those bits.
    b = np.float64(kf + _EXP_SHIFT).view(np.int64)
    b1 = np.float64(kf * 0.5 + _EXP_SHIFT).view(np.int64)
    s1 = np.int64(b1 << np.int64(52)).view(np.float64)
    s2 = np.int64((b - b1 + _EXP_BIAS) << np.int64(52)).view(np.float64)
    return p * s1 * s2


@njit_inline
def _log_normal(x: float, bias: int) -> float:
    """``log(x)`` for a positive normal ``x`` whose exponent field is biased by ``bias``."""
    bits = np.float64(x).view(np.int64)
    e = (bits >> np.int64(52)) - bias
    m = np.int64((bits & _MANT) | _ONE_BITS).view(np.float64)
    big = m > _SQRT2
    m = m * 0.5 if big else m
    ef = float(e) + (1.0 if big else 0.0)
    f = (m - 1.0) / (m + 1.0)
    s = f * f
    p = 1.0 / 23.0
    p = p * s + 1.0 / 21.0
    p = p * s + 1.0 / 19.0
    p = p * s + 1.0 / 17.0
    p = p * s + 1.0 / 15.0
    p = p * s + 1.0 / 13.0
    p = p * s + 1.0 / 11.0
    p = p * s + 1.0 / 9.0
    p = p * s + 1.0 / 7.0
    p = p * s + 1.0 / 5.0
    p = p * s + 1.0 / 3.0
    p = p * s + 1.0
    return ef * _LN2 + 2.0 * f * p


@njit_inline
def log_pos_fast(x: float) -> float:
    """Natural log of a positive normal float to ~1 ulp, vectorizable.

    For the inverse-CDF transforms, whose arguments are always positive and
    normal (``min(p, 1 - p)`` and ``u / (1 - u)`` of uniforms in
    [2**-53, 1 - 2**-53]): no lanes to fix up.  Elsewhere it is wrong (0 gives
    ~-709, negatives garbage); use :func:`log_fast`.
    """
    return _log_normal(x, _EXP_BIAS)


@njit_inline
def log_fast(x: float) -> float:
    """Natural log over the whole real line, within 3 ulp of numpy, vectorizable.

    The same bits as :func:`log_pos_fast` for positive normal ``x``; subnormals
    are scaled by ``2**52`` first; ``log(±0) = -inf``, ``log(inf) = inf``, NaN
    below 0 and for NaN (selects, no branches).
    """
    sub = x < MIN_NORMAL
    y = _log_normal(x * _TWO52 if sub else x, _EXP_BIAS + 52 if sub else _EXP_BIAS)
    y = y if x < np.inf else x  # inf, NaN
    return y if x > 0.0 else (-np.inf if x == 0.0 else np.nan)


@njit_inline
def pow_fast(a: float, b: float) -> float:
    """``a ** b`` as numpy's ``np.power`` (C99 ``pow``) gives it, vectorizable.

    ``exp(b log|a|)``: for ``a > 0`` and finite ``b`` exactly the bits of
    ``exp_fast(b * log_fast(a))``, within ``4 (1 + |b ln a|)`` ulp of numpy
    (measured 3.1: the rounding of ``b ln a`` is magnified by exp).
    The other lanes are fixed up by selects: ``a ** 0 = 1`` and ``1 ** b = 1``
    even for NaN, ``(-1) ** ±inf = 1``; a negative base (or ``-0.0``, ``-inf``)
    with an odd integer exponent gives the negated magnitude, with a non-integer
    exponent NaN when the base is finite; ``±inf`` exponents count as even.
    Zero and infinite bases and out-of-range results follow from ``log_fast``
    and ``exp_fast`` (``0 ** -1 = inf``, ``2 ** 2000 = inf``).
    """
    lg = log_fast(abs(a))
    t = b * lg
    t = 0.0 if (lg == 0.0) | (b == 0.0) else t  # |a| = 1 or b = 0: 1, whatever the other
    y = exp_fast(t)
    fb = np.floor(b)
    whole = fb == b  # ±inf count as (even) integers, NaN as no integer
    half = b * 0.5
    odd = whole & (np.floor(half) != half)
    y = -y if odd & (np.float64(a).view(np.int64) < 0) else y
    return np.nan if (a < 0.0) & (a > -np.inf) & (fb != b) else y


# AS 241 tail coefficients, (intermediate tail r <= 5, far tail r > 5), highest degree first.
_TN = (
    (7.7454501427834140764e-4, 2.01033439929228813265e-7),
    (0.0227238449892691845833, 2.71155556874348757815e-5),
    (0.24178072517745061177, 0.0012426609473880784386),
    (1.27045825245236838258, 0.026532189526576123093),
    (3.64784832476320460504, 0.29656057182850489123),
    (5.7694972214606914055, 1.7848265399172913358),
    (4.6303378461565452959, 5.4637849111641143699),
    (1.42343711074968357734, 6.6579046435011037772),
)
_TD = (
    (1.05075007164441684324e-9, 2.04426310338993978564e-15),
    (5.475938084995344946e-4, 1.4215117583164458887e-7),
    (0.0151986665636164571966, 1.8463183175100546818e-5),
    (0.14810397642748007459, 7.868691311456132591e-4),
    (0.68976733498510000455, 0.0148753612908506148525),
    (1.6763848301838038494, 0.13692988092273580531),
    (2.05319162663775882187, 0.59983220655588793769),
    (1.0, 1.0),
)


@njit_inline
def ndtri_central(q: float) -> float:
    """AS 241's central branch: the normal quantile at ``p = 0.5 + q`` for ``|q| <= 0.425``."""
    r = 0.180625 - q * q
    num = (
        (
            (
                (
                    (
                        (2509.0809287301226727 * r + 33430.575583588128105) * r
                        + 67265.770927008700853
                    )
                    * r
                    + 45921.953931549871457
                )
                * r
                + 13731.693765509461125
            )
            * r
            + 1971.5909503065514427
        )
        * r
        + 133.14166789178437745
    ) * r + 3.387132872796366608
    den = (
        (
            (
                (
                    ((5226.495278852545925 * r + 28729.085735721942674) * r + 39307.89580009271061)
                    * r
                    + 21213.794301586595867
                )
                * r
                + 5394.1960214247511077
            )
            * r
            + 687.1870074920579083
        )
        * r
        + 42.313330701600911252
    ) * r + 1.0
    return q * num / den


@njit_inline
def ndtri_tail(p: float) -> float:
    """AS 241's two tail branches (``|p - 0.5| > 0.425``), one polynomial
    evaluation with coefficients chosen per lane."""
    t = np.sqrt(-log_pos_fast(min(p, 1.0 - p)))
    far = t > 5.0
    a = t - (5.0 if far else 1.6)
    tn = _TN[0][1] if far else _TN[0][0]
    td = _TD[0][1] if far else _TD[0][0]
    for i in range(1, 8):  # unrolled by LLVM: selects of constants, no table reads
        tn = tn * a + (_TN[i][1] if far else _TN[i][0])
        td = td * a + (_TD[i][1] if far else _TD[i][0])
    return (-tn if p < 0.5 else tn) / td


@njit_inline
def is_tail(p: float) -> bool:
    """Whether AS 241 takes ``p`` to a tail branch."""
    return abs(p - 0.5) > TAIL_FROM_HALF


@njit_inline
def ndtri_fast(p: float) -> float:
    """Standard normal quantile for ``p`` in (0, 1) (AS 241, branch-free).

    Both branches are evaluated and the answer selected; a loop over many
    ``p`` is faster through :func:`frontiercost.engine._transform.ndtri_row`,
    which evaluates the tails only where they are taken (the same bits).
    """
    return ndtri_tail(p) if is_tail(p) else ndtri_central(p - 0.5)
