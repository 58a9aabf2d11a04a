"""Tests of the throughput benchmark's baselines and harness (not of frontiercost's engine).

Statistical checks use fixed seeds, so they are deterministic; the stated
false-failure rates are what a fresh seed would risk.  No test asserts a time.
"""

from __future__ import annotations

import json
import math
import sys

import numpy as np
import pytest
from scipy import integrate, stats

from frontiercost.bench import baselines as bl
from frontiercost.bench import harness

N = 100_000


@pytest.fixture(scope="module")
def params() -> bl.ReferenceParams:
    return bl.reference_params()


def _scipy_inputs(p: bl.ReferenceParams) -> dict[str, stats.rv_continuous]:
    """The reference inputs as frozen scipy distributions (an independent parametrisation)."""
    return {
        "training_compute": stats.lognorm(s=p.compute_sigma, scale=math.exp(p.compute_mu)),
        "utilization": stats.beta(p.util_alpha, p.util_beta),
        "price_per_chip_hour": stats.lognorm(s=p.price_sigma, scale=math.exp(p.price_mu)),
        "overhead": stats.uniform(p.overhead_lo, p.overhead_hi - p.overhead_lo),
        "final_run_share": stats.beta(p.share_alpha, p.share_beta),
    }


def test_reference_params_reproduce_the_90_percent_intervals(params: bl.ReferenceParams) -> None:
    dists = _scipy_inputs(params)
    for name, (family, p5, p95) in bl.REFERENCE_INTERVALS.items():
        if family == "uniform":
            np.testing.assert_allclose(dists[name].support(), [p5, p95], rtol=1e-12)
        else:
            np.testing.assert_allclose(dists[name].ppf([0.05, 0.95]), [p5, p95], rtol=1e-6)
    assert params.peak_flops == 989e12


@pytest.mark.parametrize("interval", [(0.3, 0.5), (0.1, 0.3), (0.01, 0.05), (0.6, 0.99)])
def test_fit_beta_90(interval: tuple[float, float]) -> None:
    a, b = bl.fit_beta_90(*interval)
    np.testing.assert_allclose(stats.beta.ppf([0.05, 0.95], a, b), interval, rtol=1e-9)


@pytest.mark.parametrize("bad", [(0.5, 0.3), (0.0, 0.3), (0.2, 1.0)])
def test_fit_beta_90_rejects_bad_intervals(bad: tuple[float, float]) -> None:
    with pytest.raises(ValueError, match="90% interval"):
        bl.fit_beta_90(*bad)


def test_analytic_moments_agree_with_scipy_quadrature(params: bl.ReferenceParams) -> None:
    d = _scipy_inputs(params)
    scale = params.peak_flops * 3600.0

    def inv_moment(dist: stats.rv_continuous, k: int) -> float:
        return integrate.quad(lambda x: x**-k * dist.pdf(x), 0, 1, epsabs=0, limit=200)[0]

    def moment(k: int) -> float:
        return (
            d["training_compute"].moment(k)
            * d["price_per_chip_hour"].moment(k)
            * d["overhead"].moment(k)
            * inv_moment(d["utilization"], k)
            * inv_moment(d["final_run_share"], k)
            / scale**k
        )

    mean, sd = bl.analytic_moments(params)
    np.testing.assert_allclose(mean, moment(1), rtol=1e-7)
    np.testing.assert_allclose(sd, math.sqrt(moment(2) - moment(1) ** 2), rtol=1e-6)


def _baseline_draws(p: bl.ReferenceParams) -> dict[str, np.ndarray]:
    draws = {
        "numpy": bl.numpy_plain(N, 1, p),
        "numpy-best": np.asarray(bl.numpy_best(N, 2, p, threads=2, chunk=8192)),
    }
    sq = bl.squigglepy_run(N, 3, p)
    if sq is not None:
        draws["squigglepy"] = sq
    return draws


