"""Scenarios: loading and validating scenario files, the chip library, sweep grids."""

from .chips import Chip, chip_library, find_chip
from .grid import Grid, build_grid, parse_vary
from .scenario import (
    Reference,
    Scenario,
    chip_price_priors,
    list_scenarios,
    load_scenario,
    scenario_from_text,
)

__all__ = [
    "Chip",
    "Grid",
    "Reference",
    "Scenario",
    "build_grid",
    "chip_library",
    "chip_price_priors",
    "find_chip",
    "list_scenarios",
    "load_scenario",
    "parse_vary",
    "scenario_from_text",
]
