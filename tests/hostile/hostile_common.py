"""Shared checks of the hostile corpus: one clear error, nothing written, nothing lost."""

from __future__ import annotations

import hashlib
import os
import signal
import stat
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from frontiercost.cli import main

PREFIX = "frontiercost: error: "
NOTE = "frontiercost: note: "

# A small scenario of fixed inputs: cloud_cost = chip_hours * cloud_price * inflation_factor.
BASE = """[scenario]
title = "t"
year = 2024

[parameters]
chip_hours = 1e7
cloud_price = 2.0
inflation_factor = 1.0
"""


def snapshot(folder: Path) -> dict[str, str]:
    """Every path under ``folder`` with its content hash (folders as 'dir'), to compare."""
    out: dict[str, str] = {}
    for root, dirs, files in os.walk(folder):
        for d in dirs:
            out[os.path.relpath(os.path.join(root, d), folder)] = "dir"
        for f in files:
            p = os.path.join(root, f)
            mode = os.lstat(p).st_mode
            if stat.S_ISREG(mode):
                out[os.path.relpath(p, folder)] = hashlib.sha256(Path(p).read_bytes()).hexdigest()
            else:  # a FIFO, a device, a symbolic link: its kind (reading it could block)
                out[os.path.relpath(p, folder)] = f"mode {stat.S_IFMT(mode):o}"
    return out


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail (TimeoutError) instead of hanging: SIGALRM on the main thread."""

    def expire(signum: int, frame: Any) -> None:
        raise TimeoutError(f"still running after {seconds} s: it blocks")

    old = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def clear_error(
    capsys: Any, argv: Sequence[str], *fragments: str, folder: Path | None = None
) -> str:
    """``main(argv)`` exits 2 with exactly one line on stderr holding every fragment.

    Nothing on stdout, no traceback, and ``folder`` (when given) exactly as it was.
    """
    before = snapshot(folder) if folder is not None else None
    with deadline(60):
        code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 2, f"exit {code}, stderr {err!r}"
    assert out == "", out
    # a scenario's notes (docs/scenarios.md) come before the error, one line each
    err = "".join(line for line in err.splitlines(keepends=True) if not line.startswith(NOTE))
    assert err.startswith(PREFIX) and err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, f"{fragment!r} not in {err!r}"
    if folder is not None:
        assert snapshot(folder) == before
    return err


def succeeds(capsys: Any, argv: Sequence[str]) -> tuple[str, str]:
    """``main(argv)`` exits 0; returns (stdout, stderr)."""
    with deadline(120):
        code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, f"exit {code}, stderr {err!r}"
    assert "Traceback" not in err
    return out, err
