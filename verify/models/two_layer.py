"""Two-layer (one hidden layer) settings: Du et al. 2019 and the papers that follow its model.

All use f(x) = m^-1/2 sum_r a_r act(w_r . x) with w_r ~ N(0, kappa^2 I), a_r uniform in {-1, +1}
and fixed, only the first layer W trained by full-batch GD on 1/2 sum_i (f(x_i) - y_i)^2.
"""

from __future__ import annotations

from dataclasses import replace

from ..activations import activation as get_activation
from .base import NetworkSpec

DU_2019 = "du-zhai-poczos-singh-2019"
ARORA_2019 = "arora-du-hu-li-wang-2019"
SONG_YANG_2019 = "song-yang-2019"
OYMAK_2020 = "oymak-soltanolkotabi-2020"
SONG_ET_AL_2021 = "song-ramezani-kebrya-pethick-eftekhari-cevher-2021"


def du2019(activation: str = "relu") -> NetworkSpec:
    """Du, Zhai, Poczos & Singh 2019 (arXiv 1810.02054), Section 4: GD on the first layer."""
    return NetworkSpec(
        name="two-layer ReLU, first layer trained (Du et al. 2019)",
        papers=(DU_2019,),
        depth=1, activation=activation, parametrization="two-layer", trained=(True, False),
        source="Du et al. 2019, Section 3-4: f(W, a, x) = m^-1/2 sum_r a_r relu(w_r . x), w_r ~ N(0, I), "
               "a_r ~ unif{-1, +1} fixed, L(W) = 1/2 sum_i (f(x_i) - y_i)^2",
    )


def arora2019() -> NetworkSpec:
    """Arora, Du, Hu, Li & Wang 2019 (1901.08584): Du et al.'s model with init scale kappa."""
    return NetworkSpec(
        name="two-layer ReLU, first layer trained (Arora et al. 2019)",
        papers=(ARORA_2019,),
        depth=1, activation="relu", parametrization="two-layer", trained=(True, False),
        source="Arora et al. 2019, Section 3: Du et al.'s two-layer model with w_r ~ N(0, kappa^2 I)",
        choices=("init scale kappa = 1: the theorem takes kappa = O(eps delta / sqrt(n)), which only shrinks "
                 "u(0) and the activation margins (ReLU gradients do not depend on kappa)",),
    )


def song_yang2019() -> NetworkSpec:
    """Song & Yang 2019 (1906.03593): Du et al.'s setting with a sharper width."""
    return replace(du2019(), name="two-layer ReLU, first layer trained (Song & Yang 2019)", papers=(SONG_YANG_2019,),
                   source="Song & Yang 2019: the setting of Du et al. 2019 (secondary sources agree)")


def oymak2020(activation: str) -> NetworkSpec:
    """Oymak & Soltanolkotabi 2020 (1902.04674): x -> v . act(W x), first layer trained.

    Smooth activation (their Theorem 2.1 needs bounded act' and act''): softplus unless the
    entry names another; or ReLU.  The output weights v are fixed at +-1/sqrt(m).
    """
    smooth = get_activation(activation).smooth
    choices = ["output weights v_r = +-nu with nu = 1/sqrt(m) (half of each sign in expectation): "
               "the paper's nu is a free scale; this choice makes lambda(X) equal Du et al.'s H^inf for ReLU"]
    if smooth:
        choices.append(f"smooth activation: {activation} (the theorem allows any act with |act'|, |act''| bounded)")
    return NetworkSpec(
        name=f"shallow {activation} network, first layer trained (Oymak & Soltanolkotabi 2020)",
        papers=(OYMAK_2020,),
        depth=1, activation=activation, parametrization="two-layer", trained=(True, False),
        source="Oymak & Soltanolkotabi 2020: f(W) = v . act(W x), W_0 ~ N(0, 1) entries, v fixed, "
               "L(W) = 1/2 ||f(W) - y||^2, lambda(X) = lambda_min(E[act'(Xw) act'(Xw)^T] * (X X^T))",
        choices=tuple(choices),
    )


def song2021(activation: str) -> NetworkSpec:
    """Song, Ramezani-Kebrya, Pethick, Eftekhari & Cevher 2021 (2111.01875): both layers trained."""
    return NetworkSpec(
        name=f"two-layer {activation} network, both layers trained (Song et al. 2021)",
        papers=(SONG_ET_AL_2021,),
        depth=1, activation=activation, parametrization="two-layer", trained=(True, True), loss="sum",
        source="Song et al. 2021: ||V act(W X) - Y||^2 (no 1/2), both layers trained, smooth activation",
        choices=("output layer initialised +-1/sqrt(m) instead of N(0, w2^2), with w2 = 1/sqrt(m)'s variance",
                 f"smooth activation: {activation}"),
    )
