"""Conditioning on evidence (``[[observe]]``, ``condition``): posteriors that are right.

Sources of truth: the conjugate lognormal-lognormal posterior (closed form),
the truncated lognormal (closed form), simulation-based calibration (posterior
intervals cover the true value at their nominal rate), scipy's densities, and
ArviZ reading the result.  Monte Carlo tolerances are 4 standard errors, with
the effective sample size the method itself reports (a false failure rate
below 1e-4 per check).
"""

from __future__ import annotations

import dataclasses
import json
import math
import warnings
from pathlib import Path

import arviz as az
import numpy as np
import pytest
import xarray as xr
from helpers import one_chip
from scipy import special, stats

import frontiercost as fc
from frontiercost import ScenarioError, SimulationError
from frontiercost.engine import evaluate_uniforms
from frontiercost.inference import ConditioningWarning, khat_threshold, log_likelihood, psis
from frontiercost.inference.condition import prior_uniforms
from frontiercost.inference.likelihood import copula_log_density, log_prior_density
from frontiercost.model import copula_factor
from frontiercost.priors import Beta, Empirical, LogitNormal, LogNormal, Mixture, Normal
from frontiercost.results.conditioned import conditioning_report
from frontiercost.run import RunSpec, _problem, condition
from frontiercost.scenarios.observe import Z95, Observation

# final_run_cost ~ LogNormal(mu0, tau0); rd_compute_cost = final_run_cost / 0.1
P5, P95 = 1e7, 1e9
MU0 = 0.5 * (math.log(P5) + math.log(P95))
TAU0 = (math.log(P95) - math.log(P5)) / (2 * Z95)

SMALL = """
[scenario]
title = "one lognormal input"

[parameters]
final_run_cost = {{ family = "lognormal", p5 = 1e7, p95 = 1e9 }}
final_run_share = {share}

[[observe]]
quantity = "{quantity}"
value = {value}
sigma = {sigma}
source = "test"
"""


def _scenario(tmp_path: Path, name: str = "s", **kw: object) -> fc.Scenario:
    args = {"share": 0.1, "quantity": "final_run_cost", "value": 3e8, "sigma": 0.5, **kw}
    path = tmp_path / f"{name}.toml"
    path.write_text(SMALL.format(**args), encoding="utf-8")
    return fc.load_scenario(path)


def _conjugate(y: float, sigma: float) -> tuple[float, float]:
    """Posterior mean and sd of ln q: prior N(MU0, TAU0), ln y ~ N(ln q, sigma)."""
    prec = 1 / TAU0**2 + 1 / sigma**2
    return (MU0 / TAU0**2 + math.log(y) / sigma**2) / prec, math.sqrt(1 / prec)


# --- loading ----------------------------------------------------------------------------


def test_observe_tables_load_with_their_error_model(tmp_path: Path) -> None:
    text = (
        SMALL.format(share=0.1, quantity="rd_compute_cost", value=3e9, sigma=0.5)
        + """
[[observe]]
name = "interval"
quantity = "final_run_cost"
p5 = 2e8
p95 = 8e8
source = "b"

[[observe]]
name = "normal"
quantity = "final_run_cost"
error = "normal"
p5 = 2e8
p95 = 8e8
source = "c"

[[observe]]
name = "bound"
quantity = "rd_compute_cost"
between = [1e9, 1e10]
source = "d"
"""
    )
    path = tmp_path / "x.toml"
    path.write_text(text, encoding="utf-8")
    sc = fc.load_scenario(path)
    first, interval, normal, bound = sc.observations
    assert (first.name, first.quantity, first.error, first.value, first.sigma) == (
        "rd_compute_cost", "rd_compute_cost", "lognormal", 3e9, 0.5
    )  # fmt: skip
    assert interval.value == pytest.approx(4e8)  # sqrt(2e8 * 8e8)
    assert interval.sigma == pytest.approx(math.log(4) / (2 * 1.6448536269514722))
    assert normal.value == pytest.approx(5e8) and normal.sigma == pytest.approx(3e8 / 1.6448536)
    assert bound.is_bound and (bound.lower, bound.upper) == (1e9, 1e10)
    assert "1e+09 < rd_compute_cost < 1e+10" in bound.describe()


