"""Results: engine output assembled into DataTrees, read back, and described once."""

from .trees import output_attrs, stored_tree, stream_stats, streaming_tree
from .view import NotARunError, RunView, view

__all__ = [
    "NotARunError",
    "RunView",
    "output_attrs",
    "stored_tree",
    "stream_stats",
    "streaming_tree",
    "view",
]
