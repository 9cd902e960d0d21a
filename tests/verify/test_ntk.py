"""The analytic kernels of verify.ntk: laws (symmetry, PSD, diagonal), conventions, and agreement
with the empirical NTK of finite networks at large width."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from verify import gd
from verify.activations import activation
from verify.data import normalise_rows, sphere
from verify.models import du2019, du_lee2019, ntk_network
from verify.ntk import du_hinf, lambda_min, ntk_terms, relu_ntk, relu_ntk_terms, two_layer_kernel
from verify.train_numpy import NumpyBackend

finite = st.floats(-10, 10, allow_nan=False, allow_infinity=False)


def _rows(n_max: int = 8, d_max: int = 6):
    return st.integers(2, n_max).flatmap(
        lambda n: st.integers(1, d_max).flatmap(lambda d: arrays(np.float64, (n, d), elements=finite)))


@settings(max_examples=60, deadline=None)
@given(X=_rows(), depth=st.integers(1, 5))
def test_relu_ntk_symmetric_psd_with_diagonal_depth_plus_one_times_norm(X, depth):
    norms = np.sum(X * X, axis=1)
    K = relu_ntk(X, depth)
    scale = max(1.0, float(norms.max()))
    assert K.dtype == np.float64 and K.shape == (X.shape[0],) * 2
    assert np.allclose(K, K.T, atol=1e-12 * scale)
    # arccos near rho = +-1 loses half the digits (d arccos / d rho ~ 1/sqrt(1 - rho^2)), so PSD holds to
    # about sqrt(machine epsilon) relative to the kernel's scale
    assert lambda_min(K) >= -1e-6 * scale * (depth + 1) * X.shape[0]
    assert np.allclose(np.diag(K), (depth + 1) * norms, rtol=1e-10, atol=1e-12 * scale)


@settings(max_examples=40, deadline=None)
@given(X=_rows(), depth=st.integers(1, 4))
def test_unit_rows_have_diagonal_depth_plus_one_and_terms_sum_to_kernel(X, depth):
    keep = np.linalg.norm(X, axis=1) > 1e-3
    if keep.sum() < 2:
        return
    X = normalise_rows(X[keep])
    terms = relu_ntk_terms(X, depth)
    assert len(terms) == depth + 1
    assert np.allclose(sum(terms), relu_ntk(X, depth), atol=1e-12)
    assert np.allclose(np.diag(relu_ntk(X, depth)), depth + 1)
    for term in terms:  # every term is 1 on the diagonal: Sigma^(h)(x, x) = 1, Sigma-dot(x, x) = 1
        assert np.allclose(np.diag(term), 1.0)


def test_depth_one_closed_form_and_du_hinf():
    x = np.array([1.0, 0.0])
    z = np.array([math.cos(1.0), math.sin(1.0)])  # angle 1 radian
    X = np.stack([x, z])
    rho = math.cos(1.0)
    K = relu_ntk(X, 1)
    expected = rho * (math.pi - 1.0) / math.pi + (rho * (math.pi - 1.0) + math.sin(1.0)) / math.pi
    assert K[0, 1] == pytest.approx(expected, rel=1e-12)
    H = du_hinf(X)
    assert H[0, 1] == pytest.approx(rho * (math.pi - 1.0) / (2 * math.pi), rel=1e-12)
    assert np.allclose(H, relu_ntk_terms(X, 1)[0] / 2)  # H^inf = first-layer term / c_sigma
    assert np.allclose(np.diag(H), 0.5)


def test_arc_cosine_expectations_match_monte_carlo_without_the_misprinted_rho_factor():
    rng = np.random.default_rng(0)
    rho = 0.3
    u = rng.standard_normal(2_000_000)
    v = rho * u + math.sqrt(1 - rho**2) * rng.standard_normal(u.size)
    mc_dot = np.mean((u > 0) & (v > 0))
    mc_relu = np.mean(np.maximum(u, 0) * np.maximum(v, 0))
    assert mc_dot == pytest.approx((math.pi - math.acos(rho)) / (2 * math.pi), abs=2e-3)
    assert abs(mc_dot - rho * (math.pi - math.acos(rho)) / (2 * math.pi)) > 0.1  # the wrong formula is far off
    assert mc_relu == pytest.approx(
        (rho * (math.pi - math.acos(rho)) + math.sqrt(1 - rho**2)) / (2 * math.pi), abs=2e-3
    )


def test_smooth_kernels_reduce_to_known_values():
    assert activation("relu").c_sigma == 2.0
    nodes, weights = np.polynomial.hermite_e.hermegauss(80)
    for act in ("softplus", "tanh"):
        c = activation(act).c_sigma
        fn = np.logaddexp(0, nodes) if act == "softplus" else np.tanh(nodes)
        assert c * np.sum(weights * fn**2) / math.sqrt(2 * math.pi) == pytest.approx(1.0, rel=1e-10)
        X = sphere(6, 4, seed=1).X
        terms = ntk_terms(X, 2, act)
        # the output-layer term is Sigma^(2), whose diagonal c_sigma keeps at 1 (Sigma-dot's is not 1 for smooth act)
        assert np.allclose(np.diag(terms[-1]), 1.0, atol=1e-6)
        assert np.allclose(
            np.diag(terms[0]),
            c**2 * (np.sum(weights * _grad(act, nodes) ** 2) / math.sqrt(2 * math.pi)) ** 2,
            rtol=1e-6,
        )
    # tanh'(z)^2 at rho = 1: E[sech^4(z)] by quadrature; the interpolated table must agree
    X = np.eye(2)[:1].repeat(2, axis=0) + np.array([[0, 0], [0, 1e-9]])
    X = normalise_rows(X)
    value = two_layer_kernel(X, "tanh")[0, 1]
    direct = np.sum(weights * (1 - np.tanh(nodes) ** 2) ** 2) / math.sqrt(2 * math.pi)
    assert value == pytest.approx(direct, rel=1e-6)


def _grad(act, z):
    return 1 / (1 + np.exp(-z)) if act == "softplus" else 1 - np.tanh(z) ** 2


def _empirical_ntk(spec, X, m, seed=0):
    y = np.zeros(X.shape[0])
    net = gd.build(spec, X, y, [m], seed, [0.0], NumpyBackend())[0]
    net.forward()
    return net.snapshot(0, 0, 0.0).kernel


@pytest.mark.parametrize("depth, m, lambda_tol, matrix_tol", [(1, 16384, 0.05, 0.03), (3, 4096, 0.05, 0.1)])
def test_analytic_lambda0_matches_empirical_ntk_at_large_width(depth, m, lambda_tol, matrix_tol):
    """The NTK parametrisation with all layers trained converges to relu_ntk: lambda_min within 5%.

    Measured (n = 10, d = 5): depth 1, m = 16384: lambda_min errors 0.011, 0.029, matrix 0.013, 0.010;
    depth 3, m = 4096: 0.006, 0.002 and matrix 0.064, 0.061 (at m = 256 they are 0.07-0.16 and 0.13-0.21).
    """
    X = sphere(10, 5, seed=3).X
    K = relu_ntk(X, depth)
    for seed in range(2):
        H = _empirical_ntk(ntk_network(depth), X, m, seed)
        assert abs(lambda_min(H) - lambda_min(K)) / lambda_min(K) < lambda_tol
        assert np.linalg.norm(H - K) / np.linalg.norm(K) < matrix_tol


def test_finite_width_error_shrinks_with_width():
    X = sphere(8, 5, seed=0).X
    K = relu_ntk(X, 2)
    err = [np.mean([np.linalg.norm(_empirical_ntk(ntk_network(2), X, m, s) - K) / np.linalg.norm(K) for s in range(3)])
           for m in (64, 1024)]
    assert err[1] < err[0] / 2  # O(1/sqrt(m)): a factor 4 expected


def test_du_two_layer_kernel_and_smooth_deep_kernel_match_wide_networks():
    X = sphere(8, 5, seed=2).X
    H = _empirical_ntk(du2019(), X, 200_000)
    assert np.linalg.norm(H - du_hinf(X)) / np.linalg.norm(du_hinf(X)) < 0.02
    spec = du_lee2019(2, "softplus")
    K = spec.analytic_kernel(X)
    H = _empirical_ntk(spec, X, 4096)
    assert np.linalg.norm(H - K) / np.linalg.norm(K) < 0.08


def test_rejects_bad_input():
    from verify.errors import DataError

    with pytest.raises(DataError):
        relu_ntk(np.ones(3), 1)
    with pytest.raises(DataError):
        relu_ntk(np.ones((2, 2)), 0)
    with pytest.raises(DataError):
        relu_ntk(np.array([[np.nan, 1.0]]), 1)
    with pytest.raises(DataError):
        ntk_terms(np.ones((2, 2)), 1, "tanh")  # smooth kernels need unit rows
