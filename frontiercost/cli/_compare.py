"""``compare``: two scenarios or runs side by side, and P(A > B) paired draw by draw."""

from __future__ import annotations

import argparse
import re
from typing import Any

from ..errors import FrontiercostError, SimulationError
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
    limits_from,
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


# run.check_bounds' refusal of a stored run: its figures, the draws that fit, the rest
_OVER_BUDGET = re.compile(
    r"(?P<head>.*?more than the memory budget of [^;]*); "
    r"(?P<fits>use at most [\d,]+ draws per chain \(--draws\), )?.*stream instead",
    re.DOTALL,
)


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
        refuse_sampling(args, args.a, args.b)
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
    # both runs are held at once: each sampled one within its share of the budget
    shared_args = argparse.Namespace(**vars(args))
    shared_args.memory = max(1, limits_from(args).memory_bytes // max(1, 2 - len(files)))
    try:
        # outputs only: compare pairs the outputs both runs share (inputs were half the memory)
        srcs = {
            k: files[k]
            if k in files
            else sample(t, shared_args, console, store=True, settings=settings, inputs=False)
            for k, t in (("a", args.a), ("b", args.b))
        }
    except SimulationError as err:
        refused = _OVER_BUDGET.match(str(err))
        if refused is None:
            raise
        # streaming or a file are no help here: compare pairs draws held in memory
        fix = (refused["fits"] or "use fewer --draws, ").rstrip(", ")
        raise SimulationError(
            f"{refused['head']} (its share of the budget: compare holds both runs' draws in"
            f" memory); {fix}, or raise the budget (--memory, FRONTIERCOST_MEMORY)"
        ) from None
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
    # Draw d of two runs of one seed share the uniforms of every input of the same name:
    # for two different scenarios (two models' training hours are different facts)
    # that coupling is an artifact, so they are compared as independent.
    pairing = args.pairing or ("common" if _same_scenario(a, b) else "independent")
    seed = int(sb["seed"])
    outputs: dict[str, Any] = {}
    for name in shared:
        pg = prob_greater(
            a.tree, b.tree, name, pairing="index" if pairing == "common" else "shuffle", seed=seed
        )
        sides: dict[str, dict[str, Any]] = {}
        for key, summary, src in zip(("a", "b"), summaries, (a, b), strict=True):
            row = summary.sel(variable=name)
            attrs = src.view.attrs(name)
            basis, cloud = attrs.get("dollars"), attrs.get("cloud_basis")
            if basis == "nominal" and src.scenario is not None and src.scenario.prices_date:
                # nominal dollars of 2024 and of 2025 are different dollars
                basis = f"nominal ({src.scenario.prices_date} prices)"
            sides[key] = {
                "median": number(float(row["median"])),
                "mean": number(float(row["mean"])),
                "lower": number(float(row["ci"][0])),
                "upper": number(float(row["ci"][1])),
                "dollars": str(basis) if basis else None,
                "cloud_basis": str(cloud) if cloud else None,
            }
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
        "pairing": pairing,
        "interval": {"kind": kind, "prob": args.ci},
        "outputs": outputs,
    }
    for text in mismatches(outputs):
        console.warn(text)
    emit(console, _render_compare(record, fmt), save)
    return 0


def mismatches(outputs: dict[str, Any]) -> list[str]:
    """One warning for outputs in different dollars, one for different cloud bases.

    ``outputs`` maps an output to its ``a`` and ``b`` sides (``dollars``,
    ``cloud_basis``); each warning names the outputs and both sides' bases.
    """
    out = []
    for key, what, fix in (
        ("dollars", "in different dollars", "give both scenarios the same [scenario] dollars"),
        (
            "cloud_basis",
            "priced on different cloud bases",
            "give both the same hardware.cloud_basis (on-demand, 1yr, 3yr, contract)",
        ),
    ):
        differ = {n: (o["a"].get(key), o["b"].get(key)) for n, o in outputs.items()
                  if o["a"].get(key) != o["b"].get(key)}  # fmt: skip
        if not differ:
            continue
        words = dollar_words if key == "dollars" else _basis_words
        by_pair: dict[tuple[Any, Any], list[str]] = {}
        for n, pair in differ.items():
            by_pair.setdefault(pair, []).append(n)
        parts = [f"{', '.join(names)}: A {words(a)}, B {words(b)}"
                 for (a, b), names in by_pair.items()]  # fmt: skip
        if key == "cloud_basis" and all(None in pair for pair in by_pair):
            # one side is not a cloud price at all: no cloud basis can make them alike
            what = "priced differently"
            fix = "one side's is from a cloud price and the other's is not (amortized hardware)"
        out.append(f"the runs' figures are {what} ({'; '.join(parts)}); {fix}")
    return out


