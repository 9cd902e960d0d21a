"""Arora, Du, Hu, Li, Wang 2019 (arXiv 1901.08584): Theorem 4.1 as restated (secondary), with the
init scale kappa at its largest allowed value and epsilon (a residual-norm accuracy) ~ sqrt(eps)."""

from _pins import expect

ID = "arora-du-hu-li-wang-2019/thm4.1-gd"
QUOTE = ("kappa = O(epsilon delta / sqrt(n)), width m = Omega(n^7 / (lambda_0^4 kappa^2 delta^4 epsilon^2)) "
         "and step size eta = O(lambda_0 / n^2), with probability at least 1 - delta")


def test_thm41_width_after_fixing_kappa():
    # n^7 / (lambda_0^4 kappa^2 delta^4 epsilon^2) with kappa = epsilon delta / sqrt(n), epsilon = sqrt(eps):
    # n^8 / (lambda_0^4 fail_prob^6 eps^2).
    expect(ID, "width", n=8, L=0, lambda_0=4, fail_prob=6, eps=2, quote=QUOTE)


def test_thm41_step_size_lambda0_over_n2():
    expect(ID, "step_size", n=-2, lambda_0=-1, quote=QUOTE)


def test_thm41_iterations_derived_from_eigen_rates():
    # (1 - eta lambda_0)^(2k) ||y|| <= epsilon with eta = lambda_0 / n^2 and ||y|| = O(sqrt(n)):
    # k ~ n^2 / lambda_0^2 log(n / eps) (derived): one log of n and one of 1/eps.
    expect(ID, "iterations", n=2, polylog_n=1, L=0, lambda_0=2, eps=0, polylog={"eps": 1},
           quote="||y - u(k)||_2 = sqrt(sum_{i=1}^n (1 - eta lambda_i)^(2k) (v_i^T y)^2) +- epsilon")
