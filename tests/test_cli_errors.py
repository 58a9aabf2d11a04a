"""Every user error of the command line: exit code 2, one line on stderr, no traceback.

In-process (``main(argv)``) with files in ``tmp_path``. Where the machine cannot
produce the condition for real (permissions when tests run as root, a missing
zarr package) the check the command relies on is patched, and the test says so.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest
import xarray as xr

from frontiercost.cli import main

FIXTURE = Path(__file__).parent / "scenarios" / "gpt4_handwritten.toml"
SMALL = ["--draws", "200", "--chains", "2"]
pytestmark = pytest.mark.e2e  # the command line end to end (main() in-process)


def _error(capsys, argv: list[str]) -> str:  # type: ignore[no-untyped-def]
    """Run ``argv``; it must fail with exit code 2 and exactly one line on stderr."""
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("frontiercost: error: ") and captured.err.count("\n") == 1
    assert "Traceback" not in captured.err
    return captured.err


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Stored and streaming runs, a run without scenario, foreign and non-netCDF files."""
    folder = tmp_path_factory.mktemp("runs")
    names = ("stored", "streaming", "foreign", "text", "reference")
    files = {k: folder / f"{k}.nc" for k in names}
    assert main(["run", "gpt-4", *SMALL, "--out", str(files["stored"]), "-q"]) == 0
    assert main(["run", "reference", *SMALL, "--out", str(files["reference"]), "-q"]) == 0
    from frontiercost import simulate

    simulate(FIXTURE, draws=100, chains=1, store=False).to_netcdf(
        files["streaming"], engine="h5netcdf"
    )
    xr.Dataset({"t": ("x", [1.0, 2.0])}).to_netcdf(files["foreign"], engine="h5netcdf")
    files["text"].write_text("not a netCDF file\n")
    return files


