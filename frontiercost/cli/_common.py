"""What every subcommand shares: flag values, messages, progress, files in and out."""

from __future__ import annotations

import argparse
import contextlib
import difflib
import errno
import importlib.util
import io
import itertools
import json
import math
import os
import re
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TextIO

from .._files import atomic_open, edited, not_a_folder, os_reason, special_kind, written_here
from ..errors import FrontiercostError, scenario_note

if TYPE_CHECKING:
    import xarray as xr

    from ..scenarios import Scenario


EXIT_USAGE = 2
IMAGE_SUFFIXES = (".png", ".svg", ".pdf")
FORMATS = ("table", "json", "csv")
# Above this many draws in total a run streams (moments and histogram, no draws).
STORE_LIMIT = 10**7


class HelpFormatter(argparse.HelpFormatter):
    """Descriptions and notes wrapped to the terminal; an ``examples:`` paragraph kept as
    written, one command a line (so each can be copied, and the tests run each)."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        parts = []
        for paragraph in text.split("\n\n"):
            if paragraph.startswith("examples:"):
                parts.append("\n".join(indent + line for line in paragraph.splitlines()))
            else:
                lines = self._split_lines(paragraph, width - len(indent))
                parts.append("\n".join(indent + line for line in lines))
        return "\n\n".join(parts)

    def _split_lines(self, text: str, width: int) -> list[str]:
        # Never inside a flag: argparse's wrapping splits "--max-points" at its hyphen.
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)


class Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so ``main`` owns the exit code.

    Abbreviated long options are off: ``--draw`` is an error, not ``--draws``,
    so a flag added later never changes what an old command line means.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def _print_message(self, message: str, file: Any = None) -> None:
        # argparse swallows a failed write (``--help > /dev/full`` would exit 0); ``main``
        # reports it instead
        if message:
            (file or sys.stderr).write(message)

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        self._argv = list(sys.argv[1:] if args is None else args)  # for error()
        return super().parse_known_args(args, namespace)

    def parse_args(self, args: Any = None, namespace: Any = None) -> Any:
        ns, extras = self.parse_known_args(args, namespace)
        if extras:
            self._unrecognized(ns, extras)
        return ns

    def _unrecognized(self, ns: argparse.Namespace, extras: list[str]) -> None:
        """Words no parser took, refused by the command they were given to, with the
        flag each misspelled one is closest to (``--draw``: did you mean --draws?)."""
        import difflib

        target: argparse.ArgumentParser = self
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                target = action.choices.get(str(getattr(ns, action.dest, "")), self)
        flags = [o for a in target._actions for o in a.option_strings if o.startswith("--")]
        hints = []
        for word in extras:
            name = word.split("=", 1)[0]
            close = (
                difflib.get_close_matches(name, flags, n=1, cutoff=0.75)
                if name.startswith("--")
                else []
            )
            if close and close[0] == name:  # the flag itself, after `--` (the end of flags)
                hints.append(f"{name} follows '--', which makes it a plain word: put it before")
            elif close:
                hints.append(f"{name}: did you mean {close[0]}?")
        target.error(
            f"unrecognized arguments: {' '.join(extras)}" + "".join(f"; {h}" for h in hints)
        )

    def error(self, message: str) -> None:  # type: ignore[override]
        # ``main`` prefixes ``frontiercost: error:``; a subcommand adds its own name once
        command = self.prog.removeprefix("frontiercost").strip()
        choice = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)$", message)
        if choice:  # argparse lists the choices; the nearest one is what was meant
            import difflib

            given, choices = choice.group(1), re.findall(r"'([^']*)'", choice.group(2))
            close = difflib.get_close_matches(given, choices, n=1, cutoff=0.6)
            if close:
                message += f"; did you mean {close[0]!r}?"
        flag = re.match(r"argument ((-[^/: ]+)\S*): expected one argument$", message)
        if flag and self._dash_value_after(flag.group(1).split("/")):
            # argparse takes `-t -$5M` for two flags
            message += f" (a value that starts with '-' follows '=': {flag.group(2)}=-VALUE)"
        raise FrontiercostError(f"{command}: {message}" if command else message)

    def _dash_value_after(self, flags: list[str]) -> bool:
        """Whether one of ``flags`` is followed on the command line by a word starting with '-'."""
        argv = getattr(self, "_argv", [])
        return any(a in flags and b.startswith("-") for a, b in itertools.pairwise(argv))


class Renamed(argparse.Action):
    """An old spelling of a flag: stores into the new flag's ``dest`` and notes the rename.

    Hidden from ``--help``; the note goes to stderr (``main`` prints it unless
    ``--quiet``), so scripts that use the old spelling keep working.
    """

    notes: ClassVar[list[str]] = []

    def __init__(self, option_strings: Sequence[str], dest: str, new: str, **kwargs: Any) -> None:
        kwargs["help"] = argparse.SUPPRESS
        super().__init__(option_strings, dest, **kwargs)
        self.new = new

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        Renamed.notes.append(
            f"frontiercost: note: {option_string} is now {self.new}; "
            "the old spelling will be removed"
        )
        setattr(namespace, self.dest, values)


class Once(argparse.Action):
    """A flag that takes one value: given again with another, an error (argparse's
    default keeps the last one silently)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        old = getattr(namespace, self.dest, None)
        if old is not None and old != self.default and old != values:
            parser.error(
                f"{option_string}: given twice ({old}, {values}); this command takes one;"
                " run it once for each"
            )
        setattr(namespace, self.dest, values)


