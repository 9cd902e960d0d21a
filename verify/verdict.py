"""Verdicts: what a catalogue entry predicts for a data set, and whether training keeps it.

For an entry and a data set: measure lambda_0 (the analytic kernel's smallest eigenvalue) and
the separation delta on the data, evaluate the entry's width, step size and iteration count
there (hidden constants as set, default 1), then train at the requested widths if they fit the
memory budget and check every guarantee of :mod:`verify.measure`.  A predicted width that does
not fit is reported with the memory it would need and the largest width that fits; an explicit
width that does not fit is refused before anything is allocated.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from bounds.units import width_in_unit

from . import gd
from .data import Dataset
from .errors import MemoryBudgetError, VerifyError
from .measure import Guarantee, guarantees, objective_guarantees, rate_iterations
from .memory import check_budget, default_budget, format_bytes, largest_feasible_width, training_bytes_log10
from .models import NetworkSpec, model_for_entry
from .ntk import lambda_min, ntk_terms
from .records import RecordWriter
from .step_size import AUTO_SOURCE, auto_step_size

DEFAULT_MAX_STEPS = 5000
DEFAULT_EPS = 1e-3
DEFAULT_BATCH = 8  # minibatch size of an SGD theorem run without --batch (capped at n)
CURVE_POINTS = 400

__all__ = ["Verdict", "WidthResult", "verify_entry", "parse_width", "make_backend", "DEFAULT_MAX_STEPS", "DEFAULT_EPS"]


@dataclass
class WidthResult:
    """One requested width: whether it fits, and if trained, the guarantees checked on it."""

    label: str
    width: int | None
    width_log10: float
    memory_bytes: float
    feasible: bool
    trained: bool = False
    eta: float | None = None
    eta_source: str = ""
    steps_planned: int | None = None
    predicted_iterations: float | None = None
    iterations_source: str = ""
    guarantees: list[Guarantee] = field(default_factory=list)
    numbers: dict = field(default_factory=dict)
    losses: list[float] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    @property
    def steps(self) -> int | None:
        return len(self.losses) - 1 if self.trained else None

    def loss_curve(self, points: int = CURVE_POINTS) -> dict:
        """The loss at up to `points` steps (all early steps, then evenly spaced, and the last)."""
        count = len(self.losses)
        if count <= points:
            idx = np.arange(count)
        else:
            idx = np.unique(np.concatenate([np.arange(points // 4), np.linspace(0, count - 1, points - points // 4)
                                            .round().astype(int)]))
        return {"step": idx.tolist(), "loss": [self.losses[i] for i in idx]}

    def to_dict(self) -> dict:
        return {
            "label": self.label, "width": self.width, "width_log10": self.width_log10, "feasible": self.feasible,
            "memory_bytes": self.memory_bytes, "trained": self.trained, "eta": self.eta, "eta_source": self.eta_source,
            "steps": self.steps, "steps_planned": self.steps_planned, "predicted_iterations": self.predicted_iterations,
            "iterations_source": self.iterations_source,
            "guarantees": [g.to_dict() for g in self.guarantees], "numbers": self.numbers,
            "loss_curve": self.loss_curve() if self.trained else None, "messages": self.messages,
        }


@dataclass(frozen=True)
class Prediction:
    """What the entry predicts at the measured point (its evaluation), as the verdict's JSON ``predicted`` holds it."""

    width_log10: float | None
    iterations_log10: float | None
    step_size_log10: float | None
    values: Mapping[str, Any]  # the point evaluated: n, L, d, lambda_0, delta, eps, ... and every default used
    assumed: list[str]
    warnings: list[str]

    @property
    def unconverted(self) -> str:
        """Why a width bound the entry does state gives no width (e.g. it counts the trained parameters of layers
        the entry does not name), or ""."""
        return next((w for w in self.warnings if w.startswith("not converted from")), "")

    def to_dict(self) -> dict:
        return {"width_log10": self.width_log10, "iterations_log10": self.iterations_log10,
                "step_size_log10": self.step_size_log10, "values": self.values, "assumed": self.assumed,
                "warnings": self.warnings}


@dataclass
class TrainingSetup:
    """The algorithm actually run: GD or minibatch SGD (batch size, sampling), the loss, and the choices made."""

    algorithm: str  # GD or SGD
    stated_algorithm: str  # what the theorem states (GD, SGD, gradient-flow)
    batch_size: int | None
    sampling: str | None
    loss: str  # the training loss: squared or logistic
    choices: list[str]
    algorithm_text: str
    # measured in the theorem's own terms (verify.objectives), beside the squared-loss proof steps
    own_terms: bool = False
    test_points: int | None = None  # held-out points, where there are any
    sgd_draws: int = 1

    def to_dict(self) -> dict:
        out = {"algorithm": self.algorithm, "stated_algorithm": self.stated_algorithm, "batch_size": self.batch_size,
               "sampling": self.sampling, "loss": self.loss, "choices": self.choices,
               "algorithm_text": self.algorithm_text, "own_terms": self.own_terms}
        if self.test_points is not None:
            out["test_points"] = self.test_points
        out["sgd_draws"] = self.sgd_draws
        return out


@dataclass(frozen=True)
class BackendInfo:
    """The array backend a verdict was computed with."""

    name: str
    device: str
    dtype: str

    @classmethod
    def of(cls, bk) -> BackendInfo:
        return cls(bk.name, bk.device, bk.dtype)

    def to_dict(self) -> dict:
        return {"name": self.name, "device": self.device, "dtype": self.dtype}


