"""`bounds show ID`: one theorem with its source, quote, setting, formulas and exponents."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from typing import Any

from .asymptotics import exponents, leading
from .errors import BoundsError
from .model import GUARANTEE_TEXT, Entry, Relation

QUANTITY_TITLES = {"width": "Width m", "iterations": "Iterations T", "step_size": "Step size eta"}


def entry_record(entry: Entry, relations: Iterable[Relation] | None = None) -> dict[str, Any]:
    """Everything about an entry, JSON-ready."""
    from .analysis import simplify, to_latex, to_sympy

    bounds = {}
    for quantity, bound in entry.bounds.items():
        record: dict[str, Any] = {
            "bound": bound.kind,
            "paper_expression": bound.text,
            "paper_latex": to_latex(bound.paper_expr),
            "expression": str(to_sympy(bound.expr)),
            "latex": to_latex(bound.expr),
            "simplified": str(simplify(bound.expr)),
            "note": bound.note,
            "confidence": bound.confidence or entry.confidence,
            "exponents": {},
            "exponents_effective": {},
            "leading_term": {},
        }
        for effective, key in ((False, "exponents"), (True, "exponents_effective")):
            try:
                found = exponents(entry, quantity, effective=effective, relations=relations)
            except BoundsError as exc:
                record[key] = {"error": str(exc)}
                continue
            record[key] = {
                var: (None if e is None or e.growth is None else {"power": e.power, "polylog": e.polylog,
                                                                     "growth": e.describe()})
                for var, e in found.items()
            }
        for var in ("n", "L"):
            record["leading_term"][var] = str(to_sympy(leading(entry, quantity, var)))
        bounds[quantity] = record
    return {
        "id": entry.id,
        "theorem": entry.label,
        "summary": entry.summary,
        "paper": {
            "authors": list(entry.paper.authors), "title": entry.paper.title, "venue": entry.paper.venue,
            "year": entry.paper.year, "arxiv": entry.paper.arxiv, "arxiv_version": entry.paper.arxiv_version,
            "sources": list(entry.paper.sources),
        },
        "confidence": entry.confidence,
        "confidence_source": entry.confidence_source,
        "version": entry.arxiv_version,
        "venue": entry.venue_of_version,
        "counts": entry.counts,
        "guarantee": entry.guarantee,
        "guarantee_note": entry.guarantee_note,
        "disputed": entry.disputed or None,
        "size": _size_record(entry),
        "quote": entry.quote,
        "setting": dict(entry.setting),
        "parameters": {
            name: {"meaning": p.meaning, "maps_to": p.maps_to_text or None, "relation": p.relation or None,
                   "kernel": p.kernel or None}
            for name, p in entry.parameters.items()
        },
        "constants": {name: {"default": c.default, "meaning": c.meaning} for name, c in entry.constants.items()},
        "conditions": [c.text for c in entry.conditions],
        "unstated": list(entry.unstated),
        "probability": entry.probability,
        "hides": entry.hides,
        "notes": entry.notes,
        "disagreements": entry.disagreements,
        "bounds": bounds,
    }


def _size_record(entry: Entry) -> dict[str, Any]:
    """How the entry's width counts neurons and parameters (or why it cannot)."""
    from .units import NotConvertible, size_formula

    record: dict[str, Any] = {}
    for unit in ("neurons", "parameters", "trained-parameters"):
        try:
            formula = size_formula(entry, unit)
            record[unit] = {"formula": formula.text, "origin": formula.origin}
        except NotConvertible as exc:
            record[unit] = {"formula": None, "why_not": str(exc)}
    return record


def _wrap(text: str, indent: str = "  ") -> str:
    return textwrap.fill(text, width=96, initial_indent=indent, subsequent_indent=indent)


def show_pretty(entry: Entry, relations: Iterable[Relation] | None = None) -> str:
    """The plain-text page of `bounds show ID`: source, quote, setting, symbols, then each bound's forms."""
    record = entry_record(entry, relations)
    out = _pretty_source(entry, record)
    out += _pretty_setting(entry)
    for quantity in entry.unstated:
        out += ["", f"{QUANTITY_TITLES[quantity]}: not stated explicitly by the theorem"]
    for quantity, bound in record["bounds"].items():
        out += _pretty_bound(entry, quantity, bound)
    for label, text in (("Probability", entry.probability), ("Hides", entry.hides),
                        ("Conditions", "; ".join(c.text for c in entry.conditions)), ("Notes", entry.notes),
                        ("Disagreements", entry.disagreements)):
        if text:
            out.append("")
            out.append(label)
            out.append(_wrap(text))
    if entry.paper.sources:
        out.append("")
        out.append("Sources checked")
        out += [_wrap(f"- {s}") for s in entry.paper.sources]
    return "\n".join(out) + "\n"


