"""The sampling core: random streams, kernels, engine and dataset assembly."""

from .engine import EngineResult, run_engine
from .model import KERNEL_SIG, Model, Output, model_kernel
from .streaming import StreamStats

__all__ = [
    "KERNEL_SIG",
    "EngineResult",
    "Model",
    "Output",
    "StreamStats",
    "model_kernel",
    "run_engine",
]
