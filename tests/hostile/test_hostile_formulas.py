"""Hostile formulas: the sandbox refuses everything but arithmetic, and arithmetic is numpy's.

Refusals go through ``frontiercost validate`` (exit 2, one line naming the file
and the formula's key). Values go end to end: a scenario's own parameters (which
have no domain, so they may be negative, zero, subnormal or huge) are fixed,
the formula is loaded from a scenario and evaluated by the compiled interpreter
(``frontiercost.evaluate``), and the result is compared with numpy on the same
float64 inputs. Tolerances are docs/scenarios.md's ("What a formula computes"):
exact for ``+ - * /``, unary minus, ``sqrt``, ``min``, ``max``; 1 ulp for exp,
3 for log, 5 for log10, ``4 (1 + |b ln|a||)`` for a variable ``a ** b``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hostile_common import BASE, clear_error
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import frontiercost as fc
from frontiercost import Scenario

pytestmark = pytest.mark.e2e

ALLOWED = "(numbers, names, + - * / **, exp log log10 sqrt min max)"

REFUSED = [
    ("attribute access", "chip_hours.real", ALLOWED),
    ("dunder attribute", "chip_hours.__class__", ALLOWED),
    ("dunder call", "__import__('os')", ALLOWED),
    ("import statement", "import os", "invalid syntax"),
    ("lambda", "(lambda: 1)()", ALLOWED),
    ("subscript", "chip_hours[0]", ALLOWED),
    ("string", "'a'", ALLOWED),
    ("comparison", "chip_hours > 1", ALLOWED),
    ("boolean operator", "chip_hours and 1", ALLOWED),
    ("unknown function", "abs(chip_hours)", ALLOWED),
    ("eval", "eval('1')", ALLOWED),
    ("keyword argument", "max(chip_hours, b=2)", ALLOWED),
    ("max of one", "max(chip_hours)", ALLOWED),
    ("max of three", "max(chip_hours, 1, 2)", ALLOWED),
    ("exp of two", "exp(chip_hours, 2)", ALLOWED),
    ("starred argument", "max(*chip_hours)", ALLOWED),
    ("walrus", "(y := 2)", ALLOWED),
    ("conditional", "1 if chip_hours else 2", ALLOWED),
    ("floor division", "chip_hours // 2", ALLOWED),
    ("modulo", "chip_hours % 2", ALLOWED),
    ("bitwise xor", "chip_hours ^ 2", ALLOWED),
    ("matrix product", "chip_hours @ 2", ALLOWED),
    ("complex literal", "2j", ALLOWED),
    ("list", "[1, 2]", ALLOWED),
    ("True", "True", ALLOWED),
    ("None", "None", ALLOWED),
    ("f-string", "f'{chip_hours}'", ALLOWED),
    ("generator", "max(x for x in [1])", ALLOWED),
    ("empty", "", "invalid syntax"),
    ("semicolon", "chip_hours; 1", "invalid syntax"),
    (
        "name that is not a quantity",
        "chip_hourz * 2",
        "reads unknown ['chip_hourz'] (did you mean 'chip_hours'?)",
    ),
    ("nan is not a name", "nan * chip_hours", "reads unknown ['nan']"),
    ("inf is not a name", "inf", "reads unknown ['inf']"),
    ("reads itself", "x + 1", "reads x itself: a formula computes its name from others"),
    ("a number beyond float64", "1e400 * chip_hours", "a number in it is beyond float64's range"),
    ("log of 0", "log(0)", "log(0) is -inf (a constant part must be a finite number)"),
    ("10 ** 400", "10 ** 400", "10 ** 400 is inf"),
    ("1 / 0", "1 / 0", "1 / 0 is inf"),
    ("exp(1000)", "exp(1000)", "exp(1000) is inf"),
    ("cube root of -8", "(-8) ** (1 / 3)", "is nan"),
    (
        "integer of 5000 digits",
        "9" * 5000,
        "an integer with more than 4,300 digits is not a number",
    ),
    ("2000 parentheses", "(" * 2000 + "chip_hours" + ")" * 2000, "too many nested parentheses"),
    ("10,000 unary minuses", "-" * 10000 + "chip_hours", "nested too deeply to parse; split it"),
    (
        "1,000 terms",
        " + ".join(["chip_hours"] * 1000),
        "nested 1001 levels deep, more than 200; split it",
    ),
    (
        "100,000 terms",
        " + ".join(["chip_hours"] * 100_000),
        "longer than 20,000 characters; split it",
    ),
]


@pytest.mark.parametrize(
    ("expr", "message"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED]
)
def test_the_sandbox_refuses(capsys, tmp_path: Path, expr: str, message: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "s.toml"
    path.write_text(BASE + "[formulas]\nx = " + repr(expr).replace("\\\\", "\\") + "\n")
    clear_error(capsys, ["validate", str(path)], f"{path}:10 x: ", message, folder=tmp_path)


def test_a_refused_formula_runs_nothing(tmp_path: Path) -> None:
    """The sandbox refuses before anything runs: the import would have made the file."""
    marker = tmp_path / "pwned"
    expr = f"__import__('pathlib').Path('{marker}').touch()"
    with pytest.raises(fc.ScenarioError, match="is not allowed"):
        Scenario.from_dict(
            {
                "scenario": {"title": "t", "year": 2024},
                "parameters": {"chip_hours": 1e7, "cloud_price": 2.0, "inflation_factor": 1.0},
                "formulas": {"x": expr},
            }
        )
    assert not marker.exists()


# ---------------------------------------------------------------- values


def _evaluate(formula: str, **values: float) -> float:
    """The formula's value through the compiled interpreter, from a loaded scenario."""
    sc = Scenario.from_dict(
        {
            "scenario": {"title": "t", "year": 2024},
            "parameters": {
                "chip_hours": 1e7,
                "cloud_price": 2.0,
                "inflation_factor": 1.0,
                **values,
            },
            "formulas": {"x": formula, **{f"reads_{k}": k for k in values}},
        }
    )
    return float(fc.evaluate(sc)["x"])


