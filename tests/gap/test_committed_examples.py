"""The committed gap-study examples are what their stores say, and respect the parameter-count floor.

Each example's documented command (docs/gap.md, the block that writes ``--out examples/...``),
run on a copy of the committed ``runs.jsonl``, must train nothing and give the committed
``gap.json``: the published numbers are reproducible from the published runs, and no run is
missing.  Independently of the search, no run with fewer trained parameters than samples may
have fitted its random labels (such a network cannot fit n generic labels).
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ("gap-two-layer", "gap-deep")


def documented_command(example: str) -> list[str]:
    """The arguments of the docs/gap.md command that writes examples/<example> (after `bounds`)."""
    text = (ROOT / "docs" / "gap.md").read_text(encoding="utf-8")
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        command = block.replace("\\\n", " ")
        if f"--out examples/{example}" in command:
            args = shlex.split(command)
            assert args[0] == "bounds", command
            return args[1:]
    raise AssertionError(f"docs/gap.md documents no command writing examples/{example}")


def _runs(example: str) -> list[dict]:
    lines = (ROOT / "examples" / example / "runs.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


@pytest.mark.parametrize("example", EXAMPLES)
def test_the_committed_answer_is_what_its_store_gives(example, tmp_path, monkeypatch):
    from click.testing import CliRunner

    import verify.sweep as sweep
    from bounds.cli import main

    copy = tmp_path / example
    shutil.copytree(ROOT / "examples" / example, copy)
    before = (copy / "runs.jsonl").read_bytes()

    def must_not_train(*args, **kwargs):
        raise AssertionError(f"examples/{example}: its documented command would train runs missing from the store")

    monkeypatch.setattr(sweep, "run_sweep", lambda configs, task, store, **kw: must_not_train()
                        if any(store.get(sweep.config_key(c)) is None for c in configs) else None)
    args = documented_command(example)
    args[args.index("--out") + 1] = str(copy)
    result = CliRunner().invoke(main, [*args, "--no-report", "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (copy / "runs.jsonl").read_bytes() == before, "the store changed: runs were added"
    committed = json.loads((ROOT / "examples" / example / "gap.json").read_text(encoding="utf-8"))
    again = json.loads(result.stdout)
    for field in ("criteria", "rows", "entries", "stability", "exponent", "exponent_ci", "notes", "cost"):
        assert again.get(field) == committed.get(field), f"examples/{example}/gap.json: {field} differs"


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_answer_lies_above_the_parameter_floor_with_a_failure_at_it(example):
    """Searches start at the parameter-count floor (the smallest width with n trained parameters): the
    first run of every search sits there and must have failed, so that each minimal width is bracketed by
    a real failure, not censored by where the search began."""
    from verify.gap.study import StudySpec

    runs = [r for r in _runs(example) if r["status"] == "ok" and "derived_from" not in r["meta"]]
    searches: dict[tuple, list[dict]] = {}
    for r in runs:
        c = r["config"]
        searches.setdefault((c["criterion"], c["factor"], c["n"], c.get("L"), c["seed"]), []).append(r)
    assert len(searches) > 30
    for (criterion, factor, n, L, seed), tried in searches.items():
        spec = StudySpec(setting="deep" if L is not None else "two-layer", d=tried[0]["config"]["d"])
        floor = spec.floor_width((n, L) if L is not None else n)
        first = min(tried, key=lambda r: r["config"]["width"])
        where = f"{criterion}:{factor:g}, n = {n}, L = {L}, seed {seed}"
        assert first["config"]["width"] == floor, f"{where}: the search did not start at the floor {floor}"
        assert first["result"]["parameter_ratio"] >= 1, where
        assert not first["result"]["succeeded"], f"{where}: succeeded at the floor, so its answer is censored"
