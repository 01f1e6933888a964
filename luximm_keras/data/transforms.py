"""timm's evaluation transforms on PIL images, with PIL and numpy only (no torch, no torchvision).

Each transform takes and returns a `PIL.Image.Image` (the last two return numpy arrays) and does what
the timm or torchvision transform of the same name does to a PIL image, with the same rounding:
torchvision's shortest-edge size `int(size * long / short)`, its centre-crop offset
`int(round((height - crop) / 2))` (Python's round, half to even) and zero padding of images smaller
than the crop, timm's `ResizeKeepRatio` sizes `round(edge / ratio)`. Resampling is PIL's own
`Image.resize`, which is what torchvision calls for a PIL image, so the pixels are the same.

Reference: timm/data/transforms.py (`str_to_pil_interp`, `ResizeKeepRatio`, `CenterCropOrPad`,
`TrimBorder`, `MaybeToTensor`), torchvision/transforms/functional.py (`resize`, `center_crop`,
`to_tensor`, `normalize`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from PIL import Image, ImageOps

__all__ = [
    "CenterCrop",
    "CenterCropOrPad",
    "Compose",
    "Normalize",
    "Resize",
    "ResizeKeepRatio",
    "ToFloatArray",
    "ToRGB",
    "ToUint8Array",
    "TrimBorder",
    "center_crop_or_pad",
    "str_to_pil_interp",
]

_STR_TO_PIL_INTERPOLATION = {
    "nearest": Image.Resampling.NEAREST,
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
    "box": Image.Resampling.BOX,
    "hamming": Image.Resampling.HAMMING,
    "lanczos": Image.Resampling.LANCZOS,
}
# timm's "random" (bilinear or bicubic, drawn per image) belongs to training; for a pipeline without
# augmentation timm's create_transform replaces it by "bilinear", and so do these eval transforms.
_EVAL_INTERPOLATION = {"random": "bilinear"}


def str_to_pil_interp(mode_str: str) -> Image.Resampling:
    """PIL's resampling filter for one of timm's interpolation names (`"bilinear"`, `"bicubic"`,
    `"nearest"`, `"box"`, `"hamming"`, `"lanczos"`; `"random"` is read as `"bilinear"`).

    Reference: timm/data/transforms.py `str_to_pil_interp`.
    """
    name = _EVAL_INTERPOLATION.get(mode_str, mode_str)
    if name not in _STR_TO_PIL_INTERPOLATION:
        raise ValueError(
            f"Unknown interpolation {mode_str!r}; timm's names are {', '.join(_STR_TO_PIL_INTERPOLATION)} "
            "and 'random'."
        )
    return _STR_TO_PIL_INTERPOLATION[name]


def _pair(size: int | Sequence[int], name: str = "size") -> tuple[int, int]:
    """torchvision's `_setup_size`: an int or a one- or two-element sequence -> `(height, width)`."""
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) in (1, 2) and all(isinstance(s, (int, np.integer)) for s in size):
        return (int(size[0]), int(size[0])) if len(size) == 1 else (int(size[0]), int(size[1]))
    raise ValueError(f"`{name}` must be an int or a (height, width) pair of ints, got {size!r}.")


def _check_image(img) -> Image.Image:
    if not isinstance(img, Image.Image):
        raise TypeError(f"Expected a PIL image, got {type(img).__name__}.")
    return img


def _resize(img: Image.Image, size: tuple[int, int], interpolation: Image.Resampling) -> Image.Image:
    """torchvision's `F.resize` of a PIL image to an exact `(height, width)`: PIL's `Image.resize`,
    skipped when the size is already right."""
    height, width = size
    if (img.height, img.width) == (height, width):
        return img
    if height < 1 or width < 1:
        raise ValueError(f"Cannot resize a {img.height}x{img.width} image to {height}x{width}.")
    return img.resize((width, height), interpolation)


class Compose:
    """Applies transforms in order (torchvision's `transforms.Compose`)."""

    def __init__(self, transforms: Sequence[Callable]):
        self.transforms = list(transforms)

    def __call__(self, img):
        for transform in self.transforms:
            img = transform(img)
        return img

    def __repr__(self) -> str:
        lines = "".join(f"\n    {t!r}" for t in self.transforms)
        return f"{self.__class__.__name__}({lines}\n)"


