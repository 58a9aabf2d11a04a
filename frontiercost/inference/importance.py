"""Importance sampling from the prior with Pareto-smoothed weights (PSIS).

With prior draws ``theta_s`` the posterior weights are ``w_s ∝ L(theta_s)``
(the prior is the proposal, so the density ratio is the likelihood).  Raw
weights have a heavy right tail when the evidence is sharp relative to the
prior; PSIS (Vehtari et al. 2024, "Pareto smoothed importance sampling",
JMLR 25:72) fits a generalized Pareto distribution to the largest weights,
replaces them by its quantiles, and reports the fitted shape ``k-hat``:
below ``min(1 - 1/log10(S), 0.7)`` the estimates are reliable.  The
smoothing and ``k-hat`` come from arviz-stats (``DataArray.azstats.psislw``,
the function its PSIS-LOO uses; it takes *negated* log ratios).

Draws the evidence rules out (a bound, or a model value the error model
cannot produce) have weight 0; PSIS runs on the others.

Posterior draws are a *systematic* resample of the prior draws to an equally
weighted set (one uniform offset, then evenly spaced points through the
cumulative weights: the resampling noise is the lowest of the standard
schemes), shuffled so that every chain is a random part of it.  Both the
offset and the shuffle come from the counter-based streams of
``frontiercost.engine._rng`` keyed on the seed: same seed, same bits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import xarray as xr

from ..engine._rng import fill_uniform, stream_key, uniform

RESAMPLE_STREAM = "__conditioning_resample__"
SHUFFLE_STREAM = "__conditioning_shuffle__"
MIN_TAIL = 25  # below this many usable draws PSIS cannot fit a tail (arviz needs 5 tail draws)


def khat_threshold(n: int) -> float:
    """Largest reliable Pareto ``k-hat`` for ``n`` draws: ``min(1 - 1/log10(n), 0.7)``.

    Vehtari et al. (2024), section 3.2.4: with fewer draws a smaller ``k`` is
    needed for the same accuracy.
    """
    if n < 11:
        return -math.inf
    return min(1.0 - 1.0 / math.log10(n), 0.7)


@dataclass(frozen=True)
class ImportanceResult:
    """Smoothed, normalised log weights of the prior draws and their diagnostics.

    Attributes
    ----------
    log_weights : numpy.ndarray
        Flat, one per prior draw; ``-inf`` for draws the evidence rules out.
    pareto_k : float
        Fitted generalized-Pareto shape of the weights' tail: ``inf`` when no
        tail can be fitted (too few draws with weight, or weights spanning
        hundreds of e-folds), NaN when the weights are all equal (bounds only:
        the resample is then exact rejection sampling).
    ess : float
        Importance-sampling effective sample size ``1 / sum(w**2)``.
    n_consistent : int
        Prior draws with non-zero likelihood.
    smoothed : bool
        Whether Pareto smoothing was applied.
    """

    log_weights: np.ndarray
    pareto_k: float
    ess: float
    n_consistent: int
    smoothed: bool


def psis(log_ratio: np.ndarray) -> ImportanceResult:
    """Pareto-smoothed importance weights from flat log ratios (here: log-likelihoods).

    Parameters
    ----------
    log_ratio : numpy.ndarray
        Flat array; ``-inf`` marks draws with zero weight.

    Returns
    -------
    ImportanceResult
        ``pareto_k`` is ``inf`` when too few draws have non-zero weight to fit
        a tail (fewer than ``MIN_TAIL``): the weights are then unreliable.
    """
    lr = np.asarray(log_ratio, dtype=np.float64).ravel()
    ok = np.isfinite(lr)
    n_ok = int(ok.sum())
    lw = np.full(lr.size, -np.inf)
    if n_ok == 0:
        return ImportanceResult(lw, math.inf, 0.0, 0, False)
    sub = lr[ok]
    if float(np.ptp(sub)) == 0.0:
        lw[ok] = -math.log(n_ok)
        return ImportanceResult(lw, math.nan, float(n_ok), n_ok, False)
    if n_ok < MIN_TAIL:
        raw = sub - np.logaddexp.reduce(sub)
        lw[ok] = raw
        return ImportanceResult(lw, math.inf, _ess(raw), n_ok, False)
    import arviz_stats  # noqa: F401  (registers the DataArray.azstats accessor used here)

    smoothed, khat = (-xr.DataArray(sub, dims=("sample",))).azstats.psislw(dim="sample", r_eff=1.0)
    k = float(khat)
    if not math.isfinite(k):  # the tail fit failed (weights spanning hundreds of e-folds)
        raw = sub - np.logaddexp.reduce(sub)
        lw[ok] = raw
        return ImportanceResult(lw, math.inf, _ess(raw), n_ok, False)
    sm = np.asarray(smoothed.values, dtype=np.float64)
    sm = sm - np.logaddexp.reduce(sm)
    lw[ok] = sm
    return ImportanceResult(lw, k, _ess(sm), n_ok, True)


def _ess(log_w: np.ndarray) -> float:
    """``1 / sum(w**2)`` of normalised log weights."""
    return float(math.exp(-np.logaddexp.reduce(2.0 * log_w)))


def systematic_resample(log_weights: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Indices of ``n`` equally weighted draws: systematic resampling, then a keyed shuffle.

    Parameters
    ----------
    log_weights : numpy.ndarray
        Normalised log weights (flat); ``-inf`` draws are never picked.
    n : int
        Number of draws wanted.
    seed : int
        Seed of the counter-based streams for the offset and the shuffle.

    Returns
    -------
    numpy.ndarray
        ``int64`` indices into ``log_weights``, shape ``(n,)``.
    """
    w = np.exp(np.asarray(log_weights, dtype=np.float64) - np.max(log_weights))
    cdf = np.cumsum(w)
    cdf /= cdf[-1]
    offset = uniform(stream_key(seed, RESAMPLE_STREAM), np.uint64(0))
    points = (np.arange(n, dtype=np.float64) + offset) / n
    idx = np.searchsorted(cdf, points, side="right")
    idx = np.minimum(idx, w.size - 1)
    # a point can land on a zero-weight draw only through rounding at a flat
    # stretch of the CDF; move it to the next draw with weight
    nz = np.flatnonzero(w > 0)
    idx = nz[np.minimum(np.searchsorted(nz, idx), nz.size - 1)]
    keys = np.empty(n)
    fill_uniform(stream_key(seed, SHUFFLE_STREAM), np.int64(0), keys, np.int64(n))
    return idx[np.argsort(keys, kind="stable")].astype(np.int64)
