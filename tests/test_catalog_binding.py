"""Evaluation, exponents and crossovers go through the catalogue an entry was loaded from.

The user theorem in tests/data/user_relation has width 1/gamma^2 with gamma supplied by the
file's own [[relation]] gamma = 1/n: 10^6 at n = 1000.  Falling back on gamma's shared default
(0.1) would give 10^2, which is what `entry.evaluate` returned before entries knew their
catalogue.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pytest

import bounds
from bounds.errors import ParameterError
from bounds.loader import load_file

DATA = Path(__file__).parent / "data"
RELATION_FILE = DATA / "user_relation" / "my-margin-2026.toml"
ID = "my-margin-2026/thm1"
DU = "du-zhai-poczos-singh-2019/thm4.1-gd"


def _via_relation(assumed: list[str]) -> bool:
    return any(note.startswith("gamma = 0.001 via") and "my-margin-2026/margin-via-n" in note for note in assumed)


def test_entry_evaluate_and_compare_agree_on_a_user_relation():
    entry = bounds.get(ID, extra=RELATION_FILE)
    alone = entry.evaluate(n=1000)
    row, = bounds.compare(n=1000, catalog_paths=[RELATION_FILE], ids=[ID])
    assert alone.width_log10 == pytest.approx(6.0) and row.width_log10 == pytest.approx(alone.width_log10)
    assert alone.iterations_log10 == pytest.approx(row.iterations_log10)
    assert _via_relation(alone.assumed) and _via_relation(row.assumed)
    assert not any("(default)" in note and note.startswith("gamma") for note in alone.assumed)


def test_every_way_of_loading_the_entry_uses_its_relation():
    catalog = bounds.catalog(RELATION_FILE)
    from_catalog = catalog.get(ID)
    from_filter = catalog.filter(ids=[ID]).get(ID)
    from_file = load_file(RELATION_FILE)[0][0]  # a file read alone is its own catalogue
    for entry in (from_catalog, from_filter, from_file):
        assert entry.evaluate(n=1000).width_log10 == pytest.approx(6.0)
    assert bounds.compare(n=1000, catalog=catalog, ids=ID)[0].width_log10 == pytest.approx(6.0)


def test_effective_exponents_use_the_user_relation():
    entry = bounds.get(ID, extra=RELATION_FILE)
    assert entry.exponents("width")["n"].power == 0  # as stated: 1/gamma^2 does not involve n
    assert entry.exponents("width", effective=True)["n"].power == 2  # gamma = 1/n
    assert entry.exponents("iterations", effective=True)["n"].power == 2
    row, = bounds.compare(n=1000, catalog_paths=[RELATION_FILE], ids=[ID])
    assert row.width_exponent_n_effective == 2


def test_crossover_uses_the_user_relation():
    """n^2 (through the relation) meets 1000 n at n = 1000; with gamma = 0.1 they would never cross."""
    found = bounds.crossover(ID, "my-2026/thm2", vary="n", catalog_paths=[RELATION_FILE, DATA / "user_catalog"])
    assert len(found) == 1 and found[0].at == pytest.approx(1000.0, rel=1e-9)


def test_a_named_relation_that_is_missing_is_an_error_not_the_default():
    entry = bounds.get(ID, extra=RELATION_FILE)
    orphan = replace(entry, catalog_relations=())
    with pytest.raises(ParameterError, match="gamma comes from the relation 'my-margin-2026/margin-via-n'"):
        orphan.evaluate(n=1000)
    assert orphan.evaluate(n=1000, gamma=0.5).width_log10 == pytest.approx(2 * 0.30103, abs=1e-4)  # 1/0.5^2 = 4
    # A built-in file read alone lacks the relation Du et al. cite from Oymak & Soltanolkotabi:
    du_alone = next(e for e in load_file(Path(bounds.__file__).parent / "catalog" / "du-zhai-poczos-singh-2019.toml")[0]
                    if e.id == DU)
    with pytest.raises(ParameterError, match="lambda_0 comes from the relation"):
        du_alone.evaluate(n=1000)


def test_builtin_entries_join_a_catalogue_with_user_files():
    """A catalogue with user files rebinds the built-in entries to all its relations; numbers are unchanged."""
    builtin = bounds.get(DU)
    with_user = bounds.get(DU, extra=RELATION_FILE)
    assert builtin == with_user  # the same theorem (the relations are not part of equality)
    assert len(with_user.catalog_relations) == len(builtin.catalog_relations) + 1
    assert with_user.evaluate(n=1000).width_log10 == pytest.approx(builtin.evaluate(n=1000).width_log10)
    assert bounds.catalog().get(DU) is bounds.catalog().get(DU)  # the built-in catalogue is not copied per call


def test_bounds_verify_with_catalog_uses_the_user_relation(run_cli):
    result = run_cli("verify", ID, "--catalog", RELATION_FILE, "--n", "8", "--d", "5", "--width", "16", "--steps", "3",
                     "--format", "json")
    assert result.exit_code == 0, result.output
    predicted = json.loads(result.stdout)["predicted"]
    # verify measures the margin on its data (as it measures lambda_0), which takes precedence over the
    # relation's lower bound gamma >= 1/n; never the shared default gamma = 0.1 (width 100).
    gamma = predicted["values"]["gamma"]
    assert any(note.startswith("gamma = ") and "measured on the data" in note for note in predicted["assumed"])
    assert gamma != pytest.approx(0.1) and gamma > 1 / 8
    assert predicted["width_log10"] == pytest.approx(-2 * math.log10(gamma), abs=1e-6)


def _gamma_from_relation(assumed: list[str], value: str) -> bool:
    return any(note.startswith(f"gamma = {value} via") for note in assumed)


def test_gap_predictions_use_the_user_relation(run_cli, tmp_path):
    result = run_cli("gap", "--n", "8,16", "--seeds", "1", "--d", "5", "--no-stability", "--workers", "1",
                     "--catalog", RELATION_FILE, "--entry", ID, "--out", tmp_path, "--format", "json", "--no-report")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    predictions = {row["n"]: row["entries"][ID] for row in data["rows"]}
    assert predictions[8]["width_log10"] == pytest.approx(2 * 0.90309, abs=1e-4)
    assert predictions[16]["width_log10"] == pytest.approx(2 * 1.20412, abs=1e-4)
    assert _gamma_from_relation(predictions[16]["assumed"], "0.0625")


def test_gap_refuses_a_missing_catalogue_before_training(run_cli, tmp_path):
    result = run_cli("gap", "--n", "8,16", "--seeds", "1", "--catalog", tmp_path / "nope.toml", "--out", tmp_path / "o",
                     "--format", "json", "--no-report")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.strip() == f"error: {tmp_path / 'nope.toml'}: no such catalogue file or directory"
    assert not (tmp_path / "o").exists()
