"""Dollar bases: converting between the dollars of different months with a price index.

Costs are computed in the nominal dollars of the inputs' prices and then
multiplied by ``inflation_factor`` (docs/model.md §3.2).  A scenario that states
its dollars (``[scenario] dollars = "2025-06"``) gets that factor from the
package's price index: ``index(dollars month) / index(month of the prices)``.
The index is the producer price index PCU518210518210 ("data processing,
hosting and related services"), the one Cottier et al. 2024 and Epoch's
pipeline use (``frontiercost/model/data/README.md``).

Months are ``(year, month)`` pairs.  A year alone means its December, as the
paper's "2023 USD" does (``index(2023-12)``); the year the index ends in,
whose December it does not have, means the index's last month (2025: 2025-06).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from ..errors import ScenarioError

Month = tuple[int, int]
SERIES = "PCU518210518210"
SOURCE = (
    "US BLS producer price index PCU518210518210 (FRED), monthly, to 2025-06;"
    " Epoch AI's copy of 2026-01-26 (frontiercost/model/data/README.md)"
)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: Any, *, what: str = "month") -> Month:
    """A month from ``"2025-06"``, a date (its month) or a year (its December).

    Raises
    ------
    ScenarioError
        ``"{what}: ..."`` naming the accepted forms.
    """
    if isinstance(value, bool):
        pass
    elif isinstance(value, int) and 1900 <= value <= 2200:
        return year_month(value)
    elif isinstance(value, dt.date):
        return (value.year, value.month)
    elif isinstance(value, str):
        m = _MONTH.match(value.strip())
        if m and 1 <= int(m.group(2)) <= 12:
            return (int(m.group(1)), int(m.group(2)))
    raise ScenarioError(
        f'{what}: expected a month such as "2025-06", a date, or a year such as 2023'
        f" (its December, as the paper's 2023 USD), got {value!r}"
    )


def year_month(year: int) -> Month:
    """The month a year alone stands for: its December, or the index's last month
    when the index ends within that year (2025 -> 2025-06)."""
    last = price_index().last
    return last if year == last[0] else (year, 12)


def month_label(month: Month) -> str:
    """``"2025-06"``."""
    return f"{month[0]:04d}-{month[1]:02d}"


@dataclass(frozen=True)
class PriceIndex:
    """A monthly price index: ``values[(year, month)]``."""

    series: str
    values: dict[Month, float]
    source: str

    @property
    def first(self) -> Month:
        """Earliest month."""
        return min(self.values)

    @property
    def last(self) -> Month:
        """Latest month."""
        return max(self.values)

    def value(self, month: Month, *, what: str = "month") -> float:
        """The index in ``month``.

        Raises
        ------
        ScenarioError
            For a month the index does not cover, naming its range.
        """
        try:
            return self.values[month]
        except KeyError:
            raise ScenarioError(
                f"{what}: {month_label(month)} is outside the price index {self.series};"
                f" accepted: {self.accepted()}"
            ) from None

    def accepted(self) -> str:
        """The months and years the index converts, for a message."""
        first, last = self.first, self.last
        years = f"a year {first[0]}-{last[0]} (its December"
        years += f"; {last[0]}: {month_label(last)})" if last[1] != 12 else ")"
        return f"a month {month_label(first)} to {month_label(last)}, or {years}"

    def factor(
        self, to: Month, frm: Month, *, what: str = "dollars", beyond_last: str = "error"
    ) -> float:
        """Multiplier from the dollars of month ``frm`` to those of month ``to``.

        ``beyond_last="latest"`` reads a month after the index's last as its
        last (Epoch's pipeline does so for models published after the index
        ends: no adjustment beyond it); ``"error"`` refuses it.
        """
        if beyond_last not in ("error", "latest"):
            raise ValueError(f"beyond_last: 'error' or 'latest', got {beyond_last!r}")
        if beyond_last == "latest":
            to, frm = min(to, self.last), min(frm, self.last)
        return self.value(to, what=what) / self.value(frm, what=what)


@cache
def price_index() -> PriceIndex:
    """The package's producer price index (PCU518210518210)."""
    text = (resources.files("frontiercost.model") / "data" / f"{SERIES}.csv").read_text("utf-8")
    values: dict[Month, float] = {}
    for row in csv.DictReader(text.splitlines()):
        year, month, _ = row["observation_date"].split("-")
        values[(int(year), int(month))] = float(row[SERIES])
    return PriceIndex(SERIES, values, SOURCE)


__all__ = ["Month", "PriceIndex", "month_label", "parse_month", "price_index", "year_month"]
