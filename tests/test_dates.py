"""Hardware age from dates, and dollar bases (``frontiercost.model.dates``, ``.dollars``).

Sources of truth:
- the pipeline's rule as docs/model.md §5 and §8 state it, with its worked figures
  (H100 available 2022-12-19; GPT-4 available 2020-08-12, start 2022-05-12,
  age 1.747 yr, docs/model.md §6.1);
- the dates of the paper's 41 frontier models, as the built-in scenarios
  record them in their comments (transcribed from ``frontier_models.csv``,
  Cottier et al. 2024 v2): the rule must give the same availability and start;
- the producer price index PCU518210518210 (FRED): the paper's 2023-USD
  factor for GPT-4 is 1.01072 (``frontier_models.csv``).
"""

from __future__ import annotations

import datetime as dt
import re
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from frontiercost import evaluate, load_scenario, simulate
from frontiercost.errors import ScenarioError
from frontiercost.model.dates import (
    DEFAULT_TRAINING_HOURS,
    availability,
    decimal_year,
    hardware_age,
    training_start,
)
from frontiercost.model.dollars import parse_month, price_index
from frontiercost.priors import Normal, TruncNormal
from frontiercost.scenarios.chips import chip_library, find_chip

D = dt.date
MODELS = resources.files("frontiercost.scenarios") / "library" / "models"
# Starts the paper fixes by hand (prices.py get_training_start_date; docs/model.md §5).
FIXED_STARTS = {"gpt-4", "gpt-3-175b-davinci", "gpt-3-5-text-davinci-003", "gemini-1-0-ultra"}


# --- the rule ----------------------------------------------------------------------------


def test_availability_rule() -> None:
    h100 = chip_library()["h100-sxm5"]
    # docs/model.md §8: the first price record (2022-09-29) is before release + 90 d
    assert availability("gpu", h100.released, h100.first_price_date)[0] == D(2022, 12, 19)
    h200 = chip_library()["h200"]
    # announced 2023-11-13 (the dataset's 2024-11-18 is H200 NVL's): the 2024-03-27
    # price record is after release + 90 d, so it sets the date
    assert availability("gpu", h200.released, h200.first_price_date)[0] == D(2024, 3, 27)
    assert availability("gpu", D(2020, 1, 1))[0] == D(2020, 3, 31)
    assert availability("tpu", D(2021, 5, 20), D(2025, 1, 1))[0] == D(2021, 5, 20)


def test_training_start_cuts_hours_and_defaults_to_793_5() -> None:
    assert training_start(D(2023, 3, 15), 2280) == dt.datetime(2022, 10, 11)
    assert training_start(D(2023, 3, 15), 2280.9) == dt.datetime(2022, 10, 11)  # whole hours
    unknown = training_start(D(2023, 3, 15), None)
    assert unknown == dt.datetime(2023, 3, 15) - dt.timedelta(hours=793.5, days=60)
    assert DEFAULT_TRAINING_HOURS == 793.5
    with pytest.raises(ValueError, match="training hours"):
        training_start(D(2023, 3, 15), -1)


def test_gpt4_age_of_the_paper() -> None:
    """docs/model.md §6.1: available 2020-08-12, start 2022-05-12, age 1.747 yr."""
    a100 = chip_library()["a100-sxm4-40gb"]
    available, why = availability("gpu", a100.released, a100.first_price_date)
    age = hardware_age("gpu", available, why, start=D(2022, 5, 12))
    assert (age.available, age.days) == (D(2020, 8, 12), 638)
    assert age.years == pytest.approx(1.747, abs=5e-4)


def test_gpu_age_is_floored_tpu_age_is_not() -> None:
    gpu = hardware_age("gpu", D(2023, 1, 1), "", start=D(2022, 12, 1))
    assert (gpu.years, gpu.floored) == (0.0, True)
    tpu = hardware_age("tpu", D(2023, 1, 1), "", start=D(2022, 12, 1))
    assert tpu.days == -31 and not tpu.floored


def test_decimal_year_is_the_papers() -> None:
    assert decimal_year(D(2023, 3, 15)) == pytest.approx(2023 + 2 / 12 + 14 / 365)


def _model_dates(name: str) -> tuple[D, D, D]:
    text = (MODELS / f"{name}.toml").read_text("utf-8")
    published = re.search(r"published (\d{4}-\d\d-\d\d)", text)
    dates = re.search(r"# hardware available (\S+), training start (\S+):", text)
    assert published and dates
    return (
        D.fromisoformat(published.group(1)),
        D.fromisoformat(dates.group(1)),
        D.fromisoformat(dates.group(2)),
    )


