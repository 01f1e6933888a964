"""Whole timm models assembled from the blocks: `create_model(name, ...)`, `list_models()`."""

from luximm_keras.models.pretrained import load_pretrained
from luximm_keras.models.registry import create_model, list_models, model_entry, register_model

# Importing a family registers its variants.
from luximm_keras.models import coatnet, convnextv2, resnetv2, vit  # noqa: E402,F401

__all__ = ["create_model", "list_models", "load_pretrained", "model_entry", "register_model"]
