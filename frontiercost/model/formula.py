"""Formulas: a small, whitelisted arithmetic language compiled for the interpreter.

The cost model's equations are written as plain formulas
(``"chip_hours * chip_price * depreciation_rate"``).  They are parsed with
:mod:`ast` and only numbers, names, ``+ - * / **``, unary minus and the
functions ``exp log log10 sqrt min max`` are accepted, so formulas are data
(never ``eval``), and scenario files could one day carry their own.  A set of
formulas is compiled into the flat program that
:func:`frontiercost.engine._interp.formula_kernel` runs.

Numeric semantics are numpy's on float64 over the whole real line (signed
zeros, subnormals, infinities, NaN): ``+ - * /``, unary minus and ``sqrt`` are
IEEE operations (bit-identical to numpy); ``min``/``max`` are
``np.minimum``/``np.maximum`` (NaN if either argument is NaN; on a tie of
``+0.0`` and ``-0.0`` the second argument, as numpy on x86-64); ``**`` is
``np.power`` (C99 ``pow``).  ``exp``, ``log``, ``log10`` and ``**`` through
``exp(b log a)`` are fast polynomials within a few ulp of numpy (see
docs/scenarios.md for the bounds, ``tests/test_formula_domain.py`` for their
test).  A constant exponent in ``{0, 1, -1, 2, 3, 4}`` compiles to multiplies
(``x ** 2`` is ``x * x``, exact for negative ``x``), a base of 1 to 1, another
positive constant base ``c`` to ``exp(b ln c)``.

Constant sub-expressions are folded at compile time only where the fold gives
the kernel's bits (IEEE arithmetic, ``sqrt``, ``min``/``max``, the multiplied
powers, ``exp(0)`` and ``log(1)``); ``exp``, ``log`` and ``**`` of other
constants run in the kernel like any other value.  Every constant
sub-expression is still evaluated (numpy semantics) when the formula is
compiled, and one that is not a finite number (``log(0)``, ``10 ** 400``,
``(-8) ** (1/3)``) is refused there with the formula named, not met mid-run.
"""

from __future__ import annotations

import ast
import functools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from ..errors import ScenarioError

# Opcodes and layout of a compiled program (run by frontiercost.engine._interp).
CONST, ADD, SUB, MUL, DIV, POW, NEG, EXP, LOG, MIN, MAX, SQRT, COPY = range(13)
HEADER, WIDTH = 3, 5

_BINOPS: dict[type[ast.operator], int] = {
    ast.Add: ADD,
    ast.Sub: SUB,
    ast.Mult: MUL,
    ast.Div: DIV,
    ast.Pow: POW,
}
_FUNCS = {"exp": 1, "log": 1, "log10": 1, "sqrt": 1, "min": 2, "max": 2}
_INV_LN10 = 1 / math.log(10)
# Constant integer exponents compiled to multiplies (at most three roundings,
# and the same bits as the constant fold).  Other exponents, including -2 .. -4,
# go through exp/log: 1 / (x * x) would lose the subnormal results of huge x.
_MULTIPLIED_POWERS = (0.0, 1.0, -1.0, 2.0, 3.0, 4.0)


def fmin(a: float, b: float) -> float:
    """The kernel's ``min``: ``np.minimum`` (NaN propagates; ±0 tie: ``b``)."""
    return a if a < b or a != a else b


def fmax(a: float, b: float) -> float:
    """The kernel's ``max``: ``np.maximum`` (NaN propagates; ±0 tie: ``b``)."""
    return a if a > b or a != a else b


def multiplied_power(x: float, n: float) -> float:
    """``x ** n`` for ``n`` in ``_MULTIPLIED_POWERS``, in the kernel's order of operations."""
    if n == 0.0:
        return 1.0  # np.power(x, 0) is 1 even for NaN
    if n == 1.0:
        return x
    if n == -1.0:
        return _numpy(np.divide, 1.0, x)  # IEEE: 1 / ±0 is ±inf
    sq = x * x
    return sq if n == 2.0 else (sq * x if n == 3.0 else sq * sq)


class _Const(NamedTuple):
    """A constant sub-expression: its value, and whether the kernel gives exactly that value."""

    value: float
    exact: bool


def _numpy(func: Callable[..., Any], *args: float) -> float:
    with np.errstate(all="ignore"):
        return float(func(*(np.float64(a) for a in args)))


_NP_BINOPS: dict[int, Callable[..., Any]] = {
    ADD: np.add,
    SUB: np.subtract,
    MUL: np.multiply,
    DIV: np.divide,
    POW: np.power,
}
_NP_FUNCS: dict[str, Callable[..., Any]] = {
    "exp": np.exp,
    "log": np.log,
    "log10": np.log10,
    "sqrt": np.sqrt,
    "min": fmin,
    "max": fmax,
}


MAX_LENGTH = 20_000  # characters of one formula
MAX_DEPTH = 200  # nesting of operators, calls and unary signs (the compiler recurses)


