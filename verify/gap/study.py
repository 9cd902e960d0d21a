"""The scaling study: empirical minimal widths m*(n), their exponent, and each theorem's looseness.

In a deep setting the study runs over a grid of (n, L), L the number of hidden m x m
layers, and fits m* ~ n^alpha L^beta jointly (and alpha at each L).

For every n the data set is fixed (points on the unit sphere, ``data_seed``), and the seeds
vary the initialisation.  What "a run succeeds" means is a :class:`verify.criteria.Criterion`
(``interpolation``: GD fits the data at all; ``kernel``: GD trains like the infinite-width
kernel; ``budget``: within a fixed number of steps), and a study may search under several
criteria at once (the first is its headline).  The minimal width of each (n, seed) is searched
(:mod:`verify.gap.search`) from the parameter-count floor (the smallest width with at least n
trained parameters: below it no network fits n generic labels); the runs of one search round
that share a data set train as one batch (:func:`verify.sweep.tasks.train_du2019_batch`);
every trained run goes to the results store, so the study resumes where it stopped and trains
nothing twice.

Every study checks its own stability: at the largest n (deepest L) it repeats the search under
the criterion with twice the cap (twice C, twice the budget) and reports the change; the
answer is called stable when the change is within the search resolution.  The runs that
succeeded under the first cap are not trained again, and two-layer runs stopped by the cap are
continued from their stored state rather than from step 0 (:mod:`verify.gap.reuse`).

Each catalogue entry of the same architecture is evaluated at the same n with lambda_0 and
delta *measured on the data* (so no relation is assumed), and its looseness is the
predicted width over the empirical minimal width (all seeds), under every criterion.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bounds.errors import BoundsError, ParameterError

from ..criteria import Criterion, CriterionError
from ..sweep.errors import SweepError, SweepInterrupted
from .cost import training_cost
from .reuse import continuation_sources, continued_meta, count_continued, count_reused, reuse_cap_free_runs
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
SQUARED_LOSS = "squared-loss"  # the catalogue's guarantee of the theorems this study measures
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
    criteria: tuple[str, ...] = ("interpolation",)  # labels of verify.criteria.Criterion; the first is the headline
    steps: int | None = None  # the budget criterion's step budget (no other criterion uses it)
    eps: float = 1e-3
    eta: float | str = "auto"
    labels: str = "random"
    data_seed: int = 0
    start_width: int | None = None  # None: the parameter-count floor of each design point
    max_width: int = 1 << 15
    resolution: float = 0.03
    entries: tuple[str, ...] | None = None  # None: every catalogue entry of the setting's architecture
    device: str = "cpu"  # cpu: numpy float64; cuda[:N]: torch float64 on that GPU
    max_n: tuple[tuple[str, int], ...] = ()  # (criterion name, largest n searched under it), e.g. (("kernel", 256),)
    stability: bool = True  # repeat the search at the largest n with the criterion doubled

    def check(self) -> StudySpec:
        """This spec, once its design and its criteria are valid; otherwise the ParameterError naming the flag."""
        self._check_design()
        self._check_criteria()
        return self

    def _check_design(self) -> None:
        """The design points: a known setting, depths only where deep, two or more n, seeds, d, widths, eps."""
        if self.setting not in SETTINGS:
            raise ParameterError(f"--setting {self.setting!r} is not supported (known: {', '.join(SETTINGS)})")
        if self.Ls and not self.deep:
            raise ParameterError(
                f"--L applies to deep settings only; --setting {self.setting} has no hidden m x m layers"
            )
        if len(set(self.Ls)) != len(self.Ls) or any(L < 1 for L in self.Ls):
            raise ParameterError("--L expects distinct depths, each >= 1 (e.g. --L 1,2,4)")
        if len(set(self.ns)) < 2 or min(self.ns) < 2:
            raise ParameterError("--n needs at least two distinct sample sizes, each >= 2 (e.g. --n 16,32,64)")
        if not self.seeds:
            raise ParameterError("--seeds must be at least 1")
        for name, value, low in (("--d", self.d, 1), ("--max-width", self.max_width, 2)):
            if value < low:
                raise ParameterError(f"{name} must be at least {low}, got {value}")
        if not 0 < self.eps < 1:
            raise ParameterError(f"--eps {self.eps:g} is outside (0, 1)")

    def _check_criteria(self) -> None:
        """The criteria: distinct and parseable, --steps only with the budget one, --criterion-max-n only for a
        criterion after the headline and at an n that the study has."""
        if not self.criteria or len(set(self.criteria)) != len(self.criteria):
            raise ParameterError("--criterion expects one or more distinct criteria (e.g. interpolation,kernel)")
        try:
            rules = self.rules
        except CriterionError as exc:
            raise ParameterError(f"--criterion: {exc}") from None
        if self.steps is not None and not any(r.name == "budget" for r in rules):
            raise ParameterError("--steps sets the budget criterion's step budget; the interpolation and kernel "
                                 "criteria do not use one (add --criterion budget to compare)")
        if len({r.name for r in rules}) != len(rules):
            raise ParameterError("--criterion names each criterion once")
        for name, limit in self.max_n:
            if name not in {r.name for r in rules[1:]}:
                raise ParameterError(f"--criterion-max-n {name}={limit}: only a criterion after the headline "
                                     f"({rules[0].name}) may stop at a smaller n")
            if not [n for n in self.ns if n <= limit]:
                raise ParameterError(f"--criterion-max-n {name}={limit}: no sample size of --n is that small")

    def points_for(self, rule: Criterion) -> list:
        """The design points searched under `rule` (all, unless --criterion-max-n limits it)."""
        limit = dict(self.max_n).get(rule.name)
        points = self.points()
        return points if limit is None else [p for p in points if (p[0] if self.deep else p) <= limit]

    @property
    def rules(self) -> tuple[Criterion, ...]:
        """The criteria as objects (the budget criterion takes `steps`)."""
        return tuple(Criterion.parse(c, self.steps) for c in self.criteria)

    def floor_width(self, point) -> int:
        """The smallest width with at least n trained parameters at a design point (n, or (n, L))."""
        n, L = point if self.deep else (point, None)
        spec = _network(self.setting, L)
        width = 1
        while spec.trained_parameter_count(self.d, width) < n:
            width += 1 if width < 64 else max(1, width // 64)
        while width > 1 and spec.trained_parameter_count(self.d, width - 1) >= n:
            width -= 1
        return max(2, width)

    def check_memory(self, point, workers: int = 1, budget: float | None = None) -> None:
        """Refuse to train at a design point (n, or (n, L)) whose runs cannot fit in memory.

        The estimate (:func:`verify.memory.training_bytes`) is that of the smallest run there, the
        parameter floor's, times the `workers` that hold one each; its n x n kernels and their
        eigendecomposition grow as n^2 in memory and n^3 in time, so this bounds both.  `budget`
        defaults to half of the memory free now.
        """
        from verify.memory import check_budget, training_bytes

        n, L = point if self.deep else (point, None)
        needed = workers * training_bytes(_network(self.setting, L), n, self.d, self.floor_width(point))
        where = f"n = {n}" + (f", L = {L}" if self.deep else "")
        each = f" ({workers} workers, one run each)" if workers > 1 else ""
        fewer = " or fewer --workers" if each else ""
        check_budget(f"training at {where}{each}", needed, budget,
                     hint=f"use smaller --n (a run's n x n kernels grow as n^2){fewer}")

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


def _network(setting: str, L: int | None):
    from verify.models import du2019, zou_gu2019

    return zou_gu2019(int(L)) if setting == "deep" else du2019()


@dataclass
class CriterionResult:
    """The minimal widths, their fitted exponent(s) and the stability check under one criterion."""

    rule: Criterion
    answers: list[MinimalWidth]
    fit: ExponentFit
    joint: PowerLawFit | None = None  # over (n, L), when several depths were studied
    by_depth: dict[int, ExponentFit] = field(default_factory=dict)
    stability: dict[str, Any] | None = None

    def to_dict(self, spec: StudySpec) -> dict[str, Any]:
        deep: dict[str, Any] = {}
        if spec.deep:
            deep["exponent_by_L"] = [{"L": L, "exponent": f.exponent, "exponent_ci": list(f.exponent_ci),
                                      "log10_constant": f.log10_constant}
                                     for L, f in sorted(self.by_depth.items())]
            if self.joint is not None:
                deep["exponent_L"] = self.joint.exponents["L"]
                deep["exponent_L_ci"] = list(self.joint.intervals["L"])
        return {"label": self.rule.label, "criterion": self.rule.describe(spec.eps, len(spec.seeds)),
                "criterion_rule": self.rule.to_dict(), **self.fit.to_dict(), **deep,
                "minimal_widths": [_width_row(spec, a) for a in self.answers], "stability": self.stability}


def _width_row(spec: StudySpec, answer: MinimalWidth) -> dict[str, Any]:
    n, L = answer.n if spec.deep else (answer.n, None)
    width = answer.all_seeds
    trained = _network(spec.setting, L).trained_parameter_count(spec.d, width) if width else None
    return {"n": n, **({"L": L} if spec.deep else {}), "minimal_width": width,
            "minimal_width_per_seed": {str(s): w for s, w in answer.per_seed.items()},
            "minimal_width_geomean": _geomean(answer.found),
            "parameter_ratio": trained / n if trained else None,
            "floor_width": spec.floor_width(answer.n), "runs": answer.runs}


@dataclass
class GapResult:
    """The study's answer, JSON-ready through :meth:`to_dict`; the first criterion is the headline."""

    spec: StudySpec
    results: list[CriterionResult]
    rows: list[dict[str, Any]]
    entries: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    cost: dict[str, Any] | None = None  # the worker time behind the study's runs (verify.gap.cost)

    @property
    def fit(self) -> ExponentFit:
        return self.results[0].fit

    def to_dict(self) -> dict[str, Any]:
        """JSON values only: an undefined number (an interval from too few points) is null."""
        from verify.records import jsonable

        blocks = [r.to_dict(self.spec) for r in self.results]
        head = {k: v for k, v in blocks[0].items() if k not in ("minimal_widths", "label")}
        return jsonable({
            "setting": self.spec.setting,
            "model": SETTINGS[self.spec.setting]["model"],
            **head,
            "criteria": blocks,
            "rows": self.rows,
            "entries": self.entries,
            "spec": self.spec.to_dict(),
            "cost": self.cost,
            "notes": self.notes,
        })


