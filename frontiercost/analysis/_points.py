"""A function of one run, applied at every point of a stored sweep."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import xarray as xr

from ..results.view import RunView


def each_point[T: (xr.Dataset, xr.DataArray)](
    run: RunView, fn: Callable[[xr.DataTree], T], names: Sequence[str]
) -> T:
    """``fn`` of each grid point's run, stacked over the sweep's dims (first).

    Each point is a tree of its own (the root's attributes and that point's
    ``posterior`` variables ``names``, the only ones copied), so ``fn`` sees
    one run and every figure is that point's, never one pooled over the grid.
    """
    extra: list[str] = list(run.sweep_dims)
    post = run.posterior[list(names)]
    stacked = post.stack(_point=extra)
    parts: list[T] = []
    for i in range(stacked.sizes["_point"]):
        one = stacked.isel(_point=i).drop_vars(["_point", *extra], errors="ignore")
        tree = xr.DataTree.from_dict({"/": xr.Dataset(attrs=run.tree.attrs), "posterior": one})
        parts.append(fn(tree))
    out = xr.concat(parts, dim="_point", coords="minimal", compat="override")
    out = out.assign_coords(_point=stacked["_point"]).unstack("_point")
    for d in extra:
        out[d].attrs = dict(post[d].attrs)
    return out.transpose(*extra, ...)