@dataclass
class Sizing:
    """The data's measured lambda_0 and delta, what the entry predicts there, and whether its width fits.

    Shared by a :class:`Plan` and the :class:`Verdict` made from it, which copies the plan's.
    """

    lambda_0: float
    lambda_0_source: str
    delta: float
    prediction: Prediction
    predicted_width: int | None
    predicted_width_log10: float
    predicted_memory_bytes: float
    feasible: bool
    largest_feasible_width: int


@dataclass
class Verdict(Sizing):
    """The predicted width, step size and iterations of an entry on a data set, and what training showed.

    The typed records :attr:`prediction`, :attr:`setup` and :attr:`backend_info` are read through
    :attr:`evaluation`, :attr:`training` and :attr:`backend` as the JSON objects :meth:`to_dict` writes.
    """

    entry_id: str
    arxiv: str
    confidence: str
    model: dict  # NetworkSpec.describe()
    data: dict  # Dataset.describe()
    memory_budget: float
    backend_info: BackendInfo
    results: list[WidthResult]
    setup: TrainingSetup
    messages: list[str] = field(default_factory=list)
    guarantee: str = "squared-loss"  # what the theorem states it guarantees (catalogue field)

    @property
    def evaluation(self) -> dict:
        """The prediction as JSON (width, iterations and step size in log10, the point, assumptions, warnings)."""
        return self.prediction.to_dict()

    @property
    def training(self) -> dict:
        """The training setup as JSON (algorithm, batch size and sampling, loss actually run)."""
        return self.setup.to_dict()

    @property
    def backend(self) -> dict:
        return self.backend_info.to_dict()

    @property
    def primary(self) -> WidthResult | None:
        """The first trained width (or the first requested one if none was trained)."""
        for result in self.results:
            if result.trained:
                return result
        return self.results[0] if self.results else None

    @property
    def diverged(self) -> list[WidthResult]:
        return [r for r in self.results if r.trained and r.numbers.get("diverged_at") is not None]

    def to_dict(self) -> dict:
        """One JSON object: entry, width, feasible, steps, guarantees (of the primary width), and all runs."""
        primary = self.primary
        return {
            "entry": self.entry_id, "arxiv": self.arxiv, "confidence": self.confidence,
            "width": primary.width if primary else self.predicted_width,
            "feasible": primary.feasible if primary else self.feasible,
            "steps": primary.steps if primary else None,
            "guarantees": [g.to_dict() for g in primary.guarantees] if primary else [],
            "predicted": {"width": self.predicted_width, "width_log10": self.predicted_width_log10,
                          "memory_bytes": self.predicted_memory_bytes, "feasible": self.feasible,
                          **self.evaluation},
            "largest_feasible_width": self.largest_feasible_width, "memory_budget": self.memory_budget,
            "lambda_0": self.lambda_0, "lambda_0_source": self.lambda_0_source, "delta": self.delta,
            "model": self.model, "data": self.data, "backend": self.backend,
            "algorithm": self.setup.algorithm, "batch_size": self.setup.batch_size,
            "training": self.training, "stated_guarantee": self.guarantee,
            "runs": [r.to_dict() for r in self.results], "messages": self.messages,
        }


_WIDTH = re.compile(r"^\s*predicted\s*(?:([*/])\s*([0-9.eE+-]+))?\s*$")


def parse_width(token: str | int) -> tuple[str, float]:
    """'predicted' -> ('predicted', 1); 'predicted/10' -> ('predicted', 0.1); '4096' -> ('explicit', 4096)."""
    text = str(token) if isinstance(token, int) and not isinstance(token, bool) else str(token).strip().lower()
    match = _WIDTH.match(text)
    if match:
        factor = 1.0
        if match.group(1):
            try:
                value = float(match.group(2))
            except ValueError:
                value = math.nan
            if not (value > 0 and math.isfinite(value)):
                raise VerifyError(f"width {token!r}: the factor must be a positive number")
            factor = value if match.group(1) == "*" else 1.0 / value
        return "predicted", factor
    try:
        value = float(text)
    except ValueError:
        raise VerifyError(f"width {token!r}: use 'predicted', 'predicted/K', 'predicted*K' "
                          "or a positive integer") from None
    if not (math.isfinite(value) and value >= 1 and value == int(value)):
        raise VerifyError(f"width {token!r} must be a positive integer")
    return "explicit", float(int(value))


def _evaluation_lambda0(spec: NetworkSpec, X: np.ndarray) -> tuple[float, str]:
    """lambda_0 as the catalogue means it: the paper's infinite-width kernel, measured on the data."""
    if spec.two_layer:
        K = spec.analytic_kernel(X)
        kind = spec.act.two_layer_kernel_name
        return lambda_min(K), f"lambda_min of {kind}, the trained layer's infinite-width kernel, measured on the data"
    if spec.parametrization == "resnet":
        return lambda_min(spec.analytic_kernel(X)), ("lambda_min of the ResNet's analytic NTK, all layers trained "
                                                     "(derived in verify.resnet), measured on the data")
    K = sum(ntk_terms(X, spec.depth, spec.act))
    return lambda_min(K), (f"lambda_min of the analytic NTK with {spec.depth} hidden layers, all layers trained "
                           f"(Arora et al. 2019 convention, verify.ntk), measured on the data")


