"""The gap report: figures (PNG), an HTML page and a Markdown page from a study's results.

Figures, each saved as PNG next to the pages:

* ``widths_vs_n.png``: log10 width against n (one panel per depth L in a deep setting): every
  theorem's predicted width (one line each) and the empirical minimal widths (per seed, and for
  all seeds with the seed range as error bar), with the fitted power law;
* ``loss_curves.png``: one panel per n (per (n, L) in a deep setting), training loss against step
  at the minimal width (solid) and at the largest failed width (dashed), every seed;
* ``looseness.png``: log10 of predicted / empirical width at the largest n (and L), per theorem;
* ``exponents.png``: each theorem's exponent of n (stated; and on this data, with lambda_0(n)
  measured) against the empirical exponent and its confidence interval.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from bounds.errors import ParameterError
from bounds.tables import Table, render

from .cost import cost_sentence
from .study import RESULTS_FILE, RUNS_FILE

FIGURES = ("widths_vs_n", "loss_curves", "looseness", "exponents")
CONFIDENCE_STYLE = {"quoted": "-", "secondary": "--", "headline": ":", "unverified": "-."}


def load_results(location: Path) -> tuple[dict[str, Any], list]:
    """The study summary (gap.json) and its runs (runs.jsonl) from a results directory or gap.json."""
    from verify.sweep import ResultStore

    location = Path(location)
    directory = location if location.is_dir() else location.parent
    summary_path = location if location.is_file() else directory / RESULTS_FILE
    if not summary_path.exists():
        raise ParameterError(f"{location}: no {RESULTS_FILE} here (run `bounds gap ... --out DIR` first)")
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ParameterError(f"{summary_path}: not a gap results file ({exc})") from None
    if not isinstance(summary, dict) or "rows" not in summary or "exponent" not in summary:
        raise ParameterError(f"{summary_path}: not a gap results file (no rows / exponent)")
    if "criteria" not in summary:
        raise ParameterError(f"{summary_path}: a gap results file of an older version (no criteria); "
                             "re-run `bounds gap` to regenerate it")
    missing = [key for key in ("points", "entries", "exponent_ci", "setting", "spec") if key not in summary]
    if missing:
        raise ParameterError(f"{summary_path}: not a complete gap results file (missing {', '.join(missing)})")
    runs_path = directory / RUNS_FILE
    runs = list(ResultStore(runs_path).load().values()) if runs_path.exists() else []
    return summary, runs  # an undefined interval stays null: the pages write it as undefined


def write_report(location: Path, output: Path) -> dict[str, Path]:
    """Write output (.html), the Markdown page beside it and the PNG figures; return their paths."""
    from bounds.plotting import require_matplotlib

    plt = require_matplotlib()
    summary, runs = load_results(location)
    output = Path(output)
    if output.suffix.lower() not in (".html", ".htm", ".md"):
        raise ParameterError(f"{output}: the report must end in .html or .md")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ParameterError(f"cannot write {output}: {exc.strerror}") from None
    figures_dir = output.parent / "figures"
    figures_dir.mkdir(exist_ok=True)
    paths = {name: figures_dir / f"{name}.png" for name in FIGURES}
    try:
        _widths_figure(plt, summary, paths["widths_vs_n"])
        _loss_figure(plt, summary, runs, paths["loss_curves"])
        _looseness_figure(plt, summary, paths["looseness"])
        _exponent_figure(plt, summary, paths["exponents"])
        html_text, md_text = _html(summary, paths, output.parent), _markdown(summary, paths, output.parent)
    except (KeyError, TypeError, IndexError, ValueError) as exc:
        # A hand-edited or truncated gap.json: say so instead of a KeyError from deep inside.
        raise ParameterError(f"{location}: not a complete gap results file ({type(exc).__name__}: {exc})") from None
    html_path = output.with_suffix(".html")
    md_path = output.with_suffix(".md")
    html_path.write_text(html_text, encoding="utf-8")
    md_path.write_text(md_text, encoding="utf-8")
    return {"html": html_path, "markdown": md_path, **paths}


# -- figures -----------------------------------------------------------------------------


def _entry_styles(summary):
    import matplotlib.pyplot as plt

    cmap = plt.get_cmap("tab20")
    return {e["id"]: (cmap(i % 20), CONFIDENCE_STYLE.get(e["confidence"], "-"))
            for i, e in enumerate(summary["entries"])}


def _widths_figure(plt, summary, path: Path) -> None:
    rows = summary["rows"]
    if not _is_deep(summary):
        fig, ax = plt.subplots(figsize=(11, 6.5), constrained_layout=True)
        fit = (summary["log10_constant"], summary["exponent"], summary["exponent_ci"], "")
        _widths_panel(ax, summary, rows, fit)
        ax.set_title(f"Predicted vs empirical minimal width ({summary['setting']})\n"
                     "hidden constants 1; lambda_0 and delta measured on each data set", fontsize=10)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    else:
        depths = sorted({r["L"] for r in rows})
        fig, axes = plt.subplots(1, len(depths), figsize=(4.2 * len(depths) + 4.5, 6), squeeze=False,
                                 constrained_layout=True, sharey=True)
        per_depth = {f["L"]: f for f in summary.get("exponent_by_L", [])}
        for ax, L in zip(axes.flat, depths, strict=True):
            if summary.get("exponent_L") is not None:  # the joint fit, at this depth
                fit = (summary["log10_constant"] + summary["exponent_L"] * math.log10(L), summary["exponent"],
                       summary["exponent_ci"], f" L^{summary['exponent_L']:.2f}")
            elif L in per_depth:
                f = per_depth[L]
                fit = (f["log10_constant"], f["exponent"], f["exponent_ci"], "")
            else:
                fit = None
            _widths_panel(ax, summary, [r for r in rows if r["L"] == L], fit)
            ax.set_title(f"L = {L} hidden layers", fontsize=10)
        for ax in axes.flat[1:]:
            ax.set_ylabel("")
        axes.flat[-1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        fig.suptitle(f"Predicted vs empirical minimal width ({summary['setting']}); "
                     "hidden constants 1; lambda_0 and delta measured on each data set", fontsize=10)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _widths_panel(ax, summary, rows, fit) -> None:
    """One theorem line each, the empirical points with seed-range bars, and the fitted power law."""
    from matplotlib.ticker import NullFormatter

    ns = np.array([r["n"] for r in rows], dtype=float)
    styles = _entry_styles(summary)
    for entry in summary["entries"]:
        values = [r["entries"][entry["id"]].get("width_log10") for r in rows]
        points = [(n, v) for n, v in zip(ns, values, strict=True) if v is not None]
        if points:
            color, style = styles[entry["id"]]
            ax.plot([p[0] for p in points], [p[1] for p in points], style, color=color, lw=1.4,
                    label=f"{entry['id']} [{entry['confidence']}]")
    for row in rows:
        per_seed = [w for w in row["minimal_width_per_seed"].values() if w]
        if per_seed:
            ax.scatter([row["n"]] * len(per_seed), np.log10(per_seed), s=14, color="black", alpha=0.45, zorder=3)
    found = [(r["n"], r["minimal_width"], [w for w in r["minimal_width_per_seed"].values() if w])
             for r in rows if r["minimal_width"]]
    if found:
        x = np.array([f[0] for f in found], dtype=float)
        y = np.log10([f[1] for f in found])
        low = y - np.log10([min(f[2]) for f in found])
        high = np.maximum(np.log10([max(f[2]) for f in found]) - y, 0)
        ax.errorbar(x, y, yerr=[np.maximum(low, 0), high], fmt="o", color="black", ms=7, capsize=4, zorder=4,
                    label="empirical minimal width, all seeds (bar: seed range)")
    if fit is not None and len(ns):
        constant, alpha, interval, extra = fit
        grid = np.geomspace(ns.min(), ns.max(), 50)
        ax.plot(grid, constant + alpha * np.log10(grid), color="black", lw=2.2,
                label=f"fit ({summary.get('criterion_rule', {}).get('label', 'headline')}): "
                      f"m* ~ n^{alpha:.2f}{extra} [n: {_interval(interval)}]")
    markers = iter(zip(("s", "^", "D", "v"), ("tab:purple", "crimson", "tab:olive", "tab:cyan"), strict=True))
    for block in summary.get("criteria", [])[1:]:  # the other criteria's all-seeds widths, a marker and colour each
        points = [(r["n"], r["minimal_width"]) for r in block["minimal_widths"]
                  if r["minimal_width"] and r.get("L") == rows[0].get("L")] if rows else []
        if block.get("exponent") is None:
            continue
        if points:
            marker, color = next(markers, ("s", "tab:purple"))
            ax.plot([p[0] for p in points], np.log10([p[1] for p in points]), marker, color=color,
                    ms=7, ls="-", lw=1.2, label=f"empirical minimal width under {block['label']} "
                                                f"(m* ~ n^{block['exponent']:.2f})")
    floors = [(r["n"], r["floor_width"]) for r in rows if r.get("floor_width")]
    if floors:
        ax.plot([f[0] for f in floors], np.log10([f[1] for f in floors]), color="grey", lw=1.2, ls=(0, (1, 1)),
                label="parameter-count floor (trained parameters = n)")
    ax.set_xscale("log")
    ticks = sorted({int(n) for n in ns})
    ax.set_xticks(ticks, [str(n) for n in ticks])  # the sample sizes studied, not 3x10^1-style minor labels
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("n (training samples)")
    ax.set_ylabel("log10 width")
    ax.grid(True, alpha=0.3)


def _loss_figure(plt, summary, runs, path: Path) -> None:
    rows = summary["rows"]
    eps = summary["spec"]["eps"]
    cols = min(4, len(rows))
    nrows = math.ceil(len(rows) / cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(3.6 * cols, 3.1 * nrows), squeeze=False, constrained_layout=True)
    by_point: dict[tuple, list] = {}
    for record in runs:
        if record.result and "loss_curve" in record.result:
            by_point.setdefault((int(record.config["n"]), record.config.get("L")), []).append(record)
    colors = plt.get_cmap("tab10")
    for ax, row in zip(axes.flat, rows, strict=False):
        best = row["minimal_width"]
        records = by_point.get((row["n"], row.get("L")), [])
        seeds = sorted({int(r.config["seed"]) for r in records})
        for seed in seeds:
            mine = [r for r in records if int(r.config["seed"]) == seed]
            success = [r for r in mine if r.config["width"] == best]
            failed = sorted((r for r in mine
                             if not r.result.get("reached_eps") and (best is None or r.config["width"] < best)),
                            key=lambda r: r.config["width"])
            for record, style in ((success[0] if success else None, "-"), (failed[-1] if failed else None, "--")):
                if record is None:
                    continue
                curve = record.result["loss_curve"]
                steps = np.asarray(curve["step"], dtype=float) + 1
                ax.plot(steps, curve["loss"], style, color=colors(seed % 10), lw=1.3,
                        label=f"seed {seed}, m = {record.config['width']}")
        ax.axhline(eps, color="grey", lw=0.8, ls=":")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"{_point(row)}: minimal width {best}", fontsize=9)
        ax.set_xlabel("GD step + 1", fontsize=8)
        ax.set_ylabel("training loss", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=6)
    for ax in list(axes.flat)[len(rows):]:
        ax.axis("off")
    fig.suptitle("Loss curves: solid at the minimal width, dashed at the largest failed width; "
                 f"dotted line eps = {eps:g}", fontsize=10)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _looseness_figure(plt, summary, path: Path) -> None:
    row = max((r for r in summary["rows"] if r["minimal_width"]), key=lambda r: (r["n"], r.get("L", 0)), default=None)
    fig, ax = plt.subplots(figsize=(10, 0.35 * max(4, len(summary["entries"])) + 1.5), constrained_layout=True)
    if row is not None:
        items = sorted(((eid, p["looseness_log10"]) for eid, p in row["entries"].items()
                        if p.get("looseness_log10") is not None),
                       key=lambda item: item[1])
        styles = _entry_styles(summary)
        ax.barh([i for i, _ in items], [v for _, v in items], color=[styles[i][0] for i, _ in items])
        for y, (_, value) in enumerate(items):
            ax.text(value, y, f" 10^{value:.1f}" if value >= 0 else f" 10^{value:.1f}", va="center", fontsize=7)
        ax.axvline(0, color="black", lw=0.8)
        if items:  # room for the value labels beside the longest bars
            low, high = min(0.0, min(v for _, v in items)), max(0.0, max(v for _, v in items))
            ax.set_xlim(low - 0.12 * (high - low) * (low < 0), high + 0.12 * (high - low) + 0.5)
        ax.set_title(f"Looseness at {_point(row)}: predicted width / empirical minimal width ({row['minimal_width']})\n"
                     "(left of 0: the bound asks for less than was needed)", fontsize=9)
    ax.set_xlabel("log10(predicted / empirical)")
    ax.tick_params(axis="y", labelsize=7)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _exponent_figure(plt, summary, path: Path) -> None:
    entries = summary["entries"]
    fig, ax = plt.subplots(figsize=(10, 0.35 * max(4, len(entries)) + 1.5), constrained_layout=True)
    low, high = summary["exponent_ci"]
    if low is not None and high is not None:
        ax.axvspan(low, high, color="black", alpha=0.12,
                   label=f"empirical {summary['exponent']:.2f} [{low:.2f}, {high:.2f}]")
    ax.axvline(summary["exponent"], color="black", lw=1.5)
    labels = []
    for y, entry in enumerate(entries):
        labels.append(entry["id"])
        if isinstance(entry["exponent_n_stated"], (int, float)):
            ax.plot(entry["exponent_n_stated"], y, "o", color="tab:blue", label="stated" if y == 0 else None)
        if entry["exponent_n_on_this_data"] is not None:
            ax.plot(entry["exponent_n_on_this_data"], y, "x", color="tab:red", ms=8,
                    label="on this data (lambda_0(n) measured)" if y == 0 else None)
    ax.set_yticks(range(len(entries)), labels, fontsize=7)
    ax.set_xlabel("exponent of n in the width")
    ax.set_title("Exponent of n: each theorem vs the empirical minimal width", fontsize=10)
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3, frameon=False)
    fig.savefig(path, dpi=120)
    plt.close(fig)


# -- pages -------------------------------------------------------------------------------


def _fmt_pow(log10_value: float | None) -> str:
    return "-" if log10_value is None else f"10^{log10_value:.1f}"


def _is_deep(summary) -> bool:
    return any("L" in r for r in summary["rows"])


def _point(row) -> str:
    return f"n = {row['n']}, L = {row['L']}" if "L" in row else f"n = {row['n']}"


def _slope(value) -> str:
    return "-" if value is None else f"{value:.2f}"


def _stated(value) -> str:
    return "not given" if value is None else str(value)


def _interval(pair) -> str:
    """An interval for a sentence; undefined (null) when too few points fix it."""
    low, high = pair if pair else (None, None)
    return "undefined" if low is None or high is None else f"{low:.2f}, {high:.2f}"


def _ratio(value) -> str:
    return "-" if value is None else f"{value:.2f}"


def tables(summary) -> tuple[Table, Table]:
    """The minimal widths per point and criterion, and each theorem's looseness.

    Public: `bounds gap` prints them in the terminal (:func:`render_text`); the Markdown and HTML
    reports render the same cells.
    """
    deep = _is_deep(summary)
    blocks = summary.get("criteria") or [{"label": "headline", "minimal_widths": summary["rows"]}]
    head = ["n"] + (["L"] if deep else []) + ["floor width"]
    for block in blocks:
        head += [f"minimal width ({block['label']})", "params / n", "per seed"]
    head += ["lambda_0", "delta"]
    body = []
    by_point = [{(w["n"], w.get("L")): w for w in block["minimal_widths"]} for block in blocks]
    for r in summary["rows"]:
        cells = [str(r["n"])] + ([str(r["L"])] if deep else []) + [str(r.get("floor_width") or "-")]
        for found in by_point:
            w = found.get((r["n"], r.get("L")))
            cells += ["not searched", "-", "-"] if w is None else [
                str(w["minimal_width"] or "not found"), _ratio(w.get("parameter_ratio")),
                ", ".join(str(x) for x in w["minimal_width_per_seed"].values())]
        cells += [f"{r['lambda_0']:.3g}" if r["lambda_0"] else "-", f"{r['delta']:.3g}" if r["delta"] else "-"]
        body.append(cells)
    loose_head = ["theorem", "confidence", "n exponent (stated)", "n exponent (this data)"]
    if deep:
        loose_head += ["L exponent (stated)", "L exponent (this data)"]
    labels = [b["label"] for b in blocks]
    lasts = {}
    for label in labels[1:]:
        searched = [r for r in summary["rows"] if (r.get("minimal_width_by_criterion") or {}).get(label)]
        if searched:
            lasts[label] = max(searched, key=lambda r: (r["n"], r.get("L", 0)))
    loose_head += [f"{_point(r)} ({labels[0]})" for r in summary["rows"]]
    loose_head += [f"{_point(row)} ({label})" for label, row in lasts.items()]
    loose_body = []
    for entry in summary["entries"]:
        differs = f" (setting differs: {entry['setting_differs']})" if entry.get("setting_differs") else ""
        cells = [entry["id"] + differs, entry["confidence"], _stated(entry["exponent_n_stated"]),
                 _slope(entry["exponent_n_on_this_data"])]
        if deep:
            cells += [_stated(entry.get("exponent_L_stated")), _slope(entry.get("exponent_L_on_this_data"))]
        cells += [_fmt_pow(r["entries"][entry["id"]].get("looseness_log10")) for r in summary["rows"]]
        for label, row in lasts.items():
            by = row["entries"][entry["id"]].get("looseness_log10_by_criterion") or {}
            cells += [_fmt_pow(by.get(label))]
        loose_body.append(cells)
    return Table(head, body), Table(loose_head, loose_body)


def render_text(summary) -> str:
    """The study's answer as terminal tables (what `bounds gap` prints)."""
    widths, looseness = tables(summary)
    out = [f"{summary['setting']}: {summary['model']}"]
    out += [f"criterion {b['criterion']}" for b in summary["criteria"]]
    out += ["", render(widths, "text"), ""] + lead_lines(summary)
    out += [line for line in [cost_sentence(summary.get("cost"))] if line]
    out += ["", "Looseness (predicted width / empirical minimal width):", render(looseness, "text")]
    out += [f"note: {note}" for note in summary.get("notes", [])]
    return "\n".join(out) + "\n"


