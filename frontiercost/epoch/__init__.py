"""Epoch AI's notable-models database, priced by a pipeline preset.

``load_database(path)`` reads an export of the database
(``notable_ai_models.csv`` as downloaded from https://epoch.ai/data/notable-ai-models,
or the repository's copy of 2026-01-26, ``tests/data/epoch_notable_models.csv``);
``scenario(name, database=path)`` turns a record into a scenario under the
``epoch-2025`` preset, whose ``frontiercost.evaluate`` gives Epoch's
pipeline's point estimates and ``frontiercost.simulate`` their uncertainty;
``compare(database)`` sets ours against Epoch's figures, record by record.
The command line: ``frontiercost epoch price NAME --database PATH`` and
``frontiercost epoch compare --database PATH``.
"""

from __future__ import annotations

from .build import missing_inputs, scenario, scenario_text
from .compare import CATEGORIES, Comparison, Row, compare
from .database import FIGURES, Database, Record, load_database
from .names import EpochHardware, hardware_names

__all__ = [
    "CATEGORIES",
    "FIGURES",
    "Comparison",
    "Database",
    "EpochHardware",
    "Record",
    "Row",
    "compare",
    "hardware_names",
    "load_database",
    "missing_inputs",
    "scenario",
    "scenario_text",
]
