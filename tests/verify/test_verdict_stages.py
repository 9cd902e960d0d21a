"""The stages of verify_entry on one small case: plan, sizing, step choice, training and judgement, each
with its typed record, composing to what verify_entry returns."""

from __future__ import annotations

import math

import pytest
from verify_helpers import DU_ID

import bounds
from verify.data import sphere
from verify.errors import VerifyError
from verify.records import RecordWriter
from verify.step_size import auto_step_size
from verify.verdict import (
    Judgement,
    Plan,
    Prediction,
    StepChoice,
    TrainedWidth,
    TrainingSetup,
    choose_step,
    judge,
    plan_verification,
    size_widths,
    train_widths,
    verify_entry,
)

OPTIONS = {"L": None, "backend": "numpy", "device": "cpu", "dtype": None, "eps": 1e-3, "constants": None, "seed": 0,
           "memory_budget": 2**30, "batch": None, "sampling": None, "test_data": None, "train": True, "sgd_draws": 1}


@pytest.fixture(scope="module")
def plan() -> Plan:
    return plan_verification(bounds.get(DU_ID), sphere(16, 10, seed=0), widths=["predicted", 64], **OPTIONS)


def test_plan_records_model_data_setup_and_prediction(plan):
    assert plan.spec.name.startswith("two-layer") and plan.dataset.n == 16
    assert isinstance(plan.setup, TrainingSetup) and plan.setup.algorithm == "GD" and plan.setup.batch_size is None
    assert isinstance(plan.prediction, Prediction) and plan.prediction.values["n"] == 16
    assert plan.lambda_0 == pytest.approx(plan.spec.lambda_0(plan.dataset.X))
    assert plan.predicted_width_log10 > 15 and plan.predicted_width is None  # beyond any integer width trained
    assert not plan.feasible and plan.largest_feasible_width > 64
    assert plan.requests == [("predicted", "predicted", 1.0), ("64", "explicit", 64.0)]
    record = plan.setting_record()
    assert record["type"] == "setting" and record["training"] == plan.setup.to_dict()



@pytest.mark.parametrize("entry_id, unit_count", [
    ("oymak-soltanolkotabi-2020/sgd-relu-layer1", lambda n, d: n**2 / d),  # n^2 first-layer parameters d m
    ("eftekhari-song-cevher-2019/modified-gd-linear", lambda n, d: n / (d + 1)),  # n parameters (d + 1) m
])
def test_a_bound_that_counts_parameters_predicts_the_width_that_has_that_many(entry_id, unit_count):
    """The width trained as 'predicted' is the one whose parameter count reaches the bound, not the count
    itself: for Oymak & Soltanolkotabi's n^2 parameters at n = 40, d = 10, width 160 rather than 1600."""
    plan = plan_verification(bounds.get(entry_id), sphere(40, 10, seed=0), widths=["predicted"],
                             **{**OPTIONS, "train": False})
    assert plan.predicted_width_log10 == pytest.approx(math.log10(unit_count(40, 10)), abs=1e-9)
    assert any(note.startswith("converted from parameters to width") for note in plan.prediction.assumed)


def test_plan_refuses_bad_arguments_in_one_line():
    data = sphere(8, 5, seed=0)
    with pytest.raises(VerifyError, match="sgd-draws needs minibatch SGD"):
        plan_verification(bounds.get(DU_ID), data, widths=[8], **{**OPTIONS, "sgd_draws": 2})
    with pytest.raises(VerifyError, match="no width requested"):
        plan_verification(bounds.get(DU_ID), data, widths=[], **OPTIONS)


def test_sizing_and_step_choice(plan):
    results = size_widths(plan)
    assert [r.label for r in results] == ["predicted", "64"]
    predicted, explicit = results
    assert not predicted.feasible  # Du et al.'s width at n = 16 is astronomically large
    assert explicit.feasible and explicit.width == 64
    auto = choose_step(plan, 64, "auto", None, 40)
    assert isinstance(auto, StepChoice) and auto.steps_planned == 40
    assert auto.eta == auto_step_size(plan.spec, plan.spec.analytic_kernel(plan.dataset.X, 64))
    theory = choose_step(plan, 64, "theory", 7, 40)
    assert theory.eta_source.startswith("theory") and theory.steps_planned == 7
    assert theory.predicted_iterations is not None and theory.iterations_source == "the entry's iteration bound"
    assert choose_step(plan, 64, 0.25, None, 40).eta == 0.25


def test_training_and_judgement_compose_to_verify_entry(plan):
    result = size_widths(plan)[1]
    choice = choose_step(plan, 64, "auto", 30, 5000)
    result.eta, result.eta_source, result.steps_planned = choice.eta, choice.eta_source, choice.steps_planned
    result.predicted_iterations, result.iterations_source = choice.predicted_iterations, choice.iterations_source
    (trained,) = train_widths(plan, [result], RecordWriter(None), None)
    assert isinstance(trained, TrainedWidth) and len(trained.trajectory.losses) == 31
    judgement = judge(plan, trained)
    assert isinstance(judgement, Judgement)
    names = [g.name for g in judgement.guarantees]
    assert "linear_rate" in names and "weight_distance" in names
    # the entry's iteration count assumes its own step size, not 'auto': the judgement says so
    assert any("not judged" in m for m in judgement.messages)
    verdict = verify_entry(bounds.get(DU_ID), sphere(16, 10, seed=0), widths=[64], steps=30, step_size="auto",
                           memory_budget=2**30)
    run = verdict.results[0]
    assert run.losses == trained.trajectory.losses
    assert [g.to_dict() for g in run.guarantees] == [g.to_dict() for g in judgement.guarantees]
    assert verdict.training == plan.setup.to_dict() and verdict.evaluation == plan.prediction.to_dict()
