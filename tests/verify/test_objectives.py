"""Minibatch SGD and the logistic loss (verify.objectives) on the hand-written networks of verify.gd."""

from __future__ import annotations

import numpy as np
import pytest
from verify_helpers import assert_gradient_matches_finite_differences

from verify import gd
from verify.data import sphere
from verify.models import du2019, oymak2020, song2021, zou_gu2019
from verify.objectives import Objective, _Sampler, logistic_grad, logistic_loss, outputs
from verify.train_numpy import NumpyBackend

SPECS = [du2019(), oymak2020("softplus"), song2021("tanh"), zou_gu2019(1)]


def _train(spec, data, widths, *, steps=60, eta=0.05, **objective):
    net = gd.build(spec, data.X, data.y, widths, 0, [eta] * len(widths), NumpyBackend())[0]
    obj = None
    if objective:
        obj = Objective(spec, data.y, seeds=[0] * len(widths), widths=widths, **objective)
    return gd.run(net, steps, 1e-12, objective=obj), obj


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name[:40])
def test_sgd_with_the_whole_batch_is_gd(spec):
    data = sphere(12, 4, seed=3)
    widths = [16] if not spec.two_layer or spec.trained != (True, False) else [16, 24]
    gd_runs, _ = _train(spec, data, widths)
    sgd_runs, obj = _train(spec, data, widths, batch=data.n, sampling="without-replacement")
    for a, b in zip(gd_runs, sgd_runs, strict=True):
        assert a.losses[-1] < a.losses[0]
        np.testing.assert_allclose(b.losses, a.losses, rtol=1e-12, atol=0)
    assert obj.algorithm == "SGD" and obj.describe()["batch_size"] == data.n


def test_sgd_with_small_batches_differs_from_gd_and_still_descends():
    data = sphere(16, 4, seed=1)
    gd_runs, _ = _train(du2019(), data, [64], steps=300, eta=0.5)
    sgd_runs, _ = _train(du2019(), data, [64], steps=300, eta=0.5, batch=4)
    assert not np.allclose(gd_runs[0].losses, sgd_runs[0].losses)
    assert sgd_runs[0].losses[-1] < 0.5 * sgd_runs[0].losses[0]


@pytest.mark.parametrize("sampling", ["without-replacement", "with-replacement", "shuffle"])
def test_sampler_weights_are_unbiased_and_seeded(sampling):
    n, B = 10, 3
    a, b = _Sampler(n, B, sampling, 7, 100), _Sampler(n, B, sampling, 7, 100)
    draws = np.array([a.weights() for _ in range(3000)])
    np.testing.assert_array_equal(draws[:5], np.array([b.weights() for _ in range(5)]))
    assert np.allclose(draws.sum(axis=1), n)  # (n / B) * B samples per step
    np.testing.assert_allclose(draws.mean(axis=0), np.ones(n), atol=0.1)  # E[weight] = 1
    if sampling != "with-replacement":
        assert set(np.unique(draws)) <= {0.0, n / B}


def test_logistic_loss_and_its_derivative_are_stable():
    z = np.array([-800.0, -1.0, 0.0, 2.0, 800.0])
    assert np.all(np.isfinite(logistic_loss(z))) and np.all(np.isfinite(logistic_grad(z)))
    np.testing.assert_allclose(logistic_loss(np.array([0.0])), [np.log(2.0)])
    h = 1e-6
    inner = z[1:4]
    np.testing.assert_allclose(logistic_grad(inner), (logistic_loss(inner + h) - logistic_loss(inner - h)) / (2 * h),
                               rtol=1e-7)


def _params(net):
    if isinstance(net, gd.TwoLayerBatch):
        return [net.W]
    return [W for W, t in zip(net.W, net.spec.trained, strict=True) if t]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name[:40])
