"""All numba compilation options, in one place.

``error_model="numpy"`` drops numba's per-division zero check, which otherwise
blocks vectorization (measured 4.5-7x on the fused kernels).  Of the fastmath
flags only ``contract`` is on: it lets LLVM fuse multiply-adds, which is
deterministic (the same on the vector body and the scalar remainder of a loop,
and on every FMA-capable CPU).  Approximate reciprocals or functions
(``arcp``, ``afn``) measured no faster here and could make bits depend on the
code path; reassociation would make the streaming sums depend on threads;
``nnan``/``ninf`` would hide NaN/inf from validation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numba

FASTMATH = {"contract"}


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
