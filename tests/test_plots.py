"""Plots (frontiercost.analysis.plots): images that render, and axes that say what they show.

Sources of truth: the analysis functions the plots draw from (``summarize``,
``risk``, ``fit_trend``, ``evaluate``), recomputed here and compared with the
data of the drawn artists (found by their ``gid``); PNG files read back with
matplotlib, with the pixel size that the figure size and dpi imply.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib as mpl
import matplotlib.image as mpimg
import numpy as np
import pytest
import xarray as xr
from helpers import keep_kept
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection, QuadMesh
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle, StepPatch
from scipy import stats

import frontiercost
from frontiercost import FrontiercostError
from frontiercost.analysis.format import format_usd
from frontiercost.analysis.plots import (
    OKABE_ITO,
    LogTicks,
    UsdFormatter,
    plot_components,
    plot_distribution,
    plot_exceedance,
    plot_projection,
    plot_sweep,
    plot_tornado,
    plot_trend,
)
from frontiercost.analysis.risk import exceedance, value_at_risk
from frontiercost.analysis.trend import fit_trend

pytestmark = pytest.mark.slow  # every test draws figures (seconds each)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
USD_TICK = re.compile(r"^\$\d+(\.\d+)?[kMBT]?$")
PARTS = ("chip_cost", "other_server_cost", "interconnect_cost", "energy_cost")


# --------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def gpt4() -> xr.DataTree:
    return frontiercost.simulate("gpt-4", draws=2000, chains=2, seed=1)


@pytest.fixture(scope="module")
def gpt4_point() -> xr.Dataset:
    return frontiercost.evaluate("gpt-4")


@pytest.fixture(scope="module")
def projection() -> xr.DataTree:
    return frontiercost.simulate("frontier-run-2025-2030", draws=2000, chains=2, seed=1)


@pytest.fixture(scope="module")
def projection_streaming() -> xr.DataTree:
    return frontiercost.simulate(
        "frontier-run-2025-2030",
        draws=2000,
        chains=2,
        seed=1,
        store=False,
        thresholds={"projected_cost_2027": [1e9]},
    )


def _tornado_table() -> xr.Dataset:
    """Hand-built: three parameters, swings 25M, 12M and 3M around $40M."""
    return xr.Dataset(
        {
            "low": ("parameter", [39e6, 30e6, 46e6], {"units": "USD"}),
            "high": ("parameter", [42e6, 55e6, 34e6], {"units": "USD"}),
            "central": ((), 40e6, {"units": "USD"}),
        },
        coords={
            "parameter": ["pue", "chip_price", "hardware_age"],
            "input_low": ("parameter", [1.1, 20000.0, 1.4]),
            "input_high": ("parameter", [1.4, 30000.0, 2.1]),
            "parameter_units": ("parameter", ["1", "USD", "yr"]),
        },
        attrs={"output": "amortized_cost", "target": "gpt-4", "low": 0.05, "high": 0.95},
    )


def _sweep() -> xr.DataArray:
    """Hand-built medians over (final_run_share, year): cost / share, growing 2x a year."""
    share = np.array([0.1, 0.2, 0.4])
    year = np.arange(2025, 2029)
    values = 1e8 * 2.0 ** (year - 2025)[None, :] / share[:, None]
    return xr.DataArray(
        values,
        dims=("final_run_share", "year"),
        coords={
            "final_run_share": ("final_run_share", share, {"units": "1"}),
            "year": ("year", year, {"units": "yr"}),
        },
        name="rd_compute_cost",
        attrs={"units": "USD", "long_name": "median R&D compute cost"},
    )


def _trend_data() -> tuple[np.ndarray, np.ndarray, list[str]]:
    rng = np.random.default_rng(7)
    years = np.sort(rng.uniform(2016, 2024, 25))
    costs = 10 ** (5 + 0.38 * (years - 2016) + rng.normal(0, 0.4, years.size))
    return years, costs, [f"model-{i}" for i in range(years.size)]


# ----------------------------------------------------------------------- helpers
def _only_axes(fig: Figure) -> Axes:
    axes = [a for a in fig.axes if a.get_label() != "<colorbar>"]
    assert len(axes) == 1
    return axes[0]


def _by_gid(ax: Axes, gid: str) -> list[Any]:
    return [a for a in ax.get_children() if a.get_gid() == gid]


def _one(ax: Axes, gid: str) -> Any:
    found = _by_gid(ax, gid)
    assert len(found) == 1, f"{len(found)} artists with gid {gid!r}"
    return found[0]


def _vline_x(line: Line2D) -> float:
    x = np.asarray(line.get_xdata(), dtype=float)
    assert np.all(x == x[0])
    return float(x[0])


def _tick_texts(axis: Any) -> list[str]:
    axis.figure.draw_without_rendering()
    return [t.get_text() for t in axis.get_ticklabels() if t.get_text()]


def _check_png(data: bytes, fig: Figure, dpi: float) -> None:
    """A valid PNG of the figure's size at ``dpi``, not one flat colour."""
    assert data[:8] == PNG_SIGNATURE
    pixels = mpimg.imread(io.BytesIO(data), format="png")
    w, h = fig.get_size_inches()
    # matplotlib truncates fractional pixels
    assert pixels.shape[:2] == (int(h * dpi), int(w * dpi))
    assert pixels.shape[0] >= 200 and pixels.shape[1] >= 300
    assert float(np.std(pixels)) > 0.02


