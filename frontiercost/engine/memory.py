"""Large result arrays backed by transparent huge pages where the kernel offers them.

A stored run's arrays are written once, front to back, by the drivers.  On
the virtual machines this runs on, the first touch of each fresh 4 KiB page
costs microseconds (measured: a fresh 216 MB array took 0.63 s to fill in a
new process, 0.05 s with huge pages), and the page faults of several threads
serialize.  Asking for transparent huge pages (``MADV_HUGEPAGE``; Linux's
default THP mode is ``madvise``) cuts the faults 512-fold.  The values are the
same; only where the memory comes from changes.

Before a large stored run allocates, earlier results nothing refers to any
more are freed (:func:`make_room`): see there.
"""

from __future__ import annotations

import gc
import mmap
import weakref

import numpy as np

HUGE_MIN = 4 << 20  # smaller arrays: numpy's own allocator
COLLECT_MIN = 64 << 20  # smaller runs: a collection would cost more than it saves

_alive = [0]  # bytes of earlier runs' large arrays not yet freed


def make_room(nbytes: int) -> None:
    """Free dropped earlier results before a stored run allocates ``nbytes``.

    A DataTree is a reference cycle (each node points to its parent and the
    parent to its children): a result the caller has dropped is freed only
    when Python's cycle collector next runs, which may be several runs later.
    Meanwhile each new run takes fresh memory beside the dead ones: four
    GPT-4 runs of 4e6 draws in a loop held 2.4 GB instead of 0.9 GB, and
    memory the guest kernel has meanwhile reported free to its host is slow
    to touch again (measured: 1.3 s a run instead of 0.32 s).  A full
    collection costs ~50 ms (as long as the reference model's 4e6 stored
    draws take), so it runs only for a large run while at least half as many
    bytes of earlier runs' arrays are still held, whether dropped or not.
    """
    if nbytes >= COLLECT_MIN and 2 * _alive[0] >= nbytes:
        gc.collect()


def _freed(n: int) -> None:
    _alive[0] -= n


def empty(shape: tuple[int, ...]) -> np.ndarray:
    """An uninitialised float64 array, on huge pages when large and available."""
    n = 8 * int(np.prod(shape, dtype=np.int64))
    advice = getattr(mmap, "MADV_HUGEPAGE", None)
    if n < HUGE_MIN or advice is None:
        return np.empty(shape)
    try:
        buf = mmap.mmap(-1, n, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        buf.madvise(advice)
    except (OSError, ValueError, AttributeError):
        return np.empty(shape)
    # the array keeps the mapping alive; it is unmapped when the last view goes
    array = np.frombuffer(buf, dtype=np.float64)
    _alive[0] += n
    weakref.finalize(array, _freed, n)
    return array.reshape(shape)