class ToRGB:
    """Converts any PIL image (`"L"`, `"RGBA"`, `"P"`, `"CMYK"`, ...) to `"RGB"`, as timm's dataset
    loader does before its transforms (`img.convert("RGB")`); a numpy `uint8` array (height, width)
    or (height, width, 3) is read as an image first. Reference: timm/data/dataset.py `ImageDataset`.
    """

    def __call__(self, img) -> Image.Image:
        if isinstance(img, np.ndarray):
            if img.dtype != np.uint8 or img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[-1] not in (1, 3, 4)):
                raise ValueError(
                    "An image array must be uint8 with shape (height, width) or (height, width, 1|3|4), "
                    f"got {img.dtype} {img.shape}."
                )
            img = Image.fromarray(img[..., 0] if img.ndim == 3 and img.shape[-1] == 1 else img)
        img = _check_image(img)
        return img if img.mode == "RGB" else img.convert("RGB")

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"


class Resize:
    """torchvision's `transforms.Resize` for PIL images: an int `size` sets the shorter edge (the
    longer one becomes `int(size * long / short)`), a `(height, width)` pair sets both.

    Args:
        size: the shorter edge, or `(height, width)`.
        interpolation: one of timm's interpolation names.

    Reference: torchvision/transforms/functional.py `resize`, `_compute_resized_output_size`.
    """

    def __init__(self, size: int | Sequence[int], interpolation: str = "bilinear"):
        if isinstance(size, Sequence) and len(size) == 1:
            size = size[0]
        self.size = size if isinstance(size, (int, np.integer)) else _pair(size)
        if isinstance(self.size, (int, np.integer)) and self.size < 1:
            raise ValueError(f"`size` must be positive, got {size!r}.")
        self.interpolation = interpolation
        self._filter = str_to_pil_interp(interpolation)

    def output_size(self, height: int, width: int) -> tuple[int, int]:
        """The `(height, width)` an image of this size is resized to."""
        if not isinstance(self.size, (int, np.integer)):
            return self.size
        short, long = (width, height) if width <= height else (height, width)
        new_short, new_long = int(self.size), int(self.size * long / short)
        return (new_long, new_short) if width <= height else (new_short, new_long)

    def __call__(self, img: Image.Image) -> Image.Image:
        img = _check_image(img)
        return _resize(img, self.output_size(img.height, img.width), self._filter)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(size={self.size}, interpolation={self.interpolation})"


class ResizeKeepRatio:
    """timm's `ResizeKeepRatio` at evaluation (no random scale or aspect): both edges scaled by one
    ratio, chosen so that the shorter edge fits its target (`longest=0`), the longer one
    (`longest=1`), or in between; sizes `round(edge / ratio)`.

    Args:
        size: the target `(height, width)` (an int for a square).
        longest: 0 fits the image's shorter side to the target, 1 its longer side.
        interpolation: one of timm's interpolation names.

    Reference: timm/data/transforms.py `ResizeKeepRatio`.
    """

    def __init__(self, size: int | Sequence[int], longest: float = 0.0, interpolation: str = "bilinear"):
        self.size = _pair(size)
        self.longest = float(longest)
        self.interpolation = interpolation
        self._filter = str_to_pil_interp(interpolation)

    def output_size(self, height: int, width: int) -> tuple[int, int]:
        """The `(height, width)` an image of this size is resized to."""
        target_h, target_w = self.size
        ratio_h, ratio_w = height / target_h, width / target_w
        ratio = max(ratio_h, ratio_w) * self.longest + min(ratio_h, ratio_w) * (1.0 - self.longest)
        # timm multiplies by a random factor (1.0 at evaluation) before dividing; kept for equal floats.
        return round(height * 1.0 / ratio), round(width * 1.0 / ratio)

    def __call__(self, img: Image.Image) -> Image.Image:
        img = _check_image(img)
        return _resize(img, self.output_size(img.height, img.width), self._filter)

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(size={self.size}, interpolation={self.interpolation}, "
            f"longest={self.longest:.3f})"
        )


def center_crop_or_pad(
    img: Image.Image, output_size: int | Sequence[int], fill: int | Sequence[int] = 0
) -> Image.Image:
    """Centre-crops `img` to `output_size`, first padding any edge shorter than the crop with `fill`
    (the left and top pads are the smaller halves), as torchvision's `center_crop` (fill 0) and timm's
    `center_crop_or_pad` do.

    Reference: timm/data/transforms.py `center_crop_or_pad`; torchvision `F.center_crop`.
    """
    img = _check_image(img)
    crop_height, crop_width = _pair(output_size, "output_size")
    image_height, image_width = img.height, img.width
    if crop_width > image_width or crop_height > image_height:
        left = (crop_width - image_width) // 2 if crop_width > image_width else 0
        top = (crop_height - image_height) // 2 if crop_height > image_height else 0
        right = (crop_width - image_width + 1) // 2 if crop_width > image_width else 0
        bottom = (crop_height - image_height + 1) // 2 if crop_height > image_height else 0
        img = ImageOps.expand(img, border=(left, top, right, bottom), fill=_pil_fill(fill, img))
        image_height, image_width = img.height, img.width
        if (crop_height, crop_width) == (image_height, image_width):
            return img
    # torchvision's int(round(...)): Python's round, half to even.
    crop_top = round((image_height - crop_height) / 2.0)
    crop_left = round((image_width - crop_width) / 2.0)
    return img.crop((crop_left, crop_top, crop_left + crop_width, crop_top + crop_height))


