"""Wrong inputs and arguments fail early with a message that says what was expected and found."""

import numpy as np
import pytest
import keras

from luximm_keras import layers as lx

SPATIAL = [
    lambda: lx.StdConv2D(8, 3),
    lambda: lx.ScaledStdConv2D(8, 3),
    lambda: lx.LayerNorm2D(),
    lambda: lx.GlobalResponseNorm(),
    lambda: lx.SqueezeExcite(),
    lambda: lx.PatchEmbed(16, patch_size=4),
]


@pytest.mark.parametrize("make", SPATIAL)
def test_wrong_rank_is_refused(make):
    layer = make()
    with pytest.raises(ValueError, match="expected ndim=4, found ndim=3"):
        layer(np.zeros((2, 8, 8), "float32"))


@pytest.mark.parametrize("make", SPATIAL)
def test_channel_count_other_than_built_is_refused(make):
    layer = make()
    layer(np.zeros((1, 8, 8, 16), "float32"))
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 16.*\(1, 8, 8, 12\)"):
        layer(np.zeros((1, 8, 8, 12), "float32"))


def test_token_layers_refuse_the_wrong_width():
    for layer in (lx.MultiHeadSelfAttention(32, num_heads=4), lx.ViTBlock(32, num_heads=4)):
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
        (lambda: lx.ViTBlock(30, num_heads=4), r"must be divisible by `num_heads`"),
        (lambda: lx.RelPosAttention2D(40, dim_head=32), r"`dim` \(40\) must be divisible by `dim_head` \(32\)"),
        (lambda: lx.StdConv2D(8, 3, groups=3), r"`filters` \(8\) must be divisible by `groups` \(3\)"),
        (lambda: lx.StdConv2D(8, 3, padding="full"), "`padding` must be"),
        (lambda: lx.StdConv2D(8, (3, 3, 3)), "`kernel_size` must be an int or a pair"),
        (lambda: lx.LayerNorm2D(data_format="nhwc"), "`data_format` must be"),
        (lambda: lx.DropPath(1.0), r"`rate` must be in \[0, 1\)"),
        (lambda: lx.SqueezeExcite(rd_channels=0), "`rd_channels` must be"),
    ],
)
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_feature_map_other_than_the_window_is_refused():
    layer = lx.RelPosAttention2D(32, dim_head=16, window_size=(4, 6))
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
