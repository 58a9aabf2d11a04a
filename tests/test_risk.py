"""Risk figures against exact sample statistics and analytic lognormal answers.

Statistical checks allow 4.5 Monte Carlo standard errors (false-failure rate
~7e-6 per check under normality).
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
from helpers import keep_kept
from scipy import stats

from frontiercost import FrontiercostError, Output, simulate, summarize
from frontiercost.analysis.risk import (
    exceedance,
    exceedance_curve,
    expected_shortfall,
    prob_greater,
    value_at_risk,
)
from frontiercost.engine._interp import formula_kernel
from frontiercost.errors import RangeWarning
from frontiercost.model import Model
from frontiercost.model.formula import compile_program
from frontiercost.priors import LogNormal

MU, SIGMA = math.log(4e7), 0.8
PRIOR = {"x": LogNormal(mu=MU, sigma=SIGMA, unit="USD")}
DIST = stats.lognorm(s=SIGMA, scale=math.exp(MU))
Z = 4.5


def _model(formula: str = "x") -> Model:
    program = compile_program(("x",), {"cost": formula}, ["cost"])
    return Model("one", ("x",), (Output("cost", "USD", "cost"),), formula_kernel, program)


@pytest.fixture(scope="module")
def stored():
    return simulate(_model(), PRIOR, draws=50_000, chains=2, seed=5)


@pytest.fixture(scope="module")
def streamed():
    return simulate(
        _model(), PRIOR, draws=50_000, chains=2, seed=5, store=False, thresholds={"cost": [1e8]}
    )


def test_exceedance_is_the_sample_fraction(stored) -> None:
    x = stored["posterior"]["cost"].values.ravel()
    t = [1e7, 4e7, 1e8]
    res = exceedance(stored, "cost", t)
    np.testing.assert_array_equal(res["probability"].values, [np.mean(x > v) for v in t])
    assert res["threshold"].attrs["units"] == "USD"


def test_exceedance_matches_the_lognormal_within_mcse(stored) -> None:
    t = np.array([2e7, 4e7, 1e8, 2e8])
    res = exceedance(stored, "cost", t)
    exact = DIST.sf(t)
    assert np.all(np.abs(res["probability"].values - exact) <= Z * res["mcse"].values)


def test_streaming_counted_threshold_equals_the_stored_run(stored, streamed) -> None:
    """Same seed, same draws: the counted exceedance is the stored fraction exactly."""
    a = exceedance(stored, "cost", 1e8)["probability"].item()
    b = exceedance(streamed, "cost", 1e8)
    assert b.attrs["method"] == "counted"
    assert b["probability"].item() == a


def test_streaming_histogram_exceedance_is_close(stored, streamed) -> None:
    t = [1.5e7, 3e7, 6e7, 1.2e8]
    a = exceedance(stored, "cost", t)["probability"].values
    b = exceedance(streamed, "cost", t)
    assert b.attrs["method"] == "histogram"
    # one bin is 0.39 % of the value; the density moves P by far less than 1e-3 over it
    np.testing.assert_allclose(b["probability"].values, a, atol=1e-3)


def test_value_at_risk_is_the_quantile(stored, streamed) -> None:
    x = stored["posterior"]["cost"].values.ravel()
    levels = [0.9, 0.95, 0.99]
    var = value_at_risk(stored, "cost", levels)
    np.testing.assert_allclose(var.values, np.quantile(x, levels))
    assert var.attrs["units"] == "USD"
    np.testing.assert_allclose(
        value_at_risk(streamed, "cost", levels).values, var.values, rtol=4e-3
    )


def test_expected_shortfall_matches_the_lognormal(stored, streamed) -> None:
    levels = np.array([0.9, 0.95])
    q = DIST.ppf(levels)
    # E[X | X > q] for a lognormal
    exact = (
        math.exp(MU + SIGMA**2 / 2)
        * stats.norm.sf((np.log(q) - MU) / SIGMA - SIGMA)
        / (1 - levels)
    )
    es = expected_shortfall(stored, "cost", levels).values
    np.testing.assert_allclose(es, exact, rtol=0.03)  # ~5 MC standard errors at 1e5 draws
    es_stream = expected_shortfall(streamed, "cost", levels).values
    np.testing.assert_allclose(es_stream, es, rtol=5e-3)


def test_exceedance_curve_is_decreasing(stored) -> None:
    curve = exceedance_curve(stored, "cost", points=50)
    p = curve.values
    assert curve.dims == ("value",) and p.size == 50
    assert np.all(np.diff(p) <= 0) and p[0] > 0.99 and p[-1] < 0.01


def test_prob_greater_pairs_draws() -> None:
    base = simulate(_model(), PRIOR, draws=4000, chains=2, seed=9)
    more = simulate(_model("x * 1.01"), PRIOR, draws=4000, chains=2, seed=9)
    res = prob_greater(more, base, "cost")
    assert res["probability"].item() == 1.0  # paired: 1 % more on every draw
    other_seed = simulate(_model(), PRIOR, draws=4000, chains=2, seed=10)
    p = prob_greater(other_seed, base, "cost")
    assert abs(p["probability"].item() - 0.5) <= Z * p["mcse"].item()


def test_prob_greater_of_identical_draws_is_a_half() -> None:
    base = simulate(_model(), PRIOR, draws=2000, chains=2, seed=9)
    res = prob_greater(base, base, "cost")
    # every pair a tie: neither run is greater, so 0.5 (it was 0 when ties counted as "not >")
    assert res["probability"].item() == 0.5 and res["prob_equal"].item() == 1.0
    assert res["mcse"].item() == 0.0
    more = simulate(_model("x * 1.01"), PRIOR, draws=2000, chains=2, seed=9)
    assert prob_greater(more, base, "cost")["prob_equal"].item() == 0.0


def test_bad_input_is_rejected(stored, streamed) -> None:
    with pytest.raises(FrontiercostError, match="unknown variable 'nope'"):
        exceedance(stored, "nope", 1.0)
    with pytest.raises(FrontiercostError, match="levels must lie in"):
        value_at_risk(stored, "cost", 1.5)
    with pytest.raises(FrontiercostError, match="stored draws"):
        prob_greater(streamed, stored, "cost")
    with pytest.raises(FrontiercostError, match="finite"):
        exceedance(stored, "cost", [float("nan")])


@pytest.mark.parametrize(
    ("mu", "sign", "inside"),
    [
        (math.log(1e50), 1.0, False),  # above 2**160: the top bin holds them all
        (math.log(1e-52), 1.0, False),  # below 2**-160: the bottom bin
        (math.log(1e50), -1.0, False),  # negative, beyond the range
        (math.log(1e46), 1.0, True),  # the upper tail only reaches past the range
    ],
)
def test_streamed_quantiles_beyond_the_histogram_range_are_nan_not_clamped(
    mu: float, sign: float, inside: bool
) -> None:
    """The histogram bounds magnitudes 2**-160 to 2**160; past them a quantile is NaN
    with a RangeWarning, never an end bin's edge (1.46e48) given as the value."""
    from frontiercost.errors import RangeWarning

    prior = {"x": LogNormal(mu=mu, sigma=1.4, unit="USD")}
    model = _model("x" if sign > 0 else "0 - x")
    kw = {"draws": 20_000, "chains": 2, "seed": 3}
    draws = simulate(model, prior, **kw)["posterior"]["cost"].values.ravel()
    streamed = simulate(model, prior, store=False, **kw)
    q = [0.05, 0.5, 0.95]
    with pytest.warns(RangeWarning, match="beyond the streaming histogram's range"):
        summary = summarize(streamed).sel(variable="cost")
    median = float(summary["median"])
    got = value_at_risk(streamed, "cost", q).values
    want = np.quantile(draws, q)
    if inside:  # the quantiles themselves lie in bounded bins: within one bin (0.39 %)
        np.testing.assert_allclose(got, want, rtol=2**-8)
        assert median == pytest.approx(np.median(draws), rel=2**-8)
        assert np.isnan(expected_shortfall(streamed, "cost", [0.999]).values).all()
    else:
        assert np.isnan(got).all() and math.isnan(median)
        assert np.isnan(expected_shortfall(streamed, "cost", [0.5]).values).all()
        assert np.isnan(exceedance(streamed, "cost", [float(want[1])])["probability"]).all()
    assert float(summary["mean"]) == pytest.approx(draws.mean(), rel=1e-9)  # exact as before


