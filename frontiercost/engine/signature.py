"""The C signature of a model kernel and the decorator that compiles one.

A kernel is a numba ``cfunc`` with :data:`KERNEL_SIG`; passing it as a
first-class C function (not a jitted Python function) is what lets the
compiled drivers be cached on disk once and shared by every model with this
signature.
"""

from __future__ import annotations

from typing import Any

from numba import types

from ._jit import cfunc

KERNEL_SIG = types.void(
    types.float64[:, ::1], types.float64[:, ::1], types.int64, types.float64[::1]
)


def model_kernel(func: Any) -> Any:
    """Compile ``func(x, out, n, consts)`` as a model kernel (cached on disk)."""
    return cfunc(KERNEL_SIG)(func)
