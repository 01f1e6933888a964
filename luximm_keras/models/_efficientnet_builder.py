"""timm's EfficientNet architecture strings decoded in Python, and the stage builder that turns them
into `_efficientnet_blocks` layers of a functional model.

An architecture is a list of stages, each a list of block strings such as `ir_r2_k3_s2_e6_c24_se0.25`
(an inverted residual, repeated twice, 3x3 depthwise kernel, stride 2, expansion 6, 24 output
channels, SE at a quarter of the block's input width). `decode_arch_def` reads them exactly as timm
does, with the depth multiplier applied per stage (`_scale_stage_depth`), and `round_channels` scales
the widths as timm's does.

Reference: timm/models/_efficientnet_builder.py
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from copy import deepcopy
from dataclasses import dataclass

from luximm_keras.layers.helpers import make_divisible
from luximm_keras.models._builder import FeatureMap
from luximm_keras.models._efficientnet_blocks import (
    CondConvResidual,
    ConvBnAct,
    DepthwiseSeparableConv,
    EdgeResidual,
    InvertedResidual,
    MobileAttention,
    UniversalInvertedResidual,
)

@dataclass
class EfficientNetFeatureMap(FeatureMap):
    """A `FeatureMap` with timm's `stage` (EfficientNet's `feature_info` dicts carry it)."""

    stage: int = 0

    def info(self) -> dict:
        return {**super().info(), "stage": self.stage}


# timm's `n` option: the activation a block string can name (its `get_act_layer` names, as Keras').
_ACTIVATIONS = {"re": "relu", "r6": "relu6", "hs": "hard_swish", "sw": "silu", "mi": "mish"}
BLOCK_TYPES = ("ir", "ds", "dsa", "er", "cn", "uir", "mqa", "mha")  # decoded (mha is not built)


def round_channels(channels, multiplier: float = 1.0, divisor: int = 8, channel_min=None, round_limit: float = 0.9):
    """timm's `round_channels`: `channels * multiplier` made divisible by `divisor` (10% rule at 0.9)."""
    if not multiplier:
        return channels
    return make_divisible(channels * multiplier, divisor, channel_min, round_limit=round_limit)


def _parse_ksize(ss: str):
    if ss.isdigit():
        return int(ss)
    return [int(k) for k in ss.split(".")]


def _decode_block_str(block_str: str) -> tuple[dict, int]:
    """timm's `_decode_block_str`: one block string -> (block arguments, repeat count). Activations
    are Keras names (`"relu"`, `"silu"`, ...) where timm keeps its layer classes."""
    if not isinstance(block_str, str):
        raise TypeError(f"a block string is expected, got {block_str!r}")
    ops = block_str.split("_")
    block_type, ops = ops[0], ops[1:]
    options = {}
    skip = None
    for op in ops:
        if op == "noskip":
            skip = False
        elif op == "skip":
            skip = True
        elif op.startswith("n"):
            value = _ACTIVATIONS.get(op[1:])
            if value is None:
                continue
            options["n"] = value
        else:
            splits = re.split(r"(\d.*)", op)
            if len(splits) >= 2:
                key, value = splits[:2]
                options[key] = value

    act_layer = options.get("n")
    start_kernel_size = _parse_ksize(options["a"]) if "a" in options else 1
    end_kernel_size = _parse_ksize(options["p"]) if "p" in options else 1
    force_in_chs = int(options["fc"]) if "fc" in options else 0
    num_repeat = int(options["r"])

    block_args = dict(block_type=block_type, out_chs=int(options["c"]), stride=int(options["s"]), act_layer=act_layer)
    if block_type == "ir":
        block_args.update(
            dw_kernel_size=_parse_ksize(options["k"]),
            exp_kernel_size=start_kernel_size,
            pw_kernel_size=end_kernel_size,
            exp_ratio=float(options["e"]),
            se_ratio=float(options.get("se", 0.0)),
            noskip=skip is False,
            s2d=int(options.get("d", 0)) > 0,
        )
        if "cc" in options:
            block_args["num_experts"] = int(options["cc"])
    elif block_type in ("ds", "dsa"):
        block_args.update(
            dw_kernel_size=_parse_ksize(options["k"]),
            pw_kernel_size=end_kernel_size,
            se_ratio=float(options.get("se", 0.0)),
            pw_act=block_type == "dsa",
            noskip=block_type == "dsa" or skip is False,
            s2d=int(options.get("d", 0)) > 0,
        )
    elif block_type == "er":
        block_args.update(
            exp_kernel_size=_parse_ksize(options["k"]),
            pw_kernel_size=end_kernel_size,
            exp_ratio=float(options["e"]),
            force_in_chs=force_in_chs,
            se_ratio=float(options.get("se", 0.0)),
            noskip=skip is False,
        )
    elif block_type == "cn":
        block_args.update(kernel_size=int(options["k"]), skip=skip is True)
    elif block_type == "uir":
        # `a` and `p` are the start and end depthwise kernels here, 0 (none) unless given.
        block_args.update(
            dw_kernel_size_start=_parse_ksize(options["a"]) if "a" in options else 0,
            dw_kernel_size_mid=_parse_ksize(options["k"]),
            dw_kernel_size_end=_parse_ksize(options["p"]) if "p" in options else 0,
            exp_ratio=float(options["e"]),
            se_ratio=float(options.get("se", 0.0)),
            noskip=skip is False,
        )
    elif block_type in ("mha", "mqa"):
        kv_dim = int(options["d"])
        block_args.update(
            dw_kernel_size=_parse_ksize(options["k"]),
            num_heads=int(options["h"]),
            key_dim=kv_dim,
            value_dim=kv_dim,
            kv_stride=int(options.get("v", 1)),
            noskip=skip is False,
        )
    else:
        raise ValueError(f"block type {block_type!r} is not ported (known: {BLOCK_TYPES}).")
    if "gs" in options:
        block_args["group_size"] = int(options["gs"])
    return block_args, num_repeat


