"""Continuing a two-layer run stopped at its cap under a doubled cap gives the run trained from step 0."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from verify.plateau import PlateauRule
from verify.sweep.continuation import continuable, decode_array, encode_array, start_state
from verify.sweep.tasks import du2019_config, train_du2019_batch


@pytest.fixture(autouse=True)
def _tiny_runs_keep_their_state(monkeypatch):
    """These tests check the mechanics of continuation on runs of tens to thousands of steps, shorter than the
    default rule (a few steps per stored number) lets keep a state; the rule has its own test below."""
    import verify.sweep.continuation as continuation

    monkeypatch.setattr(continuation, "STEPS_PER_STORED_NUMBER", 0)


INTEGER_FIELDS = ("steps_run", "steps_to_eps", "stop_reason", "stalled_at", "step_limit", "succeeded", "reached_eps",
                  "diverged_at", "t_kernel", "criterion")


def assert_same_run(got: dict, want: dict) -> None:
    """Field by field: integers and labels exactly, floats to 1e-12 relative, the loss curve's steps exactly."""
    assert set(got) == set(want)
    for name in INTEGER_FIELDS:
        assert got[name] == want[name], name
    for name, value in want.items():
        if isinstance(value, float):
            assert got[name] == pytest.approx(value, rel=1e-12, abs=1e-300), name
    assert got["loss_curve"]["step"] == want["loss_curve"]["step"]
    np.testing.assert_allclose(got["loss_curve"]["loss"], want["loss_curve"]["loss"], rtol=1e-12)
    if "resume" in want:
        assert got["resume"]["step"] == want["resume"]["step"]
        for name in ("loss", "initial_loss"):
            assert got["resume"][name] == pytest.approx(want["resume"][name], rel=1e-12), name
        _same_plateau(got["resume"]["plateau"], want["resume"]["plateau"])
        np.testing.assert_allclose(decode_array(got["resume"]["W"]), decode_array(want["resume"]["W"]), rtol=1e-10)


def _same_plateau(got: dict | None, want: dict | None) -> None:
    if want is None:
        assert got is None
        return
    assert got["next_check"] == want["next_check"] and got["best"] == pytest.approx(want["best"], rel=1e-12)
    assert [t for t, _ in got["checks"]] == [t for t, _ in want["checks"]]
    np.testing.assert_allclose([b for _, b in got["checks"]], [b for _, b in want["checks"]], rtol=1e-12)


def _configs(criterion: str, factor: float, widths=(8, 32, 128), seeds=(0, 1, 2), n: int = 24):
    return [du2019_config(n, w, s, d=4, criterion=criterion, factor=factor) for w in widths for s in seeds]


def _continue(criterion: str, factor: float, reason: str) -> tuple[int, int]:
    """Train under `factor`, continue the runs stopped for `reason` under 2 x factor mixed with fresh runs
    (the others, and new widths), and compare every one with the doubled configuration trained from step 0.
    Returns (runs continued, of them how many ran past their first stop)."""
    first = _configs(criterion, factor)
    before = train_du2019_batch(first)
    assert all(json.loads(json.dumps(r, allow_nan=False)) == r for r in before)  # strict JSON, round trips
    doubled = _configs(criterion, 2 * factor)
    extra = _configs(criterion, 2 * factor, widths=(16,), seeds=(5,))
    sources = [r if r["stop_reason"] == reason else None for r in before]
    assert any(s is not None for s in sources) and all(s is None or continuable(s) for s in sources)
    continued = train_du2019_batch(doubled + extra, sources + [None] * len(extra))
    scratch = train_du2019_batch(doubled + extra)
    for got, want in zip(continued, scratch, strict=True):
        assert_same_run(got, want)
    resumed = [(s, c) for s, c in zip(sources, continued, strict=False) if s is not None]
    return len(resumed), sum(c["steps_run"] > s["steps_run"] for s, c in resumed)


def test_a_run_stopped_at_its_limit_continues_to_the_run_from_scratch():
    count, went_on = _continue("kernel", 1.0, "limit")
    assert count >= 3 and went_on == count  # a limit run always goes on under a larger limit


def test_a_run_stopped_too_slow_continues_to_the_run_from_scratch():
    count, went_on = _continue("interpolation", 5.0, "too slow")
    assert count >= 3 and went_on >= 1


def test_only_capped_runs_keep_their_state():
    results = train_du2019_batch([du2019_config(12, 256, s, d=4, criterion="interpolation", factor=300.0)
                                  for s in (0, 1)])
    for r in results:
        assert ("resume" in r) == (r["stop_reason"] in ("limit", "too slow"))