@pytest.mark.parametrize("sigma", [1e-300, 1e-160, 1e200, 1e307])
def test_moments_of_draws_at_the_edges_of_float64_are_right_or_nan(sigma: float) -> None:
    """Sums overflow near 1e307, squared deviations underflow below ~1e-154: stored runs
    rescale by a power of two (checked against the scaled draws' numpy moments); streamed
    ones give NaN with a warning, never a NaN mean or a zero sd presented as the answer."""
    import warnings

    from frontiercost.errors import RangeWarning
    from frontiercost.priors import Normal

    prior = {"x": Normal(mu=0.0, sigma=sigma)}
    kw = {"draws": 5_000, "chains": 2, "seed": 4}
    stored = simulate(_model(), prior, **kw)
    draws = stored["posterior"]["cost"].values
    scale = 2.0 ** math.frexp(float(np.abs(draws).max()))[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RangeWarning)
        s = summarize(stored).sel(variable="cost")
    assert float(s["mean"]) == pytest.approx(np.mean(draws / scale) * scale, rel=1e-12)
    assert float(s["sd"]) == pytest.approx(np.std(draws / scale, ddof=1) * scale, rel=1e-12)
    assert float(s["sd"]) == pytest.approx(sigma, rel=0.05)
    streamed = simulate(_model(), prior, store=False, **kw)
    with pytest.warns(RangeWarning):
        t = summarize(streamed).sel(variable="cost")
    ok = np.isnan(float(t["sd"])) or float(t["sd"]) == pytest.approx(sigma, rel=0.05)
    assert ok and float(t["sd"]) != 0.0


