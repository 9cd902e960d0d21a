"""The one table renderer (bounds.tables): any cell text survives every format, and every command uses it.

Each format is read back by an independent parser (a GitHub-style cell splitter, Python's
html.parser, a brace and ampersand counter for LaTeX, column offsets for text), so a renderer
that drops, reorders or mis-escapes a cell fails here.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bounds import tables
from bounds.tables import Cell, Table, latex_escape, render

# any printable text on one line (a line break inside a cell becomes a space, checked separately)
cell_texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")), max_size=20)


@st.composite
def table_values(draw, code: bool = True):
    columns = draw(st.integers(1, 5))
    header = draw(st.lists(cell_texts, min_size=columns, max_size=columns))
    rows = draw(st.lists(st.lists(cell_texts, min_size=columns, max_size=columns), max_size=5))
    if code:
        rows = [[Cell(text, code=True) if draw(st.booleans()) else text for text in row] for row in rows]
    align = draw(st.text(st.sampled_from("lr"), max_size=columns))
    return Table(header, rows, align=align)


def _text(content) -> str:
    return content.text if isinstance(content, Cell) else content


# -- Markdown ----------------------------------------------------------------------------


def _markdown_cells(line: str) -> list[str]:
    """A table row's cells as GitHub reads them: split on unescaped pipes, then \\| is a pipe."""
    assert line.startswith("| ") and line.endswith(" |"), line
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line)[1:-1]]


def _unfence(text: str) -> str:
    match = re.fullmatch(r"(`+) ?(.*?) ?\1", text)
    return match.group(2) if match else text


@given(table_values())
@settings(max_examples=150, deadline=None)
def test_markdown_cells_round_trip(table):
    lines = render(table, "markdown").splitlines()
    assert len(lines) == 2 + len(table.rows)
    assert _markdown_cells(lines[0]) == [h.strip() for h in table.header]
    assert lines[1] == "|" + "".join("---:|" if table.alignment(i) == "r" else "---|" for i in range(len(table.header)))
    for line, row in zip(lines[2:], table.rows, strict=True):
        cells = _markdown_cells(line)
        expected = [_text(c).strip() for c in row]
        got = [_unfence(cell).strip() if isinstance(content, Cell) else cell
               for cell, content in zip(cells, row, strict=True)]
        assert got == expected


def test_markdown_escapes_pipes_and_fences_code():
    text = render(Table(["a|b", "c"], [[Cell("x|y", code=True), "`tick`"]]), "markdown")
    assert text.splitlines() == ["| a\\|b | c |", "|---|---|", "| `x\\|y` | `tick` |"]
    assert render(Table(["c"], [[Cell("a`b", code=True)]]), "markdown").splitlines()[-1] == "| `` a`b `` |"


# -- HTML --------------------------------------------------------------------------------


