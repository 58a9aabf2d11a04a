"""Atomic file writes and interrupts.

A temporary file beside the target is renamed into place only when complete:
a failed or interrupted write leaves the target as it was and no temporary
file behind; the new file gets the mode a plain ``open`` would give it
(``mkstemp`` makes 0600).

Interrupts: the command line records SIGINT and SIGTERM here
(:func:`handle_interrupts`) and raises at once; a signal that arrives while C
code (HDF5, numba) holds the thread may have its exception swallowed on the
way out, so every rename into place checks :func:`raise_if_interrupted`
first: an interrupted write never replaces a target.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

_received: list[int] = []


class Terminated(BaseException):
    """SIGTERM, raised like KeyboardInterrupt so cleanup runs (exit code 143)."""


def _handler(signum: int, frame: Any) -> None:
    _received.append(signum)
    if signum == signal.SIGTERM:
        raise Terminated()
    raise KeyboardInterrupt()


def handle_interrupts() -> None:
    """Record SIGINT and SIGTERM and raise on them (for the command line's main thread)."""
    _received.clear()
    signal.signal(signal.SIGINT, _handler)
    signal.signal(signal.SIGTERM, _handler)


def interrupted() -> int | None:
    """The first signal recorded since :func:`handle_interrupts`, if any."""
    return _received[0] if _received else None


def forget_interrupts() -> None:
    """Clear the recorded signals: the command that received them has ended."""
    _received.clear()


def raise_if_interrupted() -> None:
    """Raise again for a recorded interrupt whose exception was swallowed."""
    if _received:
        if _received[0] == signal.SIGTERM:
            raise Terminated()
        raise KeyboardInterrupt()


@contextmanager
def deferred_interrupts() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block ends, then act as they would have.

    For a step a signal must not cut in half: starting a cluster's worker
    processes, whose spawn hand-shake, cut short, leaves the new process
    printing a traceback of its own.  A second signal acts at once, so a
    block that hangs can still be stopped.  Outside the main thread (where
    Python runs no handlers) the block runs as it is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    previous: dict[int, Any] = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}

    def restore() -> None:
        for s, handler in previous.items():
            signal.signal(s, handler)

    def act(signum: int) -> None:
        handler = previous[signum]
        if callable(handler):
            handler(signum, None)
        else:  # the default action (or none, if ignored), now
            os.kill(os.getpid(), signum)

    def record(signum: int, frame: Any) -> None:
        pending.append(signum)
        if len(pending) > 1:  # asked twice: no more waiting
            restore()
            act(signum)

    for s in previous:
        signal.signal(s, record)
    try:
        yield
    finally:
        restore()
    if pending:
        act(pending[0])


@contextmanager
def interrupts_kept_from_new_threads() -> Iterator[None]:
    """Threads and processes started in the block never receive SIGINT.

    A terminal's Ctrl-C goes to every process of its foreground group: a
    cluster's worker processes would each print a KeyboardInterrupt traceback
    of their own while the command closes them.  SIGINT is blocked in this
    thread while the block runs; threads started meanwhile (a cluster's event
    loop, and the threads that spawn its workers) inherit the mask, and so do
    the processes they start, through ``fork`` and ``exec``.  A SIGINT that
    arrives during the block waits and is delivered when it ends; workers
    are still stopped by their nanny's SIGTERM.
    """
    if not hasattr(signal, "pthread_sigmask"):  # not POSIX
        yield
        return
    # multiprocessing starts its resource tracker with the first spawned process,
    # and unblocks SIGINT in the spawning thread afterwards: started here, first
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def special_kind(path: Path) -> str | None:
    """``"a FIFO"``, ``"a socket"``, ``"a character device"`` or ``"a block device"``
    for such a path (followed through symbolic links), else ``None``."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    for test, what in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return what
    return None


def side_name(name: str) -> str:
    """``name`` cut to 200 bytes, for a temporary beside it (``.NAME.<hex>.tmp``):
    a legal 254-byte name made one over 255 bytes, which failed after the run."""
    raw = name.encode("utf-8", "surrogateescape")
    return name if len(raw) <= 200 else raw[:200].decode("utf-8", "ignore")


def not_a_folder(folder: Path) -> str:
    """Why ``folder`` (not a directory) cannot hold a file: ``"does not exist"``, or
    ``"is a file, not a folder"`` (``mine.txt/x.nc`` under an existing ``mine.txt``)."""
    for part in (folder, *folder.parents):
        if part.exists() and not part.is_dir():
            return (
                "is a file, not a folder" if part == folder else f"is under {str(part)!r}, a file"
            )
    return "does not exist"


def os_reason(err: OSError) -> str:
    """Why an operating-system error happened, in one line (``File too large``).

    HDF5 reports a failed write as an ``OSError`` whose text spans lines and
    names the errno inside it; that errno's own message is used.
    """
    text = str(err.strerror or err)
    found = re.search(r"errno = (\d+)", text)
    if found:
        return os.strerror(int(found.group(1)))
    return " ".join(text.split())[:200] or type(err).__name__


def default_mode(path: str | os.PathLike[str]) -> None:
    """Give ``path`` the mode ``open`` would: 0666 less the process umask."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)


