"""Runs to analyse: saved files (``.nc``, ``.zarr``) and scenarios sampled on the spot."""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import FrontiercostError
from ._common import STORE_LIMIT, Console

if TYPE_CHECKING:
    import xarray as xr

    from ..results.view import RunView
    from ..scenarios import Scenario

# A run that records no scenario reports the first of these it has (then the
# first output in USD); a scenario's own headline is the report's choice
# (frontiercost.analysis.report.headline_output).
HEADLINES = (
    "amortized_cost",
    "development_cost",
    "total_compute_cost",
    "rd_compute_cost",
    "final_run_cost",
)
PROJECTION_PREFIX = "projected_cost_"
RUN_SUFFIXES = (".nc", ".zarr")


def is_run_file(text: str) -> bool:
    """Whether a positional argument names a saved run rather than a scenario."""
    return Path(text).suffix.lower() in RUN_SUFFIXES


def open_run(path_text: str) -> xr.DataTree:
    """A saved run (``.nc`` or ``.zarr``), checked whole and frontiercost's: loaded into
    memory, or read a variable at a time when its draws exceed the memory budget
    (FRONTIERCOST_MEMORY, else half the available memory)."""
    from ..results.files import open_run as open_checked
    from ..settings import Limits

    return open_checked(path_text, memory_bytes=Limits().memory_bytes)


def scenario_of_run(tree: xr.DataTree, console: Console) -> Scenario | None:
    """The scenario a run recorded (its TOML text), loaded again; ``None`` if it has none."""
    from ..results.view import view
    from ..scenarios import Scenario

    a = tree.attrs
    text = view(tree).scenario_text  # a sweep records it as scenario_text, its name as scenario
    name = str(a.get("model") or (a.get("scenario") if "scenario_text" in a else "") or "scenario")
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # bytes changed on disk: not text any more
        raise FrontiercostError(
            "damaged run: its recorded scenario text is not valid UTF-8 (the file changed"
            " after it was written)"
        ) from None
    # loaded from the text, not a file: sources then cite "NAME.toml:LINE" as the
    # run recorded it, never a temporary path
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", name) or "scenario"
    try:
        sc = Scenario.from_text(text, safe)
    except FrontiercostError as err:
        console.note(
            f"the run's scenario text no longer loads ({err}); shown without its point"
            " estimate and published figures"
        )
        return None
    return with_replaced_priors(sc, tree)


def with_replaced_priors(sc: Scenario, tree: xr.DataTree) -> Scenario:
    """``sc`` with the priors the run took from ``simulate(priors=)`` instead of its file's.

    The run records the file's text and, apart, the replaced inputs' priors: rebuilt
    from the text alone, the scenario would be another run's (its point estimate,
    a report sampled again, a sensitivity) with exit 0.
    """
    import dataclasses
    import json

    from ..priors import prior_from_spec

    names = json.loads(str(tree.attrs.get("replaced_priors") or "[]"))
    if not names:
        return sc
    specs = json.loads(str(tree.attrs["priors"]))
    try:
        priors = {**sc.priors, **{n: prior_from_spec(specs[n]) for n in names}}
    except (FrontiercostError, KeyError) as err:
        raise FrontiercostError(
            f"damaged run: the recorded priors of its replaced inputs do not load ({err})"
        ) from None
    return dataclasses.replace(sc, priors=priors)


def run_outputs(tree: xr.DataTree, scenario: Scenario | None = None) -> list[str]:
    """Outputs of a run, in the scenario's order: stored variables without a prior,
    and the parameters a scenario lists among its outputs."""
    from ..results.view import view

    return view(tree).outputs(tuple(scenario.outputs) if scenario is not None else ())


def run_variables(tree: xr.DataTree) -> list[str]:
    """Every variable of a run: outputs, then stored inputs, then fixed inputs."""
    from ..results.view import view

    run = view(tree)
    return [*run.variables, *run.constant_names]


def headline(tree: xr.DataTree, outputs: Sequence[str]) -> str:
    """The output a one-figure answer reports, for a run that records no scenario."""
    from ..results.trees import output_attrs

    for name in HEADLINES:
        if name in outputs:
            return name
    for name in outputs:
        if output_attrs(tree, name).get("units") == "USD":
            return name
    return outputs[0]


def headline_of(src: Source) -> str:
    """The headline output of a run: the report's choice for its scenario, if it has one."""
    outputs = src.outputs()
    if src.scenario is not None:
        from ..analysis.report import headline_output

        name = headline_output(src.scenario)
        if name in outputs:
            return name
    return headline(src.tree, outputs)


def projection_years(outputs: Sequence[str]) -> list[str]:
    """The ``projected_cost_<year>`` outputs, by year."""
    return sorted(n for n in outputs if re.fullmatch(PROJECTION_PREFIX + r"\d{4}", n))


