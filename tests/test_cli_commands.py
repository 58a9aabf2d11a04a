"""The analysis commands of the command line: tables, files, figures, progress and chatter.

``test_cli_json.py`` checks the numbers through the JSON output; here the
readable tables, the files written, and what goes to stderr.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from frontiercost import simulate
from frontiercost.analysis.format import format_usd
from frontiercost.cli import _common, main

SMALL = ["--draws", "500", "--chains", "2"]
pytestmark = pytest.mark.e2e  # the commands end to end (main() in-process), figures and reports
PNG = b"\x89PNG\r\n\x1a\n"


def _row(out: str, first: str) -> list[str]:
    line = next(line for line in out.splitlines() if line.startswith(first + " "))
    return re.split(r" {2,}", line.strip())


def _ok(capsys, argv: list[str]) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    assert main(argv) == 0
    captured = capsys.readouterr()
    return captured.out, captured.err


# --------------------------------------------------------------------------- run, summarize


def test_summarize_prints_the_table_run_printed(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out_file = tmp_path / "dev.nc"
    ran, err = _ok(capsys, ["run", "gpt-4-development", *SMALL, "--out", str(out_file)])
    assert err == f"wrote {out_file}\n"  # notes go to stderr, the table alone to stdout
    again, _ = _ok(capsys, ["summarize", str(out_file)])
    assert again == ran
    # the split of a development cost: R&D compute and staff (component_shares)
    assert _row(ran, "R&D compute")[0] == "R&D compute" and _row(ran, "staff")
    assert "Monte Carlo error (1 sd): medians within" in ran


def test_run_keeps_draws_in_zarr_too(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("zarr")  # the distributed extra; CI installs it
    nc, zarr = tmp_path / "a.nc", tmp_path / "a.zarr"
    for path in (nc, zarr, zarr):  # the second .zarr write replaces the first
        _ok(capsys, ["run", "gpt-4", *SMALL, "--seed", "7", "--out", str(path)])
    with (
        xr.open_datatree(nc, engine="h5netcdf") as a,
        xr.open_datatree(zarr, engine="zarr") as b,
    ):
        xr.testing.assert_identical(a["posterior"].to_dataset(), b["posterior"].to_dataset())
        assert b.attrs["seed"] == 7
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.nc", "a.zarr"]
    assert _ok(capsys, ["summarize", str(zarr)])[0] == _ok(capsys, ["summarize", str(nc)])[0]


def test_run_plots_the_headline_or_the_fan_chart(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    for scenario in ("gpt-4", "frontier-run-2025-2030"):
        png = tmp_path / f"{scenario}.png"
        _, err = _ok(capsys, ["run", scenario, *SMALL, "--plot", str(png), "-q"])
        assert err == "" and png.read_bytes()[:8] == PNG


def test_var_selects_outputs_and_inputs(capsys) -> None:  # type: ignore[no-untyped-def]
    out, _ = _ok(capsys, ["run", "gpt-4", *SMALL, "--var", "energy_cost", "--var", "pue"])
    rows = [line.split()[0] for line in out.splitlines()[2:4]]
    assert rows == ["energy_cost", "pue"]


def test_quiet_drops_notes_but_not_results(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out, err = _ok(capsys, ["run", "gpt-4", *SMALL, "-q", "--out", str(tmp_path / "x.nc")])
    assert out.startswith("GPT-4 (gpt-4): 1,000 draws") and err == ""  # no "wrote x.nc"
    out, err = _ok(capsys, ["-q", "run", "gpt-4", *SMALL, "--format", "csv"])
    assert out.startswith("output,units,") and err == ""


def test_save_writes_the_result_in_the_format_of_its_suffix(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    for suffix, start in ((".json", "{\n"), (".csv", "output,units"), (".txt", "GPT-4 (gpt-4)")):
        path = tmp_path / f"summary{suffix}"
        out, err = _ok(capsys, ["run", "gpt-4", *SMALL, "--save", str(path)])
        assert out == "" and err == f"wrote {path}\n"
        assert path.read_text().startswith(start)
        assert oct(path.stat().st_mode & 0o777) != oct(0o600)  # not mkstemp's private mode


def test_verbose_reports_timings_threads_and_the_kernel_cache(capsys) -> None:  # type: ignore[no-untyped-def]
    out, err = _ok(capsys, ["run", "gpt-4", *SMALL, "--verbose"])
    assert out.startswith("GPT-4 (gpt-4)")
    assert re.search(r"^\[frontiercost\] frontiercost \S+, numba \S+, \d+ threads$", err, re.M)
    assert re.search(
        r"^\[frontiercost\] sampling gpt-4: 1,000 draws \(2 chains × 500\): \d+\.\d\d s$",
        err,
        re.M,
    )
    assert re.search(r"^\[frontiercost\] kernel run_stored: \d+ loaded from cache", err, re.M)


# --------------------------------------------------------------------------- progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_elapsed_time_on_a_terminal_and_clears_its_line(monkeypatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(_common.Progress, "DELAY", 0.0)
    monkeypatch.setattr(_common.Progress, "INTERVAL", 0.01)
    with _common.Console().step("sampling gpt-4: 4,000 draws", progress=True):
        time.sleep(0.1)
    text = terminal.getvalue()
    assert "\r[00:00] sampling gpt-4: 4,000 draws" in text
    assert re.search(r"\r +\r$", text)  # the line is blanked for what follows
    with _common.Console(quiet=True).step("quiet", progress=True):
        time.sleep(0.05)
    assert "quiet" not in terminal.getvalue()


def test_progress_without_a_total_keeps_its_clock_in_a_narrow_terminal(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(_common.Progress, "DELAY", 0.0)
    monkeypatch.setattr(_common.Progress, "INTERVAL", 0.01)
    monkeypatch.setenv("COLUMNS", "30")
    with _common.Console().step("sampling gpt-4: 8,000 draws (4 chains x 2,000)", progress=True):
        time.sleep(0.1)
    frames = [f for f in terminal.getvalue().split("\r") if f.strip()]
    assert frames and all(len(f) <= 30 for f in frames)
    assert all(re.match(r"\[00:00\] sampling gpt-4", f) for f in frames)


def test_progress_bar_shows_fraction_rate_and_time_left(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(_common.Progress, "DELAY", 0.0)
    monkeypatch.setattr(_common.Progress, "INTERVAL", 0.01)
    monkeypatch.setenv("COLUMNS", "50")
    with _common.Console().step("sampling", progress=True) as bar:
        assert bar is not None
        bar.update(45_000, 100_000)
        time.sleep(0.1)
    frames = [f for f in terminal.getvalue().split("\r") if f.strip()]
    assert frames and all(len(f) <= 50 for f in frames)  # cut to the terminal's width
    assert re.match(r" 45% \|.*\| 45\.0k/100k \[00:00<00:00, +[\d.]+k?draw/s\]", frames[-1])


def test_progress_waits_a_second_and_stays_off_pipes(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with _common.Console().step("fast", progress=True):
        pass  # done before the spinner's first second
    assert terminal.getvalue() == ""
    monkeypatch.undo()
    monkeypatch.setattr(_common.Progress, "DELAY", 0.0)
    _ok(capsys, ["run", "gpt-4", *SMALL])  # stderr is a pipe here: nothing on it
    assert capsys.readouterr().err == ""


def test_progress_does_not_change_results(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    plain, _ = _ok(capsys, ["run", "gpt-4", *SMALL, "--format", "json"])
    monkeypatch.setattr(_common, "_stderr_is_terminal", lambda: True)
    monkeypatch.setattr(_common.Progress, "DELAY", 0.0)
    monkeypatch.setattr(_common.Progress, "INTERVAL", 0.001)
    spun, err = _ok(capsys, ["run", "gpt-4", *SMALL, "--format", "json"])
    strip = re.compile(r'"created_at": "[^"]+"')
    assert strip.sub("", spun) == strip.sub("", plain)
    assert "sampling gpt-4" in err


# --------------------------------------------------------------------------- analyses


def test_compare_prints_both_sides_and_p_a_greater(capsys) -> None:  # type: ignore[no-untyped-def]
    out, _ = _ok(capsys, ["compare", "gpt-4", "gemini-1-0-ultra", *SMALL])
    lines = out.splitlines()
    assert lines[:2] == ["A: GPT-4 (gpt-4)", "B: Gemini 1.0 Ultra (gemini-1-0-ultra)"]
    assert lines[2].endswith(
        "P(A > B) of independent runs (B's draws shuffled: different scenarios;"
        " --pairing common pairs them draw by draw)"
    )
    row = _row(out, "amortized_cost")
    a = simulate("gpt-4", draws=500, chains=2)["posterior"]["amortized_cost"]
    assert row[2] == format_usd(float(a.median()))
    assert re.fullmatch(r"\d+(\.\d+)? % ± \d+(\.\d+)? %", row[-1])
    out, _ = _ok(capsys, ["compare", "gpt-4", "gemini-1-0-ultra", *SMALL, "--pairing", "common"])
    assert out.splitlines()[2].endswith("paired draw by draw (same seed: common random numbers)")


def test_compare_pairs_one_scenario_draw_by_draw_and_two_as_independent(capsys) -> None:  # type: ignore[no-untyped-def]
    """One seed gives every input of the same name the same uniforms in both runs: for
    two models (each its own training hours) P(A > B) of their chip hours came out
    < 0.005 % while their intervals overlap; by default they are now independent."""
    import json

    def record(*extra: str) -> dict:  # type: ignore[type-arg]
        argv = ["compare", "gpt-4", "gemini-1-0-ultra", *SMALL, "--format", "json", *extra]
        return json.loads(_ok(capsys, [*argv, "--var", "chip_hours"])[0])

    a, b = (
        simulate(n, draws=500, chains=2)["posterior"]["chip_hours"].values
        for n in ("gpt-4", "gemini-1-0-ultra")
    )
    shuffled = np.random.default_rng(0).permutation(b.ravel()).reshape(b.shape)
    own, common = record(), record("--pairing", "common")
    assert (own["pairing"], common["pairing"]) == ("independent", "common")
    assert own["outputs"]["chip_hours"]["prob_a_greater"] == float(np.mean(a > shuffled))
    assert common["outputs"]["chip_hours"]["prob_a_greater"] == float(np.mean(a > b))
    assert common["outputs"]["chip_hours"]["prob_a_greater"] < 0.01
    assert own["outputs"]["chip_hours"]["prob_a_greater"] > 0.05
    same = json.loads(_ok(capsys, ["compare", "gpt-4", "gpt-4", *SMALL, "--format", "json"])[0])
    assert same["pairing"] == "common"


def test_compare_says_identical_draws_and_flags_other_dollars(capsys) -> None:  # type: ignore[no-untyped-def]
    out, err = _ok(capsys, ["compare", "gpt-4", "gpt-4", *SMALL, "--var", "amortized_cost"])
    assert _row(out, "amortized_cost")[-1] == "identical draws"
    assert "dollars: 2023-12 USD" in out.splitlines()
    assert "warning" not in err
    # the paper's 2023 USD against the epoch-2025 preset's June-2025 dollars
    out, err = _ok(capsys, ["compare", "gpt-4", "grok-4", *SMALL, "--var", "amortized_cost"])
    assert "dollars differ: A 2023-12 USD, B 2025-06 USD" in out
    assert "in different dollars (amortized_cost: A 2023-12 USD, B 2025-06 USD)" in err


def test_compare_tells_nominal_dollars_of_different_years_apart(capsys) -> None:  # type: ignore[no-untyped-def]
    """Nominal 2024 and nominal 2025 dollars were shown as one basis, "nominal", with no
    warning; and the cloud-basis advice did not fit a figure with no cloud price."""
    argv = ["compare", "openai-2024-lab-year", "new-run-h100-2025", *SMALL]
    out, err = _ok(capsys, [*argv, "--var", "final_run_cost"])
    assert "dollars differ: A nominal (2024 prices), B nominal (2025 prices)" in out
    assert "in different dollars (final_run_cost: A nominal (2024 prices), B nominal" in err
    assert "priced differently (final_run_cost: A unstated cloud price, B no cloud price);" in err
    out, err = _ok(capsys, ["compare", "new-run-h100-2025", "new-run-h100-2025", *SMALL])
    assert "dollars: nominal (2025 prices)" in out.splitlines() and "warning" not in err


def test_compare_paper_model_with_2023_dollars_agrees_and_warns_once(  # type: ignore[no-untyped-def]
    capsys, tmp_path
) -> None:
    # a scenario in 2023 USD is in the paper's dollars: no mismatch
    mine = tmp_path / "mine.toml"
    mine.write_text(
        '[scenario]\ntitle = "mine"\npublished = 2023-03-15\ndollars = 2023\n'
        '[hardware]\nchip = "a100-sxm4-40gb"\nprice_year = 2020\n'
        "[parameters]\nchip_count = 25000\ntraining_hours = 2280\n"
    )
    out, err = _ok(capsys, ["compare", "gpt-4", str(mine), *SMALL])
    assert "dollars: 2023-12 USD" in out.splitlines() and "dollars" not in err
    assert "cloud basis: 3yr" in out.splitlines() and "warning" not in err
    # many money outputs in other dollars, on another cloud basis: one warning of each
    _, err = _ok(capsys, ["compare", "gpt-4", "new-run-h100-2025", *SMALL])
    warnings = [line for line in err.splitlines() if "warning" in line]
    assert len(warnings) == 2, err
    assert "amortized_cost" in warnings[0] and "cloud_cost" in warnings[0]
    assert "cloud_cost: A 3yr cloud price, B contract cloud price" in warnings[1]


def test_csv_has_the_dollars_and_prob_equal_of_the_json(capsys) -> None:  # type: ignore[no-untyped-def]
    import csv

    out, _ = _ok(capsys, ["compare", "gpt-4", "gpt-4", *SMALL, "--format", "csv"])
    rows = list(csv.reader(io.StringIO(out)))
    assert {len(r) for r in rows} == {len(rows[0])}
    row = dict(zip(rows[0], rows[[r[0] for r in rows].index("cloud_cost")], strict=True))
    assert row["prob_equal"] == "1.0" and row["a_dollars"] == row["b_dollars"] == "2023-12"
    assert row["a_cloud_basis"] == "3yr"
    out, _ = _ok(capsys, ["run", "new-run-h100-2025", *SMALL, "--format", "csv"])
    rows = list(csv.reader(io.StringIO(out)))
    assert {len(r) for r in rows} == {len(rows[0])}
    by = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert by["cloud_cost"]["dollars"] == "nominal"
    assert by["cloud_cost"]["cloud_basis"] == "contract"
    assert by["amortized_cost"]["cloud_basis"] == "" and by["chip_hours"]["dollars"] == ""


def test_run_states_the_cloud_basis_and_its_record(capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    out, _ = _ok(capsys, ["run", "new-run-h100-2025", *SMALL])
    line = "cloud basis: contract (chip library h100-sxm5, price_year 2025, contract)"
    assert out.splitlines()[1] == line
    out, _ = _ok(capsys, ["run", "new-run-h100-2025", *SMALL, "--format", "json"])
    cloud = json.loads(out)["outputs"]["cloud_cost"]
    assert cloud["cloud_basis"] == "contract" and "h100-sxm5" in cloud["cloud_price_source"]
    tree = simulate("new-run-h100-2025", draws=100, chains=1)
    attrs = tree["posterior"]["cloud_cost"].attrs
    assert attrs["cloud_basis"] == "contract" and "price_year 2025" in attrs["cloud_price_source"]
    assert "cloud_basis" not in tree["posterior"]["amortized_cost"].attrs


def test_run_table_states_the_dollar_basis(capsys) -> None:  # type: ignore[no-untyped-def]
    out, _ = _ok(capsys, ["run", "grok-4", *SMALL])
    assert out.splitlines()[0].endswith("; dollars: 2025-06 USD")


def test_compare_a_saved_run_samples_the_scenario_like_it(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    saved = tmp_path / "a.nc"
    _ok(
        capsys,
        ["run", "gpt-4", "--draws", "300", "--chains", "3", "--seed", "9", "--out", str(saved)],
    )
    out, _ = _ok(capsys, ["compare", str(saved), "gpt-4"])
    assert "900 draws (3 chains × 300) each, seed 9" in out
    assert _row(out, "amortized_cost")[-1] == "identical draws"  # the same draws
    other = tmp_path / "b.nc"
    _ok(
        capsys,
        ["run", "gpt-4", "--draws", "300", "--chains", "3", "--seed", "1", "--out", str(other)],
    )
    out, _ = _ok(capsys, ["compare", str(saved), str(other)])
    assert "draws paired by index, as independent runs" in out


def test_sensitivity_tables(capsys) -> None:  # type: ignore[no-untyped-def]
    out, _ = _ok(capsys, ["sensitivity", "gpt-4", "--n", "512", "--top", "3"])
    lines = out.splitlines()
    assert lines[0] == "GPT-4 (gpt-4): Sobol indices of amortized_cost (USD)"
    assert lines[2].split() == ["parameter", "total", "(ST)", "first", "order", "(S1)"]
    # the two drivers of GPT-4's cost (tornado below: the widest swings by far)
    assert {line.split()[0] for line in lines[3:5]} == {"bare_chip_price", "training_hours"}
    assert len(lines) == 7 and lines[-1].startswith("sum of S1: ")
    out, _ = _ok(capsys, ["sensitivity", "gpt-4", "--method", "tornado"])
    assert _row(out, "pue")[1:] == ["1", "1.12", "1.4", "$40.2M", "$41M", "$792k"]
    out, _ = _ok(capsys, ["sensitivity", "gpt-4", "--method", "rank", *SMALL, "--top", "2"])
    assert len(out.splitlines()) == 4 and re.search(r"\+0\.\d{3}$", out.splitlines()[2])


def test_exceedance_table_of_a_saved_run(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    fixture = Path(__file__).parent / "scenarios" / "gpt4_handwritten.toml"
    saved = tmp_path / "fixed.nc"  # every input fixed: $40.6M in every draw
    _ok(capsys, ["run", str(fixture), "--draws", "1000", "--out", str(saved), "-q"])
    out, _ = _ok(capsys, ["exceedance", str(saved), "-t", "40e6", "-t", "41M", "--level", "0.5"])
    rows = [re.split(r" {2,}", line.strip()) for line in out.splitlines()[1:4]]
    assert rows == [
        ["variable", "threshold t", "P(X > t) ± MCSE"],
        ["amortized_cost", "$40M", "> 99.975 %"],  # no draw at or below: 1 - 1/4000
        ["amortized_cost", "$41M", "< 0.025 %"],  # no draw above: below 1/4000
    ]
    assert _row(out, "amortized_cost   50 %") == [
        "amortized_cost",
        "50 %",
        "$40.6M",
        "$40.6M",
        "USD",
    ]


def test_exceedance_streams_large_runs_with_exact_counts(capsys) -> None:  # type: ignore[no-untyped-def]
    argv = ["exceedance", "gpt-4", "-t", "1e8", "--draws", "2500001", "--chains", "4"]
    out, _ = _ok(capsys, [*argv, "--format", "json"])
    assert '"method": "counted"' in out and '"stored": false' in out


def test_trend_table_and_chart(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    png = tmp_path / "trend.png"
    out, err = _ok(capsys, ["trend", "--draws", "30", "--chains", "1", "--plot", str(png)])
    assert out.startswith("Trend of amortized_cost (USD) over 41 frontier models")
    # the paper's v2 trend, 2.4x/yr (90 % CI 2.0-2.9), from the point estimates
    assert _row(out, "point estimates")[1:3] == ["2.41×", "1.97× – 2.94×"]
    assert png.read_bytes()[:8] == PNG and err == f"wrote {png}\n"


# --------------------------------------------------------------------------- figures, report


@pytest.mark.parametrize("kind", ["distribution", "components", "exceedance", "tornado"])
def test_plot_each_kind_from_a_saved_run(capsys, tmp_path, kind: str) -> None:  # type: ignore[no-untyped-def]
    run = tmp_path / "run.nc"
    _ok(capsys, ["run", "gpt-4", *SMALL, "--out", str(run), "-q"])
    png = tmp_path / f"{kind}.png"
    marks = ["-t", "1e8"] if kind == "exceedance" else []
    _, err = _ok(capsys, ["plot", str(run), "--kind", kind, "--plot", str(png), *marks])
    assert err == f"wrote {png}\n" and png.read_bytes()[:8] == PNG and png.stat().st_size > 10_000


def test_plot_a_scenario_sampled_on_the_spot(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    svg = tmp_path / "fan.svg"
    _ok(
        capsys,
        ["plot", "frontier-run-2025-2030", "--kind", "projection", "--plot", str(svg), *SMALL],
    )
    assert svg.read_text().lstrip().startswith("<?xml") and "2030" in svg.read_text()
    split = tmp_path / "split.png"
    argv = ["plot", "gpt-4-development", "--kind", "components", "--plot", str(split), *SMALL]
    _ok(capsys, [*argv, "--var", "development_cost", "--parts", "rd_compute_cost,staff_cost"])
    assert split.read_bytes()[:8] == PNG


def test_report_writes_one_self_contained_page(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "gpt4.html"
    _, err = _ok(capsys, ["report", "gpt-4", "--out", str(page), *SMALL])
    html = page.read_text()
    assert err == f"wrote {page}\n"
    assert html.lstrip().lower().startswith("<!doctype html>") and "GPT-4" in html
    assert "data:image/png;base64," in html and 'src="http' not in html


def test_a_report_of_a_saved_run_cites_the_scenario_it_recorded(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    run, page = tmp_path / "g.nc", tmp_path / "g.html"
    _ok(capsys, ["run", "gpt-4", "--out", str(run), "-q", *SMALL])
    _ok(capsys, ["report", str(run), "--out", str(page)])
    html = page.read_text()
    assert "given in gpt-4.toml:" in html  # the line of the recorded scenario text
    assert "/tmp" not in html and str(tmp_path) not in html  # never a temporary file


@pytest.mark.parametrize(
    ("command", "flags"),
    [
        ("run", ["--format", "--save", "--out", "--plot", "--var", "--hdi", "--sampler"]),
        ("summarize", ["--format", "--var", "--ci"]),
        ("plot", ["--kind", "--plot", "--var", "--parts", "--threshold"]),
        ("compare", ["--draws", "--seed", "--var", "--format"]),
        ("sensitivity", ["--var", "--method", "--n", "--ignore-correlations", "--top"]),
        ("exceedance", ["--threshold", "--level", "--var", "--format"]),
        ("report", ["--out", "--var", "--draws"]),
        ("trend", ["--var", "--plot", "--format"]),
    ],
)
def test_help_lists_the_flags(capsys, command: str, flags: list[str]) -> None:  # type: ignore[no-untyped-def]
    out, _ = _ok(capsys, [command, "--help"])
    assert out.startswith(f"usage: frontiercost {command}")
    assert all(flag in out for flag in [*flags, "--quiet", "--verbose"])


def test_a_conditioned_run_shows_its_prior_beside_the_posterior(capsys) -> None:  # type: ignore[no-untyped-def]
    out, _ = _ok(capsys, ["run", "openai-2024-conditioned", *SMALL])
    assert "conditioned on 3 observations (importance sampling (PSIS)): the table" in out
    header = next(
        line for line in out.splitlines() if line.startswith("output  ") and "prior" in line
    )
    assert re.split(r" {2,}", header) == [
        "output", "prior median", "prior 90% ETI", "shift (robust prior sd)", "width ratio"
    ]  # fmt: skip
    assert len(re.findall(r"^total_compute_cost ", out, re.M)) == 2  # posterior, then prior


@pytest.mark.parametrize(
    ("name", "argv"),
    [
        ("r.json", ["run", "reference", "--draws", "50", "--format", "json", "--save"]),
        ("r.csv", ["chips", "h100", "--format", "csv", "--save"]),
        ("p.png", ["plot", "gpt-4", "--kind", "distribution", "--draws", "50", "--plot"]),
        ("s.toml", ["epoch", "price", "GPT-4 (Mar 2023)", "--database",
                    str(Path(__file__).parent / "data" / "epoch_notable_models.csv"),
                    "--draws", "50", "--write-scenario"]),
    ],
)  # fmt: skip
def test_no_output_flag_replaces_a_file_the_program_did_not_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, argv: list[str]
) -> None:
    """A user's file is refused (exit 2, untouched) unless --overwrite; our own is replaced."""
    target = tmp_path / name
    target.write_bytes(b"precious")
    assert main([*argv, str(target)]) == 2
    expected = (
        "exists, and a text or CSV file carries no mark to tell whether this program wrote it"
        if name.endswith(".csv")
        else "exists and is not a file this program wrote"
    )
    assert expected in capsys.readouterr().err
    assert target.read_bytes() == b"precious"
    assert main([*argv, str(target), "--overwrite"]) == 0
    written = target.read_bytes()
    assert written != b"precious"
    capsys.readouterr()
    # what we wrote carries our mark (CSV carries none: it needs --overwrite again)
    again = [*argv, str(target)] + (["--overwrite"] if name.endswith(".csv") else [])
    assert main(again) == 0


