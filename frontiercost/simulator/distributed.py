"""The dask engine: the local engine's ranges of draws as tasks on a ``distributed.Client``.

A range of draws is a pure function of the plan and its bounds (counter-based
streams, see :mod:`frontiercost.simulator.engine`), so splitting a run into
tasks gives the local engine's bits:

- Stored runs: each task evaluates draws ``d0 .. d1`` of one chain with
  ``store_range`` and writes them into its own chunk of a Zarr store, which is
  then read back into the local engine's tree.  With ``out`` the store is the
  run's DataTree itself (the client writes the skeleton: metadata, coordinates,
  a chunk per task; the workers fill the chunks; it opens with
  ``xr.open_datatree``).  Without it, the runs of a call share one temporary
  array ``(run, variable, chain, draw)`` (one chunk per task, no compression),
  in dask's ``temporary-directory`` or the system's temporary folder, removed
  afterwards: one store for a whole sweep instead of one per point.
- Streaming runs: each task reduces a range starting on a ``SEGMENT`` boundary
  with ``stream_range`` and returns its per-segment moments, a sparse
  histogram and exceedance counts.  Parts are merged on the cluster in a tree
  (``FAN_IN`` at a time) that keeps range order, so the per-segment moments
  reach the client's ``merge_moments`` (the local engine's final step) in the
  local engine's order and layout; histogram and exceedance counts are
  integers, exact in any order.

What is shipped to the workers is a :class:`PortablePlan`: the plan's arrays
plus the import path of the kernel (a numba ``cfunc`` does not pickle).
Scenario models all run the shared formula interpreter
(:func:`frontiercost.simulator._interp.formula_kernel`) on their program
(``Model.consts``), so they always work; a bare :class:`Model` works when its
kernel is a module-level name of an importable module, and is refused
otherwise (a kernel defined in a function, a notebook or ``__main__``).

A worker lost mid-run costs a rerun of its tasks: dask recomputes what was
running or held in its memory from the task graph, and retries tasks that
raise (``retries``).  A task writes whole chunks, so a rerun leaves no trace.
Workers need the same frontiercost and, for stored runs, a store they can all
write (a local or shared file system: checked before any task runs).  Dask
does the scheduling, transfers and retries; there is no scheduler or RPC here.
"""

from __future__ import annotations

import contextlib
import importlib
import math
import os
import shutil
import tempfile
import uuid
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from ..errors import SimulationError
from ..priors import Prior
from ._drivers import SEGMENT
from .copula import Correlations
from .dataset import stored_tree, streaming_tree
from .engine import (
    DEFAULT_BLOCK,
    EngineResult,
    Plan,
    _threads,
    central_shift,
    plan_run,
    stats_from_parts,
    store_range,
    stream_range,
    threshold_array,
)
from .model import Model, Output
from .simulate import RunInputs, run_record
from .streaming import Counts

if TYPE_CHECKING:
    from distributed import Client, Future

__all__ = ["PortablePlan", "connect", "kernel_path", "portable", "simulate_dask", "simulate_many"]

RETRIES = 3  # reruns of a task that raises (a lost worker's tasks are rerun by dask anyway)
FAN_IN = 8  # partial results merged per reduction task
TASKS_PER_THREAD = 4  # default task size: about this many tasks per worker thread
MIN_STORED_TASK = 1 << 14  # draws; smaller tasks cost more in scheduling and Zarr I/O
MAX_STORED_TASK = 1 << 18  # draws per stored task and Zarr chunk (2 MiB per variable)
MAX_STREAM_TASK = 1 << 24  # draws per streaming task
_CONSOLIDATED = "Consolidated metadata is currently not part"


# ------------------------------------------------------------------ shipping a plan


