"""The stability check's reuse of runs: a cap-free ending under one cap is the ending under a larger cap."""

from __future__ import annotations

import pytest

from verify.gap.reuse import DERIVED, count_reused, reuse_cap_free_runs
from verify.sweep import ResultStore, config_key, task_name
from verify.sweep.tasks import du2019_config, train_du2019_batch

SAME = ("succeeded", "stop_reason", "steps_run", "steps_to_eps", "stalled_at", "diverged_at", "t_kernel")


def _config(width: int, seed: int, factor: float) -> dict:
    return du2019_config(n=12, width=width, seed=seed, d=4, criterion="interpolation", factor=factor)


def test_plateaued_runs_are_reused_and_cap_bound_stops_are_retrained(tmp_path):
    # width 1 plateaus (its one neuron cannot fit 12 labels); width 2 is stopped as "too slow" by the cap
    first = [_config(1, 0, 20.0), _config(2, 0, 20.0)]
    results = train_du2019_batch(first)
    assert [r["stop_reason"] for r in results] == ["plateau", "too slow"]
    with ResultStore(tmp_path / "runs.jsonl") as store:
        for config, result in zip(first, results, strict=True):
            store.append(config_key(config), config, result, task=task_name(train_du2019_batch))
        doubled = [_config(1, 0, 40.0), _config(2, 0, 40.0)]
        assert reuse_cap_free_runs(store, doubled + doubled[:1]) == 1  # a repeated configuration is written once
        records = store.load()
        assert config_key(doubled[1]) not in records  # "too slow" depends on the cap: trained again
        reused = records[config_key(doubled[0])]
        assert reused.meta[DERIVED] == config_key(first[0]) and "plateau" in reused.meta["note"]
        assert count_reused(store, "interpolation:40") == 1 and count_reused(store, "interpolation:20") == 0
        assert reuse_cap_free_runs(store, doubled) == 0  # nothing stored twice
    trained = train_du2019_batch([doubled[0]])[0]
    for field in SAME + ("criterion", "step_limit"):
        assert reused.result[field] == trained[field], field
    assert reused.result["final_loss"] == pytest.approx(trained["final_loss"], rel=1e-12)


def test_nothing_is_reused_across_criteria_or_towards_a_smaller_cap(tmp_path):
    source = _config(1, 1, 40.0)
    result = train_du2019_batch([source])[0]
    with ResultStore(tmp_path / "runs.jsonl") as store:
        store.append(config_key(source), source, result, task=task_name(train_du2019_batch))
        smaller = _config(1, 1, 20.0)
        kernel = du2019_config(n=12, width=1, seed=1, d=4, criterion="kernel", factor=80.0)
        other_seed = _config(1, 2, 80.0)
        assert reuse_cap_free_runs(store, [smaller, kernel, other_seed]) == 0
