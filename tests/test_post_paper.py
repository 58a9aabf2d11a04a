"""The post-paper models (``library/models/post-paper/``, README "Models after the paper").

Sources of truth: the figures each scenario file states from its developer's
report (DeepSeek-V3: 2,048 H800s, 2.788M GPU-hours, $2 per GPU-hour; DeepSeek-R1:
147K H800 GPU-hours; Llama 3.1 405B: 16,384 H100s, 30.84M GPU-hours; Llama 4
Behemoth: 390 TFLOP/s per GPU on 5.184e25 FLOP; Grok 4: 150,000 H100 + 50,000
H200), the pipeline's rules and constants as docs/model.md §8 states them (DGX
H100 $44,489.88 per GPU, H100 available 2022-12-19; interconnect 19 %;
0.14 OOM/yr; electricity 2024 $0.0771; PUE 1.10 for Meta, 1.25 otherwise; H100
cloud $4.86), the chip library's records (DGX H800 $44,750 per GPU of
2025-02-21, HGX H200 $270,565 / 8 of 2024-03-27; H800 server power 1.8 x TDP,
the pipeline's rule for other GPUs) and the price index PCU518210518210 (BLS:
2024-07 119.863, 2024-12 119.349, 2025-01 120.806, 2025-06 123.659). The hand
calculations below write the formulas out from those numbers; none reads our
own output.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import math
import re
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import frontiercost as fc
from frontiercost.analysis.references import reference_positions

ROOT = Path(__file__).resolve().parent.parent
FOLDER = resources.files("frontiercost.scenarios") / "library" / "models" / "post-paper"
NAMES = sorted(e.name[: -len(".toml")] for e in FOLDER.iterdir() if e.name.endswith(".toml"))
REQUIRED = {
    "llama-3-1-405b",
    "nemotron-4-340b",
    "deepseek-v3",
    "deepseek-r1",
    "grok-2",
    "grok-3",
    "grok-4",
    "llama-4-behemoth",
    "dbrx",
}
VIEWS = ("amortized_cost", "cloud_cost", "acquisition_cost")
# PCU518210518210 (BLS producer price index, data processing and hosting), by month
PCU = {"2024-07": 119.863, "2024-12": 119.349, "2025-01": 120.806, "2025-06": 123.659}
LN10 = math.log(10)
HOURS_PER_YEAR = 8766


def slug(name: str) -> str:
    """The paper's slug rule (scripts/make_frontier_scenarios.py)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _toml(name: str) -> dict[str, Any]:
    return tomllib.loads((FOLDER / f"{name}.toml").read_text("utf-8"))


