"""Run command lines in this (child) process under a real fault; print what each did as JSON.

``python fault_child.py SPEC`` where SPEC is JSON: a list of cases
``{"argv": [...], "fsize": bytes or null, "stdout": "/dev/full" or null}``.
``fsize`` sets RLIMIT_FSIZE (what ``ulimit -f`` sets) for that case: a write past
it fails with EFBIG (Python ignores SIGXFSZ). The result per case is
``{"code", "err"}``; the child's own stdout carries only the JSON.
"""

from __future__ import annotations

import io
import json
import os
import resource
import sys


def main() -> None:
    cases = json.loads(sys.argv[1])
    real_out = os.dup(1)
    results = []
    from frontiercost.cli import main as cli

    for case in cases:
        err = io.StringIO()
        sys.stderr = err
        out_fd = None
        if case.get("stdout"):
            out_fd = os.open(case["stdout"], os.O_WRONLY)
            os.dup2(out_fd, 1)
        else:
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        sys.stdout = io.TextIOWrapper(os.fdopen(os.dup(1), "wb"), encoding="utf-8")
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        if case.get("fsize"):
            resource.setrlimit(resource.RLIMIT_FSIZE, (case["fsize"], hard))
        try:
            code = cli(case["argv"])
        except BaseException as exc:
            code = f"{type(exc).__name__}: {exc}"
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
            try:
                sys.stdout.flush()
            except OSError:
                pass
            sys.stderr = sys.__stderr__
        results.append({"code": code, "err": err.getvalue()})
    os.dup2(real_out, 1)
    sys.stdout = sys.__stdout__
    print(json.dumps(results), flush=True)


if __name__ == "__main__":
    main()
