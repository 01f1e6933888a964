"""Conformance specs of the convnext family's blocks and the timm layers it brought (see README.md)."""


def specs(cf) -> list:
    from luximm_keras.layers.mlp import ConvMlp
    from luximm_keras.layers.norm import RmsNorm2D, SimpleNorm2D
    from luximm_keras.models.convnext import ConvNeXtBlock

    S = cf.LayerSpec
    # fmt: off
    return [
        S(RmsNorm2D, dict(), cf.IMG, spatial=True),
        S(SimpleNorm2D, dict(epsilon=1e-5), cf.IMG, spatial=True),
        # ConvMlp, as Mlp, acts on the last axis (channels-last maps): no channels_first check.
        S(ConvMlp, dict(hidden_features=32, activation="silu", drop=0.2), cf.IMG, drop_rates=("drop",)),
        # V1's conv_mlp block (atto to nano) with zepto_rms's simple norm. (timm's "gelu_tanh", a name
        # Keras does not resolve, round-trips in tests/models/test_convnext.py.)
        S(ConvNeXtBlock, dict(dim=16, kernel_size=5, mlp_ratio=2.0, conv_mlp=True, norm_layer="simplenorm", init_values=0.1, activation="silu"), cf.IMG, "conv-mlp-simplenorm-silu"),
        S(ConvNeXtBlock, dict(dim=16, mlp_ratio=2.0, conv_mlp=True, norm_layer="rmsnorm", init_values=0.1, drop_path_rate=0.25), cf.IMG, "conv-mlp-rmsnorm-drop", drop_rates=("drop_path_rate",)),
        # A dilated stage's block (timm's output_stride 8/16).
        S(ConvNeXtBlock, dict(dim=16, mlp_ratio=2.0, use_grn=True, init_values=None, dilation=2), cf.IMG, "grn-dilation-2", slow_only=True),
    ]
    # fmt: on
