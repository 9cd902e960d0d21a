"""Oymak, Soltanolkotabi 2020 (arXiv 1902.04674): headline entries from the abstract, and the
(unverified) lambda_0 >= delta / (100 n^2) relation."""

from _pins import expect

import bounds

KEY = "oymak-soltanolkotabi-2020"
ABSTRACT = ("converges at a geometric rate to a nearby global optima as soon as the square-root of the number "
            "of network parameters exceeds the size of the training data")


def test_smooth_gd_width_n2_over_d():
    # sqrt(k d) >~ n with k hidden units and d inputs: k >~ n^2 / d.
    expect(f"{KEY}/thm2.1-smooth-gd", "width", n=2, L=0, d=-1, quote=ABSTRACT)


def test_smooth_sgd_width_n2_over_d():
    expect(f"{KEY}/sgd-smooth", "width", n=2, L=0, d=-1, quote="(stochastic) gradient descent [...] " + ABSTRACT)


def test_relation_lambda0_separation():
    relation = bounds.catalog().relation(f"{KEY}/lambda0-separation")
    assert relation.symbol == "lambda_0"
    assert relation.confidence == "unverified"
    assert relation.text.replace(" ", "") == "delta/(100*n^2)"


def test_sgd_relu_layer1_n2_secondary_and_disputed():
    entry = bounds.get(f"{KEY}/sgd-relu-layer1")
    assert entry.confidence == "secondary" and entry.disputed
    expect(f"{KEY}/sgd-relu-layer1", "width", n=2, L=0,
           quote="Oymak & Soltanolkotabi (2020) | SGD on layer 1 | ReLU | QL | Omega~(n^2) (ICLR-22 submission, Table "
                 "1)")


def test_sgd_relu_layer1_counts_parameters_as_the_abstract_does():
    # The abstract's threshold is on parameters (sqrt(k d) >~ n); the table's n^2 is read that way, so
    # in hidden units it is n^2 / d, like thm2.1-smooth-gd (the table's own width reading is in `disputed`).
    entry = bounds.get(f"{KEY}/sgd-relu-layer1")
    assert entry.counts == "parameters" and "width" in entry.disputed
    row = bounds.compare(n=1000, d=100, ids=[f"{KEY}/sgd-relu-layer1"], unit="width")[0]
    assert abs(row.width_log10 - 4.0) < 1e-9  # 1000^2 / 100 hidden units


def test_parameter_count_k_d_gives_n2_parameters():
    # the abstract's sqrt(k d) >~ n: the width n^2 / d counted as k d parameters is n^2.
    row = bounds.compare(n=1000, ids=[f"{KEY}/thm2.1-smooth-gd"], unit="parameters")[0]
    assert abs(row.width_log10 - 6.0) < 1e-9
