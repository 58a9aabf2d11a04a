"""Prior against posterior: how much conditioning on observations moved each variable."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from ..errors import FrontiercostError
from ..results.view import view

SAMPLE_DIMS = ("chain", "draw")
GROUPS = ("prior", "posterior")
NOT_CONDITIONED = (
    "this run was not conditioned on observations: the posterior is the prior pushed "
    "through the model (no 'prior' group to compare with)"
)


def prior_posterior(
    tree: xr.DataTree,
    var_names: Sequence[str] | None = None,
    ci_prob: float = 0.9,
    ci_kind: str = "eti",
) -> xr.Dataset:
    """Compare the ``prior`` and ``posterior`` groups of a conditioned run.

    Parameters
    ----------
    tree : xarray.DataTree
        A run conditioned on observations, in ArviZ layout: groups ``prior``
        and ``posterior`` with dims ``chain``/``draw`` (their sizes may
        differ) plus any sweep dims, which are kept.
    var_names : sequence of str, optional
        Variables to compare (default: every variable in both groups).
    ci_prob : float
        Mass of the credible intervals, in (0, 1).
    ci_kind : {"eti", "hdi"}
        Equal-tailed or highest-density intervals.

    Returns
    -------
    xarray.Dataset
        Dims ``variable``, ``group`` (``prior``, ``posterior``) and
        ``ci_bound`` (``lower``, ``upper``).  Variables:

        - ``median``, ``mean``, ``sd`` (over ``group``), in each variable's
          units (coordinate ``units``);
        - ``ci`` (``group``, ``ci_bound``): credible intervals
          (``ci_kind``/``ci_prob`` attributes);
        - ``shift``: how far the data moved the variable's median, in robust
          prior standard deviations (the prior's 5-95 % range / 3.29): on the
          log scale for positive variables (costs, shares), where a heavy
          right tail would otherwise make every move look like zero; medians,
          not means, because a right-skewed cost's mean follows its tail;
        - ``width_ratio``: posterior interval width / prior interval width
          (below 1: the data narrowed it; 1: they taught nothing about it).

    Raises
    ------
    FrontiercostError
        When the run has no ``prior`` group (it was not conditioned: its
        posterior *is* the prior pushed through the model) or no
        ``posterior`` group, on unknown variables, or a bad ``ci_prob``.

    Notes
    -----
    Intervals are arviz-stats ``eti`` or ``hdi`` over ``chain`` and ``draw``.  A
    variable with zero prior sd (fixed; below 1e-12 of its mean, which is
    rounding) has NaN ``shift``; one with a zero-width prior interval has
    NaN ``width_ratio``.
    """
    if isinstance(ci_prob, bool) or not isinstance(ci_prob, (int, float)) or not 0 < ci_prob < 1:
        raise FrontiercostError(f"ci_prob: must be a number in (0, 1), got {ci_prob!r}")
    if ci_kind not in ("eti", "hdi"):
        raise FrontiercostError(f"ci_kind: unknown kind {ci_kind!r}; accepted: eti, hdi")
    if not view(tree).conditioned:
        raise FrontiercostError(NOT_CONDITIONED)
    prior = tree["prior"].to_dataset()
    post = tree["posterior"].to_dataset()
    common = [str(n) for n in post.data_vars if n in prior.data_vars]
    if var_names is None:
        names = common
        if not names:
            raise FrontiercostError("the 'prior' and 'posterior' groups share no variable")
    else:
        if isinstance(var_names, str):
            var_names = [var_names]
        names = [str(n) for n in var_names]
        unknown = [n for n in names if n not in common]
        if unknown:
            raise FrontiercostError(
                f"var_names: {', '.join(unknown)} not in both the prior and the posterior; "
                f"accepted: {', '.join(common)}"
            )
    import arviz_stats as az  # imported on use: it costs ~1 s at start-up

    stats = {}
    for group, ds in zip(GROUPS, (prior, post), strict=True):
        ds = ds[names]
        if any(d not in ds.dims for d in SAMPLE_DIMS):
            raise FrontiercostError(f"{group}: needs dims chain and draw (ArviZ layout)")
        dims = list(SAMPLE_DIMS)
        ci = (az.eti if ci_kind == "eti" else az.hdi)(ds, prob=ci_prob, dim=dims)
        stats[group] = {
            "median": _stack(ds.median(dims), names),
            "mean": _stack(ds.mean(dims), names),
            "sd": _stack(ds.std(dims, ddof=1), names),
            "ci": _stack(ci, names).transpose("variable", "ci_bound", ...),
        }
    out: dict[str, xr.DataArray] = {
        k: xr.concat([stats[g][k] for g in GROUPS], dim="group") for k in stats["prior"]
    }
    shift = xr.DataArray(
        [_robust_shift(prior[n].values, post[n].values) for n in names], dims="variable"
    )
    width = {g: stats[g]["ci"].diff("ci_bound").squeeze("ci_bound", drop=True) for g in GROUPS}
    ratio = width["posterior"] / width["prior"].where(width["prior"] > 0)
    units = [str(post[n].attrs.get("units", "")) for n in names]
    ds = xr.Dataset(
        {
            "median": out["median"].transpose("variable", "group", ...),
            "mean": out["mean"].transpose("variable", "group", ...),
            "sd": out["sd"].transpose("variable", "group", ...),
            "ci": out["ci"]
            .transpose("variable", "group", "ci_bound", ...)
            .assign_attrs(ci_kind=ci_kind, ci_prob=float(ci_prob)),
            "shift": shift.assign_attrs(
                units="1",
                long_name="median shift in robust prior sd (log scale for positive variables)",
            ),
            "width_ratio": ratio.assign_attrs(
                units="1", long_name="posterior interval width / prior interval width"
            ),
        }
    )
    ds = ds.assign_coords(
        variable=names,
        group=list(GROUPS),
        ci_bound=["lower", "upper"],
        units=("variable", units),
    )
    ds.attrs = {"ci_kind": ci_kind, "ci_prob": float(ci_prob)}
    return ds


def _robust_shift(prior: np.ndarray, post: np.ndarray) -> float:
    """(posterior median - prior median) / (prior 5-95 % range / 3.29), log scale if positive."""
    a, b = np.ravel(prior).astype(float), np.ravel(post).astype(float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if a.size == 0 or b.size == 0:
        return float("nan")
    if a.min() > 0 and b.min() > 0:
        a, b = np.log(a), np.log(b)
    lo, hi = np.quantile(a, [0.05, 0.95])
    scale = (hi - lo) / (2 * 1.6448536269514722)
    if not scale > 1e-12 * max(abs(float(np.median(a))), 1e-300):
        return float("nan")  # a constant: its spread is rounding noise
    return float((np.median(b) - np.median(a)) / scale)


def _stack(ds: xr.Dataset, names: Sequence[str]) -> xr.DataArray:
    """Variables of ``ds`` along a new ``variable`` dim (float, attributes dropped)."""
    da = xr.concat([ds[n].drop_attrs().astype(np.float64) for n in names], dim="variable")
    return da.assign_coords(variable=list(names))
