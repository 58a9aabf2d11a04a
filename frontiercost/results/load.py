"""Opening a saved run from Python: the checks the commands make, then the tree."""

from __future__ import annotations

import os

import xarray as xr

from ..settings import Limits
from .files import open_run


def load_run(path: str | os.PathLike[str], *, memory_bytes: int | None = None) -> xr.DataTree:
    """Open a run saved by frontiercost (``.nc`` or ``.zarr``), checked before use.

    What ``xarray.open_datatree`` does not check, this does: that the file
    is a frontiercost run, whole (every Zarr chunk present), its draws
    float64 and unscaled, and its root attributes as written (the seal; an
    edited seed or scenario text is refused); each chunk's checksum is
    checked as it is read.  The commands read saved runs through it.

    Parameters
    ----------
    path : str or os.PathLike
        The file (``.nc``) or Zarr folder (``.zarr``).
    memory_bytes : int, optional
        Most memory its draws may take in memory (default: the memory
        budget, ``Limits().memory_bytes``).  A larger run stays on disk and
        each variable is read when used, as ``fc.summarize`` reads it.

    Returns
    -------
    xarray.DataTree
        The run, as :func:`frontiercost.simulate` returned it.

    Raises
    ------
    OutputError
        Naming the file and what is wrong with it (missing, not a run,
        damaged, incomplete, edited).
    """
    budget = Limits().memory_bytes if memory_bytes is None else memory_bytes
    return open_run(path, "path", memory_bytes=budget)
