"""The minimal-width search against a synthetic oracle whose thresholds are known."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.gap.search import WidthSearch, search_minimal_widths


def oracle(thresholds):
    """Success iff width >= thresholds[(n, seed)]; counts every trained run."""
    trained = []

    def run_batch(configs):
        trained.extend(configs)
        return [{"ok": c["width"] >= thresholds[(c["n"], c["seed"])]} for c in configs]

    return run_batch, trained


def make_config(n, width, seed):
    return {"n": n, "width": width, "seed": seed}


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.tuples(st.sampled_from([16, 32, 64]), st.sampled_from([0, 1, 2])), st.integers(1, 5000),
                       min_size=9, max_size=9))
def test_finds_each_threshold_to_the_resolution_and_trains_nothing_twice(thresholds):
    run_batch, trained = oracle(thresholds)
    answers = search_minimal_widths([16, 32, 64], [0, 1, 2], make_config, lambda r: r["ok"], run_batch,
                                    resolution=0.03)
    keys = [(c["n"], c["width"], c["seed"]) for c in trained]
    assert len(keys) == len(set(keys))
    for answer in answers:
        for seed, found in answer.per_seed.items():
            truth = thresholds[(answer.n, seed)]
            assert found >= truth  # a success is never below the threshold
            assert found - truth <= max(1, 0.03 * found)  # and within the resolution above it
        assert answer.all_seeds == max(answer.per_seed.values()) and answer.all_seeds_checked


def test_exact_integer_threshold_when_resolution_is_fine():
    run_batch, trained = oracle({(100, 0): 777})
    (answer,) = search_minimal_widths([100], [0], make_config, lambda r: r["ok"], run_batch, resolution=0.0)
    assert answer.per_seed[0] == 777
    assert len(trained) <= 10 + 10  # doubling to 1024, then bisection of [512, 1024]


def test_no_success_up_to_the_cap_is_reported_as_none():
    run_batch, _ = oracle({(10, 0): 10**9})
    (answer,) = search_minimal_widths([10], [0], make_config, lambda r: r["ok"], run_batch, max_width=64)
    assert answer.per_seed[0] is None and answer.all_seeds is None and not answer.all_seeds_checked


def test_rounds_batch_independent_searches_together():
    batches = []

    def run_batch(configs):
        batches.append(len(configs))
        return [{"ok": c["width"] >= 100} for c in configs]

    search_minimal_widths([8, 16], [0, 1, 2], make_config, lambda r: r["ok"], run_batch)
    assert batches[0] == 6  # every (n, seed) search trains its first width in the same batch


def test_non_monotone_success_is_detected():
    search = WidthSearch(n=1, seed=0)
    search.record(64, True)
    search.record(128, False)
    assert not search.monotone


@pytest.mark.parametrize("start", [1, 2, 7])
def test_geometric_phase_doubles(start):
    search = WidthSearch(n=1, seed=0, start=start)
    widths = []
    for _ in range(4):
        w = search.next_width()
        widths.append(w)
        search.record(w, False)
    assert widths == [start, 2 * start, 4 * start, 8 * start]


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 5000), st.integers(2, 64), st.sampled_from([0.0, 0.01, 0.03, 0.1]))
def test_rounds_left_bounds_the_rounds_a_search_still_takes(threshold, start, resolution):
    """Once bracketed, rounds_left bounds the bisection from above, within two rounds of what the search then
    takes; before any success it counts one more doubling; it says 0 only when the search is over."""
    search = WidthSearch(n=1, seed=0, start=start, resolution=resolution)
    estimates, rounds = [], 0
    while (width := search.next_width()) is not None:
        estimates.append((rounds, search.rounds_left(), search.lowest_success is not None))
        search.record(width, width >= threshold)
        rounds += 1
    assert search.rounds_left() == 0
    for at, estimate, bracketed in estimates:
        taken = rounds - at
        assert estimate >= 1
        if bracketed:
            assert taken <= estimate <= taken + 2


def test_the_progress_line_gives_the_search_eta_from_its_last_round(monkeypatch):
    """`bounds gap`'s status: after a round that trained runs, ETA = rounds left x that round's duration."""
    import click

    from verify.cli.gap_commands import _Status

    now, lines = [0.0], []
    monkeypatch.setattr(click, "echo", lambda text="", **kw: lines.append(str(text)))
    status = _Status()
    status.tty, status.clock, status.started = False, lambda: now[0], 0.0
    status.on_progress(10, 40)  # ten runs read from the store
    status.on_round(1, 3, 5)  # a replayed round: nothing trained, no duration yet
    now[0] = 100.0
    status.on_progress(13, 40)
    now[0] = 400.0
    status.on_round(2, 3, 4)  # this round trained 3 runs in 400 s
    now[0] = 431.0
    status.last_line = -100.0
    status.on_progress(14, 40)
    assert lines[0] == "round 1: 3 searches advanced, about 5 more in this search"
    assert lines[-1].endswith("ETA ~26m40s for this search")  # 4 rounds x 400 s
