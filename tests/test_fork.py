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

# A forked child's simulation: exit 0 after printing its one-line refusal, 3 if it ran.
_CHILD = """try:
        fc.simulate("gpt-4", draws=200, chains=1)
    except fc.SimulationError as err:
        print("refused:", err, flush=True)
        os._exit(0)
    os._exit(3)"""

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
        {CHILD}
    _, status = os.waitpid(pid, 0)
    sys.exit(os.waitstatus_to_exitcode(status))
    """
).replace("{CHILD}", _CHILD)


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
    for way_out in ("'spawn'", "'forkserver'", "unset NUMBA_THREADING_LAYER (omp)"):
        assert way_out in res.stdout


_USER_NUMBA_FIRST = textwrap.dedent(
    """
    import multiprocessing as mp
    import numba, numpy as np
    import frontiercost as fc

    @numba.njit(parallel=True)
    def total(x):
        s = 0.0
        for i in numba.prange(x.size):
            s += x[i]
        return s

    def mean(seed):
        return float(fc.simulate("gpt-4", draws=300, chains=2, seed=seed)
                     .posterior["amortized_cost"].mean())

    if __name__ == "__main__":
        total(np.ones(1000))  # the user's own parallel code starts numba's threads first
        with mp.get_context("fork").Pool(2) as pool:
            there = pool.map_async(mean, [1, 2]).get(timeout=120)
        print(numba.threading_layer(), there == [mean(1), mean(2)])
    """
)


def test_a_users_own_parallel_numba_code_first_still_forks_safely() -> None:
    """``import frontiercost`` loads TBB, so numba picks it even when the user's
    own parallel function starts numba's threads before any simulation."""
    if not _has_tbb():
        pytest.skip("the tbb wheel is not installed here")
    res = _python(_USER_NUMBA_FIRST)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["tbb", "True"]


_FORK_MID_RUN = textwrap.dedent(
    """
    import os, sys, threading
    import frontiercost as fc

    inside, release = threading.Event(), threading.Event()

    def progress(done, total):  # runs inside the kernel calls of the run
        inside.set()
        release.wait(60)

    worker = threading.Thread(
        target=lambda: fc.simulate("gpt-4", draws=200_000, chains=2, progress=progress)
    )
    worker.start()
    inside.wait(60)
    pid = os.fork()
    if pid == 0:
        {CHILD}
    _, status = os.waitpid(pid, 0)
    release.set()
    worker.join()
    sys.exit(os.waitstatus_to_exitcode(status))
    """
).replace("{CHILD}", _CHILD)


def test_a_fork_taken_while_another_thread_simulates_is_refused_not_hung() -> None:
    """The child's copy of numba's threads is stuck mid-run (it hung): one line instead."""
    res = _python(_FORK_MID_RUN)
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.startswith("refused: this process was forked while another thread")


_THREADS = textwrap.dedent(
    """
    import threading
    import numpy as np
    import frontiercost as fc

    def run(seed, out):
        out[seed] = fc.simulate("gpt-4", draws=20_000, chains=2, seed=seed).posterior[
            "amortized_cost"].values

    got = {}
    threads = [threading.Thread(target=run, args=(s, got)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    alone = {}
    for s in range(4):
        run(s, alone)
    print(all(np.array_equal(got[s], alone[s]) for s in range(4)))
    """
)


@pytest.mark.parametrize("layer", ["workqueue", "default"])
def test_simulations_from_several_threads_at_once(layer: str) -> None:
    """Numba's work-queue layer aborts the process on concurrent kernels: frontiercost
    runs them one at a time there; every layer gives each thread its own bits."""
    res = _python(_THREADS, NUMBA_THREADING_LAYER=layer)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "True"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("garbage", "NUMBA_THREADING_LAYER: unknown layer 'garbage'; accepted: default, safe"),
        ("TBB", None),  # numba reads it in lower case, and so does frontiercost
    ],
)
def test_the_threading_layer_setting_is_read_as_numba_reads_it(
    value: str, message: str | None
) -> None:
    res = subprocess.run(
        [sys.executable, "-m", "frontiercost", "run", "gpt-4", "--draws", "1000", "-v"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NUMBA_THREADING_LAYER": value},
    )
    if message is None:
        assert res.returncode == 0, res.stderr
        if _has_tbb():
            assert "numba threading layer: tbb" in res.stderr
    else:
        assert res.returncode == 2 and res.stderr.count("\n") == 1
        assert message in res.stderr


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
