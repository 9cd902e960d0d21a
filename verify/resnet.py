"""The fully connected ResNet of Du, Lee, Li, Wang & Zhai 2019 (Theorem 6.1): network, gradients, kernel.

    x^(1) = sqrt(c_sigma / m) act(W^(1) x)
    x^(h) = x^(h-1) + c_res / (H sqrt(m)) act(W^(h) x^(h-1)),   h = 2..H
    f(x)  = a . x^(H)

every entry of W^(1..H) and a i.i.d. N(0, 1), all layers trained, 1/2 sum (f - y)^2.

:class:`ResNet` trains it with hand-written gradients (the :class:`verify.gd.DeepNet`
interface, so :func:`verify.gd.run`, the snapshots and the objectives work unchanged).

:func:`resnet_ntk` is its infinite-width NTK, derived here (not read from the paper, whose
Definition 6.1 was not reachable) by the usual mean-field bookkeeping, with alpha = c_res / H:

* K^(1)(x, x') = c_sigma E[act(u) act(v)], (u, v) ~ N(0, [[x.x, x.x'], [x.x', x'.x']]);
  b^(1)(x) = sqrt(c_sigma) E[act(u)] (the limit of m^-1/2 sum_i x^(1)_i: the mean of the
  activations does not vanish for softplus, and it enters the skip connection's cross term);
* K^(h) = K^(h-1) + alpha (mu^(h)(x') b^(h-1)(x) + mu^(h)(x) b^(h-1)(x')) + alpha^2 E[act(u) act(v)],
  (u, v) ~ N(0, K^(h-1)), mu^(h)(x) = E[act(u)]; b^(h) = b^(h-1) + alpha mu^(h);
* backward: P^(H) = 1, P^(h-1) = P^(h) (1 + alpha^2 E[act'(u) act'(v)]) (u, v ~ K^(h-1));
* NTK = K^(H) (the output layer) + c_sigma (x.x') E[act' act']_(K^(0)) P^(1) (the first layer)
  + sum_(h >= 2) alpha^2 K^(h-1) E[act' act']_(K^(h-1)) P^(h).

The expectations are 2-d Gauss-Hermite quadratures on the actual covariances (no unit-norm
requirement).  A test pins the derivation: the empirical NTK approaches this kernel as the
width grows (tests/verify/test_resnet.py).
"""

from __future__ import annotations

import math

import numpy as np

from .activations import activation as get_activation
from .gd import DeepNet

DEFAULT_C_RES = 0.5
_NODES = 40


