"""The dask engine: the local engine's bits on a LocalCluster; sweeps, Zarr, a killed worker.

Source of truth: the local engine (same seed).  Every comparison is exact
(``assert_identical`` / ``array_equal``): the dask engine evaluates the same
ranges of draws and merges streaming moments in the local order.

One LocalCluster of 2 worker processes (``DaskExecutor(workers=2)``: loopback, no
dashboard) serves the module; it is started from this module because worker
processes are spawned and need an importable module.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask
import numpy as np
import pytest
import xarray as xr

import frontiercost as fc
from frontiercost.engine import DaskExecutor, model_kernel
from frontiercost.engine._drivers import SEGMENT
from frontiercost.errors import FrontiercostError, SimulationError
from frontiercost.model import Model, Output
from frontiercost.results.trees import stream_stats

distributed = pytest.importorskip("distributed")
pytest.importorskip("zarr")
pytestmark = pytest.mark.dask  # every test here uses a LocalCluster of worker processes

SCENARIO = "frontier-run-2025-2030"
THRESHOLDS = {"final_run_cost": [3e7, 1e8, 3e8], "projected_cost_2030": [1e10]}


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """A loopback LocalCluster of 2 single-threaded worker processes, shared by the module."""
    with DaskExecutor(workers=2, threads_per_worker=1).connect() as c:
        yield c


def _same_root(a: xr.DataTree, b: xr.DataTree) -> None:
    """Root attributes equal but for the creation time."""
    left, right = dict(a.attrs), dict(b.attrs)
    left.pop("created_at")
    right.pop("created_at")
    assert left == right


def _dask(client: Any, task_draws: int | None = None, **kw: Any) -> xr.DataTree:
    return fc.simulate(SCENARIO, client=client, task_draws=task_draws, **kw)


def test_stored_run_is_bit_identical(client: Any) -> None:
    """Several Zarr chunks per chain, a short last chunk: the local tree, bit for bit."""
    kw = {"draws": 40_000, "chains": 3, "seed": 11}
    local = fc.simulate(SCENARIO, **kw)
    remote = _dask(client, task_draws=16_384, **kw)
    xr.testing.assert_identical(local["posterior"].to_dataset(), remote["posterior"].to_dataset())
    _same_root(local, remote)
    # through the public API too, with the default task size
    default = fc.simulate(SCENARIO, client=client, **kw)
    xr.testing.assert_identical(local["posterior"].to_dataset(), default["posterior"].to_dataset())


@pytest.mark.parametrize("sampler", ["mc", "qmc", "lhs"])
def test_streaming_run_is_bit_identical(client: Any, sampler: str) -> None:
    """Moments, histogram (so quantiles and HDI) and exceedance counts equal the local run's."""
    kw = {"draws": 5 * SEGMENT + 321, "chains": 3, "seed": 5, "sampler": sampler}
    local = fc.simulate(SCENARIO, store=False, thresholds=THRESHOLDS, **kw)
    # 16 range tasks, merged over two levels of the reduction tree
    remote = _dask(client, task_draws=SEGMENT, store=False, thresholds=THRESHOLDS, **kw)
    xr.testing.assert_identical(local["streaming"].to_dataset(), remote["streaming"].to_dataset())
    _same_root(local, remote)
    a, b = stream_stats(local), stream_stats(remote)
    q = np.array([0.001, 0.05, 0.5, 0.95, 0.999])
    for name in a.names:
        assert np.array_equal(a.quantile(name, q), b.quantile(name, q))
        assert a.hdi(name, 0.9) == b.hdi(name, 0.9)
    for name in THRESHOLDS:
        assert np.array_equal(a.exceedance(name)[1], b.exceedance(name)[1])
    # the run did split: more segments than one task holds
    assert a.count[0] == 3 * (5 * SEGMENT + 321)


