"""Baselines for the throughput benchmark: the reference cost model written without frontiercost.

The reference model (one final training run, in USD)::

    cost = training_compute / (peak_flops * utilization * 3600)
           * price_per_chip_hour * overhead / final_run_share

with independent inputs given as 90 % intervals (:data:`REFERENCE_INTERVALS`).
Three implementations are timed against the sampling core:

- :func:`numpy_plain`: what a user would write first, one vectorised pass over
  all draws.
- :func:`numpy_best`: the best numpy we know how to write: chunked, threaded,
  in place, one independent stream per chunk, optionally a streaming reduction.
- :func:`squigglepy_run`: the same model in squigglepy, when it is installed.

:func:`analytic_moments` gives the exact mean and standard deviation of the
model, so any implementation (fast or not) can be checked for being *right*.
"""

from __future__ import annotations

import math
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

__all__ = [
    "DEFAULT_THRESHOLD",
    "PEAK_FLOPS",
    "REFERENCE_INTERVALS",
    "ReferenceParams",
    "StreamSummary",
    "analytic_moments",
    "fit_beta_90",
    "fit_lognormal_90",
    "numpy_best",
    "numpy_plain",
    "reference_params",
    "squigglepy_run",
]

#: Dense BF16 tensor peak of one H100 SXM, FLOP/s (NVIDIA H100 datasheet, 989.4 TFLOPS
#: without sparsity), as fixed by the reference model.
PEAK_FLOPS = 989e12

#: 90 % intervals of the reference model: name -> (family, p5, p95).  For the
#: uniform the pair is its support, not a 90 % interval.
REFERENCE_INTERVALS: dict[str, tuple[str, float, float]] = {
    "training_compute": ("lognormal", 1e25, 5e25),  # FLOP
    "utilization": ("beta", 0.3, 0.5),  # fraction of peak
    "price_per_chip_hour": ("lognormal", 1.5, 3.5),  # USD / chip-hour
    "overhead": ("uniform", 1.2, 1.5),  # multiplier
    "final_run_share": ("beta", 0.1, 0.3),  # fraction of compute in the final run
}

#: Exceedance threshold of the streaming reductions, USD.  The model's median is
#: ~2.5e8, so 1e9 is a tail event with a probability of a few percent.
DEFAULT_THRESHOLD = 1e9

# Standard normal quantile at 0.95: a symmetric 90 % interval spans +-Z90 sigma.
Z90 = float(stats.norm.ppf(0.95))


@dataclass(frozen=True)
class ReferenceParams:
    """Numeric parameters of the reference model, in the families numpy samples directly.

    Attributes
    ----------
    compute_mu, compute_sigma : float
        Log-mean and log-sd of training compute (FLOP).
    util_alpha, util_beta : float
        Beta shape parameters of utilization.
    price_mu, price_sigma : float
        Log-mean and log-sd of the price per chip-hour (USD).
    overhead_lo, overhead_hi : float
        Support of the uniform overhead multiplier.
    share_alpha, share_beta : float
        Beta shape parameters of the final-run share.
    peak_flops : float
        Peak FLOP/s of one chip (fixed).
    """

    compute_mu: float
    compute_sigma: float
    util_alpha: float
    util_beta: float
    price_mu: float
    price_sigma: float
    overhead_lo: float
    overhead_hi: float
    share_alpha: float
    share_beta: float
    peak_flops: float = PEAK_FLOPS


@dataclass(frozen=True)
class StreamSummary:
    """Streaming reduction of the cost draws: what survives when nothing is stored.

    Attributes
    ----------
    count : int
        Number of draws reduced.
    mean : float
        Mean cost, USD.
    exceed : int
        Number of draws strictly above ``threshold``.
    threshold : float
        Exceedance threshold, USD.
    """

    count: int
    mean: float
    exceed: int
    threshold: float

    @property
    def exceed_fraction(self) -> float:
        """Fraction of draws above the threshold."""
        return self.exceed / self.count if self.count else math.nan