def _ulps(a: float, b: float) -> float:
    """Distance in representable float64 numbers; NaN must meet NaN and signs must match."""
    if math.isnan(a) or math.isnan(b):
        return 0.0 if math.isnan(a) and math.isnan(b) else math.inf
    if math.copysign(1, a) != math.copysign(1, b) and (a != 0 or b != 0):
        return math.inf
    if a == b:
        return 0.0 if math.copysign(1, a) == math.copysign(1, b) else math.inf

    def key(x: float) -> int:
        i = int(np.float64(abs(x)).view(np.int64))
        return i if x >= 0 else -i

    return float(abs(key(a) - key(b)))


FINITE = st.floats(allow_nan=False, allow_infinity=False, width=64)
PROPERTY = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


def _numpy(op: str, a: float, b: float) -> float:
    x, y = np.float64(a), np.float64(b)
    with np.errstate(all="ignore"):
        return float(
            {
                "a + b": lambda: x + y,
                "a - b": lambda: x - y,
                "a * b": lambda: x * y,
                "a / b": lambda: x / y,
                "-a": lambda: -x,
                "min(a, b)": lambda: np.minimum(x, y),
                "max(a, b)": lambda: np.maximum(x, y),
                "sqrt(a)": lambda: np.sqrt(x),
                "exp(a)": lambda: np.exp(x),
                "log(a)": lambda: np.log(x),
                "log10(a)": lambda: np.log10(x),
                "a ** b": lambda: np.power(x, y),
            }[op]()
        )


EXACT = ["a + b", "a - b", "a * b", "a / b", "-a", "min(a, b)", "max(a, b)", "sqrt(a)"]


@pytest.mark.parametrize("op", EXACT)
@PROPERTY
@given(a=FINITE, b=FINITE)
def test_arithmetic_is_numpys_to_the_bit(op: str, a: float, b: float) -> None:
    assert _ulps(_evaluate(op, a=a, b=b), _numpy(op, a, b)) == 0


@pytest.mark.parametrize(("op", "bound"), [("exp(a)", 1), ("log(a)", 3), ("log10(a)", 5)])
@PROPERTY
@given(a=FINITE)
def test_functions_are_numpys_within_their_ulps(op: str, bound: int, a: float) -> None:
    assert _ulps(_evaluate(op, a=a, b=1.0), _numpy(op, a, 1.0)) <= bound


@PROPERTY
@given(a=FINITE, b=st.floats(min_value=-400, max_value=400))
def test_a_variable_power_is_numpys_within_the_documented_bound(a: float, b: float) -> None:
    got, want = _evaluate("a ** b", a=a, b=b), _numpy("a ** b", a, b)
    with np.errstate(all="ignore"):
        scale = abs(b * math.log(abs(a))) if a != 0 else 0.0
    bound = 4 * (1 + scale) if math.isfinite(want) and want != 0 else 0
    assert _ulps(got, want) <= bound, (a, b, got, want)


