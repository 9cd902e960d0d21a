"""Which network realises which catalogue entry.

Models are chosen by the entry's paper key, so that theorems added to the catalogue later
for a known paper are picked up; an unknown paper falls back on its ``[theorem.setting]``
(architecture, activation, parametrisation), and the fallback is recorded in the model's
``choices``.  Settings with no model here (ResNets, CNNs, classification losses) are refused
with an :class:`~verify.errors.UnsupportedSettingError` naming the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from ..activations import activation as get_activation
from ..errors import UnsupportedSettingError
from .base import LOSSES, PARAMETRIZATIONS, NetworkSpec
from .deep import (
    ALLEN_ZHU_2019,
    DU_LEE_2019,
    NOY_2021,
    ZOU_GU_2019,
    allen_zhu2019,
    du_lee2019,
    du_lee_resnet2019,
    noy2021,
    ntk_network,
    zou_gu2019,
)
from .two_layer import (
    ARORA_2019,
    DU_2019,
    OYMAK_2020,
    SONG_ET_AL_2021,
    SONG_YANG_2019,
    arora2019,
    du2019,
    oymak2020,
    song2021,
    song_yang2019,
)

__all__ = [
    "NetworkSpec", "PARAMETRIZATIONS", "LOSSES", "PAPER_MODELS", "model_for_entry", "loss_kind", "du2019", "arora2019",
    "song_yang2019", "oymak2020", "song2021", "allen_zhu2019", "zou_gu2019", "noy2021", "du_lee2019", "ntk_network",
    "du_lee_resnet2019",
]

_CLASSIFICATION = ("cross", "logistic", "hinge", "classification", "exponential")
_LOGISTIC = ("logistic", "cross-entropy", "cross entropy", "classification losses")


def loss_kind(entry) -> str:
    """'squared', 'logistic' (logistic or binary cross-entropy), or 'unsupported' from the entry's loss text."""
    text = dict(entry.setting).get("loss", "").lower()
    if any(word in text for word in _LOGISTIC):
        return "logistic"
    if any(word in text for word in _CLASSIFICATION):
        return "unsupported"
    return "squared"
_SMOOTH_WORDS = ("smooth", "analytic", "differentiable", "softplus", "tanh", "sigmoid")


def _activation(setting: Mapping[str, str]) -> tuple[str, str | None]:
    """The activation an entry's setting names, and a note when it had to be chosen."""
    text = setting.get("activation", "").lower()
    if "softplus" in text:
        return "softplus", None
    if "tanh" in text:
        return "tanh", None
    if any(word in text for word in _SMOOTH_WORDS):
        if "phi(0) = 0" in text or "sigma(0) = 0" in text:
            return "tanh", "smooth activation with act(0) = 0 required: tanh chosen"
        return "softplus", "smooth activation: softplus chosen (the usual smooth ReLU)"
    if "relu" in text:
        return "relu", None
    return "relu", f"activation not stated in the entry ({text or 'empty'}): ReLU, the usual choice"


# paper key -> factory(setting, L, two_layer, activation) -> NetworkSpec; two_layer is the entry's
# architecture, L the user's depth (ignored for two-layer entries).
PAPER_MODELS: dict[str, Callable[[Mapping[str, str], int, bool, str], NetworkSpec | None]] = {
    DU_2019: lambda setting, L, two, act: du2019(),
    ARORA_2019: lambda setting, L, two, act: arora2019(),
    SONG_YANG_2019: lambda setting, L, two, act: song_yang2019(),
    OYMAK_2020: lambda setting, L, two, act: oymak2020(act),
    SONG_ET_AL_2021: lambda setting, L, two, act: song2021(act),
    ALLEN_ZHU_2019: lambda setting, L, two, act: None if two else allen_zhu2019(L),
    ZOU_GU_2019: lambda setting, L, two, act: zou_gu2019(0 if two else L),
    NOY_2021: lambda setting, L, two, act: noy2021(1 if two else L),
    DU_LEE_2019: lambda setting, L, two, act: du_lee2019(1 if two else L, act),
}