def _quantity_at(entry, values: Mapping[str, float], constants: Mapping[str, float] | None, quantity: str,
                 m: float, fallback_log10: float | None) -> float | None:
    """An entry's bound (leading constant included) at width m; None where the entry gives none."""
    bound = entry.bounds.get(quantity)
    if bound is None:
        return None
    from bounds.evaluate import constant_values
    from bounds.expr.ir import Sym, free_symbols, mul
    from bounds.expr.logspace import evaluate_mpmath

    expr = mul(Sym(bound.leading_constant), bound.expr)
    if "m" not in free_symbols(expr):
        return None if fallback_log10 is None or math.isnan(fallback_log10) else 10.0**fallback_log10
    env: dict[str, Any] = {**values, **constant_values(entry, constants), "m": float(m)}
    value = float(evaluate_mpmath(expr, env))
    return value if math.isfinite(value) and value > 0 else None


def _parse_step_size(step_size: str | float) -> str | float:
    """'theory', 'auto', or a positive finite number (a numeric string is converted)."""
    if isinstance(step_size, str) and step_size in ("theory", "auto"):
        return step_size
    try:
        value = float(step_size)
    except (TypeError, ValueError):
        raise VerifyError(f"step size {step_size!r}: use theory, auto or a positive number") from None
    if not (value > 0 and math.isfinite(value)):
        raise VerifyError(f"step size must be a positive number, got {step_size!r}")
    return value


def make_backend(backend: str, device: str, dtype: str | None):
    """The array backend: 'numpy' (CPU, float64 by default) or 'torch' (cpu/cuda, float32 by default)."""
    if backend == "numpy":
        if device != "cpu":
            raise VerifyError(f"the numpy backend runs on the CPU only; use --backend torch for --device {device}")
        from .train_numpy import NumpyBackend

        return NumpyBackend(dtype or "float64")
    if backend == "torch":
        from .train_torch import TorchBackend

        return TorchBackend(device=device, dtype=dtype or "float32")
    raise VerifyError(f"unknown backend {backend!r} (numpy or torch)")


@dataclass
class Plan(Sizing):
    """Stage 1 of a verdict: which model, data and settings, what the entry predicts there, and the widths.

    Everything :func:`verify_entry` decides before any step size is chosen or any weight allocated.
    """

    entry: Any  # bounds.model.Entry
    spec: NetworkSpec
    dataset: Dataset  # the training data in the theorem's terms (signs of y for a classification loss)
    test_data: Dataset | None
    setup: TrainingSetup
    bk: Any  # verify.gd.Backend
    budget: float
    eps: float
    seed: int
    constants: Mapping[str, float] | None
    requests: list[tuple[str, str, float]]  # (label, 'predicted' or 'explicit', factor or width)
    train: bool = True

    def setting_record(self) -> dict:
        """The JSON Lines record of the setting, written before any width is sized."""
        entry = self.entry
        return {
            "type": "setting", "entry": entry.id, "arxiv": entry.arxiv, "model": self.spec.describe(),
            "data": self.dataset.describe(), "lambda_0": self.lambda_0, "delta": self.delta,
            "evaluation": self.prediction.to_dict(), "memory_budget": self.budget,
            "backend": BackendInfo.of(self.bk).to_dict(), "seed": self.seed, "training": self.setup.to_dict(),
            "stated_guarantee": entry.guarantee,
        }


@dataclass(frozen=True)
class StepChoice:
    """Stage 2, per width: the step size and its source, the steps to run, and the entry's iteration count."""

    eta: float
    eta_source: str
    steps_planned: int
    predicted_iterations: float | None
    iterations_source: str


@dataclass
class TrainedWidth:
    """Stage 3, per width: the trajectory gradient descent took and its error history (verify.objectives)."""

    result: WidthResult
    trajectory: gd.Trajectory
    history: Any  # verify.objectives history, or None where the run is judged by the squared loss only


@dataclass
class Judgement:
    """Stage 4, per width: every guarantee checked, the numbers behind them, and what the user should know."""

    guarantees: list[Guarantee]
    numbers: dict
    messages: list[str]
    predicted_iterations: float | None
    iterations_source: str


