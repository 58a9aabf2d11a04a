"""``--hdi`` in every command that has ``--ci``: highest-density intervals from arviz-stats.

Each command's HDI is checked against ``arviz_stats.hdi`` on the same draws
(re-drawn here with the same seed: counter-based streams give the same draws)
and against the command's own equal-tailed interval: for a right-skewed cost
the HDI is narrower and sits lower.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import arviz_stats as az
import numpy as np
import pytest
import xarray as xr

from frontiercost import evaluate, simulate, summarize
from frontiercost.analysis import sobol_indices, trend_with_uncertainty
from frontiercost.analysis.format import format_value
from frontiercost.analysis.sensitivity import _bootstrap, _estimate
from frontiercost.analysis.summary import interval
from frontiercost.cli import main
from frontiercost.errors import FrontiercostError

DB = Path(__file__).parent / "data" / "epoch_notable_models.csv"


def _arviz_hdi(draws: np.ndarray, prob: float) -> tuple[float, float]:
    ci = az.hdi(xr.DataArray(np.ravel(draws), dims="draw"), prob=prob, dim="draw")
    return float(ci.sel(ci_bound="lower")), float(ci.sel(ci_bound="upper"))


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:
    assert main([*argv, "--format", "json", "-q"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_interval_is_arviz_hdi_and_narrower_than_eti_for_a_skewed_sample() -> None:
    x = np.random.default_rng(1).lognormal(0.0, 1.0, 20_000)
    lo, hi = interval(x, 0.9, "hdi")
    assert (lo, hi) == _arviz_hdi(x, 0.9)
    e_lo, e_hi = interval(x, 0.9, "eti")
    assert (e_lo, e_hi) == tuple(np.quantile(x, [0.05, 0.95]))
    assert hi - lo < 0.85 * (e_hi - e_lo) and lo < e_lo
    assert np.mean((x >= lo) & (x <= hi)) == pytest.approx(0.9, abs=1e-3)
    with_nan = np.concatenate([x, [np.nan] * 5])
    assert interval(with_nan, 0.9, "hdi") == (lo, hi)
    with pytest.raises(FrontiercostError, match="ci_kind: unknown kind 'hpd'"):
        interval(x, 0.9, "hpd")


def test_sweep_hdi_matches_arviz_at_every_point(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = ["sweep", "gpt-4", "--vary", "chip_count=20000,25000", "--draws", "1500"]
    out = tmp_path / "s.nc"
    hdi = _json(capsys, [*argv, "--hdi", "--ci", "0.8", "--out", str(out)])
    eti = _json(capsys, [*argv, "--ci", "0.8"])
    assert hdi["interval"] == {"kind": "hdi", "prob": 0.8}
    assert eti["interval"] == {"kind": "eti", "prob": 0.8}
    post = xr.open_datatree(out)["posterior"]
    for h, e in zip(hdi["points"], eti["points"], strict=True):
        draws = post["amortized_cost"].sel(chip_count=h["at"]["chip_count"]).values
        got = h["outputs"]["amortized_cost"]
        assert (got["lower"], got["upper"]) == _arviz_hdi(draws, 0.8)
        ref = e["outputs"]["amortized_cost"]
        assert got["median"] == ref["median"]
        assert got["upper"] - got["lower"] < ref["upper"] - ref["lower"]
        assert got["lower"] < ref["lower"]
    # A --summary sweep streams the same draws and takes the HDI from their histogram:
    # it holds 80 % of them and is as short as arviz-stats' to about a bin (its position
    # is not pinned: on a flat stretch of 3,000 draws an HDI slides at no cost in width).
    summary = _json(capsys, [*argv, "--hdi", "--ci", "0.8", "--summary"])
    for s, h in zip(summary["points"], hdi["points"], strict=True):
        a, b = s["outputs"]["amortized_cost"], h["outputs"]["amortized_cost"]
        draws = post["amortized_cost"].sel(chip_count=s["at"]["chip_count"]).values
        held = np.mean((draws >= a["lower"]) & (draws <= a["upper"]))
        assert 0.8 <= held <= 0.8 + 2 / draws.size
        assert a["upper"] - a["lower"] == pytest.approx(b["upper"] - b["lower"], rel=0.01)


def test_sweep_hdi_table_and_csv_headers_say_hdi(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["sweep", "gpt-4", "--vary", "chip_count=20000,25000", "--draws", "300", "--hdi", "-q"]
    assert main(argv) == 0
    table = capsys.readouterr().out
    assert "90% HDI" in table and "ETI" not in table
    assert main([*argv, "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == [
        "chip_count",
        "amortized_cost median",
        "amortized_cost 90% HDI lower",
        "amortized_cost 90% HDI upper",
    ]
    assert all(len(r) == len(rows[0]) for r in rows)


def test_trend_hdi_per_model_and_of_the_slopes(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["trend", "--draws", "300", "--chains", "1", "--seed", "2"]
    hdi = _json(capsys, [*argv, "--hdi"])
    eti = _json(capsys, argv)
    assert hdi["interval"]["kind"] == "hdi" and eti["interval"]["kind"] == "eti"
    # the point fit's Student-t interval is symmetric: its HDI is the same interval
    assert hdi["point_fit"] == eti["point_fit"]
    from frontiercost.scenarios import load_scenario

    model = hdi["models"][0]
    tree = simulate(load_scenario(model["name"]), draws=300, chains=1, seed=2)
    draws = tree["posterior"]["amortized_cost"].values
    assert (model["lower"], model["upper"]) == _arviz_hdi(draws, 0.9)
    narrower = [
        h["upper"] - h["lower"] <= e["upper"] - e["lower"]
        for h, e in zip(hdi["models"], eti["models"], strict=True)
    ]
    assert all(narrower)
    u = hdi["with_uncertainty"]
    assert u["slope_median"] == eti["with_uncertainty"]["slope_median"]
    assert u["growth_factor_lower"] == pytest.approx(10 ** u["slope_lower"], rel=1e-12)
    assert main([*argv, "--hdi", "-q"]) == 0
    text = capsys.readouterr().out
    assert "90% HDI" in text and "symmetric, so its HDI is its ETI" in text


def test_trend_with_uncertainty_hdi_is_arviz_hdi_of_the_slopes() -> None:
    rng = np.random.default_rng(0)
    years = [2018.0, 2020.0, 2022.0, 2024.0]
    samples = [rng.lognormal(np.log(10.0**k), 1.0, 4000) for k in (6, 7, 8, 9)]
    hdi = trend_with_uncertainty(samples, years, ci_prob=0.8, ci_kind="hdi")
    eti = trend_with_uncertainty(samples, years, ci_prob=0.8)
    assert tuple(hdi["slope_ci"].values) == _arviz_hdi(hdi["slope"].values, 0.8)
    assert hdi["slope_ci"].attrs["ci_kind"] == "hdi" and eti["slope_ci"].attrs["ci_kind"] == "eti"
    w = {k: float(d["slope_ci"].diff("ci_bound")[0]) for k, d in (("h", hdi), ("e", eti))}
    assert w["h"] <= w["e"]
    with pytest.raises(FrontiercostError, match="ci_kind"):
        trend_with_uncertainty(samples, years, ci_kind="x")


def test_sobol_hdi_is_arviz_hdi_of_the_bootstrap_replicates() -> None:
    rng = np.random.default_rng(3)
    n = 512
    a, b = rng.random((2, n)), rng.random((2, n))

    def f(u: np.ndarray) -> np.ndarray:  # skewed output, one dominant input
        return np.exp(3 * u[0]) + 0.3 * u[1]

    fa, fb = f(a), f(b)
    fab = np.stack([f(np.where(np.arange(2)[:, None] == i, b, a)) for i in range(2)])
    _, _, boot_s1, boot_st = _bootstrap(fa, fb, fab, 400, 7)
    _, _, h1, ht = _estimate(fa, fb, fab, 0.9, 400, 7, "hdi")
    _, _, e1, et = _estimate(fa, fb, fab, 0.9, 400, 7, "eti")
    for i in range(2):
        assert tuple(h1[i]) == _arviz_hdi(boot_s1[:, i], 0.9)
        assert tuple(ht[i]) == _arviz_hdi(boot_st[:, i], 0.9)
        assert tuple(e1[i]) == pytest.approx(tuple(np.quantile(boot_s1[:, i], [0.05, 0.95])))
        # HDI bounds are replicates ("nearest"), ETI bounds interpolate between them: on a
        # near-symmetric bootstrap distribution the HDI may be a hair (<0.1 %) wider
        assert h1[i, 1] - h1[i, 0] <= (e1[i, 1] - e1[i, 0]) * 1.001
        assert ht[i, 1] - ht[i, 0] <= (et[i, 1] - et[i, 0]) * 1.001
    # ST of the dominant, skewed input: strictly narrower
    assert ht[0, 1] - ht[0, 0] < et[0, 1] - et[0, 0]


def test_sensitivity_cli_hdi(capsys: pytest.CaptureFixture[str]) -> None:
    # from 2,048 rows the intervals come from a bootstrap (below, from 8 scramblings)
    argv = ["sensitivity", "gpt-4", "--n", "2048"]
    hdi = _json(capsys, [*argv, "--hdi"])
    assert hdi["settings"]["ci_kind"] == "hdi"
    ds = sobol_indices("gpt-4", "amortized_cost", n=2048, ci_kind="hdi")
    assert ds["ST_ci"].attrs["ci_kind"] == "hdi"
    first = hdi["parameters"][0]
    lo, hi = (float(v) for v in ds["ST_ci"].sel(parameter=first["name"]).values)
    assert (first["ST_lower"], first["ST_upper"]) == (pytest.approx(lo), pytest.approx(hi))
    assert main([*argv, "--hdi", "-q"]) == 0
    assert "90% HDI intervals (bootstrap over rows" in capsys.readouterr().out


@pytest.mark.slow
def test_report_labels_and_computes_hdi(tmp_path: Path) -> None:
    page = tmp_path / "r.html"
    argv = ["report", "gpt-4", "--draws", "1000", "--seed", "4", "--hdi", "--out", str(page)]
    assert main([*argv, "-q"]) == 0
    html = page.read_text("utf-8")
    assert "90% HDI" in html and "highest-density, 90" in html
    assert "MCSE of bounds" not in html and "--hdi --out report.html" in html
    tree = simulate("gpt-4", draws=1000, seed=4)
    lo, hi = _arviz_hdi(tree["posterior"]["amortized_cost"].values, 0.9)
    cell = " – ".join(format_value(v, "USD", show_unit=False) for v in (lo, hi))
    assert cell in html
    # the component shares are labelled with the same kind
    assert re.search(r"90% HDI", html.split('id="components"')[1])


def test_epoch_compare_hdi(capsys: pytest.CaptureFixture[str]) -> None:
    from frontiercost.epoch import scenario

    name = "Mistral Large"
    argv = ["epoch", "compare", "--database", str(DB), "--model", name, "--draws", "500"]
    hdi = _json(capsys, [*argv, "--hdi", "--ci", "0.8"])
    eti = _json(capsys, [*argv, "--ci", "0.8"])
    assert hdi["interval"] == {"kind": "hdi", "prob": 0.8}
    row = next(r for r in hdi["rows"] if r["lower"] is not None)
    ref = next(r for r in eti["rows"] if r["output"] == row["output"])
    sc = scenario(name, DB)
    draws = simulate(sc, draws=500, chains=2, seed=0)["posterior"][row["output"]].values
    assert (row["lower"], row["upper"]) == _arviz_hdi(draws, 0.8)
    assert row["upper"] - row["lower"] <= ref["upper"] - ref["lower"]
    assert row["ours"] == ref["ours"] == pytest.approx(float(evaluate(sc)[row["output"]]))


NAN_MODEL = """\
[scenario]
title = "half NaN"
year = 2024
outputs = ["odd"]

