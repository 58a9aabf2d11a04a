"""Sensitivity analysis: Sobol indices, rank correlations, tornado tables.

Sources of truth, per test: analytic Sobol indices (Ishigami function, a
linear model, a product of lognormals), the bivariate-normal Spearman formula,
exact proportionality of the cost model, and the point-estimate path
(``frontiercost.evaluate``) on an edited scenario.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from helpers import keep_kept, run_engine

import frontiercost as fc
from frontiercost.analysis.sensitivity import rank_correlations, sobol_indices, tornado
from frontiercost.engine import model_kernel
from frontiercost.engine._interp import formula_kernel
from frontiercost.engine.local import evaluate_uniforms
from frontiercost.engine.plan import plan_run
from frontiercost.engine.ranges import given_uniforms
from frontiercost.errors import FrontiercostError, SimulationError
from frontiercost.model import Model, Output
from frontiercost.model.formula import compile_program
from frontiercost.priors import Fixed, LogNormal, Normal, Prior, Uniform
from frontiercost.settings import Sampling


@model_kernel
def _ishigami_kernel(x, out, n, consts):  # type: ignore[no-untyped-def]
    for j in range(n):
        s1 = math.sin(x[0, j])
        out[0, j] = s1 + 7.0 * math.sin(x[1, j]) ** 2 + 0.1 * x[2, j] ** 4 * s1


ISHIGAMI = Model("ishigami", ("x1", "x2", "x3"), (Output("y", "1", "Ishigami"),), _ishigami_kernel)
ISHIGAMI_PRIORS: dict[str, Prior] = {
    n: Uniform(lower=-math.pi, upper=math.pi) for n in ISHIGAMI.inputs
}


def _ishigami_truth(a: float = 7.0, b: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Analytic indices of the Ishigami function, inputs uniform on [-pi, pi].

    Ishigami & Homma (1990); variances as in Sobol' & Levitan (1999) and
    Saltelli et al. (2008), Global Sensitivity Analysis: The Primer, and
    SALib's ``tests/test_test_functions.py``.
    """
    pi4, pi8 = math.pi**4, math.pi**8
    v = a * a / 8 + b * pi4 / 5 + b * b * pi8 / 18 + 0.5
    v1 = 0.5 * (1 + b * pi4 / 5) ** 2
    v2 = a * a / 8
    v13 = 8 * b * b * pi8 / 225
    return np.array([v1, v2, 0.0]) / v, np.array([v1 + v13, v2, v13]) / v


def _formula_model(formula: str, inputs: tuple[str, ...]) -> Model:
    program = compile_program(inputs, {"y": formula}, ["y"])
    return Model("f", inputs, (Output("y", "1", formula),), formula_kernel, program)


def test_ishigami_truth_matches_published_values() -> None:
    """The formulas above against the decimals quoted in the literature (to 4 places)."""
    s1, st = _ishigami_truth()
    np.testing.assert_allclose(s1, [0.3139, 0.4424, 0.0], atol=5e-5)
    np.testing.assert_allclose(st, [0.5576, 0.4424, 0.2437], atol=5e-5)


@pytest.mark.parametrize("sampler", ["qmc", "mc"])
def test_ishigami_indices(sampler: str) -> None:
    """Sobol indices of the Ishigami function against the analytic values.

    Measured over 200 seeds at n = 2**12: RMS error of each index <= 0.004
    (QMC) and <= 0.022 (MC).  The tolerances, 0.02 (QMC) and 0.08 (MC), are
    5 and 3.6 such RMS errors: false-failure rates for an arbitrary seed of
    ~1e-6 and ~2e-3 (6 near-normal errors).  For QMC the truth must also lie
    in the 90 % interval (the bootstrap is conservative there: it covered
    200 of 200 seeds); MC coverage is its own test.  Intervals must be
    narrow enough to mean something.
    """
    s1_true, st_true = _ishigami_truth()
    ds = sobol_indices(ISHIGAMI, "y", priors=ISHIGAMI_PRIORS, n=1 << 12, seed=3, sampler=sampler)
    assert list(ds.parameter.values) == ["x1", "x2", "x3"]
    assert ds.S1.dims == ("parameter",) and ds.S1_ci.dims == ("parameter", "ci_bound")
    tol = 0.02 if sampler == "qmc" else 0.08
    np.testing.assert_allclose(ds.S1.values, s1_true, atol=tol)
    np.testing.assert_allclose(ds.ST.values, st_true, atol=tol)
    for var, truth in (("S1_ci", s1_true), ("ST_ci", st_true)):
        lo, hi = ds[var].sel(ci_bound="lower").values, ds[var].sel(ci_bound="upper").values
        if sampler == "qmc":
            assert np.all(lo <= truth) and np.all(truth <= hi), (var, lo, hi, truth)
        assert np.all(hi - lo < 0.1)
    assert ds.S1_ci.attrs["ci_kind"] == "eti" and ds.S1_ci.attrs["ci_prob"] == 0.9
    assert ds.attrs["evaluations"] == (1 << 12) * 5


