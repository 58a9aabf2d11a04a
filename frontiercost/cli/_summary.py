"""``run`` and ``summarize``: a run's outputs with intervals, as a table, JSON or CSV."""

from __future__ import annotations

import argparse
import textwrap
from typing import Any

from ..errors import FrontiercostError
from ._common import (
    IMAGE_SUFFIXES,
    STORE_LIMIT,
    Console,
    cell,
    check_names,
    check_out,
    check_run_out,
    check_save,
    dollar_words,
    emit,
    interval_label,
    limits_from,
    number,
    overwrites,
    result_format,
    to_csv,
    to_json,
    version,
    write_tree,
)
from ._sources import (
    Source,
    cluster_kwargs,
    conditioning_warning,
    headline_of,
    is_run_file,
    open_run,
    projection_years,
    run_label,
    run_variables,
    sample,
    scenario_of_run,
    scenario_record,
    source_of,
    sweep_fields,
)

SUMMARY_SCHEMA = "frontiercost.summary/2"
SUMMARY_CSV = (
    "output",
    "units",
    "long_name",
    "mean",
    "sd",
    "median",
    "mcse_median",
    "ci_kind",
    "ci_prob",
    "lower",
    "upper",
    "mcse_lower",
    "mcse_upper",
    "point",
    "nonfinite",
    "dollars",
    "cloud_basis",
)


# --------------------------------------------------------------------------- the record


def nonfinite_draws(src: Source) -> dict[str, int]:
    """NaN and infinite draws per output (absent: none), counted from the run itself."""
    from ..results.view import nonfinite_counts

    return {n: c["nan"] + c["inf"] for n, c in nonfinite_counts(src.view).items()}


def summary_record(
    src: Source,
    names: list[str],
    ci_prob: float,
    ci_kind: str,
    console: Console,
    *,
    point: Any = None,
    split: Any = None,
) -> dict[str, Any]:
    """The summary of ``names`` in ``src`` as a JSON-ready dict (docs/json-output.md).

    ``point`` (the point estimate) is computed unless given; ``split``
    (``(total, parts)`` or ``False`` for none) overrides the run's default split.
    """
    from ..analysis import summarize

    with console.step("summarizing"):
        s = summarize(src.tree, ci_prob=ci_prob, ci_kind=ci_kind, var_names=names)
    if point is None:
        with console.step("point estimate"):
            point = src.point()
    nonfinite = nonfinite_draws(src)
    # Columns read once: indexing the summary or the point estimate by name per
    # output costs time in proportion to their size (quadratic over 4,000 formulas).
    cols = {k: v.transpose("variable", ...).values for k, v in s.data_vars.items()}
    at_points = (
        {n: point.variables[n].values for n in names if n in point.data_vars}
        if point is not None
        else {}
    )
    outputs: dict[str, Any] = {}
    for i, name in enumerate(names):
        attrs = src.view.attrs(name)

        def get(var: str, bound: int | None = None, i: int = i) -> float | int | None:
            if var not in cols:
                return None
            return number(float(cols[var][i] if bound is None else cols[var][i, bound]))

        at_point = at_points.get(name)
        outputs[name] = {
            "units": str(attrs.get("units", "")),
            "long_name": str(attrs.get("long_name", "")),
            "dollars": str(attrs["dollars"]) if attrs.get("dollars") else None,
            "cloud_basis": str(attrs["cloud_basis"]) if attrs.get("cloud_basis") else None,
            "cloud_price_source": (
                str(attrs["cloud_price_source"]) if attrs.get("cloud_price_source") else None
            ),
            "mean": get("mean"),
            "sd": get("sd"),
            "median": get("median"),
            "mcse_median": get("mcse_median"),
            "lower": get("ci", 0),
            "upper": get("ci", 1),
            "mcse_lower": get("mcse_lower"),
            "mcse_upper": get("mcse_upper"),
            "point": number(float(at_point)) if at_point is not None else None,
            "nonfinite": nonfinite.get(name, 0),
        }
    return {
        "schema": SUMMARY_SCHEMA,
        "frontiercost_version": version(),
        "scenario": scenario_record(src),
        "run": src.run_info(),
        "interval": {"kind": ci_kind, "prob": ci_prob},
        "source": str(s.attrs.get("source", "")),
        "outputs": outputs,
        "components": _components(src, names, ci_prob, ci_kind, point, console, split),
        "conditioning": _conditioning(src, names, ci_prob, console),
        "references": _references(src, names, point, console),
    }


