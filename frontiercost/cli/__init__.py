"""Command line: each subcommand parses, calls the public API, returns an exit code.

``main(argv)`` returns 0 on success, 2 on any user error (one message on
stderr, never a traceback), 1 on an I/O error, 130/143 when interrupted.
Results go to stdout (``--format table|json|csv``, or ``--save FILE``); notes,
warnings, progress and ``--verbose`` timings go to stderr.
The JSON output is described in ``docs/json-output.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import os
import re
import signal
import sys
import textwrap
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from .._files import (
    Terminated,
    forget_interrupts,
    handle_interrupts,
    interrupted,
    raise_if_interrupted,
)
from ..errors import FrontiercostError
from ._common import (
    EXIT_USAGE,
    FORMATS,
    Console,
    Once,
    Parser,
    Renamed,
    count_value,
    draws_help,
    draws_value,
    given_flags,
    memory_value,
    names_list,
    positive_int,
    probability,
    safe_streams,
    seconds_value,
    seed_value,
    threshold_value,
    version,
)

__all__ = ["EXIT_USAGE", "build_parser", "main"]

SAMPLERS = ("mc", "qmc", "lhs")


def _power_of_two(text: str) -> int:
    n = positive_int(text)
    if not 16 <= n <= 1 << 24 or n & (n - 1):
        raise argparse.ArgumentTypeError(f"must be a power of two from 16 to 2**24, got {text}")
    return n


def _examples(*lines: str) -> str:
    """An ``Examples`` epilog; ``tests/test_cli_conventions.py`` runs every line of it."""
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


def _file(action: argparse.Action, kind: str = "file") -> argparse.Action:
    """Mark an argument as a path for shell completion (shtab)."""
    import shtab

    action.complete = shtab.DIRECTORY if kind == "dir" else shtab.FILE  # type: ignore[attr-defined]
    return action


def _parents(draws: int = 10_000, chains: int = 4) -> dict[str, Parser]:
    """Option groups shared by subcommands (new objects per call: argparse shares actions)."""
    chatter = Parser(add_help=False)
    g = chatter.add_mutually_exclusive_group()
    # SUPPRESS: given after the subcommand they set the value, else the main parser's stays
    g.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=argparse.SUPPRESS,
        help="no notes and no progress on stderr (results, warnings and errors still show)",
    )
    g.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,
        help="also timings, threads and kernel cache (on stderr)",
    )
    chatter.add_argument(
        "--progress",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show progress on stderr even when it is not a terminal (default: terminals only)",
    )
    sampling = Parser(add_help=False)
    s = sampling.add_argument_group("sampling (when given a scenario)")
    s.add_argument("--draws", type=draws_value, default=draws, help=draws_help(draws, chains))
    s.add_argument("--chains", type=positive_int, default=chains, help=f"chains ({chains})")
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
    _file(
        r.add_argument(
            "--save",
            metavar="FILE",
            help="write the result to FILE (.json, .csv or .txt; format from the suffix) "
            "instead of stdout",
        )
    )
    cluster = Parser(add_help=False)
    k = cluster.add_argument_group("dask (scale-out; default: local threads)")
    k.add_argument(
        "--workers", type=positive_int, metavar="N", help="start a local cluster of N processes"
    )
    k.add_argument("--scheduler", metavar="ADDRESS", help="use a running dask scheduler")
    k.add_argument(
        "--threads-per-worker",
        type=positive_int,
        metavar="K",
        help="threads per worker of --workers (1)",
    )
    out = Parser(add_help=False)
    o = out.add_argument_group("draws file")
    _file(o.add_argument("--out", metavar="FILE", help="keep the draws: FILE.nc or FILE.zarr"))
    limits = Parser(add_help=False)
    m = limits.add_argument_group("limits (checked before any work)")
    m.add_argument(
        "--memory",
        type=memory_value,
        metavar="SIZE",
        help="most memory stored draws may take, e.g. 4G or 50%% (FRONTIERCOST_MEMORY;"
        " default half the available memory); larger runs need --out or stream",
    )
    m.add_argument(
        "--max-time",
        type=seconds_value,
        metavar="TIME",
        help="refuse a run estimated to take longer, and stop one whose speed says it"
        " will, e.g. 600, 10m, 2h"
        " (FRONTIERCOST_MAX_SECONDS; default 6h)",
    )
    m.add_argument(
        "--strict",
        action="store_true",
        help="exit 2 when an output has NaN or infinite draws, or when a conditioned run's"
        " diagnostics fail (default: a warning on stderr)",
    )
    return {
        "chatter": chatter,
        "sampling": sampling,
        "interval": interval,
        "result": result,
        "cluster": cluster,
        "out": out,
        "limits": limits,
    }


def _var(parser: argparse.ArgumentParser, help_: str, *, many: bool, renamed: bool) -> None:
    """``--var NAME`` (repeatable or one), with the old ``--output`` as a hidden alias."""
    if many:
        parser.add_argument("--var", action="append", metavar="NAME", help=help_)
    else:
        parser.add_argument("--var", action=Once, metavar="NAME", help=help_)
    if renamed:
        parser.add_argument("--output", dest="var", action=Renamed, new="--var", metavar="NAME")


def _overwrite(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing output file (--out, --save, --plot, --write-scenario) that"
        " this program did not write; without it such a file is never replaced (a folder"
        " that is not a Zarr store never is)",
    )


def _max_points(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-points",
        type=count_value,
        metavar="N",
        help="refuse a [sweep] grid of more than N points (FRONTIERCOST_MAX_POINTS;"
        " default 10,000)",
    )


def _threshold(parser: argparse.ArgumentParser, help_: str) -> None:
    parser.add_argument(
        "-t",
        "--threshold",
        type=threshold_value,
        action="append",
        metavar="VAR=T",
        help=help_ + "; a bare T is for the one variable shown (the headline, or a single --var)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The ``frontiercost`` argument parser."""
    import shtab

    from . import (
        _bench,
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
        epilog=textwrap.fill(
            "SCENARIO is a built-in name (`frontiercost scenarios`) or a .toml file; RUN is a"
            " file saved with `run --out` (.nc or .zarr). `frontiercost COMMAND --help` shows"
            " a command's flags and examples. Exit codes: 0 done, 1 an I/O or internal error,"
            " 2 bad input (or --strict), 130 interrupted (SIGINT), 143 terminated (SIGTERM).",
            79,
        )
        + "\n\n"
        # one paragraph: the help formatter wraps it, never inside a flag
        + "environment: FRONTIERCOST_MEMORY, FRONTIERCOST_MAX_SECONDS and"
        " FRONTIERCOST_MAX_POINTS are the defaults of --memory, --max-time and --max-points;"
        " FRONTIERCOST_KEEP_SECONDS (default 60, 0 off) is how long freed result memory is"
        " kept for reuse within a process; FRONTIERCOST_WIDE_VECTORS=0 keeps numba's"
        " default vector width on AVX-512 CPUs (default 1: 512-bit); NUMBA_NUM_THREADS"
        " caps the threads."
        + "\n\n"
        + _examples(
            "frontiercost scenarios",
            "frontiercost run gpt-4 --draws 1e4",
            "frontiercost run gpt-4 --out gpt-4.nc --quiet",
            "frontiercost summarize gpt-4.nc --format csv",
        ),
    )
    p.add_argument("--version", action="version", version=f"frontiercost {version()}")
    shtab.add_argument_to(
        p,
        ["--print-completion"],
        help=f"print a shell completion script ({', '.join(shtab.SUPPORTED_SHELLS)})",
    )
    g = p.add_mutually_exclusive_group()
    g.add_argument("-q", "--quiet", action="store_true", help="no notes and no progress")
    g.add_argument("-v", "--verbose", action="store_true", help="timings, threads, cache")
    p.add_argument("--progress", action="store_true", help="progress even when not a terminal")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True, parser_class=Parser)

    def add_to(
        subparsers: Any,
        name: str,
        help_: str,
        *groups: str,
        draws: int = 10_000,
        chains: int = 4,
        examples: Sequence[str] = (),
    ) -> argparse.ArgumentParser:
        parents = _parents(draws, chains)
        chosen = [parents["chatter"], *(parents[g] for g in groups)]
        parser: argparse.ArgumentParser = subparsers.add_parser(
            name,
            help=help_,
            description=help_,
            parents=chosen,
            epilog=_examples(*examples) if examples else None,
        )
        if {"result", "out"} & set(groups):
            _overwrite(parser)
        return parser

    def add(
        name: str, help_: str, *groups: str, draws: int = 10_000, examples: Sequence[str] = ()
    ) -> argparse.ArgumentParser:
        return add_to(sub, name, help_, *groups, draws=draws, examples=examples)

    pr = add(
        "priors",
        "list the default priors, or show one",
        "result",
        examples=[
            "frontiercost priors",
            "frontiercost priors server_cost_factor",
            "frontiercost priors --format json",
        ],
    )
    pr.add_argument("name", nargs="?", help="a prior's name")
    pr.set_defaults(func=_info.cmd_priors)

    sc = add(
        "scenarios",
        "list the built-in scenarios, or show one",
        "result",
        examples=[
            "frontiercost scenarios",
            "frontiercost scenarios gpt-4",
            "frontiercost scenarios --format json",
            "frontiercost scenarios new-run-h100-2025 --toml",
        ],
    )
    _file(sc.add_argument("name", nargs="?", help="a scenario's name or file"))
    sc.add_argument(
        "--toml",
        action="store_true",
        help="print the scenario's file itself, to copy and edit"
        " (frontiercost scenarios gpt-4 --toml > my-run.toml)",
    )
    sc.set_defaults(func=_info.cmd_scenarios)

    va = add(
        "validate",
        "check scenario files without running them",
        examples=["frontiercost validate gpt-4 gpt-4-development"],
    )
    _file(
        va.add_argument(
            "files", nargs="+", metavar="FILE", help="scenario files (or built-in names)"
        )
    )
    _max_points(va)
    va.set_defaults(func=_info.cmd_validate)

    ch = add(
        "chips",
        "list the chip library (--format json: every chip's facts and prices)",
        "result",
        examples=[
            "frontiercost chips",
            "frontiercost chips h200 --format json",
            "frontiercost chips --format json",
        ],
    )
    ch.add_argument(
        "chip",
        nargs="?",
        help="one chip: its key, name or an alias, case and punctuation ignored (e.g. h200)",
    )
    ch.set_defaults(func=_info.cmd_chips)

    ru = add(
        "run",
        "sample a scenario and print its summary",
        "sampling",
        "interval",
        "result",
        "out",
        "limits",
        "cluster",
        examples=[
            "frontiercost run gpt-4 --draws 1e4",
            "frontiercost run gpt-4 --draws 2500 --var amortized_cost --var cloud_cost --hdi",
            "frontiercost run gpt-4 --draws 2500 --out gpt-4.nc --plot gpt-4.png",
            "frontiercost run gpt-4 --format json --save gpt-4.json",
            "frontiercost run reference --draws 1e6 --chains 2",
        ],
    )
    _file(
        ru.add_argument(
            "scenario",
            metavar="SCENARIO",
            help="a built-in scenario's name, a scenario file, or 'reference' (the benchmark"
            " model)",
        )
    )
    _var(ru, "summarize NAME only (repeatable)", many=True, renamed=False)
    _file(
        ru.add_argument(
            "--plot",
            metavar="FILE",
            help="distribution of the headline output (fan chart for a projection):"
            " .png/.svg/.pdf",
        )
    )
    ru.set_defaults(func=_summary.cmd_run)

    sw = add(
        "sweep",
        "a scenario over a grid of field values, every point on the same draws",
        "sampling",
        "interval",
        "result",
        "out",
        "limits",
        "cluster",
        examples=[
            "frontiercost sweep frontier-run-2025-2030 --vary growth_rate=2,2.4,2.9 --draws 2500"
            " --out growth.nc",
            "frontiercost sweep frontier-run-2025-2030 --vary growth_rate=2,2.9 --summary"
            " -t projected_cost_2027=1e9 --var projected_cost_2027 --draws 2500",
        ],
    )
    _file(sw.add_argument("scenario", metavar="SCENARIO"))
    sw.add_argument(
        "--vary",
        action="append",
        metavar="FIELD=VALUES",
        help="e.g. final_run_share.central=0.05:0.3:6, year=2025..2030, growth_rate=2,2.4 "
        "(repeatable; adds to the scenario's [sweep] table)",
    )
    _var(sw, "outputs to show (repeatable)", many=True, renamed=False)
    sw.add_argument(
        "--summary", action="store_true", help="keep summaries only (streaming runs, no draws)"
    )
    _threshold(sw, "--summary: count P(VAR > T) exactly at every point (repeatable)")
    _max_points(sw)
    sw.set_defaults(func=_sweep.cmd_sweep)

    su = add(
        "summarize",
        "the summary of a saved run, as `run` prints it",
        "interval",
        "result",
        examples=[
            "frontiercost summarize gpt-4.nc",
            "frontiercost summarize gpt-4.nc --var amortized_cost --format json",
        ],
    )
    _file(
        su.add_argument("file", metavar="RUN", help="a run saved with `run --out` (.nc or .zarr)")
    )
    _var(su, "summarize NAME only (repeatable)", many=True, renamed=False)
    su.set_defaults(func=_summary.cmd_summarize)

    pl = add(
        "plot",
        "one figure of a saved run or a scenario",
        "sampling",
        "interval",
        "limits",
        examples=[
            "frontiercost plot gpt-4.nc --kind distribution --plot cost.png",
            "frontiercost plot gpt-4 --kind tornado --plot tornado.svg",
            "frontiercost plot gpt-4 --kind exceedance -t 1e8 --draws 2500 --plot tail.png",
        ],
    )
    _file(
        pl.add_argument(
            "source", metavar="RUN|SCENARIO", help="a saved run, or a scenario to sample"
        )
    )
    pl.add_argument("--kind", choices=_figures.PLOT_KINDS, required=True, help="the figure")
    _file(pl.add_argument("--plot", metavar="FILE", help="the image file: .png, .svg or .pdf"))
    pl.add_argument("--out", dest="plot", action=Renamed, new="--plot", metavar="FILE")
    _overwrite(pl)
    pl.add_argument(
        "--var",
        action=Once,
        metavar="NAME",
        help="the variable (distribution, exceedance, tornado: default the headline output; "
        "components: the total)",
    )
    pl.add_argument(
        "--parts", type=names_list, metavar="A,B", help="components: the parts of --var"
    )
    _threshold(pl, "exceedance: mark T (repeatable); projection: the threshold line (1e9)")
    pl.set_defaults(func=_figures.cmd_plot)

    co = add(
        "compare",
        "two scenarios or runs side by side, and P(A > B)",
        "sampling",
        "interval",
        "result",
        "limits",
        examples=[
            "frontiercost compare gpt-4 gemini-1-0-ultra --draws 2500",
            "frontiercost compare gpt-4.nc gemini-1-0-ultra --var amortized_cost",
        ],
    )
    _file(co.add_argument("a", metavar="A", help="a scenario or a saved run"))
    _file(co.add_argument("b", metavar="B", help="a scenario or a saved run"))
    _var(co, "compare NAME only (repeatable)", many=True, renamed=False)
    co.add_argument(
        "--pairing",
        choices=("common", "independent"),
        help="how P(A > B) pairs the draws: common (draw d of A with draw d of B: with one"
        " seed, inputs of the same name take the same value, as for two variants of one run)"
        " or independent (B's draws shuffled, as for two different runs); default: common"
        " when A and B are the same scenario, else independent",
    )
    co.set_defaults(func=_compare.cmd_compare)

    se = add(
        "sensitivity",
        "which priors drive an output's uncertainty",
        "sampling",
        "interval",
        "result",
        "limits",
        examples=[
            "frontiercost sensitivity gpt-4 --n 1024",
            "frontiercost sensitivity gpt-4 --method tornado --var cloud_cost",
            "frontiercost sensitivity gpt-4.nc --method rank",
        ],
    )
    _file(se.add_argument("scenario", metavar="SCENARIO|RUN"))
    _var(se, "the output (default: the headline)", many=False, renamed=True)
    se.add_argument(
        "--method",
        choices=("sobol", "tornado", "rank"),
        default="sobol",
        help="sobol: variance-based indices with bootstrap intervals (default; --n, --seed,"
        " --ci); tornado: one at a time, p5 to p95 (no sampling); rank: Spearman correlations"
        " of a run's draws (--draws, --chains, --seed, --sampler)",
    )
    se.add_argument(
        "--n",
        type=_power_of_two,
        default=1 << 13,
        help="sobol: base sample size, a power of two (8192)",
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
        "limits",
        examples=[
            "frontiercost exceedance gpt-4 -t 1e8 --level 0.95 --draws 2500",
            "frontiercost exceedance gpt-4 -t amortized_cost=1e8 -t cloud_cost=100M --draws 2500",
            "frontiercost exceedance gpt-4.nc --level 0.99",
            "frontiercost exceedance growth.nc -t projected_cost_2027=1e9",
        ],
    )
    _file(ex.add_argument("scenario", metavar="SCENARIO|RUN"))
    _threshold(ex, "P(VAR > T), T such as 1e9 or 1B (repeatable)")
    ex.add_argument(
        "--level",
        type=probability,
        action="append",
        metavar="L",
        help="value-at-risk and expected shortfall at level L, e.g. 0.95 (repeatable)",
    )
    _var(ex, "the variable (default: the headline output; repeatable)", many=True, renamed=False)
    ex.set_defaults(func=_exceedance.cmd_exceedance)

    rp = add(
        "report",
        "sample a scenario and write a self-contained HTML report",
        "sampling",
        "interval",
        "limits",
        draws=20_000,
        examples=["frontiercost report gpt-4 --out gpt-4.html --draws 2500"],
    )
    _file(rp.add_argument("scenario", metavar="SCENARIO|RUN"))
    _file(rp.add_argument("--out", metavar="FILE", required=True, help="the HTML file"))
    _overwrite(rp)
    _var(rp, "the output the report is about (default: the headline)", many=False, renamed=True)
    rp.set_defaults(func=_figures.cmd_report)

    tr = add(
        "trend",
        "the frontier models' cost trend, fitted to point estimates and with their uncertainty",
        "sampling",
        "interval",
        "result",
        "limits",
        draws=2_500,
        examples=["frontiercost trend --draws 250 --chains 2 --plot trend.png"],
    )
    _var(tr, "the cost (amortized_cost)", many=False, renamed=True)
    tr.add_argument(
        "--tag", default="frontier-model", help="scenarios with this tag (frontier-model)"
    )
    tr.add_argument(
        "--shared-inputs",
        action="store_true",
        help="pair draw d of every model, so inputs of the same name (training hours, chip"
        " prices...) move together across models as one systematic error would (default:"
        " the models' uncertainties are independent)",
    )
    _file(tr.add_argument("--plot", metavar="FILE", help="the trend chart: .png, .svg or .pdf"))
    tr.set_defaults(func=_trend.cmd_trend, var=None)

    _epoch.add_parser(sub, add_to)

    be = add(
        "bench",
        "throughput benchmark: frontiercost against numpy (and squigglepy) on the reference model",
        examples=[
            "frontiercost bench --sizes 1e5 --methods numpy,numpy-best --no-memory --no-jit",
            "frontiercost bench --sizes 1e5 --methods numpy --no-memory --format json"
            " --out bench.json",
        ],
    )
    _bench.add_arguments(be, _file)
    be.set_defaults(func=_bench.cmd_bench)
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


