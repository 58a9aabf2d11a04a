"""The HTML report (``frontiercost.analysis.report``).

Sources of truth: Python's ``html.parser`` (the file parses, tags nest),
Pillow (embedded figures decode as PNG), the scenario and its point
estimate (what the tables must show), and headless Chromium when one is
installed (``scripts/check_report.py``).
"""

from __future__ import annotations

import base64
import html
import importlib.util
import io
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

import frontiercost as fc
from frontiercost._files import with_digest
from frontiercost.analysis.format import format_value
from frontiercost.analysis.report import headline_output
from frontiercost.errors import FrontiercostError
from frontiercost.run import report

SCENARIOS = {
    # name: (headline output, sections the report must have); "figures": published
    # figures ([reference]) and where they fall in the run, a table without an image
    "gpt-4": ("amortized_cost", {"components", "figures"}),
    "gpt-4-development": ("development_cost", {"components"}),
    "frontier-run-2025-2030": ("projected_cost_2027", {"projection"}),
    "openai-2024-lab-year": ("total_compute_cost", {"components", "figures"}),
}
ALWAYS = {"summary", "headline", "sensitivity", "priors", "run"}
VOID = {"meta", "img", "br", "hr", "link", "input", "source", "wbr", "col", "area", "base"}
ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow  # every test samples and renders a full report (seconds each)


def write_report(scenario, path, **kw):  # type: ignore[no-untyped-def]
    """``frontiercost.run.report`` writing ``path``; returns the path."""
    report(scenario, path, **kw)
    return Path(path)


def report_html(scenario, **kw):  # type: ignore[no-untyped-def]
    """``frontiercost.run.report``'s page, written nowhere."""
    return report(scenario, **kw)


