"""timm's evaluation preprocessing as Keras layers, for use inside a model on every backend.

`create_preprocessing(**config)` builds the pipeline of `create_transform(**config)` from Keras ops:
`Resize` (torchvision's shortest-edge or exact resize) or `ResizeKeepRatio` (timm's), then
`CenterCropOrPad`, then `keras.layers.Rescaling(1 / 255)` and `keras.layers.Normalization(mean,
std**2)`. The geometry (sizes, crop offsets, padding) is torchvision's and timm's to the pixel.

The resampling is PIL's, as torchvision runs it on a PIL image: each axis in turn, in the order PIL
takes (`pil_resamples_height_first`), through PIL's filter widened by the shrink factor, over PIL's
window for each output pixel, with PIL's 22-bit fixed-point coefficients (`pil_resample_weights`),
each pass clipped to [0, 255] and rounded half up as PIL's 8-bit passes are. Keras has no op with
PIL's coefficients, so each pass is one matmul by that (output x input) matrix, built in numpy for
the static image size: one op to compile per size (eager JAX compiles every op per shape), which XLA
compiles and every float dtype differentiates. "nearest" gathers the pixels PIL picks
(`pil_nearest_indices`). Sizes known only at run time (TensorFlow graphs of unknown image size) use
`keras.ops.image.scale_and_translate`, Keras' own kernels for the same filters (bilinear, bicubic,
Lanczos), in float32. A dense pass costs in * out per row: a 12-megapixel photograph takes about a
second on a CPU, as with JAX's own resize.

Measured against timm's PIL pipeline (Pillow 13) on scikit-image's photographs (chelsea 300x451,
coffee 400x600, astronaut 512x512, rocket 427x640, a 61x97 and a 333x101 crop), for the 13 distinct
data configs of the registered pretrained tags (test sizes included) and 12 more (center, squash and
border crops of a 224x192 target, crop_pct 0.9 and 1.15, bilinear and bicubic), after normalization:
the largest difference is 0.0175 on TensorFlow, JAX and PyTorch alike, one 8-bit step
(1 / 255 / 0.224), and two steps (0.0157 at std 0.5) at 10 of the 691,200 values of one bilinear
480x480 crop. Bicubic: 0.001% of the values differ on average (0.01% on TensorFlow), mean difference
2e-7 (2e-6); bilinear: 0.1% (0.3%), mean 1e-5 (3e-5). Lanczos and hamming differ by one step at
0.01% and 0.2% of the values; box and "nearest" are equal. The differences are the float32 rounding of
a pass's sum where PIL's integer sum falls on a half. Without the 8-bit rounding (`match_pil=False`)
every value carries PIL's rounding, a quarter step on average.

Reference: torchvision/transforms/functional.py (`resize`, `center_crop`), timm/data/transforms.py
(`ResizeKeepRatio`, `CenterCropOrPad`), timm/data/transforms_factory.py (`transforms_imagenet_eval`),
Pillow libImaging/Resample.c (`precompute_coeffs`, the 8-bit passes) and Geometry.c (nearest).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import keras
import numpy as np
from keras import ops

from luximm_keras import backend_ops
from luximm_keras._serializable import serializable
from luximm_keras.data import transforms as pil_transforms
from luximm_keras.data.constants import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD
from luximm_keras.data.transforms_factory import eval_resize_crop
from luximm_keras.layers.helpers import standardize_data_format

__all__ = [
    "CenterCropOrPad",
    "Resize",
    "ResizeKeepRatio",
    "create_preprocessing",
    "pil_nearest_indices",
    "pil_resamples_height_first",
]

# PIL's filters (Pillow libImaging/Resample.c): the kernel and its support, as PIL computes them in
# double precision (its Hamming window constants are C floats).
def _box(x):
    return np.where((x > -0.5) & (x <= 0.5), 1.0, 0.0)


def _bilinear(x):
    return np.maximum(1.0 - np.abs(x), 0.0)


def _hamming(x):
    x = np.abs(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        px = x * np.pi
        value = np.sin(px) / px * (float(np.float32(0.54)) + float(np.float32(0.46)) * np.cos(px))
    return np.where(x == 0.0, 1.0, np.where(x >= 1.0, 0.0, value))


def _bicubic(x, a=-0.5):
    x = np.abs(x)
    near = ((a + 2.0) * x - (a + 3.0)) * x * x + 1
    far = (((x - 5) * x + 8) * x - 4) * a
    return np.where(x < 1.0, near, np.where(x < 2.0, far, 0.0))


def _sinc(x):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(x == 0.0, 1.0, np.sin(x * np.pi) / (x * np.pi))


def _lanczos(x):
    return np.where((x >= -3.0) & (x < 3.0), _sinc(x) * _sinc(x / 3), 0.0)


PIL_FILTERS = {"box": (_box, 0.5), "bilinear": (_bilinear, 1.0), "hamming": (_hamming, 1.0),
               "bicubic": (_bicubic, 2.0), "lanczos": (_lanczos, 3.0)}
INTERPOLATIONS = (*PIL_FILTERS, "nearest", "random")
# keras.ops.image.scale_and_translate's kernels for the filters it has (sizes known only at run time).
_SCALE_AND_TRANSLATE = {"bilinear": "linear", "bicubic": "cubic", "lanczos": "lanczos3"}
_PRECISION_BITS = 32 - 8 - 2  # PIL's fixed-point coefficients for 8-bit images


@functools.lru_cache(maxsize=64)
def pil_resample_weights(in_size: int, out_size: int, interpolation: str, antialias: bool = True) -> np.ndarray:
    """PIL's resampling of one axis as an `(out_size, in_size)` float32 matrix: its filter, widened by
    the shrink factor (`antialias`), over the window PIL takes for each output pixel, normalized, and
    rounded to PIL's 22-bit fixed-point coefficients (exact in float32). `matrix @ pixels`, clipped to
    [0, 255] and rounded half up, is PIL's 8-bit pass, but for float32 rounding of the sum. Cached
    per arguments (read-only).

    Reference: Pillow libImaging/Resample.c `precompute_coeffs`, `normalize_coeffs_8bpc`.
    """
    kernel, support = PIL_FILTERS[interpolation]
    scale = in_size / out_size
    filterscale = max(scale, 1.0) if antialias else 1.0
    support = support * filterscale
    center = (np.arange(out_size) + 0.5) * scale
    xmin = np.maximum((center - support + 0.5).astype(np.int64), 0)  # C's (int): toward zero
    xmax = np.minimum((center + support + 0.5).astype(np.int64), in_size)
    x = np.arange(in_size)
    weights = kernel((x[None, :] - center[:, None] + 0.5) / filterscale)
    weights = np.where((x[None, :] >= xmin[:, None]) & (x[None, :] < xmax[:, None]), weights, 0.0)
    total = np.cumsum(weights, axis=1)[:, -1:]  # PIL's sequential sum
    weights = np.where(total != 0.0, weights / np.where(total != 0.0, total, 1.0), weights)
    fixed = np.trunc(weights * (1 << _PRECISION_BITS) + np.where(weights < 0, -0.5, 0.5))
    matrix = (fixed / (1 << _PRECISION_BITS)).astype(np.float32)
    matrix.flags.writeable = False  # cached: shared by every call for these sizes
    return matrix


def _check_interpolation(interpolation: str) -> str:
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"Unknown interpolation {interpolation!r}; timm's names are {', '.join(INTERPOLATIONS)}.")
    return "bilinear" if interpolation == "random" else interpolation


def _spatial_axes(data_format: str) -> tuple[int, int]:
    return (1, 2) if data_format == "channels_last" else (2, 3)


def _is_static(*values) -> bool:
    return all(isinstance(v, (int, np.integer)) for v in values)


def pil_resamples_height_first(height, width, out_height, out_width):
    """Whether Pillow resamples the height before the width: Pillow 13 does when the height shrinks
    by more than twice as many pixels as the width does (found by comparing its resize with its
    one-axis resizes composed both ways; tests/data checks it against the installed Pillow). Older
    Pillow always resamples the width first. Works on ints and on int tensors."""
    if _is_static(height, width, out_height, out_width):
        return out_height < height and height - out_height > 2 * (width - out_width)
    return ops.logical_and(ops.less(out_height, height), ops.greater(height - out_height, 2 * (width - out_width)))


def pil_nearest_indices(in_size: int, out_size: int) -> np.ndarray:
    """The source index of each output pixel of PIL's "nearest" resize: `int((i + 0.5) * in / out)`,
    with PIL's own rounding (it adds `in / out` to a double once per pixel), which at exact ties picks
    another pixel than Keras' float32 `floor((i + 0.5) * scale)` (a third of the rows for 512 -> 384).
    A gather of these is PIL's resize to the pixel. Reference: Pillow libImaging/Geometry.c
    `ImagingScaleAffine`."""
    step = in_size / out_size
    coords = np.cumsum(np.concatenate([[step * 0.5], np.full(out_size - 1, step)]))  # sequential, as PIL's +=
    return np.clip(coords.astype(np.int64), 0, in_size - 1).astype("int32")


def _round_half_even_half(d):
    """`int(round(d / 2))` for an int `d` (Python's round, half to even), on ints or int tensors:
    torchvision's centre-crop offset."""
    half = d // 2
    return half + (d % 2) * (half % 2)


# The matmul of one pass: {data_format: {axis: einsum}}, weights (out, in).
_EINSUM = {
    "channels_last": {1: "bhwc,oh->bowc", 2: "bhwc,ow->bhoc"},
    "channels_first": {2: "bchw,oh->bcow", 3: "bchw,ow->bcho"},
}


class _ResizeBase(keras.layers.Layer):
    """Shared by `Resize` and `ResizeKeepRatio`: the resampling; subclasses give the output size."""

    def __init__(self, interpolation="bilinear", antialias=True, match_pil=True, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.interpolation = interpolation
        self._method = _check_interpolation(interpolation)
        self.antialias = bool(antialias)
        self.match_pil = bool(match_pil)
        self.data_format = standardize_data_format(data_format)
        self.input_spec = keras.layers.InputSpec(ndim=4)
        self.built = True

    def output_size(self, height, width):
        raise NotImplementedError

    def _resample(self, images, axis, new_size, old_size):
        """Resamples one spatial axis from `old_size` to `new_size` (ints, or int tensors on TensorFlow)."""
        static = _is_static(new_size, old_size)
        if static and self._method == "nearest":
            return backend_ops.take(images, pil_nearest_indices(old_size, new_size), axis=axis)
        if static:
            # One matmul per pass: a single op to compile (eager JAX compiles each op per shape) that
            # XLA compiles and every dtype differentiates.
            weights = ops.cast(pil_resample_weights(old_size, new_size, self._method, self.antialias), images.dtype)
            return ops.einsum(_EINSUM[self.data_format][axis], images, weights)
        if self._method not in _SCALE_AND_TRANSLATE:
            raise ValueError(
                f"Interpolation {self.interpolation!r} needs the image height and width known when the layer "
                f"is traced; with sizes known only at run time it takes {', '.join(_SCALE_AND_TRANSLATE)}."
            )
        # Sizes known only at run time: Keras' own kernels (the same filters, in float32; JAX's resize).
        shape = list(ops.shape(images))
        shape[axis] = new_size
        scale = ops.reshape(ops.cast(new_size, "float32") / ops.cast(old_size, "float32"), (1,))
        return ops.image.scale_and_translate(
            images, shape, scale, ops.zeros((1,), "float32"), spatial_dims=(axis,),
            method=_SCALE_AND_TRANSLATE[self._method], antialias=self.antialias,
        )

    def _to_8bit(self, images):
        if not self.match_pil:
            return images
        rounded = ops.floor(ops.clip(images, 0.0, 255.0) + 0.5)
        # The rounded values, with the gradient of the identity (straight through): x + (r - x) is r
        # exactly, since r - x is exact for |r - x| <= 0.5.
        return images + ops.stop_gradient(rounded - images)

    def _passes(self, images, passes, skip_unchanged):
        for axis, new_size, old_size in passes:
            if not (skip_unchanged and new_size == old_size):
                images = self._to_8bit(self._resample(images, axis, new_size, old_size))
        return images

    def call(self, inputs):
        images = ops.cast(inputs, self.compute_dtype)
        h_axis, w_axis = _spatial_axes(self.data_format)
        shape = ops.shape(images)
        height, width = shape[h_axis], shape[w_axis]
        out_h, out_w = self.output_size(height, width)
        width_first = ((w_axis, out_w, width), (h_axis, out_h, height))
        height_first = width_first[::-1]
        if _is_static(height, width):
            # PIL skips a pass whose size does not change (torchvision returns the image unresized).
            order = height_first if pil_resamples_height_first(height, width, out_h, out_w) else width_first
            return self._passes(images, order, skip_unchanged=True)
        # Sizes known at run time: both passes (one to the same size is the identity), in PIL's order.
        if not self.match_pil:
            return self._passes(images, width_first, skip_unchanged=False)
        return ops.cond(
            pil_resamples_height_first(height, width, out_h, out_w),
            lambda: self._passes(images, height_first, skip_unchanged=False),
            lambda: self._passes(images, width_first, skip_unchanged=False),
        )

    def compute_output_shape(self, input_shape):
        h_axis, w_axis = _spatial_axes(self.data_format)
        shape = list(input_shape)
        if shape[h_axis] is None or shape[w_axis] is None:
            shape[h_axis], shape[w_axis] = self._unknown_input_size()
        else:
            shape[h_axis], shape[w_axis] = self.output_size(shape[h_axis], shape[w_axis])
        return tuple(shape)

    def _unknown_input_size(self):
        return None, None

    def get_config(self):
        config = super().get_config()
        config.update(
            interpolation=self.interpolation,
            antialias=self.antialias,
            match_pil=self.match_pil,
            data_format=self.data_format,
        )
        return config


@serializable
class Resize(_ResizeBase):
    """torchvision's `transforms.Resize` on a batch of images: an int `size` sets the shorter edge to
    `size` and the longer to `int(size * long / short)`; `(height, width)` sets both. Not
    `keras.layers.Resizing`, which has no shorter-edge mode.

    Takes images in [0, 255] (any dtype) of any size, one size per batch (on TensorFlow also sizes
    known only at run time); returns the compute dtype. The resampling is PIL's (see the module's
    docstring).

    Args:
        size: the shorter edge, or `(height, width)`.
        interpolation: timm's name: "bilinear", "bicubic", "lanczos", "box", "hamming", "nearest"
            ("box", "hamming", "nearest": static sizes only), "random" (read as "bilinear").
        antialias: widen the filter when downscaling, as PIL always does.
        match_pil: round each pass to 8 bits as PIL does (clipped to [0, 255], half up), which keeps
            the result within an 8-bit step of PIL's; the rounding passes the gradient straight
            through. False: float passes, neither clipped nor rounded.
        data_format: "channels_last" (default) or "channels_first".

    Example:
        >>> Resize(256)(np.zeros((1, 300, 451, 3), "uint8")).shape
        (1, 256, 384, 3)

    Reference: torchvision/transforms/functional.py `resize`, `_compute_resized_output_size`.
    """

    def __init__(self, size: int | Sequence[int], interpolation: str = "bilinear", antialias: bool = True,
                 match_pil: bool = True, data_format: str | None = None, **kwargs):
        super().__init__(interpolation, antialias, match_pil, data_format, **kwargs)
        self._geometry = pil_transforms.Resize(size)
        self.size = self._geometry.size

    def output_size(self, height, width):
        if _is_static(height, width):
            return self._geometry.output_size(int(height), int(width))
        if not isinstance(self.size, (int, np.integer)):
            return self.size
        # Integer floor division equals torchvision's int(size * long / short): the quotient is
        # either exact or at least 1 / short away from an integer.
        short, long = ops.minimum(height, width), ops.maximum(height, width)
        new_long = (self.size * long) // short
        return ops.where(width <= height, new_long, self.size), ops.where(width <= height, self.size, new_long)

    def _unknown_input_size(self):
        return (None, None) if isinstance(self.size, (int, np.integer)) else self.size

    def get_config(self):
        config = super().get_config()
        config["size"] = self.size if isinstance(self.size, (int, np.integer)) else list(self.size)
        return config


@serializable
class ResizeKeepRatio(_ResizeBase):
    """timm's `ResizeKeepRatio` at evaluation on a batch of images: both edges scaled by one ratio, so
    that the shorter edge fits its target (`longest=0`), the longer (`longest=1`) or in between; the
    sizes are `round(edge / ratio)`.

    Args:
        size: the target `(height, width)` (an int for a square).
        longest: 0 fits the image's shorter side, 1 its longer side.
        interpolation, antialias, match_pil, data_format: as `Resize`.

    Reference: timm/data/transforms.py `ResizeKeepRatio`.
    """

    def __init__(self, size: int | Sequence[int], longest: float = 0.0, interpolation: str = "bilinear",
                 antialias: bool = True, match_pil: bool = True, data_format: str | None = None, **kwargs):
        super().__init__(interpolation, antialias, match_pil, data_format, **kwargs)
        self._geometry = pil_transforms.ResizeKeepRatio(size, longest=longest)
        self.size = self._geometry.size
        self.longest = self._geometry.longest

    def output_size(self, height, width):
        if _is_static(height, width):
            return self._geometry.output_size(int(height), int(width))
        # timm's float arithmetic in float64, in the same order; round() is half to even in both.
        h, w = ops.cast(height, "float64"), ops.cast(width, "float64")
        ratio_h, ratio_w = h / float(self.size[0]), w / float(self.size[1])
        ratio = ops.maximum(ratio_h, ratio_w) * self.longest + ops.minimum(ratio_h, ratio_w) * (1.0 - self.longest)
        return ops.cast(ops.round(h * 1.0 / ratio), "int32"), ops.cast(ops.round(w * 1.0 / ratio), "int32")

    def get_config(self):
        config = super().get_config()
        config.update(size=list(self.size), longest=self.longest)
        return config


@serializable
class CenterCropOrPad(keras.layers.Layer):
    """Centre crop of a batch of images to `size`, first padding any edge shorter than the crop with
    `fill_value` (the left and top pads the smaller halves): timm's `CenterCropOrPad`, torchvision's
    `CenterCrop` with a zero fill. The offset is torchvision's `int(round((edge - crop) / 2))`, half
    to even, where `keras.layers.CenterCrop` takes the floor and resizes small images instead.

    Args:
        size: the crop's `(height, width)` (an int for a square).
        fill_value: the pad value, one number or one per channel.
        data_format: "channels_last" (default) or "channels_first".

    Reference: timm/data/transforms.py `center_crop_or_pad`; torchvision `F.center_crop`.
    """

    def __init__(self, size: int | Sequence[int], fill_value: float | Sequence[float] = 0.0,
                 data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.size = pil_transforms._pair(size)
        self.fill_value = tuple(float(v) for v in fill_value) if isinstance(fill_value, Sequence) else float(fill_value)
        # Plain floats (torch.compile traces neither a list Keras tracks nor a numpy array's dtype).
        self._fill = self.fill_value if isinstance(self.fill_value, tuple) else (self.fill_value,)
        self.data_format = standardize_data_format(data_format)
        self.input_spec = keras.layers.InputSpec(ndim=4)
        self.built = True

    def _pad(self, images, axis, before, after):
        if _is_static(before, after) and before == after == 0:
            return images
        fill = ops.convert_to_tensor(self._fill, dtype=images.dtype)
        if self.data_format == "channels_first":
            fill = ops.reshape(fill, (-1, 1, 1))
        shape = list(ops.shape(images))
        shape[axis] = before
        block_before = ops.broadcast_to(fill, shape)
        shape[axis] = after
        block_after = ops.broadcast_to(fill, shape)
        return ops.concatenate([block_before, images, block_after], axis=axis)

    def call(self, inputs):
        images = inputs
        h_axis, w_axis = _spatial_axes(self.data_format)
        for axis, crop in ((h_axis, self.size[0]), (w_axis, self.size[1])):
            edge = ops.shape(images)[axis]
            missing = max(crop - edge, 0) if _is_static(edge) else ops.maximum(crop - edge, 0)
            images = self._pad(images, axis, missing // 2, (missing + 1) // 2)
        shape = ops.shape(images)
        top = _round_half_even_half(shape[h_axis] - self.size[0])
        left = _round_half_even_half(shape[w_axis] - self.size[1])
        if self.data_format == "channels_last":
            return images[:, top:top + self.size[0], left:left + self.size[1], :]
        return images[:, :, top:top + self.size[0], left:left + self.size[1]]

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        h_axis, w_axis = _spatial_axes(self.data_format)
        shape[h_axis], shape[w_axis] = self.size
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        fill_value = list(self.fill_value) if isinstance(self.fill_value, tuple) else self.fill_value
        config.update(size=list(self.size), fill_value=fill_value, data_format=self.data_format)
        return config


def create_preprocessing(
    input_size: int | Sequence[int] = 224,
    interpolation: str = "bilinear",
    mean: Sequence[float] = IMAGENET_DEFAULT_MEAN,
    std: Sequence[float] = IMAGENET_DEFAULT_STD,
    crop_pct: float | None = None,
    crop_mode: str | None = None,
    *,
    antialias: bool = True,
    match_pil: bool = True,
    data_format: str | None = None,
    name: str = "preprocessing",
) -> keras.Sequential:
    """timm's evaluation preprocessing as a `keras.Sequential`: `create_preprocessing(**config)` with a
    config from `resolve_data_config`. Takes a batch of same-size images with values in [0, 255]
    (uint8 or float, any size) and returns the normalized float32 crops of `input_size`.

    The steps and their sizes are `create_transform`'s (see `eval_resize_crop`): the resize of the
    crop mode (`Resize` or `ResizeKeepRatio`), `CenterCropOrPad` (padding with the mean colour in
    "border" mode), `Rescaling(1 / 255)`, `Normalization(mean, std ** 2)`. Against timm's PIL pipeline
    the result differs by one 8-bit step at a few values (0.0175 after normalization by std 0.224;
    rarely two steps for bilinear), measured on TensorFlow, JAX and PyTorch: see the module's
    docstring. The layers compute in float32 whatever the global dtype policy, as timm does.

    Args:
        input_size: `(channels, height, width)`, `(height, width)` or an int.
        interpolation: "bilinear", "bicubic", "lanczos", "box", "hamming", "nearest" (the last three:
            static sizes) or "random" (bilinear).
        mean, std: the normalization, one value per channel.
        crop_pct: output size / resize size; None means 0.875.
        crop_mode: "center" (None), "squash" or "border".
        antialias, match_pil: as `Resize`.
        data_format: "channels_last" (default) or "channels_first", of the input and the output.
        name: the Sequential's name.

    Example:
        >>> config = resolve_data_config("convnextv2_tiny.fcmae_ft_in22k_in1k")
        >>> preprocess = create_preprocessing(**config)
        >>> preprocess(np.zeros((2, 300, 451, 3), "uint8")).shape
        (2, 224, 224, 3)

    Reference: timm/data/transforms_factory.py `transforms_imagenet_eval`.
    """
    img_size = tuple(input_size[-2:]) if isinstance(input_size, Sequence) else input_size
    geometry = eval_resize_crop(img_size, crop_pct, crop_mode, mean)
    # float32 whatever the global policy: timm preprocesses in float32, and 8-bit rounding needs it.
    common = dict(dtype="float32")
    resize_args = dict(interpolation=interpolation, antialias=antialias, match_pil=match_pil, data_format=data_format,
                       name="resize", **common)
    if geometry.resize == "shortest":
        resize = Resize(geometry.resize_size[0], **resize_args)
    elif geometry.resize == "exact":
        resize = Resize(geometry.resize_size, **resize_args)
    else:
        resize = ResizeKeepRatio(geometry.resize_size, longest=geometry.longest, **resize_args)
    data_format = standardize_data_format(data_format)
    channel_axis = -1 if data_format == "channels_last" else 1
    std = np.asarray(std, dtype="float32")
    channels = len(mean)
    model = keras.Sequential(
        [
            resize,
            CenterCropOrPad(geometry.crop_size, fill_value=geometry.fill, data_format=data_format, name="center_crop",
                            **common),
            keras.layers.Rescaling(1.0 / 255.0, name="rescale", **common),
            keras.layers.Normalization(axis=channel_axis, mean=list(mean), variance=(std * std).tolist(),
                                       name="normalize", **common),
        ],
        name=name,
    )
    # Built now, for images of any size: built at a first call inside a traced function (TensorFlow's
    # predict), Normalization would keep tensors of that graph and fail at the next trace.
    model.build((None, None, None, channels) if data_format == "channels_last" else (None, channels, None, None))
    return model
