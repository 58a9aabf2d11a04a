"""The engine: determinism, samplers, copula, streaming, argument errors."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from helpers import run_engine
from scipy import stats

from frontiercost.engine import model_kernel
from frontiercost.engine._drivers import SEGMENT
from frontiercost.errors import SimulationError
from frontiercost.model import Model, Output
from frontiercost.priors import Beta, LogNormal, Normal, Uniform, prior_from_spec


@model_kernel
def _sum_kernel(x, out, n, consts):  # type: ignore[no-untyped-def]
    for j in range(n):
        out[0, j] = x[0, j] + x[1, j]
        out[1, j] = x[0, j]


def two_input_model(names: tuple[str, str] = ("a", "b")) -> Model:
    return Model("sum", names, (Output("s", "1", "a + b"), Output("a_out", "1", "a")), _sum_kernel)


def test_bits_identical_across_block_sizes_and_threads(ref) -> None:  # type: ignore[no-untyped-def]
    """Same seed, same bits for every block size and thread count (stored)."""
    model, priors = ref
    base = run_engine(model, priors, draws=30_001, seed=5, block_size=2048, threads=1)
    for block, threads in ((8, 2), (512, 1), (SEGMENT, 2), (4096, 2)):
        r = run_engine(model, priors, draws=30_001, seed=5, block_size=block, threads=threads)
        assert np.array_equal(base.outputs["cost"], r.outputs["cost"])


def test_streaming_bits_identical_across_block_sizes_and_threads(ref) -> None:  # type: ignore[no-untyped-def]
    """Streaming moments, histogram and exceedance counts do not depend on the layout."""
    model, priors = ref
    kw = {"draws": 3 * SEGMENT + 123, "seed": 2, "store": False, "thresholds": {"cost": [3e8]}}
    a = run_engine(model, priors, block_size=64, threads=1, **kw).stats
    b = run_engine(model, priors, block_size=8192, threads=2, **kw).stats
    assert a is not None and b is not None
    for field in ("count", "mean", "var", "minimum", "maximum", "exceed", "hist"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field


@pytest.mark.e2e
def test_bits_identical_in_a_separate_process(ref) -> None:  # type: ignore[no-untyped-def]
    """A fresh interpreter computes the same draws (no hidden process state)."""
    model, priors = ref
    here = run_engine(model, priors, draws=5000, chains=2, seed=99).outputs["cost"]
    code = textwrap.dedent("""
        import sys, numpy as np
        from frontiercost.bench.reference import reference_model
        from frontiercost.engine import run_engine
        from frontiercost.settings import Sampling
        m, p = reference_model()
        s = Sampling(draws=5000, chains=2, seed=99)
        out = run_engine(m, p, s, threads=1).outputs["cost"]
        sys.stdout.write(out.tobytes().hex())
    """)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    there = np.frombuffer(bytes.fromhex(res.stdout), dtype=np.float64).reshape(2, 5000)
    assert np.array_equal(here, there)


def test_chains_are_consecutive_stream_segments(ref) -> None:  # type: ignore[no-untyped-def]
    model, priors = ref
    one = run_engine(model, priors, draws=4000, chains=1, seed=1).outputs["cost"]
    two = run_engine(model, priors, draws=2000, chains=2, seed=1).outputs["cost"]
    assert np.array_equal(one.ravel(), two.ravel())


def test_adding_a_parameter_does_not_shift_others() -> None:
    """Draws of 'a' are the same whether the model's other input is 'b' or 'c'."""
    pa = {"a": Normal(mu=0, sigma=1)}
    r1 = run_engine(
        two_input_model(("a", "b")), pa | {"b": Uniform(lower=0, upper=1)}, draws=1000, seed=4
    )
    r2 = run_engine(
        two_input_model(("a", "c")), pa | {"c": LogNormal(mu=0, sigma=1)}, draws=1000, seed=4
    )
    assert np.array_equal(r1.outputs["a_out"], r2.outputs["a_out"])
    assert not np.array_equal(r1.outputs["s"], r2.outputs["s"])


