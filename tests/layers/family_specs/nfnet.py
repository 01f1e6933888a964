"""Conformance specs of the nfnet family's blocks and the timm layers it brought (see README.md)."""


def specs(cf) -> list:
    from luximm_keras.layers.activations import NONLIN_GAMMA, GammaAct
    from luximm_keras.models.nfnet import NormFreeBlock

    S = cf.LayerSpec
    # fmt: off
    return [
        S(GammaAct, dict(activation="gelu", gamma=NONLIN_GAMMA["gelu"]), cf.IMG, spatial=False),
        # DeepMind's form: gain in the activation, TF SAME padding, SE after conv3, strided.
        S(NormFreeBlock, dict(filters=32, strides=2, alpha=0.2, beta=0.9, bottle_ratio=0.5, group_size=8, ch_div=8, extra_conv=True, reg=False, attn_layer="se", attn_kwargs={"rd_ratio": 0.5}, activation="gelu", gamma_in_act=True, same_padding=True, drop_path_rate=0.25), cf.IMG, "dm-s2-same-se-drop", spatial=True, drop_rates=("drop_path_rate",)),
        # RegNet form: bottleneck from the input width, SE between conv2 and conv3, gain in the convs.
        S(NormFreeBlock, dict(filters=16, alpha=0.2, bottle_ratio=2.25, group_size=8, ch_div=8, reg=True, attn_layer="se", attn_kwargs={"rd_ratio": 0.5}, activation="silu"), cf.IMG, "reg-s1-se", spatial=True),
        # skipinit's scalar (0-d) gain, also under the "bfloat16" policy.
        S(NormFreeBlock, dict(filters=16, alpha=0.2, bottle_ratio=0.5, group_size=8, ch_div=8, skipinit=True, activation="relu"), cf.IMG, "skipinit", spatial=True),
        # Where a dilated stage begins (output_stride 8/16): the shortcut's padded stride-1 pool.
        S(NormFreeBlock, dict(filters=32, dilation=4, first_dilation=2, alpha=0.2, bottle_ratio=0.5, group_size=8, ch_div=8, reg=False, extra_conv=True, activation="relu"), cf.IMG, "dilation-4-after-2", spatial=True, slow_only=True),
    ]
    # fmt: on
