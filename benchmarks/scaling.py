"""Scale-out benchmark: the dask engine against the local engine, measured in one run.

Usage (from the repository root)::

    python benchmarks/scaling.py            # about 5 minutes on 2 cores
    python benchmarks/scaling.py --quick    # small sizes, a smoke test

prints a table and writes ``benchmarks/results/scaling.json`` (``--out`` to
change it).  Every figure comes from the same run, so ratios compare like with
like:

- sweep throughput (points × draws per second) of a 2-D sweep of
  ``frontier-run-2025-2030`` over ``growth_rate.central`` × ``year`` (36
  points), summary-only (streaming) and stored, and the same sweep with 1,000
  draws per chain (its fixed cost: building points, summaries, stacking);
- single runs: streaming 1e8 draws, stored 4e6 draws (through Zarr on dask);
- engines: local threads (1, 2) and dask ``LocalCluster``\\ s of 1 and 2
  single-threaded worker processes, all alive for the whole run; each
  (workload, engine) gets a warm-up call, then the best of ``--repeats``
  rounds, the engines interleaved within a round;
- scaling = time on 1 worker / time on 2 workers (the same work); overhead =
  dask time / local time on the same number of cores;
- peak memory of a 1e9-draw streaming run, local and on 2 dask workers, each
  in a fresh child process (RSS high-water mark reset after warm-up, as
  ``benchmarks/throughput.py`` does; on dask also each worker's);
- peak memory of the command a user types, ``frontiercost run gpt-4`` with 1e9
  draws (streamed), against the same command with 4,000 draws (stored): whole
  process, start-up and imports included (its ``VmHWM``).  Part of it is
  shared-library pages (llvmlite's 180 MB ``.so``), which count more when the
  library file is fresh in the page cache (just installed): 30-40 MB more.

On a 2-core machine, "2 workers" uses both cores: the scaling figure is the
dask engine's parallel efficiency on one machine (at most 2), not a forecast
for a cluster of machines.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "results" / "scaling.json"
sys.path.insert(0, str(HERE.parent))  # run from a source checkout without installing

import frontiercost as fc  # noqa: E402
from frontiercost.bench.machine import (  # noqa: E402
    cli_peak_rss,
    cpu_stall_us,
    loadavg,
    peak_rss_mb,
    reset_peak_rss,
    rss_mb,
)

SCENARIO = "frontier-run-2025-2030"
CLI_SCENARIO = "gpt-4"  # 16 parameters, 11 outputs: a model a user runs as is
VARY = {"growth_rate.central": "2.0:2.8:6", "year": "2020..2025"}
THRESHOLDS = {"final_run_cost": [1e8]}
CHAINS = 4
ENGINES = ("local-1t", "local-2t", "dask-1w", "dask-2w")
FULL = {
    "sweep_summary_draws": 250_000,  # per chain
    "sweep_stored_draws": 25_000,
    "sweep_fixed_draws": 1_000,
    "stream_draws": 25_000_000,
    "stored_draws": 1_000_000,
    "memory_draws": 1_000_000_000,  # total
    "repeats": 3,
}
QUICK = {
    "sweep_summary_draws": 20_000,
    "sweep_stored_draws": 2_000,
    "sweep_fixed_draws": 1_000,
    "stream_draws": 500_000,
    "stored_draws": 50_000,
    "memory_draws": 20_000_000,  # above the CLI's 1e7 stored-draw limit: streamed
    "repeats": 2,
}


def _points() -> int:
    from frontiercost.scenarios.sweep import parse_values

    n = 1
    for field, spec in VARY.items():
        n *= len(parse_values(field, spec))
    return n


def _workloads(size: dict[str, int]) -> dict[str, tuple[int, int, Callable[..., Any]]]:
    """name -> (points, draws per point, call(engine kwargs))."""
    points = _points()

    def sweep(draws: int, **kw: Any) -> Callable[..., Any]:
        return lambda **eng: fc.sweep(SCENARIO, vary=VARY, draws=draws, chains=CHAINS, **kw, **eng)

    def run(draws: int, **kw: Any) -> Callable[..., Any]:
        return lambda **eng: fc.simulate(SCENARIO, draws=draws, chains=CHAINS, **kw, **eng)

    s, st, fx = size["sweep_summary_draws"], size["sweep_stored_draws"], size["sweep_fixed_draws"]
    return {
        "sweep-summary": (
            points,
            CHAINS * s,
            sweep(s, summary_only=True, thresholds=THRESHOLDS),
        ),
        "sweep-summary-fixed-cost": (
            points,
            CHAINS * fx,
            sweep(fx, summary_only=True, thresholds=THRESHOLDS),
        ),
        "sweep-stored": (points, CHAINS * st, sweep(st)),
        "run-streaming": (
            1,
            CHAINS * size["stream_draws"],
            run(size["stream_draws"], store=False),
        ),
        "run-stored": (1, CHAINS * size["stored_draws"], run(size["stored_draws"])),
    }


def _timed(call: Callable[[], Any]) -> tuple[float, float | None]:
    """Seconds of ``call()`` and the machine's CPU stall fraction meanwhile (PSI)."""
    gc.collect()
    s0 = cpu_stall_us()
    t0 = time.perf_counter()
    result = call()
    dt = time.perf_counter() - t0
    s1 = cpu_stall_us()
    del result
    stall = (s1 - s0) / 1e6 / dt if s0 is not None and s1 is not None else None
    return dt, stall


