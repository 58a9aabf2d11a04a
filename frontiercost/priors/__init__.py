"""Prior families, prior specifications and the default prior library."""

from ._base import Code, KernelSpec, Prior
from .families import (
    FAMILIES,
    Beta,
    Empirical,
    Fixed,
    Gamma,
    LogitNormal,
    LogNormal,
    LogUniform,
    Mixture,
    Normal,
    Pert,
    Triangular,
    TruncNormal,
    Uniform,
)
from .library import load_library
from .spec import prior_from_spec

__all__ = [
    "FAMILIES",
    "Beta",
    "Code",
    "Empirical",
    "Fixed",
    "Gamma",
    "KernelSpec",
    "LogNormal",
    "LogUniform",
    "LogitNormal",
    "Mixture",
    "Normal",
    "Pert",
    "Prior",
    "Triangular",
    "TruncNormal",
    "Uniform",
    "load_library",
    "prior_from_spec",
]