@contextmanager
def atomic_open(
    target: str | os.PathLike[str], mode: str = "w", **kwargs: Any
) -> Iterator[IO[Any]]:
    """Open a temporary file for writing; on success it replaces ``target``.

    A symbolic link is written through: its target is replaced and the link
    kept (replacing the link itself left the file it named stale).
    """
    path = Path(target)
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{side_name(path.name)}.", suffix=".tmp")
    try:
        default_mode(tmp)
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
        raise_if_interrupted()
        os.replace(tmp, path)
    except OSError as err:
        if err.filename is not None:
            raise
        # a full disk fails the write with no file name, which read as standard output's
        raise OSError(err.errno, err.strerror or str(err), str(path)) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


# What a file this program wrote carries near its start (or, for a PDF, its end).
_MARKS = (
    b'"schema": "frontiercost.',  # JSON results and benchmark records
    b'<meta name="generator" content="frontiercost',  # HTML reports
    b"# Built by frontiercost",  # scenarios written by `epoch price --write-scenario`
    b"Software\x00frontiercost",  # PNG
    b"<dc:title>frontiercost",  # SVG
    b"/Creator (frontiercost)",  # PDF
)


# The last line of a file written for the user to edit (a scenario), or to keep
# and perhaps annotate (an HTML report): the digest of everything above it, so an
# edited file is no longer taken for this program's.
_DIGEST = b"# frontiercost digest "
_HTML_DIGEST = (b"<!-- frontiercost digest ", b" -->")
_EDITABLE = _MARKS[2]
_REPORT = _MARKS[1]
_READ_WHOLE = 64 << 20  # a scenario is at most 10 MB, a report of embedded PNGs ~1 MB


def _digest(body: bytes) -> bytes:
    return hashlib.sha256(body).hexdigest()[:32].encode()


def with_digest(text: str, *, html: bool = False) -> str:
    """``text`` and a last line with its digest (see :func:`written_here`): a ``#``
    comment, or with ``html`` an HTML comment."""
    body = text if text.endswith("\n") else text + "\n"
    digest = _digest(body.encode("utf-8"))
    line = _HTML_DIGEST[0] + digest + _HTML_DIGEST[1] if html else _DIGEST + digest
    return body + line.decode() + "\n"


def _edit_state(path: Path, *, undigested: str) -> str | None:
    """``None`` while a file's digest line matches the text above it, else why the
    file is no longer taken for this program's (``undigested``: with no digest line)."""
    try:
        if path.stat().st_size > _READ_WHOLE:
            return "is larger than any file this program writes with a digest"
        data = path.read_bytes()
    except OSError as err:
        return f"cannot be read ({os_reason(err)})"
    body, sep, last = data.rstrip(b"\n").rpartition(b"\n")
    digest = _digest(body + sep)
    if sep and last in (_DIGEST + digest, _HTML_DIGEST[0] + digest + _HTML_DIGEST[1]):
        return None
    if last.startswith((_DIGEST, _HTML_DIGEST[0])):
        return "has been edited since this program wrote it"
    return undigested


def edited(path: Path) -> str | None:
    """Why ``path``, a file this program wrote for editing or keeping, is no longer
    taken for its own (``None`` when it is, or is no such file)."""
    return _edited(path, _marks(path))


def _edited(path: Path, marks: set[bytes]) -> str | None:
    if marks & {_EDITABLE, _REPORT}:
        why = "carries no digest line (an older version wrote it, or its end was edited)"
        return _edit_state(path, undigested=why)
    return None


def _marks(path: Path) -> set[bytes]:
    try:
        with path.open("rb") as fh:
            head = fh.read(1 << 16)
            fh.seek(max(0, path.stat().st_size - (1 << 16)))
            tail = fh.read()
    except OSError:
        return set()
    return {m for m in _MARKS if m in head or m in tail}


def written_here(path: Path) -> bool:
    """Whether an existing file carries this program's mark (CSV and text files carry none).

    A scenario written for the user to edit, or an HTML report, counts only
    while its digest line matches: once edited, it is the user's
    (``--overwrite`` replaces it).
    """
    marks = _marks(path)  # read once: a report's whole text is read for its digest
    return bool(marks) and _edited(path, marks) is None
