"""Hypothesis strategies for expression trees and parameter points."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from bounds.expr.ir import Add, Call, Mul, Num, Pow, Sym, free_symbols
from bounds.expr.visitor import Visitor

VARIABLES = ("n", "L", "delta")

positive_numbers = st.one_of(
    st.integers(1, 1000).map(Fraction),
    st.fractions(min_value=Fraction(1, 100), max_value=1000, max_denominator=100),
).filter(lambda f: f > 0).map(Num)

leaves = st.one_of(st.sampled_from(VARIABLES).map(Sym), positive_numbers)
exponents = st.fractions(min_value=-6, max_value=6, max_denominator=4).map(Num)


def _extend(children):
    return st.one_of(
        st.lists(children, min_size=2, max_size=3).map(lambda xs: Add(tuple(xs))),
        st.lists(children, min_size=2, max_size=3).map(lambda xs: Mul(tuple(xs))),
        st.tuples(children, exponents).map(lambda t: Pow(*t)),
        children.map(lambda x: Call("log", (Add((Num(Fraction(2)), x)),))),
        st.lists(children, min_size=2, max_size=3).map(lambda xs: Call("max", tuple(xs))),
        st.lists(children, min_size=2, max_size=3).map(lambda xs: Call("min", tuple(xs))),
    )


#: Positive-valued expressions over n, L, delta (no subtraction, logs of quantities > 2).
positive_expressions = st.recursive(leaves, _extend, max_leaves=12)


class _FirstLeafToVariable(Visitor):
    """The tree with its first leaf (depth first, left to right) replaced by a symbol; exponents kept."""

    def __init__(self, name: str):
        super().__init__()
        self.name = name
        self.done = False

    def _leaf(self, node):
        if self.done:
            return node
        self.done = True
        return Sym(self.name)

    _visit_Num = _visit_Sym = _leaf

    def _visit_Add(self, node):
        return Add(tuple(self.visit(t) for t in node.terms))

    def _visit_Mul(self, node):
        return Mul(tuple(self.visit(f) for f in node.factors))

    def _visit_Pow(self, node):
        return Pow(self.visit(node.base), node.exponent)

    def _visit_Call(self, node):
        return Call(node.func, tuple(self.visit(a) for a in node.args))


def _with_variable(tree, name: str):
    """`tree` with its first leaf replaced by the variable `name` when it does not already contain it.

    A map rather than a filter, so that a test needing `name` in every expression does not
    discard most of what Hypothesis draws (most small random trees miss any one variable).
    """
    return tree if name in free_symbols(tree) else _FirstLeafToVariable(name).visit(tree)


#: Positive-valued expressions that contain n.
positive_expressions_in_n = positive_expressions.map(lambda tree: _with_variable(tree, "n"))

#: log10 values of a point: n and L from 1 to 10^80, delta from 10^-30 to 1.
log_points = st.fixed_dictionaries({
    "n": st.floats(0, 80),
    "L": st.floats(0, 80),
    "delta": st.floats(-30, 0),
})
