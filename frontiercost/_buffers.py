"""Large result buffers: on transparent huge pages, and kept a while for reuse once freed.

A stored run's arrays are written once, front to back, by the drivers.  On
the virtual machines this runs on, the first touch of each fresh 4 KiB page
costs microseconds (measured: a fresh 216 MB array took 0.63 s to fill in a
new process, 0.05 s with huge pages), and the page faults of several threads
serialize.  Asking for transparent huge pages (``MADV_HUGEPAGE``; Linux's
default THP mode is ``madvise``) cuts the faults 512-fold.

Memory given back to the system costs more still: these guests report freed
8 MB blocks to their host (``page_reporting``), and touching them again
costs a host-side fault per page.  A stored GPT-4 run of 4e6 draws took
1.0 s when the previous run's memory had been freed three seconds before,
0.32 s when it was freed just before, and 0.18 s in the previous run's
buffers still mapped (measured 2026-12-03).  So a freed buffer is kept
(mapped, its pages resident) for :data:`KEEP_SECONDS` after it was freed,
up to an eighth of physical memory, and the next request it can hold
reuses it: the way numpy's arrays reuse glibc's heap.  A request no kept
buffer fits lets the oldest go until it and the rest fit within that
eighth, so keeping them adds at most an eighth of memory to a run's peak,
and a run larger than that lets them all go first.  Only a stored run
lets them go early, so :func:`settings.available_memory` does not count
them as available.
``FRONTIERCOST_KEEP_SECONDS=0`` turns reuse off.

The values are the same whichever memory they are written to: every buffer
is fully written before it is read.
"""

from __future__ import annotations

import gc
import math
import mmap
import os
import threading
import time
import weakref

import numpy as np

from .errors import SimulationError

HUGE_MIN = 4 << 20  # smaller arrays: numpy's own allocator
COLLECT_MIN = 64 << 20  # smaller runs: a collection would cost more than it saves
KEEP_SECONDS = 60.0  # default time a freed buffer is kept
FIT = 2  # a kept buffer serves requests down to 1/FIT of its size

_alive = [0]  # bytes of large arrays handed out and not yet freed
_kept: list[mmap.mmap] = []  # freed buffers kept for reuse, oldest first
_until: dict[int, float] = {}  # id(buffer) -> time.monotonic() when it goes
_lock = threading.RLock()  # re-entrant: a collection inside may free a buffer
_timer: list[threading.Timer | None] = [None]  # the one timer that lets them go
_timer_at = [0.0]  # the time it was started for: the earliest buffer's


def keep_seconds() -> float:
    """Seconds freed buffers are kept (``FRONTIERCOST_KEEP_SECONDS``, default 60; 0: off)."""
    text = os.environ.get("FRONTIERCOST_KEEP_SECONDS", "")
    if text == "":
        return KEEP_SECONDS
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise SimulationError(
            f"FRONTIERCOST_KEEP_SECONDS: expected a number of seconds >= 0 (0 turns"
            f" reuse of freed result memory off), got {text!r}"
        )
    return value


def kept_bytes() -> int:
    """Bytes of freed buffers kept for reuse (reclaimable: no result refers to them)."""
    with _lock:
        return sum(len(b) for b in _kept)


def _keep_limit() -> int:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")) // 8
    except (OSError, ValueError, AttributeError):
        return 512 << 20


def release() -> None:
    """Let every kept buffer go now (its memory returns to the system), and stop the timer."""
    with _lock:
        _kept.clear()
        _until.clear()
        if _timer[0] is not None:
            _timer[0].cancel()
            _timer[0] = None


def _let_go(i: int) -> None:
    buf = _kept.pop(i)  # unmapped once nothing else refers to it
    _until.pop(id(buf), None)


