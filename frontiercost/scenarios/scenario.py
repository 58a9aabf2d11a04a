"""Scenario files: load, validate and turn into a model with priors.

A scenario is a TOML file (reference: ``docs/scenarios.md``)::

    [scenario]
    title = "GPT-4"
    year = 2023.2

    [hardware]
    chip = "a100-sxm4-40gb"

    [parameters]
    chip_count = { family = "lognormal", central = 25000, relative = true, p5 = 0.8, p95 = 1.25 }
    training_hours = 2280
    chip_price = { prior = "gpu_price_multiplier", times = 24875 }
    depreciation_rate = "depreciation_rate"     # a prior of the library

Everything is checked before any sampling; an error names the file, line and
key and the accepted values, e.g.
``gpt-4.toml:12 utilization: p5 (0.7) must be below p95 (0.4)``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import shlex
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import FrontiercostError, ScenarioError
from ..model import (
    DOMAINS,
    QUANTITIES,
    SETTABLE,
    Domain,
    Model,
    Quantity,
    Resolved,
    copula_factor,
    formula_model,
    needed_inputs,
    resolve,
)
from ..model.dates import decimal_year
from ..model.formula import compile_program, names_in, parse
from ..model.quantities import NON_NEGATIVE, POSITIVE
from ..priors import Fixed, LogNormal, Prior, prior_from_spec
from ._context import _Context, _DictContext
from .chips import CLOUD_BASES, DEFAULT_CLOUD_BASIS, PURCHASE_KEYS, Chip
from .dates import read_date, read_dollars
from .fleet import CHIP_LEVEL, Member, suggest_labelled
from .fleet import quantities as fleet_quantities
from .hardware import before_release, hardware_ages, pipeline_priors, read_hardware
from .observe import Observation, parse_observations
from .pipelines import RunFacts, find_pipeline
from .reference import Reference, first_values, parse_references
from .schema import COST_BASES, DEPRECIATION, KEYS, SAMPLING, TABLES, suggest
from .specs import build_prior, is_number, own_unit

_IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
SCENARIO_YEAR = "scenario_year"  # the scenario's year, as formulas read it
YEARS = (1950, 2100)  # the years a scenario or a projection may name


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: its priors, extra quantities and resolved outputs.

    Build it with :func:`load_scenario`.  ``streams`` maps a fleet's chip-level
    inputs (``server_cost_factor_h200``) to the quantity whose random stream
    they share: the chip types' copies of one quantity are drawn comonotone.
    """

    name: str
    title: str
    text: str
    path: str
    priors: dict[str, Prior]
    quantities: dict[str, Quantity]
    resolved: Resolved
    correlations: dict[tuple[str, str], float] = field(default_factory=dict)
    reference: dict[str, Reference] = field(default_factory=dict)
    references: tuple[Reference, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)
    observations: tuple[Observation, ...] = ()
    notes: tuple[str, ...] = ()
    streams: dict[str, str] = field(default_factory=dict)
    # models built so far, by (outputs, with_inputs, all_inputs): a sweep asks each
    # point's twice (checking it, then running it) at ~15 ms a build; not an init
    # field, so dataclasses.replace() starts a new scenario with none
    _models: dict[tuple[Any, ...], Model] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def outputs(self) -> tuple[str, ...]:
        """Output variables this scenario reports."""
        return self.resolved.outputs

    @property
    def inputs(self) -> tuple[str, ...]:
        """Parameters the outputs read, in model row order."""
        return needed_inputs(self.resolved)

    @property
    def plain_inputs(self) -> list[str]:
        """The inputs that are not also outputs (a stored run keeps their draws besides)."""
        return [n for n in self.inputs if n not in self.outputs]

    def model(
        self,
        outputs: Sequence[str] | None = None,
        *,
        with_inputs: bool = False,
        derived: Mapping[str, Quantity] | None = None,
        all_inputs: bool = False,
    ) -> Model:
        """The formula model of ``outputs`` (default: the scenario's outputs).

        ``with_inputs``: the inputs those outputs read are outputs too (after
        ``outputs``), which is how a conditioned run evaluates whole states.
        ``derived``: further outputs computed from the scenario's quantities
        (each a :class:`~frontiercost.model.Quantity` with one formula, e.g. a
        component's share of a total), after ``outputs``.
        ``all_inputs``: the model draws every input of the scenario's outputs,
        also those ``outputs`` do not read, so a model of some outputs draws
        the same inputs (streams, correlations) as the whole scenario and its
        outputs get the same bits.
        """
        outs = self.outputs if outputs is None else tuple(outputs)
        key = (outs, with_inputs, all_inputs)
        if not derived and key in self._models:
            return self._models[key]
        model = self._build_model(outs, with_inputs, derived, all_inputs)
        if not derived:
            self._models[key] = model
        return model

    def _build_model(
        self,
        outs: tuple[str, ...],
        with_inputs: bool,
        derived: Mapping[str, Quantity] | None,
        all_inputs: bool,
    ) -> Model:
        formulas = dict(self.resolved.formulas)
        for name, q in (derived or {}).items():
            if name in formulas or name in self.priors:
                raise ScenarioError(f"derived output {name!r}: the scenario already has {name}")
            unknown = sorted(names_in(q.ways[0]) - set(formulas) - set(self.priors))
            if unknown:
                raise ScenarioError(
                    f"derived output {name!r}: reads {', '.join(unknown)}, which {self.name}"
                    " does not compute"
                )
            formulas[name] = q.ways[0]
            outs = (*outs, name)
        res = Resolved(self.resolved.inputs, formulas, outs)
        inputs = needed_inputs(res)
        if all_inputs:
            wanted = set(inputs) | set(self.inputs)
            inputs = tuple(n for n in self.resolved.inputs if n in wanted)
        extra = {**self.quantities, **(derived or {})}
        if with_inputs:
            for n in inputs:
                if n not in QUANTITIES and n not in extra:
                    p = self.priors[n]
                    extra[n] = Quantity(n, p.unit, p.description or n, (), False)
            outs = outs + tuple(n for n in inputs if n not in outs)
        return formula_model(
            self.name,
            Resolved(inputs, formulas, outs),
            extra,
            outs,
            dollars=self.dollars,
            cloud_basis=self.cloud_basis,
            cloud_source=self.cloud_price_source,
        )

    @property
    def dollars(self) -> str:
        """Dollar basis of the money outputs: ``"2025-06"``, ``"nominal"``, ``"inflation_factor"``.

        ``"inflation_factor"``: the scenario's own factor, whose basis it does not state.
        """
        return str(self.meta.get("dollar_basis", ""))

    @property
    def prices_date(self) -> str:
        """For nominal dollars, when they are of: the publication month (``"2024-06"``),
        else the scenario's year (``"2024"``); ``""`` for other dollars or no date."""
        return str(self.meta.get("prices_date", ""))

    @property
    def cloud_basis(self) -> str:
        """Basis of the cloud price: ``"3yr"``, ``"1yr"``, ``"on-demand"``, ``"contract"``.

        ``"unstated"``: a cloud price of the scenario's own whose basis it does
        not state (``hardware.cloud_basis`` states it); ``"mixed"``: chip
        types of a fleet on different bases; ``""``: no cloud price.
        :attr:`cloud_price_source` says where the price comes from.
        """
        return str(self.meta.get("cloud_basis", ""))

    @property
    def cloud_price_source(self) -> str:
        """Where the cloud price comes from: the chip record, year and basis, a pipeline
        rate, or ``[parameters]``; ``""`` without a cloud price."""
        return str(self.meta.get("cloud_price_source", ""))

    def input_priors(self) -> dict[str, Prior]:
        """Priors of the model's inputs."""
        return {n: self.priors[n] for n in self.inputs}

    def computable(self) -> tuple[str, ...]:
        """Every quantity the scenario can compute (outputs and intermediates)."""
        return tuple(self.resolved.formulas)

    def routes(self) -> dict[str, str]:
        """The formula each computed quantity follows (``validate`` shows them)."""
        return dict(self.resolved.formulas)

    @classmethod
    def from_text(cls, text: str, name: str = "scenario") -> Scenario:
        """A scenario from the text of a scenario file (the schema of docs/scenarios.md).

        Errors name ``NAME.toml:LINE key``, as for a file.

        Raises
        ------
        ScenarioError
            As :func:`load_scenario`.
        """
        if not isinstance(text, str):
            raise ScenarioError(
                f"text: expected the text of a TOML file, got {type(text).__name__}"
            )
        _check_unicode(f"{name}.toml", text)
        return _from_text(_check_name(name), f"{name}.toml", text)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], name: str = "scenario") -> Scenario:
        """A scenario from a mapping with exactly the scenario-file schema.

        Tables are dicts (``{"scenario": {...}, "parameters": {...}}``),
        formulas strings, priors the same specs as in a file.  Errors name the
        key's path, e.g. ``scenario['parameters']['utilization']: p5 (0.7)
        must be below p95 (0.4)``.  The run records the mapping as TOML text.
        The one difference from a file: a mapping without a title is titled
        ``name`` (a model written in code is named where it is used).

        Raises
        ------
        ScenarioError
            As :func:`load_scenario`, naming the path instead of file and line.
        """
        import tomli_w

        name = _check_name(name)
        if not isinstance(data, Mapping):
            raise ScenarioError(f"{name}: expected a mapping of tables, got {type(data).__name__}")
        _check_values(data, name, keyed=True)
        plain = _plain(data, name)
        meta = plain.get("scenario", {})
        if isinstance(meta, dict) and "title" not in meta:
            rest = {k: v for k, v in plain.items() if k != "scenario"}
            plain = {"scenario": {"title": name, **meta}, **rest}
        try:
            text = tomli_w.dumps(plain)
        except (TypeError, ValueError) as err:
            raise ScenarioError(f"{name}: not representable as a scenario file: {err}") from None
        _check_unicode(name, text)
        return _build(name, name, text, plain, _DictContext(name, text))


