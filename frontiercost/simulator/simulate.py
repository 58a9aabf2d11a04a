"""``simulate``: sample a model under its priors and return a DataTree."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import xarray as xr

from ..errors import SimulationError
from ..priors import Prior
from .copula import Correlations
from .dataset import stored_tree, streaming_tree
from .engine import DEFAULT_BLOCK, run_engine
from .model import Model

if TYPE_CHECKING:
    from distributed import Client

    from ..scenarios import Scenario


class RunInputs(NamedTuple):
    """What a run samples: the model, a prior per input, correlations, the scenario text."""

    model: Model
    priors: dict[str, Prior]
    correlations: Correlations | None
    scenario_text: str | None


def resolve(
    model: Model | Scenario | str | Path,
    priors: Mapping[str, Prior] | None = None,
    correlations: Correlations | None = None,
    scenario_text: str | None = None,
) -> RunInputs:
    """A scenario (loaded, a name or a path) or a bare model as the inputs of a run.

    Arguments as for :func:`simulate`.

    Raises
    ------
    SimulationError
        A bare model without priors.
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
        raise SimulationError("simulate: a bare Model needs priors for its inputs")
    return RunInputs(model, dict(priors), correlations, scenario_text)


def run_record(
    seed: int, sampler: str, draws: int, chains: int, correlations: Correlations | None
) -> dict[str, Any]:
    """The run settings a tree records in its root attributes."""
    return {
        "seed": seed,
        "sampler": sampler,
        "draws": draws,
        "chains": chains,
        "correlations": correlations,
    }


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
    progress: Callable[[int, int], None] | None = None,
    client: Client | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    threads_per_worker: int = 1,
    out: str | Path | None = None,
) -> xr.DataTree:
    """Sample a scenario or model and return an ArviZ-layout ``xarray.DataTree``.

    A scenario with ``[[observe]]`` evidence is conditioned on it
    (:func:`frontiercost.condition`): the tree then also has ``prior``,
    ``observed_data``, ``log_likelihood``, ``log_prior`` and ``sample_stats``.

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
        Performance knobs; they never change the result (on dask, ``threads``
        is numba threads per task, default 1).
    scenario_text : str, optional
        Text of the scenario file, recorded in the root attributes (a
        scenario records its own).
    progress : callable, optional
        ``progress(done, total)`` as draws complete (local engine); the result
        is the same bits with or without it.
    client, workers, scheduler : optional
        Run on dask instead of local threads (give at most one): a
        ``distributed.Client``; a number of worker processes for a loopback
        ``LocalCluster`` started and closed by this call; or a scheduler
        address (``"tcp://host:8786"``).  Same seed, same bits as the local
        engine; see :mod:`frontiercost.simulator.distributed`.
    threads_per_worker : int
        Threads of each worker of the ``LocalCluster`` started for ``workers``.
    out : str or path, optional
        Dask stored runs only: the Zarr store the workers write the draws into
        (replaced atomically when the run succeeds); the tree returned is read
        back from it into memory.

    Returns
    -------
    xarray.DataTree
        Root attributes record scenario, seed, sampler, version and time.
    """
    if not isinstance(model, Model):
        from ..scenarios import Scenario, load_scenario

        sc = model if isinstance(model, Scenario) else load_scenario(model)
        if sc.observations:
            asked = {
                "priors": priors is not None,
                "correlations": correlations is not None,
                "store=False": not store,
                f"sampler={sampler!r}": sampler != "mc",
                "a dask cluster": any(v is not None for v in (client, workers, scheduler, out)),
            }
            bad = [k for k, v in asked.items() if v]
            if bad:
                raise SimulationError(
                    f"{sc.name}: a scenario with [[observe]] evidence is conditioned "
                    f"(stored Monte Carlo draws, then importance sampling or MCMC); "
                    f"not available with {', '.join(bad)}"
                )
            from .conditioning import condition

            return condition(sc, draws=draws, chains=chains, seed=seed, threads=threads)
        model = sc
    model, priors, correlations, scenario_text = resolve(
        model, priors, correlations, scenario_text
    )
    if client is not None or workers is not None or scheduler is not None:
        from .distributed import simulate_dask

        return simulate_dask(
            model,
            priors,
            draws=draws,
            chains=chains,
            seed=seed,
            sampler=sampler,
            correlations=correlations,
            store=store,
            store_inputs=store_inputs,
            thresholds=thresholds,
            block_size=block_size,
            threads=threads,
            scenario_text=scenario_text,
            client=client,
            workers=workers,
            scheduler=scheduler,
            threads_per_worker=threads_per_worker,
            out=out,
        )
    if out is not None:
        raise SimulationError(
            "out: Zarr written by dask workers needs workers, scheduler or client;"
            " save a local run with tree.to_zarr"
        )
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
        progress=progress,
    )
    run = run_record(seed, sampler, draws, chains, correlations)
    used = {n: priors[n] for n in model.inputs}
    if store:
        return stored_tree(model, used, result, run, scenario_text)
    return streaming_tree(model, used, result, run, scenario_text)
