"""Catalogue files: every built-in one is valid, and malformed ones fail with file:line [field]."""

from __future__ import annotations

import pytest

import bounds
from bounds.errors import CatalogError
from bounds.loader import load_file, load_text
from bounds.registry import BUILTIN_DIR


def test_every_builtin_file_loads_and_ids_are_unique():
    catalog = bounds.catalog()
    assert len(catalog) == len(set(catalog.ids()))
    assert {e.paper.path for e in catalog} <= {str(p) for p in BUILTIN_DIR.glob("*.toml")}


def test_every_entry_carries_its_source():
    for entry in bounds.catalog():
        assert entry.paper.arxiv and entry.paper.arxiv_version.startswith("v")
        assert entry.label and entry.quote
        assert entry.confidence in ("quoted", "secondary", "headline", "unverified")
        if entry.confidence == "secondary":
            assert entry.confidence_source, entry.id


@pytest.mark.parametrize("name, line, field, message", [
    ("unknown_symbol.toml", 22, "theorem[0].width.expr", "unknown symbol 'rho'"),
    ("injection.toml", 22, "theorem[0].width.expr", "only plain function names may be called"),
    ("typo_field.toml", 13, "theorem[0].confidense", "unknown field 'confidense'"),
    ("syntax.toml", None, None, "invalid TOML"),
])
def test_malformed_files_name_file_line_and_field(bad_dir, name, line, field, message):
    with pytest.raises(CatalogError) as caught:
        load_file(bad_dir / name)
    error = caught.value
    assert error.path.endswith(name) and message in str(error)
    if line is not None:
        assert (error.line, error.field) == (line, field)
    else:
        assert error.line is not None


def test_width_may_use_m_only_inside_logs():
    text = (
        '[paper]\nkey = "t-2026"\nauthors = ["A"]\ntitle = "T"\nyear = 2026\narxiv = "2601.00003"\n'
        'arxiv_version = "v1"\n[[theorem]]\nslug = "t"\nlabel = "T"\nsummary = "s"\nconfidence = "quoted"\n'
        'quote = "q"\n[theorem.setting]\narchitecture = "two-layer"\nactivation = "relu"\nalgorithm = "GD"\n'
        '[theorem.width]\nexpr = "n^2 * m^(1/2)"\nbound = "Omega"\n'
    )
    with pytest.raises(CatalogError, match=r"only through log"):
        load_text(text)
    entries, _ = load_text(text.replace("m^(1/2)", "log(m)^2"))
    assert entries[0].id == "t-2026/t"


def test_secondary_needs_its_source_and_lambda0_relations_need_a_kernel():
    base = (
        '[paper]\nkey = "t-2026"\nauthors = ["A"]\ntitle = "T"\nyear = 2026\narxiv = "2601.00003"\n'
        'arxiv_version = "v1"\n'
    )
    relation = ('[[relation]]\nslug = "r"\nlabel = "Lemma 1"\nsymbol = "lambda_0"\nexpr = "delta / n"\nquote = "q"\n'
                'confidence = "quoted"\n')
    with pytest.raises(CatalogError, match="must name its kernel"):
        load_text(base + relation)
    _, relations = load_text(base + relation + 'kernel = "relu-H-inf"\n')
    assert relations[0].kernel == "relu-H-inf"
    with pytest.raises(CatalogError, match="confidence_source"):
        load_text(base + relation.replace('"quoted"', '"secondary"') + 'kernel = "k"\n')


def test_user_catalogue_joins_the_builtin_one(user_catalog):
    catalog = bounds.catalog([user_catalog])
    assert catalog.get("my-2026/thm1").paper.title == "A Toy Bound for Testing"
    assert len(catalog) == len(bounds.catalog()) + 2


def test_unknown_id_suggests_the_nearest():
    with pytest.raises(bounds.UnknownEntryError) as caught:
        bounds.get("du-zhai-poczos-singh-2019/thm4.1")
    assert "du-zhai-poczos-singh-2019/thm4.1-gd" in caught.value.suggestions
