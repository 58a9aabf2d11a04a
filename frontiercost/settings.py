"""A run's settings, each in one place: what to draw, what to keep, and the limits.

:class:`Sampling`, :class:`Keep` and :class:`Limits` are frozen and validated
when made, so a bad value stops before any work with a message naming the
setting.  Where a run happens is an executor
(:class:`frontiercost.engine.LocalExecutor`,
:class:`frontiercost.engine.DaskExecutor`); what is run is a
:class:`frontiercost.run.RunSpec`.
"""

from __future__ import annotations

import math
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import _buffers
from . import _validate as check
from .errors import SimulationError

SAMPLERS = ("mc", "qmc", "lhs")
DEFAULT_BLOCK = 1 << 11
MAX_BLOCK = 1 << 16  # a block never straddles two streaming segments
MAX_DRAWS = 1 << 53  # draw indices stay exact in float64 (and far beyond any budget)


@dataclass(frozen=True)
class Sampling:
    """What to draw: ``chains x draws`` draws of the counter-based streams under ``seed``.

    Parameters
    ----------
    draws : int
        Draws per chain (the total is ``draws * chains``).
    chains : int
        Chains; datasets have dims ``(chain, draw)``.  Draw ``d`` of chain
        ``c`` is stream index ``c * draws + d``.
    seed : int
        In ``[0, 2**63)``; same seed, same bits, whatever the threads, block
        size, process or dask worker.
    sampler : {"mc", "qmc", "lhs"}
        Counter-based pseudo-random, scrambled Sobol, or Latin hypercube.
    block_size : int
        Draws per block, a power of two from 8 to 65536; never changes the result.
    """

    draws: int = 10_000
    chains: int = 4
    seed: int = 0
    sampler: str = "mc"
    block_size: int = DEFAULT_BLOCK

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "draws", check.draw_count("draws", self.draws))
        set_(self, "chains", check.positive_int("chains", self.chains))
        set_(self, "seed", check.seed(self.seed))
        set_(self, "sampler", check.choice("sampler", self.sampler, SAMPLERS))
        b = self.block_size
        if not check.is_int(b) or b < 8 or b > MAX_BLOCK or b & (b - 1):
            raise SimulationError(
                f"block_size: must be a power of two from 8 to {MAX_BLOCK}, got {b!r}"
            )
        set_(self, "block_size", int(b))
        if self.total > MAX_DRAWS:
            raise SimulationError(
                f"draws x chains: {self.total:,} draws is more than {MAX_DRAWS:,}"
            )

    @property
    def total(self) -> int:
        """Draws in all chains."""
        return self.draws * self.chains

    def record(self) -> dict[str, Any]:
        """The settings a tree records in its root attributes."""
        return {
            "seed": self.seed,
            "sampler": self.sampler,
            "draws": self.draws,
            "chains": self.chains,
        }


@dataclass(frozen=True)
class Keep:
    """What a run keeps.

    Parameters
    ----------
    store : bool
        ``True``: every draw (group ``posterior``).  ``False``: streaming
        statistics (group ``streaming``: moments, a histogram, exceedance
        counts) in bounded memory, for any number of draws.
    inputs : bool
        Stored runs: also keep the input draws.
    thresholds : mapping of str to sequence of float
        Output name -> thresholds whose exceedance is counted exactly
        (streaming runs).
    out : path, optional
        Write the run to this ``.nc`` or ``.zarr`` file.  A stored run larger
        than the memory budget is written block by block into it instead of
        being held in memory.
    overwrite : bool
        Replace ``out`` if it exists (only ever a frontiercost run of the same
        kind is replaced without it).
    """

    store: bool = True
    inputs: bool = True
    thresholds: dict[str, tuple[float, ...]] = field(default_factory=dict)
    out: Path | None = None
    overwrite: bool = False

    def __post_init__(self) -> None:
        for name in ("store", "inputs", "overwrite"):
            if not isinstance(getattr(self, name), bool):
                raise SimulationError(
                    f"{name}: must be True or False, got {getattr(self, name)!r}"
                )
        object.__setattr__(self, "thresholds", check.thresholds(self.thresholds))
        if self.out is not None:
            if not isinstance(self.out, str | Path):
                raise SimulationError(f"out: expected a path, got {self.out!r}")
            object.__setattr__(self, "out", Path(self.out))


