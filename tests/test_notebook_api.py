"""The API in a notebook: short reprs, an entry's card, the comparison as a table and a DataFrame."""

from __future__ import annotations

import sys
from html.parser import HTMLParser

import pytest

import bounds
from bounds.comparison import Comparison, Row
from bounds.errors import MissingDependencyError
from bounds.formats import render

DU = "du-zhai-poczos-singh-2019/thm4.1-gd"


@pytest.fixture(scope="module")
def rows() -> Comparison:
    return bounds.compare(n=1000, L=10, architecture="two-layer")


def test_entry_repr_is_one_short_line():
    text = repr(bounds.get(DU))
    assert "\n" not in text and len(text) < 200
    assert text.startswith(f"<Entry {DU}: Theorem 4.1, Du et al. 2019 (arXiv 1810.02054v2), quoted;")
    assert "Omega(n^6 / (lambda_0^4 * delta^3))" in text
    assert len(repr(bounds.catalog())) < 80 and "theorems from" in repr(bounds.catalog())


def test_entry_markdown_card_has_source_quote_formulas_and_exponents():
    card = bounds.get(DU)._repr_markdown_()
    assert card.startswith(f"### `{DU}`")
    assert "*Gradient Descent Provably Optimizes Over-parameterized Neural Networks*" in card
    assert "[arXiv 1810.02054v2](https://arxiv.org/abs/1810.02054v2)" in card
    assert "\n> Theorem 4.1 (Convergence Rate of Gradient Descent)." in card  # the quote
    width_line = next(line for line in card.splitlines() if line.startswith("| width $m$"))
    cells = [c.strip() for c in width_line.strip("|").split(" | ")]
    assert cells[1:3] == ["Omega", "`n^6 / (lambda_0^4 * delta^3)`"]
    assert cells[3].startswith("$\\frac{n^{6}}")  # LaTeX for the notebook's MathJax
    assert "n: n^6" in cells[4] and "n: n^14" in cells[5]  # as stated, and through the cited relation
    assert len(width_line.split(" | ")) == 6  # no stray pipe splits a cell


def test_entry_latex_card_is_a_latex_fragment():
    card = bounds.get(DU)._repr_latex_()
    assert card.startswith("\\paragraph{Du et al. (2019), Theorem 4.1.}")
    assert "\\begin{quote}" in card and "\\end{quote}" in card
    assert "m &\\gtrsim \\frac{n^{6}}{\\delta^{3} \\lambda_0^{4}}" in card
    assert "Growth: width: n: n\\^{}6" in card
    quote = card.split("\\begin{quote}")[1].split("\\end{quote}")[0]
    assert "<" not in quote and "_" not in quote.replace("\\_", "")


def test_a_user_theorem_has_a_card_with_its_relation():
    entry = bounds.get("my-margin-2026/thm1", extra="tests/data/user_relation")
    card = entry._repr_markdown_()
    width_line = next(line for line in card.splitlines() if line.startswith("| width $m$"))
    assert "gamma: 1/gamma^2" in width_line and "n: n^2" in width_line.split(" | ")[-1]


def test_row_repr_is_short(rows):
    row = rows[DU]
    assert repr(row) == f"Row('{DU}', width_log10=60, iterations_log10=25.27, confidence='quoted')"


def test_compare_returns_a_list_of_rows_that_indexes_by_position_and_id(rows):
    assert isinstance(rows, list) and all(isinstance(row, Row) for row in rows)
    assert rows == list(rows) and len(rows) == len(list(iter(rows)))
    assert rows[0] is list(rows)[0] and rows[-1].id == list(rows)[-1].id
    head = rows[:3]
    assert isinstance(head, Comparison) and [r.id for r in head] == rows.ids()[:3] and head.point == rows.point
    assert rows[DU].width_log10 == pytest.approx(60.0)
    with pytest.raises(KeyError, match="no row for 'nope'"):
        rows["nope"]
    assert rows.point == {"n": 1000.0, "L": 10.0}
    assert render(rows, "json") == render(list(rows), "json")  # every renderer takes it as before
    assert rows.to_dicts()[0] == rows[0].to_dict()


class _Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.rows, self.caption = [], [], ""

    def handle_starttag(self, tag, attrs):
        self.stack.append(tag)
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th"):
            self.rows[-1].append("")

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        self.stack.pop()

    def handle_data(self, data):
        if "caption" in self.stack:
            self.caption += data
        elif self.stack and self.stack[-1] in ("td", "th", "code") and self.rows:
            self.rows[-1][-1] += data


def test_comparison_html_is_the_cli_table(rows):
    page = rows._repr_html_()
    parser = _Cells()
    parser.feed(page.replace("<br>", ""))
    assert not parser.stack  # every tag closed
    assert parser.caption == f"{len(rows)} theorems at n = 1000, L = 10"
    header, *body = parser.rows
    assert header[:5] == ["theorem", "arXiv", "conf.", "guarantee", "width"]
    assert [cells[0] for cells in body] == rows.ids()
    du = body[rows.ids().index(DU)]
    assert du[4] == "1.00e+60" and du[5] == "n^6"
    assert "Assumed for every row" in page or "[1]" in page


def test_to_pandas(rows):
    pytest.importorskip("pandas")
    frame = rows.to_pandas()
    assert list(frame.index) == rows.ids()
    assert frame.loc[DU, "width_log10"] == pytest.approx(60.0)
    assert frame.loc[DU, "confidence"] == "quoted" and "assumed" in frame.columns


def test_to_pandas_without_pandas_names_the_extra(rows, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(
        MissingDependencyError, match=r"^to_pandas\(\) needs pandas: pip install 'overparam-bounds\[pandas\]'$"
    ):
        rows.to_pandas()
