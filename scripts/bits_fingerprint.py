"""Hash the bits of many runs, to check that a kernel rewrite changes none of them.

    NUMBA_CACHE_DIR=$(mktemp -d) python scripts/bits_fingerprint.py before.json
    (change the engine)
    NUMBA_CACHE_DIR=$(mktemp -d) python scripts/bits_fingerprint.py after.json
    diff before.json after.json && echo "the same bits"

Every built-in scenario that runs unconditioned, stored (inputs kept) and
streaming, under each sampler; and a scenario with every kernel family, with
and without a copula.  Give each side a fresh numba cache: numba's cache does
not notice an edit to a callee in another file, so a cache left from older
sources can run stale code.
"""

from __future__ import annotations

import hashlib
import json
import sys
import warnings
from typing import Any

import numpy as np

FAMILIES: dict[str, Any] = {
    "parameters": {
        "a": {"family": "normal", "p5": -1.0, "p95": 3.0},
        "b": {"family": "lognormal", "p5": 1.0, "p95": 30.0},
        "c": {"family": "logitnormal", "p5": 0.2, "p95": 0.7, "lower": 0.1, "upper": 0.9},
        "d": {"family": "truncnormal", "p5": 2.6, "p95": 3.5, "lower": 2.5, "upper": 9.0},
        "e": {"family": "truncnormal", "p5": -0.9, "p95": -0.35, "lower": -9.0, "upper": -0.3},
        "f": {"family": "truncnormal", "p5": 1.0, "p95": 9.0, "lower": 0.0, "upper": 100.0},
        "g": {"family": "beta", "alpha": 4, "beta": 6},
        "h": {"family": "beta", "alpha": 0.5, "beta": 0.5},
        "k": {"family": "lognormal", "p5": 0.01, "p95": 1e5},
        "m": {"family": "uniform", "lower": 1.0, "upper": 2.0},
        "q": {"family": "loguniform", "lower": 1.0, "upper": 1e3},
        "r": {"family": "triangular", "minimum": 0.0, "mode": 1.0, "maximum": 4.0},
    },
    "formulas": {"y": "a + b * c + d * e + f * g + h * k + m * q - r"},
}
SAMPLERS = ("mc", "lhs", "qmc")


def digest(tree: Any) -> str:
    """A hash of every numeric variable of every group of a run's tree."""
    h = hashlib.sha256()
    for path in sorted(tree.groups):
        ds = tree[path].to_dataset()
        for name in sorted(ds.data_vars):
            a = np.ascontiguousarray(ds[name].values)
            if a.dtype.kind in "fiub":
                h.update(f"{path}/{name}".encode())
                h.update(a.tobytes())
    return h.hexdigest()[:16]


def main(out: str) -> int:
    warnings.simplefilter("ignore")
    import frontiercost as fc

    hashes: dict[str, str] = {}
    for name in fc.list_scenarios():
        for sampler in SAMPLERS:
            for store in (True, False):
                key = f"{name}/{sampler}/{'stored' if store else 'streaming'}"
                try:
                    tree = fc.simulate(
                        name, draws=4096, chains=2, seed=7, sampler=sampler,
                        store=store, store_inputs=store,
                    )  # fmt: skip
                except fc.FrontiercostError as err:  # conditioned scenarios
                    hashes[key] = f"refused: {type(err).__name__}"
                    continue
                hashes[key] = digest(tree)
    correlated = {**FAMILIES, "correlation": [{"between": ["a", "b"], "rank": 0.5}]}
    for label, scenario in (("families", FAMILIES), ("families+copula", correlated)):
        for sampler in SAMPLERS:
            tree = fc.simulate(
                scenario, draws=100_000, chains=2, seed=3, sampler=sampler, store_inputs=True
            )
            hashes[f"{label}/{sampler}"] = digest(tree)
    with open(out, "w") as f:
        json.dump(hashes, f, indent=1, sort_keys=True)
    print(f"{len(hashes)} runs hashed into {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
