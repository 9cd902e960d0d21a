"""overparam-bounds: the published width and iteration bounds of over-parameterized
network training, as data, with an engine to compare and evaluate them.

Quick start::

    import bounds
    entry = bounds.get("du-zhai-poczos-singh-2019/thm4.1-gd")
    entry.width                      # SymPy expression in shared symbols
    entry.evaluate(n=1000).width_log10
    rows = bounds.compare(n=1000, L=10)  # a list of rows; a table in a notebook
    rows.to_pandas()                     # a DataFrame (pandas optional)
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import BoundsError, CatalogError, ExpressionError, MissingParameterError, ParameterError, UnknownEntryError
from .model import Entry, Relation
from .registry import Catalog, load_catalog

if TYPE_CHECKING:  # pragma: no cover
    from .comparison import Comparison
    from .crossings import Crossover

__all__ = [
    "BoundsError", "CatalogError", "ExpressionError", "MissingParameterError", "ParameterError",
    "UnknownEntryError", "Catalog", "Entry", "Relation", "catalog", "get", "compare", "crossover",
    "load_catalog",
]
__version__ = "0.1.0"


def catalog(extra: Iterable[Path | str] | Path | str = ()) -> Catalog:
    """The built-in catalogue, plus theorems from user TOML files or directories (one path or a list)."""
    from .comparison import _catalog_argument

    return load_catalog(_catalog_argument(extra, "extra"))


def get(entry_id: str, extra: Iterable[Path | str] | Path | str = ()) -> Entry:
    """One theorem by id, e.g. ``get("allen-zhu-li-song-2019/thm1-gd")``."""
    from .comparison import _catalog_argument, _id_argument

    return load_catalog(_catalog_argument(extra, "extra")).get(_id_argument(entry_id))


def compare(**kwargs) -> Comparison:
    """One row per theorem at a point, as a list of rows that shows as a table in notebooks.

    See :func:`bounds.comparison.compare` and :class:`bounds.comparison.Comparison`.
    """
    from .comparison import compare as _compare

    return _compare(**kwargs)


def crossover(a: str, b: str, **kwargs) -> list[Crossover]:
    """Where bound `a` crosses bound `b`; see :func:`bounds.crossings.crossover`."""
    from .crossings import crossover as _crossover

    return _crossover(a, b, **kwargs)
