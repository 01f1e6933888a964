"""The NFNet family beyond the family contract (tests/models/test_builder.py, which runs test_nfnet
whole and every other variant when slow): `NormFreeBlock` in its three forms (DeepMind's, RegNet's,
ResNet's) and the three stems against timm's modules on small odd-sized maps, `GammaAct`, timm's
layer names, and the builder's arguments. Their Keras conformance is in tests/layers/test_conformance.py
(specs in tests/layers/family_specs/nfnet.py).
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

import keras
import numpy as np
import pytest
import timm
import torch
from timm.layers import EcaModule as TimmEcaModule
from timm.layers import ScaledStdConv2d, ScaledStdConv2dSame, SEModule
from timm.models.nfnet import GammaAct as TimmGammaAct
from timm.models.nfnet import NormFreeBlock as TimmNormFreeBlock
from timm.models.nfnet import _nonlin_gamma, act_with_gamma, create_stem

from luximm_keras.interop import load_timm_weights
from luximm_keras.layers.activations import NONLIN_GAMMA, GammaAct
from luximm_keras.layers.std_conv import ScaledStdConv2D
from luximm_keras.models import create_model, list_models, model_entry
from luximm_keras.models.nfnet import ACTIVATIONS, NormFreeBlock, _stem

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "layers"))
import conformance as cf
from model_checks import (
    JAX_SLOW,
    assert_output_stride_matches_timm,
    assert_block_close,
    nchw,
    numpy_state,
    randomized,
    slow_on_jax,
    timm_forward,
)

NAME = "test_nfnet"
ARCHITECTURES = [
    "dm_nfnet_f0", "dm_nfnet_f1", "dm_nfnet_f2", "dm_nfnet_f3", "dm_nfnet_f4", "dm_nfnet_f5", "dm_nfnet_f6",
    "nfnet_l0", "eca_nfnet_l0", "eca_nfnet_l1", "eca_nfnet_l2", "nf_regnet_b1", "nf_resnet50", "test_nfnet",
]
EPS = 1e-5  # NfCfg.std_conv_eps


def assert_flipped_weight_shows(layer, state: dict, key: str, x: np.ndarray, expected: np.ndarray) -> None:
    """The comparison is sharp: one weight tensor negated makes it fail."""
    load_timm_weights(layer, {key: -state[key]}, strict=False)
    try:
        with pytest.raises(AssertionError):
            assert_block_close(cf.to_numpy(layer(x)), expected, f"{key} flipped")
    finally:
        load_timm_weights(layer, {key: state[key]}, strict=False)


def test_the_registered_architectures_are_timms_with_weights():
    assert sorted(ARCHITECTURES) == sorted(n for n in list_models() if model_entry(n).builder.__module__.endswith("nfnet"))
    with_weights = {n.split(".")[0] for n in timm.list_models(pretrained=True)}
    timm_nfnets = {n for n in timm.list_models(module="nfnet") if n in with_weights}
    assert set(ARCHITECTURES) == timm_nfnets
    assert all(model_entry(n).checkpoint_filter is None for n in ARCHITECTURES)  # timm has none for nfnet.py


# ----------------------------------------------------------------------------------------------------
# The blocks against timm's modules. On JAX, where eager ops compile on their first shapes, slow.


def _timm_conv(same: bool, act: str, gamma_in_act: bool):
    conv = ScaledStdConv2dSame if same else ScaledStdConv2d
    return partial(conv, eps=EPS) if gamma_in_act else partial(conv, gamma=_nonlin_gamma[act], eps=EPS)


def _timm_act(act: str, gamma_in_act: bool):
    if gamma_in_act:
        return act_with_gamma(act, gamma=_nonlin_gamma[act])
    return timm.layers.get_act_layer(act)


BLOCK_CASES = {
    # name: (in, out, NormFreeBlock kwargs shared by both libraries, timm attention, Keras attention)
    # DeepMind's NFNet-F: TF SAME padding (odd 11x13 map, stride 2), gain in the GELU, skipinit, SE last.
    "dm-same-s2": (16, 32, dict(stride=2, alpha=0.2, beta=0.8, bottle_ratio=0.5, group_size=8, ch_div=8, reg=False,
                                extra_conv=True, skipinit=True, attn_gain=2.0),
                   dict(act="gelu", gamma_in_act=True, same=True), partial(SEModule, rd_ratio=0.5), ("se", {"rd_ratio": 0.5})),
    # NF-RegNet: bottleneck from the input width, SE between conv2 and conv3, gain in the convs.
    "regnet-se-s2": (16, 24, dict(stride=2, alpha=0.2, beta=1.0, bottle_ratio=2.25, group_size=8, ch_div=8, reg=True),
                     dict(act="silu", gamma_in_act=False, same=False), partial(SEModule, rd_ratio=0.5), ("se", {"rd_ratio": 0.5})),
    # ECA-NFNet-L / NF-ResNet: no projection, ECA after conv3.
    "resnet-eca-s1": (32, 32, dict(stride=1, alpha=0.2, beta=0.9, bottle_ratio=0.25, ch_div=8, reg=False),
                      dict(act="relu", gamma_in_act=False, same=False), TimmEcaModule, ("eca", {})),
    # Dilated stages (timm's output_stride 8/16): DeepMind's block where dilation goes 2 -> 4 (TF SAME
    # convs dilated, the shortcut's AvgPool2dSame(2, 1)), and a RegNet block whose projection is for
    # the dilation change alone.
    "dm-same-dilation-4-after-2": (16, 32, dict(stride=1, dilation=4, first_dilation=2, alpha=0.2, beta=0.8,
                                                bottle_ratio=0.5, group_size=8, ch_div=8, reg=False,
                                                extra_conv=True, skipinit=True),
                                   dict(act="gelu", gamma_in_act=True, same=True), partial(SEModule, rd_ratio=0.5), ("se", {"rd_ratio": 0.5})),
    "regnet-dilation-starts": (24, 24, dict(stride=1, dilation=2, first_dilation=1, alpha=0.2, beta=1.0,
                                            bottle_ratio=2.25, group_size=8, ch_div=8, reg=True),
                               dict(act="silu", gamma_in_act=False, same=False), None, (None, {})),
}


@slow_on_jax
@pytest.mark.parametrize("case", list(BLOCK_CASES))
def test_norm_free_block_matches_timm(case):
    in_chs, out_chs, common, act, timm_attn, (attn, attn_kwargs) = BLOCK_CASES[case]
    timm_block = randomized(
        lambda: TimmNormFreeBlock(
            in_chs, out_chs, **common, attn_layer=timm_attn,
            act_layer=_timm_act(act["act"], act["gamma_in_act"]),
            conv_layer=_timm_conv(act["same"], act["act"], act["gamma_in_act"]),
        )
    )
    kwargs = {k: v for k, v in common.items() if k != "stride"}
    block = NormFreeBlock(
        out_chs, strides=common["stride"], **kwargs, attn_layer=attn, attn_kwargs=attn_kwargs,
        activation=act["act"], gamma_in_act=act["gamma_in_act"], same_padding=act["same"], conv_epsilon=EPS,
    )
    x = np.random.default_rng(1).standard_normal((2, 11, 13, in_chs)).astype("float32")
    block.build(x.shape)
    state = numpy_state(timm_block)
    report = load_timm_weights(block, state)
    assert report.ok and sorted(report.loaded) == sorted(state), case
    expected = timm_forward(timm_block, x)
    assert_block_close(cf.to_numpy(block(x)), expected, case)
    assert tuple(block.compute_output_shape(x.shape)) == expected.shape
    assert_flipped_weight_shows(block, state, "conv2.weight", x, expected)


@slow_on_jax
@pytest.mark.parametrize("stem_type", ["deep_quad", "3x3", "7x7_pool"])
def test_stems_match_timm_with_their_feature_tap(stem_type):
    """timm's `create_stem` (the 7x7 stem's max pool pads with -inf, on an even map where TF SAME
    would pad at the end only), and the feature map timm's `feature_info` names in it."""
    act, gamma_in_act, same = ("gelu", True, True) if stem_type == "deep_quad" else ("relu", False, False)
    torch_stem, stride, info = create_stem(
        3, 32, stem_type, conv_layer=_timm_conv(same, act, gamma_in_act), act_layer=_timm_act(act, gamma_in_act)
    )
    torch_stem = randomized(lambda: torch_stem)
    inputs = keras.Input((None, None, 3))
    keras_act = ACTIVATIONS[act]

    def make_act(name):
        return GammaAct(keras_act, NONLIN_GAMMA[act], name=name) if gamma_in_act else keras.layers.Activation(keras_act, name=name)

    conv = partial(ScaledStdConv2D, padding="same" if same else None, epsilon=EPS,
                   gamma=1.0 if gamma_in_act else NONLIN_GAMMA[act])
    out, our_stride, feature = _stem(inputs, 32, stem_type, conv, make_act)
    model = keras.Model(inputs, [out, feature.tensor])
    state = {f"stem.{k}": v for k, v in numpy_state(torch_stem).items()}
    assert load_timm_weights(model, state).ok
    assert (our_stride, feature.info()) == (stride, info)

    x = np.random.default_rng(2).standard_normal((2, 20, 18, 3)).astype("float32")
    with torch.no_grad():
        y, tapped = nchw(x), None
        for name, module in torch_stem.named_children():
            y = module(y)
            if f"stem.{name}" == info["module"]:
                tapped = y.permute(0, 2, 3, 1).numpy()
        expected = y.permute(0, 2, 3, 1).numpy()
    got, got_feature = (cf.to_numpy(t) for t in model(x))
    assert_block_close(got, expected, stem_type)
    assert_block_close(got_feature, tapped, f"{stem_type} feature")


