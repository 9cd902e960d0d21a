"""Optional packages are checked before any work, and the error names the pip extra.

Each test hides a package from a fresh interpreter (``sys.modules[name] = None`` makes every
``import name`` fail, as on a machine where it is not installed) and runs the `bounds` command.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TINY_STUDY = ("gap", "--n", "8,16", "--seeds", "1", "--d", "5", "--workers", "1", "--format", "json")


def bounds_without(package: str, *args, timeout: float = 300) -> subprocess.CompletedProcess:
    """`bounds ARGS` in a fresh interpreter where `package` cannot be imported."""
    code = f"import sys; sys.modules[{package!r}] = None; from bounds.cli import main; main()"
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout)


def test_gap_json_runs_without_matplotlib(tmp_path):
    out = tmp_path / "study"
    done = bounds_without("matplotlib", *TINY_STUDY, "--out", out)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout, parse_constant=lambda c: pytest.fail(f"non-strict JSON constant {c}"))
    assert data["setting"] == "two-layer" and [row["n"] for row in data["rows"]] == [8, 16]
    notes = [line for line in done.stderr.splitlines() if line.startswith("note: no report")]
    assert len(notes) == 1 and "pip install 'overparam-bounds[plot]'" in notes[0] and str(out / "gap.json") in notes[0]
    assert (out / "gap.json").is_file() and not (out / "report.html").exists()


def test_explicit_report_without_matplotlib_fails_before_training(tmp_path):
    out = tmp_path / "study"
    done = bounds_without("matplotlib", *TINY_STUDY, "--out", out, "--report", timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == "error: --report needs matplotlib: pip install 'overparam-bounds[plot]'"
    assert not (out / "runs.jsonl").exists()  # nothing was trained


def test_plot_without_matplotlib_names_the_extra(tmp_path):
    done = bounds_without("matplotlib", "plot", "--vary", "n", "--from", "10", "--to", "1e6", "--L", "10",
                          "-o", tmp_path / "w.png", timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == "error: plotting needs matplotlib: pip install 'overparam-bounds[plot]'"
    assert not (tmp_path / "w.png").exists()


def test_table_output_without_matplotlib_is_unchanged():
    done = bounds_without("matplotlib", "compare", "--n", "1000", "--L", "10", "--format", "json", timeout=60)
    assert done.returncode == 0 and json.loads(done.stdout)


def test_dask_without_dask_fails_before_training(tmp_path):
    out = tmp_path / "study"
    done = bounds_without("dask", *TINY_STUDY, "--out", out, "--dask", "local", "--no-report", timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == ("error: --scheduler / --dask needs dask[distributed]: "
                                   "pip install 'overparam-bounds[dask]'")
    assert not out.exists()  # nothing was written, let alone trained


def test_bad_arguments_without_matplotlib_are_still_one_line(tmp_path):
    """The no-report note comes after the arguments are checked, so an error stays the only line."""
    done = bounds_without("matplotlib", "gap", "--n", "16.5", "--out", tmp_path / "o", timeout=60)
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["error: --n expects positive whole numbers (at most 1000000), got '16.5'"]