def fit_lognormal_90(p5: float, p95: float) -> tuple[float, float]:
    """Log-mean and log-sd of the lognormal whose 5th and 95th percentiles are given.

    Parameters
    ----------
    p5, p95 : float
        Percentiles, ``0 < p5 < p95``.

    Returns
    -------
    mu, sigma : float
        ``mu = (ln p5 + ln p95) / 2``, ``sigma = (ln p95 - ln p5) / (2 z_0.95)``.
    """
    if not 0 < p5 < p95:
        raise ValueError(f"lognormal 90% interval needs 0 < p5 < p95, got ({p5}, {p95})")
    lo, hi = math.log(p5), math.log(p95)
    return (lo + hi) / 2, (hi - lo) / (2 * Z90)


def fit_beta_90(p5: float, p95: float) -> tuple[float, float]:
    """Shape parameters of the beta distribution whose 5th and 95th percentiles are given.

    Solved with :func:`scipy.optimize.root` on the log-parameters (keeps both
    shapes positive without constraints), starting from a moment match that
    treats the interval as normal.

    Parameters
    ----------
    p5, p95 : float
        Percentiles, ``0 < p5 < p95 < 1``.

    Returns
    -------
    alpha, beta : float
        Shapes with ``beta.ppf(0.05) == p5`` and ``beta.ppf(0.95) == p95`` to ~1e-12.
    """
    if not 0 < p5 < p95 < 1:
        raise ValueError(f"beta 90% interval needs 0 < p5 < p95 < 1, got ({p5}, {p95})")
    m = (p5 + p95) / 2
    s = (p95 - p5) / (2 * Z90)
    k = max(m * (1 - m) / s**2 - 1, 1.0)
    x0 = np.log([m * k, (1 - m) * k])

    def residual(x: np.ndarray) -> np.ndarray:
        a, b = np.exp(x)
        # Relative residuals: p5 and p95 may differ by an order of magnitude.
        return np.array(
            [stats.beta.ppf(0.05, a, b) / p5 - 1, stats.beta.ppf(0.95, a, b) / p95 - 1]
        )

    sol = optimize.root(residual, x0, method="hybr", options={"xtol": 1e-13})
    # Judged by the residual, not sol.success: hybr reports "xtol too small" once it
    # sits on an exact root, which is the outcome we want.
    if not np.all(np.isfinite(sol.x)) or np.max(np.abs(residual(sol.x))) > 1e-10:
        raise ValueError(f"no beta distribution matches the 90% interval ({p5}, {p95})")
    a, b = np.exp(sol.x)
    return float(a), float(b)


def reference_params() -> ReferenceParams:
    """Fit :class:`ReferenceParams` from :data:`REFERENCE_INTERVALS`.

    Returns
    -------
    ReferenceParams
        The reference model's parameters (a few milliseconds of root finding).
    """
    iv = REFERENCE_INTERVALS
    compute_mu, compute_sigma = fit_lognormal_90(*iv["training_compute"][1:])
    util_alpha, util_beta = fit_beta_90(*iv["utilization"][1:])
    price_mu, price_sigma = fit_lognormal_90(*iv["price_per_chip_hour"][1:])
    overhead_lo, overhead_hi = iv["overhead"][1:]
    share_alpha, share_beta = fit_beta_90(*iv["final_run_share"][1:])
    return ReferenceParams(
        compute_mu=compute_mu,
        compute_sigma=compute_sigma,
        util_alpha=util_alpha,
        util_beta=util_beta,
        price_mu=price_mu,
        price_sigma=price_sigma,
        overhead_lo=overhead_lo,
        overhead_hi=overhead_hi,
        share_alpha=share_alpha,
        share_beta=share_beta,
    )