def _make_config(spec: StudySpec, rule: Criterion):
    from verify.sweep.tasks import du2019_config, zou_gu2019_config

    options = dict(d=spec.d, steps=rule.steps, eps=spec.eps, eta=spec.eta, labels=spec.labels,
                   data_seed=spec.data_seed, stop_at_eps=True, criterion=rule.name, factor=rule.factor,
                   device=spec.device)
    if spec.deep:
        return lambda point, width, seed: zou_gu2019_config(point[0], point[1], width, seed, **options)
    return lambda n, width, seed: du2019_config(n, width, seed, **options)


def planned_runs(spec: StudySpec) -> int:
    """A rough count of the runs a study trains (for progress bars): doubling from the floor, then bisection."""
    per_search = 2 + math.ceil(math.log2(1.0 / spec.resolution)) + 2
    searches = len(spec.points()) * len(spec.seeds)
    main = len(spec.rules) * searches * per_search
    return main + (len(spec.rules) * len(spec.seeds) * per_search if spec.stability else 0)


def run_study(spec: StudySpec, out_dir: Path, *, workers: int | None = None, scheduler: str | None = None,
              dask_local: bool = False, on_round: Callable[[int, int], None] | None = None,
              progress: Callable[[int, int], None] | None = None, log: Callable[[str], Any] | None = None,
              catalog=None) -> GapResult:
    """Run (or resume) the study, writing every run to ``out_dir/runs.jsonl`` and the answer to ``gap.json``.

    ``progress(done, total)`` counts runs of the whole study (trained now or read from the
    store) against :func:`planned_runs`; ``on_round(number, searches)`` is called after each
    search round.
    """
    from verify.sweep import ResultStore, config_key, run_sweep
    from verify.sweep.pools import make_pool
    from verify.sweep.tasks import batch_group, train_du2019_batch, train_zou_gu2019_batch

    spec.check()
    out_dir.mkdir(parents=True, exist_ok=True)
    task = train_zou_gu2019_batch if spec.deep else train_du2019_batch
    seen: set[str] = set()
    checked: set = set()  # design points whose memory need was checked
    planned = planned_runs(spec)

    with ResultStore(out_dir / RUNS_FILE) as store, make_pool(workers, scheduler, dask_local) as pool:
        finished_before = sum(1 for record in store.load().values() if record.ok)
        if finished_before and log is not None:
            log(f"resuming: {finished_before} finished runs read from {store.path}; only missing runs are trained")

        def run_batch(configs: list[dict]) -> list[Mapping]:
            keys = [config_key(c) for c in configs]
            _check_memory_before_training(spec, configs, keys, store, workers, scheduler, checked)

            before = len(seen - set(keys))

            def counted(done: int, total: int) -> None:
                if progress is not None:
                    progress(before + done, max(planned, before + total))

            reuse_cap_free_runs(store, configs)
            sources = continuation_sources(store, configs)
            run_sweep(configs, task, store, pool=pool, progress=counted, log=log, batch_by=batch_group,
                      resume=lambda config: _source_result(sources, config_key(config)),
                      meta=lambda key: continued_meta(sources[key]) if key in sources else {})
            seen.update(keys)
            records = store.load()
            return [records[k].result or {} for k in keys]

        def search(rule: Criterion, points: list) -> list[MinimalWidth]:
            return search_minimal_widths(points, spec.seeds, _make_config(spec, rule), _succeeded, run_batch,
                                         start=spec.start_width or spec.floor_width, max_width=spec.max_width,
                                         resolution=spec.resolution, on_round=on_round)

        try:
            results = _search_all(spec, search)
            for _, _, stability in results:
                if stability is not None:
                    stability["reused_runs"] = count_reused(store, stability["doubled"])
                    stability["continued_runs"], stability["continued_steps_saved"] = count_continued(
                        store, stability["doubled"])
        except SweepInterrupted as exc:
            saved = sum(1 for record in store.load().values() if record.ok)
            raise StudyInterrupted(str(store.path), saved, saved - finished_before, exc.exit_status) from None
        records = store.load()
        runs = list(records.values())
    result = summarise(spec, results, runs, catalog)
    order = [label for rule in spec.rules for label in (rule.label, rule.doubled().label)]
    result.cost = training_cost((records[k] for k in seen if k in records), spec.deep, order)
    write_json(out_dir / RESULTS_FILE, result.to_dict())
    return result


