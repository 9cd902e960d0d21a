"""The real task: train_du2019 wires the configuration to verify's training API correctly."""

from __future__ import annotations

import math

import numpy as np
import pytest

from verify.data import sphere
from verify.models import du2019
from verify.sweep import ResultStore, config_key, run_sweep
from verify.sweep.tasks import TASK_VERSION, du2019_config, train_du2019, train_zou_gu2019, zou_gu2019_config


def test_the_initial_loss_is_that_of_the_configured_data_and_initialisation():
    config = du2019_config(n=12, width=40, seed=3, d=5, data_seed=7, steps=20)
    result = train_du2019(config)
    data = sphere(12, 5, seed=7)
    W, a = du2019().init(5, 40, 3)
    u0 = np.maximum(data.X @ W.T, 0.0) @ a / math.sqrt(40)
    assert result["initial_loss"] == pytest.approx(0.5 * np.sum((u0 - data.y) ** 2), rel=1e-12)
    assert result["delta"] == pytest.approx(data.delta) and result["lambda_0"] > 0
    assert result["loss_curve"]["step"][0] == 0 and result["loss_curve"]["loss"][0] == result["initial_loss"]


def test_gd_decreases_the_loss_and_steps_to_eps_is_the_first_step_below_eps():
    result = train_du2019(du2019_config(n=16, width=400, seed=0, steps=400, eps=1e-2))
    assert result["final_loss"] < result["initial_loss"]
    assert result["reached_eps"] and result["steps_to_eps"] == result["steps_run"]  # stop_at_eps stops there
    assert result["final_loss"] <= 1e-2 < result["loss_curve"]["loss"][-2]
    full = train_du2019(du2019_config(n=16, width=400, seed=0, steps=400, eps=1e-2, stop_at_eps=False))
    assert full["steps_run"] == 400 and full["steps_to_eps"] == result["steps_to_eps"]
    assert full["final_loss"] < result["final_loss"]


def test_results_depend_on_the_configuration_only():
    config = du2019_config(n=10, width=60, seed=1, steps=30)
    assert train_du2019(config) == train_du2019(dict(config))
    assert train_du2019(du2019_config(n=10, width=60, seed=2, steps=30)) != train_du2019(config)


def test_a_divergent_step_size_is_reported_not_hidden():
    result = train_du2019(du2019_config(n=10, width=60, seed=0, steps=200, eta=1e3))
    assert result["diverged_at"] is not None and not result["reached_eps"]
    assert result["max_neuron_distance"] is None


def test_du2019_config_holds_every_field_so_the_key_identifies_the_run():
    config = du2019_config(32, 1000)
    assert config == {"setting": "du2019", "version": TASK_VERSION, "n": 32, "d": 10, "width": 1000, "seed": 0,
                      "data_seed": 0, "labels": "random", "steps": 1000, "eps": 1e-3, "eta": "auto",
                      "stop_at_eps": True, "criterion": "budget", "factor": None, "device": "cpu"}
    assert config_key(du2019_config(32, 1000, steps=1001)) != config_key(config)


@pytest.mark.parametrize("change, message", [
    ({"width": None}, "missing width"),
    ({"lr": 0.1}, "unknown lr"),
    ({"setting": "allen-zhu"}, "setting 'allen-zhu' is not train_du2019's"),
    ({"version": TASK_VERSION + 1}, "version"),
    ({"eta": "fast"}, "eta must be 'auto' or a positive number"),
])
def test_an_incomplete_or_unknown_configuration_is_refused(change, message):
    config = {**du2019_config(8, 10), **change}
    config = {k: v for k, v in config.items() if not (k in change and change[k] is None)}
    with pytest.raises(ValueError, match=message):
        train_du2019(config)


def test_worker_processes_reproduce_the_in_process_results_exactly(tmp_path):
    configs = [du2019_config(n=10, width=w, seed=0, steps=40) for w in (30, 60)]
    run_sweep(configs, train_du2019, tmp_path / "s.jsonl", workers=2)
    records = ResultStore(tmp_path / "s.jsonl").load()
    assert {k: r.result for k, r in records.items()} == {config_key(c): train_du2019(c) for c in configs}