def _gauss_pairs(S: np.ndarray, fn_u, fn_v) -> np.ndarray:
    """E[fn_u(u) fn_v(v)] for every pair (i, j), (u, v) ~ N(0, [[S_ii, S_ij], [S_ij, S_jj]])."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(_NODES)
    weights = weights / math.sqrt(2 * math.pi)
    sd = np.sqrt(np.clip(np.diag(S), 0.0, None))
    rho = np.clip(S / np.outer(sd, sd), -1.0, 1.0)
    comp = np.sqrt(1.0 - rho**2)
    fu = fn_u(sd[:, None] * nodes[None, :])  # (n, q): u = sd_i z1
    out = np.empty_like(S)
    for i in range(S.shape[0]):  # v = sd_j (rho z1 + sqrt(1 - rho^2) z2)
        v = sd[:, None, None] * (
            rho[i][:, None, None] * nodes[None, :, None] + comp[i][:, None, None] * nodes[None, None, :]
        )
        out[i] = np.einsum("a,a,b,jab->j", weights, fu[i], weights, fn_v(v))
    return 0.5 * (out + out.T)


def _gauss_mean(S: np.ndarray, fn) -> np.ndarray:
    nodes, weights = np.polynomial.hermite_e.hermegauss(_NODES)
    weights = weights / math.sqrt(2 * math.pi)
    sd = np.sqrt(np.clip(np.diag(S), 0.0, None))
    return fn(sd[:, None] * nodes[None, :]) @ weights


def resnet_ntk_terms(
    X: np.ndarray, H: int, activation: str = "softplus", c_res: float = DEFAULT_C_RES
) -> list[np.ndarray]:
    """The infinite-width NTK of the ResNet, split by trained layer: [W^(1), ..., W^(H), a] (n x n each)."""
    X = np.asarray(X, dtype=np.float64)
    sigma = get_activation(activation)
    act, grad, c = sigma.value, sigma.derivative, sigma.c_sigma
    alpha = c_res / H
    K0 = X @ X.T
    Ks = [c * _gauss_pairs(K0, act, act)]
    b = math.sqrt(c) * _gauss_mean(K0, act)
    dots = [_gauss_pairs(K0, grad, grad)]  # E[act' act'] feeding layer 1
    for _ in range(2, H + 1):
        K = Ks[-1]
        mu = _gauss_mean(K, act)
        dots.append(_gauss_pairs(K, grad, grad))
        Ks.append(K + alpha * (np.outer(b, mu) + np.outer(mu, b)) + alpha**2 * _gauss_pairs(K, act, act))
        b = b + alpha * mu
    P = [None] * (H + 1)  # P[h] for h = 1..H: (1/m) <g^(h), g'^(h)>
    P[H] = np.ones_like(K0)
    for h in range(H, 1, -1):
        P[h - 1] = P[h] * (1.0 + alpha**2 * dots[h - 1])
    terms = [c * K0 * dots[0] * P[1]]
    for h in range(2, H + 1):
        terms.append(alpha**2 * Ks[h - 2] * dots[h - 1] * P[h])
    terms.append(Ks[-1])
    return terms


def resnet_ntk(X: np.ndarray, H: int, activation: str = "softplus", c_res: float = DEFAULT_C_RES) -> np.ndarray:
    return sum(resnet_ntk_terms(X, H, activation, c_res))


class ResNet(DeepNet):
    """One width of the ResNet, all layers trained (spec.parametrization == 'resnet')."""

    def __init__(self, spec, X, y, width, seed, eta, backend):
        super().__init__(spec, X, y, width, seed, eta, backend)
        self.first_scale = math.sqrt(spec.c / self.width)
        self.branch_scale = spec.c_res / (spec.depth * math.sqrt(self.width))

    def forward(self):
        xs, Ss, patterns = [self.X], [], []
        for h, W in enumerate(self.W[:-1]):
            Z = self.bk.empty((self.n, W.shape[0]))
            self.bk.matmul_into(xs[-1], W.T, Z)
            S = self.bk.empty(Z.shape)
            A = self.bk.activate(self.spec.act, Z, S)
            patterns.append(self.bk.positive(Z))
            scale = self.first_scale if h == 0 else self.branch_scale
            S *= scale
            xs.append(A * scale if h == 0 else xs[-1] + A * scale)
            Ss.append(S)
        self.xs, self.Ss, self.patterns = xs, Ss, patterns
        if self.pattern0 is None:
            self.pattern0 = patterns
        f = xs[-1] @ self.W[-1]
        return (f - self.y)[:, None]

    def _backward(self, c, keep_D: bool = False):
        """Gradients of sum_i c_i f(x_i) for every layer; Ds[h] such that grad W_h = Ds[h]^T xs[h]."""
        grads: list = [None] * (self.H + 1)
        grads[self.H] = c @ self.xs[self.H]
        Ds: list = [None] * self.H
        g = c[:, None] * self.W[-1][None, :]  # d f / d x^(H)
        for h in range(self.H - 1, -1, -1):
            D = g * self.Ss[h]
            grads[h] = self.bk.at_b(D, self.xs[h])
            if keep_D:
                Ds[h] = D
            if h > 0:
                g = g + D @ self.W[h]  # the skip connection passes g on unchanged
        return grads, Ds
