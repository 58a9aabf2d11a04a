"""How a cost splits into its parts, with the split's own uncertainty.

:func:`component_shares` is the analysis behind the stacked-bar plot
(:func:`frontiercost.analysis.plots.plot_components`) and the command line's
split table (:func:`component_table`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from ..errors import FrontiercostError
from ..model import SHARE_SUFFIX, SPLITS
from ..results.view import RunView, view
from .format import format_share, format_usd, percent_label
from .summary import CI_KINDS, _partitioned

SAMPLE_DIMS = ("chain", "draw")


# Readable names of the parts (the amortized ones as in ``format.COMPONENTS``).
LABELS = {
    "chip_cost": "chips",
    "other_server_cost": "other server",
    "interconnect_cost": "interconnect",
    "energy_cost": "energy",
    "rd_compute_cost": "R&D compute",
    "staff_cost": "staff",
    "inference_cost": "inference",
}

# Parts whose mean exceeds the mean total by more than this share are an error.
_OVERSHOOT_TOLERANCE = 0.005


def default_split(tree: xr.DataTree) -> tuple[str, tuple[str, ...]] | None:
    """The first of :data:`SPLITS` whose total and parts a stored run has, else ``None``."""
    run = view(tree)
    if not (run.stored or run.streaming):
        return None
    names = set(run.variables)
    for total, parts in SPLITS.items():
        shares = {f"{p}{SHARE_SUFFIX}" for p in parts} if run.streaming else set()
        if {total, *parts, *shares} <= names:
            return total, parts
    return None


def check_distinct(parts: Sequence[str]) -> None:
    """Refuse a part named twice: it would be stacked and counted twice in the split."""
    twice = [p for i, p in enumerate(parts) if p in list(parts)[:i]]
    if twice:
        raise FrontiercostError(f"parts: {twice[0]!r} is given twice; each part once")


def component_shares(
    tree: xr.DataTree,
    total: str | None = None,
    parts: Sequence[str] | None = None,
    ci_prob: float = 0.9,
    ci_kind: str = "eti",
    *,
    point: xr.Dataset | None = None,
) -> xr.Dataset:
    """Each part's share of a total: per draw, and of the mean total.

    Parameters
    ----------
    tree : xarray.DataTree
        A stored run (group ``posterior``, dims ``chain``/``draw`` plus any
        sweep dims, which are kept).
    total : str, optional
        The total; by default the first of :data:`SPLITS` the run has
        (``amortized_cost``, then ``development_cost``, then
        ``total_compute_cost``).
    parts : sequence of str, optional
        Its parts; by default those of ``total`` in :data:`SPLITS`.
    ci_prob, ci_kind
        The credible interval of the per-draw shares, as for
        :func:`frontiercost.summarize` (``"eti"`` or ``"hdi"``).
    point : xarray.Dataset, optional
        The scenario's point estimate (:func:`frontiercost.evaluate`); adds
        ``share_at_point``.

    Returns
    -------
    xarray.Dataset
        Dims ``component`` (the parts, in order) and ``ci_bound`` (``lower``,
        ``upper``), plus the run's sweep dims.  Variables (units ``"1"``):

        - ``median``, ``mean``: of the share ``part / total`` computed draw
          by draw; their spread is the split's own uncertainty;
        - ``ci``: its credible interval (``ci_kind``/``ci_prob`` attributes);
        - ``share_of_mean``: ``mean(part) / mean(total)``, which adds up to 1
          over the components when the parts add up to the total (medians
          and means of per-draw shares need not);
        - ``remainder``: ``1 - sum(share_of_mean)``, the part of the mean
          total the parts leave out (0 up to rounding for a full split);
        - ``mean_value``: ``mean(part)``, in the total's units;
        - ``share_at_point``: the share at the point estimate, if ``point``.

        Coordinate ``label`` (``"chips"``, ``"staff"``, ...); attributes
        ``total``, ``total_units``, ``ci_kind``, ``ci_prob``.

    Raises
    ------
    FrontiercostError
        On a streaming run, a run with no known split (when ``total`` is not
        given), unknown variables, no parts, a bad ``ci_prob``/``ci_kind``,
        or parts whose mean exceeds the mean total by more than 0.5 %.

    Notes
    -----
    Intervals come from arviz-stats (``eti``, ``hdi``) over ``chain`` and
    ``draw``; draws whose total is zero or not finite give NaN shares and
    are left out of every statistic.
    """
    if isinstance(ci_prob, bool) or not isinstance(ci_prob, (int, float)) or not 0 < ci_prob < 1:
        raise FrontiercostError(f"ci_prob: must be a number in (0, 1), got {ci_prob!r}")
    if ci_kind not in CI_KINDS:
        raise FrontiercostError(f"ci_kind: unknown kind {ci_kind!r}; accepted: eti, hdi")
    if parts is not None and not isinstance(parts, str):
        check_distinct(parts)
    run = view(tree)
    if run.streaming:
        return _streaming_shares(run, total, parts, ci_prob, ci_kind, point)
    if not run.stored:
        raise FrontiercostError(
            "component_shares needs stored draws, or a streaming run with share outputs"
        )
    post = run.posterior
    total, parts = _resolve(post, total, parts)

    t = post[total]
    dims = [d for d in SAMPLE_DIMS if d in t.dims]
    if ci_kind == "eti" and tuple(t.dims) == SAMPLE_DIMS:
        median, mean_share, ci = _eti_shares(post, total, parts, ci_prob)
    else:
        shares = xr.concat(
            [(post[p] / t.where(t != 0)).drop_attrs() for p in parts], dim="component"
        ).assign_coords(component=list(parts))
        shares = shares.where(np.isfinite(shares))
        ci = _interval(shares, dims, ci_prob, ci_kind)
        median, mean_share = shares.median(dims), shares.mean(dims)
    mean_total = t.mean(dims)
    mean_value = xr.concat([post[p].mean(dims) for p in parts], dim="component").assign_coords(
        component=list(parts)
    )
    of_mean = mean_value / mean_total
    remainder = 1 - of_mean.sum("component")
    if float(remainder.min()) < -_OVERSHOOT_TOLERANCE:
        raise FrontiercostError(
            f"parts: {', '.join(parts)} add up to "
            f"{format_share(1 - float(remainder.min()))} of {total}"
        )
    units = str(t.attrs.get("units", ""))
    share = {"units": "1"}
    data: dict[str, xr.DataArray] = {
        "median": median.assign_attrs(share, long_name=f"median share of {total}"),
        "mean": mean_share.assign_attrs(share, long_name=f"mean share of {total}"),
        "ci": ci.transpose("component", "ci_bound", ...).assign_attrs(
            share, ci_kind=ci_kind, ci_prob=float(ci_prob)
        ),
        "share_of_mean": of_mean.assign_attrs(share, long_name=f"mean part / mean {total}"),
        "remainder": remainder.assign_attrs(
            share, long_name=f"share of the mean {total} outside the parts"
        ),
        "mean_value": mean_value.assign_attrs(units=units, long_name="mean of the part"),
    }
    if point is not None:
        missing = [n for n in (total, *parts) if n not in point.data_vars]
        if missing:
            raise FrontiercostError(f"point: no variable(s) {', '.join(missing)}")
        at_point = xr.concat(
            [(point[p] / point[total]).drop_attrs() for p in parts], dim="component"
        ).assign_coords(component=list(parts))
        data["share_at_point"] = at_point.assign_attrs(
            share, long_name=f"share of {total} at the point estimate"
        )
    ds = xr.Dataset(data)
    ds = ds.assign_coords(
        ci_bound=["lower", "upper"],
        label=("component", [LABELS.get(p, p) for p in parts]),
    )
    ds.attrs = {
        "total": total,
        "total_units": units,
        "ci_kind": ci_kind,
        "ci_prob": float(ci_prob),
    }
    return ds


def _eti_shares(
    post: xr.Dataset, total: str, parts: Sequence[str], ci_prob: float
) -> tuple[xr.DataArray, xr.DataArray, xr.DataArray]:
    """Median, mean and equal-tailed interval of each part's per-draw share of a
    run with dims ``(chain, draw)`` only, one part at a time.

    The same bits as the general path (NaN-skipping median, mean and linear
    quantiles of the stacked shares), without holding every share and its
    copies at once: a median and a quantile depend only on the finite shares'
    values, which one partition orders for both (``summary._partitioned``),
    and a mean reduces each part's ``(chain, draw)`` block as the stacked
    array's does.
    """
    t = post[total].values
    edge = (1 - ci_prob) / 2
    probs = np.array([edge, 1 - edge])
    median, mean, ci = [], [], []
    share = np.empty_like(t)
    for p in parts:
        # A zero total gives a non-finite ratio as surely as NaN would: the
        # shares left out are the general path's.
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            np.divide(post[p].values, t, out=share)
        finite = np.isfinite(share)
        x = share[finite]
        n = x.size
        # numpy's NaN-skipping mean: the sum with the left-out shares as 0, over the count
        share[~finite] = 0.0
        with np.errstate(invalid="ignore", divide="ignore"):
            mean.append(float(np.sum(share, axis=(0, 1)) / np.intp(n)))
        if n >= 4:
            part, _ = _partitioned(x, probs, np.array([0.5]), inplace=True)
            median.append(float(np.median(part, overwrite_input=True)))
            ci.append([float(v) for v in np.quantile(part, probs, overwrite_input=True)])
        elif n:
            median.append(float(np.median(x)))
            ci.append([float(v) for v in np.quantile(x, probs)])
        else:
            median.append(np.nan)
            ci.append([np.nan, np.nan])
        del x
    coords = {"component": list(parts)}
    return (
        xr.DataArray(np.array(median), dims="component", coords=coords),
        xr.DataArray(np.array(mean), dims="component", coords=coords),
        xr.DataArray(np.array(ci), dims=("component", "ci_bound"), coords=coords),
    )


def _interval(shares: xr.DataArray, dims: list[str], ci_prob: float, ci_kind: str) -> xr.DataArray:
    """The credible interval of the shares over ``dims``, NaN draws left out.

    An equal-tailed interval is what arviz-stats' ``eti`` computes
    (``numpy.nanquantile`` at ``(1 - ci_prob) / 2`` and its complement, linear
    method), without importing arviz-stats (~1 s and ~100 MB at start-up);
    the highest-density interval comes from arviz-stats.
    """
    if ci_kind != "eti":
        import arviz_stats as az  # imported on use

        return az.hdi(shares, prob=ci_prob, dim=dims, skipna=True)
    edge = (1 - ci_prob) / 2
    keep = [d for d in shares.dims if d not in dims]
    values = shares.transpose(*keep, *dims).values
    flat = values.reshape(*values.shape[: len(keep)], -1)
    q = np.nanquantile(flat, [edge, 1 - edge], axis=-1, method="linear")
    return xr.DataArray(
        np.moveaxis(q, 0, -1),
        dims=(*keep, "ci_bound"),
        coords={d: shares.coords[d] for d in keep if d in shares.coords},
    )


def _streaming_shares(
    run: RunView,
    total: str | None,
    parts: Sequence[str] | None,
    ci_prob: float,
    ci_kind: str,
    point: xr.Dataset | None,
) -> xr.Dataset:
    """:func:`component_shares` of a streaming run that carries ``{part}__share`` outputs.

    Means come from the run's moments, the median and interval of each
    per-draw share from its histogram (within one bin, 0.39 %).
    """
    st = run.stats
    names = set(st.names)
    if total is None:
        found = [(t, ps) for t, ps in SPLITS.items() if {t, *ps} <= names]
        if not found:
            raise FrontiercostError("component_shares: the run has no split of a total")
        total, parts = found[0]
    parts = tuple(parts if parts is not None else SPLITS.get(total, ()))
    missing = [p for p in parts if f"{p}{SHARE_SUFFIX}" not in names]
    if missing or total not in names:
        raise FrontiercostError(
            "component_shares needs stored draws, or a streaming run that carries the"
            f" per-draw shares ({', '.join(p + SHARE_SUFFIX for p in missing or parts)})"
        )
    mean = {n: float(st.mean[st.names.index(n)]) for n in (total, *parts)}
    rows = []
    a = (1 - ci_prob) / 2
    for p in parts:
        s = f"{p}{SHARE_SUFFIX}"
        ci = st.quantile(s, np.array([a, 1 - a])) if ci_kind == "eti" else st.hdi(s, ci_prob)
        rows.append(
            (float(st.quantile(s, 0.5)), float(st.mean[st.names.index(s)]), [float(c) for c in ci])
        )
    of_mean = np.array([mean[p] / mean[total] for p in parts])
    remainder = 1 - of_mean.sum()
    if remainder < -_OVERSHOOT_TOLERANCE:
        raise FrontiercostError(
            f"parts: {', '.join(parts)} add up to {format_share(1 - remainder)} of {total}"
        )
    units = run.units(total)
    share = {"units": "1"}
    data: dict[str, xr.DataArray] = {
        "median": xr.DataArray([r[0] for r in rows], dims="component", attrs=share),
        "mean": xr.DataArray([r[1] for r in rows], dims="component", attrs=share),
        "ci": xr.DataArray(
            [r[2] for r in rows],
            dims=("component", "ci_bound"),
            attrs={**share, "ci_kind": ci_kind, "ci_prob": float(ci_prob)},
        ),
        "share_of_mean": xr.DataArray(of_mean, dims="component", attrs=share),
        "remainder": xr.DataArray(remainder, attrs=share),
        "mean_value": xr.DataArray(
            [mean[p] for p in parts], dims="component", attrs={"units": units}
        ),
    }
    if point is not None:
        data["share_at_point"] = xr.DataArray(
            [float(point[p]) / float(point[total]) for p in parts], dims="component", attrs=share
        )
    ds = xr.Dataset(data).assign_coords(
        component=list(parts),
        ci_bound=["lower", "upper"],
        label=("component", [LABELS.get(p, p) for p in parts]),
    )
    ds.attrs = {"total": total, "total_units": units, "ci_kind": ci_kind,
                "ci_prob": float(ci_prob), "source": "streaming histogram"}  # fmt: skip
    return ds


def _resolve(
    post: xr.Dataset, total: str | None, parts: Sequence[str] | None
) -> tuple[str, tuple[str, ...]]:
    names = set(map(str, post.data_vars))
    if total is None:
        if parts is not None:
            raise FrontiercostError("total: give the total the parts belong to")
        for t, ps in SPLITS.items():
            if {t, *ps} <= names:
                return t, ps
        raise FrontiercostError(
            "this run has none of the known splits ("
            + "; ".join(f"{t} = {' + '.join(ps)}" for t, ps in SPLITS.items())
            + "); give total and parts"
        )
    if parts is None:
        if total not in SPLITS:
            raise FrontiercostError(
                f"parts: no default parts for {total!r} (defaults exist for "
                f"{', '.join(SPLITS)}); give them"
            )
        parts = SPLITS[total]
    if isinstance(parts, str) or not all(isinstance(p, str) for p in parts):
        raise FrontiercostError(f"parts: expected a list of names, got {parts!r}")
    parts = tuple(parts)
    if not parts:
        raise FrontiercostError("parts: give at least one part")
    unknown = [n for n in (total, *parts) if n not in names]
    if unknown:
        raise FrontiercostError(
            f"unknown variable(s) {', '.join(unknown)}; accepted: {', '.join(sorted(names))}"
        )
    return total, parts


def component_table(shares: xr.Dataset) -> list[list[str]]:
    """Rows of a readable split table: header, then one row per component.

    Columns: component label, mean value (dollars when the total is in
    USD), share of the mean total, median share with its interval, and the
    share at the point estimate when ``shares`` has it.  For the command
    line and the HTML report; pass the result of :func:`component_shares`
    (without sweep dims).
    """
    extra = [d for d in shares["median"].dims if d != "component"]
    if extra:
        raise FrontiercostError(
            f"shares: one table per sweep point; select along {', '.join(map(str, extra))} first"
        )
    total = str(shares.attrs.get("total", "total"))
    ci_prob = float(shares.attrs.get("ci_prob", shares["ci"].attrs.get("ci_prob", 0.9)))
    ci_kind = str(shares.attrs.get("ci_kind", "eti")).upper()
    units = str(shares.attrs.get("total_units", ""))
    has_point = "share_at_point" in shares.data_vars
    header = [
        f"share of {total}",
        "mean",
        "of mean total",
        "median share",
        f"{percent_label(ci_prob)} {ci_kind}",
    ] + (["point"] if has_point else [])
    rows = [header]
    for c in shares["component"].values:
        row = shares.sel(component=c)
        lo, hi = (format_share(float(v)) for v in row["ci"].values)
        value = float(row["mean_value"])
        cells = [
            str(row["label"].item()),
            format_usd(value) if units == "USD" else f"{value:.3g}",
            format_share(float(row["share_of_mean"])),
            format_share(float(row["median"])),
            f"{lo} – {hi}",
        ]
        if has_point:
            cells.append(format_share(float(row["share_at_point"])))
        rows.append(cells)
    return rows
