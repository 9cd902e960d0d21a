"""The issue's requirement: kill a sweep mid-way (SIGINT, SIGKILL), restart it with the same command,
and get exactly an uninterrupted run's results, with no stored run computed again.

The sweep driver runs as a subprocess (``python -m bounds sweep run``) over 40 toy runs of 0.1 s
on 2 workers; the toy task logs every start to a file, which says what the restart started.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sweep_helpers import results_by_config, started_keys, store_lines, toy_configs

from verify.sweep import ResultStore, run_sweep
from verify.sweep.toy import START_LOG, toy_task

RUNS, SLEEP = 40, 0.1
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="signals and /proc: Linux")


def _has_dask() -> bool:
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture(scope="module")
def configs_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("kill") / "configs.json"
    path.write_text(json.dumps(toy_configs(RUNS, sleep=SLEEP)))
    return path


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> dict[str, dict]:
    """The results of the same sweep run without interruption (in this process, no start log)."""
    path = tmp_path_factory.mktemp("reference") / "s.jsonl"
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(START_LOG, raising=False)
        run_sweep(toy_configs(RUNS, sleep=SLEEP), toy_task, path, workers=2)
    return results_by_config(ResultStore(path).load())


def _driver(configs_file: Path, store: Path, log: Path, executor: list[str]) -> subprocess.Popen:
    command = [sys.executable, "-m", "bounds", "sweep", "run", "--task", "toy", "--configs", str(configs_file),
               "--store", str(store), "--quiet", *executor]
    env = {**os.environ, START_LOG: str(log), "PYTHONWARNINGS": "ignore"}
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # its own process group, as a shell job would be


def _wait_for_records(store: Path, count: int, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if store.exists() and store.read_bytes().count(b"\n") >= count:
            return
        if proc.poll() is not None:
            pytest.fail(f"the sweep ended before {count} records existed: {proc.communicate()}")
        time.sleep(0.02)
    pytest.fail(f"fewer than {count} records after {timeout} s")


def _alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def _wait_dead(pids: set[int], timeout: float = 10.0) -> set[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.05)
    return {p for p in pids if _alive(p)}


def _worker_pids(log: Path) -> set[int]:
    return {int(line.split()[1]) for line in log.read_text().splitlines() if line.strip()}


def _resume_and_check(configs_file: Path, store: Path, log: Path, executor: list[str], stored: set[str],
                      uninterrupted: dict, expect_warning: str | None = None) -> None:
    """Re-run the same command; check it redid only what was missing and matches the uninterrupted run."""
    starts_before = started_keys(log)
    proc = _driver(configs_file, store, log, executor)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert f"{RUNS} runs: {len(stored)} cached, {RUNS - len(stored)} computed" in out
    if expect_warning is None:
        assert err == ""
    else:
        assert expect_warning in err
    started_now = started_keys(log) - starts_before
    assert not set(started_now) & stored, "a run stored before the kill was started again"
    assert set(started_now.values()) == {1} and len(started_now) == RUNS - len(stored)

    keys = [line["key"] for line in store_lines(store)]
    assert len(keys) == len(set(keys)) == RUNS  # every key exactly once
    assert results_by_config(ResultStore(store).load()) == uninterrupted  # results, not bookkeeping


@pytest.mark.parametrize("executor", [
    ["--workers", "2"],
    pytest.param(["--dask", "local", "--workers", "2"],
                 marks=pytest.mark.skipif(not _has_dask(), reason="dask.distributed is not installed")),
], ids=["local", "dask-local"])
def test_sigint_then_resume(tmp_path, configs_file, uninterrupted, executor):
    store, log = tmp_path / "s.jsonl", tmp_path / "starts.log"
    proc = _driver(configs_file, store, log, executor)
    _wait_for_records(store, 8, proc)
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C in a terminal: the whole process group
    out, err = proc.communicate(timeout=60)

    assert proc.returncode == 130, err
    reader = ResultStore(store)
    records = reader.load()
    assert reader.warnings == [] and store.read_bytes().endswith(b"\n")  # every record intact
    assert len(store_lines(store)) == len(records) >= 8
    assert err.strip().splitlines()[-1] == (
        f"interrupted: sweep interrupted: {len(records)} of {RUNS} runs are saved in {store} ({len(records)} computed "
        f"just now); {RUNS - len(records)} remain: re-run the same command to resume")
    if executor[0] == "--workers":
        assert _wait_dead(_worker_pids(log), timeout=5) == set()  # the driver stopped its workers
    _resume_and_check(configs_file, store, log, executor, set(records), uninterrupted)


def test_sigkill_then_a_hand_truncated_record_then_resume(tmp_path, configs_file, uninterrupted):
    executor = ["--workers", "2"]
    store, log = tmp_path / "s.jsonl", tmp_path / "starts.log"
    proc = _driver(configs_file, store, log, executor)
    _wait_for_records(store, 8, proc)
    proc.send_signal(signal.SIGKILL)  # the driver alone, as the OOM killer or `kill -9` would
    assert proc.wait(timeout=60) == -signal.SIGKILL
    # its workers die with it (PR_SET_PDEATHSIG) instead of lingering, or finishing runs nobody will record
    assert _wait_dead(_worker_pids(log)) == set()
    proc.communicate(timeout=10)  # the pipes close once no worker holds them
    reader = ResultStore(store)
    records = reader.load()
    assert reader.warnings == [] and len(store_lines(store)) == len(records) >= 8  # all records written are intact

    # now cut the last record in half, as a kill in the middle of a write would
    data = store.read_bytes()
    last = data.rstrip(b"\n").rfind(b"\n") + 1
    cut_key = json.loads(data[last:])["key"]
    store.write_bytes(data[:last + (len(data) - last) // 2])
    stored = set(records) - {cut_key}
    _resume_and_check(configs_file, store, log, executor, stored, uninterrupted,
                      expect_warning=f"warning: {store}:{len(records)}: the last line is incomplete")
    assert started_keys(log)[cut_key] == 2  # the cut run was redone, once


def test_sigterm_stops_the_sweep_like_sigint(tmp_path, configs_file, uninterrupted):
    store, log = tmp_path / "s.jsonl", tmp_path / "starts.log"
    proc = _driver(configs_file, store, log, ["--workers", "2"])
    _wait_for_records(store, 4, proc)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM
    assert "re-run the same command to resume" in err
    assert ResultStore(store).load() and store.read_bytes().endswith(b"\n")
