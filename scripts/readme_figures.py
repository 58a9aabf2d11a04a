"""Write the README's benchmark figures from the committed results file.

The blocks between ``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->`` in
README.md are generated from ``benchmarks/results/real.json`` (written by
``python benchmarks/real.py``); nothing in them is typed by hand.

Usage (from the repository root)::

    python scripts/readme_figures.py          # rewrite the blocks in README.md
    python scripts/readme_figures.py --check  # exit 1 if they differ from the results

``tests/test_readme_figures.py`` runs the check.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
RESULTS = ROOT / "benchmarks" / "results" / "real.json"
BLOCK = re.compile(r"(<!-- bench:([\w-]+) -->\n)(.*?)(<!-- /bench:\2 -->)", re.DOTALL)

METHOD_NAMES = {
    "frontiercost": "frontiercost, stored",
    "frontiercost-stream": "frontiercost, streaming",
    "frontiercost-formula": "frontiercost, formula (interpreter)",
    "numpy": "plain numpy, stored",
    "numpy-stream": "plain numpy, streaming",
    "squigglepy": "squigglepy, stored",
    "squigglepy-stream": "squigglepy, streaming",
}


def _x(v: float | None) -> str:
    return "–" if v is None else f"{v:.2f}×"


def _rate(r: dict[str, Any]) -> str:
    return f"{r['draws_per_s'] / 1e6:.2f}"


def _find(res: dict[str, Any], group: str, method: str) -> dict[str, Any]:
    for r in res["throughput"]:
        if r["group"] == group and r["method"] == method:
            return r
    raise KeyError(f"no row {group} / {method} in the results")


def machine(res: dict[str, Any]) -> str:
    m = res["meta"]
    return (
        f"Measured {m['created'][:10]} on {m['cpu']} ({m['cpu_count']} cores, {m['simd']}, "
        f"{m['memory_gb']:g} GB; shared with other work: load average "
        f"{m['loadavg_at_start'][0]:g} at the start, {m['loadavg_at_end'][0]:g} at the end), "
        f"Python {m['python']}, numpy {m['numpy']}, numba {m['numba']}, squigglepy "
        f"{m['squigglepy'] or 'n/a'}, {m['threads']} numba threads{_layer(m)}{_kernels(m)}; "
        f"{m['draws']:,} draws per row ({m['chains']} chains); {m['timing']}.\n"
    )


def _layer(m: dict[str, Any]) -> str:
    """Numba's threading layer, where the results file says (since 2026-12-04)."""
    return f" on {m['threading_layer']}" if "threading_layer" in m else ""


def _kernels(m: dict[str, Any]) -> str:
    """How the kernels were compiled, where the results file says (since 2026-12-03)."""
    if "wide_vectors" not in m:
        return ""
    width = "512-bit vectors" if m["wide_vectors"] else "numba's default vector width"
    loops = "AVX-512 compress and gather" if m["avx512_loops"] else "scalar tail and table loops"
    return f" ({width}, {loops})"


def headline(res: dict[str, Any]) -> str:
    gpt, gpt_s = _find(res, "gpt-4", "frontiercost"), _find(res, "gpt-4", "frontiercost-stream")
    ref = _find(res, "reference", "frontiercost")
    return (
        f'**GPT-4 scenario (`fc.simulate("gpt-4")`): {_rate(gpt)} M draws/s stored '
        f"(every variable kept, {_x(gpt['vs_numpy'])} plain numpy, {_x(gpt['vs_squigglepy'])} "
        f"squigglepy), {_rate(gpt_s)} M draws/s streaming "
        f"({_x(gpt_s['vs_numpy'])} numpy, {_x(gpt_s['vs_squigglepy'])} squigglepy).** "
        f"Reference model (5 uncertain inputs, hand-fused kernel): {_rate(ref)} M samples/s, "
        f"{_x(ref['vs_numpy'])} numpy, {_x(ref['vs_squigglepy'])} squigglepy.\n"
    )