def _check_unicode(label: str, text: str) -> None:
    """Refuse text no file can hold (a lone surrogate): it would fail when a run is written."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        line = text.count("\n", 0, err.start) + 1
        raise ScenarioError(
            f"{label}:{line}: {text[err.start]!r} is not a character (a lone surrogate);"
            " a scenario is Unicode text"
        ) from None


# --- built-in scenarios -----------------------------------------------------------------


@cache
def _builtin_paths() -> dict[str, str]:
    root = resources.files("frontiercost.scenarios") / "library"
    out: dict[str, str] = {}

    def walk(folder: Any) -> None:
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.is_dir():
                walk(entry)
            elif entry.name.endswith(".toml"):
                out[entry.name[: -len(".toml")]] = str(entry)

    walk(root)
    return out


def list_scenarios() -> list[str]:
    """Names of the built-in scenarios, sorted."""
    return sorted(_builtin_paths())


def _read(name_or_path: str | Path) -> tuple[str, str, str]:
    """(name, label, text) of a built-in name or a file path."""
    raw = str(name_or_path)
    builtins = _builtin_paths()
    if raw in builtins and not Path(raw).exists():
        path = Path(builtins[raw])
        label = f"{raw}.toml"
    else:
        path = Path(raw)
        if not path.exists():
            if raw.endswith(".toml") or "/" in raw:
                raise ScenarioError(f"{raw}: no such scenario file")
            hint = suggest(raw, builtins)
            if raw == "reference":  # the benchmark's bare model (cli: run, bench)
                hint = (
                    " ('reference' is the benchmark's bare model, not a scenario: only"
                    " `frontiercost run reference` and `frontiercost bench` take it)"
                )
            raise ScenarioError(
                f"unknown scenario {raw!r}{hint}; `frontiercost scenarios` lists the built-in ones"
            )
        label = str(path)
    if _saved_run(path):
        raise ScenarioError(
            f"{label}: a saved run, not a scenario; read it with"
            f" `frontiercost summarize {shlex.quote(label)}` (or compare, exceedance, plot,"
            " report)"
        )
    if not path.is_file():  # a FIFO or a device would block or never end
        what = "a folder" if path.is_dir() else "not a regular file"
        raise ScenarioError(f"{label}: {what}; a scenario is a .toml file")
    if path.stat().st_size > MAX_TEXT:
        raise ScenarioError(f"{label}: larger than 10 MB; a scenario file is a few kB")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        where = f"{err.reason} at byte {err.start}"
        raise ScenarioError(f"{label}: not UTF-8 text ({where})") from None
    except OSError as err:
        raise ScenarioError(f"{label}: cannot read: {err.strerror or err}") from None
    return path.stem, label, text


def _saved_run(path: Path) -> bool:
    """Whether ``path`` is a netCDF file or a Zarr store (what ``--out`` writes)."""
    if path.is_dir():
        return any((path / f).is_file() for f in ("zarr.json", ".zgroup"))
    if not path.is_file():
        return False
    try:
        with path.open("rb") as f:
            head = f.read(8)
    except OSError:
        return False
    return head[:4] in (b"CDF\x01", b"CDF\x02") or head == b"\x89HDF\r\n\x1a\n"


MAX_NESTING = 32  # tables and arrays inside each other; a scenario needs four
MAX_TEXT = 10 << 20  # characters of a scenario file


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise ScenarioError(
            f"name: expected a scenario name of letters, digits, '-', '_' or '.', got {name!r}"
        )
    return name


def _plain(value: Any, path: str) -> Any:
    """Plain TOML types (numpy scalars to Python numbers), refusing what TOML cannot hold."""
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise ScenarioError(f"{path}: keys must be strings, got {k!r}")
            out[k] = _plain(v, f"{path}[{k!r}]")
        return out
    if isinstance(value, list | tuple):
        return [_plain(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, bool | str | int | float | dt.date):
        return value
    item = getattr(value, "item", None)  # a numpy scalar
    if callable(item) and getattr(value, "shape", None) == ():
        return _plain(item(), path)
    raise ScenarioError(
        f"{path}: {type(value).__name__} is not a scenario value (numbers, strings, booleans,"
        " dates, lists and tables)"
    )


def _check_values(data: Any, label: str, keyed: bool = False) -> None:
    """Refuse nesting deeper than :data:`MAX_NESTING` and integers no float can hold.

    ``keyed``: a mapping's keys are named as in Python (``scenario['parameters']['x']``),
    else as in a file (``scenario parameters.x``).
    """
    stack: list[tuple[Any, int, str]] = [(data, 0, "")]

    def join(path: str, key: Any) -> str:
        if keyed:
            return f"{path}[{key!r}]"
        return f"{path}.{key}" if path else str(key)

    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, Mapping | list | tuple):
            if depth > MAX_NESTING:
                raise ScenarioError(
                    f"{label}: tables and arrays nested more than {MAX_NESTING} deep"
                    f" (at {path or 'the top'})"
                )
            items = value.items() if isinstance(value, Mapping) else enumerate(value)
            stack.extend((v, depth + 1, join(path, k)) for k, v in items)
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > 1e308:
            where = f"{label}{path}" if keyed else f"{label} {path}"
            raise ScenarioError(f"{where}: the integer is too large for a number")


def scenario_from_text(text: str, name: str, label: str | None = None) -> Scenario:
    """Load and validate a scenario from its TOML text (e.g. one a program wrote).

    ``label`` names it in messages (default: ``name``).

    Raises
    ------
    ScenarioError
        Naming the label, line and key and the accepted values.
    """
    label = label or name
    # a byte-order mark (some Windows editors write one) is not TOML: dropped, so the
    # text kept with the run (and a sweep's reading of it) has none either
    text = text.removeprefix("\ufeff")
    if len(text) > MAX_TEXT:
        raise ScenarioError(f"{label}: {len(text):,} characters; a scenario file is at most 10 MB")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        m = re.search(r"\(at line (\d+)", str(err))
        hint = ""
        # a JSON object ("[" starts TOML's own tables)
        if label.lower().endswith((".json", ".yaml", ".yml")) or text.lstrip()[:1] == "{":
            # TOML's own message ("Invalid statement") does not say the format is wrong
            hint = (
                "; a scenario file is TOML (docs/scenarios.md): for JSON or YAML, read it in"
                " Python and pass the mapping to frontiercost.simulate or Scenario.from_dict"
            )
        where = f"{label}:{m.group(1)}" if m else label
        raise ScenarioError(f"{where}: {err}{hint}") from None
    except RecursionError:
        raise ScenarioError(
            f"{label}: tables or arrays nested too deeply to read (a scenario needs four levels)"
        ) from None
    except ValueError:  # an integer of thousands of digits (CPython's int-string limit)
        raise ScenarioError(
            f"{label}: an integer with more than 4,300 digits is not a number (write 1e30, say)"
        ) from None
    _check_values(data, label)
    return _build(name, label, text, data)


def _from_text(name: str, label: str, text: str) -> Scenario:
    return scenario_from_text(text, name, label)


FAR_OFF = 100.0  # a given value this many times the one it replaces: a unit slip?


# A given central value beyond these quantiles of its own prior gets a note.
CENTRAL_OUTSIDE = 1e-3


def _central_outside(priors: Mapping[str, Prior]) -> list[str]:
    """Notes on a ``central`` far outside its own prior: ``central = 1e9`` on a prior of
    3e6-9e6 made the point estimate 100 times every draw, exit 0."""
    notes = []
    for key, prior in priors.items():
        if prior.central_value is None or isinstance(prior, Fixed):
            continue
        try:
            lo, hi = (float(v) for v in prior.ppf([CENTRAL_OUTSIDE, 1 - CENTRAL_OUTSIDE]))
        except (FrontiercostError, ValueError, NotImplementedError):
            continue
        c = prior.central
        if c in prior.support:  # a bound (an age of 0 under a prior cut there): by design
            continue
        if math.isfinite(lo) and math.isfinite(hi) and not lo <= c <= hi:
            notes.append(
                f"{key}: central = {c:g} lies outside its prior's 0.1 %-99.9 % range"
                f" ({lo:.3g} to {hi:.3g} {prior.unit}): the point estimate uses it, the draws"
                " do not; check the two agree"
            )
    return notes


def _far_off(
    replaced: Mapping[str, tuple[str, Any]], priors: Mapping[str, Prior], hw: Any
) -> list[str]:
    """Notes on [parameters] values 100 times (or a hundredth of) the default or
    chip-library value they replace: ``electricity_price = 80`` (a price per MWh
    in a USD/kWh quantity) made energy 98 % of the cost, exit 0."""
    notes = []
    for key, (table, value) in replaced.items():
        try:
            if table == "defaults":
                base = prior_from_spec(value, where=f"defaults.toml [{key}]")
            elif table == "hardware":
                base = _spec(_Context(hw.where[key], ""), "", key, value, priors[key].unit)
            else:
                continue
        except (FrontiercostError, KeyError):
            continue
        given, was = priors[key].central, base.central
        if not (math.isfinite(given) and math.isfinite(was)) or given * was <= 0:
            continue
        ratio = given / was
        if ratio >= FAR_OFF or ratio <= 1 / FAR_OFF:
            where = "defaults.toml" if table == "defaults" else "the chip library"
            unit = priors[key].unit
            notes.append(
                f"{key} = {given:g} {unit} is {ratio:.3g} times the value it replaces"
                f" ({was:g} {unit}, {where}): check that it is in {unit}"
            )
    return notes


def load_scenario(name_or_path: str | Path | Mapping[str, Any]) -> Scenario:
    """Load and validate a scenario by built-in name, file path or mapping.

    A mapping is read as :meth:`Scenario.from_dict` reads it.

    Raises
    ------
    ScenarioError
        Naming file, line, key and the accepted values; nothing is sampled.
    """
    if isinstance(name_or_path, Mapping):
        return Scenario.from_dict(name_or_path)
    name, label, text = _read(name_or_path)
    return scenario_from_text(text, name, label)


def _check_keys(ctx: _Context, table: str, data: Mapping[str, Any], index: int = 0) -> None:
    for key in data:
        if key not in KEYS[table]:
            raise ctx.error(
                table,
                key,
                f"unknown key{suggest(key, KEYS[table])}; accepted: {', '.join(KEYS[table])}",
                index,
            )


def _is_number(v: Any) -> bool:
    return is_number(v)


def _spec(ctx: _Context, table: str, key: str, value: Any, unit: str) -> Prior:
    """A prior from a scenario value: number, library name, or table."""
    return build_prior(ctx.where(table, key), key, value, unit)


def chip_price_priors(chip: Chip, year: int) -> dict[str, Prior]:
    """The priors of one price year of a chip, by price key (``chip_price``, ``cloud_3yr``...).

    Purchase prices are in USD, cloud prices in USD per chip-hour; a library
    name or ``prior``/``times`` table resolves as it does in a scenario.

    Raises
    ------
    ScenarioError
        If the chip has no prices for ``year``, or a spec does not build.
    """
    if year not in chip.prices:
        years = ", ".join(str(y) for y in sorted(chip.prices)) or "none"
        raise ScenarioError(
            f"hardware.price_year: no {chip.key} prices for {year}; accepted: {years}"
        )
    ctx = _Context(f"chips.toml [{chip.key}.prices.{year}]", "")
    out: dict[str, Prior] = {}
    for key, value in chip.prices[year].items():
        name, unit = (key, "USD") if key in PURCHASE_KEYS else ("cloud_price", "USD/h")
        out[key] = _spec(ctx, "", name, value, unit)
    return out


def _moments(prior: Prior) -> tuple[float, float]:
    """Mean and mean square of a prior."""
    if isinstance(prior, Fixed):
        return prior.value, prior.value * prior.value  # inf, not OverflowError, when huge
    dist = prior._scipy()
    mean, var = (float(v) for v in dist.stats(moments="mv"))
    return mean, var + mean**2


def _third_moment(prior: Prior) -> float:
    """The mean cube of a prior (NaN where scipy gives no skewness)."""
    if isinstance(prior, Fixed):
        return prior.value**3
    mean, var, skew = (float(v) for v in prior._scipy().stats(moments="mvs"))
    return skew * var**1.5 + 3 * mean * var + mean**3


# What each part of a [[staff]] group may be: a share of full time is a fraction, but
# the paper's lognormal FTE priors (Cottier et al. 2024 A.6: 0.05-0.8, and the Gemini
# groups') put up to 3.5 % of their draws above 1, so up to 5 % is accepted there.
STAFF_DOMAINS = {
    "salary": POSITIVE,
    "overhead": POSITIVE,
    "equity": NON_NEGATIVE,
    "fte": Domain(0.0, 1.0, True, False, "a fraction", tolerance=0.05),
}


def _staff(
    ctx: _Context, groups: list[Any], priors: dict[str, Prior], quantities: dict[str, Quantity]
) -> None:
    """Priors and formulas of the ``[[staff]]`` groups, and ``staff_cost``."""
    names = []
    for i, group in enumerate(groups):
        if not isinstance(group, Mapping):
            raise ctx.error("staff", None, "each [[staff]] must be a table", i)
        _check_keys(ctx, "staff", group, i)
        missing = [k for k in ("group", "headcount", "salary", "fte") if k not in group]
        if missing:
            raise ctx.error("staff", missing[0], f"missing; required: {missing}", i)
        gname = group["group"]
        if not isinstance(gname, str) or not _IDENT.match(gname) or gname in names:
            raise ctx.error("staff", "group", f"{gname!r}: need a new lowercase identifier", i)
        head = group["headcount"]
        if not _is_number(head) or not 0 < head < math.inf:
            raise ctx.error("staff", "headcount", f"must be a positive number, got {head!r}", i)
        sampling = group.get("sampling", "per-person")
        if sampling not in SAMPLING:
            raise ctx.error("staff", "sampling", f"{sampling!r}; accepted: {SAMPLING}", i)
        parts = {}
        for key, unit, default in (
            ("salary", "USD/yr", None),
            ("overhead", "1", 1.0),
            ("equity", "USD/yr", 0.0),
            ("fte", "1", None),
        ):
            value = group.get(key, default)
            line_ctx = _GroupContext(ctx, i)
            parts[key] = _spec(line_ctx, "staff", key, value, unit)
            _check_domain(line_ctx, "staff", key, parts[key], STAFF_DOMAINS[key])
        prefix = f"staff_{gname}"
        cost = f"{prefix}_cost"
        if sampling == "shared" or head <= 1:  # one person's parts: drawn as they are, exact
            for key, prior in parts.items():
                priors[f"{prefix}_{key}"] = prior
            formula = (
                f"{float(head)!r} * ({prefix}_salary * {prefix}_overhead + {prefix}_equity)"
                f" * {prefix}_fte * project_years"
            )
        else:
            floor, rate = _per_person_rate(ctx, i, float(head), parts)
            rate_ways: tuple[str, ...] = ()
            if floor > 0:  # the least a person costs, plus a lognormal above it
                priors[f"{prefix}_above_floor"] = rate
                quantities[f"{prefix}_above_floor"] = Quantity(
                    f"{prefix}_above_floor",
                    "USD/yr",
                    f"mean cost per person-year x FTE above its least, {gname}",
                    (),
                    False,
                )
                rate_ways = (f"{floor!r} + {prefix}_above_floor",)
            else:
                priors[f"{prefix}_rate"] = rate
            formula = f"{float(head)!r} * {prefix}_rate * project_years"
        quantities[cost] = Quantity(cost, "USD", f"staff cost of group {gname}", (formula,))
        quantities[f"{prefix}_rate"] = Quantity(
            f"{prefix}_rate",
            "USD/yr",
            f"mean cost per person-year x FTE, {gname}",
            rate_ways if sampling != "shared" and head > 1 else (),
            False,
        )
        names.append(gname)
    if names:
        total = " + ".join(f"staff_{g}_cost" for g in names)
        quantities["staff_cost"] = Quantity("staff_cost", "USD", "staff cost", (total,))


def _per_person_rate(
    ctx: _Context, i: int, head: float, parts: dict[str, Prior]
) -> tuple[float, Prior]:
    """The least value and a lognormal (Fenton-Wilkinson) above it of the group mean
    of ``(salary x overhead + equity) x fte``.

    With independent draws per person the group total has mean ``n m`` and
    variance ``n v``; matching a lognormal to those two moments keeps one input
    per group instead of four per person.  The lognormal is fitted above the
    least cost a person can have (the parts' lower bounds, 0 where one can be
    negative) when that matches the group mean's skewness better
    (:func:`_shift_fits_better`): a fixed salary under an uncertain equity (a
    group of 2 with $100k each and equity of $10k-$1M) gave 10 % of its draws
    below the salaries' sum, and a 5th percentile 64 % low (now 5 %).
    """
    try:
        s1, s2 = _moments(parts["salary"])
        o1, o2 = _moments(parts["overhead"])
        q1, q2 = _moments(parts["equity"])
        f1, f2 = _moments(parts["fte"])
    except (AttributeError, NotImplementedError, ValueError):
        raise ctx.error(
            "staff", "sampling", "per-person needs priors with moments; use 'shared'", i
        ) from None
    m = (s1 * o1 + q1) * f1
    second = (s2 * o2 + 2 * s1 * o1 * q1 + q2) * f2
    if not (math.isfinite(m) and math.isfinite(second * head)):
        raise ctx.error(
            "staff", "salary", "the cost per person (salary x overhead + equity, x fte) and"
            " its spread are too large for float64", i,
        )  # fmt: skip
    var = max(second - m * m, 0.0) / head
    if m <= 0:
        raise ctx.error("staff", "salary", "mean cost per person must be positive", i)
    if var == 0:
        return 0.0, Fixed(value=m, unit="USD/yr")
    lows = {k: p.support[0] for k, p in parts.items()}
    floor = (lows["salary"] * lows["overhead"] + lows["equity"]) * lows["fte"]
    if not (min(lows.values()) >= 0 and 0 < floor < m):
        floor = 0.0
    if floor and not _shift_fits_better(parts, head, m, var, floor):
        floor = 0.0
    above = m - floor
    sigma2 = math.log1p(var / (above * above))
    return floor, LogNormal(
        mu=math.log(above) - sigma2 / 2,
        sigma=math.sqrt(sigma2),
        unit="USD/yr",
        source="per-person draws, Fenton-Wilkinson lognormal of the group mean"
        + (" above its least value" if floor else ""),
    )


def _shift_fits_better(
    parts: dict[str, Prior], head: float, m: float, var: float, floor: float
) -> bool:
    """Whether a lognormal above ``floor`` matches the group mean's skewness better than
    one above 0 (both match its mean and variance ``var``).

    Above the floor suits a fixed salary under a skewed equity (the unshifted fit put
    10 % of a group of 2 below the salaries); a bounded, symmetric part (an FTE
    uniform on 0.5-1) is skewed less than the shifted fit, and more than the plain one.
    """
    try:
        s3, o3, q3, f3 = (_third_moment(parts[k]) for k in ("salary", "overhead", "equity", "fte"))
        s1, s2 = _moments(parts["salary"])
        o1, o2 = _moments(parts["overhead"])
        q1, q2 = _moments(parts["equity"])
        _, f2 = _moments(parts["fte"])
    except (AttributeError, NotImplementedError, ValueError):
        return True
    per_var = var * head  # one person's
    c2 = (s2 * o2 + 2 * s1 * o1 * q1 + q2) * f2
    c3 = (s3 * o3 + 3 * s2 * o2 * q1 + 3 * s1 * o1 * q2 + q3) * f3
    k3 = c3 - 3 * m * c2 + 2 * m**3  # one person's third central moment
    skew = k3 / per_var**1.5 / math.sqrt(head)  # the group mean's
    if not math.isfinite(skew):
        return True  # heavier than any third moment: the more skewed fit

    def lognormal_skew(mean: float) -> float:
        cv = math.sqrt(var) / mean
        return 3 * cv + cv**3

    return abs(lognormal_skew(m - floor) - skew) < abs(lognormal_skew(m) - skew)


class _GroupContext(_Context):
    """Locates keys inside the i-th ``[[staff]]`` table (of a file or a mapping)."""

    def __init__(self, ctx: _Context, index: int) -> None:
        super().__init__(ctx.label, ctx.text)
        self.ctx, self.index = ctx, index

    def where(self, table: str, key: str | None = None, index: int = 0) -> str:
        return self.ctx.where(table, key, self.index)


_ARRAY_TABLES = ("correlation", "staff", "observe")


def _build(
    name: str, label: str, text: str, data: dict[str, Any], ctx: _Context | None = None
) -> Scenario:
    ctx = ctx if ctx is not None else _Context(label, text)
    for table in data:
        if table not in TABLES:
            raise ctx.error(
                table,
                None,
                f"unknown table{suggest(table, TABLES)}; accepted: {', '.join(TABLES)}",
            )
        if table in _ARRAY_TABLES:
            rows = data[table]
            if not isinstance(rows, list) or not all(isinstance(r, Mapping) for r in rows):
                if isinstance(rows, Mapping):
                    continue  # a single [table]: its own check names the [[table]] form
                raise ctx.error(table, None, f"expected [[{table}]] tables, got {rows!r:.40}")
        elif not isinstance(data[table], Mapping):
            raise ctx.error(table, None, f"expected a [{table}] table, got {data[table]!r:.40}")
    sweep_table = data.get("sweep", {})
    _check_keys(ctx, "sweep", sweep_table)
    meta = dict(data.get("scenario", {}))
    _check_keys(ctx, "scenario", meta)
    if not isinstance(meta.get("title"), str) or not meta["title"].strip():
        raise ctx.error("scenario", "title", "required: a readable name")
    year = meta.get("year")
    if year is not None and not (_is_number(year) and YEARS[0] <= year <= YEARS[1]):
        raise ctx.error(
            "scenario", "year", f"must be a year between {YEARS[0]} and {YEARS[1]}, got {year!r}"
        )
    basis = meta.get("cost_basis", "amortized")
    if basis not in COST_BASES:
        raise ctx.error("scenario", "cost_basis", f"{basis!r}; accepted: {COST_BASES}")
    depreciation = meta.get("depreciation", "linear")
    if depreciation not in DEPRECIATION:
        raise ctx.error("scenario", "depreciation", f"{depreciation!r}; accepted: {DEPRECIATION}")
    for key in ("sources", "tags", "outputs"):
        value = meta.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ctx.error("scenario", key, "must be a list of strings")

    quantities: dict[str, Quantity] = {}
    if basis == "cloud":
        q = QUANTITIES["final_run_cost"]
        quantities[q.name] = Quantity(
            q.name, q.units, q.long_name, ("cloud_cost", "amortized_cost", q.ways[2])
        )

    if depreciation == "exact":
        q = QUANTITIES["hardware_cost"]
        exact = (
            "hardware_value * chip_count * (1 - exp(-training_hours / 8766"
            " * depreciation_rate * 2.302585092994046))"
        )
        quantities[q.name] = Quantity(q.name, q.units, q.long_name, (exact,), q.output)

    # Priors in layers, each replacing the one before: pipeline defaults
    # (defaults.toml) < chip library < pipeline preset and dates < [parameters].
    specs: dict[str, tuple[str, Any]] = {}
    defaults = tomllib.loads(
        (resources.files("frontiercost.scenarios") / "defaults.toml").read_text("utf-8")
    )
    for key, value in defaults.items():
        specs[key] = ("defaults", value)
    hardware_table = dict(data.get("hardware", {}))
    _check_keys(ctx, "hardware", hardware_table)
    published = meta.get("published")
    if published is not None:
        published = read_date(ctx, "scenario", "published", published)
        if year is None:
            year = meta["year"] = decimal_year(published)
    pipeline = None
    if "pipeline" in meta:
        try:
            pipeline = find_pipeline(meta["pipeline"])
        except ScenarioError as err:
            raise ctx.error("scenario", "pipeline", _message(err)) from None
        priced = ["price_year" in hardware_table] + [
            "price_year" in e for e in hardware_table.get("fleet", []) if isinstance(e, Mapping)
        ]
        if any(priced):
            raise ctx.error(
                "hardware",
                "price_year",
                f"the {pipeline.name} pipeline prices a chip at its first price record; set"
                " chip_price in [parameters] for another price",
            )
    raw_params = data.get("parameters", {})
    cloud_given = isinstance(raw_params, Mapping) and any(
        str(k).startswith("cloud_price") for k in raw_params
    )
    hw = read_hardware(ctx, hardware_table, meta, cloud_given)
    if hw.hyperscaler is True:
        specs["pue"] = ("defaults", {**defaults["pue"], "value": 1.10})
    if hw.chip is not None:
        meta["chip"] = hw.chip.key
    elif hw.members:
        meta["chip"] = ", ".join(f"{m.chip.key} {m.share:g}" for m in hw.members)
    for key, value in hw.specs.items():
        specs[key] = ("hardware", value)

    params = data.get("parameters", {})
    if not isinstance(params, Mapping):
        raise ctx.error("parameters", None, "must be a table")
    formulas = data.get("formulas", {})
    read_by_formulas: set[str] = set()
    unparsed: tuple[str, str] | None = None  # the first formula that does not parse
    if isinstance(formulas, Mapping):
        for fkey, value in formulas.items():
            formula_text = value.get("formula", "") if isinstance(value, Mapping) else value
            try:
                read_by_formulas |= names_in(str(formula_text))
            except FrontiercostError as err:
                unparsed = unparsed or (str(fkey), str(err))  # reported below or by _formulas
    labelled = hw.labelled()
    custom_units: dict[str, str] = dict(labelled)
    replaced: dict[str, tuple[str, Any]] = {}  # what [parameters] replaced, for _far_off
    for key, value in params.items():
        if key in labelled:
            pass  # a chip type's own quantity in a fleet: the base quantity's unit
        elif key == SCENARIO_YEAR:
            raise ctx.error(
                "parameters",
                key,
                "is the scenario's year in formulas: set it as [scenario] year",
            )
        elif key not in QUANTITIES and key in read_by_formulas and _IDENT.match(key):
            # a scenario's own parameter: only formulas read it, so its unit is its own
            custom_units[key] = own_unit(value)
        elif key not in QUANTITIES:
            if unparsed is not None:  # the formula that reads this parameter may be that one
                raise ctx.error("formulas", unparsed[0], unparsed[1])
            accepted = sorted(QUANTITIES) + (sorted(labelled) if labelled else [])
            meant = suggest_labelled(key, hw.members)
            hint = f" (did you mean {meant!r}?)" if meant else suggest(key, accepted)
            raise ctx.error(
                "parameters",
                key,
                f"unknown parameter{hint}; accepted: "
                f"{', '.join(accepted)}, or a name a [formulas] entry reads",
            )
        if key in specs:
            replaced[key] = specs[key]
        specs[key] = ("parameters", value)
    if hw.members:
        given_plain = {q for q in CHIP_LEVEL if q in params}
        quantities.update(fleet_quantities(hw.members, given_plain))

    priors: dict[str, Prior] = {}
    layer: dict[str, int] = {}
    for key, (table, value) in specs.items():
        unit = custom_units[key] if key in custom_units else QUANTITIES[key].units
        if table == "defaults":
            priors[key] = prior_from_spec(value, where=f"defaults.toml [{key}]")
        elif table == "hardware":
            priors[key] = _spec(_Context(hw.where[key], ""), "", key, value, unit)
        else:
            priors[key] = _spec(ctx, table, key, value, unit)
        layer[key] = LAYERS[table]

    # a chip type's own quantity (cloud_price_h200) has its base quantity's domain
    base_of: dict[str, str] = {m.name(q): q for m in hw.members for q in CHIP_LEVEL}
    for key in params:
        if key in priors:
            domain = DOMAINS.get(base_of.get(str(key), str(key)))
            _check_domain(ctx, "parameters", key, priors[key], domain)
    given = set(params)
    hours = priors["training_hours"].central if "training_hours" in given else None
    if pipeline is not None:
        facts = RunFacts(
            organization=str(meta.get("organization", "")),
            published=published,
            hyperscaler=hw.hyperscaler,
            given=frozenset(given),
            training_hours=hours,
            training_start=hw.dates.training_start,
        )
        try:
            added = pipeline_priors(pipeline, hw, facts, given)
        except ScenarioError as err:
            table, _, key = str(err).split(":", 1)[0].partition(".")
            raise ctx.error(table, key or None, _message(err)) from None
        for key, prior in added.items():
            if key not in given:
                priors[key], layer[key] = prior, LAYERS["pipeline"]
    ages = hardware_ages(ctx, hw, hours, given)
    for key, (prior, _) in ages.items():
        priors[key], layer[key] = prior, LAYERS["pipeline"]
    if ages:
        meta["hardware_age"] = "; ".join(prior.source for prior, _ in ages.values())
    if pipeline is not None:
        chip_ages = (
            ["hardware_age"]
            if hw.chip is not None
            else [m.name("hardware_age") for m in hw.members]
        )
        missing = [n for n in chip_ages if n not in priors and "hardware_age" not in given]
        if missing:
            raise ctx.error(
                "scenario",
                "published",
                f"the {pipeline.name} pipeline needs the hardware age: give the chip's dates"
                " or hardware_age",
            )
    dollars = read_dollars(
        ctx,
        meta,
        published,
        "inflation_factor" in given,
        default=pipeline.dollars if pipeline is not None else None,
        beyond_last=pipeline.beyond_last if pipeline is not None else "error",
    )
    inflation = dollars.prior()
    if inflation is not None:
        priors["inflation_factor"], layer["inflation_factor"] = inflation, LAYERS["pipeline"]
    meta["dollar_basis"] = dollars.label
    meta["dollar_note"] = dollars.sentence
    meta["cloud_basis"], meta["cloud_price_source"] = _cloud_basis(
        hw, hardware_table, params, formulas, priors, layer
    )
    routes = _routes(ctx, data.get("routes", {}), quantities, set(params))
    gaps = _price_gaps(hw.gaps, set(params))
    notes = list(gaps) + _drop_shadowed_defaults(priors, layer, quantities, routes)
    notes += _far_off(replaced, priors, hw) + _central_outside(priors)
    notes += before_release(hw, ages)
    for routed in routes:  # a routed quantity is computed: its prior of a lower layer goes
        if routed in priors and routed not in params:
            del priors[routed]
    _staff(ctx, list(data.get("staff", [])), priors, quantities)
    _formulas(ctx, formulas, priors, quantities, set(params), year)
    _projection(ctx, data.get("projection", {}), year, quantities)
    if dollars.month is not None:
        run_month: tuple[tuple[int, int], str] | None = (dollars.month, "")
    elif dollars.label == "nominal" and published is not None:
        # nominal dollars are those of the prices, dated by the publication month
        run_month = ((published.year, published.month), " (nominal: the publication month)")
        meta["prices_date"] = f"{published.year}-{published.month:02d}"
    else:
        run_month = None
        if dollars.label == "nominal" and year is not None:  # nominal dollars of that year
            meta["prices_date"] = str(math.floor(year))
    references = parse_references(ctx, data.get("reference", {}), quantities, run_month)
    for r in references:
        # an inflation_factor states its own target dollars (the paper's 2023 USD); nominal
        # dollars without a date have none
        if r.dollars and run_month is None and dollars.label == "nominal":
            notes.append(
                f"reference {r.output} ({r.name}) is in {r.dollars} USD and is compared as it"
                " is: the scenario's dollars are nominal with no month to convert it to; give"
                " scenario.published or scenario.dollars"
            )

    for routed, way in routes.items():  # the chosen way is the only one the resolver sees
        base = quantities.get(routed) or QUANTITIES[routed]
        quantities[routed] = Quantity(routed, base.units, base.long_name, (way,), base.output)
    wanted = meta.get("outputs") or None
    try:
        resolved = resolve(priors, quantities, wanted)
    except ScenarioError as err:
        why = "".join(f"; {text}" for text in gaps)  # the price year that left it unpriced
        raise ctx.error("scenario", "outputs", str(err).removeprefix("outputs: ") + why) from None
    if not resolved.outputs:
        raise ctx.error("parameters", None, "the parameters given support no output")
    if data.get("staff") and wanted is None and "staff_cost" not in resolved.outputs:
        missing = [q for q in ("project_years",) if q not in priors and q not in quantities]
        raise ctx.error(
            "staff",
            None,
            f"staff_cost cannot be computed: give {', '.join(missing) or 'every input it reads'}"
            " in [parameters] or [formulas] (years the groups are paid for)",
        )
    stated = set(params) | {k for k, v in layer.items() if v == LAYERS["hardware"]}
    notes += _check_routes(ctx, resolved, quantities, priors, stated, routes, basis)
    if wanted is None and (hw.chip is not None or hw.members):
        source = f"the {pipeline.name} pipeline" if pipeline is not None else "the chip library"
        noted = set(hw.gaps) - set(params)  # a price year's own note explains these
        stated_cloud = any(n.startswith("final_run_cost is the cloud cost") for n in notes)
        if basis == "cloud" or stated_cloud:
            noted.add("hardware_age")  # the amortized view's absence is stated already
        rented = {k for c, _ in hw.chips for row in c.prices.values() for k in row}
        if not rented & set(CLOUD_BASES.values()):
            noted.add("cloud_price")  # never rented (TPU v1, K40...): nothing to give
        notes += _unpriced_views(resolved, priors, noted, source)
    for key in formulas if isinstance(formulas, Mapping) else ():
        if key not in resolved.formulas and key not in priors:
            reads = ", ".join(sorted(names_in(quantities[key].ways[0])))
            raise ctx.error(
                "formulas",
                key,
                f"cannot be computed: it reads {reads}, not all of which this scenario computes"
                " (formulas may not read each other in a cycle)",
            )
    projected = [n for n in quantities if n.startswith("projected_cost_")]
    if projected and projected[0] not in resolved.formulas:
        raise ctx.error(
            "projection",
            "years",
            "needs growth_rate (or compute_growth and price_performance_growth) and a"
            " final-run cost (amortized, cloud or final_run_cost)",
        )
    for key in dict.fromkeys(r.output for r in references):
        if key not in resolved.formulas and key not in priors:
            raise ctx.error("reference", key, "this scenario does not compute it")
    # a fleet's copies of one quantity share its stream: the uncertainty is the
    # run's (its discount, number format, start date), not each chip type's apart
    streams = {m.name(q): q for m in hw.members for q in CHIP_LEVEL if m.name(q) in priors}
    correlations = _correlations(
        ctx, data.get("correlation", []), priors, resolved, streams, hw.members
    )
    observations = parse_observations(
        ctx,
        data.get("observe"),
        priors,
        tuple(resolved.formulas),
        lambda q: (
            quantities[q].units
            if q in quantities
            else QUANTITIES[q].units
            if q in QUANTITIES
            else priors[q].unit
        ),
    )
    meta["name"] = name
    return Scenario(
        name=name,
        title=meta["title"],
        text=text,
        path=label,
        priors=priors,
        quantities=quantities,
        resolved=resolved,
        correlations=correlations,
        reference=first_values(references),
        references=references,
        meta=meta,
        observations=observations,
        notes=tuple(notes),
        streams=streams,
    )


def check_given_prior(name: str, prior: Prior) -> None:
    """A prior given in Python for a scenario's input, checked as a scenario file's
    is: inside its quantity's domain (``utilization = 40`` is refused in either).

    Raises
    ------
    ScenarioError
        Naming ``priors['name']``.
    """
    from ._context import _GivenContext

    _check_domain(_GivenContext(), "parameters", name, prior)


def _check_domain(
    ctx: _Context, table: str, key: str, prior: Prior, domain: Domain | None = None
) -> None:
    """A prior must stay inside its quantity's domain: central value and (nearly) all its mass.

    A normal prior on a positive quantity reaches below zero only in its far
    tail: up to the domain's ``tolerance`` of the mass outside is accepted
    (one draw in a million for most; the paper's normal depreciation prior
    has 4e-9 below 0).
    """
    domain = domain if domain is not None else DOMAINS.get(key)
    if domain is None:
        return
    c = prior.central
    if not domain.contains(c):
        hint = f"; for {c:g} %, write {c / 100:g}" if domain.upper == 1 and 1 < c <= 100 else ""
        raise ctx.error(table, key, f"central value {c:g} is outside {domain}{hint}")
    if isinstance(prior, Fixed):
        return
    outside = _mass_outside(prior, domain)
    if outside > domain.tolerance:
        fix = (
            "; give bounds inside it (family = 'truncnormal' with lower/upper, or"
            " truncate = true to cut this normal prior at the domain's ends)"
            if prior.family == "normal" and key in DOMAINS  # truncate knows DOMAINS only
            else "; give bounds inside it (family = 'truncnormal' with lower/upper)"
            if prior.family == "normal"
            else "; choose a family or bounds that stay inside it"
        )
        raise ctx.error(
            table,
            key,
            f"the {prior.family} prior puts {outside:.2g} of its mass outside {domain}"
            f" (at most {domain.tolerance:g} is accepted){fix}",
        )
    # the engine draws u in [2**-53, 1 - 2**-53]: its extremes must be numbers
    ends = [float(v) for v in prior.ppf([2.0**-53, 1.0 - 2.0**-53])]
    beyond = [v for v in ends if not math.isfinite(v)]
    if beyond:
        raise ctx.error(
            table,
            key,
            f"the {prior.family} prior's draws reach {beyond[0]:g}: past the largest number"
            " a draw can hold (1.8e308); give a smaller scale",
        )


def _mass_outside(prior: Prior, domain: Domain) -> float:
    """Probability mass of ``prior`` outside ``domain`` (exact cdf; tail-safe)."""
    lo_sup, hi_sup = prior.support
    below = 0.0
    if lo_sup < domain.lower or (lo_sup == domain.lower and domain.lower_open):
        below = float(prior.cdf(domain.lower))
    above = 0.0
    if hi_sup > domain.upper:
        above = 1.0 - float(prior.cdf(domain.upper))
    return max(below, 0.0) + max(above, 0.0)


# Layers of priors: a later layer replaces an earlier one of the same name.
def _cloud_basis(
    hw: Any,
    hardware_table: Mapping[str, Any],
    params: Mapping[str, Any],
    formulas: Mapping[str, Any],
    priors: Mapping[str, Prior],
    layer: Mapping[str, int],
) -> tuple[str, str]:
    """The basis of the run's cloud price and where it comes from (:attr:`Scenario.cloud_basis`).

    Per chip: a price of ``[parameters]`` has the basis ``hardware.cloud_basis``
    states, else ``"unstated"``; a pipeline's rate is a 3-year committed-use
    price; the chip library's is of the table's basis (default 3yr).
    """
    if "cloud_price" in params or "cloud_price" in formulas:
        stated = hardware_table.get("cloud_basis") if hw.chip is not None else None
        return (str(stated) if stated else "unstated"), "cloud_price given in [parameters]"
    if hw.chip is not None:
        tables = [(hw.chip, hardware_table, "cloud_price", "")]
    else:
        tables = [(m.chip, m.raw, m.name("cloud_price"), m.label) for m in hw.members]
    found: list[tuple[str, str, str]] = []
    for chip, raw, name, tag in tables:
        if name in params or name in formulas:
            basis = str(raw.get("cloud_basis", "unstated"))
            found.append((tag, basis, f"{name} given in [parameters]"))
        elif name in priors and layer.get(name) == LAYERS["pipeline"]:
            # the rate's record without its web address: a line, not a citation
            found.append((tag, "3yr", re.sub(r" \(https?://[^)]*\)", "", priors[name].source)))
        elif name in priors and layer.get(name) == LAYERS["hardware"]:
            basis = str(raw.get("cloud_basis", DEFAULT_CLOUD_BASIS))
            found.append(
                (tag, basis, f"chip library {chip.key}, price_year {raw['price_year']}, {basis}")
            )
    if not found:
        return "", ""
    bases = list(dict.fromkeys(b for _, b, _ in found))
    if len(bases) == 1 and len(found) == 1:
        return bases[0], found[0][2]
    text = "; ".join(f"{tag} {basis}: {where}" for tag, basis, where in found)
    return (bases[0] if len(bases) == 1 else "mixed"), text


LAYERS = {"defaults": 0, "hardware": 1, "pipeline": 2, "parameters": 3}


# Layers of priors: a later layer replaces an earlier one of the same name.
LAYERS = {"defaults": 0, "hardware": 1, "pipeline": 2, "parameters": 3}


_LAYER_NAMES = {0: "the pipeline defaults", 1: "the chip library", 2: "the pipeline preset"}


def _price_gaps(gaps: Mapping[str, str], given: set[str]) -> list[str]:
    """The price year's gaps (:meth:`Chip.gaps`) that ``[parameters]`` does not fill."""
    out = []
    for name, text in gaps.items():
        base, _, label = name.partition("_price")
        fills = {name, f"{base}_price"}
        if base == "chip":  # a bare chip price gives the server-level one
            fills |= {f"bare_chip_price{label}", "bare_chip_price"}
        if not fills & given:
            out.append(text)
    return out


