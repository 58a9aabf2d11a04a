"""Real faults, in child processes: a full disk (RLIMIT_FSIZE, as ``ulimit -f``), stdout on
/dev/full, an unwritable HOME and numba cache, an unwritable output folder.

Each failure is one line on stderr and a non-zero exit, leaves no temporary file
and leaves the previous target exactly as it was.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hostile_common import BASE, PREFIX, snapshot

from frontiercost.cli import main

pytestmark = pytest.mark.e2e

HERE = Path(__file__).parent
RUNNABLE = BASE.replace("year = 2024", 'year = 2024\ncost_basis = "cloud"').replace(
    "chip_hours = 1e7", 'chip_hours = { family = "lognormal", p5 = 5e6, p95 = 2e7 }'
)
LIMIT = 64 * 1024  # bytes a process may write to one file


def _child(cases: list[dict], cwd: Path, env: dict[str, str] | None = None) -> list[dict]:  # type: ignore[type-arg]
    proc = subprocess.run(
        [sys.executable, str(HERE / "fault_child.py"), json.dumps(cases)],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _one_line(result: dict, *fragments: str) -> None:  # type: ignore[type-arg]
    err = result["err"]
    assert result["code"] == 2, result
    assert err.startswith(PREFIX) and err.count("\n") == 1 and "Traceback" not in err, err
    for f in fragments:
        assert f in err, (f, err)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "s.toml").write_text(RUNNABLE)
    return tmp_path


def test_a_full_disk_and_a_full_stdout(folder: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """PNG, --save and stdout on a full device: one line each, old files kept, no temporaries."""
    s = str(folder / "s.toml")
    (folder / "p.png").write_bytes(b"an older figure")
    (folder / "r.json").write_text("an older result")
    before = snapshot(folder)
    small = ["--draws", "2000", "--chains", "1", "-q"]
    results = _child(
        [
            # --overwrite: these older files are not frontiercost's, so replacing them is asked
            {
                "argv": ["run", s, *small, "--plot", str(folder / "p.png"), "--overwrite"],
                "fsize": LIMIT // 16,
            },
            {
                "argv": [
                    "chips",
                    "--format",
                    "json",
                    "--save",
                    str(folder / "r.json"),
                    "--overwrite",
                ],
                "fsize": 1024,
            },
            {"argv": ["chips", "--format", "json"], "stdout": "/dev/full"},
            {"argv": ["run", s, *small, "--format", "json"], "stdout": "/dev/full"},
        ],
        folder,
    )
    _one_line(results[0], "cannot write", "p.png", "File too large")
    _one_line(results[1], "--save: cannot write", "r.json", "File too large")
    full = f"{PREFIX}cannot write to standard output: No space left on device\n"
    assert results[2] == {"code": 1, "err": full}  # not a usage error: exit 1
    assert results[3] == {"code": 1, "err": full}
    assert snapshot(folder) == before


def test_a_full_disk_while_writing_netcdf_keeps_the_old_run(folder: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """A real ``ulimit -f``: refused before sampling (the draws alone do not fit), or, when
    only the whole file does not fit, a clean failure of the write: never HDF5's crash."""
    target = folder / "x.nc"
    assert (
        main(
            [
                "run",
                str(folder / "s.toml"),
                "--draws",
                "100",
                "--chains",
                "1",
                "--out",
                str(target),
                "-q",
            ]
        )
        == 0
    )
    capsys.readouterr()
    before = snapshot(folder)
    run = f"{sys.executable} -m frontiercost run s.toml --draws 50000 --chains 1 --out x.nc -q"
    proc = subprocess.run(
        ["bash", "-c", f"ulimit -f {LIMIT // 1024}; exec {run}"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # three stored variables (cloud_cost, final_run_cost, chip_hours) of 50,000 draws
    need = 3 * 50_000 * 8 / 2**20
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == (
        f"{PREFIX}--out: cannot write 'x.nc': File too large: the draws alone need"
        f" {need:.1f} MiB and this process may write files of at most 64.0 KiB (ulimit -f);"
        " raise the limit, or ask for fewer draws\n"
    )
    assert snapshot(folder) == before
    # the draws fit but the whole file does not: in memory, the tree (with its draw
    # coordinate) is refused before the file is built; block by block (a memory budget of
    # 1 MiB), reserving the file's room fails with the operating system's reason
    argv = ["run", "s.toml", "--draws", "50000", "--chains", "1", "--out", "x.nc", "-q"]
    between = int((need + 0.1) * 2**20)
    in_memory, block_by_block = _child(
        [
            {"argv": argv, "fsize": between},
            {"argv": [*argv, "--memory", "1M"], "fsize": between},
        ],
        folder,
    )
    _one_line(
        in_memory,
        "--out: cannot write 'x.nc': File too large: the draws alone need 1.5 MiB",
        "at most 1.2 MiB (ulimit -f)",
    )
    assert block_by_block == {
        "code": 2,
        "err": f"{PREFIX}--out: cannot write 'x.nc': File too large\n",
    }
    assert snapshot(folder) == before  # the older run untouched, no temporary left


def test_a_run_written_block_by_block_under_a_file_size_limit(folder: Path) -> None:
    """Room enough: the file is written whole, and no larger than what it holds."""
    argv = ["run", "s.toml", "--draws", "50000", "--chains", "1", "--out", "y.nc", "-q"]
    results = _child([{"argv": [*argv, "--memory", "1M"], "fsize": 8 << 20}], folder)
    assert results == [{"code": 0, "err": ""}]
    import xarray as xr

    tree = xr.open_datatree(folder / "y.nc", engine="h5netcdf")
    draws = tree["posterior"]["chip_hours"].values
    assert draws.shape == (1, 50_000) and np.isfinite(draws).all()
    assert np.array_equal(tree["posterior"]["cloud_cost"].values, draws * 2.0)
    # the space reserved for the draws is given back when the file is closed
    assert (folder / "y.nc").stat().st_size < 4 * 50_000 * 8 + (256 << 10)
    assert sorted(p.name for p in folder.iterdir()) == ["s.toml", "y.nc"]


def test_no_writable_home_or_numba_cache_still_runs(folder: Path) -> None:
    """A read-only install (no __pycache__ beside the sources) and no writable cache."""
    env = {
        "HOME": "/dev/null/home",  # below a file: no one can create it, root included
        "NUMBA_CACHE_DIR": "/dev/null/numba",
        "NUMBA_CACHE_LOCATOR_CLASSES": "UserProvidedCacheLocator,UserWideCacheLocator",
        "XDG_CACHE_HOME": "/dev/null/xdg",
        "MPLCONFIGDIR": "/dev/null/mpl",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "frontiercost", "validate", "s.toml"],
        cwd=folder,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "s.toml: ok" in proc.stdout and "Traceback" not in proc.stderr


@pytest.mark.slow  # compiles every kernel: no cache to load them from
def test_no_writable_numba_cache_samples_the_right_number(folder: Path) -> None:
    (folder / "f.toml").write_text(
        BASE.replace("year = 2024", 'year = 2024\ncost_basis = "cloud"')
    )
    env = {
        "HOME": "/dev/null/home",
        "NUMBA_CACHE_DIR": "/dev/null/numba",
        "NUMBA_CACHE_LOCATOR_CLASSES": "UserProvidedCacheLocator,UserWideCacheLocator",
        "MPLCONFIGDIR": "/dev/null/mpl",
    }
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "frontiercost",
            "run",
            "f.toml",
            "--draws",
            "100",
            "--chains",
            "1",
            "--format",
            "json",
            "-q",
        ],
        cwd=folder,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["outputs"]["cloud_cost"]["median"] == 1e7 * 2.0


@pytest.mark.skipif(
    os.geteuid() == 0, reason="root writes into a chmod 555 folder: the check means nothing"
)
def test_an_unwritable_folder_is_refused(folder: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = folder / "out"
    out.mkdir()
    out.chmod(0o555)
    try:
        for flag, name in (("--out", "x.nc"), ("--save", "x.json"), ("--plot", "x.png")):
            code = main(
                [
                    "run",
                    str(folder / "s.toml"),
                    "--draws",
                    "100",
                    "--chains",
                    "1",
                    flag,
                    str(out / name),
                ]
            )
            err = capsys.readouterr().err
            assert (
                code == 2
                and err.count("\n") == 1
                and f"{flag}: folder '{out}' is not writable" in err
            )
        assert list(out.iterdir()) == []
    finally:
        out.chmod(0o755)


def test_an_ascii_locale_gets_its_tables_not_a_traceback(folder: Path) -> None:
    """LC_ALL=C without UTF-8 mode: stdout is ASCII; a table's '–' and '§' become '?'."""
    proc = subprocess.run(
        [sys.executable, "-m", "frontiercost", "priors"],
        cwd=folder,
        env={**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": ""},
        capture_output=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    assert proc.stderr == b""
    assert proc.stdout.isascii() and b"utilization_final_run" in proc.stdout
    assert b"?" in proc.stdout  # the characters ASCII lacks, replaced
