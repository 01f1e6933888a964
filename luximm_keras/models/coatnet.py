"""CoAtNet (timm's `_rw` configurations): MBConv stages, then transformer stages with a relative
position bias, as functional Keras models.

Layer names are timm's module paths with `__` for `.` (`stem__conv1`, `stages__0__blocks__0`,
`norm`, `head__fc`), so `load_timm_weights(model, timm_model.state_dict())` loads every key.

Reference: timm/models/maxxvit.py (`MaxxVit`, `Stem`, `MaxxVitStage`, `MbConvBlock`,
`TransformerBlock2d`, `_rw_coat_cfg`, `_rw_max_cfg`, `checkpoint_filter_fn`)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import functools

import keras
import numpy as np

from luximm_keras.initializers import kaiming_normal_fan_out
from luximm_keras.interop import identity, register_rule
from luximm_keras.layers import helpers
from luximm_keras.layers.batch_norm_act_2d import BatchNormAct2D
from luximm_keras.layers.layer_scale_2d import LayerScale2D
from luximm_keras.layers.layernorm2d import LayerNorm2D
from luximm_keras.layers.mbconv_block import MbConvBlock
from luximm_keras.layers.transformer_block_2d import TransformerBlock2D
from luximm_keras.models.pretrained import adapt_to_model, timm_shapes
from luximm_keras.models.registry import register_model

# LayerScale2D's `gamma` is timm's `LayerScale2d.gamma`. The other new layers need no table: the norms
# subclass Keras' own (whose rules they inherit) and the blocks are made of layers that have rules.
register_rule(LayerScale2D, {"gamma": ("gamma", identity)})

DEFAULT_IMG_SIZE = 224
FIRST_CONV = "stem.conv1"  # timm's pretrained_cfg["first_conv"]
CLASSIFIER = "head.fc"  # timm's pretrained_cfg["classifier"]
REL_POS_TABLE = "relative_position_bias_table"


@dataclass(frozen=True)
class ConvConfig:
    """The MBConv options of timm's `MaxxVitConvCfg` (block_type "mbconv", batchnorm2d, no padding
    override); the defaults are timm's."""

    expand_ratio: float = 4.0
    expand_output: bool = True
    kernel_size: int = 3
    group_size: int = 1
    pre_norm_act: bool = False
    output_bias: bool = True
    stride_mode: str = "dw"
    pool_type: str = "avg2"
    attn_early: bool = False
    attn_act: str = "silu"
    attn_ratio: float = 0.25
    act: str = "gelu"
    norm_eps: float = 1e-5


@dataclass(frozen=True)
class TransformerConfig:
    """The options of timm's `MaxxVitTransformerCfg` that `TransformerBlock2d` uses, for the ported
    case: `expand_first=False`, `head_first=True`, `rel_pos_type="bias"`, `layernorm2d`."""

    dim_head: int = 32
    expand_ratio: float = 4.0
    shortcut_bias: bool = True
    attn_bias: bool = True
    pool_type: str = "avg2"
    init_values: float | None = None
    act: str = "gelu"
    norm_eps: float = 1e-6


@dataclass(frozen=True)
class CoAtNetConfig:
    """One variant, as timm's `MaxxVitCfg` with `C` (MBConv) and `T` (transformer) stages."""

    embed_dim: tuple[int, ...]
    depths: tuple[int, ...]
    block_type: tuple[str, ...] = ("C", "C", "T", "T")
    stem_width: tuple[int, int] = (32, 64)
    stem_bias: bool = False
    conv: ConvConfig = field(default_factory=ConvConfig)
    transformer: TransformerConfig = field(default_factory=TransformerConfig)


def _rw_coat_cfg(
    stride_mode: str = "pool",
    pool_type: str = "avg2",
    conv_output_bias: bool = False,
    conv_attn_early: bool = False,
    conv_attn_act_layer: str = "relu",
    transformer_shortcut_bias: bool = True,
    init_values: float | None = None,
) -> dict:
    """timm's `_rw_coat_cfg` (rel_pos_type "bias", layernorm2d transformer norms)."""
    return dict(
        conv=ConvConfig(
            stride_mode=stride_mode,
            pool_type=pool_type,
            pre_norm_act=True,
            expand_output=False,
            output_bias=conv_output_bias,
            attn_early=conv_attn_early,
            attn_act=conv_attn_act_layer,
            act="silu",
        ),
        transformer=TransformerConfig(
            shortcut_bias=transformer_shortcut_bias, pool_type=pool_type, init_values=init_values
        ),
    )


