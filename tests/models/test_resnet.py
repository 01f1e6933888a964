"""timm's resnet.py family beyond the family contract (tests/models/test_builder.py runs resnet10t always
and every other registered variant in the slow suite): the blocks (`BasicBlock`, `Bottleneck` with
every option the pretrained variants use) and the timm layers the family brought (`EcaModule`,
`CecaModule`, `BlurPool2D`, `create_attn`) against timm's modules on tiny inputs, each with a check
that one flipped weight makes the comparison fail; timm's parameter names and shapes; the registry
against timm's list of pretrained resnet.py models. Their Keras conformance is in
tests/layers/test_conformance.py.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
import timm
import torch
from timm.layers import BlurPool2d as TimmBlurPool2d
from timm.layers import CecaModule as TimmCecaModule
from timm.layers import EcaModule as TimmEcaModule
from timm.layers import GroupNorm
from timm.layers import SEModule as TimmSEModule
from timm.layers import get_attn as timm_get_attn
from timm.models.resnet import BasicBlock as TimmBasicBlock
from timm.models.resnet import Bottleneck as TimmBottleneck
from timm.models.resnet import downsample_avg, downsample_conv

from luximm_keras.layers.blur_pool import BlurPool2D
from luximm_keras.layers.create_attn import create_attn, get_attn
from luximm_keras.layers.eca import CecaModule, EcaModule, eca_kernel_size
from luximm_keras.layers.squeeze_excite import SqueezeExcite
from luximm_keras.models import list_models, model_entry, timm_shapes
from luximm_keras.models.resnet import BasicBlock, Bottleneck, model_cfgs

from model_checks import (  # tests/models/model_checks.py
    JAX_SLOW,
    assert_output_stride_matches_timm,
    assert_matches_and_flip_fails,
    randomized,
    slow_on_jax,
    undrawn_model,
)


# ----------------------------------------------------------------------------------------------------
# The timm layers


@pytest.mark.parametrize("channels", [16, 64, 256, 2048])
def test_eca_kernel_size_is_timms(channels):
    assert eca_kernel_size(channels) == TimmEcaModule(channels).conv.kernel_size[0]


@pytest.mark.parametrize("cls,timm_cls", [(EcaModule, TimmEcaModule), (CecaModule, TimmCecaModule)])
def test_eca_matches_timm(cls, timm_cls):
    x = np.random.default_rng(0).standard_normal((2, 5, 6, 64)).astype("float32")
    timm_module = randomized(lambda: timm_cls(64), noise=lambda name: 0.5)
    assert_matches_and_flip_fails(cls(64), timm_module, x, cls.__name__)
    # Without `channels`, the kernel size follows the input width (what timm's models pass).
    assert_matches_and_flip_fails(cls(), timm_module, x, f"{cls.__name__} from the input")


def test_eca_fixed_kernel_size_as_timm():
    timm_module = randomized(lambda: TimmEcaModule(None, kernel_size=7), noise=lambda name: 0.5)
    x = np.random.default_rng(1).standard_normal((2, 4, 4, 19)).astype("float32")
    assert_matches_and_flip_fails(EcaModule(kernel_size=7), timm_module, x, "eca k=7")


@pytest.mark.parametrize("pad_mode", ["reflect", "constant"])
def test_blur_pool_matches_timm(pad_mode):
    timm_module = TimmBlurPool2d(16, filt_size=3, stride=2, pad_mode=pad_mode).eval()
    for size in ((8, 8), (7, 9)):
        x = np.random.default_rng(2).standard_normal((2, *size, 16)).astype("float32")
        layer = BlurPool2D(pad_mode=pad_mode)
        assert_matches_and_flip_fails(layer, timm_module, x, f"blur {pad_mode} {size}")
        assert layer.compute_output_shape(x.shape) == layer(x).shape


def test_create_attn_gives_timms_modules():
    assert get_attn(None) is None and create_attn("", 64) is None
    assert isinstance(create_attn("se", 64), SqueezeExcite)
    assert isinstance(create_attn(True, 64), SqueezeExcite)
    assert type(create_attn("eca", 64)) is EcaModule and type(create_attn("ceca", 64)) is CecaModule
    with pytest.raises(ValueError):
        get_attn("cbam")
    # SE as ResNet-RS configures it (rd_ratio 0.25) against timm's SEModule.
    x = np.random.default_rng(3).standard_normal((2, 4, 5, 64)).astype("float32")
    timm_se = randomized(lambda: timm_get_attn("se")(64, rd_ratio=0.25))
    assert isinstance(timm_se, TimmSEModule)
    assert_matches_and_flip_fails(create_attn("se", 64, rd_ratio=0.25), timm_se, x, "se")
    with pytest.raises(ValueError):
        create_attn("se", 64, gate_layer="hard_sigmoid")


# ----------------------------------------------------------------------------------------------------
# The blocks: one case per option the pretrained variants use, on a 9 x 11 map (odd: the ceil-mode
# average-pool shortcut pools a partial last window).

TIMM_AA = {None: None, "blur": TimmBlurPool2d, "avg": torch.nn.AvgPool2d}
BLOCK_CASES = {
    # name: (basic, in, planes, stride, options)
    "basic-stride2-conv": (True, 16, 32, 2, {}),
    "basic-identity": (True, 32, 32, 1, {}),
    "basic-stride2-avgdown-blur": (True, 16, 32, 2, {"avg_down": True, "aa_layer": "blur"}),
    "bottleneck-stride1-projection": (False, 16, 8, 1, {}),
    "bottleneck-stride2-avgdown-eca": (False, 32, 16, 2, {"avg_down": True, "attn_layer": "eca"}),
    "bottleneck-senet": (False, 32, 64, 2, {"cardinality": 4, "base_width": 4, "down_kernel_size": 3,
                                                 "reduce_first": 2, "attn_layer": "se"}),
    "bottleneck-resnext-aa-se": (False, 32, 16, 2, {"cardinality": 4, "base_width": 8, "avg_down": True,
                                                         "aa_layer": "avg", "attn_layer": "se"}),
    "bottleneck-blur": (False, 32, 16, 2, {"aa_layer": "blur"}),
    "bottleneck-groupnorm": (False, 64, 32, 2, {"norm_layer": "groupnorm"}),
    "bottleneck-rs-se": (False, 64, 16, 1, {"attn_layer": "se", "attn_kwargs": {"rd_ratio": 0.25}}),
    # Dilated stages (timm's output_stride 8/16): where one begins (first_dilation, the previous
    # stage's, differs: anti-aliasing at stride 1, avg-down's padded 2x2 pool, a 3x3 shortcut conv) and
    # within one.
    "basic-dilation-starts-avgdown-blur": (True, 16, 32, 1, {"dilation": 2, "first_dilation": 1, "avg_down": True,
                                                              "aa_layer": "blur"}),
    "basic-dilated-identity": (True, 32, 32, 1, {"dilation": 2}),
    "bottleneck-dilation-starts-senet": (False, 32, 64, 1, {"dilation": 2, "first_dilation": 1, "cardinality": 4,
                                                             "base_width": 4, "down_kernel_size": 3,
                                                             "reduce_first": 2, "attn_layer": "se"}),
    "bottleneck-dilation-4-after-2-avgdown-aa": (False, 32, 16, 1, {"dilation": 4, "first_dilation": 2,
                                                                     "avg_down": True, "aa_layer": "avg"}),
}


def timm_block(basic: bool, in_chs: int, planes: int, stride: int, options: dict) -> torch.nn.Module:
    cls = TimmBasicBlock if basic else TimmBottleneck
    norm = GroupNorm if options.get("norm_layer") == "groupnorm" else torch.nn.BatchNorm2d
    out_chs = planes * cls.expansion
    dilation, first_dilation = options.get("dilation", 1), options.get("first_dilation")
    downsample = None
    if stride != 1 or in_chs != out_chs:
        make = downsample_avg if options.get("avg_down") else downsample_conv
        downsample = make(in_chs, out_chs, kernel_size=options.get("down_kernel_size", 1), stride=stride,
                          dilation=dilation, first_dilation=first_dilation, norm_layer=norm)
    attn = options.get("attn_layer")
    attn_layer = timm_get_attn(attn)
    if attn and options.get("attn_kwargs"):
        attn_layer = partial(attn_layer, **options["attn_kwargs"])
    return cls(in_chs, planes, stride, downsample, cardinality=options.get("cardinality", 1),
               base_width=options.get("base_width", 64), reduce_first=options.get("reduce_first", 1),
               norm_layer=norm, attn_layer=attn_layer, aa_layer=TIMM_AA[options.get("aa_layer")],
               dilation=dilation, first_dilation=first_dilation)


@slow_on_jax
@pytest.mark.parametrize("case", list(BLOCK_CASES))
def test_blocks_match_timm(case):
    basic, in_chs, planes, stride, options = BLOCK_CASES[case]
    reference = randomized(lambda: timm_block(basic, in_chs, planes, stride, options))
    cls = BasicBlock if basic else Bottleneck
    block = cls(planes, strides=stride, **options)
    x = np.random.default_rng(4).standard_normal((2, 9, 11, in_chs)).astype("float32")
    if options.get("aa_layer") == "avg":  # timm's 2x2 aa pool floors, its ceil-mode shortcut rounds up
        x = x[:, :8, :10]
    assert_matches_and_flip_fails(block, reference, x, case)
    assert block.compute_output_shape(x.shape) == tuple(block(x).shape)


@pytest.mark.parametrize("name,output_stride", [("resnet10t", 8), pytest.param("resnet14t", 16, marks=JAX_SLOW)])
def test_output_stride_dilates_the_last_stages_as_timm(name, output_stride):
    """timm's `output_stride`, as `model_checks.assert_output_stride_matches_timm` checks it."""
    assert_output_stride_matches_timm(name, output_stride)


