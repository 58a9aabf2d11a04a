"""Throughput of the real path: built-in scenarios against numpy and squigglepy, end to end.

Usage (from the repository root)::

    python benchmarks/real.py                    # ~15 minutes on 2 busy cores
    python benchmarks/real.py --draws 4e5 --repeats 1 --no-e2e   # a smoke test

prints a summary and writes ``benchmarks/results/real.json`` (``--out``), from
which ``scripts/readme_figures.py`` writes the README's benchmark tables.
Everything comes from one run, so ratios compare like with like on a shared
machine:

- **Scenarios** ``gpt-4``, ``openai-2024-lab-year`` and
  ``frontier-run-2025-2030`` through the API a user calls,
  ``fc.simulate(name, draws=n / 4, chains=4)`` (stored, every variable kept:
  a DataTree) and ``store=False`` (streaming), against the same model and
  priors written in plain numpy and in squigglepy
  (``benchmarks/baselines/``; ``tests/test_baselines.py`` checks that they
  agree with frontiercost), stored (every input and output kept) and
  streaming (chunks of 2**20 draws folded into running moments and a
  log-histogram, ``baselines/running.py``).  All at the same total draws.
- **Reference model** (docs/architecture.md §6): the hand-fused kernel, the
  same model as a formula (interpreter), plain numpy and squigglepy
  (``frontiercost.bench``), at the same draws.
- **Breakdown** of the GPT-4 stored run: the kernel alone into arrays already
  touched, the first touch of fresh result arrays, the API call in fresh
  memory and reusing the previous call's, and the rest (scenario, DataTree
  assembly).
- **End to end**, each in a fresh process: ``frontiercost run gpt-4 --draws 1e6``
  (4 chains: 4e6 draws; start to table printed) against
  ``python benchmarks/baselines/gpt4_numpy.py 4e6`` (the same draws and their
  quantiles); wall time, CPU time and peak RSS (the child's own ``VmHWM``).
  Also ``import frontiercost`` and the first use of its API.

Timing rules: every callable is warmed up (JIT cache load, imports) with a
small run first; then ``--repeats`` rounds, the methods interleaved within a
round, the best wall time kept (CPU time of that repeat beside it).  Peak RSS
of in-process rows is the process's high-water mark, reset before the call,
minus the RSS before it.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BASELINES = HERE / "baselines"
DEFAULT_OUT = HERE / "results" / "real.json"
sys.path.insert(0, str(ROOT))  # run from a source checkout without installing
sys.path.insert(0, str(BASELINES))


def _source_hash() -> str:
    """A hash of the package's sources (as tests/conftest.py computes it)."""
    import hashlib

    h = hashlib.sha256()
    for path in sorted((ROOT / "frontiercost").rglob("*.py")):
        h.update(path.relative_to(ROOT / "frontiercost").as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


# Numba's disk cache does not notice an edit to a callee in another file, so a
# cache left from older sources can time stale kernels (it did: 18.5 instead
# of 16.1 ns per draw after an edit to _transform.py).  A cache per version of
# the sources, shared with the tests, unless NUMBA_CACHE_DIR is set; the
# end-to-end children inherit it.
os.environ.setdefault("NUMBA_CACHE_DIR", str(ROOT / ".numba_cache" / _source_hash()))

import numpy as np  # noqa: E402

SCHEMA = "frontiercost.bench.real/1"
CHAINS = 4
WARMUP = 20_000
MB = 2.0**20

# scenario -> (baseline module prefix, headline output)
SCENARIOS = {
    "gpt-4": ("gpt4", "amortized_cost"),
    "openai-2024-lab-year": ("openai_2024", "final_run_share"),
    "frontier-run-2025-2030": ("frontier_run", "projected_cost_2027"),
}
METHODS = (
    "frontiercost",
    "frontiercost-stream",
    "numpy",
    "numpy-stream",
    "squigglepy",
    "squigglepy-stream",
)
REFERENCE_METHODS = ("frontiercost", "frontiercost-formula", "numpy", "squigglepy")


# ------------------------------------------------------------------ machine


def _cpu_model() -> dict[str, Any]:
    info: dict[str, Any] = {"model": platform.processor() or platform.machine()}
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return info
    m = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    if m:
        info["model"] = m.group(1).strip()
    flags = re.search(r"^flags\s*:\s*(.+)$", text, re.MULTILINE)
    have = set(flags.group(1).split()) if flags else set()
    info["simd"] = "AVX-512" if "avx512f" in have else "AVX2" if "avx2" in have else "SSE"
    return info


def _meta(draws: int, repeats: int) -> dict[str, Any]:
    import numba
    import scipy

    import frontiercost
    from frontiercost.engine._jit import WIDE_VECTORS
    from frontiercost.engine._simd import AVX512

    try:
        import squigglepy

        sq_version = str(squigglepy.__version__)
    except ImportError:
        sq_version = None
    cpu = _cpu_model()
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu": cpu["model"],
        "simd": cpu.get("simd"),
        "cpu_count": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "scipy": scipy.__version__,
        "squigglepy": sq_version,
        "frontiercost": frontiercost.__version__,
        "threads": numba.get_num_threads(),
        "wide_vectors": WIDE_VECTORS,
        "avx512_loops": AVX512,
        "draws": draws,
        "chains": CHAINS,
        "repeats": repeats,
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
        "timing": (
            f"warm-up excluded; best of {repeats} rounds, methods interleaved in each round; "
            "each call starts once the process is idle (_settle); "
            "cpu = CPU seconds of the best round"
        ),
    }


