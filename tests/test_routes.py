"""Scenarios never change numbers silently: over-determined routes are refused, switches
a file does not state are notes (warned by simulate, shown by validate and run).

Source of truth: docs/scenarios.md (routes) and the model's ways (frontiercost.model.QUANTITIES).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import warnings
from pathlib import Path

import numpy as np
import pytest

import frontiercost as fc
from frontiercost import Scenario, ScenarioError, ScenarioWarning

H100 = {"chip": "h100", "price_year": 2024}
FOUR = {
    "scenario": {"title": "x", "year": 2024},
    "hardware": H100,
    "parameters": {
        "training_compute": 2.1e25,
        "chip_count": 25000,
        "training_hours": 2280,
        "utilization": 0.4,
        "hardware_age": 0.5,
    },
}


def test_compute_chips_time_and_utilization_together_are_refused() -> None:
    """The review's case: compute was ignored and cost per FLOP came from another compute."""
    with pytest.raises(ScenarioError, match=r"compute chip_hours as chip_count") as err:
        Scenario.from_dict(FOUR)
    # every conflict in one message, each with both ways, and the way out
    assert "usd_per_flop as amortized_cost" in str(err.value)
    assert "[routes] table" in str(err.value)


@pytest.mark.parametrize(
    "route",
    ["chip_count * training_hours", "training_compute / (peak_flops * utilization * 3600)"],
)
def test_a_route_chooses_and_the_choice_is_followed(route: str) -> None:
    data = copy.deepcopy(FOUR)
    data["routes"] = {"chip_hours": route.replace(" ", "  ")}  # spacing does not matter
    if route.startswith("chip_count"):
        # chip-hours from the cluster then disagree with the compute: cost per FLOP too
        data["routes"]["usd_per_flop"] = "amortized_cost / training_compute"
    sc = Scenario.from_dict(data)
    assert sc.routes()["chip_hours"] == route
    point = fc.evaluate(sc)
    if route.startswith("training_compute"):
        # cost per FLOP then divides by the given compute itself
        assert float(point["usd_per_flop"]) == pytest.approx(
            float(point["amortized_cost"]) / 2.1e25, rel=1e-12
        )


def test_bad_routes_name_the_accepted_formulas() -> None:
    data = copy.deepcopy(FOUR)
    data["routes"] = {"chip_hours": "chip_count * 2"}
    with pytest.raises(
        ScenarioError, match=r"not one of its formulas: 'chip_count \* training_hours'"
    ):
        Scenario.from_dict(data)
    data["routes"] = {"training_hours": "chip_hours / chip_count"}
    with pytest.raises(ScenarioError, match=r"is given in \[parameters\]|not a quantity"):
        Scenario.from_dict(data)


def test_a_switch_the_file_does_not_state_is_warned_and_recorded() -> None:
    data = {
        "scenario": {"title": "x", "year": 2024},
        "hardware": H100,
        "parameters": {"chip_count": 25000, "training_hours": 2280, "server_cost_factor": 1.6,
                       "hardware_age": 0.5},
    }  # fmt: skip
    sc = Scenario.from_dict(data)
    assert len(sc.notes) == 1 and sc.notes[0].startswith("chip_price is computed as")
    with pytest.warns(ScenarioWarning, match="chip_price is computed as bare_chip_price"):
        tree = fc.simulate(sc, draws=200, chains=1)
    assert json.loads(tree.attrs["notes"]) == list(sc.notes)
    data["routes"] = {"chip_price": "bare_chip_price * server_cost_factor"}
    assert Scenario.from_dict(data).notes == ()  # stated: no note


def test_a_cloud_final_cost_for_want_of_hardware_age_is_a_note() -> None:
    data = {
        "scenario": {"title": "x", "year": 2024},
        "hardware": H100,
        "parameters": {"chip_count": 25000, "training_hours": 2280},
    }
    sc = Scenario.from_dict(data)
    assert any("final_run_cost is the cloud cost" in n for n in sc.notes)
    data["scenario"]["cost_basis"] = "cloud"
    assert Scenario.from_dict(data).notes == ()


DATED = {
    "scenario": {"title": "dated", "published": dt.date(2023, 3, 15)},
    "hardware": {"chip": "a100-sxm4-40gb"},
    "parameters": {"chip_count": 25000, "training_hours": 2280},
}


def test_a_cost_view_left_unpriced_is_a_note_naming_what_it_needs() -> None:
    notes = Scenario.from_dict(copy.deepcopy(DATED)).notes
    assert [n.split(" is not computed")[0] for n in notes] == [
        "amortized_cost",
        "cloud_cost",
        "acquisition_cost",
    ]
    assert "the chip library gives no chip_price for this run" in notes[0]
    assert "hardware.price_year" in notes[0]
    assert "give cloud_price in [parameters]" in notes[1]
    priced = copy.deepcopy(DATED)
    priced["hardware"]["price_year"] = 2023
    sc = Scenario.from_dict(priced)
    assert sc.notes == () and {"amortized_cost", "cloud_cost", "acquisition_cost"} <= set(
        sc.outputs
    )


