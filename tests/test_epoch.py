"""``frontiercost.epoch``: Epoch AI's notable-models database priced by the ``epoch-2025`` preset.

Sources of truth: Epoch's own cost figures in ``tests/data/epoch_notable_models.csv``
(an extract of ``notable_ai_models.csv``, copy of 2026-01-26, CC BY 4.0 Epoch
AI; ``tests/data/README.md``): the figures are expectations, never inputs.
The database's "2023 USD" column is in June-2025 dollars (docs/model.md §8).

Validation (docs/model.md §8; README "Epoch's current pipeline and database").
Of the 165 records published before 2024-03 with an amortized figure, 147
have the inputs to price (a publication date; hardware the chip library
holds; quantity x time or compute); the preset's point estimate matches 22
of them within 1 %. Each of the other 125 is explained by its category:

- ``dollars`` (60): matches within 1 % once the figure is read in the
  dollars of an earlier run of the pipeline (December 2023, the paper's
  "2023 USD", or December 2024): the database keeps figures from several
  runs and only the 2025 run's are in June-2025 dollars;
- ``v100-price`` (29): matches with the V100 at $17,250 per GPU, the other
  price record of 2017-07-01 (DGX Station) that Epoch's runs picked; the chip
  library keeps the paper's $18,625 (DGX-1, docs/model.md §7);
- ``fine-tune`` (6): fine-tuned from a base model; Epoch's pipeline skips
  fine-tunes, so the figure is not its output (SPHINX, Segment Anything,
  VideoMAE V2, DiT-XL/2, AlphaFold-Multimer, UnifiedQA);
- ``other`` (30): the figure does not follow from the record's current
  inputs by this pipeline: entered by hand (HyenaDNA's is exactly $5,000) or
  computed from inputs since edited (ratios 0.001-27; listed in
  OTHER_AMORTIZED); OpenAI Five (1.016) differs by the P100's power (the
  library's P100 SXM2 draws 300 W, Epoch's "NVIDIA P100" entry 250 W).

Cloud: 18 of 21 match; ResNeXt-101 (0.984) because records are matched by
chip library key (Epoch's pipeline soft-matched its "NVIDIA V100" to the
V100 DGXS 16 GB records of AWS); JFT and Xception (1.012) because Epoch's
figures imply $0.425 per K80-hour where the AWS record says $0.43.
Acquisition: 17 of 23 match, the other 6 are the V100 price.
The 18 records not priced lack hardware (Epoch imputes the year's most
common; 11), have hardware outside the chip library (6: GTX 580, GTX
TITAN, Titan Black, A100 PCIe) or several hardware types without shares (1).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from functools import cache
from pathlib import Path

import pytest

from frontiercost import evaluate, load_scenario, simulate
from frontiercost.cli import main
from frontiercost.epoch import (
    CATEGORIES,
    Comparison,
    compare,
    hardware_names,
    load_database,
    scenario,
)
from frontiercost.errors import DatabaseError, RecordError, ScenarioWarning
from frontiercost.scenarios import chip_library

DATA = Path(__file__).parent / "data"
DB = DATA / "epoch_notable_models.csv"
CUTOFF = dt.date(2024, 3, 1)  # the copy withholds figures of later records

MATCHES = {"amortized_cost": 22, "cloud_cost": 18, "acquisition_cost": 17}
EXPLAINED = {
    "amortized_cost": {
        "dollars": 60,
        "v100-price": 29,
        "fine-tune": 6,
        "other": 30,
        "not priced": 18,
    },
    "cloud_cost": {"other": 3},
    "acquisition_cost": {"v100-price": 6, "not priced": 5},
}
OTHER_AMORTIZED = {
    "CODEFUSION (Python)",
    "Llama 2-7B",
    "HyenaDNA",
    "AudioGen",
    "ViT-22B",
    "PaLI",
    "OmegaPLM",
    "NLLB",
    "Parti",
    "PaLM (540B)",
    "BASIC-L",
    "SEER",
    "GOAT",
    "EfficientNetV2-XL",
    "Denoising Diffusion Probabilistic Models (LSUN Bedroom)",
    "DeBERTa",
    "EMDR",
    "CoAtNet",
    "ViT-G/14",
    "DALL-E",
    "ESM1b",
    "wave2vec 2.0 LARGE",
    "Once for All",
    "OpenAI Five Rerun",
    "OpenAI Five",
    "GPT-2 (1.5B)",
    "Transformer (Adaptive Input Embeddings) WT103",
    "Big Transformer for Back-Translation",
    "AlphaGo Master",
    "GNMT",
}
OTHER_CLOUD = {"ResNeXt-101 32x48d", "JFT", "Xception"}


@cache
def _points() -> Comparison:
    return compare(DB, before=CUTOFF, draws=0)


# --- reading the database ----------------------------------------------------------------


def test_load_database() -> None:
    db = load_database(DB)
    assert len(db) == 171 and db.missing_columns == ()
    gpt4 = db.record("gpt-4 (mar 2023)")  # case ignored when nothing matches exactly
    assert gpt4.name == "GPT-4 (Mar 2023)" and gpt4.published == dt.date(2023, 3, 15)
    assert (gpt4.quantity, gpt4.hours, gpt4.mfu) == (25000, 2280, 0.34)
    assert gpt4.hardware == ("NVIDIA A100 SXM4 40 GB",)
    # Epoch's figures (notable_ai_models.csv, 2026-01-26), June-2025 dollars
    assert gpt4.figures == pytest.approx(
        {
            "amortized_cost": 37334304.976625234,
            "cloud_cost": 81392748.68255694,
            "acquisition_cost": 806190976.8020828,
        }
    )
    assert db.record("AlphaZero").hardware == ("Google TPU v2", "Google TPU v1")


def test_extra_columns_are_ignored_and_missing_ones_named(tmp_path: Path) -> None:
    text = DB.read_text("utf-8").splitlines()
    header = text[0].split(",")
    extra = tmp_path / "extra.csv"
    extra.write_text("\n".join([text[0] + ",Shiny new column"] + [r + ",x" for r in text[1:]]))
    assert len(load_database(extra)) == 171
    no_name = tmp_path / "no_name.csv"
    no_name.write_text(text[0].replace("Model,", "Name,", 1) + "\n" + text[1] + "\n")
    with pytest.raises(DatabaseError, match=r"no_name\.csv: no column 'Model'"):
        load_database(no_name)
    rows = list(csv.reader(io.StringIO(DB.read_text("utf-8"))))
    for column, check in (("Hardware quantity", "chips"), ("Training hardware", "hardware")):
        i = header.index(column)
        out = io.StringIO()
        csv.writer(out).writerows([r[:i] + r[i + 1 :] for r in rows])
        dropped = tmp_path / "dropped.csv"
        dropped.write_text(out.getvalue(), encoding="utf-8")
        db = load_database(dropped)
        assert db.missing_columns == (column,)
        if check == "chips":  # without quantities GPT-4 prices by compute, and buys no cluster
            point = evaluate(scenario("GPT-4 (Mar 2023)", db))
            assert "acquisition_cost" not in point and float(point["amortized_cost"]) > 0
        else:
            with pytest.raises(RecordError, match="the database has no 'Training hardware' col"):
                scenario("GPT-4 (Mar 2023)", db)


def test_bad_cells_make_the_record_unpriceable(tmp_path: Path) -> None:
    text = DB.read_text("utf-8").replace(
        "NVIDIA A100 SXM4 40 GB,25000.0,", "NVIDIA A100 SXM4 40 GB,lots,", 1
    )
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    db = load_database(path)
    record = db.record("GPT-4 (Mar 2023)")
    assert record.problems == {"Hardware quantity": "not a number: 'lots'"}
    with pytest.raises(RecordError, match=r"Hardware quantity: not a number: 'lots'"):
        scenario("GPT-4 (Mar 2023)", db)


def test_unknown_and_unreadable(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match=r"no record named 'GPT-5' \(did you mean"):
        scenario("GPT-5", DB)
    with pytest.raises(DatabaseError, match="cannot read"):
        load_database(tmp_path / "missing.csv")


def test_every_hardware_name_maps_to_epochs_dates() -> None:
    """A mapped name's release date is the chip library's, or Epoch's own where it differs."""
    with (DATA / "epoch_chip_release_dates.csv").open(encoding="utf-8") as fh:
        epoch = {r["hardware"]: dt.date.fromisoformat(r["released"]) for r in csv.DictReader(fh)}
    library = chip_library()
    for name, hw in hardware_names().items():
        if hw.chip not in library:
            assert hw.chip == "h800-sxm"  # arrives with the 2024-26 chips
            continue
        if name in epoch:
            assert (hw.released or library[hw.chip].released) == epoch[name], name