def test_block_rejects_what_timm_rejects():
    with pytest.raises(ValueError):
        BasicBlock(16, cardinality=2).build((1, 8, 8, 16))
    with pytest.raises(ValueError):
        Bottleneck(16, strides=3)
    with pytest.raises(ValueError):
        Bottleneck(16, aa_layer="max")
    with pytest.raises(ValueError):
        Bottleneck(16, downsample=False).build((1, 8, 8, 16))  # 16 in, 64 out, no projection


def test_pruned_widths_override_the_block_widths():
    block = Bottleneck(64, widths=(47, 18, 19), attn_layer="eca", attn_kwargs={"kernel_size": 5})
    block.build((1, 8, 8, 64))
    assert block(np.zeros((1, 8, 8, 64), "float32")).shape == (1, 8, 8, 19)
    assert block.conv1.filters == 47 and block.conv2.filters == 18 and block.se.k == 5


# ----------------------------------------------------------------------------------------------------
# The registry and timm's names


def test_registered_architectures_are_timms_pretrained_ones():
    timm_archs = {n.split(".")[0] for n in timm.list_models(module="resnet", pretrained=True)}
    assert set(model_cfgs) == timm_archs
    ours = {n for n in list_models(pretrained=True) if n.split(".")[0] in timm_archs}
    assert ours == set(timm.list_models(module="resnet", pretrained=True))
    from timm.models._registry import _model_with_tags

    for arch in model_cfgs:  # every tag, in timm's order (the first is the default)
        assert list(model_entry(arch).default_cfg.tags) == [n.split(".", 1)[1] for n in _model_with_tags[arch]], arch


SHAPE_CASES = ["resnet10t", "test_resnet", "resnet18", "resnet50_gn", "resnetrs50", "resnetblur50", "senet154",
               "ecaresnet50d_pruned"]


@pytest.mark.slow
@pytest.mark.parametrize("name", SHAPE_CASES)
def test_timm_names_and_shapes(name):
    meta = timm.create_model(name, device="meta")
    expected = {k: tuple(v.shape) for k, v in meta.state_dict().items() if not k.endswith("num_batches_tracked")}
    assert timm_shapes(undrawn_model(name)) == expected
