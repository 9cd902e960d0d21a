"""The state a capped two-layer run stops with, stored in its result, so that a larger cap can continue it.

A run of :func:`verify.sweep.tasks.train_du2019_batch` that stops because of its cap ("limit",
or the plateau rule's "too slow", which looks at the cap) would, under a larger cap, go on along
the same trajectory: full-batch GD is deterministic, and its state is the first-layer weights W
alone.  Its result therefore carries ``resume``: the step it stopped at, its W there (float64,
exact: base64 of the zlib-compressed little-endian bytes, with the shape), its losses from step
0 (the loss curve of the continued run samples them), and its plateau rule's state.  Only these
runs carry it, so the store stays small; the record's key hashes the configuration, not this.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np

CAPPED_STOPS = ("limit", "too slow")  # the stop reasons that depend on the cap
CONTINUABLE = ("interpolation", "kernel")  # criteria whose cap a stored run can be continued under
RESUME = "resume"


def encode_array(a: np.ndarray) -> dict[str, Any]:
    """A float64 array as JSON, exactly: its shape and its little-endian bytes, compressed, in base64."""
    a = np.ascontiguousarray(a, dtype="<f8")
    return {"shape": list(a.shape), "f8": base64.b64encode(zlib.compress(a.tobytes(), 6)).decode("ascii")}


def decode_array(data: Mapping[str, Any]) -> np.ndarray:
    """The array of :func:`encode_array`, bit for bit."""
    raw = zlib.decompress(base64.b64decode(data["f8"]))
    return np.frombuffer(raw, dtype="<f8").reshape(data["shape"]).astype(np.float64)


def payload(traj, W: np.ndarray, rule) -> dict[str, Any]:
    """What continuing a stopped run needs: its step, W there, its losses and its plateau rule's state (or None)."""
    return {"step": traj.steps_run, "W": encode_array(W), "losses": encode_array(np.asarray(traj.losses)),
            "plateau": None if rule is None else rule.state()}


def continuable(result: Mapping[str, Any] | None) -> bool:
    """Whether a stored result can be continued under a larger cap (it stopped at its cap and kept its state)."""
    return bool(result) and result.get("stop_reason") in CAPPED_STOPS and isinstance(result.get(RESUME), Mapping)


def start_state(result: Mapping[str, Any]):
    """The :class:`verify.gd.Resume` of a stored result that :func:`continuable` accepts."""
    from ..gd import Resume

    if not continuable(result):
        raise ValueError("this result cannot be continued: it did not stop at its cap, or has no resume state "
                         "(a store written before runs kept it: train the configuration from step 0)")
    data = result[RESUME]
    return Resume(int(data["step"]), decode_array(data["W"]), decode_array(data["losses"]).tolist())