# --- scenarios of records ----------------------------------------------------------------


def test_gpt4_scenario_reproduces_epochs_figures() -> None:
    sc = scenario("GPT-4 (Mar 2023)", DB)
    assert sc.meta["pipeline"] == "epoch-2025" and sc.dollars == "2025-06"
    point = evaluate(sc)
    for ref in sc.references:
        assert ref.label == "Epoch" and ref.dollars == "2025-06"
        assert float(point[ref.output]) == pytest.approx(ref.value, rel=1e-3), ref.output


def test_fixed_starts_and_epochs_release_dates_are_written() -> None:
    gemini = scenario("Gemini 1.0 Ultra", DB)
    assert "training_start = 2023-05-10" in gemini.text
    assert "training start 2023-05-10" in gemini.priors["hardware_age"].source
    titan = scenario("Amazon Titan", DB)  # hardware "NVIDIA A100": Epoch dates it 2020-03-01
    assert "released = 2020-03-01" in titan.text
    assert "available 2020-05-30" in titan.priors["hardware_age"].source


def test_a_later_record_prices_and_runs() -> None:
    """A record after the cut (its figures withheld): the scenario alone, no reference."""
    sc = scenario("Llama 3.1-405B", DB)
    assert sc.references == ()
    point = evaluate(sc)
    assert float(point["chip_hours"]) == pytest.approx(16384 * 2142)
    assert float(point["cloud_price"]) == pytest.approx(4.86)  # docs/model.md §8
    tree = simulate(sc, draws=500, chains=2)
    assert float(tree["posterior"]["amortized_cost"].median()) > 0


