"""Expression text as an adversary writes it: bounded work, one meaning per name, never inf.

Every case must finish within TIME_LIMIT_S, whatever the text asks for; a refused text raises
ExpressionError (never RecursionError, MemoryError, OverflowError or a bare ValueError).
"""

from __future__ import annotations

import math
import time
from fractions import Fraction

import numpy as np
import pytest
from conftest import TIME_LIMIT_S
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import positive_expressions_in_n

from bounds.errors import ExpressionError
from bounds.expr.compiled import compile_log10
from bounds.expr.ir import Num, free_symbols, node_count
from bounds.expr.logspace import LOG10_LIMIT, evaluate_mpmath, log10_mpmath, out_of_range
from bounds.expr.parse import MAX_EXACT_BITS, parse

SYMBOLS = {"n", "L", "delta", "m", "eps", "lambda_0"}


def timed(function, *args):
    start = time.perf_counter()
    value = function(*args)
    seconds = time.perf_counter() - start
    assert seconds < TIME_LIMIT_S, f"{args[:1]} took {seconds:.2f} s"
    return value


def both_paths(tree, n: float = 1000.0):
    """log10 of the tree at n on the grid path and on the mpmath path, each timed."""
    sign, lg = timed(lambda: compile_log10(tree)({"n": np.array([math.log10(n)])}))
    sign, lg = np.broadcast_to(sign, (1,)), np.broadcast_to(lg, (1,))
    grid = float(lg[0]) if float(sign[0]) > 0 else math.nan
    point = timed(log10_mpmath, tree, {"n": n})
    return grid, point


@pytest.mark.parametrize("text, log10_at_1000", [
    ("1e400 * n", 403.0),
    ("10^400 * n", 403.0),
    ("1e100000000 * n", 100000003.0),
    ("1.5e-400 * n", math.log10(1.5) - 400 + 3),
    ("((((((2^64)^64)^64)^64)^64)^64)", 64**6 * math.log10(2)),
    ("2^64^64", 64**64 * math.log10(2)),
])
def test_huge_literals_and_folded_constants_stay_in_log_space(text, log10_at_1000):
    tree = timed(parse, text, SYMBOLS)
    for node in _numbers(tree):
        value = node.value
        assert max(value.numerator.bit_length(), value.denominator.bit_length()) <= MAX_EXACT_BITS
    grid, point = both_paths(tree)
    if abs(log10_at_1000) <= LOG10_LIMIT:
        assert point == pytest.approx(log10_at_1000, rel=1e-9)
        assert grid == pytest.approx(log10_at_1000, rel=1e-9)
    else:  # beyond the engine's range: undefined on both paths, and said to be out of range
        assert math.isnan(point) and math.isnan(grid)
        assert out_of_range(tree, {"n": 1000.0})


@pytest.mark.parametrize("text", ["n^n^n^n", "exp(exp(exp(n)))", "exp(exp(n))^n", "n^(n^n)^n", "10^(10^(10^n))",
                                  "exp(-exp(exp(n)))", "(1/n)^(n^n^n)"])
def test_towers_are_cheap_and_out_of_range_not_wrong(text):
    tree = timed(parse, text, SYMBOLS)
    grid, point = both_paths(tree)
    assert math.isnan(grid) and math.isnan(point)
    assert out_of_range(tree, {"n": 1000.0}) or text.startswith(("exp(-", "(1/n)"))


def test_tower_at_small_n_is_an_ordinary_number():
    # 2^2^2^2 = 2^16: the same text is fine where it is small.
    tree = parse("n^n^n^n", SYMBOLS)
    assert log10_mpmath(tree, {"n": 2}) == pytest.approx(16 * math.log10(2))


@pytest.mark.parametrize("text", [
    "𝑛^2",  # MATHEMATICAL ITALIC SMALL N: Python reads it as n
    "ｎ^2",  # FULLWIDTH LATIN SMALL LETTER N
    "n^２",  # FULLWIDTH DIGIT TWO
    "ℓ * n",
    "n\u00a0* 2",  # no-break space
    "n\u200b^2",  # zero-width space
    "log(n)\x00",
    "ﬁ",  # ligature fi, NFKC 'fi'
])
def test_non_ascii_and_control_characters_are_refused_with_their_column(text):
    with pytest.raises(ExpressionError, match=r"U\+[0-9A-F]{4}.*column \d+"):
        timed(parse, text, SYMBOLS)


