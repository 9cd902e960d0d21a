"""Evaluate a theorem's bounds at a point (mpmath) or on a grid (compiled, log space).

Both paths share one resolution step that decides where each parameter's value comes from:
given by the user, a default of the shared symbol table, or a cited relation (lambda_0 from
the separation delta and n, say).  Every choice that was not the user's is reported in
``assumed``, because a width of 10^60 means little without the lambda_0 behind it.

A width requirement may contain log(m) (Allen-Zhu et al.: m >= n^24 ... log^5 m); the
smallest width that satisfies it is found by fixed-point iteration in log space.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import MissingParameterError, ParameterError
from .expr.ir import Node, Sym, free_symbols, mul, node_count, substitute
from .expr.logspace import evaluate_mpmath, out_of_range
from .expr.parse import MAX_NODES
from .model import Entry, Relation
from .numbers import fmt, log10_of, number
from .symbols import SymbolInfo, shared_symbols

if TYPE_CHECKING:
    import numpy as np

FIXED_POINT_TOL = 1e-12
FIXED_POINT_STEPS = 200


@dataclass(frozen=True)
class Source:
    """Where a parameter's value comes from: 'given', 'default' or 'relation'."""

    kind: str
    value: float | None = None
    relation: Relation | None = None


@dataclass
class Evaluation:
    """Every bound of one theorem at one point, in log10, with what was assumed."""

    entry_id: str
    width_log10: float | None
    iterations_log10: float | None
    step_size_log10: float | None
    values: dict[str, float]
    assumed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def _linear(self, lg: float | None):
        import mpmath

        return None if lg is None else mpmath.power(10, mpmath.mpf(lg))

    @property
    def width(self):
        """The width requirement as an mpmath number (no overflow at 10^400)."""
        return self._linear(self.width_log10)

    @property
    def iterations(self):
        return self._linear(self.iterations_log10)

    @property
    def step_size(self):
        return self._linear(self.step_size_log10)


def validate_params(params: Mapping[str, float]) -> dict[str, float]:
    """Check names and domains of user-given parameters (those set to None are dropped).

    Values may be numbers or decimal text; those beyond float range (n = 10^400) come back
    as mpmath numbers, infinity and NaN are refused (see :mod:`bounds.numbers`).
    """
    if not isinstance(params, Mapping):
        raise ParameterError(f"parameters must be a mapping of names to numbers, got {type(params).__name__}")
    shared = shared_symbols()
    clean = {}
    for name, value in params.items():
        if value is None:
            continue
        if not isinstance(name, str) or name not in shared or shared[name].regime == "solved":
            known = ", ".join(s for s, info in shared.items() if info.regime != "solved")
            raise ParameterError(f"unknown parameter {name!r} (known: {known})")
        clean[name] = shared[name].check(value)
    return clean


def relations_of(entry: Entry, relations: Iterable[Relation] | None = None) -> tuple[Relation, ...]:
    """The relations to resolve `entry`'s parameters with: `relations` if given, else its catalogue's.

    An entry taken from a :class:`~bounds.registry.Catalog` (``bounds.get``, ``bounds.catalog``)
    carries that catalogue's relations, user files included; one built by hand carries none.
    The built-in catalogue is never loaded here behind the caller's back: a user theorem
    evaluated on its own must give the same number as in ``bounds.compare``.
    """
    if relations is not None:
        return tuple(relations)
    return entry.catalog_relations or ()


def _relation_for(entry: Entry, symbol: str, relations: Iterable[Relation]) -> Relation | None:
    """The relation that may supply `symbol` for this entry, if any.

    An entry may name its relation; otherwise a relation applies only where its kernel
    tag equals the kernel the entry declares for the parameter (both empty for parameters
    that are not kernel eigenvalues), so a bound on one kernel's lambda_min is never
    silently used for another kernel's.
    """
    declared = entry.parameters.get(symbol)
    if declared is not None and declared.relation:
        return next((r for r in relations if r.id == declared.relation), None)
    kernel = declared.kernel if declared is not None else ""
    return next((r for r in relations if r.symbol == symbol and r.kernel == kernel), None)


