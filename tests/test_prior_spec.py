"""``prior_from_spec``: every way of specifying a prior, and every way of getting it wrong.

Sources of truth: the spec itself (a fitted prior must reproduce the requested
quantiles through its reference ``ppf``, i.e. scipy), scipy's ``mean()`` /
``std()`` for moment specs, and the error contract of ``PriorError``: the
message starts with ``where``, names the offending key and states what is
accepted.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frontiercost.engine._transform import transform_row
from frontiercost.errors import PriorError
from frontiercost.priors import (
    Beta,
    Empirical,
    Fixed,
    Gamma,
    LogitNormal,
    LogNormal,
    LogUniform,
    Mixture,
    Normal,
    Pert,
    Prior,
    Triangular,
    TruncNormal,
    Uniform,
    prior_from_spec,
)

WHERE = "priors.toml [x]:"
TIGHT = 1e-8  # closed-form fits
LOOSE = 1e-6  # numerically fitted families (beta, gamma, truncnormal)


def kernel(prior: Prior, u: np.ndarray) -> np.ndarray:
    spec = prior.kernel_spec()
    prm = np.array(spec.params, dtype=float)
    if spec.table is not None:
        prm[0] = 0.0
        tables = np.asarray(spec.table, float)
    else:
        tables = np.zeros(1)
    x = np.array(u, dtype=float)
    transform_row(int(spec.code), prm, tables, x, x.size)
    return x


def reproduces(prior: Prior, pairs: list[tuple[float, float]], rtol: float) -> None:
    for p, v in pairs:
        got = float(prior.ppf(p))
        assert got == pytest.approx(v, rel=rtol, abs=rtol * 1e-3), (p, v, got)


def fails(spec: dict[str, Any], *fragments: str) -> str:
    """Build ``spec``, expect a PriorError prefixed by WHERE containing every fragment."""
    with pytest.raises(PriorError) as info:
        prior_from_spec(spec, where=WHERE)
    msg = str(info.value)
    assert msg.startswith(WHERE + " "), msg
    for frag in fragments:
        assert frag in msg, f"{frag!r} not in {msg!r}"
    return msg


# --- natural parameters --------------------------------------------------------------------

NATURAL_CASES: list[tuple[dict[str, Any], Prior]] = [
    ({"family": "fixed", "value": 3.0}, Fixed(value=3.0)),
    ({"family": "normal", "mu": 1.0, "sigma": 2.0}, Normal(mu=1.0, sigma=2.0)),
    ({"family": "lognormal", "mu": 1.0, "sigma": 0.5}, LogNormal(mu=1.0, sigma=0.5)),
    (
        {"family": "truncnormal", "mu": 0.3, "sigma": 0.2, "lower": 0.0, "upper": 1.0},
        TruncNormal(mu=0.3, sigma=0.2, lower=0.0, upper=1.0),
    ),
    ({"family": "truncnormal", "mu": 0.3, "sigma": 0.2}, TruncNormal(mu=0.3, sigma=0.2)),
    ({"family": "uniform", "lower": 1, "upper": 4}, Uniform(lower=1, upper=4)),
    ({"family": "loguniform", "lower": 0.1, "upper": 10}, LogUniform(lower=0.1, upper=10)),
    ({"family": "beta", "alpha": 2, "beta": 3}, Beta(alpha=2, beta=3)),
    (
        {"family": "beta", "alpha": 2, "beta": 3, "lower": 5, "upper": 9},
        Beta(alpha=2, beta=3, lower=5, upper=9),
    ),
    (
        {"family": "pert", "minimum": 1, "mode": 2, "maximum": 5},
        Pert(minimum=1, mode=2, maximum=5),
    ),
    (
        {"family": "pert", "minimum": 1, "mode": 2, "maximum": 5, "shape": 6},
        Pert(minimum=1, mode=2, maximum=5, shape=6),
    ),
    (
        {"family": "triangular", "minimum": 1, "mode": 2, "maximum": 5},
        Triangular(minimum=1, mode=2, maximum=5),
    ),
    ({"family": "logitnormal", "mu": 0.2, "sigma": 1.1}, LogitNormal(mu=0.2, sigma=1.1)),
    (
        {"family": "logitnormal", "mu": 0.2, "sigma": 1.1, "lower": 2, "upper": 4},
        LogitNormal(mu=0.2, sigma=1.1, lower=2, upper=4),
    ),
    ({"family": "gamma", "shape": 2.0, "scale": 3.0}, Gamma(shape=2.0, scale=3.0)),
    ({"family": "gamma", "shape": 2.0, "rate": 0.5}, Gamma(shape=2.0, scale=2.0)),
    (
        {"family": "empirical", "quantiles": [[0.0, 1.0], [0.5, 2.0], [1.0, 5.0]]},
        Empirical(p=(0.0, 0.5, 1.0), x=(1.0, 2.0, 5.0)),
    ),
    ({"family": "empirical", "samples": [3, 1, 2]}, Empirical.from_samples([1.0, 2.0, 3.0])),
    (
        {
            "family": "mixture",
            "components": [
                {"family": "lognormal", "mu": 0.0, "sigma": 1.0},
                {"family": "normal", "p5": 1.0, "p95": 3.0},
            ],
            "weights": [1, 3],
        },
        Mixture(
            components=(
                LogNormal(mu=0.0, sigma=1.0),
                Normal(mu=2.0, sigma=1.0 / 1.6448536269514722),
            ),
            weights=(1, 3),
        ),
    ),
]


@pytest.mark.parametrize(
    ("spec", "expected"),
    NATURAL_CASES,
    ids=[f"{s['family']}-{i}" for i, (s, _) in enumerate(NATURAL_CASES)],
)
def test_natural_parameters(spec: dict[str, Any], expected: Prior) -> None:
    """Natural parameters build the family's class with those parameters (ppf compared too)."""
    prior = prior_from_spec(spec)
    assert type(prior) is type(expected)
    p = np.array([0.01, 0.3, 0.5, 0.9, 0.99])
    np.testing.assert_allclose(prior.ppf(p), expected.ppf(p), rtol=1e-12)
    if not isinstance(prior, (Mixture, Empirical)):
        assert prior == expected


