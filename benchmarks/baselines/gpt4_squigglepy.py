"""GPT-4's final training run (scenario ``gpt-4``) in squigglepy.

The priors are squigglepy distributions with the parameters of
``gpt4_numpy.py`` (the scenario's).  squigglepy samples every occurrence of a
distribution in an expression independently, so a model whose outputs share
inputs samples each input once (``sq.sample``) and does the arithmetic on the
arrays, as squigglepy's users write such models.

Usage::

    python benchmarks/baselines/gpt4_squigglepy.py 4e6
"""

from __future__ import annotations

import math
import sys

import numpy as np
import squigglepy as sq
from gpt4_numpy import (
    AVG_POWER_FRACTION,
    BARE_CHIP_PRICE,
    CHIP_COUNT,
    CHIP_TDP,
    CLOUD_PRICE,
    DEPRECIATION_RATE,
    ELECTRICITY_PRICE,
    HARDWARE_AGE,
    HOURS_PER_YEAR,
    INFLATION_FACTOR,
    INTERCONNECT_FACTOR,
    OUTPUTS,
    PUE,
    SERVER_COST_FACTOR,
    SERVER_POWER_FACTOR,
    TRAINING_COMPUTE,
    TRAINING_HOURS,
)


def lognorm(mu_sigma: tuple[float, float]) -> sq.LognormalDistribution:
    return sq.lognorm(norm_mean=mu_sigma[0], norm_sd=mu_sigma[1])


PRIORS = {
    "depreciation_rate": sq.norm(mean=DEPRECIATION_RATE[0], sd=DEPRECIATION_RATE[1]),
    "electricity_price": lognorm(ELECTRICITY_PRICE),
    "pue": lognorm(PUE),
    "server_cost_factor": lognorm(SERVER_COST_FACTOR),
    "avg_power_fraction": lognorm(AVG_POWER_FRACTION),
    "chip_count": lognorm(CHIP_COUNT),
    "training_hours": lognorm(TRAINING_HOURS),
    "training_compute": lognorm(TRAINING_COMPUTE),
    "bare_chip_price": lognorm(BARE_CHIP_PRICE),
    "interconnect_factor": lognorm(INTERCONNECT_FACTOR),
    "hardware_age": sq.norm(mean=HARDWARE_AGE[0], sd=HARDWARE_AGE[1]),
}


def simulate(n: int, seed: int | None = None) -> dict[str, np.ndarray]:
    """``n`` draws of every uncertain input and every output."""
    if seed is not None:
        sq.set_seed(seed)
    v = {name: sq.sample(dist, n=n, verbose=False) for name, dist in PRIORS.items()}
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
    """Sample, then print squigglepy's percentiles of every output."""
    n = int(float(argv[0])) if argv else 4_000_000
    draws = simulate(n, seed=0)
    print(f"GPT-4 (squigglepy): {n:,} draws")
    for name in OUTPUTS:
        print(name, sq.get_percentiles(draws[name], percentiles=[5, 50, 95], digits=4))


if __name__ == "__main__":
    main(sys.argv[1:])
