"""A scenario's ``[hardware]`` table: one chip or a mixed fleet, its dates, and what they supply.

The chip library supplies chip-level priors (:mod:`.chips`); a pipeline
preset replaces some of them (:mod:`.pipelines`); the dates give each chip's
hardware age (:mod:`.dates`).  With a fleet (:mod:`.fleet`) all of this is
done per chip type under labelled names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import ScenarioError
from ..model import QUANTITIES
from ._locate import locate
from .chips import DEFAULT_CLOUD_BASIS, Chip, find_chip
from .dates import Dates, age_of, age_prior, read_dates
from .fleet import CHIP_LEVEL, FLEET_KEYS, Member, check_label, check_shares, default_label
from .schema import suggest

if TYPE_CHECKING:
    from ..model.dates import HardwareAge
    from ..priors import Prior
    from ._context import _Context
    from .pipelines import Pipeline, RunFacts

FLEET = "hardware.fleet"


@dataclass
class Hardware:
    """What ``[hardware]`` names: one chip, or the members of a fleet, and their specs.

    ``specs`` maps a (labelled, for a fleet) quantity name to its chip-library
    spec; ``where`` to the label of the library entry it comes from.
    """

    chip: Chip | None = None
    members: list[Member] = field(default_factory=list)
    specs: dict[str, Any] = field(default_factory=dict)
    where: dict[str, str] = field(default_factory=dict)
    dates: Dates = field(default_factory=Dates)
    member_dates: list[Dates] = field(default_factory=list)
    hyperscaler: bool | None = None
    gaps: dict[str, str] = field(default_factory=dict)

    @property
    def chips(self) -> list[tuple[Chip, str]]:
        """``(chip, name prefix)`` per chip: ``("", ...)`` for one chip."""
        if self.chip is not None:
            return [(self.chip, "")]
        return [(m.chip, m.label) for m in self.members]

    def labelled(self) -> dict[str, str]:
        """Every labelled chip-level name of a fleet, with its unit."""
        return {m.name(q): QUANTITIES[q].units for m in self.members for q in CHIP_LEVEL}


def _fleet_error(ctx: _Context, key: str | None, message: str, i: int) -> ScenarioError:
    if locate(ctx.text, FLEET, key, i) is not None:
        return ctx.error(FLEET, key, message, i)
    where = ctx.where("hardware", "fleet")
    item = f"[{i + 1}]" + (f" {key}" if key else "")
    return ScenarioError(f"{where}{item}: {message}")


def _chip_specs(
    ctx: _Context, raw: Mapping[str, Any], fleet_index: int | None, cloud_given: bool = False
) -> tuple[Chip, dict[str, Any]]:
    """The chip a table names and the specs the library supplies for it."""

    def error(key: str, message: str) -> ScenarioError:
        if fleet_index is None:
            return ctx.error("hardware", key, message)
        return _fleet_error(ctx, key, message, fleet_index)

    if not isinstance(raw["chip"], str):  # str(["h100"]) would name a chip by accident
        raise error("chip", f'expected a chip name such as "h100-sxm5", got {raw["chip"]!r}')
    try:
        chip = find_chip(raw["chip"])
        # the chip checks precision, price year and cloud basis: it knows what it accepts
        specs = chip.defaults(
            raw.get("precision"),
            raw.get("price_year"),
            raw.get("cloud_basis", DEFAULT_CLOUD_BASIS),
            explicit_basis="cloud_basis" in raw,
            cloud_given=cloud_given,
        )
    except ScenarioError as err:
        key = str(err).split(":", 1)[0].removeprefix("hardware.")
        raise error(key, str(err).split(": ", 1)[1]) from None
    return chip, specs


def _gaps(chip: Chip, raw: Mapping[str, Any], label: str = "") -> dict[str, str]:
    """The chip's :meth:`Chip.gaps` for the table's price year, by (labelled) quantity."""
    year = raw.get("price_year")
    if not isinstance(year, int) or isinstance(year, bool):
        return {}
    gaps = chip.gaps(year, raw.get("cloud_basis", DEFAULT_CLOUD_BASIS))
    return {f"{q}_{label}" if label else q: text for q, text in gaps.items()}


def read_hardware(
    ctx: _Context,
    hardware: Mapping[str, Any],
    meta: Mapping[str, Any],
    cloud_given: bool = False,
) -> Hardware:
    """Read ``[hardware]``: its chip or fleet, the library's specs and the dates.

    ``cloud_given``: ``[parameters]`` gives a cloud price, whose basis a
    ``cloud_basis`` without a price year then states.
    """
    out = Hardware()
    if "hyperscaler" in hardware:
        if not isinstance(hardware["hyperscaler"], bool):
            raise ctx.error("hardware", "hyperscaler", "must be true or false")
        out.hyperscaler = hardware["hyperscaler"]
    if "chip" in hardware and "fleet" in hardware:
        raise ctx.error("hardware", "fleet", "give chip (one chip type) or fleet, not both")
    out.dates = read_dates(ctx, meta, hardware)
    if "chip" in hardware:
        chip, specs = _chip_specs(ctx, hardware, None, cloud_given)
        out.chip = chip
        out.gaps = _gaps(chip, hardware)
        out.specs = dict(specs)
        out.where = dict.fromkeys(specs, f"chips.toml [{chip.key}]")
        return out
    if "fleet" in hardware:
        for key in ("precision", "price_year", "cloud_basis", "released", "available"):
            if key in hardware:
                raise ctx.error(
                    "hardware", key, "with a fleet, give it per chip in [[hardware.fleet]]"
                )
        _read_fleet(ctx, hardware["fleet"], meta, hardware, out, cloud_given)
        return out
    for key in ("precision", "price_year", "cloud_basis"):
        if key in hardware:
            raise ctx.error("hardware", key, "needs hardware.chip")
    return out


def _read_fleet(
    ctx: _Context,
    fleet: Any,
    meta: Mapping[str, Any],
    hardware: Mapping[str, Any],
    out: Hardware,
    cloud_given: bool = False,
) -> None:
    if not isinstance(fleet, list) or not fleet or not all(isinstance(e, Mapping) for e in fleet):
        raise ctx.error(
            "hardware",
            "fleet",
            "expected [[hardware.fleet]] tables (or a list of tables) with chip and share",
        )
    if len(fleet) < 2:
        raise _fleet_error(ctx, None, "a fleet has two or more chip types; use chip for one", 0)
    labels: set[str] = set()
    for i, entry in enumerate(fleet):
        for key in entry:
            if key not in FLEET_KEYS:
                raise _fleet_error(
                    ctx,
                    key,
                    f"unknown key{suggest(key, FLEET_KEYS)}; accepted: {', '.join(FLEET_KEYS)}",
                    i,
                )
        for key in ("chip", "share"):
            if key not in entry:
                raise _fleet_error(ctx, key, "missing; each chip type needs chip and share", i)
        chip, specs = _chip_specs(ctx, entry, i, cloud_given)
        label = entry.get("label", default_label(chip))
        bad = check_label(label)
        if bad is not None:
            raise _fleet_error(ctx, "label", bad, i)
        if label in labels:
            raise _fleet_error(
                ctx, "label", f"{label!r} is used twice; give each chip type its own label", i
            )
        labels.add(label)
        member = Member(chip, entry["share"], label, entry)
        out.members.append(member)
        out.gaps.update(_gaps(chip, entry, label))
        for q, value in specs.items():
            out.specs[member.name(q)] = value
            out.where[member.name(q)] = f"chips.toml [{chip.key}]"
        run_level = {k: hardware[k] for k in ("training_start",) if k in hardware}
        out.member_dates.append(read_dates(ctx, meta, {**run_level, **entry}, i))
    bad = check_shares([m.share for m in out.members])
    if bad is not None:
        raise _fleet_error(ctx, "share", bad, len(fleet) - 1)


def hardware_ages(
    ctx: _Context, hw: Hardware, training_hours: float | None, given: set[str]
) -> dict[str, tuple[Prior, HardwareAge]]:
    """Age priors from the dates, for each chip whose age ``[parameters]`` does not give."""
    out: dict[str, tuple[Prior, HardwareAge]] = {}
    if hw.chip is not None or not hw.members:
        if "hardware_age" in given:
            if hw.dates.any_hardware_date:
                key = next(k for k in ("training_start", "available", "released")
                           if getattr(hw.dates, k) is not None)  # fmt: skip
                raise ctx.error(
                    "hardware",
                    key,
                    "the dates give hardware_age, which [parameters] also sets; give one",
                )
            return out
        age = age_of(ctx, hw.chip, hw.dates, training_hours, "hardware")
        if age is not None:
            out["hardware_age"] = (age_prior(age), age)
        return out
    for m, dates in zip(hw.members, hw.member_dates, strict=True):
        name = m.name("hardware_age")
        if name in given or "hardware_age" in given:
            continue
        age = age_of(ctx, m.chip, dates, training_hours, FLEET)
        if age is not None:
            out[name] = (age_prior(age, f"{m.chip.name}: "), age)
    return out


def before_release(hw: Hardware, ages: dict[str, tuple[Prior, HardwareAge]]) -> list[str]:
    """A note per chip whose training starts before the chip was released.

    The rule floors such an age at 0 without a word (the paper's pipeline
    does, and a few of its models start before their chip's release or first
    price record); a start before the release itself is most often a date or
    chip given by mistake, so it is said.
    """
    dated = [("hardware_age", hw.chip, hw.dates)] if hw.chip is not None else []
    dated += [
        (m.name("hardware_age"), m.chip, d)
        for m, d in zip(hw.members, hw.member_dates, strict=True)
    ]
    notes = []
    for key, chip, dates in dated:
        released = chip.released
        if key not in ages or released is None or chip.kind == "tpu" or dates.released:
            # Google trains on TPUs before announcing them: the rule allows it; a
            # scenario that gives hardware.released states the date it means
            continue
        age = ages[key][1]
        if age.start < released:
            notes.append(
                f"{key}: training starts {age.start.isoformat()} ({age.start_because}),"
                f" before {chip.name} was released ({released.isoformat()}); the rule puts"
                f" its age at {age.years:g} yr: check the dates and the chip"
            )
    return notes


def pipeline_priors(
    pipeline: Pipeline, hw: Hardware, facts: RunFacts, given: set[str]
) -> dict[str, Prior]:
    """The preset's run-level priors and, per chip, its chip-level ones (labelled in a fleet).

    Raises
    ------
    ScenarioError
        ``"table.key: ..."`` from the preset.
    """
    if hw.chip is None and not hw.members:
        raise ScenarioError(
            f"hardware.chip: the {pipeline.name} pipeline prices a chip; give hardware.chip"
            " or a fleet"
        )
    pipeline.needs(facts)
    out = dict(pipeline.run_priors(facts))
    for chip, label in hw.chips:

        def name(q: str, label: str = label) -> str:
            return f"{q}_{label}" if label else q

        explicit = bool({name("chip_price"), name("bare_chip_price"), "chip_price",
                         "bare_chip_price"} & given)  # fmt: skip
        for q, prior in pipeline.chip_priors(chip, facts, explicit_price=explicit).items():
            out[name(q)] = prior
    return out


__all__ = ["Hardware", "hardware_ages", "pipeline_priors", "read_hardware"]
