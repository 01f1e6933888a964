"""VGG as functional Keras models: the conv/pool stack, timm's `ConvMlp` pre-logits (a 7x7 conv and a
1x1 conv, with its adaptive pooling of maps smaller than 7x7), the classifier head, the pretrained
configs, the builder and timm's checkpoint filter (torchvision's `classifier.*` Linear weights to
the `pre_logits` convs).

Layer names are timm's module paths with `__` for `.` (`features__0`, `pre_logits__fc1`,
`head__fc`), so `load_timm_weights(model, timm_model.state_dict())` loads every key.

Reference: timm/models/vgg.py
"""

from __future__ import annotations

from collections.abc import Mapping

import keras
import numpy as np
from keras import ops

from luximm_keras._serializable import serializable
from luximm_keras.data.constants import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD
from luximm_keras.initializers import kaiming_normal_fan_out, normal_init
from luximm_keras.layers import helpers
from luximm_keras.layers.batch_norm import BatchNorm2D
from luximm_keras.models._builder import BuildArgs, FeatureMap, ModelGraph, model_input
from luximm_keras.models._pretrained import generate_default_cfgs
from luximm_keras.models._registry import register_family


def _adaptive_pool_matrix(size, out_size, dtype):
    """PyTorch's `adaptive_avg_pool` along one axis as an `(out_size, size)` averaging matrix: output
    `i` averages inputs `floor(i * size / out)` to `ceil((i + 1) * size / out)` (exclusive)."""
    i = ops.arange(out_size)
    start = (i * size) // out_size
    end = ((i + 1) * size + out_size - 1) // out_size
    j = ops.arange(size)
    inside = ops.logical_and(j[None, :] >= start[:, None], j[None, :] < end[:, None])
    return ops.cast(inside, dtype) / ops.cast(end - start, dtype)[:, None]


@serializable
class AdaptiveAvgPoolMin2D(keras.layers.Layer):
    """Average-pools a map adaptively up to `min_size` along each spatial axis shorter than that (as
    PyTorch's `adaptive_avg_pool2d` to `max(min_size, size)`); axes already long enough pass unchanged.

    timm's VGG `ConvMlp` does this before its 7x7 `fc1` so that inputs under 224 px still give a map
    the conv fits. It has no weights.

    Args:
        min_size: the smallest height and width of the output (7 in VGG).
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> AdaptiveAvgPoolMin2D(7)(keras.ops.ones((2, 5, 9, 16))).shape
        (2, 7, 9, 16)

    Reference: timm/models/vgg.py `ConvMlp.forward`.
    """

    def __init__(self, min_size: int = 7, data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        if int(min_size) < 1:
            raise ValueError(f"`min_size` must be a positive int, got {min_size!r}.")
        self.min_size = int(min_size)
        self.data_format = helpers.standardize_data_format(data_format)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def _spatial_axes(self) -> tuple[int, int]:
        return (1, 2) if self.data_format == "channels_last" else (2, 3)

    def _pool_axis(self, x, axis: int):
        size = ops.shape(x)[axis]
        if isinstance(size, int):
            if size >= self.min_size:
                return x
            out_size = self.min_size
        else:  # unknown until run (TensorFlow graphs): an identity matrix where the axis is long enough
            out_size = ops.maximum(size, self.min_size)
        matrix = _adaptive_pool_matrix(size, out_size, self.compute_dtype)
        # The spatial axis goes last, is averaged by the matrix, and comes back.
        x = ops.moveaxis(x, axis, -1)
        x = ops.matmul(x, ops.transpose(matrix))
        return ops.moveaxis(x, -1, axis)

    def call(self, inputs):
        x = inputs
        for axis in self._spatial_axes():
            x = self._pool_axis(x, axis)
        return x

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis in self._spatial_axes():
            if shape[axis] is not None:
                shape[axis] = max(self.min_size, shape[axis])
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"min_size": self.min_size, "data_format": self.data_format})
        return config


