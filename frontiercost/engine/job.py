"""A :class:`Job`: one plan and what to keep of it, the unit an executor runs.

Stored jobs keep every draw, in memory (:class:`EngineResult` arrays) or
written range by range into a :class:`Sink` (a file on disk, for runs larger
than memory); streaming jobs keep moments, a histogram and exceedance counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from ..priors import Prior
from .kernel import evaluate_columns
from .plan import Plan, threshold_array
from .ranges import pilot
from .streaming import StreamStats


class Sink(Protocol):
    """Where a stored job's draws go when they are not held in memory.

    ``write`` gets the draws of flat indices ``start .. start + n`` (chain
    ``i // draws``, draw ``i % draws``) as ``(n_outputs, n)`` and ``(n_inputs,
    n)`` arrays (inputs empty when not kept).  A sink used by dask workers
    must pickle, be writable from several processes at once, and say in
    ``chunk`` how many draws of a chain each writer must write together
    (aligned to multiples of ``chunk``).  ``piece`` is the most draws a local
    executor computes and writes at once: what the memory budget allows.
    """

    piece: int

    def write(self, start: int, outputs: np.ndarray, inputs: np.ndarray) -> None:
        """Write one range of draws."""
        ...  # pragma: no cover


@dataclass(frozen=True)
class EngineResult:
    """What an executor returns for one job.

    Attributes
    ----------
    outputs : dict
        Output name -> array ``(chains, draws)`` (stored jobs without a sink).
    inputs : dict
        Input name -> array ``(chains, draws)`` (stored jobs keeping inputs).
    stats : StreamStats or None
        Streaming statistics (streaming jobs only).
    nonfinite : dict or None
        Output name -> ``{"nan": k, "inf": k}`` for outputs with such draws,
        counted as they were drawn (stored local runs); ``None``: not counted.
    """

    outputs: dict[str, np.ndarray] = field(default_factory=dict)
    inputs: dict[str, np.ndarray] = field(default_factory=dict)
    stats: StreamStats | None = None
    nonfinite: dict[str, dict[str, int]] | None = None


@dataclass(frozen=True)
class Job:
    """A plan and what to keep of it.

    Attributes
    ----------
    plan : Plan
        What to draw and evaluate.
    store : bool
        Keep every draw (else streaming statistics).
    inputs : bool
        Stored jobs: keep the input draws too.
    thresholds : numpy.ndarray
        ``(n_outputs, k)`` exceedance thresholds, NaN-padded (streaming).
    shift : numpy.ndarray
        Outputs at the priors' central values: the streaming sums' shift.
    hist_shift : numpy.ndarray
        Streaming jobs: the value each output's histogram measures draws from
        (:func:`~.ranges.pilot`; 0 for most).
    atoms : numpy.ndarray
        Streaming jobs: ``(n_outputs, k)`` values, NaN-padded, that the first
        draws repeat (:func:`~.ranges.pilot`): draws equal to and above each
        are counted exactly.
    sink : Sink, optional
        Stored jobs: write the draws here range by range instead of memory.
    """

    plan: Plan
    store: bool
    inputs: bool = False
    thresholds: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    shift: np.ndarray = field(default_factory=lambda: np.zeros(0))
    sink: Sink | None = None
    hist_shift: np.ndarray = field(default_factory=lambda: np.zeros(0))
    atoms: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    @classmethod
    def make(
        cls,
        plan: Plan,
        priors: Mapping[str, Prior],
        *,
        store: bool,
        inputs: bool = False,
        thresholds: Mapping[str, Sequence[float]] | None = None,
        sink: Sink | None = None,
    ) -> Job:
        """A job for ``plan``: thresholds checked against its outputs, the shift computed."""
        thr = threshold_array(plan.model, thresholds)
        if store:
            shift = hist_shift = np.zeros(0)
            atoms = np.zeros((0, 0))
        else:
            x = np.array([[priors[n].central] for n in plan.names], dtype=float)
            y = evaluate_columns(plan.model, x.reshape(len(plan.names), 1))[:, 0]
            shift = np.where(np.isfinite(y), y, 0.0)
            hist_shift, atoms = pilot(plan, shift)
            atoms = atoms[:, : int((~np.isnan(atoms)).sum(axis=1).max(initial=0))]
        inputs = bool(inputs) and bool(store)
        return cls(plan, bool(store), inputs, thr, shift, sink, hist_shift, atoms)

    @property
    def counted(self) -> np.ndarray:
        """The thresholds the drivers count draws above: ``thresholds``, then each
        atom, then the float just below each atom (draws above it are the draws
        at or above the atom)."""
        if not self.atoms.size:
            return self.thresholds
        below = np.nextafter(self.atoms, -np.inf)
        n_out = self.atoms.shape[0]
        user = self.thresholds if self.thresholds.size else np.zeros((n_out, 0))
        return np.ascontiguousarray(np.concatenate([user, self.atoms, below], axis=1))

    @property
    def bytes_per_draw(self) -> int:
        """Memory a stored draw takes: float64 outputs, and inputs when kept."""
        rows = len(self.plan.model.outputs) + (len(self.plan.names) if self.inputs else 0)
        return 8 * rows
