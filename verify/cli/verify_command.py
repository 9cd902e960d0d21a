"""`bounds verify ENTRY`: train in the entry's own setting and check its guarantees.

Heavy modules (numpy training, torch, matplotlib) are imported inside the command, so that the
other commands start as fast as before.
"""

from __future__ import annotations

import contextlib
import math
import sys
import time
from pathlib import Path

import click

from bounds.cli.constants import const_option, constants_for, parse_constants
from bounds.errors import BoundsError


class _Progress:
    """A click progress bar on stderr, redrawn at most ten times a second."""

    def __init__(self, label: str, total: int):
        self._bar = click.progressbar(length=max(total, 1), label=label, file=sys.stderr, show_pos=True,
                                      show_eta=True, width=30)
        self._bar.__enter__()
        self._pending = 0
        self._last = 0.0

    def update(self, steps: int) -> None:
        self._pending += steps
        now = time.monotonic()
        if now - self._last >= 0.1:
            self._bar.update(self._pending)
            self._pending, self._last = 0, now

    def close(self) -> None:
        if self._pending:
            self._bar.update(self._pending)
        self._bar.__exit__(None, None, None)


def _check_writable(path: Path, flag: str) -> None:
    """Refuse a file that cannot be written now, before any work whose results it would hold."""
    existed = path.exists()
    try:
        with open(path, "ab"):
            pass
    except OSError as exc:
        raise BoundsError(f"{flag} {path}: cannot write ({exc.strerror or exc})") from None
    if not existed:
        with contextlib.suppress(OSError):
            path.unlink()


def _number(value: float | None, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float) and math.isinf(value):
        return "inf"
    if value == int(value) and abs(value) < 1e7:
        return str(int(value))
    return f"{value:.{digits}g}"


def _cell(g) -> str:
    status = {True: "held", False: "FAILED", None: "n/a"}[g.held]
    return f"{status} {_number(g.measured)} / {_number(g.predicted)}"


def _summary(verdict) -> str:
    """The human-readable verdict: header lines, then one row per guarantee and one column per width."""
    ev = verdict.evaluation
    lines = [
        f"entry      {verdict.entry_id}  (arXiv {verdict.arxiv}, confidence: {verdict.confidence})",
        f"model      {verdict.model['name']}",
        f"data       {verdict.data['name']}: delta = {verdict.delta:.4g}, lambda_0 = {verdict.lambda_0:.4g}",
    ]
    tr = verdict.training
    if tr:
        batches = f", batch B = {tr['batch_size']} ({tr['sampling']})" if tr.get("batch_size") else ", full batch"
        run = tr["algorithm"] + batches
        lines.append(f"training   {run}, {'logistic' if tr.get('loss') == 'logistic' else 'squared'} loss; the theorem "
                     f"states {tr.get('stated_algorithm', 'GD')} and guarantees {verdict.guarantee}"
                     + (f"; {tr['test_points']} held-out points" if tr.get("test_points") else ""))
    undefined = math.isnan(verdict.predicted_width_log10)
    width = ("none (the entry gives no width here)" if undefined else
             f"{verdict.predicted_width}" if verdict.predicted_width is not None and verdict.predicted_width < 10**9
             else f"10^{verdict.predicted_width_log10:.2f}")
    parts = [f"width {width}"]
    if ev["step_size_log10"] is not None:
        parts.append(f"step size {10 ** ev['step_size_log10']:.3g}")
    if ev["iterations_log10"] is not None:
        parts.append(f"iterations {10 ** ev['iterations_log10']:.3g}")
    lines.append("predicted  " + ", ".join(parts) + "  (hidden constants as set; default 1)")
    from verify.memory import format_bytes

    fits = "fits" if verdict.feasible else "does NOT fit"
    if not undefined:
        lines.append(f"memory     the predicted width needs {format_bytes(verdict.predicted_memory_bytes)}: {fits} the "
                     f"budget of {format_bytes(verdict.memory_budget)}; largest feasible width "
                     f"{verdict.largest_feasible_width}")
    for note in ev["warnings"]:
        lines.append(f"warning    {note}")
    trained = [r for r in verdict.results if r.trained]
    if trained:
        names = [g.name for g in trained[0].guarantees]
        headers = ["guarantee"] + [f"width {r.width} ({r.label})" if r.label not in (str(r.width),)
                                   else f"width {r.width}" for r in trained]
        rows = [["steps run"] + [f"{r.steps} (eta {r.eta:.3g})" for r in trained]]
        for i, name in enumerate(names):
            rows.append([name] + [_cell(r.guarantees[i]) for r in trained])
        from bounds.tables import Table, render

        lines.append("")
        lines.append(render(Table(headers, rows), "text"))
        lines.append("cells: verdict, measured / predicted (see docs/verify.md for each guarantee)")
    for message in verdict.messages:
        lines.append(f"note       {message}")
    return "\n".join(lines)