def resolve(
    entry: Entry,
    needed: Iterable[str],
    given: Mapping[str, float],
    relations: Iterable[Relation] = (),
) -> dict[str, Source]:
    """Decide the source of every shared symbol in `needed` (and of what relations need).

    Order: the user's value, the relation the entry names, the symbol's default, then a
    relation matched by kernel tag.  A named relation that is not in `relations` is an error,
    not a silent default.
    """
    shared = shared_symbols()
    relations = list(relations)
    sources: dict[str, Source] = {}
    pending = [s for s in needed if s in shared and s != "m"]
    while pending:
        symbol = pending.pop()
        if symbol in sources:
            continue
        info: SymbolInfo = shared[symbol]
        explicit = entry.parameters.get(symbol)
        relation = _relation_for(entry, symbol, relations)
        if symbol in given:
            sources[symbol] = Source("given", given[symbol])
        elif explicit is not None and explicit.relation and relation is None:
            # Never fall back on the symbol's default: the theorem says where the value comes from.
            raise ParameterError(
                f"{entry.id}: {symbol} comes from the relation {explicit.relation!r}, which is not among the "
                f"relations it is evaluated with; take the entry from a catalogue that has it "
                f"(bounds.catalog([...]).get(...)) or give {symbol}")
        elif explicit is not None and explicit.relation:
            sources[symbol] = Source("relation", relation=relation)
        elif info.default is not None:
            sources[symbol] = Source("default", float(info.default))
        elif relation is not None:
            sources[symbol] = Source("relation", relation=relation)
        else:
            raise MissingParameterError(symbol, info.flag, entry.id)
        if sources[symbol].kind == "relation":
            pending.extend(free_symbols(sources[symbol].relation.expr))
    return sources


def constant_values(entry: Entry, overrides: Mapping[str, float] | None) -> dict[str, float]:
    """Hidden constants of the entry: 1 (or the entry's default) unless overridden."""
    values = {f"C_{q}": 1.0 for q in entry.bounds}
    values.update({name: c.default for name, c in entry.constants.items()})
    if overrides is not None and not isinstance(overrides, Mapping):
        raise ParameterError(f"constants must be a mapping of names to numbers, got {type(overrides).__name__}")
    for name, value in (overrides or {}).items():
        if name not in values:
            known = ", ".join(sorted(values))
            raise ParameterError(f"{entry.id} has no constant {name!r} (its constants: {known})")
        value = number(value, f"constant {name}")
        if not value > 0:
            raise ParameterError(f"constant {name} must be a positive number, got {fmt(value)}")
        values[name] = value
    return values


def describe_constants(entry: Entry, overrides: Mapping[str, float] | None) -> list[str]:
    """The entry's own hidden constants as used (the leading C_ constants only when set)."""
    used: set[str] = set()
    for bound in entry.bounds.values():
        used |= free_symbols(bound.expr)
    notes = []
    for name, constant in entry.constants.items():
        if name in used:
            value = (overrides or {}).get(name, constant.default)
            origin = "set" if name in (overrides or {}) else "default"
            notes.append(f"{name} = {fmt(value)} ({origin}; {constant.meaning})")
    for name, value in sorted((overrides or {}).items()):
        if name.startswith("C_"):
            notes.append(f"{name} = {fmt(value)} (set)")
    return notes


def needed_symbols(entry: Entry) -> set[str]:
    names: set[str] = set()
    for bound in entry.bounds.values():
        names |= free_symbols(bound.expr)
    for condition in entry.conditions:
        names |= free_symbols(condition.lhs) | free_symbols(condition.rhs)
    return names


def _scaled(entry: Entry, quantity: str) -> Node:
    bound = entry.bounds[quantity]
    return mul(Sym(bound.leading_constant), bound.expr)


def describe_assumptions(sources: Mapping[str, Source], values: Mapping[str, float]) -> list[str]:
    """Human-readable account of every value the user did not give."""
    notes = []
    for symbol in sorted(sources):
        source = sources[symbol]
        if source.kind == "default":
            notes.append(f"{symbol} = {fmt(source.value)} (default)")
        elif source.kind == "relation":
            notes.append(f"{symbol} = {fmt(values[symbol], 3)} via {source.relation.describe()}")
    return notes


def evaluate_entry(
    entry: Entry,
    params: Mapping[str, float],
    constants: Mapping[str, float] | None = None,
    relations: Iterable[Relation] | None = None,
) -> Evaluation:
    """All bounds of `entry` at the point `params` (the mpmath path).

    `relations` defaults to those of the catalogue the entry was loaded from.
    """
    import mpmath

    relations = relations_of(entry, relations)
    given = validate_params(params)
    needed = needed_symbols(entry)
    sources = resolve(entry, needed, given, relations)
    values: dict[str, object] = {}
    _fill_values(sources, values)
    values.update(constant_values(entry, constants))
    assumed = describe_assumptions(sources, {k: _plain(v) for k, v in values.items() if k in sources})
    assumed += describe_constants(entry, constants)
    warnings = _check_conditions(entry, values)

    width_log10: float | None = None
    if "width" in entry.bounds:
        width_expr = _scaled(entry, "width")
        if "m" in free_symbols(width_expr):
            width_log10, converged = _solve_width_point(width_expr, values)
            if not converged:
                warnings.append("the implicit width requirement (log m on its right side) did not converge")
        else:
            width_log10 = _log10(evaluate_mpmath(width_expr, values), mpmath)
        if math.isnan(width_log10):
            warnings.append(_undefined("width requirement", width_expr, values))
        values["m"] = mpmath.power(10, mpmath.mpf(width_log10)) if not math.isnan(width_log10) else mpmath.nan

    def other(quantity: str) -> float | None:
        if quantity not in entry.bounds:
            return None
        result = _log10(evaluate_mpmath(_scaled(entry, quantity), values), mpmath)
        if math.isnan(result):
            warnings.append(_undefined(quantity.replace("_", " "), _scaled(entry, quantity), values))
        return result

    return Evaluation(
        entry_id=entry.id,
        width_log10=width_log10,
        iterations_log10=other("iterations"),
        step_size_log10=other("step_size"),
        values={k: _plain(values[k]) for k in sorted(sources) if k in values},  # one order in every process
        assumed=assumed,
        warnings=warnings,
    )


