"""The training commands of the `bounds` CLI: `bounds verify` (and `--all`), `bounds gap`, `bounds report`.

They join the one `bounds` CLI through the entry points of the group ``bounds.commands``
(pyproject.toml; :mod:`bounds.cli.lazy`), imported only when run, so that the `bounds` package
imports nothing from here.  `bounds sweep` is :mod:`verify.sweep.cli`.  Errors are handled by
the `bounds` group (:class:`bounds.cli.OneLineGroup`): one line on stderr, exit status 2.
"""
