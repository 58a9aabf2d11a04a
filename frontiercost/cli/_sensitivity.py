"""``sensitivity``: which priors drive an output (Sobol indices, tornado, rank correlations)."""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING, Any

from ..errors import FrontiercostError

if TYPE_CHECKING:
    from ..scenarios import Scenario

from ._common import (
    LIMIT_FLAGS,
    SAMPLING_FLAGS,
    STORE_LIMIT,
    Console,
    cell,
    cell_with_unit,
    check_names,
    check_save,
    emit,
    interval_label,
    label_text,
    limits_from,
    number,
    refuse,
    refuse_sampling,
    result_format,
    to_csv,
    to_json,
    version,
)
from ._sources import (
    Source,
    headline_of,
    is_run_file,
    load_source,
    run_label,
    sample,
)

# One analysis per method: (scenario or run, output) -> (units, settings, central, rows).
_Result = tuple[str, dict[str, Any], float | int | None, list[dict[str, Any]]]


def _sobol(sc: Scenario, output: str, args: argparse.Namespace, console: Console) -> _Result:
    from ..analysis import sobol_indices

    if args.ignore_correlations and not sc.correlations:
        raise FrontiercostError(
            f"--ignore-correlations: scenario {sc.name!r} correlates no inputs; drop the flag"
        )
    with console.step(f"Sobol indices of {output}: n = {args.n:,}", progress=True):
        try:
            ds = sobol_indices(
                sc,
                output,
                n=args.n,
                seed=args.seed,
                ci_prob=args.ci,
                ci_kind="hdi" if args.hdi else "eti",
                ignore_correlations=args.ignore_correlations,
                limits=limits_from(args),
            )
        except FrontiercostError as err:  # name the flag, not the keyword argument
            message = (
                str(err)
                .replace("Pass ignore_correlations=True", "Pass --ignore-correlations")
                .replace("; use n = ", "; use --n ")
                .replace("or use rank_correlations on a run", "or use --method rank")
            )
            raise FrontiercostError(message) from None
    rows: list[dict[str, Any]] = []
    for p in ds["parameter"].values:
        one = ds.sel(parameter=p)
        rows.append(
            {
                "name": str(p),
                "units": str(one["parameter_units"].item()),
                "inputs": str(one["parameter_inputs"].item()).split(", "),
                "S1": number(float(one["S1"])),
                "S1_lower": number(float(one["S1_ci"][0])),
                "S1_upper": number(float(one["S1_ci"][1])),
                "ST": number(float(one["ST"])),
                "ST_lower": number(float(one["ST_ci"][0])),
                "ST_upper": number(float(one["ST_ci"][1])),
            }
        )
    rows.sort(key=lambda r: -(r["ST"] if r["ST"] is not None else -math.inf))
    settings = {
        "n": int(ds.attrs["n"]),
        "evaluations": int(ds.attrs["evaluations"]),
        "seed": int(ds.attrs["seed"]),
        "sampler": str(ds.attrs["sampler"]),
        "ci_prob": args.ci,
        "ci_kind": "hdi" if args.hdi else "eti",
        "correlations": str(ds.attrs["correlations"]),
        "interval": str(ds.attrs["interval"]),
    }
    return str(ds["output_units"].item()), settings, None, rows


def _tornado(sc: Scenario, output: str, console: Console) -> _Result:
    from ..analysis import tornado

    with console.step(f"tornado of {output}"):
        ds = tornado(sc, output)
    rows: list[dict[str, Any]] = []
    for p in ds["parameter"].values:
        one = ds.sel(parameter=p)
        rows.append(
            {
                "name": str(p),
                "units": str(one["parameter_units"].item()),
                "inputs": str(one["parameter_inputs"].item()).split(", "),
                "input_low": number(float(one["input_low"])),
                "input_central": number(float(one["input_central"])),
                "input_high": number(float(one["input_high"])),
                "output_low": number(float(one["low"])),
                "output_high": number(float(one["high"])),
                "swing": number(float(one["swing"])),
            }
        )
    settings = {"low": float(ds.attrs["low"]), "high": float(ds.attrs["high"])}
    units = str(ds["low"].attrs.get("units", ""))
    return units, settings, number(float(ds["central"])), rows


