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
   :func:`frontiercost.engine.evaluate_uniforms` (the same inverse
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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special

from ..engine import evaluate_uniforms
from ..engine._jit import njit
from ..engine._rng import stream_key, uniform
from ..engine.plan import stream_groups
from ..engine.ranges import U_MIN
from ..errors import SimulationError
from ..model import Correlations, Model, copula_factor
from ..model.evidence import Observation
from ..priors import Fixed, Prior
from ..settings import Sampling
from .diagnostics import (
    ESS_PER_CHAIN,
    Diagnostics,
    importance_diagnostics,
    mcmc_diagnostics_arrays,
)
from .importance import khat_threshold, psis, systematic_resample
from .likelihood import copula_log_density, log_prior_density, total_log_likelihood
from .mcmc import default_thin, default_warmup, random_walk_metropolis

METHODS = ("auto", "is", "mcmc")
IS_NAME = "importance sampling (PSIS)"
MCMC_NAME = "adaptive Metropolis: random walk + independence moves"
_MCMC_SEED_TAG = 0x6D636D63  # "mcmc": keeps the proposal stream apart from other uses of seed


Stats = dict[str, tuple[np.ndarray, dict[str, Any]]]


@dataclass(frozen=True)
class Problem:
    """What to condition: the models, priors and evidence of one run.

    Attributes
    ----------
    name : str
        For messages.
    model : Model
        The run's model: its outputs and every observed quantity.
    model_all : Model
        The same inputs, with the inputs also as outputs (to evaluate states).
    priors : dict
        A prior per input.
    correlations : mapping, optional
        Rank correlations between inputs.
    observations : tuple of Observation
        The evidence.
    streams : mapping
        Input -> the input whose random stream it shares (a fleet's per-chip
        copies of one prior): they take the same uniform at every draw, in the
        prior as in the posterior.
    """

    name: str
    model: Model
    model_all: Model
    priors: dict[str, Prior]
    correlations: Correlations | None
    observations: tuple[Observation, ...]
    streams: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Conditioned:
    """A posterior as arrays, with what the tree records about how it was made.

    Attributes
    ----------
    posterior : dict
        Variable -> ``(chain, draw)`` values (the prior group's variables).
    log_likelihood : dict
        Observation name -> ``(chain, draw)`` log-likelihood at the posterior draws.
    log_prior : dict
        Uncertain input (and ``copula``) -> ``(chain, draw)`` log prior density.
    sample_stats : dict
        Name -> ``(values, attrs)``, every variable ``(chain, draw)``.
    stats_attrs : dict
        Per-run and per-chain figures (k-hat, ESS, acceptance rates...), the
        ``sample_stats`` group's attributes.
    inference, method, note : str
        Method name, ``"is"`` or ``"mcmc"``, and why MCMC took over (or ``""``).
    diagnostics : Diagnostics
        Values, warnings and whether they pass.
    """

    posterior: dict[str, np.ndarray]
    log_likelihood: dict[str, np.ndarray]
    log_prior: dict[str, np.ndarray]
    sample_stats: Stats
    stats_attrs: dict[str, Any]
    inference: str
    method: str
    note: str
    diagnostics: Diagnostics


def check_method(method: str, warmup: int | None, thin: int | None, max_is_draws: int) -> None:
    """Refuse an unknown method or a bad MCMC / importance-sampling setting."""
    if method not in METHODS:
        raise SimulationError(f"method: {method!r}; accepted: {', '.join(METHODS)}")
    for label, v in (("warmup", warmup), ("thin", thin), ("max_is_draws", max_is_draws)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
            raise SimulationError(f"{label}: must be a positive integer, got {v!r}")


def condition_draws(
    problem: Problem,
    prior: Mapping[str, np.ndarray],
    sampling: Sampling,
    *,
    method: str = "auto",
    warmup: int | None = None,
    thin: int | None = None,
    max_is_draws: int = 1 << 22,
    threads: int | None = None,
) -> Conditioned:
    """The posterior of ``problem`` from its prior draws (see the module docstring).

    Parameters
    ----------
    problem : Problem
        Models, priors and evidence.
    prior : mapping
        The prior group's variables, ``(chain, draw)`` arrays: every output of
        ``problem.model`` and every input (a plain stored run with inputs).
    sampling : Sampling
        The prior run's settings (``"mc"`` sampler): further importance draws
        continue its streams.
    method, warmup, thin, max_is_draws, threads
        As for :func:`frontiercost.condition`.

    Raises
    ------
    SimulationError
        Evidence no prior draw is consistent with.
    """
    check_method(method, warmup, thin, max_is_draws)
    obs = problem.observations
    draws, chains, seed = sampling.draws, sampling.chains, sampling.seed
    model, priors, corr = problem.model, problem.priors, problem.correlations
    names = list(prior)
    flat = {n: np.asarray(prior[n]).reshape(-1) for n in names}
    _, total = total_log_likelihood(obs, flat)
    n_prior = draws * chains
    target_ess = max(ESS_PER_CHAIN * chains, n_prior // 4)
    run = _Run(problem.model_all, priors, corr, obs, seed, threads, problem.streams)
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
        stats, stats_attrs = _is_stats(imp, idx, shape, n_prior)
        used = "is"
    else:
        rows = [model.inputs.index(n) for n in uncertain]
        lead, src = stream_groups(uncertain, problem.streams)
        mc = _run_mcmc(
            run, names, rows, lead, src, imp.log_weights, chains=chains, draws=draws,
            seed=seed, warmup=warmup, thin=thin,
        )  # fmt: skip
        post_values = {n: mc.payload[i] for i, n in enumerate(names)}
        post_loglik = {o.name: mc.payload[len(names) + j] for j, o in enumerate(obs)}
        z_post = np.zeros((len(model.inputs), n_prior))
        z_post[rows] = mc.z.reshape(n_prior, len(lead)).T[src]
        inference = f"MCMC ({MCMC_NAME}, {chains} chains)"
        stats, stats_attrs = _mcmc_stats(mc)
        used = "mcmc"
        diag = _merge(diag, mc)
        mdiag = mcmc_diagnostics_arrays(post_values, chains)
        diag.values.update(mdiag.values)
        diag.warnings.extend(mdiag.warnings)
        diag.warnings.extend(_beyond_reach(mc.z, [uncertain[i] for i in lead]))
    log_prior: dict[str, np.ndarray] = {}
    for n in model.inputs:
        if not isinstance(priors[n], Fixed):
            log_prior[n] = log_prior_density(priors[n], post_values[n])
    idx_c, chol = copula_factor(corr or {}, model.inputs)
    if idx_c.size:
        log_prior["copula"] = copula_log_density(z_post, idx_c, chol).reshape(shape)
    return Conditioned(
        posterior=post_values,
        log_likelihood=post_loglik,
        log_prior=log_prior,
        sample_stats=stats,
        stats_attrs=stats_attrs,
        inference=inference,
        method=used,
        note=note,
        diagnostics=diag,
    )


# --- pieces -----------------------------------------------------------------------------


CHUNK = 1 << 18  # draws per evaluation when the importance sample grows


@njit
def _fill_at(key: np.uint64, idx: np.ndarray, out: np.ndarray) -> None:
    """``out[j] = uniform(key, idx[j])``: the counter-based draws at given indices."""
    for j in range(idx.size):
        out[j] = uniform(key, np.uint64(idx[j]))


def prior_uniforms(
    model: Model, seed: int, idx: np.ndarray, streams: Mapping[str, str] | None = None
) -> np.ndarray:
    """Uniforms ``(n_inputs, len(idx))`` of prior draws ``idx`` (flat indices, ``"mc"`` sampler).

    Flat index ``i`` is draw ``i % draws`` of chain ``i // draws`` of a run
    with that seed and ``streams`` (input -> the input whose stream it shares):
    the same bits as :func:`frontiercost.simulate` uses.
    """
    idx = np.ascontiguousarray(idx, dtype=np.int64)
    u = np.empty((len(model.inputs), idx.size))
    first: dict[str, int] = {}
    for r, name in enumerate(model.inputs):
        stream = (streams or {}).get(name, name)
        if stream in first:
            u[r] = u[first[stream]]
            continue
        first[stream] = r
        _fill_at(stream_key(seed, stream), idx, u[r])
    return u


class _Run:
    """Model, priors and evidence of one conditioning run: evaluate prior draws or states."""

    def __init__(
        self,
        model_all: Model,
        priors: dict[str, Prior],
        corr: Correlations | None,
        obs: Sequence[Observation],
        seed: int,
        threads: int | None,
        streams: Mapping[str, str],
    ) -> None:
        self.model, self.priors, self.corr = model_all, priors, corr
        self.obs, self.seed, self.threads = tuple(obs), seed, threads
        self.streams = streams

    def uniforms(self, idx: np.ndarray) -> np.ndarray:
        """The uniforms of prior draws ``idx`` (flat indices)."""
        return prior_uniforms(self.model, self.seed, idx, self.streams)

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
            u = self.uniforms(np.arange(a, b))
            out[a - start : b - start] = self.evaluate(u, self.threads)[2]
        return out

    def at(
        self, idx: np.ndarray
    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray]:
        """Values, per-observation log-likelihoods and normal scores of prior draws ``idx``."""
        unique, inverse = np.unique(idx, return_inverse=True)
        u = self.uniforms(unique)
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
    lead: list[int],
    src: np.ndarray,
    log_w: np.ndarray,
    *,
    chains: int,
    draws: int,
    seed: int,
    warmup: int | None,
    thin: int | None,
) -> Any:
    """Metropolis in the normal scores of the uncertain inputs' distinct streams:
    ``rows`` are the inputs' rows, ``lead`` the index in ``rows`` of each stream's
    first input and ``src`` each input's stream (see :func:`stream_groups`)."""
    n_in = len(run.model.inputs)
    d = len(lead)
    lead_rows = [rows[i] for i in lead]

    def target(zu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        u = np.full((n_in, zu.shape[1]), 0.5)
        u[rows] = special.ndtr(zu)[src]
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
    zs = special.ndtri(run.uniforms(sub))[lead_rows]
    cov0 = np.atleast_2d(np.cov(zs)) + 1e-4 * np.eye(d)
    z0 = special.ndtri(run.uniforms(start))[lead_rows]
    return random_walk_metropolis(
        target,
        z0,
        cov0,
        draws=draws,
        warmup=warmup if warmup is not None else default_warmup(d),
        thin=thin if thin is not None else default_thin(d, draws),
        rng=rng,
    )


# The largest normal score a prior draw can have: uniforms are kept within
# [U_MIN, 1 - U_MIN], so beyond it every draw is the same value.
Z_EDGE = float(special.ndtri(1.0 - U_MIN))
# A share of MCMC draws beyond it that cuts the posterior's tail: 1 in 1,000.
EDGE_SHARE = 1e-3


def _beyond_reach(z: np.ndarray, names: Sequence[str]) -> list[str]:
    """Warnings for inputs whose MCMC draws lie beyond the edge of their prior's draws.

    There the chain walks on a plateau of one value, so a posterior that reaches
    beyond it piles up at the edge and passes R-hat and ESS (evidence 8 prior sd
    away gave a posterior median of 7,352 against the conjugate 18,257).  A
    posterior that only comes near the edge (its mass beyond it ~1e-11) passes.
    """
    beyond = (np.abs(z.reshape(-1, z.shape[-1])) > Z_EDGE).mean(axis=0)
    return [
        f"{name}: {share:.1%} of the posterior draws lie beyond normal score {Z_EDGE:.2f}"
        f" of its prior, where its draws stop: the evidence lies beyond what the prior can"
        f" draw, so the posterior is cut there; widen the prior of {name} or check the"
        " evidence"
        for name, share in zip(names, beyond, strict=True)
        if share > EDGE_SHARE
    ]


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
) -> tuple[Stats, dict[str, Any]]:
    arrays: Stats = {
        "log_weight": (
            imp.log_weights[:n_prior].reshape(shape),
            {
                "long_name": "smoothed, normalised log importance weight of the prior draw"
                " at (chain, draw) of group prior (-inf: ruled out by the evidence)",
                "units": "1",
            },
        ),
        "prior_draw": (
            idx.reshape(shape),
            {
                "long_name": "flat index of the prior draw copied (chain * draws + draw;"
                " indices past the prior group are further draws of the same streams)",
                "units": "1",
            },
        ),
    }
    attrs = {
        "pareto_k": float(imp.pareto_k),
        "ess": float(imp.ess),
        "importance_draws": int(imp.log_weights.size),
    }
    return arrays, attrs


def _mcmc_stats(mc: Any) -> tuple[Stats, dict[str, Any]]:
    lp = mc.log_likelihood - 0.5 * np.sum(mc.z * mc.z, axis=2)
    arrays: Stats = {
        "accepted": (
            mc.accepted,
            {"long_name": "whether the proposal was accepted", "units": "1"},
        ),
        "lp": (
            lp,
            {
                "long_name": "log posterior density in the normal scores (up to a constant)",
                "units": "1",
            },
        ),
    }
    attrs = {
        "acceptance_rate": [float(v) for v in np.atleast_1d(mc.acceptance_rate)],
        "jump_rate": [float(v) for v in np.atleast_1d(mc.jump_rate)],
        "step_size": float(mc.step_size),
    }
    return arrays, attrs


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