def test_draws_up_to_the_largest_float_are_summarized_and_their_shortfall_is_finite() -> None:
    """Draws of 2**1023 and more: the rescaling power of two was 2**1024 (an
    OverflowError, "internal error"), and the stored expected shortfall's sum overflowed."""
    from frontiercost.priors import Uniform

    prior = {"x": Uniform(lower=1e308, upper=1.7e308)}  # two middle draws sum past max
    stored = simulate(_model(), prior, draws=2_000, chains=2, seed=1)
    draws = stored["posterior"]["cost"].values.ravel()
    assert draws.max() > 2.0**1023
    s = summarize(stored).sel(variable="cost")
    assert float(s["mean"]) == pytest.approx(np.mean(draws / 4096) * 4096, rel=1e-12)
    top = np.sort(draws)[2_000:]
    es = float(expected_shortfall(stored, "cost", [0.5])[0])
    assert es == pytest.approx(np.mean(top / 4096) * 4096, rel=1e-12) and math.isfinite(es)
    assert float(s["median"]) == pytest.approx(np.median(draws / 4096) * 4096, rel=1e-12)
    hdi = summarize(stored, ci_kind="hdi").sel(variable="cost")
    assert float(hdi["median"]) == float(s["median"])


@pytest.mark.parametrize(
    ("formula", "t"),
    [
        ("max(x, 0)", 0.0),
        ("0 - max(x + 1.2, 0)", 0.0),
        ("x * 0 + 5", 5.0),
        ("min(exp(x), 2)", 2.0),
    ],
)
def test_streamed_exceedance_and_shortfall_at_point_masses_match_the_draws(
    formula: str, t: float
) -> None:
    """A value held exactly (0, a cap, a constant) is not above itself, and its mass
    counts in the tail mean: streamed figures agree with the stored draws'."""
    from frontiercost.priors import Normal

    prior = {"x": Normal(mu=0.0, sigma=1.0)}
    kw = {"draws": 20_000, "chains": 2, "seed": 6}
    draws = simulate(_model(formula), prior, **kw)["posterior"]["cost"].values.ravel()
    streamed = simulate(_model(formula), prior, store=False, **kw)
    p = float(exceedance(streamed, "cost", [t])["probability"][0])
    assert p == pytest.approx(float(np.mean(draws > t)), abs=2e-3)
    levels = [0.4, 0.9]
    es = expected_shortfall(streamed, "cost", levels).values
    for level, got in zip(levels, es, strict=True):
        k = int(np.floor(level * draws.size))
        want = np.partition(draws, k)[k:].mean()
        assert got == pytest.approx(want, rel=0.01, abs=1e-3)


def test_prob_greater_counts_equal_infinite_draws_as_ties() -> None:
    """inf - inf is NaN: compared, two identical runs with infinite draws give 0.5."""
    from frontiercost.errors import NonFiniteWarning
    from frontiercost.priors import Normal

    prior = {"x": Normal(mu=0.0, sigma=1.0)}
    with pytest.warns(NonFiniteWarning):
        run = simulate(_model("1 / max(x, 0)"), prior, draws=2_000, chains=2, seed=1)
    assert np.isinf(run["posterior"]["cost"].values).any()
    got = prob_greater(run, run, "cost")
    assert float(got["probability"]) == 0.5 and float(got["prob_equal"]) == 1.0


def test_the_exceedance_curve_of_draws_with_infinite_values_spans_the_finite_ones() -> None:
    """report and plot --kind exceedance failed on them, naming a flag never given."""
    from frontiercost.errors import NonFiniteWarning
    from frontiercost.priors import Normal

    prior = {"x": Normal(mu=0.0, sigma=1.0)}
    with pytest.warns(NonFiniteWarning):
        run = simulate(_model("1 / max(x, 0)"), prior, draws=2_000, chains=2, seed=1)
    curve = exceedance_curve(run, "cost", points=50)
    finite = run["posterior"]["cost"].values
    finite = finite[np.isfinite(finite)]
    assert np.isfinite(curve["value"]).all() and float(curve["value"].max()) <= finite.max()
    assert np.isfinite(curve.values).all()