def analytic_moments(params: ReferenceParams) -> tuple[float, float]:
    """Exact mean and standard deviation of the reference cost.

    The inputs are independent, so the moments factor: ``E[X^k]`` of a lognormal
    is ``exp(k mu + k^2 sigma^2 / 2)``, of a uniform ``(hi^(k+1) - lo^(k+1)) /
    ((k+1)(hi - lo))``, and ``E[B^-k]`` of a Beta(a, b) is
    ``prod_{j<k} (a+b-1-j) / (a-1-j)`` for ``a > k``.

    Parameters
    ----------
    params : ReferenceParams
        Model parameters.

    Returns
    -------
    mean, sd : float
        Mean and standard deviation of the cost, USD (``sd`` is ``inf`` when a
        beta's ``alpha <= 2`` makes the second moment diverge).
    """
    p = params

    def raw_moment(k: int) -> float:
        if min(p.util_alpha, p.share_alpha) <= k:
            return math.inf
        lognormal = math.exp(
            k * (p.compute_mu + p.price_mu) + k * k * (p.compute_sigma**2 + p.price_sigma**2) / 2
        )
        lo, hi = p.overhead_lo, p.overhead_hi
        uniform = (hi ** (k + 1) - lo ** (k + 1)) / ((k + 1) * (hi - lo))
        inv_beta = 1.0
        for a, b in ((p.util_alpha, p.util_beta), (p.share_alpha, p.share_beta)):
            for j in range(k):
                inv_beta *= (a + b - 1 - j) / (a - 1 - j)
        return lognormal * uniform * inv_beta / (p.peak_flops * 3600.0) ** k

    m1, m2 = raw_moment(1), raw_moment(2)
    return m1, math.sqrt(max(m2 - m1 * m1, 0.0)) if math.isfinite(m2) else math.inf


def numpy_plain(n: int, seed: int, params: ReferenceParams) -> np.ndarray:
    """The reference model as a user would first write it in numpy.

    Parameters
    ----------
    n : int
        Number of draws.
    seed : int
        Seed of :func:`numpy.random.default_rng`.
    params : ReferenceParams
        Model parameters.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` float64 costs, USD.
    """
    p = params
    rng = np.random.default_rng(seed)
    compute = rng.lognormal(p.compute_mu, p.compute_sigma, n)
    util = rng.beta(p.util_alpha, p.util_beta, n)
    price = rng.lognormal(p.price_mu, p.price_sigma, n)
    overhead = rng.uniform(p.overhead_lo, p.overhead_hi, n)
    share = rng.beta(p.share_alpha, p.share_beta, n)
    return compute / (p.peak_flops * util * 3600.0) * price * overhead / share


def _fill_cost(
    rng: np.random.Generator,
    p: ReferenceParams,
    acc: np.ndarray,
    t1: np.ndarray,
    t2: np.ndarray,
    log_scale: float,
) -> None:
    """Write one chunk of costs into ``acc``, using ``t1``/``t2`` as scratch.

    The two lognormals share one ``exp`` (their logs add), the constant factors
    fold into its argument, and each beta is drawn as a ratio of gammas so that
    ``1 / beta = (g_a + g_b) / g_a`` costs no extra division; this is the same
    algorithm numpy's own ``beta`` uses for shapes above one.
    """
    rng.standard_normal(out=acc)
    acc *= p.compute_sigma
    rng.standard_normal(out=t1)
    t1 *= p.price_sigma
    acc += t1
    acc += log_scale
    np.exp(acc, out=acc)
    for a, b in ((p.util_alpha, p.util_beta), (p.share_alpha, p.share_beta)):
        rng.standard_gamma(a, out=t1)
        rng.standard_gamma(b, out=t2)
        t2 += t1
        t2 /= t1
        acc *= t2
    rng.random(out=t1)
    t1 *= p.overhead_hi - p.overhead_lo
    t1 += p.overhead_lo
    acc *= t1