@pytest.mark.parametrize("sampler", ["mc", "qmc", "lhs"])
def test_samplers_reproduce_marginals(sampler: str) -> None:
    """Every sampler feeds the same inverse-CDF transform: margins match the priors (KS)."""
    priors = {"a": Beta(alpha=2, beta=5), "b": LogNormal(mu=1, sigma=0.5)}
    r = run_engine(
        two_input_model(), priors, draws=20_000, seed=8, sampler=sampler, store_inputs=True
    )
    for name, p in priors.items():
        assert stats.kstest(r.inputs[name].ravel(), p.cdf).pvalue > 1e-4


def test_qmc_and_lhs_beat_mc_on_the_mean() -> None:
    """Stratified designs estimate E[a + b] with less error than plain MC (averaged over seeds)."""
    priors = {"a": Uniform(lower=0, upper=1), "b": Normal(mu=0, sigma=1)}
    err = {}
    for sampler in ("mc", "qmc", "lhs"):
        e = [
            run_engine(two_input_model(), priors, draws=4096, seed=s, sampler=sampler)
            .outputs["s"]
            .mean()
            - 0.5
            for s in range(20)
        ]
        err[sampler] = float(np.sqrt(np.mean(np.square(e))))
    assert err["qmc"] < err["mc"] / 3 and err["lhs"] < err["mc"] / 3


def test_lhs_puts_one_draw_in_each_stratum() -> None:
    r = run_engine(
        two_input_model(),
        {"a": Uniform(lower=0, upper=1), "b": Uniform(lower=0, upper=1)},
        draws=1000,
        chains=3,
        seed=3,
        sampler="lhs",
        store_inputs=True,
    )
    for name in ("a", "b"):
        strata = np.floor(r.inputs[name].ravel() * 3000).astype(int)
        assert np.array_equal(np.sort(strata), np.arange(3000))


def test_qmc_blocking_does_not_change_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    """QMC uniforms come in chunks; a different chunk length gives the same run."""
    import frontiercost.engine.ranges as eng

    priors = {"a": Beta(alpha=2, beta=2), "b": Normal(mu=0, sigma=1)}
    base = run_engine(two_input_model(), priors, draws=5000, seed=1, sampler="qmc")
    monkeypatch.setattr(eng, "CHUNK", 777)
    other = run_engine(two_input_model(), priors, draws=5000, seed=1, sampler="qmc")
    assert np.array_equal(base.outputs["s"], other.outputs["s"])


@pytest.mark.parametrize("rho", [-0.6, 0.3, 0.85])
def test_copula_spearman_within_0_02(rho: float) -> None:
    """Achieved Spearman correlation matches the requested one within 0.02 at 1e5 draws."""
    priors = {"a": LogNormal(mu=0, sigma=1), "b": Beta(alpha=2, beta=5)}
    r = run_engine(
        two_input_model(),
        priors,
        draws=100_000,
        seed=12,
        correlations={("a", "b"): rho},
        store_inputs=True,
    )
    got = stats.spearmanr(r.inputs["a"].ravel(), r.inputs["b"].ravel()).statistic
    assert abs(got - rho) < 0.02
    for name, p in priors.items():  # margins untouched
        assert stats.kstest(r.inputs[name].ravel(), p.cdf).pvalue > 1e-4


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"draws": 0}, "draws: must be a positive integer"),
        ({"draws": 10, "chains": -1}, "chains: must be a positive integer"),
        ({"draws": 10, "seed": -3}, "seed: must be an integer"),
        (
            {"draws": 10, "sampler": "sobol"},
            "sampler: unknown sampler 'sobol'; accepted: mc, qmc, lhs",
        ),
        ({"draws": 10, "block_size": 1000}, "block_size: must be a power of two"),
        ({"draws": 10, "threads": 0}, "threads: must be an integer from 1"),
        ({"draws": 10, "correlations": {("a", "zz"): 0.5}}, "'zz' is not a parameter"),
        ({"draws": 10, "correlations": {("a", "b"): 1.0}}, r"must be a number in \(-1, 1\)"),
        ({"draws": 10, "correlations": {("a", "a"): 0.5}}, "with itself"),
        ({"draws": 10, "thresholds": {"nope": [1.0]}}, "nope is not an output"),
    ],
)
def test_bad_arguments_rejected_before_sampling(kwargs: dict, match: str) -> None:
    priors = {"a": Normal(mu=0, sigma=1), "b": Normal(mu=0, sigma=1)}
    with pytest.raises(SimulationError, match=match):
        run_engine(two_input_model(), priors, **kwargs)


