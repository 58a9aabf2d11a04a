"""What every subcommand shares: flag values, messages, progress, files in and out."""

from __future__ import annotations

import argparse
import contextlib
import difflib
import importlib.util
import json
import math
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from .._files import atomic_open, default_mode, os_reason
from ..errors import FrontiercostError, FrontiercostWarning

if TYPE_CHECKING:
    import xarray as xr


EXIT_USAGE = 2
IMAGE_SUFFIXES = (".png", ".svg", ".pdf")
FORMATS = ("table", "json", "csv")
# Above this many draws in total a run streams (moments and histogram, no draws).
STORE_LIMIT = 10**7


class Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so ``main`` owns the exit code."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise FrontiercostError(f"{self.prog}: {message}")


# --------------------------------------------------------------------------- flag values


def draws_value(text: str) -> int:
    """``--draws``: a positive whole number, ``1e6`` accepted."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number such as 1e6, got {text!r}") from None
    if not math.isfinite(value) or value != int(value) or value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return int(value)


def positive_int(text: str) -> int:
    """A whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def seed_value(text: str) -> int:
    """``--seed``: a whole number in [0, 2**63)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"must be in [0, 2**63), got {text!r}")
    return value


def probability(text: str) -> float:
    """A probability strictly between 0 and 1 (``--ci``, ``--level``)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number such as 0.9, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1), e.g. 0.9, got {text}")
    return value


