"""How theorems and comparisons show themselves in a notebook (IPython's rich display).

Jupyter asks an object for ``_repr_html_``, ``_repr_markdown_`` or ``_repr_latex_`` before
falling back on ``repr``.  An :class:`~bounds.model.Entry` answers with a card (source,
quote, formulas, exponents) in Markdown for the screen and in LaTeX for a PDF export; the
result of :func:`bounds.compare` answers with the table `bounds compare` prints, as HTML,
with the same footnotes of what was assumed.  Everything here is built on demand from the
records the CLI uses (:func:`bounds.showing.entry_record`, :mod:`bounds.formats`), so the
notebook and the terminal cannot disagree.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .comparison import Row
    from .model import Entry

QUANTITY_NAMES = {"width": ("width", "m", "\\gtrsim"), "iterations": ("iterations", "T", "\\lesssim"),
                  "step_size": ("step size", "\\eta", "\\lesssim")}
SHORT_TEXT = 80  # characters of a bound's formula in a one-line repr


def _shorten(text: str, limit: int = SHORT_TEXT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def entry_repr(entry: Entry) -> str:
    """One line: id, theorem, paper, confidence and the width bound as written."""
    width = entry.bounds.get("width")
    bound = f"width {width.kind}({_shorten(width.text)})" if width else "width not stated"
    return (f"<Entry {entry.id}: {entry.label}, {entry.paper.short_authors} {entry.paper.year} "
            f"(arXiv {entry.arxiv}{entry.arxiv_version}), {entry.confidence}; {bound}>")


def _growth_line(exponents: Mapping[str, Any]) -> str:
    if "error" in exponents:
        return f"undetermined ({exponents['error']})"
    return ", ".join(value["growth"] for value in exponents.values() if value) or "constant"


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell or line (pipes and stray markup escaped)."""
    return html.escape(" ".join(str(text).split()), quote=False).replace("|", "\\|").replace("*", "\\*")


def entry_markdown(entry: Entry) -> str:
    """The card of `entry` in Markdown: source, quote, formulas (LaTeX) and exponents."""
    from .model import GUARANTEE_TEXT
    from .showing import entry_record
    from .tables import Cell, Table, render

    record = entry_record(entry)
    paper = entry.paper
    venue = entry.venue_of_version
    venue = venue if str(paper.year) in venue else ", ".join(part for part in (venue, str(paper.year)) if part)
    url = f"https://arxiv.org/abs/{paper.arxiv}{entry.arxiv_version}"
    out = [f"### `{entry.id}`", "",
           f"**{_md(entry.label)}** of {_md(', '.join(paper.authors))}, *{_md(paper.title)}* "
           f"({_md(venue)}; [arXiv {paper.arxiv}{entry.arxiv_version}]({url})).  ",
           f"Confidence: **{entry.confidence}**"
           + (f" ({_md(entry.confidence_source)})" if entry.confidence_source else "") + ".  ",
           f"Guarantee: {_md(GUARANTEE_TEXT.get(entry.guarantee, entry.guarantee))}; the width counts {entry.counts}."]
    if entry.disputed:
        out += ["", f"**Disputed:** {_md(entry.disputed)}"]
    out += ["", "> " + _md(entry.quote), ""]
    if record["bounds"]:
        body = []
        for quantity, bound in record["bounds"].items():
            name, symbol, _ = QUANTITY_NAMES[quantity]
            stated, effective = _growth_line(bound["exponents"]), _growth_line(bound["exponents_effective"])
            latex = bound["latex"].replace("|", "\\vert ")
            body.append([Cell(name, markdown=f"{name} ${symbol}$"), bound["bound"],
                         Cell(bound["paper_expression"].replace("|", "/"), code=True),
                         Cell(bound["latex"], markdown=f"${latex}$"), Cell(stated, markdown=_md(stated)),
                         Cell(effective, markdown=_md(effective)) if effective != stated else "same"])
        header = ["", "bound", "as written", "shared symbols", "growth", "with relations"]
        out.append(render(Table(header, body), "markdown"))
    for quantity in entry.unstated:
        out.append(f"\n{QUANTITY_NAMES[quantity][0].capitalize()}: not stated explicitly by the theorem.")
    out += ["", "Growth: each variable's leading power with the others fixed (for accuracies such as "
            "lambda_0, of 1/lambda_0); with relations: after substituting the cited relations."]
    return "\n".join(out) + "\n"


def entry_latex(entry: Entry) -> str:
    """The card of `entry` as a LaTeX fragment (for nbconvert's PDF export, or a paper)."""
    from .showing import entry_record
    from .tables import latex_escape as _latex_escape

    record = entry_record(entry)
    paper = entry.paper
    out = [f"\\paragraph{{{_latex_escape(paper.short_authors)} ({paper.year}), {_latex_escape(entry.label)}.}}",
           f"{_latex_escape(entry.summary)} (arXiv:{paper.arxiv}{entry.arxiv_version}, "
           f"confidence: {_latex_escape(entry.confidence)})~\\cite{{{paper.key}}}.",
           "\\begin{quote}", _latex_escape(" ".join(entry.quote.split())), "\\end{quote}"]
    if record["bounds"]:
        lines = [f"  {QUANTITY_NAMES[q][1]} &{QUANTITY_NAMES[q][2]} {b['paper_latex']}"
                 for q, b in record["bounds"].items()]
        out += ["\\begin{align*}", " \\\\\n".join(lines), "\\end{align*}"]
        growth = [f"{QUANTITY_NAMES[q][0]}: {_latex_escape(_growth_line(b['exponents']))}"
                  for q, b in record["bounds"].items()]
        out.append("Growth: " + "; ".join(growth) + ".")
    return "\n".join(out) + "\n"


def row_repr(row: Row) -> str:
    def lg(value):
        return "None" if value is None else f"{value:.4g}"

    return (f"Row({row.id!r}, width_log10={lg(row.width_log10)}, iterations_log10={lg(row.iterations_log10)}, "
            f"confidence={row.confidence!r})")


def rows_html(rows: Iterable[Row], caption: str = "") -> str:
    """The comparison table as HTML: the columns of `bounds compare`, assumptions as footnotes."""
    from .formats import to_html

    return to_html(list(rows), caption)


def point_caption(count: int, point: Mapping[str, Any]) -> str:
    from .numbers import fmt

    where = ", ".join(f"{name} = {fmt(value)}" for name, value in point.items())
    return f"{count} theorem{'s' if count != 1 else ''}" + (f" at {where}" if where else "")


def rows_dataframe(rows: Iterable[Row]):
    """A pandas DataFrame of the rows, indexed by theorem id (pandas is optional: the `pandas` extra)."""
    from .errors import require

    pandas = require("pandas", "to_pandas()", "pandas")
    records = [row.to_dict() for row in rows]
    frame = pandas.DataFrame.from_records(records, columns=_row_fields())
    return frame.set_index("id")


def _row_fields() -> list[str]:
    from dataclasses import fields

    from .comparison import Row

    return [f.name for f in fields(Row)]
