"""The laws of the one visitor over the expression tree, and of the walks built on it.

* every node class of :mod:`bounds.expr.ir` has its own method in every visitor the engine defines;
* dispatch follows the node class's MRO, and a missing method is an error naming both classes;
* memoisation walks a shared sub-tree once and changes no result;
* trees up to MAX_TREE_DEPTH are walked by every walk; deeper ones raise ExpressionTooDeep,
  never RecursionError;
* the walks agree with SymPy's own evaluation of the same tree on random expressions.
"""

from __future__ import annotations

import contextlib
import inspect
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import VARIABLES, log_points, positive_expressions

import bounds.analysis as analysis
import bounds.expr.compiled as compiled
import bounds.expr.growth as growth_module
import bounds.expr.ir as ir
import bounds.expr.logspace as logspace
import bounds.loader as loader
from bounds.errors import ExpressionError
from bounds.expr.ir import Add, Call, Mul, Node, Num, Pow, Sym, free_symbols, number_value, substitute, to_text
from bounds.expr.parse import parse
from bounds.expr.visitor import MAX_TREE_DEPTH, ExpressionTooDeep, Visitor

NODE_CLASSES = [cls for _, cls in inspect.getmembers(ir, inspect.isclass)
                if issubclass(cls, Node) and cls is not Node and cls.__module__ == ir.__name__]
#: The modules that walk the tree: each walk is a Visitor, none an isinstance chain over node classes.
ENGINES = (ir, logspace, compiled, growth_module, analysis, loader)
ENGINE_MODULES = tuple(module.__name__ for module in ENGINES)


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


ENGINE_VISITORS = sorted((v for v in _all_subclasses(Visitor) if v.__module__ in ENGINE_MODULES),
                         key=lambda v: (v.__module__, v.__name__))


def test_the_enumerations_are_not_empty():
    assert {c.__name__ for c in NODE_CLASSES} == {"Num", "Sym", "Add", "Mul", "Pow", "Call"}
    names = {v.__name__ for v in ENGINE_VISITORS}
    assert {"FreeSymbols", "_Rebuild", "_NumberValue", "_TextPrinter", "_LogCompiler", "_MpmathEvaluator",
            "_Analyser", "_LeadingTerm", "SympyPrinter", "_MOnlyInLogs"} <= names


@pytest.mark.parametrize("visitor", ENGINE_VISITORS, ids=lambda v: v.__name__)
@pytest.mark.parametrize("node_class", NODE_CLASSES, ids=lambda c: c.__name__)
def test_every_visitor_has_its_own_method_for_every_node_class(visitor, node_class):
    method = visitor.method_for(node_class)
    assert method is getattr(visitor, f"_visit_{node_class.__name__}")


def test_no_engine_module_dispatches_on_node_classes_outside_a_visitor():
    """The walks' isinstance chains are gone: a node-class test remains only where one node is inspected."""
    for module in ENGINES:
        source = inspect.getsource(module)
        for cls in NODE_CLASSES:
            assert source.count(f"isinstance(node, {cls.__name__})") == 0, (module.__name__, cls.__name__)


# -- dispatch ------------------------------------------------------------------------------


class _Probe(Node):
    __slots__ = ()


@given(st.lists(st.booleans(), min_size=1, max_size=6), st.integers(0, 5))
def test_dispatch_takes_the_nearest_class_in_the_mro_that_has_a_method(has_method, pick):
    # A chain Probe <- C0 <- C1 <- ... ; methods on the classes chosen by `has_method`.
    chain, base = [], _Probe
    for index in range(len(has_method)):
        base = type(f"C{index}", (base,), {"__slots__": ()})
        chain.append(base)
    methods = {f"_visit_{cls.__name__}": (lambda name: lambda self, node: name)(cls.__name__)
               for cls, wanted in zip(chain, has_method, strict=True) if wanted}
    methods["_visit__Probe"] = lambda self, node: "_Probe"
    visitor = type("ChainVisitor", (Visitor,), methods)
    node_class = chain[min(pick, len(chain) - 1)]
    expected = next(k.__name__ for k in node_class.__mro__ if f"_visit_{k.__name__}" in methods)
    assert visitor().visit(node_class()) == expected


def test_dispatch_follows_multiple_inheritance_in_mro_order():
    class Left(_Probe):
        __slots__ = ()

    class Right(_Probe):
        __slots__ = ()

    class Both(Left, Right):
        __slots__ = ()

    class V(Visitor):
        def _visit_Right(self, node):
            return "right"

        def _visit_Left(self, node):
            return "left"

    assert V().visit(Both()) == "left"  # Both -> Left -> Right -> _Probe


def test_methods_are_inherited_and_overridden_like_any_method():
    class Base(Visitor):
        def _visit_Num(self, node):
            return "base"

        def _visit_Sym(self, node):
            return "base"

    class Child(Base):
        def _visit_Sym(self, node):
            return "child"

    assert (Child().visit(Num(Fraction(1))), Child().visit(Sym("n"))) == ("base", "child")
    assert (Base().visit(Num(Fraction(1))), Base().visit(Sym("n"))) == ("base", "base")


def test_a_missing_method_names_the_visitor_and_the_node_class():
    class OnlyNumbers(Visitor):
        def _visit_Num(self, node):
            return node.value

    with pytest.raises(TypeError, match=r"OnlyNumbers cannot visit Sym"):
        OnlyNumbers().visit(Sym("n"))
    with pytest.raises(TypeError, match=r"OnlyNumbers cannot visit int"):
        OnlyNumbers().visit(3)


# -- memoisation ---------------------------------------------------------------------------


