"""Typed exceptions raised by frontiercost.

The CLI turns every :class:`FrontiercostError` into one message and exit code 2;
anything else is a bug.
"""

from __future__ import annotations


class FrontiercostError(Exception):
    """Base class of every error a user can cause with bad input."""


class PriorError(FrontiercostError, ValueError):
    """A prior specification is invalid (names the parameter and accepted values)."""


class ScenarioError(FrontiercostError, ValueError):
    """A scenario or option is invalid (names file, line and key where known)."""


class DatabaseError(FrontiercostError, ValueError):
    """A database export is unreadable or lacks a column or record (names file and column)."""


class RecordError(DatabaseError):
    """A database record lacks the inputs to price it (names the record and what it lacks)."""


class SimulationError(FrontiercostError, ValueError):
    """Arguments to the engine are invalid (draws, block size, sampler, correlations)."""


class NonFiniteError(SimulationError):
    """A strict run whose outputs have NaN or infinite draws."""


class FrontiercostWarning(UserWarning):
    """Base class of warnings about results a user should look at (never silent)."""


class ConditioningWarning(FrontiercostWarning):
    """A conditioned run whose diagnostics fail: its posterior may be wrong."""


class ScenarioWarning(FrontiercostWarning):
    """A scenario whose inputs switch how a quantity is computed without saying so."""


def scenario_note(name: str, note: str) -> str:
    """A scenario's note as shown: ``name: note``, the name said once.

    A note that already begins with the name (a scenario called ``b200`` whose
    note is "b200 has no purchase price ...") is not prefixed again.

    Parameters
    ----------
    name : str
        The scenario's name.
    note : str
        One of its notes (:attr:`Scenario.notes`).
    """
    if name and (note == name or note.startswith((f"{name} ", f"{name}:", f"{name},"))):
        return note
    return f"{name}: {note}"


class NonFiniteWarning(FrontiercostWarning):
    """Outputs with NaN or infinite draws (the count and the output are in the message)."""


class RangeWarning(FrontiercostWarning):
    """A streamed output with draws beyond its histogram's range: quantiles there are NaN."""
