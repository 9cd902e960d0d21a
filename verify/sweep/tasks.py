"""Real sweep tasks: train one network at one (n, width, seed) and return what a width study needs.

:func:`train_du2019` trains Du, Zhai, Poczos & Singh's two-layer ReLU network
(:func:`verify.models.du2019`: first layer trained, output signs fixed, 1/2-sum squared loss)
by full-batch GD on points of the unit sphere, with the numpy float64 backend.  It is a thin
wrapper over the training API of :mod:`verify`, and calls exactly::

    data = verify.data.sphere(n, d, labels=labels, seed=data_seed)
    spec = verify.models.du2019()
    net  = verify.gd.TwoLayerBatch(spec, data.X, data.y, [width], seed, [eta],
                                   verify.train_numpy.NumpyBackend("float64"))
    traj = verify.gd.run(net, steps, eps if stop_at_eps else -inf, checkpoints=set())[0]

(`checkpoints=set()`: the NTK and distances are measured once, at the last step, not along the
way.)  ``eta="auto"`` is ``1 / (s lambda_max(H^inf))`` with ``s = spec.rate_step(1, n)``:
:func:`verify.step_size.auto_step_size`, the rule :func:`verify.verify_entry` calls "auto".

`train_zou_gu2019` does the same for the deep fully connected ReLU network of Zou & Gu 2019
(:func:`verify.models.zou_gu2019`: an input layer and L hidden m x m layers with N(0, 2/m)
entries, all trained, output layer fixed, loss 1/(2n) sum (f - y)^2), one width per run
(:class:`verify.gd.DeepNet`).  Its ``eta="auto"`` is ``1 / (s lambda_max(K_m))`` with K_m the
model's infinite-width kernel at width m (standard parametrisation: K_m grows like m).

Every field the run depends on is in the configuration, so that its key identifies the run
completely; :func:`du2019_config` fills in the defaults, and the task refuses a configuration
with missing or unknown fields.  ``version`` is bumped when the task's meaning changes, which
changes every key, so no stale result is reused.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

TASK_VERSION = 2
SETTINGS = ("du2019", "zou-gu2019")
_FIELDS = ("setting", "version", "n", "d", "width", "seed", "data_seed", "labels", "steps", "eps", "eta", "stop_at_eps",
           "criterion", "factor", "device")
_DEEP_FIELDS = _FIELDS + ("L",)
_RUN_FIELDS = ("width", "seed")  # what may differ between the runs of one batch


def du2019_config(n: int, width: int, seed: int = 0, *, d: int = 10, steps: int | None = 1000, eps: float = 1e-3,
                  eta: float | str = "auto", labels: str = "random", data_seed: int = 0,
                  stop_at_eps: bool = True, criterion: str = "budget", factor: float | None = None,
                  device: str = "cpu") -> dict[str, Any]:
    """The full configuration of one :func:`train_du2019` run (defaults filled in).

    `seed` seeds the initialisation, `data_seed` the data set (so that a width sweep at one
    data seed trains every width on the same points).  `criterion` and `factor` are those of
    :class:`verify.criteria.Criterion`: ``budget`` runs at most `steps` steps; ``interpolation``
    and ``kernel`` derive the step limit from T_kernel, ``rate`` from T_rate, and their configurations hold
    ``steps = None`` (they do not depend on a budget).  With `stop_at_eps` (budget only) a run
    stops at the first step with loss <= eps; without, it runs all `steps` (a fixed amount of
    work).  `device`: ``cpu`` trains with the numpy float64 backend, ``cuda`` (or ``cuda:N``)
    with torch float64 on that GPU.
    """
    from ..criteria import Criterion

    rule = Criterion(criterion, factor, int(steps) if criterion == "budget" and steps is not None else None)
    return {"setting": "du2019", "version": TASK_VERSION, "n": int(n), "d": int(d), "width": int(width),
            "seed": int(seed), "data_seed": int(data_seed), "labels": labels,
            "steps": rule.steps, "eps": float(eps), "eta": eta if isinstance(eta, str) else float(eta),
            "stop_at_eps": bool(stop_at_eps) or rule.name != "budget", "criterion": rule.name, "factor": rule.factor,
            "device": str(device)}


def zou_gu2019_config(n: int, L: int, width: int, seed: int = 0, **options: Any) -> dict[str, Any]:
    """The full configuration of one :func:`train_zou_gu2019` run: as :func:`du2019_config`, plus the depth L
    (hidden m x m layers, Zou & Gu's convention: the network has L + 1 ReLU layers)."""
    return {**du2019_config(n, width, seed, **options), "setting": "zou-gu2019", "L": int(L)}


def batch_group(config: dict) -> tuple:
    """Runs with equal groups share data, step size and criterion, and so train as one batch."""
    return tuple(sorted((k, repr(v)) for k, v in config.items() if k not in _RUN_FIELDS))


def _check(config: dict, setting: str = "du2019") -> None:
    fields, builder = (_DEEP_FIELDS, "zou_gu2019_config") if setting == "zou-gu2019" else (_FIELDS, "du2019_config")
    task = "train_" + setting.replace("-", "_")
    missing = [f for f in fields if f not in config]
    unknown = sorted(set(config) - set(fields))
    if missing or unknown:
        parts = [f"missing {', '.join(missing)}"] if missing else []
        parts += [f"unknown {', '.join(unknown)}"] if unknown else []
        raise ValueError(f"{task} configuration: {'; '.join(parts)} (build it with {builder})")
    if config["setting"] != setting:
        raise ValueError(f"setting {config['setting']!r} is not {task}'s ({setting!r}; known: {', '.join(SETTINGS)})")
    if config["version"] != TASK_VERSION:
        raise ValueError(f"configuration version {config['version']} is not this task's ({TASK_VERSION})")


CURVE_STEPS_PER_DOUBLING = 3  # the loss curve's sampled steps: ratio 2^(1/3) once past the first few


def curve_steps(last: int) -> list[int]:
    """The steps a loss curve samples for a run whose last step is `last`: the fixed sequence 0, 1, 2, 3, 4, 5,
    6, 8, 10, 13, 16, 20, 25, 32, ... (round(2^(k/3)), deduplicated) below `last`, then `last`.

    The sequence does not depend on `last`, so a run continued from a step t
    (:mod:`verify.sweep.continuation`) has the curve of the run from step 0: the samples below t
    of its stored curve, then its own.  About 3 log2(last) points (60 at a million steps).
    """
    steps, k = [0], 0
    while (s := int(round(2.0 ** (k / CURVE_STEPS_PER_DOUBLING)))) < last:
        if s > steps[-1]:
            steps.append(s)
        k += 1
    return steps + [last] if last > 0 else steps


def _curve(losses: list[float], start: int = 0, before: dict[str, list] | None = None) -> dict[str, list]:
    """The loss at the steps of :func:`curve_steps`; ``losses[i]`` is the loss at step ``start + i``, and a run
    continued from `start` takes its samples below `start` from `before` (its source's curve)."""
    if start and before is None:
        raise ValueError("a curve from a run continued at a step > 0 needs its source's curve")
    last = start + len(losses) - 1
    head = [(t, x) for t, x in zip(before["step"], before["loss"], strict=True) if t < start] if start else []
    points = head + [(t, float(losses[t - start])) for t in curve_steps(last) if t >= start]
    return {"step": [t for t, _ in points], "loss": [x for _, x in points]}


def train_du2019(config: dict) -> dict[str, Any]:
    """Train Du et al. 2019's two-layer network at one configuration (see the module docstring).

    Returns initial and final loss, steps run, ``steps_to_eps`` (first step with loss <= eps, or
    None), ``diverged_at``, the step size used, lambda_0 = lambda_min(H^inf) and delta of the
    data, ``t_kernel`` (steps of GD on H^inf from the run's initial residual), the run's
    ``step_limit`` and ``stop_reason``, ``succeeded`` under the configuration's criterion,
    ``parameter_ratio`` (trained parameters / n), the largest neuron movement
    max_r ||w_r - w_r(0)|| and the fraction of activation patterns flipped at the last step,
    and a short loss curve.
    """
    return train_du2019_batch([config])[0]


def train_du2019_batch(configs: list[dict], resume_from: list[dict | None] | None = None) -> list[dict[str, Any]]:
    """Train several runs of :func:`train_du2019` that differ only in width and seed as one program.

    The neurons of every run are stacked in one weight matrix (:class:`verify.gd.TwoLayerBatch`),
    so a step is one GEMM forward and one backward for all of them; each run stops on its own.
    The results equal those of the runs trained alone (same initialisation, same arithmetic).

    `resume_from` (one entry per configuration, or None) continues runs instead of starting
    them: an entry is the stored result of the same configuration under a smaller cap (same
    everything but ``factor``) that stopped at that cap and kept its state
    (:mod:`verify.sweep.continuation`); the run goes on from where it stopped, in the same batch
    as the fresh runs, and ends as training the configuration from step 0 would.
    """
    from .. import gd
    from ..models import du2019
    from .continuation import start_state

    first = _same_group(configs, "du2019")
    sources = _sources(configs, resume_from)
    spec = du2019()
    data, eta, spectrum = _prepare(first, spec, None)
    widths, seeds = [int(c["width"]) for c in configs], [int(c["seed"]) for c in configs]
    resume = [None if src is None else start_state(src) for src in sources]
    net = gd.TwoLayerBatch(spec, data.X, data.y, widths, seeds, [eta] * len(configs), _backend(first),
                           resume=resume, keep_final=True)
    return _train(net, configs, spec, data, eta, spectrum, float(spectrum.eigenvalues[0]), sources)


def train_zou_gu2019(config: dict) -> dict[str, Any]:
    """Train Zou & Gu 2019's deep ReLU network (input layer + L hidden layers trained) at one configuration.

    Returns what :func:`train_du2019` returns; ``lambda_0`` is lambda_min of the NTK-parametrisation
    kernel relu_ntk(X, L + 1) (width-free, Arora et al.'s convention), ``max_neuron_distance`` is
    None (a deep net has no per-neuron radius in the proofs), ``flip_fraction`` is over all layers'
    activation patterns, and ``layer_distances`` lists ||W_l - W_l(0)||_F of the trained layers.
    """
    return train_zou_gu2019_batch([config])[0]


def train_zou_gu2019_batch(configs: list[dict], resume_from: list[dict | None] | None = None) -> list[dict[str, Any]]:
    """Several :func:`train_zou_gu2019` runs of one group (one data set, step-size rule and criterion).

    The seeds of each width train as one program (:class:`verify.gd.DeepBatch`: one batched
    GEMM per layer for all of them); different widths cannot share a GEMM and train one after
    the other.  Data and lambda_0 are computed once.  `resume_from` continues runs from stored
    results under a smaller cap, as in :func:`train_du2019_batch`.
    """
    from .. import gd
    from ..models import zou_gu2019
    from ..ntk import relu_ntk
    from .continuation import start_state

    first = _same_group(configs, "zou-gu2019")
    sources = _sources(configs, resume_from)
    L = int(first["L"])
    if L < 1:
        raise ValueError(f"L must be at least 1 (hidden m x m layers), got {L}")
    spec = zou_gu2019(L)
    by_width: dict[int, list[int]] = {}
    for index, config in enumerate(configs):
        by_width.setdefault(int(config["width"]), []).append(index)
    results: list[dict[str, Any] | None] = [None] * len(configs)
    lambda_0 = None
    for width, indices in by_width.items():
        group = [configs[i] for i in indices]
        data, eta, spectrum = _prepare(group[0], spec, width)
        if lambda_0 is None:
            lambda_0 = float(np.linalg.eigvalsh(relu_ntk(data.X, L + 1))[0])
        group_sources = [sources[i] for i in indices]
        net = gd.DeepBatch(spec, data.X, data.y, width, [int(c["seed"]) for c in group], [eta] * len(group),
                           _backend(group[0]), resume=[None if src is None else start_state(src)
                                                       for src in group_sources], keep_final=True)
        trained = _train(net, group, spec, data, eta, spectrum, lambda_0, group_sources)
        for i, result in zip(indices, trained, strict=True):
            results[i] = result
    return results


def _same_group(configs: list[dict], setting: str) -> dict:
    if not configs:
        raise ValueError("a batch needs at least one configuration")
    for config in configs:
        _check(config, setting)
    groups = {batch_group(c) for c in configs}
    if len(groups) > 1:
        raise ValueError("the runs of one batch may differ only in width and seed")
    return configs[0]


def _sources(configs: list[dict], resume_from: list[dict | None] | None) -> list[dict | None]:
    """One stored result to continue from (or None) per configuration."""
    sources = [None] * len(configs) if resume_from is None else list(resume_from)
    if len(sources) != len(configs):
        raise ValueError("resume_from needs one stored result (or None) per configuration")
    return sources


def _backend(config: dict):
    device = str(config["device"])
    if device == "cpu":
        from ..train_numpy import NumpyBackend

        return NumpyBackend("float64")
    from ..train_torch import TorchBackend

    return TorchBackend(device, "float64")


def _prepare(config: dict, spec, width: int | None):
    """The data set, the step size ('auto': 1 / (s lambda_max) of the model's kernel) and that kernel's spectrum."""
    from ..data import sphere
    from ..kernel_gd import KernelSpectrum
    from ..step_size import auto_step_size

    n = int(config["n"])
    data = sphere(n, int(config["d"]), labels=config["labels"], seed=int(config["data_seed"]))
    kernel = spec.analytic_kernel(data.X, width)
    spectrum = KernelSpectrum(kernel)
    if config["eta"] == "auto":
        eta = auto_step_size(spec, kernel)
    elif isinstance(config["eta"], (int, float)) and not isinstance(config["eta"], bool) and config["eta"] > 0:
        eta = float(config["eta"])
    else:
        raise ValueError(f"eta must be 'auto' or a positive number, got {config['eta']!r}")
    return data, eta, spectrum


def _stall_rules(rule, eps: float, t_kernel: list, limits: list[int], sources: list[dict | None]) -> list:
    """The plateau rule of every run (interpolation only; None else), a continued run's restored from its source."""
    from ..plateau import PlateauRule

    if rule.name != "interpolation":
        return [None] * len(limits)
    rules = [PlateauRule(eps, limit, min_steps=t or 1) for t, limit in zip(t_kernel, limits, strict=True)]
    for r, src in zip(rules, sources, strict=True):
        if src is not None:
            r.restore(src["resume"]["plateau"])
    return rules


def _rate_steps(rule, residual, source, eps: float, rate: float, scale: float, lambda_0: float) -> float | None:
    """The rate criterion's T_rate for one run, from its initial loss (a continued run keeps its source's, as it
    keeps its T_kernel); None under every other criterion."""
    from ..criteria import RATE, rate_steps

    if rule.name != RATE:
        return None
    if source is not None:
        return source["t_rate"]
    return rate_steps(scale * float(residual @ residual), eps, rate, lambda_0)


def _train(net, configs: list[dict], spec, data, eta: float, spectrum, lambda_0: float,
           sources: list[dict | None] | None = None) -> list[dict[str, Any]]:
    """Run the batch under its criterion and describe every run (a continued run's T_kernel is its source's)."""
    from .. import gd
    from ..criteria import Criterion
    from .continuation import CAPPED_STOPS, CONTINUABLE, RESUME, keeps_state, payload

    first = configs[0]
    sources = sources or [None] * len(configs)
    rule = Criterion.of_config(first)
    eps, n, d = float(first["eps"]), int(first["n"]), int(first["d"])
    residuals = net.bk.to_numpy(net.forward())
    rate, scale = spec.rate_step(eta, n), spec.loss_scale(n)
    t_kernel = [spectrum.dynamics(residuals[:, k], rate, scale).steps_to(eps) if src is None else src["t_kernel"]
                for k, src in enumerate(sources)]
    t_rate = [_rate_steps(rule, residuals[:, k], src, eps, rate, scale, lambda_0) for k, src in enumerate(sources)]
    limits = [rule.step_limit(t, r) for t, r in zip(t_kernel, t_rate, strict=True)]
    stall = _stall_rules(rule, eps, t_kernel, limits, sources)
    stop_eps = eps if first["stop_at_eps"] else -math.inf
    trajectories = gd.run(net, limits, stop_eps, checkpoints=set(), stall=stall)
    final_W = getattr(net, "final_W", {})
    out = []
    for k, (config, traj, t, limit) in enumerate(zip(configs, trajectories, t_kernel, limits, strict=True)):
        losses, src = traj.losses, sources[k]  # a continued run's losses start at its source's last step
        initial_loss = losses[0] if src is None else float(src[RESUME]["initial_loss"])
        steps_to_eps = traj.reached_eps if first["stop_at_eps"] else next(
            (traj.start + i for i, loss in enumerate(losses) if loss <= eps), None)
        final = traj.snapshots[-1] if traj.snapshots else None
        width = int(config["width"])
        trained = spec.trained_parameter_count(d, width)
        result = {
            "initial_loss": initial_loss, "final_loss": losses[-1], "steps_run": traj.steps_run,
            "steps_to_eps": steps_to_eps, "reached_eps": steps_to_eps is not None, "diverged_at": traj.diverged_at,
            "stop_reason": traj.stop_reason, "stalled_at": traj.stalled_at,
            "criterion": rule.label, "t_kernel": t, "step_limit": limit,
            "succeeded": steps_to_eps is not None and steps_to_eps <= limit and traj.diverged_at is None,
            "eta": eta, "lambda_0": lambda_0, "delta": float(data.delta),
            "trained_parameters": trained, "parameter_ratio": trained / n,
            "max_neuron_distance": final.max_neuron_distance if final is not None else None,
            "flip_fraction": float(np.mean(final.flip_fractions)) if final is not None else None,  # over all layers
            "loss_curve": _curve(losses, traj.start, None if src is None else src["loss_curve"]),
        }
        if t_rate[k] is not None:
            result["t_rate"] = t_rate[k]
        if final is not None and len(final.flip_fractions) > 1:
            result["layer_distances"] = list(final.layer_distances)
        if (traj.stop_reason in CAPPED_STOPS and rule.name in CONTINUABLE and k in final_W
                and keeps_state(trained, traj.steps_run)):
            result[RESUME] = payload(traj, final_W[k], stall[k], initial_loss)
        out.append(result)
    return out
