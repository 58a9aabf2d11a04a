"""The largest frontier final run, 2025-2030 (``frontier-run-2025-2030``) in squigglepy.

Usage::

    python benchmarks/baselines/frontier_run_squigglepy.py 4e6
"""

from __future__ import annotations

import sys

import numpy as np
import squigglepy as sq
from frontier_run_numpy import BASE_YEAR, FINAL_RUN_COST, GROWTH_RATE, OUTPUTS, YEARS

FINAL_RUN = sq.lognorm(norm_mean=FINAL_RUN_COST[0], norm_sd=FINAL_RUN_COST[1])
GROWTH = sq.lognorm(norm_mean=GROWTH_RATE[0], norm_sd=GROWTH_RATE[1])


def simulate(n: int, seed: int | None = None) -> dict[str, np.ndarray]:
    """``n`` draws of the inputs and every output."""
    if seed is not None:
        sq.set_seed(seed)
    cost = sq.sample(FINAL_RUN, n=n, verbose=False)
    growth = sq.sample(GROWTH, n=n, verbose=False)
    v = {"final_run_cost": cost, "growth_rate": growth}
    v["billion_dollar_year"] = BASE_YEAR + np.log(1e9 / cost) / np.log(growth)
    for y in YEARS:
        v[f"projected_cost_{y}"] = cost * growth ** (y - BASE_YEAR)
    return v


def main(argv: list[str]) -> None:
    """Sample, then print squigglepy's percentiles of every output."""
    n = int(float(argv[0])) if argv else 4_000_000
    draws = simulate(n, seed=0)
    for name in OUTPUTS:
        print(name, sq.get_percentiles(draws[name], percentiles=[5, 50, 95], digits=4))


if __name__ == "__main__":
    main(sys.argv[1:])
