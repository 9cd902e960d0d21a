"""Does the plateau rule cut runs that would have reached eps within the cap?

For Du et al.'s two-layer network (the gap study's `two-layer` setting, eta auto, eps 1e-3,
d = 10, random labels, data seed 0), widths from the parameter-count floor to twice it and
seeds 0..2, every run is trained twice from the same initialisation: once under the
interpolation criterion (plateau rule on, cap 300 x T_kernel) and once with the rule off, to
the same cap.  A run the rule stopped but that reaches eps without it is a wrongly cut run.

    python examples/plateau-check/check_plateau.py --n 64,128,256 --json examples/plateau-check/results.json
"""

from __future__ import annotations

import argparse
import json
import math
import time

from verify import gd
from verify.criteria import Criterion
from verify.data import sphere
from verify.kernel_gd import KernelSpectrum
from verify.models import du2019
from verify.plateau import PlateauRule
from verify.train_numpy import NumpyBackend


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", default="64,128,256")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--factor", type=float, default=300.0)
    parser.add_argument("--json", dest="json_path")
    args = parser.parse_args()
    spec, eps, rule = du2019(), 1e-3, Criterion("interpolation", args.factor)
    rows = []
    for n in (int(v) for v in args.n.split(",")):
        data = sphere(n, 10, labels="random", seed=0)
        spectrum = KernelSpectrum(spec.analytic_kernel(data.X))
        eta = 1.0 / (spec.rate_step(1.0, n) * float(spectrum.eigenvalues[-1]))
        floor = math.ceil(n / 10)
        widths = sorted({floor + k * max(1, floor // 8) for k in range(9)})
        for seed in range(args.seeds):
            for width in widths:
                outcome = {}
                for with_rule in (True, False):
                    net = gd.TwoLayerBatch(spec, data.X, data.y, [width], seed, [eta], NumpyBackend())
                    r0 = net.bk.to_numpy(net.forward())[:, 0]
                    t_kernel = spectrum.dynamics(r0, spec.rate_step(eta, n), spec.loss_scale(n)).steps_to(eps)
                    cap = rule.step_limit(t_kernel)
                    stall = [PlateauRule(eps, cap, min_steps=t_kernel)] if with_rule else None
                    start = time.perf_counter()
                    traj = gd.run(net, cap, eps, checkpoints=set(), stall=stall)[0]
                    outcome[with_rule] = {"reached_eps": traj.reached_eps, "stop_reason": traj.stop_reason,
                                          "steps_run": traj.steps_run, "final_loss": traj.losses[-1],
                                          "seconds": round(time.perf_counter() - start, 2)}
                cut_wrongly = outcome[True]["reached_eps"] is None and outcome[False]["reached_eps"] is not None
                rows.append({"n": n, "width": width, "seed": seed, "t_kernel": t_kernel, "cap": cap,
                             "with_rule": outcome[True], "without_rule": outcome[False], "cut_wrongly": cut_wrongly})
                print(f"n={n} m={width} seed={seed}: "
                      f"rule {outcome[True]['stop_reason']} at {outcome[True]['steps_run']}, "
                      f"no rule {outcome[False]['stop_reason']} at {outcome[False]['steps_run']}"
                      f"{'  <-- CUT WRONGLY' if cut_wrongly else ''}", flush=True)
    stopped = [r for r in rows if r["with_rule"]["stop_reason"] in ("plateau", "too slow")]
    saved = sum(r["without_rule"]["steps_run"] - r["with_rule"]["steps_run"] for r in rows)
    total = sum(r["without_rule"]["steps_run"] for r in rows)
    summary = {"runs": len(rows), "stopped_by_rule": len(stopped), "cut_wrongly": sum(r["cut_wrongly"] for r in rows),
               "steps_saved_fraction": saved / total if total else 0.0, "factor": args.factor, "eps": eps}
    print(json.dumps(summary))
    if args.json_path:
        with open(args.json_path, "w", encoding="utf-8") as fh:
            json.dump({"summary": summary, "runs": rows}, fh, indent=1, allow_nan=False)
            fh.write("\n")


if __name__ == "__main__":
    main()
