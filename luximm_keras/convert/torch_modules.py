"""PyTorch's and timm's modules as Keras layers in a converted model: each becomes a layer named after
the module's path (so that the loader finds its parameters under timm's keys), computing in PyTorch's
layout. Registered on the first conversion (torch is imported only to convert).
"""

from __future__ import annotations

import keras
from keras import ops

from luximm_keras.convert.layers import TorchConv1d, TorchConv2d, TorchConvTranspose2d, TorchLSTM
from luximm_keras.convert.mapping import MODULES, flatten, register_module
from luximm_keras.convert.torch_functions import (
    _adaptive_avg_pool2d,
    _adaptive_max_pool2d,
    _fold,
    _gelu,
    _interpolate,
    _pad,
    _pair,
    _pool2d,
    _same_pads,
    _unfold,
)
from luximm_keras.layers.batch_norm import BatchNorm2D
from luximm_keras.layers.norm_act import BatchNormAct2D

_ACTIVATION_NAMES: dict[type, str] = {}  # PyTorch's activation modules -> Keras' activation names


def _activation(name: str, **kwargs):
    def build(module, layer_name):
        return keras.layers.Activation(name, name=layer_name)
    return build


def register() -> None:
    from timm.layers.conv2d_same import Conv2dSame
    from timm.layers.norm_act import BatchNormAct2d
    from timm.layers.pool2d_same import MaxPool2dSame
    from torch import nn


    @register_module(nn.Conv2d)
    def _conv(m, name):
        padding = m.padding
        if padding == "same":  # PyTorch's stride-1 "same": the odd pixel after, as TensorFlow's SAME
            conv = TorchConv2d(m.out_channels, m.kernel_size, m.stride, (0, 0), m.dilation, m.groups,
                               m.bias is not None, name=name)
            return lambda x: conv(ops.pad(x, _same_pads(x, m.kernel_size, m.stride, m.dilation)))
        if m.padding_mode != "zeros" or isinstance(padding, str):
            raise NotImplementedError(f"Conv2d padding {m.padding!r} / mode {m.padding_mode!r}")
        return TorchConv2d(m.out_channels, m.kernel_size, m.stride, padding, m.dilation, m.groups,
                           m.bias is not None, name=name)

    @register_module(nn.Conv1d)
    def _conv1d(m, name):
        if m.padding_mode != "zeros" or isinstance(m.padding, str):
            raise NotImplementedError(f"Conv1d padding {m.padding!r} / mode {m.padding_mode!r}")
        return TorchConv1d(m.out_channels, m.kernel_size[0], m.stride[0], m.padding[0], m.dilation[0], m.groups,
                           m.bias is not None, name=name)

    @register_module(nn.ConvTranspose2d)
    def _conv_transpose(m, name):
        if m.groups != 1 or m.padding_mode != "zeros":
            raise NotImplementedError(f"ConvTranspose2d with groups {m.groups} / mode {m.padding_mode!r}")
        return TorchConvTranspose2d(m.out_channels, m.kernel_size, m.stride, m.padding, m.output_padding,
                                    m.dilation, m.bias is not None, name=name)

    @register_module(Conv2dSame)
    def _conv_same(m, name):
        conv = TorchConv2d(m.out_channels, m.kernel_size, m.stride, (0, 0), m.dilation, m.groups,
                           m.bias is not None, name=name)
        return lambda x: conv(ops.pad(x, _same_pads(x, m.kernel_size, m.stride, m.dilation)))

    @register_module(MaxPool2dSame)
    def _max_pool_same(m, name):
        kernel, stride, dilation = _pair(m.kernel_size), _pair(m.stride), _pair(m.dilation)
        return lambda x: _pool2d("max", ops.pad(x, _same_pads(x, kernel, stride, dilation), constant_values=float("-inf")),
                                 kernel, stride, 0, dilation, m.ceil_mode)

    @register_module(nn.ZeroPad2d)
    def _zero_pad(m, name):
        return lambda x: _pad(x, m.padding)

    @register_module(nn.Upsample)
    def _upsample(m, name):
        return lambda x: _interpolate(x, m.size, m.scale_factor, m.mode, m.align_corners)

    @register_module(nn.Linear)
    def _dense(m, name):
        return keras.layers.Dense(m.out_features, use_bias=m.bias is not None, name=name)

    @register_module(nn.BatchNorm2d)
    def _bn(m, name):
        return BatchNorm2D(epsilon=m.eps, momentum=1 - (m.momentum or 0.1), data_format="channels_first",
                           center=m.affine, scale=m.affine, name=name)

    @register_module(nn.BatchNorm1d)
    def _bn1d(m, name):
        return keras.layers.BatchNormalization(axis=1, epsilon=m.eps, momentum=1 - (m.momentum or 0.1),
                                               center=m.affine, scale=m.affine, name=name)

    def activation_name(act):
        """Keras' name for PyTorch's or timm's activation module (timm's own classes by name)."""
        if isinstance(act, nn.Identity):
            return None
        if isinstance(act, nn.GELU) and act.approximate != "none":
            raise NotImplementedError("tanh-approximated GELU inside a norm")
        if type(act) in _ACTIVATION_NAMES:
            return _ACTIVATION_NAMES[type(act)]
        by_name = {"gelu": "gelu", "relu": "relu", "silu": "silu", "swish": "silu", "sigmoid": "sigmoid",
                   "tanh": "tanh", "hardswish": "hard_swish", "hardsigmoid": "hard_sigmoid", "relu6": "relu6",
                   "mish": "mish", "elu": "elu"}
        name = by_name.get(type(act).__name__.lower())
        if name is None:
            raise NotImplementedError(f"activation {type(act).__name__}")
        return name

    @register_module(BatchNormAct2d)
    def _bn_act(m, name):
        if not isinstance(m.drop, nn.Identity) and not isinstance(m.drop, nn.Dropout):
            raise NotImplementedError(f"BatchNormAct2d with drop {type(m.drop).__name__}")
        try:
            activation, act = activation_name(m.act), None
        except NotImplementedError:  # an activation with arguments (TResNet's LeakyReLU): its own mapping
            if type(m.act) not in MODULES:
                raise
            activation, act = None, MODULES[type(m.act)](m.act, f"{name}__act")
        norm = BatchNormAct2D(epsilon=m.eps, momentum=1 - (m.momentum or 0.1), activation=activation,
                              data_format="channels_first", center=m.affine, scale=m.affine, name=name)
        return norm if act is None else (lambda x: act(norm(x)))

    @register_module(nn.LSTM)
    def _lstm(m, name):
        if not m.batch_first or m.proj_size:
            raise NotImplementedError("LSTM with batch_first=False or a projection")
        lstm = TorchLSTM(m.hidden_size, m.num_layers, m.bias, m.bidirectional, name=name)

        def call(x, hx=None):
            if hx is not None:
                raise NotImplementedError("LSTM from given initial states")
            return lstm(x)
        return call

    @register_module(nn.LayerNorm)
    def _ln(m, name):
        if len(m.normalized_shape) != 1:
            raise NotImplementedError("LayerNorm over more than one axis")
        return keras.layers.LayerNormalization(axis=-1, epsilon=m.eps, center=m.bias is not None,
                                               scale=m.elementwise_affine, name=name)

    @register_module(nn.GroupNorm)
    def _gn(m, name):
        return keras.layers.GroupNormalization(m.num_groups, axis=1, epsilon=m.eps, center=m.affine,
                                               scale=m.affine, name=name)

    _ACTIVATION_NAMES.update({nn.ReLU: "relu", nn.SiLU: "silu", nn.Sigmoid: "sigmoid", nn.Tanh: "tanh",
                              nn.Hardswish: "hard_swish", nn.Hardsigmoid: "hard_sigmoid", nn.ReLU6: "relu6",
                              nn.Mish: "mish", nn.ELU: "elu"})
    for cls, act in _ACTIVATION_NAMES.items():
        MODULES[cls] = _activation(act)
    MODULES[nn.GELU] = lambda m, name: (lambda x: _gelu(x, m.approximate))
    MODULES[nn.Identity] = lambda m, name: (lambda x, *a, **k: x)
    MODULES[nn.Dropout] = lambda m, name: keras.layers.Dropout(m.p, name=name) if m.p else (lambda x: x)
    MODULES[nn.Softmax] = lambda m, name: (lambda x: ops.softmax(x, axis=m.dim))
    MODULES[nn.Flatten] = lambda m, name: (lambda x: flatten(x, m.start_dim, m.end_dim))
    MODULES[nn.AdaptiveAvgPool2d] = lambda m, name: (lambda x: _adaptive_avg_pool2d(x, m.output_size))
    MODULES[nn.AdaptiveMaxPool2d] = lambda m, name: (lambda x: _adaptive_max_pool2d(x, m.output_size))
    MODULES[nn.MaxPool2d] = lambda m, name: (lambda x: _pool2d(
        "max", x, m.kernel_size, m.stride, m.padding, m.dilation, m.ceil_mode, return_indices=m.return_indices))
    MODULES[nn.AvgPool2d] = lambda m, name: (lambda x: _pool2d(
        "avg", x, m.kernel_size, m.stride, m.padding, 1, m.ceil_mode, m.count_include_pad, m.divisor_override))
    MODULES[nn.Unfold] = lambda m, name: (lambda x: _unfold(x, m.kernel_size, m.dilation, m.padding, m.stride))
    MODULES[nn.Fold] = lambda m, name: (lambda x: _fold(x, m.output_size, m.kernel_size, m.dilation, m.padding,
                                                         m.stride))
    MODULES[nn.LeakyReLU] = lambda m, name: (lambda x: ops.leaky_relu(x, m.negative_slope))
    MODULES[nn.AvgPool1d] = lambda m, name: (lambda x: ops.squeeze(_pool2d(
        "avg", ops.expand_dims(x, 2), (1, m.kernel_size[0]), (1, m.stride[0]), (0, m.padding[0]), 1, m.ceil_mode,
        m.count_include_pad), 2))
