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

njit = numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=FASTMATH)
# Small scalar helpers inlined at numba-IR level so the callers' loops vectorize.
njit_inline = numba.njit(
    cache=True, nogil=True, error_model="numpy", fastmath=FASTMATH, inline="always"
)
njit_parallel = numba.njit(
    cache=True, nogil=True, parallel=True, error_model="numpy", fastmath=FASTMATH
)


def cfunc(signature: object) -> Callable[[Callable[..., None]], Any]:
    """Decorator for model kernels: a C-callable compiled with the same options."""
    return numba.cfunc(
        signature, cache=True, nopython=True, error_model="numpy", fastmath=FASTMATH
    )
