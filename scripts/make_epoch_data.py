"""Write the extracts of Epoch's data that the package and its tests carry.

Reads Epoch AI's data as of 2026-01-26 (CC BY 4.0 Epoch AI;
``../shared/data/epoch-2026/``) and writes:

- ``frontiercost/scenarios/pipelines/data/epoch_2025_cloud_prices.csv``: the
  cloud price records (on-demand, 1-year and 3-year committed-use prices per
  chip-hour) of the hardware the chip library holds, with the chip key and
  the fallback family the ``epoch-2025`` preset's cloud rule reads;
- ``tests/data/epoch_notable_models.csv``: the notable-models records the
  tests price: every record published before 2024-03 with one of Epoch's cost
  figures, and a few later records without them (their cost cells are
  withheld in the source);
- ``tests/data/epoch_chip_release_dates.csv``: the release dates Epoch's chip
  dataset gives the hardware names of ``frontiercost/epoch/hardware.toml``.

Usage::

    python scripts/make_epoch_data.py [EPOCH_DIR] [--check]

``EPOCH_DIR`` defaults to ``../shared/data/epoch-2026``; ``--check`` writes
nothing and exits 1 if a file would change.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLOUD = ROOT / "frontiercost" / "scenarios" / "pipelines" / "data" / "epoch_2025_cloud_prices.csv"
MODELS = ROOT / "tests" / "data" / "epoch_notable_models.csv"
RELEASES = ROOT / "tests" / "data" / "epoch_chip_release_dates.csv"
HARDWARE = ROOT / "frontiercost" / "epoch" / "hardware.toml"

# The pipeline's soft matching of hardware names (training-cost-trends
# SIMPLIFIED_HARDWARE_NAMES): when a vendor has no record of a run's exact
# hardware, its generic name, then these names in this order.
FAMILIES = {
    "a100": (
        "NVIDIA A100",
        "NVIDIA A100 PCIe",
        "NVIDIA A100 SXM4 40 GB",
        "NVIDIA A100 SXM4 80 GB",
    ),
    "v100": (
        "NVIDIA V100",
        "NVIDIA Tesla V100 DGXS 16 GB",
        "NVIDIA Tesla V100 DGXS 32 GB",
        "NVIDIA Tesla V100S PCIe 32 GB",
    ),
    "h100": ("NVIDIA H100", "NVIDIA H100 PCIe", "NVIDIA H100 SXM5"),
}
CLOUD_COLUMNS = (
    "date",
    "hardware",
    "chip",
    "family",
    "family_rank",
    "vendor",
    "on_demand",
    "cud_1yr",
    "cud_3yr",
    "source",
)
MODEL_COLUMNS = (
    "Model",
    "Organization",
    "Publication date",
    "Training compute (FLOP)",
    "Training time (hours)",
    "Training hardware",
    "Hardware quantity",
    "Hardware utilization (MFU)",
    "Training compute cost (2023 USD)",
    "Training compute cost (cloud)",
    "Training compute cost (upfront)",
    "Base model",
)
COSTS = MODEL_COLUMNS[8:11]
# Later records the tests build scenarios of (inputs only: the source withholds their costs).
LATER = (
    "Llama 3.1-405B",
    "Nemotron-4 340B",
    "DeepSeek-V3",
    "Grok-2",
    "K-EXAONE",
    "HyperCLOVA X SEED 32B Think",
)
CUTOFF = "2024-03-01"


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def _csv(columns: Sequence[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(columns)
    w.writerows(rows)
    return out.getvalue()


def _names() -> dict[str, dict[str, object]]:
    with HARDWARE.open("rb") as fh:
        return tomllib.load(fh)


def cloud_prices(src: Path) -> str:
    """The cloud price records of the library's hardware, in the source's order."""
    names = _names()
    rank = {n: (fam, i) for fam, members in FAMILIES.items() for i, n in enumerate(members)}
    rows = []
    for r in _read(src / "hardware_prices.csv"):
        name = r["Hardware model"].strip()
        prices = [r[f"Price per chip-hour ({k})"].strip() for k in ("on-demand", "1-year CUD",
                                                                    "3-year CUD")]  # fmt: skip
        if not r["Price date"].strip() or not r["Vendor"].strip() or not any(prices):
            continue
        chip = str(names[name]["chip"]) if name in names else ""
        fam, i = rank.get(name, ("", ""))
        if not chip and not fam:
            continue
        rows.append(
            [r["Price date"].strip(), name, chip, fam, str(i), r["Vendor"].strip(), *prices,
             r["Price source"].strip()]
        )  # fmt: skip
    return _csv(CLOUD_COLUMNS, rows)


def models(src: Path) -> str:
    """Records with a figure published before 2024-03, and the later records in LATER."""
    rows = []
    for r in _read(src / "notable_ai_models.csv"):
        early = r["Publication date"] < CUTOFF and any(r[c].strip() for c in COSTS)
        if early or r["Model"] in LATER:
            if not early and any(r[c].strip() for c in COSTS):
                raise ValueError(f"{r['Model']}: a later record with a cost figure")
            rows.append([r[c] for c in MODEL_COLUMNS])
    return _csv(MODEL_COLUMNS, rows)


def releases(src: Path) -> str:
    """Epoch's release date of every mapped hardware name the chip dataset has."""
    chips = {r["Hardware name"]: r for r in _read(src / "chip_dataset.csv")}
    rows = [[n, chips[n]["Release date"]] for n in _names() if n in chips]
    return _csv(("hardware", "released"), rows)


def main(argv: Sequence[str] | None = None) -> int:
    """Write (or ``--check``) the extracts."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("epoch_dir", nargs="?", default="../shared/data/epoch-2026")
    p.add_argument("--check", action="store_true")
    args = p.parse_args(argv)
    src = Path(args.epoch_dir)
    stale = []
    for path, text in ((CLOUD, cloud_prices(src)), (MODELS, models(src)),
                       (RELEASES, releases(src))):  # fmt: skip
        old = path.read_text("utf-8") if path.exists() else None
        if old != text:
            stale.append(path)
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    for path in stale:
        print(f"{'would change' if args.check else 'wrote'} {path.relative_to(ROOT)}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
