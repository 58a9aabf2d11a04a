"""The default prior library (frontiercost/priors/library/*.toml).

Two layers:

* TOML level (no project code): every file parses, every prior carries
  family/unit/source/description, names are unique across files, quantile
  keys are ordered, relative priors carry a central value, and a few priors
  match the numbers of docs/model.md §4 and the paper's uncertainty inputs
  (tests/data/epoch_uncertainty_inputs.csv) verbatim.
* Loader level: ``frontiercost.priors.load_library()`` turns every entry into a
  Prior whose quantiles and central value reproduce the spec.
"""

from __future__ import annotations

import csv
import itertools
import math
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

LIBRARY = Path(__file__).resolve().parents[1] / "frontiercost" / "priors" / "library"

FAMILIES = {
    "fixed",
    "normal",
    "lognormal",
    "truncnormal",
    "uniform",
    "loguniform",
    "beta",
    "pert",
    "triangular",
    "logitnormal",
    "gamma",
    "empirical",
    "mixture",
}
UNITS = {
    "USD",
    "USD/h",
    "USD/kWh",
    "W",
    "FLOP",
    "FLOP/s",
    "1",
    "yr",
    "OOM/yr",
    "1/yr",
    "h",
    "USD/yr",
}
REQUIRED = ("family", "unit", "source", "description")
QUANTILE_KEY = re.compile(r"^p(\d+(?:\.\d+)?)$")
NAME = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")

# Natural-parameter sets accepted per family (any one set completes a spec).
NATURAL = {
    "fixed": [{"value"}],
    "normal": [{"mu", "sigma"}],
    "lognormal": [{"mu", "sigma"}],
    "truncnormal": [{"mu", "sigma", "lower", "upper"}],
    "uniform": [{"lower", "upper"}],
    "loguniform": [{"lower", "upper"}],
    "beta": [{"alpha", "beta"}, {"mean", "sd"}],
    "pert": [{"minimum", "mode", "maximum"}],
    "triangular": [{"minimum", "mode", "maximum"}],
    "logitnormal": [{"mu", "sigma"}],
    "gamma": [{"shape", "scale"}],
    "empirical": [{"samples"}, {"values"}],
    "mixture": [{"components"}],
}
POSITIVE_FAMILIES = {"lognormal", "loguniform", "gamma"}
UNIT_INTERVAL_FAMILIES = {"beta", "logitnormal"}


def _percent(key: str) -> float | None:
    """Percentile named by a quantile key (``p5`` -> 5, ``median`` -> 50), else None."""
    if key == "median":
        return 50.0
    m = QUANTILE_KEY.match(key)
    return float(m.group(1)) if m else None


def _quantiles(spec: dict[str, Any]) -> list[tuple[float, float]]:
    """(probability, value) pairs of a spec's quantile keys, sorted by probability."""
    out = []
    for key, val in spec.items():
        pct = _percent(key)
        if pct is not None:
            out.append((pct / 100.0, float(val)))
    return sorted(out)


def _read_library() -> dict[str, list[tuple[str, dict[str, Any]]]]:
    files = sorted(LIBRARY.glob("*.toml"))
    return {f.name: list(tomllib.loads(f.read_text(encoding="utf-8")).items()) for f in files}


FILES = _read_library()
ENTRIES = [(fname, name, spec) for fname, items in FILES.items() for name, spec in items]
SPECS = {name: spec for _, name, spec in ENTRIES}
IDS = [name for _, name, _ in ENTRIES]


# ---------------------------------------------------------------- TOML level


def test_library_files_present() -> None:
    expected = {
        "hardware.toml",
        "run.toml",
        "utilization.toml",
        "cloud.toml",
        "energy.toml",
        "rd.toml",
        "staff.toml",
        "growth.toml",
        "schedule.toml",
    }
    assert expected <= set(FILES), sorted(expected - set(FILES))
    assert 40 <= len(ENTRIES) <= 100