class _Page(HTMLParser):
    """Collects tags, attributes, ids, tables and text; checks that tags nest."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.sections: list[str] = []
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None
        self.text: list[str] = []
        self.style = ""
        self._in_style = False
        self.doctype = ""

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "section":
            self.sections.append(str(a.get("id")))
        if tag == "table":
            self.tables.append([])
        if tag == "tr" and self.tables:
            self.tables[-1].append([])
        if tag in ("td", "th"):
            self._cell = []
        if tag == "style":
            self._in_style = True
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self.tables:
            self.tables[-1][-1].append(" ".join(" ".join(self._cell).split()))
            self._cell = None
        if tag == "style":
            self._in_style = False
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else ''}>")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.style += data
        if self._cell is not None:
            self._cell.append(data)
        self.text.append(data)


def _parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    page.close()
    return page


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("reports")
    return {
        name: write_report(name, out / f"{name}.html", draws=600, chains=2, seed=3)
        for name in SCENARIOS
    }


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_report_parses_and_nests(reports: dict[str, Path], name: str) -> None:
    text = reports[name].read_text(encoding="utf-8")
    page = _parse(text)
    assert page.doctype.lower() == "doctype html"
    assert page.errors == [] and page.stack == []
    assert [t for t, _ in page.tags[:3]] == ["html", "head", "meta"]


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_report_is_self_contained(reports: dict[str, Path], name: str) -> None:
    page = _parse(reports[name].read_text(encoding="utf-8"))
    for tag, attrs in page.tags:
        assert tag not in ("script", "link", "iframe", "object", "embed"), tag
        for key in ("src", "href", "srcset", "action", "data", "poster"):
            value = attrs.get(key)
            if value is None:
                continue
            assert value.startswith(("data:", "#")), f"<{tag} {key}={value[:60]!r}>"
        for key, value in attrs.items():
            assert not re.search(r"(https?|ftp):|//", str(value or "")[:200]), (tag, key)
    assert "url(" not in page.style and "@import" not in page.style
    assert "@font-face" not in page.style


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_report_sections_and_figures(reports: dict[str, Path], name: str) -> None:
    headline, extra = SCENARIOS[name]
    page = _parse(reports[name].read_text(encoding="utf-8"))
    assert set(page.sections) == ALWAYS | extra
    assert page.sections[0] == "summary" and page.sections[-1] == "run"
    imgs = [a for t, a in page.tags if t == "img"]
    # distribution, exceedance, tornado, plus components or projection
    assert len(imgs) == 3 + len(extra - {"figures"})
    for a in imgs:
        src = str(a["src"])
        assert src.startswith("data:image/png;base64,")
        data = base64.b64decode(src.split(",", 1)[1], validate=True)
        with Image.open(io.BytesIO(data)) as im:
            im.verify()
        with Image.open(io.BytesIO(data)) as im:
            assert im.format == "PNG"
            assert im.size == (int(str(a["width"])), int(str(a["height"])))
            pixels = np.asarray(im.convert("L"))
        assert pixels.std() > 10  # not a blank image
        assert a.get("alt")
    h2 = [t for t in page.text if t.startswith("Distribution of ")]
    assert f"Distribution of {headline}" in h2


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_report_tables(reports: dict[str, Path], name: str) -> None:
    sc = fc.load_scenario(name)
    point = fc.evaluate(sc)
    page = _parse(reports[name].read_text(encoding="utf-8"))
    summary = page.tables[0]
    header = summary[0]
    assert header[:5] == ["output", "unit", "median", "mean", "90% interval"]
    assert "point" in header
    rows = {r[0].split()[0]: r for r in summary[1:]}
    assert list(rows) == list(sc.outputs)
    col = header.index("point")
    for out in sc.outputs:
        unit = rows[out][1]
        assert rows[out][col] == format_value(float(point[out]), unit, show_unit=False)
        if unit == "USD":
            assert all(rows[out][i].startswith("$") for i in (2, 3, col))
    priors_table = next(t for t in page.tables if t and t[0][:2] == ["prior", "family"])
    priors = sc.input_priors()
    # uncertain priors first, then fixed ones, each in model order
    expected = [n for n, p in priors.items() if p.family != "fixed"]
    expected += [n for n, p in priors.items() if p.family == "fixed"]
    assert [r[0].split()[0] for r in priors_table[1:]] == expected
    for row in priors_table[1:]:
        p = priors[row[0].split()[0]]
        assert row[1] == p.family
        if p.family != "fixed":
            lo = format_value(float(p.ppf(0.05)), p.unit, show_unit=False)
            assert row[3].startswith(lo + " – ")
    tornado_table = next(t for t in page.tables if t and t[0][:2] == ["prior", "p5 – p95"])
    assert len(tornado_table) > 1
    assert all(re.fullmatch(r"[+-]\d\.\d\d|", r[-1]) for r in tornado_table[1:])


def test_report_metadata_and_reproduce_command(reports: dict[str, Path]) -> None:
    text = reports["gpt-4"].read_text(encoding="utf-8")
    page = _parse(text)
    body = html.unescape(" ".join(page.text))
    assert "frontiercost report gpt-4 --draws 600 --chains 2 --seed 3 --out report.html" in body
    assert "fc.simulate('gpt-4', draws=600, chains=2, seed=3, sampler='mc')" in body
    assert f"frontiercost {fc.__version__}" in body or fc.__version__ in body
    assert "1,200" in body  # draws in all
    # the scenario's sources and the scenario file itself
    sc = fc.load_scenario("gpt-4")
    for source in sc.meta["sources"]:
        assert source in body
    assert "[parameters]" in body


def test_report_size_for_gpt4(reports: dict[str, Path]) -> None:
    size = reports["gpt-4"].stat().st_size
    assert 50_000 < size < 1_500_000


def test_headline_output() -> None:
    for name, (headline, _) in SCENARIOS.items():
        assert headline_output(fc.load_scenario(name)) == headline


def test_text_from_a_scenario_is_escaped(tmp_path: Path) -> None:
    text = (ROOT / "frontiercost/scenarios/library/models/gpt-4.toml").read_text("utf-8")
    text = text.replace('title = "GPT-4"', 'title = "GPT-4 <script>alert(1)</script> & co"')
    text = text.replace('tags = ["frontier-model"]', 'tags = ["<b>bold</b>"]')
    path = tmp_path / "evil scenario.toml"
    path.write_text(text, "utf-8")
    out = write_report(path, tmp_path / "r.html", draws=200, chains=1)
    page_text = out.read_text("utf-8")
    page = _parse(page_text)
    assert page.errors == []
    assert not any(t in ("script", "b") for t, _ in page.tags)
    assert "GPT-4 &lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page_text
    # a scenario file is reproduced by its (quoted) path
    assert f"frontiercost report '{path}'" in html.unescape(page_text)


def test_output_override(tmp_path: Path) -> None:
    text = report_html("gpt-4", draws=300, chains=1, output="cloud_cost")
    assert "Distribution of cloud_cost" in text
    with pytest.raises(FrontiercostError, match=r"output: 'nope' is not an output.*accepted"):
        report_html("gpt-4", draws=300, chains=1, output="nope")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"draws": 0}, "draws: must be a positive integer"),
        ({"draws": 5_000_000, "chains": 4}, "a report keeps every draw"),
        ({"chains": 1.5}, "chains: must be a positive integer"),
        ({"seed": -1}, r"seed: must be an integer in \[0, 2\*\*63\)"),
        ({"ci_prob": 1.2}, "ci_prob: must be a number in"),
        ({"sampler": "sobol"}, "sampler: unknown sampler 'sobol'; accepted: mc, qmc, lhs"),
    ],
)
def test_rejects_bad_arguments(tmp_path: Path, kwargs: dict, match: str) -> None:
    with pytest.raises(FrontiercostError, match=match):
        write_report("gpt-4", tmp_path / "r.html", **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_rejects_bad_paths_and_scenarios(tmp_path: Path) -> None:
    with pytest.raises(FrontiercostError, match="does not exist"):
        write_report("gpt-4", tmp_path / "no" / "r.html")
    with pytest.raises(FrontiercostError, match="is a directory"):
        write_report("gpt-4", tmp_path)
    with pytest.raises(FrontiercostError, match=r"unknown scenario 'gpt-5'.*did you mean"):
        write_report("gpt-5", tmp_path / "r.html")


UNDIGESTED = '<!DOCTYPE html><meta name="generator" content="frontiercost 0.0">old report'
OLD_REPORT = with_digest(UNDIGESTED, html=True)


def test_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "r.html"
    target.write_text(OLD_REPORT, "utf-8")

    def boom(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        write_report("gpt-4", target, draws=200, chains=1)
    assert target.read_text("utf-8") == OLD_REPORT
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]  # no temp file left


def test_write_replaces_an_existing_report(tmp_path: Path) -> None:
    target = tmp_path / "r.html"
    target.write_text(UNDIGESTED, "utf-8")
    # no digest line: written before digests, or its end edited (notes appended)
    with pytest.raises(fc.FrontiercostError, match="carries no digest line"):
        write_report("gpt-4", target, draws=200, chains=1)
    target.write_text(OLD_REPORT, "utf-8")
    assert write_report("gpt-4", target, draws=200, chains=1) == target  # ours: replaced
    assert target.read_text("utf-8").startswith("<!DOCTYPE html>")
    assert "old report" not in target.read_text("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]


def test_a_file_the_program_did_not_write_is_never_replaced(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """Only with overwrite=True (--overwrite), refused before any sampling."""
    from frontiercost.cli import main

    target = tmp_path / "notes.html"
    target.write_text("<p>my notes</p>", "utf-8")
    with pytest.raises(fc.FrontiercostError, match="is not a report this program wrote"):
        write_report("gpt-4", target, draws=200, chains=1)
    assert main(["report", "gpt-4", "--out", str(target), "--draws", "50"]) == 2
    assert "--out: " in capsys.readouterr().err
    assert target.read_text("utf-8") == "<p>my notes</p>"
    fc.report("gpt-4", target, draws=200, chains=1, overwrite=True)  # top-level, as simulate
    assert target.read_text("utf-8").startswith("<!DOCTYPE html>")


def test_conditioned_run_gets_a_prior_posterior_section() -> None:
    import xarray as xr

    from frontiercost.analysis.report import report_html as page_of

    # a stand-in for a conditioned run: the posterior is the prior's draws
    # pulled halfway to their median (exact width ratio 0.5)
    sc = fc.load_scenario("gpt-4")
    tree = fc.simulate(sc, draws=400, chains=1)
    prior = tree["posterior"].to_dataset()
    post = prior.copy()
    for n in post.data_vars:
        post[n] = prior[n].median() + 0.5 * (prior[n] - prior[n].median())
    tree = xr.DataTree.from_dict({"/": tree.to_dataset(), "prior": prior, "posterior": post})
    page = _parse(page_of(sc, tree, fc.evaluate(sc)))
    assert page.sections[:2] == ["summary", "conditioning"]
    table = next(t for t in page.tables if t and t[0][:3] == ["variable", "unit", "prior median"])
    rows = {r[0]: r for r in table[1:]}
    assert table[0][-2:] == ["shift (robust prior sd)", "width ratio"]
    assert rows["amortized_cost"][-1] == "0.50"
    assert rows["amortized_cost"][-2] in ("+0.00", "-0.00")  # medians unmoved
    assert "inflation_factor" not in rows  # fixed: nothing to compare
    assert [r[0] for r in table[1 : 1 + len(sc.outputs)]] == list(sc.outputs)


# --------------------------------------------------------------------------- headless browser


def _check_report_module() -> Any:
    spec = importlib.util.spec_from_file_location(
        "check_report", ROOT / "scripts" / "check_report.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_CHECK = _check_report_module()
_CHROMIUM = _CHECK.find_chromium()
needs_chromium = pytest.mark.skipif(
    _CHROMIUM is None,
    reason="no Chromium on PATH (apt-get install -y chromium); the browser check is skipped",
)


@pytest.mark.e2e  # a headless browser in a child process
@needs_chromium
@pytest.mark.parametrize(
    "name", ["gpt-4", pytest.param("frontier-run-2025-2030", marks=pytest.mark.slow)]
)
def test_report_renders_in_headless_chromium(tmp_path: Path, name: str) -> None:
    result = _CHECK.check(name, tmp_path, draws=500, chains=2, binary=_CHROMIUM)
    assert result["problems"] == []
    assert result["screenshot_stats"]["coloured"] > _CHECK.MIN_COLOURED
    assert set(result["dom"]["sections"]) == ALWAYS | SCENARIOS[name][1]


@pytest.mark.e2e  # a headless browser in a child process
@needs_chromium
def test_browser_check_fails_on_broken_figures(tmp_path: Path) -> None:
    # the check can fail: the same page with its images replaced by junk
    good = write_report("gpt-4", tmp_path / "good.html", draws=300, chains=1)
    broken = tmp_path / "broken.html"
    broken.write_text(
        re.sub(
            r"data:image/png;base64,[A-Za-z0-9+/=]+",
            "data:image/png;base64,AAAA",
            good.read_text("utf-8"),
        ),
        "utf-8",
    )
    shot = tmp_path / "broken.png"
    run = _CHECK._chromium(
        _CHROMIUM,
        tmp_path / "profile",
        f"--screenshot={shot}",
        "--window-size=1280,4000",
        broken.as_uri(),
    )
    assert run.returncode == 0
    assert _CHECK._screenshot_stats(shot)["coloured"] < _CHECK.MIN_COLOURED


def test_report_states_its_dollars_and_cloud_basis() -> None:
    page = html.unescape(report_html("new-run-h100-2025", draws=200, chains=1))
    assert "USD figures are in nominal dollars of the inputs' prices." in page
    assert "priced on the <em>contract</em> cloud basis (chip library h100-sxm5" in page
    page = html.unescape(report_html("gpt-4", draws=200, chains=1))
    assert "USD figures are in 2023-12 US dollars." in page


def test_a_report_past_its_time_limit_stops_between_sections(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """--max-time bounded the sampling only: `report --draws 1e6` took 50 s whatever the
    limit.  Now the sections check the clock, and the page is not written."""
    from types import SimpleNamespace

    from frontiercost import settings
    from frontiercost.errors import SimulationError
    from frontiercost.settings import Limits

    clock = [0.0]

    def tick() -> float:  # each look at the clock finds a second gone
        clock[0] += 1.0
        return clock[0]

    monkeypatch.setattr(settings, "time", SimpleNamespace(perf_counter=tick))
    page = tmp_path / "r.html"
    with pytest.raises(SimulationError) as err:
        fc.report("gpt-4", page, draws=1000, chains=1, limits=Limits(seconds=3.5))
    assert str(err.value) == (
        "gpt-4: the report: stopped before the Distribution of amortized_cost section: it has"
        " taken 4 s, more than the limit of 3.5 s; use fewer draws, or raise the limit"
        " (--max-time, Limits(seconds=...), FRONTIERCOST_MAX_SECONDS)"
    )
    assert not page.exists()


def test_a_report_edited_after_it_was_written_is_the_users(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """A report carries its digest on its last line; one annotated afterwards was replaced
    by the next run without a word, the notes lost."""
    from frontiercost.cli import main

    target = tmp_path / "r.html"
    write_report("gpt-4", target, draws=200, chains=1)
    assert re.fullmatch(
        r"<!-- frontiercost digest [0-9a-f]{32} -->", target.read_text("utf-8").splitlines()[-1]
    )
    write_report("gpt-4", target, draws=200, chains=1)  # unedited: ours, replaced
    page = target.read_text("utf-8")
    for notes, why in [
        (page + "my notes\n", "carries no digest line"),  # after the digest line
        ("\n".join(page.splitlines()[:-1]) + "\n", "carries no digest line"),  # line deleted
    ]:
        target.write_text(notes, "utf-8")
        with pytest.raises(fc.FrontiercostError, match=why):
            write_report("gpt-4", target, draws=200, chains=1)
        assert target.read_text("utf-8") == notes
    edited = page.replace("<h2>Summary</h2>", "<h2>Summary (mine)</h2>")
    target.write_text(edited, "utf-8")
    with pytest.raises(fc.FrontiercostError, match="has been edited since this program wrote"):
        write_report("gpt-4", target, draws=200, chains=1)
    assert main(["report", "gpt-4", "--out", str(target), "--draws", "50"]) == 2
    err = capsys.readouterr().err
    assert "has been edited since this program wrote it" in err and "--overwrite" in err
    assert target.read_text("utf-8") == edited
    write_report("gpt-4", target, draws=200, chains=1, overwrite=True)
    assert "(mine)" not in target.read_text("utf-8")
