"""Nitanda, Chinot, Suzuki 2019 (arXiv 1905.09870v3): the abstract gives no width formula, so none is
invented; only the entry's status and guarantee are pinned."""

import bounds


def test_width_unstated_logistic_test_error():
    entry = bounds.get("nitanda-chinot-suzuki-2019/gd-logistic-smooth-separable")
    assert entry.unstated == ("width",) and entry.bounds == {}
    assert (entry.confidence, entry.guarantee) == ("headline", "test-error")
    assert "much better dependence on the network width" in entry.quote
