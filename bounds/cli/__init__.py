"""The `bounds` command: a thin shell over the Python API.

Errors a user can cause come out as one line on stderr with exit status 2; an unexpected
failure prints one line too (rerun with BOUNDS_DEBUG=1 for the traceback).  That handling is
:class:`OneLineGroup`'s, shared by every command, those of other packages included.

The catalogue commands are this package's own (:mod:`.catalog_commands`).  The commands that
train (`verify`, `gap`, `report`, `sweep`) live in :mod:`verify` and join through the entry
points of :mod:`.lazy`, imported only when run: the `bounds` package imports nothing from `verify`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys

import click

from ..errors import BoundsError, cli_messages
from .catalog_commands import COMMANDS
from .lazy import LazyCommands

_NoArgsIsHelp = getattr(click.exceptions, "NoArgsIsHelpError", ())


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())


class OneLineErrors:
    """Mixin for a click group: usage errors in one line (exit 2), Ctrl-C as exit 130, a
    failed stdout (a full disk) as exit 2, instead of click's four-line usage text and its
    'Aborted!' with exit 1.  Shared by `bounds` and by every group that also runs on its own."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """Usage errors in one line (exit 2), Ctrl-C as exit 130, a failed stdout as exit 2."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            status = super().main(args, prog_name, complete_var, False, **extra)
        except _NoArgsIsHelp as exc:  # `bounds` alone: the help, as before
            click.echo(exc.ctx.get_help() if exc.ctx is not None else exc.format_message())
            status = 0
        except click.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx is not None else "bounds"
            click.echo(f"error: {_one_line(exc.format_message())} (see `{command} --help`)", err=True)
            status = 2
        except click.ClickException as exc:
            click.echo(f"error: {_one_line(exc.format_message())}", err=True)
            status = 2
        except (click.Abort, KeyboardInterrupt, EOFError):
            click.echo("interrupted", err=True)
            status = 130
        status = status if isinstance(status, int) else 0
        try:
            sys.stdout.flush()
        except OSError as exc:
            _silence_stdout()
            if exc.errno != errno.EPIPE:
                click.echo(f"error: cannot write to standard output: {exc.strerror or exc}", err=True)
                status = status or 2
        sys.exit(status)


class OneLineGroup(OneLineErrors, click.Group):
    """Click group that turns library errors into one-line messages, never tracebacks.

    A :class:`~bounds.errors.BoundsError` is one line and exit 2 (or the error's own
    ``exit_status``: 130 for an interrupted run); an unreadable or unwritable file is one line
    and exit 2; anything else one line and exit 1.  Groups of other packages subclass it.
    """

    def invoke(self, ctx: click.Context):
        token = cli_messages(True)
        try:
            return self._invoke(ctx)
        finally:
            cli_messages(token=token)

    def _invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BoundsError as exc:
            # Errors that carry their own status (an interrupted sweep: 128 + the signal) keep it.
            status = getattr(exc, "exit_status", 2)
            click.echo(f"{'interrupted' if status > 128 else 'error'}: {exc}", err=True)
            ctx.exit(status)
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:
            _silence_stdout()
            ctx.exit(0)
        except OSError as exc:
            # A file that cannot be written or read (a full disk, /proc/x, a directory): the
            # user's to fix, so one line and status 2.
            if os.environ.get("BOUNDS_DEBUG"):
                raise
            if exc.errno == errno.EPIPE:
                _silence_stdout()
                ctx.exit(0)
            if exc.filename:
                click.echo(f"error: {exc.strerror or exc}: {exc.filename}", err=True)
            else:
                click.echo(f"error: cannot write output: {exc.strerror or exc}", err=True)
            ctx.exit(2)
        except Exception as exc:  # noqa: BLE001 - last line of defence against tracebacks
            if os.environ.get("BOUNDS_DEBUG"):
                raise
            click.echo(f"internal error: {type(exc).__name__}: {exc} (set BOUNDS_DEBUG=1 for details)", err=True)
            ctx.exit(1)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush cannot fail again."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    with contextlib.suppress(OSError):
        # Not a `with` block: the file is meant to outlive this function, as sys.stdout until exit.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - it replaces sys.stdout on purpose


CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class _Main(LazyCommands, OneLineGroup):
    """The `bounds` group: the catalogue commands, the declared (lazily imported) ones, one-line errors."""


@click.group(cls=_Main, commands=COMMANDS, context_settings=CONTEXT_SETTINGS)
@click.version_option(package_name="overparam-bounds")
def main() -> None:
    """Published width and iteration bounds for over-parameterized networks: list, compare, plot."""
