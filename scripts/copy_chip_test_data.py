"""Copy the Epoch AI data the chip-library tests read into ``tests/data/``.

The package and its tests never read the shared reference folder at run time;
this script copies what the tests of ``frontiercost/scenarios/chips.toml``
check against (``tests/test_chips.py``, ``tests/test_chip_records.py``):

- ``epoch_hardware_prices.csv``: Epoch's hardware price records up to 2025,
  whole (``epoch-2026/hardware_prices.csv``);
- ``epoch_chip_dataset.csv``: the rows of Epoch's chip dataset
  (``epoch-2026/chip_dataset.csv``) that ``chips.toml`` cites as
  ``[chip_dataset.csv: <name>...]``;
- ``paper_chip_inputs.csv``: the chip columns of the paper's 41 frontier models
  (``frontier_models.csv``, Cottier et al. 2024 v2 pipeline inputs).

Usage::

    python scripts/copy_chip_test_data.py [DATA_DIR] [--check]

``DATA_DIR`` defaults to ``../shared/data`` beside the repository; ``--check``
writes nothing and exits 1 if a copy would change.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data"
CHIPS_TOML = ROOT / "frontiercost" / "scenarios" / "chips.toml"
CITED = re.compile(r"\[chip_dataset\.csv: ([^<,\]][^,\]]*)")  # not the header's <name>
PAPER_COLUMNS = (
    "model",
    "training_hardware",
    "peak_flop_per_s",
    "acquisition_price_per_chip_usd",
    "chip_to_server_cost_factor",
    "chip_to_server_power_factor",
    "avg_power_to_tdp",
    "chip_tdp_w",
    "cloud_usd_per_chip_hour",
)


def _csv_text(header: Sequence[str], rows: Sequence[dict[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(header), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def copies(data: Path) -> dict[str, str]:
    """File name in ``tests/data`` -> its text."""
    out = {
        "epoch_hardware_prices.csv": (data / "epoch-2026" / "hardware_prices.csv").read_text(
            encoding="utf-8-sig"
        )
    }
    cited = set(CITED.findall(CHIPS_TOML.read_text(encoding="utf-8")))
    with (data / "epoch-2026" / "chip_dataset.csv").open(encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        rows = [r for r in reader if r["Hardware name"] in cited]
        header = list(reader.fieldnames or ())
    missing = cited - {r["Hardware name"] for r in rows}
    if missing:
        raise SystemExit(f"chips.toml cites chips the chip dataset lacks: {sorted(missing)}")
    out["epoch_chip_dataset.csv"] = _csv_text(header, rows)
    with (data / "frontier_models.csv").open(encoding="utf-8") as fh:
        paper = [{k: r[k] for k in PAPER_COLUMNS} for r in csv.DictReader(fh)]
    out["paper_chip_inputs.csv"] = _csv_text(PAPER_COLUMNS, paper)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("data", nargs="?", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--check", action="store_true", help="exit 1 if a copy would change")
    args = parser.parse_args(argv)
    changed = []
    for name, text in copies(args.data).items():
        path = OUT / name
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        changed.append(name)
        if not args.check:
            path.write_text(text, encoding="utf-8")
    for name in changed:
        print(f"{'would change' if args.check else 'wrote'} tests/data/{name}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
