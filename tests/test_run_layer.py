"""The run layer: settings objects, the keyword shorthand, bounds decided before work,
output files written block by block, plans that pickle, and RunView.

Sources of truth: the settings' own documented rules, and the in-memory run (a run
written block by block into a file must hold the same bits).
"""

from __future__ import annotations

import itertools
import json
import pickle
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import frontiercost as fc
from frontiercost.engine import DaskExecutor, Job, LocalExecutor, model_kernel, plan_run
from frontiercost.errors import FrontiercostError, SimulationError
from frontiercost.model import Model, Output
from frontiercost.priors import Normal
from frontiercost.results import RunView
from frontiercost.run import RunSpec, settings_from
from frontiercost.settings import Keep, Limits, Sampling, parse_size

SMALL = {"draws": 3000, "chains": 2, "seed": 5}


# --------------------------------------------------------------------------- settings


def test_draws_take_a_float_holding_a_whole_number() -> None:
    """``draws=1e6`` as the command line's ``--draws 1e6``; 2.5 stays an error."""
    assert Sampling(draws=1e3).draws == 1000 and type(Sampling(draws=1e3).draws) is int
    assert Sampling(draws=np.float64(2e3)).draws == 2000
    for bad in (2.5, float("nan"), float("inf"), 0.0, 2.0**54, True, "1e3"):
        with pytest.raises(SimulationError, match="draws: must be a positive integer"):
            Sampling(draws=bad)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"draws": 0}, "draws: must be a positive integer"),
        ({"draws": 2.5}, "draws: must be a positive integer"),
        ({"chains": True}, "chains: must be a positive integer"),
        ({"seed": -1}, r"seed: must be an integer in \[0, 2\*\*63\)"),
        ({"seed": 2**63}, r"seed: must be an integer in \[0, 2\*\*63\)"),
        ({"sampler": "sobol"}, "sampler: unknown sampler 'sobol'; accepted: mc, qmc, lhs"),
        ({"block_size": 1000}, "block_size: must be a power of two from 8 to 65536"),
        ({"draws": 2**52, "chains": 4}, "more than"),
    ],
)
def test_sampling_is_validated_once(kwargs: dict, match: str) -> None:
    with pytest.raises(SimulationError, match=match):
        Sampling(**kwargs)


def test_one_seed_rule_everywhere() -> None:
    """The API, the engine and the command line accept the same seeds."""
    assert Sampling(seed=2**63 - 1).seed == 2**63 - 1
    with pytest.raises(SimulationError, match="seed"):
        fc.simulate("gpt-4", draws=10, seed=2**63)
    from frontiercost.cli import main

    assert main(["run", "gpt-4", "--draws", "10", "--seed", str(2**63)]) == 2


def test_keep_and_limits_validate() -> None:
    with pytest.raises(SimulationError, match="store: must be True or False"):
        Keep(store="yes")  # type: ignore[arg-type]
    with pytest.raises(SimulationError, match="thresholds: x has a NaN threshold"):
        Keep(thresholds={"x": [float("nan")]})
    assert Keep(store=False, thresholds={"x": 1e9}).thresholds == {"x": (1e9,)}
    # a string is not read character by character, a bool is not 1.0
    for bad in ("123", True, [True], [1, "a"], [10**400]):
        with pytest.raises(SimulationError, match="thresholds: x: expected numbers"):
            Keep(store=False, thresholds={"x": bad})
    with pytest.raises(SimulationError, match="thresholds: counted by streaming runs"):
        fc.simulate("gpt-4", draws=10, thresholds={"amortized_cost": 1e9})  # stored: dropped
    with pytest.raises(SimulationError, match="thresholds: counted by summary sweeps"):
        fc.sweep("gpt-4", vary=["year=2023..2024"], draws=10, thresholds={"amortized_cost": 1e9})
    with pytest.raises(SimulationError, match="memory_bytes: must be a positive integer"):
        Limits(memory_bytes=0)
    assert parse_size("4G") == 4 << 30 and parse_size("512MiB") == 512 << 20
    assert parse_size("2e9") == 2_000_000_000
    with pytest.raises(SimulationError, match="expected a size such as 4G"):
        parse_size("lots")
    assert parse_size("4B") == parse_size("4b") == 4
    for bad in ("4ib", "1e400", "inf", "nan", "-5"):
        with pytest.raises(SimulationError, match=f"--memory: expected a size such as 4G.*{bad}"):
            parse_size(bad, "--memory")
    with pytest.raises(SimulationError, match="--memory: expected a size of at least one byte"):
        parse_size("0.5", "--memory")


