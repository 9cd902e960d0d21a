"""Liu, Zhu, Belkin 2022 (arXiv 2003.00307v2, ACHA): an unverified secondary summary of the PL* width."""

from _pins import expect

import bounds

ID = "liu-zhu-belkin-2022/wide-nets-pl-star"


def test_width_linear_in_n_exponential_in_L_unverified():
    assert bounds.get(ID).confidence == "unverified"
    expect(ID, "width", n=1, L="exp",
           quote="UNVERIFIED secondary summary (file id 55399948102), not the paper: m = Omega~(n R^(6L+2) / (lambda_0 "
                 "- mu rho^-2)^2)")
