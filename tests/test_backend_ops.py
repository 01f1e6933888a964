"""`luximm_keras.backend_ops` against PyTorch/timm and numpy references, and the rule that every block
calls its `Dense` and 1x1 `Conv2D` sublayers through `backend_ops.call_layer` (checked on every
conformance spec, so on every registered class)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from timm.layers import StdConv2d, StdConv2dSame
from timm.layers.padding import pad_same

import keras
from keras import ops

# tests/layers/conformance.py, the specs of every registered class (tests/ is this file's rootdir on
# sys.path; tests/layers, without an __init__.py, imports as a namespace package).
from layers import conformance as cf
from luximm_keras import backend_ops
from luximm_keras.interop import load_timm_weights
from luximm_keras.layers import DropPath, MultiHeadSelfAttention, StdConv2D

RNG = np.random.default_rng(7)
TOL = dict(rtol=1e-5, atol=1e-5)


def _np(x):
    return cf.to_numpy(x)


def _t(x):
    return ops.convert_to_tensor(np.ascontiguousarray(x))


def _normal(*shape):
    return RNG.standard_normal(shape).astype("float32")


# ----------------------------------------------------------------------------------------------------
# Every block's Dense and 1x1 conv sublayers go through `call_layer`


def sublayers(layer: keras.layers.Layer) -> list[keras.layers.Layer]:
    """Every layer nested in `layer`, at any depth (Keras' own walk, which `layer.weights` uses)."""
    return list(layer._flatten_layers(include_self=False, recursive=True))


def must_use_call_layer(layer: keras.layers.Layer) -> bool:
    """A `Dense`, a 1x1 `Conv2D` or a `ZeroPadding2D`: the sublayers `call_layer` has a fast path for
    (the padding's keeps torch.compile's graph in one piece)."""
    if isinstance(layer, (keras.layers.Dense, keras.layers.ZeroPadding2D)):
        return True
    return isinstance(layer, keras.layers.Conv2D) and tuple(layer.kernel_size) == (1, 1)


def sublayers_bypassing_call_layer(layer, x, monkeypatch) -> tuple[list[str], int]:
    """Runs `layer(x)` (inference) with `backend_ops.call_layer` spied on; returns the paths of the
    sublayers that `must_use_call_layer` and that it was never given, and how many such there are."""
    given = []
    original = backend_ops.call_layer

    def spy(sublayer, inputs, training=None):
        given.append(sublayer)
        return original(sublayer, inputs, training)

    with monkeypatch.context() as patch:
        patch.setattr(backend_ops, "call_layer", spy)
        if cf.BACKEND == "jax":
            # The same Python calls on abstract values: eager jax would compile every op of every spec.
            import jax

            jax.eval_shape(lambda inputs: layer(inputs, training=False), x)
        else:
            layer(x, training=False)
    given_ids = {id(s) for s in given}
    watched = [s for s in sublayers(layer) if must_use_call_layer(s)]
    return [s.path for s in watched if id(s) not in given_ids], len(watched)


CALL_LAYER_CASES = cf.SPECS


def _built(spec):
    """The spec's layer, built by a symbolic call, and an input for it."""
    layer = cf.make_layer(spec)
    layer(keras.Input(shape=cf.symbolic_shape(spec)))
    return layer, cf.random_input(spec.input_shape)


# The routing is the same code on every backend; on jax each spec's eager call compiles every op, so
# there it runs in the slow suite.
@pytest.mark.parametrize("spec", CALL_LAYER_CASES, ids=str)
@(pytest.mark.slow if keras.backend.backend() == "jax" else (lambda test: test))
def test_dense_and_pointwise_sublayers_go_through_call_layer(spec, monkeypatch):
    layer, x = _built(spec)
    bypassing, _ = sublayers_bypassing_call_layer(layer, x, monkeypatch)
    assert not bypassing, f"{spec.id}: called directly, not through backend_ops.call_layer: {bypassing}"


def test_the_specs_have_sublayers_to_watch(monkeypatch):
    """The check above is not vacuous: the blocks' projections are among the watched sublayers."""
    watched = {}
    for spec in cf.SPECS:
        if spec.cls.__name__ in ("MultiHeadSelfAttention", "Mlp", "GlobalResponseNormMlp", "SqueezeExcite", "ViTBlock",
                                 "ConvNeXtBlock", "RelPosAttention2D", "Downsample2D", "MbConvBlock",
                                 "TransformerBlock2D"):
            watched[spec.id] = sublayers_bypassing_call_layer(*_built(spec), monkeypatch)[1]
    assert all(watched.values()), watched


class _BypassingBlock(keras.layers.Layer):
    """A block that calls its Dense directly (and its 1x1 conv through `call_layer`)."""

    def __init__(self, direct: bool, **kwargs):
        super().__init__(**kwargs)
        self.direct = direct
        self.fc = keras.layers.Dense(4, name="fc")
        self.pw = keras.layers.Conv2D(4, 1, name="pw")
        self.mlp = cf.make_layer(next(s for s in cf.SPECS if s.cls.__name__ == "Mlp"))

    def build(self, input_shape):
        self.pw.build(input_shape)
        self.fc.build((*input_shape[:-1], 4))
        self.mlp.build((*input_shape[:-1], 4))

    def call(self, x):
        x = backend_ops.call_layer(self.pw, x)
        x = self.fc(x) if self.direct else backend_ops.call_layer(self.fc, x)
        return self.mlp(x)


def test_the_check_catches_a_sublayer_called_directly(monkeypatch):
    x = np.ones((2, 3, 5, 6), "float32")
    for direct, expected in ((True, ["fc"]), (False, [])):
        block = _BypassingBlock(direct, name="block")
        block(x)
        bypassing, watched = sublayers_bypassing_call_layer(block, x, monkeypatch)
        assert [path.rsplit("/", 1)[-1] for path in bypassing] == expected
        assert watched == 4  # pw, fc, mlp/fc1, mlp/fc2


# ----------------------------------------------------------------------------------------------------
# call_layer


CONV_CASES = {
    "1x1": (lambda df: keras.layers.Conv2D(5, 1, data_format=df), (2, 5, 7, 6)),
    "1x1-s2-nobias": (lambda df: keras.layers.Conv2D(5, 1, strides=2, use_bias=False, data_format=df), (2, 5, 7, 6)),
    "3x3-s2-same-groups": (lambda df: keras.layers.Conv2D(6, 3, strides=2, padding="same", groups=2, data_format=df),
                           (2, 5, 7, 6)),
    "3x2-valid-d2": (lambda df: keras.layers.Conv2D(5, (3, 2), dilation_rate=2, data_format=df), (2, 9, 8, 6)),
}
LAYER_CASES = [("dense", lambda df: keras.layers.Dense(5), (2, 3, 6), "channels_last")] + [
    (f"{name}-{df}", make, shape, df)
    for name, (make, shape) in CONV_CASES.items()
    for df in ("channels_last", "channels_first")
]


@pytest.mark.parametrize("name, make, shape, data_format", LAYER_CASES, ids=[c[0] for c in LAYER_CASES])
def test_call_layer_gives_the_layer_call(name, make, shape, data_format):
    """Keras' own layer call as the reference; for channels_first, its channels_last twin's with the
    same weights, transposed (TensorFlow's CPU kernels take no NCHW map, so Keras' own channels_first
    Conv2D fails there unless TensorFlow runs oneDNN's; and where it runs, it adds its bias along W
    when the width equals the channels: widths differ from channels here, the next test has them
    equal)."""
    layer, twin = make(data_format), make("channels_last")
    x = _normal(*shape)
    twin(x)
    cf.randomize_weights(twin, std=1.0)
    expected = _np(twin(x))
    if data_format == "channels_first":
        x, expected = x.transpose(0, 3, 1, 2), expected.transpose(0, 3, 1, 2)
    layer.build(x.shape)
    layer.set_weights(twin.get_weights())
    np.testing.assert_allclose(_np(backend_ops.call_layer(layer, _t(x))), expected, **TOL)


def test_call_layer_adds_a_channels_first_bias_per_channel_when_width_equals_channels():
    """Keras' own channels_first Conv2D adds its bias along W on TensorFlow when the output is as
    wide as it has channels (`ops.add` turns into an NHWC `bias_add`); `call_layer` must not."""
    first = keras.layers.Conv2D(5, 3, padding="same", data_format="channels_first")
    last = keras.layers.Conv2D(5, 3, padding="same", data_format="channels_last")
    x = _normal(2, 4, 5, 3)  # NHWC, 5 wide: as wide as the 5 output channels
    last(x)
    first.build(x.transpose(0, 3, 1, 2).shape)
    cf.randomize_weights(last, std=1.0)
    first.set_weights(last.get_weights())
    expected = _np(last(x)).transpose(0, 3, 1, 2)
    np.testing.assert_allclose(_np(backend_ops.call_layer(first, _t(x.transpose(0, 3, 1, 2)))), expected, **TOL)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_call_layer_zero_padding_is_the_layer_call(data_format):
    layer = keras.layers.ZeroPadding2D(((1, 2), (0, 3)), data_format=data_format)
    x = _normal(2, 3, 4, 5)
    expected = _np(layer(x))
    assert expected.shape == ((2, 6, 7, 5) if data_format == "channels_last" else (2, 3, 7, 8))
    np.testing.assert_array_equal(_np(backend_ops.call_layer(layer, _t(x))), expected)


@pytest.mark.skipif(cf.BACKEND != "torch", reason="torch.compile's graph breaks")
def test_call_layer_zero_padding_keeps_one_torch_graph():
    """Keras' `ops.pad` makes an `Operation` on every eager call; dynamo then breaks the graph at
    the next layer call ("mapping proxy affected by dictionary mutation")."""
    import torch._dynamo

    pad = keras.layers.ZeroPadding2D(1)
    conv = keras.layers.DepthwiseConv2D(3, strides=2)
    x = _t(_normal(2, 8, 8, 4))
    conv(pad(x))
    torch._dynamo.reset()
    explained = torch._dynamo.explain(lambda t: conv(backend_ops.call_layer(pad, t)))(x)
    assert explained.graph_break_count == 0, explained.break_reasons


PAD_CASES = [
    ("constant", [[0, 0], [1, 2], [0, 3], [0, 0]], 0.0),
    ("constant", [[0, 0], [1, 1], [1, 1], [0, 0]], float("-inf")),
    ("constant", [[0, 0], [2, 1]], 0.0),
    ("constant", [[0, 0], [1, 0], [0, 1], [0, 0]], None),
    ("reflect", [[0, 0], [1, 1], [2, 1], [0, 0]], None),
    ("reflect", [[0, 0], [0, 0], [1, 1], [1, 1]], None),
    ("edge", [[0, 0], [1, 2], [0, 0], [0, 0]], None),
    ("wrap", [[0, 0], [2, 1]], None),
    ("symmetric", [[0, 0], [1, 1], [1, 1], [0, 0]], None),
]


@pytest.mark.parametrize("mode, pad_width, value", PAD_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(PAD_CASES)])
def test_pad_is_numpys_pad(mode, pad_width, value):
    if cf.BACKEND == "tensorflow" and mode in ("edge", "wrap"):
        pytest.skip(f"Keras' pad on TensorFlow has no {mode!r} mode")
    x = _normal(2, 4, 5, 3)[:, 0, 0, :] if len(pad_width) == 2 else _normal(2, 4, 5, 3)
    expected = np.pad(x, pad_width, mode=mode, **({} if value is None else {"constant_values": value}))
    got = _np(backend_ops.pad(_t(x), pad_width, mode=mode, constant_values=value))
    np.testing.assert_array_equal(got, expected)
    if mode in ("constant", "reflect", "symmetric"):  # the modes Keras' pad has on every backend
        np.testing.assert_array_equal(_np(ops.pad(_t(x), pad_width, mode=mode, constant_values=value)), expected)


