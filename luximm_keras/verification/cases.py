"""Each block as timm builds it beside its Keras twin: the cases that parity is proven on.

A case builds timm's module (random weights, perturbed so that zero- or one-initialised parameters
are exercised too), the Keras layer, and an input; `run_case` loads timm's `state_dict()` into the
Keras layer with `load_timm_weights` and returns both outputs in Keras' layout.

Import torch/timm before Keras in the same process (TensorFlow before torchvision segfaults); this
module imports torch and timm first for that reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import torch  # noqa: I001  (the oracle first)
import timm.layers as tl
from timm.layers.grn import GlobalResponseNorm as TimmGlobalResponseNorm
import timm.models.maxxvit as maxxvit
from timm.models._manipulate import adapt_input_conv as timm_adapt_input_conv
import timm.models.vision_transformer as vit

import numpy as np

from luximm_keras import layers as lx
from luximm_keras.interop import adapt_input_conv, load_timm_weights
from luximm_keras.models.maxxvit import RelPosAttention2D
from luximm_keras.models.vision_transformer import ViTBlock

# NFNet's gamma for GELU (timm.models.nfnet._nonlin_gamma["gelu"]) and its std-conv eps.
NFNET_GELU_GAMMA = 1.7015043497085571
NFNET_STD_CONV_EPS = 1e-5


@dataclass(frozen=True)
class BlockCase:
    """One block configuration: timm's module, the Keras layer, and the input shape (Keras layout)."""

    name: str
    block: str
    make_timm: Callable[[], torch.nn.Module]
    make_keras: Callable[[], object]
    input_shape: tuple[int, ...]
    spatial: bool = True  # timm takes NCHW, Keras NHWC
    # Applied to timm's state dict before loading into Keras, e.g. adapt_input_conv.
    adapt_state: Callable[[dict], dict] | None = None
    # Builds the module to compare against from the randomised one and its state dict, e.g. timm's
    # module for another in_chans with timm's own adapt_input_conv applied.
    timm_oracle: Callable[[torch.nn.Module], torch.nn.Module] | None = None
    noise: float = 0.1  # std of the normal noise added to every parameter
    # Larger noise for parameters (by name) that start at a constant too small to show in the output.
    noise_by_param: dict[str, float] = field(default_factory=dict)
    tags: tuple[str, ...] = field(default_factory=tuple)


def _vit_norm():
    return partial(torch.nn.LayerNorm, eps=1e-6)


def _patch_embed_case(in_chans: int) -> BlockCase:
    """timm's pretrained loading adapts a 3-channel checkpoint's first conv to `in_chans` channels."""

    def adapt_state(state):
        state = dict(state)
        state["proj.weight"] = adapt_input_conv(in_chans, np.asarray(state["proj.weight"]))
        return state

    def timm_oracle(module3):
        module = tl.PatchEmbed(img_size=None, patch_size=16, in_chans=in_chans, embed_dim=48).eval()
        with torch.no_grad():
            module.proj.weight.copy_(timm_adapt_input_conv(in_chans, module3.proj.weight))
            module.proj.bias.copy_(module3.proj.bias)
        return module

    return BlockCase(
        name=f"PatchEmbed p16 in_chans={in_chans} via adapt_input_conv",
        block="PatchEmbed",
        make_timm=lambda: tl.PatchEmbed(img_size=None, patch_size=16, in_chans=3, embed_dim=48),
        make_keras=lambda: lx.PatchEmbed(48, patch_size=16),
        input_shape=(2, 32, 48, in_chans),
        adapt_state=adapt_state,
        timm_oracle=timm_oracle,
    )