def available_memory() -> int:
    """Bytes of memory available to new allocations: Linux ``MemAvailable`` (else the
    total), and no more than the process's address-space limit (``ulimit -v``) or its
    cgroup's ``memory.max`` leave (a run accepted under either failed with MemoryError).

    Freed result buffers kept for reuse (:mod:`frontiercost._buffers`) do not
    count: only a stored run lets them go, so a streaming, dask or
    block-by-block run would find them still held.
    """
    return min([_system_memory(), *_limits()])


def _limits() -> list[int]:
    """What ``ulimit -v`` and the cgroup (v2) leave this process, where they are set."""
    out = []
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
        if soft != resource.RLIM_INFINITY:
            with open("/proc/self/status", encoding="ascii") as fh:
                used = next((int(x.split()[1]) * 1024 for x in fh if x.startswith("VmSize:")), 0)
            out.append(max(soft - used, 0))
    except (ImportError, OSError, ValueError, IndexError):
        pass
    try:
        with open("/proc/self/cgroup", encoding="ascii") as fh:
            path = next((x.strip().split(":", 2)[2] for x in fh if x.startswith("0::")), None)
        if path is not None:
            base = f"/sys/fs/cgroup{path}".rstrip("/")
            with open(f"{base}/memory.max", encoding="ascii") as fh:
                limit = fh.read().strip()
            if limit != "max":
                with open(f"{base}/memory.current", encoding="ascii") as fh:
                    out.append(max(int(limit) - int(fh.read().strip()), 0))
    except (OSError, ValueError, IndexError, StopIteration):
        pass
    return out


def _system_memory() -> int:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (OSError, ValueError, AttributeError):
        return 4 << 30


_SIZE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*([kmgt]i?b?|b|%)?\s*$", re.I)
_UNITS = {"": 1, "b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def parse_size(text: str, name: str = "memory") -> int:
    """``"4G"``, ``"512MiB"``, ``"2e9"`` or ``"50%"`` (of available memory) as bytes."""
    m = _SIZE.match(text)
    if m is None:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and value >= 1):
            raise SimulationError(f"{name}: expected a size such as 4G, 512M or 50%, got {text!r}")
        return int(value)
    number, unit = float(m.group(1)), (m.group(2) or "").lower()
    if unit == "%":
        if not 0 < number <= 100:
            raise SimulationError(f"{name}: a percentage must be in (0, 100], got {text!r}")
        return int(available_memory() * number / 100)
    size = int(number * _UNITS[unit[:1]])
    if size < 1:
        raise SimulationError(f"{name}: expected a size of at least one byte, got {text!r}")
    return size


def format_size(n: float) -> str:
    """Bytes as ``812 B``, ``3.1 MiB``, ``43.0 GiB``."""
    for unit, scale in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n:.0f} B"


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else None


# An optimistic rate for the time estimate: only requests that cannot finish
# within the limit even at this speed are refused (measured: 10-60 M draws/s
# on 2 cores, depending on the model).
EST_DRAWS_PER_CORE_SECOND = 3e7
# Building a sweep's grid: each point is a scenario built and held before any draw.
# Optimistic figures (measured 4-13 ms and 4 KB or more per point): a grid over
# them is refused whatever its draws.
EST_POINT_SECONDS = 1e-3
EST_POINT_BYTES = 4_000


def _default_memory() -> int:
    env = _env("FRONTIERCOST_MEMORY")
    return parse_size(env, "FRONTIERCOST_MEMORY") if env else available_memory() // 2


