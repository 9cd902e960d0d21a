"""Zou, Cao, Zhou, Gu 2020 (arXiv 1811.08888): only the abstract was reachable.

Both entries are unverified.  The GD width is a very-low-confidence recollection; the SGD
width is a 'poly' placeholder whose exponents mean nothing, so only its status is pinned.
"""

from _pins import expect

import bounds

GD = "zou-cao-zhou-gu-2020/thm-gd"
SGD = "zou-cao-zhou-gu-2020/thm-sgd"


def test_gd_is_an_unverified_recollection():
    entry = bounds.get(GD)
    assert entry.confidence == "unverified"
    assert "iterations" not in entry.bounds
    expect(GD, "width", n=26, L=38, delta=8,
           quote="UNVERIFIED recollection (the team's unpublished notes), not the paper's words: n^26 L^38 phi^-8")


def test_version_venue_and_expression_belong_together():
    import bounds

    early = bounds.get(GD)
    assert early.arxiv_version == "v1" and "arXiv preprint" in early.venue_of_version
    assert "cannot be the journal theorem" in early.disputed
    journal = bounds.get("zou-cao-zhou-gu-2020/journal-gd-cross-entropy")
    assert journal.venue_of_version.startswith("Machine Learning")
    assert journal.unstated == ("width",) and journal.guarantee == "training-loss"
    assert "milder over-parameterization condition" in journal.quote


def test_sgd_width_is_unstated_not_invented():
    # The abstract gives only a polynomial width, no exponents.
    entry = bounds.get(SGD)
    assert entry.confidence == "unverified"
    assert entry.unstated == ("width",) and "width" not in entry.bounds
    assert "iterations" not in entry.bounds
