"""Pipeline presets: named rule sets that supply a scenario's priors (``[scenario] pipeline``).

A preset fills in what a cost pipeline decides for every run, so a scenario
gives only the run's own facts (dates, chip, quantity, time, compute, MFU)::

    [scenario]
    title = "Llama 3.1 405B"
    published = 2024-07-23
    organization = "Meta AI"
    pipeline = "epoch-2025"

    [hardware]
    chip = "h100-sxm5"

    [parameters]
    chip_count = { prior = "chip_count_multiplier", times = 16384 }
    training_hours = { prior = "training_time_multiplier", times = 2142 }

Its priors sit between the chip library's and the scenario's own: pipeline
defaults < chip library < preset < ``[parameters]``.  Each preset supplies
run-level priors (depreciation, interconnect, PUE, electricity, default
utilization), chip-level priors (purchase price, server cost factor, power,
cloud rate; per chip of a mixed fleet) and a default dollar basis.

Presets: ``epoch-2025`` (:mod:`.epoch_2025`, docs/model.md §8).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ...errors import ScenarioError
from ..schema import suggest

if TYPE_CHECKING:
    from ...priors import Prior
    from ..chips import Chip


@dataclass(frozen=True)
class RunFacts:
    """What a preset reads from a scenario.

    Attributes
    ----------
    organization : str
        ``[scenario] organization`` ("" when not given).
    published : date or None
        ``[scenario] published``.
    hyperscaler : bool or None
        ``[hardware] hyperscaler`` when given (``None``: the preset decides).
    given : frozenset of str
        Names the scenario's ``[parameters]`` set.
    training_hours : float or None
        Central training time, when the scenario gives one.
    training_start : date or None
        ``[hardware] training_start`` when given.
    """

    organization: str
    published: dt.date | None
    hyperscaler: bool | None
    given: frozenset[str]
    training_hours: float | None = None
    training_start: dt.date | None = None

    @property
    def flop_route(self) -> bool:
        """Whether chip-hours come from compute / (peak x utilization)."""
        if "chip_hours" in self.given:
            return False
        return not {"chip_count", "training_hours"} <= self.given


class Pipeline(Protocol):
    """A preset: its name, default dollars and the priors it supplies.

    Methods raise :class:`ScenarioError` with messages ``"table.key: ..."``
    naming the scenario key at fault (the loader adds file and line).
    """

    name: str
    summary: str
    dollars: str
    beyond_last: str

    def run_priors(self, facts: RunFacts) -> dict[str, Prior]:
        """Run-level priors (depreciation, interconnect, PUE, electricity, utilization)."""
        ...

    def chip_priors(
        self, chip: Chip, facts: RunFacts, *, explicit_price: bool
    ) -> dict[str, Prior]:
        """Priors of one chip (purchase price, cost factor, power, cloud rate, peak FLOP/s)."""
        ...

    def needs(self, facts: RunFacts) -> None:
        """Raise when the scenario lacks what the preset needs (a publication date...)."""
        ...


def pipelines() -> dict[str, Pipeline]:
    """The presets by name."""
    from .epoch_2025 import EPOCH_2025

    return {EPOCH_2025.name: EPOCH_2025}


def find_pipeline(name: object) -> Pipeline:
    """A preset by name.

    Raises
    ------
    ScenarioError
        ``scenario.pipeline: ...`` naming the accepted presets.
    """
    known = pipelines()
    if not isinstance(name, str) or name not in known:
        hint = suggest(str(name), known) if isinstance(name, str) else ""
        raise ScenarioError(
            f"scenario.pipeline: {name!r} is not a pipeline preset{hint}; accepted:"
            f" {', '.join(known)}"
        )
    return known[name]


__all__ = ["Pipeline", "RunFacts", "find_pipeline", "pipelines"]
