"""Monte Carlo standard errors of the interval bounds in ``summarize``.

Sources of truth: the asymptotic standard error of a sample quantile of
independent draws, ``sqrt(p (1 - p) / n) / f(q)`` (e.g. van der Vaart 1998,
Asymptotic Statistics, corollary 21.5), with ``f`` from scipy; and the
spread of the bounds over independent runs.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st
import xarray as xr

import frontiercost as fc

LOGNORMAL = st.lognorm(s=0.8, scale=4e7)  # a cost: median $40M, 90 % within ~0.27-3.7x


def _tree(x: np.ndarray, units: str = "USD") -> xr.DataTree:
    """A stored run of one variable per leading index of ``x`` (shape (..., chain, draw))."""
    x = x.reshape(-1, *x.shape[-2:])
    ds = xr.Dataset(
        {f"v{i}": (("chain", "draw"), x[i], {"units": units}) for i in range(x.shape[0])}
    )
    return xr.DataTree.from_dict({"posterior": ds})


def _analytic_se(dist: st.rv_continuous, p: float, n: int) -> float:
    return float(np.sqrt(p * (1 - p) / n) / dist.pdf(dist.ppf(p)))


@pytest.mark.parametrize("ci_prob", [0.9, 0.5])
def test_mcse_of_bounds_matches_the_asymptotic_quantile_se(ci_prob: float) -> None:
    # 4 x 25,000 iid draws. Over 50 seeds the ratio reported / analytic had
    # mean 0.99-1.00 and sd 0.08 (90 % ETI), so [0.7, 1.4] is > 3.7 sd from
    # 1 on each side: false-failure rate about 2e-4 per bound (fixed seed here).
    rng = np.random.default_rng(20240531)
    x = LOGNORMAL.rvs(size=(4, 25_000), random_state=rng)
    s = fc.summarize(_tree(x), ci_prob=ci_prob)
    a = (1 - ci_prob) / 2
    for name, p in (("mcse_lower", a), ("mcse_upper", 1 - a)):
        ratio = float(s[name].item()) / _analytic_se(LOGNORMAL, p, x.size)
        assert 0.7 <= ratio <= 1.4, (name, ratio)
    assert s["mcse_lower"].attrs["long_name"].startswith("Monte Carlo standard error")


@pytest.mark.slow
def test_mcse_of_bounds_matches_their_spread_over_independent_runs() -> None:
    # 1,000 independent runs of 2 x 2,000 draws (~7 s). The sd of a bound
    # over the runs has a relative sampling error of 1/sqrt(2 * 999) = 2.2 %;
    # the mean reported MCSE ~0.6 %, and at 4,000 draws it runs 3-5 % high
    # (measured over three seeds: arviz's order-statistic estimator).  A 15 %
    # tolerance leaves > 4.5 sd for the noise: false-failure rate < 1e-5.
    rng = np.random.default_rng(7)
    x = LOGNORMAL.rvs(size=(1_000, 2, 2_000), random_state=rng)
    s = fc.summarize(_tree(x))
    ci = s["ci"].values
    for j, name in enumerate(("mcse_lower", "mcse_upper")):
        spread = ci[:, j].std(ddof=1)
        reported = float(s[name].mean())
        assert reported == pytest.approx(spread, rel=0.15), name


def test_mcse_of_bounds_shrinks_as_one_over_sqrt_draws() -> None:
    rng = np.random.default_rng(3)
    small = fc.summarize(_tree(LOGNORMAL.rvs(size=(4, 5_000), random_state=rng)))
    large = fc.summarize(_tree(LOGNORMAL.rvs(size=(4, 80_000), random_state=rng)))
    # 16x the draws: a quarter of the MCSE (each estimate within ~10 %)
    ratio = float(large["mcse_upper"].item()) / float(small["mcse_upper"].item())
    assert 0.25 / 1.35 <= ratio <= 0.25 * 1.35


def test_mcse_of_bounds_on_a_simulated_scenario() -> None:
    tree = fc.simulate("gpt-4", draws=5_000, chains=2, seed=1)
    s = fc.summarize(tree, var_names=["amortized_cost", "inflation_factor"])
    cost = s.sel(variable="amortized_cost")
    # a right-skewed cost: the upper bound is the least certain
    assert 0 < cost["mcse_lower"] < cost["mcse_upper"]
    assert cost["mcse_upper"] < 0.05 * cost["ci"].sel(ci_bound="upper")
    fixed = s.sel(variable="inflation_factor")
    assert fixed["mcse_lower"] == 0 and fixed["mcse_upper"] == 0


def test_mcse_of_bounds_is_nan_for_hdi_and_streaming_qmc() -> None:
    tree = fc.simulate("gpt-4", draws=2_000, chains=2, seed=1)
    hdi = fc.summarize(tree, ci_kind="hdi", var_names=["amortized_cost"])
    assert np.isnan(hdi["mcse_lower"]).all() and np.isnan(hdi["mcse_upper"]).all()
    assert (hdi["mcse_median"] > 0).all()  # unchanged by the interval kind
    # QMC draws are not independent: no ESS = n shortcut, and no draws for arviz-stats
    stream = fc.simulate("gpt-4", draws=2_048, chains=2, seed=1, store=False, sampler="qmc")
    s = fc.summarize(stream, var_names=["amortized_cost"])
    for var in ("mcse_median", "mcse_lower", "mcse_upper"):
        assert np.isnan(s[var]).all(), var


MCSE_VARS = ["mcse_median", "mcse_lower", "mcse_upper"]


def test_independent_draws_use_ess_equal_to_draws() -> None:
    """mc draws (no conditioning): arviz-stats' formula with ESS = n, not its ESS estimate."""
    import arviz as az

    tree = fc.simulate("gpt-4", draws=20_000, chains=4, seed=2, store_inputs=False)
    names = ["amortized_cost", "energy_cost", "usd_per_flop"]
    s = fc.summarize(tree, var_names=names)
    post = tree["posterior"].to_dataset()[names]
    for var, prob in zip(MCSE_VARS, (0.5, 0.05, 0.95), strict=True):
        # arviz-stats' formula written out with ESS = n (sorted draws, scipy's beta)
        exact = []
        for n in names:
            x = np.sort(post[n].values.ravel())
            a, b = st.beta.ppf([0.1586553, 0.8413447], x.size * prob + 1, x.size * (1 - prob) + 1)
            lo = x[int(np.floor(max(a * x.size - 1, 0)))]
            hi = x[int(np.ceil(min(b * x.size - 1, x.size - 1)))]
            exact.append((hi - lo) / 2)
        np.testing.assert_allclose(s[var].values, exact, rtol=1e-12)
        # ... which arviz-stats' ESS estimate of these iid draws scatters around by a few %
        ref = az.mcse(post, method="quantile", prob=prob)
        ratio = s[var].values / np.array([float(ref[n]) for n in names])
        np.testing.assert_allclose(ratio, 1.0, atol=0.05)
        assert not np.array_equal(ratio, np.ones(len(names)))  # not arviz-stats' own figure
    # A sampler whose draws are not independent keeps arviz-stats' estimate, exactly.
    lhs = fc.simulate("gpt-4", draws=2_000, chains=2, seed=2, sampler="lhs")
    s = fc.summarize(lhs, var_names=["amortized_cost"])
    ref = az.mcse(lhs["posterior"].to_dataset()[["amortized_cost"]], method="median")
    assert float(s["mcse_median"][0]) == float(ref["amortized_cost"])


