"""``epoch``: Epoch AI's notable-models database priced by a pipeline preset.

``frontiercost epoch price NAME --database PATH`` samples one record and
prints the usual run table, with Epoch's own figures as published figures;
``frontiercost epoch compare --database PATH`` sets ours against every figure
of the database, with the reason for each that does not match.
"""

from __future__ import annotations

import argparse
import datetime as dt
import textwrap
from typing import TYPE_CHECKING, Any

from ..errors import FrontiercostError
from ._common import (
    STORE_LIMIT,
    Console,
    check_names,
    check_out,
    check_save,
    draws_value,
    emit,
    interval_label,
    limits_from,
    number,
    overwrites,
    positive_int,
    probability,
    result_format,
    seconds_value,
    seed_value,
    to_csv,
    to_json,
    version,
)

if TYPE_CHECKING:
    from ..epoch import Comparison

COMPARE_SCHEMA = "frontiercost.epoch-compare/1"
COMPARE_CSV = (
    "model", "line", "published", "output", "epoch", "ours", "ratio", "percentile", "lower",
    "upper", "inside", "category", "note",
)  # fmt: skip


def date_value(text: str) -> dt.date:
    """``--before``: a date ``YYYY-MM-DD``."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a date such as 2024-03-01, got {text!r}"
        ) from None


def share_value(text: str) -> tuple[str, float]:
    """``--share NAME=S``."""
    name, sep, value = text.rpartition("=")
    try:
        share = float(value)
    except ValueError:
        share = -1.0
    if not sep or not name.strip() or not 0 < share <= 1:
        raise argparse.ArgumentTypeError(
            f"expected HARDWARE=SHARE with a share in (0, 1], e.g. h100-sxm5=0.6, got {text!r}"
        )
    return name.strip(), share


# The help's examples run from a clone's root: the extract of the database in the tests
EXTRACT = "tests/data/epoch_notable_models.csv"


def add_parser(sub: Any, add: Any) -> None:
    """Register ``epoch price`` and ``epoch compare`` (``add`` makes a subcommand parser)."""
    ep = sub.add_parser(
        "epoch",
        help="Epoch AI's notable-models database, priced by its 2025 pipeline",
        description="Epoch AI's notable-models database, priced by a pipeline preset"
        " (docs/scenarios.md, 'Pipeline presets'; README, 'Epoch's current pipeline and"
        " database').",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples, from a clone's root (tests/data/epoch_notable_models.csv is an"
        " extract;\nthe whole database: notable_ai_models.csv,"
        " https://epoch.ai/data/notable-ai-models):\n"
        f"  frontiercost epoch price Xception --database {EXTRACT} --draws 2500\n"
        f"  frontiercost epoch compare --database {EXTRACT} --model Xception --draws 200",
    )
    esub = ep.add_subparsers(
        dest="epoch_command", metavar="COMMAND", required=True, parser_class=type(ep)
    )
    pr = add(
        esub,
        "price",
        "sample one record of the database: the usual run table, Epoch's figures beside it",
        "sampling",
        "interval",
        "result",
        "limits",
        examples=[
            f"frontiercost epoch price Xception --database {EXTRACT} --draws 2500",
        ],
    )
    pr.add_argument("name", metavar="NAME", help="the record's Model name")
    _database(pr)
    pr.add_argument(
        "--share",
        type=share_value,
        action="append",
        metavar="HARDWARE=S",
        help="a record on several hardware types: the share of the chips of one (repeatable)",
    )
    pr.add_argument("--var", action="append", metavar="NAME", help="summarize NAME only")
    pr.add_argument(
        "--write-scenario",
        metavar="FILE",
        help="also write the record's scenario (.toml) to FILE, to edit and run on its own",
    )
    pr.set_defaults(func=cmd_price)
    co = add(
        esub,
        "compare",
        "every record with one of Epoch's figures: ours against theirs, and why they differ",
        "result",
        examples=[
            f"frontiercost epoch compare --database {EXTRACT} --model Xception --draws 200",
        ],
    )
    _database(co)
    co.add_argument(
        "--before",
        type=date_value,
        metavar="DATE",
        help="only records published before DATE (e.g. 2024-03-01)",
    )
    co.add_argument(
        "--model",
        action="append",
        metavar="NAME",
        help="only this record (repeatable; default: every record with a figure)",
    )
    co.add_argument(
        "--draws",
        type=_draws_or_zero,
        default=2000,
        metavar="N",
        help="Monte Carlo draws per chain and record for percentiles and intervals (default"
        " 2,000 per chain: 4,000 in all with the default 2 chains; 0: point estimates only)",
    )
    co.add_argument("--chains", type=positive_int, default=2, help="chains per record (2)")
    co.add_argument("--seed", type=seed_value, default=0, help="seed (0)")
    co.add_argument("--ci", type=probability, default=0.9, help="interval mass (0.9)")
    co.add_argument(
        "--hdi", action="store_true", help="highest-density instead of equal-tailed interval"
    )
    co.add_argument(
        "--tolerance", type=float, default=0.01, help="relative difference that matches (0.01)"
    )
    co.add_argument(
        "--all", action="store_true", help="table: list every figure, not only the mismatches"
    )
    co.add_argument(
        "--max-time",
        type=seconds_value,
        metavar="TIME",
        help="refuse a comparison estimated to take longer, e.g. 600, 10m, 2h"
        " (FRONTIERCOST_MAX_SECONDS; default 6h)",
    )
    co.set_defaults(func=cmd_compare)


def _draws_or_zero(text: str) -> int:
    """``epoch compare --draws``: draws per chain, or 0 for point estimates only."""
    return 0 if text.strip() in ("0", "0.0", "0e0") else draws_value(text)


def _database(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--database",
        required=True,
        metavar="PATH",
        help="an export of Epoch's notable-models database: notable_ai_models.csv from"
        " https://epoch.ai/data/notable-ai-models, or the extract a clone has in"
        " tests/data/epoch_notable_models.csv",
    )
    p.add_argument("--pipeline", default="epoch-2025", help="the pipeline preset (epoch-2025)")


# --------------------------------------------------------------------------- price


def cmd_price(args: argparse.Namespace, console: Console) -> int:
    """One record: its scenario sampled, summarized with Epoch's figures."""
    from ..epoch import scenario
    from ..run import simulate
    from ._sources import Source, run_label
    from ._summary import render_summary, summary_record

    console.environment()
    fmt = result_format(args)
    save = check_save(args)
    out = (
        check_out(args.write_scenario, "--write-scenario", (".toml",), overwrites(args))
        if args.write_scenario
        else None
    )
    shares = dict(args.share) if args.share else None
    with console.step("building the record's scenario"):
        sc = scenario(args.name, args.database, args.pipeline, shares=shares)
    console.scenario_notes(sc)
    if not sc.references:  # else the table's "published figure" lines say what there is
        console.note(
            f"{args.database}: no Epoch cost figure for {sc.title!r} (its cost cells are"
            " empty): our estimate stands alone"
        )
    if out is not None:
        from .._files import atomic_open, with_digest

        with atomic_open(out, "w") as fh:
            fh.write(with_digest(sc.text))
        console.note(f"wrote {out}")
    store = args.draws * args.chains <= STORE_LIMIT
    # as `run`: outputs, and the inputs of a stored run; checked before sampling
    inputs = sc.plain_inputs if store else []
    check_names("--var", args.var or [], [*sc.outputs, *inputs], f"scenario {sc.name!r}")
    label = f"sampling {sc.name}: {run_label(args.draws, args.chains)}"
    with console.step(label, progress=True) as bar:
        tree = simulate(
            sc,
            draws=args.draws,
            chains=args.chains,
            seed=args.seed,
            sampler=args.sampler,
            store=store,
            progress=bar.update if bar is not None else None,
            limits=limits_from(args),
            strict=args.strict,
        )
    src = Source(tree, sc, sc.name, sc.title)
    names = list(sc.outputs) if not args.var else list(dict.fromkeys(args.var))
    record = summary_record(src, names, args.ci, "hdi" if args.hdi else "eti", console)
    emit(console, render_summary(record, fmt), save)
    return 0