def test_impossible_correlation_matrix_rejected() -> None:
    model = Model("m3", ("a", "b", "c"), (Output("s", "1", "s"),), _sum_kernel)
    priors = {n: Normal(mu=0, sigma=1) for n in "abc"}
    with pytest.raises(SimulationError, match="not jointly possible"):
        run_engine(
            model,
            priors,
            draws=10,
            correlations={("a", "b"): 0.9, ("b", "c"): 0.9, ("a", "c"): -0.9},
        )


def test_missing_and_extra_priors_named() -> None:
    with pytest.raises(SimulationError, match=r"no prior for input.*b"):
        run_engine(two_input_model(), {"a": Normal(mu=0, sigma=1)}, draws=10)
    with pytest.raises(SimulationError, match="x is not an input"):
        run_engine(
            two_input_model(),
            {"a": Normal(mu=0, sigma=1), "b": Normal(mu=0, sigma=1), "x": Normal(mu=0, sigma=1)},
            draws=10,
        )


def test_streaming_agrees_with_stored(ref) -> None:  # type: ignore[no-untyped-def]
    """Moments and exceedance exactly as from the stored draws; quantiles within the bound."""
    model, priors = ref
    n = 200_000
    cost = run_engine(model, priors, draws=n, seed=21).outputs["cost"].ravel()
    st = run_engine(
        model, priors, draws=n, seed=21, store=False, thresholds={"cost": [1e8, 5e8, 1e9]}
    ).stats
    assert st is not None
    assert st.count[0] == n
    np.testing.assert_allclose(st.mean[0], cost.mean(), rtol=1e-12)
    np.testing.assert_allclose(st.var[0], cost.var(ddof=1), rtol=1e-10)
    assert st.minimum[0] == cost.min() and st.maximum[0] == cost.max()
    assert np.array_equal(st.exceed[0], [(cost > t).sum() for t in (1e8, 5e8, 1e9)])
    q = np.array([0.001, 0.05, 0.5, 0.95, 0.999])
    got, want = st.quantile("cost", q), np.quantile(cost, q)
    assert np.all(np.abs(got / want - 1) < 2.0**-8)  # the stated worst-case bound
    assert np.all(np.abs(got[1:-1] / want[1:-1] - 1) < 1e-4)  # what interpolation achieves
    lo, hi = st.hdi("cost", 0.9)
    inside = ((cost >= lo) & (cost <= hi)).mean()
    assert 0.9 <= inside < 0.9 + 0.01


def test_streaming_handles_negative_zero_and_nan() -> None:
    """Signed values, exact zeros and NaNs are all accounted for."""
    priors = {
        "a": Normal(mu=0.0, sigma=1.0),
        "b": prior_from_spec({"family": "fixed", "value": 0.0}),
    }
    n = 50_000
    stored = run_engine(two_input_model(), priors, draws=n, seed=6).outputs["s"].ravel()
    st = run_engine(two_input_model(), priors, draws=n, seed=6, store=False).stats
    assert st is not None
    q = st.quantile("s", np.array([0.1, 0.5, 0.9]))
    np.testing.assert_allclose(q, np.quantile(stored, [0.1, 0.5, 0.9]), atol=2e-3)
    assert st.nan_count[0] == 0 and st.count[0] == n
    o = st.names.index("s")
    assert st.zeros[o] == np.count_nonzero(stored == 0.0)
    assert st.zeros[o] + st.hist[o].sum() == n


