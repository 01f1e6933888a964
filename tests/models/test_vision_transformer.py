"""vit_* models beyond the family contract (tests/models/test_builder.py): timm's layer names, the
architecture table against timm's constructors, position embeddings resampled to another img_size
and in_chans as timm's pretrained loading does (and FlexiViT's and RADIO's bilinear resampling), bad
image sizes, the drop-path ramp, the prefix tokens and position embeddings in every layout, SigLIP's
attention pooling and CLIP's activations against timm's modules, and `forward_intermediates` against
timm's (with a class token, and with a register token and attention pooling).
"""

import dataclasses
import functools

import numpy as np
import pytest
import timm
import torch
import keras

from luximm_keras.interop import load_timm_weights
from luximm_keras.layers import PatchEmbed
from luximm_keras.layers.attention_pool import AttentionPoolLatent
from luximm_keras.layers.activations import gelu_tanh, quick_gelu
from luximm_keras.layers.pos_embed import resample_abs_pos_embed
from luximm_keras.models import create_model, list_models, load_pretrained, model_entry
from luximm_keras.models._builder import BuildArgs
from luximm_keras.layers.diff_attention import DiffAttention
from luximm_keras.models.vision_transformer import (
    ClassTokenPosEmbed,
    DiffParallelScalingBlock,
    ParallelScalingBlock,
    ResPostBlock,
    ViTBlock,
    build_vision_transformer,
    checkpoint_filter_fn,
    forward_intermediates,
    VisionTransformerCfg,
    model_cfgs,
)
from model_checks import (  # tests/models/model_checks.py
    assert_block_close,
    assert_close_to_timm,
    assert_logits_match,
    numpy_state,
    randomized,
)
from luximm_keras.verification.models import (
    perturbed_timm_model,
    predict,
    random_images,
    timm_logits,
    timm_state_dict,
)

SMALLEST = "vit_tiny_patch16_224"


def test_every_variant_is_registered_and_layers_are_named_after_timm_modules(loaded):
    assert set(model_cfgs) <= set(list_models())
    for name in model_cfgs:
        entry_filter = model_entry(name).checkpoint_filter
        assert getattr(entry_filter, "func", entry_filter) is checkpoint_filter_fn
        # timm's `_create_vision_transformer`: bilinear, not antialiased, for FlexiViT and RADIO.
        keywords = getattr(entry_filter, "keywords", {})
        if "flexi" in name or "radio" in name:
            assert keywords["interpolation"] == "bilinear" and keywords["antialias"] is False, name
        else:
            assert not keywords, name
    model, _ = loaded
    assert model.name == SMALLEST
    assert isinstance(model.get_layer("patch_embed"), PatchEmbed)
    assert isinstance(model.get_layer("pos_embed"), ClassTokenPosEmbed)
    assert [model.get_layer(f"blocks__{i}").__class__ for i in range(12)] == [ViTBlock] * 12
    assert model.get_layer("norm").epsilon == 1e-6
    assert model.get_layer("head").units == 1000


def test_other_img_size_and_in_chans_load_like_timm_pretrained(state):
    """A 224-px, 3-channel checkpoint into models of 192 px and 1 channel: timm's own loading
    (`checkpoint_filter_fn`, then `adapt_input_conv`) against our filter."""
    state_224 = state
    to_torch = {k: torch.from_numpy(v) for k, v in state_224.items()}
    reference = timm.create_model(
        SMALLEST, pretrained=True, pretrained_cfg_overlay=dict(state_dict=to_torch), img_size=192, in_chans=1
    ).eval()
    model = create_model(SMALLEST, img_size=192, in_chans=1)
    filtered = checkpoint_filter_fn(state_224, model)
    assert filtered["pos_embed"].shape == (1, 1 + 12 * 12, 192)
    # The class token's position embedding is kept as it is.
    np.testing.assert_array_equal(filtered["pos_embed"][:, 0], state_224["pos_embed"][:, 0])
    np.testing.assert_allclose(
        filtered["pos_embed"], reference.pos_embed.detach().numpy(), rtol=0, atol=1e-5
    )
    assert load_pretrained(model, state_224).ok
    images = random_images(2, 192, in_chans=1)
    assert_logits_match(predict(model, images), timm_logits(reference, images))