def connect(workers: int, threads_per_worker: int = 1) -> contextlib.AbstractContextManager[Any]:
    """A client on a new ``LocalCluster`` (127.0.0.1, no dashboard), closed on exit.

    The cluster the dask executor starts for ``workers=N``
    (:meth:`frontiercost.engine.dask.DaskExecutor.connect`); dask.distributed
    is imported only when it is called, so the local child runs without it.
    """
    from frontiercost.engine.dask import DaskExecutor

    return DaskExecutor(workers=workers, threads_per_worker=threads_per_worker).connect()


def _warm_worker() -> bool:
    """Load the compiled kernels in a worker process (numba cache) before timing."""
    fc.simulate(SCENARIO, draws=2000, chains=1, threads=1)
    fc.simulate(SCENARIO, draws=2000, chains=1, threads=1, store=False)
    return True


def _throughput(size: dict[str, int]) -> dict[str, Any]:
    timings: dict[tuple[str, str], list[float]] = {}
    stalls: dict[tuple[str, str], list[float | None]] = {}
    starts = {}
    with connect(workers=1):
        pass  # the first start pays for imports; time the next ones
    stack = contextlib.ExitStack()
    clusters = {}
    for name, n in (("dask-1w", 1), ("dask-2w", 2)):
        t0 = time.perf_counter()
        clusters[name] = stack.enter_context(connect(workers=n, threads_per_worker=1))
        starts[name] = time.perf_counter() - t0
        clusters[name].run(_warm_worker)
    engines: dict[str, dict[str, Any]] = {
        "local-1t": {"threads": 1},
        "local-2t": {"threads": 2},
        "dask-1w": {"client": clusters["dask-1w"]},
        "dask-2w": {"client": clusters["dask-2w"]},
    }
    workloads = _workloads(size)
    with stack:
        # warm-up: each call at its smallest (JIT cache, pools, first Zarr store)
        small = _workloads(QUICK)
        for wname in workloads:
            for eng in engines.values():
                small[wname][2](**eng)
        for _ in range(size["repeats"]):
            for wname, (_, _, call) in workloads.items():
                for ename, eng in engines.items():
                    dt, stall = _timed(functools.partial(call, **eng))
                    timings.setdefault((wname, ename), []).append(dt)
                    stalls.setdefault((wname, ename), []).append(stall)
                    print(f"  {wname:<26} {ename:<9} {dt:8.3f} s", flush=True)
    rows: list[dict[str, Any]] = []
    for (wname, ename), ts in timings.items():
        points, draws, _ = workloads[wname]
        best = min(ts)
        rows.append(
            {
                "workload": wname,
                "engine": ename,
                "points": points,
                "draws_per_point": draws,
                "seconds_best": best,
                "seconds_all": ts,
                "points_x_draws_per_s": points * draws / best,
                "cpu_stall_fraction": stalls[(wname, ename)],
            }
        )
    t = {(r["workload"], r["engine"]): r["seconds_best"] for r in rows}
    ratios = {
        w: {
            "scaling_dask_1_to_2_workers": t[(w, "dask-1w")] / t[(w, "dask-2w")],
            "scaling_local_1_to_2_threads": t[(w, "local-1t")] / t[(w, "local-2t")],
            "dask_overhead_2_cores": t[(w, "dask-2w")] / t[(w, "local-2t")],
            "dask_overhead_1_core": t[(w, "dask-1w")] / t[(w, "local-1t")],
        }
        for w in workloads
    }
    return {"cluster_start_s": starts, "rows": rows, "ratios": ratios}


