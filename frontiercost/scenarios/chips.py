"""The chip library: peak FLOP/s, power, cost factors and price priors per chip.

``chips.toml`` (shipped with the package) holds one table per chip::

    [h100-sxm5]
    name = "NVIDIA H100 SXM5"
    aliases = ["h100"]
    kind = "gpu"                       # gpu | tpu
    released = 2022-09-20
    tdp = 700                          # W
    peak_flops = { fp32 = 67e12, bf16 = 989e12 }
    precision = "bf16"                 # default precision
    server_cost_factor = 1.64
    server_power_factor = 1.82
    source = "..."

    [h100-sxm5.prices.2024]            # by year; each value a prior (spec, library name, number)
    chip_price = { ... }               # server level, per chip
    cloud_3yr = { ... }                # also cloud_1yr, cloud_on_demand

A scenario's ``[hardware]`` table picks a chip (by key, name or alias), a
precision, a price year and a cloud basis; the chip supplies defaults for
``peak_flops``, ``chip_tdp``, ``server_cost_factor``, ``server_power_factor``,
``avg_power_fraction`` and, with a price year, ``chip_price`` and ``cloud_price``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from ..errors import ScenarioError

KINDS = ("gpu", "tpu")
PRECISIONS = ("fp64", "fp32", "tf32", "bf16", "fp16", "fp8", "int8")
CLOUD_BASES = {"on-demand": "cloud_on_demand", "1yr": "cloud_1yr", "3yr": "cloud_3yr"}
PRICE_KEYS = ("chip_price", "bare_chip_price", *CLOUD_BASES.values())
CHIP_KEYS = (
    "name",
    "aliases",
    "kind",
    "released",
    "tdp",
    "peak_flops",
    "precision",
    "server_cost_factor",
    "server_power_factor",
    "avg_power_fraction",
    "source",
    "prices",
)
# Average power / TDP during training (paper A.4; epoch_fixed_parameters.csv)
AVG_POWER = {"gpu": 0.75, "tpu": 0.43}


@dataclass(frozen=True)
class Chip:
    """One accelerator of the chip library."""

    key: str
    name: str
    kind: str
    tdp: float
    peak_flops: dict[str, float]
    precision: str
    server_cost_factor: float
    server_power_factor: float
    avg_power_fraction: float
    source: str
    released: dt.date | None = None
    aliases: tuple[str, ...] = ()
    prices: dict[int, dict[str, Any]] = field(default_factory=dict)

    def defaults(
        self,
        precision: str | None,
        price_year: int | None,
        cloud_basis: str,
        explicit_basis: bool = False,
    ) -> dict[str, Any]:
        """Parameter specs this chip supplies to a scenario (see module docstring).

        A cloud basis asked for explicitly must have a price that year; the
        default basis (3yr) is used only where there is one.
        """
        prec = precision or self.precision
        if prec not in self.peak_flops:
            raise ScenarioError(
                f"hardware.precision: {prec!r} is not listed for {self.key}; "
                f"accepted: {', '.join(self.peak_flops)}"
            )
        src = f"chip library [{self.key}]: {self.source}"

        def fixed(value: float, unit: str) -> dict[str, Any]:
            return {"family": "fixed", "value": value, "unit": unit, "source": src}

        out: dict[str, Any] = {
            "peak_flops": fixed(self.peak_flops[prec], "FLOP/s"),
            "chip_tdp": fixed(self.tdp, "W"),
            "server_cost_factor": fixed(self.server_cost_factor, "1"),
            "server_power_factor": fixed(self.server_power_factor, "1"),
            "avg_power_fraction": fixed(self.avg_power_fraction, "1"),
        }
        if price_year is not None:
            if price_year not in self.prices:
                years = ", ".join(str(y) for y in sorted(self.prices)) or "none"
                raise ScenarioError(
                    f"hardware.price_year: no {self.key} prices for {price_year}; "
                    f"accepted: {years}"
                )
            row = self.prices[price_year]
            for key in ("chip_price", "bare_chip_price"):
                if key in row:
                    out[key] = row[key]
            cloud_key = CLOUD_BASES[cloud_basis]
            if cloud_key in row:
                out["cloud_price"] = row[cloud_key]
            elif explicit_basis:
                have = [b for b, k in CLOUD_BASES.items() if k in row]
                raise ScenarioError(
                    f"hardware.cloud_basis: no {cloud_basis} cloud price for {self.key} in "
                    f"{price_year}; accepted: {', '.join(have) or 'none that year'}"
                )
        return out


def _chip(key: str, raw: dict[str, Any]) -> Chip:
    where = f"chips.toml [{key}]"
    unknown = set(raw) - set(CHIP_KEYS)
    if unknown:
        raise ScenarioError(f"{where}: unknown keys {sorted(unknown)}; accepted: {CHIP_KEYS}")
    if raw.get("kind") not in KINDS:
        raise ScenarioError(f"{where} kind: {raw.get('kind')!r}; accepted: {KINDS}")
    prices: dict[int, dict[str, Any]] = {}
    for year, row in raw.get("prices", {}).items():
        bad = set(row) - set(PRICE_KEYS)
        if bad:
            raise ScenarioError(f"{where} prices.{year}: unknown {sorted(bad)}; {PRICE_KEYS}")
        prices[int(year)] = dict(row)
    return Chip(
        key=key,
        name=raw["name"],
        kind=raw["kind"],
        tdp=float(raw["tdp"]),
        peak_flops={k: float(v) for k, v in raw["peak_flops"].items()},
        precision=raw.get("precision", "bf16"),
        server_cost_factor=float(raw.get("server_cost_factor", 1.64)),
        server_power_factor=float(raw.get("server_power_factor", 1.8)),
        avg_power_fraction=float(raw.get("avg_power_fraction", AVG_POWER[raw["kind"]])),
        source=raw.get("source", ""),
        released=raw.get("released"),
        aliases=tuple(raw.get("aliases", ())),
        prices=prices,
    )


@cache
def chip_library() -> dict[str, Chip]:
    """Every chip by key."""
    text = (resources.files("frontiercost.scenarios") / "chips.toml").read_text("utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"chips.toml: {err}") from None
    return {key: _chip(key, raw) for key, raw in data.items()}


def _norm(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def find_chip(name: str) -> Chip:
    """A chip by key, full name or alias (case and punctuation ignored).

    Raises
    ------
    ScenarioError
        Naming the nearest chips when there is no match.
    """
    chips = chip_library()
    index: dict[str, Chip] = {}
    for chip in chips.values():
        for label in (chip.key, chip.name, *chip.aliases):
            index.setdefault(_norm(label), chip)
    hit = index.get(_norm(name))
    if hit is None:
        near = difflib.get_close_matches(name.lower(), list(chips), n=3, cutoff=0.4)
        hint = f" (did you mean {', '.join(near)}?)" if near else ""
        raise ScenarioError(
            f"hardware.chip: unknown chip {name!r}{hint}; `frontiercost chips` lists them"
        )
    return hit