def test_scenarios_without_observe_have_none() -> None:
    assert fc.load_scenario("gpt-4").observations == ()


# --- likelihood and densities -------------------------------------------------------------


def test_log_likelihood_is_the_density_of_the_report() -> None:
    q = np.array([0.5, 1.0, 2.0, -1.0, np.nan])
    obs = Observation("x", "x", "s", "lognormal", value=1.5, sigma=0.3)
    want = stats.lognorm(0.3, scale=q[:3]).logpdf(1.5)
    np.testing.assert_allclose(log_likelihood(obs, q)[:3], want, rtol=1e-12)
    assert np.all(log_likelihood(obs, q)[3:] == -np.inf)
    obs = Observation("x", "x", "s", "normal", value=1.5, sigma=0.3)
    np.testing.assert_allclose(
        log_likelihood(obs, q)[:4], stats.norm(q[:4], 0.3).logpdf(1.5), rtol=1e-12
    )
    obs = Observation("x", "x", "s", "bound", lower=0.0, upper=1.0)
    assert log_likelihood(obs, q).tolist() == [0.0, 0.0, -np.inf, -np.inf, -np.inf]


@pytest.mark.parametrize(
    "prior",
    [
        LogNormal(mu=1.0, sigma=0.5),
        Normal(mu=1.0, sigma=2.0),
        Beta(alpha=2.0, beta=5.0),
        LogitNormal(mu=0.3, sigma=0.8, lower=1.0, upper=3.0),
        Mixture(components=(Normal(mu=0, sigma=1), Normal(mu=3, sigma=0.5)), weights=(1, 2)),
    ],
    ids=lambda p: p.family,
)
def test_log_prior_density_integrates_to_one(prior: fc.Prior) -> None:
    lo, hi = (float(v) for v in prior.ppf([1e-9, 1 - 1e-9]))
    x = np.linspace(lo, hi, 200_001)
    dens = np.exp(log_prior_density(prior, x))
    assert np.trapezoid(dens, x) == pytest.approx(1.0, abs=1e-4)
    # and matches the CDF's slope
    mid = float(prior.ppf(0.4))
    h = 1e-6 * max(1.0, abs(mid))
    slope = (prior.cdf(mid + h) - prior.cdf(mid - h)) / (2 * h)
    assert math.exp(float(log_prior_density(prior, np.array([mid]))[0])) == pytest.approx(
        float(slope), rel=1e-5
    )


def test_empirical_density_is_the_slope_of_its_cdf() -> None:
    prior = Empirical(p=(0.0, 0.5, 1.0), x=(0.0, 1.0, 3.0))
    got = np.exp(log_prior_density(prior, np.array([0.5, 2.0, -1.0, 4.0])))
    np.testing.assert_allclose(got, [0.5, 0.25, 0.0, 0.0])


def test_copula_log_density_matches_the_bivariate_normal() -> None:
    idx, chol = copula_factor({("a", "b"): 0.6}, ["a", "b"])
    z = np.random.default_rng(1).standard_normal((2, 50))
    w = chol @ z
    r = chol @ chol.T
    want = stats.multivariate_normal(cov=r).logpdf(w.T) - stats.norm.logpdf(w).sum(axis=0)
    np.testing.assert_allclose(copula_log_density(z, idx, chol), want, rtol=1e-10, atol=1e-12)


# --- importance sampling --------------------------------------------------------------------