def given_flags(parser: argparse.ArgumentParser, argv: Sequence[str]) -> set[str]:
    """The flags ``argv`` gives explicitly, by their first long spelling (``--draws``).

    A flag left at its default and a flag given with the default value differ
    here: a flag that has no effect is an error only when the user typed it.
    """
    by_string: dict[str, str] = {}
    for action in parser._actions:
        if not action.option_strings:
            continue
        long = next((o for o in action.option_strings if o.startswith("--")), None)
        name = long or action.option_strings[0]
        for o in action.option_strings:
            by_string[o] = name
    found = set()
    for token in argv:
        if token == "--":
            break
        if not token.startswith("-") or token == "-":
            continue
        head = token.split("=", 1)[0]
        if head in by_string:
            found.add(by_string[head])
        elif not token.startswith("--") and token[:2] in by_string:  # -t1e9, -qv
            found.add(by_string[token[:2]])
    return found


def refuse(args: argparse.Namespace, flags: Sequence[str], why: str) -> None:
    """A flag that would have no effect here is an error naming it and why."""
    given: set[str] = getattr(args, "given", set())
    for flag in flags:
        if flag in given:
            raise FrontiercostError(f"{flag}: {why}")


SAMPLING_FLAGS = ("--draws", "--chains", "--seed", "--sampler")
LIMIT_FLAGS = ("--memory", "--max-time", "--strict")


def refuse_sampling(args: argparse.Namespace, path: str, *more: str) -> None:
    """Sampling flags given with saved runs: they have their draws, the flags would do nothing."""
    what = (
        f"{path} is a saved run with its own draws"
        if not more
        else f"{', '.join([path, *more[:-1]])} and {more[-1]} are saved runs with their own draws"
    )
    refuse(
        args,
        [*SAMPLING_FLAGS, *LIMIT_FLAGS],
        f"{what} (these flags apply when sampling a scenario)",
    )


# --------------------------------------------------------------------------- flag values


# Draws per chain: at most 2**53 in all keeps every draw index exact (settings.MAX_DRAWS);
# the flag's own bound is the same, so `--draws 1e30` fails here naming the flag.
MAX_DRAWS_PER_CHAIN = 1 << 53


_COUNT = re.compile(r"^\s*([0-9][0-9_]*\.?[0-9]*(?:e[+-]?[0-9]+)?)\s*([kmbt]?)\s*$", re.I)