def _basis_words(basis: str | None) -> str:
    """``"3yr"`` -> ``"3yr cloud price"``; None: no cloud price."""
    return f"{basis} cloud price" if basis else "no cloud price"


def _render_compare(record: dict[str, Any], fmt: str) -> str:
    from ..analysis.format import format_table

    if fmt == "json":
        return to_json(record)
    if fmt == "csv":
        header = ["output", "units"]
        for side in ("a", "b"):
            header += [f"{side}_{k}" for k in ("median", "mean", "lower", "upper")]
        for side in ("a", "b"):
            header += [f"{side}_dollars", f"{side}_cloud_basis"]
        header += ["prob_a_greater", "mcse", "prob_equal", "mean_difference", "paired_draws"]
        rows = [
            [name, o["units"]]
            + [o[s][k] for s in ("a", "b") for k in ("median", "mean", "lower", "upper")]
            + [o[s][k] for s in ("a", "b") for k in ("dollars", "cloud_basis")]
            + [o["prob_a_greater"], o["mcse"], o["prob_equal"]]
            + [o["mean_difference"], o["paired_draws"]]
            for name, o in record["outputs"].items()
        ]
        return to_csv(header, rows)
    run = record["a"]["run"]
    interval = interval_label(record["interval"]["prob"], record["interval"]["kind"])
    lines = [
        f"A: {label_text(record['a']['scenario'])}",
        f"B: {label_text(record['b']['scenario'])}",
    ]
    if record["pairing"] == "independent":
        how = (
            "P(A > B) of independent runs (B's draws shuffled: different scenarios;"
            " --pairing common pairs them draw by draw)"
        )
    elif record["paired"]:
        how = "paired draw by draw (same seed: common random numbers)"
    else:
        how = (
            "draws paired by index, as independent runs (different seeds or samplers, or "
            "a conditioned run's resampled posterior)"
        )
    run_b = record["b"]["run"]

    def both(key: str) -> str:  # one value, or A's and B's when they differ
        return f"{run[key]}" if run[key] == run_b[key] else f"{run[key]} (A), {run_b[key]} (B)"

    lines.append(
        f"{run_label(run['draws'], run['chains'])} each, seed {both('seed')}, "
        f"sampler {both('sampler')}; {how}"
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
    clouds = {(o["a"]["cloud_basis"], o["b"]["cloud_basis"]) for o in record["outputs"].values()
              if o["a"]["cloud_basis"] or o["b"]["cloud_basis"]}  # fmt: skip
    if len(clouds) == 1:
        ca, cb = next(iter(clouds))
        lines.append(
            f"cloud basis: {ca}"
            if ca == cb
            else f"cloud bases differ: A {_basis_words(ca)}, B {_basis_words(cb)}"
        )
    elif clouds:
        lines.append("cloud bases differ: " + "; ".join(
            f"A {_basis_words(x)}, B {_basis_words(y)}" for x, y in sorted(clouds, key=str)
            if x != y))  # fmt: skip
    header = ["output", "unit", "A median", f"A {interval}", "B median", f"B {interval}"]
    lines += format_table([*header, "P(A > B)"], rows, "ll")
    return "\n".join(lines) + "\n"


def _same_scenario(a: Source, b: Source) -> bool:
    """Whether A and B are one scenario: the same recorded scenario text (a file
    renamed or copied is still the same scenario, two files of one name need not
    be), or for bare models without one, the same name."""
    if a.view.scenario_text or b.view.scenario_text:
        return a.view.same_scenario(b.view)
    return a.name == b.name
