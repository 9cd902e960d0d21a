"""Su & Yang 2019 (arXiv 1905.10826v2, NeurIPS 2019): width Omega(n log n) (abstract)."""

from _pins import expect


def test_width_n_log_n():
    expect("su-yang-2019/gd-nearly-linear-width", "width", n=1, polylog_n=1, L=0,
           quote="as long as the width of the neural network is Omega(n log n), the empirical risk decreases to "
                 "Theta(1/sqrt(n))")