@pytest.mark.parametrize(
    ("name", "flag", "argv"),
    [
        ("r.json", "--save", ["run", "reference", "--draws", "50", "--format", "json", "--save"]),
        ("r.csv", "--save", ["chips", "h100", "--format", "csv", "--save"]),
        (
            "p.png",
            "--plot",
            ["plot", "gpt-4", "--kind", "distribution", "--draws", "50", "--plot"],
        ),
        ("r.html", "--out", ["report", "gpt-4", "--draws", "50", "--out"]),
    ],
)
def test_a_fifo_or_socket_in_place_of_an_output_file_is_refused_even_with_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, flag: str, argv: list[str]
) -> None:
    """Replacing one would break whatever reads from it."""
    import os
    import socket
    import stat

    fifo = tmp_path / name
    os.mkfifo(fifo)
    assert main([*argv, str(fifo), "--overwrite"]) == 2
    assert capsys.readouterr().err == (
        f"frontiercost: error: {flag}: {str(fifo)!r} is a FIFO, not a file; frontiercost writes"
        " whole files under a new name and renames them into place: choose a file name\n"
    )
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    sock_path = tmp_path / f"s{Path(name).suffix}"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(sock_path))
        assert main([*argv, str(sock_path)]) == 2
        assert "is a socket, not a file" in capsys.readouterr().err
        assert stat.S_ISSOCK(sock_path.stat().st_mode)


