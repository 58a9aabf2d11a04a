"""Atomic writes: default file mode, nothing left behind on failure."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from frontiercost._files import atomic_open


def test_atomic_open_gives_the_umask_mode(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        with atomic_open(tmp_path / "a.txt") as fh:
            fh.write("x")
    finally:
        os.umask(old)
    assert (tmp_path / "a.txt").read_text() == "x"
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o644


def test_failed_write_keeps_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_open(target) as fh:
        fh.write("new")
        raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def _nearly_full(monkeypatch: pytest.MonkeyPatch, folder: Path, blocks: int) -> int:
    """Make every folder report ``blocks`` free blocks; return the free bytes."""
    real = os.statvfs(folder)

    class Full:
        f_bavail = blocks
        f_frsize = real.f_frsize

    monkeypatch.setattr(os, "statvfs", lambda path: Full())
    return blocks * real.f_frsize


def test_check_room_refuses_a_run_larger_than_the_free_space(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from frontiercost.results.files import OutputError, check_room

    free = _nearly_full(monkeypatch, tmp_path, 3)
    check_room(tmp_path / "x.nc", free)  # exactly the room there is: accepted
    with pytest.raises(OutputError) as err:
        check_room(tmp_path / "x.nc", free + 1, flag="--out")
    assert str(err.value).startswith(
        f"--out: cannot write {str(tmp_path / 'x.nc')!r}: No space left on device:"
    )
    assert f"{str(tmp_path)!r} has" in str(err.value)


def test_a_sweep_that_cannot_fit_is_refused_before_sampling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The room check runs before any point is sampled, as for a run."""
    import frontiercost as fc
    import frontiercost.run as run_module
    from frontiercost.results.files import OutputError

    _nearly_full(monkeypatch, tmp_path, 1)
    sampled: list[object] = []
    monkeypatch.setattr(run_module, "_run", lambda *a, **k: sampled.append(a))
    out = tmp_path / "sweep.nc"
    with pytest.raises(OutputError, match=r"out: cannot write .*No space left on device"):
        fc.sweep("gpt-4", {"depreciation_rate": [0.1, 0.2]}, draws=1000, out=out)
    assert sampled == [] and not out.exists()


def test_netcdf_image_reads_back_as_the_tree(tmp_path: Path) -> None:
    """Built in memory and written with plain I/O: the same data, the umask's mode."""
    import numpy as np
    import xarray as xr

    from frontiercost.results.files import write_tree

    values = np.arange(12.0).reshape(2, 6)
    tree = xr.DataTree.from_dict(
        {"posterior": xr.Dataset({"a": (("chain", "draw"), values)}, attrs={"k": "v"})}
    )
    write_tree(tree, tmp_path / "t.nc")
    back = xr.open_datatree(tmp_path / "t.nc", engine="h5netcdf")
    assert np.array_equal(back["posterior"]["a"].values, values)
    assert back["posterior"].attrs["k"] == "v"
    assert (tmp_path / "t.nc").stat().st_mode & 0o777 == 0o666 & ~_umask()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.nc"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.parametrize("count", [1, 2])
def test_deferred_interrupts_wait_for_the_block_unless_repeated(count: int) -> None:
    """One SIGINT inside waits for the block's end, then raises; a second raises at once."""
    import os
    import signal

    from frontiercost._files import deferred_interrupts

    steps = []
    with pytest.raises(KeyboardInterrupt):
        with deferred_interrupts():
            for _ in range(count):
                os.kill(os.getpid(), signal.SIGINT)
            steps.append("finished the block")
    assert steps == (["finished the block"] if count == 1 else [])
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_threads_and_processes_started_in_the_block_never_receive_sigint() -> None:
    """Ctrl-C reaches every process of the terminal's group: a cluster's workers must ignore it."""
    import signal
    import subprocess
    import sys
    import threading

    from frontiercost._files import interrupts_kept_from_new_threads

    def blocked_in_new_thread() -> bool:
        seen: list[bool] = []
        t = threading.Thread(
            target=lambda: seen.append(
                signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, [])
            )
        )
        t.start()
        t.join()
        return seen[0]

    def blocked_in_new_process() -> bool:
        probe = (
            "import signal; print(signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, []))"
        )
        out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
        return out.stdout.strip() == "True"

    assert not blocked_in_new_thread() and not blocked_in_new_process()
    with interrupts_kept_from_new_threads():
        assert blocked_in_new_thread() and blocked_in_new_process()
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])  # restored here
    assert not blocked_in_new_thread()


def test_a_signal_while_a_store_is_replaced_waits_for_the_replacement(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the renames or during the old copy's removal, SIGINT would leave no store
    at the path, or a hidden half-removed copy; it acts once the new store is in place."""
    import os
    import shutil
    import signal

    from frontiercost.results import files

    path, tmp = tmp_path / "run.zarr", tmp_path / ".run.zarr.new"
    for folder, text in ((path, "old"), (tmp, "new")):
        (folder / "group").mkdir(parents=True)
        (folder / "group" / "zarr.json").write_text(text)
    real_rmtree = shutil.rmtree

    def rmtree_interrupted(p: object, **kw: object) -> None:
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C half-way through the removal
        real_rmtree(p, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(files.shutil, "rmtree", rmtree_interrupted)
    with pytest.raises(KeyboardInterrupt):
        files._place(tmp, path)
    assert (path / "group" / "zarr.json").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.zarr"]  # no hidden copy left


def test_a_signal_while_the_folder_is_probed_leaves_no_probe_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``check_out`` creates and removes a probe file; SIGINT (or SIGTERM) in between
    left ``.frontiercost-probe-*`` behind: it now acts once the probe is gone."""
    import signal

    from frontiercost.results import files

    real_close = os.close

    def close_interrupted(fd: int) -> None:
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C between creating and removing it
        real_close(fd)

    monkeypatch.setattr(files.os, "close", close_interrupted)
    with pytest.raises(KeyboardInterrupt):
        files._probe(tmp_path, "--out")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def test_a_symbolic_link_is_written_through(tmp_path: Path) -> None:
    """Replacing the link itself left the file it named stale, and the link gone."""
    (tmp_path / "data").mkdir()
    real = tmp_path / "data" / "r.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    with atomic_open(link) as fh:
        fh.write("new")
    assert link.is_symlink() and real.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "link.json"]
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["r.json"]


def test_a_full_disk_names_the_file_not_standard_output(tmp_path: Path) -> None:
    """A write that fails with no file name (ENOSPC from a report's HTML) was reported
    as "cannot write to standard output"."""
    import errno

    target = tmp_path / "x.html"
    with pytest.raises(OSError) as caught:
        with atomic_open(target) as fh:
            fh.write("<html>")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert caught.value.filename == str(target) and caught.value.errno == errno.ENOSPC
    assert list(tmp_path.iterdir()) == []  # no temporary left
