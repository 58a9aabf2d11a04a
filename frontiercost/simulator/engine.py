"""The local engine: validate arguments, assemble kernel arrays, run the drivers.

``run_engine`` is the low-level entry point (arrays in, arrays or streaming
statistics out); ``frontiercost.simulate`` wraps it into a dataset.
"""

from __future__ import annotations

import contextlib
import functools
import math
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numba
import numpy as np

from ..errors import SimulationError
from ..priors import KernelSpec, Prior
from ._drivers import GIVEN, LHS, MC, N_BINS, N_MOM, SEGMENT, run_stored, run_streaming
from ._rng import stream_key
from .copula import Correlations, copula_factor
from .model import Model
from .streaming import Counts, StreamStats, merge_moments

SAMPLERS = ("mc", "qmc", "lhs")
Progress = Callable[[int, int], None]
DEFAULT_BLOCK = 1 << 11
CHUNK = 1 << 20  # draws per call when uniforms come from scipy (QMC)
HIST32_DRAWS = 1 << 30  # most draws per kernel call: per-thread int32 bin counts cannot overflow
_U_MIN = 2.0**-53  # keep given uniforms strictly inside (0, 1)


@dataclass(frozen=True)
class EngineResult:
    """What the engine returns.

    Attributes
    ----------
    outputs : dict
        Output name -> array ``(chains, draws)`` (stored runs only).
    inputs : dict
        Input name -> array ``(chains, draws)`` (stored runs with ``store_inputs``).
    stats : StreamStats or None
        Streaming statistics (streaming runs only).
    """

    outputs: dict[str, np.ndarray] = field(default_factory=dict)
    inputs: dict[str, np.ndarray] = field(default_factory=dict)
    stats: StreamStats | None = None


@functools.lru_cache(maxsize=1024)
def _kernel_spec(prior: Prior) -> KernelSpec:
    """A prior's kernel spec, built once: tables cost milliseconds of scipy calls."""
    spec = prior.kernel_spec()
    if spec.table is not None:
        spec.table.flags.writeable = False
    return spec


@dataclass(frozen=True)
class Plan:
    """Kernel arrays of a validated run (shared by the local and the dask engine)."""

    model: Model
    names: tuple[str, ...]
    keys: np.ndarray
    codes: np.ndarray
    prm: np.ndarray
    tables: np.ndarray
    corr_idx: np.ndarray
    chol: np.ndarray
    sampler: str
    seed: int
    total: int
    block: int


