"""Throughput benchmark: frontiercost against numpy and squigglepy on the reference model.

One call of :func:`run_benchmark` times every method at every size, in the same
run, so the ratios between them are not skewed by a machine that changed its
mind between runs.  Timing rules:

- a small warm-up call (JIT compile or cache load, thread pools, allocator) is
  made first and excluded;
- the best of 3 repeats is kept for ``n <= 1e7``, a single run above that;
- with ``include_memory`` each (method, size) runs in a fresh child process,
  which reports its RSS after imports, after warm-up, and its peak during the
  timed runs (the kernel's high-water mark is reset after warm-up, so a JIT
  compile transient is not counted as the run's memory).

Every row also carries the sample mean and its z-score against the model's
exact mean (:func:`frontiercost.bench.baselines.analytic_moments`), so a method
that is fast because it computes the wrong thing is flagged in the table.

:func:`jit_cost` measures compile time with an empty numba cache and start-up
time with a warm one.  ``python -m frontiercost.bench.harness --help`` lists the
command-line options; :func:`main` is what ``frontiercost bench`` calls.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from frontiercost._files import atomic_open
from frontiercost.bench import baselines as bl
from frontiercost.bench.machine import cpu_stall_us, loadavg, peak_rss_mb, reset_peak_rss, rss_mb
from frontiercost.bench.methods import (
    BASELINE_METHODS,
    DEFAULT_SIZES,
    FRONTIERCOST_METHODS,
    HUGE_N,
    METHODS,
    SCHEMA,
)
from frontiercost.settings import Limits, duration, format_size

__all__ = [
    "BASELINE_METHODS",
    "FRONTIERCOST_METHODS",
    "METHODS",
    "BenchmarkError",
    "FrontiercostUnavailableError",
    "format_table",
    "jit_cost",
    "main",
    "run_benchmark",
]

STREAMING = frozenset({"numpy-best-stream", "frontiercost-stream"})
# Memory a method holds per draw at its peak, rounded up from benchmarks/results/
# throughput.json (peak above the warmed baseline at 1e8 draws: numpy 53.4 B,
# squigglepy 30.5 B, the stored others 7.7 B); streaming methods hold O(1).
BYTES_PER_DRAW = {
    "numpy": 60,
    "numpy-best": 12,
    "numpy-best-stream": 0,
    "squigglepy": 40,
    "frontiercost": 12,
    "frontiercost-stream": 0,
    "frontiercost-formula": 12,
}
# Optimistic draws per second per thread (measured: numpy 4-8 M/s on one
# thread, numpy-best 18-20 M/s and frontiercost 50-115 M/s on two, squigglepy
# 3.4-4.3 M/s): only a benchmark that cannot finish within the limit even at
# these speeds is refused.
EST_RATE_PER_THREAD = {
    "numpy": 3e7,
    "numpy-best": 3e7,
    "numpy-best-stream": 3e7,
    "squigglepy": 1.5e7,
    "frontiercost": 1.5e8,
    "frontiercost-stream": 1.5e8,
    "frontiercost-formula": 1.5e8,
}
SINGLE_THREADED = frozenset({"numpy", "squigglepy"})
# A measuring child process's start-up (Python, numpy, the method's imports):
# measured 0.6-1.5 s; a limit of 1 s stopped every child of a 1k-draw benchmark.
EST_CHILD_SECONDS = 0.5
WARMUP_N = 10_000
# Draws of the tiny run that marks "first sampled block" in the start-up probe.
PROBE_N = 1_000
CHILD_TIMEOUT_S = 3600.0
# |z| above this flags a row's mean as inconsistent with the exact mean: for a
# correct sampler a false flag has probability ~2e-9 per row (normal approximation).
MEAN_Z_LIMIT = 6.0
# Machine-wide CPU stall fraction above which a row's timing is called contended.
# A 2-thread method on 2 idle cores measured up to ~0.1 by itself (its coordinating
# thread); another process's load showed as 0.3-0.7.
BUSY_STALL = 0.25
_TAG = "FRONTIERCOST_BENCH_RESULT "
_MB = 2.0**20


class BenchmarkError(RuntimeError):
    """The benchmark could not run as asked."""


class FrontiercostUnavailableError(BenchmarkError):
    """The frontiercost engine or the reference model cannot be imported."""


# ----------------------------------------------------------------------- methods


def _require_frontiercost() -> tuple[Callable[..., Any], Callable[..., Any]]:
    try:
        reference = importlib.import_module("frontiercost.bench.reference")
        engine = importlib.import_module("frontiercost.engine")
        return reference.reference_model, engine.run_engine
    except (ImportError, AttributeError) as exc:
        raise FrontiercostUnavailableError(
            "cannot benchmark frontiercost: importing frontiercost.bench.reference."
            f"reference_model / frontiercost.engine.run_engine failed ({exc}). "
            "Benchmark the baselines alone with --methods " + ",".join(BASELINE_METHODS)
        ) from exc


def _squigglepy_version() -> str | None:
    if importlib.util.find_spec("squigglepy") is None:
        return None
    import squigglepy

    return str(getattr(squigglepy, "__version__", "unknown"))


def _runner(method: str, threads: int) -> Callable[[int, int], Any]:
    """A function ``(n, seed) -> result`` for one method; setup happens here, untimed."""
    if method in FRONTIERCOST_METHODS:
        reference_model, run_engine = _require_frontiercost()
        model, priors = reference_model()
        if method == "frontiercost-formula":
            from .reference import reference_formula_model

            model = reference_formula_model()
        # The streaming run counts exceedances of the same threshold as numpy-best-stream,
        # so the two do the same work.
        extra = {"thresholds": {"cost": [bl.DEFAULT_THRESHOLD]}} if method in STREAMING else {}
        store = method not in STREAMING

        def run_fc(n: int, seed: int) -> Any:
            from frontiercost.settings import Sampling

            return run_engine(
                model,
                priors,
                Sampling(draws=n, chains=1, seed=seed),
                store=store,
                threads=threads,
                **extra,
            )

        return run_fc
    params = bl.reference_params()
    if method == "numpy":
        return lambda n, seed: bl.numpy_plain(n, seed, params)
    if method == "numpy-best":
        return lambda n, seed: bl.numpy_best(n, seed, params, threads)
    if method == "numpy-best-stream":
        return lambda n, seed: bl.numpy_best(n, seed, params, threads, store=False)
    if method == "squigglepy":
        if _squigglepy_version() is None:
            raise BenchmarkError("squigglepy is not installed")
        return lambda n, seed: bl.squigglepy_run(n, seed, params)
    raise BenchmarkError(f"unknown method {method!r}; accepted: {', '.join(METHODS)}")


def _field(obj: Any, name: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def _mean_of(result: Any) -> float | None:
    """Sample mean of a method's result, or None when its shape is not recognised.

    Tolerant by design: the engine's result and stats types live elsewhere, and a
    benchmark should not fail because a summary field moved.
    """
    if isinstance(result, np.ndarray):
        return float(result.mean()) if result.size else None
    if isinstance(result, bl.StreamSummary):
        return result.mean
    outputs = _field(result, "outputs")
    if outputs is not None and _field(outputs, "cost") is not None:
        arr = np.asarray(_field(outputs, "cost"))
        return float(arr.mean()) if arr.size else None
    stats = _field(result, "stats")
    if stats is None:
        return None
    mean = _field(stats, "mean")
    names = _field(stats, "names")
    if mean is not None and names is not None and "cost" in names:
        # Per-output arrays indexed by position in ``names`` (frontiercost StreamStats).
        return float(np.asarray(mean).reshape(len(names), -1)[list(names).index("cost"), 0])
    if isinstance(mean, (int, float, np.floating)) or (
        isinstance(mean, np.ndarray) and mean.size == 1
    ):
        return float(mean)
    return None


# ---------------------------------------------------------------------- measuring


def _default_repeats(n: int) -> int:
    return 3 if n <= 10**7 else 1


def check_limits(
    limits: Limits,
    methods: Sequence[str],
    sizes: Sequence[int],
    threads: int,
    repeats: int | None = None,
    huge: bool = False,
    child: bool = True,
) -> None:
    """Refuse a benchmark that cannot fit ``limits``, before anything is timed.

    The memory is the largest single measurement's (:data:`BYTES_PER_DRAW`;
    each runs alone, in its own process); the time is the sum of every
    measurement's warm-up and repeats at the optimistic
    :data:`EST_RATE_PER_THREAD`, and with ``child`` (memory measured in a child
    process each) :data:`EST_CHILD_SECONDS` for each start, so only requests
    that cannot finish in time even at those speeds are refused.

    Raises
    ------
    BenchmarkError
        Naming the measurement, its estimate, the limit and the fixes.
    """
    cores = os.cpu_count() or 1
    seconds = 0.0
    largest = (0, "", 0)
    planned = [(m, n) for n in sizes for m in methods]
    if huge:
        planned.append(("frontiercost-stream", HUGE_N))
    for method, n in planned:
        need = n * BYTES_PER_DRAW[method]
        if need > largest[0]:
            largest = (need, method, n)
        used = 1 if method in SINGLE_THREADED else min(threads, cores)
        r = 1 if n == HUGE_N and huge else (_default_repeats(n) if repeats is None else repeats)
        seconds += (min(n, WARMUP_N) + r * n) / (EST_RATE_PER_THREAD[method] * used)
        seconds += EST_CHILD_SECONDS if child else 0.0
    need, method, n = largest
    if need > limits.memory_bytes:
        raise BenchmarkError(
            f"{method} at {n:,} draws would hold at least {format_size(need)}, more than the"
            f" memory budget of {format_size(limits.memory_bytes)}; use smaller --sizes,"
            " leave it out of --methods, or raise the budget (--memory, FRONTIERCOST_MEMORY)"
        )
    if seconds > limits.seconds:
        raise BenchmarkError(
            f"{len(planned)} measurement{'s' * (len(planned) != 1)} would take at least"
            f" {duration(seconds)}, more than"
            f" the limit of {duration(limits.seconds)}; use smaller --sizes, fewer --methods"
            " or --repeats, or raise the limit (--max-time, FRONTIERCOST_MAX_SECONDS)"
        )


def _measure_one(
    method: str, n: int, threads: int, repeats: int, seed: int = 0, memory: bool = False
) -> dict[str, Any]:
    """Time one (method, n) in this process; with ``memory``, also its RSS figures."""
    run = _runner(method, threads)
    # After the method's imports and setup, before anything is sampled.
    rss_import = rss_mb() if memory else None
    warm = run(min(n, WARMUP_N), seed)
    del warm
    record: dict[str, Any] = {"method": method, "n": n, "threads": threads, "seed": seed}
    if memory:
        rss_warm = rss_mb()
        reset = reset_peak_rss()
    times: list[float] = []
    cpu: list[float] = []
    mean = None
    stall0, loop0 = cpu_stall_us(), time.perf_counter()
    for i in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        res = run(n, seed)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        if i == repeats - 1:
            mean = _mean_of(res)
        # Dropped before the next repeat, so two results never coexist in the peak.
        del res
    stall1, loop_s = cpu_stall_us(), time.perf_counter() - loop0
    best = min(times)
    i_best = times.index(best)
    record.update(
        status="ok",
        repeats=repeats,
        seconds=times,
        best_seconds=best,
        # CPU seconds per wall second of the best repeat: ~threads when the method
        # scales and the machine is otherwise idle; lower means contention or serial code.
        cpu_per_wall=cpu[i_best] / best if best > 0 else None,
        # Share of the timed wall time in which some runnable task waited for a CPU,
        # machine-wide: with threads <= cores, anything well above 0 is another load.
        cpu_stall_fraction=(
            (stall1 - stall0) / 1e6 / loop_s
            if stall0 is not None and stall1 is not None and loop_s > 0
            else None
        ),
        samples_per_s=n / best if best > 0 else None,
        mean=mean,
        output_mb=0.0 if method in STREAMING else n * 8 / _MB,
    )
    if memory:
        peak = peak_rss_mb()
        record.update(
            rss_after_import_mb=rss_import,
            rss_after_warmup_mb=rss_warm,
            peak_rss_mb=peak,
            peak_above_baseline_mb=(
                peak - rss_warm if peak is not None and rss_warm is not None else None
            ),
            peak_covers=("timed runs only" if reset else "whole process incl. imports/JIT"),
        )
    return record


def _child_env(**extra: str) -> dict[str, str]:
    env = os.environ.copy()
    # The source tree this module was loaded from, so children import the same code.
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    env.update(extra)
    return env


def _parse_child(proc: subprocess.CompletedProcess[str]) -> dict[str, Any] | None:
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(_TAG):
            return json.loads(line[len(_TAG) :])
    return None


def _error_record(method: str, n: int, proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    tail = proc.stderr.strip().splitlines()[-5:]
    return {
        "method": method,
        "n": n,
        "status": "error",
        "reason": f"child exited with {proc.returncode}: " + " | ".join(tail),
    }


def _measure_in_child(
    method: str, n: int, threads: int, repeats: int, seed: int, timeout: float
) -> dict[str, Any]:
    cmd = [
        sys.executable,
        "-m",
        "frontiercost.bench.harness",
        "--one",
        method,
        str(n),
        "--threads",
        str(threads),
        "--repeats",
        str(repeats),
        "--seed",
        str(seed),
    ]
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, env=_child_env(), timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        why = f"stopped at the time limit of {duration(timeout)} (--max-time)"
        return {"method": method, "n": n, "status": "error", "reason": why}
    record = _parse_child(proc) if proc.returncode == 0 else None
    return record if record is not None else _error_record(method, n, proc)


_PROBE = """\
import json, sys, time
t_start = time.time()
from frontiercost.bench.reference import reference_model
from frontiercost.engine import run_engine
from frontiercost.settings import Sampling
t_import = time.time()
model, priors = reference_model()
run_engine(model, priors, Sampling(draws={n}, chains=1), store=True, threads=int(sys.argv[1]))
t_block = time.time()
print({tag!r} + json.dumps({{"t_start": t_start, "t_import": t_import, "t_block": t_block}}))
"""


def _probe(env: dict[str, str], threads: int, timeout: float) -> dict[str, Any]:
    code = _PROBE.format(n=PROBE_N, tag=_TAG)
    t_launch = time.time()
    proc = subprocess.run(
        [sys.executable, "-c", code, str(threads)],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )
    t_exit = time.time()
    data = _parse_child(proc) if proc.returncode == 0 else None
    if data is None:
        raise BenchmarkError(_error_record("jit-probe", PROBE_N, proc)["reason"])
    return {
        "launch_to_first_block_s": data["t_block"] - t_launch,
        "interpreter_start_s": data["t_start"] - t_launch,
        "import_s": data["t_import"] - data["t_start"],
        "first_block_s": data["t_block"] - data["t_import"],
        "process_wall_s": t_exit - t_launch,
    }


def jit_cost(threads: int = 2, timeout: float = CHILD_TIMEOUT_S) -> dict[str, Any]:
    """Compile cost with an empty numba cache, and start-up cost with a warm one.

    Two child processes share a fresh ``NUMBA_CACHE_DIR``.  The first compiles
    everything it touches; the second loads it from the cache.  Each reports the
    time from its launch to the end of its first sampled block (import, model
    setup and a :data:`PROBE_N`-draw run), split into import and first block.

    Parameters
    ----------
    threads : int, default 2
        Threads passed to the engine.
    timeout : float
        Seconds allowed per child.

    Returns
    -------
    dict
        ``{"cold": {...}, "warm": {...}, "cache_files": int}``.

    Raises
    ------
    FrontiercostUnavailableError
        If the engine cannot be imported.
    """
    _require_frontiercost()
    with tempfile.TemporaryDirectory(prefix="frontiercost-jit-") as cache:
        env = _child_env(NUMBA_CACHE_DIR=cache)
        cold = _probe(env, threads, timeout)
        files = sum(len(f) for _, _, f in os.walk(cache))
        warm = _probe(env, threads, timeout)
    return {"cold": cold, "warm": warm, "cache_files": files, "probe_draws": PROBE_N}


# --------------------------------------------------------------------- the run


def _add_ratios_and_checks(runs: list[dict[str, Any]], mean: float, sd: float) -> None:
    rate = {(r["method"], r["n"]): r["samples_per_s"] for r in runs if r.get("status") == "ok"}
    for r in runs:
        if r.get("status") != "ok":
            continue
        n, own = r["n"], r["samples_per_s"]
        # Like for like: streaming rows are compared with streaming best-effort numpy.
        best_ref = "numpy-best-stream" if r["method"] in STREAMING else "numpy-best"
        refs = (("numpy", "numpy"), ("numpy_best", best_ref), ("squigglepy", "squigglepy"))
        for key, ref in refs:
            base = rate.get((ref, n))
            r[f"vs_{key}"] = own / base if base and own else None
        r["vs_numpy_best_ref"] = best_ref
        if r.get("mean") is not None and math.isfinite(sd) and sd > 0:
            z = (r["mean"] - mean) / (sd / math.sqrt(n))
            r["mean_z"] = z
            r["mean_ok"] = abs(z) <= MEAN_Z_LIMIT
        else:
            r["mean_z"] = r["mean_ok"] = None


def _write_json_atomic(path: str | os.PathLike[str], obj: Any) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(obj, indent=2, allow_nan=False) + "\n"
    with atomic_open(path, "w") as f:
        f.write(text)


def _finite(obj: Any) -> Any:
    """Replace non-finite floats by None: strict JSON has no NaN or infinity."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def _meta(threads: int, sizes: Sequence[int], include_memory: bool) -> dict[str, Any]:
    import numba
    import scipy

    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "scipy": scipy.__version__,
        "squigglepy": _squigglepy_version(),
        "threads": threads,
        "sizes": list(sizes),
        "loadavg_at_start": loadavg(),
        "dtype": "float64",
        "timing": "warm-up excluded; best of 3 repeats for n <= 1e7, 1 run above",
        "memory": (
            "each (method, n) in a fresh child process; peak = kernel high-water mark "
            "reset after warm-up; baseline = RSS after warm-up"
            if include_memory
            else "not measured (in-process timing)"
        ),
        "notes": {
            "numpy": "single-threaded by construction",
            "squigglepy": "single process (cores=1)",
            "numpy-best": f"{threads} threads, chunks of 2**17, one PCG64 stream per chunk",
        },
    }


