"""Every key a scenario file accepts, with its meaning: one table drives validation,
the "did you mean" hints and the reference page (``docs/scenarios.md``)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

TABLES: dict[str, str] = {
    "scenario": "what the scenario is: title, description, year, sources, outputs",
    "hardware": "the chip (from the chip library) and where it runs",
    "parameters": "a prior for each model quantity (number, library name or prior table)",
    "formulas": "extra quantities computed from parameters (whitelisted arithmetic)",
    "correlation": "rank correlations between parameters ([[correlation]], one per pair)",
    "staff": "contributor groups for the staff cost ([[staff]], one per group)",
    "projection": "target years for projected costs",
    "reference": "published figures to compare with, one or several per output, with basis,"
    " dollars and bounds (never used in computation)",
    "sweep": "fields to vary for `frontiercost sweep` / `frontiercost.sweep` (ignored by run)",
    "observe": "evidence to condition on ([[observe]], one per observation): the run"
    " returns a true posterior",
    "routes": "which formula computes a quantity the inputs support two ways"
    " (quantity = 'formula', one of the model's ways for it)",
}

KEYS: dict[str, dict[str, str]] = {
    "scenario": {
        "title": "readable name (required)",
        "description": "one paragraph on what is modelled",
        "year": "reference year, decimal (publication of the model; projections count from it;"
        " default: from published)",
        "published": "publication date (2024-07-23, no quotes): the training start, hardware age"
        " and the month of the inputs' dollars follow from it",
        "dollars": "dollar basis of the outputs: a month '2025-06' or a year (its December, as"
        " the paper's 2023 USD); the inflation factor comes from the package's price index",
        "nominal_month": "month whose dollars the inputs' prices are in (default: the"
        " publication month)",
        "pipeline": "a pipeline preset that supplies the priors a pipeline decides:"
        " 'epoch-2025' (Epoch AI's 2025 pipeline, docs/model.md §8)",
        "organization": "developer or lab",
        "sources": "list of sources for the inputs",
        "tags": "list of labels, e.g. 'frontier-model', 'development', 'projection'",
        "outputs": "list of outputs to report (default: all the parameters support)",
        "cost_basis": "'amortized' (default) or 'cloud': the final-run cost R&D is scaled from",
        "depreciation": "'linear' (default, the paper's) or 'exact' exponential value loss"
        " over the run (needs chip_count and training_hours; for long runs)",
    },
    "hardware": {
        "chip": "chip library key, name or alias (e.g. 'h100-sxm5', 'TPU v4')",
        "precision": "numeric format for peak_flops (default: the chip's, usually bf16)",
        "price_year": "year of the chip's price and cloud-price priors",
        "cloud_basis": "'on-demand', '1yr' or '3yr' (default) vendor list price (the last two"
        " with its committed-use discount), or 'contract' (a negotiated frontier-lab price)",
        "hyperscaler": "true: PUE 1.10 (Google, Microsoft, Amazon, Meta data centres)",
        "training_start": "date the final run started, when known (else publication - training"
        " time - 60 days)",
        "released": "release (GPU) or announcement (TPU) date, replacing the chip library's",
        "available": "date the hardware was available, replacing the rule (later of the first"
        " price record and release + 90 days)",
        "fleet": "[[hardware.fleet]] chip = '...', share = ...: several chip types, each a share"
        " of the chips",
    },
    "correlation": {
        "between": "two parameter names",
        "rank": "Spearman rank correlation in (-1, 1)",
    },
    "staff": {
        "group": "name of the contributor group (letters, digits, _)",
        "headcount": "number of people (a number)",
        "salary": "base salary per person, USD/yr",
        "overhead": "salary overhead multiplier (taxes, benefits)",
        "equity": "equity per person, USD/yr (0 to leave it out)",
        "fte": "share of full time spent on the project",
        "sampling": "'per-person' (default: independent draws per person) or 'shared'",
    },
    "projection": {
        "years": "list of target years; adds projected_cost_YYYY outputs",
    },
    "reference": {
        "value": "published value, in the output's unit",
        "below": "a bound instead of a value: the published claim is '< this'",
        "above": "a bound instead of a value: the published claim is '> this'",
        "basis": "'amortized', 'cloud', 'acquisition' or 'claim' (a developer's statement);"
        " default from the output",
        "dollars": "the figure's dollars: a month '2024-12' or a year (its December);"
        " converted to the scenario's dollars before comparing",
        "source": "where it is published (required)",
        "label": "a short name for tables",
        "tolerance": "relative tolerance for validation (default 0.005)",
    },
    "sweep": {
        "vary": "table of field = values (a list, or 'a:b:n', 'a..b', 'v1,v2')",
        "variant": "[[sweep.variant]] name = '...', set = { field = value, ... }",
    },
    "observe": {
        "quantity": "the output or parameter observed (one the scenario computes)",
        "value": "the observed value, in the quantity's unit (with sigma or p5/p95)",
        "error": "'lognormal' (default: relative error) or 'normal' (absolute error)",
        "sigma": "error sd: of ln(value) for lognormal, in the quantity's unit for normal",
        "p5": "lower end of the measurement's 90 % interval (instead of sigma)",
        "p95": "upper end of the measurement's 90 % interval (instead of sigma)",
        "below": "a bound instead of a value: the quantity is below this",
        "above": "a bound instead of a value: the quantity is above this",
        "between": "a bound instead of a value: [low, high]",
        "source": "where the evidence is published (required)",
        "name": "label of the observation (default: the quantity; unique per scenario)",
    },
    "formulas": {
        "formula": "expression over parameters and model quantities",
        "units": "unit of the result",
        "long_name": "readable name",
    },
}

COST_BASES = ("amortized", "cloud")
DEPRECIATION = ("linear", "exact")
SAMPLING = ("per-person", "shared")
OBSERVATION_ERRORS = ("lognormal", "normal")


def suggest(key: str, accepted: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the nearest accepted key, or ``''``.

    Letter case is ignored in the search (``GPT-4`` finds ``gpt-4``); the
    accepted spelling is what is suggested.
    """
    by_lower: dict[str, str] = {}
    for option in accepted:
        by_lower.setdefault(option.lower(), option)
    near = difflib.get_close_matches(key.lower(), list(by_lower), n=1, cutoff=0.6)
    return f" (did you mean {by_lower[near[0]]!r}?)" if near else ""
