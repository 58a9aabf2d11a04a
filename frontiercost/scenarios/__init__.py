"""Scenario files, the chip library and the built-in scenarios."""

from .chips import Chip, chip_library, find_chip
from .evaluate import evaluate
from .scenario import Reference, Scenario, list_scenarios, load_scenario
from .sweep import parse_vary, sweep

__all__ = [
    "Chip",
    "Reference",
    "Scenario",
    "chip_library",
    "evaluate",
    "find_chip",
    "list_scenarios",
    "load_scenario",
    "parse_vary",
    "sweep",
]