def test_a_continuable_record_does_not_grow_with_the_steps_run():
    """The resume block is W and a few numbers: a run capped ten times later stores about as much."""
    sizes = {}
    for factor in (1.0, 10.0):
        config = du2019_config(24, 32, 0, d=4, criterion="kernel", factor=factor)
        result = train_du2019_batch([config])[0]
        assert result["stop_reason"] == "limit" and continuable(result)
        sizes[result["steps_run"]] = (len(json.dumps(result["resume"])), len(json.dumps(result)))
    (short, (resume_short, whole_short)), (long, (resume_long, whole_long)) = sorted(sizes.items())
    assert long >= 8 * short >= 8 * 100
    assert abs(resume_long - resume_short) < 100  # the same block, the plateau state aside
    assert whole_long - whole_short < 600  # the curve grows by about 3 log2(10) samples, nothing else


def test_a_loss_curve_samples_fixed_steps():
    from verify.sweep.tasks import _curve, curve_steps

    losses = [1.0 / (t + 1) for t in range(5001)]
    whole = _curve(losses)
    assert whole["step"] == curve_steps(5000) and whole["step"][:8] == [0, 1, 2, 3, 4, 5, 6, 8]
    assert set(curve_steps(300)) - {300} <= set(curve_steps(5000))
    for start in (0, 1, 7, 300, 4999, 5000):
        assert _curve(losses[start:], start, _curve(losses[:start + 1])) == whole


def test_arrays_round_trip_bit_for_bit():
    a = np.random.default_rng(0).standard_normal((7, 3)) * 1e-300
    assert np.array_equal(decode_array(json.loads(json.dumps(encode_array(a)))), a)


def test_a_result_without_resume_state_is_refused():
    result = train_du2019_batch(_configs("kernel", 1.0, widths=(8,), seeds=(0,)))[0]
    assert result["stop_reason"] == "limit"
    del result["resume"]
    assert not continuable(result)
    with pytest.raises(ValueError, match="from step 0"):
        start_state(result)


def _losses(steps: int, rate: float) -> list[float]:
    return [math.exp(-rate * math.sqrt(t + 1)) for t in range(steps)]


def test_too_slow_fires_no_earlier_under_a_larger_cap_and_restored_rules_agree():
    """The reasoning behind continuing a "too slow" run: until the step the small-cap rule stopped at, the
    large-cap rule says nothing; a rule restored there with the large cap then goes on exactly as one that
    watched the run from step 0."""
    losses = _losses(20_000, 0.02)
    small, large = PlateauRule(1e-9, 200, min_steps=10), PlateauRule(1e-9, 400, min_steps=10)
    stop = next(t for t, x in enumerate(losses) if small.observe(t, x) is not None)
    assert all(large.observe(t, x) is None for t, x in enumerate(losses[:stop]))
    verdict_large = large.observe(stop, losses[stop])
    restored = PlateauRule(1e-9, 400, min_steps=10).restore(json.loads(json.dumps(small.state())))
    assert restored.verdict(stop) == verdict_large
    for t in range(stop + 1, len(losses)):
        assert restored.observe(t, losses[t]) == large.observe(t, losses[t])


def _deep_configs(criterion: str, factor: float, widths=(6, 12), seeds=(0, 1, 2), n: int = 16, L: int = 2):
    from verify.sweep.tasks import zou_gu2019_config

    return [zou_gu2019_config(n, L, w, s, d=4, criterion=criterion, factor=factor) for w in widths for s in seeds]


@pytest.mark.parametrize("criterion, factor, reason", [("kernel", 1.0, "limit"), ("interpolation", 5.0, "too slow")])
def test_a_deep_run_stopped_at_its_cap_continues_to_the_run_from_scratch(criterion, factor, reason):
    """Deep seeds batched per width (DeepBatch): continued runs, mixed in a batch with fresh ones, end as the
    doubled configurations trained from step 0, field by field, the state of every trained layer included."""
    from verify.sweep.tasks import train_zou_gu2019_batch

    before = train_zou_gu2019_batch(_deep_configs(criterion, factor))
    assert all(json.loads(json.dumps(r, allow_nan=False)) == r for r in before)
    extra = _deep_configs(criterion, 2 * factor, seeds=(5,))  # fresh seeds in the same width groups
    doubled = _deep_configs(criterion, 2 * factor) + extra
    sources = [r if r["stop_reason"] == reason else None for r in before] + [None] * len(extra)
    assert sum(s is not None for s in sources) >= 2 and all(s is None or continuable(s) for s in sources)
    assert all(len(s["resume"]["W"]) == 3 for s in sources if s is not None)  # input layer and two hidden layers
    continued = train_zou_gu2019_batch(doubled, sources)
    scratch = train_zou_gu2019_batch(doubled)
    for got, want, source in zip(continued, scratch, sources, strict=True):
        want_W = want.pop("resume", {}).get("W")
        got_W = got.pop("resume", {}).get("W")
        assert_same_run(got, want)
        assert (got_W is None) == (want_W is None)
        for g, w in zip(got_W or [], want_W or [], strict=True):
            np.testing.assert_allclose(decode_array(g), decode_array(w), rtol=1e-10)
        assert got["layer_distances"] == pytest.approx(want["layer_distances"], rel=1e-9)  # from the init
        if source is not None:
            assert got["steps_run"] >= source["steps_run"]


