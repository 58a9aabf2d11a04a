# ruff: noqa: E501  (a corpus of literal hostile inputs: long lines are the data)
"""Hostile exports of Epoch's notable-models database (``epoch price/compare --database``).

Each malformed file exits 2 with one line naming the file (and the line or
column) and what is wrong; nothing is written beside it. Files that are odd but
valid give the same figures as the original export (the same record priced on
the same draws), computed here by pricing the untouched record.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hostile_common import PREFIX, clear_error, succeeds

pytestmark = pytest.mark.e2e

DB = Path(__file__).parents[1] / "data" / "epoch_notable_models.csv"
HEADER = DB.read_text(encoding="utf-8").splitlines()[0]
LLAMA = next(
    line
    for line in DB.read_text(encoding="utf-8").splitlines()
    if line.startswith("Llama 3.1-405B,")
)
NAME = "Llama 3.1-405B"
ROW = f"{HEADER}\n{LLAMA}\n"


def _edit(old: str, new: str) -> str:
    assert old in LLAMA
    return f"{HEADER}\n{LLAMA.replace(old, new)}\n"


# (name, file content, fragments of the one-line message)
CASES: list[tuple[str, str | bytes, tuple[str, ...]]] = [
    ("empty file", "", ("no column 'Model': not an export", "(its columns: none)")),
    ("header only", HEADER + "\n", ("no records (a header and no named model)",)),
    ("binary", b"\x00\x01\xff\xfe", ("cannot read", "can't decode")),
    ("utf-16", ROW.encode("utf-16"), ("cannot read", "can't decode byte 0xff in position 0")),
    (
        "latin-1",
        "Model,Publication date\ncaf\xe9,2024-01-01\n".encode("latin-1"),
        ("cannot read", "0xe9"),
    ),
    (
        "duplicated figure column",
        f"{HEADER},Training compute (FLOP)\n{LLAMA},9e99\n",
        (":1: column 'Training compute (FLOP)' appears twice in the header",),
    ),
    (
        "duplicated name column",
        "Model,Model,Publication date\na,b,2024-01-01\n",
        (":1: column 'Model' appears twice",),
    ),
    (
        "duplicated column after stripping",
        "Model, Model ,Publication date\na,b,2024-01-01\n",
        (":1: column 'Model' appears twice",),
    ),
    (
        "field of 200,000 characters",
        f"Model,Publication date\n{'X' * 200_000},2024-01-01\n",
        (":2: not a CSV record", "field larger than field limit"),
    ),
    (
        "no Model column",
        "Name,Publication date\nx,2024-01-01\n",
        ("no column 'Model'", "its columns: Name, Publication date"),
    ),
    ("no publication column", "Model,Date\nx,2024-01-01\n", ("no column 'Publication date'",)),
    (
        "two records of one name",
        ROW + LLAMA + "\n",
        (f"2 records are named {NAME!r} (lines 2, 3)",),
    ),
    (
        "two records of one name in other cases",
        f"{HEADER}\n{LLAMA.replace(NAME, NAME.upper())}\n{LLAMA.replace(NAME, NAME.lower())}\n",
        (f"2 records are named {NAME!r} (lines 2, 3)",),
    ),
]

# A readable file with a record that cannot be priced: the message names the record and
# its line (then the value, the key and what is accepted).
RECORD_CASES: list[tuple[str, str, tuple[str, ...]]] = [
    (
        "publication not a date",
        _edit("2024-07-23", "2024-13-45"),
        ("Publication date: not a date (YYYY-MM-DD): '2024-13-45'",),
    ),
    (
        "publication a word",
        _edit("2024-07-23", "soon"),
        ("Publication date: not a date (YYYY-MM-DD): 'soon'",),
    ),
    (
        "compute negative",
        _edit("3.8e+25", "-3.8e+25"),
        ("training_compute", "positive", "-3.8e+25"),
    ),
    ("hours negative", _edit(",2142.0,", ",-5,"), ("training_hours", "positive", "-5")),
    ("hardware quantity zero", _edit(",16384.0,", ",0,"), ("chip_count", "positive", "got 0")),
    (
        "MFU as a percentage",
        _edit("0.4042", "40.42"),
        ("utilization: central (40.42) must lie in the support [0.01, 0.99]",),
    ),
    ("MFU zero", _edit("0.4042", "0"), ("utilization: central (0) must lie in the support",)),
    (
        "compute not a number",
        _edit("3.8e+25", "lots"),
        ("Training compute (FLOP): not a number: 'lots'",),
    ),
    (
        "hardware of full-width letters",
        _edit("NVIDIA H100 SXM5 80GB", "\uff2evidia \uff28100"),
        ("hardware 'Ｎvidia Ｈ100' is not one the chip library holds",),
    ),
    (
        "hardware with a zero-width space",
        _edit("NVIDIA H100 SXM5 80GB", "NVIDIA H100\u200b SXM5 80GB"),
        ("is not one the chip library holds",),
    ),
    (
        "publication far in the future",
        _edit("2024-07-23", "2031-07-23"),
        ("scenario.published", "not 2031"),
    ),
]
RECORD = f"{PREFIX}{NAME} (line 2): "


@pytest.mark.parametrize(
    ("content", "fragments"),
    [c[1:] for c in CASES] + [(c[1], (RECORD, *c[2])) for c in RECORD_CASES],
    ids=[c[0] for c in CASES] + [c[0] for c in RECORD_CASES],
)
def test_hostile_database(
    capsys, tmp_path: Path, content: str | bytes, fragments: tuple[str, ...]
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "db.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    argv = ["epoch", "price", NAME, "--database", str(path), "--draws", "100", "-q"]
    where = () if fragments[0] == RECORD else (str(path),)
    clear_error(capsys, argv, *where, *fragments, folder=tmp_path)


def test_the_corpus_names_are_distinct() -> None:
    names = [c[0] for c in CASES] + [c[0] for c in RECORD_CASES]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("kind", ["fifo", "device", "folder", "missing"])
def test_a_database_that_is_not_a_file(capsys, tmp_path: Path, kind: str) -> None:  # type: ignore[no-untyped-def]
    """A FIFO would block and /dev/zero never end: refused before reading."""
    path = {"device": Path("/dev/zero")}.get(kind, tmp_path / "db.csv")
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    expected = {"missing": "No such file", "folder": "not a regular file"}.get(
        kind, "not a regular file"
    )
    for command in (["price", NAME], ["compare"]):
        clear_error(
            capsys,
            ["epoch", *command, "--database", str(path), "--draws", "100", "-q"],
            f"{path}: cannot read", expected,
            folder=tmp_path,
        )  # fmt: skip


def _median(capsys, path: Path, name: str = NAME) -> float:  # type: ignore[no-untyped-def]
    out, _ = succeeds(
        capsys,
        ["epoch", "price", name, "--database", str(path), "--draws", "500", "--chains", "1",
         "--format", "json", "-q"],
    )  # fmt: skip
    return float(json.loads(out)["outputs"]["amortized_cost"]["median"])


def test_odd_but_valid_exports_price_the_record_the_same(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A byte-order mark, CRLF lines, columns reordered and padded, unknown columns, quoted
    cells and a record whose name needs quoting: the same record, the same figures."""
    plain = tmp_path / "plain.csv"
    plain.write_text(ROW, encoding="utf-8")
    expected = _median(capsys, plain)
    import csv
    import io

    row = next(csv.DictReader(io.StringIO(ROW)))
    columns = [*reversed(list(row)), "An unknown column"]
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([f"  {c} " for c in columns])
    writer.writerow([row.get(c, "x, y") for c in columns])
    odd = tmp_path / "odd.csv"
    odd.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))
    assert _median(capsys, odd) == expected
    # a name with a comma, quotes and non-ASCII letters: found, priced the same
    name = 'Llama "3.1", 405B – Ünïcode'
    renamed = tmp_path / "renamed.csv"
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(list(row))
    writer.writerow([name if c == "Model" else v for c, v in row.items()])
    renamed.write_text(buf.getvalue(), encoding="utf-8")
    assert _median(capsys, renamed, name) == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["odd.csv", "plain.csv", "renamed.csv"]


