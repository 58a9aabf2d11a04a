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


def one_chip(fleet: bool, observe: bool = True) -> dict[str, object]:
    """One chip, as itself or as a fleet of two labelled halves on one price stream
    (the same draws), with evidence on its acquisition cost unless ``observe`` is false."""
    data: dict[str, object] = {
        "scenario": {"title": "one chip", "year": 2025},
        "parameters": {
            "chip_count": {"prior": "chip_count_multiplier", "times": 100000},
            "server_cost_factor": 1.64,
        },
        "observe": [
            {"quantity": "acquisition_cost", "value": 4e9, "sigma": 0.05, "source": "test"}
        ],
    }
    if not observe:
        del data["observe"]
    if fleet:
        half = {"chip": "h100-sxm5", "share": 0.5, "price_year": 2025}
        data["hardware"] = {"fleet": [{**half, "label": "a"}, {**half, "label": "b"}]}
        data["routes"] = {f"server_cost_factor_{x}": "server_cost_factor" for x in "ab"}
    else:
        data["hardware"] = {"chip": "h100-sxm5", "price_year": 2025}
        data["routes"] = {"chip_price": "bare_chip_price * server_cost_factor"}
    return data


def keep_kept(monkeypatch: Any, module: Any, name: str = "sample") -> list[tuple[str, ...]]:
    """Wrap ``module.name`` (a function returning a Source) to record, per call, the
    variables its run kept in ``posterior``: the list it fills."""
    kept: list[tuple[str, ...]] = []
    real = getattr(module, name)

    def spy(*args: Any, **kwargs: Any) -> Any:
        src = real(*args, **kwargs)
        kept.append(tuple(src.tree["posterior"].data_vars))
        return src

    monkeypatch.setattr(module, name, spy)
    return kept