def _count(text: str) -> float:
    """A count as written: ``1e6``, ``250_000``, ``10k``, ``1M`` (k, M, B, T as ``-t`` takes)."""
    m = _COUNT.match(text)
    if m is None:
        return float(text)  # -1, nan, inf: numbers, refused by the caller's range check
    return float(m.group(1).replace("_", "")) * _SCALE[m.group(2).lower()]


def draws_value(text: str) -> int:
    """``--draws``: a whole number of draws per chain (``1e6``, ``10k``), 1 to 2**53."""
    try:
        value = _count(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number such as 1e6 or 10k, got {text!r}"
        ) from None
    if not math.isfinite(value) or value != int(value) or value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    if value > MAX_DRAWS_PER_CHAIN:
        raise argparse.ArgumentTypeError(
            f"{text} is out of range: draws per chain run from 1 to 2**53 (9.0e15)"
        )
    return int(value)


def count_value(text: str) -> int:
    """A whole number of things (``--max-points``), ``1e4`` or ``10k`` accepted, 1 to 2**53."""
    try:
        value = _count(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number such as 1e4 or 10k, got {text!r}"
        ) from None
    if not math.isfinite(value) or value != int(value) or not 1 <= value <= 2**53:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to 2**53, got {text!r}")
    return int(value)


def draws_help(draws: int, chains: int = 4) -> str:
    """``--draws`` help: per chain, with the default total."""
    return (
        f"draws per chain, e.g. 1e6 (default {draws:,} per chain: {draws * chains:,} in all "
        f"with the default {chains} chains)"
    )


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


class Dollars(float):
    """A threshold written with ``$``: only for a variable in dollars (USD, USD/h...)."""


def threshold_value(text: str) -> tuple[str | None, float]:
    """``-t/--threshold``: ``VAR=T`` (``cloud_cost=1e8``), or a bare ``T`` for the one variable.

    ``T`` is an amount (``1e9``, ``1B``, ``$200M``).  A bare ``T`` is for the
    command's one variable (its single ``--var``, else the headline output);
    :func:`thresholds_for` refuses it where that is ambiguous.
    """
    var, sep, value = text.partition("=")
    var = var.strip()
    if sep and not var:
        raise argparse.ArgumentTypeError(
            f"expected VAR=T such as amortized_cost=1e9, got {text!r}"
        )
    try:
        t = amount(value if sep else text)
        if "$" in (value if sep else text):
            t = Dollars(t)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected VAR=T such as amortized_cost=1e9 (or a bare T such as 1e9 or 1B for "
            f"the one variable shown), got {text!r}"
        ) from None
    return (var if sep else None, t)


def thresholds_for(
    items: Sequence[tuple[str | None, float]] | None,
    names: Sequence[str],
    units: Callable[[str], str] | None = None,
) -> dict[str, list[float]]:
    """``-t`` values by variable: ``VAR=T`` as given; a bare ``T`` to ``names``, which
    must then be one variable (:func:`shown_variables` gives them).  ``units`` gives a
    variable's units: a threshold written with ``$`` must be for one in dollars."""
    out: dict[str, list[float]] = {}
    for var, t in items or ():
        if var is None:
            if len(names) != 1:
                shown = ", ".join(names)
                raise FrontiercostError(
                    f"--threshold: {t:g} names no variable and {len(names)} are shown ({shown});"
                    f" write VAR=T, e.g. -t {names[0]}={t:g}"
                )
            var = names[0]
        unit = units(var) if units is not None and isinstance(t, Dollars) else "USD"
        if not unit.startswith("USD"):
            raise FrontiercostError(
                f"--threshold: ${t:g} is in dollars, but {var} is in {unit or 'no unit'};"
                f" write the number alone (-t {var}={t:g})"
            )
        given = out.setdefault(var, [])
        if t not in given:  # the same threshold twice is one row, not two
            given.append(t)
    return out


