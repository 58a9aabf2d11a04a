"""``trend``: the frontier models' cost over time, from point estimates and with uncertainty."""

from __future__ import annotations

import argparse
import math
import textwrap
from typing import Any

from ..errors import FrontiercostError, SimulationError
from ._common import (
    IMAGE_SUFFIXES,
    STORE_LIMIT,
    Console,
    check_names,
    check_out,
    check_save,
    emit,
    interval_label,
    limits_from,
    number,
    overwrites,
    result_format,
    to_csv,
    to_json,
    version,
)
from ._sources import run_label


def cmd_trend(args: argparse.Namespace, console: Console) -> int:
    """The frontier models' cost trend: fitted to point estimates, and with their uncertainty."""
    import numpy as np

    from ..analysis import fit_trend, trend_with_uncertainty, value_at_risk
    from ..analysis.summary import interval
    from ..run import evaluate, simulate
    from ..scenarios import list_scenarios, load_scenario

    console.environment()
    fmt = result_format(args)
    save = check_save(args)
    plot = (
        check_out(args.plot, "--plot", IMAGE_SUFFIXES, overwrites(args))
        if args.plot is not None
        else None
    )
    kind = "hdi" if args.hdi else "eti"
    limits = limits_from(args)
    if args.draws * args.chains > STORE_LIMIT // 10:
        raise FrontiercostError(
            f"--draws: trend stores every model's draws; use at most {STORE_LIMIT // 10:,} "
            "draws in total per model"
        )
    output = args.var or "amortized_cost"
    with console.step("loading the frontier-model scenarios"):
        models = [
            sc
            for sc in (load_scenario(n) for n in list_scenarios())
            if args.tag in sc.meta.get("tags", [])
        ]
    if not models:
        raise FrontiercostError(f"--tag: no built-in scenario is tagged {args.tag!r}")
    have = [sc for sc in models if output in sc.outputs]
    if not have:
        accepted = sorted({o for sc in models for o in sc.outputs})
        check_names("--var", [output], accepted, f"the {args.tag} scenarios")
    skipped = [sc.name for sc in models if output not in sc.outputs]
    if skipped:
        console.note(f"{len(skipped)} scenarios have no {output}: {', '.join(skipped)}")
    models = have
    years = np.array([float(sc.meta["year"]) for sc in models])
    if len(models) < 3 or len(set(years.tolist())) < 2:
        raise FrontiercostError(
            f"--tag: {len(models)} scenario(s) tagged {args.tag!r} have {output}, from"
            f" {len(set(years.tolist()))} year(s); a trend needs at least 3 models,"
            " not all of one year (e.g. --tag frontier-model)"
        )
    # the command as a whole within --max-time and --memory, not each model's run
    per_model = args.draws * args.chains
    what = f"trend of {len(models)} models"
    limits.check_time(len(models) * per_model, what)
    held = 3 * 8 * len(models) * per_model  # each model's draws, and the fit's two copies
    if held > limits.memory_bytes:
        from ..settings import format_size

        fits = limits.memory_bytes // (3 * 8 * len(models) * args.chains)
        raise SimulationError(
            f"--draws: {what} holds {format_size(held)} of draws, more than the memory budget"
            f" of {format_size(limits.memory_bytes)}; use at most {fits:,} draws per chain, or"
            " raise the budget (--memory, FRONTIERCOST_MEMORY)"
        )
    watch = limits.watch(lambda done, total: None, len(models) * per_model, what)
    points, samples, intervals = [], {}, []
    label = f"sampling {len(models)} models: {run_label(args.draws, args.chains)} each"
    with console.step(label, progress=True, unit="model") as bar:
        for i, sc in enumerate(models):
            if bar is not None:
                bar.update(i, len(models))
            if watch is not None and i:  # stops a trend its own speed says is too slow
                watch(i * per_model, len(models) * per_model)
            points.append(float(evaluate(sc)[output]))
            tree = simulate(
                sc,
                draws=args.draws,
                chains=args.chains,
                seed=args.seed,
                sampler=args.sampler,
                store_inputs=False,  # the trend reads one output: its bits are the whole run's
                limits=limits,
                strict=args.strict,
            )
            # a copy: a view would keep the run's whole block of outputs alive (41 models
            # of 1e6 draws held 5.3 GB for the 328 MB the trend reads)
            samples[sc.name] = np.array(tree["posterior"][output].values, dtype=float).ravel()
            lo, hi = interval(samples[sc.name], args.ci, kind)
            intervals.append([lo, float(value_at_risk(tree, output, 0.5).values[0]), hi])
            units = str(tree["posterior"][output].attrs.get("units", ""))
    fit = fit_trend(years, points, ci_prob=args.ci)
    unc = trend_with_uncertainty(
        samples,
        dict(zip(samples, years, strict=True)),
        ci_prob=args.ci,
        ci_kind=kind,
        quantiles=(0.5,),
        pairing="index" if args.shared_inputs else "shuffle",
        seed=args.seed,
    )
    slope_med = float(unc["slope_quantiles"][0])
    record = {
        "schema": "frontiercost.trend/1",
        "frontiercost_version": version(),
        "output": {"name": output, "units": units},
        "run": {
            "draws": args.draws,
            "chains": args.chains,
            "seed": args.seed,
            "sampler": args.sampler,
        },
        "interval": {"kind": kind, "prob": args.ci},
        "models": [
            {
                "name": sc.name,
                "title": sc.title,
                "year": float(y),
                "point": number(p),
                "median": number(float(q[1])),
                "lower": number(float(q[0])),
                "upper": number(float(q[2])),
            }
            for sc, y, p, q in zip(models, years, points, intervals, strict=True)
        ],
        "point_fit": {
            "slope": number(float(fit["slope"])),
            "slope_lower": number(float(fit["slope_ci"][0])),
            "slope_upper": number(float(fit["slope_ci"][1])),
            "growth_factor": number(float(fit["growth_factor"])),
            "growth_factor_lower": number(float(fit["growth_factor_ci"][0])),
            "growth_factor_upper": number(float(fit["growth_factor_ci"][1])),
            "doubling_time_months": number(float(fit["doubling_time"])),
            "intercept": number(float(fit["intercept"])),
            "r_squared": number(float(fit["r_squared"])),
            "residual_sd": number(float(fit["residual_sd"])),
            "n": int(fit["n"]),
        },
        "with_uncertainty": {
            "slope_median": number(slope_med),
            "slope_lower": number(float(unc["slope_ci"][0])),
            "slope_upper": number(float(unc["slope_ci"][1])),
            "growth_factor_median": number(10**slope_med),
            "growth_factor_lower": number(float(unc["growth_factor_ci"][0])),
            "growth_factor_upper": number(float(unc["growth_factor_ci"][1])),
            "r_squared_median": number(float(unc["r_squared"].median())),
            "fits": int(unc.attrs["n_draws"]),
            "pairing": str(unc.attrs["pairing"]),
        },
    }
    if plot is not None:
        from ..analysis.plots import plot_trend

        with console.step(f"plotting {plot}", progress=True):
            plot_trend(
                years,
                points,
                [sc.title for sc in models],
                fit,
                cost_ci=np.array([[q[0], q[2]] for q in intervals]),
                ci_prob=args.ci,
                units=units,
                label=output.replace("_", " "),
                title=f"{output} of {len(models)} {args.tag} scenarios: point estimates and "
                f"{interval_label(args.ci, kind)} per model",
                path=plot,
            )
        console.note(f"wrote {plot}")
    emit(console, _render_trend(record, fmt), save)
    return 0