def _scale_stage_depth(stack_args, repeats, depth_multiplier: float = 1.0, depth_trunc: str = "ceil") -> list[dict]:
    """timm's `_scale_stage_depth`: the stage's total repeat count scaled (ceil, or round), then
    shared out over its block definitions from the last one back."""
    num_repeat = sum(repeats)
    if depth_trunc == "round":
        num_repeat_scaled = max(1, round(num_repeat * depth_multiplier))
    else:
        num_repeat_scaled = int(math.ceil(num_repeat * depth_multiplier))
    repeats_scaled = []
    for r in repeats[::-1]:
        rs = max(1, round(r / num_repeat * num_repeat_scaled))
        repeats_scaled.append(rs)
        num_repeat -= r
        num_repeat_scaled -= rs
    repeats_scaled = repeats_scaled[::-1]
    sa_scaled = []
    for ba, rep in zip(stack_args, repeats_scaled):
        sa_scaled.extend([deepcopy(ba) for _ in range(rep)])
    return sa_scaled


def decode_arch_def(
    arch_def: Sequence[Sequence[str]],
    depth_multiplier=1.0,
    depth_trunc: str = "ceil",
    experts_multiplier: int = 1,
    fix_first_last: bool = False,
    group_size: int | None = None,
) -> list[list[dict]]:
    """timm's `decode_arch_def`: stage strings -> per stage, one argument dict per block."""
    if isinstance(depth_multiplier, tuple):
        if len(depth_multiplier) != len(arch_def):
            raise ValueError("one depth multiplier per stage is expected")
    else:
        depth_multiplier = (depth_multiplier,) * len(arch_def)
    arch_args = []
    for stack_idx, (block_strings, multiplier) in enumerate(zip(arch_def, depth_multiplier)):
        stack_args, repeats = [], []
        for block_str in block_strings:
            ba, rep = _decode_block_str(block_str)
            if ba.get("num_experts", 0) > 0 and experts_multiplier > 1:
                ba["num_experts"] *= experts_multiplier
            if group_size is not None:
                ba.setdefault("group_size", group_size)
            stack_args.append(ba)
            repeats.append(rep)
        if fix_first_last and (stack_idx == 0 or stack_idx == len(arch_def) - 1):
            arch_args.append(_scale_stage_depth(stack_args, repeats, 1.0, depth_trunc))
        else:
            arch_args.append(_scale_stage_depth(stack_args, repeats, multiplier, depth_trunc))
    return arch_args