CASES: list[BlockCase] = [
    BlockCase(
        "StdConv2D 3x3 s2 same eps=1e-8 (StdConv2dSame)",
        "StdConv2D",
        lambda: tl.StdConv2dSame(8, 16, 3, stride=2, padding="same", eps=1e-8),
        lambda: lx.StdConv2D(16, 3, strides=2, padding="same", epsilon=1e-8),
        (2, 15, 16, 8),
    ),
    BlockCase(
        "StdConv2D 7x7 s2 pad=3 eps=1e-8 (BiT stem)",
        "StdConv2D",
        lambda: tl.StdConv2d(3, 16, 7, stride=2, padding=3, eps=1e-8),
        lambda: lx.StdConv2D(16, 7, strides=2, padding=3, epsilon=1e-8),
        (2, 20, 18, 3),
    ),
    BlockCase(
        "StdConv2D 3x3 groups=2 dilation=2 bias padding=None",
        "StdConv2D",
        lambda: tl.StdConv2d(8, 12, 3, padding=None, dilation=2, groups=2, bias=True, eps=1e-8),
        lambda: lx.StdConv2D(12, 3, padding=None, dilation_rate=2, groups=2, use_bias=True, epsilon=1e-8),
        (2, 11, 9, 8),
    ),
    BlockCase(
        "ScaledStdConv2D 3x3 s2 same gelu-gamma eps=1e-5 (NFNet ScaledStdConv2dSame)",
        "ScaledStdConv2D",
        lambda: tl.ScaledStdConv2dSame(8, 16, 3, stride=2, gamma=NFNET_GELU_GAMMA, eps=NFNET_STD_CONV_EPS),
        lambda: lx.ScaledStdConv2D(16, 3, strides=2, padding="same", gamma=NFNET_GELU_GAMMA, epsilon=NFNET_STD_CONV_EPS),
        (2, 13, 14, 8),
    ),
    BlockCase(
        "ScaledStdConv2D 3x3 groups=2 padding=None (NFNet ScaledStdConv2d)",
        "ScaledStdConv2D",
        lambda: tl.ScaledStdConv2d(8, 8, 3, groups=2, gamma=NFNET_GELU_GAMMA, eps=NFNET_STD_CONV_EPS),
        lambda: lx.ScaledStdConv2D(8, 3, padding=None, groups=2, gamma=NFNET_GELU_GAMMA, epsilon=NFNET_STD_CONV_EPS),
        (2, 9, 10, 8),
    ),
    BlockCase(
        "LayerNorm2D eps=1e-6",
        "LayerNorm2D",
        lambda: tl.LayerNorm2d(24, eps=1e-6),
        lambda: lx.LayerNorm2D(epsilon=1e-6),
        (2, 7, 5, 24),
    ),
    BlockCase(
        "GlobalResponseNorm eps=1e-6",
        "GlobalResponseNorm",
        lambda: TimmGlobalResponseNorm(24, eps=1e-6, channels_last=False),
        lambda: lx.GlobalResponseNorm(epsilon=1e-6),
        (2, 7, 5, 24),
        noise_by_param={"weight": 1.0, "bias": 1.0},  # timm starts scale and bias at zero
    ),
    BlockCase(
        "SqueezeExcite C=64 relu",
        "SqueezeExcite",
        lambda: tl.SEModule(64),
        lambda: lx.SqueezeExcite(),
        (2, 6, 5, 64),
    ),
    BlockCase(
        "SqueezeExcite C=176 (no 10% rule)",
        "SqueezeExcite",
        lambda: tl.SEModule(176),
        lambda: lx.SqueezeExcite(),
        (2, 4, 4, 176),
    ),
    BlockCase(
        "SqueezeExcite rd_channels=16 silu (CoAtNet MBConv)",
        "SqueezeExcite",
        lambda: tl.SEModule(64, rd_channels=16, act_layer=torch.nn.SiLU),
        lambda: lx.SqueezeExcite(rd_channels=16, activation="silu"),
        (2, 6, 5, 64),
    ),
    BlockCase(
        "PatchEmbed p16 in_chans=3",
        "PatchEmbed",
        lambda: tl.PatchEmbed(img_size=None, patch_size=16, in_chans=3, embed_dim=48),
        lambda: lx.PatchEmbed(48, patch_size=16),
        (2, 32, 48, 3),
    ),
    _patch_embed_case(1),
    _patch_embed_case(4),
    BlockCase(
        "MultiHeadSelfAttention dim=64 heads=4",
        "MultiHeadSelfAttention",
        lambda: tl.Attention(64, num_heads=4, qkv_bias=True),
        lambda: lx.MultiHeadSelfAttention(64, num_heads=4),
        (2, 17, 64),
        spatial=False,
    ),
    BlockCase(
        "MultiHeadSelfAttention dim=64 heads=4 qk_norm",
        "MultiHeadSelfAttention",
        lambda: tl.Attention(64, num_heads=4, qkv_bias=True, qk_norm=True, norm_layer=_vit_norm()),
        lambda: lx.MultiHeadSelfAttention(64, num_heads=4, qk_norm=True, epsilon=1e-6),
        (2, 17, 64),
        spatial=False,
    ),
    BlockCase(
        "ViTBlock dim=64 heads=4",
        "ViTBlock",
        lambda: vit.Block(64, num_heads=4, qkv_bias=True, norm_layer=_vit_norm()),
        lambda: ViTBlock(64, num_heads=4),
        (2, 17, 64),
        spatial=False,
    ),
    BlockCase(
        "ViTBlock dim=64 heads=4 qk_norm init_values=1e-5",
        "ViTBlock",
        lambda: vit.Block(64, num_heads=4, qkv_bias=True, qk_norm=True, init_values=1e-5, norm_layer=_vit_norm()),
        lambda: ViTBlock(64, num_heads=4, qk_norm=True, init_values=1e-5),
        (2, 17, 64),
        spatial=False,
        noise_by_param={"ls1.gamma": 0.5, "ls2.gamma": 0.5},  # LayerScale starts at 1e-5
    ),
    BlockCase(
        "RelPosAttention2D dim=64->96 dim_head=16 window=(4, 6)",
        "RelPosAttention2D",
        lambda: maxxvit.Attention2d(
            64, 96, dim_head=16, expand_first=False, head_first=True,
            rel_pos_cls=partial(tl.RelPosBias, window_size=(4, 6)),
        ),
        lambda: RelPosAttention2D(64, 96, dim_head=16, window_size=(4, 6)),
        (2, 4, 6, 64),
    ),
]


