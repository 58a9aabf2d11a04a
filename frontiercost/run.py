"""Running: the one module that joins scenarios, the engine, inference and results.

``simulate``, ``sweep``, ``condition`` and ``evaluate`` resolve what is run
once (:class:`RunSpec`), take their settings as objects
(:class:`~frontiercost.settings.Sampling`, :class:`~frontiercost.settings.Keep`,
an executor, :class:`~frontiercost.settings.Limits`) or as today's keywords
(``draws=``, ``store=``, ``workers=``...; :func:`settings_from`), check every
bound before any work (:func:`check_bounds`), run jobs on the executor and
hand the engine's arrays to :mod:`frontiercost.results`.  An option that does
not apply to a run is an error, never silently dropped.
"""

from __future__ import annotations

import gc
import json
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xarray as xr

from .engine import (
    HIST_BYTES,
    DaskExecutor,
    EngineResult,
    Job,
    LocalExecutor,
    evaluate_columns,
    overflowing_inputs,
    plan_run,
)
from .errors import ConditioningWarning, ScenarioWarning, SimulationError, scenario_note
from .model import Correlations, Model, Quantity
from .model.evidence import Observation
from .priors import Fixed, Prior
from .results import files
from .results.stores import CHUNK, Layout, template_data, write_skeleton
from .results.trees import stored_tree, streaming_tree
from .scenarios import Scenario, load_scenario
from .scenarios.scenario import check_given_prior
from .settings import Keep, Limits, Sampling, format_size

if TYPE_CHECKING:
    from .inference.condition import Problem

Executor = LocalExecutor | DaskExecutor
Progress = Callable[[int, int], None]

_SAMPLING_KEYS = ("draws", "chains", "seed", "sampler", "block_size")
_KEEP_KEYS = {"store": "store", "store_inputs": "inputs", "thresholds": "thresholds",
              "out": "out", "overwrite": "overwrite"}  # fmt: skip
_DASK_KEYS = ("client", "workers", "scheduler", "threads_per_worker", "task_draws", "retries")
_SPEC_KEYS = ("correlations", "scenario_text")


# ------------------------------------------------------------------ what is run


@dataclass(frozen=True)
class RunSpec:
    """What a run samples, resolved once from a scenario, a name, a path or a bare model.

    Attributes
    ----------
    name, title : str
        For datasets and messages.
    model : Model
        Inputs, outputs and how to compute them.
    priors : dict
        A prior for every input of ``model``.
    correlations : mapping, optional
        Rank correlations between inputs.
    scenario_text : str, optional
        The scenario file's text, recorded with the run.
    scenario : Scenario, optional
        The scenario it came from.
    streams : mapping, optional
        Inputs that share another's random stream (a fleet's copies of one
        quantity; :func:`frontiercost.engine.plan.plan_run`).
    """

    name: str
    title: str
    model: Model
    priors: dict[str, Prior]
    correlations: Correlations | None = None
    scenario_text: str | None = None
    scenario: Scenario | None = field(default=None, compare=False)
    streams: Mapping[str, str] = field(default_factory=dict)
    replaced: tuple[str, ...] = ()  # inputs whose scenario prior ``priors=`` replaced

    @classmethod
    def of(
        cls,
        what: Model | Scenario | str | Path | Mapping[str, Any] | RunSpec,
        priors: Mapping[str, Any] | None = None,
        *,
        correlations: Correlations | None = None,
        scenario_text: str | None = None,
        derived: Mapping[str, Quantity] | None = None,
    ) -> RunSpec:
        """Resolve ``what``; ``priors`` replace a scenario's of the same name.

        ``derived``: further outputs of a scenario, each a quantity with one
        formula of what the scenario computes (e.g.
        :func:`frontiercost.model.share_outputs`, the split of a cost that a
        streaming run can then report).

        Raises
        ------
        SimulationError
            A bare model without priors, or a prior for a name that is not an input.
        ScenarioError
            A scenario that does not load.
        """
        if isinstance(what, RunSpec):
            if priors is None and correlations is None and scenario_text is None and not derived:
                return what
            what = what.scenario if what.scenario is not None else what.model
        if isinstance(what, Model):
            if derived:
                raise SimulationError("derived: outputs can be added to a scenario, not a Model")
            if priors is None:
                raise SimulationError("simulate: a bare Model needs priors for its inputs")
            given = _as_priors(priors, {})
            return cls(what.name, what.name, what, given, correlations or None, scenario_text)
        sc = what if isinstance(what, Scenario) else load_scenario(what)
        model = sc.model(derived=derived)
        extra = [n for n in (priors or {}) if n not in model.inputs]
        if extra:
            raise SimulationError(
                f"priors: {', '.join(map(str, extra))} is not an input of scenario {sc.name!r};"
                f" inputs: {', '.join(model.inputs)}"
            )
        own = sc.input_priors()
        given = _as_priors(priors or {}, {n: p.unit for n, p in own.items()})
        for name, prior in given.items():
            check_given_prior(name, prior)
        used = {**own, **given}
        if correlations is None and sc.correlations:
            correlations = {p: r for p, r in sc.correlations.items() if set(p) <= set(used)}
        text = scenario_text if scenario_text is not None else sc.text
        streams = {n: q for n, q in sc.streams.items() if n in model.inputs}
        return cls(
            sc.name, sc.title, model, used, correlations or None, text, sc, streams, tuple(given)
        )

    @property
    def observations(self) -> tuple[Observation, ...]:
        """The scenario's ``[[observe]]`` evidence (none for a bare model)."""
        return self.scenario.observations if self.scenario is not None else ()


def _as_priors(priors: Mapping[str, Any], units: Mapping[str, str]) -> dict[str, Prior]:
    """``priors`` as Prior objects: each value a Prior, or what a scenario file
    accepts for a parameter (a number, a prior-library name, a prior table),
    in the unit of the input it replaces (``units``; a bare model's come
    from the value itself)."""
    from .scenarios.specs import build_prior, own_unit

    out: dict[str, Prior] = {}
    for name, value in priors.items():
        if not isinstance(name, str):
            raise SimulationError(f"priors: keys are input names (str), got {name!r}")
        if isinstance(value, Prior):
            out[name] = value
            continue
        unit = units.get(name)
        if unit is None:  # a bare model: the value's own unit, else a pure number's
            unit = own_unit(value)
        out[name] = build_prior(f"priors[{name!r}]", name, value, unit)
    return out


# ------------------------------------------------------------------ settings


