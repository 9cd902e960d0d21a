"""The training cost a study reports: worker time read from its store, each batch counted once."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verify.gap.cost import cost_sentence, run_cost, training_cost
from verify.sweep.store import Record


def _record(n: int, width: int, seed: int, factor: float, wall: float, batch: int, **meta) -> Record:
    config = {"n": n, "width": width, "seed": seed, "criterion": "interpolation", "factor": factor}
    return Record(key=f"{n}-{width}-{seed}-{factor}", task="du2019", status="ok", config=config,
                  result={"succeeded": True}, meta={"wall_time_s": wall, "batch_size": batch, **meta})


@given(st.lists(st.tuples(st.floats(0, 1e4), st.integers(1, 6)), min_size=1, max_size=8))
def test_the_shares_of_a_batch_add_up_to_its_wall_time(batches):
    records = [_record(64 * (b + 1), w, 0, 300.0, wall, size)
               for b, (wall, size) in enumerate(batches) for w in range(size)]
    cost = training_cost(records, deep=False)
    assert cost["worker_s"] == pytest.approx(sum(wall for wall, _ in batches), abs=0.05 * len(batches) + 1e-9)
    assert cost["runs_trained"] == len(records)
    assert sum(p["runs_trained"] for b in cost["by_criterion"] for p in b["by_point"]) == len(records)


def test_copied_runs_cost_nothing_and_continued_runs_their_continuation():
    first = _record(128, 16, 0, 300.0, 90.0, 3)
    copied = _record(128, 20, 0, 600.0, 0.0, 1, derived_from="k")
    copied.meta["wall_time_s"] = 55.0  # even a copy that carried its source's time costs nothing
    continued = _record(128, 16, 0, 600.0, 40.0, 2, continued_from=first.key, continued_at_step=1000)
    assert run_cost(copied) == 0.0
    cost = training_cost([first, copied, continued], deep=False)
    assert cost["worker_s"] == pytest.approx(30.0 + 20.0)
    assert (cost["runs_trained"], cost["runs_reused"], cost["runs_continued"]) == (2, 1, 1)
    assert [b["criterion"] for b in cost["by_criterion"]] == ["interpolation:300", "interpolation:600"]
    asked = training_cost([continued, first], deep=False, order=["interpolation:600", "interpolation:300"])
    assert [b["criterion"] for b in asked["by_criterion"]] == ["interpolation:600", "interpolation:300"]
    sentence = cost_sentence(cost)
    assert "50 s of worker time for 2 trained runs" in sentence and "1 runs were copied" in sentence


def test_a_study_reports_the_worker_time_of_its_own_runs(tmp_path):
    from click.testing import CliRunner

    from bounds.cli import main

    out = tmp_path / "gap"
    args = ["gap", "--n", "8,16", "--seeds", "2", "--d", "5", "--max-width", "4096", "--workers", "1",
            "--format", "json", "--out", str(out)]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    cost = json.loads(result.stdout)["cost"]
    runs = [json.loads(line) for line in (out / "runs.jsonl").read_text().splitlines()]
    trained = [r for r in runs if "derived_from" not in r["meta"]]
    assert cost["runs_trained"] == len(trained) and cost["runs_reused"] == len(runs) - len(trained)
    expected = sum(r["meta"]["wall_time_s"] / r["meta"].get("batch_size", 1) for r in trained)
    assert cost["worker_s"] == pytest.approx(expected, abs=0.1) and cost["worker_s"] > 0
    assert {b["criterion"] for b in cost["by_criterion"]} == {"interpolation:300", "interpolation:600"}
    # a study that asks for part of the store (no stability check) counts only its own runs
    again = json.loads(CliRunner().invoke(main, [*args, "--no-stability"], catch_exceptions=False).stdout)["cost"]
    first = next(b for b in cost["by_criterion"] if b["criterion"] == "interpolation:300")
    assert [b["criterion"] for b in again["by_criterion"]] == ["interpolation:300"]
    assert again["worker_s"] == first["worker_s"] and again["runs_trained"] == first["runs_trained"]
    assert again["runs_trained"] < cost["runs_trained"]
    table = CliRunner().invoke(main, [a for a in args if a not in ("--format", "json")], catch_exceptions=False)
    assert "Training cost:" in table.output