def _source_result(sources: Mapping[str, Any], key: str) -> dict | None:
    """The stored result a run continues from (None: it trains from step 0)."""
    return sources[key].result if key in sources else None


def _check_memory_before_training(spec: StudySpec, configs: list[dict], keys: list[str], store, workers: int | None,
                                  scheduler: str | None, checked: set) -> None:
    """Refuse (one line, MemoryBudgetError) to train at a design point whose runs cannot fit in this machine's
    memory; a point whose runs are all stored needs no memory (a study trained elsewhere regenerates here),
    and a remote scheduler's workers have their own."""
    if scheduler is not None:
        return
    import os

    missing = {(int(c["n"]), int(c["L"])) if spec.deep else int(c["n"])
               for c, key in zip(configs, keys, strict=True) if store.get(key) is None}
    for point in sorted(missing - checked):
        spec.check_memory(point, workers or os.cpu_count() or 1)
        checked.add(point)


class StudyInterrupted(SweepInterrupted):
    """The study was stopped by a signal; its message counts the whole study's runs, not one round's."""

    def __init__(self, store: str, saved: int, trained_now: int, exit_status: int = 130):
        SweepError.__init__(self, f"gap study interrupted: {saved} finished runs are saved in {store} "
                                  f"({trained_now} trained in this session); re-run the same command to resume")
        self.store, self.saved, self.total, self.computed_now = store, saved, saved, trained_now
        self.exit_status = exit_status


