"""Results: engine output assembled into DataTrees, read back, and described once."""

# installs xarray's deferred dask lookup before any module below wraps an array
from . import _lazy_dask  # noqa: F401
from .load import load_run
from .trees import output_attrs, stored_tree, stream_stats, streaming_tree
from .view import NotARunError, RunView, view

__all__ = [
    "NotARunError",
    "RunView",
    "load_run",
    "output_attrs",
    "stored_tree",
    "stream_stats",
    "streaming_tree",
    "view",
]
