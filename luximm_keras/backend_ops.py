"""The one module that names a Keras backend: the fastest exact form of each hot operation.

Every block calls its `Dense`, `Conv2D`, `Dropout` and `DropPath` sublayers through `call_layer`,
and its attention, kernel standardization and channel norms through the functions below; nothing
else in the package asks which backend runs (a test fails when a block's Dense or 1x1 conv sublayer
is called directly).

On jax and tensorflow the blocks run compiled: XLA fuses a matmul with its bias add, and Python runs
once, at trace time, so `keras.ops` is already the fastest form there. The torch backend runs op by
op, and Keras' generic ops pay for extra intermediates and copies there. So, on torch only:

- `linear` fuses the bias into the product (Keras' `Dense` writes a second activation tensor for
  the bias add). On CPU in float32 it may run as a oneDNN 1x1 convolution (`_onednn_linear`)
  instead of `F.linear`'s BLAS: which one is faster depends on the CPU and the shape, so each
  shape's route is timed once per process (`_prefers_onednn`).
- `attention` hands strided q/k/v views straight to `F.scaled_dot_product_attention` (Keras' op
  makes each one contiguous first).
- `conv2d` runs `F.conv2d` on a channels-last *view* of an NHWC input, with the bias fused (Keras'
  `ops.conv` copies the input to NCHW and back to channels-last memory, then adds the bias).
- `standardize_kernel` is timm's own single `F.batch_norm` over the kernel.
- `channel_layer_norm` on a channels-last map is torch's fused `layer_norm`.
- `batch_norm_inference` is torch's own `F.batch_norm` (one pass, timm's rounding to the bit; Keras'
  op makes three passes over the map).
- `to_channels_first` makes the NCHW images contiguous, as timm's are: PyTorch picks its
  convolution kernels by memory layout, and on a channels-last view its CPU 1x1 convolution sums in
  another order, with about twice timm's float32 rounding.
- `pad` is `F.pad`: Keras' `ops.pad` makes a `Pad` operation object on every call, a dict mutation
  that breaks torch.compile's graph at the next layer call.

Elsewhere:

- `patch_projection` on jax cuts the patches out with reshape/transpose and projects them with one
  matmul (XLA:CPU runs that faster than its strided convolution).
- `attention` is the explicit matmul-softmax-matmul (XLA fuses it; its fused op was slower on CPU).
- `conv2d` on tensorflow runs a strided *and* dilated convolution, which TensorFlow refuses, as the
  stride-1 dilated convolution on the padded input followed by subsampling: the same sums; and
  without a GPU an NCHW convolution (`conv2d`, `conv_transpose2d`), which TensorFlow's CPU kernels
  refuse, in NHWC; and a dilated transposed convolution with the dilated kernel written out.

The fast paths read variables through `.value`, so autocast (mixed precision) and autograd behave as
in Keras' own layers; a sublayer with LoRA, quantization or an activation takes its ordinary
`layer(x)` call instead.
"""

from __future__ import annotations

import functools

import keras
from keras import ops

from luximm_keras.layers.drop import DropPath
from luximm_keras.layers.padding import same_padding

BACKEND = keras.backend.backend()
_TORCH = BACKEND == "torch"
if _TORCH:  # the torch backend has imported torch already; other backends never need it
    import torch
    import torch.nn.functional as F

__all__ = [
    "attention",
    "batch_norm_inference",
    "call_layer",
    "channel_layer_norm",
    "conv2d",
    "conv_transpose2d",
    "is_plain",
    "linear",
    "pad",
    "patch_projection",
    "spatial_l2_norm",
    "standardize_kernel",
    "take",
    "to_channels_first",
]


# ------------------------------------------------------------------------------------------------
# Sublayers


