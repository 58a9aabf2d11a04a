"""The package's layers: imports point one way, and no module imports itself round a cycle.

Every import in ``frontiercost/`` is read with :mod:`ast` (module level,
inside functions and under ``TYPE_CHECKING`` alike: a lazy import is still a
dependency).  A module may import its own package's modules and the packages
of lower layers only (docs/architecture.md):

    cli, bench -> run -> analysis -> results -> inference -> engine, scenarios
    -> model -> priors -> settings -> _validate, _files, _buffers, _threads -> errors, _version
"""

from __future__ import annotations

import ast
import functools
import itertools
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "frontiercost"

# Layer of each top-level module or subpackage; an import must go to a lower layer
# (or stay inside its own subpackage).
LAYERS = {
    "errors": 0,
    "_version": 0,
    "_validate": 1,
    "_files": 1,
    "_buffers": 1,
    "_threads": 1,
    "settings": 2,
    "priors": 3,
    "model": 4,
    "engine": 5,
    "scenarios": 5,
    "inference": 6,
    "results": 7,
    "analysis": 8,
    "run": 9,
    "epoch": 10,
    "bench": 10,
    "cli": 11,
    "__main__": 12,
    "__init__": 12,
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """``(line, absolute module)`` of every frontiercost import in ``path``."""
    tree = ast.parse(path.read_text("utf-8"))
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [
                (node.lineno, a.name) for a in node.names if a.name.startswith("frontiercost")
            ]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("frontiercost"):
                continue
            if node.module is None or target == "frontiercost":
                # `from . import x` / `from frontiercost import x`: x may be a module
                found += [(node.lineno, f"{target}.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, target))
    return found


def _unit(module: str) -> str:
    """The top-level module or subpackage a module belongs to (its layer's key)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


@functools.cache  # one reading of the package serves every test
def _graph() -> dict[str, list[tuple[int, str]]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        edges = []
        for line, target in _imports(path):
            # `from pkg import name` where name is not a module: the edge is to pkg
            while target not in modules and "." in target:
                target = target.rpartition(".")[0]
            if target in modules and target != name:
                edges.append((line, target))
        graph[name] = edges
    return graph


def test_every_unit_has_a_layer() -> None:
    units = {_unit(m) for m in _graph()}
    assert units <= set(LAYERS), f"add these to LAYERS: {sorted(units - set(LAYERS))}"


def test_imports_point_down() -> None:
    bad = []
    for module, edges in _graph().items():
        mine = _unit(module)
        for line, target in edges:
            theirs = _unit(target)
            if theirs != mine and LAYERS[theirs] >= LAYERS[mine]:
                bad.append(f"{module}:{line} imports {target} ({mine} {LAYERS[mine]} -> "
                           f"{theirs} {LAYERS[theirs]})")  # fmt: skip
    assert not bad, "imports against the layers:\n" + "\n".join(bad)


def test_no_import_cycles() -> None:
    graph = {m: sorted({t for _, t in edges}) for m, edges in _graph().items()}
    state: dict[str, int] = {}  # 1 visiting, 2 done
    cycles = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*stack[stack.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    # a package's __init__ re-exporting its own modules is not a cycle of dependencies
    real = [c for c in cycles if not _only_reexports(c)]
    assert not real, "import cycles:\n" + "\n".join(real)


def _only_reexports(cycle: str) -> bool:
    """A cycle through a package's ``__init__`` importing one of its own modules."""
    mods = cycle.split(" -> ")
    for a, b in itertools.pairwise(mods):
        if (
            b.startswith(a + ".")
            and (PACKAGE.parent / a.replace(".", "/") / "__init__.py").exists()
        ):
            return True
    return False


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from ..run import simulate\n", "frontiercost.run"),
        ("from .local import x\n", "frontiercost.engine.local"),
        ("import frontiercost.cli\n", "frontiercost.cli"),
    ],
)
def test_the_reader_resolves_imports(tmp_path: Path, source: str, expected: str,
                                     monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """The check itself: relative and absolute imports resolve to the module named."""
    fake = PACKAGE / "engine" / "_layers_probe.py"
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: source)
    assert _imports(fake)[0][1] == expected


def _child_prints(code: str) -> list[str]:
    """The lines ``code`` prints in a fresh interpreter (its imports are its own)."""
    import subprocess
    import sys

    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return res.stdout.splitlines()


def test_the_parser_alone_loads_no_numeric_stack() -> None:
    """``--version``, ``--help`` and errors in flags answer without numpy, xarray or numba.

    The parser imports every command's module; a module-level numeric import
    there made ``frontiercost --version`` take 1.9 s instead of 0.2 s.
    """
    code = (
        "import sys\n"
        "from frontiercost.cli import build_parser\n"
        "build_parser()\n"
        "heavy = ('numpy', 'xarray', 'numba', 'pandas', 'scipy')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    assert _child_prints(code) == ["[]"]


@pytest.mark.e2e
def test_a_run_does_not_import_dask_array_and_dask_arrays_still_work() -> None:
    """xarray imports ``dask.array`` (0.3 s) the first time it wraps any array;
    a run defers that until dask.array is imported, and after that xarray
    sees dask arrays as before (chunked, computed lazily)."""
    code = (
        "import sys\n"
        "import frontiercost as fc\n"
        "fc.simulate('gpt-4', draws=1000, chains=1)\n"
        "print('dask.array' in sys.modules)\n"
        "import dask.array as da, xarray as xr\n"
        "a = xr.DataArray(da.ones(6, chunks=2), dims='draw')\n"
        "print(a.chunks, type((a * 2).data).__module__.split('.')[0], float((a * 2).sum()))\n"
    )
    assert _child_prints(code) == ["False", "((2, 2, 2),) dask 12.0"]
