"""What a study's training cost, read from its store: worker time per criterion and design point.

Every record of ``runs.jsonl`` keeps the wall time of the batch it was trained in
(``meta.wall_time_s``) and that batch's size (``meta.batch_size``; records from before batching
ran alone).  A run's share is its batch's time over the batch's size, so the shares of a batch
add up to the batch's time, and their sum over a study's runs is the *worker time* its training
took: a study with W busy workers takes about 1/W of it in wall time.  A run copied from a
smaller cap (``meta.derived_from``, :mod:`verify.gap.reuse`) cost nothing; a continued run
(``meta.continued_from``) cost its continuation only, its source being counted on its own.

This is how long regenerating a study from an empty store takes, measured rather than guessed,
on the machine that trained it (``meta.worker`` names it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..criteria import Criterion
from .reuse import CONTINUED, DERIVED

MEANING = ("worker time: the wall time of every batch that trained the study's runs, summed (each run's share is "
           "its batch's time over the batch's size); with W busy workers a study takes about 1/W of it")


def run_cost(record) -> float:
    """Seconds of worker time that trained this run (0 for a run copied from a smaller cap)."""
    meta = record.meta or {}
    if DERIVED in meta:
        return 0.0
    wall = float(meta.get("wall_time_s") or 0.0)
    return wall / max(1, int(meta.get("batch_size") or 1))


def training_cost(records: Iterable, deep: bool, order: Sequence[str] = ()) -> dict[str, Any]:
    """The worker time behind `records` (a study's runs), in total, per criterion and per design point.

    ``by_criterion`` lists each criterion label (a stability check's doubled one on its own) in
    the order of `order` (the study's: each criterion, then its doubled one), labels not in it
    after them by name, each with its design points in increasing order.
    """
    blocks: dict[str, dict[tuple, list]] = {}
    total, trained, reused, continued = 0.0, 0, 0, 0
    for record in records:
        if not record.ok or "criterion" not in record.config:
            continue
        config, meta = record.config, record.meta or {}
        label = Criterion.of_config(config).label
        point = (int(config["n"]), int(config["L"])) if deep else (int(config["n"]),)
        cost = run_cost(record)
        derived = DERIVED in meta
        cell = blocks.setdefault(label, {}).setdefault(point, [0.0, 0, 0])
        cell[0] += cost
        cell[1 if not derived else 2] += 1
        total += cost
        trained += not derived
        reused += derived
        continued += CONTINUED in meta
    return {
        "worker_s": round(total, 1), "runs_trained": trained, "runs_reused": reused, "runs_continued": continued,
        "meaning": MEANING,
        "by_criterion": [
            {"criterion": label, "worker_s": round(sum(c[0] for c in points.values()), 1),
             "runs_trained": sum(c[1] for c in points.values()),
             "by_point": [{"n": p[0], **({"L": p[1]} if deep else {}), "worker_s": round(c[0], 1),
                           "runs_trained": c[1], "runs_reused": c[2]} for p, c in sorted(points.items())]}
            for label, points in sorted(blocks.items(), key=lambda item: _rank(item[0], order))
        ],
    }


def _rank(label: str, order: Sequence[str]) -> tuple[int, str]:
    return (list(order).index(label), "") if label in order else (len(order), label)


def cost_sentence(cost: dict[str, Any] | None) -> str | None:
    """One line for reports: the total, each criterion's share and the costliest design point."""
    if not cost or not cost.get("by_criterion"):
        return None
    parts = [f"{block['criterion']} {_hours(block['worker_s'])}" for block in cost["by_criterion"]]
    costliest = max(((b["criterion"], p) for b in cost["by_criterion"] for p in b["by_point"]),
                    key=lambda item: item[1]["worker_s"])
    label, point = costliest
    where = f"n = {point['n']}" + (f", L = {point['L']}" if "L" in point else "")
    text = (f"Training cost: {_hours(cost['worker_s'])} of worker time for {cost['runs_trained']} trained runs "
            f"({'; '.join(parts)}); the costliest point is {where} under {label} ({_hours(point['worker_s'])})")
    if cost.get("runs_reused"):
        text += f"; {cost['runs_reused']} runs were copied from a smaller cap at no cost"
    return text + ". With W workers the wall time is about 1/W of this."


def _hours(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"
