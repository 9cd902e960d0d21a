"""Banerjee, Cisneros-Velarde, Zhu, Belkin 2023 (arXiv 2209.15106v1, ICLR 2023): the width enters only
through poly(L)/sqrt(m) with an unstated degree, so no width is invented."""

import bounds


def test_width_unstated_poly_L():
    entry = bounds.get("banerjee-cisneros-velarde-zhu-belkin-2023/rsc-gd-geometric")
    assert entry.confidence == "headline" and entry.unstated == ("width",)
    assert "Omega(poly(L)/sqrt(m))" in entry.quote and "geometric convergence" in entry.quote
