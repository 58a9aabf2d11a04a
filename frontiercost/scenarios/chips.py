"""The chip library: peak FLOP/s, power, cost factors and price priors per chip.

``chips.toml`` (shipped with the package) holds one table per chip::

    [h100-sxm5]
    name = "NVIDIA H100 SXM5"
    aliases = ["h100"]
    kind = "gpu"                       # gpu | tpu
    released = 2022-09-20
    first_price_date = 2022-09-29      # first server-level price record (GPUs)
    first_price_source = "estimate: ..."  # only where the date is not a record's
    tdp = 700                          # W
    peak_flops = { fp32 = 67e12, bf16 = 989e12 }
    precision = "bf16"                 # default precision
    server_cost_factor = 1.64
    server_power_factor = 1.82
    source = "..."

    [h100-sxm5.prices.2024]            # by year; each value a prior (spec, library name, number)
    chip_price = { ... }               # server level, per chip
    cloud_3yr = { ... }                # also cloud_on_demand, cloud_1yr, cloud_contract

A scenario's ``[hardware]`` table picks a chip (by key, name or alias), a
precision, a price year and a cloud basis; the chip supplies defaults for
``peak_flops``, ``chip_tdp``, ``server_cost_factor``, ``server_power_factor``,
``avg_power_fraction`` and, with a price year, ``chip_price`` and ``cloud_price``.

``frontiercost.scenarios.chip_price_priors(chip, year)`` builds the priors of
one price year as a scenario would (it lives beside the scenario loader, which
resolves prior specs).

A cloud basis means the same for every chip (:data:`CLOUD_BASIS_MEANING`):
``on-demand``, ``1yr`` and ``3yr`` are a vendor's list prices (the last two
with its committed-use discount), ``contract`` a negotiated frontier-lab
price. The header of ``chips.toml`` says where each kind of figure comes from
and how wide its prior is.
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
CLOUD_BASES = {
    "on-demand": "cloud_on_demand",
    "1yr": "cloud_1yr",
    "3yr": "cloud_3yr",
    "contract": "cloud_contract",
}
CLOUD_BASIS_MEANING = {
    "on-demand": "a cloud vendor's published pay-as-you-go list price",
    "1yr": "the vendor's list price with its 1-year committed-use discount",
    "3yr": "the vendor's list price with its 3-year committed-use discount (the paper's basis)",
    "contract": "a negotiated frontier-lab price (a prior)",
}
# The paper priced cloud rental at 3-year committed-use list prices (docs/model.md §5)
DEFAULT_CLOUD_BASIS = "3yr"
PURCHASE_KEYS = ("chip_price", "bare_chip_price")
PRICE_KEYS = (*PURCHASE_KEYS, *CLOUD_BASES.values())
CHIP_KEYS = (
    "name",
    "aliases",
    "kind",
    "released",
    "first_price_date",
    "first_price_source",
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
    first_price_date: dt.date | None = None
    first_price_source: str = ""
    aliases: tuple[str, ...] = ()
    prices: dict[int, dict[str, Any]] = field(default_factory=dict)

    @property
    def first_price_estimated(self) -> bool:
        """Whether ``first_price_date`` is an estimate rather than a record's date."""
        return self.first_price_source.startswith("estimate:")

    @property
    def recorded_first_price_date(self) -> dt.date | None:
        """``first_price_date`` when a price record gives it (the availability rule's input).

        An estimated date is the rule's own release + 90 days (a GPU without
        a record), so the rule reads the release date alone.
        """
        return None if self.first_price_estimated else self.first_price_date

    @property
    def server_power(self) -> float:
        """Server power per chip, W (``tdp × server_power_factor``)."""
        return self.tdp * self.server_power_factor

    def cloud_bases(self, year: int) -> tuple[str, ...]:
        """The cloud bases priced in ``year``, in :data:`CLOUD_BASES` order."""
        row = self.prices.get(year, {})
        return tuple(basis for basis, key in CLOUD_BASES.items() if key in row)

    def _years(self) -> str:
        """The price years, for a message."""
        return ", ".join(str(y) for y in sorted(self.prices)) or "none"

    def _bases_text(self, year: int | None) -> str:
        """The accepted cloud bases, for a message: of ``year``, else by year."""
        if year is not None:
            return f"in {year}: {', '.join(self.cloud_bases(year)) or 'none'}"
        by_year = [f"{y}: {', '.join(self.cloud_bases(y))}" for y in sorted(self.prices)]
        by_year = [text for text in by_year if not text.endswith(": ")]
        return "by price year: " + ("; ".join(by_year) or "none (no cloud prices)")

    def defaults(
        self,
        precision: str | None,
        price_year: int | None,
        cloud_basis: str = DEFAULT_CLOUD_BASIS,
        explicit_basis: bool = False,
        cloud_given: bool = False,
    ) -> dict[str, Any]:
        """Parameter specs this chip supplies to a scenario (see module docstring).

        Parameters
        ----------
        precision : str or None
            Number format of ``peak_flops``; None: the chip's default.
        price_year : int or None
            Year of the purchase and cloud prices; None: no prices.
        cloud_basis : str
            One of :data:`CLOUD_BASES`.
        explicit_basis : bool
            True when the scenario named the basis: then it must have a price
            that year (and a price year must be given). The default basis
            (3yr) is used only where there is one.
        cloud_given : bool
            True when the scenario gives its own cloud price: a basis named
            without a price year then states that price's basis.

        Raises
        ------
        ScenarioError
            ``hardware.<key>: ...`` naming the accepted values for this chip.
        """
        prec = precision or self.precision
        if prec not in self.peak_flops:
            raise ScenarioError(
                f"hardware.precision: {prec!r} is not listed for {self.key}; "
                f"accepted: {', '.join(self.peak_flops)}"
            )
        if price_year is not None and (
            isinstance(price_year, bool) or not isinstance(price_year, int)
        ):
            raise ScenarioError(
                f"hardware.price_year: expected a year (an integer), got {price_year!r}; "
                f"accepted for {self.key}: {self._years()}"
            )
        year = price_year if price_year in self.prices else None
        if not isinstance(cloud_basis, str) or cloud_basis not in CLOUD_BASES:
            raise ScenarioError(
                f"hardware.cloud_basis: {cloud_basis!r} is not a cloud basis; accepted for "
                f"{self.key} {self._bases_text(year)} (the bases: {', '.join(CLOUD_BASES)})"
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
        if price_year is None:
            if explicit_basis and not cloud_given:
                # a cloud price is a price of a year: without one the basis would do nothing
                raise ScenarioError(
                    f"hardware.cloud_basis: needs hardware.price_year (or a cloud_price in"
                    f" [parameters], whose basis it then states); accepted for "
                    f"{self.key} {self._bases_text(None)}"
                )
            return out
        if year is None:
            raise ScenarioError(
                f"hardware.price_year: no {self.key} prices for {price_year}; "
                f"accepted: {self._years()}"
            )
        row = self.prices[year]
        for key in PURCHASE_KEYS:
            if key in row:
                out[key] = row[key]
        cloud_key = CLOUD_BASES[cloud_basis]
        if cloud_key in row:
            out["cloud_price"] = row[cloud_key]
        elif explicit_basis:
            elsewhere = [str(y) for y in sorted(self.prices) if cloud_key in self.prices[y]]
            hint = (
                f"; {cloud_basis} is priced in {', '.join(elsewhere)}"
                if elsewhere
                else f"; {self.key} has no {cloud_basis} price in any year"
            )
            raise ScenarioError(
                f"hardware.cloud_basis: no {cloud_basis} cloud price for {self.key} in "
                f"{year}; accepted {self._bases_text(year)}{hint}"
            )
        return out

    def gaps(self, price_year: int, cloud_basis: str) -> dict[str, str]:
        """What a price year lacks, by the quantity it leaves unpriced, as a sentence each.

        ``chip_price`` when the year has no purchase price, ``cloud_price``
        when it has no price of ``cloud_basis``; each sentence names the chip,
        the year and the years (or bases) that have one.  A scenario makes a
        note of each it does not fill itself (:func:`load_scenario`).
        """
        row = self.prices.get(price_year, {})
        out: dict[str, str] = {}
        if not any(k in row for k in PURCHASE_KEYS):
            have = [str(y) for y in sorted(self.prices)
                    if any(k in self.prices[y] for k in PURCHASE_KEYS)]  # fmt: skip
            out["chip_price"] = (
                f"{self.key} has no purchase price for price_year {price_year} ("
                + (f"years with one: {', '.join(have)}" if have else "none in any year")
                + "): the amortized and acquisition costs are not computed; give chip_price"
                " in [parameters]" + (" or another hardware.price_year" if have else "")
            )
        cloud_key = CLOUD_BASES.get(cloud_basis)
        if cloud_key is not None and cloud_key not in row:
            have = [str(y) for y in sorted(self.prices) if cloud_key in self.prices[y]]
            bases = self.cloud_bases(price_year)
            out["cloud_price"] = (
                f"{self.key} has no {cloud_basis} cloud price for price_year {price_year} ("
                + (f"{cloud_basis} in {', '.join(have)}" if have else f"{cloud_basis} in no year")
                + f"; bases priced in {price_year}: {', '.join(bases) or 'none'}): the cloud"
                " cost is not computed; set hardware.cloud_basis or give cloud_price in"
                " [parameters]"
            )
        return out

    def first_price(self) -> tuple[int, float, str, tuple[float, float]] | None:
        """The server-level purchase price of the chip's first price row, at its central value.

        Returns ``(year, price per chip, source, (p5, p95) / central)``:
        ``chip_price`` of the earliest row that has a purchase price, or its
        ``bare_chip_price`` x the chip's server cost factor, and the relative
        90 % interval of the library's prior (an estimate's is wider than a
        record's); ``None`` when no row has one.  The pipeline keeps this
        price for every later run of the chip (docs/model.md §8).
        """
        from .specs import build_prior

        for year in sorted(self.prices):
            row = self.prices[year]
            where = f"chips.toml [{self.key}.prices.{year}]"
            for key in PURCHASE_KEYS:
                if key not in row:
                    continue
                p = build_prior(where, key, row[key], "USD")
                central = p.central
                spread = (float(p.ppf(0.05)) / central, float(p.ppf(0.95)) / central)
                if key == "chip_price":
                    return year, central, f"{where} chip_price: {p.source}", spread
                return (
                    year,
                    central * self.server_cost_factor,
                    f"{where} bare_chip_price x server cost factor {self.server_cost_factor}:"
                    f" {p.source}",
                    spread,
                )
        return None


def _chip(key: str, raw: dict[str, Any]) -> Chip:
    where = f"chips.toml [{key}]"
    unknown = set(raw) - set(CHIP_KEYS)
    if unknown:
        raise ScenarioError(f"{where}: unknown keys {sorted(unknown)}; accepted: {CHIP_KEYS}")
    if raw.get("kind") not in KINDS:
        raise ScenarioError(f"{where} kind: {raw.get('kind')!r}; accepted: {KINDS}")
    for date_key in ("released", "first_price_date"):
        value = raw.get(date_key)
        if value is not None and (
            not isinstance(value, dt.date) or isinstance(value, dt.datetime)
        ):
            raise ScenarioError(
                f"{where} {date_key}: expected a date such as 2022-09-20, got {value!r}"
            )
    fp_source = raw.get("first_price_source", "")
    if not isinstance(fp_source, str) or (fp_source and raw.get("first_price_date") is None):
        raise ScenarioError(
            f"{where} first_price_source: expected a string beside first_price_date,"
            f" got {fp_source!r}"
        )
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
        first_price_date=raw.get("first_price_date"),
        first_price_source=fp_source,
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
    # punctuation is ignored ("H100 SXM5"), but a control character is a corrupted name
    hit = index.get(_norm(name)) if name.isprintable() else None
    if hit is None:
        near = difflib.get_close_matches(name.lower(), list(chips), n=3, cutoff=0.4)
        hint = f" (did you mean {', '.join(near)}?)" if near else ""
        raise ScenarioError(
            f"hardware.chip: unknown chip {name!r}{hint}; `frontiercost chips` lists them"
        )
    return hit