def test_pad_builds_a_functional_model():
    inputs = keras.Input((4, 5, 3))
    model = keras.Model(inputs, backend_ops.pad(inputs, [[0, 0], [1, 1], [1, 1], [0, 0]], constant_values=-1.0))
    x = _normal(2, 4, 5, 3)
    np.testing.assert_array_equal(_np(model(x)), np.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], constant_values=-1.0))


@pytest.mark.skipif(cf.BACKEND != "torch", reason="torch.compile's graph breaks")
@pytest.mark.parametrize("mode", ["constant", "reflect"])
def test_pad_keeps_one_torch_graph(mode):
    import torch._dynamo

    conv = keras.layers.DepthwiseConv2D(3, strides=2)
    x = _t(_normal(2, 8, 8, 4))
    conv(x)
    torch._dynamo.reset()
    explained = torch._dynamo.explain(lambda t: conv(backend_ops.pad(t, [[0, 0], [1, 1], [1, 1], [0, 0]], mode=mode)))(x)
    assert explained.graph_break_count == 0, explained.break_reasons


def test_call_layer_keeps_lora():
    """A LoRA-enabled sublayer must not be bypassed: its output equals a twin with LoRA merged in."""
    x = _t(_normal(2, 5, 8))
    attn = MultiHeadSelfAttention(8, num_heads=2)
    attn.build((None, 5, 8))
    baseline = _np(attn(x))
    attn.qkv.enable_lora(2)
    attn.qkv.lora_kernel_b.assign(_normal(2, 24))
    assert not backend_ops.is_plain(attn.qkv)
    with_lora = _np(attn(x))
    assert np.max(np.abs(with_lora - baseline)) > 1e-3, "LoRA had no effect: the fast path skipped it"

    merged = MultiHeadSelfAttention(8, num_heads=2)
    merged.build((None, 5, 8))
    scale = attn.qkv.lora_alpha / attn.qkv.lora_rank
    delta = _np(attn.qkv.lora_kernel_a) @ _np(attn.qkv.lora_kernel_b)
    merged.qkv.kernel.assign(_np(attn.qkv._kernel) + scale * delta)
    merged.qkv.bias.assign(_np(attn.qkv.bias))
    merged.proj.set_weights(attn.proj.get_weights())
    np.testing.assert_allclose(with_lora, _np(merged(x)), **TOL)