def _drop_shadowed_defaults(
    priors: dict[str, Prior],
    layer: Mapping[str, int],
    extra: Mapping[str, Quantity],
    routes: Mapping[str, str],
) -> list[str]:
    """Drop a prior when a later layer gives what it is computed from.

    Giving ``interconnect_factor`` means ``interconnect_fraction`` comes from it,
    not from the pipeline's fixed 0.19; giving ``server_cost_factor`` means the
    server-level ``chip_price`` is built from the bare chip price, not taken
    from the chip library.  A switch that [parameters] causes changes numbers,
    so it is a note (shown by ``validate`` and ``run``) unless ``[routes]``
    names it.
    """
    table = {**QUANTITIES, **extra}
    # A name computed from given parameters counts as given at their layer, so
    # what it feeds is computed too (a fleet's chip_price_a reads
    # server_cost_factor_a, computed from the fleet's server_cost_factor): drop
    # to a fixed point, whatever the order of the keys.
    computed: dict[str, tuple[str, int]] = {}  # dropped name -> (its way, its layer)
    order = list(priors)

    def level(name: str) -> int:
        return computed[name][1] if name in computed else layer.get(name, LAYERS["parameters"])

    changed = True
    while changed:
        changed = False
        for key in list(priors):
            q = table.get(key)
            if layer.get(key, LAYERS["parameters"]) == LAYERS["parameters"] or q is None:
                continue
            for way in q.ways:
                reads = names_in(way)
                if (
                    reads <= set(priors) | set(computed)
                    and (top := max((level(n) for n in reads), default=-1)) > layer[key]
                ):
                    del priors[key]
                    computed[key] = (way, top)
                    changed = True
                    break

    def roots(name: str, seen: frozenset[str] = frozenset()) -> set[str]:
        """The [parameters] names a dropped name is computed from."""
        out: set[str] = set()
        for n in names_in(computed[name][0]):
            if n in computed and n not in seen:
                out |= roots(n, seen | {name})
            elif n not in computed and layer.get(n, LAYERS["parameters"]) == LAYERS["parameters"]:
                out.add(n)
        return out

    # (way, given, source) -> the quantities switched: a fleet's chip types, said once
    switched: dict[tuple[str, tuple[str, ...], str], list[str]] = {}
    for key in (k for k in order if k in computed):
        way = computed[key][0]
        given = sorted(roots(key))
        if given and key not in routes:
            source = _LAYER_NAMES.get(layer[key], "a default")
            switched.setdefault((way, tuple(given), source), []).append(key)
    notes = []
    for (way, named, source), keys in switched.items():
        are = f"{keys[0]} is" if len(keys) == 1 else f"{', '.join(keys)} are"
        notes.append(
            f"{are} computed as {way} (because {', '.join(named)} is given), not taken from"
            f" {source}; say so with [routes]"
            + (" (a line for each)" if len(keys) > 1 else "")
            + f' {keys[0]} = "{way}"'
        )
    return notes


