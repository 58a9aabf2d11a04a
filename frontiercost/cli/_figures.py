"""``plot`` and ``report``: figures of a run, and the self-contained HTML report."""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import FrontiercostError
from ._common import (
    IMAGE_SUFFIXES,
    LIMIT_FLAGS,
    SAMPLING_FLAGS,
    STORE_LIMIT,
    Console,
    check_names,
    check_out,
    limits_from,
    overwrites,
    refuse,
    refuse_sampling,
    threshold_names,
    thresholds_for,
)
from ._sources import (
    Source,
    headline_of,
    is_run_file,
    load_source,
    projection_years,
    run_variables,
    source,
)

PLOT_KINDS = ("distribution", "components", "exceedance", "projection", "tornado")
REPORT_SUFFIXES = (".html", ".htm")


def _tornado(args: argparse.Namespace, console: Console, out: Any) -> None:
    from ..analysis.plots import plot_tornado
    from ..analysis.report import headline_output
    from ..analysis.sensitivity import tornado
    from ._common import load_scenario

    if is_run_file(args.source):
        sc = load_source(args.source, console).scenario
        if sc is None:
            raise FrontiercostError(
                f"{args.source}: the run records no scenario; the tornado needs one"
            )
    else:
        sc = load_scenario(args.source, console)
    var = args.var or headline_output(sc)
    check_names("--var", [var], list(sc.computable()), f"scenario {sc.name!r}")
    table = tornado(sc, var)
    plot_tornado(table, path=out)


def cmd_plot(args: argparse.Namespace, console: Console) -> int:
    """One figure of a saved run or of a scenario sampled on the spot."""
    from ..analysis import plots

    console.environment()
    if args.plot is None:
        raise FrontiercostError("--plot: give the image file, e.g. --plot cost.png")
    out = check_out(args.plot, "--plot", IMAGE_SUFFIXES, overwrites(args))
    kind = args.kind
    _refuse_unused(args)
    if kind == "projection" and args.var is not None:
        raise FrontiercostError(
            "--var: the projection plot shows every projected_cost_<year>; leave --var out"
        )
    if kind == "tornado":
        with console.step(f"plotting {out}", progress=True):
            _tornado(args, console, out)
        console.note(f"wrote {out}")
        return 0
    needs_draws = kind in ("distribution", "components")
    if not is_run_file(args.source) and needs_draws and args.draws * args.chains > STORE_LIMIT:
        raise FrontiercostError(
            f"--draws: the {kind} plot needs stored draws; use at most {STORE_LIMIT:,} "
            "draws in total"
        )
    src = source(args.source, args, console, **_one_output(args))
    kind_ci = "hdi" if args.hdi else "eti"
    with console.step(f"plotting {out}", progress=True):
        if kind == "projection":
            if not projection_years(src.outputs()):
                raise FrontiercostError(
                    f"--kind projection: {src.name!r} has no projected_cost_<year> outputs"
                )
            marks = [t for _, t in args.threshold or ()]
            if len(marks) > 1:
                raise FrontiercostError("--threshold: the projection plot draws one threshold")
            plots.plot_projection(src.tree, threshold=(marks or [1e9])[0], path=out)
        elif kind == "components":
            _components(src, args, out, kind_ci)
        else:
            var = args.var or headline_of(src)
            check_names("--var", [var], run_variables(src.tree), f"run {src.name!r}")
            if kind == "distribution":
                if not src.view.stored:
                    raise FrontiercostError(
                        f"{args.source}: a streaming run has no draws to plot; "
                        "--kind exceedance works on it"
                    )
                plots.plot_distribution(
                    src.tree, var, ci_prob=args.ci, ci_kind=kind_ci, point=src.point(), path=out
                )
            else:
                ticks = thresholds_for(args.threshold, [var], src.view.units).get(var)
                if args.threshold and set(threshold_names(args.threshold)) - {var}:
                    raise FrontiercostError(
                        f"--threshold: the figure is of {var}; write -t {var}=T or a bare T"
                    )
                plots.plot_exceedance(src.tree, var, thresholds=ticks, path=out)
    console.note(f"wrote {out}")
    return 0


def _one_output(args: argparse.Namespace) -> dict[str, Any]:
    """``sample`` keywords that keep only the plotted output of a stored scenario run.

    A distribution or exceedance plot of an output reads its draws alone; every
    input and output was stored (832 MB at 4e6 draws of gpt-4).  The output's
    draws are the whole run's, bit for bit (same streams).
    """
    if args.kind not in ("distribution", "exceedance") or is_run_file(args.source):
        return {}
    if args.draws * args.chains > STORE_LIMIT:
        return {}
    from ..analysis.report import headline_output
    from ..scenarios import load_scenario

    sc = load_scenario(args.source)  # its notes are said once, by source() below
    var = args.var or headline_output(sc)
    if sc.observations or var not in sc.outputs:
        return {}
    return {"inputs": False, "outputs": [var]}


