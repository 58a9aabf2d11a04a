"""Command line: each subcommand parses, calls the public API, returns an exit code."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .errors import FrontiercostError

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so ``main`` owns the exit code."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise FrontiercostError(f"{self.prog}: {message}")


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def _priors(args: argparse.Namespace) -> int:
    from .priors import load_library

    lib = load_library()
    if args.name is None:
        width = max(len(n) for n in lib)
        for name, p in sorted(lib.items()):
            print(f"{name:<{width}}  {p.family:<11} {p.unit:<8} {p.description}")
        return 0
    if args.name not in lib:
        import difflib

        near = difflib.get_close_matches(args.name, lib, n=3)
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        raise FrontiercostError(f"priors: no prior named {args.name!r}{hint}")
    p = lib[args.name]
    print(f"{args.name}: {p.description}")
    for key, value in p.describe().items():
        if key == "description":
            continue
        print(f"  {key:<12} {_fmt(value) if isinstance(value, float) else value}")
    qs = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
    print("  quantiles    " + "  ".join(f"p{round(q * 100)}={_fmt(float(p.ppf(q)))}" for q in qs))
    return 0


def _run(args: argparse.Namespace) -> int:
    from .analysis import summarize
    from .bench.reference import reference_model
    from .simulator.simulate import simulate

    if args.scenario != "reference":
        raise FrontiercostError(
            f"run: unknown scenario {args.scenario!r}; accepted: reference "
            f"(the benchmark's reference model)"
        )
    try:
        draws = int(float(args.draws))
    except ValueError:
        raise FrontiercostError(
            f"--draws: expected a number such as 1e6, got {args.draws!r}"
        ) from None
    if draws != float(args.draws):
        raise FrontiercostError(f"--draws: expected a whole number, got {args.draws!r}")
    if not 0 < args.ci < 1:
        raise FrontiercostError(f"--ci: must be in (0, 1), e.g. 0.9, got {args.ci}")
    out = _check_out(Path(args.out)) if args.out is not None else None
    model, priors = reference_model()
    store = draws * args.chains <= 10**7 or args.out is not None
    tree = simulate(
        model,
        priors,
        draws=draws,
        chains=args.chains,
        seed=args.seed,
        sampler=args.sampler,
        store=store,
    )
    s = summarize(tree, ci_prob=args.ci, ci_kind="hdi" if args.hdi else "eti")
    pct = f"{args.ci:.0%}"
    print(
        f"{model.name}: {draws * args.chains:,} draws, seed {args.seed}, sampler "
        f"{args.sampler}, {pct} {s.attrs['ci_kind'].upper()}"
    )
    header = f"{'variable':<22}{'units':<8}{'median':>12}{'mean':>12}{'lower':>12}{'upper':>12}"
    print(header)
    for i, name in enumerate(s["variable"].values):
        row = s.isel(variable=i)
        print(
            f"{name:<22}{row['units'].item():<8}{_fmt(float(row['median'])):>12}"
            f"{_fmt(float(row['mean'])):>12}{_fmt(float(row['ci'][0])):>12}"
            f"{_fmt(float(row['ci'][1])):>12}"
        )
    if out is not None:
        _write_atomic(tree, out)
        print(f"wrote {out}")
    return 0


def _check_out(path: Path) -> Path:
    if path.suffix != ".nc":
        raise FrontiercostError(f"--out: expected a .nc file, got {str(path)!r}")
    folder = path.parent
    if not folder.is_dir():
        raise FrontiercostError(f"--out: folder {str(folder)!r} does not exist")
    if not os.access(folder, os.W_OK):
        raise FrontiercostError(f"--out: folder {str(folder)!r} is not writable")
    return path


def _write_atomic(tree: object, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(suffix=".nc", dir=path.parent)
    os.close(fd)
    try:
        tree.to_netcdf(tmp, engine="h5netcdf")  # type: ignore[attr-defined]
        os.replace(tmp, path)
    except OSError as err:
        raise FrontiercostError(f"--out: cannot write {str(path)!r}: {err.strerror}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def build_parser() -> argparse.ArgumentParser:
    """The ``frontiercost`` argument parser."""
    p = _Parser(
        prog="frontiercost",
        description="Monte Carlo uncertainty simulator for the cost of frontier AI.",
    )
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    pr = sub.add_parser("priors", help="list the default priors, or show one")
    pr.add_argument("name", nargs="?", help="a prior's name")
    pr.set_defaults(func=_priors)
    ru = sub.add_parser("run", help="sample a model and print its summary")
    ru.add_argument("scenario", help="what to run (now: 'reference')")
    ru.add_argument("--draws", default="10000", help="draws per chain (e.g. 1e6)")
    ru.add_argument("--chains", type=int, default=4)
    ru.add_argument("--seed", type=int, default=0)
    ru.add_argument("--sampler", choices=("mc", "qmc", "lhs"), default="mc")
    ru.add_argument("--ci", type=float, default=0.9, help="credible interval mass")
    ru.add_argument(
        "--hdi", action="store_true", help="highest-density instead of equal-tailed interval"
    )
    ru.add_argument("--out", help="write the dataset to FILE.nc")
    ru.set_defaults(func=_run)
    # Listed for --help only: main() hands `bench ...` to the benchmark's own parser.
    sub.add_parser("bench", help="throughput benchmark against numpy baselines (bench --help)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (2 for any user error)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv[:1] == ["bench"]:  # the benchmark owns its options
            from .bench.harness import main as bench_main

            return bench_main(argv[1:])
        args = build_parser().parse_args(argv)
        return int(args.func(args))
    except FrontiercostError as err:
        print(f"frontiercost: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("frontiercost: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
