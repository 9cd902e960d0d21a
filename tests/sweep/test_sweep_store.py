"""ResultStore: round trips, repair of a record cut short, refusal of corruption elsewhere, the write lock."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sweep_helpers import started_keys, toy_configs

from verify.sweep import (
    Record,
    ResultStore,
    StoreCorruptError,
    StoreError,
    StoreLockedError,
    SweepInterrupted,
    config_key,
    run_sweep,
)
from verify.sweep.toy import toy_task

TASK = "tests:task"

_json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**63),
                          st.floats(allow_nan=False, allow_infinity=False), st.text())
json_values = st.recursive(_json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)), max_leaves=16)


def _append(store: ResultStore, config: dict, result: dict | None = None, **kwargs) -> Record:
    return store.append(config_key(config), config, result if result is not None else {"v": config["i"]},
                        task=TASK, **kwargs)


def _filled(path, count: int = 4) -> list[Record]:
    with ResultStore(path) as store:
        return [_append(store, {"i": i}) for i in range(count)]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(result=st.dictionaries(st.text(max_size=6), json_values, max_size=5))
def test_any_json_result_round_trips(tmp_path, result):
    path = tmp_path / "round.jsonl"
    path.unlink(missing_ok=True)
    with ResultStore(path) as store:
        written = _append(store, {"i": 0}, result)
    (loaded,) = ResultStore(path).load().values()
    assert written.result == result
    assert loaded == written and loaded.result == result
    assert loaded.meta == written.meta and loaded.line == 1


def test_records_round_trip_with_bookkeeping_outside_equality(tmp_path):
    path = tmp_path / "s.jsonl"
    with ResultStore(path) as store:
        ok = _append(store, {"i": 1, "eta": 0.5}, {"loss": 0.25, "curve": [1.0, 0.5]}, meta={"wall_time_s": 1.5})
        failed = store.append(config_key({"i": 2}), {"i": 2}, None, task=TASK, error="ValueError: no")
        assert store.load() == {ok.key: ok, failed.key: failed}
    loaded = ResultStore(path).load()
    assert loaded == {ok.key: ok, failed.key: failed}
    assert loaded[ok.key].ok and not loaded[failed.key].ok and loaded[failed.key].result is None
    assert loaded[ok.key].meta == {"wall_time_s": 1.5}
    changed_meta = Record(ok.key, ok.task, ok.status, ok.config, ok.result, None, {"wall_time_s": 99.0})
    assert changed_meta == ok  # bookkeeping is not part of equality
    assert Record(ok.key, ok.task, ok.status, ok.config, {"loss": 0.26, "curve": [1.0, 0.5]}) != ok


def test_numpy_values_and_non_finite_floats_are_stored_as_json(tmp_path):
    np = pytest.importorskip("numpy")
    with ResultStore(tmp_path / "s.jsonl") as store:
        record = _append(store, {"i": 0}, {"x": np.float64(0.5), "n": np.int64(3), "a": np.arange(3),
                                            "t": (1, 2), "bad": math.nan, "big": -math.inf})
    assert record.result == {"x": 0.5, "n": 3, "a": [0, 1, 2], "t": [1, 2], "bad": None, "big": None}
    assert ResultStore(tmp_path / "s.jsonl").load()[record.key] == record


def test_reordered_configs_share_a_key_and_a_later_record_supersedes(tmp_path):
    path = tmp_path / "s.jsonl"
    with ResultStore(path) as store:
        first = store.append(config_key({"a": 1, "b": 2.0}), {"a": 1, "b": 2.0}, {"v": 1}, task=TASK, error="E: x")
        second = store.append(config_key({"b": 2, "a": 1}), {"b": 2, "a": 1}, {"v": 2}, task=TASK)
    assert first.key == second.key
    loaded = ResultStore(path).load()
    assert list(loaded) == [first.key] and loaded[first.key].result == {"v": 2} and loaded[first.key].line == 2


def test_append_checks_its_arguments(tmp_path):
    store = ResultStore(tmp_path / "s.jsonl")
    with pytest.raises(StoreError, match="not open for writing"):
        _append(store, {"i": 0})
    with store:
        with pytest.raises(ValueError, match="is not config_key"):
            store.append(config_key({"i": 1}), {"i": 2}, {}, task=TASK)
        with pytest.raises(TypeError, match="must be a dict"):
            store.append(config_key({"i": 1}), {"i": 1}, [1], task=TASK)
        with pytest.raises(TypeError, match=r"result\['s'\] is a set"):
            store.append(config_key({"i": 1}), {"i": 1}, {"s": {1}}, task=TASK)
    assert (tmp_path / "s.jsonl").read_text() == ""


def test_half_written_last_record_is_reported_dropped_and_redone(tmp_path, start_log):
    path = tmp_path / "s.jsonl"
    configs = toy_configs(6)
    run_sweep(configs, toy_task, path, workers=1)
    data = path.read_bytes()
    last_start = data.rstrip(b"\n").rfind(b"\n") + 1
    path.write_bytes(data[:last_start + (len(data) - last_start) // 2])  # half of the last record, no newline
    cut_key = json.loads(data[last_start:])["key"]

    reader = ResultStore(path)
    assert len(reader.load()) == 5 and path.read_bytes() != data[:last_start]  # reading alone repairs nothing
    assert len(reader.warnings) == 1 and "incomplete" in reader.warnings[0] and ":6:" in reader.warnings[0]

    before = started_keys(start_log)
    messages: list[str] = []
    summary = run_sweep(configs, toy_task, path, workers=1, log=messages.append)
    assert len(messages) == 1 and f"{path}:6: the last line is incomplete" in messages[0] and "redone" in messages[0]
    assert (summary.cached, summary.computed) == (5, 1)
    assert started_keys(start_log) - before == {cut_key: 1}  # only the cut run was redone
    assert path.read_bytes().startswith(data[:last_start]) and path.read_bytes().count(b"\n") == 6
    assert [json.loads(line)["key"] for line in path.read_text().splitlines()].count(cut_key) == 1


@pytest.mark.parametrize("garbage", [b"{\"schema\": 1, \"key\": \n", b"\x00\x00\x00\n", b"   "])
def test_an_unparsable_last_line_is_dropped_when_the_store_is_opened(tmp_path, garbage):
    path = tmp_path / "s.jsonl"
    records = _filled(path, 3)
    good = path.read_bytes()
    path.write_bytes(good + garbage)
    with ResultStore(path) as store:
        assert store.load() == {r.key: r for r in records}
        assert len(store.warnings) == 1 and f"{path}:4:" in store.warnings[0]
    assert path.read_bytes() == good


@pytest.mark.parametrize("line, reason", [
    ("this is not json", "not valid JSON"),
    ('{"a": 1}', "not a sweep record"),
])
def test_corruption_before_the_last_line_raises_naming_the_line(tmp_path, line, reason):
    path = tmp_path / "s.jsonl"
    _filled(path, 4)
    lines = path.read_text().splitlines()
    lines[1] = line
    path.write_text("\n".join(lines) + "\n")
    for attempt in (lambda: ResultStore(path).load(), lambda: ResultStore(path).open()):
        with pytest.raises(StoreCorruptError, match=f"^{path}:2: {reason}.*fix or delete line 2 by hand") as info:
            attempt()
        assert info.value.line == 2
    assert path.read_text().splitlines()[1] == line  # nothing was "repaired" away


def test_a_complete_last_line_that_is_not_a_record_is_corruption_not_a_torn_write(tmp_path):
    path = tmp_path / "s.jsonl"
    _filled(path, 2)
    with open(path, "a") as handle:
        handle.write('{"hello": "world"}\n')
    with pytest.raises(StoreCorruptError, match=":3: not a sweep record"):
        ResultStore(path).open()


def test_a_hand_edited_config_no_longer_matching_its_key_is_refused(tmp_path):
    path = tmp_path / "s.jsonl"
    _filled(path, 3)
    path.write_text(path.read_text().replace('"config": {"i": 0}', '"config": {"i": 7}'))
    with pytest.raises(StoreCorruptError, match=":1: key .* does not match its config"):
        ResultStore(path).load()


def test_records_of_another_schema(tmp_path):
    path = tmp_path / "s.jsonl"
    (kept,) = _filled(path, 1)
    old = json.loads(path.read_text())
    old.update(schema=0, key="0" * 32)
    newer = {**old, "schema": 99}
    path.write_text(json.dumps(old) + "\n" + path.read_text())
    store = ResultStore(path)
    assert store.load() == {kept.key: kept} and "older record schema are ignored" in store.warnings[0]
    path.write_text(path.read_text() + json.dumps(newer) + "\n")
    with pytest.raises(StoreError, match=":3: written with record schema 99, newer"):
        ResultStore(path).load()


def test_a_missing_store_is_empty(tmp_path):
    assert ResultStore(tmp_path / "none.jsonl").load() == {}


def test_the_lock_refuses_a_second_writer_in_this_process(tmp_path):
    path = tmp_path / "s.jsonl"
    with ResultStore(path):
        with pytest.raises(StoreLockedError, match=f"^sweep store {path} is in use by another sweep"):
            ResultStore(path).open()
        with pytest.raises(StoreLockedError):
            run_sweep(toy_configs(2), toy_task, path, workers=1)
        assert ResultStore(path).load() == {}  # reading is always allowed
    with ResultStore(path):  # released on close
        pass


_HOLDER = textwrap.dedent("""
    import sys, time
    from verify.sweep import ResultStore
    store = ResultStore(sys.argv[1]).open()
    print("locked", flush=True)
    time.sleep(60)
