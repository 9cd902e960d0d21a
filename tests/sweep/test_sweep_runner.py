"""run_sweep on every executor: identical results, nothing cached recomputed, failures recorded and
retried, one BLAS thread per worker, clear errors for misuse."""

from __future__ import annotations

import os
import re
import sys
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sweep_helpers import started_keys, store_lines, toy_configs

from verify.sweep import (
    DaskUnavailableError,
    LocalPool,
    ResultStore,
    StoreError,
    SweepError,
    SweepWarning,
    WorkerCrashError,
    config_key,
    product_grid,
    run_sweep,
)
from verify.sweep.toy import START_LOG, blas_probe_task, toy_task


def _has_dask() -> bool:
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


needs_dask = pytest.mark.skipif(not _has_dask(), reason="dask.distributed is not installed")


def _nested_task():
    def task(config):  # pragma: no cover - never runs: refused before the sweep starts
        return {}
    return task


@pytest.fixture(scope="module")
def scheduler():
    """The tcp:// address of a 2-worker LocalCluster shared by the Dask tests (starting one takes seconds).

    run_sweep connects to it with scheduler=..., the path of a real cluster's `dask scheduler`.
    """
    if not _has_dask():
        pytest.skip("dask.distributed is not installed")
    import dask
    from distributed import LocalCluster

    with pytest.MonkeyPatch.context() as patch, dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        patch.delenv(START_LOG, raising=False)  # workers must not inherit one test's start log
        # allowed-failures 0: a run that kills its worker is reported at once, not retried on others
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    with cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def reference() -> dict:
    """The toy task's results computed in this process, without any executor (nor start log)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(START_LOG, raising=False)
        return {config_key(c): toy_task(c) for c in toy_configs(10, sleep=0.02)}


@pytest.mark.parametrize("options", [{"workers": 1}, {"workers": 2},
                                     pytest.param({"dask_local": True, "workers": 2}, marks=needs_dask)],
                         ids=["local-1", "local-2", "dask-local-2"])
def test_every_executor_gives_identical_results_and_skips_what_is_cached(tmp_path, start_log, reference, options):
    configs = toy_configs(10, sleep=0.02)
    path = tmp_path / "s.jsonl"
    progress: list[tuple[int, int]] = []
    first = run_sweep(configs[:6], toy_task, path, progress=lambda d, t: progress.append((d, t)), **options)
    assert (first.total, first.cached, first.computed, first.failed) == (6, 0, 6, 0)
    assert progress == [(i, 6) for i in range(7)]
    assert started_keys(start_log) == {config_key(c): 1 for c in configs[:6]}

    second = run_sweep(configs, toy_task, path, **options)  # 6 cached, 4 new
    assert (second.total, second.cached, second.computed) == (10, 6, 4)
    assert started_keys(start_log) == {config_key(c): 1 for c in configs}  # nothing started twice
    records = ResultStore(path).load()
    assert {key: r.result for key, r in records.items()} == {config_key(c): reference[config_key(c)] for c in configs}
    assert sorted(line["key"] for line in store_lines(path)) == sorted(records)  # each key stored once
    assert all(r.meta["wall_time_s"] >= 0.02 and r.meta["worker"] for r in records.values())
    assert second.keys == tuple(config_key(c) for c in configs)

    third = run_sweep(configs, toy_task, path, **options)
    assert (third.cached, third.computed) == (10, 0)
    assert started_keys(start_log) == {config_key(c): 1 for c in configs}


class _Unstartable:
    """A pool that fails the test if anything starts it."""

    description = "a pool that must not start"

    def __enter__(self):
        raise AssertionError("an executor was started for a sweep with nothing to run")

    def __exit__(self, *exc):
        return None


def test_a_complete_sweep_starts_no_executor(tmp_path, monkeypatch):
    path = tmp_path / "s.jsonl"
    run_sweep(toy_configs(3), toy_task, path, workers=1)
    monkeypatch.setattr("verify.sweep.runner.make_pool", lambda *args: _Unstartable())
    summary = run_sweep(toy_configs(3), toy_task, path, workers=1)
    assert (summary.cached, summary.computed) == (3, 0)


def test_two_local_workers_run_at_the_same_time(tmp_path):
    from datetime import datetime

    run_sweep(toy_configs(6, sleep=0.3), toy_task, tmp_path / "s.jsonl", workers=2)
    spans = {}  # worker -> [(start, end)] of its runs, from the records' bookkeeping
    for record in ResultStore(tmp_path / "s.jsonl").load().values():
        end = datetime.fromisoformat(record.meta["finished_at"]).timestamp()
        spans.setdefault(record.meta["worker"], []).append((end - record.meta["wall_time_s"], end))
    assert len(spans) == 2
    (a, b) = spans.values()
    assert any(s1 < e2 and s2 < e1 for s1, e1 in a for s2, e2 in b)  # some runs of the two workers overlapped


def test_failures_are_recorded_never_cached_as_success_and_retried(tmp_path, start_log):
    configs = toy_configs(4) + [{"n": 99, "fail": True}]
    path = tmp_path / "s.jsonl"
    summary = run_sweep(configs, toy_task, path, workers=2)
    assert (summary.computed, summary.failed) == (5, 1)
    bad = ResultStore(path).load()[config_key(configs[-1])]
    assert bad.status == "error" and bad.result is None and bad.error == "ValueError: toy failure for n=99"
    assert "Traceback" in bad.meta["traceback"] and "toy failure" in bad.meta["traceback"]

    kept = run_sweep(configs, toy_task, path, workers=1, retry_failed=False)
    assert (kept.cached, kept.computed) == (5, 0)
    retried = run_sweep(configs, toy_task, path, workers=1)
    assert (retried.cached, retried.computed, retried.failed) == (4, 1, 1)
    assert started_keys(start_log)[config_key(configs[-1])] == 2
    assert started_keys(start_log)[config_key(configs[0])] == 1


def _returns_a_set(config):
    return {"s": {1, 2}}


def _returns_a_list(config):
    return [1]


@pytest.mark.parametrize("task, message", [(_returns_a_set, r"TypeError: result\['s'\] is a set"),
                                           (_returns_a_list, "TypeError: the task returned a list, not a dict")])
def test_a_result_json_cannot_hold_is_a_failed_run(tmp_path, task, message):
    summary = run_sweep([{"i": 0}], task, tmp_path / "s.jsonl", workers=1)
    (record,) = ResultStore(tmp_path / "s.jsonl").load().values()
    assert summary.failed == 1 and record.status == "error"
    assert record.error is not None and re.match(message, record.error)


def test_repeated_configurations_run_once_with_a_warning(tmp_path, start_log):
    configs = [{"n": 1, "width": 2.0}, {"width": 2, "n": 1}, {"n": 2}]
    with pytest.warns(SweepWarning, match="1 repeated configurations"):
        summary = run_sweep(configs, toy_task, tmp_path / "s.jsonl", workers=1)
    assert (summary.total, summary.duplicates, summary.computed) == (2, 1, 2)
    assert sum(started_keys(start_log).values()) == 2


def test_a_store_holding_another_tasks_results_is_refused(tmp_path):
    path = tmp_path / "s.jsonl"
    run_sweep(toy_configs(2), toy_task, path, workers=1)
    with pytest.raises(StoreError, match="holds results of verify.sweep.toy:toy_task .* this sweep runs "
                                         "verify.sweep.toy:blas_probe_task"):
        run_sweep(toy_configs(2), blas_probe_task, path, workers=1)


def test_an_open_store_is_used_and_left_open(tmp_path):
    with ResultStore(tmp_path / "s.jsonl") as store:
        run_sweep(toy_configs(2), toy_task, store, workers=1)
        assert store.is_open and len(store) == 2


def test_a_pool_can_serve_several_sweeps(tmp_path, start_log):
    with LocalPool(2) as pool:
        a = run_sweep(toy_configs(3), toy_task, tmp_path / "a.jsonl", pool=pool)
        b = run_sweep(toy_configs(5), toy_task, tmp_path / "a.jsonl", pool=pool)
    assert (a.computed, b.cached, b.computed) == (3, 3, 2)
    assert len({line.split()[1] for line in start_log.read_text().splitlines()}) <= 2  # the same two workers


@pytest.mark.parametrize("task", [lambda config: {}, _nested_task()], ids=["lambda", "nested"])
def test_a_task_worker_processes_cannot_import_is_refused(tmp_path, task):
    with pytest.raises(SweepError, match="top-level function"):
        run_sweep([{"i": 0}], task, tmp_path / "s.jsonl", workers=1)
    assert not (tmp_path / "s.jsonl").exists()


@pytest.mark.parametrize("options, message", [
    ({"scheduler": "tcp://h:1", "dask_local": True}, "not both"),
    ({"scheduler": "http://host:8786"}, "expected tcp://HOST:PORT"),
    ({"workers": 0}, "workers must be a positive integer"),
])
def test_bad_executor_options_are_refused_before_the_store_is_touched(tmp_path, options, message):
    with pytest.raises(SweepError, match=message):
        run_sweep([{"i": 0}], toy_task, tmp_path / "s.jsonl", **options)
    assert not (tmp_path / "s.jsonl").exists()


@pytest.mark.parametrize("options, flag", [({"dask_local": True}, "--dask local"),
                                           ({"scheduler": "tcp://127.0.0.1:8786"}, "--scheduler tcp://127.0.0.1:8786")])
def test_without_dask_the_error_says_what_to_install(tmp_path, monkeypatch, options, flag):
    monkeypatch.setitem(sys.modules, "distributed", None)  # makes `import distributed` fail
    with pytest.raises(DaskUnavailableError) as info:
        run_sweep([{"i": 0}], toy_task, tmp_path / "s.jsonl", **options)
    assert str(info.value) == \
        f"{flag} needs dask.distributed, which is not installed: pip install 'overparam-bounds[dask]'"


def test_local_workers_use_one_blas_thread_and_the_driver_keeps_its_own(tmp_path):
    pytest.importorskip("threadpoolctl")
    from verify.sweep.threads import THREAD_ENV_VARS, blas_threads

    before = {name: os.environ.get(name) for name in THREAD_ENV_VARS}
    run_sweep([{"i": 0}, {"i": 1}], blas_probe_task, tmp_path / "s.jsonl", workers=2)
    results = [r.result for r in ResultStore(tmp_path / "s.jsonl").load().values()]
    assert all(r["blas_threads"] and set(r["blas_threads"].values()) == {1} for r in results)
    assert all(r["env"] == {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"} for r in results)
    assert {name: os.environ.get(name) for name in THREAD_ENV_VARS} == before  # restored in the driver
    if (os.cpu_count() or 1) > 1 and before["OPENBLAS_NUM_THREADS"] is None:
        assert max(blas_threads().values()) > 1  # the limit is the pool's doing, not this machine's default


def test_without_the_limit_workers_get_the_default_thread_count(tmp_path):
    pytest.importorskip("threadpoolctl")
    if (os.cpu_count() or 1) < 2 or any(os.environ.get(v) for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")):
        pytest.skip("needs 2 cores and no thread variables in the environment")
    with LocalPool(1, blas_threads=None) as pool:
        run_sweep([{"i": 0}], blas_probe_task, tmp_path / "s.jsonl", pool=pool)
    (record,) = ResultStore(tmp_path / "s.jsonl").load().values()
    assert max(record.result["blas_threads"].values()) > 1


@needs_dask
def test_a_dask_scheduler_by_address_runs_the_sweep_and_records_failures(tmp_path, scheduler):
    assert scheduler.startswith("tcp://")
    configs = [{"n": 1}, {"n": 2, "fail": True}, {"n": 3}]
    summary = run_sweep(configs, toy_task, tmp_path / "s.jsonl", scheduler=scheduler)
    assert re.fullmatch(rf"Dask scheduler {re.escape(scheduler)} \([12] worker threads\)", summary.executor)
    records = ResultStore(tmp_path / "s.jsonl").load()
    assert summary.failed == 1 and records[config_key(configs[1])].error == "ValueError: toy failure for n=2"
    assert records[config_key(configs[0])].result == toy_task(configs[0])
    again = run_sweep(configs, toy_task, tmp_path / "s.jsonl", scheduler=scheduler, retry_failed=False)
    assert (again.cached, again.computed) == (3, 0)


@needs_dask
def test_dask_workers_use_one_blas_thread(tmp_path, scheduler):
    pytest.importorskip("threadpoolctl")
    run_sweep([{"i": 0}, {"i": 1}], blas_probe_task, tmp_path / "s.jsonl", scheduler=scheduler)
    results = [r.result for r in ResultStore(tmp_path / "s.jsonl").load().values()]
    assert all(r["blas_threads"] and set(r["blas_threads"].values()) == {1} for r in results)


def test_product_grid_orders_the_last_axis_fastest_and_adds_fixed_fields():
    assert product_grid({"d": 10}, n=[16, 32], seed=[0, 1]) == [
        {"d": 10, "n": 16, "seed": 0}, {"d": 10, "n": 16, "seed": 1},
        {"d": 10, "n": 32, "seed": 0}, {"d": 10, "n": 32, "seed": 1}]
    with pytest.raises(SweepError, match="both a grid axis and a fixed field"):
        product_grid({"n": 1}, n=[2])
    with pytest.raises(SweepError, match="must be a list"):
        product_grid(n="16")


def test_warnings_without_a_log_are_python_warnings(tmp_path):
    path = tmp_path / "s.jsonl"
    run_sweep(toy_configs(2), toy_task, path, workers=1)
    path.write_bytes(path.read_bytes()[:-5])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run_sweep(toy_configs(2), toy_task, path, workers=1)
    assert [w.category for w in caught] == [SweepWarning] and "incomplete" in str(caught[0].message)


@needs_dask
def test_an_address_that_is_not_a_scheduler_fails_fast_instead_of_hanging(tmp_path, monkeypatch):
    import socket
    import threading

    monkeypatch.setattr("verify.sweep.pools.CONNECT_TIMEOUT_S", 0.5)
    with socket.socket() as silent:  # accepts connections and never speaks, like an HTTP port
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        held: list = []  # the accepted connection stays open, silent
        threading.Thread(target=lambda: held.append(silent.accept()), daemon=True).start()
        with pytest.raises(SweepError, match=f"tcp://127.0.0.1:{port} accepts connections but sent no Dask handshake"):
            run_sweep([{"i": 0}], toy_task, tmp_path / "s.jsonl", scheduler=f"tcp://127.0.0.1:{port}")
        for connection, _ in held:
            connection.close()
    with pytest.raises(SweepError, match=f"cannot connect to the Dask scheduler at tcp://127.0.0.1:{port}"):
        run_sweep([{"i": 0}], toy_task, tmp_path / "s.jsonl", scheduler=f"tcp://127.0.0.1:{port}")
    assert ResultStore(tmp_path / "s.jsonl").load() == {}


def test_a_local_worker_that_dies_stops_the_sweep_keeping_what_finished(tmp_path):
    configs = [{"n": i, "sleep": 0.05} for i in range(4)] + [{"n": 99, "sleep": 0.5, "crash": True}]
    with pytest.raises(WorkerCrashError, match="a worker process died .* re-run the same command to resume"):
        run_sweep(configs, toy_task, tmp_path / "s.jsonl", workers=1)
    records = ResultStore(tmp_path / "s.jsonl").load()
    assert {r.config["n"] for r in records.values()} == {0, 1, 2, 3} and all(r.ok for r in records.values())


@needs_dask
def test_a_run_that_kills_its_dask_worker_is_recorded_as_failed_and_the_sweep_goes_on(tmp_path, scheduler):
    # the crash comes last, when the other runs are done: with allowed-failures 0, Dask would also fail a
    # run that merely waited on the dying worker
    configs = [{"n": 1}, {"n": 3}, {"n": 2, "sleep": 0.5, "crash": True}]
    summary = run_sweep(configs, toy_task, tmp_path / "s.jsonl", scheduler=scheduler)
    records = ResultStore(tmp_path / "s.jsonl").load()
    assert (summary.computed, summary.failed) == (3, 1)
    assert records[config_key(configs[2])].error.startswith("worker lost while running this config (KilledWorker")
    assert records[config_key(configs[0])].ok and records[config_key(configs[1])].ok


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 4), max_size=30), st.one_of(st.none(), st.integers(1, 12)))
def test_batches_cover_every_run_once_within_its_group_and_fill_the_workers(groups, workers):
    from verify.sweep.runner import batch_units

    pending = [(str(i), {"g": g}) for i, g in enumerate(groups)]
    units = batch_units(pending, lambda config: config["g"], workers)
    assert sorted(i for unit in units for i in unit) == list(range(len(groups)))
    assert all(unit and len({groups[i] for i in unit}) == 1 for unit in units)
    distinct = len(set(groups))
    if workers is None or distinct >= workers:
        assert len(units) == distinct  # enough groups: none is split
    else:
        assert len(units) == min(workers, len(groups)) or all(len(unit) == 1 for unit in units)
        sizes = {}
        for unit in units:
            sizes.setdefault(groups[unit[0]], []).append(len(unit))
        assert all(max(s) - min(s) <= max(s) // 2 + 1 for s in sizes.values())  # halves, not slivers



def test_a_pool_stopped_by_an_exception_leaves_no_manager_thread_for_the_exit_hook(monkeypatch):
    """A pool left by an exception (Ctrl-C) waits for its executor's manager thread before returning.  Were
    that thread still closing its wake-up pipe at interpreter exit, CPython's exit hook could write to the
    closed pipe: `OSError: [Errno 9] Bad file descriptor` printed after an interrupted sweep's last line (seen
    in CI).  A slow start of the thread's clean-up makes the window wide: without the wait, it is still running
    here."""
    import concurrent.futures.process as cf_process
    import time

    manager_class = cf_process._ExecutorManagerThread
    original = manager_class.join_executor_internals

    def slow_join_executor_internals(self):
        time.sleep(0.5)
        original(self)

    monkeypatch.setattr(manager_class, "join_executor_internals", slow_join_executor_internals)
    pool = LocalPool(1)
    with pytest.raises(KeyboardInterrupt), pool:
        list(pool.imap_unordered(abs, [-1]))  # starts the worker and the manager thread
        manager = pool._executor._executor_manager_thread
        raise KeyboardInterrupt
    assert manager is not None and not manager.is_alive()
