"""The sampling engine: streams, kernels, drivers, plans, and the executors that run them.

A run is a :class:`Plan` (kernel arrays of a model under its priors and a
:class:`~frontiercost.settings.Sampling`) wrapped in a :class:`Job` (what to
keep); an executor (:class:`LocalExecutor` or :class:`DaskExecutor`) runs jobs
with one method, ``run(jobs, progress)``, and returns one
:class:`EngineResult` per job, with the same bits whichever executor ran it.
"""

from .dask import DaskExecutor
from .job import EngineResult, Job, Sink
from .kernel import evaluate_columns
from .local import LocalExecutor, evaluate_uniforms, overflowing_inputs, run_engine
from .plan import Plan, plan_run
from .signature import KERNEL_SIG, model_kernel
from .streaming import HIST_BYTES, StreamStats

Executor = LocalExecutor | DaskExecutor

__all__ = [
    "HIST_BYTES",
    "KERNEL_SIG",
    "DaskExecutor",
    "EngineResult",
    "Executor",
    "Job",
    "LocalExecutor",
    "Plan",
    "Sink",
    "StreamStats",
    "evaluate_columns",
    "evaluate_uniforms",
    "model_kernel",
    "overflowing_inputs",
    "plan_run",
    "run_engine",
]