def case_by_name(name: str) -> BlockCase:
    for case in CASES:
        if case.name == name:
            return case
    raise KeyError(name)


def timm_state(module: torch.nn.Module) -> dict[str, np.ndarray]:
    return {k: v.detach().cpu().numpy().copy() for k, v in module.state_dict().items()}


@dataclass
class PreparedCase:
    case: BlockCase
    timm_module: torch.nn.Module
    keras_layer: object
    state: dict[str, np.ndarray]  # what the Keras layer loads (after adapt_state)
    inputs: np.ndarray  # Keras layout


def prepare(case: BlockCase, seed: int = 0) -> PreparedCase:
    """Builds both sides with the same random weights and a random input (not yet loaded)."""
    torch.manual_seed(seed)
    module = case.make_timm().eval()
    with torch.no_grad():
        for name, param in module.named_parameters():
            param.add_(torch.randn_like(param) * case.noise_by_param.get(name, case.noise))
    state = timm_state(module)
    if case.timm_oracle is not None:
        module = case.timm_oracle(module)
    if case.adapt_state is not None:
        state = case.adapt_state(state)
    rng = np.random.default_rng(seed)
    inputs = rng.standard_normal(case.input_shape).astype("float32")
    layer = case.make_keras()
    layer.build(case.input_shape)
    return PreparedCase(case, module, layer, state, inputs)


def timm_input(prepared: PreparedCase) -> torch.Tensor:
    """The case's inputs as timm's module takes them (NCHW for spatial cases)."""
    x = torch.from_numpy(prepared.inputs)
    return x.permute(0, 3, 1, 2).contiguous() if prepared.case.spatial else x


def timm_forward(prepared: PreparedCase) -> np.ndarray:
    with torch.no_grad():
        y = prepared.timm_module(timm_input(prepared))
    if prepared.case.spatial and y.ndim == 4:
        y = y.permute(0, 2, 3, 1)
    return y.numpy()


def keras_forward(prepared: PreparedCase) -> np.ndarray:
    import keras

    return keras.ops.convert_to_numpy(prepared.keras_layer(prepared.inputs))


def run_case(case: BlockCase, seed: int = 0) -> tuple[np.ndarray, np.ndarray, PreparedCase]:
    """Loads timm's weights strictly into the Keras layer; returns (keras output, timm output)."""
    prepared = prepare(case, seed)
    load_timm_weights(prepared.keras_layer, prepared.state, strict=True)
    return keras_forward(prepared), timm_forward(prepared), prepared
