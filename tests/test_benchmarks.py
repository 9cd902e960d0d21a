"""The benchmark scripts still run end to end (at toy sizes), so their numbers can be re-measured.

These are smoke tests: they check that each script runs and prints its ratios, never how fast
anything was (timings belong to the benchmarks themselves, not to unit tests).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).parents[1] / "benchmarks"


def _run(script: str, *args: str, timeout: float = 300) -> str:
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args],
        capture_output=True, text=True, timeout=timeout, cwd=BENCHMARKS.parent,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_catalog_grid_benchmark_evaluates_every_theorem_on_the_grid():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import bench_catalog
    finally:
        sys.path.remove(str(BENCHMARKS))
    import bounds

    grid_time, mpmath_estimate, entries, points = bench_catalog.grid_benchmark(1)
    assert entries == len(bounds.catalog()) and points == 1000 * 100
    assert grid_time > 0 and mpmath_estimate > 0


def test_gd_benchmark_reports_fraction_of_peak_and_autograd_ratio(tmp_path):
    pytest.importorskip("torch")
    out = tmp_path / "gd.json"
    stdout = _run("bench_gd.py", "--n", "40", "--d", "5", "--m", "64", "--reps", "1", "--peak-reps", "1",
                  "--rounds", "1", "--threads", "1", "--json", str(out))
    assert "of peak" in stdout and "speed-up" in stdout
    results = json.loads(out.read_text())
    assert results["setting"]["m"] == 64
    rows = {(r["backend"], r["dtype"]): r for r in results["results"]}
    assert {("numpy", "float64"), ("torch", "float32"), ("torch", "float64")} <= set(rows)
    assert all(r["steps_per_s"] > 0 and r["fraction_of_peak"] > 0 for r in rows.values())


def test_sweep_benchmark_compares_executors_and_checks_identical_results():
    pytest.importorskip("distributed")
    stdout = _run("bench_sweep.py", "--steps", "5")
    assert stdout.count("results identical on every executor: yes") == 2
    assert re.search(r"2 local workers\s+[\d.]+s", stdout)
    assert "Dask LocalCluster, 2 workers" in stdout


def test_batched_benchmark_reports_speedup_and_fraction_of_peak(tmp_path):
    out = tmp_path / "batched.json"
    stdout = _run("bench_batched.py", "--n", "24", "--widths", "2,4,8", "--seeds", "2", "--steps", "20",
                  "--repeats", "1", "--large-n", "64", "--json", str(out))
    assert "speedup" in stdout and "of the GEMM peak" in stdout and "the blocked step is" in stdout
    results = json.loads(out.read_text(), parse_constant=lambda c: pytest.fail(f"non-strict JSON constant {c}"))
    for name in ("asked", "near_threshold", "large_near_threshold"):
        r = results[name]
        assert r["one_at_a_time_s"] > 0 and r["batched_s"] > 0 and r["fraction_of_peak"] > 0
        assert r["batched_unblocked_s"] > 0 and r["blocking_speedup"] > 0
        assert r["max_relative_final_loss_difference"] < 1e-9  # the same runs, batched or not, blocked or not
    assert results["large_near_threshold"]["n"] == 64 and results["large_near_threshold"]["steps"] == 5
    assert results["asked"]["runs"] == 6 and results["speedup"] == results["asked"]["speedup"]


def test_blocking_benchmark_times_each_row_block_and_marks_the_one_the_class_takes(tmp_path):
    out = tmp_path / "blocking.json"
    stdout = _run("bench_blocking.py", "--shapes", "512x5x300,64x30x8,256x5x300", "--rows", "8,32", "--steps", "2",
                  "--repeats", "1", "--json", str(out))
    results = json.loads(out.read_text(), parse_constant=lambda c: pytest.fail(f"non-strict JSON constant {c}"))
    blocked, wide_input, in_cache = results
    # 512 x 300 entries exceed 2^17: blocks of 2^15 // 300 = 109 rows, evened out to 5 blocks of 103 rows
    assert blocked["chosen_rows"] == 103 and set(blocked["speedup_by_rows"]) == {"8", "32", "103"}
    assert wide_input["chosen_rows"] is None and in_cache["chosen_rows"] is None  # d > 20; fits in L2
    assert "the class takes the unblocked step" in stdout and "103 rows" in stdout
    assert all(v > 0 for r in results for v in r["speedup_by_rows"].values())
