"""Kawaguchi & Huang 2019 (arXiv 1908.02419v3): trainable parameters linear in n; which layers are
trained is disputed, so the bound cannot be turned into a width."""

from _pins import expect

import bounds

ID = "kawaguchi-huang-2019/gd-linear-trainable-parameters"


def test_trainable_parameters_linear_in_n():
    expect(ID, "width", n=1, L=0,
           quote="Our theory only requires the number of trainable parameters to increase linearly as the number of "
                 "training samples increases.")
    entry = bounds.get(ID)
    assert entry.counts == "trained-parameters"
    assert "of all layers" in entry.disputed and "layer 2" in entry.disputed


def test_not_converted_because_the_trained_layers_are_disputed():
    row = bounds.compare(n=1000, L=10, ids=[ID])[0]
    assert row.width_log10 is None and row.width_stated_log10 == 3.0
    assert "which layers are trained" in row.conversion
