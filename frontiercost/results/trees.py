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
from ..model import QUANTITIES, Model, Output
from ..priors import Fixed, Prior

FORWARD = "none: the posterior is the prior pushed through the model"
GROUPS_NOTE = (
    "posterior: a forward run's draws (the priors pushed through the model; no data"
    " conditions them unless a prior group is present); constant_data: fixed inputs"
)


def _root_attrs(
    model: Model, priors: Mapping[str, Prior], run: Mapping[str, Any], scenario_text: str | None
) -> dict[str, Any]:
    # each prior as a spec that frontiercost.prior_from_spec loads back
    prior_specs = {n: p.to_spec() for n, p in priors.items()}
    replaced = list(run.get("replaced_priors") or ())
    # ``scenario`` is the file's text; the inputs whose priors ``simulate(priors=)``
    # replaced are named, so whoever rebuilds the scenario takes theirs from ``priors``
    extra = {"replaced_priors": json.dumps(replaced)} if replaced else {}
    return {
        **extra,
        "model": model.name,
        "scenario": scenario_text if scenario_text is not None else "",
        "priors": json.dumps(prior_specs, default=float),
        "seed": int(run["seed"]),
        "sampler": str(run["sampler"]),
        "draws": int(run["draws"]),
        "chains": int(run["chains"]),
        "correlations": json.dumps(
            [[a, b, float(r)] for (a, b), r in dict(run.get("correlations") or {}).items()]
        ),
        "inference": FORWARD,
        "groups": GROUPS_NOTE,
        "frontiercost_version": __version__,
        "frontiercost_kind": "run",
        "created_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }


def input_attrs(name: str, prior: Prior) -> dict[str, Any]:
    """``units``, ``long_name`` (what is stored), ``prior`` and ``source`` of an input."""
    q = QUANTITIES.get(name)
    long_name = prior.description or (q.long_name if q is not None else name)
    return {
        "units": prior.unit,
        "long_name": long_name,
        "prior": prior.family,
        "source": prior.source,
    }


def constant_data(model: Model, priors: Mapping[str, Prior]) -> xr.Dataset:
    """The fixed inputs (point-mass priors), as ArviZ's ``constant_data`` group."""
    data = {
        n: xr.Variable((), float(p.central), input_attrs(n, p))
        for n in model.inputs
        if isinstance((p := priors[n]), Fixed) and n not in model.output_names
    }
    return xr.Dataset(data, attrs={"note": "inputs with a fixed value in this run"})


def _out_attrs(out: Output) -> dict[str, str]:
    """``units``, ``long_name`` and, for money, ``dollars`` (the dollar basis) and, when it
    reads a cloud price, ``cloud_basis`` and ``cloud_price_source``."""
    attrs = {"units": out.units, "long_name": out.long_name}
    if out.dollars:
        attrs["dollars"] = out.dollars
    if out.cloud_basis:
        attrs["cloud_basis"] = out.cloud_basis
        attrs["cloud_price_source"] = out.cloud_source
    return attrs


def stored_tree(
    model: Model,
    priors: Mapping[str, Prior],
    result: EngineResult,
    run: Mapping[str, Any],
    scenario_text: str | None = None,
) -> xr.DataTree:
    """DataTree with ``posterior`` (dims ``chain``, ``draw``) and ``constant_data`` groups.

    ``posterior`` holds the outputs and the uncertain inputs' draws; fixed
    inputs, which do not vary, are 0-d variables of ``constant_data`` (so
    ArviZ's diagnostics see no constant chains).
    """
    chains, draws = next(iter(result.outputs.values())).shape
    coords = {"chain": np.arange(chains), "draw": np.arange(draws)}
    # Variables, not DataArrays: a Dataset of DataArrays aligns them one by one,
    # ~40 ms a run of GPT-4's 26 variables, which a sweep of 200 points pays 200 times
    data: dict[str, xr.Variable] = {}
    for out in model.outputs:
        data[out.name] = xr.Variable(("chain", "draw"), result.outputs[out.name], _out_attrs(out))
    for name, values in result.inputs.items():
        p = priors[name]
        if name in data:
            # an input the scenario also reports as an output: same draws, mark it an input
            data[name].attrs.update(prior=p.family, source=p.source)
            continue
        if isinstance(p, Fixed):
            continue  # in constant_data
        data[name] = xr.Variable(("chain", "draw"), values, input_attrs(name, p))
    posterior = xr.Dataset(data, coords=coords, attrs={"inference": FORWARD})
    groups = {
        "/": xr.Dataset(attrs=_root_attrs(model, priors, run, scenario_text)),
        "posterior": posterior,
    }
    if result.nonfinite is not None:  # counted by the engine as it drew
        groups["/"].attrs["nonfinite"] = json.dumps(result.nonfinite)
        for name, c in result.nonfinite.items():  # in the tree before any file is written
            posterior[name].attrs["nonfinite_draws"] = c["nan"] + c["inf"]
    const = constant_data(model, priors)
    if const.data_vars and result.inputs:
        groups["constant_data"] = const
    return xr.DataTree.from_dict(groups)


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
    described = {o.name: _out_attrs(o) for o in model.outputs}
    for o, name in enumerate(st.names):
        # Stored as flat indices over (negative, positive, zero) rows of N_BINS
        # each, exact zeros at index 2 * N_BINS.
        flat = st.hist[o].reshape(-1)
        nz = np.flatnonzero(flat)
        index, count = nz, flat[nz]
        if st.zeros[o]:
            index = np.append(index, 2 * N_BINS)
            count = np.append(count, st.zeros[o])
        u, long_name = described[name]["units"], described[name]["long_name"]

        def a(unit: str, what: str, _l: str = long_name) -> dict[str, str]:
            return {"units": unit, "long_name": f"{what} of {_l}"}

        squared = "1" if u == "1" else f"({u})^2"
        data[f"{name}__count"] = ((), st.count[o], a("1", "non-NaN draws"))
        data[f"{name}__mean"] = ((), st.mean[o], described[name])
        data[f"{name}__var"] = ((), st.var[o], a(squared, "variance"))
        data[f"{name}__min"] = ((), st.minimum[o], a(u, "smallest draw"))
        data[f"{name}__max"] = ((), st.maximum[o], a(u, "largest draw"))
        data[f"{name}__nan_count"] = ((), st.nan_count[o], a("1", "NaN draws"))
        data[f"{name}__inf_count"] = ((), st.inf_count[o], a("1", "infinite draws"))
        if st.min_count is not None and st.max_count is not None:
            data[f"{name}__min_count"] = (
                (),
                st.min_count[o],
                a("1", "draws equal to the smallest"),
            )
            data[f"{name}__max_count"] = (
                (),
                st.max_count[o],
                a("1", "draws equal to the largest"),
            )
        data[f"{name}__hist_index"] = (
            (f"{name}__bin",),
            index.astype(np.int64),
            a("1", "histogram bin index (negative, positive, zero rows of N_BINS)"),
        )
        data[f"{name}__hist_count"] = (
            (f"{name}__bin",),
            count.astype(np.int64),
            a("1", "draws in the histogram bin"),
        )
        off = st.offset[o] if st.offset is not None and st.offset.size else 0.0
        if off:  # a run without it (or one written before it existed) measures from 0
            data[f"{name}__hist_offset"] = (
                (),
                float(off),
                a(u, "value the histogram bins measure draws from (bins of draw - offset)"),
            )
        if st.atoms is not None and st.atom_count is not None and st.atom_above is not None:
            held = np.flatnonzero(np.isfinite(st.atoms[o]))
            if held.size:  # values the first draws repeated, counted exactly
                dim = (f"{name}__atom",)
                data[f"{name}__atoms"] = (dim, st.atoms[o, held], a(u, "repeated value (atom)"))
                data[f"{name}__atom_count"] = (
                    dim,
                    st.atom_count[o, held].astype(np.int64),
                    a("1", "draws equal to the atom"),
                )
                data[f"{name}__atom_above"] = (
                    dim,
                    st.atom_above[o, held].astype(np.int64),
                    a("1", "draws above the atom"),
                )
        data[f"{name}__thresholds"] = (
            (f"{name}__threshold",),
            st.thresholds[o],
            a(u, "exceedance threshold"),
        )
        data[f"{name}__exceed"] = (
            (f"{name}__threshold",),
            st.exceed[o],
            a("1", "draws above the threshold"),
        )
    ds = xr.Dataset(
        {k: xr.Variable(*v) for k, v in data.items()},
        attrs={
            "outputs": json.dumps(list(st.names)),
            "histogram": "log-linear, 256 bins per octave (see StreamStats)",
        },
    )
    root = _root_attrs(model, priors, run, scenario_text)
    root["nonfinite"] = json.dumps(
        {
            name: {"nan": int(st.nan_count[o]), "inf": int(st.inf_count[o])}
            for o, name in enumerate(st.names)
            if st.nan_count[o] or st.inf_count[o]
        }
    )  # counted as the draws were reduced
    return xr.DataTree.from_dict({"/": xr.Dataset(attrs=root), "streaming": ds})


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

    n_atoms = max((ds[f"{n}__atoms"].size for n in names if f"{n}__atoms" in ds), default=0)
    atoms = np.full((n_out, n_atoms), np.nan)
    atom_count = np.zeros((n_out, n_atoms), np.int64)
    atom_above = np.zeros((n_out, n_atoms), np.int64)
    for o, n in enumerate(names):
        if f"{n}__atoms" in ds:  # a run written before atoms were counted has none
            m = ds[f"{n}__atoms"].size
            atoms[o, :m] = ds[f"{n}__atoms"].values
            atom_count[o, :m] = ds[f"{n}__atom_count"].values
            atom_above[o, :m] = ds[f"{n}__atom_above"].values

    def col(stat: str) -> np.ndarray:
        # a run written before a statistic existed has none of it: 0
        return np.array(
            [float(ds[f"{n}__{stat}"]) if f"{n}__{stat}" in ds else 0.0 for n in names]
        )

    return StreamStats(
        names=names,
        count=col("count"),
        mean=col("mean"),
        var=col("var"),
        minimum=col("min"),
        maximum=col("max"),
        nan_count=col("nan_count"),
        inf_count=col("inf_count"),
        thresholds=thr,
        exceed=exc,
        hist=hist.reshape(n_out, 2, N_BINS),
        zeros=zeros,
        offset=col("hist_offset"),
        atoms=atoms,
        atom_count=atom_count,
        atom_above=atom_above,
        # a run written before these were counted has none: no extreme is a point
        min_count=col("min_count") if names and f"{names[0]}__min_count" in ds else None,
        max_count=col("max_count") if names and f"{names[0]}__max_count" in ds else None,
    )


def output_attrs(tree: xr.DataTree, name: str) -> dict[str, Any]:
    """``units`` and ``long_name`` of a variable in a stored or streaming tree."""
    if "posterior" in tree.children:
        if name in tree["posterior"].data_vars or "constant_data" not in tree.children:
            return dict(tree["posterior"][name].attrs)
        return dict(tree["constant_data"][name].attrs)
    return dict(tree["streaming"][f"{name}__mean"].attrs)