def test_psis_flags_heavy_weights_and_handles_ruled_out_draws() -> None:
    rng = np.random.default_rng(0)
    light = psis(-0.5 * rng.standard_normal(4000) ** 2)
    assert light.pareto_k < khat_threshold(4000) and light.ess > 2000
    heavy = psis(8.0 * rng.standard_normal(4000))
    assert heavy.pareto_k > 0.7 and heavy.ess < 50
    lr = np.where(np.arange(100) < 40, -np.inf, 0.0)
    flat = psis(lr)
    assert flat.n_consistent == 60 and math.isnan(flat.pareto_k) and flat.ess == 60
    assert np.all(flat.log_weights[:40] == -np.inf)
    assert khat_threshold(100) == pytest.approx(0.5) and khat_threshold(10**6) == 0.7


# --- correctness: known posteriors ---------------------------------------------------------


@pytest.mark.parametrize("method", ["is", pytest.param("mcmc", marks=pytest.mark.slow)])
@pytest.mark.parametrize("quantity", ["final_run_cost", "rd_compute_cost"])
def test_conjugate_posterior_matches_the_closed_form(
    tmp_path: Path, method: str, quantity: str
) -> None:
    """An observed parameter, and an observed output (rd = cost / 0.1): same closed form."""
    y = 3e8 if quantity == "final_run_cost" else 3e9
    sc = _scenario(tmp_path, quantity=quantity, value=y, sigma=0.5)
    tree = condition(sc, draws=2000, chains=4, seed=11, method=method)
    assert tree.attrs["method"] == method and tree.attrs["diagnostics_ok"] == 1
    mean, sd = _conjugate(3e8, 0.5)
    x = np.log(tree["posterior"]["final_run_cost"].values)
    if method == "is":
        ess = float(tree["sample_stats"].attrs["ess"])
    else:
        ess = float(az.ess(xr.DataArray(x, dims=("chain", "draw")).to_dataset(name="x"))["x"])
    assert abs(x.mean() - mean) < 4 * sd / math.sqrt(ess)
    assert abs(x.std() - sd) < 4 * sd / math.sqrt(2 * ess)


def test_bound_gives_the_truncated_prior(tmp_path: Path) -> None:
    sc = _scenario(tmp_path)
    bound = Observation("final_run_cost", "cap", "t", "bound", upper=5e7)
    tree = condition(sc, draws=5000, chains=4, seed=2, observations=[bound])
    x = tree["posterior"]["final_run_cost"].values
    assert x.max() <= 5e7 and math.isnan(float(tree["sample_stats"].attrs["pareto_k"]))
    b = (math.log(5e7) - MU0) / TAU0
    mean = math.exp(MU0 + TAU0**2 / 2) * special.ndtr(b - TAU0) / special.ndtr(b)
    ess = float(tree["sample_stats"].attrs["ess"])  # the consistent draws, all weight 1
    assert ess == pytest.approx(np.mean(tree["prior"]["final_run_cost"].values <= 5e7) * 20000)
    assert abs(x.mean() - mean) < 4 * x.std() / math.sqrt(ess)


@pytest.mark.slow
def test_simulation_based_calibration(tmp_path: Path) -> None:
    """Truth from the prior, a report from the error model: intervals cover at their rate.

    200 replications of a two-input model (final-run cost and share) observed
    through R&D compute = cost / share; coverage of the central 50 % and 90 %
    posterior intervals of each input must lie within 3.5 binomial sd of
    nominal (false failure rate ~ 2e-3 for the four checks together).
    """
    path = tmp_path / "sbc.toml"
    path.write_text(
        SMALL.format(
            share='{ family = "beta", p5 = 0.05, p95 = 0.4 }',
            quantity="rd_compute_cost",
            value=1e9,
            sigma=0.3,
        ),
        encoding="utf-8",
    )
    sc = fc.load_scenario(path)
    base = sc.observations[0]
    rng = np.random.default_rng(2024)
    reps = 200
    inside = {(n, p): 0 for n in ("final_run_cost", "final_run_share") for p in (0.5, 0.9)}
    failed = 0
    for r in range(reps):
        truth = {
            n: float(sc.priors[n].ppf(rng.random())) for n in ("final_run_cost", "final_run_share")
        }
        rd = truth["final_run_cost"] / truth["final_run_share"]
        y = float(np.exp(np.log(rd) + 0.3 * rng.standard_normal()))
        obs = dataclasses.replace(base, value=y)
        with warnings.catch_warnings(record=True) as record:
            # diagnostics may fail in a rare tail replication: counted below
            warnings.simplefilter("always", ConditioningWarning)
            tree = condition(sc, draws=1000, chains=2, seed=r, observations=[obs], method="is")
        failed += any(isinstance(w.message, ConditioningWarning) for w in record)
        for (n, p), _ in inside.items():
            lo, hi = np.quantile(tree["posterior"][n].values, [(1 - p) / 2, (1 + p) / 2])
            inside[(n, p)] += int(lo <= truth[n] <= hi)
    assert failed <= reps // 20
    for (n, p), k in inside.items():
        assert abs(k - reps * p) <= 3.5 * math.sqrt(reps * p * (1 - p)), (n, p, k)


