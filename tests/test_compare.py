"""Prior against posterior (``frontiercost.analysis.compare``).

Conditioning on observations is a later issue, so the conditioned runs here
are hand-built DataTrees in ArviZ layout.  Sources of truth: numpy on the
same draws, and exact answers for a posterior that is an affine map of the
prior's draws.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import frontiercost as fc
from frontiercost.analysis.compare import prior_posterior
from frontiercost.errors import FrontiercostError


def _group(values: dict[str, np.ndarray], units: dict[str, str] | None = None) -> xr.Dataset:
    units = units or {}
    return xr.Dataset(
        {
            k: (
                ("chain", "draw", *[f"d{i}" for i in range(v.ndim - 2)]),
                v,
                {"units": units.get(k, "")},
            )
            for k, v in values.items()
        }
    )


@pytest.fixture(scope="module")
def conditioned() -> xr.DataTree:
    rng = np.random.default_rng(42)
    prior_cost = rng.lognormal(np.log(4e7), 0.8, size=(4, 2_000))
    prior_rate = rng.normal(2.4, 0.3, size=(4, 2_000))
    # the posterior: half the spread around a higher centre (an affine map of
    # other draws), the rate untouched (a different sample of the same prior)
    post_cost = 1e7 + 0.5 * rng.lognormal(np.log(4e7), 0.8, size=(4, 1_500))
    post_rate = rng.normal(2.4, 0.3, size=(4, 1_500))
    return xr.DataTree.from_dict(
        {
            "prior": _group({"cost": prior_cost, "rate": prior_rate}, {"cost": "USD"}),
            "posterior": _group({"cost": post_cost, "rate": post_rate}, {"cost": "USD"}),
        }
    )


def test_layout_and_numpy_agreement(conditioned: xr.DataTree) -> None:
    c = prior_posterior(conditioned, ci_prob=0.8)
    assert list(c["variable"].values) == ["cost", "rate"]
    assert list(c["group"].values) == ["prior", "posterior"]
    assert c["ci"].dims == ("variable", "group", "ci_bound")
    assert c["ci"].attrs == {"ci_kind": "eti", "ci_prob": 0.8}
    assert c["shift"].dims == ("variable",) and c["width_ratio"].dims == ("variable",)
    assert list(c["units"].values) == ["USD", ""]
    for group in ("prior", "posterior"):
        for var in ("cost", "rate"):
            x = conditioned[group].to_dataset()[var].values.ravel()
            row = c.sel(group=group, variable=var)
            np.testing.assert_allclose(row["median"], np.median(x), rtol=1e-12)
            np.testing.assert_allclose(row["mean"], x.mean(), rtol=1e-12)
            np.testing.assert_allclose(row["sd"], x.std(ddof=1), rtol=1e-12)
            np.testing.assert_allclose(row["ci"], np.quantile(x, [0.1, 0.9]), rtol=1e-12)


def test_shift_and_width_ratio_are_exact_for_an_affine_posterior() -> None:
    rng = np.random.default_rng(1)
    prior = rng.gamma(2.0, 3.0, size=(2, 3_000))
    post = 5.0 + 0.25 * prior  # same draws: quantiles map exactly
    tree = xr.DataTree.from_dict({"prior": _group({"x": prior}), "posterior": _group({"x": post})})
    c = prior_posterior(tree)
    x = prior.ravel()
    assert float(c["width_ratio"].item()) == pytest.approx(0.25, rel=1e-12)
    # positive draws: on the log scale, in robust prior sds (5-95 % range / 3.29)
    lx, lp = np.log(x), np.log(post.ravel())
    lo, hi = np.quantile(lx, [0.05, 0.95])
    expected_shift = (np.median(lp) - np.median(lx)) / ((hi - lo) / (2 * 1.6448536269514722))
    assert float(c["shift"].item()) == pytest.approx(expected_shift, rel=1e-12)
    # a variable that crosses zero is shifted on its own scale
    tree = xr.DataTree.from_dict(
        {"prior": _group({"x": prior - 6.0}), "posterior": _group({"x": post - 6.0})}
    )
    lo, hi = np.quantile(x - 6.0, [0.05, 0.95])
    linear = (np.median(post) - np.median(x)) / ((hi - lo) / (2 * 1.6448536269514722))
    assert float(prior_posterior(tree)["shift"].item()) == pytest.approx(linear, rel=1e-12)


def test_unchanged_variable_has_no_shift_and_same_width(conditioned: xr.DataTree) -> None:
    # "rate": two independent samples of the same prior. Shift sd ~ sqrt(1/8000 + 1/6000)
    # = 0.017 prior sds; width ratio within a few % (90 % interval of 6,000+ draws).
    c = prior_posterior(conditioned, var_names=["rate"])
    assert abs(float(c["shift"].item())) < 0.1
    assert float(c["width_ratio"].item()) == pytest.approx(1.0, abs=0.1)
    cost = prior_posterior(conditioned, var_names="cost")
    assert 0.4 < float(cost["width_ratio"].item()) < 0.6  # half the spread
    assert list(cost["variable"].values) == ["cost"]


def test_sweep_dims_are_kept() -> None:
    rng = np.random.default_rng(3)
    prior = rng.normal(0, 1, size=(2, 500, 3))
    post = prior * np.array([1.0, 0.5, 0.1])
    tree = xr.DataTree.from_dict({"prior": _group({"x": prior}), "posterior": _group({"x": post})})
    c = prior_posterior(tree)
    assert c["width_ratio"].dims == ("variable", "d0")
    np.testing.assert_allclose(c["width_ratio"].values[0], [1.0, 0.5, 0.1], rtol=1e-12)


def test_fixed_variable_gives_nan_not_an_error() -> None:
    ones = np.full((2, 100), 1.01072)  # its sd in floating point: ~2e-16, not 0
    tree = xr.DataTree.from_dict({"prior": _group({"k": ones}), "posterior": _group({"k": ones})})
    c = prior_posterior(tree)
    assert np.isnan(c["shift"]).all() and np.isnan(c["width_ratio"]).all()


def test_an_unconditioned_run_says_so() -> None:
    tree = fc.simulate("gpt-4", draws=200, chains=1, seed=0)
    with pytest.raises(FrontiercostError, match="not conditioned on observations") as err:
        prior_posterior(tree)
    assert "the posterior is the prior pushed through the model" in str(err.value)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"var_names": ["nope"]}, "nope not in both the prior and the posterior; accepted: cost"),
        ({"ci_prob": 0}, "ci_prob: must be a number in"),
        ({"ci_prob": True}, "ci_prob: must be a number in"),
    ],
)
def test_rejects_bad_arguments(conditioned: xr.DataTree, kwargs: dict, match: str) -> None:
    with pytest.raises(FrontiercostError, match=match):
        prior_posterior(conditioned, **kwargs)


def test_rejects_trees_without_the_layout() -> None:
    x = np.zeros((2, 10))
    no_post = xr.DataTree.from_dict({"prior": _group({"x": x})})
    with pytest.raises(FrontiercostError, match="no 'posterior', 'streaming' or 'summary' group"):
        prior_posterior(no_post)
    disjoint = xr.DataTree.from_dict({"prior": _group({"x": x}), "posterior": _group({"y": x})})
    with pytest.raises(FrontiercostError, match="share no variable"):
        prior_posterior(disjoint)
    flat = xr.Dataset({"x": ("sample", np.zeros(10))})
    bad = xr.DataTree.from_dict({"prior": flat, "posterior": flat})
    with pytest.raises(FrontiercostError, match="needs dims chain and draw"):
        prior_posterior(bad)


def test_compare_of_two_files_shows_each_seed_when_they_differ(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from frontiercost.cli import main

    for name, seed in (("a.nc", "0"), ("b.nc", "1")):
        argv = ["run", "gpt-4", "--draws", "100", "--seed", seed, "--out", str(tmp_path / name)]
        assert main([*argv, "-q"]) == 0
    capsys.readouterr()
    assert main(["compare", str(tmp_path / "a.nc"), str(tmp_path / "b.nc")]) == 0
    assert "each, seed 0 (A), 1 (B), sampler mc;" in capsys.readouterr().out
    assert main(["compare", str(tmp_path / "a.nc"), str(tmp_path / "a.nc")]) == 0
    assert "each, seed 0, sampler mc;" in capsys.readouterr().out
