"""Infinite-width kernels: the analytic NTK of deep ReLU networks and its relatives.

Convention (Arora, Du, Hu, Li, Salakhutdinov & Wang 2019, "On Exact Computation with an
Infinitely Wide Neural Net"; Jacot et al. 2018), for a fully connected network with
``depth`` hidden layers, no biases, c_sigma = 2 for ReLU::

    Sigma^(0)(x, x') = x . x'
    Sigma^(h)(x, x') = c_sigma E[relu(u) relu(v)],       (u, v) ~ N(0, Lambda^(h))
    Sigma-dot^(h)    = c_sigma E[relu'(u) relu'(v)],     Lambda^(h) = [[S(x,x), S(x,x')], [S(x,x'), S(x',x')]]
    Theta^(0) = Sigma^(0),   Theta^(h) = Theta^(h-1) Sigma-dot^(h) + Sigma^(h)

with S = Sigma^(h-1).  For correlation rho of Lambda^(h) the two expectations are (arc-cosine
kernels of degree 1 and 0; note that the second has NO factor rho, contrary to a widely
copied misprint)::

    E[relu(u) relu(v)]   = sqrt(S(x,x) S(x',x')) (rho (pi - arccos rho) + sqrt(1 - rho^2)) / (2 pi)
    E[relu'(u) relu'(v)] = (pi - arccos rho) / (2 pi)

so Sigma^(h)(x, x) = ||x||^2 for every h and the diagonal of Theta^(depth) is (depth + 1) ||x||^2.
Theta^(depth) is the limit of the empirical NTK of the network in the NTK parametrisation
x^(h) = sqrt(2/m) relu(W_h x^(h-1)), f = v . x^(depth), all entries N(0, 1), ALL layers trained.

Relations to other normalisations:

* Du, Zhai, Poczos & Singh 2019's H^inf (two-layer, first layer trained, f = m^-1/2 sum a_r
  relu(w_r . x), w_r ~ N(0, I)) is H^inf = Sigma^(0) * Sigma-dot^(1) / 2, i.e. the first-layer term
  of :func:`relu_ntk_terms` with depth 1, divided by c_sigma = 2 (see :func:`du_hinf`).
* neural-tangents' ``stax.serial(Dense(W_std=sqrt(2)), Relu(), ..., Dense(W_std=sqrt(2)))``
  without biases feeds x . x' / d into the first layer, so its NTK equals (2 / d) times
  ``relu_ntk(X, depth)`` (its first Dense layer contributes W_std^2 x.x'/d = 2 x.x'/d).

Each term of the sum (one per trained weight matrix) is returned by :func:`relu_ntk_terms`, so
that a model that trains only some layers (Allen-Zhu, Li & Song train the hidden layers only) can
form the kernel of the layers it trains.  Smooth activations (softplus, tanh) use the same
recursion with the expectations computed by Gauss-Hermite quadrature on a grid of correlations.
Each layer's map (the closed forms above, or the quadrature tables) is the activation's own kernel
rule, :meth:`verify.activations.Activation.layer`; this module only composes the layers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .activations import Activation
from .activations import activation as get_activation
from .errors import DataError

__all__ = [
    "relu_ntk", "relu_ntk_terms", "du_hinf", "ntk_terms", "two_layer_kernel", "two_layer_output_kernel", "lambda_min",
]

RELU = get_activation("relu")


def _as_matrix(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise DataError(f"expected a non-empty 2-D array of inputs (n x d), got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise DataError("inputs contain NaN or infinity")
    return X


def _check_depth(depth: int) -> int:
    if isinstance(depth, bool) or int(depth) != depth or depth < 1:
        raise DataError(f"depth must be a positive integer (number of hidden layers), got {depth!r}")
    return int(depth)


def _layer_terms(sigmas: list[np.ndarray], dots: list[np.ndarray]) -> list[np.ndarray]:
    """Term h of the NTK: Sigma^(h) times every later layer's Sigma-dot (one per trained layer)."""
    terms = []
    for h, sigma in enumerate(sigmas):
        term = sigma.copy()
        for dot in dots[h:]:
            term *= dot
        terms.append(term)
    return terms


def relu_ntk_terms(X: np.ndarray, depth: int) -> list[np.ndarray]:
    """The NTK of a depth-`depth` ReLU network split by trained weight matrix.

    Returns ``depth + 1`` n x n matrices; term ``h`` (0-based) is the contribution of the
    weights of layer h + 1 (term 0: input layer, term ``depth``: output layer), i.e.
    Sigma^(h) * prod_{h' > h} Sigma-dot^(h').  Their sum is :func:`relu_ntk`.
    """
    return ntk_terms(X, depth, "relu")