def scenario_units(sc: Scenario) -> Callable[[str], str]:
    """The units of a scenario's quantities, inputs and outputs, by name."""

    def units(name: str) -> str:
        if name in sc.priors:
            return str(sc.priors[name].unit)
        try:
            return str(sc.model((name,)).outputs[0].units)
        except FrontiercostError:  # not a quantity of it: its own check names it
            return ""

    return units


def threshold_names(items: Sequence[tuple[str | None, float]] | None) -> list[str]:
    """The variables ``-t VAR=T`` names, in order."""
    return list(dict.fromkeys(v for v, _ in items or () if v is not None))


def shown_variables(
    var: Sequence[str] | None,
    items: Sequence[tuple[str | None, float]] | None,
    headline: Callable[[], str],
) -> tuple[list[str], list[str]]:
    """The variables a command shows, and those a bare ``-t T`` may go to.

    A bare ``T`` goes to the single ``--var``, else to the headline output,
    never to a variable that only another ``-t VAR=T`` named.  Shown: every
    ``--var`` (else the headline, unless only ``-t VAR=T`` thresholds were
    given), then each ``VAR`` of ``-t VAR=T``.
    """
    named = threshold_names(items)
    bare = any(v is None for v, _ in items or ())
    if var:
        bare_to = list(dict.fromkeys(var))  # --var x --var x is one variable
    elif bare or not named:
        bare_to = [headline()]
    else:
        bare_to = []
    return list(dict.fromkeys([*bare_to, *named])), bare_to


def memory_value(text: str) -> int:
    """``--memory``: a size such as ``4G``, ``512M`` or ``50%`` (of available memory)."""
    from ..settings import parse_size

    try:
        value = parse_size(text, "memory")
    except FrontiercostError:
        raise argparse.ArgumentTypeError(
            f"expected a size such as 4G, 512M or 50%, got {text!r}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a size above 0, got {text!r}")
    return value


def seconds_value(text: str) -> float:
    """``--max-time``: seconds, or with a unit: ``90``, ``90s``, ``10m``, ``2h``, ``1d``."""
    from ..settings import parse_seconds

    value = parse_seconds(text)
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(
            f"expected a time above 0 such as 600, 10m or 2h, got {text!r}"
        )
    return value


def limits_from(args: argparse.Namespace) -> Any:
    """``Limits`` from ``--memory``, ``--max-time``, ``--max-points`` (the rest from the
    environment: FRONTIERCOST_MEMORY, FRONTIERCOST_MAX_SECONDS, FRONTIERCOST_MAX_POINTS)."""
    from ..settings import Limits

    given = {
        key: getattr(args, attr)
        for key, attr in (
            ("memory_bytes", "memory"),
            ("seconds", "max_time"),
            ("max_points", "max_points"),
        )
        if getattr(args, attr, None) is not None
    }
    return Limits(**given)


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


def check_names(
    flag: str,
    names: Sequence[str],
    accepted: Sequence[str],
    where: str,
    streamed_inputs: Sequence[str] = (),
) -> None:
    """Refuse a name not in ``accepted``, suggesting the nearest one.

    ``streamed_inputs`` are inputs of a run too large to store: named, they get
    the reason and the ways to keep them rather than "no variable".
    """
    for name in names:
        if name in streamed_inputs:
            raise FrontiercostError(
                f"{flag}: {name!r} is an uncertain input of {where}, and a run of more than"
                f" {STORE_LIMIT:,} draws is streamed, keeping statistics of its outputs only;"
                " use fewer draws, store them (`frontiercost run --out FILE`, then read the"
                " file), or name an output"
            )
        if name not in accepted:
            raise FrontiercostError(
                f"{flag}: {where} has no variable {name!r}{suggest(name, accepted)} "
                f"(accepted: {', '.join(accepted)})"
            )


# --------------------------------------------------------------------------- console


