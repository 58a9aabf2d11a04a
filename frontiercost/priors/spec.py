"""Build priors from the plain mappings of TOML files.

A spec names a ``family`` and gives either its natural parameters, or two
quantiles (``p5``/``p95``, ``median``, any ``pNN``, or
``quantiles = [[0.05, v1], [0.95, v2]]``), or ``mean``/``sd``.  With
``relative = true`` the quantile values are multipliers on ``central``
(``central = 24875, p5 = 0.5, p95 = 2`` is ×0.5 … ×2 around 24,875).
Common keys: ``unit``, ``source``, ``description``, ``central``.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from typing import Any

from scipy import special

from ..errors import PriorError
from ._base import Prior, check_finite, check_order, check_positive
from .families import (
    FAMILIES,
    Beta,
    Empirical,
    Gamma,
    LogitNormal,
    LogNormal,
    LogUniform,
    Mixture,
    Normal,
    TruncNormal,
    Uniform,
    fit_beta,
    fit_gamma,
    fit_truncnormal,
)

META_KEYS = {"family", "unit", "source", "description", "central", "relative"}
# Derived from the family classes (the one registry, FAMILIES).
NATURAL = {name: set(cls.natural) for name, cls in FAMILIES.items()}
QUANTILE_FAMILIES = {name for name, cls in FAMILIES.items() if cls.by_quantiles}
MOMENT_FAMILIES = {name for name, cls in FAMILIES.items() if cls.by_moments}
_PKEY = re.compile(r"^p(\d{1,2}(?:_\d+)?)$")
Z95 = special.ndtri(0.95)


def _quantile_keys(spec: Mapping[str, Any]) -> list[tuple[float, float, str]]:
    out = []
    for key, value in spec.items():
        m = _PKEY.match(key)
        if key == "median":
            out.append((0.5, check_finite("median", value), key))
        elif m:
            p = float(m.group(1).replace("_", ".")) / 100
            if not 0 < p < 1:
                raise PriorError(f"{key}: quantile keys run from p1 to p99")
            out.append((p, check_finite(key, value), key))
    if "quantiles" in spec and spec.get("family") != "empirical":
        for i, pair in enumerate(_pairs(spec["quantiles"], "quantiles")):
            if not 0 < pair[0] < 1:
                raise PriorError(
                    f"quantiles[{i}][0]: a probability strictly between 0 and 1, got {pair[0]!r}"
                )
            out.append((pair[0], pair[1], f"quantiles[{i}]"))
    return sorted(out)


def _pairs(value: Any, key: str) -> list[tuple[float, float]]:
    if not isinstance(value, list) or not all(isinstance(v, list) and len(v) == 2 for v in value):
        raise PriorError(f"{key}: expected a list of [probability, value] pairs, got {value!r}")
    return [
        (check_finite(f"{key}[{i}][0]", p), check_finite(f"{key}[{i}][1]", v))
        for i, (p, v) in enumerate(value)
    ]


def prior_from_spec(spec: Mapping[str, Any], where: str = "") -> Prior:
    """Build a prior from a mapping; errors are prefixed with ``where``.

    Raises
    ------
    PriorError
        Naming the offending key and the accepted values.
    """
    try:
        return _build(spec)
    except PriorError as err:
        raise PriorError(f"{where}{' ' if where else ''}{err}") from None


def _build(spec: Mapping[str, Any]) -> Prior:
    if not isinstance(spec, Mapping):
        raise PriorError(f"expected a table of prior keys, got {spec!r}")
    family = spec.get("family")
    if family is None:
        raise PriorError(f"family: required; accepted: {', '.join(sorted(FAMILIES))}")
    if family not in FAMILIES:
        near = difflib.get_close_matches(str(family), FAMILIES, n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        raise PriorError(
            f"family: unknown family {family!r}{hint}; accepted: {', '.join(sorted(FAMILIES))}"
        )
    quantiles = _quantile_keys(spec)
    allowed = META_KEYS | NATURAL[family] | {"quantiles"}
    if family in MOMENT_FAMILIES:
        allowed |= {"mean", "sd"}
    for key in spec:
        if key not in allowed and not (key == "median" or _PKEY.match(key)):
            near = difflib.get_close_matches(key, sorted(allowed | {"p5", "p95", "median"}), n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise PriorError(
                f"{key}: unknown key for a {family} prior{hint}; accepted: "
                f"{', '.join(sorted(allowed))}, p1 … p99, median"
            )
    meta: dict[str, Any] = {}
    for key in ("unit", "source", "description"):
        if key in spec:
            if not isinstance(spec[key], str):
                raise PriorError(f"{key}: expected a string, got {spec[key]!r}")
            meta[key] = spec[key]
    relative = spec.get("relative", False)
    if not isinstance(relative, bool):
        raise PriorError(f"relative: expected true or false, got {relative!r}")
    central = spec.get("central")
    if central is not None:
        central = check_finite("central", central)
    if relative:
        if central is None:
            raise PriorError("central: a relative prior (relative = true) needs a central value")
        if len(quantiles) != 2:
            raise PriorError(
                "relative = true: give the multipliers as two quantiles (e.g. p5 = 0.5, p95 = 2.0)"
            )
        for _, v, key in quantiles:
            if v <= 0:
                raise PriorError(f"{key}: multipliers must be > 0, got {v:g}")
        (_, va, ka), (_, vb, kb) = sorted(quantiles)
        if central < 0 and va < vb:
            # a negative central reverses the order: p5 = 0.8 x -10 lies above p95 = 1.25 x -10
            raise PriorError(
                f"relative = true with a negative central ({central:g}): multipliers {ka} ="
                f" {va:g} and {kb} = {vb:g} give {ka} = {va * central:g} above {kb} ="
                f" {vb * central:g}; on a negative central the lower quantile takes the"
                f" larger multiplier ({ka} = {vb:g}, {kb} = {va:g})"
            )
        quantiles = [(p, v * central, key) for p, v, key in quantiles]
    if central is not None:
        meta["central_value"] = central

    natural = {k: spec[k] for k in NATURAL[family] if k in spec}
    has_moments = "mean" in spec or "sd" in spec
    # lower/upper of truncnormal, beta and logitnormal go with any way of giving
    # the prior; every other natural parameter is a way of its own.
    bounds = {"lower", "upper"} if family in {"truncnormal", "beta", "logitnormal"} else set()
    given = sum(bool(x) for x in (set(natural) - bounds, quantiles, has_moments))
    if given > 1:
        raise PriorError(
            f"give the {family} prior one way: natural parameters "
            f"({', '.join(sorted(NATURAL[family]))}), two quantiles, or mean/sd"
        )
    if quantiles:
        if family not in QUANTILE_FAMILIES:
            raise PriorError(
                f"{quantiles[0][2]}: a {family} prior cannot be given by quantiles; "
                f"use {', '.join(sorted(NATURAL[family]))}"
            )
        if len(quantiles) != 2:
            keys = ", ".join(k for _, _, k in quantiles)
            raise PriorError(
                f"{keys}: give exactly two quantiles (e.g. p5 and p95), got {len(quantiles)}"
            )
        (pa, va, ka), (pb, vb, kb) = quantiles
        if pa == pb:
            raise PriorError(f"{ka}, {kb}: the two quantiles must be at different probabilities")
        check_order(f"{ka}", va, f"{kb}", vb)
        return _from_quantiles(family, [(pa, va), (pb, vb)], spec, meta, (ka, kb))
    if has_moments:
        return _from_moments(family, spec, meta)
    return _from_natural(family, natural, meta)


def _bounds(spec: Mapping[str, Any], lo: float, hi: float) -> tuple[float, float]:
    lower = check_finite("lower", spec["lower"]) if "lower" in spec else lo
    upper = check_finite("upper", spec["upper"]) if "upper" in spec else hi
    return lower, upper


def _from_quantiles(
    family: str,
    q: list[tuple[float, float]],
    spec: Mapping[str, Any],
    meta: dict[str, Any],
    keys: tuple[str, str] = ("quantiles[0]", "quantiles[1]"),
) -> Prior:
    (p1, v1), (p2, v2) = q
    z1, z2 = special.ndtri(p1), special.ndtri(p2)
    if family == "normal":
        s = (v2 - v1) / (z2 - z1)
        return Normal(mu=float(v1 - s * z1), sigma=float(s), **meta)
    if family in ("lognormal", "loguniform", "gamma") and v1 <= 0:
        raise PriorError(f"{keys[0]}: quantiles of a {family} prior must be > 0, got {v1:g}")
    if family == "lognormal":
        s = (math.log(v2) - math.log(v1)) / (z2 - z1)
        return LogNormal(mu=float(math.log(v1) - s * z1), sigma=float(s), **meta)
    if family == "uniform":
        w = (v2 - v1) / (p2 - p1)
        return Uniform(lower=v1 - p1 * w, upper=v1 + (1 - p1) * w, **meta)
    if family == "loguniform":
        w = (math.log(v2) - math.log(v1)) / (p2 - p1)
        return LogUniform(
            lower=math.exp(math.log(v1) - p1 * w),
            upper=math.exp(math.log(v1) + (1 - p1) * w),
            **meta,
        )
    if family == "gamma":
        shape, scale = fit_gamma(q)
        return Gamma(shape=shape, scale=scale, **meta)
    if family == "truncnormal":
        lower, upper = _bounds(spec, -math.inf, math.inf)
        _inside("truncnormal", q, lower, upper, keys)
        mu, sigma = fit_truncnormal(q, lower, upper)
        return TruncNormal(mu=mu, sigma=sigma, lower=lower, upper=upper, **meta)
    lower, upper = _bounds(spec, 0.0, 1.0)
    check_order("lower", lower, "upper", upper)
    _inside(family, q, lower, upper, keys)
    if family == "beta":
        a, b = fit_beta(q, lower, upper)
        return Beta(alpha=a, beta=b, lower=lower, upper=upper, **meta)
    y1, y2 = ((v - lower) / (upper - lower) for v in (v1, v2))
    s = (special.logit(y2) - special.logit(y1)) / (z2 - z1)
    return LogitNormal(
        mu=float(special.logit(y1) - s * z1), sigma=float(s), lower=lower, upper=upper, **meta
    )


def _inside(
    family: str,
    q: list[tuple[float, float]],
    lower: float,
    upper: float,
    keys: tuple[str, str],
) -> None:
    for (_, v), key in zip(q, keys, strict=True):
        if not lower < v < upper:
            raise PriorError(
                f"{key}: quantile {v:g} of a {family} prior must lie strictly inside "
                f"(lower, upper) = ({lower:g}, {upper:g})"
            )


def _from_moments(family: str, spec: Mapping[str, Any], meta: dict[str, Any]) -> Prior:
    if "mean" not in spec or "sd" not in spec:
        raise PriorError("mean, sd: give both the mean and the standard deviation")
    mean, sd = check_finite("mean", spec["mean"]), check_positive("sd", spec["sd"])
    if family == "normal":
        return Normal(mu=mean, sigma=sd, **meta)
    if family == "lognormal":
        check_positive("mean", mean)
        s2 = math.log1p((sd / mean) ** 2)
        return LogNormal(mu=math.log(mean) - s2 / 2, sigma=math.sqrt(s2), **meta)
    if family == "gamma":
        check_positive("mean", mean)
        return Gamma(shape=(mean / sd) ** 2, scale=sd * sd / mean, **meta)
    lower, upper = _bounds(spec, 0.0, 1.0)
    check_order("lower", lower, "upper", upper)
    m = (mean - lower) / (upper - lower)
    v = (sd / (upper - lower)) ** 2
    if not 0 < m < 1:
        raise PriorError(
            f"mean: a beta mean must lie strictly inside (lower, upper) = "
            f"({lower:g}, {upper:g}), got {mean:g}"
        )
    if v >= m * (1 - m):
        raise PriorError(
            f"sd: a beta with mean {mean:g} needs sd below "
            f"{math.sqrt(m * (1 - m)) * (upper - lower):g}, got {sd:g}"
        )
    k = m * (1 - m) / v - 1
    return Beta(alpha=m * k, beta=(1 - m) * k, lower=lower, upper=upper, **meta)


def _from_natural(family: str, natural: dict[str, Any], meta: dict[str, Any]) -> Prior:
    need = set(FAMILIES[family].required)
    missing = sorted(need - set(natural))
    if missing:
        raise PriorError(
            f"{', '.join(missing)}: missing for a {family} prior (give "
            f"{', '.join(sorted(NATURAL[family]))}, or two quantiles)"
        )
    if family == "gamma":
        if ("scale" in natural) == ("rate" in natural):
            raise PriorError("scale, rate: give exactly one of scale and rate for a gamma prior")
        scale = (
            natural["scale"] if "scale" in natural else 1 / check_positive("rate", natural["rate"])
        )
        return Gamma(shape=natural["shape"], scale=scale, **meta)
    if family == "empirical":
        if ("quantiles" in natural) == ("samples" in natural):
            raise PriorError("quantiles, samples: give exactly one of them for an empirical prior")
        if "samples" in natural:
            s = natural["samples"]
            if not isinstance(s, list):
                raise PriorError(f"samples: expected a list of numbers, got {s!r}")
            return Empirical.from_samples(
                [check_finite(f"samples[{i}]", v) for i, v in enumerate(s)], **meta
            )
        pairs = _pairs(natural["quantiles"], "quantiles")
        return Empirical(p=tuple(p for p, _ in pairs), x=tuple(v for _, v in pairs), **meta)
    if family == "mixture":
        comps, weights = natural["components"], natural["weights"]
        if not isinstance(comps, list) or not isinstance(weights, list):
            raise PriorError(
                "components, weights: expected a list of prior tables and a list of weights"
            )
        built = []
        for i, c in enumerate(comps):
            try:
                built.append(_build(c))
            except PriorError as err:
                raise PriorError(f"components[{i}] {err}") from None
        return Mixture(components=tuple(built), weights=tuple(weights), **meta)
    for key, value in natural.items():
        check_finite(key, value)
    return FAMILIES[family](**natural, **meta)
