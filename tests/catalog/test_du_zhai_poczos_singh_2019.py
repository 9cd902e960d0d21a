"""Du, Zhai, Poczos, Singh 2019 (arXiv 1810.02054; theorem text read in the ICLR 2019 OpenReview
version, display equations stripped): exponents pinned to the paper's words."""


from _pins import expect

KEY = "du-zhai-poczos-singh-2019"
ID = f"{KEY}/thm4.1-gd"


def test_thm32_gradient_flow_width_n6_over_lambda4_delta3():
    expect(f"{KEY}/thm3.2-gf", "width", n=6, L=0, lambda_0=4, fail_prob=3,
           quote="The number of hidden nodes m required is Omega(n^6 / (lambda_0^4 delta^3)), which depends "
                 "on the number of samples n, lambda_0, and the failure probability delta.")


def test_thm32_gradient_flow_has_no_iteration_count():
    import bounds

    assert "iterations" not in bounds.get(f"{KEY}/thm3.2-gf").bounds


def test_thm33_both_layers_width_n6_unverified():
    # The log(m) + log(1/delta) is the catalogue's unverified recollection (no source read states it):
    # with m ~ n^6 / (lambda_0^4 delta^3) it adds one log of n, of 1/lambda_0 and of 1/delta.
    expect(f"{KEY}/thm3.3-gf-both-layers", "width", n=6, L=0, lambda_0=4, fail_prob=3,
           polylog={"n": 1, "lambda_0": 1, "fail_prob": 1},
           quote="Theorem 3.3 shows under the same assumptions as in Theorem 3.2, we can achieve the same "
                 "convergence rate as that of only training the first layer. (width display not read; the "
                 "log(m/delta) is a recollection, unverified)")


def test_thm33_is_marked_unverified():
    import bounds

    entry = bounds.get(f"{KEY}/thm3.3-gf-both-layers")
    assert entry.confidence == "unverified"
    assert "log(m)" in entry.bounds["width"].text


def test_thm41_width_is_n6_over_lambda4_delta3():
    expect(ID, "width", n=6, L=0, lambda_0=4, fail_prob=3,
           quote="Our assumptions on the least eigenvalue and the number of hidden nodes are exactly the same "
                 "as the theorem for gradient flow. [...] with probability at least 1 - delta")


def test_thm41_step_size_lambda0_over_n2():
    expect(ID, "step_size", n=-2, lambda_0=-1, quote="and we set the step size eta = O(lambda_0 / n^2)")


def test_thm41_iterations_from_rate():
    # (1 - eta lambda_0 / 2)^k with eta = lambda_0 / n^2: k ~ n^2 / lambda_0^2 log(n / (delta eps)),
    # the delta from Markov's bound ||u(0) - y||^2 = O(n / delta) (derived; see the entry's disagreements).
    expect(ID, "iterations", n=2, polylog_n=1, L=0, lambda_0=2, eps=0, fail_prob=0,
           polylog={"eps": 1, "fail_prob": 1},
           quote="||u(k) - y||_2^2 <= (1 - eta lambda_0 / 2)^k ||u(0) - y||_2^2 [...] by Markov's inequality, we "
                 "have with probability at least 1 - delta")


def test_thm41_effective_width_under_separation_relation():
    # With lambda_0 >= delta / (100 n^2) (unverified relation), n^6 / lambda_0^4 becomes n^14 / delta^4.
    expect(ID, "width", effective=True, n=14, delta=4, fail_prob=3,
           quote="m = Omega(n^6 / (lambda_0^4 delta^3)); lambda(X) >= delta / (100 n^2) (relation, unverified)")
