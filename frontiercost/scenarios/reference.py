"""Published figures of a scenario's outputs (``[reference]``), never used in a computation.

One figure per output::

    [reference]
    amortized_cost = { value = 40.59e6, source = "Cottier et al. 2024 v2" }

or several, each with its basis, its dollars and a bound instead of a value::

    [[reference.cloud_cost]]
    value = 5.576e6
    basis = "claim"            # amortized | cloud | acquisition | claim
    dollars = "2024-12"        # the figure's dollars: a month, a year (its December)
    source = "DeepSeek-V3 report: 2.788 M H800-hours at $2/h"

    [[reference.amortized_cost]]
    below = 2e6                # "< $2M"; also above = ...
    source = "..."

A figure in other dollars than the scenario's is converted with the
package's price index before it is compared (``Reference.compared``).
Runs report where each figure falls in the distribution: the percentile of
a value, the probability of a bound (``frontiercost.analysis.references``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import ScenarioError
from ..model import QUANTITIES, Quantity
from ..model.dollars import Month, month_label, parse_month, price_index
from ..model.quantities import DOMAINS, FRACTION, POSITIVE, Domain
from ._locate import locate
from .schema import KEYS, suggest
from .specs import is_number

if TYPE_CHECKING:
    from ._context import _Context

DEFAULT_TOLERANCE = 0.005
BASES = ("amortized", "cloud", "acquisition", "claim")
KINDS = ("value", "below", "above")
# The basis a figure of these outputs has unless it says otherwise.
DEFAULT_BASIS = {
    "amortized_cost": "amortized",
    "cloud_cost": "cloud",
    "acquisition_cost": "acquisition",
}


@dataclass(frozen=True)
class Reference:
    """A published figure of an output, for validation and comparison only.

    Attributes
    ----------
    value : float
        The figure (or the bound, for ``kind`` ``"below"`` / ``"above"``).
    source : str
        Where it is published.
    tolerance : float
        Relative tolerance when tests check a point estimate against it.
    output : str
        The output it is a figure of.
    kind : {"value", "below", "above"}
        A value, or a bound: the output is below / above ``value``.
    basis : str
        ``amortized``, ``cloud``, ``acquisition`` or ``claim`` (a developer's
        own statement); "" when not stated for an output without a default.
    dollars : str
        The figure's dollars (``"2024-12"``), "" when not stated.
    label : str
        A short name for tables ("" : the source).
    compared : float
        The figure in the scenario's dollars (``value`` when no conversion applies).
    conversion : str
        How ``compared`` was obtained, "" when it is ``value``.
    """

    value: float
    source: str
    tolerance: float = DEFAULT_TOLERANCE
    output: str = ""
    kind: str = "value"
    basis: str = ""
    dollars: str = ""
    label: str = ""
    compared: float = math.nan
    conversion: str = ""

    def __post_init__(self) -> None:
        if math.isnan(self.compared):
            object.__setattr__(self, "compared", self.value)

    @property
    def name(self) -> str:
        """``label``, else the source's first clause (cut at a word past 80 characters)."""
        if self.label:
            return self.label
        clause = self.source.split(";")[0].strip()
        if len(clause) <= 80:
            return clause
        return clause[:80].rsplit(" ", 1)[0] + " …"

    def record(self) -> dict[str, Any]:
        """A JSON-ready description (docs/json-output.md)."""
        return {
            "output": self.output,
            "label": self.name,
            "kind": self.kind,
            "value": self.value,
            "basis": self.basis or None,
            "dollars": self.dollars or None,
            "compared": self.compared,
            "conversion": self.conversion or None,
            "source": self.source,
        }


def figure_domain(key: str, quantities: Mapping[str, Quantity]) -> Domain | None:
    """Where a published figure of output ``key`` may lie (``None``: not known).

    A parameter's own domain; a cost, an energy, hours or FLOP are positive; a
    share of a total is a fraction.
    """
    if key in DOMAINS:
        return DOMAINS[key]
    quantity = quantities.get(key) or QUANTITIES.get(key)
    units = quantity.units if quantity is not None else ""
    if units == "1" and key.endswith("_share"):
        return FRACTION
    if units.split("/")[0] in ("USD", "kWh", "h", "FLOP") or key == "replication_ratio":
        return POSITIVE
    return None


