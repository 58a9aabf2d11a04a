"""Component shares of a cost (``frontiercost.analysis.components``).

Sources of truth: numpy on the same draws (shares, their quantiles and
means), exact shares of hand-built runs, the model's identity
``amortized_cost = chips + other server + interconnect + energy`` (docs/model.md
§3.2).
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import frontiercost as fc
from frontiercost.analysis.components import (
    SPLITS,
    component_shares,
    component_table,
    default_split,
)
from frontiercost.errors import FrontiercostError

AMORTIZED = SPLITS["amortized_cost"]


@pytest.fixture(scope="module")
def gpt4() -> xr.DataTree:
    return fc.simulate("gpt-4", draws=2_000, chains=2, seed=5)


@pytest.fixture(scope="module")
def gpt4_point() -> xr.Dataset:
    return fc.evaluate("gpt-4")


def test_default_split_of_a_final_run(gpt4: xr.DataTree, gpt4_point: xr.Dataset) -> None:
    s = component_shares(gpt4, point=gpt4_point)
    assert s.attrs["total"] == "amortized_cost" and s.attrs["total_units"] == "USD"
    assert list(s["component"].values) == list(AMORTIZED)
    assert list(s["label"].values) == ["chips", "other server", "interconnect", "energy"]
    assert s["ci"].dims == ("component", "ci_bound")
    assert s["ci"].attrs == {"units": "1", "ci_kind": "eti", "ci_prob": 0.9}
    post = gpt4["posterior"].to_dataset()
    total = post["amortized_cost"].values.ravel()
    for c in AMORTIZED:
        share = post[c].values.ravel() / total
        row = s.sel(component=c)
        np.testing.assert_allclose(row["median"], np.median(share), rtol=1e-12)
        np.testing.assert_allclose(row["mean"], share.mean(), rtol=1e-12)
        np.testing.assert_allclose(row["ci"], np.quantile(share, [0.05, 0.95]), rtol=1e-12)
        np.testing.assert_allclose(row["mean_value"], post[c].values.mean(), rtol=1e-12)
        np.testing.assert_allclose(
            row["share_at_point"],
            float(gpt4_point[c]) / float(gpt4_point["amortized_cost"]),
            rtol=1e-12,
        )
    # the parts add up to the total draw by draw, so the shares of the mean add up to 1
    assert float(s["share_of_mean"].sum()) == pytest.approx(1.0, abs=1e-12)
    assert abs(float(s["remainder"])) < 1e-12


@pytest.mark.parametrize(
    ("scenario", "total", "parts"),
    [
        ("gpt-4-development", "development_cost", ("rd_compute_cost", "staff_cost")),
        ("openai-2024-lab-year", "total_compute_cost", ("rd_compute_cost", "inference_cost")),
    ],
)
def test_default_split_picks_what_the_run_has(scenario: str, total: str, parts: tuple) -> None:
    tree = fc.simulate(scenario, draws=1_000, chains=2, seed=1)
    assert default_split(tree) == (total, parts)
    s = component_shares(tree)
    assert s.attrs["total"] == total
    assert list(s["component"].values) == list(parts)
    assert float(s["share_of_mean"].sum()) == pytest.approx(1.0, abs=1e-12)


def test_no_default_split() -> None:
    tree = fc.simulate("frontier-run-2025-2030", draws=500, chains=1, seed=1)
    assert default_split(tree) is None
    with pytest.raises(FrontiercostError, match="none of the known splits"):
        component_shares(tree)


def test_a_partial_split_reports_its_remainder(gpt4: xr.DataTree) -> None:
    s = component_shares(gpt4, "amortized_cost", ["chip_cost", "energy_cost"])
    post = gpt4["posterior"]
    mean_total = float(post["amortized_cost"].mean())
    expected = (
        1 - (float(post["chip_cost"].mean()) + float(post["energy_cost"].mean())) / mean_total
    )
    assert float(s["remainder"]) == pytest.approx(expected, rel=1e-12)
    assert 0.3 < float(s["remainder"]) < 0.7


def test_hdi_interval(gpt4: xr.DataTree) -> None:
    s = component_shares(gpt4, ci_prob=0.5, ci_kind="hdi")
    assert s["ci"].attrs["ci_kind"] == "hdi" and s["ci"].attrs["ci_prob"] == 0.5
    post = gpt4["posterior"].to_dataset()
    share = post["chip_cost"].values.ravel() / post["amortized_cost"].values.ravel()
    lo, hi = s["ci"].sel(component="chip_cost").values
    assert 0.49 <= float(np.mean((share >= lo) & (share <= hi))) <= 0.51


def test_exact_shares_and_sweep_dims_are_kept() -> None:
    # a = U(1, 2), b = 3a: b is 3/4 of the total in every draw, at every sweep point
    rng = np.random.default_rng(0)
    a = rng.uniform(1, 2, size=(2, 100, 3))
    b = 3 * a * np.array([1.0, 2.0, 3.0])  # shares 3/4, 6/7, 9/10 along "point"
    post = xr.Dataset(
        {
            "a": (("chain", "draw", "point"), a, {"units": "USD"}),
            "b": (("chain", "draw", "point"), b, {"units": "USD"}),
            "t": (("chain", "draw", "point"), a + b, {"units": "USD"}),
        },
        coords={"point": [10, 20, 30]},
    )
    s = component_shares(xr.DataTree.from_dict({"posterior": post}), "t", ["a", "b"])
    assert s["median"].dims == ("component", "point")
    assert s["ci"].dims == ("component", "ci_bound", "point")
    expected_b = np.array([3 / 4, 6 / 7, 9 / 10])
    for v in ("median", "mean", "share_of_mean"):
        np.testing.assert_allclose(s[v].sel(component="b"), expected_b, rtol=1e-12)
        np.testing.assert_allclose(s[v].sel(component="a"), 1 - expected_b, rtol=1e-12)
    np.testing.assert_allclose(s["ci"].sel(component="b", ci_bound="lower"), expected_b)
    np.testing.assert_allclose(s["remainder"], 0, atol=1e-12)
    with pytest.raises(FrontiercostError, match="one table per sweep point"):
        component_table(s)
    assert len(component_table(s.sel(point=20))) == 3


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"ci_prob": 1.0}, "ci_prob: must be a number in"),
        ({"ci_kind": "hpd"}, "ci_kind: unknown kind 'hpd'"),
        ({"total": "amortized_cost", "parts": ["nope"]}, "unknown variable.*nope"),
        ({"total": "cloud_cost"}, "no default parts for 'cloud_cost'"),
        ({"parts": ["chip_cost"]}, "total: give the total"),
        ({"total": "amortized_cost", "parts": []}, "at least one part"),
        ({"total": "amortized_cost", "parts": "chip_cost"}, "expected a list of names"),
        # the parts overshoot the total: acquisition is ~20x the amortized cost
        ({"total": "amortized_cost", "parts": ["acquisition_cost"]}, "add up to"),
    ],
)
def test_rejects_bad_arguments(gpt4: xr.DataTree, kwargs: dict, match: str) -> None:
    with pytest.raises(FrontiercostError, match=match):
        component_shares(gpt4, **kwargs)


def test_needs_stored_draws() -> None:
    stream = fc.simulate("gpt-4", draws=1_000, chains=1, seed=0, store=False)
    with pytest.raises(FrontiercostError, match="needs stored draws"):
        component_shares(stream)
    assert default_split(stream) is None


def test_point_must_have_the_parts(gpt4: xr.DataTree) -> None:
    with pytest.raises(FrontiercostError, match="point: no variable"):
        component_shares(gpt4, point=xr.Dataset({"amortized_cost": 1.0}))


def test_a_streaming_run_with_share_outputs_gives_the_stored_split() -> None:
    """``{part}__share`` outputs streamed: the split without storing draws (one bin, 0.39 %)."""
    from frontiercost.model import share_outputs
    from frontiercost.run import RunSpec

    sc = fc.load_scenario("gpt-4")
    spec = RunSpec.of(sc, derived=share_outputs(sc.outputs))
    kw = {"draws": 50_000, "chains": 2, "seed": 4}
    streamed = component_shares(fc.simulate(spec, store=False, **kw), point=fc.evaluate(sc))
    stored = component_shares(fc.simulate(sc, **kw), point=fc.evaluate(sc))
    for v in ("mean", "share_of_mean", "share_at_point", "mean_value"):
        np.testing.assert_allclose(streamed[v].values, stored[v].values, rtol=1e-9)
    for v in ("median", "ci"):
        np.testing.assert_allclose(streamed[v].values, stored[v].values, rtol=2**-8)
    assert streamed.attrs["source"] == "streaming histogram"
    with pytest.raises(FrontiercostError, match="per-draw shares"):
        component_shares(fc.simulate(sc, store=False, **kw))
