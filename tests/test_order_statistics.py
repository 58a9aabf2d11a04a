"""Exact order statistics without a full partition (``analysis.summary.order_statistics``).

Summaries of stored runs read a few order statistics of millions of draws;
the bracketed selection must return exactly what ``numpy.partition`` puts at
those ranks (the summaries' bits are pinned elsewhere), whatever the data:
heavy ties, infinities, sorted input, or a sample that misses (then ``None``).
"""

from __future__ import annotations

import numpy as np
import pytest

from frontiercost.analysis import summary
from frontiercost.analysis.summary import order_statistics

RNG = np.random.default_rng(20261203)
N = 200_003


def _ranks(n: int) -> np.ndarray:
    picks = [0, 1, n // 2 - 1, n // 2, int(0.05 * n), int(0.05 * n) + 2, int(0.95 * n), n - 2]
    return np.unique(np.array([*picks, n - 1]))


@pytest.mark.parametrize(
    "x",
    [
        RNG.lognormal(0, 2, N),
        np.sort(RNG.normal(size=N)),  # sorted: a strided sample is not random
        np.sort(RNG.normal(size=N))[::-1].copy(),
        RNG.integers(0, 4, N).astype(float),  # four values, heavy ties
        np.concatenate([RNG.normal(size=N), np.full(50, np.inf), np.full(50, -np.inf)]),
        np.full(N, 2.5),
    ],
    ids=["lognormal", "sorted", "reversed", "ties", "infinite", "constant"],
)
def test_order_statistics_are_numpys_partition(x: np.ndarray) -> None:
    ranks = _ranks(x.size)
    got = order_statistics(x, ranks)
    assert got is not None
    np.testing.assert_array_equal(got, np.partition(x, ranks)[ranks])


def test_a_bracket_past_its_room_is_gathered_another_way(monkeypatch: pytest.MonkeyPatch) -> None:
    """The compiled pass keeps at most a bracket's room of draws (tied draws could
    fill every bracket at once); a fuller bracket is gathered by numpy, exactly."""
    monkeypatch.setattr(summary, "_ROOM", 0.0)
    monkeypatch.setattr(summary, "_ROOM_MIN", 10)
    x = RNG.lognormal(0, 2, N)
    ranks = _ranks(N)
    np.testing.assert_array_equal(order_statistics(x, ranks), np.partition(x, ranks)[ranks])


def test_small_arrays_and_missed_brackets_fall_back(monkeypatch: pytest.MonkeyPatch) -> None:
    assert order_statistics(RNG.normal(size=1000), _ranks(1000)) is None
    x = RNG.normal(size=N)
    # a sample that is all one value brackets nothing: detected, None
    monkeypatch.setattr(summary, "_SAMPLE", 1)
    assert order_statistics(x, _ranks(N)) is None


def test_median_and_quantiles_read_only_the_selected_positions() -> None:
    x = RNG.lognormal(size=N)
    a = 0.05
    part, mcse = summary._partitioned(x, np.array([a, 1 - a]), summary._mcse_probs(0.9))
    assert float(np.median(part, overwrite_input=True)) == float(np.median(x))
    np.testing.assert_array_equal(
        np.quantile(part, [a, 1 - a], overwrite_input=True), np.quantile(x, [a, 1 - a])
    )
    np.testing.assert_array_equal(mcse, summary._iid_mcse_draws(x, summary._mcse_probs(0.9)))
