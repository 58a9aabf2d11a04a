"""The documentation and the citations: they cannot drift from the code.

- Nothing shipped in the package (``frontiercost/**``, TOML and templates
  included), nor ``docs/*.md`` or ``README.md``, cites a file outside the
  repository (``MODEL.md``, ``DESIGN.md``, the data folder beside the
  repository, a ``data/*.csv`` beside them) or an issue number: users have neither.
- Every ``docs/model.md §N`` and ``docs/architecture.md §N`` cited in the
  repository names a section that exists.
- docs/model.md §4.2-4.10 list every prior of the library with its numbers,
  and §2 names every quantity of the model.
- docs/architecture.md §2's import table is the package's import graph (as
  ``tests/test_layers.py`` reads it).
- ``tests/data/README.md`` describes every reference file, and no test reads
  reference data from outside the repository.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from frontiercost.model import QUANTITIES

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "frontiercost"
MODEL_DOC = ROOT / "docs" / "model.md"
ARCH_DOC = ROOT / "docs" / "architecture.md"
LIBRARY = PACKAGE / "priors" / "library"

# The folder beside the repository, spelled in two parts so that this file, which
# only looks for it, does not itself read as a test that reaches outside.
SIBLING = "sh" + "ared"
# Files outside the repository, and issue numbers, that users cannot look up.
OUTSIDE = re.compile(
    rf"MODEL\.md|DESIGN\.md|STYLE\.md|\.\./{SIBLING}|/work/{SIBLING}"
    r"|(?<![\w/])data/[\w-]+\.csv|[Ii]ssue #\d"
)
BINARY = {".pyc", ".nbi", ".nbc"}


def _shipped_and_docs() -> list[Path]:
    files = [
        p
        for p in PACKAGE.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in BINARY
    ]
    return sorted(files) + sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]


def test_nothing_users_see_cites_files_outside_the_repository() -> None:
    bad = []
    for path in _shipped_and_docs():
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            m = OUTSIDE.search(line)
            if m:
                bad.append(f"{path.relative_to(ROOT)}:{n}: {m.group(0)!r} in {line.strip()!r}")
    assert not bad, "cite docs/model.md or docs/architecture.md instead:\n" + "\n".join(bad)


def test_the_check_finds_what_it_looks_for() -> None:
    for text in ("MODEL.md §4", "see DESIGN.md", f"../{SIBLING}/data/x.csv", "(issue #6)",
                 "data/frontier_models.csv"):  # fmt: skip
        assert OUTSIDE.search(text), text
    for text in ("docs/model.md §4", "tests/data/frontier_models.csv", "an issue"):
        assert not OUTSIDE.search(text), text


def _sections(doc: Path) -> dict[str, str]:
    """Section number (``"3"``, ``"3.2"``) -> its text up to the next numbered heading."""
    parts = re.split(r"^#{2,3} (\d+(?:\.\d+)?)\.? .*$", doc.read_text("utf-8"), flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


CITATION = re.compile(r"docs/(model|architecture)\.md\s+§(\d+(?:\.\d+)?)")


def test_every_cited_section_exists() -> None:
    sections = {"model": set(_sections(MODEL_DOC)), "architecture": set(_sections(ARCH_DOC))}
    assert {"1", "2", "3.2", "4.1", "4.10", "5", "6.7", "8"} <= sections["model"]
    files = [ROOT / "README.md"] + [
        p
        for folder in ("frontiercost", "docs", "tests", "scripts", "benchmarks")
        for p in sorted((ROOT / folder).rglob("*"))
        if p.suffix in {".py", ".toml", ".md", ".html"} and "__pycache__" not in p.parts
    ]
    bad = []
    for path in files:
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            for doc, number in CITATION.findall(line):
                if number not in sections[doc]:
                    bad.append(f"{path.relative_to(ROOT)}:{n}: docs/{doc}.md §{number}")
    assert not bad, "no such section:\n" + "\n".join(bad)


# --- docs/model.md §4.2-4.10: the prior library, entry by entry ---------------------------

LIBRARY_SECTIONS = {
    "run.toml": "4.2",
    "hardware.toml": "4.3",
    "utilization.toml": "4.4",
    "energy.toml": "4.5",
    "cloud.toml": "4.6",
    "rd.toml": "4.7",
    "staff.toml": "4.8",
    "schedule.toml": "4.9",
    "growth.toml": "4.10",
}
NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:e[+-]?\d+)?")


def _rows(text: str) -> dict[str, list[str]]:
    rows = {}
    for line in text.splitlines():
        m = re.match(r"^\| `([a-z0-9_]+)` \|(.*)\|$", line)
        if m:
            rows[m.group(1)] = [c.strip() for c in m.group(2).split("|")]
    return rows


def test_every_library_file_has_its_section() -> None:
    assert set(LIBRARY_SECTIONS) == {p.name for p in LIBRARY.glob("*.toml")}


@pytest.mark.parametrize("file", sorted(LIBRARY_SECTIONS))
def test_model_doc_lists_every_library_prior_with_its_numbers(file: str) -> None:
    section = LIBRARY_SECTIONS[file]
    specs = tomllib.loads((LIBRARY / file).read_text("utf-8"))
    rows = _rows(_sections(MODEL_DOC)[section])
    assert set(rows) == set(specs), f"docs/model.md §{section} lists other priors than {file}"
    for name, spec in specs.items():
        family, interval, central, unit = rows[name][:4]
        assert family == spec["family"], name
        assert unit == spec["unit"], name
        shown = [float(x.replace(",", "")) for x in NUMBER.findall(f"{interval} {central}")]
        for key in ("p5", "p95", "lower", "upper", "value", "central"):
            if key in spec:
                want = float(spec[key])
                assert any(x == pytest.approx(want, rel=1e-5, abs=1e-12) for x in shown), (
                    f"docs/model.md §{section} {name}: {key} = {want} not shown in {shown}"
                )
        if "central" not in spec and spec["family"] != "fixed":
            assert central == "median", name


def test_model_doc_names_every_quantity() -> None:
    text = _sections(MODEL_DOC)["2"] + "".join(
        t for k, t in _sections(MODEL_DOC).items() if k.startswith("2.")
    )
    missing = [name for name in QUANTITIES if f"`{name}`" not in text]
    assert not missing, f"docs/model.md §2 does not name {missing}"


# --- docs/architecture.md §2: who imports whom ---------------------------------------------


def test_architecture_import_table_is_the_import_graph() -> None:
    from test_layers import _graph, _unit  # the layer test's reading of the imports

    actual: dict[str, set[str]] = {}
    for module, edges in _graph().items():
        mine = _unit(module)
        actual.setdefault(mine, set())
        actual[mine] |= {_unit(t) for _, t in edges if _unit(t) != mine}
    skip = {"errors", "_version"}
    table = {}
    for line in _sections(ARCH_DOC)["2"].splitlines():
        m = re.match(r"^\| `([\w]+)` \| (.*) \|$", line)
        if m:
            table[m.group(1)] = set(re.findall(r"`(\w+)`", m.group(2)))
    for unit, imports in actual.items():
        imports = imports - skip
        if unit in skip or (not imports and unit not in table):
            continue
        assert table.get(unit) == imports, (
            f"docs/architecture.md §2: {unit} imports {sorted(imports)}, "
            f"the table says {sorted(table.get(unit, ()))}"
        )
    assert set(table) <= set(actual), sorted(set(table) - set(actual))


# --- tests/data ------------------------------------------------------------------------


def test_data_readme_describes_every_file() -> None:
    data = ROOT / "tests" / "data"
    readme = (data / "README.md").read_text("utf-8")
    files = sorted(p.name for p in data.iterdir() if p.name != "README.md")
    assert files, "tests/data is empty"
    missing = [f for f in files if f"`{f}`" not in readme]
    assert not missing, f"tests/data/README.md does not describe {missing}"


def test_no_test_reads_reference_data_from_outside_the_repository() -> None:
    outside = re.compile(rf"""["']\.\./{SIBLING}|/\s*["']{SIBLING}["']|["']/work/""")
    bad = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        if path == Path(__file__).resolve():  # its own examples of what to refuse
            continue
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if outside.search(line):
                bad.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not bad, "read tests/data instead:\n" + "\n".join(bad)