def _search_all(spec: StudySpec, search: Callable[[Criterion, list], list[MinimalWidth]]) -> list:
    """Every criterion's search over its design points, then its stability check at the largest point."""
    results = []
    for rule in spec.rules:
        points = spec.points_for(rule)
        answers = search(rule, points)
        stability = None
        if spec.stability:
            largest = max(points, key=lambda p: p if not spec.deep else (p[1], p[0]))
            doubled = rule.doubled()
            again = search(doubled, [largest])[0]
            before = next(a for a in answers if a.n == largest)
            stability = _stability(rule, doubled, before, again, spec.resolution)
        results.append((rule, answers, stability))
    return results


def write_json(path: Path, data: Any) -> None:
    """Write strict JSON (the project's one writer: NaN and infinities become null)."""
    from bounds.jsonio import dumps

    path.write_text(dumps(data) + "\n", encoding="utf-8")


def _stability(rule: Criterion, doubled: Criterion, before: MinimalWidth, again: MinimalWidth,
               resolution: float) -> dict[str, Any]:
    """The change of the all-seeds minimal width when the criterion's cap (or C, or budget) is doubled."""
    w1, w2 = before.all_seeds, again.all_seeds
    point = before.n
    out: dict[str, Any] = {"point": list(point) if isinstance(point, tuple) else point,
                           "criterion": rule.label, "doubled": doubled.label,
                           "minimal_width": w1, "minimal_width_doubled": w2}
    if w1 and w2:
        tolerance = max(1, math.floor(resolution * max(w1, w2)))
        out.update(change=w2 / w1 - 1.0, tolerance=tolerance, stable=abs(w2 - w1) <= tolerance)
    else:
        out.update(change=None, tolerance=None, stable=False)
    return out