def _references(src: Source, names: list[str], point: Any, console: Console) -> list[Any]:
    """Where the scenario's published figures fall (``references`` of the JSON)."""
    sc = src.scenario
    if sc is None or not sc.references:
        return []
    from ..analysis.references import reference_positions

    values = (
        {n: float(point.variables[n].values) for n in names if n in point.data_vars}
        if point is not None
        else None
    )
    with console.step("published figures"):
        recs = reference_positions(src.tree, sc.references, names, values)
    for rec in recs:
        for k in ("value", "compared", "percentile", "probability", "point_ratio"):
            if rec[k] is not None:
                rec[k] = number(float(rec[k]))
    return recs


def _conditioning(
    src: Source, names: list[str], ci_prob: float, console: Console
) -> dict[str, Any] | None:
    """How much the observations moved each output (``conditioning`` of the JSON), if any."""
    import json

    tree = src.tree
    if not src.view.conditioned:
        return None
    from ..analysis.compare import prior_posterior

    shared = [n for n in names if n in tree["prior"].data_vars]
    with console.step("prior against posterior"):
        pp = prior_posterior(tree, shared, ci_prob=ci_prob)
    variables = {}
    for n in shared:
        row = pp.sel(variable=n)
        prior, post = row.sel(group="prior"), row.sel(group="posterior")
        variables[n] = {
            "prior_median": number(float(prior["median"])),
            "prior_lower": number(float(prior["ci"][0])),
            "prior_upper": number(float(prior["ci"][1])),
            "posterior_median": number(float(post["median"])),
            "posterior_lower": number(float(post["ci"][0])),
            "posterior_upper": number(float(post["ci"][1])),
            "shift": number(float(row["shift"])),
            "width_ratio": number(float(row["width_ratio"])),
        }
    try:
        given = json.loads(str(tree.attrs.get("observations", "[]")))
    except json.JSONDecodeError:
        given = []
    try:
        warnings = [str(w) for w in json.loads(str(tree.attrs.get("warnings", "[]")))]
    except json.JSONDecodeError:
        warnings = []
    from ..results.conditioned import conditioning_report

    return {
        "inference": str(tree.attrs.get("inference", "")),
        "diagnostics_ok": bool(int(tree.attrs.get("diagnostics_ok", 1))),
        "report": conditioning_report(tree),
        "warnings": warnings,
        "observations": [
            {
                "name": str(o.get("name", "")),
                "quantity": str(o.get("quantity", "")),
                "value": number(o["value"]) if o.get("value") is not None else None,
                "source": str(o.get("source", "")),
            }
            for o in given
            if isinstance(o, dict)
        ],
        "interval": {"kind": "eti", "prob": ci_prob},
        "variables": variables,
    }


def _components(
    src: Source,
    names: list[str],
    ci_prob: float,
    ci_kind: str,
    point: Any,
    console: Console,
    split: Any = None,
) -> dict[str, Any] | None:
    """The split of the run's total into its parts (``components`` of the JSON), if any."""
    from ..analysis.components import component_shares, default_split

    if split is False:
        return None
    split = default_split(src.tree) if split is None else split
    if split is None or split[0] not in names:
        return None
    total, parts = split
    if point is not None and not all(n in point.data_vars for n in (total, *parts)):
        point = None
    with console.step("component shares"):
        shares = component_shares(
            src.tree, total, parts, ci_prob=ci_prob, ci_kind=ci_kind, point=point
        )
    record: dict[str, Any] = {}
    for p in parts:
        row = shares.sel(component=p)
        record[p] = {
            "label": str(row["label"].item()),
            "mean_value": number(float(row["mean_value"])),
            "share_of_mean": number(float(row["share_of_mean"])),
            "median": number(float(row["median"])),
            "mean": number(float(row["mean"])),
            "lower": number(float(row["ci"][0])),
            "upper": number(float(row["ci"][1])),
            "point": number(float(row["share_at_point"]))
            if "share_at_point" in shares.data_vars
            else None,
        }
    return {
        "total": total,
        "units": str(shares.attrs.get("total_units", "")),
        "remainder": number(float(shares["remainder"])),
        "parts": record,
    }