def _limits_of(args: argparse.Namespace) -> Limits:
    """``--memory`` and ``--max-time`` of ``frontiercost bench``; the environment's otherwise."""
    bounds = (("memory_bytes", "memory"), ("seconds", "max_time"))
    return Limits(**{k: getattr(args, a) for k, a in bounds if getattr(args, a, None) is not None})


def check_args(args: argparse.Namespace) -> None:
    """:func:`check_limits` of the options :func:`benchmark_from_args` takes."""
    check_limits(
        _limits_of(args), args.methods, args.sizes, args.threads, args.repeats, args.huge,
        child=not args.no_memory,
    )  # fmt: skip


def benchmark_from_args(
    args: argparse.Namespace,
    out: str | os.PathLike[str] | None,
    progress: Callable[[str], None],
) -> dict[str, Any]:
    """:func:`run_benchmark` with the options both command lines parse (same flag names)."""
    return run_benchmark(
        limits=_limits_of(args),
        sizes=args.sizes,
        threads=args.threads,
        out=out,
        include_memory=not args.no_memory,
        methods=args.methods,
        huge=args.huge,
        include_jit=not args.no_jit,
        repeats=args.repeats,
        seed=args.seed,
        progress=progress,
    )


def run_benchmark(
    sizes: Sequence[int] = DEFAULT_SIZES,
    threads: int = 2,
    out: str | os.PathLike[str] | None = None,
    include_memory: bool = True,
    *,
    methods: Sequence[str] | None = None,
    huge: bool = False,
    include_jit: bool = True,
    repeats: int | None = None,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
    limits: Limits | None = None,
) -> dict[str, Any]:
    """Time every method at every size in one run; optionally measure memory and JIT cost.

    Parameters
    ----------
    sizes : sequence of int
        Numbers of draws.
    threads : int, default 2
        Threads for the methods that use them (frontiercost, numpy-best).
    out : path, optional
        Where to write the result as JSON (atomically: temporary file, then rename).
    include_memory : bool, default True
        Run each (method, size) in a child process and report its RSS; otherwise
        time in this process.
    methods : sequence of str, optional
        Subset of :data:`METHODS` (default all).  squigglepy is reported as
        unavailable, not dropped, when it is not installed.
    huge : bool, default False
        Also stream :data:`HUGE_N` draws through ``frontiercost-stream`` in a child
        process (10-20 s at the design's ~100 M/s on 2 cores; 70 s measured with
        the first engine at ~14 M/s on a busy machine).
    include_jit : bool, default True
        Also run :func:`jit_cost` (~30 s cold), when a frontiercost method is selected.
    repeats : int, optional
        Override the repeat policy (3 for ``n <= 1e7``, else 1).
    seed : int, default 0
        Seed for every method.
    progress : callable, optional
        Called with a one-line message before each measurement.
    limits : Limits, optional
        Memory and time bounds checked before anything is timed (default
        ``Limits()``: the environment's, else half the available memory and 6
        hours); see :func:`check_limits`.

    Returns
    -------
    dict
        ``{"schema", "meta", "model", "runs", "jit", "huge"}``; each run has
        ``samples_per_s``, ``vs_numpy``, ``vs_numpy_best``, ``vs_squigglepy``,
        ``mean``, ``mean_z`` and, with memory, ``peak_rss_mb`` and
        ``peak_above_baseline_mb``.

    Raises
    ------
    FrontiercostUnavailableError
        A frontiercost method is selected but the engine cannot be imported
        (checked before anything is timed).
    BenchmarkError
        Unknown method, invalid sizes/threads/repeats, or a request over ``limits``.
    """
    methods = tuple(METHODS if methods is None else methods)
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise BenchmarkError(f"unknown method(s) {unknown}; accepted: {', '.join(METHODS)}")
    sizes = tuple(int(n) for n in sizes)
    if not sizes or min(sizes) < 1 or threads < 1 or (repeats is not None and repeats < 1):
        raise BenchmarkError(
            f"need sizes >= 1, threads >= 1, repeats >= 1; got {sizes}, {threads}, {repeats}"
        )
    wants_fc = any(m in FRONTIERCOST_METHODS for m in methods) or huge
    limits = limits or Limits()
    check_limits(limits, methods, sizes, threads, repeats, huge, child=include_memory)
    # a measurement past the limit (slower than the optimistic estimate) is ended
    timeout = min(CHILD_TIMEOUT_S, limits.seconds)
    if wants_fc:
        _require_frontiercost()
    say = progress or (lambda _msg: None)
    meta = _meta(threads, sizes, include_memory)
    has_squigglepy = _squigglepy_version() is not None

    runs: list[dict[str, Any]] = []
    for n in sizes:
        r = _default_repeats(n) if repeats is None else repeats
        for method in methods:
            if method == "squigglepy" and not has_squigglepy:
                runs.append(
                    {"method": method, "n": n, "status": "unavailable", "reason": "not installed"}
                )
                continue
            say(f"{method} n={n:.0e} repeats={r}")
            if include_memory:
                runs.append(_measure_in_child(method, n, threads, r, seed, timeout))
            else:
                runs.append(_measure_one(method, n, threads, r, seed))

    params = bl.reference_params()
    mean, sd = bl.analytic_moments(params)
    jit = None
    if include_jit and wants_fc:
        say("jit cost (cold compile, then warm cache)")
        jit = jit_cost(threads)
    huge_run = None
    if huge:
        say(f"frontiercost-stream n={HUGE_N:.0e} (huge)")
        huge_run = _measure_in_child("frontiercost-stream", HUGE_N, threads, 1, seed, timeout)
    _add_ratios_and_checks(runs + ([huge_run] if huge_run else []), mean, sd)

    result = _finite(
        {
            "schema": SCHEMA,
            "meta": meta,
            "model": {
                "formula": "cost = training_compute / (peak_flops * utilization * 3600)"
                " * price_per_chip_hour * overhead / final_run_share",
                "intervals_90": {k: list(v) for k, v in bl.REFERENCE_INTERVALS.items()},
                "params": asdict(params),
                "analytic_mean": mean,
                "analytic_sd": sd,
            },
            "runs": runs,
            "jit": jit,
            "huge": huge_run,
        }
    )
    result["meta"]["loadavg_at_end"] = loadavg()
    if out is not None:
        _write_json_atomic(out, result)
    return result


