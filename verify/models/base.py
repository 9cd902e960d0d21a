"""A fully connected network as one paper sets it up: parametrisation, init, trained layers, loss.

One :class:`NetworkSpec` describes a family of networks indexed by the width m.  Three
parametrisations cover the catalogue's papers (``depth`` = H hidden layers, layer H + 1 the
linear output layer)::

    two-layer  f(x) = m^-1/2 sum_r a_r act(w_r . x),  w_r ~ N(0, kappa^2 I), a_r = +-1
               (Du, Zhai, Poczos & Singh 2019; Arora et al. 2019; Oymak & Soltanolkotabi)
    standard   h_1 = act(A x), h_l = act(W_l h_(l-1)), f = b . h_H, entries of A, W_l ~ N(0, c/m),
               b ~ N(0, 1)   (Allen-Zhu, Li & Song 2019; Zou & Gu 2019)
    ntk        x^(h) = sqrt(c/m) act(W_h x^(h-1)), f = v . x^(H), all entries N(0, 1)
               (Jacot et al. 2018; Arora et al. 2019; Du, Lee, Li, Wang & Zhai 2019)

with c = c_sigma (2 for ReLU).  For ReLU the three compute the same function class; they differ in
which gradient GD follows, hence in the NTK and the natural step size.  The loss is
``loss_scale * sum_i (f(x_i) - y_i)^2`` with loss_scale 1/2 (summed, most papers), 1/(2n)
(averaged) or 1 (no half).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..activations import Activation, activation
from ..errors import UnsupportedSettingError
from ..ntk import lambda_min, ntk_terms, two_layer_kernel, two_layer_output_kernel

PARAMETRIZATIONS = ("two-layer", "standard", "ntk", "resnet")
OBJECTIVES = {"squared": "", "logistic": "(1/n) sum_i log(1 + exp(-y_i f(x_i))), labels y_i in {-1, +1} "
                                        "(binary cross-entropy of sigmoid(f))"}
LOSSES = {"half-sum": "1/2 sum_i (f(x_i) - y_i)^2", "half-mean": "1/(2n) sum_i (f(x_i) - y_i)^2",
          "sum": "sum_i (f(x_i) - y_i)^2"}


@dataclass(frozen=True)
class NetworkSpec:
    """A network family (all widths m) in one paper's setting.

    ``trained`` has depth + 1 flags: layer 1 (input) ... layer depth (last hidden), then the
    output layer.  ``choices`` records every decision the paper left open.
    """

    name: str
    papers: tuple[str, ...]
    depth: int
    activation: str
    parametrization: str
    trained: tuple[bool, ...]
    loss: str = "half-sum"
    init_scale: float = 1.0
    source: str = ""
    choices: tuple[str, ...] = field(default_factory=tuple)
    objective: str = "squared"  # the training loss: squared (normalised by `loss`) or logistic (mean over samples)
    c_res: float = 0.5  # resnet only: the residual branch is scaled by c_res / (depth sqrt(m)) (Du, Lee et al. 2019)

    def __post_init__(self) -> None:
        activation(self.activation)  # raises for an unknown name
        if self.parametrization not in PARAMETRIZATIONS:
            raise UnsupportedSettingError(f"unknown parametrisation {self.parametrization!r}")
        if self.parametrization == "two-layer" and self.depth != 1:
            raise UnsupportedSettingError("the two-layer parametrisation has exactly one hidden layer")
        if len(self.trained) != self.depth + 1 or not any(self.trained):
            raise UnsupportedSettingError("trained must flag each of the depth + 1 layers, at least one of them")
        if self.loss not in LOSSES:
            raise UnsupportedSettingError(f"unknown loss normalisation {self.loss!r}")
        if self.objective not in OBJECTIVES:
            raise UnsupportedSettingError(f"unknown training loss {self.objective!r} (known: {', '.join(OBJECTIVES)})")
        if self.parametrization == "standard" and self.act.smooth:
            raise UnsupportedSettingError("the standard parametrisation is modelled for ReLU only")

    # -- constants of the parametrisation --------------------------------------------------
    @property
    def act(self) -> Activation:
        """The activation object of :attr:`activation` (the name is what descriptions and keys store)."""
        return activation(self.activation)

    @property
    def c(self) -> float:
        return self.act.c_sigma

    @property
    def two_layer(self) -> bool:
        return self.parametrization == "two-layer"

    def init_std(self, m: int) -> float:
        """Standard deviation of the hidden weight entries at width m."""
        if self.parametrization == "two-layer":
            return self.init_scale
        if self.parametrization == "standard":
            return math.sqrt(self.c / m)
        return 1.0

    def post_scale(self, m: int) -> float:
        """Multiplier applied after each activation (sqrt(c/m) in the NTK parametrisation)."""
        return math.sqrt(self.c / m) if self.parametrization == "ntk" else 1.0

    def output_scale(self, m: int) -> float:
        """Multiplier of the output layer: m^-1/2 for the two-layer parametrisation, else 1."""
        return 1.0 / math.sqrt(m) if self.parametrization == "two-layer" else 1.0

    def loss_scale(self, n: int) -> float:
        return {"half-sum": 0.5, "half-mean": 0.5 / n, "sum": 1.0}[self.loss]

    def rate_step(self, eta: float, n: int) -> float:
        """eta times d(loss)/d(u) / (u - y): GD on u moves by -rate_step * H (u - y) per step."""
        return 2.0 * self.loss_scale(n) * eta

    # -- weights ---------------------------------------------------------------------------
    def init(self, d: int, m: int, seed: int) -> list[np.ndarray]:
        """Initial weights [W_1 (m x d), W_2 .. W_H (m x m), v (m,)], float64, from (seed, m) only.

        Seeding by (seed, m) makes a width's initialisation independent of which other widths
        are trained beside it, so batched and single runs, and both backends, start alike.
        """
        rng = np.random.default_rng([int(seed), int(m), self.depth])
        std = self.init_std(m)
        weights = [std * rng.standard_normal((m, d))]
        for _ in range(self.depth - 1):
            weights.append(std * rng.standard_normal((m, m)))
        if self.two_layer:
            weights.append(rng.choice(np.array([-1.0, 1.0]), size=m))
        else:
            weights.append(rng.standard_normal(m))
        return weights

    def parameter_count(self, d: int, m: int) -> int:
        return m * d + (self.depth - 1) * m * m + m

    def trained_parameter_count(self, d: int, m: int) -> int:
        sizes = [m * d] + [m * m] * (self.depth - 1) + [m]
        return sum(s for s, t in zip(sizes, self.trained, strict=True) if t)

    # -- infinite width ---------------------------------------------------------------------
    def analytic_kernel(self, X: np.ndarray, m: int | None = None) -> np.ndarray:
        """Infinite-width limit of this model's empirical NTK (trained layers only), n x n.

        For the standard parametrisation the NTK grows like m (GD moves weights of size
        sqrt(2/m)), so the limit is given at width m: (m / c) times the NTK-parametrisation terms
        of the hidden layers, plus the output term.
        """
        if self.two_layer:
            K = np.zeros((X.shape[0], X.shape[0]))
            if self.trained[0]:
                K += two_layer_kernel(X, self.act, self.init_scale)
            if self.trained[1]:
                K += two_layer_output_kernel(X, self.act, self.init_scale)
            return K
        if self.parametrization == "resnet":
            from ..resnet import resnet_ntk_terms

            terms = resnet_ntk_terms(X, self.depth, self.activation, self.c_res)
            return sum(term for term, trained in zip(terms, self.trained, strict=True) if trained)
        terms = ntk_terms(X, self.depth, self.act)
        if self.parametrization == "standard" and m is None and any(self.trained[:-1]):
            raise ValueError("the standard parametrisation's kernel depends on the width: pass m")
        K = np.zeros_like(terms[0])
        for h, (term, trained) in enumerate(zip(terms, self.trained, strict=True)):
            if trained:
                scale = m / self.c if (self.parametrization == "standard" and h < self.depth) else 1.0
                K += scale * term
        return K

    def lambda_0(self, X: np.ndarray, m: int | None = None) -> float:
        """lambda_min of :meth:`analytic_kernel`."""
        return lambda_min(self.analytic_kernel(X, m))

    def describe(self) -> dict:
        """JSON-ready description of the setting, with the choices made."""
        return {
            "name": self.name, "papers": list(self.papers), "depth": self.depth, "activation": self.activation,
            "parametrization": self.parametrization,
            "trained_layers": [i + 1 for i, t in enumerate(self.trained) if t],
            "layers": self.depth + 1,
            "loss": LOSSES[self.loss] if self.objective == "squared" else OBJECTIVES[self.objective],
            "init_scale": self.init_scale,
            "source": self.source, "choices": list(self.choices),
        }
