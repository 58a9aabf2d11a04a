"""The dask executor with hand-started ``dask scheduler`` and ``dask worker`` processes.

Source of truth: the local executor (same seed, same bits) and the executor's
preflight contract: it waits a bounded time for a first worker, and refuses
workers that cannot import this frontiercost version, each with one line.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import xarray as xr

import frontiercost as fc
from frontiercost.engine import DaskExecutor
from frontiercost.errors import SimulationError

pytest.importorskip("distributed")
pytest.importorskip("zarr")
DASK = shutil.which("dask", path=str(Path(sys.executable).parent)) or shutil.which("dask")
pytestmark = [
    pytest.mark.skipif(DASK is None, reason="the dask command line is not installed"),
    pytest.mark.slow,
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on port {port}")


def _start(args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    assert DASK is not None
    return subprocess.Popen(
        [DASK, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
        start_new_session=True,
    )


def _stop(*procs: subprocess.Popen[bytes]) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()


@pytest.fixture
def scheduler() -> Iterator[str]:
    port = _free_port()
    proc = _start(
        ["scheduler", "--host", "127.0.0.1", "--port", str(port), "--dashboard-address", ":0"]
    )
    try:
        _wait_port(port)
        yield f"tcp://127.0.0.1:{port}"
    finally:
        _stop(proc)


def test_a_scheduler_without_workers_fails_in_bounded_time(scheduler: str) -> None:
    start = time.monotonic()
    with pytest.raises(SimulationError, match="no worker joined the scheduler within 3 s"):
        fc.simulate("gpt-4", draws=1000, executor=DaskExecutor(scheduler=scheduler, timeout=3))
    assert time.monotonic() - start < 30


def test_a_hand_started_worker_gives_the_local_bits(scheduler: str) -> None:
    worker = _start(["worker", scheduler, "--nthreads", "1", "--no-dashboard"])
    try:
        kw = {"draws": 20_000, "chains": 2, "seed": 3}
        local = fc.simulate("frontier-run-2025-2030", **kw)
        remote = fc.simulate(
            "frontier-run-2025-2030", executor=DaskExecutor(scheduler=scheduler, timeout=60), **kw
        )
        xr.testing.assert_identical(
            local["posterior"].to_dataset(), remote["posterior"].to_dataset()
        )
    finally:
        _stop(worker)


def test_workers_without_frontiercost_are_refused_with_one_line(
    scheduler: str, tmp_path: Path
) -> None:
    # a worker whose frontiercost cannot be imported (as on a machine without it)
    fake = tmp_path / "frontiercost"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise ImportError('frontiercost is not installed here')\n")
    env = {"PYTHONPATH": str(tmp_path) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    worker = _start(["worker", scheduler, "--nthreads", "1", "--no-dashboard"], env=env)
    try:
        with pytest.raises(SimulationError, match="workers cannot import frontiercost"):
            fc.simulate(
                "gpt-4", draws=1000, executor=DaskExecutor(scheduler=scheduler, timeout=60)
            )
    finally:
        _stop(worker)


def test_a_version_mismatch_is_refused(scheduler: str, monkeypatch: pytest.MonkeyPatch) -> None:
    worker = _start(["worker", scheduler, "--nthreads", "1", "--no-dashboard"])
    try:
        import frontiercost.engine.dask as dask_executor

        monkeypatch.setattr(dask_executor, "__version__", "9.9.9")  # the client's version
        with pytest.raises(SimulationError, match="another frontiercost version"):
            fc.simulate(
                "gpt-4", draws=1000, executor=DaskExecutor(scheduler=scheduler, timeout=60)
            )
    finally:
        _stop(worker)


@contextlib.contextmanager
def _service(greeting: bytes | None) -> Iterator[str]:
    """A TCP service on a free port that accepts, sends ``greeting`` (or nothing), and holds."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    held: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            held.append(conn)
            if greeting is not None:
                conn.sendall(greeting)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    finally:
        server.close()
        for conn in held:
            conn.close()


@pytest.mark.parametrize(
    ("greeting", "message"),
    [
        # accepted and never answered: dask's client hung past any limit
        (None, "accepted the connection but sent no greeting within 2 s"),
        # bytes that are not dask's: read as a frame of 7.0e18 bytes, a MemoryError after 60 s
        (b"HTTP/1.1 400 Bad Request\r\n\r\n", "does not speak dask's protocol"),
        # sizes that fit, then no frames: an internal struct.error and a traceback after 66 s
        (bytes(8), "its first message is not a handshake"),
        (struct.pack("<Q", 1) + b"\x01", "its first message is not a handshake"),
        # dask's framing around bytes msgpack cannot read: a traceback, then a blank reason
        (
            struct.pack("<QQQ", 17, 1, 1) + b"\xc1",
            "its first message is not a handshake",
        ),
        # a size, then silence: never the rest
        (struct.pack("<Q", 58), "accepted the connection but sent no greeting within 2 s"),
    ],
)
def test_a_service_that_is_not_a_scheduler_is_one_line_within_the_timeout(
    greeting: bytes | None, message: str
) -> None:
    with _service(greeting) as address:
        start = time.monotonic()
        with pytest.raises(SimulationError, match=message):
            fc.simulate("gpt-4", draws=100, executor=DaskExecutor(scheduler=address, timeout=2))
        assert time.monotonic() - start < 10


def test_a_service_that_closes_at_once_is_told_apart_from_a_silent_one() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def close_each() -> None:
        while True:
            try:
                server.accept()[0].close()
            except OSError:
                return

    threading.Thread(target=close_each, daemon=True).start()
    address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
    try:
        with pytest.raises(SimulationError, match="closed the connection without a greeting"):
            fc.simulate("gpt-4", draws=100, executor=DaskExecutor(scheduler=address, timeout=30))
    finally:
        server.close()


def test_an_unreachable_or_malformed_scheduler_is_one_line() -> None:
    port = _free_port()  # nothing listens there
    start = time.monotonic()
    with pytest.raises(SimulationError, match="cannot connect"):
        fc.simulate("gpt-4", draws=100, executor=DaskExecutor(scheduler=f"tcp://127.0.0.1:{port}",
                                                              timeout=3))  # fmt: skip
    assert time.monotonic() - start < 30
    with pytest.raises(SimulationError, match="scheduler"):
        fc.simulate(
            "gpt-4", draws=100, executor=DaskExecutor(scheduler="not an address", timeout=3)
        )
