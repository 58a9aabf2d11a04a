"""Epoch's hardware names and the chips of the library they are (``hardware.toml``)."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class EpochHardware:
    """An Epoch hardware name: its chip library key and Epoch's own release date, if it differs."""

    name: str
    chip: str
    released: dt.date | None = None
    note: str = ""


@cache
def hardware_names() -> dict[str, EpochHardware]:
    """Every mapped Epoch hardware name (``frontiercost/epoch/hardware.toml``)."""
    text = (resources.files("frontiercost.epoch") / "hardware.toml").read_text("utf-8")
    return {
        name: EpochHardware(name, str(raw["chip"]), raw.get("released"), str(raw.get("note", "")))
        for name, raw in tomllib.loads(text).items()
    }


__all__ = ["EpochHardware", "hardware_names"]
