"""Zou & Gu 2019 (arXiv 1906.04688): what is pinned is the scaling later papers restate.

The theorem statements were not reachable: the GD entries are headline-level (n / L scaling from
Song et al. 2021 and a shallow-network comparison table); the SGD entry is an unverified
recollection, pinned only so that a change to it is deliberate.
"""

from _pins import expect

import bounds

GD = "zou-gu-2019/thm-gd"
SGD = "zou-gu-2019/thm-sgd"
TWO = "zou-gu-2019/cor-two-layer-gd"


def test_gd_width_n8_L12():
    assert bounds.get(GD).confidence == "headline"
    expect(GD, "width", n=8, L=12, quote="Zou and Gu [40] improved the scaling to Omega(n^8 L^12) (Song et al. 2021)")


def test_gd_has_no_data_factor_and_no_iterations():
    entry = bounds.get(GD)
    assert entry.symbols("width") == {"n", "L"}
    assert "iterations" not in entry.bounds


def test_two_layer_gd_width_n8():
    assert bounds.get(TWO).confidence == "headline"
    expect(TWO, "width", n=8, L=0, quote="Zou & Gu (2019) | GD | ReLU | SD+QL | Omega(n^8) (shallow-network table)")


def test_sgd_is_an_unverified_recollection():
    entry = bounds.get(SGD)
    assert entry.confidence == "unverified"
    expect(SGD, "width", n=17, L=12, delta=8, B=-4, k=1,
           quote="UNVERIFIED recollection (the team's unpublished notes), not the paper's words: m = Omega~(k n^17 "
                 "L^12 B^-4 phi^-8)")
