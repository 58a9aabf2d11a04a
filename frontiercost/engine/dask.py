"""The dask executor: the local executor's ranges of draws as tasks on a ``distributed.Client``.

A range of draws is a pure function of the plan and its bounds (counter-based
streams), so splitting a job into tasks gives the local executor's bits:

- Stored jobs with a sink (a Zarr store every worker can write): each task
  evaluates one range with ``store_range`` and writes it into the sink.
  Without one, the jobs of a call share one temporary Zarr array
  ``(job, variable, chain, draw)`` (one chunk per task, no compression) in
  dask's ``temporary-directory`` or the system's temporary folder, read back
  into memory and removed.
- Streaming jobs: each task reduces a range starting on a ``SEGMENT`` boundary
  with ``stream_range`` and returns its per-segment moments, a sparse
  histogram and exceedance counts.  Parts are merged on the cluster in a tree
  (``FAN_IN`` at a time) that keeps range order, so the per-segment moments
  reach the final merge in the local executor's order; histogram and
  exceedance counts are integers, exact in any order.

Plans pickle (formula models as data, kernels by import path).  A worker lost
mid-run costs a rerun of its tasks: dask recomputes what was running or held
in its memory, and retries tasks that raise (``retries``).  A task writes
whole chunks, so a rerun leaves no trace.  Before any task runs, the executor
waits (``timeout``) for at least one worker and checks that every worker
imports the client's frontiercost version.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import shutil
import struct
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._files import deferred_interrupts, interrupts_kept_from_new_threads, raise_if_interrupted
from .._validate import non_negative_int, positive_int
from .._version import __version__
from ..errors import SimulationError
from ._drivers import SEGMENT
from .job import EngineResult, Job
from .kernel import kernel_path
from .local import Progress, numba_threads, stats_from_parts, stream_range
from .ranges import store_range
from .streaming import Counts

if TYPE_CHECKING:
    from distributed import Client, Future

__all__ = ["DaskExecutor"]

RETRIES = 3  # reruns of a task that raises (a lost worker's tasks are rerun by dask anyway)
FAN_IN = 8  # partial results merged per reduction task
TASKS_PER_THREAD = 4  # default task size: about this many tasks per worker thread
MIN_STORED_TASK = 1 << 14  # draws; smaller tasks cost more in scheduling and Zarr I/O
MAX_STORED_TASK = 1 << 18  # draws per stored task and Zarr chunk (2 MiB per variable)
MAX_STREAM_TASK = 1 << 24  # draws per streaming task
WORKER_TIMEOUT = 30.0  # seconds to wait for a first worker


# ------------------------------------------------------------------ tasks (run on workers)


def _evaluate(job: Job, start: int, n: int, threads: int) -> tuple[np.ndarray, np.ndarray]:
    p = job.plan
    out = np.empty((len(p.model.outputs), n))
    inp = np.empty((len(p.names), n if job.inputs else 0))
    with numba_threads(threads):
        store_range(p, start, n, out, inp)
    return out, inp


def _sink_task(job: Job, start: int, n: int, threads: int) -> int:
    """Draws ``start .. start + n`` (within one chain) into the job's sink."""
    out, inp = _evaluate(job, start, n, threads)
    assert job.sink is not None
    job.sink.write(start, out, inp)
    return n


def _scratch_task(job: Job, path: str, run: int, chain: int, d0: int, n: int, threads: int) -> int:
    """Draws ``d0 .. d0 + n`` of ``chain`` into run ``run``'s chunk of the scratch array."""
    import zarr

    start = chain * job.plan.draws + d0
    out, inp = _evaluate(job, start, n, threads)
    block = np.concatenate([out, inp]) if inp.shape[1] else out
    arr = zarr.open_array(store=path, mode="r+")
    arr[run, : block.shape[0], chain, d0 : d0 + n] = block
    return n


@dataclass(frozen=True)
class _Part:
    """Partial streaming statistics of consecutive ranges of draws."""

    seg: np.ndarray  # (segments, n_out, N_MOM) in draw order
    hist_index: np.ndarray  # flat indices of non-zero histogram bins
    hist_count: np.ndarray
    zeros: np.ndarray
    exceed: np.ndarray


