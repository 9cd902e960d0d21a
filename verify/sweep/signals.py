"""SIGINT and SIGTERM stop a training command alike: cleanly, with every finished run kept.

Python turns SIGINT (Ctrl-C) into KeyboardInterrupt, which the sweep runner and the training
commands answer by saving what is finished and saying so in one line; SIGTERM, what `timeout`,
job schedulers and `kill` send, would end the process at once instead, with no line, leaked
worker semaphores and exit status 143 from the shell.  Inside :func:`stopping_on_signals` both
raise KeyboardInterrupt, and :func:`interrupted_status` gives the conventional status for the
one that arrived (130 for SIGINT, 143 for SIGTERM), so that a scheduler can tell them apart.
Every command that trains (`bounds sweep run`, `bounds gap`, `bounds verify`) runs its work in
this block.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

STOPPING_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_received: list[int] = []


def _raise(signum: int, _frame: object) -> None:
    _received.append(signum)
    raise KeyboardInterrupt


@contextmanager
def stopping_on_signals() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise KeyboardInterrupt (SIGINT even when the shell started the
    process with it ignored); the previous handlers come back after it.  Only the main thread can set
    handlers: elsewhere the block changes nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _received.clear()
    previous = {signum: signal.signal(signum, _raise) for signum in STOPPING_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def interrupted_status() -> int:
    """128 + the signal that stopped the block last entered: 143 for SIGTERM, else 130 (SIGINT, Ctrl-C)."""
    return 128 + int(_received[-1] if _received else signal.SIGINT)
