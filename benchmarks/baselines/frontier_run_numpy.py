"""The largest frontier final run, 2025-2030 (scenario ``frontier-run-2025-2030``) in numpy.

GPT-4's amortized cost (2023) with the paper's per-model uncertainty, grown
at the paper's 2.4x per year (90 % CI 2.0-2.9): the projected cost of the
largest run each year and the year it passes $1 B, 2023 USD.

Usage::

    python benchmarks/baselines/frontier_run_numpy.py 4e6
"""

from __future__ import annotations

import sys

import numpy as np

# (mu, sigma) of log(x); the comment is the 90 % interval.
FINAL_RUN_COST = (17.633710099971758, 0.7256397900421011)  # USD, 40.59 M x (0.34 - 3.7)
GROWTH_RATE = (0.8789289587761868, 0.11294730131128108)  # per year, 2.0 - 2.9
BASE_YEAR = 2023.2
YEARS = (2025, 2026, 2027, 2028, 2029, 2030)

OUTPUTS = (
    "final_run_cost",
    "growth_rate",
    "billion_dollar_year",
    *(f"projected_cost_{y}" for y in YEARS),
)


def simulate(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """``n`` draws of the inputs and every output."""
    cost = rng.lognormal(*FINAL_RUN_COST, n)
    growth = rng.lognormal(*GROWTH_RATE, n)
    v = {"final_run_cost": cost, "growth_rate": growth}
    v["billion_dollar_year"] = BASE_YEAR + np.log(1e9 / cost) / np.log(growth)
    for y in YEARS:
        v[f"projected_cost_{y}"] = cost * growth ** (y - BASE_YEAR)
    return v


def main(argv: list[str]) -> None:
    """Sample, then print median, mean and 90 % interval of every output."""
    n = int(float(argv[0])) if argv else 4_000_000
    draws = simulate(n, np.random.default_rng(0))
    print(f"Largest frontier final run, 2025-2030: {n:,} draws")
    for name in OUTPUTS:
        x = draws[name]
        p5, p50, p95 = np.quantile(x, [0.05, 0.5, 0.95])
        print(f"{name:<22} {p50:12.4g} {x.mean():12.4g} {p5:12.4g} {p95:12.4g}")


if __name__ == "__main__":
    main(sys.argv[1:])