def summary_sentence(summary) -> str:
    """The headline sentence of one criterion block (or of the summary's headline criterion)."""
    level = f"{100 * summary['confidence_level']:.0f}%"
    if summary.get("exponent_L") is not None:
        text = (f"m* ~ n^{summary['exponent']:.2f} L^{summary['exponent_L']:.2f} "
                f"({level} intervals: n [{_interval(summary['exponent_ci'])}], "
                f"L [{_interval(summary['exponent_L_ci'])}]; "
                "joint fit, ")
    else:
        text = f"m* ~ n^{summary['exponent']:.2f} ({level} interval [{_interval(summary['exponent_ci'])}], "
    text += f"{summary['ci_method']}, {summary['points']} points)."
    if summary.get("exponent_by_L"):
        text += " At each depth: " + "; ".join(
            f"L = {f['L']}: n^{f['exponent']:.2f} [{_interval(f['exponent_ci'])}]"
            for f in summary["exponent_by_L"]) + "."
    return text


def _stability_sentence(block) -> str:
    st = block.get("stability")
    if not st:
        return "no stability check was run (--no-stability)"
    point = st["point"]
    where = f"n = {point[0]}, L = {point[1]}" if isinstance(point, list) else f"n = {point}"
    if st.get("change") is None:
        return (f"stability at {where}: {block['label']} gave {st['minimal_width']}, {st['doubled']} gave "
                f"{st['minimal_width_doubled']}: not stable")
    verdict = "stable" if st["stable"] else "NOT stable"
    return (f"stability at {where}: minimal width {st['minimal_width']} under {block['label']}, "
            f"{st['minimal_width_doubled']} under {st['doubled']} (change {100 * st['change']:+.1f}%, "
            f"search resolution {st['tolerance']}{_per_seed_clause(st)}): {verdict}{_reused_clause(st)}")


