"""`bounds gap` and `bounds report` end to end, on a study small enough for CI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SMALL = ["gap", "--n", "8,16", "--seeds", "2", "--d", "5", "--criterion", "interpolation,kernel", "--max-width", "4096"]


def _run_study(tmp_path_factory, args: list[str], name: str) -> tuple[Path, dict]:
    """Run `bounds gap ARGS` into a fresh directory; its path and the printed JSON."""
    from click.testing import CliRunner

    from bounds.cli import main

    out = tmp_path_factory.mktemp(name)
    result = CliRunner().invoke(main, [*args, "--out", str(out), "--workers", "1", "--format", "json"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out, json.loads(result.stdout)


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    return _run_study(tmp_path_factory, SMALL, "gap")


def test_json_has_exponent_interval_and_rows(study):
    _, data = study
    assert isinstance(data["exponent"], float)
    low, high = data["exponent_ci"]
    assert low <= data["exponent"] <= high
    assert [row["n"] for row in data["rows"]] == [8, 16]
    for row in data["rows"]:
        assert row["minimal_width"] >= max(row["minimal_width_per_seed"].values())
        du = row["entries"]["du-zhai-poczos-singh-2019/thm4.1-gd"]
        assert du["width_log10"] > 10  # n^6 / lambda_0^4 / delta^3 with measured lambda_0
        assert du["looseness_log10"] == pytest.approx(
            du["width_log10"] - __import__("math").log10(row["minimal_width"])
        )
    assert all(e["setting_differs"] is None for e in data["entries"])  # only ReLU two-layer theorems by default


def test_every_result_names_its_criterion_and_parameter_ratio(study):
    _, data = study
    assert [b["label"] for b in data["criteria"]] == ["interpolation:300", "kernel:2"]
    assert data["criterion_rule"] == {
        "name": "interpolation",
        "factor": 300.0,
        "steps": None,
        "label": "interpolation:300",
    }
    assert "plateau rule" in data["criterion"] and "300 x T_kernel" in data["criterion"]
    for block in data["criteria"]:
        for row in block["minimal_widths"]:
            width = row["minimal_width"]
            assert row["parameter_ratio"] == pytest.approx(width * 5 / row["n"])  # d = 5, first layer trained
            assert width >= row["floor_width"] == -(-row["n"] // 5)
        stability = block["stability"]
        assert stability["point"] == 16 and stability["doubled"] == {"interpolation:300": "interpolation:600",
                                                                     "kernel:2": "kernel:4"}[block["label"]]
        assert isinstance(stability["stable"], bool)
    # training like the kernel needs more width than fitting at all
    kernel = {r["n"]: r["minimal_width"] for r in data["criteria"][1]["minimal_widths"]}
    assert all(kernel[r["n"]] > r["minimal_width"] for r in data["rows"])
    runs = [json.loads(line) for line in (study[0] / "runs.jsonl").read_text().splitlines()]
    assert {r["config"]["steps"] for r in runs} == {None}  # no budget anywhere in these criteria
    trained = [r for r in runs if "derived_from" not in r["meta"]]
    assert all(r["meta"]["batch_size"] >= 1 for r in trained) and max(r["meta"]["batch_size"] for r in trained) >= 2


def test_stability_check_reuses_cap_free_endings_and_only_those(study):
    """A run that ended under the first cap for a reason the cap does not touch is stored for the doubled cap
    without training, and is what training gives; runs stopped by the cap are trained again."""
    from verify.criteria import CAP_FREE_STOPS
    from verify.sweep.tasks import train_du2019_batch

    out, data = study
    runs = [json.loads(line) for line in (out / "runs.jsonl").read_text().splitlines()]
    by_key = {r["key"]: r for r in runs}
    derived = [r for r in runs if "derived_from" in r["meta"]]
    assert any(r["result"]["succeeded"] for r in derived), "the doubled-cap search met widths that succeeded before"
    for record in derived:
        source = by_key[record["meta"]["derived_from"]]
        assert source["result"]["stop_reason"] in CAP_FREE_STOPS
        assert source["config"]["factor"] < record["config"]["factor"]
        assert {k for k in record["config"] if record["config"][k] != source["config"][k]} == {"factor"}
        for field in ("succeeded", "stop_reason", "steps_run"):
            assert record["result"][field] == source["result"][field]
    for block in data["criteria"]:
        label = block["stability"]["doubled"]
        reused = [r for r in derived if r["result"]["criterion"] == label]
        assert block["stability"]["reused_runs"] == len(reused)
        doubled = [r for r in runs if r["result"]["criterion"] == label]
        sources = {(r["config"]["width"], r["config"]["seed"]): r for r in runs
                   if r["result"]["criterion"] == block["label"] and r["config"]["n"] == 16}
        for record in doubled:
            first = sources.get((record["config"]["width"], record["config"]["seed"]))
            if first is not None and first["result"]["stop_reason"] not in CAP_FREE_STOPS:
                assert "derived_from" not in record["meta"]  # stopped by the cap: trained again
    # training a reused configuration for real gives the same run
    record = max(derived, key=lambda r: r["result"]["steps_run"])
    trained = train_du2019_batch([record["config"]])[0]
    for field in ("succeeded", "steps_run", "steps_to_eps", "stop_reason", "step_limit", "criterion"):
        assert trained[field] == record["result"][field], field
    assert trained["final_loss"] == pytest.approx(record["result"]["final_loss"], rel=1e-9)


def test_stability_check_continues_runs_stopped_by_the_cap(study):
    """A two-layer run stopped by the first cap ("limit", "too slow") is continued under the doubled cap from its
    stored state, marked meta.continued_from, counted, and ends as training it from step 0 does."""
    from tests.sweep.test_continuation import assert_same_run
    from verify.sweep.tasks import train_du2019_batch

    out, data = study
    runs = [json.loads(line) for line in (out / "runs.jsonl").read_text().splitlines()]
    by_key = {r["key"]: r for r in runs}
    continued = [r for r in runs if "continued_from" in r["meta"]]
    assert continued, "the doubled-cap search met runs stopped by the first cap"
    for record in continued:
        source = by_key[record["meta"]["continued_from"]]
        assert source["result"]["stop_reason"] in ("limit", "too slow") and "resume" in source["result"]
        assert {k for k in record["config"] if record["config"][k] != source["config"][k]} == {"factor"}
        assert record["meta"]["continued_at_step"] == source["result"]["steps_run"]
        assert record["result"]["steps_run"] >= source["result"]["steps_run"]
        assert "derived_from" not in record["meta"]
    for block in data["criteria"]:
        mine = [r for r in continued if r["result"]["criterion"] == block["stability"]["doubled"]]
        assert block["stability"]["continued_runs"] == len(mine)
        assert block["stability"]["continued_steps_saved"] == sum(r["meta"]["continued_at_step"] for r in mine)
    # one continued run (the longest), retrained for real from step 0, is the same run
    record = max(continued, key=lambda r: r["result"]["steps_run"])
    assert_same_run(record["result"], train_du2019_batch([record["config"]])[0])


def test_a_store_without_resume_state_retrains_capped_runs(tmp_path, monkeypatch):
    """Records written before runs kept their state continue nothing: the doubled configuration is trained."""
    import verify.sweep.continuation as continuation

    monkeypatch.setattr(continuation, "STEPS_PER_STORED_NUMBER", 0)  # these short runs would keep no state at all
    from verify.gap.reuse import continuation_sources
    from verify.sweep import ResultStore, config_key, run_sweep
    from verify.sweep.tasks import batch_group, du2019_config, train_du2019_batch

    first = [du2019_config(12, w, 0, d=4, criterion="kernel", factor=1.0) for w in (8, 16)]
    doubled = [du2019_config(12, w, 0, d=4, criterion="kernel", factor=2.0) for w in (8, 16)]
    with ResultStore(tmp_path / "runs.jsonl") as store:
        for config, result in zip(first, train_du2019_batch(first), strict=True):
            assert result.pop("resume", None) is not None  # an old record: stopped at its limit, no state
            store.append(config_key(config), config, result, task="verify.sweep.tasks:train_du2019_batch")
        assert continuation_sources(store, doubled) == {}
        summary = run_sweep(doubled, train_du2019_batch, store, workers=1, batch_by=batch_group)
        assert summary.computed == 2
        records = store.load()
    for config, want in zip(doubled, train_du2019_batch(doubled), strict=True):
        record = records[config_key(config)]
        assert "continued_from" not in record.meta
        assert record.result["steps_run"] == want["steps_run"]


def test_a_study_too_large_for_memory_is_refused_before_training(run_cli, tmp_path):
    result = run_cli("gap", "--n", "100000,200000", "--seeds", "1", "--out", tmp_path, "--no-report")
    assert result.exit_code == 2
    assert result.output.startswith("error: training at n = 100000") and "over the memory budget" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "runs.jsonl").read_text()


def test_a_stored_study_regenerates_whatever_the_memory_budget(study, run_cli, monkeypatch, tmp_path):
    """Memory is checked only where something must train: a study trained on a larger machine regenerates here."""
    import shutil

    import verify.memory

    out, data = study
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    monkeypatch.setattr(verify.memory, "default_budget", lambda: 1.0)
    again = run_cli(*SMALL, "--out", copy, "--workers", "1", "--format", "json", "--no-report")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["rows"] == data["rows"]
    fresh = run_cli(*SMALL, "--out", tmp_path / "fresh", "--workers", "1", "--no-report")
    assert fresh.exit_code == 2 and "over the memory budget of 1 bytes" in fresh.output


def test_strict_json_everywhere(study):
    out, data = study
    def refuse(constant):
        raise ValueError(constant)
    json.loads((out / "gap.json").read_text(), parse_constant=refuse)
    json.dumps(data, allow_nan=False)


def test_rerunning_the_same_command_trains_nothing(study, run_cli):
    out, data = study
    before = (out / "runs.jsonl").read_text()
    result = run_cli(*SMALL, "--out", out, "--workers", "1", "--format", "json", "--no-report")
    assert result.exit_code == 0
    assert (out / "runs.jsonl").read_text() == before
    assert json.loads(result.stdout)["rows"] == data["rows"]


def test_dask_local_cluster_gives_the_same_answer(study, run_cli, tmp_path):
    pytest.importorskip("distributed")
    _, data = study
    result = run_cli(*SMALL, "--out", tmp_path, "--dask", "local", "--workers", "2", "--format", "json", "--no-report")
    assert result.exit_code == 0, result.output
    assert [r["minimal_width_per_seed"] for r in json.loads(result.stdout)["rows"]] == \
           [r["minimal_width_per_seed"] for r in data["rows"]]


def test_report_writes_pages_and_figures(study, run_cli):
    out, _ = study
    result = run_cli("report", out, "-o", out / "again" / "report.html")
    assert result.exit_code == 0, result.output
    html = (out / "again" / "report.html").read_text()
    markdown = (out / "again" / "report.md").read_text()
    for name in ("widths_vs_n", "loss_curves", "looseness", "exponents"):
        png = out / "again" / "figures" / f"{name}.png"
        assert png.read_bytes()[:4] == b"\x89PNG" and png.stat().st_size > 10_000
        assert f"figures/{name}.png" in html and f"figures/{name}.png" in markdown
    assert "interpolation:300: m* ~ n^" in html and "kernel:2: m* ~ n^" in html
    assert "Stability at n = 16" in markdown


@pytest.mark.parametrize("args, message", [
    (["gap", "--n", "16"], "at least two distinct sample sizes"),
    (["gap", "--n", "16,x"], "comma-separated whole numbers"),
    (["gap", "--n", "8,16", "--eps", "2"], "--eps 2 is outside"),
    (["gap", "--n", "8,16", "--eta", "-1"], "--eta must be positive"),
    (["gap", "--n", "8,16", "--entry", "nope/x"], "unknown theorem id"),
    (["gap", "--n", "8,16", "--setting", "resnet"], "not supported"),
    (["report", "/no/such/results"], "no gap.json here"),
    (["gap", "--n", "8,16", "--L", "2"], "--L applies to deep settings only"),
    (["gap", "--n", "8,16", "--setting", "deep", "--L", "0,2"], "positive whole numbers"),
    (["gap", "--n", "8,16", "--setting", "deep", "--L", "2,2"], "distinct depths"),
    (["gap", "--n", "8,16", "--steps", "100"], "--steps sets the budget criterion's step budget"),
    (["gap", "--n", "8,16", "--criterion", "budget"], "needs --steps"),
    (["gap", "--n", "8,16", "--criterion", "fast"], "unknown criterion 'fast'"),
    (["gap", "--n", "8,16", "--criterion", "kernel:x"], "is not a number"),
    (["gap", "--n", "8,16", "--criterion", "kernel:0.5"], "finite number >= 1"),
    (["gap", "--n", "8,16", "--criterion", "interpolation,kernel,kernel:3"], "each criterion once"),
    (["gap", "--n", "8,16", "--criterion-max-n", "kernel=8"], "only a criterion after the headline"),
    (["gap", "--n", "8,16", "--criterion", "interpolation,kernel", "--criterion-max-n", "kernel"], "NAME=N"),
    pytest.param(["gap", "--n", "8,16", "--device", "cuda"], "--device cuda", marks=pytest.mark.skipif(
        __import__("verify.train_torch", fromlist=["cuda_available"]).cuda_available(), reason="a GPU is visible")),
])
def test_bad_input(run_cli, tmp_path, args, message):
    result = run_cli(*args, *(["--out", str(tmp_path)] if args[0] == "gap" else []))
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output


DEEP = ["gap", "--setting", "deep", "--n", "16,32,64", "--L", "1,3", "--seeds", "2", "--d", "5", "--max-width", "256"]


@pytest.fixture(scope="module")
def deep_study(tmp_path_factory):
    return _run_study(tmp_path_factory, DEEP, "gap-deep")


def test_deep_study_fits_n_and_L_and_compares_deep_theorems(deep_study):
    out, data = deep_study
    assert [(r["n"], r["L"]) for r in data["rows"]] == [(n, L) for L in (1, 3) for n in (16, 32, 64)]
    for key in ("exponent", "exponent_L"):
        low, high = data[key + "_ci"]
        assert low <= data[key] <= high
    assert [f["L"] for f in data["exponent_by_L"]] == [1, 3]
    ids = {e["id"] for e in data["entries"]}
    assert "zou-gu-2019/thm-gd" in ids and "allen-zhu-li-song-2019/thm1-gd" in ids
    assert not any(i.startswith("du-zhai-poczos-singh-2019/") for i in ids)  # two-layer theorems are not compared
    zou_gu = next(e for e in data["entries"] if e["id"] == "zou-gu-2019/thm-gd")
    assert (zou_gu["exponent_n_stated"], zou_gu["exponent_L_stated"]) == (8, 12)
    # The prediction depends on L as the theorem says: L^12 between L = 1 and L = 3 at the same n.
    rows = {(r["n"], r["L"]): r for r in data["rows"]}
    w1 = rows[(32, 1)]["entries"]["zou-gu-2019/thm-gd"]["width_log10"]
    w3 = rows[(32, 3)]["entries"]["zou-gu-2019/thm-gd"]["width_log10"]
    assert w3 - w1 == pytest.approx(12 * __import__("math").log10(3), abs=1e-6)
    runs = [json.loads(line) for line in (out / "runs.jsonl").read_text().splitlines()]
    assert {r["config"]["setting"] for r in runs} == {"zou-gu2019"}
    assert {r["config"]["L"] for r in runs} == {1, 3}
    markdown = (out / "report.md").read_text()
    assert "L^" in markdown and "n = 64, L = 3" in markdown


def test_deep_stability_check_continues_capped_runs_from_their_state(deep_study):
    """The deep study's doubled search continues runs stopped by the first cap (DeepBatch keeps their trained
    layers) instead of training them from step 0; the count is in the stability block."""
    out, data = deep_study
    runs = [json.loads(line) for line in (out / "runs.jsonl").read_text().splitlines()]
    continued = [r for r in runs if "continued_from" in r["meta"]]
    by_key = {r["key"]: r for r in runs}
    assert continued, "the doubled searches met runs that the first cap stopped"
    for record in continued:
        source = by_key[record["meta"]["continued_from"]]
        assert source["result"]["stop_reason"] in ("limit", "too slow")
        start = record["meta"]["continued_at_step"]
        assert start == source["result"]["resume"]["step"] <= record["result"]["steps_run"]
    counted = sum(block["stability"]["continued_runs"] for block in data["criteria"])
    assert counted == len(continued)
    from verify.sweep.tasks import train_zou_gu2019_batch

    record = max(continued, key=lambda r: r["result"]["steps_run"])
    trained = train_zou_gu2019_batch([record["config"]])[0]  # from step 0
    for field in ("succeeded", "steps_run", "steps_to_eps", "stop_reason", "step_limit", "criterion"):
        assert trained[field] == record["result"][field], field
    assert trained["final_loss"] == pytest.approx(record["result"]["final_loss"], rel=1e-9)