def _legend_texts(fig: Figure) -> list[str]:
    legends = [a.get_legend() for a in fig.axes if a.get_legend() is not None] + fig.legends
    return [t.get_text() for leg in legends for t in leg.get_texts()]


# ------------------------------------------------- every plot renders to a PNG
def _builders() -> dict[str, Callable[..., Figure]]:
    years, costs, names = _trend_data()
    return {
        "distribution": lambda t, p, pr, **kw: plot_distribution(
            t, "amortized_cost", point=p, **kw
        ),
        "components": lambda t, p, pr, **kw: plot_components(t, point=p, **kw),
        "exceedance": lambda t, p, pr, **kw: plot_exceedance(
            t, "amortized_cost", thresholds=[3e7, 1e8], **kw
        ),
        "tornado": lambda t, p, pr, **kw: plot_tornado(_tornado_table(), **kw),
        "projection": lambda t, p, pr, **kw: plot_projection(pr, **kw),
        "trend": lambda t, p, pr, **kw: plot_trend(years, costs, names, **kw),
        "sweep_lines": lambda t, p, pr, **kw: plot_sweep(_sweep(), None, "year", **kw),
        "sweep_heatmap": lambda t, p, pr, **kw: plot_sweep(
            _sweep(), None, "year", "final_run_share", **kw
        ),
    }


@pytest.mark.parametrize("kind", list(_builders()))
def test_plot_renders_to_file_and_buffer(
    kind: str,
    gpt4: xr.DataTree,
    gpt4_point: xr.Dataset,
    projection: xr.DataTree,
    tmp_path: Path,
) -> None:
    import matplotlib.pyplot as plt

    build = _builders()[kind]
    path = tmp_path / f"{kind}.png"
    fig = build(gpt4, gpt4_point, projection, path=path, dpi=80)
    assert isinstance(fig, Figure)
    _check_png(path.read_bytes(), fig, 80)
    buf = io.BytesIO()
    build(gpt4, gpt4_point, projection, path=buf)
    _check_png(buf.getvalue(), fig, 100)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{kind}.png"]  # no temp file left
    assert plt.get_fignums() == []  # nothing registered with pyplot
    plots = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert all(ax.get_title() or fig.get_suptitle() for ax in plots)


def test_plots_leave_rcparams_alone(gpt4: xr.DataTree) -> None:
    before = {k: mpl.rcParams[k] for k in ("axes.prop_cycle", "font.size", "text.parse_math")}
    plot_distribution(gpt4, "amortized_cost", path=io.BytesIO())
    assert {k: mpl.rcParams[k] for k in before} == before


# ------------------------------------------------------------- distribution
@pytest.mark.parametrize("where", [0.5, 2.0])
def test_a_point_outside_every_draw_is_named_not_drawn_at_the_edge(
    gpt4: xr.DataTree, where: float
) -> None:
    """Clipped to the edge, openai-2024-conditioned's $4.29B point showed at $5.4B."""
    x = gpt4["posterior"]["amortized_cost"].values
    point = float(x.min()) * where if where < 1 else float(x.max()) * where
    ax = _only_axes(plot_distribution(gpt4, "amortized_cost", point=point))
    line = _one(ax, "point")
    assert len(line.get_xdata()) == 0  # a legend entry only
    side = "below" if where < 1 else "above"
    assert line.get_label().endswith(f"({side} every draw)")


