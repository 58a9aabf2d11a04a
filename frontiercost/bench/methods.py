"""The benchmark's method names and default sizes: light enough for the command line's parser.

The harness imports scipy (~4 s cold); ``frontiercost --help`` must not.
"""

from __future__ import annotations

BASELINE_METHODS = ("numpy", "numpy-best", "numpy-best-stream", "squigglepy")
# frontiercost-formula: the same model as a formula run by the interpreter kernel,
# which is how scenario files run (frontiercost: a hand-fused numba kernel).
FRONTIERCOST_METHODS = ("frontiercost", "frontiercost-stream", "frontiercost-formula")
METHODS = BASELINE_METHODS + FRONTIERCOST_METHODS
DEFAULT_SIZES = (10**6, 10**7, 10**8)
HUGE_N = 10**9
SCHEMA = "frontiercost.bench.throughput/1"
