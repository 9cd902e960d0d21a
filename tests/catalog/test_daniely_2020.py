"""Daniely 2020 (arXiv 1911.09873, NeurIPS 2020): O~(n/d) neurons memorise n random points."""

from _pins import expect

import bounds

ID = "daniely-2020/sgd-memorization"


def test_neurons_n_over_d():
    expect(ID, "width", n=1, L=0, d=-1,
           quote="SGD on depth two network with O~(m/d) hidden neurons (and hence O~(m) parameters) can memorize m "
                 "random labeled points")
    entry = bounds.get(ID)
    assert (entry.counts, entry.guarantee) == ("neurons", "training-error")


def test_hence_n_parameters():
    # The abstract's 'and hence O~(m) parameters': (d + 1) n / d parameters.
    row = bounds.compare(n=1e6, d=100, ids=[ID], unit="parameters")[0]
    assert abs(row.width_log10 - 6.0) < 0.01
