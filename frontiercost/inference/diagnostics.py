"""Diagnostics of a conditioned run and the warning a failing one raises.

Importance sampling is trusted when the Pareto ``k-hat`` of its weights is at
most ``min(1 - 1/log10(S), 0.7)`` and its effective sample size is at least
``100 x chains``.  MCMC is trusted when every sampled variable has rank-normalized
split R-hat at most 1.01 and bulk and tail ESS of at least ``100 x chains``
(Vehtari et al. 2021, "Rank-normalization, folding, and localization",
Bayesian Analysis 16(2); the thresholds ArviZ documents).  R-hat and ESS come
from ArviZ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import arviz_stats as az
import numpy as np
import xarray as xr

RHAT_MAX = 1.01
ESS_PER_CHAIN = 100


@dataclass
class Diagnostics:
    """Named diagnostic values, whether they pass, and the messages of those that fail."""

    values: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.warnings


def importance_diagnostics(
    pareto_k: float, ess: float, threshold: float, chains: int, n_consistent: int, n: int
) -> Diagnostics:
    """Check an importance-sampling result (see the module docstring)."""
    diag = Diagnostics(
        {
            "pareto_k": pareto_k,
            "pareto_k_threshold": threshold,
            "ess": ess,
            "min_ess": float(ESS_PER_CHAIN * chains),
            "prior_draws": float(n),
            "consistent_prior_draws": float(n_consistent),
        }
    )
    if not math.isnan(pareto_k) and pareto_k > threshold:
        diag.warnings.append(
            f"Pareto k-hat {pareto_k:.2f} > {threshold:.2f}: the importance weights are"
            " unreliable (the evidence is sharp or far in the tail of the prior); use more"
            " draws or method='mcmc'"
        )
    if ess < ESS_PER_CHAIN * chains:
        diag.warnings.append(
            f"importance-sampling ESS {ess:.0f} < {ESS_PER_CHAIN * chains}: too few prior"
            " draws carry the posterior; use more draws or method='mcmc'"
        )
    return diag


def mcmc_diagnostics_arrays(values: dict[str, np.ndarray], chains: int) -> Diagnostics:
    """:func:`mcmc_diagnostics` of ``(chain, draw)`` arrays."""
    return mcmc_diagnostics(
        xr.Dataset({n: (("chain", "draw"), v) for n, v in values.items()}), chains
    )


def mcmc_diagnostics(posterior: xr.Dataset, chains: int) -> Diagnostics:
    """R-hat and bulk/tail ESS (ArviZ) of every non-constant variable of ``posterior``."""
    varying = [
        name
        for name, da in posterior.data_vars.items()
        if np.all(np.isfinite(da.values)) and float(np.ptp(da.values)) > 0
    ]
    diag = Diagnostics()
    if not varying:
        return diag
    ds = posterior[varying]
    rhat = az.rhat(ds)
    bulk = az.ess(ds, method="bulk")
    tail = az.ess(ds, method="tail")
    r = {n: float(rhat[n]) for n in varying}
    b = {n: float(bulk[n]) for n in varying}
    t = {n: float(tail[n]) for n in varying}
    worst_r = max(r, key=lambda n: r[n])
    worst_b = min(b, key=lambda n: b[n])
    worst_t = min(t, key=lambda n: t[n])
    need = ESS_PER_CHAIN * chains
    diag.values.update(
        rhat_max=r[worst_r], ess_bulk_min=b[worst_b], ess_tail_min=t[worst_t], min_ess=need
    )
    if chains > 1 and r[worst_r] > RHAT_MAX:
        diag.warnings.append(
            f"R-hat of {worst_r} is {r[worst_r]:.3f} > {RHAT_MAX}: the chains disagree;"
            " run longer (more draws, warmup or thin)"
        )
    if b[worst_b] < need:
        diag.warnings.append(
            f"bulk ESS of {worst_b} is {b[worst_b]:.0f} < {need}: run longer (more draws or thin)"
        )
    if t[worst_t] < need:
        diag.warnings.append(
            f"tail ESS of {worst_t} is {t[worst_t]:.0f} < {need}: intervals are noisy;"
            " run longer (more draws or thin)"
        )
    return diag
