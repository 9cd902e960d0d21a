"""Benchmark of the sweep executors, as speed-up ratios measured in one run.

The same sweep of real training runs (:func:`verify.sweep.tasks.train_du2019`: Du et al.'s
two-layer ReLU network, numpy float64, a fixed number of GD steps) runs on

1. 1 local worker process,
2. 2 local worker processes,
3. a Dask LocalCluster of 2 worker processes (1 thread each),

each into a fresh store, so nothing is cached, and the results must be identical (checked).
Wall times include starting the workers (what a user waits for).  Two more columns separate the
executor from the hardware: "busy" is the sum of the runs' own durations (from the records'
bookkeeping), so ``use = busy / (workers x wall)`` says how well the executor kept its workers
busy, and ``run x`` = busy / busy on 1 worker says how much slower each run became when
several ran at once (1.0 on cores that share nothing).  Ideal speed-up on 2 workers: 2.0.

A control sweep of toy runs that only sleep (they compete for nothing) shows the executors'
own overhead.  ``--oversubscription`` adds why workers get one BLAS thread each: a short sweep
on 2 local workers with the limit and without it.

Run: python benchmarks/bench_sweep.py [--steps 1500] [--oversubscription]
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from verify.sweep import LocalPool, ResultStore, run_sweep
from verify.sweep.pools import default_workers
from verify.sweep.tasks import du2019_config, train_du2019
from verify.sweep.toy import toy_task

WIDTHS = (8000, 4000, 2000, 1000)  # largest first: the pool then balances the tail better
SEEDS = (0, 1, 2)


def training_sweep(steps: int, widths=WIDTHS, seeds=SEEDS) -> list[dict]:
    return [du2019_config(n=64, width=w, seed=s, steps=steps, stop_at_eps=False) for w in widths for s in seeds]


def timed(sweep: list[dict], task: Callable, store: Path, **options) -> tuple[float, float, dict]:
    """(wall time, busy time, {key: result}) of one sweep into a fresh store."""
    start = time.perf_counter()
    summary = run_sweep(sweep, task, store, **options)
    wall = time.perf_counter() - start
    assert summary.computed == len(sweep) and summary.failed == 0, summary
    records = ResultStore(store).load()
    return wall, sum(r.meta["wall_time_s"] for r in records.values()), {k: r.result for k, r in records.items()}


def compare(title: str, sweep: list[dict], task: Callable, tmp: Path, has_dask: bool) -> None:
    """Run `sweep` on each executor and print the table."""
    executors = [("1 local worker", 1, {"workers": 1}), ("2 local workers", 2, {"workers": 2})]
    if has_dask:
        executors.append(("Dask LocalCluster, 2 workers", 2, {"dask_local": True, "workers": 2}))
    rows, baseline = [], None
    for index, (label, workers, options) in enumerate(executors):
        wall, busy, results = timed(sweep, task, tmp / f"{title[:8]}-{index}.jsonl", **options)
        baseline = results if baseline is None else baseline
        assert results == baseline, f"{label}: results differ from 1 worker's"
        rows.append((label, workers, wall, busy))
    (_, _, t1, busy1) = rows[0]
    print(f"\n{title}")
    print(f"  {'executor':30s} {'wall':>7s} {'busy':>7s} {'use':>5s} {'run x':>6s} {'speed-up':>9s} {'ideal':>6s}")
    for label, workers, wall, busy in rows:
        print(f"  {label:30s} {wall:6.1f}s {busy:6.1f}s {busy / (workers * wall):5.0%} {busy / busy1:6.2f} "
              f"{t1 / wall:8.2f}x {float(workers):5.1f}x")
    print("  results identical on every executor: yes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1500, help="GD steps per training run (default 1500)")
    parser.add_argument("--oversubscription", action="store_true", help="also measure 2 workers without the BLAS limit")
    args = parser.parse_args()
    try:
        import distributed  # noqa: F401
        has_dask = True
    except ImportError:
        has_dask = False
        print("(Dask not installed: pip install 'overparam-bounds[dask]' to measure the Dask LocalCluster)")
    print(f"machine: {default_workers()} cores available, Python {platform.python_version()}, {platform.machine()}")

    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        sweep = training_sweep(args.steps)
        compare(f"training sweep: {len(sweep)} runs of train_du2019 (n=64, d=10, widths "
                f"{', '.join(map(str, WIDTHS))} x seeds {', '.join(map(str, SEEDS))}, {args.steps} GD steps each)",
                sweep, train_du2019, tmp, has_dask)
        control = [{"n": i, "sleep": 0.2} for i in range(20)]
        compare(f"control sweep: {len(control)} toy runs that sleep 0.2 s (no competition for the CPU)",
                control, toy_task, tmp, has_dask)

        if args.oversubscription:
            short = training_sweep(300, widths=(4000,), seeds=(0, 1, 2, 3))
            print(f"\noversubscription: {len(short)} training runs of 300 steps at width 4000 on 2 local workers")
            for label, threads in (("1 BLAS thread per worker (default)", 1), ("BLAS threads not limited", None)):
                with LocalPool(2, blas_threads=threads) as pool:
                    wall, busy, _ = timed(short, train_du2019, tmp / f"over-{threads}.jsonl", pool=pool)
                print(f"  {label:36s} wall {wall:6.1f}s  busy {busy:6.1f}s")


if __name__ == "__main__":
    main()
