"""Deep fully connected settings: Allen-Zhu, Li & Song; Zou & Gu; Noy et al.; Du, Lee et al.; NTK.

The catalogue's L counts the hidden m x m layers of Allen-Zhu et al. and Zou & Gu, whose
networks also have an input layer A (m x d): the network then has L + 1 ReLU layers, and its
analytic NTK is relu_ntk(X, L + 1).  Networks in the NTK parametrisation have L hidden layers.
"""

from __future__ import annotations

from .base import NetworkSpec

ALLEN_ZHU_2019 = "allen-zhu-li-song-2019"
ZOU_GU_2019 = "zou-gu-2019"
NOY_2021 = "noy-xu-aflalo-zelnik-manor-jin-2021"
DU_LEE_2019 = "du-lee-li-wang-zhai-2019"


def allen_zhu2019(L: int) -> NetworkSpec:
    """Allen-Zhu, Li & Song 2019 (1811.03962): u = B relu(W_L ... relu(W_1 relu(A x))), A, B fixed."""
    return NetworkSpec(
        name=f"deep ReLU, input layer + {L} hidden m x m layers, hidden layers trained (Allen-Zhu et al. 2019)",
        papers=(ALLEN_ZHU_2019,),
        depth=L + 1, activation="relu", parametrization="standard",
        trained=(False,) + (True,) * L + (False,),
        source="Allen-Zhu et al. 2019 (as restated by Basri et al. 2020, App. D, tau = 1): A, W_l entries N(0, 2/m), "
               "B entries N(0, 1); A and B fixed, W_1..W_L trained; Phi = 1/2 sum_i (y_i - f(x_i))^2",
        choices=(f"depth: the input layer A plus L = {L} hidden layers, i.e. {L + 1} ReLU layers",
                 "output dimension 1, so B ~ N(0, 1/d_out) = N(0, 1)"),
    )


def zou_gu2019(L: int) -> NetworkSpec:
    """Zou & Gu 2019 (1906.04688): the same network, input and hidden layers trained, output fixed."""
    name = (f"deep ReLU, input layer + {L} hidden m x m layers, all but the output trained (Zou & Gu 2019)" if L
            else "two-layer ReLU, standard parametrisation, input layer trained (Zou & Gu 2019's two-layer case)")
    return NetworkSpec(
        name=name,
        papers=(ZOU_GU_2019,),
        depth=L + 1, activation="relu", parametrization="standard",
        trained=(True,) * (L + 1) + (False,), loss="half-mean",
        source="Zou & Gu 2019 (recollection, unverified): V relu(W_L ... relu(W_1 x)), W_l entries N(0, 2/m), V fixed",
        choices=(f"depth: input layer plus L = {L} hidden m x m layers ({L + 1} ReLU layers), the same convention "
                 "as for Allen-Zhu et al.",
                 "loss averaged over samples: 1/(2n) sum (f - y)^2 (the paper's L_S = 1/n sum of losses)",
                 "output weights N(0, 1) (output dimension 1)"),
    )


def ntk_network(L: int, activation: str = "relu", papers: tuple[str, ...] = (), name: str = "",
                trained_output: bool = True, choices: tuple[str, ...] = (), source: str = "") -> NetworkSpec:
    """The NTK parametrisation with L hidden layers, all layers trained: its NTK tends to relu_ntk(X, L)."""
    return NetworkSpec(
        name=name or f"deep {activation} network in the NTK parametrisation, L = {L}, all layers trained",
        papers=papers, depth=L, activation=activation, parametrization="ntk",
        trained=(True,) * L + (trained_output,),
        source=source or "Jacot et al. 2018; Arora et al. 2019: x^(h) = sqrt(c_sigma/m) act(W_h x^(h-1)), "
                         "f = v . x^(L), entries N(0, 1), 1/2 sum (f - y)^2",
        choices=choices,
    )


def noy2021(L: int) -> NetworkSpec:
    """Noy, Xu, Aflalo, Zelnik-Manor & Jin 2021 (2101.04243): only the abstract was found."""
    return ntk_network(
        L, papers=(NOY_2021,), name=f"deep ReLU, L = {L}, NTK parametrisation, all layers trained (Noy et al. 2021)",
        source="Noy et al. 2021, abstract only: deep ReLU network trained by GD from random init",
        choices=("only the abstract was reachable: NTK parametrisation, all layers trained, "
                 "1/2 sum (f - y)^2 are the usual choices, not the paper's confirmed ones",),
    )


def du_lee2019(L: int, activation: str = "softplus") -> NetworkSpec:
    """Du, Lee, Li, Wang & Zhai 2019 (1811.03804), fully connected: smooth activation, all layers trained."""
    return ntk_network(
        L, activation=activation, papers=(DU_LEE_2019,),
        name=f"deep {activation} network, L = {L}, all layers trained (Du, Lee et al. 2019)",
        source="Du, Lee et al. 2019, Section 5: x^(h) = sqrt(c_sigma/m) act(W^(h) x^(h-1)), c_sigma = 1/E[act(z)^2], "
               "entries N(0, 1), 1/2 sum (f - y)^2",
        choices=(f"smooth analytic activation: {activation}",),
    )


def du_lee_resnet2019(H: int, activation: str = "softplus", c_res: float = 0.5) -> NetworkSpec:
    """Du, Lee, Li, Wang & Zhai 2019, Theorem 6.1: the fully connected ResNet, all layers trained."""
    return NetworkSpec(
        name=f"ResNet, H = {H} layers of width m, {activation}, all layers trained (Du, Lee et al. 2019, Thm 6.1)",
        papers=(DU_LEE_2019,), depth=H, activation=activation, parametrization="resnet", trained=(True,) * (H + 1),
        c_res=c_res,
        source="Du, Lee et al. 2019, Section 6: x^(1) = sqrt(c_sigma/m) act(W^(1) x), x^(h) = x^(h-1) + "
               "c_res / (H sqrt(m)) act(W^(h) x^(h-1)), f = a . x^(H), entries N(0, 1), 1/2 sum (f - y)^2",
        choices=(f"c_res = {c_res} (the theorem needs 0 < c_res < 1; its value is free)",
                 f"smooth analytic activation: {activation}",
                 "first layer x^(1) = sqrt(c_sigma/m) act(W^(1) x) as in the paper's fully connected net "
                 "(the ResNet display was stripped from the text read)",
                 "analytic NTK derived in verify.resnet (mean-field recursion with the activations' mean in the "
                 "skip term), not read from the paper's Definition 6.1; a test pins it against the empirical NTK"),
    )
