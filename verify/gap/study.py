"""The scaling study: empirical minimal widths m*(n), their exponent, and each theorem's looseness.

In a deep setting the study runs over a grid of (n, L), L the number of hidden m x m
layers, and fits m* ~ n^alpha L^beta jointly (and alpha at each L).

For every n the data set is fixed (points on the unit sphere, ``data_seed``), and the seeds
vary the initialisation.  What "a run succeeds" means is a :class:`verify.criteria.Criterion`
(``interpolation``: GD fits the data at all; ``kernel``: GD trains like the infinite-width
kernel; ``rate``: GD reaches eps by the step Du et al.'s proved rate promises; ``budget``: within a
fixed number of steps), and a study may search under several
criteria at once (the first is its headline).  The minimal width of each (n, seed) is searched
(:mod:`verify.gap.search`) from the parameter-count floor (the smallest width with at least n
trained parameters: below it no network fits n generic labels); the runs of one search round
that share a data set train as one batch (:func:`verify.sweep.tasks.train_du2019_batch`);
every trained run goes to the results store, so the study resumes where it stopped and trains
nothing twice.

Every study checks its own stability: at the largest n (deepest L) it repeats the search under
the criterion with twice the cap (twice C, twice the budget) and reports the change; the
answer is called stable when the change is within the search resolution.  The runs that
succeeded under the first cap are not trained again, and runs stopped by the cap are
continued from their stored state rather than from step 0 (:mod:`verify.gap.reuse`).

Each catalogue entry of the same architecture is evaluated at the same n with lambda_0 and
delta *measured on the data* (so no relation is assumed), and its looseness is the
predicted width over the empirical minimal width (all seeds), under every criterion.

This module runs the searches and stores every run (:func:`run_study`); what defines a study is
:mod:`verify.gap.spec`, how its answer is summarised :mod:`verify.gap.summary`, what it cost
:mod:`verify.gap.cost`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..criteria import Criterion
from ..sweep.errors import SweepError, SweepInterrupted
from .cost import training_cost
from .reuse import continuation_sources, continued_meta, count_continued, count_reused, reuse_cap_free_runs
from .search import MinimalWidth, search_minimal_widths
from .spec import SETTINGS, StudySpec, planned_runs
from .summary import GapResult, stability_check, summarise

__all__ = ["RESULTS_FILE", "RUNS_FILE", "SETTINGS", "GapResult", "StudyInterrupted", "StudySpec", "run_study",
           "summarise", "write_json"]

RESULTS_FILE = "gap.json"
RUNS_FILE = "runs.jsonl"


def _make_config(spec: StudySpec, rule: Criterion):
    from verify.sweep.tasks import du2019_config, zou_gu2019_config

    options = dict(d=spec.d, steps=rule.steps, eps=spec.eps, eta=spec.eta, labels=spec.labels,
                   data_seed=spec.data_seed, stop_at_eps=True, criterion=rule.name, factor=rule.factor,
                   device=spec.device)
    if spec.deep:
        return lambda point, width, seed: zou_gu2019_config(point[0], point[1], width, seed, **options)
    return lambda n, width, seed: du2019_config(n, width, seed, **options)


def run_study(spec: StudySpec, out_dir: Path, *, workers: int | None = None, scheduler: str | None = None,
              dask_local: bool = False, on_round: Callable[[int, int, int], None] | None = None,
              progress: Callable[[int, int], None] | None = None, log: Callable[[str], Any] | None = None,
              catalog=None) -> GapResult:
    """Run (or resume) the study, writing every run to ``out_dir/runs.jsonl`` and the answer to ``gap.json``.

    ``progress(done, total)`` counts runs of the whole study (trained now or read from the
    store) against :func:`planned_runs`; ``on_round(number, searches, rounds_left)`` is called after each
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
            stability = stability_check(rule, doubled, before, again, spec.resolution)
        results.append((rule, answers, stability))
    return results


def write_json(path: Path, data: Any) -> None:
    """Write strict JSON (the project's one writer: NaN and infinities become null)."""
    from bounds.jsonio import dumps

    path.write_text(dumps(data) + "\n", encoding="utf-8")


def _succeeded(result: Mapping) -> bool:
    return bool(result.get("succeeded"))