def test_bare_model_with_an_importable_kernel(client: Any, ref: Any) -> None:
    """The benchmark model (module-level cfunc, beta priors with lookup tables) runs on dask."""
    model, priors = ref
    kw = {"draws": 30_000, "chains": 2, "seed": 3}
    local = fc.simulate(model, priors, **kw)
    remote = fc.simulate(model, priors, client=client, **kw)
    xr.testing.assert_identical(local["posterior"].to_dataset(), remote["posterior"].to_dataset())


def test_kernel_that_workers_cannot_import_is_refused(client: Any) -> None:
    @model_kernel
    def local_kernel(x, out, n, consts):  # type: ignore[no-untyped-def]
        for j in range(n):
            out[0, j] = x[0, j]

    model = Model("local", ("a",), (Output("y", "1", "a"),), local_kernel)
    priors = {"a": fc.prior_from_spec({"family": "normal", "mean": 0.0, "sd": 1.0})}
    with pytest.raises(SimulationError, match=r"cannot be imported.*local engine"):
        fc.simulate(model, priors, client=client, draws=100, chains=1)


def test_sweep_on_dask_equals_the_local_sweep(client: Any) -> None:
    vary = ["growth_rate.central=2.0:2.8:3", "year=2023..2024"]
    kw = {"draws": 2000, "chains": 2, "seed": 9}
    local = fc.sweep(SCENARIO, vary=vary, **kw)
    remote = fc.sweep(SCENARIO, vary=vary, client=client, **kw)
    xr.testing.assert_identical(local["posterior"].to_dataset(), remote["posterior"].to_dataset())
    thr = {"final_run_cost": [1e8]}
    local_s = fc.sweep(SCENARIO, vary=vary, summary_only=True, thresholds=thr, **kw)
    remote_s = fc.sweep(
        SCENARIO, vary=vary, summary_only=True, thresholds=thr, client=client, **kw
    )
    xr.testing.assert_identical(local_s["summary"].to_dataset(), remote_s["summary"].to_dataset())


def test_out_zarr_written_by_workers(client: Any, tmp_path: Path) -> None:
    """``out=``: a Zarr DataTree that opens as it is; a rerun replaces it atomically."""
    kw = {"draws": 20_000, "chains": 2, "seed": 4}
    out = tmp_path / "run.zarr"
    local = fc.simulate(SCENARIO, **kw)
    first = fc.simulate(SCENARIO, client=client, out=out, seed=1, draws=20_000, chains=2)
    assert first.attrs["seed"] == 1
    remote = fc.simulate(SCENARIO, client=client, out=out, **kw)
    xr.testing.assert_identical(local["posterior"].to_dataset(), remote["posterior"].to_dataset())
    with xr.open_datatree(out, engine="zarr") as back:
        assert back.attrs["seed"] == 4
        xr.testing.assert_identical(
            local["posterior"].to_dataset(), back["posterior"].to_dataset().load()
        )
    # nothing left beside it: temporary stores are renamed or removed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.zarr"]


def test_bad_arguments_stop_before_any_work(client: Any, tmp_path: Path) -> None:
    run = {"draws": 100, "chains": 1}
    with pytest.raises(SimulationError, match="one of client, workers or scheduler"):
        fc.simulate(SCENARIO, client=client, workers=2, **run)
    with pytest.raises(SimulationError, match="workers: must be a positive integer"):
        fc.simulate(SCENARIO, workers=0, **run)
    with pytest.raises(SimulationError, match=f"multiple of {SEGMENT}"):
        _dask(client, task_draws=1000, store=False, **run)
    (tmp_path / "notes.txt").write_text("keep me")
    with pytest.raises(FrontiercostError, match=r"expected a \.nc or \.zarr path"):
        fc.simulate(SCENARIO, client=client, out=tmp_path / "notes.txt", **run)
    folder = tmp_path / "mine.zarr"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me too")
    with pytest.raises(FrontiercostError, match="not a Zarr store; it is never deleted"):
        fc.simulate(SCENARIO, client=client, out=folder, overwrite=True, **run)
    assert (tmp_path / "notes.txt").read_text() == "keep me"
    assert (folder / "notes.txt").read_text() == "keep me too"
    with pytest.raises(SimulationError, match="draws: must be a positive integer"):
        fc.simulate(SCENARIO, client=client, draws=0)
    with (
        dask.config.set({"distributed.comm.timeouts.connect": "1s"}),
        pytest.raises(SimulationError, match="scheduler: cannot connect"),
    ):
        fc.simulate(SCENARIO, scheduler="tcp://127.0.0.1:9", **run)


