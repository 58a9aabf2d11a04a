"""OpenAI's 2024 compute spending as a lab-year (``openai-2024-lab-year``) in squigglepy.

squigglepy has no truncated normal (``lclip``/``rclip`` clamp, which would put
point masses at the bounds), so the final-run utilization is drawn by inverse
CDF from a squigglepy uniform, which is the same prior.

Usage::

    python benchmarks/baselines/openai_2024_squigglepy.py 4e6
"""

from __future__ import annotations

import sys

import numpy as np
import squigglepy as sq
from openai_2024_numpy import (
    CHIP_HOURS,
    CLOUD_PRICE,
    INFERENCE_COST,
    INFLATION_FACTOR,
    OUTPUTS,
    RD_COMPUTE_COST,
    RD_UTILIZATION,
    UTILIZATION,
)
from scipy import stats

MU, SIGMA, LO, HI = UTILIZATION
PRIORS = {
    "chip_hours": sq.lognorm(norm_mean=CHIP_HOURS[0], norm_sd=CHIP_HOURS[1]),
    "cloud_price": sq.lognorm(norm_mean=CLOUD_PRICE[0], norm_sd=CLOUD_PRICE[1]),
    "rd_compute_cost": sq.lognorm(norm_mean=RD_COMPUTE_COST[0], norm_sd=RD_COMPUTE_COST[1]),
    "inference_cost": sq.lognorm(norm_mean=INFERENCE_COST[0], norm_sd=INFERENCE_COST[1]),
    # uniform on (Phi(a), Phi(b)), mapped through the normal quantile below
    "utilization": sq.uniform(
        stats.norm.cdf((LO - MU) / SIGMA), stats.norm.cdf((HI - MU) / SIGMA)
    ),
    "rd_utilization": sq.beta(*RD_UTILIZATION),
}


def simulate(n: int, seed: int | None = None) -> dict[str, np.ndarray]:
    """``n`` draws of every uncertain input and every output."""
    if seed is not None:
        sq.set_seed(seed)
    v = {name: sq.sample(dist, n=n, verbose=False) for name, dist in PRIORS.items()}
    v["utilization"] = MU + SIGMA * stats.norm.ppf(v["utilization"])
    final_run_cost = v["cloud_price"] * v["chip_hours"] * INFLATION_FACTOR
    share = final_run_cost / v["rd_compute_cost"]
    flop = share * v["utilization"]
    v["final_run_cost"] = final_run_cost
    v["final_run_share"] = share
    v["final_run_flop_share"] = flop / (flop + (1 - share) * v["rd_utilization"])
    v["non_final_rd_cost"] = v["rd_compute_cost"] - final_run_cost
    v["total_compute_cost"] = v["rd_compute_cost"] + v["inference_cost"]
    v["rd_share_of_compute"] = v["rd_compute_cost"] / v["total_compute_cost"]
    return v


def main(argv: list[str]) -> None:
    """Sample, then print squigglepy's percentiles of every output."""
    n = int(float(argv[0])) if argv else 4_000_000
    draws = simulate(n, seed=0)
    for name in OUTPUTS:
        print(name, sq.get_percentiles(draws[name], percentiles=[5, 50, 95], digits=4))


if __name__ == "__main__":
    main(sys.argv[1:])