def load_data(entry, data: str, n, d, delta, labels, seed: int, budget, test_n):
    """The training set and the held-out set (None when test_n is 0) of a verify run.

    Held-out points come from the same draw as the training points (one teacher, one sphere):
    the first n rows train, the next test_n are held out.  Classification entries default to
    n held-out points and to teacher labels (random signs cannot generalise).
    """
    from verify.data import digits, holdout, load_arrays, make_dataset
    from verify.models import loss_kind

    classification = loss_kind(entry) == "logistic"
    if test_n is None:
        test_n = (n or 0) if classification and data in ("sphere", "digits") else 0
    if labels is None:
        labels = "teacher" if classification else "random"
    if data == "sphere":
        dataset = make_dataset("sphere", n + test_n, d=d, delta=delta, labels=labels, seed=seed, memory_budget=budget)
    else:
        if d is not None or delta is not None:
            raise BoundsError("--d and --delta apply to --data sphere only")
        if data == "digits":
            dataset = digits(None if n is None else n + test_n, seed=seed)
        else:
            dataset = load_arrays(data, n=None if n is None else n + test_n, memory_budget=budget)
    if not test_n:
        return dataset, None
    return holdout(dataset, test_n)


def _plot(verdict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for result in verdict.results:
        if not result.trained:
            continue
        line, = ax.semilogy(range(len(result.losses)), result.losses, label=f"width {result.width}")
        rate = result.numbers.get("predicted_rate")
        if result.numbers.get("loss") == "logistic":
            rate = None  # the logistic loss has no linear rate to draw
        if rate is not None and 0 < rate < 1:
            steps = range(len(result.losses))
            ax.semilogy(steps, [result.losses[0] * rate**k for k in steps], "--", color=line.get_color(), alpha=0.6,
                        label=f"theory rate {rate:.4g}")
    ax.set_xlabel("SGD step" if verdict.training.get("algorithm") == "SGD" else "GD step")
    ax.set_ylabel("training loss")
    ax.set_title(verdict.entry_id, fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


@click.command()
@click.argument("entry_id", metavar="ENTRY", required=False)
@click.option("--n", "n", type=int, default=None,
              help="Number of training points (default: 64 for sphere, all rows otherwise).")
@click.option("--L", "L", type=int, default=None, help="Depth in the entry's convention (deep entries; default 2).")
@click.option("--d", "d", type=int, default=None, help="Input dimension of the sphere data (default 10).")
@click.option("--data", "data", default="sphere", show_default=True,
              help="sphere, digits (needs scikit-learn), or a .npy/.npz/.csv file (last column = labels).")
@click.option("--labels", type=click.Choice(["random", "teacher"]), default=None,
              help="Labels of the sphere data (default: random; teacher for classification theorems).")
@click.option("--delta", type=float, default=None, help="Minimum separation enforced on the sphere data.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the data and of the initialisation.")
@click.option("--width", "widths", multiple=True,
              help="predicted (default), predicted/K, predicted*K, or an integer; repeat to compare widths.")
@click.option("--steps", type=int, default=None,
              help="GD steps (default: the entry's iteration count, capped by --max-steps).")
@click.option("--max-steps", type=int, default=None,
              help="Cap on the default number of steps [default: 5000; 1000 with --all].")
@click.option("--eps", type=float, default=1e-3, show_default=True, help="Target training loss.")
@click.option("--step-size", default="theory", show_default=True,
              help="theory (the entry's step size), auto (1/(s lambda_max) of the kernel), or a number.")
@click.option("--backend", type=click.Choice(["numpy", "torch"]), default=None,
              help="numpy (float64 reference; default) or torch (default with --device cuda).")
@click.option("--device", default="cpu", show_default=True, help="cpu, cuda or cuda:N (torch backend).")
@click.option("--dtype", type=click.Choice(["float32", "float64"]), default=None,
              help="Default float64 for numpy, float32 for torch.")
@click.option("--memory-budget", default=None,
              help="e.g. 4GiB (default: half of the free memory, or 80% of free GPU memory).")
@const_option
@click.option("--catalog", "catalog_paths", multiple=True, type=click.Path(path_type=Path),
              help="Extra TOML file or directory of theorems (repeatable).")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Write every record as JSON Lines as it is produced.")
@click.option("--plot", type=click.Path(path_type=Path), default=None, help="Save the loss curves (needs matplotlib).")
@click.option("--batch", type=int, default=None,
              help="Minibatch SGD with batch size B (default: GD, or B = min(n, 8) for SGD theorems).")
@click.option("--sampling", type=click.Choice(["without-replacement", "with-replacement", "shuffle"]), default=None,
              help="How SGD draws its batches (default: without replacement, or as the entry states).")
@click.option("--sgd-draws", "sgd_draws", type=int, default=1, show_default=True,
              help="SGD: independent batch sequences over which the expected loss is estimated.")
@click.option("--test-n", "test_n", type=int, default=None,
              help="Held-out points for the test error (default: n for classification theorems, else 0).")
@click.option("--all", "all_entries", is_flag=True,
              help="The verdict matrix: every catalogued theorem in its own setting (report in --report).")
@click.option("--widths", "ladder", default="predicted,1024,256", show_default=True,
              help="--all: the predicted width where it fits, else these widths (comma-separated).")
@click.option("--max-params", type=float, default=2e6, show_default=True,
              help="--all: compute cap: a predicted width with more parameters trains the --widths ladder instead.")
@click.option("--report", "report_dir", type=click.Path(path_type=Path), default=Path("verify-matrix"),
              show_default=True, help="--all: directory of the resumable store and of matrix.md/.html/.json.")
@click.option("--only", multiple=True, help="--all: theorems whose id contains this text (repeatable).")
@click.option("--workers", type=int, default=None, help="--all: local worker processes [default: one per core].")
@click.option("--scheduler", default=None, help="--all: run on a Dask cluster, tcp://HOST:PORT.")
@click.option("--dask", "dask_mode", type=click.Choice(["local"]), default=None,
              help="--all: run on a Dask LocalCluster (--workers processes).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def verify(ctx: click.Context, entry_id: str, n, L, d, data, labels, delta, seed, widths, steps, max_steps, eps,
           step_size, backend, device, dtype, memory_budget, constants, catalog_paths, out, plot, fmt,
           batch, sampling, sgd_draws, test_n, all_entries, ladder, max_params, report_dir, only, workers, scheduler,
           dask_mode) -> None:
    """Train a network in ENTRY's own setting and check its guarantees, width by width.

    Measures lambda_0 and the separation delta on the data, evaluates the entry's width, step
    size and iteration count there, trains (if the width fits memory) and reports each
    guarantee as held or failed with the measured and predicted numbers.
    """
    import bounds
    from verify.memory import parse_size
    from verify.verdict import make_backend

    if all_entries:
        _run_all(ctx, entry_id, n=n, L=L, d=d, seed=seed, ladder=ladder, max_steps=max_steps, eps=eps,
                 max_params=max_params, memory_budget=memory_budget, report_dir=report_dir, workers=workers,
                 scheduler=scheduler, dask_mode=dask_mode, fmt=fmt, only=only, catalog_paths=catalog_paths,
                 backend=backend, device=device, dtype=dtype, sgd_draws=sgd_draws)
        return
    if entry_id is None:
        raise BoundsError("give an ENTRY (see `bounds list`) or --all")
    max_steps = 5000 if max_steps is None else max_steps
    backend = _default_backend(backend, device)
    make_backend(backend, device, dtype)  # a missing torch or GPU is reported before any work
    if plot is not None:
        plot = _prepare_plot(plot)
    if max_steps < 0:
        raise BoundsError(f"--max-steps must be non-negative, got {max_steps}")
    budget = parse_size(memory_budget) if memory_budget is not None else None
    entry = bounds.get(entry_id, extra=catalog_paths)
    if n is None:
        n = 64 if data == "sphere" else None
    _check_sizes(n, batch, test_n)
    dataset, test_data = load_data(entry, data, n, d, delta, labels, seed, budget, test_n)
    progress = _Progress if fmt == "table" or sys.stderr.isatty() else None
    verdict, records = _train_recorded(
        ctx, entry, dataset, out, L=L, widths=widths or ("predicted",), steps=steps, max_steps=max_steps,
        backend=backend, device=device, dtype=dtype, eps=eps, step_size=step_size,
        constants=constants, seed=seed, memory_budget=budget, progress=progress, batch=batch, sampling=sampling,
        test_data=test_data, sgd_draws=sgd_draws,
    )
    if plot is not None:
        _plot(verdict, plot)
    _report(ctx, verdict, fmt, out, records, plot)


def _default_backend(backend: str | None, device: str) -> str:
    """--backend as given, else torch for a CUDA --device and numpy otherwise."""
    return backend or ("torch" if device.startswith("cuda") else "numpy")


def _run_all(ctx: click.Context, entry_id: str | None, *, ladder: str, max_steps: int | None,
             memory_budget: str | None, backend: str | None, device: str, **options) -> None:
    """`--all`: the verdict matrix over the catalogue, with its own default of 1000 for --max-steps."""
    if entry_id is not None:
        raise BoundsError("give either an ENTRY or --all, not both")
    from verify.memory import parse_size

    from .verify_matrix import run_matrix

    run_matrix(ctx, widths=ladder, max_steps=1000 if max_steps is None else max_steps,
               memory_budget=parse_size(memory_budget) if memory_budget else None,
               backend=_default_backend(backend, device), device=device, **options)


def _prepare_plot(plot: Path) -> Path:
    """The --plot image path, checked before training: matplotlib is there and the file can be written."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise BoundsError("--plot needs matplotlib: pip install 'overparam-bounds[plot]'") from None
    from bounds.plotting import image_path

    plot = image_path(plot, "--plot")
    _check_writable(plot, "--plot")  # before training: a bad path must not cost the results
    return plot


def _check_sizes(n: int | None, batch: int | None, test_n: int | None) -> None:
    """Refuse a sample count, batch size or held-out count that cannot be trained on."""
    if n is not None and n < 2:
        raise BoundsError(f"--n must be at least 2, got {n}")
    if batch is not None and batch < 1:
        raise BoundsError(f"--batch must be a positive integer, got {batch}")
    if test_n is not None and test_n < 0:
        raise BoundsError(f"--test-n must be non-negative, got {test_n}")


def _train_recorded(ctx: click.Context, entry, dataset, out: Path | None, constants: tuple[str, ...], **options):
    """verify_entry with every record written to --out as it is produced; the verdict and the record count.

    --out is opened first, then the --const values are read (so a bad one still leaves --out
    created and empty, as before). Ctrl-C (or SIGTERM) writes an `interrupted` record, says how many
    records were kept and exits with status 130 (143).
    """
    from verify.records import RecordWriter
    from verify.sweep.signals import interrupted_status, stopping_on_signals
    from verify.verdict import verify_entry

    writer = RecordWriter(out)
    try:
        with stopping_on_signals():  # SIGTERM stops training as Ctrl-C does, status 143
            verdict = verify_entry(entry, dataset, writer=writer,
                                   constants=constants_for(parse_constants(constants), entry.id), **options)
    except KeyboardInterrupt:
        writer.write({"type": "interrupted", "entry": entry.id})
        kept = f"; {writer.count} records kept in {out}" if out is not None else ""
        writer.close()
        click.echo(f"interrupted{kept}", err=True)
        ctx.exit(interrupted_status())
    finally:
        writer.close()
    return verdict, writer.count


def _report(ctx: click.Context, verdict, fmt: str, out: Path | None, records: int, plot: Path | None) -> None:
    """Print the verdict (table or JSON); a width that diverged is an error on stderr and exit status 1."""
    from verify.records import dumps

    if fmt == "json":
        click.echo(dumps(verdict.to_dict()))
    else:
        click.echo(_summary(verdict))
        if out is not None:
            click.echo(f"records    {records} written to {out}")
        if plot is not None:
            click.echo(f"plot       {plot}")
    diverged = verdict.diverged
    for result in diverged:
        click.echo(f"error: {next(m for m in result.messages if 'diverged' in m)}", err=True)
    if diverged:
        ctx.exit(1)
