"""Sensitivity: which priors drive the uncertainty of an output.

Three views, each an xarray object over a ``parameter`` dim:

- :func:`rank_correlations`: Spearman rank correlation of each stored input
  with an output, from a stored run (cheap, reads existing draws, respects
  the run's copula; only monotone association).
- :func:`sobol_indices`: variance-based first-order (``S1``) and total
  (``ST``) Sobol indices with bootstrap intervals, from a design of its own
  run through the engine's inverse-CDF pipeline (independent inputs).
- :func:`tornado`: the output at each prior's 5th and 95th percentile with
  every other input at its central value (one at a time, like the point
  estimate of :func:`frontiercost.evaluate`).

Only uncertain inputs are parameters here: inputs with a fixed prior cannot
move an output and are left out of every result.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from .._validate import seed as check_seed
from ..engine import evaluate_columns, evaluate_uniforms
from ..engine._rng import fill_uniform, stream_key
from ..engine.plan import stream_groups
from ..errors import ConditioningWarning, FrontiercostError, SimulationError
from ..model import Correlations, Model
from ..priors import Prior
from ..results.view import view
from ..scenarios import Scenario, load_scenario
from ..settings import EST_DRAWS_PER_CORE_SECOND, Limits, format_size

SAMPLE_DIMS = ("chain", "draw")
SOBOL_SAMPLERS = ("qmc", "mc")
_Target = Scenario | Model | str | Path


# --------------------------------------------------------------------------- helpers


def _resolve(
    target: _Target, outputs: Sequence[str], priors: Mapping[str, Prior] | None
) -> tuple[Model, dict[str, Prior], Correlations, str, dict[str, str]]:
    """Model (computing ``outputs``), its priors, the scenario's correlations, a label
    and its shared streams (input -> the stream it takes its uniforms from)."""
    if isinstance(target, Model):
        if priors is None:
            raise FrontiercostError("priors: a bare Model needs a prior for each of its inputs")
        model = target
        unknown = [o for o in outputs if o not in model.output_names]
        if unknown:
            raise FrontiercostError(
                f"output: {', '.join(unknown)} is not an output of model {model.name!r}; "
                f"accepted: {', '.join(model.output_names)}"
            )
        missing = [n for n in model.inputs if n not in priors]
        if missing:
            raise FrontiercostError(f"priors: no prior for input(s) {', '.join(missing)}")
        return model, {n: priors[n] for n in model.inputs}, {}, model.name, {}
    if isinstance(target, xr.DataTree | xr.Dataset):
        raise FrontiercostError(
            "target: a run's tree; Sobol indices and the tornado evaluate the model"
            " themselves: pass its scenario (a name, a file or a Scenario), or use"
            " rank_correlations(tree, output) for the run's own draws"
        )
    sc = target if isinstance(target, Scenario) else load_scenario(target)
    accepted = sc.computable()
    unknown = [o for o in outputs if o not in accepted]
    if unknown:
        raise FrontiercostError(
            f"output: {', '.join(unknown)} is not computed by scenario {sc.name!r}; "
            f"accepted: {', '.join(accepted)}"
        )
    if sc.observations:
        warnings.warn(
            f"scenario {sc.name!r} is conditioned on evidence ([[observe]]); Sobol indices"
            " need independent inputs, so these are of its prior, the evidence left out;"
            " rank correlations of the conditioned run (--method rank,"
            " rank_correlations(frontiercost.simulate(...))) reflect the evidence",
            ConditioningWarning,
            stacklevel=3,
        )
    model = sc.model(outputs=tuple(outputs))
    merged = {**sc.priors, **(priors or {})}
    used = {n: merged[n] for n in model.inputs}
    corr = {pair: rho for pair, rho in sc.correlations.items() if set(pair) <= set(used)}
    streams = {n: q for n, q in sc.streams.items() if n in model.inputs}
    return model, used, corr, sc.name, streams


@dataclass(frozen=True)
class _Factor:
    """One parameter of the analysis: the uncertain inputs on one random stream.

    A fleet's per-chip copies of a prior (``bare_chip_price_h100_sxm5``,
    ``bare_chip_price_h200``) take one percentile together in every run, so
    they are one factor, named by their stream (``bare_chip_price``); any
    other input is a factor of its own, under its own name.
    """

    name: str
    stream: str
    members: tuple[str, ...]


def _factors(
    model: Model, priors: Mapping[str, Prior], streams: Mapping[str, str]
) -> list[_Factor]:
    """Uncertain inputs (non-fixed priors) by stream, in model input order."""
    names = [n for n in model.inputs if priors[n].family != "fixed"]
    lead, src = stream_groups(names, streams)
    out = []
    for g, i in enumerate(lead):
        members = tuple(names[j] for j in np.flatnonzero(src == g))
        stream = streams.get(names[i], names[i])
        out.append(_Factor(stream if len(members) > 1 else names[i], stream, members))
    return out


def _factor_coords(
    factors: Sequence[_Factor], priors: Mapping[str, Prior]
) -> dict[str, tuple[str, list[str]]]:
    """Each parameter's units and the inputs it moves (``"a, b"``), as coordinates."""
    return {
        "parameter_units": ("parameter", [priors[f.members[0]].unit for f in factors]),
        "parameter_inputs": ("parameter", [", ".join(f.members) for f in factors]),
    }


