"""Where a scenario's keys are: ``file:line key`` in front of every message."""

from __future__ import annotations

from ..errors import ScenarioError
from ._locate import locate


class _Context:
    """File label and text, to put ``file:line key`` in front of messages."""

    DATE = "a date such as 2023-03-15 (no quotes)"  # how a date is written here

    def __init__(self, label: str, text: str) -> None:
        self.label, self.text = label, text

    def where(self, table: str, key: str | None = None, index: int = 0) -> str:
        line = locate(self.text, table, key, index)
        if key is None:
            name = f"[{table}]"
        elif table in ("parameters", "formulas", "reference"):
            name = key
        else:
            name = f"{table}.{key}"
        return f"{self.label}:{line} {name}" if line else f"{self.label} {name}"

    def error(self, table: str, key: str | None, message: str, index: int = 0) -> ScenarioError:
        return ScenarioError(f"{self.where(table, key, index)}: {message}")


class _DictContext(_Context):
    """A scenario given as a mapping: messages name the key's path, ``name["parameters"]["x"]``."""

    ARRAYS = ("staff", "correlation", "observe")  # arrays of tables: an index in the path
    DATE = "a datetime.date such as date(2023, 3, 15)"

    def where(self, table: str, key: str | None = None, index: int = 0) -> str:
        path = f"{self.label}[{table!r}]" if table else self.label
        if table in self.ARRAYS:
            path += f"[{index}]"
        return f"{path}[{key!r}]" if key is not None else path


class _GivenContext(_Context):
    """Priors given in Python (``simulate(..., priors=)``): messages name ``priors['x']``."""

    def __init__(self) -> None:
        super().__init__("priors", "")

    def where(self, table: str, key: str | None = None, index: int = 0) -> str:
        return f"priors[{key!r}]"