# --- the result: groups, diagnostics, determinism ------------------------------------------


def test_tree_has_the_arviz_groups_and_reads_in_arviz(tmp_path: Path) -> None:
    sc = _scenario(tmp_path, quantity="rd_compute_cost", value=3e9)
    tree = condition(sc, draws=1000, chains=4, seed=5)
    assert set(tree.children) == {
        "prior", "posterior", "observed_data", "log_likelihood", "log_prior", "sample_stats",
        "constant_data",
    }  # fmt: skip
    post = tree["posterior"]
    assert set(post.data_vars) == set(tree["prior"].data_vars) == {
        "rd_compute_cost", "final_run_cost"
    }  # fmt: skip
    assert set(tree["constant_data"].data_vars) == {"final_run_share"}  # fixed: not a draw
    assert post["final_run_cost"].attrs["units"] == "USD"
    assert post.attrs["inference"] == tree.attrs["inference"] == "importance sampling (PSIS)"
    assert float(tree["observed_data"]["rd_compute_cost"]) == 3e9
    # log_likelihood and log_prior are those of the posterior draws
    obs = sc.observations[0]
    np.testing.assert_array_equal(
        tree["log_likelihood"]["rd_compute_cost"].values,
        log_likelihood(obs, post["rd_compute_cost"].values),
    )
    np.testing.assert_allclose(
        tree["log_prior"]["final_run_cost"].values,
        stats.lognorm(TAU0, scale=math.exp(MU0)).logpdf(post["final_run_cost"].values),
        rtol=1e-9,
    )
    summary = az.summary(tree, var_names=["final_run_cost"])
    assert {"mean", "r_hat", "ess_bulk"} <= set(summary.columns)
    sens = az.psense_summary(tree, var_names=["final_run_cost"])
    assert sens.loc["final_run_cost", "likelihood"] > 0.05  # the evidence moves it
    assert (
        float(az.psense(tree, var_names=["final_run_cost"], group="prior")["final_run_cost"]) > 0
    )
    pc = az.plot_prior_posterior(tree, var_names=["final_run_cost"], backend="matplotlib")
    import matplotlib.pyplot as plt

    plt.close("all")
    assert pc is not None
    report = "\n".join(conditioning_report(tree))
    assert "inference: importance sampling (PSIS)" in report and "diagnostics: ok" in report


@pytest.mark.slow
def test_netcdf_round_trip(tmp_path: Path) -> None:
    sc = _scenario(tmp_path)
    tree = condition(sc, draws=500, chains=2, seed=1, method="mcmc")
    assert tree.attrs["diagnostics_ok"] == 1
    out = tmp_path / "c.nc"
    tree.to_netcdf(out, engine="h5netcdf")
    back = xr.open_datatree(out, engine="h5netcdf")
    assert set(back.children) == set(tree.children)
    xr.testing.assert_identical(back["posterior"].to_dataset(), tree["posterior"].to_dataset())
    assert back.attrs["inference"] == tree.attrs["inference"]
    assert json.loads(back.attrs["observations"])[0]["quantity"] == "final_run_cost"


