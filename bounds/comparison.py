"""One row per theorem at one point: the numbers behind `bounds compare`.

A row holds the width and iteration requirements in log10, the exponents of n and L in
their leading growth (as stated, and after the relations used for this row), and the list
of everything that was assumed rather than given, so that no number travels without its
hypotheses.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .asymptotics import exponent
from .errors import MissingParameterError, ParameterError, argument
from .evaluate import evaluate_entry, validate_params
from .model import Entry
from .registry import Catalog, load_catalog

if TYPE_CHECKING:  # pragma: no cover
    import pandas

SORT_KEYS = ("width", "iterations", "id")
UNITS = ("width", "neurons", "parameters", "trained-parameters")


@dataclass
class Row:
    """One theorem evaluated at one point (log10 values; None where the paper gives none)."""

    id: str
    paper: str
    arxiv: str
    arxiv_version: str
    theorem: str
    confidence: str
    architecture: str
    activation: str
    algorithm: str
    width_bound: str
    width_log10: float | None
    iterations_log10: float | None
    step_size_log10: float | None
    width_exponent_n: int | float | str | None
    width_exponent_L: int | float | str | None
    width_polylog_n: int | float | None
    iterations_exponent_n: int | float | str | None
    iterations_exponent_L: int | float | str | None
    iterations_polylog_n: int | float | None
    width_exponent_n_effective: int | float | str | None
    iterations_exponent_n_effective: int | float | str | None
    assumed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    counts: str = "width"  # what the theorem's width bound counts, as stated
    width_in: str = "width"  # the unit of width_log10 in this row (None value: not convertible)
    width_stated_log10: float | None = None  # the width bound in its own unit (`counts`)
    conversion: str = ""  # how width_log10 was obtained from the stated bound, or why it could not be
    guarantee: str = "squared-loss"  # what the theorem guarantees (see bounds.model.GUARANTEES)
    disputed: str | None = None  # the competing readings, where later sources disagree
    venue: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __repr__(self) -> str:
        from .display import row_repr

        return row_repr(self)


class Comparison(list):
    """What :func:`compare` returns: the rows (a list of :class:`Row`), and views of them.

    It is a list, so indexing, slicing, iteration, ``len`` and sorting work as before; a
    theorem id indexes too (``rows["zou-gu-2019/thm-gd"]``).  In a notebook it shows as the
    table `bounds compare` prints (``_repr_html_``); :meth:`to_pandas` gives a DataFrame.
    `point` holds the parameters the rows were evaluated at.
    """

    def __init__(self, rows: Iterable[Row] = (), point: Mapping[str, Any] | None = None):
        super().__init__(rows)
        self.point: dict[str, Any] = dict(point or {})

    def __getitem__(self, index):
        if isinstance(index, str):
            for row in self:
                if row.id == index:
                    return row
            raise KeyError(f"no row for {index!r} (rows: {', '.join(self.ids()) or 'none'})")
        found = super().__getitem__(index)
        return Comparison(found, self.point) if isinstance(index, slice) else found

    def ids(self) -> list[str]:
        """The theorem ids of the rows, in order."""
        return [row.id for row in self]

    def to_dicts(self) -> list[dict[str, Any]]:
        """The rows as plain dictionaries (what ``bounds compare --format json`` writes)."""
        return [row.to_dict() for row in self]

    def to_pandas(self) -> pandas.DataFrame:
        """A pandas DataFrame, one row per theorem, indexed by id; needs pandas (the `pandas` extra)."""
        from .display import rows_dataframe

        return rows_dataframe(self)

    def _repr_html_(self) -> str:
        """The table `bounds compare` prints, as HTML (Jupyter shows it)."""
        from .display import point_caption, rows_html

        return rows_html(self, point_caption(len(self), self.point))


def _power(entry: Entry, quantity: str, var: str, effective: bool = False, catalog: Catalog | None = None,
           given: Mapping[str, float] | None = None):
    found = exponent(entry, quantity, var, effective, catalog.relations if catalog else None, given)
    if found is None:
        return None, None
    if found.growth is None:
        return None, None
    return found.power, found.polylog


def _nan_to_none(value: float | None) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def row_for(entry: Entry, params: Mapping[str, float], constants: Mapping[str, float] | None,
            catalog: Catalog, unit: str = "width") -> Row:
    """Evaluate one entry and gather its exponents into a row (width counted in `unit`)."""
    result = evaluate_entry(entry, params, constants=constants, relations=catalog.relations)
    stated = _nan_to_none(result.width_log10)
    from .units import width_in_unit  # lazily: only rows are converted

    width_value, conversion = width_in_unit(entry, stated, unit, params)
    width_n, width_logs = _power(entry, "width", "n")
    iter_n, iter_logs = _power(entry, "iterations", "n")
    assumed = list(result.assumed)
    if entry.confidence == "headline":
        assumed.append("headline scaling only: data-dependent factors of the theorem are not included")
    return Row(
        id=entry.id,
        paper=entry.paper.citation,
        arxiv=entry.paper.arxiv,
        arxiv_version=entry.arxiv_version,
        theorem=entry.label,
        confidence=entry.confidence,
        architecture=entry.architecture,
        activation=entry.activation,
        algorithm=entry.algorithm,
        width_bound=entry.bounds["width"].kind if "width" in entry.bounds else "unstated",
        width_log10=width_value,
        iterations_log10=_nan_to_none(result.iterations_log10),
        step_size_log10=_nan_to_none(result.step_size_log10),
        width_exponent_n=width_n,
        width_exponent_L=_power(entry, "width", "L")[0],
        width_polylog_n=width_logs,
        iterations_exponent_n=iter_n,
        iterations_exponent_L=_power(entry, "iterations", "L")[0],
        iterations_polylog_n=iter_logs,
        width_exponent_n_effective=_power(entry, "width", "n", True, catalog, params)[0],
        iterations_exponent_n_effective=_power(entry, "iterations", "n", True, catalog, params)[0],
        assumed=assumed,
        warnings=list(result.warnings),
        counts=entry.counts,
        width_in=unit,
        width_stated_log10=stated,
        conversion=conversion,
        guarantee=entry.guarantee,
        disputed=entry.disputed or None,
        venue=entry.venue_of_version,
    )


def split_constants(constants: Mapping[str, float] | None, entry: Entry) -> dict[str, float]:
    """Constants that apply to `entry`: keys 'NAME' (every entry that has it) or 'ID:NAME'."""
    chosen: dict[str, float] = {}
    known = {f"C_{q}" for q in entry.bounds} | set(entry.constants)
    for key, value in (constants or {}).items():
        if ":" in key:
            entry_id, name = key.rsplit(":", 1)
            if entry_id == entry.id:
                chosen[name] = value
        elif key in known:
            chosen[key] = value
    return chosen


def check_constant_targets(constants: Mapping[str, float] | None, catalog: Catalog) -> None:
    """Refuse constants that no selected entry has, instead of silently ignoring a typo."""
    for key in constants or {}:
        if ":" in key:
            entry_id, name = key.rsplit(":", 1)
            entry = catalog.get(entry_id)
            if name not in {f"C_{q}" for q in entry.bounds} | set(entry.constants):
                raise ParameterError(f"{entry_id} has no constant {name!r}")
        elif not any(key in {f"C_{q}" for q in e.bounds} | set(e.constants) for e in catalog):
            raise ParameterError(f"no selected theorem has a constant named {key!r}")


def _catalog_argument(paths, name: str = "catalog_paths") -> tuple:
    """Extra catalogue locations: one path (str or Path) or an iterable of them."""
    if isinstance(paths, (str, Path)):
        return (paths,)
    if paths is None:
        raise ParameterError(f"{name} must be a path or a list of paths, got None")
    try:
        items = tuple(paths)
    except TypeError:
        raise ParameterError(f"{name} must be a path or a list of paths, got {type(paths).__name__}") from None
    for item in items:
        if not isinstance(item, (str, Path)):
            raise ParameterError(f"{name} must contain paths, got {type(item).__name__} {item!r}")
    return items


def _id_argument(value, name: str = "entry_id") -> str:
    if not isinstance(value, str):
        raise ParameterError(f"{name} must be a theorem id (a string such as 'zou-gu-2019/thm-gd'), "
                             f"got {type(value).__name__}")
    return value


def _ids_argument(ids) -> list[str] | None:
    if ids is None:
        return None
    if isinstance(ids, str):
        return [ids]
    try:
        items = list(ids)
    except TypeError:
        raise ParameterError(f"ids must be a theorem id or a list of them, got {type(ids).__name__}") from None
    return list(dict.fromkeys(_id_argument(i, "ids") for i in items)) or None


def compare(
    n: float,
    L: float | None = None,
    *,
    architecture: str | None = None,
    activation: str | None = None,
    algorithm: str | None = None,
    confidence: str | None = None,
    ids: Iterable[str] | None = None,
    sort: str = "width",
    constants: Mapping[str, float] | None = None,
    catalog_paths: Iterable[Path | str] = (),
    catalog: Catalog | None = None,
    unit: str = "width",
    guarantee: str | None = None,
    counts: str | None = None,
    **params: float | None,
) -> Comparison:
    """Evaluate every selected theorem at the point (n, L, params); one row each (a :class:`Comparison`).

    `params` are shared symbols (d, k, B, eps, fail_prob, delta, lambda_0, gamma).  `constants`
    sets hidden constants: ``{"C_width": 10}`` for every entry, ``{"ID:c": 2}`` for one.
    `unit` puts every width bound in one unit (width, neurons, parameters, trained-parameters),
    converting through the architecture (:mod:`bounds.units`); rows that cannot be converted get
    no width and say why.  `guarantee` and `counts` keep only entries with that guarantee / unit.
    """
    from .model import GUARANTEES

    if sort not in SORT_KEYS:
        raise ParameterError(f"{argument('--sort', 'sort')} must be one of {', '.join(SORT_KEYS)}, got {sort!r}")
    if unit not in UNITS:
        raise ParameterError(f"{argument('--in', 'unit')} must be one of {', '.join(UNITS)}, got {unit!r}")
    if guarantee is not None and guarantee not in GUARANTEES:
        raise ParameterError(f"{argument('--guarantee', 'guarantee')} must be one of {', '.join(GUARANTEES)}, "
                             f"got {guarantee!r}")
    if counts is not None and counts not in UNITS:
        raise ParameterError(f"{argument('--counts', 'counts')} must be one of {', '.join(UNITS)}, got {counts!r}")
    if catalog is not None and not isinstance(catalog, Catalog):
        raise ParameterError(f"catalog must be a Catalog (from bounds.catalog(...)), got {type(catalog).__name__}; "
                             "pass files as catalog_paths")
    if constants is not None and not isinstance(constants, Mapping):
        raise ParameterError(f"constants must be a mapping of names to numbers, got {type(constants).__name__}")
    catalog = catalog or load_catalog(_catalog_argument(catalog_paths))
    selected = catalog.filter(architecture, activation, algorithm, confidence, _ids_argument(ids))
    if guarantee is not None or counts is not None:
        selected = Catalog(tuple(e for e in selected if (guarantee is None or e.guarantee == guarantee)
                                 and (counts is None or e.counts == counts)), selected.relations)
    if not len(selected):
        raise ParameterError("no theorem matches the filters (see `bounds list`)")
    point = validate_params({"n": n, "L": L, **params})
    check_constant_targets(constants, selected)
    rows, missing = [], {}
    for entry in selected:
        try:
            rows.append(row_for(entry, point, split_constants(constants, entry), catalog, unit))
        except MissingParameterError as exc:
            missing.setdefault((exc.symbol, exc.flag), []).append(entry.id)
    if missing:
        (symbol, flag), ids = next(iter(missing.items()))
        shown = ", ".join(ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
        subject = f"{len(ids)} theorem(s) ({shown}) need" if len(ids) > 1 else f"{ids[0]} needs"
        how = (f"{flag} (or leave them out with --arch or --id)" if argument(flag, "") else
               f"{symbol}=... (or leave them out with architecture= or ids=)")
        raise MissingParameterError(symbol, how, subject=subject)
    return Comparison(sort_rows(rows, sort), point)



def sort_rows(rows: list[Row], key: str) -> list[Row]:
    if key == "id":
        return sorted(rows, key=lambda r: r.id)
    attribute = "width_log10" if key == "width" else "iterations_log10"

    def order(row: Row):
        value = getattr(row, attribute)
        return (value is None, value if value is not None else 0.0, row.id)

    return sorted(rows, key=order)
