"""Our estimates against Epoch's own figures, record by record, with the reasons they differ.

For every record with one of Epoch's cost figures (``compare``): the
preset's point estimate, the ratio to Epoch's figure, where the figure falls
in our distribution (percentile, and whether our 90 % interval covers it),
and a category:

``match``
    within the tolerance (1 %) in June-2025 dollars.
``dollars``
    matches when the figure is read in the dollars of an earlier run of the
    pipeline (December 2023, the paper's "2023 USD", or December 2024): the
    database keeps figures from several runs, and only the latest is in
    June-2025 dollars.
``v100-price``
    matches with the V100 at $17,250 per GPU (and possibly an earlier
    run's dollars): two V100 price records share the date 2017-07-01
    (DGX-1, $18,625 per GPU; DGX Station, $17,250); Epoch's runs picked the
    second, the chip library keeps the paper's first (docs/model.md §7).
``fine-tune``
    none of these, and the record is fine-tuned from a base model: Epoch's
    pipeline does not price fine-tunes (it skips records with a base
    model), so the figure comes from elsewhere.
``other``
    none of these: the figure does not follow from the record's current
    inputs by this pipeline (entered by hand, or computed from inputs that
    have since been edited).
``not priced``
    the record lacks inputs (see :func:`missing_inputs`).

The categories are diagnoses, tried after the fact on our estimate; they
never change it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..analysis.summary import CI_KINDS, interval
from ..errors import FrontiercostError
from ..model.dollars import price_index
from ..run import evaluate, simulate
from ..scenarios import scenario_from_text
from ..settings import Limits
from .build import missing_inputs, record_scenario
from .database import FIGURES, Database, Record, load_database

CATEGORIES = ("match", "dollars", "v100-price", "fine-tune", "other", "not priced")
EARLIER_DOLLARS = ((2023, 12), (2024, 12))
V100_DGX_STATION = (
    17250.0  # DGX Station (4 x V100) $69,000 / 4, 2017-07-01 (Epoch hardware prices)
)
RUN_DOLLARS = (2025, 6)


@dataclass(frozen=True)
class Row:
    """One of Epoch's figures against ours."""

    model: str
    line: int
    published: str
    output: str
    epoch: float
    ours: float | None
    ratio: float | None
    percentile: float | None
    lower: float | None
    upper: float | None
    inside: bool | None
    category: str
    note: str

    def record(self) -> dict[str, Any]:
        """JSON-ready (docs/json-output.md, ``frontiercost.epoch-compare/1``)."""
        return asdict(self)


@dataclass(frozen=True)
class Comparison:
    """Every figure compared, and the settings."""

    database: str
    pipeline: str
    before: str | None
    tolerance: float
    ci_prob: float
    draws: int
    chains: int
    seed: int
    rows: tuple[Row, ...]
    ci_kind: str = "eti"

    def summary(self) -> dict[str, Any]:
        """Counts per output: figures, priced, per category; coverage of the intervals."""
        out: dict[str, Any] = {}
        for output in dict.fromkeys(r.output for r in self.rows):
            rows = [r for r in self.rows if r.output == output]
            priced = [r for r in rows if r.ours is not None]
            covered = [r for r in priced if r.inside is not None]
            out[output] = {
                "figures": len(rows),
                "priced": len(priced),
                **{c: sum(r.category == c for r in rows) for c in CATEGORIES},
                "coverage": (
                    sum(bool(r.inside) for r in covered) / len(covered) if covered else None
                ),
                "median_percentile": (
                    float(np.median([r.percentile for r in covered])) if covered else None
                ),
            }
        return out


def _within(a: float, b: float, tolerance: float) -> bool:
    return abs(a / b - 1) <= tolerance


def _best(value: float, theirs: float, tolerance: float) -> tuple[int, int] | None:
    """The dollar month (this run's or an earlier run's) in which ``value`` matches best."""
    index = price_index()
    months = (RUN_DOLLARS, *EARLIER_DOLLARS)
    misses = {m: abs(value * index.factor(m, RUN_DOLLARS) / theirs - 1) for m in months}
    month = min(months, key=lambda m: misses[m])
    return month if misses[month] <= tolerance else None


def _diagnose(
    record: Record,
    ours: float,
    theirs: float,
    tolerance: float,
    evaluate_with: Callable[[str], float | None],
) -> tuple[str, str]:
    if _within(ours, theirs, tolerance):
        return "match", ""
    month = _best(ours, theirs, tolerance)
    if month is not None:
        factor = price_index().factor(month, RUN_DOLLARS)
        return "dollars", (
            f"matches in {month[0]}-{month[1]:02d} dollars (x {factor:.4f}): the figure is from"
            " an earlier run of the pipeline"
        )
    if any(h.startswith(("NVIDIA V100", "NVIDIA Tesla V100")) for h in record.hardware):
        alt = evaluate_with(f"chip_price = {V100_DGX_STATION!r}")
        month = _best(alt, theirs, tolerance) if alt is not None else None
        if month is not None:
            when = "" if month == RUN_DOLLARS else f", in {month[0]}-{month[1]:02d} dollars"
            return "v100-price", (
                f"matches with the V100 at ${V100_DGX_STATION:,.0f} per GPU (the DGX Station"
                f" record of 2017-07-01 Epoch's runs picked){when}"
            )
    if record.base_model:
        return "fine-tune", (
            f"fine-tuned from {record.base_model}: Epoch's pipeline skips fine-tunes, so the"
            " figure is not its output"
        )
    return "other", (
        "does not follow from the record's current inputs by this pipeline (entered by hand, or"
        " computed from inputs since edited)"
    )