def test_names_unique_across_files() -> None:
    seen: dict[str, str] = {}
    dups = []
    for fname, name, _ in ENTRIES:
        if name in seen:
            dups.append(f"{name} in {seen[name]} and {fname}")
        seen[name] = fname
    assert not dups, dups


def test_core_priors_present() -> None:
    core = {
        "h100_chip_price_2025",
        "gpu_price_multiplier",
        "tpu_price_multiplier",
        "server_cost_factor",
        "cluster_interconnect_factor",
        "depreciation_rate",
        "hardware_age_offset",
        "peak_flops_multiplier",
        "training_time_multiplier",
        "training_compute_multiplier",
        "chip_count_multiplier",
        "utilization_final_run",
        "rd_utilization",
        "final_run_share_frontier_lab",
        "experiment_factor",
        "pue_hyperscaler",
        "pue_non_hyperscaler",
        "avg_power_fraction_gpu",
        "avg_power_fraction_tpu",
        "electricity_price_multiplier",
        "salary_base",
        "equity_annual",
        "salary_overhead_multiplier",
        "fte_fraction_contributor",
        "growth_rate_amortized",
        "price_performance_growth",
        "h100_cloud_price_frontier_contract",
        "tpu_v4_price_server_level",
    }
    assert core <= set(SPECS), sorted(core - set(SPECS))


@pytest.mark.parametrize(("fname", "name", "spec"), ENTRIES, ids=IDS)
def test_prior_spec_well_formed(fname: str, name: str, spec: Any) -> None:
    assert isinstance(spec, dict), f"{fname}: {name} must be a table"
    assert NAME.match(name), f"{name} is not snake_case"
    for key in REQUIRED:
        assert key in spec, f"{name}: missing {key}"
    assert spec["family"] in FAMILIES, spec["family"]
    assert spec["unit"] in UNITS, spec["unit"]
    for key in ("source", "description"):
        text = spec[key]
        assert isinstance(text, str) and text.strip(), f"{name}: empty {key}"
        assert "\n" not in text, f"{name}: {key} must be one line"

    family = spec["family"]
    qs = _quantiles(spec)
    keys = set(spec)
    if family == "fixed":
        assert "value" in spec and not qs, f"{name}: fixed priors take only `value`"
        return
    natural_ok = any(s <= keys for s in NATURAL[family])
    assert len(qs) == 2 or natural_ok, f"{name}: needs two quantile keys or natural parameters"
    assert len(qs) <= 2, f"{name}: at most two quantile keys (2-parameter fit)"
    # quantiles strictly increasing with probability
    for (p_lo, v_lo), (p_hi, v_hi) in itertools.pairwise(qs):
        assert p_lo < p_hi and v_lo < v_hi, f"{name}: quantiles out of order {qs}"
    for _, v in qs:
        assert math.isfinite(v)

    relative = spec.get("relative", False)
    assert isinstance(relative, bool)
    if relative:
        assert "central" in spec, f"{name}: relative priors need `central`"
        assert spec["central"] > 0
        assert qs and qs[0][1] < 1.0 < qs[-1][1], f"{name}: multipliers must bracket 1"
    if family in POSITIVE_FAMILIES:
        assert all(v > 0 for _, v in qs), f"{name}: {family} needs positive quantiles"
    if family in UNIT_INTERVAL_FAMILIES and not {"lower", "upper"} <= keys:
        assert all(0 < v < 1 for _, v in qs), f"{name}: {family} quantiles must be in (0, 1)"
    if "lower" in spec and "upper" in spec:
        assert spec["lower"] < spec["upper"]
        assert all(spec["lower"] < v < spec["upper"] for _, v in qs)
    if "central" in spec and qs and not relative:
        assert qs[0][1] <= spec["central"] <= qs[-1][1], f"{name}: central outside quantiles"
    if "central" in spec and "lower" in spec and "upper" in spec:
        assert spec["lower"] <= spec["central"] <= spec["upper"]