def verify_entry(
    entry,
    dataset: Dataset,
    *,
    L: int | None = None,
    widths: Sequence[str | int] = ("predicted",),
    steps: int | None = None,
    max_steps: int = DEFAULT_MAX_STEPS,
    backend: str = "numpy",
    device: str = "cpu",
    dtype: str | None = None,
    eps: float = DEFAULT_EPS,
    step_size: str | float = "theory",
    constants: Mapping[str, float] | None = None,
    seed: int = 0,
    memory_budget: float | None = None,
    writer: RecordWriter | None = None,
    progress: Callable[[str, int], Any] | None = None,
    batch: int | None = None,
    sampling: str | None = None,
    test_data: Dataset | None = None,
    train: bool = True,
    sgd_draws: int = 1,
) -> Verdict:
    """Evaluate `entry` (an Entry or a catalogue id) on `dataset`, train at the requested widths, and
    check its guarantees.

    widths: 'predicted', 'predicted/K', 'predicted*K' or integers.  steps: GD steps to run
    (default: the entry's iteration count, at most `max_steps`).  step_size: 'theory' (the
    entry's step-size bound, or 'auto' where it has none), 'auto' (1 / (s lambda_max) of the
    model's infinite-width kernel, :func:`verify.step_size.auto_step_size`) or a number.  Records
    (setting, checkpoints, runs, verdict) go to `writer` as they are produced.  `progress(label,
    total)` returns an object with update(k) and close(), e.g. a progress bar.

    batch: minibatch SGD with batch size B (default: full-batch GD for GD theorems,
    B = min(n, 8) for SGD theorems); sampling: 'without-replacement' (default),
    'with-replacement' or 'shuffle' (verify.objectives).  Classification entries (logistic or
    cross-entropy loss) train the logistic loss on labels sign(y).  test_data: held-out points
    whose 0-1 error is measured at the checkpoints (the test-error guarantee).  train=False
    evaluates the prediction and the memory of every width and trains nothing.  sgd_draws: with
    SGD, the number of independent batch sequences (same initialisation) over which the expected
    loss after the steps run is estimated (guarantee `expected_loss`; 1: not estimated).

    The stages, each a function with a typed result: :func:`plan_verification` (:class:`Plan`),
    :func:`size_widths`, :func:`choose_step` (:class:`StepChoice`), :func:`train_widths`
    (:class:`TrainedWidth`) and :func:`judge` (:class:`Judgement`).
    """
    if steps is not None and (isinstance(steps, bool) or int(steps) != steps or steps < 0):
        raise VerifyError(f"--steps must be a non-negative integer, got {steps!r}")
    step_size = _parse_step_size(step_size)
    writer = writer or RecordWriter(None)
    plan = plan_verification(entry, dataset, L=L, widths=widths, backend=backend, device=device, dtype=dtype,
                             eps=eps, constants=constants, seed=seed, memory_budget=memory_budget, batch=batch,
                             sampling=sampling, test_data=test_data, train=train, sgd_draws=sgd_draws)
    writer.write(plan.setting_record())
    results = size_widths(plan)
    trainable = _trainable(plan, results)
    for result in trainable:
        _apply_step(result, choose_step(plan, result.width, step_size, steps, max_steps))
    for trained in train_widths(plan, trainable, writer, progress):
        _apply_judgement(trained, judge(plan, trained))
        writer.write({"type": "run", "entry": plan.entry.id, **trained.result.to_dict()})
    verdict = _verdict(plan, results)
    writer.write({"type": "verdict", **verdict.to_dict()})
    return verdict


def plan_verification(entry, dataset: Dataset, *, L: int | None, widths: Sequence[str | int], backend: str,
                      device: str, dtype: str | None, eps: float, constants: Mapping[str, float] | None, seed: int,
                      memory_budget: float | None, batch: int | None, sampling: str | None,
                      test_data: Dataset | None, train: bool, sgd_draws: int) -> Plan:
    """Stage 1: check the arguments, pick the paper's model and training setup, measure lambda_0, delta (and
    gamma, B where the entry uses them) on the data, and evaluate the entry there."""
    if isinstance(entry, str):
        import bounds

        entry = bounds.get(entry)
    if not (isinstance(eps, (int, float)) and eps > 0):
        raise VerifyError(f"eps must be positive, got {eps!r}")
    requests = [(str(token), *parse_width(token)) for token in widths]
    if not requests:
        raise VerifyError("no width requested")
    spec = model_for_entry(entry, L)
    setup, dataset, test_data = _training_setup(entry, spec, dataset, batch, sampling, test_data)
    if isinstance(sgd_draws, bool) or int(sgd_draws) != sgd_draws or sgd_draws < 1:
        raise VerifyError(f"--sgd-draws must be a positive integer, got {sgd_draws!r}")
    if sgd_draws > 1 and setup.batch_size is None:
        raise VerifyError("--sgd-draws needs minibatch SGD (--batch B, or an SGD theorem)")
    setup.sgd_draws = int(sgd_draws)
    bk = make_backend(backend, device, dtype)
    budget = memory_budget
    if budget is None:
        budget = getattr(bk, "memory_budget", lambda: None)() or default_budget()
    n, d = dataset.n, dataset.d
    check_budget(f"the analytic kernels of n = {n} points", 8.0 * (2 * spec.depth + 8) * n * n, budget,
                 "use a smaller --n")
    lam0, lam0_source = _evaluation_lambda0(spec, dataset.X)
    if not lam0 > 0:
        raise VerifyError(f"lambda_0 = {lam0:.3g} <= 0 on this data set: the theorems need lambda_0 > 0 "
                          "(remove parallel or duplicate inputs)")
    delta = min(float(dataset.delta), 2.0)
    prediction = _predict(entry, spec, dataset, L, lam0, lam0_source, delta, eps, setup.batch_size, constants)
    wl = math.nan if prediction.width_log10 is None else prediction.width_log10
    predicted_mem = _bytes(training_bytes_log10(spec, n, d, wl, bk.dtype)) if not math.isnan(wl) else math.nan
    return Plan(
        entry=entry, spec=spec, dataset=dataset, test_data=test_data, setup=setup, bk=bk, budget=budget, eps=eps,
        seed=seed, constants=constants, lambda_0=lam0, lambda_0_source=lam0_source, delta=delta,
        prediction=prediction, predicted_width=_width_from_log10(wl), predicted_width_log10=wl,
        predicted_memory_bytes=predicted_mem, feasible=bool(predicted_mem <= budget),  # False for NaN
        largest_feasible_width=largest_feasible_width(spec, n, d, budget, bk.dtype), requests=requests, train=train)


