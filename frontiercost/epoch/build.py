"""Scenarios of database records: the record's facts as a scenario file under a pipeline preset.

A record is priced by writing the scenario a person would write from it:
its publication date, organization and chip (or fleet) with the preset's
name, its quantity, training time, compute and MFU as ``[parameters]`` with
the paper's Table 5 uncertainty, and Epoch's own figures as ``[reference]``
(never an input).  The text is the scenario's: a run records it, and it
loads again on its own (``frontiercost scenarios``, ``summarize``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Collection, Mapping
from pathlib import Path

from ..errors import FrontiercostError, RecordError, ScenarioError
from ..scenarios import Scenario, chip_library, find_chip, scenario_from_text
from ..scenarios.fleet import SHARE_TOLERANCE
from ..scenarios.pipelines import find_pipeline
from .database import (
    FIGURES,
    HARDWARE,
    HOURS,
    PUBLISHED,
    QUANTITY,
    Database,
    Record,
    load_database,
)
from .names import hardware_names

MFU_PRIOR = "utilization_final_run"  # the paper's final-run MFU prior (docs/model.md §4.4)
DATABASE = "Epoch AI, Notable AI Models (https://epoch.ai/data/notable-ai-models, CC BY 4.0)"
FIGURE_SOURCE = (
    "Epoch AI notable-models database, {column!r}: Epoch's pipeline, read as June-2025"
    " dollars (docs/model.md §8)"
)


def slug(name: str) -> str:
    """``GPT-4 (Mar 2023)`` -> ``gpt-4-mar-2023``."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "record"


def fixed_start(record: Record) -> tuple[dt.date, str] | None:
    """The training starts Epoch's pipeline fixes by model name (prices.py; docs/model.md §5).

    The rules match names as the pipeline does: "GPT-4" exactly (the
    database's "GPT-4 (Mar 2023)" is not matched), "GPT-3.5" and then
    "GPT-3" and "Gemini 1.0 Ultra" anywhere in the name.
    """
    name = record.name
    if "Gemini 1.0 Ultra" in name:
        return dt.date(2023, 5, 10), "the pipeline's fixed start for Gemini 1.0 Ultra"
    if name == "GPT-4" and record.hours is not None:
        end = dt.datetime(2022, 8, 15) - dt.timedelta(hours=int(record.hours))
        return (
            end.date(),
            "the pipeline's fixed end of GPT-4's training, 2022-08-15, less its time",
        )
    if "GPT-3.5" in name:
        return dt.date(2022, 3, 14), "the pipeline's fixed start for GPT-3.5"
    if "GPT-3" in name:
        return dt.date(2019, 10, 1), "the pipeline's fixed start for GPT-3"
    return None


def _before_release(
    record: Record, chip_key: str, start: tuple[dt.date, str] | None
) -> dt.date | None:
    """The GPU's release date when the record's training starts before it, else ``None``.

    Epoch's pipeline floors such an age at 0; the scenario states the release
    date so that the loader's note on a start before release (most often a
    wrong date) is not given for what the record says.
    """
    from ..model.dates import training_start

    chip = find_chip(chip_key)
    if chip.kind == "tpu" or chip.released is None:
        return None
    if start is not None:
        begin: dt.date | dt.datetime = start[0]
    elif record.published is not None:
        try:
            begin = training_start(record.published, record.hours)
        except (ValueError, OverflowError):  # bad hours: the scenario's load says so
            return None
    else:
        return None
    day = begin.date() if isinstance(begin, dt.datetime) else begin
    return chip.released if day < chip.released else None


def _fleet_shares(
    record: Record, shares: Mapping[str, float] | None
) -> tuple[list[tuple[str, float]], str | None]:
    """``(Epoch name, share)`` per hardware type, or why there are none.

    A share is keyed by the Epoch hardware name or by a chip's key, name or
    alias (``tpu-v2``, ``TPU v2``).  Shares for a record on one type, or for a
    type the record does not use, are refused: they would do nothing.
    """
    mapped = hardware_names()
    chips = {h: mapped[h].chip if h in mapped else None for h in record.hardware}
    example = " ".join(f"{chip or h}={1 / len(record.hardware):.2g}" for h, chip in chips.items())
    how = f"(--share {example.replace(' ', ' --share ')} on the command line, shares= in Python)"
    if len(record.hardware) == 1:
        if shares:
            return [], (
                f"shares are for a record on several hardware types; this one runs on"
                f" {record.hardware[0]} alone: leave them out"
            )
        return [(record.hardware[0], 1.0)], None
    names = ", ".join(f"{h} ({c})" if c else h for h, c in chips.items())
    if not shares:
        return [], f"several hardware types ({names}) without their shares: give each {how}"
    by_chip: dict[str, float] = {}
    by_name: dict[str, float] = {}
    for key, value in shares.items():
        if key in chips:
            by_name[key] = float(value)
            continue
        try:
            by_chip[find_chip(key).key] = float(value)
        except FrontiercostError:
            return [], f"a share for {key!r}, which is not a chip; this record runs on {names}"
    stray = [k for k in by_chip if k not in chips.values()]
    if stray:  # said first: a share for the wrong chip is the likelier mistake
        return [], f"a share for {', '.join(stray)}, which this record does not run on ({names})"
    keyed = {}
    for h, chip in chips.items():
        share = by_name.get(h, by_chip.get(chip) if chip else None)
        if share is None:
            return [], f"no share for {h!r}: give one for each type {how}"
        keyed[h] = share
    total = math.fsum(keyed.values())
    if abs(total - 1) > SHARE_TOLERANCE:
        return [], f"the shares sum to {total:g}, not 1: " + " + ".join(
            f"{h} {v:g}" for h, v in keyed.items()
        )
    return list(keyed.items()), None