@pytest.mark.parametrize("text", [
    "(" * 5000 + "n" + ")" * 5000,
    "-" * 5000 + "n",
    "n" + "+n" * 999,
    "max(" * 100 + "n" + ", 1)" * 100,
    "n" * 2001,
    "0x10 * n",
    "1_0.5e3__1",
    "1e" + "9" * 30 + " * n",
    "9" * 1500,
    "log(n, n)",
    "log(n, 1)",
    "log(n, 0)",
])
def test_oversized_or_odd_text_is_refused_or_bounded(text):
    try:
        tree = timed(parse, text, SYMBOLS)
    except ExpressionError:
        return
    assert node_count(tree) <= 20000
    timed(log10_mpmath, tree, {"n": 1000.0})


def test_literal_exponent_beyond_range_is_out_of_range_not_an_overflow():
    tree = parse("1e" + "9" * 30 + " * n", SYMBOLS)
    assert math.isnan(log10_mpmath(tree, {"n": 10.0})) and out_of_range(tree, {"n": 10.0})


def _numbers(tree):
    stack, found = [tree], []
    from bounds.expr.ir import children

    while stack:
        node = stack.pop()
        if isinstance(node, Num) and isinstance(node.value, Fraction):
            found.append(node)
        stack.extend(children(node))
    return found


# -- fuzzing ------------------------------------------------------------------------------

ALPHABET = list("nLm0123456789.eE+-*/^()[], _") + ["log", "exp", "sqrt", "max", "min", "ln", "**", "1e400",
                                                      "delta", "lambda_0", "ｎ", "𝑛", "__import__", "'", "\\", "\n"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(ALPHABET), max_size=40).map("".join), st.floats(0, 400))
def test_fuzzed_text_is_refused_cleanly_or_evaluates_within_bounds(text, log10_n):
    start = time.perf_counter()
    try:
        tree = parse(text, SYMBOLS)
    except ExpressionError:
        assert time.perf_counter() - start < TIME_LIMIT_S
        return
    assert text.isascii()
    values = {name: 10.0 ** min(log10_n, 300) for name in free_symbols(tree)}
    point = log10_mpmath(tree, values)
    sign, lg = compile_log10(tree)({name: np.array([math.log10(v)]) for name, v in values.items()})
    sign, lg = np.broadcast_to(sign, (1,)), np.broadcast_to(lg, (1,))
    assert time.perf_counter() - start < TIME_LIMIT_S
    assert not math.isinf(point), "the mpmath path never answers inf"
    assert not math.isinf(float(lg[0])) or float(sign[0]) == 0, "the grid path never answers inf"
    if math.isfinite(point):
        assert abs(point) <= LOG10_LIMIT


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=60))
def test_arbitrary_unicode_text_never_escapes_the_parser(text):
    start = time.perf_counter()
    try:
        tree = parse(text, SYMBOLS)
    except ExpressionError:
        pass
    else:
        assert text.isascii() and free_symbols(tree) <= SYMBOLS
        evaluate_mpmath(tree, {name: 10.0 for name in free_symbols(tree)})
    assert time.perf_counter() - start < TIME_LIMIT_S


@settings(max_examples=100, deadline=None)
@given(positive_expressions_in_n, st.integers(300, 10**6), st.floats(0, 30))
def test_a_literal_beyond_float_scales_by_its_exponent_on_both_paths(tree, k, log10_n):
    """Engine law: log10(1e{k} * f) = k + log10(f), with 1e{k} far beyond float range."""
    from bounds.expr.ir import to_text

    scaled = parse(f"1e{k} * ({to_text(tree)})", SYMBOLS)
    values = {name: 10.0 ** log10_n if name == "n" else 10.0 for name in free_symbols(tree)}
    base = log10_mpmath(tree, values)
    if not math.isfinite(base):
        return
    assert log10_mpmath(scaled, values) == pytest.approx(k + base, rel=1e-12, abs=1e-9)
    env = {name: np.array([math.log10(v)]) for name, v in values.items()}
    sign, lg = compile_log10(scaled)(env)
    assert float(np.broadcast_to(lg, (1,))[0]) == pytest.approx(k + base, rel=1e-12, abs=1e-6)
