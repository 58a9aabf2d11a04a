"""The cost model as data: quantities, formulas, routes and models; no numba here."""

from .correlation import Correlations, copula_factor
from .definition import Model, Output
from .quantities import (
    DOMAINS,
    QUANTITIES,
    SETTABLE,
    SHARE_SUFFIX,
    SPLITS,
    Domain,
    Quantity,
    share_outputs,
)
from .resolve import Resolved, formula_model, needed_inputs, resolve

__all__ = [
    "DOMAINS",
    "QUANTITIES",
    "SETTABLE",
    "SHARE_SUFFIX",
    "SPLITS",
    "Correlations",
    "Domain",
    "Model",
    "Output",
    "Quantity",
    "Resolved",
    "copula_factor",
    "formula_model",
    "needed_inputs",
    "resolve",
    "share_outputs",
]
