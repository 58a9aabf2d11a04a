"""Subcommands that show the libraries: priors, scenarios, chips; and validate."""

from __future__ import annotations

import argparse
import difflib
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import FrontiercostError
from ._common import (
    EXIT_USAGE,
    Console,
    check_save,
    emit,
    number,
    result_format,
    to_csv,
    to_json,
    version,
)

if TYPE_CHECKING:
    from ..priors import Prior
    from ..scenarios import Chip, Scenario
    from ..settings import Limits


def _fmt(v: float) -> str:
    return f"{v:.4g}"


PRIORS_SCHEMA = "frontiercost.priors/1"
SCENARIOS_SCHEMA = "frontiercost.scenarios/1"
PRIOR_CSV_COLUMNS = (
    "name",
    "family",
    "unit",
    "central",
    "p5",
    "p50",
    "p95",
    "description",
    "source",
)
SCENARIO_CSV_COLUMNS = ("name", "title", "group", "year", "tags", "outputs", "description")


def _prior_json(name: str, prior: Prior) -> dict[str, Any]:
    """One prior as JSON: its family, summary quantiles and the family's own parameters."""
    described = prior.describe()
    skip = {"family", "unit", "central", "p5", "p50", "p95", "source", "description"}
    return {
        "name": name,
        "family": prior.family,
        "unit": prior.unit,
        "central": number(prior.central),
        "p5": number(float(prior.ppf(0.05))),
        "p50": number(float(prior.ppf(0.5))),
        "p95": number(float(prior.ppf(0.95))),
        "parameters": {
            k: number(v) if isinstance(v, int | float) else str(v)
            for k, v in described.items()
            if k not in skip
        },
        "description": str(described.get("description", "")),
        "source": str(described.get("source", "")),
    }


def priors_record(names: list[str] | None = None) -> dict[str, Any]:
    """The ``frontiercost.priors/1`` document: the library, or the priors ``names``."""
    from ..priors import load_library

    lib = load_library()
    chosen = sorted(lib) if names is None else names
    return {
        "schema": PRIORS_SCHEMA,
        "frontiercost_version": version(),
        "priors": [_prior_json(n, lib[n]) for n in chosen],
    }


def cmd_priors(args: argparse.Namespace, console: Console) -> int:
    """List the prior library, or show one prior with its quantiles."""
    from ..priors import load_library

    fmt = result_format(args)
    save = check_save(args)
    lib = load_library()
    if args.name is not None and args.name not in lib:
        near = difflib.get_close_matches(args.name, lib, n=3)
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        raise FrontiercostError(f"priors: no prior named {args.name!r}{hint}")
    if fmt in ("json", "csv"):
        record = priors_record(None if args.name is None else [args.name])
        if fmt == "json":
            emit(console, to_json(record), save)
        else:
            rows = [[p[k] for k in PRIOR_CSV_COLUMNS] for p in record["priors"]]
            emit(console, to_csv(PRIOR_CSV_COLUMNS, rows), save)
        return 0
    lines = []
    if args.name is None:
        width = max(len(n) for n in lib)
        for name, p in sorted(lib.items()):
            lines.append(f"{name:<{width}}  {p.family:<11} {p.unit:<8} {p.description}")
        emit(console, "\n".join(lines), save)
        return 0
    p = lib[args.name]
    lines.append(f"{args.name}: {p.description}")
    for key, value in p.describe().items():
        if key == "description":
            continue
        lines.append(f"  {key:<12} {_fmt(value) if isinstance(value, float) else value}")
    qs = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
    lines.append(
        "  quantiles    " + "  ".join(f"p{round(q * 100)}={_fmt(float(p.ppf(q)))}" for q in qs)
    )
    emit(console, "\n".join(lines), save)
    return 0


def _scenario_json(sc: Scenario, group: str) -> dict[str, Any]:
    """One scenario as JSON: what it is, its parameters' priors and its outputs."""
    from ..model import QUANTITIES

    table = {**QUANTITIES, **sc.quantities}
    year = sc.meta.get("year")
    return {
        "name": sc.name,
        "title": sc.title,
        "group": group,
        "year": number(year) if isinstance(year, int | float) else None,
        "tags": [str(tag) for tag in sc.meta.get("tags", [])],
        "description": str(sc.meta.get("description", "")),
        "parameters": [
            {
                "name": name,
                "family": prior.family,
                "central": number(prior.central),
                "p5": number(float(prior.ppf(0.05))),
                "p95": number(float(prior.ppf(0.95))),
                "unit": prior.unit,
            }
            for name, prior in sc.input_priors().items()
        ],
        "outputs": [
            {"name": o, "units": table[o].units, "long_name": table[o].long_name}
            for o in sc.outputs
        ],
    }


