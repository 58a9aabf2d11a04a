"""Price the post-paper models and write their table into ``README.md``.

The built-in scenarios of ``frontiercost/scenarios/library/models/post-paper/``
(models published after the paper, written from primary sources) are sampled
with a fixed seed; each one's median and 90 % interval per view (amortized,
cloud, acquisition) and where each published figure falls in it are kept in
``tests/data/post_paper_results.json``, with a fingerprint of every scenario
file. The README table between ``<!-- table:post-paper -->`` and
``<!-- /table:post-paper -->`` is rendered from that file, so
``tests/test_post_paper.py`` can check it without sampling.

Usage::

    python scripts/make_post_paper_table.py --run    # sample; write the results and README
    python scripts/make_post_paper_table.py          # the README from the results file
    python scripts/make_post_paper_table.py --check  # exit 1 if README or results are stale

``--check`` writes nothing; it fails when the README's table is not what the
results file renders, or when a scenario file changed (or was added or
removed) since the results were computed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
RESULTS = ROOT / "tests" / "data" / "post_paper_results.json"
START, END = "<!-- table:post-paper -->", "<!-- /table:post-paper -->"
VIEWS = ("amortized_cost", "cloud_cost", "acquisition_cost")
DRAWS, CHAINS, SEED = 10_000, 4, 0


def folder() -> Any:
    """The library folder of the post-paper models (a Traversable)."""
    return resources.files("frontiercost.scenarios") / "library" / "models" / "post-paper"


def names() -> list[str]:
    """The post-paper scenarios, by file stem, sorted."""
    return sorted(e.name[: -len(".toml")] for e in folder().iterdir() if e.name.endswith(".toml"))


def fingerprint(name: str) -> str:
    """sha256 of the scenario file's text: results computed from another text are stale."""
    text = (folder() / f"{name}.toml").read_text("utf-8")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _hardware(sc: Any) -> str:
    """``"16,384 h100-sxm5"``; a fleet by type: ``"150,000 h100-sxm5 + 50,000 h200"``."""
    count = float(sc.priors["chip_count"].central)
    parts = []
    for member in str(sc.meta["chip"]).split(", "):  # "h100-sxm5 0.75, h200 0.25" for a fleet
        key, _, share = member.partition(" ")
        parts.append(f"{count * float(share or 1):,.0f} {key}")
    return " + ".join(parts)


def compute(draws: int = DRAWS, chains: int = CHAINS, seed: int = SEED) -> dict[str, Any]:
    """Sample every post-paper scenario: the record the README table is rendered from."""
    import numpy as np

    import frontiercost as fc
    from frontiercost.analysis.references import reference_positions

    models = []
    for name in names():
        sc = fc.load_scenario(name)
        tree = fc.simulate(sc, draws=draws, chains=chains, seed=seed)
        post = tree["posterior"]
        point = fc.evaluate(sc)
        views = {}
        for out in VIEWS:
            if out not in post:
                continue
            x = np.asarray(post[out].values, dtype=float).ravel()
            p5, p50, p95 = (float(v) for v in np.quantile(x, [0.05, 0.5, 0.95]))
            views[out] = {"median": p50, "p5": p5, "p95": p95, "point": float(point[out])}
        outputs = [o for o in sc.outputs if o in post]
        pts = {o: float(point[o]) for o in outputs if o in point}
        refs = []
        for rec in reference_positions(tree, sc.references, outputs, pts):
            refs.append(
                {
                    "output": rec["output"],
                    "label": rec.get("label") or "",
                    "kind": rec["kind"],
                    "value": rec["value"],
                    "compared": rec["compared"],
                    "basis": rec.get("basis") or "",
                    "dollars": rec.get("dollars") or "",
                    "percentile": rec["percentile"],
                    "probability": rec["probability"],
                }
            )
        models.append(
            {
                "name": name,
                "title": sc.title,
                "published": sc.meta["published"].isoformat(),
                "hardware": _hardware(sc),
                "dollars": sc.dollars,
                "fingerprint": fingerprint(name),
                "views": views,
                "references": refs,
            }
        )
    models.sort(key=lambda m: (m["published"], m["name"]))
    return {"draws": draws, "chains": chains, "seed": seed, "models": models}


def _money(x: float) -> str:
    from frontiercost.analysis.format import format_value

    return format_value(x, "USD")


def _view(v: Mapping[str, float] | None) -> str:
    if v is None:
        return "–"
    return f"{_money(v['median'])} ({_money(v['p5'])}–{_money(v['p95'])})"


def _figure(r: Mapping[str, Any]) -> str:
    """``cloud $5.58M (DeepSeek report; claim, 2024-12 USD = $5.78M in ours): percentile 51``."""
    view = r["output"].removesuffix("_cost")
    text = f"{view} {_money(r['value'])} ({r['label']}; {r['basis']}, {r['dollars']} USD"
    if r["compared"] != r["value"]:
        text += f" = {_money(r['compared'])} in ours"
    text += ")"
    if r["kind"] == "value":
        return f"{text}: percentile {r['percentile']:.0f}"
    return f"{text}: P({r['kind']}) = {r['probability']:.2f}"


def table(results: Mapping[str, Any]) -> str:
    """The markdown table of a results record."""
    lines = [
        "| model | published | chips | amortized | cloud | acquisition"
        " | published figures: where they fall in ours |",
        "|---|---|---|--:|--:|--:|---|",
    ]
    for m in results["models"]:
        figures = "; ".join(_figure(r) for r in m["references"]) or "none stated"
        cells = [
            f"{m['title'].split(' (')[0]} (`{m['name']}`)",
            m["published"],
            m["hardware"],
            *(_view(m["views"].get(v)) for v in VIEWS),
            figures,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    n = results["draws"] * results["chains"]
    dollars = sorted({m["dollars"] for m in results["models"]})
    lines.append("")
    lines.append(
        f"Median (90 % interval) of {n:,} draws (seed {results['seed']}), "
        f"{', '.join(dollars)} USD; generated by `scripts/make_post_paper_table.py` "
        'from `tests/data/post_paper_results.json`. "none stated": the developer states no '
        "cost, and Epoch's figures for models published from 2024-03 are withheld from our copy "
        "of its database."
    )
    return "\n".join(lines)


def readme_with_table(readme: str, results: Mapping[str, Any]) -> str:
    """``readme`` with the text between the markers replaced by :func:`table`."""
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table(results)}\n{END}{tail}"


def load_results(path: Path = RESULTS) -> dict[str, Any]:
    """The committed results record."""
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


def stale(results: Mapping[str, Any]) -> list[str]:
    """Scenarios whose file is not the one the results were computed from (or missing)."""
    have = {m["name"]: m["fingerprint"] for m in results["models"]}
    out = [n for n in names() if have.get(n) != fingerprint(n)]
    out += [n for n in have if n not in names()]
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--run", action="store_true", help="sample the scenarios first")
    mode.add_argument("--check", action="store_true", help="exit 1 if anything is stale")
    args = parser.parse_args(argv)
    if args.run:
        results = compute()
        RESULTS.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {RESULTS.relative_to(ROOT)}")
    results = load_results()
    old = README.read_text(encoding="utf-8")
    new = readme_with_table(old, results)
    if args.check:
        bad = stale(results)
        if bad:
            print(f"{RESULTS.relative_to(ROOT)}: stale for {', '.join(bad)}; run with --run")
        if new != old:
            print(f"{README.relative_to(ROOT)}: the post-paper table is out of date")
        return 1 if bad or new != old else 0
    if new != old:
        README.write_text(new, encoding="utf-8")
        print(f"wrote the post-paper table of {README.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