@pytest.mark.parametrize("output_stride", [8, pytest.param(16, marks=JAX_SLOW)])
def test_output_stride_dilates_the_last_stages_as_timm(output_stride):
    """timm's `output_stride`, as `model_checks.assert_output_stride_matches_timm` checks it."""
    assert_output_stride_matches_timm(NAME, output_stride)


def test_gamma_act_matches_timm():
    x = np.random.default_rng(3).standard_normal((2, 5, 6, 8)).astype("float32") * 3
    for act in ("gelu", "silu", "relu"):
        expected = timm_forward(TimmGammaAct(act, gamma=_nonlin_gamma[act]), x)
        got = cf.to_numpy(GammaAct(ACTIVATIONS[act], gamma=NONLIN_GAMMA[act])(x))
        assert_block_close(got, expected, act)  # Keras' exact GELU rounds otherwise than torch's kernel
    assert NONLIN_GAMMA == _nonlin_gamma


def test_norm_free_block_refuses_unknown_names():
    with pytest.raises(ValueError, match="activation"):
        NormFreeBlock(16, activation="leaky_relu")  # Keras' default slope is not PyTorch's
    with pytest.raises(ValueError, match="attn_layer"):
        NormFreeBlock(16, attn_layer="cbam")


# ----------------------------------------------------------------------------------------------------
# The builder: timm's layer names, its arguments, stochastic depth as timm ramps it


