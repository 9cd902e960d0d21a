"""Allen-Zhu, Li, Song 2019 (arXiv 1811.03962): exponents pinned to the words of the restatement.

The GD theorem is encoded from Basri et al. 2020 (arXiv 2003.04560), Appendix D.4, Theorem 5,
a restatement of Allen-Zhu et al.'s theorem (tau = 1 is the original).  The SGD entry carries
only the n-scaling of a later comparison table, and is unverified.
"""

import pytest
from _pins import expect

import bounds
from bounds.expr.growth import Growth, growth
from bounds.symbols import shared_symbols

GD = "allen-zhu-li-song-2019/thm1-gd"
SGD = "allen-zhu-li-song-2019/thm2-sgd"


def test_gd_width_n24_L12_delta8_log5m():
    # log^5 m with m itself ~ n^24 L^12 / delta^8: five extra powers of log n, of log L and of log(1/delta).
    expect(GD, "width", n=24, L=12, delta=8, polylog={"n": 5, "L": 5, "delta": 5},
           quote="let m >= Omega(n^24 L^12 log^5 m / (delta^8 tau^2)) [tau = 1 in the original]")


def test_gd_iterations_n6_L2_delta2_log():
    expect(GD, "iterations", n=6, L=2, delta=2, eps=0, polylog_n=0, polylog={"eps": 1},
           quote="gradient descent with learning rate eta achieves Phi(W) <= eps in T = Theta(n^6 L^2 / delta^2 log "
                 "1/eps)")


@pytest.mark.parametrize("var, power", [("n", -4), ("L", -2), ("delta", -1)])
def test_gd_step_size_delta_over_n4_L2_m(var, power):
    # The paper's form, at fixed m (the engine otherwise substitutes the minimal width for m).
    entry = bounds.get(GD)
    assert "m" in entry.symbols("step_size")
    expr = entry.bounds["step_size"].expr
    values = {"n": 1000.0, "L": 10.0, "delta": 0.1, "m": 1e80}
    g = growth(expr, var, shared_symbols()[var].small, values, {"m": Growth()})
    assert g.power == power, "eta = Theta(delta / (n^4 L^2 m tau^2)) [tau = 1]"


def test_gd_separation_condition_and_confidence():
    entry = bounds.get(GD)
    assert entry.confidence == "secondary"
    assert [c.text for c in entry.conditions] == ["delta <= 1/L"], "delta in (0, O(1/L)]"


def test_sgd_is_unverified_with_n24_only():
    # The paper's own summary (ICML abstract) has no exponent; n^24 is one cell of a later table.
    entry = bounds.get(SGD)
    assert entry.confidence == "unverified"
    assert "iterations" not in entry.bounds
    expect(SGD, "width", n=24, quote="Allen-Zhu et al. (2019) | SGD | ReLU | SD+QL | Omega(n^24) (restating table)")
    # The table gives no L, delta or batch dependence: the exponents must say unknown, not 0.
    row = bounds.compare(n=1000, L=10, ids=[SGD])[0]
    assert row.width_exponent_n == 24 and row.width_exponent_L is None