@pytest.mark.parametrize(
    ("name", "missing"),
    [
        ("Claude 2", "no training hardware (Epoch's pipeline imputes"),
        ("AlexNet", "hardware 'NVIDIA GeForce GTX 580' is not one the chip library holds"),
        (
            "AlphaZero",
            "several hardware types (Google TPU v2 (tpu-v2), Google TPU v1 (tpu-v1)) without"
            " their shares: give each (--share tpu-v2=0.5 --share tpu-v1=0.5",
        ),
        ("HyperCLOVA X SEED 32B Think", "neither training compute nor hardware quantity"),
    ],
)
def test_records_without_enough_inputs_say_what_is_missing(name: str, missing: str) -> None:
    with pytest.raises(RecordError) as err:
        scenario(name, DB)
    message = str(err.value)
    assert message.startswith(f"{name} (line ") and "cannot price: " in message
    assert missing in message and "\n" not in message


def test_a_record_on_h800s_prices_with_the_chip_library() -> None:
    """DeepSeek-V3 (H800 SXM5): the library's H800, first priced 2025-02-21 (DGX H800)."""
    sc = scenario("DeepSeek-V3", DB)
    assert sc.meta["chip"] == "h800-sxm"
    point = evaluate(sc)
    # no training time in the record: chip-hours from compute / (peak x the reported MFU)
    assert float(point["chip_hours"]) == pytest.approx(3.4078e24 / (989e12 * 0.1947 * 3600))
    assert float(point["amortized_cost"]) > 0


def test_a_reported_mfu_centres_the_draws_on_it() -> None:
    """The paper's MFU prior is for an unknown MFU; a reported one scales it (k = MFU / 0.375).

    Unscaled, DeepSeek-V3's reported 0.1947 was the point while the draws'
    median was 0.36: the point sat near the 70th percentile of the cost.
    """
    import numpy as np

    from frontiercost.priors import load_library

    paper = load_library()["utilization_final_run"]
    sc = scenario("DeepSeek-V3", DB)
    prior = sc.priors["utilization"]
    k = 0.1947 / paper.central
    assert prior.central == 0.1947
    np.testing.assert_allclose(
        prior.ppf([0.05, 0.5, 0.95]), k * np.asarray(paper.ppf([0.05, 0.5, 0.95])), rtol=1e-5
    )
    with pytest.warns(ScenarioWarning, match="cloud_cost is not computed"):
        tree = simulate(sc, draws=4000, chains=2, seed=3)
    u = tree.posterior["utilization"].values
    assert abs(float(np.median(u)) / (k * float(paper.ppf([0.5])[0])) - 1) < 0.05
    cost = tree.posterior["amortized_cost"].values
    point = float(evaluate(sc)["amortized_cost"])
    assert 0.35 < float(np.mean(cost < point)) < 0.65  # the point near the middle