@pytest.fixture(scope="module")
def model():
    return create_model(NAME)


def test_layer_names_are_timms(model):
    names = {layer.name for layer in model.layers}
    assert {"stem__conv1", "stem__act2", "stem__conv3", "stem__conv4", "stages__0__0", "stages__3__0",
            "final_conv", "final_act", "head__global_pool", "head__fc"} <= names
    assert model.feature_info == timm.create_model(NAME).feature_info


def test_builder_arguments(model):
    assert tuple(model.input.shape) == (None, None, None, 3) and tuple(model.output.shape) == (None, 1000)
    small = create_model(NAME, num_classes=10, in_chans=1, img_size=(64, 96), drop_path_rate=0.3)
    assert tuple(small.input.shape) == (None, 64, 96, 1) and tuple(small.output.shape) == (None, 10)
    timm_model = timm.create_model(NAME, drop_path_rate=0.3)
    timm_rates = {n: m.drop_prob for n, m in timm_model.named_modules() if type(m).__name__ == "DropPath"}
    ours = {layer.name.replace("__", "."): layer.drop_path_rate for layer in small.layers
            if isinstance(layer, NormFreeBlock)}
    assert {f"{k}.drop_path": v for k, v in ours.items() if v > 0} == pytest.approx(timm_rates)
    assert tuple(create_model(NAME, num_classes=0).output.shape) == (None, 192)  # final_conv's width
