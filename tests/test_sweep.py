"""Sweeps: grid dims, common random numbers, summary mode, and bad specs caught up front."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import frontiercost as fc
from frontiercost import ScenarioError
from frontiercost.scenarios import parse_vary
from frontiercost.scenarios.grid import parse_values

HERE = Path(__file__).parent
VARIANTS = HERE / "sweeps" / "variants.toml"
RUN = {"draws": 500, "chains": 2, "seed": 3}


def test_parse_values() -> None:
    assert parse_values("x", "0.05:0.3:6") == pytest.approx((0.05, 0.1, 0.15, 0.2, 0.25, 0.3))
    assert parse_values("year", "2025..2030") == (2025, 2026, 2027, 2028, 2029, 2030)
    assert parse_values("x", "1, 2.5,abc") == (1, 2.5, "abc")
    assert parse_vary(["a=1,2", "year=2025..2026"]) == {"a": (1, 2), "year": (2025, 2026)}


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        (["year=2030..2025"], "empty range"),
        (["x=1:2:0"], "asks for no values"),
        (["x=a:2:3"], "is not a number"),
        (["year"], "is not FIELD=VALUES"),
        (["year=2025..2026", "year=2027..2028"], "varied twice"),
    ],
)
def test_bad_value_specs(spec: list[str], match: str) -> None:
    with pytest.raises(ScenarioError, match=match):
        parse_vary(spec)


def test_grid_dims_coords_and_units() -> None:
    tree = fc.sweep(
        "frontier-run-2025-2030",
        vary=["growth_rate.central=2.0:2.8:3", "year=2023..2024"],
        **RUN,
    )
    post = tree["posterior"]
    assert dict(post.sizes) == {"growth_rate.central": 3, "year": 2, "chain": 2, "draw": 500}
    assert post["projected_cost_2027"].dims[:2] == ("growth_rate.central", "year")
    assert post["year"].attrs["units"] == "yr"
    assert post["growth_rate.central"].attrs["units"] == "1/yr"
    assert post["projected_cost_2027"].attrs["units"] == "USD"
    med = post["projected_cost_2027"].median(("chain", "draw"))
    # faster growth and an earlier base year both raise the 2027 cost
    assert np.all(med.diff("growth_rate.central") > 0)
    assert np.all(med.diff("year") < 0)


def test_common_random_numbers_match_a_direct_run() -> None:
    """A point equal to the scenario as written has the direct run's bits."""
    sc = fc.load_scenario("frontier-run-2025-2030")
    central = sc.priors["growth_rate"].central
    tree = fc.sweep(
        "frontier-run-2025-2030", vary={"growth_rate.central": [central * 0.9, central]}, **RUN
    )
    direct = fc.simulate("frontier-run-2025-2030", **RUN)["posterior"]
    point = tree["posterior"].isel({"growth_rate.central": 1})
    for var in ("projected_cost_2027", "final_run_cost"):
        np.testing.assert_array_equal(point[var].values, direct[var].values)
    # the base cost's draws are shared by every point: differences are the growth rate's
    other = tree["posterior"].isel({"growth_rate.central": 0})
    np.testing.assert_array_equal(other["final_run_cost"].values, direct["final_run_cost"].values)


def test_variants_and_vary_from_the_file(tmp_path: Path) -> None:
    tree = fc.sweep(VARIANTS, **RUN)
    post = tree["posterior"]
    assert list(post["variant"].values) == ["slow", "fast"]
    assert list(post["cloud_price.central"].values) == [1.5, 2.0, 2.5]
    med = post["projected_cost_2027"].median(("chain", "draw"))
    assert float(med.sel(variant="fast").min()) > float(med.sel(variant="slow").max())
    tree.to_netcdf(tmp_path / "sweep.nc")
    back = xr.open_datatree(tmp_path / "sweep.nc")
    xr.testing.assert_identical(back["posterior"].to_dataset(), post.to_dataset())


def test_summary_mode_keeps_no_draws_and_counts_exactly() -> None:
    kw = {"vary": ["growth_rate=2.0,2.9"], **RUN}
    summary = fc.sweep(
        "frontier-run-2025-2030",
        summary_only=True,
        thresholds={"projected_cost_2027": [1e9]},
        **kw,
    )
    stored = fc.sweep("frontier-run-2025-2030", **kw)
    assert "posterior" not in summary.children
    s = summary["summary"]
    assert {"growth_rate", "variable", "ci_bound"} <= set(s.dims)
    p = s["exceedance_projected_cost_2027"].isel(threshold_projected_cost_2027=0).values
    draws = stored["posterior"]["projected_cost_2027"].values
    np.testing.assert_array_equal(p, (draws > 1e9).mean(axis=(1, 2)))


