"""`bounds gap` (minimal-width scaling study) and `bounds report` (figures and pages from its results)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bounds.errors import ParameterError

MAX_STUDY_SIZE = 10**6  # no study trains on more samples or deeper networks than this


def _int_list(text: str, flag: str) -> tuple[int, ...]:
    """'16,32,64' -> (16, 32, 64); refuses 16.5, 1e400, inf, nan and empty items, naming the flag."""
    from bounds.numbers import number

    values = []
    for item in text.split(","):
        if not item.strip():
            raise ParameterError(f"{flag} expects comma-separated whole numbers, got {text!r}")
        try:
            value = number(item, flag)
        except ParameterError:
            raise ParameterError(f"{flag} expects comma-separated whole numbers, got {item.strip()!r}") from None
        if not (1 <= value <= MAX_STUDY_SIZE) or value != int(value):
            raise ParameterError(f"{flag} expects positive whole numbers (at most {MAX_STUDY_SIZE}), "
                                 f"got {item.strip()!r}")
        values.append(int(value))
    if not values:
        raise ParameterError(f"{flag} expects comma-separated whole numbers, got {text!r}")
    return tuple(values)


def _name_int(text: str, flag: str) -> tuple[str, int]:
    name, sep, value = text.partition("=")
    try:
        number = int(value)
    except ValueError:
        number = 0
    if not sep or not name.strip() or number < 1:
        raise ParameterError(f"{flag} expects NAME=N with N a positive whole number (e.g. kernel=256), got {text!r}")
    return name.strip(), number


class _Status:
    """A progress bar on stderr: runs done of planned, elapsed time and ETA (plain lines when stderr is not a
    terminal).

    Runs differ in cost by orders of magnitude (the last rounds, at the largest n and near the
    threshold, are the slow ones), so once a search round that trained something has ended the
    ETA is that of the current search: the rounds its slowest search still needs
    (:meth:`verify.gap.search.WidthSearch.rounds_left`) times the last such round's duration.
    Before that it is the runs left at the mean pace so far.  Later searches (the stability
    check, other criteria) are not in it, and the line says so.
    """

    def __init__(self):
        import time

        self.tty = sys.stderr.isatty()
        self.clock = time.monotonic
        self.started = self.clock()
        self.round = 0
        self.first_done: int | None = None
        self.last_line = 0.0
        self.round_started = self.started
        self.done_at_round_start = 0
        self.round_seconds: float | None = None  # the last round that trained something
        self.rounds_left: int | None = None
        self.done = 0

    def on_round(self, number: int, searches: int, rounds_left: int) -> None:
        now = self.clock()
        trained = self.first_done is not None and self.done > self.done_at_round_start
        if trained:
            self.round_seconds = now - self.round_started
        self.round, self.rounds_left = number, rounds_left
        self.round_started, self.done_at_round_start = now, self.done
        if not self.tty:
            click.echo(f"round {number}: {searches} searches advanced, about {rounds_left} more in this search",
                       err=True)

    def on_progress(self, done: int, total: int) -> None:
        now = self.clock()
        if self.first_done is None:
            self.first_done, self.started = done, now  # runs read from the store do not count towards the rate
            self.done_at_round_start = done
        self.done = done
        fresh, elapsed = done - self.first_done, now - self.started
        if self.round_seconds is not None and self.rounds_left is not None:
            eta = f"~{_duration(self.rounds_left * self.round_seconds)} for this search"
        else:
            eta = "?" if fresh <= 0 else _duration(elapsed / fresh * max(total - done, 0))
        filled = int(24 * done / max(total, 1))
        text = (f"[{'#' * filled}{'.' * (24 - filled)}] {done}/~{total} runs, round {self.round + 1}, "
                f"{_duration(elapsed)} elapsed, ETA {eta}")
        if self.tty:
            click.echo(f"\r\033[K{text}", err=True, nl=False)
        elif now - self.last_line > 30:
            self.last_line = now
            click.echo(text, err=True)

    def close(self) -> None:
        if self.tty:
            click.echo("\r\033[K", err=True, nl=False)


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s"


@click.command()
@click.option("--setting", default="two-layer", show_default=True,
              help="Network setting: two-layer (Du et al. 2019) or deep (Zou & Gu 2019, L hidden m x m layers).")
@click.option("--n", "ns", default="16,32,64,128", show_default=True, help="Comma-separated sample sizes.")
@click.option("--L", "Ls", default=None, help="Comma-separated depths, deep setting only [default: 2].")
@click.option("--seeds", default=3, show_default=True, type=int, help="Initialisation seeds per n (all must succeed).")
@click.option("--d", default=10, show_default=True, type=int, help="Input dimension of the sphere data.")
@click.option("--criterion", "criteria", default="interpolation", show_default=True,
              help="What success means, comma-separated (the first is the headline): "
                   "interpolation[:F] (GD fits the data before stalling, cap F x T_kernel steps, F default 300), "
                   "kernel[:C] (within C x T_kernel steps, C default 2), rate[:F] (two-layer: within F x the steps at "
                   "which Du et al.'s proved rate (1 - eta lambda_0 / 2)^k reaches eps, F default 1), "
                   "budget (within --steps).")
@click.option("--criterion-max-n", "max_n", multiple=True,
              help="NAME=N: search a later criterion only for n <= N (e.g. kernel=256: kernel widths grow fast).")
@click.option("--steps", default=None, type=int, help="Step budget of the budget criterion (only it uses one).")
@click.option("--device", default="cpu", show_default=True,
              help="cpu (numpy float64) or cuda / cuda:N (torch float64 on that GPU).")
@click.option("--stability/--no-stability", default=True, show_default=True,
              help="Repeat the search at the largest n with the criterion's cap doubled, and report the change.")
@click.option("--eps", default=1e-3, show_default=True, type=float,
              help="Target training loss (the paper's normalisation).")
@click.option("--eta", default="auto", show_default=True,
              help="Step size: auto (1 / lambda_max of the kernel) or a number.")
@click.option("--labels", type=click.Choice(["random", "teacher"]), default="random", show_default=True)
@click.option("--max-width", default=1 << 15, show_default=True, type=int, help="Largest width tried.")
@click.option("--entry", "entries", multiple=True,
              help="Compare with these theorems only (default: all of the setting).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("gap-results"), show_default=True,
              help="Directory for runs.jsonl (resumable store), gap.json and the report.")
@click.option("--workers", type=int, help="Local worker processes [default: one per core].")
@click.option("--scheduler", help="Run on a Dask cluster: tcp://HOST:PORT.")
@click.option("--dask", "dask_mode", type=click.Choice(["local"]),
              help="Run on a Dask LocalCluster (--workers processes).")
@click.option("--catalog", "catalog_paths", multiple=True, type=click.Path(path_type=Path),
              help="Extra catalogue TOML file or directory (repeatable): "
                   "its theorems and relations join the comparison.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--report/--no-report", default=None,
              help="Write report.html/.md and figures into --out (needs matplotlib) "
                   "[default: when matplotlib is installed].")
def gap(setting, ns, Ls, seeds, d, criteria, max_n, steps, device, stability, eps, eta, labels, max_width, entries,
        out_dir, workers, scheduler, dask_mode, catalog_paths, fmt, report):
    """Empirical minimal width m*(n), its exponent, and how loose each theorem is.

    \b
    Examples:
      bounds gap --setting two-layer --n 32,64,128,256 --seeds 3 --criterion interpolation,kernel
      bounds gap --setting deep --n 32,64,128 --L 1,2,4 --seeds 3

    Interrupted? Run the same command again: finished runs are read from --out/runs.jsonl.
    The criteria, the plateau rule and the stability check: docs/gap.md.
    """
    from verify.gap.study import StudyInterrupted, StudySpec, run_study
    from verify.sweep.signals import interrupted_status, stopping_on_signals

    if seeds < 1:
        raise ParameterError("--seeds must be at least 1")
    eta_value: float | str = eta
    if eta != "auto":
        try:
            eta_value = float(eta)
        except ValueError:
            raise ParameterError(f"--eta must be 'auto' or a positive number, got {eta!r}") from None
        if not (eta_value > 0 and eta_value < float("inf")):
            raise ParameterError(f"--eta must be positive and finite, got {eta!r}")
    if workers is not None and workers < 1:
        raise ParameterError("--workers must be at least 1")
    if out_dir.exists() and not out_dir.is_dir():
        raise ParameterError(f"--out {out_dir} is a file; give a directory for the study's results")
    depths = _int_list(Ls, "--L") if Ls is not None else ()
    report, no_report_note = _report_wanted(report, out_dir)  # before any training (JSON and tables need no matplotlib)
    if scheduler is not None or dask_mode:
        from bounds.errors import require

        require("dask.distributed", "--scheduler / --dask", "dask", "dask[distributed]")  # before any training
    if device != "cpu":
        from verify.train_torch import TorchBackend

        TorchBackend(device, "float64")  # a missing GPU or torch fails here, before any training
    rules = tuple(c.strip() for c in criteria.split(",") if c.strip())
    spec = StudySpec(setting=setting, ns=_int_list(ns, "--n"), Ls=depths, seeds=tuple(range(seeds)), d=d,
                     criteria=rules, steps=steps, eps=eps, eta=eta_value, labels=labels, max_width=max_width,
                     entries=tuple(entries) or None, device=device, stability=stability,
                     max_n=tuple(_name_int(t, "--criterion-max-n") for t in max_n)).check()
    import bounds

    catalog = bounds.catalog(catalog_paths)  # a bad file fails here, before any training
    for entry_id in entries:
        catalog.get(entry_id)  # so do unknown ids
    if no_report_note:
        click.echo(no_report_note, err=True)  # after the arguments were checked: an error stays the one line
    status = _Status()
    try:
        with stopping_on_signals():  # SIGTERM (timeout, a scheduler, kill) stops the study as Ctrl-C does
            result = run_study(spec, out_dir, workers=workers, scheduler=scheduler, dask_local=dask_mode == "local",
                               on_round=status.on_round, progress=status.on_progress,
                               log=lambda message: click.echo(f"note: {message}", err=True), catalog=catalog)
    except StudyInterrupted as exc:
        exc.exit_status = interrupted_status()  # one line from the group, with 130 or 143
        raise
    except KeyboardInterrupt:  # outside a round (before the first, or while summarising): the store is whole
        status.close()
        click.echo(f"interrupted: gap study stopped; every finished run is in {out_dir / 'runs.jsonl'}: re-run the "
                   "same command to resume", err=True)
        click.get_current_context().exit(interrupted_status())
    finally:
        status.close()
    data = result.to_dict()
    if report:
        from verify.gap.report import write_report

        written = write_report(out_dir, out_dir / "report.html")
        figures = written["html"].parent / "figures"
        click.echo(f"wrote {written['html']} and {written['markdown']} (figures in {figures})", err=True)
    if fmt == "json":
        from bounds.jsonio import dumps

        click.echo(dumps(data))
    else:
        click.echo(render_gap_table(data), nl=False)


def _report_wanted(report: bool | None, out_dir: Path) -> tuple[bool, str]:
    """Whether to write the report (asked for, refused, or by default when possible), and a note.

    Checked before any training.  An explicit --report without matplotlib is an error naming
    the extra to install; the default skips the report, with a one-line note for stderr, so
    that `bounds gap --format json` runs where matplotlib is not installed.
    """
    from bounds.errors import MissingDependencyError
    from bounds.plotting import require_matplotlib

    if report is False:
        return False, ""
    if report is True:
        require_matplotlib("--report")
        return True, ""
    try:
        require_matplotlib("the report")
    except MissingDependencyError as exc:
        return False, f"note: no report ({exc}); the results are in {out_dir / 'gap.json'}"
    return True, ""


def render_gap_table(data: dict) -> str:
    """The study's answer as terminal tables."""
    from verify.gap.report import render_text

    return render_text(data)


@click.command()
@click.argument("results", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="report.html (the .md and figures/ go beside it) [default: RESULTS/report.html].")
def report(results, output):
    """Figures, an HTML and a Markdown page from the results of `bounds gap`."""
    from verify.gap.report import write_report

    target = output or ((results if results.is_dir() else results.parent) / "report.html")
    written = write_report(results, target)
    figures = written["html"].parent / "figures"
    click.echo(f"wrote {written['html']}, {written['markdown']} and {len(written) - 2} figures in {figures}")
