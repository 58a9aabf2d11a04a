"""The command line, in-process: output and exit codes."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from frontiercost import evaluate, list_scenarios, load_scenario
from frontiercost.analysis.format import (
    format_fraction,
    format_share,
    format_table,
    format_usd,
    format_value,
)
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
    assert "8,000 draws (4 chains × 2,000), seed 3" in out and "90% ETI" in out
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
    assert "expected a .nc or .zarr file" in _error(
        capsys, ["run", "reference", "--draws", "100", "--out", str(tmp_path / "x.csv")]
    )
    assert "the following arguments are required: SCENARIO" in _error(capsys, ["run"])


# --- scenarios, chips, validate, run SCENARIO ----------------------------------------

FIXTURE = Path(__file__).parent / "scenarios" / "gpt4_handwritten.toml"
pytestmark = pytest.mark.e2e  # the command line end to end (main() in-process)


def test_format_money_shares_and_units() -> None:
    assert format_usd(40_586_405.6) == "$40.6M"
    assert format_usd(1.2e9) == "$1.2B"
    assert format_usd(775_977_160) == "$776M"
    assert format_usd(999_960) == "$1M"  # rounds into the next suffix, never '$1e+03k'
    assert format_usd(14_165.05) == "$14.2k"
    assert format_usd(0.5209) == "$0.521"
    assert format_usd(-3e6) == "-$3M"
    assert format_usd(2.5e16) == "$2.5e16"
    assert format_share(0.44525) == "44.5 %"
    # near 1 the distance to it is the figure: 0.99972 read "100 %"
    near = {0.95: "95 %", 0.9999: "99.99 %", 0.99995: "99.995 %", 0.99972: "99.972 %"}
    assert {p: format_share(p) for p in near} == near
    assert format_share(1.0) == "100 %" and format_share(0.5001) == "50 %"
    assert [format_fraction(p) for p in (0.329, 0.99972, 1.0)] == ["0.329", "0.99972", "1"]
    from frontiercost.cli._common import interval_label

    labels = [interval_label(p, "eti") for p in (0.9, 0.975, 0.9995, 0.9999)]
    assert labels == ["90% ETI", "97.5% ETI", "99.95% ETI", "99.99% ETI"]  # not 100.0%
    assert format_value(57e6, "h") == "57M h"
    assert format_value(2.1e25, "FLOP") == "2.1e25 FLOP"
    assert format_value(0.34, "1") == "0.34"
    assert format_value(2022.374, "yr") == "2022.37 yr"
    assert format_value(1.36, "USD/h", show_unit=False) == "1.36"
    assert format_table(["a", "bb"], [["x", "1"], ["yyy", "22"]]) == [
        "a    bb",
        "x     1",
        "yyy  22",
    ]


def test_scenarios_lists_built_ins_by_folder(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    names = list_scenarios()
    assert all(name in out for name in names)
    assert re.search(r"^models \(\d+\)$", out, re.M)
    assert re.search(r"^  gpt-4 +GPT-4 +frontier-model$", out, re.M)


def test_scenarios_shows_one(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["scenarios", str(FIXTURE)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("gpt4_handwritten: GPT-4\n")
    assert "year 2023.2; chip a100-sxm4-40gb" in out
    # parameters: name, family, central, interval, unit
    assert re.search(r"^  chip_price +fixed +\$24\.9k +fixed +USD$", out, re.M)
    # the fixture routes cost per FLOP through the compute, so the compute is read and
    # the utilization is not
    assert re.search(r"^  training_compute", out, re.M)
    assert re.search(r"^  utilization", out, re.M) is None
    assert re.search(r"^  amortized_cost +USD +final-run cost", out, re.M)
    assert main(["scenarios", "gpt-4"]) == 0
    out = capsys.readouterr().out
    assert "sources:\n  - Cottier et al. 2024" in out
    assert re.search(r"^  chip_count +lognormal +25k +20k – 31\.3k +1$", out, re.M)
    assert "published figures (for comparison only, never an input):" in out


def test_chips_lists_the_library(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["chips"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == [
        "key",
        "name",
        "kind",
        "peak",
        "TDP",
        "purchase",
        "cloud",
    ]
    row = next(line for line in out.splitlines() if line.startswith("a100-sxm4-40gb "))
    assert "NVIDIA A100 SXM4 40 GB" in row and " gpu " in row
    assert "3.12e14 FLOP/s bf16" in row and "400 W" in row and "2020" in row
    # a year with only cloud prices is not a purchase year (H100 PCIe: rented in 2024)
    pcie = re.split(r" {2,}", next(ln for ln in out.splitlines() if ln.startswith("h100-pcie ")))
    assert pcie[-2:] == ["-", "2024"]
    tpu = re.split(r" {2,}", next(ln for ln in out.splitlines() if ln.startswith("tpu-v1 ")))
    assert tpu[-2:] == ["2015", "-"]


def test_chips_name_shows_its_prices_by_year_and_basis_and_marks_estimates(capsys) -> None:  # type: ignore[no-untyped-def]
    """Issue 14: `chips NAME` gave no prices; it shows them by year and basis, est. marked."""
    assert main(["chips", "h800 pcie"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("year "))
    assert lines[header].split("  ")[0] == "year"
    assert [c.strip() for c in re.split(r"\s{2,}", lines[header])] == [
        "year", "server price", "chip price", "on-demand", "1yr", "3yr", "contract",
    ]  # fmt: skip
    row = lines[header + 1]
    assert row.startswith("2025 ") and "est. $42k ($10.5k–$168k)" in row
    assert "$31.7k ($15.9k–$63.5k)" in row and "est. $31.7k" not in row
    assert lines[header + 2].startswith("est. = an estimate (no price record")
    assert "first price record 2025-03-03" in "\n".join(lines)
    # every year and cloud basis of a chip with several
    assert main(["chips", "h100-sxm5"]) == 0
    out = capsys.readouterr().out
    years = [line.split()[0] for line in out.splitlines() if re.match(r"^20\d\d ", line)]
    assert years == ["2022", "2023", "2024", "2025"]
    assert re.search(r"^2023 .* 4\.86 +1\.84 \(1\.3–2\.6\)$", out, re.M)
    # an estimated first price date says so; a chip without prices says what to set
    assert main(["chips", "gb200"]) == 0
    assert "first price record 2024-08-31 (est.: no price record" in capsys.readouterr().out
    assert main(["chips", "v100s-pcie-32gb"]) == 0
    assert "every price from a record or the paper" in capsys.readouterr().out
    # the listing of every chip stays one table
    assert main(["chips"]) == 0
    assert "prices by year" not in capsys.readouterr().out


def test_chips_json_marks_estimates(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["chips", "h800-pcie", "--format", "json"]) == 0
    import json

    (chip,) = json.loads(capsys.readouterr().out)["chips"]
    purchase = chip["prices"][0]["purchase"]
    assert purchase["chip_price"]["estimate"] is True
    assert purchase["bare_chip_price"]["estimate"] is False
    assert chip["first_price_source"] is None
    assert main(["chips", "gb200", "--format", "json"]) == 0
    (chip,) = json.loads(capsys.readouterr().out)["chips"]
    assert chip["first_price_date"] == "2024-08-31"
    assert chip["first_price_source"].startswith("estimate:")
    # the CSV has the JSON's estimate marks, as true/false
    import csv
    import io

    assert main(["chips", "h800-pcie", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    marks = {(r["year"], r["price"]): r["estimate"] for r in rows}
    assert marks == {("2025", "chip_price"): "true", ("2025", "bare_chip_price"): "false"}


def test_validate_a_good_file(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["validate", str(FIXTURE), "gpt-4"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        f"{FIXTURE}: ok (15 parameters, outputs: chip_hours, chip_cost, other_server_cost, "
        "interconnect_cost, energy_use, energy_cost, amortized_cost, cloud_cost, "
        "acquisition_cost, usd_per_flop, final_run_cost)"
    )
    assert lines[1].startswith("gpt-4: ok (")


def test_validate_takes_the_max_points_its_refusal_names(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """validate builds every [sweep] point; its limit is raised as sweep's is."""

    def grid(path: Path, n: int, m: int) -> Path:
        path.write_text(
            '[scenario]\ntitle = "t"\n[parameters]\ntraining_compute = 1e25\n'
            "usd_per_flop = 1e-18\n[sweep]\n"
            f'vary = {{ training_compute = "1e24:1e26:{n}", usd_per_flop = "1e-19:1e-17:{m}" }}\n',
            encoding="utf-8",
        )
        return path

    big = grid(tmp_path / "big.toml", 120, 100)
    assert main(["validate", str(big)]) == 2  # refused before any point is built
    err = capsys.readouterr().err
    assert "12,000 points is more than the limit of 10,000" in err and "--max-points" in err
    small = grid(tmp_path / "small.toml", 4, 5)
    assert main(["validate", str(small), "--max-points", "19"]) == 2
    assert "20 points is more than the limit of 19" in capsys.readouterr().err
    assert main(["validate", str(small), "--max-points", "2e1"]) == 0
    assert capsys.readouterr().out.startswith(f"{small}: ok (")
    # a limit raised past what any machine builds: refused by the grid's own cost
    huge = grid(tmp_path / "huge.toml", 100_000, 100_000)
    assert main(["validate", str(huge), "--max-points", "1e22"]) == 2
    assert "expected a whole number from 1 to 2**53, got '1e22'" in capsys.readouterr().err
    assert main(["validate", str(huge), "--max-points", "1e15"]) == 2
    assert "building 10,000,000,000 points would take at least" in capsys.readouterr().err


