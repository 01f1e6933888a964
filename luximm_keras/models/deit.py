"""DeiT, DeiT-3 and distilled DeiT: timm's `deit.py` table on the ViT graph of `vision_transformer`.

DeiT and DeiT-3 are ViTs (DeiT-3: layer scale, position embeddings over the patches only); the
distilled models add a distillation token after the class token and a second head, `head_dist`, on
it: their logits are the mean of the two heads' (timm's inference), their pooled features the mean of
the two tokens.

Reference: timm/models/deit.py
"""

from __future__ import annotations

import functools

from luximm_keras.data.constants import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD
from luximm_keras.models._builder import BuildArgs, ModelGraph
from luximm_keras.models._pretrained import generate_default_cfgs
from luximm_keras.models._registry import register_family
from luximm_keras.models.vision_transformer import (
    VisionTransformerCfg,
    build_vision_transformer,
    checkpoint_filter_fn,
)

# timm's `deit*` constructors' arguments.
model_cfgs: dict[str, VisionTransformerCfg] = {
    "deit3_base_patch16_224": VisionTransformerCfg(
        patch_size=16, embed_dim=768, depth=12, num_heads=12, no_embed_class=True, init_values=1e-06,
    ),
    "deit3_base_patch16_384": VisionTransformerCfg(
        patch_size=16, embed_dim=768, depth=12, num_heads=12, no_embed_class=True, init_values=1e-06,
    ),
    "deit3_huge_patch14_224": VisionTransformerCfg(
        patch_size=14, embed_dim=1280, depth=32, num_heads=16, no_embed_class=True, init_values=1e-06,
    ),
    "deit3_large_patch16_224": VisionTransformerCfg(
        patch_size=16, embed_dim=1024, depth=24, num_heads=16, no_embed_class=True, init_values=1e-06,
    ),
    "deit3_large_patch16_384": VisionTransformerCfg(
        patch_size=16, embed_dim=1024, depth=24, num_heads=16, no_embed_class=True, init_values=1e-06,
    ),
    "deit3_medium_patch16_224": VisionTransformerCfg(
        patch_size=16, embed_dim=512, depth=12, num_heads=8, no_embed_class=True, init_values=1e-06,
    ),
    "deit3_small_patch16_224": VisionTransformerCfg(
        patch_size=16, embed_dim=384, depth=12, num_heads=6, no_embed_class=True, init_values=1e-06,
    ),
    "deit3_small_patch16_384": VisionTransformerCfg(
        patch_size=16, embed_dim=384, depth=12, num_heads=6, no_embed_class=True, init_values=1e-06,
    ),
    "deit_base_distilled_patch16_224": VisionTransformerCfg(
        patch_size=16, embed_dim=768, depth=12, num_heads=12, distilled=True,
    ),
    "deit_base_distilled_patch16_384": VisionTransformerCfg(
        patch_size=16, embed_dim=768, depth=12, num_heads=12, distilled=True,
    ),
    "deit_base_patch16_224": VisionTransformerCfg(patch_size=16, embed_dim=768, depth=12, num_heads=12),
    "deit_base_patch16_384": VisionTransformerCfg(patch_size=16, embed_dim=768, depth=12, num_heads=12),
    "deit_small_distilled_patch16_224": VisionTransformerCfg(
        patch_size=16, embed_dim=384, depth=12, num_heads=6, distilled=True,
    ),
    "deit_small_patch16_224": VisionTransformerCfg(patch_size=16, embed_dim=384, depth=12, num_heads=6),
    "deit_tiny_distilled_patch16_224": VisionTransformerCfg(
        patch_size=16, embed_dim=192, depth=12, num_heads=3, distilled=True,
    ),
    "deit_tiny_patch16_224": VisionTransformerCfg(patch_size=16, embed_dim=192, depth=12, num_heads=3),
}


def _cfg(url: str = "", **kwargs) -> dict:
    return {
        "url": url,
        "num_classes": 1000,
        "input_size": (3, 224, 224),
        "pool_size": None,
        "crop_pct": 0.9,
        "interpolation": "bicubic",
        "fixed_input_size": True,
        "mean": IMAGENET_DEFAULT_MEAN,
        "std": IMAGENET_DEFAULT_STD,
        "first_conv": "patch_embed.proj",
        "classifier": "head",
        "license": "apache-2.0",
        **kwargs,
    }


