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
the cap itself ("limit", "too slow") are always retrained: under a larger cap they go on, and
may succeed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..criteria import CAP_FREE_STOPS, Criterion
from ..sweep import ResultStore, canonical_json, config_key
from ..sweep.store import Record

CAP_FIELDS = ("factor", "steps")  # what differs between a criterion and its doubled version
DERIVED = "derived_from"


def criterion_of(config: Mapping[str, Any]) -> Criterion:
    """The criterion a run configuration trains under."""
    return Criterion(config["criterion"], config.get("factor"), config.get("steps"))


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
        rule = criterion_of(config)
        sources = [r for r in reusable.get(_without_cap(config), ())
                   if r.key != key and rule.inherits_outcome_from(criterion_of(r.config), r.result["stop_reason"])]
        if not sources:
            continue
        source = min(sources, key=lambda r: r.line)
        result = dict(source.result, criterion=rule.label, step_limit=rule.step_limit(source.result.get("t_kernel")))
        ended = "succeeded" if source.result.get("succeeded") else f"stopped ({source.result['stop_reason']})"
        store.append(key, config, result, task=source.task,
                     meta={DERIVED: source.key, "wall_time_s": 0.0,
                           "note": f"not trained: {ended} under {criterion_of(source.config).label} "
                                   f"after {source.result.get('steps_run')} steps, so it does under {rule.label}"})
        records[key] = source  # a configuration repeated in `configs` is written once
        reused += 1
    return reused


def count_reused(store: ResultStore, label: str) -> int:
    """How many stored runs under the criterion `label` were reused rather than trained."""
    return sum(1 for record in store.load().values()
               if record.ok and record.result.get("criterion") == label and DERIVED in record.meta)
