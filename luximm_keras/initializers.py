"""PyTorch's initializers as Keras' own, configured: nothing new to serialize; and
`host_initialization`, which draws Keras' initial values with NumPy (a quick model build on JAX).

Reference: torch.nn.init.kaiming_normal_, torch.nn.init.normal_; timm's `_init_weights` functions.
"""

from __future__ import annotations

import contextlib
import math

import keras
import numpy as np
from keras.src import backend as _backend_variables
from keras.src.backend.common import variables as _variables
from keras.src.initializers import constant_initializers as _constant
from keras.src.initializers import random_initializers as _random
from keras.src.random.seed_generator import SeedGenerator as _SeedGenerator


def kaiming_normal_fan_out() -> keras.initializers.Initializer:
    """PyTorch's `kaiming_normal_(mode="fan_out", nonlinearity="relu")`: N(0, 2 / fan_out).

    Keras' `VarianceScaling` computes `fan_out` of a conv kernel `(kh, kw, in, out)` as
    `out * kh * kw`, which is PyTorch's fan_out of the same kernel in OIHW layout.
    """
    return keras.initializers.VarianceScaling(scale=2.0, mode="fan_out", distribution="untruncated_normal")


def normal_init(std: float = 0.02, mean: float = 0.0) -> keras.initializers.Initializer:
    """PyTorch's `normal_(mean, std)`: untruncated N(mean, std^2)."""
    if std < 0:
        raise ValueError(f"`std` must not be negative, got {std}.")
    return keras.initializers.RandomNormal(mean=mean, stddev=std)


# ------------------------------------------------------------------------------------------------
# Initial values drawn on the host
#
# Keras draws a variable's initial value with the backend's random ops. On JAX each op compiles
# for each new shape, so building a model of many differently shaped variables spends seconds
# compiling random-number kernels that run once. Drawing the same distributions with NumPy and
# handing the array to the variable compiles nothing, and is as quick on the other backends.

_host_depth = 0


@contextlib.contextmanager
def host_initialization():
    """Variables created inside this context draw their initial values on the host with NumPy, from
    the distribution their Keras initializer defines (`Zeros`, `Ones`, `Constant`, `RandomNormal`,
    `TruncatedNormal`, `RandomUniform`, and `VarianceScaling` with its subclasses: Glorot, He,
    LeCun). Other initializers (and dtypes NumPy lacks, such as bfloat16 variables) run as Keras
    runs them. Seeds are honoured: an initializer's integer seed gives the same values every call (as
    in Keras), and `keras.utils.set_random_seed` makes builds repeat. The values are not Keras' own
    bit for bit; their distributions are.

    `create_model` builds inside it. Wrap other builds that create many variables (a model of the
    package's layers, `keras.saving.load_model`) to start them faster, on JAX above all. The switch
    is process-wide while any such context is open.
    """
    global _host_depth
    if _host_depth == 0:
        _PATCHED_VARIABLE._initialize_with_initializer = _host_initialize_with_initializer
    _host_depth += 1
    try:
        yield
    finally:
        _host_depth -= 1
        if _host_depth == 0:
            _PATCHED_VARIABLE._initialize_with_initializer = _keras_initialize_with_initializer


class PendingDraws:
    """The variables `deferred_initialization` created as zeros, with the initializers they wait for."""

    def __init__(self):
        self._pending: dict[int, tuple[keras.Variable, object]] = {}

    def __len__(self) -> int:
        return len(self._pending)

    def add(self, variable, initializer) -> None:
        self._pending[id(variable)] = (variable, initializer)

    def draw(self, variables) -> int:
        """Gives each of `variables` that waits for its initializer the value it draws, as at a plain
        build (the others, e.g. those a checkpoint filled, are left as they are); returns how many."""
        drawn = 0
        for variable in variables:
            entry = self._pending.pop(id(variable), None)
            if entry is not None:
                initializer = entry[1]
                value = host_initial_value(initializer, variable.shape, variable.dtype)
                variable.assign(initializer(variable.shape, variable.dtype) if value is None else value)
                drawn += 1
        return drawn


_pending_draws: PendingDraws | None = None


@contextlib.contextmanager
def deferred_initialization():
    """Variables created inside this context (within `host_initialization`) start as zeros and draw
    nothing; the context yields the `PendingDraws` that gives them their initial values later, all
    but the ones a checkpoint has filled meanwhile. `create_model(pretrained=True)` builds so: the
    weights it loads are never drawn (as timm's pretrained models skip their init)."""
    global _pending_draws
    if _pending_draws is not None:
        raise RuntimeError("deferred_initialization does not nest.")
    _pending_draws = PendingDraws()
    try:
        yield _pending_draws
    finally:
        _pending_draws = None