CASES = [
    # unknown names, with the nearest one suggested
    (["run", "gpt-5", *SMALL], "unknown scenario 'gpt-5' (did you mean 'gpt-4'?)"),
    (
        ["trend", "--tag", "new-run", "--draws", "10"],
        "--tag: 6 scenario(s) tagged 'new-run' have amortized_cost, from 1 year(s); a trend"
        " needs at least 3 models, not all of one year",
    ),
    (
        ["compare", "gpt-4", "gpt-4", "--draws", "1e6", "--memory", "100M"],
        "(its share of the budget: compare holds both runs' draws in memory); use at most"
        " 148,945 draws per chain (--draws), or raise the budget",
    ),
    (
        ["compare", "gpt-4", "gpt-4", "--draws", "1e6", "--memory", "1"],
        "more than the memory budget of 1 B (its share of the budget: compare holds both"
        " runs' draws in memory); use fewer --draws, or raise the budget",
    ),
    (["run", "{stored}"], "stored.nc: a saved run, not a scenario; read it with `frontiercost"),
    (["validate", "{reference}"], "a saved run, not a scenario; read it with"),
    (["compare", "gpt-4", "gemni-1-0-ultra", *SMALL], "did you mean 'gemini-1-0-ultra'?"),
    (["sensitivity", "gpt4"], "did you mean 'gpt-4'?"),
    (["exceedance", "gpt4", "-t", "1e9"], "did you mean 'gpt-4'?"),
    (["report", "gpt4", "--out", "{tmp}/r.html"], "did you mean 'gpt-4'?"),
    (["plot", "gpt4", "--kind", "tornado", "--plot", "{tmp}/t.png"], "did you mean 'gpt-4'?"),
    (["run", "gpt-4", *SMALL, "--var", "amortised_cost"], "did you mean 'amortized_cost'?"),
    (["summarize", "{stored}", "--var", "amortised_cost"], "did you mean 'amortized_cost'?"),
    (
        [
            "plot",
            "{stored}",
            "--kind",
            "distribution",
            "--var",
            "cloudcost",
            "--plot",
            "{tmp}/x.png",
        ],
        "--var: run 'gpt-4' has no variable 'cloudcost'; did you mean 'cloud_cost'?",
    ),
    (["exceedance", "gpt-4", "-t", "1", "--var", "energycost", *SMALL], "'energy_cost'?"),
    (
        ["exceedance", "gpt-4", "-t", "energycost=1", *SMALL],
        "--threshold: scenario 'gpt-4' has no variable 'energycost'; did you mean 'energy_cost'?",
    ),
    (
        [
            "plot",
            "{stored}",
            "--kind",
            "components",
            "--var",
            "amortized_cost",
            "--parts",
            "chip_cost,chip_cost",
            "--plot",
            "{tmp}/x.png",
        ],
        "parts: 'chip_cost' is given twice; each part once",
    ),
    # a second --var of a one-variable command was dropped (the last or first won, exit 0)
    (
        [
            "plot",
            "{stored}",
            "--kind",
            "distribution",
            "--var",
            "amortized_cost",
            "--var",
            "cloud_cost",
            "--plot",
            "{tmp}/x.png",
        ],
        "plot: --var: given twice (amortized_cost, cloud_cost); this command takes one",
    ),
    (["trend", "--var", "amortized_cost", "--var", "cloud_cost"], "trend: --var: given twice"),
    (
        [
            "run",
            "gpt-4",
            *SMALL,
            "--var",
            "cloud_cost",
            "--var",
            "amortized_cost",
            "--plot",
            "{tmp}/x.png",
        ],
        "--plot: draws one variable, and 2 are given with --var (cloud_cost, amortized_cost)",
    ),
    (
        ["exceedance", "{stored}", "-t", "cloud_cost=1e8", "--var", "amortized_cost"],
        "--var amortized_cost: no threshold or --level for it",
    ),
    (
        ["sensitivity", "gpt-4", "--n", "64", "--ignore-correlations"],
        "--ignore-correlations: scenario 'gpt-4' correlates no inputs; drop the flag",
    ),
    (
        ["sensitivity", "gpt-4", "--method", "rank", "--n", "64", *SMALL],
        "(--n, --ignore-correlations, --ci and --hdi are for --method sobol)",
    ),
    (
        ["run", "gpt-4", "--out", "{stored}/x.nc"],
        "--out: folder '{stored}' is a file, not a folder",
    ),
    (
        ["epoch", "price", "gpt-4", "--database", "{tmp}/no.csv"],
        "no.csv: cannot read: No such file",
    ),
    # a $ on a threshold of a variable not in dollars was taken as a plain number (exit 0)
    (
        ["exceedance", "gpt-4", "-t", "chip_hours=$50M", *SMALL],
        "--threshold: $5e+07 is in dollars, but chip_hours is in h; write the number alone",
    ),
    (["exceedance", "{stored}", "-t", "energy_use=$4e7"], "but energy_use is in kWh"),
    (
        [
            "plot",
            "{stored}",
            "--kind",
            "exceedance",
            "--var",
            "chip_hours",
            "-t",
            "$1e7",
            "--plot",
            "{tmp}/x.png",
        ],
        "but chip_hours is in h",
    ),
    (
        [
            "sweep",
            "frontier-run-2025-2030",
            "--vary",
            "growth_rate=2,3",
            "--summary",
            "-t",
            "billion_dollar_year=$2027",
            *SMALL,
        ],
        "--threshold: $2027 is in dollars, but billion_dollar_year is in yr",
    ),
    (
        ["exceedance", "{stored}", "-t", "energycost=1"],
        "--threshold: run 'gpt-4' has no variable 'energycost'; did you mean 'energy_cost'?",
    ),
    (
        ["exceedance", "gpt-4", "-t", "1e4", "--var", "bare_chip_price", "--draws", "1e7"],
        "--var: 'bare_chip_price' is an uncertain input of scenario 'gpt-4', and a run of more"
        " than 10,000,000 draws is streamed",
    ),
    (
        ["run", "gpt-4", "--var", "bare_chip_price", "--draws", "1e7"],
        "keeping statistics of its outputs only; use fewer draws, store them",
    ),
    (["compare", "gpt-4", "gpt-4", *SMALL, "--var", "chip_hour"], "'chip_hours'?"),
    (["sensitivity", "gpt-4", "--var", "amortised_cost"], "did you mean 'amortized_cost'?"),
    (["trend", "--var", "amortised_cost", "--draws", "10"], "'amortized_cost'?"),
    (["report", "gpt-4", "--out", "{tmp}/r.html", "--var", "cloudcost"], "'cloud_cost'?"),
    (["run", "--", "gpt-4", "--draws", "100"], "--draws follows '--', which makes it a plain"),
    (["compare", "{stored}", "{stored}", "--draws", "9"], "are saved runs with their own draws"),
    (["rnu", "gpt-4"], "invalid choice: 'rnu' (choose from 'priors',"),
    (["rnu", "gpt-4"], "; did you mean 'run'?"),
    (["run", "gpt-4", "--sampler", "mcc"], "(choose from 'mc', 'qmc', 'lhs'); did you mean 'mc'?"),
    # a command's flag before the command, an unknown flag there
    (["--draws", "10k", "run", "gpt-4"], "--draws: an option of `run`, given before it"),
    (["--seed=3", "run", "gpt-4"], "--seed: an option of `run`, given before it"),
    (["--bogus", "run", "gpt-4"], "unrecognized arguments: --bogus; options before COMMAND"),
    (["--workers", "2"], "it is an option of run, sweep, given after the command"),
    # bad flag values
    (["run", "gpt-4", "--draws", "-5"], "argument --draws: expected a positive whole number"),
    (["run", "gpt-4", "--draws", "0"], "argument --draws: expected a positive whole number"),
    (["run", "gpt-4", "--draws", "1e3.5"], "argument --draws: expected a number such as 1e6"),
    (["run", "gpt-4", "--chains", "0"], "argument --chains: expected a whole number >= 1"),
    (["run", "gpt-4", "--seed", "-1"], "argument --seed: must be in [0, 2**63)"),
    (["run", "gpt-4", "--ci", "1"], "argument --ci: must be in (0, 1), e.g. 0.9, got 1"),
    (["run", "gpt-4", "--ci", "0"], "argument --ci: must be in (0, 1)"),
    (["summarize", "{stored}", "--ci", "95"], "argument --ci: must be in (0, 1)"),
    (["compare", "gpt-4", "gpt-4", "--ci", "x"], "argument --ci: expected a number such as 0.9"),
    (["run", "gpt-4", "--format", "yaml"], "argument --format: invalid choice: 'yaml'"),
    (["run", "gpt-4", "--sampler", "sobol"], "argument --sampler: invalid choice: 'sobol'"),
    (
        ["plot", "{stored}", "--kind", "violin", "--plot", "{tmp}/x.png"],
        "argument --kind: invalid choice: 'violin'",
    ),
    (
        ["plot", "{stored}", "--plot", "{tmp}/x.png"],
        "the following arguments are required: --kind",
    ),
    (["exceedance", "gpt-4", "-t", "a lot"], "argument -t/--threshold: expected VAR=T such as"),
    (["exceedance", "gpt-4", "--level", "1.5"], "argument --level: must be in (0, 1)"),
    (["exceedance", "gpt-4", *SMALL], "give at least one --threshold (e.g. 1e9) or --level"),
    (["sensitivity", "gpt-4", "--n", "1000"], "argument --n: must be a power of two"),
    (["sensitivity", "gpt-4", "--method", "morris"], "argument --method: invalid choice"),
    (["run", "gpt-4", "-q", "-v"], "argument -v/--verbose: not allowed with argument -q/--quiet"),
    (["-q", "run", "gpt-4", "-v", *SMALL], "--quiet and --verbose: choose one"),
    (
        ["plot", "{stored}", "--kind", "components", "--parts", "a,b", "--plot", "{tmp}/x.png"],
        "--parts: give the total they add up to with --var",
    ),
    (
        [
            "plot",
            "{stored}",
            "--kind",
            "components",
            "--var",
            "cloud_cost",
            "--plot",
            "{tmp}/x.png",
        ],
        "--parts: no default parts for 'cloud_cost'",
    ),
    (
        [
            "plot",
            "frontier-run-2025-2030",
            "--kind",
            "projection",
            "--var",
            "x",
            "--plot",
            "{tmp}/p.png",
        ],
        "--var: the projection plot shows every projected_cost_<year>",
    ),
    (
        ["plot", "gpt-4", "--kind", "projection", "--plot", "{tmp}/p.png", *SMALL],
        "--kind projection: 'gpt-4' has no projected_cost_<year> outputs",
    ),
    (
        ["run", "gpt-4", "--draws", "2e7", "--chains", "1", "--plot", "{tmp}/p.png"],
        "--plot: the distribution plot needs stored draws",
    ),
    (["compare", "gpt-4", "gpt-4", "--draws", "1e7"], "compare pairs stored draws"),
    (
        ["run", "openai-2024-conditioned", "--sampler", "qmc", *SMALL],
        "--sampler: openai-2024-conditioned is conditioned on observations",
    ),
    (["trend", "--draws", "1e7"], "trend stores every model's draws"),
    # input files
    (["summarize", "{tmp}/missing.nc"], "missing.nc: no such file"),
    (["summarize", "{tmp}"], "expected a run saved with `frontiercost run --out` (.nc or"),
    (["summarize", "gpt-4"], "to sample a scenario use `frontiercost run`"),
    (["summarize", "{text}"], "not a netCDF4/HDF5 file"),
    (["summarize", "{foreign}"], "foreign.nc: not a frontiercost run"),
    (["compare", "{stored}", "{streaming}"], "a streaming run has no draws to pair"),
    (
        ["plot", "{streaming}", "--kind", "distribution", "--plot", "{tmp}/x.png"],
        "a streaming run has no draws to plot; --kind exceedance works on it",
    ),
    (
        ["sensitivity", "{reference}", "--method", "tornado"],
        "reference.nc: the run records no scenario; --method tornado needs one",
    ),
    (["report", "{reference}", "--out", "{tmp}/r.html"], "records no scenario to report on"),
    (["run", "{tmp}/nothing.toml"], "nothing.toml: no such scenario file"),
    # output files
    (["run", "gpt-4", "--out", "{tmp}/no/such/run.nc"], "--out: folder '{tmp}/no/such' does not"),
    (["run", "gpt-4", "--out", "{tmp}/run.csv"], "--out: expected a .nc or .zarr file"),
    (["run", "gpt-4", "--out", "{tmp}"], "--out: expected a .nc or .zarr file"),
    (["run", "gpt-4", "--plot", "{tmp}/plot.gif"], "--plot: expected a .png or .svg or .pdf"),
    (["run", "gpt-4", "--save", "{tmp}/no/s.json"], "--save: folder '{tmp}/no' does not exist"),
    (["run", "gpt-4", "--save", "{tmp}/s.yaml"], "--save: expected a .json or .csv or .txt"),
    (["plot", "{stored}", "--kind", "tornado", "--plot", "{tmp}/no/t.png"], "does not exist"),
    (["report", "gpt-4", "--out", "{tmp}/report.pdf"], "--out: expected a .html or .htm file"),
    (["trend", "--plot", "{tmp}/no/t.png"], "--plot: folder '{tmp}/no' does not exist"),
]