def throughput(res: dict[str, Any]) -> str:
    lines = [
        "| model | method | M draws/s | × numpy | × squigglepy | M draws/CPU-s "
        "| × numpy (CPU) | peak +MB |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in res["throughput"]:
        lines.append(
            f"| {r['group']} | {METHOD_NAMES.get(r['method'], r['method'])} | {_rate(r)} | "
            f"{_x(r.get('vs_numpy'))} | {_x(r.get('vs_squigglepy'))} | "
            f"{r['draws_per_cpu_s'] / 1e6:.2f} | {_x(r.get('cpu_vs_numpy'))} | "
            f"{r['peak_above_mb']:.0f} |"
        )
    return "\n".join(lines) + "\n"


def kernel(res: dict[str, Any]) -> str:
    cores = res["meta"]["cpu_count"]
    lines = [
        f"| kernel alone, one thread | inputs | outputs | stored ns/draw | streaming ns/draw "
        f"| ceiling on {cores} free cores, stored / streaming M draws/s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, k in res["kernel_cost"].items():
        st, sm = k["stored_ns_per_draw"], k["streaming_ns_per_draw"]
        lines.append(
            f"| {name} | {k['inputs']} | {k['outputs']} | {st:.1f} | {sm:.1f} | "
            f"{cores / st * 1e3:.0f} / {cores / sm * 1e3:.0f} |"
        )
    return "\n".join(lines) + "\n"


def breakdown(res: dict[str, Any]) -> str:
    b = res["breakdown"]
    n = b["n"]

    def row(what: str, s: float, note: str) -> str:
        return f"| {what} | {s:.3f} | {n / s / 1e6:.1f} | {note} |"

    lines = [
        f"| {b['scenario']} stored, {n:,} draws | s | M draws/s | |",
        "|---|---:|---:|---|",
        row("kernel alone, arrays already touched", b["kernel_s"], "the compute ceiling"),
        row(
            "first touch of fresh result arrays",
            b["first_touch_s"],
            f"{b['first_touch_mb']:.0f} MB: {b['first_touch_mb'] / b['first_touch_s']:.0f} MB/s",
        ),
        row("fresh arrays + kernel (the engine)", b["fresh_arrays_and_kernel_s"], ""),
    ]
    if "api_stored_fresh_memory_s" in b:
        lines.append(
            row(
                "`fc.simulate`, stored, in fresh memory",
                b["api_stored_fresh_memory_s"],
                "`FRONTIERCOST_KEEP_SECONDS=0`, or the first run",
            )
        )
    lines += [
        row(
            "`fc.simulate`, stored (DataTree)",
            b["api_stored_s"],
            (
                f"the previous run's memory reused; beyond the kernel: {b['assembly_s']:.3f} s"
                f" (scenario {b['scenario_load_s']:.3f} s, tree)"
                if b["assembly_s"] > 0
                else f"the previous run's memory reused; the rest (scenario "
                f"{b['scenario_load_s']:.3f} s, tree) is within the timings' noise"
            ),
        ),
        row("`fc.simulate`, streaming", b["api_streaming_s"], ""),
    ]
    return "\n".join(lines) + "\n"


def e2e(res: dict[str, Any]) -> str:
    e = res.get("e2e")
    if not e:
        return "(not measured in this run)\n"
    lines = [
        "| fresh process, 4,000,000 draws | wall s | CPU s | peak RSS MB |",
        "|---|---:|---:|---:|",
    ]
    for key in ("cli", "numpy-script"):
        c = e[key]
        lines.append(
            f"| `{c['command']}` | {c['wall_s']:.2f} | {c['cpu_s']:.2f} | {c['peak_rss_mb']:.0f} |"
        )
    imp = e["import"]
    wall = e.get("cli_baseline_wall_s")
    cpu = e.get("cli_baseline_cpu_s")
    lines.append(
        "| `frontiercost run gpt-4 --draws 250` (the process without the draws) | "
        f"{'' if wall is None else f'{wall:.2f}'} | {'' if cpu is None else f'{cpu:.2f}'} | "
        f"{e['cli_baseline_mb']:.0f} |"
    )
    lines.append("")
    lines.append(
        f"`import frontiercost`: {imp['import_s']:.3f} s (the API loads on first use: "
        f"{imp['first_api_use_s']:.2f} s more for `frontiercost.simulate`)."
    )
    return "\n".join(lines) + "\n"


def _limits(res: dict[str, Any]) -> list[str]:
    """What limits each target's figure and its ceiling, from the same run's figures."""
    cores = res["meta"]["cpu_count"]
    k = res["kernel_cost"]
    gpt, ref = k["gpt-4"], k["reference"]
    numpy_ns = 1e9 / _find(res, "gpt-4", "numpy")["draws_per_cpu_s"]
    b = res["breakdown"]
    rounds = _find(res, "gpt-4", "numpy")["seconds"]
    out = [
        f"kernel: {gpt['stored_ns_per_draw']:.0f} ns/draw/core against plain numpy's "
        f"{numpy_ns:.0f} CPU-ns/draw; ceiling with {cores} free cores and no overhead "
        f"{cores * numpy_ns / gpt['stored_ns_per_draw']:.1f}×. Plain numpy's own time "
        f"swings with the memory it is given (this run's rounds: {min(rounds):.2f}–"
        f"{max(rounds):.2f} s; Fresh pages, below)",
        f"kernel + streaming reduction: {gpt['streaming_ns_per_draw']:.0f} ns/draw/core; "
        f"ceiling {cores / gpt['streaming_ns_per_draw'] * 1e3:.1f} M/s on {cores} free cores",
    ]
    e = res.get("e2e")
    if e:
        start = e.get("cli_baseline_cpu_s")
        fixed = "" if start is None else f"{start:.1f} of them the process start (250 draws): "
        out.append(
            f"CPU work: {e['cli']['cpu_s']:.1f} CPU-s against the script's "
            f"{e['numpy-script']['cpu_s']:.1f}, {fixed}imports (numba, xarray, pandas, scipy) "
            "and the kernels from numba's cache; then two "
            "kernel passes (one per group of outputs), exact summaries, the component split "
            "and published figures"
        )
        # frontiercost.cli._summary.GROUP_BYTES: 192 MiB of output draws at a time
        group = (192 << 20) // (8 * b["n"])
        out.append(
            f"the output draws held at once: at most 192 MB (a group of ≤ {group} outputs × "
            f"{b['n']:,} × 8 B; inputs not kept) and the summary's copies, on a process of "
            f"~{e['cli_baseline_mb']:.0f} MB; the whole run's outputs would be "
            f"{8 * b['outputs'] * b['n'] / 2**20:.0f} MB"
        )
        out.append("imports are lazy: the API loads on first use")
    sq_ns = 1e9 / _find(res, "reference", "squigglepy")["draws_per_cpu_s"]
    out.append(
        f"kernel: {ref['stored_ns_per_draw']:.0f} ns/sample/core (log/exp/quantile "
        f"polynomials); ceiling {cores / ref['stored_ns_per_draw'] * 1e3:.0f} M/s on "
        f"{cores} free cores"
    )
    out.append(
        f"squigglepy: {sq_ns:.0f} CPU-ns/sample; ceiling "
        f"{cores * sq_ns / ref['stored_ns_per_draw']:.0f}× on {cores} free cores"
    )
    return out


def targets(res: dict[str, Any]) -> str:
    lines = [
        "| target | this run | goal | met | what limits it; ceiling |",
        "|---|---:|---:|---|---|",
    ]
    limits = _limits(res)
    for t, limit in zip(res["targets"], limits, strict=True):
        v = t["value"]
        unit = t["format"]
        sign = "≥" if unit == "M/s" or (unit == "×" and "÷" not in t["target"]) else "≤"
        space = "" if unit == "×" else " "
        value = "–" if v is None else f"{v:.4g}{space}{unit}"
        goal = f"{sign} {t['goal']:g}{space}{unit}"
        met = "yes" if t["met"] else "no"
        lines.append(f"| {t['target']} | {value} | {goal} | {met} | {limit} |")
    return "\n".join(lines) + "\n"


BLOCKS: dict[str, Callable[[dict[str, Any]], str]] = {
    "machine": machine,
    "headline": headline,
    "throughput": throughput,
    "breakdown": breakdown,
    "kernel": kernel,
    "e2e": e2e,
    "targets": targets,
}


def render(readme: str, res: dict[str, Any]) -> str:
    """``readme`` with every marked block regenerated from ``res``."""
    seen = set()

    def sub(m: re.Match[str]) -> str:
        name = m.group(2)
        if name not in BLOCKS:
            raise KeyError(f"README block bench:{name} has no generator; known: {list(BLOCKS)}")
        seen.add(name)
        return m.group(1) + BLOCKS[name](res) + m.group(4)

    out = BLOCK.sub(sub, readme)
    missing = set(BLOCKS) - seen
    if missing:
        raise KeyError(f"README has no block(s) {sorted(missing)}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if README.md is out of date")
    ap.add_argument("--results", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    res = json.loads(args.results.read_text("utf-8"))
    text = README.read_text("utf-8")
    new = render(text, res)
    if args.check:
        if new != text:
            print(
                "README.md's benchmark blocks differ from "
                f"{args.results.relative_to(ROOT)}: run python scripts/readme_figures.py",
                file=sys.stderr,
            )
            return 1
        return 0
    if new != text:
        README.write_text(new, "utf-8")
        print("README.md updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
