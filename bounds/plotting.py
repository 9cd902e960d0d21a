"""`bounds plot`: every selected bound against one parameter, on log-log axes.

Values are computed in log10 by the compiled grid path, so bounds far beyond float range
plot too: the y axis then shows log10 of the bound instead of the bound.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from .comparison import split_constants
from .errors import BoundsError, ParameterError
from .evaluate import compile_entry
from .model import Relation
from .registry import Catalog
from .symbols import shared_symbols

LINESTYLES = {"quoted": "-", "secondary": "--", "headline": ":", "unverified": "-."}
MARKERS = ("", "o", "s", "^", "D", "v")
FLOAT_LOG10_LIMIT = 300
LOG_AXIS_DECADES = 40
IMAGE_SUFFIXES = (".png", ".svg", ".pdf", ".jpg", ".jpeg", ".eps", ".ps", ".tif", ".tiff", ".webp")


class Written(list):
    """What :func:`plot_bounds` did: the file it wrote (`path`) and, as the list itself, the
    entries it skipped with the reason."""

    def __init__(self, path: Path, skipped: list[tuple[str, str]]):
        super().__init__(skipped)
        self.path = path

    @property
    def skipped(self) -> list[tuple[str, str]]:
        return list(self)


def image_path(output, flag: str = "-o") -> Path:
    """The file an image for `output` is written to: PATH as given when it ends in an image
    suffix, PATH.png otherwise; a directory is refused (naming it would be a lie)."""
    path = Path(output)
    if path.is_dir():
        raise ParameterError(f"{flag} {path} is a directory; name the image file, e.g. {path / 'plot.png'}")
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        path = path.with_name(path.name + ".png")
        if path.is_dir():
            raise ParameterError(f"{flag} {path} is a directory; name the image file")
    return path


def require_matplotlib(purpose: str = "plotting"):
    """matplotlib.pyplot on the Agg backend, or MissingDependencyError naming the `plot` extra."""
    from .errors import require

    matplotlib = require("matplotlib", purpose, "plot")
    matplotlib.use("Agg")
    return require("matplotlib.pyplot", purpose, "plot", "matplotlib")


def bound_curves(catalog: Catalog, vary: str, lo: float, hi: float, quantity: str,
                 params: Mapping[str, float], constants: Mapping[str, float] | None,
                 relations: Iterable[Relation], points: int = 400):
    """(log10 x grid, {entry id: log10 bound}, [(id, reason skipped)])."""
    from .crossings import searched_range
    from .numbers import log10_of

    lo, hi = searched_range(vary, lo, hi)
    grid = np.linspace(log10_of(lo), log10_of(hi), points)
    curves, skipped = {}, []
    params = {k: v for k, v in params.items() if k != vary}
    for entry in catalog:
        if quantity not in entry.bounds:
            skipped.append((entry.id, f"states no {quantity} bound"))
            continue
        try:
            compiled = compile_entry(entry, [vary], params, split_constants(constants, entry), relations)
        except BoundsError as exc:
            skipped.append((entry.id, str(exc)))
            continue
        values = np.broadcast_to(compiled(**{vary: grid})[quantity], grid.shape)
        curves[entry.id] = np.array(values)
    return grid, curves, skipped


def plot_bounds(catalog: Catalog, vary: str, lo: float, hi: float, quantity: str, output: Path,
                params: Mapping[str, float], constants: Mapping[str, float] | None,
                relations: Iterable[Relation]) -> Written:
    """Draw the curves to `output` (``.png`` appended when it has no image suffix); returns the
    file written (``.path``) and, as a list, the entries skipped and why.

    One colour per paper, one marker per theorem of that paper, the line style for the
    confidence level.  When the bounds span more than LOG_AXIS_DECADES decades the y axis
    shows log10 of the bound with round ticks rather than a thinned-out log axis.
    """
    plt = require_matplotlib()
    output = image_path(output)
    grid, curves, skipped = bound_curves(catalog, vary, lo, hi, quantity, params, constants, relations)
    finite = [c[np.isfinite(c)] for c in curves.values() if np.isfinite(c).any()]
    if not finite:
        raise ParameterError("nothing to plot: " + "; ".join(f"{i}: {r}" for i, r in skipped))
    top, bottom = max(c.max() for c in finite), min(c.min() for c in finite)
    log_axis = top < FLOAT_LOG10_LIMIT and top - bottom <= LOG_AXIS_DECADES
    entries = {e.id: e for e in catalog}
    papers = sorted({entries[i].paper.key for i in curves})
    cmap = plt.get_cmap("tab20" if len(papers) > 10 else "tab10")
    fig, ax = plt.subplots(figsize=(11, 6.5), constrained_layout=True)
    seen_in_paper: dict[str, int] = {}
    for entry_id in sorted(curves):
        entry = entries[entry_id]
        index = seen_in_paper.get(entry.paper.key, 0)
        seen_in_paper[entry.paper.key] = index + 1
        values = curves[entry_id]
        ax.plot(10.0 ** grid if grid[-1] < 300 else grid, 10 ** values if log_axis else values,
                linestyle=LINESTYLES.get(entry.confidence, "-"), color=cmap(papers.index(entry.paper.key) % cmap.N),
                marker=MARKERS[index % len(MARKERS)], markevery=(index * 7 % 40, 40), markersize=4, lw=1.5,
                label=f"{entry_id} [{entry.confidence}]")
    x_in_log10 = grid[-1] >= 300  # beyond float range the x axis shows log10 of the variable
    if not x_in_log10:
        ax.set_xscale("log")
    label = {"width": "width requirement m", "iterations": "iterations T"}[quantity]
    if log_axis:
        ax.set_yscale("log")
        ax.set_ylabel(label)
    else:
        ax.set_ylabel(f"log10 of the {label}")
        ax.yaxis.set_major_locator(plt.MaxNLocator(nbins=10, integer=True))
    ax.set_xlabel(("log10 of " if x_in_log10 else "") + f"{vary} ({shared_symbols()[vary].meaning})")
    from .numbers import fmt

    fixed = ", ".join(f"{k} = {fmt(v)}" for k, v in sorted(params.items()))
    ax.set_title(
        f"{label} vs {vary}"
        + (f" at {fixed}" if fixed else "")
        + "; hidden constants 1; other parameters at their defaults",
        fontsize=10,
    )
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0),
              title="colour: paper; line: solid quoted, dashed secondary,\ndotted headline, dash-dot unverified",
              title_fontsize=7)
    try:
        fig.savefig(output, dpi=130)
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ParameterError(f"cannot write {output}: {reason}") from None
    finally:
        plt.close(fig)
    return Written(output, skipped)