def _message(err: ScenarioError) -> str:
    """The message of a ``"key: message"`` error, without its key."""
    return str(err).split(": ", 1)[1] if ": " in str(err) else str(err)


def _routes(
    ctx: _Context, table: Any, quantities: Mapping[str, Quantity], given: set[str]
) -> dict[str, str]:
    """``[routes]``: the way chosen for a quantity, checked against the model's ways."""
    if not isinstance(table, Mapping):
        raise ctx.error("routes", None, "must be a table of quantity = 'formula'")
    out: dict[str, str] = {}
    for key, value in table.items():
        q = quantities.get(key) or QUANTITIES.get(key)
        if q is None or not q.ways:
            computed = sorted(n for n, x in QUANTITIES.items() if len(x.ways) > 1)
            raise ctx.error(
                "routes", key, f"not a quantity with a choice of formulas; those: {computed}"
            )
        if key in given:
            raise ctx.error(
                "routes", key, "is given in [parameters]; a route says how it is computed"
            )
        if not isinstance(value, str):
            raise ctx.error("routes", key, f"expected a formula string, got {value!r}")
        try:
            chosen = _same_formula(value, q.ways)
        except FrontiercostError as err:
            raise ctx.error("routes", key, str(err)) from None
        if chosen is None:
            ways = "; ".join(f"'{w}'" for w in q.ways)
            raise ctx.error("routes", key, f"{value!r} is not one of its formulas: {ways}")
        out[key] = chosen
    return out