def _fallback(setting: Mapping[str, str], L: int, key: str, two_layer: bool, activation: str) -> NetworkSpec:
    note = f"no paper-specific model for {key}: built from the entry's setting"
    if two_layer:
        spec = du2019(activation)
        return replace(spec, name=f"two-layer {activation} network, first layer trained (generic)", papers=(key,),
                       source="generic two-layer model (Du et al. 2019's parametrisation)", choices=(note,))
    parametrization = setting.get("parametrization", "").lower()
    if "ntk" in parametrization or get_activation(activation).smooth:
        return ntk_network(L, activation, papers=(key,), choices=(note, "NTK parametrisation, all layers trained"))
    return replace(zou_gu2019(L), name=f"deep ReLU, input + {L} hidden layers, standard parametrisation (generic)",
                   papers=(key,), loss="half-sum",
                   choices=(note, "standard parametrisation (weights N(0, 2/m)), input and hidden layers trained, "
                                  "output fixed, 1/2 sum (f - y)^2"))


def model_for_entry(entry, L: int | None = None) -> NetworkSpec:
    """The network of `entry`'s paper, at depth L where the architecture is deep.

    The paper key picks the model; the entry's architecture (two-layer or deep-fc) picks its
    depth, and its `trained` text whether a two-layer network trains its output layer too.
    L defaults to 2 for deep networks and is ignored for two-layer ones.  The choices made,
    including running full-batch GD for an SGD or gradient-flow theorem, are recorded.
    """
    setting = dict(entry.setting)
    architecture = setting.get("architecture", "")
    if architecture == "resnet" and entry.paper.key == DU_LEE_2019:
        if L is not None and (isinstance(L, bool) or int(L) != L or L < 2):
            raise UnsupportedSettingError(
                f"the ResNet needs H = L >= 2 layers (one residual block at least), got {L!r}")
        activation, _ = _activation(setting)
        if not get_activation(activation).smooth:  # the ResNet theorem needs a smooth activation
            activation = "softplus"
        return du_lee_resnet2019(2 if L is None else int(L), activation)
    if architecture == "cnn":
        raise UnsupportedSettingError(
            f"{entry.id}: architecture 'cnn' is not modelled by verify: the text read gives neither the patch "
            "operator nor the convolutional Gram matrix (Definition 7.1), so a CNN could not be built honestly")
    if architecture not in ("two-layer", "deep-fc"):
        raise UnsupportedSettingError(
            f"{entry.id}: architecture {architecture or 'unknown'!r} is not modelled by verify "
            "(two-layer and deep-fc are)")
    kind = loss_kind(entry)
    if kind == "unsupported":
        raise UnsupportedSettingError(
            f"{entry.id}: its loss ({setting.get('loss')}) is neither the squared nor the logistic / cross-entropy "
            "loss; verify models those two only")
    if L is not None and (isinstance(L, bool) or int(L) != L or L < 1):
        raise UnsupportedSettingError(f"L must be a positive integer, got {L!r}")
    two_layer = architecture == "two-layer"
    depth = 2 if L is None else int(L)
    activation, activation_note = _activation(setting)
    key = entry.paper.key
    factory = PAPER_MODELS.get(key)
    spec = factory(setting, depth, two_layer, activation) if factory is not None else None
    if spec is None:
        spec = _fallback(setting, depth, key, two_layer, activation)
    notes = list(spec.choices)
    if activation_note and activation_note not in notes and spec.activation == activation:
        notes.append(activation_note)
    trained_text = setting.get("trained", "").lower()
    if spec.two_layer and spec.trained == (True, False) and ("both" in trained_text or "all layers" in trained_text):
        spec = replace(spec, trained=(True, True), name=spec.name.replace("first layer trained", "both layers trained"))
        notes.append("both layers trained, as the entry states")
    if kind == "logistic":
        loss_text = setting.get("loss", "")
        spec = replace(spec, objective="logistic", loss="half-mean")
        notes = [note.replace(", 1/2 sum (f - y)^2", "").replace("; Phi = 1/2 sum_i (y_i - f(x_i))^2", "")
                 for note in notes]
        notes.append(f"training loss: the entry's '{loss_text}' read as the logistic loss averaged over samples, "
                     "(1/n) sum log(1 + exp(-y_i f(x_i))), binary labels (binary cross-entropy of sigmoid(f) is the "
                     "same function of the margin y_i f(x_i))")
        if "classification losses" in loss_text.lower():
            notes.append("the theorem covers a family of classification losses: the logistic loss, a member, is run")
    algorithm = setting.get("algorithm", "GD")
    if algorithm == "gradient-flow":
        notes.append("the theorem is about gradient-flow; verify runs full-batch GD with a small step "
                     "(a discretisation of the flow)")
    elif algorithm not in ("GD", "SGD"):
        notes.append(f"the theorem is about {algorithm}; verify runs full-batch GD")
    return replace(spec, choices=tuple(notes))
