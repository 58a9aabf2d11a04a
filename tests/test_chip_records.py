"""Every figure of the chip library that cites Epoch's data, checked against it.

Source of truth: copies of Epoch AI's hardware price records and chip dataset
(early 2026, CC BY 4.0) in ``tests/data/`` (see its README). ``chips.toml``
cites a price record as ``[hardware_prices.csv: <model>, <date>, <vendor>,
<column>]``, a chip dataset row as ``[chip_dataset.csv: <name>]`` and a
release price as ``[chip_dataset.csv: <name>, release price]``.

Layers:

* citations: every cited record exists and has a figure in the cited column,
  and every Epoch name a chip cites finds that chip;
* facts: peak FLOP/s by precision, TDP and release date equal the cited
  chip-dataset row; a figure the row lacks is named in the chip's source;
* prices: a price citing a record has the record's value as its central
  value; an estimate (source "estimate: ...") follows the rule its source
  states, recomputed here from the records, and is wider than a price with a
  record; every price of the current-hardware chips cites a record, is an
  estimate, is a documented library prior, or says it is not Epoch's;
* cloud bases: a 1yr or 3yr price stands to the on-demand price of its year
  as Epoch's recorded committed-use prices stand to on-demand ones, and a
  contract price lies below the 3yr list price.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from functools import cache
from pathlib import Path

import pytest

from frontiercost.errors import ScenarioError
from frontiercost.scenarios import Chip, chip_library, chip_price_priors, find_chip

DATA = Path(__file__).parent / "data"
RECORD = re.compile(r"\[hardware_prices\.csv: ([^\]]+)\]")
ROW = re.compile(r"\[chip_dataset\.csv: ([^,\]]+)\]")
RELEASE_PRICE = re.compile(r"\[chip_dataset\.csv: ([^,\]]+), release price\]")
COLUMNS = {
    "purchase": "Price (hardware purchase)",
    "on-demand": "Price per chip-hour (on-demand)",
    "1-year": "Price per chip-hour (1-year CUD)",
    "3-year": "Price per chip-hour (3-year CUD)",
}
TENSOR16 = "Tensor-FP16/BF16 performance (FLOP/s)"
HALF = "FP16 (half precision) performance (FLOP/s)"
PEAK_COLUMNS = {
    "fp32": ("FP32 (single precision) performance (FLOP/s)",),
    "tf32": ("TF32 (TensorFloat-32) performance (FLOP/s)",),
    # tensor-core 16-bit where the dataset has it, else its half-precision column
    "bf16": (TENSOR16, HALF),
    "fp16": (TENSOR16, HALF),
    "int8": ("INT8 performance (OP/s)",),
    "fp8": ("FP8 performance (FLOP/s)",),
}
# The chips of the issue that added current hardware: each price of theirs must
# cite a record, be an estimate, be a library prior, or say it is not Epoch's.
CURRENT = (
    "h800-sxm", "h800-pcie", "a800-pcie", "a800-sxm", "h20", "gh200", "h200", "b200",
    "gb200", "mi250x", "mi300x", "mi325x", "trainium1", "trainium2", "gaudi2", "gaudi3",
    "ascend-910b", "ascend-910c", "tpu-v5e", "tpu-v5p", "tpu-v6e", "h100-sxm5",
)  # fmt: skip
PRICE_ROWS = [(k, y) for k, chip in sorted(chip_library().items()) for y in sorted(chip.prices)]


@cache
def _price_records() -> tuple[dict[str, str], ...]:
    with (DATA / "epoch_hardware_prices.csv").open(encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh))


@cache
def _chip_rows() -> dict[str, dict[str, str]]:
    with (DATA / "epoch_chip_dataset.csv").open(encoding="utf-8", newline="") as fh:
        return {r["Hardware name"]: r for r in csv.DictReader(fh)}


def _record(citation: str) -> list[float]:
    """The values of ``model, date[, vendor], column`` (several rows may match)."""
    parts = [p.strip() for p in citation.split(", ")]
    assert len(parts) in (3, 4), f"citation {citation!r}: model, date[, vendor], column"
    model, date, column = parts[0], parts[1], parts[-1]
    vendor = parts[2] if len(parts) == 4 else ""
    assert column in COLUMNS, f"citation {citation!r}: column one of {list(COLUMNS)}"
    values = [
        float(r[COLUMNS[column]])
        for r in _price_records()
        if r["Hardware model"] == model
        and r["Price date"] == date
        and r["Vendor"] == vendor
        and r[COLUMNS[column]]
    ]
    assert values, f"no record {citation!r} in hardware_prices.csv"
    return values


def _release_price(name: str) -> float:
    return float(_chip_rows()[name]["Release price (USD)"].lstrip("$"))


def _dataset(name: str, column: str) -> float:
    return float(_chip_rows()[name][column])


def _specs() -> list[tuple[Chip, int, str, object, str]]:
    """Every price spec: chip, year, key, raw spec, its source ('' for a library name)."""
    out = []
    for key, year in PRICE_ROWS:
        chip = chip_library()[key]
        for name, raw in chip.prices[year].items():
            source = str(raw.get("source", "")) if isinstance(raw, dict) else ""
            out.append((chip, year, name, raw, source))
    return out


def _central(chip: Chip, year: int, key: str) -> float:
    return chip_price_priors(chip, year)[key].central


def _interval(chip: Chip, year: int, key: str) -> tuple[float, float]:
    prior = chip_price_priors(chip, year)[key]
    return float(prior.ppf(0.05)), float(prior.ppf(0.95))


# --- citations ----------------------------------------------------------------------


def test_the_copies_are_whole() -> None:
    # Epoch's file holds 591 records (606 lines: some notes span lines)
    assert len(_price_records()) == 591
    cited = {name for chip in chip_library().values() for name in ROW.findall(chip.source)} | {
        name for *_, source in _specs() for name in RELEASE_PRICE.findall(source)
    }
    assert set(_chip_rows()) == cited


def test_every_cited_record_exists() -> None:
    for chip, year, key, _, source in _specs():
        for citation in RECORD.findall(source):
            assert _record(citation), (chip.key, year, key)
        for name in RELEASE_PRICE.findall(source):
            assert _release_price(name) > 0, (chip.key, year, key)


def test_epoch_names_find_their_chip() -> None:
    """The epoch pipeline maps Epoch's hardware names to chips with find_chip."""
    for chip in chip_library().values():
        for name in ROW.findall(chip.source):
            assert find_chip(name).key == chip.key, name
    for chip, _, _, _, source in _specs():
        if source.startswith("estimate:"):
            continue  # cites another chip's record
        for citation in RECORD.findall(source):
            assert find_chip(citation.split(", ")[0]).key == chip.key, citation


