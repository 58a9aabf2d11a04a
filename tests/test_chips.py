"""The chip library (``frontiercost/scenarios/chips.toml``) and the hardware scenarios.

Layers:

* library: every chip loads with consistent facts; every key, name and alias
  finds its chip and no label names two chips; unknown chips and bad
  precisions, price years or cloud bases fail with one message that names the
  key and the values this chip accepts;
* facts: current-hardware peak FLOP/s and TDP match docs/model.md §4.1, and every
  ``training_hardware`` string of the paper's model table (its chip columns,
  copied from ``frontier_models.csv`` to ``tests/data/paper_chip_inputs.csv``)
  resolves to a chip whose default-precision peak FLOP/s, TDP, cost and power
  factors and paper price reproduce the table's resolved inputs (the figures
  cited from Epoch's 2026 data are checked in ``tests/test_chip_records.py``);
* prices: every price row of every chip builds priors with the right units and
  positive central values;
* scenarios: every built-in hardware scenario loads, has positive finite
  amortized, cloud and acquisition point estimates and draws.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path

import numpy as np
import pytest

import frontiercost
from frontiercost.errors import ScenarioError
from frontiercost.priors import Fixed
from frontiercost.run import evaluate
from frontiercost.scenarios import (
    Chip,
    Scenario,
    chip_library,
    chip_price_priors,
    find_chip,
    list_scenarios,
    load_scenario,
)
from frontiercost.scenarios.chips import _norm

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
HARDWARE = ROOT / "frontiercost" / "scenarios" / "library" / "hardware"
HARDWARE_SCENARIOS = sorted(p.stem for p in HARDWARE.glob("*.toml"))

# the chips the brief asks for: the paper's hardware and current hardware
PAPER_CHIPS = {
    "tpu-v1", "tpu-v2", "tpu-v3", "tpu-v4", "k40t", "k80", "titan-x", "p100-sxm2",
    "v100-dgxs-16gb", "v100-dgxs-32gb", "v100s-pcie-32gb", "a100-sxm4-40gb",
    "a100-sxm4-80gb", "h100-pcie", "h100-sxm5",
}  # fmt: skip
CURRENT_CHIPS = {
    "h800-sxm", "h800-pcie", "a800-pcie", "a800-sxm", "h20", "gh200", "h200", "b200",
    "gb200", "mi250x", "mi300x", "mi325x", "trainium1", "trainium2", "gaudi2", "gaudi3",
    "ascend-910b", "ascend-910c", "tpu-v5e", "tpu-v5p", "tpu-v6e",
}  # fmt: skip
CHIP_KEYS = sorted(chip_library())
BASES = (
    ("on-demand", "cloud_on_demand"),
    ("1yr", "cloud_1yr"),
    ("3yr", "cloud_3yr"),
    ("contract", "cloud_contract"),
)
PRICE_ROWS = [(k, y) for k in CHIP_KEYS for y in sorted(chip_library()[k].prices)]


def _priced(
    tmp_path: Path, chip: str, year: int | None, basis: str | None = None, **extra: str
) -> Path:
    """A minimal scenario file pricing 1,000 chips x 1,000 h on ``chip``.

    ``basis=None`` leaves the cloud basis at its default (3yr where that year has it).
    """
    hw = [f'chip = "{chip}"'] + ([f'cloud_basis = "{basis}"'] if basis else [])
    if year is not None:
        hw.append(f"price_year = {year}")
    hw += [f'{k} = "{v}"' for k, v in extra.items()]
    path = tmp_path / "priced.toml"
    path.write_text(
        '[scenario]\ntitle = "priced"\n\n[hardware]\n'
        + "\n".join(hw)
        + "\n\n[parameters]\nchip_count = 1000\ntraining_hours = 1000\nhardware_age = 0.5\n",
        encoding="utf-8",
    )
    return path


def _server_price(sc: Scenario) -> float:
    """Central server-level price per chip: chip_price, else bare x server factor."""
    if "chip_price" in sc.priors:
        return sc.priors["chip_price"].central
    return sc.priors["bare_chip_price"].central * sc.priors["server_cost_factor"].central


# --- the library ----------------------------------------------------------------------


def test_library_holds_the_paper_and_current_chips() -> None:
    missing = (PAPER_CHIPS | CURRENT_CHIPS) - set(chip_library())
    assert not missing


@pytest.mark.parametrize("key", CHIP_KEYS)
def test_chip_facts_are_consistent(key: str) -> None:
    chip = chip_library()[key]
    assert chip.key == key and chip.name and chip.source
    assert chip.released is not None
    assert chip.precision in chip.peak_flops
    assert all(v > 0 and math.isfinite(v) for v in chip.peak_flops.values())
    assert 10 <= chip.tdp <= 2000
    assert 1.0 <= chip.server_cost_factor <= 2.5
    assert 1.0 <= chip.server_power_factor <= 3.0
    # paper A.4: GPU 0.75, TPU 0.43
    assert chip.avg_power_fraction == {"gpu": 0.75, "tpu": 0.43}[chip.kind]
    # lower precision never has lower peak throughput than fp32
    if "fp32" in chip.peak_flops:
        assert all(v >= chip.peak_flops["fp32"] for v in chip.peak_flops.values())


# First server-level price records of Epoch's hardware price data (2025 copy),
# as the pipeline picks them (docs/model.md §8: H100 DGX H100, 2022-09-29).
FIRST_PRICE_DATES = {
    "k40t": "2012-07-01", "k80": "2014-11-17", "titan-x": "2015-03-17",
    "p100-sxm2": "2016-06-21", "v100-dgxs-16gb": "2017-07-01", "v100-dgxs-32gb": "2017-07-01",
    "v100s-pcie-32gb": "2017-07-01", "a100-sxm4-40gb": "2020-05-21",
    "a100-sxm4-80gb": "2020-05-21", "h100-sxm5": "2022-09-29", "h200": "2024-03-27",
    "b200": "2024-12-17", "h800-sxm": "2025-02-21", "h800-pcie": "2025-03-03",
    "a800-pcie": "2023-07-10", "h20": "2023-11-09", "gh200": "2023-09-30",
    "mi250x": "2021-11-08", "mi300x": "2025-02-10", "gaudi2": "2024-06-09",
    "gb200": "2024-08-31",  # an estimate: no record, release + 90 days
}  # fmt: skip


def test_first_price_dates() -> None:
    """GPUs carry the date of their first price record; it is no later than their first
    price row (the price the pipeline keeps for every later run)."""
    dated = {k: c for k, c in chip_library().items() if c.first_price_date is not None}
    assert {k: c.first_price_date.isoformat() for k, c in dated.items()} == FIRST_PRICE_DATES
    for chip in dated.values():
        assert chip.kind == "gpu"
        # purchase-price rows (a year may carry cloud prices only: H800 2024)
        bought = [
            y for y, row in chip.prices.items() if {"chip_price", "bare_chip_price"} & set(row)
        ]
        assert chip.first_price_date.year <= min(bought)


def test_a_chip_date_must_be_a_date() -> None:
    from frontiercost.scenarios.chips import _chip

    raw = {"name": "x", "kind": "gpu", "tdp": 100, "peak_flops": {"bf16": 1e12}}
    with pytest.raises(ScenarioError, match=r"chips.toml \[x\] first_price_date: expected a date"):
        _chip("x", {**raw, "first_price_date": "2022-09-29"})


def test_no_label_names_two_chips() -> None:
    owners: dict[str, set[str]] = {}
    for chip in chip_library().values():
        for label in (chip.key, chip.name, *chip.aliases):
            owners.setdefault(_norm(label), set()).add(chip.key)
    shared = {label: keys for label, keys in owners.items() if len(keys) > 1}
    assert not shared


@pytest.mark.parametrize("key", CHIP_KEYS)
def test_lookup_by_key_name_and_alias(key: str) -> None:
    chip = chip_library()[key]
    for label in (chip.key, chip.name, *chip.aliases):
        assert find_chip(label).key == key
        assert find_chip(label.upper()).key == key


@pytest.mark.parametrize(
    ("label", "key"),
    [
        ("NVIDIA A100", "a100-sxm4-40gb"),  # HyperCLOVA 82B's hardware string
        ("A100", "a100-sxm4-40gb"),
        ("h100", "h100-sxm5"),
        ("H100 SXM", "h100-sxm5"),
        ("V100", "v100-dgxs-32gb"),
        ("TPU v4", "tpu-v4"),
        ("tpu_v5p", "tpu-v5p"),
        ("Trillium", "tpu-v6e"),
        ("GB200 NVL72", "gb200"),
    ],
)
def test_common_names(label: str, key: str) -> None:
    assert find_chip(label).key == key


def test_unknown_chip_suggests_the_nearest() -> None:
    with pytest.raises(ScenarioError, match=r"unknown chip 'H1000' \(did you mean .*h100"):
        find_chip("H1000")


def test_unknown_chip_in_a_scenario_names_file_line_and_key(tmp_path: Path) -> None:
    path = _priced(tmp_path, "B2000", None)
    with pytest.raises(
        ScenarioError,
        match=r"priced\.toml:5 hardware\.chip: unknown chip .B2000. \(did you mean b200",
    ):
        load_scenario(path)


def test_missing_price_year_lists_the_years(tmp_path: Path) -> None:
    path = _priced(tmp_path, "a100", 2019)
    with pytest.raises(
        ScenarioError,
        match=r"hardware\.price_year: no a100-sxm4-40gb prices for 2019; accepted: 2020, 2021,",
    ):
        load_scenario(path)


def test_chip_without_prices_for_a_year_of_another_chip(tmp_path: Path) -> None:
    # TPU v5p is priced for 2024 and 2025: 2022 (a year other chips have) must fail
    with pytest.raises(ScenarioError, match=r"no tpu-v5p prices for 2022; accepted: 2024, 2025$"):
        load_scenario(_priced(tmp_path, "tpu-v5p", 2022))


def test_price_year_must_be_an_integer(tmp_path: Path) -> None:
    path = tmp_path / "quoted.toml"
    path.write_text(
        '[scenario]\ntitle = "q"\n\n[hardware]\nchip = "h200"\nprice_year = "2025"\n\n'
        "[parameters]\nchip_count = 1000\ntraining_hours = 1000\n",
        encoding="utf-8",
    )
    with pytest.raises(
        ScenarioError,
        match=r"quoted\.toml:6 hardware\.price_year: expected a year \(an integer\), got '2025'; "
        r"accepted for h200: 2024, 2025$",
    ):
        load_scenario(path)


def test_unknown_cloud_basis_lists_the_chips_bases(tmp_path: Path) -> None:
    with pytest.raises(
        ScenarioError,
        match=r"priced\.toml:6 hardware\.cloud_basis: '5yr' is not a cloud basis; accepted for "
        r"h200 in 2025: on-demand, 1yr, 3yr, contract \(the bases: on-demand, 1yr, 3yr, "
        r"contract\)$",
    ):
        load_scenario(_priced(tmp_path, "h200", 2025, "5yr"))
    # a price year the chip lacks: the bases of each year it has
    with pytest.raises(
        ScenarioError,
        match=r"'5yr' is not a cloud basis; accepted for h200 by price year: "
        r"2024: contract; 2025: on-demand, 1yr, 3yr, contract ",
    ):
        load_scenario(_priced(tmp_path, "h200", 2031, "5yr"))
    with pytest.raises(
        ScenarioError, match=r"'3YR' is not a cloud basis; accepted for mi300x in 2025: none "
    ):
        load_scenario(_priced(tmp_path, "mi300x", 2025, "3YR"))


def test_missing_cloud_basis_names_the_years_that_have_it(tmp_path: Path) -> None:
    with pytest.raises(
        ScenarioError,
        match=r"hardware\.cloud_basis: no 3yr cloud price for b200 in 2025; accepted in 2025: "
        r"contract; b200 has no 3yr price in any year$",
    ):
        load_scenario(_priced(tmp_path, "b200", 2025, "3yr"))
    with pytest.raises(
        ScenarioError,
        match=r"no on-demand cloud price for h200 in 2024; accepted in 2024: contract; "
        r"on-demand is priced in 2025$",
    ):
        load_scenario(_priced(tmp_path, "h200", 2024, "on-demand"))


def test_cloud_basis_needs_a_price_year(tmp_path: Path) -> None:
    with pytest.raises(
        ScenarioError,
        match=r"priced\.toml:6 hardware\.cloud_basis: needs hardware\.price_year \(or a"
        r" cloud_price in \[parameters\], whose basis it then states\); accepted for "
        r"tpu-v6e by price year: 2025: on-demand, 1yr, 3yr$",
    ):
        load_scenario(_priced(tmp_path, "tpu-v6e", None, "3yr"))


def test_default_basis_is_3yr_where_a_year_has_it(tmp_path: Path) -> None:
    """Without cloud_basis the 3-year list price is used, and a year without one
    simply supplies no cloud price (the scenario may set cloud_price itself)."""
    sc = load_scenario(_priced(tmp_path, "h100", 2025))
    assert sc.priors["cloud_price"].central == 4.86
    assert "cloud_price" not in load_scenario(_priced(tmp_path, "b200", 2025)).priors
    sc = load_scenario(_priced(tmp_path, "h100", 2025, "contract"))
    assert sc.priors["cloud_price"].central == pytest.approx(math.sqrt(1.2 * 1.8))


def test_a_price_year_without_a_price_says_what_is_not_computed(tmp_path: Path) -> None:
    # H800 2024: only on-demand and contract rentals; purchase prices start in 2025
    sc = load_scenario(_priced(tmp_path, "h800", 2024))
    assert {"amortized_cost", "cloud_cost"}.isdisjoint(sc.outputs)
    purchase, cloud = sc.notes
    assert purchase.startswith("h800-sxm has no purchase price for price_year 2024")
    assert "(years with one: 2025)" in purchase and "give chip_price" in purchase
    assert "no 3yr cloud price for price_year 2024" in cloud
    assert "bases priced in 2024: on-demand, contract" in cloud
    # B200 2025 has a purchase price and a contract rate only
    (note,) = load_scenario(_priced(tmp_path, "b200", 2025)).notes
    assert "b200 has no 3yr cloud price for price_year 2025 (3yr in no year" in note
    # given in [parameters] or by a basis the year has: nothing to say
    assert load_scenario(_priced(tmp_path, "b200", 2025, "contract")).notes == ()
    path = _priced(tmp_path, "h800", 2024, "on-demand")
    path.write_text(path.read_text() + "bare_chip_price = 30000\n")
    assert load_scenario(path).notes == ()
    # an output asked for by name: refused, with the reason
    path = _priced(tmp_path, "b200", 2025)
    path.write_text(path.read_text().replace("[hardware]", 'outputs = ["cloud_cost"]\n[hardware]'))
    with pytest.raises(ScenarioError, match=r"cloud_cost.*cannot be computed.*no 3yr cloud"):
        load_scenario(path)


def test_unlisted_precision_lists_the_accepted(tmp_path: Path) -> None:
    path = _priced(tmp_path, "k80", 2014, precision="bf16")
    with pytest.raises(ScenarioError, match=r"'bf16' is not listed for k80; accepted: fp32"):
        load_scenario(path)


def test_precision_selects_peak_flops(tmp_path: Path) -> None:
    sc = load_scenario(_priced(tmp_path, "h100", 2025, precision="fp8"))
    assert sc.priors["peak_flops"].central == 1979e12


# --- facts of current hardware ---------------------------------------------------------

# docs/model.md §4.1 (Epoch hardware data and vendor specifications), dense bf16
CURRENT_FACTS = {
    "h100-sxm5": (989e12, 700),
    "h200": (989e12, 700),
    "b200": (2.25e15, 1000),
    "gb200": (None, 1200),  # §4.1 gives no peak for GB200
    "a100-sxm4-40gb": (312e12, 400),
    "tpu-v5e": (197e12, None),  # Google publishes no TPU power
    "tpu-v5p": (459e12, None),
    "tpu-v6e": (918e12, None),
}


@pytest.mark.parametrize("key", sorted(CURRENT_FACTS))
def test_current_hardware_matches_model_md(key: str) -> None:
    peak, tdp = CURRENT_FACTS[key]
    chip = chip_library()[key]
    assert chip.precision == "bf16"
    if peak is not None:
        assert chip.peak_flops["bf16"] == peak
    if tdp is not None:
        assert chip.tdp == tdp


def test_server_power_per_gpu_matches_model_md() -> None:
    # docs/model.md §4.1: server power per GPU DGX H100 1,275 W, DGX A100 812 W, NVL72 1,833 W
    lib = chip_library()
    assert lib["h100-sxm5"].server_power == pytest.approx(1275)
    assert lib["h100-sxm5"].tdp * lib["h100-sxm5"].server_power_factor == pytest.approx(1275)
    assert lib["a100-sxm4-40gb"].tdp * lib["a100-sxm4-40gb"].server_power_factor == (
        pytest.approx(812, abs=1)
    )
    assert lib["gb200"].tdp * lib["gb200"].server_power_factor == pytest.approx(1833)


# --- the paper's model table -----------------------------------------------------------


def _frontier_rows() -> list[dict[str, str]]:
    with (DATA / "paper_chip_inputs.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_every_paper_hardware_string_resolves_to_the_papers_chip_facts() -> None:
    rows = _frontier_rows()
    assert len(rows) == 41
    for row in rows:
        chip = find_chip(row["training_hardware"])
        where = f"{row['model']} ({row['training_hardware']} -> {chip.key})"
        assert chip.peak_flops[chip.precision] == pytest.approx(
            float(row["peak_flop_per_s"]), rel=1e-12
        ), where
        assert chip.tdp == float(row["chip_tdp_w"]), where
        assert chip.server_cost_factor == float(row["chip_to_server_cost_factor"]), where
        # the CSV rounds the power factor to 6 significant digits (1275/700 = 1.82143)
        assert chip.server_power_factor == pytest.approx(
            float(row["chip_to_server_power_factor"]), rel=5e-6
        ), where
        assert chip.avg_power_fraction == float(row["avg_power_to_tdp"]), where


def test_every_paper_price_is_a_price_row_of_its_chip(tmp_path: Path) -> None:
    """The paper's server-level chip price and 3-year cloud price of each model are
    the central values of some price year of its chip."""
    rows = _frontier_rows()
    central: dict[str, list[tuple[float, float | None]]] = {}
    for row in rows:
        chip = find_chip(row["training_hardware"])
        if chip.key not in central:
            central[chip.key] = []
            for year in chip.prices:
                sc = load_scenario(_priced(tmp_path, chip.key, year))
                cloud = sc.priors["cloud_price"].central if "cloud_price" in sc.priors else None
                central[chip.key].append((_server_price(sc), cloud))
        price = float(row["acquisition_price_per_chip_usd"])
        # the CSV keeps 6 significant digits (44489.88 -> 44489.9)
        assert any(p == pytest.approx(price, rel=5e-6) for p, _ in central[chip.key]), row["model"]
        if row["cloud_usd_per_chip_hour"]:
            cloud = float(row["cloud_usd_per_chip_hour"])
            assert any(c == pytest.approx(cloud, rel=5e-6) for _, c in central[chip.key] if c), (
                row["model"]
            )


# --- price rows ----------------------------------------------------------------------


@pytest.mark.parametrize(("key", "year"), PRICE_ROWS, ids=[f"{k}-{y}" for k, y in PRICE_ROWS])
def test_price_rows_build_priors(tmp_path: Path, key: str, year: int) -> None:
    row = chip_library()[key].prices[year]
    for basis, cloud_key in BASES:
        if cloud_key not in row:  # asked for explicitly, a missing basis is an error
            with pytest.raises(ScenarioError, match=rf"cloud_basis: no {basis} cloud price"):
                load_scenario(_priced(tmp_path, key, year, basis))
            continue
        sc = load_scenario(_priced(tmp_path, key, year, basis))
        if cloud_key in row:
            assert sc.priors["cloud_price"].unit == "USD/h"
            assert 0.05 < sc.priors["cloud_price"].central < 50
        for name in ("chip_price", "bare_chip_price"):
            if name in row:
                assert sc.priors[name].unit == "USD"
                assert 100 < sc.priors[name].central < 200_000
    if "chip_price" in row or "bare_chip_price" in row:
        point = evaluate(load_scenario(_priced(tmp_path, key, year)))
        assert float(point["acquisition_cost"]) > 0
        assert float(point["amortized_cost"]) > 0


def test_on_demand_costs_more_than_commitments(tmp_path: Path) -> None:
    for key, year in PRICE_ROWS:
        row = chip_library()[key].prices[year]
        prices = {}
        for basis, cloud_key in BASES:
            if cloud_key in row:
                sc = load_scenario(_priced(tmp_path, key, year, basis))
                prices[basis] = sc.priors["cloud_price"].central
        ordered = [prices[b] for b in ("on-demand", "1yr", "3yr") if b in prices]
        assert ordered == sorted(ordered, reverse=True), (key, year, prices)


@pytest.mark.parametrize("key", sorted(CURRENT_CHIPS | {"h100-sxm5"}))
def test_current_hardware_prices_are_uncertain(tmp_path: Path, key: str) -> None:
    """Purchase prices of current hardware are priors, not point values."""
    chip = chip_library()[key]
    years = [y for y, row in chip.prices.items() if {"chip_price", "bare_chip_price"} & set(row)]
    if key == "h100-sxm5":
        years = [y for y in years if y > 2022]  # 2022: the paper's point price, fixed
    assert years  # A800 SXM too: an estimate from the A100's SXM premium (issue 14)
    for year in years:
        sc = load_scenario(_priced(tmp_path, key, year))
        name = "chip_price" if "chip_price" in sc.priors else "bare_chip_price"
        assert not isinstance(sc.priors[name], Fixed), year


def test_the_current_chips_the_issue_asks_for_have_their_years() -> None:
    """H200 and B200 priced for 2024 as well as 2025; TPU v5e/v5p/v6e for more than one year;
    fp8 peak wherever the chip computes in fp8."""
    lib = chip_library()
    assert {2024, 2025} <= set(lib["h200"].prices) and {2024, 2025} <= set(lib["b200"].prices)
    for key in ("tpu-v5e", "tpu-v5p", "tpu-v6e"):
        assert len(lib[key].prices) > 1, key
    fp8 = {"h800-sxm", "h800-pcie", "h20", "gh200", "h200", "b200", "gb200", "mi300x",
           "mi325x", "trainium1", "trainium2", "gaudi2", "gaudi3"}  # fmt: skip
    for key in fp8:
        assert "fp8" in lib[key].peak_flops, key


# --- hardware scenarios ------------------------------------------------------------------


def test_every_current_training_chip_has_a_new_run_scenario() -> None:
    chips = {load_scenario(name).meta["chip"] for name in HARDWARE_SCENARIOS}
    assert {"h100-sxm5", "h200", "b200", "gb200", "tpu-v5p", "tpu-v6e"} <= chips


@pytest.mark.parametrize("name", HARDWARE_SCENARIOS)
def test_hardware_scenario_point_estimates(name: str) -> None:
    sc = load_scenario(name)
    assert sc.name in list_scenarios()
    point = evaluate(sc)
    for out in ("amortized_cost", "cloud_cost", "acquisition_cost"):
        value = float(point[out])
        assert math.isfinite(value) and value > 0, out
    # chip-hours from the compute route: compute / (peak x utilization x 3600)
    assert "training_hours" not in sc.priors
    expected = float(point["training_compute"]) / (
        float(point["peak_flops"]) * float(point["utilization"]) * 3600
    )
    assert float(point["chip_hours"]) == pytest.approx(expected, rel=1e-12)
    # a frontier run of 1e26-5e26 FLOP costs more than $10 M and less than $10 B
    for out in ("amortized_cost", "cloud_cost"):
        assert 1e7 < float(point[out]) < 1e10, out


@pytest.mark.parametrize("name", HARDWARE_SCENARIOS)
def test_hardware_scenario_draws_are_positive_and_finite(name: str) -> None:
    tree = frontiercost.simulate(name, draws=500, chains=2, seed=7)
    post = tree["posterior"]
    for out in ("amortized_cost", "cloud_cost", "acquisition_cost"):
        x = np.asarray(post[out].values)
        assert x.shape == (2, 500)
        assert np.isfinite(x).all() and (x > 0).all(), out


@pytest.mark.parametrize("name", ["h100-sxm5\x00", "h100\tsxm5", "h100-sxm5\n"])
def test_a_chip_name_with_a_control_character_is_not_matched(name: str) -> None:
    """Punctuation is ignored when matching names; a control character is a corrupted name."""
    from frontiercost.scenarios.chips import find_chip

    assert find_chip("H100 SXM5").key == "h100-sxm5"
    with pytest.raises(ScenarioError, match=r"unknown chip .*did you mean h100-sxm5"):
        find_chip(name)


def _server_median(chip: Chip, year: int) -> float | None:
    """The median of a year's server-level purchase price per chip, or None."""
    priors = chip_price_priors(chip, year)
    if "chip_price" in priors:
        return float(priors["chip_price"].ppf(0.5))
    if "bare_chip_price" in priors:
        return float(priors["bare_chip_price"].ppf(0.5)) * chip.server_cost_factor
    return None


