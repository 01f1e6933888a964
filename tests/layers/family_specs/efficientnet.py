"""Conformance specs of the efficientnet family's blocks (see README.md)."""


def specs(cf) -> list:
    from luximm_keras.models._efficientnet_blocks import (
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
    ]
    # fmt: on
