"""Every output format round-trips: JSON and CSV exactly, Markdown and LaTeX to the printed digits."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bounds
from bounds.comparison import Row
from bounds.formats import log10_of_scientific, read_rows, render, scientific

log_values = st.one_of(st.none(), st.floats(-400, 4000, allow_nan=False))
exponent_values = st.one_of(st.none(), st.integers(-30, 60), st.sampled_from(["exp", 1.5, 0.25]))
texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)

# CSV joins a list's items with " | ": an item holding it, or ending in " |" (which then reads as
# the separator's start), cannot be told apart from two items
list_items = texts.filter(lambda t: t and " | " not in t and not t.endswith(" |"))

rows = st.builds(
    Row,
    id=st.from_regex(r"[a-z]{2,8}-20[0-9]{2}/thm[0-9]", fullmatch=True),
    paper=texts, arxiv=st.from_regex(r"[0-9]{4}\.[0-9]{5}", fullmatch=True), arxiv_version=st.just("v1"),
    theorem=texts, confidence=st.sampled_from(["quoted", "secondary", "headline", "unverified"]),
    architecture=st.sampled_from(["two-layer", "deep-fc"]), activation=texts, algorithm=st.sampled_from(["GD", "SGD"]),
    width_bound=st.sampled_from(["Omega", "O-tilde", "headline"]),
    width_log10=log_values, iterations_log10=log_values, step_size_log10=log_values,
    width_exponent_n=exponent_values, width_exponent_L=exponent_values,
    width_polylog_n=st.one_of(st.none(), st.integers(0, 5)),
    iterations_exponent_n=exponent_values, iterations_exponent_L=exponent_values,
    iterations_polylog_n=st.one_of(st.none(), st.integers(0, 5)),
    width_exponent_n_effective=exponent_values, iterations_exponent_n_effective=exponent_values,
    assumed=st.lists(list_items, max_size=3),
    warnings=st.lists(list_items, max_size=2),
    counts=st.sampled_from(["width", "neurons", "parameters", "trained-parameters"]),
    width_in=st.sampled_from(["width", "parameters"]),
    width_stated_log10=log_values,
    conversion=texts,
    guarantee=st.sampled_from(["squared-loss", "training-loss", "training-error", "test-error"]),
    disputed=st.one_of(st.none(), texts.filter(bool)),
    venue=texts,
)


@settings(max_examples=150, deadline=None)
@given(st.lists(rows, min_size=1, max_size=5))
def test_json_and_csv_round_trip_exactly(generated):
    expected = [r.to_dict() for r in generated]
    assert read_rows(render(generated, "json"), "json") == expected
    assert read_rows(render(generated, "csv"), "csv") == expected


def _printed_close(original, parsed):
    if original is None:
        return parsed is None
    return abs(parsed - original) <= math.log10(1.006)  # three significant digits


@settings(max_examples=150, deadline=None)
@given(st.lists(rows, min_size=1, max_size=5))
def test_markdown_and_latex_round_trip_to_printed_precision(generated):
    markdown = read_rows(render(generated, "markdown"), "markdown")
    latex = read_rows(render(generated, "latex"), "latex")
    assert [r["id"] for r in markdown] == [r.id for r in generated]
    for row, md, tex in zip(generated, markdown, latex, strict=True):
        assert md["disputed"] == tex["disputed"] == bool(row.disputed)
        assert md["confidence"] == tex["confidence"] == row.confidence
        assert md["guarantee"] == row.guarantee
        for field in ("width_log10", "iterations_log10"):
            assert _printed_close(getattr(row, field), md[field])
            assert _printed_close(getattr(row, field), tex[field])


@settings(max_examples=300, deadline=None)
@given(st.floats(-5000, 5000, allow_nan=False))
def test_scientific_notation_inverts(value):
    assert abs(log10_of_scientific(scientific(value)) - value) <= math.log10(1.006)


def test_real_comparison_round_trips_through_every_format():
    real = bounds.compare(n=1000, L=10)
    expected = [r.to_dict() for r in real]
    assert read_rows(render(real, "json"), "json") == expected
    assert read_rows(render(real, "csv"), "csv") == expected
    for fmt in ("markdown", "latex"):
        back = read_rows(render(real, fmt), fmt)
        assert len(back) == len(real)
        for row, parsed in zip(real, back, strict=True):
            assert _printed_close(row.width_log10, parsed["width_log10"])


def test_json_is_strict_json():
    text = render(bounds.compare(n=1000, L=10), "json")
    json.loads(text, parse_constant=lambda name: pytest.fail(f"non-standard JSON constant {name}"))


def test_latex_is_a_booktabs_table():
    text = render(bounds.compare(n=1000, L=10), "latex")
    assert "\\toprule" in text and "\\midrule" in text and "\\bottomrule" in text
    assert text.count("\\begin{tabular}") == 1 and text.count("\\end{table}") == 1