# Numbers transcribed from docs/model.md §4 / §4.1 and the Epoch data files.
TOML_FACTS = [
    ("server_cost_factor", {"family": "lognormal", "p5": 1.3, "p95": 2.1, "central": 1.64}),
    ("cluster_interconnect_factor", {"p5": 1.07, "p95": 1.32, "central": 1 / 0.81}),
    (
        "depreciation_rate",
        {"family": "normal", "p5": 0.10, "p95": 0.18, "central": 0.14, "unit": "OOM/yr"},
    ),
    ("hardware_age_offset", {"p5": -120 / 365.25, "p95": 120 / 365.25, "unit": "yr"}),
    ("gpu_price_multiplier", {"family": "lognormal", "p5": 0.5, "p95": 2.0, "unit": "1"}),
    (
        "tpu_v4_price_server_level",
        {"relative": True, "central": 5167 * 1.64, "p5": 0.25, "p95": 4.0},
    ),
    ("training_compute_multiplier", {"p5": 1 / 3, "p95": 3.0}),
    (
        "utilization_final_run",
        {
            "family": "truncnormal",
            "p5": 0.1,
            "p95": 0.65,
            "lower": 0.01,
            "upper": 0.99,
            "central": 0.375,
        },
    ),
    ("utilization_final_run_epoch", {"family": "beta", "p5": 0.24, "p95": 0.52, "central": 0.37}),
    ("rd_utilization", {"family": "beta", "p5": 0.09, "p95": 0.40, "central": 0.21}),
    ("final_run_share_frontier_lab", {"family": "beta", "p5": 0.05, "p95": 0.33}),
    ("experiment_factor", {"p5": 1.2, "p95": 4.0}),
    ("h100_cloud_price_frontier_contract", {"p5": 1.3, "p95": 2.6, "unit": "USD/h"}),
    (
        "electricity_price_2023",
        {"relative": True, "central": 0.0806, "p5": 0.6, "p95": 1.7, "unit": "USD/kWh"},
    ),
    ("pue_hyperscaler", {"p5": 1.05, "p95": 1.16, "central": 1.10}),
    ("pue_non_hyperscaler", {"p5": 1.12, "p95": 1.40, "central": 1.25}),
    ("avg_power_fraction_gpu", {"p5": 0.56, "p95": 1.0, "central": 0.75}),
    ("avg_power_fraction_tpu", {"p5": 0.30, "p95": 0.62, "central": 0.43}),
    ("salary_base", {"p5": 139771.0, "p95": 265236.0, "unit": "USD/yr"}),
    ("salary_overhead_multiplier", {"p5": 1.25, "p95": 1.4}),
    ("fte_fraction_contributor", {"p5": 0.05, "p95": 0.8, "central": 0.2}),
    ("growth_rate_amortized", {"p5": 2.0, "p95": 2.9, "central": 2.4, "unit": "1/yr"}),
    ("price_performance_growth", {"p5": 1.25, "p95": 1.55, "central": 1.38}),
    ("a100_server_price_per_gpu_2020", {"family": "fixed", "value": 24875.0}),
    ("h100_chip_price_2025", {"p5": 20000.0, "p95": 27000.0, "unit": "USD"}),
]


@pytest.mark.parametrize(("name", "facts"), TOML_FACTS, ids=[n for n, _ in TOML_FACTS])
def test_toml_matches_model_md(name: str, facts: dict[str, Any]) -> None:
    spec = SPECS[name]
    for key, want in facts.items():
        got = spec[key]
        if isinstance(want, float):
            assert got == pytest.approx(want, rel=1e-9), f"{name}.{key}"
        else:
            assert got == want, f"{name}.{key}"


# The paper's uncertainty inputs (tests/data/epoch_uncertainty_inputs.csv): library
# prior -> (the input's row, conversion of its p5/p95 to the prior's unit).
UNCERTAINTY_INPUTS = Path(__file__).resolve().parent / "data" / "epoch_uncertainty_inputs.csv"
_DAYS, _MONTHS, _HOURS_31D = 1 / 365.25, 1 / 12, 31 * 24


def _decimal_year(date: str) -> float:
    """``year + month/12 + day/365.25``, as the paper's notebook computes dates."""
    y, m, d = (int(x) for x in date.split("-"))
    return y + m / 12 + d / 365.25