def test_prior_group_is_the_plain_run_and_its_scores_reproduce_it(tmp_path: Path) -> None:
    sc = _scenario(tmp_path, quantity="rd_compute_cost", value=3e9)
    tree = condition(sc, draws=500, chains=2, seed=9)
    # the scenario's own model and priors, unconditioned (simulate(sc) would condition it)
    plain = fc.simulate(sc.model(), sc.input_priors(), draws=500, chains=2, seed=9)
    for name in plain["posterior"].data_vars:
        np.testing.assert_array_equal(tree["prior"][name].values, plain["posterior"][name].values)
    problem = _problem(RunSpec.of(sc), None)
    model, model_all = problem.model, problem.model_all
    u = prior_uniforms(model, 9, np.arange(1000)[::-1])  # any order of flat indices
    priors = {n: sc.priors[n] for n in model.inputs}
    got = evaluate_uniforms(model_all, priors, u)
    for name in tree["prior"].data_vars:  # the same bits as the run's own draws
        np.testing.assert_array_equal(got[name][::-1], tree["prior"][name].values.ravel())


@pytest.mark.parametrize("method", ["is", pytest.param("mcmc", marks=pytest.mark.slow)])
def test_same_seed_same_bits(tmp_path: Path, method: str) -> None:
    sc = _scenario(tmp_path, quantity="rd_compute_cost", value=3e9)
    kw = {"draws": 500, "chains": 4, "method": method, "warmup": 500, "thin": 2}
    a = condition(sc, seed=4, **kw)  # type: ignore[arg-type]
    b = condition(sc, seed=4, threads=1, **kw)  # type: ignore[arg-type]
    c = condition(sc, seed=5, **kw)  # type: ignore[arg-type]
    for name in a["posterior"].data_vars:
        np.testing.assert_array_equal(a["posterior"][name].values, b["posterior"][name].values)
    assert not np.array_equal(a["posterior"]["final_run_cost"], c["posterior"]["final_run_cost"])
    for name in a["sample_stats"].data_vars:
        np.testing.assert_array_equal(
            a["sample_stats"][name].values, b["sample_stats"][name].values
        )


@pytest.mark.slow
def test_sharp_evidence_in_the_tail_switches_to_mcmc(tmp_path: Path) -> None:
    """A report far in the prior's tail: k-hat fails, auto switches, forced IS warns."""
    sc = _scenario(tmp_path, value=3e11, sigma=0.02)  # prior 95th percentile is 1e9
    kw = {"draws": 1000, "chains": 4, "seed": 3, "max_is_draws": 1 << 18}
    with pytest.warns(ConditioningWarning, match="Pareto k-hat|ESS"):
        forced = condition(sc, method="is", **kw)  # type: ignore[arg-type]
    assert forced.attrs["diagnostics_ok"] == 0
    assert json.loads(forced.attrs["warnings"])
    assert "FAIL" in "\n".join(conditioning_report(forced))
    auto = condition(sc, **kw)  # type: ignore[arg-type]
    assert json.loads(auto.attrs["diagnostics"])["is_prior_draws"] == 1 << 18
    assert auto.attrs["method"] == "mcmc" and auto.attrs["diagnostics_ok"] == 1
    assert "importance sampling failed" in auto.attrs["inference_note"]
    assert (
        auto.attrs["inference"].startswith("MCMC (adaptive Metropolis")
        and "4 chains" in (auto.attrs["inference"])
    )
    mean, sd = _conjugate(3e11, 0.02)
    x = np.log(auto["posterior"]["final_run_cost"].values)
    diag = json.loads(auto.attrs["diagnostics"])
    assert diag["rhat_max"] <= 1.01 and diag["is_pareto_k"] > 0.7
    assert abs(x.mean() - mean) < 4 * sd / math.sqrt(diag["ess_bulk_min"])
    stats_ = auto["sample_stats"]
    # every sample_stats variable is (chain, draw); per-chain figures are attributes
    assert set(stats_.data_vars) == {"accepted", "lp"}
    assert all(v.dims == ("chain", "draw") for v in stats_.data_vars.values())
    assert 0.2 < min(json.loads(stats_.attrs["acceptance_rate"])) < 0.7
    assert {"jump_rate", "step_size"} <= set(stats_.attrs)


