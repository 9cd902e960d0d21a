"""Gradient descent on a fixed kernel, solved exactly from its eigendecomposition.

In the infinite-width limit the network's outputs u follow linear dynamics: one GD step with
step size eta moves the residual r = u - y to ``(I - s H) r`` with ``s = spec.rate_step(eta, n)``
and H the model's analytic kernel (:meth:`verify.models.base.NetworkSpec.analytic_kernel`).
With H = Q diag(lambda) Q^T and c = Q^T r(0), the loss after t steps is

    loss(t) = loss_scale * sum_i c_i^2 (1 - s lambda_i)^(2t),

so the number of steps kernel GD needs to reach a loss eps is a property of (H, r(0), s, eps)
alone, computed here without simulating: ``T_kernel``.  It is the yardstick of the gap study's
``kernel`` criterion (a network trains "like its kernel" when it reaches eps within C T_kernel
steps) and the unit of the ``interpolation`` criterion's step cap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MAX_KERNEL_STEPS = 10**12  # beyond this, kernel GD is called non-convergent for practical purposes


class KernelSpectrum:
    """The eigendecomposition of a kernel, computed once for every residual it will be asked about."""

    def __init__(self, kernel: np.ndarray):
        self.eigenvalues, self.eigenvectors = np.linalg.eigh(0.5 * (kernel + kernel.T))

    def dynamics(self, residual: np.ndarray, rate_step: float, loss_scale: float) -> KernelDynamics:
        c = self.eigenvectors.T @ np.asarray(residual, dtype=np.float64)
        return KernelDynamics(1.0 - rate_step * self.eigenvalues, loss_scale * c * c)


@dataclass(frozen=True)
class KernelDynamics:
    """The spectrum of s H and the initial residual in its eigenbasis."""

    factors: np.ndarray  # 1 - s lambda_i
    weights: np.ndarray  # loss_scale * c_i^2

    @classmethod
    def of(cls, kernel: np.ndarray, residual: np.ndarray, rate_step: float, loss_scale: float) -> KernelDynamics:
        return KernelSpectrum(kernel).dynamics(residual, rate_step, loss_scale)

    def loss(self, t: int | np.ndarray) -> np.ndarray:
        """The kernel-GD loss after t steps (exact, vectorised over t)."""
        t = np.asarray(t, dtype=np.float64)
        with np.errstate(over="ignore", under="ignore"):
            powers = np.abs(self.factors)[:, None] ** (2.0 * t.ravel()[None, :])
        return (self.weights @ powers).reshape(t.shape)

    def steps_to(self, eps: float) -> int | None:
        """The smallest t >= 0 with loss(t) <= eps, or None when kernel GD never gets there.

        The loss is non-increasing in t when every |1 - s lambda_i| <= 1, so an exponential
        search followed by bisection finds the first t exactly.  A component with
        |1 - s lambda_i| >= 1 (a step too large, or a null direction of H) keeps its share of the
        loss for ever; if those shares alone exceed eps, the answer is None.
        """
        if not eps > 0:
            raise ValueError(f"eps must be positive, got {eps!r}")
        stuck = np.abs(self.factors) >= 1.0
        if np.any(stuck & (np.abs(self.factors) > 1.0) & (self.weights > 0)):
            return None  # an expanding component: kernel GD diverges
        if float(self.weights[stuck].sum()) > eps:
            return None
        if float(self.loss(0)) <= eps:
            return 0
        high = 1
        while float(self.loss(high)) > eps:
            high *= 2
            if high > MAX_KERNEL_STEPS:
                return None
        low = high // 2  # loss(low) > eps (or low = 0, checked above)
        while high - low > 1:
            mid = (low + high) // 2
            if float(self.loss(mid)) <= eps:
                high = mid
            else:
                low = mid
        return high


def kernel_steps_to_eps(kernel: np.ndarray, residual: np.ndarray, rate_step: float, loss_scale: float,
                        eps: float) -> int | None:
    """T_kernel: steps of GD on the fixed `kernel` from `residual` until loss <= eps (see the module docstring)."""
    return KernelDynamics.of(kernel, residual, rate_step, loss_scale).steps_to(eps)


def simulate_kernel_gd(kernel: np.ndarray, residual: np.ndarray, rate_step: float, loss_scale: float,
                       steps: int) -> list[float]:
    """The loss of kernel GD at steps 0..steps by direct iteration r <- r - s H r (for checking the exact form)."""
    r = np.asarray(residual, dtype=np.float64).copy()
    out = [loss_scale * float(r @ r)]
    for _ in range(int(steps)):
        r = r - rate_step * (kernel @ r)
        out.append(loss_scale * float(r @ r))
    return out


def cap_steps(factor: float, t_kernel: int | None, floor: int = 1) -> int:
    """ceil(factor * T_kernel), at least `floor` (T_kernel None: the cap is `floor`)."""
    if t_kernel is None:
        return int(floor)
    return max(int(floor), int(math.ceil(factor * t_kernel)))
