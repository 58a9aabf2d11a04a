"""Processes forked from one that has run simulations (``multiprocessing``'s
default start method on Linux): they run their own, or refuse in one line,
never die silently (a pool then waits forever)."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform"),
]

_POOL = textwrap.dedent(
    """
    import multiprocessing as mp
    import numba
    import frontiercost as fc

    def mean(seed):
        tree = fc.simulate("gpt-4", draws=500, chains=2, seed=seed)
        return float(tree.posterior["amortized_cost"].mean())

    if __name__ == "__main__":
        here = [mean(1), mean(2)]  # the parent's kernels run first
        with mp.get_context("fork").Pool(2) as pool:
            there = pool.map_async(mean, [1, 2]).get(timeout=120)
        print(numba.threading_layer(), here == there, here[0] != here[1])
    """
)

_FORK_ON_OPENMP = textwrap.dedent(
    """
    import os, sys
    import numba
    import frontiercost as fc

    fc.simulate("gpt-4", draws=200, chains=1)
    if numba.threading_layer() != "omp":
        print("no-openmp")
        sys.exit(0)
    pid = os.fork()
    if pid == 0:
        try:
            fc.simulate("gpt-4", draws=200, chains=1)
        except fc.SimulationError as err:
            print("refused:", err, flush=True)
            os._exit(0)
        os._exit(3)
    _, status = os.waitpid(pid, 0)
    sys.exit(os.waitstatus_to_exitcode(status))
    """
)


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
    )


def _has_tbb() -> bool:
    try:
        importlib.metadata.distribution("tbb")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def test_a_forked_pool_runs_simulations_with_the_same_bits() -> None:
    """On numba's default layer (TBB where the ``tbb`` dependency installs) a
    fork of a process that has simulated runs simulations, with the parent's bits."""
    res = _python(_POOL)
    assert res.returncode == 0, res.stderr
    layer, same, distinct = res.stdout.split()
    assert (same, distinct) == ("True", "True")
    if _has_tbb():
        assert layer == "tbb"  # the library of the tbb wheel was found


def test_a_fork_on_gnu_openmp_is_refused_in_one_line() -> None:
    """Where numba runs on GNU OpenMP (chosen by the user here) a forked child
    gets an error naming the ways out, where numba would kill it."""
    res = _python(_FORK_ON_OPENMP, NUMBA_THREADING_LAYER="omp")
    if res.stdout.strip() == "no-openmp":
        pytest.skip("numba's OpenMP layer cannot load here")
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.startswith("refused: ") and res.stdout.count("\n") == 1
    for way_out in ("'spawn'", "'forkserver'", "pip install tbb"):
        assert way_out in res.stdout


def test_the_command_line_runs_on_the_layer_the_library_picks() -> None:
    """``run -v`` starts numba's threads for its header before any kernel runs:
    on TBB too where the ``tbb`` wheel is installed, and it says so."""
    if not _has_tbb():
        pytest.skip("the tbb wheel is not installed here")
    res = subprocess.run(
        [sys.executable, "-m", "frontiercost", "run", "gpt-4", "--draws", "1000", "-v"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    assert "numba threading layer: tbb" in res.stderr
