"""Mixed fleets (``[[hardware.fleet]]``): several chip types, each a share of the chips.

Sources of truth: the cost model is linear in chip-hours for a fixed per-chip
rate (docs/model.md §3.2-3.4), so a run on a fleet that splits its chips s : 1-s
costs s x (the run on the first type alone) + (1-s) x (the run on the other
alone), for every cost and its parts; a fleet of one chip type twice costs
what that chip alone costs.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from frontiercost import Scenario, evaluate, load_scenario, simulate
from frontiercost.errors import ScenarioError

COSTS = ("amortized_cost", "chip_cost", "other_server_cost", "interconnect_cost",
         "energy_cost", "energy_use", "cloud_cost", "acquisition_cost")  # fmt: skip

HEAD = """[scenario]
title = "fleet"
published = 2025-09-01

[hardware]
{hardware}

[parameters]
chip_count = 10000
training_hours = 2000
{parameters}
"""


def _write(tmp_path: Path, hardware: str, parameters: str = "", name: str = "f.toml") -> Path:
    path = tmp_path / name
    path.write_text(HEAD.format(hardware=hardware, parameters=parameters), encoding="utf-8")
    return path


def _member(chip: str, share: float, extra: str = "") -> str:
    return f'[[hardware.fleet]]\nchip = "{chip}"\nshare = {share}\nprice_year = 2025\n{extra}\n'


def _point(path: Path) -> dict[str, float]:
    p = evaluate(load_scenario(path))
    return {k: float(p[k]) for k in COSTS if k in p}


def test_fleet_cost_is_the_share_weighted_cost_of_its_chips(tmp_path: Path) -> None:
    h100 = _point(_write(tmp_path, 'chip = "h100-sxm5"\nprice_year = 2025',
                         'chip_price = 30000', "a.toml"))  # fmt: skip
    b200 = _point(_write(tmp_path, 'chip = "b200"\nprice_year = 2025', "", "b.toml"))
    fleet_path = _write(
        tmp_path,
        _member("h100-sxm5", 0.6) + _member("b200", 0.4),
        "chip_price_h100_sxm5 = 30000",
        "fleet.toml",
    )
    fleet = _point(fleet_path)
    # B200 has no 3-yr list price: no cloud cost for it alone, and none for the fleet
    assert "cloud_cost" not in b200 and set(fleet) == set(h100) & set(b200)
    for k in fleet:
        assert fleet[k] == pytest.approx(0.6 * h100[k] + 0.4 * b200[k], rel=1e-12), k
    sc = load_scenario(fleet_path)
    assert sc.meta["chip"] == "h100-sxm5 0.6, b200 0.4"
    # each chip type depreciates from its own availability
    ages = {n: sc.priors[n].central for n in ("hardware_age_h100_sxm5", "hardware_age_b200")}
    assert ages["hardware_age_h100_sxm5"] > ages["hardware_age_b200"] > 0


def test_one_chip_twice_is_that_chip(tmp_path: Path) -> None:
    alone = _point(_write(tmp_path, 'chip = "h200"\nprice_year = 2025', "", "a.toml"))
    twice = _point(
        _write(
            tmp_path,
            _member("h200", 0.25, 'label = "x"') + _member("h200", 0.75, 'label = "y"'),
        )
    )
    for k in COSTS:
        assert twice[k] == pytest.approx(alone[k], rel=1e-12), k


def test_compute_route_uses_the_fleets_mean_peak(tmp_path: Path) -> None:
    path = tmp_path / "flop.toml"
    path.write_text(
        '[scenario]\ntitle = "f"\npublished = 2025-03-01\n[hardware]\n'
        + _member("h100-sxm5", 0.5)
        + _member("b200", 0.5)
        + "[parameters]\ntraining_compute = 1e26\nutilization = 0.4\n",
        encoding="utf-8",
    )
    p = evaluate(load_scenario(path))
    peak = 0.5 * 989e12 + 0.5 * 2.25e15
    assert float(p["chip_hours"]) == pytest.approx(1e26 / (peak * 0.4 * 3600))


def test_an_unlabelled_chip_level_value_is_the_fleets(tmp_path: Path) -> None:
    path = _write(tmp_path, _member("h100-sxm5", 0.5) + _member("b200", 0.5), "cloud_price = 2.0")
    p = evaluate(load_scenario(path))
    assert float(p["cloud_cost"]) == pytest.approx(2.0 * 10000 * 2000)


def test_fleet_draws(tmp_path: Path) -> None:
    sc = load_scenario(_write(tmp_path, _member("h100-sxm5", 0.5) + _member("h200", 0.5)))
    tree = simulate(sc, draws=500, chains=2, seed=1)
    x = tree["posterior"]["amortized_cost"].values
    assert np.all(np.isfinite(x)) and np.all(x > 0)


def test_rounded_thirds_are_shares_that_sum_to_one(tmp_path: Path) -> None:
    thirds = _member("h100-sxm5", 0.333333) + _member("h200", 0.333333)
    sc = load_scenario(_write(tmp_path, thirds + _member("b200", 0.333334)))
    assert len(sc.meta["chip"].split(", ")) == 3
    with pytest.raises(ScenarioError, match=r"they sum to 0\.999986 \(0\.333333 \+ "):
        load_scenario(_write(tmp_path, thirds + _member("b200", 0.33332)))


@pytest.mark.parametrize(
    ("hardware", "parameters", "message"),
    [
        (
            _member("h100-sxm5", 0.5) + _member("b200", 0.4),
            "",
            "shares must sum to 1 (within 1e-06); they sum to 0.9 (0.5 + 0.4)",
        ),
        (_member("h100-sxm5", 1.0), "", "a fleet has two or more chip types"),
        (_member("h100-sxm5", 0.5) + _member("h100-sxm5", 0.5), "", "'h100_sxm5' is used twice"),
        (_member("h100-sxm5", 0.5, "cost = 1") + _member("b200", 0.5), "", "unknown key"),
        (_member("h100-sxm5", 0.5) + '[[hardware.fleet]]\nchip = "b200"\n', "", "share: missing"),
        ('chip = "b200"\n' + _member("h100-sxm5", 0.5), "", "give chip (one chip type) or fleet"),
        (
            _member("h100-sxm5", 0.5) + _member("b200", 0.5),
            "chip_price_h100 = 1",
            "chip_price_h100: unknown parameter (did you mean 'chip_price_h100_sxm5'?)",
        ),
        (  # h100 and h200 differ by a character: the chip's name decides, not spelling
            _member("h100-sxm5", 0.5) + _member("h200", 0.5),
            "chip_price_h100 = 1",
            "chip_price_h100: unknown parameter (did you mean 'chip_price_h100_sxm5'?)",
        ),
    ],
)
def test_fleet_mistakes_name_the_key(
    tmp_path: Path, hardware: str, parameters: str, message: str
) -> None:
    with pytest.raises(ScenarioError, match=re.escape(message)) as err:
        load_scenario(_write(tmp_path, hardware, parameters))
    assert re.match(r".*f\.toml:\d+ ", str(err.value)), str(err.value)


_ONE = """[scenario]
title = "one"
published = 2024-06-01
[hardware]
chip = "h100-sxm5"
price_year = 2024
[parameters]
chip_count = { prior = "chip_count_multiplier", times = 10000 }
training_hours = { prior = "training_time_multiplier", times = 2000 }
"""
_HALVES = _ONE.replace(
    '[hardware]\nchip = "h100-sxm5"\nprice_year = 2024\n',
    "".join(
        f'[[hardware.fleet]]\nchip = "h100-sxm5"\nshare = 0.5\nlabel = "{x}"\nprice_year = 2024\n'
        for x in "ab"
    ),
)


_EXTRA_LINES = {
    "none": "",
    "server_cost_factor": 'server_cost_factor = "server_cost_factor"\n',
    "avg_power_fraction": 'avg_power_fraction = "avg_power_fraction_gpu"\n',
    "both": 'server_cost_factor = "server_cost_factor"\n'
    'avg_power_fraction = "avg_power_fraction_gpu"\n',
}


@pytest.mark.parametrize(
    ("extra", "sampler"),
    [(e, s) for e in _EXTRA_LINES for s in ("mc", "lhs")] + [("none", "qmc")],
)
@pytest.mark.filterwarnings("ignore::frontiercost.errors.ScenarioWarning")  # the notes below
def test_a_fleet_of_one_chip_in_two_halves_is_that_chip(
    tmp_path: Path, extra: str, sampler: str
) -> None:
    """A fleet's copies of one quantity share its stream: the run's uncertainty, not each type's.

    Drawn independently, two halves of one chip averaged their price, age and
    power uncertainty away: Grok 4's acquisition interval was $5.7B-$21.2B
    where comonotone copies give $4.6B-$24B.  Here the halves are the chip,
    also with a chip-level quantity given once for the fleet in [parameters]
    (server_cost_factor given: each half's chip_price is computed from it, as
    the chip's alone is, not taken from the library).  mc and lhs match draw
    for draw; qmc only when both runs draw the same inputs in the same order
    (its Sobol dimensions follow the inputs' order), so only without an extra
    line: with one, the fleet draws its inputs in another order.
    """
    lines = _EXTRA_LINES[extra]
    (tmp_path / "one.toml").write_text(_ONE + lines, encoding="utf-8")
    (tmp_path / "two.toml").write_text(_HALVES + lines, encoding="utf-8")
    one = simulate(tmp_path / "one.toml", draws=512, chains=2, sampler=sampler)
    two = simulate(tmp_path / "two.toml", draws=512, chains=2, sampler=sampler)
    for var in ("chip_cost", "amortized_cost", "energy_cost", "acquisition_cost"):
        np.testing.assert_allclose(two.posterior[var], one.posterior[var], rtol=1e-15)
    a, b = (two.posterior[f"hardware_age_{x}"].values.ravel() for x in "ab")
    np.testing.assert_array_equal(a, b)


def test_a_name_computed_from_a_given_one_counts_as_given() -> None:
    """server_cost_factor given once: each type's chip_price is bare x factor, as the chip's."""
    text = _HALVES + 'server_cost_factor = "server_cost_factor"\n'
    sc = Scenario.from_text(text, "two")
    alone = Scenario.from_text(_ONE + 'server_cost_factor = "server_cost_factor"\n', "one")
    assert "chip_price" not in alone.priors
    for x in "ab":
        assert f"chip_price_{x}" not in sc.priors
        assert sc.routes()[f"chip_price_{x}"] == f"bare_chip_price_{x} * server_cost_factor_{x}"
        (note,) = (n for n in sc.notes if n.startswith(f"chip_price_{x} is computed"))
        assert "(because server_cost_factor is given)" in note


def test_fleet_copies_are_comonotone_and_say_so() -> None:
    """Grok 4 (H100 + H200): each draw takes the same percentile of each chip's prior."""
    sc = load_scenario("grok-4")
    assert sc.streams["bare_chip_price_h200"] == "bare_chip_price"
    assert sc.streams["server_cost_factor_h100_sxm5"] == "server_cost_factor"
    post = simulate(sc, draws=400, chains=2).posterior
    for q in ("bare_chip_price", "server_cost_factor", "hardware_age"):
        a = post[f"{q}_h100_sxm5"].values.ravel()
        b = post[f"{q}_h200"].values.ravel()
        assert (np.argsort(a) == np.argsort(b)).all(), q


def test_a_quantity_given_for_the_whole_fleet_is_one_note(tmp_path: Path) -> None:
    """Unlabelled, it is every type's (docs/scenarios.md): one note per quantity, not per type."""
    text = _HALVES.replace('label = "a"\n', "").replace('label = "b"\n', "")
    text = text.replace('chip = "h100-sxm5"', 'chip = "h200"', 1)
    text += 'server_cost_factor = "server_cost_factor"\n'
    text += 'avg_power_fraction = "avg_power_fraction_gpu"\n'
    (tmp_path / "fleet.toml").write_text(text, encoding="utf-8")
    notes = load_scenario(tmp_path / "fleet.toml").notes
    switched = [n for n in notes if "is given), not taken from the chip library" in n]
    # and the type's library chip_price, now bare x factor: one line a type (h200 has none)
    priced = [n for n in switched if n.startswith("chip_price_")]
    assert [n.split(" ")[0] for n in priced] == ["chip_price_h100_sxm5"], notes
    switched = [n for n in switched if n not in priced]
    assert len(switched) == 2, notes
    for q in ("server_cost_factor", "avg_power_fraction"):
        (note,) = (n for n in switched if n.startswith(f"{q}_"))
        assert note.startswith(f"{q}_h200, {q}_h100_sxm5 are computed as {q} (because {q}")


@pytest.mark.parametrize(
    ("extra", "between", "says"),
    [
        ("", "hardware_age_a", "hardware_age_a is chip type a's copy of hardware_age"),
        ("", "bare_chip_price_b", "bare_chip_price_b is not drawn"),  # the library prices b
        (
            'avg_power_fraction_b = "avg_power_fraction_gpu"\n',
            "avg_power_fraction_b",
            "(avg_power_fraction_a, avg_power_fraction_b) share one random stream",
        ),
        (
            'server_cost_factor = "server_cost_factor"\n',
            "server_cost_factor_a",
            "server_cost_factor_a is computed from server_cost_factor, not drawn",
        ),
        (
            'server_cost_factor = "server_cost_factor"\n',
            "chip_price_b",
            "chip_price_b is computed from bare_chip_price_b, server_cost_factor_b",
        ),
        ("chip_price = 30000\n", "bare_chip_price_a", "bare_chip_price_a is not drawn"),
    ],
)
def test_a_correlation_with_a_copy_or_a_computed_name_is_refused(
    tmp_path: Path, extra: str, between: str, says: str
) -> None:
    """A copy shares the fleet's stream (correlating it broke a-b: Spearman 0.39); a name
    the scenario computes, or that nothing reads, was dropped by the run in silence."""
    text = _HALVES + extra + f'[[correlation]]\nbetween = ["{between}", "training_hours"]\n'
    path = tmp_path / "two.toml"
    path.write_text(text + "rank = 0.9\n", encoding="utf-8")
    line = text.count("\n")  # the line of `between`
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert f"two.toml:{line} correlation.between: " in str(err.value)
    assert says in str(err.value)