def _rw_max_cfg(
    stride_mode: str = "dw",
    pool_type: str = "avg2",
    conv_output_bias: bool = False,
    conv_attn_ratio: float = 1 / 16,
) -> dict:
    """timm's `_rw_max_cfg` (as CoAtNet pico / nano use it: rel_pos_type "bias", no window override)."""
    return dict(
        conv=ConvConfig(
            stride_mode=stride_mode,
            pool_type=pool_type,
            expand_output=False,
            output_bias=conv_output_bias,
            attn_ratio=conv_attn_ratio,
            act="silu",
        ),
        transformer=TransformerConfig(pool_type=pool_type),
    )


CONFIGS: dict[str, CoAtNetConfig] = {
    "coatnet_pico_rw_224": CoAtNetConfig(
        embed_dim=(64, 128, 256, 512),
        depths=(2, 3, 5, 2),
        **_rw_max_cfg(conv_output_bias=True, conv_attn_ratio=0.25),
    ),
    "coatnet_nano_rw_224": CoAtNetConfig(
        embed_dim=(64, 128, 256, 512),
        depths=(3, 4, 6, 3),
        **_rw_max_cfg(stride_mode="pool", conv_output_bias=True, conv_attn_ratio=0.25),
    ),
    "coatnet_0_rw_224": CoAtNetConfig(
        embed_dim=(96, 192, 384, 768),
        depths=(2, 3, 7, 2),
        **_rw_coat_cfg(conv_attn_early=True, transformer_shortcut_bias=False),
    ),
    "coatnet_1_rw_224": CoAtNetConfig(
        embed_dim=(96, 192, 384, 768),
        depths=(2, 6, 14, 2),
        **_rw_coat_cfg(stride_mode="dw", conv_attn_early=True, transformer_shortcut_bias=False),
    ),
    "coatnet_2_rw_224": CoAtNetConfig(
        embed_dim=(128, 256, 512, 1024),
        depths=(2, 6, 14, 2),
        stem_width=(64, 128),
        **_rw_coat_cfg(stride_mode="dw", conv_attn_act_layer="silu"),
    ),
    "coatnet_3_rw_224": CoAtNetConfig(
        embed_dim=(192, 384, 768, 1536),
        depths=(2, 6, 14, 2),
        stem_width=(96, 192),
        **_rw_coat_cfg(stride_mode="dw", conv_attn_act_layer="silu", init_values=1e-6),
    ),
}


def mbconv_block(filters: int, cfg: ConvConfig, *, strides: int = 1, **kwargs) -> MbConvBlock:
    """timm's `MbConvBlock(in_chs, filters, stride, cfg=cfg)` as a Keras layer."""
    return MbConvBlock(
        filters,
        strides=strides,
        expand_ratio=cfg.expand_ratio,
        expand_output=cfg.expand_output,
        kernel_size=cfg.kernel_size,
        group_size=cfg.group_size,
        pre_norm_act=cfg.pre_norm_act,
        output_bias=cfg.output_bias,
        stride_mode=cfg.stride_mode,
        pool_type=cfg.pool_type,
        attn_early=cfg.attn_early,
        se_ratio=cfg.attn_ratio,
        se_activation=cfg.attn_act,
        activation=cfg.act,
        epsilon=cfg.norm_eps,
        **kwargs,
    )


def transformer_block(
    filters: int, window_size, cfg: TransformerConfig, *, strides: int = 1, **kwargs
) -> TransformerBlock2D:
    """timm's `TransformerBlock2d(dim, filters, stride, rel_pos_cls=RelPosBias(window_size), cfg=cfg)`
    as a Keras layer; `window_size` is the block's output feature size."""
    return TransformerBlock2D(
        filters,
        window_size=window_size,
        strides=strides,
        dim_head=cfg.dim_head,
        expand_ratio=cfg.expand_ratio,
        attn_bias=cfg.attn_bias,
        shortcut_bias=cfg.shortcut_bias,
        init_values=cfg.init_values,
        activation=cfg.act,
        epsilon=cfg.norm_eps,
        pool_type=cfg.pool_type,
        **kwargs,
    )


