"""The command line's conventions (issue 13) and its edge behaviour (issue 12).

One flag vocabulary across every subcommand, checked by walking the parsers
argparse builds; the examples each ``--help`` shows, run; and the edges:
``--version``, a bare ``frontiercost``, non-UTF-8 output, a full stdout,
non-finite draws and ``--strict``, limits, ``--overwrite``, and SIGINT and
SIGTERM sent to real child processes in the middle of writing a run file.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from frontiercost.cli import build_parser, main

pytestmark = pytest.mark.e2e  # the command line end to end, in-process or in a child process

TESTS = Path(__file__).parent
CLI = [sys.executable, "-m", "frontiercost"]
LISTINGS = ("priors", "scenarios", "chips")
# A scenario whose output is the square root of a standard normal: NaN for about half the
# draws (tests/test_domains.py checks the library's count; here what the command line says).
ODD = """\
[scenario]
title = "odd"
year = 2024
outputs = ["odd", "cloud_cost"]

[parameters]
chip_hours = 1e7
cloud_price = 2.0
inflation_factor = 1.0
bump = { family = "normal", mean = 0.0, sd = 1.0 }

[formulas]
odd = "sqrt(bump)"
"""


def _leaves(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> list[tuple[str, argparse.ArgumentParser]]:
    """Every command that does something (``epoch price``), by its words, with its parser."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        return [(" ".join(path), parser)]
    out = []
    for name, child in subs[0].choices.items():
        out += _leaves(child, (*path, name))
    return out


