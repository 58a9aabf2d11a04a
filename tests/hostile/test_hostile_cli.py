# ruff: noqa: E501  (a corpus of literal hostile inputs: long lines are the data)
"""Hostile command lines: flag values, clusters and output paths.

Each bad flag exits 2 with one line naming the flag and what it accepts, before
any sampling, and leaves the working folder as it was. The good-but-odd ones
give the number a hand computation gives.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from hostile_common import BASE, clear_error, snapshot, succeeds

pytestmark = pytest.mark.e2e

# fixed inputs, stated basis (no notes): cloud_cost = final_run_cost = 1e7 h x $2/h x 1
RUNNABLE = BASE.replace("year = 2024", 'year = 2024\ncost_basis = "cloud"')
SMALL = ["--draws", "100", "--chains", "1"]


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(RUNNABLE)
    return path


FLAGS = [
    # --draws
    (
        ["--draws", "1e30"],
        "argument --draws: 1e30 is out of range: draws per chain run from 1 to 2**53",
    ),
    (["--draws", "0"], "argument --draws: expected a positive whole number, got '0'"),
    (["--draws", "-1"], "argument --draws: expected a positive whole number, got '-1'"),
    (["--draws", "abc"], "argument --draws: expected a number such as 1e6 or 10k, got 'abc'"),
    (["--draws", "nan"], "argument --draws: expected a positive whole number, got 'nan'"),
    (["--draws", "inf"], "argument --draws: expected a positive whole number, got 'inf'"),
    (["--draws", "-inf"], "argument --draws"),
    (["--draws", "1e3.5"], "argument --draws: expected a number such as 1e6 or 10k, got '1e3.5'"),
    (["--draws", "1.5"], "argument --draws: expected a positive whole number, got '1.5'"),
    (["--draws", ""], "argument --draws: expected a number such as 1e6 or 10k, got ''"),
    (["--draws", "0x10"], "argument --draws: expected a number such as 1e6 or 10k, got '0x10'"),
    (["--draws", "1e-3"], "argument --draws: expected a positive whole number, got '1e-3'"),
    (["--draws", "9" * 5000], "argument --draws: expected a positive whole number"),
    (["--draws", "2**10"], "argument --draws: expected a number such as 1e6"),
    (["--draws", "1e10", "--chains", "1000"], "draws would take at least"),
    # --chains
    (["--chains", "0"], "argument --chains: expected a whole number >= 1, got '0'"),
    (["--chains", "-1"], "argument --chains: expected a whole number >= 1, got '-1'"),
    (["--chains", "1e3"], "argument --chains: expected a whole number, got '1e3'"),
    (["--chains", "abc"], "argument --chains: expected a whole number, got 'abc'"),
    (["--chains", "nan"], "argument --chains: expected a whole number"),
    # --seed
    (["--seed", "abc"], "argument --seed: expected a whole number, got 'abc'"),
    (["--seed", "1e30"], "argument --seed: expected a whole number, got '1e30'"),
    (["--seed", "1.5"], "argument --seed: expected a whole number, got '1.5'"),
    (["--seed", str(2**64)], "argument --seed: must be in [0, 2**63)"),
    (["--seed", "-1"], "argument --seed: must be in [0, 2**63)"),
    # --sampler, --format
    (
        ["--sampler", "sobol"],
        "argument --sampler: invalid choice: 'sobol' (choose from 'mc', 'qmc', 'lhs')",
    ),
    (["--sampler", ""], "argument --sampler: invalid choice"),
    (
        ["--format", "yaml"],
        "argument --format: invalid choice: 'yaml' (choose from 'table', 'json', 'csv')",
    ),
    # --workers, --scheduler
    (["--workers", "0"], "argument --workers: expected a whole number >= 1, got '0'"),
    (["--workers", "-1"], "argument --workers: expected a whole number >= 1, got '-1'"),
    (["--workers", "abc"], "argument --workers: expected a whole number"),
    (
        ["--workers", "1", "--threads-per-worker", "500"],
        "--threads-per-worker: 500 threads in each worker of a local cluster on a machine"
        f" with {os.cpu_count()} cores; at most {os.cpu_count()}",
    ),
    (["--scheduler", "not a url"], "--scheduler: 'not a url' has no port"),
    (["--scheduler", ""], "--scheduler: expected an address such as 'tcp://host:8786', got ''"),
    (
        ["--scheduler", "tcp://127.0.0.1:99999"],
        "--scheduler: 'tcp://127.0.0.1:99999' is not an address",
    ),
    (["--scheduler", "tcp://127.0.0.1:1"], "--scheduler: cannot connect to 'tcp://127.0.0.1:1'"),
    (
        ["--scheduler", "tcp://no-such-host.invalid:8786"],
        "--scheduler: cannot connect to 'tcp://no-such-host.invalid:8786'",
    ),
    (
        ["--scheduler", "tcp://127.0.0.1:1", "--workers", "2"],
        "--workers: starts a cluster, --scheduler uses one; choose one",
    ),
    # --out
    (["--out", "/proc/x.nc"], "--out: cannot write in folder '/proc'"),
    (["--out", "/proc/self/x.nc"], "--out: folder '/proc/self' is not writable"),
    (["--out", "/dev/null"], "--out: expected a .nc or .zarr file, got '/dev/null'"),
    (["--out", "/etc/hostname/x.nc"], "--out: folder '/etc/hostname' is a file, not a folder"),
    (["--out", "{tmp}/no/such/run.nc"], "--out: folder '{tmp}/no/such' does not exist"),
    (["--out", "{tmp}"], "--out: expected a .nc or .zarr file"),
    (["--out", "{tmp}/run.csv"], "--out: expected a .nc or .zarr file"),
    (["--out", ""], "--out"),
]


@pytest.mark.parametrize(("flags", "message"), FLAGS, ids=[" ".join(f[0])[:50] for f in FLAGS])
def test_a_bad_flag_of_run(
    capsys, tmp_path: Path, scenario: Path, flags: list[str], message: str
) -> None:  # type: ignore[no-untyped-def]
    argv = ["run", str(scenario), *SMALL, *[f.format(tmp=tmp_path) for f in flags]]
    start = time.monotonic()
    clear_error(capsys, argv, message.format(tmp=tmp_path), folder=tmp_path)
    assert time.monotonic() - start < 45  # an unreachable scheduler is one quick line


COMMANDS = [
    (
        ["sweep", "{s}", *SMALL, "--vary", "cloud_price"],
        "sweep: 'cloud_price' is not FIELD=VALUES",
    ),
    (["sweep", "{s}", *SMALL, "--vary", "=1,2"], "sweep: '=1,2' is not FIELD=VALUES"),
    (
        ["sweep", "{s}", *SMALL, "--vary", "cloud_price=nan,1"],
        "sweep point cloud_price=nan: {s}:8 cloud_price: nan is not a finite number",
    ),
    (
        ["sweep", "{s}", *SMALL, "--vary", "cloud_price=1:inf:3"],
        "sweep cloud_price: 'inf' is not a finite number",
    ),
    (
        ["sweep", "{s}", *SMALL, "--vary", "cloud_price=1:2:0"],
        "sweep cloud_price: '1:2:0' asks for no values",
    ),
    (
        ["sweep", "{s}", *SMALL, "--vary", "cloud_price=1:2:1000000000000"],
        "asks for 1,000,000,000,000 values, more than a sweep's 1,000,000 points",
    ),
    (
        ["sweep", "{s}", *SMALL, "--vary", "year=0..100000000000000"],
        "sweep year: '0..100000000000000' asks for",
    ),
    (
        ["sweep", "{s}", *SMALL, "--vary", "year=2030..2025"],
        "sweep year: empty range '2030..2025' (end before start)",
    ),
    (
        ["sweep", "{s}", *SMALL, "--vary", "cloud_price=1:2:20000"],
        "sweep: 20,000 points is more than the limit of 10,000",
    ),
    (["sweep", "{s}", *SMALL, "--vary", "cloud_price=2,2"], "sweep cloud_price: 2 is given twice"),
    (
        ["sweep", "{s}", *SMALL, "--vary", "cloud_prize=1,2"],
        "sweep cloud_prize: unknown field (did you mean 'cloud_price'?)",
    ),
    (
        ["sweep", "{s}", *SMALL, "--vary", "cloud_price=-1,2"],
        "cloud_price: central value -1 is outside (0, inf)",
    ),
    (
        ["sweep", "{s}", *SMALL, "--vary", "cloud_price=1,2", "--vary", "cloud_price=3,4"],
        "sweep cloud_price: varied twice",
    ),
    (["sweep", "{s}", *SMALL], "nothing to sweep"),
    (
        ["sweep", "{s}", *SMALL, "--vary", "cloud_price=1,2", "--out", "{tmp}/x.txt"],
        "--out: expected a .nc or .zarr file",
    ),
    (
        ["exceedance", "{s}", *SMALL, "--level", "nan"],
        "argument --level: must be in (0, 1), e.g. 0.9, got nan",
    ),
    (["exceedance", "{s}", *SMALL, "--level", "1"], "argument --level: must be in (0, 1)"),
    (
        ["exceedance", "{s}", *SMALL, "-t", "inf"],
        "argument -t/--threshold: expected VAR=T such as amortized_cost=1e9 (or a bare T such as 1e9 or 1B for the one variable shown), got 'inf'",
    ),
    (
        ["exceedance", "{s}", *SMALL, "-t", "nan"],
        "argument -t/--threshold: expected VAR=T such as amortized_cost=1e9 (or a bare T such as 1e9 or 1B for the one variable shown), got 'nan'",
    ),
    (["exceedance", "{s}", *SMALL], "give at least one --threshold"),
    (["compare", "{s}", *SMALL], "the following arguments are required"),
    (["compare", "{s}", "{tmp}/missing.toml", *SMALL], "missing.toml: no such scenario file"),
    (["summarize", "{tmp}/missing.nc"], "missing.nc: no such file"),
    (["summarize", "{s}"], "to sample a scenario use `frontiercost run`"),
    (["validate"], "the following arguments are required: FILE"),
    (["validate", "{tmp}"], ": a folder; a scenario is a .toml file"),
    (["validate", "/dev/null"], "/dev/null: not a regular file; a scenario is a .toml file"),
    (["validate", "/dev/zero"], "/dev/zero: not a regular file"),
    (["run", "/dev/zero", *SMALL], "/dev/zero"),
    (["priors", "no_such"], "priors: no prior named 'no_such'"),
    (["scenarios", "no_such"], "unknown scenario 'no_such'"),
    (["chips", "--format", "yaml"], "argument --format: invalid choice: 'yaml'"),
    (["chips", "extra"], "chips: unknown chip 'extra' (did you mean"),
    (["no-such-command"], "invalid choice: 'no-such-command'"),
]


@pytest.mark.parametrize(
    ("argv", "message"), COMMANDS, ids=[" ".join(c[0])[:60] for c in COMMANDS]
)
def test_a_bad_command_line(
    capsys, tmp_path: Path, scenario: Path, argv: list[str], message: str
) -> None:  # type: ignore[no-untyped-def]
    where = {"s": str(scenario), "tmp": str(tmp_path)}
    clear_error(
        capsys, [a.format(**where) for a in argv], message.format(**where), folder=tmp_path
    )


def test_workers_1000_are_refused_without_starting_any(
    capsys, tmp_path: Path, scenario: Path
) -> None:  # type: ignore[no-untyped-def]
    before = {p.pid for p in multiprocessing.active_children()}
    start = time.monotonic()
    cores = os.cpu_count()
    clear_error(
        capsys,
        ["run", str(scenario), *SMALL, "--workers", "1000"],
        f"workers: 1000 worker processes on a machine with {cores} cores; at most {cores}",
        folder=tmp_path,
    )
    assert time.monotonic() - start < 30
    assert {p.pid for p in multiprocessing.active_children()} == before
    children = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children")
    if children.exists():
        # multiprocessing's resource tracker, started by an earlier cluster, lives on
        from multiprocessing import resource_tracker

        tracker = str(getattr(resource_tracker._resource_tracker, "_pid", None))
        assert [c for c in children.read_text().split() if c != tracker] == []


def test_an_existing_foreign_file_is_refused_and_untouched(
    capsys, tmp_path: Path, scenario: Path
) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "x.nc"
    xr.Dataset({"t": ("x", [1.0, 2.0])}).to_netcdf(target, engine="h5netcdf")
    clear_error(
        capsys,
        ["run", str(scenario), *SMALL, "--out", str(target)],
        "--out",
        "x.nc",
        folder=tmp_path,
    )
    text = tmp_path / "notes.nc"
    text.write_text("my notes\n")
    clear_error(
        capsys,
        ["run", str(scenario), *SMALL, "--out", str(text)],
        "--out",
        "notes.nc",
        folder=tmp_path,
    )


def test_an_existing_folder_is_refused_and_untouched(
    capsys, tmp_path: Path, scenario: Path
) -> None:  # type: ignore[no-untyped-def]
    for name in ("x.nc", "x.zarr"):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "precious.txt").write_text("keep me")
        clear_error(
            capsys,
            ["run", str(scenario), *SMALL, "--out", str(folder)],
            "--out",
            name,
            folder=tmp_path,
        )
    assert (tmp_path / "x.zarr" / "precious.txt").read_text() == "keep me"


def test_a_fifo_as_a_scenario_or_run_does_not_block(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fifo = tmp_path / "s.toml"
    os.mkfifo(fifo)
    clear_error(capsys, ["validate", str(fifo)], f"{fifo}: ", folder=tmp_path)
    clear_error(capsys, ["run", str(fifo), *SMALL], f"{fifo}", folder=tmp_path)
    run = tmp_path / "r.nc"
    os.mkfifo(run)
    clear_error(capsys, ["summarize", str(run)], f"{run}: ", folder=tmp_path)
    clear_error(capsys, ["compare", str(run), str(run)], f"{run}: ", folder=tmp_path)


def test_a_symlink_to_dev_zero_does_not_block(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "s.toml").symlink_to("/dev/zero")
    clear_error(capsys, ["validate", str(tmp_path / "s.toml")], "s.toml", folder=tmp_path)
    (tmp_path / "r.nc").symlink_to("/dev/zero")
    clear_error(capsys, ["summarize", str(tmp_path / "r.nc")], "r.nc", folder=tmp_path)


# ---------------------------------------------------------------- right numbers


def _json(capsys, argv: list[str]) -> dict:  # type: ignore[no-untyped-def,type-arg]
    out, _ = succeeds(capsys, [*argv, "--format", "json"])
    return json.loads(out)  # type: ignore[no-any-return]


def test_odd_but_valid_draws_give_the_count_asked(capsys, scenario: Path) -> None:  # type: ignore[no-untyped-def]
    for text, draws in (("1e3", 1000), ("1_000", 1000), ("  7", 7), ("1E2", 100)):
        run = _json(capsys, ["run", str(scenario), "--draws", text, "--chains", "2", "-q"])["run"]
        assert (run["draws"], run["chains"], run["total_draws"]) == (draws, 2, 2 * draws)


def test_fixed_inputs_give_the_product(capsys, scenario: Path) -> None:  # type: ignore[no-untyped-def]
    out = _json(capsys, ["run", str(scenario), *SMALL, "-q"])["outputs"]
    want = float(np.float64(1e7) * np.float64(2.0) * np.float64(1.0))
    for name in ("cloud_cost", "final_run_cost"):
        assert out[name]["median"] == want and out[name]["mean"] == want


def test_a_sweep_range_gives_each_point_its_product(capsys, scenario: Path) -> None:  # type: ignore[no-untyped-def]
    got = _json(capsys, ["sweep", str(scenario), *SMALL, "--vary", "cloud_price=1:2:3", "-q"])
    prices = np.linspace(1.0, 2.0, 3)
    assert [p["at"]["cloud_price"] for p in got["points"]] == list(prices)
    assert [p["outputs"]["final_run_cost"]["median"] for p in got["points"]] == list(prices * 1e7)


def test_comparing_a_run_with_itself_is_even(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "u.toml"
    path.write_text(
        RUNNABLE.replace(
            "chip_hours = 1e7", 'chip_hours = { family = "lognormal", p5 = 5e6, p95 = 2e7 }'
        )
    )
    got = _json(capsys, ["compare", str(path), str(path), *SMALL, "-q"])
    pairs = [v for k, v in _items(got) if k == "prob_a_greater"]
    assert pairs and all(p == 0.5 for p in pairs)  # identical draws: ties count half


def _items(tree: object) -> list[tuple[str, object]]:
    if isinstance(tree, dict):
        return [kv for k, v in tree.items() for kv in [(k, v), *_items(v)]]
    if isinstance(tree, list):
        return [kv for v in tree for kv in _items(v)]
    return []


def test_exceedance_of_a_fixed_output_is_zero_or_one(capsys, scenario: Path) -> None:  # type: ignore[no-untyped-def]
    got = _json(
        capsys, ["exceedance", str(scenario), *SMALL, "-t", "1.999e7", "-t", "2.001e7", "-q"]
    )
    ex = got["variables"]["final_run_cost"]["exceedance"]
    assert [(e["threshold"], e["probability"]) for e in ex] == [(1.999e7, 1.0), (2.001e7, 0.0)]


def test_a_run_writes_exactly_its_file(capsys, tmp_path: Path, scenario: Path) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(tmp_path)
    succeeds(capsys, ["run", str(scenario), *SMALL, "--out", str(tmp_path / "r.nc"), "-q"])
    after = snapshot(tmp_path)
    assert set(after) - set(before) == {"r.nc"}
    tree = xr.open_datatree(tmp_path / "r.nc", engine="h5netcdf")
    try:
        assert (tree["posterior"]["cloud_cost"].values == 2e7).all()
    finally:
        tree.close()


def test_an_output_nan_in_every_draw_is_one_warning_line_and_null(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """log of a negative number in every draw: numpy's NaN, said once, in one line."""
    import warnings

    path = tmp_path / "n.toml"
    path.write_text(
        RUNNABLE.replace(
            "chip_hours = 1e7", 'chip_hours = { family = "lognormal", p5 = 5e6, p95 = 2e7 }'
        )
        + '[formulas]\nx = "log(chip_hours - 1e9)"\n'
    )
    with warnings.catch_warnings():
        warnings.simplefilter("always")  # shown as the command line shows them, not raised
        warnings.showwarning = lambda message, category, filename, lineno, file=None, line=None: (
            sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))
        )
        out, err = succeeds(capsys, ["run", str(path), *SMALL, "--format", "json"])
    lines = err.splitlines()
    assert lines == [
        "frontiercost: warning: n: outputs with draws that are not finite numbers: x: 100 NaN of 100 draws"
    ]
    got = json.loads(out)["outputs"]
    with np.errstate(invalid="ignore"):
        assert np.isnan(np.log(np.float64(2e7) - 1e9))  # numpy's answer for every draw
    assert got["x"]["median"] is None and got["x"]["mean"] is None
    assert got["cloud_cost"]["median"] is not None
