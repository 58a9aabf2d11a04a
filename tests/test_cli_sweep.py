"""``frontiercost sweep`` and the dask flags, in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import xarray as xr

from frontiercost import load_scenario
from frontiercost.cli import main

SMALL = ["--draws", "500", "--chains", "2", "--seed", "1"]
pytestmark = pytest.mark.e2e  # the command line end to end (main() in-process)


def test_sweep_table_with_counted_exceedance(capsys) -> None:  # type: ignore[no-untyped-def]
    argv = ["sweep", "frontier-run-2025-2030", "--vary", "growth_rate=2.0,2.9"]
    argv += ["--vary", "year=2023..2024", "--summary", "-t", "projected_cost_2027=1e9"]
    assert main([*argv, "--var", "projected_cost_2027", *SMALL]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "common random numbers" in out[0]
    assert out[1].split()[:2] == ["growth_rate", "year"] and "P(>1e+09)" in out[1]
    assert len(out) == 2 + 4  # header lines + one row per grid point


@pytest.mark.parametrize("threshold", ["1e9", "projected_cost_2027=1e9"])
def test_a_counted_threshold_is_shown_without_var(threshold: str, capsys) -> None:  # type: ignore[no-untyped-def]
    """``-t 1e9`` counted P(> 1e9) of the report's headline (projected_cost_2027) while
    the table showed another output (final_run_cost), without the column."""
    argv = ["sweep", "frontier-run-2025-2030", "--vary", "growth_rate=2,3", "--summary"]
    assert main([*argv, "-t", threshold, *SMALL]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].split()[:2] == ["growth_rate", "projected_cost_2027"]
    assert "P(>1e+09)" in out[1]
    p = [float(line.split()[-1]) for line in out[2:]]
    assert p[0] < p[1]  # faster growth, likelier a $1B run in 2027


def test_summarize_a_saved_sweep_leads_with_the_scenario_headline(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "s.nc"
    argv = ["sweep", "frontier-run-2025-2030", "--vary", "growth_rate=2,3", "--out", str(out)]
    assert main([*argv, "-q", *SMALL]) == 0
    capsys.readouterr()
    assert main(["summarize", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[1].split()[:2] == ["growth_rate", "projected_cost_2027"]
    assert captured.err == ""  # its recorded scenario text loads


def test_summarize_a_saved_sweep_prints_the_variables_the_sweep_showed(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "s.nc"
    argv = ["sweep", "gpt-4", "--vary", "training_hours=2000,3000", "--var", "cloud_cost"]
    assert main([*argv, "--var", "amortized_cost", "--out", str(out), *SMALL]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert main(["summarize", str(out)]) == 0
    again = capsys.readouterr().out.splitlines()
    assert again[1:] == printed[1:]  # the table again, from the file
    header = again[1].split()
    assert header.index("cloud_cost") < header.index("amortized_cost")


def test_sweep_json_and_draws_file(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "sweep.nc"
    argv = ["sweep", "openai-2024-lab-year", "--vary", "rd_compute_cost.central=4e9:6e9:3"]
    argv += ["--var", "final_run_share", "--format", "json", "--out", str(out), *SMALL]
    assert main(argv) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["schema"] == "frontiercost.sweep/1"
    assert record["fields"] == ["rd_compute_cost.central"]
    medians = [p["outputs"]["final_run_share"]["median"] for p in record["points"]]
    assert medians == sorted(medians, reverse=True)  # more R&D, smaller final-run share
    tree = xr.open_datatree(out)
    assert tree["posterior"].sizes["rd_compute_cost.central"] == 3


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (["--vary", "year=2030..2025"], "empty range"),
        (["--vary", "growth_rate=2:3"], "'2:3' is not a range; use start:stop:n"),
        (["--vary", "growth_rate=2:3:x"], "'2:3:x' is not a range"),
        (["--vary", "growht_rate=2"], "did you mean 'growth_rate'"),
        (["--vary", "year=2025..2026", "-t", "projected_cost_2027=1e9"], "--summary"),
        (["--vary", "year=2025..2026", "--summary", "-t", "x"], "expected VAR=T such as"),
        (
            ["--vary", "year=2025..2026", "--var", "nope"],
            "--var: scenario 'frontier-run-2025-2030' has no variable 'nope'",
        ),
    ],
)
def test_sweep_errors_exit_2(extra, match, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["sweep", "frontier-run-2025-2030", *extra, *SMALL]) == 2
    err = capsys.readouterr().err
    assert match in err and err.count("\n") == 1 and "Traceback" not in err


def test_a_summary_sweep_refuses_an_input_before_sampling(capsys) -> None:  # type: ignore[no-untyped-def]
    """It sampled every point, then failed with "--var: unknown ['pue']"."""
    argv = ["sweep", "gpt-4", "--vary", "chip_count.times=25000,30000", "--summary"]
    assert main([*argv, "--var", "pue", "--draws", "1000000"]) == 2
    assert capsys.readouterr().err == (
        "frontiercost: error: --var: 'pue' is an input of scenario 'gpt-4', and a --summary"
        " sweep keeps summaries of its outputs only ("
        + ", ".join(load_scenario("gpt-4").outputs)
        + "); sweep without --summary to keep the inputs' draws\n"
    )


@pytest.mark.dask
def test_run_on_two_dask_workers_matches_the_local_run(capsys) -> None:  # type: ignore[no-untyped-def]
    argv = ["run", "gpt-4", "--format", "json", *SMALL]
    assert main(argv) == 0
    local = json.loads(capsys.readouterr().out)["outputs"]
    assert main([*argv, "--workers", "2"]) == 0
    dask = json.loads(capsys.readouterr().out)["outputs"]
    assert dask == local


def test_sweep_json_keys_are_the_documented_ones(capsys) -> None:  # type: ignore[no-untyped-def]
    from test_cli_json import _check_keys  # the JSON page's contract checker

    argv = ["sweep", "frontier-run-2025-2030", "--vary", "growth_rate=2.0,2.9", "--summary"]
    argv += ["-t", "projected_cost_2027=1e9", "--var", "projected_cost_2027"]
    assert main([*argv, "--format", "json", *SMALL]) == 0
    _check_keys(json.loads(capsys.readouterr().out))


def test_sweep_csv_has_one_header_field_per_column(capsys) -> None:  # type: ignore[no-untyped-def]
    """pandas reads every number under its own name (an interval is two columns)."""
    import io

    import pandas as pd

    argv = ["sweep", "frontier-run-2025-2030", "--vary", "growth_rate=2.0,2.9", "--summary"]
    argv += ["-t", "projected_cost_2027=1e9", "--var", "projected_cost_2027", "--format", "csv"]
    assert main([*argv, *SMALL]) == 0
    text = capsys.readouterr().out
    table = pd.read_csv(io.StringIO(text))
    assert list(table.columns) == [
        "growth_rate",
        "projected_cost_2027 median",
        "projected_cost_2027 p5",
        "projected_cost_2027 p95",
        "projected_cost_2027 P(>1e+09)",
    ]
    assert all(len(line.split(",")) == 5 for line in text.splitlines())
    lo, mid, hi = (table[f"projected_cost_2027 {c}"] for c in ("p5", "median", "p95"))
    assert ((lo < mid) & (mid < hi)).all()
    assert table["projected_cost_2027 P(>1e+09)"].between(0, 1).all()


def test_sweep_prints_the_scenarios_notes_once(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """Issue 14: sweep dropped a scenario's notes; run and validate print them. One line each,
    not one per grid point; -q drops them, as it does for run."""
    path = tmp_path / "noted.toml"
    path.write_text(
        '[scenario]\ntitle = "t"\n[hardware]\nchip = "b200"\nprice_year = 2024\n'
        "[parameters]\ntraining_compute = 1e25\ntraining_hours = 2000\nutilization = 0.4\n",
        encoding="utf-8",
    )
    argv = ["sweep", str(path), "--vary", "utilization=0.3,0.4,0.5", "--draws", "50"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    notes = [line for line in err.splitlines() if line.startswith("frontiercost: note: ")]
    assert len(notes) == 2 and len(set(notes)) == 2, err
    assert "b200 has no 3yr cloud price for price_year 2024" in notes[0]
    assert main([*argv, "-q"]) == 0
    assert "note:" not in capsys.readouterr().err


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
def test_a_saved_sweep_summarizes_as_the_sweep_printed_it(
    suffix: str, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    """``summarize`` reads a sweep file; the commands that take one run refuse it in one line."""
    if suffix == ".zarr":
        pytest.importorskip("zarr")
    out = tmp_path / f"sweep{suffix}"
    argv = ["sweep", "frontier-run-2025-2030", "--vary", "growth_rate=2.0,2.9"]
    argv += ["--vary", "year=2023..2024", "--var", "projected_cost_2027", *SMALL]
    for fmt in ("table", "csv", "json"):
        assert main([*argv, "--format", fmt, "--out", str(out), "--overwrite"]) == 0
        printed = capsys.readouterr().out
        assert main(["summarize", str(out), "--var", "projected_cost_2027", "--format", fmt]) == 0
        assert capsys.readouterr().out == printed
    assert main(["summarize", str(out), "--var", "nope"]) == 2
    assert "--var: unknown ['nope']" in capsys.readouterr().err
    for command in (
        ["plot", str(out), "--kind", "distribution", "--plot", str(tmp_path / "f.png")],
        ["report", str(out), "--out", str(tmp_path / "r.html")],
        ["compare", str(out), "gpt-4"],
        ["sensitivity", str(out)],
    ):
        assert main(command) == 2, command
        err = capsys.readouterr().err
        assert err == (
            f"frontiercost: error: {out}: a sweep over growth_rate, year, not one run; this"
            f" command takes one run: `frontiercost summarize {out}` prints the sweep's table,"
            f" `frontiercost exceedance {out} -t T --level L` the risk figures of every point,"
            f" and in Python frontiercost.load_run({str(out)!r}) gives its draws\n"
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]  # nothing else written