@dataclass(frozen=True)
class PortablePlan:
    """A :class:`~frontiercost.simulator.engine.Plan` that pickles: the kernel by import path.

    Attributes
    ----------
    kernel : tuple of str
        Module and qualified name of the model's kernel.
    name, inputs, outputs, consts
        The model's fields.
    keys, codes, prm, tables, corr_idx, chol, sampler, seed, total, block
        The plan's fields.
    """

    kernel: tuple[str, str]
    name: str
    inputs: tuple[str, ...]
    outputs: tuple[Output, ...]
    consts: np.ndarray
    scratch_rows: int
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

    def plan(self) -> Plan:
        """Rebuild the plan (imports the kernel; no compilation beyond numba's cache)."""
        module, qualname = self.kernel
        kernel = _lookup(module, qualname)
        model = Model(self.name, self.inputs, self.outputs, kernel, self.consts, self.scratch_rows)
        return Plan(
            model=model,
            names=self.inputs,
            keys=self.keys,
            codes=self.codes,
            prm=self.prm,
            tables=self.tables,
            corr_idx=self.corr_idx,
            chol=self.chol,
            sampler=self.sampler,
            seed=self.seed,
            total=self.total,
            block=self.block,
        )


def _lookup(module: str, qualname: str) -> Any:
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def kernel_path(model: Model) -> tuple[str, str]:
    """Module and qualified name under which workers can import ``model``'s kernel.

    Raises
    ------
    SimulationError
        When the kernel is not a module-level name of an importable module.
    """
    func = getattr(model.kernel, "_pyfunc", None)
    module = getattr(func, "__module__", None)
    qualname = getattr(func, "__qualname__", None)
    if module and qualname and module != "__main__" and "<locals>" not in qualname:
        try:
            found = _lookup(module, qualname)
        except (ImportError, AttributeError):
            found = None
        if found is model.kernel:
            return module, qualname
    where = f"{module}.{qualname}" if module and qualname else repr(model.kernel)
    raise SimulationError(
        f"model {model.name!r}: the dask engine rebuilds the model on each worker and"
        f" imports its kernel by module path, but {where} cannot be imported (define the"
        " kernel at module level of an importable module, or write the model as a"
        " scenario, whose formulas always run on dask); run it on the local engine"
    )


def portable(plan: Plan) -> PortablePlan:
    """The picklable form of ``plan`` (see :class:`PortablePlan`).

    Raises
    ------
    SimulationError
        When the model's kernel cannot be imported by workers.
    """
    m = plan.model
    return PortablePlan(
        kernel=kernel_path(m),
        name=m.name,
        inputs=tuple(m.inputs),
        outputs=tuple(m.outputs),
        consts=np.ascontiguousarray(m.consts, dtype=np.float64),
        scratch_rows=m.scratch_rows,
        keys=plan.keys,
        codes=plan.codes,
        prm=plan.prm,
        tables=plan.tables,
        corr_idx=plan.corr_idx,
        chol=plan.chol,
        sampler=plan.sampler,
        seed=plan.seed,
        total=plan.total,
        block=plan.block,
    )


# ------------------------------------------------------------------ the cluster


def _check_cluster(
    client: Client | None, workers: int | None, scheduler: str | None, threads_per_worker: int
) -> None:
    named = (("client", client), ("workers", workers), ("scheduler", scheduler))
    given = [n for n, v in named if v is not None]
    if len(given) != 1:
        raise SimulationError(
            "dask: give one of client, workers or scheduler"
            + (f" (got {', '.join(given)})" if given else "")
        )
    for name, v in (("workers", workers), ("threads_per_worker", threads_per_worker)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
            raise SimulationError(f"{name}: must be a positive integer, got {v!r}")
    if scheduler is not None and (not isinstance(scheduler, str) or not scheduler.strip()):
        raise SimulationError(
            f"scheduler: expected an address such as 'tcp://host:8786', got {scheduler!r}"
        )
    try:
        import distributed  # noqa: F401
        import zarr  # noqa: F401
    except ImportError:
        raise SimulationError(
            "dask: the dask engine needs dask.distributed and zarr; install them with"
            " `pip install 'frontiercost[distributed]'`"
        ) from None


@contextlib.contextmanager
def connect(
    *,
    client: Client | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    threads_per_worker: int = 1,
) -> Iterator[Client]:
    """A ``distributed.Client`` for a run: given, connected, or on a new local cluster.

    Parameters
    ----------
    client : distributed.Client, optional
        Used as it is (left open).
    workers : int, optional
        Start a ``LocalCluster`` of this many worker processes, bound to
        127.0.0.1 with no dashboard, and close it on exit.  Its workers do not
        get dask's ``MALLOC_TRIM_THRESHOLD_=65536``, which slows the kernels
        ~2x; for a cluster of your own, set the dask config
        ``distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_`` to
        ``None`` (``null`` in YAML) before starting its workers.
    scheduler : str, optional
        Address of a running scheduler; the connection is closed on exit.
    threads_per_worker : int
        Threads per worker of the ``LocalCluster``.

    Raises
    ------
    SimulationError
        Not exactly one of ``client``, ``workers``, ``scheduler``, a bad value,
        or dask.distributed not installed.
    """
    _check_cluster(client, workers, scheduler, threads_per_worker)
    if client is not None:
        yield client
        return
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            remote = Client(scheduler, set_as_default=False)
        except (OSError, TimeoutError) as err:
            raise SimulationError(f"scheduler: cannot connect to {scheduler!r}: {err}") from None
        with remote:
            yield remote
        return
    import dask

    with (
        # Dask's nanny gives workers MALLOC_TRIM_THRESHOLD_=65536, which turns glibc's
        # adaptive mmap threshold off: every block's scratch arrays (~100-200 kB) are
        # then mapped and unmapped per block, and the kernels run ~2.2x slower
        # (measured).  Unset here; restarted workers keep this setting.
        dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}),
        LocalCluster(
            n_workers=workers,
            threads_per_worker=threads_per_worker,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            # no dashboard; the scheduler's bare HTTP endpoint (health, metrics)
            # on a free loopback port instead of 8787
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        ) as cluster,
        Client(cluster, set_as_default=False) as c,
    ):
        yield c


