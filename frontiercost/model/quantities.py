"""The quantities of the cost model (docs/model.md §2–3): units, names and formulas.

Every quantity has a unit and one or more ways to compute it (``Quantity.ways``,
in order of preference).  A scenario supplies priors for some quantities; a
quantity is *available* if it has a prior or one of its ways reads only
available quantities.  So the route to chip-hours (recorded, chips x time, or
compute / (peak x utilization)) and which outputs exist follow from what the
scenario gives: a scenario produces exactly the variables its inputs support.

Money is nominal USD of the hardware's year until the final ``* inflation_factor``
(all reported costs are 2023 USD, as in the paper).
"""

from __future__ import annotations

from dataclasses import dataclass

LN10 = "2.302585092994046"
HOURS_PER_YEAR = "8766"


@dataclass(frozen=True)
class Quantity:
    """A named quantity: unit, readable name, and the formulas that compute it.

    ``output`` is False for parameters and intermediates that are not
    reported as results by default (they are still in ``evaluate``).
    """

    name: str
    units: str
    long_name: str
    ways: tuple[str, ...] = ()
    output: bool = True


def _q(name: str, units: str, long_name: str, *ways: str, output: bool = True) -> Quantity:
    return Quantity(name, units, long_name, tuple(ways), output)


def _p(name: str, units: str, long_name: str) -> Quantity:
    return Quantity(name, units, long_name, (), False)


PARAMETERS: tuple[Quantity, ...] = (
    _p("training_compute", "FLOP", "training compute of the final run"),
    _p("peak_flops", "FLOP/s", "peak throughput per chip"),
    _p("utilization", "1", "model FLOP utilization of the final run"),
    _p("chip_count", "1", "chips in the training cluster"),
    _p("training_hours", "h", "wall-clock training time"),
    _p("chip_price", "USD", "acquisition cost per chip at server level"),
    _p("bare_chip_price", "USD", "price of the bare chip (before server costs)"),
    _p("server_cost_factor", "1", "server-level cost / chip cost"),
    _p("interconnect_fraction", "1", "share of cluster cost spent on the network"),
    _p("interconnect_factor", "1", "cluster cost / server cost"),
    _p("depreciation_rate", "OOM/yr", "hardware value loss rate"),
    _p("hardware_age", "yr", "time from hardware availability to training start"),
    _p("cloud_price", "USD/h", "cloud rental price per chip-hour"),
    _p("chip_tdp", "W", "chip thermal design power"),
    _p("server_power_factor", "1", "server power per chip / chip TDP"),
    _p("avg_power_fraction", "1", "average power draw / rated power"),
    _p("pue", "1", "data-centre power usage effectiveness"),
    _p("electricity_price", "USD/kWh", "electricity price"),
    _p("inflation_factor", "1", "nominal USD to the dollars of the outputs"),
    _p("final_run_share", "1", "final run's share of R&D compute dollars"),
    _p("experiment_factor", "1", "R&D compute / final-run compute (older view)"),
    _p("rd_utilization", "1", "utilization of the non-final R&D workloads"),
    _p("inference_cost", "USD", "inference compute spending"),
    _p("project_years", "yr", "project duration"),
    _p("compute_growth", "1/yr", "growth of frontier training compute per year"),
    _p("price_performance_growth", "1/yr", "growth of FLOP/s per dollar per year"),
    _p("lag_years", "yr", "years between the leader's and the follower's run"),
    _p("follower_final_share", "1", "follower's final-run share of its R&D compute"),
    _p("years_ahead", "yr", "target year minus the scenario's reference year"),
    _p("staff_cost", "USD", "staff cost"),
)


@dataclass(frozen=True)
class Domain:
    """Where a quantity's values may lie: ``lower`` .. ``upper``, each end open or closed.

    ``tolerance`` is the prior mass accepted outside it: 1e-6 (one draw in a
    million: far normal tails) where a value outside makes no sense (a
    negative price, a fraction above 1), 0.5 % for the cost ratios whose
    published lognormal priors reach below 1 (Cottier et al. 2024 Table 5:
    the cluster/server factor 0.35 %, the server cost factor 0.03 %).
    """

    lower: float
    upper: float
    lower_open: bool = True
    upper_open: bool = False
    what: str = ""
    tolerance: float = 1e-6

    def contains(self, x: float) -> bool:
        """Whether ``x`` lies in the domain."""
        above = x > self.lower if self.lower_open else x >= self.lower
        below = x < self.upper if self.upper_open else x <= self.upper
        return bool(above and below)

    def __str__(self) -> str:
        left = "(" if self.lower_open else "["
        right = ")" if self.upper_open or self.upper == float("inf") else "]"
        hi = "inf" if self.upper == float("inf") else f"{self.upper:g}"
        text = f"{left}{self.lower:g}, {hi}{right}"
        return f"{text}: {self.what}" if self.what else text


