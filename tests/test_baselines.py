"""The real-scenario baselines of ``benchmarks/baselines/`` compute frontiercost's model.

``benchmarks/real.py`` times the built-in scenarios against plain-numpy and
squigglepy scripts; a ratio means something only if those scripts compute the
same distributions.  Source of truth: frontiercost's own scenario (its priors'
parameters, and its draws of the headline outputs).

Percentiles are compared in probability space: the fraction of frontiercost's
draws below the baseline's sample quantile at level q is, for two independent
samples of the same distribution, approximately normal around q with variance
q (1 - q) (1/n1 + 1/n2).  |z| > 5 fails: a false failure per check has
probability ~6e-7 (the draws are seeded, so the test is deterministic).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import numpy as np
import pytest

import frontiercost as fc
from frontiercost.scenarios import load_scenario

BASELINES = Path(__file__).resolve().parent.parent / "benchmarks" / "baselines"
N = 100_000
CHAINS = 4
Z_LIMIT = 5.0
LEVELS = (0.05, 0.5, 0.95)
# scenario -> (module prefix, outputs compared)
CASES = {
    "gpt-4": ("gpt4", ("amortized_cost", "cloud_cost", "acquisition_cost", "usd_per_flop")),
    "openai-2024-lab-year": ("openai_2024", ("final_run_share", "final_run_flop_share")),
    "frontier-run-2025-2030": ("frontier_run", ("projected_cost_2027", "billion_dollar_year")),
}


@pytest.fixture(scope="module", autouse=True)
def _baselines_on_path() -> object:
    sys.path.insert(0, str(BASELINES))
    yield
    sys.path.remove(str(BASELINES))


def _module(name: str) -> object:
    return importlib.import_module(name)


@pytest.fixture(scope="module")
def fc_draws() -> dict[str, dict[str, np.ndarray]]:
    out = {}
    for scenario, (_, names) in CASES.items():
        tree = fc.simulate(scenario, draws=N // CHAINS, chains=CHAINS, seed=1)
        out[scenario] = {n: tree.posterior[n].values.ravel() for n in names}
    return out


def _check_same_distribution(ours: np.ndarray, theirs: np.ndarray, what: str) -> None:
    ours = np.sort(ours)
    for q in LEVELS:
        x = float(np.quantile(theirs, q))
        p = np.searchsorted(ours, x) / ours.size
        sd = np.sqrt(q * (1 - q) * (1 / ours.size + 1 / theirs.size))
        z = (p - q) / sd
        assert abs(z) < Z_LIMIT, (
            f"{what}: baseline's q{q:g} = {x:.6g} sits at {p:.4f} ({z:+.1f} sd)"
        )


@pytest.mark.parametrize("scenario", list(CASES))
def test_numpy_baseline_matches_frontiercost(
    scenario: str, fc_draws: dict[str, dict[str, np.ndarray]]
) -> None:
    prefix, names = CASES[scenario]
    mod = _module(f"{prefix}_numpy")
    draws = mod.simulate(N, np.random.default_rng(2))  # type: ignore[attr-defined]
    assert set(mod.OUTPUTS) == set(load_scenario(scenario).outputs)  # type: ignore[attr-defined]
    for name in names:
        _check_same_distribution(fc_draws[scenario][name], draws[name], f"{scenario} {name}")


@pytest.mark.parametrize("scenario", list(CASES))
def test_squigglepy_baseline_matches_frontiercost(
    scenario: str, fc_draws: dict[str, dict[str, np.ndarray]]
) -> None:
    pytest.importorskip("squigglepy")
    prefix, names = CASES[scenario]
    draws = _module(f"{prefix}_squigglepy").simulate(N, seed=3)  # type: ignore[attr-defined]
    for name in names:
        _check_same_distribution(fc_draws[scenario][name], draws[name], f"{scenario} {name}")


def _params(prior: object) -> tuple[float, ...]:
    kind = type(prior).__name__
    if kind in ("LogNormal", "Normal"):
        return (prior.mu, prior.sigma)  # type: ignore[attr-defined]
    if kind == "TruncNormal":
        return (prior.mu, prior.sigma, prior.lower, prior.upper)  # type: ignore[attr-defined]
    if kind == "Beta":
        return (prior.alpha, prior.beta)  # type: ignore[attr-defined]
    if kind == "Fixed":
        return (prior.value,)  # type: ignore[attr-defined]
    raise AssertionError(f"no baseline parameters for {kind}")


@pytest.mark.parametrize("scenario", list(CASES))
def test_baseline_priors_are_the_scenarios(scenario: str) -> None:
    """Every prior's parameters, as written in the numpy script, equal the scenario's."""
    prefix, _ = CASES[scenario]
    mod = _module(f"{prefix}_numpy")
    sc = load_scenario(scenario)
    for name in sc.model().inputs:
        value = _params(sc.priors[name])
        const = getattr(mod, name.upper())
        const = const if isinstance(const, tuple) else (const,)
        assert const == pytest.approx(value, rel=1e-12), name
