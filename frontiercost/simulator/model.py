"""What a model is to the sampling core: named inputs, named outputs, one kernel.

A kernel is a numba ``cfunc`` with :data:`KERNEL_SIG`::

    @model_kernel
    def kernel(x, out, n, consts):  # x: (n_inputs, block), out: (n_outputs, block)
        for j in range(n):
            out[0, j] = x[0, j] * x[1, j]

It is called once per block with the inputs already drawn, rows in the order
of ``Model.inputs``; ``consts`` is the model's constant array (``Model.consts``),
which lets one compiled kernel serve many models (the cost-model interpreter
reads its program from it).  Passing it as a first-class C function (not a jitted
Python function) is what lets the compiled drivers be cached on disk once and
shared by every model with this signature.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numba import types

from ._jit import cfunc

KERNEL_SIG = types.void(
    types.float64[:, ::1], types.float64[:, ::1], types.int64, types.float64[::1]
)


def model_kernel(func: Any) -> Any:
    """Compile ``func(x, out, n, consts)`` as a model kernel (cached on disk)."""
    return cfunc(KERNEL_SIG)(func)


@dataclass(frozen=True)
class Output:
    """An output variable: name, unit and a readable name."""

    name: str
    units: str
    long_name: str


@dataclass(frozen=True)
class Model:
    """A cost model: its inputs (by name, in kernel row order), outputs and kernel.

    Parameters
    ----------
    name : str
        Identifier recorded in datasets.
    inputs : tuple of str
        Parameter names; ``simulate`` needs a prior for each.
    outputs : tuple of Output
        Output variables in kernel row order.
    kernel : numba cfunc
        Made with :func:`model_kernel`.
    consts : numpy.ndarray, optional
        Constants handed to every kernel call (float64, 1-D).
    scratch_rows : int, optional
        Rows of working space the kernel may use in ``out`` below its outputs.
        The engine's drivers allocate them once per thread; a kernel given an
        ``out`` without them must allocate its own.
    """

    name: str
    inputs: tuple[str, ...]
    outputs: tuple[Output, ...]
    kernel: Any
    consts: np.ndarray = field(default_factory=lambda: np.zeros(1), compare=False)
    scratch_rows: int = 0

    @property
    def output_names(self) -> tuple[str, ...]:
        """Names of the outputs, in kernel row order."""
        return tuple(o.name for o in self.outputs)
