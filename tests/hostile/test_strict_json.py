"""Every JSON the project writes parses under a strict parser: no NaN, no Infinity (null plus a reason)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import catalogue, theorem

from bounds.cli import main
from bounds.jsonio import dumps, jsonable, strict_loads

ROOT = Path(__file__).parents[2]
DU = "du-zhai-poczos-singh-2019/thm4.1-gd"


def _json_of(*args) -> object:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return strict_loads(result.stdout)


def _every_line(path: Path) -> list:
    return [strict_loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_strict_parser_really_refuses_infinity():
    with pytest.raises(ValueError):
        strict_loads('[-Infinity, Infinity]')
    with pytest.raises(ValueError):
        strict_loads('{"x": NaN}')


def test_writer_turns_non_finite_numbers_into_null():
    import mpmath
    import numpy as np

    value = {"a": float("inf"), "b": [float("-inf"), float("nan")], "c": np.float64("inf"), "d": np.arange(2),
             "e": mpmath.mpf("1e400"), "f": mpmath.inf, 3: (1, 2)}
    assert strict_loads(dumps(value)) == {"a": None, "b": [None, None], "c": None, "d": [0, 1], "e": "1e+400",
                                          "f": None, "3": [1, 2]}
    assert jsonable(1e308) == 1e308
    assert jsonable(mpmath.mpf("1.5e-400")) == "1.5e-400" and jsonable(mpmath.mpf(0)) == 0.0


def test_list_show_compare_crossover_json_are_strict(write, user_catalog):
    hostile = write(catalogue(theorem("n^n^n^n", slug="tower"), theorem("1e400 * n", slug="huge")))
    assert len(_json_of("list", "--format", "json", "--catalog", hostile)) >= 30
    ids = [row["id"] for row in _json_of("list", "--format", "json", "--catalog", hostile)]
    for entry_id in ids:
        _json_of("show", entry_id, "--format", "json", "--catalog", hostile)
    for n in ("1000", "1e400"):
        rows = _json_of("compare", "--n", n, "--L", "10", "--format", "json", "--catalog", hostile)
        tower = next(r for r in rows if r["id"] == "h-2026/tower")
        assert tower["width_log10"] is None and tower["warnings"], "null plus a reason"
    _json_of("crossover", "my-2026/thm1", "my-2026/thm2", "--format", "json", "--catalog", user_catalog,
             "--to", "1e400")


def test_verify_json_and_records_are_strict(tmp_path):
    records = tmp_path / "r.jsonl"
    verdict = _json_of("verify", DU, "--n", "8", "--d", "5", "--width", "16", "--steps", "3", "--format", "json",
                       "--out", records)
    assert verdict["entry"] == DU
    assert _every_line(records)


def test_gap_json_and_gap_file_are_strict(tmp_path):
    """One seed on two sample sizes: the bootstrap interval is unbounded, and JSON says null, not Infinity."""
    out = tmp_path / "gap"
    data = _json_of("gap", "--n", "8,12", "--seeds", "1", "--criterion", "budget", "--steps", "200",
                    "--max-width", "64", "--workers", "1", "--out", out, "--format", "json", "--no-report")
    assert len(data["exponent_ci"]) == 2
    if None in data["exponent_ci"]:
        assert any("exponent_ci: unbounded (null in JSON)" in note for note in data["notes"]), "null plus a reason"
        assert data == strict_loads((out / "gap.json").read_text(encoding="utf-8")), "the file says the same"
    strict_loads((out / "gap.json").read_text(encoding="utf-8"))
    assert _every_line(out / "runs.jsonl")
    report = CliRunner().invoke(main, ["report", str(out)], catch_exceptions=False)
    assert report.exit_code == 0, report.output


def test_sweep_store_is_strict(tmp_path):
    store = tmp_path / "s.jsonl"
    result = subprocess.run([sys.executable, "-m", "bounds", "sweep", "run", "--task", "toy", "--grid", "x=1,2",
                             "--store", str(store), "--workers", "1", "--quiet"],
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert len(_every_line(store)) >= 2


@pytest.mark.parametrize("path", sorted(p for p in (ROOT / "examples").rglob("*") if p.suffix in (".json", ".jsonl")),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_committed_example_results_are_strict(path):
    if path.suffix == ".jsonl":
        assert _every_line(path)
    else:
        strict_loads(path.read_text(encoding="utf-8"))
