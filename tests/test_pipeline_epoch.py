"""The ``epoch-2025`` pipeline preset (docs/model.md §8; docs/scenarios.md "Pipeline presets").

Sources of truth: the rules and figures docs/model.md §8 states (H100 at DGX H100
$44,489.88 per GPU, available 2022-12-19; electricity 2024 $0.0771, 2025
$0.0826; H100 cloud $4.86 per chip-hour from 2024; dollars of June 2025);
the price index PCU518210518210 (2024-07: 119.863, 2025-06: 123.659); the
paper's Table 5 multiplicative 90 % interval of an amortized GPU cost,
0.34-3.7x the point estimate (docs/model.md §6.3).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from frontiercost import evaluate, load_scenario, simulate
from frontiercost.errors import ScenarioError
from frontiercost.priors import Fixed, LogNormal
from frontiercost.scenarios.pipelines import find_pipeline, pipelines

TEMPLATE = """[scenario]
title = "preset"
published = {published}
organization = "{organization}"
pipeline = "epoch-2025"

[hardware]
chip = "{chip}"
{hardware}
[parameters]
{parameters}
"""
TIME = "chip_count = 16384\ntraining_hours = 2142\ntraining_compute = 3.8e25"


def _sc(tmp_path: Path, *, published: str = "2024-07-23", organization: str = "Meta AI",
        chip: str = "h100-sxm5", hardware: str = "", parameters: str = TIME) -> Path:  # fmt: skip
    path = tmp_path / "preset.toml"
    path.write_text(
        TEMPLATE.format(
            published=published,
            organization=organization,
            chip=chip,
            hardware=hardware,
            parameters=parameters,
        ),
        encoding="utf-8",
    )
    return path


def test_the_preset_is_registered() -> None:
    assert list(pipelines()) == ["epoch-2025"]
    with pytest.raises(ScenarioError, match="accepted: epoch-2025"):
        find_pipeline("epoch-2026")


def test_rules_of_model_md_8(tmp_path: Path) -> None:
    sc = load_scenario(_sc(tmp_path))
    p = sc.priors
    # purchase price: the first price record, at server level
    chip_price = p["bare_chip_price"].central * p["server_cost_factor"].central
    assert chip_price == pytest.approx(44489.88)
    assert p["server_cost_factor"].central == 1.64
    # available 2022-12-19, start 2024-07-23 - 2142 h - 60 d = 2024-02-24
    assert p["hardware_age"].central == pytest.approx(432 / 365.25)
    assert p["electricity_price"].central == pytest.approx(0.0771)
    assert p["pue"].central == 1.10  # Meta
    assert p["depreciation_rate"].central == 0.14
    assert 1 - 1 / p["interconnect_factor"].central == pytest.approx(0.19)
    assert p["cloud_price"].central == pytest.approx(4.86)  # Google Cloud 3-year, 2025-03-17
    assert "Google Cloud" in p["cloud_price"].source
    assert p["inflation_factor"].central == pytest.approx(123.659 / 119.863)
    assert sc.dollars == "2025-06"
    assert isinstance(p["peak_flops"], Fixed)  # chips x time: peak FLOP/s is not used


def test_point_estimate_by_hand(tmp_path: Path) -> None:
    """docs/model.md §3.2-3.4 with the preset's point values, written out."""
    point = evaluate(load_scenario(_sc(tmp_path)))
    hours = 16384 * 2142
    value = 44489.88 * 10 ** (-0.14 * 432 / 365.25)
    hw = value * hours * 0.14 * np.log(10) / 8766
    energy = hours * 0.7 * 1.275 / 0.7 * 0.75 * 1.10 * 0.0771
    dollars = 123.659 / 119.863
    assert float(point["amortized_cost"]) == pytest.approx((hw / 0.81 + energy) * dollars)
    assert float(point["cloud_cost"]) == pytest.approx(4.86 * hours * dollars)
    assert float(point["acquisition_cost"]) == pytest.approx(16384 * 44489.88 / 0.81 * dollars)


def test_compute_route_gets_the_default_utilization_and_peak_uncertainty(tmp_path: Path) -> None:
    sc = load_scenario(_sc(tmp_path, parameters="chip_count = 20000\ntraining_compute = 3e25"))
    assert sc.priors["utilization"].central == 0.375
    assert isinstance(sc.priors["peak_flops"], LogNormal)
    assert sc.priors["peak_flops"].central == pytest.approx(989e12)
    point = evaluate(sc)
    assert float(point["chip_hours"]) == pytest.approx(3e25 / (989e12 * 0.375 * 3600))
    # the training time is unknown: 793.5 h for the start
    assert "793.5 h" in sc.priors["hardware_age"].source


def test_organization_hyperscaler_and_vendor(tmp_path: Path) -> None:
    xai = load_scenario(_sc(tmp_path, organization="xAI"))
    assert xai.priors["pue"].central == 1.25
    forced = load_scenario(_sc(tmp_path, organization="xAI", hardware="hyperscaler = true"))
    assert forced.priors["pue"].central == 1.10


def test_dollars_after_the_index_are_the_last_months(tmp_path: Path) -> None:
    sc = load_scenario(_sc(tmp_path, published="2025-09-10"))
    assert sc.priors["inflation_factor"].central == 1.0
    assert "read as 2025-06" in sc.priors["inflation_factor"].source
    assert sc.priors["electricity_price"].central == pytest.approx(0.0826)