def test_metadata_passes_through() -> None:
    """unit, source, description and central land on the prior."""
    prior = prior_from_spec(
        {
            "family": "lognormal",
            "mu": 0.0,
            "sigma": 1.0,
            "unit": "USD",
            "source": "Epoch",
            "description": "d",
            "central": 1.5,
        }
    )
    assert (prior.unit, prior.source, prior.description, prior.central) == (
        "USD",
        "Epoch",
        "d",
        1.5,
    )


# --- two quantiles -------------------------------------------------------------------------

QUANTILE_FORMS: dict[str, tuple[dict[str, float | list[list[float]]], list[tuple[float, float]]]]
QUANTILE_FORMS = {
    "p5-p95": ({"p5": 0.2, "p95": 0.6}, [(0.05, 0.2), (0.95, 0.6)]),
    "median-p95": ({"median": 0.3, "p95": 0.6}, [(0.5, 0.3), (0.95, 0.6)]),
    "p10-p90": ({"p10": 0.25, "p90": 0.5}, [(0.1, 0.25), (0.9, 0.5)]),
    "p2_5-p97_5": ({"p2_5": 0.2, "p97_5": 0.6}, [(0.025, 0.2), (0.975, 0.6)]),
    "quantiles-list": (
        {"quantiles": [[0.25, 0.3], [0.75, 0.45]]},
        [(0.25, 0.3), (0.75, 0.45)],
    ),
}
QUANTILE_FAMILIES = {
    "normal": ({}, TIGHT),
    "lognormal": ({}, TIGHT),
    "logitnormal": ({}, TIGHT),
    "logitnormal-bounded": ({"lower": 0.1, "upper": 0.9}, TIGHT),
    "logitnormal-lower-only": ({"lower": -1.0}, TIGHT),
    "uniform": ({}, TIGHT),
    "loguniform": ({}, TIGHT),
    "beta": ({}, LOOSE),
    "beta-bounded": ({"lower": 0.1, "upper": 2.0}, LOOSE),
    "gamma": ({}, LOOSE),
    "truncnormal": ({"lower": 0.0, "upper": 1.0}, LOOSE),
    "truncnormal-lower-only": ({"lower": 0.15}, LOOSE),
    "truncnormal-unbounded": ({}, LOOSE),
}


