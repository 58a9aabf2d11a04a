"""``compare``: two scenarios or runs side by side, and P(A > B) paired draw by draw."""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import FrontiercostError
from ._common import (
    SAMPLING_FLAGS,
    STORE_LIMIT,
    Console,
    cell,
    check_names,
    check_save,
    dollar_words,
    emit,
    interval_label,
    label_text,
    number,
    prob_cell,
    refuse,
    refuse_sampling,
    result_format,
    to_csv,
    to_json,
    version,
)
from ._sources import (
    Source,
    is_run_file,
    load_source,
    run_label,
    sample,
    scenario_record,
)


def _settings(src: Source) -> dict[str, Any]:
    a = src.tree.attrs
    return {
        "draws": int(a["draws"]),
        "chains": int(a["chains"]),
        "seed": int(a["seed"]),
        "sampler": str(a["sampler"]),
    }


def cmd_compare(args: argparse.Namespace, console: Console) -> int:
    """Two scenarios or runs side by side, and P(A > B) paired draw by draw."""
    from ..analysis import prob_greater, summarize

    console.environment()
    fmt = result_format(args)
    save = check_save(args)
    kind = "hdi" if args.hdi else "eti"
    files = {
        k: load_source(t, console) for k, t in (("a", args.a), ("b", args.b)) if is_run_file(t)
    }
    settings = None
    if len(files) == 2:
        refuse_sampling(args, f"{args.a} and {args.b}")
    if len(files) == 1:  # sample the scenario like the saved run: same draws, same seed
        refuse(
            args,
            list(SAMPLING_FLAGS),
            "the scenario is sampled with the saved run's settings, so that draws pair",
        )
        settings = _settings(next(iter(files.values())))
    elif not files and args.draws * args.chains > STORE_LIMIT:
        raise FrontiercostError(
            f"--draws: compare pairs stored draws; use at most {STORE_LIMIT:,} draws in total"
        )
    srcs = {
        k: files[k] if k in files else sample(t, args, console, store=True, settings=settings)
        for k, t in (("a", args.a), ("b", args.b))
    }
    a, b = srcs["a"], srcs["b"]
    for k, s in srcs.items():
        if not s.view.stored:
            raise FrontiercostError(
                f"{k.upper()} ({s.path or s.name}): a streaming run has no draws to pair; "
                "compare needs stored draws"
            )
    shared = [n for n in a.outputs() if n in set(b.outputs())]
    if not shared:
        raise FrontiercostError(f"{a.name} and {b.name} have no output in common")
    if args.var:
        check_names("--var", args.var, shared, "the outputs both runs share")
        shared = list(dict.fromkeys(args.var))
    sa, sb = _settings(a), _settings(b)
    if (sa["draws"], sa["chains"]) != (sb["draws"], sb["chains"]):
        raise FrontiercostError(
            f"A has {sa['chains']} × {sa['draws']:,} draws and B {sb['chains']} × "
            f"{sb['draws']:,}: compare runs with the same --draws and --chains"
        )
    with console.step("summarizing"):
        summaries = [
            summarize(s.tree, ci_prob=args.ci, ci_kind=kind, var_names=shared) for s in (a, b)
        ]
    outputs: dict[str, Any] = {}
    for name in shared:
        pg = prob_greater(a.tree, b.tree, name)
        sides: dict[str, dict[str, Any]] = {}
        for key, summary, src in zip(("a", "b"), summaries, (a, b), strict=True):
            row = summary.sel(variable=name)
            basis = src.view.attrs(name).get("dollars")
            sides[key] = {
                "median": number(float(row["median"])),
                "mean": number(float(row["mean"])),
                "lower": number(float(row["ci"][0])),
                "upper": number(float(row["ci"][1])),
                "dollars": str(basis) if basis else None,
            }
        if sides["a"]["dollars"] != sides["b"]["dollars"]:
            console.warn(
                f"{name}: A is in {dollar_words(sides['a']['dollars'])} and B in"
                f" {dollar_words(sides['b']['dollars'])}: the figures are in different dollars;"
                " give both scenarios the same [scenario] dollars"
            )
        outputs[name] = {
            "units": str(summaries[0]["units"].sel(variable=name).item()),
            "a": sides["a"],
            "b": sides["b"],
            "prob_a_greater": number(float(pg["probability"])),
            "mcse": number(float(pg["mcse"])),
            "prob_equal": number(float(pg["prob_equal"])),
            "mean_difference": number(float(pg["mean_difference"])),
            "paired_draws": int(pg.attrs["paired_draws"]),
        }
    record = {
        "schema": "frontiercost.compare/1",
        "frontiercost_version": version(),
        "a": {"scenario": scenario_record(a), "run": a.run_info()},
        "b": {"scenario": scenario_record(b), "run": b.run_info()},
        # a conditioned run's posterior draws are resampled: no longer aligned by seed
        "paired": sa == sb and not any(x.view.conditioned for x in (a, b)),
        "interval": {"kind": kind, "prob": args.ci},
        "outputs": outputs,
    }
    emit(console, _render_compare(record, fmt), save)
    return 0


