"""What the machine and a process use: memory, CPU stall, load (Linux first).

Kept apart from the benchmark harness so that measuring a process does not
import the baselines (scipy.stats and friends) into it.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

_MB = 2.0**20


def rss_mb() -> float | None:
    """Current resident set size of this process, MB."""
    try:
        import psutil

        return psutil.Process().memory_info().rss / _MB
    except ImportError:
        pass
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / _MB
    except OSError:
        return None


def reset_peak_rss() -> bool:
    """Reset the kernel's RSS high-water mark to the current RSS (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_rss_mb() -> float | None:
    """Peak resident set size of this process, MB (since the last reset, where possible)."""
    try:
        with open("/proc/self/status") as f:
            m = re.search(r"^VmHWM:\s+(\d+)\s+kB", f.read(), re.MULTILINE)
        if m:
            return int(m.group(1)) / 1024
    except OSError:
        pass
    try:
        import resource
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # ru_maxrss is in kB on Linux and in bytes on macOS.
    return peak / _MB if sys.platform == "darwin" else peak / 1024


_CLI_PEAK = """\
import atexit, os, runpy, sys

def _report():
    from frontiercost.bench.machine import peak_rss_mb

    with open(os.environ["FRONTIERCOST_PEAK_FILE"], "w") as out:
        out.write(repr(peak_rss_mb()))

atexit.register(_report)
sys.argv = ["frontiercost", *sys.argv[1:]]
runpy.run_module("frontiercost", run_name="__main__")
"""


def cli_peak_rss(args: Sequence[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run ``frontiercost ARGS`` in a fresh process: its peak RSS (MB) and the process.

    The peak is the process's own ``VmHWM`` read as it exits (Linux).  A
    child's ``ru_maxrss`` would not do: it counts the parent's pages the child
    held between ``fork`` and ``exec``.
    """
    with tempfile.TemporaryDirectory() as tmp:
        peak_file = Path(tmp) / "peak"
        env = {**os.environ, "FRONTIERCOST_PEAK_FILE": str(peak_file)}
        proc = subprocess.run(
            [sys.executable, "-c", _CLI_PEAK, *args],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        text = peak_file.read_text() if peak_file.exists() else "None"
        peak = math.nan if text == "None" else float(text)
    return peak, proc


def cpu_stall_us() -> int | None:
    """Machine-wide microseconds some task waited for a CPU (Linux PSI), or None."""
    try:
        with open("/proc/pressure/cpu") as f:
            m = re.search(r"^some .*total=(\d+)", f.read(), re.MULTILINE)
        return int(m.group(1)) if m else None
    except OSError:
        return None


def loadavg() -> list[float] | None:
    """1, 5 and 15-minute load averages, or None."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None