def call_layer(layer: keras.layers.Layer, inputs, training=None):
    """`layer(inputs)` for a block's sublayer, by the fastest exact path of the backend.

    A `Dense` runs as `linear`, a `Conv2D` as `conv2d` (a 1x1 channels-last one as `linear`), a
    `Dropout` or `DropPath` is skipped when it is the identity (rate 0 or inference: Keras' per-call
    overhead is paid on every forward on torch), a `ZeroPadding2D` on torch is `F.pad` (Keras'
    `ops.pad` makes an `Operation` object on every call, a dict mutation that breaks torch.compile's
    graph at the next layer call). Anything else, and any layer with LoRA, quantization or an
    activation, is called as it is.
    """
    if isinstance(layer, (keras.layers.Dropout, DropPath)):
        if layer.rate and training:
            return layer(inputs, training=training)
        return inputs
    if _TORCH and type(layer) is keras.layers.ZeroPadding2D:
        rows, cols = layer.padding
        channels_first = layer.data_format == "channels_first"
        return pad(inputs, [(0, 0), (0, 0), rows, cols] if channels_first else [(0, 0), rows, cols, (0, 0)])
    if not (layer.built and is_plain(layer)):
        return layer(inputs, training=training)
    if isinstance(layer, keras.layers.Dense):
        if _TORCH:
            return linear(inputs, layer.kernel, layer.bias)
        return layer(inputs)
    if type(layer) is keras.layers.Conv2D:
        if _is_pointwise(layer) and layer.data_format == "channels_last":
            kernel = layer.kernel
            return linear(inputs, ops.reshape(kernel, kernel.shape[2:]), layer.bias)
        return conv2d(inputs, layer.kernel, layer.bias, strides=layer.strides,
                      padding=(0, 0) if layer.padding == "valid" else "same",
                      dilation_rate=layer.dilation_rate, data_format=layer.data_format)
    return layer(inputs, training=training)


# Keras' padding modes that F.pad has, by F.pad's name.
_TORCH_PAD_MODES = {"constant": "constant", "reflect": "reflect", "edge": "replicate", "wrap": "circular"}


def pad(x, pad_width, mode: str = "constant", constant_values=None):
    """`ops.pad(x, pad_width, mode, constant_values)`, without a graph break under torch.compile."""
    if not _TORCH or mode not in _TORCH_PAD_MODES or isinstance(x, keras.KerasTensor):  # a functional model's node
        return ops.pad(x, pad_width, mode=mode, constant_values=constant_values)
    pad_width = [(int(before), int(after)) for before, after in pad_width]
    if mode == "constant":  # F.pad's pairs run from the last dimension back
        return F.pad(x, [v for pair in reversed(pad_width) for v in pair], value=constant_values or 0)
    # F.pad's other modes pad the last 1-3 dimensions of a tensor with one or two more in front (two
    # for 4D and 5D ones): move the padded dimensions there.
    padded = [axis for axis, pair in enumerate(pad_width) if any(pair)]
    if not padded:
        return x
    trailing = max(len(padded), x.ndim - 2)
    if trailing > 3 or trailing >= x.ndim:
        return ops.pad(x, pad_width, mode=mode)
    order = [axis for axis in range(x.ndim) if axis not in padded] + padded
    moved = F.pad(x.permute(order), [v for axis in reversed(order[-trailing:]) for v in pad_width[axis]],
                  mode=_TORCH_PAD_MODES[mode])
    return moved.permute([order.index(axis) for axis in range(x.ndim)])


def is_plain(layer) -> bool:
    """No LoRA, no quantization, no activation: the layer is exactly `x @ kernel + bias`."""
    return (
        not getattr(layer, "lora_enabled", False)
        and getattr(layer, "quantization_mode", None) is None
        and getattr(layer, "activation", keras.activations.linear) is keras.activations.linear
    )


def _is_pointwise(layer: keras.layers.Conv2D) -> bool:
    return layer.kernel_size == (1, 1) and layer.strides == (1, 1) and layer.groups == 1


def _value(variable):
    return getattr(variable, "value", variable)


# ------------------------------------------------------------------------------------------------
# Linear layers and convolutions


