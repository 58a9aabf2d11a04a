# ruff: noqa: E501  (a corpus of literal hostile inputs: long lines are the data)
"""Hostile scenario files: each one exits 2 with one line naming the file, the key and what is accepted.

Every case is run as ``frontiercost validate FILE`` in-process; the folder holding
the file must be exactly as it was afterwards (nothing written, nothing removed).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile_common import BASE, clear_error

pytestmark = pytest.mark.e2e

HW = """[scenario]
title = "t"
year = 2024

[hardware]
chip = "h100-sxm5"
price_year = 2024

[parameters]
chip_count = 1000
training_hours = 500
inflation_factor = 1.0
"""
FLEET = BASE.replace("chip_hours = 1e7\n", "chip_count = 1000\ntraining_hours = 500\n")
H100_H200 = '[[hardware.fleet]]\nchip = "h100-sxm5"\nshare = {a}\n[[hardware.fleet]]\nchip = "h200"\nshare = {b}\n'
UNCERTAIN = BASE.replace(
    "chip_hours = 1e7", 'chip_hours = { family = "lognormal", p5 = 5e6, p95 = 2e7 }'
)
CORR = (
    BASE.replace("chip_hours = 1e7\n", "")
    + 'training_hours = { family = "lognormal", p5 = 100, p95 = 1000 }\n'
    + 'chip_count = { family = "lognormal", p5 = 100, p95 = 1000 }\n'
)
ROUTES = """[scenario]
title = "t"
year = 2024
[hardware]
chip = "h100-sxm5"
price_year = 2024
[parameters]
chip_count = 1000
training_hours = 500
training_compute = 1e24
utilization = 0.4
inflation_factor = 1
"""
GROWTH = BASE + "growth_rate = 2.5\n"
DATED = """[scenario]
title = "t"
published = 2023-03-15

[parameters]
chip_count = 25000
training_hours = 2280
utilization = 0.4

