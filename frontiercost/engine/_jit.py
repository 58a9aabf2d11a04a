"""All numba compilation options, in one place.

``error_model="numpy"`` drops numba's per-division zero check, which otherwise
blocks vectorization (measured 4.5-7x on the fused kernels).  Of the fastmath
flags only ``contract`` is on: it lets LLVM fuse multiply-adds, which is
deterministic (the same on the vector body and the scalar remainder of a loop,
and on every FMA-capable CPU).  Approximate reciprocals or functions
(``arcp``, ``afn``) measured no faster here and could make bits depend on the
code path; reassociation would make the streaming sums depend on threads;
``nnan``/``ninf`` would hide NaN/inf from validation.

On CPUs with AVX-512, LLVM's tuning still prefers 256-bit vectors; asking for
512-bit ones (``-prefer-256-bit``) made the reference model's kernels 15 %
faster here (20.0 to 17.0 CPU-ns per draw) with the same bits, as
``scripts/bits_fingerprint.py`` and ``tests/test_engine.py`` check.  It is
numba's process-wide setting, so it applies only where the user has chosen
none (``NUMBA_CPU_NAME``, ``NUMBA_CPU_FEATURES``; ``NUMBA_ENABLE_AVX=0`` keeps
AVX off), ``FRONTIERCOST_WIDE_VECTORS`` is not ``0``, and no numba function
was declared before this module.
"""

from __future__ import annotations

import ctypes
import importlib.metadata
import os
import sys
from collections.abc import Callable
from typing import Any

import numba

from ..errors import SimulationError
from ..settings import wide_vectors_wanted

FASTMATH = {"contract"}


def _prefer_wide_vectors() -> bool:
    """Let LLVM use the CPU's 512-bit vectors; True when it was set here.

    A bad ``FRONTIERCOST_WIDE_VECTORS`` raises here, on the first use of the
    kernels, whatever the command or worker (and again in every run's limits).
    """
    user_chose = numba.config.CPU_NAME is not None or numba.config.CPU_FEATURES is not None
    if not wide_vectors_wanted() or user_chose:
        return False
    from numba.core.codegen import get_host_cpu_features
    from numba.core.registry import cpu_target

    if "_toplevel_target_context" in vars(cpu_target):
        return False  # numba already compiles, for the features it started with
    # numba's view of the host: without AVX where NUMBA_ENABLE_AVX=0 (or numba's
    # default for CPUs where AVX misbehaved) turns it off
    features = get_host_cpu_features()
    if "+avx512f" not in features.split(","):
        return False
    numba.config.CPU_FEATURES = features + ",-prefer-256-bit"
    return True


# Before the first decorator below: numba fixes its CPU features when its
# first function is declared.
WIDE_VECTORS = _prefer_wide_vectors()

_TBB_LIBRARY = {"linux": "libtbb.so.12", "darwin": "libtbb.12.dylib", "win32": "tbb12.dll"}
# The layers numba may pick TBB for; a user who named another keeps it.
_TBB_ELIGIBLE = ("default", "safe", "forksafe", "threadsafe", "tbb")


def _load_tbb() -> bool:
    """Let numba find TBB, its fork-safe threading layer; True when loaded here.

    Numba prefers TBB to GNU OpenMP, which is not fork-safe: numba kills a
    process forked from one whose kernels ran on GNU OpenMP at its first
    kernel, and a ``multiprocessing`` pool (fork is Linux's default) then
    waits forever for its dead workers.  The ``tbb`` wheel (a dependency on
    x86-64) puts ``libtbb`` in the environment's ``lib`` folder, which the
    dynamic loader does not search (a venv, ``pip install --user``), so numba
    fell back to OpenMP.  Loaded here by its path, it is found by name.
    """
    name = _TBB_LIBRARY.get(sys.platform)
    if name is None or str(numba.config.THREADING_LAYER) not in _TBB_ELIGIBLE:
        return False
    try:
        files = importlib.metadata.files("tbb") or []
    except importlib.metadata.PackageNotFoundError:
        return False
    for f in files:
        if f.name == name:
            try:
                ctypes.CDLL(str(f.locate()), mode=ctypes.RTLD_GLOBAL)
            except OSError:
                return False  # numba then picks OpenMP or its work queue, as before
            return True
    return False


TBB_LOADED = _load_tbb()
_forked_from_gnu_openmp = False


def _note_fork_in_child() -> None:
    global _forked_from_gnu_openmp
    from numba.np.ufunc import parallel

    if getattr(parallel, "_is_initialized", False) and (
        getattr(parallel, "_threading_layer", None) == "omp"
    ):
        from numba.np.ufunc import omppool

        _forked_from_gnu_openmp = getattr(omppool, "openmp_vendor", "GNU") == "GNU"


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_note_fork_in_child)


def refuse_forked_openmp() -> None:
    """Raise where numba would kill this process: a fork of one whose kernels
    ran on GNU OpenMP (see :func:`_load_tbb`).

    Raises
    ------
    SimulationError
        Naming the two ways out.
    """
    if _forked_from_gnu_openmp:
        raise SimulationError(
            "this process was forked from one whose kernels ran on numba's GNU OpenMP "
            "threading layer, which cannot run again in a forked child: start worker "
            "processes with multiprocessing's 'spawn' or 'forkserver' method, or "
            "install tbb (pip install tbb) so that numba uses its fork-safe TBB layer"
        )


def _keep_going_when_the_cache_is_full(compiled: Any) -> None:
    """A cache entry that cannot be saved (a full disk) is skipped, not a failed run.

    Numba saves a compiled kernel to its disk cache inside the call that compiles
    it and lets an ``OSError`` of that write escape the call.
    """
    cache: Any = getattr(compiled, "_cache", None)
    save = getattr(cache, "save_overload", None)
    if save is None:
        return

    def save_overload(sig: Any, data: Any) -> None:
        try:
            save(sig, data)
        except OSError:
            pass  # this process keeps the compiled code; the next one compiles again

    cache.save_overload = save_overload


def _cached(make: Callable[..., Any], **options: Any) -> Callable[[Callable[..., Any]], Any]:
    """``make(cache=True, **options)``, or without the cache where none can be written.

    Numba looks for a writable cache folder (``NUMBA_CACHE_DIR``, ``__pycache__``
    beside the sources, the user's cache folder) when a function is decorated,
    and raises when there is none (a read-only install with an unwritable
    ``HOME``): then the kernels are compiled in every process instead.
    """

    def decorate(func: Callable[..., Any]) -> Any:
        try:
            compiled = make(cache=True, **options)(func)
        except RuntimeError as err:
            if "cannot cache" not in str(err):
                raise
            return make(cache=False, **options)(func)
        except OSError:  # a cfunc compiles and saves here, when decorated: a full disk
            return make(cache=False, **options)(func)
        _keep_going_when_the_cache_is_full(compiled)
        return compiled

    return decorate


njit = _cached(numba.njit, nogil=True, error_model="numpy", fastmath=FASTMATH)
# Small scalar helpers inlined at numba-IR level so the callers' loops vectorize.
njit_inline = _cached(
    numba.njit, nogil=True, error_model="numpy", fastmath=FASTMATH, inline="always"
)
njit_parallel = _cached(
    numba.njit, nogil=True, parallel=True, error_model="numpy", fastmath=FASTMATH
)


def cfunc(signature: object) -> Callable[[Callable[..., None]], Any]:
    """Decorator for model kernels: a C-callable compiled with the same options."""
    return _cached(
        lambda **o: numba.cfunc(signature, **o),
        nopython=True,
        error_model="numpy",
        fastmath=FASTMATH,
    )