def test_quantiles_of_infinite_draws_are_the_interpolations_limit() -> None:
    """numpy's a + t (b - a) is NaN between two equal infinities (and at t = 0 next to
    one); an infinite draw is a value, so the quantile there is that infinity."""
    from frontiercost.analysis._quantiles import quantiles

    inf = math.inf
    x = np.array([1.0, 2.0, inf, inf, inf])
    q = [0.0, 0.1, 0.25, 0.3, 0.5, 0.95, 1.0]
    np.testing.assert_array_equal(quantiles(x, q), [1.0, 1.4, 2.0, inf, inf, inf, inf])
    y = np.array([-inf, -inf, 1.0, 2.0])
    np.testing.assert_allclose(quantiles(y, [0.0, 0.4, 0.5, 0.9]), [-inf, -inf, -inf, 1.7])
    both = quantiles(np.array([-inf, inf]), [0.5])  # no limit between -inf and +inf
    assert np.isnan(both).all() and np.isnan(quantiles(np.array([]), [0.5])).all()
    finite = np.random.default_rng(3).lognormal(size=1001)  # numpy's own, bit for bit
    np.testing.assert_array_equal(quantiles(finite, q), np.quantile(finite, q))


def test_a_stored_run_with_infinite_draws_reports_inf_not_nan() -> None:
    from frontiercost.errors import NonFiniteWarning
    from frontiercost.priors import Normal

    prior = {"x": Normal(mu=0.0, sigma=1.0)}
    with pytest.warns(NonFiniteWarning):  # about 69 % of the draws are +inf
        run = simulate(_model("1 / max(x - 0.5, 0)"), prior, draws=2_000, chains=2, seed=1)
    x = run["posterior"]["cost"].values.ravel()
    assert 0.6 < np.isinf(x).mean() < 0.75
    for ci_kind in ("eti", "hdi"):
        lo, hi = (float(v) for v in summarize(run, ci_kind=ci_kind)["ci"].sel(variable="cost"))
        assert hi == math.inf and math.isfinite(lo) and lo > 0
    assert lo == float(np.sort(x)[0])  # the HDI starts at the smallest draw
    var = value_at_risk(run, "cost", [0.1, 0.5, 0.95]).values
    assert math.isfinite(var[0]) and var[0] == np.quantile(x, 0.1) and (var[1:] == math.inf).all()


def test_an_output_whose_every_draw_is_nan_gets_nan_not_an_error() -> None:
    from frontiercost.errors import NonFiniteWarning
    from frontiercost.priors import LogNormal

    prior = {"x": LogNormal(mu=0.0, sigma=1.0)}
    for store in (True, False):
        with pytest.warns(NonFiniteWarning):
            run = simulate(_model("sqrt(-x)"), prior, draws=1_000, chains=2, store=store)
        s = summarize(run, ci_kind="hdi").sel(variable="cost")
        assert np.isnan(s["ci"].values).all() and np.isnan(float(s["median"]))
        assert np.isnan(value_at_risk(run, "cost", [0.5, 0.9]).values).all()
        assert np.isnan(expected_shortfall(run, "cost", [0.9]).values).all()
        assert np.isnan(summarize(run).sel(variable="cost")["ci"].values).all()


@pytest.mark.parametrize("seed", [-1, 1.5, "x", None, True, 2**63])
def test_a_bad_seed_is_refused_by_name_where_draws_are_shuffled(seed: object) -> None:
    """numpy's own errors did not name the seed, and None gave another answer each call."""
    from frontiercost.analysis import trend_with_uncertainty

    run = simulate(_model(), PRIOR, draws=100, chains=2)
    with pytest.raises(FrontiercostError, match=r"seed: must be an integer in \[0, 2\*\*63\)"):
        prob_greater(run, run, "cost", pairing="shuffle", seed=seed)  # type: ignore[arg-type]
    samples = np.random.default_rng(0).lognormal(size=(3, 50)) + 1
    with pytest.raises(FrontiercostError, match=r"seed: must be an integer in \[0, 2\*\*63\)"):
        trend_with_uncertainty(list(samples), [2020.0, 2021.0, 2022.0], seed=seed)  # type: ignore[arg-type]


def test_streamed_quantiles_among_infinite_draws_are_infinite_as_stored() -> None:
    """The streaming histogram counts infinite draws exactly: all of one sign, they are
    the top (or bottom) ranks, and a quantile among them is that infinity, not NaN."""
    from frontiercost.errors import NonFiniteWarning
    from frontiercost.priors import Normal

    prior = {"x": Normal(mu=0.0, sigma=1.0)}
    levels = [0.05, 0.2, 0.5, 0.6, 0.8, 0.95]
    for formula in ("1 / max(x - 0.5, 0)", "0 - 1 / max(x - 0.5, 0)"):
        with pytest.warns(NonFiniteWarning):
            streamed = simulate(_model(formula), prior, draws=20_000, chains=2, store=False)
            stored = simulate(_model(formula), prior, draws=20_000, chains=2)
        x = stored["posterior"]["cost"].values.ravel()
        want = value_at_risk(stored, "cost", levels).values
        got = value_at_risk(streamed, "cost", levels).values
        infinite = np.isinf(want)
        assert infinite.any() and (~infinite).any()
        np.testing.assert_array_equal(got[infinite], want[infinite])
        np.testing.assert_allclose(got[~infinite], want[~infinite], rtol=0.02)
        with warnings.catch_warnings():  # nothing finite beyond the histogram's bins
            warnings.simplefilter("error", RangeWarning)
            summarize(streamed)
        es = float(expected_shortfall(streamed, "cost", [0.9]).values[0])
        es_stored = float(expected_shortfall(stored, "cost", [0.9]).values[0])
        assert es == es_stored if math.isinf(es_stored) else es == pytest.approx(es_stored, 0.01)
        assert np.isinf(x).sum() == int(json.loads(streamed.attrs["nonfinite"])["cost"]["inf"])


