"""Reuse a stored run under a smaller cap instead of retraining it under a larger one.

The stability check repeats the search at the largest design point with the criterion's cap
doubled.  A run that stopped under the first cap for a reason that does not look at the cap
(it reached eps, its loss plateaued, or it diverged) follows the same trajectory to the same
step and the same end under the doubled one
(:meth:`verify.criteria.Criterion.inherits_outcome_from`), so training it again would only
spend time.  :func:`reuse_cap_free_runs` writes such runs into the store under their own key, as
the record of the smaller cap with the new criterion's label and step limit, marked
``meta.derived_from`` (the key of the record they copy), so that the store stays complete (one
record per run of the search, resumable) and says which runs were not trained.  Runs stopped by
the cap itself ("limit", "too slow") go on under a larger cap, and may succeed: a run (two-layer
``du2019`` or deep ``zou-gu2019``, interpolation or kernel criterion) that kept its state
(:mod:`verify.sweep.continuation`) is continued from where it stopped by
:func:`continue_capped_runs`, and stored with ``meta.continued_from`` (its source's key) and
``meta.continued_at_step``; any other is trained again from step 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

from ..criteria import CAP_FREE_STOPS, Criterion
from ..sweep import ResultStore, canonical_json, config_key
from ..sweep.store import Record

CAP_FIELDS = ("factor", "steps")  # what differs between a criterion and its doubled version
DERIVED = "derived_from"
CONTINUED = "continued_from"
CONTINUED_AT = "continued_at_step"


def _without_cap(config: Mapping[str, Any]) -> str:
    return canonical_json({name: value for name, value in config.items() if name not in CAP_FIELDS})


def reuse_cap_free_runs(store: ResultStore, configs: Iterable[Mapping[str, Any]]) -> int:
    """Store every configuration of `configs` that a stored run under a smaller cap answers; return how many.

    A configuration already in the store (whatever its outcome) is left alone.
    """
    records = store.load()
    reusable: dict[str, list[Record]] = {}
    for record in records.values():
        if record.ok and record.result.get("stop_reason") in CAP_FREE_STOPS and "criterion" in record.config:
            reusable.setdefault(_without_cap(record.config), []).append(record)
    reused = 0
    for config in configs:
        key = config_key(config)
        if key in records or "criterion" not in config:
            continue
        rule = Criterion.of_config(config)
        sources = [r for r in reusable.get(_without_cap(config), ()) if r.key != key
                   and rule.inherits_outcome_from(Criterion.of_config(r.config), r.result["stop_reason"])]
        if not sources:
            continue
        source = min(sources, key=lambda r: r.line)
        result = dict(source.result, criterion=rule.label, step_limit=rule.step_limit(source.result.get("t_kernel")))
        ended = "succeeded" if source.result.get("succeeded") else f"stopped ({source.result['stop_reason']})"
        store.append(key, config, result, task=source.task,
                     meta={DERIVED: source.key, "wall_time_s": 0.0,
                           "note": f"not trained: {ended} under {Criterion.of_config(source.config).label} "
                                   f"after {source.result.get('steps_run')} steps, so it does under {rule.label}"})
        records[key] = source  # a configuration repeated in `configs` is written once
        reused += 1
    return reused


def count_reused(store: ResultStore, label: str) -> int:
    """How many stored runs under the criterion `label` were reused rather than trained."""
    return sum(1 for record in store.load().values()
               if record.ok and record.result.get("criterion") == label and DERIVED in record.meta)


def _continuable_sources(records: Mapping[str, Record]) -> dict[str, list[Record]]:
    """The stored runs that stopped at their cap with their state kept, by configuration less the cap."""
    from ..sweep.continuation import CONTINUABLE, CONTINUABLE_SETTINGS, continuable

    sources: dict[str, list[Record]] = {}
    for record in records.values():
        if (record.ok and continuable(record.result) and record.config.get("setting") in CONTINUABLE_SETTINGS
                and record.config.get("criterion") in CONTINUABLE):
            sources.setdefault(_without_cap(record.config), []).append(record)
    return sources


def _source_for(config: Mapping[str, Any], key: str, sources: Mapping[str, list[Record]]) -> Record | None:
    """The run to continue `config` from: same configuration under the largest smaller cap of the same rule."""
    candidates = [r for r in sources.get(_without_cap(config), ())
                  if r.key != key and r.config["criterion"] == config.get("criterion")
                  and float(r.config["factor"]) < float(config["factor"])]
    return max(candidates, key=lambda r: (float(r.config["factor"]), -r.line), default=None)


def _batch_task(setting: str):
    """The batch trainer of a continuable setting (it takes ``resume_from``)."""
    from ..sweep.tasks import train_du2019_batch, train_zou_gu2019_batch

    return {"du2019": train_du2019_batch, "zou-gu2019": train_zou_gu2019_batch}[setting]


def continue_unit(unit: tuple[list[dict], list[dict]]):
    """Continue one batch, (configurations, their sources' results), in a worker: its outcomes, run by run."""
    from ..sweep.worker import execute_batch

    configs, sources = unit
    return execute_batch(partial(_batch_task(configs[0]["setting"]), resume_from=sources), configs)


def continue_capped_runs(store: ResultStore, configs: Iterable[Mapping[str, Any]], pool=None) -> int:
    """Train by continuation every configuration of `configs` that a stored capped run under a smaller cap can
    continue (:mod:`verify.sweep.continuation`); store each under its own key with ``meta.continued_from``.
    Returns how many.  Batches share data and criterion (:func:`verify.sweep.tasks.batch_group`), split
    as an ordinary sweep splits them when there are fewer than the pool's workers
    (:func:`verify.sweep.runner.batch_units`), and run on `pool` when one is given, else on one local worker.  A
    configuration already in the store is left alone.
    """
    from ..sweep.continuation import CONTINUABLE_SETTINGS
    from ..sweep.runner import batch_units, task_name
    from ..sweep.tasks import batch_group

    records = store.load()
    sources = _continuable_sources(records)
    pending: dict[str, list[tuple[str, dict, Record]]] = {}  # by setting: each has its own trainer
    taken: set[str] = set()
    for config in configs:
        key = config_key(config)
        if key in records or key in taken or config.get("setting") not in CONTINUABLE_SETTINGS:
            continue
        if (source := _source_for(config, key, sources)) is not None:
            pending.setdefault(config["setting"], []).append((key, dict(config), source))
            taken.add(key)
    for setting, runs in pending.items():
        batches = batch_units([(key, config) for key, config, _ in runs], batch_group, getattr(pool, "workers", None))
        _continue_units(store, [[runs[i] for i in batch] for batch in batches], pool, task_name(_batch_task(setting)))
    return len(taken)


def _continue_units(store: ResultStore, units: list[list[tuple[str, dict, Record]]], pool, name: str) -> None:
    """Continue every unit (one batch each, on `pool`, else on one local worker process), storing each run as its
    batch finishes (:func:`verify.sweep.runner.store_units`, as a sweep stores its runs)."""
    from ..sweep.errors import SweepInterrupted
    from ..sweep.pools import make_pool
    from ..sweep.runner import store_units

    source = {key: record for unit in units for key, _, record in unit}
    payloads = [([c for _, c, _ in unit], [s.result for _, _, s in unit]) for unit in units]
    runs = [[(key, config) for key, config, _ in unit] for unit in units]

    def meta(key: str) -> dict:
        return {CONTINUED: source[key].key, CONTINUED_AT: int(source[key].result["resume"]["step"])}

    try:
        if pool is None:
            with make_pool(1) as one:
                store_units(one, store, name, runs, continue_unit, payloads, meta=meta)
        else:
            store_units(pool, store, name, runs, continue_unit, payloads, meta=meta)
    except KeyboardInterrupt:
        records = store.load()
        saved = sum(1 for record in records.values() if record.ok)
        done = sum(1 for key in source if key in records)
        raise SweepInterrupted(str(store.path), saved, saved + len(source) - done, done) from None


def count_continued(store: ResultStore, label: str) -> tuple[int, int]:
    """How many stored runs under the criterion `label` were continued from a smaller cap, and the steps that
    saved (the sum of the steps they started at)."""
    continued = [record for record in store.load().values()
                 if record.ok and record.result.get("criterion") == label and CONTINUED in record.meta]
    return len(continued), sum(int(record.meta.get(CONTINUED_AT, 0)) for record in continued)