PAPER_INPUTS: dict[str, tuple[str, Any]] = {
    "chip_count_multiplier": ("hardware_quantity (relative)", 1.0),
    "gpu_price_multiplier": ("hardware_price GPU (relative)", 1.0),
    "tpu_price_multiplier": ("hardware_price TPU (relative)", 1.0),
    "server_cost_factor": ("server_cost_overhead (absolute)", 1.0),
    "cluster_interconnect_factor": ("cluster_interconnect_overhead (absolute)", 1.0),
    "depreciation_rate": ("price_performance_rate r (OOM/yr)", 1.0),
    "hardware_age_offset": ("years_since (hardware availability -> training start), offset", 1.0),
    "training_time_multiplier": ("training_time (relative)", 1.0),
    "training_compute_multiplier": ("training_compute (relative)", 1.0),
    "peak_flops_multiplier": ("peak_flop_per_second (relative)", 1.0),
    "utilization_final_run": ("hardware_utilization (absolute)", 1.0),
    "share_models_imputed_chip_hours": ("share of models with imputed chip-hours", 1.0),
    "electricity_price_multiplier": ("energy_price (relative)", 1.0),
    "avg_power_fraction_tpu": ("avg power / TDP, TPU (absolute)", 1.0),
    "avg_power_fraction_gpu": ("avg power / TDP, GPU (absolute)", 1.0),
    "pue_hyperscaler": ("PUE, hyperscaler (absolute)", 1.0),
    "pue_non_hyperscaler": ("PUE, non-hyperscaler (absolute)", 1.0),
    "energy_capex_ratio": ("energy as fraction of capex (ratio)", 1.0),
    "experiment_factor": ("experiment_factor (total dev compute / final-run compute)", 1.0),
    "salary_base": ("base salary (USD/yr)", 1.0),
    "equity_annual": ("equity (USD/yr)", 1.0),
    "salary_overhead_multiplier": ("salary overhead (taxes, benefits) multiplier", 1.0),
    "fte_fraction_contributor": (
        "FTE fraction per listed contributor (GPT-3, OPT-175B, GPT-4)",
        1.0,
    ),
    "fte_fraction_gemini_leads": ("Gemini Leads FTE", 1.0),
    "fte_fraction_gemini_core": ("Gemini Core contributors FTE", 1.0),
    "fte_fraction_gemini_contributors": ("Gemini Contributors FTE", 1.0),
    "salary_gemini_technical_leads": ("Gemini Program/Overall technical leads salary", 1.0),
    "gpt3_project_start_date": ("GPT-3 project start date", _decimal_year),
    "gpt3_training_end_date": ("GPT-3 training end date", _decimal_year),
    "gpt3_paper_delay": ("GPT-3 paper delay after project end (days)", _DAYS),
    "opt175b_project_duration": ("OPT-175B project duration (days)", _DAYS),
    "gpt4_project_start_date": ("GPT-4 project start date", _decimal_year),
    "gemini_ultra_project_duration": ("Gemini Ultra project duration (months)", _MONTHS),
    "gemini_ultra_training_time": ("Gemini Ultra final training time (31-day months)", _HOURS_31D),
    "gemini_ultra_tpu_v4_pods": ("Gemini Ultra number of TPUv4 pods (x4096 chips)", 1.0),
    "h100_dgx_manufacturing_cost_per_gpu": ("H100 DGX manufacturing cost per GPU (USD)", 1.0),
}


def _paper_inputs() -> dict[str, dict[str, str]]:
    with UNCERTAINTY_INPUTS.open(newline="", encoding="utf-8") as fh:
        return {row["variable"]: row for row in csv.DictReader(fh)}


