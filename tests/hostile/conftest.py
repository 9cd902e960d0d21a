"""Helpers of the hostile-input suite: user catalogue files built from parts, and a CLI runner
that also times each command and checks the project's promises about bad input."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

#: Every hostile case must finish within this many seconds (the issue's bound).
TIME_LIMIT_S = 2.0

PAPER = """[paper]
key = "h-2026"
authors = ["A. Adversary"]
title = "Hostile"
year = 2026
arxiv = "2601.00001"
arxiv_version = "v1"
"""

THEOREM = """
[[theorem]]
slug = "{slug}"
label = "T"
summary = "s"
confidence = "quoted"
quote = "q"
{parameters}
[theorem.setting]
architecture = "two-layer"
activation = "relu"
algorithm = "GD"

[theorem.width]
expr = {width}
bound = "Omega"
"""


def toml_string(text: str) -> str:
    """`text` as a TOML basic string (json's escaping is valid TOML for these characters)."""
    return json.dumps(text, ensure_ascii=False)


def theorem(width: str, slug: str = "t", parameters: str = "") -> str:
    return THEOREM.format(slug=slug, width=toml_string(width), parameters=parameters)


def catalogue(*theorems: str, relations: str = "", paper: str = PAPER) -> str:
    return paper + "".join(theorems) + relations


RELATION = """
[[relation]]
slug = "{slug}"
label = "R"
symbol = "{symbol}"
expr = {expr}
quote = "q"
confidence = "unverified"
kernel = "{kernel}"
"""


def relation(symbol: str, expr: str, slug: str = "r", kernel: str = "relu-H-inf") -> str:
    return RELATION.format(slug=slug, symbol=symbol, expr=toml_string(expr), kernel=kernel)


@pytest.fixture
def write(tmp_path):
    """write(text, name="mine.toml") -> path of a user catalogue file."""

    def make(text: str, name: str = "mine.toml", encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
        return path

    return make


class Outcome:
    def __init__(self, result, seconds: float):
        self.exit_code = result.exit_code
        self.stdout = result.stdout
        self.stderr = result.stderr
        self.output = result.output
        self.seconds = seconds
        self.exception = result.exception

    def refused(self, *needles: str) -> Outcome:
        """Assert the project's bad-input promise: exit 2, one line on stderr naming what was wrong."""
        assert self.exit_code == 2, (self.exit_code, self.output)
        assert "Traceback" not in self.output and "internal error" not in self.output, self.output
        lines = self.stderr.strip().splitlines()
        assert len(lines) == 1, self.stderr
        assert lines[0].startswith("error: "), lines
        for needle in needles:
            assert needle in lines[0], (needle, lines[0])
        return self

    def succeeded(self) -> Outcome:
        assert self.exit_code == 0, (self.exit_code, self.output)
        assert "Traceback" not in self.output and "internal error" not in self.output
        return self


@pytest.fixture
def bounds_cli():
    """bounds_cli(*args) -> Outcome, in-process, asserting the time limit."""
    from bounds.cli import main

    runner = CliRunner()

    def invoke(*args, limit: float = TIME_LIMIT_S) -> Outcome:
        start = time.perf_counter()
        result = runner.invoke(main, [str(a) for a in args], catch_exceptions=True)
        seconds = time.perf_counter() - start
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        assert seconds < limit, f"{args} took {seconds:.1f} s"
        return Outcome(result, seconds)

    return invoke


def strict_json(text: str):
    """json.loads refusing NaN and Infinity, as a strict parser does."""
    from bounds.jsonio import strict_loads

    return strict_loads(text)
