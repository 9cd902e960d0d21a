"""Exceptions that the CLI turns into one-line messages with exit status 2.

Every error a user can cause (bad parameters, unknown ids, malformed catalogue files,
expressions naming unknown symbols) derives from :class:`BoundsError`, so that the CLI can
report it without a traceback and API users can catch one type.
"""

from __future__ import annotations

import contextvars

#: True while the `bounds` command runs: messages then name flags (--n) instead of arguments (n=).
_CLI = contextvars.ContextVar("bounds_cli_messages", default=False)


def cli_messages(active: bool = True, token: contextvars.Token | None = None) -> contextvars.Token | None:
    """Name command-line flags rather than Python arguments in messages (set by the CLI).

    Returns a token; ``cli_messages(token=token)`` restores what was before.
    """
    if token is not None:
        _CLI.reset(token)
        return None
    return _CLI.set(active)


def argument(flag: str | None, name: str) -> str:
    """How to call a setting in a message: its flag on the command line, `name` in the API."""
    return flag if (_CLI.get() and flag) else name


class BoundsError(Exception):
    """Base class of user-facing errors."""


class ExpressionError(BoundsError):
    """An expression string was refused: syntax, unknown symbol, or forbidden construct."""

    def __init__(self, message: str, text: str | None = None, column: int | None = None):
        self.text = text
        self.column = column
        where = f" (column {column + 1})" if column is not None else ""
        super().__init__(f"{message}{where}")


class CatalogError(BoundsError):
    """A catalogue file is malformed; the message names the file, line and field."""

    def __init__(self, path: str, line: int | None, field: str | None, message: str):
        self.path = path
        self.line = line
        self.field = field
        location = path if line is None else f"{path}:{line}"
        field_part = f" [{field}]" if field else ""
        super().__init__(f"{location}{field_part}: {message}")


class UnknownEntryError(BoundsError):
    """No catalogue entry has the requested id; the message suggests the nearest ids."""

    def __init__(self, entry_id: str, suggestions: list[str]):
        self.entry_id = entry_id
        self.suggestions = suggestions
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown theorem id {entry_id!r}{hint} (see `bounds list`)")


class ParameterError(BoundsError):
    """A parameter value is out of its domain, or one a bound needs was not given."""


class MissingParameterError(ParameterError):
    """A bound needs a parameter that has no value, no default and no relation."""

    def __init__(self, symbol: str, flag: str | None, entry_id: str | None = None, subject: str | None = None):
        self.symbol = symbol
        self.flag = flag
        self.entry_id = entry_id
        subject = subject or (f"{entry_id} needs" if entry_id else "needs")
        if flag and not _CLI.get() and flag.startswith("--"):
            flag = f"{symbol}=..."
        how = f"; pass {flag}" if flag else ""
        super().__init__(f"{subject} {symbol}, which was not given{how}")


class MissingDependencyError(BoundsError):
    """An optional package is not installed; the message names the pip extra that brings it."""

    def __init__(self, purpose: str, package: str, extra: str):
        self.package = package
        self.extra = extra
        super().__init__(f"{purpose} needs {package}: pip install 'overparam-bounds[{extra}]'")


def require(module: str, purpose: str, extra: str, package: str | None = None):
    """Import an optional module, or raise :class:`MissingDependencyError` naming its pip extra.

    Called before any work is done (training, evaluating a catalogue), so that a missing
    package costs the user seconds, not a study.
    """
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingDependencyError(purpose, package or module.split(".")[0], extra) from None