# --------------------------------------------------------------------------- compare


def compare_record(c: Comparison) -> dict[str, Any]:
    """The JSON of a comparison (docs/json-output.md, ``frontiercost.epoch-compare/1``)."""
    from ..epoch.compare import RUN_DOLLARS

    rows = []
    for r in c.rows:
        rec = r.record()
        for k in ("epoch", "ours", "ratio", "percentile", "lower", "upper"):
            if rec[k] is not None:
                rec[k] = number(rec[k])
        rows.append(rec)
    summary = {
        output: {k: number(v) if isinstance(v, float) else v for k, v in s.items()}
        for output, s in c.summary().items()
    }
    return {
        "schema": COMPARE_SCHEMA,
        "frontiercost_version": version(),
        "database": c.database,
        "pipeline": c.pipeline,
        "before": c.before,
        "tolerance": c.tolerance,
        "dollars": f"{RUN_DOLLARS[0]}-{RUN_DOLLARS[1]:02d} USD",
        "interval": {"kind": c.ci_kind, "prob": c.ci_prob},
        "run": {"draws": c.draws, "chains": c.chains, "seed": c.seed},
        "summary": summary,
        "rows": rows,
    }


def compare_table(record: dict[str, Any], everything: bool = False) -> str:
    """The readable comparison: the summary, then the figures that do not match."""
    from ..analysis.format import format_table, format_value
    from ._sources import run_label

    interval = interval_label(record["interval"]["prob"], record["interval"]["kind"])
    tol = record["tolerance"]
    before = f", published before {record['before']}" if record["before"] else ""
    lines = [
        f"Epoch's figures{before} against the {record['pipeline']} pipeline"
        f" ({record['database']}); match: within {tol:.0%};"
        + (
            f" {run_label(record['run']['draws'], record['run']['chains'])} per record"
            if record["run"]["draws"]
            else " point estimates only"
        )
        + f"; dollars: {record['dollars']}, Epoch's figures read in them"
    ]
    header = ["output", "figures", "priced", "match", "dollars", "v100-price", "fine-tune",
              "other", "not priced", f"in our {interval}"]  # fmt: skip
    rows = []
    for output, s in record["summary"].items():
        cover = "-" if s["coverage"] is None else f"{s['coverage']:.0%}"
        counts = [s[k] for k in ("figures", "priced", "match", "dollars", "v100-price",
                                 "fine-tune", "other", "not priced")]  # fmt: skip
        rows.append([output, *(str(n) for n in counts), cover])
    lines += format_table(header, rows, "lrrrrrrrrr")
    shown = [r for r in record["rows"] if everything or r["category"] != "match"]
    if shown:
        lines += ["", "figures" + ("" if everything else " that do not match") + ":"]
        rows = []
        for r in shown:
            ratio = "-" if r["ratio"] is None else f"{r['ratio']:.3f}"
            pct = "-" if r["percentile"] is None else f"{r['percentile']:.0f}"
            ours = "-" if r["ours"] is None else format_value(r["ours"], "USD", show_unit=False)
            rows.append(
                [r["model"][:36], r["output"].removesuffix("_cost"),
                 format_value(r["epoch"], "USD", show_unit=False), ours, ratio, pct,
                 r["category"]]
            )  # fmt: skip
        lines += format_table(
            ["model", "output", "Epoch", "ours", "ratio", "pct", "category"], rows, "llrrrrl"
        )
        lines += _legend(shown)
    return "\n".join(lines) + "\n"


