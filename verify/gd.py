"""Full-batch gradient descent with hand-written gradients, written once for both backends.

The algorithms only use ``@``, ``*``, ``-``, slicing and ``.T``, which numpy arrays and torch
tensors share, plus a few primitives of a :class:`Backend` (activation with its derivative
written into a preallocated buffer, conversion to float64 numpy).  Nothing here imports torch.

Two networks:

* :class:`TwoLayerBatch` trains K runs (each its own width and seed) of a two-layer network
  (first layer trained, output fixed) as one program: the K hidden layers are stacked into one
  (sum m_k) x d matrix, so a step is one forward GEMM for all runs, one segment sum per run for
  the outputs, and one backward GEMM per run, G_k = act'(Z_k)^T (r_k * X), with no loop over
  neurons; a run that stops leaves the stack.  On the CPU (numpy), runs whose arrays outgrow the
  cache take the step row block by row block, forward and backward at once.
* :class:`DeepNet` trains one width of a deep fully connected network, any subset of layers.

Both expose the same small interface to :func:`run`, which records the loss at every step and
takes measurements (empirical NTK, distances from initialisation, activation flips) at
checkpoints, and stops a width when it reaches eps or diverges.
"""

from __future__ import annotations

import contextlib
import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np

from .models.base import NetworkSpec

if TYPE_CHECKING:
    from .activations import Activation
    from .objectives import Objective
    from .plateau import PlateauRule

DIVERGENCE_FACTOR = 1e4  # a loss this many times its initial value counts as exploding


class Backend(Protocol):
    """What the algorithms need from an array library."""

    name: str
    dtype: str
    device: str

    def asarray(self, a: np.ndarray): ...
    def to_numpy(self, a) -> np.ndarray: ...
    def empty(self, shape: tuple[int, ...]): ...
    def zeros(self, shape: tuple[int, ...]): ...
    def copy(self, a): ...
    def matmul_into(self, a, b, out): ...
    def at_b(self, a, b): ...
    def activate(self, act: Activation | str, Z, S): ...
    def positive(self, Z): ...
    def row_norms(self, a): ...
    def index(self, positions: np.ndarray): ...


@dataclass
class Snapshot:
    """Measurements of one width at one step."""

    step: int
    loss: float
    kernel: np.ndarray  # empirical NTK Gram matrix, float64
    max_neuron_distance: float | None  # two-layer: max_r ||w_r - w_r(0)||
    layer_distances: list[float]  # ||W_l - W_l(0)||_F per trained layer
    param_distance: float  # ||theta - theta(0)||_2 over trained parameters
    flip_fractions: list[float]  # per hidden layer: fraction of (i, r) whose sign(z_ir) changed

    @functools.cached_property
    def lambda_min(self) -> float:
        """Smallest eigenvalue of the kernel (computed once: records and measurements share it)."""
        return float(np.linalg.eigvalsh(self.kernel)[0])


@dataclass
class Trajectory:
    """Everything :mod:`verify.measure` needs about one width's run."""

    width: int
    eta: float
    losses: list[float] = field(default_factory=list)
    snapshots: list[Snapshot] = field(default_factory=list)
    initial_residual_norm: float = math.nan  # ||u(0) - y||
    reached_eps: int | None = None  # first step with loss <= eps
    diverged_at: int | None = None
    stalled_at: int | None = None  # step at which a plateau rule stopped the run
    stopped: bool = False
    stop_reason: str | None = None  # eps, diverged, limit, or the plateau rule's reason
    start: int = 0  # the step of losses[0]: 0, or the step a continued run started at (:class:`Resume`)

    @property
    def steps_run(self) -> int:
        return self.start + len(self.losses) - 1


@dataclass
class Resume:
    """Where a stopped run stands, to continue it exactly: the step it stopped at, its trained weights there
    (float64), its loss there, and its initial loss (the divergence test's reference).

    ``W`` is the first-layer matrix (m x d) of a two-layer run (:class:`TwoLayerBatch`), or one
    array per trained layer, in layer order, of a deep run (:class:`DeepBatch`).  Full-batch GD
    is deterministic and its state is the trained weights alone (the others stay at their
    initialisation), so a run continued from here follows the trajectory it would have followed
    had it not stopped.  Its trajectory records the losses from `step` on
    (:attr:`Trajectory.start`), not the earlier ones.
    """

    step: int
    W: np.ndarray | list[np.ndarray]
    loss: float
    initial_loss: float

    def __post_init__(self) -> None:
        if self.step < 0:
            raise ValueError(f"a run resumes at a step >= 0, got {self.step}")


def _checked_resume(resume: Sequence[Resume | None] | None, shapes: list, net: str) -> list[Resume | None]:
    """One start state (or None: from step 0) per run, each with its run's trained weights' shapes: `shapes` has
    one entry per run, an array's shape (two-layer) or a list of them, one per trained layer (deep)."""
    resume = [None] * len(shapes) if resume is None else list(resume)
    if len(resume) != len(shapes):
        raise ValueError(f"{net} needs one start state (or None) per run")
    for r, want in zip(resume, shapes, strict=True):
        if r is None:
            continue
        got = [np.shape(w) for w in r.W] if isinstance(r.W, (list, tuple)) else np.shape(r.W)
        if got != want:
            raise ValueError(f"a start state's trained weights have the shapes {got}, its run's are {want}")
    return resume