def test_non_square_img_size_resamples_pos_embed_like_timm(state):
    state_224 = state
    reference = timm.create_model(SMALLEST, img_size=(160, 256))
    timm_filtered = timm.models.vision_transformer.checkpoint_filter_fn(
        {k: torch.from_numpy(v) for k, v in state_224.items()}, reference
    )
    ours = checkpoint_filter_fn(state_224, create_model(SMALLEST, img_size=(160, 256), num_classes=0))
    assert ours["pos_embed"].shape == (1, 1 + 10 * 16, 192)
    np.testing.assert_allclose(ours["pos_embed"], timm_filtered["pos_embed"].numpy(), rtol=0, atol=1e-5)


def test_img_size_not_divisible_by_the_patch_size_drops_the_remainder_as_timm(state):
    """timm builds a ViT for any size and leaves the pixels beyond the last whole patch out (SigLIP's
    384 px with 14 px patches); so does ours, here 200 x 216 px with 16 px patches: a 12 x 13 grid."""
    img_size = (200, 216)
    reference = timm.create_model(SMALLEST, img_size=img_size).eval()
    reference.load_state_dict(timm.models.vision_transformer.checkpoint_filter_fn(
        {k: torch.from_numpy(v) for k, v in state.items()}, reference))
    model = create_model(SMALLEST, img_size=img_size)
    assert load_pretrained(model, state).ok
    assert model.get_layer("pos_embed").output.shape[1] == 1 + 12 * 13
    images = random_images(2, 216)[:, :200]
    assert_close_to_timm(predict(model, images), timm_logits(reference, images), f"{SMALLEST} at {img_size}")


def test_drop_path_rate_rises_linearly_over_the_blocks():
    model = create_model(SMALLEST, num_classes=0)
    assert model.get_layer("blocks__0").drop_path_rate == 0.0
    model = create_model(SMALLEST, num_classes=0, drop_path_rate=0.1)
    rates = [model.get_layer(f"blocks__{i}").drop_path_rate for i in range(12)]
    np.testing.assert_allclose(rates, timm.layers.calculate_drop_path_rates(0.1, 12), rtol=1e-6)


PREFIX_LAYOUTS = {
    "cls": dict(),
    "cls-no-embed-class": dict(no_embed_class=True),
    "cls-reg2": dict(reg_tokens=2),
    "reg4-no-embed-class": dict(class_token=False, reg_tokens=4, no_embed_class=True, global_pool="avg"),
    "reg1-no-cls": dict(class_token=False, reg_tokens=1, global_pool="avg"),
    "none": dict(class_token=False, global_pool="avg"),
}


@pytest.mark.parametrize("kwargs", PREFIX_LAYOUTS.values(), ids=PREFIX_LAYOUTS.keys())
def test_prefix_tokens_and_position_embeddings_match_timm_in_every_layout(kwargs):
    """`ClassTokenPosEmbed` against timm's `VisionTransformer._pos_embed`: position embeddings over
    the prefix tokens (ViT) or the patches only (`no_embed_class`: DeiT-3, DINOv2 with registers), with
    and without class and register tokens. (DeiT's distillation token: tests/models/test_deit.py.)"""
    grid = np.random.default_rng(0).standard_normal((2, 3, 5, 16)).astype("float32")
    torch.manual_seed(0)
    reference = timm.models.vision_transformer.VisionTransformer(
        img_size=(12, 20), patch_size=4, embed_dim=16, depth=0, num_heads=2, **kwargs
    ).eval()
    keys = [k for k in ("cls_token", "reg_token", "pos_embed") if getattr(reference, k, None) is not None]
    state = {k: getattr(reference, k).detach() + torch.randn_like(getattr(reference, k)) for k in keys}
    reference.load_state_dict(state, strict=False)
    layer = ClassTokenPosEmbed(
        **{k: v for k, v in kwargs.items() if k in ("class_token", "reg_tokens", "no_embed_class")}
    )
    layer.build(grid.shape)
    assert layer.num_prefix_tokens == reference.num_prefix_tokens
    assert sorted(load_timm_weights(layer, state).loaded) == sorted(keys)
    with torch.no_grad():
        expected = reference._pos_embed(torch.from_numpy(grid).reshape(2, 15, 16)).numpy()
    ours = keras.ops.convert_to_numpy(layer(grid))
    np.testing.assert_allclose(ours, expected, rtol=1e-6, atol=1e-6)


