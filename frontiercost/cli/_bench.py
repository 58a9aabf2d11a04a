"""``frontiercost bench``: the throughput benchmark, under the command line's conventions.

``benchmarks/throughput.py`` and the benchmark's child processes keep the
harness's own parser (``frontiercost.bench.harness.main``); this one gives
``bench`` the flags every command has (``--quiet``, ``--format json``,
``--out``, examples in ``--help``).  The harness (scipy, ~4 s) loads only
when the command runs.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ..bench.methods import DEFAULT_SIZES, HUGE_N, METHODS, SCHEMA
from ..errors import FrontiercostError
from ._common import (
    Console,
    check_out,
    count_value,
    emit,
    memory_value,
    positive_int,
    seconds_value,
    seed_value,
    to_json,
)


def _sizes(text: str) -> tuple[int, ...]:
    """``--sizes``: counts as ``--draws`` takes them (``1e6``, ``10k``), comma-separated."""
    sizes = []
    for part in text.split(","):
        try:
            sizes.append(count_value(part.strip()))
        except argparse.ArgumentTypeError as err:
            raise argparse.ArgumentTypeError(f"size {part.strip()!r}: {err}") from None
    return tuple(sizes)


def _methods(text: str) -> tuple[str, ...]:
    from ..bench.harness import _parse_methods

    return _parse_methods(text)


def add_arguments(be: argparse.ArgumentParser, file_action: Any) -> None:
    """The benchmark's flags on the ``bench`` subparser."""
    be.add_argument(
        "--sizes",
        type=_sizes,
        default=DEFAULT_SIZES,
        metavar="N,N,...",
        help="draws of each measurement, in all (one chain): e.g. 1e6,1e7 "
        f"(default {','.join(f'{n:.0e}'.replace('e+0', 'e') for n in DEFAULT_SIZES)})",
    )
    be.add_argument(
        "--methods",
        type=_methods,
        default=METHODS,
        metavar="M,M,...",
        help=f"which to time (default all): {', '.join(METHODS)}",
    )
    be.add_argument("--threads", type=positive_int, default=2, help="threads per method (2)")
    be.add_argument(
        "--repeats",
        type=count_value,
        default=None,
        help="timed repeats per measurement (default 3 up to 1e7 draws, else 1; best kept)",
    )
    be.add_argument("--seed", type=seed_value, default=0, help="seed of every method (0)")
    be.add_argument(
        "--huge", action="store_true", help=f"also stream {HUGE_N:.0e} draws (frontiercost-stream)"
    )
    be.add_argument(
        "--no-memory",
        action="store_true",
        help="time in this process (default: a child process per measurement, with its RSS)",
    )
    be.add_argument(
        "--no-jit", action="store_true", help="skip the numba compile and start-up probe (~30 s)"
    )
    m = be.add_argument_group("limits (checked before anything is timed)")
    m.add_argument(
        "--memory",
        type=memory_value,
        metavar="SIZE",
        help="most memory one measurement may hold, e.g. 4G or 50%% (FRONTIERCOST_MEMORY;"
        " default half the available memory)",
    )
    m.add_argument(
        "--max-time",
        type=seconds_value,
        metavar="TIME",
        help="refuse a benchmark estimated to take longer, e.g. 600, 10m, 2h"
        " (FRONTIERCOST_MAX_SECONDS; default 6h)",
    )
    be.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="table (default) or json (the record --out writes)",
    )
    file_action(
        be.add_argument(
            "--out",
            "--save",  # the other commands' name for the file of what they print
            metavar="FILE",
            help="also write the result as JSON to FILE (.json)",
        )
    )
    be.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing --out file even if it is not a benchmark result",
    )


def _check_bench_out(args: argparse.Namespace) -> Path | None:
    """``--out`` before any timing: a .json file in a writable folder, not someone else's file."""
    if args.out is None:
        if args.overwrite:
            raise FrontiercostError("--overwrite: there is no --out file to replace")
        return None
    path = check_out(args.out, "--out", (".json",), overwrite=True)  # its own rule below
    if path.exists() and not args.overwrite:
        try:
            theirs = json.loads(path.read_text("utf-8")).get("schema")
        except (OSError, ValueError, AttributeError):
            theirs = None
        if theirs != SCHEMA:
            raise FrontiercostError(
                f"--out: {args.out} exists and is not a benchmark result; choose another "
                "name or pass --overwrite to replace it"
            )
    return path


def cmd_bench(args: argparse.Namespace, console: Console) -> int:
    """Time frontiercost against numpy (and squigglepy) on the reference model."""
    out = _check_bench_out(args)
    console.environment()
    with console.step("loading the benchmark"):
        from ..bench.harness import BenchmarkError, benchmark_from_args, check_args, format_table
    total = sum(args.sizes) * len(args.methods)
    try:
        check_args(args)  # before the note: a refused benchmark does not say it is timing
        console.note(
            f"timing {len(args.methods)} methods at {len(args.sizes)} sizes: "
            f"{total:,} draws in all per repeat, one chain each"
        )
        result = benchmark_from_args(args, out, lambda msg: console.note(f"bench: {msg}"))
    except BenchmarkError as exc:
        raise FrontiercostError(str(exc)) from None
    if out is not None:
        console.note(f"wrote {out}")
    emit(console, to_json(result) if args.format == "json" else format_table(result), None)
    runs = [r for r in result["runs"] + [result["huge"]] if r is not None]
    if runs and not any(r.get("status") in ("ok", "unavailable") for r in runs):
        # every row an error (all past the time limit): a benchmark that measured nothing
        which = "the measurement" if len(runs) == 1 else f"none of the {len(runs)} measurements"
        raise FrontiercostError(
            f"bench: {which} {'did not finish' if len(runs) == 1 else 'finished'};"
            f" {'its row says' if len(runs) == 1 else 'their rows say'} why"
        )
    return 0


__all__ = ["add_arguments", "cmd_bench"]