@pytest.mark.parametrize("name", sorted(PAPER_INPUTS))
def test_library_prior_is_the_papers_uncertainty_input(name: str) -> None:
    """p5/p95 (uniform: bounds; fixed: the value) equal the paper's input, unit converted."""
    variable, convert = PAPER_INPUTS[name]
    row = _paper_inputs()[variable]
    spec = SPECS[name]

    def value(text: str) -> float:
        return convert(text) if callable(convert) else float(text) * convert

    lo, hi = value(row["p5"]), value(row["p95"])
    if spec["family"] == "fixed":
        assert lo == hi and spec["value"] == pytest.approx(lo, rel=1e-12), name
    elif spec["family"] == "uniform":
        assert (spec["lower"], spec["upper"]) == pytest.approx((lo, hi), rel=1e-12), name
    else:
        assert (spec["p5"], spec["p95"]) == pytest.approx((lo, hi), rel=1e-12), name


def test_every_paper_input_row_named_here_exists() -> None:
    rows = _paper_inputs()
    assert len(rows) == 37  # every uncertain input of the paper (docs/model.md §4)
    assert {v for v, _ in PAPER_INPUTS.values()} <= set(rows)


# -------------------------------------------------------------- loader level


@pytest.fixture(scope="module")
def library() -> Any:
    from frontiercost.priors import load_library  # the loader is part of the package

    return load_library()


def test_loader_loads_every_prior(library: Any) -> None:
    assert set(SPECS) <= set(library.keys()), sorted(set(SPECS) - set(library.keys()))


def test_loader_server_cost_factor(library: Any) -> None:
    prior = library["server_cost_factor"]
    assert float(prior.quantile(0.05)) == pytest.approx(1.3, rel=1e-6)
    assert float(prior.quantile(0.95)) == pytest.approx(2.1, rel=1e-6)
    assert prior.central == pytest.approx(1.64, rel=1e-12)


def test_loader_relative_prior(library: Any) -> None:
    prior = library["tpu_v4_price_server_level"]
    assert prior.central == pytest.approx(8473.88, rel=1e-12)
    assert float(prior.quantile(0.05)) == pytest.approx(8473.88 * 0.25, rel=1e-6)
    assert float(prior.quantile(0.95)) == pytest.approx(8473.88 * 4.0, rel=1e-6)


def test_loader_utilization_clipped_normal(library: Any) -> None:
    prior = library["utilization_final_run"]
    assert prior.central == pytest.approx(0.375)
    lo, hi = (float(prior.quantile(p)) for p in (0.0, 1.0))
    assert lo >= 0.01 - 1e-12 and hi <= 0.99 + 1e-12
    # truncation at 0.01 removes ~1.5 % of mass, so p5/p95 hold only roughly
    assert float(prior.quantile(0.05)) == pytest.approx(0.1, abs=0.03)
    assert float(prior.quantile(0.95)) == pytest.approx(0.65, abs=0.03)


def test_loader_fixed_prior(library: Any) -> None:
    prior = library["a100_server_price_per_gpu_2020"]
    assert prior.central == 24875.0
    assert float(prior.quantile(0.5)) == 24875.0


QUANTILE_CASES = [
    name
    for name, spec in SPECS.items()
    if len(_quantiles(spec)) == 2 and spec["family"] not in {"truncnormal"}
]


@pytest.mark.parametrize("name", QUANTILE_CASES)
def test_loader_reproduces_quantiles(library: Any, name: str) -> None:
    spec = SPECS[name]
    prior = library[name]
    scale = float(spec["central"]) if spec.get("relative", False) else 1.0
    rel = 1e-4 if spec["family"] in {"beta", "gamma"} else 1e-6
    for p, v in _quantiles(spec):
        assert float(prior.quantile(p)) == pytest.approx(v * scale, rel=rel, abs=1e-12), (
            f"{name}: quantile({p})"
        )


@pytest.mark.parametrize("name", list(SPECS))
def test_loader_central(library: Any, name: str) -> None:
    spec = SPECS[name]
    prior = library[name]
    if spec["family"] == "fixed":
        want = float(spec["value"])
    elif "central" in spec:
        want = float(spec["central"])
    else:
        want = float(prior.quantile(0.5))
    assert prior.central == pytest.approx(want, rel=1e-9)
