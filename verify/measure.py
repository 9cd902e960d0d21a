"""From a training trajectory to guarantees: held or failed, with the measured and predicted numbers.

The guarantees are those of Du, Zhai, Poczos & Singh 2019's proof, which every later NTK-style
analysis repeats with other constants (lambda_0 is the smallest eigenvalue of the model's own
infinite-width kernel, eta the step size, s = 2 * loss_scale the factor between the step size and
the step GD takes on the outputs u, s = 1 for the 1/2-summed loss)::

    linear_rate           ||u(k) - y||^2 <= (1 - s eta lambda_0 / 2)^k ||u(0) - y||^2   (Thm 4.1)
    iterations_to_eps     loss <= eps within the entry's iteration bound (or the rate's count)
    weight_distance       max_r ||w_r(k) - w_r(0)|| <= R' = 4 sqrt(n) ||y - u(0)|| / (sqrt(m) lambda_0)
                          (Cor. 4.1; deep nets: ||theta(k) - theta(0)||
                          <= 4 sqrt(lambda_max(H(0))) ||y - u(0)|| / lambda_0, the same trajectory-length
                          argument with the model's own Jacobian)
    activation_flips      fraction of (i, r) whose sign(w_r . x_i) changed <= sqrt(2/pi) R' / kappa  (the
                          anti-concentration step of Lemma 3.2; two-layer ReLU only)
    ntk_at_init           ||H(0) - H^inf||_2 <= lambda_0 / 4   (Lemma 3.1)
    lambda_min_at_init    lambda_min(H(0)) >= 3 lambda_0 / 4   (Lemma 3.1 and Weyl)
    ntk_drift             max_k ||H(k) - H(0)||_2 <= lambda_min(H(0)) / 4   (Lemma 3.2)
    lambda_min_along_path min_k lambda_min(H(k)) >= lambda_0 / 2   (Lemma 3.2)

Measured numbers come from the loss at every step and from snapshots (empirical NTK, distances,
patterns) at checkpoints; maxima over the trajectory are maxima over those checkpoints.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from .gd import Trajectory
from .models.base import NetworkSpec
from .ntk import lambda_min

RATE_TOLERANCE = {"float64": 1e-9, "float32": 1e-3}


@dataclass
class Guarantee:
    """One promise of the theory, checked: held is True, False, or None (not testable here)."""

    name: str
    held: bool | None
    measured: float | None
    predicted: float | None
    statement: str
    note: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def fitted_rate(losses: list[float]) -> float | None:
    """exp(slope) of a least-squares line through log(loss_k): the per-step linear rate."""
    values = np.asarray(losses, dtype=np.float64)
    keep = np.isfinite(values) & (values > 0)
    if keep.sum() < 3:
        return None
    k = np.arange(len(values))[keep]
    slope = np.polyfit(k, np.log(values[keep]), 1)[0]
    return float(math.exp(slope))


def proved_rate(rate_step: float, lambda_0: float) -> float:
    """Du et al.'s per-step factor on the squared loss, 1 - s eta lambda_0 / 2 (Thm 4.1; rate_step = s eta)."""
    return 1.0 - rate_step * lambda_0 / 2.0


def rate_iterations(loss0: float, eps: float, rate: float) -> float | None:
    """Steps after which rate^k loss0 <= eps (None when the rate does not contract)."""
    if not (0 < rate < 1):
        return None
    if loss0 <= eps:
        return 0.0
    return math.log(eps / loss0) / math.log(rate)


def _spectral(A: np.ndarray) -> float:
    return float(np.max(np.abs(np.linalg.eigvalsh(0.5 * (A + A.T)))))


