"""A gap study's answer from its searches: fitted exponents, stability checks, and every theorem beside them.

:func:`summarise` turns the minimal widths of each criterion (and the stability check of each)
into a :class:`GapResult`: the exponent of n (and of L) with its interval under every criterion,
the notes a reader needs (non-monotone success, unbounded intervals, instability), and each
catalogued theorem of the setting evaluated at every design point with lambda_0 and delta
measured on the data, with its looseness under every criterion.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bounds.errors import BoundsError, ParameterError
from bounds.units import width_in_unit

from ..criteria import Criterion
from .scaling import ExponentFit, PowerLawFit, fit_exponent, fit_power_law
from .search import MinimalWidth
from .spec import SETTINGS, StudySpec, network

SQUARED_LOSS = "squared-loss"  # the catalogue's guarantee of the theorems this study measures


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
    trained = network(spec.setting, L).trained_parameter_count(spec.d, width) if width else None
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


def stability_check(rule: Criterion, doubled: Criterion, before: MinimalWidth, again: MinimalWidth,
                    resolution: float) -> dict[str, Any]:
    """The change of the all-seeds minimal width when the criterion's cap (or C, or budget) is doubled.

    The verdict reads the all-seeds widths; the per-seed widths under both criteria are kept beside
    them, since near the threshold a seed's own width can move more than the all-seeds one."""
    w1, w2 = before.all_seeds, again.all_seeds
    point = before.n
    out: dict[str, Any] = {"point": list(point) if isinstance(point, tuple) else point,
                           "criterion": rule.label, "doubled": doubled.label,
                           "minimal_width": w1, "minimal_width_doubled": w2,
                           "minimal_width_per_seed": {str(s): w for s, w in before.per_seed.items()},
                           "minimal_width_per_seed_doubled": {str(s): w for s, w in again.per_seed.items()}}
    found = again.found
    if found and again.all_seeds is not None and again.all_seeds != max(found):
        out["note"] = (f"{doubled.label}, {_label(point)}: success was not monotone in the width; every seed "
                       f"first succeeded together at {again.all_seeds}, above the largest per-seed minimal width "
                       f"{max(found)}")
    if w1 and w2:
        tolerance = max(1, math.floor(resolution * max(w1, w2)))
        out.update(change=w2 / w1 - 1.0, tolerance=tolerance, stable=abs(w2 - w1) <= tolerance)
    else:
        out.update(change=None, tolerance=None, stable=False)
    return out


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
        if stability is not None and stability.get("note"):
            notes.append(f"stability check: {stability['note']}")
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
    width_log10, conversion = width_in_unit(entry, evaluation.width_log10, "width", params)  # parameters are not m
    converted = width_log10 is not None or evaluation.width_log10 is None  # else `conversion` says why not
    return {"width_log10": width_log10,
            "assumed": evaluation.assumed + ([conversion] if conversion and converted else []),
            "warnings": evaluation.warnings + ([] if converted else [conversion])}


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