def test_limits_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRONTIERCOST_MEMORY", "1G")
    monkeypatch.setenv("FRONTIERCOST_MAX_SECONDS", "60")
    monkeypatch.setenv("FRONTIERCOST_MAX_POINTS", "7")
    lim = Limits()
    assert (lim.memory_bytes, lim.seconds, lim.max_points) == (1 << 30, 60.0, 7)
    monkeypatch.setenv("FRONTIERCOST_MAX_POINTS", "many")
    with pytest.raises(SimulationError, match="FRONTIERCOST_MAX_POINTS"):
        Limits()
    monkeypatch.setenv("FRONTIERCOST_MAX_POINTS", "7")
    for bad in ("nan", "inf", "-5", "0"):  # refused naming the variable, not a flag
        monkeypatch.setenv("FRONTIERCOST_MAX_SECONDS", bad)
        with pytest.raises(SimulationError, match=f"FRONTIERCOST_MAX_SECONDS: .*'{bad}'"):
            Limits()


@pytest.mark.parametrize("bad", ["yes", "2", "off", " 1"])
def test_a_bad_wide_vectors_setting_is_refused_on_every_run(
    monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    """The variable is read once, at import; a typo must not pass as the default."""
    for good in ("0", "1", ""):
        monkeypatch.setenv("FRONTIERCOST_WIDE_VECTORS", good)
        Limits()
    monkeypatch.setenv("FRONTIERCOST_WIDE_VECTORS", bad)
    with pytest.raises(
        SimulationError, match=f"FRONTIERCOST_WIDE_VECTORS: expected 0 or 1, got '{bad}'"
    ):
        Limits()


# --------------------------------------------------------------------------- the shorthand


def test_keywords_map_to_the_settings_objects() -> None:
    sampling, keep, executor, spec = settings_from(
        {
            "draws": 7,
            "chains": 3,
            "seed": 2,
            "store": False,
            "thresholds": {"a": [1]},
            "threads": 1,
            "correlations": {},
        }
    )
    assert sampling == Sampling(draws=7, chains=3, seed=2)
    assert keep == Keep(store=False, thresholds={"a": (1.0,)})
    assert isinstance(executor, LocalExecutor) and executor.threads == 1
    assert spec == {"correlations": {}}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"draw": 10}, "unknown keyword 'draw'"),
        ({"sampling": Sampling(), "draws": 10}, "give draws in sampling="),
        ({"keep": Keep(), "store": False}, "give store in keep="),
        ({"executor": LocalExecutor(), "threads": 1}, "give threads in executor="),
        ({"threads_per_worker": 2}, "applies to dask runs"),
        ({"task_draws": 1000}, "applies to dask runs"),
        ({"executor": "local"}, "expected LocalExecutor or DaskExecutor"),
    ],
)
def test_an_option_that_does_not_apply_is_an_error(kwargs: dict, match: str) -> None:
    with pytest.raises(FrontiercostError, match=match):
        fc.simulate("gpt-4", **kwargs)


def test_dask_executor_refuses_what_it_cannot_honour() -> None:
    pytest.importorskip("distributed")
    with pytest.raises(SimulationError, match="give one of client, workers or scheduler"):
        DaskExecutor()
    with pytest.raises(SimulationError, match="threads_per_worker: applies to the LocalCluster"):
        DaskExecutor(scheduler="tcp://127.0.0.1:9", threads_per_worker=2)
    with pytest.raises(SimulationError, match="worker processes on a machine with"):
        DaskExecutor(workers=10_000)


def test_progress_is_reported_and_changes_nothing() -> None:
    seen: list[tuple[int, int]] = []
    plain = fc.simulate("gpt-4", store=False, draws=200_000, chains=2)
    with_bar = fc.simulate(
        "gpt-4", store=False, draws=200_000, chains=2, progress=lambda d, t: seen.append((d, t))
    )
    xr.testing.assert_identical(
        plain["streaming"].to_dataset(), with_bar["streaming"].to_dataset()
    )
    assert seen[-1] == (400_000, 400_000) and len(seen) > 1
    assert all(x[0] < y[0] for x, y in itertools.pairwise(seen))