@pytest.mark.slow
def test_mc_bootstrap_interval_coverage() -> None:
    """90 % bootstrap intervals cover the analytic Ishigami indices ~90 % of the time (MC).

    100 seeds x 6 indices at n = 2**10.  Measured coverage over 200 seeds:
    0.875-0.94 per index, 0.904 overall.  Intervals of one seed are
    correlated, so the bounds [0.83, 0.96] are wider than the binomial
    +-3.5 sd (+-0.043) of 600 independent intervals.
    """
    s1_true, st_true = _ishigami_truth()
    hits = []
    for seed in range(100):
        ds = sobol_indices(
            ISHIGAMI, "y", priors=ISHIGAMI_PRIORS, n=1 << 10, seed=seed, sampler="mc", n_boot=500
        )
        for var, truth in (("S1_ci", s1_true), ("ST_ci", st_true)):
            ci = ds[var].values
            hits.extend((ci[:, 0] <= truth) & (truth <= ci[:, 1]))
    assert 0.83 <= np.mean(hits) <= 0.96


@pytest.mark.slow
def test_small_qmc_designs_take_intervals_from_independent_scramblings() -> None:
    """Up to 1,024 rows the QMC design is 8 independent scramblings, its intervals
    Student t over their spread: one scrambling's bootstrap said half its error (GPT-4's
    ST of bare_chip_price at n = 1,024: 8 seeds in 24 covered the converged 0.443).

    Ishigami, 100 seeds x 6 indices, measured: 0.918 at n = 2**8, 0.923 at 2**10.
    Bounds as for the MC test: [0.83, 0.96].
    """
    s1_true, st_true = _ishigami_truth()
    hits = []
    for seed in range(100):
        ds = sobol_indices(ISHIGAMI, "y", priors=ISHIGAMI_PRIORS, n=1 << 10, seed=seed)
        for var, truth in (("S1_ci", s1_true), ("ST_ci", st_true)):
            ci = ds[var].values
            hits.extend((ci[:, 0] <= truth) & (truth <= ci[:, 1]))
    assert 0.83 <= np.mean(hits) <= 0.96
    assert ds.attrs["interval"] == "Student t over 8 independent scramblings"
    big = sobol_indices(ISHIGAMI, "y", priors=ISHIGAMI_PRIORS, n=1 << 11, seed=0)
    assert big.attrs["interval"].startswith("bootstrap over rows")