def test_baseline_means_match_the_exact_mean(params: bl.ReferenceParams) -> None:
    # |z| <= 5: false-failure rate ~6e-7 per method for a correct sampler.
    mean, sd = bl.analytic_moments(params)
    for name, x in _baseline_draws(params).items():
        assert x.shape == (N,) and x.dtype == np.float64, name
        z = (x.mean() - mean) / (sd / math.sqrt(N))
        assert abs(z) <= 5, f"{name}: mean {x.mean():.6g} is {z:+.1f} se from {mean:.6g}"
    summary = bl.numpy_best(N, 4, params, store=False)
    assert isinstance(summary, bl.StreamSummary)
    assert abs((summary.mean - mean) / (sd / math.sqrt(N))) <= 5


def test_baseline_medians_match_a_plain_scipy_sample(params: bl.ReferenceParams) -> None:
    # The median's relative standard error at N = 1e5 is ~0.25 %, so 2 % is ~8 se
    # for a difference of two samples: false-failure rate far below 1e-9.
    rng = np.random.default_rng(12345)
    d = _scipy_inputs(params)
    x = {k: v.rvs(size=N, random_state=rng) for k, v in d.items()}
    reference = np.median(
        x["training_compute"]
        / (params.peak_flops * x["utilization"] * 3600.0)
        * x["price_per_chip_hour"]
        * x["overhead"]
        / x["final_run_share"]
    )
    # Sanity of the reference itself: order of 2.5e8 USD for this model.
    assert 1e8 < reference < 1e9
    for name, draws in _baseline_draws(params).items():
        assert np.median(draws) == pytest.approx(reference, rel=0.02), name


@pytest.mark.parametrize("n", [1, 4096, 50_001])
def test_numpy_best_is_deterministic_whatever_the_thread_count(
    params: bl.ReferenceParams, n: int
) -> None:
    runs = [bl.numpy_best(n, 7, params, threads=t, chunk=4096) for t in (1, 2, 3)]
    for r in runs[1:]:
        np.testing.assert_array_equal(r, runs[0])
    sums = [bl.numpy_best(n, 7, params, threads=t, chunk=4096, store=False) for t in (1, 2, 3)]
    assert sums[0] == sums[1] == sums[2]
    stored = np.asarray(runs[0])
    assert sums[0].count == n
    assert sums[0].exceed == int(np.count_nonzero(stored > bl.DEFAULT_THRESHOLD))
    assert sums[0].mean == pytest.approx(stored.mean(), rel=1e-12)


def test_numpy_best_streams_depend_on_seed(params: bl.ReferenceParams) -> None:
    a = np.asarray(bl.numpy_best(10_000, 0, params, chunk=4096))
    b = np.asarray(bl.numpy_best(10_000, 1, params, chunk=4096))
    assert not np.any(a == b)
    assert np.all(np.isfinite(a)) and np.all(a > 0)


def test_numpy_best_rejects_bad_arguments(params: bl.ReferenceParams) -> None:
    with pytest.raises(ValueError, match="threads"):
        bl.numpy_best(10, 0, params, threads=0)


def test_squigglepy_run_returns_none_without_squigglepy(
    params: bl.ReferenceParams, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "squigglepy", None)
    assert bl.squigglepy_run(10, 0, params) is None


def test_squigglepy_run_is_seeded(params: bl.ReferenceParams) -> None:
    pytest.importorskip("squigglepy")
    a, b = bl.squigglepy_run(1000, 5, params), bl.squigglepy_run(1000, 5, params)
    np.testing.assert_array_equal(a, b)


def test_run_benchmark_in_process_table_and_json(tmp_path) -> None:
    out = tmp_path / "deeper" / "throughput.json"
    result = harness.run_benchmark(
        sizes=(10_000, 20_000),
        include_memory=False,
        out=out,
        methods=harness.BASELINE_METHODS,
        repeats=1,
    )
    assert json.loads(out.read_text()) == json.loads(json.dumps(result))
    assert [p.name for p in out.parent.iterdir()] == ["throughput.json"]  # no temp left
    assert result["schema"] == harness.SCHEMA
    assert len(result["runs"]) == 2 * len(harness.BASELINE_METHODS)
    for r in result["runs"]:
        if r["status"] == "unavailable":  # squigglepy not installed
            continue
        assert r["status"] == "ok" and r["samples_per_s"] > 0
        assert r["mean_ok"] is True
        if r["method"] == "numpy":
            assert r["vs_numpy"] == 1.0
    table = harness.format_table(result)
    rows = [line.split()[:2] for line in table.splitlines()]
    for method in harness.BASELINE_METHODS:
        for n in ("1e4", "2e4"):
            assert [method, n] in rows, (method, n)


