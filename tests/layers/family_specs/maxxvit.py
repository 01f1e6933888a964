"""Conformance specs of the maxxvit family's blocks and the timm layers it brought (see README.md).
(CoAtNet's first blocks, `RelPosAttention2D`, `Downsample2D`, `MbConvBlock`, `TransformerBlock2D`, have
theirs in tests/layers/conformance.py.)"""


def specs(cf) -> list:
    from luximm_keras.layers.pos_embed_rel import RelPosBiasTf, RelPosMlp
    from luximm_keras.models.maxxvit import (
        AttentionCl,
        Downsample2D,
        MaxxVitConvNeXtBlock,
        MbConvBlock,
        PartitionAttentionCl,
        TransformerBlock2D,
    )

    S = cf.LayerSpec
    # fmt: off
    return [
        S(RelPosMlp, dict(window_size=(2, 3), num_heads=4, hidden_dim=16), (4, 4, 6, 6), fixed_size=True),
        S(RelPosBiasTf, dict(window_size=(2, 3), num_heads=4), (4, 4, 6, 6), fixed_size=True),
        S(AttentionCl, dict(dim=32, window_size=(2, 3), dim_head=8, attn_drop=0.2, proj_drop=0.2), (4, 6, 32), "bias-drop", fixed_size=True, drop_rates=("attn_drop", "proj_drop")),
        S(AttentionCl, dict(dim=32, window_size=(2, 3), dim_head=8, head_first=False, rel_pos_type="bias_tf"), (4, 6, 32), "tf", fixed_size=True),
        S(AttentionCl, dict(dim=32, window_size=(2, 3), dim_head=8, rel_pos_type="mlp", rel_pos_dim=16), (4, 6, 32), "mlp", fixed_size=True),
        # The map must divide into partitions: 8x16 into 4x4 windows (block) or a 4x4 grid.
        S(PartitionAttentionCl, dict(partition_type="block", partition_size=(4, 4), dim_head=8, expand_ratio=2.0, drop_path_rate=0.2, proj_drop=0.2), cf.IMG, "block-drop", spatial=True, fixed_size=True, drop_rates=("drop_path_rate", "proj_drop")),
        S(PartitionAttentionCl, dict(partition_type="grid", partition_size=(4, 4), dim_head=8, expand_ratio=2.0, head_first=False, rel_pos_type="bias_tf", init_values=0.1, activation="silu", epsilon=1e-5), cf.IMG, "grid-tf-layerscale", spatial=True, fixed_size=True),
        S(MaxxVitConvNeXtBlock, dict(filters=32, strides=2, kernel_size=3, expand_ratio=2.0, init_values=0.1), cf.IMG, "s2-dw", spatial=True, stack=False),
        S(MaxxVitConvNeXtBlock, dict(filters=16, kernel_size=3, expand_ratio=2.0, init_values=None, drop_path_rate=0.25), cf.IMG, "s1-drop", spatial=True, drop_rates=("drop_path_rate",)),
        S(MaxxVitConvNeXtBlock, dict(filters=32, strides=2, stride_mode="pool", kernel_size=3, expand_ratio=2.0, output_bias=False), cf.IMG, "s2-pool", spatial=True, stack=False),
        S(Downsample2D, dict(filters=32, pool_type="max"), cf.IMG, "max3x3", spatial=True),
        S(MbConvBlock, dict(filters=32, strides=2, padding="same", expand_ratio=1.0, se_ratio=0.5, epsilon=1e-3), cf.IMG, "s2-tf-same", spatial=True),
        S(TransformerBlock2D, dict(filters=32, window_size=(4, 8), strides=2, dim_head=8, expand_ratio=2.0, norm_layer="batchnorm2d", rel_pos_type="mlp", rel_pos_dim=16, pool_type="max"), cf.IMG, "s2-bn-mlp-max", spatial=True, fixed_size=True, stack=False, batch_statistics=True),
    ]
    # fmt: on
