"""`bounds bib`: BibTeX that a BibTeX parser reads, with every key the LaTeX table cites."""

from __future__ import annotations

import re

import pytest

pybtex = pytest.importorskip("pybtex.database")

import bounds  # noqa: E402
from bounds.bib import bibliography  # noqa: E402


def _parse(text: str, fmt: str = "bibtex"):
    return pybtex.parse_string(text, "bibtex")


def test_every_paper_parses_with_its_arxiv_id_title_authors_and_year():
    catalog = bounds.catalog()
    data = _parse(bibliography(catalog))
    assert set(data.entries) == {p.key for p in catalog.papers()}
    for paper in catalog.papers():
        entry = data.entries[paper.key]
        assert entry.fields["eprint"] == paper.arxiv
        assert entry.fields["year"] == str(paper.year)
        assert paper.arxiv_version in entry.fields["note"]
        assert len(entry.persons["author"]) == len(paper.authors)
        assert entry.fields["title"].strip("{}").replace("\\&", "&") == paper.title


def test_biblatex_parses_too():
    data = _parse(bibliography(bounds.catalog(), fmt="biblatex"))
    assert all("eprinttype" in e.fields and "date" in e.fields for e in data.entries.values())


def test_every_cite_key_of_the_latex_table_is_in_the_bib_file(run_cli, tmp_path):
    latex = run_cli("compare", "--n", "1000", "--L", "10", "--format", "latex").stdout
    keys = set(re.findall(r"\\cite\{([^}]+)\}", latex))
    assert len(keys) == len(bounds.catalog().papers())
    bib = tmp_path / "refs.bib"
    result = run_cli("bib", "-o", bib)
    assert result.exit_code == 0
    assert keys <= set(_parse(bib.read_text()).entries)


def test_bib_for_chosen_rows_and_bad_ids(run_cli):
    result = run_cli("bib", "zou-gu-2019/thm-gd", "du-zhai-poczos-singh-2019")
    assert set(_parse(result.stdout).entries) == {"zou-gu-2019", "du-zhai-poczos-singh-2019"}
    bad = run_cli("bib", "no-such-paper/x")
    assert bad.exit_code == 2 and "unknown theorem id" in bad.output
