"""Write the plot gallery: each plot of ``frontiercost.analysis.plots`` on built-in scenarios.

Usage::

    python scripts/make_gallery.py [--out DIR] [--dpi DPI] [--draws N] [--seed S]

Writes PNG files to ``docs/gallery/`` (by default) and prints one line per
file.  Runs are seeded, so the images are reproducible; every figure comes
from the public API and the built-in scenarios, nothing typed in by hand.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import xarray as xr

import frontiercost
from frontiercost.analysis.plots import (
    plot_components,
    plot_distribution,
    plot_exceedance,
    plot_projection,
    plot_sweep,
    plot_tornado,
    plot_trend,
)
from frontiercost.analysis.risk import exceedance, value_at_risk
from frontiercost.analysis.sensitivity import tornado

ROOT = Path(__file__).resolve().parent.parent
CHAINS = 4


def _frontier_models() -> list[frontiercost.Scenario]:
    scenarios = [frontiercost.load_scenario(n) for n in frontiercost.list_scenarios()]
    return [s for s in scenarios if "frontier-model" in s.meta.get("tags", [])]


def _projection_exceedance(tree: xr.DataTree, thresholds: Sequence[float]) -> xr.DataArray:
    """P(projected cost > threshold) over (threshold, year), from one projection run."""
    names = sorted(
        n for v in tree["posterior"].data_vars if (n := str(v)).startswith("projected_cost_")
    )
    years = [int(n.rsplit("_", 1)[1]) for n in names]
    p = np.array([exceedance(tree, n, thresholds)["probability"].values for n in names]).T
    return xr.DataArray(
        p,
        dims=("threshold", "year"),
        coords={
            "threshold": ("threshold", list(thresholds), {"units": "USD"}),
            "year": ("year", years, {"units": "yr"}),
        },
        name="p_exceed",
        attrs={"units": "1", "long_name": "P(largest run's cost > threshold)"},
    )


def make_gallery(out: Path, dpi: float, draws: int, seed: int) -> list[Path]:
    """Render every gallery image into ``out``; return the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def path(name: str) -> Path:
        written.append(out / name)
        return out / name

    def run(name: str) -> xr.DataTree:
        return frontiercost.simulate(name, draws=draws, chains=CHAINS, seed=seed)

    gpt4 = run("gpt-4")
    gpt4_point = frontiercost.evaluate("gpt-4")
    plot_distribution(
        gpt4, "amortized_cost", point=gpt4_point, path=path("distribution_gpt-4.png"), dpi=dpi
    )
    plot_components(gpt4, point=gpt4_point, path=path("components_gpt-4.png"), dpi=dpi)
    plot_tornado(tornado("gpt-4", "amortized_cost"), path=path("tornado_gpt-4.png"), dpi=dpi)

    dev = run("gpt-4-development")
    plot_exceedance(
        dev,
        "development_cost",
        thresholds=[1e8, 2e8, 5e8],
        path=path("exceedance_gpt-4-development.png"),
        dpi=dpi,
    )
    plot_components(
        dev,
        total="development_cost",
        parts=("rd_compute_cost", "staff_cost"),
        point=frontiercost.evaluate("gpt-4-development"),
        path=path("components_gpt-4-development.png"),
        dpi=dpi,
    )

    projection = run("frontier-run-2025-2030")
    plot_projection(
        projection, threshold=1e9, path=path("projection_frontier-run-2025-2030.png"), dpi=dpi
    )
    p_exceed = _projection_exceedance(projection, [1e9, 3e9, 1e10, 3e10, 1e11])
    plot_sweep(
        p_exceed,
        None,
        "year",
        "threshold",
        value_format=lambda v: f"{v:.0%}",
        title="P(largest run's cost > threshold), frontier-run-2025-2030",
        path=path("sweep_heatmap_projection.png"),
        dpi=dpi,
    )
    plot_sweep(
        p_exceed.sel(threshold=[1e9, 1e10, 1e11]),
        None,
        "year",
        logy=False,
        value_format=lambda v: f"{v:.0%}",
        title="P(largest run's cost > threshold) by year",
        path=path("sweep_lines_projection.png"),
        dpi=dpi,
    )

    models = _frontier_models()
    years = np.array([float(s.meta["year"]) for s in models])
    costs = np.array([float(frontiercost.evaluate(s)["amortized_cost"]) for s in models])
    intervals = np.array(
        [
            value_at_risk(
                frontiercost.simulate(s, draws=1000, chains=2, seed=seed),
                "amortized_cost",
                [0.05, 0.95],
            ).values
            for s in models
        ]
    )
    plot_trend(
        years,
        costs,
        [s.title for s in models],
        cost_ci=intervals,
        top_n=5,
        label="amortized final-run cost",
        title=f"Amortized cost of {len(models)} frontier training runs (point and 90 % interval)",
        path=path("trend_frontier-models.png"),
        dpi=dpi,
    )
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry: parse options, render, report."""
    doc = __doc__ or ""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "gallery")
    parser.add_argument("--dpi", type=float, default=100)
    parser.add_argument("--draws", type=int, default=2500, help="draws per chain (4 chains)")
    parser.add_argument("--seed", type=int, default=20240531)
    args = parser.parse_args(argv)
    for f in make_gallery(args.out, args.dpi, args.draws, args.seed):
        print(f"{f.relative_to(ROOT) if f.is_relative_to(ROOT) else f}  {f.stat().st_size:,} B")
    return 0


if __name__ == "__main__":
    sys.exit(main())