def test_evidence_beyond_the_priors_reach_fails_the_diagnostics(tmp_path: Path) -> None:
    """Prior draws stop at normal score 8.21 (uniforms within 2**-53 of 0 and 1): a report
    beyond it gave a posterior piled at that edge, with R-hat and ESS passing."""
    mean, _ = _conjugate(1e14, 0.05)
    assert (mean - MU0) / TAU0 > 9  # the posterior's centre, in prior normal scores
    sc = _scenario(tmp_path, value=1e14, sigma=0.05)
    with pytest.warns(ConditioningWarning, match=r"final_run_cost: \d+\.\d% of the posterior"
                      r" draws lie beyond normal score 8.21 of its prior, where its draws stop:"
                      r" the evidence lies beyond what the prior can draw"):  # fmt: skip
        tree = condition(sc, draws=300, chains=2, seed=1, method="mcmc")
    assert tree.attrs["diagnostics_ok"] == 0
    x = np.log(tree["posterior"]["final_run_cost"].values)
    assert x.max() <= MU0 + 8.22 * TAU0 < mean  # cut at the edge: the number it warns of
    within = _scenario(tmp_path, name="near", value=3e12, sigma=0.05)  # centre 7.4 sd out
    near = condition(within, draws=300, chains=2, seed=1, method="mcmc")
    assert not any("where its draws stop" in w for w in json.loads(near.attrs["warnings"]))


def test_a_posterior_near_the_edge_of_the_priors_draws_passes(tmp_path: Path) -> None:
    """Evidence 7.2 prior sd out: the posterior's draws come near the edge (8.21), its mass
    beyond it ~1e-11; flagged when its largest draw passed 7.71, though it was right."""
    path = tmp_path / "near.toml"
    path.write_text(
        '[scenario]\ntitle = "n"\n[parameters]\nx = {family = "normal", mu = 0, sigma = 1}\n'
        '[formulas]\ny = "x"\n[[observe]]\nquantity = "y"\nvalue = 7.2\nsigma = 0.2\n'
        'error = "normal"\nsource = "t"\n',
        encoding="utf-8",
    )
    tree = condition(fc.load_scenario(path), draws=3000, chains=4, seed=2, method="mcmc")
    assert not any("draws stop" in w for w in json.loads(tree.attrs["warnings"]))
    x = tree["posterior"]["x"].values
    prec = 1 + 1 / 0.2**2  # the conjugate normal: N(7.2 / 0.04 / prec, 1 / prec)
    assert np.median(x) == pytest.approx(7.2 / 0.04 / prec, abs=0.02)
    assert x.std() == pytest.approx(prec**-0.5, rel=0.1)


def test_short_mcmc_warns_with_its_diagnostics(tmp_path: Path) -> None:
    sc = _scenario(tmp_path)
    with pytest.warns(ConditioningWarning, match="ESS"):
        tree = condition(sc, draws=30, chains=4, seed=1, method="mcmc", warmup=20, thin=1)
    assert tree.attrs["diagnostics_ok"] == 0


def test_bad_arguments_and_impossible_evidence(tmp_path: Path) -> None:
    sc = _scenario(tmp_path)
    with pytest.raises(SimulationError, match="method: 'gibbs'; accepted: auto, is, mcmc"):
        condition(sc, method="gibbs")
    with pytest.raises(SimulationError, match="no \\[\\[observe\\]\\] evidence"):
        condition("gpt-4")
    odd = Observation("amortized_cost", "x", "t", "lognormal", value=1.0, sigma=0.1)
    with pytest.raises(SimulationError, match="does not compute 'amortized_cost'"):
        condition(sc, observations=[odd])
    never = Observation("final_run_cost", "x", "t", "bound", lower=1.0, upper=2.0)
    with pytest.raises(SimulationError, match="no prior draw is consistent"):
        condition(sc, draws=100, chains=1, observations=[never])
    with pytest.raises(SimulationError, match="thin: must be a positive integer"):
        condition(sc, thin=0)


