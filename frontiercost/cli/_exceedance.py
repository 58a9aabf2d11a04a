"""``exceedance``: P(X > t) with its Monte Carlo error, value-at-risk, expected shortfall."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

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
    scenario_units,
    shown_variables,
    threshold_names,
    thresholds_for,
    to_csv,
    to_json,
    version,
)
from ._sources import (
    Source,
    headline_of,
    is_run_file,
    open_run,
    run_label,
    run_variables,
    sample,
    scenario_record,
    source_of,
    sweep_fields,
)

if TYPE_CHECKING:  # the parser imports this module: xarray loads when a command runs
    import xarray as xr


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

    def check(accepted: list[str], where: str, streamed: list[str] | None = None) -> None:
        for flag, given in (("--var", args.var or []), ("--threshold", named)):
            check_names(flag, given, accepted, where, streamed or [])

    if is_run_file(args.scenario):
        refuse_sampling(args, args.scenario)
        tree = open_run(args.scenario)
        src = source_of(tree, args.scenario, console)
        names, bare_to = shown_variables(args.var, args.threshold, lambda: headline_of(src))
        check(run_variables(src.tree), f"run {src.name!r}")
        thresholds = thresholds_for(args.threshold, bare_to, src.view.units)
        _check_asked(names, thresholds, args.level)
        if sweep_fields(tree):
            levels = list(dict.fromkeys(args.level or []))
            record = _sweep_record(src, list(dict.fromkeys(names)), thresholds, levels)
            emit(console, _render_sweep(record, fmt), save)
            return 0
    else:
        from ._common import load_scenario

        sc = load_scenario(args.scenario, console)
        names, bare_to = shown_variables(args.var, args.threshold, lambda: headline_output(sc))
        store = args.draws * args.chains <= STORE_LIMIT
        inputs = sc.plain_inputs
        accepted = list(sc.outputs) + (inputs if store else [])
        check(accepted, f"scenario {sc.name!r}", None if store else inputs)
        thresholds = thresholds_for(args.threshold, bare_to, scenario_units(sc))
        _check_asked(names, thresholds, args.level)
        # a stored run of outputs keeps only theirs (the same draws: same streams)
        only = store and not sc.observations and set(names) <= set(sc.outputs)
        subset: dict[str, Any] = {"inputs": False, "outputs": list(dict.fromkeys(names))}
        src = sample(
            args.scenario, args, console, store=store, thresholds=thresholds or None,
            **(subset if only else {}),
        )  # fmt: skip
    names = list(dict.fromkeys(names))
    levels = list(dict.fromkeys(args.level or []))
    variables: dict[str, Any] = {}
    from ..results.trees import output_attrs

    for name in names:
        units = str(output_attrs(src.tree, name).get("units", ""))
        ex = exceedance(src.tree, name, thresholds[name]) if thresholds.get(name) else None
        var = value_at_risk(src.tree, name, levels) if levels else None
        es = expected_shortfall(src.tree, name, levels) if levels else None
        variables[name] = _entry(units, ex, var, es)
    record = {
        "schema": "frontiercost.exceedance/1",
        "frontiercost_version": version(),
        "scenario": scenario_record(src),
        "run": src.run_info(),
        "variables": variables,
    }
    emit(console, _render_exceedance(record, fmt), save)
    return 0


def _check_asked(
    names: list[str], thresholds: dict[str, list[float]], levels: list[float] | None
) -> None:
    """Refuse a variable with nothing to compute: it was left out of the table."""
    idle = [n for n in names if not levels and not thresholds.get(n)]
    if idle:
        raise FrontiercostError(
            f"--var {idle[0]}: no threshold or --level for it; give -t {idle[0]}=T (or a bare"
            " -t T with a single --var), or --level"
        )


def _entry(
    units: str, ex: xr.Dataset | None, var: xr.DataArray | None, es: xr.DataArray | None
) -> dict[str, Any]:
    """One variable's figures: ``exceedance``'s dataset over ``threshold``, value-at-risk
    and expected shortfall over ``level`` (each ``None`` when not asked)."""
    entry: dict[str, Any] = {
        "units": units,
        "method": None,
        "draws": None,
        "exceedance": [],
        "value_at_risk": [],
        "expected_shortfall": [],
    }
    if ex is not None:
        entry["method"] = str(ex.attrs["method"])
        entry["draws"] = int(ex.attrs["draws"])
        entry["exceedance"] = [
            {
                "threshold": number(float(t)),
                "probability": number(float(p)),
                "mcse": number(float(m)),
            }
            for t, p, m in zip(
                ex["threshold"].values, ex["probability"].values, ex["mcse"].values, strict=True
            )
        ]
    for key, arr in (("value_at_risk", var), ("expected_shortfall", es)):
        if arr is not None:
            entry[key] = [
                {"level": float(q), "value": number(float(v))}
                for q, v in zip(arr["level"].values, arr.values, strict=True)
            ]
    return entry


def _sweep_record(
    src: Source, names: list[str], thresholds: dict[str, list[float]], levels: list[float]
) -> dict[str, Any]:
    """The figures of a saved sweep, per grid point (``frontiercost.sweep-exceedance/1``)."""
    import numpy as np

    from ..analysis import exceedance, expected_shortfall, value_at_risk
    from ..results.trees import output_attrs

    fields = sweep_fields(src.tree)
    figures = {
        name: (
            str(output_attrs(src.tree, name).get("units", "")),
            exceedance(src.tree, name, thresholds[name]) if thresholds.get(name) else None,
            value_at_risk(src.tree, name, levels) if levels else None,
            expected_shortfall(src.tree, name, levels) if levels else None,
        )
        for name in names
    }
    grid = src.view.posterior
    points = []
    for index in np.ndindex(*(grid.sizes[f] for f in fields)):
        at = dict(zip(fields, index, strict=True))

        def here(obj: Any, at: dict[str, int] = at) -> Any:
            return None if obj is None else obj.isel(at)

        points.append(
            {
                "at": {f: grid[f].values[i].item() for f, i in at.items()},
                "variables": {
                    name: _entry(units, here(ex), here(var), here(es))
                    for name, (units, ex, var, es) in figures.items()
                },
            }
        )
    return {
        "schema": "frontiercost.sweep-exceedance/1",
        "frontiercost_version": version(),
        "scenario": scenario_record(src),
        "run": src.run_info(),
        "fields": fields,
        "points": points,
    }


def _csv_rows(variables: dict[str, Any]) -> list[list[Any]]:
    """A row per figure of ``variables`` (a record's entries by name):
    ``variable, units, measure, at, value, mcse``."""
    rows: list[list[Any]] = []
    for name, v in variables.items():
        rows += [
            [name, v["units"], "exceedance", e["threshold"], e["probability"], e["mcse"]]
            for e in v["exceedance"]
        ]
        for key in ("value_at_risk", "expected_shortfall"):
            rows += [[name, v["units"], key, e["level"], e["value"], None] for e in v[key]]
    return rows


def _render_sweep(record: dict[str, Any], fmt: str) -> str:
    """A saved sweep's figures: a row per grid point (a row per figure in CSV)."""
    from ..analysis.format import format_share

    fields = record["fields"]
    if fmt == "json":
        return to_json(record)
    if fmt == "csv":
        rows = [
            [*(point["at"][f] for f in fields), *row]
            for point in record["points"]
            for row in _csv_rows(point["variables"])
        ]
        return to_csv([*fields, "variable", "units", "measure", "at", "value", "mcse"], rows)
    from ..analysis.format import format_table

    run = record["run"]
    first = record["points"][0]["variables"]
    header = list(fields)
    for name, v in first.items():
        u = v["units"]
        header += [f"{name} P(> {cell_with_unit(e['threshold'], u)})" for e in v["exceedance"]]
        header += [f"{name} VaR {format_share(e['level'])}" for e in v["value_at_risk"]]
        header += [f"{name} ES {format_share(e['level'])}" for e in v["expected_shortfall"]]
    body = []
    for point in record["points"]:
        cells = [str(point["at"][f]) for f in fields]
        for v in point["variables"].values():
            u = v["units"]
            cells += [prob_cell(e["probability"], e["mcse"], v["draws"]) for e in v["exceedance"]]
            cells += [cell(e["value"], u) for e in v["value_at_risk"]]
            cells += [cell(e["value"], u) for e in v["expected_shortfall"]]
        body.append(cells)
    lines = [
        f"{label_text(record['scenario'])}: sweep over {', '.join(fields)}, "
        f"{run_label(run['draws'], run['chains'])} per point, seed {run['seed']}, "
        f"sampler {run['sampler']}"
    ]
    lines += format_table(header, body, "l" * len(fields) + "r" * (len(header) - len(fields)))
    return "\n".join(lines) + "\n"


def _render_exceedance(record: dict[str, Any], fmt: str) -> str:
    from ..analysis.format import format_share, format_table

    if fmt == "json":
        return to_json(record)
    if fmt == "csv":
        rows = _csv_rows(record["variables"])
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
    total = run.get("total_draws")
    for name, v in record["variables"].items():
        if v["draws"] is not None and total is not None and v["draws"] < total:
            lines.append(
                f"{name}: P(X > t) over its {v['draws']:,} draws that are numbers, of"
                f" {total:,} ({total - v['draws']:,} NaN left out)"
            )
    return "\n".join(lines) + "\n"
