"""Conformance specs of the swin_transformer family's blocks (see README.md)."""


def specs(cf) -> list:
    from luximm_keras.models.swin_transformer import (
        PatchMerging,
        SwinTransformerBlock,
        WindowAttention,
    )

    S = cf.LayerSpec
    # fmt: off
    return [
        # (windows, tokens of a 2x3 window, channels)
        S(WindowAttention, dict(dim=32, num_heads=4, window_size=(2, 3), attn_drop=0.2, proj_drop=0.2), (4, 6, 32), "drop", fixed_size=True, drop_rates=("attn_drop", "proj_drop")),
        S(WindowAttention, dict(dim=32, num_heads=2, window_size=(2, 3), head_dim=8, qkv_bias=False), (4, 6, 32), "head-dim", fixed_size=True),
        # Channels-last maps only, as timm's; the height and width are fixed at build (the shifted
        # windows' mask depends on them). 8x16 into 4x4 windows shifted by 2; 3x3 windows shifted by 1
        # (padded to 9x18 after the roll).
        S(SwinTransformerBlock, dict(dim=16, num_heads=2, window_size=4, shift_size=2, mlp_ratio=2.0), cf.IMG, "shifted", fixed_size=True),
        S(SwinTransformerBlock, dict(dim=16, num_heads=4, window_size=3, shift_size=1, mlp_ratio=2.0, activation="silu", epsilon=1e-6, attn_drop=0.2, proj_drop=0.2, drop_path_rate=0.25), cf.IMG, "padded-drop", fixed_size=True, drop_rates=("attn_drop", "proj_drop", "drop_path_rate")),
        S(SwinTransformerBlock, dict(dim=16, num_heads=2, window_size=(4, 8), mlp_ratio=2.0), cf.IMG, "unshifted-non-square", fixed_size=True),
        S(PatchMerging, dict(), cf.IMG),
        # odd sizes are zero-padded at the end
        S(PatchMerging, dict(filters=24, epsilon=1e-6), cf.IMG, "odd-sizes", other_sizes=(7, 9)),
    ]
    # fmt: on
