"""A :class:`Plan`: the kernel arrays of one validated run, the unit every executor runs.

A range of draws is a pure function of the plan and its bounds (counter-based
streams), so any executor can cut a plan into ranges and get the same bits.
A plan pickles: a formula model is plain data, and a kernel model travels as
the import path of its kernel (a numba ``cfunc`` does not pickle).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..errors import PriorError, SimulationError
from ..model import Correlations, Model, copula_factor
from ..priors import KernelSpec, Prior
from ..settings import Sampling
from ._rng import stream_key
from .kernel import import_kernel, kernel_path


@functools.lru_cache(maxsize=1024)
def _kernel_spec(name: str, prior: Prior) -> KernelSpec:
    """A prior's kernel spec, built once: tables cost milliseconds of scipy calls.

    Raises
    ------
    PriorError
        Naming the input, when no table can follow the prior's distribution.
    """
    try:
        spec = prior.kernel_spec()
    except PriorError as err:
        raise PriorError(f"{name}: {prior.family} prior: {err}") from None
    if spec.table is not None:
        spec.table.flags.writeable = False
    return spec


@dataclass(frozen=True)
class Plan:
    """Kernel arrays of a validated run.

    Attributes
    ----------
    model : Model
        Inputs, outputs and kernel (or formula program).
    names : tuple of str
        Input names in kernel row order.
    keys, codes, prm, tables, corr_idx, chol : numpy.ndarray
        Stream keys, transform codes and parameters, inverse-CDF tables,
        copula rows and Cholesky factor.
    stream_rows : numpy.ndarray
        For each input row, the index of its random stream among the run's
        distinct streams (``arange`` unless inputs share a stream): the
        dimension of the ``qmc`` sequence the row reads.
    sampler : str
        ``"mc"``, ``"qmc"`` or ``"lhs"``.
    seed, draws, chains, block : int
        As in :class:`~frontiercost.settings.Sampling`.
    """

    model: Model
    names: tuple[str, ...]
    keys: np.ndarray
    codes: np.ndarray
    prm: np.ndarray
    tables: np.ndarray
    corr_idx: np.ndarray
    chol: np.ndarray
    sampler: str
    seed: int
    draws: int
    chains: int
    block: int
    stream_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def total(self) -> int:
        """Draws in all chains."""
        return self.draws * self.chains

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["model"] = replace(self.model, kernel=kernel_path(self.model))
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        model = state["model"]
        state["model"] = replace(model, kernel=import_kernel(model.kernel))
        self.__dict__.update(state)


def plan_run(
    model: Model,
    priors: Mapping[str, Prior],
    sampling: Sampling,
    correlations: Correlations | None = None,
    streams: Mapping[str, str] | None = None,
) -> Plan:
    """Check the priors against the model and build the kernel arrays; nothing is sampled.

    ``streams`` names the random stream of an input that shares another's
    (``{"server_cost_factor_h200": "server_cost_factor"}``): inputs on one
    stream take the same uniform at every draw, so each takes the same
    percentile of its own prior (comonotone).  An input not named draws from
    its own stream, keyed by its name, as always.

    Raises
    ------
    SimulationError
        Naming the missing or extra prior, or the bad correlation.
    """
    missing = [n for n in model.inputs if n not in priors]
    if missing:
        raise SimulationError(
            f"priors: no prior for input(s) {', '.join(missing)} of model {model.name!r}"
        )
    extra = [n for n in priors if n not in model.inputs]
    if extra:
        raise SimulationError(
            f"priors: {', '.join(extra)} is not an input of model "
            f"{model.name!r}; inputs: {', '.join(model.inputs)}"
        )
    names = tuple(model.inputs)
    specs = [_kernel_spec(n, priors[n]) for n in names]
    tables: list[np.ndarray] = []
    offset, prm = 0, np.zeros((len(names), 8))
    for r, spec in enumerate(specs):
        prm[r] = spec.params
        if spec.table is not None:
            prm[r, 0] = offset
            tables.append(spec.table)
            offset += spec.table.size
    idx, chol = copula_factor(correlations or {}, names)
    stream = [(streams or {}).get(n, n) for n in names]
    distinct = list(dict.fromkeys(stream))
    return Plan(
        model=model,
        names=names,
        keys=np.array([stream_key(sampling.seed, n) for n in stream], dtype=np.uint64),
        stream_rows=np.array([distinct.index(s) for s in stream], dtype=np.int64),
        codes=np.array([int(s.code) for s in specs], dtype=np.int64),
        prm=prm,
        tables=np.concatenate(tables) if tables else np.zeros(1),
        corr_idx=idx,
        chol=chol,
        sampler=sampling.sampler,
        seed=sampling.seed,
        draws=sampling.draws,
        chains=sampling.chains,
        block=sampling.block_size,
    )


def threshold_array(model: Model, thresholds: Mapping[str, Sequence[float]] | None) -> np.ndarray:
    """``(n_out, k)`` thresholds (NaN-padded: a NaN threshold is never exceeded)."""
    thresholds = dict(thresholds or {})
    unknown = [k for k in thresholds if k not in model.output_names]
    if unknown:
        raise SimulationError(
            f"thresholds: {', '.join(unknown)} is not an output; outputs: "
            f"{', '.join(model.output_names)}"
        )
    k = max((len(v) for v in thresholds.values()), default=0)
    arr = np.full((len(model.outputs), k), np.nan)
    for o, name in enumerate(model.output_names):
        vals = [float(v) for v in thresholds.get(name, ())]
        if any(math.isnan(v) for v in vals):
            raise SimulationError(f"thresholds: {name} has a NaN threshold")
        arr[o, : len(vals)] = vals
    return arr


def stream_groups(
    names: Sequence[str], streams: Mapping[str, str]
) -> tuple[list[int], np.ndarray]:
    """The distinct random streams of ``names``: one dimension each, for a sampler
    that moves the uniforms itself (MCMC, a sensitivity design).

    Returns the index in ``names`` of each stream's first input, and for each
    name the position of its stream in that list.
    """
    of = [streams.get(n, n) for n in names]
    distinct = list(dict.fromkeys(of))
    return [of.index(s) for s in distinct], np.array([distinct.index(s) for s in of], dtype=int)
