"""Published figures (``[reference]``): several per output, bounds, bases, dollars, positions.

Sources of truth: the definitions of docs/scenarios.md ``[reference]`` (a
value's percentile is 100 P(X <= v) over the draws; a bound's probability
P(X < b) or P(X > b)); the price index PCU518210518210 (2023-12: 119.029,
2025-06: 123.659) for converting a figure's dollars; GPT-4's published
amortized cost, $40.59 M in 2023 USD (docs/model.md §6.1).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from frontiercost import load_scenario, simulate
from frontiercost.analysis.references import reference_positions
from frontiercost.cli import main
from frontiercost.errors import ScenarioError

BASE = """[scenario]
title = "refs"
published = 2023-03-15
dollars = "2025-06"

[hardware]
chip = "a100-sxm4-40gb"
price_year = 2020

[parameters]
chip_count = {{ prior = "chip_count_multiplier", times = 25000 }}
training_hours = {{ prior = "training_time_multiplier", times = 2280 }}

{reference}
"""
FIGURES = """[reference]
acquisition_cost = { value = 8e8, source = "single form" }

[[reference.amortized_cost]]
value = 40.59e6
dollars = 2023
label = "paper"
source = "Cottier et al. 2024 v2; docs/model.md §6.1"

[[reference.amortized_cost]]
below = 1e8
basis = "claim"
source = "a claim: under $100M"

