"""The command line, in-process: output and exit codes."""

from __future__ import annotations

import xarray as xr

from frontiercost.cli import main


def test_priors_lists_library(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["priors"]) == 0
    out = capsys.readouterr().out
    assert "server_cost_factor" in out and "lognormal" in out


def test_priors_shows_one_with_quantiles(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["priors", "server_cost_factor"]) == 0
    out = capsys.readouterr().out
    assert "p5=1.3 " in out and "p95=2.1 " in out and "central      1.64" in out


def test_run_reference_prints_table_and_writes_file(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out_file = tmp_path / "ref.nc"
    assert main(["run", "reference", "--draws", "2e3", "--seed", "3", "--out", str(out_file)]) == 0
    out = capsys.readouterr().out
    assert "8,000 draws, seed 3" in out and "90% ETI" in out
    assert out.splitlines()[2].startswith("cost") and "USD" in out
    with xr.open_datatree(out_file, engine="h5netcdf") as tree:
        assert tree.attrs["seed"] == 3 and tree["posterior"]["cost"].shape == (4, 2000)
    assert [p.name for p in tmp_path.iterdir()] == ["ref.nc"]  # no temporary left behind


def test_run_streams_large_runs_and_honours_hdi(capsys) -> None:  # type: ignore[no-untyped-def]
    assert (
        main(["run", "reference", "--draws", "3e6", "--chains", "4", "--hdi", "--ci", "0.5"]) == 0
    )
    assert "12,000,000 draws" in capsys.readouterr().out


def _error(capsys, argv: list[str]) -> str:  # type: ignore[no-untyped-def]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return captured.err


def test_user_errors_exit_2_with_one_message(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert "did you mean server_cost_factor" in _error(capsys, ["priors", "server_cost"])
    assert "unknown scenario 'gpt'" in _error(capsys, ["run", "gpt"])
    assert "--draws: expected a number" in _error(capsys, ["run", "reference", "--draws", "x"])
    assert "whole number" in _error(capsys, ["run", "reference", "--draws", "2.5"])
    assert "invalid choice: 'sobol'" in _error(capsys, ["run", "reference", "--sampler", "sobol"])
    assert "--ci: must be in (0, 1)" in _error(
        capsys, ["run", "reference", "--draws", "100", "--ci", "2"]
    )
    missing = tmp_path / "no" / "x.nc"
    assert "does not exist" in _error(
        capsys, ["run", "reference", "--draws", "100", "--out", str(missing)]
    )
    assert "expected a .nc file" in _error(
        capsys, ["run", "reference", "--draws", "100", "--out", str(tmp_path / "x.csv")]
    )
    assert "the following arguments are required" in _error(capsys, [])