def _stream_task(job: Job, start: int, n: int, threads: int) -> _Part:
    """Reduce draws ``start .. start + n`` (``start`` a multiple of ``SEGMENT``)."""
    counts = Counts.empty(job.shift.size, job.counted.shape[1], n)
    with numba_threads(threads) as groups:
        seg = stream_range(
            job.plan, start, n, job.shift, job.hist_shift, job.counted, groups, counts
        )
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


def _worker_version() -> str:
    """The frontiercost version a worker imports (run on every worker by the preflight)."""
    from .._version import __version__ as installed

    return installed


# ------------------------------------------------------------------ the executor


def _started(cls: Any, **kwargs: Any) -> Any:
    """``cls(**kwargs)`` (a ``LocalCluster``); one cut short by an interrupt is closed here.

    A cluster whose start-up is interrupted is never returned, so no ``with``
    closes it; distributed's exit hook then fails on it and prints a traceback
    after the command's own one-line message.
    """
    from distributed.deploy.spec import SpecCluster

    before = set(SpecCluster._instances)
    try:
        # a worker spawned half-way, or one sent a terminal's Ctrl-C, prints a traceback
        with deferred_interrupts(), interrupts_kept_from_new_threads():
            cluster = cls(**kwargs)
        return cluster
    except BaseException:
        for cluster in set(SpecCluster._instances) - before:
            with contextlib.suppress(Exception):
                cluster.close(timeout=5)
            SpecCluster._instances.discard(cluster)
        raise