class _Count(Visitor):
    """Counts the nodes it walks (one generic method for every node class)."""

    def __init__(self, memoize: bool | None = None):
        super().__init__(memoize)
        self.calls = 0

    def _visit_Node(self, node):
        self.calls += 1
        for child in ir.children(node):
            self.visit(child)
        return self.calls


class _MemoCount(_Count):
    memoize = True


def test_memoised_visitors_walk_a_shared_sub_tree_once():
    shared = parse("log(n + 2)^2 * L", set(VARIABLES))  # 8 nodes
    tree = Add((shared, shared, Mul((shared, Num(Fraction(3))))))
    plain, memo = _Count(), _MemoCount()
    plain.visit(tree)
    memo.visit(tree)
    assert ir.node_count(shared) == 8
    assert plain.calls == 1 + 8 + 8 + 1 + 8 + 1
    assert memo.calls == 1 + 8 + 1 + 1


def test_memoisation_can_be_chosen_per_instance():
    shared = Sym("n")
    tree = Add((shared, shared, shared))
    calls = {}
    for visitor in (_Count(memoize=True), _Count(memoize=False), _MemoCount(memoize=False)):
        visitor.visit(tree)
        calls[type(visitor).__name__, visitor._memo is not None] = visitor.calls
    assert calls == {("_Count", True): 2, ("_Count", False): 4, ("_MemoCount", False): 4}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(positive_expressions, positive_expressions, log_points)
def test_results_on_shared_sub_trees_equal_those_on_unshared_copies(tree, inner, point):
    shared = substitute(tree, {"n": inner, "L": inner})  # `inner` appears once per n and L, one object
    copied = parse(to_text(shared), set(VARIABLES))  # the same function, no sharing
    assert free_symbols(shared) == free_symbols(copied)
    values = {k: 10.0 ** v for k, v in point.items()}
    a, b = logspace.log10_mpmath(shared, values), logspace.log10_mpmath(copied, values)
    assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-9, abs=1e-9)


# -- depth ---------------------------------------------------------------------------------


def _chain(levels: int) -> Node:
    """A tree `levels` deep: log(log(...log(n + 3)...) + 3)."""
    tree: Node = Sym("n")
    for _ in range((levels - 1) // 2):
        tree = Call("log", (Add((tree, Num(Fraction(3)))),))
    return Pow(tree, Num(Fraction(1))) if levels % 2 == 0 else tree


WALKS = {
    "free_symbols": free_symbols,
    "substitute": lambda t: substitute(t, {"n": Sym("L")}),
    "number_value": number_value,
    "to_text": to_text,
    "compile_log10": lambda t: compiled.compile_log10(t)({"n": np.array([3.0])}),
    "evaluate_mpmath": lambda t: logspace.evaluate_mpmath(t, {"n": 1000.0}),
    "growth": lambda t: growth_module.growth(t, "n"),
    "leading_term": lambda t: growth_module.leading_term(t, "n"),
    "to_sympy": analysis.to_sympy,
}


@pytest.mark.parametrize("walk", list(WALKS), ids=str)
def test_every_walk_handles_the_deepest_allowed_tree_and_refuses_deeper(walk):
    deepest = _chain(MAX_TREE_DEPTH)
    assert ir.depth(deepest) == MAX_TREE_DEPTH
    # log^200 of n: the growth rules stop at log log, after the walk itself went all the way down
    with contextlib.suppress(growth_module.GrowthUndetermined):
        WALKS[walk](deepest)
    too_deep = Add((deepest, Num(Fraction(1))))
    with pytest.raises(ExpressionTooDeep, match=f"more than {MAX_TREE_DEPTH} levels"):
        WALKS[walk](too_deep)
    assert issubclass(ExpressionTooDeep, ExpressionError)


def test_a_visitor_is_usable_after_refusing_a_tree():
    symbols = ir.FreeSymbols()
    with pytest.raises(ExpressionTooDeep):
        symbols.visit(_chain(MAX_TREE_DEPTH + 1))
    assert symbols.visit(_chain(MAX_TREE_DEPTH)) == frozenset({"n"})


# -- agreement with SymPy ------------------------------------------------------------------


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(positive_expressions, log_points)
def test_mpmath_and_compiled_walks_agree_with_sympy_evaluation(tree, point):
    values = {k: 10.0 ** v for k, v in point.items() if k in free_symbols(tree)}
    reference = analysis.to_sympy(tree).subs({analysis.sympy_symbol(k): sympy.Float(v, 30) for k, v in values.items()})
    reference = sympy.N(reference, 30)
    assert reference.is_positive
    expected = float(sympy.log(reference, 10).evalf(30))
    assert logspace.log10_mpmath(tree, values) == pytest.approx(expected, rel=1e-9, abs=1e-9)
    env = {k: np.array([math.log10(v)]) for k, v in values.items()}
    sign, lg = compiled.compile_log10(tree)(env)
    assert float(np.ravel(sign)[0]) == 1.0
    assert float(np.ravel(lg)[0]) == pytest.approx(expected, rel=1e-7, abs=1e-7)


@settings(max_examples=80, deadline=None)
@given(positive_expressions.map(lambda t: substitute(t, {v: Num(Fraction(k + 2)) for k, v in enumerate(VARIABLES)})))
def test_constant_folding_and_text_agree_with_sympy(tree):
    reference = float(analysis.to_sympy(tree).evalf(30))
    assert number_value(tree) == pytest.approx(reference, rel=1e-9)
    assert float(mpmath.mpf(logspace.evaluate_mpmath(tree, {}))) == pytest.approx(reference, rel=1e-9)
    assert float(analysis.to_sympy(parse(to_text(tree), set())).evalf(30)) == pytest.approx(reference, rel=1e-12)