def _render_compare(record: dict[str, Any], fmt: str) -> str:
    from ..analysis.format import format_table

    if fmt == "json":
        return to_json(record)
    if fmt == "csv":
        header = ["output", "units"]
        for side in ("a", "b"):
            header += [f"{side}_{k}" for k in ("median", "mean", "lower", "upper")]
        header += ["prob_a_greater", "mcse", "mean_difference", "paired_draws"]
        rows = [
            [name, o["units"]]
            + [o[s][k] for s in ("a", "b") for k in ("median", "mean", "lower", "upper")]
            + [o["prob_a_greater"], o["mcse"], o["mean_difference"], o["paired_draws"]]
            for name, o in record["outputs"].items()
        ]
        return to_csv(header, rows)
    run = record["a"]["run"]
    interval = interval_label(record["interval"]["prob"], record["interval"]["kind"])
    lines = [
        f"A: {label_text(record['a']['scenario'])}",
        f"B: {label_text(record['b']['scenario'])}",
    ]
    how = (
        "paired draw by draw (same seed: common random numbers)"
        if record["paired"]
        else "draws paired by index, as independent runs (different seeds or samplers, or "
        "a conditioned run's resampled posterior)"
    )
    lines.append(
        f"{run_label(run['draws'], run['chains'])} each, seed {run['seed']}, "
        f"sampler {run['sampler']}; {how}"
    )
    rows = []
    for name, o in record["outputs"].items():
        u = o["units"]
        rows.append(
            [
                name,
                u,
                cell(o["a"]["median"], u),
                f"{cell(o['a']['lower'], u)} – {cell(o['a']['upper'], u)}",
                cell(o["b"]["median"], u),
                f"{cell(o['b']['lower'], u)} – {cell(o['b']['upper'], u)}",
                "identical draws"
                if o["prob_equal"] == 1
                else prob_cell(o["prob_a_greater"], o["mcse"], o["paired_draws"]),
            ]
        )
    bases = {
        name: (o["a"]["dollars"], o["b"]["dollars"])
        for name, o in record["outputs"].items()
        if o["a"]["dollars"] or o["b"]["dollars"]
    }
    pairs = set(bases.values())
    if len(pairs) == 1:
        da, db = next(iter(pairs))
        lines.append(
            f"dollars: {dollar_words(da)}"
            if da == db
            else f"dollars differ: A {dollar_words(da)}, B {dollar_words(db)}"
        )
    elif pairs:
        lines.append("dollars differ: " + "; ".join(
            f"{n} A {dollar_words(x)}, B {dollar_words(y)}" for n, (x, y) in bases.items()
            if x != y))  # fmt: skip
    header = ["output", "unit", "A median", f"A {interval}", "B median", f"B {interval}"]
    lines += format_table([*header, "P(A > B)"], rows, "ll")
    return "\n".join(lines) + "\n"