def resolve_block_args(
    model_block_args: list[list[dict]],
    in_chs: int,
    round_chs_fn: Callable = round_channels,
    act_layer: str = "relu",
    se_from_exp: bool = False,
    drop_path_rate: float = 0.0,
    output_stride: int = 32,
) -> list[list[dict]]:
    """What timm's `EfficientNetBuilder.__call__` and `_make_block` do to the decoded arguments: a
    stride only on a stage's first block, and none past `output_stride` (timm's builder turns it
    into dilation: the block keeps the dilation it had, the blocks after it get that times the
    stride; `reduction` stays at `output_stride`), the widths rounded, the input width
    chained, the model's activation where a block names none, the SE ratio turned into a fraction of
    the SE's own input (timm divides by the expansion unless `se_from_exp`), and the drop-path rate
    rising linearly from 0 over all blocks. A space-to-depth block (`d1`, EfficientNet-X) gets
    `s2d=1`, 4x its output width and a quarter of its SE ratio; the stage after it drops its stride
    and a quarter of its expansion, as timm's builder does. Each dict also gets `in_chs`, `reduction`
    (the stride after the block) and `feature` (whether timm's `feature_info` takes the stage's
    output here)."""
    total = sum(len(stage) for stage in model_block_args)
    stride = 2
    dilation = 1
    index = 0
    space2depth = 0
    stages = []
    for stack_idx, stack_args in enumerate(model_block_args):
        blocks = []
        for block_idx, source in enumerate(stack_args):
            ba = deepcopy(source)
            if ba["stride"] not in (1, 2):
                raise ValueError(f"stride {ba['stride']} is not 1 or 2")
            if block_idx >= 1:
                ba["stride"] = 1
            if not space2depth and ba.pop("s2d", False):
                if ba["stride"] != 1:
                    raise ValueError("a space-to-depth block must have stride 1")
                space2depth = 1
                stride *= 2  # the space-to-depth conv downsamples by 2
            ba.pop("s2d", None)
            if space2depth > 0:
                if space2depth == 2 and ba["stride"] == 2:
                    # the block ending the space-to-depth region drops its stride and 4x of its expansion
                    ba["stride"] = 1
                    ba["exp_ratio"] /= 4
                    space2depth = 0
                else:
                    ba["s2d"] = space2depth
            last_block = block_idx + 1 == len(stack_args)
            ba["feature"] = last_block and (
                stack_idx + 1 >= len(model_block_args)
                or (model_block_args[stack_idx + 1][0]["stride"] > 1 and not space2depth))
            next_dilation = dilation
            if ba["stride"] > 1:
                if stride * ba["stride"] > output_stride:
                    next_dilation = dilation * ba["stride"]
                    ba["stride"] = 1
                else:
                    stride *= ba["stride"]
            ba["dilation"] = dilation
            dilation = next_dilation
            ba["reduction"] = stride
            ba["drop_path_rate"] = drop_path_rate * index / total
            ba["in_chs"] = in_chs
            ba["out_chs"] = round_chs_fn(ba["out_chs"])
            s2d = ba.get("s2d", 0)
            if s2d > 0:
                ba["out_chs"] *= 4
            if ba.get("force_in_chs"):
                ba["force_in_chs"] = round_chs_fn(ba["force_in_chs"])
            if ba["act_layer"] is None:
                ba["act_layer"] = act_layer
            se_ratio = ba.pop("se_ratio", None)
            if se_ratio:
                if not se_from_exp:
                    se_ratio /= ba.get("exp_ratio", 1.0)
                if s2d == 1:
                    se_ratio /= 4
                ba["se_ratio"] = se_ratio
            else:
                ba["se_ratio"] = 0.0
            if not ba.get("num_experts"):
                ba.pop("num_experts", None)
            if space2depth == 1:
                space2depth = 2
            in_chs = ba["out_chs"]
            blocks.append(ba)
            index += 1
        stages.append(blocks)
    return stages


