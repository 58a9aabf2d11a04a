"""OpenAI's 2024 compute spending as a lab-year (scenario ``openai-2024-lab-year``) in numpy.

R&D compute, the final runs of the released models (Hopper chip-hours at
contract prices), inference, and the final runs' share of R&D compute in
dollars and in FLOP; nominal 2024 USD.  Same priors as the scenario.

Usage::

    python benchmarks/baselines/openai_2024_numpy.py 4e6
"""

from __future__ import annotations

import sys

import numpy as np
from scipy import stats

# (mu, sigma) of log(x); the comment is the 90 % interval.
CHIP_HOURS = (19.38110318718643, 0.6679088465180026)  # Hopper-hours, 2.6e8 x (1/3 - 3)
CLOUD_PRICE = (0.6081976621622467, 0.12325264128810128)  # USD/h, 1.50 - 2.25
RD_COMPUTE_COST = (22.39557935203329, 0.1022802975012496)  # USD 4.5e9 - 6.3e9
INFERENCE_COST = (21.304841241849253, 0.06783082325926491)  # USD 1.6e9 - 2.0e9
# Final-run MFU: normal(mu, sigma) truncated to [0.01, 0.99] (p5 0.1, p95 0.65).
UTILIZATION = (0.356398890302803, 0.17733485693963627, 0.01, 0.99)
# Utilization of other R&D workloads: beta(a, b), central 0.21.
RD_UTILIZATION = (4.217729912314697, 14.287006254342689)
INFLATION_FACTOR = 1.0

OUTPUTS = (
    "final_run_cost",
    "rd_compute_cost",
    "non_final_rd_cost",
    "final_run_share",
    "final_run_flop_share",
    "inference_cost",
    "total_compute_cost",
    "rd_share_of_compute",
)


def truncated_normal(mu, sigma, lo, hi, n, rng):
    a, b = (lo - mu) / sigma, (hi - mu) / sigma
    return stats.truncnorm.rvs(a, b, loc=mu, scale=sigma, size=n, random_state=rng)


def simulate(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """``n`` draws of every uncertain input and every output."""
    v = {
        "chip_hours": rng.lognormal(*CHIP_HOURS, n),
        "cloud_price": rng.lognormal(*CLOUD_PRICE, n),
        "rd_compute_cost": rng.lognormal(*RD_COMPUTE_COST, n),
        "inference_cost": rng.lognormal(*INFERENCE_COST, n),
        "utilization": truncated_normal(*UTILIZATION, n, rng),
        "rd_utilization": rng.beta(*RD_UTILIZATION, n),
    }
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
    """Sample, then print median, mean and 90 % interval of every output."""
    n = int(float(argv[0])) if argv else 4_000_000
    draws = simulate(n, np.random.default_rng(0))
    print(f"OpenAI 2024 lab-year: {n:,} draws")
    for name in OUTPUTS:
        x = draws[name]
        p5, p50, p95 = np.quantile(x, [0.05, 0.5, 0.95])
        print(f"{name:<22} {p50:12.4g} {x.mean():12.4g} {p5:12.4g} {p95:12.4g}")


if __name__ == "__main__":
    main(sys.argv[1:])
