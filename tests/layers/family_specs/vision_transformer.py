"""Conformance specs of the vision_transformer family's blocks and the timm layers it brought (see README.md):
SigLIP's attention pooling, the prefix tokens of register and distilled ViTs, CLIP's activation in the block,
AIMv2's, BEiT3's and DINOv2-giant's blocks and their gated MLPs, the residual post-norm block, the parallel
blocks and differential attention."""


def specs(cf) -> list:
    from luximm_keras.layers.attention_pool import AttentionPoolLatent
    from luximm_keras.layers.diff_attention import DiffAttention
    from luximm_keras.layers.activations import gelu_tanh, quick_gelu
    from luximm_keras.layers.mlp import GluMlp, SwiGLU
    from luximm_keras.models.vision_transformer import (
        ClassTokenPosEmbed,
        DiffParallelScalingBlock,
        ParallelScalingBlock,
        ResPostBlock,
        ViTBlock,
    )

    S = cf.LayerSpec
    # fmt: off
    return [
        S(AttentionPoolLatent, dict(num_heads=4, mlp_ratio=2.0, activation=gelu_tanh), cf.TOKENS, stack=False),
        # k_norm's beta shifts every key alike: a constant per query, which the softmax cancels (zero gradient).
        S(AttentionPoolLatent, dict(num_heads=4, mlp_ratio=1.5, qk_norm=True, latent_len=2, pool_type="avg", drop=0.2), cf.TOKENS, "qknorm-2latents-avg-drop", stack=False, drop_rates=("drop",), zero_grad=("k_norm/beta",)),
        S(AttentionPoolLatent, dict(num_heads=2, qkv_bias=False, latent_len=3, pool_type=""), cf.TOKENS, "latents-unpooled", stack=False),
        S(ClassTokenPosEmbed, dict(reg_tokens=2), cf.WINDOW, "cls-reg2", fixed_size=True, stack=False),
        S(ClassTokenPosEmbed, dict(class_token=False, reg_tokens=4, no_embed_class=True), cf.WINDOW, "reg4-no-embed-class", fixed_size=True, stack=False),
        S(ClassTokenPosEmbed, dict(dist_token=True), cf.WINDOW, "distilled", fixed_size=True, stack=False),
        S(ViTBlock, dict(dim=32, num_heads=4, mlp_ratio=2.0, qkv_bias=False, activation=quick_gelu, epsilon=1e-5), cf.TOKENS, "quick-gelu"),
        S(ViTBlock, dict(dim=32, num_heads=4, mlp_ratio=2.75, qkv_bias=False, proj_bias=False, activation="silu", norm_layer="rmsnorm", epsilon=1e-5, mlp_layer="swiglu"), cf.TOKENS, "aimv2"),
        S(ViTBlock, dict(dim=32, num_heads=4, scale_attn_norm=True, scale_mlp_norm=True, epsilon=1e-5, drop_path_rate=0.25), cf.TOKENS, "beit3-drop", drop_rates=("drop_path_rate",)),
        S(ViTBlock, dict(dim=32, num_heads=4, mlp_ratio=2.0, init_values=1e-5, mlp_layer="swiglu_packed", activation="silu"), cf.TOKENS, "swiglu-packed"),
        S(ViTBlock, dict(dim=32, num_heads=2, init_values=1e-5, attn_layer="diff", depth=3), cf.TOKENS, "diff-attention"),
        S(ResPostBlock, dict(dim=32, num_heads=4, qkv_bias=False, init_values=0.1), cf.TOKENS),
        S(ParallelScalingBlock, dict(dim=32, num_heads=4, mlp_ratio=2.0, init_values=1e-5), cf.TOKENS),
        # As with the attention's: k_norm's beta shifts every key alike, which the softmax cancels.
        S(ParallelScalingBlock, dict(dim=32, num_heads=4, qkv_bias=True, qk_norm=True, fuse_out_proj=True, drop_path_rate=0.25), cf.TOKENS, "qkvbias-qknorm-fused-drop", drop_rates=("drop_path_rate",), zero_grad=("k_norm/beta",)),
        S(DiffParallelScalingBlock, dict(dim=32, num_heads=2, init_values=1e-5, depth=2), cf.TOKENS),
        S(DiffParallelScalingBlock, dict(dim=32, num_heads=2, qkv_bias=True, qk_norm=True, dual_lambda=True, attn_drop=0.2), cf.TOKENS, "qkvbias-qknorm-dual-drop", drop_rates=("attn_drop",), zero_grad=("k_norm/beta",)),
        S(DiffAttention, dict(dim=32, num_heads=2), cf.TOKENS),
        # Two attention maps subtracted: each map's bfloat16 rounding survives the cancellation, so
        # the block tolerance (as DiffParallelScalingBlock's) rather than a single layer's.
        S(DiffAttention, dict(dim=32, num_heads=2, qkv_bias=True, qk_norm=True, scale_norm=True, norm_layer="layernorm", depth=5, dual_lambda=True, attn_drop=0.2, proj_drop=0.2), cf.TOKENS, "qknorm-scalenorm-dual-drop", drop_rates=("attn_drop", "proj_drop"), zero_grad=("k_norm/beta",), low_precision_atol=cf.BLOCK_LOW_PRECISION_ATOL),
        S(GluMlp, dict(hidden_features=32, drop=0.2), cf.TOKENS, drop_rates=("drop",)),
        S(GluMlp, dict(hidden_features=32, out_features=8, activation="silu", gate_last=False, use_bias=False, norm_layer="layernorm"), cf.TOKENS, "silu-first-half-norm", stack=False),
        S(SwiGLU, dict(hidden_features=24, use_bias=False, norm_layer="rmsnorm", epsilon=1e-5, drop=0.2), cf.TOKENS, drop_rates=("drop",)),
    ]
    # fmt: on