def _legend(shown: list[dict[str, Any]]) -> list[str]:
    """Why figures do not match: per category, in the summary's column order, with counts.

    A category's count is the number of its figures in the table above (the
    summary's column summed over outputs); each reason under it says how many
    figures it explains, most first, and names the models when they are few.
    """
    from ..epoch.compare import CATEGORIES

    by_category: dict[str, dict[str, list[str]]] = {}
    for r in shown:
        if r["note"]:
            by_category.setdefault(r["category"], {}).setdefault(r["note"], []).append(r["model"])
    lines: list[str] = []
    for category in sorted(by_category, key=CATEGORIES.index):
        reasons = by_category[category]
        total = sum(len(models) for models in reasons.values())
        lines += ["", f"{category}: {total:,} figure{'s' * (total != 1)}"]
        for note, models in sorted(reasons.items(), key=lambda item: -len(item[1])):
            n = len(models)
            text = f"{n:,} figure{'s' * (n != 1)}: {note}"
            if n <= 4:  # a name may hold " (": Stable Diffusion (LDM-KL-8-G)
                text += f" — {', '.join(dict.fromkeys(models))}"
            lines += textwrap.wrap(text, 99, initial_indent="  ", subsequent_indent="      ")
    return lines


def cmd_compare(args: argparse.Namespace, console: Console) -> int:
    """Every figure of the database against the preset's estimate."""
    from ..epoch import compare, load_database
    from ..settings import Limits

    fmt = result_format(args)
    save = check_save(args)
    if not 0 < args.tolerance < 1:
        raise FrontiercostError(f"--tolerance: must be in (0, 1), got {args.tolerance}")
    with console.step("loading the database"):
        db = load_database(args.database)
    for name in args.model or ():
        db.record(name)  # an unknown name fails before any work, naming the nearest
    with console.step("pricing every record with a figure", progress=True, unit="record") as bar:
        result = compare(
            db,
            pipeline=args.pipeline,
            before=args.before,
            draws=args.draws,
            chains=args.chains,
            seed=args.seed,
            ci_prob=args.ci,
            ci_kind="hdi" if args.hdi else "eti",
            tolerance=args.tolerance,
            names=args.model,
            limits=Limits(seconds=args.max_time) if args.max_time else None,
            progress=bar.update if bar is not None else None,
        )
    record = compare_record(result)
    if fmt == "json":
        text = to_json(record)
    elif fmt == "csv":
        text = to_csv(COMPARE_CSV, [[r[k] for k in COMPARE_CSV] for r in record["rows"]])
    else:
        text = compare_table(record, args.all)
    emit(console, text, save)
    return 0


__all__ = ["add_parser", "cmd_compare", "cmd_price", "compare_record", "compare_table"]