def _group_of(name: str) -> str:
    """The built-in library's subfolder of a scenario (``models``), or ``""``."""
    from ..scenarios.scenario import _builtin_paths  # the library's subfolders group it

    path = _builtin_paths().get(name)
    if path is None:
        return ""
    folder = Path(path).parent.name
    return "" if folder == "library" else folder


def cmd_scenarios(args: argparse.Namespace, console: Console) -> int:
    """List the built-in scenarios by folder, or show one."""
    from ..scenarios import list_scenarios
    from ..scenarios import load_scenario as load_quietly
    from ._common import load_scenario

    if args.toml:
        if args.name is None:
            raise FrontiercostError(
                "--toml: name the scenario to print, e.g. scenarios gpt-4 --toml"
            )
        if args.format is not None:
            raise FrontiercostError("--toml prints the scenario's file as it is; drop --format")
        from ._common import check_out, overwrites

        # the file itself: a .toml to edit (a .json would hold TOML, not JSON)
        toml_out = (
            None
            if args.save is None
            else check_out(args.save, "--save", (".toml", ".txt"), overwrites(args))
        )
        sc = load_scenario(args.name, console)
        emit(console, sc.text if sc.text.endswith("\n") else sc.text + "\n", toml_out)
        return 0
    fmt = result_format(args)
    save = check_save(args)
    if args.name is not None:
        sc = load_scenario(args.name, console)
        if fmt == "table":
            emit(console, _show_scenario(sc), save)
        else:
            _emit_scenarios(console, [_scenario_json(sc, _group_of(args.name))], fmt, save)
        return 0
    names = list_scenarios()
    loaded = []
    failed = []
    for name in names:
        try:
            loaded.append((name, load_quietly(name)))
        except FrontiercostError as err:
            failed.append(str(err))
    if fmt != "table":
        _emit_scenarios(console, [_scenario_json(sc, _group_of(n)) for n, sc in loaded], fmt, save)
    else:
        emit(console, _scenarios_table(loaded) if loaded else "no built-in scenarios", save)
    for message in failed:
        print(f"frontiercost: error: {message}", file=sys.stderr)
    return EXIT_USAGE if failed else 0


def _emit_scenarios(
    console: Console, records: list[dict[str, Any]], fmt: str, save: Path | None
) -> None:
    if fmt == "json":
        record = {
            "schema": SCENARIOS_SCHEMA,
            "frontiercost_version": version(),
            "scenarios": records,
        }
        emit(console, to_json(record), save)
        return
    rows = [
        [
            r["name"],
            r["title"],
            r["group"],
            r["year"],
            ";".join(r["tags"]),
            ";".join(o["name"] for o in r["outputs"]),
            r["description"],
        ]
        for r in records
    ]
    emit(console, to_csv(SCENARIO_CSV_COLUMNS, rows), save)


def _scenarios_table(loaded: list[tuple[str, Scenario]]) -> str:
    from ..analysis.format import format_table

    groups: dict[str, list[list[str]]] = {}
    for name, sc in loaded:
        tags = ", ".join(sc.meta.get("tags", []))
        groups.setdefault(_group_of(name), []).append([name, sc.title, tags])
    lines: list[str] = []
    for i, (group, rows) in enumerate(sorted(groups.items())):
        if i:
            lines.append("")
        lines.append(f"{group or 'scenarios'} ({len(rows)})")
        lines += ["  " + line for line in format_table(["name", "title", "tags"], rows, "lll")]
    return "\n".join(lines)


