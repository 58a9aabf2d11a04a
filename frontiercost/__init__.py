"""frontiercost: Monte Carlo uncertainty simulator for the cost of frontier AI.

The public API is loaded on first use (``fc.simulate`` imports the engine,
numba and xarray then), so ``import frontiercost`` itself is fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from . import _threads  # noqa: F401  (numba's threading layer, before numba starts)
from ._version import __version__
from .errors import (
    ConditioningWarning,
    FrontiercostError,
    FrontiercostWarning,
    NonFiniteError,
    NonFiniteWarning,
    PriorError,
    ScenarioError,
    ScenarioWarning,
    SimulationError,
)

if TYPE_CHECKING:
    from . import epoch
    from .analysis import summarize
    from .engine import DaskExecutor, LocalExecutor, model_kernel
    from .model import Model, Output
    from .priors import Prior, load_library, prior_from_spec
    from .results import load_run
    from .run import RunSpec, condition, evaluate, simulate, sweep
    from .scenarios import Scenario, list_scenarios, load_scenario
    from .settings import Keep, Limits, Sampling

_LAZY = {
    "summarize": "analysis",
    "DaskExecutor": "engine",
    "LocalExecutor": "engine",
    "model_kernel": "engine",
    "Model": "model",
    "Output": "model",
    "Prior": "priors",
    "load_library": "priors",
    "prior_from_spec": "priors",
    "load_run": "results",
    "RunSpec": "run",
    "condition": "run",
    "evaluate": "run",
    "report": "run",
    "simulate": "run",
    "sweep": "run",
    "Scenario": "scenarios",
    "list_scenarios": "scenarios",
    "load_scenario": "scenarios",
    "Keep": "settings",
    "Limits": "settings",
    "Sampling": "settings",
}

__all__ = [
    "ConditioningWarning",
    "DaskExecutor",
    "FrontiercostError",
    "FrontiercostWarning",
    "Keep",
    "Limits",
    "LocalExecutor",
    "Model",
    "NonFiniteError",
    "NonFiniteWarning",
    "Output",
    "Prior",
    "PriorError",
    "RunSpec",
    "Sampling",
    "Scenario",
    "ScenarioError",
    "ScenarioWarning",
    "SimulationError",
    "__version__",
    "condition",
    "epoch",
    "evaluate",
    "list_scenarios",
    "load_library",
    "load_run",
    "load_scenario",
    "model_kernel",
    "prior_from_spec",
    "report",
    "simulate",
    "summarize",
    "sweep",
]


# Subpackages reached as attributes (``fc.epoch``) without an import of their own.
_SUBPACKAGES = ("epoch",)


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        value = importlib.import_module(f".{name}", __name__)
        globals()[name] = value
        return value
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'frontiercost' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names (and the subpackages loaded so far), not this module's own imports."""
    loaded = {
        k for k, v in globals().items() if isinstance(v, type(importlib)) and k[0] != "_"
    } - {"importlib"}
    return sorted(set(__all__) | set(_SUBPACKAGES) | loaded | {"__version__"})
