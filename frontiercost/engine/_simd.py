"""Two loops LLVM does not vectorize, written with AVX-512 instructions.

Both move values and compute nothing, so they give the same bits as the
scalar loops they replace (``tests/test_fastmath.py`` compares them).  Where
numba does not compile for AVX-512 the scalar loops run: there LLVM would
expand these intrinsics lane by lane.  Measured on one core of an AVX-512
Xeon (2026-12-03):

- ``compact_tails``: the uniforms AS 241 sends to a tail, gathered for
  ``ndtri_row`` (a store whose place depends on earlier lanes), as LLVM's
  ``masked.compressstore`` over 8 lanes (``vcompresspd``): 0.56 → 0.22 ns
  per uniform.
- ``gather_knots``: a tabulated family's four knot values per draw
  (``_hermite_uniform``), as LLVM's ``masked.gather`` over 8 lanes
  (``vgatherqpd``): 1.6 → 0.85 ns per draw.
"""

from __future__ import annotations

from typing import Any

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, overload

from ._fastmath import TAIL_FROM_HALF, is_tail
from ._jit import njit


def _has_avx512() -> bool:
    """Whether numba's compiler targets AVX-512, with the CPU features it uses
    (the user's, numba's view of the host, or ``_jit``'s), and this llvmlite
    takes the intrinsics as written: LLVM 20 or later (20 and 22 tried; LLVM
    15's typed pointers refuse them)."""
    from llvmlite import binding
    from numba.core.registry import cpu_target

    if binding.llvm_version_info < (20,):
        return False
    features = cpu_target.target_context.codegen().magic_tuple()[2]
    flags = [f for f in features.split(",") if f[1:] == "avx512f"]
    return bool(flags) and flags[-1] == "+avx512f"  # the last word on it counts


AVX512 = _has_avx512()


def _c_array(ty: Any, dtype: Any, ndim: int = 1) -> bool:
    return (
        isinstance(ty, types.Array) and ty.ndim == ndim and ty.layout == "C" and ty.dtype == dtype
    )


F64, I64, I32 = ir.DoubleType(), ir.IntType(64), ir.IntType(32)
V8D, V8I = ir.VectorType(F64, 8), ir.VectorType(I64, 8)
MASK8 = ir.VectorType(ir.IntType(1), 8)
PTR8 = ir.VectorType(ir.PointerType(), 8)
ALL8, UNDEF8 = ir.Constant(MASK8, [1] * 8), ir.Constant(V8D, ir.Undefined)


def _call(builder: Any, name: str, ret: Any, args: list[Any]) -> Any:
    """Call the LLVM intrinsic ``name`` (declared on first use)."""
    fnty = ir.FunctionType(ret, [a.type for a in args])
    return builder.call(cgutils.get_or_insert_function(builder.module, fnty, name), args)


def _splat(builder: Any, value: Any) -> Any:
    """An i64 in all 8 lanes."""
    one = builder.insert_element(ir.Constant(V8I, ir.Undefined), value, ir.Constant(I64, 0))
    zeros = ir.Constant(ir.VectorType(I32, 8), [0] * 8)
    return builder.shuffle_vector(one, ir.Constant(V8I, ir.Undefined), zeros)


def _load8(builder: Any, data: Any, at: Any, ty: Any) -> Any:
    return builder.load(builder.gep(data, [at]), typ=ty, align=8)


@intrinsic
def _compress8(typingctx: Any, x: Any, j0: Any, tail_p: Any, tail_j: Any, k: Any) -> Any:
    """``x[j0:j0 + 8]``'s tail lanes appended at ``tail_p[k:]`` (their indices
    at ``tail_j[k:]``), in order; returns ``k`` plus their count."""
    if not (
        _c_array(x, types.float64)
        and _c_array(tail_p, types.float64)
        and _c_array(tail_j, types.int64)
        and isinstance(j0, types.Integer)
        and isinstance(k, types.Integer)
    ):
        return None
    sig = types.int64(x, types.int64, tail_p, tail_j, types.int64)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        j0_, k_ = args[1], args[4]
        xs, tps, tjs = (
            context.make_array(signature.args[i])(context, builder, args[i]) for i in (0, 2, 3)
        )
        p = _load8(builder, xs.data, j0_, V8D)
        # is_tail(p): |p - 0.5| > TAIL_FROM_HALF, false for NaN (an ordered compare)
        centred = builder.fsub(p, ir.Constant(V8D, [0.5] * 8))
        dist = _call(builder, "llvm.fabs.v8f64", V8D, [centred])
        mask = builder.fcmp_ordered(">", dist, ir.Constant(V8D, [TAIL_FROM_HALF] * 8))
        j = builder.add(_splat(builder, j0_), ir.Constant(V8I, list(range(8))))
        for value, dest, ty in ((p, tps, "v8f64"), (j, tjs, "v8i64")):
            where = builder.gep(dest.data, [k_])
            _call(builder, f"llvm.masked.compressstore.{ty}", ir.VoidType(), [value, where, mask])
        bits = builder.bitcast(mask, ir.IntType(8))
        count = _call(builder, "llvm.ctpop.i8", ir.IntType(8), [bits])
        return builder.add(k_, builder.zext(count, I64))

    return sig, codegen


@njit
def _compact_scalar(x: Any, j0: int, n: int, tail_p: Any, tail_j: Any, k: int) -> int:
    for j in range(j0, n):  # branch-free: always write, advance on a tail
        p = x[j]
        tail_p[k] = p
        tail_j[k] = j
        k += 1 if is_tail(p) else 0
    return k


