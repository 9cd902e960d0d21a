"""Noy, Xu, Aflalo, Zelnik-Manor, Jin 2021 (arXiv 2101.04243): abstract-only headline, pinned.

Only the abstract was read; data-dependent factors of the theorem are unknown.
"""

from _pins import expect

import bounds

ID = "noy-xu-aflalo-zelnik-manor-jin-2021/main-gd-headline"
QUOTE = ("convergence to a global minimum is guaranteed for networks with widths quadratic in the "
         "sample size and linear in their depth at a time logarithmic in both")


def test_is_headline_only():
    entry = bounds.get(ID)
    assert entry.confidence == "headline"
    assert entry.bounds["width"].kind == "headline"


def test_width_quadratic_in_n_linear_in_depth():
    expect(ID, "width", n=2, L=1, quote=QUOTE)


def test_iterations_logarithmic_in_n_and_depth():
    # log(n L / eps): one log each of n, L and 1/eps (the eps is the catalogue's assumption, see the entry).
    expect(ID, "iterations", n=0, L=0, eps=0, polylog={"n": 1, "L": 1, "eps": 1},
           quote=QUOTE + "; converges to a global minimum in a logarithmic number of gradient-descent iterations")