def test_a_streaming_run_in_pieces_carries_its_histograms_to_the_same_bits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pieces of a progress-reported stream carry their per-thread int32 histograms
    (``local.Tally``), flushed before a bin could overflow: here every two segments,
    so the carry and the flush both run; each piece holds two segments per thread."""
    from frontiercost.engine import local, ranges
    from frontiercost.engine._drivers import SEGMENT

    plain = fc.simulate("gpt-4", store=False, draws=300_000, chains=2, threads=2)
    monkeypatch.setattr(local, "HIST32_DRAWS", 2 * SEGMENT)  # the tallies' flushes
    monkeypatch.setattr(ranges, "HIST32_DRAWS", 2 * SEGMENT)  # the kernel calls' length
    flushes: list[int] = []
    real_flush = local.Tally.flush

    def flush(self, counts):  # type: ignore[no-untyped-def]
        flushes.append(self.draws)
        real_flush(self, counts)

    monkeypatch.setattr(local.Tally, "flush", flush)
    seen: list[int] = []
    pieced = fc.simulate(
        "gpt-4",
        store=False,
        draws=300_000,
        chains=2,
        threads=2,
        progress=lambda d, t: seen.append(d),
    )
    xr.testing.assert_identical(plain["streaming"].to_dataset(), pieced["streaming"].to_dataset())
    assert len(seen) == 3 and seen[0] == 4 * SEGMENT  # 600,000 draws: 2 segments per thread
    assert len(flushes) >= 3 and max(flushes) <= 2 * SEGMENT


# --------------------------------------------------------------------------- bounds


def test_a_stored_run_too_large_for_memory_is_refused_with_the_fix() -> None:
    with pytest.raises(SimulationError) as err:
        fc.simulate("gpt-4", draws=10_000, limits=Limits(memory_bytes=1 << 20))
    text = str(err.value)
    assert "needs 7.9 MiB, more than the memory budget of 1.0 MiB" in text
    assert "store=False" in text and "out=" in text and "FRONTIERCOST_MEMORY" in text
    assert "--out" in text and "--memory" in text  # `frontiercost report` stores too
    # 1 MiB holds 5,041 draws of 26 variables (208 B): 1,260 for each of 4 chains
    assert "use at most 1,260 draws per chain (--draws)" in text
    # it named `frontiercost run` without --out, which is what was refused
    assert "without --out" not in text


def test_a_stored_sweep_too_large_for_memory_is_told_what_helps(tmp_path: Path) -> None:
    """A sweep is never written block by block: its file does not help, summaries do."""
    with pytest.raises(SimulationError) as err:
        fc.sweep(
            "frontier-run-2025-2030",
            vary=["growth_rate.central=2.0:2.8:3"],
            draws=10_000,
            out=tmp_path / "sweep.nc",
            limits=Limits(memory_bytes=1 << 20),
        )
    text = str(err.value)
    assert text.startswith("a sweep of 3 points: a sweep holds its points' draws in memory")
    assert "summary_only=True; sweep --summary" in text and "out='run.nc'" not in text
    assert list(tmp_path.iterdir()) == []


def test_a_stored_sweep_to_netcdf_counts_its_draws_three_times() -> None:
    """Its points are held, then joined, then built into the file: 2.7 times its draws
    measured (540 B a draw of gpt-4, 201 B stored), where twice was checked."""
    from frontiercost.run import check_bounds
    from frontiercost.settings import Keep, Sampling

    draws, per_draw = [40_000] * 3, [200] * 3
    need = 3 * 40_000 * 200
    sampling = Sampling(draws=10_000)
    budget = Limits(memory_bytes=int(2.5 * need))
    assert check_bounds(draws, per_draw, sampling, Keep(out=Path("run.nc")), budget)  # twice
    with pytest.raises(SimulationError, match=r"draws need 68\.7 MiB, more than the memory") as e:
        check_bounds(draws, per_draw, sampling, Keep(), budget, sweep=True)
    # 60 MB at 600 B a draw: 100,000 draws, 8,333 a chain at each of 3 points x 4 chains
    assert "sweep fewer points or at most 8,333 draws per chain (--draws)" in str(e.value)
    assert check_bounds(
        draws, per_draw, sampling, Keep(), Limits(memory_bytes=3 * need), sweep=True
    )


def test_a_run_that_would_take_too_long_is_refused_before_sampling() -> None:
    with pytest.raises(SimulationError, match=r"would take at least .* more than the limit"):
        fc.simulate("gpt-4", draws=10**12, store=False)
    with pytest.raises(SimulationError, match="--max-time") as err:
        fc.simulate("gpt-4", draws=10**8, store=False, limits=Limits(seconds=0.5))
    assert "more than the limit of 0.5 s" in str(err.value)  # not rounded to "0 s"


def test_a_sweep_with_too_many_points_is_refused_before_building_them() -> None:
    with pytest.raises(SimulationError, match="sweep: 1,000,000 points is more than the limit"):
        fc.sweep("frontier-run-2025-2030", vary=["growth_rate=1:3:1000", "year=1..1000"])


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
def test_a_run_larger_than_memory_is_written_block_by_block_with_the_same_bits(
    tmp_path: Path, suffix: str
) -> None:
    """Memory budget below the run's size and an output file: block-by-block, same bits."""
    if suffix == ".zarr":
        pytest.importorskip("zarr")
        pytest.importorskip("dask")
    kw = {"draws": 70_001, "chains": 2, "seed": 3}
    memory = fc.simulate("gpt-4", **kw)
    out = tmp_path / f"run{suffix}"
    small = Limits(memory_bytes=1 << 20)
    disk = fc.simulate("gpt-4", out=out, limits=small, **kw)
    xr.testing.assert_identical(memory["posterior"].to_dataset(), disk["posterior"].to_dataset())
    xr.testing.assert_identical(
        memory["constant_data"].to_dataset(), disk["constant_data"].to_dataset()
    )
    assert disk.attrs["seed"] == 3
    # only the output is left beside it: the temporary was renamed into place
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]


