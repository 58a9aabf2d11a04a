"""Reading an export of Epoch AI's notable-models database (``notable_ai_models.csv``).

The export is a CSV with one row per model and named columns; the reader
uses the columns below and ignores any others (newer exports add columns).
A missing column of the required ones stops the load, naming it; a missing
optional column, or a value that is not a number or a date, makes the
records that need it unpriceable, each saying why.  Source: Epoch AI,
"Notable AI Models", https://epoch.ai/data/notable-ai-models (CC BY 4.0).
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from .._files import os_reason
from ..errors import DatabaseError

NAME = "Model"
PUBLISHED = "Publication date"
ORGANIZATION = "Organization"
COMPUTE = "Training compute (FLOP)"
HOURS = "Training time (hours)"
HARDWARE = "Training hardware"
QUANTITY = "Hardware quantity"
MFU = "Hardware utilization (MFU)"
BASE_MODEL = "Base model"
# Epoch's cost figures: output -> column (the "2023 USD" column is in June-2025 dollars,
# docs/model.md §8)
FIGURES = {
    "amortized_cost": "Training compute cost (2023 USD)",
    "cloud_cost": "Training compute cost (cloud)",
    "acquisition_cost": "Training compute cost (upfront)",
}
REQUIRED = (NAME, PUBLISHED)
OPTIONAL = (ORGANIZATION, COMPUTE, HOURS, HARDWARE, QUANTITY, MFU, BASE_MODEL, *FIGURES.values())
COLUMNS = (*REQUIRED, *OPTIONAL)


@dataclass(frozen=True)
class Record:
    """One model of the database, with the inputs a cost needs.

    Attributes
    ----------
    name : str
        ``Model``.
    line : int
        Line of the record in the file (for messages).
    published : date or None
        ``Publication date``.
    organization : str
        ``Organization`` (comma-separated when several).
    compute, hours, quantity, mfu : float or None
        Training compute (FLOP), training time (h), hardware quantity, MFU.
    hardware : tuple of str
        ``Training hardware``, split at commas (several types: a mixed fleet).
    base_model : str
        The model it is fine-tuned from, "" if none.
    figures : dict
        Epoch's cost figures by output (``amortized_cost``, ``cloud_cost``,
        ``acquisition_cost``), where the record has them.
    problems : dict
        Column -> what is wrong with its value ("not a number: 'abc'").
    """

    name: str
    line: int
    published: dt.date | None = None
    organization: str = ""
    compute: float | None = None
    hours: float | None = None
    hardware: tuple[str, ...] = ()
    quantity: float | None = None
    mfu: float | None = None
    base_model: str = ""
    figures: dict[str, float] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Database:
    """A loaded export: its records in file order and what columns it lacks."""

    path: Path
    records: tuple[Record, ...]
    missing_columns: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)

    def record(self, name: str) -> Record:
        """The record named ``name`` (exactly, else ignoring case).

        Raises
        ------
        DatabaseError
            For an unknown name (naming the nearest) or a name two records share.
        """
        hits = [r for r in self.records if r.name == name]
        if not hits:
            hits = [r for r in self.records if r.name.lower() == name.lower()]
        if len(hits) > 1:
            lines = ", ".join(str(r.line) for r in hits)
            raise DatabaseError(
                f"{self.path}: {len(hits)} records are named {name!r} (lines {lines})"
            )
        if not hits:
            names = [r.name for r in self.records]
            # Epoch qualifies names ("GPT-4 (Mar 2023)"): a name they begin with is the
            # likeliest meaning, which a plain similarity ratio ranks too low
            key = _plain(name)
            near = [n for n in names if key and _plain(n).startswith(key)][:3]
            near += difflib.get_close_matches(name, names, n=3, cutoff=0.6)
            if not near:
                near = difflib.get_close_matches(name, names, n=3, cutoff=0.4)
            near = list(dict.fromkeys(near))[:3]
            hint = f" (did you mean {', '.join(repr(n) for n in near)}?)" if near else ""
            raise DatabaseError(f"{self.path}: no record named {name!r}{hint}")
        return hits[0]


def _number(text: str) -> float | None:
    value = float(text.replace(",", ""))
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _parse(row: dict[str, str], line: int, columns: set[str]) -> Record:
    problems: dict[str, str] = {}

    def cell(column: str) -> str:
        return (row.get(column) or "").strip() if column in columns else ""

    def number(column: str) -> float | None:
        text = cell(column)
        if not text:
            return None
        try:
            return _number(text)
        except ValueError:
            problems[column] = f"not a number: {text!r}"
            return None

    published = None
    text = cell(PUBLISHED)
    if text:
        try:
            published = dt.date.fromisoformat(text[:10])
        except ValueError:
            problems[PUBLISHED] = f"not a date (YYYY-MM-DD): {text!r}"
    figures = {}
    for output, column in FIGURES.items():
        value = number(column)
        if value is not None and value > 0:
            figures[output] = value
    hardware = tuple(h.strip() for h in cell(HARDWARE).split(",") if h.strip())
    return Record(
        name=cell(NAME),
        line=line,
        published=published,
        organization=cell(ORGANIZATION),
        compute=number(COMPUTE),
        hours=number(HOURS),
        hardware=hardware,
        quantity=number(QUANTITY),
        mfu=number(MFU),
        base_model=cell(BASE_MODEL),
        figures=figures,
        problems=problems,
    )


def load_database(path: str | Path) -> Database:
    """Read an export of Epoch's notable-models CSV.

    Parameters
    ----------
    path : str or path
        The CSV file (``notable_ai_models.csv``, or a newer download of it).

    Raises
    ------
    DatabaseError
        When the file cannot be read or lacks a required column (``Model``,
        ``Publication date``), naming the column and the columns it has.
    """
    p = Path(path)
    if p.exists() and not p.is_file():  # a FIFO would block, /dev/zero never end
        raise DatabaseError(f"{p}: cannot read: not a regular file")
    try:
        with p.open(encoding="utf-8-sig", newline="") as fh:
            return _read(p, fh)
    except (OSError, UnicodeDecodeError) as err:
        why = os_reason(err) if isinstance(err, OSError) else str(err)  # where it cannot decode
        raise DatabaseError(f"{p}: cannot read: {why}") from None


def _read(p: Path, fh: TextIO) -> Database:
    reader = csv.DictReader(fh)
    try:
        fieldnames = [c.strip() for c in reader.fieldnames or []]
    except csv.Error as err:
        raise DatabaseError(f"{p}:1: not a CSV file: {err}") from None
    columns = set(fieldnames)
    for column in REQUIRED:
        if column not in columns:
            have = ", ".join(sorted(columns)[:12]) or "none"
            raise DatabaseError(
                f"{p}: no column {column!r}: not an export of Epoch's notable-models database"
                f" (its columns: {have}{', ...' if len(columns) > 12 else ''})"
            )
    twice = sorted({c for c in fieldnames if c and fieldnames.count(c) > 1} & set(COLUMNS))
    if twice:  # which of the two holds the figure? refuse rather than pick one
        raise DatabaseError(f"{p}:1: column {twice[0]!r} appears twice in the header")
    reader.fieldnames = fieldnames
    records = []
    start = 2  # the header is line 1; a record may span lines (quoted newlines)
    try:
        for row in reader:
            record = _parse(row, start, columns)
            start = reader.line_num + 1
            if record.name:
                records.append(record)
    except csv.Error as err:
        raise DatabaseError(f"{p}:{start}: not a CSV record: {err}") from None
    if not records:  # an empty table would read as "nothing disagrees"
        raise DatabaseError(f"{p}: no records (a header and no named model): nothing to price")
    missing = tuple(c for c in OPTIONAL if c not in columns)
    return Database(p, tuple(records), missing)


__all__ = ["FIGURES", "Database", "Record", "load_database"]


def _plain(name: str) -> str:
    """Letters and digits only, lower case: "gpt4" finds "GPT-4 (Mar 2023)"."""
    return "".join(c for c in name.lower() if c.isalnum())