def _same_formula(text: str, ways: Sequence[str]) -> str | None:
    """The way ``text`` writes (the same expression, whatever the spacing), if any."""
    import ast

    target = ast.dump(parse(text))
    for way in ways:
        if ast.dump(parse(way)) == target:
            return way
    return None


# Quantities whose ways are a choice of accounting basis (amortized or cloud), set by
# [scenario] cost_basis, not a conflict between inputs.
_BASES = ("amortized_cost", "cloud_cost")


def _basis(way: str) -> str | None:
    """The accounting basis a way reads (amortized or cloud), if any."""
    reads = names_in(way)
    found = [b for b in _BASES if b in reads]
    return found[0] if len(found) == 1 else None


# The three views of a run's cost (docs/model.md), and what each needs beyond chip-hours.
VIEW_NEEDS = {
    "amortized_cost": ("chip_price", "hardware_age"),
    "cloud_cost": ("cloud_price",),
    "acquisition_cost": ("chip_price",),
}


def _unpriced_views(
    resolved: Any, priors: Mapping[str, Prior], noted: set[str], source: str
) -> list[str]:
    """A note per cost view a scenario on a chip leaves out for want of a price or age.

    Without it, a view that neither the chip library nor the pipeline can
    price simply does not appear among the outputs.
    """
    notes = []
    for view, needs in VIEW_NEEDS.items():
        if view in resolved.outputs:
            continue
        lacking = [q for q in needs if q not in priors and q not in resolved.formulas]
        if lacking and not set(lacking) & noted:
            notes.append(
                f"{view} is not computed: {source} gives no {' and no '.join(lacking)} for"
                f" this run; give {' and '.join(lacking)} in [parameters]"
                + (" (or the chip's hardware.price_year)" if "chip_price" in lacking else "")
            )
    return notes


