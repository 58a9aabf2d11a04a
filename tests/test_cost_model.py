"""The formula language, its interpreter kernel, and how the cost model resolves routes.

Sources of truth: plain numpy evaluation of the same formula (the compiled
kernel must reproduce it), and docs/model.md §3 for which route a scenario takes.

Measured accuracy of the compiled kernel against numpy (1e6 random inputs,
``tests`` below assert bounds a little above these):

- ``+ - * /``, ``min``, ``max``, unary minus, ``sqrt``: bit-identical;
- ``exp``: at most 1 ulp (relative 2.2e-16); ``log``: 3 ulp (4.5e-16);
  ``log10``: 4 ulp (5.1e-16);
- ``a ** b`` (computed as ``exp(b log a)``): relative error grows with
  ``|b ln a|``, about ``|b ln a| x 2e-16``: 8e-15 for ``|b ln a|`` up to 70,
  1.4e-14 for ``10 ** x`` with ``|x|`` up to 30 (values 1e-30 .. 1e30); the
  cost model's exponents (``-depreciation_rate x hardware_age``, a few years
  of growth) stay below 1e-15.
"""

from __future__ import annotations

import ast
import math
from pathlib import Path

import numba
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from frontiercost import ScenarioError, load_scenario
from frontiercost.engine._interp import formula_kernel
from frontiercost.model import QUANTITIES, needed_inputs, resolve
from frontiercost.model import formula as op
from frontiercost.model.formula import compile_program, names_in, parse

EPS = 2.0**-52


@numba.njit
def _call(kernel, x, out, n, consts):  # type: ignore[no-untyped-def]
    kernel(x, out, n, consts)  # the compiled cfunc, as the engine calls it


def run_kernel(expr: str, columns: dict[str, np.ndarray]) -> np.ndarray:
    """``expr`` evaluated by the compiled interpreter kernel."""
    names = list(columns)
    x = np.ascontiguousarray(np.array([columns[n] for n in names], dtype=np.float64))
    program = compile_program(names, {"result": expr}, ["result"])
    out = np.empty((1, x.shape[1]))
    _call(formula_kernel, x, out, x.shape[1], program)
    return out[0]


_NP_BINOPS = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide}
_NP_FUNCS = {
    "exp": np.exp,
    "log": np.log,
    "log10": np.log10,
    "sqrt": np.sqrt,
    "min": np.minimum,
    "max": np.maximum,
}


def run_numpy(expr: str, columns: dict[str, np.ndarray]) -> np.ndarray:
    """``expr`` evaluated with plain numpy, node by node (the reference)."""

    def ev(node: ast.expr) -> np.ndarray | float:
        if isinstance(node, ast.Constant):
            return float(node.value)  # type: ignore[arg-type]
        if isinstance(node, ast.Name):
            return columns[node.id]
        if isinstance(node, ast.UnaryOp):
            v = ev(node.operand)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BinOp):
            a, b = ev(node.left), ev(node.right)
            if isinstance(node.op, ast.Pow):
                return np.power(a, b)
            return _NP_BINOPS[type(node.op)](a, b)  # type: ignore[no-any-return]
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        return _NP_FUNCS[node.func.id](*(ev(a) for a in node.args))  # type: ignore[no-any-return]

    n = len(next(iter(columns.values())))
    with np.errstate(all="ignore"):
        return np.broadcast_to(np.asarray(ev(parse(expr)), dtype=np.float64), (n,)).copy()


def _ops(program: np.ndarray) -> list[tuple[int, float]]:
    """(opcode, immediate) of each op of a compiled program."""
    n_ops = int(program[1])
    body = program[op.HEADER : op.HEADER + op.WIDTH * n_ops].reshape(n_ops, op.WIDTH)
    return [(int(row[0]), float(row[4])) for row in body]


# --- the whitelist ------------------------------------------------------------------


@pytest.mark.parametrize(
    "expr",
    [
        "chip_count.__class__",  # attribute access
        "open('/etc/passwd')",  # a call outside the whitelist
        "__import__('os')",
        "print(chip_count)",
        "lambda: 1",
        "chip_count[0]",  # subscript
        "chip_count < 3",  # comparison
        "1 if chip_count else 2",
        "chip_count and 2",
        "not chip_count",
        "'text'",  # strings
        "f'{chip_count}'",
        "[chip_count]",
        "(x := 2)",
        "chip_count % 7",
        "chip_count // 7",
        "~chip_count",
        "min(chip_count)",  # wrong arity
        "exp(chip_count, 2)",
        "exp(x=chip_count)",  # keywords
        "exp(*chip_count)",
        "math.exp(chip_count)",
        "None",
        "1j * chip_count",
    ],
)
def test_parse_rejects_everything_outside_the_whitelist(expr: str) -> None:
    with pytest.raises(ScenarioError, match="is not allowed"):
        parse(expr)


