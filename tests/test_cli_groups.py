"""A printed summary of a large stored run holds a group of outputs at a time.

``frontiercost run`` without ``--out`` only prints a summary: above
``GROUP_BYTES`` of output draws it samples the scenario once per group of
outputs (inputs never kept) and frees each group's draws before the next.
The draws come from the same streams, so every figure must be the one the
whole run gives, bit for bit; these tests shrink ``GROUP_BYTES`` so a small
run takes the grouped path, and check that it did.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import numpy as np
import pytest
from helpers import keep_kept

from frontiercost import simulate
from frontiercost.cli import _sources, _summary, main
from frontiercost.run import RunSpec
from frontiercost.scenarios import load_scenario

SMALL = ["--draws", "500", "--chains", "2"]


def _run(capsys, argv: list[str]) -> str:  # type: ignore[no-untyped-def]
    assert main(argv) == 0
    return str(capsys.readouterr().out)


def _without_time(text: str) -> dict[str, Any]:
    record = json.loads(text)
    record["run"].pop("created_at")
    return dict(record)


@pytest.mark.parametrize(
    "extra",
    [
        [],
        ["--seed", "7", "--ci", "0.8"],
        ["--sampler", "qmc", "--hdi"],  # a Sobol design spans every input: all are drawn
        ["--var", "cloud_cost", "--var", "energy_cost", "--var", "amortized_cost"],
    ],
)
def test_grouped_run_prints_the_whole_runs_numbers(capsys, monkeypatch, extra) -> None:  # type: ignore[no-untyped-def]
    argv = ["run", "gpt-4", *SMALL, *extra]
    whole_json = _run(capsys, [*argv, "--format", "json"])
    whole_table = _run(capsys, argv)
    groups: list[tuple[str, ...]] = []
    real_sample = _sources.sample

    def spy(*args: Any, **kwargs: Any) -> Any:
        src = real_sample(*args, **kwargs)
        groups.append(tuple(src.tree["posterior"].data_vars))
        return src

    monkeypatch.setattr(_summary, "sample", spy)
    # two outputs' draws at a time (the split's five share the first group)
    monkeypatch.setattr(_summary, "GROUP_BYTES", 2 * 8 * 1000)
    grouped_json = _run(capsys, [*argv, "--format", "json"])
    n_groups = len(groups)
    assert _run(capsys, argv) == whole_table
    assert _without_time(grouped_json) == _without_time(whole_json)
    assert n_groups >= 2
    names = list(json.loads(whole_json)["outputs"])
    kept = [n for g in groups[:n_groups] for n in g]
    # each output in one group, no input kept (the split's parts come along with --var)
    assert len(kept) == len(set(kept)) and set(names) <= set(kept)
    assert set(kept) <= set(load_scenario("gpt-4").outputs)
    split = ["amortized_cost", "chip_cost", "other_server_cost", "interconnect_cost"]
    if "chip_cost" in names:
        assert set(split) <= set(groups[0])


def test_small_runs_and_runs_with_a_file_are_not_grouped(capsys, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    calls: list[dict[str, Any]] = []
    real_sample = _sources.sample

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return real_sample(*args, **kwargs)

    monkeypatch.setattr(_summary, "sample", spy)
    _run(capsys, ["run", "gpt-4", *SMALL])
    assert len(calls) == 1 and calls[0]["inputs"] is False and "outputs" not in calls[0]
    monkeypatch.setattr(_summary, "GROUP_BYTES", 8 * 1000)
    _run(capsys, ["run", "gpt-4", *SMALL, "--out", str(tmp_path / "run.nc")])
    assert len(calls) == 2 and calls[1]["inputs"] is True  # the file keeps every draw


def test_a_model_of_some_outputs_draws_the_whole_scenarios_inputs() -> None:
    # energy_use reads pue but not chip_count's partner bare_chip_price; a
    # correlation between bare_chip_price and pue must still shape pue's draws.
    sc = load_scenario("gpt-4")
    spec = RunSpec.of(sc, correlations={("bare_chip_price", "pue"): 0.6})
    whole = simulate(spec, draws=3000, chains=2, store_inputs=False)
    sub = sc.model(["energy_use"], all_inputs=True)
    assert sub.inputs == spec.model.inputs
    assert "bare_chip_price" not in sc.model(["energy_use"]).inputs
    part = simulate(dataclasses.replace(spec, model=sub), draws=3000, chains=2, store_inputs=False)
    assert list(part["posterior"].data_vars) == ["energy_use"]
    np.testing.assert_array_equal(
        part["posterior"]["energy_use"].values, whole["posterior"]["energy_use"].values
    )
    # without the correlation the draws differ: the test can tell
    plain = simulate("gpt-4", draws=3000, chains=2, store_inputs=False)
    assert not np.array_equal(
        plain["posterior"]["energy_use"].values, whole["posterior"]["energy_use"].values
    )


def test_merged_records_keep_the_scenarios_order_of_figures() -> None:
    def rec(outputs: list[str], refs: list[tuple[str, int]], comp: Any = None) -> dict[str, Any]:
        return {
            "run": {},
            "outputs": {n: {"median": i} for i, n in enumerate(outputs)},
            "components": comp,
            "references": [{"output": o, "value": v} for o, v in refs],
        }

    a = rec(["x", "z"], [("x", 1), ("z", 3), ("x", 4)], comp={"total": "x"})
    b = rec(["y"], [("y", 2), ("y", 5)])
    merged = _summary.merge_records([a, b], ["x", "y", "z"], ["x", "y", "z", "x", "y"])
    assert list(merged["outputs"]) == ["x", "y", "z"]
    assert [r["value"] for r in merged["references"]] == [1, 2, 3, 4, 5]
    assert merged["components"] == {"total": "x"}


def test_a_run_of_named_outputs_samples_only_them(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`run --var X` stored all 11 outputs of gpt-4 (839 MiB at 2.5e6 draws a chain),
    where X's draws suffice; its figures are the whole run's, bit for bit."""
    whole = json.loads(_run(capsys, ["run", "gpt-4", *SMALL, "--format", "json"]))
    sampled = keep_kept(monkeypatch, _summary)
    argv = ["run", "gpt-4", *SMALL, "--format", "json", "--var", "usd_per_flop"]
    one = json.loads(_run(capsys, argv))
    assert sampled == [("usd_per_flop",)]
    assert one["outputs"] == {"usd_per_flop": whole["outputs"]["usd_per_flop"]}
