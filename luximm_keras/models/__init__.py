"""Whole timm models assembled from the blocks: `create_model(name, ...)`, `list_models()`,
`get_pretrained_cfg(name)`, `load_pretrained(model, checkpoint)`.

One module per timm model file (`vision_transformer`, `convnext`, `swin_transformer`, ...), each with
its blocks, architecture table, pretrained configs, builder and checkpoint filter; importing this
package registers them all.
"""

from luximm_keras.models._builder import (
    FeatureMap,
    ModelGraph,
    TimmModel,
    build_model_with_cfg,
    create_model,
    feature_take_indices,
    load_pretrained,
    model_input,
    timm_shapes,
)
from luximm_keras.models._pretrained import DefaultCfg, PretrainedCfg, generate_default_cfgs, split_model_name_tag
from luximm_keras.models._registry import get_pretrained_cfg, list_models, model_entry, register_family

# Importing a family registers its architectures.
from luximm_keras.models import (  # noqa: E402,F401
    byobnet,
    convnext,
    deit,
    efficientnet,
    eva,
    maxxvit,
    mobilenetv3,
    nfnet,
    regnet,
    resnet,
    resnetv2,
    swin_transformer,
    vgg,
    vision_transformer,
)

__all__ = [
    "DefaultCfg",
    "FeatureMap",
    "ModelGraph",
    "PretrainedCfg",
    "TimmModel",
    "build_model_with_cfg",
    "create_model",
    "feature_take_indices",
    "generate_default_cfgs",
    "get_pretrained_cfg",
    "list_models",
    "load_pretrained",
    "model_entry",
    "model_input",
    "register_family",
    "split_model_name_tag",
    "timm_shapes",
]