@pytest.mark.parametrize(
    ("vary", "match"),
    [
        ({"growht_rate": [2.0]}, r"unknown field \(did you mean 'growth_rate'\?\)"),
        ({"growth_rate.central": [-1.0]}, r"sweep point growth_rate.central=-1.0: .*growth_rate"),
        ({"final_run_cost": [-5.0]}, "sweep point final_run_cost=-5.0: .*outside"),
        # a quantity the scenario does not read: every point would be the same
        ({"utilization": [0.4, 0.5]}, "'frontier-run-2025-2030' does not use utilization"),
    ],
)
def test_bad_fields_fail_before_any_sampling(vary, match, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from frontiercost.engine import LocalExecutor

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("sampled before validating every point")

    monkeypatch.setattr(LocalExecutor, "run", boom)
    with pytest.raises(ScenarioError, match=match):
        fc.sweep("frontier-run-2025-2030", vary=vary, **RUN)


def test_a_computed_quantity_has_no_prior_to_vary() -> None:
    with pytest.raises(ScenarioError, match="amortized_cost has no prior in this scenario"):
        fc.sweep("gpt-4", vary={"amortized_cost.central": [4e7]}, **RUN)


def test_nothing_to_sweep() -> None:
    with pytest.raises(ScenarioError, match="nothing to sweep"):
        fc.sweep("gpt-4", **RUN)


def test_summarize_stacks_over_sweep_dims() -> None:
    """A sweep's summary has the sweep dims; each point equals that point's own run."""
    tree = fc.sweep("frontier-run-2025-2030", vary=["year=2023..2024"], **RUN)
    s = fc.summarize(tree, var_names=["projected_cost_2027"])
    assert s["median"].dims == ("year", "variable") and s["year"].attrs["units"] == "yr"
    post = tree["posterior"].to_dataset().isel(year=0).drop_vars("year")
    one = fc.summarize(
        xr.DataTree.from_dict({"posterior": post}), var_names=["projected_cost_2027"]
    )
    for var in ("median", "mean", "ci"):
        np.testing.assert_array_equal(s[var].isel(year=0).values, one[var].values)


def test_vary_replaces_the_files_values_of_a_field() -> None:
    """A field given to vary= replaces the [sweep] table's values, never adds to them."""
    tree = fc.sweep(VARIANTS, vary={"cloud_price.central": [1.0, 3.0]}, **RUN)
    post = tree["posterior"]
    assert list(post["cloud_price.central"].values) == [1.0, 3.0]  # not 1.0, 1.5, 2.0, 2.5, 3.0
    assert list(post["variant"].values) == ["slow", "fast"]  # the other axes stay


def test_a_summary_sweep_runs_in_batches_within_its_memory_budget(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Each point's streaming histograms (1.3 MB per output) are summarized and dropped a
    batch at a time; the table is the one of a single batch, value for value."""
    from frontiercost import run as run_module
    from frontiercost.engine import HIST_BYTES
    from frontiercost.settings import Limits

    vary = {"growth_rate": [2.0, 2.4, 2.9], "year": [2023, 2024]}
    kw = {"vary": vary, "summary_only": True, "store": False, **RUN}
    whole = fc.sweep("frontier-run-2025-2030", **kw)
    sizes: list[int] = []
    real_run = run_module._run

    def counting(specs, *args, **kwargs):  # type: ignore[no-untyped-def]
        sizes.append(len(specs))
        return real_run(specs, *args, **kwargs)

    monkeypatch.setattr(run_module, "_run", counting)
    outputs = len(fc.load_scenario("frontier-run-2025-2030").model().outputs)
    budget = 4 * 2 * HIST_BYTES * outputs  # two points' statistics per batch
    seen: list[tuple[int, int]] = []
    small = fc.sweep(
        "frontier-run-2025-2030", limits=Limits(memory_bytes=budget),
        progress=lambda d, t: seen.append((d, t)), **kw,
    )  # fmt: skip
    assert sizes == [2, 2, 2]
    xr.testing.assert_identical(small, whole)
    total = 6 * RUN["draws"] * RUN["chains"]
    assert seen[-1] == (total, total) and all(t == total for _, t in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)  # one count over all batches


def test_the_time_limit_spans_every_batch_of_a_sweep(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Each batch had a watch of its own, whose clock started again: a sweep of many
    batches ran well past --max-time (400 points at 5 s: 17 s)."""
    from types import SimpleNamespace

    from frontiercost import settings
    from frontiercost.engine import HIST_BYTES
    from frontiercost.errors import SimulationError
    from frontiercost.settings import Limits

    clock = [0.0]
    monkeypatch.setattr(settings, "time", SimpleNamespace(perf_counter=lambda: clock[0]))

    def tick(done: int, total: int) -> None:  # every report takes a second
        clock[0] += 1.0

    vary = {"growth_rate": [2.0, 2.4, 2.9], "year": [2023, 2024]}
    kw = {"vary": vary, "summary_only": True, "store": False, **RUN}
    outputs = len(fc.load_scenario("frontier-run-2025-2030").model().outputs)
    budget = 4 * 2 * HIST_BYTES * outputs  # three batches of two points
    fc.sweep("frontier-run-2025-2030", limits=Limits(memory_bytes=budget), progress=tick, **kw)
    per_batch = clock[0] / 3
    clock[0] = 0.0
    limit = Limits(memory_bytes=budget, seconds=1.5 * per_batch)  # more than any one batch
    with pytest.raises(SimulationError, match=r"^a sweep of 6 points: stopped after"):
        fc.sweep("frontier-run-2025-2030", limits=limit, progress=tick, **kw)


@pytest.mark.parametrize(
    ("extra", "vary", "match"),
    [
        ('[[sweep.variant]]\nname = "slow"\nset = { growth_rate = 2.0 }\n', None,
         "variant name 'slow' is given twice"),
        ("", ["growth_rate=1,2"], "variant 'slow' sets growth_rate, which is also varied"),
    ],
)  # fmt: skip
def test_variants_that_cannot_be_told_apart_are_refused(
    tmp_path: Path, extra: str, vary: list[str] | None, match: str
) -> None:
    """Two variants of one name, or a varied field a variant sets: rows that look
    different and are not."""
    path = tmp_path / "v.toml"
    path.write_text(VARIANTS.read_text() + "\n" + extra)
    with pytest.raises(ScenarioError, match=match):
        fc.sweep(str(path), vary=vary, **RUN)


def test_evenly_spaced_values_are_the_decimals_asked_for() -> None:
    """linspace gave 0.15000000000000002 for 0.1:0.2:3: shown in tables, and
    ``tree.sel(field=0.15)`` found nothing."""
    assert parse_values("x", "0.1:0.2:3") == (0.1, 0.15, 0.2)
    assert parse_values("x", "0:1:11") == tuple(i / 10 for i in range(11))
    with pytest.raises(ScenarioError, match="equal to 15 significant digits"):
        parse_values("x", "1:1.0000000000000002:3")
    with pytest.raises(ScenarioError, match="asks for 1 value between two ends"):
        parse_values("x", "0.1:0.3:1")  # linspace gave 0.1 alone, dropping 0.3


def test_a_field_that_changes_nothing_sampled_is_warned_of() -> None:
    """``year`` of a scenario whose prices are given for a year changes no prior and
    no formula: three identical points, said so rather than shown as three answers."""
    from frontiercost.errors import ScenarioWarning
    from frontiercost.scenarios.grid import build_grid

    with pytest.warns(ScenarioWarning, match=r"sweep year: every value gives scenario"):
        build_grid("new-run-h100-2025", ["year=2025..2027"])
    with pytest.warns(ScenarioWarning) as caught:
        grid = build_grid("new-run-h100-2025", ["year=2025..2026", "utilization.central=0.3,0.4"])
    assert grid.size == 4
    assert [str(w.message).split(":")[0] for w in caught] == ["sweep year"]  # not utilization


def test_values_are_read_as_a_scenario_file_holds_them() -> None:
    """true/false, dates and whole-number ranges were refused ("must be true or false",
    "expected a date", "expected a year (an integer), got 2023.0")."""
    assert parse_values("x", "2023:2025:3") == (2023, 2024, 2025)
    assert parse_values("x", "0:1:3") == (0.0, 0.5, 1.0)
    assert parse_values("x", "true,false") == (True, False)
    from frontiercost.scenarios.grid import build_grid

    grid = build_grid("gpt-4", ["hardware.training_start=2022-01-01,2022-05-12"])
    ages = [p.priors["hardware_age"].central for p in grid.points]
    assert ages[0] < ages[1]  # a later start: older hardware


def test_a_library_multiplier_times_is_swept() -> None:
    """``chip_count.times`` (how every model scenario writes its chips) raised
    "times goes with prior = '<library multiplier>'"."""
    tree = fc.sweep("gpt-4", vary=["chip_count.times=20000,30000"], draws=200)
    med = fc.summarize(tree, var_names="chip_hours")["median"].values.ravel()
    assert med[1] / med[0] == pytest.approx(1.5, rel=0.02)


def test_times_is_swept_only_where_the_file_writes_it_and_in_the_inputs_unit() -> None:
    """``final_run_cost.times=2`` replaced the $40.6M central by 2 (exit 0); a unit
    input's ``times`` (``bare_chip_price``, USD) was refused for unit '1'."""
    with pytest.raises(ScenarioError, match="is not written as prior = '<library multiplier>'"):
        fc.sweep("frontier-run-2025-2030", vary=["final_run_cost.times=2"], draws=100)
    tree = fc.sweep("gpt-4", vary=["bare_chip_price.times=15000,30000"], draws=300)
    med = fc.summarize(tree, var_names="chip_cost")["median"].values.ravel()
    assert med[1] / med[0] == pytest.approx(2.0, rel=1e-9)  # one draw scaled, the rest shared
    assert tree["posterior"]["chip_cost"].attrs["units"] == "USD"


def test_python_values_in_vary_are_a_scenario_files(tmp_path: Path) -> None:
    import datetime as dt

    a = fc.sweep("frontier-run-2025-2030", vary={"growth_rate": np.array([2.0, 3.0])}, draws=50)
    b = fc.sweep("frontier-run-2025-2030", vary={"growth_rate": [2.0, 3.0]}, draws=50)
    assert a["posterior"].equals(b["posterior"])
    from frontiercost.errors import ScenarioWarning

    with pytest.warns(ScenarioWarning, match=r"point hardware.price_year=2024: chip_price is"):
        yr = fc.sweep(  # 2024 has a server price, which the given server_cost_factor shadows
            "new-run-h100-2025", vary={"hardware.price_year": [np.int64(2024), 2025]}, draws=50
        )
    assert list(yr["posterior"]["hardware.price_year"].values) == [2024, 2025]
    with pytest.raises(ScenarioError, match=r"2\.0 is given twice"):
        fc.sweep("frontier-run-2025-2030", vary={"growth_rate": [2, 2.0]}, draws=50)
    dates = [dt.date(2022, 1, 1), dt.date(2022, 5, 12)]
    out = tmp_path / "dates.nc"  # a date coordinate xarray could not write
    tree = fc.sweep("gpt-4", vary={"hardware.training_start": dates}, draws=50, out=str(out))
    same = fc.sweep("gpt-4", vary=["hardware.training_start=2022-01-01,2022-05-12"], draws=50)
    assert tree["posterior"].equals(same["posterior"]) and out.exists()


def test_a_scenario_builds_each_model_once_and_a_replaced_one_builds_its_own() -> None:
    """A sweep asks each point's model twice (checking the grid, then running it)."""
    import dataclasses

    sc = fc.load_scenario("gpt-4")
    assert sc.model() is sc.model()
    assert sc.model(["cloud_cost"]) is not sc.model()
    other = dataclasses.replace(sc, quantities={})
    assert other.model() is not sc.model()
    assert other.model().inputs == sc.model().inputs


def test_central_of_a_prior_given_by_its_parameters_is_refused() -> None:
    """It is only the point estimate: both points drew N(5, 1), exit 0."""
    base = {
        "scenario": {"title": "t", "outputs": ["v"]},
        "parameters": {"z": {"family": "normal", "mu": 5, "sigma": 1, "unit": "1"}},
        "formulas": {"v": "z"},
    }
    with pytest.raises(ScenarioError, match=r"z's prior is given by its parameters \(mu, sigma"):
        fc.sweep(base, vary={"z.central": [5, 10]}, **RUN)
    tree = fc.sweep(base, vary={"z.mu": [5, 10]}, **RUN)
    medians = tree["posterior"]["v"].median(("chain", "draw")).values
    np.testing.assert_allclose(medians, [5, 10], atol=0.2)


@pytest.mark.parametrize("kw", [{"summary_only": True}, {"store": False}])
def test_a_sweep_that_keeps_no_draws_refuses_out(kw, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """store=False wrote a file of summaries that load_run and summarize then refused."""
    out = tmp_path / "s.nc"
    with pytest.raises(fc.SimulationError, match="sweep keeps no draws to write"):
        fc.sweep("frontier-run-2025-2030", vary={"growth_rate": [2, 3]}, out=out, **kw, **RUN)
    assert not out.exists()


def test_a_key_of_a_prior_a_variant_fixes_is_refused_naming_the_point() -> None:
    """The variant, not the file, fixes k: the message said only "k is fixed"."""
    data = {
        "scenario": {"title": "v"},
        "parameters": {"k": {"family": "uniform", "lower": 1, "upper": 2}},
        "formulas": {"y": "k * 2"},
        "sweep": {"variant": [{"name": "fixed", "set": {"k": 2}}]},
    }
    with pytest.raises(ScenarioError, match=r"^sweep point variant=fixed, k.upper=3: sweep"
                       r" k.upper: k is fixed \(2\), it has no keys; vary k itself$"):  # fmt: skip
        fc.sweep(data, {"k.upper": [3, 4]}, draws=10)


def test_year_and_scenario_year_are_one_field() -> None:
    """Varied under both names, the later replaced the earlier at every point, and the rows
    were labelled with years they did not have (exit 0)."""
    with pytest.raises(ScenarioError, match=r"sweep scenario.year: varied twice \(as year: the"):
        parse_vary(["year=2023,2024", "scenario.year=2025"])
    with pytest.raises(ScenarioError, match=r"sweep scenario.year: varied twice \(as year: the"):
        fc.sweep("frontier-run-2025-2030", {"year": [2023], "scenario.year": [2025]}, draws=10)
    data = {
        "scenario": {"title": "v", "year": 2023},
        "parameters": {"k": {"family": "uniform", "lower": 1, "upper": 2}},
        "formulas": {"y": "k * 2"},
        "sweep": {"variant": [{"name": "later", "set": {"scenario.year": 2030}}]},
    }
    with pytest.raises(ScenarioError, match=r"variant 'later' sets scenario.year, which is also"):
        fc.sweep(data, {"year": [2024, 2025]}, draws=10)
    # the command line's field replaces the file's under either name
    data["sweep"] = {"vary": {"scenario.year": [2024, 2025]}}
    from frontiercost.errors import ScenarioWarning

    with pytest.warns(ScenarioWarning, match="year changes nothing it samples"):
        tree = fc.sweep(data, {"year": [2026, 2027]}, draws=10, chains=1)
    assert list(tree["posterior"].dims)[:1] == ["year"]
    assert list(tree["posterior"]["year"].values) == [2026, 2027]


def test_billion_dollar_year_moves_with_the_swept_year() -> None:
    """It had 2023.2 written in: at year 2024 the median 2027 run was $635M and the
    median year past $1B still 2026.7 (exit 0). P(cost_2027 > 1e9) must equal
    P(billion_dollar_year < 2027) at every year, draw for draw."""
    tree = fc.sweep("frontier-run-2025-2030", {"year": [2023, 2024.5]}, **RUN)
    post = tree["posterior"]
    for year in (2023, 2024.5):
        at = post.sel(year=year)
        over = (at["projected_cost_2027"] > 1e9).values
        before = (at["billion_dollar_year"] < 2027).values
        assert over.mean() == before.mean()
        assert 0.1 < over.mean() < 0.9  # the comparison is not vacuous
    moved = post["billion_dollar_year"].sel(year=2024.5) - post["billion_dollar_year"].sel(
        year=2023
    )
    np.testing.assert_allclose(moved.values, 1.5, rtol=1e-9)


def test_scenario_year_in_a_formula() -> None:
    base = {"scenario": {"title": "y", "year": 2030}, "parameters": {"k": 2.0}}
    sc = fc.load_scenario({**base, "formulas": {"z": "scenario_year + k"}})
    assert fc.evaluate(sc)["z"] == 2032.0
    with pytest.raises(ScenarioError, match="reads scenario_year, but the scenario has no year"):
        fc.load_scenario(
            {
                "scenario": {"title": "y"},
                "parameters": {"k": 2.0},
                "formulas": {"z": "scenario_year * k"},
            }
        )
    with pytest.raises(ScenarioError, match=r"scenario_year.*set it as \[scenario\] year"):
        fc.load_scenario(
            {**base, "parameters": {"scenario_year": 1.0}, "formulas": {"z": "scenario_year"}}
        )


def test_a_points_own_load_notes_are_given_once_naming_the_point() -> None:
    """The sweep showed the base scenario's notes only: a point whose electricity price is
    993 times the default, or whose chip was released after training began, said nothing
    (run says both)."""
    from frontiercost.errors import ScenarioWarning

    with pytest.warns(ScenarioWarning) as caught:
        fc.sweep("gpt-4", {"electricity_price": [80, 90, 0.0806]}, draws=10, chains=1)
    texts = [str(w.message) for w in caught if "times the value it replaces" in str(w.message)]
    assert len(texts) == 2  # one per note text, each naming its point
    assert texts[0].startswith("sweep point electricity_price=80: electricity_price = 80 USD/kWh")
    with pytest.warns(ScenarioWarning, match=r"sweep point hardware.chip=h100: hardware_age:"):
        fc.sweep("gpt-4", {"hardware.chip": ["h100", "a100"]}, draws=10, chains=1)