@pytest.mark.parametrize("ci_kind", ["eti", "hdi"])
def test_distribution_marks_summary_values(
    gpt4: xr.DataTree, gpt4_point: xr.Dataset, ci_kind: str
) -> None:
    fig = plot_distribution(gpt4, "amortized_cost", 0.8, ci_kind, point=gpt4_point)
    ax = _only_axes(fig)
    s = frontiercost.summarize(gpt4, ci_prob=0.8, ci_kind=ci_kind, var_names=["amortized_cost"])
    lo, hi = s["ci"].sel(variable="amortized_cost").values
    assert _vline_x(_one(ax, "median")) == pytest.approx(float(s["median"][0]), rel=1e-12)
    assert _vline_x(_one(ax, "ci_lower")) == pytest.approx(lo, rel=1e-12)
    assert _vline_x(_one(ax, "ci_upper")) == pytest.approx(hi, rel=1e-12)
    assert _vline_x(_one(ax, "point")) == pytest.approx(40586600, rel=1e-4)  # gpt-4.toml
    assert ax.get_xscale() == "log"
    assert isinstance(ax.xaxis.get_major_formatter(), UsdFormatter)
    assert "USD" in ax.get_xlabel()
    assert "OOM" in ax.get_ylabel()
    assert "GPT-4" in ax.get_title() and "amortized_cost" in ax.get_title()
    ticks = _tick_texts(ax.xaxis)
    assert len(ticks) >= 3 and all(USD_TICK.match(t) for t in ticks), ticks
    legend = " ".join(_legend_texts(fig))
    assert f"80 % {ci_kind.upper()}" in legend
    assert format_usd(float(s["median"][0])) in legend
    assert "4,000 draws" in legend


def test_distribution_density_per_decade_integrates_to_one(gpt4: xr.DataTree) -> None:
    ax = _only_axes(plot_distribution(gpt4, "amortized_cost"))
    hist = _one(ax, "histogram")
    assert isinstance(hist, StepPatch)
    values, edges, _ = hist.get_data()
    assert float(np.sum(values * np.diff(np.log10(edges)))) == pytest.approx(1.0, rel=1e-9)
    kde = _one(ax, "kde")
    x, y = (np.asarray(v, dtype=float) for v in kde.get_data())
    # the density of log10(x); its integral over the draws' range falls just short of 1
    assert 0.97 < float(np.trapezoid(y, np.log10(x))) <= 1.0


def test_distribution_linear_axis_for_a_narrow_variable(gpt4: xr.DataTree) -> None:
    ax = _only_axes(plot_distribution(gpt4, "hardware_age", bins=30))
    assert ax.get_xscale() == "linear"
    assert ax.get_xlabel() == "time from hardware availability to training start (yr)"
    assert ax.get_ylabel() == "probability density (1/yr)"
    values, edges, _ = _one(ax, "histogram").get_data()
    assert len(values) == 30
    assert float(np.sum(values * np.diff(edges))) == pytest.approx(1.0, rel=1e-9)
    assert not isinstance(ax.xaxis.get_major_formatter(), UsdFormatter)


def test_distribution_rejects_bad_input(gpt4: xr.DataTree) -> None:
    with pytest.raises(FrontiercostError, match="unknown variable 'nope'"):
        plot_distribution(gpt4, "nope")
    with pytest.raises(FrontiercostError, match="bins"):
        plot_distribution(gpt4, "amortized_cost", bins=0)
    with pytest.raises(FrontiercostError, match="log axis needs positive"):
        plot_distribution(_negative_tree(), "x", log=True)
    with pytest.raises(FrontiercostError, match="log axis needs positive"):
        plot_exceedance(_negative_tree(), "x", log=True)


def _negative_tree() -> xr.DataTree:
    x = np.linspace(-1.0, 1.0, 400).reshape(2, 200)
    post = xr.Dataset({"x": (("chain", "draw"), x, {"units": "1", "long_name": "x"})})
    return xr.DataTree.from_dict({"posterior": post})


def test_distribution_of_a_variable_with_negative_values() -> None:
    ax = _only_axes(plot_distribution(_negative_tree(), "x"))
    assert ax.get_xscale() == "linear"
    assert _vline_x(_one(ax, "median")) == pytest.approx(0.0, abs=1e-12)


def test_distribution_needs_stored_draws(projection_streaming: xr.DataTree) -> None:
    with pytest.raises(FrontiercostError, match="stored draws"):
        plot_distribution(projection_streaming, "projected_cost_2027")


