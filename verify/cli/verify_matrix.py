"""`bounds verify --all`: the verdict matrix of the whole catalogue (engine: verify.matrix).

Every theorem is one run of the sweep store under the report directory, so an interrupted
matrix resumes where it stopped; runs go to local worker processes or to Dask like `bounds gap`.
"""

from __future__ import annotations

import shlex
import sys

import click

from bounds.errors import BoundsError


class _Bar:
    """done/total theorems on stderr (a redrawn line on a terminal, a line every 30 s otherwise)."""

    def __init__(self):
        import time

        self.clock, self.tty, self.last = time.monotonic, sys.stderr.isatty(), 0.0

    def __call__(self, done: int, total: int) -> None:
        filled = int(24 * done / max(total, 1))
        text = f"[{'#' * filled}{'.' * (24 - filled)}] {done}/{total} theorems"
        if self.tty:
            click.echo(f"\r\033[K{text}", err=True, nl=False)
        elif self.clock() - self.last > 30 or done == total:
            self.last = self.clock()
            click.echo(text, err=True)

    def close(self) -> None:
        if self.tty:
            click.echo("\r\033[K", err=True, nl=False)


def run_matrix(ctx: click.Context, *, n, L, d, seed, widths, max_steps, eps, max_params, memory_budget, report_dir,
               workers, scheduler, dask_mode, fmt, only, catalog_paths, backend="numpy", device="cpu",
               dtype=None, sgd_draws=1) -> None:
    import bounds
    from verify.matrix import (
        matrix_configs,
        matrix_rows,
        matrix_task,
        parse_ladder,
        render_html,
        render_markdown,
        summary_counts,
    )
    from verify.records import dumps
    from verify.sweep import ResultStore, SweepError, SweepInterrupted, config_key, run_sweep
    from verify.sweep.signals import interrupted_status, stopping_on_signals

    if catalog_paths:
        raise BoundsError("--catalog is not supported with --all (the matrix covers the installed catalogue)")
    n = 64 if n is None else n
    if n < 2:
        raise BoundsError(f"--n must be at least 2, got {n}")
    if max_steps < 0:
        raise BoundsError(f"--max-steps must be non-negative, got {max_steps}")
    if not max_params >= 1:
        raise BoundsError(f"--max-params must be at least 1, got {max_params:g}")
    ladder = parse_ladder(widths)
    from verify.verdict import make_backend

    make_backend(backend, device, dtype)  # a missing torch or GPU is reported before any work
    entries = list(bounds.catalog())
    if only:
        entries = [e for e in entries if any(pattern in e.id for pattern in only)]
        if not entries:
            raise BoundsError(f"--only {' '.join(only)}: no catalogued theorem matches")
    configs = matrix_configs(entries, n=n, widths=ladder, d=10 if d is None else d, L=2 if L is None else L, seed=seed,
                             max_steps=max_steps, eps=eps, max_params=max_params, memory_budget=memory_budget,
                             backend=backend, device=device, dtype=dtype, sgd_draws=sgd_draws)
    keys = {c["entry"]: config_key(c) for c in configs}
    report_dir.mkdir(parents=True, exist_ok=True)
    store_path = report_dir / "store.jsonl"
    bar = _Bar()
    try:
        with stopping_on_signals():  # SIGTERM stops the matrix as Ctrl-C does, status 143
            summary = run_sweep(configs, matrix_task, store_path, workers=workers, scheduler=scheduler,
                                dask_local=dask_mode == "local", progress=bar,
                                log=lambda m: click.echo(f"note: {m}", err=True))
    except SweepInterrupted as exc:
        bar.close()
        click.echo(f"interrupted: {exc}", err=True)  # the message says how to resume
        ctx.exit(interrupted_status())
    except SweepError as exc:
        bar.close()
        raise BoundsError(str(exc)) from None
    bar.close()
    rows = matrix_rows(entries, ResultStore(store_path).load(), keys)
    command = "bounds verify --all " + " ".join(shlex.quote(a) for a in sys.argv[sys.argv.index("--all") + 1:]) \
        if "--all" in sys.argv else "bounds verify --all"
    meta = {"command": command, "n": n, "widths": ladder, "max_steps": max_steps, "max_params": max_params, "eps": eps,
            "seed": seed, "store": str(store_path), "counts": summary_counts(rows), "sweep": summary.describe()}
    (report_dir / "matrix.md").write_text(render_markdown(rows, meta), encoding="utf-8")
    (report_dir / "matrix.html").write_text(render_html(rows, meta), encoding="utf-8")
    document = {"meta": meta, "rows": rows}
    (report_dir / "matrix.json").write_text(dumps(document) + "\n", encoding="utf-8")
    if fmt == "json":
        click.echo(dumps(document))
    else:
        from verify.matrix import COLUMN_TITLES, COLUMNS, cell_text

        for row in rows:
            if row["status"] == "verified":
                cells = "; ".join(f"{COLUMN_TITLES[k]}: {cell_text(row['cells'][k])}" for k in COLUMNS
                                  if row["cells"][k]["verdict"] != "not stated")
                click.echo(f"{row['entry']}: {cells}")
            else:
                click.echo(f"{row['entry']}: {row['status']} ({row.get('reason', '')})")
        click.echo(summary.describe())
        click.echo(f"report     {report_dir / 'matrix.md'}, {report_dir / 'matrix.html'}, {report_dir / 'matrix.json'}")
    if summary.failed:
        ctx.exit(1)