def _succeeded(result: Mapping) -> bool:
    return bool(result.get("succeeded"))


def summarise(spec: StudySpec, results: Sequence[tuple[Criterion, Sequence[MinimalWidth], Any]], runs: Sequence,
              catalog=None) -> GapResult:
    """Fit the exponent(s) under every criterion and compare with every catalogue entry of the setting."""
    import bounds

    catalog = catalog or bounds.catalog()
    notes: list[str] = []
    data_facts = _data_facts(runs, spec)
    fitted = []
    for rule, answers, stability in results:
        widths = {a.n: a.found for a in answers if a.found}
        missing = [_label(a.n) for a in answers if not a.found]
        if missing:
            notes.append(f"{rule.label}: no width up to {spec.max_width} succeeded at {'; '.join(missing)}")
        fit, joint, by_depth = _fit(spec, widths, rule)
        intervals = {"exponent_ci": fit.exponent_ci, **({"exponent_L_ci": joint.intervals["L"]} if joint else {}),
                     **{f"exponent_by_L[L = {L}]": f.exponent_ci for L, f in by_depth.items()}}
        unbounded = [name for name, pair in intervals.items() if not all(math.isfinite(v) for v in pair)]
        if unbounded:
            notes.append(f"{rule.label}: {', '.join(unbounded)}: unbounded (null in JSON): too few sample sizes or "
                         "seeds to bound the interval")
        for answer in answers:
            found = answer.found
            if found and answer.all_seeds is None:
                notes.append(f"{rule.label}, {_label(answer.n)}: no width at or above the per-seed minimal widths "
                             "made every seed succeed")
            elif found and answer.all_seeds != max(found):
                notes.append(f"{rule.label}, {_label(answer.n)}: success was not monotone in the width; every seed "
                             f"first succeeded together at {answer.all_seeds}, above the largest per-seed minimal "
                             f"width {max(found)}")
        if stability is not None and not stability["stable"]:
            notes.append(f"{rule.label}: not stable at {_label(_point_of(stability))}: "
                         f"doubling to {stability['doubled']} moved the minimal width from "
                         f"{stability['minimal_width']} to {stability['minimal_width_doubled']}")
        fitted.append(CriterionResult(rule, list(answers), fit, joint, by_depth, stability))

    setting = SETTINGS[spec.setting]
    if spec.entries:
        chosen = [catalog.get(i) for i in spec.entries]
    else:
        chosen = [e for e in catalog if e.architecture == setting["architecture"]
                  and e.activation_kind == setting["activation"] and "width" in e.bounds
                  and e.guarantee == SQUARED_LOSS]
        notes.append(f"compared with every catalogued {setting['architecture']} theorem for {setting['activation']} "
                     "networks that states a width and guarantees a squared training loss <= eps, what this study "
                     "measures (others with --entry, marked 'setting differs')")
    headline = fitted[0]
    rows, per_entry = [], {e.id: [] for e in chosen}
    found_at = [{a.n: a.all_seeds for a in r.answers} for r in fitted]
    for answer in headline.answers:
        facts = data_facts.get(answer.n, {})
        at = {r.rule.label: widths.get(answer.n) for r, widths in zip(fitted, found_at, strict=True)}
        row = {**_width_row(spec, answer), "lambda_0": facts.get("lambda_0"), "delta": facts.get("delta"),
               "minimal_width_by_criterion": at, "entries": {}}
        n, L = answer.n if spec.deep else (answer.n, None)
        for entry in chosen:
            prediction = _predict(entry, n, L, spec, facts)
            if prediction.get("width_log10") is not None:
                looseness = {
                    label: prediction["width_log10"] - math.log10(width) for label, width in at.items() if width
                }
                prediction["looseness_log10_by_criterion"] = looseness
                if headline.rule.label in looseness:
                    prediction["looseness_log10"] = looseness[headline.rule.label]
            row["entries"][entry.id] = prediction
            per_entry[entry.id].append((n, L, prediction.get("width_log10")))
        rows.append(row)
    entries = [_entry_summary(entry, per_entry[entry.id], setting) for entry in chosen]
    return GapResult(spec, fitted, rows, entries, notes)


