"""The ``epoch-2025`` preset: Epoch AI's current training-cost pipeline (docs/model.md §8).

Point values are the pipeline's (training-cost-trends ``cost_analysis_standalone.py``
as run for Epoch's notable-models database in 2025); the uncertainty around
them is the paper's Table 5 (``frontiercost/priors/library``), as in the
built-in frontier-model scenarios:

- purchase price: the server-level price of the chip's first price record,
  kept for every later run (H100: DGX H100 $44,489.88 per GPU, 2022-09-29),
  x the GPU (0.5-2x) or TPU (0.25-4x) price uncertainty; server cost factor
  (P100 1.54, V100 1.69, A100 1.66, others 1.64) with its 1.3-2.1 prior;
- hardware age: available from the later of that record's date and release
  + 90 days (TPUs at announcement), training start = publication - (training
  time + 60 days), 793.5 h when unknown, floored at 0 for GPUs; ±120 days;
- chip-hours: the scenario's route (quantity x time, else compute / (peak x
  utilization)); utilization 0.375 (median of known values) when the
  scenario gives none; peak FLOP/s x 0.5-2 on the compute route;
- energy: electricity price of the publication year (US industrial average;
  2024 0.0771, 2025 0.0826 $/kWh) x 0.6-1.7; PUE 1.10 for Google,
  DeepMind, Microsoft, Amazon, Meta, Facebook, else 1.25; average power GPU
  0.75, TPU 0.43 of TDP;
- interconnect 19 % of cluster cost (cluster / server factor 1/0.81 with its
  1.07-1.32 prior); depreciation 0.14 OOM/yr (0.10-0.18);
- cloud: the rule of :mod:`.cloud` over Epoch's price records (vendor by
  developer, 3-year committed use at the record closest to acquisition);
- dollars: June 2025, ``PCU518210518210(2025-06) / PCU(publication month)``;
  months after the index's last (2025-06) are read as 2025-06 (no adjustment
  beyond it), as the pipeline does.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ...errors import ScenarioError
from ...model.dates import training_start
from ..specs import build_prior
from .cloud import cloud_rate, records, vendor_of

if TYPE_CHECKING:
    from ...priors import Prior
    from ..chips import Chip
    from . import RunFacts

NAME = "epoch-2025"
WHERE = f"pipeline {NAME}"
CLOUD_RECORDS = "epoch_2025_cloud_prices.csv"

# US industrial electricity price by publication year, $/kWh (energy.py energy_price).
ELECTRICITY = {
    2010: 0.0677, 2011: 0.0682, 2012: 0.0667, 2013: 0.0689, 2014: 0.0710, 2015: 0.0691,
    2016: 0.0676, 2017: 0.0688, 2018: 0.0692, 2019: 0.0681, 2020: 0.0667, 2021: 0.0718,
    2022: 0.0832, 2023: 0.0806, 2024: 0.0771, 2025: 0.0826,
}  # fmt: skip
ELECTRICITY_SOURCE = (
    "US industrial average electricity price of the publication year (EIA), as Epoch's"
    " pipeline (energy.py; docs/model.md §8)"
)
HYPERSCALERS = ("google", "deepmind", "microsoft", "amazon", "meta", "facebook")
UTILIZATION = 0.375  # median of 33 known values (parameters.py)
INTERCONNECT_FRACTION = 0.19
# Cloud vendor by developer; AWS otherwise (cost.py, prices.py).
CLOUD_VENDORS = {
    "google": "Google Cloud",
    "deepmind": "Google Cloud",
    "microsoft": "Microsoft Azure",
    "openai": "Microsoft Azure",
}
PRIORITY_VENDORS = ("Amazon Web Services", "Microsoft Azure", "Google Cloud")
# Default committed-use discounts, fraction off on-demand (prices.py; cud_estimate.ipynb).
DISCOUNTS = {
    "Amazon Web Services": {"on_demand": 0.0, "cud_1yr": 0.41, "cud_3yr": 0.64},
    "Google Cloud": {"on_demand": 0.0, "cud_1yr": 0.37, "cud_3yr": 0.56},
    "Microsoft Azure": {"on_demand": 0.0, "cud_1yr": 0.25, "cud_3yr": 0.49},
    "Lambda Labs": {"on_demand": 0.0, "cud_1yr": 0.34, "cud_3yr": 0.56},
}
# The pipeline's soft matching of names (SIMPLIFIED_HARDWARE_NAMES), by chip library key.
CLOUD_FAMILIES = {
    "v100-dgxs-16gb": "v100",
    "v100-dgxs-32gb": "v100",
    "v100s-pcie-32gb": "v100",
    "a100-sxm4-40gb": "a100",
    "a100-sxm4-80gb": "a100",
    "h100-pcie": "h100",
    "h100-sxm5": "h100",
}
PROCUREMENT_DAYS = 60  # cloud capacity is bought this long before training starts


def _prior(key: str, spec: dict[str, Any], unit: str) -> Prior:
    return build_prior(WHERE, key, spec, unit)


def hyperscaler(organization: str) -> bool:
    """The pipeline's PUE rule: does the developer run hyperscale data centres?"""
    org = organization.lower()
    return any(h in org for h in HYPERSCALERS)