# ---------------------------------------------------------------- sweeps, pairing


@pytest.fixture(scope="module")
def sweep_tree():  # type: ignore[no-untyped-def]
    from frontiercost import sweep

    return sweep("frontier-run-2025-2030", vary=["growth_rate=2,3"], draws=500)


SWEEP_REFUSED = {
    "exceedance_curve": lambda t: exceedance_curve(t, "projected_cost_2027"),
    "prob_greater": lambda t: prob_greater(t, t, "projected_cost_2027"),
}


@pytest.mark.parametrize("name", SWEEP_REFUSED)
def test_a_sweep_is_refused_where_each_point_has_no_place(sweep_tree, name: str) -> None:  # type: ignore[no-untyped-def]
    """Pooled, a 2-point sweep gave one figure no point has (P(cost > $1B) = 0.595:
    the points' mean of 0.26 and 0.93), with exit 0.  Each point alone is accepted."""
    from frontiercost.results.view import NotARunError

    with pytest.raises(NotARunError) as err:
        SWEEP_REFUSED[name](sweep_tree)
    assert str(err.value) == (
        f"data: a sweep of 2 points (2 of growth_rate), not one run; {name} takes one run's"
        " draws (pooled over the grid they would give a figure no point has): pick a point,"
        " e.g. tree.sel(growth_rate=2); summarize, exceedance, value_at_risk and"
        " expected_shortfall give every point"
    )
    SWEEP_REFUSED[name](sweep_tree.sel(growth_rate=2))


def test_risk_figures_of_a_sweep_are_each_points(sweep_tree) -> None:  # type: ignore[no-untyped-def]
    var = "projected_cost_2027"
    e = exceedance(sweep_tree, var, [1e9, 3e9])
    v = value_at_risk(sweep_tree, var, [0.9, 0.95])
    es = expected_shortfall(sweep_tree, var, 0.95)
    assert e["probability"].dims == ("growth_rate", "threshold")
    assert v.dims == ("growth_rate", "level") and es.dims == ("growth_rate", "level")
    for g in (2, 3):
        one = sweep_tree.sel(growth_rate=g)
        x = one["posterior"][var].values.ravel()
        got = e["probability"].sel(growth_rate=g).values
        np.testing.assert_array_equal(got, [np.mean(x > 1e9), np.mean(x > 3e9)])
        assert v.sel(growth_rate=g, drop=True).equals(value_at_risk(one, var, [0.9, 0.95]))
        assert es.sel(growth_rate=g, drop=True).equals(expected_shortfall(one, var, 0.95))
    # the points differ: a pooled figure would lie between them
    assert float(e["probability"].sel(growth_rate=2, threshold=1e9)) < 0.5
    assert float(e["probability"].sel(growth_rate=3, threshold=1e9)) > 0.8


def test_a_summary_only_sweep_is_summarized_from_what_it_kept(sweep_tree) -> None:  # type: ignore[no-untyped-def]
    from frontiercost import sweep
    from frontiercost.results.view import NotARunError

    kept = sweep("frontier-run-2025-2030", vary=["growth_rate=2,3"], draws=500, summary_only=True)
    got = summarize(kept, var_names=["projected_cost_2027"])
    assert got["median"].dims == ("growth_rate", "variable")
    # the same points stored and summarized: the same medians to the histogram's 0.39 %
    stored = summarize(sweep_tree, var_names=["projected_cost_2027"])
    np.testing.assert_allclose(got["median"].values, stored["median"].values, rtol=0.004)
    with pytest.raises(FrontiercostError, match=r"kept summaries only, with 0.9 ETI intervals"):
        summarize(kept, ci_prob=0.95)
    with pytest.raises(FrontiercostError, match=r"counted P\(projected_cost_2027 > t\) for"
                       r" t = none, not 1e\+09: sweep again with thresholds="):  # fmt: skip
        exceedance(kept, "projected_cost_2027", [1e9])
    with pytest.raises(NotARunError, match=r"kept per-point summaries only.*value_at_risk needs"
                       r" draws: sweep again without summary_only \(value_at_risk then gives"
                       r" every point's\)"):  # fmt: skip
        value_at_risk(kept, "projected_cost_2027", [0.9])