INTERMEDIATES = {
    "last-3": dict(indices=3),
    "chosen-norm-prefix": dict(indices=[0, 5, -1], norm=True, return_prefix_tokens=True),
    "all-tokens-only": dict(indices=None, output_fmt="NLC", intermediates_only=True),
}


@pytest.mark.parametrize("kwargs", INTERMEDIATES.values(), ids=INTERMEDIATES.keys())
def test_forward_intermediates_match_timm(loaded, reference, images, kwargs):
    model, _ = loaded
    timm_kwargs = dict(kwargs, output_fmt="NCHW" if kwargs.get("output_fmt", "NHWC") == "NHWC" else "NLC")
    with torch.no_grad():
        expected = reference.forward_intermediates(torch.from_numpy(images).permute(0, 3, 1, 2), **timm_kwargs)
    ours = forward_intermediates(model, images, **kwargs)
    if not kwargs.get("intermediates_only"):
        assert_close_to_timm(keras.ops.convert_to_numpy(ours[0]), expected[0].numpy(), "final tokens")
        ours, expected = ours[1], expected[1]
    assert len(ours) == len(expected)
    for got, want in zip(ours, expected):
        if kwargs.get("return_prefix_tokens"):
            assert_close_to_timm(keras.ops.convert_to_numpy(got[1]), want[1].numpy(), "class token")
            got, want = got[0], want[0]
        want = want.numpy()
        if want.ndim == 4:
            want = want.transpose(0, 2, 3, 1)  # NCHW -> NHWC
        assert_close_to_timm(keras.ops.convert_to_numpy(got), want, "intermediate")


# ------------------------------------------------------------------------------------------------
# The architecture table


def _timm_constructor_args(name: str) -> dict:
    """The keyword arguments timm's `name()` gives `_create_vision_transformer` (no model is built)."""
    module = timm.models.vision_transformer
    captured = {}

    def capture(variant, pretrained=False, **kwargs):
        captured.update(kwargs)
        raise StopIteration

    original = module._create_vision_transformer
    module._create_vision_transformer = capture
    try:
        getattr(module, name)()
    except StopIteration:
        pass
    finally:
        module._create_vision_transformer = original
    return captured