def missing_inputs(
    record: Record, database: Database, shares: Mapping[str, float] | None = None
) -> list[str]:
    """What the record lacks to be priced (empty when it has enough)."""
    out = []
    for column in (PUBLISHED, HARDWARE):
        if column in database.missing_columns:
            out.append(f"the database has no {column!r} column")
    out += [f"{column}: {problem}" for column, problem in record.problems.items()]
    if record.published is None and PUBLISHED not in record.problems:
        out.append("no publication date")
    if not record.hardware:
        if HARDWARE not in database.missing_columns:
            out.append(
                "no training hardware (Epoch's pipeline imputes the year's most common; this"
                " reader does not)"
            )
    else:
        names, library = hardware_names(), chip_library()
        for h in record.hardware:
            if h not in names:
                out.append(f"hardware {h!r} is not one the chip library holds")
            elif names[h].chip not in library:
                out.append(
                    f"hardware {h!r} (chip {names[h].chip!r}) is not in the chip library yet"
                )
        _, why = _fleet_shares(record, shares)
        if why:
            out.append(why)
    time_route = record.quantity is not None and record.hours is not None
    if not time_route and record.compute is None:
        lacks = [c for c, v in ((QUANTITY, record.quantity), (HOURS, record.hours)) if v is None]
        out.append(
            "neither training compute nor hardware quantity x training time (no "
            + " and no ".join(repr(c) for c in lacks)
            + ")"
        )
    return out