def test_a_summary_only_sweep_gives_the_exceedance_it_counted(sweep_tree) -> None:  # type: ignore[no-untyped-def]
    """The thresholds a summaries-only sweep counted: each point's P(X > t) and MCSE, the
    stored sweep's bit for bit (the same draws); it refused them before."""
    from frontiercost import sweep

    var = "projected_cost_2027"
    counted = {var: [1e9, 3e9]}
    kept = sweep("frontier-run-2025-2030", vary=["growth_rate=2,3"], draws=500,
                 summary_only=True, thresholds=counted)  # fmt: skip
    got = exceedance(kept, var, [3e9, 1e9])
    want = exceedance(sweep_tree, var, [3e9, 1e9])
    assert got["probability"].dims == ("growth_rate", "threshold")
    for key in ("probability", "mcse"):
        np.testing.assert_array_equal(got[key].values, want[key].values)
    assert got.attrs["method"] == "counted" and got["threshold"].attrs["units"] == "USD"
    with pytest.raises(FrontiercostError, match=r"for t = 1e\+09, 3e\+09, not 2e\+09"):
        exceedance(kept, var, [2e9])
    with pytest.raises(FrontiercostError, match=r"unknown variable 'nope'"):
        exceedance(kept, "nope", [1e9])
    with pytest.raises(FrontiercostError, match=r"not 1000000000.0000001:"):  # not "not 1e+09"
        exceedance(kept, var, [1e9 + 1e-7])
    # a file written before the sweep kept the MCSE: the binomial one over every draw
    older = kept.copy()
    older["summary"] = older["summary"].to_dataset().drop_vars(f"mcse_exceedance_{var}")
    p = got["probability"].values
    np.testing.assert_allclose(
        exceedance(older, var, [3e9, 1e9])["mcse"].values, np.sqrt(p * (1 - p) / 2000)
    )


def test_prob_greater_pairs_one_scenarios_runs_and_shuffles_two_scenarios() -> None:
    a = simulate("gpt-4", draws=2000)
    variant = simulate("gpt-4", draws=2000, seed=0)
    other = simulate("gemini-1-0-ultra", draws=2000)
    same = prob_greater(a, variant, "amortized_cost")
    assert same.attrs["pairing"] == "index"
    assert same.equals(prob_greater(a, variant, "amortized_cost", pairing="index"))
    two = prob_greater(a, other, "amortized_cost")
    assert two.attrs["pairing"] == "shuffle"
    assert two.equals(prob_greater(a, other, "amortized_cost", pairing="shuffle"))
    # the coupling of same-named inputs across different models is what shuffling removes
    paired = prob_greater(a, other, "amortized_cost", pairing="index")
    assert abs(float(paired["probability"]) - float(two["probability"])) > 0.1


@pytest.mark.parametrize(("mu", "sigma"), [(1e6, 1.0), (2026.7, 1.0), (-5e4, 3.0)])
def test_streamed_figures_of_a_narrow_output_match_the_draws(mu: float, sigma: float) -> None:
    """Bins 2^-8 of the value wide were 8 years at 2027: the streamed median of a
    decimal year was off by 0.5 yr and P(X > q25) of N(1e6, 1) read 0.56, exit 0.
    Measured from the central value, they agree with the stored draws."""
    from frontiercost.priors import Normal

    prior = {"x": Normal(mu=mu, sigma=sigma)}
    kw = {"draws": 20_000, "chains": 2, "seed": 3}
    draws = simulate(_model(), prior, **kw)["posterior"]["cost"].values.ravel()
    streamed = simulate(_model(), prior, store=False, **kw)
    assert float(streamed["streaming"]["cost__hist_offset"]) == mu
    q = np.quantile(draws, [0.05, 0.25, 0.5, 0.75, 0.95])
    got = value_at_risk(streamed, "cost", [0.05, 0.25, 0.5, 0.75, 0.95]).values
    np.testing.assert_allclose(got, q, rtol=0, atol=0.01 * sigma)
    p = exceedance(streamed, "cost", q[1:4])["probability"].values
    np.testing.assert_allclose(p, [0.75, 0.5, 0.25], atol=1e-3)
    s = summarize(streamed)
    lo, hi = s["ci"].sel(variable="cost").values
    np.testing.assert_allclose([lo, hi], q[[0, 4]], rtol=0, atol=0.01 * sigma)


def test_a_wide_output_keeps_its_bins_measured_from_zero() -> None:
    """Where a first draw lies below half the central value, bins measured from it
    would be wider than the draws' own: the histogram stays as it was."""
    streamed = simulate(_model(), PRIOR, draws=5_000, chains=2, seed=5, store=False)
    assert "cost__hist_offset" not in streamed["streaming"]