def _point_of(stability: Mapping) -> Any:
    point = stability["point"]
    return tuple(point) if isinstance(point, list) else point


def _label(point) -> str:
    return f"n = {point[0]}, L = {point[1]}" if isinstance(point, tuple) else f"n = {point}"


def _fit(spec: StudySpec, widths: Mapping, rule: Criterion) -> tuple[ExponentFit, Any, dict[int, ExponentFit]]:
    """The exponent of n (two-layer), or for deep settings: per depth, and jointly in (n, L) over several depths."""
    enough = (f"under {rule.label}: raise " + ("--steps" if rule.name == "budget" else "the criterion's factor")
              + " or --max-width")
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
        if config.get("data_seed") == spec.data_seed and config.get("d") == spec.d and "lambda_0" in result \
                and config.get("version") == _task_version():
            key = (int(config["n"]), int(config["L"])) if spec.deep else int(config["n"])
            facts.setdefault(key, {"lambda_0": result["lambda_0"], "delta": result["delta"]})
    return facts


def _task_version() -> int:
    from verify.sweep.tasks import TASK_VERSION

    return TASK_VERSION


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
    if entry.guarantee != SQUARED_LOSS:
        reasons.append(f"guarantee {entry.guarantee} vs the squared loss measured here")
    return "; ".join(reasons) or None


def _geomean(values: Sequence[int]) -> float | None:
    return float(np.exp(np.mean(np.log(values)))) if values else None
