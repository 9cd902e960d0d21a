"""Which model realises which entry, and the models' own conventions."""

from __future__ import annotations

import numpy as np
import pytest
from verify_helpers import entry_from_text

import bounds
from verify.errors import UnsupportedSettingError
from verify.models import model_for_entry, ntk_network
from verify.ntk import relu_ntk


def test_du_entry_gets_du_model(du_entry):
    spec = model_for_entry(du_entry)
    assert spec.two_layer and spec.activation == "relu" and spec.trained == (True, False)
    assert spec.loss == "half-sum" and spec.output_scale(100) == pytest.approx(0.1)
    W, a = spec.init(3, 100, seed=0)
    assert W.shape == (100, 3) and set(np.unique(a)) == {-1.0, 1.0}


def test_mapping_by_paper_key_picks_up_new_entries():
    als = entry_from_text(
        'architecture = "deep-fc"\nactivation = "relu"\nalgorithm = "SGD"', key="allen-zhu-li-song-2019"
    )
    spec = model_for_entry(als, L=3)
    assert spec.parametrization == "standard" and spec.depth == 4
    assert spec.trained == (False, True, True, True, False)  # A and B fixed, W_1..W_L trained
    assert spec.init_std(512) == pytest.approx((2 / 512) ** 0.5)
    assert not any("full-batch GD" in c for c in spec.choices)  # SGD theorems are run with SGD (verify.verdict)
    zg = model_for_entry(entry_from_text('architecture = "two-layer"\nactivation = "relu"', key="zou-gu-2019"))
    assert zg.depth == 1 and zg.parametrization == "standard" and zg.trained == (True, False)
    oy = model_for_entry(
        entry_from_text('architecture = "two-layer"\nactivation = "smooth"', key="oymak-soltanolkotabi-2020")
    )
    assert oy.activation == "softplus" and oy.trained == (True, False)
    oy_relu = model_for_entry(
        entry_from_text('architecture = "two-layer"\nactivation = "relu"', key="oymak-soltanolkotabi-2020")
    )
    assert oy_relu.activation == "relu"
    song = model_for_entry(entry_from_text(
        'architecture = "two-layer"\nactivation = "smooth, phi(0) = 0; ReLU excluded"\ntrained = "both layers"',
        key="song-ramezani-kebrya-pethick-eftekhari-cevher-2021"))
    assert song.activation == "tanh" and song.trained == (True, True) and song.loss == "sum"


def test_unknown_paper_falls_back_on_the_setting_and_says_so():
    spec = model_for_entry(
        entry_from_text('architecture = "deep-fc"\nactivation = "relu"\nparametrization = "NTK"'), L=2
    )
    assert spec.parametrization == "ntk" and spec.depth == 2
    assert any("no paper-specific model" in c for c in spec.choices)
    spec = model_for_entry(entry_from_text('architecture = "two-layer"\nactivation = "tanh"'))
    assert spec.two_layer and spec.activation == "tanh"


@pytest.mark.parametrize("setting, match", [
    ('architecture = "resnet"\nactivation = "relu"', "resnet"),
    ('architecture = "cnn"\nactivation = "relu"', "cnn"),
    ('architecture = "deep-fc"\nactivation = "relu"\nloss = "hinge"', "neither the squared nor the logistic"),
])
def test_unsupported_settings_are_refused(setting, match):
    with pytest.raises(UnsupportedSettingError, match=match):
        model_for_entry(entry_from_text(setting))


def test_logistic_and_cross_entropy_entries_map_to_the_logistic_loss():
    for loss in ("logistic / cross-entropy", "cross-entropy (binary classification)"):
        spec = model_for_entry(entry_from_text(f'architecture = "deep-fc"\nactivation = "relu"\nloss = "{loss}"'))
        assert spec.objective == "logistic" and "log(1 + exp" in spec.describe()["loss"]
        assert any("logistic loss averaged" in c for c in spec.choices)
    assert model_for_entry(entry_from_text('architecture = "two-layer"\nactivation = "relu"')).objective == "squared"


def test_every_catalogue_entry_maps_or_is_refused_cleanly():
    for entry in bounds.catalog():
        try:
            spec = model_for_entry(entry)
        except UnsupportedSettingError:
            continue
        assert spec.depth >= 1 and any(spec.trained)


def test_ntk_model_kernel_is_the_analytic_ntk():
    X = np.linalg.qr(np.random.default_rng(0).standard_normal((5, 5)))[0]
    assert np.allclose(ntk_network(3).analytic_kernel(X), relu_ntk(X, 3))
