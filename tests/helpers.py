"""Test helpers: the engine with the run settings as keywords.

``run_engine(model, priors, draws=..., seed=...)`` builds the
:class:`~frontiercost.settings.Sampling` and calls the engine's own
:func:`frontiercost.engine.run_engine`: the engine tests read as before, and
every call goes through the same validated settings object users build.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from frontiercost.engine import EngineResult
from frontiercost.engine import run_engine as _run_engine
from frontiercost.model import Model
from frontiercost.priors import Prior
from frontiercost.settings import Sampling

_SAMPLING = ("draws", "chains", "seed", "sampler", "block_size")


def run_engine(model: Model, priors: Mapping[str, Prior], **kw: Any) -> EngineResult:
    """``frontiercost.engine.run_engine`` with ``draws``, ``chains``... as keywords (chains 1)."""
    sampling = Sampling(**{"chains": 1, **{k: kw.pop(k) for k in _SAMPLING if k in kw}})
    if "store_inputs" in kw:
        kw["inputs"] = kw.pop("store_inputs")
    return _run_engine(model, priors, sampling, **kw)