# ------------------------------------------------------------------ tasks (run on workers)

_OUTPUT, _INPUT = 0, 1  # where a stored variable's rows come from


def _evaluate(
    plan: PortablePlan, start: int, n: int, inputs: bool, threads: int
) -> tuple[np.ndarray, np.ndarray]:
    p = plan.plan()
    out = np.empty((len(p.model.outputs), n))
    inp = np.empty((len(p.names), n if inputs else 0))
    with _threads(threads):
        store_range(p, start, n, out, inp)
    return out, inp


def _tree_task(
    plan: PortablePlan,
    path: str,
    rows: tuple[tuple[str, int, int], ...],
    chain: int,
    d0: int,
    start: int,
    n: int,
    threads: int,
) -> int:
    """Draws ``d0 .. d0 + n`` of ``chain`` into the variables of a DataTree store."""
    import zarr

    out, inp = _evaluate(plan, start, n, any(k == _INPUT for _, k, _ in rows), threads)
    for name, kind, row in rows:
        arr = zarr.open_array(store=path, path=f"posterior/{name}", mode="r+")
        arr[chain, d0 : d0 + n] = (inp if kind == _INPUT else out)[row]
    return n


def _scratch_task(
    plan: PortablePlan,
    path: str,
    run: int,
    rows: tuple[tuple[int, int, int], ...],
    n_vars: int,
    chain: int,
    d0: int,
    start: int,
    n: int,
    threads: int,
) -> int:
    """Draws ``d0 .. d0 + n`` of ``chain`` into run ``run``'s chunk of the scratch array."""
    import zarr

    out, inp = _evaluate(plan, start, n, any(k == _INPUT for _, k, _ in rows), threads)
    block = np.full((n_vars, n), np.nan)
    for var, kind, row in rows:
        block[var] = (inp if kind == _INPUT else out)[row]
    zarr.open_array(store=path, mode="r+")[run, :, chain, d0 : d0 + n] = block
    return n


@dataclass(frozen=True)
class _Part:
    """Partial streaming statistics of consecutive ranges of draws."""

    seg: np.ndarray  # (segments, n_out, N_MOM) in draw order
    hist_index: np.ndarray  # flat indices of non-zero histogram bins
    hist_count: np.ndarray
    zeros: np.ndarray
    exceed: np.ndarray


def _stream_task(
    plan: PortablePlan,
    start: int,
    n: int,
    shift: np.ndarray,
    thresholds: np.ndarray,
    threads: int,
) -> _Part:
    """Reduce draws ``start .. start + n`` (``start`` a multiple of ``SEGMENT``)."""
    counts = Counts.empty(shift.size, thresholds.shape[1], n)
    with _threads(threads) as groups:
        seg = stream_range(plan.plan(), start, n, shift, thresholds, groups, counts)
    flat = counts.hist.reshape(-1)
    index = np.flatnonzero(flat)
    return _Part(seg, index, flat[index], counts.zeros, counts.exceed)