def test_a_fleet_record_with_shares() -> None:
    sc = scenario("AlphaZero", DB, shares={"tpu-v2": 0.25, "Google TPU v1": 0.75})
    assert "[[hardware.fleet]]" in sc.text
    assert sc.meta["chip"] == "tpu-v2 0.25, tpu-v1 0.75"
    assert float(evaluate(sc)["amortized_cost"]) > 0


@pytest.mark.parametrize(
    ("shares", "message"),
    [
        ({"tpu-v2": 0.25}, "no share for 'Google TPU v1': give one for each type"),
        ({"tpu-v2": 0.25, "tpu-v1": 0.7}, "the shares sum to 0.95, not 1"),
        ({"tpu-v2": 0.25, "tpu-v1": 0.75, "h100": 0.1}, "a share for h100-sxm5, which this"),
        ({"tpu-v2": 0.25, "tpu-v7": 0.75}, "a share for 'tpu-v7', which is not a chip"),
    ],
)
def test_fleet_shares_that_do_not_fit_the_record_are_refused(
    shares: dict[str, float], message: str
) -> None:
    with pytest.raises(RecordError, match=re.escape(message)):
        scenario("AlphaZero", DB, shares=shares)
    # shares by alias, case ignored, as a chip name in a scenario
    assert scenario("AlphaZero", DB, shares={"TPU v2": 0.25, "tpu-v1": 0.75}).meta["chip"]
    with pytest.raises(RecordError, match="runs on NVIDIA A100 SXM4 40 GB alone"):
        scenario("GPT-4 (Mar 2023)", DB, shares={"a100": 1.0})


def test_an_unknown_name_suggests_the_records_it_begins() -> None:
    with pytest.raises(DatabaseError, match=re.escape("(did you mean 'GPT-4 (Mar 2023)'")):
        scenario("GPT-4", DB)
    with pytest.raises(DatabaseError, match=re.escape("(did you mean 'Llama 3.1-405B'")):
        scenario("llama 3.1 405b", DB)
    with pytest.raises(DatabaseError, match=re.escape("(did you mean 'GPT-4 (Mar 2023)'")):
        scenario("gpt4", DB)  # punctuation and spaces ignored


# --- validation against Epoch's figures (module docstring) -------------------------------


def test_point_estimates_match_or_are_explained() -> None:
    summary = _points().summary()
    for output, n in MATCHES.items():
        assert summary[output]["match"] == n, output
        for category in CATEGORIES:
            if category != "match":
                assert summary[output][category] == EXPLAINED[output].get(category, 0), (
                    output,
                    category,
                )
    rows = _points().rows
    assert {r.model for r in rows if r.category == "other" and r.output == "amortized_cost"} == (
        OTHER_AMORTIZED
    )
    assert {r.model for r in rows if r.category == "other" and r.output == "cloud_cost"} == (
        OTHER_CLOUD
    )
    for r in rows:
        if r.category == "match":
            assert r.ratio == pytest.approx(1, abs=0.01)
        if r.category == "dollars":
            assert "earlier run" in r.note


@pytest.mark.slow
def test_coverage_of_epochs_figures_by_our_90_percent_intervals() -> None:
    """Our 90 % intervals (the paper's Table 5 uncertainty) cover most of Epoch's figures.

    Measured with 4 x 1,000 draws per record: amortized 94 % (138 of 147),
    cloud 100 % (21), acquisition 100 % (23); the bounds leave room for the
    Monte Carlo error of the interval ends (a figure near an end may flip).
    """
    result = compare(DB, before=CUTOFF, draws=1000, chains=4, seed=1)
    summary = result.summary()
    assert summary["amortized_cost"]["coverage"] > 0.9
    assert summary["cloud_cost"]["coverage"] > 0.9
    assert summary["acquisition_cost"]["coverage"] > 0.9
    for r in result.rows:
        if r.category == "match":
            assert r.inside, r.model  # a figure we reproduce sits inside our interval
            assert 20 < r.percentile < 80, r.model  # near the middle: the point is near it


# --- command line ------------------------------------------------------------------------