def test_call_layer_keeps_an_activation():
    layer = keras.layers.Dense(4, activation="relu")
    x = _t(_normal(3, 6))
    assert not backend_ops.is_plain(layer)
    np.testing.assert_allclose(_np(backend_ops.call_layer(layer, x)), _np(layer(x)), **TOL)
    assert np.min(_np(backend_ops.call_layer(layer, x))) >= 0.0


@pytest.mark.parametrize("make", [lambda: keras.layers.Dropout(0.5, seed=1), lambda: DropPath(0.5, seed=1)],
                         ids=["Dropout", "DropPath"])
def test_skipped_dropout_is_identity_only_when_inactive(make):
    x = ops.ones((64, 16))
    layer = make()
    assert backend_ops.call_layer(layer, x, training=False) is x
    assert backend_ops.call_layer(layer, x) is x
    assert backend_ops.call_layer(type(layer)(0.0), x, training=True) is x
    dropped = _np(backend_ops.call_layer(layer, x, training=True))
    assert 0.3 < np.mean(dropped == 0) < 0.7


# ----------------------------------------------------------------------------------------------------
# linear, conv2d, patch_projection


@pytest.mark.parametrize("shape", [(2, 5, 7), (7,), (0, 5, 7)], ids=["tokens", "vector", "empty-batch"])
def test_linear_is_matmul_plus_bias(shape):
    x = _normal(*shape)
    kernel, bias = _normal(7, 3), _normal(3)
    got = _np(backend_ops.linear(_t(x), _t(kernel), _t(bias)))
    assert got.shape == (*shape[:-1], 3)
    np.testing.assert_allclose(got, x @ kernel + bias, **TOL)
    np.testing.assert_allclose(_np(backend_ops.linear(_t(x), _t(kernel))), x @ kernel, **TOL)