@pytest.mark.e2e
def test_run_benchmark_measures_memory_in_a_child() -> None:
    result = harness.run_benchmark(
        sizes=(20_000,), methods=("numpy-best-stream",), include_memory=True, repeats=1
    )
    (r,) = result["runs"]
    assert r["status"] == "ok", r.get("reason")
    assert r["peak_rss_mb"] > 0 and r["rss_after_warmup_mb"] > 0
    assert r["peak_above_baseline_mb"] is not None
    assert "peak MB" in harness.format_table(result)


def test_run_benchmark_rejects_unknown_method() -> None:
    with pytest.raises(harness.BenchmarkError, match="unknown method"):
        harness.run_benchmark(sizes=(10,), methods=("numpy", "bogus"), include_memory=False)


def test_format_table_shows_unavailable_rows_and_flags_wrong_means() -> None:
    result = {
        "meta": {"threads": 2},
        "model": {"analytic_mean": 3.4e8},
        "runs": [
            {"method": "squigglepy", "n": 10**6, "status": "unavailable", "reason": "x"},
            {
                "method": "numpy",
                "n": 10**6,
                "status": "ok",
                "samples_per_s": 8e6,
                "mean": 1.0,
                "mean_z": -99.0,
                "mean_ok": False,
            },
        ],
    }
    table = harness.format_table(result)
    assert "squigglepy" in table and "unavailable" in table
    assert "numpy *" in table and "standard errors from the exact mean" in table


def test_main_writes_json_and_returns_exit_codes(tmp_path, capsys) -> None:
    out = tmp_path / "r.json"
    argv = ["--sizes", "1e4", "--methods", "numpy", "--no-memory", "--no-jit", "--out", str(out)]
    assert harness.main(argv) == 0
    assert json.loads(out.read_text())["runs"][0]["method"] == "numpy"
    assert "numpy" in capsys.readouterr().out
    assert harness.main(["--methods", "bogus"]) == 2
    assert harness.main(["--sizes", "1.5"]) == 2


def test_frontiercost_priors_equal_the_baselines_parameters(params: bl.ReferenceParams) -> None:
    """Both sides of the benchmark sample the same model: parameters agree to 1e-10."""
    from frontiercost.bench.reference import reference_priors

    pr = reference_priors()
    pairs = [
        (pr["training_compute"].mu, params.compute_mu),  # type: ignore[attr-defined]
        (pr["training_compute"].sigma, params.compute_sigma),  # type: ignore[attr-defined]
        (pr["utilization"].alpha, params.util_alpha),  # type: ignore[attr-defined]
        (pr["utilization"].beta, params.util_beta),  # type: ignore[attr-defined]
        (pr["price_per_chip_hour"].mu, params.price_mu),  # type: ignore[attr-defined]
        (pr["price_per_chip_hour"].sigma, params.price_sigma),  # type: ignore[attr-defined]
        (pr["overhead"].lower, params.overhead_lo),  # type: ignore[attr-defined]
        (pr["overhead"].upper, params.overhead_hi),  # type: ignore[attr-defined]
        (pr["final_run_share"].alpha, params.share_alpha),  # type: ignore[attr-defined]
        (pr["final_run_share"].beta, params.share_beta),  # type: ignore[attr-defined]
    ]
    for ours, theirs in pairs:
        assert ours == pytest.approx(theirs, rel=1e-10)