def _visible(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {o: a for a in parser._actions if a.help != argparse.SUPPRESS for o in a.option_strings}


COMMANDS = _leaves(build_parser())


def test_the_walk_finds_every_command() -> None:
    names = [n for n, _ in COMMANDS]
    assert len(names) == 16 and {"run", "sweep", "bench", "epoch price"} <= set(names)


@pytest.mark.parametrize(("name", "parser"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_command_keeps_the_conventions(name: str, parser: argparse.ArgumentParser) -> None:
    flags = _visible(parser)
    # the variable is --var; an old --output is a hidden alias of it
    assert "--output" not in flags
    hidden = [a for a in parser._actions if "--output" in a.option_strings]
    assert all(a.dest == "var" and a.help == argparse.SUPPRESS for a in hidden)
    # images go to --plot, draws to --out (.nc/.zarr); report's --out is its HTML page
    for option, action in flags.items():
        text = action.help or ""
        if ".png" in text and option.startswith("--"):
            assert option == "--plot", (name, option)
        if ".nc" in text and "zarr" in text and option.startswith("--"):
            assert option == "--out", (name, option)
    assert not ("--ci" in flags) ^ ("--hdi" in flags), name
    assert "--quiet" in flags and "--verbose" in flags and "--progress" in flags
    if "--draws" in flags:
        text = flags["--draws"].help or ""
        assert "per chain" in text and "in all" in text, name
    if "--threshold" in flags:
        assert flags["--threshold"].metavar == "VAR=T" and "-t" in flags
    if name in LISTINGS:
        assert "json" in (flags["--format"].choices or ())
    epilog = parser.epilog or ""
    assert epilog.startswith("examples:\n")
    assert any(line.startswith(f"  frontiercost {name} ") for line in epilog.splitlines())


def test_the_walk_catches_a_command_off_the_conventions() -> None:
    bad = argparse.ArgumentParser(prog="frontiercost bad")
    bad.add_argument("--output", help="the output")
    bad.add_argument("--ci")
    with pytest.raises(AssertionError):
        test_every_command_keeps_the_conventions("bad", bad)


def _examples() -> list[str]:
    parser = build_parser()
    lines = []
    for p in [parser, *(p for _, p in COMMANDS)]:
        lines += [
            line.strip()
            for line in (p.epilog or "").splitlines()
            if line.startswith("  frontiercost ")
        ]
    return list(dict.fromkeys(lines))


@pytest.mark.slow
def test_the_help_names_every_environment_variable_the_package_reads() -> None:
    """``frontiercost --help`` lists each ``FRONTIERCOST_*`` setting the sources read
    from the environment, so a new one cannot be left out."""
    import re

    import frontiercost

    package = Path(frontiercost.__file__).parent
    read = {
        name
        for path in package.rglob("*.py")
        for name in re.findall(
            r'(?:_env|environ\.get)\(\s*"(FRONTIERCOST_[A-Z_]+)"', path.read_text()
        )
    }
    text = build_parser().format_help()
    assert len(read) >= 5
    assert sorted(v for v in read if v not in text) == []


@pytest.mark.parametrize(("name", "parser"), [("", build_parser()), *COMMANDS])
def test_help_never_breaks_a_flag_at_its_hyphen(
    name: str, parser: argparse.ArgumentParser
) -> None:
    """argparse's wrapping split ``--max-points`` into ``--max-`` / ``points``."""
    for line in parser.format_help().splitlines():
        assert not line.rstrip().endswith("-") or line.strip() in ("-", "--"), (name, line)


@pytest.mark.parametrize(
    "command", [["run", "gpt-4", "--draws", "100"], ["bench", "--sizes", "1e3"]]
)
def test_a_bad_wide_vectors_setting_is_one_line_and_exit_2(command: list[str]) -> None:
    """Read when the kernels are first imported, in every command (bench too)."""
    env = {**os.environ, "FRONTIERCOST_WIDE_VECTORS": "true"}
    res = subprocess.run([*CLI, *command], capture_output=True, text=True, env=env)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert res.stderr.splitlines()[-1] == (
        "frontiercost: error: FRONTIERCOST_WIDE_VECTORS: expected 0 or 1, got 'true'"
    )


def test_every_example_in_the_help_runs(capsys, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """In the order shown: the top-level examples write gpt-4.nc, which later ones read."""
    monkeypatch.chdir(tmp_path)
    # the epoch examples name the extract a clone has, relative to its root
    (tmp_path / "tests" / "data").mkdir(parents=True)
    shutil.copy(TESTS / "data" / "epoch_notable_models.csv", tmp_path / "tests" / "data")
    examples = _examples()
    assert len(examples) >= 30
    for line in examples:
        code = main(shlex.split(line)[1:])
        captured = capsys.readouterr()
        assert code == 0, f"{line}\n{captured.err}"
        assert "note:" not in captured.err and "warning:" not in captured.err, line
    for name in ("gpt-4.nc", "gpt-4.png", "gpt-4.json", "gpt-4.html", "trend.png", "growth.nc"):
        assert (tmp_path / name).stat().st_size > 0, name


def test_the_epoch_examples_run_from_a_clones_root(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Issue 14: `epoch --help` named notable_ai_models.csv, which a clone does not have.
    Each epoch example runs, as shown, from the repository root."""
    monkeypatch.chdir(TESTS.parent)
    examples = [line for line in _examples() if line.startswith("frontiercost epoch ")]
    assert len(examples) >= 2 and all("tests/data/epoch_notable_models.csv" in e for e in examples)
    for line in examples:
        path = shlex.split(line)[shlex.split(line).index("--database") + 1]
        assert (TESTS.parent / path).is_file(), line
        code = main(shlex.split(line)[1:])
        captured = capsys.readouterr()
        assert code == 0, f"{line}\n{captured.err}"
    for args in (
        ["epoch", "--help"],
        ["epoch", "price", "--help"],
        ["epoch", "compare", "--help"],
    ):
        assert main(args) == 0
        out = capsys.readouterr().out
        assert (
            "notable_ai_models.csv --" not in out and "tests/data/epoch_notable_models.csv" in out
        )


# --------------------------------------------------------------------------- the basics


def test_version_bare_help_and_one_error_prefix(capsys) -> None:  # type: ignore[no-untyped-def]
    from frontiercost import __version__

    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"frontiercost {__version__}\n"
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: frontiercost") and "examples:" in out
    assert main(["run"]) == 2
    assert capsys.readouterr().err == (
        "frontiercost: error: run: the following arguments are required: SCENARIO\n"
    )
    assert main(["run", "gpt-4", "--bogus"]) == 2
    assert capsys.readouterr().err == "frontiercost: error: run: unrecognized arguments: --bogus\n"
    assert main(["run", "gpt-4", "--draw", "5"]) == 2  # no abbreviations
    assert "unrecognized arguments: --draw" in capsys.readouterr().err


def test_draws_out_of_range_names_the_flag_and_the_range(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["run", "gpt-4", "--draws", "1e30"]) == 2
    assert capsys.readouterr().err == (
        "frontiercost: error: run: argument --draws: 1e30 is out of range: draws per chain "
        "run from 1 to 2**53 (9.0e15)\n"
    )


@pytest.mark.parametrize("shell", ["bash", "zsh", "tcsh"])
def test_shell_completion_knows_the_commands_and_flags(capsys, shell: str) -> None:  # type: ignore[no-untyped-def]
    assert main(["--print-completion", shell]) == 0
    out = capsys.readouterr().out
    assert "sensitivity" in out and "epoch" in out
    if shell != "tcsh":  # shtab's tcsh script completes commands only
        assert "--draws" in out and "--max-time" in out


def test_in_process_main_leaves_the_signal_handlers_as_they_were(capsys) -> None:  # type: ignore[no-untyped-def]
    before = [signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)]
    assert main(["priors", "server_cost_factor"]) == 0
    assert [signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)] == before


# --------------------------------------------------------------------------- one vocabulary


def test_old_spellings_still_work_with_a_note(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    argv = ["sensitivity", "gpt-4", "--method", "tornado", "--output", "cloud_cost"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "cloud_cost at each parameter's p5 and p95" in captured.out
    assert captured.err == (
        "frontiercost: note: --output is now --var; the old spelling will be removed\n"
    )
    assert main([*argv, "-q"]) == 0 and capsys.readouterr().err == ""
    png = tmp_path / "t.png"
    assert main(["plot", "gpt-4", "--kind", "tornado", "--out", str(png), "-q"]) == 0
    assert png.stat().st_size > 0


FLAGS_WITHOUT_EFFECT = [
    (
        ["sensitivity", "gpt-4", "--method", "tornado", "--sampler", "lhs", "--draws", "50"],
        "--draws: --method tornado samples nothing",
    ),
    (["sensitivity", "gpt-4", "--sampler", "lhs"], "--sampler: --method sobol evaluates its own"),
    (["sensitivity", "gpt-4", "--method", "rank", "--n", "64"], "--n: --method rank gives"),
    (["sensitivity", "gpt-4", "--method", "rank", "--hdi"], "--hdi: --method rank gives"),
    (["plot", "gpt-4", "--kind", "tornado", "--plot", "{tmp}/t.png", "-t", "1e9"], "--threshold"),
    (["plot", "gpt-4", "--kind", "tornado", "--plot", "{tmp}/t.png", "--seed", "3"], "--seed:"),
    (["run", "gpt-4", "--threads-per-worker", "2"], "--threads-per-worker: sets the threads"),
    (["run", "gpt-4", "--overwrite"], "--overwrite: there is no output file to replace"),
    (["chips", "--overwrite"], "--overwrite: there is no output file to replace"),
    (["plot", "gpt-4", "--kind", "exceedance", "--plot", "{tmp}/e.png", "--hdi"], "--hdi: --kind"),
    (["exceedance", "{run}", "-t", "1e9", "--draws", "10"], "--draws: {run} is a saved run"),
    (["compare", "{run}", "gpt-4", "--seed", "4"], "--seed: the scenario is sampled with"),
]


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("saved") / "gpt-4.nc"
    assert main(["run", "gpt-4", "--draws", "300", "--chains", "2", "--out", str(path), "-q"]) == 0
    return path


@pytest.mark.parametrize(
    ("argv", "message"),
    FLAGS_WITHOUT_EFFECT,
    ids=[" ".join(a)[:50] for a, _ in FLAGS_WITHOUT_EFFECT],
)
def test_a_flag_without_effect_is_an_error(capsys, tmp_path, saved_run, argv, message) -> None:  # type: ignore[no-untyped-def]
    where = {"tmp": str(tmp_path), "run": str(saved_run)}
    assert main([a.format(**where) for a in argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith(f"frontiercost: error: {message.format(**where)}")
    assert list(tmp_path.iterdir()) == []


def test_thresholds_are_var_equals_t_and_a_bare_t_only_for_one_variable(capsys) -> None:  # type: ignore[no-untyped-def]
    small = ["--draws", "500", "--chains", "2", "--format", "json"]
    argv = ["exceedance", "gpt-4", "-t", "amortized_cost=5e7", "-t", "cloud_cost=$100M", *small]
    assert main(argv) == 0
    record = json.loads(capsys.readouterr().out)
    got = {n: [e["threshold"] for e in v["exceedance"]] for n, v in record["variables"].items()}
    assert got == {"amortized_cost": [5e7], "cloud_cost": [1e8]}
    assert main(["exceedance", "gpt-4", "-t", "1e8", *small]) == 0  # the headline
    assert list(json.loads(capsys.readouterr().out)["variables"]) == ["amortized_cost"]
    argv = ["exceedance", "gpt-4", "--var", "amortized_cost", "--var", "cloud_cost", "-t", "1e8"]
    assert main(argv) == 2
    assert capsys.readouterr().err == (
        "frontiercost: error: --threshold: 1e+08 names no variable and 2 are shown "
        "(amortized_cost, cloud_cost); write VAR=T, e.g. -t amortized_cost=1e+08\n"
    )


def test_a_bare_threshold_beside_a_named_one_goes_to_the_headline(capsys, saved_run) -> None:  # type: ignore[no-untyped-def]
    # It went to the variable the other -t named (cloud_cost): a wrong figure, exit 0.
    small = ["--draws", "500", "--chains", "2"]
    for source, extra in (("gpt-4", small), (str(saved_run), [])):
        argv = ["exceedance", source, "-t", "5e7", "-t", "cloud_cost=1e8", "--format", "json"]
        assert main([*argv, *extra]) == 0
        record = json.loads(capsys.readouterr().out)
        got = {
            n: [e["threshold"] for e in v["exceedance"]] for n, v in record["variables"].items()
        }
        assert got == {"amortized_cost": [5e7], "cloud_cost": [1e8]}
    argv = ["exceedance", "gpt-4", "--var", "cloud_cost", "--var", "cloud_cost", "-t", "5e7"]
    argv += ["-t", "amortized_cost=1e8"]  # the same --var twice is one variable
    assert main([*argv, *small, "--format", "json"]) == 0
    record = json.loads(capsys.readouterr().out)
    got = {n: [e["threshold"] for e in v["exceedance"]] for n, v in record["variables"].items()}
    assert got == {"cloud_cost": [5e7], "amortized_cost": [1e8]}


def test_a_sweep_sends_a_bare_threshold_to_its_headline_beside_a_named_one(capsys) -> None:  # type: ignore[no-untyped-def]
    argv = ["sweep", "frontier-run-2025-2030", "--vary", "growth_rate=2,2.9", "--summary"]
    argv += ["-t", "1e9", "-t", "final_run_cost=2e9", "--draws", "500", "--format", "json"]
    assert main(argv) == 0  # the headline is projected_cost_2027
    outputs = json.loads(capsys.readouterr().out)["points"][0]["outputs"]
    assert {n: list(v.get("exceedance", {})) for n, v in outputs.items()} == {
        "projected_cost_2027": ["1e+09"],
        "final_run_cost": ["2e+09"],
    }


def test_a_sweep_takes_a_bare_threshold_for_its_headline(capsys) -> None:  # type: ignore[no-untyped-def]
    argv = ["sweep", "frontier-run-2025-2030", "--vary", "growth_rate=2,2.9", "--summary"]
    argv += ["-t", "1e9", "--var", "projected_cost_2027", "--draws", "500", "--format", "json"]
    assert main(argv) == 0
    points = json.loads(capsys.readouterr().out)["points"]
    assert [list(p["outputs"]["projected_cost_2027"]["exceedance"]) for p in points] == [
        ["1e+09"],
        ["1e+09"],
    ]


# --------------------------------------------------------------------------- listings


def test_scenarios_and_priors_list_as_json_and_csv(capsys) -> None:  # type: ignore[no-untyped-def]
    from frontiercost import list_scenarios
    from frontiercost.priors import load_library

    assert main(["scenarios", "--format", "json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["schema"] == "frontiercost.scenarios/1"
    assert [s["name"] for s in record["scenarios"]] == list_scenarios()
    gpt4 = next(s for s in record["scenarios"] if s["name"] == "gpt-4")
    assert gpt4["group"] == "models" and "frontier-model" in gpt4["tags"]
    assert "amortized_cost" in [o["name"] for o in gpt4["outputs"]]
    assert main(["priors", "--format", "json"]) == 0
    record = json.loads(capsys.readouterr().out)
    lib = load_library()
    assert [p["name"] for p in record["priors"]] == sorted(lib)
    one = next(p for p in record["priors"] if p["name"] == "server_cost_factor")
    prior = lib["server_cost_factor"]
    assert one["p95"] == float(prior.ppf(0.95)) and one["family"] == prior.family == "lognormal"
    assert one["parameters"] == {"mu": prior.mu, "sigma": prior.sigma}
    assert main(["priors", "server_cost_factor", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("name,family,unit,central,p5,p50,p95") and len(lines) == 2


# --------------------------------------------------------------------------- results to look at


def test_non_finite_draws_are_counted_and_strict_fails(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    odd = tmp_path / "odd.toml"
    odd.write_text(ODD)
    run = tmp_path / "odd.nc"
    small = ["--draws", "1000", "--chains", "2"]
    assert main(["run", str(odd), *small, "--out", str(run)]) == 0
    captured = capsys.readouterr()
    with xr.open_datatree(run, engine="h5netcdf") as tree:
        bad = int((~np.isfinite(tree["posterior"]["odd"].values)).sum())
    assert 800 < bad < 1200  # about half of 2,000
    header = next(line for line in captured.out.splitlines() if line.startswith("output"))
    assert header.endswith("non-finite draws")
    assert next(line for line in captured.out.splitlines() if line.startswith("odd ")).endswith(
        f" {bad:,}"
    )
    assert captured.err.count("warning:") == 1 and f"odd: {bad:,} NaN of 2,000" in captured.err
    assert main(["summarize", str(run), "--format", "json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["outputs"]["odd"]["nonfinite"] == bad
    assert record["outputs"]["cloud_cost"]["nonfinite"] == 0
    assert main(["run", str(odd), *small, "--strict"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith("frontiercost: error: odd: outputs with draws that are not")
    assert main(["sweep", str(odd), "--vary", "chip_hours=1e7,2e7", *small, "--strict"]) == 2
    assert "(strict)" in capsys.readouterr().err


@pytest.mark.slow
def test_a_failed_conditioning_warns_once_and_strict_fails(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The OpenAI scenario with its final-run figure made 200 times sharper: MCMC's R-hat fails."""
    from importlib import resources

    library = resources.files("frontiercost.scenarios") / "library"
    text = next(p for p in library.rglob("openai-2024-conditioned.toml")).read_text()
    assert "\nsigma = 0.4\n" in text
    sharp = tmp_path / "sharp.toml"
    sharp.write_text(text.replace("\nsigma = 0.4\n", "\nsigma = 0.002\n"))
    argv = ["run", str(sharp), "--draws", "200", "--chains", "2", "--var", "total_compute_cost"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert captured.err.count("warning:") == 1 and captured.err.count("\n") == 1
    assert "the conditioning diagnostics fail" in captured.err
    assert "more draws help (--draws, now 200 per chain)" in captured.err
    assert "method='mcmc'" not in captured.err and "warning:" not in captured.out
    assert main([*argv, "--strict"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.endswith("(--strict)\n")


# --------------------------------------------------------------------------- files and limits


def test_overwrite_replaces_only_when_asked(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "x.nc"
    xr.Dataset({"t": ("x", [1.0])}).to_netcdf(target, engine="h5netcdf")
    before = target.read_bytes()
    argv = ["run", "gpt-4", "--draws", "200", "--chains", "1", "--out", str(target)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "exists and is not a frontiercost output" in err and "--overwrite" in err
    assert target.read_bytes() == before
    assert main([*argv, "--overwrite", "-q"]) == 0
    with xr.open_datatree(target, engine="h5netcdf") as tree:
        assert tree["posterior"]["amortized_cost"].shape == (1, 200)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.nc"]
    (tmp_path / "folder.zarr").mkdir()
    (tmp_path / "folder.zarr" / "mine.txt").write_text("keep me")
    argv = ["run", "gpt-4", "--draws", "200", "--out", str(tmp_path / "folder.zarr")]
    assert main([*argv, "--overwrite"]) == 2
    assert "is never deleted" in capsys.readouterr().err
    assert (tmp_path / "folder.zarr" / "mine.txt").read_text() == "keep me"


def test_limits_are_flags(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert main(["run", "gpt-4", "--draws", "1e9", "--max-time", "10s"]) == 2
    err = capsys.readouterr().err
    assert "more than the limit of 10 s" in err and "--max-time" in err
    argv = ["run", "gpt-4", "--draws", "1e6", "--memory", "1M"]
    assert main([*argv, "--out", str(tmp_path / "x.nc"), "-q"]) == 0  # written block by block
    assert main(["sweep", "gpt-4", "--vary", "year=2020..2024", "--max-points", "3"]) == 2
    assert "5 points is more than the limit of 3" in capsys.readouterr().err
    assert main(["run", "gpt-4", "--max-time", "soon"]) == 2
    assert "argument --max-time: expected a time above 0" in capsys.readouterr().err
    assert main(["run", "gpt-4", "--memory", "lots"]) == 2
    assert "argument --memory: expected a size such as 4G" in capsys.readouterr().err


# --------------------------------------------------------------------------- child processes


def _child(argv: list[str], **env: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*CLI, *argv], capture_output=True, env={**os.environ, **env}, timeout=300
    )


@pytest.mark.parametrize(
    "env", [{"PYTHONIOENCODING": "ascii"}, {"LANG": "C", "LC_ALL": "C", "PYTHONUTF8": "0"}]
)
def test_output_in_a_non_utf8_locale(env: dict[str, str]) -> None:
    done = _child(["run", "gpt-4", "--draws", "1000"], **env)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    out = done.stdout.decode("ascii") if "PYTHONIOENCODING" in env else done.stdout.decode()
    assert "4,000 draws (4 chains" in out and "Traceback" not in done.stderr.decode()
    if "PYTHONIOENCODING" in env:  # the ASCII spellings of "×" and "–"
        assert "(4 chains x 1,000)" in out and " - $" in out
    help_ = _child(["exceedance", "--help"], **env)
    assert help_.returncode == 0 and b"Traceback" not in help_.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
def test_a_full_stdout_is_one_line_and_a_failure() -> None:
    for argv in (["scenarios"], ["--help"], ["chips", "--format", "json"]):
        with open("/dev/full", "wb") as full:
            done = subprocess.run([*CLI, *argv], stdout=full, stderr=subprocess.PIPE, timeout=120)
        assert done.returncode == 1, argv
        assert done.stderr.decode() == (
            "frontiercost: error: cannot write to standard output: No space left on device\n"
        ), argv


def test_progress_when_asked_fits_a_50_column_terminal() -> None:
    done = _child(
        ["run", "gpt-4", "--draws", "1e7", "--chains", "3", "--progress", "--format", "json"],
        COLUMNS="50",
    )
    assert done.returncode == 0
    frames = [f for f in done.stderr.decode().split("\r") if f.strip()]
    bars = [f for f in frames if "%" in f]
    assert bars and all(len(f) <= 50 for f in frames)
    assert any("draw/s" in f for f in bars)
    json.loads(done.stdout)  # the result is untouched by the bar


def _interrupt_mid_write(target: Path, signum: int) -> tuple[int, str]:
    """Start a run that replaces ``target``; signal it once its temporary file appears."""
    argv = ["run", "gpt-4", "--draws", "250000", "--out", str(target), "-q"]
    with subprocess.Popen(
        [*CLI, *argv], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    ) as child:
        deadline = time.monotonic() + 240
        sent = False
        while child.poll() is None and time.monotonic() < deadline:
            if not sent and any(
                p.name.startswith(f".{target.name}.") for p in target.parent.iterdir()
            ):
                child.send_signal(signum)
                sent = True
            time.sleep(0.002)
        assert sent, "the run ended before its temporary file was seen"
        _, err = child.communicate(timeout=60)
    return child.returncode, err.decode()


def _snapshot(path: Path) -> dict[str, bytes]:
    """A file's bytes, or every file of a Zarr folder by relative path."""
    if path.is_file():
        return {"": path.read_bytes()}
    return {
        str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()
    }


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "signum", "code"),
    [("x.nc", signal.SIGINT, 130), ("x.nc", signal.SIGTERM, 143), ("x.zarr", signal.SIGINT, 130)],
)
def test_a_signal_mid_write_leaves_the_old_file_and_no_temporary(
    tmp_path, name, signum, code
) -> None:  # type: ignore[no-untyped-def]
    if name.endswith(".zarr"):
        pytest.importorskip("zarr")  # the distributed extra; CI installs it
    target = tmp_path / name
    assert main(["run", "gpt-4", "--draws", "100", "--chains", "1", "--out", str(target)]) == 0
    before = _snapshot(target)
    started = time.monotonic()
    got, err = _interrupt_mid_write(target, signum)
    assert got == code
    assert err == f"frontiercost: {'interrupted' if code == 130 else 'terminated'}\n"
    assert _snapshot(target) == before  # byte for byte the run written before
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no temporary left
    assert time.monotonic() - started < 120


def test_a_bug_is_one_line_and_verbose_shows_its_traceback(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from frontiercost.cli import _info

    def broken(args: object, console: object) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(_info, "cmd_chips", broken)
    assert main(["chips"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("frontiercost: internal error: RuntimeError: boom (a bug")
    assert err.count("\n") == 1
    assert main(["chips", "--verbose"]) == 1
    assert "Traceback (most recent call last)" in capsys.readouterr().err


def _interrupt(child: subprocess.Popen[bytes], to: str) -> None:
    """SIGINT to the command alone (``kill -INT``) or its whole group (a terminal's Ctrl-C)."""
    if to == "group":
        os.killpg(child.pid, signal.SIGINT)
    else:
        child.send_signal(signal.SIGINT)


@pytest.mark.slow
@pytest.mark.dask
@pytest.mark.parametrize("to", ["command", "group"])
def test_an_interrupted_dask_run_says_one_line(to: str) -> None:
    """Ctrl-C reaches the worker processes too: they stay quiet while the command stops them."""
    with subprocess.Popen(
        # 4e9 draws: still running after the wait on any machine
        [*CLI, "run", "gpt-4", "--draws", "1e9", "--workers", "1", "-q"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    ) as child:
        time.sleep(8)  # the cluster is up and its worker busy
        assert child.poll() is None
        _interrupt(child, to)
        _, err = child.communicate(timeout=60)
    assert child.returncode == 130
    assert err.decode() == "frontiercost: interrupted\n"


@pytest.mark.slow
@pytest.mark.dask
@pytest.mark.parametrize(
    ("delay", "to"),
    [(d, "group") for d in (0.3, 0.5, 0.8, 1.2, 2.0, 3.0)]
    + [(d, "command") for d in (0.5, 1.2, 3.0)],
)
def test_an_interrupt_while_starting_up_says_one_line(delay: float, to: str) -> None:
    """Mid-import, mid-cluster-start: half-built modules, clusters and workers stay quiet."""
    with subprocess.Popen(
        [*CLI, "run", "gpt-4", "--draws", "1e9", "--workers", "1", "-q"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    ) as child:
        time.sleep(delay)
        _interrupt(child, to)
        _, err = child.communicate(timeout=60)
    assert (child.returncode, err.decode()) == (130, "frontiercost: interrupted\n")


def test_an_interrupt_printed_by_c_code_prints_no_traceback(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """An interrupt that landed in an import made by C code was printed there (numpy's
    ``import_array()`` calls ``PyErr_Print``, which calls ``sys.excepthook``) before
    the command's own line (CI, once, 0.5 s into `run --workers 1`)."""
    import sys

    from frontiercost import _files
    from frontiercost.cli import _info

    def interrupted_in_c(args: object, console: object) -> int:
        try:
            _files._handler(signal.SIGINT, None)  # the signal, mid-import
        except KeyboardInterrupt as exc:
            sys.excepthook(type(exc), exc, exc.__traceback__)  # PyErr_Print
        raise ImportError("numpy._core.multiarray failed to import")  # import_array()

    monkeypatch.setattr(sys, "excepthook", sys.__excepthook__)
    hooks = sys.excepthook, sys.unraisablehook
    monkeypatch.setattr(_info, "cmd_chips", interrupted_in_c)
    assert main(["chips"]) == 130
    assert capsys.readouterr().err == "frontiercost: interrupted\n"
    assert (sys.excepthook, sys.unraisablehook) == hooks  # main in-process leaves them


def test_only_the_interrupt_said_is_kept_quiet() -> None:
    from types import SimpleNamespace

    from frontiercost import _files
    from frontiercost.cli import _quiet_about_interrupts

    seen: list[object] = []
    quiet_except, quiet_unraisable = _quiet_about_interrupts(
        lambda kind, value, tb: seen.append(value), seen.append
    )
    interrupt, other = KeyboardInterrupt(), ValueError()
    quiet_except(KeyboardInterrupt, interrupt, None)  # no interrupt recorded: not ours, shown
    _files._received.append(signal.SIGINT)
    try:
        quiet_except(KeyboardInterrupt, interrupt, None)
        quiet_except(ValueError, other, None)
        quiet_unraisable(SimpleNamespace(exc_value=interrupt))
        unraisable = SimpleNamespace(exc_value=other)
        quiet_unraisable(unraisable)
    finally:
        _files.forget_interrupts()
    assert seen == [interrupt, other, unraisable]


def test_an_interrupt_a_compiled_kernel_turned_into_an_error_still_exits_130(
    capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Ctrl-C inside a numba function surfaces as SystemError ("returned a result with an
    exception set"): the recorded signal decides the exit, not the error."""
    from frontiercost import _files
    from frontiercost.cli import _info

    def interrupted_kernel(args: object, console: object) -> int:
        _files._received.append(signal.SIGINT)
        raise SystemError("CPUDispatcher(gather_brackets) returned a result with an exception set")

    monkeypatch.setattr(_info, "cmd_chips", interrupted_kernel)
    assert main(["chips"]) == 130
    assert capsys.readouterr().err == "frontiercost: interrupted\n"
    assert _files.interrupted() is None  # forgotten when main returns: later calls run


def test_exceedance_says_when_nan_draws_are_left_out(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """P(y > 0) of y = log(x) is over the draws where x > 0: the table says so."""
    path = tmp_path / "nan.toml"
    path.write_text(
        '[scenario]\ntitle = "nan"\n[parameters]\nx = {family = "normal", mu = 1, sigma = 1}\n'
        '[formulas]\ny = "log(x)"\n',
        encoding="utf-8",
    )
    assert main(["exceedance", str(path), "-t", "y=0", "--draws", "2000", "--chains", "2"]) == 0
    out = capsys.readouterr().out
    found = re.search(r"^y: P\(X > t\) over its ([\d,]+) draws that are numbers, of 4,000"
                      r" \(([\d,]+) NaN left out\)$", out, re.MULTILINE)  # fmt: skip
    assert found, out
    kept, dropped = (int(g.replace(",", "")) for g in found.groups())
    assert kept + dropped == 4000 and 0.1 < dropped / 4000 < 0.22  # P(x <= 0) = 15.9 %
    assert main(["exceedance", "gpt-4", "-t", "1e8", "--draws", "500", "--chains", "2"]) == 0
    assert "left out" not in capsys.readouterr().out


def test_a_probability_of_every_or_no_draw_says_so_for_few_draws() -> None:
    """P = 1 from one draw printed "> 0 %" (a bound of one draw in n); few draws now
    say all or none of them, and many keep the bound."""
    from frontiercost.cli._common import prob_cell

    assert prob_cell(1.0, 0.0, 1) == "all of 1 draw"
    assert prob_cell(0.0, 0.0, 10) == "none of 10 draws"
    assert prob_cell(1.0, 0.0, 40_000) == "> 99.9975 %"
    assert prob_cell(0.0, 0.0, 40_000) == "< 0.0025 %"
    assert prob_cell(0.25, 0.01, 40) == "25 % ± 1 %"