# timm's entries, in timm's order.
default_cfgs = generate_default_cfgs({
    "deit_tiny_patch16_224.fb_in1k": _cfg(
        hf_hub_id='timm/',
        url='https://dl.fbaipublicfiles.com/deit/deit_tiny_patch16_224-a1311bcf.pth'),
    "deit_small_patch16_224.fb_in1k": _cfg(
        hf_hub_id='timm/',
        url='https://dl.fbaipublicfiles.com/deit/deit_small_patch16_224-cd65a155.pth'),
    "deit_base_patch16_224.fb_in1k": _cfg(
        hf_hub_id='timm/',
        url='https://dl.fbaipublicfiles.com/deit/deit_base_patch16_224-b5f2ef4d.pth'),
    "deit_base_patch16_384.fb_in1k": _cfg(
        hf_hub_id='timm/',
        url='https://dl.fbaipublicfiles.com/deit/deit_base_patch16_384-8de9b5d1.pth',
        input_size=(3, 384, 384), crop_pct=1.0),
    "deit_tiny_distilled_patch16_224.fb_in1k": _cfg(
        hf_hub_id='timm/',
        url='https://dl.fbaipublicfiles.com/deit/deit_tiny_distilled_patch16_224-b40b3cf7.pth',
        classifier=('head', 'head_dist')),
    "deit_small_distilled_patch16_224.fb_in1k": _cfg(
        hf_hub_id='timm/',
        url='https://dl.fbaipublicfiles.com/deit/deit_small_distilled_patch16_224-649709d9.pth',
        classifier=('head', 'head_dist')),
    "deit_base_distilled_patch16_224.fb_in1k": _cfg(
        hf_hub_id='timm/',
        url='https://dl.fbaipublicfiles.com/deit/deit_base_distilled_patch16_224-df68dfff.pth',
        classifier=('head', 'head_dist')),
    "deit_base_distilled_patch16_384.fb_in1k": _cfg(
        hf_hub_id='timm/',
        url='https://dl.fbaipublicfiles.com/deit/deit_base_distilled_patch16_384-d0272ac0.pth',
        input_size=(3, 384, 384), crop_pct=1.0,
        classifier=('head', 'head_dist')),
    "deit3_small_patch16_224.fb_in1k": _cfg(
        hf_hub_id='timm/',
        url='https://dl.fbaipublicfiles.com/deit/deit_3_small_224_1k.pth'),
    "deit3_small_patch16_384.fb_in1k": _cfg(
        hf_hub_id='timm/',
        url='https://dl.fbaipublicfiles.com/deit/deit_3_small_384_1k.pth',
        input_size=(3, 384, 384), crop_pct=1.0),
    "deit3_medium_patch16_224.fb_in1k": _cfg(
        hf_hub_id='timm/',
        url='https://dl.fbaipublicfiles.com/deit/deit_3_medium_224_1k.pth'),
    "deit3_base_patch16_224.fb_in1k": _cfg(
        hf_hub_id='timm/',
        url='https://dl.fbaipublicfiles.com/deit/deit_3_base_224_1k.pth'),
    "deit3_base_patch16_384.fb_in1k": _cfg(
        hf_hub_id='timm/',
        url='https://dl.fbaipublicfiles.com/deit/deit_3_base_384_1k.pth',
        input_size=(3, 384, 384), crop_pct=1.0),
    "deit3_large_patch16_224.fb_in1k": _cfg(
        hf_hub_id='timm/',
        url='https://dl.fbaipublicfiles.com/deit/deit_3_large_224_1k.pth'),
    "deit3_large_patch16_384.fb_in1k": _cfg(
        hf_hub_id='timm/',
        url='https://dl.fbaipublicfiles.com/deit/deit_3_large_384_1k.pth',
        input_size=(3, 384, 384), crop_pct=1.0),
    "deit3_huge_patch14_224.fb_in1k": _cfg(
        hf_hub_id='timm/',
        url='https://dl.fbaipublicfiles.com/deit/deit_3_huge_224_1k.pth'),
    "deit3_small_patch16_224.fb_in22k_ft_in1k": _cfg(
        hf_hub_id='timm/',
        url='https://dl.fbaipublicfiles.com/deit/deit_3_small_224_21k.pth',
        crop_pct=1.0),
    "deit3_small_patch16_384.fb_in22k_ft_in1k": _cfg(
        hf_hub_id='timm/',
        url='https://dl.fbaipublicfiles.com/deit/deit_3_small_384_21k.pth',
        input_size=(3, 384, 384), crop_pct=1.0),
    "deit3_medium_patch16_224.fb_in22k_ft_in1k": _cfg(
        hf_hub_id='timm/',
        url='https://dl.fbaipublicfiles.com/deit/deit_3_medium_224_21k.pth',
        crop_pct=1.0),
    "deit3_base_patch16_224.fb_in22k_ft_in1k": _cfg(
        hf_hub_id='timm/',
        url='https://dl.fbaipublicfiles.com/deit/deit_3_base_224_21k.pth',
        crop_pct=1.0),
    "deit3_base_patch16_384.fb_in22k_ft_in1k": _cfg(
        hf_hub_id='timm/',
        url='https://dl.fbaipublicfiles.com/deit/deit_3_base_384_21k.pth',
        input_size=(3, 384, 384), crop_pct=1.0),
    "deit3_large_patch16_224.fb_in22k_ft_in1k": _cfg(
        hf_hub_id='timm/',
        url='https://dl.fbaipublicfiles.com/deit/deit_3_large_224_21k.pth',
        crop_pct=1.0),
    "deit3_large_patch16_384.fb_in22k_ft_in1k": _cfg(
        hf_hub_id='timm/',
        url='https://dl.fbaipublicfiles.com/deit/deit_3_large_384_21k.pth',
        input_size=(3, 384, 384), crop_pct=1.0),
    "deit3_huge_patch14_224.fb_in22k_ft_in1k": _cfg(
        hf_hub_id='timm/',
        url='https://dl.fbaipublicfiles.com/deit/deit_3_huge_224_21k_v1.pth',
        crop_pct=1.0),
})


def _create_deit(variant: str, args: BuildArgs) -> ModelGraph:
    """timm's `variant` (a key of `model_cfgs`), see `vision_transformer.build_vision_transformer`."""
    return build_vision_transformer(model_cfgs[variant], variant, args)


# timm loads DeiT checkpoints with the ViT filter, DeiT-3's `gamma_1/2` renamed to `ls1/2.gamma`.
checkpoint_filter = functools.partial(checkpoint_filter_fn, adapt_layer_scale=True)

register_family(model_cfgs, _create_deit, default_cfgs, checkpoint_filter, feature_out_indices=3)