def test_the_architecture_table_is_timms_constructors():
    """Every field of every `model_cfgs` entry against what timm's constructor passes (the rest at
    timm's `VisionTransformer` defaults, which the dataclass's defaults are)."""
    defaults = VisionTransformerCfg()
    activations = {
        None: "gelu", "quick_gelu": "quick_gelu", "gelu_tanh": "gelu_tanh", "silu": "silu", torch.nn.SiLU: "silu"
    }
    norms = {timm.layers.LayerNorm: "layernorm", timm.layers.RmsNorm: "rmsnorm"}
    mlps = {timm.layers.SwiGLU: "swiglu", timm.layers.SwiGLUPacked: "swiglu_packed"}
    blocks = {
        None: "block",
        timm.models.vision_transformer.ResPostBlock: "res_post",
        timm.models.vision_transformer.ParallelScalingBlock: "parallel_scaling",
        timm.models.vision_transformer.DiffParallelScalingBlock: "diff_parallel_scaling",
    }
    translated = {"epsilon", "act_layer", "norm_layer", "embed_norm", "mlp_layer", "block_fn", "attn_layer"}
    for name, cfg in model_cfgs.items():
        args = _timm_constructor_args(name)
        norm = args.pop("norm_layer", None)
        embed_norm = args.pop("embed_norm_layer", None)
        epsilon = norm.keywords["eps"] if norm is not None else 1e-6
        assert cfg.norm_layer == (norms[norm.func] if norm is not None else "layernorm"), name
        assert cfg.embed_norm == (embed_norm is not None), name
        if embed_norm is not None:  # timm's embedding norm is the blocks' kind, with their epsilon
            assert (embed_norm.func, embed_norm.keywords) == (norm.func, norm.keywords), name
        assert cfg.epsilon == epsilon, name
        assert cfg.act_layer == activations[args.pop("act_layer", None)], name
        assert cfg.mlp_layer == mlps.get(args.pop("mlp_layer", None), "mlp"), name
        assert cfg.block_fn == blocks[args.pop("block_fn", None)], name
        assert cfg.attn_layer == {None: "attention", "diff": "diff"}[args.pop("attn_layer", None)], name
        for field, value in args.items():
            assert getattr(cfg, field) == value, f"{name}.{field}"
        for field in set(VisionTransformerCfg.__dataclass_fields__) - set(args) - translated:
            assert getattr(cfg, field) == getattr(defaults, field), f"{name}.{field}"


# ------------------------------------------------------------------------------------------------
# Blocks against timm's modules


# timm's Block options beyond ViT-B's, as each architecture group sets them, and our ViTBlock's.
BLOCK_VARIANTS = {
    "aimv2": (
        dict(qkv_bias=False, proj_bias=False, act_layer=torch.nn.SiLU, mlp_ratio=2.75,
             norm_layer=functools.partial(timm.layers.RmsNorm, eps=1e-5), mlp_layer=timm.layers.SwiGLU),
        dict(qkv_bias=False, proj_bias=False, activation="silu", mlp_ratio=2.75, norm_layer="rmsnorm",
             epsilon=1e-5, mlp_layer="swiglu"),
    ),
    "beit3": (
        dict(qkv_bias=True, scale_attn_norm=True, scale_mlp_norm=True,
             norm_layer=functools.partial(timm.layers.LayerNorm, eps=1e-5)),
        dict(scale_attn_norm=True, scale_mlp_norm=True, epsilon=1e-5),
    ),
    "dinov2-giant": (
        dict(qkv_bias=True, init_values=1e-5, mlp_ratio=2.66667 * 2, mlp_layer=timm.layers.SwiGLUPacked,
             act_layer=torch.nn.SiLU, norm_layer=functools.partial(timm.layers.LayerNorm, eps=1e-6)),
        dict(init_values=1e-5, mlp_ratio=2.66667 * 2, mlp_layer="swiglu_packed", activation="silu"),
    ),
}


@pytest.mark.parametrize("variant", BLOCK_VARIANTS)
def test_block_variants_match_timm(variant):
    """`ViTBlock` with RmsNorm and SwiGLU without projection biases (AIMv2), BEiT3's extra attention
    and MLP norms, and the packed SwiGLU (DINOv2's giant) against timm's `Block`."""
    timm_kwargs, our_kwargs = BLOCK_VARIANTS[variant]
    torch.manual_seed(0)
    reference = timm.models.vision_transformer.Block(48, num_heads=4, **timm_kwargs).eval()
    with torch.no_grad():
        for param in reference.parameters():
            param.add_(torch.randn_like(param) * 0.1)
    state = {k: v.detach().numpy() for k, v in reference.state_dict().items()}
    block = ViTBlock(48, num_heads=4, **our_kwargs)
    block.build((None, 10, 48))
    report = load_timm_weights(block, state)
    assert report.ok and sorted(report.loaded) == sorted(state)
    tokens = np.random.default_rng(1).standard_normal((2, 10, 48)).astype("float32")
    with torch.no_grad():
        expected = reference(torch.from_numpy(tokens)).numpy()
    np.testing.assert_allclose(keras.ops.convert_to_numpy(block(tokens)), expected, rtol=1e-5, atol=1e-5)
    assert ViTBlock.from_config(block.get_config()).get_config() == block.get_config()