_LONG_WORD = re.compile(r"\S{241,}")


def _shortened(word: re.Match[str]) -> str:
    w = word.group(0)
    return f"{w[:120]}...({len(w) - 180:,} characters)...{w[-60:]}"


def cli_message(text: str) -> str:
    """A library message as the command line says it: ``out: ...`` -> ``--out: ...``;
    a very long word (a value pasted into a flag: 100 kB echoed whole) is cut in its
    middle, which says how much was left out."""
    text = _LONG_WORD.sub(_shortened, text)
    head, sep, rest = text.partition(": ")
    if sep and head in _FLAGS:
        return f"{_FLAGS[head]}: {rest}"
    return text


def _chosen(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The (sub)subcommand's own parser, e.g. ``epoch price``'s."""
    chosen = parser
    for dest in ("command", "epoch_command"):
        subs = [a for a in chosen._actions if isinstance(a, argparse._SubParsersAction)]
        name = getattr(args, dest, None)
        if not subs or name is None or name not in subs[0].choices:
            break
        chosen = subs[0].choices[name]
    return chosen


def _run_command(argv: list[str], console: Console) -> int:
    parser = build_parser()
    if not argv:  # a bare `frontiercost`: what it can do, not an error
        parser.print_help()
        return 0
    _options_before_command(parser, argv)
    args = parser.parse_args(argv)
    args.given = given_flags(_chosen(parser, args), argv) | given_flags(parser, argv[:1])
    if args.quiet and args.verbose:
        raise FrontiercostError("--quiet and --verbose: choose one")
    if args.quiet and args.progress:
        raise FrontiercostError("--progress: --quiet turns progress off; choose one")
    files = ("out", "save", "plot", "write_scenario")
    if getattr(args, "overwrite", False) and not any(getattr(args, f, None) for f in files):
        raise FrontiercostError(
            "--overwrite: there is no output file to replace (give --out, --save, --plot or"
            " --write-scenario)"
        )
    console.quiet, console.verbose, console.progress = args.quiet, args.verbose, args.progress
    for note in Renamed.notes:
        if not console.quiet:
            print(note, file=sys.stderr)
    from .._threads import check_thread_count

    check_thread_count()  # before anything imports numba, whose import fails on it
    return int(args.func(args, console))


def _options_before_command(parser: argparse.ArgumentParser, argv: list[str]) -> None:
    """Refuse a command's flag given before the command (``frontiercost --draws 10k run``).

    argparse would take its value for the command ("invalid choice: '10k'") or
    drop an unknown flag without a word.
    """
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    command = next((w for w in argv if w in commands.choices or w == "--"), None)
    before = argv[: argv.index(command)] if command is not None else argv
    for word in before:
        flag = word.split("=", 1)[0]
        if not flag.startswith("-") or flag in parser._option_string_actions:
            continue
        owner = commands.choices.get(command) if command is not None else None
        if owner is not None and flag in owner._option_string_actions:
            raise FrontiercostError(
                f"{flag}: an option of `{command}`, given before it; put it after the command:"
                f" frontiercost {command} ... {flag}"
            )
        takers = [n for n, sp in commands.choices.items() if flag in sp._option_string_actions]
        where = f"; it is an option of {', '.join(takers)}, given after the command" * bool(takers)
        raise FrontiercostError(
            f"unrecognized arguments: {word}{where}; options before COMMAND:"
            f" {', '.join(o for o in parser._option_string_actions if o.startswith('--'))}"
        )


@contextlib.contextmanager
def _warnings_on(console: Console) -> Iterator[None]:
    """frontiercost's warnings as one ``frontiercost: warning:`` line each, once.

    A scenario's notes (:class:`ScenarioWarning`) are ``frontiercost: note:``
    lines, which ``--quiet`` drops.

    Other packages' warnings (numerical noise inside ArviZ or numpy) are not
    the user's to act on: one ``--verbose`` line each, never Python's
    two-line ``file:line`` format.
    """
    import warnings

    from ..errors import FrontiercostWarning, ScenarioWarning

    def show(message: Any, category: Any, filename: str, lineno: int, *args: Any) -> None:
        if issubclass(category, ScenarioWarning):  # a scenario's note: -q drops it
            console.remark(str(message))
        elif issubclass(category, FrontiercostWarning):
            console.warn(str(message))
        else:
            console.detail(f"{category.__name__} in {filename}:{lineno}: {message}")

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = show  # type: ignore[assignment]
        yield


class _AfterInterrupt(logging.Filter):
    """Drops log records once SIGINT or SIGTERM arrived: the cluster's shutdown chatter."""

    def filter(self, record: logging.LogRecord) -> bool:
        return interrupted() is None


@contextlib.contextmanager
def _quiet_dask(console: Console) -> Iterator[None]:
    """Dask's own log lines (worker and nanny warnings) only with ``--verbose``.

    An interrupted run cancels its tasks; asyncio then logs the client's
    cancelled gather ("Task exception was never retrieved") and the nanny
    its kill of a busy worker: noise after ``frontiercost: interrupted``.
    Workers are spawned processes, so their level goes by the environment.
    """
    if console.verbose:
        yield
        return
    name = "DASK_LOGGING__DISTRIBUTED"
    saved_env = os.environ.get(name)
    # critical: a busy worker whose scheduler an interrupt closed logs its failed heartbeat
    # as an error; a task's own failure reaches the client as an exception all the same
    os.environ[name] = "critical"
    loggers = [logging.getLogger(n) for n in ("distributed", "asyncio")]
    saved_levels = [lg.level for lg in loggers]
    loggers[0].setLevel(logging.ERROR)
    after = _AfterInterrupt()
    loggers[1].addFilter(after)
    # the scheduler's own loggers (distributed.scheduler...) reach the handlers of
    # "distributed", not its filters: an interrupt mid-start logged a CRITICAL
    # "Closed comm" with its traceback
    handlers = list(loggers[0].handlers)
    for h in handlers:
        h.addFilter(after)
    try:
        yield
    finally:
        for h in handlers:
            h.removeFilter(after)
        loggers[1].removeFilter(after)
        for lg, level in zip(loggers, saved_levels, strict=True):
            lg.setLevel(level)
        if saved_env is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = saved_env


def _silence_stdout() -> None:
    """Point stdout at /dev/null: what is still buffered must not fail again at exit."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _stdout_fails() -> bool:
    try:
        sys.stdout.flush()
    except OSError:
        return True
    return False


def _interrupt_code() -> int | None:
    signum = interrupted()
    if signum is None:
        return None
    return 128 + signum


def _stopped(code: int) -> int:
    """Say how the command was stopped (130: SIGINT, 143: SIGTERM); its exit code.

    A signal after an output file was placed leaves that new file (it is whole):
    the line says so, since the exit code alone reads as "nothing written".
    """
    files = sys.modules.get("frontiercost.results.files")
    done = list(getattr(files, "placed_outputs", []))
    after = f" after writing {', '.join(map(str, done))} (complete)" if done else ""
    how = "terminated" if code == 143 else "interrupted"
    print(f"frontiercost: {how}{after}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    0 done; 1 an I/O error (a full disk, stdout closed) or a bug, one line
    either way (``--verbose`` adds the traceback of a bug); 2 bad input or a
    ``--strict`` failure; 130 on SIGINT (Ctrl-C) and 143 on SIGTERM, after
    removing every temporary file and leaving earlier outputs as they were.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    safe_streams()
    Renamed.notes.clear()
    files = sys.modules.get("frontiercost.results.files")  # never imported for this
    if files is not None:
        files.forget_placed()
    console = Console(verbose="-v" in argv or "--verbose" in argv)
    restore = _catch_signals()
    unraisable = sys.unraisablehook
    sys.unraisablehook = _quiet_unraisable(console)
    try:
        with _warnings_on(console), _quiet_dask(console):
            code = _run_command(argv, console)
        raise_if_interrupted()  # a signal whose exception C code swallowed
        if _stdout_fails():
            raise OSError(errno.EIO, "cannot write to standard output")
        return code
    except (KeyboardInterrupt, Terminated) as exc:
        default = 128 + (signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT)
        return _stopped(_interrupt_code() or default)
    except FrontiercostError as err:
        swallowed = _interrupt_code()  # HDF5 may turn an interrupt into an I/O error
        if swallowed is not None:
            return _stopped(swallowed)
        print(f"frontiercost: error: {cli_message(str(err))}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # output piped into `head` and the like
        _silence_stdout()
        return 1
    except SystemExit as exc:  # --help, --version, --print-completion
        if _stdout_fails():
            _silence_stdout()
            print("frontiercost: error: cannot write to standard output", file=sys.stderr)
            return 1
        return exc.code if isinstance(exc.code, int) else 0
    except OSError as err:
        # our file writes name their file (OutputError); an OSError without one is stdout's
        if _stdout_fails() or err.filename is None:
            _silence_stdout()
            what = err.strerror or str(err)
            print(f"frontiercost: error: cannot write to standard output: {what}", file=sys.stderr)
        else:
            text = f"{err.filename}: {err.strerror or err}"
            print(f"frontiercost: error: {_LONG_WORD.sub(_shortened, text)}", file=sys.stderr)
        return 1
    except MemoryError as err:  # the system gave less than the budget said it would
        print(
            f"frontiercost: error: out of memory ({err}); lower --draws, or set --memory"
            " (FRONTIERCOST_MEMORY) to what this machine or its limits allow",
            file=sys.stderr,
        )
        return 1
    except Exception as err:  # a bug: one line, the traceback with --verbose
        swallowed = _interrupt_code()  # numba turns an interrupt into a SystemError
        if swallowed is not None:
            return _stopped(swallowed)
        if console.verbose:
            traceback.print_exc()
        print(
            f"frontiercost: internal error: {type(err).__name__}: {err} (a bug: please report"
            " it with the command; --verbose shows the traceback)",
            file=sys.stderr,
        )
        return 1
    finally:
        if interrupted() is not None:
            for _ in range(3):
                try:
                    _clean_up_after_interrupt()
                    break
                except (KeyboardInterrupt, Terminated):
                    # a further signal during the clean-up (timeout -s INT sends two):
                    # the first chose the exit code; this printed a traceback
                    continue
        sys.unraisablehook = unraisable
        restore()


def _clean_up_after_interrupt() -> None:
    """Temporaries and half-built file objects an interrupted write left."""
    import gc

    # never imported here: an interrupt cut short the imports, whose half-built
    # modules would fail; a program that never loaded it made no temporaries
    files = sys.modules.get("frontiercost.results.files")
    if files is not None:
        files.remove_temporaries()  # what zarr's I/O thread still wrote
    gc.collect()  # half-built file objects of the interrupted write go now, quietly


def _quiet_unraisable(console: Console) -> Callable[[Any], None]:
    """Errors in destructors (an HDF5 file object cut short by a signal): one --verbose line.

    Python would print them as a traceback after the command's own message.
    """

    def hook(info: Any) -> None:
        console.detail(f"ignored in {info.object!r}: {info.exc_type.__name__}: {info.exc_value}")

    return hook


def _catch_signals() -> Callable[[], None]:
    """SIGINT and SIGTERM raise in the main thread (``_files.handle_interrupts``).

    Returns the function that puts the previous handlers back, so that
    ``main`` called in-process (tests, notebooks) leaves the process as it was.
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    handle_interrupts()
    hooks = sys.excepthook, sys.unraisablehook
    sys.excepthook, sys.unraisablehook = _quiet_about_interrupts(*hooks)

    def restore() -> None:
        for s, handler in previous.items():
            signal.signal(s, handler)
        sys.excepthook, sys.unraisablehook = hooks
        forget_interrupts()  # else a later library call in this process would raise on it

    return restore


def _quiet_about_interrupts(
    excepthook: Callable[..., object], unraisablehook: Callable[[Any], object]
) -> tuple[Callable[..., object], Callable[[Any], object]]:
    """``sys.excepthook`` and ``sys.unraisablehook`` that drop the interrupt the command
    already says.

    An interrupt that lands in an import made by C code is printed there as a
    traceback: numpy's ``import_array()``, in a C extension's start-up, calls
    ``PyErr_Print`` (CI: once, 0.5 s into ``run --workers 1``).  The command
    still stops, and says ``frontiercost: interrupted``.
    """

    def ours(value: BaseException | None) -> bool:
        return isinstance(value, KeyboardInterrupt | Terminated) and interrupted() is not None

    def quiet_except(kind: Any, value: BaseException | None, tb: Any) -> object:
        return None if ours(value) else excepthook(kind, value, tb)

    def quiet_unraisable(unraisable: Any) -> object:
        return None if ours(unraisable.exc_value) else unraisablehook(unraisable)

    return quiet_except, quiet_unraisable
