"""Numba's threading layer, chosen safe for forks and threads, set up on ``import frontiercost``.

Numba prefers TBB, which survives a fork, to GNU OpenMP, which does not: numba
kills a process forked from one whose kernels ran on GNU OpenMP at its first
kernel, and a ``multiprocessing`` pool (fork is Linux's default) then waits
forever for its dead workers.  The ``tbb`` wheel (a dependency on x86-64) puts
``libtbb`` in the environment's ``lib`` folder, which the dynamic loader does
not search (a venv, ``pip install --user``), so numba fell back to OpenMP.
:func:`load_tbb` loads it by its path, before any numba code of the user's or
ours starts numba's threads; then numba finds it by name.

Where numba still cannot run a forked child's kernels, or a thread's, the
kernels refuse in one line (:func:`check_kernels_may_run`) instead of being
killed or hanging.  Nothing here imports numba: ``import frontiercost`` stays
fast.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from .errors import SimulationError

_TBB_LIBRARY = {"linux": "libtbb.so.12", "darwin": "libtbb.12.dylib", "win32": "tbb12.dll"}
LAYERS = ("default", "safe", "forksafe", "threadsafe", "tbb", "omp", "workqueue")
_TBB_ELIGIBLE = ("default", "safe", "forksafe", "threadsafe", "tbb")  # layers TBB may serve


def requested_layer() -> str:
    """``NUMBA_THREADING_LAYER`` as numba reads it (lower case; ``default`` when unset)."""
    return (os.environ.get("NUMBA_THREADING_LAYER") or "default").strip().lower()


def _tbb_path(name: str) -> Path | None:
    """Where the ``tbb`` wheel put ``name``: the environment's ``lib`` first (a stat),
    else the files the wheel recorded (``--user`` and other prefixes)."""
    here = Path(sys.prefix) / ("Library/bin" if sys.platform == "win32" else "lib") / name
    if here.is_file():
        return here
    import importlib.metadata

    try:
        files = importlib.metadata.files("tbb") or []
    except importlib.metadata.PackageNotFoundError:
        return None
    for f in files:
        if f.name == name:
            return Path(str(f.locate()))
    return None


def load_tbb() -> bool:
    """Load the ``tbb`` wheel's library so that numba can pick TBB; True when loaded.

    A layer the user chose other than TBB (``NUMBA_THREADING_LAYER=omp``,
    ``workqueue``) is left alone.
    """
    name = _TBB_LIBRARY.get(sys.platform)
    if name is None or requested_layer() not in _TBB_ELIGIBLE:
        return False
    path = _tbb_path(name)
    if path is None:
        return False
    try:
        ctypes.CDLL(str(path), mode=ctypes.RTLD_GLOBAL)
    except OSError:
        return False  # numba then picks OpenMP or its work queue, as it would have
    return True


TBB_LOADED = load_tbb()

_running: dict[int, int] = {}  # thread -> kernel calls it is inside (updates hold the GIL)
_forked = {"gnu_openmp": False, "mid_run": False}


def _note_fork_in_child() -> None:
    parallel = sys.modules.get("numba.np.ufunc.parallel")
    if parallel is not None and getattr(parallel, "_is_initialized", False):
        layer = getattr(parallel, "_threading_layer", None)
        omppool = sys.modules.get("numba.np.ufunc.omppool")
        vendor = getattr(omppool, "openmp_vendor", "GNU")
        _forked["gnu_openmp"] = layer == "omp" and vendor == "GNU"
    # another thread was inside a kernel: the copy of numba's threads it used is stuck
    _forked["mid_run"] = any(n for t, n in _running.items() if t != threading.get_ident())
    _running.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_note_fork_in_child)


@functools.cache  # checked on every kernel call: the loader is asked once
def _tbb_loadable() -> bool:
    """Whether numba can load TBB: the wheel's library loaded, or one the loader finds."""
    name = _TBB_LIBRARY.get(sys.platform)
    if TBB_LOADED or name is None:
        return True  # an unknown platform: numba decides
    try:
        ctypes.CDLL(name)
    except OSError:
        return False
    return True


def check_thread_count() -> None:
    """Refuse a ``NUMBA_NUM_THREADS`` numba's own import would fail on (0, -1, "two")."""
    threads = os.environ.get("NUMBA_NUM_THREADS", "").strip()
    if threads and not (threads.isdigit() and int(threads) > 0):
        raise SimulationError(
            f"NUMBA_NUM_THREADS: must be a whole number above 0, got {threads!r}; or unset it"
        )


def check_kernels_may_run() -> None:
    """Raise where numba would kill this process or hang in it.

    Raises
    ------
    SimulationError
        For an unknown ``NUMBA_THREADING_LAYER``; TBB asked for but not
        loadable; a fork of a process whose kernels ran on GNU OpenMP; a fork
        taken while another thread was running kernels.
    """
    check_thread_count()
    layer = requested_layer()
    if layer not in LAYERS:
        raise SimulationError(
            f"NUMBA_THREADING_LAYER: unknown layer {layer!r}; accepted: {', '.join(LAYERS)}"
        )
    if layer in ("tbb", "safe") and not _tbb_loadable():
        raise SimulationError(
            f"NUMBA_THREADING_LAYER={layer}: numba's TBB layer needs the tbb package"
            " (pip install tbb), not installed here; or unset the variable"
        )
    if _forked["gnu_openmp"]:
        way = (
            "unset NUMBA_THREADING_LAYER (omp)"
            if layer == "omp"
            else "install tbb (pip install tbb) so that numba uses its fork-safe TBB layer"
        )
        raise SimulationError(
            "this process was forked from one whose kernels ran on numba's GNU OpenMP "
            "threading layer, which cannot run again in a forked child: start worker "
            f"processes with multiprocessing's 'spawn' or 'forkserver' method, or {way}"
        )
    if _forked["mid_run"]:
        raise SimulationError(
            "this process was forked while another thread of its parent was running "
            "simulations, whose threads the child cannot use: fork before or after "
            "them, or start worker processes with multiprocessing's 'spawn' or "
            "'forkserver' method"
        )


_WORKQUEUE = threading.Lock()


@contextlib.contextmanager
def kernel_call(layer: str) -> Iterator[None]:
    """Mark this thread as running kernels on numba's ``layer`` (see ``_note_fork_in_child``).

    Numba's work-queue layer aborts the process when two threads launch
    kernels at once: there, one thread at a time (the same bits either way).
    """
    lock = _WORKQUEUE if layer == "workqueue" else contextlib.nullcontext()
    with lock:
        me = threading.get_ident()
        _running[me] = _running.get(me, 0) + 1
        try:
            yield
        finally:
            _running[me] -= 1