def _one(
    ctx: _Context,
    key: str,
    value: Any,
    index: int | None,
    run_dollars: tuple[Month, str] | None,
    domain: Domain | None = None,
) -> Reference:
    def error(message: str) -> ScenarioError:
        if index is None:
            return ctx.error("reference", key, message)
        line = locate(ctx.text, f"reference.{key}", None, index)  # [[reference.KEY]] header
        where = f"{ctx.label}:{line} {key}" if line else ctx.where("reference", key)
        return ScenarioError(f"{where}[{index + 1}]: {message}")

    if not isinstance(value, Mapping):
        raise error("expected {value = ..., source = '...'} (or a list of such tables)")
    for k in value:
        if k not in KEYS["reference"]:
            raise error(
                f"unknown key {k!r}{suggest(k, KEYS['reference'])}; accepted:"
                f" {', '.join(KEYS['reference'])}"
            )
    kinds = [k for k in KINDS if k in value]
    if len(kinds) != 1:
        raise error("give one of value, below (a bound: '< X') or above ('> X')")
    kind = kinds[0]
    v = value[kind]
    if not is_number(v) or not math.isfinite(v):
        raise error(f"{kind} must be a finite number, got {v!r}")
    if domain is not None and not domain.contains(float(v)):
        raise error(f"{kind} {float(v):g} is outside {domain}")
    src = value.get("source")
    if not isinstance(src, str) or not src:
        raise error("source is required")
    tol = value.get("tolerance", DEFAULT_TOLERANCE)
    if not is_number(tol) or not 0 < tol < math.inf:
        raise error(f"tolerance must be positive, got {tol!r}")
    basis = value.get("basis", DEFAULT_BASIS.get(key, ""))
    if basis and basis not in BASES:
        raise error(f"basis {basis!r}; accepted: {', '.join(BASES)}")
    label = value.get("label", "")
    if not isinstance(label, str):
        raise error(f"label must be a string, got {label!r}")
    dollars, compared, conversion = "", float(v), ""
    if "dollars" in value:
        raw = value["dollars"]
        try:
            month = parse_month(raw, what="dollars")
        except ScenarioError as err:
            raise error(str(err)) from None
        index_ = price_index()
        if not index_.first <= month <= index_.last:
            raise error(
                f"dollars: {month_label(month)} is outside the price index {index_.series};"
                f" accepted: {index_.accepted()}"
            )
        dollars = month_label(month)
        unit = QUANTITIES[key].units if key in QUANTITIES else ""
        if run_dollars is not None and month != run_dollars[0] and unit.startswith("USD"):
            target, why = run_dollars
            if not index_.first <= target <= index_.last:
                # as for scenario.dollars: a month the index lacks is refused, never read as
                # its last month without a word
                raise error(
                    f"dollars: cannot convert the figure's {dollars} USD to"
                    f" {month_label(target)} USD{why}: the price index {index_.series} covers"
                    f" {month_label(index_.first)} to {month_label(index_.last)}; give"
                    f' scenario.dollars (e.g. "{month_label(index_.last)}", with nominal_month)'
                    " or drop the figure's dollars to compare it as it is"
                )
            try:
                factor = index_.factor(target, month)
            except ScenarioError as err:
                raise error(str(err).removeprefix("dollars: ")) from None
            compared = float(v) * factor
            if not math.isfinite(compared):
                raise error(f"{kind} {float(v):g} in {month_label(target)} dollars overflows")
            read = (
                f" ({raw}: the index's last month)"
                if month != (raw, 12) and isinstance(raw, int)
                else ""
            )
            conversion = (
                f"{dollars}{read} -> {month_label(target)} USD{why}: x {factor:.4f}"
                f" ({index_.series})"
            )
    return Reference(
        value=float(v),
        source=src,
        tolerance=float(tol),
        output=key,
        kind=kind,
        basis=basis,
        dollars=dollars,
        label=label,
        compared=compared,
        conversion=conversion,
    )


def parse_references(
    ctx: _Context,
    table: Any,
    quantities: Mapping[str, Quantity],
    run_dollars: tuple[Month, str] | None,
) -> tuple[Reference, ...]:
    """Every figure of ``[reference]``, in file order.

    ``run_dollars`` is the month of the scenario's dollars, to which dated
    figures are converted, with what to say of it ("" for a stated basis,
    ``" (nominal: the publication month)"``); ``None``: the scenario's
    dollars have no month, and a dated figure is compared as it is.
    """
    if not isinstance(table, Mapping):
        raise ctx.error("reference", None, "must be a table of output = {value, source}")
    out = []
    for key, value in table.items():
        if key not in QUANTITIES and key not in quantities:
            own = sorted(quantities)
            raise ctx.error(
                "reference",
                key,
                f"not a model output{suggest(key, [*own, *QUANTITIES])}; accepted: a quantity"
                " of the model (docs/model.md) or of this scenario's [formulas]"
                + (f" ({', '.join(own)})" if own and len(own) <= 12 else ""),
            )
        domain = figure_domain(key, quantities)
        if isinstance(value, list):
            if not value:
                raise ctx.error("reference", key, "an empty list of figures")
            out += [_one(ctx, key, v, i, run_dollars, domain) for i, v in enumerate(value)]
        else:
            out.append(_one(ctx, key, value, None, run_dollars, domain))
    return tuple(out)


def first_values(references: tuple[Reference, ...]) -> dict[str, Reference]:
    """The first value figure of each output (the single-figure view: tests, conditioning)."""
    out: dict[str, Reference] = {}
    for r in references:
        if r.kind == "value":
            out.setdefault(r.output, r)
    return out


__all__ = [
    "BASES",
    "DEFAULT_TOLERANCE",
    "Reference",
    "first_values",
    "parse_references",
]