# --- facts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key", sorted(k for k, c in chip_library().items() if ROW.search(c.source))
)
def test_chip_facts_match_the_chip_dataset(key: str) -> None:
    chip = chip_library()[key]
    name = ROW.findall(chip.source)[0]
    row = _chip_rows()[name]
    for precision, peak in chip.peak_flops.items():
        column = next((c for c in PEAK_COLUMNS[precision] if row[c]), None)
        if column is None:  # from a vendor data sheet: the source must say so
            assert precision in chip.source.lower(), (precision, "not named in the source")
            continue
        # data sheets round half the sparse figure: 989 (NVIDIA) vs 989.5 (Epoch)
        assert peak == pytest.approx(float(row[column]), rel=1e-3), precision
    if row["TDP (W)"]:
        assert chip.tdp == float(row["TDP (W)"])
    else:
        assert "TDP estimated" in chip.source
    if row["Release date"] and "not the dataset's release date" in chip.source:
        # a corrected date: the source names the dataset's and says why
        assert row["Release date"] in chip.source and chip.released.isoformat() in chip.source
    elif row["Release date"]:
        assert chip.released == dt.date.fromisoformat(row["Release date"])
    else:
        assert "no release date" in chip.source


@pytest.mark.parametrize("key", [k for k in CURRENT if chip_library()[k].kind == "gpu"])
def test_first_price_date_is_the_first_purchase_record(key: str) -> None:
    """Availability is the later of the first price record and release + 90 days
    (docs/model.md §8): a chip with a purchase record carries its date, or the rule
    reads release + 90 days alone (H800 PCIe was once 1.7 years older than H800 SXM
    in the same run)."""
    dates = []
    for r in _price_records():
        if not r[COLUMNS["purchase"]]:
            continue
        try:
            chip = find_chip(r["Hardware model"])
        except ScenarioError:
            continue  # hardware the library does not have
        if chip.key == key:
            dates.append(dt.date.fromisoformat(r["Price date"]))
    chip = chip_library()[key]
    if chip.first_price_estimated:
        # no record: the estimate is the rule's own date, release + 90 days (GB200)
        assert not dates and chip.released is not None
        assert chip.first_price_date == chip.released + dt.timedelta(days=90)
        return
    assert chip.first_price_date == (min(dates) if dates else None)
    if chip.first_price_date is not None and chip.released is not None:
        # a price record cannot precede the release it is the price of
        assert chip.released <= chip.first_price_date, "release date after a price record"