# --------------------------------------------------------------- components
def test_components_stack_and_shares(gpt4: xr.DataTree, gpt4_point: xr.Dataset) -> None:
    fig = plot_components(gpt4, point=gpt4_point)
    left, right = fig.axes
    post = gpt4["posterior"]
    mean_bars = {p: _one(left, f"mean:{p}") for p in PARTS}
    heights = {p: b.get_height() for p, b in mean_bars.items()}
    # the parts add up to amortized_cost draw by draw, so the mean split closes at 100 %
    assert sum(heights.values()) == pytest.approx(1.0, abs=1e-9)
    assert _by_gid(left, "mean:remainder") == []
    for p in PARTS:
        expected = float(post[p].mean() / post["amortized_cost"].mean())
        assert heights[p] == pytest.approx(expected, rel=1e-12)
        point_share = float(gpt4_point[p] / gpt4_point["amortized_cost"])
        assert _one(left, f"point:{p}").get_height() == pytest.approx(point_share, rel=1e-12)
    # stacked: each segment starts where the previous one ends
    bottoms = [mean_bars[p].get_y() for p in PARTS]
    assert bottoms == pytest.approx(np.concatenate([[0], np.cumsum(list(heights.values()))[:-1]]))
    shares = xr.Dataset({p: post[p] / post["amortized_cost"] for p in PARTS})
    for p in PARTS:
        bar = _one(right, f"share:{p}")
        assert bar.get_width() == pytest.approx(float(shares[p].median()), rel=1e-12)
    assert isinstance(left.yaxis.get_major_formatter(), ticker.PercentFormatter)
    assert isinstance(right.xaxis.get_major_formatter(), ticker.PercentFormatter)
    assert [t.get_text() for t in right.get_yticklabels()] == [
        "chips",
        "other server",
        "interconnect",
        "energy",
    ]
    assert "GPT-4" in fig.get_suptitle() and "$" in fig.get_suptitle()
    assert len(right.containers) == 8  # 4 bar containers and 4 error bars
    assert sorted(_legend_texts(fig)) == ["chips", "energy", "interconnect", "other server"]


def test_components_remainder_and_overflow(gpt4: xr.DataTree) -> None:
    fig = plot_components(gpt4, parts=("chip_cost", "energy_cost"))
    left = fig.axes[0]
    post = gpt4["posterior"]
    rest = 1 - float(
        (post["chip_cost"].mean() + post["energy_cost"].mean()) / post["amortized_cost"].mean()
    )
    assert _one(left, "mean:remainder").get_height() == pytest.approx(rest, rel=1e-9)
    with pytest.raises(FrontiercostError, match="add up to"):
        plot_components(gpt4, parts=("amortized_cost", "chip_cost"))
    with pytest.raises(FrontiercostError, match="unknown variable"):
        plot_components(gpt4, parts=("chip_cost", "nope"))


def test_components_of_another_total() -> None:
    tree = frontiercost.simulate("gpt-4-development", draws=500, chains=2, seed=3)
    fig = plot_components(tree, total="development_cost", parts=("rd_compute_cost", "staff_cost"))
    left = fig.axes[0]
    total = sum(_one(left, f"mean:{p}").get_height() for p in ("rd_compute_cost", "staff_cost"))
    assert total == pytest.approx(1.0, abs=1e-9)
    assert "development_cost" in left.get_ylabel()


# ---------------------------------------------------------------- exceedance
def test_exceedance_curve_and_thresholds(gpt4: xr.DataTree) -> None:
    thresholds = [2e7, 5e7, 1e8]
    fig = plot_exceedance(gpt4, "amortized_cost", thresholds)
    ax = _only_axes(fig)
    _, p = (np.asarray(v, dtype=float) for v in _one(ax, "exceedance").get_data())
    assert np.all(np.diff(p) <= 0) and p[0] > 0.99 and p[-1] < 0.01
    expected = exceedance(gpt4, "amortized_cost", thresholds)["probability"].values
    markers = _by_gid(ax, "threshold")
    assert [float(m.get_xdata()[0]) for m in markers] == thresholds
    assert [float(m.get_ydata()[0]) for m in markers] == pytest.approx(expected, abs=0)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "linear"
    assert isinstance(ax.xaxis.get_major_formatter(), UsdFormatter)
    assert isinstance(ax.yaxis.get_major_formatter(), ticker.PercentFormatter)
    assert "USD" in ax.get_xlabel() and "%" in ax.get_ylabel()
    legend = _legend_texts(fig)
    assert f"P(> $50M) = {100 * expected[1]:.3g} %" in legend


def test_exceedance_when_no_draw_exceeds(gpt4: xr.DataTree) -> None:
    fig = plot_exceedance(gpt4, "amortized_cost", [1e12])
    assert "P(> $1T) < 0.025 %" in _legend_texts(fig)  # one draw in 4,000


