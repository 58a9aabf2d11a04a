"""Evidence: what a conditioned run observed (parsed from ``[[observe]]`` tables)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

Z95 = 1.6448536269514722  # standard-normal 95th percentile


@dataclass(frozen=True)
class Observation:
    """One piece of evidence: a quantity, what was observed, and how precisely.

    Attributes
    ----------
    quantity : str
        The observed quantity (an output, intermediate or parameter).
    name : str
        Label (variable name in the ``log_likelihood`` and ``observed_data`` groups).
    source : str
        Where the evidence is published.
    error : {"lognormal", "normal", "bound"}
        Error model.
    value : float
        Observed value (the centre of the error model; NaN for a bound).
    sigma : float
        Error sd: of ``ln(value)`` for lognormal, in the quantity's unit for
        normal (NaN for a bound).
    lower, upper : float
        A bound's ends (``-inf``/``inf`` when open); infinite for error models.
    given : dict
        The table as written (recorded with the result).
    """

    quantity: str
    name: str
    source: str
    error: str
    value: float = math.nan
    sigma: float = math.nan
    lower: float = -math.inf
    upper: float = math.inf
    given: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def is_bound(self) -> bool:
        """Whether this is a hard constraint (``below``/``above``/``between``)."""
        return self.error == "bound"

    def describe(self) -> str:
        """One line: ``name: quantity = value (error sigma) [source]``."""
        if self.is_bound:
            lo = "" if math.isinf(self.lower) else f"{self.lower:.4g} < "
            hi = "" if math.isinf(self.upper) else f" < {self.upper:.4g}"
            what = f"{lo}{self.quantity}{hi}"
        elif self.error == "lognormal":
            what = (
                f"{self.quantity} = {self.value:.4g} (lognormal error, sd of ln {self.sigma:.3g})"
            )
        else:
            what = f"{self.quantity} = {self.value:.4g} (normal error, sd {self.sigma:.4g})"
        return f"{self.name}: {what}; source: {self.source}"
