"""Chatterjee 2022 (arXiv 2203.16462v5): fixed width, needs input dimension >= n."""

from _pins import expect

import bounds

ID = "chatterjee-2022/gd-fixed-width-linear-independence"


def test_width_does_not_grow_and_d_ge_n_is_checked():
    expect(ID, "width", n=0, L=0,
           quote="the network width and depth are fixed, while the input data vectors are assumed to be linearly "
                 "independent")
    row = bounds.compare(n=1000, ids=[ID])[0]
    assert any("d >= n fails" in w for w in row.warnings)
    assert not bounds.compare(n=50, d=100, ids=[ID])[0].warnings
