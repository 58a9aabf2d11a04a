"""Resolution: which quantities a scenario's inputs support, by which route, as a model.

A quantity is *available* if it has a prior or one of its ways (in order of
preference) reads only available quantities.  So the route to chip-hours
(recorded, chips x time, or compute / (peak x utilization)) and which outputs
exist follow from what the scenario gives.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ..errors import ScenarioError
from .definition import Model, Output
from .formula import compile_program, names_in
from .quantities import QUANTITIES, Quantity


@dataclass(frozen=True)
class Resolved:
    """The formulas a scenario needs, in evaluation order, and its outputs."""

    inputs: tuple[str, ...]
    formulas: dict[str, str] = field(default_factory=dict)
    outputs: tuple[str, ...] = ()


def resolve(
    inputs: Iterable[str],
    extra: Mapping[str, Quantity] | None = None,
    wanted: Sequence[str] | None = None,
) -> Resolved:
    """Work out which quantities the inputs support and how to compute them.

    Parameters
    ----------
    inputs : iterable of str
        Quantities that have priors.
    extra : mapping of str to Quantity, optional
        Scenario-specific quantities (staff groups, projection years) with ways.
    wanted : sequence of str, optional
        Outputs to report; by default every available output quantity.

    Raises
    ------
    ScenarioError
        If a wanted output cannot be computed from the inputs.
    """
    given = tuple(inputs)
    table = dict(QUANTITIES)
    table.update(extra or {})
    order: dict[str, str] = {}
    available = set(given)
    state: dict[str, bool] = {}

    def visit(name: str, stack: frozenset[str]) -> bool:
        if name in available:
            return True
        if name in state:
            return state[name]
        q = table.get(name)
        if q is None or name in stack:
            return False
        for way in q.ways:
            if all(visit(n, stack | {name}) for n in names_in(way)):
                order[name] = way
                available.add(name)
                state[name] = True
                return True
        if not stack:  # only a top-level failure is final; inside a cycle it may not be
            state[name] = False
        return False

    for name in table:
        visit(name, frozenset())
    if wanted is None:
        outputs = tuple(n for n, q in table.items() if q.output and n in order)
    else:
        unknown = [n for n in wanted if n not in table]
        if unknown:
            near = difflib.get_close_matches(unknown[0], list(table), n=1, cutoff=0.6)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            outs = sorted(n for n, q in table.items() if q.output)
            raise ScenarioError(f"outputs: unknown {unknown}{hint}; outputs: {', '.join(outs)}")
        missing = [n for n in wanted if n not in available]
        if missing:
            raise ScenarioError(
                f"outputs: {missing} cannot be computed from the parameters given"
                f" ({sorted(given)})"
            )
        outputs = tuple(wanted)
    return Resolved(given, order, outputs)


def is_money(units: str) -> bool:
    """Whether a unit is money (``USD``, ``USD/h``, ``USD/FLOP``...): it has a dollar basis."""
    return units.split("/")[0] == "USD"


def _closure(formulas: Mapping[str, str], outputs: Iterable[str]) -> set[str]:
    """Every quantity the outputs depend on (themselves included)."""
    need: set[str] = set()
    todo = list(outputs)
    while todo:
        name = todo.pop()
        if name not in need:
            need.add(name)
            if name in formulas:
                todo.extend(names_in(formulas[name]))
    return need


def _reads_cloud(formulas: Mapping[str, str], output: str) -> bool:
    """Whether ``output`` is computed from a cloud price."""
    return any(
        n == "cloud_price" or n.startswith("cloud_price_") for n in _closure(formulas, [output])
    )


def needed_inputs(resolved: Resolved) -> tuple[str, ...]:
    """The inputs that the formulas for the outputs actually read, in input order."""
    need = _closure(resolved.formulas, resolved.outputs)
    return tuple(n for n in resolved.inputs if n in need)


def formula_model(
    name: str,
    resolved: Resolved,
    extra: Mapping[str, Quantity] | None = None,
    outputs: Sequence[str] | None = None,
    dollars: str = "",
    cloud_basis: str = "",
    cloud_source: str = "",
) -> Model:
    """Compile the resolved formulas into a formula :class:`Model` (the engine interprets it).

    ``dollars`` labels the dollar basis of every money output (units in USD);
    ``cloud_basis`` the cloud-price basis of every money output that reads a
    cloud price (``cloud_price``, or a fleet's ``cloud_price_<label>``), and
    ``cloud_source`` where that price comes from.
    """
    table = dict(QUANTITIES)
    table.update(extra or {})
    outs = tuple(outputs if outputs is not None else resolved.outputs)
    need = _closure(resolved.formulas, outs)
    formulas = {n: f for n, f in resolved.formulas.items() if n in need}
    program = compile_program(resolved.inputs, formulas, outs)
    for o in outs:  # a scenario's own parameter reported as an output (an observed one)
        table.setdefault(o, Quantity(o, "1", o.replace("_", " "), (), False))
    return Model(
        name=name,
        inputs=resolved.inputs,
        outputs=tuple(
            Output(
                o,
                table[o].units,
                table[o].long_name,
                dollars if is_money(table[o].units) else "",
                *(
                    (cloud_basis, cloud_source)
                    if is_money(table[o].units) and _reads_cloud(formulas, o)
                    else ("", "")
                ),
            )
            for o in outs
        ),
        kernel=None,
        consts=program,
        scratch_rows=int(program[0]),
    )