def plan_run(
    model: Model,
    priors: Mapping[str, Prior],
    *,
    draws: int,
    chains: int,
    seed: int,
    sampler: str = "mc",
    correlations: Correlations | None = None,
    block_size: int = DEFAULT_BLOCK,
) -> Plan:
    """Check every argument and build the kernel arrays; nothing is sampled.

    Raises
    ------
    SimulationError
        Naming the bad argument and what is accepted.
    """
    for name, v in (("draws", draws), ("chains", chains)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise SimulationError(f"{name}: must be a positive integer, got {v!r}")
    if (
        isinstance(seed, bool)
        or not isinstance(seed, (int, np.integer))
        or not (0 <= seed < 2**64)
    ):
        raise SimulationError(f"seed: must be an integer in [0, 2**64), got {seed!r}")
    if sampler not in SAMPLERS:
        raise SimulationError(
            f"sampler: unknown sampler {sampler!r}; accepted: {', '.join(SAMPLERS)}"
        )
    if (
        isinstance(block_size, bool)
        or not isinstance(block_size, (int, np.integer))
        or block_size < 8
        or block_size > SEGMENT
        or block_size & (block_size - 1)
    ):
        raise SimulationError(
            f"block_size: must be a power of two from 8 to {SEGMENT}, got {block_size!r}"
        )
    missing = [n for n in model.inputs if n not in priors]
    if missing:
        raise SimulationError(
            f"priors: no prior for input(s) {', '.join(missing)} of model {model.name!r}"
        )
    extra = [n for n in priors if n not in model.inputs]
    if extra:
        raise SimulationError(
            f"priors: {', '.join(extra)} is not an input of model "
            f"{model.name!r}; inputs: {', '.join(model.inputs)}"
        )
    names = tuple(model.inputs)
    specs = [_kernel_spec(priors[n]) for n in names]
    tables: list[np.ndarray] = []
    offset, prm = 0, np.zeros((len(names), 8))
    for r, spec in enumerate(specs):
        prm[r] = spec.params
        if spec.table is not None:
            prm[r, 0] = offset
            tables.append(spec.table)
            offset += spec.table.size
    idx, chol = copula_factor(correlations or {}, names)
    total = int(draws) * int(chains)
    return Plan(
        model=model,
        names=names,
        keys=np.array([stream_key(int(seed), n) for n in names], dtype=np.uint64),
        codes=np.array([int(s.code) for s in specs], dtype=np.int64),
        prm=prm,
        tables=np.concatenate(tables) if tables else np.zeros(1),
        corr_idx=idx,
        chol=chol,
        sampler=sampler,
        seed=int(seed),
        total=total,
        block=int(block_size),
    )


@contextlib.contextmanager
def _threads(threads: int | None) -> Iterator[int]:
    if threads is None:
        yield numba.get_num_threads()
        return
    if (
        isinstance(threads, bool)
        or not isinstance(threads, int)
        or not (1 <= threads <= numba.config.NUMBA_NUM_THREADS)
    ):
        raise SimulationError(
            f"threads: must be an integer from 1 to "
            f"{numba.config.NUMBA_NUM_THREADS}, got {threads!r}"
        )
    before = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        yield threads
    finally:
        numba.set_num_threads(before)


def given_uniforms(plan: Plan, start: int, n: int) -> np.ndarray:
    """Uniforms of draws ``start .. start + n`` for samplers computed outside the kernel."""
    if plan.sampler != "qmc":
        return np.zeros((len(plan.names), 0))
    from scipy.stats import qmc  # on use: scipy.stats costs ~40 MB of a streaming run's budget

    sobol = qmc.Sobol(len(plan.names), scramble=True, seed=plan.seed)
    if start:
        sobol.fast_forward(start)
    with warnings.catch_warnings():
        # Blocks of a run need not be powers of two; the whole run's balance is
        # what matters and it is the same sequence whatever the blocking.
        warnings.filterwarnings("ignore", message=".*balance properties.*")
        u = sobol.random(n)
    return np.ascontiguousarray(np.clip(u.T, _U_MIN, 1.0 - _U_MIN))


def _source(plan: Plan) -> int:
    return {"mc": MC, "lhs": LHS, "qmc": GIVEN}[plan.sampler]


def _chunks(plan: Plan, start: int, n: int) -> Iterator[tuple[int, int]]:
    step = CHUNK if plan.sampler == "qmc" else HIST32_DRAWS
    for a in range(start, start + n, step):
        yield a, min(step, start + n - a)


def store_range(
    plan: Plan,
    start: int,
    n: int,
    out: np.ndarray,
    inputs_out: np.ndarray,
    offset: int = 0,
) -> None:
    """Evaluate draws ``start .. start + n`` into columns ``offset .. offset + n`` of ``out``.

    ``inputs_out`` gets the input draws the same way (unless it has no columns).
    """
    for a, m in _chunks(plan, start, n):
        run_stored(
            plan.model.kernel,
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
            out,
            inputs_out,
            a - start + offset,
            plan.model.scratch_rows,
            numba.get_num_threads(),
        )


def _pieces(total: int, progress: Progress | None) -> list[tuple[int, int]]:
    """Draw ranges to run in turn: one, or ~40 whole segments when progress is reported.

    Ranges start on segment boundaries, so streaming sums and counts are the
    same bits however a run is cut (every draw's value never depends on it).
    """
    if progress is None:
        return [(0, total)]
    step = max(SEGMENT, -(-total // 40) // SEGMENT * SEGMENT)
    return [(a, min(step, total - a)) for a in range(0, total, step)]


def central_shift(plan: Plan, priors: Mapping[str, Prior]) -> np.ndarray:
    """Model outputs at the priors' central values (the streaming sums' shift)."""
    x = np.array([[priors[n].central] for n in plan.names], dtype=float).reshape(-1, 1)
    y = np.empty((len(plan.model.outputs), 1))
    plan.model.kernel(np.ascontiguousarray(x), y, 1, plan.model.consts)
    return np.where(np.isfinite(y[:, 0]), y[:, 0], 0.0)


def stream_range(
    plan: Plan,
    start: int,
    n: int,
    shift: np.ndarray,
    thresholds: np.ndarray,
    groups: int,
    counts: Counts,
) -> np.ndarray:
    """Reduce draws ``start .. start + n`` (``start`` a multiple of ``SEGMENT``).

    Returns per-segment moments and adds the draws' histogram, zero and
    exceedance counts into ``counts``.
    """
    n_out = len(plan.model.outputs)
    seg_all = []
    # Per-thread histograms are the largest arrays of a streaming run: int32
    # halves them, and a call covers at most HIST32_DRAWS draws so they cannot overflow.
    h = np.empty((groups, n_out, 2, N_BINS), np.int32)
    z = np.empty((groups, n_out), np.int64)
    ex = np.empty((groups, n_out, thresholds.shape[1]), np.int64)
    for a, m in _chunks(plan, start, n):
        n_seg = -(-m // SEGMENT)
        seg = np.zeros((n_seg, n_out, N_MOM))
        h[:] = 0
        run_streaming(
            plan.model.kernel,
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
            n_out,
            shift,
            thresholds,
            groups,
            seg,
            h,
            z,
            ex,
            plan.model.scratch_rows,
        )
        seg_all.append(seg)
        for g in range(groups):  # in place: no int64 temporary of the whole histogram
            counts.add(Counts(h[g], z[g], ex[g]))
    return seg_all[0] if len(seg_all) == 1 else np.concatenate(seg_all)


def evaluate_uniforms(
    model: Model,
    priors: Mapping[str, Prior],
    u: np.ndarray,
    correlations: Correlations | None = None,
    *,
    block_size: int = DEFAULT_BLOCK,
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
    plan = plan_run(
        model,
        priors,
        draws=n,
        chains=1,
        seed=0,
        sampler="qmc",
        correlations=correlations,
        block_size=block_size,
    )
    given = np.ascontiguousarray(np.clip(arr, _U_MIN, 1.0 - _U_MIN))
    out = np.empty((len(model.outputs), n))
    with _threads(threads):
        run_stored(
            model.kernel,
            model.consts,
            GIVEN,
            plan.keys,
            plan.codes,
            plan.prm,
            plan.tables,
            plan.corr_idx,
            plan.chol,
            given,
            n,
            0,
            n,
            plan.block,
            out,
            np.empty((len(plan.names), 0)),
            0,
            model.scratch_rows,
            numba.get_num_threads(),
        )
    return {name: out[o] for o, name in enumerate(model.output_names)}


def threshold_array(model: Model, thresholds: Mapping[str, Sequence[float]] | None) -> np.ndarray:
    """``(n_out, k)`` thresholds (NaN-padded: a NaN threshold is never exceeded)."""
    thresholds = dict(thresholds or {})
    unknown = [k for k in thresholds if k not in model.output_names]
    if unknown:
        raise SimulationError(
            f"thresholds: {', '.join(unknown)} is not an output; outputs: "
            f"{', '.join(model.output_names)}"
        )
    k = max((len(v) for v in thresholds.values()), default=0)
    arr = np.full((len(model.outputs), k), np.nan)
    for o, name in enumerate(model.output_names):
        vals = [float(v) for v in thresholds.get(name, ())]
        if any(math.isnan(v) for v in vals):
            raise SimulationError(f"thresholds: {name} has a NaN threshold")
        arr[o, : len(vals)] = vals
    return arr


def run_engine(
    model: Model,
    priors: Mapping[str, Prior],
    *,
    draws: int,
    chains: int = 1,
    seed: int = 0,
    store: bool = True,
    store_inputs: bool = False,
    sampler: str = "mc",
    correlations: Correlations | None = None,
    thresholds: Mapping[str, Sequence[float]] | None = None,
    block_size: int = DEFAULT_BLOCK,
    threads: int | None = None,
    progress: Progress | None = None,
) -> EngineResult:
    """Sample ``model`` under ``priors``: ``chains × draws`` draws on local threads.

    ``progress(done, total)``, if given, is called as draws complete (the run
    is then cut into ~40 pieces; the result is the same bits).

    Parameters
    ----------
    model : Model
        Inputs, outputs and kernel.
    priors : mapping
        A prior for every input of ``model``.
    draws, chains : int
        Draws per chain and number of chains (draw ``d`` of chain ``c`` is
        stream index ``c * draws + d``).
    seed : int
        Seed of the counter-based streams (and of the scrambling for QMC).
    store : bool
        Keep every draw (``outputs``) or only streaming statistics (``stats``,
        bounded memory for any number of draws).
    store_inputs : bool
        Also keep the input draws (stored runs).
    sampler : {"mc", "qmc", "lhs"}
        Counter-based pseudo-random, scrambled Sobol, or Latin hypercube.
    correlations : mapping, optional
        Spearman rank correlations ``{(a, b): rho}`` through a Gaussian copula.
    thresholds : mapping, optional
        Output name -> thresholds for exceedance counts (streaming).
    block_size : int
        Draws per block (a power of two, 8 … 65536); does not change results.
    threads : int, optional
        Numba threads (default: numba's setting); does not change results.
    """
    plan = plan_run(
        model,
        priors,
        draws=draws,
        chains=chains,
        seed=seed,
        sampler=sampler,
        correlations=correlations,
        block_size=block_size,
    )
    thr = threshold_array(model, thresholds)
    with _threads(threads) as n_threads:
        if store:
            out = np.empty((len(model.outputs), plan.total))
            inp = np.empty((len(plan.names), plan.total if store_inputs else 0))
            for a, m in _pieces(plan.total, progress):
                store_range(plan, a, m, out, inp, offset=a)
                if progress is not None:
                    progress(a + m, plan.total)
            shape = (int(chains), int(draws))
            return EngineResult(
                outputs={n: out[o].reshape(shape) for o, n in enumerate(model.output_names)},
                inputs={n: inp[r].reshape(shape) for r, n in enumerate(plan.names)}
                if store_inputs
                else {},
            )
        shift = central_shift(plan, priors)
        # Integer counts: their sum does not depend on how the run is cut.
        counts = Counts.empty(len(model.outputs), thr.shape[1], plan.total)
        segs = []
        for a, m in _pieces(plan.total, progress):
            segs.append(stream_range(plan, a, m, shift, thr, n_threads, counts))
            if progress is not None:
                progress(a + m, plan.total)
        seg = segs[0] if len(segs) == 1 else np.concatenate(segs)
    return EngineResult(stats=stats_from_parts(model, seg, counts, shift, thr))


def stats_from_parts(
    model: Model,
    seg: np.ndarray,
    counts: Counts,
    shift: np.ndarray,
    thr: np.ndarray,
) -> StreamStats:
    """Assemble :class:`StreamStats` from reduced parts (local or distributed)."""
    count, mean, var, mn, mx, nan = merge_moments(seg, shift)
    return StreamStats(
        names=model.output_names,
        count=count,
        mean=mean,
        var=var,
        minimum=mn,
        maximum=mx,
        nan_count=nan,
        thresholds=thr,
        exceed=counts.exceed,
        hist=counts.hist,
        zeros=counts.zeros,
    )
