"""The paper's 41 frontier models as built-in scenarios (docs/model.md §6.1-6.3).

Sources of truth:
- the ``[reference]`` tables of the scenario files, transcribed from the paper's
  published outputs (``ref_*`` columns of ``tests/data/frontier_models.csv``,
  Cottier et al. 2024 v2), and cross-checked against that CSV;
- the worked examples of docs/model.md §6.1 (GPT-4, Gemini 1.0 Ultra);
- the paper's Table 5 multiplicative 90 % intervals (docs/model.md §6.3) and the
  intermediate figures of its uncertainty notebook (training-cost-trends
  ``uncertainty.ipynb``, cells 7-8, 16-17).
"""

from __future__ import annotations

import importlib.util
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr

import frontiercost
from frontiercost import evaluate, load_scenario
from frontiercost.priors import Fixed, load_library, prior_from_spec
from frontiercost.scenarios.chips import chip_library

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
MODELS_DIR = resources.files("frontiercost.scenarios") / "library" / "models"
MODELS = sorted(e.name[: -len(".toml")] for e in MODELS_DIR.iterdir() if e.name.endswith(".toml"))
REFERENCE_COLUMNS = {
    "ref_amortized_2023usd": "amortized_cost",
    "ref_cloud_2023usd": "cloud_cost",
    "ref_acquisition_2023usd": "acquisition_cost",
    "ref_chips_2023usd": "chip_cost",
    "ref_other_server_2023usd": "other_server_cost",
    "ref_interconnect_2023usd": "interconnect_cost",
    "ref_energy_2023usd": "energy_cost",
    "ref_energy_kwh": "energy_use",
}


def _toml(name: str) -> dict[str, Any]:
    return tomllib.loads((MODELS_DIR / f"{name}.toml").read_text("utf-8"))


REFERENCE_CASES = [
    pytest.param(name, key, id=f"{name}-{key}")
    for name in MODELS
    for key in _toml(name).get("reference", {})
]


@cache
def _point(name: str) -> xr.Dataset:
    return evaluate(name)


@cache
def _csv_rows() -> dict[str, dict[str, str]]:
    import csv

    gen = _generator()
    with (DATA / "frontier_models.csv").open(newline="", encoding="utf-8") as fh:
        return {gen.slug(row["model"]): row for row in csv.DictReader(fh)}