def test_deep_task_trains_zou_gu_network_and_reports_its_measurements():
    config = zou_gu2019_config(n=16, L=2, width=32, seed=0, steps=2000)
    assert config["L"] == 2 and config["setting"] == "zou-gu2019"
    result = train_zou_gu2019(config)
    assert result["reached_eps"] and result["final_loss"] <= 1e-3 and result["diverged_at"] is None
    assert len(result["layer_distances"]) == 3  # input layer and two hidden layers trained, output fixed
    assert 0 <= result["flip_fraction"] < 1 and result["max_neuron_distance"] is None
    # lambda_0 of relu_ntk(X, L + 1): the diagonal is L + 2, so lambda_min lies in (0, L + 2)
    assert 0 < result["lambda_0"] < 4
    assert train_zou_gu2019(config) == result  # deterministic


def test_deep_task_fails_at_a_too_narrow_width_and_refuses_the_two_layer_configuration():
    narrow = train_zou_gu2019(zou_gu2019_config(n=64, L=2, width=2, seed=0, steps=300))
    assert not narrow["reached_eps"] and narrow["final_loss"] > 1e-2
    with pytest.raises(ValueError, match="missing L"):
        train_zou_gu2019({**du2019_config(8, 10), "setting": "zou-gu2019"})
    with pytest.raises(ValueError, match="L must be at least 1"):
        train_zou_gu2019(zou_gu2019_config(n=8, L=0, width=8))


def _failing_batch(configs):
    raise RuntimeError("boom")


def test_batched_sweep_stores_each_run_under_its_own_key_and_resumes(tmp_path):
    from verify.sweep.tasks import batch_group, train_du2019_batch

    configs = [du2019_config(n=12, width=w, seed=s, d=4, criterion="interpolation") for w in (3, 6, 20) for s in (0, 1)]
    configs += [du2019_config(n=16, width=8, seed=0, d=4, criterion="interpolation")]  # another group
    first = run_sweep(configs, train_du2019_batch, tmp_path / "s.jsonl", workers=2, batch_by=batch_group)
    assert (first.computed, first.cached) == (7, 0)
    records = ResultStore(tmp_path / "s.jsonl").load()
    for config in configs:  # each run as trained alone, up to float64 rounding (GEMM blocking differs)
        stored, alone = records[config_key(config)].result, train_du2019(config)
        assert (stored["steps_run"], stored["stop_reason"], stored["succeeded"]) == \
               (alone["steps_run"], alone["stop_reason"], alone["succeeded"])
        assert stored["final_loss"] == pytest.approx(alone["final_loss"], rel=1e-9)
    assert sorted(r.meta["batch_size"] for r in records.values()) == [1] + [6] * 6
    again = run_sweep(configs + [du2019_config(n=12, width=9, seed=0, d=4, criterion="interpolation")],
                      train_du2019_batch, tmp_path / "s.jsonl", workers=1, batch_by=batch_group)
    assert (again.computed, again.cached) == (1, 7)


def test_a_failing_batch_records_an_error_for_every_run(tmp_path):
    from verify.sweep.tasks import batch_group

    configs = [du2019_config(n=12, width=w, seed=0, d=4) for w in (3, 6)]
    summary = run_sweep(configs, _failing_batch, tmp_path / "s.jsonl", workers=1, batch_by=batch_group)
    assert summary.failed == 2
    assert all("boom" in r.error for r in ResultStore(tmp_path / "s.jsonl").load().values())


def test_one_group_is_split_to_keep_every_worker_busy(tmp_path):
    from verify.sweep.tasks import batch_group, train_du2019_batch

    configs = [du2019_config(n=12, width=w, seed=s, d=4, criterion="interpolation") for w in (3, 6, 20) for s in (0, 1)]
    summary = run_sweep(configs, train_du2019_batch, tmp_path / "s.jsonl", workers=2, batch_by=batch_group)
    assert summary.computed == 6
    records = ResultStore(tmp_path / "s.jsonl").load()
    assert sorted(r.meta["batch_size"] for r in records.values()) == [3] * 6  # two batches, one per worker
    assert len({r.meta["worker"] for r in records.values()}) in (1, 2)  # the pool decides where each runs
    for config in configs:
        stored, alone = records[config_key(config)].result, train_du2019(config)
        assert (stored["steps_run"], stored["succeeded"]) == (alone["steps_run"], alone["succeeded"])
        assert stored["final_loss"] == pytest.approx(alone["final_loss"], rel=1e-9)