""")


def test_the_lock_refuses_another_process_and_dies_with_it(tmp_path):
    path = tmp_path / "s.jsonl"
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(StoreLockedError):
            ResultStore(path).open()
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        with ResultStore(path) as store:  # the OS released the lock of the killed process
            assert store.is_open
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
        holder.stdout.close()


def test_the_cli_reports_a_locked_store_in_one_line(tmp_path):
    path = tmp_path / "s.jsonl"
    with ResultStore(path):
        proc = subprocess.run([sys.executable, "-m", "bounds", "sweep", "run", "--task", "toy", "--grid", "n=1,2",
                               "--store", str(path), "--workers", "1"], capture_output=True, text=True, timeout=60,
                              env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"error: sweep store {path} is in use by another sweep (it is locked); wait for that sweep to finish, "
        "or pass another store"]


class _InProcessPool:
    """Runs each item in this process (so that a signal sent here lands during the driver's append)."""

    description = "this process"

    def imap_unordered(self, fn, items):
        for index, item in enumerate(items):
            yield index, fn(item)


def test_ctrl_c_during_an_append_is_held_until_the_record_is_complete_and_counted(tmp_path, monkeypatch, ctrl_c_raises):
    import verify.sweep.store as store_module

    write = store_module._write_all
    calls = []

    def interrupted_write(fd, data):  # Ctrl-C arrives in the middle of the first record's write
        if not calls:
            os.kill(os.getpid(), signal.SIGINT)
        calls.append(fd)
        write(fd, data[:10])
        write(fd, data[10:])

    monkeypatch.setattr(store_module, "_write_all", interrupted_write)
    path = tmp_path / "s.jsonl"
    with pytest.raises(SweepInterrupted) as info:
        run_sweep(toy_configs(3), toy_task, path, pool=_InProcessPool())
    assert (info.value.saved, info.value.computed_now, info.value.total) == (1, 1, 3)
    assert len(calls) == 1 and path.read_bytes().count(b"\n") == 1
    assert len(ResultStore(path).load()) == 1