def checkpoint_steps(steps: int, count: int = 40) -> set[int]:
    """Steps at which the NTK and distances are measured: 0, geometric early, linear later, the last."""
    points = {0, steps}
    points.update(int(round(x)) for x in np.geomspace(1, max(steps, 1), count // 2))
    points.update(int(round(x)) for x in np.linspace(0, steps, count // 2 + 1))
    return {p for p in points if 0 <= p <= steps}


class _Runs:
    """What every net of :func:`run` shares: the loss of each residual column, and the retiring
    of the runs a caller marks inactive before a step."""

    def losses(self, R) -> np.ndarray:
        return self.spec.loss_scale(self.n) * self.bk.to_numpy((R * R).sum(0))

    def _keep_active(self, R, active: Sequence[bool] | None):
        """Retire the live runs flagged False in `active`; the residual columns of the others."""
        if active is None or all(active):
            return R
        self.retire([k for k, on in zip(self.live, active, strict=True) if not on])
        return R[:, [c for c, on in enumerate(active) if on]]


class TwoLayerBatch(_Runs):
    """Several runs of f(x) = out_scale(m) sum_r a_r act(w_r . x), first layer trained, as one program.

    Each run k has its own width m_k, seed s_k and step size eta_k.  The neurons of all live runs
    are stacked in one (sum m_k) x d matrix, so that a step is one forward GEMM for every run,
    one segment sum per run for the outputs, and per run one backward GEMM on its slice,
    G_k = act'(Z_k)^T (r_k * X).  (A single backward GEMM (act'(Z) * R[:, owner])^T X over all
    runs needs one more pass over the n x sum(m_k) matrix to scale it, and measured 1.6 times
    slower at n = 256: the step is memory-bound, and scaling the small n x d operand instead
    saves that pass.)  A run that stops is :meth:`retire`-d: its
    neurons leave the stacked arrays, so that the runs still training pay only for themselves.

    On numpy, a batch too large for the fused step takes the *blocked* step instead (for inputs of
    few coordinates, where the step is memory-bound): each run works through the samples in row
    blocks of about ROW_BLOCK_ELEMENTS entries (rows x its width), computing a block's
    pre-activations, outputs, residuals and gradient contribution while the block is in cache, so
    that no n x m array is written to memory and read back.  This makes a batched round 1.3 times
    faster at n = 256 (widths 8 ... 256) and 1.7 times at n = 1024 near the interpolation
    threshold, where a study spends its time (benchmarks/bench_batched.py, ``blocking_speedup``).
    A run's row blocks depend on its own width only.

    Every run is initialised from its own (seed, width) alone (:meth:`NetworkSpec.init`), so a
    run batched with others computes what it computes alone.
    """

    FUSED_MAX_ELEMENTS = 1 << 17  # n * sum(m) up to which the fused step is faster (benchmarks/bench_batched.py)
    # The blocked step (numpy): blocks of ROW_BLOCK_ELEMENTS entries (256 KiB, well inside a core's L2), but
    # never fewer than MIN_BLOCK_ROWS rows, below which adding up the m x d gradient block by block costs
    # more than the cache saves; only for inputs of at most BLOCKED_MAX_INPUT_DIM coordinates, where a step
    # does few flops per entry of its n x m arrays (1.15 to 1.45x at d = 10, 1.1x at 20, at most 1.0x from 30 on),
    # and only where the batch's n x sum(m) exceeds FUSED_MAX_ELEMENTS (below it, its arrays fit in L2 and the
    # blocks' bookkeeping costs more than they save: 0.97x for single runs at n = 512, m ~ 68, in a study).
    # benchmarks/bench_blocking.py measures all three.
    ROW_BLOCK_ELEMENTS = 1 << 15
    MIN_BLOCK_ROWS = 32
    BLOCKED_MAX_INPUT_DIM = 20
    BLOCKED_BACKENDS = ("numpy",)  # backends that take the blocked step (a GPU has no cache to fit)

    def __init__(self, spec: NetworkSpec, X: np.ndarray, y: np.ndarray, widths: Sequence[int],
                 seed: int | Sequence[int], etas: Sequence[float], backend: Backend,
                 resume: Sequence[Resume | None] | None = None, keep_final: bool = False):
        if not (spec.two_layer and spec.trained == (True, False)):
            raise ValueError("TwoLayerBatch trains the first layer of a two-layer network only")
        self.spec, self.bk = spec, backend
        n, d = X.shape
        self.n, self.widths = n, [int(m) for m in widths]
        seeds = [int(seed)] * len(self.widths) if isinstance(seed, (int, np.integer)) else [int(s) for s in seed]
        if len(seeds) != len(self.widths) or len(etas) != len(self.widths):
            raise ValueError("TwoLayerBatch needs one seed (or a single seed) and one step size per width")
        self.seeds = seeds
        self.eta = [float(e) for e in etas]
        self.grad_factor = 2.0 * spec.loss_scale(n)
        inits = [spec.init(d, m, s) for m, s in zip(self.widths, seeds, strict=True)]
        coef = np.concatenate([spec.output_scale(m) * w[-1] for m, w in zip(self.widths, inits, strict=True)])
        scale = (
            np.concatenate([np.full(m, self.grad_factor * eta) for m, eta in zip(self.widths, self.eta, strict=True)])
            * coef
        )
        W0 = np.concatenate([w[0] for w in inits])
        self.resume = _checked_resume(resume, [np.shape(w[0]) for w in inits], "TwoLayerBatch")
        del inits
        self.X, self.y = backend.asarray(X), backend.asarray(y)
        self.W0 = backend.asarray(W0)
        self.coef, self.scale = backend.asarray(coef), backend.asarray(scale)
        self.gram = X @ X.T
        self.live: list[int] = list(range(len(self.widths)))
        self.Z = self.S = None  # the n x sum(m) arrays of the fused and per-run steps, made when first needed
        self._blocked_grads = None  # what the last blocked forward() computed for step() (_step_blocked)
        self.gradients_in_forward = True  # False (set by run() under an objective): the blocked forward() skips them
        self._layout()
        self.keep_final, self.final_W = bool(keep_final), {}
        if any(r is not None for r in self.resume):  # W(0) stays the reference of distances and flips
            self.W = backend.asarray(np.concatenate([w[0] if r is None else r.W for w, r in
                                                     zip(self._inits(d), self.resume, strict=True)]))
        else:
            self.W = backend.copy(self.W0)

    def _inits(self, d: int):
        """Every run's initial weights, again (a pure function of (seed, width))."""
        return (self.spec.init(d, m, s) for m, s in zip(self.widths, self.seeds, strict=True))

    def _layout(self) -> None:
        """Column ranges of the live runs in the stacked arrays, and the operators of the fused step.

        Small problems (n sum(m) <= FUSED_MAX_ELEMENTS) are dominated by the cost of each array
        call, not by memory traffic, so they take the fused step: the outputs of all runs in one
        GEMM with a (sum m) x K matrix of output weights, and the backward pass as one GEMM
        after scaling act'(Z) by each neuron's residual column, a fixed number of calls per step
        whatever K is.  Larger problems are memory-bound: on numpy they take the blocked step
        (:meth:`_forward_blocked`); on torch (a GPU has no cache to fit) one backward GEMM per
        run on its own slice, which reads act'(Z) once instead of rewriting it.
        """
        self.blocks, start = {}, 0
        for k in self.live:
            self.blocks[k] = (start, start + self.widths[k])
            start += self.widths[k]
        self.fused = self.n * start <= self.FUSED_MAX_ELEMENTS and len(self.live) > 1
        self.blocked = (self.n * start > self.FUSED_MAX_ELEMENTS  # else fused, or one run whose arrays fit in L2
                        and self.bk.name in self.BLOCKED_BACKENDS and self.X.shape[1] <= self.BLOCKED_MAX_INPUT_DIM)
        if self.fused:
            owner = np.concatenate([np.full(self.widths[k], c) for c, k in enumerate(self.live)])
            coef = self.bk.to_numpy(self.coef)
            vmat = np.zeros((start, len(self.live)))
            vmat[np.arange(start), owner] = coef
            self.owner, self.vmat = self.bk.index(owner), self.bk.asarray(vmat)

    @property
    def count(self) -> int:
        return len(self.widths)

    @property
    def step_flops(self) -> float:
        """Floating-point operations of one step of the live runs (the two GEMMs)."""
        return 4.0 * self.n * self.X.shape[1] * sum(self.widths[k] for k in self.live)

    def forward(self):
        """Residuals f(x_i) - y_i, one column per live run (n x len(live))."""
        self._blocked_grads = None
        if self.blocked:
            return self._forward_blocked()
        columns = sum(e - s for s, e in self.blocks.values())
        if self.Z is None or tuple(self.Z.shape) != (self.n, columns):
            self.Z, self.S = self.bk.empty((self.n, columns)), self.bk.empty((self.n, columns))
        self.bk.matmul_into(self.X, self.W.T, self.Z)
        A = self.bk.activate(self.spec.act, self.Z, self.S)
        if self.fused:
            return A @ self.vmat - self.y[:, None]
        R = self.bk.empty((self.n, len(self.live)))
        for c, k in enumerate(self.live):  # segment sums: run k's output is its neurons' weighted sum
            s, e = self.blocks[k]
            R[:, c] = A[:, s:e] @ self.coef[s:e]
        R -= self.y[:, None]
        return R

    def _forward_blocked(self):
        """:meth:`forward` of the blocked step: every run's residuals and, in the same pass over its row
        blocks, its gradient for those residuals, which :meth:`step` then applies."""
        R = np.empty((self.n, len(self.live)))
        grads = {k: self._blocked_pass(k, out=R[:, c], gradient=self.gradients_in_forward)
                 for c, k in enumerate(self.live)}
        self._blocked_grads = (list(self.live), R.copy(), grads if self.gradients_in_forward else None)
        return R

    @classmethod
    def block_rows(cls, n: int, width: int) -> int:
        """Rows of one block of the blocked step for a run of this width: about ROW_BLOCK_ELEMENTS entries, at
        least MIN_BLOCK_ROWS rows, and blocks of equal size (no short last block of a few rows)."""
        rows = min(n, max(cls.MIN_BLOCK_ROWS, cls.ROW_BLOCK_ELEMENTS // width))
        return -(-n // -(-n // rows))

    def _blocked_pass(self, k: int, *, out: np.ndarray | None = None, residual: np.ndarray | None = None,
                      gradient: bool = True):
        """sum_i r_i act'(z_i)^T x_i for run k (its unscaled gradient), one row block at a time.  With `out`,
        the residuals r are the run's own, computed block by block and written into `out`; with `residual`,
        they are given (a direction other than the squared loss's, from an objective).  With gradient=False
        only the residuals are computed (None is returned)."""
        s, e = self.blocks[k]
        W, coef, width = self.W[s:e], self.coef[s:e], e - s
        rows = self.block_rows(self.n, width)
        Z, S = np.empty((rows, width)), np.empty((rows, width))
        G = np.zeros((width, self.X.shape[1])) if gradient else None
        for i in range(0, self.n, rows):
            j = min(self.n, i + rows)
            Xb, Zb, Sb = self.X[i:j], Z[:j - i], S[:j - i]
            np.matmul(Xb, W.T, out=Zb)
            A = self.bk.activate(self.spec.act, Zb, Sb)
            if out is not None:
                r = A @ coef
                r -= self.y[i:j]
                out[i:j] = r
            else:
                r = residual[i:j]
            if G is not None:
                G += Sb.T @ (r[:, None] * Xb)
        return G

    def _step_blocked(self, R) -> None:
        """Apply the gradients the blocked forward() computed, where R is its residuals (the squared loss's
        direction, compared by value); for another direction, compute them for R."""
        live, R_forward, grads = self._blocked_grads
        self._blocked_grads = None
        columns = [live.index(k) for k in self.live]
        own = (grads is not None and tuple(R.shape) == (self.n, len(columns))
               and np.array_equal(R, R_forward[:, columns]))
        for c, k in enumerate(self.live):
            s, e = self.blocks[k]
            G = grads[k] if own else self._blocked_pass(k, residual=np.asarray(R[:, c]))
            G *= self.scale[s:e, None]
            self.W[s:e] -= G

    def step(self, R, active: Sequence[bool] | None = None) -> None:
        """One GD step of every live run (R: the residual columns of :meth:`forward`)."""
        R = self._keep_active(R, active)
        if not self.live:
            return
        if self._blocked_grads is not None:  # the last forward() took the blocked step
            self._step_blocked(R)
            return
        if self.fused:
            self.S *= R[:, self.owner]
            G = self.bk.at_b(self.S, self.X)
            G *= self.scale[:, None]
            self.W -= G
            return
        for c, k in enumerate(self.live):  # G_k = act'(Z_k)^T (r_k * X): S is read once, never rescaled
            s, e = self.blocks[k]
            G = self.bk.at_b(self.S[:, s:e], R[:, c:c + 1] * self.X)
            G *= self.scale[s:e, None]
            self.W[s:e] -= G

    def retire(self, runs: Sequence[int]) -> None:
        """Remove the neurons of `runs` (run indices) from the stacked arrays; they train no more."""
        runs = set(runs)
        if not runs & set(self.live):
            return
        if self.keep_final:  # the weights each run stops with, for whoever continues it later
            for k in runs & set(self.live):
                self.final_W[k] = self.bk.to_numpy(self.W[slice(*self.blocks[k])]).astype(np.float64, copy=True)
        keep = np.concatenate([np.arange(*self.blocks[k]) for k in self.live if k not in runs] or [np.arange(0)])
        index = self.bk.index(keep)
        self.W, self.W0 = self.W[index], self.W0[index]
        self.coef, self.scale = self.coef[index], self.scale[index]
        if self.Z is not None:  # S holds this step's act'(Z), which step() needs
            self.Z, self.S = self.Z[:, index], self.S[:, index]
        self.live = [k for k in self.live if k not in runs]
        self._layout()

    def snapshot(self, k: int, step: int, loss: float) -> Snapshot:
        """Measurements of live run k after :meth:`forward` (before :meth:`step`), from its weights now and at
        initialisation (its activation flips count against the patterns of W(0), also for a continued run)."""
        s, e = self.blocks[k]
        Z, S = self.bk.empty((self.n, e - s)), self.bk.empty((self.n, e - s))
        self.bk.matmul_into(self.X, self.W0[s:e].T, Z)
        pattern0 = self.bk.positive(Z)
        self.bk.matmul_into(self.X, self.W[s:e].T, Z)
        pattern = self.bk.positive(Z)
        self.bk.activate(self.spec.act, Z, S)
        Sc = S * self.coef[None, s:e]
        kernel = self.gram * self.bk.to_numpy(Sc @ Sc.T)
        dist = self.bk.to_numpy(self.bk.row_norms(self.W[s:e] - self.W0[s:e]))
        flips = self.bk.to_numpy((pattern != pattern0).sum())
        total = float(np.sqrt(np.sum(dist**2)))
        return Snapshot(step, loss, 0.5 * (kernel + kernel.T), float(dist.max()), [total], total,
                        [float(flips) / (self.n * (e - s))])


def _hidden_layers(net, product) -> tuple[list, list, list]:
    """The hidden layers of a deep net's forward pass: inputs of every layer, act' (times the
    post-activation scale) and activation patterns.  `product(x, W)` is the layer's pre-activation
    (one GEMM for :class:`DeepNet`, a batched one for :class:`DeepBatch`)."""
    xs, Ss, patterns = [net.X], [], []
    for W in net.W[:-1]:
        Z = product(xs[-1], W)
        S = net.bk.empty(tuple(Z.shape))
        A = net.bk.activate(net.spec.act, Z, S)
        patterns.append(net.bk.positive(Z))  # relu: Z now holds relu(Z), same signs
        if net.post != 1.0:
            A = A * net.post
            S *= net.post
        xs.append(A)
        Ss.append(S)
    return xs, Ss, patterns


class DeepNet(_Runs):
    """One width of a fully connected network in `spec`'s parametrisation, any layers trained."""

    def __init__(self, spec: NetworkSpec, X: np.ndarray, y: np.ndarray, width: int, seed: int, eta: float,
                 backend: Backend):
        self.spec, self.bk = spec, backend
        n, d = X.shape
        self.n, self.widths, self.width = n, [int(width)], int(width)
        weights = spec.init(d, self.width, seed)
        self.X, self.y = backend.asarray(X), backend.asarray(y)
        self.W = [backend.asarray(w) for w in weights]  # hidden layers then the output vector
        del weights
        self.W0 = [backend.copy(w) if t else None for w, t in zip(self.W, spec.trained, strict=True)]
        self.post = spec.post_scale(self.width)
        self.omega = spec.output_scale(self.width)
        self.eta = [float(eta)]
        self.grad_factor = 2.0 * spec.loss_scale(n)
        self.H = spec.depth
        self.lowest_trained = min(i for i, t in enumerate(spec.trained) if t)
        self.pattern0 = None
        self.live: list[int] = [0]

    @property
    def count(self) -> int:
        return 1

    def retire(self, runs: Sequence[int]) -> None:
        """The one run stops training."""
        if 0 in runs:
            self.live = []

    @property
    def step_flops(self) -> float:
        """Floating-point operations of one step (forward and backward GEMMs)."""
        return 6.0 * self.n * self.spec.parameter_count(self.X.shape[1], self.width)

    def forward(self):
        def product(x, W):
            Z = self.bk.empty((self.n, W.shape[0]))
            self.bk.matmul_into(x, W.T, Z)
            return Z

        self.xs, self.Ss, self.patterns = _hidden_layers(self, product)
        xs, patterns = self.xs, self.patterns
        if self.pattern0 is None:
            self.pattern0 = patterns
        f = self.omega * (xs[-1] @ self.W[-1])
        return (f - self.y)[:, None]

    def _backward(self, c, keep_D: bool = False):
        """Gradients of sum_i c_i f(x_i) for every trained layer (None for fixed ones)."""
        trained = self.spec.trained
        grads: list = [None] * (self.H + 1)
        if trained[self.H]:
            grads[self.H] = self.omega * (c @ self.xs[self.H])
        Ds: list = [None] * self.H
        g = (self.omega * c)[:, None] * self.W[-1][None, :]
        for h in range(self.H - 1, self.lowest_trained - 1, -1):
            D = g * self.Ss[h]
            if trained[h]:
                grads[h] = self.bk.at_b(D, self.xs[h])
                if keep_D:
                    Ds[h] = D
            if h > self.lowest_trained:
                g = D @ self.W[h]
        return grads, Ds

    def step(self, R, active: Sequence[bool] | None = None) -> None:
        if (active is not None and not active[0]) or not self.live:
            return
        grads, _ = self._backward(R[:, 0] * (self.grad_factor * self.eta[0]))
        for W, G in zip(self.W, grads, strict=True):
            if G is not None:
                W -= G

    def snapshot(self, k: int, step: int, loss: float) -> Snapshot:
        ones = self.bk.asarray(np.ones(self.n))
        _, Ds = self._backward(ones, keep_D=True)
        kernel = np.zeros((self.n, self.n))
        for h, D in enumerate(Ds):
            if D is not None:
                kernel += self.bk.to_numpy(self.xs[h] @ self.xs[h].T) * self.bk.to_numpy(D @ D.T)
        if self.spec.trained[self.H]:
            kernel += self.omega**2 * self.bk.to_numpy(self.xs[self.H] @ self.xs[self.H].T)
        distances, max_neuron = [], None
        for h, (W, W0) in enumerate(zip(self.W, self.W0, strict=True)):
            if self.spec.trained[h]:
                delta = W - W0
                distances.append(float(self.bk.to_numpy((delta * delta).sum())) ** 0.5)
                if self.spec.two_layer and h == 0:
                    max_neuron = float(self.bk.to_numpy(self.bk.row_norms(delta)).max())
        flips = [float(self.bk.to_numpy((p != p0).sum())) / (p.shape[0] * p.shape[1])
                 for p, p0 in zip(self.patterns, self.pattern0, strict=True)]
        total = float(np.sqrt(np.sum(np.square(distances))))
        return Snapshot(step, loss, 0.5 * (kernel + kernel.T), max_neuron, distances, total, flips)


class DeepBatch(_Runs):
    """Several seeds of one width of a deep network (:class:`DeepNet`'s parametrisation) as one program.

    Every weight gets a leading run axis, (K, m_out, m_in), and a step is one batched GEMM per
    layer for all K runs, forward and backward; the shared input X broadcasts over the runs.
    Runs of different widths cannot share a batched GEMM, so a study batches the seeds of each
    width.  Each run is initialised from its own (seed, width), exactly as :class:`DeepNet`, and
    computes what it computes alone; a run that stops is :meth:`retire`-d from the run axis.
    """

    def __init__(self, spec: NetworkSpec, X: np.ndarray, y: np.ndarray, width: int, seeds: Sequence[int],
                 etas: Sequence[float], backend: Backend, resume: Sequence[Resume | None] | None = None,
                 keep_final: bool = False):
        if spec.two_layer:
            raise ValueError("DeepBatch trains deep networks; the two-layer family has TwoLayerBatch")
        if len(seeds) != len(etas) or not seeds:
            raise ValueError("DeepBatch needs one step size per seed, and at least one seed")
        self.spec, self.bk = spec, backend
        n, d = X.shape
        self.n, self.width = n, int(width)
        self.widths = [self.width] * len(seeds)
        inits = [spec.init(d, self.width, int(s)) for s in seeds]
        self.resume = _checked_resume(resume, [[np.shape(w[h]) for h in self._trained_layers] for w in inits],
                                      "DeepBatch")
        self.X, self.y = backend.asarray(X), backend.asarray(y)
        self.W = [backend.asarray(np.stack(layer)) for layer in zip(*inits, strict=True)]  # (K, ...) per layer
        del inits
        self.W0 = [backend.copy(w) if t else None for w, t in zip(self.W, spec.trained, strict=True)]
        self.post = spec.post_scale(self.width)
        self.omega = spec.output_scale(self.width)
        self.eta = [float(e) for e in etas]
        self.grad_factor = 2.0 * spec.loss_scale(n)
        self.H = spec.depth
        self.lowest_trained = min(i for i, t in enumerate(spec.trained) if t)
        self.pattern0 = None
        self.live: list[int] = list(range(len(seeds)))
        self._rates = backend.asarray(np.array([self.grad_factor * e for e in self.eta]))
        self.keep_final, self.final_W = bool(keep_final), {}
        if any(r is not None for r in self.resume):  # W(0) gives the initial patterns, each resumed W(t) the start
            self.forward()
            for k, r in enumerate(self.resume):
                if r is not None:
                    for h, layer in zip(self._trained_layers, r.W, strict=True):
                        self.W[h][k] = backend.asarray(layer)

    @property
    def _trained_layers(self) -> list[int]:
        return [h for h, t in enumerate(self.spec.trained) if t]

    @property
    def count(self) -> int:
        return len(self.widths)

    @property
    def step_flops(self) -> float:
        return 6.0 * self.n * self.spec.parameter_count(self.X.shape[1], self.width) * len(self.live)

    def forward(self):
        """Residuals, one column per live run (n x len(live))."""
        K = len(self.live)
        # (K, n, m) per layer; the shared input X (n, d) broadcasts over the runs
        self.xs, self.Ss, self.patterns = _hidden_layers(self, lambda x, W: x @ W.swapaxes(-1, -2))
        xs, patterns = self.xs, self.patterns
        if self.pattern0 is None:
            self.pattern0 = patterns
        f = self.omega * (xs[-1] @ self.W[-1][:, :, None])[:, :, 0]  # (K, n)
        return (f - self.y[None, :]).T.reshape(self.n, K)

    def step(self, R, active: Sequence[bool] | None = None) -> None:
        R = self._keep_active(R, active)
        if not self.live:
            return
        c = R.T * self._rates[:, None]  # (K, n): each run's residual times its own step
        trained = self.spec.trained
        grads = {}
        if trained[self.H]:
            grads[self.H] = self.omega * (c[:, None, :] @ self.xs[self.H])[:, 0, :]
        g = (self.omega * c)[:, :, None] * self.W[-1][:, None, :]  # (K, n, m)
        for h in range(self.H - 1, self.lowest_trained - 1, -1):
            D = g * self.Ss[h]
            if trained[h]:
                grads[h] = D.swapaxes(-1, -2) @ self.xs[h]
            if h > self.lowest_trained:
                g = D @ self.W[h]
        for h, G in grads.items():  # after the backward pass, which reads the weights before the step
            self.W[h] -= G

    def retire(self, runs: Sequence[int]) -> None:
        runs = set(runs)
        if not runs & set(self.live):
            return
        if self.keep_final:  # the trained weights each run stops with, for whoever continues it later
            for c, k in enumerate(self.live):
                if k in runs:
                    self.final_W[k] = [self.bk.to_numpy(self.W[h][c]).astype(np.float64, copy=True)
                                       for h in self._trained_layers]
        keep = [c for c, k in enumerate(self.live) if k not in runs]
        index = self.bk.index(np.array(keep, dtype=np.intp))

        self.W = [w[index] for w in self.W]
        self.W0 = [None if w is None else w[index] for w in self.W0]
        self.xs = [self.X] + [x[index] for x in self.xs[1:]]
        self.Ss = [S[index] for S in self.Ss]
        self.patterns = [p[index] for p in self.patterns]
        self.pattern0 = [p[index] for p in self.pattern0]
        self._rates = self._rates[index]
        self.live = [self.live[c] for c in keep]

    def snapshot(self, k: int, step: int, loss: float) -> Snapshot:
        """Measurements of live run k after :meth:`forward`, by :class:`DeepNet`'s own code on run k's slices."""
        p = self.live.index(k)
        view = object.__new__(DeepNet)
        view.spec, view.bk, view.n, view.width, view.X, view.y = self.spec, self.bk, self.n, self.width, self.X, self.y
        view.W = [w[p] for w in self.W]
        view.W0 = [None if w is None else w[p] for w in self.W0]
        view.post, view.omega, view.H, view.lowest_trained = self.post, self.omega, self.H, self.lowest_trained
        view.xs = [self.X] + [x[p] for x in self.xs[1:]]
        view.Ss = [S[p] for S in self.Ss]
        view.patterns = [q[p] for q in self.patterns]
        view.pattern0 = [q[p] for q in self.pattern0]
        return view.snapshot(0, step, loss)


def build(spec: NetworkSpec, X: np.ndarray, y: np.ndarray, widths: Sequence[int], seed: int,
          etas: Sequence[float], backend: Backend) -> list:
    """The networks that train `widths`: one batched pass for the two-layer family, else one per width.

    Deep networks are built lazily by the caller one at a time when memory matters; this
    convenience builds them all.
    """
    if spec.two_layer and spec.trained == (True, False):
        return [TwoLayerBatch(spec, X, y, widths, seed, etas, backend)]
    if spec.parametrization == "resnet":
        from .resnet import ResNet

        return [ResNet(spec, X, y, m, seed, eta, backend) for m, eta in zip(widths, etas, strict=True)]
    return [DeepNet(spec, X, y, m, seed, eta, backend) for m, eta in zip(widths, etas, strict=True)]


def run(
    net, steps: int | Sequence[int], eps: float, checkpoints: set[int] | None = None,
    on_snapshot: Callable[[int, Snapshot], None] | None = None,
    progress: Callable[[int], None] | None = None,
    stall: Sequence[PlateauRule | None] | None = None,
    objective: Objective | None = None,
) -> list[Trajectory]:
    """Train `net` for at most `steps` GD steps; a run stops when its loss <= eps, it diverges,
    its `stall` rule says it has stalled (:class:`verify.plateau.PlateauRule`), or at its limit.

    `steps` may be one number or one per run (a run then stops at its own limit), `stall` one
    rule (or None) per run.  A stopped run is retired from the net, so the others go on at
    their own cost.  The loss is recorded before every step and after the last one; snapshots
    are taken at the `checkpoints`, when a run stops, and at the end.  A KeyboardInterrupt
    propagates after the records already passed to `on_snapshot` (which writes them) are safe.

    `objective` (:class:`verify.objectives.Objective`; default None: full-batch GD on the
    squared loss of the spec) changes the loss recorded and the residual each step uses
    (logistic loss, minibatch SGD), and measures held-out points at the snapshots.
    """
    scope = getattr(net.bk, "scope", None)
    with scope(net.step_flops) if scope is not None else contextlib.nullcontext():
        return _run(net, steps, eps, checkpoints, on_snapshot, progress, stall, objective)


def _run(net, steps, eps, checkpoints, on_snapshot, progress, stall, objective=None) -> list[Trajectory]:
    """The training loop of :func:`run`, inside the backend's FLOP scope: one pass per step over the live runs."""
    K = net.count
    limits = [int(steps)] * K if isinstance(steps, (int, np.integer)) else [int(s) for s in steps]
    rules = list(stall) if stall is not None else [None] * K
    checkpoints = checkpoint_steps(max(limits)) if checkpoints is None else checkpoints
    trajectories = [Trajectory(width=m, eta=net.eta[k]) for k, m in enumerate(net.widths)]
    resume = list(getattr(net, "resume", None) or [None] * K)
    if objective is not None and any(r is not None for r in resume):
        raise ValueError("a run continues from a start state under the squared loss only (no objective)")
    offset = [0 if r is None else r.step for r in resume]
    if hasattr(net, "gradients_in_forward"):  # an objective's direction is not the residual: no gradient ahead
        net.gradients_in_forward = objective is None
    initial = np.zeros(K)
    step = 0
    while True:
        R = net.forward()
        losses = net.losses(R) if objective is None else objective.losses(net, R, step)
        if step == 0:
            initial[:] = losses
            _record_initial_residuals(net, R, losses, trajectories, objective)
            _record_resumed(net, resume, trajectories, initial)
        stopping = []
        for c, k in enumerate(net.live):
            traj, own = trajectories[k], step + offset[k]
            if step == 0 and resume[k] is not None:  # its loss at `own` is recorded and observed already
                loss = traj.losses[-1]
                reason = _resume_reason(own, rules[k], limits[k], traj)
            else:
                loss = float(losses[c])
                traj.losses.append(loss)
                reason = _stop_reason(traj, own, loss, eps, initial[k], rules[k], limits[k])
            if (reason is not None or own in checkpoints) and traj.diverged_at is None:
                _take_snapshot(net, k, traj, own, loss, objective, on_snapshot)
            if reason is not None:
                traj.stopped, traj.stop_reason = True, reason
                stopping.append(c)
        if stopping:
            keep = [c for c in range(len(net.live)) if c not in stopping]
            net.retire([net.live[c] for c in stopping])
            R = R[:, keep]
        if not net.live:
            break
        net.step(R if objective is None else objective.direction(net, R))
        step += 1
        if progress is not None:
            progress(1)
    return trajectories


def _record_initial_residuals(net, R, losses, trajectories: list[Trajectory], objective: Objective | None) -> None:
    """Each run's residual norm before the first step: from the squared loss, or as the objective measures it."""
    for c, (traj, loss) in enumerate(zip(trajectories, losses, strict=True)):
        traj.initial_residual_norm = (float(np.sqrt(loss / net.spec.loss_scale(net.n))) if objective is None
                                      else objective.residual_norm(net, R, c))


def _record_resumed(net, resume: list[Resume | None], trajectories: list[Trajectory], initial: np.ndarray) -> None:
    """A continued run's history: its loss at its start step (its losses are recorded from there on), its
    initial loss (the divergence test's reference) and initial residual norm, all from its start state rather
    than from the net's current weights."""
    for k, r in enumerate(resume):
        if r is not None:
            traj = trajectories[k]
            traj.losses, traj.start = [float(r.loss)], int(r.step)
            initial[k] = float(r.initial_loss)
            traj.initial_residual_norm = float(np.sqrt(initial[k] / net.spec.loss_scale(net.n)))


def _resume_reason(step: int, rule: PlateauRule | None, limit: int, traj: Trajectory) -> str | None:
    """Why a continued run stops at its start step, under its (new) cap: the check its rule made there judged
    again (:meth:`verify.plateau.PlateauRule.verdict`), else its limit.  The loss at that step already passed
    the divergence and eps tests when the run first saw it (it stopped for a cap-dependent reason)."""
    if rule is not None and (why := rule.verdict(step)) is not None:
        traj.stalled_at = step
        return why
    if step >= limit:
        return "limit"
    return None


def _stop_reason(traj: Trajectory, step: int, loss: float, eps: float, initial: float,
                 rule: PlateauRule | None, limit: int) -> str | None:
    """Why a run stops at `step` with `loss` ("diverged", "eps", its stall rule's reason, "limit"), the step
    recorded on `traj` for the first three; None while it goes on."""
    if not math.isfinite(loss) or loss > DIVERGENCE_FACTOR * max(initial, 1e-300):
        traj.diverged_at = step
        return "diverged"
    if loss <= eps:
        traj.reached_eps = step
        return "eps"
    if rule is not None and (why := rule.observe(step, loss)) is not None:
        traj.stalled_at = step
        return why
    if step >= limit:
        return "limit"
    return None


def _take_snapshot(net, k: int, traj: Trajectory, step: int, loss: float, objective: Objective | None,
                   on_snapshot: Callable[[int, Snapshot], None] | None) -> None:
    """Snapshot run k at `step` onto its trajectory, let the objective measure it, and pass it to `on_snapshot`."""
    snap = net.snapshot(k, step, loss)
    traj.snapshots.append(snap)
    if objective is not None:
        objective.on_snapshot(net, k, step)
    if on_snapshot is not None:
        on_snapshot(k, snap)