_DURATION = {"": 1.0, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


def parse_seconds(text: str) -> float:
    """Seconds from ``90``, ``90s``, ``10m``, ``2h`` or ``1d``; NaN when it is none."""
    import re

    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*(s|m|min|h|d)?\s*", text, re.I)
    return float(m.group(1)) * _DURATION[(m.group(2) or "").lower()] if m else math.nan


def _default_seconds() -> float:
    env = _env("FRONTIERCOST_MAX_SECONDS")
    if not env:
        return 6 * 3600.0
    value = parse_seconds(env)  # as --max-time takes it
    if not (math.isfinite(value) and value > 0):
        raise SimulationError(
            "FRONTIERCOST_MAX_SECONDS: expected a time above 0 such as 600, 10m or 2h,"
            f" got {env!r}"
        )
    return value


def _default_points() -> int:
    env = _env("FRONTIERCOST_MAX_POINTS")
    try:
        value = int(env) if env else 10_000
        if value < 1:
            raise ValueError
        return value
    except ValueError:
        raise SimulationError(
            f"FRONTIERCOST_MAX_POINTS: expected a positive whole number, got {env!r}"
        ) from None


def wide_vectors_wanted() -> bool:
    """Whether numba may use the CPU's 512-bit vectors (``FRONTIERCOST_WIDE_VECTORS``).

    ``1`` (the default) or ``0``; read when the kernels are first imported
    (``frontiercost.engine._jit``), and checked on every run like the other
    variables so that a typo is an error rather than a silent default.
    """
    env = _env("FRONTIERCOST_WIDE_VECTORS")
    if env is None or env == "1":
        return True
    if env == "0":
        return False
    raise SimulationError(f"FRONTIERCOST_WIDE_VECTORS: expected 0 or 1, got {env!r}")


@dataclass(frozen=True)
class Limits:
    """Bounds checked before any work; each is a setting, with an environment default.

    Parameters
    ----------
    memory_bytes : int
        Most memory a stored run may hold (default: ``FRONTIERCOST_MEMORY``, a
        size such as ``8G`` or ``60%``, else half the available memory).  A
        larger stored run is written block by block into its output file, or
        refused with the fix.
    seconds : float
        Longest estimated run time accepted (default: ``FRONTIERCOST_MAX_SECONDS``,
        else 6 hours), estimated optimistically at
        ``EST_DRAWS_PER_CORE_SECOND`` per core.
    max_points : int
        Most points of a sweep (default: ``FRONTIERCOST_MAX_POINTS``, else 10,000).
    """

    memory_bytes: int = field(default_factory=_default_memory)
    seconds: float = field(default_factory=_default_seconds)
    max_points: int = field(default_factory=_default_points)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "memory_bytes", check.positive_int("memory_bytes", self.memory_bytes))
        sec = self.seconds
        try:
            finite = not isinstance(sec, bool) and math.isfinite(sec) and sec > 0
        except (TypeError, OverflowError):  # not a number, or an int beyond any float
            finite = False
        if not finite:
            raise SimulationError(f"seconds: must be a positive finite number, got {sec!r}")
        set_(self, "seconds", float(sec))
        set_(self, "max_points", check.positive_int("max_points", self.max_points))
        # read by stored runs only, but a bad value is refused on every run alike
        _buffers.keep_seconds()
        wide_vectors_wanted()

    def watch(
        self, progress: Callable[[int, int], None] | None, draws: int, what: str = "the run"
    ) -> Callable[[int, int], None] | None:
        """``progress`` wrapped to stop a run that turns out slower than the estimate.

        :meth:`check_time` refuses a run whose optimistic estimate is over the
        limit before any work; this stops one whose measured speed says it will
        pass the limit (from the second report on, once a tenth of the limit has
        gone, so the first piece's warm-up does not count) or that has passed
        it, with a :class:`SimulationError`.  Without ``progress``, a run whose
        estimate is under 1 % of the limit is not watched (``None``).
        """
        cores = os.cpu_count() or 1
        estimate = draws / (EST_DRAWS_PER_CORE_SECOND * cores)
        if progress is None and estimate < 0.01 * self.seconds:
            return None
        start = time.perf_counter()
        first: list[float] = []

        def report(done: int, total: int) -> None:
            now = time.perf_counter()
            elapsed = now - start
            if done < total:
                how = f"has taken {duration(elapsed)}"
                over = elapsed > self.seconds
                if first and done > first[1] and elapsed >= 0.1 * self.seconds:
                    t1, d1 = first
                    projected = (t1 - start) + (now - t1) / (done - d1) * (total - d1)
                    if projected > self.seconds:
                        how = f"would take about {duration(projected)} at its speed"
                        over = True
                elif not first:
                    first[:] = [now, float(done)]
                if over:
                    raise SimulationError(
                        f"{what}: stopped after {done:,} of {total:,} draws: the run {how},"
                        f" more than the limit of {duration(self.seconds)}; use fewer draws,"
                        " or raise the limit (--max-time, Limits(seconds=...),"
                        " FRONTIERCOST_MAX_SECONDS)"
                    )
            if progress is not None:
                progress(done, total)

        return report

    def check_time(self, draws: int, what: str = "the run") -> None:
        """Refuse ``draws`` whose optimistic time estimate exceeds ``seconds``."""
        cores = os.cpu_count() or 1
        estimate = draws / (EST_DRAWS_PER_CORE_SECOND * cores)
        if estimate > self.seconds:
            raise SimulationError(
                f"{what}: {draws:,} draws would take at least {duration(estimate)} on"
                f" {cores} cores, more than the limit of {duration(self.seconds)}; use fewer"
                " draws, or raise the limit (--max-time, Limits(seconds=...),"
                " FRONTIERCOST_MAX_SECONDS)"
            )

    def check_seconds(self, seconds: float, what: str, fix: str) -> None:
        """Refuse work whose optimistic estimate, ``seconds``, exceeds the limit.

        ``fix`` says what would make it smaller (e.g. ``"use n = 4,096 or less"``).
        """
        if seconds > self.seconds:
            raise SimulationError(
                f"{what} would take at least {duration(seconds)}, more than the limit of"
                f" {duration(self.seconds)}; {fix}, or raise the limit (--max-time,"
                " Limits(seconds=...), FRONTIERCOST_MAX_SECONDS)"
            )

    def stopwatch(self, what: str) -> Callable[..., None]:
        """A check to call between the steps of ``what``: ``check(step)``, or
        ``check(step, done, total, after)`` within a phase of like steps.

        From the moment it is made, it raises once more than ``seconds`` have
        passed, or (once a tenth of the limit has gone) when the speed of the
        current phase since its first share, plus ``after`` (the optimistic
        seconds of the phases still to come), measured over a tenth of the phase at
        least, says the whole will take longer;
        it names the step not begun.  A phase is a run of checks with the same
        ``total``; what came before its first share (a kernel's loading) does
        not count towards its speed.
        """
        start = time.perf_counter()
        first: list[float] = []  # time, done and total of the phase's first share

        def check(step: str, done: float = 0.0, total: float = 0.0, after: float = 0.0) -> None:
            now = time.perf_counter()
            elapsed = now - start
            how = f"it has taken {duration(elapsed)}"
            over = elapsed > self.seconds
            if first and first[2] != total:
                first.clear()  # a new phase
            # a tenth of the phase done since its first share: its speed is measured
            measured = bool(first) and done - first[1] >= 0.1 * (total - first[1]) > 0
            if measured and total > done and elapsed >= 0.1 * self.seconds:
                t1, d1, _ = first
                projected = elapsed + (now - t1) / (done - d1) * (total - done) + after
                if projected > self.seconds:
                    how, over = f"it would take about {duration(projected)} at its speed", True
            elif not first and done > 0:
                first[:] = [now, done, total]
            if over:
                raise SimulationError(
                    f"{what}: stopped before {step}: {how}, more than the limit of"
                    f" {duration(self.seconds)}; use fewer draws, or raise the limit"
                    " (--max-time, Limits(seconds=...), FRONTIERCOST_MAX_SECONDS)"
                )

        return check

    def check_points(self, points: int) -> None:
        """Refuse a sweep of more than ``max_points`` points, or one whose grid alone
        would take longer than ``seconds`` or more than ``memory_bytes`` to build."""
        if points > self.max_points:
            raise SimulationError(
                f"sweep: {points:,} points is more than the limit of {self.max_points:,};"
                " sweep fewer values, or raise the limit (--max-points,"
                " Limits(max_points=...), FRONTIERCOST_MAX_POINTS)"
            )
        seconds = points * EST_POINT_SECONDS
        if seconds > self.seconds:
            raise SimulationError(
                f"sweep: building {points:,} points would take at least {duration(seconds)},"
                f" more than the limit of {duration(self.seconds)}; sweep fewer values, or"
                " raise the limit (--max-time, Limits(seconds=...), FRONTIERCOST_MAX_SECONDS)"
            )
        need = points * EST_POINT_BYTES
        if need > self.memory_bytes:
            raise SimulationError(
                f"sweep: {points:,} points need at least {format_size(need)} to hold, more"
                f" than the memory budget of {format_size(self.memory_bytes)}; sweep fewer"
                " values, or raise the budget (--memory, Limits(memory_bytes=...),"
                " FRONTIERCOST_MEMORY)"
            )


def duration(seconds: float) -> str:
    """``0.5 s``, ``7 s``, ``3 min``: a limit below 10 s keeps its first significant figures."""
    if seconds < 10:
        return f"{seconds:.2g} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 3 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:,.0f} days"
