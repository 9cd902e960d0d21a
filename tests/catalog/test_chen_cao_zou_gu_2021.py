"""Chen, Cao, Zou, Gu 2021 (arXiv 1911.12360, ICLR 2021): exponents pinned to the words of the
restating paper (Li, Lei, Guo, Ying 2025, Remark 5); the theorem text itself was not read."""

from _pins import expect

ID = "chen-cao-zou-gu-2021/thm3.3-prop4.2-gd-ntrf-margin"


def test_width_L22_over_gamma8_no_polynomial_n():
    # "polylogarithmic in n and eps^-1": no power of n, no power of 1/eps in the width.
    expect(ID, "width", n=0, L=22, gamma=8, eps=0,
           quote="Theorem 3.3 and Proposition 4.2 of Chen et al. [2021] show that when the network width "
                 "satisfies m = Omega~(L^22/gamma^8), the training error is of the order O~(1/T)")


def test_iterations_one_over_gamma2_eps_from_the_table():
    # Derived: training error O~(1/(gamma^2 T)) <= eps once T = O~(1/(gamma^2 eps)).
    expect(ID, "iterations", n=0, eps=1, gamma=2,
           quote="Li, Lei, Guo, Ying 2025, Table 1: 'Chen et al. | ReLU | Omega~(L^22/gamma^8) | O~(1/(gamma^2 T))'")


def test_the_two_readings_of_the_rate_are_on_the_page():
    import bounds

    entry = bounds.get(ID)
    assert entry.guarantee == "training-loss"
    assert "O~(1/T)" in entry.disagreements and "1/(gamma^2 T)" in entry.disagreements