def test_linear_model_indices_and_excluded_inputs() -> None:
    """y = 2a + b - 3c with independent normals: S1_i = ST_i = a_i^2 sd_i^2 / sum.

    Through the formula interpreter, as scenarios run.  Input ``d`` is fixed
    (not a factor); ``e`` is uncertain but not read, so both its indices are
    exactly 0.  Tolerance 0.01: over 50 seeds at n = 2**12 the RMS error was
    <= 0.0007 and the largest 0.0018.
    """
    model = _formula_model("2 * a + b - 3 * c + 0 * d", ("a", "b", "c", "d", "e"))
    priors: dict[str, Prior] = {
        "a": Normal(mu=1.0, sigma=1.0),
        "b": Normal(mu=-2.0, sigma=2.0),
        "c": Normal(mu=0.0, sigma=0.5),
        "d": Fixed(value=4.0),
        "e": LogNormal(mu=0.0, sigma=1.0),
    }
    ds = sobol_indices(model, ["y"], priors=priors, n=1 << 12, seed=0)
    assert ds.S1.dims == ("output", "parameter")
    assert list(ds.parameter.values) == ["a", "b", "c", "e"]
    parts = np.array([4.0 * 1.0, 1.0 * 4.0, 9.0 * 0.25])
    truth = np.append(parts / parts.sum(), 0.0)
    np.testing.assert_allclose(ds.S1.sel(output="y").values, truth, atol=0.01)
    np.testing.assert_allclose(ds.ST.sel(output="y").values, truth, atol=0.01)
    assert float(ds.S1.sel(output="y", parameter="e")) == 0.0
    assert float(ds.ST.sel(output="y", parameter="e")) == 0.0


def test_lognormal_product_indices() -> None:
    """y = a b c with lognormal inputs (log-sd s_i), which interact.

    From lognormal moments (E[x^2] = E[x]^2 exp(s^2)), with S = sum s_i^2:
    Var(E[y|x_i]) = E[y]^2 (exp(s_i^2) - 1), Var(y) = E[y]^2 (exp(S) - 1),
    Var(E[y|x_~i]) = E[y]^2 (exp(S - s_i^2) - 1), so
    S1_i = (exp(s_i^2) - 1) / (exp(S) - 1) and
    ST_i = (exp(S) - exp(S - s_i^2)) / (exp(S) - 1).
    Tolerance 0.03: over 50 seeds at n = 2**13 the RMS error was <= 0.005 and
    the largest 0.017 (the product's heavy tail makes errors heavy-tailed too).
    """
    s = np.array([0.3, 0.5, 0.2])
    model = _formula_model("a * b * c", ("a", "b", "c"))
    priors: dict[str, Prior] = {
        n: LogNormal(mu=mu, sigma=float(si))
        for n, mu, si in zip("abc", (0.0, 2.0, -1.0), s, strict=True)
    }
    ds = sobol_indices(model, "y", priors=priors, n=1 << 13, seed=1)
    tot = s @ s
    s1 = np.expm1(s**2) / np.expm1(tot)
    st = (np.exp(tot) - np.exp(tot - s**2)) / np.expm1(tot)
    np.testing.assert_allclose(ds.S1.values, s1, atol=0.03)
    np.testing.assert_allclose(ds.ST.values, st, atol=0.03)
    assert np.all(st > s1 + 0.01)  # the test function has interactions to find


def test_sobol_is_deterministic() -> None:
    """Same seed, same bits; another seed, another design."""
    a = sobol_indices(ISHIGAMI, "y", priors=ISHIGAMI_PRIORS, n=1 << 8, seed=5, threads=1)
    b = sobol_indices(ISHIGAMI, "y", priors=ISHIGAMI_PRIORS, n=1 << 8, seed=5)
    c = sobol_indices(ISHIGAMI, "y", priors=ISHIGAMI_PRIORS, n=1 << 8, seed=6)
    xr.testing.assert_identical(a, b)
    assert not np.array_equal(a.S1.values, c.S1.values)


def test_evaluate_uniforms_is_the_qmc_pass(ref) -> None:  # type: ignore[no-untyped-def]
    """Given the QMC sampler's uniforms, evaluate_uniforms returns the run's bits.

    With and without a copula, for any block size and thread count.
    """
    model, priors = ref
    a, b = model.inputs[:2]
    for corr in (None, {(a, b): 0.6}):
        plan = plan_run(model, priors, Sampling(draws=3000, chains=1, seed=9, sampler="qmc"))
        u = given_uniforms(plan, 0, 3000)
        run = run_engine(model, priors, draws=3000, seed=9, sampler="qmc", correlations=corr)
        for block, threads in ((2048, None), (8, 1)):
            got = evaluate_uniforms(model, priors, u, corr, block_size=block, threads=threads)
            for name in model.output_names:
                np.testing.assert_array_equal(got[name], run.outputs[name][0])


