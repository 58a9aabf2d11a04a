"""Cloud rates from price records: the rule of Epoch's pipeline (``find_price``).

A run rents from the vendor its developer is mapped to (Google, DeepMind ->
Google Cloud; Microsoft, OpenAI -> Azure; others AWS), at the price record
closest to its hardware acquisition date (training start - 60 days): the
closest on or before that date, else the closest after it.  The price type
wanted (3-year committed use) is tried at every vendor in turn (the mapped
one, then AWS, Azure, Google Cloud, then the other vendors of the records);
then the 1-year and on-demand prices, converted to the wanted type with the
vendor's default committed-use discounts.  A record without the type asked
for does not make the rule look at the vendor's other records: the next
vendor is tried.  When a vendor has no record of the chip itself, the
records of its family's names are used (generic name first: the pipeline's
"soft matching").

One difference from the pipeline: records are matched by chip library key
(two of Epoch's names, e.g. "NVIDIA A100" and "NVIDIA A100 SXM4 40 GB", are
one chip here), not by the run's exact hardware name; and vendors without a
default discount are skipped when a price must be converted (the pipeline
stops with an error there).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

PRICE_TYPES = ("cud_3yr", "cud_1yr", "on_demand")
LABELS = {"cud_3yr": "3-year committed use", "cud_1yr": "1-year committed use",
          "on_demand": "on-demand"}  # fmt: skip


@dataclass(frozen=True)
class CloudRecord:
    """One price record: per chip-hour prices of a vendor on a date."""

    date: dt.date
    hardware: str
    chip: str
    family: str
    family_rank: int | None
    vendor: str
    prices: dict[str, float]
    source: str


@dataclass(frozen=True)
class CloudRate:
    """The rate the rule picks, and where it comes from."""

    price: float
    vendor: str
    price_type: str
    record: CloudRecord
    converted_from: str | None

    def describe(self) -> str:
        """One line for a prior's source."""
        how = LABELS[self.price_type]
        if self.converted_from is not None:
            how += f", from the {LABELS[self.converted_from]} price with the vendor's discounts"
        return (
            f"{self.vendor} {self.record.hardware} {how} price {self.price:.4g} USD/h, record"
            f" of {self.record.date.isoformat()} ({self.record.source})"
        )


@cache
def records(resource: str) -> tuple[CloudRecord, ...]:
    """The price records of a package data file of :mod:`frontiercost.scenarios.pipelines`."""
    path = resources.files("frontiercost.scenarios.pipelines") / "data" / resource
    rows = csv.DictReader(path.read_text("utf-8").splitlines())
    out = []
    for r in rows:
        prices = {k: float(r[k]) for k in PRICE_TYPES if r[k].strip()}
        out.append(
            CloudRecord(
                date=dt.date.fromisoformat(r["date"]),
                hardware=r["hardware"],
                chip=r["chip"],
                family=r["family"],
                family_rank=int(r["family_rank"]) if r["family_rank"].strip() else None,
                vendor=r["vendor"],
                prices=prices,
                source=r["source"],
            )
        )
    return tuple(out)


def vendor_of(organization: str, mapping: Mapping[str, str], default: str) -> str:
    """The vendor of a developer: the last comma-separated organization that maps, as the
    pipeline's loop does, else ``default``."""
    vendor = None
    for org in organization.split(","):
        for key, value in mapping.items():
            if key in org.lower():
                vendor = value
                break
    return vendor or default


def _matching(
    recs: Sequence[CloudRecord], chip: str, family: str, vendor: str
) -> list[CloudRecord]:
    own = [r for r in recs if r.vendor == vendor and r.chip == chip]
    if own or not family:
        return own
    ranks = sorted(
        {r.family_rank for r in recs if r.family == family and r.family_rank is not None}
    )
    for rank in ranks:
        found = [r for r in recs if r.vendor == vendor and r.family == family and
                 r.family_rank == rank]  # fmt: skip
        if found:
            return found
    return []


def _closest(found: list[CloudRecord], when: dt.date) -> CloudRecord | None:
    """On or before ``when`` if any, else after; ties in the records' order."""
    ordered = sorted(found, key=lambda r: abs((r.date - when).days))
    before = [r for r in ordered if r.date <= when]
    if before:
        return before[0]
    return ordered[0] if ordered else None


def cloud_rate(
    recs: Sequence[CloudRecord],
    chip: str,
    kind: str,
    vendor: str,
    acquired: dt.date,
    *,
    family: str = "",
    priority: Sequence[str],
    discounts: Mapping[str, Mapping[str, float]],
    wanted: str = "cud_3yr",
) -> CloudRate | None:
    """The rate of the rule (module docstring), or ``None`` when no record gives one.

    ``family`` names the chip's family of names (``"a100"``...: the records'
    ``family`` column) tried when a vendor has no record of the chip itself.
    """
    if kind == "tpu":
        vendors = ["Google Cloud"]  # TPUs rent from Google only
    else:
        others = list(dict.fromkeys(r.vendor for r in recs))
        vendors = list(dict.fromkeys([vendor, *priority, *others]))
    types = [wanted, *(t for t in PRICE_TYPES if t != wanted)]
    for price_type in types:
        for v in vendors:
            rec = _closest(_matching(recs, chip, family, v), acquired)
            if rec is None or price_type not in rec.prices:
                continue
            price = rec.prices[price_type]
            if price_type == wanted:
                return CloudRate(price, v, wanted, rec, None)
            if v not in discounts:
                continue
            d = discounts[v]
            return CloudRate(price * (1 - d[wanted]) / (1 - d[price_type]), v, wanted, rec,
                             price_type)  # fmt: skip
    return None


__all__ = ["CloudRate", "CloudRecord", "cloud_rate", "records", "vendor_of"]