def _check_routes(
    ctx: _Context,
    resolved: Resolved,
    quantities: Mapping[str, Quantity],
    priors: Mapping[str, Prior],
    stated: set[str],
    routes: Mapping[str, str],
    basis: str,
) -> list[str]:
    """Refuse a quantity the file's own inputs give two different ways; notes on fall-backs.

    Two available ways conflict when each reads (through the formulas chosen
    for what they read) inputs the other does not, and all of those are
    ``stated``: given in the file or facts of its chip, not defaults.  Chips x
    hours against compute / (peak x utilization) with the utilization given,
    for ``chip_hours``, say (with a default utilization, chips x hours is the
    rule).  The file then chooses with ``[routes]``.
    """
    table = {**QUANTITIES, **quantities}
    available = set(resolved.formulas) | set(priors)

    def leaves(expr: str) -> set[str]:
        out, todo, seen = set(), list(names_in(expr)), set()
        while todo:
            n = todo.pop()
            if n in seen:
                continue
            seen.add(n)
            if n in priors:
                out.add(n)
            elif n in resolved.formulas:
                todo.extend(names_in(resolved.formulas[n]))
        return out

    conflicts = []
    for name, chosen in resolved.formulas.items():
        q = table.get(name)
        if q is None or name in routes or len(q.ways) < 2:
            continue
        ways = [w for w in q.ways if names_in(w) <= available and name not in names_in(w)]
        for other in ways:
            # amortized against cloud is a choice of accounting basis ([scenario]
            # cost_basis), not a conflict between inputs
            pair = {_basis(chosen), _basis(other)}
            if other == chosen or pair == set(_BASES):
                continue
            a, b = leaves(chosen), leaves(other)
            if a - b and b - a and (a - b) | (b - a) <= stated:
                conflicts.append(
                    f"{name} as {chosen} (from {', '.join(sorted(a - b))}) or as {other}"
                    f" (from {', '.join(sorted(b - a))})"
                )
                break
    if conflicts:
        raise ctx.error(
            "parameters",
            None,
            "the parameters given compute "
            + "; and ".join(conflicts)
            + ': choose each in a [routes] table (quantity = "formula"), or give fewer'
            " parameters",
        )
    notes = []
    route = resolved.formulas.get("final_run_cost")
    used, todo = set(), list(resolved.outputs)
    while todo:  # what the outputs read, through the chosen formulas
        n = todo.pop()
        if n not in used:
            used.add(n)
            todo.extend(names_in(resolved.formulas[n]) if n in resolved.formulas else ())
    if (
        route == "cloud_cost"
        and basis == "amortized"
        and "final_run_cost" in used
        and "amortized_cost" not in available
    ):
        notes.append(
            "final_run_cost is the cloud cost: the amortized cost is not computed (it needs"
            " a chip price and hardware_age); set [scenario] cost_basis = 'cloud' to say so"
        )
    return notes


