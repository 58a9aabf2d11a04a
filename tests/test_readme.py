"""The README's figures are generated (``scripts/readme.py``): a stale one fails here.

Source of truth: the commands and data each figure comes from (command outputs
in ``<!-- generated: ... -->`` blocks, counts in ``<!-- count: ... -->``).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_SPEC = importlib.util.spec_from_file_location("readme_script", ROOT / "scripts" / "readme.py")
assert _SPEC is not None and _SPEC.loader is not None
README_SCRIPT = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(README_SCRIPT)


@pytest.mark.e2e  # runs the README's commands in-process
def test_readme_figures_are_current(capsys) -> None:  # type: ignore[no-untyped-def]
    assert README_SCRIPT.main(["--check"]) == 0, capsys.readouterr().out


def test_the_generator_rewrites_a_stale_count_and_block(tmp_path: Path) -> None:
    import frontiercost as fc

    stale = tmp_path / "README.md"
    stale.write_text(
        "ships <!-- count: scenarios -->1<!-- /count --> scenarios\n"
        "<!-- generated: frontiercost chips --format json -->\n```json\nold\n```\n"
        "<!-- /generated -->\n",
        encoding="utf-8",
    )
    assert README_SCRIPT.main(["--check", "--readme", str(stale)]) == 1
    assert README_SCRIPT.main(["--readme", str(stale)]) == 0
    text = stale.read_text(encoding="utf-8")
    assert f"ships <!-- count: scenarios -->{len(fc.list_scenarios()):,}<!-- /count -->" in text
    assert "old" not in text and "h100-sxm5" in text
    assert README_SCRIPT.main(["--check", "--readme", str(stale)]) == 0


def test_an_unknown_count_or_a_failing_command_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "README.md"
    bad.write_text("<!-- count: nope -->1<!-- /count -->\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="unknown count 'nope'"):
        README_SCRIPT.main(["--readme", str(bad)])
    bad.write_text(
        "<!-- generated: frontiercost run no-such-model -->\n```\nx\n```\n<!-- /generated -->\n",
        encoding="utf-8",
    )
    with pytest.raises(SystemExit, match="exited 2"):
        README_SCRIPT.main(["--readme", str(bad)])


@pytest.mark.e2e  # every Python example of the README, as a user would paste it
def test_every_python_example_in_the_readme_runs(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import re
    import runpy

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)\n```", text, re.S)
    assert len(blocks) >= 5
    # the Epoch examples read the copy in tests/data, as from a clone's root
    (tmp_path / "tests").symlink_to(ROOT / "tests")
    monkeypatch.chdir(tmp_path)
    for i, block in enumerate(blocks):
        path = tmp_path / f"readme_block_{i}.py"  # a file: numba caches by file
        path.write_text(block + "\n", encoding="utf-8")
        runpy.run_path(str(path), run_name="__main__")


def _model_blocks() -> dict[str, str]:
    import re

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return dict(re.findall(r"<!-- model: (\w+) -->\n```python\n(.*?)\n```", text, re.S))


def test_the_readme_python_model_is_no_longer_than_squigglepys() -> None:
    """Issue 13: the five-input model in no more lines than squigglepy needs (ruff-formatted)."""
    import subprocess
    import sys

    blocks = _model_blocks()
    assert set(blocks) == {"frontiercost", "squigglepy"}

    def lines(code: str) -> int:
        formatted = subprocess.run(
            [sys.executable, "-m", "ruff", "format", "--line-length", "99", "-"],
            input=code + "\n",
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert formatted.strip() == code.strip(), "the README's block is not as ruff formats it"
        return sum(1 for s in code.splitlines() if s.strip() and not s.startswith("import "))

    ours, theirs = lines(blocks["frontiercost"]), lines(blocks["squigglepy"])
    assert ours <= theirs == 9


@pytest.mark.e2e
def test_the_two_readme_models_are_the_same_model(tmp_path: Path) -> None:
    """Both blocks run and agree in distribution: the line count compares like with like."""
    import runpy

    import numpy as np

    pytest.importorskip("squigglepy")
    blocks = _model_blocks()
    results = {}
    for name, code in blocks.items():
        path = tmp_path / f"{name}_model.py"
        path.write_text(code + "\n", encoding="utf-8")
        results[name] = runpy.run_path(str(path), run_name="__main__")
    ours = results["frontiercost"]["tree"].posterior["cost"].values.ravel()
    theirs = np.asarray(results["squigglepy"]["samples"], dtype=float)
    assert ours.size == theirs.size == 1_000_000
    q = [0.05, 0.25, 0.5, 0.75, 0.95]
    # 1e6 draws each: quantiles of a lognormal-ish cost agree to well under 1 %
    np.testing.assert_allclose(np.quantile(ours, q), np.quantile(theirs, q), rtol=0.01)
