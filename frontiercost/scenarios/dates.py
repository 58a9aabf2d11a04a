"""A scenario's dates and dollars: hardware age from dates, the inflation factor from its basis.

``[scenario] published`` (a TOML date) with ``[hardware] chip`` gives the
hardware age by the pipeline's rule (:mod:`frontiercost.model.dates`):
available from the later of the chip's first price record and its release +
90 days (TPUs: announcement), training start = publication - training time -
60 days (``[hardware] training_start`` when it is known), with the paper's
±120-day uncertainty, truncated at 0 (:func:`age_prior`).  ``[hardware]
released`` and ``available`` replace the chip library's dates.

``[scenario] dollars`` states the dollar basis of the outputs; the inflation
factor is ``index(dollars) / index(nominal month)`` of the package's price
index (:mod:`frontiercost.model.dollars`), the nominal month being the
publication month unless ``nominal_month`` says otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import ScenarioError
from ..model import DOMAINS
from ..model.dates import AGE_UNCERTAINTY_DAYS, DAYS_PER_YEAR, HardwareAge, availability
from ..model.dates import hardware_age as _hardware_age
from ..model.dollars import Month, month_label, parse_month, price_index
from ..priors import Fixed, Normal, Prior, TruncNormal

if TYPE_CHECKING:
    from ._context import _Context
    from .chips import Chip

DATE_KEYS = ("training_start", "available", "released")
# The engine draws u in [2**-53, 1 - 2**-53]: a standard normal's inverse CDF stays
# above -8.21 there, so a normal centred 8.5 sd above a bound never draws below it.
NO_DRAW_BEYOND = 8.5
AGE_UPPER = 50.0  # yr: the end of hardware_age's domain


def is_date(value: Any) -> bool:
    """A TOML date (not a date-time)."""
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def read_date(ctx: _Context, table: str, key: str, value: Any, index: int = 0) -> dt.date:
    """A TOML date, or an error naming the file, line and key."""
    if not is_date(value):
        raise ctx.error(table, key, f"expected {ctx.DATE}, got {value!r}", index)
    return value


@dataclass(frozen=True)
class Dates:
    """The dates a scenario gives: publication and, per chip, overrides."""

    published: dt.date | None = None
    training_start: dt.date | None = None
    available: dt.date | None = None
    released: dt.date | None = None

    @property
    def any_hardware_date(self) -> bool:
        """Whether ``[hardware]`` gives a date of its own."""
        return any(v is not None for v in (self.training_start, self.available, self.released))


def read_dates(
    ctx: _Context, meta: Mapping[str, Any], hardware: Mapping[str, Any], index: int = 0
) -> Dates:
    """The dates of ``[scenario]`` and a ``[hardware]`` (or fleet) table."""
    published = meta.get("published")
    if published is not None:
        published = read_date(ctx, "scenario", "published", published)
    got = {
        k: read_date(ctx, "hardware", k, hardware[k], index) for k in DATE_KEYS if k in hardware
    }
    return Dates(published=published, **got)


def age_of(
    ctx: _Context, chip: Chip | None, dates: Dates, training_hours: float | None, where: str
) -> HardwareAge | None:
    """The hardware age the dates give, or ``None`` when they give none.

    ``where`` is the table the chip was named in, for messages.
    """
    if dates.published is None and dates.training_start is None:
        if dates.available is not None or dates.released is not None:
            key = "available" if dates.available is not None else "released"
            raise ctx.error(
                "hardware",
                key,
                "a hardware date needs scenario.published or hardware.training_start"
                " to give the hardware age",
            )
        return None
    if dates.available is not None:
        available, because = dates.available, "given"
    else:
        if chip is None:
            if dates.training_start is not None:
                raise ctx.error(
                    "hardware", "training_start", "needs hardware.chip or hardware.available"
                )
            return None
        released = dates.released or chip.released
        if released is None:
            raise ctx.error(
                "hardware", "chip", f"{chip.key} has no release date; give hardware.available"
            )
        available, because = availability(chip.kind, released, chip.recorded_first_price_date)
        if dates.released is not None:
            because += " (release date given)"
    kind = chip.kind if chip is not None else "gpu"
    if (
        dates.training_start is not None
        and dates.published is not None
        and _day(dates.training_start) > dates.published
    ):
        raise ctx.error(
            "hardware",
            "training_start",
            f"{_day(dates.training_start).isoformat()} is after the publication"
            f" ({dates.published.isoformat()}): a run starts before it is published",
        )
    try:
        age = _hardware_age(
            kind,
            available,
            because,
            published=dates.published,
            training_hours=training_hours,
            start=dates.training_start,
        )
    except ValueError as err:
        raise ctx.error("parameters", "training_hours", str(err)) from None
    except OverflowError:  # a start before year 1
        raise ctx.error(
            "parameters",
            "training_hours",
            "the training start (publication - training time - 60 d) falls before year 1",
        ) from None
    domain = DOMAINS["hardware_age"]
    if not domain.contains(age.years):
        table, key = (
            ("hardware", "training_start")
            if dates.training_start is not None
            else ("scenario", "published")
        )
        raise ctx.error(
            table,
            key,
            f"the dates give a hardware age of {age.years:.1f} yr (available"
            f" {age.available.isoformat()}, training start {age.start.isoformat()}), outside"
            f" {domain}; check the dates, or give hardware_age in [parameters]",
        )
    return age


def _day(value: dt.date) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def age_prior(age: HardwareAge, label: str = "") -> Prior:
    """The age's prior: the rule's age, ±120 days as a 90 % interval, never below zero.

    A normal around the rule's age, truncated at 0: a run cannot start before
    its hardware is available, and the rule already floors a GPU's age at 0
    (a TPU's age the rule leaves negative, Google using TPUs before announcing
    them, is truncated at that age instead).  Its point estimate stays the
    rule's age; near 0 the truncated draws reach only upward, so their median
    lies above it (a floored age 0: median 0.13 yr, 95th percentile 0.39 yr).
    """
    half = AGE_UNCERTAINTY_DAYS / DAYS_PER_YEAR
    z95 = 1.6448536269514722
    sigma = half / z95
    lower = min(0.0, age.years)
    what = "time from hardware availability to training start"
    if age.years - lower > NO_DRAW_BEYOND * sigma:
        # draws are inverse CDFs of u >= 2**-53: such a normal never reaches below 0,
        # and a plain normal keeps the prior what it was (run files, baselines)
        return Normal(
            mu=age.years, sigma=sigma, unit="yr", source=f"{label}{age.describe()}",
            description=what,
        )  # fmt: skip
    return TruncNormal(
        mu=age.years,
        sigma=sigma,
        lower=lower,
        # finite, so that the spec round-trips; the quantity's domain ends at 50 yr
        upper=AGE_UPPER,
        central_value=age.years,
        unit="yr",
        source=f"{label}{age.describe()}; truncated at {lower:g} yr (an age is never negative)"
        if lower == 0
        else f"{label}{age.describe()}; truncated at the rule's {lower:.4f} yr",
        description=what,
    )


# --- dollars -------------------------------------------------------------------------


@dataclass(frozen=True)
class DollarBasis:
    """What dollars a scenario's outputs are in, and the factor from its inputs' dollars."""

    label: str
    sentence: str
    month: Month | None = None
    nominal: Month | None = None
    factor: float | None = None

    def prior(self) -> Prior | None:
        """The ``inflation_factor`` this basis fixes (``None``: the scenario's own or 1)."""
        if self.factor is None:
            return None
        return Fixed(value=self.factor, unit="1", source=self.sentence)


def read_dollars(
    ctx: _Context,
    meta: Mapping[str, Any],
    published: dt.date | None,
    explicit_inflation: bool,
    *,
    default: str | None = None,
    beyond_last: str = "error",
) -> DollarBasis:
    """The dollar basis of ``[scenario] dollars`` (or a pipeline's ``default``)."""
    raw = meta.get("dollars", default)
    if raw is not None and "dollars" not in meta and explicit_inflation:
        raw = None  # the scenario's own inflation_factor replaces a pipeline's dollars
    if raw is None:
        if "nominal_month" in meta:
            raise ctx.error("scenario", "nominal_month", "goes with scenario.dollars")
        if explicit_inflation:
            return DollarBasis(
                "inflation_factor",
                "the scenario's inflation_factor converts the inputs' nominal dollars",
            )
        return DollarBasis("nominal", "nominal dollars of the inputs' prices (no conversion)")
    if explicit_inflation:
        raise ctx.error(
            "parameters",
            "inflation_factor",
            "scenario.dollars computes it from the price index; give one of them",
        )
    key = "dollars" if "dollars" in meta else "pipeline"
    try:
        month = parse_month(raw, what="dollars")
    except ScenarioError as err:
        raise ctx.error("scenario", key, str(err).removeprefix("dollars: ")) from None
    if "nominal_month" in meta:
        try:
            nominal = parse_month(meta["nominal_month"], what="nominal_month")
        except ScenarioError as err:
            msg = str(err).removeprefix("nominal_month: ")
            raise ctx.error("scenario", "nominal_month", msg) from None
        source = "nominal_month"
    elif published is not None:
        nominal, source = (published.year, published.month), "the publication month"
    else:
        raise ctx.error(
            "scenario",
            key,
            "needs the month of the inputs' dollars: scenario.published or nominal_month",
        )
    index = price_index()
    try:
        factor = index.factor(month, nominal, beyond_last=beyond_last)
    except ScenarioError as err:
        bad = key if month > index.last or month < index.first else "nominal_month"
        if bad == "nominal_month" and "nominal_month" not in meta:
            # the publication month dates the prices: say how to date them otherwise
            raise ctx.error(
                "scenario",
                "published",
                f"{month_label(nominal)}, the month of the inputs' prices, is outside the price"
                f" index {index.series} ({month_label(index.first)} to"
                f" {month_label(index.last)}), so scenario.dollars cannot convert from it; set"
                f" scenario.nominal_month to the month the prices are of ({index.accepted()};"
                f' e.g. nominal_month = "{month_label(index.last)}") or drop scenario.dollars'
                " for nominal dollars",
            ) from None
        raise ctx.error("scenario", bad, str(err).removeprefix("dollars: ")) from None
    note = ""
    if isinstance(raw, int) and month != (raw, 12):
        note = f" ({raw}: the index's last month, {month_label(month)})"
    if beyond_last == "latest" and max(month, nominal) > index.last:
        note += f" (months after {month_label(index.last)} read as {month_label(index.last)})"
    sentence = (
        f"{month_label(month)} USD: x {factor:.6f} = {index.series}({month_label(month)}) /"
        f" {index.series}({month_label(nominal)}), {source}{note}"
    )
    return DollarBasis(month_label(month), sentence, month, nominal, factor)


__all__ = [
    "DATE_KEYS",
    "Dates",
    "DollarBasis",
    "age_of",
    "age_prior",
    "is_date",
    "read_date",
    "read_dates",
    "read_dollars",
]