def _predict(entry, spec: NetworkSpec, dataset: Dataset, L: int | None, lam0: float, lam0_source: str, delta: float,
             eps: float, batch: int | None, constants: Mapping[str, float] | None) -> Prediction:
    """The entry's bounds at the measured point (hidden constants as set), with a note for every measured value."""
    L_eval = L if L is not None else (1 if spec.two_layer else 2)
    point: dict[str, float] = {"n": dataset.n, "L": L_eval, "d": dataset.d, "lambda_0": lam0, "delta": delta,
                               "eps": eps}
    measured_notes = [f"lambda_0 = {lam0:.6g}: {lam0_source}",
                      f"delta = {delta:.6g}: min_(i != j) ||x_i - x_j|| of the data"]
    if batch is not None and _uses(entry, "B"):
        point["B"] = float(batch)
        measured_notes.append(f"B = {batch}: the minibatch size run")
    if _uses(entry, "gamma"):
        gamma = ntk_margin(_margin_kernel(spec, dataset.X), dataset.y)
        point["gamma"] = gamma
        measured_notes.append(f"gamma = {gamma:.6g}: the hard-margin SVM margin of the labels in the feature space of "
                              "the model's analytic NTK (NTK parametrisation, trained layers), features scaled to "
                              "unit norm, measured on the data")
    ev = entry.evaluate(constants=constants, **point)
    width_log10, conversion = width_in_unit(entry, ev.width_log10, "width", point)  # a count of parameters is not m
    converted = width_log10 is not None or ev.width_log10 is None
    return Prediction(width_log10=width_log10, iterations_log10=ev.iterations_log10,
                      step_size_log10=ev.step_size_log10, values=ev.values,
                      assumed=list(ev.assumed) + measured_notes + ([conversion] if conversion and converted else []),
                      warnings=list(ev.warnings) + ([] if converted else [conversion]))


def size_widths(plan: Plan) -> list[WidthResult]:
    """The requested widths with the memory each needs and whether it fits; an explicit width that does
    not fit is refused (MemoryBudgetError) before anything is allocated."""
    spec, n, d, budget, dtype = plan.spec, plan.dataset.n, plan.dataset.d, plan.budget, plan.bk.dtype
    wl, largest = plan.predicted_width_log10, plan.largest_feasible_width
    results: list[WidthResult] = []
    for label, kind, value in plan.requests:
        if kind == "predicted":
            if math.isnan(wl):
                why = (plan.prediction.unconverted or "the entry gives no width requirement"
                       if plan.prediction.width_log10 is None else "the entry's width is undefined at this point")
                results.append(WidthResult(label, None, math.nan, math.nan, False,
                                           messages=[f"{why}: pass an explicit --width"]))
                continue
            w_log10 = wl + math.log10(value)
        else:
            w_log10 = math.log10(value)
        mem = _bytes(training_bytes_log10(spec, n, d, w_log10, dtype))
        width = _width_from_log10(w_log10)
        fits = mem <= budget
        if kind == "explicit" and not fits:
            raise MemoryBudgetError(f"training at width {width}", mem, budget,
                                    f"the largest width that fits is {largest}")
        result = WidthResult(label, width, w_log10, mem, fits)
        if not fits:
            result.messages.append(
                f"width {_fmt_width(w_log10)} would need {format_bytes(mem)} (budget {format_bytes(budget)}); "
                f"the largest feasible width here is {largest}: rerun with --width {largest}")
        results.append(result)
    return results


def _trainable(plan: Plan, results: list[WidthResult]) -> list[WidthResult]:
    """The widths that will be trained (none with train=False); widths trained in one batch must fit together."""
    spec, n, d, dtype = plan.spec, plan.dataset.n, plan.dataset.d, plan.bk.dtype
    trainable = [r for r in results if r.feasible and r.width is not None] if plan.train else []
    if spec.two_layer and spec.trained == (True, False) and len(trainable) > 1:
        together = sum(10 ** training_bytes_log10(spec, n, d, math.log10(r.width), dtype) for r in trainable)
        if together > plan.budget:
            raise MemoryBudgetError(f"training widths {', '.join(str(r.width) for r in trainable)} in one batch",
                                    together, plan.budget, "request fewer widths at once")
    return trainable


def theory_step(plan: Plan, m: int) -> tuple[float, str]:
    """The entry's step-size bound at width m, or the automatic step where the entry gives none."""
    value = _quantity_at(plan.entry, plan.prediction.values, plan.constants, "step_size", m,
                         plan.prediction.step_size_log10)
    if value is not None:
        return value, "theory: the entry's step-size bound at this width (leading constant C_step_size)"
    return _auto_step(plan, m), f"{AUTO_SOURCE} (the entry gives no step size)"


def _auto_step(plan: Plan, m: int) -> float:
    return auto_step_size(plan.spec, plan.spec.analytic_kernel(plan.dataset.X, m), plan.setup.batch_size)


def choose_step(plan: Plan, m: int, step_size: str | float, steps: int | None, max_steps: int) -> StepChoice:
    """Stage 2: the step size at width m ('theory', 'auto' or a number) and the steps to run (`steps`, else
    the entry's iteration count at m capped at `max_steps`, else `max_steps`)."""
    if step_size == "theory":
        eta, source = theory_step(plan, m)
    elif step_size == "auto":
        eta, source = _auto_step(plan, m), AUTO_SOURCE
    else:
        eta, source = float(step_size), "given by the user"
    t_pred = _quantity_at(plan.entry, plan.prediction.values, plan.constants, "iterations", m,
                          plan.prediction.iterations_log10)
    if steps is not None:
        planned = int(steps)
    else:
        planned = int(min(max_steps, math.ceil(t_pred))) if t_pred is not None else int(max_steps)
    return StepChoice(eta, source, planned, t_pred, "the entry's iteration bound" if t_pred is not None else "")


