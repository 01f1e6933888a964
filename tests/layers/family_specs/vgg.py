"""Conformance specs of the vgg family's blocks and the timm layers it brought (see README.md)."""


def specs(cf) -> list:
    from luximm_keras.models.vgg import AdaptiveAvgPoolMin2D

    S = cf.LayerSpec
    # fmt: off
    return [
        # IMG is 8 x 16: the height is pooled up to 12, the width passes unchanged.
        S(AdaptiveAvgPoolMin2D, dict(min_size=12), cf.IMG, spatial=True),
    ]
    # fmt: on
