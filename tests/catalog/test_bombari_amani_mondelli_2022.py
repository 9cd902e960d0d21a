"""Bombari, Amani, Mondelli 2022 (arXiv 2205.10217v1, NeurIPS 2022): parameters ~ N, neurons ~ sqrt(N)."""

import math

from _pins import expect

import bounds

ID = "bombari-amani-mondelli-2022/gd-minimum-overparam"
QUOTE = ("up to logarithmic factors, the number of parameters is Omega(N) and, hence, the number of neurons is as "
         "little as Omega(sqrt(N))")


def test_parameters_linear_in_n():
    expect(ID, "width", n=1, L=0, quote=QUOTE)
    assert bounds.get(ID).counts == "parameters"


def test_converted_neurons_grow_like_sqrt_n():
    # The abstract's second reading: through d m + (L - 1) m^2 + m, n parameters are ~ sqrt(n) neurons per layer.
    small, large = (bounds.compare(n=n, L=3, ids=[ID], unit="neurons")[0].width_log10 for n in (1e8, 1e12))
    assert math.isclose(large - small, 2.0, abs_tol=0.05)