# ------------------------------------------------------------------ memory (child processes)


def _child_memory(engine: str, draws: int) -> dict[str, Any]:
    """Run one streaming run of ``draws`` in this process and report RSS figures."""
    per_chain = draws // CHAINS
    kw: dict[str, Any] = {
        "draws": per_chain,
        "chains": CHAINS,
        "store": False,
        "thresholds": THRESHOLDS,
    }
    rss_import = rss_mb()
    if engine == "local":
        fc.simulate(SCENARIO, draws=2000, chains=1, store=False, threads=2)
        rss_warm = rss_mb()
        reset = reset_peak_rss()
        t0 = time.perf_counter()
        tree = fc.simulate(SCENARIO, threads=2, **kw)
        dt = time.perf_counter() - t0
        workers: dict[str, Any] = {}
    else:
        # Imported here: the local child measures frontiercost without dask.distributed.
        with connect(workers=2, threads_per_worker=1) as client:
            client.run(_warm_worker)
            fc.simulate(SCENARIO, draws=2000, chains=1, store=False, client=client)
            rss_warm = rss_mb()
            base = client.run(rss_mb)
            reset = reset_peak_rss() and all(client.run(reset_peak_rss).values())
            t0 = time.perf_counter()
            tree = fc.simulate(SCENARIO, client=client, **kw)
            dt = time.perf_counter() - t0
            peaks = client.run(peak_rss_mb)
            workers = {
                f"worker-{i}": {"rss_after_warmup_mb": base[a], "peak_rss_mb": peaks[a]}
                for i, a in enumerate(sorted(peaks))
            }
    peak = peak_rss_mb()
    count = float(tree["streaming"]["final_run_cost__count"])
    return {
        "engine": engine,
        "draws": per_chain * CHAINS,
        "seconds": dt,
        "draws_per_s": per_chain * CHAINS / dt,
        "count_ok": count == per_chain * CHAINS,
        "rss_after_import_mb": rss_import,
        "rss_after_warmup_mb": rss_warm,
        "peak_rss_mb": peak,
        "peak_covers": "the run only" if reset else "whole process",
        "workers": workers,
    }


def _memory(draws: int) -> dict[str, Any]:
    out = {}
    for engine in ("local", "dask-2w"):
        cmd = [sys.executable, __file__, "--child", engine, "--child-draws", str(draws)]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
        if proc.returncode != 0 or not lines:
            out[engine] = {"error": proc.stderr[-2000:], "returncode": proc.returncode}
        else:
            out[engine] = json.loads(lines[-1])
        print(f"  memory {engine}: {out[engine].get('peak_rss_mb')} MB peak", flush=True)
    return out


