"""``RunView``: what a run's tree is, read once — its kind, variables, units and settings.

Every consumer of a tree (analysis, plots, the report, the command line) asks
it instead of probing groups itself.  Kinds:

- ``stored``: group ``posterior`` with every draw (dims ``chain``, ``draw``,
  and a sweep's dims before them), fixed inputs in ``constant_data``;
- ``streaming``: group ``streaming``, moments, histogram and exceedance counts;
- ``conditioned``: a stored run with a ``prior`` group as well (and the
  evidence groups of :mod:`frontiercost.results.conditioned`);
- a sweep: a stored run with ``sweep_dims``, or a ``summary`` group.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import xarray as xr

from ..engine import StreamStats
from ..errors import FrontiercostError
from .trees import FORWARD, stream_stats

SAMPLE_DIMS = ("chain", "draw")


class NotARunError(FrontiercostError):
    """A tree that is not a frontiercost run (or not the kind a function needs)."""


@dataclass(frozen=True)
class RunView:
    """A run's tree, described once.

    Parameters
    ----------
    tree : xarray.DataTree
        From :func:`frontiercost.simulate`, :func:`frontiercost.sweep`,
        :func:`frontiercost.condition`, or a file they wrote.

    Raises
    ------
    NotARunError
        When the tree has none of the groups a run has.
    """

    tree: xr.DataTree
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        groups = set(self.tree.children)
        if not groups & {"posterior", "streaming", "summary"}:
            raise NotARunError(
                "data: no 'posterior', 'streaming' or 'summary' group; expected the result"
                " of frontiercost.simulate (or a file it wrote)"
            )

    # ------------------------------------------------------------------ kind

    @property
    def stored(self) -> bool:
        """Whether every draw is kept (group ``posterior``)."""
        return "posterior" in self.tree.children

    @property
    def streaming(self) -> bool:
        """Whether the run kept streaming statistics only."""
        return not self.stored and "streaming" in self.tree.children

    @property
    def conditioned(self) -> bool:
        """Whether the posterior is conditioned on evidence (a ``prior`` group exists)."""
        return "prior" in self.tree.children

    @property
    def importance_ess(self) -> float | None:
        """A conditioned run's effective sample size when its posterior is an
        importance resample (PSIS: draws repeat, so an autocorrelation estimate
        counts each copy as a draw); ``None`` otherwise (MCMC, a forward run)."""
        a = self.tree.attrs
        if not self.conditioned or str(a.get("method", "")) != "is":
            return None
        try:
            ess = float(json.loads(str(a.get("diagnostics", "{}")))["ess"])
        except (KeyError, TypeError, ValueError):
            return None
        return ess if math.isfinite(ess) and ess > 0 else None

    @property
    def summary_only(self) -> bool:
        """A sweep that kept per-point summaries only."""
        return "summary" in self.tree.children and not self.stored

    @property
    def kind(self) -> str:
        """``"conditioned"``, ``"stored"``, ``"streaming"`` or ``"summary"``."""
        if self.conditioned:
            return "conditioned"
        if self.stored:
            return "stored"
        return "streaming" if self.streaming else "summary"

    @property
    def group(self) -> str:
        """The group holding the run's variables."""
        return "posterior" if self.stored else "streaming" if self.streaming else "summary"

    @property
    def independent(self) -> bool:
        """Draws are independent: the ``mc`` sampler pushed through the model, not conditioned."""
        a = self.tree.attrs
        # a sweep records inference on its posterior group, a run on its root
        inference = a.get("inference") or (
            self.posterior.attrs.get("inference", "") if self.stored else ""
        )
        return a.get("sampler") == "mc" and str(inference).startswith("none")

    @property
    def forward(self) -> bool:
        """Whether the posterior is the prior pushed through the model."""
        return str(self.tree.attrs.get("inference", FORWARD)).startswith("none")

    @property
    def sweep_dims(self) -> tuple[str, ...]:
        """Dims of a stored sweep beyond ``chain`` and ``draw`` (empty for one run)."""
        if not self.stored:
            return ()
        return tuple(str(d) for d in self.posterior.dims if d not in SAMPLE_DIMS)

    def one_run(self, what: str, per_point: bool = False) -> None:
        """Refuse a sweep where one run is needed: its draws pooled over the grid
        would give one figure that no point of the sweep has.

        ``per_point``: ``what`` gives each point's figure of a stored sweep (the
        refusal of a summaries-only sweep says so rather than "pick a point").

        Raises
        ------
        NotARunError
            Naming ``what`` (the function), the sweep's dims and how to pick a point.
        """
        if self.summary_only:
            try:  # the swept fields (the group's other dims include thresholds)
                grid = json.loads(str(self.tree.attrs.get("sweep", "{}")))
                kept = [*(["variant"] if grid.get("variants") else []), *grid.get("vary", {})]
            except (ValueError, AttributeError):
                kept = []
            raise NotARunError(
                f"data: a sweep over {', '.join(kept) or 'its grid'} that kept per-point"
                f" summaries only (summary_only=True); {what} needs draws: "
                + (
                    f"sweep again without summary_only ({what} then gives every point's)"
                    if per_point
                    else "sweep again without summary_only and pick a point, or simulate"
                    " that point"
                )
            )
        dims = self.sweep_dims
        if not dims:
            return
        post = self.posterior
        first = {d: post[d].values[0].item() if d in post.coords else 0 for d in dims}
        n_points = int(np.prod([post.sizes[d] for d in dims]))
        grid = " × ".join(f"{post.sizes[d]} of {d}" for d in dims)
        pick = ", ".join(f"{d}={v!r}" for d, v in first.items())
        how = "sel" if all(d in post.coords for d in dims) else "isel"
        raise NotARunError(
            f"data: a sweep of {n_points} points ({grid}), not one run; {what} takes one run's"
            f" draws (pooled over the grid they would give a figure no point has): pick"
            f" a point, e.g. tree.{how}({pick}); summarize, exceedance, value_at_risk and"
            " expected_shortfall give every point"
        )

    # ------------------------------------------------------------------ variables

    @property
    def posterior(self) -> xr.Dataset:
        """The stored draws.

        Raises
        ------
        NotARunError
            For a streaming run.
        """
        if not self.stored:
            raise NotARunError(
                "data: a streaming run keeps no draws; simulate with store=True"
                " (the command line: at most the store limit of draws, or --out FILE)"
            )
        if "posterior" not in self._cache:
            self._cache["posterior"] = self.tree["posterior"].to_dataset()
        return self._cache["posterior"]

    @property
    def constants(self) -> xr.Dataset:
        """Fixed inputs (``constant_data``), empty when none were stored."""
        if "constant_data" in self.tree.children:
            return self.tree["constant_data"].to_dataset()
        return xr.Dataset()

    @cached_property
    def stats(self) -> StreamStats:
        """The streaming statistics.

        Raises
        ------
        NotARunError
            For a stored run.
        """
        self.one_run("this function")  # a summary-only sweep has no statistics either
        if not self.streaming:
            raise NotARunError("data: not a streaming run (it stores its draws)")
        return stream_stats(self.tree)

    @property
    def variables(self) -> tuple[str, ...]:
        """Every variable with draws or statistics: outputs first, then uncertain inputs."""
        if self.stored:
            return tuple(str(n) for n in self.posterior.data_vars)
        if self.streaming:
            return tuple(self.stats.names)
        return tuple(str(v) for v in self._summary_names())

    def _summary_names(self) -> list[str]:
        return [str(v) for v in self.tree["summary"].to_dataset()["variable"].values]

    def outputs(self, listed: Sequence[str] = ()) -> list[str]:
        """The run's outputs: variables that are not inputs, and inputs listed as outputs."""
        if not self.stored:
            return list(self.variables)
        post = self.posterior
        # .variables, not .data_vars.items(): that builds a DataArray per variable,
        # each in time proportional to the number of variables
        names = [
            str(n) for n in post.data_vars if "prior" not in post.variables[n].attrs or n in listed
        ]
        if listed:
            first = [n for n in listed if n in names]
            names = first + [n for n in names if n not in first]
        return names

    @property
    def inputs(self) -> tuple[str, ...]:
        """Stored uncertain inputs (variables with a ``prior`` attribute)."""
        if not self.stored:
            return ()
        post = self.posterior
        return tuple(str(n) for n in post.data_vars if "prior" in post.variables[n].attrs)

    @property
    def constant_names(self) -> tuple[str, ...]:
        """Fixed inputs of a stored run (group ``constant_data``)."""
        return tuple(str(n) for n in self.constants.data_vars) if self.stored else ()

    def check(self, names: Sequence[str] | str, flag: str = "var") -> list[str]:
        """``names`` (one name or several), each a variable or a fixed input of the run.

        Raises
        ------
        FrontiercostError
            Naming ``flag``, the unknown name and the accepted ones.
        """
        # each once: a name given twice is one row (a Dataset cannot hold it twice)
        wanted = list(dict.fromkeys([names] if isinstance(names, str) else names))
        accepted = self.variables + self.constant_names
        known = set(accepted)
        for n in wanted:
            if n not in known:
                import difflib

                near = difflib.get_close_matches(n, accepted, n=1, cutoff=0.6)
                hint = f" (did you mean {near[0]!r}?)" if near else ""
                raise FrontiercostError(
                    f"{flag}: unknown variable {n!r}{hint}; accepted: {', '.join(accepted)}"
                )
        return wanted

    def attrs(self, name: str) -> dict[str, Any]:
        """A variable's attributes (``units``, ``long_name``, ``prior``...)."""
        if self.stored:
            if name in self.posterior.data_vars:
                return dict(self.posterior.variables[name].attrs)
            if name in self.constants.data_vars:
                return dict(self.constants.variables[name].attrs)
            self.check([name])
        if self.streaming:
            self.check([name])
            return dict(self.tree["streaming"][f"{name}__mean"].attrs)
        return {"units": self.units(name)}

    def units(self, name: str) -> str:
        """A variable's unit (``""`` when it records none)."""
        if self.summary_only:
            summary = self.tree["summary"].to_dataset()
            names = self._summary_names()
            return str(summary["units"].values[names.index(name)]) if name in names else ""
        return str(self.attrs(name).get("units", ""))

    def draws(self, name: str, *, drop_nan: bool = False) -> np.ndarray:
        """A stored variable's draws, flattened (``chain`` then ``draw``).

        A fixed input gives its value at every draw.
        """
        self.check([name])
        self.one_run("this function")
        x = np.asarray(self.sampled(name).values, dtype=float).ravel()
        return x[~np.isnan(x)] if drop_nan else x

    def sampled(self, name: str) -> xr.DataArray:
        """A stored variable as a ``(chain, draw)`` array; a fixed input broadcast to it."""
        post = self.posterior
        if name in post.data_vars:
            return self._array(name)
        const = self.constants[name]
        shape = tuple(post.sizes[d] for d in SAMPLE_DIMS)
        return xr.DataArray(
            np.broadcast_to(float(const), shape),
            dims=SAMPLE_DIMS,
            coords={d: post[d] for d in SAMPLE_DIMS if d in post.coords},
            attrs=dict(const.attrs),
        )

    def _array(self, name: str) -> xr.DataArray:
        """``posterior[name]`` in time independent of the number of variables.

        xarray's ``ds[name]`` scans every variable of ``ds`` for coordinates, so
        reading each output of a run of 4,000 formulas in turn took quadratic
        time (a summary spent 60 s there); the coordinates are found once.
        """
        post = self.posterior
        if "coords" not in self._cache:
            self._cache["coords"] = [(k, post.variables[k]) for k in post.coords]
        var = post.variables[name]
        dims = set(var.dims)
        coords = {k: c for k, c in self._cache["coords"] if set(c.dims) <= dims}
        return xr.DataArray(var, coords=coords, name=name)

    def dataset(self, names: Sequence[str]) -> xr.Dataset:
        """Stored draws of ``names`` (fixed inputs broadcast) as one Dataset."""
        self.one_run("this function")
        return xr.Dataset({n: self.sampled(n) for n in self.check(names)})

    # ------------------------------------------------------------------ settings

    @property
    def settings(self) -> dict[str, Any]:
        """Seed, sampler, draws per chain, chains and total draws the run records."""
        a = self.tree.attrs
        draws, chains = int(a.get("draws", 0)), int(a.get("chains", 0))
        return {
            "draws": draws,
            "chains": chains,
            "total_draws": draws * chains,
            "seed": int(a.get("seed", 0)),
            "sampler": str(a.get("sampler", "")),
        }

    @property
    def scenario_text(self) -> str:
        """The scenario file's text the run recorded (``""`` for a bare model).

        A run records it as ``scenario``; a sweep as ``scenario_text``, beside
        the scenario's name in ``scenario``.
        """
        a = self.tree.attrs
        return str(a["scenario_text"] if "scenario_text" in a else a.get("scenario", ""))

    def same_scenario(self, other: RunView) -> bool:
        """Whether two runs sampled one scenario: the same recorded scenario
        (a file renamed or copied is still the same scenario, two files of one
        name need not be; its text read as TOML, so a comment or a re-wrapped
        line changes nothing), or for bare models, which record none, the same model."""
        ta, tb = self.scenario_text, other.scenario_text
        if not (ta or tb):
            return str(self.tree.attrs.get("model", "")) == str(other.tree.attrs.get("model", ""))
        if ta == tb or not (ta and tb):
            return ta == tb
        import tomllib

        try:
            return tomllib.loads(ta) == tomllib.loads(tb)
        except tomllib.TOMLDecodeError:
            return False

    @property
    def priors(self) -> dict[str, dict[str, Any]]:
        """Each input's prior as a spec (:func:`frontiercost.prior_from_spec` loads it)."""
        return dict(json.loads(self.tree.attrs.get("priors", "{}")))


