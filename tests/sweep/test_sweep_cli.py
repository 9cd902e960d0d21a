"""bounds sweep: configurations from files and grids, exit statuses, one-line errors, `show`."""

from __future__ import annotations

import json
import signal

import pytest
from click.testing import CliRunner
from sweep_helpers import toy_configs

from verify.sweep import ResultStore, SweepError
from verify.sweep.cli import build_configs, main, parse_value, read_configs
from verify.sweep.tasks import du2019_config


def _invoke(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_values_are_json_where_they_parse():
    texts = ("16", "1e-3", "true", "null", "auto", '"16"')
    assert [parse_value(t) for t in texts] == [16, 1e-3, True, None, "auto", "16"]


def test_a_grid_of_du2019_runs_gets_the_tasks_defaults():
    configs = build_configs(None, ("n=16,32", "width=100"), ("steps=50", "eta=auto"), du2019_config)
    assert configs == [du2019_config(16, 100, steps=50), du2019_config(32, 100, steps=50)]


def test_configurations_are_read_from_json_or_json_lines(tmp_path):
    listed, lines = tmp_path / "c.json", tmp_path / "c.jsonl"
    listed.write_text(json.dumps(toy_configs(3)))
    lines.write_text("\n".join(json.dumps(c) for c in toy_configs(3)) + "\n")
    assert read_configs(listed) == read_configs(lines) == toy_configs(3)
    assert build_configs(lines, (), ("seed=1",), dict) == [{**c, "seed": 1} for c in toy_configs(3)]
    lines.write_text('{"n": 1}\n{"n": \n')
    with pytest.raises(SweepError, match=r"c.jsonl:2: not JSON"):
        read_configs(lines)


@pytest.mark.parametrize(
    "args, message",
    [
        (("--task", "toy"), "either as --configs FILE or as --grid"),
        (
            ("--task", "nosuchtask", "--grid", "n=1"),
            "--task 'nosuchtask': use one of du2019, zou-gu2019, toy, or module:function",
        ),
        (("--task", "no.such.module:f", "--grid", "n=1"), "cannot import no.such.module"),
        (("--task", "verify.sweep.toy:nothing", "--grid", "n=1"), "verify.sweep.toy has no nothing"),
        (("--task", "du2019", "--grid", "n=8", "--grid", "widht=10"), "unexpected keyword argument 'widht'"),
        (("--task", "toy", "--grid", "n"), "--grid 'n': expected NAME=VALUE"),
        (("--task", "toy", "--grid", "n=1", "--scheduler", "localhost:8786"), "expected tcp://HOST:PORT"),
    ],
)
def test_user_errors_are_one_line_with_status_2(tmp_path, args, message):
    result = _invoke("run", "--store", tmp_path / "s.jsonl", *args)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("error: ")
    assert message in result.stderr


def test_run_then_show_then_resume(tmp_path):
    store = tmp_path / "s.jsonl"
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    first = _invoke("run", "--task", "toy", "--grid", "n=1,2", "--grid", "width=3,4", "--store", store,
                    "--workers", "2")
    assert first.exit_code == 0, first.stderr
    assert first.stdout.startswith("4 runs: 0 cached, 4 computed in ") and "on 2 local worker processes" in first.stdout
    assert {s: signal.getsignal(s) for s in handlers} == handlers  # the CLI put the handlers back

    again = _invoke("run", "--task", "toy", "--grid", "n=1,2,3", "--grid", "width=3,4", "--store", store,
                    "--workers", "1")
    assert again.exit_code == 0 and again.stdout.startswith("6 runs: 4 cached, 2 computed")

    shown = _invoke("show", "--store", store)
    assert shown.stdout.splitlines() == [f"{store}: 6 distinct configurations", "  verify.sweep.toy:toy_task  ok  6"]


def test_failed_runs_exit_1_and_are_listed(tmp_path):
    store = tmp_path / "s.jsonl"
    result = _invoke("run", "--task", "toy", "--grid", "n=1,2", "--set", "fail=true", "--store", store,
                     "--workers", "1")
    assert result.exit_code == 1
    assert "error: 2 of 2 runs failed" in result.stderr and "re-running retries them" in result.stderr
    shown = _invoke("show", "--store", store, "--failed")
    assert "verify.sweep.toy:toy_task  error  2" in shown.stdout
    assert '{"fail": true, "n": 1}\n  ValueError: toy failure for n=1' in shown.stdout
    assert len(ResultStore(store).load()) == 2


def test_show_reports_an_incomplete_last_line_without_repairing_it(tmp_path):
    store = tmp_path / "s.jsonl"
    assert _invoke("run", "--task", "toy", "--grid", "n=1,2", "--store", store, "--workers", "1").exit_code == 0
    store.write_bytes(store.read_bytes()[:-9])
    cut = store.read_bytes()
    shown = _invoke("show", "--store", store)
    assert shown.stdout.startswith(f"{store}: 1 distinct configurations")
    assert f"warning: {store}:2: the last line is incomplete" in shown.stderr
    assert store.read_bytes() == cut
    missing = tmp_path / "none.jsonl"
    assert _invoke("show", "--store", missing).stderr == f"error: no sweep store at {missing}\n"