def _pretty_source(entry: Entry, record: dict[str, Any]) -> list[str]:
    """The heading: id, paper and version, confidence, guarantee, what the width counts, dispute, and the quote."""
    paper = entry.paper
    out = [entry.id, "=" * len(entry.id)]
    out.append(f"{entry.label} of {', '.join(paper.authors)}, \"{paper.title}\"")
    venue = entry.venue_of_version
    out.append(f"{venue + ', ' if venue else ''}{paper.year}; arXiv {paper.arxiv}{entry.arxiv_version}"
               + (" (the version this statement belongs to)" if entry.version else ""))
    confidence = entry.confidence + (f" ({entry.confidence_source})" if entry.confidence_source else "")
    out.append(_wrap(f"Confidence: {confidence}", ""))
    out.append(_wrap(f"Guarantee: {GUARANTEE_TEXT.get(entry.guarantee, entry.guarantee)}"
                     + (f" ({entry.guarantee_note})" if entry.guarantee_note else ""), ""))
    sizes = record["size"]
    counted = ", ".join(f"{u} = {v['formula']}" for u, v in sizes.items() if v["formula"])
    out.append(
        _wrap(f"The width bound counts: {entry.counts}" + (f"; with m the width, {counted}" if counted else ""), "")
    )
    if entry.disputed:
        out.append(_wrap(f"DISPUTED: {entry.disputed}", ""))
    out.append("")
    out.append(_wrap(f"\"{entry.quote}\""))
    return out


def _pretty_setting(entry: Entry) -> list[str]:
    """The setting, the paper's own symbols with what they map to, and the hidden constants."""
    out = ["", "Setting"]
    for key, value in entry.setting.items():
        out.append(_wrap(f"{key}: {value}"))
    if entry.parameters:
        out.append("")
        out.append("The paper's symbols")
        for name, p in entry.parameters.items():
            mapped = f" -> {p.maps_to_text}" if p.maps_to_text else ""
            out.append(_wrap(f"{name}{mapped}: {p.meaning}"))
    if entry.constants:
        out.append("")
        out.append("Hidden constants (settable with --const)")
        for name, c in entry.constants.items():
            out.append(_wrap(f"{name} = {c.default:g}: {c.meaning}"))
    return out


def _pretty_bound(entry: Entry, quantity: str, bound: dict[str, Any]) -> list[str]:
    """One bound: as written, in shared symbols, LaTeX, growth (also through relations), leading terms, note."""
    title = QUANTITY_TITLES[quantity]
    own = entry.bounds[quantity].confidence
    out = ["", f"{title} ({bound['bound']}{', confidence ' + own if own else ''})"]
    out.append(f"  as written:      {bound['paper_expression']}")
    out.append(f"  shared symbols:  {bound['simplified']}")
    out.append(f"  LaTeX:           {bound['latex']}")
    exps = bound["exponents"]
    if "error" not in exps:
        out.append("  growth:          " + ", ".join(v["growth"] for v in exps.values() if v))
    eff = bound["exponents_effective"]
    if "error" in eff:
        out.append(f"  with relations:  {eff['error']}")
    elif eff != exps:
        out.append("  with relations:  " + ", ".join(v["growth"] for v in eff.values() if v))
    out.append(f"  leading term:    n -> oo: {bound['leading_term']['n']};  L -> oo: {bound['leading_term']['L']}")
    if bound["note"]:
        out.append(_wrap(f"note: {bound['note']}"))
    return out


def show_latex(entry: Entry, relations: Iterable[Relation] | None = None) -> str:
    from .tables import latex_escape as _latex_escape

    record = entry_record(entry, relations)
    paper = entry.paper
    out = [f"% {entry.id} ({entry.confidence})",
           f"\\paragraph{{{_latex_escape(paper.short_authors)} ({paper.year}), {_latex_escape(entry.label)}.}}",
           f"{_latex_escape(entry.summary)} (arXiv:{paper.arxiv}{entry.arxiv_version})~\\cite{{{paper.key}}}.",
           "\\begin{align*}"]
    symbols = {"width": "m", "iterations": "T", "step_size": "\\eta"}
    relation = {"width": "\\gtrsim", "iterations": "\\lesssim", "step_size": "\\lesssim"}
    lines = [f"  {symbols[q]} &{relation[q]} {b['paper_latex']}" for q, b in record["bounds"].items()]
    out.append(" \\\\\n".join(lines))
    out.append("\\end{align*}")
    return "\n".join(out) + "\n"


def show_entry(entry: Entry, fmt: str, relations: Iterable[Relation] | None = None) -> str:
    if fmt == "json":
        from .jsonio import dumps

        return dumps(entry_record(entry, relations)) + "\n"
    if fmt == "latex":
        return show_latex(entry, relations)
    return show_pretty(entry, relations)