def test_a_year_without_a_preset_electricity_price_runs_with_the_scenarios(
    tmp_path: Path,
) -> None:
    # 2026 is past the preset's table: the scenario's own price is what it needs
    sc = load_scenario(
        _sc(tmp_path, published="2026-02-01", parameters=TIME + "\nelectricity_price = 0.09")
    )
    assert sc.priors["electricity_price"].central == 0.09
    with pytest.raises(ScenarioError, match=r"not 2026; set electricity_price \(USD/kWh\)"):
        load_scenario(_sc(tmp_path, published="2026-02-01"))


def test_first_prices_are_server_level_and_estimates_keep_their_band(tmp_path: Path) -> None:
    def price(chip: str) -> tuple[float, float, float]:
        prior = load_scenario(_sc(tmp_path, chip=chip)).priors["bare_chip_price"]
        central = prior.central
        return central, float(prior.ppf(0.05)) / central, float(prior.ppf(0.95)) / central

    h100, h200 = price("h100-sxm5")[0], price("h200")[0]
    # H200's first record is a baseboard: at server level it is not below H100's DGX
    assert h200 >= h100 * 0.9
    # a recorded price has the paper's 0.5-2x; GB200's has no record: 0.25-4x stays
    assert price("h100-sxm5")[1:] == pytest.approx((0.5, 2.0), rel=1e-6)
    assert price("gb200")[1:] == pytest.approx((0.25, 4.0), rel=1e-6)


def test_scenario_values_replace_the_presets(tmp_path: Path) -> None:
    sc = load_scenario(_sc(tmp_path, parameters=TIME + "\nchip_price = 30000\npue = 1.2"))
    assert sc.priors["chip_price"].central == 30000 and "bare_chip_price" not in sc.priors
    assert sc.priors["pue"].central == 1.2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"published": "2026-02-01"}, "published: the epoch-2025 pipeline has electricity prices"),
        ({"hardware": "price_year = 2024"}, "hardware.price_year: the epoch-2025 pipeline prices"),
        ({"chip": "h100-pcie"}, "hardware.chip: h100-pcie has no purchase price"),
    ],
)
def test_mistakes_name_the_key(tmp_path: Path, kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ScenarioError, match=re.escape(message)) as err:
        load_scenario(_sc(tmp_path, **kwargs))
    assert re.match(r".*preset\.toml:\d+ ", str(err.value)), str(err.value)


def test_needs_a_publication_date(tmp_path: Path) -> None:
    path = tmp_path / "nodate.toml"
    path.write_text(
        '[scenario]\ntitle = "x"\npipeline = "epoch-2025"\n[hardware]\nchip = "h100-sxm5"\n'
        "[parameters]\nchip_count = 1\ntraining_hours = 1\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError, match=r"nodate.toml:\d+ scenario.published: the epoch"):
        load_scenario(path)


def test_monte_carlo_interval_is_table_5s(tmp_path: Path) -> None:
    """Amortized GPU cost: 90 % interval 0.34-3.7x the point (docs/model.md §6.3), loosely.

    40,000 draws put the 5th and 95th percentiles within ~2 % (MC error);
    the bounds below leave far more room (false-failure rate well below 1e-6).
    """
    path = _sc(
        tmp_path,
        parameters="chip_count = { prior = 'chip_count_multiplier', times = 16384 }\n"
        "training_hours = { prior = 'training_time_multiplier', times = 2142 }",
    )
    sc = load_scenario(path)
    point = float(evaluate(sc)["amortized_cost"])
    x = simulate(sc, draws=10_000, chains=4, seed=3)["posterior"]["amortized_cost"].values
    lo, hi = np.quantile(x, [0.05, 0.95]) / point
    assert 0.25 < lo < 0.5 and 2.5 < hi < 5.0


def test_cloud_rule_falls_back_to_the_family_and_converts(tmp_path: Path) -> None:
    """Epoch's rule (docs/scenarios.md): no AWS record of the V100S itself, so the V100
    family's (AWS V100 DGXS 16 GB, 3-year $1.23, 2018-06-08); Google Cloud's TPU v3
    record of 2018-10-11 has only on-demand $2.00: x (1 - 0.56) = $0.88. Epoch's cloud
    figures of Megatron-BERT and AlphaStar imply the same rates (notable_ai_models.csv)."""
    v100s = load_scenario(
        _sc(
            tmp_path,
            published="2019-09-17",
            organization="NVIDIA",
            chip="v100s-pcie-32gb",
            parameters="chip_count = 512\ntraining_hours = 374",
        )
    )
    assert v100s.priors["cloud_price"].central == pytest.approx(1.23)
    assert "Amazon Web Services NVIDIA Tesla V100 DGXS 16 GB" in v100s.priors["cloud_price"].source
    tpu = load_scenario(
        _sc(
            tmp_path,
            published="2019-10-30",
            organization="DeepMind",
            chip="tpu-v3",
            parameters="chip_count = 384\ntraining_hours = 1056",
        )
    )
    assert tpu.priors["cloud_price"].central == pytest.approx(0.88)
    assert "from the on-demand price" in tpu.priors["cloud_price"].source