def _plain(value):
    """A float where the value fits one comfortably, else the mpmath number itself."""
    from .numbers import FLOAT_LOG10

    try:
        as_float = float(value)
    except (OverflowError, TypeError, ValueError):
        return value
    if math.isnan(as_float) or (as_float == 0 and value == 0):
        return as_float
    if as_float != 0 and math.isfinite(as_float) and abs(math.log10(abs(as_float))) < FLOAT_LOG10:
        return as_float
    return value


def _undefined(what: str, expr: Node, values: Mapping[str, object]) -> str:
    """Why a bound has no value here: beyond the engine's range, or not positive."""
    from .expr.logspace import LOG10_LIMIT

    if "m" in free_symbols(expr) and "m" not in values:
        values = {**values, "m": 10.0}
    known = {k: v for k, v in values.items() if k in free_symbols(expr)}
    if out_of_range(expr, known):
        return f"the {what} is beyond the engine's range (|log10| > {LOG10_LIMIT:g}) at this point"
    return f"the {what} is undefined (not positive) at this point"


def _fill_values(sources: Mapping[str, Source], values: dict) -> None:
    """Numeric values of every resolved symbol, relations evaluated after their inputs."""
    remaining = dict(sources)
    while remaining:
        progressed = False
        for symbol, source in list(remaining.items()):
            if source.kind != "relation":
                values[symbol] = source.value
            else:
                inputs = free_symbols(source.relation.expr)
                if not inputs <= set(values):
                    continue
                values[symbol] = evaluate_mpmath(source.relation.expr, {k: values[k] for k in inputs})
            del remaining[symbol]
            progressed = True
        if not progressed:
            raise ParameterError("relations between parameters form a cycle: " + ", ".join(remaining))


def _log10(value, mpmath) -> float:
    if mpmath.isnan(value) or value <= 0:
        return math.nan
    return float(mpmath.log10(value))


def _solve_width_point(width_expr: Node, values: dict) -> tuple[float, bool]:
    """Smallest m with m >= f(m) when f grows like a power of log m."""
    import mpmath

    current = max(_log10(evaluate_mpmath(width_expr, {**values, "m": mpmath.e}), mpmath), 1.0)
    for _ in range(FIXED_POINT_STEPS):
        if math.isnan(current):
            return math.nan, True
        nxt = _log10(evaluate_mpmath(width_expr, {**values, "m": mpmath.power(10, current)}), mpmath)
        if abs(nxt - current) <= FIXED_POINT_TOL * max(1.0, abs(current)):
            return nxt, True
        current = nxt
    return current, False


_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def _comparable(a, b):
    """Both as floats where both fit one (so 0.1 <= 1/10 holds, as typed), else as mpmath numbers."""
    fa, fb = _plain(a), _plain(b)
    return (fa, fb) if isinstance(fa, float) and isinstance(fb, float) else (a, b)


def _check_conditions(entry: Entry, values: Mapping[str, object]) -> list[str]:
    import mpmath

    warnings = []
    for condition in entry.conditions:
        lhs = evaluate_mpmath(condition.lhs, values)
        rhs = evaluate_mpmath(condition.rhs, values)
        if mpmath.isnan(lhs) or mpmath.isnan(rhs):
            warnings.append(f"cannot check the hypothesis {condition.text} here (undefined or beyond range)")
        elif not bool(_OPS[condition.op](*_comparable(lhs, rhs))):
            warnings.append(
                f"outside the theorem's hypotheses: {condition.text} fails ({fmt(lhs, 3)} vs {fmt(rhs, 3)})"
            )
    return warnings