@cache
def _generator() -> Any:
    spec = importlib.util.spec_from_file_location(
        "make_frontier_scenarios", ROOT / "scripts" / "make_frontier_scenarios.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- loading and point estimates ----------------------------------------------------------


def test_all_41_models_load() -> None:
    assert len(MODELS) == 41
    for name in MODELS:
        sc = load_scenario(name)
        assert "frontier-model" in sc.meta["tags"]
        assert 2015 < sc.meta["year"] < 2024
        assert "amortized_cost" in sc.outputs
        assert sc.meta["chip"] in chip_library()


def test_outputs_follow_the_inputs() -> None:
    """Cloud cost only with a cloud price, acquisition only with a chip count."""
    for name in MODELS:
        sc = load_scenario(name)
        params = _toml(name)["parameters"]
        assert ("cloud_cost" in sc.outputs) == ("cloud_price" in params), name
        assert ("acquisition_cost" in sc.outputs) == ("chip_count" in params), name


@pytest.mark.parametrize(("name", "key"), REFERENCE_CASES)
def test_point_estimate_matches_reference(name: str, key: str) -> None:
    """evaluate() within 0.5 % of each published output (docs/model.md §6.2)."""
    ref = load_scenario(name).reference[key]
    assert float(_point(name)[key]) == pytest.approx(ref.value, rel=ref.tolerance)


def test_reference_cases_cover_the_paper() -> None:
    # 8 outputs for most referenced models (some lack cloud or acquisition)
    assert len(REFERENCE_CASES) >= 150
    assert sum(key == "amortized_cost" for _, key in (c.values for c in REFERENCE_CASES)) == 22


def test_reference_values_equal_the_csv() -> None:
    rows = _csv_rows()
    assert sorted(rows) == MODELS
    for name, row in rows.items():
        want = {out: float(row[col]) for col, out in REFERENCE_COLUMNS.items() if row[col].strip()}
        got = {k: v["value"] for k, v in _toml(name).get("reference", {}).items()}
        assert got == want, name
        assert load_scenario(name).title == row["model"]


def test_chip_hours_equal_the_csv() -> None:
    """The chip-hour route of each scenario gives the paper's chip-hours (6 printed digits)."""
    for name, row in _csv_rows().items():
        assert float(_point(name)["chip_hours"]) == pytest.approx(
            float(row["chip_hours"]), rel=1e-5
        ), name


def test_generated_files_are_up_to_date(capsys: pytest.CaptureFixture[str]) -> None:
    code = _generator().main([str(DATA), "--check"])
    assert code == 0, capsys.readouterr().out


def test_slug() -> None:
    slug = _generator().slug
    assert slug("GPT-3 175B (davinci)") == "gpt-3-175b-davinci"
    assert slug("Gemini 1.0 Ultra") == "gemini-1-0-ultra"
    assert slug("--A  b--") == "a-b"


# --- worked examples, docs/model.md §6.1 ---------------------------------------------------


def test_gpt4_worked_example() -> None:
    """GPT-4: every intermediate value of docs/model.md §6.1 (printed to 3-4 figures)."""
    p = _point("gpt-4")
    infl = float(p["inflation_factor"])
    approx = pytest.approx
    assert float(p["chip_count"]) * float(p["training_hours"]) == 25_000 * 2_280  # §6.1
    assert float(p["chip_hours"]) == approx(57.0e6, rel=1e-3)  # §6.1: 57.0 M chip-hours
    assert float(p["chip_price"]) == approx(24_875)  # §6.1: chip price $24,875
    assert float(p["hardware_age"]) == approx(1.747, abs=5e-4)  # §6.1: age 1.747 yr
    assert float(p["hardware_value"]) == approx(14_165, rel=1e-4)  # §6.1: V0 = $14,165
    per_chip_hour = float(p["hardware_cost"]) / float(p["chip_hours"])
    assert per_chip_hour == approx(0.5209, rel=2e-4)  # §6.1: $0.5209 per chip-hour
    assert float(p["hardware_cost"]) == approx(29.69e6, rel=2e-4)  # §6.1: HW $29.69 M
    # §6.1 splits are nominal; the outputs are 2023 USD (x inflation_factor 1.01072)
    assert float(p["chip_cost"]) / infl == approx(17.89e6, rel=3e-4)  # chips $17.89 M
    assert float(p["other_server_cost"]) / infl == approx(11.80e6, rel=5e-4)  # other $11.80 M
    assert float(p["interconnect_cost"]) / infl == approx(6.965e6, rel=1e-4)  # IC $6.965 M
    assert float(p["energy_use"]) == approx(43.4e6, rel=2e-3)  # §6.1: 43.4 GWh
    assert float(p["pue"]) == 1.25  # §6.1: PUE 1.25
    assert float(p["energy_cost"]) / infl == approx(3.50e6, rel=2e-3)  # §6.1: $3.50 M
    assert float(p["amortized_cost"]) / infl == approx(40.156e6, rel=2e-5)  # nominal $40.156 M
    assert float(p["amortized_cost"]) == approx(40.59e6, rel=2e-4)  # §6.1: $40.59 M 2023 USD
    assert float(p["cloud_price"]) == 1.36  # §6.1: $1.36/h
    assert float(p["cloud_cost"]) == approx(78.35e6, rel=1e-4)  # §6.1: cloud $78.35 M
    assert float(p["acquisition_cost"]) == approx(776.0e6, rel=1e-4)  # §6.1: $776.0 M


def test_gemini_ultra_worked_example() -> None:
    """Gemini 1.0 Ultra: every intermediate value of docs/model.md §6.1 (inflation factor 1)."""
    p = _point("gemini-1-0-ultra")
    approx = pytest.approx
    assert float(p["inflation_factor"]) == 1.0
    assert float(p["chip_count"]) * float(p["training_hours"]) == 55_000 * 2_400  # §6.1
    assert float(p["chip_hours"]) == approx(132e6)  # §6.1: 132 M chip-hours
    assert float(p["chip_price"]) == approx(8_473.88)  # §6.1: chip price $8,473.88
    assert float(p["hardware_age"]) == approx(1.971, abs=5e-4)  # §6.1: age 1.971 yr
    assert float(p["hardware_value"]) == approx(4_488.56, rel=2e-6)  # §6.1: V0 = $4,488.56
    assert float(p["hardware_cost"]) == approx(21.79e6, rel=3e-4)  # §6.1: HW $21.79 M
    assert float(p["interconnect_cost"]) == approx(5.11e6, rel=1e-3)  # §6.1: IC $5.11 M
    assert float(p["energy_use"]) == approx(36.3e6, rel=2e-3)  # §6.1: 36.3 GWh
    assert float(p["energy_cost"]) == approx(2.93e6, rel=2e-3)  # §6.1: $2.93 M
    assert float(p["amortized_cost"]) == approx(29.83e6, rel=2e-4)  # §6.1: $29.83 M
    assert float(p["cloud_cost"]) == approx(191.4e6, rel=3e-4)  # §6.1: cloud $191.4 M
    assert float(p["acquisition_cost"]) == approx(575.4e6, rel=1e-4)  # §6.1: $575.4 M


# --- uncertainty, docs/model.md §6.3 (paper Table 5) --------------------------------------

DRAWS = 4000
# Table 5 (docs/model.md §6.3, unrounded), 90 % interval as multipliers of the sample median
TABLE5 = {
    ("amortized_cost", "gpu"): (0.34, 3.7),
    ("amortized_cost", "tpu"): (0.27, 4.9),
    ("acquisition_cost", "gpu"): (0.46, 2.1),
    ("acquisition_cost", "tpu"): (0.23, 4.2),
}
# Amortized hardware CapEx alone, before the paper adds energy (uncertainty.ipynb cells 7-8)
NOTEBOOK_CAPEX = {"gpu": (0.27, 4.0), "tpu": (0.16, 6.6)}


def _clipped_utilization() -> Any:
    """The paper's utilization: normal with 90 % in 0.10-0.65, *clipped* to [0.01, 0.99].

    Clipping puts 1.45 % of the mass at 0.01 (chip-hours x37.5); the library
    prior ``utilization_final_run`` truncates instead.  As a quantile table.
    """
    from scipy import stats

    p = np.linspace(0.0, 1.0, 4001)
    sd = 0.275 / stats.norm.ppf(0.95)
    x = np.clip(stats.norm.ppf(p, 0.375, sd), 0.01, 0.99)
    return prior_from_spec(
        {
            "family": "empirical",
            "quantiles": [[float(a), float(b)] for a, b in zip(p, x, strict=True)],
        }
    )


@cache
def _draws(method: str) -> dict[str, list[tuple[str, bool, dict[str, np.ndarray]]]]:
    """Per kind: (model, FLOP route?, {output: draws / point value}) of every model.

    ``method="own"``: the scenarios as they are.  ``method="paper"``: the
    paper's treatment where it differs from a per-model propagation: clipped
    utilization, and a fixed depreciation rate here with the rate's
    uncertainty applied afterwards as a plain multiplier (the notebook's
    ``depreciation = 10**(rate * offset)`` leaves out the rate x age term).
    Seeds differ per model, so the models' draws are independent.
    """
    out: dict[str, list[tuple[str, bool, dict[str, np.ndarray]]]] = {"gpu": [], "tpu": []}
    for i, name in enumerate(MODELS):
        sc = load_scenario(name)
        kind = chip_library()[sc.meta["chip"]].kind
        flop = "utilization" in sc.inputs
        priors: dict[str, Any] = {}
        if method == "paper":
            priors["depreciation_rate"] = Fixed(value=0.14, unit="OOM/yr")
            if flop:
                priors["utilization"] = _clipped_utilization()
        tree = frontiercost.simulate(sc, priors, draws=DRAWS, chains=1, seed=1000 + i)
        post = tree["posterior"].to_dataset()
        point = _point(name)
        ratios: dict[str, np.ndarray] = {}
        for key in ("amortized_cost", "acquisition_cost", "energy_cost"):
            if key in sc.outputs:
                ratios[key] = post[key].values.ravel() / float(point[key])
        capex = (post["amortized_cost"] - post["energy_cost"]).values.ravel()
        ratios["capex"] = capex / float(point["amortized_cost"] - point["energy_cost"])
        out[kind].append((name, flop, ratios))
    return out


def _weighted_quantiles(groups: list[np.ndarray], weights: list[float], q: list[float]) -> Any:
    values = np.concatenate(groups)
    w = np.concatenate(
        [np.full(g.size, wt / g.size) for g, wt in zip(groups, weights, strict=True)]
    )
    order = np.argsort(values)
    cum = np.cumsum(w[order]) / w.sum()
    return values[order][np.searchsorted(cum, q)]


def _paper_pool(rows: list[tuple[str, bool, dict[str, np.ndarray]]], key: str) -> Any:
    """5 %/95 % of ``key`` pooled as the paper did: 1/3 of the mass on FLOP-route
    models, 2/3 on chips x time (uncertainty.ipynb cell 5), over the pooled median."""
    flop = [r[key] for _, f, r in rows if f and key in r]
    direct = [r[key] for _, f, r in rows if not f and key in r]
    groups = ([np.concatenate(flop)] if flop else []) + [np.concatenate(direct)]
    weights = ([1 / 3] if flop else []) + [2 / 3 if flop else 1.0]
    lo, med, hi = _weighted_quantiles(groups, weights, [0.05, 0.5, 0.95])
    return lo / med, hi / med


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["gpu", "tpu"])
def test_paper_method_on_our_priors_reproduces_table5(kind: str) -> None:
    """Our per-model priors, combined the way the paper's notebook combined its
    generic multipliers, give the paper's Table 5 intervals.

    Paper-side steps reproduced here: utilization clipped (not truncated), the
    depreciation rate as a plain multiplier, FLOP-route weight 1/3, ratios to
    the pooled median, and the energy term ``capex + energy x f``: capex in
    the notebook's units (median 0.14 x 1.652 x 1.188), energy from an
    independent draw (the notebook samples it separately), scaled by
    ``f ~ lognormal(0.03, 0.42)`` (``energy_capex_ratio``; median 0.11 of a
    capex of 0.27, i.e. ~29 % of the total, where real runs spend 3-10 %).

    Tolerance 7 % on each bound: the paper prints two figures from one
    unseeded 10,000-draw run; re-running its notebook (numpy, 20 seeds) the
    5 %/95 % bounds scatter by 1.5-2.5 %/2.5-3 % (1 sd) and rounding adds up
    to 1.9 %, so 7 % is about 2 sd of the paper's own noise.  Our side is
    deterministic (fixed seeds), MC error ~1 %.  Measured: GPU 0.343-3.72,
    TPU 0.265-4.90 (amortized); CapEx alone GPU 0.274-4.08, TPU 0.168-6.45.
    """
    rows = _draws("paper")[kind]
    rng = np.random.default_rng(7)
    rate = rng.normal(0.14, 0.04 / 1.6448536269514722, DRAWS) / 0.14  # 0.10-0.18 OOM/yr
    f_prior = load_library()["energy_capex_ratio"]
    combined = []
    for name, flop, r in rows:
        capex = r["capex"] * rate
        energy = np.roll(r["energy_cost"], DRAWS // 2)  # an independent draw of energy
        f = f_prior.ppf(rng.uniform(size=DRAWS))
        total = capex * 0.14 * 1.652 * 1.188 + energy * f
        combined.append((name, flop, {"amortized_cost": total, "capex": capex}))
    lo, hi = _paper_pool(combined, "amortized_cost")
    want_lo, want_hi = TABLE5[("amortized_cost", kind)]
    assert lo == pytest.approx(want_lo, rel=0.07) and hi == pytest.approx(want_hi, rel=0.07), (
        f"amortized {kind}: {lo:.3f}-{hi:.3f}, paper {want_lo}-{want_hi}"
    )
    lo, hi = _paper_pool(combined, "capex")
    want_lo, want_hi = NOTEBOOK_CAPEX[kind]
    assert lo == pytest.approx(want_lo, rel=0.07) and hi == pytest.approx(want_hi, rel=0.07), (
        f"capex {kind}: {lo:.3f}-{hi:.3f}, notebook {want_lo}-{want_hi}"
    )


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["gpu", "tpu"])
def test_acquisition_interval_matches_table5(kind: str) -> None:
    """Our own acquisition uncertainty, pooled over models as draw / point estimate.

    Acquisition has the paper's structure exactly (chip count x price x server
    factor x interconnect factor), so no paper-side adjustment is needed.
    Tolerance 8 %: 2 sd of the paper's own Monte Carlo noise and rounding
    (see above, ~6 %) plus the normalization: ours is to the point estimate,
    the paper's to the sample median, and the point sits 3-4 % below the
    median (interconnect point 1/0.81 vs lognormal median 1.188).  Measured:
    GPU 0.44-2.07, TPU 0.235-4.03.
    """
    pooled = np.concatenate(
        [r["acquisition_cost"] for _, _, r in _draws("own")[kind] if "acquisition_cost" in r]
    )
    lo, hi = np.quantile(pooled, [0.05, 0.95])
    want_lo, want_hi = TABLE5[("acquisition_cost", kind)]
    assert lo == pytest.approx(want_lo, rel=0.08), f"{kind}: {lo:.3f} vs {want_lo}"
    assert hi == pytest.approx(want_hi, rel=0.08), f"{kind}: {hi:.3f} vs {want_hi}"


