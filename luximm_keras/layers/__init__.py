"""Ports of timm's `timm/layers`, one file per timm file: each class a Keras 3 layer that loads timm's
weights and gives timm's numbers. Blocks that belong to one model family live in that family's module
under `luximm_keras.models`.

The reference design's constructors (`std_conv` ... `rel_pos_attention`) are in `factories`.
"""

from luximm_keras.layers.batch_norm import BatchNorm2D
from luximm_keras.layers.activations import NONLIN_GAMMA, GammaAct, gelu_tanh, get_act, quick_gelu
from luximm_keras.layers.attention import MultiHeadSelfAttention
from luximm_keras.layers.attention_pool import AttentionPoolLatent
from luximm_keras.layers.attention_pool2d import AttentionPool2d
from luximm_keras.layers.attention_rope import AttentionRope
from luximm_keras.layers.blur_pool import BlurPool2D
from luximm_keras.layers.cond_conv2d import CondConv2D
from luximm_keras.layers.create_attn import create_attn, get_attn
from luximm_keras.layers.diff_attention import DiffAttention
from luximm_keras.layers.eca import CecaModule, EcaModule
from luximm_keras.layers.evo_norm import EvoNorm2DS0, EvoNorm2DS0a
from luximm_keras.layers.drop import DropPath, calculate_drop_path_rates, drop_path
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
from luximm_keras.layers.global_context import GlobalContext
from luximm_keras.layers.grn import GlobalResponseNorm
from luximm_keras.layers.helpers import make_divisible, se_make_divisible, to_pair
from luximm_keras.layers.layer_scale import LayerScale, LayerScale2D
from luximm_keras.layers.mixed_conv2d import MixedConv2D
from luximm_keras.layers.mlp import ConvMlp, GlobalResponseNormMlp, GluMlp, Mlp, SwiGLU
from luximm_keras.layers.non_local_attn import BatNonLocalAttn
from luximm_keras.layers.norm import LayerNorm2D, RmsNorm2D, SimpleNorm2D
from luximm_keras.layers.norm_act import BatchNormAct2D, GroupNormAct, LayerNormAct2D
from luximm_keras.layers.padding import get_padding, same_padding
from luximm_keras.layers.patch_embed import PatchEmbed
from luximm_keras.layers.pos_embed import resample_abs_pos_embed
from luximm_keras.layers.pos_embed_sincos import (
    RotaryEmbeddingCat,
    RotaryEmbeddingDinoV3,
    RotaryEmbeddingMixed,
    apply_rot_embed_cat,
    build_rotary_pos_embed,
)
from luximm_keras.layers.pos_embed_rel import (
    RelPosBias,
    RelPosBiasTf,
    RelPosMlp,
    gen_relative_log_coords,
    gen_relative_position_index,
    gen_relative_position_index_tf,
    rel_pos_index,
    resize_rel_pos_bias_table,
)
from luximm_keras.layers.squeeze_excite import SqueezeExcite
from luximm_keras.layers.std_conv import ScaledStdConv2D, StdConv2D

__all__ = [
    "AttentionPool2d",
    "AttentionPoolLatent",
    "AttentionRope",
    "BatNonLocalAttn",
    "BatchNorm2D",
    "BatchNormAct2D",
    "BlurPool2D",
    "CecaModule",
    "CondConv2D",
    "ConvMlp",
    "DiffAttention",
    "DropPath",
    "EcaModule",
    "EvoNorm2DS0",
    "EvoNorm2DS0a",
    "GammaAct",
    "GlobalContext",
    "GlobalResponseNorm",
    "GlobalResponseNormMlp",
    "GluMlp",
    "GroupNormAct",
    "LayerNorm2D",
    "LayerNormAct2D",
    "LayerScale",
    "LayerScale2D",
    "MixedConv2D",
    "Mlp",
    "MultiHeadSelfAttention",
    "NONLIN_GAMMA",
    "PatchEmbed",
    "RelPosBias",
    "RelPosBiasTf",
    "RelPosMlp",
    "RmsNorm2D",
    "RotaryEmbeddingCat",
    "RotaryEmbeddingDinoV3",
    "RotaryEmbeddingMixed",
    "ScaledStdConv2D",
    "SimpleNorm2D",
    "SqueezeExcite",
    "StdConv2D",
    "SwiGLU",
    "apply_rot_embed_cat",
    "build_rotary_pos_embed",
    "calculate_drop_path_rates",
    "create_attn",
    "drop_path",
    "gelu_tanh",
    "gen_relative_log_coords",
    "gen_relative_position_index",
    "gen_relative_position_index_tf",
    "get_act",
    "get_attn",
    "get_padding",
    "grn_layer",
    "layernorm2d",
    "make_divisible",
    "mhsa",
    "patch_embed",
    "quick_gelu",
    "rel_pos_attention",
    "rel_pos_index",
    "resample_abs_pos_embed",
    "resize_rel_pos_bias_table",
    "same_padding",
    "se_block",
    "se_make_divisible",
    "std_conv",
    "to_pair",
    "vit_block",
    "vit_layernorm",
]