def _apply_step(result: WidthResult, choice: StepChoice) -> None:
    result.eta, result.eta_source, result.steps_planned = choice.eta, choice.eta_source, choice.steps_planned
    result.predicted_iterations, result.iterations_source = choice.predicted_iterations, choice.iterations_source


def train_widths(plan: Plan, results: list[WidthResult], writer: RecordWriter, progress) -> list[TrainedWidth]:
    """Stage 3: train the widths (steps chosen) with checkpoints written to `writer`; one record per width."""
    if not results:
        return []
    trajectories, histories = _train(plan.spec, plan.dataset, results, plan.seed, plan.bk, plan.eps, writer, progress,
                                     plan.setup, plan.test_data)
    return [TrainedWidth(r, t, h) for r, t, h in zip(results, trajectories, histories, strict=True)]


def judge(plan: Plan, trained: TrainedWidth) -> Judgement:
    """Stage 4: check every guarantee of :mod:`verify.measure` on one trained width (and the theorem's own
    terms, the expected SGD loss where asked), with a message where the run cannot judge the entry."""
    spec, entry, setup, eps, n = plan.spec, plan.entry, plan.setup, plan.eps, plan.dataset.n
    result, traj = trained.result, trained.trajectory
    kernel = spec.analytic_kernel(plan.dataset.X, result.width)
    predicted, source = result.predicted_iterations, result.iterations_source
    if predicted is None and spec.objective == "squared":
        rate = 1.0 - spec.rate_step(result.eta, n) * lambda_min(kernel) / 2.0
        predicted = rate_iterations(traj.losses[0], eps, rate)
        source = "derived from the theory's rate (1 - s eta lambda_0 / 2)^k (no entry bound)"
    comparable = result.eta_source.startswith("theory") or entry.bounds.get("step_size") is None
    checked, numbers = guarantees(spec, traj, n, kernel, eps, predicted, source, plan.bk.dtype,
                                  iterations_comparable=comparable or entry.bounds.get("iterations") is None)
    if setup.own_terms:
        checked, more = objective_guarantees(
            spec, traj, trained.history, checked, eps=eps, guarantee=entry.guarantee, algorithm=setup.algorithm,
            batch=setup.batch_size, predicted_iterations=predicted, has_test=plan.test_data is not None)
        numbers.update(more)
    if setup.sgd_draws > 1:
        g, more = _expected_loss(plan, result, predicted)
        checked.append(g)
        numbers.update(more)
    return Judgement(checked, numbers, _run_messages(plan, result, traj, predicted, comparable), predicted, source)


def _run_messages(plan: Plan, result: WidthResult, traj: gd.Trajectory, predicted: float | None,
                  comparable: bool) -> list[str]:
    """What a run could not judge, or why it stopped short: step size not the entry's, too few steps, divergence."""
    messages = []
    if not comparable and plan.entry.bounds.get("iterations") is not None:
        messages.append(f"width {result.width}: the entry's iteration count assumes its own step size, "
                        f"not this one ({result.eta_source.split(':')[0]}), so it is not judged")
    if traj.reached_eps is None and traj.diverged_at is None and predicted is not None \
            and traj.steps_run < predicted:
        messages.append(
            f"width {result.width}: loss {traj.losses[-1]:.3g} > eps after {traj.steps_run} steps; the theory "
            f"allows {predicted:.3g} (pass --steps to run longer)")
    if traj.diverged_at is not None:
        good, source = theory_step(plan, result.width)
        messages.append(
            f"width {result.width} diverged at step {traj.diverged_at} (loss {traj.losses[-1]:.3g}) with "
            f"eta = {result.eta:.3g}; the step size the theory gives here is {good:.3g} ({source.split(':')[0]})")
    return messages


def _apply_judgement(trained: TrainedWidth, judgement: Judgement) -> None:
    result = trained.result
    result.predicted_iterations, result.iterations_source = judgement.predicted_iterations, judgement.iterations_source
    result.guarantees, result.numbers = judgement.guarantees, judgement.numbers
    result.losses = trained.trajectory.losses
    result.trained = True
    result.messages.extend(judgement.messages)


def _verdict(plan: Plan, results: list[WidthResult]) -> Verdict:
    """The verdict of the plan and its widths (every width's messages gathered)."""
    entry = plan.entry
    messages = [message for result in results for message in result.messages]
    return Verdict(
        entry_id=entry.id, arxiv=entry.arxiv, confidence=entry.confidence, model=plan.spec.describe(),
        data=plan.dataset.describe(), memory_budget=plan.budget,
        **{f.name: getattr(plan, f.name) for f in fields(Sizing)},
        backend_info=BackendInfo.of(plan.bk), results=results, setup=plan.setup, messages=messages,
        guarantee=entry.guarantee,
    )


