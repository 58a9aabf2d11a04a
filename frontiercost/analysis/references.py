"""Where published figures fall in a run's distribution (a scenario's ``[reference]``).

For a value figure, its percentile: ``100 P(X <= v)``; for a bound, the
probability the run agrees with it: ``P(X < b)`` for "below b", ``P(X > b)``
for "above b".  Figures in other dollars than the run's are compared after
conversion (``Reference.compared``).  Works on stored draws and on
streaming runs (from the histogram, within one bin: 0.39 % of the value).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .risk import exceedance

if TYPE_CHECKING:
    import xarray as xr

    from ..scenarios import Reference


def reference_positions(
    tree: xr.DataTree,
    references: Iterable[Reference],
    outputs: Iterable[str],
    point: Mapping[str, float] | None = None,
) -> list[dict[str, Any]]:
    """One record per figure of an output the run has (docs/json-output.md, ``references``).

    Each is :meth:`Reference.record` plus ``percentile`` (value figures) or
    ``probability`` (bounds), and ``point_ratio``: the point estimate over
    the figure, when ``point`` gives it.
    """
    have = set(outputs)
    out = []
    for r in references:
        if r.output not in have:
            continue
        above = float(exceedance(tree, r.output, [r.compared])["probability"].values[0])
        rec = r.record()
        rec["percentile"] = 100 * (1 - above) if r.kind == "value" else None
        rec["probability"] = (
            None if r.kind == "value" else (above if r.kind == "above" else 1 - above)
        )
        ours = None if point is None else point.get(r.output)
        rec["point_ratio"] = ours / r.compared if ours is not None and r.compared else None
        out.append(rec)
    return out


def describe_position(rec: Mapping[str, Any]) -> str:
    """``"percentile 43"``, ``"P(below) = 0.31"``."""
    if rec["kind"] == "value":
        return f"percentile {rec['percentile']:.0f}"
    return f"P({rec['kind']}) = {rec['probability']:.2f}"


__all__ = ["describe_position", "reference_positions"]
