"""Conformance specs of the mobilenetv3 family's blocks (see README.md): MobileNet-V4's universal inverted
bottleneck and mobile attention, and the MobileNet-V3 options the efficientnet blocks gained (the SE's
gate, forced activation and width rounding; anti-aliasing)."""


def specs(cf) -> list:
    from luximm_keras.models._efficientnet_blocks import (
        EdgeResidual,
        EfficientNetSqueezeExcite,
        InvertedResidual,
        MobileAttention,
        UniversalInvertedResidual,
    )

    S = cf.LayerSpec
    mnv3_se = {"se_gate": "hard_sigmoid", "se_activation": "relu", "se_round_limit": 0.9}
    # fmt: off
    return [
        S(EfficientNetSqueezeExcite, {"rd_ratio": 0.5, "gate": "hard_sigmoid", "round_limit": 0.9}, cf.IMG, "se-round-channels", spatial=True),
        # MobileNet-V3's MBConv: hard-swish, the SE's forced ReLU and hard-sigmoid gate.
        S(InvertedResidual, {"filters": 16, "exp_ratio": 3.0, "se_ratio": 0.25, "activation": "hard_swish", "drop_path_rate": 0.25, **mnv3_se}, cf.IMG, "mnv3-se-drop", spatial=True, drop_rates=("drop_path_rate",), batch_statistics=True),
        # MobileNet-V4's anti-aliased FusedIB stem block.
        S(EdgeResidual, {"filters": 24, "strides": 2, "exp_ratio": 4.0, "aa_layer": "avg"}, cf.IMG, "er-s2-avg", spatial=True, batch_statistics=True),
        # The universal inverted bottleneck: ExtraDW strided (blur anti-aliasing), ConvNeXt-like with layer
        # scale and drop path, FFN, and the end depthwise conv.
        S(UniversalInvertedResidual, {"filters": 24, "strides": 2, "dw_kernel_size_start": 3, "dw_kernel_size_mid": 5, "exp_ratio": 4.0, "aa_layer": "blurpc", "layer_scale_init_value": None}, cf.IMG, "extradw-s2-blurpc", spatial=True, batch_statistics=True),
        S(UniversalInvertedResidual, {"filters": 16, "dw_kernel_size_start": 3, "dw_kernel_size_mid": 0, "exp_ratio": 4.0, "activation": "gelu", "drop_path_rate": 0.25}, cf.IMG, "convnext-ls-drop", spatial=True, drop_rates=("drop_path_rate",), batch_statistics=True),
        S(UniversalInvertedResidual, {"filters": 16, "dw_kernel_size_mid": 0, "exp_ratio": 2.0, "layer_scale_init_value": None}, cf.IMG, "ffn", spatial=True, batch_statistics=True),
        S(UniversalInvertedResidual, {"filters": 16, "dw_kernel_size_mid": 3, "dw_kernel_size_end": 3, "exp_ratio": 2.0, "se_ratio": 0.25}, cf.IMG, "ib-end-se", spatial=True, batch_statistics=True),
        # Multi-query attention: keys and values downsampled (their norm's shift is a constant on every
        # key, which the softmax cancels), or not; with drop path.
        S(MobileAttention, {"filters": 16, "num_heads": 2, "key_dim": 8, "value_dim": 8, "kv_stride": 2}, cf.IMG, "kv-stride2", spatial=True, batch_statistics=True, zero_grad=("attn__key__norm/beta",)),
        S(MobileAttention, {"filters": 16, "num_heads": 4, "key_dim": 8, "value_dim": 4, "drop_path_rate": 0.25}, cf.IMG, "drop", spatial=True, drop_rates=("drop_path_rate",), batch_statistics=True),
        # Dilated (timm's `output_stride` 8/16): every depthwise conv of the bottleneck; attention's
        # strided key/value conv, dilated at stride 1 then sampled.
        S(UniversalInvertedResidual, {"filters": 16, "dw_kernel_size_start": 3, "dw_kernel_size_mid": 5, "dw_kernel_size_end": 3, "exp_ratio": 2.0, "dilation": 2}, cf.IMG, "extradw-end-dilated", spatial=True, batch_statistics=True, slow_only=True),
        S(MobileAttention, {"filters": 16, "num_heads": 2, "key_dim": 8, "value_dim": 8, "kv_stride": 2, "dilation": 2}, cf.IMG, "kv-stride2-dilated", spatial=True, batch_statistics=True, zero_grad=("attn__key__norm/beta",), slow_only=True),
    ]
    # fmt: on
