"""Evaluation: the laws the engine relies on, checked on every catalogued bound.

* positivity and monotonicity in n and L where the theorem is stated;
* the compiled grid path, the mpmath point path and SymPy's own evaluation agree;
* the implicit width (log m on the right-hand side) is the smallest m with m >= f(m);
* parameters the user did not give are reported, and bad ones are refused.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import bounds
from bounds.analysis import sympy_symbol, to_sympy
from bounds.errors import MissingParameterError, ParameterError
from bounds.evaluate import _scaled, compile_entry, evaluate_entry

CATALOG = bounds.catalog()
ENTRIES = list(CATALOG)
QUANTITIES = [(e.id, q) for e in ENTRIES for q in ("width", "iterations") if q in e.bounds]

sizes_n = st.floats(0.0, 8.0).map(lambda v: round(10 ** v))  # log-uniform whole numbers
sizes_L = st.floats(0.0, 3.0).map(lambda v: round(10 ** v))


def _grid(entry, log_n_values, log_L_values, quantity):
    compiled = compile_entry(entry, ("n", "L"), {}, relations=CATALOG.relations)
    out = compiled(n=np.asarray(log_n_values), L=np.asarray(log_L_values))
    return np.broadcast_to(out[quantity], np.broadcast(np.asarray(log_n_values), np.asarray(log_L_values)).shape)


def _inside_hypotheses(entry, n, L) -> bool:
    result = evaluate_entry(entry, {"n": n, "L": L}, relations=CATALOG.relations)
    return not any("hypotheses" in w for w in result.warnings)


@pytest.mark.parametrize("entry_id, quantity", QUANTITIES)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(a=sizes_n, b=sizes_n, c=sizes_L, e=sizes_L)
def test_bounds_are_positive_and_non_decreasing_in_n_and_L(entry_id, quantity, a, b, c, e):
    entry = CATALOG.get(entry_id)
    (n1, n2), (L1, L2) = sorted((a, b)), sorted((c, e))
    assume(all(_inside_hypotheses(entry, n, L) for n, L in ((n1, L1), (n2, L1), (n1, L2))))
    values = _grid(entry, np.log10([n1, n2, n1]), np.log10([L1, L1, L2]), quantity)
    assert np.all(np.isfinite(values)), f"{entry_id} {quantity} not positive: {values}"
    assert values[1] >= values[0] - 1e-9, f"{entry_id} {quantity} decreases in n"
    assert values[2] >= values[0] - 1e-9, f"{entry_id} {quantity} decreases in L"


@pytest.mark.parametrize("entry_id", [e.id for e in ENTRIES])
@settings(max_examples=15, deadline=None)
@given(a=st.integers(1, 10**7), c=st.integers(1, 1000))
def test_grid_path_agrees_with_mpmath_point_path(entry_id, a, c):
    entry = CATALOG.get(entry_id)
    point = evaluate_entry(entry, {"n": a, "L": c}, relations=CATALOG.relations)
    compiled = compile_entry(entry, ("n", "L"), {}, relations=CATALOG.relations)
    grid = compiled(n=np.array([math.log10(a)]), L=np.array([math.log10(c)]))
    for quantity, value in (("width", point.width_log10), ("iterations", point.iterations_log10),
                            ("step_size", point.step_size_log10)):
        if value is None:
            assert quantity not in grid
            continue
        assert float(np.ravel(grid[quantity])[0]) == pytest.approx(value, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("entry_id", [e.id for e in ENTRIES if "width" in e.bounds])
def test_sympy_evaluation_agrees_with_mpmath(entry_id):
    entry = CATALOG.get(entry_id)
    point = {"n": 5000, "L": 7}
    result = evaluate_entry(entry, point, relations=CATALOG.relations)
    values = {**result.values, "m": 10 ** mpmath.mpf(result.width_log10)}
    values.update({f"C_{q}": 1 for q in entry.bounds})
    values.update({name: c.default for name, c in entry.constants.items()})
    expr = to_sympy(_scaled(entry, "width"))
    substitutions = {sympy_symbol(str(s)): sympy.Float(values[str(s)], 30) for s in expr.free_symbols}
    via_sympy = float(sympy.log(expr.subs(substitutions), 10).evalf(30))
    assert via_sympy == pytest.approx(result.width_log10, rel=1e-9)


def test_implicit_width_is_the_smallest_fixed_point():
    entry = CATALOG.get("allen-zhu-li-song-2019/thm1-gd")
    width = _scaled(entry, "width")
    result = evaluate_entry(entry, {"n": 1000, "L": 10}, relations=CATALOG.relations)
    values = {**result.values, "C_width": 1, **{n: c.default for n, c in entry.constants.items()}}
    from bounds.expr.logspace import log10_mpmath

    at_solution = log10_mpmath(width, {**values, "m": mpmath.power(10, result.width_log10)})
    assert at_solution == pytest.approx(result.width_log10, abs=1e-9)  # m = f(m)
    below = result.width_log10 - 0.01
    assert log10_mpmath(width, {**values, "m": mpmath.power(10, below)}) > below  # smaller m fails


def test_assumptions_are_reported():
    result = bounds.get("du-zhai-poczos-singh-2019/thm4.1-gd").evaluate(n=1000)
    text = "; ".join(result.assumed)
    assert "fail_prob = 0.01 (default)" in text and "lambda_0 = 1e-09 via" in text
    given = bounds.get("du-zhai-poczos-singh-2019/thm4.1-gd").evaluate(n=1000, lambda_0=0.01)
    assert not any(a.startswith("lambda_0") for a in given.assumed)
    assert given.width_log10 == pytest.approx(6 * 3 - 4 * math.log10(0.01) + 3 * 2)


def test_hidden_constants_scale_the_bound():
    entry = bounds.get("du-zhai-poczos-singh-2019/thm4.1-gd")
    base = entry.evaluate(n=100).width_log10
    assert entry.evaluate(n=100, constants={"C_width": 1000}).width_log10 == pytest.approx(base + 3)
    with pytest.raises(ParameterError, match="no constant"):
        entry.evaluate(n=100, constants={"C_nope": 2})


@pytest.mark.parametrize("params, message", [
    ({"n": 0}, "n=0 is outside"),
    ({"n": -5}, "outside"),
    ({"n": 10.5}, "whole number"),
    ({"n": 10, "L": 0}, "L=0 is outside"),
    ({"n": 10, "eps": 1.5}, "eps=1.5 is outside (0, 1)"),
    ({"n": 10, "eps": 0}, "eps=0 is outside"),
    ({"n": 10, "wdith": 3}, "unknown parameter 'wdith'"),
])
def test_bad_parameters_are_refused(params, message):
    with pytest.raises(ParameterError, match=message.replace("(", r"\(").replace(")", r"\)")):
        bounds.get("allen-zhu-li-song-2019/thm1-gd").evaluate(**params)


def test_missing_parameter_names_its_argument():
    with pytest.raises(MissingParameterError, match="needs L, which was not given; pass L=..."):
        bounds.get("allen-zhu-li-song-2019/thm1-gd").evaluate(n=1000)


def test_values_beyond_float_range_are_ordinary():
    result = bounds.get("allen-zhu-li-song-2019/thm1-gd").evaluate(n=1e15, L=100)
    assert result.width_log10 > 308 and math.isfinite(result.width_log10)
    assert mpmath.log10(result.width) == pytest.approx(result.width_log10)


def test_reported_values_come_in_one_order_whatever_the_hash_seed():
    """The values an evaluation reports (and `bounds verify` JSON prints) are sorted by name.

    Their order once followed a set of symbol names, so it changed with PYTHONHASHSEED.
    """
    import json
    import os
    import subprocess
    import sys

    program = ("import json, bounds\n"
               "print(json.dumps({e.id: list(e.evaluate(n=1000, L=10).values) for e in bounds.catalog()}))")
    orders = []
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", program], env=env, capture_output=True, text=True, check=True)
        orders.append(json.loads(out.stdout))
    assert orders[0] == orders[1] == orders[2]
    assert all(names == sorted(names) for names in orders[0].values())
    assert any(len(names) > 1 for names in orders[0].values())
