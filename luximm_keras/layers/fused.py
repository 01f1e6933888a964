"""The fastest exact forms of the hot operations, per backend: PyTorch's own kernels on torch,
`keras.ops` elsewhere.

On jax and tensorflow the blocks run compiled: XLA fuses a matmul with its bias add, and Python runs
once, at trace time, so `keras.ops` is already the fastest form there. The torch backend runs op by
op, and Keras' generic ops pay for extra intermediates and copies there. So, on torch only:

- `linear` (`dense`, `pointwise`) fuses the bias into the product. For the ViT-S/16 encoder
  (batch 8), Keras' `Dense` (matmul, then a separate bias add that writes a second activation
  tensor) spent 400 ms per forward in PyTorch ops against 372 ms for `F.linear`, which timm runs.
  On CPU in float32 it goes further and runs as a oneDNN 1x1 convolution (`_onednn_linear`).
- `torch_attention` hands strided q/k/v views straight to `F.scaled_dot_product_attention`
  (Keras' op makes each one contiguous first).
- `conv2d` runs `F.conv2d` on a channels-last *view* of an NHWC input, with the bias fused (Keras'
  `ops.conv` copies the input to NCHW and back to channels-last memory, then adds the bias).
- `standardize_kernel` is timm's own single `F.batch_norm` over the kernel.

The fast paths read variables through `.value`, so autocast (mixed precision) and autograd behave as
in Keras' own layers; a sublayer with LoRA, quantization or an activation takes its ordinary
`layer(x)` call instead.
"""

from __future__ import annotations

import keras

_TORCH = keras.backend.backend() == "torch"
if _TORCH:  # the torch backend has imported torch already; other backends never need it
    import torch
    import torch.nn.functional as F


def is_plain(layer) -> bool:
    """No LoRA, no quantization, no activation: the layer is exactly `x @ kernel + bias`."""
    return (
        not getattr(layer, "lora_enabled", False)
        and getattr(layer, "quantization_mode", None) is None
        and layer.activation is keras.activations.linear
    )


def dense(layer: keras.layers.Dense, inputs):
    """`layer(inputs)` for a Keras `Dense` sublayer; `linear` with its variables on torch."""
    if _TORCH and layer.built and is_plain(layer):
        return linear(inputs, layer.kernel, layer.bias)
    return layer(inputs)


def _value(variable):
    return getattr(variable, "value", variable)


def linear(inputs, kernel, bias=None):
    """`inputs @ kernel + bias` over the last axis, `kernel` of shape `(in, out)`."""
    if _TORCH:
        kernel, bias = _value(kernel), None if bias is None else _value(bias)
        on_cpu = inputs.device.type == "cpu" and inputs.numel() > 0
        if on_cpu and inputs.dtype == kernel.dtype == torch.float32:
            return _onednn_linear(inputs, kernel, bias)
        return F.linear(inputs, kernel.T, bias)
    outputs = keras.ops.matmul(inputs, kernel)
    return outputs if bias is None else keras.ops.add(outputs, bias)


def _onednn_linear(inputs, kernel, bias):
    """A float32 linear on CPU as a 1x1 convolution over a channels-last view: PyTorch runs it with
    oneDNN instead of the BLAS behind `F.linear` (MKL). On this project's 2-core AMD EPYC machine
    that halved the time of ViT-S's linears (8x197x384 @ 384x1152: 3.1 ms against 6.6 ms; 384x1536:
    5.5 against 8.5; 1536x384: 4.2 against 8.5); MKL is known to take slow code paths on AMD CPUs.
    The result is the same float32 sum in another order (about 1e-6 relative difference)."""

    *leading, in_features = inputs.shape
    out_features = kernel.shape[-1]
    rows = inputs.reshape(1, -1, 1, in_features).permute(0, 3, 1, 2)  # (1, in, N, 1), a view
    weight = kernel.T.reshape(out_features, in_features, 1, 1)
    outputs = F.conv2d(rows, weight, bias)
    return outputs.permute(0, 2, 3, 1).reshape(*leading, out_features)


def conv_layer(layer: keras.layers.Conv2D, inputs):
    """`layer(inputs)` for a Keras `Conv2D` sublayer with "valid" padding; `conv2d` on torch."""
    if _TORCH and layer.built and is_plain(layer) and layer.padding == "valid":
        return conv2d(inputs, layer.kernel, layer.bias, strides=layer.strides,
                      dilation_rate=layer.dilation_rate, data_format=layer.data_format)
    return layer(inputs)