def close_substitution(substitution: Mapping[str, Node], entry_id: str) -> dict[str, Node]:
    """Substitute relations into each other until stable, refusing trees past MAX_NODES.

    The size is checked after every round, so relations that use each other hundreds of
    times are refused before the next round would multiply their size again.
    """
    substitution = dict(substitution)
    for _ in range(len(substitution) + 1):
        substitution = {k: substitute(v, substitution) for k, v in substitution.items()}
        for symbol, expr in substitution.items():
            if node_count(expr, MAX_NODES) > MAX_NODES:
                raise ParameterError(f"{entry_id}: the relations that define {symbol} expand to more than "
                                     f"{MAX_NODES} nodes; too large to evaluate")
    return substitution


# -- the compiled grid path -------------------------------------------------------------


@dataclass(frozen=True)
class CompiledEntry:
    """Vectorised log10 evaluators of one entry's bounds over chosen varying symbols."""

    entry_id: str
    varying: tuple[str, ...]
    fixed_log10: Mapping[str, float]
    functions: Mapping[str, object]
    implicit_width: bool
    sources: Mapping[str, Source]

    def __call__(self, **log10_arrays: np.ndarray) -> dict[str, np.ndarray]:
        """log10 of each bound; keyword arrays are log10 values of the varying symbols."""
        missing = set(self.varying) - set(log10_arrays)
        if missing:
            raise ParameterError(f"missing values for {', '.join(sorted(missing))}")
        import numpy as np  # the grid path only: a single-point evaluation never imports NumPy

        env = {**self.fixed_log10, **{k: np.asarray(v, dtype=float) for k, v in log10_arrays.items()}}
        out: dict[str, np.ndarray] = {}
        width = self.functions.get("width")
        if width is not None:
            if self.implicit_width:
                lg = self._solve_width(width, env)
            else:
                sign, lg = width(env)
                lg = np.where(sign > 0, lg, np.nan)
            out["width"] = lg
            env["m"] = lg
        for quantity, function in self.functions.items():
            if quantity == "width":
                continue
            sign, lg = function(env)
            out[quantity] = np.where(sign > 0, lg, np.nan)
        return out

    @staticmethod
    def _solve_width(function, env) -> np.ndarray:
        import numpy as np

        sign, current = function({**env, "m": np.full(1, math.log10(math.e))})
        current = np.maximum(np.where(sign > 0, current, np.nan), 1.0)
        for _ in range(FIXED_POINT_STEPS):
            sign, nxt = function({**env, "m": current})
            nxt = np.where(sign > 0, nxt, np.nan)
            done = np.nanmax(np.abs(nxt - current) / np.maximum(1.0, np.abs(current)), initial=0.0) <= FIXED_POINT_TOL
            current = nxt
            if done:
                break
        return current


def compile_entry(
    entry: Entry,
    varying: Iterable[str],
    params: Mapping[str, float],
    constants: Mapping[str, float] | None = None,
    relations: Iterable[Relation] | None = None,
) -> CompiledEntry:
    """Compile the entry's bounds into vectorised log-space functions of `varying`.

    Relations are substituted symbolically, so a lambda_0 defined through n varies with n;
    `relations` defaults to those of the catalogue the entry was loaded from.
    """
    relations = relations_of(entry, relations)
    varying = tuple(varying)
    shared = shared_symbols()
    for name in varying:
        if name not in shared or shared[name].regime == "solved":
            raise ParameterError(f"cannot vary {name!r}")
    given = validate_params({k: v for k, v in params.items() if k not in varying})
    given_for_resolution = {**given, **{name: 1.0 for name in varying}}
    sources = resolve(entry, needed_symbols(entry), given_for_resolution, relations)
    substitution: dict[str, Node] = {}
    fixed: dict[str, float] = {}
    for symbol, source in sources.items():
        if symbol in varying:
            continue
        if source.kind == "relation":
            substitution[symbol] = source.relation.expr
        else:
            fixed[symbol] = log10_of(source.value)
    # Relations may refer to symbols that other relations define; substitute until stable.
    substitution = close_substitution(substitution, entry.id)
    for name, value in constant_values(entry, constants).items():
        fixed[name] = log10_of(value)
    expressions = {quantity: substitute(_scaled(entry, quantity), substitution) for quantity in entry.bounds}
    for quantity, expr in expressions.items():
        if node_count(expr, MAX_NODES) > MAX_NODES:
            raise ParameterError(f"{entry.id}: the {quantity} after substituting relations has more than "
                                 f"{MAX_NODES} nodes; too large to evaluate")
    from .expr.compiled import compile_log10

    functions = {quantity: compile_log10(expr) for quantity, expr in expressions.items()}
    return CompiledEntry(
        entry_id=entry.id,
        varying=varying,
        fixed_log10=fixed,
        functions=functions,
        implicit_width="width" in entry.bounds and "m" in free_symbols(entry.bounds["width"].expr),
        sources={k: v for k, v in sources.items() if k not in varying},
    )
