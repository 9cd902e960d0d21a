"""``bounds sweep``: run a sweep from the shell, and inspect a store.

::

    bounds sweep run --task du2019 --grid n=16,32 --grid width=100,1000 --grid seed=0,1 \\
        --set steps=500 --store results.jsonl [--workers 2 | --dask local | --scheduler tcp://HOST:PORT]
    bounds sweep show --store results.jsonl [--failed]

The group joins the `bounds` CLI through the ``bounds.commands`` entry point ``sweep``
(:mod:`bounds.cli.lazy`); ``python -m verify.sweep`` runs the same group on its own, with the
same messages and exit statuses.

``--task`` is a named task (``du2019``: :func:`~verify.sweep.tasks.train_du2019`, whose
defaults :func:`~verify.sweep.tasks.du2019_config` fills in; ``zou-gu2019``: the deep network of
:func:`~verify.sweep.tasks.train_zou_gu2019`, which also needs ``L``; ``toy``:
:func:`~verify.sweep.toy.toy_task`) or ``module:function``.  Configurations come from
``--configs FILE`` (a JSON list of objects, or JSON Lines) or from ``--grid NAME=V1,V2,...``
axes; ``--set NAME=VALUE`` adds a field to each.  Values are read as JSON where they parse
(``16``, ``1e-3``, ``true``), else as strings.

Exit status: 0 done; 1 done but some runs failed (re-running retries them); 2 a user error
(one line on stderr); 130 (143) interrupted by SIGINT (SIGTERM), with every finished run saved.
Errors are handled by :class:`bounds.cli.OneLineGroup`, as for every `bounds` command; this
module only turns the signal that stopped a sweep into its status.
"""

from __future__ import annotations

import importlib
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from bounds.cli import CONTEXT_SETTINGS, OneLineGroup

from .errors import SweepError, SweepInterrupted
from .grid import product_grid
from .runner import run_sweep
from .signals import interrupted_status, stopping_on_signals
from .store import ResultStore
from .worker import Task


def _named_tasks() -> dict[str, tuple[Task, Callable[..., dict]]]:
    from .tasks import du2019_config, train_du2019, train_zou_gu2019, zou_gu2019_config
    from .toy import toy_task

    return {"du2019": (train_du2019, du2019_config), "zou-gu2019": (train_zou_gu2019, zou_gu2019_config),
            "toy": (toy_task, dict)}


def resolve_task(spec: str) -> tuple[Task, Callable[..., dict]]:
    """A task and the function that completes its configurations, from a name or ``module:function``."""
    named = _named_tasks()
    if spec in named:
        return named[spec]
    module_name, sep, qualname = spec.partition(":")
    if not sep or not module_name or not qualname:
        raise SweepError(f"--task {spec!r}: use one of {', '.join(named)}, or module:function")
    try:
        target: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise SweepError(f"--task {spec}: cannot import {module_name} ({exc})") from None
    for part in qualname.split("."):
        if not hasattr(target, part):
            raise SweepError(f"--task {spec}: {module_name} has no {qualname}")
        target = getattr(target, part)
    return target, dict


def parse_value(text: str, where: str = "value") -> Any:
    """A JSON value where `text` parses as one (16, 1e-3, true, null, "x"), else the string itself.

    Numbers must be finite: 1e400 (which JSON reads as infinity), NaN and Infinity are refused,
    naming `where` (the option and field), because a store holds strict JSON only.
    """
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError:
        return text
    except ValueError:
        raise SweepError(f"{where}: {text!r} is not a finite number") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise SweepError(f"{where}: {text!r} is not a finite number (beyond float range)")
    _check_finite(value, where)
    return value


def _refuse_constant(name: str):
    raise ValueError(name)