def test_exceedance_of_a_streaming_run(projection_streaming: xr.DataTree) -> None:
    fig = plot_exceedance(projection_streaming, "projected_cost_2027", [1e9])
    ax = _only_axes(fig)
    marker = _one(ax, "threshold")
    counted = exceedance(projection_streaming, "projected_cost_2027", [1e9])
    assert counted.attrs["method"] == "counted"
    assert float(marker.get_ydata()[0]) == float(counted["probability"][0])


# ------------------------------------------------------------------- tornado
def test_tornado_orders_by_swing_and_draws_from_central() -> None:
    table = _tornado_table()
    fig = plot_tornado(table)
    ax = _only_axes(fig)
    # largest swing on top: y tick labels run bottom to top
    assert [t.get_text() for t in ax.get_yticklabels()] == ["pue", "hardware_age", "chip_price"]
    bars = [a for a in ax.patches if isinstance(a, Rectangle) and a.get_gid()]
    assert len(bars) == 6
    for name in ("pue", "chip_price", "hardware_age"):
        row = table.sel(parameter=name)
        for side in ("low", "high"):
            bar = _one(ax, f"{side}:{name}")
            assert bar.get_x() == pytest.approx(40e6)
            assert bar.get_x() + bar.get_width() == pytest.approx(float(row[side]))
    assert _vline_x(_one(ax, "central")) == 40e6
    assert isinstance(ax.xaxis.get_major_formatter(), UsdFormatter)
    assert ax.get_xlabel() == "amortized_cost (USD)"
    assert ax.get_title() == "sensitivity of amortized_cost (gpt-4)"
    texts = {t.get_text() for t in ax.texts}
    assert {"$20k", "$30k", "1.4 yr", "2.1 yr", "1.1", "1.4"} <= texts
    legend = _legend_texts(fig)
    assert "input at its p5 value" in legend and "central: $40M" in legend


def test_tornado_options_and_errors() -> None:
    table = _tornado_table()
    ax = _only_axes(plot_tornado(table, max_parameters=2))
    assert [t.get_text() for t in ax.get_yticklabels()] == ["hardware_age", "chip_price"]
    bare = table.drop_vars(["input_low", "input_high", "parameter_units"])
    assert len(_only_axes(plot_tornado(bare)).texts) == 0
    with pytest.raises(FrontiercostError, match="missing variable"):
        plot_tornado(table.drop_vars("high"))
    with pytest.raises(FrontiercostError, match="central"):
        plot_tornado(table.drop_vars("central"))
    uneven = table.assign(central=("parameter", [40e6, 41e6, 40e6]))
    with pytest.raises(FrontiercostError, match="one value"):
        plot_tornado(uneven)
    with pytest.raises(FrontiercostError, match="max_parameters"):
        plot_tornado(table, max_parameters=0)


def test_tornado_from_the_sensitivity_module() -> None:
    from frontiercost.analysis.sensitivity import tornado

    table = tornado("gpt-4", "amortized_cost")
    ax = _only_axes(plot_tornado(table))
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[::-1] == [str(p) for p in table["parameter"].values]  # already largest first
    assert len(_by_gid(ax, f"low:{labels[-1]}")) == 1


# ---------------------------------------------------------------- projection
def test_projection_fan_matches_quantiles(projection: xr.DataTree) -> None:
    fig = plot_projection(projection)
    ax = _only_axes(fig)
    years = list(range(2025, 2031))
    x, y = (np.asarray(v, dtype=float) for v in _one(ax, "median").get_data())
    assert x.tolist() == years
    for i, year in enumerate(years):
        q = value_at_risk(projection, f"projected_cost_{year}", [0.5]).values
        assert y[i] == pytest.approx(float(q[0]), rel=1e-12)
    for gid, (lo, hi) in (("band90", (0.05, 0.95)), ("band50", (0.25, 0.75))):
        band = _one(ax, gid)
        assert isinstance(band, PolyCollection)
        verts = band.get_paths()[0].vertices
        q = value_at_risk(projection, "projected_cost_2030", [lo, hi]).values
        at_2030 = np.sort(verts[np.isclose(verts[:, 0], 2030), 1])
        assert at_2030[0] == pytest.approx(q[0]) and at_2030[-1] == pytest.approx(q[1])
    assert float(_one(ax, "threshold").get_ydata()[0]) == 1e9
    for year in years:
        p = float(exceedance(projection, f"projected_cost_{year}", [1e9])["probability"][0])
        label = _one(ax, f"p_exceed:{year}").get_text()
        assert label == (f"{100 * p:.3g} %" if p > 0 else "< 0.025 %")
    assert ax.get_yscale() == "log"
    assert isinstance(ax.yaxis.get_major_formatter(), UsdFormatter)
    assert "USD" in ax.get_ylabel() and ax.get_xlabel() == "year"
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(y) for y in years]
    assert "threshold $1B" in _legend_texts(fig)