# --- prices ---------------------------------------------------------------------------


def test_prices_with_a_record_have_its_value() -> None:
    checked = 0
    for chip, year, key, _, source in _specs():
        if source.startswith("estimate:"):
            continue
        values = [v for c in RECORD.findall(source) for v in _record(c)]
        values += [_release_price(n) for n in RELEASE_PRICE.findall(source)]
        if not values:
            continue
        central = _central(chip, year, key)
        assert any(central == pytest.approx(v, rel=1e-12) for v in values), (
            chip.key,
            year,
            key,
            central,
            values,
        )
        checked += 1
    assert checked >= 40  # not vacuous: 45 cited prices when this test was written


def _aws_ratios(column: str) -> tuple[float, float]:
    """Least and greatest committed/on-demand ratio of AWS's records."""
    ratios = [
        float(r[COLUMNS[column]]) / float(r[COLUMNS["on-demand"]])
        for r in _price_records()
        if r["Vendor"] == "Amazon Web Services" and r[COLUMNS["on-demand"]] and r[COLUMNS[column]]
    ]
    return min(ratios), max(ratios)


def _estimates() -> dict[tuple[str, int, str], tuple[float, float] | float]:
    """Each estimate's expected central value, or (p5, p95), from its stated rule."""
    v4 = _record("Google TPU v4, 2021-05-20, purchase")[0]
    v6e = _record("Google TPU v6e Trillium, 2024-05-15, purchase")[0]
    trn1 = v4 * _dataset("Amazon Trainium1", TENSOR16) / 275e12  # TPU v4 bf16: chip_specs.csv
    trn2 = v6e * _dataset("Amazon Trainium2", TENSOR16)
    trn2 /= _dataset("Google TPU v6e Trillium", TENSOR16)
    h200 = _record("NVIDIA H200 SXM, 2025-03-17, Amazon Web Services, on-demand")[0]
    # a baseboard to server level by the same shop's H100 baseboard against the DGX H100
    board = _record("NVIDIA H200 SXM, 2024-03-27, purchase")[0]
    dgx = _record("NVIDIA H100 SXM5 80GB, 2024-03-20, purchase")[0]
    h100_board = _record("NVIDIA H100 SXM5 80GB, 2024-03-27, purchase")[0]
    # A800 SXM: the A800 PCIe card x the A100 SXM4 80 GB / A100 PCIe list prices
    a100_sxm = _record("NVIDIA A100 SXM4 80 GB, 2020-07-01, purchase")[0]
    a100_sxm /= _record("NVIDIA A100 PCIe, 2020-07-01, purchase")[0]
    # H800 PCIe at server level: the card x the H800 SXM5's DGX / single-unit ratio
    h800_sxm = _record("NVIDIA H800 SXM5, 2025-02-21, purchase")
    return {
        ("a800-sxm", 2023, "bare_chip_price"): (
            _record("NVIDIA A800 PCIe, 2023-07-10, purchase")[0] * a100_sxm
        ),
        ("a800-sxm", 2025, "bare_chip_price"): (
            _record("NVIDIA A800 PCIe, 2025-02-21, purchase")[0] * a100_sxm
        ),
        ("h800-pcie", 2025, "chip_price"): (
            _record("NVIDIA H800 PCIe, 2025-03-03, purchase")[0] * max(h800_sxm) / min(h800_sxm)
        ),
        ("h200", 2024, "chip_price"): board * dgx / h100_board,
        # docs/model.md §4.1: GB200 NVL72 rack ~$3.1 M over its 72 GPUs
        ("gb200", 2025, "chip_price"): 3.1e6 / 72,
        ("mi325x", 2025, "chip_price"): _record("AMD Instinct MI300X, 2025-02-10, purchase")[0],
        ("trainium1", 2022, "bare_chip_price"): trn1,
        ("trainium1", 2025, "bare_chip_price"): trn1,
        ("trainium2", 2024, "bare_chip_price"): trn2,
        ("trainium2", 2025, "bare_chip_price"): trn2,
        ("ascend-910c", 2025, "bare_chip_price"): 2 * _release_price("Huawei Ascend 910B"),
        ("h200", 2025, "cloud_1yr"): tuple(h200 * r for r in _aws_ratios("1-year")),  # type: ignore[dict-item]
        ("h200", 2025, "cloud_3yr"): tuple(h200 * r for r in _aws_ratios("3-year")),  # type: ignore[dict-item]
    }


