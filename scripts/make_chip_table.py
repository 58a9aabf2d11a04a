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

from frontiercost.analysis.format import format_value
from frontiercost.priors import Prior
from frontiercost.scenarios import chip_library, chip_price_priors
from frontiercost.scenarios.chips import CLOUD_BASES

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "scenarios.md"
START, END = "<!-- chip-table:start -->", "<!-- chip-table:end -->"
COLUMNS = ("chip_price", "bare_chip_price", *CLOUD_BASES.values())
HEADER = ("chip", "year", "server price", "chip price", *CLOUD_BASES)


def _cell(prior: Prior, source: str) -> str:
    """Central value, its 90 % interval when uncertain, ``est.`` for an estimate."""
    unit = prior.unit
    text = format_value(prior.central, unit, show_unit=False)
    if prior.family != "fixed":
        lo, hi = (format_value(float(prior.ppf(q)), unit, show_unit=False) for q in (0.05, 0.95))
        text += f" ({lo}–{hi})"
    return f"est. {text}" if source.startswith("estimate:") else text


def chip_table() -> str:
    """The markdown table: one row per chip and price year (a chip without prices: one row)."""
    lines = [
        "| " + " | ".join(HEADER) + " |",
        "|" + "|".join(["---"] * 2 + ["--:"] * (len(HEADER) - 2)) + "|",
    ]
    for key, chip in sorted(chip_library().items()):
        if not chip.prices:
            lines.append(f"| `{key}` | – |" + " – |" * (len(HEADER) - 2))
            continue
        for year in sorted(chip.prices):
            priors = chip_price_priors(chip, year)
            cells = []
            for name in COLUMNS:
                raw = chip.prices[year].get(name)
                source = str(raw.get("source", "")) if isinstance(raw, dict) else ""
                cells.append(_cell(priors[name], source) if name in priors else "–")
            lines.append(f"| `{key}` | {year} | " + " | ".join(cells) + " |")
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
