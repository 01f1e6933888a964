"""Conformance specs of the byobnet family's blocks and the timm layers it brought (see README.md)."""


def specs(cf) -> list:
    from luximm_keras.layers.attention_pool2d import AttentionPool2d
    from luximm_keras.layers.evo_norm import EvoNorm2DS0a
    from luximm_keras.layers.global_context import GlobalContext
    from luximm_keras.layers.non_local_attn import BatNonLocalAttn
    from luximm_keras.models.byobnet import (
        BottleneckBlock,
        ByobBasicBlock,
        ConvNormAct,
        DarkBlock,
        EdgeBlock,
        MobileOneBlock,
        RepVggBlock,
    )

    S = cf.LayerSpec
    # zero_init_last=False: a zero last-norm scale would zero every gradient of the residual branch.
    # The SEs are as wide as the input (rd_ratio 1.0): a ReLU bottleneck of 1-2 units is dead on random
    # weights often enough to zero the SE's gradients now and then.
    se = {"attn_layer": "se", "attn_kwargs": {"rd_ratio": 1.0}}
    # fmt: off
    return [
        # The attention logits' bias shifts every position alike: the softmax over the map cancels it.
        S(GlobalContext, {"fuse_add": True, "fuse_scale": False}, cf.IMG, "gca", spatial=True, zero_grad=("conv_attn/bias",)),
        S(GlobalContext, {"rd_ratio": 0.5}, cf.IMG, "gc-scale", spatial=True, zero_grad=("conv_attn/bias",)),
        S(AttentionPool2d, {"feat_size": (8, 16), "out_features": 8, "head_dim": 8, "qkv_separate": True}, cf.IMG,
          "clip", fixed_size=True, stack=False),
        S(AttentionPool2d, {"feat_size": (8, 16), "out_features": 0, "head_dim": 4}, cf.IMG, "qkv-no-proj",
          fixed_size=True, stack=False),
        # bat_resnext26ts's attention (channels-last only): 8 x 16 and 12 x 24 maps, multiples of its blocks.
        S(BatNonLocalAttn, {"block_size": 4, "rd_ratio": 1.0, "drop_rate": 0.25}, cf.IMG, "block4-drop",
          drop_rates=("drop_rate",), batch_statistics=True),
        S(EvoNorm2DS0a, {"group_size": 8}, cf.IMG, spatial=True),
        S(EvoNorm2DS0a, {"groups": 4, "apply_act": False}, cf.IMG, "no-act", spatial=True),
        S(ConvNormAct, {"filters": 16, "kernel_size": 3, "activation": "silu"}, cf.IMG, "3x3-silu", spatial=True, batch_statistics=True),
        S(ConvNormAct, {"filters": 16, "kernel_size": 3, "strides": 2, "aa_layer": "avg"}, cf.IMG, "aa", spatial=True, batch_statistics=True),
        S(ConvNormAct, {"filters": 16, "kernel_size": 3, "groups": 2, "norm_layer": "evonorms0a", "norm_kwargs": {"group_size": 8}}, cf.IMG, "evos", spatial=True),
        S(ByobBasicBlock, {"filters": 16, "zero_init_last": False}, cf.IMG, "identity", spatial=True, batch_statistics=True),
        S(ByobBasicBlock, {"filters": 32, "strides": 2, "downsample": "conv1x1", "zero_init_last": False, "drop_path_rate": 0.25}, cf.IMG, "conv1x1-drop", spatial=True, drop_rates=("drop_path_rate",), batch_statistics=True),
        S(BottleneckBlock, {"filters": 32, "strides": 2, "group_size": 4, "bottle_ratio": 0.5, "activation": "silu", "zero_init_last": False, **se}, cf.IMG, "se-avg", spatial=True, batch_statistics=True),
        S(BottleneckBlock, {"filters": 16, "bottle_ratio": 0.5, "attn_layer": "eca", "extra_conv": True, "zero_init_last": False}, cf.IMG, "eca-extra-conv", spatial=True, batch_statistics=True),
        # GC's bottleneck LayerNorm needs more than one channel to pass gradients (timm's 1/8 of 8 is 1).
        S(BottleneckBlock, {"filters": 16, "bottle_ratio": 0.5, "attn_layer": "gc", "attn_kwargs": {"rd_ratio": 0.5}, "zero_init_last": False}, cf.IMG, "gc", spatial=True, batch_statistics=True, zero_grad=("conv_attn/bias",)),
        S(BottleneckBlock, {"filters": 16, "strides": 2, "bottle_ratio": 0.5, "downsample": "avg", "aa_layer": "avg", "zero_init_last": False}, cf.IMG, "clip-aa", spatial=True, batch_statistics=True),
        # RegNetZ: inverted, no shortcut where the shape changes, linear output, EvoNorm.
        S(BottleneckBlock, {"filters": 16, "group_size": 8, "bottle_ratio": 2.0, "bottle_in": True, "linear_out": True, "downsample": "", "norm_layer": "evonorms0a", "norm_kwargs": {"group_size": 8}, "zero_init_last": False, **se}, cf.IMG, "regnetz-evos", spatial=True),
        S(DarkBlock, {"filters": 32, "strides": 2, "bottle_ratio": 0.5, "zero_init_last": False, **se}, cf.IMG, "se-last", spatial=True, batch_statistics=True),
        S(EdgeBlock, {"filters": 16, "activation": "silu", "zero_init_last": False}, cf.IMG, "identity", spatial=True, batch_statistics=True),
        S(RepVggBlock, {"filters": 16, "drop_path_rate": 0.25}, cf.IMG, "identity-drop", spatial=True, drop_rates=("drop_path_rate",), batch_statistics=True),
        S(RepVggBlock, {"filters": 32, "strides": 2, "group_size": 8, **se}, cf.IMG, "strided-grouped-se", spatial=True, batch_statistics=True),
        S(MobileOneBlock, {"filters": 16, "group_size": 1, "num_conv_branches": 2}, cf.IMG, "depthwise", spatial=True, batch_statistics=True),
        S(MobileOneBlock, {"filters": 24, "kernel_size": 1, "num_conv_branches": 2}, cf.IMG, "pointwise", spatial=True, batch_statistics=True),
        # Dilated stages (output_stride 8/16): where one begins (first_dilation differs: an unstrided
        # projection, `avg`'s padded stride-1 pool after dilation 2, no reparameterizable identity) and within one.
        S(ConvNormAct, {"filters": 16, "kernel_size": 3, "dilation": 2}, cf.IMG, "dilation-2", spatial=True, batch_statistics=True, slow_only=True),
        S(ByobBasicBlock, {"filters": 16, "downsample": "conv1x1", "dilation": 2, "first_dilation": 1, "zero_init_last": False}, cf.IMG, "dilation-starts-conv1x1", spatial=True, batch_statistics=True, slow_only=True),
        S(BottleneckBlock, {"filters": 32, "bottle_ratio": 0.5, "extra_conv": True, "dilation": 4, "first_dilation": 2, "zero_init_last": False}, cf.IMG, "dilation-4-after-2-avg", spatial=True, batch_statistics=True, slow_only=True),
        S(DarkBlock, {"filters": 16, "bottle_ratio": 0.5, "dilation": 2, "zero_init_last": False}, cf.IMG, "dilated-identity", spatial=True, batch_statistics=True, slow_only=True),
        S(EdgeBlock, {"filters": 32, "dilation": 2, "first_dilation": 1, "zero_init_last": False}, cf.IMG, "dilation-starts-avg", spatial=True, batch_statistics=True, slow_only=True),
        S(RepVggBlock, {"filters": 16, "dilation": 2, "first_dilation": 1}, cf.IMG, "dilation-starts", spatial=True, batch_statistics=True, slow_only=True),
        S(MobileOneBlock, {"filters": 16, "group_size": 1, "dilation": 4, "first_dilation": 2}, cf.IMG, "dilation-starts", spatial=True, batch_statistics=True, slow_only=True),
    ]
    # fmt: on