def test_a_name_in_another_unicode_form_is_not_found_by_accident(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """'Café' composed in the file, decomposed on the command line: one clear line, not a
    different record."""
    path = tmp_path / "db.csv"
    path.write_text(f"{HEADER}\n{LLAMA.replace(NAME, 'Caf\u00e9')}\n", encoding="utf-8")
    err = clear_error(
        capsys, ["epoch", "price", "Cafe\u0301", "--database", str(path), "-q"], "no record named"
    )
    assert err.startswith(PREFIX)


ALPHAZERO = next(
    line for line in DB.read_text(encoding="utf-8").splitlines() if line.startswith("AlphaZero,")
)


@pytest.mark.parametrize(
    ("record", "shares", "fragments"),
    [
        (LLAMA, ["tpu-v2=0.5"], ("shares are for a record on several hardware types; this one runs on NVIDIA H100 SXM5 80GB alone",)),
        (LLAMA, ["h100-sxm5=0.5"], ("this one runs on NVIDIA H100 SXM5 80GB alone: leave them out",)),
        (ALPHAZERO, ["h100-sxm5=0.5", "tpu-v1=0.5"], ("a share for h100-sxm5, which this record does not run on", "Google TPU v2 (tpu-v2)")),
        (ALPHAZERO, ["tpu-v2=0.5"], ("no share for 'Google TPU v1': give one for each type",)),
        (ALPHAZERO, ["tpu-v2=0.7", "tpu-v1=0.7"], ("the shares sum to 1.4, not 1: Google TPU v2 0.7 + Google TPU v1 0.7",)),
        (ALPHAZERO, [], ("several hardware types (Google TPU v2 (tpu-v2), Google TPU v1 (tpu-v1)) without their shares",)),
    ],
    ids=["share of hardware the record lacks", "share below 1 of the only hardware", "one share of other hardware",
         "a share missing", "shares summing to 1.4", "no shares for two types"],
)  # fmt: skip
def test_hostile_shares(
    capsys, tmp_path: Path, record: str, shares: list[str], fragments: tuple[str, ...]
) -> None:  # type: ignore[no-untyped-def]
    """A share the record cannot use is an error, never silently ignored."""
    path = tmp_path / "db.csv"
    path.write_text(f"{HEADER}\n{record}\n", encoding="utf-8")
    name = record.split(",")[0]
    argv = ["epoch", "price", name, "--database", str(path), "--draws", "100", "-q"]
    for s in shares:
        argv += ["--share", s]
    clear_error(
        capsys,
        argv,
        f"{name} (line 2): cannot price" if "fleet" not in fragments[0] else name,
        *fragments,
        folder=tmp_path,
    )


def test_a_comparison_too_long_in_all_is_refused_before_it_starts(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """100 records of 2e10 draws each: every record alone is within the time limit, the
    comparison is not."""
    mistral = next(
        line
        for line in DB.read_text(encoding="utf-8").splitlines()
        if line.startswith("Mistral Large,")
    )
    rows = [mistral.replace("Mistral Large", f"M{i}", 1) for i in range(100)]
    path = tmp_path / "db.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    clear_error(
        capsys,
        ["epoch", "compare", "--database", str(path), "--draws", "1e10", "-q"],
        "epoch compare of 100 records: 2,000,000,000,000 draws would take at least",
        "FRONTIERCOST_MAX_SECONDS",
        folder=tmp_path,
    )


def test_a_comparison_keeps_to_its_max_time(capsys) -> None:  # type: ignore[no-untyped-def]
    """--max-time, which the refusal suggests, is a flag of epoch compare too."""
    argv = ["epoch", "compare", "--database", str(DB), "--draws", "1e7", "--max-time", "1", "-q"]
    clear_error(
        capsys,
        argv,
        "draws would take at least",
        "more than the limit of 1 s",
        "--max-time",
    )