def test_projection_options_and_errors(
    projection: xr.DataTree, projection_streaming: xr.DataTree
) -> None:
    ax = _only_axes(plot_projection(projection, years=[2026, 2028], threshold=None))
    assert _one(ax, "median").get_xdata().tolist() == [2026, 2028]
    assert _by_gid(ax, "threshold") == []
    with pytest.raises(FrontiercostError, match="no projected_cost_<year> for 2031"):
        plot_projection(projection, years=[2031])
    with pytest.raises(FrontiercostError, match="prefix"):
        plot_projection(projection, prefix="nope_")
    ax = _only_axes(plot_projection(projection_streaming))
    assert len(_one(ax, "median").get_xdata()) == 6


# --------------------------------------------------------------------- trend
def test_trend_line_and_band() -> None:
    years, costs, names = _trend_data()
    fit = fit_trend(years, costs, ci_prob=0.9)
    fig = plot_trend(years, costs, names, fit, top_n=3)
    ax = _only_axes(fig)
    gx, gy = (np.asarray(v, dtype=float) for v in _one(ax, "trend").get_data())
    assert np.log10(gy) == pytest.approx(float(fit.intercept) + float(fit.slope) * gx, rel=1e-12)
    # band half-width at the mean year: t(n-2) * s / sqrt(n)  (OLS mean response)
    n = years.size
    half = stats.t.ppf(0.95, n - 2) * float(fit.residual_sd) / np.sqrt(n)
    verts = _one(ax, "band").get_paths()[0].vertices
    i = int(np.argmin(np.abs(gx - years.mean())))
    at = verts[np.isclose(verts[:, 0], gx[i]), 1]
    width = np.log10(at.max()) - np.log10(at.min())
    slope_term = (gx[i] - years.mean()) ** 2 / np.sum((years - years.mean()) ** 2)
    assert width == pytest.approx(2 * half * np.sqrt(1 + n * slope_term), rel=1e-9)
    assert ax.get_yscale() == "log"
    assert isinstance(ax.yaxis.get_major_formatter(), UsdFormatter)
    assert "USD" in ax.get_ylabel()
    top = {names[j] for j in np.argsort(costs)[-3:]}
    assert {t.get_text() for t in ax.texts} == top
    legend = " ".join(_legend_texts(fig))
    assert f"{float(fit.growth_factor):.2f}× per year" in legend and "25 models" in legend


def test_trend_errors_and_intervals() -> None:
    years, costs, names = _trend_data()
    ci = np.column_stack([costs / 3, costs * 3])
    fig = plot_trend(years, costs, cost_ci=ci, top_n=0)
    assert len(_only_axes(fig).texts) == 0
    with pytest.raises(FrontiercostError, match="cost_ci"):
        plot_trend(years, costs, cost_ci=ci[:-1])
    with pytest.raises(FrontiercostError, match="fitted on"):
        plot_trend(years[:-1], costs[:-1], fit=fit_trend(years, costs))
    with pytest.raises(FrontiercostError, match="names"):
        plot_trend(years, costs, names[:-1])


# --------------------------------------------------------------------- sweep
def test_sweep_lines_one_per_hue() -> None:
    da = _sweep()
    fig = plot_sweep(da, None, "year")
    ax = _only_axes(fig)
    lines = [ln for ln in ax.get_lines() if str(ln.get_gid()).startswith("line:")]
    assert len(lines) == 3
    for line, share in zip(lines, da.final_run_share.values, strict=True):
        assert line.get_ydata() == pytest.approx(da.sel(final_run_share=share).values)
    assert ax.get_yscale() == "log"  # the values span a factor 80
    assert isinstance(ax.yaxis.get_major_formatter(), UsdFormatter)
    assert ax.get_xlabel() == "year (yr)" and "USD" in ax.get_ylabel()
    assert _legend_texts(fig) == ["0.1", "0.2", "0.4"]
    assert all(t == f"{float(t):g}" and float(t) % 1 == 0 for t in _tick_texts(ax.xaxis))