def test_evaluate_uniforms_rejects_bad_input(ref) -> None:  # type: ignore[no-untyped-def]
    model, priors = ref
    k = len(model.inputs)
    with pytest.raises(SimulationError, match="shape"):
        evaluate_uniforms(model, priors, np.full((k + 1, 4), 0.5))
    with pytest.raises(SimulationError, match=r"\[0, 1\]"):
        evaluate_uniforms(model, priors, np.full((k, 4), 1.5))
    with pytest.raises(SimulationError, match=r"\[0, 1\]"):
        evaluate_uniforms(model, priors, np.full((k, 4), np.nan))


def test_sobol_on_scenario_agrees_with_other_views() -> None:
    """gpt-4 amortized cost: Sobol, tornado and rank correlations name the same drivers.

    Consistency, not truth: the two largest total indices belong to the two
    largest tornado swings; inputs the output does not read
    (``training_compute``) and fixed inputs are not factors; S1 <= ST up to
    the estimators' noise; sum S1 <= 1 + noise.
    """
    ds = sobol_indices("gpt-4", "amortized_cost", n=1 << 12, seed=0)
    sc = fc.load_scenario("gpt-4")
    assert "training_compute" not in ds.parameter.values
    fixed = [n for n, p in sc.priors.items() if p.family == "fixed"]
    assert not set(fixed) & set(ds.parameter.values)
    top = list(ds.ST.sortby(ds.ST, ascending=False).parameter.values[:2])
    tor = tornado("gpt-4", "amortized_cost")
    assert top == list(tor.parameter.values[:2])
    assert np.all(ds.S1.values <= ds.ST.values + 0.02)
    assert float(ds.S1.sum()) <= 1.02
    assert str(ds.output_units.values) == "USD"


def _gpt4_variant(tmp_path: Path, line: str, extra: str = "") -> Path:
    text = fc.load_scenario("gpt-4").text
    key = line.split("=")[0].strip()
    new, count = re.subn(rf"(?m)^{key} = .*$", line, text)
    assert count == 1
    path = tmp_path / "variant.toml"
    path.write_text(new + extra)
    return path


def test_correlated_scenario_is_refused_unless_asked(tmp_path: Path) -> None:
    extra = '\n[[correlation]]\nbetween = ["chip_count", "training_hours"]\nrank = -0.5\n'
    path = _gpt4_variant(tmp_path, "cloud_price = 1.36", extra)
    with pytest.raises(SimulationError, match="independent inputs"):
        sobol_indices(path, "amortized_cost", n=1 << 6)
    ds = sobol_indices(path, "amortized_cost", n=1 << 6, ignore_correlations=True)
    assert ds.attrs["correlations"] == "dropped: chip_count~training_hours"


def test_tornado_gpt4(tmp_path: Path) -> None:
    """Tornado of gpt-4's amortized cost against exact and direct evaluations.

    - Every term of the amortized cost is proportional to chip-hours
      (docs/model.md §3.2; model/quantities.py), so at training_hours' p5 / p95 the cost
      is central x p5 / central of training_hours, exactly (0.5 and 2).
    - ``central`` is the point estimate of ``frontiercost.evaluate``.
    - ``high`` for bare_chip_price equals ``evaluate`` on the scenario file
      with bare_chip_price fixed at its prior's p95.
    - training time (x0.5-x2) and the chip price (x0.5-x2 on all but energy)
      are the two largest swings, in that order.
    """
    sc = fc.load_scenario("gpt-4")
    tor = tornado(sc, "amortized_cost")
    assert tor.low.dims == ("parameter",) and tor.attrs["output"] == "amortized_cost"
    assert tor.low.attrs["units"] == "USD"
    central = float(fc.evaluate(sc)["amortized_cost"])
    assert float(tor.central) == pytest.approx(central, rel=1e-12)
    assert list(tor.parameter.values[:2]) == ["training_hours", "bare_chip_price"]
    assert np.all(np.diff(tor.swing.values) <= 0)
    th = tor.sel(parameter="training_hours")
    prior = sc.priors["training_hours"]
    assert float(th.input_low) == pytest.approx(float(prior.ppf(0.05)), rel=1e-12)
    per_hour = central / prior.central
    assert float(th.low) == pytest.approx(per_hour * float(th.input_low), rel=1e-9)
    assert float(th.high) == pytest.approx(per_hour * float(th.input_high), rel=1e-9)
    assert float(th.high) / float(th.low) == pytest.approx(4.0, rel=1e-9)  # x2 / x0.5
    assert float(th.swing) == pytest.approx(abs(float(th.high - th.low)), rel=1e-12)
    p95 = float(sc.priors["bare_chip_price"].ppf(0.95))
    direct = fc.evaluate(_gpt4_variant(tmp_path, f"bare_chip_price = {p95!r}"))
    got = float(tor.high.sel(parameter="bare_chip_price"))
    assert got == pytest.approx(float(direct["amortized_cost"]), rel=1e-12)
    assert str(tor.parameter_units.sel(parameter="training_hours").values) == "h"


