"""Benchmark of the catalogue engine, printed as ratios measured in one run.

1. Cold start: wall time of `bounds compare --n 1000 --L 10` in a fresh process, against
   `python -c "import sympy"` in a fresh process (target: at most 2x, under 1 s).
2. Grid: every catalogued theorem's width and iteration bounds on a 1000 x 100 grid of
   (n, L), via the compiled log-space functions (target: under 1 s in all), against
   per-point mpmath evaluation of the same bounds, timed on a sample and scaled.

Run: python benchmarks/bench_catalog.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np


def wall_time(command: list[str], repeat: int) -> float:
    """Median wall time of a fresh process (one warm-up run first, for the file cache)."""
    subprocess.run(command, check=True, capture_output=True)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def grid_benchmark(repeat: int) -> tuple[float, float, int, int]:
    import bounds
    from bounds.evaluate import compile_entry, evaluate_entry

    catalog = bounds.catalog()
    n = np.logspace(1, 6, 1000)[:, None]
    L = np.arange(1, 101, dtype=float)[None, :]
    log_n, log_L = np.log10(n), np.log10(L)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for entry in catalog:
            compiled = compile_entry(entry, ("n", "L"), {}, relations=catalog.relations)
            out = compiled(n=log_n, L=log_L)
            for values in out.values():  # every bound the entry states (some state no width)
                assert np.broadcast_to(values, (1000, 100)).shape == (1000, 100)
        times.append(time.perf_counter() - start)
    grid_time = statistics.median(times)

    sample = 20
    start = time.perf_counter()
    for entry in catalog:
        for i in range(sample):
            evaluate_entry(entry, {"n": float(round(n[i * 50, 0])), "L": float(L[0, i])}, relations=catalog.relations)
    per_point = (time.perf_counter() - start) / (sample * len(catalog))
    return grid_time, per_point * 1000 * 100 * len(catalog), len(catalog), 1000 * 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    bounds_cli = shutil.which("bounds") or sys.exit("`bounds` is not on PATH: pip install -e . first")

    sympy_time = wall_time([sys.executable, "-c", "import sympy"], args.repeat)
    cli_time = wall_time([bounds_cli, "compare", "--n", "1000", "--L", "10"], args.repeat)
    ratio = cli_time / sympy_time
    print(f"cold start  `bounds compare --n 1000 --L 10`: {cli_time:.3f} s (median of {args.repeat})")
    print(f"            `python -c 'import sympy'`:      {sympy_time:.3f} s")
    met = "met" if ratio <= 2 and cli_time < 1 else "NOT met"
    print(f"            ratio: {ratio:.2f}x  (target <= 2x and < 1 s: {met})")

    grid_time, mpmath_estimate, entries, points = grid_benchmark(max(3, args.repeat // 2))
    print(f"grid        {entries} theorems x {points} (n, L) points, compiled log space: {grid_time:.3f} s "
          f"(target < 1 s: {'met' if grid_time < 1 else 'NOT met'})")
    print(f"            per-point mpmath path, extrapolated from a sample: {mpmath_estimate:.0f} s; "
          f"speed-up {mpmath_estimate / grid_time:.0f}x")


if __name__ == "__main__":
    main()
