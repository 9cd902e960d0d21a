"""`ruff check .` passes under the configuration in pyproject.toml, so the README's `pytest` enforces the lint that
.ci/run runs too; and that configuration really holds functions to complexity 15 and lines to 120 columns."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUFF = [sys.executable, "-m", "ruff"]  # from the test extra (pyproject.toml pins its version)


def _ruff(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*RUFF, *args], input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_the_repository_passes_ruff():
    done = _ruff("check", "--no-cache", ".")
    assert done.returncode == 0, f"ruff check . found:\n{done.stdout}{done.stderr}"


def _complex_function(branches: int) -> str:
    """A function whose McCabe complexity is branches + 1."""
    body = "".join(f"    if x == {i}:\n        return {i}\n" for i in range(branches))
    return f"def f(x):\n{body}    return -1\n"


def test_the_configuration_limits_complexity_and_line_length():
    probe = "probe.py"  # a name no per-file ignore covers
    at_limit = _ruff("check", "--no-cache", "--stdin-filename", probe, "-", stdin=_complex_function(14))
    assert at_limit.returncode == 0, at_limit.stdout
    over = _ruff("check", "--no-cache", "--output-format", "concise", "--stdin-filename", probe, "-",
                 stdin=_complex_function(15) + f"X = {'1' * 117}\n")
    assert over.returncode == 1
    assert "C901 `f` is too complex (16 > 15)" in over.stdout
    assert "E501" in over.stdout and "(121 > 120)" in over.stdout