@model_kernel
def _sum_kernel(x, out, n, consts):  # type: ignore[no-untyped-def]
    for j in range(n):
        out[0, j] = math.exp(x[0, j] + 2.0 * math.log(x[1, j]))
        out[1, j] = x[0, j]


SUM = Model(
    "sum",
    ("a", "b", "d"),
    (Output("y", "1", "exp(a + 2 log b)"), Output("a_out", "1", "a")),
    _sum_kernel,
)
SUM_PRIORS: dict[str, Prior] = {
    "a": Normal(mu=0.0, sigma=1.0),
    "b": LogNormal(mu=0.0, sigma=1.0),
    "d": Fixed(value=1.0),
}


def test_rank_correlations_bivariate_normal() -> None:
    """y = exp(a + 2 log b) is monotone in z = a + 2 log b, with a, log b iid N(0, 1).

    Pearson correlations of a and log b with z are 1/sqrt(5) and 2/sqrt(5);
    ranks are invariant to monotone maps, and for a bivariate normal with
    correlation r the Spearman correlation is (6 / pi) asin(r / 2)
    (Pearson 1907; Kruskal 1958).  Tolerance 0.02: standard error at 20 000
    draws is < 0.006.  The fixed input ``d`` is dropped; an input against
    itself gives 1 exactly.
    """
    tree = fc.simulate(SUM, SUM_PRIORS, draws=10_000, chains=2, seed=4)
    rho = rank_correlations(tree, "y")
    assert rho.dims == ("parameter",)
    assert list(rho.parameter.values) == ["a", "b"]
    truth = 6 / math.pi * np.arcsin(np.array([1, 2]) / math.sqrt(5) / 2)
    np.testing.assert_allclose(rho.values, truth, atol=0.02)
    assert rho.attrs["units"] == "1"
    assert float(rank_correlations(tree, "a_out").sel(parameter="a")) == pytest.approx(1.0)


def test_rank_correlations_keep_sweep_dims() -> None:
    """Runs stacked along a sweep dim give per-point correlations, equal to each run's own."""
    trees = [fc.simulate(SUM, SUM_PRIORS, draws=500, chains=2, seed=s) for s in (1, 2)]
    post = xr.concat([t["posterior"].to_dataset() for t in trees], dim="point")
    stacked = xr.DataTree.from_dict({"posterior": post})
    rho = rank_correlations(stacked, "y")
    assert set(rho.dims) == {"parameter", "point"}
    for i, t in enumerate(trees):
        np.testing.assert_allclose(
            rho.isel(point=i).transpose("parameter").values,
            rank_correlations(t, "y").values,
            rtol=1e-12,
        )