# --------------------------------------------------------------------------- renderings


def _mcse_note(outputs: dict[str, Any], sampler: str = "mc") -> str | None:
    """One line on the Monte Carlo error of the table's medians and bounds, if known."""
    worst: dict[str, tuple[float, str]] = {}
    for name, o in outputs.items():
        for key, value_key, what in (
            ("mcse_median", "median", "medians"),
            ("mcse_lower", "lower", "interval bounds"),
            ("mcse_upper", "upper", "interval bounds"),
        ):
            m, v = o.get(key), o.get(value_key)
            if m is None or v is None or v == 0:
                continue
            rel = abs(m / v)
            if rel > worst.get(what, (-1.0, ""))[0]:
                worst[what] = (rel, name)
    if not worst:
        return None
    parts = [f"{what} within {100 * rel:.2g} % ({name})" for what, (rel, name) in worst.items()]
    # 1/sqrt(n) holds for independent draws; stratified (lhs) and quasi-random (qmc)
    # points do at least as well, usually better, so there the rule is an upper bound
    rule = (
        "four times the draws halve it"
        if sampler == "mc"
        else f"four times the draws at least halve it (the {sampler} sampler usually does better)"
    )
    text = f"Monte Carlo error (1 sd): {', '.join(parts)}; {rule}."
    return textwrap.fill(text, 99)


def summary_table(record: dict[str, Any]) -> str:
    """The readable table of a summary record."""
    from ..analysis.format import format_share, format_table, format_value

    run = record["run"]
    interval = interval_label(record["interval"]["prob"], record["interval"]["kind"])
    sc = record["scenario"]
    name = (
        f"{sc['title']} ({sc['name']})"
        if sc["title"] and sc["title"] != sc["name"]
        else (sc["name"])
    )
    lines = [
        f"{name}: {run_label(run['draws'], run['chains'])}, seed {run['seed']}, "
        f"sampler {run['sampler']}, {interval}"
    ]
    bases = list(dict.fromkeys(o["dollars"] for o in record["outputs"].values() if o["dollars"]))
    if bases:  # what dollars the money figures are in, before a reader compares them
        lines[0] += f"; dollars: {', '.join(dollar_words(b) for b in bases)}"
    clouds = list(
        dict.fromkeys(
            (o["cloud_basis"], o.get("cloud_price_source") or "")
            for o in record["outputs"].values()
            if o.get("cloud_basis")
        )
    )
    for basis, where in clouds:  # the cloud cost's price: list or contract, and its record
        lines.append(textwrap.fill(f"cloud basis: {basis}" + (f" ({where})" if where else ""), 99))
    has_point = any(o["point"] is not None for o in record["outputs"].values())
    # an output with NaN or infinite draws says how many, rather than a bare "-"
    has_bad = any(o.get("nonfinite") for o in record["outputs"].values())

    def fmt(v: float | None, unit: str) -> str:
        return "-" if v is None else format_value(v, unit, show_unit=False)

    rows = []
    for name, o in record["outputs"].items():
        u = o["units"]
        row = [name, u, fmt(o["median"], u), fmt(o["mean"], u)]
        row.append(f"{fmt(o['lower'], u)} – {fmt(o['upper'], u)}")
        if has_point:
            row.append(fmt(o["point"], u))
        if has_bad:
            row.append(f"{o['nonfinite']:,}")
        rows.append(row)
    header = ["output", "unit", "median", "mean", interval] + (["point"] if has_point else [])
    header += ["non-finite draws"] if has_bad else []
    lines += format_table(header, rows, "ll")
    comp = record["components"]
    if comp is not None:
        parts = comp["parts"]
        with_point = all(p["point"] is not None for p in parts.values())
        header = [f"share of {comp['total']}", "mean", "of mean total", "median share", interval]
        header += ["point"] if with_point else []
        rows = []
        for p in parts.values():
            value = p["mean_value"]
            cells = [
                p["label"],
                format_value(value, comp["units"], show_unit=False) if value is not None else "-",
                format_share(p["share_of_mean"]),
                format_share(p["median"]),
                f"{format_share(p['lower'])} – {format_share(p['upper'])}",
            ]
            if with_point:
                cells.append(format_share(p["point"]))
            rows.append(cells)
        lines += ["", *format_table(header, rows)]
    elif not run["stored"]:
        from ..analysis.components import SPLITS

        totals = [t for t, ps in SPLITS.items() if {t, *ps} <= set(record["outputs"])]
        if totals:
            lines += [
                "",
                f"component split: needs stored draws (use --out, or at most "
                f"{STORE_LIMIT:.0e} draws in total)".replace("e+0", "e"),
            ]
    refs = record.get("references") or []
    if refs:
        lines += ["", *references_table(refs, record["outputs"])]
    cond = record["conditioning"]
    if cond is not None:
        lines += ["", *_conditioning_table(cond, record["outputs"])]
    if has_bad:
        lines += [
            "",
            textwrap.fill(
                "non-finite draws: NaN or infinite values of an output (a formula outside its "
                "domain). Every figure leaves the NaN draws out; an infinite draw is a value, "
                "so a mean or a bound it makes infinite shows as -. --strict makes them an "
                "error (exit 2).",
                99,
            ),
        ]
    note = _mcse_note(record["outputs"], str(record["run"].get("sampler", "mc")))
    if note is not None:
        lines += ["", note]
    return "\n".join(lines) + "\n"


