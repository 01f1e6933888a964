"""Automatic conversion of any timm model to a functional Keras model (`from_timm`), for the
architectures no hand-built family covers."""

from luximm_keras.convert.from_timm import ConversionMismatch, UnsupportedOperations, from_timm
from luximm_keras.convert.mapping import register_function, register_method, register_module

__all__ = ["ConversionMismatch", "UnsupportedOperations", "from_timm", "register_function", "register_method", "register_module"]