def _peak_mb() -> float:
    with open("/proc/self/status") as f:
        m = re.search(r"^VmHWM:\s+(\d+)\s+kB", f.read(), re.MULTILINE)
    return int(m.group(1)) / 1024 if m else math.nan


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MB


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


# ------------------------------------------------------------------ methods


def _import(name: str) -> Any:
    import importlib

    return importlib.import_module(name)


def scenario_methods(scenario: str) -> dict[str, Callable[[int], Any]]:
    """``method -> f(n)`` for one scenario; ``f`` samples ``n`` draws in all."""
    from running import stream

    import frontiercost as fc

    prefix, _ = SCENARIOS[scenario]
    np_mod = _import(f"{prefix}_numpy")
    out: dict[str, Callable[[int], Any]] = {
        "frontiercost": lambda n: fc.simulate(scenario, draws=n // CHAINS, chains=CHAINS),
        "frontiercost-stream": lambda n: fc.simulate(
            scenario, draws=n // CHAINS, chains=CHAINS, store=False
        ),
        "numpy": lambda n: np_mod.simulate(n, np.random.default_rng(0)),
        "numpy-stream": lambda n: stream(np_mod.simulate, n, np_mod.OUTPUTS, 0),
    }
    try:
        sq_mod = _import(f"{prefix}_squigglepy")
    except ImportError:
        return out

    def sq_chunk(m: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        return sq_mod.simulate(m)  # squigglepy keeps one global generator

    def sq_stored(n: int) -> Any:
        return sq_mod.simulate(n, seed=0)

    def sq_stream(n: int) -> Any:
        _import("squigglepy").set_seed(0)
        return stream(sq_chunk, n, sq_mod.OUTPUTS, 0)

    out["squigglepy"] = sq_stored
    out["squigglepy-stream"] = sq_stream
    return out


def reference_methods() -> dict[str, Callable[[int], Any]]:
    """The reference model's methods, as ``frontiercost bench`` runs them (2 threads)."""
    from frontiercost.bench.harness import _runner, _squigglepy_version

    names = [m for m in REFERENCE_METHODS if m != "squigglepy" or _squigglepy_version()]
    runners = {m: _runner(m, 2) for m in names}
    return {m: (lambda n, r=r: r(n, 0)) for m, r in runners.items()}


# ------------------------------------------------------------------ timing


def _settle(window: float = 0.05, most: float = 2.0) -> None:
    """Wait until this process's own threads are idle (under 10 % of a core).

    Thread pools of the previous call (squigglepy's, numpy's BLAS, numba's
    OpenMP team) spin for a while after their work; a call started then
    shares the cores with them (measured: the reference model's stored row
    took 66 ms instead of 42 ms, with 50 ms of CPU spent by other threads
    in the 0.3 s after a squigglepy call).
    """
    end = time.perf_counter() + most
    while time.perf_counter() < end:
        c0 = time.process_time()
        time.sleep(window)
        if time.process_time() - c0 < 0.1 * window:
            return


def _time_rows(
    rows: list[tuple[str, str, Callable[[int], Any]]],
    n: int,
    repeats: int,
    say: Callable[[str], None],
) -> list[dict[str, Any]]:
    """Warm every row up, then time them in ``repeats`` interleaved rounds."""
    for group, method, f in rows:
        say(f"warm-up {group} / {method}")
        del_me = f(min(n, WARMUP))
        del del_me
    wall: dict[int, list[float]] = {i: [] for i in range(len(rows))}
    cpu: dict[int, list[float]] = {i: [] for i in range(len(rows))}
    peak: dict[int, list[float]] = {i: [] for i in range(len(rows))}
    for r in range(repeats):
        for i, (group, method, f) in enumerate(rows):
            say(f"round {r + 1}/{repeats}: {group} / {method} n={n:.0e}")
            gc.collect()
            _settle()
            base = _rss_mb()
            _reset_peak()
            c0, t0 = time.process_time(), time.perf_counter()
            res = f(n)
            wall[i].append(time.perf_counter() - t0)
            cpu[i].append(time.process_time() - c0)
            peak[i].append(_peak_mb() - base)
            del res
    out = []
    for i, (group, method, _) in enumerate(rows):
        best = min(wall[i])
        k = wall[i].index(best)
        out.append(
            {
                "group": group,
                "method": method,
                "n": n,
                "seconds": wall[i],
                "best_seconds": best,
                "cpu_seconds": cpu[i][k],
                "draws_per_s": n / best,
                # CPU time is what the shared machine's other work disturbs least
                # (it still slows memory and caches): a second view of the ratios.
                "draws_per_cpu_s": n / min(cpu[i]),
                "peak_above_mb": max(peak[i]),
            }
        )
    return out


def _add_ratios(rows: list[dict[str, Any]]) -> None:
    """Each row's speed over the numpy and squigglepy rows of its group, like for like."""
    rate = {(r["group"], r["method"]): r["draws_per_s"] for r in rows}
    cpu = {(r["group"], r["method"]): r["draws_per_cpu_s"] for r in rows}
    for r in rows:
        stream = r["method"].endswith("-stream")
        suffix = "-stream" if stream else ""
        for base in ("numpy", "squigglepy"):
            ref = rate.get((r["group"], base + suffix))
            r[f"vs_{base}"] = r["draws_per_s"] / ref if ref else None
            ref_cpu = cpu.get((r["group"], base + suffix))
            r[f"cpu_vs_{base}"] = r["draws_per_cpu_s"] / ref_cpu if ref_cpu else None


def breakdown(scenario: str, n: int, repeats: int) -> dict[str, Any]:
    """Where the time of a stored run goes: kernel, first touch, the rest."""
    import frontiercost as fc
    from frontiercost import _buffers
    from frontiercost.engine import plan_run
    from frontiercost.engine.ranges import store_range
    from frontiercost.run import RunSpec
    from frontiercost.settings import Sampling

    spec = RunSpec.of(scenario)
    plan = plan_run(spec.model, spec.priors, Sampling(draws=n // CHAINS, chains=CHAINS))
    n_out, n_all = len(plan.model.outputs), len(plan.names)
    # The rows the engine stores: outputs and the uncertain inputs (a fixed
    # input's value is not stored draw by draw).
    uncertain = [
        r for r, name in enumerate(plan.names) if type(spec.priors[name]).__name__ != "Fixed"
    ]
    rows = np.full(n_all, -1, dtype=np.int64)
    rows[uncertain] = np.arange(len(uncertain))
    n_in = len(uncertain)
    out = np.zeros((n_out, n))
    inp = np.zeros((n_in, n))
    none = np.empty((n_all, 0))
    store_range(plan, 0, WARMUP, out, inp, input_rows=rows)

    def best(f: Callable[[], Any]) -> float:
        ts = []
        for _ in range(repeats):
            gc.collect()
            t0 = time.perf_counter()
            f()
            ts.append(time.perf_counter() - t0)
        return min(ts)

    def touch() -> None:
        _buffers.release()  # fresh memory, not the last call's buffer
        a = _buffers.empty((n_out + n_in, n))
        a[:] = 0.0

    def fresh() -> None:
        _buffers.release()
        o, i = _buffers.empty((n_out, n)), _buffers.empty((n_in, n))
        store_range(plan, 0, n, o, i, input_rows=rows)

    def no_reuse() -> None:
        _buffers.release()
        fc.simulate(scenario, draws=n // CHAINS, chains=CHAINS)

    t_kernel = best(lambda: store_range(plan, 0, n, out, inp, input_rows=rows))
    t_kernel_out = best(lambda: store_range(plan, 0, n, out, none))
    t_touch = best(touch)
    t_fresh = best(fresh)
    t_spec = best(lambda: RunSpec.of(scenario))
    t_api = best(lambda: fc.simulate(scenario, draws=n // CHAINS, chains=CHAINS))
    t_no_reuse = best(no_reuse)
    t_stream = best(lambda: fc.simulate(scenario, draws=n // CHAINS, chains=CHAINS, store=False))
    return {
        "scenario": scenario,
        "n": n,
        "inputs": n_all,
        "uncertain_inputs": n_in,
        "outputs": n_out,
        "kernel_s": t_kernel,
        "kernel_outputs_only_s": t_kernel_out,
        "first_touch_s": t_touch,
        "first_touch_mb": (n_out + n_in) * n * 8 / MB,
        "fresh_arrays_and_kernel_s": t_fresh,
        "scenario_load_s": t_spec,
        "api_stored_s": t_api,
        "api_stored_fresh_memory_s": t_no_reuse,
        "api_streaming_s": t_stream,
        "assembly_s": t_api - t_kernel,  # memory reused: the kernel and the rest
    }


def kernel_cost(n: int, repeats: int) -> dict[str, Any]:
    """CPU nanoseconds per draw of the kernels alone on one thread: the ceilings.

    ``stored``: draws into arrays already touched (outputs only, as a
    streaming run computes them); ``streaming``: the same plus the streaming
    reduction (moments, histogram); the ceiling on this machine is
    ``cores / ns`` draws per second with every core free.
    """
    from frontiercost.bench.reference import reference_model
    from frontiercost.engine import Job, plan_run
    from frontiercost.engine.local import numba_threads, stream_range
    from frontiercost.engine.ranges import store_range
    from frontiercost.engine.streaming import Counts
    from frontiercost.run import RunSpec
    from frontiercost.settings import Sampling

    cases = {"reference": reference_model()}
    for scenario in SCENARIOS:
        spec = RunSpec.of(scenario)
        cases[scenario] = (spec.model, spec.priors)
    out: dict[str, Any] = {}
    for name, (model, priors) in cases.items():
        plan = plan_run(model, priors, Sampling(draws=n, chains=1))
        job = Job.make(plan, priors, store=False)
        y = np.zeros((len(model.outputs), n))
        none = np.empty((len(plan.names), 0))

        def stored(plan: Any = plan, y: np.ndarray = y, none: np.ndarray = none) -> None:
            store_range(plan, 0, n, y, none)

        def streaming(plan: Any = plan, job: Any = job) -> None:
            counts = Counts.empty(len(plan.model.outputs), job.counted.shape[1], n)
            stream_range(plan, 0, n, job.shift, job.hist_shift, job.counted, 1, counts)

        row = {}
        with numba_threads(1):
            for label, f in (("stored", stored), ("streaming", streaming)):
                f()
                cpu = []
                for _ in range(repeats):
                    c0 = time.process_time()
                    f()
                    cpu.append(time.process_time() - c0)
                row[f"{label}_ns_per_draw"] = min(cpu) / n * 1e9
        row["inputs"] = len(plan.names)
        row["outputs"] = len(model.outputs)
        out[name] = row
    return out


# ------------------------------------------------------------------ end to end

_WRAP = """\
import atexit, os, re, runpy, sys

def _peak():
    with open("/proc/self/status") as f:
        kb = re.search(r"^VmHWM:\\s+(\\d+)\\s+kB", f.read(), re.MULTILINE).group(1)
    with open(os.environ["REAL_BENCH_PEAK"], "w") as f:
        f.write(kb)

atexit.register(_peak)
kind, target = sys.argv[1], sys.argv[2]
sys.argv = [target, *sys.argv[3:]]
if kind == "module":
    runpy.run_module(target, run_name="__main__", alter_sys=True)
else:
    sys.path.insert(0, os.path.dirname(os.path.abspath(target)))
    runpy.run_path(target, run_name="__main__")
"""


def run_child(kind: str, target: str, *args: str) -> dict[str, Any]:
    """Run a module or script in a fresh process: wall, CPU, peak RSS, stdout."""
    with tempfile.TemporaryDirectory() as tmp:
        peak_file = Path(tmp) / "peak"
        env = {**os.environ, "REAL_BENCH_PEAK": str(peak_file)}
        # An installed package has its bytecode compiled (pip does it): without
        # this, a shell that sets PYTHONDONTWRITEBYTECODE has the command line
        # compile its ~80 modules from source in every timed run.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", _WRAP, kind, target, *args],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak = int(peak_file.read_text()) / 1024 if peak_file.exists() else math.nan
    if proc.returncode != 0:
        raise RuntimeError(f"{target} {' '.join(args)} failed: {proc.stderr[-2000:]}")
    return {
        "wall_s": wall,
        "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "peak_rss_mb": peak,
        "stdout": proc.stdout,
    }


_IMPORT = """\
import json, time
t0 = time.perf_counter()
import frontiercost
t1 = time.perf_counter()
frontiercost.simulate
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "api_s": t2 - t1}))
"""


def end_to_end(repeats: int, say: Callable[[str], None]) -> dict[str, Any]:
    """The command line against the numpy script, and import time, in fresh processes."""
    cases = {
        "cli": ("module", "frontiercost", "run", "gpt-4", "--draws", "1e6"),
        "numpy-script": ("path", str(BASELINES / "gpt4_numpy.py"), "4e6"),
    }
    say("end to end: warm-up (numba cache, page cache)")
    for case in cases.values():
        run_child(*case)
    runs: dict[str, list[dict[str, Any]]] = {k: [] for k in cases}
    imports = []
    for r in range(repeats):
        for name, case in cases.items():
            say(f"end to end round {r + 1}/{repeats}: {name}")
            runs[name].append(run_child(*case))
        proc = subprocess.run(
            [sys.executable, "-c", _IMPORT],
            capture_output=True,
            text=True,
            check=True,
            env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
        )
        imports.append(json.loads(proc.stdout))
    out: dict[str, Any] = {}
    for name, rs in runs.items():
        best = min(rs, key=lambda x: x["wall_s"])
        out[name] = {
            "command": " ".join(
                ["frontiercost", *cases[name][2:]]
                if name == "cli"
                else ["python", "benchmarks/baselines/gpt4_numpy.py", *cases[name][2:]]
            ),
            "draws": 4_000_000,
            "wall_s": best["wall_s"],
            "walls_s": [x["wall_s"] for x in rs],
            "cpu_s": best["cpu_s"],
            "peak_rss_mb": max(x["peak_rss_mb"] for x in rs),
            "printed": "amortized_cost" in best["stdout"],
        }
    # The process the draws sit on: the same command with 1,000 draws.
    base = min(
        (run_child("module", "frontiercost", "run", "gpt-4", "--draws", "250") for _ in range(3)),
        key=lambda x: x["wall_s"],
    )
    out["cli_baseline_mb"] = base["peak_rss_mb"]
    out["cli_baseline_wall_s"] = base["wall_s"]
    out["cli_baseline_cpu_s"] = base["cpu_s"]
    out["import"] = {
        "import_s": min(x["import_s"] for x in imports),
        "first_api_use_s": min(x["api_s"] for x in imports),
        "runs": imports,
    }
    return out


# ------------------------------------------------------------------ targets


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's targets against this run's figures."""
    rows = {(r["group"], r["method"]): r for r in result["throughput"]}
    gpt = rows.get(("gpt-4", "frontiercost"))
    gpt_s = rows.get(("gpt-4", "frontiercost-stream"))
    ref = rows.get(("reference", "frontiercost"))
    e2e = result.get("e2e") or {}
    out = []

    def add(name: str, value: float | None, goal: float, fmt: str, more: bool = True) -> None:
        met = None if value is None else (value >= goal if more else value <= goal)
        out.append({"target": name, "value": value, "goal": goal, "format": fmt, "met": met})

    add("GPT-4 stored, all variables kept, × plain numpy", gpt and gpt["vs_numpy"], 8, "×")
    add("GPT-4 streaming, M draws/s", gpt_s and gpt_s["draws_per_s"] / 1e6, 25, "M/s")
    if e2e:
        cli, script = e2e["cli"], e2e["numpy-script"]
        add(
            "run gpt-4 --draws 1e6 wall ÷ numpy script wall",
            cli["wall_s"] / script["wall_s"],
            1,
            "×",
            more=False,
        )
        add("run gpt-4 --draws 1e6 peak RSS, MB", cli["peak_rss_mb"], 600, "MB", more=False)
        add("import frontiercost, s", e2e["import"]["import_s"], 0.8, "s", more=False)
    add("reference model, M samples/s", ref and ref["draws_per_s"] / 1e6, 100, "M/s")
    add("reference model × squigglepy", ref and ref.get("vs_squigglepy"), 25, "×")
    return out


# ------------------------------------------------------------------ main


def run(draws: int, repeats: int, e2e: bool, say: Callable[[str], None]) -> dict[str, Any]:
    """The whole benchmark; see the module docstring."""
    result: dict[str, Any] = {"schema": SCHEMA, "meta": _meta(draws, repeats)}
    rows: list[tuple[str, str, Callable[[int], Any]]] = []
    for scenario in SCENARIOS:
        for method, f in scenario_methods(scenario).items():
            rows.append((scenario, method, f))
    for method, f in reference_methods().items():
        rows.append(("reference", method, f))
    throughput = _time_rows(rows, draws, repeats, say)
    _add_ratios(throughput)
    result["throughput"] = throughput
    say("breakdown of the GPT-4 stored run")
    result["breakdown"] = breakdown("gpt-4", draws, repeats)
    say("kernel cost per draw, one thread")
    result["kernel_cost"] = kernel_cost(1 << 21, repeats)
    if e2e:
        result["e2e"] = end_to_end(repeats, say)
    result["targets"] = targets(result)
    result["meta"]["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    import numba

    result["meta"]["threading_layer"] = numba.threading_layer()  # known once kernels ran
    return result


def format_summary(result: dict[str, Any]) -> str:
    """A plain-text table of a result (the README's tables: scripts/readme_figures.py)."""
    lines = [f"{'group':<24} {'method':<22} {'M/s':>8} {'×numpy':>7} {'×squiggle':>9} {'+MB':>7}"]
    for r in result["throughput"]:
        vn, vs = r.get("vs_numpy"), r.get("vs_squigglepy")
        lines.append(
            f"{r['group']:<24} {r['method']:<22} {r['draws_per_s'] / 1e6:8.2f} "
            f"{'-' if vn is None else f'{vn:.2f}':>7} {'-' if vs is None else f'{vs:.2f}':>9} "
            f"{r['peak_above_mb']:7.0f}"
        )
    for t in result["targets"]:
        v = t["value"]
        lines.append(
            f"target {t['target']}: {'-' if v is None else f'{v:.3g}'} "
            f"(goal {t['goal']}) {'met' if t['met'] else 'NOT met'}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--draws", type=float, default=4e6, help="total draws per row (4 chains)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--no-e2e", action="store_true", help="skip the child-process rows")
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    args = ap.parse_args(argv)
    draws = int(args.draws) // CHAINS * CHAINS

    def say(msg: str) -> None:
        print(f"[real] {msg}", file=sys.stderr, flush=True)

    result = run(draws, args.repeats, not args.no_e2e, say)
    for v in result.get("e2e", {}).values():
        if isinstance(v, dict):
            v.pop("stdout", None)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2, allow_nan=False) + "\n")
    print(format_summary(result))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
