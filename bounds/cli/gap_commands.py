"""`bounds gap` (minimal-width scaling study) and `bounds report` (figures and pages from its results)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..errors import ParameterError
from . import main


MAX_STUDY_SIZE = 10**6  # no study trains on more samples or deeper networks than this


def _int_list(text: str, flag: str) -> tuple[int, ...]:
    """'16,32,64' -> (16, 32, 64); refuses 16.5, 1e400, inf, nan and empty items, naming the flag."""
    from ..numbers import number

    values = []
    for item in text.split(","):
        if not item.strip():
            raise ParameterError(f"{flag} expects comma-separated whole numbers, got {text!r}")
        try:
            value = number(item, flag)
        except ParameterError:
            raise ParameterError(f"{flag} expects comma-separated whole numbers, got {item.strip()!r}") from None
        if not (1 <= value <= MAX_STUDY_SIZE) or value != int(value):
            raise ParameterError(f"{flag} expects positive whole numbers (at most {MAX_STUDY_SIZE}), got {item.strip()!r}")
        values.append(int(value))
    if not values:
        raise ParameterError(f"{flag} expects comma-separated whole numbers, got {text!r}")
    return tuple(values)


class _Status:
    """One self-overwriting status line on stderr (plain lines when stderr is not a terminal)."""

    def __init__(self):
        self.tty = sys.stderr.isatty()
        self.trained = 0
        self.round = 0

    def on_round(self, number: int, searches: int) -> None:
        self.round = number
        self._show(f"round {number}: {searches} active searches", final=not self.tty)

    def on_progress(self, done: int, total: int) -> None:
        if self.tty:
            self._show(f"round {self.round + 1}: {done}/{total} runs of this round done")

    def _show(self, text: str, final: bool = False) -> None:
        if self.tty and not final:
            click.echo(f"\r\033[K{text}", err=True, nl=False)
        else:
            click.echo(text, err=True)

    def close(self) -> None:
        if self.tty:
            click.echo("\r\033[K", err=True, nl=False)


@main.command()
@click.option("--setting", default="two-layer", show_default=True,
              help="Network setting: two-layer (Du et al. 2019) or deep (Zou & Gu 2019, L hidden m x m layers).")
@click.option("--n", "ns", default="16,32,64,128", show_default=True, help="Comma-separated sample sizes.")
@click.option("--L", "Ls", default=None, help="Comma-separated depths, deep setting only [default: 2].")
@click.option("--seeds", default=3, show_default=True, type=int, help="Initialisation seeds per n (all must succeed).")
@click.option("--d", default=10, show_default=True, type=int, help="Input dimension of the sphere data.")
@click.option("--steps", default=2000, show_default=True, type=int, help="GD step budget of each run.")
@click.option("--eps", default=1e-3, show_default=True, type=float, help="Target training loss (the paper's normalisation).")
@click.option("--eta", default="auto", show_default=True, help="Step size: auto (1 / lambda_max of the kernel) or a number.")
@click.option("--labels", type=click.Choice(["random", "teacher"]), default="random", show_default=True)
@click.option("--max-width", default=1 << 15, show_default=True, type=int, help="Largest width tried.")
@click.option("--entry", "entries", multiple=True, help="Compare with these theorems only (default: all of the setting).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("gap-results"), show_default=True,
              help="Directory for runs.jsonl (resumable store), gap.json and the report.")
@click.option("--workers", type=int, help="Local worker processes [default: one per core].")
@click.option("--scheduler", help="Run on a Dask cluster: tcp://HOST:PORT.")
@click.option("--dask", "dask_mode", type=click.Choice(["local"]), help="Run on a Dask LocalCluster (--workers processes).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--report/--no-report", default=True, show_default=True, help="Write report.html/.md and figures into --out.")
def gap(setting, ns, Ls, seeds, d, steps, eps, eta, labels, max_width, entries, out_dir, workers, scheduler, dask_mode,
        fmt, report):
    """Empirical minimal width m*(n), its exponent, and how loose each theorem is.

    Example: bounds gap --setting two-layer --n 16,32,64,128,256 --seeds 3
             bounds gap --setting deep --n 16,32,64,128 --L 1,2,4 --seeds 3
    Interrupted? Run the same command again: finished runs are read from --out/runs.jsonl.
    """
    from verify.gap.study import StudySpec, run_study

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
    spec = StudySpec(setting=setting, ns=_int_list(ns, "--n"), Ls=depths, seeds=tuple(range(seeds)), d=d, steps=steps, eps=eps,
                     eta=eta_value, labels=labels, max_width=max_width, entries=tuple(entries) or None).check()
    if entries:
        import bounds

        catalog = bounds.catalog()
        for entry_id in entries:
            catalog.get(entry_id)  # unknown ids fail here, before any training
    status = _Status()
    try:
        result = run_study(spec, out_dir, workers=workers, scheduler=scheduler, dask_local=dask_mode == "local",
                           on_round=status.on_round, progress=status.on_progress,
                           log=lambda message: click.echo(f"note: {message}", err=True))
    finally:
        status.close()
    data = result.to_dict()
    _explain_unbounded(data)
    if report:
        from verify.gap.report import write_report

        written = write_report(out_dir, out_dir / "report.html")
        click.echo(f"wrote {written['html']} and {written['markdown']} (figures in {written['html'].parent / 'figures'})", err=True)
    if fmt == "json":
        from ..jsonio import dumps

        click.echo(dumps(data))
    else:
        click.echo(render_gap_table(data), nl=False)


def _explain_unbounded(data: dict) -> None:
    """Strict JSON writes an unbounded interval end as null: say why, in the notes."""
    import math

    unbounded = [key for key, value in data.items() if key.endswith("_ci") and isinstance(value, (list, tuple))
                 and any(isinstance(v, float) and not math.isfinite(v) for v in value)]
    if unbounded:
        data.setdefault("notes", []).append(
            f"{', '.join(unbounded)}: unbounded (null in JSON): too few sample sizes or seeds to bound the interval")


def render_gap_table(data: dict) -> str:
    """The study's answer as terminal tables."""
    from verify.gap.report import _tables, _summary_sentence

    head, body, loose_head, loose_body = _tables(data)

    def table(h, b):
        widths = [max(len(h[i]), *(len(r[i]) for r in b)) for i in range(len(h))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(h, widths)).rstrip(), "  ".join("-" * w for w in widths)]
        lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in b]
        return "\n".join(lines)

    out = [f"{data['setting']}: {data['model']}", f"criterion: {data['criterion']}", "", table(head, body), "",
           _summary_sentence(data), "", "Looseness (predicted width / empirical minimal width):", table(loose_head, loose_body)]
    out += [f"note: {note}" for note in data.get("notes", [])]
    return "\n".join(out) + "\n"


@main.command()
@click.argument("results", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), help="report.html (the .md and figures/ go beside it) [default: RESULTS/report.html].")
def report(results, output):
    """Figures, an HTML and a Markdown page from the results of `bounds gap`."""
    from verify.gap.report import write_report

    target = output or ((results if results.is_dir() else results.parent) / "report.html")
    written = write_report(results, target)
    click.echo(f"wrote {written['html']}, {written['markdown']} and {len(written) - 2} figures in {written['html'].parent / 'figures'}")
