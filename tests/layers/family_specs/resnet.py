"""Conformance specs of the resnet family's blocks and the timm layers it brought (see README.md)."""


def specs(cf) -> list:
    from luximm_keras.layers.blur_pool import BlurPool2D
    from luximm_keras.layers.eca import CecaModule, EcaModule
    from luximm_keras.models.resnet import BasicBlock, Bottleneck

    S = cf.LayerSpec
    # zero_init_last=False: a zero last-norm scale would zero every gradient of the residual branch.
    # fmt: off
    return [
        S(EcaModule, {}, cf.IMG, spatial=True),
        S(EcaModule, {"kernel_size": 5}, cf.IMG, "fixed-kernel", spatial=True),
        S(CecaModule, {"channels": 16}, cf.IMG, spatial=True),
        S(BlurPool2D, {}, cf.IMG, spatial=True),
        S(BlurPool2D, {"pad_mode": "constant", "filt_size": 5, "stride": 1}, cf.IMG, "constant-5", spatial=True),
        S(BasicBlock, {"filters": 16, "zero_init_last": False}, cf.IMG, "identity", spatial=True, batch_statistics=True),
        # resnet18d / resnetblur-style: strided, average-pool shortcut, blur pool, SE, drop path.
        S(BasicBlock, {"filters": 32, "strides": 2, "avg_down": True, "aa_layer": "blur", "attn_layer": "se", "zero_init_last": False, "drop_path_rate": 0.25}, cf.IMG, "avg-down-blur-se-drop", spatial=True, drop_rates=("drop_path_rate",), batch_statistics=True),
        # seresnextaa / ecaresnet-style: grouped 3x3, 2x2 average-pool anti-aliasing, ECA.
        S(Bottleneck, {"filters": 8, "strides": 2, "cardinality": 2, "base_width": 64, "avg_down": True, "aa_layer": "avg", "attn_layer": "eca", "zero_init_last": False}, cf.IMG, "resnext-aa-eca", spatial=True, batch_statistics=True),
        # senet154-style: 3x3 strided projection, halved first conv, SE.
        S(Bottleneck, {"filters": 8, "strides": 2, "down_kernel_size": 3, "reduce_first": 2, "attn_layer": "se", "attn_kwargs": {"rd_ratio": 0.25}, "zero_init_last": False}, cf.IMG, "senet", spatial=True, batch_statistics=True),
        # resnet50_gn: group norms (32 groups).
        S(Bottleneck, {"filters": 32, "norm_layer": "groupnorm", "zero_init_last": False}, (4, 8, 8, 32), "groupnorm", spatial=True),
        # Where a dilated stage begins (output_stride 8/16): stride-1 anti-aliasing, avg-down's padded pool.
        S(Bottleneck, {"filters": 8, "dilation": 2, "first_dilation": 1, "cardinality": 2, "avg_down": True, "aa_layer": "blur", "zero_init_last": False}, cf.IMG, "dilation-starts-aa", spatial=True, batch_statistics=True, slow_only=True),
    ]
    # fmt: on
