"""Cao & Gu 2019 (arXiv 1905.13210v1, NeurIPS 2019): m >~ n^7 as Li et al. 2025 attribute it (weak)."""

from _pins import expect

import bounds

ID = "cao-gu-2019/sgd-ntrf-generalization"


def test_width_n7_secondary_test_error():
    expect(ID, "width", n=7, L=0,
           quote="Cao and Gu [2019] introduced the neural tangent random feature and showed the convergence of SGD "
                 "under the overparameterized assumption m >~ n^7 (Li et al. 2025)")
    entry = bounds.get(ID)
    assert (entry.confidence, entry.guarantee) == ("secondary", "test-error")