def _per_seed_clause(stability) -> str:
    """The per-seed widths under both criteria, when the study kept them (older results did not)."""
    before, after = stability.get("minimal_width_per_seed"), stability.get("minimal_width_per_seed_doubled")
    if not before or not after:
        return ""
    return f"; per seed {_seed_widths(before)} -> {_seed_widths(after)}"


def _seed_widths(per_seed) -> str:
    ordered = sorted(per_seed.items(), key=lambda item: int(item[0]))
    return ", ".join("none" if width is None else str(width) for _, width in ordered)


def _reused_clause(stability) -> str:
    """What the doubled search did not train from step 0: runs reused from the first, and runs continued."""
    reused, continued = stability.get("reused_runs") or 0, stability.get("continued_runs") or 0
    parts = [f"{reused} runs of the doubled search reused endings of the first"] if reused else []
    if continued:
        parts.append(f"{continued} continued from where the first cap stopped them")
    return f" ({'; '.join(parts)})" if parts else ""


def _looseness_range(summary, label: str) -> str:
    values = []
    searched = [r for r in summary["rows"] if (r.get("minimal_width_by_criterion") or {}).get(label)]
    row = max(searched, key=lambda r: (r["n"], r.get("L", 0))) if searched else None
    if row:
        for prediction in row["entries"].values():
            value = (prediction.get("looseness_log10_by_criterion") or {}).get(label)
            if value is not None:
                values.append(value)
    if not values:
        return "no theorem gives a width here"
    return f"theorems ask for 10^{min(values):.1f} to 10^{max(values):.1f} times this width at {_point(row)}"