@dataclass
class Source:
    """A run to analyse and what it came from."""

    tree: xr.DataTree
    scenario: Scenario | None
    name: str
    title: str
    path: Path | None = None
    _view: RunView | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def view(self) -> RunView:
        """What the run is (kind, variables, units), read once for this tree."""
        from ..results.view import view

        if self._view is None or self._view.tree is not self.tree:
            self._view = view(self.tree)
        return self._view

    @property
    def label(self) -> str:
        """``Title (name)``, or the name alone."""
        return (
            f"{self.title} ({self.name})" if self.title and self.title != self.name else self.name
        )

    def outputs(self) -> list[str]:
        """The run's outputs."""
        return run_outputs(self.tree, self.scenario)

    def run_info(self) -> dict[str, Any]:
        """The run's settings (the ``run`` object of the JSON output)."""
        a = self.tree.attrs
        draws, chains = int(a.get("draws", 0)), int(a.get("chains", 0))
        return {
            "draws": draws,
            "chains": chains,
            "total_draws": draws * chains,
            "seed": int(a.get("seed", 0)),
            "sampler": str(a.get("sampler", "")),
            "stored": self.view.stored,
            "file": str(self.path) if self.path is not None else None,
            "created_at": str(a["created_at"]) if "created_at" in a else None,
        }

    def point(self) -> xr.Dataset | None:
        """The scenario's point estimate (``frontiercost.evaluate``), if it has a scenario."""
        if self.scenario is None:
            return None
        from ..run import evaluate

        return evaluate(self.scenario)


def sweep_fields(tree: xr.DataTree) -> list[str]:
    """The fields a saved sweep varies (``growth_rate``, ``year``); empty for one run."""
    import json

    if tree.attrs.get("frontiercost_kind") != "sweep":
        return []
    try:
        vary = json.loads(str(tree.attrs.get("sweep", "{}"))).get("vary", {})
    except (ValueError, AttributeError):
        vary = {}
    return [str(f) for f in vary] or ["its grid"]


def load_source(text: str, console: Console) -> Source:
    """A saved run file; the caller samples scenarios itself (see :func:`sample`).

    Raises
    ------
    FrontiercostError
        For a saved sweep: the commands that take a run read one run's draws.
    """
    tree = open_run(text)
    fields = sweep_fields(tree)
    if fields:
        raise FrontiercostError(
            f"{text}: a sweep over {', '.join(fields)}, not one run; this command takes one"
            f" run: `frontiercost summarize {text}` prints the sweep's table,"
            f" `frontiercost exceedance {text} -t T --level L` the risk figures of every"
            f" point, and in Python frontiercost.load_run({text!r}) gives its draws"
        )
    return source_of(tree, text, console)


def source_of(tree: xr.DataTree, text: str, console: Console) -> Source:
    """A loaded run file as a :class:`Source`, with the scenario it recorded."""
    sc = scenario_of_run(tree, console)
    name = sc.name if sc is not None else str(tree.attrs.get("model") or Path(text).stem)
    title = sc.title if sc is not None else name
    return Source(tree, sc, name, title, Path(text))


def run_label(draws: int, chains: int) -> str:
    """``40,000 draws (4 chains × 10,000)``: the total first, ``--draws`` is per chain."""
    total = draws * chains
    if chains == 1:
        return f"{total:,} draws (1 chain)"
    return f"{total:,} draws ({chains} chains × {draws:,})"


def cluster_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """``workers``/``scheduler``/``threads_per_worker`` for simulate and sweep, if given."""
    from ._common import refuse

    out: dict[str, Any] = {}
    if getattr(args, "workers", None) is not None:
        out["workers"] = args.workers
    if getattr(args, "scheduler", None) is not None:
        out["scheduler"] = args.scheduler
    if out.keys() == {"workers", "scheduler"}:
        raise FrontiercostError("--workers: starts a cluster, --scheduler uses one; choose one")
    if "workers" in out and getattr(args, "threads_per_worker", None) is not None:
        out["threads_per_worker"] = args.threads_per_worker
    else:
        refuse(args, ["--threads-per-worker"], "sets the threads of --workers; give --workers N")
    return out


