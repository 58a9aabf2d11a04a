"""Development-cost case studies of the paper (docs/model.md §6.4), reproduced by Monte Carlo.

Source of truth: Cottier et al. 2024 (arXiv 2405.21015 v2, section 2.5 and
A.6) and the notebook behind it (Epoch AI training-cost-trends,
``development_cost.ipynb``; its exported component medians and 95 % bounds).

What differs between the notebook and the scenarios in
``frontiercost/scenarios/library/development/``, and how much each moves the
total (2023 USD):

1. One experiment factor scales every hardware component of a draw together.
   The notebook fitted a lognormal to each component (chips, other server,
   interconnect, energy) and drew them independently, which cancels part of
   the spread: its 90 % interval is narrower than ours, and its median a few
   per cent higher (a sum of independent skewed terms is less skewed).
   ``test_notebook_scheme_reproduces_published`` redraws our own experiment
   factors independently per component and recovers the published figures.
2. Equity: the notebook drew each person's equity once and reused it in every
   sample (GPT-3, OPT-175B, GPT-4; not Gemini). That single draw shifts its
   mean staff cost by about +-cv/sqrt(n) x equity share of compensation:
   +-8 % for GPT-3 (25 people), +-9 % for OPT-175B (19), +-2.3 % for GPT-4
   (284), i.e. +-2.5 %, +-3.9 % and +-0.7 % of the total (1 sd; equity cv 0.95).
   We draw equity per person and per draw.
3. Energy: we use the pipeline's final-run energy x experiment factor x price
   multiplier. The notebook took 1,287 MWh for GPT-3 (Patterson et al.), 992
   GPUs x 300 W x 33 days for OPT-175B (+2 % of the total here) and a pod
   model for Gemini (+0.6 %).
4. Staff cost is not multiplied by the inflation factor (salary data are 2024
   market figures); the notebook inflated them with the data-centre price
   index (GPT-3: -1.6 % of the total here, others < 0.5 %).

Monte Carlo error: 4 x 5,000 draws give the median and 5th/95th percentiles
to about 1 % (relative sd of a lognormal quantile at this size).
"""

from __future__ import annotations

import numpy as np
import pytest

import frontiercost as fc

DRAWS, CHAINS, SEED = 5000, 4, 20240531

# Published development cost, 2023 USD: median and 90 % interval (paper v2,
# section 2.5 / Figure of development costs; GPT-3 and OPT-175B also docs/model.md §6.4)
PUBLISHED = {
    "gpt-3-development": (7.45e6, 5.36e6, 10.24e6),
    "opt-175b-development": (2.80e6, 2.16e6, 3.70e6),
    "gpt-4-development": (129.5e6, 101.0e6, 169.6e6),
    "gemini-1-0-ultra-development": (132.5e6, 95.4e6, 182.1e6),
}
# Staff share of the total as the paper computes it (median staff cost / sum of
# the component medians), from the notebook's exported component medians
STAFF_SHARE = {
    "gpt-3-development": 0.327,
    "opt-175b-development": 0.428,
    "gpt-4-development": 0.286,
    "gemini-1-0-ultra-development": 0.487,
}
# Notebook median staff cost in nominal USD (exported 2023-USD median divided by
# the inflation factor the notebook applied: 1.04964, 1.01581, 1.01072, 1.0)
STAFF_MEDIAN = {
    "gpt-3-development": 2.341617e6 / 1.04964,
    "opt-175b-development": 1.155863e6 / 1.01581,
    "gpt-4-development": 35.80092e6 / 1.01072,
    "gemini-1-0-ultra-development": 61.37066e6,
}
# Value per chip at training start printed by the notebook (cell 20)
HARDWARE_VALUE = {
    "gpt-3-development": 12377.381963794704,
    "opt-175b-development": 18296.79402527096,
    "gpt-4-development": 14165.054738257799,
    "gemini-1-0-ultra-development": 4488.559125020449,
}

# Relative tolerances on the notebook-scheme median and interval bounds:
# 2 sd of the notebook's own equity draw (item 2) plus the known offsets of
# items 3-4 and Monte Carlo error, rounded up.
NOTEBOOK_TOL = {
    "gpt-3-development": 0.08,  # 2 x 2.5 % + 1.6 % + 1 %
    "opt-175b-development": 0.10,  # 2 x 3.9 % + 2 % (energy) + 1 %
    "gpt-4-development": 0.04,  # 2 x 0.7 % + 1 % + rounding of published figures
    "gemini-1-0-ultra-development": 0.04,  # 0.6 % (energy) + 1 % + rounding
}
# Our own median vs published: the notebook-scheme tolerance plus up to 4 % for
# item 1 (measured shift of the median from correlated components: 1-3 %).
DIRECT_TOL = {name: tol + 0.04 for name, tol in NOTEBOOK_TOL.items()}
# Notebook staff medians: 2 sd of its equity draw (item 2) + 1 % MC; GPT-3 adds
# the 5 % inflation factor it applied to staff and we do not.
STAFF_TOL = {
    "gpt-3-development": 0.22,
    "opt-175b-development": 0.20,
    "gpt-4-development": 0.06,
    "gemini-1-0-ultra-development": 0.03,
}


