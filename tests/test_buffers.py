"""Stored runs' result memory: freed buffers are reused, never at the cost of a value,
a run's peak or a setting silently ignored; and NaN / infinite draws are counted
by the engine as it draws, exactly as a pass over the stored draws counts them.

Source of truth: the same run in fresh memory (``FRONTIERCOST_KEEP_SECONDS=0``),
and numpy's ``isnan`` / ``isinf`` on the stored draws.
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Iterator

import numpy as np
import pytest

import frontiercost as fc
from frontiercost import Scenario, _buffers
from frontiercost.errors import NonFiniteWarning, SimulationError
from frontiercost.results.view import nonfinite_counts, view
from frontiercost.settings import available_memory


@pytest.fixture
def every_array_large(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Small test runs take the path of large ones; nothing kept from other tests."""
    monkeypatch.setattr(_buffers, "HUGE_MIN", 0)
    monkeypatch.delenv("FRONTIERCOST_KEEP_SECONDS", raising=False)
    gc.collect()
    _buffers.release()
    yield
    gc.collect()
    _buffers.release()


def _memory(a: np.ndarray) -> int:
    """Identity of the mapping under an array (the first base that is not an array)."""
    base: object = a
    while isinstance(base, np.ndarray):
        base = base.base
    return id(base.obj if isinstance(base, memoryview) else base)


def _draws(tree: object) -> dict[str, np.ndarray]:
    post = tree["posterior"]  # type: ignore[index]
    return {name: np.array(post[name].values) for name in post.data_vars}