@pytest.mark.parametrize(("argv", "message"), CASES, ids=[" ".join(c[0])[:60] for c in CASES])
def test_user_error(capsys, tmp_path, saved, argv: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    where = {"tmp": str(tmp_path), **{k: str(v) for k, v in saved.items()}}
    argv = [a.format(**where) for a in argv]
    assert message.format(**where) in _error(capsys, argv)
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing written, no temporaries


@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_a_bad_numba_thread_count_is_one_line(capsys, monkeypatch, value: str) -> None:  # type: ignore[no-untyped-def]
    """numba's import fails on it: an internal ValueError before."""
    monkeypatch.setenv("NUMBA_NUM_THREADS", value)
    err = _error(capsys, ["run", "gpt-4", *SMALL])
    assert f"NUMBA_NUM_THREADS: must be a whole number above 0, got {value!r}" in err


def test_a_legal_name_of_254_bytes_is_written(tmp_path: Path) -> None:
    """Its temporary, ``.NAME.<hex>.tmp``, was over 255 bytes: the run failed after
    sampling with "File name too long"."""
    out = tmp_path / ("a" * 251 + ".nc")
    save = tmp_path / ("b" * 249 + ".json")
    argv = ["run", "gpt-4", *SMALL, "--out", str(out), "--save", str(save), "-q"]
    assert main([*argv, "--format", "json"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([out.name, save.name])


def test_an_existing_folder_named_like_a_run_is_refused(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "run.nc").mkdir()
    assert "run.nc' is a folder" in _error(
        capsys, ["run", "gpt-4", "--out", str(tmp_path / "run.nc")]
    )
    assert "is a folder, not a .nc file" in _error(capsys, ["summarize", str(tmp_path / "run.nc")])


def _deny(monkeypatch: pytest.MonkeyPatch, denied: Path) -> None:
    """``os.access`` says no for ``denied`` (root may write anywhere, so it is patched)."""
    real = os.access

    def access(path: object, mode: int, **kwargs: object) -> bool:
        return False if Path(str(path)) == denied else real(path, mode, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "access", access)


def test_an_unwritable_folder_is_refused_before_sampling(capsys, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _deny(monkeypatch, tmp_path)
    for flag in ("--out", "--save", "--plot"):
        suffix = {"--out": ".nc", "--save": ".json", "--plot": ".png"}[flag]
        err = _error(capsys, ["run", "gpt-4", flag, str(tmp_path / f"x{suffix}")])
        assert f"{flag}: folder '{tmp_path}' is not writable" in err


def test_an_unreadable_run_is_refused(capsys, tmp_path, monkeypatch, saved) -> None:  # type: ignore[no-untyped-def]
    _deny(monkeypatch, saved["stored"])
    assert "stored.nc: cannot read: permission denied" in _error(
        capsys, ["summarize", str(saved["stored"])]
    )


def test_a_failing_write_is_one_message_and_leaves_nothing(capsys, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A disk that fills up mid-write: the error names the file, no temporary stays."""

    def full(self: object, *args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(xr.DataTree, "to_netcdf", full)
    err = _error(capsys, ["run", "gpt-4", *SMALL, "--out", str(tmp_path / "x.nc")])
    assert "--out: cannot write" in err and "No space left on device" in err
    assert list(tmp_path.iterdir()) == []


def test_zarr_without_the_package_says_how_to_install_it(capsys, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "zarr" else real(name, *a)
    )
    err = _error(capsys, ["run", "gpt-4", *SMALL, "--out", str(tmp_path / "run.zarr")])
    assert (
        "Zarr needs the zarr package" in err and "pip install 'frontiercost[distributed]'" in err
    )
    (tmp_path / "old.zarr").mkdir()
    err = _error(capsys, ["summarize", str(tmp_path / "old.zarr")])
    assert "Zarr needs the zarr package, which is not installed" in err


def test_sobol_on_correlated_inputs_names_the_flag(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from importlib import resources

    text = (resources.files("frontiercost.scenarios") / "library/models/gpt-4.toml").read_text()
    sc = tmp_path / "correlated.toml"
    sc.write_text(
        text + '\n[[correlation]]\nbetween = ["chip_count", "training_hours"]\nrank = -0.5\n'
    )
    err = _error(capsys, ["sensitivity", str(sc), "--n", "64"])
    assert "Sobol indices here assume independent inputs. Pass --ignore-correlations" in err
    assert err.endswith("or use --method rank\n") and "rank_correlations" not in err
    assert main(["sensitivity", str(sc), "--n", "64", "--ignore-correlations"]) == 0
    assert "correlations dropped: chip_count~training_hours" in capsys.readouterr().out


def test_workers_with_a_conditioned_scenario_is_refused_saying_why(capsys) -> None:  # type: ignore[no-untyped-def]
    from frontiercost.cli import main

    assert main(["run", "openai-2024-conditioned", "--workers", "2", "--draws", "100"]) == 2
    assert capsys.readouterr().err == (
        "frontiercost: error: --workers: openai-2024-conditioned is conditioned on observations"
        " ([[observe]]), which runs on this process's threads only; drop the flag\n"
    )


def test_a_value_that_starts_with_a_dash_is_shown_how_to_write(capsys) -> None:  # type: ignore[no-untyped-def]
    """argparse reads ``-t -$5M`` as two flags: the error says to write ``-t=-$5M``."""
    err = _error(capsys, ["exceedance", "gpt-4", *SMALL, "-t", "-$5M"])
    assert "argument -t/--threshold: expected one argument" in err
    assert "(a value that starts with '-' follows '=': -t=-VALUE)" in err
    assert main(["exceedance", "gpt-4", *SMALL, "-t=-$5M", "-q"]) == 0  # as the error says
    assert "-$5M" in capsys.readouterr().out
    err = _error(capsys, ["run", "gpt-4", "--seed"])  # no value at all: no such hint
    assert err.endswith("argument --seed: expected one argument\n")


@pytest.mark.parametrize(
    ("text", "value"),
    [("10k", 10_000), ("1M", 1_000_000), ("2.5k", 2_500), ("250_000", 250_000), ("1e3", 1_000)],
)
def test_counts_take_the_suffixes_thresholds_take(text: str, value: int) -> None:
    """``-t 1B`` was accepted and ``--draws 10k`` refused: one vocabulary for numbers."""
    from frontiercost.cli._common import count_value, draws_value

    assert draws_value(text) == value and count_value(text) == value
    from frontiercost.cli import build_parser

    args = build_parser().parse_args(["bench", "--sizes", f"{text},7"])
    assert args.sizes == (value, 7)


def test_a_misspelt_flag_is_refused_by_its_command_with_the_nearest_flag(capsys) -> None:  # type: ignore[no-untyped-def]
    from frontiercost.cli import main

    assert main(["run", "gpt-4", "--draw", "500"]) == 2
    assert capsys.readouterr().err == (
        "frontiercost: error: run: unrecognized arguments: --draw 500;"
        " --draw: did you mean --draws?\n"
    )
    assert main(["run", "gpt-4", "--bogus"]) == 2  # nothing near: no guess
    assert capsys.readouterr().err == "frontiercost: error: run: unrecognized arguments: --bogus\n"


def test_validate_refuses_a_prior_a_run_would_refuse(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Beta(0.01, 0.01) was `ok` for validate and an error naming nothing for run."""
    from frontiercost.cli import main

    path = tmp_path / "s.toml"
    path.write_text(
        '[scenario]\ntitle = "t"\noutputs = ["v"]\n[parameters]\n'
        'x = { family = "beta", alpha = 0.01, beta = 0.01 }\n[formulas]\nv = "x"\n'
    )
    assert main(["validate", str(path)]) == 2
    assert f"{path}: x: the quantile table cannot follow" in capsys.readouterr().err
    assert main(["run", str(path), "--draws", "100"]) == 2
    assert "error: x: beta prior: the quantile table cannot follow" in capsys.readouterr().err


def test_a_huge_value_is_not_echoed_whole(capsys) -> None:  # type: ignore[no-untyped-def]
    """A 100 kB value pasted into a flag came back whole in the error (and a 100 kB
    scenario name as the OS's 'File name too long'): the middle is cut, counted."""
    err = _error(capsys, ["run", "gpt-4", "--draws", "9" * 100_000])
    assert "--draws" in err and len(err) < 400
    assert "(99,822 characters)" in err  # the quoted value, less the 180 kept
    assert main(["run", "x" * 100_000]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and len(err) < 400 and "File name too long" in err
