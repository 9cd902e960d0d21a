"""The scaling study: empirical minimal widths m*(n), their exponent, and each theorem's looseness.

In a deep setting the study runs over a grid of (n, L), L the number of hidden m x m
layers, and fits m* ~ n^alpha L^beta jointly (and alpha at each L).

For every n the data set is fixed (points on the unit sphere, ``data_seed``), and the seeds
vary the initialisation.  A run succeeds when full-batch GD reaches loss <= eps (in the
paper's own normalisation) within the step budget.  The minimal width of each (n, seed) is
searched (:mod:`verify.gap.search`); every trained run goes to the results store, so the
study resumes where it stopped and trains nothing twice.

Each catalogue entry of the same architecture is evaluated at the same n with lambda_0 and
delta *measured on the data* (so no relation is assumed), and its looseness is the
predicted width over the empirical minimal width (all seeds).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from bounds.errors import BoundsError, ParameterError

from .scaling import ExponentFit, PowerLawFit, fit_exponent, fit_power_law
from .search import MinimalWidth, search_minimal_widths

SETTINGS = {
    "two-layer": {
        "task": "du2019",
        "architecture": "two-layer",
        "activation": "relu",
        "model": "Du, Zhai, Poczos & Singh 2019: two-layer ReLU, first layer trained, output signs fixed, "
                 "1/sqrt(m) scaling, loss 1/2 sum_i (f(x_i) - y_i)^2",
        "deep": False,
    },
    "deep": {
        "task": "zou-gu2019",
        "architecture": "deep-fc",
        "activation": "relu",
        "model": "Zou & Gu 2019: deep fully connected ReLU, an input layer and L hidden m x m layers with N(0, 2/m) "
                 "entries, all trained, output layer N(0, 1) fixed, loss 1/(2n) sum_i (f(x_i) - y_i)^2",
        "deep": True,
    },
}
DEFAULT_DEPTHS = (2,)
RESULTS_FILE = "gap.json"
RUNS_FILE = "runs.jsonl"


@dataclass(frozen=True)
class StudySpec:
    """Everything that defines a study (and so the keys of its runs)."""

    setting: str = "two-layer"
    ns: tuple[int, ...] = (16, 32, 64, 128)
    Ls: tuple[int, ...] = ()  # deep settings: hidden m x m layers (empty: DEFAULT_DEPTHS)
    seeds: tuple[int, ...] = (0, 1, 2)
    d: int = 10
    steps: int = 2000
    eps: float = 1e-3
    eta: float | str = "auto"
    labels: str = "random"
    data_seed: int = 0
    start_width: int = 2
    max_width: int = 1 << 15
    resolution: float = 0.03
    entries: tuple[str, ...] | None = None  # None: every catalogue entry of the setting's architecture

    def check(self) -> "StudySpec":
        if self.setting not in SETTINGS:
            raise ParameterError(f"--setting {self.setting!r} is not supported (known: {', '.join(SETTINGS)})")
        if self.Ls and not self.deep:
            raise ParameterError(f"--L applies to deep settings only; --setting {self.setting} has no hidden m x m layers")
        if len(set(self.Ls)) != len(self.Ls) or any(L < 1 for L in self.Ls):
            raise ParameterError("--L expects distinct depths, each >= 1 (e.g. --L 1,2,4)")
        if len(set(self.ns)) < 2 or min(self.ns) < 2:
            raise ParameterError("--n needs at least two distinct sample sizes, each >= 2 (e.g. --n 16,32,64)")
        if not self.seeds:
            raise ParameterError("--seeds must be at least 1")
        for name, value, low in (("--d", self.d, 1), ("--steps", self.steps, 1), ("--max-width", self.max_width, 2)):
            if value < low:
                raise ParameterError(f"{name} must be at least {low}, got {value}")
        if not 0 < self.eps < 1:
            raise ParameterError(f"--eps {self.eps:g} is outside (0, 1)")
        return self

    @property
    def deep(self) -> bool:
        return bool(SETTINGS.get(self.setting, {}).get("deep"))

    @property
    def depths(self) -> tuple[int, ...]:
        """The depths studied (deep settings), else empty."""
        return (self.Ls or DEFAULT_DEPTHS) if self.deep else ()

    def points(self) -> list:
        """The design points searched: n (two-layer) or (n, L) (deep)."""
        return [(n, L) for L in self.depths for n in self.ns] if self.deep else list(self.ns)

    def to_dict(self) -> dict:
        out = {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}
        return {**out, "Ls": list(self.depths)}


@dataclass
class GapResult:
    """The study's answer, JSON-ready through :meth:`to_dict`."""

    spec: StudySpec
    fit: ExponentFit
    rows: list[dict[str, Any]]
    entries: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)

    joint: PowerLawFit | None = None  # over (n, L), when several depths were studied
    by_depth: dict[int, ExponentFit] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        deep: dict[str, Any] = {}
        if self.spec.deep:
            deep["exponent_by_L"] = [{"L": L, "exponent": f.exponent, "exponent_ci": list(f.exponent_ci),
                                      "log10_constant": f.log10_constant}
                                     for L, f in sorted(self.by_depth.items())]
            if self.joint is not None:
                deep["exponent_L"] = self.joint.exponents["L"]
                deep["exponent_L_ci"] = list(self.joint.intervals["L"])
        return {
            "setting": self.spec.setting,
            "model": SETTINGS[self.spec.setting]["model"],
            "criterion": f"loss <= {self.spec.eps:g} within {self.spec.steps} full-batch GD steps, "
                         f"for every one of {len(self.spec.seeds)} seeds",
            **self.fit.to_dict(),
            **deep,
            "rows": self.rows,
            "entries": self.entries,
            "spec": self.spec.to_dict(),
            "notes": self.notes,
        }


