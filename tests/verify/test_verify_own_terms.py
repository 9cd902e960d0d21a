"""`bounds verify` on SGD and classification theorems: each checked in its own terms (tiny runs)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from verify_helpers import DU_ID

import bounds
from bounds.cli import main
from verify import verify_entry
from verify.data import holdout, sphere
from verify.verdict import ntk_margin

ZOU_GU_SGD = "zou-gu-2019/thm-sgd"
CHEN = "chen-cao-zou-gu-2021/thm3.3-prop4.2-gd-ntrf-margin"


def _strict(text: str) -> dict:
    def refuse(name):
        raise ValueError(f"non-strict JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


def run(*args):
    return CliRunner().invoke(main, ["verify", *map(str, args)])


def test_sgd_theorem_runs_sgd_with_the_batch_it_names():
    result = run(ZOU_GU_SGD, "--n", 16, "--d", 5, "--L", 1, "--width", 64, "--batch", 4, "--steps", 60,
                 "--format", "json")
    assert result.exit_code == 0, result.output + result.stderr
    record = _strict(result.stdout)
    assert record["algorithm"] == "SGD" and record["batch_size"] == 4
    assert record["training"]["sampling"] == "without-replacement"
    assert any("B = 4" in a for a in record["predicted"]["assumed"])  # the width is evaluated at the B run
    measured = [g for g in record["guarantees"] if g["measured"] is not None]
    assert len(measured) >= 3
    rate = next(g for g in record["guarantees"] if g["name"] == "linear_rate")
    assert rate["held"] is None and "expectation" in rate["note"]


def test_sgd_theorem_without_batch_gets_the_default_and_says_so():
    result = run(ZOU_GU_SGD, "--n", 12, "--d", 5, "--L", 1, "--width", 32, "--steps", 10, "--format", "json")
    assert result.exit_code == 0, result.output + result.stderr
    record = _strict(result.stdout)
    assert record["batch_size"] == 8 and any("batch size B = 8" in c for c in record["training"]["choices"])


def test_batch_equal_to_n_reproduces_gd_through_the_api():
    data = sphere(12, 4, seed=0)
    entry = bounds.get(DU_ID)
    gd_run = verify_entry(entry, data, widths=[200], steps=30, step_size="auto")
    sgd_run = verify_entry(entry, data, widths=[200], steps=30, step_size="auto", batch=12)
    assert gd_run.training["algorithm"] == "GD" and sgd_run.training["algorithm"] == "SGD"
    np.testing.assert_allclose(sgd_run.results[0].losses, gd_run.results[0].losses, rtol=1e-12)


def test_classification_theorem_trains_and_reports_training_error():
    result = run(CHEN, "--n", 16, "--d", 5, "--L", 1, "--width", 64, "--steps", 150, "--format", "json")
    assert result.exit_code == 0, result.output + result.stderr
    record = _strict(result.stdout)
    assert record["training"]["loss"] == "logistic" and record["stated_guarantee"] == "training-loss"
    assert "log(1 + exp" in record["model"]["loss"]
    assert any(a.startswith("gamma = ") for a in record["predicted"]["assumed"])
    names = {g["name"]: g for g in record["guarantees"]}
    assert names["training_error"]["measured"] is not None and 0 <= names["training_error"]["measured"] <= 1
    assert names["test_error"]["measured"] is not None  # n held-out points by default
    assert record["data"]["n"] == 16
    loss = record["runs"][0]["loss_curve"]["loss"]
    assert loss[-1] < loss[0]


@pytest.mark.parametrize("args, message", [
    ([ZOU_GU_SGD, "--n", 8, "--L", 1, "--width", 16, "--batch", 0], "--batch must be a positive integer"),
    ([ZOU_GU_SGD, "--n", 8, "--L", 1, "--width", 16, "--batch", 9], "--batch must be an integer between 1 and n"),
    ([CHEN, "--n", 8, "--L", 1, "--width", 16, "--test-n", -1], "--test-n must be non-negative"),
    ([ZOU_GU_SGD, "--n", 8, "--L", 1, "--width", 16, "--sgd-draws", 0], "--sgd-draws must be a positive integer"),
])
def test_bad_sgd_input_is_one_line_and_exit_2(args, message):
    result = run(*args)
    assert result.exit_code == 2, result.output + result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_ntk_margin_is_the_hard_margin_svm_margin():
    # two orthogonal unit features with opposite labels: the max-margin direction is (e1 - e2)/sqrt(2)
    assert ntk_margin(np.eye(2), np.array([1.0, -1.0])) == pytest.approx(1 / np.sqrt(2), rel=1e-8)
    # linear kernel on separable 1-d data: margin = the smallest |x|
    x = np.array([[0.5], [2.0], [-1.0], [-3.0]])
    assert ntk_margin(x @ x.T, np.sign(x[:, 0])) == pytest.approx(0.5, rel=1e-6)


def test_holdout_splits_one_draw():
    data = sphere(20, 4, seed=1, labels="teacher")
    train, test = holdout(data, 5)
    assert train.n == 15 and test.n == 5
    np.testing.assert_array_equal(np.vstack([train.X, test.X]), data.X)
    assert train.delta >= data.delta


def test_sgd_expected_loss_over_independent_batch_draws():
    data = sphere(12, 4, seed=0)
    entry = bounds.get(ZOU_GU_SGD)
    verdict = verify_entry(entry, data, L=1, widths=[48], batch=3, sgd_draws=3, max_steps=80, eps=1e-6)
    result = verdict.results[0]
    g = next(g for g in result.guarantees if g.name == "expected_loss")
    finals = result.numbers["sgd_draw_final_losses"]
    assert len(finals) == 3 and len(set(finals)) == 3  # three different batch sequences
    assert g.measured == pytest.approx(np.mean(finals)) and g.predicted == 1e-6
    assert verdict.training["sgd_draws"] == 3
    from verify.errors import VerifyError

    with pytest.raises(VerifyError, match="needs minibatch SGD"):
        verify_entry(bounds.get(DU_ID), data, widths=[48], sgd_draws=2, steps=5)


def test_draw_zero_is_the_single_run_batch_sequence():
    from verify.objectives import _Sampler

    a, b, c = (
        _Sampler(10, 3, "shuffle", 1, 5),
        _Sampler(10, 3, "shuffle", 1, 5, draw=0),
        _Sampler(10, 3, "shuffle", 1, 5, 1),
    )
    first = [a.indices().tolist() for _ in range(4)]
    assert first == [b.indices().tolist() for _ in range(4)]
    assert first != [c.indices().tolist() for _ in range(4)]