def _merge_parts(*parts: _Part) -> _Part:
    """Consecutive parts as one: segments in order, integer counts summed."""
    index = np.concatenate([p.hist_index for p in parts])
    count = np.concatenate([p.hist_count for p in parts])
    bins, where = np.unique(index, return_inverse=True)
    summed = np.zeros(bins.size, np.int64)
    np.add.at(summed, where, count)
    zeros, exceed = parts[0].zeros.copy(), parts[0].exceed.copy()
    for p in parts[1:]:
        zeros += p.zeros
        exceed += p.exceed
    return _Part(np.concatenate([p.seg for p in parts]), bins, summed, zeros, exceed)


# ------------------------------------------------------------------ runs (on the client)


@dataclass(frozen=True)
class _Job:
    """One validated run: what to submit and how to assemble its tree."""

    model: Model
    plan: PortablePlan
    used: dict[str, Prior]
    run: dict[str, Any]
    scenario_text: str | None
    store: bool
    store_inputs: bool
    chains: int
    draws: int
    shift: np.ndarray
    thresholds: np.ndarray
    out: Path | None

    def layout(self) -> tuple[tuple[str, int, int], ...]:
        """Variables whose draws are stored, as (name, kind, row).

        An input that is also an output is stored once, as the output: the
        local tree keeps the output's draws under that name.
        """
        outs = self.model.output_names
        rows = [(n, _OUTPUT, o) for o, n in enumerate(outs)]
        if self.store_inputs:
            rows += [(n, _INPUT, r) for r, n in enumerate(self.model.inputs) if n not in outs]
        return tuple(rows)

    def tree(self, data: Mapping[str, Any]) -> xr.DataTree:
        """The stored run's tree from its variables' ``(chain, draw)`` arrays.

        ``stored_tree`` gets what the local engine gives it: every output, and
        every input when inputs are stored.
        """
        result = EngineResult(
            outputs={n: data[n] for n in self.model.output_names},
            inputs={n: data[n] for n in self.model.inputs} if self.store_inputs else {},
        )
        return stored_tree(self.model, self.used, result, self.run, self.scenario_text)


def _prepare(
    inputs: RunInputs,
    *,
    draws: int,
    chains: int,
    seed: int,
    sampler: str,
    store: bool,
    store_inputs: bool,
    thresholds: Mapping[str, Sequence[float]] | None,
    block_size: int,
    out: str | Path | None,
) -> _Job:
    model, priors, correlations, text = inputs
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
    path = None
    if out is not None:
        if not store:
            raise SimulationError("out: a streaming run (store=False) has no draws to write")
        path = _check_out(out)
    return _Job(
        model=model,
        plan=portable(plan),
        used={n: priors[n] for n in model.inputs},
        run=run_record(seed, sampler, draws, chains, correlations),
        scenario_text=text,
        store=bool(store),
        store_inputs=bool(store_inputs),
        chains=int(chains),
        draws=int(draws),
        shift=np.zeros(0) if store else central_shift(plan, priors),
        thresholds=thr,
        out=path,
    )


def _check_out(out: str | Path) -> Path:
    path = Path(out)
    if not path.parent.is_dir():
        raise SimulationError(f"out: folder {str(path.parent)!r} does not exist")
    if path.exists() and not (
        path.is_dir() and ((path / "zarr.json").exists() or (path / ".zgroup").exists())
    ):
        raise SimulationError(f"out: {str(path)!r} exists and is not a Zarr store")
    return path


