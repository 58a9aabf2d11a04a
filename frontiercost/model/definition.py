"""What a model is: named inputs, named outputs, and how to compute the outputs.

Two kinds share this class.  A *formula model* (``kernel is None``) carries
its compiled formula program in ``consts``
(:func:`frontiercost.model.resolve.formula_model`); every scenario is one, and
the engine runs it in its one compiled interpreter, so no new compilation is
needed per scenario and the model pickles as plain data.  A *kernel model*
carries a numba C function made with :func:`frontiercost.model_kernel`::

    @model_kernel
    def kernel(x, out, n, consts):  # x: (n_inputs, block), out: (n_outputs, block)
        for j in range(n):
            out[0, j] = x[0, j] * x[1, j]

It is called once per block with the inputs already drawn, rows in the order
of ``Model.inputs``; ``consts`` is the model's constant array.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Output:
    """An output variable: name, unit, a readable name and, for money, its dollars.

    ``dollars`` names the dollar basis of a money output (``"2025-06"``:
    dollars of June 2025; ``"nominal"``; ...); empty for other outputs.
    ``cloud_basis`` names the basis of the cloud price an output is computed
    from (``"3yr"``, ``"contract"``...; docs/scenarios.md); empty for outputs
    that read no cloud price; ``cloud_source`` where that price comes from
    (the chip library's record: chip, price year and basis; a pipeline's rate;
    ``[parameters]``).
    """

    name: str
    units: str
    long_name: str
    dollars: str = ""
    cloud_basis: str = ""
    cloud_source: str = ""


@dataclass(frozen=True)
class Model:
    """A cost model: its inputs (by name, in kernel row order), outputs and how to compute them.

    Parameters
    ----------
    name : str
        Identifier recorded in datasets.
    inputs : tuple of str
        Parameter names; a run needs a prior for each.
    outputs : tuple of Output
        Output variables in kernel row order.
    kernel : numba cfunc or None
        Made with :func:`frontiercost.model_kernel`; ``None`` for a formula
        model, whose program is ``consts``.
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
    kernel: Any = None
    consts: np.ndarray = field(default_factory=lambda: np.zeros(1), compare=False)
    scratch_rows: int = 0

    @property
    def output_names(self) -> tuple[str, ...]:
        """Names of the outputs, in kernel row order."""
        return tuple(o.name for o in self.outputs)

    @property
    def is_formula(self) -> bool:
        """Whether the engine's formula interpreter runs this model (its program is ``consts``)."""
        return self.kernel is None
