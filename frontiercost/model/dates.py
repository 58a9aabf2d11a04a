"""Hardware age from dates: the pipeline's rule (docs/model.md §5, §8; Cottier et al. 2024 A.3).

A chip is *available* from the later of its first purchase-price record and
its release + 90 days (GPUs: "at least three months between release and when
someone first acquired it"); a TPU from its announcement.  A final run
*starts* its training time plus 60 days before publication (the gap between
the end of training and the paper), 793.5 hours when the training time is
unknown.  The hardware's age at the start is ``start - available`` in years
of 365.25 days; a GPU run cannot start before its hardware is available, so
its age is floored at 0 (a TPU's is not: Google uses TPUs before announcing
them).  The paper puts a ±120-day 90 % interval on the age (Table 5).

The arithmetic is the pipeline's (training-cost-trends ``prices.py``): the
training time is cut to whole hours, the start keeps its hours, and the age
counts whole days (rounded down).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

RELEASE_TO_AVAILABLE_DAYS = 90
END_TO_PUBLICATION_DAYS = 60
DEFAULT_TRAINING_HOURS = 793.5  # median of the running top-10 models (paper A.3)
AGE_UNCERTAINTY_DAYS = 120  # paper Table 5: +/-120 days as a 90 % interval
DAYS_PER_YEAR = 365.25


def availability(
    kind: str, released: dt.date, first_price: dt.date | None = None
) -> tuple[dt.date, str]:
    """The date hardware is available for training, and how it follows from the rule.

    Parameters
    ----------
    kind : {"gpu", "tpu"}
        GPUs become available 90 days after release at the earliest; TPUs at
        their announcement (``released``).
    released : date
        Release (GPU) or announcement (TPU) date.
    first_price : date, optional
        Date of the chip's first purchase-price record (GPUs).
    """
    if kind == "tpu":
        return released, f"announced {released.isoformat()}"
    after_release = released + dt.timedelta(days=RELEASE_TO_AVAILABLE_DAYS)
    if first_price is not None and first_price > after_release:
        return first_price, (
            f"first price record {first_price.isoformat()}, after release"
            f" {released.isoformat()} + {RELEASE_TO_AVAILABLE_DAYS} d"
        )
    why = f"release {released.isoformat()} + {RELEASE_TO_AVAILABLE_DAYS} d"
    if first_price is not None:
        why += f", after the first price record {first_price.isoformat()}"
    return after_release, why


def training_start(published: dt.date, training_hours: float | None) -> dt.datetime:
    """Start of the final run: publication - (training time + 60 days).

    The training time is cut to whole hours as the pipeline does; unknown,
    it is :data:`DEFAULT_TRAINING_HOURS`.
    """
    if training_hours is None:
        span = dt.timedelta(hours=DEFAULT_TRAINING_HOURS)
    else:
        if not math.isfinite(training_hours) or training_hours < 0:
            raise ValueError(f"training hours must be a finite number >= 0, got {training_hours}")
        span = dt.timedelta(hours=int(training_hours))
    start = dt.datetime.combine(published, dt.time())
    return start - (span + dt.timedelta(days=END_TO_PUBLICATION_DAYS))


@dataclass(frozen=True)
class HardwareAge:
    """The age of the hardware at the start of a run and the dates it comes from."""

    years: float
    available: dt.date
    start: dt.date
    days: int
    floored: bool
    available_because: str
    start_because: str

    def describe(self) -> str:
        """One line: the dates, the age and the rule's uncertainty."""
        floor = " (start before availability: age 0)" if self.floored else ""
        return (
            f"hardware available {self.available.isoformat()} ({self.available_because}),"
            f" training start {self.start.isoformat()} ({self.start_because}):"
            f" {self.days} d = {self.years:.4f} yr{floor};"
            f" ±{AGE_UNCERTAINTY_DAYS} d as a 90 % interval (paper Table 5)"
        )


def hardware_age(
    kind: str,
    available: dt.date,
    available_because: str,
    *,
    published: dt.date | None = None,
    training_hours: float | None = None,
    start: dt.date | dt.datetime | None = None,
) -> HardwareAge:
    """Years from availability to the start of training (the pipeline's rule).

    Give ``start`` (a known training start) or ``published`` (the start then
    follows from :func:`training_start`).
    """
    if start is None:
        if published is None:
            raise ValueError("hardware_age needs a publication date or a training start")
        begin = training_start(published, training_hours)
        hours = (
            f"{DEFAULT_TRAINING_HOURS} h (training time unknown)"
            if training_hours is None
            else f"{int(training_hours)} h"
        )
        because = f"published {published.isoformat()} - {hours} - {END_TO_PUBLICATION_DAYS} d"
    else:
        begin = start if isinstance(start, dt.datetime) else dt.datetime.combine(start, dt.time())
        because = "given"
    days = (begin - dt.datetime.combine(available, dt.time())).days  # whole days, rounded down
    floored = kind == "gpu" and days < 0
    if floored:
        days = 0
    return HardwareAge(
        years=days / DAYS_PER_YEAR,
        available=available,
        start=begin.date(),
        days=days,
        floored=floored,
        available_because=available_because,
        start_because=because,
    )


def decimal_year(date: dt.date) -> float:
    """Decimal year as the paper's regression computes it: ``y + (m - 1)/12 + (d - 1)/365``."""
    return date.year + (date.month - 1) / 12 + (date.day - 1) / 365


__all__ = [
    "AGE_UNCERTAINTY_DAYS",
    "DEFAULT_TRAINING_HOURS",
    "HardwareAge",
    "availability",
    "decimal_year",
    "hardware_age",
    "training_start",
]