def test_a_zarr_store_holding_a_users_files_is_not_replaced_without_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Replacing a store deletes the folder: files the user put in it are not ours."""
    pytest.importorskip("zarr")
    store = tmp_path / "run.zarr"
    argv = ["run", "gpt-4", "--draws", "50", "--chains", "2", "--out", str(store), "-q"]
    assert main(argv) == 0
    assert main(argv) == 0  # a store with only what the run wrote is replaced
    named = {
        "notes.txt": "notes.txt",
        "mine/keep.csv": "mine",
        "posterior/draw/c/notes": None,
        # named like a chunk, beside a group: no group holds chunks
        "2024": "2024",
        "c/1": "c",
        # another store inside this one: not a node this store lists
        "keep.zarr/zarr.json": "keep.zarr",
        "posterior/keep2.zarr/zarr.json": "posterior/keep2.zarr",
    }
    for extra, shown in named.items():
        (store / extra).parent.mkdir(parents=True, exist_ok=True)
        (store / extra).write_text("precious")
        capsys.readouterr()
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "which is not part of a Zarr store; move it out" in err and "--overwrite" in err
        assert f"holds {shown or extra!r}, which" in err
        assert (store / extra).read_text() == "precious"
        (store / extra).unlink()
        if "/" in extra and extra.split("/")[0] not in ("posterior",):
            (store / extra).parent.rmdir()
        elif extra.startswith("posterior/keep2"):
            (store / extra).parent.rmdir()
    (store / "posterior" / ".DS_Store").write_text("Finder's")  # not the user's work
    assert main(argv) == 0
    (store / "mine").mkdir()
    assert main([*argv, "--overwrite"]) == 0  # asked for: the store is replaced
    assert not (store / "mine").exists()


def test_a_store_changed_while_the_run_wrote_is_left_as_it_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file saved into the old store during the run was deleted when the new one
    replaced it; a store another run of ours replaced meanwhile is left too."""
    pytest.importorskip("zarr")
    from frontiercost.results import files

    store = tmp_path / "run.zarr"
    argv = ["run", "gpt-4", "--draws", "50", "--chains", "2", "--out", str(store), "-q"]
    assert main(argv) == 0
    real_place = files._place

    def user_saves_meanwhile(tmp: Path, path: Path, flag: str = "out") -> None:
        (path / "notes.txt").write_text("precious")
        real_place(tmp, path, flag)

    monkeypatch.setattr(files, "_place", user_saves_meanwhile)
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"{str(store)!r} changed while the run was writing, and now" in err
    assert "holds 'notes.txt'" in err and "this run's output was not kept" in err
    assert (store / "notes.txt").read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.zarr"]  # no temporary left

    def ours_meanwhile(tmp: Path, path: Path, flag: str = "out") -> None:
        meta = path / "zarr.json"  # renamed away and back: changed, still ours alone
        meta.rename(path / "moved.json")
        (path / "moved.json").rename(meta)
        assert files._state(path) != files._checked[os.path.abspath(path)][0]
        real_place(tmp, path, flag)

    (store / "notes.txt").unlink()
    monkeypatch.setattr(files, "_place", ours_meanwhile)
    # another run of ours meanwhile: both exited 0 and its result was lost; now the
    # later one is refused, and says so
    assert main(argv) == 2
    assert "changed while the run was writing (another run wrote it?)" in capsys.readouterr().err
    assert main([*argv, "--overwrite"]) == 0  # asked for: replaced