class Epoch2025:
    """The preset (module docstring)."""

    name = NAME
    summary = "Epoch AI's 2025 training-cost pipeline (docs/model.md §8), Table 5 uncertainty"
    dollars = "2025-06"
    beyond_last = "latest"

    def needs(self, facts: RunFacts) -> None:
        """A publication date (or a training start) and, for energy, its year's price."""
        if facts.published is None and facts.training_start is None:
            raise ScenarioError(
                f"scenario.published: the {NAME} pipeline dates the hardware and the dollars"
                " from the publication date; give it (e.g. published = 2024-07-23)"
            )
        if facts.published is None:
            raise ScenarioError(
                f"scenario.published: the {NAME} pipeline converts dollars from the"
                " publication month; give it"
            )

    def run_priors(self, facts: RunFacts) -> dict[str, Prior]:
        """Depreciation, interconnect, PUE, electricity and the default utilization."""
        out: dict[str, Prior] = {
            "depreciation_rate": _prior(
                "depreciation_rate", {"prior": "depreciation_rate", "central": 0.14}, "OOM/yr"
            ),
            "interconnect_factor": _prior(
                "interconnect_factor",
                {
                    "prior": "cluster_interconnect_factor",
                    "central": 1 / (1 - INTERCONNECT_FRACTION),
                },
                "1",
            ),
            "utilization": _prior(
                "utilization", {"prior": "utilization_final_run", "central": UTILIZATION}, "1"
            ),
        }
        big = (
            facts.hyperscaler if facts.hyperscaler is not None else hyperscaler(facts.organization)
        )
        why = (
            "hardware.hyperscaler"
            if facts.hyperscaler is not None
            else f"organization {facts.organization!r}"
            + (" is a hyperscaler" if big else " is not a hyperscaler")
        )
        out["pue"] = _prior(
            "pue",
            {
                "prior": "pue_hyperscaler" if big else "pue_non_hyperscaler",
                "central": 1.10 if big else 1.25,
                "source": f"{NAME}: PUE 1.10 for {', '.join(HYPERSCALERS)}, else 1.25 ({why});"
                " Table 5 prior",
            },
            "1",
        )
        if "electricity_price" in facts.given:
            return out  # the scenario's own price: the preset's table is not needed
        assert facts.published is not None  # needs() checked it
        year = facts.published.year
        if year not in ELECTRICITY:
            latest = ELECTRICITY[max(ELECTRICITY)]
            raise ScenarioError(
                f"scenario.published: the {NAME} pipeline has electricity prices for"
                f" publication years {min(ELECTRICITY)}-{max(ELECTRICITY)}, not {year}; set"
                " electricity_price (USD/kWh) in [parameters], e.g. electricity_price ="
                f' {{ prior = "electricity_price_multiplier", times = {latest} }}'
            )
        out["electricity_price"] = _prior(
            "electricity_price",
            {
                "prior": "electricity_price_multiplier",
                "times": ELECTRICITY[year],
                "source": f"{ELECTRICITY_SOURCE}: {year} {ELECTRICITY[year]} $/kWh; x 0.6-1.7"
                " (Table 5)",
            },
            "USD/kWh",
        )
        return out

    def chip_priors(
        self, chip: Chip, facts: RunFacts, *, explicit_price: bool
    ) -> dict[str, Prior]:
        """Purchase price, server cost factor, power draw, peak FLOP/s and cloud rate."""
        out: dict[str, Prior] = {
            "server_cost_factor": _prior(
                "server_cost_factor",
                {"prior": "server_cost_factor", "central": chip.server_cost_factor},
                "1",
            ),
            "avg_power_fraction": _prior(
                "avg_power_fraction",
                {
                    "prior": f"avg_power_fraction_{chip.kind}",
                    "central": chip.avg_power_fraction,
                },
                "1",
            ),
        }
        if not explicit_price:
            first = chip.first_price()
            if first is None:
                raise ScenarioError(
                    f"hardware.chip: {chip.key} has no purchase price in the chip library;"
                    " set chip_price in [parameters]"
                )
            year, price, source, (lo, hi) = first
            multiplier = "tpu_price_multiplier" if chip.kind == "tpu" else "gpu_price_multiplier"
            spec: dict[str, Any] = {"prior": multiplier, "times": price / chip.server_cost_factor}
            width = "x the paper's price uncertainty"
            if source.split(": ", 1)[1].startswith("estimate:") and hi / lo > 4 * (1 + 1e-9):
                # an estimate (no price record) keeps its own wider band: the paper's
                # 0.5-2x is the spread of recorded prices, which an estimate is not
                spec = {"family": "lognormal", "relative": True, "central": spec["times"],
                        "p5": lo, "p95": hi}  # fmt: skip
                width = f"x {lo:.2g}-{hi:.2g}, the chip library's estimate band"
            out["bare_chip_price"] = _prior(
                "bare_chip_price",
                {
                    **spec,
                    "source": f"{NAME}: first price record ({year}) {price:,.2f} USD per chip at"
                    f" server level / server cost factor {chip.server_cost_factor} {width};"
                    f" {source}",
                },
                "USD",
            )
        if facts.flop_route:
            peak = chip.peak_flops[chip.precision]
            out["peak_flops"] = _prior(
                "peak_flops",
                {
                    "prior": "peak_flops_multiplier",
                    "times": peak,
                    "source": f"chip library [{chip.key}] {chip.precision} {peak:g} FLOP/s x"
                    " 0.5-2 (Table 5, runs with chip-hours from compute)",
                },
                "FLOP/s",
            )
        rate = self.cloud(chip, facts)
        if rate is not None:
            out["cloud_price"] = _prior(
                "cloud_price",
                {"family": "fixed", "value": rate.price, "source": f"{NAME}: {rate.describe()}"},
                "USD/h",
            )
        return out

    def cloud(self, chip: Chip, facts: RunFacts) -> Any:
        """The cloud rate of the chip for this run (``None`` when no record gives one)."""
        if facts.training_start is not None:
            start = dt.datetime.combine(facts.training_start, dt.time())
        else:
            assert facts.published is not None
            start = training_start(facts.published, facts.training_hours)
        acquired = (start - dt.timedelta(days=PROCUREMENT_DAYS)).date()
        vendor = vendor_of(facts.organization, CLOUD_VENDORS, "Amazon Web Services")
        return cloud_rate(
            records(CLOUD_RECORDS),
            chip.key,
            chip.kind,
            vendor,
            acquired,
            family=CLOUD_FAMILIES.get(chip.key, ""),
            priority=PRIORITY_VENDORS,
            discounts=DISCOUNTS,
        )


EPOCH_2025 = Epoch2025()

__all__ = ["ELECTRICITY", "EPOCH_2025", "Epoch2025", "hyperscaler"]