def test_bad_arguments() -> None:
    with pytest.raises(FrontiercostError, match="power of two"):
        sobol_indices(ISHIGAMI, "y", priors=ISHIGAMI_PRIORS, n=1000)
    with pytest.raises(FrontiercostError, match="needs a prior"):
        sobol_indices(ISHIGAMI, "y")
    with pytest.raises(FrontiercostError, match="not an output"):
        sobol_indices(ISHIGAMI, "z", priors=ISHIGAMI_PRIORS)
    with pytest.raises(FrontiercostError, match="not computed"):
        tornado("gpt-4", "no_such_output")
    with pytest.raises(FrontiercostError, match="ci_prob"):
        sobol_indices(ISHIGAMI, "y", priors=ISHIGAMI_PRIORS, ci_prob=1.5)
    with pytest.raises(FrontiercostError, match="sampler"):
        sobol_indices(ISHIGAMI, "y", priors=ISHIGAMI_PRIORS, sampler="lhs")
    stream = xr.DataTree.from_dict({"streaming": xr.Dataset()})  # what a streaming run has
    with pytest.raises(FrontiercostError, match="stored run"):
        rank_correlations(stream, "y")
    tree = fc.simulate(SUM, SUM_PRIORS, draws=100, chains=1)
    with pytest.raises(FrontiercostError, match="unknown variable"):
        rank_correlations(tree, "nope")


def test_sobol_design_too_big_for_the_memory_budget_is_refused_before_allocating() -> None:
    from frontiercost.analysis.sensitivity import sobol_memory
    from frontiercost.run import RunSpec
    from frontiercost.settings import Limits

    model = RunSpec.of("gpt-4").model
    need = sobol_memory(model, 10, 1, 1 << 24)
    assert need >= 8 * (1 << 24) * (3 * len(model.inputs) + 12)  # A, B, one A_B, k + 2 outputs
    budget = Limits(memory_bytes=sobol_memory(model, 10, 1, 1 << 20))
    with pytest.raises(
        fc.FrontiercostError, match=r"need about .* GiB.*use n = 1,048,576 \(2\*\*20\)"
    ):
        sobol_indices("gpt-4", "amortized_cost", n=1 << 24, limits=budget)
    # a budget too small for any design: its size as such, and no n that would not fit
    with pytest.raises(fc.FrontiercostError) as err:
        sobol_indices("gpt-4", "amortized_cost", n=1 << 13, limits=Limits(memory_bytes=1))
    assert "more than the memory budget of 1 B; raise the budget" in str(err.value)
    assert "MiB, more than" in str(err.value)
    slow = Limits(seconds=1e-3)
    with pytest.raises(fc.FrontiercostError, match=r"would take at least .*--max-time"):
        sobol_indices("gpt-4", "amortized_cost", n=1 << 16, limits=slow)