def references_table(refs: list[dict[str, Any]], outputs: dict[str, Any]) -> list[str]:
    """Lines: each published figure, its basis and dollars, and where it falls in the run."""
    from ..analysis.format import format_table, format_value
    from ..analysis.references import describe_position

    rows = []
    notes = []
    for i, r in enumerate(refs, 1):
        unit = outputs[r["output"]]["units"] if r["output"] in outputs else ""
        shown = format_value(r["value"], unit, show_unit=False)
        if r["kind"] != "value":
            shown = f"{'<' if r['kind'] == 'below' else '>'} {shown}"
        if r["conversion"]:
            shown += f" ({format_value(r['compared'], unit, show_unit=False)})"
        ratio = "-" if r["point_ratio"] is None else f"{r['point_ratio']:.3g}"
        rows.append(
            [f"[{i}] {r['output']}", shown, r["basis"] or "-", r["dollars"] or "-",
             describe_position(r), ratio]
        )  # fmt: skip
        notes.append(f"[{i}] {r['source']}" + (f"; {r['conversion']}" if r["conversion"] else ""))
    header = ["published figure", "figure", "basis", "dollars", "in our distribution",
              "point / figure"]  # fmt: skip
    lines = format_table(header, rows, "lrllll")
    for note in notes:
        lines += textwrap.wrap(note, 99, subsequent_indent="    ")
    return lines


def _conditioning_table(cond: dict[str, Any], outputs: dict[str, Any]) -> list[str]:
    """Lines on what the observations did: prior median and interval, shift, width ratio."""
    from ..analysis.format import format_table

    n = len(cond["observations"])
    interval = interval_label(cond["interval"]["prob"], "eti")
    head = (
        f"conditioned on {n} observation{'s' * (n != 1)} ({cond['inference']}): the table "
        "above is the posterior; the prior, and how far the evidence moved each output:"
    )
    rows = []
    for name, v in cond["variables"].items():
        u = outputs[name]["units"] if name in outputs else ""
        rows.append(
            [
                name,
                cell(v["prior_median"], u),
                f"{cell(v['prior_lower'], u)} – {cell(v['prior_upper'], u)}",
                "-" if v["shift"] is None else f"{v['shift']:+.2f}",
                "-" if v["width_ratio"] is None else f"{v['width_ratio']:.2f}",
            ]
        )
    header = [
        "output",
        "prior median",
        f"prior {interval}",
        "shift (robust prior sd)",
        "width ratio",
    ]
    lines = [*textwrap.wrap(head, 99), *format_table(header, rows), ""]
    for line in cond["report"]:  # method, diagnostics, evidence, published references
        if line.startswith("warning:"):  # said once, on stderr, with the flags that help
            continue
        lines += textwrap.wrap(line, 99, subsequent_indent="    ") or [""]
    if not cond["diagnostics_ok"]:  # the warning itself went to stderr, once
        lines.append("the conditioning diagnostics failed: see the warning on stderr")
    return lines