def _pcie_sxm_pairs() -> list[tuple[str, str]]:
    """Each PCIe chip and its SXM sibling of the same family (key prefix)."""
    lib = chip_library()
    pairs = []
    for key in sorted(lib):
        if "-pcie" not in key:
            continue
        family = key.split("-pcie")[0]
        pairs += [(key, k) for k in sorted(lib) if k.startswith(f"{family}-sxm")]
    return pairs


def test_every_pcie_chip_has_its_sxm_sibling() -> None:
    assert set(_pcie_sxm_pairs()) >= {
        ("h100-pcie", "h100-sxm5"), ("a800-pcie", "a800-sxm"), ("h800-pcie", "h800-sxm"),
    }  # fmt: skip


@pytest.mark.parametrize(("pcie", "sxm"), _pcie_sxm_pairs())
def test_a_pcie_card_is_cheaper_than_its_sxm_sibling_at_server_level(pcie: str, sxm: str) -> None:
    """Issue 14: H800 PCIe was $52k (card x 1.64) against H800 SXM's DGX $44.75k. In
    every year both are priced, the PCIe server-level prior's median is below the SXM's."""
    lib = chip_library()
    compared = 0
    for year in sorted(set(lib[pcie].prices) & set(lib[sxm].prices)):
        low, high = _server_median(lib[pcie], year), _server_median(lib[sxm], year)
        if low is None or high is None:
            continue
        assert low < high, (pcie, sxm, year, low, high)
        compared += 1
    # H100 PCIe has cloud prices only; the A800 and H800 pairs have purchase prices to compare
    assert compared or pcie == "h100-pcie"


