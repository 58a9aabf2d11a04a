"""Priors from scenario values: a number, a prior-library name, or a prior table.

One function serves every table that takes priors (``[parameters]``,
``[[staff]]``, the chip library's price rows and pipeline presets), so the
forms and their messages are the same everywhere (``docs/scenarios.md``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..errors import PriorError, ScenarioError
from ..model import DOMAINS, QUANTITIES
from ..priors import Fixed, Normal, Prior, TruncNormal, prior_from_spec
from ..priors.library import library_view
from .schema import suggest


def is_number(v: Any) -> bool:
    """A real number (int, float, or numpy's, as Python code passes them), not a bool."""
    import numbers

    import numpy as np

    return isinstance(v, numbers.Real) and not isinstance(v, bool | np.bool_)


def own_unit(value: Any) -> str:
    """The unit of a parameter of a new name: the one its table gives, else its library
    prior's, else ``"1"`` (a library prior in 1/yr was refused against a '1' never written).
    """
    library = library_view()
    if isinstance(value, Mapping) and "unit" in value:
        return str(value["unit"])
    if isinstance(value, Mapping) and isinstance(value.get("prior"), str):
        ref = value["prior"]
        return str(library[ref][0].get("unit", "1")) if ref in library else "1"
    if isinstance(value, str) and value in library:
        return str(library[value][0].get("unit", "1"))
    return "1"


def build_prior(where: str, key: str, value: Any, unit: str) -> Prior:
    """A prior from a scenario value; errors start with ``where`` (file, line and key).

    Raises
    ------
    ScenarioError
        Naming ``where`` and what is accepted.
    """
    if is_number(value):
        if not math.isfinite(value):
            raise ScenarioError(f"{where}: {value} is not a finite number")
        # a number written in a file: the file and line are its source
        return Fixed(value=float(value), unit=unit, source=f"given in {where}")
    library = library_view()
    if isinstance(value, str):
        try:
            number: float | None = float(value)
        except ValueError:
            number = None
        if number is not None:
            raise ScenarioError(f"{where}: {value!r} is a number in quotes; write {value}")
        if value not in library:
            raise ScenarioError(
                f"{where}: {value!r} is not in the prior library{suggest(value, library)}; "
                "`frontiercost priors` lists it"
            )
        spec = dict(library[value][0])
    elif isinstance(value, Mapping):
        spec = dict(value)
        if "prior" in spec:
            ref = spec.pop("prior")
            if ref not in library:
                raise ScenarioError(
                    f"{where}: prior {ref!r} is not in the prior library{suggest(ref, library)}"
                )
            base = dict(library[ref][0])
            # the stored value is the quantity, not the library's multiplier or offset
            q = QUANTITIES.get(key)
            what = q.long_name if q is not None else key
            if "times" in spec:
                times = spec.pop("times")
                if not is_number(times) or not math.isfinite(times) or times <= 0:
                    raise ScenarioError(f"{where}: times must be a positive number, got {times!r}")
                if base.get("unit", "1") != "1":
                    raise ScenarioError(
                        f"{where}: times needs a multiplier prior (unit '1'); "
                        f"{ref!r} has unit {base['unit']!r}"
                    )
                own = prior_from_spec(dict(library[ref][0])).central
                if own != 1.0:
                    # times scales a multiplier (central 1); on any other prior the
                    # central would become the factor itself: a wrong point, silently
                    raise ScenarioError(
                        f"{where}: times needs a multiplier prior (central 1); {ref!r} is not"
                        f" one (its central is {own:g}): give central = or p5/p95 instead"
                    )
                base.update(
                    relative=True,
                    central=float(times),
                    unit=unit,
                    description=f"{what}: {float(times):g} × library prior {ref}",
                )
            elif set(spec) - {"unit", "source", "description"}:
                base["description"] = f"{what} (library prior {ref}, adjusted)"
            base.update(spec)
            spec = base
        elif "times" in spec:
            raise ScenarioError(f"{where}: times goes with prior = '<library multiplier>'")
    else:
        raise ScenarioError(
            f"{where}: expected a number, a prior-library name or a prior table, got {value!r}"
        )
    given = spec.get("unit", unit)
    if given != unit:
        raise ScenarioError(f"{where}: unit {given!r} does not match {key}'s unit {unit!r}")
    spec["unit"] = unit
    truncate = spec.pop("truncate", False)
    try:
        prior = prior_from_spec(spec, where=f"{where}:")
    except PriorError as err:
        raise ScenarioError(str(err)) from None
    return _truncated(where, key, prior, truncate) if truncate is not False else prior


def _truncated(where: str, key: str, prior: Prior, truncate: Any) -> Prior:
    """``truncate = true``: a normal prior cut at its quantity's domain (a truncnormal)."""
    if truncate is not True:
        raise ScenarioError(f"{where}: truncate must be true or false, got {truncate!r}")
    domain = DOMAINS.get(key)
    if domain is None:
        raise ScenarioError(
            f"{where}: truncate cuts a prior at its quantity's domain, and {key} has none;"
            " use family = 'truncnormal' with lower and upper"
        )
    if not isinstance(prior, Normal):
        raise ScenarioError(
            f"{where}: truncate applies to a normal prior (it becomes a truncnormal at"
            f" {domain}); for a {prior.family} prior choose bounds inside the domain"
        )
    return TruncNormal(
        mu=prior.mu,
        sigma=prior.sigma,
        lower=domain.lower,
        upper=domain.upper,
        unit=prior.unit,
        source=prior.source,
        description=prior.description,
        central_value=prior.central,  # the point estimate stays the normal's
    )
