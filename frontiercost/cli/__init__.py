"""Command line: each subcommand parses, calls the public API, returns an exit code.

``main(argv)`` returns 0 on success and 2 on any user error (one message on
stderr, never a traceback).  Results go to stdout (``--format table|json|csv``,
or ``--save FILE``); notes, progress and ``--verbose`` timings go to stderr.
The JSON output is described in ``docs/json-output.md``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from ..errors import FrontiercostError
from ._common import (
    EXIT_USAGE,
    FORMATS,
    Console,
    Parser,
    amount,
    draws_value,
    names_list,
    positive_int,
    probability,
    seed_value,
)

__all__ = ["EXIT_USAGE", "build_parser", "main"]

SAMPLERS = ("mc", "qmc", "lhs")


def _power_of_two(text: str) -> int:
    n = positive_int(text)
    if not 16 <= n <= 1 << 24 or n & (n - 1):
        raise argparse.ArgumentTypeError(f"must be a power of two from 16 to 2**24, got {text}")
    return n


def _parents(draws: int = 10_000) -> dict[str, Parser]:
    """Option groups shared by subcommands (new objects per call: argparse shares actions)."""
    chatter = Parser(add_help=False)
    g = chatter.add_mutually_exclusive_group()
    # SUPPRESS: given after the subcommand they set the value, else the main parser's stays
    g.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=argparse.SUPPRESS,
        help="errors only (a result asked for with --format or --save is still written)",
    )
    g.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,
        help="also timings, threads and kernel cache (on stderr)",
    )
    sampling = Parser(add_help=False)
    s = sampling.add_argument_group("sampling (when given a scenario)")
    s.add_argument(
        "--draws", type=draws_value, default=draws, help=f"draws per chain, e.g. 1e6 ({draws})"
    )
    s.add_argument("--chains", type=positive_int, default=4, help="chains (4)")
    s.add_argument("--seed", type=seed_value, default=0, help="seed (0): same seed, same draws")
    s.add_argument("--sampler", choices=SAMPLERS, default="mc", help="mc, qmc or lhs (mc)")
    interval = Parser(add_help=False)
    i = interval.add_argument_group("intervals")
    i.add_argument("--ci", type=probability, default=0.9, help="credible interval mass (0.9)")
    i.add_argument(
        "--hdi", action="store_true", help="highest-density instead of equal-tailed interval"
    )
    result = Parser(add_help=False)
    r = result.add_argument_group("result")
    r.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="table (default), json (docs/json-output.md) or csv",
    )
    r.add_argument(
        "--save",
        metavar="FILE",
        help="write the result to FILE (.json, .csv or .txt; format from the suffix) "
        "instead of stdout",
    )
    cluster = Parser(add_help=False)
    k = cluster.add_argument_group("dask (scale-out; default: local threads)")
    k.add_argument(
        "--workers", type=positive_int, metavar="N", help="start a local cluster of N processes"
    )
    k.add_argument("--scheduler", metavar="ADDRESS", help="use a running dask scheduler")
    k.add_argument(
        "--threads-per-worker", type=positive_int, metavar="K", help="threads per worker (1)"
    )
    return {
        "chatter": chatter,
        "sampling": sampling,
        "interval": interval,
        "result": result,
        "cluster": cluster,
    }


def build_parser() -> argparse.ArgumentParser:
    """The ``frontiercost`` argument parser."""
    from . import (
        _compare,
        _epoch,
        _exceedance,
        _figures,
        _info,
        _sensitivity,
        _summary,
        _sweep,
        _trend,
    )

    p = Parser(
        prog="frontiercost",
        description="Monte Carlo uncertainty simulator for the cost of frontier AI.",
        epilog="SCENARIO is a built-in name (`frontiercost scenarios`) or a .toml file; "
        "RUN is a file saved with `run --out` (.nc or .zarr).",
    )
    g = p.add_mutually_exclusive_group()
    g.add_argument("-q", "--quiet", action="store_true", help="errors only")
    g.add_argument("-v", "--verbose", action="store_true", help="timings, threads, cache")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)

    def add_to(
        subparsers: Any, name: str, help_: str, *groups: str, draws: int = 10_000
    ) -> argparse.ArgumentParser:
        parents = _parents(draws)
        chosen = [parents["chatter"], *(parents[g] for g in groups)]
        parser: argparse.ArgumentParser = subparsers.add_parser(
            name, help=help_, description=help_, parents=chosen
        )
        return parser

    def add(name: str, help_: str, *groups: str, draws: int = 10_000) -> argparse.ArgumentParser:
        return add_to(sub, name, help_, *groups, draws=draws)

    pr = add("priors", "list the default priors, or show one")
    pr.add_argument("name", nargs="?", help="a prior's name")
    pr.set_defaults(func=_info.cmd_priors)

    sc = add("scenarios", "list the built-in scenarios, or show one")
    sc.add_argument("name", nargs="?", help="a scenario's name or file")
    sc.set_defaults(func=_info.cmd_scenarios)

    va = add("validate", "check scenario files without running them")
    va.add_argument("files", nargs="+", metavar="FILE", help="scenario files (or built-in names)")
    va.set_defaults(func=_info.cmd_validate)

    ch = add(
        "chips", "list the chip library (--format json: every chip's facts and prices)", "result"
    )
    ch.set_defaults(func=_info.cmd_chips)

    ru = add(
        "run",
        "sample a scenario and print its summary",
        "sampling",
        "interval",
        "result",
        "cluster",
    )
    ru.add_argument(
        "scenario",
        metavar="SCENARIO",
        help="a built-in scenario's name, a scenario file, or 'reference' (the benchmark model)",
    )
    ru.add_argument(
        "--var", action="append", metavar="NAME", help="summarize NAME only (repeatable)"
    )
    ru.add_argument("--out", metavar="FILE", help="keep the draws: FILE.nc or FILE.zarr")
    ru.add_argument(
        "--plot",
        metavar="FILE",
        help="distribution of the headline output (fan chart for a projection): .png/.svg/.pdf",
    )
    ru.set_defaults(func=_summary.cmd_run)

    sw = add(
        "sweep",
        "a scenario over a grid of field values, every point on the same draws",
        "sampling",
        "result",
        "cluster",
    )
    sw.add_argument("scenario", metavar="SCENARIO")
    sw.add_argument(
        "--vary",
        action="append",
        metavar="FIELD=VALUES",
        help="e.g. final_run_share.central=0.05:0.3:6, year=2025..2030, growth_rate=2,2.4 "
        "(repeatable; adds to the scenario's [sweep] table)",
    )
    sw.add_argument("--var", action="append", metavar="NAME", help="outputs to show")
    sw.add_argument(
        "--summary", action="store_true", help="keep summaries only (streaming runs, no draws)"
    )
    sw.add_argument(
        "--threshold",
        "-t",
        action="append",
        metavar="VAR=T",
        help="--summary: count P(VAR > T) exactly (repeatable)",
    )
    sw.add_argument("--ci", type=probability, default=0.9, help="interval mass (0.9)")
    sw.add_argument("--out", metavar="FILE", help="keep the draws: FILE.nc or FILE.zarr")
    sw.set_defaults(func=_sweep.cmd_sweep)

    su = add("summarize", "the summary of a saved run, as `run` prints it", "interval", "result")
    su.add_argument("file", metavar="RUN", help="a run saved with `run --out` (.nc or .zarr)")
    su.add_argument(
        "--var", action="append", metavar="NAME", help="summarize NAME only (repeatable)"
    )
    su.set_defaults(func=_summary.cmd_summarize)

    pl = add("plot", "one figure of a saved run or a scenario", "sampling", "interval")
    pl.add_argument("source", metavar="RUN|SCENARIO", help="a saved run, or a scenario to sample")
    pl.add_argument("--kind", choices=_figures.PLOT_KINDS, required=True, help="the figure")
    pl.add_argument("--out", metavar="FILE", required=True, help="image file: .png, .svg or .pdf")
    pl.add_argument(
        "--var",
        metavar="NAME",
        help="the variable (distribution, exceedance, tornado: default the headline output; "
        "components: the total)",
    )
    pl.add_argument(
        "--parts", type=names_list, metavar="A,B", help="components: the parts of --var"
    )
    pl.add_argument(
        "--threshold",
        "-t",
        type=amount,
        action="append",
        metavar="T",
        help="exceedance: mark T (repeatable); projection: the threshold line (1e9)",
    )
    pl.set_defaults(func=_figures.cmd_plot)

    co = add(
        "compare",
        "two scenarios or runs side by side, and P(A > B) paired by common random numbers",
        "sampling",
        "interval",
        "result",
    )
    co.add_argument("a", metavar="A", help="a scenario or a saved run")
    co.add_argument("b", metavar="B", help="a scenario or a saved run")
    co.add_argument("--var", action="append", metavar="NAME", help="compare NAME only")
    co.set_defaults(func=_compare.cmd_compare)

    se = add("sensitivity", "which priors drive an output's uncertainty", "sampling", "result")
    se.add_argument("scenario", metavar="SCENARIO|RUN")
    se.add_argument("--output", metavar="NAME", help="the output (default: the headline)")
    se.add_argument(
        "--method",
        choices=("sobol", "tornado", "rank"),
        default="sobol",
        help="sobol: variance-based indices (default); tornado: one at a time, p5 to p95; "
        "rank: Spearman correlations of a run's draws",
    )
    se.add_argument(
        "--n",
        type=_power_of_two,
        default=1 << 13,
        help="sobol: base sample size, a power of two (8192)",
    )
    se.add_argument(
        "--ci", type=probability, default=0.9, help="sobol: bootstrap interval mass (0.9)"
    )
    se.add_argument(
        "--ignore-correlations",
        action="store_true",
        help="sobol: drop the scenario's rank correlations (the indices assume independence)",
    )
    se.add_argument("--top", type=positive_int, metavar="K", help="show the K largest only")
    se.set_defaults(func=_sensitivity.cmd_sensitivity)

    ex = add(
        "exceedance",
        "P(X > threshold) with its Monte Carlo error; value-at-risk and expected shortfall",
        "sampling",
        "result",
    )
    ex.add_argument("scenario", metavar="SCENARIO|RUN")
    ex.add_argument(
        "--threshold",
        "-t",
        type=amount,
        action="append",
        metavar="T",
        help="a threshold, e.g. 1e9 or 1B (repeatable)",
    )
    ex.add_argument(
        "--level",
        type=probability,
        action="append",
        metavar="L",
        help="value-at-risk and expected shortfall at level L, e.g. 0.95 (repeatable)",
    )
    ex.add_argument(
        "--var",
        action="append",
        metavar="NAME",
        help="the variable (default: the headline output; repeatable)",
    )
    ex.set_defaults(func=_exceedance.cmd_exceedance)

    rp = add(
        "report",
        "sample a scenario and write a self-contained HTML report",
        "sampling",
        draws=20_000,
    )
    rp.add_argument("scenario", metavar="SCENARIO|RUN")
    rp.add_argument("--out", metavar="FILE", required=True, help="the HTML file")
    rp.add_argument("--ci", type=probability, default=0.9, help="interval mass (0.9)")
    rp.add_argument("--output", metavar="NAME", help="the output the report is about")
    rp.set_defaults(func=_figures.cmd_report)

    tr = add(
        "trend",
        "the frontier models' cost trend, fitted to point estimates and with their uncertainty",
        "sampling",
        "result",
        draws=2_500,
    )
    tr.add_argument("--output", default="amortized_cost", help="the cost (amortized_cost)")
    tr.add_argument(
        "--tag", default="frontier-model", help="scenarios with this tag (frontier-model)"
    )
    tr.add_argument("--ci", type=probability, default=0.9, help="interval mass (0.9)")
    tr.add_argument("--plot", metavar="FILE", help="the trend chart: .png, .svg or .pdf")
    tr.set_defaults(func=_trend.cmd_trend)

    _epoch.add_parser(sub, add_to)

    # Listed for --help only: main() hands `bench ...` to the benchmark's own parser.
    sub.add_parser("bench", help="throughput benchmark against numpy baselines (bench --help)")
    return p


# The library names its arguments; the command line names its flags.
_FLAGS = {
    "out": "--out",
    "overwrite": "--overwrite",
    "draws": "--draws",
    "chains": "--chains",
    "seed": "--seed",
    "sampler": "--sampler",
    "workers": "--workers",
    "scheduler": "--scheduler",
    "threads_per_worker": "--threads-per-worker",
    "thresholds": "--threshold",
    "memory_bytes": "--memory",
    "seconds": "--max-time",
    "max_points": "--max-points",
}


def cli_message(text: str) -> str:
    """A library message as the command line says it: ``out: ...`` -> ``--out: ...``."""
    head, sep, rest = text.partition(": ")
    if sep and head in _FLAGS:
        return f"{_FLAGS[head]}: {rest}"
    return text


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (2 for any user error)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv[:1] == ["bench"]:  # the benchmark owns its options
            from ..bench.harness import main as bench_main

            return bench_main(argv[1:])
        args = build_parser().parse_args(argv)
        if args.quiet and args.verbose:
            raise FrontiercostError("--quiet and --verbose: choose one")
        return int(args.func(args, Console(quiet=args.quiet, verbose=args.verbose)))
    except FrontiercostError as err:
        print(f"frontiercost: error: {cli_message(str(err))}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # output piped into `head` and the like
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    except KeyboardInterrupt:
        print("frontiercost: interrupted", file=sys.stderr)
        return 130