def _render_trend(record: dict[str, Any], fmt: str) -> str:
    from ..analysis.format import format_table

    p, u = record["point_fit"], record["with_uncertainty"]
    if fmt == "json":
        return to_json(record)
    if fmt == "csv":
        header = ["fit", "slope", "slope_lower", "slope_upper", "growth_factor"]
        header += ["growth_factor_lower", "growth_factor_upper", "r_squared"]
        point_keys = ["slope", "slope_lower", "slope_upper", "growth_factor"]
        point_keys += ["growth_factor_lower", "growth_factor_upper", "r_squared"]
        unc_keys = ["slope_median", "slope_lower", "slope_upper", "growth_factor_median"]
        unc_keys += ["growth_factor_lower", "growth_factor_upper", "r_squared_median"]
        rows = [
            ["point_estimates", *(p[k] for k in point_keys)],
            ["with_uncertainty", *(u[k] for k in unc_keys)],
        ]
        return to_csv(header, rows)
    out = record["output"]
    interval = interval_label(record["interval"]["prob"], record["interval"]["kind"])
    lines = [
        f"Trend of {out['name']} ({out['units']}) over {p['n']} frontier models: "
        "OLS of log10(cost) on publication year"
    ]

    def months(slope: float) -> str:
        return f"{12 * math.log10(2) / slope:.1f}" if slope > 0 else "-"

    rows = [
        [
            "point estimates",
            f"{p['growth_factor']:.2f}×",
            f"{p['growth_factor_lower']:.2f}× – {p['growth_factor_upper']:.2f}×",
            f"{p['slope']:.3f}",
            months(p["slope"]),
            f"{p['r_squared']:.2f}",
        ],
        [
            "with model uncertainty",
            f"{u['growth_factor_median']:.2f}×",
            f"{u['growth_factor_lower']:.2f}× – {u['growth_factor_upper']:.2f}×",
            f"{u['slope_median']:.3f}",
            months(u["slope_median"]),
            f"{u['r_squared_median']:.2f}",
        ],
    ]
    header = ["fit", "growth/yr", interval, "OOM/yr", "doubling (months)", "R²"]
    lines += format_table(header, rows)
    run = record["run"]
    hdi = record["interval"]["kind"] == "hdi"
    notes = [
        f"point estimates: one fit to each model's point estimate; {interval} is the fit's "
        "confidence interval (Student t, n - 2"
        + ("; symmetric, so its HDI is its ETI)." if hdi else ")."),
        f"with model uncertainty: {u['fits']:,} fits, each to one draw of every model's cost "
        + (
            f"(draw d of each, seed {run['seed']}: inputs of the same name move together); "
            if u["pairing"] == "index"
            else "(the models independent; --shared-inputs moves inputs of the same name"
            " together); "
        )
        + f"{interval} is the spread "
        "of their slopes, not a confidence interval"
        + (" (the slopes' HDI; growth/yr is its image under 10^slope)." if hdi else "."),
    ]
    lines += ["", *(textwrap.fill(n, 99) for n in notes)]
    return "\n".join(lines) + "\n"