def test_a_view_the_pipeline_cannot_price_is_a_note() -> None:
    data = {
        "scenario": {"title": "b200", "published": dt.date(2025, 5, 1), "pipeline": "epoch-2025"},
        "hardware": {"chip": "b200"},
        "parameters": {"chip_count": 10000, "training_hours": 2000},
    }
    sc = Scenario.from_dict(copy.deepcopy(data))
    assert "cloud_cost" not in sc.outputs
    assert sc.notes == (
        "cloud_cost is not computed: the epoch-2025 pipeline gives no cloud_price for this"
        " run; give cloud_price in [parameters]",
    )
    data["parameters"]["cloud_price"] = 5.0
    sc = Scenario.from_dict(data)
    assert "cloud_cost" in sc.outputs and sc.notes == ()


def test_builtin_scenarios_state_every_switch() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in fc.list_scenarios():
            assert fc.load_scenario(name).notes == (), name


NOTE_FILE = """[scenario]
title = "switch"
year = 2024

[hardware]
chip = "h100-sxm5"
price_year = 2024

[parameters]
chip_count = 1000
training_hours = 1000
hardware_age = 0.5
interconnect_factor = 1.2
"""


@pytest.mark.e2e
@pytest.mark.parametrize(
    "argv",
    [["validate"], ["run", "--draws", "200", "--chains", "1"], ["scenarios"]],
)
def test_every_command_that_loads_a_scenario_says_its_notes_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str]
) -> None:
    from frontiercost.cli import main

    path = tmp_path / "switch.toml"
    path.write_text(NOTE_FILE, encoding="utf-8")
    assert main([*argv, str(path)]) == 0
    err = capsys.readouterr().err
    notes = [line for line in err.splitlines() if "interconnect_fraction is computed" in line]
    assert len(notes) == 1, err  # once, though run loads and then samples
    assert notes[0].startswith("frontiercost: note: switch: interconnect_fraction")
    assert "Warning" not in err and ".py:" not in err  # not Python's warning format
    assert main([argv[0], "-q", *argv[1:], str(path)]) == 0
    assert "interconnect_fraction" not in capsys.readouterr().err


def test_every_entry_point_takes_a_mapping_as_from_dict_reads_it() -> None:
    """Issue 13: a model in Python is a dict; a missing title is the name ``scenario``."""
    model = {
        "parameters": {"a": {"family": "uniform", "lower": 1, "upper": 2}},
        "formulas": {"c": "a * 2"},
    }
    tree = fc.simulate(model, draws=200, chains=2)
    same = fc.simulate(fc.Scenario.from_dict(model), draws=200, chains=2)
    np.testing.assert_array_equal(tree.posterior["c"].values, same.posterior["c"].values)
    np.testing.assert_array_equal(tree.posterior["c"].values, 2 * tree.posterior["a"].values)
    assert fc.Scenario.from_dict(model).title == "scenario"
    assert fc.evaluate(model)["c"].item() == 3.0
    assert fc.sweep(model, {"a": [1, 2]}, draws=50).posterior["c"].sizes["a"] == 2
    titled = fc.Scenario.from_dict({"scenario": {"title": "Mine"}, **model})
    assert titled.title == "Mine"
    # a [scenario] table without a title keeps its other keys
    described = fc.Scenario.from_dict({"scenario": {"description": "d"}, **model})
    assert (described.title, described.meta["description"]) == ("scenario", "d")
    # a date in Python is a datetime.date; the advice says so (not TOML's "no quotes")
    with pytest.raises(fc.ScenarioError, match=r"\['published'\]: expected a datetime.date such"):
        fc.simulate({"scenario": {"published": "2025-06-01"}, **model})
    # every message names the key as Python does
    with pytest.raises(fc.ScenarioError, match=r"^scenario\['parameters'\]\['a'\]: the integer"):
        fc.simulate({**model, "parameters": {"a": 10**400}})
    dated = fc.Scenario.from_dict({"scenario": {"published": dt.date(2025, 6, 1)}, **model})
    assert dated.meta["published"] == dt.date(2025, 6, 1)
    with pytest.raises(fc.ScenarioError, match=r"\['parameters'\]\['a'\]: low: unknown key"):
        fc.simulate({**model, "parameters": {"a": {"family": "uniform", "low": 1, "upper": 2}}})


def test_a_run_dated_before_its_chip_was_released_is_a_note() -> None:
    """The rule floors a GPU's age at 0 without a word; a start before the chip's release
    is most often a wrong date or chip, so it is said (unless hardware.released states it)."""
    data = {
        "scenario": {"title": "early", "published": dt.date(2023, 6, 1)},
        "hardware": {"chip": "b200", "price_year": 2024},
        "parameters": {"chip_count": 1000, "training_hours": 1000, "cloud_price": 5.0},
    }
    sc = Scenario.from_dict(copy.deepcopy(data))
    assert sc.notes == (
        "hardware_age: training starts 2023-02-19 (published 2023-06-01 - 1000 h - 60 d),"
        " before NVIDIA B200 was released (2024-03-18); the rule puts its age at 0 yr:"
        " check the dates and the chip",
    )
    stated = copy.deepcopy(data)
    stated["hardware"]["released"] = dt.date(2024, 3, 18)
    assert Scenario.from_dict(stated).notes == ()
    later = copy.deepcopy(data)
    later["scenario"]["published"] = dt.date(2024, 7, 1)  # after release, before availability
    assert Scenario.from_dict(later).notes == ()
    tpu = copy.deepcopy(data)
    tpu["hardware"] = {"chip": "tpu-v5e", "price_year": 2023}
    tpu["scenario"]["published"] = dt.date(2023, 9, 1)  # Google trains before announcing
    assert not any("released" in n for n in Scenario.from_dict(tpu).notes)