_LAYER_NORM = functools.partial(timm.layers.LayerNorm, eps=1e-6)  # ViT's norm_layer

# timm's other ViT blocks (`block_fn`, `attn_layer`) and its differential attention, each made as the
# ViT tables make them, with ours. Layer scales (and ResPostBlock's norm scales) start at 0.5, not the
# tables' 1e-5: a branch scaled to nothing would hide a wrong lambda.
OTHER_BLOCKS = {
    "res-post": (
        lambda vt: vt.ResPostBlock(48, 4, qkv_bias=False, init_values=0.5, norm_layer=_LAYER_NORM),
        lambda: ResPostBlock(48, 4, qkv_bias=False, init_values=0.5),
    ),
    "diff-attention-block": (
        lambda vt: vt.Block(48, 4, qkv_bias=True, init_values=0.5, attn_layer="diff", depth=3, norm_layer=_LAYER_NORM),
        lambda: ViTBlock(48, 4, init_values=0.5, attn_layer="diff", depth=3),
    ),
    "parallel": (
        lambda vt: vt.ParallelScalingBlock(48, 4, qkv_bias=True, init_values=0.5, norm_layer=_LAYER_NORM),
        lambda: ParallelScalingBlock(48, 4, qkv_bias=True, init_values=0.5),
    ),
    "parallel-mlp-bias-qknorm-fused": (
        lambda vt: vt.ParallelScalingBlock(48, 4, mlp_ratio=2.5, qk_norm=True, fuse_out_proj=True, norm_layer=_LAYER_NORM),
        lambda: ParallelScalingBlock(48, 4, mlp_ratio=2.5, qk_norm=True, fuse_out_proj=True),
    ),
    "diff-parallel": (
        lambda vt: vt.DiffParallelScalingBlock(48, 4, qkv_bias=True, init_values=0.5, depth=2, norm_layer=_LAYER_NORM),
        lambda: DiffParallelScalingBlock(48, 4, qkv_bias=True, init_values=0.5, depth=2),
    ),
    "diff-parallel-mlp-bias-qknorm-dual": (
        lambda vt: vt.DiffParallelScalingBlock(48, 4, qk_norm=True, dual_lambda=True, depth=7, norm_layer=_LAYER_NORM),
        lambda: DiffParallelScalingBlock(48, 4, qk_norm=True, dual_lambda=True, depth=7),
    ),
    "diff-attention-qknorm-scalenorm": (
        lambda vt: timm.layers.DiffAttention(48, 4, qk_norm=True, scale_norm=True, depth=1),
        lambda: DiffAttention(48, 4, qk_norm=True, scale_norm=True, depth=1),
    ),
}