def test_parse_rejects_booleans() -> None:
    with pytest.raises(ScenarioError, match="is not allowed"):
        parse("True + chip_count")


def test_parse_reports_syntax_errors() -> None:
    with pytest.raises(ScenarioError, match="formula 'chip_count \\+'"):
        parse("chip_count +")


def test_whitelisted_syntax_parses_and_names_exclude_functions() -> None:
    expr = "-a + b * 2.5 / c ** 2 - exp(d) + log(e) + log10(f) + sqrt(g) + min(h, 1) + max(1, k)"
    parse(expr)
    assert names_in(expr) == set("abcdefghk")


# --- compilation --------------------------------------------------------------------


def test_constant_subexpressions_are_folded() -> None:
    program = compile_program(["x"], {"y": "x * (2 * 3 + 1) + log(1) * 4"}, ["y"])
    ops = _ops(program)
    consts = [imm for code, imm in ops if code == op.CONST]
    assert sorted(consts) == [0.0, 7.0]  # (2 * 3 + 1) and log(1) * 4, each one constant
    assert [code for code, _ in ops if code != op.CONST] == [op.MUL, op.ADD]


def test_power_of_a_constant_base_is_one_exp() -> None:
    ops = _ops(compile_program(["x"], {"y": "10 ** x"}, ["y"]))
    assert [code for code, _ in ops] == [op.CONST, op.MUL, op.EXP]
    assert ops[0][1] == pytest.approx(math.log(10), rel=1e-16)
    ops = _ops(compile_program(["x"], {"y": "x ** 2.5"}, ["y"]))
    assert op.POW in [code for code, _ in ops]  # a variable base keeps exp(b log a)
    ops = _ops(compile_program(["x"], {"y": "x ** 2"}, ["y"]))
    assert [code for code, _ in ops] == [op.MUL]  # small integer powers are multiplies


def test_compile_rejects_unknown_names() -> None:
    with pytest.raises(ScenarioError, match="reads unknown \\['z'\\]"):
        compile_program(["x"], {"y": "x + z"}, ["y"])


# --- the kernel against numpy -------------------------------------------------------

_LEAF = st.sampled_from(["a", "b", "c"]) | st.floats(0.5, 4.0).map(repr)


def _extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, st.sampled_from("+-*/"), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(st.sampled_from(["min", "max"]), inner, inner).map(
            lambda t: f"{t[0]}({t[1]}, {t[2]})"
        ),
        inner.map(lambda s: f"(-{s})"),
    )


_ARITHMETIC = st.recursive(_LEAF, _extend, max_leaves=14)
_COLUMN = st.lists(st.floats(0.1, 10.0), min_size=3, max_size=3)


@settings(max_examples=150, deadline=None)
@given(expr=_ARITHMETIC, rows=st.lists(_COLUMN, min_size=1, max_size=40))
def test_kernel_arithmetic_matches_numpy_exactly(expr: str, rows: list[list[float]]) -> None:
    """+ - * / min max and unary minus: bit-identical to numpy (so relative error 0 < 1e-12)."""
    cols = dict(zip("abc", np.array(rows).T, strict=True))
    ref = run_numpy(expr, cols)
    assume(np.all(np.isfinite(ref)))  # min/max of NaN is not specified (numpy propagates it)
    np.testing.assert_array_equal(run_kernel(expr, cols), ref)


_POSITIVE = st.floats(1e-3, 1e3)
_EXPONENT = st.floats(-8.0, 8.0)


@settings(max_examples=100, deadline=None)
@given(
    a=st.lists(_POSITIVE, min_size=1, max_size=32),
    b=st.lists(_EXPONENT, min_size=1, max_size=32),
)
def test_kernel_transcendentals_match_numpy(a: list[float], b: list[float]) -> None:
    n = min(len(a), len(b))
    cols = {"a": np.array(a[:n]), "b": np.array(b[:n])}
    log_a = np.abs(np.log(cols["a"]))
    for expr, bound in (
        ("exp(b)", 2 * EPS),
        ("log(a)", 4 * EPS),
        ("log10(a)", 6 * EPS),
        ("sqrt(a)", 0.0),
        ("exp(b) * log(a) + sqrt(a)", 1e-13),
        # exp(b log a): the rounding of b log a is amplified by |b log a|
        ("a ** b", (4 + 2 * np.abs(cols["b"]) * log_a) * EPS),
        ("10 ** b", (4 + 2 * np.abs(cols["b"]) * math.log(10)) * EPS),
        ("1.38 ** (-b)", (4 + 2 * np.abs(cols["b"]) * math.log(1.38)) * EPS),
    ):
        got, ref = run_kernel(expr, cols), run_numpy(expr, cols)
        err = np.abs(got - ref)
        assert np.all(err <= bound * np.abs(ref)), (expr, float(np.max(err / np.abs(ref))))


