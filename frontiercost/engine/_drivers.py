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
from ._jit import njit, njit_inline, njit_parallel
from ._rng import fill_uniform
from ._transform import FIXED, apply_copula, fill_lhs, transform_row

SEGMENT = MAX_BLOCK  # draws per streaming segment; a block never straddles two
SUB_BITS = 8  # 256 histogram bins per octave
EXP_LO, EXP_HI = -160, 160  # octaves covered; outside, values clamp to the end bins
N_BINS = (EXP_HI - EXP_LO) << SUB_BITS
# count, sum(y - shift), sum((y - shift)^2), min, max, nan count, inf count,
# draws equal to the min, draws equal to the max
N_MOM = 9
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
def _correlated(corr_idx: np.ndarray, r: int) -> bool:
    for i in range(corr_idx.size):
        if corr_idx[i] == r:
            return True
    return False


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
        if codes[r] == FIXED and not _correlated(corr_idx, r):
            continue  # its transform writes the value over every column
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
    nonfinite,
):
    """Evaluate draws ``start .. start + n`` into ``out[:, out_offset:]``.

    The inputs are stored too in ``inputs_out`` unless it has no columns:
    input ``r`` into row ``input_rows[r]``, or nowhere when that is negative
    (a fixed input: its value is known, its row would only cost memory).
    ``scratch`` rows below the outputs are the kernel's working space; blocks
    are dealt round-robin to ``n_groups`` thread groups.  ``nonfinite[g, o]``
    gains thread group ``g``'s NaN (``[..., 0]``) and infinite (``[..., 1]``)
    draws of output ``o``, counted while they are in cache (a later pass over
    the stored draws cost 14 % of a stored GPT-4 run).
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
                nan = 0
                inf = 0
                for j in range(m):
                    v = y[o, j]
                    out[o, out_offset + b0 + j] = v
                    nan += v != v
                    inf += abs(v) == np.inf
                nonfinite[g, o, 0] += nan
                nonfinite[g, o, 1] += inf
            if keep_inputs:
                for r in range(n_in):
                    d = input_rows[r]
                    if d < 0:
                        continue
                    for j in range(m):
                        inputs_out[d, out_offset + b0 + j] = x[r, j]


_KEY_MAX = np.int64(0x7FFFFFFFFFFFFFFF)
_KEY_MIN = np.int64(-0x8000000000000000)


@njit_inline
def _order_key(v: float) -> np.int64:
    """An integer in the order of ``v`` (not NaN): negatives' bits other than the
    sign flipped, so ``-0.0`` comes just below ``+0.0``; its own inverse."""
    b = np.float64(v).view(np.int64)
    return b ^ ((b >> np.int64(63)) & _KEY_MAX)


@njit_inline
def _from_order_key(k: np.int64) -> float:
    return float(np.int64(k ^ ((k >> np.int64(63)) & _KEY_MAX)).view(np.float64))


@njit_inline
def _bin(v: float) -> int:
    """Histogram bin of ``|v|``: exponent and top ``SUB_BITS`` mantissa bits."""
    bits = np.int64(np.float64(abs(v)).view(np.int64))
    e = (bits >> 52) - 1023
    k = ((e - EXP_LO) << SUB_BITS) | ((bits >> (52 - SUB_BITS)) & ((1 << SUB_BITS) - 1))
    k = np.int64(0) if e < EXP_LO else k  # selects, not branches: the caller's loop vectorizes
    return int(N_BINS - 1 if e >= EXP_HI else k)


@njit
def _reduce_block(
    y: np.ndarray,
    m: int,
    shift: np.ndarray,
    hist_shift: np.ndarray,
    thresholds: np.ndarray,
    mom: np.ndarray,
    lanes: np.ndarray,
    hist: np.ndarray,
    zeros: np.ndarray,
    exceed: np.ndarray,
) -> None:
    """Fold a block into the segment's lane sums and the group's integer counts.

    The histogram and ``zeros`` count ``v - hist_shift[o]`` (0.0 for most
    outputs, so the bins are the draws'; see :class:`~.job.Job`).

    Draw ``j`` adds to lane ``j & 7`` in the order of ``j``; a NaN draw adds
    ``0.0``, which leaves a sum's bits as they were (a lane sum starts at +0.0
    and so is never -0.0).  Each statistic is its own pass, so the passes that
    can vectorize do; only the histogram's increments are scalar.
    """
    n_thr = thresholds.shape[1]
    bins = np.empty(m, np.int64)
    for o in range(y.shape[0]):
        v_row = y[o]
        c = shift[o]
        s1 = lanes[o, 0]
        s2 = lanes[o, 1]
        whole = m - (m & 7)
        for j0 in range(0, whole, 8):
            for lane in range(8):
                v = v_row[j0 + lane]
                d = 0.0 if math.isnan(v) else v - c
                s1[lane] += d
                s2[lane] += d * d
        for j in range(whole, m):
            v = v_row[j]
            d = 0.0 if math.isnan(v) else v - c
            s1[j & 7] += d
            s2[j & 7] += d * d
        nan = 0
        inf = 0
        k_lo = _KEY_MAX
        k_hi = _KEY_MIN
        for j in range(m):
            # min and max of integer keys: a float min reduction does not
            # vectorize without fast-math flags, an integer one does
            v = v_row[j]
            isnan = math.isnan(v)
            nan += 1 if isnan else 0
            inf += 1 if math.isinf(v) else 0
            k = _order_key(v)
            k_lo = min(k_lo, _KEY_MAX if isnan else k)
            k_hi = max(k_hi, _KEY_MIN if isnan else k)
        lo = _from_order_key(k_lo) if nan < m else np.inf
        hi = _from_order_key(k_hi) if nan < m else -np.inf
        if lo == 0.0 or hi == 0.0:
            # Which zero a sign-blind min keeps depends on the order it meets
            # them: the first, as the per-draw rule had it.
            lo, hi = np.inf, -np.inf
            for j in range(m):
                v = v_row[j]
                if v < lo:
                    lo = v
                if v > hi:
                    hi = v
        mom[o, 0] += float(m - nan)
        mom[o, 5] += float(nan)
        mom[o, 6] += float(inf)
        zero = 0
        at_lo = 0
        at_hi = 0
        h = hist_shift[o]
        for j in range(m):
            # draws at the block's extremes, counted in this pass: a point mass at
            # a run's min or max (a clamp) is read as one however rare
            at_lo += 1 if v_row[j] == lo else 0
            at_hi += 1 if v_row[j] == hi else 0
            v = v_row[j] - h  # exact when h == 0.0: the draw itself, -0.0 kept
            zero += 1 if v == 0.0 else 0
            b = _bin(v)
            # hist[o] flattened: negative draws' bins, then positive ones'; -1 for
            # NaN and zero, which have no bin
            bins[j] = -1 if (v != v) | (v == 0.0) else (N_BINS + b if v > 0.0 else b)
        zeros[o] += zero
        if lo < mom[o, 3]:
            mom[o, 3] = lo
            mom[o, 7] = float(at_lo)
        elif lo == mom[o, 3]:
            mom[o, 7] += float(at_lo)
        if hi > mom[o, 4]:
            mom[o, 4] = hi
            mom[o, 8] = float(at_hi)
        elif hi == mom[o, 4]:
            mom[o, 8] += float(at_hi)
        flat = hist[o].reshape(-1)
        for j in range(m):
            k = bins[j]
            if k >= 0:
                flat[k] += 1
        for t in range(n_thr):
            thr = thresholds[o, t]
            if math.isnan(thr):
                continue  # padding (another output's threshold or atom): never exceeded
            count = 0
            for j in range(m):
                count += 1 if v_row[j] > thr else 0
            exceed[o, t] += count


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
    hist_shift,
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
                mom[o, 7] = 0.0
                mom[o, 8] = 0.0
            lanes[:] = 0.0
            for b0 in range(s0, s_end, block):
                m = min(block, s_end - b0)
                gv = given[:, b0 : b0 + m] if source == GIVEN else given
                m_pad = fill_inputs(
                    source, keys, codes, prm, tables, corr_idx, chol, gv, total, start + b0, x, m
                )
                kernel(x, y, m_pad, consts)
                _reduce_block(
                    y[:n_out], m, shift, hist_shift, thresholds, mom, lanes, hist[g], z, ex
                )
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
