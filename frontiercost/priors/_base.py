"""The prior base class and the kernel-side description of a prior."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, ClassVar

import numpy as np

from ..errors import PriorError


class Code(IntEnum):
    """Family codes understood by the sampling kernels (``engine/_transform``)."""

    FIXED = 0
    NORMAL = 1
    LOGNORMAL = 2
    UNIFORM = 3
    LOGUNIFORM = 4
    TRIANGULAR = 5
    LOGITNORMAL = 6
    TRUNCNORMAL = 7
    WTABLE = 8  # cubic Hermite table of t(x) over w = logit(p) (beta, gamma, PERT, mixture)
    PTABLE = 9  # piecewise-linear quantile table over p (empirical)


N_PARAMS = 8


@dataclass(frozen=True)
class KernelSpec:
    """What the kernel needs to sample a prior by inverse CDF.

    ``params`` has ``N_PARAMS`` floats whose meaning depends on ``code``; for
    table families ``params[0]`` is filled with the table's offset by the engine.
    """

    code: Code
    params: tuple[float, ...]
    table: np.ndarray | None = None


def check_finite(name: str, value: Any) -> float:
    """Return ``value`` as float, or raise naming ``name`` if it is not a finite number."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise PriorError(f"{name}: expected a number, got {value!r}")
    x = float(value)
    if not math.isfinite(x):
        raise PriorError(f"{name}: must be a finite number, got {value!r}")
    return x


def check_positive(name: str, value: Any) -> float:
    """Like :func:`check_finite` and also > 0."""
    x = check_finite(name, value)
    if x <= 0:
        raise PriorError(f"{name}: must be > 0, got {value!r}")
    return x


def check_order(lo_name: str, lo: float, hi_name: str, hi: float) -> None:
    """Raise unless ``lo < hi``."""
    if not lo < hi:
        raise PriorError(f"{lo_name} ({lo:g}) must be below {hi_name} ({hi:g})")


def check_span(lo_name: str, lo: float, hi_name: str, hi: float) -> None:
    """``check_order``, and a width ``hi - lo`` that is a finite number.

    For families drawn as ``lo + x * (hi - lo)``: an overflowing width would
    make every draw infinite or NaN.
    """
    check_order(lo_name, lo, hi_name, hi)
    if not math.isfinite(float(hi) - float(lo)):
        raise PriorError(
            f"{hi_name} - {lo_name} ({hi:g} - {lo:g}) overflows; the width must be below 1.8e308"
        )


@dataclass(frozen=True, kw_only=True)
class Prior:
    """A univariate prior sampled by inverse CDF.

    Subclasses declare their natural parameters as dataclass fields, validate
    them in ``_validate`` and implement ``_scipy`` (the reference
    distribution) and ``kernel_spec``.

    Parameters
    ----------
    unit : str
        Unit of the quantity (``"USD"``, ``"1"`` for dimensionless, ...).
    source : str
        One-line citation of where the numbers come from.
    description : str
        One-line meaning.
    central_value : float, optional
        The point-estimate value; the median when not given.
    """

    # The family registry (``FAMILIES``) reads these: spec parsing, the
    # command line's listings and the tests all follow from the classes.
    family: ClassVar[str]
    natural: ClassVar[tuple[str, ...]] = ()  # natural parameters a spec may give
    required: ClassVar[tuple[str, ...]] = ()  # of which every natural spec must give
    by_quantiles: ClassVar[bool] = False  # may be given by two quantiles
    by_moments: ClassVar[bool] = False  # may be given by mean and sd
    unit: str = "1"
    source: str = ""
    description: str = ""
    central_value: float | None = field(default=None)

    def __post_init__(self) -> None:
        self._validate()
        if self.central_value is not None:
            c = check_finite("central", self.central_value)
            lo, hi = self.support
            if not lo <= c <= hi:
                raise PriorError(f"central ({c:g}) must lie in the support [{lo:g}, {hi:g}]")

    def _validate(self) -> None:
        """Check the natural parameters; raise :class:`PriorError` naming the bad one."""

    def _scipy(self) -> Any:
        raise NotImplementedError

    def kernel_spec(self) -> KernelSpec:
        """The kernel's description of this prior."""
        raise NotImplementedError

    @property
    def support(self) -> tuple[float, float]:
        """Lower and upper end of the support."""
        lo, hi = self._scipy().support()
        return float(lo), float(hi)

    @property
    def central(self) -> float:
        """Point-estimate value (``central_value`` if given, else the median)."""
        if self.central_value is not None:
            return float(self.central_value)
        return float(self.ppf(0.5))

    def ppf(self, p: Any) -> Any:
        """Reference quantile function (scipy), used for validation and reporting."""
        return self._scipy().ppf(p)

    def cdf(self, x: Any) -> Any:
        """Reference CDF."""
        return self._scipy().cdf(x)

    def quantile(self, p: Any) -> Any:
        """Alias of :meth:`ppf`."""
        return self.ppf(p)

    def describe(self) -> dict[str, Any]:
        """Family, natural parameters, unit, source, central value and 5/50/95 % quantiles."""
        out: dict[str, Any] = {"family": self.family}
        out.update(self.natural_params())
        out["unit"] = self.unit
        out["central"] = self.central
        for p in (0.05, 0.5, 0.95):
            out[f"p{round(p * 100)}"] = float(self.ppf(p))
        out["source"] = self.source
        out["description"] = self.description
        return out

    def to_spec(self) -> dict[str, Any]:
        """A spec that :func:`frontiercost.prior_from_spec` turns back into this prior.

        Natural parameters, unit, source and description, and ``central``
        when one was given; plain JSON/TOML types only.
        """
        spec: dict[str, Any] = {"family": self.family, **self._spec_params()}
        spec["unit"] = self.unit
        if self.source:
            spec["source"] = self.source
        if self.description:
            spec["description"] = self.description
        if self.central_value is not None:
            spec["central"] = float(self.central_value)
        return spec

    def _spec_params(self) -> dict[str, Any]:
        """Natural parameters as a spec gives them (override where they differ)."""
        return {k: float(v) for k, v in self.natural_params().items()}

    def natural_params(self) -> dict[str, Any]:
        """The family's own parameters by name."""
        skip = {"unit", "source", "description", "central_value"}
        return {k: v for k, v in self.__dict__.items() if k not in skip}