def make_block(ba: dict, padding: str, epsilon: float, name: str, data_format: str = "channels_last",
               se_options: dict | None = None, aa_layer: str | None = None,
               layer_scale_init_value: float | None = None, norm_options: dict | None = None):
    """The Keras layer of one resolved block dict (timm's `_make_block`). `se_options` (the blocks'
    `se_gate`, `se_activation`, `se_round_limit`, `se_layer`), `aa_layer`, `layer_scale_init_value`
    and `norm_options` (`norm_layer`, `norm_group_size`) are what timm's builder takes per model
    (MobileNet-V3's `se_layer` partial, MobileNet-V4's, the test models' norm layers); the layer
    scale goes to the blocks that take it (`uir`, `mqa`), as in timm's builder. A dict's own
    `group_size`, `s2d`, `num_experts` (CondConv) and pruned widths (`mid_chs`, `se_channels`) go to
    the blocks that take them."""
    common = dict(strides=ba["stride"], dilation=ba.get("dilation", 1), padding=padding, activation=ba["act_layer"], epsilon=epsilon,
                  drop_path_rate=ba["drop_path_rate"], name=name, data_format=data_format)
    if se_options:
        common.update(se_options)
    if norm_options:
        common.update(norm_options)
    if aa_layer is not None:
        common["aa_layer"] = aa_layer
    bt = ba["block_type"]
    extra = {key: ba[key] for key in ("group_size", "mid_chs", "se_channels") if ba.get(key) is not None}
    if ba.get("s2d") == 1:  # the blocks after it in the space-to-depth region (s2d=2) are ordinary ones
        extra["s2d"] = 1
    if bt == "uir":
        return UniversalInvertedResidual(
            ba["out_chs"], dw_kernel_size_start=ba["dw_kernel_size_start"], dw_kernel_size_mid=ba["dw_kernel_size_mid"],
            dw_kernel_size_end=ba["dw_kernel_size_end"], exp_ratio=ba["exp_ratio"], se_ratio=ba["se_ratio"],
            noskip=ba["noskip"], layer_scale_init_value=layer_scale_init_value, **common)
    if bt == "mqa":
        return MobileAttention(ba["out_chs"], num_heads=ba["num_heads"], key_dim=ba["key_dim"],
                               value_dim=ba["value_dim"], kv_stride=ba["kv_stride"],
                               dw_kernel_size=ba["dw_kernel_size"], noskip=ba["noskip"],
                               layer_scale_init_value=layer_scale_init_value, **common)
    if bt == "ir":
        ir_args = dict(dw_kernel_size=ba["dw_kernel_size"], exp_ratio=ba["exp_ratio"],
                       exp_kernel_size=ba["exp_kernel_size"], pw_kernel_size=ba["pw_kernel_size"],
                       se_ratio=ba["se_ratio"], noskip=ba["noskip"], **extra, **common)
        if ba.get("num_experts"):
            return CondConvResidual(ba["out_chs"], num_experts=ba["num_experts"], **ir_args)
        return InvertedResidual(ba["out_chs"], **ir_args)
    if bt in ("ds", "dsa"):
        extra.pop("mid_chs", None)
        return DepthwiseSeparableConv(ba["out_chs"], dw_kernel_size=ba["dw_kernel_size"],
                                      pw_kernel_size=ba["pw_kernel_size"], pw_act=ba["pw_act"],
                                      se_ratio=ba["se_ratio"], noskip=ba["noskip"], **extra, **common)
    if bt == "er":
        if not isinstance(ba["exp_kernel_size"], int):
            raise ValueError("mixed kernel sizes are not ported for EdgeResidual (timm's models use none)")
        return EdgeResidual(ba["out_chs"], exp_kernel_size=ba["exp_kernel_size"], exp_ratio=ba["exp_ratio"],
                            force_in_chs=ba["force_in_chs"], pw_kernel_size=ba["pw_kernel_size"],
                            se_ratio=ba["se_ratio"], noskip=ba["noskip"], group_size=ba.get("group_size", 0),
                            **common)
    if bt == "cn":
        return ConvBnAct(ba["out_chs"], kernel_size=ba["kernel_size"], skip=ba["skip"],
                         group_size=ba.get("group_size", 0), **common)
    raise ValueError(f"block type {bt!r} is not ported")


def build_stages(x, stages: list[list[dict]], padding: str, epsilon: float, data_format: str = "channels_last",
                 **block_options):
    """Applies every block (named `blocks__{stage}__{block}` as timm's `blocks.i.j`) to `x`; returns
    the output and the `FeatureMap`s of timm's `feature_info` after the stem (module `blocks.i`).
    `block_options` go to `make_block`."""
    features = []
    for i, stage in enumerate(stages):
        for j, ba in enumerate(stage):
            x = make_block(ba, padding, epsilon, f"blocks__{i}__{j}", data_format, **block_options)(x)
            if ba["feature"]:
                features.append(EfficientNetFeatureMap(x, ba["out_chs"], ba["reduction"], f"blocks.{i}", i + 1))
    return x, features


__all__ = ["EfficientNetFeatureMap", "decode_arch_def", "round_channels", "resolve_block_args", "build_stages", "make_block"]