def test_frontiercost_mean_matches_the_exact_mean(params: bl.ReferenceParams) -> None:
    """The engine's reference-model mean is within 5 standard errors of the exact mean."""
    from helpers import run_engine

    from frontiercost.bench.reference import reference_model

    mean, sd = bl.analytic_moments(params)
    model, priors = reference_model()
    n = 400_000
    cost = run_engine(model, priors, draws=n, seed=3).outputs["cost"]
    assert abs(cost.mean() - mean) < 5 * sd / np.sqrt(n)
    st = run_engine(model, priors, draws=n, seed=3, store=False).stats
    assert st is not None and abs(st.mean[0] - mean) < 5 * sd / np.sqrt(n)


def test_formula_model_matches_the_fused_kernel_bit_for_bit() -> None:
    """The interpreter runs the reference formula in the fused kernel's operation order."""
    from helpers import run_engine

    from frontiercost.bench.reference import reference_formula_model, reference_model

    fused, priors = reference_model()
    formula = reference_formula_model()
    a = run_engine(fused, priors, draws=5000, chains=2, seed=11)
    b = run_engine(formula, priors, draws=5000, chains=2, seed=11)
    np.testing.assert_array_equal(a.outputs["cost"], b.outputs["cost"])


BENCH = ["bench", "--sizes", "1e4", "--methods", "numpy,numpy-best", "--no-memory", "--no-jit"]


