"""Which kernel runs a model, calling it on a few columns, and shipping it by import path.

Formula models (``Model.kernel is None``) run the interpreter
:func:`frontiercost.engine._interp.formula_kernel` on their program; kernel
models their own ``cfunc`` (:mod:`frontiercost.engine.signature`).
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

from ..errors import SimulationError
from ..model import Model
from ._drivers import PAD
from ._interp import formula_kernel
from ._jit import njit


def kernel_of(model: Model) -> Any:
    """The compiled kernel that runs ``model``."""
    return formula_kernel if model.kernel is None else model.kernel


@njit
def _call(kernel: Any, x: np.ndarray, y: np.ndarray, n: int, consts: np.ndarray) -> None:
    kernel(x, y, n, consts)  # compiled: a cfunc called from Python runs its Python body


def evaluate_columns(model: Model, x: np.ndarray) -> np.ndarray:
    """Outputs ``(n_outputs, n)`` of the model at input columns ``x`` ``(n_inputs, n)``.

    For a handful of columns (point estimates, tornado ends): one compiled
    kernel call, no sampling.  The columns are padded to a whole number of
    ``PAD`` as the drivers pad blocks, so a column gets the bits it would get
    as a draw of a run.
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[1]
    width = max(PAD, -(-n // PAD) * PAD)
    padded = np.empty((x.shape[0], width))
    padded[:, :n] = x
    padded[:, n:] = x[:, -1:] if n else 0.0
    y = np.empty((len(model.outputs) + model.scratch_rows, width))
    consts = np.ascontiguousarray(model.consts, dtype=np.float64)
    _call(kernel_of(model), padded, y, width, consts)
    return y[: len(model.outputs), :n].copy()


def _lookup(module: str, qualname: str) -> Any:
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def kernel_path(model: Model) -> tuple[str, str] | None:
    """Module and qualified name under which another process can import the kernel.

    ``None`` for a formula model (its program is plain data).

    Raises
    ------
    SimulationError
        When the kernel is not a module-level name of an importable module.
    """
    if model.kernel is None:
        return None
    func = getattr(model.kernel, "_pyfunc", None)
    module = getattr(func, "__module__", None)
    qualname = getattr(func, "__qualname__", None)
    if module and qualname and module != "__main__" and "<locals>" not in qualname:
        try:
            found = _lookup(module, qualname)
        except (ImportError, AttributeError):
            found = None
        if found is model.kernel:
            return module, qualname
    where = f"{module}.{qualname}" if module and qualname else repr(model.kernel)
    raise SimulationError(
        f"model {model.name!r}: the dask engine rebuilds the model on each worker and"
        f" imports its kernel by module path, but {where} cannot be imported (define the"
        " kernel at module level of an importable module, or write the model as a"
        " scenario, whose formulas always run on dask); run it on the local engine"
    )


def import_kernel(path: tuple[str, str] | None) -> Any:
    """The kernel named by :func:`kernel_path` (``None`` stays ``None``)."""
    return None if path is None else _lookup(*path)