def _expected_loss(plan: Plan, result: WidthResult, T: float | None) -> tuple[Guarantee, dict]:
    """E[loss after T' steps] over the setup's `sgd_draws` independent batch sequences from the same initialisation,
    T' = the theorem's T (or the rate's count) within the steps planned; each draw runs all T' steps (no stop
    at eps)."""
    from .objectives import Objective

    spec, dataset, seed, eps, setup = plan.spec, plan.dataset, plan.seed, plan.eps, plan.setup
    draws = setup.sgd_draws
    steps = int(result.steps_planned or 0)
    if T is not None and math.isfinite(T):
        steps = min(steps, max(1, math.ceil(T)))  # the loss after the theorem's T steps, where the cap allows
    finals, hits = [], []
    for draw in range(draws):
        net = gd.build(spec, dataset.X, dataset.y, [result.width], seed, [result.eta], plan.bk)[0]
        objective = Objective(spec, dataset.y, loss=spec.objective, batch=setup.batch_size,
                              sampling=setup.sampling or "without-replacement", seeds=[seed],
                              widths=[result.width], draw=draw)
        traj = gd.run(net, steps, -math.inf, checkpoints=set(), objective=objective)[0]
        finals.append(traj.losses[-1])
        hit = next((k for k, loss in enumerate(traj.losses) if loss <= eps), None)
        hits.append(hit)
        del net
    mean = float(np.mean(finals)) if all(math.isfinite(x) for x in finals) else math.inf
    if mean <= eps:
        held = True
    elif T is not None and steps >= T:
        held = False
    else:
        held = None
    reached = sum(h is not None for h in hits)
    note = (f"{draws} draws of the batch sequence; loss after {steps} steps: mean {mean:.4g}, "
            f"min {min(finals):.4g}, max {max(finals):.4g}; {reached}/{draws} reached eps within them")
    if held is None:
        note += f" (fewer steps than the theorem's {T:.3g}: not judged)" if T is not None else " (no T to judge at)"
    g = Guarantee("expected_loss", held, mean, eps,
                  f"E[loss after the steps run] <= eps = {eps:g} (SGD's guarantee in expectation, estimated over "
                  "independent batch draws from the same initialisation)", note)
    return g, {"sgd_draw_final_losses": finals, "sgd_draw_first_eps_step": hits,
               "sgd_success_fraction": reached / draws}


def _uses(entry, name: str) -> bool:
    """Whether any of the entry's bounds has the free symbol `name`."""
    from bounds.expr.ir import free_symbols

    return any(name in free_symbols(bound.expr) for bound in entry.bounds.values())


def ntk_margin(K: np.ndarray, y: np.ndarray, iterations: int = 20000, tol: float = 1e-10) -> float:
    """The hard-margin SVM margin of labels y (signs of y) in the feature space of the kernel K.

    gamma = max_{||w|| = 1} min_i y_i <w, phi(x_i)> = 1 / sqrt(sum_i alpha_i) at the optimum of the
    dual max sum(alpha) - alpha^T Q alpha / 2, alpha >= 0, Q = (y y^T) * K, solved by
    coordinate ascent (exact per coordinate).  K positive definite: the data are separable.
    """
    y = np.where(np.asarray(y) >= 0, 1.0, -1.0)
    Q = np.outer(y, y) * np.asarray(K, dtype=np.float64)
    n = len(y)
    alpha = np.zeros(n)
    grad = np.ones(n)  # 1 - Q alpha
    diag = np.diag(Q).copy()
    for _ in range(iterations):
        change = 0.0
        for i in range(n):
            new = max(0.0, alpha[i] + grad[i] / diag[i])
            delta = new - alpha[i]
            if delta != 0.0:
                alpha[i] = new
                grad -= delta * Q[:, i]
                change = max(change, abs(delta))
        if change <= tol * max(1.0, float(alpha.max())):
            break
    total = float(alpha.sum())
    return 1.0 / math.sqrt(total) if total > 0 else math.inf


def _margin_kernel(spec: NetworkSpec, X: np.ndarray) -> np.ndarray:
    """The width-free analytic NTK of the trained layers, scaled to unit diagonal (unit-norm features)."""
    if spec.two_layer or spec.parametrization == "resnet":
        K = spec.analytic_kernel(X)
    else:
        K = sum(term for term, trained in zip(ntk_terms(X, spec.depth, spec.act), spec.trained, strict=True) if trained)
    scale = np.sqrt(np.diag(K))
    return K / np.outer(scale, scale)