[[reference.amortized_cost]]
above = 1e7
source = "a bound from below"
"""


def _path(tmp_path: Path, reference: str = FIGURES) -> Path:
    path = tmp_path / "refs.toml"
    path.write_text(BASE.format(reference=reference), encoding="utf-8")
    return path


def test_several_figures_per_output(tmp_path: Path) -> None:
    sc = load_scenario(_path(tmp_path))
    refs = sc.references
    assert [(r.output, r.kind) for r in refs] == [
        ("acquisition_cost", "value"),
        ("amortized_cost", "value"),
        ("amortized_cost", "below"),
        ("amortized_cost", "above"),
    ]
    acq, paper, claim, _ = refs
    assert acq.basis == "acquisition" and acq.compared == acq.value and not acq.conversion
    assert paper.basis == "amortized" and paper.dollars == "2023-12" and paper.name == "paper"
    assert paper.compared == pytest.approx(40.59e6 * 123.659 / 119.029)
    assert claim.basis == "claim"
    # the single-figure view: the first value figure of each output
    assert set(sc.reference) == {"acquisition_cost", "amortized_cost"}
    assert sc.reference["amortized_cost"] is paper


def test_a_year_of_the_index_is_its_december_or_its_last_month(tmp_path: Path) -> None:
    # 2025: the index ends in 2025-06, so the year means that month, and says so
    text = "[reference]\namortized_cost = { value = 1e7, dollars = 2025, source = 'x' }"
    (ref,) = load_scenario(_path(tmp_path, text)).references
    assert ref.dollars == "2025-06" and ref.compared == 1e7
    path = _path(tmp_path, text.replace("dollars = 2025", "dollars = 2024"))
    path.write_text(path.read_text().replace('dollars = "2025-06"', "dollars = 2025"))
    sc = load_scenario(path)  # the scenario's dollars = 2025 too
    assert sc.dollars == "2025-06" and "2025: the index's last month" in sc.meta["dollar_note"]
    (ref,) = sc.references
    assert ref.dollars == "2024-12" and ref.compared == pytest.approx(1e7 * 123.659 / 119.349)
    accepted = "accepted: a month 2000-12 to 2025-06, or a year 2000-2025 (its December; 2025"
    with pytest.raises(ScenarioError, match=r"2026-12 is outside .*" + re.escape(accepted)):
        load_scenario(_path(tmp_path, text.replace("dollars = 2025", "dollars = 2026")))


def test_a_dated_figure_in_a_nominal_scenario_is_converted_to_its_month(tmp_path: Path) -> None:
    text = "[reference]\namortized_cost = { value = 40.59e6, dollars = 2023, source = 'x' }"
    path = _path(tmp_path, text)
    path.write_text(path.read_text().replace('dollars = "2025-06"\n', ""))
    sc = load_scenario(path)
    assert sc.dollars == "nominal"
    (ref,) = sc.references
    # nominal dollars are the publication month's (2023-03)
    assert "-> 2023-03 USD (nominal: the publication month)" in ref.conversion
    assert ref.compared == pytest.approx(40.59e6 * 117.766 / 119.029)  # 2023-12 -> 2023-03
    # no publication date: no month to convert to, and a note says so
    text = path.read_text().replace("published = 2023-03-15", "year = 2023.2")
    path.write_text(text.replace("[parameters]", "[parameters]\nhardware_age = 2.0"))
    sc = load_scenario(path)
    (ref,) = sc.references
    assert ref.compared == ref.value
    assert any("compared as it is" in n and "give scenario.published" in n for n in sc.notes)


def test_a_publication_after_the_index_names_nominal_month(tmp_path: Path) -> None:
    path = _path(tmp_path, "")
    path.write_text(path.read_text().replace("2023-03-15", "2025-09-01"))
    with pytest.raises(ScenarioError, match=r"scenario.published: 2025-09, the month of the"
                       r" inputs' prices, is outside .* set scenario.nominal_month"):  # fmt: skip
        load_scenario(path)
    path.write_text(
        path.read_text().replace("[hardware]", 'nominal_month = "2025-06"\n\n[hardware]')
    )
    assert load_scenario(path).priors["inflation_factor"].central == 1.0


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        (
            "[reference]\namortized_cost = { value = 1, below = 2, source = 'x' }",
            "amortized_cost: give one of value, below",
        ),
        (
            "[[reference.amortized_cost]]\nvalue = 1\nsource = 'x'\n"
            "[[reference.amortized_cost]]\nvalue = 2\n",
            "amortized_cost[2]: source is required",
        ),
        (
            "[reference]\namortized_cost = { value = 1, basis = 'rental', source = 'x' }",
            "basis 'rental'; accepted: amortized, cloud, acquisition, claim",
        ),
        (
            "[reference]\namortized_cost = { value = 1, dollars = '2023', source = 'x' }",
            "expected a month such as",
        ),
        (
            "[reference]\namortized_cost = { value = 1, dollar = 2023, source = 'x' }",
            "unknown key 'dollar' (did you mean 'dollars'?)",
        ),
    ],
)
def test_mistakes_name_file_line_and_key(tmp_path: Path, reference: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=re.escape(message)) as err:
        load_scenario(_path(tmp_path, reference))
    assert re.match(r".*refs\.toml:\d+ amortized_cost(\[\d\])?: ", str(err.value)), str(err.value)


def test_positions_are_percentiles_and_probabilities(tmp_path: Path) -> None:
    sc = load_scenario(_path(tmp_path))
    tree = simulate(sc, draws=4000, chains=2, seed=2)
    recs = reference_positions(tree, sc.references, sc.outputs, {"amortized_cost": 4e7})
    x = np.sort(tree["posterior"]["amortized_cost"].values.ravel())
    acq = np.sort(tree["posterior"]["acquisition_cost"].values.ravel())
    by = {(r["output"], r["kind"]): r for r in recs}
    assert by["acquisition_cost", "value"]["percentile"] == pytest.approx(
        100 * np.mean(acq <= 8e8)
    )
    paper = by["amortized_cost", "value"]
    assert paper["percentile"] == pytest.approx(100 * np.mean(x <= paper["compared"]))
    assert paper["point_ratio"] == pytest.approx(4e7 / paper["compared"])
    assert by["amortized_cost", "below"]["probability"] == pytest.approx(np.mean(x < 1e8))
    assert by["amortized_cost", "above"]["probability"] == pytest.approx(np.mean(x > 1e7))
    assert by["amortized_cost", "below"]["percentile"] is None


def test_streaming_positions_match_the_draws(tmp_path: Path) -> None:
    """From the histogram: within one bin (0.39 % of the value), so within ~0.5 points here."""
    sc = load_scenario(_path(tmp_path))
    stored = simulate(sc, draws=20_000, chains=2, seed=4)
    streamed = simulate(sc, draws=20_000, chains=2, seed=4, store=False)
    a = reference_positions(stored, sc.references, sc.outputs)
    b = reference_positions(streamed, sc.references, sc.outputs)
    for ra, rb in zip(a, b, strict=True):
        key = "percentile" if ra["kind"] == "value" else "probability"
        scale = 1 if key == "percentile" else 100
        assert scale * rb[key] == pytest.approx(scale * ra[key], abs=0.5)


def test_run_json_and_table_show_the_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _path(tmp_path)
    assert (
        main(["-q", "run", str(path), "--draws", "2000", "--chains", "2", "--format", "json"]) == 0
    )
    record = json.loads(capsys.readouterr().out)
    refs = record["references"]
    assert [r["kind"] for r in refs] == ["value", "value", "below", "above"]
    assert refs[1]["dollars"] == "2023-12" and "PCU518210518210" in refs[1]["conversion"]
    assert record["outputs"]["amortized_cost"]["units"] == "USD"
    assert main(["run", str(path), "--draws", "2000", "--chains", "2"]) == 0
    table = capsys.readouterr().out
    assert "published figure" in table and "P(below) =" in table and "percentile" in table


def test_a_reference_without_a_label_is_named_by_its_whole_first_clause() -> None:
    """Cut at 60 characters, GPT-4's eight figures read "... §6.2 ref_amortized_202"."""
    from frontiercost.scenarios.reference import Reference

    src = "Cottier et al. 2024 v2, docs/model.md §6.2 ref_amortized_2023usd; table 3"
    assert Reference(1.0, src).name == src.split(";")[0]
    long = "word " * 30
    name = Reference(1.0, long).name
    assert name.endswith(" …") and len(name) <= 82 and "wor …" not in name