def _row(out: str, first: str) -> list[str]:
    line = next(line for line in out.splitlines() if line.startswith(first + " "))
    return re.split(r" {2,}", line)


def test_run_a_scenario_file_prints_costs_split_and_point(capsys) -> None:  # type: ignore[no-untyped-def]
    # every input of the fixture is fixed: draws, medians and point all agree
    assert main(["run", str(FIXTURE), "--draws", "200", "--chains", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "GPT-4 (gpt4_handwritten): 400 draws (2 chains × 200), seed 0, sampler mc, 90% ETI;"
        " dollars: the scenario's inflation_factor\n"
    )
    assert _row(out, "amortized_cost") == [
        "amortized_cost", "USD", "$40.6M", "$40.6M", "$40.6M – $40.6M", "$40.6M"
    ]  # fmt: skip
    assert _row(out, "chip_hours")[1:3] == ["h", "57M"]
    assert _row(out, "cloud_cost")[-1] == "$78.4M" and _row(out, "acquisition_cost")[-1] == "$776M"
    point = evaluate(load_scenario(FIXTURE))
    # split: label, mean part, share of the mean total, median share, interval, point
    for label, name in (("chips", "chip_cost"), ("energy", "energy_cost")):
        share = format_share(float(point[name] / point["amortized_cost"]))
        mean = format_usd(float(point[name]))
        assert _row(out, label) == [label, mean, share, share, f"{share} – {share}", share]


def test_run_gpt4_split_comes_from_the_draws(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out_file = tmp_path / "gpt4.nc"
    argv = ["run", "gpt-4", "--draws", "1000", "--seed", "5", "--hdi", "--out", str(out_file)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "GPT-4 (gpt-4): 4,000 draws (4 chains × 1,000), seed 5, sampler mc, 90% HDI"
    )
    assert _row(out, "amortized_cost")[-1] == "$40.6M"  # the point estimate (docs/model.md §6.1)
    with xr.open_datatree(out_file, engine="h5netcdf") as tree:
        post = tree["posterior"]
        share = (post["energy_cost"] / post["amortized_cost"]).values.ravel()
        median = format_share(float(np.median(share)))
    row = _row(out, "energy")
    assert row[3] == median
    lo, hi = (float(v.rstrip(" %")) for v in row[4].split(" – "))
    assert lo < float(median.rstrip(" %")) < hi
    parts = ("chips", "other server", "interconnect", "energy")
    for column in (2, 5):  # shares of the mean total, and at the point estimate, add up
        shares = [float(_row(out, k)[column].rstrip(" %")) for k in parts]
        assert sum(shares) == pytest.approx(100, abs=0.2)  # (3 digits each)


@pytest.mark.slow
def test_run_a_streaming_scenario_says_why_there_is_no_split(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["run", str(FIXTURE), "--draws", "10000001", "--chains", "1"]) == 0
    out = capsys.readouterr().out
    assert "10,000,001 draws" in out and "$40.6M – $40.6M" in out
    assert "component split: needs stored draws" in out


def test_scenario_errors_exit_2(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert "did you mean 'gpt-4'" in _error(capsys, ["scenarios", "gpt-5"])
    assert "did you mean 'gpt-4'" in _error(capsys, ["run", "gpt-5", "--draws", "10"])
    assert "no such scenario file" in _error(capsys, ["validate", str(tmp_path / "x.toml")])
    assert "positive whole number" in _error(capsys, ["run", "gpt-4", "--draws", "0"])
    assert "the following arguments are required: FILE" in _error(capsys, ["validate"])


def test_a_note_names_the_chip_once(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """Issue 14: a scenario called b200 printed "b200: b200 has no ... price"."""
    from frontiercost.errors import scenario_note

    path = tmp_path / "b200.toml"
    path.write_text(
        '[scenario]\ntitle = "t"\n[hardware]\nchip = "b200"\nprice_year = 2024\n'
        "[parameters]\ntraining_compute = 1e25\ntraining_hours = 2000\nutilization = 0.4\n",
        encoding="utf-8",
    )
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    assert "frontiercost: note: b200 has no 3yr cloud price for price_year 2024" in err
    assert "b200: b200" not in err
    assert "frontiercost: note: b200: amortized_cost is not computed" in err
    assert scenario_note("b200", "b200 has no price") == "b200 has no price"
    assert scenario_note("b200x", "b200 has no price") == "b200x: b200 has no price"
    assert scenario_note("gpt-4", "the cost") == "gpt-4: the cost"
