"""Throughput of frontiercost against numpy and squigglepy on the reference cost model.

Usage (from the repository root)::

    python benchmarks/throughput.py --sizes 1e6,1e7,1e8 --threads 2 --huge

prints a table and writes ``benchmarks/results/throughput.json`` (``--out`` to
change it).  Options are those of ``frontiercost bench``; see
:mod:`frontiercost.bench.harness`.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "results" / "throughput.json"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; see ``--help``."""
    try:
        from frontiercost.bench.harness import main as bench_main
    except ImportError:
        # Run from a source checkout without installing: the package sits next door.
        sys.path.insert(0, str(HERE.parent))
        from frontiercost.bench.harness import main as bench_main
    return bench_main(argv, default_out=str(DEFAULT_OUT))


if __name__ == "__main__":
    sys.exit(main())
