"""The verdict matrix: every catalogued theorem that verify can model, in its own setting, in one table.

One sweep task per theorem (:func:`matrix_task`): build its model (or record why there is none),
draw the data (held-out points for classification theorems), and train at its **predicted width**
with its own step size where that width fits the memory budget and the compute cap
(``max_params`` parameters), else at each width of the ladder that fits.  The task returns a compact,
strict-JSON summary: per trained width the guarantees (held / failed / not tested, measured and
predicted), and per catalogue guarantee kind (squared loss, training loss, training error, test
error, margin) the cell of the theorem's stated one.  Results go through the sweep store
(:mod:`verify.sweep`), so an interrupted matrix resumes where it stopped, on local workers or Dask.

:func:`matrix_rows` turns the stored results into rows; :func:`render_markdown` and
:func:`render_html` write the report.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bounds.model import GUARANTEES
from bounds.tables import Cell, Table, render

TASK_VERSION = "verify-matrix/3"  # 3: theorems predict widths, not parameter counts (bounds.units.width_in_unit)
COLUMNS = GUARANTEES  # squared-loss, training-loss, training-error, test-error, margin
COLUMN_TITLES = {"squared-loss": "squared loss", "training-loss": "training loss", "training-error": "training error",
                 "test-error": "test error", "margin": "margin"}
PRIMARY = {"squared-loss": "iterations_to_eps", "training-loss": "iterations_to_eps",
           "training-error": "training_error", "test-error": "test_error", "margin": "margin"}
VERDICT_COLOUR = {"held": "#d8f0d8", "failed": "#f6d5d5", "not tested": "#eeeeee", "not stated": "#ffffff"}
PROOF_STEPS = ("linear_rate", "weight_distance", "activation_flips", "ntk_at_init", "lambda_min_at_init", "ntk_drift",
               "lambda_min_along_path")

__all__ = ["matrix_configs", "matrix_task", "matrix_rows", "render_markdown", "render_html", "TASK_VERSION", "COLUMNS"]


def parse_ladder(text: str | Sequence[str | int]) -> list[str]:
    """'predicted,1024,256' -> ['predicted', '1024', '256'] (validated by verify.verdict.parse_width)."""
    from .errors import VerifyError
    from .verdict import parse_width

    tokens = [t.strip() for t in text.split(",")] if isinstance(text, str) else [str(t).strip() for t in text]
    tokens = [t for t in tokens if t]
    if not tokens:
        raise VerifyError("--widths needs at least one width (e.g. predicted,1024,256)")
    for token in tokens:
        parse_width(token)
    return tokens


def matrix_configs(entries: Iterable, *, n: int, widths: Sequence[str], d: int = 10, L: int = 2, seed: int = 0,
                   max_steps: int = 1000, eps: float = 1e-3, max_params: float = 2e6,
                   memory_budget: float | None = None, backend: str = "numpy", device: str = "cpu",
                   dtype: str | None = None, sgd_draws: int = 1) -> list[dict]:
    """One sweep configuration per theorem (its key changes whenever anything that matters does).

    ``entry_digest`` (:func:`entry_fingerprint`) stands for the theorem's formulas and setting, so
    that a run stored before its catalogue entry changed (a bound, what it counts) is trained
    again rather than shown as the new entry's.  The backend fields appear only when they differ
    from numpy on the CPU, so that stores made before they existed keep their keys."""
    extra = {} if (backend, device, dtype) == ("numpy", "cpu", None) else {"backend": backend, "device": device,
                                                                           "dtype": dtype}
    if sgd_draws != 1:
        extra["sgd_draws"] = int(sgd_draws)
    return [{"task": TASK_VERSION, "entry": entry.id, "entry_digest": entry_fingerprint(entry), "n": int(n),
             "d": int(d), "L": int(L), "seed": int(seed),
             "widths": list(widths), "max_steps": int(max_steps), "eps": float(eps), "max_params": float(max_params),
             "memory_budget": memory_budget, **extra} for entry in entries]


def entry_fingerprint(entry) -> str:
    """A digest of what a theorem's verification depends on: its setting, parameters, constants, bounds as
    written (with what they count), network size, guarantee and conditions.  Prose (quote, notes, confidence)
    is left out: editing a note keeps the stored runs, changing a formula trains them again."""
    size = entry.size
    data = {
        "setting": dict(entry.setting),
        "parameters": {k: [p.maps_to_text, p.relation, p.kernel] for k, p in entry.parameters.items()},
        "constants": {k: c.default for k, c in entry.constants.items()},
        "bounds": {q: [b.text, b.kind, b.counts, list(b.unknown_in)] for q, b in entry.bounds.items()},
        "size": None if size is None else [dict(size.texts or {}), size.trained],
        "counts": entry.counts, "guarantee": entry.guarantee, "conditions": [c.text for c in entry.conditions],
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode("utf-8")).hexdigest()[:12]


def _cell(g: Mapping[str, Any] | None, run: Mapping[str, Any]) -> dict:
    width, label = run["width"], run["label"]
    if g is None:
        return {"verdict": "not tested", "measured": None, "predicted": None, "width": width, "check": None,
                "note": "the check was not made on this run"}
    verdict = {True: "held", False: "failed", None: "not tested"}[g["held"]]
    return {"verdict": verdict, "measured": g["measured"], "predicted": g["predicted"], "width": width,
            "width_label": label, "check": g["name"], "note": g.get("note", ""), "steps": run["steps"],
            "final_loss": run["final_loss"]}


def _summarise_run(run: Mapping[str, Any]) -> dict:
    gs = {g["name"]: g for g in run["guarantees"]}
    return {
        "label": run["label"],
        "width": run["width"],
        "eta": run["eta"],
        "eta_source": run["eta_source"].split(":")[0],
        "steps": run["steps"],
        "final_loss": run["numbers"].get("final_loss"),
        "guarantees": [{k: g[k] for k in ("name", "held", "measured", "predicted", "note")} for g in run["guarantees"]],
        "proof_steps": {
            "held": sum(1 for name in PROOF_STEPS if gs.get(name, {}).get("held") is True),
            "judged": sum(1 for name in PROOF_STEPS if gs.get(name, {}).get("held") is not None),
        },
    }


def matrix_task(config: dict) -> dict:
    """Verify one theorem for the matrix; a theorem verify cannot model is a result with the reason."""
    import bounds

    from .data import holdout, sphere
    from .errors import UnsupportedSettingError, VerifyError
    from .models import loss_kind, model_for_entry
    from .sweep.toy import log_start
    from .verdict import parse_width, verify_entry

    log_start(config)
    entry = bounds.get(config["entry"])
    base = {"entry": entry.id, "guarantee": entry.guarantee, "algorithm": dict(entry.setting).get("algorithm", "GD"),
            "architecture": dict(entry.setting).get("architecture", ""), "confidence": entry.confidence}
    two_layer = base["architecture"] == "two-layer"
    L = None if two_layer else int(config["L"])
    try:
        model_for_entry(entry, L)
    except UnsupportedSettingError as exc:
        return {**base, "status": "skipped", "reason": str(exc)}
    n, seed = int(config["n"]), int(config["seed"])
    classification = loss_kind(entry) == "logistic"
    test_n = n if classification else 0
    data = sphere(n + test_n, int(config["d"]), labels="teacher" if classification else "random", seed=seed)
    train, test = holdout(data, test_n) if test_n else (data, None)
    common = dict(L=L, max_steps=int(config["max_steps"]), eps=float(config["eps"]), seed=seed,
                  memory_budget=config.get("memory_budget"), test_data=test, backend=config.get("backend", "numpy"),
                  device=config.get("device", "cpu"), dtype=config.get("dtype"))
    stochastic = base["algorithm"] == "SGD"
    draws = int(config.get("sgd_draws", 1)) if stochastic else 1
    ladder = list(config["widths"])
    want_predicted = any(parse_width(w)[0] == "predicted" for w in ladder)
    explicit = [w for w in ladder if parse_width(w)[0] == "explicit"]
    notes: list[str] = []
    try:
        first = verify_entry(entry, train, widths=["predicted"], train=False, **common)
    except VerifyError as exc:
        return {**base, "status": "skipped", "reason": str(exc)}
    predicted, max_params = first.predicted_width, float(config["max_params"])
    spec = model_for_entry(entry, L)
    d = train.d

    def affordable(m: int) -> bool:
        return spec.parameter_count(d, m) <= max_params

    verdict = None
    if want_predicted and first.feasible and predicted is not None and affordable(predicted):
        verdict = verify_entry(entry, train, widths=["predicted"], sgd_draws=draws, **common)
        notes.append(f"trained at the predicted width {predicted} with the theorem's own step size where it has one")
    else:
        if not want_predicted:
            why = "the predicted width was not asked for"
        elif math.isnan(first.predicted_width_log10):
            why = first.prediction.unconverted or "the entry gives no width here"
        elif not first.feasible:
            why = (f"the predicted width 10^{first.predicted_width_log10:.2f} does not fit the memory budget"
                   if first.predicted_width_log10 >= 9 else
                   f"the predicted width {predicted} does not fit the memory budget")
        else:
            why = (f"the predicted width {predicted} ({spec.parameter_count(d, predicted):.3g} parameters) exceeds the "
                   f"compute cap --max-params {max_params:.3g}")
        fit = [w for w in explicit
               if int(parse_width(w)[1]) <= first.largest_feasible_width and affordable(int(parse_width(w)[1]))]
        dropped = [w for w in explicit if w not in fit]
        if dropped:
            notes.append(f"ladder widths {', '.join(dropped)} skipped (memory budget or compute cap)")
        if not fit:
            return {**base, "status": "skipped", "reason": f"{why}, and no ladder width fits",
                    "predicted_width": predicted, "predicted_width_log10": first.predicted_width_log10}
        notes.append(f"{why}: trained at the ladder widths {', '.join(fit)}")
        verdict = verify_entry(entry, train, widths=fit, sgd_draws=draws, **common)
    record = verdict.to_dict()
    runs = [_summarise_run(r) for r in record["runs"] if r["trained"]]
    if not runs:
        return {**base, "status": "skipped", "reason": "; ".join(record["messages"]) or "nothing could be trained"}
    primary_name = PRIMARY.get(entry.guarantee, "iterations_to_eps")
    top = max(runs, key=lambda r: r["width"])  # the predicted width, or the largest ladder width
    top_g = {g["name"]: g for g in top["guarantees"]}
    cells = {}
    for column in COLUMNS:
        if column == entry.guarantee:
            cells[column] = _cell(top_g.get(primary_name), top)
        else:
            check = PRIMARY[column]
            g = top_g.get(check) if column not in ("squared-loss", "training-loss") else None
            cells[column] = {"verdict": "not stated", "measured": None if g is None else g["measured"],
                             "predicted": None, "width": top["width"], "check": check if g else None}
    return {**base, "status": "verified", "predicted_width": record["predicted"]["width"],
            "predicted_width_log10": record["predicted"]["width_log10"], "training": record["training"],
            "lambda_0": record["lambda_0"], "delta": record["delta"], "model": record["model"]["name"],
            "data": record["data"]["name"], "runs": runs, "cells": cells, "notes": notes + record["messages"]}


# -- rows and reports ----------------------------------------------------------------------------------
def matrix_rows(entries: Iterable, records: Mapping[str, Any], keys: Mapping[str, str]) -> list[dict]:
    """One row per entry, in catalogue order: its stored result, or 'missing' if it has none yet.

    `keys` maps entry id -> sweep key; `records` is ResultStore.load()."""
    rows = []
    for entry in entries:
        record = records.get(keys[entry.id])
        if record is None:
            rows.append({"entry": entry.id, "guarantee": entry.guarantee, "status": "missing", "reason": "not run yet"})
        elif not record.ok:
            rows.append({"entry": entry.id, "guarantee": entry.guarantee, "status": "error",
                         "reason": (record.error or "failed").splitlines()[0]})
        else:
            rows.append(record.result)
    return rows


def _num(x: Any) -> str:
    if x is None:
        return "-"
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int) or (isinstance(x, float) and x == int(x) and abs(x) < 1e7):
        return str(int(x))
    return f"{x:.3g}"


def cell_text(cell: Mapping[str, Any]) -> str:
    if cell["verdict"] == "not stated":
        return "not stated" + (f" ({_num(cell['measured'])})" if cell.get("measured") is not None else "")
    if (
        cell["verdict"] == "not tested"
        and cell.get("check") == "iterations_to_eps"
        and cell.get("final_loss") is not None
    ):
        text = f"not tested: loss {_num(cell['final_loss'])} at step {cell['steps']} / T = {_num(cell['predicted'])}"
    else:
        text = f"{cell['verdict']} {_num(cell['measured'])} / {_num(cell['predicted'])}"
    return text + (f" @ {cell['width']}" if cell.get("width") else "")


def _width_text(width: int | None, width_log10: float | None) -> str:
    if width_log10 is None or (isinstance(width_log10, float) and math.isnan(width_log10)):
        return "none"
    if width is not None and width < 10**7:
        return str(width)
    return f"10^{width_log10:.1f}"


def _training_text(row: Mapping[str, Any]) -> str:
    tr = row.get("training") or {}
    if not tr:
        return row.get("algorithm", "")
    text = tr.get("algorithm", "GD")
    if tr.get("batch_size"):
        text += f" B={tr['batch_size']}"
    return text + (", logistic" if tr.get("loss") == "logistic" else "")


def _proof_text(row: Mapping[str, Any]) -> str:
    runs = row.get("runs") or []
    if not runs:
        return "-"
    top = max(runs, key=lambda r: r["width"])
    if not top["proof_steps"]["judged"]:
        return "-"
    return f"{top['proof_steps']['held']}/{top['proof_steps']['judged']}"


def summary_counts(rows: Sequence[Mapping[str, Any]]) -> dict:
    counts = {"theorems": len(rows), "verified": 0, "skipped": 0, "missing": 0, "error": 0,
              "held": 0, "failed": 0, "not tested": 0}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
        if row["status"] == "verified":
            stated = row["cells"].get(row["guarantee"], {}).get("verdict")
            if stated in counts:
                counts[stated] += 1
    return counts


def render_markdown(rows: Sequence[Mapping[str, Any]], meta: Mapping[str, Any]) -> str:
    c = summary_counts(rows)
    lines = [
        "# Verdict matrix: every catalogued theorem, trained in its own setting",
        "",
        f"Command: `{meta.get('command', '')}`",
        "",
        f"{c['theorems']} theorems: {c['verified']} trained ({c['held']} stated guarantees held, {c['failed']} failed, "
        f"{c['not tested']} not tested), {c['skipped']} skipped with a reason"
        + (f", {c['missing']} not run yet" if c["missing"] else "")
        + (f", {c['error']} errors" if c["error"] else "")
        + ".",
        "",
        "Cells: `verdict measured / predicted @ width` for the guarantee the theorem states (the catalogue's "
        "`guarantee`); `not stated` elsewhere, with the measured number in parentheses where one was taken. "
        "Squared and training loss: the loss reaches eps within the theorem's iteration count (measured: the step it "
        "did, predicted: the count); training/test error: the 0-1 error at the end against eps; margin: "
        "min_i y_i f(x_i) > 0. `not tested` means the run stopped (step cap) before the theorem's count. "
        "`proof steps`: how many of the squared-loss proof's checks (docs/verify.md) held, of those judged, at the "
        "largest width trained. A failure below the predicted width is not a refutation.",
        "",
    ]
    verified, skipped = _verified_table(rows), _skipped_table(rows)
    lines += [render(verified, "markdown"), "", "## Skipped theorems", "", render(skipped, "markdown")]
    lines += ["", "## Notes per theorem", ""]
    for row in rows:
        if row["status"] == "verified" and row.get("notes"):
            lines.append(f"* `{row['entry']}` ({row['model']}; {row['data']}): " + "; ".join(row["notes"]))
    return "\n".join(lines) + "\n"


def _verified_table(rows: Sequence[Mapping[str, Any]]) -> Table:
    """One row per trained theorem: its run, widths and one cell per guarantee kind (coloured in HTML)."""
    header = ["theorem", "run", "widths (predicted)", *(COLUMN_TITLES[k] for k in COLUMNS), "proof steps"]
    body = []
    for row in rows:
        if row["status"] != "verified":
            continue
        pw_text = _width_text(row.get("predicted_width"), row.get("predicted_width_log10"))
        widths = ", ".join(str(r["width"]) for r in row["runs"])
        cells = [Cell(cell_text(row["cells"][k]), background=VERDICT_COLOUR.get(row["cells"][k]["verdict"], "#fff"))
                 for k in COLUMNS]
        body.append([Cell(row["entry"], code=True), _training_text(row), f"{widths} ({pw_text})", *cells,
                     _proof_text(row)])
    return Table(header, body)


def _skipped_table(rows: Sequence[Mapping[str, Any]]) -> Table:
    """One row per theorem not trained, with the reason."""
    body = [[Cell(row["entry"], code=True), str(row.get("guarantee", "")), f"{row['status']}: {row.get('reason', '')}"]
            for row in rows if row["status"] != "verified"]
    return Table(["theorem", "stated guarantee", "reason"], body)


def render_html(rows: Sequence[Mapping[str, Any]], meta: Mapping[str, Any]) -> str:
    c = summary_counts(rows)
    esc = html.escape
    out = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>verify: verdict matrix</title>",
           "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;font-size:13px}"
           "td,th{border:1px solid #bbb;padding:3px 6px;vertical-align:top}code{font-size:12px}</style></head><body>",
           "<h1>Verdict matrix</h1>", f"<p>Command: <code>{esc(meta.get('command', ''))}</code></p>",
           f"<p>{c['theorems']} theorems: {c['verified']} trained ({c['held']} stated guarantees held, {c['failed']} "
           f"failed, {c['not tested']} not tested), {c['skipped']} skipped with a reason.</p>",
           render(_verified_table(rows), "html"), "<h2>Skipped theorems</h2>", render(_skipped_table(rows), "html"),
           "</body></html>"]
    return "\n".join(out) + "\n"