@pytest.mark.parametrize("form", list(QUANTILE_FORMS))
@pytest.mark.parametrize("fam", list(QUANTILE_FAMILIES))
def test_two_quantiles_reproduced(fam: str, form: str) -> None:
    """The fitted prior's reference ppf returns the two requested values at their p."""
    extra, rtol = QUANTILE_FAMILIES[fam]
    keys, pairs = QUANTILE_FORMS[form]
    prior = prior_from_spec({"family": fam.split("-")[0], **extra, **keys})
    reproduces(prior, pairs, rtol)
    lo, hi = prior.support
    for k in ("lower", "upper"):
        if k in extra:
            assert (lo, hi)[k == "upper"] == extra[k]


def test_relative_quantiles_multiply_central() -> None:
    """relative = true: the quantiles are multipliers on central, which stays the central value."""
    prior = prior_from_spec(
        {"family": "lognormal", "relative": True, "central": 24875.0, "p5": 0.5, "p95": 2.0}
    )
    reproduces(prior, [(0.05, 12437.5), (0.95, 49750.0)], TIGHT)
    assert prior.central == 24875.0
    beta = prior_from_spec(
        {"family": "beta", "relative": True, "central": 0.4, "p10": 0.5, "p90": 1.5}
    )
    reproduces(beta, [(0.1, 0.2), (0.9, 0.6)], LOOSE)


MOMENT_CASES = [
    {"family": "normal", "mean": -3.0, "sd": 2.0},
    {"family": "lognormal", "mean": 5.0, "sd": 7.0},
    {"family": "beta", "mean": 0.3, "sd": 0.1},
    {"family": "beta", "mean": 12.0, "sd": 2.0, "lower": 10.0, "upper": 20.0},
    {"family": "gamma", "mean": 4.0, "sd": 1.5},
]


@pytest.mark.parametrize("spec", MOMENT_CASES, ids=lambda s: s["family"])
def test_mean_sd_reproduced(spec: dict[str, Any]) -> None:
    """mean/sd specs: scipy's mean() and std() of the reference equal the given moments."""
    prior = prior_from_spec(spec)
    dist = prior._scipy()
    assert float(dist.mean()) == pytest.approx(spec["mean"], rel=1e-12)
    assert float(dist.std()) == pytest.approx(spec["sd"], rel=1e-12)


@pytest.mark.parametrize(
    "spec",
    [
        {"family": "lognormal", "p5": 1.0, "p95": 10.0},
        {"family": "beta", "mean": 0.3, "sd": 0.1},
        {"family": "pert", "minimum": 1, "mode": 2, "maximum": 9},
    ],
    ids=lambda s: s["family"],
)
def test_central_defaults_to_median(spec: dict[str, Any]) -> None:
    """Without central, the central value is the reference median."""
    prior = prior_from_spec(spec)
    assert prior.central == pytest.approx(float(prior.ppf(0.5)), rel=1e-15)


def test_central_outside_support_rejected() -> None:
    """central must lie in the support (message names central and the support)."""
    fails({"family": "lognormal", "p5": 1.0, "p95": 10.0, "central": -2.0}, "central", "[0, inf]")
    fails({"family": "beta", "alpha": 2, "beta": 2, "central": 1.5}, "central", "[0, 1]")


# --- bad input, one test per mistake -------------------------------------------------------


def test_p5_not_below_p95() -> None:
    fails({"family": "lognormal", "p5": 10.0, "p95": 1.0}, "p5 (10)", "must be below", "p95 (1)")
    fails({"family": "normal", "p5": 2.0, "p95": 2.0}, "p5 (2)", "must be below", "p95 (2)")


