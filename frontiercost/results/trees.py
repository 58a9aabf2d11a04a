"""Assemble engine results into an ArviZ-layout ``xarray.DataTree``."""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from .._version import __version__
from ..engine import EngineResult, StreamStats
from ..engine._drivers import N_BINS
from ..model import Model
from ..priors import Prior


def _root_attrs(
    model: Model, priors: Mapping[str, Prior], run: Mapping[str, Any], scenario_text: str | None
) -> dict[str, Any]:
    prior_desc = {
        n: {k: v for k, v in p.describe().items() if k != "description"} for n, p in priors.items()
    }
    return {
        "model": model.name,
        "scenario": scenario_text if scenario_text is not None else "",
        "priors": json.dumps(prior_desc, default=float),
        "seed": int(run["seed"]),
        "sampler": str(run["sampler"]),
        "draws": int(run["draws"]),
        "chains": int(run["chains"]),
        "correlations": json.dumps(
            [[a, b, float(r)] for (a, b), r in dict(run.get("correlations") or {}).items()]
        ),
        "inference": "none: the posterior is the prior pushed through the model",
        "frontiercost_version": __version__,
        "frontiercost_kind": "run",
        "created_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }


def stored_tree(
    model: Model,
    priors: Mapping[str, Prior],
    result: EngineResult,
    run: Mapping[str, Any],
    scenario_text: str | None = None,
) -> xr.DataTree:
    """DataTree with a ``posterior`` group (dims ``chain``, ``draw``) of outputs and inputs."""
    chains, draws = next(iter(result.outputs.values())).shape
    coords = {"chain": np.arange(chains), "draw": np.arange(draws)}
    data: dict[str, xr.DataArray] = {}
    for out in model.outputs:
        data[out.name] = xr.DataArray(
            result.outputs[out.name],
            dims=("chain", "draw"),
            attrs={"units": out.units, "long_name": out.long_name},
        )
    for name, values in result.inputs.items():
        p = priors[name]
        if name in data:
            # an input the scenario also reports as an output: same draws, mark it an input
            data[name].attrs.update(prior=p.family, source=p.source)
            continue
        data[name] = xr.DataArray(
            values,
            dims=("chain", "draw"),
            attrs={
                "units": p.unit,
                "long_name": p.description or name,
                "prior": p.family,
                "source": p.source,
            },
        )
    posterior = xr.Dataset(
        data,
        coords=coords,
        attrs={"inference": "none: the posterior is the prior pushed through the model"},
    )
    return xr.DataTree.from_dict(
        {
            "/": xr.Dataset(attrs=_root_attrs(model, priors, run, scenario_text)),
            "posterior": posterior,
        }
    )


def streaming_tree(
    model: Model,
    priors: Mapping[str, Prior],
    result: EngineResult,
    run: Mapping[str, Any],
    scenario_text: str | None = None,
) -> xr.DataTree:
    """DataTree with a ``streaming`` group: moments, histogram and exceedance per output.

    ``frontiercost.summarize`` reads intervals from it as from stored draws.
    """
    st = result.stats
    if st is None:
        raise ValueError("not a streaming result")
    data: dict[str, Any] = {}
    units = {o.name: o.units for o in model.outputs}
    long = {o.name: o.long_name for o in model.outputs}
    for o, name in enumerate(st.names):
        # Stored as flat indices over (negative, positive, zero) rows of N_BINS
        # each, exact zeros at index 2 * N_BINS.
        flat = st.hist[o].reshape(-1)
        nz = np.flatnonzero(flat)
        index, count = nz, flat[nz]
        if st.zeros[o]:
            index = np.append(index, 2 * N_BINS)
            count = np.append(count, st.zeros[o])
        attrs = {"units": units[name], "long_name": long[name]}
        data[f"{name}__count"] = ((), st.count[o], attrs)
        data[f"{name}__mean"] = ((), st.mean[o], attrs)
        data[f"{name}__var"] = ((), st.var[o], attrs)
        data[f"{name}__min"] = ((), st.minimum[o], attrs)
        data[f"{name}__max"] = ((), st.maximum[o], attrs)
        data[f"{name}__nan_count"] = ((), st.nan_count[o], attrs)
        data[f"{name}__hist_index"] = ((f"{name}__bin",), index.astype(np.int64), attrs)
        data[f"{name}__hist_count"] = ((f"{name}__bin",), count.astype(np.int64), attrs)
        data[f"{name}__thresholds"] = ((f"{name}__threshold",), st.thresholds[o], attrs)
        data[f"{name}__exceed"] = ((f"{name}__threshold",), st.exceed[o], attrs)
    ds = xr.Dataset(
        {k: xr.Variable(*v) for k, v in data.items()},
        attrs={
            "outputs": json.dumps(list(st.names)),
            "histogram": "log-linear, 256 bins per octave (see StreamStats)",
        },
    )
    return xr.DataTree.from_dict(
        {"/": xr.Dataset(attrs=_root_attrs(model, priors, run, scenario_text)), "streaming": ds}
    )


def stream_stats(tree: xr.DataTree) -> StreamStats:
    """Rebuild :class:`StreamStats` from a tree made by :func:`streaming_tree`."""
    ds = tree["streaming"].to_dataset()
    names = tuple(json.loads(ds.attrs["outputs"]))
    n_out = len(names)
    hist = np.zeros((n_out, 2 * N_BINS), np.int64)
    zeros = np.zeros(n_out, np.int64)
    k = max(ds[f"{n}__thresholds"].size for n in names)
    thr = np.full((n_out, k), np.nan)
    exc = np.zeros((n_out, k), np.int64)
    for o, n in enumerate(names):
        index, count = ds[f"{n}__hist_index"].values, ds[f"{n}__hist_count"].values
        binned = index < 2 * N_BINS
        hist[o, index[binned]] = count[binned]
        zeros[o] = count[~binned].sum()
        m = ds[f"{n}__thresholds"].size
        thr[o, :m] = ds[f"{n}__thresholds"].values
        exc[o, :m] = ds[f"{n}__exceed"].values

    def col(stat: str) -> np.ndarray:
        return np.array([float(ds[f"{n}__{stat}"]) for n in names])

    return StreamStats(
        names=names,
        count=col("count"),
        mean=col("mean"),
        var=col("var"),
        minimum=col("min"),
        maximum=col("max"),
        nan_count=col("nan_count"),
        thresholds=thr,
        exceed=exc,
        hist=hist.reshape(n_out, 2, N_BINS),
        zeros=zeros,
    )


def output_attrs(tree: xr.DataTree, name: str) -> dict[str, Any]:
    """``units`` and ``long_name`` of a variable in a stored or streaming tree."""
    if "posterior" in tree.children:
        return dict(tree["posterior"][name].attrs)
    return dict(tree["streaming"][f"{name}__mean"].attrs)