def _show_scenario(sc: Scenario) -> str:
    out: list[str] = []

    say = out.append  # the lines of the page, printed by the caller

    import textwrap

    from ..analysis.format import format_table, format_value
    from ..model import QUANTITIES

    say(f"{sc.name}: {sc.title}")
    description = sc.meta.get("description")
    if description:
        say(textwrap.fill(description, 99, initial_indent="  ", subsequent_indent="  "))
    facts = [
        f"{k} {sc.meta[k]:.6g}" if k == "year" else f"{k} {sc.meta[k]}"
        for k in ("year", "published", "organization", "chip", "pipeline")
        if k in sc.meta
    ]
    if sc.dollars and sc.dollars != "inflation_factor":
        facts.append(f"dollars {sc.dollars}")
    if sc.meta.get("tags"):
        facts.append("tags: " + ", ".join(sc.meta["tags"]))
    if facts:
        say("  " + "; ".join(facts))
    if sc.meta.get("sources"):
        say("sources:")
        for source in sc.meta["sources"]:
            say(textwrap.fill(source, 99, initial_indent="  - ", subsequent_indent="    "))
    rows = []
    for name, prior in sc.input_priors().items():
        unit = prior.unit
        if prior.family == "fixed":
            interval = "fixed"
        else:
            lo, hi = (
                format_value(float(prior.ppf(q)), unit, show_unit=False) for q in (0.05, 0.95)
            )
            interval = f"{lo} – {hi}"
        central = format_value(prior.central, unit, show_unit=False)
        rows.append([name, prior.family, central, interval, unit])
    if sc.meta.get("dollar_note") and sc.dollars not in ("nominal", "inflation_factor"):
        say(textwrap.fill(f"dollars: {sc.meta['dollar_note']}", 99, subsequent_indent="  "))
    if sc.meta.get("hardware_age"):
        text = f"hardware age: {sc.meta['hardware_age']}"
        say(textwrap.fill(text, 99, subsequent_indent="  "))
    say("parameters (what the outputs read):")
    header = ["name", "family", "central", "90% interval", "unit"]
    say("\n".join("  " + line for line in format_table(header, rows, "llrrl")))
    table = {**QUANTITIES, **sc.quantities}
    say("outputs:")
    rows = [[o, table[o].units, table[o].long_name] for o in sc.outputs]
    say("\n".join("  " + line for line in format_table(["name", "unit", "meaning"], rows, "lll")))
    if sc.references:
        say("published figures (for comparison only, never an input):")
        rows = []
        for r in sc.references:
            unit = table[r.output].units if r.output in table else "1"
            shown = format_value(r.value, unit)
            if r.kind != "value":
                shown = f"{'<' if r.kind == 'below' else '>'} {shown}"
            rows.append([r.output, shown, r.basis, r.dollars, r.source])
        header = ["output", "figure", "basis", "dollars", "source"]
        say("\n".join("  " + line for line in format_table(header, rows, "lrlll")))
    return "\n".join(out)


def _validate_sweep(sc: Scenario, limits: Limits) -> None:
    """Build every point of a scenario's ``[sweep]`` as ``sweep`` would, without sampling."""
    from ..model import copula_factor
    from ..scenarios.grid import build_grid, grid_dims

    try:
        dims = grid_dims(sc)[0]
        limits.check_points(math.prod(len(d[1]) for d in dims))
        grid = build_grid(sc, max_points=limits.max_points)
    except FrontiercostError as err:
        raise FrontiercostError(f"{sc.path}: {err}") from None
    for label, point in zip(grid.labels(), grid.points, strict=True):
        try:
            point.model()
            copula_factor(point.correlations, list(point.priors))
        except FrontiercostError as err:
            raise FrontiercostError(f"{sc.path}: sweep point {label}: {err}") from None


def cmd_validate(args: argparse.Namespace, console: Console) -> int:
    """Load and compile scenario files without sampling; one line per file."""
    from ..model import copula_factor
    from ._common import limits_from, load_scenario

    limits = limits_from(args)
    failed = 0
    for path in args.files:
        try:
            sc = load_scenario(path, console)
            sc.model()  # compiles the formulas
            for name, prior in sc.input_priors().items():  # as a run builds them
                try:
                    prior.kernel_spec()
                except FrontiercostError as err:
                    raise FrontiercostError(f"{sc.path}: {name}: {err}") from None
            if "[sweep" in sc.text:
                _validate_sweep(sc, limits)
            try:
                copula_factor(sc.correlations, list(sc.priors))
            except FrontiercostError as err:
                raise FrontiercostError(f"{sc.path}: {err}") from None
        except FrontiercostError as err:
            print(f"frontiercost: error: {err}", file=sys.stderr)
            failed += 1
            continue
        # the result, printed even with --quiet (which drops notes only)
        print(f"{path}: ok ({len(sc.inputs)} parameters, outputs: {', '.join(sc.outputs)})")
    return EXIT_USAGE if failed else 0