@pytest.mark.parametrize("case", OTHER_BLOCKS)
def test_other_blocks_and_differential_attention_match_timm(case):
    """The residual post-norm block, the parallel blocks (separate and fused output projections,
    `mlp_bias`), differential attention in timm's Block and in the parallel block (both lambda
    parameterisations) and alone, against timm's modules; red when the largest weight or a lambda
    parameter is negated."""
    make_timm, make_ours = OTHER_BLOCKS[case]
    reference = randomized(lambda: make_timm(timm.models.vision_transformer)).eval()
    state = numpy_state(reference)
    layer = make_ours()
    layer.build((None, 10, 48))
    report = load_timm_weights(layer, state)
    assert report.ok and sorted(report.loaded) == sorted(state)
    tokens = np.random.default_rng(1).standard_normal((2, 10, 48)).astype("float32")
    with torch.no_grad():
        expected = reference(torch.from_numpy(tokens)).numpy()
    assert_block_close(keras.ops.convert_to_numpy(layer(tokens)), expected, case)
    lambdas = [k for k in state if k.split(".")[-1] in ("lambda_q1", "lambda_k2", "lambda_a")]
    for key in [max(state, key=lambda k: state[k].size), *lambdas]:
        load_timm_weights(layer, {key: -state[key]}, strict=False)
        with pytest.raises(AssertionError):
            assert_block_close(keras.ops.convert_to_numpy(layer(tokens)), expected, f"{case}, {key} negated")
        load_timm_weights(layer, {key: state[key]}, strict=False)
    assert type(layer).from_config(layer.get_config()).get_config() == layer.get_config()


def test_aimv2_layout_matches_timm_end_to_end():
    """The whole AIMv2 graph (RmsNorm after the patch embedding, RmsNorm blocks with SwiGLU, the final
    RmsNorm, average pooling without a class token) at a small width against timm's
    `VisionTransformer` built with the same arguments as timm's `aimv2_*` constructors."""
    args = dict(patch_size=8, embed_dim=32, depth=2, num_heads=2, mlp_ratio=2.75)
    timm_args = {**_timm_constructor_args("aimv2_large_patch14_224"), **args}
    torch.manual_seed(0)
    reference = timm.models.vision_transformer.VisionTransformer(img_size=32, num_classes=5, **timm_args).eval()
    with torch.no_grad():
        for param in reference.parameters():
            param.add_(torch.randn_like(param) * 0.1)
    state = {k: v.detach().numpy() for k, v in reference.state_dict().items()}
    cfg = dataclasses.replace(model_cfgs["aimv2_large_patch14_224"], **args)
    graph = build_vision_transformer(cfg, "aimv2-small", BuildArgs(num_classes=5, in_chans=3, img_size=(32, 32)))
    model = keras.Model(graph.inputs, graph.outputs)
    report = load_timm_weights(model, state)
    assert report.ok and sorted(report.loaded) == sorted(state)
    images = np.random.default_rng(2).standard_normal((2, 32, 32, 3)).astype("float32")
    with torch.no_grad():
        expected = reference(torch.from_numpy(images).permute(0, 3, 1, 2)).numpy()
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(images)), expected, rtol=1e-5, atol=1e-5)


def test_clip_and_siglip_activations_are_timms():
    x = np.linspace(-6, 6, 97, dtype="float32")
    t = torch.from_numpy(x)
    ours = {name: keras.ops.convert_to_numpy(fn(x)) for name, fn in (("quick", quick_gelu), ("tanh", gelu_tanh))}
    np.testing.assert_allclose(ours["quick"], timm.layers.activations.quick_gelu(t).numpy(), atol=1e-6)
    np.testing.assert_allclose(ours["tanh"], timm.layers.GELUTanh()(t).numpy(), atol=1e-6)
    # Both differ from the exact GELU by more than that.
    exact = torch.nn.functional.gelu(t).numpy()
    assert min(np.abs(ours["quick"] - exact).max(), np.abs(ours["tanh"] - exact).max()) > 1e-5


ATTENTION_POOLS = {
    "siglip": dict(num_heads=4, mlp_ratio=2.0),
    "qknorm-2latents-avg-tanh": dict(num_heads=2, mlp_ratio=1.5, qk_norm=True, latent_len=2, pool_type="avg"),
    "no-bias-latents": dict(num_heads=4, qkv_bias=False, latent_len=3, pool_type=""),
}


