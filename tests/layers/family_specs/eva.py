"""Conformance specs of the eva family's blocks (see README.md): EVA-02's attention with rotary position
embeddings after the class token (fused qkv with q/v biases, and separate q/k/v projections with the inner
norm of the CLIP models), EVA's giant block (GELU MLP, no rope), EVA-02's blocks with the packed and the
normed SwiGLU, layer scale, and the post-norm block of EVA-02 enormous."""


def specs(cf) -> list:
    from luximm_keras.models.eva import EvaAttention, EvaBlock, EvaBlockPostNorm

    S = cf.LayerSpec
    rope = dict(rope_grid_size=(1, 5), rope_ref_feat_shape=(2, 2))  # 1 class token + 1x5 patches = TOKENS' 6
    # fmt: off
    return [
        S(EvaAttention, dict(dim=32, num_heads=2, **rope), cf.TOKENS, "rope-fused", fixed_size=True),
        S(EvaAttention, dict(dim=32, num_heads=2, qkv_fused=False, scale_norm=True, attn_drop=0.2, proj_drop=0.2, num_prefix_tokens=2, rope_grid_size=(2, 2)), cf.TOKENS, "rope-unfused-scale-norm-drop", fixed_size=True, drop_rates=("attn_drop", "proj_drop")),
        S(EvaAttention, dict(dim=32, num_heads=4, qkv_bias=False), cf.TOKENS, "no-rope-no-bias"),
        S(EvaBlock, dict(dim=32, num_heads=2, mlp_ratio=8 / 3, swiglu_mlp=True, **rope), cf.TOKENS, "eva02-tiny", fixed_size=True),
        S(EvaBlock, dict(dim=32, num_heads=2, mlp_ratio=8 / 3, swiglu_mlp=True, scale_mlp=True, qkv_fused=False, scale_attn_inner=True, drop_path_rate=0.25, **rope), cf.TOKENS, "eva02-clip-drop", fixed_size=True, drop_rates=("drop_path_rate",)),
        S(EvaBlock, dict(dim=32, num_heads=4, mlp_ratio=3.0, init_values=0.1), cf.TOKENS, "giant-layer-scale"),
        S(EvaBlockPostNorm, dict(dim=32, num_heads=4, mlp_ratio=2.0), cf.TOKENS, "enormous"),
    ]
    # fmt: on
