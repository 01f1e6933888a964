"""The reference design's constructors: same parameters, built layers, channel checks."""

import numpy as np
import pytest
import keras

from luximm_keras import layers as lx
from luximm_keras.models.maxxvit import RelPosAttention2D
from luximm_keras.models.vision_transformer import ViTBlock


@pytest.mark.parametrize(
    "factory, cls, input_shape",
    [
        (lambda: lx.std_conv(3, 5, 4, 8, stride=2, pad=1), lx.StdConv2D, (1, 9, 9, 4)),
        (lambda: lx.layernorm2d(4), lx.LayerNorm2D, (1, 5, 5, 4)),
        (lambda: lx.grn_layer(4), lx.GlobalResponseNorm, (1, 5, 5, 4)),
        (lambda: lx.se_block(64, act="silu", rd_channels=16), lx.SqueezeExcite, (1, 5, 5, 64)),
        (lambda: lx.patch_embed(4, 32, patch=4), lx.PatchEmbed, (1, 8, 12, 4)),
        (lambda: lx.mhsa(32, num_heads=4), lx.MultiHeadSelfAttention, (1, 5, 32)),
        (lambda: lx.vit_block(32, num_heads=4), ViTBlock, (1, 5, 32)),
        (lambda: lx.vit_layernorm(32), keras.layers.LayerNormalization, (1, 5, 32)),
        (lambda: lx.rel_pos_attention(32, 48, dim_head=16, window=(3, 4)), RelPosAttention2D, (1, 3, 4, 32)),
    ],
)
def test_factory_builds_the_block_and_checks_channels(factory, cls, input_shape):
    layer = factory()
    assert isinstance(layer, cls) and layer.built and layer.weights
    out = layer(np.zeros(input_shape, "float32"))
    assert tuple(out.shape) == tuple(layer.compute_output_shape(input_shape))
    wrong = (*input_shape[:-1], input_shape[-1] + 1)
    with pytest.raises(ValueError, match=f"expected axis -1 of input shape to have value {input_shape[-1]}"):
        layer(np.zeros(wrong, "float32"))


def test_factory_parameters_reach_the_layer():
    conv = lx.std_conv(3, 5, 4, 8, stride=2, pad=(1, 2), eps=1e-5)
    assert (conv.kernel_size, conv.strides, conv.padding, conv.filters) == ((3, 5), (2, 2), (1, 2), 8)
    assert conv.epsilon == 1e-5  # the factory's `eps` is the layer's `epsilon`
    assert conv.kernel.shape == (3, 5, 4, 8)
    assert lx.layernorm2d(8, eps=1e-3).epsilon == 1e-3
    assert lx.vit_layernorm(8).epsilon == 1e-6
    se = lx.se_block(176)
    assert se.fc1.filters == 8 and se.fc2.filters == 176
    block = lx.vit_block(32, num_heads=4, mlp_ratio=2)
    assert block.mlp.fc1.units == 64
    assert lx.mhsa(32, num_heads=4, qkv_bias=False).qkv.use_bias is False


def test_factories_refuse_bad_channel_counts():
    with pytest.raises(ValueError, match="`in_channels` must be a positive int"):
        lx.std_conv(3, 3, 0, 8)
    with pytest.raises(ValueError, match="`channels` must be a positive int"):
        lx.layernorm2d(-1)
