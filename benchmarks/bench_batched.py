"""One search round of the gap study, batched against one run at a time, in the same run.

    python benchmarks/bench_batched.py                        # n = 256, widths 8 ... 256, 3 seeds
    python benchmarks/bench_batched.py --json out.json --steps 2000
    python benchmarks/bench_batched.py --device cuda --n 1024 --widths 64,128,256,512,1024   # on a GPU

The round: Du et al.'s two-layer network (d = 10, eta auto) at every width of 8, 16, ..., 256
and seeds 0, 1, 2 on one data set (18 runs), each trained for the same fixed number of GD steps
(no early stop, so both ways do exactly the same arithmetic).  Measured in one process, one
BLAS thread (as a sweep worker runs), the two ways alternately `--repeats` times (medians):

* one run at a time: :func:`verify.sweep.tasks.train_du2019` on each configuration in turn, as
  the study ran before batching (each run builds its data set and kernel, then trains);
* batched: :func:`verify.sweep.tasks.train_du2019_batch` on all of them, as the study runs now
  (data and kernel once; the runs' neurons stacked in one :class:`verify.gd.TwoLayerBatch`: one
  forward GEMM for all runs per step, one backward GEMM per run);
* the GEMM peak: a square float64 matmul (2048 x 2048) in numpy, FLOP/s.

``--device cuda`` runs both ways with the torch float64 backend on the GPU (what ``bounds gap
--device cuda`` trains with) and measures the peak with a float64 torch matmul there.

It prints the ``speedup`` (one at a time / batched) and the batched step's useful GFLOP/s
(4 n d sum(m) per step: the two GEMMs) as a fraction of the peak, for the round asked for and
for a round near the interpolation threshold (``--near``: widths from 0.9 to 1.9 times the
parameter floor n / d, as the bisection rounds of a study are).  The final losses of both ways
are compared (float64: equal to rounding).
"""

from __future__ import annotations

import argparse
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
    single_times, batched_times = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        alone = [train_du2019(c) for c in configs]
        single_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        together = train_du2019_batch(configs)
        batched_times.append(time.perf_counter() - start)
    single_s, batched_s = statistics.median(single_times), statistics.median(batched_times)
    worst = max(
        abs(a["final_loss"] - b["final_loss"]) / abs(a["final_loss"]) for a, b in zip(alone, together, strict=True)
    )
    useful = 4.0 * n * d * sum(widths) * seeds * steps / batched_s
    return {"n": n, "d": d, "widths": widths, "seeds": seeds, "runs": len(configs), "steps": steps, "device": device,
            "one_at_a_time_s": single_s, "batched_s": batched_s, "speedup": single_s / batched_s,
            "batched_gflops": useful / 1e9, "max_relative_final_loss_difference": worst}


def main() -> None:
    parser = argparse.ArgumentParser(description="One gap-study search round: batched vs one run at a time.")
    parser.add_argument("--n", type=int, default=256)
    parser.add_argument("--d", type=int, default=10)
    parser.add_argument("--widths", default="8,16,32,64,128,256")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3, help="alternating repetitions of both ways (medians)")
    parser.add_argument("--json", dest="json_path", help="write the results here")
    parser.add_argument("--device", default="cpu", help="cpu (numpy float64) or cuda[:N] (torch float64)")
    args = parser.parse_args()
    if args.device != "cpu":
        _require_cuda(parser, args.device)

    from threadpoolctl import threadpool_limits

    floor = -(-args.n // args.d)
    near = sorted({max(2, int(round(floor * f))) for f in (0.9, 1.1, 1.3, 1.5, 1.7, 1.9)})
    with threadpool_limits(1):
        peak = gemm_peak(device=args.device)
        asked = [int(w) for w in args.widths.split(",")]
        rounds = {name: round_timing(args.n, args.d, widths, args.seeds, args.steps, args.repeats, args.device)
                  for name, widths in (("asked", asked), ("near_threshold", near))}
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
        print(f"  one run at a time  {r['one_at_a_time_s']:8.2f} s")
        print(f"  batched            {r['batched_s']:8.2f} s   speedup {r['speedup']:.2f}x")
        print(f"  batched: {r['batched_gflops']:.2f} GFLOP/s useful (4 n d sum(m) per step) = "
              f"{100 * r['fraction_of_peak']:.1f}% of the GEMM peak; final losses equal to a relative "
              f"{r['max_relative_final_loss_difference']:.1e}")
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(results, indent=2, allow_nan=False) + "\n", encoding="utf-8")


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
