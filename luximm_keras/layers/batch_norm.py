"""PyTorch's `nn.BatchNorm2d` as a Keras layer: the same output in inference *and* the same running
statistics after a training step, so weights fine-tuned in Keras go back to timm unchanged.

Reference: torch.nn.BatchNorm2d (timm's models use it directly, and `timm/layers/norm_act.py`
`BatchNormAct2d` subclasses it)
"""

from __future__ import annotations

import math

import keras
from keras import ops

from luximm_keras import backend_ops
from luximm_keras._serializable import serializable
from luximm_keras.layers import helpers


@serializable
class BatchNorm2D(keras.layers.BatchNormalization):
    """Batch normalization of a 4D map with PyTorch's defaults and PyTorch's running statistics.

    A subclass of `keras.layers.BatchNormalization` (same variables `gamma`, `beta`, `moving_mean`,
    `moving_variance`, loaded from timm's `weight`, `bias`, `running_mean`, `running_var`). Three
    things differ from Keras' layer:

    - the defaults are PyTorch's: `epsilon=1e-5` and Keras momentum 0.9 (PyTorch's `momentum=0.1`:
      `running = 0.9 * running + 0.1 * batch`);
    - in training the moving variance is updated with the *unbiased* batch variance (times
      n / (n - 1), n the values per channel), as PyTorch does; the output is still normalized with the
      biased one, as in both libraries. Keras' layer uses the biased variance for the update too, so
      one step would leave running variances a factor (n - 1) / n of the update off PyTorch's;
    - in inference it computes PyTorch's `x * a + b` (`a = gamma * rsqrt(var + eps)`,
      `b = beta - mean * a`; on torch PyTorch's own kernel, timm's result to the bit) instead of
      Keras' `(x - mean) * rsqrt(var + eps) * gamma + beta`.

    Args:
        epsilon: added to the variance (PyTorch's 1e-5, not Keras' 1e-3).
        momentum: Keras' momentum of the moving statistics: PyTorch's `momentum=0.1` is Keras' 0.9.
        data_format: `"channels_last"` (default) or `"channels_first"`; sets the channel axis.
        **kwargs: the other `BatchNormalization` arguments (`center`, `scale`, initializers, ...) and
            base layer arguments. `renorm` and `synchronized` are refused (PyTorch's layer has neither).

    Example:
        >>> BatchNorm2D()(keras.ops.ones((2, 7, 7, 64))).shape
        (2, 7, 7, 64)

    Reference: torch.nn.BatchNorm2d.
    """

    def __init__(self, epsilon: float = 1e-5, momentum: float = 0.9, data_format: str | None = None, **kwargs):
        if "axis" in kwargs:
            raise ValueError(f"{type(self).__name__} takes `data_format`, not `axis`.")
        for unsupported in ("renorm", "synchronized"):
            if kwargs.pop(unsupported, False):
                raise ValueError(f"{type(self).__name__} does not support `{unsupported}` (PyTorch has no such option).")
        data_format = helpers.standardize_data_format(data_format)
        super().__init__(axis=helpers.channel_axis(data_format), momentum=momentum, epsilon=epsilon, **kwargs)
        self.data_format = data_format
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def build(self, input_shape):
        if len(input_shape) != 4:
            raise ValueError(f"{self.name}: expected a 4D feature map, got input shape {tuple(input_shape)}.")
        super().build(input_shape)

    def call(self, inputs, training=None, mask=None):
        if mask is not None:
            return super().call(inputs, training=training, mask=mask)
        if not (training and self.trainable):
            return self._inference(inputs)
        # Training: float32 statistics from the centred values (refined, as PyTorch's float64
        # accumulation gives them: see `centred_moments`), normalised from those centred values, with
        # PyTorch's update of the moving variance.
        x = ops.cast(inputs, keras.backend.result_type(inputs.dtype, "float32"))
        mean, centred, variance = backend_ops.centred_moments(x, self._reduction_axes, refine=True)
        outputs = centred * ops.rsqrt(variance + self.epsilon)
        channels = [1] * x.ndim
        channels[self.axis] = -1
        if self.scale:
            outputs = outputs * ops.reshape(ops.cast(self.gamma, x.dtype), channels)
        if self.center:
            outputs = outputs + ops.reshape(ops.cast(self.beta, x.dtype), channels)
        mean, variance = ops.reshape(mean, (-1,)), ops.reshape(variance, (-1,))
        sizes = [x.shape[a] for a in self._reduction_axes]
        if None in sizes:  # a symbolic batch or map size (TensorFlow graphs)
            shape = ops.shape(x)
            count = ops.cast(ops.prod(ops.stack([shape[a] for a in self._reduction_axes])), x.dtype)
            unbiased = variance * (count / ops.maximum(count - 1.0, 1.0))
        else:
            count = math.prod(sizes)
            unbiased = variance * (count / max(count - 1, 1))
        m = self.momentum
        self.moving_mean.assign(ops.cast(self.moving_mean, x.dtype) * m + mean * (1.0 - m))
        self.moving_variance.assign(ops.cast(self.moving_variance, x.dtype) * m + unbiased * (1.0 - m))
        return ops.cast(outputs, self.compute_dtype)

    def _inference(self, inputs):
        # PyTorch's inference form (timm's rounding; on torch its own kernel), not Keras' three passes.
        x = ops.cast(inputs, keras.backend.result_type(inputs.dtype, "float32"))
        outputs = backend_ops.batch_norm_inference(
            x,
            ops.cast(self.moving_mean, x.dtype),
            ops.cast(self.moving_variance, x.dtype),
            ops.cast(self.gamma, x.dtype) if self.scale else None,
            ops.cast(self.beta, x.dtype) if self.center else None,
            epsilon=self.epsilon,
            axis=self.axis,
        )
        return ops.cast(outputs, self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        del config["axis"]  # derived from data_format
        for key in ("renorm", "renorm_clipping", "renorm_momentum", "synchronized"):
            config.pop(key, None)
        config["data_format"] = self.data_format
        return config
