"""Nguyen 2021 (arXiv 2101.09612, ICML 2021): exponents pinned to the abstract and to the
restatement by Saratchandran, Ramasinghe, Lucey 2024 (the theorems were not read)."""

from _pins import expect

KEY = "nguyen-2021"


def test_linear_width_case():
    expect(f"{KEY}/linear-width-special-init", "width", n=1,
           quote="we require a single wide layer of linear, quadratic or cubic width depending on the type of "
                 "initialization")


def test_two_layer_quadratic_width():
    expect(f"{KEY}/quadratic-width-shallow", "width", n=2, L=0,
           quote="networks employing a ReLU activation, with or without a positional embedding layer, "
                 "scale quadratically in the shallow setting and cubically in the deep setting")


def test_deep_one_layer_cubic_width():
    # Depth-dependence unknown: L is not pinned.
    expect(f"{KEY}/cubic-width-deep", "width", n=3,
           quote="For deep ReLU networks, the state of the art was proved in [20] showing that one could take "
                 "one hidden layer of order Omega(N^3)")