@pytest.mark.skipif(cf.BACKEND != "torch", reason="the linear routes are torch's")
@pytest.mark.parametrize("onednn", [True, False], ids=["onednn-1x1-conv", "F.linear"])
def test_linear_routes_are_both_matmul_plus_bias(onednn, monkeypatch):
    """The measured choice between oneDNN's 1x1 convolution and `F.linear` is recorded per shape and
    either route gives the product plus bias."""
    x, kernel, bias = _normal(2, 5, 7), _normal(7, 3), _normal(3)
    monkeypatch.setattr(backend_ops, "_LINEAR_ROUTES", {})
    backend_ops.linear(_t(x), _t(kernel), _t(bias))
    assert list(backend_ops._LINEAR_ROUTES) == [(10, 7, 3)]  # timed on its first call
    backend_ops._LINEAR_ROUTES[(10, 7, 3)] = onednn
    np.testing.assert_allclose(_np(backend_ops.linear(_t(x), _t(kernel), _t(bias))), x @ kernel + bias, **TOL)


def _torch_conv(x, weight, bias, stride, padding, dilation=1, groups=1):
    """PyTorch's conv2d on NCHW numpy arrays, with timm's `pad_same` (TF SAME) for `"same"`."""
    xt, k = torch.from_numpy(x), weight.shape[2:]
    if padding == "same":
        xt = pad_same(xt, k, (stride, stride), (dilation, dilation))
        padding = 0
    bias = None if bias is None else torch.from_numpy(bias)
    return F.conv2d(xt, torch.from_numpy(weight), bias, stride=stride, padding=padding, dilation=dilation,
                    groups=groups).numpy()