def test_streaming_mcse_agrees_with_stored() -> None:
    """A streaming mc run reports the MCSE of the same draws stored, read off its histogram."""
    kw = {"draws": 50_000, "chains": 4, "seed": 3}
    names = ["amortized_cost", "energy_cost"]
    stored = fc.summarize(fc.simulate("gpt-4", **kw), var_names=names)
    stream = fc.summarize(fc.simulate("gpt-4", store=False, **kw), var_names=names)
    for var in MCSE_VARS:
        # order statistics against histogram quantiles (one bin = 0.39 %) of 2e5 draws
        np.testing.assert_allclose(stream[var].values, stored[var].values, rtol=0.05)
        assert (stream[var].values > 0).all()


def test_existing_summary_outputs_are_unchanged() -> None:
    rng = np.random.default_rng(11)
    x = LOGNORMAL.rvs(size=(2, 3_000), random_state=rng)
    s = fc.summarize(_tree(x), ci_prob=0.8)
    assert set(s.data_vars) == {
        *("mean", "sd", "median", "mcse_median", "ci", "mcse_lower", "mcse_upper")
    }
    np.testing.assert_allclose(s["ci"].values[0], np.quantile(x, [0.1, 0.9]), rtol=1e-12)
    assert s["mcse_lower"].dims == ("variable",)