def _check_finite(value: Any, where: str) -> None:
    """Refuse infinite and NaN numbers anywhere inside a configuration value."""
    import math

    if isinstance(value, float) and not math.isfinite(value):
        raise SweepError(f"{where}: {value!r} is not a finite number (a store holds strict JSON)")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_finite(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_finite(item, f"{where}[{index}]")


def _assignment(option: str, text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise SweepError(f"{option} {text!r}: expected NAME=VALUE")
    return name.strip(), value


def read_configs(path: Path) -> list[dict]:
    """Configurations from a JSON list of objects, or from JSON Lines (one object per line)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SweepError(f"cannot read --configs {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise SweepError(f"--configs {path}: not UTF-8 text (byte {exc.start}); expected JSON") from None
    lines = None
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
        configs = value if isinstance(value, list) else [value]
    except ValueError:  # JSONDecodeError, or NaN / Infinity in a single document: try JSON Lines
        configs, lines = [], []
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    configs.append(json.loads(line, parse_constant=_refuse_constant))
                    lines.append(number)
                except json.JSONDecodeError as exc:
                    raise SweepError(f"{path}:{number}: not JSON ({exc.msg})") from None
                except ValueError as exc:
                    raise SweepError(f"{path}:{number}: {exc} is not a finite number") from None
    except RecursionError:
        raise SweepError(f"--configs {path}: JSON nested too deeply") from None
    for index, config in enumerate(configs):
        where = f"{path}:{lines[index]}" if lines else f"{path}: configuration {index}"
        if not isinstance(config, dict):
            raise SweepError(f"{where} is not a JSON object")
        _check_finite(config, where)
    return configs


def build_configs(configs_file: Path | None, grid: tuple[str, ...], fixed: tuple[str, ...],
                  complete: Callable[..., dict]) -> list[dict]:
    """The sweep's configurations from the command line, completed by the task's builder."""
    if (configs_file is None) == (not grid):
        raise SweepError("give the configurations either as --configs FILE or as --grid NAME=V1,V2 axes")
    extra = {
        name: parse_value(value, f"--set {name}") for name, value in (_assignment("--set", item) for item in fixed)
    }
    if configs_file is not None:
        points = [{**config, **extra} for config in read_configs(configs_file)]
    else:
        axes = {}
        for item in grid:
            name, values = _assignment("--grid", item)
            axes[name] = [parse_value(v, f"--grid {name}") for v in values.split(",")]
        points = product_grid(extra, **axes)
    try:
        return [complete(**point) for point in points]
    except TypeError as exc:
        raise SweepError(f"the task's configuration does not take these fields: {exc}") from None


class _Bar:
    """A progress bar on stderr, fed with progress(done, total)."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._done = 0

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            self._bar = click.progressbar(length=max(total, 1), label="sweep", file=sys.stderr, show_pos=True,
                                          show_eta=True, width=30)
            self._bar.__enter__()
        self._bar.update(done - self._done)
        self._done = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


@click.group(name="sweep", cls=OneLineGroup, context_settings=CONTEXT_SETTINGS)
def main() -> None:
    """Resumable sweeps of training runs, on local processes or a Dask cluster."""


@main.command()
@click.option("--task", "task_spec", required=True, help="du2019, toy, or module:function.")
@click.option("--store", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="JSONL result store (created; resumed if it exists).")
@click.option("--configs", "configs_file", type=click.Path(dir_okay=False, path_type=Path),
              help="JSON list (or JSON Lines) of configurations.")
@click.option("--grid", multiple=True, metavar="NAME=V1,V2,...", help="A grid axis (repeat for a product).")
@click.option("--set", "fixed", multiple=True, metavar="NAME=VALUE", help="A field added to every configuration.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Local worker processes, or LocalCluster workers with --dask local [default: cores].")
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT", help="Run on this Dask scheduler.")
@click.option("--dask", "dask_mode", type=click.Choice(["local"]), default=None,
              help="--dask local: run on a Dask LocalCluster of --workers processes.")
@click.option("--retry-failed/--keep-failed", default=True, show_default=True,
              help="Redo runs whose stored record is a failure.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.pass_context
def run(ctx: click.Context, task_spec: str, store: Path, configs_file: Path | None, grid: tuple[str, ...],
        fixed: tuple[str, ...], workers: int | None, scheduler: str | None, dask_mode: str | None, retry_failed: bool,
        quiet: bool) -> None:
    """Run every configuration whose result is not in STORE yet (re-running resumes)."""
    task, complete = resolve_task(task_spec)
    configs = build_configs(configs_file, grid, fixed, complete)
    bar = _Bar() if not quiet and sys.stderr.isatty() else None
    try:
        with stopping_on_signals():  # SIGINT and SIGTERM both stop the sweep cleanly
            summary = run_sweep(configs, task, store, workers=workers, scheduler=scheduler,
                                dask_local=dask_mode == "local", progress=bar, retry_failed=retry_failed,
                                log=lambda message: click.echo(f"warning: {message}", err=True))
    except SweepInterrupted as exc:
        exc.exit_status = interrupted_status()  # printed as one line by the group, with this status
        raise
    except KeyboardInterrupt:  # before the sweep started: nothing was written
        click.echo("interrupted before any run started", err=True)
        ctx.exit(interrupted_status())
    finally:
        if bar is not None:
            bar.close()
    click.echo(summary.describe())
    if summary.failed:
        click.echo(f"error: {summary.failed} of {summary.computed} runs failed (see `bounds sweep show "
                   f"--failed --store {store}`); re-running retries them", err=True)
        ctx.exit(1)


@main.command()
@click.option("--store", required=True, type=click.Path(dir_okay=False, path_type=Path), help="JSONL result store.")
@click.option("--failed", "show_failed", is_flag=True, help="List the failed runs with their errors.")
def show(store: Path, show_failed: bool) -> None:
    """Count the records of STORE by task and status (read-only: safe while a sweep writes it)."""
    if not store.exists():
        raise SweepError(f"no sweep store at {store}")
    reader = ResultStore(store)
    records = reader.load()
    for message in reader.warnings:
        click.echo(f"warning: {message}", err=True)
    counts: dict[tuple[str, str], int] = {}
    for record in records.values():
        counts[record.task, record.status] = counts.get((record.task, record.status), 0) + 1
    click.echo(f"{store}: {len(records)} distinct configurations")
    for (task, status), count in sorted(counts.items()):
        click.echo(f"  {task}  {status}  {count}")
    if show_failed:
        for record in records.values():
            if not record.ok:
                click.echo(f"line {record.line}: {json.dumps(record.config, sort_keys=True)}\n  {record.error}")
