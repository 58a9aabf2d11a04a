"""``frontiercost sweep``: a scenario over a grid of field values, on common random numbers."""

from __future__ import annotations

import argparse
import csv
import io
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..errors import FrontiercostError
from ._common import (
    Console,
    cell_with_unit,
    check_names,
    check_run_out,
    check_save,
    emit,
    interval_label,
    limits_from,
    number,
    result_format,
    scenario_units,
    shown_variables,
    thresholds_for,
    write_tree,
)
from ._sources import cluster_kwargs, run_label

if TYPE_CHECKING:  # the parser imports this module: numpy and xarray load when a sweep runs
    import xarray as xr

    from ..scenarios import Scenario

HEADLINES = (
    "amortized_cost",
    "development_cost",
    "total_compute_cost",
    "rd_compute_cost",
    "final_run_cost",
    "cloud_cost",
)
RUN_SUFFIXES = (".nc", ".zarr")


def _variables(
    tree: xr.DataTree, wanted: Sequence[str] | None, scenario: Scenario | None = None
) -> list[str]:
    from ..results.view import view

    available = list(view(tree).variables)
    if wanted:
        bad = [w for w in wanted if w not in available]
        if bad:
            raise FrontiercostError(f"--var: unknown {bad}; accepted: {', '.join(available)}")
        return list(dict.fromkeys(wanted))
    if scenario is not None:  # the output `run` and `report` lead with
        from ..analysis.report import headline_output

        name = headline_output(scenario)
        if name in available:
            return [name]
    for name in HEADLINES:
        if name in available:
            return [name]
    projected = [v for v in available if v.startswith("projected_cost_")]
    return projected[-1:] or available[:1]


def _rows(
    tree: xr.DataTree, names: list[str], ci: float, kind: str
) -> tuple[list[str], list[dict]]:
    """Per grid point: the field values, and each variable's median and interval."""
    import numpy as np

    from ..analysis._quantiles import quantiles
    from ..analysis.summary import interval
    from ..results.view import view

    run = view(tree)
    summary = run.summary_only
    data = tree["summary"].to_dataset() if summary else run.posterior
    sample_dims = {"chain", "draw", "variable", "ci_bound"}
    fields = [
        str(d) for d in data.dims if d not in sample_dims and not str(d).startswith("threshold")
    ]
    shape = [data.sizes[f] for f in fields]
    rows = []
    for index in np.ndindex(*shape):
        at = {f: data[f].values[i].item() for f, i in zip(fields, index, strict=True)}
        point = data.isel(dict(zip(fields, index, strict=True)))
        values: dict[str, dict[str, Any]] = {}
        for name in names:
            if summary:
                row = point.sel(variable=name)
                lo, hi = (float(v) for v in row["ci"].values)
                entry: dict[str, Any] = {
                    "median": float(row["median"]),
                    "lower": lo,
                    "upper": hi,
                }
                ex = f"exceedance_{name}"
                if ex in point:
                    ts = point[f"threshold_{name}"].values
                    entry["exceedance"] = {
                        f"{t:g}": float(p) for t, p in zip(ts, point[ex].values, strict=True)
                    }
            else:
                x = np.asarray(point[name].values, dtype=float).ravel()
                # NaN draws left out of all three, as a --summary sweep's histogram does
                # (the sweep has warned of them); an all-NaN point stays NaN
                lo, hi = interval(x, ci, kind)
                median = float(quantiles(x[~np.isnan(x)], [0.5])[0])
                entry = {"median": median, "lower": lo, "upper": hi}
            if summary:
                entry["units"] = str(data["units"].sel(variable=name).item())
            else:
                entry["units"] = str(data[name].attrs.get("units", ""))
            values[name] = entry
        rows.append({"at": at, "outputs": values})
    return fields, rows


def _json_row(row: dict[str, Any]) -> dict[str, Any]:
    """A point's figures as JSON numbers: NaN (no draw a number) and infinities are null."""
    outputs = {}
    for name, e in row["outputs"].items():
        entry = {k: number(v) if k in ("median", "lower", "upper") else v for k, v in e.items()}
        if "exceedance" in e:
            entry["exceedance"] = {t: number(p) for t, p in e["exceedance"].items()}
        outputs[name] = entry
    return {"at": row["at"], "outputs": outputs}


