"""Conformance specs of the resnetv2 family's blocks and the timm layers it brought (see README.md).

BiT's `PreActBottleneck` (group norms, weight-standardized convs) is specified in conformance.py."""


def specs(cf) -> list:
    from luximm_keras.layers.evo_norm import EvoNorm2DS0
    from luximm_keras.models.resnetv2 import PreActBasic, PreActBottleneck

    S = cf.LayerSpec
    # fmt: off
    return [
        S(EvoNorm2DS0, dict(groups=4), cf.IMG, spatial=True),
        S(EvoNorm2DS0, dict(group_size=8, apply_act=False, epsilon=1e-3), cf.IMG, "no-act-group-size", spatial=True),
        # resnetv2_18d's block: plain convs, batch norms, the average-pool shortcut on a strided block.
        S(PreActBasic, dict(filters=32, strides=2, norm_layer="batchnorm", std_conv=False, avg_down=True, drop_path_rate=0.25), cf.IMG, "batchnorm-avg-down-drop", spatial=True, drop_rates=("drop_path_rate",), batch_statistics=True),
        S(PreActBasic, dict(filters=16, norm_layer="groupnorm", norm_groups=4, std_conv=False), cf.IMG, "identity-shortcut", spatial=True),
        # resnetv2_50d_evos's block.
        S(PreActBottleneck, dict(filters=32, bottle_ratio=0.5, strides=2, norm_layer="evonorm", norm_groups=4, std_conv=False, avg_down=True), cf.IMG, "evonorm-avg-down", spatial=True),
        S(PreActBottleneck, dict(filters=32, bottle_ratio=0.5, norm_layer="batchnorm", std_conv=False), cf.IMG, "batchnorm", spatial=True, batch_statistics=True),
        # Where a dilated stage begins (output_stride 8/16): the avg-down shortcut's padded stride-1 pool.
        S(PreActBasic, dict(filters=32, dilation=2, first_dilation=1, norm_layer="batchnorm", std_conv=False, avg_down=True), cf.IMG, "dilation-starts-avg-down", spatial=True, batch_statistics=True, slow_only=True),
        S(PreActBottleneck, dict(filters=32, bottle_ratio=0.5, dilation=4, first_dilation=2, norm_groups=4), cf.IMG, "bit-dilation-4-after-2", spatial=True, slow_only=True),
    ]
    # fmt: on