def cmd_chips(args: argparse.Namespace, console: Console) -> int:
    """The chip library: a table, or every chip with its facts and prices as JSON or CSV."""
    from ..analysis.format import format_table, format_value
    from ..scenarios import chip_library
    from ..scenarios.chips import PURCHASE_KEYS

    fmt = result_format(args)
    save = check_save(args)
    chips = sorted(chip_library().items())
    only = None
    if args.chip is not None:
        from ..scenarios import find_chip

        try:  # by key, name or alias, case and punctuation ignored, as in a scenario
            only = find_chip(args.chip).key
        except FrontiercostError as err:
            raise FrontiercostError(str(err).replace("hardware.chip: ", "chips: ", 1)) from None
        chips = [(k, c) for k, c in chips if k == only]
    if fmt == "json":
        record = chips_record()
        if only is not None:
            record["chips"] = [c for c in record["chips"] if c["key"] == only]
        emit(console, to_json(record), save)
        return 0
    if fmt == "csv":
        rows = [r for r in chips_csv_rows() if only is None or r[0] == only]
        emit(console, to_csv(CHIP_CSV_COLUMNS, rows), save)
        return 0
    rows = []
    for key, chip in chips:
        peak = f"{format_value(chip.peak_flops[chip.precision], 'FLOP/s')} {chip.precision}"
        # a year may have only cloud prices (H100 PCIe): purchase and rental apart
        bought = [y for y, row in sorted(chip.prices.items()) if set(row) & set(PURCHASE_KEYS)]
        rented = [y for y, row in sorted(chip.prices.items()) if set(row) - set(PURCHASE_KEYS)]
        rows.append(
            [key, chip.name, chip.kind, peak, f"{chip.tdp:g} W", _years(bought), _years(rented)]
        )
    header = ["key", "name", "kind", "peak", "TDP", "purchase", "cloud"]
    lines = format_table(header, rows, "lllrrll")
    if only is not None:
        lines += ["", *_chip_prices_text(chips[0][1])]
    emit(console, "\n".join(lines), save)
    return 0


def _years(years: list[int]) -> str:
    return ", ".join(str(y) for y in years) or "-"


# The price table of one chip (`chips NAME`, and docs/scenarios.md's chip table)
PRICE_HEADER = ("year", "server price", "chip price", "on-demand", "1yr", "3yr", "contract")
ESTIMATE_MARK = "est."


def _is_estimate(prior: Prior) -> bool:
    """Whether a library price is an estimate (its source begins "estimate:")."""
    return prior.source.startswith("estimate:")


def price_cell(prior: Prior) -> str:
    """Central value, its 90 % interval when uncertain, ``est.`` before an estimate."""
    from ..analysis.format import format_value

    unit = prior.unit
    text = format_value(prior.central, unit, show_unit=False)
    if prior.family != "fixed":
        lo, hi = (format_value(float(prior.ppf(q)), unit, show_unit=False) for q in (0.05, 0.95))
        text += f" ({lo}–{hi})"
    return f"{ESTIMATE_MARK} {text}" if _is_estimate(prior) else text


def chip_price_rows(chip: Chip) -> list[list[str]]:
    """One row per price year: the year and a cell per :data:`PRICE_HEADER` column.

    *server price* is ``chip_price``, *chip price* ``bare_chip_price``, then
    the cloud prices by basis; ``–`` where the year has none.
    """
    from ..scenarios import chip_price_priors
    from ..scenarios.chips import CLOUD_BASES

    keys = ("chip_price", "bare_chip_price", *CLOUD_BASES.values())
    rows = []
    for year in sorted(chip.prices):
        priors = chip_price_priors(chip, year)
        rows.append([str(year), *(price_cell(priors[k]) if k in priors else "–" for k in keys)])
    return rows


def _chip_prices_text(chip: Chip) -> list[str]:
    """The dates and price table of one chip, for ``chips NAME``."""
    from ..analysis.format import format_table

    first = "none"
    if chip.first_price_date is not None:
        first = chip.first_price_date.isoformat()
        if chip.first_price_estimated:
            first += f" ({ESTIMATE_MARK}: no price record; its source: --format json)"
    released = chip.released.isoformat() if chip.released else "unknown"
    lines = [
        f"released {released}; first price record {first}",
        f"server cost factor {chip.server_cost_factor:g} (server price = chip price x it"
        " where only the chip price is given)",
    ]
    rows = chip_price_rows(chip)
    if not rows:
        return [*lines, "prices: none (a scenario sets chip_price and cloud_price)"]
    lines += [
        "prices by year and basis (nominal USD of the year; cloud USD per chip-hour;"
        " 90 % interval in brackets):",
        *format_table(list(PRICE_HEADER), rows, "l" + "r" * (len(PRICE_HEADER) - 1)),
    ]
    if any(ESTIMATE_MARK in cell for row in rows for cell in row):
        lines.append(
            f"{ESTIMATE_MARK} = an estimate (no price record for this chip and year; a wider"
            " prior); sources: --format json"
        )
    else:
        lines.append("every price from a record or the paper; sources: --format json")
    return lines