def _num(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def _str(text: str) -> str:
    """``text`` as a TOML basic string: quotes, backslashes and control characters
    (a record's name may hold a newline or DEL) escaped."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", escaped) + '"'


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def scenario_text(
    record: Record,
    database: Database,
    pipeline: str = "epoch-2025",
    shares: Mapping[str, float] | None = None,
    outputs: Collection[str] | None = None,
) -> str:
    """The scenario file of a record (see the module docstring).

    ``outputs`` limits Epoch's figures written as references to these
    outputs (those the record's inputs give; default: every figure).

    Raises
    ------
    RecordError
        One line naming the record and what it lacks.
    """
    lacks = missing_inputs(record, database, shares)
    if lacks:
        raise RecordError(f"{record.name} (line {record.line}): cannot price: {'; '.join(lacks)}")
    find_pipeline(pipeline)
    assert record.published is not None
    names = hardware_names()
    fleet, _ = _fleet_shares(record, shares)
    lines = [
        f"# Built by frontiercost.epoch from {database.path.name}, line {record.line}:",
        f"# the record's facts under the {pipeline} pipeline; Epoch's figures as references.",
        "",
        "[scenario]",
        f"title = {_str(record.name)}",
        f"published = {record.published.isoformat()}",
    ]
    if record.organization:
        lines.append(f"organization = {_str(record.organization)}")
    lines += [
        f"pipeline = {_str(pipeline)}",
        f"sources = [{_str(DATABASE)}, {_str(f'database file {database.path.name}')}]",
        'tags = ["epoch-database"]',
        "",
        "[hardware]",
    ]
    start = fixed_start(record)
    if start is not None:
        lines.append(f"training_start = {start[0].isoformat()}  # {start[1]}")
    for h, share in fleet:
        entry = names[h]
        if len(fleet) > 1:
            lines += ["", "[[hardware.fleet]]", f"share = {share!r}"]
        lines.append(f"chip = {_str(entry.chip)}  # Epoch: {h}")
        if entry.released is not None:
            lines.append(
                f"released = {entry.released.isoformat()}  # Epoch's chip dataset date for {h!r}"
            )
        elif (early := _before_release(record, entry.chip, start)) is not None:
            lines.append(
                f"released = {early.isoformat()}  # stated: the record's training starts before"
                " this release; the rule puts the age at 0"
            )
    lines += ["", "# the record's inputs, with the paper's Table 5 uncertainty", "[parameters]"]
    if record.quantity is not None:
        lines.append(
            f'chip_count = {{ prior = "chip_count_multiplier", times = {_num(record.quantity)} }}'
        )
    if record.hours is not None:
        if record.quantity is None:
            lines.append("# no hardware quantity: the training time dates the run only")
        hours = _num(record.hours)
        lines.append(f'training_hours = {{ prior = "training_time_multiplier", times = {hours} }}')
    if record.compute is not None:
        lines.append(
            'training_compute = { prior = "training_compute_multiplier", times ='
            f" {_num(record.compute)} }}"
        )
    if record.mfu is not None:
        lines.append(_reported_mfu(record.mfu))
    if record.quantity is not None and record.hours is not None and record.compute is not None:
        # the pipeline's rule (docs/model.md §8): chip-hours from quantity x time where both
        # are known; the compute then prices a FLOP
        lines += [
            "",
            "[routes]",
            'chip_hours = "chip_count * training_hours"',
            'usd_per_flop = "amortized_cost / training_compute"',
        ]
    left = [o for o in record.figures if outputs is not None and o not in outputs]
    if left:
        lines += ["", f"# Epoch's figure of {', '.join(left)}: not given by these inputs"]
    for output, value in record.figures.items():
        if output in left:
            continue
        source = FIGURE_SOURCE.format(column=FIGURES[output])
        lines += [
            "",
            f"[[reference.{output}]]",
            f"value = {value!r}",
            'dollars = "2025-06"',
            'label = "Epoch"',
            f"source = {_str(source)}",
        ]
    return "\n".join(lines) + "\n"


def scenario(
    name: str,
    database: str | Path | Database,
    pipeline: str = "epoch-2025",
    *,
    shares: Mapping[str, float] | None = None,
) -> Scenario:
    """A scenario of a record of Epoch's notable-models database.

    Parameters
    ----------
    name : str
        The record's ``Model`` (case ignored when no record matches exactly).
    database : str, path or Database
        An export of the database (:func:`load_database`).
    pipeline : str
        The preset that prices it (``"epoch-2025"``: Epoch's 2025 pipeline).
    shares : mapping, optional
        For a record on several hardware types: the share of the chips of
        each, keyed by Epoch's hardware name or the chip library key.

    Returns
    -------
    Scenario
        ``frontiercost.evaluate`` gives the preset's point estimates
        (``amortized_cost``, ``cloud_cost``, ``acquisition_cost``...),
        ``frontiercost.simulate`` their uncertainty; Epoch's figures are its
        ``references``.

    Raises
    ------
    RecordError
        For a record without enough inputs, saying what it lacks.
    DatabaseError
        For an unknown name or a file that is not an export of the database.
    """
    db = database if isinstance(database, Database) else load_database(database)
    return record_scenario(db.record(name), db, pipeline, shares)


def _reported_mfu(mfu: float) -> str:
    """The paper's final-run utilization prior, scaled to centre on a reported MFU.

    The library prior (a normal with p5 0.1, p95 0.65 around 0.375, truncated
    to [0.01, 0.99]) is the paper's for an unknown MFU.  A reported one scales
    it by ``k = mfu / 0.375`` (quantiles and bounds, the upper bound capped at
    0.99), keeping its relative width, so the draws and the point agree:
    unscaled, a reported 0.19 had a median of 0.36 in the draws.  Above an
    MFU of about 0.57 the scaled p95 would pass the cap: the prior stays the
    paper's, with the reported MFU as its point.
    """
    from ..priors.library import library_view

    spec = library_view()[MFU_PRIOR][0]
    k = mfu / float(spec["central"])
    upper = min(float(spec["upper"]) * k, float(spec["upper"]))
    if float(spec["p95"]) * k >= upper:
        return (
            f'utilization = {{ prior = "{MFU_PRIOR}", central = {mfu!r} }}'
            "  # reported MFU; the paper's prior unscaled (scaled, its p95 would pass 0.99)"
        )
    return (
        f'utilization = {{ prior = "{MFU_PRIOR}", p5 = {float(spec["p5"]) * k:.6g},'
        f" p95 = {float(spec['p95']) * k:.6g}, lower = {float(spec['lower']) * k:.6g},"
        f" upper = {upper:.6g}, central = {mfu!r} }}"
        f"  # reported MFU; the paper's prior x {k:.4g}"
    )


def record_scenario(
    record: Record,
    database: Database,
    pipeline: str = "epoch-2025",
    shares: Mapping[str, float] | None = None,
) -> Scenario:
    """The scenario of a record (:func:`scenario` of a record already found)."""
    name, label = f"epoch-{slug(record.name)}", f"{database.path.name}:{record.name}"
    try:
        bare = scenario_from_text(
            scenario_text(record, database, pipeline, shares, ()), name, label
        )
        text = scenario_text(record, database, pipeline, shares, bare.computable())
        return scenario_from_text(text, name, label)
    except ScenarioError as err:
        raise RecordError(f"{record.name} (line {record.line}): {err}") from None


__all__ = ["fixed_start", "missing_inputs", "record_scenario", "scenario", "scenario_text", "slug"]
