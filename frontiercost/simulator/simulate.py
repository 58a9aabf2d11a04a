"""``simulate``: sample a model under its priors and return a DataTree."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import xarray as xr

from ..priors import Prior
from .copula import Correlations
from .dataset import stored_tree, streaming_tree
from .engine import DEFAULT_BLOCK, run_engine
from .model import Model

if TYPE_CHECKING:
    from ..scenarios import Scenario


def simulate(
    model: Model | Scenario | str | Path,
    priors: Mapping[str, Prior] | None = None,
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
    """Sample a scenario or model and return an ArviZ-layout ``xarray.DataTree``.

    Parameters
    ----------
    model : Scenario, str, path or Model
        A scenario (loaded, a built-in name or a file path), or a bare model.
    priors : mapping of str to Prior, optional
        A prior for every input of a bare model; a scenario brings its own
        (given here, they replace the scenario's of the same name).
    draws, chains : int
        Draws per chain and chains; the posterior has dims ``(chain, draw)``.
    seed : int
        Same seed, same bits, whatever ``threads`` and ``block_size``.
    sampler : {"mc", "qmc", "lhs"}
        Pseudo-random (counter-based), scrambled Sobol, or Latin hypercube.
    correlations : mapping, optional
        Spearman rank correlations ``{("a", "b"): rho}`` (Gaussian copula);
        a scenario's own are used when not given.
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
        Text of the scenario file, recorded in the root attributes (a
        scenario records its own).

    Returns
    -------
    xarray.DataTree
        Root attributes record scenario, seed, sampler, version and time.
    """
    if not isinstance(model, Model):
        from ..scenarios import Scenario, load_scenario

        sc = model if isinstance(model, Scenario) else load_scenario(model)
        model = sc.model()
        priors = {**sc.input_priors(), **(priors or {})}
        if correlations is None and sc.correlations:
            correlations = {
                pair: rho for pair, rho in sc.correlations.items() if set(pair) <= set(priors)
            }
        scenario_text = scenario_text if scenario_text is not None else sc.text
    if priors is None:
        from ..errors import SimulationError

        raise SimulationError("simulate: a bare Model needs priors for its inputs")
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