def test_beta_mean_outside_unit_interval() -> None:
    fails({"family": "beta", "mean": 1.5, "sd": 0.1}, "mean:", "(lower, upper) = (0, 1)", "1.5")


def test_beta_sd_too_large() -> None:
    fails({"family": "beta", "mean": 0.5, "sd": 0.6}, "sd:", "needs sd below 0.5", "0.6")


def test_negative_sigma() -> None:
    fails({"family": "normal", "mu": 0.0, "sigma": -1.0}, "sigma:", "must be > 0", "-1")


def test_zero_sigma() -> None:
    fails({"family": "lognormal", "mu": 0.0, "sigma": 0.0}, "sigma:", "must be > 0", "0")


def test_nan_value() -> None:
    fails({"family": "normal", "mu": float("nan"), "sigma": 1.0}, "mu:", "finite number", "nan")
    fails({"family": "lognormal", "p5": float("nan"), "p95": 2.0}, "p5:", "finite number")


def test_string_where_number_expected() -> None:
    fails({"family": "normal", "mu": 0.0, "sigma": "1"}, "sigma:", "expected a number", "'1'")


def test_bool_where_number_expected() -> None:
    fails({"family": "normal", "mu": True, "sigma": 1.0}, "mu:", "expected a number", "True")


def test_unknown_family_suggests() -> None:
    fails(
        {"family": "lognormall", "mu": 0, "sigma": 1},
        "family:",
        "'lognormall'",
        "did you mean 'lognormal'",
        "accepted:",
        "truncnormal",
    )


def test_unknown_key_suggests() -> None:
    fails(
        {"family": "normal", "mu": 0, "sgima": 1},
        "sgima:",
        "did you mean 'sigma'",
        "accepted:",
        "mu",
        "p1 … p99",
    )


def test_three_quantiles() -> None:
    fails(
        {"family": "normal", "p5": 1.0, "median": 2.0, "p95": 3.0},
        "p5, median, p95",
        "exactly two quantiles",
        "got 3",
    )


def test_relative_without_central() -> None:
    fails(
        {"family": "lognormal", "relative": True, "p5": 0.5, "p95": 2.0},
        "central:",
        "relative = true",
    )


def test_relative_negative_multiplier() -> None:
    fails(
        {"family": "lognormal", "relative": True, "central": 10.0, "p5": -0.5, "p95": 2.0},
        "p5:",
        "multipliers must be > 0",
        "-0.5",
    )


def test_relative_on_a_negative_central_names_the_order_of_its_multipliers() -> None:
    """It read "p5 (-8) must be below p95 (-12.5)", with no word of relative."""
    spec = {"family": "normal", "relative": True, "central": -10.0, "p5": 0.8, "p95": 1.25}
    fails(spec, "relative = true with a negative central (-10)", "(p5 = 1.25, p95 = 0.8)")
    prior = prior_from_spec({**spec, "p5": 1.25, "p95": 0.8})
    np.testing.assert_allclose(prior.ppf([0.05, 0.95]), [-12.5, -8.0])


@pytest.mark.parametrize("family", ["beta", "logitnormal"])
def test_quantile_outside_bounds(family: str) -> None:
    fails({"family": family, "p5": 0.2, "p95": 1.5}, "p95:", "1.5", "(lower, upper) = (0, 1)")
    fails(
        {"family": family, "lower": 1.0, "upper": 3.0, "p5": 0.5, "p95": 2.0},
        "p5:",
        "(lower, upper) = (1, 3)",
    )


def test_pert_mode_outside_range() -> None:
    fails(
        {"family": "pert", "minimum": 1, "mode": 12, "maximum": 10},
        "mode (12)",
        "[minimum (1), maximum (10)]",
    )


def test_mixture_mismatched_weights() -> None:
    fails(
        {
            "family": "mixture",
            "components": [{"family": "normal", "mu": 0, "sigma": 1}] * 2,
            "weights": [1, 2, 3],
        },
        "weights:",
        "expected 2 weights",
        "got 3",
    )


