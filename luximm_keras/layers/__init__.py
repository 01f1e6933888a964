"""timm's building blocks as Keras 3 layers; see each class for the timm module it ports."""

from luximm_keras.layers.attention import MultiHeadSelfAttention
from luximm_keras.layers.drop_path import DropPath, drop_path
from luximm_keras.layers.factories import (
    grn_layer,
    layernorm2d,
    mhsa,
    patch_embed,
    rel_pos_attention,
    se_block,
    std_conv,
    vit_block,
    vit_layernorm,
)
from luximm_keras.layers.grn import GlobalResponseNorm
from luximm_keras.layers.helpers import rel_pos_index, se_make_divisible
from luximm_keras.layers.layer_scale import LayerScale
from luximm_keras.layers.layernorm2d import LayerNorm2D
from luximm_keras.layers.mlp import Mlp
from luximm_keras.layers.patch_embed import PatchEmbed
from luximm_keras.layers.rel_pos_attention import RelPosAttention2D
from luximm_keras.layers.rel_pos_bias import RelPosBias
from luximm_keras.layers.squeeze_excite import SqueezeExcite
from luximm_keras.layers.std_conv import ScaledStdConv2D, StdConv2D
from luximm_keras.layers.vit_block import ViTBlock

__all__ = [
    "DropPath",
    "GlobalResponseNorm",
    "LayerNorm2D",
    "LayerScale",
    "Mlp",
    "MultiHeadSelfAttention",
    "PatchEmbed",
    "RelPosAttention2D",
    "RelPosBias",
    "ScaledStdConv2D",
    "SqueezeExcite",
    "StdConv2D",
    "ViTBlock",
    "drop_path",
    "grn_layer",
    "layernorm2d",
    "mhsa",
    "patch_embed",
    "rel_pos_attention",
    "rel_pos_index",
    "se_block",
    "se_make_divisible",
    "std_conv",
    "vit_block",
    "vit_layernorm",
]
