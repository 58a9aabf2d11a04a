"""The tree of a conditioned run: prior, posterior, evidence, likelihoods and diagnostics.

Groups (ArviZ's layout): ``prior`` (prior draws), ``posterior`` (same
variables), ``observed_data`` (one variable per observation),
``log_likelihood`` (per observation, at the posterior draws), ``log_prior``
(per uncertain input, plus ``copula`` when inputs are correlated: what
power-scaling sensitivity ``az.psense`` needs) and ``sample_stats`` (every
variable ``(chain, draw)``; per-run figures in its attributes).  The root has
the attributes of a plain run plus ``inference``, ``method``,
``inference_note``, ``diagnostics_ok`` (1 or 0: netCDF has no booleans),
``diagnostics`` and ``warnings`` (JSON), ``observations`` and ``references``
(JSON: where each published value falls in the posterior).
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from ..inference.condition import Conditioned
from ..model.evidence import Observation

FORWARD = "none: the posterior is the prior pushed through the model"


def conditioned_tree(
    prior_tree: xr.DataTree,
    result: Conditioned,
    observations: Sequence[Observation],
    references: Mapping[str, tuple[float, str]],
) -> xr.DataTree:
    """Assemble the tree from the prior run's tree and the conditioning result."""
    prior = prior_tree["posterior"].to_dataset()
    prior.attrs = {"inference": "none: prior draws (the prior pushed through the model)"}
    coords = prior.coords
    posterior = xr.Dataset(
        {n: (("chain", "draw"), v, dict(prior[n].attrs)) for n, v in result.posterior.items()},
        coords=coords,
        attrs={"inference": result.inference},
    )
    units = {n: str(prior[n].attrs.get("units", "")) for n in prior.data_vars}
    ll = xr.Dataset(
        {
            o.name: (
                ("chain", "draw"),
                result.log_likelihood[o.name],
                {"units": "1", "quantity": o.quantity},
            )
            for o in observations
        },
        coords=coords,
    )
    observed: dict[str, xr.DataArray] = {}
    for o in observations:
        attrs = {
            "quantity": o.quantity,
            "error": o.error,
            "source": o.source,
            "units": units.get(o.quantity, ""),
        }
        if o.is_bound:
            observed[o.name] = xr.DataArray(
                [o.lower, o.upper],
                dims=("bound",),
                coords={"bound": ["lower", "upper"]},
                attrs=attrs,
            )
        else:
            observed[o.name] = xr.DataArray(o.value, attrs={**attrs, "sigma": o.sigma})
    lp = xr.Dataset(
        {
            n: (("chain", "draw"), v, {"units": "1", "long_name": _lp_name(n)})
            for n, v in result.log_prior.items()
        },
        coords=coords,
    )
    stats = xr.Dataset(
        {n: (("chain", "draw"), v, a) for n, (v, a) in result.sample_stats.items()},
        coords=coords,
        attrs={
            k: json.dumps(v) if isinstance(v, list) else v for k, v in result.stats_attrs.items()
        },
    )
    groups = {
        # the prior run's NaN/inf counts are not the posterior's: counted again
        "/": xr.Dataset(attrs={k: v for k, v in prior_tree.attrs.items() if k != "nonfinite"}),
        "prior": prior,
        "posterior": posterior,
        "observed_data": xr.Dataset(observed),
        "log_likelihood": ll,
        "log_prior": lp,
        "sample_stats": stats,
    }
    if "constant_data" in prior_tree.children:
        groups["constant_data"] = prior_tree["constant_data"].to_dataset()
    tree = xr.DataTree.from_dict(groups)
    diag = result.diagnostics
    tree.attrs.update(
        groups=CONDITIONED_GROUPS,
        inference=result.inference,
        method=result.method,
        inference_note=result.note,
        diagnostics_ok=int(diag.ok),  # netCDF has no booleans: 1 or 0
        diagnostics=json.dumps(diag.values, default=float),
        warnings=json.dumps(diag.warnings),
        observations=json.dumps([_obs_record(o) for o in observations], default=float),
        references=json.dumps(_references(references, posterior, prior), default=float),
    )
    return tree


CONDITIONED_GROUPS = (
    "prior: the priors pushed through the model (draws before the evidence); posterior:"
    " draws conditioned on the evidence (importance resampling keeps a prior draw as"
    " often as its weight says, so draws repeat: sample_stats.prior_draw names each);"
    " observed_data: the evidence; log_likelihood, log_prior: per draw; sample_stats:"
    " the sampler's per-draw statistics; constant_data: fixed inputs"
)


def _lp_name(name: str) -> str:
    if name == "copula":
        return "Gaussian copula log density"
    return f"log prior density of {name}"


def _obs_record(o: Observation) -> dict[str, Any]:
    rec = {k: v for k, v in dataclasses.asdict(o).items() if k != "given"}
    rec["given"] = o.given
    for k in ("value", "sigma", "lower", "upper"):
        if not math.isfinite(rec[k]):
            rec[k] = None
    return rec


def _references(
    references: Mapping[str, tuple[float, str]], posterior: xr.Dataset, prior: xr.Dataset
) -> dict[str, Any]:
    """Each published value against the prior and the posterior: medians and quantile."""
    out: dict[str, Any] = {}
    for name, (value, source) in references.items():
        if name not in posterior:
            continue
        post = np.asarray(posterior[name].values).ravel()
        pri = np.asarray(prior[name].values).ravel()
        out[name] = {
            "value": value,
            "source": source,
            "posterior_median": float(np.median(post)),
            "posterior_p5": float(np.quantile(post, 0.05)),
            "posterior_p95": float(np.quantile(post, 0.95)),
            "prior_median": float(np.median(pri)),
            "posterior_quantile_of_value": float(np.mean(post < value)),
        }
    return out


def conditioning_report(tree: xr.DataTree) -> list[str]:
    """Lines telling the user how a conditioned tree was made and whether to trust it.

    For the CLI and notebooks: method, diagnostics, warnings, the evidence and
    where each ``[reference]`` value falls in the posterior.
    """
    a = tree.attrs
    lines = [f"inference: {a['inference']}"]
    if a.get("inference_note"):
        lines.append(f"  ({a['inference_note']}; switched to MCMC)")
    diag = json.loads(a.get("diagnostics", "{}"))
    shown = ", ".join(f"{k} {v:.3g}" for k, v in diag.items() if isinstance(v, int | float))
    lines.append(f"diagnostics: {'ok' if a.get('diagnostics_ok') else 'FAIL'} ({shown})")
    lines += [f"warning: {w}" for w in json.loads(a.get("warnings", "[]"))]
    lines.append("evidence:")
    for rec in json.loads(a.get("observations", "[]")):
        lines.append(f"  {rec['name']}: {rec['quantity']} ({rec['error']}); {rec['source']}")
    refs = json.loads(a.get("references", "{}"))
    if refs:
        lines.append("reference values (not used as evidence):")
        for name, r in refs.items():
            lines.append(
                f"  {name}: {r['value']:.4g} ({r['source']}); posterior median "
                f"{r['posterior_median']:.4g}, 90 % {r['posterior_p5']:.4g} .. "
                f"{r['posterior_p95']:.4g}; P(posterior < value) = "
                f"{r['posterior_quantile_of_value']:.2f}"
            )
    return lines
