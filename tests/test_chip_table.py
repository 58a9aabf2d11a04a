"""The chip × price year × cloud basis table of ``docs/scenarios.md`` matches the library.

Source of truth: the chip library itself; the page's table is generated from it
by ``scripts/make_chip_table.py`` and must be regenerated when the library
changes.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

from frontiercost.scenarios import chip_library
from frontiercost.scenarios.chips import CLOUD_BASES

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "scenarios.md"


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location(
        "make_chip_table", ROOT / "scripts" / "make_chip_table.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rows() -> list[list[str]]:
    text = PAGE.read_text(encoding="utf-8")
    block = text.split("<!-- chip-table:start -->", 1)[1].split("<!-- chip-table:end -->", 1)[0]
    lines = [line for line in block.strip().splitlines() if line.startswith("| `")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


def test_the_page_has_the_generated_table() -> None:
    page = PAGE.read_text(encoding="utf-8")
    assert _generator().page_with_table(page) == page, (
        "docs/scenarios.md: the chip table is stale; run scripts/make_chip_table.py"
    )


def test_the_table_has_a_row_per_chip_and_price_year_and_a_cell_per_basis() -> None:
    rows = _rows()
    want = [
        (key, str(year))
        for key, chip in sorted(chip_library().items())
        for year in (sorted(chip.prices) or ["–"])
    ]
    assert [(re.sub(r"`", "", r[0]), r[1]) for r in rows] == want
    bases = list(CLOUD_BASES)
    for row in rows:
        key, year = row[0].strip("`"), row[1]
        if year == "–":
            continue
        have = set(chip_library()[key].cloud_bases(int(year)))
        for basis, cell in zip(bases, row[4:], strict=True):
            assert (cell != "–") == (basis in have), (key, year, basis)