def settings_from(
    options: Mapping[str, Any],
    *,
    sampling: Sampling | None = None,
    keep: Keep | None = None,
    executor: Executor | None = None,
    where: str = "simulate",
) -> tuple[Sampling, Keep, Executor, dict[str, Any]]:
    """Settings objects from today's keywords (``draws=``, ``store=``, ``workers=``...).

    A keyword may not be given together with the object it belongs to
    (``draws=`` with ``sampling=``), and an unknown keyword is an error naming
    the accepted ones.  Returns the settings and the run-spec keywords
    (``correlations``, ``scenario_text``).
    """
    opts = dict(options)
    for name, value, cls in (("sampling", sampling, Sampling), ("keep", keep, Keep)):
        if value is not None and not isinstance(value, cls):
            raise SimulationError(
                f"{name}: expected a frontiercost.{cls.__name__}(...), got {type(value).__name__}"
            )
    if opts.get("client") is not None and not hasattr(opts["client"], "submit"):
        raise SimulationError(
            f"client: expected a distributed.Client, got {type(opts['client']).__name__}"
        )
    known = (*_SAMPLING_KEYS, *_KEEP_KEYS, *_DASK_KEYS, "threads", *_SPEC_KEYS)
    unknown = [k for k in opts if k not in known]
    if unknown:
        raise SimulationError(
            f"{where}: unknown keyword {unknown[0]!r}; accepted: sampling, keep, executor,"
            f" progress, limits, {', '.join(known)}"
        )
    s_opts = {k: opts.pop(k) for k in _SAMPLING_KEYS if k in opts}
    if sampling is not None and s_opts:
        raise SimulationError(f"{where}: give {', '.join(s_opts)} in sampling=, not beside it")
    sampling = sampling if sampling is not None else Sampling(**s_opts)
    k_opts = {_KEEP_KEYS[k]: opts.pop(k) for k in list(_KEEP_KEYS) if k in opts}
    if keep is not None and k_opts:
        raise SimulationError(f"{where}: give {', '.join(k_opts)} in keep=, not beside it")
    keep = keep if keep is not None else Keep(**k_opts)
    d_opts = {k: opts.pop(k) for k in _DASK_KEYS if k in opts and opts[k] is not None}
    for k in _DASK_KEYS:
        opts.pop(k, None)  # None means "not given"
    threads = opts.pop("threads", None)
    if executor is not None and (d_opts or threads is not None):
        given = [*d_opts, *(["threads"] if threads is not None else [])]
        raise SimulationError(f"{where}: give {', '.join(given)} in executor=, not beside it")
    if executor is None:
        if d_opts:
            if not {"client", "workers", "scheduler"} & set(d_opts):
                raise SimulationError(
                    f"{where}: {', '.join(d_opts)} applies to dask runs; give workers,"
                    " scheduler or client too"
                )
            executor = DaskExecutor(**d_opts, **({} if threads is None else {"threads": threads}))
        else:
            executor = LocalExecutor(threads)
    if not isinstance(executor, LocalExecutor | DaskExecutor):
        raise SimulationError(
            f"executor: expected LocalExecutor or DaskExecutor, got {type(executor).__name__}"
        )
    return sampling, keep, executor, opts


def limits_of(limits: Limits | None) -> Limits:
    """``limits``, or the defaults (``Limits()``); another type is an error naming it."""
    if limits is None:
        return Limits()
    if not isinstance(limits, Limits):
        raise SimulationError(
            f"limits: expected a frontiercost.Limits(...), got {type(limits).__name__}"
        )
    return limits


def check_progress(progress: Any) -> None:
    """Refuse a ``progress`` that cannot be called as ``progress(done, total)``."""
    if progress is not None and not callable(progress):
        raise SimulationError(
            f"progress: expected a function progress(done, total), got {progress!r}"
        )


# ------------------------------------------------------------------ bounds


