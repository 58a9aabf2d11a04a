"""Datasets follow ArviZ 1.x and xarray conventions; the public API is typed at run time.

Source of truth: ArviZ itself (its functions run on our trees with warnings
turned into errors), xarray (a lazily opened, dask-backed tree summarizes),
and the round trip through :func:`frontiercost.prior_from_spec`.
"""

from __future__ import annotations

import importlib
import inspect
import json
import subprocess
import sys
import typing
import warnings
from pathlib import Path

import arviz as az
import numpy as np
import pytest
import xarray as xr

import frontiercost as fc
from frontiercost.scenarios import list_scenarios, load_scenario

PUBLIC = (
    "frontiercost",
    "frontiercost.analysis",
    "frontiercost.engine",
    "frontiercost.inference",
    "frontiercost.model",
    "frontiercost.priors",
    "frontiercost.results",
    "frontiercost.run",
    "frontiercost.scenarios",
    "frontiercost.settings",
)


def _forward() -> list[str]:
    return [n for n in list_scenarios() if not load_scenario(n).observations]


@pytest.mark.slow
@pytest.mark.parametrize("name", _forward())
def test_az_summary_of_every_builtin_forward_run_has_no_warning(name: str) -> None:
    """Fixed inputs live in constant_data, so no constant chain reaches R-hat or ESS."""
    tree = fc.simulate(name, draws=300, chains=2, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        summary = az.summary(tree)
    assert set(summary.index) == set(tree["posterior"].data_vars)
    assert np.isfinite(summary["r_hat"].astype(float)).all()
    for n, v in tree["posterior"].data_vars.items():
        assert float(v.std()) > 0 or not np.isfinite(float(v.std())), n


def test_az_summary_of_sweeps_and_saved_runs_has_no_warning(tmp_path: Path) -> None:
    """Every tree that holds draws: a stored sweep, a run read back, a lazy run loaded."""

    path = tmp_path / "run.nc"
    fc.simulate("gpt-4", draws=300, chains=2, seed=1, out=path)
    swept = fc.sweep("gpt-4", {"chip_count": [20_000, 25_000]}, draws=300, chains=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = az.summary(swept)
        back = xr.open_datatree(path)
        az.summary(back)
        lazy = xr.open_datatree(path, chunks={})
        fc.summarize(lazy)  # lazily, as it is
        az.summary(lazy.load())  # arviz-stats computes on loaded arrays only
    # one row per variable and grid point, each with a finite R-hat
    assert len(s) == 2 * len(swept["posterior"].data_vars)
    assert np.isfinite(s["r_hat"].astype(float)).all()


def test_fixed_inputs_are_constant_data_with_units_and_source() -> None:
    tree = fc.simulate("gpt-4", draws=500, chains=2)
    const = tree["constant_data"]
    assert set(const.data_vars) == {"inflation_factor", "chip_tdp", "server_power_factor",
                                    "cloud_price"}  # fmt: skip
    assert const["chip_tdp"].dims == () and float(const["chip_tdp"]) == 400.0
    assert const["chip_tdp"].attrs["units"] == "W"
    assert all(v.attrs["source"] for v in const.data_vars.values())
    assert "inflation_factor" not in tree["posterior"].data_vars
    assert "posterior" in tree.attrs["groups"] and "constant_data" in tree.attrs["groups"]


def test_conditioned_trees_work_with_arvizs_own_functions() -> None:
    import matplotlib
    import matplotlib.pyplot as plt

    matplotlib.use("Agg")
    tree = fc.condition("openai-2024-conditioned", draws=500, chains=4, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        az.summary(tree)
        az.summary(tree, group="prior")
        stats = az.summary(tree, group="sample_stats")
        try:
            az.plot_prior_posterior(tree, var_names=["final_run_share"])
        finally:
            plt.close("all")  # ArviZ draws through pyplot: leave no figure behind
    assert all(v.dims == ("chain", "draw") for v in tree["sample_stats"].data_vars.values())
    assert {"pareto_k", "ess", "importance_draws"} <= set(tree["sample_stats"].attrs)
    assert len(stats) == len(tree["sample_stats"].data_vars)


def test_long_names_describe_the_stored_value() -> None:
    """A scaled library prior is labelled by what is stored, not by its multiplier."""
    post = fc.simulate("gpt-4", draws=200, chains=1)["posterior"]
    assert post["chip_count"].attrs["long_name"].startswith("chips in the training cluster")
    assert post["bare_chip_price"].attrs["long_name"].startswith("price of the bare chip")
    assert "Multiplier" not in post["chip_count"].attrs["long_name"]


def test_streaming_statistics_have_their_own_units() -> None:
    s = fc.simulate("gpt-4", draws=2000, chains=1, store=False)["streaming"]
    assert s["training_hours__mean"].attrs["units"] if "training_hours__mean" in s else True
    assert s["chip_hours__mean"].attrs["units"] == "h"
    assert s["chip_hours__var"].attrs["units"] == "(h)^2"
    assert s["chip_hours__count"].attrs["units"] == "1"
    assert s["chip_hours__hist_index"].attrs["units"] == "1"
    assert s["chip_hours__hist_count"].attrs["units"] == "1"
    assert s["chip_hours__exceed"].attrs["units"] == "1"
    assert s["chip_hours__thresholds"].attrs["units"] == "h"
    assert s["chip_hours__min"].attrs["units"] == "h"


def test_the_priors_attribute_loads_back_with_prior_from_spec() -> None:
    for name in ("gpt-4", "openai-2024-lab-year", "gpt-3-development"):
        sc = load_scenario(name)
        tree = fc.simulate(sc, draws=100, chains=1)
        specs = json.loads(tree.attrs["priors"])
        for param, spec in specs.items():
            back = fc.prior_from_spec(spec)
            assert back == sc.priors[param], (name, param)


def test_summarize_reads_a_lazily_opened_dask_backed_tree(tmp_path: Path) -> None:
    pytest.importorskip("dask")
    tree = fc.simulate("gpt-4", draws=2000, chains=2, seed=4)
    path = tmp_path / "run.nc"
    tree.to_netcdf(path, engine="h5netcdf")
    with xr.open_datatree(path, engine="h5netcdf", chunks={}) as lazy:
        assert lazy["posterior"]["cloud_cost"].chunks is not None
        got = fc.summarize(lazy, var_names=["cloud_cost", "chip_count"])
    want = fc.summarize(tree, var_names=["cloud_cost", "chip_count"])
    xr.testing.assert_allclose(got, want)


def test_a_string_var_names_is_one_name() -> None:
    tree = fc.simulate("gpt-4", draws=300, chains=1)
    s = fc.summarize(tree, var_names="cloud_cost")
    assert list(s["variable"].values) == ["cloud_cost"]


def test_psis_works_in_a_fresh_process() -> None:
    code = (
        "import numpy as np\n"
        "from frontiercost.inference import psis\n"
        "r = psis(np.random.default_rng(0).normal(size=2000))\n"
        "print(r.ess > 0)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def test_load_library_returns_a_copy() -> None:
    lib = fc.load_library()
    before = fc.simulate("gpt-4", draws=50, chains=1)["posterior"]["electricity_price"].values
    lib.clear()
    assert fc.load_library()  # unchanged for the next caller
    again = fc.simulate("gpt-4", draws=50, chains=1)["posterior"]["electricity_price"].values
    np.testing.assert_array_equal(before, again)


def test_type_hints_of_the_public_api_resolve_at_run_time() -> None:
    bad = []
    for module in PUBLIC:
        mod = importlib.import_module(module)
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name)
            targets = [obj] if inspect.isfunction(obj) else []
            if inspect.isclass(obj):
                targets = [obj] + [
                    f
                    for k, f in vars(obj).items()
                    if inspect.isfunction(f) and (not k.startswith("_") or k == "__init__")
                ]
            for t in targets:
                try:
                    typing.get_type_hints(t)
                except Exception as err:
                    bad.append(f"{module}.{name}: {err!r}")
    assert not bad, "\n".join(bad)


def test_the_package_ships_py_typed() -> None:
    assert (Path(fc.__file__).parent / "py.typed").is_file()


def test_dir_of_the_package_lists_its_public_api_not_its_own_imports() -> None:
    import frontiercost as fc

    names = dir(fc)
    assert set(fc.__all__) <= set(names) and "epoch" in names and "__version__" in names
    assert not {"Any", "TYPE_CHECKING", "annotations", "importlib"} & set(names)
    assert not [n for n in names if n.startswith("_") and n != "__version__"]


def test_negative_zero_prints_as_zero() -> None:
    from frontiercost.analysis.format import format_value

    assert [format_value(-0.0, u) for u in ("1", "h", "yr", "USD")] == ["0", "0 h", "0 yr", "$0"]