def test_cli_bench_keeps_the_conventions(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """`frontiercost bench`: --quiet, --format json equal to --out's file, draws in the header."""
    from frontiercost.cli import main

    out = tmp_path / "b.json"
    assert main([*BENCH, "--format", "json", "--out", str(out), "-q"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""  # --quiet: no progress lines, no "wrote" note
    record = json.loads(captured.out)
    assert record == json.loads(out.read_text("utf-8"))
    assert record["schema"] == harness.SCHEMA
    assert [(r["method"], r["n"]) for r in record["runs"]] == [
        ("numpy", 10**4),
        ("numpy-best", 10**4),
    ]
    # an existing benchmark result is replaced; the table names the draws of each row
    assert main([*BENCH, "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "draws per measurement, in all (one chain; n below): 10,000" in captured.out
    assert f"wrote {out}" in captured.err and "bench: numpy n=1e+04" in captured.err
    assert "wrote" not in captured.out


def test_cli_bench_refuses_bad_flags_before_timing(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from frontiercost.cli import main

    theirs = tmp_path / "notes.json"
    theirs.write_text('{"mine": 1}\n', "utf-8")
    cases = [
        (
            [*BENCH, "--out", str(theirs)],
            "--out: " + str(theirs) + " exists and is not a benchmark result",
        ),
        ([*BENCH, "--out", str(tmp_path / "b.txt")], "--out: expected a .json file"),
        ([*BENCH, "--overwrite"], "--overwrite: there is no output file to replace"),
        (["bench", "--sizes", "1e4,x"], "--sizes: size 'x': expected a number such as 1e4"),
        # a whole number, above the largest accepted: it said "not a positive whole number"
        (["bench", "--sizes", "1e16"], "size '1e16': expected a whole number from 1 to 2**53"),
        (["bench", "--methods", "numpy,nope"], "--methods: unknown method(s) ['nope']"),
        (["bench", "--threads", "0"], "--threads"),
        (["bench", "--memory", "0"], "argument --memory: expected a size such as 4G"),
        # limits: bench --sizes 1e12 was an internal MemoryError, or ran until killed
        (
            ["bench", "--sizes", "1e12"],
            "numpy at 1,000,000,000,000 draws would hold at least 54.6 TiB, more than the"
            " memory budget of",
        ),
        (
            ["bench", "--sizes", "1e8", "--methods", "frontiercost", "--memory", "1G"],
            "frontiercost at 100,000,000 draws would hold at least 1.1 GiB, more than the"
            " memory budget of 1.0 GiB; use smaller --sizes, leave it out of --methods",
        ),
        (
            ["bench", "--sizes", "1e9", "--methods", "squigglepy,frontiercost-stream"],
            "squigglepy at 1,000,000,000 draws would hold at least 37.3 GiB",
        ),
        (
            ["bench", "--sizes", "1e9", "--methods", "numpy-best-stream", "--max-time", "10s"],
            "1 measurement would take at least 17 s, more than the limit of 10 s",
        ),
    ]
    for argv, message in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("frontiercost: error: ") and err.count("\n") == 1, err
        assert message in err, (argv, err)
    assert theirs.read_text("utf-8") == '{"mine": 1}\n'  # never overwritten
    assert main([*BENCH, "--out", str(theirs), "--overwrite", "-q"]) == 0
    assert json.loads(theirs.read_text("utf-8"))["schema"] == harness.SCHEMA


def test_a_benchmark_that_measured_nothing_says_so(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Every row stopped at the time limit: exit 0 and "Means: 0 row(s) checked, all
    within 6 standard errors" before."""
    from frontiercost.cli import main

    def stopped(method: str, n: int, *args: object) -> dict[str, object]:
        return {"method": method, "n": n, "status": "error", "reason": "stopped"}

    monkeypatch.setattr(harness, "_measure_in_child", stopped)
    argv = ["bench", "--sizes", "1k", "--methods", "numpy,numpy-best", "--no-jit"]
    assert main([*argv, "--repeats", "1k"]) == 2  # counts take suffixes, as --sizes does
    captured = capsys.readouterr()
    assert "Means: no row finished, none checked." in captured.out
    assert captured.err.endswith(
        "frontiercost: error: bench: none of the 2 measurements finished; their rows say why\n"
    )


def test_a_child_start_counts_in_the_time_estimate() -> None:
    from frontiercost.settings import Limits

    one = (Limits(seconds=0.4), ["numpy"], [1000], 1)
    harness.check_limits(*one, child=False)  # 0.0003 s in this process
    with pytest.raises(harness.BenchmarkError, match=r"at least 0\.5 s"):
        harness.check_limits(*one)  # a child's start: 1k draws with a limit of 1 s stopped


def test_a_measurement_past_the_time_limit_is_stopped_and_said() -> None:
    record = harness._measure_in_child("numpy", 10**4, 1, 1, 0, 0.01)
    assert record == {
        "method": "numpy",
        "n": 10**4,
        "status": "error",
        "reason": "stopped at the time limit of 0.01 s (--max-time)",
    }


def test_the_time_estimate_counts_threads_repeats_and_the_huge_run() -> None:
    from frontiercost.settings import Limits

    def refused(seconds: float, *args: object, **kwargs: object) -> bool:
        try:
            kwargs.setdefault("child", False)  # in this process: no child starts
            harness.check_limits(Limits(seconds=seconds), *args, **kwargs)  # type: ignore[arg-type]
        except harness.BenchmarkError:
            return True
        return False

    # numpy-best at 1e8 draws, once, on 1 thread: at least (1e4 + 1e8) / 3e7 = 3.3 s
    assert refused(3.3, ["numpy-best"], [10**8], 1)
    assert not refused(3.4, ["numpy-best"], [10**8], 1)
    assert not refused(3.3, ["numpy"], [10**6], 1)  # 3 repeats of 1e6: 0.1 s
    assert refused(3.3, ["numpy"], [10**7], 1, repeats=10)  # 10 repeats of 1e7: 3.3 s
    assert refused(3.3, ["frontiercost-stream"], [10**6], 2, huge=True)  # 1e9 more: 3.3 s


def test_the_real_benchmarks_engine_rows_run_on_the_engines_api() -> None:
    """benchmarks/real.py calls the engine's range functions directly: a signature that
    changed (stream_range gained hist_shift) broke `make bench-real` after the sampling,
    with no test failing."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parent.parent / "benchmarks" / "real.py"
    spec = importlib.util.spec_from_file_location("bench_real", path)
    assert spec is not None and spec.loader is not None
    real = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(real)
    costs = real.kernel_cost(1 << 12, 1)
    assert {"reference", "gpt-4"} <= set(costs)
    for row in costs.values():
        assert row["stored_ns_per_draw"] > 0 and row["streaming_ns_per_draw"] > 0
    parts = real.breakdown("gpt-4", real.WARMUP, 1)  # its warm-up fills WARMUP columns
    assert parts and all(isinstance(k, str) for k in parts)
