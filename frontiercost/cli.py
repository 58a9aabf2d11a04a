"""Command line: each subcommand parses, calls the public API, returns an exit code."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import FrontiercostError

if TYPE_CHECKING:
    from .scenarios import Scenario

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


def _draws(text: str) -> int:
    try:
        draws = int(float(text))
    except ValueError:
        raise FrontiercostError(f"--draws: expected a number such as 1e6, got {text!r}") from None
    if draws != float(text) or draws < 1:
        raise FrontiercostError(f"--draws: expected a positive whole number, got {text!r}")
    return draws


def _run(args: argparse.Namespace) -> int:
    draws = _draws(args.draws)
    if not 0 < args.ci < 1:
        raise FrontiercostError(f"--ci: must be in (0, 1), e.g. 0.9, got {args.ci}")
    out = _check_out(Path(args.out)) if args.out is not None else None
    store = draws * args.chains <= 10**7 or out is not None
    if args.scenario == "reference" and not Path(args.scenario).exists():
        return _run_reference(args, draws, store, out)
    return _run_scenario(args, draws, store, out)


def _run_reference(args: argparse.Namespace, draws: int, store: bool, out: Path | None) -> int:
    from .analysis import summarize
    from .bench.reference import reference_model
    from .simulator.simulate import simulate

    model, priors = reference_model()
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


def _run_scenario(args: argparse.Namespace, draws: int, store: bool, out: Path | None) -> int:
    from .analysis import summarize
    from .analysis.format import COMPONENTS, component_split, format_table, format_value
    from .scenarios import evaluate, load_scenario
    from .simulator.simulate import simulate

    sc = load_scenario(args.scenario)
    point = evaluate(sc)
    tree = simulate(
        sc, draws=draws, chains=args.chains, seed=args.seed, sampler=args.sampler, store=store
    )
    kind = "hdi" if args.hdi else "eti"
    s = summarize(tree, ci_prob=args.ci, ci_kind=kind, var_names=list(sc.outputs))
    interval = f"{args.ci:.0%} {kind.upper()}"
    print(
        f"{sc.title} ({sc.name}): {draws * args.chains:,} draws, seed {args.seed}, "
        f"sampler {args.sampler}, {interval}"
    )
    rows = []
    for i, name in enumerate(s["variable"].values):
        row = s.isel(variable=i)
        unit = str(row["units"].item())
        lo, median, mean, hi, at_point = (
            format_value(float(v), unit, show_unit=False)
            for v in (row["ci"][0], row["median"], row["mean"], row["ci"][1], point[name])
        )
        rows.append([str(name), unit, median, mean, f"{lo} – {hi}", at_point])
    header = ["output", "unit", "median", "mean", interval, "point"]
    print("\n".join(format_table(header, rows, "ll")))
    if {*COMPONENTS, "amortized_cost"} <= set(sc.outputs):
        print()
        if "posterior" in tree.children:
            split = component_split(tree, point, ci_prob=args.ci, ci_kind=kind)
            print("\n".join(format_table(split[0], split[1:])))
        else:
            print("component split: needs stored draws (use --out, or at most 1e7 draws)")
    if out is not None:
        _write_atomic(tree, out)
        print(f"wrote {out}")
    return 0


def _scenarios(args: argparse.Namespace) -> int:
    from .scenarios import list_scenarios, load_scenario

    if args.name is not None:
        return _show_scenario(load_scenario(args.name))
    names = list_scenarios()
    if not names:
        print("no built-in scenarios")
        return 0
    from .analysis.format import format_table
    from .scenarios.scenario import _builtin_paths  # the library's subfolders group it

    groups: dict[str, list[list[str]]] = {}
    failed = []
    for name in names:
        try:
            sc = load_scenario(name)
        except FrontiercostError as err:
            failed.append(str(err))
            continue
        tags = ", ".join(sc.meta.get("tags", []))
        folder = Path(_builtin_paths()[name]).parent.name
        groups.setdefault("" if folder == "library" else folder, []).append([name, sc.title, tags])
    for i, (group, rows) in enumerate(sorted(groups.items())):
        if i:
            print()
        print(f"{group or 'scenarios'} ({len(rows)})")
        print(
            "\n".join("  " + line for line in format_table(["name", "title", "tags"], rows, "lll"))
        )
    for message in failed:
        print(f"frontiercost: error: {message}", file=sys.stderr)
    return EXIT_USAGE if failed else 0


def _show_scenario(sc: Scenario) -> int:
    import textwrap

    from .analysis.format import format_table, format_value
    from .simulator.cost_model import QUANTITIES

    print(f"{sc.name}: {sc.title}")
    description = sc.meta.get("description")
    if description:
        print(textwrap.fill(description, 99, initial_indent="  ", subsequent_indent="  "))
    facts = [
        f"{k} {sc.meta[k]:.6g}" if k == "year" else f"{k} {sc.meta[k]}"
        for k in ("year", "organization", "chip")
        if k in sc.meta
    ]
    if sc.meta.get("tags"):
        facts.append("tags: " + ", ".join(sc.meta["tags"]))
    if facts:
        print("  " + "; ".join(facts))
    if sc.meta.get("sources"):
        print("sources:")
        for source in sc.meta["sources"]:
            print(textwrap.fill(source, 99, initial_indent="  - ", subsequent_indent="    "))
    rows = []
    for name, prior in sc.input_priors().items():
        unit = prior.unit
        if prior.family == "fixed":
            interval = "fixed"
        else:
            lo, hi = (
                format_value(float(prior.ppf(q)), unit, show_unit=False) for q in (0.05, 0.95)
            )
            interval = f"{lo} – {hi}"
        central = format_value(prior.central, unit, show_unit=False)
        rows.append([name, prior.family, central, interval, unit])
    print("parameters (what the outputs read):")
    header = ["name", "family", "central", "90% interval", "unit"]
    print("\n".join("  " + line for line in format_table(header, rows, "llrrl")))
    table = {**QUANTITIES, **sc.quantities}
    print("outputs:")
    rows = [[o, table[o].units, table[o].long_name] for o in sc.outputs]
    print(
        "\n".join("  " + line for line in format_table(["name", "unit", "meaning"], rows, "lll"))
    )
    if sc.reference:
        print("reference values (for validation only):")
        rows = [
            [k, format_value(r.value, table[k].units if k in table else "1"), r.source]
            for k, r in sc.reference.items()
        ]
        print(
            "\n".join(
                "  " + line for line in format_table(["name", "value", "source"], rows, "lrl")
            )
        )
    return 0


def _validate(args: argparse.Namespace) -> int:
    from .scenarios import load_scenario
    from .simulator.copula import copula_factor

    failed = 0
    for path in args.files:
        try:
            sc = load_scenario(path)
            sc.model()  # compiles the formulas
            try:
                copula_factor(sc.correlations, list(sc.priors))
            except FrontiercostError as err:
                raise FrontiercostError(f"{sc.path}: {err}") from None
        except FrontiercostError as err:
            print(f"frontiercost: error: {err}", file=sys.stderr)
            failed += 1
            continue
        print(f"{path}: ok ({len(sc.inputs)} parameters, outputs: {', '.join(sc.outputs)})")
    return EXIT_USAGE if failed else 0


def _chips(args: argparse.Namespace) -> int:
    from .analysis.format import format_table, format_value
    from .scenarios import chip_library

    rows = []
    for key, chip in sorted(chip_library().items()):
        peak = f"{format_value(chip.peak_flops[chip.precision], 'FLOP/s')} {chip.precision}"
        years = ", ".join(str(y) for y in sorted(chip.prices)) or "-"
        rows.append([key, chip.name, chip.kind, peak, f"{chip.tdp:g} W", years])
    header = ["key", "name", "kind", "peak", "TDP", "price years"]
    print("\n".join(format_table(header, rows, "lllrrl")))
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
    sc = sub.add_parser("scenarios", help="list the built-in scenarios, or show one")
    sc.add_argument("name", nargs="?", help="a scenario's name or file")
    sc.set_defaults(func=_scenarios)
    va = sub.add_parser("validate", help="check scenario files without running them")
    va.add_argument("files", nargs="+", metavar="FILE", help="scenario files (or built-in names)")
    va.set_defaults(func=_validate)
    ch = sub.add_parser("chips", help="list the chip library")
    ch.set_defaults(func=_chips)
    ru = sub.add_parser("run", help="sample a scenario and print its summary")
    ru.add_argument(
        "scenario",
        help="a built-in scenario's name, a scenario file, or 'reference' (the benchmark model)",
    )
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
    except BrokenPipeError:  # output piped into `head` and the like
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print("frontiercost: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
