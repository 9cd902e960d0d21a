"""Commands that join `bounds` from other packages, declared as entry points and imported when run.

A distribution adds a command to the one `bounds` CLI by declaring an entry point in the group
``bounds.commands``, e.g. in its pyproject.toml::

    [project.entry-points."bounds.commands"]
    sweep = "verify.sweep.cli:main"

`bounds sweep ...` imports that module then, and only then.  This is how the training commands
of :mod:`verify` join the CLI while the `bounds` package imports nothing from `verify` (the
layers point one way), and why `bounds compare` starts as fast as before: it never reads the
entry points nor imports a training module.

`bounds --help` lists every declared command without importing it, with the one-line help of
:data:`SHORT_HELP` (a test checks that each line equals the command's own); a third-party
command missing from that table is imported for its line.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # importlib.metadata is imported only when the entry points are read
    from importlib.metadata import EntryPoint

ENTRY_POINT_GROUP = "bounds.commands"

# `bounds --help` lines of the commands that this distribution declares in pyproject.toml: data,
# so that the listing imports none of them.  tests/test_cli_layers.py keeps them equal to the
# commands' own first sentences.
SHORT_HELP = {
    "gap": "Empirical minimal width m*(n), its exponent, and how loose each theorem is.",
    "report": "Figures, an HTML and a Markdown page from the results of `bounds gap`.",
    "sweep": "Resumable sweeps of training runs, on local processes or a Dask cluster.",
    "verify": "Train a network in ENTRY's own setting and check its guarantees, width by width.",
}


@functools.lru_cache(maxsize=1)
def declared_commands() -> dict[str, EntryPoint]:
    """The entry points of the group ``bounds.commands`` by command name (the first one of a name wins)."""
    from importlib.metadata import entry_points

    found: dict[str, EntryPoint] = {}
    for point in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(point.name, point)
    return found


def load_command(point: EntryPoint) -> click.Command:
    """The click command an entry point names; a failure is a one-line :class:`click.ClickException`."""
    try:
        command = point.load()
    except Exception as exc:  # noqa: BLE001 - a broken plug-in must not be a traceback
        raise click.ClickException(f"the command {point.name!r} ({point.value}) cannot be loaded: "
                                   f"{type(exc).__name__}: {exc}") from None
    if not isinstance(command, click.Command):
        raise click.ClickException(f"the command {point.name!r} ({point.value}) is not a click command")
    return command


class LazyCommands(click.Group):
    """A click group whose commands are its own plus those of the ``bounds.commands`` entry points.

    A declared command is imported by :meth:`get_command`, i.e. when it is run (or its help is
    asked for); the group's own commands shadow a declared one of the same name.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._loaded: dict[str, click.Command] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The group's own commands and the declared ones, sorted."""
        return sorted(set(super().list_commands(ctx)) | set(declared_commands()))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command called `cmd_name`, importing a declared one on first use; None if there is none."""
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        if cmd_name not in self._loaded:
            point = declared_commands().get(cmd_name)
            if point is None:
                return None
            self._loaded[cmd_name] = load_command(point)
        return self._loaded[cmd_name]

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of --help, without importing the declared commands listed in SHORT_HELP."""
        listed = click.Group(self.name)
        for name in self.list_commands(ctx):
            command = super().get_command(ctx, name) or self._loaded.get(name)
            if command is None and name in SHORT_HELP:
                command = click.Command(name, help=SHORT_HELP[name])
            if command is None:
                try:
                    command = self.get_command(ctx, name)
                except click.ClickException as exc:
                    command = click.Command(name, help=f"(unavailable: {exc.format_message()})")
            if command is not None:
                listed.add_command(command, name)
        click.Group.format_commands(listed, ctx, formatter)
