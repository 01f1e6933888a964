"""Windows of an NHWC map as token sequences and back: timm's `window_partition`/`window_reverse`
(Swin, MaxViT's block attention) and `grid_partition`/`grid_reverse` (MaxViT's grid attention).

timm keeps a copy in each model file (timm/models/swin_transformer.py, timm/models/maxxvit.py); the
families here share this one.
"""

from __future__ import annotations

from keras import ops


def partition(x, partition_type: str, size: tuple[int, int]):
    """timm's `window_partition` ("block": contiguous `size` windows) or `grid_partition` ("grid": a
    `size` grid of pixels strided over the map) of an NHWC `x`, as `(B * windows, Wh * Ww, C)` tokens."""
    _, h, w, c = x.shape
    ph, pw = size
    if partition_type == "block":
        x = ops.reshape(x, (-1, h // ph, ph, w // pw, pw, c))
        x = ops.transpose(x, (0, 1, 3, 2, 4, 5))
    else:
        x = ops.reshape(x, (-1, ph, h // ph, pw, w // pw, c))
        x = ops.transpose(x, (0, 2, 4, 1, 3, 5))
    return ops.reshape(x, (-1, ph * pw, c))


def partition_reverse(windows, partition_type: str, size: tuple[int, int], img_size: tuple[int, int]):
    """timm's `window_reverse` / `grid_reverse`: `partition`'s tokens back to the NHWC map."""
    h, w = img_size
    ph, pw = size
    c = windows.shape[-1]
    x = ops.reshape(windows, (-1, h // ph, w // pw, ph, pw, c))
    x = ops.transpose(x, (0, 1, 3, 2, 4, 5) if partition_type == "block" else (0, 3, 1, 4, 2, 5))
    return ops.reshape(x, (-1, h, w, c))
