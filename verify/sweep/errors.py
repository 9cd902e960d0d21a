"""Errors of the sweep machinery; all derive from :class:`verify.errors.VerifyError`.

They are :class:`bounds.errors.BoundsError` subclasses, so the ``bounds`` CLI (``bounds sweep``,
``bounds gap``, ...) prints them as one line instead of a traceback.
"""

from __future__ import annotations

from ..errors import VerifyError

DASK_HINT = "pip install 'overparam-bounds[dask]'"


class SweepError(VerifyError):
    """Base class of user-facing sweep errors."""


class ConfigError(SweepError):
    """A run configuration is not a JSON object of finite numbers, strings, booleans, lists and objects."""


class StoreError(SweepError):
    """A result store cannot be opened, read or written."""


class StoreCorruptError(StoreError):
    """A store line other than the last is not a valid record; the message names the file and line."""

    def __init__(self, path: str, line: int, reason: str):
        self.path = path
        self.line = line
        self.reason = reason
        super().__init__(
            f"{path}:{line}: {reason}; only an incomplete last line is repaired automatically, "
            f"so fix or delete line {line} by hand")


class StoreLockedError(StoreError):
    """Another process holds the store's write lock (two sweeps must not write one store)."""

    def __init__(self, path: str):
        self.path = path
        super().__init__(f"sweep store {path} is in use by another sweep (it is locked); "
                         "wait for that sweep to finish, or pass another store")


class DaskUnavailableError(SweepError):
    """A Dask executor was requested but dask.distributed is not installed."""

    def __init__(self, what: str):
        super().__init__(f"{what} needs dask.distributed, which is not installed: {DASK_HINT}")


class WorkerCrashError(SweepError):
    """A local worker process died (killed by the OS, out of memory, a crash in native code)."""


class SweepInterrupted(SweepError):
    """The sweep was stopped by SIGINT (Ctrl-C) or SIGTERM; every finished run is in the store.

    ``exit_status`` is the conventional shell status for the signal (130 for SIGINT).
    """

    def __init__(self, store: str, saved: int, total: int, computed_now: int, exit_status: int = 130):
        self.store = store
        self.saved = saved
        self.total = total
        self.computed_now = computed_now
        self.exit_status = exit_status
        remaining = total - saved
        super().__init__(
            f"sweep interrupted: {saved} of {total} runs are saved in {store} ({computed_now} computed "
            f"just now); {remaining} remain: re-run the same command to resume")