def summary_csv(record: dict[str, Any]) -> str:
    """One CSV row per output (SUMMARY_CSV columns)."""
    kind, prob = record["interval"]["kind"], record["interval"]["prob"]
    rows = [
        [
            name,
            o["units"],
            o["long_name"],
            o["mean"],
            o["sd"],
            o["median"],
            o["mcse_median"],
            kind,
            prob,
            o["lower"],
            o["upper"],
            o["mcse_lower"],
            o["mcse_upper"],
            o["point"],
            o["nonfinite"],
            o["dollars"],
            o.get("cloud_basis"),
        ]
        for name, o in record["outputs"].items()
    ]
    return to_csv(SUMMARY_CSV, rows)


def render_summary(record: dict[str, Any], fmt: str) -> str:
    """The summary in ``fmt`` (table, json or csv)."""
    if fmt == "json":
        return to_json(record)
    if fmt == "csv":
        return summary_csv(record)
    return summary_table(record)


# --------------------------------------------------------------------------- commands


def _names(src: Source, requested: list[str] | None) -> list[str]:
    if not requested:
        return src.outputs()
    check_names("--var", requested, run_variables(src.tree), f"run {src.name!r}")
    return list(dict.fromkeys(requested))


def _sample_reference(args: argparse.Namespace, store: bool, console: Console) -> Source:
    from ..bench.reference import reference_model
    from ..run import simulate

    model, priors = reference_model()
    label = f"sampling {model.name}: {run_label(args.draws, args.chains)}"
    with console.step(label, progress=True) as bar:
        tree = simulate(
            model,
            priors,
            draws=args.draws,
            chains=args.chains,
            seed=args.seed,
            sampler=args.sampler,
            store=store,
            progress=bar.update if bar is not None else None,
            limits=limits_from(args),
            strict=args.strict,
            **cluster_kwargs(args),
        )
    return Source(tree, None, model.name, model.name)


def plot_headline(src: Source, names: list[str], path: Any, ci_prob: float, ci_kind: str) -> None:
    """The distribution of the headline output, or the fan chart of a projection."""
    from ..analysis import plots

    outputs = src.outputs()
    if projection_years(outputs):
        plots.plot_projection(src.tree, path=path)
        return
    var = names[0] if names != outputs else headline_of(src)
    plots.plot_distribution(
        src.tree, var, ci_prob=ci_prob, ci_kind=ci_kind, point=src.point(), path=path
    )


def cmd_run(args: argparse.Namespace, console: Console) -> int:
    """Sample a scenario and print (or save) its summary; optionally keep the draws, plot."""
    console.environment()
    fmt = result_format(args)
    save = check_save(args)
    out = check_run_out(args)
    plot = (
        check_out(args.plot, "--plot", IMAGE_SUFFIXES, overwrites(args))
        if args.plot is not None
        else None
    )
    several = list(dict.fromkeys(args.var or []))
    if plot is not None and len(several) > 1:  # it drew the first, silently
        raise FrontiercostError(
            f"--plot: draws one variable, and {len(several)} are given with --var"
            f" ({', '.join(several)}); keep one, or draw each with frontiercost plot"
            " --kind distribution --var NAME"
        )
    kind = "hdi" if args.hdi else "eti"
    store = args.draws * args.chains <= STORE_LIMIT or out is not None
    reference = args.scenario == "reference" and not _exists(args.scenario)
    if reference:
        src = _sample_reference(args, store, console)
    else:
        if plot is not None and not store:
            _check_plot_streaming(args.scenario)
        if args.var:
            _check_scenario_vars(args.scenario, args.var, store)
        # A printed summary reads outputs only: input draws would double the
        # memory and the first-touch time of the run for nothing.
        inputs = out is not None or plot is not None or _names_inputs(args.scenario, args.var)
        groups = None if inputs or not store else _output_groups(args)
        if groups is not None:
            return _run_grouped(args, console, groups, kind, fmt, save)
        src = sample(args.scenario, args, console, store=store, out=out, inputs=inputs)
    names = _names(src, args.var)
    record = summary_record(src, names, args.ci, kind, console)
    if out is not None:
        if reference or src.view.conditioned:  # else simulate wrote it
            with console.step(f"writing {out}", progress=True):
                write_tree(src.tree, out)
        console.note(f"wrote {out}")
    if plot is not None:
        with console.step(f"plotting {plot}", progress=True):
            plot_headline(src, names, plot, args.ci, kind)
        console.note(f"wrote {plot}")
    emit(console, render_summary(record, fmt), save)
    return 0


