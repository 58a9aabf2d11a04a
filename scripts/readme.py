"""Regenerate the README's figures from the commands and data they come from.

Usage (from the repository root)::

    python scripts/readme.py           # rewrite README.md's generated parts
    python scripts/readme.py --check   # exit 1 (and show what differs) if any is stale

Two kinds of marked parts, so that no figure in the README can go stale:

- a command's output, a fenced block after ``<!-- generated: frontiercost ARGS -->``
  and before ``<!-- /generated -->``: the command is run in-process
  (``frontiercost.cli.main``) and its stdout becomes the block;
- a count, ``<!-- count: NAME -->61<!-- /count -->`` inline, NAME one of
  :data:`COUNTS`.

Only stdout is kept (progress and notes go to stderr).  Every generated command
fixes its seed (the default, 0), so the bits are the same on every machine.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import io
import re
import shlex
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

BLOCK = re.compile(
    r"(<!-- generated: (?P<cmd>[^\n]*?) -->\n```(?P<lang>\w*)\n)"
    r"(?P<body>.*?)(\n```\n<!-- /generated -->)",
    re.S,
)
COUNT = re.compile(r"(<!-- count: (?P<name>[\w-]+) -->)(?P<value>[^<]*)(<!-- /count -->)")


def _scenarios() -> int:
    import frontiercost as fc

    return len(fc.list_scenarios())


def _chips() -> int:
    from frontiercost.scenarios import chip_library

    return len(chip_library())


def _priors() -> int:
    import frontiercost as fc

    return len(fc.load_library())


def _paper_models() -> int:
    import frontiercost as fc

    return sum(1 for s in fc.list_scenarios() if "frontier-model" in _tags(s))


def _tags(name: str) -> tuple[str, ...]:
    import frontiercost as fc

    return tuple(fc.load_scenario(name).meta.get("tags", ()))


def _collected(*marks: str) -> int:
    import subprocess

    argv = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
    argv += [*(["-m", marks[0]] if marks else [])]
    out = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False).stdout
    found = re.search(r"(\d+)(?:/\d+)? tests? (?:collected|selected)", out)
    if found is None:
        raise SystemExit(f"README: cannot count tests: {out[-300:]}")
    return int(found.group(1))


def _tests() -> int:
    return _collected()


def _tests_fast() -> int:
    return _collected("not slow and not dask and not e2e")


def _post_paper_models() -> int:
    import frontiercost as fc

    return sum(1 for s in fc.list_scenarios() if "post-paper" in _tags(s))


COUNTS: dict[str, Callable[[], int]] = {
    "post-paper-models": _post_paper_models,
    "tests": _tests,
    "tests-fast": _tests_fast,
    "scenarios": _scenarios,
    "chips": _chips,
    "priors": _priors,
    "paper-models": _paper_models,
}


def command_output(cmd: str) -> str:
    """The stdout of ``frontiercost ARGS`` run in-process, without its final newline."""
    from frontiercost.cli import main

    argv = shlex.split(cmd)
    if not argv or argv[0] != "frontiercost":
        raise SystemExit(f"README: generated block must run frontiercost, not {cmd!r}")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv[1:])
    if code != 0:
        raise SystemExit(f"README: `{cmd}` exited {code}: {err.getvalue().strip()}")
    return out.getvalue().rstrip("\n")


def render(text: str) -> str:
    """``text`` (a README) with every generated part recomputed."""
    text = BLOCK.sub(lambda m: m.group(1) + command_output(m.group("cmd")) + m.group(5), text)
    cache: dict[str, int] = {}

    def count(m: re.Match[str]) -> str:
        name = m.group("name")
        if name not in COUNTS:
            raise SystemExit(f"README: unknown count {name!r}; one of {', '.join(COUNTS)}")
        if name not in cache:
            cache[name] = COUNTS[name]()
        return f"{m.group(1)}{cache[name]:,}{m.group(4)}"

    return COUNT.sub(count, text)


def main(argv: list[str] | None = None) -> int:
    """Rewrite README.md, or with ``--check`` report whether it is current."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="exit 1 if README.md is stale")
    p.add_argument("--readme", type=Path, default=README)
    args = p.parse_args(argv)
    text = args.readme.read_text(encoding="utf-8")
    new = render(text)
    if args.check:
        if new != text:
            diff = difflib.unified_diff(
                text.splitlines(), new.splitlines(), "README.md", "generated", lineterm=""
            )
            print("\n".join(diff))
            return 1
        return 0
    if new != text:
        args.readme.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