def numpy_best(
    n: int,
    seed: int,
    params: ReferenceParams,
    threads: int = 2,
    chunk: int = 2**17,
    *,
    store: bool = True,
    threshold: float = DEFAULT_THRESHOLD,
) -> np.ndarray | StreamSummary:
    """Best-effort numpy: chunked, threaded, in place, float64.

    Chunk ``i`` draws from its own generator seeded by
    ``SeedSequence(seed).spawn(n_chunks)[i]``, so the result depends on ``seed``
    and ``chunk`` but not on ``threads``.  numpy releases the GIL inside its
    array fills and ufunc loops, which is what lets the threads overlap.

    Parameters
    ----------
    n : int
        Number of draws.
    seed : int
        Root seed.
    params : ReferenceParams
        Model parameters.
    threads : int, default 2
        Worker threads (1 runs in the calling thread).
    chunk : int, default 2**17
        Draws per chunk; working memory is about ``3 * 8 * chunk`` bytes per thread.
        Measured on 2 cores: 2**16 to 2**18 are equally fast (~20 M/s); 2**20
        leaves one thread idle at n = 1e6 (~10 M/s) and 2**14 loses ~12 % to
        per-chunk overhead.
    store : bool, default True
        Return all draws; if False, return a :class:`StreamSummary` in bounded memory.
    threshold : float, default :data:`DEFAULT_THRESHOLD`
        Exceedance threshold of the streaming summary, USD.

    Returns
    -------
    numpy.ndarray or StreamSummary
        ``(n,)`` float64 costs, or their streaming summary.
    """
    if n < 0 or threads < 1 or chunk < 1:
        raise ValueError(f"need n >= 0, threads >= 1, chunk >= 1; got {n}, {threads}, {chunk}")
    p = params
    n_chunks = -(-n // chunk)
    streams = np.random.SeedSequence(seed).spawn(n_chunks)
    log_scale = p.compute_mu + p.price_mu - math.log(p.peak_flops * 3600.0)
    out = np.empty(n) if store else None
    # Scratch per worker thread, local to this call: reusing it avoids page-faulting
    # fresh buffers for every chunk.
    local = threading.local()

    def work(i: int) -> tuple[float, int]:
        start = i * chunk
        m = min(chunk, n - start)
        bufs = getattr(local, "bufs", None)
        if bufs is None:
            bufs = local.bufs = tuple(np.empty(min(chunk, n)) for _ in range(3))
        acc = out[start : start + m] if out is not None else bufs[0][:m]
        _fill_cost(np.random.default_rng(streams[i]), p, acc, bufs[1][:m], bufs[2][:m], log_scale)
        if out is not None:
            return 0.0, 0
        return float(acc.sum()), int(np.count_nonzero(acc > threshold))

    if threads == 1 or n_chunks <= 1:
        parts = [work(i) for i in range(n_chunks)]
    else:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            parts = list(pool.map(work, range(n_chunks)))
    if out is not None:
        return out
    # Summed in chunk order, so the result is the same whatever the thread count.
    total, exceed = 0.0, 0
    for s, c in parts:
        total += s
        exceed += c
    return StreamSummary(
        count=n, mean=total / n if n else math.nan, exceed=exceed, threshold=threshold
    )


def squigglepy_run(n: int, seed: int, params: ReferenceParams) -> np.ndarray | None:
    """The reference model in squigglepy, single process.

    Parameters
    ----------
    n : int
        Number of draws.
    seed : int
        Seed passed to ``squigglepy.set_seed`` (squigglepy keeps one global generator).
    params : ReferenceParams
        Model parameters.

    Returns
    -------
    numpy.ndarray or None
        ``(n,)`` float64 costs, or None when squigglepy is not installed.
    """
    try:
        import squigglepy as sq
    except ImportError:
        return None
    p = params
    model = (
        sq.lognorm(norm_mean=p.compute_mu, norm_sd=p.compute_sigma)
        / (p.peak_flops * sq.beta(p.util_alpha, p.util_beta) * 3600.0)
        * sq.lognorm(norm_mean=p.price_mu, norm_sd=p.price_sigma)
        * sq.uniform(p.overhead_lo, p.overhead_hi)
        / sq.beta(p.share_alpha, p.share_beta)
    )
    sq.set_seed(seed)
    return np.asarray(sq.sample(model, n=n, verbose=False), dtype=np.float64)