def test_streaming_zero_mass_is_exact() -> None:
    """A point mass at zero is counted apart from the log bins, so its quantiles are 0."""
    from frontiercost.results.trees import stream_stats, streaming_tree

    priors = {
        "a": prior_from_spec({"family": "fixed", "value": 0.0}),
        "b": prior_from_spec({"family": "fixed", "value": 0.0}),
    }
    model = two_input_model()
    result = run_engine(model, priors, draws=10_000, chains=1, seed=2, store=False)
    st = result.stats
    assert st is not None and st.zeros.tolist() == [10_000, 10_000]
    assert st.hist.sum() == 0
    np.testing.assert_array_equal(st.quantile("s", np.array([0.05, 0.5, 0.95])), 0.0)
    run = {"seed": 2, "sampler": "mc", "draws": 10_000, "chains": 1}
    back = stream_stats(streaming_tree(model, priors, result, run))
    np.testing.assert_array_equal(back.zeros, st.zeros)
    np.testing.assert_array_equal(back.hist, st.hist)


def test_streaming_counts_do_not_depend_on_the_int32_chunking(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Kernel calls capped at HIST32_DRAWS draws (int32 per-thread bins) sum to the same counts."""
    import frontiercost.engine.local as eng
    import frontiercost.engine.ranges as ranges

    priors = {"a": Beta(alpha=2, beta=2), "b": Normal(mu=0, sigma=1)}
    kw = {"draws": 300_001, "seed": 8, "store": False, "thresholds": {"s": [0.5]}}
    whole = run_engine(two_input_model(), priors, **kw).stats  # type: ignore[arg-type]
    monkeypatch.setattr(ranges, "HIST32_DRAWS", SEGMENT)  # the kernel calls' length
    monkeypatch.setattr(eng, "HIST32_DRAWS", SEGMENT)  # the per-thread tallies' flushes
    cut = run_engine(two_input_model(), priors, **kw).stats  # type: ignore[arg-type]
    assert whole is not None and cut is not None
    for field in ("count", "mean", "var", "minimum", "maximum", "exceed", "hist", "zeros"):
        np.testing.assert_array_equal(getattr(whole, field), getattr(cut, field))


@pytest.mark.parametrize("store", [False, True])
def test_runs_cut_into_capped_pieces_give_the_same_bits(
    monkeypatch: pytest.MonkeyPatch, store: bool
) -> None:
    """Pieces of at most MAX_PIECE draws (a signal acts between two): same bits as one."""
    import frontiercost.engine.local as eng

    priors = {"a": Beta(alpha=2, beta=2), "b": Normal(mu=0, sigma=1)}
    kw = {"draws": 5 * SEGMENT + 17, "seed": 8, "store": store, "thresholds": None}
    assert eng.progress_step(10**12, None) == eng.MAX_PIECE
    whole = run_engine(two_input_model(), priors, **kw)  # type: ignore[arg-type]
    monkeypatch.setattr(eng, "MAX_PIECE", 2 * SEGMENT)
    assert eng.progress_step(10**12, None) == 2 * SEGMENT
    cut = run_engine(two_input_model(), priors, **kw)  # type: ignore[arg-type]
    if store:
        np.testing.assert_array_equal(whole.outputs["s"], cut.outputs["s"])
        return
    for field in ("count", "mean", "var", "minimum", "maximum", "hist", "zeros"):
        np.testing.assert_array_equal(getattr(whole.stats, field), getattr(cut.stats, field))


@pytest.mark.parametrize("sampler", ["mc", "lhs", "qmc"])
def test_odd_block_sizes_give_the_same_bits(sampler: str) -> None:
    """Blocks that end mid-vector give the same bits: every draw takes the vectorized path.

    Exercises every closed-form family and the formula interpreter's exp/log/pow,
    whose multiply-adds LLVM may contract differently in a scalar loop remainder.
    """
    from frontiercost.engine._interp import formula_kernel
    from frontiercost.model.formula import compile_program
    from frontiercost.priors import Gamma, LogitNormal, Triangular, TruncNormal

    priors = {
        "a": Normal(mu=0.3, sigma=1.7),
        "b": LogNormal(mu=0.1, sigma=0.9),
        "c": Beta(alpha=2.5, beta=4.0),
        "d": Gamma(shape=2.0, scale=1.5),
        "e": Triangular(minimum=0.1, mode=0.4, maximum=2.0),
        "f": LogitNormal(mu=0.2, sigma=0.8),
        "g": TruncNormal(mu=1.0, sigma=2.0, lower=0.0, upper=3.0),
    }
    names = tuple(priors)
    formula = "a * b ** c + exp(d / 3) * log(e + f) + 10 ** (g / 4)"
    program = compile_program(names, {"y": formula}, ["y"])
    model = Model("odd", names, (Output("y", "1", "y"),), formula_kernel, program)
    runs = [
        run_engine(
            model,
            priors,
            draws=3001,
            chains=2,
            seed=4,
            sampler=sampler,
            block_size=b,
            store_inputs=True,
        )
        for b in (4096, 64, 8)
    ]
    for other in runs[1:]:
        assert np.array_equal(runs[0].outputs["y"], other.outputs["y"])
        for name in names:
            assert np.array_equal(runs[0].inputs[name], other.inputs[name]), name


@pytest.mark.parametrize("store", [True, False])
def test_interpreter_scratch_rows_give_the_same_bits(store: bool) -> None:
    """Working rows from the driver (once per thread) or the kernel (per call): same bits."""
    from frontiercost.engine._interp import formula_kernel
    from frontiercost.model.formula import compile_program

    priors = {"a": Beta(alpha=2, beta=2), "b": Normal(mu=0, sigma=1)}
    program = compile_program(("a", "b"), {"y": "exp(a * b) / (1 + a) - b ** 2"}, ["y"])
    assert program[0] >= 2  # the formula needs working rows
    runs = []
    for scratch in (0, int(program[0])):
        model = Model("f", ("a", "b"), (Output("y", "1", "y"),), formula_kernel, program, scratch)
        r = run_engine(model, priors, draws=20_001, seed=3, store=store, block_size=512)
        runs.append(r.outputs["y"] if store else r.stats.hist)  # type: ignore[union-attr]
    np.testing.assert_array_equal(runs[0], runs[1])


@pytest.mark.parametrize("store", [True, False])
def test_progress_reports_without_changing_bits(store: bool) -> None:
    """A run cut into pieces to report progress gives the uncut run's bits."""
    priors = {"a": Beta(alpha=2, beta=2), "b": Normal(mu=0, sigma=1)}
    seen: list[tuple[int, int]] = []
    kw = {"draws": 300_001, "seed": 8, "store": store, "thresholds": {"s": [0.5]}}
    plain = run_engine(two_input_model(), priors, **kw)  # type: ignore[arg-type]
    cut = run_engine(two_input_model(), priors, progress=lambda d, t: seen.append((d, t)), **kw)  # type: ignore[arg-type]
    assert len(seen) > 1 and seen[-1] == (300_001, 300_001)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    if store:
        np.testing.assert_array_equal(plain.outputs["s"], cut.outputs["s"])
    else:
        a, b = plain.stats, cut.stats
        for field in ("count", "mean", "var", "minimum", "maximum", "exceed", "hist", "zeros"):
            np.testing.assert_array_equal(getattr(a, field), getattr(b, field))


_COPULA_RUN = """
import sys, numpy as np
import frontiercost as fc
scenario = {
    "parameters": {
        "a": {"family": "normal", "p5": -1.0, "p95": 3.0},
        "b": {"family": "lognormal", "p5": 1.0, "p95": 30.0},
        "c": {"family": "logitnormal", "p5": 0.2, "p95": 0.7, "lower": 0.1, "upper": 0.9},
        "d": {"family": "truncnormal", "p5": 2.6, "p95": 3.5, "lower": 2.5, "upper": 9.0},
        "e": {"family": "truncnormal", "p5": -0.9, "p95": -0.35, "lower": -9.0, "upper": -0.3},
        "f": {"family": "truncnormal", "p5": 1.0, "p95": 9.0, "lower": 0.0, "upper": 100.0},
        "g": {"family": "beta", "alpha": 4, "beta": 6},
        "k": {"family": "lognormal", "p5": 0.01, "p95": 1e5},
    },
    "correlation": [{"between": ["a", "b"], "rank": 0.5}],
    "formulas": {"y": "a + b * c + d * e + f * g + k"},
}
post = fc.simulate(scenario, draws=100_000, chains=2, seed=3, store_inputs=True)["posterior"]
names = ("a", "b", "c", "d", "e", "f", "g", "k", "y")
sys.stdout.write(np.stack([post[v].values for v in names]).tobytes().hex())
"""


@pytest.mark.slow
@pytest.mark.e2e
def test_a_correlated_run_has_the_same_bits_compiled_or_loaded_from_the_cache(
    tmp_path: Path,
) -> None:
    """The process that compiles the kernels and one that loads them from numba's
    disk cache give the same draws (before, a copula run's correlated inputs
    differed in ~2 % of draws between the two)."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    runs = [
        subprocess.run(
            [sys.executable, "-c", _COPULA_RUN],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        ).stdout
        for _ in range(2)
    ]
    assert any((tmp_path / "numba").rglob("*.nbi"))  # the second run had a cache to load
    assert runs[0] == runs[1]


@pytest.mark.slow
@pytest.mark.e2e
def test_vector_width_never_changes_the_bits(tmp_path: Path) -> None:
    """512-bit vectors, which frontiercost asks numba for on AVX-512 CPUs, and
    numba's own 256-bit preference give the same draws, for every transform
    family that has its own kernel, a copula and the formula interpreter."""
    from frontiercost.engine._jit import WIDE_VECTORS

    if not WIDE_VECTORS:
        pytest.skip("no AVX-512 here (or NUMBA_CPU_* set): only one vector width to try")
    code = _COPULA_RUN + (
        "from frontiercost.engine._jit import WIDE_VECTORS\n"
        "sys.stderr.write(f'wide={WIDE_VECTORS}')\n"
    )

    def child(wide: str) -> tuple[str, str]:
        env = {
            **os.environ,
            "NUMBA_CACHE_DIR": str(tmp_path / "numba"),
            "FRONTIERCOST_WIDE_VECTORS": wide,
        }
        res = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
        )
        return res.stdout, res.stderr

    (wide, wide_err), (narrow, narrow_err) = child("1"), child("0")
    assert "wide=True" in wide_err and "wide=False" in narrow_err  # two builds were compared
    assert len(wide) > 1000 and wide == narrow


@pytest.mark.parametrize(
    ("before", "env", "wide", "loops"),
    [
        ("", {}, True, True),
        ("", {"FRONTIERCOST_WIDE_VECTORS": "0"}, False, True),
        ("", {"NUMBA_CPU_FEATURES": "{host}"}, False, True),
        ("", {"NUMBA_CPU_FEATURES": "{host},-avx512f"}, False, False),
        ("", {"NUMBA_ENABLE_AVX": "0"}, False, False),
        ("", {"NUMBA_CPU_NAME": "skylake-avx512"}, False, True),
        ("import numba\n@numba.njit\ndef f(x):\n    return x\n", {}, False, True),
    ],
    ids=[
        "default",
        "turned-off",
        "user-features",
        "user-features-without-avx512",
        "numba-avx-off",
        "user-cpu-name",
        "numba-already-started",
    ],
)
def test_wide_vectors_and_avx512_loops_follow_numbas_own_settings(
    before: str, env: dict[str, str], wide: bool, loops: bool
) -> None:
    """The 512-bit setting is numba's process-wide one: frontiercost sets it only
    on an AVX-512 CPU, when neither the user nor an earlier numba function did;
    the AVX-512 loops run exactly where numba's compiler targets AVX-512."""
    from llvmlite import binding

    host = binding.get_host_cpu_features().flatten()
    if "+avx512f" not in host.split(","):
        pytest.skip("no AVX-512 here: the setting is never made")
    env = {k: v.format(host=host) for k, v in env.items()}
    ours = ("NUMBA_CPU", "NUMBA_ENABLE", "FRONTIER")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    code = before + (
        "import sys, numba\n"
        "from frontiercost.engine._jit import WIDE_VECTORS\n"
        "from frontiercost.engine._simd import AVX512\n"
        "from numba.core.registry import cpu_target\n"
        "features = cpu_target.target_context.codegen().magic_tuple()[2]\n"
        "sys.stdout.write(f'{WIDE_VECTORS} {features.endswith(\",-prefer-256-bit\")} {AVX512}')\n"
    )
    res = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**clean, **env},
    )
    assert res.stdout == f"{wide} {wide} {loops}"  # as it is in numba's compiler


