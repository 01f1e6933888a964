"""Pure numpy functions between timm's (PyTorch) tensor layouts and Keras' variable layouts.

Each is named after the layouts it converts, refuses an array of the wrong rank with a ValueError
(the loader reports that as a shape mismatch), and has an inverse in `INVERSES` for the way back.
"""

from __future__ import annotations

import math

import numpy as np


def _expect_ndim(array: np.ndarray, ndim: int, layout: str) -> np.ndarray:
    array = np.asarray(array)
    if array.ndim != ndim:
        raise ValueError(f"expected a {ndim}-d {layout} array, got shape {array.shape}.")
    return array


def identity(array: np.ndarray) -> np.ndarray:
    """Vectors and tables whose layout is the same in both frameworks (norm scales, biases)."""
    return np.asarray(array)


def oihw_to_hwio(array: np.ndarray) -> np.ndarray:
    """PyTorch conv weight `(out, in, kh, kw)` -> Keras conv kernel `(kh, kw, in, out)`."""
    return _expect_ndim(array, 4, "OIHW").transpose(2, 3, 1, 0)


def hwio_to_oihw(array: np.ndarray) -> np.ndarray:
    """Keras conv kernel `(kh, kw, in, out)` -> PyTorch conv weight `(out, in, kh, kw)`."""
    return _expect_ndim(array, 4, "HWIO").transpose(3, 2, 0, 1)


def oik_to_kio(array: np.ndarray) -> np.ndarray:
    """PyTorch conv1d weight `(out, in, k)` -> Keras conv1d kernel `(k, in, out)`."""
    return _expect_ndim(array, 3, "OIK").transpose(2, 1, 0)


def kio_to_oik(array: np.ndarray) -> np.ndarray:
    """Keras conv1d kernel `(k, in, out)` -> PyTorch conv1d weight `(out, in, k)`."""
    return _expect_ndim(array, 3, "KIO").transpose(2, 1, 0)


def linear_to_dense(array: np.ndarray) -> np.ndarray:
    """PyTorch `nn.Linear` weight `(out, in)` -> Keras `Dense` kernel `(in, out)`."""
    return _expect_ndim(array, 2, "(out, in)").T


def dense_to_linear(array: np.ndarray) -> np.ndarray:
    """Keras `Dense` kernel `(in, out)` -> PyTorch `nn.Linear` weight `(out, in)`."""
    return _expect_ndim(array, 2, "(in, out)").T


def conv1x1_to_dense(array: np.ndarray) -> np.ndarray:
    """PyTorch 1x1 conv weight `(out, in, 1, 1)` -> Keras `Dense` kernel `(in, out)` (the same product
    over the channel axis)."""
    array = _expect_ndim(array, 4, "(out, in, 1, 1)")
    if array.shape[2:] != (1, 1):
        raise ValueError(f"expected a 1x1 conv weight (out, in, 1, 1), got shape {array.shape}.")
    return array[:, :, 0, 0].T


def dense_to_conv1x1(array: np.ndarray) -> np.ndarray:
    """Keras `Dense` kernel `(in, out)` -> PyTorch 1x1 conv weight `(out, in, 1, 1)`."""
    return _expect_ndim(array, 2, "(in, out)").T[:, :, None, None]


def depthwise_oihw_to_hwcm(array: np.ndarray) -> np.ndarray:
    """PyTorch depthwise conv weight `(C, 1, kh, kw)` -> Keras `DepthwiseConv2D` kernel `(kh, kw, C, 1)`.

    Depth multiplier 1, as every depthwise conv in the timm models in scope; another multiplier shows
    up as a shape mismatch rather than a silent misorder."""
    array = _expect_ndim(array, 4, "(C, 1, kh, kw)")
    if array.shape[1] != 1:
        raise ValueError(f"expected a depthwise weight (C, 1, kh, kw), got shape {array.shape}.")
    return array.transpose(2, 3, 0, 1)


def hwcm_to_depthwise_oihw(array: np.ndarray) -> np.ndarray:
    """Keras `DepthwiseConv2D` kernel `(kh, kw, C, 1)` -> PyTorch depthwise weight `(C, 1, kh, kw)`."""
    return _expect_ndim(array, 4, "(kh, kw, C, 1)").transpose(2, 3, 0, 1)


def per_channel_to_vector(array: np.ndarray) -> np.ndarray:
    """A per-output-channel tensor stored broadcastable, `(C, 1, 1, 1)` (NFNet's `gain`) -> `(C,)`."""
    array = _expect_ndim(array, 4, "(C, 1, 1, 1)")
    if array.shape[1:] != (1, 1, 1):
        raise ValueError(f"expected a per-channel (C, 1, 1, 1) array, got shape {array.shape}.")
    return array.reshape(-1)


def vector_to_per_channel(array: np.ndarray) -> np.ndarray:
    """`(C,)` -> `(C, 1, 1, 1)`, the inverse of `per_channel_to_vector`."""
    return _expect_ndim(array, 1, "(C,)").reshape(-1, 1, 1, 1)


INVERSES = {
    identity: identity,
    oihw_to_hwio: hwio_to_oihw,
    oik_to_kio: kio_to_oik,
    linear_to_dense: dense_to_linear,
    conv1x1_to_dense: dense_to_conv1x1,
    depthwise_oihw_to_hwcm: hwcm_to_depthwise_oihw,
    per_channel_to_vector: vector_to_per_channel,
}


def adapt_input_conv(in_chans: int, conv_weight: np.ndarray, base_chans: int = 3) -> np.ndarray:
    """timm's `adapt_input_conv` on a checkpoint's `(out, in, kh, kw)` first-conv weight.

    For one input channel the source channels are summed (grouped by `base_chans` for
    space-to-depth stems); for other counts they are repeated and truncated to `in_chans`, then
    scaled by `base_chans / in_chans`. The dtype is kept. Apply it to the checkpoint tensor before
    loading, as timm does when pretrained weights meet another `in_chans`.

    Reference: timm/models/_manipulate.py `adapt_input_conv`.
    """
    if in_chans < 1 or base_chans < 1:
        raise ValueError(f"Input and base channel counts must be positive, got {in_chans} and {base_chans}.")
    weight = np.asarray(conv_weight)
    if weight.ndim != 4:
        raise ValueError(f"adapt_input_conv needs a 4-d (out, in, kh, kw) weight, got shape {weight.shape}.")
    out_c, in_c, kh, kw = weight.shape
    if in_chans == base_chans:
        return weight
    dtype = weight.dtype
    weight = weight.astype("float32")  # sums of half-precision weights lose bits, as timm notes
    if in_chans == 1:
        if in_c > base_chans:
            if in_c % base_chans:
                raise ValueError(f"weight has {in_c} input channels, not a multiple of base_chans={base_chans}.")
            weight = weight.reshape(out_c, in_c // base_chans, base_chans, kh, kw).sum(axis=2)
        else:
            weight = weight.sum(axis=1, keepdims=True)
    else:
        if in_c != base_chans:
            raise ValueError(
                f"cannot adapt a weight with {in_c} input channels to {in_chans}: it must have "
                f"base_chans={base_chans}."
            )
        repeat = math.ceil(in_chans / base_chans)
        weight = np.tile(weight, (1, repeat, 1, 1))[:, :in_chans] * (base_chans / float(in_chans))
    return weight.astype(dtype)
