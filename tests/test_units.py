"""What a bound counts: the counts / guarantee / disputed fields and `compare --in UNIT`."""

from __future__ import annotations

import json
import math

import pytest

import bounds
from bounds.errors import CatalogError
from bounds.loader import load_text
from bounds.units import NotConvertible, convert, size_formula

HEAD = ('[paper]\nkey = "t-2026"\nauthors = ["A"]\ntitle = "T"\nyear = 2026\narxiv = "2601.00003"\n'
        'arxiv_version = "v1"\n[[theorem]]\nslug = "t"\nlabel = "T"\nsummary = "s"\nconfidence = "quoted"\n'
        'quote = "q"\n')


def _entry(arch: str = "two-layer", counts: str = "width", extra: str = "", size: str = "") -> bounds.Entry:
    text = (HEAD + extra + f'[theorem.setting]\narchitecture = "{arch}"\nactivation = "relu"\nalgorithm = "GD"\n'
            f'[theorem.width]\nexpr = "n^2"\nbound = "Omega"\ncounts = "{counts}"\n' + size)
    return load_text(text)[0][0]


def test_fields_load_with_defaults_and_are_checked():
    plain = load_text(HEAD + '[theorem.setting]\narchitecture = "two-layer"\nactivation = "relu"\nalgorithm = "GD"\n'
                             '[theorem.width]\nexpr = "n^2"\nbound = "Omega"\n')[0][0]
    assert (plain.counts, plain.guarantee, plain.disputed, plain.arxiv_version) == ("width", "squared-loss", "", "v1")
    entry = _entry(
        counts="parameters", extra='guarantee = "test-error"\ndisputed = "read as n^4 by X"\nversion = "v3"\n'
    )
    assert (entry.counts, entry.guarantee, entry.disputed, entry.arxiv_version) == (
        "parameters", "test-error", "read as n^4 by X", "v3")
    with pytest.raises(CatalogError, match="'bytes' is not one of"):
        _entry(counts="bytes")
    with pytest.raises(CatalogError, match="'loss' is not one of"):
        _entry(extra='guarantee = "loss"\n')
    with pytest.raises(CatalogError, match="arXiv version"):
        _entry(extra='version = "3"\n')
    with pytest.raises(CatalogError, match="only a width bound counts"):
        load_text(HEAD + '[theorem.setting]\narchitecture = "two-layer"\nactivation = "relu"\nalgorithm = "GD"\n'
                         '[theorem.width]\nexpr = "n^2"\nbound = "Omega"\n'
                         '[theorem.iterations]\nexpr = "n"\nbound = "O"\ncounts = "parameters"\n')
    with pytest.raises(CatalogError, match="expression in the width m"):
        _entry(size='[theorem.size]\nparameters = "d * n"\n')


def test_two_layer_parameters_round_trip_through_the_width():
    entry = _entry("two-layer", "parameters")
    values = {"d": 100.0, "k": 1.0, "L": None}
    width = convert(entry, 6.0, "width", values)  # 10^6 parameters = (d + k) m
    assert width.log10 == pytest.approx(6.0 - math.log10(101.0), abs=1e-9)
    assert "solved for m" in width.note and "d = 100" in width.note
    entry_w = _entry("two-layer", "width")
    back = convert(entry_w, width.log10, "parameters", values)
    assert back.log10 == pytest.approx(6.0, abs=1e-9)


def test_deep_parameters_to_width_is_a_square_root():
    entry = _entry("deep-fc", "parameters")
    values = {"d": 100.0, "k": 1.0, "L": 3.0}
    m = 10 ** convert(entry, 12.0, "width", values).log10
    assert 100 * m + 2 * m * m + m == pytest.approx(1e12, rel=1e-9)
    with pytest.raises(NotConvertible, match="--L"):
        convert(entry, 12.0, "width", {"d": 100.0, "k": 1.0, "L": None})


def test_what_cannot_be_converted_says_why():
    with pytest.raises(NotConvertible, match="no parameters count for a 'other' network"):
        convert(_entry("other"), 3.0, "parameters", {"d": 100.0, "k": 1.0, "L": 2.0})
    with pytest.raises(NotConvertible, match="which layers are trained"):
        convert(_entry("two-layer"), 3.0, "trained-parameters", {"d": 100.0, "k": 1.0, "L": 1.0})
    entry = _entry(size='[theorem.size]\ntrained = "first"\n')
    assert size_formula(entry, "trained-parameters").text == "d * m"
    assert convert(entry, 3.0, "trained-parameters", {"d": 100.0, "k": 1.0}).log10 == pytest.approx(5.0)
    own = _entry("other", size='[theorem.size]\nparameters = "7 * m^2"\n')
    assert convert(own, 2.0, "parameters", {"d": 100.0, "k": 1.0}).log10 == pytest.approx(4 + math.log10(7))