def check_bounds(
    jobs_draws: Sequence[int],
    bytes_per_draw: Sequence[int],
    sampling: Sampling,
    keep: Keep,
    limits: Limits,
    *,
    what: str = "the run",
    conditioning: bool = False,
    sweep: bool = False,
) -> bool:
    """Decide, before any work, whether a stored run fits in memory.

    ``sweep``: the points of a sweep, whose draws are held together before
    its file is written (never block by block).

    Returns ``True`` when the draws fit within ``limits.memory_bytes`` (held
    in memory), ``False`` when they must be written block by block into
    ``keep.out``.

    Raises
    ------
    SimulationError
        When the run is too large to hold and has no file to write into, or
        its estimated time exceeds ``limits.seconds``; the message gives the
        figure and the setting or flag that would make it work.
    """
    total = sum(jobs_draws)
    limits.check_time(total, what)
    if not keep.store:
        return True
    need = sum(n * b for n, b in zip(jobs_draws, bytes_per_draw, strict=True))
    if sweep:
        # its points' draws, joined into one tree, built into a netCDF file (the
        # sweep's out is not the points' keep.out): measured 2.7 times the draws
        held = 3 * need
    elif keep.out is not None and keep.out.suffix.lower() != ".zarr":
        held = 2 * need  # a netCDF file is built in memory before it is written
    else:
        held = need
    if held <= limits.memory_bytes:
        return True
    if keep.out is not None and not conditioning:
        return False
    if conditioning:
        per_draw = need / max(total, 1)
        fits = int(limits.memory_bytes // per_draw) // max(sampling.chains, 1)
        raise SimulationError(
            f"{what}: conditioning weighs every draw in memory: {total:,} draws need"
            f" {format_size(need)}, more than the memory budget of"
            f" {format_size(limits.memory_bytes)}; use at most {fits:,} draws per chain"
            " (--draws), or raise the budget (--memory, limits=Limits(memory_bytes=...),"
            " FRONTIERCOST_MEMORY)"
        )
    if sweep:
        per_point = max(len(jobs_draws), 1) * max(sampling.chains, 1)
        fits = int(limits.memory_bytes // max(held / max(total, 1), 1)) // per_point
        fewer = f"at most {fits:,} draws per chain (--draws)" if fits else "fewer draws"
        raise SimulationError(
            f"{what}: a sweep holds its points' draws in memory, also when it has a file"
            f" to write: {total:,} draws need {format_size(held)}, more than the memory"
            f" budget of {format_size(limits.memory_bytes)}; keep summaries instead"
            f" (summary_only=True; sweep --summary), sweep fewer points or {fewer}, or"
            " raise the budget (--memory, limits=Limits(memory_bytes=...),"
            " FRONTIERCOST_MEMORY)"
        )
    # "stream instead" named `frontiercost run` without --out, which is what a run
    # refused here often was: the command line streams only above STORE_LIMIT draws
    fits = int(limits.memory_bytes // max(need / max(total, 1), 1)) // max(sampling.chains, 1)
    fewer = f"use at most {fits:,} draws per chain (--draws), " if fits else ""
    raise SimulationError(
        f"{what}: storing {total:,} draws needs {format_size(need)}, more than the"
        f" memory budget of {format_size(limits.memory_bytes)}; {fewer}write the draws to"
        " a file (out='run.nc' or .zarr, --out: written block by block), stream instead"
        " (store=False), or raise the budget (--memory, limits=Limits(memory_bytes=...),"
        " FRONTIERCOST_MEMORY)"
    )


# What a command does with a stored run's draws holds this many times the draws
# at its peak (measured above the process's start, gpt-4 at 5e5-2e6 draws:
# report 380 B a draw, sensitivity --method rank 375 B, against the 208 B
# stored).
HELD = {"the report": 2.0, "ranking the draws": 2.0}


def check_held(spec: RunSpec, sampling: Sampling, limits: Limits, doing: str) -> None:
    """Refuse, before any work, a run whose stored draws ``doing`` holds ``HELD[doing]``
    times over, beyond ``limits.memory_bytes``.

    Raises
    ------
    SimulationError
        With the estimate, the budget and the draws per chain that fit.
    """
    per_draw = HELD[doing] * 8 * (len(spec.model.outputs) + len(spec.model.inputs))
    need = per_draw * sampling.total
    if need <= limits.memory_bytes:
        return
    fits = int(limits.memory_bytes // per_draw) // max(sampling.chains, 1)
    fix = f"use at most {fits:,} draws per chain (--draws), or " if fits else ""
    raise SimulationError(
        f"{spec.name}: {doing} holds its {sampling.total:,} stored draws about"
        f" {HELD[doing]:g} times over: {format_size(need)}, more than the memory budget of"
        f" {format_size(limits.memory_bytes)}; {fix}raise the budget (--memory,"
        " limits=Limits(memory_bytes=...), FRONTIERCOST_MEMORY)"
    )


# ------------------------------------------------------------------ simulate


def simulate(
    what: Model | Scenario | str | Path | Mapping[str, Any] | RunSpec,
    priors: Mapping[str, Any] | None = None,
    *,
    sampling: Sampling | None = None,
    keep: Keep | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
    limits: Limits | None = None,
    strict: bool = False,
    **options: Any,
) -> xr.DataTree:
    """Sample a scenario or model and return an ArviZ-layout ``xarray.DataTree``.

    A scenario with ``[[observe]]`` evidence is conditioned on it
    (:func:`condition`): the tree then also has ``prior``, ``observed_data``,
    ``log_likelihood``, ``log_prior`` and ``sample_stats``.  ``priors`` then
    replace scenario priors before conditioning, and ``out`` is written once
    conditioning is done; options it cannot honour (streaming, thresholds,
    another sampler, dask, ``correlations``, ``progress``) are refused.

    Parameters
    ----------
    what : Scenario, str, path, mapping, RunSpec or Model
        A scenario (loaded, a built-in name, a file path, or a mapping read
        as :meth:`Scenario.from_dict` reads it), or a bare model.
    priors : mapping of str to Prior, number, str or dict, optional
        A prior for every input of a bare model; a scenario brings its own
        (given here, they replace the scenario's of the same name).  Besides
        a :class:`~frontiercost.priors.Prior`, a value may be what a scenario
        file takes: a number (fixed), a prior-library name
        (``"utilization_final_run_epoch"``) or a prior table
        (``{"family": "beta", "p5": 0.3, "p95": 0.5}``), in the input's unit.
    sampling : Sampling, optional
        Draws, chains, seed, sampler and block size (default ``Sampling()``:
        4 chains of 10,000 draws, seed 0, ``"mc"``).
    keep : Keep, optional
        Store or stream, inputs, thresholds, and an output file.
    executor : LocalExecutor or DaskExecutor, optional
        Where the draws run (default: local threads).
    progress : callable, optional
        ``progress(done, total)`` as draws complete, on either executor; the
        result is the same bits with or without it.
    limits : Limits, optional
        Memory and time bounds checked before any work (default: ``Limits()``).
    strict : bool
        Raise when an output has NaN or infinite draws.  Either way the tree
        records them (root attribute ``nonfinite``, JSON, and each
        variable's ``nonfinite_draws``) and a
        :class:`~frontiercost.errors.NonFiniteWarning` is issued.
    **options
        Today's keywords, as a shorthand for the objects above: ``draws``,
        ``chains``, ``seed``, ``sampler``, ``block_size`` (Sampling);
        ``store``, ``store_inputs``, ``thresholds``, ``out``, ``overwrite``
        (Keep); ``threads`` (either executor); ``client``, ``workers``,
        ``scheduler``, ``threads_per_worker``, ``task_draws``, ``retries``
        (a DaskExecutor); ``correlations`` (``{("a", "b"): rho}``) and
        ``scenario_text`` (the RunSpec).

    Returns
    -------
    xarray.DataTree
        Group ``posterior`` (stored) or ``streaming``; root attributes record
        scenario, seed, sampler, version and time.

    Raises
    ------
    FrontiercostError
        Any bad input, before any sampling.
    """
    sampling, keep, executor, spec_kw = settings_from(
        options, sampling=sampling, keep=keep, executor=executor
    )
    limits = limits_of(limits)
    check_progress(progress)
    if keep.store and keep.thresholds:  # nothing silently dropped
        raise SimulationError(
            "thresholds: counted by streaming runs (store=False); a stored run keeps its"
            " draws: frontiercost.exceedance(tree, var, thresholds)"
        )
    spec = RunSpec.of(what, priors, **spec_kw)
    notes = spec.scenario.notes if spec.scenario is not None else ()
    for note in notes:  # switches the file did not state: never silent
        warnings.warn(ScenarioWarning(scenario_note(spec.name, note)), stacklevel=2)
    if spec.observations:
        bad = {
            "correlations": spec_kw.get("correlations") is not None,
            "store=False": not keep.store,
            f"sampler={sampling.sampler!r}": sampling.sampler != "mc",
            "a dask executor": isinstance(executor, DaskExecutor),
            "thresholds": bool(keep.thresholds),
            "progress": progress is not None,
        }
        asked = [k for k, v in bad.items() if v]
        if asked:
            raise SimulationError(
                f"{spec.name}: a scenario with [[observe]] evidence is conditioned "
                f"(stored Monte Carlo draws, then importance sampling or MCMC); "
                f"not available with {', '.join(asked)}"
            )
        if keep.out is not None:  # before any sampling, as for a plain run
            files.check_out(keep.out, flag="out", overwrite=keep.overwrite)
            if keep.out.suffix.lower() == ".zarr":
                files.zarr_needed("out", keep.out)
        tree = condition(
            spec, sampling=sampling, threads=getattr(executor, "threads", None), limits=limits
        )
    else:
        overflow: dict[str, float] = {}
        tree = _run(
            [spec], sampling, keep, executor, progress, limits, overflow=overflow, strict=strict
        )[0]
        warn_overflow(spec.name, overflow)
    tree.attrs["notes"] = json.dumps(list(notes))
    tree = check_finite(tree, strict, fresh=not spec.observations)
    if spec.observations and keep.out is not None:  # a plain run wrote its file as it ran
        files.write_tree(tree, keep.out)
    return tree


def check_finite(
    tree: xr.DataTree, strict: bool = False, what: str = "", *, fresh: bool = False
) -> xr.DataTree:
    """Record the run's NaN and infinite output draws in ``tree``; warn, or raise if ``strict``.

    ``fresh``: ``tree`` was just returned by :func:`_run`, so a ``nonfinite``
    attribute it has was counted by the engine as it drew (see :func:`_nonfinite`).

    Raises
    ------
    NonFiniteError
        With ``strict``, naming each output and how many of its draws are not finite.
    """
    import json

    from .errors import NonFiniteError, NonFiniteWarning
    from .results.view import describe_nonfinite, view

    run = view(tree)
    counts = _nonfinite(tree, fresh)
    tree.attrs["nonfinite"] = json.dumps(counts)
    if not counts:
        return tree
    group = tree[run.group] if run.stored else None
    for name, c in counts.items():
        if group is not None and name in group.data_vars:
            group[name].attrs["nonfinite_draws"] = c["nan"] + c["inf"]
    label = what or str(tree.attrs.get("model", "run"))
    text = f"{label}: outputs with draws that are not finite numbers: " + describe_nonfinite(
        counts, run.settings["total_draws"]
    )
    if strict:
        raise NonFiniteError(text + " (strict)")
    warnings.warn(NonFiniteWarning(text), stacklevel=3)
    return tree


def overflow_text(what: str, overflow: Mapping[str, float]) -> str:
    """One line naming the inputs whose prior's draws overflow, and the share of them."""
    parts = [f"{name}: {_share(s)} of its draws" for name, s in sorted(overflow.items())]
    return (
        f"{what}: inputs whose prior gives draws beyond float64's range (infinite or NaN): "
        + "; ".join(parts)
        + "; outputs computed from them are not finite, or finite and wrong: narrow"
        " the prior, or give the input in a larger unit"
    )


def _share(s: float) -> str:
    return f"{100 * s:.3g} %" if s >= 1e-3 else f"1 in {1 / s:.2g}"


def warn_overflow(what: str, overflow: Mapping[str, float]) -> None:
    """Warn about the inputs ``_run`` found in ``overflow`` (if any)."""
    if overflow:
        from .errors import NonFiniteWarning

        warnings.warn(NonFiniteWarning(overflow_text(what, overflow)), stacklevel=3)


def _out_for(keep: Keep, executor: Executor) -> None:
    if keep.out is not None and keep.out.suffix.lower() == ".zarr":
        from .results.files import zarr_needed

        zarr_needed("out", keep.out)


def _run(
    specs: Sequence[RunSpec],
    sampling: Sampling,
    keep: Keep,
    executor: Executor,
    progress: Progress | None,
    limits: Limits,
    *,
    kind: str = "run",
    overflow: dict[str, float] | None = None,
    strict: bool = False,
) -> list[xr.DataTree]:
    """Plan, bound-check, run and assemble one tree per spec (``keep.out``: one spec).

    ``overflow`` gains the inputs whose priors give draws that are not finite
    (the largest share over the specs), for the caller to report once; with
    ``strict`` such an input is refused before sampling.
    """
    if keep.out is not None:
        if len(specs) != 1:
            raise SimulationError("out: a file holds one run")
        files.check_out(keep.out, flag="out", kind=kind, overwrite=keep.overwrite)
        _out_for(keep, executor)
    plans = [plan_run(s.model, s.priors, sampling, s.correlations, s.streams) for s in specs]
    if overflow is not None:
        for plan in plans:
            for name, share in overflowing_inputs(plan).items():
                overflow[name] = max(overflow.get(name, 0.0), share)
        if strict and overflow:
            from .errors import NonFiniteError

            what = specs[0].name if len(specs) == 1 else f"{len(specs)} runs"
            raise NonFiniteError(overflow_text(what, overflow) + " (strict)")
    jobs = [
        Job.make(p, s.priors, store=keep.store, inputs=keep.inputs, thresholds=keep.thresholds)
        for p, s in zip(plans, specs, strict=True)
    ]
    what = (
        f"a sweep of {len(specs)} points"
        if kind == "sweep"
        else specs[0].name
        if len(specs) == 1
        else f"{len(specs)} runs"
    )
    totals = [j.plan.total for j in jobs]
    in_memory = check_bounds(
        totals,
        [j.bytes_per_draw for j in jobs],
        sampling,
        keep,
        limits,
        what=what,
        sweep=kind == "sweep",
    )
    if kind != "sweep":  # sweep() watches all its points at once
        progress = limits.watch(progress, sum(totals), what)  # a run slower than estimated
    if keep.store and keep.out is not None and keep.out.suffix.lower() != ".zarr":
        layout = _layout(specs[0], jobs[0], sampling)
        files.check_room(keep.out, 8 * len(layout.names) * layout.chains * layout.draws)
    record = {**sampling.record(), "correlations": None}
    if keep.store and (not in_memory or _direct_zarr(keep, executor)):
        return [_run_to_file(specs[0], jobs[0], sampling, keep, executor, progress, limits)]
    results = executor.run(jobs, progress)
    trees = [
        _tree(s, j, r, {**record, "correlations": s.correlations, "replaced_priors": s.replaced})
        for s, j, r in zip(specs, jobs, results, strict=True)
    ]
    if keep.out is not None:
        files.write_tree(trees[0], keep.out)
    return trees


def _layout(spec: RunSpec, job: Job, sampling: Sampling) -> Layout:
    """The variables of draws a stored run's file holds (fixed inputs are constants)."""
    model = spec.model
    fixed = [n for n in model.inputs if isinstance(spec.priors[n], Fixed)]
    return Layout.of(
        model.output_names,
        model.inputs if job.inputs else (),
        sampling.chains,
        sampling.draws,
        skip=fixed,
    )


def _direct_zarr(keep: Keep, executor: Executor) -> bool:
    """Dask workers write a stored run's Zarr output themselves."""
    return (
        isinstance(executor, DaskExecutor)
        and keep.out is not None
        and keep.out.suffix.lower() == ".zarr"
    )


def _tree(spec: RunSpec, job: Job, result: EngineResult, record: dict[str, Any]) -> xr.DataTree:
    used = {n: spec.priors[n] for n in spec.model.inputs}
    if job.store:
        return stored_tree(spec.model, used, result, record, spec.scenario_text)
    return streaming_tree(spec.model, used, result, record, spec.scenario_text)


def _run_to_file(
    spec: RunSpec,
    job: Job,
    sampling: Sampling,
    keep: Keep,
    executor: Executor,
    progress: Progress | None,
    limits: Limits,
) -> xr.DataTree:
    """A stored run written block by block into ``keep.out``; returns it opened lazily.

    A local run computes and writes pieces of at most half the memory budget
    (``sink_piece``) and records its NaN and infinite draws in the file, as an
    in-memory run does; the tree returned reads each variable from the file
    when asked, without keeping it (a summary holds one variable at a time).
    """
    assert keep.out is not None
    if isinstance(executor, DaskExecutor) and keep.out.suffix.lower() != ".zarr":
        raise SimulationError(
            f"out: dask workers write stored draws larger than memory into Zarr; give a"
            f" .zarr path instead of {str(keep.out)!r}"
        )
    model = spec.model
    layout = _layout(spec, job, sampling)
    record = {
        **sampling.record(),
        "correlations": spec.correlations,
        "replaced_priors": spec.replaced,
    }
    used = {n: spec.priors[n] for n in model.inputs}
    data = template_data(layout)
    template = stored_tree(
        model,
        used,
        EngineResult(
            outputs={n: data[n] for n in model.output_names},
            # fixed inputs go to constant_data: any placeholder stands for their draws
            inputs={n: data.get(n, data[model.output_names[0]]) for n in model.inputs}
            if job.inputs
            else {},
        ),
        record,
        spec.scenario_text,
    )
    zarr = keep.out.suffix.lower() == ".zarr"
    piece = sink_piece(limits.memory_bytes, job.bytes_per_draw, whole_chunks=zarr)
    with files.staged(keep.out) as tmp:
        sink = write_skeleton(template, tmp, layout, zarr=zarr, piece=piece)
        try:
            (result,) = executor.run([replace(job, sink=sink)], progress)
        except BaseException:
            sink.close()
            raise
        nonfinite = result.nonfinite
        if nonfinite is None:  # dask workers wrote it: count what they wrote
            nonfinite = _nonfinite_in(tmp, zarr)
        sink.finish(nonfinite)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*[Cc]onsolidated metadata")
        return xr.open_datatree(keep.out, engine="zarr" if zarr else "h5netcdf", cache=False)


def sink_piece(memory_bytes: int, bytes_per_draw: int, *, whole_chunks: bool = False) -> int:
    """Draws a local run written to a file computes at once: half the memory budget,
    from 4,096 (a budget below that piece is not honoured) to 1,048,576 draws.

    ``whole_chunks`` (Zarr, which compresses each chunk: a chunk written in 16
    pieces was compressed 16 times, 99.8 s instead of 6 s for 4e6 GPT-4 draws)
    makes it a multiple of a chunk's draws, at least one chunk.
    """
    draws = memory_bytes // (2 * max(bytes_per_draw, 1))
    if draws >= CHUNK or whole_chunks:  # whole chunks of the file where the budget allows
        draws = max(CHUNK, draws - draws % CHUNK)
    return max(4096, min(1 << 20, draws))


def _nonfinite_in(path: Path, zarr: bool) -> dict[str, dict[str, int]]:
    """NaN and infinite draws per output of a stored run's file, one variable at a time."""
    from .results.view import nonfinite_counts, view

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*[Cc]onsolidated metadata")
        engine = "zarr" if zarr else "h5netcdf"
        with xr.open_datatree(path, engine=engine, cache=False) as tree:
            return nonfinite_counts(view(tree))


# ------------------------------------------------------------------ conditioning


def condition(
    scenario: Scenario | str | Path | Mapping[str, Any] | RunSpec,
    *,
    sampling: Sampling | None = None,
    method: str = "auto",
    observations: Sequence[Observation] | None = None,
    warmup: int | None = None,
    thin: int | None = None,
    max_is_draws: int = 1 << 22,
    threads: int | None = None,
    limits: Limits | None = None,
    **options: Any,
) -> xr.DataTree:
    """Condition a scenario on its ``[[observe]]`` evidence; return prior and posterior.

    Method (:mod:`frontiercost.inference.condition`): prior draws (a plain
    stored run with inputs: group ``prior``), importance sampling with
    Pareto-smoothed weights, growing the importance sample along the same
    streams while its diagnostics fail, and adaptive Metropolis when they
    still fail (``method="auto"``).  Failing diagnostics never pass silently:
    the root records ``diagnostics_ok = 0`` and a
    :class:`~frontiercost.errors.ConditioningWarning` is raised.

    Parameters
    ----------
    scenario : Scenario, str, path, mapping or RunSpec
        A loaded scenario, a built-in name or a file path.
    sampling : Sampling, optional
        Prior draws per chain, chains and seed (``"mc"`` sampler); the
        posterior has the same ``(chain, draw)`` shape.  ``draws``,
        ``chains`` and ``seed`` may be given as keywords instead.
    method : {"auto", "is", "mcmc"}
        ``"auto"``: importance sampling, switching to MCMC when its weights are
        unreliable; ``"is"`` or ``"mcmc"`` force one.
    observations : sequence of Observation, optional
        Evidence to use instead of the scenario's own ``[[observe]]`` tables.
    warmup, thin : int, optional
        MCMC warm-up iterations and iterations per kept draw.
    max_is_draws : int
        Largest importance sample before MCMC takes over.
    threads : int, optional
        Numba threads for the prior draws; never changes the result.
    limits : Limits, optional
        Memory and time bounds of the prior draws (default: ``Limits()``).

    Returns
    -------
    xarray.DataTree
        Groups ``prior``, ``posterior``, ``observed_data``, ``log_likelihood``,
        ``log_prior``, ``sample_stats``.

    Raises
    ------
    SimulationError
        No observations, an unknown method, an observation of a quantity the
        scenario does not compute, or evidence no prior draw is consistent with.

    Warns
    -----
    ConditioningWarning
        When the diagnostics of the method used fail.
    """
    from .inference.condition import check_method, condition_draws
    from .results.conditioned import conditioned_tree

    s_opts = {k: options.pop(k) for k in ("draws", "chains", "seed") if k in options}
    if options:
        raise SimulationError(
            f"condition: unknown keyword {next(iter(options))!r}; accepted: sampling, draws,"
            " chains, seed, method, observations, warmup, thin, max_is_draws, threads, limits"
        )
    if sampling is not None and s_opts:
        raise SimulationError(f"condition: give {', '.join(s_opts)} in sampling=, not beside it")
    sampling = sampling if sampling is not None else Sampling(**s_opts)
    if sampling.sampler != "mc":
        raise SimulationError(
            f"sampler: conditioning draws its prior with the 'mc' sampler, got"
            f" {sampling.sampler!r}"
        )
    check_method(method, warmup, thin, max_is_draws)
    spec = RunSpec.of(scenario)
    problem = _problem(spec, observations)
    executor = LocalExecutor(threads)
    limits = limits_of(limits)
    rows = len(problem.model.outputs) + len(problem.model.inputs)
    check_bounds(
        [sampling.total], [8 * rows * 3], sampling, Keep(), limits, what=spec.name,
        conditioning=True,
    )  # fmt: skip
    prior_spec = replace(spec, model=problem.model, priors=problem.priors,
                         correlations=problem.correlations)  # fmt: skip
    prior_tree = _run([prior_spec], sampling, Keep(store=True, inputs=True), executor, None,
                      limits)[0]  # fmt: skip
    prior = {str(n): v.values for n, v in prior_tree["posterior"].data_vars.items()}
    result = condition_draws(
        problem,
        prior,
        sampling,
        method=method,
        warmup=warmup,
        thin=thin,
        max_is_draws=max_is_draws,
        threads=threads,
    )
    sc = spec.scenario
    refs = {n: (r.value, r.source) for n, r in sc.reference.items()} if sc is not None else {}
    tree = conditioned_tree(prior_tree, result, problem.observations, refs)
    if not result.diagnostics.ok:
        warnings.warn(
            ConditioningWarning(
                f"{spec.name}: {result.inference}: diagnostics fail: "
                + "; ".join(result.diagnostics.warnings)
            ),
            stacklevel=2,
        )
    return tree


def _problem(spec: RunSpec, observations: Sequence[Observation] | None) -> Problem:
    """The models, priors and checked evidence of a conditioned run."""
    from .inference.condition import Problem
    from .model.evidence import Observation
    from .priors import Fixed

    sc = spec.scenario
    if sc is None:
        raise SimulationError("condition: needs a scenario (its [[observe]] evidence)")
    obs = tuple(observations) if observations is not None else sc.observations
    if not obs:
        raise SimulationError(
            f"{sc.name}: no [[observe]] evidence to condition on; a plain run "
            "(frontiercost.simulate) gives the prior"
        )
    computable = set(sc.computable())
    seen: set[str] = set()
    for o in obs:
        if not isinstance(o, Observation):
            raise SimulationError(f"observations: expected Observation objects, got {o!r}")
        param = o.quantity in sc.priors and not isinstance(sc.priors[o.quantity], Fixed)
        if o.quantity not in computable and not param:
            accepted = sorted(
                computable | {n for n, p in sc.priors.items() if not isinstance(p, Fixed)}
            )
            raise SimulationError(
                f"observations: {sc.name} does not compute {o.quantity!r} (or it is fixed);"
                f" it computes: {', '.join(accepted)}"
            )
        if o.name in seen:
            raise SimulationError(f"observations: the name {o.name!r} is used twice")
        seen.add(o.name)
    outs = tuple(sc.outputs) + tuple(
        dict.fromkeys(o.quantity for o in obs if o.quantity not in sc.outputs)
    )
    model = sc.model(outs)
    model_all = sc.model(outs, with_inputs=True)
    # ``spec.priors``: the scenario's, with those simulate(priors=) replaced
    priors = {n: spec.priors.get(n, sc.priors[n]) for n in model.inputs}
    corr = {p: r for p, r in sc.correlations.items() if set(p) <= set(priors)} or None
    streams = {n: q for n, q in sc.streams.items() if n in model.inputs}
    return Problem(sc.name, model, model_all, priors, corr, obs, streams)


# ------------------------------------------------------------------ sweeps


def sweep(
    scenario: str | Path | Scenario | Mapping[str, Any],
    vary: Mapping[str, Any] | Sequence[str] | None = None,
    *,
    sampling: Sampling | None = None,
    keep: Keep | None = None,
    executor: Executor | None = None,
    summary_only: bool = False,
    ci_prob: float = 0.9,
    ci_kind: str = "eti",
    progress: Progress | None = None,
    limits: Limits | None = None,
    strict: bool = False,
    **options: Any,
) -> xr.DataTree:
    """Run a scenario at every point of a grid of field values, on common random numbers.

    Parameters
    ----------
    scenario : str, path, mapping or Scenario
        Built-in name, file, mapping or loaded scenario; its ``[sweep]`` table (``vary``,
        ``[[sweep.variant]]``) is used, and a field in ``vary`` replaces the
        table's values for it.
    vary : mapping or sequence of str, optional
        ``{field: values}`` (values a list or a spec string ``a:b:n``, ``a..b``,
        ``v1,v2``) or the command line's ``["field=spec", ...]``.
    sampling, keep, executor, progress, limits, **options
        As for :func:`simulate`; the same at every point.  ``keep.out`` (or
        ``out=``) writes the sweep's tree to a file.
    summary_only : bool
        Keep per point only the summary (median, mean, sd, credible interval and
        exceedance probabilities for ``keep.thresholds``), from streaming runs
        that never hold the draws.
    ci_prob : float
        Interval probability of the summary.
    ci_kind : {"eti", "hdi"}
        Equal-tailed or highest-density interval in the summary (an HDI of a
        streaming point comes from its histogram, exact to one bin width).
    strict : bool
        Raise when any point's outputs have NaN or infinite draws (else the
        tree records them in ``nonfinite`` and a warning is issued).

    Returns
    -------
    xarray.DataTree
        ``posterior`` with dims ``(*swept fields, chain, draw)`` or, in summary
        mode, ``summary`` with dims ``(*swept fields, variable, ci_bound)`` (and
        ``threshold``); sweep coordinates carry units.

    Raises
    ------
    ScenarioError
        For an unknown field, an empty range or a value outside a field's domain,
        naming the field and value, before any sampling.
    """
    from .analysis.risk import exceedance
    from .analysis.summary import CI_KINDS, summarize
    from .results.sweep import stack_points
    from .scenarios import build_grid
    from .scenarios.grid import grid_dims

    if ci_kind not in CI_KINDS:  # before any sampling
        raise SimulationError(f"ci_kind: unknown kind {ci_kind!r}; accepted: eti, hdi")

    sampling, keep, executor, spec_kw = settings_from(
        options, sampling=sampling, keep=keep, executor=executor, where="sweep"
    )
    if spec_kw:
        raise SimulationError(f"sweep: {', '.join(spec_kw)} does not apply to a sweep")
    limits = limits_of(limits)
    check_progress(progress)
    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if base.observations:
        raise SimulationError(
            f"{base.name}: a scenario with [[observe]] evidence is conditioned; sweeps run"
            " forward models only"
        )
    dims, _, _ = grid_dims(base, vary)
    n_points = math.prod(len(d[1]) for d in dims)
    limits.check_points(n_points)
    limits.check_time(n_points * sampling.total, f"sweep of {n_points:,} points")
    if keep.thresholds and keep.store and not summary_only:
        raise SimulationError(
            "thresholds: counted by summary sweeps (summary_only=True); a sweep that keeps"
            " its draws: frontiercost.exceedance on each point's draws"
        )
    out = keep.out
    if out is not None and (summary_only or not keep.store):  # as the CLI's --summary --out
        what = "summary_only" if summary_only else "store=False"
        raise SimulationError(
            f"out: a {what} sweep keeps no draws to write; drop out (the summaries"
            " are the returned tree's), or keep the draws (summary_only=False, store=True)"
        )
    if out is not None:
        files.check_out(out, flag="out", kind="sweep", overwrite=keep.overwrite)
    grid = build_grid(base, vary, max_points=limits.max_points)
    specs = [RunSpec.of(p) for p in grid.points]
    point_keep = replace(keep, out=None, store=not summary_only and keep.store)
    if out is not None and point_keep.store and out.suffix.lower() != ".zarr":
        # refused before sampling: the outputs' draws at every point are a lower bound
        files.check_room(out, 8 * len(specs[0].model.outputs) * sampling.total * n_points)
    if summary_only and not keep.store:
        point_keep = replace(point_keep, store=False)
    thresholds = keep.thresholds
    nonfinite: dict[str, dict[str, int]] = {}  # NaN and inf draws per output, over all points
    overflow: dict[str, float] = {}  # inputs whose prior overflows, at any point
    # one watch over every batch: a batch's own would restart the clock at each
    progress = limits.watch(progress, n_points * sampling.total, f"a sweep of {n_points:,} points")
    if summary_only or not point_keep.store:
        # Points run in batches whose streaming statistics (a histogram per output,
        # HIST_BYTES at most) take at most a quarter of the memory budget; each batch
        # is summarized and dropped before the next (measured before: 6.5 MB a point
        # held to the end, 6.2 GB for 1,000 points whatever the budget).
        per_point = HIST_BYTES * len(specs[0].model.outputs)
        batch = max(1, min(len(specs), limits.memory_bytes // (4 * per_point)))
        rows = []
        for a in range(0, len(specs), batch):
            trees = _run(
                specs[a : a + batch], sampling, point_keep, executor,
                _offset(progress, a * sampling.total, n_points * sampling.total), limits,
                kind="sweep", overflow=overflow, strict=strict,
            )  # fmt: skip
            _add_nonfinite(nonfinite, trees)
            for tree in trees:
                summary = summarize(tree, ci_prob=ci_prob, ci_kind=ci_kind)
                for var, ts in thresholds.items():
                    ex = exceedance(tree, var, list(ts))
                    for key, name in (("probability", "exceedance"), ("mcse", "mcse_exceedance")):
                        summary[f"{name}_{var}"] = ex[key].rename(
                            {"threshold": f"threshold_{var}"}
                        )
                rows.append(summary)
            del trees, tree
            if batch < len(specs):
                gc.collect()  # the batch's trees are reference cycles: free them now
        group = "summary"
    else:
        trees = _run(
            specs,
            sampling,
            point_keep,
            executor,
            progress,
            limits,
            kind="sweep",
            overflow=overflow,
            strict=strict,
        )
        _add_nonfinite(nonfinite, trees)
        # a parameter swept as a whole is fixed at each point: its coordinate says it all
        swept = [f for f, _, _ in grid.dims]
        rows = [t["posterior"].to_dataset().drop_vars(swept, errors="ignore") for t in trees]
        group = "posterior"
    from ._version import __version__

    attrs = {
        "scenario": base.name,
        "scenario_text": base.text,
        "sweep": grid.record(),
        **sampling.record(),
        "common_random_numbers": "yes: every point uses the same draws",
        "frontiercost_version": __version__,
        "frontiercost_kind": "sweep",
    }
    tree = stack_points(rows, grid.dims, attrs, group)
    warn_overflow(f"{base.name} sweep", overflow)
    tree.attrs["nonfinite"] = json.dumps(nonfinite)
    if group == "posterior":  # each point's own counts came with its rows: the sweep's now
        for v_name, arr in tree["posterior"].data_vars.items():
            arr.attrs.pop("nonfinite_draws", None)
            if v_name in nonfinite:
                arr.attrs["nonfinite_draws"] = sum(nonfinite[str(v_name)].values())
    if nonfinite:
        from .errors import NonFiniteError, NonFiniteWarning
        from .results.view import describe_nonfinite

        text = f"{base.name} sweep: outputs with draws that are not finite numbers: " + (
            describe_nonfinite(nonfinite, n_points * sampling.total)
        )
        if strict:
            raise NonFiniteError(text + " (strict)")
        warnings.warn(NonFiniteWarning(text), stacklevel=2)
    if out is not None:
        files.write_tree(tree, out)
    return tree


def _offset(progress: Progress | None, done: int, total: int) -> Progress | None:
    """``progress`` of a part of a run: its draws counted after ``done`` of ``total``."""
    if progress is None:
        return None
    report = progress

    def part(d: int, _: int) -> None:
        report(done + d, total)

    return part


def _nonfinite(tree: xr.DataTree, fresh: bool) -> dict[str, dict[str, int]]:
    """NaN and infinite draws per output with any.

    A stored local run counts them as it draws (``EngineResult.nonfinite``)
    and a streaming run as it reduces them; both are recorded in the tree's
    ``nonfinite`` attribute, so a tree ``fresh`` from :func:`_run` with that
    attribute needs no second pass.  Any other tree (opened from a file, a
    stored run on dask, conditioned) is read.
    """
    from .results.view import nonfinite_counts, view

    if fresh and "nonfinite" in tree.attrs:
        return dict(json.loads(tree.attrs["nonfinite"]))
    return nonfinite_counts(view(tree))


def _add_nonfinite(total: dict[str, dict[str, int]], trees: Sequence[xr.DataTree]) -> None:
    """Add the NaN and infinite draws per output of ``trees`` (a sweep's points) to ``total``."""
    for t in trees:
        for name, c in _nonfinite(t, fresh=True).items():
            acc = total.setdefault(name, {"nan": 0, "inf": 0})
            acc["nan"] += c["nan"]
            acc["inf"] += c["inf"]


# ------------------------------------------------------------------ reports


def report(
    scenario: Scenario | str | Path | Mapping[str, Any],
    path: str | Path | None = None,
    *,
    sampling: Sampling | None = None,
    ci_prob: float = 0.9,
    output: str | None = None,
    limits: Limits | None = None,
    strict: bool = False,
    ci_kind: str = "eti",
    overwrite: bool = False,
    **options: Any,
) -> str:
    """Sample a scenario and make its self-contained HTML report.

    Parameters
    ----------
    scenario : Scenario, str, path or mapping
        A loaded scenario, a built-in name or a scenario file.
    path : str or path, optional
        Write the page here (atomically; its folder must exist).
    sampling : Sampling, optional
        Default 4 chains of 20,000 draws (the report keeps every draw, at
        most 10^7); ``draws``, ``chains``, ``seed``, ``sampler`` may be
        given as keywords instead.
    ci_prob : float
        Mass of the credible intervals.
    output : str, optional
        The output the figures are about (default: the scenario's headline).
    limits : Limits, optional
        Memory and time bounds of the run (default: ``Limits()``).
    strict : bool
        Raise when an output has NaN or infinite draws (as :func:`simulate`).
    ci_kind : {"eti", "hdi"}
        Equal-tailed or highest-density credible intervals.
    overwrite : bool
        Replace an existing ``path`` that is not a report this program wrote
        (without it, such a file is refused before any sampling).

    Returns
    -------
    str
        The page.
    """
    from .analysis.report import (
        check_headline,
        check_report_args,
        check_report_path,
        report_html,
        write_page,
    )

    s_opts = {k: options.pop(k) for k in _SAMPLING_KEYS if k in options}
    if options:
        raise SimulationError(f"report: unknown keyword {next(iter(options))!r}")
    if sampling is not None and s_opts:
        raise SimulationError(f"report: give {', '.join(s_opts)} in sampling=, not beside it")
    sampling = sampling if sampling is not None else Sampling(**{"draws": 20_000, **s_opts})
    target = check_report_path(path, overwrite) if path is not None else None
    check_report_args(sampling.draws, sampling.chains, ci_prob)
    if ci_kind not in ("eti", "hdi"):  # before any sampling
        raise SimulationError(f"ci_kind: unknown kind {ci_kind!r}; accepted: eti, hdi")
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    check_headline(sc, output)
    before = limits_of(limits).stopwatch(f"{sc.name}: the report")
    if sc.observations:
        if sampling.sampler != "mc":
            raise SimulationError(
                f"sampler: {sampling.sampler!r} does not apply to a scenario conditioned on "
                "observations (its conditioning method draws); use mc"
            )
        tree = check_finite(condition(sc, sampling=sampling, limits=limits), strict, sc.name)
    else:
        check_held(RunSpec.of(sc), sampling, limits_of(limits), "the report")
        tree = simulate(sc, sampling=sampling, limits=limits, strict=strict)
    page = report_html(
        sc, tree, evaluate(sc), ci_prob=ci_prob, output=output, ci_kind=ci_kind, before=before
    )
    if target is not None:
        write_page(target, page)
    return page


# ------------------------------------------------------------------ point estimates


def evaluate(scenario: Scenario | str | Path | Mapping[str, Any]) -> xr.Dataset:
    """The scenario's point estimate: every prior at its central value.

    This is how the paper's point estimates are computed.  The result holds
    every quantity the scenario can compute (outputs and intermediates such as
    ``hardware_value``) and the central value of every input, as 0-d variables
    with ``units`` and ``long_name``.

    Parameters
    ----------
    scenario : Scenario, str, path or mapping
        A loaded scenario, a built-in name or a file path.
    """
    import numpy as np

    from .model import QUANTITIES

    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    names = sc.computable()
    model = sc.model(outputs=names)
    x = np.array([[sc.priors[n].central] for n in model.inputs], dtype=np.float64)
    y = evaluate_columns(model, x.reshape(len(model.inputs), 1))
    table = {**QUANTITIES, **sc.quantities}
    data = {}
    for name, value in zip(model.inputs, x[:, 0], strict=True):
        q = table.get(name)
        attrs = {"units": sc.priors[name].unit, "long_name": q.long_name if q else name}
        data[name] = xr.DataArray(value, attrs={**attrs, "role": "input"})
    for o, value in zip(model.outputs, y[:, 0], strict=True):
        attrs = {"units": o.units, "long_name": o.long_name}
        if o.dollars:
            attrs["dollars"] = o.dollars
        if o.cloud_basis:
            attrs.update(cloud_basis=o.cloud_basis, cloud_price_source=o.cloud_source)
        data[o.name] = xr.DataArray(value, attrs=attrs)
    attrs = {"scenario": sc.name, "title": sc.title, "kind": "point"}
    if sc.dollars:
        attrs.update(dollars=sc.dollars, dollar_basis=str(sc.meta.get("dollar_note", "")))
    if sc.cloud_basis:
        attrs.update(cloud_basis=sc.cloud_basis, cloud_price_source=sc.cloud_price_source)
    return xr.Dataset(data, attrs=attrs)


__all__ = [
    "RunSpec",
    "check_bounds",
    "condition",
    "evaluate",
    "report",
    "settings_from",
    "simulate",
    "sweep",
]