def test_cli_price(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "gpt4.toml"
    args = [
        "epoch",
        "price",
        "GPT-4 (Mar 2023)",
        "--database",
        str(DB),
        "--draws",
        "500",
        "--chains",
        "2",
    ]
    assert main([*args, "--write-scenario", str(out)]) == 0
    table = capsys.readouterr().out
    assert "amortized_cost" in table and "published figure" in table and "Epoch" in table
    assert out.read_text("utf-8").startswith("# Built by frontiercost.epoch")
    assert main(["-q", *args, "--format", "json", "--var", "amortized_cost"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert [r["output"] for r in record["references"]] == ["amortized_cost"]
    assert record["references"][0]["point_ratio"] == pytest.approx(1, abs=1e-3)


def test_cli_price_keeps_a_written_scenario_once_edited(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The README invites editing the written scenario: an edit makes the file the user's."""
    out = tmp_path / "gpt4.toml"
    args = ["epoch", "price", "GPT-4 (Mar 2023)", "--database", str(DB), "--draws", "100", "-q"]
    args += ["--write-scenario", str(out)]
    assert main(args) == 0
    first = out.read_text("utf-8")
    assert re.search(r"\n# frontiercost digest [0-9a-f]{32}\n$", first)
    assert load_scenario(out).title == "GPT-4 (Mar 2023)"
    assert main(args) == 0  # unedited: still this program's, replaced
    assert out.read_text("utf-8") == first
    edited = first.replace("[hardware]", "# my note\n[hardware]", 1)
    out.write_text(edited, encoding="utf-8")
    capsys.readouterr()
    assert main(args) == 2
    assert capsys.readouterr().err == (
        f"frontiercost: error: --write-scenario: {str(out)!r} exists and has been edited since"
        " this program wrote it; choose another name, or pass --overwrite to replace it\n"
    )
    assert out.read_text("utf-8") == edited
    assert main([*args, "--overwrite"]) == 0
    assert out.read_text("utf-8") == first
    out.write_text(first.rpartition("# frontiercost digest")[0], encoding="utf-8")  # older
    assert main(args) == 2
    assert "exists and carries no digest line (an older version wrote it, or its end was" in (
        capsys.readouterr().err
    )


def test_cli_price_says_when_the_record_has_no_figure(capsys: pytest.CaptureFixture[str]) -> None:
    """Without Epoch's figures the table has no reference lines: a note says why, once."""
    args = ["epoch", "price", "Llama 3.1-405B", "--database", str(DB), "--draws", "100"]
    assert main([*args, "--var", "amortized_cost", "--var", "chip_count"]) == 0
    captured = capsys.readouterr()
    assert "published figure" not in captured.out and "chip_count" in captured.out
    assert captured.err.count("no Epoch cost figure for 'Llama 3.1-405B'") == 1
    assert (
        main(["epoch", "price", "GPT-4 (Mar 2023)", "--database", str(DB), "--draws", "100"]) == 0
    )
    assert "no Epoch cost figure" not in capsys.readouterr().err


def test_cli_price_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["epoch", "price", "Claude 2", "--database", str(DB)]) == 2
    err = capsys.readouterr().err
    assert re.search(r"error: Claude 2 \(line \d+\): cannot price: no training hardware", err)
    assert main(["epoch", "price", "x", "--database", str(tmp_path / "no.csv")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main(["epoch", "price", "AlphaZero", "--database", str(DB), "--share", "x"]) == 2
    assert "expected HARDWARE=SHARE" in capsys.readouterr().err


def test_cli_compare(capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        "-q",
        "epoch",
        "compare",
        "--database",
        str(DB),
        "--before",
        "2024-03-01",
        "--draws",
        "0",
    ]
    assert main([*args, "--format", "json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["schema"] == "frontiercost.epoch-compare/1"
    assert record["summary"]["amortized_cost"]["match"] == MATCHES["amortized_cost"]
    assert len(record["rows"]) == 165 + 21 + 28
    assert main(args) == 0
    table = capsys.readouterr().out
    assert "figures that do not match" in table and "v100-price" in table
    # each note whole, though a name in it holds " (": the model follows it
    notes = " ".join(table.split())
    assert "fine-tuned from Stable Diffusion (LDM-KL-8-G): Epoch's pipeline skips" in notes
    assert "so the figure is not its output — DiT-XL/2" in notes


def test_the_validation_page_lists_every_figure_and_its_category() -> None:
    """docs/epoch-validation.md explains each figure; it must be compare's own output."""
    page = (Path(__file__).parent.parent / "docs" / "epoch-validation.md").read_text("utf-8")
    row = re.compile(
        r"^\| (.+?) \| (\w+_cost) \| .+? \| .+? \| ([0-9.]+|-) \| .+ \| (.+?) \|$", re.M
    )
    listed = {(m[1], m[2]): (m[3], m[4]) for m in row.finditer(page)}
    found = {
        (r.model.replace("|", "/"), r.output): (
            "-" if r.ratio is None else f"{r.ratio:.3f}",
            r.category,
        )
        for r in _points().rows
    }
    assert listed == found


def test_an_empty_database_or_comparison_is_an_error_not_an_empty_table(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """An empty table with exit 0 reads as "nothing disagrees": say there is nothing."""
    with DB.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    header = list(rows[0])
    empty = tmp_path / "empty.csv"
    empty.write_text(",".join(header) + "\n", encoding="utf-8")
    with pytest.raises(DatabaseError, match=r"empty.csv: no records"):
        load_database(empty)
    figures = [c for c in header if c.startswith("Training compute cost")]
    without = [r for r in rows if not any(r[c].strip() for c in figures)][:3]
    assert without
    nofig = tmp_path / "nofig.csv"
    with nofig.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(without)
    assert main(["epoch", "compare", "--database", str(nofig)]) == 2
    err = capsys.readouterr().err
    assert "nofig.csv: no record has one of Epoch's cost figures" in err and err.count("\n") == 1
    assert main(["epoch", "compare", "--database", str(DB), "--before", "1950-01-01"]) == 2
    assert "no record published before 1950-01-01 has" in capsys.readouterr().err


def test_the_compare_legend_follows_the_summary_columns_and_sums_to_them(capsys) -> None:  # type: ignore[no-untyped-def]
    """Each category once, in the summary's column order, its count the column's total."""
    assert main(["epoch", "compare", "--database", str(DB), "--draws", "0"]) == 0
    out = capsys.readouterr().out.splitlines()
    header = re.split(r" {2,}", out[1].strip())
    columns = {name: i for i, name in enumerate(header)}
    summary = [re.split(r" {2,}", line.strip()) for line in out[2:5]]
    headings = [
        (m.group(1), int(m.group(2).replace(",", "")))
        for line in out
        if (m := re.fullmatch(r"([a-z0-9 -]+): ([\d,]+) figures?", line))
    ]
    assert [c for c, _ in headings] == [
        c for c in header[columns["dollars"] : columns["not priced"] + 1] if c in dict(headings)
    ]
    assert len(headings) >= 4 and headings[0][0] == "dollars"
    assert "; dollars: 2025-06 USD, Epoch's figures read in them" in out[0]
    for category, count in headings:
        assert count == sum(int(row[columns[category]]) for row in summary), category
        # the reasons under a heading add up to it
        start = out.index(f"{category}: {count:,} figure{'s' * (count != 1)}") + 1
        reasons = []
        for line in out[start:]:
            if not line.startswith("  "):
                break
            if m := re.match(r"  ([\d,]+) figures?: ", line):
                reasons.append(int(m.group(1).replace(",", "")))
        assert sum(reasons) == count, category


def test_a_record_name_with_control_characters_makes_a_valid_scenario() -> None:
    """A name holding quotes, a newline or DEL is escaped in the generated TOML."""
    import tomllib

    from frontiercost.epoch.build import _str

    for name in ("GPT-4 (Mar 2023)", 'Evil"\n[formulas]\nx = "1"\n#\x7f', "back\\slash", "é"):
        assert tomllib.loads("title = " + _str(name))["title"] == name
    assert _str("GPT-4 (Mar 2023)") == '"GPT-4 (Mar 2023)"'  # plain names: as before


def test_a_comparison_past_its_time_limit_stops_between_records(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Its estimate counts draws only (--draws 1e6 took 55 s whatever --max-time); the
    records now check the clock."""
    from types import SimpleNamespace

    from frontiercost import settings
    from frontiercost.errors import SimulationError
    from frontiercost.settings import Limits

    clock = [0.0]

    def tick() -> float:  # each look at the clock finds a second gone
        clock[0] += 1.0
        return clock[0]

    monkeypatch.setattr(settings, "time", SimpleNamespace(perf_counter=tick))
    with pytest.raises(SimulationError, match=r"stopped before record 3 \(") as err:
        compare(DB, before=CUTOFF, draws=10, chains=1, limits=Limits(seconds=2.5))
    assert str(err.value).startswith("epoch compare of ")
    assert "it has taken 3 s, more than the limit of 2.5 s" in str(err.value)