def guarantees(
    spec: NetworkSpec, traj: Trajectory, n: int, kernel: np.ndarray, eps: float,
    predicted_iterations: float | None, iterations_source: str, dtype: str = "float64",
    iterations_comparable: bool = True,
) -> tuple[list[Guarantee], dict]:
    """Check each guarantee on one width's trajectory.

    `kernel` is the model's analytic infinite-width kernel at this width (lambda_0 = its
    lambda_min).  `iterations_comparable` is False when the run used another step size than the
    one the iteration count assumes; that guarantee is then not judged.  Returns the guarantees
    and a dict of supporting numbers (fitted rate, etc.).
    """
    lam0 = lambda_min(kernel)
    m = traj.width
    s = spec.rate_step(traj.eta, n)
    rate = proved_rate(s, lam0)
    losses = np.asarray(traj.losses, dtype=np.float64)
    loss0 = float(losses[0])
    fit = fitted_rate(traj.losses)
    out: list[Guarantee] = []
    extra = {"lambda_0_model": lam0, "predicted_rate": rate, "fitted_rate": fit, "final_loss": float(losses[-1]),
             "initial_loss": loss0, "steps_run": traj.steps_run, "diverged_at": traj.diverged_at,
             "reached_eps_at": traj.reached_eps, "initial_residual_norm": traj.initial_residual_norm}

    # linear rate ---------------------------------------------------------------------------
    statement = "||u(k) - y||^2 <= (1 - s eta lambda_0 / 2)^k ||u(0) - y||^2 at every step k (Du et al. Thm 4.1)"
    if traj.diverged_at is not None:
        out.append(Guarantee("linear_rate", False, fit, rate, statement, f"diverged at step {traj.diverged_at}"))
    elif not (0 < rate < 1):
        out.append(Guarantee("linear_rate", None, fit, rate, statement,
                             "s eta lambda_0 / 2 >= 1: the step size is outside the theorem's range"))
    else:
        k = np.arange(len(losses))
        envelope = loss0 * np.exp(k * math.log(rate))
        ratio = losses / envelope
        worst = float(np.max(ratio))
        limit = 1.0 + RATE_TOLERANCE.get(dtype, 1e-9)
        held = bool(worst <= limit)
        note = f"worst loss / envelope = {worst:.4g}"
        if not held:
            note += f" (first exceeded at step {int(np.argmax(ratio > limit))})"
        out.append(Guarantee("linear_rate", held, fit, rate, statement, note))

    # iterations to eps ------------------------------------------------------------------------
    statement = f"loss <= eps = {eps:g} within the predicted number of steps ({iterations_source})"
    reached = traj.reached_eps
    if predicted_iterations is None:
        held, note = None, "no iteration count to compare with"
    elif not iterations_comparable:
        held, note = None, "the predicted count assumes the theory's step size, not the one used; not judged"
    elif reached is not None:
        held, note = reached <= predicted_iterations, f"reached eps at step {reached}"
    elif traj.diverged_at is not None:
        held, note = False, f"diverged at step {traj.diverged_at}"
    elif traj.steps_run >= predicted_iterations:
        held, note = False, f"loss {losses[-1]:.3g} > eps after {traj.steps_run} steps"
    else:
        held, note = None, f"not reached in the {traj.steps_run} steps run (fewer than predicted); not tested"
    out.append(Guarantee("iterations_to_eps", held, None if reached is None else float(reached),
                         predicted_iterations, statement, note))

    snaps = traj.snapshots
    if not snaps:
        return out, extra
    H0 = snaps[0].kernel
    lam_emp0 = snaps[0].lambda_min
    lam_max0 = float(np.linalg.eigvalsh(H0)[-1])
    extra.update({"lambda_min_empirical_init": lam_emp0, "lambda_max_empirical_init": lam_max0})
    residual = traj.initial_residual_norm

    # distance from initialisation ----------------------------------------------------------------
    if spec.two_layer and spec.trained == (True, False):
        radius = 4.0 * math.sqrt(n) * residual / (math.sqrt(m) * lam0)
        measured = max(sn.max_neuron_distance for sn in snaps)
        out.append(Guarantee(
            "weight_distance", measured <= radius, measured, radius,
            "max_r ||w_r(k) - w_r(0)|| <= R' = 4 sqrt(n) ||y - u(0)|| / (sqrt(m) lambda_0) (Du et al. Cor. 4.1)",
            "max over checkpoints"))
        if not spec.act.smooth:  # ReLU: the gradient changes only where a pattern flips
            bound = min(1.0, math.sqrt(2.0 / math.pi) * radius / spec.init_scale)
            flips = max(sn.flip_fractions[0] for sn in snaps)
            out.append(Guarantee(
                "activation_flips", flips <= bound, flips, bound,
                "fraction of (i, r) with a flipped pattern <= P(|w_r(0) . x_i| < R') <= sqrt(2/pi) R' / kappa "
                "(Du et al. Lemma 3.2's anti-concentration step)", "max over checkpoints"))
        else:
            flips = max(sn.flip_fractions[0] for sn in snaps)
            out.append(Guarantee("activation_flips", None, flips, None,
                                 "sign changes of w_r . x_i (no bound: the smooth-activation proof needs none)",
                                 "measured only"))
    else:
        radius = 4.0 * math.sqrt(max(lam_max0, 0.0)) * residual / lam0
        measured = max(sn.param_distance for sn in snaps)
        per_layer = [max(sn.layer_distances[i] for sn in snaps) for i in range(len(snaps[0].layer_distances))]
        out.append(Guarantee(
            "weight_distance", measured <= radius, measured, radius,
            "||theta(k) - theta(0)|| <= 4 sqrt(lambda_max(H(0))) ||y - u(0)|| / lambda_0 "
            "(trajectory length under the linear rate, as in Du et al. Cor. 4.1)",
            "per trained layer ||W_l - W_l(0)||_F: " + ", ".join(f"{x:.3g}" for x in per_layer)))
        flips = [max(sn.flip_fractions[i] for sn in snaps) for i in range(len(snaps[0].flip_fractions))]
        out.append(Guarantee(
            "activation_flips", None, max(flips), None,
            "fraction of (i, r) per layer whose activation sign changed (the papers' bounds have unknown constants)",
            "per layer: " + ", ".join(f"{x:.3g}" for x in flips) + "; measured only"))

    # kernel at initialisation and along the path ---------------------------------------------------
    init_dev = _spectral(H0 - kernel) / lam0
    out.append(Guarantee("ntk_at_init", init_dev <= 0.25, init_dev, 0.25,
                         "||H(0) - H^inf||_2 / lambda_0 <= 1/4 (Du et al. Lemma 3.1, at the theorem's width)"))
    out.append(Guarantee("lambda_min_at_init", lam_emp0 >= 0.75 * lam0, lam_emp0, lam0,
                         "lambda_min(H(0)) >= 3/4 lambda_0 (Lemma 3.1 with Weyl's inequality)",
                         f"ratio lambda_min(H(0)) / lambda_0 = {lam_emp0 / lam0:.4g}"))
    drift = max(_spectral(sn.kernel - H0) for sn in snaps) / lam_emp0
    out.append(Guarantee("ntk_drift", drift <= 0.25, drift, 0.25,
                         "max_k ||H(k) - H(0)||_2 / lambda_min(H(0)) <= 1/4 (Du et al. Lemma 3.2)",
                         "max over checkpoints"))
    lowest = min(sn.lambda_min for sn in snaps)
    out.append(Guarantee("lambda_min_along_path", lowest >= 0.5 * lam0, lowest, 0.5 * lam0,
                         "min_k lambda_min(H(k)) >= lambda_0 / 2 (Du et al. Lemma 3.2)", "min over checkpoints"))
    extra["kernel_drift_relative"] = drift
    return out, extra


