"""Log-likelihood of observations and log density of priors, per draw.

The likelihood of an observation is the density of the *reported* value
given the model's value ``q`` of the observed quantity (see
:mod:`frontiercost.scenarios.observe` for the error models)::

    lognormal   ln p(y | q) = -ln y - ln sigma - ln(2 pi)/2 - (ln y - ln q)^2 / (2 sigma^2)
    normal      ln p(y | q) = -ln sigma - ln(2 pi)/2 - (y - q)^2 / (2 sigma^2)
    bound       0 if lower <= q <= upper else -inf

A draw where ``q`` is NaN (or not positive, for a lognormal error) has
likelihood 0 (``-inf``): the model cannot have produced the report there.

The log prior density (the ``log_prior`` group, which power-scaling
sensitivity needs) is the sum of each uncertain input's log density at its
value, plus the Gaussian copula's log density when inputs are correlated.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from scipy import special

from ..model.evidence import Observation
from ..priors import Empirical, Fixed, LogitNormal, Mixture, Prior

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def log_likelihood(obs: Observation, q: np.ndarray) -> np.ndarray:
    """Log-likelihood of ``obs`` at each model value ``q`` (any shape).

    Parameters
    ----------
    obs : Observation
        The observation.
    q : numpy.ndarray
        The observed quantity's value in each draw.

    Returns
    -------
    numpy.ndarray
        Same shape as ``q``; ``-inf`` where the draw is impossible under ``obs``.
    """
    q = np.asarray(q, dtype=np.float64)
    out = np.full(q.shape, -np.inf)
    if obs.is_bound:
        ok = (q >= obs.lower) & (q <= obs.upper)  # NaN compares False
        out[ok] = 0.0
        return out
    y, s = obs.value, obs.sigma
    if obs.error == "lognormal":
        ok = q > 0
        r = (math.log(y) - np.log(q[ok])) / s
        out[ok] = -math.log(y) - math.log(s) - _HALF_LOG_2PI - 0.5 * r * r
        return out
    ok = np.isfinite(q)
    r = (y - q[ok]) / s
    out[ok] = -math.log(s) - _HALF_LOG_2PI - 0.5 * r * r
    return out


def log_prior_density(prior: Prior, x: np.ndarray) -> np.ndarray:
    """Log density of ``prior`` at ``x`` (``-inf`` outside its support).

    Families with a scipy reference use its ``logpdf``; the logit-normal,
    mixture and empirical (quantile-table) families have their own forms here.

    Raises
    ------
    TypeError
        For a fixed prior (it has no density).
    """
    x = np.asarray(x, dtype=np.float64)
    if isinstance(prior, Fixed):
        raise TypeError("a fixed prior has no density")
    if isinstance(prior, LogitNormal):
        width = prior.upper - prior.lower
        y = (x - prior.lower) / width
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (special.logit(y) - prior.mu) / prior.sigma
            out = (
                -0.5 * t * t
                - _HALF_LOG_2PI
                - math.log(prior.sigma)
                - np.log(y * (1.0 - y))
                - math.log(width)
            )
        return np.where((y > 0) & (y < 1), out, -np.inf)
    if isinstance(prior, Mixture):
        return np.asarray(prior._logpdf(x), dtype=np.float64)
    if isinstance(prior, Empirical):
        return _empirical_log_density(prior, x)
    return np.asarray(prior._scipy().logpdf(x), dtype=np.float64)


def _empirical_log_density(prior: Empirical, x: np.ndarray) -> np.ndarray:
    """Piecewise-constant density of a linear quantile table: ``dp / dx`` per cell."""
    p = np.asarray(prior.p, dtype=np.float64)
    v = np.asarray(prior.x, dtype=np.float64)
    dx = np.diff(v)
    with np.errstate(divide="ignore"):
        cell_log = np.where(
            dx > 0, np.log(np.diff(p)) - np.log(np.where(dx > 0, dx, 1.0)), -np.inf
        )
    k = np.clip(np.searchsorted(v, x, side="right") - 1, 0, dx.size - 1)
    inside = (x >= v[0]) & (x <= v[-1])
    return np.where(inside, cell_log[k], -np.inf)


def copula_log_density(z: np.ndarray, idx: np.ndarray, chol: np.ndarray) -> np.ndarray:
    """Log density of the Gaussian copula at independent normal scores ``z``.

    The engine correlates rows ``idx`` as ``w = L z`` (``L`` = ``chol``); with
    ``R = L L^T`` the copula density at ``w`` is
    ``N(w; 0, R) / prod N(w_i; 0, 1)``, i.e.
    ``-z.z / 2 + w.w / 2 - sum(ln diag L)``.

    Parameters
    ----------
    z : numpy.ndarray
        Shape ``(n_inputs, n)``: every input's independent normal score.
    idx, chol : numpy.ndarray
        The correlated rows and the Cholesky factor (``copula_factor``).
    """
    if idx.size == 0:
        return np.zeros(z.shape[1])
    zc = z[idx]
    w = chol @ zc
    return 0.5 * (np.sum(w * w, axis=0) - np.sum(zc * zc, axis=0)) - float(
        np.sum(np.log(np.diag(chol)))
    )


def total_log_likelihood(
    observations: Sequence[Observation], values: Mapping[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Per-observation log-likelihoods and their sum.

    Parameters
    ----------
    observations : sequence of Observation
    values : mapping
        Quantity name -> values (one array shape for all).

    Returns
    -------
    (dict, numpy.ndarray)
        ``{obs.name: log-likelihood}`` and the total.
    """
    per = {o.name: log_likelihood(o, values[o.quantity]) for o in observations}
    total = np.sum(np.stack(list(per.values())), axis=0)
    return per, total
