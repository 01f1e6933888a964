"""Wrong inputs and arguments fail early with a message that says what was expected and found."""

import numpy as np
import pytest

from luximm_keras import layers as lx
from luximm_keras.models.convnext import ConvNeXtBlock
from luximm_keras.models.maxxvit import Downsample2D, MbConvBlock, RelPosAttention2D, TransformerBlock2D
from luximm_keras.models.resnetv2 import PreActBottleneck
from luximm_keras.models.vision_transformer import ViTBlock

SPATIAL = {
    "StdConv2D": lambda: lx.StdConv2D(8, 3),
    "ScaledStdConv2D": lambda: lx.ScaledStdConv2D(8, 3),
    "LayerNorm2D": lambda: lx.LayerNorm2D(),
    "GlobalResponseNorm": lambda: lx.GlobalResponseNorm(),
    "BatchNormAct2D": lambda: lx.BatchNormAct2D(),
    "SqueezeExcite": lambda: lx.SqueezeExcite(),
    "PatchEmbed": lambda: lx.PatchEmbed(16, patch_size=4),
    "LayerScale2D": lambda: lx.LayerScale2D(),
    "GlobalResponseNormMlp": lambda: lx.GlobalResponseNormMlp(32),
    "ConvNeXtBlock": lambda: ConvNeXtBlock(16, kernel_size=3),
    "PreActBottleneck": lambda: PreActBottleneck(16, norm_groups=4),
    "Downsample2D": lambda: Downsample2D(32),
    "MbConvBlock": lambda: MbConvBlock(16),
    "TransformerBlock2D": lambda: TransformerBlock2D(16, window_size=8, dim_head=8),
}
# GroupNormAct, like timm's (and torch's GroupNorm), takes any rank with channels on its axis.
CHANNELS = {**SPATIAL, "GroupNormAct": lambda: lx.GroupNormAct(4)}


@pytest.mark.parametrize("make", SPATIAL.values(), ids=SPATIAL)
def test_wrong_rank_is_refused(make):
    layer = make()
    with pytest.raises(ValueError, match="expected ndim=4, found ndim=3"):
        layer(np.zeros((2, 8, 8), "float32"))


@pytest.mark.parametrize("make", CHANNELS.values(), ids=CHANNELS)
def test_channel_count_other_than_built_is_refused(make):
    layer = make()
    layer(np.zeros((1, 8, 8, 16), "float32"))
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 16.*\(1, 8, 8, 12\)"):
        layer(np.zeros((1, 8, 8, 12), "float32"))


def test_token_layers_refuse_the_wrong_width():
    for layer in (lx.MultiHeadSelfAttention(32, num_heads=4), ViTBlock(32, num_heads=4)):
        with pytest.raises(ValueError, match="32"):
            layer(np.zeros((1, 5, 24), "float32"))
        with pytest.raises(ValueError, match="expected ndim=3"):
            layer(np.zeros((5, 32), "float32"))


def test_image_size_not_divisible_by_patch_size():
    layer = lx.PatchEmbed(16, patch_size=16)
    with pytest.raises(ValueError, match="image width 30 is not divisible by the patch size 16"):
        layer(np.zeros((1, 32, 30, 3), "float32"))
    with pytest.raises(ValueError, match="height 20 is not divisible"):
        layer.compute_output_shape((1, 20, 32, 3))
    built = lx.PatchEmbed(16, patch_size=16)
    built.build((None, None, None, 3))
    with pytest.raises(ValueError, match="height 40 is not divisible"):
        built(np.zeros((1, 40, 32, 3), "float32"))


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: lx.MultiHeadSelfAttention(30, num_heads=4), r"`dim` \(30\) must be divisible by `num_heads` \(4\)"),
        (lambda: ViTBlock(30, num_heads=4), r"must be divisible by `num_heads`"),
        (lambda: RelPosAttention2D(40, dim_head=32), r"`dim` \(40\) must be divisible by `dim_head` \(32\)"),
        (lambda: lx.StdConv2D(8, 3, groups=3), r"`filters` \(8\) must be divisible by `groups` \(3\)"),
        (lambda: lx.StdConv2D(8, 3, padding="full"), "`padding` must be"),
        (lambda: lx.StdConv2D(8, (3, 3, 3)), "`kernel_size` must be an int or a pair"),
        (lambda: lx.LayerNorm2D(data_format="nhwc"), "`data_format` must be"),
        (lambda: lx.DropPath(1.0), r"`rate` must be in \[0, 1\)"),
        (lambda: lx.SqueezeExcite(rd_channels=0), "`rd_channels` must be"),
        (lambda: lx.BatchNormAct2D(axis=1), "takes `data_format`, not `axis`"),
        (lambda: lx.GroupNormAct(axis=1), "takes `data_format`, not `axis`"),
        (lambda: ConvNeXtBlock(16, kernel_size=4), "`kernel_size` must be a positive odd int"),
        (lambda: ConvNeXtBlock(16, norm_layer="batchnorm"), "`norm_layer` must be one of"),
        (lambda: PreActBottleneck(0), "`filters` must be a positive int"),
        (lambda: Downsample2D(16, pool_type="avg"), "`pool_type` must be one of"),
        (lambda: MbConvBlock(16, strides=3), "`strides` must be 1 or 2"),
        (lambda: MbConvBlock(16, stride_mode="conv"), "`stride_mode` must be one of"),
        (lambda: TransformerBlock2D(16, window_size=4, strides=3), "`strides` must be 1 or 2"),
    ],
)
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_feature_map_other_than_the_window_is_refused():
    layer = RelPosAttention2D(32, dim_head=16, window_size=(4, 6))
    with pytest.raises(ValueError, match=r"feature map width 5 differs from the attention window \(4, 6\)"):
        layer(np.zeros((1, 4, 5, 32), "float32"))
    layer(np.zeros((1, 4, 6, 32), "float32"))
    with pytest.raises(ValueError, match=r"height 7 differs"):
        layer(np.zeros((1, 7, 6, 32), "float32"))


def test_std_conv_input_channels_must_divide_by_groups():
    with pytest.raises(ValueError, match=r"input channels \(6\) must be divisible by groups \(4\)"):
        lx.StdConv2D(8, 3, groups=4)(np.zeros((1, 5, 5, 6), "float32"))


def test_unknown_argument_in_config_is_named():
    config = lx.LayerNorm2D().get_config()
    config["future_option"] = True
    with pytest.raises(TypeError, match="future_option"):
        lx.LayerNorm2D.from_config(config)