def run_study(spec: StudySpec, out_dir: Path, *, workers: int | None = None, scheduler: str | None = None,
              dask_local: bool = False, on_round: Callable[[int, int], None] | None = None,
              progress: Callable[[int, int], None] | None = None, log: Callable[[str], Any] | None = None,
              catalog=None) -> GapResult:
    """Run (or resume) the study, writing every run to ``out_dir/runs.jsonl`` and the answer to ``gap.json``."""
    from verify.sweep import ResultStore, config_key, run_sweep
    from verify.sweep.pools import make_pool
    from verify.sweep.tasks import du2019_config, train_du2019, train_zou_gu2019, zou_gu2019_config

    spec.check()
    out_dir.mkdir(parents=True, exist_ok=True)
    options = dict(d=spec.d, steps=spec.steps, eps=spec.eps, eta=spec.eta, labels=spec.labels,
                   data_seed=spec.data_seed, stop_at_eps=True)

    if spec.deep:
        task = train_zou_gu2019

        def make_config(point: tuple[int, int], width: int, seed: int) -> dict:
            return zou_gu2019_config(point[0], point[1], width, seed, **options)
    else:
        task = train_du2019

        def make_config(n: int, width: int, seed: int) -> dict:
            return du2019_config(n, width, seed, **options)

    with ResultStore(out_dir / RUNS_FILE) as store, make_pool(workers, scheduler, dask_local) as pool:
        def run_batch(configs: list[dict]) -> list[Mapping]:
            run_sweep(configs, task, store, pool=pool, progress=progress, log=log)
            records = store.load()
            return [records[config_key(c)].result or {} for c in configs]

        answers = search_minimal_widths(spec.points(), spec.seeds, make_config, _succeeded, run_batch,
                                        start=spec.start_width, max_width=spec.max_width,
                                        resolution=spec.resolution, on_round=on_round)
        runs = list(store.load().values())
    result = summarise(spec, answers, runs, catalog)
    from bounds.jsonio import dumps as strict_dumps

    (out_dir / RESULTS_FILE).write_text(strict_dumps(result.to_dict()) + "\n", encoding="utf-8")
    return result


