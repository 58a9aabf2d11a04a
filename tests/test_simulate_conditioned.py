"""``simulate`` on a scenario with [[observe]] evidence conditions it."""

from __future__ import annotations

import re

import numpy as np
import pytest

import frontiercost as fc


def test_simulate_conditions_a_scenario_with_observations() -> None:
    a = fc.simulate("bloom-176b-calibration", draws=3000, chains=2, seed=2)
    b = fc.condition("bloom-176b-calibration", draws=3000, chains=2, seed=2)
    assert {"prior", "posterior", "observed_data", "log_likelihood"} <= set(a.children)
    for var in a["posterior"].data_vars:
        np.testing.assert_array_equal(a["posterior"][var].values, b["posterior"][var].values)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"store": False}, "store=False"),
        ({"sampler": "qmc"}, "sampler='qmc'"),
        ({"workers": 2}, "a dask executor"),
    ],
)
def test_options_conditioning_cannot_honour_are_refused(kwargs, match) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(fc.SimulationError, match=match):
        fc.simulate("bloom-176b-calibration", draws=100, **kwargs)


def test_a_conditioned_run_too_big_for_memory_is_refused_with_the_draws_that_fit() -> None:
    """Conditioning cannot stream: the refusal says so and gives the draws that fit."""
    with pytest.raises(fc.FrontiercostError, match=r"conditioning weighs every draw") as err:
        fc.simulate("opt-175b-calibration", draws=10**8, chains=4)
    fits = int(re.search(r"at most ([\d,]+) draws per chain", str(err.value))[1].replace(",", ""))
    assert 0 < fits < 10**8
    assert "stream instead" not in str(err.value)


def test_a_conditioned_run_is_written_to_out_and_reads_back_as_returned(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from frontiercost.results.files import open_run

    path = tmp_path / "bloom.nc"
    tree = fc.simulate("bloom-176b-calibration", draws=500, chains=2, seed=3, out=path)
    back = open_run(path)
    assert set(back.children) == set(tree.children)
    for group in ("prior", "posterior"):
        for var in tree[group].data_vars:
            np.testing.assert_array_equal(back[group][var].values, tree[group][var].values)
    assert back.attrs["seed"] == 3


def test_a_conditioned_out_is_checked_before_any_sampling(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "notes.nc"
    path.write_text("not ours")
    with pytest.raises(fc.FrontiercostError, match="not a frontiercost output"):
        fc.simulate("bloom-176b-calibration", draws=500, out=path)
    assert path.read_text() == "not ours"


def test_a_conditioned_run_takes_replaced_priors_and_records_them() -> None:
    plain = fc.simulate("bloom-176b-calibration", draws=500, chains=2, seed=3)
    fixed = fc.simulate(
        "bloom-176b-calibration", draws=500, chains=2, seed=3, priors={"hardware_age": 2.0}
    )
    assert fixed.attrs["replaced_priors"] == '["hardware_age"]'
    assert "hardware_age" in plain["prior"].data_vars
    assert "hardware_age" not in fixed["prior"].data_vars  # a constant now
    # an older fleet costs less to amortize: the evidence sees other prior draws
    a = plain["prior"]["amortized_cost"].median()
    b = fixed["prior"]["amortized_cost"].median()
    assert float(b) < float(a)