def linear(inputs, kernel, bias=None):
    """`inputs @ kernel + bias` over the last axis, `kernel` of shape `(in, out)`."""
    if _TORCH:
        kernel, bias = _value(kernel), None if bias is None else _value(bias)
        rows = inputs.numel() // inputs.shape[-1] if inputs.shape[-1] else 0
        on_cpu = inputs.device.type == "cpu" and isinstance(rows, int) and rows > 0  # SymInt: a dynamic trace
        if on_cpu and inputs.dtype == kernel.dtype == torch.float32 and _prefers_onednn(rows, *kernel.shape):
            return _onednn_linear(inputs, kernel, bias)
        return F.linear(inputs, kernel.T, bias)
    outputs = ops.matmul(inputs, kernel)
    return outputs if bias is None else ops.add(outputs, bias)


def _onednn_linear(inputs, kernel, bias):
    """A float32 linear on CPU as a 1x1 convolution over a channels-last view: PyTorch runs it with
    oneDNN instead of the BLAS behind `F.linear` (MKL), which takes slow code paths on some CPUs.
    The result is the same float32 sum in another order (about 1e-6 relative difference)."""
    *leading, in_features = inputs.shape
    out_features = kernel.shape[-1]
    rows = inputs.reshape(1, -1, 1, in_features).permute(0, 3, 1, 2)  # (1, in, N, 1), a view
    weight = kernel.T.reshape(out_features, in_features, 1, 1)
    outputs = F.conv2d(rows, weight, bias)
    return outputs.permute(0, 2, 3, 1).reshape(*leading, out_features)


# (rows, in_features, out_features) -> whether `_onednn_linear` beat `F.linear` on this machine.
# Rows beyond _PROBE_ROWS share one entry: the two kernels' ranking settles once the product is large.
_LINEAR_ROUTES: dict[tuple[int, int, int], bool] = {}
_PROBE_ROWS = 2048


def _prefers_onednn(rows: int, in_features: int, out_features: int) -> bool:
    """Whether a float32 CPU product of this shape runs faster as oneDNN's 1x1 convolution than as
    `F.linear`, measured once per process (both routes on random operands of the shape, up to
    `_PROBE_ROWS` rows, best of three each). MKL, behind `F.linear`, takes slow code paths on some
    CPUs, where oneDNN is about twice as fast for a transformer's products; elsewhere, and for
    products of a few rows (a classifier head), `F.linear` wins. The routes differ by float32
    rounding only. Under torch.compile the answer is a constant of the trace (timed at trace time)."""
    key = (min(rows, _PROBE_ROWS), in_features, out_features)
    if key not in _LINEAR_ROUTES:
        _LINEAR_ROUTES[key] = _time_linear_routes(*key)
    return _LINEAR_ROUTES[key]


def _time_linear_routes(rows: int, in_features: int, out_features: int) -> bool:
    import time

    generator = torch.Generator().manual_seed(0)  # leaves the global random stream alone
    sample = torch.randn(rows, in_features, generator=generator)
    kernel = torch.randn(in_features, out_features, generator=generator)
    bias = torch.randn(out_features, generator=generator)
    routes = (lambda: F.linear(sample, kernel.T, bias), lambda: _onednn_linear(sample, kernel, bias))
    best = [float("inf"), float("inf")]
    with torch.no_grad():
        for round_ in range(4):  # the first round warms both up and is not counted
            for i, route in enumerate(routes):
                start = time.perf_counter()
                route()
                if round_:
                    best[i] = min(best[i], time.perf_counter() - start)
    return best[1] < best[0]


if _TORCH:
    import torch._dynamo

    _prefers_onednn = torch._dynamo.assume_constant_result(_prefers_onednn)


