"""The cost model as data: quantities, formulas, routes and models; no numba here."""

from .correlation import Correlations, copula_factor
from .definition import Model, Output
from .quantities import DOMAINS, QUANTITIES, SETTABLE, Domain, Quantity
from .resolve import Resolved, formula_model, needed_inputs, resolve

__all__ = [
    "DOMAINS",
    "QUANTITIES",
    "SETTABLE",
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
]
