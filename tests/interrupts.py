"""Interrupting a child process the way a terminal does, whatever the test suite itself was started by."""

from __future__ import annotations

import signal


def interactive_sigint() -> None:
    """`preexec_fn` for a child that a test interrupts with SIGINT: restore SIGINT's default action.

    A shell without job control starts background commands with SIGINT ignored, and Python
    keeps an ignored SIGINT ignored (no KeyboardInterrupt), as it should: such a job is meant
    to be immune to Ctrl-C.  When the test suite itself runs in the background (``.ci/run &``),
    its children would inherit that; the interruption tests model a command run in a terminal.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)

