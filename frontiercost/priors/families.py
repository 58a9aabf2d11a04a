"""Distribution families, one small class each.

Every family is a frozen dataclass of its natural parameters, validated on
construction (the error names the parameter and what is accepted), with a
scipy reference distribution and a :class:`KernelSpec` for the sampler.
Closed-form quantiles are used where they exist; beta, gamma, PERT and
mixtures use a logit-grid Hermite table (``_table``), empirical priors a
piecewise-linear table over ``p``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special

from ..errors import PriorError
from ._base import (
    N_PARAMS,
    Code,
    KernelSpec,
    Prior,
    check_finite,
    check_order,
    check_positive,
    check_span,
)
from ._table import build_wtable, ppf_isf_at_w


def _pad(*values: float) -> tuple[float, ...]:
    return tuple(float(v) for v in values) + (0.0,) * (N_PARAMS - len(values))


def _stats() -> Any:
    """scipy.stats, imported on first use (~35 MB): closed-form families never need it."""
    from scipy import stats

    return stats


def _inside_unit(p: Any, x: Any) -> Any:
    """``x`` where ``0 <= p <= 1``, NaN elsewhere (as scipy's ``ppf``)."""
    p = np.asarray(p, float)
    return np.where((p >= 0) & (p <= 1), x, np.nan)[()]


@dataclass(frozen=True, kw_only=True)
class Fixed(Prior):
    """A point mass at ``value``."""

    family = "fixed"
    natural = ("value",)
    required = ("value",)
    value: float

    def _validate(self) -> None:
        check_finite("value", self.value)

    @property
    def support(self) -> tuple[float, float]:
        return float(self.value), float(self.value)

    def ppf(self, p: Any) -> Any:
        return np.full(np.shape(p), float(self.value))[()]

    def cdf(self, x: Any) -> Any:
        return (np.asarray(x) >= self.value).astype(float)[()]

    def kernel_spec(self) -> KernelSpec:
        return KernelSpec(Code.FIXED, _pad(self.value))


@dataclass(frozen=True, kw_only=True)
class Normal(Prior):
    """Normal with mean ``mu`` and standard deviation ``sigma``."""

    family = "normal"
    natural = ("mu", "sigma")
    required = ("mu", "sigma")
    by_quantiles = True
    by_moments = True
    mu: float
    sigma: float

    def _validate(self) -> None:
        check_finite("mu", self.mu)
        check_positive("sigma", self.sigma)

    @property
    def support(self) -> tuple[float, float]:
        return (-math.inf, math.inf)

    def _scipy(self) -> Any:
        return _stats().norm(self.mu, self.sigma)

    # Closed forms with scipy.stats' own arithmetic (same bits): describing a
    # prior need not import scipy.stats (~35 MB, a tenth of a streaming run's budget).
    def ppf(self, p: Any) -> Any:
        return _inside_unit(p, special.ndtri(p) * self.sigma + self.mu)

    def cdf(self, x: Any) -> Any:
        return special.ndtr((np.asarray(x, float) - self.mu) / self.sigma)[()]

    def kernel_spec(self) -> KernelSpec:
        return KernelSpec(Code.NORMAL, _pad(self.mu, self.sigma))


_LOG_MAX = math.log(np.finfo(float).max)  # 709.78: exp of more overflows


@dataclass(frozen=True, kw_only=True)
class LogNormal(Prior):
    """Lognormal: ``log X ~ Normal(mu, sigma)``."""

    family = "lognormal"
    natural = ("mu", "sigma")
    required = ("mu", "sigma")
    by_quantiles = True
    by_moments = True
    mu: float
    sigma: float

    def _validate(self) -> None:
        check_finite("mu", self.mu)
        check_positive("sigma", self.sigma)
        if abs(self.mu) > _LOG_MAX:  # the median exp(mu) is not a float
            raise PriorError(
                f"mu: the median exp(mu) must be a finite positive number: |mu| at most"
                f" {_LOG_MAX:.2f}, got {self.mu!r}"
            )

    @property
    def support(self) -> tuple[float, float]:
        return (0.0, math.inf)

    def _scipy(self) -> Any:
        return _stats().lognorm(self.sigma, scale=math.exp(self.mu))

    def ppf(self, p: Any) -> Any:
        return _inside_unit(p, np.exp(self.sigma * special.ndtri(p)) * math.exp(self.mu))

    def cdf(self, x: Any) -> Any:
        y = np.asarray(x, float) / math.exp(self.mu)
        with np.errstate(divide="ignore"):
            return special.ndtr(np.log(np.maximum(y, 0.0)) / self.sigma)[()]

    def kernel_spec(self) -> KernelSpec:
        return KernelSpec(Code.LOGNORMAL, _pad(self.mu, self.sigma))


def _truncnorm_tail(
    mu: float, sigma: float, lower: float, upper: float
) -> tuple[float, float, float]:
    """Φ at the lower and upper bound, and the sign, in the tail that keeps them from 1.

    Flipped (sign -1), Φ(-a) and Φ(-b) and ``x = mu - sigma·ndtri(q)``: no
    cancellation when the interval lies far in the upper tail.
    """
    a, b = (lower - mu) / sigma, (upper - mu) / sigma
    if a > 0:
        return float(special.ndtr(-a)), float(special.ndtr(-b)), -1.0
    return float(special.ndtr(a)), float(special.ndtr(b)), 1.0


def _truncnorm_ppf(mu: float, sigma: float, lower: float, upper: float, p: Any) -> Any:
    """Quantiles of Normal(mu, sigma) truncated to [lower, upper] (the kernel's formula)."""
    ca, cb, sign = _truncnorm_tail(mu, sigma, lower, upper)
    z = sign * special.ndtri(ca + np.asarray(p, float) * (cb - ca))
    return _inside_unit(p, np.clip(mu + sigma * z, lower, upper))


@dataclass(frozen=True, kw_only=True)
class TruncNormal(Prior):
    """Normal(``mu``, ``sigma``) truncated to [``lower``, ``upper``] (either may be infinite)."""

    family = "truncnormal"
    natural = ("mu", "sigma", "lower", "upper")
    required = ("mu", "sigma")
    by_quantiles = True
    mu: float
    sigma: float
    lower: float = -math.inf
    upper: float = math.inf

    def _spec_params(self) -> dict[str, Any]:
        # an open side is left out, as a spec writes it: a spec takes finite bounds only
        params = super()._spec_params()
        return {k: v for k, v in params.items() if math.isfinite(v)}

    def _validate(self) -> None:
        check_finite("mu", self.mu)
        check_positive("sigma", self.sigma)
        for name in ("lower", "upper"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or math.isnan(v):
                raise PriorError(f"{name}: expected a number, got {v!r}")
        check_order("lower", self.lower, "upper", self.upper)
        a, b = self._ab()
        if (
            special.ndtr(b) - special.ndtr(a) < 1e-12
            and special.ndtr(-a) - special.ndtr(-b) < 1e-12
        ):
            raise PriorError("lower/upper: the interval holds no mass of the normal (mu, sigma)")

    def _ab(self) -> tuple[float, float]:
        return (self.lower - self.mu) / self.sigma, (self.upper - self.mu) / self.sigma

    @property
    def support(self) -> tuple[float, float]:
        # Exactly (lower, upper); scipy's mu + sigma * a can round past the bound.
        return float(self.lower), float(self.upper)

    def _scipy(self) -> Any:
        a, b = self._ab()
        return _stats().truncnorm(a, b, loc=self.mu, scale=self.sigma)

    def ppf(self, p: Any) -> Any:
        return _truncnorm_ppf(self.mu, self.sigma, self.lower, self.upper, p)

    def cdf(self, x: Any) -> Any:
        ca, cb, sign = _truncnorm_tail(self.mu, self.sigma, self.lower, self.upper)
        z = (np.asarray(x, float) - self.mu) / self.sigma
        return np.clip((special.ndtr(sign * z) - ca) / (cb - ca), 0.0, 1.0)[()]

    def kernel_spec(self) -> KernelSpec:
        # x increases with u in both tails; the bounds (params 5, 6) clamp the
        # last-ulp rounding at u -> 0, 1.
        ca, cb, sign = _truncnorm_tail(self.mu, self.sigma, self.lower, self.upper)
        return KernelSpec(
            Code.TRUNCNORMAL,
            _pad(self.mu, self.sigma, ca, cb, sign, float(self.lower), float(self.upper)),
        )


@dataclass(frozen=True, kw_only=True)
class Uniform(Prior):
    """Uniform on [``lower``, ``upper``]."""

    family = "uniform"
    natural = ("lower", "upper")
    required = ("lower", "upper")
    by_quantiles = True
    lower: float
    upper: float

    def _validate(self) -> None:
        check_span(
            "lower", check_finite("lower", self.lower), "upper", check_finite("upper", self.upper)
        )

    @property
    def support(self) -> tuple[float, float]:
        return (float(self.lower), float(self.upper))

    def _scipy(self) -> Any:
        return _stats().uniform(self.lower, self.upper - self.lower)

    def ppf(self, p: Any) -> Any:
        return _inside_unit(p, np.asarray(p, float) * (self.upper - self.lower) + self.lower)

    def cdf(self, x: Any) -> Any:
        y = (np.asarray(x, float) - self.lower) / (self.upper - self.lower)
        return np.clip(y, 0.0, 1.0)[()]

    def kernel_spec(self) -> KernelSpec:
        return KernelSpec(Code.UNIFORM, _pad(self.lower, self.upper - self.lower))


@dataclass(frozen=True, kw_only=True)
class LogUniform(Prior):
    """Log-uniform on [``lower``, ``upper``], both > 0."""

    family = "loguniform"
    natural = ("lower", "upper")
    required = ("lower", "upper")
    by_quantiles = True
    lower: float
    upper: float

    def _validate(self) -> None:
        check_order(
            "lower",
            check_positive("lower", self.lower),
            "upper",
            check_positive("upper", self.upper),
        )

    @property
    def support(self) -> tuple[float, float]:
        return (float(self.lower), float(self.upper))

    def _scipy(self) -> Any:
        return _stats().loguniform(self.lower, self.upper)

    def kernel_spec(self) -> KernelSpec:
        a, b = math.log(self.lower), math.log(self.upper)
        # exp(log(upper)) can round above upper: the kernel clamps to (params 2, 3).
        return KernelSpec(Code.LOGUNIFORM, _pad(a, b - a, self.lower, self.upper))


@dataclass(frozen=True, kw_only=True)
class Triangular(Prior):
    """Triangular on [``minimum``, ``maximum``] with peak at ``mode``."""

    family = "triangular"
    natural = ("minimum", "mode", "maximum")
    required = ("minimum", "mode", "maximum")
    minimum: float
    mode: float
    maximum: float

    def _validate(self) -> None:
        lo, m, hi = (check_finite(k, getattr(self, k)) for k in ("minimum", "mode", "maximum"))
        check_span("minimum", lo, "maximum", hi)
        if not lo <= m <= hi:
            raise PriorError(f"mode ({m:g}) must lie in [minimum ({lo:g}), maximum ({hi:g})]")

    @property
    def support(self) -> tuple[float, float]:
        return (float(self.minimum), float(self.maximum))

    def _scipy(self) -> Any:
        w = self.maximum - self.minimum
        return _stats().triang((self.mode - self.minimum) / w, loc=self.minimum, scale=w)

    def kernel_spec(self) -> KernelSpec:
        w = self.maximum - self.minimum
        # u * w * (mode - minimum) under- or overflows for widths below ~1e-146 or
        # above ~1e154 (draws of 0 and inf); those priors take w * sqrt(u * fc),
        # which does not, and the others keep the bits they always had.
        sides = (self.mode - self.minimum, self.maximum - self.mode)
        scaled = not all(d == 0.0 or 2.0**-960 <= w * d <= 2.0**1000 for d in sides)
        return KernelSpec(
            Code.TRIANGULAR,
            _pad(
                self.minimum,
                self.mode,
                self.maximum,
                (self.mode - self.minimum) / w,
                float(scaled),
            ),
        )


@dataclass(frozen=True, kw_only=True)
class LogitNormal(Prior):
    """``lower + (upper - lower) * expit(N(mu, sigma))``; on (0, 1) by default."""

    family = "logitnormal"
    natural = ("mu", "sigma", "lower", "upper")
    required = ("mu", "sigma")
    by_quantiles = True
    mu: float
    sigma: float
    lower: float = 0.0
    upper: float = 1.0

    def _validate(self) -> None:
        check_finite("mu", self.mu)
        check_positive("sigma", self.sigma)
        check_span(
            "lower", check_finite("lower", self.lower), "upper", check_finite("upper", self.upper)
        )

    @property
    def support(self) -> tuple[float, float]:
        return float(self.lower), float(self.upper)

    def ppf(self, p: Any) -> Any:
        return self.lower + (self.upper - self.lower) * special.expit(
            self.mu + self.sigma * special.ndtri(p)
        )

    def cdf(self, x: Any) -> Any:
        y = (np.asarray(x, float) - self.lower) / (self.upper - self.lower)
        with np.errstate(divide="ignore"):
            return special.ndtr((special.logit(np.clip(y, 0, 1)) - self.mu) / self.sigma)

    def kernel_spec(self) -> KernelSpec:
        return KernelSpec(
            Code.LOGITNORMAL, _pad(self.mu, self.sigma, self.lower, self.upper - self.lower)
        )


class _Tabulated(Prior):
    """Mixin for families sampled through a logit-grid Hermite table (``_table``)."""

    def kernel_spec(self) -> KernelSpec:
        lo, hi = self.support
        table, params = build_wtable(self._x_at_w, self._logpdf, lo, hi)
        return KernelSpec(Code.WTABLE, params, table)

    def _x_at_w(self, w: np.ndarray) -> np.ndarray:
        return ppf_isf_at_w(self._scipy())(w)

    def _logpdf(self, x: np.ndarray) -> np.ndarray:
        return self._scipy().logpdf(x)


@dataclass(frozen=True, kw_only=True)
class Beta(_Tabulated):
    """Beta(``alpha``, ``beta``) rescaled to [``lower``, ``upper``] (default [0, 1])."""

    family = "beta"
    natural = ("alpha", "beta", "lower", "upper")
    required = ("alpha", "beta")
    by_quantiles = True
    by_moments = True
    alpha: float
    beta: float
    lower: float = 0.0
    upper: float = 1.0

    def _validate(self) -> None:
        check_positive("alpha", self.alpha)
        check_positive("beta", self.beta)
        check_span(
            "lower", check_finite("lower", self.lower), "upper", check_finite("upper", self.upper)
        )

    @property
    def support(self) -> tuple[float, float]:
        return (float(self.lower), float(self.upper))

    def _scipy(self) -> Any:
        return _stats().beta(self.alpha, self.beta, loc=self.lower, scale=self.upper - self.lower)

    def _x_at_w(self, w: np.ndarray) -> np.ndarray:
        """scipy's quantiles, mended where its root finder gives up: for Beta(0.5, 2) it
        returned 0.5 at p below ~1e-15 (the table then refused a valid prior)."""
        x = super()._x_at_w(w)
        a, b, lo, width = self.alpha, self.beta, self.lower, self.upper - self.lower
        with np.errstate(all="ignore"):
            low = lo + width * special.betaincinv(a, b, special.expit(w))
            high = self.upper - width * special.betaincinv(b, a, special.expit(-w))
        alt = np.where(w <= 0, low, high)
        off = np.abs(x - alt) > 1e-9 * np.maximum(np.abs(alt - lo), np.finfo(float).tiny)
        return np.where(off & np.isfinite(alt), alt, x)


@dataclass(frozen=True, kw_only=True)
class Pert(_Tabulated):
    """PERT on [``minimum``, ``maximum``] with mode ``mode`` and shape ``shape`` (default 4)."""

    family = "pert"
    natural = ("minimum", "mode", "maximum", "shape")
    required = ("minimum", "mode", "maximum")
    minimum: float
    mode: float
    maximum: float
    shape: float = 4.0

    def _validate(self) -> None:
        lo, m, hi = (check_finite(k, getattr(self, k)) for k in ("minimum", "mode", "maximum"))
        check_span("minimum", lo, "maximum", hi)
        if not lo <= m <= hi:
            raise PriorError(f"mode ({m:g}) must lie in [minimum ({lo:g}), maximum ({hi:g})]")
        check_positive("shape", self.shape)

    @property
    def support(self) -> tuple[float, float]:
        return (float(self.minimum), float(self.maximum))

    def _scipy(self) -> Any:
        w = self.maximum - self.minimum
        a = 1 + self.shape * (self.mode - self.minimum) / w
        b = 1 + self.shape * (self.maximum - self.mode) / w
        return _stats().beta(a, b, loc=self.minimum, scale=w)


@dataclass(frozen=True, kw_only=True)
class Gamma(_Tabulated):
    """Gamma with ``shape`` and ``scale``."""

    family = "gamma"
    natural = ("shape", "scale", "rate")
    required = ("shape",)
    by_quantiles = True
    by_moments = True
    shape: float
    scale: float

    def _validate(self) -> None:
        check_positive("shape", self.shape)
        check_positive("scale", self.scale)

    @property
    def support(self) -> tuple[float, float]:
        return (0.0, math.inf)

    def _scipy(self) -> Any:
        return _stats().gamma(self.shape, scale=self.scale)


MAX_COMPONENTS = 16


@dataclass(frozen=True, kw_only=True)
class Mixture(_Tabulated):
    """A weighted mixture of other priors (weights are normalised)."""

    family = "mixture"
    natural = ("components", "weights")
    required = ("components", "weights")
    components: tuple[Prior, ...]
    weights: tuple[float, ...]

    def _validate(self) -> None:
        if len(self.components) < 1:
            raise PriorError("components: a mixture needs at least one component")
        if len(self.components) > MAX_COMPONENTS:
            # its table is built from every component's quantiles: 0.1-0.3 s each,
            # before any limit on the run's time applies (2,000 took 100 s)
            raise PriorError(
                f"components: at most {MAX_COMPONENTS} (a mixture's table takes up to ~0.3 s"
                f" per component to build), got {len(self.components)}; for a distribution"
                " known by its draws, use family = 'empirical' with samples = [...]"
            )
        if len(self.weights) != len(self.components):
            raise PriorError(
                f"weights: expected {len(self.components)} weights (one per "
                f"component), got {len(self.weights)}"
            )
        for i, c in enumerate(self.components):
            if not isinstance(c, Prior) or isinstance(c, (Fixed, Mixture, Empirical)):
                raise PriorError(
                    f"components[{i}]: must be a continuous non-mixture, non-empirical prior"
                )
            if isinstance(c, LogitNormal):  # the table reads each component's scipy density
                raise PriorError(
                    f"components[{i}]: a logitnormal cannot be a mixture component; accepted:"
                    " normal, lognormal, truncnormal, uniform, loguniform, triangular, beta,"
                    " pert, gamma"
                )
        w = [check_positive(f"weights[{i}]", v) for i, v in enumerate(self.weights)]
        if not math.isfinite(sum(w)):
            raise PriorError(
                f"weights: their sum overflows ({', '.join(f'{v:g}' for v in w)}); weights"
                " are relative, so smaller numbers give the same mixture"
            )
        object.__setattr__(self, "weights", tuple(v / sum(w) for v in w))

    @property
    def support(self) -> tuple[float, float]:
        sup = [c.support for c in self.components]
        return min(s[0] for s in sup), max(s[1] for s in sup)

    def cdf(self, x: Any) -> Any:
        return sum(w * c.cdf(x) for w, c in zip(self.weights, self.components, strict=True))

    def _sf(self, x: Any) -> Any:
        return sum(
            w * c._scipy().sf(x) for w, c in zip(self.weights, self.components, strict=True)
        )

    def _logpdf(self, x: np.ndarray) -> np.ndarray:
        logs = [
            math.log(w) + c._scipy().logpdf(x)
            for w, c in zip(self.weights, self.components, strict=True)
        ]
        return special.logsumexp(np.stack(logs), axis=0)

    def _x_at_w(self, w: np.ndarray) -> np.ndarray:
        shape = np.shape(w)
        w = np.atleast_1d(np.asarray(w, float))
        dists = [c._scipy() for c in self.components]  # frozen once: each costs ~0.1 ms
        at = [ppf_isf_at_w(d)(w) for d in dists]
        lo, hi = np.min(at, axis=0), np.max(at, axis=0)  # the mixture quantile lies between
        lower = w <= 0
        target = np.where(lower, special.expit(w), special.expit(-w))
        weights = self.weights

        def below(x: np.ndarray, i: Any = slice(None)) -> np.ndarray:
            """Where the quantile lies above ``x`` (for the ``w[i]``)."""
            cdf = sum(a * d.cdf(x) for a, d in zip(weights, dists, strict=True))
            sf = sum(a * d.sf(x) for a, d in zip(weights, dists, strict=True))
            return np.where(lower[i], cdf - target[i], target[i] - sf) < 0

        lo0, hi0 = lo, hi
        for _ in range(64):  # bisection: the bracket shrinks by 2**-64, to the last bit
            mid = 0.5 * (lo + hi)
            f = below(mid)
            lo = np.where(f, mid, lo)
            hi = np.where(f, hi, mid)
        x = 0.5 * (lo + hi)
        # Components far apart in scale (1e-30 beside 10): 2**-64 of the bracket is
        # coarser than the quantile itself.  There the bisection runs again over the
        # floats in order (their bit patterns), which pins any quantile in 64 steps.
        coarse = np.flatnonzero(np.abs(hi0 - lo0) * 2.0**-64 > np.abs(x) * 2.0**-52)
        if coarse.size:
            x = np.array(x, dtype=float)
            x[coarse] = _bisect_floats(lambda v: below(v, coarse), lo0[coarse], hi0[coarse])
        return x.reshape(shape)

    def ppf(self, p: Any) -> Any:
        p = np.asarray(p, float)
        with np.errstate(divide="ignore"):
            return self._x_at_w(special.logit(p))[()]

    def natural_params(self) -> dict[str, Any]:
        return {
            "components": [c.describe() for c in self.components],
            "weights": list(self.weights),
        }

    def _spec_params(self) -> dict[str, Any]:
        return {
            "components": [c.to_spec() for c in self.components],
            "weights": [float(w) for w in self.weights],
        }


def _flip(b: np.ndarray) -> np.ndarray:
    """Float bits to integers in the floats' order, and back (its own inverse)."""
    return b ^ ((b >> 63) & np.int64(0x7FFFFFFFFFFFFFFF))


def _bisect_floats(below: Any, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The float where ``below`` turns False between ``lo`` and ``hi``, bisecting
    the floats' order (64 steps reach one float whatever the scales)."""
    klo = _flip(np.asarray(lo, np.float64).view(np.int64))
    khi = _flip(np.asarray(hi, np.float64).view(np.int64))
    for _ in range(64):
        # the midpoint of two int64 without overflow
        kmid = (klo >> 1) + (khi >> 1) + ((klo & 1) + (khi & 1)) // 2
        f = below(_flip(kmid).view(np.float64))
        klo = np.where(f, kmid, klo)
        khi = np.where(f, khi, kmid)
    return _flip(khi).view(np.float64)


@dataclass(frozen=True, kw_only=True)
class Empirical(Prior):
    """A quantile table: ``x`` at cumulative probabilities ``p`` (0 … 1), linear in between.

    Build from samples with :meth:`from_samples` (plotting positions
    ``k / (n - 1)``, the same as ``numpy.quantile``'s default).
    """

    family = "empirical"
    natural = ("quantiles", "samples")
    required = ()
    p: tuple[float, ...]
    x: tuple[float, ...]
    _uniform_grid: bool = field(default=False, repr=False)

    def _validate(self) -> None:
        if len(self.p) != len(self.x) or len(self.p) < 2:
            raise PriorError(
                f"quantiles: need at least two (p, value) pairs of equal length, "
                f"got {len(self.p)} p and {len(self.x)} values"
            )
        p = np.array([check_finite(f"p[{i}]", v) for i, v in enumerate(self.p)])
        x = np.array([check_finite(f"x[{i}]", v) for i, v in enumerate(self.x)])
        if p[0] != 0.0 or p[-1] != 1.0:
            raise PriorError(
                f"quantiles: probabilities must run from 0 to 1 (the table's ends "
                f"are the support), got {p[0]:g} … {p[-1]:g}"
            )
        if np.any(np.diff(p) <= 0):
            raise PriorError("quantiles: probabilities must be strictly increasing")
        with np.errstate(over="ignore"):  # an overflowing step is refused below
            decreasing = np.any(np.diff(x) < 0)
        if decreasing:
            raise PriorError("quantiles: values must be non-decreasing in p")
        if not math.isfinite(float(x[-1]) - float(x[0])):  # drawn as x[k] + w * (x[k+1] - x[k])
            raise PriorError(
                f"quantiles: the values' range ({x[0]:g} to {x[-1]:g}) overflows; it must be"
                " below 1.8e308"
            )

    @classmethod
    def from_samples(cls, samples: Any, **meta: Any) -> Empirical:
        """Empirical prior from samples (at least two, finite)."""
        x = np.sort(np.asarray(samples, float).ravel())
        if x.size < 2 or not np.all(np.isfinite(x)):
            raise PriorError("samples: need at least two finite samples")
        p = np.linspace(0.0, 1.0, x.size)
        return cls(p=tuple(p), x=tuple(x), _uniform_grid=True, **meta)

    @property
    def support(self) -> tuple[float, float]:
        return float(self.x[0]), float(self.x[-1])

    def ppf(self, p: Any) -> Any:
        return np.interp(p, self.p, self.x)

    def cdf(self, x: Any) -> Any:
        return np.interp(x, self.x, self.p)

    def kernel_spec(self) -> KernelSpec:
        table = np.concatenate([np.asarray(self.p, float), np.asarray(self.x, float)])
        return KernelSpec(Code.PTABLE, _pad(0.0, len(self.p), float(self._uniform_grid)), table)

    def natural_params(self) -> dict[str, Any]:
        return {"n_points": len(self.p)}

    def _spec_params(self) -> dict[str, Any]:
        return {"quantiles": [[float(p), float(x)] for p, x in zip(self.p, self.x, strict=True)]}


FAMILIES: dict[str, type[Prior]] = {
    cls.family: cls
    for cls in (
        Fixed,
        Normal,
        LogNormal,
        TruncNormal,
        Uniform,
        LogUniform,
        Beta,
        Pert,
        Triangular,
        LogitNormal,
        Gamma,
        Empirical,
        Mixture,
    )
}


def fit_beta(
    q: list[tuple[float, float]], lower: float = 0.0, upper: float = 1.0
) -> tuple[float, float]:
    """Beta shape parameters whose quantiles at ``q``'s probabilities match ``q``'s values."""
    (p1, v1), (p2, v2) = q
    y1, y2 = (v1 - lower) / (upper - lower), (v2 - lower) / (upper - lower)
    # Start from the logit-normal with the same quantiles, matched by moments.
    z1, z2 = special.ndtri(p1), special.ndtri(p2)
    s = (special.logit(y2) - special.logit(y1)) / (z2 - z1)
    m = special.expit(special.logit(y1) - s * z1)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # checked below
        var = min((m * (1 - m) * s) ** 2, 0.9 * m * (1 - m))
        k = m * (1 - m) / var - 1
        x0 = np.log([max(m * k, 1e-3), max((1 - m) * k, 1e-3)])

    def resid(la: np.ndarray) -> np.ndarray:
        a, b = np.exp(la)
        # A quantile that rounds onto 0 or 1 (tiny a or b) would give an infinite
        # logit and stop the solver: keep it one ulp inside.
        x = np.clip(special.betaincinv(a, b, [p1, p2]), 1e-300, 1.0 - 2.0**-53)
        return special.logit(x) - special.logit([y1, y2])

    from scipy import optimize

    def solve(start: np.ndarray) -> tuple[float, np.ndarray]:
        try:
            sol = optimize.least_squares(resid, start, xtol=1e-15, ftol=1e-15, gtol=1e-15)
        except ValueError:  # a start whose residuals are not finite (quantiles near 1e-300)
            return math.inf, start
        return float(np.max(np.abs(resid(sol.x)))), sol.x

    err, la = solve(x0) if np.isfinite(x0).all() else (math.inf, x0)
    if err > 1e-8:  # the moment-matched start can stall (e.g. a, b near 1): a few more starts
        starts = np.log([[0.6, 0.6], [1.0, 0.6], [0.6, 1.0], [2.0, 2.0], [5.0, 1.0], [1.0, 5.0]])
        err, la = min((solve(st) for st in starts), key=lambda r: r[0])
    if err > 1e-8:
        raise PriorError(
            f"no beta distribution found with these quantiles ({v1:.15g} at p={p1:g},"
            f" {v2:.15g} at p={p2:g}): quantiles this near a bound are beyond the fit;"
            " give alpha and beta, or use another family"
        )
    a, b = np.exp(la)
    return float(a), float(b)


def fit_gamma(q: list[tuple[float, float]]) -> tuple[float, float]:
    """Gamma (shape, scale) with the two given quantiles."""
    (p1, v1), (p2, v2) = q
    ratio = math.log(v2 / v1)

    def f(log_k: float) -> float:
        k = math.exp(log_k)
        return math.log(special.gammaincinv(k, p2) / special.gammaincinv(k, p1)) - ratio

    from scipy import optimize

    try:
        log_k = optimize.brentq(f, -5.0, 20.0, xtol=1e-14)
    except ValueError:
        raise PriorError(
            f"no gamma distribution found with these quantiles ({v1:.15g} at p={p1:g},"
            f" {v2:.15g} at p={p2:g}): the fit seeks shapes from 0.007 to 5e8; quantiles"
            " this close together (or this far apart) are beyond it: give shape and scale,"
            " or use a normal (lognormal) for a narrow prior"
        ) from None
    k = math.exp(log_k)
    return k, float(v1 / special.gammaincinv(k, p1))


def fit_truncnormal(
    q: list[tuple[float, float]], lower: float, upper: float
) -> tuple[float, float]:
    """``mu, sigma`` of a normal truncated to [lower, upper] with the two given quantiles."""
    (p1, v1), (p2, v2) = q
    z1, z2 = special.ndtri(p1), special.ndtri(p2)
    sigma0 = (v2 - v1) / (z2 - z1)
    x0 = np.array([v1 - sigma0 * z1, math.log(sigma0)])

    from scipy import optimize

    def resid(th: np.ndarray) -> np.ndarray:
        mu, sigma = th[0], math.exp(th[1])
        with np.errstate(invalid="ignore"):  # an interval with no mass: NaN, rejected below
            x = _truncnorm_ppf(mu, sigma, lower, upper, np.array([p1, p2]))
        return (x - np.array([v1, v2])) / (v2 - v1)

    sol = optimize.least_squares(resid, x0, xtol=1e-15, ftol=1e-15, gtol=1e-15)
    if np.max(np.abs(resid(sol.x))) > 1e-8:
        raise PriorError(
            f"no normal truncated to [{lower:g}, {upper:g}] has these quantiles "
            f"({v1:g} at p={p1:g}, {v2:g} at p={p2:g})"
        )
    return float(sol.x[0]), float(math.exp(sol.x[1]))
