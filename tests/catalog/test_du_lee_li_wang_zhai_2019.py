"""Du, Lee, Li, Wang, Zhai 2019 (arXiv 1811.03804v4): exponents pinned to the paper's words.

The text read (ar5iv conversion, GitHub text index file id 67257082705) has its display equations
stripped, so widths and iteration counts are the paper's own headline scalings (Section 2) and the
step sizes come from the theorem text.  H (the paper's depth) = L: H hidden layers, then the output a.
"""

from _pins import expect

import bounds

KEY = "du-lee-li-wang-zhai-2019"
FC = f"{KEY}/thm5.1-fc-gd"
H1 = f"{KEY}/thm5.1-h1-two-layer"
RES = f"{KEY}/thm6.1-resnet-gd"
CONV = f"{KEY}/thm7.1-conv-resnet-gd"


def test_depth_convention_h_is_number_of_hidden_layers():
    # "W^(1) in R^{m x d} is the first weight matrix, W^(h) in R^{m x m} is the weight at the
    # h-th layer for 2 <= h <= H, a in R^m is the output layer": H hidden layers of width m.
    for entry_id in (FC, RES, CONV):
        assert bounds.get(entry_id).parameters["H"].maps_to_text == "L"


# --- Theorem 5.1, fully connected -----------------------------------------------------------

def test_thm51_width_n4_exponential_in_depth():
    expect(FC, "width", n=4, L="exp",
           quote="Theorem 5.1 requires width m >~ n^4 2^O(H)")


def test_thm51_iterations_n2_exponential_in_depth():
    expect(FC, "iterations", n=2, L="exp", polylog_n=0, eps=0, polylog={"eps": 1},
           quote="iteration complexity T >~ n^2 2^O(H) log(1/eps)")


def test_thm51_step_size_over_n2():
    # The 2^-O(H) factor decays exponentially in L: "-exp".
    expect(FC, "step_size", n=-2, L="-exp",
           quote="Here we require eta = O(lambda_min(K^(H)) / (n^2 2^O(H)))")


# --- Theorem 5.1 at H = 1 (two-layer) --------------------------------------------------------

def test_h1_width_n4():
    expect(H1, "width", n=4, L=0,
           quote="our results specialized to depth H = 1 improve upon ... from m = Omega(n^6) to m = Omega(n^4)")


def test_h1_iterations_n2_derived():
    expect(H1, "iterations", n=2, L=0, polylog_n=0, eps=0, polylog={"eps": 1},
           quote="T >~ n^2 2^O(H) log(1/eps) (at H = 1)")


def test_h1_step_size_over_n2():
    expect(H1, "step_size", n=-2, L=0,
           quote="When H = 1, this requirement is the same as the one used in [Du et al. 2018]")


# --- Theorem 6.1, ResNet ---------------------------------------------------------------------

def test_thm61_width_n4_H2():
    expect(RES, "width", n=4, L=2,
           quote="for this paper's Theorem 6.1 is m >~ n^4 H^2")


def test_thm61_iterations_n2_no_depth():
    expect(RES, "iterations", n=2, L=0, polylog_n=0, eps=0, polylog={"eps": 1},
           quote="the iteration complexity ... of Theorem 6.1 is T >~ n^2 log(1/eps)")


def test_thm61_step_size_H2_over_n2():
    expect(RES, "step_size", n=-2, L=2,
           quote="If we set the step size eta = O(lambda_min(K^(H)) H^2 / n^2)")


# --- Theorem 7.1, convolutional ResNet -------------------------------------------------------

def test_thm71_width_resnet_times_poly_p():
    entry = bounds.get(CONV)
    assert entry.bounds["width"].kind == "poly"
    expect(CONV, "width", n=4, L=2,
           quote="m = poly(n,p,H) ... This theorem is similar to that of ResNet ... The only extra term is poly(p) in "
                 "the requirement of m and eta")


def test_thm71_step_size_H2_over_n2_poly_p():
    expect(CONV, "step_size", n=-2, L=2,
           quote="If we set the step size eta = O(lambda_0 H^2 / (n^2 poly(p)))")


def test_thm71_has_no_iteration_count():
    assert "iterations" not in bounds.get(CONV).bounds
