"""Terjek, Gonzalez-Sanchez 2023 (arXiv 2205.13507v2): the abstract states no width scaling.

The pin here is that no exponent was invented: the width is declared unstated, and the only
scaling encoded is the log(1/eps) of a linear rate.
"""

from _pins import expect

import bounds
from bounds.expr.ir import free_symbols

ID = "terjek-gonzalez-sanchez-2023/deep-mlp-gd-headline"


def test_width_is_declared_unstated():
    # "when sufficiently wide, it (i) leads to the convergence of gradient descent to a global
    # optimum with a linear rate": no n, depth or eigenvalue dependence is stated.
    entry = bounds.get(ID)
    assert entry.confidence == "headline"
    assert "width" not in entry.bounds and entry.unstated == ("width",)
    row = bounds.compare(n=1000, L=10, ids=[ID])[0]
    assert row.width_log10 is None and row.width_bound == "unstated" and row.width_exponent_n is None


def test_iterations_only_log_one_over_eps():
    entry = bounds.get(ID)
    assert free_symbols(entry.bounds["iterations"].expr) == {"kappa", "eps"}
    expect(ID, "iterations", eps=0, polylog={"eps": 1},
           quote="leads to the convergence of gradient descent to a global optimum with a linear rate")