@pytest.fixture(scope="module")
def runs() -> dict[str, dict[str, np.ndarray]]:
    """Flattened posterior draws of each development scenario."""
    out = {}
    for name in PUBLISHED:
        tree = fc.simulate(name, draws=DRAWS, chains=CHAINS, seed=SEED)
        post = tree["posterior"].to_dataset()
        out[name] = {str(k): post[k].values.ravel() for k in post.data_vars}
    return out


def _component_shares(d: dict[str, np.ndarray]) -> tuple[float, float]:
    """Staff and energy shares as the paper reports them: medians over the sum of medians."""
    staff, compute = np.median(d["staff_cost"]), np.median(d["rd_compute_cost"])
    return staff / (staff + compute), np.median(d["rd_energy_cost"]) / (staff + compute)


@pytest.mark.parametrize("name", list(PUBLISHED))
def test_final_run_inputs_match_the_notebook(name: str) -> None:
    """Point values: value per chip (notebook cell 20) and the [reference] final-run costs."""
    sc = fc.load_scenario(name)
    point = fc.evaluate(sc)
    assert float(point["hardware_value"]) == pytest.approx(HARDWARE_VALUE[name], rel=1e-9)
    for key, ref in sc.reference.items():
        assert float(point[key]) == pytest.approx(ref.value, rel=ref.tolerance), key


@pytest.mark.parametrize("name", list(PUBLISHED))
def test_development_cost_median(name: str, runs: dict[str, dict[str, np.ndarray]]) -> None:
    median = float(np.median(runs[name]["development_cost"]))
    assert median == pytest.approx(PUBLISHED[name][0], rel=DIRECT_TOL[name])


@pytest.mark.parametrize("name", list(PUBLISHED))
def test_interval_contains_published(name: str, runs: dict[str, dict[str, np.ndarray]]) -> None:
    """Components scaled by one experiment factor: our 90 % interval is the wider one."""
    lo, hi = np.percentile(runs[name]["development_cost"], [5, 95])
    _, pub_lo, pub_hi = PUBLISHED[name]
    assert lo < pub_lo
    assert hi > pub_hi


@pytest.mark.parametrize("name", list(PUBLISHED))
def test_notebook_scheme_reproduces_published(
    name: str, runs: dict[str, dict[str, np.ndarray]]
) -> None:
    """Independent experiment factors per hardware component give the published figures.

    The final-run components are fixed by the point inputs (chips, other
    server, interconnect: ``evaluate``), so the notebook's total is
    sum_k component_k x EF_k + energy + staff with independent EF_k: drawn
    here by permuting our own experiment-factor and energy draws.
    """
    d = runs[name]
    point = fc.evaluate(name)
    parts = [float(point[k]) for k in ("chip_cost", "other_server_cost", "interconnect_cost")]
    rng = np.random.default_rng(SEED)
    ef, n = d["experiment_factor"], d["experiment_factor"].size
    total = sum(c * ef[rng.permutation(n)] for c in parts)
    total = total + d["rd_energy_cost"][rng.permutation(n)] + d["staff_cost"]
    got = np.percentile(total, [50, 5, 95])
    np.testing.assert_allclose(got, PUBLISHED[name], rtol=NOTEBOOK_TOL[name])


@pytest.mark.parametrize("name", list(PUBLISHED))
def test_staff_cost_median(name: str, runs: dict[str, dict[str, np.ndarray]]) -> None:
    """Per-person draws (Fenton-Wilkinson group mean) against the notebook's staff medians."""
    median = float(np.median(runs[name]["staff_cost"]))
    assert median == pytest.approx(STAFF_MEDIAN[name], rel=STAFF_TOL[name])


@pytest.mark.parametrize("name", list(PUBLISHED))
def test_staff_share(name: str, runs: dict[str, dict[str, np.ndarray]]) -> None:
    """Paper: staff 29-49 % of the total (its own figures 28.6-48.7 %, rounded)."""
    share, _ = _component_shares(runs[name])
    assert 0.28 <= share <= 0.50  # the band with its rounding and 0.5 pp of MC error
    assert share == pytest.approx(STAFF_SHARE[name], abs=0.04)  # items 2 and 4


@pytest.mark.parametrize("name", list(PUBLISHED))
def test_energy_share(name: str, runs: dict[str, dict[str, np.ndarray]]) -> None:
    """Paper: energy 2-6 % of the total (its own figures 1.6-6.3 %, rounded)."""
    _, share = _component_shares(runs[name])
    assert 0.015 <= share <= 0.065


