"""Ji & Telgarsky 2020 (arXiv 1909.12292v4, ICLR 2020): the margin dependence from Li et al. 2025's
table (secondary) and the abstract's test-error statements (headline, width unstated)."""

from _pins import expect

import bounds

KEY = "ji-telgarsky-2020"
ABSTRACT = ("This work shows that Theta~(1/eps) iterations of gradient descent with Omega~(1/eps^2) training "
            "examples on two-layer ReLU networks of any width exceeding polylog(n, 1/eps, 1/delta) suffice to "
            "achieve a test misclassification error of eps.")


def test_training_width_gamma8_iterations_gamma2_eps():
    quote = "Ji and Telgarsky | ReLU | Omega~(1/gamma^8) | O~(1/(gamma^2 T)) (Li et al. 2025, Table 1)"
    expect(f"{KEY}/gd-training-margin", "width", n=0, L=0, gamma=8, eps=0, quote=quote)
    expect(f"{KEY}/gd-training-margin", "iterations", n=0, gamma=2, eps=1, quote=quote)
    assert bounds.get(f"{KEY}/gd-training-margin").guarantee == "training-loss"


def test_test_error_statements_have_unstated_polylog_width():
    for slug in ("gd-test-error", "sgd-test-error"):
        entry = bounds.get(f"{KEY}/{slug}")
        assert entry.guarantee == "test-error" and entry.unstated == ("width",)
    expect(f"{KEY}/gd-test-error", "iterations", n=0, eps=1, quote=ABSTRACT)
    assert [c.text for c in bounds.get(f"{KEY}/gd-test-error").conditions] == ["n >= 1 / eps^2"]
