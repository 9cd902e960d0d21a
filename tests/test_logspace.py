"""The compiled log-space path agrees with direct mpmath evaluation, far beyond float range."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from strategies import log_points, positive_expressions

from bounds.expr.compiled import compile_log10
from bounds.expr.logspace import log10_mpmath
from bounds.expr.parse import parse

SYMBOLS = {"n", "L", "delta", "m"}


def compiled_log10(tree, point):
    sign, lg = compile_log10(tree)({k: np.float64(v) for k, v in point.items()})
    return float(lg) if sign > 0 else math.nan


@settings(max_examples=400, deadline=None)
@given(positive_expressions, log_points)
def test_compiled_numpy_agrees_with_mpmath(tree, point):
    numeric = compiled_log10(tree, point)
    reference = log10_mpmath(tree, {k: 10 ** v for k, v in point.items()} if max(point.values()) < 300
                             else {k: __import__("mpmath").power(10, v) for k, v in point.items()}, dps=40)
    assert numeric == pytest.approx(reference, rel=1e-9, abs=1e-8)


@settings(max_examples=200, deadline=None)
@given(positive_expressions, log_points)
def test_positive_expressions_evaluate_positive(tree, point):
    assert np.isfinite(compiled_log10(tree, point))


@pytest.mark.parametrize("text, point, expected", [
    ("n^24 * L^12 / delta^8", {"n": 300, "L": 10, "delta": -30}, 24 * 300 + 12 * 10 + 8 * 30),
    ("2^n", {"n": 6}, 1e6 * math.log10(2)),
    ("exp(n)", {"n": 3}, 1000 / math.log(10)),
    ("log(n)", {"n": 1000}, math.log10(1000 * math.log(10))),
])
def test_values_far_outside_float_range(text, point, expected):
    tree = parse(text, SYMBOLS)
    assert compiled_log10(tree, point) == pytest.approx(expected, rel=1e-12)
    import mpmath

    assert log10_mpmath(tree, {k: mpmath.power(10, v) for k, v in point.items()}) == pytest.approx(expected, rel=1e-12)


def test_undefined_values_are_nan_on_both_paths():
    tree = parse("(delta - 1)^(1/2)", SYMBOLS)  # negative base, fractional power
    assert math.isnan(compiled_log10(tree, {"delta": -1.0}))
    assert math.isnan(log10_mpmath(tree, {"delta": 0.1}))


def test_cancellation_keeps_the_sign():
    tree = parse("n - L", SYMBOLS)
    sign, lg = compile_log10(tree)({"n": np.float64(2.0), "L": np.float64(3.0)})
    assert sign == -1 and lg == pytest.approx(math.log10(900))


def test_grids_broadcast():
    tree = parse("n^2 * L", SYMBOLS)
    n = np.linspace(0, 6, 1000)[:, None]
    L = np.linspace(0, 2, 100)[None, :]
    sign, lg = compile_log10(tree)({"n": n, "L": L})
    assert lg.shape == (1000, 100)
    np.testing.assert_allclose(lg, 2 * n + L)
