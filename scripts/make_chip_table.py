"""Write the chip × price year × cloud basis table of ``docs/scenarios.md``.

The table is generated from the chip library (``frontiercost/scenarios/chips.toml``)
so it cannot go stale: ``tests/test_chip_table.py`` fails when the page and the
library differ. It replaces the text between ``<!-- chip-table:start -->`` and
``<!-- chip-table:end -->``.

Usage::

    python scripts/make_chip_table.py [--check]

``--check`` writes nothing and exits 1 if the page would change.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from frontiercost.cli._info import PRICE_HEADER, chip_price_rows
from frontiercost.scenarios import chip_library

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "scenarios.md"
START, END = "<!-- chip-table:start -->", "<!-- chip-table:end -->"
HEADER = ("chip", *PRICE_HEADER)


def chip_table() -> str:
    """The markdown table: one row per chip and price year (a chip without prices: one row).

    The cells are those of ``frontiercost chips NAME`` (:func:`chip_price_rows`).
    """
    lines = [
        "| " + " | ".join(HEADER) + " |",
        "|" + "|".join(["---"] * 2 + ["--:"] * (len(HEADER) - 2)) + "|",
    ]
    for key, chip in sorted(chip_library().items()):
        if not chip.prices:
            lines.append(f"| `{key}` | – |" + " – |" * (len(HEADER) - 2))
            continue
        for row in chip_price_rows(chip):
            lines.append(f"| `{key}` | " + " | ".join(row) + " |")
    return "\n".join(lines)


def page_with_table(page: str) -> str:
    """``page`` with the text between the markers replaced by :func:`chip_table`."""
    head, rest = page.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{chip_table()}\n{END}{tail}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the page would change")
    args = parser.parse_args(argv)
    old = PAGE.read_text(encoding="utf-8")
    new = page_with_table(old)
    if new == old:
        return 0
    if args.check:
        print(f"{PAGE.relative_to(ROOT)}: the chip table is out of date")
        return 1
    PAGE.write_text(new, encoding="utf-8")
    print(f"wrote the chip table of {PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