def test_sobol_time_counts_the_bootstrap_and_names_the_n_that_fits(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The estimate counted the designs' draws only: n = 2**20 of gpt-4 at --max-time 5s
    was accepted (0.3 s estimated) and took 28 s, most of it 1,000 bootstrap resamples."""
    import os

    from frontiercost.analysis import sensitivity
    from frontiercost.settings import EST_DRAWS_PER_CORE_SECOND, Limits

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    draws = (1 << 20) * 17 / (EST_DRAWS_PER_CORE_SECOND * 2)
    boot = 1000 * (1 << 20) / sensitivity.EST_BOOT_ROWS_PER_SECOND
    assert sensitivity.sobol_seconds(15, 1, 1 << 20, 1000) == pytest.approx(draws + boot)
    # below 2,048 rows, independent scramblings: no bootstrap
    assert sensitivity.sobol_seconds(15, 1, 1024, 1000) == 1024 * 17 / 6e7
    with pytest.raises(fc.FrontiercostError) as err:
        sobol_indices("gpt-4", "amortized_cost", n=1 << 20, limits=Limits(seconds=5))
    assert str(err.value) == (
        "gpt-4: Sobol indices at n = 1,048,576 with 1,000 bootstrap resamples would take at"
        " least 11 s, more than the limit of 5 s; use n = 262,144 (2**18) or less, or"
        " raise the limit (--max-time, Limits(seconds=...), FRONTIERCOST_MAX_SECONDS)"
    )


def test_sobol_of_a_conditioned_scenario_says_it_is_the_priors() -> None:
    """Its indices ignore the evidence (they need independent inputs): said, not silent."""
    from frontiercost.analysis import sobol_indices
    from frontiercost.errors import ConditioningWarning

    with pytest.warns(ConditioningWarning, match=r"these are of its prior, the evidence left out"):
        sobol_indices("openai-2024-conditioned", "total_compute_cost", n=64, n_boot=100)


def test_a_runs_tree_given_for_a_scenario_is_one_clear_error() -> None:
    """It failed deep in scenario loading: "scenario['posterior']['chip_hours']:
    DataArray is not a scenario value"."""
    import frontiercost as fc
    from frontiercost.analysis import sobol_indices, tornado

    tree = fc.simulate("gpt-4", draws=50)
    for call in (
        lambda: sobol_indices(tree, "amortized_cost"),
        lambda: tornado(tree, "amortized_cost"),
    ):
        with pytest.raises(FrontiercostError, match=r"^target: a run's tree; .*rank_correlations"):
            call()


@pytest.mark.parametrize("sampler", ["qmc", "mc"])
def test_a_fleets_copies_of_one_prior_are_one_parameter(sampler: str) -> None:
    """Each per-chip copy of a price had a column of its own, so the design analysed a
    model that is never run: chip_count S1 0.813 against the analytic 0.686 for one chip
    split into two halves, and the tornado halved the price's swing (exit 0)."""
    from helpers import one_chip

    fleet = sobol_indices(
        one_chip(True, observe=False), "acquisition_cost", n=256, sampler=sampler
    )
    single = sobol_indices(
        one_chip(False, observe=False), "acquisition_cost", n=256, sampler=sampler
    )
    assert list(fleet["parameter"].values) == list(single["parameter"].values)
    assert list(fleet["parameter"].values) == ["bare_chip_price", "chip_count"]
    assert list(fleet["parameter_inputs"].values) == [
        "bare_chip_price_a, bare_chip_price_b",
        "chip_count",
    ]
    for v in ("S1", "ST", "S1_ci", "ST_ci"):
        np.testing.assert_array_equal(fleet[v], single[v])
    t_fleet = tornado(one_chip(True, observe=False), "acquisition_cost")
    t_single = tornado(one_chip(False, observe=False), "acquisition_cost")
    np.testing.assert_array_equal(t_fleet["swing"], t_single["swing"])
    price = t_fleet.sel(parameter="bare_chip_price")
    assert np.isnan(price["input_low"]) and price["parameter_units"] == "USD"


def test_rank_correlations_of_a_scenario_keep_only_its_output(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The inputs and the output ranked are kept; the other 10 outputs of gpt-4 were too
    (1.72 GB against 1.40 GB at 4e6 draws).  The same draws: the same correlations."""
    import json

    from frontiercost.analysis import rank_correlations
    from frontiercost.cli import _sensitivity, main

    kept = keep_kept(monkeypatch, _sensitivity)
    argv = ["sensitivity", "gpt-4", "--method", "rank", "--var", "chip_cost", "--draws", "500"]
    assert main([*argv, "--format", "json", "-q"]) == 0
    rows = json.loads(capsys.readouterr().out)["parameters"]
    outputs = set(fc.load_scenario("gpt-4").outputs)
    assert len(kept) == 1 and set(kept[0]) & outputs == {"chip_cost"}
    whole = rank_correlations(fc.simulate("gpt-4", draws=500, chains=4), "chip_cost")
    for row in rows:
        assert row["rank_correlation"] == float(whole.sel(parameter=row["name"]))


def test_sobol_indices_stop_once_their_speed_says_they_will_pass_the_limit(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The estimate is optimistic (n = 2**18 at --max-time 3s: accepted, 5.5 s of work,
    never stopped); the designs and the bootstrap now check the clock."""
    from types import SimpleNamespace

    from frontiercost import settings
    from frontiercost.settings import Limits

    clock = [0.0]

    def tick() -> float:  # each look at the clock finds 100 s gone
        clock[0] += 100.0
        return clock[0]

    monkeypatch.setattr(settings, "time", SimpleNamespace(perf_counter=tick))
    with pytest.raises(fc.FrontiercostError) as err:
        sobol_indices("gpt-4", "amortized_cost", n=1 << 12, limits=Limits(seconds=1000))
    text = str(err.value)
    assert text.startswith("gpt-4: Sobol indices at n = 4,096: stopped before design 4 of ")
    assert "it would take about" in text and "more than the limit of 17 min" in text
