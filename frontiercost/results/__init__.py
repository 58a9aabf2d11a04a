"""Results: engine output assembled into DataTrees, read back, and described once."""

from .trees import output_attrs, stored_tree, stream_stats, streaming_tree

__all__ = ["output_attrs", "stored_tree", "stream_stats", "streaming_tree"]