[hardware]
chip = "a100-sxm4-40gb"
"""
STAFF = BASE + "project_years = 1\n[[staff]]\n"
FAMILIES = "beta, empirical, fixed, gamma, logitnormal, lognormal, loguniform, mixture, normal"


def _param(spec: str, quantity: str = "training_hours") -> str:
    return BASE + f"{quantity} = {spec}\n"


def _scen(line: str) -> str:
    return BASE.replace("year = 2024", f"year = 2024\n{line}")


CASES: list[tuple[str, str | bytes, tuple[str, ...]]] = [
    # ---- the file itself
    ("empty file", "", ("scenario.title: required",)),
    ("binary", b"\x00\x01\xff\xfe\x00", ("not UTF-8 text",)),
    ("latin-1", '[scenario]\ntitle = "caf\xe9"\n'.encode("latin-1"), ("not UTF-8 text",)),
    ("utf-16", BASE.encode("utf-16"), ("not UTF-8 text",)),
    ("bad toml", BASE + "x = = 1\n", ("s.toml:9:", "Invalid value")),
    ("duplicate key", BASE + "chip_hours = 2\n", ("s.toml:9:", "Cannot overwrite a value")),
    ("unterminated string", BASE + 'x = "abc\n', ("s.toml:9:",)),
    ("nul inside", BASE + 'x = "a\x00b"\n', ("s.toml:9:",)),
    ("deep arrays", BASE + "x = " + "[" * 5000 + "]" * 5000 + "\n", ("nested too deeply",)),
    ("deep inline tables", BASE + "x = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n", ("nested",)),
    ("deep table headers", BASE + "[" + ".".join(["a"] * 3000) + "]\n", ("nested more than 32",)),
    (
        "integer of 5000 digits",
        BASE + "training_compute = " + "9" * 5000 + "\n",
        ("4,300 digits",),
    ),
    ("year of 5000 digits", BASE.replace("2024", "9" * 5000), ("4,300 digits",)),
    ("integer of 400 digits", _param("9" * 400), ("training_hours",)),
    # ---- tables
    (
        "unknown table",
        BASE + "[foo]\nx = 1\n",
        ("s.toml:9 [foo]: unknown table", "accepted: scenario"),
    ),
    ("table typo", BASE + "[paramters]\nx = 1\n", ("unknown table (did you mean 'parameters'?)",)),
    ("scenario not a table", "scenario = 5\n", ("[scenario]: expected a [scenario] table",)),
    (
        "hardware not a table",
        "hardware = 5\n" + BASE,
        ("[hardware]: expected a [hardware] table",),
    ),
    (
        "parameters not a table",
        "parameters = [1]\n" + BASE.replace("[parameters]", "[formulas]"),
        ("[parameters]",),
    ),
    (
        "formulas not a table",
        "formulas = 1\n" + BASE,
        ("[formulas]: expected a [formulas] table",),
    ),
    ("routes a list", "routes = []\n" + BASE, ("[routes]: expected a [routes] table",)),
    ("reference table a number", "reference = 1\n" + BASE, ("[reference]: expected",)),
    ("projection a number", "projection = 1\n" + BASE, ("[projection]: expected",)),
    ("sweep a number", "sweep = 1\n" + BASE, ("[sweep]: expected a [sweep] table",)),
    ("correlation a number", "correlation = 5\n" + BASE, ("expected [[correlation]] tables",)),
    ("staff a list of numbers", "staff = [1]\n" + BASE, ("expected [[staff]] tables",)),
    ("observe a string", 'observe = "x"\n' + BASE, ("expected [[observe]] tables",)),
    (
        "correlation as one table",
        CORR + '[correlation]\nbetween = ["chip_count", "training_hours"]\nrank = 0.5\n',
        ("use [[correlation]] tables",),
    ),
    # ---- [scenario]
    ("no title", "[parameters]\nchip_hours = 1\n", ("scenario.title: required",)),
    ("title a number", BASE.replace('title = "t"', "title = 5"), ("s.toml:2 scenario.title",)),
    ("title blank", BASE.replace('title = "t"', 'title = "   "'), ("scenario.title",)),
    (
        "unknown scenario key",
        _scen('colour = "red"'),
        ("scenario.colour: unknown key", "accepted: title"),
    ),
    (
        "year a string",
        BASE.replace("year = 2024", 'year = "2024"'),
        ("scenario.year: must be a year between 1950 and 2100",),
    ),
    ("year 1e400", BASE.replace("year = 2024", "year = 1e400"), ("scenario.year", "got inf")),
    ("year nan", BASE.replace("year = 2024", "year = nan"), ("scenario.year", "got nan")),
    ("year 1900", BASE.replace("year = 2024", "year = 1900"), ("between 1950 and 2100", "1900")),
    ("year 2200", BASE.replace("year = 2024", "year = 2200"), ("between 1950 and 2100", "2200")),
    ("year true", BASE.replace("year = 2024", "year = true"), ("scenario.year",)),
    (
        "cost_basis unknown",
        _scen('cost_basis = "rent"'),
        ("scenario.cost_basis: 'rent'", "amortized", "cloud"),
    ),
    (
        "depreciation unknown",
        _scen('depreciation = "log"'),
        ("scenario.depreciation", "linear", "exact"),
    ),
    ("tags a string", _scen('tags = "x"'), ("scenario.tags: must be a list of strings",)),
    (
        "sources of numbers",
        _scen("sources = [1, 2]"),
        ("scenario.sources: must be a list of strings",),
    ),
    (
        "outputs not computable",
        _scen('outputs = ["amortized_cost"]'),
        ("scenario.outputs", "cannot be computed"),
    ),
    (
        "outputs typo",
        _scen('outputs = ["cloud_cots"]'),
        ("scenario.outputs", "did you mean 'cloud_cost'?"),
    ),
    (
        "published a string",
        _scen('published = "yesterday"'),
        ("scenario.published: expected a date such as 2023-03-15",),
    ),
    (
        "pipeline unknown",
        _scen('pipeline = "epoch-2099"'),
        ("scenario.pipeline", "accepted: epoch-2025"),
    ),
    (
        "dollars and inflation_factor",
        _scen('dollars = "2024-06"'),
        ("inflation_factor: scenario.dollars computes it",),
    ),
    (
        "dollars month 13",
        BASE.replace("inflation_factor = 1.0\n", "").replace(
            "year = 2024", 'year = 2024\ndollars = "2024-13"'
        ),
        ("dollars",),
    ),
    (
        "dollars before the index",
        BASE.replace("inflation_factor = 1.0\n", "").replace(
            "year = 2024", 'year = 2024\ndollars = "1990-01"'
        ),
        ("dollars",),
    ),
    # ---- [parameters]: values
    (
        "unknown parameter",
        BASE + "chip_cuont = 5\n",
        ("s.toml:9 chip_cuont: unknown parameter (did you mean 'chip_count'?)",),
    ),
    (
        "parameter inf",
        BASE.replace("chip_hours = 1e7", "chip_hours = inf"),
        ("s.toml:6 chip_hours: inf is not a finite number",),
    ),
    (
        "parameter -inf",
        BASE.replace("chip_hours = 1e7", "chip_hours = -inf"),
        ("chip_hours: -inf is not a finite number",),
    ),
    (
        "parameter nan",
        BASE.replace("chip_hours = 1e7", "chip_hours = nan"),
        ("chip_hours: nan is not a finite number",),
    ),
    (
        "parameter 1e400",
        BASE.replace("chip_hours = 1e7", "chip_hours = 1e400"),
        ("chip_hours: inf is not a finite number",),
    ),
    (
        "parameter true",
        BASE.replace("chip_hours = 1e7", "chip_hours = true"),
        ("chip_hours: expected a number, a prior-library name or a prior table",),
    ),
    (
        "parameter list",
        BASE.replace("chip_hours = 1e7", "chip_hours = [1, 2]"),
        ("chip_hours: expected a number",),
    ),
    (
        "parameter date",
        BASE.replace("chip_hours = 1e7", "chip_hours = 2024-01-01"),
        ("chip_hours: expected a number",),
    ),
    # ---- [parameters]: outside each quantity's domain (model/quantities.py DOMAINS)
    (
        "utilization 0",
        _param("0", "utilization"),
        ("utilization: central value 0 is outside (0, 1]",),
    ),
    ("utilization 37 %", _param("37", "utilization"), ("outside (0, 1]", "for 37 %, write 0.37")),
    ("utilization negative", _param("-0.1", "utilization"), ("utilization", "(0, 1]")),
    ("final_run_share 1.5", _param("1.5", "final_run_share"), ("final_run_share", "(0, 1]")),
    (
        "chip_count 0",
        _param("0", "chip_count"),
        ("chip_count: central value 0 is outside (0, inf)",),
    ),
    ("chip_count -3", _param("-3", "chip_count"), ("chip_count", "(0, inf)")),
    ("training_hours -0.0", _param("-0.0"), ("training_hours", "(0, inf)")),
    (
        "depreciation_rate 6",
        _param("6", "depreciation_rate"),
        ("depreciation_rate: central value 6 is outside [0, 5]",),
    ),
    ("pue 0.9", _param("0.9", "pue"), ("pue: central value 0.9 is outside [1, inf)",)),
    (
        "server_cost_factor 0.5",
        _param("0.5", "server_cost_factor"),
        ("server_cost_factor", "[1, inf)"),
    ),
    (
        "interconnect_factor 0.5",
        _param("0.5", "interconnect_factor"),
        ("interconnect_factor", "[1, inf)"),
    ),
    (
        "avg_power_fraction 2.5",
        _param("2.5", "avg_power_fraction"),
        ("avg_power_fraction", "(0, 2]"),
    ),
    (
        "interconnect_fraction 1",
        _param("1", "interconnect_fraction"),
        ("interconnect_fraction", "[0, 1)"),
    ),
    (
        "hardware_age 51",
        _param("51", "hardware_age"),
        ("hardware_age: central value 51 is outside [-2, 50]",),
    ),
    ("hardware_age -50", _param("-50", "hardware_age"), ("hardware_age", "[-2, 50]")),
    ("electricity_price 0", _param("0", "electricity_price"), ("electricity_price", "(0, inf)")),
    (
        "normal prior below zero",
        _param('{ family = "normal", mean = 1000, sd = 800 }'),
        ("training_hours: the normal prior puts", "outside (0, inf)"),
    ),
    (
        "uniform prior below zero",
        _param('{ family = "uniform", lower = -10, upper = 5 }'),
        ("training_hours", "outside (0, inf)"),
    ),
    (
        "beta prior over utilization 1",
        _param('{ family = "normal", mean = 0.9, sd = 0.1 }', "utilization"),
        ("utilization: the normal prior puts", "(0, 1]"),
    ),
    (
        "lognormal below server factor 1",
        _param('{ family = "lognormal", p5 = 0.8, p95 = 1.5 }', "server_cost_factor"),
        ("server_cost_factor: the lognormal prior puts", "[1, inf)"),
    ),
    (
        "empirical with negatives",
        _param('{ family = "empirical", samples = [-1, 2, 3] }'),
        ("the empirical prior puts", "(0, inf)"),
    ),
    # ---- priors: every family's bad specs
    (
        "family unknown",
        _param('{ family = "cauchy", p5 = 1, p95 = 2 }'),
        ("family: unknown family 'cauchy'", FAMILIES),
    ),
    ("family missing", _param("{ p5 = 1, p95 = 2 }"), ("family: required", FAMILIES)),
    ("family a number", _param("{ family = 3, p5 = 1, p95 = 2 }"), ("family: unknown family 3",)),
    ("normal without sd", _param('{ family = "normal", mean = 1 }'), ("mean, sd: give both",)),
    (
        "normal sd 0",
        _param('{ family = "normal", mean = 1000, sd = 0 }'),
        ("sd: must be > 0, got 0",),
    ),
    (
        "normal sd nan",
        _param('{ family = "normal", mean = 1000, sd = nan }'),
        ("sd: must be a finite number, got nan",),
    ),
    (
        "normal sd inf",
        _param('{ family = "normal", mean = 1000, sd = inf }'),
        ("sd: must be a finite number, got inf",),
    ),
    (
        "normal sd a string",
        _param('{ family = "normal", mean = 1000, sd = "10" }'),
        ("sd: expected a number, got '10'",),
    ),
    (
        "normal two ways",
        _param('{ family = "normal", mean = 1000, sd = 10, mu = 3 }'),
        ("give the normal prior one way",),
    ),
    (
        "normal unknown key",
        _param('{ family = "normal", mean = 1000, sd = 10, shape = 3 }'),
        ("shape: unknown key for a normal prior", "accepted: central"),
    ),
    (
        "lognormal p5 = p95",
        _param('{ family = "lognormal", p5 = 100, p95 = 100 }'),
        ("p5 (100) must be below p95 (100)",),
    ),
    (
        "lognormal p5 > p95",
        _param('{ family = "lognormal", p5 = 200, p95 = 100 }'),
        ("p5 (200) must be below p95 (100)",),
    ),
    (
        "lognormal negative quantile",
        _param('{ family = "lognormal", p5 = -1, p95 = 100 }'),
        ("p5: quantiles of a lognormal prior must be > 0",),
    ),
    (
        "lognormal sigma 0",
        _param('{ family = "lognormal", mu = 1, sigma = 0 }'),
        ("sigma: must be > 0",),
    ),
    (
        "lognormal mu 1000",
        _param('{ family = "lognormal", mu = 1000, sigma = 1 }'),
        ("mu:", "709.78"),
    ),
    (
        "lognormal mu -1000",
        _param('{ family = "lognormal", mu = -1000, sigma = 1 }'),
        ("mu:", "709.78"),
    ),
    (
        "lognormal three quantiles",
        _param('{ family = "lognormal", p5 = 1, p50 = 2, p95 = 100 }'),
        ("give exactly two quantiles",),
    ),
    (
        "lognormal p0",
        _param('{ family = "lognormal", p0 = 1, p95 = 100 }'),
        ("p0: quantile keys run from p1 to p99",),
    ),
    (
        "lognormal p100",
        _param('{ family = "lognormal", p5 = 1, p100 = 100 }'),
        ("p100: unknown key",),
    ),
    (
        "lognormal median only",
        _param('{ family = "lognormal", median = 100 }'),
        ("give exactly two quantiles",),
    ),
    (
        "quantile probability 1.5",
        _param('{ family = "lognormal", quantiles = [[0.05, 1], [1.5, 2]] }'),
        ("quantiles[1][0]: a probability strictly between 0 and 1",),
    ),
    (
        "quantile probability 0",
        _param('{ family = "lognormal", quantiles = [[0, 1], [0.95, 2]] }'),
        ("quantiles[0][0]: a probability strictly between 0 and 1",),
    ),
    (
        "quantiles one pair",
        _param('{ family = "lognormal", quantiles = [[0.05, 1]] }'),
        ("give exactly two quantiles",),
    ),
    (
        "quantiles a string",
        _param('{ family = "lognormal", quantiles = "x" }'),
        ("quantiles: expected a list of [probability, value] pairs",),
    ),
    (
        "quantiles same probability",
        _param('{ family = "lognormal", quantiles = [[0.5, 1], [0.5, 2]] }'),
        ("the two quantiles must be at different probabilities",),
    ),
    (
        "truncnormal bounds reversed",
        _param('{ family = "truncnormal", mu = 1000, sigma = 10, lower = 2000, upper = 10 }'),
        ("lower (2000) must be below upper (10)",),
    ),
    (
        "truncnormal no mass",
        _param('{ family = "truncnormal", mu = 0, sigma = 1, lower = 100, upper = 200 }'),
        ("the interval holds no mass",),
    ),
    (
        "uniform lower = upper",
        _param('{ family = "uniform", lower = 5, upper = 5 }'),
        ("lower (5) must be below upper (5)",),
    ),
    (
        "uniform reversed",
        _param('{ family = "uniform", lower = 10, upper = 5 }'),
        ("lower (10) must be below upper (5)",),
    ),
    (
        "loguniform lower 0",
        _param('{ family = "loguniform", lower = 0, upper = 5 }'),
        ("lower: must be > 0, got 0",),
    ),
    (
        "loguniform lower negative",
        _param('{ family = "loguniform", lower = -1, upper = 5 }'),
        ("lower: must be > 0, got -1",),
    ),
    (
        "triangular mode outside",
        _param('{ family = "triangular", minimum = 1, mode = 10, maximum = 5 }'),
        ("mode (10) must lie in [minimum (1), maximum (5)]",),
    ),
    (
        "triangular degenerate",
        _param('{ family = "triangular", minimum = 5, mode = 5, maximum = 5 }'),
        ("minimum (5) must be below maximum (5)",),
    ),
    (
        "pert mode outside",
        _param('{ family = "pert", minimum = 1, mode = 0, maximum = 5 }'),
        ("mode (0) must lie in",),
    ),
    (
        "pert shape negative",
        _param('{ family = "pert", minimum = 1, mode = 2, maximum = 5, shape = -1 }'),
        ("shape: must be > 0, got -1",),
    ),
    (
        "beta alpha 0",
        _param('{ family = "beta", alpha = 0, beta = 2 }', "utilization"),
        ("alpha: must be > 0, got 0",),
    ),
    (
        "beta alpha negative",
        _param('{ family = "beta", alpha = -1, beta = 2 }', "utilization"),
        ("alpha: must be > 0, got -1",),
    ),
    (
        "beta quantile above 1",
        _param('{ family = "beta", p5 = 0.2, p95 = 1.5 }', "utilization"),
        ("p95: quantile 1.5 of a beta prior must lie strictly inside",),
    ),
    (
        "beta impossible sd",
        _param('{ family = "beta", mean = 0.5, sd = 0.6 }', "utilization"),
        ("sd: a beta with mean 0.5 needs sd below 0.5",),
    ),
    (
        "beta tiny alpha",
        _param('{ family = "beta", alpha = 1e-300, beta = 1 }', "utilization"),
        ("utilization", "(0, 1]"),
    ),
    (
        "gamma shape 0",
        _param('{ family = "gamma", shape = 0, scale = 1 }'),
        ("shape: must be > 0, got 0",),
    ),
    (
        "gamma scale and rate",
        _param('{ family = "gamma", shape = 2, scale = 1, rate = 1 }'),
        ("give exactly one of scale and rate",),
    ),
    (
        "gamma rate negative",
        _param('{ family = "gamma", shape = 2, rate = -1 }'),
        ("rate: must be > 0, got -1",),
    ),
    (
        "logitnormal bounds reversed",
        _param(
            '{ family = "logitnormal", mu = 0, sigma = 1, lower = 1, upper = 0 }', "utilization"
        ),
        ("lower (1) must be below upper (0)",),
    ),
    (
        "logitnormal sigma 0",
        _param('{ family = "logitnormal", mu = 0, sigma = 0 }', "utilization"),
        ("sigma: must be > 0",),
    ),
    (
        "empirical no samples",
        _param('{ family = "empirical", samples = [] }'),
        ("samples: need at least two finite samples",),
    ),
    (
        "empirical one sample",
        _param('{ family = "empirical", samples = [5] }'),
        ("samples: need at least two finite samples",),
    ),
    (
        "empirical nan sample",
        _param('{ family = "empirical", samples = [1, nan, 3] }'),
        ("samples[1]: must be a finite number, got nan",),
    ),
    (
        "empirical strings",
        _param('{ family = "empirical", samples = ["a", "b"] }'),
        ("samples[0]: expected a number, got 'a'",),
    ),
    (
        "empirical both forms",
        _param('{ family = "empirical", samples = [1,2,3], quantiles = [[0.1, 1], [0.9, 2]] }'),
        ("give exactly one of them",),
    ),
    (
        "empirical open table",
        _param('{ family = "empirical", quantiles = [[0.1, 5], [0.9, 2]] }'),
        ("probabilities must run from 0 to 1",),
    ),
    (
        "mixture negative weight",
        _param(
            '{ family = "mixture", components = [{family="uniform", lower=1, upper=2},{family="uniform", lower=3, upper=4}], weights = [1.5, -0.5] }'
        ),
        ("weights[1]: must be > 0, got -0.5",),
    ),
    (
        "mixture weight count",
        _param(
            '{ family = "mixture", components = [{family="uniform", lower=1, upper=2}], weights = [0.5, 0.5] }'
        ),
        ("weights: expected 1 weights (one per component), got 2",),
    ),
    (
        "mixture empty",
        _param('{ family = "mixture", components = [], weights = [] }'),
        ("components: a mixture needs at least one component",),
    ),
    (
        "mixture of mixtures",
        _param(
            '{ family = "mixture", components = [{family="mixture", components=[{family="uniform", lower=1, upper=2}], weights=[1]}], weights = [1] }'
        ),
        ("components[0]: must be a continuous non-mixture",),
    ),
    (
        "mixture bad component",
        _param('{ family = "mixture", components = [{family="normal", mean=1}], weights = [1] }'),
        ("components[0] mean, sd: give both",),
    ),
    (
        "mixture component a string",
        _param('{ family = "mixture", components = ["x"], weights = [1] }'),
        ("components[0] expected a table of prior keys, got 'x'",),
    ),
    ("fixed without value", _param('{ family = "fixed" }'), ("value: missing for a fixed prior",)),
    (
        "fixed nan",
        _param('{ family = "fixed", value = nan }'),
        ("value: must be a finite number, got nan",),
    ),
    (
        "library name unknown",
        _param('"no_such_prior"'),
        ("'no_such_prior' is not in the prior library", "`frontiercost priors` lists it"),
    ),
    (
        "library name typo",
        _param('"utilization_final_ru"', "utilization"),
        ("did you mean 'utilization_final_run'?",),
    ),
    (
        "times negative",
        _param('{ prior = "chip_count_multiplier", times = -5 }', "chip_count"),
        ("times must be a positive number, got -5",),
    ),
    (
        "times inf",
        _param('{ prior = "chip_count_multiplier", times = inf }', "chip_count"),
        ("chip_count", "inf"),
    ),
    (
        "times nan",
        _param('{ prior = "chip_count_multiplier", times = nan }', "chip_count"),
        ("chip_count: times must be a positive number, got nan",),
    ),
    (
        # finite, but its draws overflow: every cost would be inf with exit 0
        "times past the floats",
        _param('{ prior = "chip_count_multiplier", times = 1e308 }', "chip_count"),
        ("draws reach inf: past the largest number a draw can hold",),
    ),
    (
        "times a string",
        _param('{ prior = "chip_count_multiplier", times = "5" }', "chip_count"),
        ("times must be a positive number, got '5'",),
    ),
    (
        # on a prior that is not a multiplier, the point would become the factor itself
        "times on a non-multiplier",
        _param('{ prior = "utilization_final_run", times = 0.5 }', "utilization"),
        ("times needs a multiplier prior (central 1)", "its central is 0.375"),
    ),
    (
        "times on a factor",
        _param('{ prior = "server_cost_factor", times = 2 }', "server_cost_factor"),
        ("times needs a multiplier prior (central 1)", "its central is 1.64"),
    ),
    (
        "unit mismatch",
        _param('{ family = "normal", mean = 1000, sd = 10, unit = "days" }'),
        ("unit 'days' does not match training_hours's unit 'h'",),
    ),
    (
        "central outside support",
        _param('{ family = "uniform", lower = 1, upper = 2, central = 5 }'),
        ("central (5) must lie in the support [1, 2]",),
    ),
    (
        "relative without central",
        _param('{ family = "lognormal", relative = true, p5 = 0.5, p95 = 2 }'),
        ("a relative prior (relative = true) needs a central value",),
    ),
    (
        "relative a string",
        _param('{ family = "lognormal", central = 1000, relative = "yes", p5 = 0.5, p95 = 2 }'),
        ("relative: expected true or false, got 'yes'",),
    ),
    (
        "source a number",
        _param('{ family = "lognormal", p5 = 1, p95 = 2, source = 5 }'),
        ("source: expected a string, got 5",),
    ),
    # ---- [hardware]
    (
        "chip unknown",
        HW.replace('"h100-sxm5"', '"h1000"'),
        ("hardware.chip: unknown chip 'h1000'", "`frontiercost chips` lists them"),
    ),
    (
        "chip a number",
        HW.replace('"h100-sxm5"', "100"),
        ("hardware.chip: expected a chip name", "got 100"),
    ),
    (
        "price year not listed",
        HW.replace("price_year = 2024", "price_year = 2019"),
        ("hardware.price_year: no h100-sxm5 prices for 2019; accepted: 2022, 2023, 2024, 2025",),
    ),
    (
        "price year fractional",
        HW.replace("price_year = 2024", "price_year = 2024.5"),
        ("hardware.price_year: expected a year (an integer), got 2024.5",),
    ),
    (
        "price year a string",
        HW.replace("price_year = 2024", 'price_year = "2024"'),
        ("hardware.price_year: expected a year (an integer)",),
    ),
    (
        "cloud basis unknown",
        HW.replace("price_year = 2024", 'price_year = 2024\ncloud_basis = "spot"'),
        ("hardware.cloud_basis: 'spot' is not a cloud basis", "on-demand, 1yr, 3yr, contract"),
    ),
    (
        "cloud basis the chip lacks",
        HW.replace("price_year = 2024", 'price_year = 2025\ncloud_basis = "1yr"').replace(
            '"h100-sxm5"', '"b200"'
        ),
        ("hardware.cloud_basis: no 1yr cloud price for b200 in 2025; accepted in 2025: contract",),
    ),
    (
        "cloud basis without year",
        HW.replace("price_year = 2024", 'cloud_basis = "1yr"'),
        ("hardware.cloud_basis",),
    ),
    (
        "precision unknown",
        HW.replace("price_year = 2024", 'price_year = 2024\nprecision = "fp4"'),
        ("hardware.precision: 'fp4' is not listed for h100-sxm5; accepted: fp32",),
    ),
    (
        "precision without chip",
        HW.replace('chip = "h100-sxm5"\nprice_year = 2024', 'precision = "bf16"'),
        ("hardware.precision: needs hardware.chip",),
    ),
    (
        "hyperscaler a string",
        HW.replace("price_year = 2024", 'price_year = 2024\nhyperscaler = "yes"'),
        ("hardware.hyperscaler: must be true or false",),
    ),
    (
        "hardware unknown key",
        HW.replace("price_year = 2024", 'price_year = 2024\nvendor = "x"'),
        ("hardware.vendor: unknown key; accepted: chip",),
    ),
    (
        "training_start a string",
        HW.replace("price_year = 2024", 'price_year = 2024\ntraining_start = "soon"'),
        ("hardware.training_start: expected a date such as 2023-03-15",),
    ),
    # ---- fleets
    (
        "fleet shares sum 0.9",
        FLEET + H100_H200.format(a=0.6, b=0.3),
        (
            "hardware.fleet.share: shares must sum to 1 (within 1e-06); they sum to 0.9 (0.6 + 0.3)",
        ),
    ),
    (
        "fleet shares sum 1.2",
        FLEET + H100_H200.format(a=0.6, b=0.6),
        ("shares must sum to 1 (within 1e-06); they sum to 1.2",),
    ),
    (
        "fleet share above 1",
        FLEET + H100_H200.format(a=1.5, b=-0.5),
        ("each share must be a number in (0, 1], got 1.5",),
    ),
    (
        "fleet share 0",
        FLEET + H100_H200.format(a=1.0, b=0),
        ("each share must be a number in (0, 1], got 0",),
    ),
    (
        "fleet share nan",
        FLEET + H100_H200.format(a="nan", b=0.5),
        ("each share must be a number in (0, 1], got nan",),
    ),
    (
        "fleet share a string",
        FLEET + H100_H200.format(a='"half"', b=0.5),
        ("hardware.fleet.share",),
    ),
    (
        "fleet share missing",
        FLEET
        + '[[hardware.fleet]]\nchip = "h100-sxm5"\n[[hardware.fleet]]\nchip = "h200"\nshare = 0.5\n',
        ("hardware.fleet.share: missing",),
    ),
    (
        "fleet of one",
        FLEET + '[[hardware.fleet]]\nchip = "h100-sxm5"\nshare = 1\n',
        ("a fleet has two or more chip types",),
    ),
    (
        "fleet chip twice",
        FLEET + H100_H200.replace('"h200"', '"h100-sxm5"').format(a=0.5, b=0.5),
        ("hardware.fleet.label: 'h100_sxm5' is used twice",),
    ),
    (
        "fleet chip unknown",
        FLEET + H100_H200.replace('"h200"', '"h999"').format(a=0.5, b=0.5),
        ("hardware.fleet.chip: unknown chip 'h999'",),
    ),
    (
        "fleet and chip",
        FLEET + '[hardware]\nchip = "h100-sxm5"\n' + H100_H200.format(a=0.5, b=0.5),
        ("give chip (one chip type) or fleet, not both",),
    ),
    (
        "fleet a number",
        FLEET + "[hardware]\nfleet = 5\n",
        ("hardware.fleet: expected [[hardware.fleet]] tables",),
    ),
    (
        "fleet unknown key",
        FLEET + H100_H200.format(a=0.5, b="0.5\nfoo = 1"),
        ("hardware.fleet.foo: unknown key; accepted: chip, share",),
    ),
    (
        "fleet label with a space",
        FLEET + H100_H200.format(a='0.5\nlabel = "A B"', b=0.5),
        ("hardware.fleet.label: 'A B': need a lowercase identifier",),
    ),
    (
        "fleet price year not listed",
        FLEET + H100_H200.format(a="0.5\nprice_year = 1999", b=0.5),
        ("hardware.fleet.price_year: no h100-sxm5 prices for 1999; accepted: 2022",),
    ),
    # ---- [[correlation]]
    (
        "correlation with a fixed parameter",
        CORR + '[[correlation]]\nbetween = ["chip_count", "cloud_price"]\nrank = 0.5\n',
        ("correlation.between: cloud_price is fixed (one value)",),
    ),
    (
        "correlation with a default",
        CORR + '[[correlation]]\nbetween = ["chip_count", "depreciation_rate"]\nrank = 0.5\n',
        ("depreciation_rate is fixed",),
    ),
    (
        "correlation with a fleet's copy",
        FLEET.replace(
            "training_hours = 500",
            'training_hours = { family = "lognormal", p5 = 100, p95 = 1000 }',
        )
        + 'avg_power_fraction_h200 = "avg_power_fraction_gpu"\n'
        + H100_H200.format(a=0.5, b=0.5)
        + '[[correlation]]\nbetween = ["avg_power_fraction_h200", "training_hours"]\nrank = 0.9\n',
        (
            "correlation.between: avg_power_fraction_h200 is chip type h200's copy of avg_power_fraction",
            "(avg_power_fraction_h100_sxm5, avg_power_fraction_h200) share one random stream",
        ),
    ),
    (
        "correlation with a computed parameter",
        HW
        + 'server_cost_factor = "server_cost_factor"\n'
        + '[[correlation]]\nbetween = ["chip_price", "server_cost_factor"]\nrank = 0.5\n',
        (
            "correlation.between: chip_price is computed from bare_chip_price,"
            " server_cost_factor (as bare_chip_price * server_cost_factor), not drawn",
        ),
    ),
    (
        "correlation with a parameter no output reads",
        HW.replace(
            "chip_count = 1000", 'chip_count = { family = "lognormal", p5 = 100, p95 = 1000 }'
        )
        + '[[correlation]]\nbetween = ["bare_chip_price", "chip_count"]\nrank = 0.5\n',
        (
            "correlation.between: bare_chip_price is not drawn: no output of this scenario reads it",
        ),
    ),
    (
        "correlation with itself",
        CORR + '[[correlation]]\nbetween = ["chip_count", "chip_count"]\nrank = 0.5\n',
        ("correlation.between: a parameter with itself",),
    ),
    (
        "correlation rank 1",
        CORR + '[[correlation]]\nbetween = ["chip_count", "training_hours"]\nrank = 1\n',
        ("correlation.rank: must lie in (-1, 1), got 1",),
    ),
    (
        "correlation rank -1",
        CORR + '[[correlation]]\nbetween = ["chip_count", "training_hours"]\nrank = -1\n',
        ("must lie in (-1, 1), got -1",),
    ),
    (
        "correlation rank nan",
        CORR + '[[correlation]]\nbetween = ["chip_count", "training_hours"]\nrank = nan\n',
        ("must lie in (-1, 1), got nan",),
    ),
    (
        "correlation rank a string",
        CORR + '[[correlation]]\nbetween = ["chip_count", "training_hours"]\nrank = "high"\n',
        ("must lie in (-1, 1), got 'high'",),
    ),
    (
        "correlation without rank",
        CORR + '[[correlation]]\nbetween = ["chip_count", "training_hours"]\n',
        ("correlation.rank",),
    ),
    (
        "correlation of three",
        CORR
        + '[[correlation]]\nbetween = ["chip_count", "training_hours", "cloud_price"]\nrank = 0.5\n',
        ("correlation.between: needs two parameter names",),
    ),
    (
        "correlation between a string",
        CORR + '[[correlation]]\nbetween = "chip_count"\nrank = 0.5\n',
        ("correlation.between: needs two parameter names",),
    ),
    (
        "correlation unknown key",
        CORR
        + '[[correlation]]\nbetween = ["chip_count", "training_hours"]\nrank = 0.5\nkind = "pearson"\n',
        ("correlation.kind: unknown key; accepted: between, rank",),
    ),
    (
        "correlation pair twice",
        CORR
        + '[[correlation]]\nbetween = ["chip_count", "training_hours"]\nrank = 0.5\n[[correlation]]\nbetween = ["training_hours", "chip_count"]\nrank = 0.2\n',
        ("correlation",),
    ),
    # ---- [routes]
    (
        "routes left unstated",
        ROUTES,
        ("[parameters]: the parameters given compute chip_hours as chip_count * training_hours",),
    ),
    (
        "route not a way",
        ROUTES + '[routes]\nchip_hours = "chip_count + training_hours"\n',
        ("routes.chip_hours: 'chip_count + training_hours' is not one of its formulas",),
    ),
    (
        "route unknown quantity",
        ROUTES + '[routes]\nchip_hourz = "chip_count * training_hours"\n',
        ("routes.chip_hourz: not a quantity with a choice of formulas",),
    ),
    (
        "route a number",
        ROUTES + "[routes]\nchip_hours = 5\n",
        ("routes.chip_hours: expected a formula string, got 5",),
    ),
    (
        "route for a given parameter",
        BASE + '[routes]\nchip_hours = "chip_count * training_hours"\n',
        ("routes.chip_hours: is given in [parameters]",),
    ),
    # ---- [projection]
    (
        "projection fractional year",
        GROWTH + "[projection]\nyears = [2025.5]\n",
        ("projection.years: must be a non-empty list of integer years",),
    ),
    (
        "projection year a string",
        GROWTH + '[projection]\nyears = ["2025"]\n',
        ("projection.years: must be a non-empty list",),
    ),
    (
        "projection years a number",
        GROWTH + "[projection]\nyears = 2025\n",
        ("projection.years: must be a non-empty list",),
    ),
    (
        "projection no years",
        GROWTH + "[projection]\nyears = []\n",
        ("projection.years: must be a non-empty list",),
    ),
    (
        "projection year twice",
        GROWTH + "[projection]\nyears = [2025, 2025]\n",
        ("projection.years: a year is given twice",),
    ),
    (
        "projection year 1e9",
        GROWTH + "[projection]\nyears = [1000000000]\n",
        ("projection.years: 1000000000 is not a year from 1950 to 2100",),
    ),
    (
        "projection year 1900",
        GROWTH + "[projection]\nyears = [1900]\n",
        ("1900 is not a year from 1950 to 2100",),
    ),
    (
        "projection year of 400 digits",
        GROWTH + "[projection]\nyears = [" + "9" * 400 + "]\n",
        ("projection.years",),
    ),
    ("projection year true", GROWTH + "[projection]\nyears = [true]\n", ("projection.years",)),
    (
        "projection unknown key",
        GROWTH + "[projection]\nyears = [2025]\nfrom = 2024\n",
        ("projection.from: unknown key; accepted: years",),
    ),
    (
        "projection without growth",
        BASE + "[projection]\nyears = [2025]\n",
        ("projection.years: needs growth_rate",),
    ),
    # ---- [[observe]]
    (
        "observe sigma 0",
        UNCERTAIN + '[[observe]]\nquantity = "cloud_cost"\nvalue = 2e7\nsigma = 0\nsource = "x"\n',
        ("observe.sigma: must be positive, got 0",),
    ),
    (
        "observe sigma negative",
        UNCERTAIN
        + '[[observe]]\nquantity = "cloud_cost"\nvalue = 2e7\nsigma = -1\nsource = "x"\n',
        ("observe.sigma: must be positive, got -1",),
    ),
    (
        "observe sigma 1e308",
        UNCERTAIN
        + '[[observe]]\nquantity = "cloud_cost"\nvalue = 2e7\nsigma = 1e308\nsource = "x"\n',
        ("observe.sigma", "sd of ln(value)"),
    ),
    (
        "observe value nan",
        UNCERTAIN
        + '[[observe]]\nquantity = "cloud_cost"\nvalue = nan\nsigma = 0.1\nsource = "x"\n',
        ("observe.value: must be a finite number, got nan",),
    ),
    (
        "observe value inf",
        UNCERTAIN
        + '[[observe]]\nquantity = "cloud_cost"\nvalue = inf\nsigma = 0.1\nsource = "x"\n',
        ("observe.value: must be a finite number, got inf",),
    ),
    (
        "observe lognormal value 0",
        UNCERTAIN + '[[observe]]\nquantity = "cloud_cost"\nvalue = 0\nsigma = 0.1\nsource = "x"\n',
        ("observe.value: must be positive for a lognormal error",),
    ),
    (
        "observe error unknown",
        UNCERTAIN
        + '[[observe]]\nquantity = "cloud_cost"\nvalue = 2e7\nsigma = 0.1\nerror = "cauchy"\nsource = "x"\n',
        ("observe.error: 'cauchy'; accepted: lognormal, normal",),
    ),
    (
        "observe two bounds",
        UNCERTAIN
        + '[[observe]]\nquantity = "cloud_cost"\nbelow = 1e8\nabove = 1e6\nsource = "x"\n',
        ("observe.above: one bound per observation",),
    ),
    (
        "observe bound nan",
        UNCERTAIN + '[[observe]]\nquantity = "cloud_cost"\nbelow = nan\nsource = "x"\n',
        ("observe.below: must be a finite number, got nan",),
    ),
    (
        "observe between of three",
        UNCERTAIN + '[[observe]]\nquantity = "cloud_cost"\nbetween = [1, 2, 3]\nsource = "x"\n',
        ("observe.between: expected [low, high] (two numbers)",),
    ),
    (
        "observe between strings",
        UNCERTAIN + '[[observe]]\nquantity = "cloud_cost"\nbetween = ["a", "b"]\nsource = "x"\n',
        ("observe.between: expected [low, high]",),
    ),
    (
        "observe p5 alone",
        UNCERTAIN + '[[observe]]\nquantity = "cloud_cost"\np5 = 1e7\nsource = "x"\n',
        ("observe.p5: needs p95 too",),
    ),
    (
        "observe p5 above p95",
        UNCERTAIN + '[[observe]]\nquantity = "cloud_cost"\np5 = 3e7\np95 = 1e7\nsource = "x"\n',
        ("observe.p5: p5 (3e+07) must be below p95 (1e+07)",),
    ),
    (
        "observe quantity a number",
        UNCERTAIN + '[[observe]]\nquantity = 5\nvalue = 1\nsigma = 0.1\nsource = "x"\n',
        ("observe.quantity",),
    ),
    (
        "observe source empty",
        UNCERTAIN
        + '[[observe]]\nquantity = "cloud_cost"\nvalue = 2e7\nsigma = 0.1\nsource = ""\n',
        ("observe.source",),
    ),
    (
        "observe name a number",
        UNCERTAIN
        + '[[observe]]\nquantity = "cloud_cost"\nvalue = 2e7\nsigma = 0.1\nsource = "x"\nname = 5\n',
        ("observe.name: must be a name of letters, digits and _",),
    ),
    (
        "observe a fixed parameter",
        UNCERTAIN
        + '[[observe]]\nquantity = "cloud_price"\nvalue = 2\nsigma = 0.1\nsource = "x"\n',
        ("observe",),
    ),
    # ---- [reference]
    (
        "reference without source",
        BASE + "[reference]\ncloud_cost = { value = 2e7 }\n",
        ("s.toml:10 cloud_cost: source is required",),
    ),
    (
        "reference unknown output",
        BASE + '[reference]\ncloud_cots = { value = 2e7, source = "x" }\n',
        ("cloud_cots: not a model output (did you mean 'cloud_cost'?)",),
    ),
    (
        "reference value nan",
        BASE + '[reference]\ncloud_cost = { value = nan, source = "x" }\n',
        ("cloud_cost: value must be a finite number, got nan",),
    ),
    (
        "reference value a string",
        BASE + '[reference]\ncloud_cost = { value = "20M", source = "x" }\n',
        ("value must be a finite number, got '20M'",),
    ),
    (
        "reference basis unknown",
        BASE + '[reference]\ncloud_cost = { value = 2e7, source = "x", basis = "rumour" }\n',
        ("basis 'rumour'; accepted: amortized, cloud, acquisition, claim",),
    ),
    (
        "reference dollars month 13",
        BASE + '[reference]\ncloud_cost = { value = 2e7, source = "x", dollars = "2024-13" }\n',
        ('dollars: expected a month such as "2025-06"',),
    ),
    (
        "reference tolerance negative",
        BASE + '[reference]\ncloud_cost = { value = 2e7, source = "x", tolerance = -1 }\n',
        ("tolerance must be positive, got -1",),
    ),
    (
        "reference value and bound",
        BASE + '[reference]\ncloud_cost = { value = 2e7, below = 3e7, source = "x" }\n',
        ("give one of value, below",),
    ),
    (
        "reference unknown key",
        BASE + '[reference]\ncloud_cost = { value = 2e7, source = "x", url = "y" }\n',
        ("unknown key 'url'; accepted: value, below, above",),
    ),
    (
        "reference a number",
        BASE + "[reference]\ncloud_cost = 2e7\n",
        ("cloud_cost: expected {value = ..., source = '...'}",),
    ),
    (
        "reference empty list",
        BASE + "[reference]\ncloud_cost = []\n",
        ("cloud_cost: an empty list of figures",),
    ),
    # ---- [reference] figures in their output's domain (a cost is positive, a share a fraction)
    (
        "reference value negative",
        BASE + '[reference]\ncloud_cost = { value = -2e7, source = "x" }\n',
        ("s.toml:10 cloud_cost: value -2e+07 is outside (0, inf): positive",),
    ),
    (
        "reference value zero",
        BASE + '[reference]\ncloud_cost = { value = 0, source = "x" }\n',
        ("cloud_cost: value 0 is outside (0, inf): positive",),
    ),
    (
        "reference bound negative",
        BASE + '[[reference.cloud_cost]]\nbelow = -2e6\nsource = "x"\n',
        ("s.toml:9 cloud_cost[1]: below -2e+06 is outside (0, inf): positive",),
    ),
    (
        "reference above a negative",
        BASE + '[reference]\ncloud_cost = { above = -1, source = "x" }\n',
        ("cloud_cost: above -1 is outside (0, inf): positive",),
    ),
    (
        "reference of an input negative",
        BASE + '[reference]\nchip_hours = { value = -5, source = "x" }\n',
        ("chip_hours: value -5 is outside (0, inf): positive",),
    ),
    (
        "reference share above 1",
        BASE + '[reference]\nfinal_run_share = { value = 1.5, source = "x" }\n',
        ("final_run_share: value 1.5 is outside (0, 1]: a fraction",),
    ),
    (
        "reference second figure negative",
        BASE
        + '[[reference.cloud_cost]]\nvalue = 2e7\nsource = "a"\n[[reference.cloud_cost]]\nvalue = -2e7\nsource = "b"\n',
        ("s.toml:12 cloud_cost[2]: value -2e+07 is outside (0, inf): positive",),
    ),
    (
        "reference tolerance inf",
        BASE + '[reference]\ncloud_cost = { value = 2e7, source = "x", tolerance = inf }\n',
        ("cloud_cost: tolerance must be positive, got inf",),
    ),
    (
        "reference overflowing in the scenario's dollars",
        BASE.replace(
            "year = 2024", 'year = 2024\ndollars = "2024-06"\nnominal_month = "2024-06"'
        ).replace("inflation_factor = 1.0\n", "")
        + '[reference]\ncloud_cost = { value = 1.7e308, source = "x", dollars = "2001-01" }\n',
        ("cloud_cost: value 1.7e+308 in 2024-06 dollars overflows",),
    ),
    # ---- hardware age from dates: in its domain, a start before the publication
    (
        "published 2099: an age of 78 years",
        DATED.replace("2023-03-15", "2099-03-15"),
        (
            "s.toml:3 scenario.published: the dates give a hardware age of 78.2 yr",
            "outside [-2, 50]",
        ),
    ),
    (
        "available 1900: an age of 123 years",
        DATED + "available = 1900-01-01\n",
        ("scenario.published: the dates give a hardware age of 122.8 yr (available 1900-01-01",),
    ),
    (
        "tpu started 22 years before its announcement",
        DATED.replace("a100-sxm4-40gb", "tpu-v4") + "training_start = 1999-01-01\n",
        ("hardware.training_start: the dates give a hardware age of -22.4 yr", "outside [-2, 50]"),
    ),
    (
        "training start after publication",
        DATED + "training_start = 2024-01-01\n",
        ("hardware.training_start: 2024-01-01 is after the publication (2023-03-15)",),
    ),
    (
        "training hours reaching before year 1",
        DATED.replace("training_hours = 2280", "training_hours = 1e9"),
        (
            "training_hours: the training start (publication - training time - 60 d) falls before year 1",
        ),
    ),
    (
        "training start a datetime",
        DATED + "training_start = 2023-03-15T10:00:00\n",
        ("hardware.training_start: expected a date such as 2023-03-15 (no quotes)",),
    ),
    # ---- chip names of the wrong type: never turned into a name by str()
    (
        "chip a list",
        HW.replace('chip = "h100-sxm5"', 'chip = ["h100"]'),
        ("hardware.chip: expected a chip name such as \"h100-sxm5\", got ['h100']",),
    ),
    (
        "chip a table",
        HW.replace('chip = "h100-sxm5"', 'chip = { name = "h100" }'),
        ("hardware.chip: expected a chip name", "got {'name': 'h100'}"),
    ),
    (
        "chip in full-width letters",
        HW.replace('chip = "h100-sxm5"', 'chip = "\uff28100"'),
        ("hardware.chip: unknown chip 'Ｈ100'",),
    ),
    (
        "chip an emoji",
        HW.replace('chip = "h100-sxm5"', 'chip = "\U0001f680"'),
        ("hardware.chip: unknown chip",),
    ),
    (
        "chip a path",
        HW.replace('chip = "h100-sxm5"', 'chip = "../chips"'),
        ("hardware.chip: unknown chip '../chips'",),
    ),
    (
        "fleet chip a list",
        FLEET
        + '[[hardware.fleet]]\nchip = ["h100"]\nshare = 0.5\n[[hardware.fleet]]\nchip = "h200"\nshare = 0.5\n',
        ("hardware.fleet.chip: expected a chip name", "got ['h100']"),
    ),
    # ---- a fleet's chip-level quantities have their base quantity's domain
    (
        "fleet member cloud price negative",
        FLEET.replace(
            "inflation_factor = 1.0\n", "inflation_factor = 1.0\ncloud_price_h200 = -5\n"
        )
        + H100_H200.format(a=0.5, b=0.5),
        ("cloud_price_h200: central value -5 is outside (0, inf): positive",),
    ),
    (
        "fleet member age negative",
        FLEET.replace(
            "inflation_factor = 1.0\n", "inflation_factor = 1.0\nhardware_age_h200 = -5\n"
        )
        + H100_H200.format(a=0.5, b=0.5),
        ("hardware_age_h200: central value -5 is outside [-2, 50]",),
    ),
    (
        "fleet member server cost factor below 1",
        FLEET.replace(
            "inflation_factor = 1.0\n",
            "inflation_factor = 1.0\nserver_cost_factor_h100_sxm5 = 0.5\n",
        )
        + H100_H200.format(a=0.5, b=0.5),
        ("server_cost_factor_h100_sxm5: central value 0.5 is outside [1, inf)",),
    ),
    (
        "fleet member power fraction prior above 2",
        FLEET.replace(
            "inflation_factor = 1.0\n",
            'inflation_factor = 1.0\navg_power_fraction_h200 = { family = "normal", mean = 1.9, sd = 0.5 }\n',
        )
        + H100_H200.format(a=0.5, b=0.5),
        ("avg_power_fraction_h200: the normal prior puts", "outside (0, 2]"),
    ),
    # ---- [[staff]]
    (
        "staff fte above 1",
        STAFF + 'group = "core"\nheadcount = 10\nsalary = 3e5\nfte = 1.5\n',
        ("staff.fte: central value 1.5 is outside (0, 1]: a fraction",),
    ),
    (
        "staff fte negative",
        STAFF + 'group = "core"\nheadcount = 10\nsalary = 3e5\nfte = -0.5\n',
        ("staff.fte: central value -0.5 is outside (0, 1]",),
    ),
    (
        "staff fte zero",
        STAFF + 'group = "core"\nheadcount = 10\nsalary = 3e5\nfte = 0\n',
        ("staff.fte: central value 0 is outside (0, 1]",),
    ),
    (
        "staff fte prior reaching above 1",
        STAFF
        + 'group = "core"\nheadcount = 10\nsalary = 3e5\nfte = { family = "normal", mean = 0.9, sd = 0.3 }\n',
        ("staff.fte: the normal prior puts 0.37 of its mass outside (0, 1]", "truncnormal"),
    ),
    (
        "staff salary prior reaching below 0",
        STAFF
        + 'group = "core"\nheadcount = 10\nsalary = { family = "normal", mean = 1e5, sd = 1e5 }\nfte = 0.5\n',
        ("staff.salary: the normal prior puts 0.16 of its mass outside (0, inf)",),
    ),
    (
        "staff equity negative",
        STAFF + 'group = "core"\nheadcount = 10\nsalary = 3e5\nfte = 0.5\nequity = -5\n',
        ("staff.equity: central value -5 is outside [0, inf): zero or more",),
    ),
    (
        "staff overhead zero",
        STAFF + 'group = "core"\nheadcount = 10\nsalary = 3e5\nfte = 0.5\noverhead = 0\n',
        ("staff.overhead: central value 0 is outside (0, inf)",),
    ),
    (
        "staff headcount inf",
        STAFF + 'group = "core"\nheadcount = inf\nsalary = 3e5\nfte = 0.5\n',
        ("staff.headcount: must be a positive number, got inf",),
    ),
    (
        "staff headcount and salary of 1e300",
        STAFF + 'group = "core"\nheadcount = 1e300\nsalary = 1e300\nfte = 0.5\n',
        ("staff.salary: the cost per person", "too large for float64"),
    ),
    (
        "staff headcount negative",
        STAFF + 'group = "core"\nheadcount = -10\nsalary = 3e5\nfte = 0.5\n',
        ("staff.headcount: must be a positive number, got -10",),
    ),
    (
        "staff group with a space",
        STAFF + 'group = "Core Team"\nheadcount = 10\nsalary = 3e5\nfte = 0.5\n',
        ("staff.group: 'Core Team': need a new lowercase identifier",),
    ),
    (
        "staff sampling unknown",
        STAFF + 'group = "core"\nheadcount = 10\nsalary = 3e5\nfte = 0.5\nsampling = "each"\n',
        ("staff.sampling: 'each'; accepted:", "per-person", "shared"),
    ),
    (
        "staff salary negative",
        STAFF + 'group = "core"\nheadcount = 10\nsalary = -3e5\nfte = 0.5\n',
        ("staff.salary",),
    ),
    (
        "staff without fte",
        STAFF + 'group = "core"\nheadcount = 10\nsalary = 3e5\n',
        ("staff.fte",),
    ),
    (
        "staff without project_years",
        BASE + '[[staff]]\ngroup = "core"\nheadcount = 10\nsalary = 3e5\nfte = 0.5\n',
        (
            "[staff]: staff_cost cannot be computed: give project_years in [parameters] or [formulas]",
        ),
    ),
    # ---- [sweep] (the table's own keys are checked on load)
    (
        "sweep unknown key",
        UNCERTAIN + '[sweep]\nvary = { cloud_price = [1, 2] }\nmode = "x"\n',
        ("sweep.mode: unknown key; accepted: vary, variant",),
    ),
    (
        "sweep vary a number",
        UNCERTAIN + "[sweep]\nvary = 5\n",
        ("sweep.vary: expected a table of field = values",),
    ),
    (
        "sweep no values",
        UNCERTAIN + "[sweep]\nvary = { cloud_price = [] }\n",
        ("sweep cloud_price: no values ([])",),
    ),
    (
        "sweep range of no values",
        UNCERTAIN + '[sweep]\nvary = { cloud_price = "1:2:0" }\n',
        ("sweep cloud_price: '1:2:0' asks for no values",),
    ),
    (
        "sweep range of 1e8 values",
        UNCERTAIN + '[sweep]\nvary = { cloud_price = "1:2:100000000" }\n',
        ("asks for 100,000,000 values, more than a sweep's 1,000,000 points",),
    ),
    (
        "sweep year range of 1e14",
        UNCERTAIN + '[sweep]\nvary = { year = "0..100000000000000" }\n',
        ("sweep year: '0..100000000000000' asks for 100,000,000,000,001 values",),
    ),
    (
        "sweep year range reversed",
        UNCERTAIN + '[sweep]\nvary = { year = "2030..2025" }\n',
        ("sweep year: empty range '2030..2025' (end before start)",),
    ),
    (
        "sweep value twice",
        UNCERTAIN + "[sweep]\nvary = { cloud_price = [2, 2] }\n",
        ("sweep cloud_price: 2 is given twice",),
    ),
    (
        "sweep range to inf",
        UNCERTAIN + '[sweep]\nvary = { cloud_price = "1:inf:3" }\n',
        ("sweep cloud_price: 'inf' is not a finite number",),
    ),
    (
        "sweep variant without name",
        UNCERTAIN
        + "[sweep]\nvary = { cloud_price = [1, 2] }\n[[sweep.variant]]\nset = { cloud_price = 3 }\n",
        ("sweep: variant 1 needs name = '...' and set = { field = value, ... }",),
    ),
    (
        "sweep variant a string",
        UNCERTAIN + '[sweep]\nvariant = "x"\n',
        ("sweep: variant 1 needs name",),
    ),
    # ---- sweep points: validate builds every point as sweep would, and names the one that fails
    (
        "sweep point with a negative price",
        UNCERTAIN + "[sweep]\nvary = { cloud_price = [1.0, -2.0] }\n",
        (
            "sweep point cloud_price=-2.0:",
            "s.toml:7 cloud_price: central value -2 is outside (0, inf)",
        ),
    ),
    (
        "sweep point share above 1",
        UNCERTAIN + "final_run_share = 0.5\n[sweep]\nvary = { final_run_share = [0.5, 1.5] }\n",
        ("sweep point final_run_share=1.5:", "final_run_share", "(0, 1]"),
    ),
    (
        "sweep point of a prior's central value out of its domain",
        UNCERTAIN + '[sweep]\nvary = { "chip_hours.central" = "-1e7:1e7:3" }\n',
        ("sweep point chip_hours.central=-10000000.0:", "chip_hours"),
    ),
    (
        "sweep variant out of its domain",
        UNCERTAIN
        + '[sweep]\nvary = { cloud_price = [1, 2] }\n[[sweep.variant]]\nname = "bad"\nset = { inflation_factor = -1 }\n',
        ("sweep point variant=bad, cloud_price=1:", "inflation_factor"),
    ),
    (
        "sweep year before the price index",
        UNCERTAIN.replace(
            "year = 2024", 'year = 2024\ndollars = "2024-06"\nnominal_month = "2024-06"'
        ).replace("inflation_factor = 1.0\n", "")
        + '[sweep]\nvary = { "scenario.dollars" = ["2024-06", "1850-01"] }\n',
        ("sweep point scenario.dollars=1850-01:", "dollars"),
    ),
    # ---- [formulas] table shapes (the language itself: test_hostile_formulas.py)
    (
        "formula a number",
        BASE + "[formulas]\nx = 5\n",
        ("s.toml:10 x: expected a string or {formula = '...', units = ...}",),
    ),
    (
        "formula table without formula",
        BASE + '[formulas]\nx = { units = "USD" }\n',
        ("x: expected a string or {formula",),
    ),
    (
        "formula unknown key",
        BASE + '[formulas]\nx = { formula = "chip_hours", colour = 1 }\n',
        ("x: unknown key 'colour'",),
    ),
    (
        "formula units a number",
        BASE + '[formulas]\nx = { formula = "chip_hours", units = 5 }\n',
        ("x: units: expected a string, got 5",),
    ),
    (
        "formula long_name a list",
        BASE + '[formulas]\nx = { formula = "chip_hours", long_name = [1] }\n',
        ("x: long_name: expected a string",),
    ),
    (
        "formula name with a space",
        BASE + '[formulas]\n"x y" = "chip_hours"\n',
        ("x y: needs a new lowercase name",),
    ),
    (
        "formula redefines a result",
        BASE + '[formulas]\ncloud_cost = "chip_hours"\n',
        ("cloud_cost: needs a new lowercase name or a model parameter not given",),
    ),
    (
        "formula named a dunder",
        BASE + '[formulas]\n__class__ = "chip_hours"\n',
        ("__class__: needs a new lowercase name",),
    ),
    (
        "formula model parameter with other units",
        BASE + '[formulas]\nproject_years = { formula = "2", units = "h" }\n',
        ("project_years: units must be 'yr'",),
    ),
]


@pytest.mark.parametrize(("text", "fragments"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_scenario_file(
    capsys, tmp_path: Path, text: str | bytes, fragments: tuple[str, ...]
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "s.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    clear_error(capsys, ["validate", str(path)], f"{path}", *fragments, folder=tmp_path)


def test_the_corpus_names_are_distinct() -> None:
    assert len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("how", ["text", "dict"])
def test_a_lone_surrogate_is_refused_before_a_run_cannot_be_written(how: str) -> None:
    """Python strings may hold what no file can: refused when the scenario is made, not
    with a UnicodeEncodeError when its run is written."""
    from frontiercost import Scenario
    from frontiercost.errors import ScenarioError

    with pytest.raises(ScenarioError, match="lone surrogate"):
        if how == "text":
            Scenario.from_text(BASE.replace('title = "t"', 'title = "\ud800"'))
        else:
            Scenario.from_dict({"scenario": {"title": "\udfff", "year": 2024}})
