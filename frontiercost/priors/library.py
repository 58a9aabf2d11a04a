"""The default prior library: TOML files shipped in ``priors/library/``."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

from ..errors import PriorError
from ._base import Prior
from .spec import prior_from_spec


@cache
def library_specs() -> dict[str, tuple[dict[str, Any], str]]:
    """Every library entry as written: ``name -> (spec, file label)``.

    Scenarios start from these to override single keys of a library prior.

    Raises
    ------
    PriorError
        If a library file is malformed or two files define the same name.
    """
    out: dict[str, tuple[dict[str, Any], str]] = {}
    folder = resources.files("frontiercost.priors") / "library"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        label = f"priors/library/{entry.name}"
        try:
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as err:
            raise PriorError(f"{label}: {err}") from None
        for name, spec in data.items():
            if name in out:
                raise PriorError(f"{label} [{name}]: already defined in {out[name][1]}")
            out[name] = (spec, label)
    return out


@cache
def load_library() -> dict[str, Prior]:
    """All default priors by name (docs/model.md §4), each with unit and source.

    Raises
    ------
    PriorError
        If a library file is malformed or two files define the same name.
    """
    return {
        name: prior_from_spec(spec, where=f"{label} [{name}]")
        for name, (spec, label) in library_specs().items()
    }