# Stored draws a printed summary holds at once: a larger run is sampled again
# for each group of outputs (same streams, same bits) instead of keeping every
# output's draws together (4e6 draws of GPT-4's 11 outputs are 352 MB).
GROUP_BYTES = 192 * 2**20


def _output_groups(args: argparse.Namespace) -> list[tuple[list[str], Any]] | None:
    """Groups of outputs sampled one after another, each with its split (or ``False``).

    ``None`` when the run is small enough to hold whole, or is not a plain
    scenario run (observations, a cluster, a saved run).
    """
    from ..analysis.components import SPLITS
    from ..scenarios import load_scenario

    if is_run_file(args.scenario) or cluster_kwargs(args):
        return None
    sc = load_scenario(args.scenario)
    if getattr(sc, "observations", ()):
        return None
    outputs = list(sc.outputs)
    names = list(dict.fromkeys(args.var)) if args.var else outputs
    total = args.draws * args.chains
    per = max(1, GROUP_BYTES // (8 * total))
    if len(names) <= per and len(names) == len(outputs):
        return None  # else only the outputs named (and their split) are sampled
    # the split the whole run would report, sampled together in the first group
    split = next(
        ((t, ps) for t, ps in SPLITS.items() if {t, *ps} <= set(outputs) and t in names), None
    )
    first = [] if split is None else [split[0], *split[1]]
    rest = [n for n in names if n not in first]
    take = max(0, per - len(first))
    groups: list[tuple[list[str], Any]] = []
    if first:
        groups.append((first + rest[:take], split))
        rest = rest[take:]
    groups += [(rest[i : i + per], False) for i in range(0, len(rest), per)]
    return groups


def _run_grouped(
    args: argparse.Namespace,
    console: Console,
    groups: list[tuple[list[str], Any]],
    kind: str,
    fmt: str,
    save: Any,
) -> int:
    """``run`` of a large stored run, one group of outputs at a time (see GROUP_BYTES)."""
    import gc

    # What exists now (modules, compiled kernels) lives as long as the process:
    # out of the collector's sight, freeing a group's draws takes milliseconds.
    gc.freeze()
    try:
        record = _grouped_record(args, console, groups, kind)
    finally:
        gc.unfreeze()  # an in-process caller's objects are collectable again
    emit(console, render_summary(record, fmt), save)
    return 0


def _grouped_record(
    args: argparse.Namespace, console: Console, groups: list[tuple[list[str], Any]], kind: str
) -> dict[str, Any]:
    """The summary record of a run sampled group by group (see :func:`_run_grouped`)."""
    import warnings

    from ..errors import ScenarioWarning

    records = []
    point = None
    order: list[str] = []
    refs: list[str] = []
    for i, (group, split) in enumerate(groups):
        with warnings.catch_warnings():
            if i:  # the scenario's notes were said with the first group
                warnings.simplefilter("ignore", ScenarioWarning)
            src = sample(args.scenario, args, console, store=True, inputs=False, outputs=group)
        if point is None:
            with console.step("point estimate"):
                point = src.point()
            sc = src.scenario
            order = list(dict.fromkeys(args.var)) if args.var else list(sc.outputs) if sc else []
            refs = [r.output for r in sc.references] if sc is not None else []
        wanted = [n for n in order if n in group]
        records.append(
            summary_record(src, wanted, args.ci, kind, console, point=point, split=split)
        )
        del src
        release_memory()
    return merge_records(records, order, refs)


def release_memory() -> None:
    """Give the memory of dropped draws back before the next group's are drawn.

    A DataTree's nodes refer to each other, so only the cycle collector frees
    them; and glibc keeps freed blocks under its (adaptive, up to 32 MB)
    mmap threshold in the heap, where the next group's arrays would not fit
    them exactly, unless trimmed.
    """
    import ctypes
    import ctypes.util
    import gc

    gc.collect()
    name = ctypes.util.find_library("c")
    try:
        ctypes.CDLL(name).malloc_trim(0)
    except (OSError, AttributeError, TypeError):  # not glibc: nothing to trim
        pass


def merge_records(
    records: list[dict[str, Any]], order: list[str], ref_outputs: list[str]
) -> dict[str, Any]:
    """One summary record from records of disjoint groups of outputs of one run.

    ``order``: the outputs in the order the whole run reports them;
    ``ref_outputs``: the output of each of the scenario's published figures,
    in its order (a group reports its figures in that order).
    """
    merged = dict(records[0])
    outputs = {k: v for r in records for k, v in r["outputs"].items()}
    merged["outputs"] = {n: outputs[n] for n in order if n in outputs}
    merged["components"] = next(
        (r["components"] for r in records if r["components"] is not None), None
    )
    # the k-th figure of an output is that output's k-th in the scenario
    keyed = []
    for r in records:
        seen: dict[str, int] = {}
        for rec in r["references"]:
            k = seen.get(rec["output"], 0)
            seen[rec["output"]] = k + 1
            at = [i for i, o in enumerate(ref_outputs) if o == rec["output"]]
            keyed.append((at[k] if k < len(at) else len(ref_outputs), rec))
    merged["references"] = [rec for _, rec in sorted(keyed, key=lambda kr: kr[0])]
    return merged


def _exists(text: str) -> bool:
    from pathlib import Path

    return Path(text).exists()


def _names_inputs(scenario: str, names: list[str] | None) -> bool:
    """Whether ``--var`` asks for an input of the scenario (its draws must be kept)."""
    if not names:
        return False
    from ..scenarios import load_scenario

    return not set(names) <= set(load_scenario(scenario).outputs)


def _check_plot_streaming(scenario: str) -> None:
    from ..scenarios import load_scenario

    if not projection_years(load_scenario(scenario).outputs):
        raise FrontiercostError(
            f"--plot: the distribution plot needs stored draws; use at most {STORE_LIMIT:,} "
            "draws in total, or --out FILE to keep them"
        )


def _check_scenario_vars(scenario: str, names: list[str], store: bool) -> None:
    """``--var`` names checked before sampling: outputs, and inputs of a stored run."""
    from ..scenarios import load_scenario

    sc = load_scenario(scenario)
    inputs = sc.plain_inputs
    accepted = list(sc.outputs) + (inputs if store else [])
    check_names("--var", names, accepted, f"scenario {sc.name!r}", [] if store else inputs)


def _table_variables(tree: Any) -> list[str] | None:
    """The variables `sweep --var` showed, as it recorded them in its file (if any)."""
    import json

    try:
        names = json.loads(str(tree.attrs.get("table_variables", "null")))
    except ValueError:
        return None
    if not (isinstance(names, list) and all(isinstance(n, str) for n in names)):
        return None
    known = run_variables(tree)
    return [n for n in names if n in known] or None


def cmd_summarize(args: argparse.Namespace, console: Console) -> int:
    """The summary of a saved run, as ``run`` prints it."""
    fmt = result_format(args)
    save = check_save(args)
    if not is_run_file(args.file):
        raise FrontiercostError(
            f"{args.file}: expected a run saved with `frontiercost run --out` (.nc or .zarr); "
            "to sample a scenario use `frontiercost run`"
        )
    kind = "hdi" if args.hdi else "eti"
    tree = open_run(args.file)
    if sweep_fields(tree):
        from ._sweep import sweep_table

        sc = scenario_of_run(tree, console)
        shown = args.var or _table_variables(tree)  # as the sweep printed it
        emit(console, sweep_table(tree, shown, args.ci, kind, fmt, sc), save)
        return 0
    src = source_of(tree, args.file, console)
    names = _names(src, args.var)
    record = summary_record(src, names, args.ci, kind, console)
    message = conditioning_warning(src.tree, src.name) if src.view.conditioned else None
    if message is not None:
        console.warn(message)
    bad = {n: o["nonfinite"] for n, o in record["outputs"].items() if o["nonfinite"]}
    if bad:
        total = record["run"]["total_draws"]
        console.warn(
            f"{src.name}: outputs with draws that are not finite numbers: "
            + "; ".join(f"{n}: {c:,} of {total:,} draws" for n, c in bad.items())
        )
    emit(console, render_summary(record, fmt), save)
    return 0
