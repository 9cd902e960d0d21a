"""The ResNet of Du, Lee et al. 2019 (Thm 6.1): gradients, the analytic NTK, and a verdict."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from verify_helpers import assert_gradient_matches_finite_differences

import bounds
from bounds.cli import main
from verify import gd
from verify.data import sphere
from verify.models import du_lee_resnet2019, model_for_entry
from verify.resnet import ResNet, resnet_ntk, resnet_ntk_terms
from verify.train_numpy import NumpyBackend

RESNET = "du-lee-li-wang-zhai-2019/thm6.1-resnet-gd"


@pytest.mark.parametrize("activation", ["softplus", "tanh"])
def test_resnet_gradient_and_ntk_match_finite_differences(activation):
    spec = du_lee_resnet2019(3, activation, c_res=0.9)
    data = sphere(5, 3, seed=1)
    eta = 1e-3
    net = gd.build(spec, data.X, data.y, [6], 0, [eta], NumpyBackend())[0]
    assert isinstance(net, ResNet)
    params = net.W
    before = [p.copy() for p in params]
    R = net.forward()
    net.step(R, [True])
    analytic = [(b - p) / eta for b, p in zip(before, params, strict=True)]
    for p, b in zip(params, before, strict=True):
        p[...] = b

    def loss():
        return float(net.losses(net.forward())[0])

    assert_gradient_matches_finite_differences(params, analytic, loss, 10)
    h = 1e-6
    # the snapshot's kernel is J J^T: check it against finite-difference Jacobians of f
    net.forward()
    kernel = net.snapshot(0, 0, 0.0).kernel
    J = []
    for p in params:
        for index in np.ndindex(p.shape):
            old = p[index]
            p[index] = old + h
            up = np.asarray(net.forward()[:, 0])
            p[index] = old - h
            down = np.asarray(net.forward()[:, 0])
            p[index] = old
            J.append((up - down) / (2 * h))
    J = np.array(J).T
    np.testing.assert_allclose(kernel, J @ J.T, rtol=1e-5, atol=1e-8)


def test_resnet_empirical_ntk_tends_to_the_analytic_kernel():
    data = sphere(8, 5, seed=0)
    spec = du_lee_resnet2019(3, "softplus", c_res=0.9)
    K = resnet_ntk(data.X, 3, "softplus", 0.9)
    np.testing.assert_allclose(spec.analytic_kernel(data.X), K)
    errors = []
    for m in (128, 2048):
        mean = np.zeros_like(K)
        for seed in range(3):
            net = gd.build(spec, data.X, data.y, [m], seed, [0.1], NumpyBackend())[0]
            net.forward()
            mean += net.snapshot(0, 0, 0.0).kernel / 3
        errors.append(np.linalg.norm(mean - K) / np.linalg.norm(K))
    assert errors[1] < 0.6 * errors[0]  # 1/sqrt(m): a factor 4 expected for 16 times the width
    assert errors[1] < 0.02
    terms = resnet_ntk_terms(data.X, 3, "softplus", 0.9)
    assert len(terms) == 4 and all(np.all(np.linalg.eigvalsh(t) > -1e-10) for t in terms)


def test_resnet_entry_maps_and_trains():
    entry = bounds.get(RESNET)
    spec = model_for_entry(entry, L=2)
    assert spec.parametrization == "resnet" and spec.depth == 2 and all(spec.trained)
    assert any("c_res" in c for c in spec.choices)
    result = CliRunner().invoke(main, ["verify", RESNET, "--n", "12", "--d", "5", "--L", "2", "--width", "128",
                                       "--steps", "60", "--format", "json"])
    assert result.exit_code == 0, result.output + result.stderr
    record = json.loads(result.stdout)
    assert record["model"]["parametrization"] == "resnet"
    loss = record["runs"][0]["loss_curve"]["loss"]
    assert loss[-1] < loss[0]
    names = {g["name"] for g in record["guarantees"]}
    assert {"linear_rate", "ntk_at_init", "lambda_min_at_init"} <= names


def test_resnet_needs_two_layers_and_cnn_is_refused_with_the_reason():
    from verify.errors import UnsupportedSettingError

    with pytest.raises(UnsupportedSettingError, match="H = L >= 2"):
        model_for_entry(bounds.get(RESNET), L=1)
    with pytest.raises(UnsupportedSettingError, match="Definition 7.1"):
        model_for_entry(bounds.get("du-lee-li-wang-zhai-2019/thm7.1-conv-resnet-gd"))
