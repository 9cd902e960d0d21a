"""A command line typed in a hurry, and a Python user passing the wrong kind of argument."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import TIME_LIMIT_S, catalogue, theorem

import bounds
from bounds.errors import BoundsError, ParameterError

ROOT = Path(__file__).parents[2]
DU = "du-zhai-poczos-singh-2019/thm4.1-gd"


@pytest.mark.parametrize("args, needle", [
    (["compare", "--n", "10", "--nope"], "No such option"),
    (["compare", "--L", "10"], "Missing option '--n'"),
    (["compare", "--n"], "requires an argument"),
    (["compare", "--n", "10", "--format", "yaml"], "Invalid value for '--format'"),
    (["frobnicate"], "No such command"),
    (["show"], "Missing argument"),
    (["verify", DU, "--n", "1e400"], "not a valid integer"),
])
def test_usage_errors_are_one_line_and_exit_2(bounds_cli, args, needle):
    outcome = bounds_cli(*args).refused(needle)
    assert "--help" in outcome.stderr


@pytest.mark.parametrize("args, needle", [
    (["compare", "--n", "1000", "--L", "10", "--const", "C_width=2", "--const", "C_width=3"], "given twice"),
    (["compare", "--n", "1000", "--L", "10", "--const", "C_width="], "--const expects"),
    (["compare", "--n", "1000", "--L", "10", "--const", "=3"], "--const expects"),
    (["compare", "--n", "1000", "--L", "10", "--const", "C_width=-1"], "must be a positive number"),
    (["plot", "--from", "10", "--to", "100", "--L", "10", "-o", "/"], "is a directory"),
])
def test_repeated_and_malformed_settings(bounds_cli, args, needle):
    bounds_cli(*args).refused(needle)


def test_repeated_id_prints_the_row_once(bounds_cli):
    outcome = bounds_cli("compare", "--n", "1000", "--L", "10", "--id", DU, "--id", DU, "--format", "csv").succeeded()
    assert sum(line.startswith(DU + ",") for line in outcome.stdout.splitlines()) == 1


def test_plot_reports_the_file_it_really_wrote(bounds_cli, tmp_path):
    pytest.importorskip("matplotlib")
    outcome = bounds_cli("plot", "--from", "10", "--to", "1e4", "--L", "10", "--id", DU, "-o", tmp_path / "x",
                         limit=30).succeeded()
    assert (tmp_path / "x.png").read_bytes()[:4] == b"\x89PNG" and not (tmp_path / "x").exists()
    assert f"wrote {tmp_path / 'x.png'}" in outcome.stderr
    bounds_cli("plot", "--from", "10", "--to", "1e4", "--L", "10", "-o", tmp_path).refused("is a directory")


def test_plot_beyond_float_range_of_x(bounds_cli, tmp_path):
    pytest.importorskip("matplotlib")
    bounds_cli("plot", "--from", "10", "--to", "1e500", "--L", "10", "--id", DU, "-o", tmp_path / "big.png",
               limit=30).succeeded()
    assert (tmp_path / "big.png").stat().st_size > 1000


def _bounds(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "bounds", *map(str, args)], capture_output=True, text=True,
                          timeout=60, cwd=ROOT, **kwargs)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["compare", "--n", "1000", "--L", "10"], ["list", "--format", "json"],
                                  ["show", DU]])
def test_stdout_on_a_full_disk_is_exit_2_in_one_line(args):
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "bounds", *args], stdout=full, stderr=subprocess.PIPE,
                                text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().count("\n") == 0 and "No space left" in result.stderr
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr


def test_usage_error_in_a_real_process_is_one_line():
    result = _bounds("compare", "--n", "10", "--bogus")
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_sigint_exits_130_with_one_line():
    """Ctrl-C during a command: 'interrupted', status 130 (docs/sweeps.md), not click's 'Aborted!' and 1."""
    script = (
        "import signal, sys, time\n"
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "import bounds.registry as registry\n"
        "def slow(*args, **kwargs):\n"
        "    print('ready', file=sys.stderr, flush=True)\n"
        "    time.sleep(60)\n"
        "registry.load_catalog = slow\n"
        "from bounds.cli import main\n"
        "main(['list'])\n"
    )
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, cwd=ROOT)
    assert process.stderr.readline().strip() == "ready"
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "interrupted" and "Aborted" not in stderr and "Traceback" not in stderr


# -- the API: the library's own exceptions, naming the argument ----------------------------


def test_a_string_is_one_path_not_a_list_of_characters(write):
    path = write(catalogue(theorem("n^2")))
    assert "h-2026/t" in bounds.catalog(str(path)).ids()
    assert "h-2026/t" in bounds.catalog(path).ids()
    assert bounds.get("h-2026/t", str(path)).id == "h-2026/t"


def test_ids_as_one_string():
    rows = bounds.compare(n=1000, L=10, ids=DU)
    assert [r.id for r in rows] == [DU]
    assert [r.id for r in bounds.compare(n=1000, L=10, ids=[DU, DU])] == [DU]
    assert bounds.catalog().filter(ids=DU).ids() == [DU]


@pytest.mark.parametrize("call, needle", [
    (lambda: bounds.get(None), "must be a theorem id"),
    (lambda: bounds.get(42), "must be a theorem id"),
    (lambda: bounds.catalog(None), "extra must be a path"),
    (lambda: bounds.catalog([3]), "must contain paths"),
    (lambda: bounds.compare(n=1000, L=10, catalog="x"), "catalog must be a Catalog"),
    (lambda: bounds.compare(n=1000, L=10, constants=5), "constants must be a mapping"),
    (lambda: bounds.compare(n=1000, L=10, ids=[3]), "ids must be a theorem id"),
    (lambda: bounds.compare(n=1000, L=10, sort="nope"), "sort must be one of"),
    (lambda: bounds.get(DU).evaluate(constants=5, n=10), "constants must be a mapping"),
    (lambda: bounds.get(DU).evaluate(n="abc"), "n expects a decimal number"),
    (lambda: bounds.get(DU).evaluate(n=[1, 2]), "n must be a number"),
    (lambda: bounds.get(DU).evaluate(n=True), "n must be a number"),
    (lambda: bounds.get(DU).evaluate(n=10, constants={"C_width": "x"}), "constant C_width expects a decimal"),
    (lambda: bounds.get(DU).exponents("foo"), "quantity must be one of"),
    (lambda: bounds.crossover(DU, None, L=10), "b must be a theorem id"),
    (lambda: bounds.crossover(DU, "zou-gu-2019/thm-gd", vary="m", L=10), "cannot vary 'm'"),
    (lambda: bounds.crossover(DU, "zou-gu-2019/thm-gd", quantity="foo", L=10), "quantity must be"),
])
def test_api_argument_errors_are_the_librarys_own(call, needle):
    with pytest.raises(BoundsError, match=needle):
        call()


def test_api_errors_are_quick():
    start = time.perf_counter()
    with pytest.raises(ParameterError):
        bounds.get(DU).evaluate(n=float("inf"))
    assert time.perf_counter() - start < TIME_LIMIT_S
