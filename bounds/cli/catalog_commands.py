"""Commands that read the catalogue: validate, list, show, compare, crossover, dominance, plot, docs."""

from __future__ import annotations

import functools
from pathlib import Path

import click

from ..errors import ParameterError
from ..numbers import fmt as fmt_value
from ..numbers import number
from .constants import const_option, parse_constants


class _Number(click.ParamType):
    """A decimal number as text: 1e400 stays finite (log space); inf and NaN are refused, naming the flag."""

    name = "number"

    def convert(self, value, param, ctx):
        if not isinstance(value, str):
            return value
        flag = param.opts[0] if param is not None and param.opts else "value"
        return number(value, flag)


NUMBER = _Number()

catalog_option = click.option(
    "--catalog", "catalog_paths", multiple=True, type=click.Path(path_type=Path),
    help="Extra TOML file or directory of theorems (repeatable), added to the built-in catalogue.",
)


def _filters(function):
    """--arch/--activation/--algo/--confidence filters shared by several commands."""
    from ..model import ALGORITHMS, ARCHITECTURES, CONFIDENCE_LEVELS

    decorators = [
        click.option("--arch", "architecture", type=click.Choice(ARCHITECTURES), help="Only this architecture."),
        click.option("--activation",
                     help="Only this kind of activation (relu, smooth, ...: the first word of its description)."),
        click.option("--algo", "algorithm", type=click.Choice(ALGORITHMS, case_sensitive=False),
                     help="Only GD, SGD or gradient-flow."),
        click.option("--confidence", type=click.Choice(CONFIDENCE_LEVELS), help="Only entries of this confidence."),
    ]
    return functools.reduce(lambda f, d: d(f), reversed(decorators), function)


def _point(function, n_required: bool = True):
    """The parameter flags of the shared symbol table (--n, --L, --d, ...)."""
    decorators = [
        click.option("--n", "n", type=NUMBER, required=n_required, help="Number of training samples (1e400 is fine)."),
        click.option("--L", "L", type=NUMBER, help="Depth: number of hidden layers."),
        click.option("--d", "d", type=NUMBER, help="Input dimension [default 100]."),
        click.option("--k", "k", type=NUMBER, help="Output dimension [default 1]."),
        click.option("--batch", "B", type=NUMBER, help="SGD minibatch size [default 1]."),
        click.option("--eps", type=NUMBER, help="Target training loss [default 1e-3]."),
        click.option("--fail-prob", "fail_prob", type=NUMBER, help="Failure probability [default 0.01]."),
        click.option("--delta", type=NUMBER, help="Data separation min ||x_i - x_j|| [default 0.1]."),
        click.option("--lambda0", "lambda_0", type=NUMBER,
                     help="lambda_min of the NTK Gram matrix [default: from a cited relation]."),
        click.option("--gamma", type=NUMBER, help="NTK / NTRF margin [default 0.1]."),
        const_option,
    ]
    return functools.reduce(lambda f, d: d(f), reversed(decorators), function)


def _point_optional_n(function):
    return _point(function, n_required=False)


def _unique(ids: tuple[str, ...], flag: str = "--id") -> tuple[str, ...]:
    """Repeated ids once each, in the order given (--id X --id X prints X once)."""
    return tuple(dict.fromkeys(ids))


def _params(kwargs: dict, **point: float | None) -> dict:
    """The parameter options given (popped from `kwargs`), with those of `point` (n, L) that are not None."""
    keys = ("d", "k", "B", "eps", "fail_prob", "delta", "lambda_0", "gamma")
    params = {k: kwargs.pop(k) for k in keys if kwargs.get(k) is not None}
    return {**params, **{name: value for name, value in point.items() if value is not None}}


