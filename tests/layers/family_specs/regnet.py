"""Conformance specs of the regnet family's blocks (see README.md)."""


def specs(cf) -> list:
    from luximm_keras.models.regnet import RegNetBottleneck, RegNetPreBottleneck

    S = cf.LayerSpec
    # zero_init_last=False: a zero last-norm scale would zero every gradient of the residual branch.
    # The SEs are as wide as the input (se_ratio 1.0): a ReLU bottleneck of 2-4 units is dead on random
    # weights often enough (all of them negative) to zero the SE's gradients now and then.
    # fmt: off
    return [
        # RegNet-X: identity shortcut, grouped 3x3, no SE.
        S(RegNetBottleneck, {"filters": 16, "group_size": 8, "se_ratio": 0.0, "zero_init_last": False}, cf.IMG, "x-identity", spatial=True, batch_statistics=True),
        # RegNet-Y: strided, 1x1 projection shortcut, SE, drop path.
        S(RegNetBottleneck, {"filters": 32, "strides": 2, "group_size": 8, "se_ratio": 1.0, "zero_init_last": False, "drop_path_rate": 0.25}, cf.IMG, "y-stride2-se-drop", spatial=True, drop_rates=("drop_path_rate",), batch_statistics=True),
        # The average-pool shortcut.
        S(RegNetBottleneck, {"filters": 32, "strides": 2, "group_size": 16, "downsample": "avg", "se_ratio": 1.0, "zero_init_last": False}, cf.IMG, "avg-down", spatial=True, batch_statistics=True),
        # RegNet-Z: inverted bottleneck, no shortcut where the shape changes, linear output, SiLU.
        S(RegNetBottleneck, {"filters": 24, "strides": 2, "group_size": 8, "bottle_ratio": 4.0, "downsample": None, "linear_out": True, "activation": "silu"}, cf.IMG, "z-no-shortcut", spatial=True, batch_statistics=True),
        S(RegNetBottleneck, {"filters": 16, "group_size": 8, "bottle_ratio": 4.0, "downsample": None, "linear_out": True, "activation": "silu", "zero_init_last": False}, cf.IMG, "z-identity", spatial=True, batch_statistics=True),
        # RegNet-V (pre-activation): identity, and strided with the average-pool shortcut and drop path.
        S(RegNetPreBottleneck, {"filters": 16, "group_size": 8, "activation": "silu"}, cf.IMG, "v-identity", spatial=True, batch_statistics=True),
        S(RegNetPreBottleneck, {"filters": 32, "strides": 2, "group_size": 8, "downsample": "avg", "activation": "silu", "drop_path_rate": 0.25}, cf.IMG, "v-avg-drop", spatial=True, drop_rates=("drop_path_rate",), batch_statistics=True),
        S(RegNetPreBottleneck, {"filters": 32, "strides": 2, "group_size": 16}, cf.IMG, "v-conv1x1", spatial=True, batch_statistics=True),
        # Where a dilated stage begins (output_stride 8/16): the average-pool shortcut's padded stride-1 pool.
        S(RegNetBottleneck, {"filters": 32, "group_size": 8, "downsample": "avg", "se_ratio": 1.0, "zero_init_last": False, "dilation": 4, "first_dilation": 2}, cf.IMG, "dilation-4-after-2-avg", spatial=True, batch_statistics=True, slow_only=True),
        S(RegNetPreBottleneck, {"filters": 16, "group_size": 8, "dilation": 2, "first_dilation": 1}, cf.IMG, "v-dilation-starts", spatial=True, batch_statistics=True, slow_only=True),
    ]
    # fmt: on