MODEL_NAMES = sorted(e.name[:-5] for e in MODELS.iterdir() if e.name.endswith(".toml"))


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_rule_gives_the_papers_dates_of_every_frontier_model(name: str) -> None:
    """The chip library's dates and the rule reproduce the paper's availability and start.

    HyperCLOVA's hardware is Epoch's generic "NVIDIA A100", dated 2020-03-01
    (frontiercost/epoch/hardware.toml), not the SXM4 40 GB of the library; the
    four fixed starts are the paper's hand-set dates.
    """
    published, available, start = _model_dates(name)
    sc = load_scenario(name)
    chip = find_chip(sc.meta["chip"])
    released = D(2020, 3, 1) if name == "hyperclova-82b" else chip.released
    assert released is not None
    assert availability(chip.kind, released, chip.first_price_date)[0] == available
    if name in FIXED_STARTS:
        return
    text = (MODELS / f"{name}.toml").read_text("utf-8")
    reported = re.search(r"# training time (\S+) h is reported", text)
    hours = (
        float(reported.group(1))
        if reported
        else sc.priors["training_hours"].central
        if "training_hours" in sc.priors
        else None
    )
    assert training_start(published, hours).date() == start
    age = hardware_age(chip.kind, available, "", start=start)
    assert sc.priors["hardware_age"].central == pytest.approx(age.years, abs=1e-12)


# --- scenarios with dates -----------------------------------------------------------------


