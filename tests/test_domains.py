"""Quantities have domains, priors are checked against them at load time, and
non-finite outputs are never silent.

Source of truth: each quantity's documented domain (frontiercost.model.quantities.DOMAINS)
and the exact mass a prior puts outside it (its cdf).
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
from scipy import stats

import frontiercost as fc
from frontiercost import Scenario, ScenarioError
from frontiercost.errors import NonFiniteError, NonFiniteWarning

BASE = {
    "scenario": {"title": "t", "year": 2024},
    "parameters": {"chip_hours": 1e7, "cloud_price": 2.0, "inflation_factor": 1.0},
}


def _with(**params: object) -> dict:
    data = json.loads(json.dumps(BASE))
    data["parameters"].update(params)
    return data


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"hardware_age": -50}, r"hardware_age.*central value -50 is outside \[-2, 50\]"),
        ({"interconnect_factor": 0.5}, r"central value 0.5 is outside \[1, inf\)"),
        ({"utilization": 37}, r"a fraction; for 37 %, write 0.37"),
        ({"chip_count": -3}, r"chip_count.*central value -3 is outside \(0, inf\)"),
        (
            {"training_compute": {"family": "normal", "mean": 1e25, "sd": 8e24}},
            r"\['training_compute'\]: the normal prior puts 0.11 of its mass outside \(0, inf\)",
        ),
        (
            {"utilization": {"family": "normal", "mean": 0.9, "sd": 0.1}},
            r"\['utilization'\]: the normal prior puts .* outside \(0, 1\]",
        ),
        (
            {"server_cost_factor": {"family": "lognormal", "p5": 0.8, "p95": 1.5}},
            r"\['server_cost_factor'\]: the lognormal prior puts .* outside \[1, inf\)",
        ),
    ],
)
def test_priors_leaving_their_domain_are_refused_naming_key_and_domain(
    params: dict, match: str
) -> None:
    with pytest.raises(ScenarioError, match=match):
        Scenario.from_dict(_with(**params))


def test_the_papers_own_priors_are_accepted() -> None:
    """Published lognormal ratio priors reach below 1 (0.35 % at most): within tolerance."""
    for name in fc.list_scenarios():
        fc.load_scenario(name)


def test_explicit_truncation_cuts_a_normal_prior_at_the_domain() -> None:
    sc = Scenario.from_dict(
        _with(training_compute={"family": "normal", "mean": 1e25, "sd": 8e24, "truncate": True})
    )
    p = sc.priors["training_compute"]
    assert p.family == "truncnormal" and p.lower == 0 and math.isinf(p.upper)
    assert p.central == 1e25  # the point estimate stays the normal's
    with pytest.raises(ScenarioError, match="truncate applies to a normal prior"):
        Scenario.from_dict(
            _with(
                training_compute={"family": "lognormal", "p5": 1e25, "p95": 2e25, "truncate": True}
            )
        )


def test_projection_years_must_be_years() -> None:
    for years, match in (
        ([99999], "99999 is not a year from 1950 to 2100"),
        ([-5], "-5 is not a year"),
        ([2027, 2027], "given twice"),
    ):
        data = _with(growth_rate=2.4)
        data["projection"] = {"years": years}
        with pytest.raises(ScenarioError, match=match):
            Scenario.from_dict(data)


def test_a_correlation_that_cannot_act_is_refused() -> None:
    data = _with(chip_hours={"family": "lognormal", "p5": 1e7, "p95": 3e7}, cloud_price=2.0)
    data["correlation"] = [{"between": ["chip_hours", "cloud_price"], "rank": 0.5}]
    with pytest.raises(ScenarioError, match=r"cloud_price is fixed .* cannot act"):
        Scenario.from_dict(data)


def test_from_dict_and_from_text_give_the_same_scenario_as_a_file() -> None:
    text = fc.load_scenario("gpt-4").text
    a = Scenario.from_text(text, name="gpt-4")
    import tomllib

    b = Scenario.from_dict(tomllib.loads(text), name="gpt-4")
    sa = fc.simulate(a, draws=500, chains=1)
    sb = fc.simulate(b, draws=500, chains=1)
    ref = fc.simulate("gpt-4", draws=500, chains=1)
    for n in ref["posterior"].data_vars:
        np.testing.assert_array_equal(sa["posterior"][n].values, ref["posterior"][n].values)
        np.testing.assert_array_equal(sb["posterior"][n].values, ref["posterior"][n].values)


def test_from_dict_errors_name_the_path() -> None:
    data = _with(utilization={"family": "beta", "p5": 0.7, "p95": 0.4})
    with pytest.raises(ScenarioError, match=r"^mine\['parameters'\]\['utilization'\]: p5"):
        Scenario.from_dict(data, name="mine")
    with pytest.raises(ScenarioError, match=r"name: expected a scenario name"):
        Scenario.from_dict(BASE, name="../etc")


def test_a_formula_that_does_not_parse_is_the_error_not_the_parameter_it_reads() -> None:
    # `a` is a parameter only the broken formula reads: the formula is the mistake
    data = {
        "scenario": {"title": "t"},
        "parameters": {"a": {"family": "lognormal", "p5": 1, "p95": 10}},
        "formulas": {"cost": "a *"},
    }
    with pytest.raises(ScenarioError, match=r"^t\['formulas'\]\['cost'\]: formula 'a \*'"):
        Scenario.from_dict(data, name="t")
    text = '[scenario]\ntitle = "t"\n[parameters]\na = 1.0\n[formulas]\ncost = "a *"\n'
    with pytest.raises(ScenarioError, match=r":6 cost: formula 'a \*': invalid syntax"):
        Scenario.from_text(text, name="t")


# --------------------------------------------------------------------------- non-finite


def _nan_model() -> Scenario:
    # the square root of a quantity that is negative for half the draws: NaN there, counted
    data = _with(bump={"family": "normal", "mean": 0.0, "sd": 1.0})
    data["formulas"] = {"odd": "sqrt(bump)"}
    data["scenario"]["outputs"] = ["odd", "cloud_cost"]
    return Scenario.from_dict(data, name="odd")


def test_non_finite_outputs_are_recorded_warned_and_strict_raises() -> None:
    sc = _nan_model()
    with pytest.warns(NonFiniteWarning, match=r"odd: [\d,]+ NaN of 2,000 draws"):
        tree = fc.simulate(sc, draws=1000, chains=2)
    counts = json.loads(tree.attrs["nonfinite"])
    x = tree["posterior"]["odd"].values
    assert counts == {"odd": {"nan": int(np.isnan(x).sum()), "inf": int(np.isinf(x).sum())}}
    assert tree["posterior"]["odd"].attrs["nonfinite_draws"] == int((~np.isfinite(x)).sum())
    with pytest.raises(NonFiniteError, match="odd"):
        fc.simulate(sc, draws=1000, chains=2, strict=True)
    with pytest.warns(NonFiniteWarning):
        s = fc.simulate(sc, draws=1000, chains=2, store=False)
    assert json.loads(s.attrs["nonfinite"]) == counts  # the same draws, counted streaming


def test_finite_runs_say_so() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tree = fc.simulate("gpt-4", draws=500, chains=1)
    assert tree.attrs["nonfinite"] == "{}"


def _overflowing(name: str, prior: dict) -> Scenario:  # type: ignore[type-arg]
    # an input whose prior reaches beyond float64, and an output that hides it (1 / inf = 0)
    data = _with(**{name: prior})
    data["formulas"] = {"tiny": f"1 / {name}"}
    data["scenario"]["outputs"] = ["tiny"]
    return Scenario.from_dict(data, name="wide")


@pytest.mark.parametrize(
    ("prior", "share"),
    [
        # lognormal: P(X > float64's largest), from scipy
        (
            {"family": "lognormal", "p5": 1e-300, "p95": 1e300},
            lambda: stats.lognorm(
                s=(np.log(1e300) - np.log(1e-300)) / (2 * stats.norm.ppf(0.95))
            ).sf(np.finfo(float).max),
        ),
        # normal: both tails
        (
            {"family": "normal", "mean": 0.0, "sd": 1e308},
            lambda: 2 * stats.norm(scale=1e308).sf(np.finfo(float).max),
        ),
    ],
    ids=["lognormal", "normal"],
)
def test_inputs_whose_prior_overflows_are_warned_with_their_share(prior, share) -> None:  # type: ignore[no-untyped-def]
    """Draws beyond float64's range are infinite; an output computed from them
    may be finite and wrong (1 / inf = 0), so the input itself is named, with the
    share of its draws that overflow (the prior's exact tail mass), before any output."""
    from frontiercost.engine import overflowing_inputs, plan_run
    from frontiercost.run import RunSpec
    from frontiercost.settings import Sampling

    sc = _overflowing("bump", prior)
    spec = RunSpec.of(sc)
    found = overflowing_inputs(plan_run(spec.model, spec.priors, Sampling(draws=10)))
    assert list(found) == ["bump"]
    assert found["bump"] == pytest.approx(share(), rel=1e-6)
    with pytest.warns(NonFiniteWarning) as caught:
        tree = fc.simulate(sc, draws=20_000, chains=2)
    texts = [str(w.message) for w in caught]
    assert texts[0].startswith("wide: inputs whose prior gives draws beyond float64's range")
    assert f"bump: {100 * found['bump']:.3g} % of its draws" in texts[0]
    x = tree["posterior"]["bump"].values
    assert np.mean(~np.isfinite(x)) == pytest.approx(found["bump"], abs=0.005)  # as drawn
    with pytest.raises(NonFiniteError, match=r"wide: inputs whose prior .*\(strict\)$"):
        fc.simulate(sc, draws=20_000, chains=2, strict=True)


def test_priors_within_float64_are_not_flagged() -> None:
    from frontiercost.engine import overflowing_inputs, plan_run
    from frontiercost.run import RunSpec
    from frontiercost.settings import Sampling

    spec = RunSpec.of("gpt-4")
    assert overflowing_inputs(plan_run(spec.model, spec.priors, Sampling(draws=10))) == {}


def test_a_sweeps_nonfinite_counts_are_the_whole_sweeps() -> None:
    """Every grid point's NaN draws are counted in the output's ``nonfinite_draws``,
    not the first point's alone."""
    data = {
        "scenario": {"title": "t", "outputs": ["r"]},
        "parameters": {"y": {"family": "uniform", "lower": -1.0, "upper": 2.0}},
        "formulas": {"r": "sqrt(y)"},
    }
    sc = Scenario.from_dict(data, name="nan")
    with pytest.warns(NonFiniteWarning, match="nan sweep: outputs with draws"):
        tree = fc.sweep(sc, vary=["y.upper=2,3,4"], draws=5000, seed=1)
    bad = int((~np.isfinite(tree["posterior"]["r"].values)).sum())
    first = int((~np.isfinite(tree["posterior"]["r"].values[0])).sum())
    assert bad > first > 0  # three points with NaN draws each
    assert tree["posterior"]["r"].attrs["nonfinite_draws"] == bad
    assert json.loads(tree.attrs["nonfinite"]) == {"r": {"nan": bad, "inf": 0}}