def test_a_run_with_more_than_the_resume_limit_of_parameters_keeps_no_state(monkeypatch):
    """Past MAX_RESUME_PARAMETERS trained parameters a capped run keeps no state (a wide deep net's weights
    would swell the store): a larger cap retrains it."""
    import verify.sweep.continuation as continuation
    from verify.sweep.tasks import train_zou_gu2019_batch

    configs = _deep_configs("kernel", 1.0, widths=(6, 12), seeds=(0,))
    kept = [r for r in train_zou_gu2019_batch(configs) if r["stop_reason"] == "limit"]
    assert kept and all("resume" in r for r in kept)
    monkeypatch.setattr(continuation, "MAX_RESUME_PARAMETERS", 4 * 6 + 2 * 6**2)  # width 6 fits, width 12 does not
    results = train_zou_gu2019_batch(configs)
    for config, result in zip(configs, results, strict=True):
        if result["stop_reason"] == "limit":
            assert ("resume" in result) == (config["width"] == 6)
            assert continuable(result) == (config["width"] == 6)


def test_the_sweep_runner_continues_runs_in_one_batch_with_fresh_ones(tmp_path):
    """`run_sweep(..., resume=, meta=)`: runs with a stored state and fresh runs of one group train as one batch
    (one worker call), each ending as from step 0 and stored with its own bookkeeping."""
    from verify.sweep import ResultStore, config_key, run_sweep
    from verify.sweep.tasks import batch_group

    first = _configs("kernel", 1.0, widths=(8, 16), seeds=(0,))
    before = train_du2019_batch(first)
    assert all(continuable(r) for r in before)
    doubled = _configs("kernel", 2.0, widths=(8, 16), seeds=(0,)) + _configs("kernel", 2.0, widths=(12,), seeds=(3,))
    sources = {config_key(c): r for c, r in zip(doubled, before, strict=False)}  # the first two continue
    with ResultStore(tmp_path / "runs.jsonl") as store:
        summary = run_sweep(doubled, train_du2019_batch, store, workers=1, batch_by=batch_group,
                            resume=lambda c: sources.get(config_key(c)),
                            meta=lambda key: {"continued_from": "its source"} if key in sources else {})
        records = store.load()
    assert summary.computed == 3
    for config, want in zip(doubled, train_du2019_batch(doubled), strict=True):
        record = records[config_key(config)]
        assert_same_run(record.result, want)
        assert ("continued_from" in record.meta) == (config_key(config) in sources)
        assert record.meta["batch_size"] == 3


def test_a_capped_run_keeps_its_state_only_where_that_pays(monkeypatch):
    """The default rule: at most MAX_RESUME_PARAMETERS trained parameters and at least STEPS_PER_STORED_NUMBER
    steps run per parameter stored.  A kernel-criterion run capped after a few dozen steps keeps nothing; the
    long interpolation runs near the threshold, a few thousand parameters over hundreds of thousands of steps,
    keep theirs."""
    monkeypatch.undo()  # the module's own rule, not the fixture's
    from verify.sweep.continuation import MAX_RESUME_PARAMETERS, STEPS_PER_STORED_NUMBER, keeps_state

    assert STEPS_PER_STORED_NUMBER >= 1
    assert keeps_state(1370, 1_136_700)  # the two-layer n = 1024 runs continued in the committed example
    assert not keeps_state(1370, 1370 * STEPS_PER_STORED_NUMBER - 1)
    assert not keeps_state(MAX_RESUME_PARAMETERS + 1, 10**9)
    result = train_du2019_batch([du2019_config(24, 32, 0, d=4, criterion="kernel", factor=1.0)])[0]
    assert result["stop_reason"] == "limit" and result["steps_run"] < 4 * 32 * 4
    assert "resume" not in result and not continuable(result)
