"""Parallel block drivers: generate, transform, evaluate, then store or reduce.

One pass per block keeps the block's inputs and outputs in cache.  Blocks run
in parallel over numba threads.  Streaming reductions are deterministic: float
moments are accumulated per *segment* of ``SEGMENT`` draws in an order fixed by
the draw index (8 interleaved lanes), never by thread or block, and histograms
and exceedance counts are integers, so every thread count, block size and
worker layout gives the same bits.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from ..settings import MAX_BLOCK
from ._jit import njit, njit_parallel
from ._rng import fill_uniform
from ._transform import apply_copula, fill_lhs, transform_row

SEGMENT = MAX_BLOCK  # draws per streaming segment; a block never straddles two
SUB_BITS = 8  # 256 histogram bins per octave
EXP_LO, EXP_HI = -160, 160  # octaves covered; outside, values clamp to the end bins
N_BINS = (EXP_HI - EXP_LO) << SUB_BITS
N_MOM = 7  # count, sum(y - shift), sum((y - shift)^2), min, max, nan count, inf count
MC, LHS, GIVEN = 0, 1, 2
# Transforms and kernels run over whole multiples of PAD columns (the tail padded
# with u = 0.5), so every draw goes through the vectorized loop body: LLVM's scalar
# remainder may contract multiply-adds differently (1 ulp), which would make a
# draw's bits depend on where a block ends.
PAD = 64


@njit
def padded(m: int, capacity: int) -> int:
    """``m`` rounded up to a multiple of ``PAD``, at most ``capacity``."""
    return min((m + PAD - 1) // PAD * PAD, capacity)


@njit
def fill_inputs(
    source: int,
    keys: np.ndarray,
    codes: np.ndarray,
    prm: np.ndarray,
    tables: np.ndarray,
    corr_idx: np.ndarray,
    chol: np.ndarray,
    given: np.ndarray,
    total: int,
    start: int,
    x: np.ndarray,
    n: int,
) -> int:
    """Draws ``start .. start + n`` of every input into ``x`` (rows = inputs).

    Returns the padded width the transforms ran over (see ``PAD``); columns
    ``n`` onwards hold the transform of u = 0.5 and are never read as draws.
    """
    n_pad = padded(n, x.shape[1])
    for r in range(keys.size):
        if source == MC:
            fill_uniform(keys[r], start, x[r], n)
        elif source == LHS:
            fill_lhs(keys[r], start, total, x[r], n)
        else:
            for j in range(n):
                x[r, j] = given[r, j]
        for j in range(n, n_pad):
            x[r, j] = 0.5
    if corr_idx.size > 0:
        apply_copula(x, corr_idx, chol, n_pad)
    for r in range(keys.size):
        transform_row(codes[r], prm[r], tables, x[r], n_pad)
    return n_pad


@njit_parallel
def run_stored(
    kernel,
    consts,
    source,
    keys,
    codes,
    prm,
    tables,
    corr_idx,
    chol,
    given,
    total,
    start,
    n,
    block,
    out,
    inputs_out,
    input_rows,
    out_offset,
    scratch,
    n_groups,
):
    """Evaluate draws ``start .. start + n`` into ``out[:, out_offset:]``.

    The inputs are stored too in ``inputs_out`` unless it has no columns:
    input ``r`` into row ``input_rows[r]``, or nowhere when that is negative
    (a fixed input: its value is known, its row would only cost memory).
    ``scratch`` rows below the outputs are the kernel's working space; blocks
    are dealt round-robin to ``n_groups`` thread groups.
    """
    keep_inputs = inputs_out.shape[1] > 0
    n_in, n_out = keys.size, out.shape[0]
    n_blocks = (n + block - 1) // block
    for g in numba.prange(n_groups):
        # Buffers per thread, not per block: allocating ~1 MB per block showed
        # as page faults (0.74x in a fresh process).  Which thread runs a block
        # never changes its bits.
        width = padded(block, 1 << 62)
        x = np.empty((n_in, width))
        y = np.empty((n_out + scratch, width))
        for b in range(g, n_blocks, n_groups):
            b0 = b * block
            m = min(block, n - b0)
            gv = given[:, b0 : b0 + m] if source == GIVEN else given
            m_pad = fill_inputs(
                source, keys, codes, prm, tables, corr_idx, chol, gv, total, start + b0, x, m
            )
            kernel(x, y, m_pad, consts)
            for o in range(n_out):
                for j in range(m):
                    out[o, out_offset + b0 + j] = y[o, j]
            if keep_inputs:
                for r in range(n_in):
                    d = input_rows[r]
                    if d < 0:
                        continue
                    for j in range(m):
                        inputs_out[d, out_offset + b0 + j] = x[r, j]


@njit
def _bin(v: float) -> int:
    """Histogram bin of ``|v|``: exponent and top ``SUB_BITS`` mantissa bits."""
    bits = np.int64(np.float64(abs(v)).view(np.int64))
    e = (bits >> 52) - 1023
    if e < EXP_LO:
        return 0
    if e >= EXP_HI:
        return N_BINS - 1
    return int(((e - EXP_LO) << SUB_BITS) | ((bits >> (52 - SUB_BITS)) & ((1 << SUB_BITS) - 1)))


@njit
def _reduce_block(
    y: np.ndarray,
    m: int,
    shift: np.ndarray,
    thresholds: np.ndarray,
    mom: np.ndarray,
    lanes: np.ndarray,
    hist: np.ndarray,
    zeros: np.ndarray,
    exceed: np.ndarray,
) -> None:
    """Fold a block into the segment's lane sums and the group's integer counts."""
    for o in range(y.shape[0]):
        c = shift[o]
        for j in range(m):
            v = y[o, j]
            if math.isnan(v):
                mom[o, 5] += 1.0
                continue
            if math.isinf(v):
                mom[o, 6] += 1.0  # still counted: the moments of such a run are inf
            d = v - c
            lane = j & 7
            lanes[o, 0, lane] += d
            lanes[o, 1, lane] += d * d
            mom[o, 0] += 1.0
            if v < mom[o, 3]:
                mom[o, 3] = v
            if v > mom[o, 4]:
                mom[o, 4] = v
            if v > 0.0:
                hist[o, 1, _bin(v)] += 1
            elif v < 0.0:
                hist[o, 0, _bin(v)] += 1
            else:
                zeros[o] += 1
            for t in range(thresholds.shape[1]):
                if v > thresholds[o, t]:
                    exceed[o, t] += 1


@njit_parallel
def run_streaming(
    kernel,
    consts,
    source,
    keys,
    codes,
    prm,
    tables,
    corr_idx,
    chol,
    given,
    total,
    start,
    n,
    block,
    n_out,
    shift,
    thresholds,
    n_groups,
    seg_mom,
    hist,
    zeros,
    exceed,
    scratch,
):
    """Reduce draws ``start .. start + n`` without storing them.

    ``seg_mom[s]`` gets segment ``s``'s moments; ``hist[g]``, ``zeros[g]`` and
    ``exceed[g]`` group ``g``'s integer counts (summed by the caller; ``hist``
    may be int32 when a call covers fewer than 2^31 draws).  ``block`` divides
    ``SEGMENT`` so a block never straddles two segments.
    """
    n_in = keys.size
    n_seg = (n + SEGMENT - 1) // SEGMENT
    for g in numba.prange(n_groups):
        # Everything written per draw is thread-local: rows of seg_mom or exceed
        # shared between threads would share cache lines (false sharing).
        width = padded(block, 1 << 62)
        x = np.empty((n_in, width))
        y = np.empty((n_out + scratch, width))
        lanes = np.zeros((n_out, 2, 8))
        mom = np.empty((n_out, N_MOM))
        ex = np.zeros((n_out, thresholds.shape[1]), np.int64)
        z = np.zeros(n_out, np.int64)
        for s in range(g, n_seg, n_groups):
            s0 = s * SEGMENT
            s_end = min(s0 + SEGMENT, n)
            for o in range(n_out):
                mom[o, 0] = 0.0
                mom[o, 3] = np.inf
                mom[o, 4] = -np.inf
                mom[o, 5] = 0.0
                mom[o, 6] = 0.0
            lanes[:] = 0.0
            for b0 in range(s0, s_end, block):
                m = min(block, s_end - b0)
                gv = given[:, b0 : b0 + m] if source == GIVEN else given
                m_pad = fill_inputs(
                    source, keys, codes, prm, tables, corr_idx, chol, gv, total, start + b0, x, m
                )
                kernel(x, y, m_pad, consts)
                _reduce_block(y[:n_out], m, shift, thresholds, mom, lanes, hist[g], z, ex)
            for o in range(n_out):
                s1 = 0.0
                s2 = 0.0
                for lane in range(8):
                    s1 += lanes[o, 0, lane]
                    s2 += lanes[o, 1, lane]
                mom[o, 1] = s1
                mom[o, 2] = s2
                for c in range(N_MOM):
                    seg_mom[s, o, c] = mom[o, c]
        exceed[g] = ex
        zeros[g] = z
