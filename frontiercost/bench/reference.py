"""The benchmark's reference model (docs/architecture.md §6), as frontiercost runs it.

``cost = training_compute / (peak_flops × utilization × 3600)
× price_per_chip_hour × overhead / final_run_share``
"""

from __future__ import annotations

from ..engine import model_kernel
from ..model import Model, Output
from ..priors import Fixed, Prior, Uniform, prior_from_spec

INPUTS = (
    "training_compute",
    "peak_flops",
    "utilization",
    "price_per_chip_hour",
    "overhead",
    "final_run_share",
)


@model_kernel
def _kernel(x, out, n, consts):
    for j in range(n):
        chip_hours = x[0, j] / (x[1, j] * x[2, j] * 3600.0)
        out[0, j] = chip_hours * x[3, j] * x[4, j] / x[5, j]


REFERENCE_MODEL = Model(
    name="reference",
    inputs=INPUTS,
    outputs=(Output("cost", "USD", "R&D-scaled final-run cost"),),
    kernel=_kernel,
)


FORMULA = (
    "training_compute / (peak_flops * utilization * 3600)"
    " * price_per_chip_hour * overhead / final_run_share"
)


def reference_formula_model() -> Model:
    """The reference model as a formula run by the interpreter (as scenarios run)."""
    from ..model.formula import compile_program

    program = compile_program(INPUTS, {"cost": FORMULA}, ["cost"])
    return Model(
        "reference-formula",
        INPUTS,
        REFERENCE_MODEL.outputs,
        None,
        program,
        scratch_rows=int(program[0]),
    )


def reference_priors() -> dict[str, Prior]:
    """The reference model's priors (90 % intervals of docs/architecture.md §6)."""
    priors = {
        "training_compute": prior_from_spec(
            {"family": "lognormal", "p5": 1e25, "p95": 5e25, "unit": "FLOP"}
        ),
        "peak_flops": Fixed(value=989e12, unit="FLOP/s"),
        "utilization": prior_from_spec({"family": "beta", "p5": 0.3, "p95": 0.5}),
        "price_per_chip_hour": prior_from_spec(
            {"family": "lognormal", "p5": 1.5, "p95": 3.5, "unit": "USD/h"}
        ),
        "overhead": Uniform(lower=1.2, upper=1.5),
        "final_run_share": prior_from_spec({"family": "beta", "p5": 0.1, "p95": 0.3}),
    }
    return priors


def reference_model() -> tuple[Model, dict[str, Prior]]:
    """The reference model and its priors."""
    return REFERENCE_MODEL, reference_priors()