def test_every_estimate_follows_its_rule() -> None:
    expected = _estimates()
    found = {(c.key, y, k) for c, y, k, _, s in _specs() if s.startswith("estimate:")}
    assert found == set(expected)
    for (key, year, name), want in expected.items():
        chip = chip_library()[key]
        if isinstance(want, tuple):
            # a committed-use price: the vendor's recorded ratio range as a 90 % interval
            assert _interval(chip, year, name) == pytest.approx(want, rel=1e-5), (key, name)
        else:
            assert _central(chip, year, name) == pytest.approx(want, rel=1e-5), (key, name)


def test_estimates_are_wider_than_prices_with_a_record() -> None:
    """A purchase estimate is wider than the paper's GPU 0.5-2x (p95/p5 = 4); a cloud
    estimate is a distribution where a published list price is fixed."""
    for chip, year, key, _, source in _specs():
        if not source.startswith("estimate:"):
            continue
        lo, hi = _interval(chip, year, key)
        if key in ("chip_price", "bare_chip_price"):
            assert hi / lo > 4 * (1 + 1e-9), (chip.key, year, key)
        else:
            assert hi > lo, (chip.key, year, key)


@pytest.mark.parametrize("key", CURRENT)
def test_current_hardware_prices_are_cited_or_flagged(key: str) -> None:
    chip = chip_library()[key]
    for year, row in chip.prices.items():
        for name, raw in row.items():
            if isinstance(raw, str):
                continue  # a prior-library entry: its source is in the library
            if key == "h100-sxm5" and year == 2022:
                continue  # the paper's own prices (tests/test_chips.py checks them)
            assert isinstance(raw, dict)
            source = str(raw.get("source", ""))
            assert (
                RECORD.search(source)
                or RELEASE_PRICE.search(source)
                or source.startswith("estimate:")
                or "not in Epoch's records" in source
                # a contract prior: Epoch's assumptions or developers' stated rates
                or (name == "cloud_contract" and "docs/model.md §" in source)
            ), (key, year, name, source)


# --- cloud bases ---------------------------------------------------------------------------


def _ratio_range(column: str) -> tuple[float, float]:
    """Committed/on-demand ratios of every vendor's records in Epoch's data."""
    ratios = [
        float(r[COLUMNS[column]]) / float(r[COLUMNS["on-demand"]])
        for r in _price_records()
        if r[COLUMNS["on-demand"]] and r[COLUMNS[column]]
    ]
    return min(ratios), max(ratios)


@pytest.mark.parametrize(("key", "year"), PRICE_ROWS, ids=[f"{k}-{y}" for k, y in PRICE_ROWS])
def test_committed_prices_are_list_prices(key: str, year: int) -> None:
    """``1yr``/``3yr`` mean a vendor's list price less its committed-use discount, for
    every chip: against on-demand they stand where Epoch's recorded ones do (a
    negotiated price filed as 3yr, as H100's once was, sits far below)."""
    chip = chip_library()[key]
    bases = chip.cloud_bases(year)
    if "on-demand" not in bases:
        return
    on_demand = _central(chip, year, "cloud_on_demand")
    for basis, column in (("1yr", "1-year"), ("3yr", "3-year")):
        if basis in bases:
            lo, hi = _ratio_range(column)
            ratio = _central(chip, year, f"cloud_{basis}") / on_demand
            assert lo <= ratio <= hi, (basis, ratio, (lo, hi))


def test_contract_prices_are_below_the_3yr_list_price() -> None:
    both = [
        (k, y)
        for k, y in PRICE_ROWS
        if {"3yr", "contract"} <= set(chip_library()[k].cloud_bases(y))
    ]
    assert both
    for key, year in both:
        chip = chip_library()[key]
        assert _central(chip, year, "cloud_contract") < _central(chip, year, "cloud_3yr")


def test_h100_3yr_is_epochs_database_rate() -> None:
    """docs/model.md §8: Epoch's database prices every H100 run at $4.86 per chip-hour,
    GCP's 3-year committed-use price; our 3yr basis is the same figure."""
    chip = chip_library()["h100-sxm5"]
    gcp = _record("NVIDIA H100 SXM5 80GB, 2025-03-17, Google Cloud, 3-year")
    assert gcp == [4.86]
    for year in (2023, 2024, 2025):
        assert _central(chip, year, "cloud_3yr") == 4.86
    assert math.isclose(_central(chip, 2022, "cloud_3yr"), 1.5356)  # the paper's own
