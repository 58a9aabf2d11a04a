"""Mixed fleets: a final run on several chip types, each a share of the cluster's chips.

``[[hardware.fleet]]`` (or ``hardware.fleet = [...]``) lists the chips and
their shares of the chip count (summing to 1); every chip runs the whole
training time, so a chip type's share of the chip-hours is its share of the
chips.  Each chip has its own chip-level quantities, named
``<quantity>_<label>`` (``chip_price_h100``, ``hardware_age_h200``...; the
label defaults to the chip key with ``-`` as ``_``), from the chip library,
a pipeline preset, the dates and ``[parameters]``.  The run-level
quantities the cost model reads are their share-weighted combinations:

- ``peak_flops = Σ s_i peak_flops_i`` (the fleet's mean peak per chip);
- ``chip_price = Σ s_i chip_price_i`` (acquisition);
- ``hardware_value = Σ s_i chip_price_i 10^(-depreciation_rate hardware_age_i)``
  (each type depreciates from its own availability);
- ``server_cost_factor = hardware_value / Σ s_i hardware_value_i / server_cost_factor_i``
  (so the chips' part of the amortized cost is each type's own);
- ``chip_tdp = Σ s_i chip_tdp_i``, ``server_power_factor`` and
  ``avg_power_fraction`` as TDP- and power-weighted means, so the energy is
  ``Σ s_i chip_tdp_i server_power_factor_i avg_power_fraction_i`` per chip-hour;
- ``cloud_price = Σ s_i cloud_price_i`` (when every type has one).

A chip-level quantity given without a label in ``[parameters]`` (e.g. one
blended ``cloud_price``) is used as the fleet's and by every chip type.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ScenarioError
from ..model import QUANTITIES, Quantity
from .chips import Chip, find_chip

# Chip-level quantities: each type in a fleet has its own.
CHIP_LEVEL = (
    "peak_flops",
    "chip_tdp",
    "server_cost_factor",
    "server_power_factor",
    "avg_power_fraction",
    "chip_price",
    "bare_chip_price",
    "cloud_price",
    "hardware_age",
)
FLEET_KEYS = (
    "chip",
    "share",
    "label",
    "precision",
    "price_year",
    "cloud_basis",
    "released",
    "available",
)
_LABEL = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Member:
    """One chip type of a fleet."""

    chip: Chip
    share: float
    label: str
    raw: Mapping[str, Any]

    def name(self, quantity: str) -> str:
        """The chip-level quantity of this type: ``chip_price_h100``."""
        return f"{quantity}_{self.label}"


def default_label(chip: Chip) -> str:
    """``h100-sxm5`` -> ``h100_sxm5``."""
    return re.sub(r"[^a-z0-9]+", "_", chip.key.lower()).strip("_")


def check_label(label: Any) -> str | None:
    """An error message for a bad label, or ``None``."""
    if not isinstance(label, str) or not _LABEL.match(label):
        return f"{label!r}: need a lowercase identifier (letters, digits, _)"
    return None


# Shares are often written as rounded fractions (1/3 as 0.333333): a relative 1e-6
# accepts those and still catches a share left out.
SHARE_TOLERANCE = 1e-6


def check_shares(shares: list[float]) -> str | None:
    """An error message unless the shares are in (0, 1] and sum to 1 (within 1e-6)."""
    for s in shares:
        if not (isinstance(s, int | float) and not isinstance(s, bool)) or not 0 < s <= 1:
            return f"each share must be a number in (0, 1], got {s!r}"
    total = math.fsum(shares)
    if abs(total - 1) > SHARE_TOLERANCE:
        return (
            f"shares must sum to 1 (within {SHARE_TOLERANCE:g}); they sum to {total:.12g}"
            f" ({' + '.join(f'{s!r}' for s in shares)})"
        )
    return None


def suggest_labelled(key: str, members: list[Member]) -> str | None:
    """The labelled name a mistyped ``<quantity>_<chip>`` most likely means, or ``None``.

    The chip part is read as a chip name would be (``chip_price_h100`` -> the
    fleet's ``h100-sxm5``: ``chip_price_h100_sxm5``), which a plain string
    similarity gets wrong when two labels differ by a character (``h100``/``h200``).
    """
    for q in sorted(CHIP_LEVEL, key=len, reverse=True):
        if not key.startswith(q + "_"):
            continue
        rest = key[len(q) + 1 :]
        for m in members:
            if rest == m.label:
                return None  # a name of the fleet: not a typo of this kind
        try:
            chip = find_chip(rest)
        except ScenarioError:
            return None
        hits = [m for m in members if m.chip.key == chip.key]
        return hits[0].name(q) if len(hits) == 1 else None
    return None


def quantities(members: list[Member], given: set[str]) -> dict[str, Quantity]:
    """The fleet's quantities: per-chip ones and the share-weighted run-level ones.

    ``given`` holds the unlabelled chip-level names ``[parameters]`` sets:
    those are the fleet's own and every type reads them.
    """
    out: dict[str, Quantity] = {}

    def per_chip(m: Member, q: str, *ways: str) -> None:
        base = QUANTITIES[q]
        out[m.name(q)] = Quantity(
            m.name(q), base.units, f"{base.long_name} ({m.chip.name})", ways, False
        )

    def total(q: str, formula: str) -> None:
        if q in given:
            return
        base = QUANTITIES[q]
        out[q] = Quantity(q, base.units, f"{base.long_name} (fleet)", (formula,), base.output)

    for m in members:
        for q in CHIP_LEVEL:
            per_chip(m, q, *((q,) if q in given else ()))
        if "chip_price" not in given:
            per_chip(
                m,
                "chip_price",
                f"{m.name('bare_chip_price')} * {m.name('server_cost_factor')}",
            )
        out[m.name("hardware_value")] = Quantity(
            m.name("hardware_value"),
            "USD",
            f"value per chip at training start ({m.chip.name})",
            (f"{m.name('chip_price')} * 10 ** (-depreciation_rate * {m.name('hardware_age')})",),
            False,
        )

    def weighted(expr: str) -> str:
        return " + ".join(f"{m.share!r} * {expr.format(m=m.label)}" for m in members)

    total("peak_flops", weighted("peak_flops_{m}"))
    total("chip_price", weighted("chip_price_{m}"))
    total("cloud_price", weighted("cloud_price_{m}"))
    total("chip_tdp", weighted("chip_tdp_{m}"))
    power = weighted("chip_tdp_{m} * server_power_factor_{m}")
    total("server_power_factor", f"({power}) / chip_tdp")
    total(
        "avg_power_fraction",
        f"({weighted('chip_tdp_{m} * server_power_factor_{m} * avg_power_fraction_{m}')})"
        f" / ({power})",
    )
    base = QUANTITIES["hardware_value"]
    out["hardware_value"] = Quantity(
        "hardware_value",
        base.units,
        f"{base.long_name} (fleet)",
        (weighted("hardware_value_{m}"),),
        False,
    )
    total(
        "server_cost_factor",
        f"hardware_value / ({weighted('hardware_value_{m} / server_cost_factor_{m}')})",
    )
    return out


__all__ = [
    "CHIP_LEVEL",
    "FLEET_KEYS",
    "Member",
    "check_label",
    "check_shares",
    "default_label",
    "quantities",
]