def _training_setup(entry, spec: NetworkSpec, dataset: Dataset, batch: int | None, sampling: str | None,
                    test_data: Dataset | None) -> tuple[TrainingSetup, Dataset, Dataset | None]:
    """The algorithm, batch size, sampling and loss the theorem states (or the user asks for), and the
    data in its terms (binary labels for classification)."""
    from .objectives import SAMPLING_TEXT, SAMPLINGS

    n = dataset.n
    setting = dict(entry.setting)
    stated = setting.get("algorithm", "GD")
    choices: list[str] = []
    if batch is not None and (isinstance(batch, bool) or int(batch) != batch or not 1 <= batch <= n):
        raise VerifyError(f"--batch must be an integer between 1 and n = {n}, got {batch!r}")
    if sampling is not None and sampling not in SAMPLINGS:
        raise VerifyError(f"--sampling {sampling!r}: use one of {', '.join(SAMPLINGS)}")
    if batch is None and stated == "SGD":
        batch = min(n, DEFAULT_BATCH)
        choices.append(f"batch size B = {batch}: the theorem is about minibatch SGD and the entry fixes no B "
                       f"(the default min(n, {DEFAULT_BATCH}); --batch B to change it)")
    elif batch is not None and stated != "SGD":
        choices.append(f"minibatch SGD with B = {batch} as asked, although the theorem is about {stated}")
    if batch is not None:
        text = setting.get("batch", "").lower()
        if sampling is None:
            with_replacement = "with replacement" in text and "without" not in text
            sampling = "with-replacement" if with_replacement else "without-replacement"
            choices.append(f"sampling: {SAMPLING_TEXT[sampling]} (the entry does not say; --sampling to change it)"
                           if "replacement" not in text
                           else f"sampling: {SAMPLING_TEXT[sampling]}, as the entry states")
        else:
            choices.append(f"sampling: {SAMPLING_TEXT[sampling]} (as asked)")
        choices.append("SGD step: W -= eta * (n / B) * sum over the batch of the per-sample gradients of the loss, "
                       "an unbiased estimate of the full gradient (B = n without replacement is GD)")
    else:
        sampling = None
    algorithm = "SGD" if batch is not None else ("GD" if stated != "gradient-flow" else "GD (for gradient flow)")
    setup = TrainingSetup(algorithm="SGD" if batch is not None else "GD", stated_algorithm=stated, batch_size=batch,
                          sampling=sampling, loss=spec.objective, choices=choices, algorithm_text=algorithm)

    def binary(ds: Dataset | None) -> Dataset | None:
        if ds is None or spec.objective != "logistic" or np.all(np.isin(ds.y, (-1.0, 1.0))):
            return ds
        return Dataset(ds.name, ds.X, np.where(ds.y >= 0, 1.0, -1.0), ds.delta,
                       list(ds.notes)
                       + ["labels replaced by their signs (y >= 0 -> +1, else -1) for the logistic loss"])

    dataset, test_data = binary(dataset), binary(test_data)
    if test_data is not None and test_data.d != dataset.d:
        raise VerifyError(f"the held-out points have dimension {test_data.d}, the training points {dataset.d}")
    setup.own_terms = bool(batch is not None or spec.objective != "squared" or entry.guarantee != "squared-loss"
                           or test_data is not None)
    if test_data is not None:
        setup.test_points = test_data.n
    return setup, dataset, test_data


def _bytes(log10_bytes: float) -> float:
    return math.inf if log10_bytes > 300 else 10.0**log10_bytes


def _width_from_log10(width_log10: float) -> int | None:
    """The smallest integer width >= 10^width_log10 (a value within 1e-9 of an integer is that integer)."""
    if math.isnan(width_log10) or width_log10 >= 15:
        return None
    value = 10.0**width_log10
    nearest = round(value)
    return max(1, int(nearest if abs(value - nearest) <= 1e-9 * value else math.ceil(value)))


def _fmt_width(width_log10: float) -> str:
    return f"{10**width_log10:.0f}" if width_log10 < 9 else f"10^{width_log10:.2f}"


def _train(spec: NetworkSpec, dataset: Dataset, results: list[WidthResult], seed: int, bk, eps: float,
           writer: RecordWriter, progress, setup: TrainingSetup,
           test_data: Dataset | None = None) -> tuple[list[gd.Trajectory], list]:
    """Train the feasible widths (one batched pass for the two-layer family); one trajectory each,
    and each run's error history (verify.objectives)."""
    from .objectives import Objective

    widths = [r.width for r in results]
    etas = [r.eta for r in results]
    limits = [r.steps_planned for r in results]
    out: list[gd.Trajectory] = []
    histories: list = []
    for net_widths, net_etas, net_limits in _groups(spec, widths, etas, limits):
        net = gd.build(spec, dataset.X, dataset.y, net_widths, seed, net_etas, bk)[0]
        objective = None if not setup.own_terms else Objective(
            spec, dataset.y, loss=spec.objective, batch=setup.batch_size,
            sampling=setup.sampling or "without-replacement", seeds=[seed] * len(net.widths), widths=net.widths,
            X_test=None if test_data is None else test_data.X, y_test=None if test_data is None else test_data.y)
        label = "width " + ", ".join(str(m) for m in net.widths)
        bar = progress(label, max(net_limits)) if progress is not None else None

        def on_snapshot(k: int, snap: gd.Snapshot, widths=net.widths) -> None:
            writer.write({
                "type": "checkpoint", "width": widths[k], "step": snap.step, "loss": snap.loss,
                "lambda_min_ntk": snap.lambda_min, "max_neuron_distance": snap.max_neuron_distance,
                "param_distance": snap.param_distance, "layer_distances": snap.layer_distances,
                "flip_fractions": snap.flip_fractions,
            })

        try:
            out.extend(gd.run(net, net_limits, eps, on_snapshot=on_snapshot,
                              progress=bar.update if bar is not None else None, objective=objective))
            histories.extend(objective.history if objective is not None else [None] * len(net.widths))
        finally:
            if bar is not None:
                bar.close()
        del net  # free one width's arrays before the next is allocated
    return out, histories


def _groups(spec: NetworkSpec, widths: list, etas: list, limits: list):
    """Widths trained together: all at once for the batched two-layer family, else one by one."""
    if spec.two_layer and spec.trained == (True, False):
        yield widths, etas, limits
    else:
        for group in zip(widths, etas, limits, strict=True):
            yield [group[0]], [group[1]], [group[2]]
