"""The kernels' branch-free exp, log and normal quantile against numpy and scipy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from frontiercost.engine._fastmath import exp_fast, log_fast, log_pos_fast, ndtri_fast
from frontiercost.engine._jit import njit

ULP = 2.220446049250313e-16


@njit
def _exp(x, y):  # type: ignore[no-untyped-def]
    for i in range(x.size):
        y[i] = exp_fast(x[i])


@njit
def _log(x, y):  # type: ignore[no-untyped-def]
    for i in range(x.size):
        y[i] = log_fast(x[i])


@njit
def _log_pos(x, y):  # type: ignore[no-untyped-def]
    for i in range(x.size):
        y[i] = log_pos_fast(x[i])


@njit
def _ndtri(x, y):  # type: ignore[no-untyped-def]
    for i in range(x.size):
        y[i] = ndtri_fast(x[i])


def _apply(f, x: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    y = np.empty_like(x)
    f(x, y)
    return y


def test_exp_within_one_ulp_of_numpy() -> None:
    """Measured 2.2e-16 (one ulp) over [-700, 700]."""
    x = np.concatenate([np.linspace(-700, 700, 400_001), np.linspace(-1, 1, 100_001)])
    rel = np.abs(_apply(_exp, x) / np.exp(x) - 1)
    assert rel.max() <= 2 * ULP


def test_exp_saturates() -> None:
    y = _apply(_exp, np.array([-1e4, -745.0, 0.0, 1e4]))
    assert y[0] >= 0 and y[1] < 1e-300 and y[2] == 1.0 and y[3] > 1e300


def test_log_within_two_ulp_of_numpy() -> None:
    """Measured 4.4e-16 relative over 1e-300 .. 1e300; 1.1e-16 absolute near 1."""
    x = np.logspace(-300, 300, 400_001)
    ref = np.log(x)
    err = np.abs(_apply(_log, x) - ref) / np.maximum(np.abs(ref), 1.0)
    assert err.max() <= 3 * ULP
    near_one = np.linspace(0.5, 2.0, 100_001)
    assert np.abs(_apply(_log, near_one) - np.log(near_one)).max() <= 2 * ULP


def _ulps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance in float64 numbers between same-signed ``a`` and ``b``."""
    return np.abs(a.view(np.int64) - b.view(np.int64))


def test_exp_over_the_whole_line() -> None:
    """inf above ~709.78, subnormals to 2**-1074 then 0 below, NaN kept: 1 ulp of numpy."""
    x = np.concatenate([np.linspace(-760, 720, 200_001), [-np.inf, np.inf, -0.0]])
    with np.errstate(over="ignore", under="ignore"):
        y, ref = _apply(_exp, x), np.exp(x)
    assert _ulps(y, ref).max() <= 1
    assert np.isnan(_apply(_exp, np.array([np.nan])))[0]
    assert (y[ref == np.inf] == np.inf).all() and (y[ref == 0] == 0).all()


def test_log_over_the_whole_line() -> None:
    """Subnormals rescaled, -inf at ±0, NaN below 0 and for NaN, inf at inf: 3 ulp of numpy."""
    x = np.concatenate([np.logspace(-323.5, 308.2, 200_001), [0.0, -0.0, np.inf]])
    with np.errstate(divide="ignore"):
        y, ref = _apply(_log, x), np.log(x)
    same_sign = np.signbit(y) == np.signbit(ref)
    assert same_sign.all() and _ulps(y, ref).max() <= 3
    assert np.isnan(_apply(_log, np.array([np.nan, -1.0, -np.inf, -1e-310]))).all()


def test_log_pos_fast_is_log_fast_on_positive_normals() -> None:
    """The transforms' specialised log: the same bits where it is defined."""
    x = np.logspace(-307.6, 308.2, 100_001)
    assert np.array_equal(_apply(_log_pos, x), _apply(_log, x))


@pytest.mark.parametrize("lo", [1e-16, 1e-6, 0.02])
def test_ndtri_matches_scipy(lo: float) -> None:
    """AS 241 branch-free: measured 1.03e-15 relative over [1e-16, 1 - 1e-16]."""
    tails = np.logspace(np.log10(lo), -1, 100_000)
    p = np.concatenate([tails, np.linspace(0.1, 0.9, 100_001), 1 - tails])
    ref = special.ndtri(p)
    rel = np.abs(_apply(_ndtri, p) - ref) / np.maximum(np.abs(ref), 1e-300)
    assert rel.max() <= 5e-15


def test_ndtri_extremes_of_the_uniform_stream() -> None:
    """The smallest and largest uniforms the streams produce map to finite, symmetric z."""
    u = np.array([2.0**-53, 0.5, 1.0 - 2.0**-53])
    z = _apply(_ndtri, u)
    assert np.all(np.isfinite(z)) and z[1] == 0.0 and z[0] == -z[2]
    np.testing.assert_allclose(z, special.ndtri(u), rtol=1e-15)


def test_ndtri_row_is_ndtri_fast_bit_for_bit() -> None:
    """The compacted-tail loop the transforms use gives every lane ndtri_fast's bits:
    random uniforms, both sides of AS 241's branch points, the streams' extremes."""
    from frontiercost.engine._transform import ndtri_row

    edges = [0.075, 0.925, 2.0**-53, 1.0 - 2.0**-53, 0.5, np.exp(-25.0), -np.expm1(-25.0)]
    near = [np.nextafter(e, d) for e in edges for d in (0.0, 1.0)]
    u = np.random.default_rng(5).random(1 << 18)
    tails = np.logspace(-16, -1, 4096)
    p = np.concatenate([u, edges, near, tails, 1 - tails])
    p = np.clip(p, 2.0**-53, 1.0 - 2.0**-53)
    row = p.copy()
    ndtri_row(row, row.size)
    ref = _apply(_ndtri, p)
    assert np.count_nonzero(np.abs(p - 0.5) > 0.425) > 10_000  # both branches ran
    assert np.array_equal(row.view(np.int64), ref.view(np.int64))
