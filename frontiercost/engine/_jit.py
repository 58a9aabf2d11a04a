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

from collections.abc import Callable
from typing import Any

import numba

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