def test_logistic_gradient_matches_finite_differences(spec):
    data = sphere(6, 3, seed=2)
    eta = 1e-3
    net = gd.build(spec, data.X, data.y, [5], 0, [eta], NumpyBackend())[0]
    obj = Objective(spec, data.y, loss="logistic", seeds=[0], widths=[5])

    def loss():
        return float(obj.losses(net, net.forward(), 0)[0])

    before = [p.copy() for p in _params(net)]
    R = net.forward()
    net.step(obj.direction(net, R))
    analytic = [(b - p) / eta for b, p in zip(before, _params(net), strict=True)]
    for p, b in zip(_params(net), before, strict=True):
        p[...] = b
    assert_gradient_matches_finite_differences(_params(net), analytic, loss, 12)


def test_logistic_training_separates_and_records_errors_and_test_points():
    both = sphere(64, 5, seed=4, labels="teacher")  # one teacher for training and held-out points
    X, Xt = both.X[:24], both.X[24:]
    y, yt = np.where(both.y[:24] >= 0, 1.0, -1.0), np.where(both.y[24:] >= 0, 1.0, -1.0)
    spec = du2019()
    net = gd.build(spec, X, y, [256], 0, [2.0], NumpyBackend())[0]
    obj = Objective(spec, y, loss="logistic", seeds=[0], widths=[256], X_test=Xt, y_test=yt)
    traj = gd.run(net, 400, 1e-9, objective=obj)[0]
    h = obj.history[0]
    assert traj.losses[-1] < 0.5 * traj.losses[0]
    assert len(h.train_error) == len(traj.losses)
    assert h.train_error[-1] == 0.0 and h.first_zero_error is not None and h.min_margin[-1] > 0
    assert set(h.test_error) == {s.step for s in traj.snapshots}
    assert 0.0 <= h.test_error[max(h.test_error)] < 0.5



@pytest.mark.parametrize("objective", [{"loss": "logistic"}, {"batch": 5, "sampling": "shuffle"}],
                         ids=["logistic", "sgd"])
def test_an_objective_under_the_blocked_step_equals_it_under_the_fused_step(monkeypatch, objective):
    """Under an objective the step's direction is not forward()'s residual: the blocked step (blocks of one to
    three rows here) must compute its gradients for the direction it is given, as the fused step does."""
    data = sphere(20, 4, seed=5, labels="teacher")
    y = np.where(data.y >= 0, 1.0, -1.0)
    spec, widths = du2019(), [6, 11]

    def losses(row_block: int, fused_max: int) -> list[list[float]]:
        monkeypatch.setattr(gd.TwoLayerBatch, "ROW_BLOCK_ELEMENTS", row_block)
        monkeypatch.setattr(gd.TwoLayerBatch, "MIN_BLOCK_ROWS", 1)
        monkeypatch.setattr(gd.TwoLayerBatch, "FUSED_MAX_ELEMENTS", fused_max)
        net = gd.TwoLayerBatch(spec, data.X, y, widths, [0, 1], [0.5, 0.5], NumpyBackend())
        assert net.blocked == (row_block < 1 << 20)
        obj = Objective(spec, y, seeds=[0, 1], widths=widths, **objective)
        trajectories = gd.run(net, 80, 1e-12, objective=obj)
        assert net.gradients_in_forward is False  # no gradient is made ahead for a direction it cannot know
        return [t.losses for t in trajectories]

    fused, blocked = losses(1 << 20, 1 << 20), losses(30, 0)
    for a, b in zip(fused, blocked, strict=True):
        assert a[-1] < a[0]
        np.testing.assert_allclose(b, a, rtol=1e-11, atol=0)


def test_outputs_agree_with_the_forward_pass():
    data = sphere(7, 3, seed=0)
    for spec in SPECS:
        net = gd.build(spec, data.X, data.y, [9], 0, [0.1], NumpyBackend())[0]
        R = net.forward()
        f = np.asarray(R[:, 0]) + data.y
        np.testing.assert_allclose(outputs(net, 0, data.X), f, rtol=1e-12, atol=1e-12)


def test_objective_refuses_bad_input():
    spec, y = du2019(), np.array([1.0, -1.0, 0.5])
    with pytest.raises(ValueError, match="binary labels"):
        Objective(spec, y, loss="logistic")
    with pytest.raises(ValueError, match="batch size"):
        Objective(spec, y, batch=4)
    with pytest.raises(ValueError, match="sampling"):
        Objective(spec, y, batch=2, sampling="stratified")
