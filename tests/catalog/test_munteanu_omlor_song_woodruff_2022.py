"""Munteanu, Omlor, Song, Woodruff 2022 (arXiv 2206.12802v1, ICML 2022): the abstract's neuron counts."""

from _pins import expect

import bounds

KEY = "munteanu-omlor-song-woodruff-2022"


def test_logistic_gamma2_neurons():
    expect(f"{KEY}/logistic-coupled-init", "width", n=0, L=0, gamma=2,
           quote="with logistic loss, from roughly gamma^-8 [Ji and Telgarsky, ICLR 2020] to gamma^-2")
    assert bounds.get(f"{KEY}/logistic-coupled-init").counts == "neurons"


def test_squared_n2_neurons():
    expect(f"{KEY}/squared-coupled-init", "width", n=2, L=0,
           quote="in the over-parameterized setting with squared loss, from roughly n^4 [Song and Yang, 2019] to n^2")
    assert bounds.get(f"{KEY}/squared-coupled-init").guarantee == "squared-loss"