class _Cells(HTMLParser):
    """The text of every th/td, row by row, and the attributes of each cell."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self.styles: list[list[str]] = []
        self.cell: list[str] | None = None
        self.caption: str | None = None
        self._in_caption = False

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
            self.styles.append([])
        elif tag in ("td", "th"):
            self.cell = []
            self.styles[-1].append(dict(attrs).get("style") or "")
        elif tag == "caption":
            self._in_caption, self.caption = True, ""

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.rows[-1].append("".join(self.cell))
            self.cell = None
        elif tag == "caption":
            self._in_caption = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)
        elif self._in_caption:
            self.caption += data


@given(table_values(), cell_texts)
@settings(max_examples=150, deadline=None)
def test_html_parses_back_to_the_cell_texts(table, caption):
    table = Table(table.header, table.rows, table.align, caption=caption)
    parser = _Cells()
    parser.feed(render(table, "html"))
    parser.close()
    assert parser.rows == [list(table.header)] + [[_text(c) for c in row] for row in table.rows]
    assert parser.caption == (caption or None)
    for styles in parser.styles[1:]:
        assert [("text-align:right" in s) for s in styles] == [table.alignment(i) == "r" for i in range(len(styles))]


def test_html_code_and_background():
    text = render(Table(["id", "verdict"], [[Cell("a<b", code=True), Cell("held", background="#d8f0d8")]],
                        css_class="x&y"), "html")
    assert '<table class="x&amp;y">' in text
    assert "<td><code>a&lt;b</code></td>" in text
    assert '<td style="background:#d8f0d8">held</td>' in text


# -- LaTeX -------------------------------------------------------------------------------


def _unescaped(text: str, char: str) -> int:
    """How many times `char` occurs not preceded by a backslash escape."""
    return len(re.findall(r"(?<!\\)(?:\\\\)*" + re.escape(char), text.replace("\\textbackslash{}", "")))


def _balanced(text: str) -> bool:
    depth = 0
    for match in re.finditer(r"\\.|[{}]", text, re.DOTALL):
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


@given(table_values(), cell_texts)
@settings(max_examples=150, deadline=None)
def test_latex_braces_balance_and_every_row_has_its_ampersands(table, caption):
    table = Table(table.header, table.rows, table.align, caption=caption)
    text = render(table, "latex")
    assert _balanced(text)
    columns = len(table.header)
    row_lines = [line for line in text.splitlines() if line.endswith("\\\\")]
    assert len(row_lines) == 1 + len(table.rows)
    for line in row_lines:
        assert _unescaped(line, "&") == columns - 1, line
    assert f"\\begin{{tabular}}{{{''.join(table.alignment(i) for i in range(columns))}}}" in text
    assert ("\\begin{table}" in text) == bool(caption)


@given(cell_texts)
@settings(max_examples=200, deadline=None)
def test_latex_escape_leaves_no_special_character_bare(text):
    escaped = latex_escape(text)
    assert _balanced(escaped)
    for char in "&%$#_":
        assert _unescaped(escaped, char) == 0
    bare = re.sub(r"\\(textbackslash|textasciitilde|textless|textgreater)\{\}|\\\^\{\}|\\[&%$#_{}]", "", escaped)
    assert not set(bare) & set("\\{}~^&%$#_<>")


def test_latex_cell_source_is_used_as_is():
    text = render(Table([Cell("m ~", latex="$m\\sim$")], [[Cell("a_b", code=True)]]), "latex")
    assert "$m\\sim$ \\\\" in text and "\\texttt{a\\_b} \\\\" in text


# -- text --------------------------------------------------------------------------------


plain_texts = cell_texts.map(str.strip)


@given(st.integers(1, 5).flatmap(lambda columns: st.tuples(
    st.lists(plain_texts.filter(bool), min_size=columns, max_size=columns),
    st.lists(st.lists(plain_texts, min_size=columns, max_size=columns), max_size=5),
    st.text(st.sampled_from("lr"), max_size=columns))))
@settings(max_examples=150, deadline=None)
def test_text_columns_are_aligned(parts):
    header, rows, align = parts
    table = Table(header, rows, align=align)
    lines = render(table, "text").split("\n")
    assert len(lines) == 2 + len(rows)
    widths = [len(rule) for rule in lines[1].split("  ")]
    assert len(widths) == len(header) and set(lines[1]) <= {"-", " "}
    for line, cells in zip([lines[0]] + lines[2:], [header] + rows, strict=True):
        assert line == line.rstrip()
        start = 0
        for i, (width, cell) in enumerate(zip(widths, cells, strict=True)):
            slot = line[start:start + width].ljust(width)
            assert slot == (cell.rjust(width) if table.alignment(i) == "r" else cell.ljust(width))
            assert line[start + width:start + width + 2].strip() == ""
            start += width + 2


def test_a_line_break_in_a_cell_is_a_space_outside_html():
    table = Table(["a"], [["one\ntwo"]])
    for fmt in ("text", "markdown", "latex"):
        assert "one two" in render(table, fmt)
    assert "one\ntwo" in render(table, "html")


def test_malformed_tables_and_formats_are_refused():
    with pytest.raises(ValueError, match="row 1 has 1 cells, the header 2"):
        Table(["a", "b"], [["x"]])
    with pytest.raises(ValueError, match="alignment"):
        Table(["a"], [], align="c")
    with pytest.raises(ValueError, match="unknown table format 'rtf'"):
        render(Table(["a"]), "rtf")
    assert set(tables.TABLE_FORMATS) == {"text", "markdown", "html", "latex"}


# -- every command and report uses it -----------------------------------------------------


def _spy(monkeypatch, *modules) -> list[str]:
    """Record the format of every table rendered through `render` as bound in `modules` (default: the
    table module itself and the listing); returns the list the calls are appended to."""
    calls: list[str] = []
    real = tables.render

    def spy(table, fmt):
        calls.append(fmt)
        return real(table, fmt)

    import bounds.display
    import bounds.formats
    import bounds.listing

    for module in modules or (tables, bounds.listing):
        monkeypatch.setattr(module, "render", spy)
    return calls


@pytest.mark.parametrize("fmt, expected", [("table", "text"), ("markdown", "markdown"), ("html", "html"),
                                           ("latex", "latex")])
def test_compare_renders_through_the_table_module(monkeypatch, fmt, expected):
    import bounds
    from bounds.formats import render as render_rows

    calls = _spy(monkeypatch)
    rows = bounds.compare(n=1000, L=10)
    text = render_rows(list(rows), fmt, "a title")
    assert calls == [expected] and text.strip()


def test_compare_html_is_the_notebook_table():
    import bounds
    from bounds.display import point_caption
    from bounds.formats import render as render_rows

    rows = bounds.compare(n=1000, L=10)
    assert rows._repr_html_() == render_rows(list(rows), "html", point_caption(len(rows), rows.point))


def test_listing_renders_through_the_table_module(monkeypatch):
    from bounds.listing import render_listing
    from bounds.registry import load_catalog

    calls = _spy(monkeypatch)
    render_listing(load_catalog(()), "table")
    assert calls == ["text"]


def test_cli_compare_offers_html_and_latex():
    from click.testing import CliRunner

    from bounds.cli import main

    for fmt, marker in (("html", "<table"), ("latex", "\\begin{tabular}")):
        result = CliRunner().invoke(main, ["compare", "--n", "1000", "--L", "10", "--format", fmt])
        assert result.exit_code == 0, result.output
        assert marker in result.output


def test_gap_and_matrix_reports_render_through_the_table_module(monkeypatch):
    import json
    from pathlib import Path

    from verify import matrix
    from verify.gap import report

    calls = _spy(monkeypatch, report, matrix)
    root = Path(__file__).resolve().parents[1] / "examples"
    summary, _ = report.load_results(root / "gap-two-layer")
    paths = {name: Path("/r/figures") / f"{name}.png" for name in report.FIGURES}
    report.render_text(summary)
    report._markdown(summary, paths, Path("/r"))
    report._html(summary, paths, Path("/r"))
    document = json.loads((root / "verify-matrix" / "matrix.json").read_text())
    matrix.render_markdown(document["rows"], document["meta"])
    matrix.render_html(document["rows"], document["meta"])
    assert calls == ["text"] * 2 + ["markdown"] * 2 + ["html"] * 2 + ["markdown"] * 2 + ["html"] * 2


def test_a_caption_heads_the_text_and_markdown_tables():
    table = Table(["a"], [["1"]], caption="Widths at n = 10")
    assert render(table, "text").split("\n") == ["Widths at n = 10", "a", "-", "1"]
    assert render(table, "markdown").split("\n") == ["Widths at n = 10", "", "| a |", "|---|", "| 1 |"]


def test_catalogue_page_renders_its_tables_through_the_table_module(monkeypatch):
    import bounds.docs
    from bounds.registry import load_catalog

    calls = _spy(monkeypatch, bounds.docs)
    catalog = load_catalog(())
    page = bounds.docs.catalogue_page(catalog)
    with_symbols = sum(1 for entry in catalog if entry.parameters)
    assert calls == ["markdown"] * (1 + len(catalog) + with_symbols)  # the index, each setting, each symbol table
    assert "\\|\\|x_i\\|\\|" in page  # a norm in a setting keeps its bars, escaped