def _rank(src: Source, output: str, console: Console) -> _Result:
    from ..analysis import rank_correlations

    with console.step(f"rank correlations with {output}"):
        da = rank_correlations(src.tree, output)
    rows = [
        {
            "name": str(p),
            "units": str(da["parameter_units"].sel(parameter=p).item()),
            "rank_correlation": number(float(da.sel(parameter=p))),
        }
        for p in da["parameter"].values
    ]
    rows.sort(key=lambda r: -abs(float(r["rank_correlation"] or 0.0)))
    info = src.run_info()
    settings = {k: info[k] for k in ("draws", "chains", "total_draws", "seed", "sampler")}
    return str(da.attrs.get("output_units", "")), settings, None, rows


def _check_ranking_fits(sc: Scenario, args: argparse.Namespace) -> None:
    """Refuse, before sampling, draws that ranking would hold beyond the memory budget."""
    from ..run import RunSpec, check_held
    from ..settings import Sampling
    from ._common import limits_from

    run = {k: getattr(args, k) for k in ("draws", "chains", "seed", "sampler")}
    check_held(RunSpec.of(sc), Sampling(**run), limits_from(args), "ranking the draws")


def cmd_sensitivity(args: argparse.Namespace, console: Console) -> int:
    """Which priors drive an output: Sobol indices, a tornado table or rank correlations."""
    from ..analysis.report import headline_output
    from ._common import load_scenario

    console.environment()
    fmt = result_format(args)
    save = check_save(args)
    method = args.method
    _refuse_unused(args)
    src: Source | None = None
    if is_run_file(args.scenario):
        if method == "rank":
            refuse_sampling(args, args.scenario)
        src = load_source(args.scenario, console)
        sc = src.scenario
        if sc is None and method != "rank":
            raise FrontiercostError(
                f"{args.scenario}: the run records no scenario; --method {method} needs one "
                "(--method rank reads the run's draws)"
            )
        outputs = src.outputs()
        name, title = src.name, src.title
    else:
        with console.step("loading the scenario"):
            sc = load_scenario(args.scenario, console)
        outputs = list(sc.outputs)
        name, title = sc.name, sc.title
    if args.var is None:
        output = headline_of(src) if src is not None else headline_output(_need(sc))
    else:
        output = args.var
        accepted = list(sc.computable()) if sc is not None and method != "rank" else outputs
        check_names("--var", [output], accepted, f"scenario {name!r}")
    if method == "sobol":
        units, settings, central, rows = _sobol(_need(sc), output, args, console)
    elif method == "tornado":
        units, settings, central, rows = _tornado(_need(sc), output, console)
    else:
        if src is None:
            if args.draws * args.chains > STORE_LIMIT:
                raise FrontiercostError(
                    f"--draws: rank correlations read stored draws; use at most "
                    f"{STORE_LIMIT:,} draws in total"
                )
            plain = not _need(sc).observations
            if plain:  # conditioning checks its own (3x)
                _check_ranking_fits(_need(sc), args)
            # the inputs and this output are what is ranked: the other outputs' draws
            # need not be kept (the same draws: the same streams)
            only = [output] if plain and output in _need(sc).outputs else None
            src = sample(args.scenario, args, console, store=True, outputs=only)
        units, settings, central, rows = _rank(src, output, console)
    if not rows:
        console.note(f"{name}: no uncertain parameter reaches {output}: every one is fixed")
    record = {
        "schema": "frontiercost.sensitivity/2",
        "frontiercost_version": version(),
        "scenario": {"name": name, "title": title},
        "output": {"name": output, "units": units},
        "method": method,
        "settings": settings,
        "central": central,
        "parameters": rows[: args.top] if args.top is not None else rows,
    }
    emit(console, _render_sensitivity(record, fmt), save)
    return 0


def _refuse_unused(args: argparse.Namespace) -> None:
    """Flags the chosen method does not read are errors, not silently ignored."""
    method = args.method
    sobol_only = ["--n", "--ignore-correlations"]
    if method == "sobol":
        refuse(
            args,
            ["--draws", "--chains", "--sampler"],
            "--method sobol evaluates its own Sobol design of --n base points; --draws, "
            "--chains and --sampler are for --method rank",
        )
        refuse(
            args, ["--strict"], "--method sobol is not a run (its design's outputs are not kept)"
        )
    elif method == "tornado":
        refuse(
            args,
            [*SAMPLING_FLAGS, *sobol_only, "--ci", "--hdi", *LIMIT_FLAGS],
            "--method tornado samples nothing: each parameter at its p5 and p95, the others"
            " at their central values",
        )
    else:
        refuse(
            args,
            [*sobol_only, "--ci", "--hdi"],
            "--method rank gives rank correlations of a run's draws, with no interval"
            " (--n, --ignore-correlations, --ci and --hdi are for --method sobol)",
        )