@model_kernel
def _log_kernel(x, out, n, consts):  # type: ignore[no-untyped-def]
    for j in range(n):
        out[0, j] = np.log(x[0, j])  # NaN for the negative half of a normal


_LOG_MODEL = Model("log", ("a",), (Output("y", "1", "log a"),), _log_kernel)


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
def test_a_run_written_block_by_block_keeps_its_budget_and_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    """Over budget, a run goes to its file in pieces of at most half the budget
    (whole chunks for Zarr),
    the file records its NaN draws as an in-memory run's file does, and a summary
    of the lazily opened result keeps no variable in memory."""
    from frontiercost.results import stores
    from frontiercost.results.stores import CHUNK

    if suffix == ".zarr":
        pytest.importorskip("zarr")
        pytest.importorskip("dask")
    sink = stores.ZarrSink if suffix == ".zarr" else stores.NetCDFSink
    widths: list[int] = []
    real_write = sink.write

    def write(self, start: int, outputs: np.ndarray, inputs: np.ndarray) -> None:  # type: ignore[no-untyped-def]
        widths.append(outputs.shape[1])
        real_write(self, start, outputs, inputs)

    monkeypatch.setattr(sink, "write", write)
    priors = {"a": Normal(mu=0.0, sigma=1.0)}
    kw = {"draws": 100_000, "chains": 2, "seed": 5}
    budget = 1 << 20  # the run needs 3.2 MB: one output and one input of 8 bytes
    with pytest.warns(fc.NonFiniteWarning, match="y: "):
        memory = fc.simulate(_LOG_MODEL, priors, out=tmp_path / f"mem{suffix}", **kw)
    assert widths == []  # held in memory, written whole
    with pytest.warns(fc.NonFiniteWarning, match="y: "):
        disk = fc.simulate(
            _LOG_MODEL,
            priors,
            out=tmp_path / f"disk{suffix}",
            limits=Limits(memory_bytes=budget),
            **kw,
        )
    if suffix == ".zarr":  # whole chunks, however small the budget (each is compressed)
        assert widths[:-1] == [CHUNK] * (len(widths) - 1) and widths[-1] <= CHUNK
    else:
        assert len(widths) >= 7 and max(widths) * 16 <= budget // 2
    nan = int(np.isnan(memory["posterior"]["y"].values).sum())
    assert 90_000 < nan < 110_000
    engine = "zarr" if suffix == ".zarr" else "h5netcdf"
    for name in ("mem", "disk"):
        back = xr.open_datatree(tmp_path / f"{name}{suffix}", engine=engine)
        assert json.loads(back.attrs["nonfinite"]) == {"y": {"nan": nan, "inf": 0}}
        assert int(back["posterior"]["y"].attrs["nonfinite_draws"]) == nan
    fc.summarize(disk)
    assert not disk["posterior"]["y"].variable._in_memory  # read, summarized, let go


