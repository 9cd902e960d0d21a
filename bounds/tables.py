"""The one table renderer: a :class:`Table` value, written as aligned text, Markdown, HTML or LaTeX.

Every table the project prints or writes (``bounds compare``, ``bounds list``, ``bounds gap``,
the gap report, the verdict matrix, a comparison in a notebook) is built as a :class:`Table`
and rendered here, so that escaping and layout are decided once:

* ``text``: columns padded to their widest cell (left or right aligned), two spaces apart,
  a dashed rule under the header, trailing blanks stripped;
* ``markdown``: a GitHub table, ``|`` in a cell escaped as ``\\|``;
* ``html``: ``<table>`` with ``<thead>`` and ``<tbody>``, every text through :func:`html.escape`;
* ``latex``: a booktabs ``tabular`` (``\\usepackage{booktabs}``), the ten special characters
  ``& % $ # _ { } ~ ^ \\`` escaped; with a caption, inside a ``table`` float.

A cell is plain text, or a :class:`Cell` when it is code (an id: backticks, ``<code>``,
``\\texttt``), has a background colour (HTML), or carries its own LaTeX or Markdown source
(a formula, a citation) to be used as is in that format.  A line break inside a cell becomes a
space in every format but HTML, where a table cell may hold one.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

TABLE_FORMATS = ("text", "markdown", "html", "latex")
ALIGNMENTS = "lr"

# The ten special characters, and < and >, which LaTeX's default text fonts print as other glyphs.
LATEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                 "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\^{}",
                 "<": r"\textless{}", ">": r"\textgreater{}"}


@dataclass(frozen=True)
class Cell:
    """One cell with more than its text: code, a background colour, or its own LaTeX/Markdown source."""

    text: str
    code: bool = False
    background: str | None = None  # an HTML colour; the other formats have none
    latex: str | None = None  # LaTeX source used as is (math, \cite); default: the text, escaped
    markdown: str | None = None  # Markdown source used as is; default: the text, escaped


Content = str | Cell


@dataclass(frozen=True)
class Table:
    """A header, rows of cells (as many as the header), one alignment letter per column and a caption.

    `align` holds ``l`` or ``r`` per column; columns it does not reach are left aligned.
    `css_class` is the HTML table's class (for a page's stylesheet).
    """

    header: Sequence[Content]
    rows: Sequence[Sequence[Content]] = field(default_factory=list)
    align: str = ""
    caption: str = ""
    css_class: str = ""

    def __post_init__(self) -> None:
        columns = len(self.header)
        for number, row in enumerate(self.rows, start=1):
            if len(row) != columns:
                raise ValueError(f"table row {number} has {len(row)} cells, the header {columns}")
        if len(self.align) > columns or any(a not in ALIGNMENTS for a in self.align):
            raise ValueError(f"table alignment {self.align!r}: at most {columns} letters, each l or r")

    def alignment(self, column: int) -> str:
        return self.align[column] if column < len(self.align) else "l"


def render(table: Table, fmt: str) -> str:
    """`table` in one of TABLE_FORMATS, without a final newline."""
    try:
        writer = _WRITERS[fmt]
    except KeyError:
        raise ValueError(f"unknown table format {fmt!r}; choose from {', '.join(TABLE_FORMATS)}") from None
    return writer(table)


def _cell(content: Content) -> Cell:
    return content if isinstance(content, Cell) else Cell(str(content))


def _one_line(text: str) -> str:
    return " ".join(text.splitlines())


# -- text --------------------------------------------------------------------------------


def to_text(table: Table) -> str:
    header = [_one_line(_cell(c).text) for c in table.header]
    body = [[_one_line(_cell(c).text) for c in row] for row in table.rows]
    widths = [max([len(h)] + [len(row[i]) for row in body]) for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if table.alignment(i) == "r" else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    lines = [table.caption] if table.caption else []
    lines += [line(header), line(["-" * w for w in widths])]
    lines += [line(row) for row in body]
    return "\n".join(lines)


# -- Markdown ----------------------------------------------------------------------------


def markdown_escape(text: str) -> str:
    """Text safe inside a Markdown table cell: pipes escaped, line breaks as spaces."""
    return _one_line(text).replace("|", "\\|")


def _markdown_cell(content: Content) -> str:
    cell = _cell(content)
    if cell.markdown is not None:
        return cell.markdown
    text = markdown_escape(cell.text)
    if not cell.code:
        return text
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def to_markdown(table: Table) -> str:
    rule = "".join("---:|" if table.alignment(i) == "r" else "---|" for i in range(len(table.header)))
    lines = [f"{table.caption}", ""] if table.caption else []
    lines += ["| " + " | ".join(_markdown_cell(c) for c in table.header) + " |", "|" + rule]
    lines += ["| " + " | ".join(_markdown_cell(c) for c in row) + " |" for row in table.rows]
    return "\n".join(lines)


# -- HTML --------------------------------------------------------------------------------


def _html_cell(content: Content, tag: str, right: bool) -> str:
    cell = _cell(content)
    text = html.escape(cell.text)
    if cell.code:
        text = f"<code>{text}</code>"
    style = ";".join(part for part in ("text-align:right" if right else "",
                                       f"background:{html.escape(cell.background)}" if cell.background else "") if part)
    return f"<{tag} style=\"{style}\">{text}</{tag}>" if style else f"<{tag}>{text}</{tag}>"


def to_html(table: Table) -> str:
    opening = f"<table class=\"{html.escape(table.css_class)}\">" if table.css_class else "<table>"
    lines = [opening]
    if table.caption:
        lines.append(f"<caption>{html.escape(table.caption)}</caption>")
    lines.append("<thead><tr>" + "".join(_html_cell(c, "th", False) for c in table.header) + "</tr></thead><tbody>")
    for row in table.rows:
        cells = "".join(_html_cell(c, "td", table.alignment(i) == "r") for i, c in enumerate(row))
        lines.append("<tr>" + cells + "</tr>")
    lines.append("</tbody></table>")
    return "\n".join(lines)


# -- LaTeX -------------------------------------------------------------------------------


def latex_escape(text: str) -> str:
    """Text safe in LaTeX's text mode: the ten special characters and < > spelled out, line breaks as spaces."""
    return "".join(LATEX_SPECIAL.get(ch, ch) for ch in _one_line(text))


def _latex_cell(content: Content) -> str:
    cell = _cell(content)
    if cell.latex is not None:
        return cell.latex
    return f"\\texttt{{{latex_escape(cell.text)}}}" if cell.code else latex_escape(cell.text)


def to_latex(table: Table) -> str:
    spec = "".join(table.alignment(i) for i in range(len(table.header)))
    lines = [f"\\begin{{tabular}}{{{spec}}}", "\\toprule",
             " & ".join(_latex_cell(c) for c in table.header) + " \\\\", "\\midrule"]
    lines += [" & ".join(_latex_cell(c) for c in row) + " \\\\" for row in table.rows]
    lines += ["\\bottomrule", "\\end{tabular}"]
    if table.caption:
        lines = ["\\begin{table}[t]", "\\centering", "\\small", *lines,
                 f"\\caption{{{latex_escape(table.caption)}}}", "\\end{table}"]
    return "\n".join(lines)


_WRITERS = {"text": to_text, "markdown": to_markdown, "html": to_html, "latex": to_latex}