_INF = float("inf")
POSITIVE = Domain(0.0, _INF, True, True, "positive")
NON_NEGATIVE = Domain(0.0, _INF, False, True, "zero or more")
FRACTION = Domain(0.0, 1.0, True, False, "a fraction")
AT_LEAST_ONE = Domain(1.0, _INF, False, True, "a ratio of at least 1", tolerance=5e-3)

# Every model parameter's domain (and that of the derived quantities a scenario may
# give directly).  A prior is checked against it at load time: its central value
# must lie inside, and its mass outside must be below MAX_OUTSIDE (scenarios).
DOMAINS: dict[str, Domain] = {
    **dict.fromkeys(
        ("utilization", "rd_utilization", "final_run_share", "follower_final_share"), FRACTION
    ),
    "interconnect_fraction": Domain(0.0, 1.0, False, True, "a fraction below 1"),
    **dict.fromkeys(
        (
            "training_compute",
            "peak_flops",
            "training_hours",
            "chip_hours",
            "chip_price",
            "bare_chip_price",
            "cloud_price",
            "chip_tdp",
            "electricity_price",
            "inflation_factor",
            "project_years",
            "growth_rate",
            "compute_growth",
            "price_performance_growth",
            "final_run_cost",
            "rd_compute_cost",
            "usd_per_flop",
        ),
        POSITIVE,
    ),
    # an effective count: the paper's multiplier prior (Cottier et al. 2024 A.6) on a
    # reported count of one chip puts half its draws below 1; the formulas hold for any positive
    "chip_count": POSITIVE,
    **dict.fromkeys(
        ("server_cost_factor", "interconnect_factor", "pue", "server_power_factor"),
        AT_LEAST_ONE,
    ),
    # R&D compute over the final run: at least 1 in fact, but the paper's prior
    # (1.2-4x, Cottier et al. 2024 A.6) has 1.6 % below 1; the formulas hold for any positive
    "experiment_factor": POSITIVE,
    "avg_power_fraction": Domain(0.0, 2.0, True, False, "average over rated power, up to 2"),
    "depreciation_rate": Domain(0.0, 5.0, False, False, "OOM per year, 0 to 5"),
    # the paper's ±120-day prior around small ages reaches below 0 by design
    "hardware_age": Domain(-2.0, 50.0, False, False, "years from availability to start"),
    **dict.fromkeys(("inference_cost", "staff_cost", "lag_years"), NON_NEGATIVE),
}

