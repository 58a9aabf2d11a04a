"""Adaptive random-walk Metropolis in the standard-normal score space of the inputs.

Every prior is sampled by inverse CDF, so an input's value is
``F^-1(Phi(z))`` for a standard-normal score ``z``; in ``z`` the prior is
``N(0, I)`` (the Gaussian copula, when inputs are correlated, is applied to
``Phi(z)`` inside the engine) and the posterior density is
``N(z; 0, I) x L(theta(z))``.  The model has few uncertain inputs (2-15) and
one evaluation of a batch costs about as much as one of a single draw, so the
sampler runs all chains in lock-step and evaluates their proposals in one
call.

Warm-up (Haario et al. 2001; Roberts & Rosenthal 2009): proposals
``z' = z + s L e`` with ``e ~ N(0, I)``, ``L L^T`` the covariance of the
chains' recent warm-up states (recomputed at doubling intervals, starting from
the importance-weighted prior covariance) and ``s`` adapted by Robbins-Monro
towards the acceptance rate that is optimal for a Gaussian target (0.44 in one
dimension, 0.234 from five; Gelman, Roberts & Gilks 1996).  After warm-up the
proposals are frozen, so the kept draws are a Markov chain with the posterior
as its stationary law.

Each sampling iteration makes two Metropolis-Hastings moves: the random walk,
then an *independence* proposal from a multivariate t (5 degrees of freedom)
with the mean and covariance of the warm-up states, accepted with the ratio
that corrects for the proposal density.  The random walk explores locally; the
independence move jumps across the posterior in one step wherever the
warm-up's Gaussian picture of it is roughly right, which is what makes narrow
curved ridges (a sum of uncertain compute figures observed tightly) mix.  Both
moves leave the posterior invariant, so their composition does too.

Randomness comes from a ``numpy.random.Generator`` (PCG64) seeded from the
run's seed: the same seed gives the same bits.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

T_DOF = 5.0  # degrees of freedom of the independence proposal
# Evaluate a batch of states z (d, K): returns (total log-likelihood (K,), payload (m, K)).
Target = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


def optimal_acceptance(d: int) -> float:
    """Acceptance rate of an optimally scaled random walk on a d-dimensional Gaussian."""
    return {1: 0.44, 2: 0.35, 3: 0.31, 4: 0.27}.get(d, 0.234)


def default_thin(d: int, draws: int) -> int:
    """Thinning for about 400 effective draws per chain.

    An optimally scaled random walk on a Gaussian has an integrated
    autocorrelation time of about ``3.3 d`` (efficiency ``0.3 / d``), so 400
    effective draws need about ``1300 d`` iterations.
    """
    return max(1, math.ceil(1300 * d / max(draws, 1)))


def default_warmup(d: int) -> int:
    """Warm-up iterations: enough for the covariance of ``d`` inputs and the step size."""
    return max(1500, 300 * d)


@dataclass(frozen=True)
class MCMCResult:
    """Kept states of a random-walk Metropolis run.

    Attributes
    ----------
    z : numpy.ndarray
        Shape ``(chains, draws, d)``: normal scores of the uncertain inputs.
    payload : numpy.ndarray
        Shape ``(m, chains, draws)``: what the target returned with each kept state.
    log_likelihood : numpy.ndarray
        Shape ``(chains, draws)``: total log-likelihood of each kept state.
    accepted : numpy.ndarray
        Shape ``(chains, draws)``, bool: whether the proposal made at the kept
        iteration was accepted.
    acceptance_rate : numpy.ndarray
        Shape ``(chains,)``: accepted random-walk proposals after warm-up.
    jump_rate : numpy.ndarray
        Shape ``(chains,)``: accepted independence proposals after warm-up.
    step_size : float
        Final scale ``s`` of the proposal ``s L e``.
    warmup, thin : int
        Iterations discarded, and iterations per kept draw.
    """

    z: np.ndarray
    payload: np.ndarray
    log_likelihood: np.ndarray
    accepted: np.ndarray
    acceptance_rate: np.ndarray
    jump_rate: np.ndarray
    step_size: float
    warmup: int
    thin: int


def _chol(cov: np.ndarray) -> np.ndarray:
    d = cov.shape[0]
    cov = 0.5 * (cov + cov.T)
    jitter = 1e-10 * max(float(np.trace(cov)) / d, 1e-12)
    for _ in range(12):
        try:
            return np.linalg.cholesky(cov + jitter * np.eye(d))
        except np.linalg.LinAlgError:
            jitter *= 10.0
    return np.eye(d) * 0.1


def random_walk_metropolis(
    target: Target,
    z0: np.ndarray,
    cov0: np.ndarray,
    *,
    draws: int,
    warmup: int,
    thin: int,
    rng: np.random.Generator,
) -> MCMCResult:
    """Run ``K`` chains of adaptive random-walk Metropolis in lock-step.

    Parameters
    ----------
    target : callable
        ``target(z)`` with ``z`` of shape ``(d, K)`` returns the total
        log-likelihood ``(K,)`` (``-inf`` where impossible) and a payload
        ``(m, K)`` stored with the kept states.
    z0 : numpy.ndarray
        Shape ``(d, K)``: starting states, each with finite likelihood.
    cov0 : numpy.ndarray
        Shape ``(d, d)``: starting proposal covariance (before scaling).
    draws, warmup, thin : int
        Kept draws per chain, warm-up iterations, iterations per kept draw
        (each iteration after warm-up makes a random-walk and an independence move).
    rng : numpy.random.Generator
        Source of proposals and acceptance uniforms.

    Returns
    -------
    MCMCResult
    """
    d, k = z0.shape
    z = np.array(z0, dtype=np.float64)
    ll, payload = target(z)
    if not np.all(np.isfinite(ll)):
        raise ValueError("random_walk_metropolis: every starting state needs a finite likelihood")
    lp = ll - 0.5 * np.sum(z * z, axis=0)
    chol = _chol(np.asarray(cov0, dtype=np.float64))
    log_s = math.log(2.38 / math.sqrt(d))
    goal = optimal_acceptance(d)
    history: list[np.ndarray] = []
    next_update = 100

    def step(scale: float) -> np.ndarray:
        nonlocal z, ll, lp, payload
        prop = z + scale * (chol @ rng.standard_normal((d, k)))
        ll_p, pay_p = target(prop)
        lp_p = ll_p - 0.5 * np.sum(prop * prop, axis=0)
        log_u = np.log(rng.random(k))
        with np.errstate(invalid="ignore"):
            acc = np.isfinite(lp_p) & (log_u < lp_p - lp)
        z = np.where(acc, prop, z)
        ll = np.where(acc, ll_p, ll)
        lp = np.where(acc, lp_p, lp)
        payload = np.where(acc, pay_p, payload)
        return acc

    for t in range(warmup):
        acc = step(math.exp(log_s))
        log_s += (float(acc.mean()) - goal) / (t + 1) ** 0.6
        history.append(z.copy())
        if t + 1 == next_update and t + 1 < warmup:
            recent = np.concatenate(history[len(history) // 2 :], axis=1)  # (d, n*K)
            if recent.shape[1] > 2 * d:
                chol = _chol(np.cov(recent) + 1e-8 * np.eye(d))
            next_update *= 2

    scale = math.exp(log_s)
    pooled = np.concatenate(history[len(history) // 2 :], axis=1)
    centre = pooled.mean(axis=1)
    t_chol = _chol(np.atleast_2d(np.cov(pooled)) + 1e-8 * np.eye(d))
    t_inv = np.linalg.inv(t_chol)

    def log_q(x: np.ndarray) -> np.ndarray:
        m = t_inv @ (x - centre[:, None])
        return -0.5 * (T_DOF + d) * np.log1p(np.sum(m * m, axis=0) / T_DOF)

    def jump() -> np.ndarray:
        nonlocal z, ll, lp, payload
        g = rng.chisquare(T_DOF, k) / T_DOF
        prop = centre[:, None] + (t_chol @ rng.standard_normal((d, k))) / np.sqrt(g)
        ll_p, pay_p = target(prop)
        lp_p = ll_p - 0.5 * np.sum(prop * prop, axis=0)
        log_u = np.log(rng.random(k))
        with np.errstate(invalid="ignore"):
            acc = np.isfinite(lp_p) & (log_u < (lp_p - log_q(prop)) - (lp - log_q(z)))
        z = np.where(acc, prop, z)
        ll = np.where(acc, ll_p, ll)
        lp = np.where(acc, lp_p, lp)
        payload = np.where(acc, pay_p, payload)
        return acc

    zs = np.empty((k, draws, d))
    pay = np.empty((payload.shape[0], k, draws))
    lls = np.empty((k, draws))
    accepted = np.zeros((k, draws), dtype=bool)
    n_acc = np.zeros(k)
    n_jump = np.zeros(k)
    for i in range(draws):
        for _ in range(thin):
            acc = step(scale)
            n_acc += acc
            n_jump += jump()
        zs[:, i, :] = z.T
        pay[:, :, i] = payload
        lls[:, i] = ll
        accepted[:, i] = acc
    return MCMCResult(
        z=zs,
        payload=pay,
        log_likelihood=lls,
        accepted=accepted,
        acceptance_rate=n_acc / (draws * thin),
        jump_rate=n_jump / (draws * thin),
        step_size=scale,
        warmup=warmup,
        thin=thin,
    )
