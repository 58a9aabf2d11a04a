"""The formula interpreter: one compiled kernel that runs any compiled formula set.

A program (see :mod:`frontiercost.model.formula`) is a flat float64 array
handed to the kernel as its ``consts``::

    [n_tmp, n_ops, n_out,  (op, dst, a, b, imm) * n_ops,  out_reg * n_out]

Registers ``0 .. n_in - 1`` are the input rows ``x``; the next ``n_tmp`` are
scratch rows: ``out``'s rows below the outputs when the caller provides them
(``Model.scratch_rows``, so the drivers allocate them once per thread, not
once per block), else a fresh array.  Each op is one pass over the block, so
the dispatch on the opcode sits outside the inner loop and every pass
vectorizes; a block of a few thousand draws stays in cache across the passes.
Compiled once and cached on disk, it serves every scenario without new JIT
work.
"""

from __future__ import annotations

import numpy as np

from ..model.formula import (
    ADD,
    CONST,
    DIV,
    EXP,
    HEADER,
    LOG,
    MAX,
    MIN,
    MUL,
    NEG,
    POW,
    SQRT,
    SUB,
    WIDTH,
)
from ._fastmath import MIN_NORMAL, exp_fast, log_fast, log_pos_fast, pow_fast
from .signature import model_kernel


@model_kernel
def formula_kernel(x, out, n, consts):
    n_in = x.shape[0]
    n_tmp, n_ops, n_out = int(consts[0]), int(consts[1]), int(consts[2])
    if out.shape[0] >= n_out + n_tmp:
        tmp = out[n_out : n_out + n_tmp]
    else:
        tmp = np.empty((max(n_tmp, 1), x.shape[1]))
    for k in range(n_ops):
        base = HEADER + WIDTH * k
        op, d, a, b = int(consts[base]), int(consts[base + 1]), consts[base + 2], consts[base + 3]
        imm = consts[base + 4]
        dst = tmp[d - n_in]  # ops write scratch rows only
        ia, ib = int(a), int(b)
        ra = x[ia] if ia < n_in else tmp[ia - n_in]
        rb = x[ib] if ib < n_in else tmp[ib - n_in]
        if op == CONST:
            for j in range(n):
                dst[j] = imm
        elif op == ADD:
            for j in range(n):
                dst[j] = ra[j] + rb[j]
        elif op == SUB:
            for j in range(n):
                dst[j] = ra[j] - rb[j]
        elif op == MUL:
            for j in range(n):
                dst[j] = ra[j] * rb[j]
        elif op == DIV:
            for j in range(n):
                dst[j] = ra[j] / rb[j]
        elif op == POW:
            # Positive normal bases and finite exponents take exp(b log a) alone;
            # a block with any other lane reruns with the fix-ups (same bits on
            # the plain lanes, so where a block ends changes nothing).
            odd = 0
            for j in range(n):
                u, v = ra[j], rb[j]
                odd += 0 if (u >= MIN_NORMAL) & (u < np.inf) & (abs(v) < np.inf) else 1
                dst[j] = exp_fast(v * log_pos_fast(u))
            if odd:
                for j in range(n):
                    dst[j] = pow_fast(ra[j], rb[j])
        elif op == NEG:
            for j in range(n):
                dst[j] = -ra[j]
        elif op == EXP:
            for j in range(n):
                dst[j] = exp_fast(ra[j])
        elif op == LOG:
            odd = 0  # as POW: positive normal blocks skip log_fast's fix-ups
            for j in range(n):
                u = ra[j]
                odd += 0 if (u >= MIN_NORMAL) & (u < np.inf) else 1
                dst[j] = log_pos_fast(u)
            if odd:
                for j in range(n):
                    dst[j] = log_fast(ra[j])
        elif op == MIN:
            for j in range(n):
                u, v = ra[j], rb[j]
                dst[j] = u if (u < v) | (u != u) else v
        elif op == MAX:
            for j in range(n):
                u, v = ra[j], rb[j]
                dst[j] = u if (u > v) | (u != u) else v
        elif op == SQRT:
            for j in range(n):
                dst[j] = np.sqrt(ra[j])
        else:  # COPY
            for j in range(n):
                dst[j] = ra[j]
    first = HEADER + WIDTH * n_ops
    for o in range(n_out):
        r = int(consts[first + o])
        src = x[r] if r < n_in else tmp[r - n_in]
        for j in range(n):
            out[o, j] = src[j]
