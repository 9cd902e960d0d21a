"""Ge, Wang, Zhao 2019 (arXiv 1909.11837v1): parameters a constant factor more than n (headline)."""

from _pins import expect

import bounds

ID = "ge-wang-zhao-2019/memorize-mild-overparam"


def test_parameters_linear_in_n():
    expect(ID, "width", n=1, L=0,
           quote="the number of parameters is just a constant factor more than the number of training samples")
    assert bounds.get(ID).counts == "parameters" and bounds.get(ID).guarantee == "training-error"