def terminal_columns(stream: TextIO) -> int:
    """Columns of the terminal ``stream`` writes to: ``COLUMNS`` if set, else its size, else 80."""
    env = os.environ.get("COLUMNS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return 80


class Progress:
    """A progress bar on stderr (tqdm): fraction, draws per second and time left.

    It appears only after :attr:`DELAY` seconds, is cut to the terminal's
    width, and only reads the clock: the step's result does not depend on it.
    The engine's ``progress(done, total)`` callback (:meth:`update`) only
    stores numbers, from whatever thread (dask's callbacks come from the
    client's); a thread of its own draws the bar every :attr:`INTERVAL`, so a
    step with no callback (writing a file) still shows its elapsed time while
    numba or HDF5 holds the main thread.
    """

    DELAY = 1.0
    INTERVAL = 0.1
    # fraction, rate and time left first: a narrow terminal cuts the label, not them
    FORMAT = (
        "{percentage:3.0f}% |{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}] {desc}"
    )
    # no total yet (compiling, writing a file): the clock first, for the same reason
    SPINNER = "[{elapsed}] {desc}"

    def __init__(self, label: str, stream: TextIO, unit: str = "draw") -> None:
        self.label = label
        self.stream = stream
        self.unit = unit
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._draw, daemon=True)
        self._shown = False
        self.done = 0
        self.total: int | None = None
        self._start = 0.0

    @property
    def fraction(self) -> float | None:
        """The fraction done, or ``None`` while the total is unknown."""
        if self.total is None:
            return None
        return self.done / self.total if self.total else 1.0

    def update(self, done: int, total: int) -> None:
        """Record progress (the engine's ``progress`` callback)."""
        self.done, self.total = done, total

    def _draw(self) -> None:
        from tqdm import tqdm  # imported by __enter__ already: the delay is not the import's

        if self._stop.wait(self.DELAY):
            return
        width = terminal_columns(self.stream)
        bar = tqdm(
            desc=self.label,
            total=self.total,
            file=self.stream,
            ncols=width,
            unit=self.unit,
            unit_scale=True,
            leave=False,
            mininterval=0,
            ascii=not _can_encode(self.stream, "█▏"),
            bar_format=self.FORMAT if self.total is not None else self.SPINNER,
        )
        # the clock of the step, not of the bar (shown after DELAY): the draws of the
        # first second over a few ms of the bar's own clock read as 1.31T draw/s
        bar.start_t = self._start
        self._shown = True
        try:
            while not self._stop.is_set():
                if self.total is not None and bar.total != self.total:
                    bar.reset(total=self.total)
                    bar.start_t = self._start  # as below
                    bar.bar_format = self.FORMAT
                bar.n = self.done
                bar.refresh()
                self._stop.wait(self.INTERVAL)
        finally:
            bar.close()  # leave=False: clears its line for what follows

    def __enter__(self) -> Progress:
        import tqdm  # noqa: F401 - before the clock starts

        self._start = time.time()  # tqdm's clock
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _can_encode(stream: Any, text: str) -> bool:
    try:
        text.encode(getattr(stream, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


# Characters of our tables and messages with an ASCII spelling, for a terminal or pipe
# whose encoding cannot show them (PYTHONIOENCODING=ascii, a latin-1 locale).
ASCII = {
    "–": "-", "—": "-", "−": "-", "×": "x", "≥": ">=", "≤": "<=", "±": "+/-", "→": "->",
    "←": "<-", "…": "...", "²": "^2", "³": "^3", "µ": "u", "·": ".", "≈": "~", "’": "'",
    "‘": "'", "“": '"', "”": '"', "█": "#", "▏": "|", "Δ": "delta", "σ": "sigma", "φ": "phi",
    "≠": "!=", "√": "sqrt", "∞": "inf", "€": "EUR", "£": "GBP", "\u00a0": " ",
}  # fmt: skip


def _ascii_fallback(err: UnicodeError) -> tuple[str, int]:
    """Codec error handler: an ASCII spelling of each character the stream cannot encode."""
    if not isinstance(err, UnicodeEncodeError):
        raise err
    bad = err.object[err.start : err.end]
    return "".join(ASCII.get(c, "?") for c in bad), err.end


class ClosedStream(io.TextIOBase):
    """Standard output whose descriptor was closed: every write fails with EBADF."""

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))

    def flush(self) -> None:
        pass  # nothing is ever buffered: the write said it already