def make_room(nbytes: int) -> None:
    """Free dropped earlier results before a stored run allocates ``nbytes``.

    A DataTree is a reference cycle (each node points to its parent and the
    parent to its children): a result the caller has dropped is freed only
    when Python's cycle collector next runs, which may be several runs later.
    Meanwhile each new run takes fresh memory beside the dead ones: four
    GPT-4 runs of 4e6 draws in a loop held 2.4 GB instead of 0.9 GB.  A full
    collection costs ~50 ms (as long as the reference model's 4e6 stored
    draws take), so it runs only for a large run while at least half as many
    bytes of earlier runs' arrays are still held, whether dropped or not.
    Collected, their buffers are kept and this run reuses them.
    """
    if nbytes >= COLLECT_MIN and 2 * _alive[0] >= nbytes:
        gc.collect()


def empty(shape: tuple[int, ...]) -> np.ndarray:
    """An uninitialised float64 array: a kept buffer, else fresh huge pages, when large."""
    seconds = keep_seconds()  # checked on every stored run, not only large ones
    n = 8 * int(np.prod(shape, dtype=np.int64))
    advice = getattr(mmap, "MADV_HUGEPAGE", None)
    if n < HUGE_MIN or advice is None:
        return np.empty(shape)
    buf = _take(n)
    if buf is None:
        try:
            buf = mmap.mmap(-1, n, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
            buf.madvise(advice)
        except (OSError, ValueError, AttributeError):
            return np.empty(shape)
    # the array keeps the mapping alive; when the last view goes, it is kept or unmapped
    array = np.frombuffer(buf, dtype=np.float64, count=n // 8)
    with _lock:
        _alive[0] += len(buf)
    weakref.finalize(array, _freed, buf, seconds).atexit = False  # nothing to keep at exit
    return array.reshape(shape)


def _take(n: int) -> mmap.mmap | None:
    """The smallest kept buffer of ``n`` to ``FIT * n`` bytes, or ``None``.

    When none fits, the oldest kept buffers go until they and the ``n`` bytes
    about to be mapped fit within the limit: kept buffers add at most that to
    a run's peak, and a run larger than the limit lets them all go.
    """
    with _lock:
        fits = [i for i, b in enumerate(_kept) if n <= len(b) <= FIT * n]
        if fits:
            best = min(fits, key=lambda i: len(_kept[i]))
            buf = _kept[best]
            _let_go(best)
            return buf
        limit = _keep_limit()
        while _kept and kept_bytes() + n > limit:
            _let_go(0)
        return None


def _freed(buf: mmap.mmap, seconds: float) -> None:
    """A handed-out array is gone: keep its buffer for reuse, or let it go."""
    with _lock:
        _alive[0] -= len(buf)
        if seconds <= 0 or kept_bytes() + len(buf) > _keep_limit():
            return
        _kept.append(buf)
        # each buffer's own deadline: a run of small runs does not keep a large one
        _until[id(buf)] = until = time.monotonic() + seconds
        if _timer[0] is None or _timer_at[0] > until:
            if _timer[0] is not None:
                _timer[0].cancel()
            _start_timer(until)


def _start_timer(at: float) -> None:
    wait = min(max(0.0, at - time.monotonic()), threading.TIMEOUT_MAX)
    timer = threading.Timer(wait, _expire)
    timer.daemon = True
    _timer[0], _timer_at[0] = timer, at
    try:
        timer.start()
    except RuntimeError:  # interpreter shutting down: nothing to keep for
        release()


def _expire() -> None:
    """Let the buffers whose time has come go; wait for the next one's."""
    with _lock:
        if threading.current_thread() is not _timer[0]:
            return  # cancelled, and replaced by an earlier buffer's timer
        _timer[0] = None
        now = time.monotonic()
        for i in reversed(range(len(_kept))):
            if _until.get(id(_kept[i]), 0.0) <= now:
                _let_go(i)
        if _kept:
            _start_timer(min(_until[id(b)] for b in _kept))


def _forget_in_child() -> None:
    # a forked child has its parent's buffers copy-on-write and no timer thread
    global _lock
    _lock = threading.RLock()
    _kept.clear()
    _until.clear()
    _timer[0] = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_child)