cfgs: dict[str, tuple] = {
    "vgg11": (64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"),
    "vgg13": (64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"),
    "vgg16": (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"),
    "vgg19": (64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"),
}

# Each architecture: its layer list and whether a BatchNorm2d follows each conv.
model_cfgs: dict[str, tuple[tuple, bool]] = {
    "vgg11": (cfgs["vgg11"], False),
    "vgg11_bn": (cfgs["vgg11"], True),
    "vgg13": (cfgs["vgg13"], False),
    "vgg13_bn": (cfgs["vgg13"], True),
    "vgg16": (cfgs["vgg16"], False),
    "vgg16_bn": (cfgs["vgg16"], True),
    "vgg19": (cfgs["vgg19"], False),
    "vgg19_bn": (cfgs["vgg19"], True),
}


def _cfg(url: str = "", **kwargs) -> dict:
    return {
        "url": url,
        "num_classes": 1000, "input_size": (3, 224, 224), "pool_size": (7, 7),
        "crop_pct": 0.875, "interpolation": "bilinear",
        "mean": IMAGENET_DEFAULT_MEAN, "std": IMAGENET_DEFAULT_STD,
        "first_conv": "features.0", "classifier": "head.fc",
        "license": "bsd-3-clause",
        **kwargs,
    }


# timm's entries, in timm's order.
default_cfgs = generate_default_cfgs({
    "vgg11.tv_in1k": _cfg(hf_hub_id="timm/"),
    "vgg13.tv_in1k": _cfg(hf_hub_id="timm/"),
    "vgg16.tv_in1k": _cfg(hf_hub_id="timm/"),
    "vgg19.tv_in1k": _cfg(hf_hub_id="timm/"),
    "vgg11_bn.tv_in1k": _cfg(hf_hub_id="timm/"),
    "vgg13_bn.tv_in1k": _cfg(hf_hub_id="timm/"),
    "vgg16_bn.tv_in1k": _cfg(hf_hub_id="timm/"),
    "vgg19_bn.tv_in1k": _cfg(hf_hub_id="timm/"),
})

HEAD_HIDDEN_SIZE = 4096  # timm's ConvMlp out_features (mlp_ratio 1)


def _create_vgg(variant: str, args: BuildArgs) -> ModelGraph:
    """timm's `variant` (a key of `model_cfgs`): NHWC images of any size (or `img_size`) in, logits out
    (the 4096 pooled pre-logits when `num_classes=0`). The feature maps are the last ReLU before each
    max pool (strides 1 to 16) and the final max pool's output (stride 32), as timm's `feature_info`."""
    layers, use_norm = model_cfgs[variant]
    conv_init = dict(kernel_initializer=kaiming_normal_fan_out(), bias_initializer="zeros")
    inputs = model_input(args.in_chans, args.img_size)
    x = inputs
    features = []
    channels, stride, index = args.in_chans, 1, 0
    for v in layers:
        if v == "M":
            features.append(FeatureMap(x, channels, stride, f"features.{index - 1}"))
            x = keras.layers.MaxPooling2D(2, strides=2, padding="valid", name=f"features__{index}")(x)
            index += 1
            stride *= 2
            continue
        # nn.Conv2d(k=3, padding=1): Keras' "same" at stride 1 is the same symmetric padding.
        x = keras.layers.Conv2D(v, 3, padding="same", name=f"features__{index}", **conv_init)(x)
        index += 1
        if use_norm:
            x = BatchNorm2D(name=f"features__{index}")(x)
            index += 1
        x = keras.layers.ReLU(name=f"features__{index}")(x)
        index += 1
        channels = v
    features.append(FeatureMap(x, channels, stride, f"features.{index - 1}"))

    # timm's ConvMlp (drop_rate 0): maps under 7x7 pooled up to it, fc1 a 7x7 conv without padding.
    x = AdaptiveAvgPoolMin2D(7, name="pre_logits__pool")(x)
    x = keras.layers.Conv2D(HEAD_HIDDEN_SIZE, 7, padding="valid", name="pre_logits__fc1", **conv_init)(x)
    x = keras.layers.ReLU(name="pre_logits__act1")(x)
    x = keras.layers.Conv2D(HEAD_HIDDEN_SIZE, 1, name="pre_logits__fc2", **conv_init)(x)
    x = keras.layers.ReLU(name="pre_logits__act2")(x)
    # timm's ClassifierHead: average pool, then a Linear.
    x = keras.layers.GlobalAveragePooling2D(name="head__global_pool")(x)
    if args.num_classes:
        x = keras.layers.Dense(
            args.num_classes, kernel_initializer=normal_init(0.01), bias_initializer="zeros", name="head__fc"
        )(x)
    return ModelGraph(inputs, x, features)


def checkpoint_filter_fn(state: Mapping[str, np.ndarray], model: keras.Model) -> dict[str, np.ndarray]:
    """timm's `vgg._filter_fn`: torchvision's classifier (`classifier.0/3/6`, Linear layers) renamed to
    `pre_logits.fc1`, `pre_logits.fc2` and `head.fc`, the first two reshaped to conv kernels
    (`(-1, 512, 7, 7)` and `(-1, 4096, 1, 1)`); timm's own checkpoints pass unchanged."""
    out = {}
    for key, value in state.items():
        new_key = (
            key.replace("classifier.0", "pre_logits.fc1")
            .replace("classifier.3", "pre_logits.fc2")
            .replace("classifier.6", "head.fc")
        )
        if "classifier.0.weight" in key:
            value = np.asarray(value).reshape(-1, 512, 7, 7)
        if "classifier.3.weight" in key:
            value = np.asarray(value).reshape(-1, 4096, 1, 1)
        out[new_key] = value
    return out


register_family(model_cfgs, _create_vgg, default_cfgs, checkpoint_filter_fn, feature_out_indices=(0, 1, 2, 3, 4, 5))