def safe_streams() -> None:
    """Let stdout and stderr write any character: unencodable ones get ASCII spellings.

    Only streams whose encoding cannot write our tables' characters change
    (their error handler), so a UTF-8 terminal is left exactly as it was.
    """
    import codecs

    try:
        codecs.lookup_error("frontiercost-ascii")
    except LookupError:
        codecs.register_error("frontiercost-ascii", _ascii_fallback)
    # a closed descriptor (`>&-`) leaves Python None for the stream: writing then
    # fails as an I/O error ("cannot write to standard output"), not as a bug
    if sys.stdout is None:
        sys.stdout = ClosedStream()
    if sys.stderr is None:
        sys.stderr = io.StringIO()  # nowhere to say anything: the exit code says it
    for stream in (sys.stdout, sys.stderr):
        if stream is None or _can_encode(stream, "–×≥±²…"):
            continue
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="frontiercost-ascii")


@dataclass
class Console:
    """Where messages go: notes, warnings and timings on stderr, results on stdout.

    ``quiet``: no notes and no progress (results, warnings and errors still
    show); ``verbose``: also timings, threads and cache information;
    ``progress``: show progress bars even when stderr is not a terminal.
    """

    quiet: bool = False
    verbose: bool = False
    progress: bool = False
    warned: set[str] = field(default_factory=set)
    remarked: set[str] = field(default_factory=set)

    def remark(self, message: str) -> None:
        """A scenario's note (a switch it did not state): ``frontiercost: note: ...``, once.

        Notes inform and need no action, so ``--quiet`` drops them; a command
        that loads a scenario and then samples it would otherwise say each twice.
        """
        if self.quiet or message in self.remarked:
            return
        self.remarked.add(message)
        print(f"frontiercost: note: {message}", file=sys.stderr)

    def scenario_notes(self, scenario: Any) -> None:
        """Every note of a loaded scenario (:attr:`Scenario.notes`), one line each."""
        for text in scenario.notes:
            # the same text as the ScenarioWarning simulate raises: shown once
            self.remark(scenario_note(scenario.name, text))

    def note(self, message: str) -> None:
        """A short status line (``wrote run.nc``) unless quiet."""
        if not self.quiet:
            print(message, file=sys.stderr)

    def warn(self, message: str) -> None:
        """A result to look at (failed diagnostics, non-finite draws): once, even if quiet."""
        if message in self.warned:
            return
        self.warned.add(message)
        print(f"frontiercost: warning: {message}", file=sys.stderr)

    def detail(self, message: str) -> None:
        """A line for ``--verbose`` only."""
        if self.verbose:
            print(f"[frontiercost] {message}", file=sys.stderr)

    @contextlib.contextmanager
    def step(
        self, label: str, progress: bool = False, unit: str = "draw"
    ) -> Iterator[Progress | None]:
        """Time a step (printed with ``--verbose``), with a progress display if ``progress``.

        Yields the :class:`Progress` shown (its ``update`` is the engine's
        ``progress`` callback), or None when nothing is shown (not a terminal).
        """
        start = time.perf_counter()
        show = progress and not self.quiet and (self.progress or _stderr_is_terminal())
        bar = Progress(label, sys.stderr, unit) if show else None
        with bar if bar is not None else contextlib.nullcontext():
            yield bar
        self.detail(f"{label}: {time.perf_counter() - start:.2f} s")

    def environment(self) -> None:
        """Versions, threads and the numba cache, for ``--verbose``."""
        if not self.verbose:
            return
        import numba

        from .._threads import check_kernels_may_run
        from .._version import __version__
        from ..engine._jit import WIDE_VECTORS

        check_kernels_may_run()  # numba.get_num_threads() starts numba's threads

        self.detail(
            f"frontiercost {__version__}, numba {numba.__version__}, "
            f"{numba.get_num_threads()} threads"
        )
        cache = numba.config.CACHE_DIR or "beside the sources (__pycache__)"
        self.detail(f"numba kernel cache: {cache}")
        from ..engine._simd import AVX512

        width = "512-bit" if WIDE_VECTORS else "numba's default width"
        loops = "AVX-512 compress and gather" if AVX512 else "scalar tail and table loops"
        self.detail(f"kernel vectors: {width}; {loops}")

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


