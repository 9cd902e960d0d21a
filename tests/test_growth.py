"""Asymptotic growth: the fast tree rules agree with SymPy's limits."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from strategies import positive_expressions_in_n

import bounds
from bounds.analysis import growth_sympy
from bounds.asymptotics import _reference_values, bound_growth
from bounds.expr.growth import Growth, GrowthUndetermined, growth, leading_term
from bounds.expr.ir import free_symbols, substitute
from bounds.expr.parse import parse
from bounds.symbols import shared_symbols

SYMBOLS = set(shared_symbols()) | {"c"}
VALUES = {"n": 1000, "L": 10, "delta": 0.1, "eps": 1e-3, "lambda_0": 1e-3, "fail_prob": 0.01, "c": 1, "d": 100}


@pytest.mark.parametrize("text, var, small, power, log_power", [
    ("n^24 * L^12 * log(m)^5 / delta^8", "n", False, 24, 0),
    ("n^24 * L^12 / delta^8", "delta", True, 8, 0),
    ("n^2 / lambda_0^2 * log(n / eps)", "n", False, 2, 1),
    ("n^2 / lambda_0^2 * log(n / eps)", "eps", True, 0, 1),
    ("max(n^4 / lambda_0^4, n / delta, n^2 * log(L * n / delta) / lambda_0^2)", "n", False, 4, 0),
    ("min(n^2, n * log(n))", "n", False, 1, 1),
    ("sqrt(n) * log(log(n))", "n", False, Fraction(1, 2), 0),
    ("n^(3/2) / d", "d", False, -1, 0),
    ("lambda_0 / n^2", "lambda_0", True, -1, 0),
])
def test_known_growths(text, var, small, power, log_power):
    g = growth(parse(text, SYMBOLS), var, small, VALUES)
    assert (g.power, g.log_power) == (power, log_power)


def test_exponential_growth_is_recognised_and_ordered():
    two_to_L = growth(parse("n^4 * 2^(c * L)", SYMBOLS), "L", values=VALUES)
    L_power = growth(parse("L^100", SYMBOLS), "L", values=VALUES)
    assert two_to_L.is_exponential and L_power < two_to_L


def test_width_that_depends_on_its_own_log_gets_the_extra_log_factors():
    width = parse("n^24 * log(m)^5", SYMBOLS)
    m_growth = growth(width, "n", known={"m": Growth(Fraction(24))})
    assert (m_growth.power, m_growth.log_power) == (24, 5)


@pytest.mark.parametrize("text", ["n - n", "n^2 - n^2 + n", "2^n / 2^n", "log(2 + 1/n)"])
def test_undecidable_cases_raise_instead_of_guessing(text):
    with pytest.raises(GrowthUndetermined):
        growth(parse(text, SYMBOLS), "n", values=VALUES)


def test_decaying_exponentials_rank_below_constants():
    decaying = growth(parse("L^100 / 2^(c * L)", SYMBOLS), "L", values=VALUES)
    assert decaying.is_exponential and decaying.exp_sign == -1 and decaying < Growth()
    assert growth_sympy(parse("L^100 / 2^(c * L)", SYMBOLS), "L", False, VALUES).key() == decaying.key()


def test_leading_term_drops_dominated_terms():
    node = parse("n^6 / lambda_0^4 + n^2 * log(n) + L^3", SYMBOLS)
    assert leading_term(node, "n") == parse("n^6 / lambda_0^4", SYMBOLS)


def _reference(entry, quantity, var):
    """SymPy growth, with log m replaced by two fixed-point steps of the width."""
    expr = entry.bounds[quantity].expr
    values = _reference_values(entry)
    if "m" in free_symbols(expr):
        width = entry.bounds["width"].expr
        m0 = substitute(width, {"m": parse("3", set())})
        m1 = substitute(width, {"m": m0})
        expr = substitute(expr, {"m": m1})
    small = shared_symbols()[var].small
    return growth_sympy(expr, var, small, {k: v for k, v in values.items() if k in free_symbols(expr)})


CASES = [(e.id, q, v) for e in bounds.catalog() for q in e.bounds for v in ("n", "L")
         if v in free_symbols(e.bounds[q].expr) or (q != "width" and "m" in free_symbols(e.bounds[q].expr))]


@pytest.mark.parametrize("entry_id, quantity, var", CASES)
def test_every_catalogue_bound_agrees_with_sympy(entry_id, quantity, var):
    entry = bounds.get(entry_id)
    fast = bound_growth(entry, quantity, var)
    reference = _reference(entry, quantity, var)
    if fast.is_exponential:
        assert reference.is_exponential
    else:
        assert (fast.power, fast.log_power) == (reference.power, reference.log_power)


@settings(max_examples=60, deadline=None)
@given(positive_expressions_in_n)
def test_random_expressions_agree_with_sympy(tree):
    assert "n" in free_symbols(tree)
    try:
        fast = growth(tree, "n", values=VALUES)
    except GrowthUndetermined:
        assume(False)
    reference = growth_sympy(tree, "n", False, {k: v for k, v in VALUES.items() if k in free_symbols(tree)})
    assert (fast.power, fast.log_power) == (reference.power, reference.log_power)
