"""``exceedance``: P(X > t) with its Monte Carlo error, value-at-risk, expected shortfall."""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import FrontiercostError
from ._common import (
    STORE_LIMIT,
    Console,
    cell,
    cell_with_unit,
    check_names,
    check_save,
    emit,
    label_text,
    number,
    prob_cell,
    refuse_sampling,
    result_format,
    threshold_names,
    thresholds_for,
    to_csv,
    to_json,
    version,
)
from ._sources import (
    headline_of,
    is_run_file,
    load_source,
    run_label,
    run_variables,
    sample,
    scenario_record,
)


def cmd_exceedance(args: argparse.Namespace, console: Console) -> int:
    """P(X > t) for thresholds, with value-at-risk and expected shortfall at levels."""
    from ..analysis import exceedance, expected_shortfall, value_at_risk
    from ..analysis.report import headline_output

    console.environment()
    fmt = result_format(args)
    save = check_save(args)
    if not args.threshold and not args.level:
        raise FrontiercostError("give at least one --threshold (e.g. 1e9) or --level (e.g. 0.95)")
    named = threshold_names(args.threshold)
    asked = list(dict.fromkeys([*(args.var or []), *named]))

    def check(accepted: list[str], where: str, streamed: list[str] | None = None) -> None:
        for flag, given in (("--var", args.var or []), ("--threshold", named)):
            check_names(flag, given, accepted, where, streamed or [])

    if is_run_file(args.scenario):
        refuse_sampling(args, args.scenario)
        src = load_source(args.scenario, console)
        names = asked or [headline_of(src)]
        check(run_variables(src.tree), f"run {src.name!r}")
        thresholds = thresholds_for(args.threshold, names)
    else:
        from ._common import load_scenario

        sc = load_scenario(args.scenario, console)
        names = asked or [headline_output(sc)]
        store = args.draws * args.chains <= STORE_LIMIT
        inputs = [n for n in sc.inputs if n not in sc.outputs]
        accepted = list(sc.outputs) + (inputs if store else [])
        check(accepted, f"scenario {sc.name!r}", None if store else inputs)
        thresholds = thresholds_for(args.threshold, names)
        src = sample(args.scenario, args, console, store=store, thresholds=thresholds or None)
    names = list(dict.fromkeys(names))
    levels = list(dict.fromkeys(args.level or []))
    variables: dict[str, Any] = {}
    from ..results.trees import output_attrs

    for name in names:
        entry: dict[str, Any] = {
            "units": str(output_attrs(src.tree, name).get("units", "")),
            "method": None,
            "draws": None,
            "exceedance": [],
            "value_at_risk": [],
            "expected_shortfall": [],
        }
        if thresholds.get(name):
            ex = exceedance(src.tree, name, thresholds[name])
            entry["method"] = str(ex.attrs["method"])
            entry["draws"] = int(ex.attrs["draws"])
            entry["exceedance"] = [
                {
                    "threshold": number(float(t)),
                    "probability": number(float(p)),
                    "mcse": number(float(m)),
                }
                for t, p, m in zip(
                    ex["threshold"].values,
                    ex["probability"].values,
                    ex["mcse"].values,
                    strict=True,
                )
            ]
        if levels:
            var = value_at_risk(src.tree, name, levels)
            es = expected_shortfall(src.tree, name, levels)
            entry["value_at_risk"] = [
                {"level": float(q), "value": number(float(v))}
                for q, v in zip(levels, var.values, strict=True)
            ]
            entry["expected_shortfall"] = [
                {"level": float(q), "value": number(float(v))}
                for q, v in zip(levels, es.values, strict=True)
            ]
        variables[name] = entry
    record = {
        "schema": "frontiercost.exceedance/1",
        "frontiercost_version": version(),
        "scenario": scenario_record(src),
        "run": src.run_info(),
        "variables": variables,
    }
    emit(console, _render_exceedance(record, fmt), save)
    return 0


def _render_exceedance(record: dict[str, Any], fmt: str) -> str:
    from ..analysis.format import format_share, format_table

    if fmt == "json":
        return to_json(record)
    if fmt == "csv":
        rows: list[list[Any]] = []
        for name, v in record["variables"].items():
            rows += [
                [name, v["units"], "exceedance", e["threshold"], e["probability"], e["mcse"]]
                for e in v["exceedance"]
            ]
            rows += [
                [name, v["units"], "value_at_risk", e["level"], e["value"], None]
                for e in v["value_at_risk"]
            ]
            rows += [
                [name, v["units"], "expected_shortfall", e["level"], e["value"], None]
                for e in v["expected_shortfall"]
            ]
        return to_csv(["variable", "units", "measure", "at", "value", "mcse"], rows)
    run = record["run"]
    lines = [
        f"{label_text(record['scenario'])}: {run_label(run['draws'], run['chains'])}, "
        f"seed {run['seed']}, "
        f"sampler {run['sampler']}"
    ]
    ex_rows, risk_rows = [], []
    methods = set()
    for name, v in record["variables"].items():
        u = v["units"]
        for e in v["exceedance"]:
            ex_rows.append(
                [
                    name,
                    cell_with_unit(e["threshold"], u),
                    prob_cell(e["probability"], e["mcse"], v["draws"]),
                ]
            )
        if v["method"] not in (None, "draws"):
            methods.add(v["method"])
        for var, es in zip(v["value_at_risk"], v["expected_shortfall"], strict=True):
            risk_rows.append(
                [name, format_share(var["level"]), cell(var["value"], u), cell(es["value"], u), u]
            )
    if ex_rows:
        lines += format_table(["variable", "threshold t", "P(X > t) ± MCSE"], ex_rows, "lr")
    if risk_rows:
        if ex_rows:
            lines.append("")
        lines += format_table(
            ["variable", "level", "value-at-risk", "expected shortfall", "unit"],
            risk_rows,
            "lrrrl",
        )
    if "histogram" in methods:
        lines.append(
            "streaming run: probabilities from the run's histogram (within one bin, 0.39 %)"
        )
    return "\n".join(lines) + "\n"
