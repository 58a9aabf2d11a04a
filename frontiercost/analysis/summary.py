"""Point summaries and credible intervals of a run."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from ..errors import FrontiercostError
from ..simulator.dataset import output_attrs, stream_stats

CI_KINDS = ("eti", "hdi")


def summarize(
    data: xr.DataTree,
    ci_prob: float = 0.9,
    ci_kind: str = "eti",
    var_names: Sequence[str] | None = None,
) -> xr.Dataset:
    """Mean, sd, median and a credible interval of each variable.

    Parameters
    ----------
    data : xarray.DataTree
        From ``frontiercost.simulate`` (stored ``posterior`` or ``streaming``).
    ci_prob : float
        Probability mass of the interval, in (0, 1).
    ci_kind : {"eti", "hdi"}
        Equal-tailed or highest-density interval.
    var_names : sequence of str, optional
        Variables to summarize (default: all).

    Returns
    -------
    xarray.Dataset
        Dims ``variable`` and ``ci_bound`` (``lower``, ``upper``); variables
        ``mean``, ``sd``, ``median``, ``mcse_median`` and ``ci`` (with
        ``ci_kind``/``ci_prob`` attributes); coordinate ``units`` per variable.

    Notes
    -----
    Stored draws go through arviz-stats (``eti``, ``hdi``, ``mcse``).  A
    streaming run has no draws, so its quantiles and HDI come from the run's
    histogram (error at most one bin, 0.39 %; see ``StreamStats``) and its
    MCSE of the median is not available (NaN).
    """
    if isinstance(ci_prob, bool) or not isinstance(ci_prob, (int, float)) or not (0 < ci_prob < 1):
        raise FrontiercostError(f"ci_prob: must be a number in (0, 1), got {ci_prob!r}")
    if ci_kind not in CI_KINDS:
        raise FrontiercostError(f"ci_kind: unknown kind {ci_kind!r}; accepted: eti, hdi")
    stored = "posterior" in data.children
    if not stored and "streaming" not in data.children:
        raise FrontiercostError(
            "data: no 'posterior' or 'streaming' group; expected the "
            "result of frontiercost.simulate"
        )
    available = list(data["posterior"].data_vars) if stored else list(stream_stats(data).names)
    names = list(var_names) if var_names is not None else available
    unknown = [n for n in names if n not in available]
    if unknown:
        raise FrontiercostError(
            f"var_names: unknown variable(s) {', '.join(unknown)}; "
            f"accepted: {', '.join(available)}"
        )
    if stored:
        post = data["posterior"].to_dataset()[names]
        import arviz as az  # imported on use: it costs ~1 s and ~100 MB at start-up

        ci_fn = az.eti if ci_kind == "eti" else az.hdi
        ci = ci_fn(post, prob=ci_prob)
        mean, sd, median = (
            post.mean(("chain", "draw")),
            post.std(("chain", "draw"), ddof=1),
            post.median(("chain", "draw")),
        )
        mcse = az.mcse(post, method="median")
        rows = {
            k: np.array([float(v[n]) for n in names])
            for k, v in (("mean", mean), ("sd", sd), ("median", median), ("mcse_median", mcse))
        }
        ci_arr = np.array(
            [[float(ci[n].sel(ci_bound=b)) for b in ("lower", "upper")] for n in names]
        )
    else:
        st = stream_stats(data)
        o = [st.names.index(n) for n in names]
        rows = {
            "mean": st.mean[o],
            "sd": np.sqrt(st.var[o]),
            "median": np.array([float(st.quantile(n, 0.5)) for n in names]),
            "mcse_median": np.full(len(names), np.nan),
        }
        if ci_kind == "eti":
            a = (1 - ci_prob) / 2
            ci_arr = np.array([st.quantile(n, np.array([a, 1 - a])) for n in names])
        else:
            ci_arr = np.array([st.hdi(n, ci_prob) for n in names])
    units = [output_attrs(data, n).get("units", "") for n in names]
    ds = xr.Dataset(
        {k: ("variable", v) for k, v in rows.items()}
        | {
            "ci": (
                ("variable", "ci_bound"),
                ci_arr,
                {"ci_kind": ci_kind, "ci_prob": float(ci_prob)},
            )
        },
        coords={"variable": names, "ci_bound": ["lower", "upper"], "units": ("variable", units)},
        attrs={
            "ci_kind": ci_kind,
            "ci_prob": float(ci_prob),
            "source": "draws" if stored else "streaming histogram",
        },
    )
    return ds