def test_workers_starts_and_closes_a_local_cluster() -> None:
    kw = {"draws": 3 * SEGMENT, "chains": 1, "seed": 2, "store": False}
    local = fc.simulate(SCENARIO, **kw)
    remote = fc.simulate(SCENARIO, workers=1, **kw)
    xr.testing.assert_identical(local["streaming"].to_dataset(), remote["streaming"].to_dataset())


class KillOnce(distributed.WorkerPlugin):  # type: ignore[misc]
    """Kill the worker process that first finishes a frontiercost task (once: a marker file)."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def transition(self, key: Any, start: str, finish: str, **kwargs: Any) -> None:
        if finish != "memory" or not str(key).startswith("frontiercost-"):
            return
        try:
            fd = os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return
        os.close(fd)
        os._exit(1)  # the result never reaches the scheduler


@pytest.mark.parametrize("store", [True, False])
def test_a_killed_worker_costs_a_rerun_not_the_result(
    client: Any, tmp_path: Path, store: bool
) -> None:
    """A worker dies right after finishing its first task: dask reruns, the bits stay."""
    kw = {"draws": 4 * SEGMENT, "chains": 2, "seed": 8, "store": store}
    local = fc.simulate(SCENARIO, thresholds=None if store else THRESHOLDS, **kw)
    marker = tmp_path / "killed"
    before = set(client.scheduler_info()["workers"])
    client.register_plugin(KillOnce(str(marker)), name="kill-once")
    try:
        remote = _dask(client, task_draws=SEGMENT, thresholds=None if store else THRESHOLDS, **kw)
    finally:
        client.unregister_worker_plugin("kill-once")
    assert marker.exists()  # a worker was killed during the run
    group = "posterior" if store else "streaming"
    xr.testing.assert_identical(local[group].to_dataset(), remote[group].to_dataset())
    client.wait_for_workers(2, timeout=60)  # the nanny restarted it, under a new address
    assert set(client.scheduler_info()["workers"]) != before


def test_a_zarr_file_written_by_workers_records_its_nonfinite_draws(
    client: Any, tmp_path: Path
) -> None:
    """The workers count nothing: the run counts what they wrote, and the file
    says it as a locally written file does."""
    data = {
        "scenario": {"title": "t", "outputs": ["r"]},
        "parameters": {"y": {"family": "uniform", "lower": -1.0, "upper": 2.0}},
        "formulas": {"r": "sqrt(y)"},
    }
    sc = fc.Scenario.from_dict(data, name="nan")
    kw = {"draws": 20_000, "chains": 2, "seed": 4}
    with pytest.warns(fc.NonFiniteWarning):
        local = fc.simulate(sc, out=tmp_path / "local.zarr", **kw)
    with pytest.warns(fc.NonFiniteWarning):
        fc.simulate(sc, client=client, out=tmp_path / "dask.zarr", **kw)
    nan = int(np.isnan(local["posterior"]["r"].values).sum())
    assert nan > 0
    for name in ("local", "dask"):
        with xr.open_datatree(tmp_path / f"{name}.zarr", engine="zarr") as back:
            assert back.attrs["nonfinite"] == f'{{"r": {{"nan": {nan}, "inf": 0}}}}'
            assert int(back["posterior"]["r"].attrs["nonfinite_draws"]) == nan
