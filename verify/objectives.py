"""What a step minimises and on which samples: the squared or logistic loss, full batch or minibatch SGD.

:func:`verify.gd.run` trains with full-batch GD on the squared loss of the model's
:class:`~verify.models.NetworkSpec` unless it is given an :class:`Objective`.  An objective
changes two things only, and leaves the networks' hand-written gradients as they are:

* the **loss** recorded at every step (squared, or logistic ``(1/n) sum_i log(1 + exp(-y_i f(x_i)))``;
  binary cross-entropy with a sigmoid output is the same function of the margin ``y_i f(x_i)``);
* the **residual** handed to the network's step.  A network's step moves its weights by
  ``eta * s * J^T r`` with ``s = 2 * loss_scale(n)``; the squared loss has ``r = f - y``.  Any loss
  of the outputs is trained by passing ``r = (d loss / d f) / s``, and minibatch SGD by weighting
  ``r_i`` by ``(n / B) * c_i``, with ``c_i`` the number of times sample i is in this step's batch,
  the unbiased estimate of the full gradient.  With B = n drawn without replacement every
  weight is 1: SGD is then GD, step for step (a test pins it).

The objective also keeps, per run and per step, the training 0-1 error and the smallest margin
``min_i y_i f(x_i)``, and, at the checkpoints, the 0-1 error on held-out points.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

LOSS_KINDS = ("squared", "logistic")
SAMPLINGS = ("without-replacement", "with-replacement", "shuffle")
SAMPLING_TEXT = {
    "without-replacement": "each step draws B distinct samples uniformly at random (independently across steps)",
    "with-replacement": "each step draws B samples i.i.d. uniformly, with replacement",
    "shuffle": "random reshuffling: each epoch a fresh permutation, cut into consecutive batches of B",
}

__all__ = ["Objective", "LOSS_KINDS", "SAMPLINGS", "SAMPLING_TEXT", "logistic_loss", "logistic_grad", "outputs"]


def logistic_loss(margins: np.ndarray) -> np.ndarray:
    """log(1 + exp(-z)) elementwise, stable for large |z|."""
    return np.logaddexp(0.0, -margins)


def logistic_grad(margins: np.ndarray) -> np.ndarray:
    """d/dz log(1 + exp(-z)) = -sigmoid(-z), stable for large |z|."""
    return -0.5 * (1.0 - np.tanh(0.5 * margins))


class _Sampler:
    """The minibatch weights (n/B) * c_i of one run, from its own seed."""

    def __init__(self, n: int, batch: int, sampling: str, seed: int, width: int, draw: int = 0):
        self.n, self.batch, self.sampling = n, batch, sampling
        key = [int(seed), int(width), 0x5BD1] + ([int(draw)] if draw else [])
        self.rng = np.random.default_rng(key)
        self._perm: np.ndarray | None = None
        self._pos = 0

    def indices(self) -> np.ndarray:
        if self.sampling == "with-replacement":
            return self.rng.integers(0, self.n, size=self.batch)
        if self.sampling == "without-replacement":
            return self.rng.choice(self.n, size=self.batch, replace=False) if self.batch < self.n else np.arange(self.n)
        if self._perm is None or self._pos + self.batch > self.n:
            self._perm, self._pos = self.rng.permutation(self.n), 0
        out = self._perm[self._pos:self._pos + self.batch]
        self._pos += self.batch
        return out

    def weights(self) -> np.ndarray:
        counts = np.bincount(self.indices(), minlength=self.n).astype(np.float64)
        return counts * (self.n / self.batch)


def outputs(net, k: int, X: np.ndarray) -> np.ndarray:
    """f(x) of live run k of `net` (a TwoLayerBatch or a DeepNet) on the rows of X, float64 numpy.

    Uses the network's own parametrisation and activation; the training state is untouched.
    """
    bk, spec = net.bk, net.spec
    Xb = bk.asarray(X)
    if hasattr(net, "blocks"):  # TwoLayerBatch
        s, e = net.blocks[k]
        Z = bk.empty((X.shape[0], e - s))
        bk.matmul_into(Xb, net.W[s:e].T, Z)
        A = bk.activate(spec.activation, Z, bk.empty(Z.shape))
        return bk.to_numpy(A @ net.coef[s:e])
    h = Xb
    for W in net.W[:-1]:
        Z = bk.empty((X.shape[0], W.shape[0]))
        bk.matmul_into(h, W.T, Z)
        h = bk.activate(spec.activation, Z, bk.empty(Z.shape))
        if net.post != 1.0:
            h = h * net.post
    return bk.to_numpy(net.omega * (h @ net.W[-1]))


@dataclass
class _History:
    train_error: list[float] = field(default_factory=list)
    min_margin: list[float] = field(default_factory=list)
    test_error: dict[int, float] = field(default_factory=dict)  # step -> held-out 0-1 error
    test_loss: dict[int, float] = field(default_factory=dict)
    first_zero_error: int | None = None


class Objective:
    """The loss and the sampling of one training call (all runs of a net share it; each run samples alone).

    loss: 'squared' (the spec's normalisation) or 'logistic' (mean over samples; binary labels
    y_i in {-1, +1} required).  batch: None (full batch) or B in 1..n.  seeds, widths: one per run
    (the run's own (seed, width) seeds its batches, so batched and single runs see the same ones).
    X_test, y_test: held-out points whose 0-1 error is measured at the checkpoints.  draw: which
    independent sequence of batches (0, the default, is the one every single run uses).
    """

    def __init__(self, spec, y: np.ndarray, *, loss: str = "squared", batch: int | None = None,
                 sampling: str = "without-replacement", seeds: Sequence[int] = (0,), widths: Sequence[int] = (1,),
                 X_test: np.ndarray | None = None, y_test: np.ndarray | None = None, draw: int = 0):
        if loss not in LOSS_KINDS:
            raise ValueError(f"unknown loss {loss!r} (known: {', '.join(LOSS_KINDS)})")
        if sampling not in SAMPLINGS:
            raise ValueError(f"unknown sampling {sampling!r} (known: {', '.join(SAMPLINGS)})")
        self.y = np.asarray(y, dtype=np.float64)
        n = self.y.shape[0]
        if batch is not None and not (isinstance(batch, (int, np.integer)) and 1 <= batch <= n):
            raise ValueError(f"batch size must be an integer in 1..n = {n}, got {batch!r}")
        if loss == "logistic" and not np.all(np.isin(self.y, (-1.0, 1.0))):
            raise ValueError("the logistic loss needs binary labels y_i in {-1, +1}")
        self.spec, self.loss, self.batch, self.sampling, self.n = spec, loss, batch, sampling, n
        self.samplers = [None if batch is None else _Sampler(n, int(batch), sampling, s, m, draw)
                         for s, m in zip(seeds, widths, strict=True)]
        self.history = [_History() for _ in widths]
        self.X_test = None if X_test is None else np.asarray(X_test, dtype=np.float64)
        self.y_test = None if y_test is None else np.asarray(y_test, dtype=np.float64)

    @property
    def stochastic(self) -> bool:
        return self.batch is not None

    @property
    def algorithm(self) -> str:
        return "GD" if self.batch is None else "SGD"

    def describe(self) -> dict:
        out = {"algorithm": self.algorithm, "loss": self.loss,
               "loss_text": ("(1/n) sum_i log(1 + exp(-y_i f(x_i))) (binary cross-entropy of sigmoid(f))"
                             if self.loss == "logistic" else self.spec.describe()["loss"])}
        if self.batch is not None:
            out.update({"batch_size": int(self.batch), "sampling": self.sampling,
                        "sampling_text": SAMPLING_TEXT[self.sampling],
                        "gradient": "unbiased estimate of the full gradient: (n / B) sum over the batch"})
        return out

    # -- what gd.run calls ----------------------------------------------------------------------
    def losses(self, net, R, step: int) -> np.ndarray:
        """The loss of every live run (the columns of R = f - y), and the per-step error records."""
        Rn = net.bk.to_numpy(R)
        f = Rn + self.y[:, None]
        margins = self.y[:, None] * f
        for c, k in enumerate(net.live):
            h = self.history[k]
            err = float(np.mean(margins[:, c] <= 0))
            h.train_error.append(err)
            h.min_margin.append(float(margins[:, c].min()))
            if err == 0.0 and h.first_zero_error is None:
                h.first_zero_error = step
        if self.loss == "logistic":
            return logistic_loss(margins).mean(axis=0)
        return self.spec.loss_scale(self.n) * (Rn * Rn).sum(0)

    def residual_norm(self, net, R, c: int) -> float:
        Rn = net.bk.to_numpy(R[:, c])
        return float(np.sqrt(np.sum(Rn * Rn)))

    def direction(self, net, R):
        """The residual columns the network's step needs (after the stopped runs were dropped)."""
        if self.loss == "squared" and not self.stochastic:
            return R
        if self.loss == "logistic":
            Rn = net.bk.to_numpy(R)
            margins = self.y[:, None] * (Rn + self.y[:, None])
            # d/df of (1/n) sum log(1 + exp(-y f)), divided by the step's factor s = 2 loss_scale(n)
            G = (self.y[:, None] * logistic_grad(margins)) / (self.n * 2.0 * self.spec.loss_scale(self.n))
        else:
            G = None
        if self.stochastic:
            Wt = np.stack([self.samplers[k].weights() for k in net.live], axis=1)
            G = (net.bk.to_numpy(R) if G is None else G) * Wt
        return net.bk.asarray(G)

    def on_snapshot(self, net, k: int, step: int) -> None:
        """At a checkpoint of live run k: the held-out 0-1 error and loss, when there are held-out points."""
        if self.X_test is None:
            return
        f = outputs(net, k, self.X_test)
        margins = self.y_test * f
        h = self.history[k]
        h.test_error[step] = float(np.mean(margins <= 0))
        h.test_loss[step] = (float(np.mean(logistic_loss(margins))) if self.loss == "logistic"
                             else float(self.spec.loss_scale(len(f)) * np.sum((f - self.y_test) ** 2)))


def final(values: dict[int, float] | list[float]) -> float | None:
    """The last recorded value (None when nothing was recorded)."""
    if isinstance(values, dict):
        return values[max(values)] if values else None
    return values[-1] if values else None


def finite_or_none(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None
