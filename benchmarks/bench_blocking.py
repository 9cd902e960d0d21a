"""Where the cache-blocked step of verify.gd.TwoLayerBatch pays: its speed over the unblocked one by shape.

    python benchmarks/bench_blocking.py                  # the shapes below, about a minute
    python benchmarks/bench_blocking.py --json out.json --shapes 1024x10x137,1000x100x4096

For one run of Du et al.'s two-layer network at each shape n x d x m (samples, input coordinates,
width), one BLAS thread, it times a GD step (forward and backward) with the blocked step in row
blocks of 8 ... 256 rows and without it (``BLOCKED_BACKENDS = ()``), alternately (medians), and
prints the ratio unblocked / blocked.  These are the measurements behind the class's constants:
blocks of about ROW_BLOCK_ELEMENTS entries, at least MIN_BLOCK_ROWS rows, and only for d up to
BLOCKED_MAX_INPUT_DIM, and only where n x m exceeds FUSED_MAX_ELEMENTS; the row block the class
itself takes is marked.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SHAPES = "1024x10x137,4096x10x300,1024x10x1000,1024x10x4000,1024x50x500,1000x100x512,1000x100x4096"
ROWS = (8, 16, 32, 64, 128, 256)


def step_time(n: int, d: int, m: int, rows: int | None, steps: int, repeats: int) -> float:
    """Median seconds of one GD step of one run, in row blocks of `rows` (None: unblocked)."""
    from verify import gd
    from verify.data import sphere
    from verify.models import du2019
    from verify.train_numpy import NumpyBackend

    data = sphere(n, d, seed=0)
    saved = (gd.TwoLayerBatch.BLOCKED_BACKENDS, gd.TwoLayerBatch.ROW_BLOCK_ELEMENTS,
             gd.TwoLayerBatch.MIN_BLOCK_ROWS, gd.TwoLayerBatch.BLOCKED_MAX_INPUT_DIM)
    try:
        if rows is None:
            gd.TwoLayerBatch.BLOCKED_BACKENDS = ()
        else:
            gd.TwoLayerBatch.ROW_BLOCK_ELEMENTS, gd.TwoLayerBatch.MIN_BLOCK_ROWS = rows * m, 1
            gd.TwoLayerBatch.BLOCKED_MAX_INPUT_DIM = d
        net = gd.TwoLayerBatch(du2019(), data.X, data.y, [m], 0, [1e-3], NumpyBackend())
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            for _ in range(steps):
                net.step(net.forward())
            times.append((time.perf_counter() - start) / steps)
        return statistics.median(times)
    finally:
        (gd.TwoLayerBatch.BLOCKED_BACKENDS, gd.TwoLayerBatch.ROW_BLOCK_ELEMENTS,
         gd.TwoLayerBatch.MIN_BLOCK_ROWS, gd.TwoLayerBatch.BLOCKED_MAX_INPUT_DIM) = saved


def chosen_rows(n: int, d: int, m: int) -> int | None:
    """The row block the class takes for one run of this shape (None: it takes the unblocked step)."""
    from verify import gd
    from verify.data import sphere
    from verify.models import du2019
    from verify.train_numpy import NumpyBackend

    data = sphere(n, d, seed=0)
    net = gd.TwoLayerBatch(du2019(), data.X, data.y, [m], 0, [1e-3], NumpyBackend())
    return gd.TwoLayerBatch.block_rows(n, m) if net.blocked else None


def main() -> None:
    parser = argparse.ArgumentParser(description="The blocked two-layer GD step against the unblocked one, by shape.")
    parser.add_argument("--shapes", default=SHAPES, help="comma-separated n x d x m")
    parser.add_argument("--rows", default=",".join(map(str, ROWS)), help="row-block sizes to time")
    parser.add_argument("--steps", type=int, default=5, help="steps per timing (scaled up for small shapes)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", dest="json_path", help="write the results here")
    args = parser.parse_args()
    try:
        shapes = [tuple(int(v) for v in s.split("x")) for s in args.shapes.split(",")]
        rows = [int(r) for r in args.rows.split(",")]
    except ValueError:
        parser.error("--shapes takes n x d x m triples like 1024x10x137, --rows integers")
    if any(len(s) != 3 or min(s) < 1 for s in shapes) or min(rows) < 1:
        parser.error("--shapes takes positive n x d x m triples, --rows positive integers")

    from threadpoolctl import threadpool_limits

    results = []
    with threadpool_limits(1):
        for n, d, m in shapes:
            steps = max(args.steps, int(2e7 // (n * d * m)))  # at least ~0.1 GFLOP per timing
            chosen = chosen_rows(n, d, m)
            base = step_time(n, d, m, None, steps, args.repeats)
            ratios = {r: base / step_time(n, d, m, r, steps, args.repeats)
                      for r in sorted(set(rows) | ({chosen} if chosen else set()))}
            results.append({"n": n, "d": d, "m": m, "unblocked_step_s": base, "chosen_rows": chosen,
                            "speedup_by_rows": {str(r): v for r, v in ratios.items()}})
            cells = ", ".join(f"{r} rows {v:.2f}x{'*' if r == chosen else ''}" for r, v in ratios.items())
            choice = f"the class takes {chosen} rows" if chosen else "the class takes the unblocked step"
            print(f"n = {n}, d = {d}, m = {m}: unblocked {base * 1e3:.2f} ms a step; blocked {cells} ({choice})")
    print("(speedup = unblocked / blocked step time; * marks the row block the class takes)")
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(results, indent=2, allow_nan=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