def conv2d(inputs, kernel, bias=None, *, strides=(1, 1), padding=(0, 0), dilation_rate=(1, 1),
           data_format="channels_last"):
    """2D convolution with a Keras-layout kernel `(kh, kw, in / groups, out)` and an optional bias.

    `padding` is `"same"` (TensorFlow's, the odd pixel at the end) or a symmetric `(pad_h, pad_w)`
    pair of pixels, as PyTorch pads. Groups follow from the kernel's input channels. Any stride
    goes with any dilation, on every backend.
    """
    strides, dilation_rate = tuple(strides), tuple(dilation_rate)
    if _TORCH:
        return _torch_conv2d(inputs, kernel, bias, strides, padding, dilation_rate, data_format)
    if _nchw_through_nhwc_on_tensorflow(data_format):
        outputs = conv2d(ops.transpose(inputs, (0, 2, 3, 1)), kernel, bias, strides=strides, padding=padding,
                         dilation_rate=dilation_rate, data_format="channels_last")
        return ops.transpose(outputs, (0, 3, 1, 2))
    channels_last = data_format == "channels_last"
    spatial = (1, 2) if channels_last else (2, 3)
    strided_dilated = max(strides) > 1 and max(dilation_rate) > 1
    if padding == "same" and strided_dilated:
        # Explicit TF SAME amounts, so that the stride-1 convolution below sees the strided padding.
        padding = tuple(
            _same_padding(inputs, a, k, s, d)
            for a, k, s, d in zip(spatial, kernel.shape[:2], strides, dilation_rate)
        )
    elif padding != "same":
        padding = tuple((p, p) for p in padding)
    if padding != "same" and not all(isinstance(p, int) and p == 0 for pair in padding for p in pair):
        pads = [[0, 0], list(padding[0]), list(padding[1]), [0, 0]]
        if not channels_last:
            pads = [[0, 0], [0, 0], list(padding[0]), list(padding[1])]
        inputs = pad(inputs, pads)
    if strided_dilated and BACKEND == "tensorflow":
        # TensorFlow refuses strides > 1 with dilation > 1: convolve at stride 1 and keep every
        # stride-th output, which are exactly the strided convolution's outputs.
        outputs = ops.conv(inputs, kernel, strides=1, padding="valid", data_format=data_format,
                           dilation_rate=dilation_rate)
        (sh, sw) = strides
        outputs = outputs[:, ::sh, ::sw, :] if channels_last else outputs[:, :, ::sh, ::sw]
    else:
        outputs = ops.conv(inputs, kernel, strides=strides, padding="same" if padding == "same" else "valid",
                           data_format=data_format, dilation_rate=dilation_rate)
    if bias is None:
        return outputs
    if not channels_last:
        bias = ops.reshape(bias, (1, -1, 1, 1))
    # Bias first: Keras' TensorFlow `ops.add(x, v)` turns a vector-like second operand into
    # `tf.nn.bias_add` in NHWC whenever x's last axis has v's length, so an NCHW map whose width
    # equals its channels would get the bias along W (seen with Keras 3.15).
    return ops.add(bias, outputs)


def _nchw_through_nhwc_on_tensorflow(data_format: str) -> bool:
    """TensorFlow's own CPU convolution kernels take NHWC maps only (an NCHW map raises
    `UnimplementedError`, "only supports the NHWC tensor format", forward and backward). NCHW runs on
    a CPU only where TensorFlow routes convolutions through oneDNN, which it turns on for some CPUs
    and not for others, and even there not in float16. Without a GPU, channels_first convolutions go
    through NHWC, whatever the CPU."""
    return BACKEND == "tensorflow" and data_format == "channels_first" and not _tensorflow_gpus()


@functools.cache
def _tensorflow_gpus() -> bool:
    import tensorflow as tf

    return bool(tf.config.list_logical_devices("GPU"))


def conv_transpose2d(inputs, kernel, *, strides=(1, 1), dilation_rate=(1, 1), data_format="channels_last"):
    """Keras' full ("valid") transposed convolution, kernel `(kh, kw, out, in)`, on every dtype."""
    if BACKEND == "tensorflow" and max(dilation_rate) > 1:
        # TensorFlow's CPU kernels refuse dilation here: the same sums with the taps spread out.
        kernel, dilation_rate = _dilated_kernel(kernel, dilation_rate), (1, 1)
    if _nchw_through_nhwc_on_tensorflow(data_format):
        outputs = ops.conv_transpose(ops.transpose(inputs, (0, 2, 3, 1)), kernel, strides, padding="valid",
                                     data_format="channels_last", dilation_rate=dilation_rate)
        return ops.transpose(outputs, (0, 3, 1, 2))
    return ops.conv_transpose(inputs, kernel, strides, padding="valid", data_format=data_format,
                              dilation_rate=dilation_rate)


