"""When has a gradient-descent run stalled?  The plateau rule of the gap study's interpolation criterion.

A run that must reach a loss eps either gets there, or its loss flattens out above eps (the
network cannot fit the data, or is stuck), or it keeps falling too slowly to arrive within the
step cap.  Running every failing run to a large cap would cost most of a study, so a
:class:`PlateauRule` watches the best loss so far, ``best(t) = min_{s <= t} loss(s)``, at
geometrically spaced check steps t (ratio 2^(1/4), from ``first_check`` on) and compares it
with its value at the check about t/2:

* **plateau**: ``ln(best(t/2) / best(t)) < flat_tol`` (default 1e-3): the loss fell by less than
  0.1% over the whole second half of the run.  A loss decaying like t^-a falls by a factor
  2^-a over that window, so this cuts only runs slower than t^-0.0015, which would need more
  than (loss / eps)^700 times the steps already run to reach eps.
* **too slow**: at the rate of the last half, ``rate = ln(best(t/2) / best(t)) / (t - t/2)``,
  reaching eps would take until ``t + ln(best(t) / eps) / rate``, beyond ``horizon`` (default 4)
  times the cap.  GD near the interpolation threshold slows down rather than speeds up as the
  loss falls, so a run whose recent rate projects a finish four caps away is not one that
  would finish within one; the factor 4 leaves room for runs that accelerate.

Nothing is judged before step ``min_steps`` (the gap study uses T_kernel, the steps that GD on
the infinite-width kernel needs: no run is called stalled before its kernel would have
finished).  The rule is a pure function of the loss sequence, so the same run stops at the
same step on every backend and in every batch.
"""

from __future__ import annotations

import math

CHECK_RATIO = 2.0 ** 0.25  # four checks per doubling of the step count: the check 4 back is at about t/2
FLAT_TOL = 1e-3
HORIZON = 4.0
JUDGED = 5  # the checks a verdict reads: the last and the one four back (about t/2)

PLATEAU = "plateau"
TOO_SLOW = "too slow"


class PlateauRule:
    """Call :meth:`observe` with every (step, loss); it returns a reason to stop, or None."""

    def __init__(self, eps: float, cap: int, *, min_steps: int = 1, first_check: int = 8,
                 flat_tol: float = FLAT_TOL, horizon: float = HORIZON):
        if not eps > 0 or cap < 1 or flat_tol <= 0 or horizon < 1:
            raise ValueError("PlateauRule needs eps > 0, cap >= 1, flat_tol > 0 and horizon >= 1")
        self.eps, self.cap, self.min_steps = float(eps), int(cap), max(1, int(min_steps))
        self.flat_tol, self.horizon = float(flat_tol), float(horizon)
        self.best = math.inf
        self.next_check = max(1, int(first_check))
        self.checks: list[tuple[int, float]] = []  # (step, best loss up to it) at every check step

    def observe(self, step: int, loss: float) -> str | None:
        if loss < self.best:
            self.best = loss
        if step < self.next_check:
            return None
        self.checks.append((step, self.best))
        self.next_check = max(step + 1, int(math.ceil(step * CHECK_RATIO)))
        if step < self.min_steps or len(self.checks) < JUDGED:
            return None
        then, best_then = self.checks[-JUDGED]
        return self.judge(then, best_then, step, self.best)

    def state(self) -> dict:
        """What the rule has seen, as JSON (finite floats): restore it with :meth:`restore`.  Only the last
        :data:`JUDGED` checks are kept (no verdict reads further back), so the state has a fixed size."""
        return {"best": self.best, "next_check": self.next_check,
                "checks": [[t, b] for t, b in self.checks[-JUDGED:]]}

    def restore(self, state: dict) -> PlateauRule:
        """Take up the state of another rule (same eps, any cap) that watched the same run; returns self."""
        self.best, self.next_check = float(state["best"]), int(state["next_check"])
        self.checks = [(int(t), float(b)) for t, b in state["checks"]]
        return self

    def verdict(self, step: int) -> str | None:
        """The verdict of the check already made at `step` (the last observed), judged again under this cap.

        A run stopped "too slow" under one cap is continued under a larger one by restoring its
        rule with the new cap: the check at its stop step is judged again here, and every check
        before it said nothing under the smaller cap, so says nothing under the larger (the
        plateau test ignores the cap, and "too slow" fires only later when the cap grows).
        """
        if not self.checks or self.checks[-1][0] != step or step < self.min_steps or len(self.checks) < JUDGED:
            return None
        then, best_then = self.checks[-JUDGED]
        return self.judge(then, best_then, step, self.best)

    def judge(self, then: int, best_then: float, now: int, best_now: float) -> str | None:
        """The verdict from the best losses at two steps (then < now)."""
        if best_now <= self.eps:
            return None
        drop = math.log(best_then / best_now) if best_now > 0 else math.inf
        if drop < self.flat_tol:
            return PLATEAU
        finish = now + math.log(best_now / self.eps) * (now - then) / drop
        return TOO_SLOW if finish > self.horizon * self.cap else None
