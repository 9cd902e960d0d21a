"""One search round of the gap study, batched against one run at a time, in the same run.

    python benchmarks/bench_batched.py                        # n = 256, widths 8 ... 256, 3 seeds
    python benchmarks/bench_batched.py --json out.json --steps 2000
    python benchmarks/bench_batched.py --device cuda --n 1024 --widths 64,128,256,512,1024   # on a GPU

The round: Du et al.'s two-layer network (d = 10, eta auto) at every width of 8, 16, ..., 256
and seeds 0, 1, 2 on one data set (18 runs), each trained for the same fixed number of GD steps
(no early stop, so both ways do exactly the same arithmetic).  Measured in one process, one
BLAS thread (as a sweep worker runs), the two ways alternately `--repeats` times (medians):

* one run at a time: :func:`verify.sweep.tasks.train_du2019` on each configuration in turn, as
  the study ran before batching (each run builds its data set and kernel, then trains); that
  set-up is timed apart too (the same runs, one step each), since a study's runs of a million
  steps make it negligible while the short runs here do not (0.35 s per run at n = 1024);
* batched: :func:`verify.sweep.tasks.train_du2019_batch` on all of them, as the study runs now
  (data and kernel once; the runs' neurons stacked in one :class:`verify.gd.TwoLayerBatch`: one
  forward GEMM for all runs per step, one backward GEMM per run);
* batched, unblocked (CPU only): the same, with the cache-blocked step of
  :class:`verify.gd.TwoLayerBatch` switched off (``BLOCKED_BACKENDS = ()``), as batching ran
  before it; ``blocking_speedup`` is its time over the batched time;
* the GEMM peak: a square float64 matmul (2048 x 2048) in numpy, FLOP/s.

``--device cuda`` runs both ways with the torch float64 backend on the GPU (what ``bounds gap
--device cuda`` trains with) and measures the peak with a float64 torch matmul there.

It prints the ``speedup`` (one at a time / batched) and the batched step's useful GFLOP/s
(4 n d sum(m) per step: the two GEMMs) as a fraction of the peak, for the round asked for, for
a round near the interpolation threshold (widths from 0.9 to 1.9 times the parameter floor
n / d, as the bisection rounds of a study are), and for such a round at ``--large-n`` (default
1024, a quarter of the steps), where a study spends most of its time.  The final losses of both ways
are compared (float64: equal to rounding).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


PEAK_SIZE = 2048


def gemm_peak(reps: int = 3, device: str = "cpu") -> float:
    """FLOP/s of a square float64 GEMM in numpy, or in torch on `device` (the best of `reps`)."""
    if device != "cpu":
        return _torch_gemm_peak(reps, device)
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((PEAK_SIZE, PEAK_SIZE)), rng.standard_normal((PEAK_SIZE, PEAK_SIZE))
    out = np.empty_like(a)
    np.matmul(a, b, out=out)
    best = min(_timed(lambda: np.matmul(a, b, out=out)) for _ in range(reps))
    return 2.0 * PEAK_SIZE**3 / best


def _torch_gemm_peak(reps: int, device: str) -> float:
    import torch

    a = torch.randn(PEAK_SIZE, PEAK_SIZE, dtype=torch.float64, device=device)
    b = torch.randn(PEAK_SIZE, PEAK_SIZE, dtype=torch.float64, device=device)
    torch.matmul(a, b)
    torch.cuda.synchronize(device)

    def product():
        torch.matmul(a, b)
        torch.cuda.synchronize(device)

    best = min(_timed(product) for _ in range(reps))
    return 2.0 * PEAK_SIZE**3 / best


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def round_timing(n: int, d: int, widths: list[int], seeds: int, steps: int, repeats: int = 3,
                 device: str = "cpu") -> dict:
    """Time one round both ways, alternately `repeats` times (medians), and compare their results.

    Alternating the two ways makes a noisy phase of the machine hit both alike.
    """
    from verify.sweep.tasks import du2019_config, train_du2019, train_du2019_batch

    configs = [du2019_config(n, m, s, d=d, steps=steps, stop_at_eps=False, device=device)
               for m in widths for s in range(seeds)]
    times: dict[str, list[float]] = {"single": [], "batched": [], "unblocked": []}
    for _ in range(repeats):
        start = time.perf_counter()
        alone = [train_du2019(c) for c in configs]
        times["single"].append(time.perf_counter() - start)
        start = time.perf_counter()
        together = train_du2019_batch(configs)
        times["batched"].append(time.perf_counter() - start)
        if device == "cpu":
            with _unblocked():
                start = time.perf_counter()
                unblocked = train_du2019_batch(configs)
                times["unblocked"].append(time.perf_counter() - start)
    setup_s = statistics.median(_timed(lambda: [train_du2019({**c, "steps": 1}) for c in configs])
                                for _ in range(repeats))
    single_s, batched_s = statistics.median(times["single"]), statistics.median(times["batched"])
    unblocked_s = statistics.median(times["unblocked"]) if times["unblocked"] else None
    others = [alone] + ([unblocked] if unblocked_s is not None else [])
    worst = max(abs(a["final_loss"] - b["final_loss"]) / abs(a["final_loss"])
                for results in others for a, b in zip(results, together, strict=True))
    useful = 4.0 * n * d * sum(widths) * seeds * steps / batched_s
    return {"n": n, "d": d, "widths": widths, "seeds": seeds, "runs": len(configs), "steps": steps, "device": device,
            "one_at_a_time_s": single_s, "one_at_a_time_setup_s": setup_s,
            "batched_s": batched_s, "speedup": single_s / batched_s,
            "batched_unblocked_s": unblocked_s,
            "blocking_speedup": None if unblocked_s is None else unblocked_s / batched_s,
            "batched_gflops": useful / 1e9, "max_relative_final_loss_difference": worst}


@contextlib.contextmanager
def _unblocked():
    """The batched step as it ran before cache blocking: no backend takes the blocked step."""
    from verify.gd import TwoLayerBatch

    saved = TwoLayerBatch.BLOCKED_BACKENDS
    TwoLayerBatch.BLOCKED_BACKENDS = ()
    try:
        yield
    finally:
        TwoLayerBatch.BLOCKED_BACKENDS = saved


def main() -> None:
    parser = argparse.ArgumentParser(description="One gap-study search round: batched vs one run at a time.")
    parser.add_argument("--n", type=int, default=256)
    parser.add_argument("--d", type=int, default=10)
    parser.add_argument("--widths", default="8,16,32,64,128,256")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3, help="alternating repetitions of both ways (medians)")
    parser.add_argument("--large-n", type=int, default=1024, help="n of the large near-threshold round (0: none)")
    parser.add_argument("--json", dest="json_path", help="write the results here")
    parser.add_argument("--device", default="cpu", help="cpu (numpy float64) or cuda[:N] (torch float64)")
    args = parser.parse_args()
    if args.device != "cpu":
        _require_cuda(parser, args.device)

    from threadpoolctl import threadpool_limits

    asked = [int(w) for w in args.widths.split(",")]
    plan = {"asked": (args.n, asked, args.steps), "near_threshold": (args.n, _near(args.n, args.d), args.steps)}
    if args.large_n > 0:
        plan["large_near_threshold"] = (args.large_n, _near(args.large_n, args.d), max(1, args.steps // 4))
    with threadpool_limits(1):
        peak = gemm_peak(device=args.device)
        rounds = {name: round_timing(n, args.d, widths, args.seeds, steps, args.repeats, args.device)
                  for name, (n, widths, steps) in plan.items()}
    for r in rounds.values():
        r["fraction_of_peak"] = r["batched_gflops"] * 1e9 / peak
    results = {"machine": platform.machine(), "python": platform.python_version(), "numpy": np.__version__,
               "device": _device_name(args.device),
               "blas_threads": 1, "gemm_peak_gflops": peak / 1e9, **rounds,
               "speedup": rounds["asked"]["speedup"], "fraction_of_peak": rounds["asked"]["fraction_of_peak"]}
    where = "numpy, 1 BLAS thread" if args.device == "cpu" else f"torch on {results['device']}"
    print(f"GEMM peak: {peak / 1e9:.1f} GFLOP/s ({PEAK_SIZE}^2 float64, {where})")
    for name, r in rounds.items():
        print(f"{name}: {r['runs']} runs (n = {r['n']}, d = {r['d']}, widths {','.join(map(str, r['widths']))}, "
              f"{r['seeds']} seeds), {r['steps']} GD steps each")
        print(f"  one run at a time  {r['one_at_a_time_s']:8.2f} s   of which {r['one_at_a_time_setup_s']:.2f} s "
              f"build each run's data and kernel (one step each), which batching does once")
        print(f"  batched            {r['batched_s']:8.2f} s   speedup {r['speedup']:.2f}x")
        if r["batched_unblocked_s"] is not None:
            print(f"  batched, unblocked {r['batched_unblocked_s']:8.2f} s   the blocked step is "
                  f"{r['blocking_speedup']:.2f}x faster")
        print(f"  batched: {r['batched_gflops']:.2f} GFLOP/s useful (4 n d sum(m) per step) = "
              f"{100 * r['fraction_of_peak']:.1f}% of the GEMM peak; final losses equal to a relative "
              f"{r['max_relative_final_loss_difference']:.1e}")
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(results, indent=2, allow_nan=False) + "\n", encoding="utf-8")


def _near(n: int, d: int) -> list[int]:
    """Widths of a bisection round near the interpolation threshold: 0.9 ... 1.9 times the parameter floor n / d."""
    floor = -(-n // d)
    return sorted({max(2, int(round(floor * f))) for f in (0.9, 1.1, 1.3, 1.5, 1.7, 1.9)})


def _require_cuda(parser: argparse.ArgumentParser, device: str) -> None:
    """Refuse --device cuda in one line where torch or its GPU is missing (exit 2)."""
    try:
        import torch
    except ImportError:
        parser.error(f"--device {device} needs torch (pip install 'overparam-bounds[torch]' with a CUDA build)")
    if not device.startswith("cuda") or not torch.cuda.is_available():
        parser.error(f"--device {device}: no CUDA GPU here (torch.cuda.is_available() is False); use --device cpu")


def _device_name(device: str) -> str:
    if device == "cpu":
        return platform.processor() or platform.machine()
    import torch

    return torch.cuda.get_device_name(torch.device(device))


if __name__ == "__main__":
    main()
