"""Song, Yang 2019 (arXiv 1906.03593): only the title's claim (headline) and an unverified
recollection are catalogued; their exponents are pinned so that a change is deliberate."""

from _pins import expect

KEY = "song-yang-2019"


def test_headline_width_quadratic():
    expect(f"{KEY}/headline-quadratic", "width", n=2, L=0,
           quote="Quadratic Suffices for Over-parametrization via Matrix Chernoff Bound")


def test_recollection_width_n4_over_lambda4_unverified():
    import bounds

    assert bounds.get(f"{KEY}/recollection-n4").confidence == "unverified"
    expect(f"{KEY}/recollection-n4", "width", n=4, polylog_n=3, L=0, lambda_0=4, fail_prob=0,
           polylog={"fail_prob": 3},
           quote="(not read; the team's recollection) m = Omega(lambda^-4 n^4 log^3(n / delta))")


def test_both_readings_are_marked_disputed():
    import bounds

    for slug in ("headline-quadratic", "recollection-n4"):
        disputed = bounds.get(f"{KEY}/{slug}").disputed
        assert "roughly n^4" in disputed and "n^2" in disputed