def _output_names(outputs: str | Sequence[str]) -> list[str]:
    names = [outputs] if isinstance(outputs, str) else list(outputs)
    if not names or not all(isinstance(o, str) for o in names):
        raise FrontiercostError(f"output: expected a name or a list of names, got {outputs!r}")
    return names


def _check_prob(name: str, p: object) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 < p < 1:
        raise FrontiercostError(f"{name}: must be a number in (0, 1), got {p!r}")
    return float(p)


# --------------------------------------------------------------------------- rank correlations


def _spearman(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman correlation along the last axis (average ranks for ties).

    Draws where either value is NaN are left out, pair by pair; fewer than
    three usable draws, or a constant series, give NaN.
    """
    from scipy.stats import rankdata  # on use: scipy.stats costs ~40 MB at start-up

    x, y = np.broadcast_arrays(x, y)
    out = np.full(x.shape[:-1], np.nan)
    for idx in np.ndindex(out.shape):
        xi, yi = x[idx], y[idx]
        ok = ~(np.isnan(xi) | np.isnan(yi))
        if ok.sum() < 3:
            continue
        rx = rankdata(xi[ok])
        ry = rankdata(yi[ok])
        rx -= rx.mean()
        ry -= ry.mean()
        den = math.sqrt(float(np.dot(rx, rx)) * float(np.dot(ry, ry)))
        if den > 0:
            out[idx] = float(np.dot(rx, ry)) / den
    return out


def rank_correlations(data: xr.DataTree, output: str) -> xr.DataArray:
    """Spearman rank correlation of each uncertain input with ``output``.

    Parameters
    ----------
    data : xarray.DataTree
        A stored run of :func:`frontiercost.simulate` with its inputs
        (``store_inputs=True``, the default): inputs sit in group ``posterior``
        next to the outputs, marked by a ``prior`` attribute.
    output : str
        Output variable.

    Returns
    -------
    xarray.DataArray
        Dim ``parameter`` (the run's uncertain inputs, in model order), plus
        any dims of the run other than ``chain`` and ``draw`` (sweep dims),
        over which correlations are computed separately.  Coordinate
        ``parameter_units``; attributes ``units`` (``"1"``), ``output``,
        ``method``.

    Notes
    -----
    Inputs with a fixed prior are dropped (their rank correlation is
    undefined).  Correlations are between draws, so they include any rank
    correlation the run imposed between inputs through its copula: a prior
    correlated with a driver shows a correlation of its own.  Ranks are
    scipy's ``rankdata`` (ties averaged); draws with a NaN output are left
    out.  Standard error is about ``1.03 / sqrt(n - 3)`` on the Fisher scale
    (Fieller, Hartley & Pearson 1957); at 10^4 draws, ±0.01.
    """
    run = view(data)
    if not run.stored:
        raise FrontiercostError(
            "data: no 'posterior' group; rank correlations need a stored run "
            "(frontiercost.simulate(..., store=True))"
        )
    post = run.posterior
    run.check(output, "output")
    inputs = [n for n in run.inputs if post[n].attrs["prior"] != "fixed" and n != output]
    if not inputs:
        raise FrontiercostError(
            "data: the run stored no uncertain inputs; simulate with store_inputs=True"
        )
    x = xr.concat([post[n].drop_attrs() for n in inputs], dim="parameter")
    x = x.assign_coords(
        parameter=inputs,
        parameter_units=("parameter", [str(post[n].attrs.get("units", "")) for n in inputs]),
    )
    sample = [d for d in SAMPLE_DIMS if d in post[output].dims]
    stacked_x = x.stack(__sample__=sample)
    stacked_y = post[output].drop_attrs().stack(__sample__=sample)
    rho = xr.apply_ufunc(
        _spearman,
        stacked_x.drop_vars(["__sample__", *sample]),
        stacked_y.drop_vars(["__sample__", *sample]),
        input_core_dims=[["__sample__"], ["__sample__"]],
    )
    rho.name = "rank_correlation"
    rho.attrs = {
        "units": "1",
        "long_name": f"Spearman rank correlation with {output}",
        "output": output,
        "output_units": str(post[output].attrs.get("units", "")),
        "method": "Spearman (scipy.stats.rankdata, ties averaged) over chain and draw",
    }
    return rho


# --------------------------------------------------------------------------- Sobol indices


def _rows(model: Model, factor: _Factor) -> list[int]:
    return [model.inputs.index(m) for m in factor.members]


def _design(
    model: Model, factors: Sequence[_Factor], n: int, seed: int, sampler: str
) -> tuple[np.ndarray, np.ndarray]:
    """Uniform matrices A and B, shape ``(n_inputs, n)``; fixed inputs' rows are 1/2.

    A factor's inputs share their rows' uniforms, as they share a stream in a run.
    """
    k = len(factors)
    a = np.full((len(model.inputs), n), 0.5)
    b = np.full((len(model.inputs), n), 0.5)
    if sampler == "qmc":
        from scipy.stats import qmc

        # independent scramblings, one block of rows each: their spread is the error
        reps = max(1, qmc_replicates(n))
        m = n // reps
        seeds = [seed] if reps == 1 else [np.random.default_rng([seed, r]) for r in range(reps)]
        s = np.concatenate(
            [
                qmc.Sobol(2 * k, scramble=True, seed=sd).random_base2(int(math.log2(m)))
                for sd in seeds
            ]
        )
        for i, f in enumerate(factors):
            a[_rows(model, f)] = s[:, i]
            b[_rows(model, f)] = s[:, k + i]
    else:
        for f in factors:
            # A: the first n draws a plain run with this seed gives the input;
            # B: an independent stream of the same construction.
            rows = _rows(model, f)
            fill_uniform(stream_key(seed, f.stream), 0, a[rows[0]], n)
            fill_uniform(stream_key(seed, f.stream + ":sobol-B"), 0, b[rows[0]], n)
            a[rows[1:]] = a[rows[0]]
            b[rows[1:]] = b[rows[0]]
    return a, b


def sobol_memory(model: Model, k: int, n_outputs: int, n: int) -> int:
    """Peak bytes of a Sobol design of base size ``n`` with ``k`` uncertain inputs.

    ``A``, ``B`` and one ``A_B^(i)`` (each inputs x n), the engine's clipped
    copy and all-quantity result of one evaluation, the kept outputs of the
    ``k + 2`` designs, and the estimator's ``n x (2k + 4)`` terms with their
    centred copies: float64 throughout.
    """
    rows = 4 * len(model.inputs) + len(model.outputs) + (k + 2) * n_outputs + (2 * k + 4) + 3 * k
    return 8 * n * rows


# Bootstrap rows resampled a second, optimistically (measured 25-50 M/s on 2
# cores: a random index, a count and a (2k + 4)-column row of the design each).
EST_BOOT_ROWS_PER_SECOND = 1e8


def sobol_seconds(k: int, n_outputs: int, n: int, n_boot: int) -> float:
    """Optimistic seconds of Sobol indices: the ``k + 2`` designs' draws, and
    ``n_boot`` bootstrap resamples of ``n`` rows for each output (from 2,048 rows;
    below, independent scramblings, which cost no more than their draws)."""
    cores = os.cpu_count() or 1
    draws = n * (k + 2) / (EST_DRAWS_PER_CORE_SECOND * cores)
    boot = n_boot * n * n_outputs / EST_BOOT_ROWS_PER_SECOND if n > REPLICATED_UP_TO else 0.0
    return draws + boot


def _check_sobol_bounds(
    model: Model, k: int, n_outputs: int, n: int, n_boot: int, limits: Limits, label: str
) -> None:
    need = sobol_memory(model, k, n_outputs, n)
    if need > limits.memory_bytes:
        fits = n
        while fits > 16 and sobol_memory(model, k, n_outputs, fits) > limits.memory_bytes:
            fits //= 2
        fits_budget = sobol_memory(model, k, n_outputs, fits) <= limits.memory_bytes
        fix = f"use n = {fits:,} (2**{fits.bit_length() - 1}) or less" if fits_budget else ""
        raise SimulationError(
            f"{label}: Sobol indices at n = {n:,} ({k} uncertain inputs) need about"
            f" {format_size(need)}, more than the memory budget of"
            f" {format_size(limits.memory_bytes)}; {fix + ', or ' if fix else ''}raise the"
            " budget (--memory, Limits(memory_bytes=...), FRONTIERCOST_MEMORY)"
        )
    seconds = sobol_seconds(k, n_outputs, n, n_boot)
    if seconds > limits.seconds:
        fits = n
        while fits > 16 and sobol_seconds(k, n_outputs, fits, n_boot) > limits.seconds:
            fits //= 2
        limits.check_seconds(
            seconds,
            f"{label}: Sobol indices at n = {n:,} with {n_boot:,} bootstrap resamples",
            f"use n = {fits:,} (2**{fits.bit_length() - 1}) or less",
        )


def _sobol_from_means(m: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """S1 and ST from per-row means of ``[t1 (k), t2 (k), fA, fB, fA^2, fB^2]``."""
    mean = 0.5 * (m[..., 2 * k] + m[..., 2 * k + 1])
    var = 0.5 * (m[..., 2 * k + 2] + m[..., 2 * k + 3]) - mean * mean
    var = var[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        return m[..., :k] / var, 0.5 * m[..., k : 2 * k] / var


def _bootstrap(
    fa: np.ndarray,
    fb: np.ndarray,
    fab: np.ndarray,
    n_boot: int,
    rng_seed: int,
    tick: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Point estimates of S1 and ST, and their ``(n_boot, k)`` bootstrap replicates
    (``tick(resamples done)`` before each batch)."""
    k, n = fab.shape
    c = 0.5 * (fa.mean() + fb.mean())  # indices are shift-invariant; centring helps precision
    fa, fb, fab = fa - c, fb - c, fab - c
    d = fab - fa
    g = np.empty((n, 2 * k + 4))
    g[:, :k] = (fb * d).T  # Saltelli et al. (2010), eq. (b) of table 2
    g[:, k : 2 * k] = (d * d).T  # Jansen (1999), eq. (f) of table 2
    g[:, 2 * k], g[:, 2 * k + 1] = fa, fb
    g[:, 2 * k + 2], g[:, 2 * k + 3] = fa * fa, fb * fb
    s1, st = _sobol_from_means(g.mean(axis=0), k)
    rng = np.random.default_rng(np.random.SeedSequence([rng_seed, 0x5E5]))
    batch = max(1, min(n_boot, (1 << 22) // n))
    boot_s1, boot_st = np.empty((n_boot, k)), np.empty((n_boot, k))
    for b0 in range(0, n_boot, batch):
        if tick is not None:
            tick(b0)
        m = min(batch, n_boot - b0)
        idx = rng.integers(0, n, size=(m, n))
        # resampling counts per row: bincount of (row, index) pairs
        w = np.bincount((idx + n * np.arange(m)[:, None]).ravel(), minlength=m * n)
        means = (w.reshape(m, n).astype(np.float64) @ g) / n
        boot_s1[b0 : b0 + m], boot_st[b0 : b0 + m] = _sobol_from_means(means, k)
    return s1, st, boot_s1, boot_st


REPLICATED_UP_TO = 1024  # rows of a QMC design drawn as independent scramblings


def qmc_replicates(n: int) -> int:
    """Independent scramblings of a QMC design of ``n`` rows, 0 for one scrambling.

    Up to 1,024 rows one scrambled Sobol design's error was twice what a bootstrap
    over its rows said (GPT-4's amortized cost: ST of bare_chip_price spread 0.08
    over seeds at n = 1,024, its 90 % intervals holding the converged value for 8
    seeds in 24); 8 scramblings of n/8 rows each, with intervals from their spread,
    held it for 22 to 23 in 24 at n = 512 to 2,048.  From 2,048 rows one scrambling
    is several times more precise (spread 0.009 at 4,096, against 0.027 for 8
    scramblings at 8,192) and its bootstrap intervals covered every seed.
    """
    return max(2, min(8, n // 8)) if n <= REPLICATED_UP_TO else 0


def _replicate_intervals(
    fa: np.ndarray, fb: np.ndarray, fab: np.ndarray, reps: int, ci_prob: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pooled estimates, and Student-t intervals from the spread of ``reps`` independent
    scramblings (rows in ``reps`` equal blocks).

    A bootstrap over the rows treats scrambled Sobol points as independent, which they
    are not: for GPT-4's amortized cost at n = 1,024 its 90 % intervals held the
    converged ST of bare_chip_price for 8 seeds in 24 (estimates spread 0.08, twice
    what the intervals implied).  Randomized QMC's own error estimate is the spread
    of independent randomizations (Owen 1997; L'Ecuyer & Lemieux 2002).
    """
    from scipy import stats

    n = fab.shape[1]
    s1, st, _, _ = _bootstrap(fa, fb, fab, 0, 0)
    m = n // reps
    per = [
        _bootstrap(
            fa[r * m : (r + 1) * m], fb[r * m : (r + 1) * m], fab[:, r * m : (r + 1) * m], 0, 0
        )
        for r in range(reps)
    ]
    t = float(stats.t.ppf((1 + ci_prob) / 2, reps - 1))

    def around(pooled: np.ndarray, each: np.ndarray) -> np.ndarray:
        half = t * each.std(axis=0, ddof=1) / math.sqrt(reps)
        return np.stack([pooled - half, pooled + half], axis=-1)

    return (
        s1,
        st,
        around(s1, np.array([p[0] for p in per])),
        around(st, np.array([p[1] for p in per])),
    )


def _estimate(
    fa: np.ndarray,
    fb: np.ndarray,
    fab: np.ndarray,
    ci_prob: float,
    n_boot: int,
    rng_seed: int,
    ci_kind: str = "eti",
    replicates: int = 0,
    tick: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Point estimates and intervals: from ``replicates`` independent scramblings when
    given (QMC), else bootstrap (percentile, or HDI of the bootstrap replicates);
    ``tick(resamples)`` before each batch of resamples."""
    if replicates:
        return _replicate_intervals(fa, fb, fab, replicates, ci_prob)
    s1, st, boot_s1, boot_st = _bootstrap(fa, fb, fab, n_boot, rng_seed, tick)
    if ci_kind == "hdi":
        from .summary import interval

        def bounds(boot: np.ndarray) -> np.ndarray:
            return np.array([interval(b, ci_prob, "hdi") for b in boot.T]).reshape(-1, 2)

        return s1, st, bounds(boot_s1), bounds(boot_st)
    q = [(1 - ci_prob) / 2, (1 + ci_prob) / 2]
    return s1, st, np.quantile(boot_s1, q, axis=0).T, np.quantile(boot_st, q, axis=0).T


def sobol_indices(
    target: _Target,
    output: str | Sequence[str],
    *,
    priors: Mapping[str, Prior] | None = None,
    n: int = 1 << 13,
    seed: int = 0,
    sampler: str = "qmc",
    ci_prob: float = 0.9,
    n_boot: int = 1000,
    ignore_correlations: bool = False,
    threads: int | None = None,
    limits: Limits | None = None,
    ci_kind: str = "eti",
) -> xr.Dataset:
    """First-order and total Sobol indices of the uncertain inputs, with intervals.

    Parameters
    ----------
    target : Scenario, str, path or Model
        A scenario (loaded, a built-in name or a file path) or a bare model.
    output : str or sequence of str
        Output(s) to analyse (for a scenario, any quantity it computes).
    priors : mapping of str to Prior, optional
        Priors of a bare model's inputs (required for a model); for a
        scenario they replace the scenario's priors of the same name.
    n : int
        Base sample size, a power of two from 16 to 2**24.  The model is
        evaluated ``n * (k + 2)`` times for ``k`` uncertain inputs.
    seed : int
        Seed of the design (scrambling or counter-based streams) and of the
        bootstrap; same seed, same result.
    sampler : {"qmc", "mc"}
        Scrambled Sobol points (default; errors typically several times
        smaller), or the counter-based streams (``A`` then holds the first
        ``n`` draws a plain run with the same seed gives).
    ci_prob : float
        Probability of the bootstrap intervals, in (0, 1).
    n_boot : int
        Bootstrap resamples.
    ignore_correlations : bool
        A scenario with rank correlations between uncertain inputs is refused
        (the indices below are defined for independent inputs) unless this is
        true, in which case the correlations are dropped for this analysis and
        the result says so in ``attrs["correlations"]``.
    threads : int, optional
        Numba threads; does not change the result.
    limits : Limits, optional
        Memory budget and longest run time (default :class:`Limits()`): the
        design's memory (:func:`sobol_memory`) and its ``n * (k + 2)``
        evaluations are checked before anything is allocated.
    ci_kind : {"eti", "hdi"}
        Percentile-bootstrap interval (equal-tailed), or the highest-density
        interval of the bootstrap replicates (arviz-stats ``hdi``): the
        shortest range holding ``ci_prob`` of them, narrower when an index's
        bootstrap distribution is skewed (near 0 or 1).

    Returns
    -------
    xarray.Dataset
        Variables ``S1`` and ``ST`` (dim ``parameter``, plus ``output`` when
        several outputs are given) and ``S1_ci``, ``ST_ci`` (also dim
        ``ci_bound``: ``lower``, ``upper``; attributes ``ci_kind`` and
        ``ci_prob``).  Coordinates ``output_units``, ``parameter_units`` and
        ``parameter_inputs`` (the inputs a parameter moves: itself, or a
        fleet's per-chip copies of one prior, which take one percentile
        together as in a run, named by their stream).  Attributes record the
        estimators, sampler, seed, ``n`` and the number of model evaluations.

    Raises
    ------
    FrontiercostError
        Bad arguments, an unknown output, correlations (see above), or an
        output that is not finite somewhere in the design.

    Notes
    -----
    Our own estimators, not SALib: the radial design of Saltelli et al. (2010)
    with matrices ``A``, ``B`` and ``A_B^(i)`` (``A`` with column ``i`` from
    ``B``) of scrambled-Sobol (``scipy.stats.qmc``) or counter-based
    uniforms, mapped through :func:`frontiercost.engine.evaluate_uniforms`
    (the same copula-free inverse-CDF pass as a run); first order by the
    Saltelli et al. (2010) estimator ``mean(f_B (f_ABi - f_A)) / V``, total
    by Jansen's (1999) ``mean((f_A - f_ABi)^2) / 2V``, with ``V`` the variance
    of ``f_A`` and ``f_B`` pooled.  These are the estimators SALib's
    ``sobol.analyze`` uses; written here they take ~40 lines of numpy, avoid a
    dependency that brings pandas and multiprocess, and let the design use
    the engine's seeds.  Intervals are percentile bootstrap over the ``n``
    rows (equal-tailed, ``ci_kind = "eti"``, unless an HDI is asked for;
    its coverage is not checked by a test): close to nominal for
    ``sampler="mc"`` (checked by a coverage test), conservative for QMC
    from 2,048 rows, whose errors are smaller than those of independent
    draws.  Up to 1,024 rows a QMC design is 8 independent scramblings of
    ``n / 8`` rows and its intervals are Student t over their spread (for
    either ``ci_kind``), as :func:`qmc_replicates` explains: there one
    scrambling's bootstrap said half its error (checked by a coverage
    test).  ``attrs["interval"]`` says which.  Indices of an input that an
    output does not read are exactly 0.

    Reference: A. Saltelli et al., "Variance based sensitivity analysis of
    model output. Design and estimator for the total sensitivity index",
    Comput. Phys. Commun. 181 (2010) 259-270.
    """
    outs = _output_names(output)
    ci_prob = _check_prob("ci_prob", ci_prob)
    if ci_kind not in ("eti", "hdi"):
        raise FrontiercostError(f"ci_kind: unknown kind {ci_kind!r}; accepted: eti, hdi")
    if sampler not in SOBOL_SAMPLERS:
        raise FrontiercostError(f"sampler: unknown {sampler!r}; accepted: qmc, mc")
    if (
        isinstance(n, bool)
        or not isinstance(n, (int, np.integer))
        or not 16 <= n <= 1 << 24
        or n & (n - 1)
    ):
        raise FrontiercostError(f"n: must be a power of two from 16 to 2**24, got {n!r}")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 100:
        raise FrontiercostError(f"n_boot: must be an integer >= 100, got {n_boot!r}")
    check_seed(seed)
    model, used, corr, label, streams = _resolve(target, outs, priors)
    factors = _factors(model, used, streams)
    if not factors:
        raise FrontiercostError(f"{label}: no uncertain input; Sobol indices need at least one")
    drawn = {m for f in factors for m in f.members}
    corr = {p: r for p, r in corr.items() if set(p) <= drawn}
    if corr and not ignore_correlations:
        pairs = ", ".join(f"{a}~{b}" for a, b in corr)
        raise SimulationError(
            f"{label}: correlates {pairs}; Sobol indices here assume independent inputs. "
            "Pass ignore_correlations=True to drop the correlations for this analysis, "
            "or use rank_correlations on a run"
        )
    k = len(factors)
    limits = limits or Limits()
    _check_sobol_bounds(model, k, len(outs), int(n), int(n_boot), limits, label)
    # the estimate is optimistic: the work is stopped once its speed says it will
    # pass the limit (shares of it in the estimate's seconds)
    check = limits.stopwatch(f"{label}: Sobol indices at n = {n:,}")
    # the bootstrap's optimistic seconds, counted while the designs run
    draws_s = sobol_seconds(k, 0, int(n), int(n_boot))
    boot_s = sobol_seconds(k, len(outs), int(n), int(n_boot)) - draws_s
    resamples = int(n_boot) * len(outs) if boot_s > 0 else 0
    a, b = _design(model, factors, int(n), int(seed), sampler)

    def keep(u: np.ndarray, i: int) -> dict[str, np.ndarray]:
        check(f"design {i + 1} of {k + 2}", i, k + 2, boot_s)
        # only the outputs asked for: every quantity of k + 2 designs would not fit at 2**24
        got = evaluate_uniforms(model, used, u, threads=threads)
        return {name: got[name] for name in outs}

    values = [keep(a, 0), keep(b, 1)]
    ab = np.empty_like(a)  # one A_B^(i) at a time
    for i, f in enumerate(factors):
        rows = _rows(model, f)
        np.copyto(ab, a)
        ab[rows] = b[rows]
        values.append(keep(ab, i + 2))
    del a, b, ab
    s1 = np.empty((len(outs), k))
    st = np.empty((len(outs), k))
    s1_ci = np.empty((len(outs), k, 2))
    st_ci = np.empty((len(outs), k, 2))
    for o, name in enumerate(outs):
        fa, fb = values[0][name], values[1][name]
        fab = np.stack([v[name] for v in values[2:]])
        bad = int(np.sum(~np.isfinite(fa)) + np.sum(~np.isfinite(fb)) + np.sum(~np.isfinite(fab)))
        if bad:
            raise FrontiercostError(
                f"{label}: output {name} is not finite at {bad} of {n * (k + 2)} design "
                "points; Sobol indices need a finite output"
            )

        def tick(done: int, name: str = name, o: int = o) -> None:
            check(f"the bootstrap of {name}", o * int(n_boot) + done, resamples)

        s1[o], st[o], s1_ci[o], st_ci[o] = _estimate(
            fa, fb, fab, ci_prob, n_boot, int(seed) + o, ci_kind,
            qmc_replicates(int(n)) if sampler == "qmc" else 0, tick,
        )  # fmt: skip
    units = {o.name: o.units for o in model.outputs}
    ci_attrs = {"units": "1", "ci_kind": ci_kind, "ci_prob": ci_prob}
    ds = xr.Dataset(
        {
            "S1": (("output", "parameter"), s1, {"units": "1", "long_name": "first-order index"}),
            "ST": (("output", "parameter"), st, {"units": "1", "long_name": "total index"}),
            "S1_ci": (
                ("output", "parameter", "ci_bound"),
                s1_ci,
                {**ci_attrs, "long_name": "first-order index, bootstrap interval"},
            ),
            "ST_ci": (
                ("output", "parameter", "ci_bound"),
                st_ci,
                {**ci_attrs, "long_name": "total index, bootstrap interval"},
            ),
        },
        coords={
            "output": outs,
            "output_units": ("output", [units[o] for o in outs]),
            "parameter": [f.name for f in factors],
            **_factor_coords(factors, used),
            "ci_bound": ["lower", "upper"],
        },
        attrs={
            "target": label,
            "method": "Sobol indices, radial design of Saltelli et al. (2010)",
            "first_order_estimator": "Saltelli et al. (2010): mean(fB (fABi - fA)) / V",
            "total_estimator": "Jansen (1999): mean((fA - fABi)^2) / (2 V)",
            "interval": (
                f"Student t over {qmc_replicates(int(n))} independent scramblings"
                if sampler == "qmc" and qmc_replicates(int(n))
                else f"bootstrap over rows, {int(n_boot)} resamples"
            ),
            "sampler": "scrambled Sobol (scipy.stats.qmc)" if sampler == "qmc" else "mc",
            "seed": int(seed),
            "n": int(n),
            "evaluations": int(n) * (k + 2),
            "correlations": "dropped: " + ", ".join(f"{a}~{b}" for a, b in corr)
            if corr
            else "none",
        },
    )
    return ds.squeeze("output") if isinstance(output, str) else ds


# --------------------------------------------------------------------------- tornado


def tornado(
    target: _Target,
    output: str,
    *,
    priors: Mapping[str, Prior] | None = None,
    low: float = 0.05,
    high: float = 0.95,
) -> xr.Dataset:
    """One-at-a-time swings: ``output`` at each prior's low and high quantile.

    Every other input stays at its prior's central value (the point estimate
    of :func:`frontiercost.evaluate`); correlations play no part.

    Parameters
    ----------
    target : Scenario, str, path or Model
        A scenario (loaded, a built-in name or a file path) or a bare model.
    output : str
        Output (for a scenario, any quantity it computes).
    priors : mapping of str to Prior, optional
        Priors of a bare model's inputs (required for a model); for a
        scenario they replace the scenario's priors of the same name.
    low, high : float
        Quantiles of each prior (default 5 % and 95 %), ``low < high``.

    Returns
    -------
    xarray.Dataset
        Dim ``parameter`` (uncertain inputs, largest swing first); variables
        ``low`` and ``high`` (the output with the parameter at its ``low`` /
        ``high`` quantile), ``swing = |high - low|`` and the 0-d ``central``,
        all in the output's units; coordinates ``input_low``,
        ``input_central``, ``input_high`` (the parameter's values; NaN for a
        parameter that moves several inputs, each at its own quantile),
        ``parameter_units`` and ``parameter_inputs`` (as for
        :func:`sobol_indices`).

    Notes
    -----
    Quantiles are the priors' reference quantile functions (scipy); the
    model is the compiled kernel, evaluated once on one column per case.
    """
    low = _check_prob("low", low)
    high = _check_prob("high", high)
    if not low < high:
        raise FrontiercostError(f"low ({low:g}) must be below high ({high:g})")
    if not isinstance(output, str):
        raise FrontiercostError(f"output: expected one name, got {output!r}")
    model, used, _, label, streams = _resolve(target, [output], priors)
    factors = _factors(model, used, streams)
    central = np.array([used[n].central for n in model.inputs], dtype=np.float64)
    k = len(factors)
    x = np.repeat(central[:, None], 1 + 2 * k, axis=1)
    for i, f in enumerate(factors):
        for m in f.members:  # a factor's inputs at their own quantiles, together
            r = model.inputs.index(m)
            x[r, 1 + 2 * i] = float(used[m].ppf(low))
            x[r, 2 + 2 * i] = float(used[m].ppf(high))

    def one(f: _Factor, v: np.ndarray) -> float:
        # inputs moving together have values of their own: no one number for them
        return float(v[model.inputs.index(f.members[0])]) if len(f.members) == 1 else np.nan

    x_lo = np.array([one(f, x[:, 1 + 2 * i]) for i, f in enumerate(factors)])
    x_hi = np.array([one(f, x[:, 2 + 2 * i]) for i, f in enumerate(factors)])
    x_mid = np.array([one(f, central) for f in factors])
    y = evaluate_columns(model, x)
    row = y[model.output_names.index(output)]
    y_lo, y_hi = row[1::2], row[2::2]
    swing = np.abs(y_hi - y_lo)
    order = np.argsort(-np.where(np.isnan(swing), -np.inf, swing), kind="stable")
    units = model.outputs[model.output_names.index(output)].units
    attrs = {"units": units}
    ordered = [factors[i] for i in order]
    return xr.Dataset(
        {
            "low": (
                "parameter",
                y_lo[order],
                {**attrs, "long_name": f"{output} at p{low * 100:g}"},
            ),
            "high": (
                "parameter",
                y_hi[order],
                {**attrs, "long_name": f"{output} at p{high * 100:g}"},
            ),
            "swing": ("parameter", swing[order], {**attrs, "long_name": "|high - low|"}),
            "central": ((), row[0], {**attrs, "long_name": f"{output} at central values"}),
        },
        coords={
            "parameter": [f.name for f in ordered],
            "input_low": ("parameter", x_lo[order]),
            "input_central": ("parameter", x_mid[order]),
            "input_high": ("parameter", x_hi[order]),
            **_factor_coords(ordered, used),
        },
        attrs={"target": label, "output": output, "low": low, "high": high},
    )