def test_mixture_component_error_is_located() -> None:
    fails(
        {
            "family": "mixture",
            "components": [
                {"family": "normal", "mu": 0, "sigma": 1},
                {"family": "normal", "mu": 0, "sigma": -1},
            ],
            "weights": [1, 1],
        },
        "components[1] sigma:",
        "must be > 0",
    )


def test_empirical_p_not_starting_at_zero() -> None:
    fails(
        {"family": "empirical", "quantiles": [[0.1, 1.0], [1.0, 2.0]]},
        "quantiles:",
        "from 0 to 1",
        "0.1",
    )


def test_gamma_scale_and_rate() -> None:
    fails(
        {"family": "gamma", "shape": 2.0, "scale": 1.0, "rate": 1.0},
        "scale, rate:",
        "exactly one of scale and rate",
    )


@pytest.mark.parametrize(
    "spec",
    [
        {"family": "normal", "mu": 0.0, "sigma": 1.0, "p5": -1.0, "p95": 1.0},
        {"family": "beta", "alpha": 2.0, "beta": 3.0, "p5": 0.2, "p95": 0.6},
        {"family": "truncnormal", "mu": 0.0, "sigma": 1.0, "lower": 0.0, "p5": 0.2, "p95": 1},
        {"family": "logitnormal", "mu": 0.0, "sigma": 1.0, "p5": 0.2, "p95": 0.6},
        {"family": "beta", "alpha": 2.0, "beta": 3.0, "mean": 0.3, "sd": 0.1},
    ],
    ids=["normal", "beta", "truncnormal", "logitnormal", "beta-moments"],
)
def test_natural_and_quantiles_both_given(spec: dict[str, Any]) -> None:
    """Natural shape parameters alongside quantiles or mean/sd are ambiguous (bounds are not)."""
    fails(spec, f"give the {spec['family']} prior one way", "two quantiles", "mean/sd")


def test_where_prefix_on_every_error() -> None:
    """The location prefix leads the message; without one, the key does."""
    msg = fails({"family": "normal", "mu": 0.0, "sigma": 0.0})
    assert msg.startswith(WHERE + " sigma:")
    with pytest.raises(PriorError, match=r"^sigma: must be > 0"):
        prior_from_spec({"family": "normal", "mu": 0.0, "sigma": 0.0})


# --- property tests ------------------------------------------------------------------------

PROB_LO = st.floats(0.01, 0.45)
PROB_HI = st.floats(0.55, 0.99)


def _fit(family: str, p1: float, v1: float, p2: float, v2: float) -> Prior:
    return prior_from_spec({"family": family, "quantiles": [[p1, v1], [p2, v2]]})


@settings(max_examples=50, deadline=None)
@given(p1=PROB_LO, p2=PROB_HI, v1=st.floats(1e-3, 1e6), ratio=st.floats(1.01, 1e3))
def test_property_lognormal_quantiles(p1: float, p2: float, v1: float, ratio: float) -> None:
    """Lognormal through any two ordered positive quantiles reproduces both."""
    reproduces(_fit("lognormal", p1, v1, p2, v1 * ratio), [(p1, v1), (p2, v1 * ratio)], TIGHT)


@settings(max_examples=50, deadline=None)
@given(p1=PROB_LO, p2=PROB_HI, v1=st.floats(-1e3, 1e3), width=st.floats(1e-2, 1e3))
def test_property_normal_quantiles(p1: float, p2: float, v1: float, width: float) -> None:
    """Normal through any two ordered quantiles reproduces both (absolute tol ~ width)."""
    prior = _fit("normal", p1, v1, p2, v1 + width)
    for p, v in ((p1, v1), (p2, v1 + width)):
        assert float(prior.ppf(p)) == pytest.approx(v, rel=TIGHT, abs=TIGHT * width)


UNIT_PAIR = (
    st.tuples(st.floats(0.02, 0.93), st.floats(0.05, 0.9))
    .map(lambda t: (t[0], min(t[0] + t[1] * (0.98 - t[0]), 0.98)))
    .filter(lambda t: t[1] - t[0] >= 0.01)
)