@pytest.mark.parametrize(
    ("name", "median", "p5", "p95"),
    [
        # notebook cells 24 and 43, printed with 2 significant digits (months)
        ("gpt-3-development", (8.25, 8.35), (3.95, 4.05), (12.5, 13.5)),
        ("gpt-4-development", (11.5, 12.5), (9.45, 9.55), (13.5, 14.5)),
    ],
)
def test_project_duration_matches_notebook(
    name: str,
    median: tuple[float, float],
    p5: tuple[float, float],
    p95: tuple[float, float],
    runs: dict[str, dict[str, np.ndarray]],
) -> None:
    """Durations computed from the date priors reproduce the notebook's.

    Each printed figure stands for its rounding interval; 0.15 months is added
    for the Monte Carlo error of both samples (about 2 sd at the 5th and 95th
    percentiles) and the continuous approximation of the publication delay.
    """
    got = np.percentile(runs[name]["project_years"] * 12, [50, 5, 95])
    for value, (low, high) in zip(got, (median, p5, p95), strict=True):
        assert low - 0.15 <= value <= high + 0.15


def _group_scenario(head: int, salary: object, equity: object) -> dict[str, object]:
    return {
        "scenario": {"title": "a small team"},
        "parameters": {"project_years": 1, "final_run_cost": 1e6, "experiment_factor": 1},
        "staff": [
            {"group": "core", "headcount": head, "salary": salary, "equity": equity, "fte": 1}
        ],
    }


@pytest.mark.parametrize("head", [2, 10])
def test_a_per_person_group_stays_above_its_least_cost_and_near_exact_draws(head: int) -> None:
    """A fixed salary under an uncertain equity: the group's lognormal sits above the
    salaries (it put 10 % of a group of 2 below them, its 5th percentile 64 % low).

    The exact distribution is drawn person by person with numpy; the one-lognormal
    fit is within 6 % (2 people) and 13 % (10) of it at the 1st-99th percentiles
    (docs/scenarios.md gives these figures).
    """
    equity = {"family": "lognormal", "p5": 1e4, "p95": 1e6, "unit": "USD/yr"}
    sc = fc.load_scenario(_group_scenario(head, 100_000, equity))
    assert "staff_core_above_floor" in sc.priors and "staff_core_rate" not in sc.priors
    tree = fc.simulate(sc, draws=40_000, chains=2, seed=3)
    cost = tree.posterior["staff_cost"].values.ravel()
    assert cost.min() > head * 100_000
    rng = np.random.default_rng(11)
    mu, sigma = np.log(1e5), np.log(100) / (2 * 1.6448536269514722)
    exact = head * 100_000 + np.exp(mu + sigma * rng.standard_normal((head, 400_000))).sum(0)
    levels = [0.01, 0.05, 0.5, 0.95, 0.99]
    ratio = np.quantile(cost, levels) / np.quantile(exact, levels)
    assert np.all(np.abs(ratio - 1) < {2: 0.07, 10: 0.15}[head]), ratio
    point = fc.evaluate(sc)  # the rate is a formula of the fitted input
    rate = point["staff_core_rate"]
    assert rate > 100_000 and point["staff_cost"] == pytest.approx(head * rate)


def test_a_per_person_group_of_bounded_parts_keeps_the_plain_lognormal() -> None:
    """A fixed salary under an FTE uniform on 0.5-1: the group mean is nearly symmetric,
    and a lognormal above the least cost is more skewed than it (its 1st and 99th
    percentiles 11 % high against 1 % and 6 %): the fit closer in skewness is kept."""
    fte = {"family": "uniform", "lower": 0.5, "upper": 1}
    data = _group_scenario(2, 100_000, 0)
    data["staff"][0]["fte"] = fte  # type: ignore[index]
    sc = fc.load_scenario(data)
    assert "staff_core_rate" in sc.priors and "staff_core_above_floor" not in sc.priors
    cost = fc.simulate(sc, draws=40_000, chains=1, seed=2).posterior["staff_cost"].values.ravel()
    rng = np.random.default_rng(5)
    exact = 100_000 * rng.uniform(0.5, 1, (2, 400_000)).sum(0)
    levels = [0.01, 0.05, 0.5, 0.95, 0.99]
    ratio = np.quantile(cost, levels) / np.quantile(exact, levels)
    assert np.all(np.abs(ratio - 1) < 0.07), ratio


def test_a_group_of_one_person_draws_its_parts_exactly() -> None:
    """headcount = 1 took the Fenton-Wilkinson lognormal too: with a $100k salary and an
    FTE uniform on 0.5-1, 2.1 % of draws fell below $50k and 5.4 % above $100k."""
    data = _group_scenario(1, 100_000, 0)
    data["staff"][0]["fte"] = {"family": "uniform", "lower": 0.5, "upper": 1}  # type: ignore[index]
    sc = fc.load_scenario(data)
    assert "staff_core_fte" in sc.priors and "staff_core_rate" not in sc.priors
    cost = fc.simulate(sc, draws=20_000, chains=1, seed=2).posterior["staff_cost"].values.ravel()
    assert cost.min() >= 50_000 and cost.max() <= 100_000
    assert np.median(cost) == pytest.approx(75_000, rel=0.01)


def test_a_per_person_group_without_a_least_cost_keeps_one_lognormal() -> None:
    """Lognormal salaries can be near 0: no floor, the input is the rate itself."""
    salary = {"family": "lognormal", "p5": 1e5, "p95": 3e5, "unit": "USD/yr"}
    sc = fc.load_scenario(_group_scenario(5, salary, 0))
    assert "staff_core_rate" in sc.priors and "staff_core_above_floor" not in sc.priors
