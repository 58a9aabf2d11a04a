"""A sweep's tree: per-point datasets stacked along the grid's dims."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr


def stack_points(
    rows: Sequence[xr.Dataset],
    dims: Sequence[tuple[str, tuple[Any, ...], str]],
    attrs: Mapping[str, Any],
    group: str,
) -> xr.DataTree:
    """Datasets of the grid points (row-major order) as one tree with the sweep dims.

    Sweep coordinates carry their units; ``group`` is ``posterior`` (draws)
    or ``summary``.
    """
    names = [d[0] for d in dims]
    shape = tuple(len(d[1]) for d in dims)
    coords = {f: (f, list(v), {"units": u} if u else {}) for f, v, u in dims}
    grid = np.empty(shape, dtype=object)
    for flat, ds in enumerate(rows):
        grid[np.unravel_index(flat, shape)] = ds
    combined = xr.combine_nested(grid.tolist(), concat_dim=names, combine_attrs="override")
    stacked = combined.assign_coords(coords).transpose(*names, ...)
    return xr.DataTree.from_dict({"/": xr.Dataset(attrs=dict(attrs)), group: stacked})
