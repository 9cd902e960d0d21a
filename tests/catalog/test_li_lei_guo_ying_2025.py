"""Li, Lei, Guo, Ying 2025 (arXiv 2510.02779, NeurIPS 2025): Theorem 3's width condition and Table 1,
quoted from the full text (GitHub text index file id 53594287125)."""

from _pins import expect

import bounds

KEY = "li-lei-guo-ying-2025"


def test_theorem3_width_L16_d_over_gamma8_polylog_n():
    # m >~ L^16 d (log m)^5 log(nL/delta) (log T)^8 / gamma^8 with T = n L: log^9 in n, no power of n.
    # log L: 5 from (log m)^5 (m ~ L^16 d / gamma^8), 1 from log(nL/delta), 8 from (log T)^8 with T = n L.
    expect(f"{KEY}/thm3-gd-ntk-separable", "width", n=0, polylog_n=9, L=16, d=1, gamma=8, fail_prob=0,
           polylog={"L": 14, "d": 5, "gamma": 5, "fail_prob": 1},
           quote="If m >~ L^16 d (log m)^5 log(nL/delta)(log T)^8/gamma^8, eta <= 4/(5L), eta T ≍ n")
    expect(f"{KEY}/thm3-gd-ntk-separable", "step_size", L=-1, quote="eta <= 4/(5L)")
    expect(f"{KEY}/thm3-gd-ntk-separable", "iterations", n=1, L=1, eps=0, quote="eta T ≍ n, eta = 4/(5L)")
    assert bounds.get(f"{KEY}/thm3-gd-ntk-separable").guarantee == "test-error"


def test_table1_width_L16_gamma8_training_gamma2_T():
    quote = "Ours | ReLU | Omega~(L^16/gamma^8) | O~(1/(gamma^2 T)) (Table 1)"
    expect(f"{KEY}/table1-training-error", "width", n=0, L=16, gamma=8, quote=quote)
    expect(f"{KEY}/table1-training-error", "iterations", n=0, gamma=2, eps=1, quote=quote)


def test_six_powers_of_L_below_chen_et_al():
    # Remark 5: 'these refinements reduce the required network width by a factor of L^6'.
    from bounds.asymptotics import exponent

    ours = exponent(bounds.get(f"{KEY}/table1-training-error"), "width", "L").power
    chen = exponent(bounds.get("chen-cao-zou-gu-2021/thm3.3-prop4.2-gd-ntrf-margin"), "width", "L").power
    assert chen - ours == 6
