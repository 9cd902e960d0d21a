"""`bounds verify` as a user runs it: JSON and table output, records, plots, and bad input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from click.testing import CliRunner
from interrupts import interactive_sigint
from verify_helpers import DU_ID, SHALLOW_TOML

from bounds.cli import main

FIXTURE_ID = "oymak-soltanolkotabi-2020/verify-test-fixture"


def run(*args):
    result = CliRunner().invoke(main, ["verify", *map(str, args)])
    return result


def test_json_output_has_the_documented_fields():
    result = run(DU_ID, "--n", 16, "--d", 5, "--width", 300, "--steps", 40, "--format", "json")
    assert result.exit_code == 0, result.output + result.stderr
    obj = json.loads(result.output)
    for key in ("entry", "width", "feasible", "steps", "guarantees", "arxiv", "runs", "lambda_0", "delta"):
        assert key in obj
    assert obj["entry"] == DU_ID and obj["width"] == 300 and obj["feasible"] is True and obj["steps"] == 40
    assert obj["arxiv"] == "1810.02054"
    for g in obj["guarantees"]:
        assert set(g) >= {"name", "held", "measured", "predicted"}
    assert obj["predicted"]["feasible"] is False  # Du et al.'s own width is astronomically large


def test_table_for_the_feasible_shallow_bound(tmp_path):
    out = tmp_path / "r.jsonl"
    result = run(FIXTURE_ID, "--catalog", SHALLOW_TOML, "--n", 32, "--width", "predicted", "--width", "predicted/10",
                 "--out", out)
    assert result.exit_code == 0, result.output + result.stderr
    text = result.output
    assert "width 103 (predicted)" in text and "width 11 (predicted/10)" in text
    for name in ("linear_rate", "weight_distance", "activation_flips", "ntk_drift", "lambda_min_at_init"):
        assert name in text
    assert "does NOT fit" not in text
    kinds = [json.loads(line)["type"] for line in out.read_text().splitlines()]
    assert kinds[0] == "setting" and kinds[-1] == "verdict" and kinds.count("run") == 2 and "checkpoint" in kinds
    assert "width 103, 11" in result.stderr  # the progress bar goes to stderr


@pytest.mark.parametrize("args, message", [
    (["no-such/entry"], "unknown theorem id"),
    ([DU_ID, "--n", "0"], "--n must be at least 2"),
    ([DU_ID, "--n", "-5"], "--n must be at least 2"),
    ([DU_ID, "--n", "16", "--width", "1000000000", "--memory-budget", "1GiB"], "would need about"),
    ([DU_ID, "--n", "16", "--width", "abc"], "width 'abc'"),
    ([DU_ID, "--n", "16", "--memory-budget", "lots"], "cannot read memory size"),
    ([DU_ID, "--n", "16", "--const", "C_width"], "--const expects [ID:]NAME=VALUE"),
    ([DU_ID, "--n", "16", "--const", "C_nothing=2"], "has no constant"),
    ([DU_ID, "--data", "missing.npy"], "no such data file"),
    ([DU_ID, "--n", "16", "--step-size", "fast"], "step size 'fast'"),
])
def test_bad_input_is_one_line_and_exit_2(args, message):
    result = CliRunner().invoke(main, ["verify", *args])
    assert result.exit_code == 2, result.output + result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_cuda_without_a_gpu_is_a_clear_error():
    try:
        import torch

        if torch.cuda.is_available():
            pytest.skip("a GPU is present")
    except ImportError:
        pass
    result = run(DU_ID, "--n", 16, "--device", "cuda")
    assert result.exit_code == 2
    assert "no CUDA GPU is visible" in result.stderr or "needs PyTorch" in result.stderr


def test_divergence_stops_and_suggests_the_theory_step_size():
    result = run(DU_ID, "--n", 16, "--d", 5, "--width", 200, "--step-size", "1e4", "--steps", 100)
    assert result.exit_code == 1
    assert "diverged at step" in result.stderr and "the step size the theory gives here is" in result.stderr
    assert "FAILED" in result.output  # the table is still printed


def test_user_arrays_and_plot(tmp_path):
    pytest.importorskip("matplotlib")
    rng = np.random.default_rng(0)
    np.save(tmp_path / "d.npy", np.column_stack([rng.standard_normal((20, 4)), rng.choice([-1.0, 1.0], 20)]))
    png = tmp_path / "loss.png"
    result = run(DU_ID, "--data", tmp_path / "d.npy", "--width", 500, "--steps", 30, "--plot", png)
    assert result.exit_code == 0, result.output + result.stderr
    assert "d.npy" in result.output and png.stat().st_size > 1000


def test_digits():
    pytest.importorskip("sklearn")
    result = run(DU_ID, "--data", "digits", "--n", 40, "--width", 400, "--steps", 20, "--format", "json")
    assert result.exit_code == 0, result.output + result.stderr
    assert json.loads(result.output)["data"]["name"] == "digits(n=40)"


@pytest.mark.parametrize("sig, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupted_run_keeps_its_records(tmp_path, sig, status):
    out = tmp_path / "r.jsonl"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from bounds.cli import main; main()", "verify", DU_ID, "--n", "16", "--d", "5",
         "--width", "2000", "--steps", "10000000", "--eps", "1e-300", "--step-size", "auto", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True, preexec_fn=interactive_sigint)
    deadline = time.time() + 60
    while time.time() < deadline:
        if out.exists() and out.read_text().count("checkpoint") >= 3:
            break
        time.sleep(0.2)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == status, err
    assert "interrupted" in err and "records kept" in err
    kinds = [json.loads(line)["type"] for line in out.read_text().splitlines()]
    assert kinds[0] == "setting" and kinds.count("checkpoint") >= 3 and kinds[-1] == "interrupted"
