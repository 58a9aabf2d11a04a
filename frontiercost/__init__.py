"""frontiercost: Monte Carlo uncertainty simulator for the cost of frontier AI."""

__version__ = "0.1.0"

from .analysis import summarize
from .errors import FrontiercostError, PriorError, ScenarioError, SimulationError
from .priors import Prior, load_library, prior_from_spec
from .scenarios import Scenario, evaluate, list_scenarios, load_scenario, sweep
from .simulator import Model, Output, model_kernel, run_engine
from .simulator.simulate import simulate

__all__ = [
    "FrontiercostError",
    "Model",
    "Output",
    "Prior",
    "PriorError",
    "Scenario",
    "ScenarioError",
    "SimulationError",
    "__version__",
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