def _ours_conv(x, weight, bias, data_format, **kwargs):
    """`backend_ops.conv2d` on the NCHW array `x` in `data_format`, returned as NCHW."""
    inputs = x if data_format == "channels_first" else x.transpose(0, 2, 3, 1)
    got = _np(backend_ops.conv2d(_t(inputs), _t(weight.transpose(2, 3, 1, 0)), None if bias is None else _t(bias),
                                 data_format=data_format, **kwargs))
    return got if data_format == "channels_first" else got.transpose(0, 3, 1, 2)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize(
    "size,kernel_size,stride,padding",
    [(9, 3, 2, "same"), (8, 3, 2, "same"), (8, 4, 1, "same"), (8, 3, 1, (1, 1)), (7, 3, 2, (0, 0))],
)
def test_conv2d_matches_torch_with_timm_padding(data_format, size, kernel_size, stride, padding):
    """TF-style "same" (odd pixel at the end, timm's `pad_same`) and symmetric pairs, bias included."""
    x = _normal(2, 3, size, size + 1)  # NCHW, non-square
    weight, bias = _normal(4, 3, kernel_size, kernel_size), _normal(4)
    expected = _torch_conv(x, weight, bias, stride, padding)
    got = _ours_conv(x, weight, bias, data_format, strides=(stride, stride), padding=padding)
    np.testing.assert_allclose(got, expected, **TOL)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("padding", ["same", (0, 0), (2, 2), (1, 2)], ids=str)
@pytest.mark.parametrize("size", [9, 10], ids=["odd", "even"])
def test_strided_dilated_conv2d_matches_torch(size, padding, data_format):
    """strides=2 with dilation_rate=2, which TensorFlow's convolution refuses: a stride-1 dilated
    convolution subsampled there. Non-square map and kernel; grouped, with and without bias."""
    x = _normal(2, 4, size, size + 3)
    for weight, bias, groups in ((_normal(6, 4, 3, 2), _normal(6), 1), (_normal(6, 2, 3, 3), None, 2)):
        expected = _torch_conv(x, weight, bias, 2, padding, dilation=2, groups=groups)
        got = _ours_conv(x, weight, bias, data_format, strides=(2, 2), padding=padding, dilation_rate=(2, 2))
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, **TOL)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("same", [False, True], ids=["StdConv2d", "StdConv2dSame"])
def test_strided_dilated_std_conv_matches_timm(same, data_format):
    timm_cls = StdConv2dSame if same else StdConv2d
    reference = timm_cls(4, 6, 3, stride=2, dilation=2, bias=True, eps=1e-8).eval()
    with torch.no_grad():
        reference.weight.normal_()
        reference.bias.normal_()
    layer = StdConv2D(6, 3, strides=2, dilation_rate=2, padding="same" if same else None, use_bias=True,
                      epsilon=1e-8, data_format=data_format)
    layer.build((None, 4, None, None) if data_format == "channels_first" else (None, None, None, 4))
    report = load_timm_weights(layer, {k: v.detach().numpy() for k, v in reference.state_dict().items()})
    assert report.ok, report.describe()
    for size in (9, 10):
        x = _normal(2, 4, size, size + 3)
        with torch.no_grad():
            expected = reference(torch.from_numpy(x)).numpy()
        inputs = x if data_format == "channels_first" else x.transpose(0, 2, 3, 1)
        got = _np(layer(inputs))
        got = got if data_format == "channels_first" else got.transpose(0, 3, 1, 2)
        assert got.shape == expected.shape, size
        np.testing.assert_allclose(got, expected, **TOL, err_msg=f"size {size}")


