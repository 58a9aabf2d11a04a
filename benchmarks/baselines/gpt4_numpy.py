"""GPT-4's final training run (scenario ``gpt-4``) in plain numpy.

The same model and priors as ``frontiercost run gpt-4``: the paper's
amortized hardware + energy cost (Cottier et al. 2024, docs/model.md), with the
paper's Table 5 uncertainty around GPT-4's point inputs.  Every uncertain
input and every output is kept, as frontiercost keeps them.

Usage::

    python benchmarks/baselines/gpt4_numpy.py 4e6      # draws; prints quantiles
"""

from __future__ import annotations

import math
import sys

import numpy as np

# Priors: (mu, sigma) of log(x) for lognormals, of x for normals.
# The comment is the 90 % interval (frontiercost scenarios gpt-4).
DEPRECIATION_RATE = (0.14, 0.024318273276470757)  # normal, OOM/yr: 0.1 - 0.18
ELECTRICITY_PRICE = (-2.5083553158214644, 0.3165794991613825)  # USD/kWh: 0.0484 - 0.137
PUE = (0.22490046096410812, 0.06783082325926408)  # 1.12 - 1.4
SERVER_COST_FACTOR = (0.5021508045984343, 0.14577986527309247)  # 1.3 - 2.1
AVG_POWER_FRACTION = (-0.28990924762647097, 0.17625230772891387)  # 0.56 - 1
CHIP_COUNT = (10.126631103850338, 0.13566164651852874)  # 20k - 31.3k
TRAINING_HOURS = (7.731930721948487, 0.42140356394179934)  # 1.14k - 4.56k h
TRAINING_COMPUTE = (58.306564669580524, 0.6679088465180026)  # 7e24 - 6.3e25 FLOP
BARE_CHIP_PRICE = (9.614800959658341, 0.42140356394179934)  # USD 7.49k - 30k
INTERCONNECT_FACTOR = (0.17264519253604724, 0.06382728672144013)  # 1.07 - 1.32
HARDWARE_AGE = (1.7467488021902806, 0.19973941089503708)  # normal, yr: 1.42 - 2.08
# Fixed inputs.
INFLATION_FACTOR = 1.0107246573713975  # to 2023-12 USD: price index 2023-12 / 2023-03
CHIP_TDP = 400.0  # W
SERVER_POWER_FACTOR = 2.03125
CLOUD_PRICE = 1.36  # USD per chip-hour
HOURS_PER_YEAR = 8766.0

OUTPUTS = (
    "chip_hours",
    "chip_cost",
    "other_server_cost",
    "interconnect_cost",
    "energy_use",
    "energy_cost",
    "amortized_cost",
    "cloud_cost",
    "acquisition_cost",
    "usd_per_flop",
    "final_run_cost",
)


def simulate(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """``n`` draws of every uncertain input and every output."""
    v = {
        "depreciation_rate": rng.normal(*DEPRECIATION_RATE, n),
        "electricity_price": rng.lognormal(*ELECTRICITY_PRICE, n),
        "pue": rng.lognormal(*PUE, n),
        "server_cost_factor": rng.lognormal(*SERVER_COST_FACTOR, n),
        "avg_power_fraction": rng.lognormal(*AVG_POWER_FRACTION, n),
        "chip_count": rng.lognormal(*CHIP_COUNT, n),
        "training_hours": rng.lognormal(*TRAINING_HOURS, n),
        "training_compute": rng.lognormal(*TRAINING_COMPUTE, n),
        "bare_chip_price": rng.lognormal(*BARE_CHIP_PRICE, n),
        "interconnect_factor": rng.lognormal(*INTERCONNECT_FACTOR, n),
        "hardware_age": rng.normal(*HARDWARE_AGE, n),
    }
    rate = v["depreciation_rate"]
    chip_price = v["bare_chip_price"] * v["server_cost_factor"]
    interconnect_fraction = 1 - 1 / v["interconnect_factor"]
    chip_hours = v["chip_count"] * v["training_hours"]
    hardware_value = chip_price * 10 ** (-rate * v["hardware_age"])
    hardware_cost = hardware_value * chip_hours * rate * math.log(10) / HOURS_PER_YEAR

    v["chip_hours"] = chip_hours
    v["chip_cost"] = hardware_cost / v["server_cost_factor"] * INFLATION_FACTOR
    v["other_server_cost"] = (hardware_cost - hardware_cost / v["server_cost_factor"]) * (
        INFLATION_FACTOR
    )
    v["interconnect_cost"] = (
        hardware_cost * interconnect_fraction / (1 - interconnect_fraction) * INFLATION_FACTOR
    )
    v["energy_use"] = (
        chip_hours * CHIP_TDP / 1000 * SERVER_POWER_FACTOR * v["avg_power_fraction"] * v["pue"]
    )
    v["energy_cost"] = v["energy_use"] * v["electricity_price"] * INFLATION_FACTOR
    v["amortized_cost"] = (
        v["chip_cost"] + v["other_server_cost"] + v["interconnect_cost"] + v["energy_cost"]
    )
    v["cloud_cost"] = CLOUD_PRICE * chip_hours * INFLATION_FACTOR
    v["acquisition_cost"] = (
        v["chip_count"] * chip_price / (1 - interconnect_fraction) * INFLATION_FACTOR
    )
    v["usd_per_flop"] = v["amortized_cost"] / v["training_compute"]
    v["final_run_cost"] = v["amortized_cost"]
    return v


def main(argv: list[str]) -> None:
    """Sample, then print median, mean and 90 % interval of every output."""
    n = int(float(argv[0])) if argv else 4_000_000
    draws = simulate(n, np.random.default_rng(0))
    print(f"GPT-4: {n:,} draws")
    print(f"{'output':<18} {'median':>12} {'mean':>12} {'p5':>12} {'p95':>12}")
    for name in OUTPUTS:
        x = draws[name]
        p5, p50, p95 = np.quantile(x, [0.05, 0.5, 0.95])
        print(f"{name:<18} {p50:12.4g} {x.mean():12.4g} {p5:12.4g} {p95:12.4g}")


if __name__ == "__main__":
    main(sys.argv[1:])