def _rule_text(block) -> str:
    """The criterion's sentence without its leading label."""
    return block["criterion"].removeprefix(block["label"] + ": ")


def lead_lines(summary) -> list[str]:
    """One line per criterion: its exponent with interval, its stability check and the looseness range."""
    blocks = summary.get("criteria") or []
    def sentence(text: str) -> str:
        return text[:1].upper() + text[1:]

    return [f"{b['label']}: {summary_sentence(b)} {sentence(_stability_sentence(b))}. "
            f"{sentence(_looseness_range(summary, b['label']))}." for b in blocks]


def _markdown(summary, paths: Mapping[str, Path], base: Path) -> str:
    widths, looseness = tables(summary)
    spec = summary["spec"]
    out = [
        f"# Theory-practice gap: {summary['setting']}", "",
        f"Model: {summary['model']}.", "",
        f"Data: n points on the unit sphere in d = {spec['d']} dimensions, {spec['labels']} labels "
        f"(data seed {spec['data_seed']}); "
        f"seeds {', '.join(map(str, spec['seeds']))} vary the initialisation; "
        f"step size {spec['eta']} (auto = 1 / (c lambda_max) of the model's infinite-width kernel).", "",
        "Criteria (the first is the headline):", "",
        *[f"- **{b['label']}**: {_rule_text(b)}" for b in summary.get("criteria", [])], "",
        "Results:", "",
        *[f"- {line}" for line in lead_lines(summary)], "",
        *[f"{line}\n" for line in [cost_sentence(summary.get("cost"))] if line],
        render(widths, "markdown"), "",
        f"![widths]({paths['widths_vs_n'].relative_to(base)})", "",
        "## Looseness: predicted width / empirical minimal width", "",
        "Predictions use lambda_0 and delta measured on each data set, other parameters at their defaults, "
        "hidden constants 1.", "",
        render(looseness, "markdown"), "",
        f"![looseness]({paths['looseness'].relative_to(base)})", "",
        f"![exponents]({paths['exponents'].relative_to(base)})", "",
        "## Loss curves", "",
        f"![loss curves]({paths['loss_curves'].relative_to(base)})", "",
    ]
    if summary.get("notes"):
        out += ["## Notes", ""] + [f"- {note}" for note in summary["notes"]] + [""]
    return "\n".join(out)