def _write(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ParameterError(f"cannot write {output}: {exc.strerror}") from None
    click.echo(f"wrote {output}", err=True)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(paths: tuple[Path, ...]) -> None:
    """Check catalogue files: schema, expressions, and that every bound's growth is readable."""
    from ..asymptotics import exponent
    from ..loader import load_file
    from ..registry import _catalog_files, load_catalog

    load_catalog(paths)  # duplicates and relation references across files
    count = 0
    seen: set[Path] = set()
    for location in paths:
        for path in _catalog_files(Path(location)):
            if path.resolve() in seen:
                continue  # a directory and a file inside it: checked once
            seen.add(path.resolve())
            entries, relations = load_file(path)
            for entry in entries:
                parts = []
                for quantity in ("width", "iterations"):
                    if quantity in entry.bounds:
                        en, el = exponent(entry, quantity, "n"), exponent(entry, quantity, "L")
                        parts.append(f"{quantity} n^{en.power} L^{el.power}")
                click.echo(f"ok  {entry.id}  [{entry.confidence}]  " + ", ".join(parts))
                count += 1
            for relation in relations:
                click.echo(f"ok  relation {relation.id}: {relation.symbol} = {relation.text}")
    click.echo(f"{count} theorem(s) valid")


@click.command("list")
@_filters
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@catalog_option
def list_command(architecture, activation, algorithm, confidence, fmt, catalog_paths) -> None:
    """List the catalogued theorems (filter by architecture, activation, algorithm)."""
    from ..listing import render_listing
    from ..registry import load_catalog

    selected = load_catalog(catalog_paths).filter(architecture, activation, algorithm, confidence)
    click.echo(render_listing(selected, fmt), nl=False)


@click.command()
@click.argument("entry_id")
@click.option("--format", "fmt", type=click.Choice(["pretty", "latex", "json"]), default="pretty", show_default=True)
@catalog_option
def show(entry_id, fmt, catalog_paths) -> None:
    """Show one theorem: source, quote, setting, formulas, exponents."""
    from ..registry import load_catalog
    from ..showing import show_entry

    cat = load_catalog(catalog_paths)
    click.echo(show_entry(cat.get(entry_id), fmt, cat.relations), nl=False)


@click.command()
@_point
@_filters
@click.option("--id", "ids", multiple=True, help="Only these theorem ids (repeatable).")
@click.option("--sort", type=click.Choice(["width", "iterations", "id"]), default="width", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "markdown", "html", "latex"]),
              default="table", show_default=True)
@click.option("--in", "unit", type=click.Choice(["width", "neurons", "parameters", "trained-parameters"]),
              default="width", show_default=True,
              help="Count every width bound in this unit, converting through the architecture (d, L, k).")
@click.option("--guarantee",
              type=click.Choice(["squared-loss", "training-loss", "training-error", "test-error", "margin"]),
              help="Only theorems that guarantee this.")
@click.option("--counts", "counts", type=click.Choice(["width", "neurons", "parameters", "trained-parameters"]),
              help="Only theorems whose width bound counts this (as stated).")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to a file instead of stdout.")
@catalog_option
def compare(n, L, constants, architecture, activation, algorithm, confidence, ids, sort, fmt, unit, guarantee, counts,
            output, catalog_paths, **kwargs) -> None:
    """One row per theorem: width, iterations, their exponents in n and L, and what was assumed.

    Example: bounds compare --n 1000 --L 10 --in parameters --d 100
    """
    from ..comparison import compare as run_compare
    from ..formats import render

    rows = run_compare(
        n=n, L=L, architecture=architecture, activation=activation, algorithm=algorithm,
        confidence=confidence, ids=_unique(ids) or None, sort=sort, constants=parse_constants(constants),
        catalog_paths=catalog_paths, unit=unit, guarantee=guarantee, counts=counts, **_params(kwargs),
    )
    depth = f", L = {fmt_value(L)}" if L is not None else ""
    title = f"Requirements at n = {fmt_value(n)}{depth}, hidden constants 1."
    _write(render(rows, fmt, title), output)