def test_loader_rejects_bad_observe_tables(tmp_path: Path) -> None:
    """Mistakes beyond the bad-file folder: the message names the key and what is accepted."""
    cases = {
        "error = 'poisson'": "'poisson'; accepted: lognormal, normal",
        "p5 = 1e9": "needs p95 too",
        "name = '1st'": "must be a name of letters",
    }
    for extra, message in cases.items():
        path = tmp_path / "bad.toml"
        text = SMALL.format(share=0.1, quantity="rd_compute_cost", value=1e9, sigma=0.1)
        if extra.startswith("p5"):
            text = text.replace("sigma = 0.1\n", "")
        path.write_text(text + extra + "\n", encoding="utf-8")
        with pytest.raises(ScenarioError, match=message):
            fc.load_scenario(path)


# --- the built-in conditioned scenarios -----------------------------------------------------

CONDITIONED = {
    # name: (variable, reference value inside the posterior's 90 % interval)
    "openai-2024-conditioned": ("final_run_share", 0.096),
    "minimax-2024-conditioned": ("final_run_share", 0.226),
    "zai-2024-conditioned": ("final_run_share", 0.123),
    "bloom-176b-calibration": ("real_cost", 1.2e6),
    "opt-175b-calibration": ("real_cost", 2.0e6),
}


@pytest.mark.parametrize("name", sorted(CONDITIONED))
def test_built_in_conditioned_scenarios(name: str) -> None:
    sc = fc.load_scenario(name)
    assert sc.observations and "conditioned" in sc.meta["tags"]
    tree = condition(sc, draws=1000, chains=4, seed=0)
    assert tree.attrs["diagnostics_ok"] == 1, tree.attrs["warnings"]
    var, value = CONDITIONED[name]
    lo, hi = np.quantile(tree["posterior"][var].values, [0.05, 0.95])
    assert lo < value < hi
    # the evidence narrows what it observes
    for o in sc.observations:
        post = np.log(tree["posterior"][o.quantity].values)
        assert post.std() < np.log(tree["prior"][o.quantity].values).std()


def test_openai_spending_implies_a_final_run_share_near_epochs() -> None:
    tree = condition("openai-2024-conditioned", draws=1000, chains=4, seed=1)
    refs = json.loads(tree.attrs["references"])
    assert set(refs) == {"final_run_share", "cloud_price"}
    share = tree["posterior"]["final_run_share"].values
    # R&D compute ~ $5.3 B (interval mid-point) and final runs ~ $0.48 B: ~9-10 %
    assert 0.07 < np.median(share) < 0.14
    assert np.quantile(share, 0.95) < 0.3 < np.quantile(tree["prior"]["final_run_share"], 0.75)
    # no FLOP is observed: R&D utilization keeps its prior
    post_u = tree["posterior"]["rd_utilization"].values
    prior_u = tree["prior"]["rd_utilization"].values
    assert abs(np.median(post_u) - np.median(prior_u)) < 0.02


CORRELATED = """
[scenario]
title = "two correlated inputs"

[parameters]
final_run_cost = { family = "lognormal", p5 = 1e7, p95 = 1e9 }
final_run_share = { family = "beta", p5 = 0.05, p95 = 0.4 }

[[correlation]]
between = ["final_run_cost", "final_run_share"]
rank = 0.5

[[observe]]
quantity = "rd_compute_cost"
value = 1e9
sigma = 0.2
source = "test"
"""