_AMOUNT = re.compile(
    r"^\s*(-?)\$?\s*([0-9][0-9_]*\.?[0-9]*(?:e[+-]?[0-9]+)?)\s*([kmbt]?)\s*$", re.I
)
_SCALE = {"": 1.0, "k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}


def amount(text: str) -> float:
    """A finite number: ``1e9``, ``2_500_000``, ``1B``, ``$40.6M`` (k, M, B, T suffixes)."""
    m = _AMOUNT.match(text)
    if m is None:
        raise argparse.ArgumentTypeError(f"expected a number such as 1e9 or 1B, got {text!r}")
    try:
        value = float(m.group(2).replace("_", "")) * _SCALE[m.group(3).lower()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number such as 1e9, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return -value if m.group(1) else value


def names_list(text: str) -> list[str]:
    """A comma-separated list of names: ``chip_cost,energy_cost``."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"expected names separated by commas, got {text!r}")
    return names


def suggest(name: str, accepted: Sequence[str]) -> str:
    """``; did you mean 'x'?`` for the nearest accepted name, or ``''``."""
    near = difflib.get_close_matches(name, list(accepted), n=1, cutoff=0.6)
    return f"; did you mean {near[0]!r}?" if near else ""


def check_names(flag: str, names: Sequence[str], accepted: Sequence[str], where: str) -> None:
    """Refuse a name not in ``accepted``, suggesting the nearest one."""
    for name in names:
        if name not in accepted:
            raise FrontiercostError(
                f"{flag}: {where} has no variable {name!r}{suggest(name, accepted)} "
                f"(accepted: {', '.join(accepted)})"
            )


# --------------------------------------------------------------------------- console


class Progress:
    """A progress bar (or, while the fraction done is unknown, a spinner) on stderr.

    It appears only after :attr:`DELAY` seconds and only on a terminal, and
    it only reads the clock: the step's result does not depend on it.  The
    numba kernels release the GIL, so the spinner keeps turning while they
    run.
    """

    DELAY = 1.0
    INTERVAL = 0.1
    _FRAMES = "|/-\\"

    def __init__(self, label: str, stream: TextIO) -> None:
        self.label = label
        self.stream = stream
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._spin, daemon=True)
        self._shown = False
        self.fraction: float | None = None

    def update(self, done: int, total: int) -> None:
        """Record progress (the engine's ``progress`` callback)."""
        self.fraction = done / total if total else 1.0

    def _spin(self) -> None:
        start = time.perf_counter()
        if self._stop.wait(self.DELAY):
            return
        i = 0
        while not self._stop.is_set():
            elapsed = time.perf_counter() - start
            if self.fraction is None:
                frame = self._FRAMES[i % len(self._FRAMES)]
                self.stream.write(f"\r{frame} {self.label} {elapsed:5.1f} s")
            else:
                filled = int(24 * self.fraction)
                bar = "#" * filled + "-" * (24 - filled)
                self.stream.write(f"\r[{bar}] {self.fraction:4.0%} {self.label} {elapsed:5.1f} s")
            self.stream.flush()
            self._shown = True
            i += 1
            self._stop.wait(self.INTERVAL)

    def __enter__(self) -> Progress:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        if self._shown:
            self.stream.write("\r\033[K")
            self.stream.flush()


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


_python_formatwarning = warnings.formatwarning


def _one_line_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    line: str | None = None,
) -> str:
    if issubclass(category, FrontiercostWarning):
        return f"frontiercost: warning: {message}\n"
    return _python_formatwarning(message, category, filename, lineno, line)


@dataclass
class Console:
    """Where messages go: notes and timings on stderr, results on stdout.

    ``quiet``: errors only (and the results asked for with ``--format``);
    ``verbose``: also timings, threads and cache information.
    """

    quiet: bool = False
    verbose: bool = False

    def __post_init__(self) -> None:
        # frontiercost's own warnings (notes, non-finite draws) as one line each, not
        # Python's "path:line: Category: ..." followed by the source line that warned
        warnings.formatwarning = _one_line_warning
        # an ASCII or Latin-1 locale (LC_ALL=C without UTF-8 mode, PYTHONIOENCODING=ascii)
        # cannot encode the tables' '–' or '§': shown as '?' rather than a traceback
        reconfigure = getattr(sys.stdout, "reconfigure", None)
        if reconfigure is not None and getattr(sys.stdout, "errors", None) in (
            "strict",
            "surrogateescape",
        ):
            try:
                "–§≥".encode(sys.stdout.encoding or "utf-8")
            except (UnicodeEncodeError, LookupError):
                reconfigure(errors="replace")

    def note(self, message: str) -> None:
        """A short status line (``wrote run.nc``) unless quiet."""
        if not self.quiet:
            print(message, file=sys.stderr)

    def detail(self, message: str) -> None:
        """A line for ``--verbose`` only."""
        if self.verbose:
            print(f"[frontiercost] {message}", file=sys.stderr)

    @contextlib.contextmanager
    def step(self, label: str, progress: bool = False) -> Iterator[Progress | None]:
        """Time a step (printed with ``--verbose``), with a progress display if ``progress``.

        Yields the :class:`Progress` shown (its ``update`` is the engine's
        ``progress`` callback), or None when nothing is shown (not a terminal).
        """
        start = time.perf_counter()
        show = progress and not self.quiet and _stderr_is_terminal()
        bar = Progress(label, sys.stderr) if show else None
        with bar if bar is not None else contextlib.nullcontext():
            yield bar
        self.detail(f"{label}: {time.perf_counter() - start:.2f} s")

    def environment(self) -> None:
        """Versions, threads and the numba cache, for ``--verbose``."""
        if not self.verbose:
            return
        import numba

        from .._version import __version__

        self.detail(
            f"frontiercost {__version__}, numba {numba.__version__}, "
            f"{numba.get_num_threads()} threads"
        )
        cache = numba.config.CACHE_DIR or "beside the sources (__pycache__)"
        self.detail(f"numba kernel cache: {cache}")

    def kernel_cache(self) -> None:
        """Whether the run's kernel came from numba's disk cache, for ``--verbose``."""
        if not self.verbose:
            return
        import numba

        from ..engine import _drivers

        try:
            self.detail(f"numba threading layer: {numba.threading_layer()}")
        except ValueError:  # no parallel kernel has run in this process
            pass
        for name in ("run_stored", "run_streaming"):
            stats = getattr(getattr(_drivers, name, None), "stats", None)
            if stats is not None and (stats.cache_hits or stats.cache_misses):
                hits, misses = sum(stats.cache_hits.values()), sum(stats.cache_misses.values())
                self.detail(
                    f"kernel {name}: {hits} loaded from cache, {misses} compiled "
                    f"(cache at {stats.cache_path})"
                )


# --------------------------------------------------------------------------- output files


def check_out(path_text: str, flag: str, suffixes: Sequence[str]) -> Path:
    """An output path with an accepted suffix in an existing, writable folder."""
    path = Path(path_text)
    suffix = path.suffix.lower()
    if suffix not in suffixes:
        accepted = " or ".join(suffixes)
        raise FrontiercostError(f"{flag}: expected a {accepted} file, got {path_text!r}")
    folder = path.parent
    if not folder.is_dir():
        raise FrontiercostError(f"{flag}: folder {str(folder)!r} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise FrontiercostError(f"{flag}: folder {str(folder)!r} is not writable")
    if path.is_dir() and suffix != ".zarr":
        raise FrontiercostError(f"{flag}: {path_text!r} is a folder")
    if suffix == ".zarr" and path.exists() and not path.is_dir():
        raise FrontiercostError(f"{flag}: {path_text!r} exists and is not a Zarr folder")
    return path


def zarr_available() -> bool:
    """Whether the zarr package can be imported (it comes with the ``distributed`` extra)."""
    return importlib.util.find_spec("zarr") is not None


def need_zarr(flag: str, path: Path) -> None:
    """Refuse a ``.zarr`` path, with the fix, when zarr is not installed."""
    if path.suffix.lower() == ".zarr" and not zarr_available():
        raise FrontiercostError(
            f"{flag}: {str(path)!r}: Zarr needs the zarr package, which is not installed; "
            "install it with `pip install 'frontiercost[distributed]'` (or `pip install zarr`), "
            "or write a .nc file"
        )


def write_tree(tree: xr.DataTree, path: Path, flag: str = "--out") -> None:
    """Write a run to ``.nc`` (h5netcdf) or ``.zarr``, atomically: temporary name, then rename."""
    zarr = path.suffix.lower() == ".zarr"
    if zarr:
        need_zarr(flag, path)
        tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
        shutil.rmtree(tmp)
    else:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
        tmp = Path(name)
        default_mode(tmp)
    try:
        if zarr:
            with warnings.catch_warnings():
                # Zarr v3 has no consolidated metadata in its spec yet; xarray writes and
                # reads it all the same (as the dask executor does).
                warnings.filterwarnings("ignore", message=".*[Cc]onsolidated metadata")
                tree.to_zarr(tmp, mode="w")
            if path.exists():
                old = path.with_name(f".{path.name}.old")
                os.replace(path, old)
                os.replace(tmp, path)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(tmp, path)
        else:
            tree.to_netcdf(tmp, engine="h5netcdf")
            os.replace(tmp, path)
    except OSError as err:
        raise FrontiercostError(f"{flag}: cannot write {str(path)!r}: {os_reason(err)}") from None
    finally:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp.exists():
            tmp.unlink()


def write_text(path: Path, text: str, flag: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    try:
        with atomic_open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    except OSError as err:
        raise FrontiercostError(f"{flag}: cannot write {str(path)!r}: {os_reason(err)}") from None


def result_format(args: argparse.Namespace) -> str:
    """``--format``, else from the ``--save`` suffix (``.json``, ``.csv``), else table."""
    if args.format is not None:
        return str(args.format)
    if args.save is not None:
        suffix = Path(args.save).suffix.lower()
        return {".json": "json", ".csv": "csv"}.get(suffix, "table")
    return "table"


def check_save(args: argparse.Namespace) -> Path | None:
    """``--save FILE`` checked before any work: its folder exists and is writable."""
    if args.save is None:
        return None
    return check_out(args.save, "--save", (".json", ".csv", ".txt"))


def emit(console: Console, text: str, save: Path | None) -> None:
    """Print a result, or write it to ``--save``."""
    if not text.endswith("\n"):
        text += "\n"
    if save is None:
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except BrokenPipeError:
            raise
        except OSError as err:  # a full disk or /dev/full: one line, and no retry at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise FrontiercostError(
                f"cannot write the result to stdout: {os_reason(err)}"
            ) from None
        return
    write_text(save, text, "--save")
    console.note(f"wrote {save}")


# --------------------------------------------------------------------------- JSON and CSV


def number(x: Any) -> float | int | None:
    """A JSON number: ints stay ints, NaN and infinities become ``null``."""
    if isinstance(x, bool):
        return int(x)
    if isinstance(x, int):
        return x
    v = float(x)
    return v if math.isfinite(v) else None


def to_json(record: Any) -> str:
    """Indented JSON with shortest round-trip floats (``repr``), no NaN."""
    return json.dumps(record, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def to_csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """CSV text (RFC 4180 quoting); numbers in full precision, ``None`` as an empty cell."""
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else repr(v) if isinstance(v, float) else v for v in row])
    return buf.getvalue()


# --------------------------------------------------------------------------- table cells


def cell(value: float | None, unit: str) -> str:
    """A table cell: the value without its unit (``$40.6M``, ``57M``), ``-`` if missing."""
    from ..analysis.format import format_value

    return "-" if value is None else format_value(value, unit, show_unit=False)


def cell_with_unit(value: float | None, unit: str) -> str:
    """A value with its unit (``$40.6M``, ``57M h``), ``-`` if missing."""
    from ..analysis.format import format_value

    return "-" if value is None else format_value(value, unit)


def prob_cell(p: float | None, mcse: float | None, n: int | None) -> str:
    """``12.3 % ± 0.4 %``; ``< 0.0025 %`` (one draw in ``n``) when no draw counted."""
    from ..analysis.format import format_share

    if p is None:
        return "-"
    if p == 0 and n:
        return f"< {format_share(1 / n, 2)}"
    if p == 1 and n:
        return f"> {format_share(1 - 1 / n, max(3, math.ceil(math.log10(n)) + 1))}"
    return f"{format_share(p)} ± {format_share(mcse or 0.0, 2)}"


def label_text(scenario: dict[str, Any]) -> str:
    """``Title (name)`` of a ``scenario`` record, or the name alone."""
    name, title = scenario["name"], scenario["title"]
    return f"{title} ({name})" if title and title != name else str(name)


def interval_label(ci_prob: float, ci_kind: str) -> str:
    """``90% ETI``."""
    return (
        f"{ci_prob:.0%} {ci_kind.upper()}"
        if ci_prob * 100 == round(ci_prob * 100)
        else (f"{ci_prob:.1%} {ci_kind.upper()}")
    )


def version() -> str:
    """The package version."""
    from .._version import __version__

    return __version__
