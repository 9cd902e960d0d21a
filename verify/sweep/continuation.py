"""The state a capped run stops with, stored in its result, so that a larger cap can continue it.

A run of :func:`verify.sweep.tasks.train_du2019_batch` (two-layer) or
:func:`verify.sweep.tasks.train_zou_gu2019_batch` (deep) that stops because of its cap
("limit", or the plateau rule's "too slow", which looks at the cap) would, under a larger cap,
go on along the same trajectory: full-batch GD is deterministic, and its state is its trained
weights alone.  Its result therefore carries ``resume``: the step it stopped at, its weights
there (float64, exact: base64 of the zlib-compressed little-endian bytes, with the shape; the
first-layer matrix of a two-layer run, a list with one array per trained layer of a deep one),
its loss there, its initial loss (the divergence test's reference) and its plateau rule's state
(the last checks only).  That is as many numbers as the run trains, and a few more, whatever
the number of steps: the losses before the stop are not kept.  A run keeps its state only where
that pays (:func:`keeps_state`): at most :data:`MAX_RESUME_PARAMETERS` trained parameters, and
at least :data:`STEPS_PER_STORED_NUMBER` steps run per stored number.  The long runs near the
interpolation threshold (hundreds of thousands of steps, a few thousand parameters) keep it;
the kernel criterion's capped runs (C x T_kernel steps, often thousands of parameters) and wide
deep nets do not, since their state would swell the store by up to a megabyte a record to save
little, and are retrained from step 0.  The continued run's loss curve needs none of the
earlier losses, because a curve samples fixed steps (:func:`verify.sweep.tasks.curve_steps`):
its samples below the start step are the stored curve's.  Only these runs carry the block; the
record's key hashes the configuration, not this.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np

CAPPED_STOPS = ("limit", "too slow")  # the stop reasons that depend on the cap
CONTINUABLE = ("interpolation", "kernel")  # criteria whose cap a stored run can be continued under
CONTINUABLE_SETTINGS = ("du2019", "zou-gu2019")  # tasks whose runs keep their state
MAX_RESUME_PARAMETERS = 1 << 15  # at most about 350 KB of state per record (base64 of float64)
STEPS_PER_STORED_NUMBER = 4  # a kept state saves at least this many steps per number it stores
RESUME = "resume"


def encode_array(a: np.ndarray) -> dict[str, Any]:
    """A float64 array as JSON, exactly: its shape and its little-endian bytes, compressed, in base64."""
    a = np.ascontiguousarray(a, dtype="<f8")
    return {"shape": list(a.shape), "f8": base64.b64encode(zlib.compress(a.tobytes(), 6)).decode("ascii")}


def decode_array(data: Mapping[str, Any]) -> np.ndarray:
    """The array of :func:`encode_array`, bit for bit."""
    raw = zlib.decompress(base64.b64decode(data["f8"]))
    return np.frombuffer(raw, dtype="<f8").reshape(data["shape"]).astype(np.float64)


def keeps_state(trained_parameters: int, steps_run: int) -> bool:
    """Whether a capped run's result carries its state: small enough, and saving enough steps per stored number."""
    return (trained_parameters <= MAX_RESUME_PARAMETERS
            and trained_parameters * STEPS_PER_STORED_NUMBER <= steps_run)


def payload(traj, W: np.ndarray | list[np.ndarray], rule, initial_loss: float) -> dict[str, Any]:
    """What continuing a stopped run needs: its step, its trained weights there (an array, or a list of them),
    its loss there, its initial loss and its plateau rule's state (or None)."""
    weights = [encode_array(w) for w in W] if isinstance(W, (list, tuple)) else encode_array(W)
    return {"step": traj.steps_run, "W": weights, "loss": float(traj.losses[-1]),
            "initial_loss": float(initial_loss), "plateau": None if rule is None else rule.state()}


def continuable(result: Mapping[str, Any] | None) -> bool:
    """Whether a stored result can be continued under a larger cap: it stopped at its cap, kept its state
    (in this format: older records kept their whole loss history instead), and its loss curve samples the
    fixed steps of :func:`verify.sweep.tasks.curve_steps` (the continued run's curve starts with them)."""
    from .tasks import curve_steps

    if not result or result.get("stop_reason") not in CAPPED_STOPS or not isinstance(result.get(RESUME), Mapping):
        return False
    data, curve = result[RESUME], result.get("loss_curve")
    return (all(name in data for name in ("step", "W", "loss", "initial_loss", "plateau"))
            and isinstance(curve, Mapping) and curve.get("step") == curve_steps(int(data["step"])))


def start_state(result: Mapping[str, Any]):
    """The :class:`verify.gd.Resume` of a stored result that :func:`continuable` accepts."""
    from ..gd import Resume

    if not continuable(result):
        raise ValueError("this result cannot be continued: it did not stop at its cap, or has no resume state "
                         "(a store written before runs kept it: train the configuration from step 0)")
    data = result[RESUME]
    weights = [decode_array(w) for w in data["W"]] if isinstance(data["W"], list) else decode_array(data["W"])
    return Resume(int(data["step"]), weights, float(data["loss"]), float(data["initial_loss"]))