# ------------------------------------------------------------------------ table


def _fmt_n(n: int) -> str:
    """Compact draw count: ``1e6``, ``2.5e7``; exact below 1000."""
    return str(n) if n < 1000 else f"{n:.3g}".replace("e+0", "e").replace("e+", "e")


def _fmt(x: float | None, spec: str, width: int) -> str:
    return f"{'-':>{width}}" if x is None else f"{x:{width}{spec}}"


def format_table(result: dict[str, Any]) -> str:
    """A fixed-width table of a :func:`run_benchmark` result.

    Parameters
    ----------
    result : dict
        As returned by :func:`run_benchmark` (or loaded from its JSON).

    Returns
    -------
    str
        One row per (method, n): samples/s, speed-ups over each baseline, peak
        RSS and its part above the post-warm-up baseline; then JIT, 1e9-draw and
        correctness notes.
    """
    meta = result.get("meta", {})
    head = (
        f"{'method':<20} {'n':>5} {'samples/s':>11} {'×numpy':>8} {'×best-numpy':>12}"
        f" {'×squigglepy':>12} {'peak MB':>9} {'+MB':>8} {'cpu/wall':>8}"
    )
    sizes = sorted({int(r["n"]) for r in result.get("runs", []) if "n" in r})
    lines = [
        f"reference model, float64, {meta.get('threads', '?')} threads, "
        f"{meta.get('cpu_count', '?')} CPUs, numpy {meta.get('numpy', '?')}, "
        f"numba {meta.get('numba', '?')}, squigglepy {meta.get('squigglepy') or 'n/a'}",
        *(
            [
                "draws per measurement, in all (one chain; n below): "
                + ", ".join(f"{n:,}" for n in sizes)
            ]
            if sizes
            else []
        ),
        head,
        "-" * len(head),
    ]
    rows = list(result.get("runs", []))
    if result.get("huge"):
        rows.append(result["huge"])
    flagged = []
    for r in rows:
        name = r["method"] + (" *" if r.get("mean_ok") is False else "")
        prefix = f"{name:<20} {_fmt_n(r['n']):>5} "
        if r.get("status") != "ok":
            lines.append(prefix + f"{r.get('status', '?')}: {r.get('reason', '')}")
            continue
        if r.get("mean_ok") is False:
            flagged.append(r)
        rate = r.get("samples_per_s")
        lines.append(
            prefix
            + (f"{rate / 1e6:9.2f} M" if rate else f"{'-':>11}")
            + " "
            + _fmt(r.get("vs_numpy"), ".2f", 8)
            + " "
            + _fmt(r.get("vs_numpy_best"), ".2f", 12)
            + " "
            + _fmt(r.get("vs_squigglepy"), ".2f", 12)
            + " "
            + _fmt(r.get("peak_rss_mb"), ".1f", 9)
            + " "
            + _fmt(r.get("peak_above_baseline_mb"), ".1f", 8)
            + " "
            + _fmt(r.get("cpu_per_wall"), ".2f", 8)
        )
    lines.append("")
    lines.append(
        "×best-numpy: stored rows vs numpy-best, streaming rows vs numpy-best-stream. "
        "+MB: peak RSS above the RSS after imports and warm-up.\n"
        "cpu/wall: CPU seconds per wall second of the best repeat (about the thread "
        "count when a method scales on an idle machine)."
    )
    jit = result.get("jit")
    if jit:
        lines.append(
            f"JIT: cold start to first block {jit['cold']['launch_to_first_block_s']:.2f} s "
            f"(import {jit['cold']['import_s']:.2f} s, first block "
            f"{jit['cold']['first_block_s']:.2f} s); warm cache "
            f"{jit['warm']['launch_to_first_block_s']:.2f} s "
            f"(import {jit['warm']['import_s']:.2f} s, first block "
            f"{jit['warm']['first_block_s']:.2f} s); {jit['cache_files']} cache files"
        )
    busy = [r for r in rows if (r.get("cpu_stall_fraction") or 0) > BUSY_STALL]
    if busy:
        worst = max(r["cpu_stall_fraction"] for r in busy)
        lines.append(
            f"WARNING: the machine was busy during {len(busy)} row(s) (CPU stall up to "
            f"{worst:.0%} of wall time): their rates understate the method; rerun when idle."
        )
    model = result.get("model", {})
    if flagged:
        for r in flagged:
            lines.append(
                f"* {r['method']} n={_fmt_n(r['n'])}: mean {r['mean']:.6g} is {r['mean_z']:+.1f}"
                f" standard errors from the exact mean {model.get('analytic_mean', 0):.6g}"
            )
    else:
        checked = sum(1 for r in rows if r.get("mean_ok"))
        lines.append(
            f"Means: {checked} row(s) checked, all within {MEAN_Z_LIMIT:g} standard errors "
            f"of the exact mean {model.get('analytic_mean', math.nan):.6g} USD."
            if checked
            else "Means: no row finished, none checked."
        )
    return "\n".join(lines)