def test_the_next_run_reuses_a_dropped_runs_memory_with_the_same_values(
    every_array_large: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = fc.simulate("gpt-4", draws=3000, chains=2)
    mine = {_memory(first["posterior"][v].values) for v in ("amortized_cost", "pue")}
    del first
    gc.collect()
    assert {id(b) for b in _buffers._kept} == mine  # its outputs' and inputs' buffers
    # fewer draws: the kept buffer is larger than needed and holds the old draws
    second = fc.simulate("gpt-4", draws=2000, chains=2, seed=7)
    assert _memory(second["posterior"]["amortized_cost"].values) in mine
    assert _buffers.kept_bytes() == 0  # outputs' and inputs' buffers both taken
    monkeypatch.setenv("FRONTIERCOST_KEEP_SECONDS", "0")
    fresh = fc.simulate("gpt-4", draws=2000, chains=2, seed=7)
    a, b = _draws(second), _draws(fresh)
    assert a.keys() == b.keys() and len(a) == 22
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


@pytest.mark.parametrize("room", [False, True])
def test_a_run_no_kept_buffer_fits_lets_the_oldest_go_to_stay_within_the_limit(
    room: bool, every_array_large: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    fc.simulate("gpt-4", draws=3000, chains=2)
    gc.collect()
    kept = _buffers.kept_bytes()
    assert kept > 0
    big_run = 2 * 11 * 2 * 20_000 * 8  # two buffers of 11 rows, too large for those kept
    # room: the limit holds what is kept and the new run; else not even the run alone
    monkeypatch.setattr(_buffers, "_keep_limit", lambda: kept + big_run if room else kept)
    beside: list[int] = []
    real = _buffers._take

    def take(n: int) -> object:
        got = real(n)
        beside.append(_buffers.kept_bytes())  # still kept beside the new run's memory
        return got

    monkeypatch.setattr(_buffers, "_take", take)
    big = fc.simulate("gpt-4", draws=20_000, chains=2)  # more than twice as many draws
    assert beside == ([kept, kept] if room else [0, 0])
    del big
    gc.collect()
    assert _buffers.kept_bytes() == (kept + big_run if room else 0)  # each above the limit


@pytest.mark.parametrize(
    ("setting", "kept"), [("default", True), ("seconds 0", False), ("limit 1 KB", False)]
)
def test_a_dropped_runs_buffers_are_kept_unless_the_settings_say_not(
    setting: str, kept: bool, every_array_large: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if setting == "seconds 0":
        monkeypatch.setenv("FRONTIERCOST_KEEP_SECONDS", "0")
    if setting == "limit 1 KB":
        monkeypatch.setattr(_buffers, "_keep_limit", lambda: 1000)
    fc.simulate("gpt-4", draws=3000, chains=2)
    gc.collect()
    assert (_buffers.kept_bytes() > 0) is kept


def test_kept_buffers_go_once_the_keep_time_has_passed(
    every_array_large: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRONTIERCOST_KEEP_SECONDS", "0.2")
    fc.simulate("gpt-4", draws=3000, chains=2)
    gc.collect()
    assert _buffers.kept_bytes() > 0
    deadline = time.monotonic() + 20  # a busy machine may run the timer late
    while _buffers.kept_bytes() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _buffers.kept_bytes() == 0


def test_a_keep_time_beyond_what_a_timer_can_wait_keeps_without_error(
    every_array_large: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    errors: list[object] = []
    monkeypatch.setattr(threading, "excepthook", errors.append)
    monkeypatch.setenv("FRONTIERCOST_KEEP_SECONDS", "1e308")
    fc.simulate("gpt-4", draws=3000, chains=2)
    gc.collect()
    assert _buffers._timer[0] is not None  # started for this deadline (the fixture stopped any)
    time.sleep(0.2)  # the timer thread has started waiting
    assert _buffers.kept_bytes() > 0 and errors == []


@pytest.mark.parametrize("store", [True, False])
@pytest.mark.parametrize("bad", ["-1", "nan", "inf", "soon"])
def test_a_bad_keep_time_is_one_error_naming_the_variable(
    bad: str, store: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Refused on every run, also those that never keep a buffer (streaming here)."""
    monkeypatch.setenv("FRONTIERCOST_KEEP_SECONDS", bad)
    with pytest.raises(SimulationError, match=f"FRONTIERCOST_KEEP_SECONDS: .*got '{bad}'"):
        fc.simulate("gpt-4", draws=100, chains=1, store=store)


def test_kept_memory_does_not_count_as_available(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only a stored run lets kept buffers go: a streaming or dask run would find them held."""
    monkeypatch.setattr(_buffers, "kept_bytes", lambda: 1 << 50)
    assert available_memory() < 1 << 50


def test_each_kept_buffer_goes_on_its_own_time_while_smaller_runs_go_on(
    every_array_large: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A steady loop of small runs does not keep a large buffer nothing reuses."""
    # long enough for several small runs on a loaded machine (at 0.3 s, CI once
    # managed one small run before the large buffer's time was up)
    monkeypatch.setenv("FRONTIERCOST_KEEP_SECONDS", "1.5")
    big = fc.simulate("gpt-4", draws=20_000, chains=2)
    del big
    gc.collect()
    large = {id(b) for b in _buffers._kept}
    assert large
    deadline = time.monotonic() + 20  # a busy machine may run the timer late
    runs = 0
    while large & {id(b) for b in _buffers._kept} and time.monotonic() < deadline:
        small = fc.simulate("gpt-4", draws=3000, chains=2)  # freed within the keep time
        del small
        gc.collect()
        runs += 1
        time.sleep(0.05)
    assert not large & {id(b) for b in _buffers._kept}, f"still kept after {runs} small runs"
    assert runs > 1 and _buffers.kept_bytes() > 0  # the small runs' own, freed just now


# --------------------------------------------------------------------------- counted


def _odd() -> Scenario:
    data = {
        "scenario": {"title": "odd", "year": 2024, "outputs": ["root", "big", "low", "fine"]},
        "parameters": {"bump": {"family": "normal", "mean": 0.0, "sd": 1.0}},
        "formulas": {
            "root": "sqrt(bump)",  # NaN for half the draws
            "big": "exp(bump * 800)",  # +inf above 0.887
            "low": "0 - exp(bump * 800) + sqrt(bump + 1)",  # -inf, and NaN below -1
            "fine": "bump * 2",
        },
    }
    return Scenario.from_dict(data, name="odd")


@pytest.mark.parametrize("threads", [1, 2])
def test_the_engine_counts_nan_and_inf_as_a_pass_over_the_draws_does(
    threads: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    views = importlib.import_module("frontiercost.results.view")

    def no_second_pass(run: object) -> None:
        raise AssertionError("a fresh local stored run was read again for NaN and inf")

    monkeypatch.setattr(views, "nonfinite_counts", no_second_pass)
    steps: list[int] = []
    with pytest.warns(NonFiniteWarning, match="root: [0-9,]+ NaN of 90,003 draws"):
        tree = fc.simulate(
            _odd(),
            draws=30_001,  # blocks of 256 and pieces of progress (65,536) end mid-block
            chains=3,
            block_size=256,
            threads=threads,
            progress=lambda done, total: steps.append(done),
        )
    assert len(steps) > 1
    with pytest.warns(NonFiniteWarning):  # streamed: counted as the draws are reduced
        streamed = fc.simulate(
            _odd(), draws=30_001, chains=3, block_size=256, threads=threads, store=False
        )
    monkeypatch.undo()
    counted = json.loads(tree.attrs["nonfinite"])
    expected = {}
    for name, x in _draws(tree).items():
        nan, inf = int(np.isnan(x).sum()), int(np.isinf(x).sum())
        if nan or inf:
            expected[name] = {"nan": nan, "inf": inf}
    assert set(expected) == {"root", "big", "low"}
    assert expected["low"]["nan"] > 0 and expected["low"]["inf"] > 0
    assert counted == expected
    assert json.loads(streamed.attrs["nonfinite"]) == expected
    assert nonfinite_counts(view(tree)) == expected  # the pass a file's tree gets
    for name, c in expected.items():
        assert tree["posterior"][name].attrs["nonfinite_draws"] == c["nan"] + c["inf"]


def test_a_bad_keep_time_is_one_line_on_the_command_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from frontiercost.cli import main

    monkeypatch.setenv("FRONTIERCOST_KEEP_SECONDS", "-5")
    assert main(["run", "gpt-4", "--draws", "200", "--chains", "2"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("frontiercost: error: FRONTIERCOST_KEEP_SECONDS: expected a number")
    assert err.count("\n") == 1 and "Traceback" not in err


def test_a_conditioned_run_counts_its_posterior_not_its_prior() -> None:
    """The prior run's counts (half its draws NaN) were once copied to the posterior."""
    import warnings

    data = {
        "scenario": {"title": "cond", "year": 2024, "outputs": ["root"]},
        "parameters": {"bump": {"family": "normal", "mean": 0.0, "sd": 1.0}},
        "formulas": {"root": "sqrt(bump)"},
        "observe": [{"quantity": "bump", "value": 1.5, "p5": 1.3, "p95": 1.7, "source": "t"}],
    }
    sc = Scenario.from_dict(data, name="cond")
    with warnings.catch_warnings():
        warnings.simplefilter("error", NonFiniteWarning)
        tree = fc.simulate(sc, draws=2000, chains=2, strict=True)
    assert np.isfinite(tree["posterior"]["root"].values).all()
    assert np.isnan(tree["prior"]["root"].values).sum() > 1000  # the prior's NaN are there
    assert json.loads(tree.attrs["nonfinite"]) == {}
