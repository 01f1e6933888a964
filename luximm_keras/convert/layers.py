"""The Keras layers a converted model holds besides Keras' own: timm's tensors that are not a
module's standard parameters, PyTorch's NCHW convolutions and its LSTM."""

from __future__ import annotations

import keras
import numpy as np

from luximm_keras import backend_ops
from luximm_keras._serializable import serializable
from luximm_keras.interop import transforms


def conv_output_size(n, kernel: int, stride: int, padding: int, dilation: int):
    """PyTorch's convolution output length along one axis (None stays None: the batch, unknown)."""
    return None if n is None else (n + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _policy_dtype(layer: keras.layers.Layer, value_dtype: str) -> str:
    """A float value computes in the layer's policy dtype, as the layers around it do; an integer one
    (an index table) keeps its dtype."""
    return layer.compute_dtype if keras.backend.is_float_dtype(value_dtype) else value_dtype


@serializable
class NCHWImages(keras.layers.Layer):
    """The model's NHWC images as the NCHW tensor timm's module takes (contiguous on torch, so that
    PyTorch runs the same kernels, in the same order, as on timm's NCHW input)."""

    def call(self, images):
        return backend_ops.to_channels_first(images)

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        return (batch, channels, height, width)


@serializable
class TimmTensor(keras.layers.Layer):
    """One parameter or buffer of timm's module used as a tensor (a class token, a position
    embedding, a layer-scale gamma, a relative-position table): its value, whatever the input.

    Loads from and exports to timm's key `key` as stored (no layout change).
    """

    timm_pathless = True

    def __init__(self, key: str, shape, trainable_value: bool = True, value_dtype: str = "float32", **kwargs):
        super().__init__(**kwargs)
        self.key = key
        self.value_shape = tuple(int(d) for d in shape)
        self.trainable_value = trainable_value
        self.value_dtype = value_dtype
        self.timm_rules = {"value": (key, transforms.identity)}

    def build(self, input_shape=None):
        # A float tensor's variable follows the dtype policy, as every other variable of the model.
        floating = keras.backend.is_float_dtype(self.value_dtype)
        self.value = self.add_weight(name="value", shape=self.value_shape, initializer="zeros",
                                     trainable=self.trainable_value, dtype=None if floating else self.value_dtype)

    def call(self, inputs):
        return keras.ops.cast(self.value, _policy_dtype(self, self.value_dtype))

    def compute_output_spec(self, inputs):
        return keras.KerasTensor(self.value_shape, dtype=_policy_dtype(self, self.value_dtype))

    def compute_output_shape(self, input_shape):
        return self.value_shape

    def get_config(self):
        return {**super().get_config(), "key": self.key, "shape": self.value_shape,
                "trainable_value": self.trainable_value, "value_dtype": self.value_dtype}


@serializable
class TorchConstant(keras.layers.Layer):
    """A tensor of timm's module that no checkpoint holds (a non-persistent buffer, a constant the
    trace made): its value is part of the layer's config, whatever the input."""

    def __init__(self, value, value_dtype: str = "float32", **kwargs):
        super().__init__(**kwargs)
        self.value_dtype = value_dtype
        self.value = np.asarray(value, dtype=value_dtype)

    def call(self, inputs):
        return keras.ops.convert_to_tensor(self.value, dtype=_policy_dtype(self, self.value_dtype))

    def compute_output_spec(self, inputs):
        return keras.KerasTensor(self.value.shape, dtype=_policy_dtype(self, self.value_dtype))

    def compute_output_shape(self, input_shape):
        return self.value.shape

    def get_config(self):
        return {**super().get_config(), "value": self.value.tolist(), "value_dtype": self.value_dtype}


@serializable
class TorchConv2d(keras.layers.Layer):
    """PyTorch's `nn.Conv2d` on an NCHW map: symmetric zero padding in pixels, any stride, dilation
    and groups. The kernel is kept in Keras' layout `(kh, kw, in / groups, out)`."""

    timm_mapping = {"kernel": ("weight", "oihw_to_hwio"), "bias": ("bias", "identity")}

    def __init__(self, filters: int, kernel_size, strides=(1, 1), padding=(0, 0), dilation_rate=(1, 1),
                 groups: int = 1, use_bias: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.groups, self.use_bias = int(filters), int(groups), bool(use_bias)
        self.kernel_size = tuple(int(k) for k in kernel_size)
        self.strides = tuple(int(s) for s in strides)
        self.padding = tuple(int(p) for p in padding)
        self.dilation_rate = tuple(int(d) for d in dilation_rate)

    def build(self, input_shape):
        in_channels = int(input_shape[1])
        self.kernel = self.add_weight(name="kernel", shape=(*self.kernel_size, in_channels // self.groups, self.filters),
                                      initializer="he_uniform")
        self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer="zeros") if self.use_bias else None

    def call(self, inputs):
        return backend_ops.conv2d(inputs, self.kernel, self.bias, strides=self.strides, padding=self.padding,
                                  dilation_rate=self.dilation_rate, data_format="channels_first")

    def compute_output_shape(self, input_shape):
        spatial = [conv_output_size(n, k, s, p, d) for n, k, s, p, d in
                   zip(input_shape[2:], self.kernel_size, self.strides, self.padding, self.dilation_rate)]
        return (input_shape[0], self.filters, *spatial)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding, "dilation_rate": self.dilation_rate,
                "groups": self.groups, "use_bias": self.use_bias}


@serializable
class TorchConv1d(keras.layers.Layer):
    """PyTorch's `nn.Conv1d` on an NCL sequence (symmetric zero padding, stride, dilation, groups), run
    as the 2D convolution of an `(N, C, 1, L)` map; the kernel in Keras' conv1d layout `(k, in / groups, out)`."""

    timm_mapping = {"kernel": ("weight", "oik_to_kio"), "bias": ("bias", "identity")}

    def __init__(self, filters: int, kernel_size: int, strides: int = 1, padding: int = 0, dilation_rate: int = 1,
                 groups: int = 1, use_bias: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.kernel_size, self.strides = int(filters), int(kernel_size), int(strides)
        self.padding, self.dilation_rate, self.groups, self.use_bias = int(padding), int(dilation_rate), int(groups), bool(use_bias)

    def build(self, input_shape):
        in_channels = int(input_shape[1])
        self.kernel = self.add_weight(name="kernel", shape=(self.kernel_size, in_channels // self.groups, self.filters),
                                      initializer="he_uniform")
        self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer="zeros") if self.use_bias else None

    def call(self, inputs):
        outputs = backend_ops.conv2d(keras.ops.expand_dims(inputs, 2), keras.ops.expand_dims(self.kernel, 0), self.bias,
                                     strides=(1, self.strides), padding=(0, self.padding),
                                     dilation_rate=(1, self.dilation_rate), data_format="channels_first")
        return keras.ops.squeeze(outputs, 2)

    def compute_output_shape(self, input_shape):
        length = conv_output_size(input_shape[2], self.kernel_size, self.strides, self.padding, self.dilation_rate)
        return (input_shape[0], self.filters, length)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding, "dilation_rate": self.dilation_rate,
                "groups": self.groups, "use_bias": self.use_bias}


@serializable
class TorchConv2dFunction(keras.layers.Layer):
    """PyTorch's functional `F.conv2d(x, weight, bias, ...)` on an NCHW map, with the weight (OIHW)
    and bias as inputs: what a module that computes its kernel (NFNet's standardized weights,
    TResNet's anti-aliasing) convolves with."""

    def __init__(self, strides=(1, 1), padding=(0, 0), dilation_rate=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.strides = tuple(int(v) for v in strides)
        self.padding = tuple(int(v) for v in padding)
        self.dilation_rate = tuple(int(v) for v in dilation_rate)

    def call(self, inputs, weight, bias=None):
        kernel = keras.ops.transpose(weight, (2, 3, 1, 0))
        return backend_ops.conv2d(inputs, kernel, bias, strides=self.strides, padding=self.padding,
                                  dilation_rate=self.dilation_rate, data_format="channels_first")

    def compute_output_shape(self, inputs_shape, weight_shape, bias_shape=None):
        input_shape = inputs_shape
        out, _, *kernel = weight_shape
        spatial = [conv_output_size(n, k, s, p, d) for n, k, s, p, d in
                   zip(input_shape[2:], kernel, self.strides, self.padding, self.dilation_rate)]
        return (input_shape[0], out, *spatial)

    def get_config(self):
        return {**super().get_config(), "strides": self.strides, "padding": self.padding,
                "dilation_rate": self.dilation_rate}


@serializable
class TorchConvTranspose2d(keras.layers.Layer):
    """PyTorch's `nn.ConvTranspose2d` on an NCHW map (stride, padding, output_padding, dilation; one
    group): Keras' full transposed convolution, then PyTorch's crop. The kernel in Keras' transposed
    layout `(kh, kw, out, in)`, which PyTorch's `(in, out, kh, kw)` gives by the same axis order as a
    convolution's."""

    timm_mapping = {"kernel": ("weight", "oihw_to_hwio"), "bias": ("bias", "identity")}

    def __init__(self, filters: int, kernel_size, strides=(1, 1), padding=(0, 0), output_padding=(0, 0),
                 dilation_rate=(1, 1), use_bias: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.use_bias = int(filters), bool(use_bias)
        self.kernel_size = tuple(int(k) for k in kernel_size)
        self.strides = tuple(int(s) for s in strides)
        self.padding = tuple(int(p) for p in padding)
        self.output_padding = tuple(int(p) for p in output_padding)
        self.dilation_rate = tuple(int(d) for d in dilation_rate)

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(*self.kernel_size, self.filters, int(input_shape[1])),
                                      initializer="he_uniform")
        self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer="zeros") if self.use_bias else None

    def _sizes(self, spatial):
        """PyTorch's output size along each axis."""
        return [(n - 1) * s - 2 * p + d * (k - 1) + op + 1 for n, k, s, p, op, d in
                zip(spatial, self.kernel_size, self.strides, self.padding, self.output_padding, self.dilation_rate)]

    def call(self, inputs):
        full = backend_ops.conv_transpose2d(inputs, self.kernel, strides=self.strides,
                                            dilation_rate=self.dilation_rate, data_format="channels_first")
        sizes = self._sizes(inputs.shape[2:])
        short = [max(0, p + n - m) for p, n, m in zip(self.padding, sizes, full.shape[2:])]
        if any(short):  # output_padding beyond the last tap: zeros (and the bias)
            full = keras.ops.pad(full, ((0, 0), (0, 0), (0, short[0]), (0, short[1])))
        (ph, pw), (h, w) = self.padding, sizes
        outputs = full[:, :, ph:ph + h, pw:pw + w]
        if self.bias is not None:
            outputs = outputs + keras.ops.reshape(self.bias, (1, -1, 1, 1))
        return outputs

    def compute_output_shape(self, input_shape):
        if None in input_shape[2:]:
            return (input_shape[0], self.filters, None, None)
        return (input_shape[0], self.filters, *self._sizes(input_shape[2:]))

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding, "output_padding": self.output_padding,
                "dilation_rate": self.dilation_rate, "use_bias": self.use_bias}


