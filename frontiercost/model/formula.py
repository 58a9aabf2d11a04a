"""Formulas: a small, whitelisted arithmetic language compiled for the interpreter.

The cost model's equations are written as plain formulas
(``"chip_hours * chip_price * depreciation_rate"``).  They are parsed with
:mod:`ast` and only numbers, names, ``+ - * / **``, unary minus and the
functions ``exp log log10 sqrt min max`` are accepted, so formulas are data
(never ``eval``), and scenario files could one day carry their own.  A set of
formulas is compiled into the flat program that
:func:`frontiercost.engine._interp.formula_kernel` runs.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping, Sequence

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
_MATH: dict[str, Callable[..., float]] = {
    "exp": math.exp,
    "log": math.log,
    "log10": math.log10,
    "sqrt": math.sqrt,
    "min": min,
    "max": max,
}
_PY = {
    ADD: lambda a, b: a + b,
    SUB: lambda a, b: a - b,
    MUL: lambda a, b: a * b,
    DIV: lambda a, b: a / b,
    POW: lambda a, b: a**b,
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

    Raises
    ------
    ScenarioError
        On a syntax error or anything outside the whitelist.
    """
    if not isinstance(expr, str):
        raise ScenarioError(f"formula: expected a string, got {type(expr).__name__}")
    shown = expr if len(expr) <= 80 else expr[:60] + f"... ({len(expr):,} characters)"
    if len(expr) > MAX_LENGTH:
        raise ScenarioError(
            f"formula {shown!r}: longer than {MAX_LENGTH:,} characters; split it into"
            " named [formulas] entries"
        )
    try:
        tree = ast.parse(expr, mode="eval").body
    except SyntaxError as exc:
        raise ScenarioError(f"formula {shown!r}: {exc.msg}") from None
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
    tree = parse(expr)
    funcs = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return frozenset(
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in funcs
    )


class _Compiler:
    def __init__(self, inputs: Sequence[str]) -> None:
        self.reg: dict[str, int] = {name: i for i, name in enumerate(inputs)}
        self.n_in = len(inputs)
        self.n_tmp = 0
        self.ops: list[tuple[int, int, int, int, float]] = []
        self.consts: dict[float, int] = {}

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
        if value not in self.consts:
            self.consts[value] = self._emit(CONST, imm=value)
        return self.consts[value]

    def fold(self, node: ast.expr) -> float | None:
        """The value of a constant sub-expression, else None."""
        if isinstance(node, ast.Constant):
            return float(node.value)  # type: ignore[arg-type]  # parse() allows numbers only
        if isinstance(node, ast.UnaryOp):
            v = self.fold(node.operand)
            return None if v is None else (-v if isinstance(node.op, ast.USub) else v)
        value = None
        try:
            if isinstance(node, ast.BinOp):
                a, b = self.fold(node.left), self.fold(node.right)
                if a is not None and b is not None:
                    value = float(_PY[_BINOPS[type(node.op)]](a, b))
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                args = [self.fold(a) for a in node.args]
                if all(a is not None for a in args):
                    value = float(_MATH[node.func.id](*args))
        except (ArithmeticError, ValueError) as exc:
            raise ScenarioError(f"{ast.unparse(node)} cannot be evaluated ({exc})") from None
        if value is not None and not math.isfinite(value):
            raise ScenarioError(f"{ast.unparse(node)} is not a finite number")
        return value

    def expr(self, node: ast.expr) -> int:
        value = self.fold(node)
        if value is not None:
            return self.const(value)
        if isinstance(node, ast.Name):
            return self.reg[node.id]
        if isinstance(node, ast.UnaryOp):
            inner = self.expr(node.operand)
            return self._emit(NEG, inner) if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.BinOp):
            code = _BINOPS[type(node.op)]
            base = self.fold(node.left)
            if code == POW and base is not None and base > 0:
                # c ** e = exp(e ln c): one exp per draw instead of exp and log
                e = self.expr(node.right)
                return self._emit(EXP, self._emit(MUL, e, self.const(math.log(base))))
            return self._emit(code, self.expr(node.left), self.expr(node.right))
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        args = [self.expr(a) for a in node.args]
        name = node.func.id
        if name == "log10":
            return self._emit(MUL, self._emit(LOG, args[0]), self.const(1 / math.log(10)))
        codes = {"exp": EXP, "log": LOG, "sqrt": SQRT, "min": MIN, "max": MAX}
        return self._emit(codes[name], *args)


def compile_program(
    inputs: Sequence[str], formulas: Mapping[str, str], outputs: Sequence[str]
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

    Returns
    -------
    numpy.ndarray
        The program, to be passed as ``Model.consts``.
    """
    c = _Compiler(inputs)
    for name, expr in formulas.items():
        missing = names_in(expr) - set(c.reg)
        if missing:
            raise ScenarioError(f"formula {name} = {expr!r} reads unknown {sorted(missing)}")
        c.reg[name] = c.expr(parse(expr))
    header = [float(c.n_tmp), float(len(c.ops)), float(len(outputs))]
    body = [float(v) for o in c.ops for v in o]
    return np.array(header + body + [float(c.reg[o]) for o in outputs], dtype=np.float64)
