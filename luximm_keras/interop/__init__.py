"""timm checkpoints in and out: sources read files, rules and transforms map keys and layouts, the
loader checks every shape before it assigns anything."""

from luximm_keras.interop.export import export_timm_weights
from luximm_keras.interop.loader import LoadReport, load_timm_weights
from luximm_keras.interop.plan import Binding, weight_bindings
from luximm_keras.interop.rules import KERAS_MAPPINGS
from luximm_keras.interop.sources import read_checkpoint
from luximm_keras.interop.transforms import (
    adapt_input_conv,
    conv1x1_to_dense,
    dense_to_conv1x1,
    dense_to_linear,
    depthwise_oihw_to_hwcm,
    hwcm_to_depthwise_oihw,
    hwio_to_oihw,
    identity,
    linear_to_dense,
    oihw_to_hwio,
    per_channel_to_vector,
    vector_to_per_channel,
)

__all__ = [
    "Binding",
    "LoadReport",
    "KERAS_MAPPINGS",
    "adapt_input_conv",
    "conv1x1_to_dense",
    "dense_to_conv1x1",
    "dense_to_linear",
    "export_timm_weights",
    "depthwise_oihw_to_hwcm",
    "hwcm_to_depthwise_oihw",
    "hwio_to_oihw",
    "identity",
    "linear_to_dense",
    "load_timm_weights",
    "oihw_to_hwio",
    "per_channel_to_vector",
    "read_checkpoint",
    "vector_to_per_channel",
    "weight_bindings",
]
