"""Shared fixtures: small models and priors used across the engine tests.

Numba's on-disk cache does not notice edits to a callee in another file, so a
cache from older sources can run stale kernels.  The tests therefore use a
cache directory named after a hash of the package's sources (set before numba
is imported): every source change gets a fresh cache, and unchanged sources
reuse it, which keeps the suite fast.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def _source_hash() -> str:
    root = Path(__file__).resolve().parent.parent / "frontiercost"
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


os.environ.setdefault(
    "NUMBA_CACHE_DIR",
    str(Path(__file__).resolve().parent.parent / ".numba_cache" / _source_hash()),
)

import pytest  # noqa: E402

from frontiercost.bench.reference import reference_model  # noqa: E402
from frontiercost.model import Model  # noqa: E402
from frontiercost.priors import Prior  # noqa: E402


@pytest.fixture(scope="session")
def ref() -> tuple[Model, dict[str, Prior]]:
    """The benchmark's reference model (5 uncertain inputs, one output)."""
    return reference_model()