# CSV of `chips`: one row per chip, price year and price (a chip without prices: one
# row with the price columns empty); the chip's columns repeat on each of its rows.
CHIP_CSV_COLUMNS = (
    "key", "name", "kind", "released", "precision", "peak_flops", "tdp_w", "server_power_w",
    "year", "price", "basis", "family", "central", "p5", "p95", "unit", "estimate", "source",
)  # fmt: skip


def _price(prior: Prior) -> dict[str, Any]:
    """A price prior as JSON: family, central value, 90 % interval, unit, source."""
    return {
        "family": prior.family,
        "central": number(prior.central),
        "p5": number(prior.ppf(0.05)),
        "p95": number(prior.ppf(0.95)),
        "unit": prior.unit,
        "source": prior.source,
        "estimate": _is_estimate(prior),
    }


def _chip_json(chip: Chip) -> dict[str, Any]:
    from ..scenarios import chip_price_priors
    from ..scenarios.chips import CLOUD_BASES, PURCHASE_KEYS

    prices = []
    for year in sorted(chip.prices):
        priors = chip_price_priors(chip, year)
        prices.append(
            {
                "year": year,
                "purchase": {k: _price(priors[k]) for k in PURCHASE_KEYS if k in priors},
                "cloud": {b: _price(priors[CLOUD_BASES[b]]) for b in chip.cloud_bases(year)},
            }
        )
    return {
        "key": chip.key,
        "name": chip.name,
        "aliases": list(chip.aliases),
        "kind": chip.kind,
        "released": chip.released.isoformat() if chip.released else None,
        "first_price_date": (chip.first_price_date.isoformat() if chip.first_price_date else None),
        "first_price_source": chip.first_price_source or None,
        "precision": chip.precision,
        "peak_flops": {k: number(v) for k, v in chip.peak_flops.items()},
        "tdp_w": number(chip.tdp),
        "server_power_w": number(chip.server_power),
        "server_cost_factor": number(chip.server_cost_factor),
        "server_power_factor": number(chip.server_power_factor),
        "avg_power_fraction": number(chip.avg_power_fraction),
        "source": chip.source,
        "prices": prices,
    }


def chips_record() -> dict[str, Any]:
    """The ``frontiercost.chips/1`` document (docs/json-output.md)."""
    from ..scenarios import chip_library
    from ..scenarios.chips import CLOUD_BASIS_MEANING, DEFAULT_CLOUD_BASIS

    return {
        "schema": "frontiercost.chips/1",
        "frontiercost_version": version(),
        "default_cloud_basis": DEFAULT_CLOUD_BASIS,
        "cloud_bases": dict(CLOUD_BASIS_MEANING),
        "chips": [_chip_json(chip) for _, chip in sorted(chip_library().items())],
    }


def chips_csv_rows() -> list[list[Any]]:
    """The rows of ``chips --format csv`` (:data:`CHIP_CSV_COLUMNS`)."""
    rows = []
    for chip in chips_record()["chips"]:
        head = [
            chip["key"],
            chip["name"],
            chip["kind"],
            chip["released"],
            chip["precision"],
            chip["peak_flops"][chip["precision"]],
            chip["tdp_w"],
            chip["server_power_w"],
        ]
        found = False
        for row in chip["prices"]:
            priced = [(k, None, p) for k, p in row["purchase"].items()]
            priced += [("cloud_price", b, p) for b, p in row["cloud"].items()]
            for name, basis, p in priced:
                found = True
                rows.append(
                    [*head, row["year"], name, basis]
                    + [
                        p[k]
                        for k in ("family", "central", "p5", "p95", "unit", "estimate", "source")
                    ]
                )
        if not found:
            rows.append(head + [None] * (len(CHIP_CSV_COLUMNS) - len(head)))
    return rows
