"""The whitelist parser: what it accepts, what it refuses, and that text round-trips."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from strategies import log_points, positive_expressions

from bounds.errors import ExpressionError
from bounds.expr.ir import Call, Num, Pow, free_symbols, to_text
from bounds.expr.logspace import log10_mpmath
from bounds.expr.parse import parse

SYMBOLS = {"n", "L", "delta", "m", "eps", "lambda_0"}


@pytest.mark.parametrize("text", [
    "__import__('os').system('true')",
    "n.__class__",
    "open('x')",
    "[n for n in L]",
    "lambda x: x",
    "n if L else delta",
    "'text'",
    "n[0]",
    "x + 1",  # unknown symbol
    "foo(n)",  # unknown function
    "log(n, base=2)",
    "n < L",
    "True * n",
    "n; L",
    "",
    "n" * 3000,
    "-" * 200 + "n",  # nested deeper than the parser allows
])
def test_refuses_anything_outside_the_whitelist(text):
    with pytest.raises(ExpressionError):
        parse(text, SYMBOLS)


def test_unknown_symbol_message_lists_known_symbols():
    with pytest.raises(ExpressionError, match=r"unknown symbol 'phi'.*known: L, delta"):
        parse("n^2 / phi", SYMBOLS)


def test_caret_is_power_and_rationals_stay_exact():
    tree = parse("n^(3/2)", SYMBOLS)
    assert isinstance(tree, Pow) and tree.exponent == Num(__import__("fractions").Fraction(3, 2))


@pytest.mark.parametrize("text, expected", [
    ("sqrt(n)", Pow),
    ("log2(n)", Call),
    ("ln(n)", Call),
    ("max(n, L, delta)", Call),
])
def test_aliases_translate_to_core_nodes(text, expected):
    assert isinstance(parse(text, SYMBOLS), expected)


def test_log_bases():
    values = {"n": 1024}
    assert log10_mpmath(parse("log2(n)", SYMBOLS), values) == pytest.approx(1.0)
    assert log10_mpmath(parse("log10(n)", SYMBOLS), {"n": 1e10}) == pytest.approx(1.0)
    assert log10_mpmath(parse("log(n, 4)", SYMBOLS), {"n": 16}) == pytest.approx(math.log10(2))


@settings(max_examples=200, deadline=None)
@given(positive_expressions, log_points)
def test_text_form_parses_back_to_the_same_function(tree, point):
    again = parse(to_text(tree), SYMBOLS)
    assert free_symbols(again) == free_symbols(tree)
    values = {k: 10 ** v for k, v in point.items()}
    a, b = log10_mpmath(tree, values), log10_mpmath(again, values)
    assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-12, abs=1e-12)
