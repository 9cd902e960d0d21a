"""examples/kernel-rate: the kernel:C sweep and the rate:1 search on one store.

The committed results must be what the committed store gives (the script trains nothing), and
the two kinds of search must agree where their definitions force it: a run that reaches eps
within C x T_kernel <= T_rate steps meets the rate, and one that meets the rate reaches eps
within C x T_kernel >= T_rate steps, so the rate:1 width lies between the kernel:C widths of the
factors around the measured T_rate / T_kernel.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "kernel-rate"


@pytest.fixture(scope="module")
def committed() -> dict:
    return json.loads((EXAMPLE / "results.json").read_text(encoding="utf-8"))


def _script():
    spec = importlib.util.spec_from_file_location("sweep_kernel_rate", EXAMPLE / "sweep_kernel_rate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_sweep_is_what_its_store_gives(committed, tmp_path, monkeypatch):
    import verify.sweep as sweep

    copy = tmp_path / "kernel-rate"
    shutil.copytree(EXAMPLE, copy)
    before = (copy / "runs.jsonl").read_bytes()

    def must_not_train(*args, **kwargs):
        raise AssertionError("examples/kernel-rate: the sweep would train runs missing from its store")

    monkeypatch.setattr(sweep, "run_sweep", lambda configs, task, store, **kw: must_not_train()
                        if any(store.get(sweep.config_key(c)) is None for c in configs) else None)
    factors = ",".join(f"{block['C']:g}" for block in committed["kernel"])
    again = _script().main(["--C", factors, "--out", str(copy)])
    assert (copy / "runs.jsonl").read_bytes() == before, "the store changed: runs were added"
    assert json.loads((copy / "results.json").read_text(encoding="utf-8")) == committed
    assert json.loads(json.dumps(again)) == committed


def test_the_rate_width_lies_between_the_kernel_widths_around_it(committed):
    factors = sorted(block["C"] for block in committed["kernel"])

    def width(block, n):
        return next(r["minimal_width"] for r in block["minimal_widths"] if r["n"] == n)

    kernel = {block["C"]: block for block in committed["kernel"]}
    for row in committed["c_theorem"]:
        assert row["runs"] > 10
        assert factors[0] < row["min"] <= row["max"] < factors[-1], row  # the sweep brackets the theorem's factor
        low = max(f for f in factors if f <= row["min"])
        high = min(f for f in factors if f >= row["max"])
        rate = width(committed["rate"], row["n"])
        assert width(kernel[high], row["n"]) <= rate <= width(kernel[low], row["n"]), (row, low, high, rate)


def test_a_larger_factor_never_asks_for_a_wider_network(committed):
    """kernel:C widths fall (weakly) as C grows at every n: a success under C is one under any larger C."""
    blocks = sorted(committed["kernel"], key=lambda b: b["C"])
    for smaller, larger in zip(blocks, blocks[1:], strict=False):
        for a, b in zip(smaller["minimal_widths"], larger["minimal_widths"], strict=True):
            assert b["minimal_width"] <= a["minimal_width"], (smaller["label"], larger["label"], a["n"])
