"""Activation functions as objects: value, derivative, normalising constant and kernel rule.

In the spirit of neural-tangents' stax layers, each activation carries everything the rest of
:mod:`verify` needs to know about it, so that no module dispatches on its name:

* ``value(z)`` and ``derivative(z)`` on numpy arrays (float64 reference);
* ``apply(Z, S)`` / ``apply_torch(Z, S)``: the training step's fused form, act'(Z) written
  into the buffer S and act(Z) returned (in place for ReLU: Z becomes relu(Z));
* ``c_sigma = 1 / E[act(z)^2]``, z ~ N(0, 1): the constant of the NTK parametrisation
  x^(h) = sqrt(c_sigma / m) act(W_h x^(h-1)) that keeps Sigma^(h)(x, x) = ||x||^2 (2 for ReLU);
* the kernel rule (dual activation): ``dual(rho, scale)`` = E[act(u) act(v)] and
  ``dual_derivative(rho, scale)`` = E[act'(u) act'(v)] for (u, v) ~ N(0, scale^2 [[1, rho],
  [rho, 1]]), and ``layer(S)``, one layer of the NTK recursion (Sigma^(h), Sigma-dot^(h)) from
  Sigma^(h-1) as :mod:`verify.ntk` composes it.  ReLU has closed forms (the arc-cosine kernels of
  degree 1 and 0, valid for any covariance since ReLU is positively homogeneous); the smooth
  activations use Gauss-Hermite quadrature tabulated on a grid of correlations, and their
  recursion acts on correlations only (unit-norm inputs).

The registry :func:`activation` turns the name a :class:`verify.models.NetworkSpec` stores (the
string that sweep keys and stored JSON keep) into its object.  torch is imported only when a
torch method is called.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np

from .errors import UnsupportedSettingError

__all__ = ["ACTIVATIONS", "Activation", "ReLU", "Softplus", "Tanh", "activation"]

GRID = 4001  # correlation grid of the smooth activations' kernel tables
NODES = 80  # Gauss-Hermite nodes per dimension


def gauss_hermite() -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of E[g(z)], z ~ N(0, 1), ~ sum_i weights_i g(nodes_i) (NODES points)."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(NODES)
    return nodes, weights / math.sqrt(2 * math.pi)


@dataclass(frozen=True)
class Activation:
    """An activation function and its infinite-width kernel rule (see the module docstring)."""

    name: str
    smooth: bool  # differentiable everywhere: no activation pattern, no flip-counting step in the proofs

    def value(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def derivative(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def apply(self, Z: np.ndarray, S: np.ndarray) -> np.ndarray:
        """numpy: write act'(Z) into S and return act(Z)."""
        raise NotImplementedError

    def apply_torch(self, Z, S):
        """torch: write act'(Z) into S and return act(Z)."""
        raise NotImplementedError

    def torch_value(self, z):
        """act(z) on a torch tensor."""
        raise NotImplementedError

    @property
    def c_sigma(self) -> float:
        """1 / E[act(z)^2], z ~ N(0, 1)."""
        return _c_sigma(self)

    def dual(self, rho: np.ndarray, scale: float = 1.0) -> np.ndarray:
        """E[act(u) act(v)], (u, v) ~ N(0, scale^2 [[1, rho], [rho, 1]]), elementwise in rho."""
        raise NotImplementedError

    def dual_derivative(self, rho: np.ndarray, scale: float = 1.0) -> np.ndarray:
        """E[act'(u) act'(v)], (u, v) ~ N(0, scale^2 [[1, rho], [rho, 1]]), elementwise in rho."""
        raise NotImplementedError

    def input_kernel(self, X: np.ndarray) -> np.ndarray:
        """Sigma^(0) as this activation's recursion takes it (X X^T)."""
        return X @ X.T

    def layer(self, S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One layer of the NTK recursion: (Sigma^(h), Sigma-dot^(h)) from Sigma^(h-1), c_sigma included."""
        raise NotImplementedError

    @property
    def two_layer_kernel_name(self) -> str:
        """How a lambda_0 source names the two-layer kernel E[act'(Xw) act'(Xw)^T] * XX^T of this activation."""
        return f"E[act'(Xw) act'(Xw)^T] * XX^T ({self.name})"


@cache
def _c_sigma(act: Activation) -> float:
    nodes, weights = np.polynomial.hermite_e.hermegauss(NODES)
    second = float(np.sum(weights * act.value(nodes) ** 2) / math.sqrt(2 * math.pi))
    return 1.0 / second


@dataclass(frozen=True)
class ReLU(Activation):
    """max(z, 0): closed-form kernels (Cho & Saul's arc-cosine kernels), c_sigma = 2."""

    name: str = "relu"
    smooth: bool = False

    def value(self, z: np.ndarray) -> np.ndarray:
        return np.maximum(z, 0.0)

    def derivative(self, z: np.ndarray) -> np.ndarray:
        return (z > 0).astype(np.float64)

    def apply(self, Z: np.ndarray, S: np.ndarray) -> np.ndarray:
        np.greater(Z, 0, out=S)
        np.maximum(Z, 0, out=Z)
        return Z

    def apply_torch(self, Z, S):
        import torch

        Z.clamp_(min=0)
        torch.sign(Z, out=S)
        return Z

    def torch_value(self, z):
        import torch

        return torch.relu(z)

    @property
    def c_sigma(self) -> float:
        return 2.0

    def dual(self, rho: np.ndarray, scale: float = 1.0) -> np.ndarray:
        return scale**2 * (rho * (math.pi - np.arccos(rho)) + np.sqrt(1 - rho**2)) / (2 * math.pi)

    def dual_derivative(self, rho: np.ndarray, scale: float = 1.0) -> np.ndarray:
        return (math.pi - np.arccos(rho)) / (2 * math.pi)  # act' is scale-free

    def layer(self, S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Any covariance S: ReLU is positively homogeneous, so the arc-cosine forms scale with the norms."""
        c = self.c_sigma
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

    @property
    def two_layer_kernel_name(self) -> str:
        return "H^inf (Du et al.)"


@dataclass(frozen=True)
class _Smooth(Activation):
    """A smooth activation: kernels by quadrature, recursion on correlations (unit-norm inputs)."""

    smooth: bool = True

    def dual(self, rho: np.ndarray, scale: float = 1.0) -> np.ndarray:
        grid, values = _dual_table(self, False, float(scale))
        return np.interp(np.clip(rho, -1.0, 1.0), grid, values)

    def dual_derivative(self, rho: np.ndarray, scale: float = 1.0) -> np.ndarray:
        grid, values = _dual_table(self, True, float(scale))
        return np.interp(np.clip(rho, -1.0, 1.0), grid, values)

    def input_kernel(self, X: np.ndarray) -> np.ndarray:
        """Correlations x . x' of unit-norm rows (the caller checks the norms)."""
        return np.clip(X @ X.T, -1.0, 1.0)

    def layer(self, S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """S a correlation matrix (unit diagonal, which c_sigma preserves): the tabulated dual maps."""
        c = self.c_sigma
        sigma = c * self.dual(S)
        return np.clip(sigma, -1.0, 1.0), c * self.dual_derivative(S)


@dataclass(frozen=True)
class Softplus(_Smooth):
    """log(1 + e^z), the usual smooth ReLU; act' is the logistic function."""

    name: str = "softplus"

    def value(self, z: np.ndarray) -> np.ndarray:
        return np.logaddexp(0.0, z)

    def derivative(self, z: np.ndarray) -> np.ndarray:
        return 0.5 * (1.0 + np.tanh(0.5 * z))  # the logistic function, overflow-free

    def apply(self, Z: np.ndarray, S: np.ndarray) -> np.ndarray:
        np.multiply(Z, 0.5, out=S)
        np.tanh(S, out=S)
        S += 1.0
        S *= 0.5
        return np.logaddexp(0.0, Z)

    def apply_torch(self, Z, S):
        import torch

        torch.sigmoid(Z, out=S)
        return torch.nn.functional.softplus(Z)

    def torch_value(self, z):
        import torch

        return torch.nn.functional.softplus(z)


@dataclass(frozen=True)
class Tanh(_Smooth):
    """tanh(z): smooth with act(0) = 0 (Song et al. 2021's condition)."""

    name: str = "tanh"

    def value(self, z: np.ndarray) -> np.ndarray:
        return np.tanh(z)

    def derivative(self, z: np.ndarray) -> np.ndarray:
        return 1.0 - np.tanh(z) ** 2

    def apply(self, Z: np.ndarray, S: np.ndarray) -> np.ndarray:
        A = np.tanh(Z)
        np.multiply(A, A, out=S)
        np.subtract(1.0, S, out=S)
        return A

    def apply_torch(self, Z, S):
        import torch

        A = torch.tanh(Z)
        torch.mul(A, A, out=S)
        S.neg_().add_(1.0)
        return A

    def torch_value(self, z):
        import torch

        return torch.tanh(z)


@lru_cache(maxsize=32)
def _dual_table(act: Activation, derivative: bool, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """E[g(u) g(v)], (u, v) ~ N(0, scale^2 [[1, rho], [rho, 1]]), on a grid of rho in [-1, 1], g = act or act'."""
    nodes, weights = gauss_hermite()
    g = act.derivative if derivative else act.value
    rho = np.linspace(-1.0, 1.0, GRID)
    u = scale * nodes
    gu = g(u)  # (q,)
    comp = np.sqrt(np.clip(1.0 - rho**2, 0.0, None))
    out = np.empty_like(rho)
    for start in range(0, GRID, 500):  # bounded memory: 500 x 80 x 80
        r = rho[start:start + 500, None, None]
        c = comp[start:start + 500, None, None]
        v = scale * (r * nodes[:, None] + c * nodes[None, :])
        gv = g(v)
        out[start:start + 500] = np.einsum("i,j,kij->k", weights * gu, weights, gv)
    return rho, out


_REGISTRY: dict[str, Activation] = {act.name: act for act in (ReLU(), Softplus(), Tanh())}
ACTIVATIONS = tuple(_REGISTRY)


def activation(name: str | Activation) -> Activation:
    """The activation called `name` (an Activation is returned as it is); one-line error otherwise."""
    if isinstance(name, Activation):
        return name
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        known = ", ".join(ACTIVATIONS)
        raise UnsupportedSettingError(f"activation {name!r} is not modelled (known: {known})") from None
