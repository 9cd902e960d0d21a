"""Eftekhari, Song, Cevher 2019 (arXiv 1910.03948): linear over-parametrization (headline)."""

from _pins import expect

KEY = "eftekhari-song-cevher-2019"
QUOTE = ("This paper establishes that linear overparametrization is sufficient to fit the training data, "
         "using a simple variant of the (stochastic) gradient descent.")


def test_gd_and_sgd_variants_parameters_linear_in_n():
    import bounds

    for slug in ("modified-gd-linear", "modified-sgd-linear"):
        expect(f"{KEY}/{slug}", "width", n=1, L=0, quote=QUOTE)
        assert bounds.get(f"{KEY}/{slug}").counts == "parameters"