@njit
def _compact_avx512(x: Any, n: int, tail_p: Any, tail_j: Any) -> int:
    k = 0
    whole = n - n % 8
    for j0 in range(0, whole, 8):
        k = _compress8(x, j0, tail_p, tail_j, k)
    return _compact_scalar(x, whole, n, tail_p, tail_j, k)


def compact_tails(x: Any, n: Any, tail_p: Any, tail_j: Any) -> Any:
    """``x[j]`` for ``j < n`` where ``is_tail(x[j])``, in order, into ``tail_p``,
    and those ``j`` into ``tail_j``; returns their count.  ``tail_p`` and
    ``tail_j`` are at least ``n`` long.  Called from compiled code only."""
    raise NotImplementedError("compact_tails is compiled into its callers (numba)")


@overload(compact_tails, jit_options={"nogil": True, "error_model": "numpy"})
def _compact_tails(x: Any, n: Any, tail_p: Any, tail_j: Any) -> Any:
    contiguous = (
        _c_array(x, types.float64)
        and _c_array(tail_p, types.float64)
        and _c_array(tail_j, types.int64)
    )
    # The implementations' signatures must match compact_tails', annotations included.
    if AVX512 and contiguous:

        def vector(x: Any, n: Any, tail_p: Any, tail_j: Any) -> Any:
            return _compact_avx512(x, n, tail_p, tail_j)

        return vector

    def scalar(x: Any, n: Any, tail_p: Any, tail_j: Any) -> Any:
        return _compact_scalar(x, 0, n, tail_p, tail_j, 0)

    return scalar


@intrinsic
def _gather8(typingctx: Any, tables: Any, off: Any, d: Any, k: Any, j0: Any, v: Any) -> Any:
    """``v[:, j0:j0 + 8]`` = the knots ``tables[off + k]``, ``tables[off + k + 1]``,
    ``tables[d + k]``, ``tables[d + k + 1]`` for ``k = k[j0:j0 + 8]``."""
    if not (
        _c_array(tables, types.float64)
        and _c_array(k, types.int64)
        and _c_array(v, types.float64, ndim=2)
    ):
        return None
    sig = types.void(tables, types.int64, types.int64, k, types.int64, v)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        tab, ks, vs = (
            context.make_array(signature.args[i])(context, builder, args[i]) for i in (0, 3, 5)
        )
        off_, d_, j0_ = args[1], args[2], args[4]
        eight = ir.Constant(I64, 8)
        # Byte addresses, as llvmlite's gep takes no vector of indices.
        idx = builder.mul(_load8(builder, ks.data, j0_, V8I), _splat(builder, eight))
        at = builder.add(_splat(builder, builder.ptrtoint(tab.data, I64)), idx)
        row = builder.sdiv(builder.extract_value(vs.strides, 0), eight)
        one = ir.Constant(I64, 1)
        for r, first in enumerate((off_, builder.add(off_, one), d_, builder.add(d_, one))):
            where = builder.add(at, _splat(builder, builder.mul(first, eight)))
            gather_args = [builder.inttoptr(where, PTR8), ir.Constant(I32, 8), ALL8, UNDEF8]
            knots = _call(builder, "llvm.masked.gather.v8f64.v8p0", V8D, gather_args)
            dest = builder.gep(vs.data, [builder.add(builder.mul(ir.Constant(I64, r), row), j0_)])
            builder.store(knots, builder.bitcast(dest, V8D.as_pointer()), align=8)
        return context.get_dummy_value()

    return sig, codegen


@njit
def _gather_scalar(tables: Any, off: int, d: int, k: Any, v: Any, j0: int, n: int) -> None:
    for j in range(j0, n):
        i = k[j]
        v[0, j] = tables[off + i]
        v[1, j] = tables[off + i + 1]
        v[2, j] = tables[d + i]
        v[3, j] = tables[d + i + 1]


@njit
def _gather_avx512(tables: Any, off: int, d: int, k: Any, v: Any, n: int) -> None:
    whole = n - n % 8
    for j0 in range(0, whole, 8):
        _gather8(tables, off, d, k, j0, v)
    _gather_scalar(tables, off, d, k, v, whole, n)


def gather_knots(tables: Any, off: Any, d: Any, k: Any, v: Any, n: Any) -> Any:
    """``v[:, j]`` = ``tables[off + k[j]]``, ``tables[off + k[j] + 1]``,
    ``tables[d + k[j]]``, ``tables[d + k[j] + 1]`` for ``j < n``: the values
    and slopes at the knots either side of each draw.  Called from compiled
    code only."""
    raise NotImplementedError("gather_knots is compiled into its callers (numba)")


@overload(gather_knots, jit_options={"nogil": True, "error_model": "numpy"})
def _gather_knots(tables: Any, off: Any, d: Any, k: Any, v: Any, n: Any) -> Any:
    fits = (
        _c_array(tables, types.float64)
        and _c_array(k, types.int64)
        and _c_array(v, types.float64, ndim=2)
    )
    if AVX512 and fits:

        def vector(tables: Any, off: Any, d: Any, k: Any, v: Any, n: Any) -> Any:
            _gather_avx512(tables, off, d, k, v, n)

        return vector

    def scalar(tables: Any, off: Any, d: Any, k: Any, v: Any, n: Any) -> Any:
        _gather_scalar(tables, off, d, k, v, 0, n)

    return scalar
