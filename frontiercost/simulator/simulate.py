"""``simulate``: sample a model under its priors and return a DataTree."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import xarray as xr

from ..priors import Prior
from .copula import Correlations
from .dataset import stored_tree, streaming_tree
from .engine import DEFAULT_BLOCK, run_engine
from .model import Model


def simulate(
    model: Model,
    priors: Mapping[str, Prior],
    *,
    draws: int = 10_000,
    chains: int = 4,
    seed: int = 0,
    sampler: str = "mc",
    correlations: Correlations | None = None,
    store: bool = True,
    store_inputs: bool = True,
    thresholds: Mapping[str, Sequence[float]] | None = None,
    block_size: int = DEFAULT_BLOCK,
    threads: int | None = None,
    scenario_text: str | None = None,
) -> xr.DataTree:
    """Sample ``model`` and return an ArviZ-layout ``xarray.DataTree``.

    Parameters
    ----------
    model : Model
        The model (inputs, outputs, kernel).
    priors : mapping of str to Prior
        A prior for every input.
    draws, chains : int
        Draws per chain and chains; the posterior has dims ``(chain, draw)``.
    seed : int
        Same seed, same bits, whatever ``threads`` and ``block_size``.
    sampler : {"mc", "qmc", "lhs"}
        Pseudo-random (counter-based), scrambled Sobol, or Latin hypercube.
    correlations : mapping, optional
        Spearman rank correlations ``{("a", "b"): rho}`` (Gaussian copula).
    store : bool
        ``True``: group ``posterior`` with every draw.  ``False``: group
        ``streaming`` with moments, a histogram and exceedance counts, in
        bounded memory (use for 1e8+ draws); ``summarize`` reads both.
    store_inputs : bool
        Also store the input draws in ``posterior`` (stored runs).
    thresholds : mapping, optional
        Output name -> thresholds counted exactly in streaming runs.
    block_size, threads : int
        Performance knobs; they never change the result.
    scenario_text : str, optional
        Text of the scenario file, recorded in the root attributes.

    Returns
    -------
    xarray.DataTree
        Root attributes record scenario, seed, sampler, version and time.
    """
    result = run_engine(
        model,
        priors,
        draws=draws,
        chains=chains,
        seed=seed,
        store=store,
        store_inputs=store_inputs,
        sampler=sampler,
        correlations=correlations,
        thresholds=thresholds,
        block_size=block_size,
        threads=threads,
    )
    run = {
        "seed": seed,
        "sampler": sampler,
        "draws": draws,
        "chains": chains,
        "correlations": correlations,
    }
    used = {n: priors[n] for n in model.inputs}
    if store:
        return stored_tree(model, used, result, run, scenario_text)
    return streaming_tree(model, used, result, run, scenario_text)
