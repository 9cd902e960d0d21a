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
(:mod:`verify.sweep.continuation`) is continued from where it stopped (:func:`continuation_sources`
finds it; the sweep runner trains it beside the fresh runs of its round), and stored with
``meta.continued_from`` (its source's key) and ``meta.continued_at_step``; any other is trained
again from step 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
        limit = rule.step_limit(source.result.get("t_kernel"), source.result.get("t_rate"))
        result = dict(source.result, criterion=rule.label, step_limit=limit)
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


def continuation_sources(store: ResultStore, configs: Iterable[Mapping[str, Any]]) -> dict[str, Record]:
    """For every configuration of `configs` not in the store yet that a stored run can continue: its key, mapped
    to that run (same configuration under the largest smaller cap of the same rule, stopped at its cap with its
    state kept; :mod:`verify.sweep.continuation`).  The study hands them to the sweep runner
    (``run_sweep(..., resume=..., meta=...)``), so that continued runs train in the same batches and on the
    same workers as fresh ones."""
    from ..sweep.continuation import CONTINUABLE_SETTINGS

    records = store.load()
    candidates = _continuable_sources(records)
    sources: dict[str, Record] = {}
    for config in configs:
        key = config_key(config)
        if key in records or key in sources or config.get("setting") not in CONTINUABLE_SETTINGS:
            continue
        if (source := _source_for(config, key, candidates)) is not None:
            sources[key] = source
    return sources


def continued_meta(source: Record) -> dict[str, Any]:
    """The bookkeeping of a run continued from `source`: the source's key and the step it started at."""
    return {CONTINUED: source.key, CONTINUED_AT: int(source.result["resume"]["step"])}


def count_continued(store: ResultStore, label: str) -> tuple[int, int]:
    """How many stored runs under the criterion `label` were continued from a smaller cap, and the steps that
    saved (the sum of the steps they started at)."""
    continued = [record for record in store.load().values()
                 if record.ok and record.result.get("criterion") == label and CONTINUED in record.meta]
    return len(continued), sum(int(record.meta.get(CONTINUED_AT, 0)) for record in continued)
