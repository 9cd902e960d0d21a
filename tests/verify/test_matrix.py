"""`bounds verify --all`: the verdict matrix lists every theorem, writes its reports, and resumes after a kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

import bounds
from bounds.cli import main
from verify.matrix import COLUMNS, cell_text, matrix_configs, matrix_task

TINY = ["--n", "8", "--d", "4", "--L", "1", "--widths", "predicted,16", "--max-steps", "20", "--max-params", "2000",
        "--workers", "1"]
PICK = ["--only", "oymak-soltanolkotabi-2020/thm2.1", "--only", "zou-gu-2019/thm-sgd", "--only", "resnet",
        "--only", "chen-cao-zou-gu"]


def _strict(text: str):
    def refuse(name):
        raise ValueError(f"non-strict JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


def test_matrix_lists_each_theorem_with_verdicts_or_a_reason(tmp_path):
    result = CliRunner().invoke(main, ["verify", "--all", *TINY, *PICK, "--report", str(tmp_path), "--format", "json"])
    assert result.exit_code == 0, result.output + result.stderr
    document = _strict(result.stdout)
    rows = {row["entry"]: row for row in document["rows"]}
    assert len(rows) == 5  # thm6.1 resnet and thm7.1 conv-resnet match "resnet"
    for row in rows.values():
        assert row["status"] in ("verified", "skipped")
        if row["status"] == "skipped":
            assert row["reason"]
        else:
            assert set(row["cells"]) == set(COLUMNS)
            assert row["cells"][row["guarantee"]]["verdict"] in ("held", "failed", "not tested")
    assert rows["du-lee-li-wang-zhai-2019/thm6.1-resnet-gd"]["status"] in ("skipped", "verified")
    assert rows["du-lee-li-wang-zhai-2019/thm7.1-conv-resnet-gd"]["status"] == "skipped"
    assert "cnn" in rows["du-lee-li-wang-zhai-2019/thm7.1-conv-resnet-gd"]["reason"]
    sgd = rows["zou-gu-2019/thm-sgd"]
    assert sgd["training"]["algorithm"] == "SGD" and sgd["training"]["batch_size"] == 8
    assert rows["chen-cao-zou-gu-2021/thm3.3-prop4.2-gd-ntrf-margin"]["training"]["loss"] == "logistic"
    for name in ("matrix.md", "matrix.html", "matrix.json", "store.jsonl"):
        assert (tmp_path / name).is_file()
    markdown = (tmp_path / "matrix.md").read_text()
    assert "## Skipped theorems" in markdown and "thm7.1-conv-resnet-gd" in markdown
    _strict((tmp_path / "matrix.json").read_text())

    again = CliRunner().invoke(main, ["verify", "--all", *TINY, *PICK, "--report", str(tmp_path)])
    assert again.exit_code == 0, again.output + again.stderr
    assert "5 cached, 0 computed" in again.stdout


def test_matrix_resumes_after_a_kill_without_recomputing(tmp_path):
    entries = ["oymak-soltanolkotabi-2020/thm2.1", "oymak-soltanolkotabi-2020/sgd-smooth", "zou-gu-2019/thm-gd",
               "zou-gu-2019/thm-sgd", "zou-gu-2019/cor-two-layer-gd", "song-yang-2019/headline"]
    args = [sys.executable, "-m", "bounds", "verify", "--all", "--n", "8", "--d", "4", "--L", "1", "--widths", "64",
            "--max-steps", "1500", "--workers", "1", "--report", str(tmp_path)]
    for entry in entries:
        args += ["--only", entry]
    store = tmp_path / "store.jsonl"
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    proc = subprocess.Popen(args, env={**os.environ, "VERIFY_SWEEP_TOY_LOG": str(first_log)}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if store.exists() and len(store.read_text().splitlines()) >= 1:
            break
        time.sleep(0.05)
    killed = proc.poll() is None
    if killed:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = {json.loads(line)["key"] for line in store.read_text().splitlines() if line.strip().endswith("}")}
    assert done_before, "nothing was stored before the kill"
    result = subprocess.run(args, env={**os.environ, "VERIFY_SWEEP_TOY_LOG": str(second_log)}, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    started_again = {line.split()[0] for line in second_log.read_text().splitlines()} if second_log.exists() else set()
    assert not (started_again & done_before)  # nothing stored before the kill is recomputed
    final = {json.loads(line)["key"] for line in store.read_text().splitlines()}
    assert len(final) == len(entries)
    if killed and len(done_before) < len(entries):  # the kill came before the end: the rest ran on resuming
        assert started_again


def test_matrix_task_skips_unmodelled_theorems_with_the_reason():
    entry = bounds.get("du-lee-li-wang-zhai-2019/thm7.1-conv-resnet-gd")
    result = matrix_task(matrix_configs([entry], n=8, widths=["16"], max_steps=5)[0])
    assert result["status"] == "skipped" and "cnn" in result["reason"]


def test_bad_matrix_input_is_one_line_and_exit_2(tmp_path):
    for args, message in [
        (["--widths", "predicted,abc"], "width 'abc'"),
        (["--only", "no-such-theorem"], "no catalogued"),
        (["--max-params", "0"], "--max-params"),
    ]:
        result = CliRunner().invoke(main, ["verify", "--all", "--report", str(tmp_path), *args])
        assert result.exit_code == 2, result.output + result.stderr
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    result = CliRunner().invoke(main, ["verify", "zou-gu-2019/thm-sgd", "--all"])
    assert result.exit_code == 2 and "either an ENTRY or --all" in result.stderr
    result = CliRunner().invoke(main, ["verify"])
    assert result.exit_code == 2 and "--all" in result.stderr


def test_cell_text_names_verdict_numbers_and_width():
    assert cell_text({"verdict": "held", "measured": 74.0, "predicted": 248.9, "width": 256}) == "held 74 / 249 @ 256"
    assert cell_text({"verdict": "not stated", "measured": None}) == "not stated"


def test_matrix_on_cuda_without_a_gpu_is_one_line(tmp_path):
    try:
        import torch

        if torch.cuda.is_available():
            pytest.skip("a GPU is present")
    except ImportError:
        pass
    result = CliRunner().invoke(main, ["verify", "--all", "--report", str(tmp_path), "--device", "cuda"])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "store.jsonl").exists()


def test_matrix_configs_keep_their_keys_on_the_default_backend():
    entry = bounds.get("zou-gu-2019/thm-sgd")
    plain = matrix_configs([entry], n=8, widths=["16"])[0]
    assert "backend" not in plain
    torch_cpu = matrix_configs([entry], n=8, widths=["16"], backend="torch", dtype="float64")[0]
    assert torch_cpu["backend"] == "torch" and torch_cpu["dtype"] == "float64"
    pytest.importorskip("torch")
    result = matrix_task({**torch_cpu, "L": 1, "max_steps": 5})
    assert result["status"] == "verified" and result["training"]["algorithm"] == "SGD"


def test_a_stored_run_is_retrained_when_its_theorem_s_formulas_change_and_kept_when_its_prose_does():
    """The key of a matrix run stands for the entry's formulas: after a catalogue change (here what the width
    counts, as the audit changed for Oymak & Soltanolkotabi's ReLU SGD entry) the stored run is not reused."""
    import dataclasses

    from verify.sweep import config_key

    entry = bounds.get("oymak-soltanolkotabi-2020/sgd-relu-layer1")
    key = config_key(matrix_configs([entry], n=8, widths=["16"])[0])
    recounted = dataclasses.replace(entry, counts="width")
    reworded = dataclasses.replace(entry, notes=entry.notes + " (edited)", confidence="unverified")
    assert config_key(matrix_configs([recounted], n=8, widths=["16"])[0]) != key
    assert config_key(matrix_configs([reworded], n=8, widths=["16"])[0]) == key
