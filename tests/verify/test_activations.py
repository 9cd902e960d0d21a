"""The activation objects of verify.activations: derivative, normalisation, kernel rule and backends agree
with their definitions (finite differences, quadrature of E[act(z)^2], Monte Carlo of the dual maps)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from verify.activations import ACTIVATIONS, Activation, activation
from verify.errors import UnsupportedSettingError

NAMES = list(ACTIVATIONS)


def test_registry_knows_every_modelled_activation_and_names_them_on_error():
    assert set(NAMES) == {"relu", "softplus", "tanh"}
    for name in NAMES:
        act = activation(name)
        assert isinstance(act, Activation) and act.name == name and activation(act) is act
    with pytest.raises(UnsupportedSettingError) as err:
        activation("sigmoid")
    message = str(err.value)
    assert "\n" not in message and "'sigmoid'" in message and all(name in message for name in NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_derivative_matches_central_differences(name):
    act = activation(name)
    z = np.linspace(-4, 4, 81)
    z = z[np.abs(z) > 1e-3]  # ReLU has its kink at 0
    h = 1e-6
    numeric = (act.value(z + h) - act.value(z - h)) / (2 * h)
    assert np.allclose(act.derivative(z), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", NAMES)
def test_c_sigma_normalises_the_second_moment(name):
    """c_sigma E[act(z)^2] = 1 for z ~ N(0, 1): checked against an independent Monte Carlo estimate."""
    act = activation(name)
    z = np.random.default_rng(0).standard_normal(2_000_000)
    second = float(np.mean(act.value(z) ** 2))
    assert act.c_sigma * second == pytest.approx(1.0, rel=5e-3)
    if name == "relu":
        assert act.c_sigma == 2.0


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("rho", [-0.8, 0.0, 0.45, 0.95])
@pytest.mark.parametrize("scale", [1.0, 0.7])
def test_kernel_rule_matches_monte_carlo(name, rho, scale):
    act = activation(name)
    rng = np.random.default_rng(1)
    u = rng.standard_normal(1_000_000)
    v = rho * u + math.sqrt(1 - rho**2) * rng.standard_normal(u.size)
    u, v = scale * u, scale * v
    mc_dual = float(np.mean(act.value(u) * act.value(v)))
    mc_dot = float(np.mean(act.derivative(u) * act.derivative(v)))
    assert float(act.dual(np.array(rho), scale)) == pytest.approx(mc_dual, abs=4e-3)
    assert float(act.dual_derivative(np.array(rho), scale)) == pytest.approx(mc_dot, abs=4e-3)


@pytest.mark.parametrize("name", NAMES)
def test_layer_is_c_sigma_times_the_dual_maps_and_keeps_unit_diagonal(name):
    act = activation(name)
    X = np.random.default_rng(2).standard_normal((5, 3))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    S = act.input_kernel(X)
    sigma, dot = act.layer(S)
    rho = np.clip(S, -1, 1)
    assert np.allclose(sigma, act.c_sigma * act.dual(rho), atol=1e-9)
    assert np.allclose(dot, act.c_sigma * act.dual_derivative(rho), atol=1e-9)
    assert np.allclose(np.diag(sigma), 1.0, atol=1e-6)  # c_sigma keeps Sigma^(h)(x, x) = ||x||^2 = 1


def test_relu_layer_is_homogeneous_in_the_input_norms():
    relu = activation("relu")
    X = np.random.default_rng(3).standard_normal((4, 3))
    S = X @ X.T
    sigma, dot = relu.layer(4.0 * S)
    sigma1, dot1 = relu.layer(S)
    assert np.allclose(sigma, 4.0 * sigma1) and np.allclose(dot, dot1)
    assert np.allclose(np.diag(sigma1), np.diag(S))


@pytest.mark.parametrize("name", NAMES)
def test_fused_numpy_step_writes_the_derivative_and_returns_the_value(name):
    act = activation(name)
    Z = np.random.default_rng(4).standard_normal((6, 7)) * 3
    expected_value, expected_grad = act.value(Z), act.derivative(Z)
    S = np.empty_like(Z)
    A = act.apply(Z.copy(), S)
    assert np.allclose(A, expected_value, rtol=1e-12, atol=1e-12)
    assert np.allclose(S, expected_grad, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_torch_values_equal_numpy(name):
    torch = pytest.importorskip("torch")
    act = activation(name)
    Z = np.random.default_rng(5).standard_normal((6, 7)) * 3
    value = act.torch_value(torch.as_tensor(Z)).numpy()
    assert np.allclose(value, act.value(Z), rtol=1e-12, atol=1e-12)
    Zt = torch.as_tensor(Z.copy())
    S = torch.empty_like(Zt)
    A = act.apply_torch(Zt, S)
    assert np.allclose(A.numpy(), act.value(Z), rtol=1e-12, atol=1e-12)
    assert np.allclose(S.numpy(), act.derivative(Z), rtol=1e-12, atol=1e-12)