def test_cost_model_formulas_match_numpy() -> None:
    """Every formula of docs/model.md §3 in the kernel equals numpy within 1e-13 relative."""
    rng = np.random.default_rng(7)
    for q in QUANTITIES.values():
        for way in q.ways:
            names = sorted(names_in(way))
            # positive inputs; shares (in (0, 1)) so that 1 - share stays positive
            cols = {n: rng.uniform(0.05, 0.95, 256) for n in names}
            got, ref = run_kernel(way, cols), run_numpy(way, cols)
            np.testing.assert_allclose(got, ref, rtol=1e-13, atol=0, err_msg=f"{q.name}: {way}")


# --- routes (docs/model.md §3.1, §3.6) ----------------------------------------------

FLOP_ROUTE = {"training_compute", "peak_flops", "utilization"}


def test_chips_times_hours_is_preferred_over_the_flop_route() -> None:
    r = resolve(FLOP_ROUTE | {"chip_count", "training_hours"})
    assert r.formulas["chip_hours"] == "chip_count * training_hours"
    r = resolve(FLOP_ROUTE)
    assert r.formulas["chip_hours"] == "training_compute / (peak_flops * utilization * 3600)"
    assert "chip_hours" in r.outputs


def test_recorded_chip_hours_are_preferred() -> None:
    r = resolve(FLOP_ROUTE | {"chip_hours", "chip_count", "training_hours"})
    assert "chip_hours" not in r.formulas  # the prior itself, no formula
    assert "chip_hours" in r.inputs


def test_a_chip_count_without_time_falls_back_to_the_flop_route() -> None:
    # docs/model.md §7: Inflection-2
    r = resolve(FLOP_ROUTE | {"chip_count"})
    assert r.formulas["chip_hours"].startswith("training_compute /")


def test_final_run_share_and_rd_compute_resolve_either_way() -> None:
    r = resolve({"final_run_cost", "final_run_share", "utilization", "rd_utilization"})
    assert r.formulas["rd_compute_cost"] == "final_run_cost / final_run_share"
    assert "final_run_share" not in r.formulas
    assert "final_run_flop_share" in r.outputs
    r = resolve({"final_run_cost", "rd_compute_cost", "utilization", "rd_utilization"})
    assert r.formulas["final_run_share"] == "final_run_cost / rd_compute_cost"
    assert "rd_compute_cost" not in r.formulas
    assert "final_run_flop_share" in r.outputs
    r = resolve({"final_run_cost", "experiment_factor"})
    assert r.formulas["rd_compute_cost"] == "final_run_cost * experiment_factor"
    assert r.formulas["final_run_share"] == "final_run_cost / rd_compute_cost"
    r = resolve({"final_run_cost"})  # neither: no cycle resolves itself
    assert "rd_compute_cost" not in r.formulas and "final_run_share" not in r.formulas


def test_only_supported_outputs_and_their_inputs() -> None:
    base = {"chip_count", "training_hours", "inflation_factor"}
    r = resolve(base)
    assert r.outputs == ("chip_hours",)
    r = resolve(base | {"cloud_price", "chip_tdp", "electricity_price"})
    assert set(r.outputs) == {"chip_hours", "cloud_cost", "final_run_cost"}
    unused = {"electricity_price", "chip_tdp"}  # energy_use needs more than these
    assert needed_inputs(r) == tuple(n for n in r.inputs if n not in unused)
    with pytest.raises(ScenarioError, match="\\['amortized_cost'\\] cannot be computed"):
        resolve(base, wanted=["amortized_cost"])
    with pytest.raises(ScenarioError, match="unknown \\['amortised_cost'\\]"):
        resolve(base, wanted=["amortised_cost"])


def _scenario(tmp_path: Path, hardware: str, parameters: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(
        f'[scenario]\ntitle = "t"\n\n[hardware]\n{hardware}\n\n[parameters]\n{parameters}\n',
        encoding="utf-8",
    )
    return path


def test_a_scenario_reports_exactly_what_its_parameters_support(tmp_path: Path) -> None:
    run = "chip_count = 25000\ntraining_hours = 2280\nhardware_age = 1.75"
    with_prices = load_scenario(_scenario(tmp_path, 'chip = "a100"\nprice_year = 2020', run))
    assert {"cloud_cost", "amortized_cost", "acquisition_cost"} <= set(with_prices.outputs)
    # no price year: no chip price and no cloud price, so energy is the only cost
    no_prices = load_scenario(_scenario(tmp_path, 'chip = "a100"', run))
    assert set(no_prices.outputs) == {"chip_hours", "energy_use", "energy_cost"}
    # a chip price but no cloud price: amortized and acquisition, never cloud_cost
    owned = load_scenario(_scenario(tmp_path, 'chip = "a100"', run + "\nchip_price = 24875"))
    assert "cloud_cost" not in owned.outputs and "cloud_price" not in owned.inputs
    assert {"amortized_cost", "acquisition_cost", "final_run_cost"} <= set(owned.outputs)
