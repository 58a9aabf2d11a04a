"""Streaming summaries: what is kept of a run whose draws are not stored.

Per output: count, mean and variance (from shifted sums merged in a fixed
order), min and max and the draws equal to each, NaN count, exceedance counts
for requested thresholds (and at values the first draws repeat), and
a log-linear histogram with 256 bins per octave (bin edges at
``2^e · (1 + k/256)``).  A quantile read from it lies in the right bin, so its
relative error is at most one bin width, ``2^-8`` (0.39 %); linear
interpolation inside the bin brings it to ~1e-5 for smooth distributions (the
tests measure it).  An HDI's width is exact to one bin; its end points are too
where the shortest interval is unique, and where the density is nearly flat
across them another interval of the same width (to a bin) can be chosen than
from the sorted draws.

An output whose first draws all lie beyond half its central value (a
decimal year such as 2026.7 ± 1) is histogrammed as ``draw - central``
(``StreamStats.offset``): its bins are then 2^-8 of the distance from the
central value, never wider than those of the draws themselves there; measured
from 0 they were 8 years wide.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ._drivers import EXP_HI, EXP_LO, N_BINS, SUB_BITS


@functools.cache
def _edges() -> np.ndarray:
    """Upper edges of the positive histogram's bins (index ``N_BINS`` = one past);
    made once (read-only), each quantile reads them."""
    k = np.arange(N_BINS + 1)
    e = (k >> SUB_BITS) + EXP_LO
    sub = k & ((1 << SUB_BITS) - 1)
    edges = np.ldexp(1.0 + sub / (1 << SUB_BITS), e)
    edges.flags.writeable = False
    return edges


# Magnitudes the histogram's bins bound; beyond them draws are counted in the end bins.
HIST_RANGE = (float(np.ldexp(1.0, EXP_LO)), float(np.ldexp(1.0, EXP_HI)))
# One output's histogram at most (int64 counts, negative and positive rows).
HIST_BYTES = 2 * N_BINS * 8


@dataclass(frozen=True)
class Counts:
    """Integer counts of a range of draws; counts of consecutive ranges add exactly.

    Attributes
    ----------
    hist : ndarray
        ``(n_out, 2, N_BINS)``: row 0 negative values by magnitude, row 1
        positive values; int32 when fewer than 2^31 draws are counted.
    zeros : ndarray
        ``(n_out,)`` draws exactly zero.
    exceed : ndarray
        ``(n_out, n_thresholds)`` draws above each threshold.
    """

    hist: np.ndarray
    zeros: np.ndarray
    exceed: np.ndarray

    @classmethod
    def empty(cls, n_out: int, n_thresholds: int, draws: int | None = None) -> Counts:
        """All-zero counts for at most ``draws`` draws (``None``: any number)."""
        # The histogram is a streaming run's largest array: int32 halves it.
        small = draws is not None and draws < 2**31
        return cls(
            np.zeros((n_out, 2, N_BINS), np.int32 if small else np.int64),
            np.zeros(n_out, np.int64),
            np.zeros((n_out, n_thresholds), np.int64),
        )

    def add(self, other: Counts) -> None:
        """Add ``other``'s counts into these, in place."""
        for mine, theirs in zip(self.arrays(), other.arrays(), strict=True):
            np.add(mine, theirs, out=mine)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``hist``, ``zeros`` and ``exceed``."""
        return self.hist, self.zeros, self.exceed


@dataclass(frozen=True)
class StreamStats:
    """Reduced statistics of a streaming run.

    Attributes
    ----------
    names : tuple of str
        Output names (row order of every array).
    count, mean, var, minimum, maximum, nan_count : ndarray
        Per output (``count``: draws that are not NaN).
    inf_count : ndarray
        Per output: draws that are +inf or -inf (counted in ``count``).
    thresholds, exceed : ndarray
        ``(n_out, n_thresholds)`` thresholds and how many draws exceeded them.
    hist : ndarray
        ``(n_out, 2, N_BINS)`` integer counts: row 0 negative values by
        magnitude, row 1 positive values.
    zeros : ndarray
        ``(n_out,)`` draws exactly at ``offset`` (zero for most outputs).
    offset : ndarray, optional
        ``(n_out,)`` the value each output's histogram measures from: its
        bins and ``zeros`` count ``draw - offset`` (default 0 for every output).
    atoms, atom_count, atom_above : ndarray, optional
        ``(n_out, k)``: values the run's first draws repeated (NaN-padded),
        how many draws equal each and how many lie above it, counted exactly.
        Readers take an atom's draws out of its bin as a point (a bin cannot
        tell draws equal to its lower edge from draws above it).
    min_count, max_count : ndarray, optional
        ``(n_out,)`` draws equal to the minimum and to the maximum: points too,
        however rare (a clamp's bound seldom reached).
    """

    names: tuple[str, ...]
    count: np.ndarray
    mean: np.ndarray
    var: np.ndarray
    minimum: np.ndarray
    maximum: np.ndarray
    nan_count: np.ndarray
    inf_count: np.ndarray
    thresholds: np.ndarray
    exceed: np.ndarray
    hist: np.ndarray
    zeros: np.ndarray
    offset: np.ndarray | None = None
    atoms: np.ndarray | None = None
    atom_count: np.ndarray | None = None
    atom_above: np.ndarray | None = None
    min_count: np.ndarray | None = None
    max_count: np.ndarray | None = None

    def _offset(self, o: int) -> float:
        return 0.0 if self.offset is None or not self.offset.size else float(self.offset[o])

    def _clamped(self, o: int) -> tuple[bool, bool, bool, bool]:
        """Whether each end bin may hold draws beyond its edges: the top bin of the
        negatives, the bottom (smallest magnitude) bin of the negatives, the bottom
        and the top bins of the positives.

        Magnitudes above ``2**EXP_HI`` are counted in the top bin and below
        ``2**EXP_LO`` in the bottom one; the exact minimum and maximum tell when
        that cannot have happened.
        """
        e = _edges()
        off = self._offset(o)
        lo, hi = float(self.minimum[o]) - off, float(self.maximum[o]) - off
        return (lo < -e[N_BINS], hi > -e[0], lo < e[0], hi > e[N_BINS])

    def beyond_range(self, name: str) -> bool:
        """Whether output ``name`` has draws the histogram may have clamped (:meth:`quantile`)."""
        o = self.names.index(name)
        neg, pos = self.hist[o, 0], self.hist[o, 1]
        ends = [int(neg[N_BINS - 1]), int(neg[0]), int(pos[0]), int(pos[N_BINS - 1])]
        # infinite draws of one sign fill a top bin with values it knows exactly
        lo, hi = float(self.minimum[o]), float(self.maximum[o])  # inf - offset is inf
        if hi == np.inf and lo > -np.inf:
            ends[3] -= int(self.inf_count[o])
        elif lo == -np.inf and hi < np.inf:
            ends[0] -= int(self.inf_count[o])
        return any(c > 0 and f for c, f in zip(ends, self._clamped(o), strict=True))

    def _ordered(self, o: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Counts, (lower, upper) edges and exactness of output ``o``'s bins, in increasing
        value order; an end bin that may hold draws beyond its edges is not exact."""
        e = _edges()
        neg, pos, zero = self.hist[o, 0], self.hist[o, 1], self.zeros[o]
        nz_neg = np.flatnonzero(neg)[::-1]
        nz_pos = np.flatnonzero(pos)
        counts = np.concatenate([neg[nz_neg], [zero], pos[nz_pos]]).astype(float)
        lower = np.concatenate([-e[nz_neg + 1], [0.0], e[nz_pos]])
        upper = np.concatenate([-e[nz_neg], [0.0], e[nz_pos + 1]])
        neg_top, neg_bottom, pos_bottom, pos_top = self._clamped(o)
        inexact = np.concatenate(
            [
                (nz_neg == N_BINS - 1) & neg_top | (nz_neg == 0) & neg_bottom,
                [False],
                (nz_pos == 0) & pos_bottom | (nz_pos == N_BINS - 1) & pos_top,
            ]
        )
        # A bin that may hold draws beyond its edges spans all they can be: from its
        # inner edge out to the extreme seen, or in to zero.
        big = np.abs(lower) >= e[N_BINS - 1]
        lower = np.where(inexact & big & (lower < 0), -np.inf, lower)
        upper = np.where(inexact & big & (upper > 0), np.inf, upper)
        lower = np.where(inexact & ~big & (lower > 0), 0.0, lower)
        upper = np.where(inexact & ~big & (upper < 0), 0.0, upper)
        keep = counts > 0
        counts, lower, upper, exact = counts[keep], lower[keep], upper[keep], ~inexact[keep]
        off = self._offset(o)
        if off:  # bins of draw - offset, as values
            lower, upper = lower + off, upper + off
        # The end bins cannot extend past what was seen.
        lower = np.clip(lower, self.minimum[o], self.maximum[o])
        upper = np.clip(upper, self.minimum[o], self.maximum[o])
        if off:
            # A bin of draws beyond half the offset (a rare draw after the first ones
            # chose it) is 2^-8 of its distance from the offset wide, more than 2^-8
            # of its values: no quantile is read there (NaN, as beyond the range)
            # rather than one 10x off.
            exact &= ~self._coarse(lower, upper)
        return self._split_atoms(o, counts, lower, upper, exact)

    def _split_atoms(
        self, o: int, counts: np.ndarray, lower: np.ndarray, upper: np.ndarray, exact: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Bins with each atom of output ``o`` taken out as a point of its exact count,
        and the rest of its bin cut at it into the draws below and above (both counted:
        above the atom are ``atom_above`` less the bins beyond)."""
        points: list[tuple[float, float, float]] = []
        if self.atoms is not None and self.atom_count is not None and self.atom_above is not None:
            points += zip(self.atoms[o], self.atom_count[o], self.atom_above[o], strict=True)
        n, lo, hi = float(self.count[o]), float(self.minimum[o]), float(self.maximum[o])
        if self.min_count is not None and self.min_count.size and lo not in (p[0] for p in points):
            points.append((lo, float(self.min_count[o]), n - float(self.min_count[o])))
        if self.max_count is not None and self.max_count.size and hi not in (p[0] for p in points):
            points.append((hi, float(self.max_count[o]), 0.0))
        for a, at, above in points:
            if not (at > 0 and np.isfinite(a)):
                continue
            # the atom's bin: one of the (at most two) reaching it whose counts agree
            for k in np.flatnonzero((lower <= a) & (a <= upper)):
                up = float(above) - counts[k + 1 :].sum()
                down = counts[k] - at - up
                if up >= 0 and down >= 0:
                    break
            else:
                continue  # no bin agrees (cannot happen): leave them as they are
            e = bool(exact[k])
            cut = [(down, lower[k], a, e), (float(at), a, a, True), (up, a, upper[k], e)]
            cut = [p for i, p in enumerate(cut) if i == 1 or p[0] > 0]
            counts, lower, upper, exact = (
                np.concatenate([col[:k], np.array([p[i] for p in cut], col.dtype), col[k + 1 :]])
                for i, col in enumerate((counts, lower, upper, exact))
            )
        return counts, lower, upper, exact

    @staticmethod
    def _coarse(lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
        """Bins (as values) wider than 2^-8 of their smallest magnitude, the width a bin
        measured from 0 never exceeds (1 % slack for the rounding of ``+ offset``)."""
        smallest = np.minimum(np.abs(lower), np.abs(upper))
        with np.errstate(invalid="ignore"):  # inf - inf: an infinite draw's own bin
            return (upper - lower) > 1.01 * 2.0**-SUB_BITS * smallest

    def coarse_draws(self, name: str) -> int:
        """Draws of output ``name`` in bins too wide to read a quantile from: far from
        the value its histogram measures from (see :attr:`offset`); 0 without one."""
        o = self.names.index(name)
        if not self._offset(o):
            return 0
        counts, lower, upper, _ = self._ordered(o)
        return int(counts[self._coarse(lower, upper)].sum())

    def quantile(self, name: str, q: float | np.ndarray) -> np.ndarray:
        """Quantiles of output ``name``: numpy's linear rule on the draws as the bins
        place them (see below), within one bin of the stored figure.

        NaN where the quantile falls in an end bin that may hold draws beyond
        the histogram's range (magnitudes above ``2**EXP_HI``, about 1.5e48, or
        below ``2**EXP_LO``, about 6.8e-49): there no bin bounds the value.
        """
        o = self.names.index(name)
        counts, lower, upper, exact = self._ordered(o)
        if counts.size == 0:  # every draw NaN: no quantile
            return np.full(np.shape(q), np.nan)
        cum = np.cumsum(counts)
        n = cum[-1]
        # numpy's linear rule on the draws as the bins place them: rank q (n - 1)
        # between draws floor and floor + 1, a bin's c draws at (j + 1/2)/c of it and
        # the first and last draws at the run's exact minimum and maximum. At a point
        # mass whose count ends exactly at the rank (a step table under lhs) that is
        # the stored figure, 1 + 0.7 (4 - 1) = 3.1, not the step's 1.
        rank = np.asarray(q, float) * (n - 1)
        below = np.floor(rank)
        a, a_ok = self._draw_at(below, counts, cum, lower, upper, exact)
        b, b_ok = self._draw_at(np.minimum(below + 1, n - 1), counts, cum, lower, upper, exact)
        f = rank - below
        with np.errstate(invalid="ignore"):  # infinite neighbours
            value = np.where(f > 0, a + f * (b - a), a)
        value = np.where(a_ok & (b_ok | (f == 0)), value, np.nan)
        return self._infinite_ends(o, np.asarray(q, float), value)

    def _draw_at(
        self,
        i: np.ndarray,
        counts: np.ndarray,
        cum: np.ndarray,
        lower: np.ndarray,
        upper: np.ndarray,
        exact: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``i`` (0-based, in increasing order) as the bins place it, and whether
        its bin bounds it; the first and last are the bins' outer edges (the run's
        minimum and maximum)."""
        k = np.minimum(np.searchsorted(cum, i, side="right"), counts.size - 1)
        j = i - (cum[k] - counts[k])  # its place in its bin
        with np.errstate(invalid="ignore"):  # a bin reaching an infinite draw
            x = lower[k] + (j + 0.5) / counts[k] * (upper[k] - lower[k])
            x = np.where(i <= 0, lower[0], np.where(i >= cum[-1] - 1, upper[-1], x))
        return x, exact[k]

    def _infinite_ends(self, o: int, q: np.ndarray, value: np.ndarray) -> np.ndarray:
        """``value`` with the quantiles that fall among infinite draws set to them.

        Infinite draws are values, counted exactly: when all are of one sign
        (the run's minimum or maximum says which), they are the top (or
        bottom) ``inf_count`` ranks, and a quantile there is that infinity, as
        numpy's interpolation of stored draws gives in the limit.
        """
        n_inf, n = int(self.inf_count[o]), int(self.count[o])
        lo, hi = float(self.minimum[o]), float(self.maximum[o])
        if not n_inf or (lo == -np.inf and hi == np.inf):
            return value  # none, or of both signs: their split is not counted
        rank = q * (n - 1)  # numpy's linear rule: between ranks floor and floor + 1
        if hi == np.inf:
            return np.where(rank > n - n_inf - 1, np.inf, value)
        return np.where(rank < n_inf, -np.inf, value)

    def hdi(self, name: str, prob: float) -> tuple[float, float]:
        """Shortest interval holding ``floor(prob n) + 1`` of the ``n`` draws, as
        arviz-stats' ``hdi`` counts them (to one bin width); NaN when an end of it
        falls in a bin beyond the histogram's range (see :meth:`quantile`)."""
        o = self.names.index(name)
        counts, lower, upper, exact = self._ordered(o)
        if counts.size == 0:  # every draw NaN: no interval
            return float("nan"), float("nan")
        cum = np.concatenate([[0.0], np.cumsum(counts)])
        # arviz-stats' count: a 90 % HDI of a step table with exactly 10 % on its last
        # step reaches it (prob n draws would stop short of it)
        need = min(np.floor(prob * cum[-1]) + 1, cum[-1])
        # For each start bin i, the first end bin j with cum[j+1] - cum[i] >= need.
        j = np.searchsorted(cum, cum[:-1] + need, side="left") - 1
        ok = j < counts.size
        i = np.flatnonzero(ok)
        j = j[ok]
        width = upper[j] - lower[i]
        best = int(np.argmin(width))
        if not (exact[i[best]] and exact[j[best]]):
            return float("nan"), float("nan")
        return float(lower[i[best]]), float(upper[j[best]])

    def exceedance(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Thresholds of output ``name`` and P(X > threshold) among non-NaN draws."""
        o = self.names.index(name)
        return self.thresholds[o], self.exceed[o] / self.count[o]


def merge_moments(seg_mom: np.ndarray, shift: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per-segment shifted sums (in segment order) as count, mean, var, min, max, NaN, inf,
    and the draws equal to the min and to the max."""
    count = seg_mom[:, :, 0].sum(axis=0)
    lo, hi = seg_mom[:, :, 3].min(axis=0), seg_mom[:, :, 4].max(axis=0)
    # draws at the run's min (max): those of the segments whose min (max) it is
    at_lo = np.where(seg_mom[:, :, 3] == lo, seg_mom[:, :, 7], 0.0).sum(axis=0)
    at_hi = np.where(seg_mom[:, :, 4] == hi, seg_mom[:, :, 8], 0.0).sum(axis=0)
    s1 = seg_mom[:, :, 1].sum(axis=0)
    s2 = seg_mom[:, :, 2].sum(axis=0)
    # a sum beyond float64 is caught where the moments are read (summarize)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        d = s1 / count
        var = (s2 - count * d * d) / (count - 1)
    return (
        count,
        shift + d,
        np.maximum(var, 0.0),
        lo,
        hi,
        seg_mom[:, :, 5].sum(axis=0),
        seg_mom[:, :, 6].sum(axis=0),
        at_lo,
        at_hi,
    )
