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


def _compact(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from frontiercost.engine._jit import njit
    from frontiercost.engine._simd import compact_tails

    @njit
    def run(x, tail_p, tail_j):  # type: ignore[no-untyped-def]
        return compact_tails(x, x.size, tail_p, tail_j)

    tail_p, tail_j = np.full(x.size, -7.0), np.full(x.size, -7, np.int64)
    k = run(x, tail_p, tail_j)
    return tail_p[:k], tail_j[:k]


@pytest.mark.parametrize("n", [0, 7, 8, 13, 64, 4099])
def test_compacted_tails_are_numpys_selection(n: int) -> None:
    """The lanes AS 241 sends to a tail, in order, by the AVX-512 compress (a
    contiguous row, where the CPU has it) and by the scalar loop (a strided
    row): NaN, infinities, values outside (0, 1) and both sides of 0.075 and
    0.925 included, at every position of an 8-lane group."""
    rng = np.random.default_rng(n)
    special_values = [np.nan, np.inf, -np.inf, -1.0, 2.0, 0.0, 1.0, 0.075, 0.925]
    special_values += [np.nextafter(e, d) for e in (0.075, 0.925) for d in (0.0, 1.0)]
    x = rng.random(n)
    x = np.where(rng.random(n) < 0.3, rng.choice(special_values, n), x)
    want = np.flatnonzero(np.abs(x - 0.5) > 0.425)
    strided = np.repeat(x, 2)[::2]
    for row in (x, strided):
        values, index = _compact(row)
        assert np.array_equal(index, want)
        assert np.array_equal(values.view(np.int64), x[want].view(np.int64))
    if n >= 64:
        assert 0 < want.size < n  # both kinds of lane were there


def _gather(tables: np.ndarray, off: int, d: int, k: np.ndarray, v: np.ndarray) -> None:
    from frontiercost.engine._jit import njit
    from frontiercost.engine._simd import gather_knots

    @njit
    def run(tables, off, d, k, v):  # type: ignore[no-untyped-def]
        gather_knots(tables, off, d, k, v, k.size)

    run(tables, off, d, k, v)


@pytest.mark.parametrize("n", [0, 5, 8, 64, 1029])
def test_gathered_knots_are_numpys_indexing(n: int) -> None:
    """A tabulated family's knot values, by AVX-512 gathers (contiguous arrays,
    where the CPU has them) and by the scalar loop (a Fortran-ordered ``v``)."""
    rng = np.random.default_rng(n)
    m = 301
    tables = rng.standard_normal(3 + 2 * m)  # some other table first, then values, slopes
    off, d = 3, 3 + m
    k = rng.integers(0, m - 1, n)
    k[: min(n, 2)] = [0, m - 2][: min(n, 2)]  # both ends of the table
    want = np.stack([tables[off + k], tables[off + k + 1], tables[d + k], tables[d + k + 1]])
    for v in (np.full((4, n), np.nan), np.full((4, n), np.nan, order="F")):
        _gather(tables, off, d, k, v)
        assert np.array_equal(v, want)


@pytest.mark.parametrize("instruction", ["vcompresspd", "vgatherqpd"])
def test_the_avx512_instructions_are_used_where_the_cpu_has_them(instruction: str) -> None:
    """Where numba compiles for AVX-512 the contiguous paths use them, else not."""
    import numba

    from frontiercost.engine import _simd

    @numba.njit(error_model="numpy")  # not cached: numba inspects only fresh code
    def run(x, tail_p, tail_j, tables, k, v):  # type: ignore[no-untyped-def]
        _simd.gather_knots(tables, 0, 1, k, v, k.size)
        return _simd.compact_tails(x, x.size, tail_p, tail_j)

    x, k = np.linspace(0.0, 1.0, 64), np.zeros(64, np.int64)
    run(x, np.empty(64), np.empty(64, np.int64), np.zeros(4), k, np.empty((4, 64)))
    asm = run.inspect_asm(run.signatures[0])
    assert (instruction in asm) == _simd.AVX512


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
