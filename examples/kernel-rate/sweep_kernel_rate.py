"""How much the kernel criterion's width depends on C, and where Du et al.'s proved rate sits.

The kernel criterion kernel:C calls a width sufficient when the network reaches eps within
C x T_kernel steps, and C is a knob.  This script searches the two-layer example's widths
(Du et al.'s network, n = 32..256, d = 10, seeds 0-2, eta auto, eps 1e-3, random labels) under
kernel:C for several C, and under the rate criterion (`rate:1`: eps within the T_rate steps at
which Du et al.'s Theorem 4.1 rate (1 - eta lambda_0 / 2)^k brings the run's own initial loss
to eps; no factor of ours), all on one shared results store: a kernel:C success is reused, not
retrained, by every larger C.  Each rate run records T_rate beside T_kernel, so the factor C
that the theorem's own rate amounts to is measured run by run (`c_theorem`).

    python examples/kernel-rate/sweep_kernel_rate.py --C 2,3,4,5,6.5,8,16 \\
        --out examples/kernel-rate --figure examples/kernel-rate/widths_by_c.png

On the committed store (examples/kernel-rate/runs.jsonl) this trains nothing and rewrites
results.json in seconds.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from bounds.jsonio import dumps
from verify.criteria import RATE_STATEMENT
from verify.gap.spec import StudySpec
from verify.gap.study import RESULTS_FILE, RUNS_FILE, run_study
from verify.sweep import ResultStore


def search(out: Path, criterion: str, ns: Sequence[int], seeds: int, workers: int | None) -> dict:
    """One criterion's minimal widths and exponent, searched on the shared store out/runs.jsonl."""
    spec = StudySpec(setting="two-layer", ns=tuple(ns), seeds=tuple(range(seeds)), d=10, criteria=(criterion,),
                     stability=False)
    head = run_study(spec, out, workers=workers, log=lambda line: print(line, file=sys.stderr)).to_dict()["criteria"][0]
    print(f"{head['label']}: n^{head['exponent']:.2f} "
          + ", ".join(f"n={row['n']}: {row['minimal_width']}" for row in head["minimal_widths"]), file=sys.stderr)
    return {"label": head["label"], "criterion": head["criterion"], "exponent": head["exponent"],
            "exponent_ci": head["exponent_ci"], "ci_method": head["ci_method"],
            "minimal_widths": [{key: row[key] for key in ("n", "minimal_width", "minimal_width_per_seed",
                                                          "parameter_ratio", "runs")}
                               for row in head["minimal_widths"]]}


def c_theorem(runs: Sequence, ns: Sequence[int]) -> list[dict]:
    """Per n, over every rate run: T_rate / T_kernel, the factor C of kernel:C that the proved rate amounts to."""
    ratios: dict[int, list[float]] = {n: [] for n in ns}
    for record in runs:
        result = record.result or {}
        if record.ok and record.config.get("criterion") == "rate" and record.config["n"] in ratios \
                and result.get("t_rate") and result.get("t_kernel"):
            ratios[record.config["n"]].append(result["t_rate"] / result["t_kernel"])
    return [{"n": n, "min": min(v, default=None), "max": max(v, default=None), "runs": len(v)}
            for n, v in ratios.items()]


def figure(results: Mapping, runs: Sequence, path: Path) -> None:
    """Left: minimal width against n under each C, the theorem-rate widths and the parameter floor.  Right: each
    run's steps to eps in units of T_kernel against its width, with the C lines and the theorem's band."""
    from bounds.plotting import require_matplotlib

    plt = require_matplotlib()
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    colors = plt.get_cmap("viridis")
    blocks = results["kernel"]
    for i, block in enumerate(blocks):
        rows = [r for r in block["minimal_widths"] if r["minimal_width"]]
        left.plot([r["n"] for r in rows], [r["minimal_width"] for r in rows], "o-", ms=4,
                  color=colors(i / max(1, len(blocks) - 1)), label=f"{block['label']} (n^{block['exponent']:.2f})")
    rate = results["rate"]
    rows = [r for r in rate["minimal_widths"] if r["minimal_width"]]
    left.plot([r["n"] for r in rows], [r["minimal_width"] for r in rows], "s--", color="crimson", ms=6,
              label=f"{rate['label']}: Du et al.'s proved rate (n^{rate['exponent']:.2f})")
    ns = [r["n"] for r in rate["minimal_widths"]]
    left.plot(ns, [n / 10 for n in ns], ":", color="grey", label="parameter floor n/d")
    left.set(xscale="log", yscale="log", xlabel="n", ylabel="minimal width (all seeds)",
             title="kernel:C and rate:1 widths, two-layer, d = 10")
    left.set_xticks(ns, [str(n) for n in ns])
    left.xaxis.set_minor_formatter(plt.NullFormatter())
    left.legend(fontsize=7)
    by_n: dict[int, list[tuple[int, float]]] = {}
    for record in runs:
        config, result = record.config, record.result
        if record.ok and config.get("criterion") in ("kernel", "rate") and result.get("steps_to_eps") \
                and result.get("t_kernel"):
            by_n.setdefault(config["n"], []).append((config["width"], result["steps_to_eps"] / result["t_kernel"]))
    for i, n in enumerate(sorted(by_n)):
        points = sorted(set(by_n[n]))
        right.plot([p[0] for p in points], [p[1] for p in points], ".", ms=4,
                   color=plt.get_cmap("plasma")(i / max(1, len(by_n) - 1)), label=f"n = {n}")
    lows = [r["min"] for r in results["c_theorem"] if r["min"]]
    highs = [r["max"] for r in results["c_theorem"] if r["max"]]
    if lows and highs:
        right.axhspan(min(lows), max(highs), color="crimson", alpha=0.15, label="Du et al.'s rate allows")
    for block in blocks:
        right.axhline(block["C"], color="grey", lw=0.5)
    right.set(xscale="log", yscale="log", xlabel="width m", ylabel="steps to eps / T_kernel",
              title="how much slower than its kernel a network trains")
    right.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: Sequence[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--C", default="2,3,4,5,6.5,8,16", help="comma-separated factors C of kernel:C")
    parser.add_argument("--n", default="32,64,128,256")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--workers", type=int)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent, help="holds the shared runs.jsonl")
    parser.add_argument("--figure", type=Path)
    args = parser.parse_args(argv)
    ns = [int(v) for v in args.n.split(",")]
    kernel = [dict(search(args.out, f"kernel:{c.strip()}", ns, args.seeds, args.workers), C=float(c))
              for c in args.C.split(",")]
    rate = dict(search(args.out, "rate", ns, args.seeds, args.workers), statement=RATE_STATEMENT)
    (args.out / RESULTS_FILE).unlink(missing_ok=True)  # each search's gap.json: the sweep's answer is results.json
    runs = list(ResultStore(args.out / RUNS_FILE).load().values())
    results = {"setting": "two-layer (Du et al. 2019), d = 10, eta auto, eps = 1e-3, random labels, data seed 0",
               "kernel": kernel, "rate": rate, "c_theorem": c_theorem(runs, ns)}
    (args.out / "results.json").write_text(dumps(results) + "\n", encoding="utf-8")
    for row in results["c_theorem"]:
        print(f"n={row['n']}: T_rate / T_kernel {row['min']:.2f} to {row['max']:.2f} over {row['runs']} rate runs",
              file=sys.stderr)
    if args.figure:
        figure(results, runs, args.figure)
    return results


if __name__ == "__main__":
    main()
