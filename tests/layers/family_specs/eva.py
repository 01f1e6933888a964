"""Conformance specs of the eva family's blocks (see README.md): EVA-02's attention with rotary position
embeddings after the class token (fused qkv with q/v biases, and separate q/k/v projections with the inner
norm of the CLIP models), EVA's giant block (GELU MLP, no rope), EVA-02's blocks with the packed and the
normed SwiGLU, layer scale, and the post-norm block of EVA-02 enormous; DINOv3's attention and block
(its rope in the half layout after 1 + 4 prefix tokens, the aligned SwiGLU), timm's `AttentionRope`
(ROPE-ViT's axial rope, Perception Encoder's, Sapiens2's grouped-query attention with RmsNorm q/k norms),
the blocks built on it, and ROPE-ViT's mixed rope with learned frequencies."""


def specs(cf) -> list:
    from luximm_keras.layers.attention_rope import AttentionRope
    from luximm_keras.layers.pos_embed_sincos import RotaryEmbeddingMixed
    from luximm_keras.models.eva import EvaAttention, EvaBlock, EvaBlockPostNorm

    S = cf.LayerSpec
    rope = dict(rope_grid_size=(1, 5), rope_ref_feat_shape=(2, 2))  # 1 class token + 1x5 patches = TOKENS' 6
    dinov3 = dict(rope_grid_size=(1, 1), rope_type="dinov3", rope_temperature=100.0, rotate_half=True, num_prefix_tokens=5)
    axial = dict(rope_grid_size=(1, 5), rope_temperature=100.0, rope_grid_indexing="xy")
    pe = dict(rope_grid_size=(5, 1), rope_grid_indexing="xy", rope_grid_offset=1.0, rope_ref_feat_shape=(24, 24))
    # fmt: off
    return [
        S(EvaAttention, dict(dim=32, num_heads=2, **rope), cf.TOKENS, "rope-fused", fixed_size=True),
        S(EvaAttention, dict(dim=32, num_heads=2, qkv_fused=False, scale_norm=True, attn_drop=0.2, proj_drop=0.2, num_prefix_tokens=2, rope_grid_size=(2, 2)), cf.TOKENS, "rope-unfused-scale-norm-drop", fixed_size=True, drop_rates=("attn_drop", "proj_drop")),
        S(EvaAttention, dict(dim=32, num_heads=4, qkv_bias=False), cf.TOKENS, "no-rope-no-bias"),
        S(EvaAttention, dict(dim=32, num_heads=2, epsilon=1e-5, **dinov3), cf.TOKENS, "dinov3", fixed_size=True),
        S(EvaBlock, dict(dim=32, num_heads=2, mlp_ratio=8 / 3, swiglu_mlp=True, **rope), cf.TOKENS, "eva02-tiny", fixed_size=True),
        S(EvaBlock, dict(dim=32, num_heads=2, mlp_ratio=8 / 3, swiglu_mlp=True, scale_mlp=True, qkv_fused=False, scale_attn_inner=True, drop_path_rate=0.25, **rope), cf.TOKENS, "eva02-clip-drop", fixed_size=True, drop_rates=("drop_path_rate",)),
        S(EvaBlock, dict(dim=32, num_heads=4, mlp_ratio=3.0, init_values=0.1), cf.TOKENS, "giant-layer-scale"),
        S(EvaBlock, dict(dim=32, num_heads=2, qkv_bias=False, mlp_ratio=2.9, swiglu_mlp=True, swiglu_align_to=8, init_values=1e-5, epsilon=1e-5, **dinov3), cf.TOKENS, "dinov3-plus", fixed_size=True),
        S(EvaBlock, dict(dim=32, num_heads=2, attn_type="rope", init_values=1e-5, **axial), cf.TOKENS, "rope-vit-axial", fixed_size=True),
        S(EvaBlock, dict(dim=32, num_heads=4, attn_type="rope", qkv_fused=False, qk_norm=True, num_kv_heads=2, swiglu_mlp=True, init_values=1.0, attn_only_layer_scale=True, norm_layer="rmsnorm", **dinov3), cf.TOKENS, "sapiens2-gqa", fixed_size=True),
        S(EvaBlockPostNorm, dict(dim=32, num_heads=4, mlp_ratio=2.0), cf.TOKENS, "enormous"),
        S(AttentionRope, dict(dim=32, num_heads=2, **axial), cf.TOKENS, "rope-vit-axial", fixed_size=True),
        S(AttentionRope, dict(dim=32, num_heads=2, epsilon=1e-5, **pe), cf.TOKENS, "pe", fixed_size=True),
        S(AttentionRope, dict(dim=32, num_heads=4, qkv_fused=False, qk_norm=True, num_kv_heads=2, norm_layer="rmsnorm", attn_drop=0.2, proj_drop=0.2, **dinov3), cf.TOKENS, "sapiens2-gqa-drop", fixed_size=True, drop_rates=("attn_drop", "proj_drop")),
        S(AttentionRope, dict(dim=32, num_heads=4, qkv_bias=False, scale_norm=True, proj_bias=False), cf.TOKENS, "no-rope-scale-norm"),
        S(RotaryEmbeddingMixed, dict(dim=32, depth=2, num_heads=2, feat_shape=(1, 5)), cf.TOKENS, "rope-vit-mixed", fixed_size=True, input_free=True),
    ]
    # fmt: on