@pytest.mark.slow
def test_correlated_inputs_is_and_mcmc_agree(tmp_path: Path) -> None:
    """The copula enters the prior of both methods; their posteriors agree within MC error."""
    path = tmp_path / "corr.toml"
    path.write_text(CORRELATED, encoding="utf-8")
    sc = fc.load_scenario(path)
    a = condition(sc, draws=2000, chains=4, seed=8, method="is")
    b = condition(sc, draws=2000, chains=4, seed=8, method="mcmc")
    assert "copula" in a["log_prior"] and "copula" in b["log_prior"]
    ess_b = json.loads(b.attrs["diagnostics"])["ess_bulk_min"]
    ess_a = float(a["sample_stats"].attrs["ess"])
    for name in ("final_run_cost", "final_run_share"):
        xa = np.log(a["posterior"][name].values)
        xb = np.log(b["posterior"][name].values)
        se = math.sqrt(xa.var() / ess_a + xb.var() / ess_b)
        assert abs(xa.mean() - xb.mean()) < 4 * se, name
    # the prior rank correlation survives in the prior group
    prior = a["prior"]
    rho = stats.spearmanr(
        prior["final_run_cost"].values.ravel(), prior["final_run_share"].values.ravel()
    )[0]
    assert rho == pytest.approx(0.5, abs=0.03)
    sens = az.psense_summary(a, var_names=["final_run_share"])
    assert {"prior", "likelihood"} <= set(sens.columns)


def test_observing_a_scenarios_own_parameter_conditions_on_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A parameter the built-in quantity table does not know (an internal error before)."""
    path = tmp_path / "ob.toml"
    path.write_text(
        '[scenario]\ntitle = "observe a parameter"\n\n[parameters]\n'
        'x = { family = "uniform", lower = 0, upper = 1 }\n'
        'z = { family = "normal", p5 = -1.645, p95 = 1.645 }\n\n[formulas]\no = "x + z"\n\n'
        '[[observe]]\nquantity = "x"\nvalue = 0.3\nsigma = 0.1\nsource = "a test"\n'
    )
    import frontiercost as fc

    tree = fc.simulate(str(path), draws=4000, chains=2, seed=1)
    x = tree["posterior"]["x"].values
    assert abs(float(np.median(x)) - 0.3) < 0.05  # the prior's median is 0.5


@pytest.mark.slow
def test_the_mcse_of_an_importance_resample_is_its_spread_over_seeds() -> None:
    """The resample repeats prior draws (its PSIS ESS is ~40 % of its size):
    arviz-stats' estimate counted each copy and gave 0.00051 for a median whose
    spread over seeds is 0.00073; the MCSE of ESS independent draws gives 0.00074."""
    warnings.simplefilter("ignore", fc.ConditioningWarning)
    medians, reported = [], []
    for seed in range(30):
        tree = fc.simulate("openai-2024-conditioned", draws=3000, seed=seed)
        medians.append(float(tree["posterior"]["final_run_share"].median()))
        if seed < 4:
            s = fc.summarize(tree, var_names=["final_run_share"])
            reported.append(float(s["mcse_median"][0]))
    spread = float(np.std(medians, ddof=1))  # itself within ~13 % (30 seeds)
    assert 0.75 < np.mean(reported) / spread < 1.35


@pytest.mark.parametrize("method", ["is", "mcmc"])
def test_a_fleets_shared_price_stream_stays_shared_in_the_posterior(method: str) -> None:
    """The posterior drew a fleet's per-chip copies of one price independently (prior
    rank correlation 1, posterior 0.003), so its interval was the prior's: $3.6B-$5.06B
    against the single chip's $3.75B-$4.39B (exit 0, diagnostics passing). The fleet
    is the single chip in other words: the same bits, by importance sampling and MCMC."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # amortized_cost needs a hardware age: not asked
        fleet = condition(one_chip(True), draws=400, chains=2, method=method)["posterior"]
        single = condition(one_chip(False), draws=400, chains=2, method=method)["posterior"]
    np.testing.assert_array_equal(fleet["acquisition_cost"], single["acquisition_cost"])
    np.testing.assert_array_equal(fleet["bare_chip_price_a"], single["bare_chip_price"])
    np.testing.assert_array_equal(fleet["bare_chip_price_b"], single["bare_chip_price"])
    # the evidence moved the posterior: the comparison is not of two priors
    assert np.quantile(single["acquisition_cost"], 0.95) < 4.6e9