class DaskExecutor:
    """Run jobs as dask tasks: on a given client, a new ``LocalCluster``, or a scheduler.

    Give exactly one of ``client``, ``workers`` and ``scheduler``.

    Parameters
    ----------
    client : distributed.Client, optional
        Used as it is (left open).
    workers : int, optional
        Start a ``LocalCluster`` of this many worker processes, bound to
        127.0.0.1 with no dashboard, and close it after the run.  At most
        ``max_workers`` (default: the machine's cores).
    scheduler : str, optional
        Address of a running scheduler (``"tcp://host:8786"``).
    threads_per_worker : int
        Threads of each worker of the ``LocalCluster`` started for ``workers``.
    threads : int
        Numba threads per task (default 1: the workers give the parallelism).
    task_draws : int, optional
        Draws per task (stored: per chain, also the Zarr chunk; streaming: a
        multiple of ``SEGMENT``).  Default: about ``TASKS_PER_THREAD`` tasks
        per worker thread over all jobs.
    retries : int
        Reruns of a task that raises.
    timeout : float
        Seconds to wait for the scheduler and a first worker.
    max_workers : int, optional
        The most worker processes ``workers`` may start (default: cores).
    """

    def __init__(
        self,
        *,
        client: Any = None,
        workers: int | None = None,
        scheduler: str | None = None,
        threads_per_worker: int = 1,
        threads: int = 1,
        task_draws: int | None = None,
        retries: int = RETRIES,
        timeout: float = WORKER_TIMEOUT,
        max_workers: int | None = None,
    ) -> None:
        named = (("client", client), ("workers", workers), ("scheduler", scheduler))
        given = [n for n, v in named if v is not None]
        if len(given) != 1:
            raise SimulationError(
                "dask: give one of client, workers or scheduler"
                + (f" (got {', '.join(given)})" if given else "")
            )
        cores = os.cpu_count() or 1
        limit = max_workers if max_workers is not None else cores
        if workers is not None:
            workers = positive_int("workers", workers)
            if workers > limit:
                raise SimulationError(
                    f"workers: {workers} worker processes on a machine with {cores} cores;"
                    f" at most {limit} (max_workers), or give a scheduler for a bigger cluster"
                )
        self.threads_per_worker = positive_int("threads_per_worker", threads_per_worker)
        if workers is None and threads_per_worker != 1:
            raise SimulationError(
                "threads_per_worker: applies to the LocalCluster started for workers=N only"
            )
        if self.threads_per_worker > cores:  # 500 was accepted: 500 threads a worker
            raise SimulationError(
                f"threads_per_worker: {self.threads_per_worker} threads in each worker of a"
                f" local cluster on a machine with {cores} cores; at most {cores}"
            )
        self.threads = positive_int("threads", threads)
        if workers is not None and self.threads > cores:
            # numba in a worker on this machine has at most `cores` threads: every task
            # would fail (and be retried) inside its worker
            raise SimulationError(
                f"threads: {self.threads} numba threads per task; a worker of a local"
                f" cluster on this machine has at most {cores}"
            )
        self.task_draws = None if task_draws is None else positive_int("task_draws", task_draws)
        self.retries = non_negative_int("retries", retries)
        if scheduler is not None and (not isinstance(scheduler, str) or not scheduler.strip()):
            raise SimulationError(
                f"scheduler: expected an address such as 'tcp://host:8786', got {scheduler!r}"
            )
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            raise SimulationError(
                f"timeout: must be a positive number of seconds, got {timeout!r}"
            )
        self.client, self.workers, self.scheduler = client, workers, scheduler
        self.timeout = float(timeout)
        try:
            import distributed  # noqa: F401
            import zarr  # noqa: F401
        except ImportError:
            raise SimulationError(
                "dask: the dask executor needs dask.distributed and zarr; install them with"
                " `pip install 'frontiercost[distributed]'`"
            ) from None

    def __repr__(self) -> str:
        where = (
            f"client={self.client!r}"
            if self.client is not None
            else f"workers={self.workers}"
            if self.workers is not None
            else f"scheduler={self.scheduler!r}"
        )
        return f"DaskExecutor({where}, threads_per_worker={self.threads_per_worker})"

    @contextlib.contextmanager
    def connect(self) -> Iterator[Any]:
        """A checked client: given, connected, or on a new local cluster (closed on exit)."""
        if self.client is not None:
            self._preflight(self.client)
            yield self.client
            return
        from distributed import Client, LocalCluster

        if self.scheduler is not None:
            self._reachable(self.scheduler)
            try:
                remote = Client(self.scheduler, set_as_default=False, timeout=self.timeout)
            except (OSError, TimeoutError, ValueError) as err:
                raise SimulationError(
                    f"scheduler: cannot connect to {self.scheduler!r} within"
                    f" {self.timeout:g} s: {err}"
                ) from None
            with remote:
                self._preflight(remote)
                yield remote
            return
        import dask

        with (
            # Dask's nanny gives workers MALLOC_TRIM_THRESHOLD_=65536, which turns glibc's
            # adaptive mmap threshold off: every block's scratch arrays (~100-200 kB) are
            # then mapped and unmapped per block, and the kernels run ~2.2x slower
            # (measured).  Unset here; restarted workers keep this setting.
            dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}),
            _started(
                LocalCluster,
                n_workers=self.workers,
                threads_per_worker=self.threads_per_worker,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                # no dashboard; the scheduler's bare HTTP endpoint (health, metrics)
                # on a free loopback port instead of 8787
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                # a worker whose scheduler closes first (this cluster's end) logs its
                # failed heartbeat as an error with a traceback, after a run that
                # succeeded; a task's own failure reaches the client as an exception
                silence_logs=logging.CRITICAL,
            ) as cluster,
            Client(cluster, set_as_default=False) as c,
        ):
            yield c

    def _reachable(self, address: str) -> None:
        """Refuse a malformed address, or a TCP scheduler nothing answers at, within the timeout.

        Checked with a plain socket before a ``Client`` exists: a client that
        fails to connect leaves a half-built object whose clean-up prints a
        traceback at exit.
        """
        import socket
        from urllib.parse import urlsplit

        parts = urlsplit(address if "://" in address else f"tcp://{address}")
        try:
            host, port = parts.hostname, parts.port
        except ValueError:
            host, port = None, None
        if parts.scheme not in ("tcp", "tls", "ws", "wss", "ucx", "inproc") or not host:
            raise SimulationError(
                f"scheduler: {address!r} is not an address such as 'tcp://host:8786'"
            )
        if parts.scheme != "tcp":
            return  # other protocols: the client's own timeout applies
        if port is None:
            raise SimulationError(f"scheduler: {address!r} has no port, e.g. 'tcp://{host}:8786'")
        try:
            with socket.create_connection((host, port), timeout=self.timeout) as sock:
                problem = _not_a_greeting(sock, self.timeout)
        except OSError as err:
            raise SimulationError(
                f"scheduler: cannot connect to {address!r} within {self.timeout:g} s:"
                f" {err.strerror or err}"
            ) from None
        # A dask scheduler greets first, with a handshake of ~60 bytes.  A service that
        # said nothing hung the client past any limit; one that sent other bytes made it
        # allocate what they read as a frame's size (a MemoryError after 60 s), or fail
        # to decode them (an internal error and a traceback after 60 s).
        if problem is not None:
            raise SimulationError(
                f"scheduler: {address!r} {problem}; is it a dask scheduler's address?"
            )

    def _preflight(self, client: Client) -> None:
        """At least one worker within the timeout, each importing this frontiercost version."""
        try:
            client.wait_for_workers(1, timeout=self.timeout)
        except (TimeoutError, OSError):
            raise SimulationError(
                f"dask: no worker joined the scheduler within {self.timeout:g} s;"
                " start workers (`dask worker ADDRESS`) or use workers=N"
            ) from None
        try:
            versions = client.run(_worker_version)
        except Exception as err:  # a worker without frontiercost fails to unpickle the function
            raise SimulationError(
                f"dask: the workers cannot import frontiercost ({type(err).__name__}: {err});"
                f" install frontiercost {__version__} in the workers' environment"
            ) from None
        wrong = {w: v for w, v in versions.items() if v != __version__}
        if wrong:
            shown = ", ".join(f"{w} has {v}" for w, v in sorted(wrong.items()))
            raise SimulationError(
                f"dask: workers run another frontiercost version ({shown}; this client:"
                f" {__version__}); install the same version on every worker"
            )

    def run(self, jobs: Sequence[Job], progress: Progress | None = None) -> list[EngineResult]:
        """Run every job's tasks at once (a sweep keeps every worker busy)."""
        if not jobs:
            return []
        for job in jobs:  # before connecting: workers import the kernel by path
            kernel_path(job.plan.model)
        with self.connect() as client:
            return _Execution(self, client, jobs, progress).run()