def compare(
    database: str | Path | Database,
    *,
    pipeline: str = "epoch-2025",
    before: dt.date | None = None,
    draws: int = 2000,
    chains: int = 2,
    seed: int = 0,
    ci_prob: float = 0.9,
    tolerance: float = 0.01,
    names: Iterable[str] | None = None,
    ci_kind: str = "eti",
    progress: Callable[[int, int], None] | None = None,
    limits: Limits | None = None,
) -> Comparison:
    """Every record with one of Epoch's cost figures, priced by ``pipeline`` and compared.

    Parameters
    ----------
    database : str, path or Database
        An export of Epoch's notable-models database.
    pipeline : str
        The preset (``"epoch-2025"``).
    before : date, optional
        Only records published before this date (Epoch's copy of 2026-01-26
        withholds the figures from 2024-03-01 on).
    draws, chains, seed : int
        Monte Carlo draws per record for the percentiles and intervals
        (``draws=0``: point estimates only).
    ci_prob : float
        Mass of the interval whose coverage is reported.
    tolerance : float
        Relative difference counted as a match (0.01).
    names : iterable of str, optional
        Only these records.
    progress : callable, optional
        ``progress(done, total)`` after each record.
    ci_kind : {"eti", "hdi"}
        Equal-tailed or highest-density interval (arviz-stats ``hdi``, as
        ``summarize``) of each record's draws.
    limits : Limits, optional
        The time limit of the comparison as a whole (default: ``Limits()``, whose
        ``seconds`` come from ``FRONTIERCOST_MAX_SECONDS`` or 6 hours).
    """
    if ci_kind not in CI_KINDS:
        raise FrontiercostError(f"ci_kind: unknown kind {ci_kind!r}; accepted: eti, hdi")
    db = database if isinstance(database, Database) else load_database(database)
    wanted = set(names) if names is not None else None
    records = [
        r
        for r in db
        if r.figures
        and (wanted is None or r.name in wanted)
        and (before is None or (r.published is not None and r.published < before))
    ]
    if not records:  # an empty table would read as "nothing disagrees"
        which = " published before " + before.isoformat() if before is not None else ""
        which += " of those named" if wanted is not None else ""
        raise FrontiercostError(
            f"{db.path}: no record{which} has one of Epoch's cost figures"
            f" ({', '.join(map(repr, FIGURES.values()))}): nothing to compare"
        )
    # each record is bounded when it runs; the comparison as a whole must be too
    total = len(records) * draws * chains
    limits = limits or Limits()
    what = f"epoch compare of {len(records):,} records"
    limits.check_time(total, what)
    before_record = limits.stopwatch(what)  # the estimate counts draws only
    rows: list[Row] = []
    for done, record in enumerate(records, 1):
        before_record(f"record {done:,} ({record.name})")
        rows += _compare_one(
            record, db, pipeline, draws, chains, seed, (ci_prob, ci_kind), tolerance
        )
        if progress is not None:
            progress(done, len(records))
    return Comparison(
        str(db.path),
        pipeline,
        before.isoformat() if before is not None else None,
        tolerance,
        ci_prob,
        draws,
        chains,
        seed,
        tuple(rows),
        ci_kind,
    )


def _compare_one(
    record: Record,
    db: Database,
    pipeline: str,
    draws: int,
    chains: int,
    seed: int,
    ci: tuple[float, str],
    tolerance: float,
) -> list[Row]:
    published = record.published.isoformat() if record.published else ""
    lacks = missing_inputs(record, db)
    if lacks:
        return [
            Row(
                record.name,
                record.line,
                published,
                output,
                theirs,
                None,
                None,
                None,
                None,
                None,
                None,
                "not priced",
                "; ".join(lacks),
            )
            for output, theirs in record.figures.items()
        ]
    sc = record_scenario(record, db, pipeline)
    text, name = sc.text, sc.name
    point = evaluate(sc)
    tree = simulate(sc, draws=draws, chains=chains, seed=seed) if draws > 0 else None

    def evaluate_with(line: str) -> float | None:
        alt = text.replace("[parameters]\n", f"[parameters]\n{line}\n", 1)
        values = evaluate(scenario_from_text(alt, name, "variant"))
        return float(values[output]) if output in values else None

    rows = []
    for output, theirs in record.figures.items():
        if output not in point.data_vars:
            rows.append(
                Row(
                    record.name,
                    record.line,
                    published,
                    output,
                    theirs,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    "not priced",
                    f"the record's inputs give no {output}",
                )
            )
            continue
        ours = float(point[output])
        pct = lo = hi = inside = None
        if tree is not None:
            x = np.asarray(tree["posterior"][output].values, dtype=float).ravel()
            x = x[np.isfinite(x)]
            pct = float(100 * np.mean(x <= theirs))
            lo, hi = interval(x, *ci)
            inside = bool(lo <= theirs <= hi)
        category, note = _diagnose(record, ours, theirs, tolerance, evaluate_with)
        ratio = ours / theirs if theirs else math.nan
        rows.append(
            Row(
                record.name,
                record.line,
                published,
                output,
                theirs,
                ours,
                ratio,
                pct,
                lo,
                hi,
                inside,
                category,
                note,
            )
        )
    return rows


__all__ = ["CATEGORIES", "Comparison", "Row", "compare"]
