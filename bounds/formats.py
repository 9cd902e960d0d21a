"""Render comparison rows as a terminal table, JSON, CSV, Markdown, HTML or a LaTeX booktabs
table, and read every one of them back (all but HTML).

The tables are laid out and escaped by :mod:`bounds.tables`; this module decides their columns
and footnotes.

Numbers are carried as log10 values (a width of 10^400 is ordinary here); the human formats
print them in scientific notation from the logarithm, never through a float that could
overflow.  JSON and CSV keep full precision; Markdown and LaTeX keep three significant
digits, and their readers return what was printed.
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
import re
from dataclasses import fields
from typing import Any

from . import tables
from .comparison import Row
from .tables import Cell, Table
from .tables import latex_escape as _latex_escape

FORMATS = ("table", "json", "csv", "markdown", "html", "latex")
ROW_FIELDS = [f.name for f in fields(Row)]
LIST_FIELDS = ("assumed", "warnings")
LIST_SEPARATOR = " | "
NUMBER_FIELDS = ("width_log10", "iterations_log10", "step_size_log10", "width_stated_log10")
OPTIONAL_TEXT_FIELDS = ("disputed",)  # None in a row, empty in CSV
GUARANTEE_ABBREV = {"squared-loss": "sq. loss", "training-loss": "train loss", "training-error": "train err",
                    "test-error": "test err", "margin": "margin"}
UNIT_ABBREV = {"width": "width", "neurons": "neurons", "parameters": "params", "trained-parameters": "trained params"}
DISPUTED_MARK = " (disputed)"
EXPONENT_FIELDS = (
    "width_exponent_n", "width_exponent_L", "width_polylog_n", "iterations_exponent_n",
    "iterations_exponent_L", "iterations_polylog_n", "width_exponent_n_effective",
    "iterations_exponent_n_effective",
)
CONFIDENCE_ABBREV = {"quoted": "quoted", "secondary": "second.", "headline": "headline", "unverified": "unverif."}


# -- numbers -----------------------------------------------------------------------------


def scientific(log10_value: float | None, digits: int = 3) -> str:
    """'1.23e+60' from log10 = 60.09; '' for None."""
    if log10_value is None:
        return ""
    if math.isnan(log10_value):
        return "nan"
    if math.isinf(log10_value):
        return "inf" if log10_value > 0 else "0"
    exponent = math.floor(log10_value)
    mantissa = 10 ** (log10_value - exponent)
    if round(mantissa, digits - 1) >= 10:
        exponent += 1
        mantissa /= 10
    return f"{mantissa:.{digits - 1}f}e{exponent:+03d}"


def log10_of_scientific(text: str) -> float | None:
    """Inverse of :func:`scientific` (as printed, so to its precision)."""
    text = text.strip()
    if not text or text in ("-", "--", "—", "undefined", "not stated", "not converted"):
        return None
    match = re.fullmatch(r"([0-9.]+)e([+-]\d+)", text)
    if not match:
        match = re.fullmatch(r"\$?([0-9.]+)\\times\s*10\^\{(-?\d+)\}\$?", text)
    if not match:
        raise ValueError(f"not a number in scientific notation: {text!r}")
    return math.log10(float(match.group(1))) + int(match.group(2))


def growth_text(power, logs=None, L_power=None, latex: bool = False) -> str:
    """'n^24 L^12 log^5' style summary of the leading growth."""
    if power is None and L_power is None:
        return "?"
    parts = []
    for var, value in (("n", power), ("L", L_power)):
        if value == 0:
            continue
        if value is None:
            parts.append(f"{var}^{{?}}" if latex else f"{var}^?")
            continue
        if value == "exp":
            parts.append(f"e^{{{var}}}" if latex else f"exp({var})")
        elif value == 1:
            parts.append(var)
        else:
            parts.append(f"{var}^{{{_num(value)}}}" if latex else f"{var}^{_num(value)}")
    if logs not in (None, 0):
        if latex:
            parts.append("\\log n" if logs == 1 else f"\\log^{{{_num(logs)}}} n")
        else:
            parts.append("log n" if logs == 1 else f"log^{_num(logs)} n")
    if not parts:
        return "1"
    return (" " if latex else " ").join(parts)


def _num(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# -- writers -----------------------------------------------------------------------------


def render(rows: list[Row], fmt: str, title: str = "") -> str:
    """The rows in the chosen format (one of FORMATS)."""
    if fmt == "json":
        from .jsonio import dumps

        return dumps([row.to_dict() for row in rows]) + "\n"
    if fmt == "csv":
        return to_csv(rows)
    if fmt == "markdown":
        return to_markdown(rows)
    if fmt == "html":
        return to_html(rows, title)
    if fmt == "latex":
        return to_latex(rows, title)
    if fmt == "table":
        return to_table(rows)
    raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")


def to_csv(rows: list[Row]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=ROW_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        record = row.to_dict()
        for key in LIST_FIELDS:
            record[key] = LIST_SEPARATOR.join(record[key])
        for key in NUMBER_FIELDS:
            record[key] = "" if record[key] is None else repr(record[key])
        for key in EXPONENT_FIELDS + OPTIONAL_TEXT_FIELDS:
            record[key] = "" if record[key] is None else record[key]
        writer.writerow(record)
    return out.getvalue()


def _footnotes(rows: list[Row]) -> tuple[list[str], list[list[int]], list[str]]:
    """Assumptions shared by every row, then per-row footnote numbers and their texts."""
    notes_per_row = [row.assumed + [f"warning: {w}" for w in row.warnings]
                     + ([row.conversion] if row.conversion else [])
                     + ([f"disputed: {row.disputed}"] if row.disputed else []) for row in rows]
    common = [a for a in notes_per_row[0] if all(a in notes for notes in notes_per_row)] if rows else []
    texts: list[str] = []
    marks: list[list[int]] = []
    for notes in notes_per_row:
        mine = []
        for note in notes:
            if note in common:
                continue
            if note not in texts:
                texts.append(note)
            mine.append(texts.index(note) + 1)
        marks.append(mine)
    return common, marks, texts


def _growth_cell(row: Row, quantity: str, latex: bool = False) -> str:
    """Leading growth of one bound in n and L, '-' where the theorem states no such bound."""
    if quantity == "width" and row.width_bound == "unstated":
        return "-"
    if quantity == "iterations" and row.iterations_log10 is None and row.iterations_exponent_n is None:
        return "--" if latex else "-"
    text = growth_text(getattr(row, f"{quantity}_exponent_n"), getattr(row, f"{quantity}_polylog_n"),
                       getattr(row, f"{quantity}_exponent_L"), latex=latex)
    if quantity == "width" and row.width_bound == "poly":
        text = f"poly: {text}" if not latex else f"\\mathrm{{poly}}: {text}"
    tag = ""
    if quantity == "width" and row.counts != row.width_in:
        # the exponents are those of the bound as stated, in its own unit
        tag = f" [{UNIT_ABBREV.get(row.counts, row.counts)}]"
    return f"${text}$" + (f" {tag.strip()}" if tag else "") if latex else text + tag


def _confidence_cell(row: Row, abbreviate: bool = False) -> str:
    text = CONFIDENCE_ABBREV.get(row.confidence, row.confidence) if abbreviate else row.confidence
    return text + (DISPUTED_MARK if row.disputed else "")


def _strip_disputed(text: str) -> str:
    return text[: -len(DISPUTED_MARK)] if text.endswith(DISPUTED_MARK) else text


def _unit_title(rows: list[Row]) -> str:
    units = {row.width_in for row in rows}
    return "width" if not units or units == {"width"} else "/".join(sorted(units))


def _width_cell(row: Row) -> str:
    if row.width_bound == "unstated":
        return "not stated"
    if row.width_log10 is None and row.counts != row.width_in and row.width_stated_log10 is not None:
        return "not converted"
    return scientific(row.width_log10) or "undefined"


_TABLE_HEADER = ["theorem", "arXiv", "conf.", "guarantee", "width", "width ~", "iterations", "iterations ~", "notes"]
_TABLE_ALIGN = "llllrlrll"


def _table_value(rows: list[Row], marks: list[list[int]], caption: str = "") -> Table:
    """The columns of the terminal table (and of its HTML twin in a notebook)."""
    header = [_unit_title(rows) if h == "width" else h for h in _TABLE_HEADER]
    body = [[
        Cell(row.id, code=True),
        row.arxiv + row.arxiv_version,
        _confidence_cell(row, abbreviate=True),
        GUARANTEE_ABBREV.get(row.guarantee, row.guarantee),
        _width_cell(row),
        _growth_cell(row, "width"),
        scientific(row.iterations_log10) or "-",
        _growth_cell(row, "iterations"),
        ",".join(str(i) for i in mine),
    ] for row, mine in zip(rows, marks, strict=True)]
    return Table(header, body, align=_TABLE_ALIGN, caption=caption, css_class="bounds-comparison")


def to_table(rows: list[Row]) -> str:
    """A terminal table with assumptions as footnotes."""
    common, marks, texts = _footnotes(rows)
    out = [tables.render(_table_value(rows, marks), "text")]
    out.append("")
    out.append("Exponents: leading growth with the data parameters (delta, lambda_0, eps, ...) held fixed;"
               " [params] etc.: of the bound as stated, in its own unit.")
    out.append(_legend(rows))
    if common:
        out.append("Assumed for every row: " + "; ".join(common))
    for i, text in enumerate(texts, start=1):
        out.append(f"[{i}] {text}")
    return "\n".join(out) + "\n"


def _legend(rows: list[Row]) -> str:
    """One line on what the width column counts and what each row guarantees."""
    unit = _unit_title(rows)
    text = f"Width column: {unit}" + ("" if unit == "width" else " (converted where the theorem counts otherwise)")
    text += ("; guarantee: what the theorem promises (sq. loss: squared loss at most eps;"
             " train loss: another training loss;")
    text += " train err: training error; test err: test error / excess risk)"
    if any(row.disputed for row in rows):
        text += "; (disputed): later sources read the result differently, see its footnote"
    return text + "."


_MD_HEADER = ["theorem", "arXiv", "label", "confidence", "guarantee", "width", "width ~", "iterations",
              "iterations ~", "notes"]


def to_markdown(rows: list[Row]) -> str:
    common, marks, texts = _footnotes(rows)
    header = [_unit_title(rows) if h == "width" else h for h in _MD_HEADER]
    body = [[
        Cell(row.id, code=True), row.arxiv + row.arxiv_version, row.theorem, _confidence_cell(row),
        row.guarantee,
        _width_cell(row),
        _growth_cell(row, "width"),
        scientific(row.iterations_log10) or "-",
        _growth_cell(row, "iterations"),
        " ".join(f"[{i}]" for i in mine),
    ] for row, mine in zip(rows, marks, strict=True)]
    out = [tables.render(Table(header, body), "markdown")]
    out.append("")
    out.append(_legend(rows).replace("|", "\\|"))
    out.append("")
    if common:
        out.append("Assumed for every row: " + "; ".join(common).replace("|", "\\|"))
        out.append("")
    for i, text in enumerate(texts, start=1):
        out.append(f"[{i}]: {text}".replace("|", "\\|"))
    return "\n".join(out) + "\n"


def latex_number(log10_value: float | None) -> str:
    if log10_value is None:
        return "--"
    text = scientific(log10_value)
    if text in ("nan", "inf", "0"):
        return text
    mantissa, exponent = text.split("e")
    return f"${mantissa}\\times 10^{{{int(exponent)}}}$"


def cite_key(entry_id: str) -> str:
    """The BibTeX key of the paper behind a row: its catalogue key (see bounds.bib)."""
    return entry_id.split("/", 1)[0]


def _latex_width(row: Row) -> str:
    if row.width_bound == "unstated":
        return "not stated"
    if _width_cell(row) == "not converted":
        return "not converted"
    return latex_number(row.width_log10)


def to_latex(rows: list[Row], title: str = "") -> str:
    """A booktabs table for a related-work section (needs \\usepackage{booktabs})."""
    common, marks, texts = _footnotes(rows)
    header = ["Paper", "arXiv", "Result", "Conf.", "Guarantee", _unit_title(rows).capitalize(),
              Cell("m ~", latex="$m\\sim$"), "Iterations", Cell("T ~", latex="$T\\sim$")]
    body = []
    for row, mine in zip(rows, marks, strict=True):
        marker = f"$^{{{','.join(str(i) for i in mine)}}}$" if mine else ""
        paper = row.paper.split(" (arXiv")[0]
        body.append([
            Cell(paper, latex=_latex_escape(paper) + f"~\\cite{{{cite_key(row.id)}}}" + marker),
            row.arxiv + row.arxiv_version,
            row.theorem,
            _confidence_cell(row),
            GUARANTEE_ABBREV.get(row.guarantee, row.guarantee),
            Cell(_width_cell(row), latex=_latex_width(row)),
            Cell(_growth_cell(row, "width"), latex=_growth_cell(row, "width", latex=True)),
            Cell(scientific(row.iterations_log10) or "-", latex=latex_number(row.iterations_log10)),
            Cell(_growth_cell(row, "iterations"), latex=_growth_cell(row, "iterations", latex=True)),
        ])
    caption = (title or "Width and iteration requirements, hidden constants set to 1.") + " " + _legend(rows)
    if common:
        caption += " Assumed: " + "; ".join(common) + "."
    for i, text in enumerate(texts, start=1):
        caption += f" ({i}) {text}."
    table = Table(header, body, align="lllllrlrl", caption=caption)
    return ("% Generated by `bounds compare --format latex`; requires \\usepackage{booktabs}.\n"
            + tables.render(table, "latex") + "\n")


def to_html(rows: list[Row], caption: str = "") -> str:
    """The terminal table's columns as HTML, the legend and footnotes in a paragraph below."""
    common, marks, texts = _footnotes(rows)
    notes = [html.escape(_legend(rows))]
    if common:
        notes.append("Assumed for every row: " + html.escape("; ".join(common)))
    notes += [f"[{i}] {html.escape(text)}" for i, text in enumerate(texts, start=1)]
    return (tables.render(_table_value(rows, marks, caption), "html")
            + "\n<p style=\"font-size:smaller\">" + "<br>".join(notes) + "</p>\n")