def _succeeded(result: Mapping) -> bool:
    return bool(result.get("reached_eps")) and result.get("diverged_at") is None


def summarise(spec: StudySpec, answers: Sequence[MinimalWidth], runs: Sequence, catalog=None) -> GapResult:
    """Fit the exponent(s) and compare with every catalogue entry of the setting."""
    import bounds

    catalog = catalog or bounds.catalog()
    notes: list[str] = []
    data_facts = _data_facts(runs, spec)
    widths = {a.n: a.found for a in answers if a.found}
    missing = [_label(a.n) for a in answers if not a.found]
    if missing:
        notes.append(f"no width up to {spec.max_width} succeeded at {'; '.join(missing)}")
    fit, joint, by_depth = _fit(spec, widths)
    for answer in answers:
        found = answer.found
        if found and answer.all_seeds is None:
            notes.append(f"{_label(answer.n)}: no width at or above the per-seed minimal widths made every seed succeed")
        elif found and answer.all_seeds != max(found):
            notes.append(f"{_label(answer.n)}: success was not monotone in the width; every seed first succeeded "
                         f"together at {answer.all_seeds}, above the largest per-seed minimal width {max(found)}")

    setting = SETTINGS[spec.setting]
    if spec.entries:
        chosen = [catalog.get(i) for i in spec.entries]
    else:
        chosen = [e for e in catalog if e.architecture == setting["architecture"]
                  and e.activation_kind == setting["activation"] and "width" in e.bounds]
        notes.append(f"compared with every catalogued {setting['architecture']} theorem for {setting['activation']} "
                     "networks that states a width (others with --entry)")
    rows, per_entry = [], {e.id: [] for e in chosen}
    for answer in answers:
        n, L = answer.n if spec.deep else (answer.n, None)
        facts = data_facts.get(answer.n, {})
        row = {"n": n, **({"L": L} if spec.deep else {}),
               "minimal_width": answer.all_seeds,
               "minimal_width_per_seed": {str(s): w for s, w in answer.per_seed.items()},
               "minimal_width_geomean": _geomean(answer.found),
               "runs": answer.runs,
               "lambda_0": facts.get("lambda_0"),
               "delta": facts.get("delta"),
               "entries": {}}
        for entry in chosen:
            prediction = _predict(entry, n, L, spec, facts)
            if answer.all_seeds and prediction.get("width_log10") is not None:
                prediction["looseness_log10"] = prediction["width_log10"] - math.log10(answer.all_seeds)
            row["entries"][entry.id] = prediction
            per_entry[entry.id].append((n, L, prediction.get("width_log10")))
        rows.append(row)
    entries = [_entry_summary(entry, per_entry[entry.id], setting) for entry in chosen]
    return GapResult(spec, fit, rows, entries, notes, joint, by_depth)


def _label(point) -> str:
    return f"n = {point[0]}, L = {point[1]}" if isinstance(point, tuple) else f"n = {point}"


def _fit(spec: StudySpec, widths: Mapping) -> tuple[ExponentFit, Any, dict[int, ExponentFit]]:
    """The exponent of n (two-layer), or for deep settings: per depth, and jointly in (n, L) over several depths."""
    enough = "raise --steps or --max-width"
    if not spec.deep:
        if len(widths) < 2:
            raise ParameterError(f"fewer than two sample sizes have a minimal width: {enough}")
        return fit_exponent(widths), None, {}
    by_depth: dict[int, ExponentFit] = {}
    for L in spec.depths:
        at_depth = {n: w for (n, depth), w in widths.items() if depth == L}
        if len(at_depth) >= 2:
            by_depth[L] = fit_exponent(at_depth)
    if not by_depth:
        raise ParameterError(f"no depth has minimal widths at two or more sample sizes: {enough}")
    try:
        joint = fit_power_law(widths, ("n", "L"))
    except ValueError:  # one depth only, or a design that cannot separate n from L
        return by_depth[max(by_depth)], None, by_depth
    return joint.exponent_fit("n"), joint, by_depth


