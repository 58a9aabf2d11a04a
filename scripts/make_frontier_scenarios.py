"""Write the built-in scenarios of the paper's 41 frontier models.

Reads ``frontier_models.csv`` (the inputs of Cottier et al. 2024 v2, with the
pipeline's rules already applied) and writes one scenario per model to
``frontiercost/scenarios/library/models/<slug>.toml``:

- every point input of docs/model.md §3.1-3.4 given explicitly from the CSV, so that
  ``evaluate`` reproduces the paper's point estimates;
- the chip-hour route the paper used (chips x time, the FLOP route at the
  default utilization 0.375, or recorded chip-hours), checked against the
  CSV's ``chip_hours``;
- the paper's Table 5 uncertainty ("final-run uncertainty", docs/model.md
  §4.2-4.5) around each point input, with ``central`` = the point value;
- the paper's published outputs (``ref_*`` columns) in ``[reference]``.

Usage::

    python scripts/make_frontier_scenarios.py [DATA_DIR] [--out DIR] [--check]

``DATA_DIR`` defaults to this repository's ``tests/data`` (the CSV's
provenance: ``tests/data/README.md``); ``--check`` writes nothing and exits 1
if a file would change.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from scipy import stats

from frontiercost.model.dates import availability, hardware_age, training_start
from frontiercost.scenarios.chips import find_chip

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "frontiercost" / "scenarios" / "library" / "models"
PAPER = "Cottier et al. 2024, The rising costs of training frontier AI models, arXiv:2405.21015v2"
DATA = ROOT / "tests" / "data"
CSV_SOURCE = (
    "docs/model.md §6.2 (the paper's 41 models: Epoch AI training-cost-trends, v2 pipeline inputs)"
)

DEFAULT_UTILIZATION = 0.375  # paper: median of 33 known values (docs/model.md §5)
HYPERSCALERS = ("google", "deepmind", "microsoft", "amazon", "meta", "facebook")  # PUE rule
# Table 5 cluster_interconnect_overhead: cluster cost / server cost, lognormal 1.07-1.32;
# the point value is 1 / (1 - 0.19).
INTERCONNECT_FRACTION = 0.19
# Recorded chip-hours (no count, no time): chip-count x training-time multipliers combined,
# lognormal sigmas added in quadrature: exp(z95 * sqrt(s_count^2 + s_time^2)).
Z95 = float(stats.norm.ppf(0.95))
_S_COUNT = math.log(1.25 / 0.8) / (2 * Z95)
_S_TIME = math.log(2.0 / 0.5) / (2 * Z95)
CHIP_HOURS_P95 = math.exp(Z95 * math.hypot(_S_COUNT, _S_TIME))

REFERENCE_COLUMNS = {
    "ref_amortized_2023usd": "amortized_cost",
    "ref_cloud_2023usd": "cloud_cost",
    "ref_acquisition_2023usd": "acquisition_cost",
    "ref_chips_2023usd": "chip_cost",
    "ref_other_server_2023usd": "other_server_cost",
    "ref_interconnect_2023usd": "interconnect_cost",
    "ref_energy_2023usd": "energy_cost",
    "ref_energy_kwh": "energy_use",
}


def slug(name: str) -> str:
    """File stem of a model: lowercase, runs of non-alphanumerics become one ``-``.

    >>> slug("GPT-3 175B (davinci)")
    'gpt-3-175b-davinci'
    """
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def decimal_year(date: dt.date) -> float:
    """Decimal year as the paper's regression computes it.

    ``year + (month - 1) / 12 + (day - 1) / 365`` (training-cost-trends
    ``datetime_to_float_year``); with it the v2 amortized trend reproduces to
    every printed digit (slope 0.38152, intercept -765.488).
    """
    return date.year + (date.month - 1) / 12 + (date.day - 1) / 365


def num(value: float) -> str:
    """A TOML number: integers below 1e9 as integers, other values by ``repr``."""
    if float(value).is_integer() and abs(value) < 1e9:
        return str(int(value))
    return repr(float(value))


def _float(row: dict[str, str], key: str) -> float | None:
    text = row[key].strip()
    return float(text) if text else None


def _require(row: dict[str, str], key: str) -> float:
    value = _float(row, key)
    if value is None:
        raise ValueError(f"{row['model']}: {key} is empty")
    return value


def _route(row: dict[str, str]) -> str:
    count, hours = _float(row, "hardware_quantity"), _float(row, "training_time_hours")
    imputed = row["chip_hours_imputed_from_flop"].strip() == "True"
    if imputed:
        return "flop"
    if count is not None and hours is not None:
        return "chips-x-time"
    return "recorded"


def _check_chip_hours(row: dict[str, str], route: str) -> float:
    """Chip-hours by the paper's route; must equal the CSV's to its 6 printed digits."""
    recorded = _require(row, "chip_hours")
    if route == "chips-x-time":
        value = _require(row, "hardware_quantity") * _require(row, "training_time_hours")
    elif route == "flop":
        peak = _require(row, "peak_flop_per_s")
        value = _require(row, "training_compute_flop") / (peak * DEFAULT_UTILIZATION * 3600)
    else:
        value = recorded
    if abs(value / recorded - 1) > 1e-5:
        raise ValueError(f"{row['model']}: {route} gives {value:g} chip-hours, CSV {recorded:g}")
    return value


def render(row: dict[str, str]) -> str:
    """The scenario file of one CSV row."""
    model = row["model"]
    hardware = row["training_hardware"]
    chip = find_chip(hardware)
    kind = "tpu" if "TPU" in hardware else "gpu"
    if chip.kind != kind:
        raise ValueError(f"{model}: chip library says {chip.key} is a {chip.kind}")
    org = row["organization"]
    hyperscaler = any(h in org.lower() for h in HYPERSCALERS)
    pue = _require(row, "pue")
    if pue != (1.10 if hyperscaler else 1.25):
        raise ValueError(f"{model}: PUE {pue} does not follow the paper's rule for {org!r}")
    power = _require(row, "avg_power_to_tdp")
    if power != {"gpu": 0.75, "tpu": 0.43}[kind]:
        raise ValueError(f"{model}: average power / TDP {power} is not the paper's {kind} value")

    route = _route(row)
    chip_hours = _check_chip_hours(row, route)
    published = dt.date.fromisoformat(row["publication_date"])
    start = dt.date.fromisoformat(row["training_start_date"])
    available = dt.date.fromisoformat(row["hardware_availability_date"])
    raw_age = (start - available).days / 365.25
    # paper (prices.py get_hardware_value_at_training_start): a GPU run cannot start
    # before its hardware is available; the start is moved to the availability date
    age = max(raw_age, 0.0) if kind == "gpu" else raw_age
    # The scenario states the dates; the loader's rule gives the age. Where the rule's
    # dates differ from the paper's, the scenario gives the paper's.
    assert chip.released is not None
    rule_available, _ = availability(kind, chip.released, chip.first_price_date)
    date_hours = _float(row, "training_time_hours")
    rule_start = training_start(published, date_hours).date()
    dated = hardware_age(kind, available, "", start=start)
    if abs(dated.years - age) > 1e-12:
        raise ValueError(f"{model}: the date rule gives age {dated.years}, the paper {age}")

    count = _float(row, "hardware_quantity")
    hours = _float(row, "training_time_hours")
    compute = _require(row, "training_compute_flop")
    peak = _require(row, "peak_flop_per_s")
    price = _require(row, "acquisition_price_per_chip_usd")
    factor = _require(row, "chip_to_server_cost_factor")
    cloud = _float(row, "cloud_usd_per_chip_hour")
    reported_util = _float(row, "hardware_utilization")
    if route == "flop" and reported_util is not None:
        raise ValueError(f"{model}: FLOP route with a reported utilization is not handled")

    compute_line = (
        f'training_compute = {{ prior = "training_compute_multiplier", times = {num(compute)} }}'
    )
    how = {
        "chips-x-time": f"{num(count or 0)} chips x {num(hours or 0)} h",
        "flop": f"training compute / (peak FLOP/s x utilization {DEFAULT_UTILIZATION})",
        "recorded": "recorded chip-hours",
    }[route]
    lines = [
        "# Generated by scripts/make_frontier_scenarios.py from tests/data/frontier_models.csv"
        " (docs/model.md §6.2).",
        "# Do not edit by hand: change the script and regenerate.",
        "",
        "[scenario]",
        f"title = {_str(model)}",
        "description = "
        + _str(
            f"Final training run of {model} ({org}, published {published.isoformat()}) on "
            f"{hardware}: {num(chip_hours)} chip-hours from {how}. Point inputs as resolved "
            "by the paper's pipeline (v2); uncertainty from the paper's Table 5 around them."
        ),
        f"published = {published.isoformat()}",
        f"year = {decimal_year(published)!r}  # {published.isoformat()}: "
        "year + (month-1)/12 + (day-1)/365 (paper)",
        f"organization = {_str(org)}",
        # the paper's "2023 USD": PCU518210518210(2023-12) / PCU518210518210(publication
        # month), which the load computes from the package's index (docs/model.md §5)
        f"dollars = 2023  # 2023-12 USD: x {num(_require(row, 'inflation_factor_to_2023usd'))}"
        " from the publication month (the paper's inflation factor)",
        f"sources = [{_str(PAPER)}, {_str(CSV_SOURCE)}]",
        'tags = ["frontier-model"]',
        "",
        "[hardware]",
        f"chip = {_str(chip.key)}  # {hardware}",
        *(
            [f"cloud_basis = {_str('3yr')}  # the paper's cloud_price is a 3-year price"]
            if cloud is not None
            else []
        ),
        f"hyperscaler = {'true' if hyperscaler else 'false'}"
        f"  # PUE 1.10 for {', '.join(HYPERSCALERS)}",
        *(
            [
                f"available = {available.isoformat()}  # the paper's date for {hardware!r}"
                " (its data dates a generic variant)"
            ]
            if rule_available != available
            else []
        ),
        *(
            [f"training_start = {start.isoformat()}  # fixed by the paper's pipeline (prices.py)"]
            if rule_start != start
            else []
        ),
        *(
            [
                f"released = {chip.released.isoformat()}  # stated: the paper's training start"
                f" {start.isoformat()} precedes this release; the rule puts the age at 0"
            ]
            if kind == "gpu" and start < chip.released
            else []
        ),
        "",
        "# Priors: the paper's Table 5 (final-run uncertainty, docs/model.md §4.2-4.5)",
        "# around each point input; central = the paper's point value.",
        "[parameters]",
    ]
    p = lines.append
    if route == "chips-x-time":
        p("# chip-hours = chip_count x training_hours (reported)")
        p(f'chip_count = {{ prior = "chip_count_multiplier", times = {num(count or 0)} }}')
        p(f'training_hours = {{ prior = "training_time_multiplier", times = {num(hours or 0)} }}')
        p("# not used for chip-hours here; makes usd_per_flop = amortized_cost / training_compute")
        p(compute_line)
        p(f"peak_flops = {num(peak)}")
        if reported_util is not None:
            p(f"# reported utilization {reported_util:g} (not used by the paper's cost)")
    elif route == "flop":
        p("# chip-hours imputed: training_compute / (peak_flops x utilization x 3600)")
        if hours is not None:
            p(f"# training time {num(hours)} h is reported but the chip count is not: it dates")
            p("# the run (hardware age) but chip-hours come from compute")
            p(f'training_hours = {{ prior = "training_time_multiplier", times = {num(hours)} }}')
        if count is not None:
            p("# chip count reported, training time not: used for the acquisition cost only")
            p(f'chip_count = {{ prior = "chip_count_multiplier", times = {num(count)} }}')
        p(compute_line)
        p(f'peak_flops = {{ prior = "peak_flops_multiplier", times = {num(peak)} }}')
        p("# 90 % in 0.10-0.65 within [0.01, 0.99] (library: truncated normal, median 0.362;")
        p("# the paper clips a normal of median 0.375).  Point value 0.375: the paper's default")
        p("# when no utilization is reported (median of 33 known values)")
        p(f'utilization = {{ prior = "utilization_final_run", central = {DEFAULT_UTILIZATION} }}')
    else:
        p("# chip-hours recorded without chip count or training time; prior: chip-count")
        p("# (0.8-1.25x) and training-time (0.5-2x) multipliers combined (sigmas in quadrature)")
        p(
            f'chip_hours = {{ family = "lognormal", relative = true, central = {num(chip_hours)},'
            f" p5 = {1 / CHIP_HOURS_P95!r}, p95 = {CHIP_HOURS_P95!r} }}"
        )
        p("# not used for chip-hours here; makes usd_per_flop = amortized_cost / training_compute")
        p(compute_line)
        p(f"peak_flops = {num(peak)}")
    price_prior = "tpu_price_multiplier" if kind == "tpu" else "gpu_price_multiplier"
    p(f"# chip_price (server level) = {num(price)} USD = bare_chip_price x server_cost_factor")
    p(f'bare_chip_price = {{ prior = "{price_prior}", times = {price / factor!r} }}')
    p(f'server_cost_factor = {{ prior = "server_cost_factor", central = {num(factor)} }}')
    p('depreciation_rate = { prior = "depreciation_rate", central = 0.14 }')
    p(
        f"# hardware available {available.isoformat()}, training start {start.isoformat()}: "
        f"{(start - available).days} days / 365.25"
    )
    p("# hardware_age follows from the dates (docs/scenarios.md), +/-120 days (Table 5)")
    if age != raw_age:
        p(f"# = {raw_age:.6f} yr < 0: a GPU's value is taken at availability (paper), age 0")
    if cloud is not None:
        p(f"cloud_price = {num(cloud)}  # 3-year committed-use price (no prior in Table 5)")
    else:
        p("# no cloud price in the paper's data: no cloud_cost")
    p(f"chip_tdp = {num(_require(row, 'chip_tdp_w'))}")
    p(f"server_power_factor = {num(_require(row, 'chip_to_server_power_factor'))}")
    p(f'avg_power_fraction = {{ prior = "avg_power_fraction_{kind}", central = {num(power)} }}')
    pue_prior = "pue_hyperscaler" if hyperscaler else "pue_non_hyperscaler"
    p(f'pue = {{ prior = "{pue_prior}", central = {num(pue)} }}')
    p(
        'electricity_price = { prior = "electricity_price_multiplier", times = '
        f"{num(_require(row, 'electricity_usd_per_kwh'))} }}"
    )
    p("# cluster cost / server cost F (Table 5 lognormal 1.07-1.32, point 1/(1 - 0.19));")
    p("# interconnect_fraction = 1 - 1/F, so the network adds F - 1 of the server cost")
    p(
        'interconnect_factor = { prior = "cluster_interconnect_factor", '
        f"central = {num(1 / (1 - INTERCONNECT_FRACTION))} }}"
    )
    p("")
    p("# The interconnect share follows from the factor above (not the pipeline's fixed 0.19).")
    p("[routes]")
    p('interconnect_fraction = "1 - 1 / interconnect_factor"')

    refs: list[tuple[str, str, float]] = []
    for col, out in REFERENCE_COLUMNS.items():
        value = _float(row, col)
        if value is not None:
            refs.append((col, out, value))
    if refs:
        p("")
        p("# The paper's published outputs (2023 USD; kWh): expectations, never inputs.")
        p("[reference]")
        for col, out, value in refs:
            src = f"Cottier et al. 2024 v2, docs/model.md §6.2 {col}"
            dollars = ", dollars = 2023" if col.endswith("_2023usd") else ""
            p(f"{out} = {{ value = {num(value)}{dollars}, source = {_str(src)} }}")
    return "\n".join(lines) + "\n"


def _str(text: str) -> str:
    """A TOML basic string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def read_rows(data_dir: Path) -> list[dict[str, str]]:
    """Rows of ``frontier_models.csv``."""
    with (data_dir / "frontier_models.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def main(argv: Sequence[str] | None = None) -> int:
    """Write (or with ``--check`` compare) every model's scenario file."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", nargs="?", default=DATA, type=Path)
    parser.add_argument("--out", default=OUT, type=Path)
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    args = parser.parse_args(argv)
    rows = read_rows(args.data_dir)
    files = {slug(row["model"]) + ".toml": render(row) for row in rows}
    if len(files) != len(rows):
        raise ValueError("two models share a slug")
    if args.check:
        stale = [
            name
            for name, text in files.items()
            if not (args.out / name).exists() or (args.out / name).read_text("utf-8") != text
        ]
        extra = sorted({p.name for p in args.out.glob("*.toml")} - set(files))
        for name in stale + extra:
            print(f"out of date: {name}")
        return 1 if stale or extra else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        tmp = args.out / (name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(args.out / name)
    print(f"wrote {len(files)} scenarios to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
