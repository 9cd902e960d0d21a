"""Bad input to the training commands: exit 2 in one line, checked before any work, nothing lost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
DU = "du-zhai-poczos-singh-2019/thm4.1-gd"
TINY = ["--n", "8", "--d", "5", "--width", "16", "--steps", "3"]


@pytest.fixture
def not_npy(tmp_path) -> Path:
    path = tmp_path / "random.npy"
    path.write_bytes(os.urandom(1000))
    return path


@pytest.mark.parametrize("extra, needle", [
    (["--width", "1e400"], "width '1e400' must be a positive integer"),
    (["--width", "inf"], "must be a positive integer"),
    (["--width", "predicted/inf"], "use 'predicted'"),
    (["--memory-budget", "1e400GiB"], "more than any machine has"),
    (["--memory-budget", "1e300"], "more than any machine has"),
    (["--memory-budget", "nan"], "cannot read memory size"),
    (["--plot", "/proc/x.png"], "--plot /proc/x.png: cannot write"),
    (["--eps", "inf"], "--eps must be a finite number"),
    (["--step-size", "1e400"], "step size must be a positive number"),
    (["--const", "C_width=inf"], "--const C_width must be a finite number"),
    (["--const", "C_width=1e400"], "beyond floating-point range"),
    (["--const", "other/thm:C_width=2"], "other/thm is not the theorem given"),
    (["--out", "/proc/x.jsonl"], "cannot write records to /proc/x.jsonl"),
])
def test_verify_refuses_before_training(bounds_cli, extra, needle):
    bounds_cli("verify", DU, *TINY, *extra).refused(needle)


def test_verify_data_that_is_not_a_real_npy(bounds_cli, not_npy):
    bounds_cli("verify", DU, "--data", not_npy, "--width", "16", "--steps", "3").refused("cannot read", "random.npy")


def test_verify_plot_into_a_directory_is_refused_and_a_bare_name_gets_png(bounds_cli, tmp_path):
    pytest.importorskip("matplotlib")
    bounds_cli("verify", DU, *TINY, "--plot", tmp_path).refused("is a directory")
    outcome = bounds_cli("verify", DU, *TINY, "--plot", tmp_path / "loss", limit=60).succeeded()
    assert (tmp_path / "loss.png").read_bytes()[:4] == b"\x89PNG"
    assert f"plot       {tmp_path / 'loss.png'}" in outcome.stdout


@pytest.mark.parametrize("args, needle", [
    (["--n", "1e400"], "--n expects positive whole numbers"),
    (["--n", "16.5,32"], "--n expects positive whole numbers"),
    (["--n", "nan,16"], "--n expects comma-separated whole numbers"),
    (["--n", "8,,16"], "--n expects comma-separated whole numbers"),
    (["--n", "8,16", "--setting", "deep", "--L", "inf"], "--L expects comma-separated whole numbers"),
    (["--n", "8,16", "--eta", "inf"], "--eta must be positive and finite"),
    (["--n", "8,16", "--eps", "inf"], "--eps inf is outside"),
])
def test_gap_sizes_are_whole_numbers(bounds_cli, tmp_path, args, needle):
    bounds_cli("gap", *args, "--out", tmp_path / "g").refused(needle)


def test_gap_out_must_be_a_writable_directory(bounds_cli, tmp_path):
    existing = tmp_path / "file"
    existing.write_text("x")
    bounds_cli("gap", "--n", "8,16", "--out", existing).refused("is a file")
    if Path("/proc").is_dir():
        bounds_cli("gap", "--n", "8,16", "--out", "/proc/x").refused("/proc/x")


def test_report_on_an_incomplete_gap_json(bounds_cli, tmp_path):
    pytest.importorskip("matplotlib")
    example = ROOT / "examples" / "gap-two-layer" / "gap.json"
    data = json.loads(example.read_text())
    del data["points"]
    (tmp_path / "gap.json").write_text(json.dumps(data))
    bounds_cli("report", tmp_path, limit=30).refused("not a complete gap results file", "points")


def test_report_into_an_unwritable_place(bounds_cli, tmp_path):
    pytest.importorskip("matplotlib")
    if not Path("/proc").is_dir():
        pytest.skip("needs /proc")
    bounds_cli("report", ROOT / "examples" / "gap-two-layer", "-o", "/proc/x.html", limit=30).refused("/proc")


def _sweep(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "bounds", "sweep", *map(str, args)], capture_output=True, text=True,
                          timeout=60, cwd=cwd)


@pytest.mark.parametrize("grid, needle", [
    ("width=1e400", "'1e400' is not a finite number"),
    ("width=NaN", "'NaN' is not a finite number"),
    ("width=Infinity", "is not a finite number"),
    ("width=-Infinity", "is not a finite number"),
])
def test_sweep_grid_refuses_non_finite_numbers(tmp_path, grid, needle):
    result = _sweep("run", "--task", "toy", "--grid", grid, "--store", tmp_path / "s.jsonl")
    assert result.returncode == 2 and needle in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "s.jsonl").exists() or not (tmp_path / "s.jsonl").read_text().strip()


@pytest.mark.parametrize("content, needle", [
    (os.urandom(2000), "not UTF-8"),
    (b'[{"x": NaN}]', "NaN is not a finite number"),
    (b'{"x": 1}\n{"x": 1e400}\n', ":2"),
    (b"[" * 100_000 + b"]" * 100_000, "configs"),
])
def test_sweep_configs_file_refused_in_one_line(tmp_path, content, needle):
    configs = tmp_path / "configs.json"
    configs.write_bytes(content)
    result = _sweep("run", "--task", "toy", "--configs", configs, "--store", tmp_path / "s.jsonl")
    assert result.returncode == 2, result.stderr
    assert needle in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args, needle", [(["run", "--bogus"], "No such option '--bogus'"),
                                          (["run", "--task", "toy"], "Missing option '--store'"),
                                          (["frobnicate"], "No such command")])
def test_sweep_usage_errors_are_one_line(args, needle):
    result = _sweep(*args)
    assert result.returncode == 2 and needle in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
