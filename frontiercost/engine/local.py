"""The local executor: ranges of draws on this process's numba threads.

Also :func:`stream_range`, which the dask executor runs on its workers too
(:mod:`.ranges` has the stored one), and :func:`evaluate_uniforms` for
external samplers (sensitivity designs, MCMC).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence

import numba
import numpy as np

from .. import _buffers
from .._files import deferred_interrupts
from .._threads import check_kernels_may_run, kernel_call
from ..errors import SimulationError
from ..model import Correlations, Model
from ..priors import Prior
from ..settings import Sampling
from ._drivers import N_MOM, SEGMENT, run_stored, run_streaming
from ._transform import FIXED, transform_row
from .job import EngineResult, Job
from .kernel import kernel_of
from .plan import Plan, plan_run
from .ranges import HIST32_DRAWS, U_MIN, _chunks, draw_args, store_range
from .streaming import Counts, StreamStats, merge_moments

Progress = Callable[[int, int], None]


@contextlib.contextmanager
def numba_threads(threads: int | None) -> Iterator[int]:
    """Run the body with ``threads`` numba threads (``None``: numba's setting).

    Every kernel call goes through here, so where numba would kill the process
    or hang (a fork it cannot run kernels in, an unusable threading layer) the
    call is refused in one line instead (``frontiercost._threads``).
    """
    check_kernels_may_run()
    before = numba.get_num_threads()  # starts numba's threads: the layer is known after
    with kernel_call(numba.threading_layer()):
        if threads is None:
            yield before
            return
        limit = numba.config.NUMBA_NUM_THREADS
        if isinstance(threads, bool) or not isinstance(threads, int) or not 1 <= threads <= limit:
            raise SimulationError(
                f"threads: must be an integer from 1 to {limit}, got {threads!r}"
            )
        numba.set_num_threads(threads)
        try:
            yield threads
        finally:
            numba.set_num_threads(before)


class Tally:
    """Per-thread int32 histograms carried from one call of :func:`stream_range` to
    the next, added into a run's :class:`Counts` once (``flush``).

    Zeroing them and adding them in per call (14 MB for GPT-4 on 2 threads)
    made a streaming run reported in ~40 pieces (a progress bar) 2.9x slower
    at 4e6 draws.  They are flushed before they could hold more than
    ``HIST32_DRAWS`` draws, so no int32 bin can overflow; counts are integers,
    so the result is the same bits however they are carried.
    """

    def __init__(self, groups: int, n_out: int, n_bins: int) -> None:
        self.hist = np.zeros((groups, n_out, 2, n_bins), np.int32)
        self.draws = 0

    def make_room(self, m: int, counts: Counts) -> None:
        """Flush first if ``m`` more draws could overflow a bin."""
        if self.draws + m > HIST32_DRAWS:
            self.flush(counts)

    def flush(self, counts: Counts) -> None:
        """Add the carried histograms into ``counts`` and start again from zero."""
        if self.draws:
            for h in self.hist:  # in place: no int64 temporary of the whole histogram
                np.add(counts.hist, h, out=counts.hist)
            self.hist[:] = 0
        self.draws = 0


def stream_range(
    plan: Plan,
    start: int,
    n: int,
    shift: np.ndarray,
    hist_shift: np.ndarray,
    thresholds: np.ndarray,
    groups: int,
    counts: Counts,
    tally: Tally | None = None,
) -> np.ndarray:
    """Reduce draws ``start .. start + n`` (``start`` a multiple of ``SEGMENT``).

    Returns per-segment moments and adds the draws' zero and exceedance
    counts into ``counts``, and their histogram too, or into ``tally`` when
    given (the caller flushes it into ``counts``).
    """
    n_out = len(plan.model.outputs)
    kernel = kernel_of(plan.model)
    seg_all = []
    # Per-thread histograms are the largest arrays of a streaming run: int32
    # halves them, and they hold at most HIST32_DRAWS draws so they cannot overflow.
    own = tally is None
    carried = Tally(groups, n_out, counts.hist.shape[-1]) if tally is None else tally
    z = np.empty((groups, n_out), np.int64)
    ex = np.empty((groups, n_out, thresholds.shape[1]), np.int64)
    for a, m in _chunks(plan, start, n):
        n_seg = -(-m // SEGMENT)
        seg = np.zeros((n_seg, n_out, N_MOM))
        carried.make_room(m, counts)
        run_streaming(
            kernel,
            *draw_args(plan, a, m),
            n_out,
            shift,
            hist_shift,
            thresholds,
            groups,
            seg,
            carried.hist,
            z,
            ex,
            plan.model.scratch_rows,
        )
        carried.draws += m
        seg_all.append(seg)
        np.add(counts.zeros, z.sum(axis=0), out=counts.zeros)
        np.add(counts.exceed, ex.sum(axis=0), out=counts.exceed)
    if own:
        carried.flush(counts)
    return seg_all[0] if len(seg_all) == 1 else np.concatenate(seg_all)


def stats_from_parts(job: Job, seg: np.ndarray, counts: Counts) -> StreamStats:
    """Assemble :class:`StreamStats` from reduced parts (local or distributed)."""
    count, mean, var, mn, mx, nan, inf, at_min, at_max = merge_moments(seg, job.shift)
    k, a = job.thresholds.shape[1], job.atoms.shape[1]
    above, at_or_above = counts.exceed[:, k : k + a], counts.exceed[:, k + a :]
    return StreamStats(
        names=job.plan.model.output_names,
        count=count,
        mean=mean,
        var=var,
        minimum=mn,
        maximum=mx,
        nan_count=nan,
        inf_count=inf,
        thresholds=job.thresholds,
        exceed=counts.exceed[:, :k],
        hist=counts.hist,
        zeros=counts.zeros,
        offset=job.hist_shift,
        atoms=job.atoms,
        atom_count=at_or_above - above,
        atom_above=above,
        min_count=at_min,
        max_count=at_max,
    )


def pieces(total: int, step: int) -> list[tuple[int, int]]:
    """Consecutive ranges of at most ``step`` draws covering ``0 .. total``."""
    return [(a, min(step, total - a)) for a in range(0, total, step)]


# Most draws in one piece (~1-5 s of GPT-4 on 2 cores): a signal or the time limit acts
# between pieces, so a 3e9-draw stream in one piece took ~60 s to stop on Ctrl-C.
MAX_PIECE = 1 << 25


def progress_step(total: int, progress: Progress | None, threads: int = 1) -> int:
    """Draws per piece: the whole run, or ~40 pieces of whole segments when progress
    is reported, each at least two segments per thread when ``threads`` share it;
    never more than ``MAX_PIECE`` (a multiple of ``SEGMENT``).

    Pieces start on segment boundaries, so streaming sums and counts are the
    same bits however a run is cut (every draw's value never depends on it).
    A streaming run's threads share a piece by segments: a piece of one segment
    kept one of two threads idle (a progress-reported GPT-4 stream of 4e6
    draws took 1.9x as long).
    """
    if progress is None:
        return max(min(total, MAX_PIECE), 1)
    least = SEGMENT if threads <= 1 else 2 * threads * SEGMENT
    return min(MAX_PIECE, max(least, -(-total // 40) // SEGMENT * SEGMENT))


class LocalExecutor:
    """Run jobs on this process's numba threads.

    Parameters
    ----------
    threads : int, optional
        Numba threads (default: numba's setting, all cores); never changes
        the result.
    """

    def __init__(self, threads: int | None = None) -> None:
        with numba_threads(threads):  # validates
            pass
        self.threads = threads

    def __repr__(self) -> str:
        return f"LocalExecutor(threads={self.threads!r})"

    def run(self, jobs: Sequence[Job], progress: Progress | None = None) -> list[EngineResult]:
        """Run ``jobs`` one after another; ``progress(done, total)`` over all their draws."""
        grand = sum(j.plan.total for j in jobs)
        done = 0

        def report(n: int) -> None:
            nonlocal done
            done += n
            if progress is not None:
                progress(done, grand)

        results = []
        with numba_threads(self.threads) as n_threads:
            for job in jobs:
                if job.store:
                    results.append(_run_stored(job, progress, report))
                else:
                    results.append(_run_streaming(job, n_threads, progress, report))
        return results


def _run_stored(
    job: Job, progress: Progress | None, report: Callable[[int], None]
) -> EngineResult:
    plan = job.plan
    n_out, n_in = len(plan.model.outputs), len(plan.names) if job.inputs else 0
    if job.sink is not None:
        step = min(progress_step(plan.total, progress), job.sink.piece)
        out = np.empty((n_out, min(step, plan.total)))
        inp = np.empty((n_in, min(step, plan.total) if n_in else 0))
        counts = np.zeros((n_out, 2), dtype=np.int64)
        for a, m in pieces(plan.total, step):
            counts += store_range(plan, a, m, out, inp)
            # Ctrl-C inside HDF5 was swallowed by one of h5py's callbacks and the run
            # went on: it acts between two pieces instead
            with deferred_interrupts():
                job.sink.write(a, out[:, :m], inp[:, :m])
            report(m)
        return EngineResult(nonfinite=_nonfinite_record(plan, counts))
    # A fixed input's draws are all its value: no row for them (GPT-4: 4 of 15
    # inputs, 128 MB of 4e6 draws), a read-only broadcast of the value instead.
    fixed = [bool(n_in) and int(plan.codes[r]) == FIXED for r in range(len(plan.names))]
    rows = np.full(len(plan.names), -1, dtype=np.int64)
    kept = [r for r in range(n_in) if not fixed[r]]
    rows[kept] = np.arange(len(kept))
    _buffers.make_room(8 * (n_out + len(kept)) * plan.total)
    out = _buffers.empty((n_out, plan.total))
    inp = _buffers.empty((len(kept), plan.total if n_in else 0))
    nonfinite = np.zeros((n_out, 2), dtype=np.int64)
    for a, m in pieces(plan.total, progress_step(plan.total, progress)):
        nonfinite += store_range(plan, a, m, out, inp, offset=a, input_rows=rows)
        report(m)
    shape = (plan.chains, plan.draws)
    inputs = {
        n: np.broadcast_to(plan.prm[r, 0], shape) if fixed[r] else inp[rows[r]].reshape(shape)
        for r, n in enumerate(plan.names)
        if n_in
    }
    return EngineResult(
        outputs={n: out[o].reshape(shape) for o, n in enumerate(plan.model.output_names)},
        inputs=inputs,
        nonfinite=_nonfinite_record(plan, nonfinite),
    )


def _nonfinite_record(plan: Plan, counts: np.ndarray) -> dict[str, dict[str, int]]:
    """``{output: {"nan": n, "inf": n}}`` for the outputs with any, from ``(n_out, 2)`` counts."""
    return {
        n: {"nan": int(counts[o, 0]), "inf": int(counts[o, 1])}
        for o, n in enumerate(plan.model.output_names)
        if counts[o].any()
    }


def _run_streaming(
    job: Job, n_threads: int, progress: Progress | None, report: Callable[[int], None]
) -> EngineResult:
    plan = job.plan
    # Integer counts: their sum does not depend on how the run is cut.
    counts = Counts.empty(len(plan.model.outputs), job.counted.shape[1], plan.total)
    tally = Tally(n_threads, len(plan.model.outputs), counts.hist.shape[-1])
    segs = []
    for a, m in pieces(plan.total, progress_step(plan.total, progress, n_threads)):
        segs.append(
            stream_range(
                plan, a, m, job.shift, job.hist_shift, job.counted, n_threads, counts, tally
            )
        )
        report(m)
    tally.flush(counts)
    seg = segs[0] if len(segs) == 1 else np.concatenate(segs)
    return EngineResult(stats=stats_from_parts(job, seg, counts))


def _draw_at(plan: Plan, r: int, u: float) -> float:
    """Input ``r``'s draw at uniform ``u``, as a block of the run computes it."""
    x = np.full(64, 0.5)  # a whole multiple of 64 columns, as fill_inputs pads
    x[0] = u
    transform_row(plan.codes[r], plan.prm[r], plan.tables, x, 64)
    return float(x[0])


def overflowing_inputs(plan: Plan) -> dict[str, float]:
    """Inputs whose prior gives draws that are not finite, with the share of them.

    Every uniform a run feeds the transforms lies in ``[2**-53, 1 - 2**-53]``
    (streams, copula, QMC, LHS) and a prior's draw grows with its uniform, so
    the draws at those two ends decide whether any draw is infinite (or NaN);
    the share is where the draws stop being finite, found by bisection.
    A lognormal with ``p5=1e-300, p95=1e300`` overflows float64 on 4.5 % of its
    draws; ``1 / a`` of those is 0, a finite wrong number.
    """
    out: dict[str, float] = {}
    for r, name in enumerate(plan.names):
        if int(plan.codes[r]) == FIXED:
            continue
        share = 0.0
        for end, inner in ((U_MIN, 0.5), (1.0 - U_MIN, 0.5)):
            if np.isfinite(_draw_at(plan, r, end)):
                continue
            if not np.isfinite(_draw_at(plan, r, inner)):
                share = 1.0
                break
            bad, good = end, inner  # bisect for the first uniform with a finite draw
            for _ in range(64):
                mid = 0.5 * (bad + good)
                if mid in (bad, good):
                    break
                if np.isfinite(_draw_at(plan, r, mid)):
                    good = mid
                else:
                    bad = mid
            share += abs(end - good)
        if share:
            out[name] = min(share, 1.0)
    return out


def evaluate_uniforms(
    model: Model,
    priors: Mapping[str, Prior],
    u: np.ndarray,
    correlations: Correlations | None = None,
    *,
    block_size: int | None = None,
    threads: int | None = None,
) -> dict[str, np.ndarray]:
    """Run given uniforms through the priors' inverse CDFs and the model kernel.

    The same pass as a QMC run (copula, inverse CDF, kernel), fed with ``u``
    instead of a sampler: sensitivity designs and other external samplers use
    it.  The result is a pure function of its arguments, with the run's
    contract: ``block_size`` and ``threads`` do not change it.

    Parameters
    ----------
    model : Model
        Inputs, outputs and kernel.
    priors : mapping
        A prior for every input of ``model``.
    u : array_like
        Uniforms of shape ``(len(model.inputs), n)``, rows in ``model.inputs``
        order, values in ``[0, 1]`` (kept ``2**-53`` inside the ends, as the
        QMC sampler's are).  The row of a fixed prior is ignored.
    correlations : mapping, optional
        Spearman rank correlations ``{(a, b): rho}`` applied to ``u`` through
        the Gaussian copula before the inverse CDFs.
    block_size, threads : int
        Performance knobs; they never change the result.

    Returns
    -------
    dict of str to numpy.ndarray
        Output name -> values, shape ``(n,)``.

    Raises
    ------
    SimulationError
        Bad shape, values outside ``[0, 1]`` or NaN, or a bad prior set.
    """
    arr = np.asarray(u, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] != len(model.inputs) or arr.shape[1] < 1:
        raise SimulationError(
            f"u: expected shape ({len(model.inputs)}, n) with n >= 1 (one row per input of "
            f"model {model.name!r}), got {arr.shape}"
        )
    if not np.all((arr >= 0.0) & (arr <= 1.0)):
        raise SimulationError("u: uniforms must lie in [0, 1] (no NaN)")
    n = int(arr.shape[1])
    sampling = Sampling(
        draws=n,
        chains=1,
        seed=0,
        sampler="qmc",
        **({} if block_size is None else {"block_size": block_size}),
    )
    plan = plan_run(model, priors, sampling, correlations)
    given = np.ascontiguousarray(np.clip(arr, U_MIN, 1.0 - U_MIN))
    out = np.empty((len(model.outputs), n))
    with numba_threads(threads):
        run_stored(
            kernel_of(model),
            *draw_args(plan, 0, n, given),  # a qmc plan: its source is the given uniforms
            out,
            np.empty((len(plan.names), 0)),
            np.arange(len(plan.names), dtype=np.int64),
            0,
            model.scratch_rows,
            numba.get_num_threads(),
            np.zeros((numba.get_num_threads(), len(model.outputs), 2), dtype=np.int64),
        )
    return {name: out[o] for o, name in enumerate(model.output_names)}


def run_engine(
    model: Model,
    priors: Mapping[str, Prior],
    sampling: Sampling | None = None,
    *,
    store: bool = True,
    inputs: bool = False,
    thresholds: Mapping[str, Sequence[float]] | None = None,
    correlations: Correlations | None = None,
    threads: int | None = None,
    progress: Progress | None = None,
) -> EngineResult:
    """Sample ``model`` under ``priors`` on local threads: arrays out, no dataset.

    The engine-level entry point (benchmarks, tests); :func:`frontiercost.simulate`
    is the user's.  ``sampling`` defaults to ``Sampling()``; the other
    arguments are those of :class:`Job` and :class:`LocalExecutor`.
    """
    sampling = sampling if sampling is not None else Sampling()
    plan = plan_run(model, priors, sampling, correlations)
    job = Job.make(plan, priors, store=store, inputs=inputs, thresholds=thresholds)
    return LocalExecutor(threads).run([job], progress)[0]
