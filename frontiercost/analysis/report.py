"""A self-contained HTML report of one scenario.

:func:`frontiercost.run.report` samples a scenario and writes one HTML file that needs
nothing else to be read: the figures are embedded as base64 PNG ``data:``
URIs, the style sheet is inline, no script, font or image is fetched from
anywhere.  Sections, in order:

1. the scenario: title, description, tags, year, organization, sources;
2. summary: median, mean, credible interval (with the Monte Carlo standard
   errors of its bounds) and point estimate of every output, and the
   scenario's published reference values where it has them; for a run
   conditioned on observations (one with a ``prior`` group), prior against
   posterior (:func:`frontiercost.analysis.compare.prior_posterior`);
3. the headline output: its distribution, exceedance curve, and a table of
   exceedance probabilities, value-at-risk and expected shortfall;
4. the split of the headline cost into its parts (when the run has one);
5. the projection fan chart (projection scenarios);
6. sensitivity: tornado chart and a table of swings and rank correlations;
7. the priors: family, central value, 90 % interval, unit and source;
8. the run: seed, draws, sampler, versions, time, the commands that
   reproduce it, and the scenario file itself.

The template is ``templates/report.html`` (``string.Template``: the page
skeleton and its style sheet); every text that comes from a scenario or a
prior is escaped with :func:`html.escape`.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import io
import math
import os
import platform
import re
import shlex
import string
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from .._files import atomic_open, not_a_folder
from .._version import __version__
from ..errors import FrontiercostError
from ..results.view import view
from ..scenarios import Scenario
from .compare import prior_posterior
from .components import component_shares, component_table, default_split
from .format import format_share, format_value, percent_label
from .risk import exceedance, expected_shortfall, value_at_risk
from .sensitivity import rank_correlations, tornado
from .summary import summarize

# The output a report is about, first found wins (projected costs come after
# these and before the generic fall-backs; see ``headline_output``).
HEADLINE = ("amortized_cost", "development_cost", "total_compute_cost")
_FALLBACK = ("final_run_cost", "cloud_cost", "rd_compute_cost")
_PROJECTED = re.compile(r"projected_cost_(\d{4})$")
SAMPLERS = ("mc", "qmc", "lhs")
RISK_LEVELS = (0.9, 0.95, 0.99)
MAX_DRAWS = 10**7  # stored draws in all; as the command line's limit for stored runs
_DPI = 110


class _Html(str):
    """Text that is already HTML (escaped or built from escaped parts)."""


def _e(text: object) -> _Html:
    """``text`` escaped for HTML content and attribute values."""
    return text if isinstance(text, _Html) else _Html(html.escape(str(text), quote=True))


# --------------------------------------------------------------------------- public API


def headline_output(scenario: Scenario) -> str:
    """The output a report leads with.

    Among the outputs the scenario computes (not those that only pass a
    prior through), the first of ``amortized_cost``, ``development_cost``
    and ``total_compute_cost``; else, for a projection, the middle year's
    ``projected_cost_<year>`` (2027 for 2025-2030); else
    ``final_run_cost``, ``cloud_cost`` or ``rd_compute_cost``; else the
    first output in US dollars; else the first output.
    """
    computed = set(scenario.computable())
    outs = [o for o in scenario.outputs if o in computed] or list(scenario.outputs)
    for name in HEADLINE:
        if name in outs:
            return name
    projected = sorted(n for n in outs if _PROJECTED.match(n))
    if projected:
        return projected[(len(projected) - 1) // 2]
    for name in _FALLBACK:
        if name in outs:
            return name
    units = {o.name: o.units for o in scenario.model().outputs}
    usd = [o for o in outs if units.get(o) == "USD"]
    return usd[0] if usd else outs[0]


def check_report_args(draws: int, chains: int, ci_prob: float) -> None:
    """Refuse a report run that keeps too many draws, or a bad interval mass."""
    if isinstance(ci_prob, bool) or not isinstance(ci_prob, (int, float)) or not 0 < ci_prob < 1:
        raise FrontiercostError(f"ci_prob: must be a number in (0, 1), got {ci_prob!r}")
    if draws * chains > MAX_DRAWS:
        raise FrontiercostError(
            f"draws: a report keeps every draw; {draws:,} x {chains} chains is more than "
            f"{MAX_DRAWS:,} in all (20,000 x 4 is plenty for its figures)"
        )


def check_headline(sc: Scenario, output: str | None) -> str:
    """The output a report is about: ``output`` if the scenario computes it, else its headline."""
    headline = output if output is not None else headline_output(sc)
    if headline not in sc.outputs:
        raise FrontiercostError(
            f"output: {headline!r} is not an output of scenario {sc.name!r}; "
            f"accepted: {', '.join(sc.outputs)}"
        )
    return headline


def report_html(
    sc: Scenario,
    tree: xr.DataTree,
    point: xr.Dataset,
    *,
    ci_prob: float = 0.9,
    output: str | None = None,
    ci_kind: str = "eti",
    before: Callable[[str], None] | None = None,
) -> str:
    """The self-contained HTML report of a scenario's run.

    Parameters
    ----------
    sc : Scenario
        The scenario the run sampled.
    tree : xarray.DataTree
        Its stored run (:func:`frontiercost.simulate` or, for a scenario with
        evidence, :func:`frontiercost.condition`).
    point : xarray.Dataset
        Its point estimate (:func:`frontiercost.evaluate`).
    ci_prob : float
        Mass of the credible intervals, in (0, 1).
    output : str, optional
        The output the figures and the sensitivity section are about
        (default: :func:`headline_output`).
    ci_kind : {"eti", "hdi"}
        Equal-tailed or highest-density credible intervals (labelled "HDI";
        an HDI's bounds have no Monte Carlo standard error, so the summary
        then leaves that column out).  The priors table always gives each
        prior's 5th to 95th percentile.
    before : callable, optional
        Called with a section's name ("the Sensitivity section") before it is
        built; :func:`frontiercost.run.report` stops a report past its time
        limit there.

    Returns
    -------
    str
        The page.  :func:`frontiercost.run.report` samples and writes it.
    """
    headline = check_headline(sc, output)
    if ci_kind not in ("eti", "hdi"):
        raise FrontiercostError(f"ci_kind: unknown kind {ci_kind!r}; accepted: eti, hdi")
    ctx = _Context(sc, tree, point, headline, float(ci_prob), ci_kind)
    sections = [
        ("summary", "Summary", _summary_section),
        ("conditioning", "Prior and posterior", _conditioning_section),
        ("figures", "Published figures", _figures_section),
        ("headline", f"Distribution of {headline}", _headline_section),
        ("components", "Components", _components_section),
        ("projection", "Projection", _projection_section),
        ("sensitivity", "Sensitivity", _sensitivity_section),
        ("priors", "Priors", _priors_section),
        ("run", "Run and reproduction", _run_section),
    ]
    parts: list[str] = []
    toc: list[str] = []
    for anchor, title, build in sections:
        if before is not None:
            before(f"the {title} section")
        content = build(ctx)
        if content is None:
            continue
        toc.append(f'<li><a href="#{anchor}">{_e(title)}</a></li>')
        parts.append(f'<section id="{anchor}">\n<h2>{_e(title)}</h2>\n{content}\n</section>')
    body = "\n".join(
        [
            _header(sc),
            '<nav aria-label="contents"><strong>Contents</strong><ol>'
            + "".join(toc)
            + "</ol></nav>",
            *parts,
            f"<footer>Made by frontiercost {_e(__version__)} on "
            f"{_e(ctx.made_at)}. Figures are embedded PNG images; the page needs no "
            "network access.</footer>",
        ]
    )
    skeleton = resources.files("frontiercost.analysis") / "templates" / "report.html"
    template = string.Template(skeleton.read_text("utf-8"))
    return template.substitute(
        title=_e(f"{sc.title} — frontiercost report"), version=_e(__version__), body=body
    )


# --------------------------------------------------------------------------- context


class _Context:
    """What every section reads: the scenario, its run, point estimate and summary."""

    def __init__(
        self,
        sc: Scenario,
        tree: xr.DataTree,
        point: xr.Dataset,
        headline: str,
        ci_prob: float,
        ci_kind: str,
    ) -> None:
        self.sc, self.tree, self.point = sc, tree, point
        self.headline, self.ci_prob, self.ci_kind = headline, ci_prob, ci_kind
        self.hdi = ci_kind == "hdi"
        self.summary = summarize(
            tree, ci_prob=ci_prob, ci_kind=ci_kind, var_names=list(sc.outputs)
        )
        self.post = tree["posterior"].to_dataset()
        self.units = str(self.post[headline].attrs.get("units", ""))
        self.interval = f"{percent_label(ci_prob)} " + ("HDI" if self.hdi else "interval")
        self.kind_text = "highest-density" if self.hdi else "equal-tailed"
        self.made_at = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")

    def fmt(self, x: float, unit: str) -> str:
        return format_value(float(x), unit, show_unit=False)


# --------------------------------------------------------------------------- sections


def _header(sc: Scenario) -> str:
    meta = sc.meta
    out = [f"<header>\n<h1>{_e(sc.title)}</h1>"]
    if meta.get("description"):
        out.append(f'<p class="lead">{_e(" ".join(str(meta["description"]).split()))}</p>')
    tags = meta.get("tags") or []
    if tags:
        out.append('<p class="tags">' + "".join(f"<span>{_e(t)}</span>" for t in tags) + "</p>")
    facts = [("scenario", sc.name)]
    for key, label in (
        ("organization", "organization"),
        ("year", "year"),
        ("chip", "chip"),
        ("cost_basis", "cost basis"),
    ):
        if meta.get(key) is not None:
            value = meta[key]
            facts.append((label, f"{value:.2f}" if isinstance(value, float) else str(value)))
    facts.append(("file", sc.path))
    out.append(_dl(facts))
    sources = meta.get("sources") or []
    if sources:
        items = "".join(f"<li>{_e(s)}</li>" for s in sources)
        out.append(f"<h3>Sources</h3><ul>{items}</ul>")
    out.append("</header>")
    return "\n".join(out)


def _summary_section(ctx: _Context) -> str:
    s = ctx.summary
    refs = {n: r for n, r in ctx.sc.reference.items() if n in ctx.sc.outputs}
    # an HDI's bounds have no MCSE estimator that holds up (summarize's notes): no column
    mcse = [] if ctx.hdi else ["± MCSE of bounds"]
    header = ["output", "unit", "median", "mean", ctx.interval, *mcse, "point"]
    if refs:
        header.append("reference")
    rows = []
    bounds = ("mcse_lower", "mcse_upper")
    for i, name in enumerate(map(str, s["variable"].values)):
        row = s.isel(variable=i)
        unit = str(row["units"].item())
        lo, hi = (float(v) for v in row["ci"].values)
        cells: list[object] = [
            _Html(f"<code>{_e(name)}</code><small>{_e(_long_name(ctx.post, name))}</small>"),
            unit,
            ctx.fmt(float(row["median"]), unit),
            ctx.fmt(float(row["mean"]), unit),
            f"{ctx.fmt(lo, unit)} – {ctx.fmt(hi, unit)}",
            *([] if ctx.hdi else [" / ".join(ctx.fmt(float(row[k]), unit) for k in bounds)]),
            ctx.fmt(float(ctx.point[name]), unit),
        ]
        if refs:
            cells.append(ctx.fmt(refs[name].value, unit) if name in refs else "")
        rows.append(cells)
    n = int(ctx.post.sizes["chain"] * ctx.post.sizes["draw"])
    mcse_note = (
        "an HDI's bounds have no Monte Carlo standard error (judge the draws needed from "
        "the equal-tailed interval's, without <code>--hdi</code>). "
        if ctx.hdi
        else "the MCSE columns are the Monte Carlo standard errors of the interval's lower "
        "and upper bound (draw more when they matter at the digits you quote: they shrink "
        "as 1/√draws). "
    )
    which = f"{ctx.interval} (highest-density)" if ctx.hdi else f"equal-tailed {ctx.interval}"
    note = (
        f"{n:,} draws. {_money_text(ctx.sc)}Median, mean and the {which} are over the draws;"
        f" {mcse_note}"
        "<em>point</em> is the output with every prior at its central value "
        "(<code>frontiercost.evaluate</code>), the paper's way of estimating."
    )
    out = [_table(header, rows, numeric=range(2, len(header))), f'<p class="note">{note}</p>']
    if refs:
        out.append(
            '<details class="note"><summary><em>reference</em>: published values the '
            "scenario is checked against, never an input (sources)</summary><ul>"
            + "".join(f"<li><code>{_e(k)}</code>: {_e(r.source)}</li>" for k, r in refs.items())
            + "</ul></details>"
        )
    return "\n".join(out)


def _figures_section(ctx: _Context) -> str | None:
    """Each published figure, its basis and dollars, and where it falls in the run."""
    from .references import describe_position, reference_positions

    if not ctx.sc.references:
        return None
    point = {n: float(ctx.point[n]) for n in ctx.sc.outputs if n in ctx.point.data_vars}
    recs = reference_positions(ctx.tree, ctx.sc.references, list(ctx.sc.outputs), point)
    if not recs:
        return None
    rows = []
    for r in recs:
        unit = str(ctx.post[r["output"]].attrs.get("units", ""))
        shown = ctx.fmt(r["value"], unit)
        if r["kind"] != "value":
            shown = f"{'<' if r['kind'] == 'below' else '>'} {shown}"
        if r["conversion"]:
            shown += f" ({ctx.fmt(r['compared'], unit)} in the run's dollars)"
        ratio = "" if r["point_ratio"] is None else f"{r['point_ratio']:.3g}"
        rows.append(
            [
                _Html(f"<code>{_e(r['output'])}</code>"),
                shown,
                r["basis"] or "",
                r["dollars"] or "",
                describe_position(r),
                ratio,
                r["source"],
            ]
        )
    header = ["output", "figure", "basis", "dollars", "in the run", "point / figure", "source"]
    dollars = ctx.sc.dollars or "nominal"
    note = (
        "Published figures are never an input. <em>in the run</em>: a value's percentile "
        "among the draws (50 = the median), or for a bound the probability the run agrees "
        f"with it. The run is in {_e(dollars)} dollars; figures in other dollars are "
        "converted with the producer price index PCU518210518210 first."
    )
    return _table(header, rows, numeric=range(1, 2)) + f'\n<p class="note">{note}</p>'


def _conditioning_section(ctx: _Context) -> str | None:
    """Prior against posterior, for a run conditioned on observations (else no section)."""
    if not view(ctx.tree).conditioned:
        return None
    c = prior_posterior(ctx.tree, ci_prob=ctx.ci_prob, ci_kind=ctx.ci_kind)
    names = [str(n) for n in c["variable"].values]
    moved = [n for n in names if not math.isnan(float(c["shift"].sel(variable=n)))]
    order = [n for n in ctx.sc.outputs if n in moved] + [
        n for n in moved if n not in ctx.sc.outputs
    ]
    rows = []
    for name in order:
        row = c.sel(variable=name)
        unit = str(row["units"].item())
        cells: list[object] = [_Html(f"<code>{_e(name)}</code>"), unit]
        for group in ("prior", "posterior"):
            g = row.sel(group=group)
            lo, hi = (ctx.fmt(float(v), unit) for v in g["ci"].values)
            cells += [ctx.fmt(float(g["median"]), unit), f"{lo} – {hi}"]
        shift, ratio = float(row["shift"]), float(row["width_ratio"])
        cells += [
            "" if math.isnan(shift) else f"{shift:+.2f}",
            "" if math.isnan(ratio) else f"{ratio:.2f}",
        ]
        rows.append(cells)
    header = [
        "variable",
        "unit",
        "prior median",
        f"prior {ctx.interval}",
        "posterior median",
        f"posterior {ctx.interval}",
        "shift (robust prior sd)",
        "width ratio",
    ]
    out = [
        _table(header, rows, numeric=range(2, len(header))),
        '<p class="note">What conditioning on the observations changed: <em>shift</em> '
        "is (posterior median − prior median) / prior sd; <em>width ratio</em> the "
        "posterior interval's width over the prior's (below 1: the data narrowed it). "
        "Fixed inputs are left out.</p>",
    ]
    if "observed_data" in ctx.tree.children:  # made by the conditioning engine
        from ..results.conditioned import conditioning_report

        out += [
            "<h3>How the posterior was made</h3>",
            '<pre class="wrap">' + _e("\n".join(conditioning_report(ctx.tree))) + "</pre>",
        ]
    return "\n".join(out)


def _headline_section(ctx: _Context) -> str:
    from .plots import plot_distribution, plot_exceedance

    var, units = ctx.headline, ctx.units
    x = np.asarray(ctx.post[var].values, dtype=float).ravel()
    x = x[np.isfinite(x)]
    thresholds = _thresholds(x)
    out = [
        _figure(
            lambda buf: plot_distribution(
                ctx.tree,
                var,
                ctx.ci_prob,
                ctx.ci_kind,
                point=ctx.point,
                path=buf,
                dpi=_DPI,
            ),
            f"Distribution of {var}: histogram and density of the draws, median, "
            f"{ctx.interval} and the point estimate.",
            "distribution",
        ),
        _figure(
            lambda buf: plot_exceedance(ctx.tree, var, thresholds, path=buf, dpi=_DPI),
            f"Exceedance curve: the probability that {var} is above each value.",
            "exceedance",
        ),
    ]
    ex = exceedance(ctx.tree, var, thresholds)
    rows = [
        [
            f"{var} > {ctx.fmt(t, units)}",
            format_share(float(p)),
            f"± {format_share(float(m), 2)}",
        ]
        for t, p, m in zip(
            ex["threshold"].values, ex["probability"].values, ex["mcse"].values, strict=True
        )
    ]
    out.append(
        _table(["event", "probability", "MCSE"], rows, numeric=(1, 2), caption="Exceedance")
    )
    var_ = value_at_risk(ctx.tree, var, RISK_LEVELS)
    es = expected_shortfall(ctx.tree, var, RISK_LEVELS)
    rows = [
        [f"{level:.0%}", ctx.fmt(float(v), units), ctx.fmt(float(e), units)]
        for level, v, e in zip(RISK_LEVELS, var_.values, es.values, strict=True)
    ]
    out.append(
        _table(
            ["level", "value-at-risk", "expected shortfall"],
            rows,
            numeric=(0, 1, 2),
            caption=f"Tail of {var} ({_unit_text(units)}): value-at-risk is the level's "
            "quantile; expected shortfall the mean beyond it",
        )
    )
    return "\n".join(out)


def _components_section(ctx: _Context) -> str | None:
    from .plots import plot_components

    split = default_split(ctx.tree)
    if split is None:
        return None
    total, parts = split
    shares = component_shares(ctx.tree, total, parts, ctx.ci_prob, ctx.ci_kind, point=ctx.point)
    rows = component_table(shares)
    out = [
        _figure(
            lambda buf: plot_components(
                ctx.tree,
                total,
                parts,
                ctx.ci_prob,
                ctx.ci_kind,
                point=ctx.point,
                path=buf,
                dpi=_DPI,
            ),
            f"How {total} splits into {', '.join(parts)}: the split of the mean cost (left) "
            "and each part's share computed draw by draw, with its interval (right).",
            "components",
        ),
        _table(rows[0], rows[1:], numeric=range(1, len(rows[0]))),
        '<p class="note">"of mean total" is mean(part) / mean(total) and adds up to 100 %; '
        "the median share and its interval are per draw, so they show how uncertain the "
        "split itself is.</p>",
    ]
    return "\n".join(out)


def _projection_section(ctx: _Context) -> str | None:
    from .plots import plot_projection

    if not any(_PROJECTED.match(str(n)) for n in ctx.post.data_vars):
        return None
    return _figure(
        lambda buf: plot_projection(ctx.tree, path=buf, dpi=_DPI),
        "Projected cost by year: median, 50 % and 90 % bands, and the probability of "
        "passing $1B each year.",
        "projection",
    )


def _sensitivity_section(ctx: _Context) -> str:
    from .plots import plot_tornado

    var, units = ctx.headline, ctx.units
    if var not in ctx.sc.computable():
        return (
            f'<p class="note">{_e(var)} is a prior of this scenario, not computed from '
            "other priors: no input moves it but itself.</p>"
        )
    table = tornado(ctx.sc, var)
    if table.sizes["parameter"] == 0:
        return f'<p class="note">No uncertain prior moves {_e(var)}: nothing to rank.</p>'
    ranks = rank_correlations(ctx.tree, var)
    rho = {str(p): float(r) for p, r in zip(ranks["parameter"].values, ranks.values, strict=True)}
    out = [
        _figure(
            lambda buf: plot_tornado(table, path=buf, dpi=_DPI),
            f"Tornado: {var} with each prior at its 5th and 95th percentile and every other "
            "prior at its central value, largest swing on top.",
            "tornado",
        )
    ]
    rows = []
    for i, p in enumerate(map(str, table["parameter"].values)):
        row = table.isel(parameter=i)
        pu = str(row["parameter_units"].item())
        r = rho.get(p, math.nan)
        rows.append(
            [
                _Html(f"<code>{_e(p)}</code>"),
                f"{ctx.fmt(float(row['input_low']), pu)} – {ctx.fmt(float(row['input_high']), pu)}"
                + (f" {pu}" if pu not in ("", "1") else ""),
                ctx.fmt(float(row["low"]), units),
                ctx.fmt(float(row["high"]), units),
                ctx.fmt(float(row["swing"]), units),
                "" if math.isnan(r) else f"{r:+.2f}",
            ]
        )
    header = ["prior", "p5 – p95", f"{var} at p5", f"{var} at p95", "swing", "rank corr."]
    out.append(_table(header, rows, numeric=range(1, len(header))))
    out.append(
        f'<p class="note">Ranked by swing: |{_e(var)} at p95 − at p5| with the others at '
        "their central values (one at a time). <em>rank corr.</em> is the Spearman rank "
        f"correlation of the prior's draws with {_e(var)} over the run, where every prior "
        "varies at once (and a copula's correlations count). Central value of "
        f"{_e(var)}: {_e(format_value(float(table['central']), units))}.</p>"
    )
    return "\n".join(out)


def _priors_section(ctx: _Context) -> str:
    priors = ctx.sc.input_priors()
    order = [n for n, p in priors.items() if p.family != "fixed"] + [
        n for n, p in priors.items() if p.family == "fixed"
    ]
    rows = []
    for name in order:
        p = priors[name]
        d = p.describe()
        unit = p.unit
        desc = str(d.get("description") or "")
        label = f"<code>{_e(name)}</code>" + (f"<small>{_e(desc)}</small>" if desc else "")
        if p.family == "fixed":
            interval = "—"
        else:
            lo, hi = (float(p.ppf(q)) for q in (0.05, 0.95))
            interval = f"{ctx.fmt(lo, unit)} – {ctx.fmt(hi, unit)}"
        rows.append(
            [
                _Html(label),
                p.family,
                ctx.fmt(p.central, unit),
                interval,
                unit,
                _Html(f'<span class="src">{_e(p.source)}</span>') if p.source else "",
            ]
        )
    header = ["prior", "family", "central", "90% interval", "unit", "source"]
    return "\n".join(
        [
            _table(header, rows, numeric=(2, 3), source_col=5),
            '<p class="note">The inputs the outputs read. <em>central</em> is the value '
            "the point estimate uses (the median unless the scenario sets one); the interval "
            "is the prior's 5th to 95th percentile.</p>",
        ]
    )


def _run_section(ctx: _Context) -> str:
    a = ctx.tree.attrs
    draws, chains, seed = int(a["draws"]), int(a["chains"]), int(a["seed"])
    sampler = str(a["sampler"])
    facts = [
        ("scenario", ctx.sc.name),
        ("seed", str(seed)),
        ("draws", f"{draws:,} per chain x {chains} chains = {draws * chains:,}"),
        ("sampler", sampler),
        ("credible intervals", f"{ctx.kind_text}, {format_share(ctx.ci_prob)}"),
        ("inference", str(a.get("inference", ""))),
        ("frontiercost", str(a.get("frontiercost_version", __version__))),
        ("python", f"{platform.python_version()} ({platform.machine()})"),
        ("run at", str(a.get("created_at", ""))),
        ("report made at", ctx.made_at),
    ]
    # a built-in name reproduces anywhere; a file is given by its path
    target = ctx.sc.name if ctx.sc.path == f"{ctx.sc.name}.toml" else ctx.sc.path
    opts = f"--draws {draws} --chains {chains} --seed {seed}"
    sampler_opt = f" --sampler {sampler}" if sampler != "mc" else ""
    ci_opt = f" --ci {ctx.ci_prob:g}" if ctx.ci_prob != 0.9 else ""
    ci_opt += " --hdi" if ctx.hdi else ""
    q = shlex.quote(target)
    cli = [
        f"frontiercost report {q} {opts}{sampler_opt}{ci_opt} --out report.html",
        f"frontiercost run {q} {opts}{sampler_opt}{ci_opt} --out run.nc",
    ]
    if view(ctx.tree).conditioned:
        py = (
            "import frontiercost as fc\n"
            "from frontiercost import condition\n"
            f"tree = condition({target!r}, draws={draws}, chains={chains}, seed={seed})\n"
        )
    else:
        py = (
            "import frontiercost as fc\n"
            f"tree = fc.simulate({target!r}, draws={draws}, chains={chains}, seed={seed}, "
            f"sampler={sampler!r})\n"
        )
    kind_opt = ', ci_kind="hdi"' if ctx.hdi else ""
    py += f"fc.summarize(tree, ci_prob={ctx.ci_prob:g}{kind_opt})"
    return "\n".join(
        [
            _dl(facts),
            "<h3>Reproduce</h3>",
            '<p class="note">The same scenario file, seed, draws and sampler give the same '
            "draws, bit for bit, whatever the thread count or block size:</p>",
            "<pre>" + _e("\n".join(cli)) + "</pre>",
            "<pre>" + _e(py) + "</pre>",
            "<details><summary>The scenario file</summary><pre>"
            + _e(ctx.sc.text)
            + "</pre></details>",
        ]
    )


# --------------------------------------------------------------------------- helpers


def _long_name(post: xr.Dataset, name: str) -> str:
    return str(post[name].attrs.get("long_name", "") or "")


def _money_text(sc: Any) -> str:
    """What the USD figures are: their dollars and, for a cloud cost, the cloud basis (HTML)."""
    dollars = sc.dollars or "nominal"
    words = {
        "nominal": "nominal dollars of the inputs' prices",
        "inflation_factor": "dollars of the scenario's inflation_factor",
    }.get(dollars, f"{dollars} US dollars")
    text = f"USD figures are in {_e(words)}. "
    if sc.cloud_basis:
        text += (
            f"The cloud cost is priced on the <em>{_e(sc.cloud_basis)}</em> cloud basis"
            f" ({_e(sc.cloud_price_source)}). "
        )
    return text


def _unit_text(units: str) -> str:
    return "dimensionless" if units in ("", "1") else units


def _thresholds(x: np.ndarray, most: int = 3) -> list[float]:
    """Round values to mark on the exceedance curve: decades (or 1-2-5 steps) inside the bulk."""
    if x.size == 0:
        return [0.0]
    lo, med, hi = (float(v) for v in np.quantile(x, [0.02, 0.5, 0.98]))
    if lo > 0:
        decades = range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
        for subs, enough in (((1.0,), 2), ((1.0, 2.0, 5.0), 1)):
            cands = [s * 10.0**k for k in decades for s in subs if lo <= s * 10.0**k <= hi]
            if len(cands) >= enough:
                cands.sort(key=lambda t: abs(math.log10(t / med)))
                return sorted(cands[:most])
    if med == 0:
        return [0.0]
    digits = math.floor(math.log10(abs(med)))
    return [round(med, -digits)]


def _png(draw: Callable[[io.BytesIO], Any]) -> tuple[str, int, int]:
    """Run ``draw(buffer)`` (a plot function saving a PNG); base64 text, width, height."""
    buf = io.BytesIO()
    draw(buf)
    data = buf.getvalue()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise FrontiercostError("report: a figure did not render to PNG")
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return base64.b64encode(data).decode("ascii"), width, height


def _figure(draw: Callable[[io.BytesIO], Any], caption: str, gid: str) -> str:
    b64, w, h = _png(draw)
    return (
        f'<figure id="fig-{_e(gid)}"><img src="data:image/png;base64,{b64}" '
        f'width="{w}" height="{h}" alt="{_e(caption)}">'
        f"<figcaption>{_e(caption)}</figcaption></figure>"
    )


def _dl(facts: Sequence[tuple[str, str]]) -> str:
    return (
        '<dl class="meta">'
        + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts)
        + "</dl>"
    )


def _table(
    header: Sequence[object],
    rows: Sequence[Sequence[object]],
    *,
    numeric: Sequence[int] | range = (),
    caption: str | None = None,
    source_col: int | None = None,
) -> str:
    num = set(numeric)

    def cls(i: int) -> str:
        if i in num:
            return ' class="num"'
        return ' class="src"' if i == source_col else ""

    head = "".join(
        f'<th scope="col"{cls(i) if i in num else ""}>{_e(h)}</th>' for i, h in enumerate(header)
    )
    body = "".join(
        "<tr>" + "".join(f"<td{cls(i)}>{_e(c)}</td>" for i, c in enumerate(r)) + "</tr>"
        for r in rows
    )
    cap = f"<caption>{_e(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def check_report_path(path: str | os.PathLike[str], overwrite: bool = False) -> Path:
    """An HTML file path in an existing, writable folder (checked before sampling).

    An existing file is replaced only when it is a report this program wrote,
    or with ``overwrite``.
    """
    from .._files import edited, written_here

    target = Path(path)
    if target.is_dir():
        raise FrontiercostError(f"path: {target} is a directory; give a file name")
    if not target.parent.is_dir():
        raise FrontiercostError(
            f"path: {target}: directory {target.parent} {not_a_folder(target.parent)}"
        )
    if not os.access(target.parent, os.W_OK):
        raise FrontiercostError(f"path: {target}: directory {target.parent} is not writable")
    if target.is_file() and not overwrite and not written_here(target):
        why = edited(target) or "is not a report this program wrote"
        raise FrontiercostError(
            f"path: {target} exists and {why}; choose another name, or pass overwrite=True"
            " to replace it"
        )
    return target


def write_page(target: Path, text: str) -> None:
    """Write a report page atomically, with a last line of its digest: a page edited
    afterwards is the user's, replaced only with ``overwrite``."""
    from .._files import with_digest

    with atomic_open(target, "w", encoding="utf-8") as fh:
        fh.write(with_digest(text, html=True))


__all__ = ["check_report_path", "headline_output", "report_html", "write_page"]