def _html(summary, paths: Mapping[str, Path], base: Path) -> str:
    widths, looseness = tables(summary)
    esc = html.escape

    def figure(name, caption):
        src, alt = esc(str(paths[name].relative_to(base))), esc(caption)
        return f'<figure><img src="{src}" alt="{alt}"><figcaption>{alt}</figcaption></figure>'

    spec = summary["spec"]
    notes = "".join(f"<li>{esc(n)}</li>" for n in summary.get("notes", []))
    data = (f"Data: n points on the unit sphere in d = {spec['d']} dimensions, {esc(spec['labels'])} labels "
            f"(data seed {spec['data_seed']});")
    widths_caption = ("Predicted widths (lines, one per theorem) and empirical minimal widths "
                      "(points; bars: seed range) against n.")
    measured = ("Predictions use &lambda;<sub>0</sub> and &delta; measured on each data set, "
                "other parameters at their defaults, hidden constants 1.")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Theory-practice gap: {esc(summary['setting'])}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 1200px; margin: 2em auto; line-height: 1.45; color: #222; }}
table {{ border-collapse: collapse; font-size: 0.85em; margin: 1em 0; }}
td, th {{ border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }}
td:first-child, th:first-child {{ text-align: left; }}
figure {{ margin: 1.5em 0; }} img {{ max-width: 100%; }} figcaption {{ font-size: 0.85em; color: #555; }}
.lead {{ font-size: 1.1em; font-weight: 600; }}
</style></head><body>
<h1>Theory-practice gap: {esc(summary['setting'])}</h1>
<p>Model: {esc(summary['model'])}.</p>
<p>{data}
seeds {esc(', '.join(map(str, spec['seeds'])))} vary the initialisation;
step size {esc(str(spec['eta']))} (auto = 1 / (c &lambda;<sub>max</sub>) of the model's infinite-width kernel).</p>
<p>Criteria (the first is the headline):</p>
<ul>{''.join(f"<li><b>{esc(b['label'])}</b>: {esc(_rule_text(b))}</li>" for b in summary.get("criteria", []))}</ul>
<ul class="lead">{''.join(f"<li>{esc(line)}</li>" for line in lead_lines(summary))}</ul>
{''.join(f"<p>{esc(line)}</p>" for line in [cost_sentence(summary.get("cost"))] if line)}
{render(widths, 'html')}
{figure('widths_vs_n', widths_caption)}
<h2>Looseness: predicted width / empirical minimal width</h2>
<p>{measured}</p>
{render(looseness, 'html')}
{figure('looseness', 'Looseness at the largest n (and L).')}
{figure('exponents', 'Exponent of n: stated, on this data, and empirical.')}
<h2>Loss curves</h2>
{figure('loss_curves', 'Training loss at the minimal width (solid) and the largest failed width (dashed).')}
{'<h2>Notes</h2><ul>' + notes + '</ul>' if notes else ''}
</body></html>
"""