def test_a_saved_streaming_run_keeps_its_histograms_origin(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import frontiercost as fc
    from frontiercost.priors import Normal

    prior = {"x": Normal(mu=2026.7, sigma=1.0)}
    path = tmp_path / "s.nc"
    streamed = simulate(_model(), prior, draws=5_000, seed=3, store=False, out=path)
    levels = [0.05, 0.5, 0.95]
    back = value_at_risk(fc.load_run(path), "cost", levels).values
    np.testing.assert_array_equal(back, value_at_risk(streamed, "cost", levels).values)


def test_rare_draws_far_from_the_histograms_origin_are_nan_not_coarse() -> None:
    """Two in 10,000 draws near 0.01 after the first 4,096 all lay near 100: binned from
    100 their bins were 0.39 wide, and the 1e-4 quantile read 0.106 against 0.0088."""
    base = {
        "scenario": {"title": "t", "outputs": ["heavy"]},
        "parameters": {
            "h": {
                "family": "mixture",
                "components": [
                    {"family": "normal", "mu": 100, "sigma": 1},
                    {"family": "lognormal", "median": 0.01, "p95": 0.02},
                ],
                "weights": [0.9998, 0.0002],
                "unit": "1",
            }
        },
        "formulas": {"heavy": "h"},
    }
    kw = {"draws": 200_000, "chains": 1, "seed": 0}
    draws = simulate(base, **kw)["posterior"]["heavy"].values.ravel()
    streamed = simulate(base, store=False, **kw)
    assert float(streamed["streaming"]["heavy__hist_offset"]) != 0.0
    got = value_at_risk(streamed, "heavy", [1e-4, 0.01, 0.5, 0.99]).values
    assert np.isnan(got[0])  # among the far draws: no bin narrow enough
    np.testing.assert_allclose(got[1:], np.quantile(draws, [0.01, 0.5, 0.99]), rtol=1e-4)
    assert np.isnan(exceedance(streamed, "heavy", [0.01])["probability"][0])
    # 48 far draws, the smallest of which is known exactly (the run's minimum)
    with pytest.warns(RangeWarning, match="heavy: 47 draws far from the value"):
        summarize(streamed)


_STEPS = {
    "scenario": {"title": "steps", "outputs": ["pos", "neg", "mixed"]},
    "parameters": {
        "h": {
            "family": "empirical",
            # a step table: 1, 4 and 5 with probabilities 0.3, 0.4 and 0.3
            "quantiles": [[0, 1], [0.3, 1], [0.3000001, 4], [0.7, 4], [0.7000001, 5], [1, 5]],
            "unit": "1",
        },
        "x": {"family": "normal", "mu": 0, "sigma": 1, "unit": "1"},
    },
    # mixed: point masses at 0.15 and 0.25 (not bin edges) inside continuous spreads
    "formulas": {"pos": "h", "neg": "-h", "mixed": "max(0.3 + 0.1 * x, 0.3) - 0.05 * min(h, 3)"},
}


def test_point_masses_on_bin_edges_are_counted_not_spread(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A step table's values 1, 4, 5 sit on histogram bin edges: P(X > 1) of the
    streamed run read 1.0 against 0.70 (the bin starting at 1 counted as above
    it), P(X > 4) 0.70 against 0.30. Values the first draws repeat are counted
    exactly and read as points."""
    import frontiercost as fc

    kw = {"draws": 20_000, "chains": 2, "seed": 4}
    stored = simulate(_STEPS, **kw)
    path = tmp_path / "steps.nc"
    streamed = simulate(_STEPS, store=False, out=path, **kw)
    for run in (streamed, fc.load_run(path)):
        for var, t in (("pos", [1.0, 2.5, 4.0, 4.5, 5.0]), ("neg", [-5.0, -4.0, -2.5, -1.0])):
            want = exceedance(stored, var, t)["probability"].values
            got = exceedance(run, var, t)["probability"].values
            np.testing.assert_array_equal(got, want)
            draws = stored["posterior"][var].values.ravel()
            levels = [0.1, 0.5, 0.9]
            np.testing.assert_array_equal(
                value_at_risk(run, var, levels).values, np.quantile(draws, levels)
            )
        mixed = stored["posterior"]["mixed"].values.ravel()
        values, counts = np.unique(mixed, return_counts=True)
        atoms = values[counts > 1]
        assert atoms.size == 2  # 0.15 and 0.25, up to rounding
        # at an atom: exact; beside it, in its bin: the continuous draws to a bin's share
        for t in atoms:
            near = [t - 1e-4, t, t + 1e-4]
            got = exceedance(run, "mixed", near)["probability"].values
            assert got[1] == np.mean(mixed > t)
            np.testing.assert_allclose(got, [np.mean(mixed > u) for u in near], atol=2e-3)
        levels = [0.05, 0.2, 0.5]
        np.testing.assert_allclose(
            value_at_risk(run, "mixed", levels).values, np.quantile(mixed, levels), rtol=1e-3
        )
    assert streamed["streaming"]["pos__atoms"].values.tolist() == [1.0, 4.0, 5.0]


def test_steps_beyond_four_rare_clamps_and_lhs_quantiles_read_as_the_draws() -> None:
    """Three cases the first fix left (hostile passes): an 8-step table kept 4 of its
    steps (P(X > 7) read 0.25 against 0.12; with 16 places, 18 steps were one too
    many); a clamp reached by 1 draw in 2,000,
    which the first 4,096 draws need not repeat, read P(X > bound) 1.0 against
    0.9994; and under lhs, whose strata make a step's count exact, the median of a
    50/50 table read 1 where numpy's rule gives 2.5 (streamed quantiles used rank
    q n, numpy q (n - 1))."""
    steps = [[0, 1]]
    for k in range(1, 34):  # 1 .. 34 (32 places, the extremes counted anyway)
        steps += [[k / 34, k], [k / 34 + 1e-7, k + 1]]
    table = {
        "scenario": {"title": "t", "outputs": ["o"]},
        "parameters": {"h": {"family": "empirical", "quantiles": [*steps, [1, 34]], "unit": "1"}},
        "formulas": {"o": "h"},
    }
    kw = {"draws": 20_000, "chains": 2, "seed": 7}
    t = [float(k) for k in range(1, 35)]
    want = exceedance(simulate(table, **kw), "o", t)["probability"].values
    got = exceedance(simulate(table, store=False, **kw), "o", t)["probability"].values
    np.testing.assert_array_equal(got, want)

    clamp = {
        "scenario": {"title": "c", "outputs": ["o"]},
        "parameters": {"x": {"family": "normal", "mu": 0, "sigma": 1, "unit": "1"}},
        "formulas": {"o": "min(max(x, -3.3), 3.4)"},
    }
    kw = {"draws": 100_000, "chains": 2, "seed": 2}
    streamed = simulate(clamp, store=False, **kw)
    assert "o__atoms" not in streamed["streaming"]  # the first draws saw neither bound twice
    t = [-3.3, 3.4 - 1e-9]
    want = exceedance(simulate(clamp, **kw), "o", t)["probability"].values
    np.testing.assert_array_equal(exceedance(streamed, "o", t)["probability"].values, want)
    assert 0.999 < want[0] < 1.0 and 0.0 < want[1] < 0.001

    half = {**table, "parameters": {"h": {"family": "empirical", "unit": "1",
            "quantiles": [[0, 1], [0.5, 1], [0.5000001, 4], [1, 4]]}}}  # fmt: skip
    kw = {"draws": 10_000, "chains": 2, "seed": 1, "sampler": "lhs"}
    draws = simulate(half, **kw)["posterior"]["o"].values.ravel()
    assert np.count_nonzero(draws == 1.0) == 10_000  # strata: exactly half
    levels = [0.25, 0.5, 0.75]
    np.testing.assert_array_equal(
        value_at_risk(simulate(half, store=False, **kw), "o", levels).values,
        np.quantile(draws, levels),
    )


def test_a_streamed_hdi_counts_draws_as_arviz_does() -> None:
    """A 90 % HDI of a step table with exactly 10 % on its last step (lhs strata):
    arviz-stats takes floor(0.9 n) + 1 draws and reaches the step, [1, 5]; the
    streamed interval took 0.9 n and stopped at 4."""
    table = {
        "scenario": {"title": "t", "outputs": ["o"]},
        "parameters": {"h": {"family": "empirical", "unit": "1", "quantiles": [
            [0, 1], [0.3, 1], [0.3000001, 2], [0.6, 2], [0.6000001, 3], [0.8, 3],
            [0.8000001, 4], [0.9, 4], [0.9000001, 5], [1, 5]]}},
        "formulas": {"o": "h"},
    }  # fmt: skip
    kw = {"draws": 10_000, "chains": 2, "seed": 3, "sampler": "lhs"}
    for prob in (0.3, 0.6, 0.9):
        stored = summarize(simulate(table, **kw), var_names=["o"], ci_prob=prob, ci_kind="hdi")
        streamed = summarize(simulate(table, store=False, **kw), ci_prob=prob, ci_kind="hdi")
        np.testing.assert_array_equal(streamed["ci"].values, stored["ci"].values)


def test_exceedance_of_outputs_samples_only_them(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`exceedance gpt-4 -t 50M --draws 2.5e6` stored every input and output: 2.05 GB
    and 13 s, against 414 MB and 3 s for the outputs asked; the same draws (streams)."""
    from frontiercost.analysis.risk import exceedance as exceedance_of
    from frontiercost.cli import _exceedance, main

    kept = keep_kept(monkeypatch, _exceedance)
    argv = ["exceedance", "gpt-4", "-t", "amortized_cost=50M", "-t", "chip_cost=20M"]
    assert main([*argv, "--draws", "2000", "--format", "json", "-q"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert kept == [("amortized_cost", "chip_cost")]
    whole = simulate("gpt-4", draws=2000, chains=4, seed=0)
    for name, t in (("amortized_cost", 5e7), ("chip_cost", 2e7)):
        ours = record["variables"][name]["exceedance"][0]
        assert ours["probability"] == float(exceedance_of(whole, name, [t])["probability"][0])