def _stagewise_drop_path_rates(drop_path_rate: float, depths) -> list[list[float]]:
    """timm's `calculate_drop_path_rates(rate, depths, stagewise=True)`."""
    rates = np.linspace(0.0, drop_path_rate, sum(depths)).tolist()
    bounds = np.cumsum([0, *depths])
    return [rates[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def _image_size(img_size) -> tuple[int, int]:
    size = helpers.to_pair(DEFAULT_IMG_SIZE if img_size is None else img_size, "img_size")
    if any(s < 32 or s % 32 for s in size):
        # timm sizes each stage's relative-position window as ceil(n / 2) per stage but pools to
        # floor(n / 2): only multiples of 32 give windows that fit the feature maps (timm fails too).
        raise ValueError(f"`img_size` must be a multiple of 32 in each dimension, got {img_size!r}.")
    return size


def build_coatnet(
    name: str,
    config: CoAtNetConfig,
    *,
    num_classes: int = 1000,
    in_chans: int = 3,
    img_size: int | tuple[int, int] | None = None,
    drop_path_rate: float = 0.0,
) -> keras.Model:
    """A functional CoAtNet taking NHWC images of `img_size` (default 224; the transformer stages'
    relative-position windows depend on it), giving logits, or pooled features when `num_classes=0`."""
    height, width = _image_size(img_size)
    fmt = dict(data_format="channels_last")
    conv_cfg, tf_cfg = config.conv, config.transformer
    conv_init = kaiming_normal_fan_out()

    inputs = keras.Input((height, width, in_chans), name="image")
    # timm's Stem: 3x3 stride-2 conv with symmetric padding 1 (not Keras' "same", which pads only at the
    # end for an even input), BatchNormAct2d, then a 3x3 stride-1 conv.
    x = keras.layers.ZeroPadding2D(1, name="stem__conv1_pad", **fmt)(inputs)
    x = keras.layers.Conv2D(
        config.stem_width[0], 3, strides=2, use_bias=config.stem_bias, kernel_initializer=conv_init,
        name="stem__conv1", **fmt,
    )(x)
    x = BatchNormAct2D(epsilon=conv_cfg.norm_eps, activation=conv_cfg.act, name="stem__norm1", **fmt)(x)
    x = keras.layers.Conv2D(
        config.stem_width[1], 3, padding="same", use_bias=config.stem_bias, kernel_initializer=conv_init,
        name="stem__conv2", **fmt,
    )(x)

    feat_size = (height // 2, width // 2)
    dprs = _stagewise_drop_path_rates(drop_path_rate, config.depths)
    for stage_idx, (filters, depth, block_type) in enumerate(zip(config.embed_dim, config.depths, config.block_type)):
        feat_size = tuple((r - 1) // 2 + 1 for r in feat_size)
        for block_idx in range(depth):
            common = dict(
                strides=2 if block_idx == 0 else 1,
                drop_path=dprs[stage_idx][block_idx],
                name=f"stages__{stage_idx}__blocks__{block_idx}",
                **fmt,
            )
            if block_type == "C":
                block = mbconv_block(filters, conv_cfg, **common)
            elif block_type == "T":
                block = transformer_block(filters, feat_size, tf_cfg, **common)
            else:
                raise ValueError(f"{name}: block type {block_type!r} is not ported (only 'C' and 'T').")
            x = block(x)

    x = LayerNorm2D(tf_cfg.norm_eps, name="norm", **fmt)(x)
    # timm's ClassifierHead: average pool, flatten, Linear.
    x = keras.layers.GlobalAveragePooling2D(name="head__global_pool", **fmt)(x)
    if num_classes:
        x = keras.layers.Dense(num_classes, name="head__fc")(x)
    return keras.Model(inputs, x, name=name)


# ----------------------------------------------------------------------------------------------------
# Loading checkpoints made for another img_size / in_chans


def _calc_positions(src: int, dst: int) -> list[float]:
    """timm's `_calc` in `resize_rel_pos_bias_table`: geometrically spaced source offsets (python floats)."""

    def geometric_progression(a, r, n):
        return a * (1.0 - r**n) / (1.0 - r)

    left, right = 1.01, 1.5
    while right - left > 1e-6:
        q = (left + right) / 2.0
        if geometric_progression(1, q, src // 2) > dst // 2:
            right = q
        else:
            left = q
    dis, cur = [], 1
    for i in range(src // 2):
        dis.append(cur)
        cur += q ** (i + 1)
    return [-d for d in reversed(dis)] + [0] + dis


def _interp_grid_linear(points: tuple[np.ndarray, np.ndarray], values: np.ndarray, query) -> np.ndarray:
    """timm's `RegularGridInterpolator` (linear on a rectilinear grid), in float32 as timm runs it."""
    idxs, dists, overalls = [], [], []
    for p, x in zip(points, query):
        idx_right = np.searchsorted(p, x, side="left")  # torch.bucketize(x, p), right=False
        idx_right = np.minimum(idx_right, p.shape[0] - 1)
        idx_left = np.clip(idx_right - 1, 0, p.shape[0] - 1)
        dist_left = np.maximum(x - p[idx_left], np.float32(0))
        dist_right = np.maximum(p[idx_right] - x, np.float32(0))
        both_zero = (dist_left == 0) & (dist_right == 0)
        dist_left[both_zero] = 1.0
        dist_right[both_zero] = 1.0
        idxs.append((idx_left, idx_right))
        dists.append((dist_left, dist_right))
        overalls.append(dist_left + dist_right)
    numerator = np.zeros(query[0].shape, np.float32)
    for onoff in itertools.product([0, 1], repeat=2):
        corner = values[idxs[0][onoff[0]], idxs[1][onoff[1]]]
        numerator = numerator + corner * (dists[0][1 - onoff[0]] * dists[1][1 - onoff[1]])
    return numerator / (overalls[0] * overalls[1])


def resize_rel_pos_bias_table(
    table: np.ndarray,
    new_window_size: tuple[int, int],
    new_bias_shape: tuple[int, int],
    old_window_size: tuple[int, int] | None = None,
) -> np.ndarray:
    """timm's `resize_rel_pos_bias_table` for a flat `(num_pos, heads)` table, in numpy: each head's
    `(2Wh-1, 2Ww-1)` grid is resampled linearly from geometrically spaced source offsets (timm's
    default path, without scipy). Returns the table unchanged when the source grid already fits.

    Reference: timm/layers/pos_embed_rel.py `resize_rel_pos_bias_table`.
    """
    table = np.asarray(table)
    if table.ndim != 2:
        raise ValueError(f"expected a flat (num_pos, heads) table, got shape {table.shape}.")
    dst_size = (new_window_size[0] * 2 - 1, new_window_size[1] * 2 - 1)
    dst_num_pos = new_bias_shape[0]
    src_num_pos, num_heads = table.shape
    num_extra = dst_num_pos - dst_size[0] * dst_size[1]
    if old_window_size is not None:
        src_size = (old_window_size[0] * 2 - 1, old_window_size[1] * 2 - 1)
    else:
        src_no_extra = src_num_pos - num_extra
        side = int(src_no_extra**0.5)
        if side * side == src_no_extra:
            src_size = (side, side)
        elif src_no_extra == dst_size[0] * dst_size[1]:
            src_size = dst_size
        else:
            raise ValueError(
                f"Cannot infer a non-square source window for a relative position table of size "
                f"{src_num_pos}; pass old_window_size."
            )
    if src_size == dst_size:
        return table

    dtype = table.dtype
    extra = None
    if num_extra:
        extra, table = table[-num_extra:], table[:-num_extra]
    grid = (
        np.asarray(_calc_positions(src_size[0], dst_size[0]), np.float32),
        np.asarray(_calc_positions(src_size[1], dst_size[1]), np.float32),
    )
    ty, tx = dst_size[0] // 2.0, dst_size[1] // 2.0
    dy = np.arange(-ty, ty + 0.1, 1.0, dtype=np.float32)
    dx = np.arange(-tx, tx + 0.1, 1.0, dtype=np.float32)
    query = np.meshgrid(dy, dx, indexing="ij")
    heads = []
    for h in range(num_heads):
        z = table[:, h].reshape(src_size).astype(np.float32)
        heads.append(_interp_grid_linear(grid, z, query).reshape(-1, 1))
    out = np.concatenate(heads, axis=-1)
    if extra is not None:
        out = np.concatenate([out, extra.astype(np.float32)], axis=0)
    return out.astype(dtype)


def checkpoint_filter(state: Mapping[str, np.ndarray], model: keras.Model) -> dict[str, np.ndarray]:
    """What timm's `load_pretrained` does to a CoAtNet checkpoint for `model`:

    - timm's `maxxvit.checkpoint_filter_fn`: relative-position tables are resized (numpy port of
      `resize_rel_pos_bias_table`) when the model's window differs (another `img_size`) or is not
      square, and a tensor with the right number of entries but another rank (conv vs linear) is
      reshaped to the model's;
    - the first conv (`stem.conv1`, timm's `first_conv`) is adapted with `adapt_input_conv` when the
      model's input channels differ from the checkpoint's 3;
    - the classifier (`head.fc.*`) is dropped when the model has none (`num_classes=0`) or one of
      another width; a new classifier then stays at its initial values (load with `strict=False`).
    """
    expected = timm_shapes(model)
    out = dict(state)  # tensors pass through untouched (any array type the loader reads) unless adapted
    for key, value in state.items():
        if key not in expected:
            continue
        shape = tuple(value.shape)
        if key.endswith(REL_POS_TABLE):
            block = model.get_layer(key[: -len(".attn.rel_pos." + REL_POS_TABLE)].replace(".", "__"))
            window = block.attn.rel_pos.window_size
            if shape != expected[key] or window[0] != window[1]:
                out[key] = resize_rel_pos_bias_table(np.asarray(value), window, expected[key])
        elif len(shape) != len(expected[key]) and math.prod(shape) == math.prod(expected[key]):
            out[key] = np.asarray(value).reshape(expected[key])

    return adapt_to_model(out, model, first_conv=FIRST_CONV, classifier=CLASSIFIER)


for _name in CONFIGS:
    register_model(_name, functools.partial(build_coatnet, _name, CONFIGS[_name]), checkpoint_filter)
