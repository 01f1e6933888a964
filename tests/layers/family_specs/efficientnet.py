"""Conformance specs of the efficientnet family's blocks (see README.md) and the timm layers it brought:
`MixedConv2D` (MixNet), `CondConv2D` and the `CondConvResidual` block, `LayerNormAct2D` and
`GroupNormAct`'s `group_size` (the test EfficientNets), and the blocks' options (mixed kernels,
space-to-depth, GlobalContext as the SE, grouped convs, the test models' norms).

`CondConv2D` takes two inputs (the map and the routing weights), which a `LayerSpec` cannot give: its
specs run it without routing weights (the experts' mean kernel); routed, it runs inside the
`CondConvResidual` specs here, and alone against timm in tests/models/test_efficientnet.py.
"""


def specs(cf) -> list:
    from luximm_keras.layers.cond_conv2d import CondConv2D
    from luximm_keras.layers.mixed_conv2d import MixedConv2D
    from luximm_keras.layers.norm_act import GroupNormAct, LayerNormAct2D
    from luximm_keras.models._efficientnet_blocks import (
        CondConvResidual,
        ConvBnAct,
        DepthwiseSeparableConv,
        EdgeResidual,
        EfficientNetSqueezeExcite,
        InvertedResidual,
    )

    S = cf.LayerSpec
    # fmt: off
    return [
        S(EfficientNetSqueezeExcite, {"rd_ratio": 0.25, "activation": "silu"}, cf.IMG, "se-sigmoid", spatial=True),
        S(EfficientNetSqueezeExcite, {"rd_ratio": 0.25, "gate": "hard_sigmoid"}, cf.IMG, "se-hard-sigmoid", spatial=True),
        # EfficientNet's first block: depthwise, SE, residual, drop path.
        S(DepthwiseSeparableConv, {"filters": 16, "se_ratio": 0.25, "activation": "silu", "drop_path_rate": 0.25}, cf.IMG, "ds-se-drop", spatial=True, drop_rates=("drop_path_rate",), batch_statistics=True),
        S(DepthwiseSeparableConv, {"filters": 24, "strides": 2, "pw_act": True, "noskip": True, "padding": "same"}, cf.IMG, "dsa-s2-same", spatial=True, batch_statistics=True),
        # MBConv: strided 5x5 with SE and TF padding; the residual one with drop path.
        S(InvertedResidual, {"filters": 24, "strides": 2, "dw_kernel_size": 5, "exp_ratio": 6.0, "se_ratio": 0.25 / 6, "activation": "silu", "padding": "same", "epsilon": 1e-3}, cf.IMG, "ir-s2-se-same", spatial=True, batch_statistics=True),
        S(InvertedResidual, {"filters": 16, "exp_ratio": 3.0, "activation": "relu6", "drop_path_rate": 0.25}, cf.IMG, "ir-residual-drop", spatial=True, drop_rates=("drop_path_rate",), batch_statistics=True),
        # FusedMBConv.
        S(EdgeResidual, {"filters": 32, "strides": 2, "exp_ratio": 4.0, "activation": "silu"}, cf.IMG, "er-s2", spatial=True, batch_statistics=True),
        # A 16-unit ReLU SE (a 4-unit one was dead on some random weights: zero SE gradients).
        S(EdgeResidual, {"filters": 16, "exp_ratio": 4.0, "se_ratio": 0.25, "drop_path_rate": 0.25}, cf.IMG, "er-residual-se-drop", spatial=True, drop_rates=("drop_path_rate",), batch_statistics=True),
        S(ConvBnAct, {"filters": 16, "skip": True, "activation": "silu", "drop_path_rate": 0.25}, cf.IMG, "cn-skip-drop", spatial=True, drop_rates=("drop_path_rate",), batch_statistics=True),
        S(ConvBnAct, {"filters": 24, "strides": 2, "padding": "same"}, cf.IMG, "cn-s2-same", spatial=True, batch_statistics=True),
        # What the last of timm's efficientnet.py architectures brought.
        S(MixedConv2D, {"filters": 16, "kernel_size": [3, 5, 7], "strides": 2, "depthwise": True}, cf.IMG, "dw-s2", spatial=True),
        S(MixedConv2D, {"filters": 24, "kernel_size": [1, 1], "padding": "same", "use_bias": True}, cf.IMG, "pw-split-bias", spatial=True),
        S(CondConv2D, {"filters": 24, "kernel_size": 3, "strides": 2, "num_experts": 4, "use_bias": True}, cf.IMG, "k3-s2-bias", spatial=True),
        S(CondConv2D, {"filters": 16, "kernel_size": 5, "groups": 16, "padding": "same", "num_experts": 8}, cf.IMG, "dw-same", spatial=True),
        S(CondConv2D, {"filters": 32, "kernel_size": 1, "num_experts": 4}, cf.IMG, "pw", spatial=True),
        S(LayerNormAct2D, {"activation": "silu"}, cf.IMG, spatial=True),
        S(GroupNormAct, {"group_size": 8, "activation": "silu"}, cf.IMG, "group-size", spatial=True),
        # CondConv: 4 experts routed per sample, SE, residual, drop path; and strided with TF padding.
        S(CondConvResidual, {"filters": 16, "num_experts": 4, "exp_ratio": 2.0, "se_ratio": 0.5, "activation": "silu", "drop_path_rate": 0.25}, cf.IMG, "residual-se-drop", spatial=True, drop_rates=("drop_path_rate",), batch_statistics=True),
        S(CondConvResidual, {"filters": 32, "num_experts": 8, "strides": 2, "dw_kernel_size": 5, "exp_ratio": 2.0, "padding": "same", "epsilon": 1e-3}, cf.IMG, "s2-same", spatial=True, batch_statistics=True),
        # MixNet's block: mixed depthwise kernels, split pointwise convs, swish SE.
        S(InvertedResidual, {"filters": 24, "strides": 2, "dw_kernel_size": [3, 5, 7], "exp_kernel_size": [1, 1], "pw_kernel_size": [1, 1], "exp_ratio": 3.0, "se_ratio": 0.5 / 3, "activation": "silu"}, cf.IMG, "mixed-s2-se", spatial=True, batch_statistics=True),
        # EfficientNet-X's space-to-depth start.
        S(DepthwiseSeparableConv, {"filters": 64, "s2d": 1, "se_ratio": 0.25 / 4, "activation": "silu"}, cf.IMG, "s2d-se", spatial=True, batch_statistics=True, stack=False),
        # GlobalContext in the SE slot; the test models' EvoNorm-S0, GroupNormAct and LayerNormAct2d.
        S(InvertedResidual, {"filters": 16, "exp_ratio": 2.0, "se_ratio": 0.25, "se_layer": "gc", "activation": "silu", "norm_layer": "evonorm_s0", "norm_group_size": 8, "drop_path_rate": 0.25}, cf.IMG, "gc-evonorm-drop", spatial=True, drop_rates=("drop_path_rate",), zero_grad=("conv_attn/bias",)),
        S(EdgeResidual, {"filters": 32, "strides": 2, "exp_ratio": 2.0, "group_size": 16, "norm_layer": "groupnorm", "norm_group_size": 8}, cf.IMG, "grouped-groupnorm-s2", spatial=True),
        S(ConvBnAct, {"filters": 16, "skip": True, "group_size": 8, "norm_layer": "layernorm", "activation": "silu"}, cf.IMG, "grouped-layernorm-skip", spatial=True),
        # Dilated (timm's `output_stride` 8/16 past the stride): symmetric and TF SAME padding, mixed kernels.
        S(DepthwiseSeparableConv, {"filters": 16, "dw_kernel_size": 5, "dilation": 2, "se_ratio": 0.25, "activation": "silu"}, cf.IMG, "ds-dilated", spatial=True, batch_statistics=True, slow_only=True),
        S(InvertedResidual, {"filters": 16, "dw_kernel_size": [3, 5], "exp_ratio": 2.0, "dilation": 2, "padding": "same", "drop_path_rate": 0.25}, cf.IMG, "ir-mixed-dilated-same-drop", spatial=True, drop_rates=("drop_path_rate",), batch_statistics=True, slow_only=True),
        S(EdgeResidual, {"filters": 24, "exp_ratio": 2.0, "dilation": 2}, cf.IMG, "er-dilated", spatial=True, batch_statistics=True, slow_only=True),
        S(ConvBnAct, {"filters": 16, "skip": True, "dilation": 4, "padding": "same"}, cf.IMG, "cn-dilated-same-skip", spatial=True, batch_statistics=True, slow_only=True),
        S(CondConvResidual, {"filters": 16, "num_experts": 4, "exp_ratio": 2.0, "dilation": 2}, cf.IMG, "dilated", spatial=True, batch_statistics=True, slow_only=True),
    ]
    # fmt: on