def _refuse_unused(args: argparse.Namespace) -> None:
    """Flags the chosen figure does not read are errors, not silently ignored."""
    kind = args.kind
    if kind not in ("exceedance", "projection"):
        refuse(args, ["--threshold"], "marks thresholds on --kind exceedance or projection")
    if kind != "components":
        refuse(args, ["--parts"], "splits a total in --kind components")
    if kind not in ("distribution", "components"):
        refuse(args, ["--ci", "--hdi"], f"--kind {kind} draws no credible interval")
    if kind == "tornado":
        refuse(
            args,
            [*SAMPLING_FLAGS, *LIMIT_FLAGS],
            "--kind tornado samples nothing: each parameter at its p5 and p95",
        )
    elif is_run_file(args.source):
        refuse_sampling(args, args.source)


def _components(src: Source, args: argparse.Namespace, out: Any, ci_kind: str) -> None:
    from ..analysis.components import SPLITS, default_split
    from ..analysis.plots import plot_components

    if not src.view.stored:
        raise FrontiercostError(f"{args.source}: a streaming run has no draws to split")
    if args.var is None:
        if args.parts is not None:
            raise FrontiercostError("--parts: give the total they add up to with --var")
        split = default_split(src.tree)
        if split is None:
            raise FrontiercostError(
                f"{src.name!r} has none of the known splits ("
                + "; ".join(f"{t} = {' + '.join(ps)}" for t, ps in SPLITS.items())
                + "); give --var TOTAL --parts PART,PART"
            )
        total, parts = split
    else:
        total = args.var
        if args.parts is None:
            if total not in SPLITS:
                raise FrontiercostError(
                    f"--parts: no default parts for {total!r} (defaults exist for "
                    f"{', '.join(SPLITS)}); give them, e.g. --parts a,b"
                )
            parts = SPLITS[total]
        else:
            parts = tuple(args.parts)
    names = run_variables(src.tree)
    check_names("--var", [total], names, f"run {src.name!r}")
    check_names("--parts", list(parts), names, f"run {src.name!r}")
    point = src.point()
    if point is not None and not all(n in point.data_vars for n in (total, *parts)):
        point = None
    plot_components(
        src.tree, total, tuple(parts), ci_prob=args.ci, ci_kind=ci_kind, point=point, path=out
    )


def cmd_report(args: argparse.Namespace, console: Console) -> int:
    """Sample a scenario and write the self-contained HTML report."""
    from ..run import report
    from ._common import load_scenario

    console.environment()
    out = check_out(args.out, "--out", REPORT_SUFFIXES, overwrites(args))
    settings = {
        "draws": args.draws,
        "chains": args.chains,
        "seed": args.seed,
        "sampler": args.sampler,
    }
    if is_run_file(args.scenario):  # the run's scenario, sampled again with its settings
        refuse(
            args,
            list(SAMPLING_FLAGS),
            f"the report samples the scenario of {args.scenario} again with the run's settings",
        )
        src = load_source(args.scenario, console)
        if src.scenario is None:
            raise FrontiercostError(f"{args.scenario}: the run records no scenario to report on")
        sc = src.scenario
        a = src.tree.attrs
        settings = {k: a[k] for k in settings}
        console.note(
            f"reporting on the scenario recorded in {args.scenario}, sampled again with its "
            f"settings (seed {a['seed']}, {int(a['draws']) * int(a['chains']):,} draws)"
        )
    else:
        sc = load_scenario(args.scenario, console)
    if int(settings["draws"]) * int(settings["chains"]) > STORE_LIMIT:
        raise FrontiercostError(
            f"--draws: the report stores every draw; use at most {STORE_LIMIT:,} draws in total"
        )
    if args.var is not None:
        check_names("--var", [args.var], list(sc.outputs), f"scenario {sc.name!r}")
    with console.step(f"writing the report on {sc.name}", progress=True):
        report(
            sc,
            out,
            draws=int(settings["draws"]),
            chains=int(settings["chains"]),
            seed=int(settings["seed"]),
            sampler=str(settings["sampler"]),
            ci_prob=args.ci,
            ci_kind="hdi" if args.hdi else "eti",
            output=args.var,
            limits=limits_from(args),
            strict=args.strict,
            overwrite=True,  # checked above: ours, or --overwrite
        )
    console.note(f"wrote {out}")
    return 0