def _per_draw_fold():  # type: ignore[no-untyped-def]
    """The streaming fold as one rule per draw (the engine's definition), compiled
    with the engine's options (its multiply-adds fuse as the engine's do)."""
    import math

    from frontiercost.engine._drivers import _bin
    from frontiercost.engine._jit import njit

    @njit
    def fold(y, m, shift, hist_shift, thresholds, mom, lanes, hist, zeros, exceed):  # type: ignore[no-untyped-def]
        for o in range(y.shape[0]):
            for j in range(m):
                v = y[o, j]
                if math.isnan(v):
                    mom[o, 5] += 1.0
                    continue
                if math.isinf(v):
                    mom[o, 6] += 1.0
                d = v - shift[o]
                lanes[o, 0, j & 7] += d
                lanes[o, 1, j & 7] += d * d
                mom[o, 0] += 1.0
                if v < mom[o, 3]:
                    mom[o, 3] = v
                    mom[o, 7] = 1.0  # draws at the min so far
                elif v == mom[o, 3]:
                    mom[o, 7] += 1.0
                if v > mom[o, 4]:
                    mom[o, 4] = v
                    mom[o, 8] = 1.0
                elif v == mom[o, 4]:
                    mom[o, 8] += 1.0
                h = v - hist_shift[o]  # the histogram's origin
                if h > 0.0:
                    hist[o, 1, _bin(h)] += 1
                elif h < 0.0:
                    hist[o, 0, _bin(h)] += 1
                else:
                    zeros[o] += 1
                for t in range(thresholds.shape[1]):
                    if v > thresholds[o, t]:
                        exceed[o, t] += 1

    return fold