def sample(
    scenario_text: str,
    args: argparse.Namespace,
    console: Console,
    *,
    store: bool | None = None,
    thresholds: dict[str, list[float]] | None = None,
    settings: dict[str, Any] | None = None,
    out: Path | None = None,
    inputs: bool = True,
    outputs: Sequence[str] | None = None,
) -> Source:
    """Load a scenario and sample it with the run flags (or ``settings`` of another run).

    ``store`` defaults to storing draws up to :data:`STORE_LIMIT` in total;
    ``out`` writes the run there (block by block when it is larger than memory).
    ``inputs=False`` keeps only the outputs' draws (a summary needs no more);
    ``outputs`` samples only those outputs (the same bits as in the whole run).
    ``--strict``, ``--memory``, ``--max-time`` and the dask flags apply.
    """
    from ..run import simulate
    from ._common import limits_from, load_scenario

    with console.step("loading the scenario"):
        sc = load_scenario(scenario_text, console)
    run = settings or {
        "draws": args.draws,
        "chains": args.chains,
        "seed": args.seed,
        "sampler": args.sampler,
    }
    keep = run["draws"] * run["chains"] <= STORE_LIMIT if store is None else store
    limits = limits_from(args)
    if getattr(sc, "observations", ()):
        return _condition(sc, run, args, console, limits)
    cluster = cluster_kwargs(args)
    what: Any = sc
    if outputs is not None:
        import dataclasses

        from ..run import RunSpec

        # every input of the scenario is drawn, so the streams and the
        # correlations, hence the outputs' bits, are the whole run's
        what = dataclasses.replace(RunSpec.of(sc), model=sc.model(outputs, all_inputs=True))
    label = f"sampling {sc.name}: {run_label(run['draws'], run['chains'])}"
    with console.step(label, progress=True) as bar:
        tree = simulate(
            what,
            draws=run["draws"],
            chains=run["chains"],
            seed=run["seed"],
            sampler=run["sampler"],
            store=keep,
            store_inputs=inputs or not keep,
            # a stored run's exceedance is read from its draws
            thresholds=None if keep else thresholds,
            progress=bar.update if bar is not None else None,
            out=out,
            overwrite=bool(getattr(args, "overwrite", False)),
            limits=limits,
            strict=bool(getattr(args, "strict", False)),
            **cluster,
        )
    console.kernel_cache()
    return Source(tree, sc, sc.name, sc.title)


def cli_advice(text: str) -> str:
    """A diagnostic without the library's advice (``method='mcmc'`` is no flag here)."""
    return re.sub(r"[;:] (use more draws or method='mcmc'|run longer \([^)]*\))", "", text)


def conditioning_warning(tree: xr.DataTree, name: str) -> str | None:
    """The one line a failed conditioning prints, with the fix the command line has."""
    import json

    if bool(int(tree.attrs.get("diagnostics_ok", 1))):
        return None
    try:
        found = [cli_advice(str(w)) for w in json.loads(str(tree.attrs.get("warnings", "[]")))]
    except json.JSONDecodeError:
        found = []
    draws = int(tree.attrs.get("draws", 0))
    return (
        f"{name}: the conditioning diagnostics fail ({tree.attrs.get('inference', '')}): "
        + ("; ".join(found) or "see the run's attributes")
        + f"; more draws help (--draws, now {draws:,} per chain); --strict makes this an error"
    )


def _condition(
    sc: Scenario,
    run: dict[str, Any],
    args: argparse.Namespace,
    console: Console,
    limits: Any,
) -> Source:
    """A scenario with ``[[observe]]`` evidence: prior draws, then the posterior given it."""
    import warnings

    from ..errors import ConditioningWarning
    from ..run import check_finite, condition
    from ._common import refuse

    if run["sampler"] != "mc":
        raise FrontiercostError(
            f"--sampler: {sc.name} is conditioned on observations ([[observe]]); its prior "
            "draws use the mc sampler"
        )
    why = (
        f"{sc.name} is conditioned on observations ([[observe]]), which runs on this"
        " process's threads only; drop the flag"
    )
    refuse(args, ["--workers", "--scheduler", "--threads-per-worker"], why)
    n = len(sc.observations)
    label = (
        f"conditioning {sc.name} on {n} observation{'s' * (n != 1)}: "
        f"{run_label(run['draws'], run['chains'])}"
    )
    with console.step(label, progress=True), warnings.catch_warnings():
        # said once below, with the flags that help, instead of the library's advice
        warnings.simplefilter("ignore", ConditioningWarning)
        tree = condition(
            sc, draws=run["draws"], chains=run["chains"], seed=run["seed"], limits=limits
        )
    strict = bool(getattr(args, "strict", False))
    check_finite(tree, strict, what=sc.name)
    message = conditioning_warning(tree, sc.name)
    if message is not None:
        if strict:
            raise FrontiercostError(message.split("; more draws help")[0] + " (--strict)")
        console.warn(message)
    console.detail(f"inference: {tree.attrs.get('inference', '')}")
    return Source(tree, sc, sc.name, sc.title)


def scenario_record(src: Source) -> dict[str, Any]:
    """The ``scenario`` object of the JSON output."""
    return {"name": src.name, "title": src.title}


def source(text: str, args: argparse.Namespace, console: Console, **kwargs: Any) -> Source:
    """A saved run (``.nc``/``.zarr``) as it is, or a scenario sampled with the run flags."""
    if is_run_file(text):
        return load_source(text, console)
    return sample(text, args, console, **kwargs)