def test_sweep_of_a_summarized_sweep_takes_its_unit_coordinate() -> None:
    """``fc.summarize`` keeps units as a coordinate: a median in USD got plain ticks."""
    import frontiercost as fc

    tree = fc.sweep("gpt-4", {"training_hours": [2000, 3000]}, draws=200, chains=1)
    medians = fc.summarize(tree)["median"]
    ax = _only_axes(plot_sweep(medians.sel(variable="amortized_cost"), None, "training_hours"))
    assert isinstance(ax.yaxis.get_major_formatter(), UsdFormatter)
    assert "USD" in ax.get_ylabel()
    # every variable's medians: var picks one, as of a Dataset
    picked = _only_axes(plot_sweep(medians, "amortized_cost", "training_hours"))
    assert np.array_equal(picked.lines[0].get_ydata(), ax.lines[0].get_ydata())
    assert "USD" in picked.get_ylabel()
    with pytest.raises(FrontiercostError, match=r"var: None is not one of the summary's"
                       r" variables; accepted: .*amortized_cost"):  # fmt: skip
        plot_sweep(medians, None, "training_hours")


def test_sweep_heatmap_cells() -> None:
    da = _sweep()
    ds = xr.Dataset({"rd_compute_cost": da})
    fig = plot_sweep(ds, "rd_compute_cost", "year", "final_run_share")
    ax = _only_axes(fig)
    mesh = _one(ax, "heatmap")
    assert isinstance(mesh, QuadMesh)
    assert np.asarray(mesh.get_array()).reshape(3, 4) == pytest.approx(da.values)
    assert len(ax.texts) == 12 and "$1B" in {t.get_text() for t in ax.texts}
    cbar = next(a for a in fig.axes if a.get_label() == "<colorbar>")
    assert isinstance(cbar.yaxis.get_major_formatter(), UsdFormatter)
    assert "USD" in cbar.get_ylabel()
    assert ax.get_ylabel() == "final_run_share" and ax.get_xlabel() == "year (yr)"


def test_sweep_string_coordinate_and_errors() -> None:
    da = xr.DataArray(
        [0.2, 0.5, 0.9],
        dims="chip",
        coords={"chip": ["h100", "b200", "tpu-v5p"]},
        attrs={"units": "1", "long_name": "P(cost > $1B)"},
    )
    ax = _only_axes(plot_sweep(da, None, "chip", value_format=lambda v: f"{v:.0%}"))
    assert [t.get_text() for t in ax.get_xticklabels()] == ["h100", "b200", "tpu-v5p"]
    assert ax.get_yscale() == "linear"
    with pytest.raises(FrontiercostError, match="no dim 'nope'"):
        plot_sweep(da, None, "nope")
    three = xr.DataArray(np.ones((2, 2, 2)), dims=("a", "b", "c"))
    with pytest.raises(FrontiercostError, match="left over"):
        plot_sweep(three, None, "a")
    with pytest.raises(FrontiercostError, match="unknown variable"):
        plot_sweep(xr.Dataset({"v": da}), "w", "chip")


# --------------------------------------------------------------- formatting
def test_usd_formatter_and_log_ticks() -> None:
    f = UsdFormatter()
    assert [f(v) for v in (4.06e7, 1.2e9, 5e5, 20.0)] == ["$40.6M", "$1.2B", "$500k", "$20"]
    ticks = LogTicks().tick_values(1e7, 1e8)
    assert {2e7, 5e7} <= set(np.round(ticks, -3))
    wide = LogTicks().tick_values(1e6, 1e12)
    assert np.allclose(np.log10(wide), np.round(np.log10(wide)))  # decades only
    assert OKABE_ITO["vermillion"] == "#D55E00"


def test_save_checks_format_and_directory(gpt4: xr.DataTree, tmp_path: Path) -> None:
    with pytest.raises(FrontiercostError, match="unknown image format 'xyz'"):
        plot_exceedance(gpt4, "amortized_cost", path=tmp_path / "a.xyz")
    with pytest.raises(FrontiercostError, match="does not exist"):
        plot_exceedance(gpt4, "amortized_cost", path=tmp_path / "no" / "a.png")
    plot_exceedance(gpt4, "amortized_cost", path=tmp_path / "a.svg")
    assert list(tmp_path.iterdir()) == [tmp_path / "a.svg"]
    svg = (tmp_path / "a.svg").read_text()
    assert svg.startswith("<?xml") and svg.rstrip().endswith("</svg>")  # written whole


def test_drawing_into_given_axes(gpt4: xr.DataTree) -> None:
    fig = Figure(layout="constrained")
    a, b = fig.subplots(1, 2)
    out = plot_distribution(gpt4, "amortized_cost", ax=a)
    assert out is fig
    assert plot_exceedance(gpt4, "amortized_cost", ax=b) is fig
    assert len(fig.axes) == 2 and a.get_xscale() == "log" and b.get_xscale() == "log"