def _need(sc: Scenario | None) -> Scenario:
    if sc is None:  # cmd_sensitivity refuses this case before it gets here
        raise FrontiercostError("this analysis needs a scenario")
    return sc


_SENS_COLUMNS = {
    "sobol": ("S1", "S1_lower", "S1_upper", "ST", "ST_lower", "ST_upper"),
    "tornado": (
        "input_low",
        "input_central",
        "input_high",
        "output_low",
        "output_high",
        "swing",
    ),
    "rank": ("rank_correlation",),
}


def _together(record: dict[str, Any]) -> list[str]:
    """A line per parameter that moves several inputs (a fleet's copies of one prior)."""
    params = record["parameters"]
    shared = [f"  {p['name']}: {', '.join(p['inputs'])}" for p in params if len(p["inputs"]) > 1]
    if not shared:
        return []
    head = "parameters that move several inputs, each at the same percentile of its own prior"
    return [head + " (as they are drawn in a run):", *shared]


def _render_sensitivity(record: dict[str, Any], fmt: str) -> str:
    from ..analysis.format import format_table

    method = record["method"]
    if fmt == "json":
        return to_json(record)
    if fmt == "csv":
        cols = _SENS_COLUMNS[method]
        cells = [[p["name"], p["units"], *(p[c] for c in cols)] for p in record["parameters"]]
        return to_csv(["parameter", "units", *cols], cells)
    out = record["output"]
    name, units = out["name"], out["units"]
    s = record["settings"]
    label = label_text(record["scenario"])
    rows: list[list[str]]
    if method == "sobol":
        lines = [
            f"{label}: Sobol indices of {name} ({units})",
            f"n = {s['n']:,} ({s['evaluations']:,} model runs), seed {s['seed']}, "
            f"{interval_label(s['ci_prob'], s['ci_kind'])} intervals ({s['interval']})",
        ]

        def idx(p: dict[str, Any], k: str) -> str:
            v, lo, hi = p[k], p[f"{k}_lower"], p[f"{k}_upper"]
            if v is None:
                return "-"
            a, b, c = (f"{x:.3f}".replace("-0.000", "0.000") for x in (v, lo, hi))
            return f"{a} ({b} – {c})"

        rows = [[p["name"], idx(p, "ST"), idx(p, "S1")] for p in record["parameters"]]
        lines += format_table(["parameter", "total (ST)", "first order (S1)"], rows)
        s1 = sum(p["S1"] for p in record["parameters"] if p["S1"] is not None)
        lines.append(
            f"sum of S1: {s1:.3f} (1 - sum is the share of variance from interactions); "
            "sorted by ST"
        )
        if s["correlations"] != "none":
            lines.append(f"correlations {s['correlations']}")
        return "\n".join(lines + _together(record)) + "\n"
    if method == "tornado":
        lo_q, hi_q = (f"p{100 * s[k]:g}" for k in ("low", "high"))
        lines = [
            f"{label}: {name} at each parameter's {lo_q} and {hi_q}, the others at "
            f"central values ({cell_with_unit(record['central'], units)})"
        ]
        rows = [
            [
                p["name"],
                p["units"],
                cell(p["input_low"], p["units"]),
                cell(p["input_high"], p["units"]),
                cell(p["output_low"], units),
                cell(p["output_high"], units),
                cell(p["swing"], units),
            ]
            for p in record["parameters"]
        ]
        header = ["parameter", "unit", f"{lo_q} input", f"{hi_q} input"]
        header += [f"{name} at {lo_q}", f"at {hi_q}", "swing"]
        lines += format_table(header, rows, "ll")
        return "\n".join(lines + _together(record)) + "\n"
    lines = [
        f"{label}: Spearman rank correlation with {name}, "
        f"{run_label(s['draws'], s['chains'])}, "
        f"seed {s['seed']}, sampler {s['sampler']}"
    ]
    rows = [
        [
            p["name"],
            p["units"],
            "-" if p["rank_correlation"] is None else f"{p['rank_correlation']:+.3f}",
        ]
        for p in record["parameters"]
    ]
    lines += format_table(["parameter", "unit", "rank correlation"], rows, "ll")
    return "\n".join(lines) + "\n"