def test_ctrl_c_during_a_piece_acts_after_it_and_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A SIGINT inside HDF5 was swallowed by an h5py callback (the run went on and
    replaced the file): it now waits for the piece's write, then stops the run."""
    import os
    import signal

    from frontiercost.results import stores

    steps: list[str] = []
    real_write = stores.NetCDFSink.write

    def write(self, start: int, outputs: np.ndarray, inputs: np.ndarray) -> None:  # type: ignore[no-untyped-def]
        if start:
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while the second piece is written
            steps.append("wrote on")
        real_write(self, start, outputs, inputs)

    monkeypatch.setattr(stores.NetCDFSink, "write", write)
    out = tmp_path / "run.nc"
    with pytest.raises(KeyboardInterrupt):
        fc.simulate("gpt-4", draws=20_000, chains=4, out=out, limits=Limits(memory_bytes=1 << 20))
    assert steps == ["wrote on"]  # the write went on, and the run stopped after it
    assert list(tmp_path.iterdir()) == []  # no file, no temporary


def test_a_file_run_computes_pieces_of_half_the_budget() -> None:
    from frontiercost.results.stores import CHUNK
    from frontiercost.run import sink_piece

    assert sink_piece(20_000_000, 216) == 46_296  # fewer than a chunk's draws fit
    assert sink_piece(200_000_000, 216) == 7 * CHUNK  # 462,962 fit: whole chunks
    assert sink_piece(1 << 40, 216) == 1 << 20  # at most 1,048,576 draws
    assert sink_piece(1_000, 216) == 4096  # a budget below 4,096 draws is not honoured
    assert sink_piece(1_000, 216, whole_chunks=True) == CHUNK  # Zarr: at least a chunk
    assert sink_piece(200_000_000, 216, whole_chunks=True) == 7 * CHUNK


# --------------------------------------------------------------------------- pieces


def test_plans_pickle_formula_models_as_data_and_kernels_by_path(ref) -> None:  # type: ignore[no-untyped-def]
    spec = RunSpec.of("gpt-4")
    sampling = Sampling(draws=100, chains=1)
    plan = plan_run(spec.model, spec.priors, sampling)
    back = pickle.loads(pickle.dumps(plan))
    assert back.model.kernel is None and np.array_equal(back.model.consts, plan.model.consts)
    model, priors = ref
    kplan = pickle.loads(pickle.dumps(plan_run(model, priors, sampling)))
    assert kplan.model.kernel is model.kernel
    a = LocalExecutor().run([Job.make(plan, spec.priors, store=True)])[0]
    b = LocalExecutor().run([Job.make(back, spec.priors, store=True)])[0]
    for name in a.outputs:
        np.testing.assert_array_equal(a.outputs[name], b.outputs[name])


def test_runspec_resolves_once_and_refuses_foreign_priors() -> None:
    spec = RunSpec.of("gpt-4")
    assert spec.name == "gpt-4" and spec.scenario is not None and spec.title == "GPT-4"
    assert set(spec.priors) == set(spec.model.inputs)
    assert RunSpec.of(spec) is spec
    with pytest.raises(SimulationError, match="nope is not an input of scenario 'gpt-4'"):
        RunSpec.of("gpt-4", {"nope": fc.prior_from_spec({"family": "fixed", "value": 1})})


def test_run_view_answers_what_a_tree_is(tmp_path: Path) -> None:
    stored = RunView(fc.simulate("gpt-4", **SMALL))
    assert stored.kind == "stored" and stored.independent and not stored.conditioned
    assert "amortized_cost" in stored.outputs() and "chip_count" in stored.inputs
    assert "inflation_factor" in stored.constant_names
    assert stored.units("inflation_factor") == "1" and stored.units("cloud_cost") == "USD"
    assert stored.draws("inflation_factor").shape == (6000,)
    assert stored.check("cloud_cost") == ["cloud_cost"]  # one name, not letters
    with pytest.raises(FrontiercostError, match="did you mean 'cloud_cost'"):
        stored.check("clod_cost")
    streaming = RunView(fc.simulate("gpt-4", store=False, **SMALL))
    assert streaming.kind == "streaming" and streaming.inputs == ()
    assert streaming.settings["total_draws"] == 6000
    with pytest.raises(FrontiercostError, match="a streaming run keeps no draws"):
        streaming.posterior  # noqa: B018
    with pytest.raises(FrontiercostError, match="no 'posterior', 'streaming' or 'summary'"):
        RunView(xr.DataTree())


