"""``simulate`` on a scenario with [[observe]] evidence conditions it."""

from __future__ import annotations

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