def test_h800_pcie_server_price_is_an_estimate_on_the_sxm_basis() -> None:
    chip = chip_library()["h800-pcie"]
    prior = chip_price_priors(chip, 2025)["chip_price"]
    assert prior.source.startswith("estimate:")
    assert prior.central == pytest.approx(31728.59 * 44750 / 33800)
    assert float(prior.ppf(0.95)) / float(prior.ppf(0.05)) == pytest.approx(16, rel=1e-6)


def test_a800_sxm_has_estimated_purchase_prices() -> None:
    chip = chip_library()["a800-sxm"]
    assert sorted(chip.prices) == [2023, 2025]
    for year in chip.prices:
        prior = chip_price_priors(chip, year)["bare_chip_price"]
        assert prior.source.startswith("estimate:"), year
        assert float(prior.ppf(0.95)) / float(prior.ppf(0.05)) == pytest.approx(16, rel=1e-6)
    first = chip.first_price()
    assert first is not None and first[0] == 2023


def test_gb200_first_price_date_is_the_rule_for_a_chip_without_records() -> None:
    """Issue 14: GB200 had no first_price_date. It has no purchase record: its date is the
    estimate release + 90 days, marked as such, and the availability rule is unchanged."""
    chip = chip_library()["gb200"]
    assert chip.released is not None
    assert chip.first_price_date == chip.released + dt.timedelta(days=90)
    assert chip.first_price_estimated and chip.recorded_first_price_date is None
    assert chip.first_price_source.startswith("estimate:")
    assert not chip_library()["b200"].first_price_estimated


def test_a_first_price_source_needs_a_date() -> None:
    from frontiercost.scenarios.chips import _chip

    raw = {"name": "x", "kind": "gpu", "tdp": 100, "peak_flops": {"bf16": 1e12}}
    with pytest.raises(ScenarioError, match=r"chips.toml \[x\] first_price_source: expected"):
        _chip("x", {**raw, "first_price_source": "estimate: no record"})