def view(tree: xr.DataTree | RunView) -> RunView:
    """A :class:`RunView` of ``tree`` (a view is returned as it is)."""
    return tree if isinstance(tree, RunView) else RunView(tree)


def nonfinite_counts(run: RunView) -> dict[str, dict[str, int]]:
    """Per output with any: draws that are NaN and draws that are infinite.

    Stored runs are read one variable at a time; streaming runs count them as
    they run.  A run whose outputs are all finite gives ``{}``.
    """
    out: dict[str, dict[str, int]] = {}
    if run.streaming:
        st = run.stats
        for o, name in enumerate(st.names):
            nan, inf = int(st.nan_count[o]), int(st.inf_count[o])
            if nan or inf:
                out[name] = {"nan": nan, "inf": inf}
        return out
    if not run.stored:
        return out
    for name in run.outputs():
        x = np.asarray(run.posterior.variables[name].values)
        with np.errstate(over="ignore", invalid="ignore"):
            # one pass, no temporary: a NaN or inf draw makes the sum NaN or inf
            # (so may finite draws whose sum overflows: they are counted below)
            if np.isfinite(np.add.reduce(x, axis=None)):
                continue
        nan = int(np.count_nonzero(np.isnan(x)))
        inf = int(np.count_nonzero(np.isinf(x)))
        if nan or inf:
            out[name] = {"nan": nan, "inf": inf}
    return out


def describe_nonfinite(counts: dict[str, dict[str, int]], total: int) -> str:
    """One line: ``energy_cost: 12 NaN and 3 infinite of 40,000 draws; ...``."""
    parts = []
    for name, c in counts.items():
        what = " and ".join(
            f"{c[k]:,} {label}" for k, label in (("nan", "NaN"), ("inf", "infinite")) if c[k]
        )
        parts.append(f"{name}: {what} of {total:,} draws")
    return "; ".join(parts)