@pytest.mark.parametrize("kwargs", ATTENTION_POOLS.values(), ids=ATTENTION_POOLS.keys())
def test_attention_pool_latent_matches_timm(kwargs):
    """`AttentionPoolLatent` against timm's (as ViT builds it: its LayerNorm, eps 1e-6), weights perturbed;
    one weight flipped must fail."""
    tanh = "tanh" in next(k for k, v in ATTENTION_POOLS.items() if v is kwargs)
    module = randomized(
        lambda: timm.layers.AttentionPoolLatent(
            32, norm_layer=functools.partial(torch.nn.LayerNorm, eps=1e-6),
            act_layer=timm.layers.GELUTanh if tanh else torch.nn.GELU, **kwargs,
        )
    )
    state = numpy_state(module)
    x = np.random.default_rng(1).standard_normal((2, 7, 32)).astype("float32")
    layer = AttentionPoolLatent(epsilon=1e-6, activation=gelu_tanh if tanh else "gelu", **kwargs)
    layer.build(x.shape)
    assert sorted(load_timm_weights(layer, state).loaded) == sorted(state)
    with torch.no_grad():
        expected = module(torch.from_numpy(x)).numpy()
    assert_block_close(keras.ops.convert_to_numpy(layer(x)), expected, "attn_pool")
    load_timm_weights(layer, {"kv.weight": -state["kv.weight"]}, strict=False)
    with pytest.raises(AssertionError):
        assert_block_close(keras.ops.convert_to_numpy(layer(x)), expected, "attn_pool flipped")


@pytest.mark.parametrize("align_corners", [False, True])
def test_bilinear_pos_embed_resampling_is_timms(align_corners):
    """FlexiViT's and RADIO's filters resample bilinear without antialias (RADIO v3 base/huge with
    `align_corners`), as timm's `resample_abs_pos_embed`."""
    pos_embed = np.random.default_rng(2).standard_normal((1, 1 + 6 * 5, 8)).astype("float32")
    kwargs = dict(interpolation="bilinear", antialias=False)
    expected = timm.layers.resample_abs_pos_embed(
        torch.from_numpy(pos_embed), new_size=(9, 4), old_size=(6, 5), num_prefix_tokens=1,
        align_corners=align_corners, **kwargs,
    ).numpy()
    ours = resample_abs_pos_embed(pos_embed, (9, 4), (6, 5), 1, align_corners=align_corners, **kwargs)
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-5)


# ------------------------------------------------------------------------------------------------
# Register tokens and attention pooling in a whole model: timm's smallest such ViT (test_vit3)

REGISTERS = "test_vit3"


@pytest.fixture(scope="module")
def registers():
    reference = perturbed_timm_model(REGISTERS)
    state = timm_state_dict(reference)
    model = create_model(REGISTERS)
    assert load_pretrained(model, state).ok
    return model, reference


@pytest.mark.parametrize("kwargs", INTERMEDIATES.values(), ids=INTERMEDIATES.keys())
def test_forward_intermediates_with_a_register_token_match_timm(registers, kwargs):
    model, reference = registers
    images = random_images(2, 160)
    timm_kwargs = dict(kwargs, output_fmt="NCHW" if kwargs.get("output_fmt", "NHWC") == "NHWC" else "NLC")
    with torch.no_grad():
        expected = reference.forward_intermediates(torch.from_numpy(images).permute(0, 3, 1, 2), **timm_kwargs)
    ours = forward_intermediates(model, images, **kwargs)
    if not kwargs.get("intermediates_only"):
        assert_close_to_timm(keras.ops.convert_to_numpy(ours[0]), expected[0].numpy(), "final tokens")
        ours, expected = ours[1], expected[1]
    for got, want in zip(ours, expected, strict=True):
        if kwargs.get("return_prefix_tokens"):
            assert_close_to_timm(keras.ops.convert_to_numpy(got[1]), want[1].numpy(), "register token")
            got, want = got[0], want[0]
        want = want.numpy()
        assert_close_to_timm(keras.ops.convert_to_numpy(got), want.transpose(0, 2, 3, 1) if want.ndim == 4 else want)