def overwrites(args: argparse.Namespace) -> bool:
    """Whether ``--overwrite`` was given (commands without the flag: never)."""
    return bool(getattr(args, "overwrite", False))


def check_out(path_text: str, flag: str, suffixes: Sequence[str], overwrite: bool = False) -> Path:
    """An output path with an accepted suffix in an existing, writable folder.

    An existing file is replaced only when this program wrote it (its mark:
    :func:`frontiercost._files.written_here`) or with ``overwrite``
    (``--overwrite``): never a file of the user's by accident.
    """
    path = Path(path_text)
    suffix = path.suffix.lower()
    if suffix not in suffixes:
        accepted = " or ".join(suffixes)
        raise FrontiercostError(f"{flag}: expected a {accepted} file, got {path_text!r}")
    folder = path.parent
    if not folder.is_dir():
        raise FrontiercostError(f"{flag}: folder {str(folder)!r} {not_a_folder(folder)}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise FrontiercostError(f"{flag}: folder {str(folder)!r} is not writable")
    if path.is_dir() and suffix != ".zarr":
        raise FrontiercostError(f"{flag}: {path_text!r} is a folder")
    if path.is_symlink() and not path.exists():  # replacing it would lose the link
        raise FrontiercostError(
            f"{flag}: {path_text!r} is a symbolic link to nothing; give the real path"
        )
    if path.is_symlink():  # written through (atomic_open): its target's folder must take it
        target = Path(os.path.realpath(path)).parent
        if not os.access(target, os.W_OK | os.X_OK):
            raise FrontiercostError(
                f"{flag}: {path_text!r} links to a file in {str(target)!r}, which is not writable"
            )
    special = special_kind(path)
    if special is not None:  # replacing it would break what reads from it
        raise FrontiercostError(
            f"{flag}: {path_text!r} is {special}, not a file; frontiercost writes whole"
            " files under a new name and renames them into place: choose a file name"
        )
    if suffix == ".zarr" and path.exists() and not path.is_dir():
        raise FrontiercostError(f"{flag}: {path_text!r} exists and is not a Zarr folder")
    if suffix != ".zarr" and path.is_file() and not overwrite and not written_here(path):
        unmarked = suffix in (".csv", ".txt", ".md", ".tsv", "")
        change = edited(path)
        if change:
            why = f"exists and {change}"
        elif unmarked:
            why = (
                "exists, and a text or CSV file carries no mark to tell whether this program"
                " wrote it"
            )
        else:
            why = "exists and is not a file this program wrote"
        raise FrontiercostError(
            f"{flag}: {path_text!r} {why}; choose another name, or pass --overwrite to replace it"
        )
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


def check_run_out(args: argparse.Namespace, kind: str = "run") -> Path | None:
    """``--out FILE.nc|.zarr`` checked before any work (results.files rules, ``--overwrite``).

    An existing target is replaced only when it is a frontiercost output of
    the same kind, or with ``--overwrite``; a folder that is not a Zarr store
    never is.
    """
    from ..results.files import check_out as check_run_file

    if getattr(args, "out", None) is None:  # --overwrite alone: refused in cli.main
        return None
    path = Path(args.out)
    if path.suffix.lower() not in (".nc", ".zarr"):
        raise FrontiercostError(f"--out: expected a .nc or .zarr file, got {args.out!r}")
    need_zarr("--out", path)
    return check_run_file(
        path, flag="--out", kind=kind, overwrite=bool(getattr(args, "overwrite", False))
    )


def write_tree(tree: xr.DataTree, path: Path, flag: str = "--out") -> None:
    """Write a run to ``.nc`` or ``.zarr`` atomically (``results.files.write_tree``).

    A temporary name beside the target, renamed into place when complete: an
    error or an interrupt leaves the old target as it was and no temporary.
    """
    from ..results.files import write_tree as write_run_file

    write_run_file(tree, path, flag)


def write_text(path: Path, text: str, flag: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    try:
        with atomic_open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    except OSError as err:
        raise FrontiercostError(f"{flag}: cannot write {str(path)!r}: {os_reason(err)}") from None


def result_format(args: argparse.Namespace) -> str:
    """``--format``, else from the ``--save`` suffix (``.json``, ``.csv``), else table."""
    implied = None
    if args.save is not None:
        implied = {".json": "json", ".csv": "csv", ".txt": "table"}.get(
            Path(args.save).suffix.lower()
        )
    if args.format is not None:
        if implied is not None and implied != args.format:
            raise FrontiercostError(
                f"--save: {args.save!r} names a {implied} file but --format is {args.format};"
                f" use a .{'txt' if args.format == 'table' else args.format} name, or drop"
                " --format (the suffix decides)"
            )
        return str(args.format)
    return implied or "table"


def check_save(args: argparse.Namespace) -> Path | None:
    """``--save FILE`` checked before any work: its folder exists and is writable."""
    if args.save is None:
        return None
    return check_out(args.save, "--save", (".json", ".csv", ".txt"), overwrites(args))


def emit(console: Console, text: str, save: Path | None) -> None:
    """Print a result, or write it to ``--save``."""
    if not text.endswith("\n"):
        text += "\n"
    if save is None:
        sys.stdout.write(text)
        sys.stdout.flush()
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
    """CSV text (RFC 4180 quoting); numbers in full precision, ``None`` as an empty cell,
    booleans ``true``/``false`` as in the JSON."""
    import csv
    import io

    def text(v: Any) -> Any:
        if v is None:
            return ""
        if isinstance(v, bool):
            return "true" if v else "false"
        return repr(v) if isinstance(v, float) else v

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([text(v) for v in row])
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
    """``12.3 % ± 0.4 %``; ``< 0.0025 %`` (one draw in ``n``) when no draw counted, ``> …``
    when all did; ``none of 10 draws`` / ``all of 10 draws`` below 100 draws."""
    from ..analysis.format import format_share

    if p is None:
        return "-"
    if p in (0, 1) and n and n < 100:  # a bound of one draw in n says little: "> 0 %" for one
        return f"{'all' if p == 1 else 'none'} of {n:,} draw{'s' if n > 1 else ''}"
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
    from ..analysis.format import percent_label

    return f"{percent_label(ci_prob)} {ci_kind.upper()}"


def version() -> str:
    """The package version."""
    from .._version import __version__

    return __version__


def load_scenario(name_or_path: Any, console: Console) -> Any:
    """:func:`frontiercost.load_scenario`, its notes shown on stderr (every command's way)."""
    from ..scenarios import load_scenario as load

    sc = load(name_or_path)
    console.scenario_notes(sc)
    return sc


def dollar_words(basis: str | None) -> str:
    """A dollar basis for a table: ``2025-06 USD``, ``nominal``, "not stated"..."""
    if not basis:
        return "not stated"
    if basis == "inflation_factor":
        return "the scenario's inflation_factor"
    return basis if basis.startswith("nominal") else f"{basis} USD"
