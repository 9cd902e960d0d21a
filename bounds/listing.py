"""`bounds list`: the catalogue as a table (laid out by :mod:`bounds.tables`), JSON or CSV."""

from __future__ import annotations

import csv
import io

from .registry import Catalog
from .tables import Table, render

LIST_FIELDS = ("id", "arxiv", "arxiv_version", "theorem", "confidence", "architecture", "activation",
               "algorithm", "summary", "paper", "counts", "guarantee", "disputed")


TABLE_LIMITS = {"theorem": 28, "activation": 16}


def _clip(text: str, limit: int | None) -> str:
    """Shorten long descriptions for the terminal table (JSON and CSV keep them whole)."""
    text = text.split(":")[0].split(" (")[0] if limit else text
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def listing_records(catalog: Catalog) -> list[dict[str, str]]:
    return [
        {
            "id": e.id, "arxiv": e.paper.arxiv, "arxiv_version": e.arxiv_version, "theorem": e.label,
            "confidence": e.confidence, "architecture": e.architecture, "activation": e.activation,
            "algorithm": e.algorithm, "summary": e.summary, "paper": e.paper.citation,
            "counts": e.counts, "guarantee": e.guarantee, "disputed": e.disputed,
        }
        for e in catalog
    ]


def render_listing(catalog: Catalog, fmt: str) -> str:
    records = listing_records(catalog)
    if fmt == "json":
        from .jsonio import dumps

        return dumps(records) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=LIST_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
        return out.getvalue()
    columns = ("id", "theorem", "confidence", "architecture", "activation", "algorithm", "counts", "guarantee")
    records = [{**{c: _clip(r[c], TABLE_LIMITS.get(c)) for c in columns},
                "confidence": r["confidence"] + (" (disputed)" if r["disputed"] else "")} for r in records]
    lines = [render(Table(list(columns), [[r[c] for c in columns] for r in records]), "text")]
    papers = len({r["id"].split("/")[0] for r in records})
    lines.append(f"\n{len(records)} theorem(s) from {papers} paper(s)")
    return "\n".join(lines) + "\n"
