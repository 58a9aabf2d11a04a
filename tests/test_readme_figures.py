"""The README's benchmark tables are generated from the committed results file.

``scripts/readme_figures.py`` writes the blocks between ``<!-- bench:NAME -->``
markers from ``benchmarks/results/real.json``; this test fails when README.md
differs from what it generates (fix: ``python scripts/readme_figures.py``).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _script() -> object:
    spec = importlib.util.spec_from_file_location(
        "readme_figures", ROOT / "scripts" / "readme_figures.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_readme_benchmark_blocks_match_the_results_file() -> None:
    mod = _script()
    res = json.loads((ROOT / "benchmarks" / "results" / "real.json").read_text("utf-8"))
    readme = (ROOT / "README.md").read_text("utf-8")
    assert mod.render(readme, res) == readme, (  # type: ignore[attr-defined]
        "README.md's benchmark blocks are stale: run python scripts/readme_figures.py"
    )


def test_a_changed_figure_is_caught() -> None:
    mod = _script()
    res = json.loads((ROOT / "benchmarks" / "results" / "real.json").read_text("utf-8"))
    readme = (ROOT / "README.md").read_text("utf-8")
    res["throughput"][0]["draws_per_s"] *= 2
    assert mod.render(readme, res) != readme  # type: ignore[attr-defined]


def test_every_block_has_a_generator_and_back() -> None:
    mod = _script()
    res = json.loads((ROOT / "benchmarks" / "results" / "real.json").read_text("utf-8"))
    with pytest.raises(KeyError, match="no block"):
        mod.render("no blocks here\n", res)  # type: ignore[attr-defined]
