"""Allen-Zhu, Li, Song 2019, RNNs (arXiv 1810.12065, NeurIPS 2019): 'polynomial in n and L' neurons,
no degrees given: the width is unstated, not invented."""

import bounds


def test_rnn_widths_unstated_polynomial():
    for slug in ("sgd-rnn-linear-rate", "gd-rnn-linear-rate"):
        entry = bounds.get(f"allen-zhu-li-song-2019-rnn/{slug}")
        assert entry.unstated == ("width",) and entry.counts == "neurons"
        assert "polynomial in the training data size" in entry.quote
