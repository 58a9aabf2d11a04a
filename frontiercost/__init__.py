"""frontiercost: Monte Carlo uncertainty simulator for the cost of frontier AI."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

from .analysis import summarize
from .errors import (
    ConditioningWarning,
    FrontiercostError,
    FrontiercostWarning,
    PriorError,
    ScenarioError,
    SimulationError,
)
from .priors import Prior, load_library, prior_from_spec
from .scenarios import Scenario, evaluate, list_scenarios, load_scenario, sweep
from .simulator import Model, Output, model_kernel, run_engine
from .simulator.simulate import simulate

__all__ = [
    "ConditioningWarning",
    "FrontiercostError",
    "FrontiercostWarning",
    "Model",
    "Output",
    "Prior",
    "PriorError",
    "Scenario",
    "ScenarioError",
    "SimulationError",
    "__version__",
    "condition",
    "evaluate",
    "list_scenarios",
    "load_library",
    "load_scenario",
    "model_kernel",
    "prior_from_spec",
    "run_engine",
    "simulate",
    "summarize",
    "sweep",
]


def __getattr__(name: str) -> Any:
    # Conditioning pulls in ArviZ (~1 s at start-up): import it on first use.
    if name == "condition":
        from .simulator.conditioning import condition

        return condition
    raise AttributeError(f"module 'frontiercost' has no attribute {name!r}")