def _formulas(
    ctx: _Context,
    table: Any,
    priors: dict[str, Prior],
    quantities: dict[str, Quantity],
    given: set[str],
    year: float | None,
) -> None:
    """Scenario formulas: new quantities, or a way to compute a model parameter.

    A model parameter (``project_years``, ``hardware_age``...) or a settable
    model input (``rd_compute_cost``, ``final_run_cost``... see
    ``cost_model.SETTABLE``) may be computed by a formula instead of having a
    prior; the model's own results (``amortized_cost``...) may not be redefined.
    ``scenario_year`` in a formula is the scenario's ``year``, as a constant,
    so a sweep over ``year`` moves it as it moves ``[projection]``.
    """
    if not isinstance(table, Mapping):
        raise ctx.error("formulas", None, "must be a table")
    for key, value in table.items():
        model_q = QUANTITIES.get(key)
        fixed_formula = model_q is not None and model_q.ways and key not in SETTABLE
        if not _IDENT.match(key) or key in given or fixed_formula:
            raise ctx.error(
                "formulas",
                key,
                "needs a new lowercase name or a model parameter not given in [parameters]"
                " (model formulas cannot be redefined)",
            )
        spec = {"formula": value} if isinstance(value, str) else value
        if not isinstance(spec, Mapping) or not isinstance(spec.get("formula"), str):
            raise ctx.error("formulas", key, "expected a string or {formula = '...', units = ...}")
        for k in spec:
            if k not in KEYS["formulas"]:
                hint = suggest(k, KEYS["formulas"])
                raise ctx.error("formulas", key, f"unknown key {k!r}{hint}")
        for k in ("units", "long_name"):
            if k in spec and not isinstance(spec[k], str):
                raise ctx.error("formulas", key, f"{k}: expected a string, got {spec[k]!r}")
        try:
            parse(spec["formula"])
            reads = names_in(spec["formula"])
        except FrontiercostError as err:
            raise ctx.error("formulas", key, str(err)) from None
        if SCENARIO_YEAR in reads:
            if year is None:
                raise ctx.error(
                    "formulas",
                    key,
                    "reads scenario_year, but the scenario has no year: set [scenario] year"
                    " or published",
                )
            spec = {**spec, "formula": _with_year(spec["formula"], year)}
            reads = names_in(spec["formula"])
        if key in reads:  # else "the parameters given support no output"
            raise ctx.error(
                "formulas", key, f"reads {key} itself: a formula computes its name from others"
            )
        unknown = sorted(
            r for r in reads if not any(r in m for m in (QUANTITIES, priors, quantities, table))
        )
        if unknown:  # the union only for the hint: built per formula it is quadratic
            known = set(QUANTITIES) | set(priors) | set(quantities) | set(table)
            raise ctx.error(
                "formulas", key, f"reads unknown {unknown}{suggest(unknown[0], known)}"
            )
        try:  # constant parts are folded now: log(0) or 10 ** 400 fail here, not mid-run
            compile_program(sorted(reads), {key: spec["formula"]}, [key])
        except FrontiercostError as err:
            raise ctx.error("formulas", key, str(err)) from None
        if model_q is not None:
            units = spec.get("units", model_q.units)
            if units != model_q.units:
                raise ctx.error("formulas", key, f"units must be {model_q.units!r}, got {units!r}")
            priors.pop(key, None)  # the formula replaces a default prior
            quantities[key] = Quantity(key, model_q.units, model_q.long_name, (spec["formula"],))
            continue
        quantities[key] = Quantity(
            key, str(spec.get("units", "1")), str(spec.get("long_name", key)), (spec["formula"],)
        )


