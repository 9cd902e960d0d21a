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
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Sequence

import numpy as np

from .errors import DataError

__all__ = [
    "relu_ntk", "relu_ntk_terms", "du_hinf", "ntk_terms", "two_layer_kernel", "two_layer_output_kernel", "c_sigma",
    "lambda_min", "ACTIVATIONS",
]

ACTIVATIONS = ("relu", "softplus", "tanh")
_GRID = 4001  # correlation grid for smooth activations
_NODES = 80  # Gauss-Hermite nodes per dimension


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


def _relu_step(S: np.ndarray, c: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """One layer of the ReLU recursion: (Sigma^(h), Sigma-dot^(h)) from Sigma^(h-1)."""
    diag = np.sqrt(np.clip(np.diag(S), 0.0, None))
    norms = np.outer(diag, diag)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = np.where(norms > 0, S / np.where(norms > 0, norms, 1.0), 0.0)
    rho = np.clip(rho, -1.0, 1.0)
    np.fill_diagonal(rho, np.where(diag > 0, 1.0, 0.0))
    angle = np.arccos(rho)
    sigma = c * norms * (rho * (math.pi - angle) + np.sqrt(np.clip(1.0 - rho * rho, 0.0, None))) / (2 * math.pi)
    sigma_dot = c * (math.pi - angle) / (2 * math.pi)
    return sigma, sigma_dot


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
    X = _as_matrix(X)
    depth = _check_depth(depth)
    sigmas = [X @ X.T]
    dots = []
    for _ in range(depth):
        sigma, dot = _relu_step(sigmas[-1])
        sigmas.append(sigma)
        dots.append(dot)
    return _layer_terms(sigmas, dots)


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
        sigma, dot = _relu_step(sigma)
        theta = theta * dot + sigma
    return 0.5 * (theta + theta.T)


def du_hinf(X: np.ndarray) -> np.ndarray:
    """Du et al. 2019's H^inf_ij = x_i.x_j (pi - arccos(x_i.x_j)) / (2 pi) for unit-norm rows.

    Equal to the first-layer term of ``relu_ntk_terms(X, 1)`` divided by c_sigma = 2.
    """
    return two_layer_kernel(X, "relu")


# -- smooth activations -----------------------------------------------------------------


def _act(name: str, z: np.ndarray) -> np.ndarray:
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "softplus":
        return np.logaddexp(0.0, z)
    if name == "tanh":
        return np.tanh(z)
    raise DataError(f"unknown activation {name!r} (known: {', '.join(ACTIVATIONS)})")


def _act_grad(name: str, z: np.ndarray) -> np.ndarray:
    if name == "relu":
        return (z > 0).astype(np.float64)
    if name == "softplus":
        return 0.5 * (1.0 + np.tanh(0.5 * z))  # the logistic function, overflow-free
    if name == "tanh":
        return 1.0 - np.tanh(z) ** 2
    raise DataError(f"unknown activation {name!r} (known: {', '.join(ACTIVATIONS)})")


@lru_cache(maxsize=32)
def _dual_table(name: str, derivative: bool, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """E[g(u) g(v)], (u, v) ~ N(0, scale^2 [[1, rho], [rho, 1]]), on a grid of rho in [-1, 1]."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(_NODES)
    weights = weights / math.sqrt(2 * math.pi)
    g = _act_grad if derivative else _act
    rho = np.linspace(-1.0, 1.0, _GRID)
    u = scale * nodes
    gu = g(name, u)  # (q,)
    comp = np.sqrt(np.clip(1.0 - rho**2, 0.0, None))
    out = np.empty_like(rho)
    for start in range(0, _GRID, 500):  # bounded memory: 500 x 80 x 80
        r = rho[start:start + 500, None, None]
        c = comp[start:start + 500, None, None]
        v = scale * (r * nodes[:, None] + c * nodes[None, :])
        gv = g(name, v)
        out[start:start + 500] = np.einsum("i,j,kij->k", weights * gu, weights, gv)
    return rho, out


def _dual(name: str, rho: np.ndarray, derivative: bool, scale: float = 1.0) -> np.ndarray:
    grid, values = _dual_table(name, derivative, float(scale))
    return np.interp(np.clip(rho, -1.0, 1.0), grid, values)


def c_sigma(activation: str) -> float:
    """1 / E[sigma(z)^2], z ~ N(0, 1): the normalisation that keeps Sigma^(h)(x, x) = 1 (2 for ReLU)."""
    if activation == "relu":
        return 2.0
    nodes, weights = np.polynomial.hermite_e.hermegauss(_NODES)
    second = float(np.sum(weights * _act(activation, nodes) ** 2) / math.sqrt(2 * math.pi))
    return 1.0 / second


def _require_unit_rows(X: np.ndarray, what: str) -> None:
    norms = np.linalg.norm(X, axis=1)
    if np.max(np.abs(norms - 1.0)) > 1e-6:
        raise DataError(f"{what} needs unit-norm inputs (the papers' assumption); normalise the rows first")


def ntk_terms(X: np.ndarray, depth: int, activation: str = "relu") -> list[np.ndarray]:
    """Per-layer NTK terms for a network in the NTK parametrisation x^(h) = sqrt(c/m) act(W_h x^(h-1)).

    c = :func:`c_sigma` (2 for ReLU, where this is exactly :func:`relu_ntk_terms`).  For smooth
    activations the rows of X must have unit norm, so that every Sigma^(h) has unit diagonal and
    the recursion acts on correlations only (Du, Lee, Li, Wang & Zhai 2019's setting).
    """
    if activation == "relu":
        return relu_ntk_terms(X, depth)
    X = _as_matrix(X)
    depth = _check_depth(depth)
    _require_unit_rows(X, f"the {activation} NTK")
    c = c_sigma(activation)
    sigmas = [np.clip(X @ X.T, -1.0, 1.0)]
    dots = []
    for _ in range(depth):
        rho = sigmas[-1]
        sigma = c * _dual(activation, rho, derivative=False)
        dots.append(c * _dual(activation, rho, derivative=True))
        sigmas.append(np.clip(sigma, -1.0, 1.0))
    return _layer_terms(sigmas, dots)


def two_layer_kernel(X: np.ndarray, activation: str = "relu", init_scale: float = 1.0) -> np.ndarray:
    """K_ij = (x_i . x_j) E_w[act'(w.x_i) act'(w.x_j)], w ~ N(0, init_scale^2 I), unit-norm rows.

    The infinite-width Gram matrix of the first-layer gradients of f = m^-1/2 sum_r a_r act(w_r.x)
    with a_r = +-1: Du et al.'s H^inf for ReLU, Oymak & Soltanolkotabi's lambda(X) matrix
    E[act'(Xw) act'(Xw)^T] * (X X^T) for a smooth activation.
    """
    X = _as_matrix(X)
    _require_unit_rows(X, "the two-layer kernel")
    gram = np.clip(X @ X.T, -1.0, 1.0)
    if activation == "relu":
        expect = (math.pi - np.arccos(gram)) / (2 * math.pi)
    else:
        expect = _dual(activation, gram, derivative=True, scale=init_scale)
    K = gram * expect
    return 0.5 * (K + K.T)


def two_layer_output_kernel(X: np.ndarray, activation: str = "relu", init_scale: float = 1.0) -> np.ndarray:
    """K_ij = E_w[act(w.x_i) act(w.x_j)], w ~ N(0, init_scale^2 I), unit-norm rows.

    The output-layer part of the infinite-width NTK of a two-layer network whose output weights
    are trained too (Du et al.'s Theorem 3.3; Song et al. 2021).
    """
    X = _as_matrix(X)
    _require_unit_rows(X, "the two-layer output kernel")
    gram = np.clip(X @ X.T, -1.0, 1.0)
    if activation == "relu":
        K = init_scale**2 * (gram * (math.pi - np.arccos(gram)) + np.sqrt(1 - gram**2)) / (2 * math.pi)
    else:
        K = _dual(activation, gram, derivative=False, scale=init_scale)
    return 0.5 * (K + K.T)


def lambda_min(K: np.ndarray) -> float:
    """Smallest eigenvalue of a symmetric matrix (float64 LAPACK)."""
    K = np.asarray(K, dtype=np.float64)
    return float(np.linalg.eigvalsh(0.5 * (K + K.T))[0])


def combine_terms(terms: Sequence[np.ndarray], weights: Sequence[float]) -> np.ndarray:
    """sum_h weights[h] * terms[h] (weights 0 for layers that are not trained)."""
    out = np.zeros_like(terms[0])
    for term, weight in zip(terms, weights):
        if weight:
            out += weight * term
    return out
