"""The `bounds` CLI as a user meets it: the main job, every format, and bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parents[1]


def test_compare_prints_a_readable_table_of_the_catalogue(run_cli):
    result = run_cli("compare", "--n", "1000", "--L", "10")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if "/" in line.split("  ")[0]]
    assert len(lines) >= 20
    papers = {line.split("/")[0] for line in lines}
    assert len(papers) >= 12
    assert "Exponents:" in result.stdout and "via lambda_0 = delta / (100 * n^2)" in result.stdout


def test_compare_json_has_the_documented_fields(run_cli):
    result = run_cli("compare", "--n", "1000", "--L", "10", "--format", "json")
    rows = json.loads(result.stdout)
    required = {"id", "arxiv", "theorem", "confidence", "width_log10", "iterations_log10", "width_exponent_n",
                "width_exponent_L", "iterations_exponent_n", "iterations_exponent_L", "assumed"}
    assert all(required <= set(row) for row in rows)
    als = next(r for r in rows if r["id"] == "allen-zhu-li-song-2019/thm1-gd")
    assert (als["width_exponent_n"], als["width_exponent_L"], als["width_polylog_n"]) == (24, 12, 5)
    assert als["arxiv"] == "1811.03962"
    du_deep = next(r for r in rows if r["id"] == "du-lee-li-wang-zhai-2019/thm5.1-fc-gd")
    assert du_deep["width_exponent_L"] == "exp"
    no_iterations = [r for r in rows if r["iterations_log10"] is None]
    assert no_iterations and all(r["iterations_exponent_n"] is None for r in no_iterations)


@pytest.mark.parametrize("sort_key, field", [("width", "width_log10"), ("iterations", "iterations_log10")])
def test_sorting(run_cli, sort_key, field):
    rows = json.loads(run_cli("compare", "--n", "1000", "--L", "10", "--format", "json", "--sort", sort_key).stdout)
    values = [r[field] for r in rows if r[field] is not None]
    assert values == sorted(values)
    assert all(r[field] is None for r in rows[len(values):])


def test_filters_and_parameters(run_cli):
    rows = json.loads(
        run_cli("compare", "--n", "64", "--arch", "two-layer", "--lambda0", "0.01", "--format", "json").stdout
    )
    assert rows and all(r["architecture"] == "two-layer" for r in rows)
    du = next(r for r in rows if r["id"] == "du-zhai-poczos-singh-2019/thm4.1-gd")
    assert not any(a.startswith("lambda_0") for a in du["assumed"])


@pytest.mark.parametrize(
    "fmt, marker", [("csv", "id,paper,arxiv"), ("markdown", "| theorem |"), ("latex", "\\toprule")]
)
def test_every_format_writes(run_cli, tmp_path, fmt, marker):
    out = tmp_path / f"table.{fmt}"
    result = run_cli("compare", "--n", "1000", "--L", "10", "--format", fmt, "-o", out)
    assert result.exit_code == 0 and marker in out.read_text()


def test_user_theorem_joins_tables_and_latex(run_cli, user_catalog):
    result = run_cli("compare", "--n", "1000", "--L", "10", "--format", "latex", "--catalog", user_catalog)
    assert "Lovelace \\& Turing 2026" in result.stdout
    listing = json.loads(run_cli("list", "--format", "json", "--catalog", user_catalog).stdout)
    assert {"id": "my-2026/thm1", "arxiv": "2601.00001"}.items() <= next(
        r for r in listing if r["id"] == "my-2026/thm1"
    ).items()


def test_list_filters(run_cli):
    listing = json.loads(run_cli("list", "--format", "json", "--algo", "SGD").stdout)
    assert listing and all(r["algorithm"] == "SGD" for r in listing)


@pytest.mark.parametrize(
    "fmt, marker", [("pretty", "Width m (Omega)"), ("latex", "\\begin{align*}"), ("json", '"exponents"')]
)
def test_show(run_cli, fmt, marker):
    result = run_cli("show", "allen-zhu-li-song-2019/thm1-gd", "--format", fmt)
    assert result.exit_code == 0 and marker in result.stdout
    if fmt == "json":
        record = json.loads(result.stdout)
        assert record["bounds"]["width"]["exponents"]["n"]["power"] == 24


def test_crossover_and_dominance(run_cli, user_catalog):
    text = run_cli("crossover", "my-2026/thm1", "my-2026/thm2", "--vary", "n", "--catalog", user_catalog).stdout
    assert "n = 1000" in text
    data = json.loads(
        run_cli("crossover", "my-2026/thm1", "my-2026/thm2", "--format", "json", "--catalog", user_catalog).stdout
    )
    assert data[0]["at"] == pytest.approx(1000)
    verdict = run_cli("dominance", "allen-zhu-li-song-2019/thm1-gd", "zou-gu-2019/thm-gd").stdout
    assert "as n -> oo: allen-zhu-li-song-2019/thm1-gd is larger" in verdict


def test_plot_writes_an_image(run_cli, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "widths.png"
    result = run_cli("plot", "--vary", "n", "--from", "10", "--to", "1e6", "--L", "10", "-o", out)
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 20_000


BAD_INPUT = [
    (["compare", "--n", "0", "--L", "10"], "--n 0 is outside [1, inf]"),
    (["compare", "--n", "-3", "--L", "10"], "outside"),
    (["compare", "--n", "1000", "--L", "0"], "--L 0 is outside"),
    (["compare", "--n", "1000", "--L", "10", "--eps", "1.5"], "--eps 1.5 is outside (0, 1)"),
    (["compare", "--n", "1000"], "need L, which was not given; pass --L"),
    (["compare", "--n", "1000", "--L", "10", "--const", "C_nope=3"], "no selected theorem has a constant"),
    (["compare", "--n", "1000", "--L", "10", "--const", "C_width"], "--const expects"),
    (["show", "allen-zhu-li-song-2019/thm1"], "did you mean allen-zhu-li-song-2019/thm1-gd"),
    (["crossover", "nope/x", "zou-gu-2019/thm-gd"], "unknown theorem id 'nope/x'"),
    (
        ["compare", "--n", "10", "--catalog", str(DATA / "bad/unknown_symbol.toml")],
        "unknown_symbol.toml:22 [theorem[0].width.expr]: unknown symbol 'rho'",
    ),
    (["compare", "--n", "10", "--catalog", str(DATA / "bad/injection.toml")], "injection.toml:22"),
    (["compare", "--n", "10", "--catalog", str(DATA / "bad/syntax.toml")], "syntax.toml:3: invalid TOML"),
    (["compare", "--n", "10", "--catalog", "no/such/dir"], "no such catalogue file or directory"),
    (["plot", "--from", "100", "--to", "10", "--L", "10", "-o", "x.png"], "must be below"),
    (["compare", "--n", "1000", "--L", "10", "-o", "/no/such/dir/out.csv", "--format", "csv"], "cannot write"),
]


@pytest.mark.parametrize("args, message", BAD_INPUT)
def test_bad_input_is_one_line_and_exit_status_2(run_cli, args, message):
    result = run_cli(*args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_real_process_has_no_traceback():
    result = subprocess.run([sys.executable, "-m", "bounds", "compare", "--n", "0", "--L", "10"],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.startswith("error: --n 0 is outside") and "Traceback" not in result.stderr


def test_docs_check_passes_on_the_committed_page(run_cli):
    result = run_cli("docs", "--check", "-o", ROOT / "docs" / "catalogue.md")
    assert result.exit_code == 0, result.stderr


def test_tutorial_matches_what_the_commands_print():
    result = subprocess.run([sys.executable, str(ROOT / "docs" / "make_tutorial.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