def test_strided_dilated_same_conv_runs_compiled_on_unknown_sizes():
    """TensorFlow traces a model with None sizes once it has seen two image sizes: the SAME padding of
    the strided dilated conv then comes from the dynamic shape."""
    layer = StdConv2D(6, 3, strides=2, dilation_rate=2, padding="same", use_bias=True)
    model = keras.Sequential([keras.Input((None, None, 4)), layer])
    for size in (9, 10, 12, 7):
        x = _normal(1, size, size + 1, 4)
        np.testing.assert_allclose(model.predict(x, verbose=0), _np(layer(x)), **TOL, err_msg=f"size {size}")


@pytest.mark.parametrize("patch_size", [(4, 4), (4, 2)], ids=str)
def test_patch_projection_is_the_strided_conv(patch_size):
    x = _normal(2, 8, 12, 3)
    kernel, bias = _normal(*patch_size, 3, 5), _normal(5)
    expected = _torch_conv(x.transpose(0, 3, 1, 2), kernel.transpose(3, 2, 0, 1), bias, patch_size, 0)
    got = _np(backend_ops.patch_projection(_t(x), _t(kernel), _t(bias), patch_size))
    np.testing.assert_allclose(got.transpose(0, 3, 1, 2), expected, **TOL)


# ----------------------------------------------------------------------------------------------------
# Kernel standardization, norms, attention


@pytest.mark.parametrize("gain", [False, True])
def test_standardize_kernel_is_per_output_channel(gain):
    kernel = _normal(3, 2, 4, 5) * 3 + 1
    g = _normal(5) if gain else None
    centred = kernel - kernel.mean(axis=(0, 1, 2), keepdims=True)
    expected = centred / np.sqrt(centred.var(axis=(0, 1, 2), keepdims=True) + 1e-5)
    if gain:
        expected = expected * g
    got = _np(backend_ops.standardize_kernel(_t(kernel), 1e-5, gain=None if g is None else _t(g)))
    np.testing.assert_allclose(got, expected, **TOL)


@pytest.mark.parametrize("axis", [-1, 1])
def test_channel_layer_norm(axis):
    x = _normal(2, 6, 3, 6) * 2 + 0.5  # channels equal width: the axis, not the size, decides
    shape = (1, 6, 1, 1) if axis == 1 else (6,)
    gamma, beta = _normal(*shape), _normal(*shape)
    mean = x.mean(axis=axis, keepdims=True)
    expected = (x - mean) / np.sqrt(x.var(axis=axis, keepdims=True) + 1e-6) * gamma + beta
    got = backend_ops.channel_layer_norm(_t(x), _t(gamma), _t(beta), epsilon=1e-6, axis=axis)
    np.testing.assert_allclose(_np(got), expected, **TOL)


def test_spatial_l2_norm_keeps_axes():
    x = _normal(2, 4, 5, 3)
    x[1] = 0.0
    got = _np(backend_ops.spatial_l2_norm(_t(x), (1, 2)))
    np.testing.assert_allclose(got, np.sqrt(np.sum(x**2, axis=(1, 2), keepdims=True)), **TOL)
    assert not np.any(got[1])


@pytest.mark.parametrize("with_bias", [False, True])
def test_attention_is_softmax_of_scaled_scores(with_bias):
    q, k, v = _normal(2, 6, 3, 4), _normal(2, 6, 3, 4), _normal(2, 6, 3, 4)  # (B, T, heads, head_dim)
    bias = _normal(1, 3, 6, 6) if with_bias else None
    scores = np.einsum("bqhd,bkhd->bhqk", q, k) * 0.5 + (0.0 if bias is None else bias)
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    expected = np.einsum("bhqk,bkhd->bqhd", weights, v)
    dropout = keras.layers.Dropout(0.5)
    got = backend_ops.attention(_t(q), _t(k), _t(v), scale=0.5, bias=None if bias is None else _t(bias),
                                dropout=dropout, training=False)
    np.testing.assert_allclose(_np(got), expected, **TOL)