@pytest.mark.parametrize("m", [64, 203])
def test_the_streaming_fold_keeps_the_per_draw_rule(m: int) -> None:
    """The pass-per-statistic fold gives the per-draw rule's counts, extremes (the
    first zero met, whatever its sign) and lane sums, with NaN, inf and both zeros."""
    from frontiercost.engine._drivers import N_BINS, N_MOM, _reduce_block

    rng = np.random.default_rng(7)
    y = rng.lognormal(0, 3, (4, m)) * rng.choice([-1.0, 1.0], (4, m))
    y[0, rng.integers(0, m, 9)] = np.nan
    y[1, rng.integers(0, m, 3)] = np.inf
    y[1, rng.integers(0, m, 3)] = -np.inf
    y[2] = np.abs(y[2])
    y[2, [5, 9]] = [0.0, -0.0]  # the minimum: +0.0 met first
    y[3] = -np.abs(y[3])
    y[3, [4, 8]] = [-0.0, 0.0]  # the maximum: -0.0 met first
    shift = np.array([0.5, 0.0, 1.0, -2.0])
    hist_shift = np.array([0.0, 0.0, 1.0, -2.0])  # two outputs' bins measured from 1 and -2
    y[2, 11] = 1.0  # a draw at the origin: counted with zeros
    thresholds = np.array([[0.0, 1.0]] * 4)
    got, want = [], []
    for out, fold in ((got, _reduce_block), (want, _per_draw_fold())):
        mom = np.zeros((4, N_MOM))
        mom[:, 3], mom[:, 4] = np.inf, -np.inf
        arrays = (mom, np.zeros((4, 2, 8)), np.zeros((4, 2, N_BINS), np.int32),
                  np.zeros(4, np.int64), np.zeros((4, 2), np.int64))  # fmt: skip
        fold(y, m, shift, hist_shift, thresholds, *arrays)
        out.extend(arrays)
    for a, b in zip(got, want, strict=True):
        assert np.array_equal(a.view(np.uint8), b.view(np.uint8))
    assert np.signbit(got[0][2, 3]) is np.False_ and np.signbit(got[0][3, 4]) is np.True_
