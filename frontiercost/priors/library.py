"""The default prior library: TOML files shipped in ``priors/library/``."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any

from ..errors import PriorError
from ._base import Prior
from .spec import prior_from_spec


def library_specs() -> dict[str, tuple[dict[str, Any], str]]:
    """Every library entry as written: ``name -> (spec, file label)``, a fresh copy.

    Scenarios start from these to override single keys of a library prior.

    Raises
    ------
    PriorError
        If a library file is malformed or two files define the same name.
    """
    return copy.deepcopy(_library_specs())


class _LibraryView(Mapping[str, tuple[dict[str, Any], str]]):
    """The library's entries, each handed out as a fresh copy (cheap: no copy of the rest)."""

    def __init__(self, entries: Mapping[str, tuple[dict[str, Any], str]]) -> None:
        self._entries = entries

    def __getitem__(self, name: str) -> tuple[dict[str, Any], str]:
        spec, label = self._entries[name]
        return copy.deepcopy(spec), label

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


def library_view() -> Mapping[str, tuple[dict[str, Any], str]]:
    """The library as a read-only mapping whose entries are fresh copies (for scenario builds)."""
    return _LibraryView(_library_specs())


@cache
def _library_specs() -> dict[str, tuple[dict[str, Any], str]]:
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


def load_library() -> dict[str, Prior]:
    """All default priors by name (docs/model.md §4), each with unit and source.

    A new dict each call (the priors themselves are frozen): changing it
    changes nothing else.

    Raises
    ------
    PriorError
        If a library file is malformed or two files define the same name.
    """
    return dict(_load_library())


@cache
def _load_library() -> dict[str, Prior]:
    return {
        name: prior_from_spec(spec, where=f"{label} [{name}]")
        for name, (spec, label) in _library_specs().items()
    }
