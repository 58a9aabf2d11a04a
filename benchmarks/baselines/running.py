"""Streaming summaries for the baseline scripts: what a user keeps when the draws do not fit.

A chunked loop feeds :class:`Running` one chunk of draws at a time; it keeps,
per output (as a streaming frontiercost run does), the count, sum and sum of
squares (mean and sd), the minimum and maximum, and a histogram of log10 |x|
on fixed bins (quantiles to ~0.5 % of the value), and never the draws.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

LOG_LO, LOG_HI, BINS = -30.0, 30.0, 12_000  # 200 bins per decade


class Running:
    """Running moments, extremes and a log-histogram of each variable."""

    def __init__(self) -> None:
        self.n: dict[str, int] = {}
        self.s1: dict[str, float] = {}
        self.s2: dict[str, float] = {}
        self.lo: dict[str, float] = {}
        self.hi: dict[str, float] = {}
        self.hist: dict[str, np.ndarray] = {}

    def add(self, chunk: dict[str, np.ndarray]) -> None:
        """Fold one chunk of draws (name -> 1-d array) into the summaries."""
        for name, x in chunk.items():
            if name not in self.n:
                self.n[name], self.s1[name], self.s2[name] = 0, 0.0, 0.0
                self.lo[name], self.hi[name] = np.inf, -np.inf
                self.hist[name] = np.zeros(BINS, np.int64)
            self.n[name] += x.size
            self.s1[name] += float(x.sum())
            self.s2[name] += float(np.dot(x, x))
            self.lo[name] = min(self.lo[name], float(x.min()))
            self.hi[name] = max(self.hi[name], float(x.max()))
            scale = BINS / (LOG_HI - LOG_LO)
            with np.errstate(divide="ignore"):
                i = ((np.log10(np.abs(x)) - LOG_LO) * scale).astype(np.int64)
            self.hist[name] += np.bincount(np.clip(i, 0, BINS - 1), minlength=BINS)

    def mean(self, name: str) -> float:
        """Mean of a variable."""
        return self.s1[name] / self.n[name]

    def quantile(self, name: str, q: float) -> float:
        """Quantile of |x| read from the histogram (bin midpoint)."""
        cdf = np.cumsum(self.hist[name])
        i = int(np.searchsorted(cdf, q * cdf[-1]))
        width = (LOG_HI - LOG_LO) / BINS
        return float(10 ** (LOG_LO + (i + 0.5) * width))


def stream(
    simulate: Callable[[int, np.random.Generator], dict[str, np.ndarray]],
    n: int,
    outputs: Iterable[str],
    seed: int = 0,
    chunk: int = 1 << 20,
) -> Running:
    """Run ``simulate`` on chunks of at most ``chunk`` draws and summarize ``outputs``."""
    rng = np.random.default_rng(seed)
    names = tuple(outputs)
    summary = Running()
    for start in range(0, n, chunk):
        draws = simulate(min(chunk, n - start), rng)
        summary.add({k: draws[k] for k in names})
    return summary