def _write(tmp_path: Path, text: str, name: str = "dated.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GPT4 = """[scenario]
title = "GPT-4, dated"
published = 2023-03-15
{extra}
[hardware]
chip = "a100-sxm4-40gb"
price_year = 2020
{hardware}
[parameters]
chip_count = 25000
training_hours = 2280
{parameters}
"""


def _gpt4(tmp_path: Path, extra: str = "", hardware: str = "", parameters: str = "") -> Path:
    return _write(tmp_path, GPT4.format(extra=extra, hardware=hardware, parameters=parameters))


def test_scenario_age_from_dates(tmp_path: Path) -> None:
    sc = load_scenario(_gpt4(tmp_path))
    age = sc.priors["hardware_age"]
    # 790 d is 8.7 sd above 0: a plain normal, which no draw takes below 0 (u >= 2**-53)
    assert isinstance(age, Normal)
    assert age.central == pytest.approx(790 / 365.25)  # 2020-08-12 .. 2022-10-11
    lo, hi = age.ppf(0.05), age.ppf(0.95)
    assert (hi - lo) / 2 == pytest.approx(120 / 365.25)  # paper Table 5: ±120 days
    assert "2020-08-12" in age.source and "2022-10-11" in age.source
    assert sc.meta["year"] == pytest.approx(decimal_year(D(2023, 3, 15)))


def test_no_draw_of_an_age_is_negative(tmp_path: Path) -> None:
    # a run starting before its GPUs are available: the rule floors the age at 0, and
    # the ±120 days must not reach below it in any draw
    sc = load_scenario(_gpt4(tmp_path, hardware="training_start = 2020-06-01"))
    age = sc.priors["hardware_age"]
    assert isinstance(age, TruncNormal) and (age.lower, age.upper) == (0, 50)
    assert age.central == 0 and "start before availability" in age.source
    tree = simulate(sc, draws=4000, chains=2, seed=3)
    draws = tree["posterior"]["hardware_age"].values
    assert draws.min() >= 0
    # the upper tail keeps the paper's reach: its 95th percentile near 1.645 sigma x 1.2
    assert 0.3 < np.quantile(draws, 0.95) < 0.5


def test_scenario_training_start_and_release_replace_the_rule(tmp_path: Path) -> None:
    given = load_scenario(_gpt4(tmp_path, hardware="training_start = 2022-05-12"))
    assert given.priors["hardware_age"].central == pytest.approx(638 / 365.25)
    released = load_scenario(_gpt4(tmp_path, hardware="released = 2020-03-01"))
    # available 2020-05-30 (release + 90 d, after the first price record 2020-05-21)
    assert released.priors["hardware_age"].central == pytest.approx(864 / 365.25)
    available = load_scenario(_gpt4(tmp_path, hardware="available = 2022-10-01"))
    assert available.priors["hardware_age"].central == pytest.approx(10 / 365.25)


def test_explicit_hardware_age_wins_and_conflicts_are_named(tmp_path: Path) -> None:
    sc = load_scenario(_gpt4(tmp_path, parameters="hardware_age = 1.5"))
    assert sc.priors["hardware_age"].central == 1.5
    with pytest.raises(ScenarioError, match=r"dated.toml:\d+ hardware.training_start: the dates"):
        load_scenario(
            _gpt4(tmp_path, hardware="training_start = 2022-05-12", parameters="hardware_age = 1")
        )


@pytest.mark.parametrize(
    ("extra", "hardware", "message"),
    [
        ('nominal_month = "2023-03"', "", "nominal_month: goes with scenario.dollars"),
        ('dollars = "2031-01"', "", "dollars: 2031-01 is outside the price index"),
        ('dollars = "June 2025"', "", 'dollars: expected a month such as "2025-06"'),
        ("", 'training_start = "2022-05-12"', "training_start: expected a date"),
        ('pipeline = "epoch-2024"', "", "pipeline: 'epoch-2024' is not a pipeline preset"),
    ],
)
def test_bad_dates_and_dollars_name_the_key(
    tmp_path: Path, extra: str, hardware: str, message: str
) -> None:
    with pytest.raises(ScenarioError, match=re.escape(message)) as err:
        load_scenario(_gpt4(tmp_path, extra=extra, hardware=hardware))
    assert re.match(r".*dated\.toml:\d+ ", str(err.value))


def test_a_hardware_date_needs_a_publication_date(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[scenario]\ntitle = "x"\n[hardware]\nchip = "h100-sxm5"\nreleased = 2022-09-20\n'
        "[parameters]\nchip_count = 10\ntraining_hours = 10\nhardware_age = 1\n",
    )
    with pytest.raises(ScenarioError, match=r"hardware\.released: the dates give hardware_age"):
        load_scenario(path)


# --- dollars ------------------------------------------------------------------------------


def test_price_index_factor_is_the_papers_2023_usd() -> None:
    index = price_index()
    assert index.first == (2000, 12) and index.last == (2025, 6)
    # frontier_models.csv inflation factor of GPT-4 (published 2023-03): 1.01072
    assert index.factor((2023, 12), (2023, 3)) == pytest.approx(1.01072, abs=5e-6)
    assert index.factor((2025, 6), (2030, 1), beyond_last="latest") == 1.0
    with pytest.raises(ScenarioError, match="2030-01 is outside"):
        index.factor((2025, 6), (2030, 1))


def test_parse_month() -> None:
    assert parse_month("2025-06") == (2025, 6)
    assert parse_month(2023) == (2023, 12)
    assert parse_month(D(2024, 7, 23)) == (2024, 7)
    for bad in ("2025-13", "2025", True, 12.5):
        with pytest.raises(ScenarioError):
            parse_month(bad)


def test_scenario_dollars_set_the_inflation_factor_and_label_outputs(tmp_path: Path) -> None:
    sc = load_scenario(_gpt4(tmp_path, extra="dollars = 2023"))
    assert sc.dollars == "2023-12"
    assert sc.priors["inflation_factor"].central == pytest.approx(119.029 / 117.766)
    point = evaluate(sc)
    assert point["amortized_cost"].attrs["dollars"] == "2023-12"
    assert "dollars" not in point["chip_hours"].attrs
    assert "PCU518210518210(2023-03)" in point.attrs["dollar_basis"]
    same_month = 'dollars = "2023-06"\nnominal_month = "2023-06"'
    nominal = load_scenario(_gpt4(tmp_path, extra=same_month))
    assert nominal.priors["inflation_factor"].central == 1.0
    with pytest.raises(ScenarioError, match=r"inflation_factor: scenario\.dollars computes it"):
        load_scenario(_gpt4(tmp_path, extra="dollars = 2023", parameters="inflation_factor = 1"))


def test_scenario_without_dollars_is_nominal(tmp_path: Path) -> None:
    sc = load_scenario(_gpt4(tmp_path))
    assert sc.dollars == "nominal" and sc.priors["inflation_factor"].central == 1.0
    assert load_scenario(_gpt4(tmp_path, parameters="inflation_factor = 1.01")).dollars == (
        "inflation_factor"
    )


def test_paper_models_state_their_2023_dollars() -> None:
    # the paper's "2023 USD" is PCU518210518210(2023-12) / (publication month): its factor
    for name in ("gpt-4", "gemini-1-0-ultra", "gpt-4-development", "opt-175b-calibration"):
        sc = load_scenario(name)
        assert sc.dollars == "2023-12", name
    assert load_scenario("gpt-4").priors["inflation_factor"].central == pytest.approx(
        1.01072, abs=5e-6
    )
    assert evaluate("gpt-4")["amortized_cost"].attrs["dollars"] == "2023-12"
    # a projection from GPT-4's 2023-USD cost is in those dollars too (it said nominal),
    # with nothing converted: its inputs are stated in them
    sc = load_scenario("frontier-run-2025-2030")
    assert sc.dollars == "2023-12" and sc.priors["inflation_factor"].central == 1.0
    assert evaluate(sc)["projected_cost_2027"].attrs["dollars"] == "2023-12"


def test_reference_past_the_index_is_refused(tmp_path: Path) -> None:
    # a nominal scenario published after the index ends: its figures cannot be converted
    text = GPT4.format(extra="", hardware="", parameters="").replace(
        "published = 2023-03-15", "published = 2026-09-15"
    )
    text += '[reference]\namortized_cost = { value = 4e7, dollars = 2023, source = "x" }\n'
    with pytest.raises(ScenarioError) as err:
        load_scenario(_write(tmp_path, text))
    msg = str(err.value)
    assert "amortized_cost" in msg and "2026-09" in msg and "2000-12 to 2025-06" in msg
    assert "\n" not in msg