def _cli_peak(draws: int) -> dict[str, Any]:
    """Peak RSS of one ``frontiercost run`` process, start-up included."""
    args = ["run", CLI_SCENARIO, "--quiet", "--format", "json"]
    args += ["--draws", str(draws // CHAINS), "--chains", str(CHAINS)]
    t0 = time.perf_counter()
    peak, proc = cli_peak_rss(args)
    dt = time.perf_counter() - t0
    if proc.returncode != 0:
        return {"error": proc.stderr[-2000:], "returncode": proc.returncode}
    run = json.loads(proc.stdout)["run"]
    return {
        "command": " ".join(["frontiercost", *args]),
        "draws": run["total_draws"],
        "stored": run["stored"],
        "seconds": dt,
        "peak_rss_mb": peak,
    }


def _cli_memory(draws: int) -> dict[str, Any]:
    out = {"cli-stored": _cli_peak(1000 * CHAINS), "cli": _cli_peak(draws)}
    for k, v in out.items():
        print(f"  memory {k}: {v.get('peak_rss_mb')} MB peak", flush=True)
    return out


# ------------------------------------------------------------------ report


def _meta(size: dict[str, int]) -> dict[str, Any]:
    import dask
    import distributed
    import numba
    import numpy as np
    import zarr

    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "dask": dask.__version__,
        "distributed": distributed.__version__,
        "zarr": zarr.__version__,
        "frontiercost": fc.__version__,
        "scenario": SCENARIO,
        "sweep": VARY,
        "points": _points(),
        "chains": CHAINS,
        "sizes": size,
        "loadavg_at_start": loadavg(),
        "timing": "warm-up call excluded; best of `repeats` rounds, engines interleaved",
        "engines": {
            "local-1t": "local engine, 1 numba thread",
            "local-2t": "local engine, 2 numba threads",
            "dask-1w": "LocalCluster, 1 worker process x 1 thread (numba 1 thread per task)",
            "dask-2w": "LocalCluster, 2 worker processes x 1 thread (numba 1 thread per task)",
        },
        "note": (
            "2 cores: 2 workers (or 2 threads) use the whole machine, so scaling is "
            "parallel efficiency on one machine (ideal 2.0), not a multi-machine forecast"
        ),
        "workers_env": (
            "clusters from frontiercost's connect(): workers without dask's default "
            "MALLOC_TRIM_THRESHOLD_=65536, which made the kernels ~2.2x slower in workers"
        ),
    }


def format_table(result: dict[str, Any]) -> str:
    """The measured figures as a text table."""
    lines = [
        f"{'workload':<26} {'engine':<9} {'best s':>8} {'points×draws/s':>15}",
    ]
    for r in result["rows"]:
        lines.append(
            f"{r['workload']:<26} {r['engine']:<9} {r['seconds_best']:8.3f}"
            f" {r['points_x_draws_per_s']:15.3e}"
        )
    lines.append("")
    lines.append(
        f"{'workload':<26} {'dask 1→2 w':>10} {'local 1→2 t':>11}"
        f" {'dask/local 2c':>13} {'dask/local 1c':>13}"
    )
    for w, q in result["ratios"].items():
        lines.append(
            f"{w:<26} {q['scaling_dask_1_to_2_workers']:10.2f}"
            f" {q['scaling_local_1_to_2_threads']:11.2f}"
            f" {q['dask_overhead_2_cores']:13.2f} {q['dask_overhead_1_core']:13.2f}"
        )
    starts = result["cluster_start_s"]
    lines.append("")
    lines.append(
        "LocalCluster start: "
        + ", ".join(f"{k} {v:.2f} s" for k, v in starts.items())
        + " (not in the timings)"
    )
    for engine, m in result.get("memory", {}).items():
        if "error" in m:
            lines.append(f"memory {engine}: failed ({m['returncode']})")
            continue
        if engine.startswith("cli"):
            lines.append(
                f"memory {engine}: `{m['command']}` ({m['draws']:.0e} draws) in"
                f" {m['seconds']:.1f} s, peak RSS {m['peak_rss_mb']:.0f} MB (whole process)"
            )
            continue
        extra = "".join(
            f", {w} peak {v['peak_rss_mb']:.0f} MB" for w, v in m.get("workers", {}).items()
        )
        lines.append(
            f"memory {engine}: {m['draws']:.0e} draws streaming in {m['seconds']:.1f} s"
            f" ({m['draws_per_s']:.3g}/s), peak RSS {m['peak_rss_mb']:.0f} MB"
            f" (after warm-up {m['rss_after_warmup_mb']:.0f} MB){extra}"
        )
    lines.append(result["meta"]["note"])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; see ``--help``."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    ap.add_argument("--out", default=str(DEFAULT_OUT), help="JSON file to write")
    ap.add_argument("--repeats", type=int, default=None, help="timed rounds (best kept)")
    ap.add_argument("--no-memory", action="store_true", help="skip the 1e9-draw memory runs")
    ap.add_argument("--child", choices=("local", "dask-2w"), help=argparse.SUPPRESS)
    ap.add_argument("--child-draws", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:  # the parent makes the JSON strict
        print(json.dumps(_child_memory(args.child, args.child_draws)))
        return 0
    # Here, not at the top: the harness imports the baselines (scipy.stats), which
    # would inflate the memory children's figures.
    from frontiercost.bench.harness import _finite, _write_json_atomic

    size = dict(QUICK if args.quick else FULL)
    if args.repeats is not None:
        size["repeats"] = args.repeats
    result: dict[str, Any] = {"schema": "frontiercost.bench.scaling/1", "meta": _meta(size)}
    print("timings:", flush=True)
    result.update(_throughput(size))
    if not args.no_memory:
        print("memory:", flush=True)
        result["memory"] = _memory(size["memory_draws"])
        result["memory"].update(_cli_memory(size["memory_draws"]))
    result["meta"]["loadavg_at_end"] = loadavg()
    _write_json_atomic(args.out, _finite(result))
    print(format_table(result))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