# -- readers -----------------------------------------------------------------------------


def read_json(text: str) -> list[dict[str, Any]]:
    data = json.loads(text)
    if not isinstance(data, list):
        raise ValueError("expected a JSON list of rows")
    return data


def _exponent_value(text: str):
    if text == "":
        return None
    if text == "exp":
        return "exp"
    value = float(text)
    return int(value) if value.is_integer() and "." not in text else value


def read_csv(text: str) -> list[dict[str, Any]]:
    rows = []
    for record in csv.DictReader(io.StringIO(text)):
        row: dict[str, Any] = dict(record)
        for key in NUMBER_FIELDS:
            row[key] = float(record[key]) if record[key] else None
        for key in EXPONENT_FIELDS:
            row[key] = _exponent_value(record[key])
        for key in OPTIONAL_TEXT_FIELDS:
            row[key] = record[key] or None
        for key in LIST_FIELDS:
            row[key] = record[key].split(LIST_SEPARATOR) if record[key] else []
        rows.append(row)
    return rows


def read_markdown(text: str) -> list[dict[str, Any]]:
    """Rows of a Markdown table written by :func:`to_markdown` (ids and printed numbers)."""
    rows = []
    for line in text.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        record = dict(zip(_MD_HEADER, cells, strict=True))
        rows.append({
            "id": record["theorem"].strip("`"),
            "arxiv": record["arXiv"],
            "confidence": _strip_disputed(record["confidence"]),
            "disputed": record["confidence"].endswith(DISPUTED_MARK),
            "guarantee": record["guarantee"],
            "width_log10": log10_of_scientific(record["width"]),
            "iterations_log10": log10_of_scientific(record["iterations"]),
        })
    return rows


def read_latex(text: str) -> list[dict[str, Any]]:
    """Printed widths and iterations of a table written by :func:`to_latex`, in row order."""
    rows = []
    for line in text.splitlines():
        if not line.endswith("\\\\") or line.startswith("Paper") or "&" not in line:
            continue
        cells = [c.strip() for c in line[:-2].split(" & ")]
        cite = re.search(r"\\cite\{([^}]*)\}", cells[0])
        rows.append({
            "arxiv": cells[1].replace("\\_", "_"),
            "cite": cite.group(1) if cite else None,
            "confidence": _strip_disputed(cells[3]),
            "disputed": cells[3].endswith(DISPUTED_MARK),
            "width_log10": log10_of_scientific(cells[5]),
            "iterations_log10": log10_of_scientific(cells[7]),
        })
    return rows


READERS = {"json": read_json, "csv": read_csv, "markdown": read_markdown, "latex": read_latex}


def read_rows(text: str, fmt: str) -> list[dict[str, Any]]:
    """Parse rows back from any machine-readable format this module writes."""
    if fmt not in READERS:
        raise ValueError(f"cannot read format {fmt!r}; readable: {', '.join(READERS)}")
    return READERS[fmt](text)