[parameters]
chip_hours = 1e7
cloud_price = 2.0
inflation_factor = 1.0
bump = { family = "normal", mean = 0.0, sd = 1.0 }

[formulas]
odd = "sqrt(bump) * cloud_price"
"""


@pytest.mark.parametrize("hdi", [False, True])
def test_a_stored_sweep_leaves_nan_draws_out_as_a_summary_sweep_does(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, hdi: bool
) -> None:
    path = tmp_path / "odd.toml"
    path.write_text(NAN_MODEL, "utf-8")
    argv = ["sweep", str(path), "--vary", "cloud_price=2,3", "--draws", "2000", "--var", "odd"]
    argv += ["--hdi"] if hdi else []
    stored = _json(capsys, argv)
    summary = _json(capsys, [*argv, "--summary"])
    for a, b in zip(stored["points"], summary["points"], strict=True):
        x, y = a["outputs"]["odd"], b["outputs"]["odd"]
        assert np.isfinite([x["median"], x["lower"], x["upper"]]).all()
        assert x["median"] == pytest.approx(y["median"], rel=0.01)
        assert x["upper"] - x["lower"] == pytest.approx(y["upper"] - y["lower"], rel=0.02)


@pytest.mark.parametrize("hdi", [False, True])
def test_a_run_leaves_nan_draws_out_of_every_figure_stored_or_streamed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, hdi: bool
) -> None:
    """The interval of a stored run's NaN-holding output was NaN (shown as -) while its
    median and mean left the NaN draws out; every figure now leaves them out, as a
    streaming run's do."""
    path = tmp_path / "odd.toml"
    path.write_text(NAN_MODEL, "utf-8")
    argv = ["run", str(path), "--draws", "5000", "--chains", "2", "--var", "odd"]
    argv += ["--hdi"] if hdi else []
    x = _json(capsys, argv)["outputs"]["odd"]
    with pytest.warns(Warning, match="odd: "):
        draws = simulate(str(path), draws=5000, chains=2)["posterior"]["odd"].values
    numbers = draws[~np.isnan(draws)]
    assert 4000 < x["nonfinite"] == draws.size - numbers.size < 6000
    assert x["median"] == float(np.median(numbers))
    assert x["mean"] == pytest.approx(float(np.mean(numbers)), rel=1e-12)
    if hdi:
        assert (x["lower"], x["upper"]) == _arviz_hdi(numbers[None, :], 0.9)
    else:
        expected = np.quantile(numbers, [0.05, 0.95])  # arviz-stats' eti, to rounding
        assert [x["lower"], x["upper"]] == pytest.approx(list(expected), rel=1e-12)
    assert x["mcse_median"] is None  # no estimate once the draws are broken up
    with pytest.warns(Warning, match="odd: "):
        tree = simulate(str(path), draws=5000, chains=2, store=False)
    streamed = summarize(tree, ci_kind="hdi" if hdi else "eti").sel(variable="odd")
    assert float(streamed["median"]) == pytest.approx(x["median"], rel=0.02)
    assert float(streamed["mean"]) == pytest.approx(x["mean"], rel=1e-9)
    lo, hi = (float(v) for v in streamed["ci"])
    assert lo == pytest.approx(x["lower"], abs=0.03) and hi == pytest.approx(x["upper"], rel=0.03)
