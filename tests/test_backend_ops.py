"""The per-backend fast paths of `luximm_keras.layers.fused` against PyTorch/timm references."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from timm.layers.padding import pad_same

import keras
from keras import ops

from luximm_keras.layers import MultiHeadSelfAttention, fused

RNG = np.random.default_rng(7)


def _np(x):
    return ops.convert_to_numpy(x)


@pytest.mark.parametrize("shape", [(2, 5, 7), (7,), (0, 5, 7)], ids=["tokens", "vector", "empty-batch"])
def test_linear_is_matmul_plus_bias(shape):
    x = RNG.standard_normal(shape).astype("float32")
    kernel = RNG.standard_normal((7, 3)).astype("float32")
    bias = RNG.standard_normal(3).astype("float32")
    got = _np(fused.linear(ops.convert_to_tensor(x), ops.convert_to_tensor(kernel), ops.convert_to_tensor(bias)))
    assert got.shape == (*shape[:-1], 3)
    np.testing.assert_allclose(got, x @ kernel + bias, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize(
    "size,kernel_size,stride,padding",
    [(9, 3, 2, "same"), (8, 3, 2, "same"), (8, 4, 1, "same"), (8, 3, 1, (1, 1)), (7, 3, 2, (0, 0))],
)
def test_conv2d_matches_torch_with_timm_padding(data_format, size, kernel_size, stride, padding):
    """TF-style "same" (odd pixel at the end, timm's `pad_same`) and symmetric pairs, bias included."""
    x = RNG.standard_normal((2, 3, size, size + 1)).astype("float32")  # NCHW, non-square
    weight = RNG.standard_normal((4, 3, kernel_size, kernel_size)).astype("float32")  # OIHW
    bias = RNG.standard_normal(4).astype("float32")
    xt = torch.from_numpy(x)
    if padding == "same":
        xt = pad_same(xt, (kernel_size, kernel_size), (stride, stride))
        expected = F.conv2d(xt, torch.from_numpy(weight), torch.from_numpy(bias), stride=stride)
    else:
        expected = F.conv2d(xt, torch.from_numpy(weight), torch.from_numpy(bias), stride=stride, padding=padding)
    expected = expected.numpy()
    inputs = x if data_format == "channels_first" else x.transpose(0, 2, 3, 1)
    got = _np(
        fused.conv2d(
            ops.convert_to_tensor(np.ascontiguousarray(inputs)),
            ops.convert_to_tensor(weight.transpose(2, 3, 1, 0)),
            ops.convert_to_tensor(bias),
            strides=(stride, stride),
            padding=padding,
            data_format=data_format,
        )
    )
    if data_format == "channels_last":
        got = got.transpose(0, 3, 1, 2)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_dense_fast_path_keeps_lora():
    """A LoRA-enabled sublayer must not be bypassed: its output equals a twin with LoRA merged in."""
    x = ops.convert_to_tensor(RNG.standard_normal((2, 5, 8)).astype("float32"))
    attn = MultiHeadSelfAttention(8, num_heads=2)
    attn.build((None, 5, 8))
    baseline = _np(attn(x))
    attn.qkv.enable_lora(2)
    attn.qkv.lora_kernel_b.assign(RNG.standard_normal((2, 24)).astype("float32"))
    with_lora = _np(attn(x))
    assert np.max(np.abs(with_lora - baseline)) > 1e-3, "LoRA had no effect: the fast path skipped it"

    merged = MultiHeadSelfAttention(8, num_heads=2)
    merged.build((None, 5, 8))
    scale = attn.qkv.lora_alpha / attn.qkv.lora_rank
    delta = _np(attn.qkv.lora_kernel_a) @ _np(attn.qkv.lora_kernel_b)
    merged.qkv.kernel.assign(_np(attn.qkv._kernel) + scale * delta)
    merged.qkv.bias.assign(_np(attn.qkv.bias))
    merged.proj.set_weights(attn.proj.get_weights())
    np.testing.assert_allclose(with_lora, _np(merged(x)), rtol=1e-5, atol=1e-5)


def test_skipped_dropout_is_identity_only_when_inactive():
    x = ops.ones((64, 16))
    layer = keras.layers.Dropout(0.5, seed=1)
    assert fused.dropout(layer, x, training=False) is x
    assert fused.dropout(keras.layers.Dropout(0.0), x, training=True) is x
    dropped = _np(fused.dropout(layer, x, training=True))
    assert 0.3 < np.mean(dropped == 0) < 0.7