@serializable
class TorchLSTM(keras.layers.Layer):
    """PyTorch's `nn.LSTM` on `(batch, time, features)` sequences (`batch_first=True`): any number of
    layers, one or two directions, with or without biases (no projection; no dropout between layers,
    as at inference). PyTorch's gate order (input, forget, cell, output) and each of its tensors as one
    variable under PyTorch's own name (`weight_ih_l0`, `bias_hh_l0_reverse`, ...). Returns what
    PyTorch's returns: `(output, (h_n, c_n))`, the states `(layers * directions, batch, hidden)`."""

    def __init__(self, hidden_size: int, num_layers: int = 1, use_bias: bool = True, bidirectional: bool = False,
                 **kwargs):
        super().__init__(**kwargs)
        self.hidden_size, self.num_layers = int(hidden_size), int(num_layers)
        self.use_bias, self.bidirectional = bool(use_bias), bool(bidirectional)
        self.timm_rules = {name: (name, transforms.identity) for name in self._tensor_names()}

    def _directions(self) -> tuple[str, ...]:
        return ("", "_reverse") if self.bidirectional else ("",)

    def _tensors(self):
        """(layer, direction, kind, PyTorch's name) of every tensor, in PyTorch's order."""
        kinds = ("weight_ih", "weight_hh") + (("bias_ih", "bias_hh") if self.use_bias else ())
        return [(layer, direction, kind, f"{kind}_l{layer}{direction}") for layer in range(self.num_layers)
                for direction in self._directions() for kind in kinds]

    def _tensor_names(self) -> list[str]:
        return [name for *_, name in self._tensors()]

    def build(self, input_shape):
        hidden = self.hidden_size
        # PyTorch's initialization: U(-1/sqrt(hidden), 1/sqrt(hidden)) for every tensor
        init = keras.initializers.RandomUniform(-hidden ** -0.5, hidden ** -0.5)
        shapes = {"weight_hh": (4 * hidden, hidden), "bias_ih": (4 * hidden,), "bias_hh": (4 * hidden,)}
        self.tensors = {}  # (layer, direction) -> {kind: variable}
        for layer, direction, kind, name in self._tensors():
            inputs = int(input_shape[-1]) if layer == 0 else hidden * len(self._directions())
            shape = (4 * hidden, inputs) if kind == "weight_ih" else shapes[kind]
            self.tensors.setdefault((layer, direction), {})[kind] = self.add_weight(
                name=name, shape=shape, initializer=init)

    def _direction(self, x, layer: int, direction: str):
        """One layer in one direction over the whole sequence: its outputs and last states."""
        ops = keras.ops
        t = self.tensors[(layer, direction)]
        gates_in = ops.matmul(x, ops.transpose(t["weight_ih"]))  # every step's input part at once
        if self.use_bias:
            gates_in = gates_in + t["bias_ih"] + t["bias_hh"]
        recurrent = ops.transpose(t["weight_hh"])

        def step(state, gates):
            h, c = state
            i, f, g, o = ops.split(gates + ops.matmul(h, recurrent), 4, axis=-1)
            c = ops.sigmoid(f) * c + ops.sigmoid(i) * ops.tanh(g)
            h = ops.sigmoid(o) * ops.tanh(c)
            return (h, c), (h, c)  # each step's output as the state's structure: Keras' scan on TensorFlow asks so

        zeros = ops.zeros_like(gates_in[:, 0, : self.hidden_size])
        (h, c), (outputs, _) = ops.scan(step, (zeros, zeros), ops.transpose(gates_in, (1, 0, 2)),
                                        reverse=direction == "_reverse")
        return ops.transpose(outputs, (1, 0, 2)), h, c

    def call(self, inputs):
        x, last_h, last_c = inputs, [], []
        for layer in range(self.num_layers):
            runs = [self._direction(x, layer, direction) for direction in self._directions()]
            x = keras.ops.concatenate([r[0] for r in runs], axis=-1) if len(runs) > 1 else runs[0][0]
            last_h += [r[1] for r in runs]
            last_c += [r[2] for r in runs]
        return x, (keras.ops.stack(last_h), keras.ops.stack(last_c))

    def compute_output_shape(self, input_shape):
        batch, steps = input_shape[0], input_shape[1]
        states = (self.num_layers * len(self._directions()), batch, self.hidden_size)
        return (batch, steps, self.hidden_size * len(self._directions())), (states, states)

    def get_config(self):
        return {**super().get_config(), "hidden_size": self.hidden_size, "num_layers": self.num_layers,
                "use_bias": self.use_bias, "bidirectional": self.bidirectional}


def numpy_dtype(tensor) -> str:
    return str(np.dtype(str(tensor.dtype).removeprefix("torch.")))
