"""``condition``: the posterior of a scenario given its ``[[observe]]`` evidence.

Without observations a run pushes the prior through the model.  With them,
``condition`` returns the posterior: the distribution of every input and
output *given* what was observed (published spending, a reported cost, a
bound on a share).

Method
------
1. Draw from the prior with :func:`frontiercost.simulate` (stored, inputs
   kept): this is the ``prior`` group, bit-identical to a plain run of the
   same scenario, seed and size.
2. Importance sampling: each prior draw's weight is its likelihood, Pareto
   smoothed (PSIS, arviz-stats); ``k-hat`` and the effective sample size say
   whether the weights can be trusted.  The forward model is cheap (millions
   of draws a second), so when the weights are unreliable or the ESS is below
   a quarter of the posterior's size, further draws of the same counter-based
   streams join the importance sample (x 8 at a time, evaluated in chunks, up
   to ``max_is_draws``).  The posterior is a systematic resample to an
   equally weighted set of the prior's ``(chain, draw)`` shape
   (:mod:`frontiercost.inference.importance`).
3. When the weights still cannot be trusted (``method="auto"``: ``k-hat``
   above ``min(1 - 1/log10(S), 0.7)`` or ESS below ``100 x chains``), or with
   ``method="mcmc"``: adaptive Metropolis (random-walk and independence moves)
   in the normal scores of the uncertain inputs, ``chains`` chains started
   from the importance-weighted draws, the model evaluated in batches by
   :func:`frontiercost.simulator.engine.evaluate_uniforms` (the same inverse
   CDFs, copula and kernel as the prior draws), R-hat and ESS from ArviZ
   (:mod:`frontiercost.inference.mcmc`).

Failing diagnostics never pass silently: the tree's root records
``diagnostics_ok = 0`` and the messages in ``warnings`` (JSON), and a
:class:`~frontiercost.inference.ConditioningWarning` is raised.

The tree
--------
``prior`` (prior draws), ``posterior`` (same variables), ``observed_data``
(one variable per observation), ``log_likelihood`` (per observation, at the
posterior draws), ``log_prior`` (per uncertain input, plus ``copula`` when
inputs are correlated, at the posterior draws: what power-scaling sensitivity
``az.psense`` needs) and ``sample_stats`` (importance sampling: the prior
draws' smoothed log weights, the prior draw behind each posterior draw,
``pareto_k``, ``ess``, ``importance_draws``; MCMC: ``accepted``, ``lp``,
``acceptance_rate``, ``jump_rate``, ``step_size``).  The root has the
attributes of a plain run plus ``inference``, ``method``, ``inference_note``,
``diagnostics_ok`` (1 or 0: netCDF has no booleans), ``diagnostics`` and
``warnings`` (JSON), ``observations`` and ``references`` (JSON: where each
``[reference]`` value of the scenario falls in the posterior).
"""

from __future__ import annotations

import dataclasses
import json
import math
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from scipy import special

from ..errors import ConditioningWarning, SimulationError
from ..inference.diagnostics import (
    ESS_PER_CHAIN,
    Diagnostics,
    importance_diagnostics,
    mcmc_diagnostics,
)
from ..inference.importance import khat_threshold, psis, systematic_resample
from ..inference.likelihood import (
    copula_log_density,
    log_prior_density,
    total_log_likelihood,
)
from ..inference.mcmc import default_thin, default_warmup, random_walk_metropolis
from ..priors import Fixed, Prior
from ..scenarios.observe import Observation
from ..scenarios.scenario import Scenario, load_scenario
from ._jit import njit
from ._rng import stream_key, uniform
from .copula import copula_factor
from .cost_model import QUANTITIES, Quantity, Resolved, build_model, needed_inputs
from .engine import evaluate_uniforms
from .model import Model
from .simulate import simulate

METHODS = ("auto", "is", "mcmc")
IS_NAME = "importance sampling (PSIS)"
MCMC_NAME = "adaptive Metropolis: random walk + independence moves"
_MCMC_SEED_TAG = 0x6D636D63  # "mcmc": keeps the proposal stream apart from other uses of seed


