"""Ranges of draws, the unit every executor runs: uniforms, stored evaluation,
and the first draws that choose a streaming histogram's origin.

:func:`store_range` evaluates draws ``start .. start + n`` of a plan on this
process's numba threads (the local executor, and each dask worker, call it);
:func:`histogram_shift` runs a streaming job's first draws once, when the
job is made (:meth:`.job.Job.make`).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import numba
import numpy as np

from ._drivers import GIVEN, LHS, MC, run_stored
from .kernel import kernel_of
from .plan import Plan

CHUNK = 1 << 20  # draws per call when uniforms come from scipy (QMC)
HIST32_DRAWS = 1 << 30  # most draws per kernel call: per-thread int32 bin counts cannot overflow
_U_MIN = 2.0**-53  # keep given uniforms strictly inside (0, 1)


def given_uniforms(plan: Plan, start: int, n: int) -> np.ndarray:
    """Uniforms of draws ``start .. start + n`` for samplers computed outside the kernel."""
    if plan.sampler != "qmc":
        return np.zeros((len(plan.names), 0))
    from scipy.stats import qmc  # on use: scipy.stats costs ~40 MB of a streaming run's budget

    rows = plan.stream_rows if plan.stream_rows.size else np.arange(len(plan.names))
    dims = int(rows.max()) + 1 if rows.size else 0  # one dimension per stream
    sobol = qmc.Sobol(dims, scramble=True, seed=plan.seed)
    if start:
        sobol.fast_forward(start)
    with warnings.catch_warnings():
        # Blocks of a run need not be powers of two; the whole run's balance is
        # what matters and it is the same sequence whatever the blocking.
        warnings.filterwarnings("ignore", message=".*balance properties.*")
        u = sobol.random(n)
    return np.ascontiguousarray(np.clip(u[:, rows].T, _U_MIN, 1.0 - _U_MIN))


def _source(plan: Plan) -> int:
    return {"mc": MC, "lhs": LHS, "qmc": GIVEN}[plan.sampler]


def _chunks(plan: Plan, start: int, n: int) -> Iterator[tuple[int, int]]:
    step = CHUNK if plan.sampler == "qmc" else HIST32_DRAWS
    for a in range(start, start + n, step):
        yield a, min(step, start + n - a)


def draw_args(plan: Plan, a: int, m: int) -> tuple[Any, ...]:
    """The arguments of the drivers (``run_stored``, ``run_streaming``) that say which
    draws ``a .. a + m`` of ``plan`` are: its model constants, streams and priors."""
    return (
        plan.model.consts,
        _source(plan),
        plan.keys,
        plan.codes,
        plan.prm,
        plan.tables,
        plan.corr_idx,
        plan.chol,
        given_uniforms(plan, a, m),
        plan.total,
        a,
        m,
        plan.block,
    )


def store_range(
    plan: Plan,
    start: int,
    n: int,
    out: np.ndarray,
    inputs_out: np.ndarray,
    offset: int = 0,
    input_rows: np.ndarray | None = None,
) -> np.ndarray:
    """Evaluate draws ``start .. start + n`` into columns ``offset .. offset + n`` of ``out``.

    ``inputs_out`` gets the input draws the same way (unless it has no columns):
    input ``r`` into row ``input_rows[r]`` (default: row ``r``), none when negative.
    Returns the NaN and infinite draws of each output, shape ``(n_out, 2)``.
    """
    kernel = kernel_of(plan.model)
    if input_rows is None:
        input_rows = np.arange(len(plan.names), dtype=np.int64)
    groups = numba.get_num_threads()
    nonfinite = np.zeros((groups, len(plan.model.outputs), 2), dtype=np.int64)
    for a, m in _chunks(plan, start, n):
        run_stored(
            kernel,
            *draw_args(plan, a, m),
            out,
            inputs_out,
            input_rows,
            a - start + offset,
            plan.model.scratch_rows,
            groups,
            nonfinite,
        )
    return nonfinite.sum(axis=0)


PILOT_DRAWS = 4096  # the first draws of a streaming run, which choose its histogram's origin


def histogram_shift(plan: Plan, shift: np.ndarray) -> np.ndarray:
    """Per output, the value its streaming histogram measures draws from: the
    output at the priors' central values (``shift``) where the run's first
    ``PILOT_DRAWS`` draws all lie beyond half of it, else 0.

    The bins are 2^-8 of the distance from that origin: for a narrow output
    (a decimal year, 2026.7 ± 1) a bin measured from 0 is 8 years wide, one
    measured from 2026.7 a fraction of a day.  Where every draw lies beyond half
    the origin, no bin is wider than measured from 0.  The first draws are
    the same whatever the threads or workers, so the choice is too.
    """
    out = np.zeros(len(plan.model.outputs))
    candidates = np.flatnonzero(np.isfinite(shift) & (shift != 0.0))
    if not candidates.size:
        return out
    k = min(PILOT_DRAWS, plan.total)
    y = np.empty((len(plan.model.outputs), k))
    store_range(plan, 0, k, y, np.empty((0, 0)))  # no columns: no input draws kept
    for o in candidates:
        c, p = shift[o], y[o][np.isfinite(y[o])]
        beyond_half = p >= 0.5 * c if c > 0 else p <= 0.5 * c
        if p.size and beyond_half.all():
            out[o] = c
    return out
