"""Readable numbers and plain-text tables for the command line.

Money prints as ``$40.6M``, shares as ``44.5 %``, other values with their
unit (``57M h``, ``2.1e25 FLOP``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))
# Units whose values read best in scientific notation whatever their size.
_SCIENTIFIC_UNITS = frozenset({"FLOP", "FLOP/s", "USD/FLOP"})


def _sig(x: float, digits: int = 3) -> str:
    """``x`` to ``digits`` significant digits, without trailing zeros (``1.2``, ``40.6``)."""
    return f"{x:.{digits}g}"


def _scaled(x: float, digits: int = 3) -> str:
    """``x`` with a k/M/B/T suffix when it is 1,000 or more (``40.6M``)."""
    rounded = abs(float(_sig(x, digits)))  # 999,960 rounds to 1e6: '1M', not '1e+03k'
    if rounded >= 1000 * _SUFFIXES[0][0]:
        return _scientific(x, digits)
    for scale, suffix in _SUFFIXES:
        if rounded >= scale:
            return _sig(x / scale, digits) + suffix
    if rounded >= 1e-3 or rounded == 0:
        return _sig(x, digits)
    return _scientific(x, digits)


def _scientific(x: float, digits: int = 3) -> str:
    """``2.1e25``: mantissa to ``digits`` significant digits, bare exponent."""
    mantissa, exponent = f"{x:.{digits - 1}e}".split("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


def format_usd(x: float, digits: int = 3) -> str:
    """Money: ``$40.6M``, ``$1.2B``, ``$14.2k``, ``$0.521``, ``-$3M``.

    Parameters
    ----------
    x : float
        Amount in US dollars.
    digits : int
        Significant digits (trailing zeros dropped).
    """
    if x is None or not math.isfinite(x):  # None: a record's non-finite number
        return str(float("nan") if x is None else x)
    sign = "-" if x < 0 else ""
    return f"{sign}${_scaled(abs(x), digits)}"


def format_share(x: float, digits: int = 3) -> str:
    """A fraction as a percentage: ``0.4452 -> '44.5 %'``."""
    if x is None or not math.isfinite(x):  # None: a record's non-finite number
        return str(float("nan") if x is None else x)
    return f"{_near_one(100 * x + 0.0, x, digits, 2)} %"  # + 0.0: -0.0 reads "0 %"


def percent_label(x: float) -> str:
    """A probability as a label: ``90%``, ``97.5%``, ``99.99%`` (never ``100%`` below 1)."""
    return format_share(x).replace(" %", "%")


def format_fraction(x: float, digits: int = 3) -> str:
    """A probability as a fraction: ``0.329``; near 1 ``0.99972``, not ``1``."""
    return _near_one(x, x, digits, 0)


def _near_one(shown: float, x: float, digits: int, shift: int) -> str:
    """``shown`` (``x`` times ``10**shift``) to ``digits`` significant digits, and for
    ``x`` in (0.5, 1) to two significant digits of ``1 - x``: near 1 the tail is the
    figure (0.99972 read "100 %", hiding the 0.028 % below it)."""
    text = _sig(shown, digits)
    if 0.5 < x < 1:
        decimals = min(max(1 - math.floor(math.log10(1 - x)) - shift, 0), 17)
        near = f"{shown:.{decimals}f}".rstrip("0").rstrip(".")
        if "e" in text or len(text.partition(".")[2]) < len(near.partition(".")[2]):
            text = near
    return text


def format_value(x: float, unit: str, digits: int = 3, show_unit: bool = True) -> str:
    """A value with its unit: money as :func:`format_usd`, FLOP in scientific notation.

    ``unit`` ``"1"`` (dimensionless) prints the bare number; any other unit is
    appended (``57M h``, ``2.1e25 FLOP``, ``0.521 USD/h``) unless
    ``show_unit`` is false (for tables with a unit column; ``$`` stays).
    """
    if x == 0:
        x = 0.0  # -0.0 (an upper bound of non-positive draws) prints as 0
    if x is None or not math.isfinite(x):
        text = str(x)
    elif unit == "USD":
        return format_usd(x, digits)
    elif unit in _SCIENTIFIC_UNITS:
        text = _scientific(x, digits) if x != 0 else "0"
    elif unit == "yr" and abs(x) >= 1000:  # a date as a decimal year: 2022.37
        text = f"{x:.2f}"
    else:
        text = _scaled(x, digits)
    return text if unit in ("1", "") or not show_unit else f"{text} {unit}"


def format_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], align: str = "", gap: int = 2
) -> list[str]:
    """Lines of a plain-text table.

    Parameters
    ----------
    header : sequence of str
        Column titles.
    rows : sequence of sequences of str
        Cells, already formatted.
    align : str
        One letter per column, ``l`` (left) or ``r`` (right); columns not
        covered are left-aligned if first, right-aligned otherwise.
    gap : int
        Spaces between columns.
    """
    widths = [len(h) for h in header]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    how = [align[i] if i < len(align) else ("l" if i == 0 else "r") for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        parts = [
            c.ljust(w) if a == "l" else c.rjust(w)
            for c, w, a in zip(cells, widths, how, strict=True)
        ]
        return (" " * gap).join(parts).rstrip()

    return [line(header), *(line(r) for r in rows)]


# The parts of amortized_cost (docs/model.md §3.2) and their labels.
COMPONENTS = {
    "chip_cost": "chips",
    "other_server_cost": "other server",
    "interconnect_cost": "interconnect",
    "energy_cost": "energy",
}