@pytest.mark.parametrize("collect", [True, False])
def test_a_dropped_stored_result_is_freed_before_the_next_large_run(
    collect: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A DataTree is a reference cycle: dropped, it lives until the cycle collector runs."""
    import gc
    import weakref

    from frontiercost import _buffers as memory

    # every run counts as large (True), or none does (False: shows the cycle is there)
    monkeypatch.setattr(memory, "COLLECT_MIN", 0 if collect else 1 << 62)
    monkeypatch.setattr(memory, "HUGE_MIN", 0)  # small runs' arrays are tracked too
    tree = fc.simulate("gpt-4", draws=500, chains=2)
    draws = weakref.ref(tree["posterior"]["amortized_cost"].values.base)
    was_enabled = gc.isenabled()
    gc.disable()  # no automatic collection between the two runs
    try:
        del tree
        assert draws() is not None  # held by the dropped tree's cycle
        fc.simulate("gpt-4", draws=500, chains=2)
        assert (draws() is None) is collect
    finally:
        if was_enabled:
            gc.enable()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"limits": {"seconds": 1}}, "limits: expected a frontiercost.Limits"),
        ({"sampling": {"draws": 10}}, "sampling: expected a frontiercost.Sampling"),
        ({"keep": {"store": False}}, "keep: expected a frontiercost.Keep"),
        ({"progress": 5}, r"progress: expected a function progress\(done, total\)"),
        ({"client": "x"}, "client: expected a distributed.Client, got str"),
        ({"workers": 1, "threads": 0}, "threads: must be a positive integer, got 0"),
        ({"workers": 1, "threads": 10_000}, "threads: 10000 numba threads per task"),
    ],
)
def test_a_setting_of_the_wrong_kind_is_one_error_naming_it(kwargs: dict, match: str) -> None:
    """Not an AttributeError deep inside, nor a task failing in every dask worker."""
    pytest.importorskip("distributed")
    base = {} if "sampling" in kwargs else {"draws": 10}
    with pytest.raises(SimulationError, match=match):
        fc.simulate("gpt-4", **base, **kwargs)


def test_limits_refuse_a_time_that_is_not_a_finite_positive_number() -> None:
    for bad in (10**400, float("inf"), float("nan"), "a", True, 0):
        with pytest.raises(SimulationError, match="seconds: must be a positive finite number"):
            Limits(seconds=bad)


def test_no_collection_when_no_earlier_result_is_held(monkeypatch: pytest.MonkeyPatch) -> None:
    """A collection costs as long as a small stored run: it runs only while earlier
    runs' arrays are still held (the reference benchmark frees each before the next)."""
    import gc

    from frontiercost import _buffers as memory

    monkeypatch.setattr(memory, "COLLECT_MIN", 0)
    monkeypatch.setattr(memory, "HUGE_MIN", 0)
    gc.collect()  # earlier tests' dropped runs go first, then
    monkeypatch.setattr(memory, "_alive", [0])  # what other tests still hold does not count
    calls: list[int] = []
    real = gc.collect
    monkeypatch.setattr(memory.gc, "collect", lambda *a: calls.append(1) or real(*a))
    was_enabled = gc.isenabled()
    gc.disable()  # no automatic collection between the runs
    try:
        fc.simulate("gpt-4", draws=500, chains=2)  # its tree: a cycle, dropped at once
        assert calls == []  # nothing was held before it
        fc.simulate("gpt-4", draws=500, chains=2)
        assert calls == [1]  # the dropped tree, not yet collected, was still held
        real()  # the caller (a benchmark) collects between runs: nothing held again
        calls.clear()
        kept = fc.simulate("gpt-4", draws=500, chains=2)
        assert calls == []
        fc.simulate("gpt-4", draws=500, chains=2)
        assert calls == [1]  # ``kept`` is held: a collection is tried
        del kept
    finally:
        if was_enabled:
            gc.enable()


def test_a_run_slower_than_its_estimate_is_stopped_at_the_time_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``check_time``'s estimate is optimistic (3e7 draws/s per core; GPT-4 runs at
    ~1.5e7): `run gpt-4 --draws 2.5e8 --max-time 20s` ran 33 s. The run's own
    speed now stops it, with nothing left behind."""
    import os

    from frontiercost import settings

    # 4e6 draws estimated at half the limit of 0.02 s (they take ~0.13 s here)
    monkeypatch.setattr(settings, "EST_DRAWS_PER_CORE_SECOND", 4e6 / (os.cpu_count() or 1) / 0.01)
    limits = Limits(seconds=0.02)
    for kw in ({"store": False}, {"out": tmp_path / "run.nc"}):
        with pytest.raises(SimulationError) as err:
            fc.simulate("gpt-4", draws=2_000_000, chains=2, limits=limits, **kw)  # type: ignore[arg-type]
        text = str(err.value)
        assert text.startswith("gpt-4: stopped after ") and " of 4,000,000 draws: the run " in text
        assert "more than the limit of 0.02 s" in text and "--max-time" in text
    assert list(tmp_path.iterdir()) == []
    # within the limit: the same bits as an unwatched run, and the caller's progress too
    seen: list[int] = []
    watched = fc.simulate(
        "gpt-4", store=False, draws=200_000, chains=2, progress=lambda d, t: seen.append(d)
    )
    plain = fc.simulate("gpt-4", store=False, draws=200_000, chains=2)
    xr.testing.assert_identical(plain["streaming"].to_dataset(), watched["streaming"].to_dataset())
    assert seen[-1] == 400_000


def test_the_watch_projects_from_the_second_report_and_keeps_a_hard_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from frontiercost import settings

    clock = [0.0]
    monkeypatch.setattr(settings.time, "perf_counter", lambda: clock[0])
    forwarded: list[tuple[int, int]] = []
    limits = Limits(seconds=10.0)
    report = limits.watch(lambda d, t: forwarded.append((d, t)), 100, "r")
    assert report is not None
    clock[0] = 0.5
    report(1, 100)  # the first piece: warm-up, no projection from it alone
    clock[0] = 0.9
    report(2, 100)  # under a tenth of the limit: no projection yet
    clock[0] = 1.5
    with pytest.raises(SimulationError, match=r"r: stopped after 3 of 100 draws: the run would"
                       r" take about 50 s at its speed, more than the limit of 10 s"):  # fmt: skip
        report(3, 100)  # 0.5 s + 1.0 s for 2 draws, 98 to go: 49.5 s
    assert forwarded == [(1, 100), (2, 100)]
    clock[0] = 0.0
    fast = limits.watch(None, 10**12, "r")
    assert fast is not None
    for t, d in ((1.0, 10), (5.0, 500), (9.5, 950)):
        clock[0] = t
        fast(d, 1000)  # on course for 10 s
    clock[0] = 10.5
    fast(1000, 1000)  # the last report: the run is done, nothing to stop
    clock[0] = 0.0
    slow = limits.watch(None, 10**12, "r")
    assert slow is not None
    clock[0] = 10.5  # the first piece alone passed the limit: nothing to project from
    with pytest.raises(SimulationError, match="the run has taken 10 s, more than the limit"):
        slow(10, 1000)
    assert limits.watch(None, 10, "r") is None  # far below 1 % of the limit: one piece


@pytest.mark.parametrize("memory", [None, 1 << 20], ids=["whole", "block-by-block"])
def test_a_zarr_store_keeps_chunks_whose_draws_are_all_nan(
    tmp_path: Path, memory: int | None
) -> None:
    """Zarr skips a chunk equal to its fill value (NaN): an output NaN for a whole chunk
    of draws left a store that read back as incomplete ("13 of 16 chunks")."""
    from frontiercost.results.files import open_run

    scenario = tmp_path / "rare.toml"
    scenario.write_text(
        '[scenario]\ntitle = "rare"\n[parameters]\n'
        'x = { family = "normal", mu = 0, sigma = 1, unit = "1" }\n'
        '[formulas]\ntail = { formula = "sqrt(x - 4.0) * 1e6", units = "USD" }\n',
        encoding="utf-8",
    )
    limits = Limits(memory_bytes=memory) if memory else Limits()
    out = tmp_path / "rare.zarr"
    with pytest.warns(fc.NonFiniteWarning):
        fc.simulate(scenario, draws=100_000, chains=2, out=out, limits=limits)
        held = fc.simulate(scenario, draws=100_000, chains=2)
    tail = open_run(out)["posterior"]["tail"].values
    # 7 of 200,000 draws finite: whole chunks are NaN (without every_chunk, zarr left
    # one of them out and the store read as "3 of 4 chunks")
    assert 0 < np.isfinite(tail).sum() < 20
    np.testing.assert_array_equal(tail, held["posterior"]["tail"].values)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.5, "fixed"),
        ("utilization_final_run_epoch", "library"),
        ({"family": "beta", "p5": 0.4, "p95": 0.6}, "table"),
    ],
)
def test_simulate_takes_priors_as_a_scenario_file_writes_them(value, expected) -> None:  # type: ignore[no-untyped-def]
    """A number, a prior-library name or a prior table, as in TOML: these raised
    AttributeError / TypeError tracebacks from inside the engine."""
    from frontiercost.priors import Fixed, load_library, prior_from_spec

    tree = fc.simulate("new-run-h100-2025", {"utilization": value}, draws=200)
    if expected == "fixed":
        assert float(tree["constant_data"]["utilization"]) == 0.5
        return
    want = (
        load_library()["utilization_final_run_epoch"]
        if expected == "library"
        else prior_from_spec({**value, "unit": "1"})
    )
    assert not isinstance(want, Fixed)
    same = fc.simulate("new-run-h100-2025", {"utilization": want}, draws=200)
    np.testing.assert_array_equal(
        tree["posterior"]["utilization"].values, same["posterior"]["utilization"].values
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (object(), "priors['utilization']: expected a number, a prior-library name or a prior"),
        ("nosuch", "priors['utilization']: 'nosuch' is not in the prior library"),
        ({"family": "beta", "p5": 0.4, "p95": 0.6, "unit": "USD"}, "unit 'USD' does not match"),
        (40, "priors['utilization']: central value 40 is outside (0, 1]: a fraction; for 40 %"),
    ],
)
def test_a_prior_simulate_cannot_use_is_one_clear_error(value, message: str) -> None:  # type: ignore[no-untyped-def]
    from frontiercost import FrontiercostError

    with pytest.raises(FrontiercostError) as err:
        fc.simulate("new-run-h100-2025", {"utilization": value}, draws=200)
    assert message in str(err.value)


def test_a_saved_run_whose_priors_were_replaced_is_rebuilt_with_them(
    tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    """The file records the scenario's text: rebuilt from it alone, summarize showed
    plain GPT-4's point (57M chip-hours) beside draws of twice the chips, and report
    sampled plain GPT-4 again, with exit 0."""
    from frontiercost.cli import main

    path = tmp_path / "twice.nc"
    tree = fc.simulate("gpt-4", {"chip_count": 50_000}, draws=200, out=str(path))
    assert json.loads(tree.attrs["replaced_priors"]) == ["chip_count"]
    points = {}
    for argv in (["summarize", str(path)], ["run", "gpt-4", "--draws", "200"]):
        assert main([*argv, "--format", "json"]) == 0
        points[argv[0]] = json.loads(capsys.readouterr().out)["outputs"]["chip_hours"]["point"]
    assert points["summarize"] == 2 * points["run"]  # chip-hours = chips × hours


def test_numpy_numbers_are_numbers_in_priors() -> None:
    a = fc.simulate("new-run-h100-2025", {"chip_count": np.int64(30_000)}, draws=100)
    b = fc.simulate("new-run-h100-2025", {"chip_count": 30_000}, draws=100)
    assert a["posterior"].equals(b["posterior"])


def test_a_sweep_point_is_one_runs_in_pairing_and_error() -> None:
    """A sweep keeps its scenario's text in ``scenario_text`` and ``inference`` on the
    posterior group: the pairing rule and the MCSE read the root's ``scenario``."""
    from frontiercost.analysis.risk import prob_greater

    sw = fc.sweep("gpt-4", vary={"depreciation_rate": [0.1, 0.3]}, draws=500)
    point = sw.sel(depreciation_rate=0.3)
    run = fc.simulate("gpt-4", {"depreciation_rate": 0.3}, draws=500)
    assert prob_greater(point, run, "amortized_cost").attrs["pairing"] == "index"
    other = fc.simulate("gemini-1-0-ultra", draws=500)
    assert prob_greater(point, other, "amortized_cost").attrs["pairing"] == "shuffle"
    got = fc.summarize(sw, var_names="chip_hours").sel(depreciation_rate=0.3)
    want = fc.summarize(run, var_names="chip_hours")
    np.testing.assert_array_equal(got["mcse_median"].values, want["mcse_median"].values)


def test_a_replaced_one_sided_prior_is_read_back(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """Its spec recorded ``upper: inf``, which no spec takes: every command refused the file."""
    from frontiercost.cli import main

    path = tmp_path / "pue.nc"
    pue = {"family": "truncnormal", "p5": 1.1, "p95": 1.5, "lower": 1.0}
    fc.simulate("gpt-4", {"pue": pue}, draws=200, out=str(path))
    assert main(["summarize", str(path), "-q"]) == 0
    assert "point" in capsys.readouterr().out


@pytest.mark.parametrize(("text", "seconds"), [("600", 600.0), ("10m", 600.0), ("2h", 7200.0)])
def test_the_time_limit_variable_takes_what_max_time_takes(
    monkeypatch, text: str, seconds: float
) -> None:  # type: ignore[no-untyped-def]
    """The help gives ``10m`` as an example of FRONTIERCOST_MAX_SECONDS, which refused it."""
    from frontiercost.cli._common import seconds_value
    from frontiercost.settings import Limits

    monkeypatch.setenv("FRONTIERCOST_MAX_SECONDS", text)
    assert Limits().seconds == seconds == seconds_value(text)
