"""timm's evaluation preprocessing, built from a data config: `create_transform(**config)`.

Only the evaluation (inference) pipeline is ported: resize, crop, scale to [0, 1], normalize. It takes
a PIL image and returns a float32 (height, width, channels) numpy array equal to timm's tensor,
channels last: `create_transform(**config)(img) == timm_transform(img).permute(1, 2, 0).numpy()`.
`luximm_keras.data.create_preprocessing(**config)` is the same pipeline as Keras layers.

Reference: timm/data/transforms_factory.py (`transforms_imagenet_eval`, `create_transform`)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from luximm_keras.data.config import DEFAULT_CROP_PCT
from luximm_keras.data.constants import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD
from luximm_keras.data.transforms import (
    CenterCrop,
    CenterCropOrPad,
    Compose,
    Normalize,
    Resize,
    ResizeKeepRatio,
    ToFloatArray,
    ToRGB,
    ToUint8Array,
    TrimBorder,
    _pair,
    str_to_pil_interp,
)

CROP_MODES = ("center", "squash", "border")

# timm's create_transform arguments that only its training pipelines read: ignored here, as timm
# ignores them when `is_training=False`.
_TRAINING_ARGUMENTS = frozenset({
    "no_aug", "train_crop_mode", "scale", "ratio", "hflip", "vflip", "color_jitter", "color_jitter_prob",
    "grayscale_prob", "gaussian_blur_prob", "auto_augment", "re_prob", "re_mode", "re_count", "re_num_splits",
    "patch_size", "max_seq_len", "patchify_channels_last", "patchify_flatten",
})
# timm's create_transform arguments that change the evaluation output in ways not ported: refused
# when set, so that a config asking for them never silently gets the plain pipeline.
_UNSUPPORTED_ARGUMENTS = ("tf_preprocessing", "use_prefetcher", "separate", "naflex", "patchify")


@dataclass(frozen=True)
class EvalResizeCrop:
    """The geometry of timm's evaluation transform, shared by the PIL and the Keras pipelines.

    Attributes:
        resize: "shortest" (torchvision `Resize(int)`: the shorter edge to `resize_size[0]`), "exact"
            (`Resize((h, w))`) or "keep_ratio" (timm's `ResizeKeepRatio(resize_size, longest)`).
        resize_size: `(height, width)`; for "shortest" both are the shorter edge's size.
        longest: `ResizeKeepRatio`'s `longest` (0: fit the shorter side, 1: the longer side).
        crop_size: the output `(height, width)`.
        fill: the pad value per channel where the resized image is smaller than the crop.
    """

    resize: str
    resize_size: tuple[int, int]
    longest: float
    crop_size: tuple[int, int]
    fill: tuple[int, ...] | int


def eval_resize_crop(
    img_size: int | Sequence[int],
    crop_pct: float | None = None,
    crop_mode: str | None = None,
    mean: Sequence[float] = IMAGENET_DEFAULT_MEAN,
) -> EvalResizeCrop:
    """What timm's `transforms_imagenet_eval` resizes to and crops, for `img_size` (an int or
    `(height, width)`): the resize is `floor(edge / crop_pct)` per edge (`crop_pct` defaults to
    0.875), then

    - `"center"` (the default): the shorter side to it (torchvision's `Resize(int)` for a square
      target, timm's `ResizeKeepRatio` otherwise), then a centre crop;
    - `"squash"`: both sides to it (the aspect ratio changes), then a centre crop;
    - `"border"`: the longer side to it (`ResizeKeepRatio(longest=1)`), then a centre crop that pads
      with the mean colour (`round(255 * mean)`).
    """
    crop_size = _pair(img_size, "img_size")
    crop_pct = crop_pct or DEFAULT_CROP_PCT
    if not crop_pct > 0:
        raise ValueError(f"`crop_pct` must be positive, got {crop_pct!r}.")
    crop_mode = crop_mode or "center"
    if crop_mode not in CROP_MODES:
        raise ValueError(f"Unknown crop_mode {crop_mode!r}; timm's are {', '.join(CROP_MODES)}.")
    scale_size = tuple(math.floor(x / crop_pct) for x in crop_size)
    if min(scale_size) < 1:
        raise ValueError(f"img_size {img_size!r} with crop_pct {crop_pct} resizes to {scale_size}.")
    if crop_mode == "squash":
        return EvalResizeCrop("exact", scale_size, 0.0, crop_size, 0)
    if crop_mode == "border":
        return EvalResizeCrop("keep_ratio", scale_size, 1.0, crop_size, tuple(round(255 * v) for v in mean))
    if scale_size[0] == scale_size[1]:
        return EvalResizeCrop("shortest", scale_size, 0.0, crop_size, 0)
    return EvalResizeCrop("keep_ratio", scale_size, 0.0, crop_size, 0)


def transforms_imagenet_eval(
    img_size: int | Sequence[int] = 224,
    crop_pct: float | None = None,
    crop_mode: str | None = None,
    crop_border_pixels: int | None = None,
    interpolation: str = "bilinear",
    mean: Sequence[float] = IMAGENET_DEFAULT_MEAN,
    std: Sequence[float] = IMAGENET_DEFAULT_STD,
    normalize: bool = True,
) -> Compose:
    """timm's evaluation transform on PIL images: convert to RGB, optionally trim a border, resize,
    centre-crop (see `eval_resize_crop` for the crop modes), scale to [0, 1] and normalize.

    Args:
        img_size: the output size, an int or `(height, width)`.
        crop_pct: output size / resize size; None means 0.875.
        crop_mode: "center" (None), "squash" or "border".
        crop_border_pixels: pixels trimmed off every edge first (timm's `TrimBorder`).
        interpolation: "bilinear", "bicubic", "nearest", "box", "hamming", "lanczos" (PIL's filters,
            as torchvision uses them); "random" is read as "bilinear".
        mean, std: the normalization, one value per channel.
        normalize: False returns the cropped uint8 array, unscaled (timm's `MaybePILToTensor`).

    Returns:
        A callable: PIL image (any mode; converted to RGB as timm's dataset loader does) or uint8 array
        -> float32 array (height, width, 3), equal to timm's tensor with channels last.

    Reference: timm/data/transforms_factory.py `transforms_imagenet_eval`.
    """
    str_to_pil_interp(interpolation)  # an unknown name fails here, not at the first image
    geometry = eval_resize_crop(img_size, crop_pct, crop_mode, mean)
    steps: list = [ToRGB()]
    if crop_border_pixels:
        steps.append(TrimBorder(crop_border_pixels))
    if geometry.resize == "shortest":
        steps.append(Resize(geometry.resize_size[0], interpolation=interpolation))
    elif geometry.resize == "exact":
        steps.append(Resize(geometry.resize_size, interpolation=interpolation))
    else:
        steps.append(ResizeKeepRatio(geometry.resize_size, longest=geometry.longest, interpolation=interpolation))
    if geometry.fill == 0:
        steps.append(CenterCrop(geometry.crop_size))
    else:
        steps.append(CenterCropOrPad(geometry.crop_size, fill=geometry.fill))
    if normalize:
        steps += [ToFloatArray(), Normalize(mean, std)]
    else:
        steps.append(ToUint8Array())
    return Compose(steps)


def create_transform(
    input_size: int | Sequence[int] = 224,
    is_training: bool = False,
    interpolation: str = "bilinear",
    mean: Sequence[float] = IMAGENET_DEFAULT_MEAN,
    std: Sequence[float] = IMAGENET_DEFAULT_STD,
    crop_pct: float | None = None,
    crop_mode: str | None = None,
    crop_border_pixels: int | None = None,
    normalize: bool = True,
    **kwargs,
) -> Compose:
    """timm's `create_transform` for evaluation: `create_transform(**resolve_data_config(name))`.

    Args:
        input_size: `(channels, height, width)`, `(height, width)` or an int.
        is_training: must be False; the training augmentations are not ported.
        interpolation, mean, std, crop_pct, crop_mode, crop_border_pixels, normalize: as
            `transforms_imagenet_eval`.
        **kwargs: timm's training-only arguments (`hflip`, `color_jitter`, `re_prob`, ...), ignored as
            timm ignores them at evaluation; `use_prefetcher`, `tf_preprocessing`, `separate`, `naflex`
            and `patchify` are not ported and must be false.

    Returns:
        PIL image -> float32 (height, width, 3) array, equal to timm's `create_transform(...)(img)`
        with channels last (within 1e-6: the same PIL resampling, the same float32 arithmetic).

    Example:
        >>> config = resolve_data_config("vit_base_patch16_224.augreg_in1k")
        >>> transform = create_transform(**config)
        >>> transform(PIL.Image.open("cat.jpg")).shape
        (224, 224, 3)

    Reference: timm/data/transforms_factory.py `create_transform`.
    """
    if is_training:
        raise NotImplementedError("Only timm's evaluation transform is ported (is_training=False).")
    unknown = sorted(set(kwargs) - _TRAINING_ARGUMENTS - set(_UNSUPPORTED_ARGUMENTS))
    if unknown:
        raise TypeError(f"create_transform() got unexpected keyword arguments {unknown}.")
    refused = [name for name in _UNSUPPORTED_ARGUMENTS if kwargs.get(name)]
    if refused:
        raise NotImplementedError(f"create_transform does not port {', '.join(refused)}.")
    img_size = tuple(input_size[-2:]) if isinstance(input_size, Sequence) else input_size
    return transforms_imagenet_eval(
        img_size,
        crop_pct=crop_pct,
        crop_mode=crop_mode,
        crop_border_pixels=crop_border_pixels,
        interpolation=interpolation,
        mean=mean,
        std=std,
        normalize=normalize,
    )