def _render(
    tree: xr.DataTree, fields: list[str], rows: list[dict], ci: float, kind: str, fmt: str
) -> str:
    if fmt == "json":
        a = tree.attrs

        def count(key: str) -> int | None:  # a file's attributes are numpy integers
            return int(a[key]) if a.get(key) is not None else None

        record = {
            "schema": "frontiercost.sweep/1",
            "scenario": a.get("scenario"),
            "seed": count("seed"),
            "draws": count("draws"),
            "chains": count("chains"),
            "interval": {"kind": kind, "prob": ci},
            "fields": fields,
            "points": [_json_row(r) for r in rows],
        }
        return json.dumps(record, indent=2, allow_nan=False) + "\n"
    from ..analysis.format import format_fraction

    header = list(fields)
    body = []
    for row in rows:
        cells = [str(row["at"][f]) for f in fields]
        for e in row["outputs"].values():
            u = e["units"]
            # NaN (every draw NaN) and infinite values show as "-", as in `run`'s table
            med, low, high = (
                cell_with_unit(number(e[k]), u) for k in ("median", "lower", "upper")
            )
            cells += [med, f"{low} – {high}"]
            cells += [
                "-" if number(p) is None else format_fraction(p)
                for p in e.get("exceedance", {}).values()
            ]
        body.append(cells)
    for name, e in rows[0]["outputs"].items():
        header += [f"{name} median", interval_label(ci, kind)]
        header += [f"P(>{t})" for t in e.get("exceedance", {})]
    if fmt == "csv":
        # one header field per column: an interval is two columns (pandas would shift)
        if kind == "eti":  # an ETI's bounds are quantiles: name them so
            lo, hi = (0.5 - ci / 2) * 100, (0.5 + ci / 2) * 100
            bounds = [f"p{lo:g}", f"p{hi:g}"]
        else:  # an HDI's bounds are not quantiles
            bounds = [f"{interval_label(ci, kind)} lower", f"{interval_label(ci, kind)} upper"]
        head = list(fields)
        for name, e in rows[0]["outputs"].items():
            head += [f"{name} median", *(f"{name} {b}" for b in bounds)]
            head += [f"{name} P(>{t})" for t in e.get("exceedance", {})]
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(head)
        for row in rows:
            cells = [row["at"][f] for f in fields]
            for e in row["outputs"].values():
                cells += [e["median"], e["lower"], e["upper"], *e.get("exceedance", {}).values()]
            writer.writerow(cells)
        return buf.getvalue()
    widths = [max(len(h), *(len(r[i]) for r in body)) for i, h in enumerate(header)]
    lines = [
        f"{tree.attrs.get('scenario')}: sweep over {', '.join(fields)}, "
        f"{run_label(int(tree.attrs['draws']), int(tree.attrs['chains']))} per point, "
        "common random numbers"
    ]
    lines.append("  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)))
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in body]
    return "\n".join(lines) + "\n"


def sweep_table(
    tree: xr.DataTree,
    wanted: Sequence[str] | None,
    ci: float,
    kind: str,
    fmt: str,
    scenario: Scenario | None = None,
) -> str:
    """A sweep's table (one row per grid point), as ``sweep`` prints it: the
    ``wanted`` variables, else the headline of ``scenario`` (the swept one)."""
    names = _variables(tree, wanted, scenario)
    fields, rows = _rows(tree, names, ci, kind)
    return _render(tree, fields, rows, ci, kind, fmt)


def cmd_sweep(args: argparse.Namespace, console: Console) -> int:
    """Sweep a scenario and print one row per grid point."""
    from ..run import sweep

    fmt = result_format(args)
    save = check_save(args)
    kind = "hdi" if args.hdi else "eti"
    out = check_run_out(args, kind="sweep")
    if out is not None and args.summary:
        raise FrontiercostError("--out: a --summary sweep keeps no draws; drop one of them")
    if args.threshold and not args.summary:
        raise FrontiercostError(
            "--threshold: counted by --summary sweeps (streaming runs); add --summary"
        )
    from ._common import load_scenario

    # the scenario's notes, once (as run and validate show them), not once per grid point
    sc = load_scenario(args.scenario, console)
    from ..analysis.report import headline_output

    names: list[str] = list(args.var or [])
    bare_to: list[str] = []
    if args.threshold:  # without thresholds, the table's default variables
        names, bare_to = shown_variables(args.var, args.threshold, lambda: headline_output(sc))
    thresholds = thresholds_for(args.threshold, bare_to, scenario_units(sc))
    # checked before sampling every point (an input named to a --summary sweep failed after)
    inputs = sc.plain_inputs
    for flag, given in (("--var", names), ("--threshold", list(thresholds))):
        if args.summary and any(n in inputs for n in given):
            name = next(n for n in given if n in inputs)
            raise FrontiercostError(
                f"{flag}: {name!r} is an input of scenario {sc.name!r}, and a --summary sweep"
                f" keeps summaries of its outputs only ({', '.join(sc.outputs)}); sweep"
                " without --summary to keep the inputs' draws"
            )
        check_names(flag, given, [*sc.outputs, *inputs], f"scenario {sc.name!r}")
    with console.step(f"sweeping {args.scenario}", progress=True) as bar:
        tree = sweep(
            args.scenario,
            vary=args.vary or None,
            draws=args.draws,
            chains=args.chains,
            seed=args.seed,
            sampler=args.sampler,
            summary_only=args.summary,
            thresholds=thresholds or None,
            ci_prob=args.ci,
            ci_kind=kind,
            limits=limits_from(args),
            strict=args.strict,
            progress=bar.update if bar is not None else None,
            **cluster_kwargs(args),
        )
    # the variables whose thresholds were counted are shown, with their P(> T) columns
    table = sweep_table(tree, names or None, args.ci, kind, fmt, sc)
    if out is not None:
        if names:  # `summarize FILE` prints the same table again
            tree.attrs["table_variables"] = json.dumps(list(dict.fromkeys(names)))
        with console.step(f"writing {out}", progress=True):
            write_tree(tree, out)
        console.note(f"wrote {out}")
    emit(console, table, save)
    return 0
