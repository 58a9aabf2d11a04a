"""Conditioning on evidence: likelihoods, importance sampling, MCMC and their diagnostics.

The entry point is :func:`frontiercost.condition`; this
package holds its parts.
"""

from ..errors import ConditioningWarning, FrontiercostWarning
from .importance import khat_threshold, psis, systematic_resample
from .likelihood import log_likelihood, log_prior_density
from .mcmc import random_walk_metropolis

__all__ = [
    "ConditioningWarning",
    "FrontiercostWarning",
    "khat_threshold",
    "log_likelihood",
    "log_prior_density",
    "psis",
    "random_walk_metropolis",
    "systematic_resample",
]