def _with_year(formula: str, year: float) -> str:
    """``formula`` with ``scenario_year`` written as the number ``year``."""
    return re.sub(rf"\b{SCENARIO_YEAR}\b", repr(float(year)), formula)


def _projection(
    ctx: _Context, table: Any, year: float | None, quantities: dict[str, Quantity]
) -> None:
    if not table:
        return
    _check_keys(ctx, "projection", table)
    years = table.get("years", [])
    if not isinstance(years, list) or not years or not all(isinstance(y, int) for y in years):
        raise ctx.error("projection", "years", "must be a non-empty list of integer years")
    if year is None:
        raise ctx.error("scenario", "year", "required with [projection]: years count from it")
    bad = [y for y in years if not YEARS[0] <= y <= YEARS[1]]
    if bad:
        raise ctx.error(
            "projection",
            "years",
            f"{bad[0]} is not a year from {YEARS[0]} to {YEARS[1]} (projections count from"
            f" the scenario's year, {year:g})",
        )
    if len(set(years)) != len(years):
        raise ctx.error("projection", "years", "a year is given twice")
    for target in years:
        name = f"projected_cost_{target}"
        quantities[name] = Quantity(
            name,
            "USD",
            f"projected final-run cost in {target}",
            (f"final_run_cost * growth_rate ** ({target} - {float(year)!r})",),
        )


def _correlations(
    ctx: _Context,
    rows: Any,
    priors: dict[str, Prior],
    resolved: Resolved,
    streams: Mapping[str, str],
    members: Sequence[Member],
) -> dict[tuple[str, str], float]:
    """``[[correlation]]``: pairs of parameters the scenario draws, each with its rank.

    A name the scenario computes (a prior a given parameter shadows, a routed
    quantity), one that no output reads, and a fleet's chip-level copy (whose
    stream the other copies share) are refused: a correlation with them could
    not act as written.
    """
    out: dict[tuple[str, str], float] = {}
    seen: dict[frozenset[str], int] = {}
    drawn = set(needed_inputs(resolved))
    if not isinstance(rows, list):
        raise ctx.error("correlation", None, "use [[correlation]] tables")
    for i, row in enumerate(rows):
        _check_keys(ctx, "correlation", row, i)
        pair, rank = row.get("between"), row.get("rank")
        known = set(priors) | set(resolved.formulas)
        if not (
            isinstance(pair, list)
            and len(pair) == 2
            and all(isinstance(p, str) and p in known for p in pair)
        ):
            raise ctx.error(
                "correlation",
                "between",
                f"needs two parameter names of this scenario, got {pair!r}",
                i,
            )
        if pair[0] == pair[1]:
            raise ctx.error("correlation", "between", "a parameter with itself", i)
        for p in pair:
            if p not in priors:
                way = resolved.formulas[p]
                reads = ", ".join(sorted(names_in(way)))
                as_ = f" (as {way})" if way != reads else ""
                raise ctx.error(
                    "correlation",
                    "between",
                    f"{p} is computed from {reads}{as_}, not drawn: a correlation with it"
                    " cannot act; name a parameter this scenario draws",
                    i,
                )
        fixed = [p for p in pair if isinstance(priors[p], Fixed)]
        if fixed:
            raise ctx.error(
                "correlation",
                "between",
                f"{fixed[0]} is fixed (one value): a correlation with it cannot act;"
                " give it an uncertain prior or drop the correlation",
                i,
            )
        unread = [p for p in pair if p not in drawn]
        if unread:
            raise ctx.error(
                "correlation",
                "between",
                f"{unread[0]} is not drawn: no output of this scenario reads it (what it"
                " feeds is given or computed another way), so a correlation with it cannot"
                " act; drop the correlation",
                i,
            )
        for p in pair:
            if p in streams:
                base = streams[p]
                label = p.removeprefix(base + "_")
                copies = [m.name(base) for m in members]
                raise ctx.error(
                    "correlation",
                    "between",
                    f"{p} is chip type {label}'s copy of {base}, and the fleet's copies of"
                    f" {base} ({', '.join(copies)}) share one random stream (each draw takes"
                    " the same percentile of each): a correlation with one copy would break"
                    f" its link with the others; correlate other inputs, or give one {base}"
                    " without a label in [parameters] (every chip type then reads it) and"
                    " correlate that",
                    i,
                )
        if not _is_number(rank) or not -1 < rank < 1:
            raise ctx.error("correlation", "rank", f"must lie in (-1, 1), got {rank!r}", i)
        key = frozenset(pair)
        if key in seen:
            raise ctx.error(
                "correlation",
                "between",
                f"{pair} is given twice (also [[correlation]] number {seen[key] + 1})",
                i,
            )
        seen[key] = i
        out[(pair[0], pair[1])] = float(rank)
    if out:
        try:
            copula_factor(out, [n for n in priors if n in drawn])
        except FrontiercostError as err:
            msg = str(err).removeprefix("correlations: ")
            raise ctx.error("correlation", None, msg) from None
    return out