DERIVED: tuple[Quantity, ...] = (
    _q(
        "chip_price",
        "USD",
        "acquisition cost per chip at server level",
        "bare_chip_price * server_cost_factor",
        output=False,
    ),
    _q(
        "interconnect_fraction",
        "1",
        "share of cluster cost spent on the network",
        "1 - 1 / interconnect_factor",
        output=False,
    ),
    _q(
        "chip_hours",
        "h",
        "chip-hours of the final run",
        "chip_count * training_hours",
        "training_compute / (peak_flops * utilization * 3600)",
    ),
    _q(
        "hardware_value",
        "USD",
        "value per chip at training start",
        "chip_price * 10 ** (-depreciation_rate * hardware_age)",
        output=False,
    ),
    _q(
        "hardware_cost",
        "USD",
        "amortized server cost (nominal)",
        f"hardware_value * chip_hours * depreciation_rate * {LN10} / {HOURS_PER_YEAR}",
        output=False,
    ),
    _q(
        "chip_cost",
        "USD",
        "amortized cost of the AI chips",
        "hardware_cost / server_cost_factor * inflation_factor",
    ),
    _q(
        "other_server_cost",
        "USD",
        "amortized cost of other server components",
        "(hardware_cost - hardware_cost / server_cost_factor) * inflation_factor",
    ),
    _q(
        "interconnect_cost",
        "USD",
        "amortized cost of the cluster interconnect",
        "hardware_cost * interconnect_fraction / (1 - interconnect_fraction) * inflation_factor",
    ),
    _q(
        "energy_use",
        "kWh",
        "energy used by the final run",
        "chip_hours * chip_tdp / 1000 * server_power_factor * avg_power_fraction * pue",
    ),
    _q(
        "energy_cost",
        "USD",
        "cost of the energy used by the final run",
        "energy_use * electricity_price * inflation_factor",
    ),
    _q(
        "amortized_cost",
        "USD",
        "final-run cost: amortized hardware + energy",
        "chip_cost + other_server_cost + interconnect_cost + energy_cost",
    ),
    _q(
        "cloud_cost",
        "USD",
        "final-run cost at cloud rental prices",
        "cloud_price * chip_hours * inflation_factor",
    ),
    _q(
        "acquisition_cost",
        "USD",
        "up-front cost of acquiring the training cluster",
        "chip_count * chip_price / (1 - interconnect_fraction) * inflation_factor",
    ),
    _q(
        "usd_per_flop",
        "USD/FLOP",
        "dollars per FLOP of the final run",
        "amortized_cost / (chip_hours * peak_flops * utilization * 3600)",
        "amortized_cost / training_compute",
        "cloud_cost / (chip_hours * peak_flops * utilization * 3600)",
        "cloud_cost / training_compute",
    ),
    _q(
        "final_run_cost",
        "USD",
        "final-run cost on the scenario's basis",
        "amortized_cost",
        "cloud_cost",
        "training_compute * usd_per_flop",
        "rd_compute_cost * final_run_share",
    ),
    _q(
        "rd_compute_cost",
        "USD",
        "R&D compute spending (final run, experiments, research)",
        "final_run_cost / final_run_share",
        "final_run_cost * experiment_factor",
    ),
    _q(
        "final_run_share",
        "1",
        "final run's share of R&D compute dollars",
        "final_run_cost / rd_compute_cost",
    ),
    _q(
        "final_run_flop_share",
        "1",
        "final run's share of R&D FLOP",
        "final_run_share * utilization / (final_run_share * utilization"
        " + (1 - final_run_share) * rd_utilization)",
    ),
    _q("development_cost", "USD", "R&D compute plus staff", "rd_compute_cost + staff_cost"),
    _q(
        "staff_share",
        "1",
        "staff share of the development cost",
        "staff_cost / development_cost",
    ),
    _q(
        "total_compute_cost",
        "USD",
        "lab compute spending: R&D plus inference",
        "rd_compute_cost + inference_cost",
    ),
    _q(
        "growth_rate",
        "1/yr",
        "growth of frontier run cost per year",
        "compute_growth / price_performance_growth",
    ),
    _q(
        "projected_cost",
        "USD",
        "projected final-run cost in the target year",
        "final_run_cost * growth_rate ** years_ahead",
    ),
    _q(
        "follower_final_cost",
        "USD",
        "follower's cost of the same final run, lag_years later",
        "final_run_cost * price_performance_growth ** (-lag_years)",
    ),
    _q(
        "follower_rd_cost",
        "USD",
        "follower's R&D compute to replicate the model",
        "follower_final_cost / follower_final_share",
    ),
    _q(
        "replication_ratio",
        "1",
        "follower's R&D compute / leader's R&D compute",
        "follower_rd_cost / rd_compute_cost",
    ),
)

# Derived quantities a scenario may also give directly (a prior) or compute with
# its own formula (e.g. R&D compute from a filing): the model's top-level
# inputs of the R&D, growth and FLOP-to-dollar views.
SETTABLE = frozenset(
    {
        "chip_hours",
        "chip_price",
        "interconnect_fraction",
        "usd_per_flop",
        "final_run_cost",
        "rd_compute_cost",
        "final_run_share",
        "staff_cost",
        "growth_rate",
    }
)

QUANTITIES: dict[str, Quantity] = {}
for _quantity in PARAMETERS + DERIVED:
    # a derived quantity may share a parameter's name (final_run_share): keep its ways
    _old = QUANTITIES.get(_quantity.name)
    QUANTITIES[_quantity.name] = (
        _quantity
        if _old is None
        else Quantity(_quantity.name, _old.units, _old.long_name, _quantity.ways, _quantity.output)
    )

# Totals that are sums of named parts (docs/model.md §3.2 and §3.6), in the order
# a default is picked: the first whose total and parts a run has.
SPLITS: dict[str, tuple[str, ...]] = {
    "amortized_cost": ("chip_cost", "other_server_cost", "interconnect_cost", "energy_cost"),
    "development_cost": ("rd_compute_cost", "staff_cost"),
    "total_compute_cost": ("rd_compute_cost", "inference_cost"),
}
SHARE_SUFFIX = "__share"


def share_outputs(outputs: tuple[str, ...] | list[str]) -> dict[str, Quantity]:
    """Per-draw shares of the first split whose total and parts are all in ``outputs``.

    ``{part}__share = part / total``: a streaming run that carries them gives
    the split's median and interval without storing draws.
    """
    have = set(outputs)
    for total, parts in SPLITS.items():
        if {total, *parts} <= have:
            return {
                f"{p}{SHARE_SUFFIX}": Quantity(
                    f"{p}{SHARE_SUFFIX}", "1", f"share of {total}: {p}", (f"{p} / {total}",)
                )
                for p in parts
            }
    return {}
