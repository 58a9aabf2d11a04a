"""Sweep grids: scenario fields varied over a grid, every point a validated scenario.

A field is ``year`` (the scenario's reference year), ``scenario.KEY``,
``hardware.KEY``, a parameter ``NAME`` (its value: a number fixes it) or
``NAME.KEY`` (one key of its prior, e.g. ``final_run_share.central``).
Varying ``central`` moves the whole prior: a prior given by quantiles keeps its
shape relative to the central value (its quantiles scale with it).

Every point is a complete scenario, built and validated before any sampling,
and :func:`frontiercost.sweep` runs every point on the same uniforms (common
random numbers: draw ``i`` of a parameter depends only on the seed, the
parameter's name and ``i``), so the differences between points are the
model's, not sampling noise.  Running the grid is not this module's job.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import re
import tomllib
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FrontiercostError, ScenarioError, ScenarioWarning
from ..model import QUANTITIES
from ..priors.library import library_view
from ..priors.spec import META_KEYS
from .scenario import Scenario, _build, load_scenario
from .schema import suggest

_LINSPACE = re.compile(r"^\s*([^:]+):([^:]+):(\d+)\s*$")
_RANGE = re.compile(r"^\s*(-?\d+)\s*\.\.\s*(-?\d+)\s*$")
_QUANTILE_KEY = re.compile(r"^(p\d{1,2}|median)$")
MAX_POINTS = 1_000_000


@dataclass(frozen=True)
class Axis:
    """One swept field: its values (the coordinate) and units."""

    field: str
    values: tuple[Any, ...]
    units: str = ""


_INTEGER = re.compile(r"^\s*-?[0-9]+\s*$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def parse_values(field: str, text: str) -> tuple[Any, ...]:
    """Values of ``a:b:n`` (n evenly spaced), ``a..b`` (integers) or ``v1,v2,...``.

    Raises
    ------
    ScenarioError
        On an empty or malformed range.
    """
    m = _LINSPACE.match(text)
    if m:
        a, b, n = _number(field, m.group(1)), _number(field, m.group(2)), int(m.group(3))
        if n < 1:
            raise ScenarioError(f"sweep {field}: {text!r} asks for no values")
        if n == 1 and a != b:  # linspace would give the start alone, dropping the stop
            raise ScenarioError(
                f"sweep {field}: {text!r} asks for 1 value between two ends; give n >= 2,"
                " or the one value alone"
            )
        _check_count(field, text, n)
        # 15 significant digits: linspace's last-bit noise (0.15000000000000002 for
        # 0.1:0.2:3) would show in tables and defeat tree.sel(field=0.15)
        values = tuple(float(f"{v:.15g}") for v in np.linspace(a, b, n))
        if len(set(values)) < n:
            raise ScenarioError(
                f"sweep {field}: {text!r} gives values equal to 15 significant digits;"
                " widen the range or ask for fewer values"
            )
        if (
            _INTEGER.match(m.group(1))
            and _INTEGER.match(m.group(2))
            and all(v.is_integer() for v in values)
        ):  # 2023:2025:3 are the years 2023, 2024, 2025, as 2023..2025
            return _distinct(field, tuple(int(v) for v in values))
        return _distinct(field, values)
    m = _RANGE.match(text)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        if b < a:
            raise ScenarioError(f"sweep {field}: empty range {text!r} (end before start)")
        _check_count(field, text, b - a + 1)
        return tuple(range(a, b + 1))
    if ":" in text:  # no value (number, prior or chip name) holds a colon
        raise ScenarioError(
            f"sweep {field}: {text!r} is not a range; use start:stop:n (n evenly spaced"
            " values, e.g. 2:3:5), a..b (integers) or v1,v2,..."
        )
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise ScenarioError(f"sweep {field}: no values in {text!r}; use a:b:n, a..b or v1,v2,...")
    return _distinct(field, tuple(_scalar(p) for p in parts))


def _distinct(field: str, values: tuple[Any, ...]) -> tuple[Any, ...]:
    """The values, refused when one is given twice (a coordinate must be unique)."""
    seen: set[Any] = set()
    for value in values:
        # 2 and 2.0 are one value (the command line refuses 2,2); True is not 1
        key = (
            float(value)
            if isinstance(value, int | float) and not isinstance(value, bool)
            else repr(value)
        )
        if key in seen:
            raise ScenarioError(f"sweep {field}: {value!r} is given twice")
        seen.add(key)
    return values


def _check_count(field: str, text: str, n: int) -> None:
    """Refuse a range of more values than any sweep may have, before making them."""
    if n > MAX_POINTS:
        raise ScenarioError(
            f"sweep {field}: {text!r} asks for {n:,} values, more than a sweep's"
            f" {MAX_POINTS:,} points"
        )


def _number(field: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ScenarioError(f"sweep {field}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise ScenarioError(f"sweep {field}: {text!r} is not a finite number")
    return value


def _scalar(text: str) -> Any:
    """A value as a scenario file would hold it: integer, float, true/false, else the
    text (a chip or prior name, or a date such as ``2022-05-12``, which stays text
    here, a coordinate netCDF can hold, and becomes a date where it is applied)."""
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    if text in ("true", "false"):
        return text == "true"
    return text


def parse_vary(items: Sequence[str]) -> dict[str, tuple[Any, ...]]:
    """``["field=spec", ...]`` (the command line's ``--vary``) to ``{field: values}``."""
    out: dict[str, tuple[Any, ...]] = {}
    for item in items:
        field, sep, spec = item.partition("=")
        if not sep or not field.strip():
            raise ScenarioError(f"sweep: {item!r} is not FIELD=VALUES (e.g. year=2025..2030)")
        field = field.strip()
        _check_new(field, out)
        out[field] = parse_values(field, spec)
    return out


def _canonical(field: str) -> str:
    """The field ``field`` sets: ``year`` is ``scenario.year``."""
    return "scenario.year" if field == "year" else field


def _check_new(field: str, given: Iterable[str]) -> None:
    """Refuse a field varied twice, under either of its names."""
    for other in given:
        if _canonical(other) == _canonical(field):
            same = "" if other == field else f" (as {other}: the same field)"
            raise ScenarioError(f"sweep {field}: varied twice{same}")


def _units(field: str) -> str:
    if _canonical(field) == "scenario.year":
        return "yr"
    name, _, key = field.partition(".")
    q = QUANTITIES.get(name)
    if q is not None and key in ("", "central", "value", "mean", "median", "lower", "upper"):
        return q.units
    return ""


def _apply(data: dict[str, Any], field: str, value: Any, base: Scenario) -> None:
    """Set ``field`` to ``value`` in a scenario's raw TOML data (in place)."""
    field = _canonical(field)
    if isinstance(value, str) and _DATE.match(value):  # as TOML reads 2022-05-12
        import datetime as dt

        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            pass  # not a date after all: the field's own check names it
    table, _, key = field.partition(".")
    if table in ("scenario", "hardware") and key:
        data.setdefault(table, {})[key] = value
        return
    name = table
    known = set(QUANTITIES) | set(data.get("parameters", {}))
    if name not in known:
        fields = sorted(known | {"year", "scenario.year", "hardware.price_year"})
        raise ScenarioError(
            f"sweep {field}: unknown field{suggest(name, fields)}; fields: year, scenario.KEY,"
            " hardware.KEY, a parameter NAME or NAME.KEY (e.g. final_run_share.central)"
        )
    if name not in {*base.inputs, *base.priors, *base.computable()}:
        raise ScenarioError(
            f"sweep {field}: scenario {base.name!r} does not use {name}, so every point would"
            f" be the same; its inputs: {', '.join(sorted(base.inputs))}"
        )
    params = data.setdefault("parameters", {})
    if not key:
        params[name] = value
        return
    raw = params.get(name)
    spec = _raw_spec(raw, name, field, base)
    if key == "times":  # prior = '<multiplier>', times = t: the library prior centred on t
        if not (isinstance(raw, Mapping) and "prior" in raw and "times" in raw):
            raise ScenarioError(
                f"sweep {field}: {name} is not written as prior = '<library multiplier>',"
                f" times = ...; vary {name}.central"
            )
        spec["central"] = float(value)
        params[name] = spec
        return
    if (
        key == "central"
        and not spec.get("relative")
        and any(_QUANTILE_KEY.match(k) or k == "quantiles" for k in spec)
    ):
        spec = _relative(spec, base.priors[name].central, field)
    elif key == "central" and not spec.get("relative") and "family" in spec:
        # a prior given by its parameters: central is only its point estimate, and
        # moving it would leave every point's draws as they were, exit 0
        params_ = [k for k in spec if k not in META_KEYS]
        raise ScenarioError(
            f"sweep {field}: {name}'s prior is given by its parameters"
            f" ({', '.join(params_)}), which central does not move (it is only the point"
            f" estimate); vary one of them ({name}.{params_[0]}), or write the prior with"
            f" quantiles (p5, p95), which {name}.central scales"
        )
    spec[key] = value
    params[name] = spec


def _raw_spec(value: Any, name: str, field: str, base: Scenario) -> dict[str, Any]:
    library = library_view()
    if isinstance(value, Mapping):
        spec = dict(value)
        if "prior" in spec:
            ref = dict(library[spec.pop("prior")][0])
            if "times" in spec:  # as specs.build_prior: the library multiplier on the input's unit
                ref.update(
                    relative=True, central=float(spec.pop("times")), unit=base.priors[name].unit
                )
            ref.update(spec)
            spec = ref
        return spec
    if isinstance(value, str) and value in library:
        return dict(library[value][0])
    if value is None and name in base.priors:
        raise ScenarioError(
            f"sweep {field}: {name} comes from a default or the chip library, not this"
            f" scenario's [parameters]; vary {name} itself (a number fixes it)"
        )
    if value is None:
        raise ScenarioError(
            f"sweep {field}: {name} has no prior in this scenario (it is computed or unused);"
            f" vary one of its parameters: {', '.join(sorted(base.inputs))}"
        )
    raise ScenarioError(
        f"sweep {field}: {name} is fixed ({value!r}), it has no keys; vary {name} itself"
    )


def _relative(spec: dict[str, Any], central: float, field: str) -> dict[str, Any]:
    """A quantile-specified prior re-expressed as multipliers on its central value."""
    if central == 0:
        raise ScenarioError(f"sweep {field}: a prior centred on 0 cannot be scaled")
    out = {k: v for k, v in spec.items() if k != "central"}
    for k, v in spec.items():
        if _QUANTILE_KEY.match(k):
            out[k] = float(v) / central
        elif k == "quantiles":
            out[k] = [[p, float(x) / central] for p, x in v]
    out["relative"] = True
    return out


def _axes(
    vary: Mapping[str, Any] | Sequence[str] | None, sweep_table: Mapping[str, Any]
) -> tuple[list[Axis], list[tuple[str, dict[str, Any]]]]:
    fields: dict[str, tuple[Any, ...]] = {}
    table_vary = sweep_table.get("vary", {})
    if not isinstance(table_vary, Mapping):
        raise ScenarioError(
            f"sweep.vary: expected a table of field = values (e.g. vary = {{ year ="
            f' "2025..2030" }}), got {table_vary!r:.40}'
        )
    for field, spec in table_vary.items():
        _check_new(field, fields)
        fields[field] = _as_values(field, spec)
    given: dict[str, tuple[Any, ...]] = {}
    if isinstance(vary, Mapping):
        for field, spec in vary.items():
            _check_new(field, given)
            given[field] = _as_values(field, spec)
    elif vary is not None:
        given = parse_vary(list(vary))
    for field, values in given.items():  # replaces the file's, under either name
        for old in [f for f in fields if _canonical(f) == _canonical(field)]:
            del fields[old]
        fields[field] = values
    variants: list[tuple[str, dict[str, Any]]] = []
    rows = sweep_table.get("variant", [])
    if not isinstance(rows, list):
        rows = [rows]
    for i, row in enumerate(rows):
        name, sets = (row.get("name"), row.get("set")) if isinstance(row, Mapping) else (0, 0)
        if not isinstance(name, str) or not isinstance(sets, Mapping) or not sets:
            raise ScenarioError(
                f"sweep: variant {i + 1} needs name = '...' and set = {{ field = value, ... }}"
            )
        if name in (v[0] for v in variants):
            raise ScenarioError(f"sweep: variant name {name!r} is given twice")
        clash = sorted(f for f in sets if _canonical(f) in {_canonical(g) for g in fields})
        if clash:  # the varied value would replace the variant's at every point
            raise ScenarioError(
                f"sweep: variant {name!r} sets {', '.join(clash)}, which is also varied;"
                " vary another field, or drop it from the variant"
            )
        variants.append((name, dict(sets)))
    axes = [Axis(f, v, _units(f)) for f, v in fields.items()]
    return axes, variants


def _plain(value: Any) -> Any:
    """A value given in Python as a scenario file would hold it: numpy's numbers and
    bools as Python's, a date as its ISO text (a coordinate netCDF and Zarr can
    hold; ``_apply`` turns it back into a date)."""
    import datetime as dt

    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _as_values(field: str, spec: Any) -> tuple[Any, ...]:
    if isinstance(spec, np.ndarray):
        spec = spec.tolist()
    spec = _plain(spec)
    if isinstance(spec, str):
        return parse_values(field, spec)
    if isinstance(spec, int | float) and not isinstance(spec, bool):
        return (spec,)
    if isinstance(spec, Sequence) and spec:
        return _distinct(field, tuple(_plain(v) for v in spec))
    raise ScenarioError(f"sweep {field}: no values ({spec!r})")


@dataclass(frozen=True)
class Grid:
    """A sweep as data: the dims, and a validated scenario at every point.

    Attributes
    ----------
    base : Scenario
        The scenario swept.
    dims : list of (field, values, units)
        ``variant`` first when the scenario names variants, then each field.
    points : list of Scenario
        One per grid point, in row-major order of ``dims``.
    axes : list of Axis
        The varied fields (not the variants).
    variants : list of (name, settings)
        The scenario's named variants.
    """

    base: Scenario
    dims: list[tuple[str, tuple[Any, ...], str]]
    points: list[Scenario]
    axes: list[Axis]
    variants: list[tuple[str, dict[str, Any]]]

    @property
    def shape(self) -> tuple[int, ...]:
        """Points along each dim."""
        return tuple(len(d[1]) for d in self.dims)

    @property
    def size(self) -> int:
        """Number of points."""
        return math.prod(self.shape)

    def labels(self) -> list[str]:
        """Each point as ``field=value, ...`` (``variant=name``), in the order of ``points``."""
        return [
            ", ".join(
                f"{field}={values[i]}"
                for (field, values, _), i in zip(self.dims, index, strict=True)
            )
            for index in itertools.product(*(range(n) for n in self.shape))
        ]

    def record(self) -> str:
        """The grid as JSON, for the tree's root attributes."""
        return json.dumps(
            {"vary": {a.field: list(a.values) for a in self.axes}, "variants": self.variants},
            default=str,
        )


def grid_dims(
    scenario: Scenario, vary: Mapping[str, Any] | Sequence[str] | None = None
) -> tuple[list[tuple[str, tuple[Any, ...], str]], list[Axis], list[tuple[str, dict[str, Any]]]]:
    """The dims of a sweep (no scenario built yet): fast, for size checks."""
    raw = tomllib.loads(scenario.text)
    sweep_table = raw.get("sweep", {})
    axes, variants = _axes(vary, sweep_table)
    if not axes and not variants:
        raise ScenarioError(f"{scenario.path}: nothing to sweep: give vary or a [sweep] table")
    for axis in axes:
        if not axis.values:
            raise ScenarioError(f"sweep {axis.field}: no values")
    dims = ([("variant", tuple(v[0] for v in variants), "")] if variants else []) + [
        (a.field, a.values, a.units) for a in axes
    ]
    return dims, axes, variants


def build_grid(
    scenario: str | Path | Scenario,
    vary: Mapping[str, Any] | Sequence[str] | None = None,
    *,
    max_points: int = MAX_POINTS,
) -> Grid:
    """Build and validate every point of a sweep before any sampling.

    Parameters
    ----------
    scenario : str, path or Scenario
        Built-in name, file or loaded scenario; its ``[sweep]`` table (``vary``,
        ``[[sweep.variant]]``) is used, and a field given in ``vary`` replaces
        the table's values for that field.
    vary : mapping or sequence of str, optional
        ``{field: values}`` (values a list or a spec string ``a:b:n``, ``a..b``,
        ``v1,v2``) or the command line's ``["field=spec", ...]``.
    max_points : int
        The most points accepted.

    Raises
    ------
    ScenarioError
        For an unknown field, an empty range, too many points or a value
        outside a field's domain, naming the field and value.
    """
    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    name, label, text = base.name, base.path, base.text
    raw = tomllib.loads(text)
    raw.pop("sweep", {})
    dims, axes, variants = grid_dims(base, vary)
    shape = tuple(len(d[1]) for d in dims)
    if math.prod(shape) > max_points:
        raise ScenarioError(
            f"sweep: {math.prod(shape):,} points is more than {max_points:,}"
            " (max_points; the command line's --max-points)"
        )
    points: list[Scenario] = []
    new_notes: dict[str, list[str]] = {}  # a point's notes the base did not give: where
    for index in itertools.product(*(range(n) for n in shape)):
        data = copy.deepcopy(raw)
        where = []
        try:
            for (field, values, _), i in zip(dims, index, strict=True):
                where.append(f"{field}={values[i]}")
                if field == "variant":
                    for f, v in variants[i][1].items():
                        _apply(data, f, v, base)
                else:
                    _apply(data, field, values[i], base)
        except FrontiercostError as err:
            if not variants:  # the message names the field; with variants, it names the point
                raise
            raise ScenarioError(f"sweep point {', '.join(where)}: {err}") from None
        try:
            points.append(_build(name, label, text, data))
        except FrontiercostError as err:
            raise ScenarioError(f"sweep point {', '.join(where)}: {err}") from None
        for note in points[-1].notes:
            if note not in base.notes:
                new_notes.setdefault(note, []).append(", ".join(where))
    for note, at in new_notes.items():  # a load note of a point: as run gives it, once
        more = f" and {len(at) - 1} more" if len(at) > 1 else ""
        warnings.warn(f"sweep point {at[0]}{more}: {note}", ScenarioWarning, stacklevel=2)
    outputs = points[0].outputs
    for p in points[1:]:
        if p.outputs != outputs:
            raise ScenarioError(
                f"sweep: the points compute different outputs ({outputs} vs {p.outputs});"
                " vary fields that keep the same outputs"
            )
    _warn_unchanged(dims, points, base.name)
    return Grid(base, dims, points, axes, variants)


def _fingerprint(sc: Scenario) -> tuple[Any, ...]:
    """What a point samples: its model's inputs, outputs and program, each input's
    prior, the correlations and the evidence."""
    model = sc.model()
    consts = b"" if model.consts is None else np.asarray(model.consts).tobytes()
    return (
        model.inputs,
        tuple(o.name for o in model.outputs),
        consts,
        # a prior's repr holds its family's parameters to the last bit (floats' repr
        # round-trips); its kernel table would cost ~10 ms per point to build
        repr(sorted(sc.input_priors().items())),
        repr(sorted(sc.correlations.items())),
        repr(sc.observations),
    )


def _warn_unchanged(
    dims: Sequence[tuple[str, tuple[Any, ...], str]], points: Sequence[Scenario], name: str
) -> None:
    """Warn of a field whose values all give the same points: it changes nothing the
    scenario samples (``year`` of a scenario whose prices are given for a year)."""
    shape = tuple(len(d[1]) for d in dims)
    if len(points) < 2:
        return
    prints = np.empty(len(points), dtype=object)
    prints[:] = [_fingerprint(p) for p in points]
    grid = prints.reshape(shape)
    for d, (field, values, _) in enumerate(dims):
        if field == "variant" or len(values) < 2:
            continue
        along = np.moveaxis(grid, d, -1).reshape(-1, len(values))
        if all(all(row[i] == row[0] for i in range(1, len(row))) for row in along):
            warnings.warn(
                f"sweep {field}: every value gives scenario {name!r} the same priors and"
                f" formulas, so the points along {field} will be the same; {field} changes"
                " nothing it samples",
                ScenarioWarning,
                stacklevel=3,
            )