def same_padding(size: int, kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    """TensorFlow's "SAME" padding (timm's `pad_same`): the odd pixel goes at the end."""
    total = max((-(-size // stride) - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def conv2d(inputs, kernel, bias=None, *, strides=(1, 1), padding=(0, 0), dilation_rate=(1, 1),
           data_format="channels_last"):
    """2D convolution with a Keras-layout kernel `(kh, kw, in / groups, out)` and an optional bias.

    `padding` is `"same"` (TensorFlow's, the odd pixel at the end) or a symmetric `(pad_h, pad_w)`
    pair of pixels, as PyTorch pads. Groups follow from the kernel's input channels.
    """
    channels_last = data_format == "channels_last"
    if not _TORCH:
        if padding != "same" and any(padding):
            pad_h, pad_w = padding
            pads = [[0, 0], [pad_h, pad_h], [pad_w, pad_w], [0, 0]]
            if not channels_last:
                pads = [[0, 0], [0, 0], [pad_h, pad_h], [pad_w, pad_w]]
            inputs = keras.ops.pad(inputs, pads)
        outputs = keras.ops.conv(inputs, kernel, strides=strides, padding="same" if padding == "same" else "valid",
                                 data_format=data_format, dilation_rate=dilation_rate)
        if bias is None:
            return outputs
        if not channels_last:
            bias = keras.ops.reshape(bias, (1, -1, 1, 1))
        # Bias first: Keras' TensorFlow `ops.add(x, v)` turns a vector-like second operand into
        # `tf.nn.bias_add` in NHWC whenever x's last axis has v's length, so an NCHW map whose width
        # equals its channels would get the bias along W (seen with Keras 3.15).
        return keras.ops.add(bias, outputs)


    kh, kw, kernel_in, _ = kernel.shape
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
                       stride=tuple(strides), padding=tuple(padding), dilation=tuple(dilation_rate),
                       groups=x.shape[1] // kernel_in)
    return outputs.permute(0, 2, 3, 1) if channels_last else outputs


def standardize_kernel(kernel, eps: float, gain=None):
    """Weight standardization of a `(kh, kw, in, out)` kernel over all but the output axis, in float32.

    `(w - mean) / sqrt(var + eps)` with the biased variance, times `gain` (per output channel) when
    given. On torch this is timm's own single `F.batch_norm` call on the kernel seen as `(kh*kw*in,
    out)` (a view, no copy); elsewhere two passes (mean, then the centred square).
    """
    kernel = keras.ops.cast(kernel, "float32")
    if _TORCH:
        flat = kernel.reshape(-1, kernel.shape[-1])
        gain = None if gain is None else keras.ops.cast(gain, "float32")
        return F.batch_norm(flat, None, None, weight=gain, training=True, momentum=0.0, eps=eps).reshape(
            kernel.shape
        )
    centred = kernel - keras.ops.mean(kernel, axis=(0, 1, 2), keepdims=True)
    variance = keras.ops.mean(keras.ops.square(centred), axis=(0, 1, 2), keepdims=True)
    standardized = centred * keras.ops.rsqrt(variance + eps)
    return standardized if gain is None else standardized * keras.ops.cast(gain, "float32")


def torch_attention(q, k, v, *, scale: float, bias=None):
    """PyTorch's fused attention for `(B, T, heads, head_dim)` q/k/v; returns the same layout."""

    q, k, v = (torch.transpose(t, 1, 2) for t in (q, k, v))  # views, no copies
    if bias is not None:
        bias = bias.to(q.dtype)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=bias, scale=scale)
    return torch.transpose(out, 1, 2)


def dropout(layer, inputs, training):
    """`layer(inputs, training=training)` for a Dropout or DropPath, skipped when it is the identity.

    A rate of 0 or inference makes both layers return their input; not calling them saves Keras'
    per-call overhead (about 30 us per layer on torch, where it is paid on every forward).
    """
    if layer.rate and training:
        return layer(inputs, training=training)
    return inputs


def spatial_l2_norm(x, axes, safe_sqrt):
    """`sqrt(sum(x**2))` over `axes`, kept as size-1 axes; torch's fused `vector_norm` (timm's `norm`).

    Elsewhere `safe_sqrt(sum(square(x)))`, which XLA fuses into one pass; both give a zero gradient
    where the norm is zero.
    """
    if _TORCH:
        return torch.linalg.vector_norm(x, 2, dim=tuple(axes), keepdim=True)
    return safe_sqrt(keras.ops.sum(keras.ops.square(x), axis=tuple(axes), keepdims=True))


def pointwise(layer: keras.layers.Conv2D, inputs):
    """A 1x1 `Conv2D` sublayer (channels-last) as a matmul over the channel axis."""
    pointwise_conv = layer.kernel_size == (1, 1) and layer.strides == (1, 1) and layer.groups == 1
    if layer.built and is_plain(layer) and pointwise_conv and layer.data_format == "channels_last":
        kernel = layer.kernel
        return linear(inputs, keras.ops.reshape(kernel, kernel.shape[2:]), layer.bias)
    return layer(inputs)