def test_drawing_into_a_subfigure(gpt4: xr.DataTree) -> None:
    fig = Figure(layout="constrained")
    sub = fig.subfigures(1, 2)[1]
    assert plot_exceedance(gpt4, "amortized_cost", ax=sub.subplots()) is fig


def test_a_distribution_with_infinite_draws_renders_its_infinite_bound_at_the_edge() -> None:
    """An ETI bound or median that is +inf (infinite draws are values) made matplotlib
    fail (singular transform); it is drawn at the edge of the finite draws shown."""
    from frontiercost.engine._interp import formula_kernel
    from frontiercost.errors import NonFiniteWarning
    from frontiercost.model import Model, Output
    from frontiercost.model.formula import compile_program
    from frontiercost.priors import Normal

    def model(formula: str) -> Model:
        program = compile_program(("x",), {"cost": formula}, ["cost"])
        return Model("one", ("x",), (Output("cost", "USD", "cost"),), formula_kernel, program)

    prior = {"x": Normal(mu=0.0, sigma=1.0)}
    with pytest.warns(NonFiniteWarning):
        run = frontiercost.simulate(model("1 / max(x - 0.5, 0)"), prior, draws=2000, chains=2)
    x = run["posterior"]["cost"].values
    finite = x[np.isfinite(x)]
    fig = plot_distribution(run, "cost", path=io.BytesIO())
    ax = fig.axes[0]
    (upper,) = _by_gid(ax, "ci_upper")
    assert upper.get_xdata()[0] == finite.max()  # the bound is inf: drawn at the edge
    assert "inf" in ax.get_legend_handles_labels()[1][2]  # the label keeps the value
    with pytest.warns(NonFiniteWarning):
        huge = frontiercost.simulate(model("exp(x * 1000)"), prior, draws=2000, chains=2)
    with pytest.raises(FrontiercostError, match=r"var: 'cost' has draws of 1\.\d+e\+308,"):
        plot_distribution(huge, "cost", path=io.BytesIO())


@pytest.mark.parametrize(
    "family",
    ["normal", "lognormal", "two-modes", "uniform", "log-of-a-wide-lognormal", "exponential"],
)
def test_the_binned_density_is_scipys_kde(family: str) -> None:
    """Above EXACT_KDE_UP_TO draws the density curve is scipy's gaussian_kde computed
    from binned draws (11 s of a 4e6-draw figure was scipy's 400 x n Gaussians)."""
    from scipy.stats import gaussian_kde

    from frontiercost.analysis.plots import distribution

    rng = np.random.default_rng(3)
    n = 2 * distribution.EXACT_KDE_UP_TO
    t = {
        "normal": lambda: rng.normal(5.0, 2.0, n),
        "lognormal": lambda: rng.lognormal(0.0, 1.5, n),
        "two-modes": lambda: np.concatenate(
            [rng.normal(0, 1, n // 2), rng.normal(10, 0.3, n // 2)]
        ),
        "uniform": lambda: rng.uniform(-1e-9, 1e-9, n),
        "log-of-a-wide-lognormal": lambda: np.log(rng.lognormal(30.0, 3.0, n)),
        "exponential": lambda: rng.exponential(1e12, n),
    }[family]()
    grid, values = distribution._density(t, lambda x: x)
    exact = gaussian_kde(t)(grid)
    assert np.max(np.abs(values - exact)) <= 2e-3 * exact.max()


@pytest.mark.parametrize("kind", ["distribution", "exceedance"])
def test_a_plot_of_one_output_samples_only_it(kind: str, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """It stored every input and output (1.2 GB for `--draws 1e6` of gpt-4, now 545 MB);
    the figure is the same, byte for byte."""
    from frontiercost.cli import _figures, main

    argv = ["plot", "gpt-4", "--kind", kind, "--var", "chip_cost", "--draws", "2000", "-q"]
    kept = keep_kept(monkeypatch, _figures, "source")
    assert main([*argv, "--plot", str(tmp_path / "one.png")]) == 0
    assert kept == [("chip_cost",)]
    monkeypatch.setattr(_figures, "_one_output", lambda args: {})  # the whole run, as before
    assert main([*argv, "--plot", str(tmp_path / "whole.png")]) == 0
    assert len(kept[1]) > 20
    assert (tmp_path / "one.png").read_bytes() == (tmp_path / "whole.png").read_bytes()
