"""What runs inside a worker process: one task call, turned into an :class:`Outcome`.

A task that raises does not stop the sweep: :func:`execute` catches the exception and returns
it as an outcome with ``error`` set, which the driver records as a failed run (status
``"error"``, never cached as a success, redone by the next sweep).  A result that JSON cannot
hold is a failure of the same kind, detected here so that the message names the task's value.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from typing import Any

from .keys import jsonable_result

Task = Callable[[dict], Mapping[str, Any]]


@dataclass(frozen=True)
class Outcome:
    """A task call's result (JSON values) or error, with bookkeeping for the record's ``meta``."""

    result: dict | None
    error: str | None
    meta: dict = field(default_factory=dict)


def worker_name() -> str:
    """host:pid of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def execute(task: Task, config: dict) -> Outcome:
    """Call ``task(config)``; an exception, or a result that is not a JSON-able dict, becomes an error outcome."""
    start = time.perf_counter()
    result, error, trace = None, None, None
    try:
        value = task(dict(config))
        if not isinstance(value, Mapping):
            raise TypeError(f"the task returned a {type(value).__name__}, not a dict")
        result = jsonable_result(value)
    except Exception as exc:  # noqa: BLE001 - any failure of one run is recorded, not fatal
        error = f"{type(exc).__name__}: {exc}"
        trace = traceback.format_exc()
    meta: dict[str, Any] = {
        "wall_time_s": round(time.perf_counter() - start, 6),
        "worker": worker_name(),
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
    }
    if trace is not None:
        meta["traceback"] = trace
    return Outcome(result, error, meta)


def execute_batch(task: Callable[[list[dict]], Any], configs: list[dict]) -> list[Outcome]:
    """Call ``task(configs)`` once for a batch; one outcome per configuration, in order.

    The task returns one result per configuration.  If it raises (or returns something else),
    every run of the batch gets the error, as a failed single run would.  ``meta`` records the
    batch's wall time and size, shared by its runs.
    """
    start = time.perf_counter()
    results, error, trace = None, None, None
    try:
        values = task([dict(c) for c in configs])
        if not isinstance(values, (list, tuple)) or len(values) != len(configs):
            raise TypeError(
                f"the batch task returned {type(values).__name__} of "
                f"{len(values) if isinstance(values, (list, tuple)) else '?'} results for {len(configs)} runs"
            )
        for value in values:
            if not isinstance(value, Mapping):
                raise TypeError(f"the batch task returned a {type(value).__name__}, not a dict")
        results = [jsonable_result(v) for v in values]
    except Exception as exc:  # noqa: BLE001 - a failed batch is recorded run by run, not fatal
        error = f"{type(exc).__name__}: {exc}"
        trace = traceback.format_exc()
    meta: dict[str, Any] = {
        "wall_time_s": round(time.perf_counter() - start, 6),
        "batch_size": len(configs),
        "worker": worker_name(),
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
    }
    if trace is not None:
        meta["traceback"] = trace
    if results is None:
        return [Outcome(None, error, meta) for _ in configs]
    return [Outcome(result, None, meta) for result in results]


def execute_batch_from(task: Callable[..., Any], unit: tuple[list[dict], list[Any]]) -> list[Outcome]:
    """:func:`execute_batch` for a batch some of whose runs continue from stored states: `unit` is (configurations,
    one source or None each), and the task is called as ``task(configs, resume_from=sources)`` when any
    source is given (:func:`verify.sweep.tasks.train_du2019_batch`), else as ``task(configs)``."""
    configs, sources = unit
    if any(source is not None for source in sources):
        return execute_batch(partial(task, resume_from=list(sources)), configs)
    return execute_batch(task, configs)


def init_local_worker(parent_pid: int) -> None:
    """Initializer of local pool workers: leave Ctrl-C to the driver, and die with it.

    SIGINT is ignored, so that Ctrl-C in a terminal (sent to the whole process group) reaches
    the driver alone, which then stops the pool cleanly.  On Linux the worker also asks to be
    killed when its parent dies, so that a SIGKILLed driver leaves no worker running (or starting
    runs it had already been sent).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover - no prctl: orphans finish their current run
            pass
    if os.getppid() != parent_pid:  # the driver died before prctl took effect
        os._exit(1)