def _depth(tree: ast.AST) -> int:
    """Deepest nesting of ``tree``, found without recursion."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        stack.extend((child, d + 1) for child in ast.iter_child_nodes(node))
    return deepest


def parse(expr: str) -> ast.expr:
    """Parse ``expr`` and check it uses only the whitelisted syntax.

    The tree is cached by text and shared (every point of a sweep parses the
    same formulas): read it, never change it.

    Raises
    ------
    ScenarioError
        On a syntax error or anything outside the whitelist.
    """
    if not isinstance(expr, str):
        raise ScenarioError(f"formula: expected a string, got {type(expr).__name__}")
    return _parse_checked(expr)


@functools.lru_cache(maxsize=4096)
def _parse_checked(expr: str) -> ast.expr:
    shown = expr if len(expr) <= 80 else expr[:60] + f"... ({len(expr):,} characters)"
    if len(expr) > MAX_LENGTH:
        raise ScenarioError(
            f"formula {shown!r}: longer than {MAX_LENGTH:,} characters; split it into"
            " named [formulas] entries"
        )
    try:
        tree = ast.parse(expr, mode="eval").body
    except SyntaxError as exc:
        msg = exc.msg
        if "integer string conversion" in msg:  # Python's 4,300-digit limit on int literals
            msg = "an integer with more than 4,300 digits is not a number (write 1e30, say)"
        raise ScenarioError(f"formula {shown!r}: {msg}") from None
    except (RecursionError, MemoryError):  # the parser's own nesting limit
        raise ScenarioError(
            f"formula {shown!r}: nested too deeply to parse; split it into named"
            " [formulas] entries"
        ) from None
    depth = _depth(tree)
    if depth > MAX_DEPTH:
        raise ScenarioError(
            f"formula {shown!r}: nested {depth} levels deep, more than {MAX_DEPTH}; split it"
            " into named [formulas] entries"
        )
    for node in ast.walk(tree):
        ok = isinstance(
            node,
            ast.BinOp | ast.UnaryOp | ast.Name | ast.Constant | ast.Call | ast.Load,
        ) or isinstance(node, (ast.operator, ast.unaryop))
        if isinstance(node, ast.BinOp) and type(node.op) not in _BINOPS:
            ok = False
        if isinstance(node, ast.UnaryOp) and not isinstance(node.op, ast.USub | ast.UAdd):
            ok = False
        if isinstance(node, ast.Constant) and (
            not isinstance(node.value, int | float) or isinstance(node.value, bool)
        ):
            ok = False
        if isinstance(node, ast.Call) and not (
            isinstance(node.func, ast.Name)
            and node.func.id in _FUNCS
            and len(node.args) == _FUNCS[node.func.id]
            and not node.keywords
        ):
            ok = False
        if not ok:
            raise ScenarioError(
                f"formula {expr!r}: {ast.unparse(node) if isinstance(node, ast.AST) else node} "
                "is not allowed (numbers, names, + - * / **, exp log log10 sqrt min max)"
            )
    return tree


def names_in(expr: str) -> frozenset[str]:
    """The variable names a formula reads (function names excluded)."""
    if not isinstance(expr, str):  # unhashable: parse says what is wrong
        parse(expr)
    return _names_in(expr)


@functools.lru_cache(maxsize=8192)  # route checks ask again for the same formulas
def _names_in(expr: str) -> frozenset[str]:
    tree = parse(expr)
    funcs = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return frozenset(
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in funcs
    )


class _Compiler:
    def __init__(self, inputs: Sequence[str], fold: bool = True) -> None:
        self.folding = fold
        self.reg: dict[str, int] = {name: i for i, name in enumerate(inputs)}
        self.n_in = len(inputs)
        self.n_tmp = 0
        self.ops: list[tuple[int, int, int, int, float]] = []
        self.consts: dict[tuple[float, float], int] = {}

    def _new(self) -> int:
        self.n_tmp += 1
        return self.n_in + self.n_tmp - 1

    def _emit(self, code: int, a: int = -1, b: int = -1, imm: float = 0.0) -> int:
        d = self._new()
        a = a if a >= 0 else d
        b = b if b >= 0 else a
        self.ops.append((code, d, a, b, imm))
        return d

    def const(self, value: float) -> int:
        key = (value, math.copysign(1.0, value))  # 0.0 == -0.0, but they are two constants
        if key not in self.consts:
            self.consts[key] = self._emit(CONST, imm=value)
        return self.consts[key]

    def fold(self, node: ast.expr) -> _Const | None:
        """The value of a constant sub-expression (numpy semantics), else None.

        Raises
        ------
        ScenarioError
            When the value is not a finite number.
        """
        c: _Const | None = None
        if isinstance(node, ast.Constant):  # parse() lets numbers through only
            try:
                c = _Const(float(node.value), True)  # type: ignore[arg-type]
            except OverflowError:  # an integer literal beyond float range
                c = _Const(math.inf, True)
        elif isinstance(node, ast.UnaryOp):
            v = self.fold(node.operand)
            c = None if v is None else (_Const(-v.value, v.exact) if _neg(node) else v)
        elif isinstance(node, ast.BinOp):
            a, b = self.fold(node.left), self.fold(node.right)
            if a is not None and b is not None:
                code = _BINOPS[type(node.op)]
                c = _Const(_numpy(_NP_BINOPS[code], a.value, b.value), a.exact and b.exact)
                if code == POW and c.exact:
                    if b.value in _MULTIPLIED_POWERS:
                        c = _Const(multiplied_power(a.value, b.value), True)
                    else:  # 1 ** b is 1; other powers go through the kernel's exp
                        c = _Const(c.value, a.value == 1.0)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            args = [self.fold(a) for a in node.args]
            if all(a is not None for a in args):
                vals = [a.value for a in args if a is not None]
                exact = all(a is not None and a.exact for a in args)
                name = node.func.id
                if name in ("exp", "log", "log10"):  # only exp(0) = 1 and log(1) = 0 are sure
                    exact = exact and vals[0] == (0.0 if name == "exp" else 1.0)
                c = _Const(_numpy(_NP_FUNCS[name], *vals), exact)
        if c is not None and not math.isfinite(c.value) and isinstance(node, ast.Constant):
            # ast.unparse shows 1e400 as "1e309"
            raise ScenarioError(
                "a number in it is beyond float64's range (above 1.8e308): a constant part"
                " must be a finite number"
            )
        if c is not None and not math.isfinite(c.value):
            raise ScenarioError(
                f"{ast.unparse(node)} is {c.value} (a constant part must be a finite number)"
            )
        return c

    def expr(self, node: ast.expr) -> int:
        c = self.fold(node)
        if c is not None and c.exact and (self.folding or isinstance(node, ast.Constant)):
            return self.const(c.value)
        if isinstance(node, ast.Name):
            return self.reg[node.id]
        if isinstance(node, ast.UnaryOp):
            inner = self.expr(node.operand)
            return self._emit(NEG, inner) if _neg(node) else inner
        if isinstance(node, ast.BinOp):
            code = _BINOPS[type(node.op)]
            if code == POW:
                return self.power(node.left, node.right)
            return self._emit(code, self.expr(node.left), self.expr(node.right))
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        args = [self.expr(a) for a in node.args]
        name = node.func.id
        if name == "log10":
            return self._emit(MUL, self._emit(LOG, args[0]), self.const(_INV_LN10))
        codes = {"exp": EXP, "log": LOG, "sqrt": SQRT, "min": MIN, "max": MAX}
        return self._emit(codes[name], *args)

    def power(self, left: ast.expr, right: ast.expr) -> int:
        """``left ** right``, not both exactly known constants."""
        e, base = self.fold(right), self.fold(left)
        if e is not None and e.exact and e.value in _MULTIPLIED_POWERS:
            if e.value == 0.0:
                return self.const(1.0)
            x = self.expr(left)
            if e.value == 1.0:
                return x
            if e.value == -1.0:
                return self._emit(DIV, self.const(1.0), x)
            sq = self._emit(MUL, x, x)
            return sq if e.value == 2.0 else self._emit(MUL, sq, sq if e.value == 4.0 else x)
        if base is not None and base.exact and base.value == 1.0:
            return self.const(1.0)  # np.power(1, b) is 1 even for inf or NaN b
        if base is not None and base.exact and base.value > 0.0:
            # c ** e = exp(e ln c): one exp per draw instead of exp and log
            ln = math.log(base.value)
            if e is not None and e.exact and self.folding:
                return self._emit(EXP, self.const(e.value * ln))
            return self._emit(EXP, self._emit(MUL, self.expr(right), self.const(ln)))
        return self._emit(POW, self.expr(left), self.expr(right))


def _neg(node: ast.UnaryOp) -> bool:
    return isinstance(node.op, ast.USub)


def compile_program(
    inputs: Sequence[str],
    formulas: Mapping[str, str],
    outputs: Sequence[str],
    *,
    fold: bool = True,
) -> np.ndarray:
    """Compile formulas into an interpreter program.

    Parameters
    ----------
    inputs : sequence of str
        Input names, in the kernel's row order.
    formulas : mapping of str to str
        ``name -> formula``, in an order where each formula reads only inputs
        and formulas before it.
    outputs : sequence of str
        Names (inputs or formulas) to write to the output rows, in order.
    fold : bool, default True
        Fold constant sub-expressions into one constant where that gives the
        kernel's bits.  ``False`` leaves them to the kernel (the same program
        otherwise), which is how the tests check that claim.  Constants are
        checked for finiteness either way.

    Returns
    -------
    numpy.ndarray
        The program, to be passed as ``Model.consts``.
    """
    c = _Compiler(inputs, fold)
    for name, expr in formulas.items():
        missing = names_in(expr) - set(c.reg)
        if missing:
            raise ScenarioError(f"formula {name} = {expr!r} reads unknown {sorted(missing)}")
        tree = parse(expr)
        try:
            c.reg[name] = c.expr(tree)
        except ScenarioError as err:
            raise ScenarioError(f"formula {name} = {expr!r}: {err}") from None
    header = [float(c.n_tmp), float(len(c.ops)), float(len(outputs))]
    body = [float(v) for o in c.ops for v in o]
    return np.array(header + body + [float(c.reg[o]) for o in outputs], dtype=np.float64)