def test_two_runs_to_one_path_in_one_process_each_recheck_at_placing(tmp_path: Path) -> None:
    """The second run's placing removed the first run's record: the first then replaced
    a store holding a user's file without a check (threads of one process)."""
    pytest.importorskip("zarr")
    import frontiercost as fc

    store = tmp_path / "t.zarr"
    fc.simulate("gpt-4", draws=50, chains=1, out=store)
    from frontiercost.results import files

    files.check_out(store, kind="run")  # run A checks, then samples
    fc.simulate("gpt-4", draws=50, chains=1, seed=9, out=store)  # run B checks and places
    (store / "notes.txt").write_text("mine")
    new = tmp_path / ".t.zarr.new"
    shutil.copytree(store, new)
    (new / "notes.txt").unlink()
    with pytest.raises(files.OutputError, match="changed while the run was writing"):
        files._place(new, store)  # run A places
    assert (store / "notes.txt").read_text() == "mine"


def test_a_signal_after_the_output_is_placed_says_the_file_is_new(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exit 130 read as "nothing written" although the new file was in place."""
    import signal

    from frontiercost import _files
    from frontiercost.cli import _summary

    out = tmp_path / "k.nc"
    real = _summary.summary_record

    def interrupted(*args: object, **kwargs: object) -> object:
        _files._received.append(signal.SIGINT)
        raise KeyboardInterrupt

    monkeypatch.setattr(_summary, "summary_record", interrupted)
    assert main(["run", "gpt-4", "--draws", "50", "--out", str(out), "-q"]) == 130
    assert capsys.readouterr().err == f"frontiercost: interrupted after writing {out} (complete)\n"
    assert out.exists()
    monkeypatch.setattr(_summary, "summary_record", real)


def test_a_second_signal_during_the_clean_up_prints_no_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`timeout -s INT` sends two signals: the second, landing in the clean-up after the
    first, printed a traceback and exited 1 (130 or 143 expected)."""
    import signal

    from frontiercost import _files, cli
    from frontiercost.cli import _summary

    def interrupted(*args: object, **kwargs: object) -> object:
        _files._received.append(signal.SIGTERM)
        raise _files.Terminated

    real = cli._clean_up_after_interrupt
    calls: list[int] = []

    def second_signal() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise _files.Terminated
        real()

    monkeypatch.setattr(_summary, "summary_record", interrupted)
    monkeypatch.setattr(cli, "_clean_up_after_interrupt", second_signal)
    assert main(["run", "gpt-4", "--draws", "50", "-q"]) == 143
    assert capsys.readouterr().err == "frontiercost: terminated\n"
    assert len(calls) == 2  # the clean-up ran again, to its end


def test_a_closed_standard_output_is_an_io_error_not_a_bug(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setattr(sys, "stdout", None)  # `>&-`: Python has no stdout
    assert main(["scenarios"]) == 1
    assert capsys.readouterr().err == (
        "frontiercost: error: cannot write to standard output: Bad file descriptor\n"
    )


def test_save_refuses_a_suffix_that_contradicts_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "r.json"
    assert main(["chips", "h100", "--format", "csv", "--save", str(target)]) == 2
    assert capsys.readouterr().err == (
        f"frontiercost: error: --save: {str(target)!r} names a json file but --format is csv;"
        " use a .csv name, or drop --format (the suffix decides)\n"
    )
    assert not target.exists()
    assert main(["chips", "h100", "--save", str(target)]) == 0  # the suffix decides
    assert target.read_text().lstrip().startswith("{")


def test_a_dangling_symlink_in_place_of_an_output_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link = tmp_path / "r.json"
    link.symlink_to(tmp_path / "nowhere.json")
    assert main(["chips", "h100", "--save", str(link), "--overwrite"]) == 2
    assert "is a symbolic link to nothing; give the real path" in capsys.readouterr().err
    assert link.is_symlink() and not (tmp_path / "nowhere.json").exists()


def test_compare_decides_one_scenario_by_its_text_not_its_file_name(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Two files both called model.toml were paired as one scenario, and a renamed copy
    of one as two; the recorded scenario text decides."""
    import json

    text = (
        '[scenario]\ntitle = "Lab {lab}"\n[parameters]\n'
        'hours = {{ family = "lognormal", p5 = {lo}, p95 = 1000, unit = "h" }}\n'
        '[formulas]\ncost = {{ formula = "hours * 10", units = "USD" }}\n'
    )
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "model.toml").write_text(text.format(lab="A", lo=100), "utf-8")
    (tmp_path / "b" / "model.toml").write_text(text.format(lab="B", lo=150), "utf-8")
    (tmp_path / "copy.toml").write_text(text.format(lab="A", lo=100), "utf-8")

    def pairing(a: str, b: str) -> str:
        argv = ["compare", str(tmp_path / a), str(tmp_path / b), *SMALL, "--format", "json"]
        return str(json.loads(_ok(capsys, argv)[0])["pairing"])

    assert pairing("a/model.toml", "b/model.toml") == "independent"
    assert pairing("a/model.toml", "copy.toml") == "common"
    # a comment and re-spaced keys change no value: still one scenario
    noted = "# checked by Ann\n" + text.format(lab="A", lo=100).replace(" = ", "  =  ")
    (tmp_path / "noted.toml").write_text(noted, "utf-8")
    assert pairing("a/model.toml", "noted.toml") == "common"


def test_a_threshold_given_twice_is_one_row(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["exceedance", "gpt-4", "--draws", "200", "-t", "1e8", "-t", "amortized_cost=100M"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert sum("$100M" in line for line in out.splitlines()) == 1, out


def test_the_monte_carlo_error_rule_is_said_for_the_sampler_used(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["run", "reference", "--draws", "400"]) == 0
    assert "; four times the draws halve it." in capsys.readouterr().out.replace("\n", " ")
    assert main(["run", "reference", "--draws", "400", "--sampler", "qmc"]) == 0
    assert "at least halve it (the qmc sampler usually does better)" in (
        capsys.readouterr().out.replace("\n", " ")
    )


def test_scenarios_toml_prints_the_file_to_copy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Outside an editable install the scenario files are inside site-packages."""
    from frontiercost.scenarios import load_scenario

    assert main(["scenarios", "new-run-h100-2025", "--toml"]) == 0
    text = capsys.readouterr().out
    assert text == load_scenario("new-run-h100-2025").text
    copy = tmp_path / "mine.toml"
    copy.write_text(text)
    assert load_scenario(copy).model().inputs == load_scenario("new-run-h100-2025").model().inputs
    assert main(["scenarios", "--toml"]) == 2
    assert "--toml: name the scenario" in capsys.readouterr().err
    saved = tmp_path / "saved.toml"
    assert main(["scenarios", "new-run-h100-2025", "--toml", "--save", str(saved)]) == 0
    assert saved.read_text() == text
    assert main(["scenarios", "gpt-4", "--toml", "--save", str(tmp_path / "x.json")]) == 2
    assert "--save: expected a .toml or .txt file" in capsys.readouterr().err


def test_a_link_into_a_folder_that_takes_no_file_is_refused_before_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writes go through a link (to its target): a read-only target folder failed after
    sampling, naming a temporary file.  (Root ignores file modes, so the folder's
    refusal, a read-only mount in practice, is stood in for.)"""
    (tmp_path / "ro").mkdir()
    real = tmp_path / "ro" / "r.json"
    assert main(["chips", "h100", "--format", "json", "--save", str(real)]) == 0
    link = tmp_path / "link.json"
    link.symlink_to(real)
    access = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode: Path(p) != tmp_path / "ro" and access(p, mode)
    )
    capsys.readouterr()
    assert main(["chips", "h100", "--format", "json", "--save", str(link)]) == 2
    assert capsys.readouterr().err == (
        f"frontiercost: error: --save: {str(link)!r} links to a file in"
        f" {str(tmp_path / 'ro')!r}, which is not writable\n"
    )