def _check_run(threads: int | None, task_draws: int | None, retries: int, store: bool) -> int:
    if threads is None:
        threads = 1
    for name, v in (("threads", threads), ("task_draws", task_draws)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
            raise SimulationError(f"{name}: must be a positive integer, got {v!r}")
    if task_draws is not None and not store and task_draws % SEGMENT:
        raise SimulationError(
            f"task_draws: streaming tasks start on a segment boundary, so task_draws"
            f" must be a multiple of {SEGMENT}, got {task_draws}"
        )
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise SimulationError(f"retries: must be a non-negative integer, got {retries!r}")
    return threads


def _visible(client: Client, path: Path) -> None:
    seen = client.run(os.path.isdir, str(path))
    blind = sorted(w for w, ok in seen.items() if not ok)
    if blind:
        raise SimulationError(
            f"dask: worker(s) {', '.join(blind)} cannot see the Zarr store {str(path)!r};"
            " on a cluster of several machines give out= (or dask's temporary-directory"
            " setting) a folder every worker shares"
        )


def _tree_store(client: Client, job: _Job, path: Path, chunk: int) -> None:
    """Write ``job``'s tree as a Zarr skeleton: metadata and coordinates, no draws yet."""
    import dask.array as da

    shape = (job.chains, job.draws)
    lazy = {n: da.zeros(shape, chunks=(1, chunk)) for n, _, _ in job.layout()}
    with warnings.catch_warnings():
        # Zarr v3 has no consolidated metadata in its spec yet; xarray reads it.
        warnings.filterwarnings("ignore", message=_CONSOLIDATED)
        job.tree(lazy).to_zarr(path, mode="w", compute=False)
    _visible(client, path)


def _submit_tree(
    client: Client, job: _Job, path: Path, chunk: int, threads: int, retries: int, key: str
) -> list[Future]:
    _tree_store(client, job, path, chunk)
    rows = job.layout()
    return [
        client.submit(
            _tree_task,
            job.plan,
            str(path),
            rows,
            c,
            d0,
            c * job.draws + d0,
            min(chunk, job.draws - d0),
            threads,
            key=f"{key}-store-{c}-{d0}",
            retries=retries,
        )
        for c in range(job.chains)
        for d0 in range(0, job.draws, chunk)
    ]


def _submit_scratch(
    client: Client,
    jobs: Sequence[_Job],
    path: Path,
    chunk: int,
    threads: int,
    retries: int,
    key: str,
) -> tuple[list[list[Future]], list[str]]:
    """Stored runs without ``out``: one array ``(run, variable, chain, draw)``, a chunk a task."""
    import zarr

    names = list(dict.fromkeys(n for j in jobs for n, _, _ in j.layout()))
    index = {n: v for v, n in enumerate(names)}
    chains, draws = jobs[0].chains, jobs[0].draws
    zarr.create_array(
        store=str(path),
        shape=(len(jobs), len(names), chains, draws),
        chunks=(1, len(names), 1, chunk),
        dtype="float64",
        fill_value=np.nan,
        compressors=None,  # temporary: read back once
    )
    _visible(client, path)
    futures = []
    for run, job in enumerate(jobs):
        rows = tuple((index[n], kind, row) for n, kind, row in job.layout())
        futures.append(
            [
                client.submit(
                    _scratch_task,
                    job.plan,
                    str(path),
                    run,
                    rows,
                    len(names),
                    c,
                    d0,
                    c * draws + d0,
                    min(chunk, draws - d0),
                    threads,
                    key=f"{key}-{run}-store-{c}-{d0}",
                    retries=retries,
                )
                for c in range(chains)
                for d0 in range(0, draws, chunk)
            ]
        )
    return futures, names


def _submit_stream(
    client: Client, job: _Job, step: int, threads: int, retries: int, key: str
) -> Future:
    """Range tasks, merged ``FAN_IN`` at a time in range order down to one part."""
    total = job.plan.total
    parts = [
        client.submit(
            _stream_task,
            job.plan,
            a,
            min(step, total - a),
            job.shift,
            job.thresholds,
            threads,
            key=f"{key}-stream-{i}",
            retries=retries,
        )
        for i, a in enumerate(range(0, total, step))
    ]
    level = 0
    while len(parts) > 1:
        parts = [
            client.submit(
                _merge_parts,
                *parts[i : i + FAN_IN],
                key=f"{key}-merge-{level}-{i}",
                retries=retries,
            )
            for i in range(0, len(parts), FAN_IN)
        ]
        level += 1
    return parts[0]


def _stream_tree(job: _Job, part: _Part) -> xr.DataTree:
    """The streaming tree from the merged part, through the local engine's final merge."""
    n_out = len(job.model.outputs)
    counts = Counts.empty(n_out, job.thresholds.shape[1])
    counts.hist.reshape(-1)[part.hist_index] = part.hist_count
    counts.zeros[:] = part.zeros
    counts.exceed[:] = part.exceed
    stats = stats_from_parts(job.model, part.seg, counts, job.shift, job.thresholds)
    return streaming_tree(
        job.model, job.used, EngineResult(stats=stats), job.run, job.scenario_text
    )


def _task_draws(jobs: Sequence[_Job], n_threads: int, task_draws: int | None) -> tuple[int, int]:
    """Draws per stored task (per chain) and per streaming task."""
    if task_draws is not None:
        return min(task_draws, jobs[0].draws), task_draws
    target = math.ceil(sum(j.plan.total for j in jobs) / (TASKS_PER_THREAD * max(n_threads, 1)))
    stored = min(jobs[0].draws, max(MIN_STORED_TASK, min(target, MAX_STORED_TASK)))
    streaming = min(MAX_STREAM_TASK, max(SEGMENT, -(-target // SEGMENT) * SEGMENT))
    return stored, streaming


def _place(tmp: Path, out: Path) -> None:
    """Move a finished store into place, replacing an older one."""
    if out.exists():
        old = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.old")
        os.replace(out, old)
        os.replace(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, out)


def _execute(
    client: Client, jobs: Sequence[_Job], threads: int, task_draws: int | None, retries: int
) -> list[xr.DataTree]:
    import dask
    import zarr

    chunk, step = _task_draws(jobs, sum(client.nthreads().values()), task_draws)
    token = f"frontiercost-{uuid.uuid4().hex[:12]}"
    scratch_runs = {  # stored run i without out -> its index in the scratch array
        i: k for k, i in enumerate(i for i, j in enumerate(jobs) if j.store and j.out is None)
    }
    futures: dict[int, list[Future]] = {}
    stores: dict[int, Path] = {}
    temporary: list[Path] = []
    try:
        names: list[str] = []
        if scratch_runs:
            folder = dask.config.get("temporary-directory", None)
            temporary.append(Path(tempfile.mkdtemp(prefix="frontiercost-", dir=folder)))
            scratch = temporary[-1] / "draws.zarr"
            batch, names = _submit_scratch(
                client, [jobs[i] for i in scratch_runs], scratch, chunk, threads, retries, token
            )
            futures.update(zip(scratch_runs, batch, strict=True))
        for i, job in enumerate(jobs):
            key = f"{token}-{i}"
            if job.out is not None:
                stores[i] = job.out.with_name(f".{job.out.name}.{token}.tmp")
                temporary.append(stores[i])
                futures[i] = _submit_tree(client, job, stores[i], chunk, threads, retries, key)
            elif not job.store:
                futures[i] = [_submit_stream(client, job, step, threads, retries, key)]
        results = client.gather([futures[i] for i in range(len(jobs))])
        for job, got in zip(jobs, results, strict=True):
            if job.store and sum(got) != job.plan.total:
                raise SimulationError(f"dask: {sum(got)} of {job.plan.total} draws written")
        data = None
        if scratch_runs:
            data = np.asarray(zarr.open_array(store=str(scratch), mode="r")[...])
        trees = []
        for i, job in enumerate(jobs):
            if not job.store:
                trees.append(_stream_tree(job, results[i][0]))
            elif data is not None and i in scratch_runs:
                k = scratch_runs[i]
                trees.append(job.tree({n: data[k, v] for v, n in enumerate(names)}))
            elif job.out is not None:
                _place(stores[i], job.out)
                with xr.open_datatree(job.out, engine="zarr") as tree:
                    trees.append(tree.load())
        return trees
    except BaseException:
        client.cancel([f for fs in futures.values() for f in fs])
        raise
    finally:
        for path in temporary:
            shutil.rmtree(path, ignore_errors=True)


def simulate_many(
    runs: Sequence[RunInputs],
    *,
    draws: int,
    chains: int,
    seed: int = 0,
    sampler: str = "mc",
    store: bool = True,
    store_inputs: bool = True,
    thresholds: Mapping[str, Sequence[float]] | None = None,
    block_size: int = DEFAULT_BLOCK,
    threads: int | None = None,
    client: Client | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    threads_per_worker: int = 1,
    task_draws: int | None = None,
    retries: int = RETRIES,
    outs: Sequence[str | Path | None] | None = None,
) -> list[xr.DataTree]:
    """Run several models on one dask cluster at once; a tree per run, as ``simulate``'s.

    Every run is validated before the cluster is used; then the tasks of all
    runs are submitted together (a sweep keeps every worker busy) and each
    tree is assembled as the local engine's, with the same bits.

    Parameters
    ----------
    runs : sequence of RunInputs
        Model, priors, correlations and scenario text of each run
        (:func:`frontiercost.simulator.simulate.resolve` makes them).
    draws, chains, seed, sampler, store, store_inputs, thresholds, block_size
        As for :func:`frontiercost.simulate`, the same for every run.
    threads : int, optional
        Numba threads per task (default 1: the workers give the parallelism).
    client, workers, scheduler, threads_per_worker
        Where to run (exactly one of the first three); see :func:`connect`.
    task_draws : int, optional
        Draws per task (stored: per chain, also the Zarr chunk; streaming: a
        multiple of ``SEGMENT``).  Default: about ``TASKS_PER_THREAD`` tasks
        per worker thread over all runs, within ``MIN_STORED_TASK`` ..
        ``MAX_STORED_TASK`` (stored) or ``SEGMENT`` .. ``MAX_STREAM_TASK``.
    retries : int
        Reruns of a task that raises.
    outs : sequence of str or path, optional
        Per stored run, a Zarr store to keep the draws in, replaced atomically
        when the run succeeds (``None``: a temporary store, removed).  Either
        way the tree is read back into memory, as the local engine returns it;
        ``xr.open_datatree(out, engine="zarr", chunks={})`` opens a kept store
        lazily.

    Returns
    -------
    list of xarray.DataTree
        In the order of ``runs``.

    Raises
    ------
    SimulationError
        Bad arguments (before any work), or an unreachable store.
    """
    threads = _check_run(threads, task_draws, retries, store)
    _check_cluster(client, workers, scheduler, threads_per_worker)
    targets = list(outs) if outs is not None else [None] * len(runs)
    if len(targets) != len(runs):
        raise SimulationError(f"outs: {len(targets)} paths for {len(runs)} runs")
    jobs = [
        _prepare(
            r,
            draws=draws,
            chains=chains,
            seed=seed,
            sampler=sampler,
            store=store,
            store_inputs=store_inputs,
            thresholds=thresholds,
            block_size=block_size,
            out=o,
        )
        for r, o in zip(runs, targets, strict=True)
    ]
    if not jobs:
        return []
    with connect(
        client=client, workers=workers, scheduler=scheduler, threads_per_worker=threads_per_worker
    ) as c:
        return _execute(c, jobs, threads, task_draws, retries)


def simulate_dask(
    model: Model,
    priors: Mapping[str, Prior],
    *,
    draws: int = 10_000,
    chains: int = 4,
    seed: int = 0,
    sampler: str = "mc",
    correlations: Correlations | None = None,
    store: bool = True,
    store_inputs: bool = True,
    thresholds: Mapping[str, Sequence[float]] | None = None,
    block_size: int = DEFAULT_BLOCK,
    threads: int | None = None,
    scenario_text: str | None = None,
    client: Client | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    threads_per_worker: int = 1,
    task_draws: int | None = None,
    retries: int = RETRIES,
    out: str | Path | None = None,
) -> xr.DataTree:
    """``simulate`` on a dask cluster: the local engine's tree, bit for bit.

    Parameters are those of :func:`frontiercost.simulate` (which calls this
    when given ``client``, ``workers`` or ``scheduler``) and of
    :func:`simulate_many`; ``out`` is the Zarr store of a stored run (see
    ``outs`` there).

    Raises
    ------
    SimulationError
        Bad arguments (before any work), a kernel workers cannot import, or
        an unreachable store.
    """
    runs = [RunInputs(model, dict(priors), correlations, scenario_text)]
    return simulate_many(
        runs,
        draws=draws,
        chains=chains,
        seed=seed,
        sampler=sampler,
        store=store,
        store_inputs=store_inputs,
        thresholds=thresholds,
        block_size=block_size,
        threads=threads,
        client=client,
        workers=workers,
        scheduler=scheduler,
        threads_per_worker=threads_per_worker,
        task_draws=task_draws,
        retries=retries,
        outs=[out],
    )[0]