# -- the guarantees of SGD and classification theorems -------------------------------------------------
# Which check carries a theorem's stated guarantee (the catalogue's `guarantee` field).
PRIMARY = {"squared-loss": "iterations_to_eps", "training-loss": "iterations_to_eps",
           "training-error": "training_error", "test-error": "test_error", "margin": "margin"}
_SQUARED_PROOF_STEPS = ("weight_distance", "activation_flips", "ntk_at_init", "lambda_min_at_init", "ntk_drift",
                        "lambda_min_along_path")


def _not_judged(g: Guarantee, why: str) -> Guarantee:
    note = f"{g.note}; " if g.note else ""
    return Guarantee(g.name, None, g.measured, g.predicted, g.statement, f"{note}{why}: measured only")


def objective_guarantees(
    spec: NetworkSpec, traj: Trajectory, history, base: list[Guarantee], *, eps: float, guarantee: str,
    algorithm: str, batch: int | None, predicted_iterations: float | None, has_test: bool,
) -> tuple[list[Guarantee], dict]:
    """The guarantees of one run in the theorem's own terms: its algorithm (GD or SGD with batch B),
    its loss (squared or logistic) and its stated guarantee (squared-loss, training-loss,
    training-error, test-error, margin).

    `base` are the squared-loss GD checks of :func:`guarantees`; those that are steps of the
    squared-loss GD proof are kept as measurements (held = None) where the theorem is about SGD
    or a classification loss, with the reason.  `history` is the run's
    :class:`verify.objectives._History` (0-1 errors and margins per step, held-out errors at
    the checkpoints).
    """
    logistic = spec.objective == "logistic"
    out: list[Guarantee] = []
    for g in base:
        if g.name == "linear_rate" and algorithm == "SGD" and g.held is not None:
            g = _not_judged(g, f"the per-step envelope is a GD statement; SGD with B = {batch} contracts only in "
                               "expectation")
        elif g.name == "linear_rate" and logistic:
            g = Guarantee(g.name, None, g.measured, None, "fitted per-step rate of the logistic loss",
                          "the logistic loss has no linear rate (its theorems bound it by O(1/T)): measured only")
        elif g.name == "iterations_to_eps" and logistic:
            g = Guarantee(g.name, g.held, g.measured, g.predicted,
                          g.statement.replace("loss <= eps", "logistic training loss <= eps"), g.note)
        elif g.name in _SQUARED_PROOF_STEPS and logistic and g.held is not None:
            g = _not_judged(g, "a step of the squared-loss proof (lambda_0 based); classification theorems "
                               "argue through an NTK margin instead")
        out.append(g)
    steps_run = traj.steps_run
    T = predicted_iterations
    finished = T is None or steps_run >= T or traj.reached_eps is not None
    extra: dict = {"algorithm": algorithm, "batch_size": batch, "loss": spec.objective}

    # training 0-1 error ------------------------------------------------------------------------------
    err = history.train_error[-1] if history.train_error else None
    if guarantee == "training-error":
        predicted, statement = eps, f"training 0-1 error <= eps = {eps:g} (memorisation when eps < 1/n)"
    elif guarantee == "training-loss" and logistic:
        predicted = min(1.0, eps / math.log(2.0))
        statement = (f"training 0-1 error <= logistic loss / log 2 <= eps / log 2 = {predicted:.4g} "
                     "(implied by the training-loss guarantee)")
    else:
        predicted, statement = None, "training 0-1 error of sign(f(x_i)) against y_i (not what the theorem bounds)"
    first = history.first_zero_error
    note = f"first step with no training error: {first}" if first is not None else "some point misclassified throughout"
    if err is None or predicted is None:
        held = None
    elif err <= predicted:
        held = True
    elif traj.diverged_at is not None or finished:
        held = False
    else:
        held, note = None, note + f"; the run stopped after {steps_run} steps, fewer than the {T:.3g} predicted"
    out.append(Guarantee("training_error", held, err, predicted, statement, note))

    # margin ---------------------------------------------------------------------------------------------
    margin = history.min_margin[-1] if history.min_margin else None
    statement = "min_i y_i f(x_i) > 0 at the end (every training point on its side with a positive margin)"
    held = None if margin is None or guarantee != "margin" else bool(margin > 0)
    out.append(Guarantee("margin", held, margin, 0.0 if guarantee == "margin" else None, statement,
                         "" if guarantee == "margin" else "measured only (the theorem does not state a margin)"))

    # test error -------------------------------------------------------------------------------------------
    if has_test and history.test_error:
        last = max(history.test_error)
        test_err = history.test_error[last]
        if guarantee == "test-error":
            held = bool(test_err <= eps) if finished or test_err <= eps else None
            note = f"at step {last}, on held-out points of the same distribution"
            if held is None:
                note += f"; the run stopped after {steps_run} steps, fewer than the {T:.3g} predicted"
            out.append(Guarantee("test_error", held, test_err, eps,
                                 f"held-out 0-1 error <= eps = {eps:g} (the theorem's test error; its O~ hides "
                                 "constants, so eps is the literal target)", note))
        else:
            out.append(Guarantee("test_error", None, test_err, None, "held-out 0-1 error (not what the theorem bounds)",
                                 f"at step {last}; measured only"))
        extra["test_loss"] = history.test_loss[last]
    else:
        out.append(Guarantee("test_error", None, None, eps if guarantee == "test-error" else None,
                             "held-out 0-1 error", "no held-out points (pass --test-n)"))
    extra["primary_guarantee"] = PRIMARY.get(guarantee, "iterations_to_eps")
    return out, extra