def _data_facts(runs: Sequence, spec: StudySpec) -> dict[Any, dict]:
    """lambda_0 and delta of each design point's data set, as measured by the training task."""
    facts: dict[Any, dict] = {}
    for record in runs:
        config, result = record.config, record.result or {}
        if config.get("data_seed") == spec.data_seed and config.get("d") == spec.d and "lambda_0" in result:
            key = (int(config["n"]), int(config["L"])) if spec.deep else int(config["n"])
            facts.setdefault(key, {"lambda_0": result["lambda_0"], "delta": result["delta"]})
    return facts


def _predict(entry, n: int, L: int | None, spec: StudySpec, facts: Mapping) -> dict[str, Any]:
    params: dict[str, float] = {"n": n, "d": spec.d, "eps": spec.eps}
    if L is not None:
        params["L"] = L
    if facts.get("lambda_0"):
        params["lambda_0"] = facts["lambda_0"]
    if facts.get("delta"):
        params["delta"] = min(facts["delta"], 2.0 - 1e-12)
    try:
        evaluation = entry.evaluate(**params)
    except BoundsError as exc:
        return {"width_log10": None, "error": str(exc)}
    return {"width_log10": evaluation.width_log10, "assumed": evaluation.assumed, "warnings": evaluation.warnings}


def _entry_summary(entry, points: list[tuple[int, int | None, float | None]], setting: Mapping) -> dict[str, Any]:
    """The entry's stated exponents of n (and L) beside the slopes of its predictions on this data."""
    from bounds.asymptotics import exponent

    def stated(var: str):
        if "width" not in entry.bounds:
            return None
        growth = exponent(entry, "width", var)
        return None if growth is None or growth.growth is None else growth.power

    usable = [(n, L, w) for n, L, w in points if w is not None]
    depths = sorted({L for _, L, _ in usable if L is not None})
    slope_n = None
    for L in (depths[::-1] or [None]):  # two-layer: all points; deep: the deepest depth with two sample sizes
        at = [(n, w) for n, depth, w in usable if depth == L]
        if len({n for n, _ in at}) >= 2:
            slope_n = float(np.polyfit(np.log10([n for n, _ in at]), [w for _, w in at], 1)[0])
            break
    summary = {
        "id": entry.id, "arxiv": entry.paper.arxiv, "theorem": entry.label, "confidence": entry.confidence,
        "exponent_n_stated": stated("n"),
        "exponent_n_on_this_data": slope_n,
        "setting_differs": _mismatch(entry, setting),
    }
    if setting.get("deep"):
        slope_L = None
        by_n = {}
        for n, L, w in usable:
            by_n.setdefault(n, []).append((L, w))
        for n in sorted(by_n, reverse=True):  # the largest n with two depths
            if len({L for L, _ in by_n[n]}) >= 2:
                slope_L = float(np.polyfit(np.log10([L for L, _ in by_n[n]]), [w for _, w in by_n[n]], 1)[0])
                break
        summary["exponent_L_stated"] = stated("L")
        summary["exponent_L_on_this_data"] = slope_L
    return summary


def _mismatch(entry, setting: Mapping[str, str]) -> str | None:
    """Why a theorem's setting differs from the trained network's, if it does."""
    reasons = []
    if entry.architecture != setting["architecture"]:
        reasons.append(f"architecture {entry.architecture} vs {setting['architecture']}")
    if entry.activation_kind != setting["activation"]:
        reasons.append(f"activation {entry.activation.split(' (')[0]} vs {setting['activation']}")
    return "; ".join(reasons) or None


def _geomean(values: Sequence[int]) -> float | None:
    return float(np.exp(np.mean(np.log(values)))) if values else None