def test_compare_in_parameters_converts_or_explains_every_row(run_cli):
    result = run_cli("compare", "--n", "1000", "--L", "10", "--d", "100", "--in", "parameters", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows and all(r["width_in"] == "parameters" for r in rows)
    for row in rows:
        if row["width_stated_log10"] is None:
            continue
        if row["counts"] == "parameters":
            assert row["width_log10"] == row["width_stated_log10"] and row["conversion"] == ""
        elif row["width_log10"] is None:
            assert row["conversion"].startswith("not converted"), row["id"]
        else:
            assert row["conversion"].startswith("converted from"), row["id"]
            assert row["width_log10"] > row["width_stated_log10"]  # d m > m for every default here
    assert any(r["width_log10"] is None and r["width_stated_log10"] is not None for r in rows)
    table = run_cli("compare", "--n", "1000", "--L", "10", "--d", "100", "--in", "parameters").stdout
    assert "not converted" in table and "converted from width to parameters" in table


def test_default_unit_is_width_and_parameter_bounds_are_converted_into_it():
    rows = bounds.compare(n=1000, L=10)
    assert all(r.width_in == "width" for r in rows)
    counted = [r for r in rows if r.counts != "width" and r.width_stated_log10 is not None]
    assert counted, "the catalogue has bounds that count parameters or neurons"
    for row in counted:
        assert row.conversion, row.id


def test_every_row_carries_counts_guarantee_confidence_and_disputes(run_cli):
    rows = json.loads(run_cli("compare", "--n", "1000", "--L", "10", "--format", "json").stdout)
    for row in rows:
        assert row["counts"] in ("width", "neurons", "parameters", "trained-parameters")
        assert row["guarantee"] in ("squared-loss", "training-loss", "training-error", "test-error", "margin")
        assert row["confidence"] in ("quoted", "secondary", "headline", "unverified")
        assert "disputed" in row
    disputed = [r for r in rows if r["disputed"]]
    assert "song-yang-2019/headline-quadratic" in {r["id"] for r in disputed}
    table = run_cli("compare", "--n", "1000", "--L", "10").stdout
    assert "(disputed)" in table and "disputed: " in table
    for fmt in ("markdown", "latex"):
        assert "(disputed)" in run_cli("compare", "--n", "1000", "--L", "10", "--format", fmt).stdout


def test_guarantee_and_counts_filters(run_cli):
    rows = json.loads(
        run_cli("compare", "--n", "1000", "--L", "10", "--guarantee", "test-error", "--format", "json").stdout
    )
    assert rows and all(r["guarantee"] == "test-error" for r in rows)
    rows = json.loads(
        run_cli("compare", "--n", "1000", "--L", "10", "--counts", "parameters", "--format", "json").stdout
    )
    assert rows and all(r["counts"] == "parameters" for r in rows)
    bad = run_cli("compare", "--n", "1000", "--in", "bytes")
    assert bad.exit_code == 2


def test_a_one_wide_layer_network_is_not_counted_from_its_width():
    row = bounds.compare(n=1000, L=10, ids=["nguyen-mondelli-2020/thm3.2-sec3.1-linear-width"], unit="parameters")[0]
    assert row.width_log10 is None and "count is unknown" in row.conversion


def test_allen_zhu_trained_parameters_are_the_hidden_layers():
    row = bounds.compare(n=1000, L=10, ids=["allen-zhu-li-song-2019/thm1-gd"], unit="trained-parameters")[0]
    assert row.width_log10 == pytest.approx(2 * row.width_stated_log10 + 1.0, abs=1e-9)  # L m^2 with L = 10


def test_a_count_that_vanishes_is_not_converted_and_json_stays_strict(run_cli):
    # hidden-layer parameters (L - 1) m^2 vanish for one hidden layer
    entry = _entry("deep-fc", size='[theorem.size]\ntrained = "hidden"\n')
    with pytest.raises(NotConvertible, match="not positive"):
        convert(entry, 3.0, "trained-parameters", {"d": 100.0, "k": 1.0, "L": 1.0})
    result = run_cli("compare", "--n", "1000", "--L", "1", "--in", "trained-parameters", "--format", "json")
    assert result.exit_code == 0 and "NaN" not in result.stdout and "Infinity" not in result.stdout
