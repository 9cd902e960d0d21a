"""The automatic step size, one rule for every caller: eta = 1 / (s lambda_max) of the model's kernel.

GD on the outputs of a network near its infinite-width limit moves the residual r to
``(I - s eta H) r`` with ``s = spec.rate_step(1, n)`` and H the model's analytic kernel
(:mod:`verify.kernel_gd`); the step is stable while ``s eta lambda_max(H) < 2``, and
``eta = 1 / (s lambda_max)`` is the largest step that contracts every eigendirection
monotonically.  ``bounds verify --step-size auto`` (:mod:`verify.verdict`, and its fallback
where an entry states no step size) and the width sweeps' ``eta = "auto"``
(:mod:`verify.sweep.tasks`) both take it from :func:`auto_step_size` (docs/gap.md).

Minibatch SGD scales a batch's gradient by n / B (an unbiased estimate of the full gradient),
so one sample can move its own output by (n / B) H_ii per unit step: with a batch smaller than
n, lambda_max is raised to at least (n / B) max_i H_ii to keep that step stable too.
"""

from __future__ import annotations

import numpy as np

AUTO_SOURCE = "auto: 1 / (s lambda_max) of the model's infinite-width kernel"

__all__ = ["AUTO_SOURCE", "auto_step_size"]


def auto_step_size(spec, kernel: np.ndarray, batch: int | None = None) -> float:
    """1 / (s lambda_max(kernel)), s = spec.rate_step(1, n), n = the kernel's size; `batch`: SGD's B (see above).

    `spec` is the :class:`verify.models.NetworkSpec` whose loss normalisation gives s, `kernel`
    its analytic kernel on the n training points (:meth:`~verify.models.NetworkSpec.analytic_kernel`,
    at the width trained where the kernel depends on it).
    """
    K = np.asarray(kernel, dtype=np.float64)
    n = K.shape[0]
    lam_max = float(np.linalg.eigvalsh(K)[-1])
    if batch is not None and batch < n:  # a minibatch step is (n / B) times one sample's: keep it stable too
        lam_max = max(lam_max, n / batch * float(np.max(np.diag(K))))
    return 1.0 / (spec.rate_step(1.0, n) * lam_max)