@click.command()
@click.argument("a")
@click.argument("b")
@click.option("--vary", default="n", show_default=True, help="The parameter that varies (n, L, d, ...).")
@click.option("--from", "lo", type=NUMBER, help="Lower end of the range [default: 1 for sizes].")
@click.option("--to", "hi", type=NUMBER, help="Upper end of the range [default 1e12 for n].")
@click.option("--quantity", type=click.Choice(["width", "iterations", "step_size"]), default="width", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_point_optional_n
@catalog_option
def crossover(a, b, vary, lo, hi, quantity, fmt, n, L, constants, catalog_paths, **kwargs) -> None:
    """Where bound A crosses bound B as one parameter varies (the others fixed)."""
    from ..crossings import crossover as run_crossover

    params = _params(kwargs, n=n, L=L)
    from ..crossings import searched_range
    from ..jsonio import dumps

    constants_given = parse_constants(constants)
    low, high = searched_range(vary, lo, hi)
    found = run_crossover(a, b, vary=vary, quantity=quantity, lo=lo, hi=hi,
                          constants=constants_given, catalog_paths=catalog_paths, **params)
    if fmt == "json":
        click.echo(dumps([c.to_dict() for c in found]))
        return
    if not found:
        click.echo(f"no crossing of the {quantity.replace('_', ' ')} bounds of {a} and {b} "
                   f"for {vary} in [{fmt_value(low)}, {fmt_value(high)}]")
    for item in found:
        click.echo(item.sentence())


@click.command()
@click.argument("a")
@click.argument("b")
@click.option("--quantity", type=click.Choice(["width", "iterations", "step_size"]), default="width", show_default=True)
@click.option("--effective", is_flag=True, help="Substitute cited relations (lambda_0 via delta and n) first.")
@catalog_option
def dominance(a, b, quantity, effective, catalog_paths) -> None:
    """Asymptotic comparison of two bounds, variable by variable."""
    from ..asymptotics import dominance as run_dominance
    from ..registry import load_catalog

    cat = load_catalog(catalog_paths)
    entry_a, entry_b = cat.get(a), cat.get(b)
    for entry in (entry_a, entry_b):
        if quantity not in entry.bounds:
            raise ParameterError(f"{entry.id} states no {quantity.replace('_', ' ')} bound")
    for verdict in run_dominance(entry_a, entry_b, quantity, effective, cat.relations):
        click.echo(verdict.sentence(a, b))
    for entry in (entry_a, entry_b):
        if entry.confidence in ("headline", "unverified"):
            click.echo(f"note: {entry.id} is {entry.confidence}: factors its source does not give are absent")


@click.command()
@click.option("--vary", default="n", show_default=True, help="The parameter on the x axis.")
@click.option("--from", "lo", type=NUMBER, required=True, help="Lower end of the x range.")
@click.option("--to", "hi", type=NUMBER, required=True, help="Upper end of the x range.")
@click.option("--quantity", type=click.Choice(["width", "iterations"]), default="width", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="Image file (.png, .svg, .pdf).")
@click.option("--id", "ids", multiple=True, help="Only these theorem ids (repeatable).")
@_filters
@_point_optional_n
@catalog_option
def plot(vary, lo, hi, quantity, output, ids, architecture, activation, algorithm, confidence,
         n, L, constants, catalog_paths, **kwargs) -> None:
    """Log-log plot of every selected bound against one parameter."""
    from ..plotting import plot_bounds
    from ..registry import load_catalog

    params = _params(kwargs, n=n, L=L)
    cat = load_catalog(catalog_paths)
    selected = cat.filter(architecture, activation, algorithm, confidence, list(_unique(ids)) or None)
    written = plot_bounds(selected, vary, lo, hi, quantity, output, params, parse_constants(constants), cat.relations)
    for entry_id, reason in written.skipped:
        click.echo(f"skipped {entry_id}: {reason}", err=True)
    click.echo(f"wrote {written.path}", err=True)


@click.command()
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("docs/catalogue.md"), show_default=True)
@click.option("--check", is_flag=True, help="Exit 1 if the file differs from what would be generated.")
def docs(output, check) -> None:
    """Generate the catalogue page from the data files."""
    from ..docs import catalogue_page

    text = catalogue_page()
    if check:
        current = output.read_text(encoding="utf-8") if output.exists() else ""
        if current != text:
            click.echo(f"{output} is stale: run `bounds docs -o {output}`", err=True)
            raise SystemExit(1)
        click.echo(f"{output} is up to date")
        return
    _write(text, output)


@click.command()
@click.argument("ids", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(["bibtex", "biblatex"]), default="bibtex", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to a file instead of stdout.")
@catalog_option
def bib(ids, fmt, output, catalog_paths) -> None:
    """BibTeX for the papers behind the given theorem ids or paper keys (all when none).

    Keys are the catalogue's paper keys, the ones `bounds compare --format latex` cites.
    """
    from ..bib import bibliography
    from ..registry import load_catalog

    _write(bibliography(load_catalog(catalog_paths), ids, fmt), output)


# The commands the group `bounds` holds.
COMMANDS = [validate, list_command, show, compare, crossover, dominance, plot, docs, bib]