# Our own amortized intervals (draw / point estimate, models pooled with equal
# weight), measured with the seeds above.  They differ from Table 5 because the
# per-model propagation differs from the paper's generic simulation: energy is
# a small share of each run (3-10 %) drawn with the same chip-hours as the
# hardware, so it barely narrows the interval (the paper's independent,
# over-weighted energy term does); 8 of 19 TPU runs (6 of 22 GPU runs) are on
# the wide FLOP route, against the paper's 1/3; utilization is truncated, not
# clipped; and the depreciation rate enters both the value loss and the
# amortization, partly cancelling.
OWN_AMORTIZED = {"gpu": (0.307, 3.58), "tpu": (0.205, 6.48)}


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["gpu", "tpu"])
def test_own_amortized_interval(kind: str) -> None:
    """The reported figures (OWN_AMORTIZED) and their documented departure from Table 5.

    Tolerance 4 %: Monte Carlo error of a pooled 5 %/95 % quantile from
    19-22 x 4,000 independent draws is ~1 %; the margin absorbs platform
    differences in the last bits of the fast transforms.
    """
    pooled = np.concatenate([r["amortized_cost"] for _, _, r in _draws("own")[kind]])
    lo, hi = np.quantile(pooled, [0.05, 0.95])
    assert (lo, hi) == pytest.approx(OWN_AMORTIZED[kind], rel=0.04)
    paper_lo, paper_hi = TABLE5[("amortized_cost", kind)]
    assert lo < paper_lo  # wider on the low side: no energy narrowing
    if kind == "tpu":
        assert hi > paper_hi * 1.2  # FLOP-route share 42 % and little energy narrowing
