"""Interrupt `bounds gap` (SIGINT, SIGTERM, SIGKILL), rerun the same command: same answer, nothing trained twice."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from interrupts import interactive_sigint

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="signals and file locks as on Linux")

ARGS = ["gap", "--n", "8,16,32,64", "--seeds", "2", "--criterion", "budget", "--steps", "4000", "--no-stability",
        "--d", "5", "--max-width", "2048", "--workers", "1", "--no-report", "--format", "json"]


def command(out: Path) -> list[str]:
    return [sys.executable, "-m", "bounds", *ARGS, "--out", str(out)]


def stored_keys(out: Path) -> list[str]:
    lines = (out / "runs.jsonl").read_text().splitlines()
    keys = []
    for line in lines:
        with contextlib.suppress(json.JSONDecodeError):  # a record cut by SIGKILL; the store drops it on the next open
            keys.append(json.loads(line)["key"])
    return keys


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("reference")
    done = subprocess.run(command(out), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), stored_keys(out)


def interrupt_after(out: Path, records: int, sig: int) -> subprocess.CompletedProcess:
    process = subprocess.Popen(command(out), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=interactive_sigint)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        runs = out / "runs.jsonl"
        if runs.exists() and len(runs.read_text().splitlines()) >= records:
            break
        if process.poll() is not None:
            pytest.fail("the study finished before it could be interrupted")
        time.sleep(0.01)
    process.send_signal(sig)
    stdout, stderr = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


@pytest.mark.parametrize("sig, status",
                         [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGKILL, -signal.SIGKILL)])
def test_interrupted_study_resumes_to_the_same_answer(tmp_path, reference, sig, status):
    expected, expected_keys = reference
    stopped = interrupt_after(tmp_path, 12, sig)
    assert stopped.returncode == status, stopped.stderr
    clean = sig in (signal.SIGINT, signal.SIGTERM)  # SIGKILL cannot be caught: the store alone must hold up
    if clean:
        assert "interrupted:" in stopped.stderr and "Traceback" not in stopped.stderr
        assert "leaked semaphore" not in stopped.stderr
    before = stored_keys(tmp_path)
    assert 12 <= len(before) < len(expected_keys)
    if clean:  # the message counts the whole study's saved runs, not the current round's
        assert f"gap study interrupted: {len(set(before))} finished runs are saved" in stopped.stderr

    resumed = subprocess.run(command(tmp_path), capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming: {len(set(before))} finished runs read from" in resumed.stderr
    result = json.loads(resumed.stdout)
    assert result["rows"] == expected["rows"] and result["exponent"] == expected["exponent"]
    after = stored_keys(tmp_path)
    assert len(after) == len(set(after)), "a run was stored twice"
    assert sorted(after) == sorted(expected_keys)
    assert after[: len(before)] == before, "runs stored before the interruption were rewritten or retrained"