def _dilated_kernel(kernel, dilation_rate):
    """A `(kh, kw, ...)` kernel with `d - 1` zero taps between its taps along each spatial axis: the
    dilated kernel written out, `((kh - 1) * dh + 1, (kw - 1) * dw + 1, ...)`."""
    (kh, kw, *rest), (dh, dw) = tuple(kernel.shape), dilation_rate
    spread = ops.reshape(kernel, (kh, 1, kw, 1, *rest))
    spread = ops.pad(spread, [(0, 0), (0, dh - 1), (0, 0), (0, dw - 1)] + [(0, 0)] * len(rest))
    spread = ops.reshape(spread, (kh * dh, kw * dw, *rest))
    return spread[: (kh - 1) * dh + 1, : (kw - 1) * dw + 1]


def _same_padding(inputs, axis: int, kernel: int, stride: int, dilation: int):
    """TF SAME `(before, after)` of one axis; from the dynamic size where the static one is unknown
    (TensorFlow traces a model with None sizes once it has seen two image sizes)."""
    size = inputs.shape[axis]
    if size is not None:
        return same_padding(size, kernel, stride, dilation)
    size = ops.shape(inputs)[axis]
    total = ops.maximum(((size + stride - 1) // stride - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def _torch_conv2d(inputs, kernel, bias, strides, padding, dilation_rate, data_format):
    kh, kw, kernel_in, _ = kernel.shape
    channels_last = data_format == "channels_last"
    x = inputs.permute(0, 3, 1, 2) if channels_last else inputs  # NCHW shape, channels-last memory
    if padding == "same":
        (top, bottom), (left, right) = (
            same_padding(size, k, s, d)
            for size, k, s, d in zip(x.shape[2:], (kh, kw), strides, dilation_rate)
        )
        if (top, left) == (bottom, right):
            padding = (top, left)
        else:
            x = F.pad(x, (left, right, top, bottom))
            padding = (0, 0)
    outputs = F.conv2d(x, _value(kernel).permute(3, 2, 0, 1), None if bias is None else _value(bias),
                       stride=strides, padding=tuple(padding), dilation=dilation_rate,
                       groups=x.shape[1] // kernel_in)
    return outputs.permute(0, 2, 3, 1) if channels_last else outputs


def to_channels_first(images):
    """NHWC images as NCHW; on torch a contiguous NCHW tensor (PyTorch's layout, that timm's NCHW
    modules are written for) rather than a view of the NHWC memory."""
    if _TORCH:
        return images.permute(0, 3, 1, 2).contiguous()
    return ops.transpose(images, (0, 3, 1, 2))


def patch_projection(images, kernel, bias, patch_size):
    """A channels-last stride-`patch_size` convolution with a `patch_size` kernel (ViT's patchify).

    On jax the patches are cut out by reshape/transpose and projected by one matmul; elsewhere it
    is `conv2d`. Height and width must be multiples of the patch size.
    """
    if BACKEND != "jax":
        return conv2d(images, kernel, bias, strides=patch_size)
    ph, pw = patch_size
    _, rows, cols, channels = images.shape
    grid_h, grid_w = rows // ph, cols // pw
    patches = ops.reshape(images, (-1, grid_h, ph, grid_w, pw, channels))
    patches = ops.transpose(patches, (0, 1, 3, 2, 4, 5))
    patches = ops.reshape(patches, (-1, grid_h, grid_w, ph * pw * channels))
    return linear(patches, ops.reshape(kernel, (ph * pw * channels, kernel.shape[-1])), bias)


def standardize_kernel(kernel, epsilon: float, gain=None):
    """Weight standardization of a `(kh, kw, in, out)` kernel over all but the output axis, in float32.

    `(w - mean) / sqrt(var + epsilon)` with the biased variance, times `gain` (per output channel)
    when given. On torch this is timm's own single `F.batch_norm` call on the kernel seen as
    `(kh*kw*in, out)` (a view, no copy); elsewhere two passes (mean, then the centred square).
    """
    kernel = ops.cast(kernel, "float32")
    if _TORCH:
        flat = kernel.reshape(-1, kernel.shape[-1])
        gain = None if gain is None else ops.cast(gain, "float32")
        return F.batch_norm(flat, None, None, weight=gain, training=True, momentum=0.0, eps=epsilon).reshape(
            kernel.shape
        )
    _, centred, variance = centred_moments(kernel, (0, 1, 2))
    standardized = centred * ops.rsqrt(variance + epsilon)
    return standardized if gain is None else standardized * ops.cast(gain, "float32")


def take(params, indices, axis: int = 0):
    """`ops.take(params, indices, axis)` with a constant numpy `indices` (a relative-position index).

    On torch the index becomes a tensor by `torch.from_numpy`: Keras' `convert_to_tensor` reads
    `ndarray.dtype`, which torch.compile cannot trace, so `ops.take` there breaks the graph (and the
    layers after it compile as separate frames until dynamo's recompile limit sends them to eager).
    """
    if _TORCH:
        params = _value(params)
        index = torch.from_numpy(indices).to(device=params.device, dtype=torch.long)
        return torch.index_select(params, axis, index)
    return ops.take(params, indices, axis=axis)


def constant(array, dtype: str):
    """A constant numpy `array` (relative coordinates) as a tensor of `dtype`, on torch by
    `torch.from_numpy` for the reason `take` gives."""
    if _TORCH:
        from keras.src.backend.torch.core import get_device

        return torch.from_numpy(array).to(device=get_device(), dtype=getattr(torch, dtype))
    return ops.cast(ops.convert_to_tensor(array), dtype)


# ------------------------------------------------------------------------------------------------
# Norms


def centred_moments(x, axis, *, refine: bool = False):
    """`(mean, x - mean, biased variance)` of `x` over `axis`, kept broadcastable (keepdims), the
    variance from the centred values as PyTorch's norms take it: Keras' `ops.moments` takes
    E[x^2] - E[x]^2, which loses float32 digits (forward and backward) where the mean is large
    against the spread, and can go negative.

    With `refine`, the centred values are centred once more on their own mean (zero but for the
    first mean's rounding), as if the mean had been accumulated in float64 as PyTorch's CPU batch norm
    does. Where a channel's mean is large against its spread, the first mean's float32 rounding is a
    noticeable offset of every centred value; the normalised values carry it, and a batch norm's
    training gradient, which subtracts `x_hat * mean(g * x_hat)` from the incoming gradient, can
    amplify it a thousandfold (MnasNet-small's SGD step missed PyTorch's by 0.5% without it).
    """
    mean = ops.mean(x, axis=axis, keepdims=True)
    centred = x - mean
    if refine:
        offset = ops.mean(centred, axis=axis, keepdims=True)
        centred = centred - offset
        mean = mean + offset
    return mean, centred, ops.mean(ops.square(centred), axis=axis, keepdims=True)


def channel_layer_norm(x, gamma, beta, *, epsilon: float, axis: int):
    """Layer norm of float32 `x` over its channel `axis` (biased variance), times `gamma` plus `beta`
    (already shaped to broadcast).

    torch, channels trailing: torch's fused `layer_norm` (one pass, what timm runs). Elsewhere two
    passes (mean, then the centred square), so the variance never goes negative: reductions on jax
    (faster there than `ops.moments` and Keras' op), sums as products with a ones vector on
    tensorflow, channels trailing.
    """
    trailing = axis in (-1, x.ndim - 1)
    if _TORCH and trailing:
        return ops.layer_normalization(x, gamma, beta, axis=-1, epsilon=epsilon)
    if BACKEND == "tensorflow" and trailing:
        # tensorflow's XLA:CPU runs a reduction over the trailing axis slower than a product of the
        # (pixels, channels) rows with a 1/C column (and than jax's XLA runs the same reduction).
        channels = x.shape[-1]
        rows = ops.reshape(x, (-1, channels))
        averaging = ops.full((channels, 1), 1.0 / channels, dtype=x.dtype)
        centred = rows - ops.matmul(rows, averaging)
        variance = ops.matmul(ops.square(centred), averaging)
        return ops.reshape(centred * ops.rsqrt(variance + epsilon), ops.shape(x)) * gamma + beta
    _, centred, variance = centred_moments(x, axis)
    return centred * ops.rsqrt(variance + epsilon) * gamma + beta


def batch_norm_inference(x, mean, variance, gamma, beta, *, epsilon: float, axis: int):
    """Batch norm of float32 `x` with running statistics, as PyTorch computes it in inference:
    `x * a + b`, with `a = gamma * rsqrt(variance + epsilon)` and `b = beta - mean * a` (ATen's
    linear and constant terms; `gamma`/`beta` may be None). `mean` and friends are per-channel vectors.

    torch: `F.batch_norm` itself, on an NCHW view of a channels-last map. Elsewhere the same two
    terms (XLA fuses the product and the sum); PyTorch's CPU kernel rounds them as fused
    multiply-adds, which `keras.ops` cannot ask for.
    """
    axis = axis % x.ndim
    if _TORCH and x.ndim == 4 and axis in (1, 3):
        nchw = x.permute(0, 3, 1, 2) if axis == 3 else x
        outputs = F.batch_norm(nchw, mean, variance, gamma, beta, training=False, eps=epsilon)
        return outputs.permute(0, 2, 3, 1) if axis == 3 else outputs
    scale = ops.rsqrt(variance + epsilon)
    if gamma is not None:
        scale = scale * gamma
    shift = -mean * scale if beta is None else beta - mean * scale
    channels = [1] * x.ndim
    channels[axis] = -1
    return x * ops.reshape(scale, channels) + ops.reshape(shift, channels)


def _safe_sqrt(x):
    """sqrt whose gradient at 0 is 0 rather than NaN (inf * 0), with the same values as sqrt.

    The double `where` keeps the untaken branch finite too, so no NaN leaks into the gradient.
    """
    positive = x > 0
    return ops.where(positive, ops.sqrt(ops.where(positive, x, ops.ones_like(x))), ops.zeros_like(x))


def spatial_l2_norm(x, axes):
    """`sqrt(sum(x**2))` over `axes`, kept as size-1 axes; torch's fused `vector_norm` (timm's `norm`).

    Elsewhere a guarded sqrt of the sum of squares, which XLA fuses into one pass; both give a zero
    gradient where the norm is zero.
    """
    if _TORCH:
        return torch.linalg.vector_norm(x, 2, dim=tuple(axes), keepdim=True)
    return _safe_sqrt(ops.sum(ops.square(x), axis=tuple(axes), keepdims=True))


# ------------------------------------------------------------------------------------------------
# Attention


def softmax_float32(logits, compute_dtype):
    """Softmax over the last axis in float32, cast back: bf16 softmax loses the small weights."""
    return ops.cast(ops.softmax(ops.cast(logits, "float32"), axis=-1), compute_dtype)


def attention(q, k, v, *, scale: float, bias=None, dropout=None, training=None, compute_dtype: str = "float32"):
    """`softmax(q k^T * scale + bias) v` for `q`, `k`, `v` of shape `(B, T, heads, head_dim)`.

    `bias` broadcasts against the `(B, heads, T, T)` scores; `dropout` (a Keras Dropout layer) acts
    on the attention weights when training. Returns `(B, T, heads, head_dim)`.

    torch in float32 without attention dropout takes PyTorch's fused kernel on strided views (the
    same math); otherwise the explicit form, with the softmax in float32 whatever the compute dtype.
    """
    dropping = dropout is not None and dropout.rate > 0 and bool(training)
    if _TORCH and compute_dtype == "float32" and not dropping:
        q, k, v = (torch.transpose(t, 1, 2) for t in (q, k, v))  # views, no copies
        if bias is not None:
            bias = bias.to(q.dtype)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=bias, scale=scale)
        return torch.transpose(out, 1, 2)
    q = ops.transpose(q, (0, 2, 1, 3)) * ops.cast(scale, q.dtype)
    scores = ops.matmul(q, ops.transpose(k, (0, 2, 3, 1)))
    if bias is not None:
        scores = scores + ops.cast(bias, scores.dtype)
    weights = softmax_float32(scores, compute_dtype)
    if dropout is not None:
        weights = call_layer(dropout, weights, training)
    return ops.transpose(ops.matmul(weights, ops.transpose(v, (0, 2, 1, 3))), (0, 2, 1, 3))