@settings(max_examples=50, deadline=None)
@given(p1=PROB_LO, p2=PROB_HI, vals=UNIT_PAIR)
def test_property_beta_quantiles(p1: float, p2: float, vals: tuple[float, float]) -> None:
    """Beta through two ordered quantiles inside (0, 1) reproduces both."""
    v1, v2 = vals
    reproduces(_fit("beta", p1, v1, p2, v2), [(p1, v1), (p2, v2)], LOOSE)


@settings(max_examples=50, deadline=None)
@given(p1=PROB_LO, p2=PROB_HI, vals=UNIT_PAIR)
def test_property_logitnormal_quantiles(p1: float, p2: float, vals: tuple[float, float]) -> None:
    """Logit-normal through two ordered quantiles inside (0, 1) reproduces both."""
    v1, v2 = vals
    reproduces(_fit("logitnormal", p1, v1, p2, v2), [(p1, v1), (p2, v2)], TIGHT)


@settings(max_examples=50, deadline=None)
@given(p1=PROB_LO, p2=PROB_HI, v1=st.floats(1e-3, 1e4), ratio=st.floats(1.05, 1e3))
def test_property_gamma_quantiles(p1: float, p2: float, v1: float, ratio: float) -> None:
    """Gamma through two ordered positive quantiles reproduces both."""
    reproduces(_fit("gamma", p1, v1, p2, v1 * ratio), [(p1, v1), (p2, v1 * ratio)], LOOSE)


@st.composite
def valid_specs(draw: st.DrawFn) -> dict[str, Any]:
    family = draw(
        st.sampled_from(
            [
                *("normal", "lognormal", "beta", "logitnormal", "gamma", "uniform"),
                *("loguniform", "truncnormal", "pert", "triangular"),
            ]
        )
    )
    p1, p2 = draw(PROB_LO), draw(PROB_HI)
    if family in ("beta", "logitnormal"):
        v1, v2 = draw(UNIT_PAIR)
        return {"family": family, "quantiles": [[p1, v1], [p2, v2]]}
    if family == "truncnormal":  # not every pair of quantiles fits: take them from one
        mu, sigma = draw(st.floats(0.1, 0.9)), draw(st.floats(0.1, 1.0))
        v1, v2 = TruncNormal(mu=mu, sigma=sigma, lower=0.0, upper=1.0).ppf([p1, p2])
        q = [[p1, float(v1)], [p2, float(v2)]]
        return {"family": family, "lower": 0.0, "upper": 1.0, "quantiles": q}
    if family in ("pert", "triangular"):
        lo = draw(st.floats(-100, 100))
        w = draw(st.floats(0.1, 100))
        mode = lo + w * draw(st.floats(0, 1))
        return {"family": family, "minimum": lo, "mode": mode, "maximum": lo + w}
    v1 = draw(st.floats(1e-2, 1e3))
    v2 = v1 * draw(st.floats(1.05, 100))
    if family == "normal":
        v1 = v1 - 10.0
    return {"family": family, "quantiles": [[p1, v1], [p2, v2]]}


@settings(max_examples=50, deadline=None)
@given(spec=valid_specs(), u=st.lists(st.floats(1e-9, 1 - 1e-9), min_size=1, max_size=8))
def test_property_kernel_inside_support_and_monotone(spec: dict[str, Any], u: list[float]) -> None:
    """Any valid spec compiles to a kernel whose draws lie in the support, non-decreasing in u."""
    prior = prior_from_spec(spec)
    us = np.sort(np.array([2.0**-53, *u, 0.5, 1 - 2.0**-53]))
    x = kernel(prior, us)
    lo, hi = prior.support
    assert np.all(np.isfinite(x))
    assert np.all((x >= lo) & (x <= hi)), (x, lo, hi)
    assert np.all(np.diff(x) >= 0), x
    assert math.isfinite(prior.central)
    assert re.fullmatch(r"[a-z]+", prior.family)
