"""Ranges of draws, the unit every executor runs: uniforms, stored evaluation,
and the first draws that choose a streaming histogram's origin.

:func:`store_range` evaluates draws ``start .. start + n`` of a plan on this
process's numba threads (the local executor, and each dask worker, call it);
:func:`pilot` runs a streaming job's first draws once, when the job is made
(:meth:`.job.Job.make`), to choose its histogram's origin and atoms.
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
U_MIN = 2.0**-53  # keep given uniforms strictly inside (0, 1)


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
    return np.ascontiguousarray(np.clip(u[:, rows].T, U_MIN, 1.0 - U_MIN))


def _source(plan: Plan) -> int:
    return {"mc": MC, "lhs": LHS, "qmc": GIVEN}[plan.sampler]


def _chunks(plan: Plan, start: int, n: int) -> Iterator[tuple[int, int]]:
    step = CHUNK if plan.sampler == "qmc" else HIST32_DRAWS
    for a in range(start, start + n, step):
        yield a, min(step, start + n - a)


def draw_args(plan: Plan, a: int, m: int, given: np.ndarray | None = None) -> tuple[Any, ...]:
    """The arguments of the drivers (``run_stored``, ``run_streaming``) that say which
    draws ``a .. a + m`` of ``plan`` are: its model constants, streams and priors;
    ``given`` uniforms (``(inputs, m)``, a ``qmc`` plan) replace the sampler's."""
    return (
        plan.model.consts,
        _source(plan),
        plan.keys,
        plan.codes,
        plan.prm,
        plan.tables,
        plan.corr_idx,
        plan.chol,
        given_uniforms(plan, a, m) if given is None else given,
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
MAX_ATOMS = 32  # repeated values counted exactly, per output


def pilot(plan: Plan, shift: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What a streaming job's first ``PILOT_DRAWS`` draws say about its histogram.

    Returns
    -------
    hist_shift : numpy.ndarray
        Per output, the value its histogram measures draws from: the output
        at the priors' central values (``shift``) where the first draws all
        lie beyond half of it, else 0.  The bins are 2^-8 of the distance from
        that origin: for a narrow output (a decimal year, 2026.7 ± 1) a bin
        measured from 0 is 8 years wide, one measured from 2026.7 a fraction
        of a day.  Where every draw lies beyond half the origin, no bin is
        wider than measured from 0.
    atoms : numpy.ndarray
        ``(n_outputs, MAX_ATOMS)``, NaN-padded: finite values other than the
        origin that two or more of the first draws take exactly (a bound a
        formula clamps to, a step table's steps): the most frequent, in
        increasing order.
        Draws of a continuous output essentially never repeat; a point mass
        is spread over its histogram bin, so the job counts draws equal to and
        above each atom exactly (:attr:`.job.Job.counted`).  With more repeated
        values than places, the first draws' smallest and largest are left
        out: the run's extremes are counted exactly anyway.

    The first draws are the same whatever the threads or workers, so the
    choices are too.
    """
    n_out = len(plan.model.outputs)
    hist_shift = np.zeros(n_out)
    atoms = np.full((n_out, MAX_ATOMS), np.nan)
    k = min(PILOT_DRAWS, plan.total)
    if k == 0:
        return hist_shift, atoms
    y = np.empty((n_out, k))
    store_range(plan, 0, k, y, np.empty((0, 0)))  # no columns: no input draws kept
    ordered = np.sort(y, axis=1)  # one sort for all outputs: most have no repeats
    repeats = (ordered[:, 1:] == ordered[:, :-1]).any(axis=1)
    for o in range(n_out):
        c, p = shift[o], y[o][np.isfinite(y[o])]
        if np.isfinite(c) and c != 0.0 and p.size:
            beyond_half = p >= 0.5 * c if c > 0 else p <= 0.5 * c
            if beyond_half.all():
                hist_shift[o] = c
        if not repeats[o]:
            continue
        # the origin's draws are counted exactly already (as zeros of draw - origin)
        values, counts = np.unique(p[p != hist_shift[o]], return_counts=True)
        repeated = np.flatnonzero(counts > 1)
        if repeated.size > MAX_ATOMS:
            # the run's extremes are counted exactly anyway (Counts' min and max):
            # leave the first draws' out when there are more values than places
            repeated = repeated[(repeated > 0) & (repeated < values.size - 1)]
        # most frequent first; ties by value, so the choice is the same everywhere
        top = repeated[np.lexsort((values[repeated], -counts[repeated]))][:MAX_ATOMS]
        atoms[o, : top.size] = np.sort(values[top])
    return hist_shift, atoms