# -------------------------------------------------------------------------- CLI


def _parse_sizes(text: str) -> tuple[int, ...]:
    """``--sizes``: comma-separated whole numbers of draws such as ``1e6,1e7``."""
    sizes = []
    for part in text.split(","):
        try:
            value = float(part)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or not value.is_integer() or value < 1:
            raise argparse.ArgumentTypeError(
                f"size {part!r} is not a positive whole number; expected e.g. 1e6,1e7"
            )
        sizes.append(int(value))
    return tuple(sizes)


def _parse_methods(text: str) -> tuple[str, ...]:
    """``--methods``: comma-separated names from :data:`METHODS`."""
    methods = tuple(m.strip() for m in text.split(",") if m.strip())
    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods:
        raise argparse.ArgumentTypeError(
            f"unknown method(s) {unknown}; accepted: {', '.join(METHODS)}"
        )
    return methods


def _parser(default_out: str | None) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="frontiercost bench",
        description="Throughput of frontiercost against numpy and squigglepy "
        "on the reference cost model.",
    )
    ap.add_argument("--sizes", type=_parse_sizes, default=DEFAULT_SIZES, help="e.g. 1e6,1e7,1e8")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=default_out, help="JSON output path")
    ap.add_argument("--methods", type=_parse_methods, default=METHODS, help=",".join(METHODS))
    ap.add_argument("--huge", action="store_true", help=f"also stream {HUGE_N:.0e} draws")
    ap.add_argument("--no-memory", action="store_true", help="time in-process, no RSS")
    ap.add_argument("--no-jit", action="store_true", help="skip the compile/start-up probe")
    ap.add_argument("--repeats", type=int, default=None, help="override the repeat policy")
    ap.add_argument("--seed", type=int, default=0)
    # Internal: the child-process mode used for memory measurements.
    ap.add_argument("--one", nargs=2, metavar=("METHOD", "N"), help=argparse.SUPPRESS)
    return ap


def main(argv: Sequence[str] | None = None, *, default_out: str | None = None) -> int:
    """Command-line entry point (``frontiercost bench`` and ``benchmarks/throughput.py``).

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default ``sys.argv[1:]``).
    default_out : str, optional
        JSON path used when ``--out`` is not given (None: no file).

    Returns
    -------
    int
        0 on success, 2 on bad arguments or when the benchmark cannot run.
    """
    try:
        args = _parser(default_out).parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    try:
        if args.one:
            method, n = args.one[0], int(float(args.one[1]))
            reps = args.repeats or _default_repeats(n)
            record = _measure_one(method, n, args.threads, reps, args.seed, memory=True)
            print(_TAG + json.dumps(_finite(record), allow_nan=False), flush=True)
            return 0
        result = benchmark_from_args(
            args, args.out, lambda msg: print(f"[bench] {msg}", file=sys.stderr, flush=True)
        )
    except BenchmarkError as exc:
        print(f"frontiercost bench: {exc}", file=sys.stderr)
        return 2
    print(format_table(result))
    if args.out:
        print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