def host_initial_value(initializer, shape, dtype: str) -> np.ndarray | None:
    """The NumPy array `initializer(shape, dtype)` draws under `host_initialization`, or None where
    Keras' own initializer runs (an initializer or a dtype this does not cover)."""
    dtype = keras.backend.standardize_dtype(dtype)
    if dtype not in _HOST_DTYPES:
        return None
    shape = tuple(int(s) for s in shape)
    kind = type(initializer)
    if kind is _constant.Zeros:
        value = np.zeros(shape, np.float32)
    elif kind is _constant.Ones:
        value = np.ones(shape, np.float32)
    elif kind is _constant.Constant and np.ndim(initializer.value) == 0:
        value = np.full(shape, initializer.value, np.float32)
    elif kind is _random.RandomNormal:
        value = _normal(_generator(initializer.seed), shape, initializer.mean, initializer.stddev)
    elif kind is _random.TruncatedNormal:
        value = _truncated_normal(_generator(initializer.seed), shape, initializer.mean, initializer.stddev)
    elif kind is _random.RandomUniform:
        value = _uniform(_generator(initializer.seed), shape, initializer.minval, initializer.maxval)
    elif isinstance(initializer, _random.VarianceScaling) and kind.__call__ is _random.VarianceScaling.__call__:
        value = _variance_scaling(initializer, shape)  # also Glorot, He, LeCun: subclasses that only configure
    else:
        return None
    return value.astype(dtype, copy=False)


# float16 and the integer dtypes come through float32 exactly (an integer variable's initial value is
# a constant).
_HOST_DTYPES = {"float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint32"}
# Weights; integer variables (seed states, counters) are small and initialized at once.
_DEFERRED_DTYPES = {"float16", "float32", "float64"}


def _generator(seed) -> np.random.Generator:
    """A NumPy generator for an initializer's `seed`: an int (the same stream every call, as Keras
    draws the same values for an int seed) or a `SeedGenerator` (advanced once, as Keras advances it)."""
    if isinstance(seed, _SeedGenerator):
        state = np.asarray(keras.ops.convert_to_numpy(seed.next()))
        return np.random.default_rng([int(v) & 0xFFFFFFFF for v in state.ravel()])
    return np.random.default_rng([int(seed) & 0xFFFFFFFF])


def _normal(rng: np.random.Generator, shape, mean: float, stddev: float) -> np.ndarray:
    value = rng.standard_normal(shape, dtype=np.float32)
    value *= np.float32(stddev)
    value += np.float32(mean)
    return value


def _truncated_normal(rng: np.random.Generator, shape, mean: float, stddev: float) -> np.ndarray:
    """N(mean, stddev^2) cut to two standard deviations, as `keras.random.truncated_normal` is:
    values outside are drawn again."""
    value = rng.standard_normal(shape, dtype=np.float32)
    outside = np.abs(value) > 2.0
    while outside.any():
        value[outside] = rng.standard_normal(int(outside.sum()), dtype=np.float32)
        outside = np.abs(value) > 2.0
    value *= np.float32(stddev)
    value += np.float32(mean)
    return value


def _uniform(rng: np.random.Generator, shape, low: float, high: float) -> np.ndarray:
    value = rng.random(shape, dtype=np.float32)
    value *= np.float32(high - low)
    value += np.float32(low)
    return value


def _variance_scaling(initializer, shape) -> np.ndarray:
    """Keras' `VarianceScaling.__call__`, its scale and distribution, drawn with NumPy."""
    axes = dict(input_axes=initializer.input_axes, output_axes=initializer.output_axes)
    fan_in, fan_out = _random.compute_fans(shape, **axes)
    fans = {"fan_in": fan_in, "fan_out": fan_out}.get(initializer.mode, (fan_in + fan_out) / 2.0)
    scale = initializer.scale / max(1.0, fans)
    rng = _generator(initializer.seed)
    if initializer.distribution == "truncated_normal":
        return _truncated_normal(rng, shape, 0.0, math.sqrt(scale) / 0.87962566103423978)
    if initializer.distribution == "untruncated_normal":
        return _normal(rng, shape, 0.0, math.sqrt(scale))
    limit = math.sqrt(3.0 * scale)
    return _uniform(rng, shape, -limit, limit)


# Keras' common Variable draws the initial value, and JAX's and torch's variables call it; TensorFlow's
# replaces it (wrapping the draw in a callable for tf.Variable): there the switch goes on its class.
_PATCHED_VARIABLE = _backend_variables.Variable if keras.backend.backend() == "tensorflow" else _variables.Variable
_keras_initialize_with_initializer = _PATCHED_VARIABLE._initialize_with_initializer


def _host_initialize_with_initializer(self, initializer):
    """`Variable._initialize_with_initializer` with the value drawn on the host where it can be."""
    if _pending_draws is not None and keras.backend.standardize_dtype(self._dtype) in _DEFERRED_DTYPES:
        _pending_draws.add(self, initializer)
        value = np.zeros(tuple(int(s) for s in self._shape), self._dtype)  # pages untouched until filled
    else:
        value = host_initial_value(initializer, self._shape, self._dtype)
    if value is None:
        return _keras_initialize_with_initializer(self, initializer)
    if keras.backend.backend() == "torch":
        # Keras' torch conversion copies a NumPy array (`np.array`) before wrapping it: the tensor can
        # share the fresh array's memory instead (a model's size less to copy at every build).
        import torch

        value = torch.from_numpy(value)
    self._initialize(self._convert_to_tensor(value, dtype=self._dtype))


__all__ = [
    "PendingDraws",
    "deferred_initialization",
    "host_initial_value",
    "host_initialization",
    "kaiming_normal_fan_out",
    "normal_init",
]
