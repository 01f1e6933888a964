"""PyTorch's functions and tensor methods on a converted model's symbolic Keras tensors, in PyTorch's
layout (`torch.nn.functional`, `torch.*` and `Tensor.*` as timm's graphs use them). Registered on the
first conversion (torch is imported only to convert).
"""

from __future__ import annotations

import math
import operator

import numpy as np
from keras import ops

from luximm_keras.convert.batch import BatchMultiple, batch_factor, set_batch_factor
from luximm_keras.convert.layers import TorchConv2dFunction
from luximm_keras.convert.mapping import (
    FUNCTIONS,
    METHODS,
    _assert,
    _chunk,
    _expand,
    _mean,
    _split,
    _sum,
    _unbind,
    flatten,
    is_tensor,
    keras_dtype,
    per_example,
    permute,
    reshape,
    shape_of,
    transpose,
)


def _gelu(x, approximate="none"):
    return ops.gelu(x, approximate=approximate == "tanh")


def _layer_norm(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    axes = tuple(range(x.ndim - len(normalized_shape), x.ndim))
    mean = ops.mean(x, axis=axes, keepdims=True)
    centred = x - mean
    variance = ops.mean(ops.square(centred), axis=axes, keepdims=True)
    y = centred * ops.rsqrt(variance + eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def _batch_norm(x, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """`F.batch_norm`: with running statistics in eval mode; without them (training=True, as timm's
    weight standardization calls it on a kernel) over the batch's own, biased variance."""
    shape = (1, -1) + (1,) * (x.ndim - 2)
    if training and running_mean is None and running_var is None:
        axes = tuple(a for a in range(x.ndim) if a != 1)
        mean = ops.mean(x, axis=axes, keepdims=True)
        centred = x - mean
        y = centred * ops.rsqrt(ops.mean(ops.square(centred), axis=axes, keepdims=True) + eps)
    elif training:
        raise NotImplementedError("F.batch_norm updating running statistics: convert the module in eval mode")
    else:
        y = (x - ops.reshape(running_mean, shape)) * ops.reshape(ops.rsqrt(running_var + eps), shape)
    if weight is not None:
        y = y * ops.reshape(weight, shape)
    if bias is not None:
        y = y + ops.reshape(bias, shape)
    return y


def _linear(x, weight, bias=None):
    y = ops.matmul(x, ops.transpose(weight))
    return y if bias is None else y + bias


def _sdpa(q, k, v, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, enable_gqa=False):
    if is_causal or enable_gqa:
        raise NotImplementedError("scaled_dot_product_attention with is_causal or enable_gqa")
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = ops.matmul(q * scale, ops.swapaxes(k, -1, -2))
    if attn_mask is not None:
        scores = scores + attn_mask
    return ops.matmul(ops.softmax(scores, axis=-1), v)


def _vector_norm(x, p, dim, keepdim: bool):
    """PyTorch's `norm(p, dim)`: the p-norm of the values over `dim` (all axes if None), however many
    axes (`keras.ops.norm` takes two axes as a matrix: its ord 2 there is the largest singular value,
    where PyTorch's is the Frobenius norm; GlobalResponseNorm takes it over height and width)."""
    if isinstance(p, str):
        raise NotImplementedError(f"the {p!r} norm")
    axis = tuple(dim) if isinstance(dim, (list, tuple)) else dim
    magnitude = ops.abs(x)
    if p == math.inf:
        return ops.max(magnitude, axis=axis, keepdims=keepdim)
    if p == -math.inf:
        return ops.min(magnitude, axis=axis, keepdims=keepdim)
    if p == 0:
        return ops.sum(ops.cast(ops.not_equal(x, 0), x.dtype), axis=axis, keepdims=keepdim)
    if p == 2:
        return ops.sqrt(ops.sum(ops.square(x), axis=axis, keepdims=keepdim))
    if p == 1:
        return ops.sum(magnitude, axis=axis, keepdims=keepdim)
    return ops.power(ops.sum(ops.power(magnitude, p), axis=axis, keepdims=keepdim), 1.0 / p)


def _adaptive_avg_pool2d(x, output_size):
    """PyTorch's adaptive average pooling: output cell i averages input rows floor(i * n / m) to
    ceil((i + 1) * n / m), axis by axis (a None size keeps the axis)."""
    size = output_size if isinstance(output_size, (tuple, list)) else (output_size, output_size)
    if tuple(size) == (1, 1):
        return ops.mean(x, axis=(2, 3), keepdims=True)
    for axis, m in ((2, size[0]), (3, size[1])):
        n = x.shape[axis]
        if m is None or m == n:
            continue
        cells = []
        for i in range(m):
            start, end = (i * n) // m, -(-((i + 1) * n) // m)
            index = [slice(None)] * x.ndim
            index[axis] = slice(start, end)
            cells.append(ops.mean(x[tuple(index)], axis=axis, keepdims=True))
        x = ops.concatenate(cells, axis=axis)
    return x


def _adaptive_max_pool2d(x, output_size, return_indices=False):
    size = output_size if isinstance(output_size, (tuple, list)) else (output_size, output_size)
    if tuple(size) != (1, 1) or return_indices:
        raise NotImplementedError(f"adaptive max pooling to {tuple(size)}")
    return ops.max(x, axis=(2, 3), keepdims=True)


def _pool2d(kind, x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
            count_include_pad=True, divisor_override=None, return_indices=False):
    """PyTorch's max/average pooling of an NCHW map: explicit padding, `ceil_mode`'s last partial
    window, and which padded positions an average counts, as PyTorch's kernels do."""
    kernel, stride, padding = _pair(kernel_size), _pair(stride if stride else kernel_size), _pair(padding)
    if return_indices or _pair(dilation) != (1, 1) or (divisor_override and kind != "avg"):
        raise NotImplementedError(f"{kind} pooling with indices or dilation")
    extra = []
    for n, k, s, p in zip(x.shape[2:], kernel, stride, padding):
        out = -(-(n + 2 * p - k) // s) + 1 if ceil_mode else (n + 2 * p - k) // s + 1
        if ceil_mode and (out - 1) * s >= n + p:
            out -= 1  # PyTorch: the last window must start inside the input or its left padding
        extra.append(max(0, (out - 1) * s + k - (n + 2 * p)))
    pads = ((0, 0), (0, 0), (padding[0], padding[0] + extra[0]), (padding[1], padding[1] + extra[1]))
    if kind == "max":
        if any(padding) or any(extra):
            x = ops.pad(x, pads, constant_values=float("-inf"))
        return ops.max_pool(x, kernel, stride, padding="valid", data_format="channels_first")
    pooled = ops.average_pool(ops.pad(x, pads), kernel, stride, padding="valid", data_format="channels_first")
    if divisor_override:  # each window's sum over the given divisor, whatever it covers
        return pooled * (kernel[0] * kernel[1] / divisor_override)
    if not (any(padding) or any(extra)):
        return pooled
    # The share of each window PyTorch counts: the input, and the explicit padding with
    # count_include_pad, never the overhang of ceil_mode's last window.
    counted = ops.ones((1, 1, *x.shape[2:]), dtype=x.dtype)
    counted_pads = ((0, 0), (0, 0), (0, extra[0]), (0, extra[1]))
    if count_include_pad:
        counted = ops.pad(counted, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2), constant_values=1.0)
    else:
        counted_pads = pads
    share = ops.average_pool(ops.pad(counted, counted_pads), kernel, stride, padding="valid",
                             data_format="channels_first")
    return pooled / share


def _avg_pool2d_function(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                         divisor_override=None):
    """`F.avg_pool2d`, with its own argument order (no dilation)."""
    return _pool2d("avg", x, kernel_size, stride, padding, 1, ceil_mode, count_include_pad, divisor_override)


def _max_pool2d_function(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                         return_indices=False):
    return _pool2d("max", x, kernel_size, stride, padding, dilation, ceil_mode, return_indices=return_indices)


def _same_pads(x, kernel, stride, dilation):
    """TensorFlow's SAME padding of an NCHW map's two spatial axes (timm's `pad_same`), as F.pad pairs."""
    pads = []
    for n, k, s, d in zip(x.shape[2:], kernel, stride, dilation):
        total = max((-(-n // s) - 1) * s + (k - 1) * d + 1 - n, 0)
        pads.append((total // 2, total - total // 2))
    return ((0, 0), (0, 0), *pads)


def _source_taps(n: int, m: int, mode: str, align_corners: bool):
    """PyTorch's upsample kernels along one axis of n pixels resized to m: for each output pixel,
    the input pixels it reads and their weights (aten/src/ATen/native/UpSample.h), source positions
    in float32 as PyTorch computes them for float32 maps (far from the origin their rounding shows)."""
    f = np.float32
    if mode == "nearest":
        scale = f(n) / f(m)
        return [[(min(int(math.floor(f(i) * scale)), n - 1), 1.0)] for i in range(m)]
    taps = []
    for i in range(m):
        if align_corners:
            src = float((f(n - 1) / f(m - 1)) * f(i)) if m > 1 else 0.0
        else:
            src = float((f(n) / f(m)) * (f(i) + f(0.5)) - f(0.5))
            if mode == "bilinear":
                src = max(src, 0.0)
        base = int(math.floor(src))
        t = src - base
        if mode == "bilinear":
            weights = {base: 1.0 - t, base + 1: t}
        else:  # bicubic, PyTorch's a = -0.75, edge pixels repeated
            a = -0.75

            def near(d):
                return ((a + 2) * d - (a + 3)) * d * d + 1

            def far(d):
                return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a

            weights = {base - 1: far(t + 1), base: near(t), base + 1: near(1 - t), base + 2: far(2 - t)}
        clamped: dict[int, float] = {}
        for index, weight in weights.items():
            index = min(max(index, 0), n - 1)
            clamped[index] = clamped.get(index, 0.0) + weight
        taps.append(sorted(clamped.items()))
    return taps


def _resample_axis(x, axis: int, taps):
    """Each output pixel as its taps' weighted sum along `axis`: one gather and one weighted sum per
    tap slot."""
    width = max(len(t) for t in taps)
    out = None
    for slot in range(width):
        index = [t[min(slot, len(t) - 1)][0] for t in taps]
        weight = [t[slot][1] if slot < len(t) else 0.0 for t in taps]
        shape = [1] * x.ndim
        shape[axis] = len(taps)
        term = ops.take(x, index, axis=axis) * ops.reshape(ops.convert_to_tensor(np.asarray(weight, "float32"),
                                                                                 dtype=x.dtype), shape)
        out = term if out is None else out + term
    return out


def _interpolate(x, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None,
                 antialias=False):
    """PyTorch's `F.interpolate` of an (N, C, *spatial) map: nearest, (bi/tri)linear and bicubic
    (either `align_corners`), from PyTorch's own source positions and kernel weights."""
    spatial = x.shape[2:]
    if size is None:
        factors = scale_factor if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * len(spatial)
        size = tuple(int(math.floor(n * f)) for n, f in zip(spatial, factors))
    size = tuple(size) if isinstance(size, (tuple, list)) else (size,) * len(spatial)
    # (bi/tri)linear is linear along each axis; bicubic is PyTorch's on 2 axes only.
    axes_of_mode = {"nearest": len(spatial), "linear": 1, "bilinear": 2, "trilinear": 3, "bicubic": 2}
    if antialias or axes_of_mode.get(mode) != len(spatial):
        raise NotImplementedError(f"interpolate mode {mode!r} over {len(spatial)} axes, antialias={antialias}")
    if scale_factor is not None and not recompute_scale_factor and mode != "nearest" and not align_corners:
        factors = scale_factor if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * len(spatial)
        if any(abs(n * f - m) > 1e-9 for n, f, m in zip(spatial, factors, size)):
            raise NotImplementedError("interpolate with a scale factor that is not the size ratio")
    for axis, (n, m) in enumerate(zip(spatial, size)):
        if n != m or mode != "nearest":
            taps = _source_taps(n, m, "bilinear" if mode.endswith("linear") else mode, bool(align_corners))
            x = _resample_axis(x, 2 + axis, taps)
    return x


def _pad(x, pad, mode="constant", value=None):
    """PyTorch's `F.pad` (pairs from the last axis backwards); a negative amount crops, as in PyTorch."""
    modes = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}
    if mode not in modes:
        raise NotImplementedError(f"F.pad mode {mode!r}")
    pad = tuple(pad) if isinstance(pad, (tuple, list)) else (pad,) * 4
    pairs = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        pairs[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    crop = tuple(slice(max(-before, 0), x.shape[a] - max(-after, 0) if x.shape[a] is not None else None)
                 if (before < 0 or after < 0) else slice(None) for a, (before, after) in enumerate(pairs))
    if any(c != slice(None) for c in crop):
        x = x[crop]
    pairs = [(max(before, 0), max(after, 0)) for before, after in pairs]
    if not any(before or after for before, after in pairs):
        return x
    if mode != "constant":
        return ops.pad(x, pairs, mode=modes[mode])
    return ops.pad(x, pairs, constant_values=0.0 if value is None else value)


def _group_norm(x, num_groups, weight=None, bias=None, eps=1e-5):
    shape = shape_of(x)
    grouped = reshape(x, (shape[0], num_groups, -1))
    mean = ops.mean(grouped, axis=-1, keepdims=True)
    centred = grouped - mean
    y = reshape(centred * ops.rsqrt(ops.mean(ops.square(centred), axis=-1, keepdims=True) + eps), shape)
    per_channel = (1, -1) + (1,) * (x.ndim - 2)
    if weight is not None:
        y = y * ops.reshape(weight, per_channel)
    if bias is not None:
        y = y + ops.reshape(bias, per_channel)
    return y


def _cat(tensors, dim=0):
    tensors = list(tensors)
    out = ops.concatenate(tensors, axis=dim)
    if out.shape[dim] is None:  # along the batch axis: (k B) + (m B) rows
        set_batch_factor(out, sum(batch_factor(t) for t in tensors))
    return out


def _repeat(x, *sizes):
    """`Tensor.repeat`: a tile; a repeat by the batch size (XCiT's position encoding, made once and
    repeated per image) broadcasts over the batch."""
    sizes = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes
    for _ in range(len(sizes) - x.ndim):
        x = ops.expand_dims(x, 0)
    plain = [1 if isinstance(s, BatchMultiple) else int(s) for s in sizes]
    if any(p != 1 for p in plain):
        x = ops.tile(x, plain)
    batch = [i for i, s in enumerate(sizes) if isinstance(s, BatchMultiple)]
    if batch:
        if batch != [0] or x.shape[0] != 1:
            raise NotImplementedError(f"repeat {sizes} of a tensor of shape {x.shape}")
        x = _expand(x, sizes[0], *[-1] * (x.ndim - 1))
    return x


def _filled(value):
    """`torch.zeros(B, H, W)` and the like, sized by the batch (the factories are traced only then)."""
    def factory(*size, fill_value=None, dtype=None, **kwargs):
        size = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
        fill = value if fill_value is None else fill_value
        dtype = keras_dtype(dtype) if dtype is not None else ("bool" if isinstance(fill, bool) else "float32")
        # Broadcast as numbers (the batch is reached by adding zeros), then the dtype asked for.
        return ops.cast(_expand(ops.full((1,) * len(size), float(fill), "float32"), *size), dtype)
    return factory


def _full(size, fill_value, **kwargs):
    return _filled(fill_value)(size, **kwargs)


def _cumsum(x, dim, dtype=None):
    return ops.cumsum(x if dtype is None else ops.cast(x, keras_dtype(dtype)), axis=dim)


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def _unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """`F.unfold` (im2col) of an NCHW map: (N, C * kh * kw, L), channel-major as PyTorch orders it."""
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = map(_pair, (kernel_size, dilation, padding, stride))
    if ph or pw:
        x = ops.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    _, channels, height, width = x.shape
    oh, ow = (height - dh * (kh - 1) - 1) // sh + 1, (width - dw * (kw - 1) - 1) // sw + 1
    taps = [x[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh, j * dw:j * dw + sw * (ow - 1) + 1:sw]
            for i in range(kh) for j in range(kw)]
    return reshape(ops.stack(taps, axis=2), (shape_of(x)[0], channels * kh * kw, oh * ow))


def _fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """`F.fold` (col2im): each column's taps added back where `unfold` took them."""
    (height, width), (kh, kw), (dh, dw), (ph, pw), (sh, sw) = map(_pair, (output_size, kernel_size, dilation,
                                                                          padding, stride))
    full_h, full_w = height + 2 * ph, width + 2 * pw
    oh, ow = (full_h - dh * (kh - 1) - 1) // sh + 1, (full_w - dw * (kw - 1) - 1) // sw + 1
    channels = x.shape[1] // (kh * kw)
    batch = shape_of(x)[0]
    cols = reshape(x, (batch, channels, kh * kw, oh, ow))
    out = None
    for i in range(kh):
        for j in range(kw):
            tap = cols[:, :, i * kw + j]  # (N, C, oh, ow), placed every stride pixels from (i dh, j dw)
            if sh > 1 or sw > 1:
                tap = ops.pad(tap[:, :, :, None, :, None], ((0, 0),) * 3 + ((0, sh - 1), (0, 0), (0, sw - 1)))
                tap = reshape(tap, (batch, channels, oh * sh, ow * sw))
            top, left = i * dh, j * dw
            tap = tap[:, :, :full_h - top, :full_w - left]
            tap = ops.pad(tap, ((0, 0), (0, 0), (top, full_h - top - tap.shape[2]),
                                (left, full_w - left - tap.shape[3])))
            out = tap if out is None else out + tap
    return out[:, :, ph:ph + height, pw:pw + width]


def _numel(x):
    """`Tensor.numel()`: a number, or a multiple of the batch size."""
    return BatchMultiple(per_example(x), x) if None in x.shape else per_example(x)


def register() -> None:
    import torch
    import torch.nn.functional as F

    FUNCTIONS.update({
        torch.reshape: reshape, torch.flatten: flatten, torch.permute: permute, torch.transpose: transpose,
        torch._assert: _assert, torch.split: _split, F.group_norm: _group_norm,
        torch.cat: _cat, torch.concat: _cat, torch.matmul: FUNCTIONS[operator.matmul],
        torch.add: FUNCTIONS[operator.add], torch.mul: FUNCTIONS[operator.mul],
        torch.sigmoid: ops.sigmoid, torch.tanh: ops.tanh, torch.exp: ops.exp, torch.sqrt: ops.sqrt,
        torch.stack: lambda tensors, dim=0: ops.stack(list(tensors), axis=dim),
        torch.softmax: lambda x, dim, **k: ops.softmax(x, axis=dim),
        F.gelu: _gelu, F.relu: lambda x, inplace=False: ops.relu(x), F.silu: lambda x, inplace=False: ops.silu(x),
        F.sigmoid: ops.sigmoid, F.hardswish: lambda x, inplace=False: ops.hard_swish(x),
        F.hardsigmoid: lambda x, inplace=False: ops.hard_sigmoid(x),
        F.softmax: lambda x, dim=-1, **k: ops.softmax(x, axis=dim),
        F.layer_norm: _layer_norm, F.batch_norm: _batch_norm, F.linear: _linear,
        F.scaled_dot_product_attention: _sdpa, F.adaptive_avg_pool2d: _adaptive_avg_pool2d,
        F.adaptive_max_pool2d: _adaptive_max_pool2d, F.pad: _pad,
        F.avg_pool2d: _avg_pool2d_function, F.max_pool2d: _max_pool2d_function,
        F.dropout: lambda x, p=0.5, training=False, inplace=False: x,
        F.normalize: lambda x, p=2.0, dim=1, eps=1e-12, out=None: x / ops.maximum(
            _vector_norm(x, p, dim, keepdim=True), eps),
    })
    def _to(x, *args, **kwargs):
        """dtype changes only (devices and memory formats mean nothing here)."""
        for arg in (*args, kwargs.get("dtype")):
            if isinstance(arg, torch.dtype):
                return ops.cast(x, keras_dtype(arg))
            if is_tensor(arg):
                return ops.cast(x, arg.dtype)
        return x

    def _norm(x, p="fro", dim=None, keepdim=False, *, out=None, dtype=None):  # torch.norm and Tensor.norm
        return _vector_norm(x if dtype is None else ops.cast(x, keras_dtype(dtype)), 2 if p == "fro" else p, dim, keepdim)

    def _amax(x, dim=(), keepdim=False):
        return ops.max(x, axis=dim if dim != () else None, keepdims=keepdim)

    def _max(x, dim=None, keepdim=False):
        """`x.max()`, or PyTorch's (values, indices) pair along `dim`."""
        if dim is None:
            return ops.max(x)
        return ops.max(x, axis=dim, keepdims=keepdim), ops.argmax(x, axis=dim, keepdims=keepdim)

    def _rms_norm(x, normalized_shape, weight=None, eps=None):
        axes = tuple(range(x.ndim - len(normalized_shape), x.ndim))
        eps = float(np.finfo(np.float32).eps) if eps is None else eps
        y = x * ops.rsqrt(ops.mean(ops.square(x), axis=axes, keepdims=True) + eps)
        return y if weight is None else y * weight

    def _clamp(x, min=None, max=None):  # noqa: A002 (PyTorch's argument names)
        # One side at a time, only the sides given (an infinite bound cannot meet an integer tensor:
        # Gemma 4's `position_ids.clamp(min=0)`); min first, so that max wins where min > max, as in PyTorch.
        x = x if min is None else ops.maximum(x, min)
        return x if max is None else ops.minimum(x, max)

    def _roll(x, shifts, dims=None):
        shifts = shifts if isinstance(shifts, (tuple, list)) else (shifts,)
        dims = dims if isinstance(dims, (tuple, list)) else (dims,)
        for shift, dim in zip(shifts, dims):
            x = ops.roll(x, shift, axis=dim)
        return x

    def _tile(x, *dims):
        dims = dims[0] if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
        return ops.tile(x, dims)

    def _conv2d_function(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
        if isinstance(padding, str):
            raise NotImplementedError(f"F.conv2d padding {padding!r}")
        conv = TorchConv2dFunction(_pair(stride), _pair(padding), _pair(dilation))
        return conv(x, weight) if bias is None else conv(x, weight, bias)

    FUNCTIONS.update({torch.conv2d: _conv2d_function, F.conv2d: _conv2d_function,
                      F.leaky_relu: lambda x, negative_slope=0.01, inplace=False: ops.leaky_relu(x, negative_slope)})
    FUNCTIONS.update({
        torch.rsqrt: ops.rsqrt, torch.clamp: _clamp, torch.roll: _roll, torch.unbind: _unbind, torch.einsum: ops.einsum,
        F.rms_norm: _rms_norm, torch.max: _max, math.ceil: math.ceil, math.floor: math.floor,
        torch.mean: _mean, torch.sum: _sum, F.interpolate: _interpolate, torch.sin: ops.sin, torch.cos: ops.cos,
        torch.addcmul: lambda a, b, c, value=1: a + value * b * c, torch.amax: _amax, torch.norm: _norm,
    })
    METHODS.update({"repeat": _repeat, "numel": _numel, "cumsum": _cumsum})
    FUNCTIONS.update({F.unfold: _unfold, F.fold: _fold,
                      F.one_hot: lambda x, num_classes=-1: ops.cast(ops.one_hot(x, num_classes), x.dtype),
                      torch.where: lambda condition, x, y: ops.where(condition, x, y)})
    FUNCTIONS.update({torch.zeros: _filled(0.0), torch.empty: _filled(0.0), torch.ones: _filled(1.0),
                      torch.full: _full, torch.cumsum: _cumsum,
                      torch.chunk: _chunk})
    METHODS.update({"clamp": _clamp, "tile": _tile, "roll": _roll, "max": _max, "rsqrt": ops.rsqrt,
                    "reshape_as": lambda x, other: reshape(x, shape_of(other)), "abs": ops.abs})
    METHODS.update({"to": _to, "type": _to, "norm": _norm, "amax": _amax, "sin": ops.sin, "cos": ops.cos,
                    "add_": METHODS["add"], "mul_": METHODS["mul"], "expand_as": lambda x, other: _expand(x, *shape_of(other)),
                    "repeat_interleave": lambda x, repeats, dim=None: ops.repeat(x, repeats, axis=dim)})
    METHODS.update({"sigmoid": ops.sigmoid, "exp": ops.exp, "float": lambda x: x,
                    "type_as": lambda x, other: ops.cast(x, other.dtype), "clone": lambda x, **k: x})
