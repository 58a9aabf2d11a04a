"""Keep xarray from importing ``dask.array`` until a dask array can exist.

When dask is installed, xarray asks for the dask array type the first time
it wraps any array (``as_compatible_data`` checks ``isinstance(data,
dask.array.Array)``), and that imports ``dask.array``: 0.3 s of every
``frontiercost run``, which never makes one.  Until ``dask.array`` is
imported no object can be a dask array, so the answer "no type" is exact
then; after it is imported the real type is given.  Everything else xarray
asks of dask (version, module) is looked up for real on first use.
"""

from __future__ import annotations

import sys
from typing import Any


class _DeferredDask:
    """Stands in for xarray's ``DuckArrayModule("dask")`` record."""

    def __init__(self, make: Any) -> None:
        self._make = make
        self._real: Any = None

    @property
    def type(self) -> tuple[type, ...]:
        array = sys.modules.get("dask.array")
        return (array.Array,) if array is not None else ()

    def __getattr__(self, name: str) -> Any:  # module, version, available
        if name.startswith("_"):
            raise AttributeError(name)
        if self._real is None:
            self._real = self._make("dask")
        return getattr(self._real, name)


def defer_dask_array() -> None:
    """Install the stand-in, unless xarray has looked dask up already or has changed."""
    if "dask.array" in sys.modules:
        return
    try:
        from xarray.namedarray import pycompat
    except ImportError:  # pragma: no cover - an xarray without this module
        return
    cache = getattr(pycompat, "_cached_duck_array_modules", None)
    make = getattr(pycompat, "DuckArrayModule", None)
    if isinstance(cache, dict) and make is not None and "dask" not in cache:
        cache["dask"] = _DeferredDask(make)


defer_dask_array()
