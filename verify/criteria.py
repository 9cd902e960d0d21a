"""What "training succeeded" means in the gap study: four criteria, named in every result.

* ``interpolation`` (default; ``interpolation:F`` sets the cap factor F, default 300): GD with
  the setting's step size runs until its loss reaches eps, or until the plateau rule of
  :mod:`verify.plateau` says it has stalled, under a cap of F x T_kernel steps.  The minimal
  width under this criterion is the width at which gradient descent can fit the data at all.
* ``kernel`` (``kernel:C``, C default 2): the run must reach eps within C x T_kernel steps.
  The minimal width under this criterion is the width at which the network trains like its
  infinite-width kernel up to a factor C in time.  It depends steeply on C; the factor that
  Du et al.'s proved rate amounts to is about 5.5 (the rate criterion uses the rate itself).
* ``rate`` (``rate:F``, F default 1; two-layer only): the run must reach eps within F x T_rate
  steps, T_rate the step at which Du et al.'s proved rate, ||u(k) - y||^2 <= (1 - s eta lambda_0
  / 2)^k ||u(0) - y||^2 (Theorem 4.1), brings the run's own initial loss to eps.  The minimal
  width under rate:1 is the width at which GD does what the theorem says it does, in its own
  terms: no factor is chosen by us.  Reaching eps by that step is what the rate implies at the
  end; the rate at every earlier step is `bounds verify`'s check.
* ``budget`` (with ``--steps N``): loss <= eps within N steps, the study's original criterion,
  kept for comparison.  Its answer mixes "can fit" with "fits fast enough for N".

T_kernel (:mod:`verify.kernel_gd`) is the exact number of steps that GD on the setting's
infinite-width kernel needs from the run's own initial residual with the same step size, so
none of the first three criteria depends on a step budget.  ``doubled()`` is the criterion
of the stability check: the same rule with twice the cap (interpolation), twice C (kernel) or
twice F (rate);
``inherits_success_from`` and ``inherits_outcome_from`` say when a run's end under one criterion
is its end under another.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import kernel_gd

INTERPOLATION, KERNEL, RATE, BUDGET = "interpolation", "kernel", "rate", "budget"
NAMES = (INTERPOLATION, KERNEL, RATE, BUDGET)
DEFAULT_FACTOR = {INTERPOLATION: 300.0, KERNEL: 2.0, RATE: 1.0}
RATE_STATEMENT = "||u(k) - y||^2 <= (1 - s eta lambda_0 / 2)^k ||u(0) - y||^2 (Du, Zhai, Poczos & Singh 2019, Thm 4.1)"
CAP_FREE_STOPS = ("eps", "plateau", "diverged")  # stop reasons that do not depend on the step cap


class CriterionError(ValueError):
    """A criterion text that does not parse (the CLI turns it into a one-line error)."""


@dataclass(frozen=True)
class Criterion:
    """A success criterion: its name, its factor (cap factor or C), and the step budget (budget only)."""

    name: str = INTERPOLATION
    factor: float | None = None
    steps: int | None = None

    def __post_init__(self) -> None:
        if self.name not in NAMES:
            raise CriterionError(f"unknown criterion {self.name!r} (known: {', '.join(NAMES)})")
        if self.name == BUDGET:
            if self.factor is not None:
                raise CriterionError("the budget criterion takes --steps, not a factor")
            if self.steps is None or self.steps < 1:
                raise CriterionError("the budget criterion needs --steps N with N >= 1")
        else:
            if self.steps is not None:
                raise CriterionError(
                    f"the {self.name} criterion does not use a step budget (--steps is for --criterion budget)"
                )
            factor = DEFAULT_FACTOR[self.name] if self.factor is None else self.factor
            if not (isinstance(factor, (int, float)) and math.isfinite(factor) and factor >= 1):
                raise CriterionError(f"the {self.name} criterion's factor must be a finite number >= 1, got {factor!r}")
            object.__setattr__(self, "factor", float(factor))

    @classmethod
    def parse(cls, text: str, steps: int | None = None) -> Criterion:
        """``interpolation[:F]``, ``kernel[:C]``, ``rate[:F]`` or ``budget`` (with `steps`)."""
        name, _, factor_text = str(text).strip().partition(":")
        factor = None
        if factor_text:
            try:
                factor = float(factor_text)
            except ValueError:
                raise CriterionError(f"criterion factor {factor_text!r} is not a number (e.g. kernel:2)") from None
        if name == BUDGET:
            return cls(BUDGET, factor, steps)
        return cls(name, factor, None)

    @classmethod
    def of_config(cls, config) -> Criterion:
        """The criterion a run configuration trains under (its ``criterion``, ``factor`` and ``steps`` fields)."""
        return cls(config["criterion"], config.get("factor"), config.get("steps"))

    @property
    def label(self) -> str:
        """The criterion as typed: interpolation:300, kernel:2, budget."""
        return BUDGET if self.name == BUDGET else f"{self.name}:{_exact(self.factor)}"

    def step_limit(self, t_kernel: int | None, t_rate: float | None = None) -> int:
        """The most steps a run may take under this criterion (`t_rate`: :func:`rate_steps`, the rate criterion's)."""
        if self.name == BUDGET:
            return int(self.steps)
        if self.name == KERNEL:
            return max(1, int(math.floor(self.factor * t_kernel))) if t_kernel is not None else 1
        if self.name == RATE:
            return max(1, math.ceil(self.factor * t_rate - 1e-9)) if t_rate is not None else 1
        return kernel_gd.cap_steps(self.factor, t_kernel)

    def doubled(self) -> Criterion:
        """The stability check's criterion: twice the cap, twice C, or twice the budget."""
        if self.name == BUDGET:
            return Criterion(BUDGET, None, 2 * int(self.steps))
        return Criterion(self.name, 2 * self.factor)

    def inherits_success_from(self, other: Criterion) -> bool:
        """Whether a run that succeeded under `other` succeeds under this criterion with the same trajectory.

        True for the same rule with a cap (C, budget) at least as large: every stopping rule is
        monotone in the cap (the plateau test does not look at the cap, and the "too slow"
        projection and the step limit only fire later under a larger one), so a run that reached
        eps under the smaller cap takes exactly the same steps under the larger.  The stability
        check uses this to reuse the successes of the first search instead of retraining them.
        """
        if self.name != other.name:
            return False
        if self.name == BUDGET:
            return int(self.steps) >= int(other.steps)
        return self.factor >= other.factor

    def inherits_outcome_from(self, other: Criterion, stop_reason: str | None) -> bool:
        """Whether a run that stopped for `stop_reason` under `other` stops the same way under this criterion.

        The reasons that do not look at the cap carry over to a larger cap of the same rule:
        ``eps`` (success), ``plateau`` (the loss stopped falling) and ``diverged``.  ``too slow`` and
        ``limit`` do not: under a larger cap the run goes on, and may succeed.
        """
        return stop_reason in CAP_FREE_STOPS and self.inherits_success_from(other)

    def describe(self, eps: float, seeds: int) -> str:
        """One sentence for tables and reports."""
        every = f"for every one of {seeds} seed{'s' if seeds != 1 else ''}"
        if self.name == BUDGET:
            return f"budget: loss <= {eps:g} within {self.steps} full-batch GD steps, {every}"
        if self.name == KERNEL:
            return (
                f"{self.label}: loss <= {eps:g} within {_exact(self.factor)} x T_kernel steps (T_kernel: steps of "
                f"GD on the infinite-width kernel from the same initial residual, same step size), {every}"
            )
        if self.name == RATE:
            return (f"{self.label}: loss <= {eps:g} within {_exact(self.factor)} x T_rate steps (T_rate: the step at "
                    f"which the proved rate {RATE_STATEMENT} brings the run's initial loss to eps), {every}")
        return (f"{self.label}: GD reaches loss <= {eps:g} before the plateau rule calls it stalled, "
                f"under a cap of {_exact(self.factor)} x T_kernel steps, {every}")

    def to_dict(self) -> dict:
        return {"name": self.name, "factor": self.factor, "steps": self.steps, "label": self.label}


def _exact(factor: float) -> str:
    """The factor as short as %g writes it when that reads back as the same number, else in full (a label is the
    criterion's identity in results, so kernel:1000001 must not print as kernel:1e+06)."""
    short = f"{factor:g}"
    return short if float(short) == factor else repr(factor)


def rate_steps(initial_loss: float, eps: float, rate_step: float, lambda_0: float) -> float | None:
    """T_rate: the (real) step k at which (1 - rate_step lambda_0 / 2)^k initial_loss = eps (0 when it starts there).

    `rate_step` is s eta (:meth:`NetworkSpec.rate_step`), `lambda_0` the smallest eigenvalue of the model's
    infinite-width kernel on the data; None when the rate does not contract (rate_step lambda_0 / 2 outside (0, 1)).
    """
    from .measure import proved_rate, rate_iterations

    return rate_iterations(initial_loss, eps, proved_rate(rate_step, lambda_0))
