"""Rank correlations between named parameters through a Gaussian copula.

A Spearman correlation ``rho_s`` between two margins of a Gaussian copula
corresponds to a normal correlation ``2 sin(pi rho_s / 6)`` (Kruskal 1958);
the margins themselves are untouched because each parameter is still sampled
by its own inverse CDF.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from ..errors import SimulationError

Correlations = Mapping[tuple[str, str], float]


def copula_factor(
    correlations: Correlations, names: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the correlated parameters and the Cholesky factor of their normal correlations.

    Raises
    ------
    SimulationError
        Unknown parameter, coefficient outside (-1, 1), a pair given twice, or a
        matrix that is not positive definite.
    """
    if not correlations:
        return np.zeros(0, np.int64), np.zeros((0, 0))
    involved: list[str] = []
    seen: dict[frozenset[str], float] = {}
    for pair, rho in correlations.items():
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise SimulationError(f"correlations: keys must be (name, name) pairs, got {pair!r}")
        a, b = pair
        for n in (a, b):
            if n not in names:
                raise SimulationError(
                    f"correlations: {n!r} is not a parameter; accepted: {', '.join(names)}"
                )
        if a == b:
            raise SimulationError(f"correlations: ({a}, {b}) correlates a parameter with itself")
        if isinstance(rho, bool) or not isinstance(rho, (int, float)) or not -1 < rho < 1:
            raise SimulationError(
                f"correlations: ({a}, {b}) must be a number in (-1, 1), got {rho!r}"
            )
        key = frozenset(pair)
        if key in seen:
            raise SimulationError(f"correlations: ({a}, {b}) is given twice")
        seen[key] = float(rho)
        involved += [n for n in (a, b) if n not in involved]
    involved.sort(key=list(names).index)
    k = len(involved)
    r = np.eye(k)
    for key, rho in seen.items():
        i, j = (involved.index(n) for n in key)
        r[i, j] = r[j, i] = 2.0 * math.sin(math.pi * rho / 6.0)
    try:
        chol = np.linalg.cholesky(r)
    except np.linalg.LinAlgError:
        raise SimulationError(
            f"correlations: the rank correlations among "
            f"{', '.join(involved)} are not jointly possible (matrix not "
            f"positive definite)"
        ) from None
    idx = np.array([list(names).index(n) for n in involved], dtype=np.int64)
    return idx, np.ascontiguousarray(chol)