def relu_ntk(X: np.ndarray, depth: int) -> np.ndarray:
    """The n x n infinite-width NTK Gram matrix of a fully connected ReLU network, float64.

    `depth` is the number of hidden layers (1 for a two-layer network).  Convention of Arora
    et al. 2019: c_sigma = 2, Theta^(0) = X X^T, no biases, all layers trained; the diagonal is
    (depth + 1) ||x_i||^2, so depth + 1 for unit-norm rows.  See the module docstring for the
    mapping to Du et al.'s H^inf and to neural-tangents.
    """
    X = _as_matrix(X)
    depth = _check_depth(depth)
    theta = X @ X.T
    sigma = theta
    for _ in range(depth):
        sigma, dot = RELU.layer(sigma)
        theta = theta * dot + sigma
    return 0.5 * (theta + theta.T)


def du_hinf(X: np.ndarray) -> np.ndarray:
    """Du et al. 2019's H^inf_ij = x_i.x_j (pi - arccos(x_i.x_j)) / (2 pi) for unit-norm rows.

    Equal to the first-layer term of ``relu_ntk_terms(X, 1)`` divided by c_sigma = 2.
    """
    return two_layer_kernel(X, "relu")


def _require_unit_rows(X: np.ndarray, what: str) -> None:
    norms = np.linalg.norm(X, axis=1)
    if np.max(np.abs(norms - 1.0)) > 1e-6:
        raise DataError(f"{what} needs unit-norm inputs (the papers' assumption); normalise the rows first")


def ntk_terms(X: np.ndarray, depth: int, activation: str | Activation = "relu") -> list[np.ndarray]:
    """Per-layer NTK terms for a network in the NTK parametrisation x^(h) = sqrt(c/m) act(W_h x^(h-1)).

    c = the activation's c_sigma (2 for ReLU).  Returns ``depth + 1`` n x n matrices; term ``h``
    (0-based) is the contribution of the weights of layer h + 1 (term 0: input layer, term
    ``depth``: output layer), i.e. Sigma^(h) * prod_{h' > h} Sigma-dot^(h'), each layer given by
    the activation's kernel rule (:meth:`verify.activations.Activation.layer`).  For smooth
    activations the rows of X must have unit norm, so that every Sigma^(h) has unit diagonal and
    the recursion acts on correlations only (Du, Lee, Li, Wang & Zhai 2019's setting).
    """
    act = get_activation(activation)
    X = _as_matrix(X)
    depth = _check_depth(depth)
    if act.smooth:
        _require_unit_rows(X, f"the {act.name} NTK")
    sigmas = [act.input_kernel(X)]
    dots = []
    for _ in range(depth):
        sigma, dot = act.layer(sigmas[-1])
        sigmas.append(sigma)
        dots.append(dot)
    return _layer_terms(sigmas, dots)


def two_layer_kernel(X: np.ndarray, activation: str | Activation = "relu", init_scale: float = 1.0) -> np.ndarray:
    """K_ij = (x_i . x_j) E_w[act'(w.x_i) act'(w.x_j)], w ~ N(0, init_scale^2 I), unit-norm rows.

    The infinite-width Gram matrix of the first-layer gradients of f = m^-1/2 sum_r a_r act(w_r.x)
    with a_r = +-1: Du et al.'s H^inf for ReLU, Oymak & Soltanolkotabi's lambda(X) matrix
    E[act'(Xw) act'(Xw)^T] * (X X^T) for a smooth activation.
    """
    act = get_activation(activation)
    X = _as_matrix(X)
    _require_unit_rows(X, "the two-layer kernel")
    gram = np.clip(X @ X.T, -1.0, 1.0)
    K = gram * act.dual_derivative(gram, init_scale)
    return 0.5 * (K + K.T)


def two_layer_output_kernel(X: np.ndarray, activation: str | Activation = "relu",
                            init_scale: float = 1.0) -> np.ndarray:
    """K_ij = E_w[act(w.x_i) act(w.x_j)], w ~ N(0, init_scale^2 I), unit-norm rows.

    The output-layer part of the infinite-width NTK of a two-layer network whose output weights
    are trained too (Du et al.'s Theorem 3.3; Song et al. 2021).
    """
    act = get_activation(activation)
    X = _as_matrix(X)
    _require_unit_rows(X, "the two-layer output kernel")
    gram = np.clip(X @ X.T, -1.0, 1.0)
    K = act.dual(gram, init_scale)
    return 0.5 * (K + K.T)


def lambda_min(K: np.ndarray) -> float:
    """Smallest eigenvalue of a symmetric matrix (float64 LAPACK)."""
    K = np.asarray(K, dtype=np.float64)
    return float(np.linalg.eigvalsh(0.5 * (K + K.T))[0])


def combine_terms(terms: Sequence[np.ndarray], weights: Sequence[float]) -> np.ndarray:
    """sum_h weights[h] * terms[h] (weights 0 for layers that are not trained)."""
    out = np.zeros_like(terms[0])
    for term, weight in zip(terms, weights, strict=True):
        if weight:
            out += weight * term
    return out
