"""The padding arithmetic of timm's convolutions: symmetric (PyTorch) and TensorFlow's SAME.

Reference: timm/layers/padding.py (`get_padding`, `get_same_padding`, `pad_same`)
"""

from __future__ import annotations


def get_padding(kernel_size: int, stride: int = 1, dilation: int = 1) -> int:
    """timm's `get_padding`: the symmetric padding its convs use when `padding=None`."""
    return ((stride - 1) + dilation * (kernel_size - 1)) // 2


def conv_output_length(length, kernel_size: int, stride: int, dilation: int, padding) -> int | None:
    """Output length of one spatial axis; `padding` is `"same"` or a symmetric pixel count."""
    if length is None:
        return None
    if padding == "same":
        return -(-length // stride)
    effective_kernel = dilation * (kernel_size - 1) + 1
    return (length + 2 * padding - effective_kernel) // stride + 1


def same_padding(size: int, kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    """TensorFlow's "SAME" padding of one axis (timm's `pad_same`): `(before, after)`, the odd pixel
    at the end."""
    total = max((-(-size // stride) - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2