class _Execution:
    """One call's submission, progress and assembly."""

    def __init__(
        self,
        ex: DaskExecutor,
        client: Client,
        jobs: Sequence[Job],
        progress: Progress | None,
    ) -> None:
        self.ex, self.client, self.jobs, self.progress = ex, client, list(jobs), progress
        self.token = f"frontiercost-{uuid.uuid4().hex[:12]}"
        self.leaves: dict[Any, int] = {}  # future key -> draws it covers (progress)
        self.leaf_futures: list[Future] = []

    def _submit(self, func: Callable[..., Any], *args: Any, key: str, draws: int = 0) -> Future:
        fut = self.client.submit(func, *args, key=key, retries=self.ex.retries)
        if draws:
            self.leaves[fut.key] = draws
            self.leaf_futures.append(fut)
        return fut

    def _sizes(self) -> tuple[int, int]:
        """Draws per stored task (per chain) and per streaming task."""
        if self.ex.task_draws is not None:
            return min(self.ex.task_draws, self.jobs[0].plan.draws), self.ex.task_draws
        n_threads = sum(self.client.nthreads().values())
        target = math.ceil(
            sum(j.plan.total for j in self.jobs) / (TASKS_PER_THREAD * max(n_threads, 1))
        )
        draws = (
            max(j.plan.draws for j in self.jobs if j.store)
            if any(j.store for j in self.jobs)
            else 1
        )
        stored = min(draws, max(MIN_STORED_TASK, min(target, MAX_STORED_TASK)))
        streaming = min(MAX_STREAM_TASK, max(SEGMENT, -(-target // SEGMENT) * SEGMENT))
        return stored, streaming

    def run(self) -> list[EngineResult]:
        import zarr

        if self.ex.task_draws is not None and any(not j.store for j in self.jobs):
            if self.ex.task_draws % SEGMENT:
                raise SimulationError(
                    f"task_draws: streaming tasks start on a segment boundary, so task_draws"
                    f" must be a multiple of {SEGMENT}, got {self.ex.task_draws}"
                )
        chunk, step = self._sizes()
        scratch_of = {
            i: k
            for k, i in enumerate(i for i, j in enumerate(self.jobs) if j.store and not j.sink)
        }
        futures: dict[int, list[Future]] = {}
        temporary: list[Path] = []
        try:
            if scratch_of:
                import dask

                folder = dask.config.get("temporary-directory", None)
                temporary.append(Path(tempfile.mkdtemp(prefix="frontiercost-", dir=folder)))
                scratch = temporary[-1] / "draws.zarr"
                self._scratch_array(scratch, [self.jobs[i] for i in scratch_of], chunk)
            for i, job in enumerate(self.jobs):
                key = f"{self.token}-{i}"
                if not job.store:
                    futures[i] = [self._submit_stream(job, step, key)]
                elif job.sink is not None:
                    futures[i] = self._submit_stored(job, chunk, key, _sink_task)
                else:
                    futures[i] = self._submit_stored(
                        job, chunk, key, _scratch_task, str(scratch), scratch_of[i]
                    )
            results = self._gather([futures[i] for i in range(len(self.jobs))])
            for job, got in zip(self.jobs, results, strict=True):
                if job.store and sum(got) != job.plan.total:
                    raise SimulationError(f"dask: {sum(got)} of {job.plan.total} draws written")
            data = zarr.open_array(store=str(scratch), mode="r") if scratch_of else None
            out = []
            for i, job in enumerate(self.jobs):
                if not job.store:
                    out.append(self._stream_result(job, results[i][0]))
                elif job.sink is not None:
                    out.append(EngineResult())
                else:
                    assert data is not None
                    out.append(_scratch_result(job, np.asarray(data[scratch_of[i]])))
            return out
        except BaseException:
            self.client.cancel([f for fs in futures.values() for f in fs])
            raise
        finally:
            for path in temporary:
                shutil.rmtree(path, ignore_errors=True)

    def _scratch_array(self, path: Path, jobs: Sequence[Job], chunk: int) -> None:
        import zarr

        rows = max(
            len(j.plan.model.outputs) + (len(j.plan.names) if j.inputs else 0) for j in jobs
        )
        chains = max(j.plan.chains for j in jobs)
        draws = max(j.plan.draws for j in jobs)
        zarr.create_array(
            store=str(path),
            shape=(len(jobs), rows, chains, draws),
            chunks=(1, rows, 1, chunk),
            dtype="float64",
            fill_value=np.nan,
            compressors=None,  # temporary: read back once
        )
        self._visible(path)

    def _visible(self, path: Path) -> None:
        seen = self.client.run(os.path.isdir, str(path))
        blind = sorted(w for w, ok in seen.items() if not ok)
        if blind:
            raise SimulationError(
                f"dask: worker(s) {', '.join(blind)} cannot see the Zarr store {str(path)!r};"
                " on a cluster of several machines give out= (or dask's temporary-directory"
                " setting) a folder every worker shares"
            )

    def _submit_stored(
        self, job: Job, chunk: int, key: str, task: Callable[..., int], *extra: Any
    ) -> list[Future]:
        p, threads = job.plan, self.ex.threads
        # a sink's writers must each write whole chunks of it (see ZarrSink)
        chunk = int(getattr(job.sink, "chunk", chunk)) if job.sink is not None else chunk
        futs = []
        for c in range(p.chains):
            for d0 in range(0, p.draws, chunk):
                n = min(chunk, p.draws - d0)
                args: tuple[Any, ...]
                if task is _sink_task:
                    args = (job, c * p.draws + d0, n, threads)
                else:
                    args = (job, extra[0], extra[1], c, d0, n, threads)
                futs.append(self._submit(task, *args, key=f"{key}-store-{c}-{d0}", draws=n))
        return futs

    def _submit_stream(self, job: Job, step: int, key: str) -> Future:
        """Range tasks, merged ``FAN_IN`` at a time in range order down to one part."""
        total = job.plan.total
        parts = [
            self._submit(
                _stream_task, job, a, min(step, total - a), self.ex.threads,
                key=f"{key}-stream-{i}", draws=min(step, total - a),
            )
            for i, a in enumerate(range(0, total, step))
        ]  # fmt: skip
        level = 0
        while len(parts) > 1:
            parts = [
                self._submit(_merge_parts, *parts[i : i + FAN_IN], key=f"{key}-merge-{level}-{i}")
                for i in range(0, len(parts), FAN_IN)
            ]
            level += 1
        return parts[0]

    def _gather(self, futures: list[list[Future]]) -> list[list[Any]]:
        if self.progress is not None:
            from distributed import as_completed

            grand = sum(j.plan.total for j in self.jobs)
            done = 0
            for fut in as_completed(self.leaf_futures):
                raise_if_interrupted()
                done += self.leaves[fut.key]
                self.progress(done, grand)
        import time

        # Waiting in slices: a signal whose exception Python swallowed (raised inside a
        # destructor or a garbage-collector callback) still ends the wait.
        pending = [f for fs in futures for f in fs]
        while pending:
            raise_if_interrupted()
            pending = [f for f in pending if not f.done()]
            if pending:
                time.sleep(0.05)
        return self.client.gather(futures)

    def _stream_result(self, job: Job, part: _Part) -> EngineResult:
        n_out = len(job.plan.model.outputs)
        counts = Counts.empty(n_out, job.counted.shape[1])
        counts.hist.reshape(-1)[part.hist_index] = part.hist_count
        counts.zeros[:] = part.zeros
        counts.exceed[:] = part.exceed
        return EngineResult(stats=stats_from_parts(job, part.seg, counts))


def _scratch_result(job: Job, block: np.ndarray) -> EngineResult:
    """A stored job's arrays from its slice ``(variable, chain, draw)`` of the scratch array."""
    p = job.plan
    block = block[:, : p.chains, : p.draws]
    n_out = len(p.model.outputs)
    return EngineResult(
        outputs={n: np.ascontiguousarray(block[o]) for o, n in enumerate(p.model.output_names)},
        inputs={n: np.ascontiguousarray(block[n_out + r]) for r, n in enumerate(p.names)}
        if job.inputs
        else {},
    )


# A dask handshake (a dict of versions and options) is 50-100 bytes in msgpack.
_HANDSHAKE_MAX = 1 << 16


def _not_a_greeting(sock: Any, timeout: float) -> str | None:
    """``None`` when the first message read from ``sock`` within ``timeout`` seconds
    is a dask handshake, else what it was instead.

    A dask TCP message is its size (8 bytes, little-endian), then frames, which
    distributed's own functions decode into a dict holding ``"python"``.
    """
    from distributed.protocol import loads
    from distributed.protocol.utils import unpack_frames

    deadline = time.monotonic() + timeout
    head = _read(sock, 8, deadline, timeout)
    if isinstance(head, str):
        return head
    size = int(struct.unpack("<Q", head)[0])
    if size > _HANDSHAKE_MAX:
        return (
            f"does not speak dask's protocol (its first message says {size:,} bytes,"
            f" a handshake is under {_HANDSHAKE_MAX:,})"
        )
    body = _read(sock, size, deadline, timeout)
    if isinstance(body, str):
        return body
    try:
        frames, missing = unpack_frames(body, partial=True)
        message = None if missing else loads(frames)
    except Exception:  # any bytes at all: what fails to decode is not a handshake
        message = None
    if not isinstance(message, dict) or "python" not in message:
        return "does not speak dask's protocol (its first message is not a handshake)"
    return None


def _read(sock: Any, n: int, deadline: float, timeout: float) -> bytes | str:
    """``n`` bytes from ``sock`` before ``deadline``, or why they did not come."""
    data = b""
    while len(data) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            return (
                f"accepted the connection but sent no greeting within {timeout:g} s"
                " (a dask scheduler sends one at once)"
            )
        sock.settimeout(left)
        try:
            more = sock.recv(n - len(data))
        except TimeoutError:
            continue  # the deadline says so above
        if not more:
            return "closed the connection without a greeting (a dask scheduler sends one)"
        data += more
    return data