def condition(
    scenario: Scenario | str | Path,
    *,
    draws: int = 10_000,
    chains: int = 4,
    seed: int = 0,
    method: str = "auto",
    observations: Sequence[Observation] | None = None,
    warmup: int | None = None,
    thin: int | None = None,
    max_is_draws: int = 1 << 22,
    threads: int | None = None,
) -> xr.DataTree:
    """Condition a scenario on its ``[[observe]]`` evidence; return prior and posterior.

    Parameters
    ----------
    scenario : Scenario, str or path
        A loaded scenario, a built-in name or a file path.
    draws, chains : int
        Prior draws per chain and chains; the posterior has the same shape
        ``(chain, draw)``.  Importance sampling resamples the ``draws x
        chains`` prior draws; MCMC runs ``chains`` chains keeping ``draws``
        states each.
    seed : int
        Same seed, same bits (prior draws, resampling, MCMC proposals).
    method : {"auto", "is", "mcmc"}
        ``"auto"``: importance sampling, switching to MCMC when its weights are
        unreliable; ``"is"`` or ``"mcmc"`` force one (a forced importance
        sampler with unreliable weights warns).
    observations : sequence of Observation, optional
        Evidence to use instead of the scenario's own ``[[observe]]`` tables.
    warmup, thin : int, optional
        MCMC warm-up iterations and iterations per kept draw (defaults:
        ``max(1500, 300 d)`` and enough for about 400 effective draws per
        chain, ``d`` the number of uncertain inputs).
    max_is_draws : int
        Largest importance sample: when the ``draws x chains`` prior draws give
        unreliable weights or an ESS below a quarter of the draws, further draws
        of the same streams are added (x 8 at a time, in bounded memory) up to
        this many before MCMC takes over.
    threads : int, optional
        Numba threads for the prior draws; never changes the result.

    Returns
    -------
    xarray.DataTree
        Groups ``prior``, ``posterior``, ``observed_data``, ``log_likelihood``,
        ``log_prior``, ``sample_stats`` (see the module docstring).

    Raises
    ------
    SimulationError
        No observations, an unknown method, an observation of a quantity the
        scenario does not compute, or evidence no prior draw is consistent with.

    Warns
    -----
    ConditioningWarning
        When the diagnostics of the method used fail.
    """
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    obs = _checked_observations(sc, observations)
    if method not in METHODS:
        raise SimulationError(f"method: {method!r}; accepted: {', '.join(METHODS)}")
    for label, v in (("warmup", warmup), ("thin", thin), ("max_is_draws", max_is_draws)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
            raise SimulationError(f"{label}: must be a positive integer, got {v!r}")

    model, model_all = _models(sc, obs)
    priors = {n: sc.priors[n] for n in model.inputs}
    corr = {p: r for p, r in sc.correlations.items() if set(p) <= set(priors)} or None
    prior_tree = simulate(
        model,
        priors,
        draws=draws,
        chains=chains,
        seed=seed,
        correlations=corr,
        store=True,
        store_inputs=True,
        threads=threads,
        scenario_text=sc.text,
    )
    prior = prior_tree["posterior"].to_dataset()
    prior.attrs = {"inference": "none: prior draws (the prior pushed through the model)"}
    names = [str(n) for n in prior.data_vars]
    flat = {n: np.asarray(prior[n].values).reshape(-1) for n in names}
    _, total = total_log_likelihood(obs, flat)
    n_prior = draws * chains
    target_ess = max(ESS_PER_CHAIN * chains, n_prior // 4)
    run = _Run(model_all, priors, corr, obs, seed, threads)
    imp = psis(total)
    while total.size < max_is_draws and (
        imp.n_consistent == 0
        or (
            method != "mcmc"
            and (imp.ess < target_ess or imp.pareto_k > khat_threshold(imp.n_consistent))
        )
    ):
        grown = min(8 * total.size, max_is_draws)
        total = np.concatenate([total, run.log_likelihood_range(total.size, grown)])
        imp = psis(total)
    if imp.n_consistent == 0:
        raise SimulationError(_inconsistent_message(obs, flat))
    threshold = khat_threshold(imp.n_consistent)
    diag = importance_diagnostics(
        imp.pareto_k, imp.ess, threshold, chains, imp.n_consistent, total.size
    )
    uncertain = [n for n in model.inputs if not isinstance(priors[n], Fixed)]
    use_mcmc = bool(uncertain) and (method == "mcmc" or (method == "auto" and not diag.ok))
    note = ""
    if use_mcmc and method == "auto":
        note = "importance sampling failed its diagnostics (" + "; ".join(diag.warnings) + ")"
    shape = (chains, draws)
    if not use_mcmc:
        idx = systematic_resample(imp.log_weights, n_prior, seed)
        vals, per_obs, z_post = run.at(idx)
        post_values = {n: vals[n].reshape(shape) for n in names}
        post_loglik = {k: v.reshape(shape) for k, v in per_obs.items()}
        inference = IS_NAME
        stats = _is_stats(imp, idx, shape, n_prior)
        used = "is"
    else:
        rows = [model.inputs.index(n) for n in uncertain]
        mc = _run_mcmc(
            run, names, rows, imp.log_weights, chains=chains, draws=draws, seed=seed,
            warmup=warmup, thin=thin,
        )  # fmt: skip
        post_values = {n: mc.payload[i] for i, n in enumerate(names)}
        post_loglik = {o.name: mc.payload[len(names) + j] for j, o in enumerate(obs)}
        z_post = np.zeros((len(model.inputs), n_prior))
        z_post[rows] = mc.z.reshape(n_prior, len(rows)).T
        inference = f"MCMC ({MCMC_NAME}, {chains} chains)"
        stats = _mcmc_stats(mc)
        used = "mcmc"
        diag = _merge(diag, mc)

    posterior = xr.Dataset(
        {n: (("chain", "draw"), post_values[n], dict(prior[n].attrs)) for n in names},
        coords=prior.coords,
        attrs={"inference": inference},
    )
    if used == "mcmc":
        mdiag = mcmc_diagnostics(posterior, chains)
        diag.values.update(mdiag.values)
        diag.warnings.extend(mdiag.warnings)
    tree = _assemble(
        sc, prior_tree, prior, posterior, obs, post_loglik, z_post, model, priors, corr, stats
    )
    tree.attrs.update(
        inference=inference,
        method=used,
        inference_note=note,
        diagnostics_ok=int(diag.ok),  # netCDF has no booleans: 1 or 0
        diagnostics=json.dumps(diag.values, default=float),
        warnings=json.dumps(diag.warnings),
        observations=json.dumps([_obs_record(o) for o in obs], default=float),
        references=json.dumps(_references(sc, posterior, prior), default=float),
    )
    if not diag.ok:
        warnings.warn(
            ConditioningWarning(
                f"{sc.name}: {inference}: diagnostics fail: " + "; ".join(diag.warnings)
            ),
            stacklevel=2,
        )
    return tree


# --- pieces -----------------------------------------------------------------------------


def _checked_observations(
    sc: Scenario, observations: Sequence[Observation] | None
) -> tuple[Observation, ...]:
    obs = tuple(observations) if observations is not None else sc.observations
    if not obs:
        raise SimulationError(
            f"{sc.name}: no [[observe]] evidence to condition on; a plain run "
            "(frontiercost.simulate) gives the prior"
        )
    computable = set(sc.computable())
    seen: set[str] = set()
    for o in obs:
        if not isinstance(o, Observation):
            raise SimulationError(f"observations: expected Observation objects, got {o!r}")
        param = o.quantity in sc.priors and not isinstance(sc.priors[o.quantity], Fixed)
        if o.quantity not in computable and not param:
            accepted = sorted(
                computable | {n for n, p in sc.priors.items() if not isinstance(p, Fixed)}
            )
            raise SimulationError(
                f"observations: {sc.name} does not compute {o.quantity!r} (or it is fixed);"
                f" it computes: {', '.join(accepted)}"
            )
        if o.name in seen:
            raise SimulationError(f"observations: the name {o.name!r} is used twice")
        seen.add(o.name)
    return obs


def _models(sc: Scenario, obs: Sequence[Observation]) -> tuple[Model, Model]:
    """The run's model (outputs + observed quantities), and one outputting the inputs too."""
    outs = tuple(sc.outputs) + tuple(
        dict.fromkeys(o.quantity for o in obs if o.quantity not in sc.outputs)
    )
    inputs = needed_inputs(Resolved(sc.resolved.inputs, sc.resolved.formulas, outs))
    extra: dict[str, Quantity] = {
        n: Quantity(n, sc.priors[n].unit, sc.priors[n].description or n, (), False)
        for n in inputs
        if n not in QUANTITIES and n not in sc.quantities
    }
    extra.update(sc.quantities)
    res = Resolved(inputs, sc.resolved.formulas, outs)
    model = build_model(sc.name, res, extra, outs)
    all_outs = outs + tuple(n for n in inputs if n not in outs)
    model_all = build_model(sc.name, Resolved(inputs, sc.resolved.formulas, all_outs), extra)
    return model, model_all


CHUNK = 1 << 18  # draws per evaluation when the importance sample grows


@njit
def _fill_at(key: np.uint64, idx: np.ndarray, out: np.ndarray) -> None:
    """``out[j] = uniform(key, idx[j])``: the counter-based draws at given indices."""
    for j in range(idx.size):
        out[j] = uniform(key, np.uint64(idx[j]))


def prior_uniforms(model: Model, seed: int, idx: np.ndarray) -> np.ndarray:
    """Uniforms ``(n_inputs, len(idx))`` of prior draws ``idx`` (flat indices, ``"mc"`` sampler).

    Flat index ``i`` is draw ``i % draws`` of chain ``i // draws`` of a run
    with that seed: the same bits as :func:`frontiercost.simulate` uses.
    """
    idx = np.ascontiguousarray(idx, dtype=np.int64)
    u = np.empty((len(model.inputs), idx.size))
    for r, name in enumerate(model.inputs):
        _fill_at(stream_key(seed, name), idx, u[r])
    return u


class _Run:
    """Model, priors and evidence of one conditioning run: evaluate prior draws or states."""

    def __init__(
        self,
        model_all: Model,
        priors: dict[str, Prior],
        corr: dict[tuple[str, str], float] | None,
        obs: Sequence[Observation],
        seed: int,
        threads: int | None,
    ) -> None:
        self.model, self.priors, self.corr = model_all, priors, corr
        self.obs, self.seed, self.threads = tuple(obs), seed, threads

    def evaluate(
        self, u: np.ndarray, threads: int | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray]:
        """Values of every output and input, per-observation and total log-likelihood."""
        vals = evaluate_uniforms(self.model, self.priors, u, self.corr, threads=threads)
        per, total = total_log_likelihood(self.obs, vals)
        return vals, per, total

    def log_likelihood_range(self, start: int, stop: int) -> np.ndarray:
        """Total log-likelihood of prior draws ``start .. stop`` (flat indices), in chunks."""
        out = np.empty(stop - start)
        for a in range(start, stop, CHUNK):
            b = min(a + CHUNK, stop)
            u = prior_uniforms(self.model, self.seed, np.arange(a, b))
            out[a - start : b - start] = self.evaluate(u, self.threads)[2]
        return out

    def at(
        self, idx: np.ndarray
    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray]:
        """Values, per-observation log-likelihoods and normal scores of prior draws ``idx``."""
        unique, inverse = np.unique(idx, return_inverse=True)
        u = prior_uniforms(self.model, self.seed, unique)
        vals, per, _ = self.evaluate(u, self.threads)
        z = special.ndtri(u)[:, inverse]
        return (
            {k: v[inverse] for k, v in vals.items()},
            {k: v[inverse] for k, v in per.items()},
            z,
        )


def _run_mcmc(
    run: _Run,
    names: list[str],
    rows: list[int],
    log_w: np.ndarray,
    *,
    chains: int,
    draws: int,
    seed: int,
    warmup: int | None,
    thin: int | None,
) -> Any:
    n_in = len(run.model.inputs)
    d = len(rows)

    def target(zu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        u = np.full((n_in, zu.shape[1]), 0.5)
        u[rows] = special.ndtr(zu)
        vals, per, total = run.evaluate(u, threads=1)  # a few columns: threads cost more
        payload = np.stack([vals[n] for n in names] + [per[o.name] for o in run.obs])
        return total, payload

    rng = np.random.default_rng(np.random.SeedSequence([seed, _MCMC_SEED_TAG]))
    w = np.exp(log_w - np.max(log_w))
    w /= w.sum()
    n_pos = int(np.count_nonzero(w))
    start = rng.choice(w.size, size=chains, replace=n_pos < chains, p=w)
    # proposal covariance: of an equally weighted resample of the importance sample
    sub = systematic_resample(log_w, min(w.size, 20_000), seed)
    zs = special.ndtri(prior_uniforms(run.model, seed, sub))[rows]
    cov0 = np.atleast_2d(np.cov(zs)) + 1e-4 * np.eye(d)
    z0 = special.ndtri(prior_uniforms(run.model, seed, start))[rows]
    return random_walk_metropolis(
        target,
        z0,
        cov0,
        draws=draws,
        warmup=warmup if warmup is not None else default_warmup(d),
        thin=thin if thin is not None else default_thin(d, draws),
        rng=rng,
    )


def _merge(diag: Diagnostics, mc: Any) -> Diagnostics:
    """Keep the importance-sampling values for the record; MCMC decides pass or fail."""
    values = {f"is_{k}": v for k, v in diag.values.items()}
    values.update(
        acceptance_rate_min=float(np.min(mc.acceptance_rate)),
        jump_rate_min=float(np.min(mc.jump_rate)),
        step_size=mc.step_size,
        warmup=float(mc.warmup),
        thin=float(mc.thin),
    )
    return Diagnostics(values, [])


def _is_stats(
    imp: Any, idx: np.ndarray, shape: tuple[int, int], n_prior: int
) -> dict[str, xr.DataArray]:
    return {
        "log_weight": xr.DataArray(
            imp.log_weights[:n_prior].reshape(shape),
            dims=("chain", "draw"),
            attrs={
                "long_name": "smoothed, normalised log importance weight of the prior draw"
                " at (chain, draw) of group prior (-inf: ruled out by the evidence)",
                "units": "1",
            },
        ),
        "prior_draw": xr.DataArray(
            idx.reshape(shape),
            dims=("chain", "draw"),
            attrs={
                "long_name": "flat index of the prior draw copied (chain * draws + draw;"
                " indices past the prior group are further draws of the same streams)"
            },
        ),
        "pareto_k": xr.DataArray(imp.pareto_k, attrs={"long_name": "PSIS Pareto k-hat"}),
        "ess": xr.DataArray(
            imp.ess, attrs={"long_name": "importance-sampling effective sample size"}
        ),
        "importance_draws": xr.DataArray(
            imp.log_weights.size, attrs={"long_name": "prior draws behind the weights"}
        ),
    }


def _mcmc_stats(mc: Any) -> dict[str, xr.DataArray]:
    lp = mc.log_likelihood - 0.5 * np.sum(mc.z * mc.z, axis=2)
    return {
        "accepted": xr.DataArray(mc.accepted, dims=("chain", "draw")),
        "lp": xr.DataArray(
            lp,
            dims=("chain", "draw"),
            attrs={"long_name": "log posterior density in the normal scores (up to a constant)"},
        ),
        "acceptance_rate": xr.DataArray(
            mc.acceptance_rate,
            dims=("chain",),
            attrs={"long_name": "accepted random-walk proposals after warm-up"},
        ),
        "jump_rate": xr.DataArray(
            mc.jump_rate,
            dims=("chain",),
            attrs={"long_name": "accepted independence (multivariate t) proposals after warm-up"},
        ),
        "step_size": xr.DataArray(mc.step_size, attrs={"long_name": "proposal scale"}),
    }


def _assemble(
    sc: Scenario,
    prior_tree: xr.DataTree,
    prior: xr.Dataset,
    posterior: xr.Dataset,
    obs: Sequence[Observation],
    loglik: dict[str, np.ndarray],
    z_post: np.ndarray,
    model: Model,
    priors: dict[str, Prior],
    corr: dict[tuple[str, str], float] | None,
    stats: dict[str, xr.DataArray],
) -> xr.DataTree:
    coords = prior.coords
    units = {n: str(prior[n].attrs.get("units", "")) for n in prior.data_vars}
    ll = xr.Dataset(
        {k: (("chain", "draw"), v, {"units": "1", "quantity": o.quantity}) for o in obs
         for k, v in [(o.name, loglik[o.name])]},
        coords=coords,
    )  # fmt: skip
    observed: dict[str, xr.DataArray] = {}
    for o in obs:
        attrs = {
            "quantity": o.quantity,
            "error": o.error,
            "source": o.source,
            "units": units.get(o.quantity, ""),
        }
        if o.is_bound:
            observed[o.name] = xr.DataArray(
                [o.lower, o.upper], dims=("bound",), coords={"bound": ["lower", "upper"]},
                attrs=attrs,
            )  # fmt: skip
        else:
            observed[o.name] = xr.DataArray(o.value, attrs={**attrs, "sigma": o.sigma})
    lp: dict[str, Any] = {}
    for n in model.inputs:
        if not isinstance(priors[n], Fixed):
            lp[n] = (("chain", "draw"), log_prior_density(priors[n], posterior[n].values), {})
    idx, chol = copula_factor(corr or {}, model.inputs)
    if idx.size:
        dens = copula_log_density(z_post, idx, chol).reshape(posterior.sizes["chain"], -1)
        lp["copula"] = (("chain", "draw"), dens, {"long_name": "Gaussian copula log density"})
    return xr.DataTree.from_dict(
        {
            "/": xr.Dataset(attrs=dict(prior_tree.attrs)),
            "prior": prior,
            "posterior": posterior,
            "observed_data": xr.Dataset(observed),
            "log_likelihood": ll,
            "log_prior": xr.Dataset(lp, coords=coords),
            "sample_stats": xr.Dataset(stats, coords=coords),
        }
    )


def _obs_record(o: Observation) -> dict[str, Any]:
    rec = {k: v for k, v in dataclasses.asdict(o).items() if k != "given"}
    rec["given"] = o.given
    for k in ("value", "sigma", "lower", "upper"):
        if not math.isfinite(rec[k]):
            rec[k] = None
    return rec


def _references(sc: Scenario, posterior: xr.Dataset, prior: xr.Dataset) -> dict[str, Any]:
    """Each ``[reference]`` value against the prior and the posterior: medians and quantile."""
    out: dict[str, Any] = {}
    for name, ref in sc.reference.items():
        if name not in posterior:
            continue
        post = np.asarray(posterior[name].values).ravel()
        pri = np.asarray(prior[name].values).ravel()
        out[name] = {
            "value": ref.value,
            "source": ref.source,
            "posterior_median": float(np.median(post)),
            "posterior_p5": float(np.quantile(post, 0.05)),
            "posterior_p95": float(np.quantile(post, 0.95)),
            "prior_median": float(np.median(pri)),
            "posterior_quantile_of_value": float(np.mean(post < ref.value)),
        }
    return out


def _inconsistent_message(obs: Sequence[Observation], flat: dict[str, np.ndarray]) -> str:
    parts = []
    for o in obs:
        q = flat[o.quantity]
        lo, hi = np.nanquantile(q, [0.001, 0.999]) if np.any(np.isfinite(q)) else (np.nan, np.nan)
        parts.append(f"{o.describe()} (prior 99.8 % range {lo:.4g} .. {hi:.4g})")
    return (
        "no prior draw is consistent with the evidence: widen the priors or check the"
        " observations: " + " | ".join(parts)
    )


def conditioning_report(tree: xr.DataTree) -> list[str]:
    """Lines telling the user how a conditioned tree was made and whether to trust it.

    For the CLI and notebooks: method, diagnostics, warnings, the evidence and
    where each ``[reference]`` value falls in the posterior.
    """
    a = tree.attrs
    lines = [f"inference: {a['inference']}"]
    if a.get("inference_note"):
        lines.append(f"  ({a['inference_note']}; switched to MCMC)")
    diag = json.loads(a.get("diagnostics", "{}"))
    shown = ", ".join(f"{k} {v:.3g}" for k, v in diag.items() if isinstance(v, int | float))
    lines.append(f"diagnostics: {'ok' if a.get('diagnostics_ok') else 'FAIL'} ({shown})")
    lines += [f"warning: {w}" for w in json.loads(a.get("warnings", "[]"))]
    lines.append("evidence:")
    for rec in json.loads(a.get("observations", "[]")):
        lines.append(f"  {rec['name']}: {rec['quantity']} ({rec['error']}); {rec['source']}")
    refs = json.loads(a.get("references", "{}"))
    if refs:
        lines.append("reference values (not used as evidence):")
        for name, r in refs.items():
            lines.append(
                f"  {name}: {r['value']:.4g} ({r['source']}); posterior median "
                f"{r['posterior_median']:.4g}, 90 % {r['posterior_p5']:.4g} .. "
                f"{r['posterior_p95']:.4g}; P(posterior < value) = "
                f"{r['posterior_quantile_of_value']:.2f}"
            )
    return lines