SPECIAL = [
    # (formula, a, b): negative, zero, subnormal, huge; inf and NaN come from overflow
    ("a * b", 1e308, 10.0),
    ("a * b", -1e308, 10.0),
    ("a * b - a * b", 1e308, 10.0),
    ("a / b", 5e-324, 2.0),
    ("a / b", -5e-324, 2.0),
    ("a * b", 5e-324, 0.5),
    ("a / b", 1.0, 0.0),
    ("a / b", -1.0, 0.0),
    ("a / b", 0.0, 0.0),
    ("a / b", -0.0, 1.0),
    ("sqrt(a)", -0.0, 1.0),
    ("sqrt(a)", -1.0, 1.0),
    ("sqrt(a)", 5e-324, 1.0),
    ("log(a)", 0.0, 1.0),
    ("log(a)", -0.0, 1.0),
    ("log(a)", -1.0, 1.0),
    ("log(a)", 5e-324, 1.0),
    ("log10(a)", 1e-310, 1.0),
    ("log(a * b)", 1e308, 10.0),
    ("exp(a)", 709.78, 1.0),
    ("exp(a)", 710.0, 1.0),
    ("exp(a)", -745.2, 1.0),
    ("exp(a)", -746.0, 1.0),
    ("exp(a * b)", 1e308, 10.0),
    ("exp(-a * b)", 1e308, 10.0),
    ("min(a, b)", 0.0, -0.0),
    ("min(a, b)", -0.0, 0.0),
    ("max(a, b)", 0.0, -0.0),
    ("max(a * b - a * b, 1)", 1e308, 10.0),
    ("min(a * b, 1)", 1e308, 10.0),
    ("a ** b", -2.0, 2.0),
    ("a ** b", 0.0, -1.0),
    ("a ** b", -0.0, -1.0),
    ("a ** b", 0.0, 0.0),
    ("a ** b", -1.0, 0.5),
    ("a ** b", 1.0, 1e308),
    ("(a * b - a * b) ** 0", 1e308, 10.0),
    ("1 ** (a * b - a * b)", 1e308, 10.0),
    ("(-1) ** (a * b)", 1e308, 10.0),
    ("a ** 2", 1e200, 1.0),
    ("a ** -1", -0.0, 1.0),
    ("a ** 0.5", -0.0, 1.0),
    ("-a ** 2", 3.0, 1.0),
    ("2 ** 3 ** a", 2.0, 1.0),
]


@pytest.mark.parametrize(
    ("formula", "a", "b"), SPECIAL, ids=[f"{c[0]} at {c[1]!r},{c[2]!r}" for c in SPECIAL]
)
def test_special_values_are_numpys(formula: str, a: float, b: float) -> None:
    names = {"a": np.float64(a), "b": np.float64(b)}
    py = formula.replace("min(", "np.minimum(").replace("max(", "np.maximum(")
    for f in ("sqrt", "exp", "log10", "log"):
        py = py.replace(f"{f}(", f"np.{f}(") if f != "log" else py.replace("log(", "np.log(")
    py = py.replace("np.np.log10(", "np.log10(").replace("np.log10(", "np.log10(")
    py = py.replace("**", "__POW__")
    with np.errstate(all="ignore"):
        want = float(eval(_as_power(py), {"np": np, "pw": _pow}, names))  # numpy, not us
    got = _evaluate(formula, a=a, b=b)
    tol = 0 if "exp" not in formula and "log" not in formula and "**" not in formula else 5
    if "**" in formula and math.isfinite(want) and want != 0:
        tol = 8
    assert _ulps(got, want) <= tol, (got, want)


def _pow(x: float, y: float) -> float:
    """``np.power`` on arrays: C99 ``pow`` (numpy's scalar ``x ** 0.5`` shortcut is sqrt)."""
    return float(np.power(np.asarray([x], float), np.asarray([y], float))[0])


def _as_power(expr: str) -> str:
    """``x __POW__ y`` as ``pw(x, y)`` keeping Python's precedence (right-assoc, above unary)."""
    import ast

    class Pow(ast.NodeTransformer):
        def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
            self.generic_visit(node)
            if isinstance(node.op, ast.Pow):
                return ast.Call(ast.Name("pw", ast.Load()), [node.left, node.right], [])
            return node

    tree = ast.parse(expr.replace("__POW__", "**"), mode="eval")
    return ast.unparse(ast.fix_missing_locations(Pow().visit(tree)))


def test_a_deep_but_allowed_formula_is_computed() -> None:
    """200 nested parentheses and a 150-term sum: within the limits, and exact."""
    deep = "(" * 200 + "a" + ")" * 200
    assert _evaluate(deep + " * b", a=3.0, b=7.0) == 21.0
    terms = " + ".join(["a"] * 150)
    want = np.float64(0.0)
    for _ in range(150):
        want = want + np.float64(0.1)
    assert _evaluate(terms, a=0.1, b=1.0) == float(want)
