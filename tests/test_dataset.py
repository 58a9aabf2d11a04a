"""Datasets: ArviZ layout, attributes, netCDF round-trip, summaries."""

from __future__ import annotations

import json

import arviz as az
import numpy as np
import pytest
import xarray as xr

import frontiercost as fc
from frontiercost.errors import FrontiercostError


@pytest.fixture(scope="module")
def tree(ref) -> xr.DataTree:  # type: ignore[no-untyped-def]
    model, priors = ref
    return fc.simulate(model, priors, draws=2000, chains=4, seed=17, scenario_text="# demo\n")


@pytest.fixture(scope="module")
def stream(ref) -> xr.DataTree:  # type: ignore[no-untyped-def]
    model, priors = ref
    return fc.simulate(
        model, priors, draws=20_000, chains=4, seed=17, store=False, thresholds={"cost": [1e9]}
    )


def test_arviz_layout_and_attributes(tree: xr.DataTree) -> None:
    post = tree["posterior"]
    assert post["cost"].dims == ("chain", "draw") and post["cost"].shape == (4, 2000)
    for name, var in post.data_vars.items():
        assert var.attrs["units"] and var.attrs["long_name"], name
    assert post["cost"].attrs["units"] == "USD"
    root = tree.attrs
    assert root["seed"] == 17 and root["sampler"] == "mc"
    assert root["scenario"] == "# demo\n" and root["frontiercost_version"] == fc.__version__
    assert "created_at" in root and "prior pushed through the model" in root["inference"]
    priors = json.loads(root["priors"])
    assert priors["overhead"]["family"] == "uniform"


def test_arviz_functions_work_unchanged(tree: xr.DataTree) -> None:
    """az.summary, az.hdi and az.ess read the tree as it is."""
    summary = az.summary(tree, var_names=["cost", "utilization"])
    assert list(summary.index) == ["cost", "utilization"]
    # independent draws: ESS close to the number of draws, R-hat ~ 1
    ess = az.ess(tree, var_names=["cost"])["cost"].item()
    assert 6000 < ess < 10_000
    hdi = az.hdi(tree, prob=0.9, var_names=["utilization"])["utilization"]
    lo, hi = hdi.sel(ci_bound="lower").item(), hdi.sel(ci_bound="upper").item()
    assert 0.27 < lo < 0.33 and 0.47 < hi < 0.53  # prior's 90 % range is 0.3-0.5
    rhat = az.rhat(tree, var_names=["cost"])["cost"].item()
    assert abs(rhat - 1) < 0.01


def test_netcdf_round_trip_is_lossless(tree: xr.DataTree, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "run.nc"
    tree.to_netcdf(path, engine="h5netcdf")
    back = xr.open_datatree(path, engine="h5netcdf")
    assert back.identical(tree)
    back.close()


def test_streaming_netcdf_round_trip(stream: xr.DataTree, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "stream.nc"
    stream.to_netcdf(path, engine="h5netcdf")
    with xr.open_datatree(path, engine="h5netcdf") as back:
        assert back.identical(stream)
        assert fc.summarize(back).identical(fc.summarize(stream))


@pytest.mark.parametrize("kind", ["eti", "hdi"])
def test_summarize_layout(tree: xr.DataTree, kind: str) -> None:
    s = fc.summarize(tree, ci_prob=0.8, ci_kind=kind)
    assert s["ci"].dims == ("variable", "ci_bound")
    assert list(s["ci_bound"].values) == ["lower", "upper"]
    assert s["ci"].attrs == {"ci_kind": kind, "ci_prob": 0.8}
    assert s.sel(variable="cost")["units"].item() == "USD"
    lo, hi = s["ci"].sel(variable="cost").values
    cost = tree["posterior"]["cost"].values.ravel()
    assert 0.795 <= ((cost >= lo) & (cost <= hi)).mean() <= 0.81
    assert lo < s["median"].sel(variable="cost") < hi


def test_summarize_eti_matches_numpy_quantiles(tree: xr.DataTree) -> None:
    s = fc.summarize(tree, ci_prob=0.9)
    cost = tree["posterior"]["cost"].values.ravel()
    np.testing.assert_allclose(
        s["ci"].sel(variable="cost"), np.quantile(cost, [0.05, 0.95]), rtol=1e-12
    )
    np.testing.assert_allclose(s["mean"].sel(variable="cost"), cost.mean(), rtol=1e-12)
    assert s["mcse_median"].sel(variable="cost") > 0


def test_hdi_is_shorter_than_eti_for_skewed_cost(tree: xr.DataTree) -> None:
    eti = fc.summarize(tree, ci_kind="eti")["ci"].sel(variable="cost").values
    hdi = fc.summarize(tree, ci_kind="hdi")["ci"].sel(variable="cost").values
    assert hdi[1] - hdi[0] < eti[1] - eti[0]


def test_streaming_summary_close_to_stored(ref, stream: xr.DataTree) -> None:  # type: ignore[no-untyped-def]
    model, priors = ref
    stored = fc.simulate(model, priors, draws=20_000, chains=4, seed=17, store_inputs=False)
    a = fc.summarize(stored)
    b = fc.summarize(stream)
    assert b.attrs["source"] == "streaming histogram"
    np.testing.assert_allclose(b["mean"], a["mean"], rtol=1e-12)
    np.testing.assert_allclose(b["ci"], a["ci"], rtol=2e-4)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"ci_prob": 1.5}, "ci_prob: must be a number in"),
        ({"ci_kind": "hpd"}, "ci_kind: unknown kind 'hpd'; accepted: eti, hdi"),
        ({"var_names": ["nope"]}, "unknown variable.*nope.*accepted: cost"),
    ],
)
def test_summarize_rejects_bad_arguments(tree: xr.DataTree, kwargs: dict, match: str) -> None:
    with pytest.raises(FrontiercostError, match=match):
        fc.summarize(tree, **kwargs)