@cache
def _generator() -> Any:
    spec = importlib.util.spec_from_file_location(
        "make_post_paper_table", ROOT / "scripts" / "make_post_paper_table.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the files ------------------------------------------------------------------------------


def test_the_required_models_are_there_and_listed_in_their_folder(capsys) -> None:  # type: ignore[no-untyped-def]
    from frontiercost.cli import main

    assert set(NAMES) >= REQUIRED
    assert set(NAMES) <= set(fc.list_scenarios())
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    assert re.search(rf"^post-paper \({len(NAMES)}\)$", out, re.M)
    assert re.search(r"^models \(41\)$", out, re.M)  # the paper's 41 stay apart


@pytest.mark.parametrize("name", NAMES)
def test_name_is_the_slug_of_the_model(name: str) -> None:
    """The file stem is the slug of the title without its parenthesis ("(preview)")."""
    title = fc.load_scenario(name).title
    assert name == slug(title.split(" (")[0])


@pytest.mark.parametrize("name", NAMES)
def test_file_cites_its_sources_and_every_parameter_has_one(name: str) -> None:
    data = _toml(name)
    sources = data["scenario"]["sources"]
    assert any(re.search(r"https?://", s) for s in sources), "cite at least one URL"
    for key, spec in data["parameters"].items():
        assert isinstance(spec, dict) and str(spec.get("source", "")).strip(), key
    for key, figures in data.get("reference", {}).items():
        for fig in figures if isinstance(figures, list) else [figures]:
            assert fig["source"] and fig.get("basis") and fig.get("dollars"), key


@pytest.mark.parametrize("name", NAMES)
def test_no_epoch_cost_figure_is_a_reference(name: str) -> None:
    """Epoch's cost cells of models published from 2024-03 are withheld from our copy of its
    database: a reference of such a model is a developer's claim, never an Epoch figure."""
    sc = fc.load_scenario(name)
    assert sc.meta["published"] >= dt.date(2024, 3, 1)
    for r in sc.references:
        assert r.basis == "claim" and "Epoch" not in r.source, r.source


@pytest.mark.parametrize("name", NAMES)
def test_tagged_post_paper_not_frontier_model(name: str) -> None:
    """The paper's trend is over its 41 models (tag frontier-model): these stay out of it."""
    tags = fc.load_scenario(name).meta["tags"]
    assert "post-paper" in tags and "frontier-model" not in tags


@pytest.mark.parametrize("name", NAMES)
def test_loads_evaluates_and_samples_to_finite_positive_costs(name: str) -> None:
    sc = fc.load_scenario(name)
    assert sc.notes == ()
    assert sc.meta["pipeline"] == "epoch-2025" and sc.dollars == "2025-06"
    assert set(VIEWS) <= set(sc.outputs)
    point = fc.evaluate(sc)
    for out in (*VIEWS, "chip_hours", "final_run_cost", "energy_cost"):
        v = float(point[out])
        assert math.isfinite(v) and v > 0, (out, v)
    tree = fc.simulate(sc, draws=200, chains=2, seed=1)
    post = tree["posterior"]
    for out in VIEWS:
        x = post[out].values
        assert np.isfinite(x).all() and (x > 0).all(), out
    pts = {o: float(point[o]) for o in VIEWS}
    refs = reference_positions(tree, sc.references, sc.outputs, pts)
    assert len(refs) == len(sc.references)
    for r in refs:
        assert r["kind"] == "value" and 0 <= r["percentile"] <= 100


@pytest.mark.parametrize("name", NAMES)
def test_every_chip_is_in_the_library_and_has_an_epoch_name(name: str) -> None:
    """So ``frontiercost epoch price`` of the same record reads the same chip."""
    from frontiercost.epoch.names import hardware_names
    from frontiercost.scenarios.chips import chip_library

    hw = _toml(name)["hardware"]
    chips = [hw["chip"]] if "chip" in hw else [m["chip"] for m in hw["fleet"]]
    mapped = {h.chip for h in hardware_names().values()}
    for chip in chips:
        assert chip in chip_library() and chip in mapped, chip


# --- point estimates by hand ------------------------------------------------------------------


def _age_days(published: dt.date, hours: int, available: dt.date) -> int:
    """docs/scenarios.md "Dates and hardware age": start = published - hours - 60 d."""
    start = dt.datetime.combine(published, dt.time()) - dt.timedelta(hours=hours, days=60)
    return max(0, (start - dt.datetime.combine(available, dt.time())).days)


def test_deepseek_v3_by_hand() -> None:
    """2.788M H800-hours x $2 = $5.576M (the report's own figure), in June-2025 dollars."""
    point = fc.evaluate("deepseek-v3")
    dollars = PCU["2025-06"] / PCU["2024-12"]
    hours = 2.788e6
    assert float(point["chip_hours"]) == pytest.approx(hours, rel=1e-12)
    assert float(point["cloud_cost"]) == pytest.approx(5.576e6 * dollars, rel=1e-9)
    # H800: no price record before the run (first: DGX H800 / 8 = $44,750, 2025-02-21): age 0
    hw = 44750 * hours * 0.14 * LN10 / HOURS_PER_YEAR / (1 - 0.19)
    energy = hours * 0.700 * 1.8 * 0.75 * 1.25 * 0.0771  # kW x server x avg power x PUE x $/kWh
    assert float(point["amortized_cost"]) == pytest.approx((hw + energy) * dollars, rel=1e-9)
    assert float(point["acquisition_cost"]) == pytest.approx(
        2048 * 44750 / (1 - 0.19) * dollars, rel=1e-9
    )


def test_deepseek_r1_by_hand() -> None:
    """147K H800-hours x $2 = $294K (Nature SI), from 2025-01 to June-2025 dollars."""
    point = fc.evaluate("deepseek-r1")
    assert float(point["chip_hours"]) == pytest.approx(147e3, rel=1e-12)
    assert float(point["cloud_cost"]) == pytest.approx(
        294e3 * PCU["2025-06"] / PCU["2025-01"], rel=1e-9
    )


def test_llama_3_1_405b_by_hand() -> None:
    """30.84M H100-hours on 16,384 GPUs, Meta's PUE, the H100's 2022 DGX price."""
    point = fc.evaluate("llama-3-1-405b")
    dollars = PCU["2025-06"] / PCU["2024-07"]
    hours = 30.84e6
    days = _age_days(dt.date(2024, 7, 23), int(hours / 16384), dt.date(2022, 12, 19))
    assert days == 443  # 2024-07-23 - 1,882 h - 60 d = 2024-03-06 14:00; 365 + 78 days
    value = 44489.88 * 10 ** (-0.14 * days / 365.25)
    hw = value * hours * 0.14 * LN10 / HOURS_PER_YEAR / (1 - 0.19)
    energy = hours * 1.275 * 0.75 * 1.10 * 0.0771  # DGX H100 1,275 W per GPU
    assert float(point["amortized_cost"]) == pytest.approx((hw + energy) * dollars, rel=1e-9)
    assert float(point["cloud_cost"]) == pytest.approx(4.86 * hours * dollars, rel=1e-9)
    assert float(point["usd_per_flop"]) == pytest.approx(
        float(point["amortized_cost"]) / 3.8e25, rel=1e-12
    )


def test_llama_4_behemoth_chip_hours_from_the_stated_throughput() -> None:
    """5.184e25 FLOP at 390 TFLOP/s per GPU (Meta): 36.9M GPU-hours."""
    point = fc.evaluate("llama-4-behemoth")
    assert float(point["chip_hours"]) == pytest.approx(6 * 288e9 * 30e12 / (390e12 * 3600))


def test_grok_4_fleet_acquisition_by_hand() -> None:
    """200,000 GPUs, 3/4 H100 at $44,489.88 and 1/4 H200 at $270,565 / 8 (first records),
    the H200's a baseboard lifted to server level by DGX H100 $41,217.00 / the same
    shop's H100 baseboard $33,819.37 (chips.toml)."""
    point = fc.evaluate("grok-4")
    per_gpu = 0.75 * 44489.88 + 0.25 * 270565 / 8 * 41217.00 / 33819.37
    # published 2025-07: after the price index's last month, read as 2025-06 (factor 1)
    assert float(point["acquisition_cost"]) == pytest.approx(200_000 * per_gpu / 0.81, rel=1e-6)
    # cloud: the type's share of the chip-hours at its own rate
    cloud = float(point["cloud_cost"]) / float(point["chip_hours"])
    assert cloud == pytest.approx(0.75 * 4.86 + 0.25 * 10.60 * (1 - 0.64), rel=1e-9)


# --- the README table -------------------------------------------------------------------------


def test_readme_table_is_rendered_from_the_committed_results() -> None:
    gen = _generator()
    results = gen.load_results()
    readme = (ROOT / "README.md").read_text("utf-8")
    assert gen.readme_with_table(readme, results) == readme, (
        "README.md: the post-paper table is stale; run scripts/make_post_paper_table.py"
    )
    assert gen.stale(results) == [], "run scripts/make_post_paper_table.py --run"
    assert [m["name"] for m in results["models"]] == sorted(
        NAMES, key=lambda n: (str(fc.load_scenario(n).meta["published"]), n)
    )


def test_the_check_fails_on_a_changed_table_or_scenario(tmp_path: Path) -> None:
    gen = _generator()
    results = gen.load_results()
    readme = (ROOT / "README.md").read_text("utf-8")
    head, table = readme.split(gen.START, 1)  # a figure of the table, not elsewhere
    doctored = head + gen.START + table.replace("percentile 51", "percentile 49", 1)
    assert doctored != readme and gen.readme_with_table(doctored, results) != doctored
    changed = {**results, "models": [dict(m) for m in results["models"]]}
    changed["models"][0]["fingerprint"] = "0" * 64
    assert gen.stale(changed) == [changed["models"][0]["name"]]


@pytest.mark.slow
def test_a_fresh_run_agrees_with_the_committed_results() -> None:
    """Same draws and seed: the same numbers on this platform; 5 % leaves room for another
    platform's random stream (the Monte Carlo error of a 5th or 95th percentile of 40,000
    draws is under 1.5 % for these spreads)."""
    gen = _generator()
    old = gen.load_results()
    new = gen.compute(old["draws"], old["chains"], old["seed"])
    assert [m["name"] for m in new["models"]] == [m["name"] for m in old["models"]]
    for a, b in zip(old["models"], new["models"], strict=True):
        assert a["views"].keys() == b["views"].keys()
        for view, stats in a["views"].items():
            for key, v in stats.items():
                assert b["views"][view][key] == pytest.approx(v, rel=0.05), (a["name"], view, key)
        for ra, rb in zip(a["references"], b["references"], strict=True):
            assert rb["percentile"] == pytest.approx(ra["percentile"], abs=2.0), a["name"]