def _pil_fill(fill, img: Image.Image):
    """torchvision's `_parse_fill` for a constant pad: one int per band."""
    bands = len(img.getbands())
    if isinstance(fill, (int, float, np.integer, np.floating)):
        fill = (fill,) * bands
    fill = tuple(int(v) for v in fill)
    if len(fill) != bands:
        raise ValueError(f"`fill` has {len(fill)} values for an image with {bands} bands.")
    return fill[0] if bands == 1 else fill


class CenterCropOrPad:
    """Centre crop to `size`, padding with `fill` where the image is smaller (timm's
    `CenterCropOrPad`; with `fill=0` it is torchvision's `transforms.CenterCrop`).

    Args:
        size: the crop's `(height, width)` (an int for a square).
        fill: the pad value, one int or one per channel.

    Reference: timm/data/transforms.py `CenterCropOrPad`.
    """

    def __init__(self, size: int | Sequence[int], fill: int | Sequence[int] = 0):
        self.size = _pair(size)
        self.fill = fill

    def __call__(self, img: Image.Image) -> Image.Image:
        return center_crop_or_pad(img, self.size, fill=self.fill)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(size={self.size})"


class CenterCrop(CenterCropOrPad):
    """torchvision's `transforms.CenterCrop` for PIL images: `CenterCropOrPad` with a zero fill."""

    def __init__(self, size: int | Sequence[int]):
        super().__init__(size, fill=0)


class TrimBorder:
    """Cuts `border_size` pixels off every edge (timm's `TrimBorder`, with its clamping).

    Reference: timm/data/transforms.py `TrimBorder`.
    """

    def __init__(self, border_size: int):
        self.border_size = int(border_size)

    def __call__(self, img: Image.Image) -> Image.Image:
        img = _check_image(img)
        w, h = img.size
        # timm clamps both offsets by the height; kept, so that wide images trim as timm's do.
        top = min(self.border_size, h)
        left = min(self.border_size, h)
        height = max(0, h - 2 * self.border_size)
        width = max(0, w - 2 * self.border_size)
        return img.crop((left, top, left + width, top + height))

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(border_size={self.border_size})"


class ToFloatArray:
    """A PIL image -> a float32 (height, width, channels) array in [0, 1]: torchvision's `to_tensor`
    (uint8 divided by 255 in float32), channels last. Reference: timm `MaybeToTensor`."""

    def __call__(self, img: Image.Image) -> np.ndarray:
        return _to_uint8_hwc(img).astype(np.float32) / np.float32(255)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"


class ToUint8Array:
    """A PIL image -> its uint8 (height, width, channels) array, unscaled (timm's `MaybePILToTensor`,
    channels last)."""

    def __call__(self, img: Image.Image) -> np.ndarray:
        return _to_uint8_hwc(img)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"


def _to_uint8_hwc(img: Image.Image) -> np.ndarray:
    img = _check_image(img)
    array = np.array(img, dtype=np.uint8, copy=True)
    return array[..., None] if array.ndim == 2 else array


class Normalize:
    """`(x - mean) / std` per channel, in float32 (torchvision's `transforms.Normalize`, channels last).

    Args:
        mean: one value per channel.
        std: one value per channel, none zero.
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float]):
        self.mean = np.asarray(mean, dtype=np.float32)
        self.std = np.asarray(std, dtype=np.float32)
        if self.mean.ndim != 1 or self.mean.shape != self.std.shape:
            raise ValueError(f"`mean` and `std` must be sequences of one value per channel, got {mean!r}, {std!r}.")
        if np.any(self.std == 0):
            raise ValueError(f"`std` has a zero: {std!r}.")

    def __call__(self, array: np.ndarray) -> np.ndarray:
        return ((array - self.mean) / self.std).astype(np.float32, copy=False)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(mean={self.mean.tolist()}, std={self.std.tolist()})"

