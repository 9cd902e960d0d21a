"""Exponents, leading terms and asymptotic dominance of catalogued bounds.

"Exponent of n" means the power of n in the bound's leading growth with every data
parameter (delta, lambda_0, ...) held fixed: the number papers quote ("m ~ n^6").  The
*effective* exponent first replaces data parameters the user did not give by their cited
relations (lambda_0 >= delta / (100 n^2), say), so it tells how the bound really scales
when those parameters shrink with n.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ParameterError
from .evaluate import close_substitution, constant_values, needed_symbols, relations_of, resolve
from .expr.growth import Growth, GrowthUndetermined, exponent_number, growth, leading_term
from .expr.ir import Node, free_symbols, node_count, substitute
from .expr.parse import MAX_NODES
from .model import Entry, Relation
from .symbols import shared_symbols

ASYMPTOTIC_VARIABLES = ("n", "L", "d", "k", "B", "delta", "lambda_0", "gamma", "eps", "fail_prob")


def _reference_values(entry: Entry) -> dict[str, float]:
    """Numbers for symbols held fixed (signs of constant factors, numeric exponents)."""
    values = {name: float(info.default) for name, info in shared_symbols().items() if info.default is not None}
    values.update({"n": 1000.0, "L": 10.0, "lambda_0": 1e-3})
    values.update(constant_values(entry, None))
    return values


def effective_expr(entry: Entry, quantity: str, relations: Iterable[Relation] | None = None,
                   given: Mapping[str, float] | None = None) -> Node:
    """The bound with relation-supplied parameters substituted by their relations.

    `relations` defaults to those of the entry's own catalogue (:func:`bounds.evaluate.relations_of`).
    """
    relations = relations_of(entry, relations)
    given = dict(given or {})
    for name in ("n", "L"):
        given.setdefault(name, 1.0)
    sources = resolve(entry, needed_symbols(entry), given, relations)
    substitution = {s: src.relation.expr for s, src in sources.items() if src.kind == "relation"}
    substitution = close_substitution(substitution, entry.id)
    expr = substitute(entry.bounds[quantity].expr, substitution)
    if node_count(expr, MAX_NODES) > MAX_NODES:
        raise ParameterError(f"{entry.id}: the {quantity} after substituting relations has more than "
                             f"{MAX_NODES} nodes; too large to evaluate")
    return expr


def bound_growth(entry: Entry, quantity: str, var: str, effective: bool = False,
                 relations: Iterable[Relation] | None = None, given: Mapping[str, float] | None = None) -> Growth:
    """Growth of one bound in one variable (the width's own m resolved by fixed point).

    With `effective`, parameters not in `given` are replaced by their relations first.
    """
    expr = effective_expr(entry, quantity, relations, given) if effective else entry.bounds[quantity].expr
    small = shared_symbols()[var].small
    values = _reference_values(entry)
    known: dict[str, Growth] = {}
    if "m" in free_symbols(expr):
        width_expr = effective_expr(entry, "width", relations, given) if effective else entry.bounds["width"].expr
        known["m"] = _width_growth(width_expr, var, small, values)
    return growth(expr, var, small, values, known)


def _width_growth(width_expr: Node, var: str, small: bool, values: Mapping[str, float]) -> Growth:
    """Growth of the solution of m >= f(m): iterate the growth map to its fixed point.

    The first step treats m as a free constant, which gives m's polynomial order; each later
    step feeds that order into the log(m) factors until nothing changes.
    """
    current = growth(width_expr, var, small, values)
    for _ in range(8):
        nxt = growth(width_expr, var, small, values, {"m": current})
        if nxt == current:
            return current
        current = nxt
    raise GrowthUndetermined("width growth did not settle")


@dataclass(frozen=True)
class Exponent:
    """Leading growth of a bound in one variable, in JSON-ready form."""

    variable: str
    power: int | float | str  # "exp" when exponential, "-exp" when exponentially decaying
    polylog: int | float  # power of log(variable) multiplying it
    growth: Growth | None
    undetermined: str = ""

    def describe(self) -> str:
        if self.undetermined:
            return f"{self.variable}: undetermined ({self.undetermined})"
        if self.growth is None:
            return f"{self.variable}: ?"
        small = shared_symbols()[self.variable].small
        g = self.growth
        if small and not g.is_exponential and g.power < 0 and not g.log_power:
            # Quantities that shrink with an accuracy read better as x^p than as (1/x)^-p.
            return f"{self.variable}: {Growth(-g.power).describe(self.variable)}"
        return f"{self.variable}: {g.describe(f'1/{self.variable}' if small else self.variable)}"


def exponent(entry: Entry, quantity: str, var: str, effective: bool = False,
             relations: Iterable[Relation] | None = None, given: Mapping[str, float] | None = None) -> Exponent | None:
    """Exponent of `var` in the bound, or None if the paper gives no such bound."""
    if quantity not in entry.bounds:
        return None
    if var in entry.bounds[quantity].unknown_in:
        return Exponent(var, "?", 0, None, "the source does not give this dependence")
    try:
        g = bound_growth(entry, quantity, var, effective, relations, given)
    except GrowthUndetermined as exc:
        return Exponent(var, "?", 0, None, str(exc))
    if g.is_exponential:
        return Exponent(var, "exp" if g.exp_sign > 0 else "-exp", 0, g)
    return Exponent(var, exponent_number(g.power), exponent_number(g.log_power), g)


def exponents(entry: Entry, quantity: str = "width", effective: bool = False,
              relations: Iterable[Relation] | None = None, given: Mapping[str, float] | None = None) -> dict[str, Any]:
    """Exponent of every variable the bound depends on ({} if the bound is absent)."""
    if quantity not in entry.bounds:
        return {}
    expr = effective_expr(entry, quantity, relations, given) if effective else entry.bounds[quantity].expr
    present = free_symbols(expr)
    if "m" in present:
        present |= free_symbols(entry.bounds["width"].expr)
    out = {}
    for var in ASYMPTOTIC_VARIABLES:
        if var in present or var in ("n", "L"):
            out[var] = exponent(entry, quantity, var, effective, relations, given)
    return out


def leading(entry: Entry, quantity: str, var: str) -> Node:
    """The bound without the terms that do not decide its growth in `var`."""
    return leading_term(entry.bounds[quantity].expr, var, shared_symbols()[var].small, _reference_values(entry))


@dataclass(frozen=True)
class Dominance:
    """How two bounds compare as one variable grows (or shrinks, for accuracies)."""

    variable: str
    a: Exponent | None
    b: Exponent | None
    verdict: str  # "a", "b", "tie" or "undetermined"

    def sentence(self, a_id: str, b_id: str) -> str:
        limit = f"{self.variable} -> 0" if shared_symbols()[self.variable].small else f"{self.variable} -> oo"
        if self.verdict == "undetermined":
            return f"as {limit}: undetermined"
        if self.verdict == "tie":
            if self.a.growth.is_constant:
                return f"as {limit}: neither depends on {self.variable}"
            return f"as {limit}: same growth ({self.a.growth.describe(self.variable)})"
        winner, loser = (a_id, b_id) if self.verdict == "a" else (b_id, a_id)
        return f"as {limit}: {winner} is larger (dominates {loser})"


def dominance(a: Entry, b: Entry, quantity: str = "width", effective: bool = False,
              relations: Iterable[Relation] | None = None) -> list[Dominance]:
    """Per-variable verdict of which bound grows faster."""
    variables = [v for v in ASYMPTOTIC_VARIABLES
                 if v in free_symbols(a.bounds[quantity].expr) | free_symbols(b.bounds[quantity].expr)
                 or v in ("n", "L")] if quantity in a.bounds and quantity in b.bounds else []
    verdicts = []
    for var in variables:
        ea = exponent(a, quantity, var, effective, relations)
        eb = exponent(b, quantity, var, effective, relations)
        if ea is None or eb is None or ea.growth is None or eb.growth is None:
            verdicts.append(Dominance(var, ea, eb, "undetermined"))
            continue
        ka, kb = ea.growth.key(), eb.growth.key()
        verdict = "tie" if ka == kb else ("a" if ka > kb else "b")
        verdicts.append(Dominance(var, ea, eb, verdict))
    return verdicts


