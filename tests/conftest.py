"""Shared fixtures: paths of test catalogues, a CLI runner, and Ctrl-C as an interactive shell delivers it."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from click.testing import CliRunner

DATA = Path(__file__).parent / "data"


@pytest.fixture
def user_catalog() -> Path:
    return DATA / "user_catalog"


@pytest.fixture
def bad_dir() -> Path:
    return DATA / "bad"


@pytest.fixture
def run_cli():
    """Invoke the `bounds` CLI in-process; returns the click Result."""
    from bounds.cli import main

    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return invoke


@pytest.fixture
def ctrl_c_raises():
    """SIGINT raises KeyboardInterrupt in this process for the test's duration, however pytest was started."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)
