"""Keras conformance checks for any layer, driven by one `LayerSpec` per layer configuration.

A spec names the class, its constructor arguments and a concrete input shape (batch first), plus a few
flags (`spatial`, `fixed_size`, `drop_rates`, ...). Each `check_*` function takes a spec and asserts one
property on the current Keras backend:

- `check_config_round_trip`: `from_config(get_config())` rebuilds an equal layer (same config, same
  output once the weights are copied); the registered name is `luximm_keras>Class`; initializers and
  activations given as strings or objects survive.
- `check_saving_round_trip`: a functional model around the layer saves to `.keras` and loads back
  without `custom_objects`, with the same outputs; `save_weights`/`load_weights` round-trips.
- `check_symbolic_shapes`: symbolic call, `compute_output_shape` and the eager output agree.
- `check_batch_and_image_sizes`: a model built once runs on other batch sizes (and other image sizes or
  token counts unless `fixed_size`) without new variables; each sample's output is its own.
- `check_dtype_policy`: variables, output dtype, closeness to float32 and finiteness (outputs and
  gradients, for a random and an all-zero input) under a dtype policy.
- `check_zero_input_is_finite`: an all-zero input gives finite outputs and gradients (also run by
  `check_dtype_policy` and `check_gradients_reach_every_variable`).
- `check_channels_first_matches_channels_last`: the `channels_first` twin is the transposed result.
- `check_gradients_reach_every_variable`, `check_fit_one_step`, `check_drop_only_in_training`,
  `check_drop_path_expectation`: training.
- `check_jit_compile_matches_eager`: the forward pass under `jit_compile=True` equals eager.

`fit_one_step(specs)` and `jit_compiled_outputs(specs)` run many specs as branches of one model (one
compilation instead of one per spec); their `check_*` takes the spec's entry of that result and, if
the shared model failed, redoes the spec alone so the failure names its own layer.
`outputs_and_gradients(layer, x)` / `gradients(layer, x)` are the backend-dispatch helpers (a jitted
jax.value_and_grad, tf.GradientTape, torch autograd).

The gate: `SPECS` checks every class registered with Keras under `luximm_keras>`
(`registered_classes`); `classes_without_spec(SPECS)` names any that no spec checks and
`CHECKED_ELSEWHERE` does not list. `low_precision_policies(spec)` and `jit_specs(specs)` say which
policies and which specs the dtype and compilation checks run on.
Written after `keras.src.testing.TestCase.run_layer_test`, which is private and not imported here.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib.util
import json
import os
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
from keras import ops

BACKEND = keras.backend.backend()
PACKAGE = "luximm_keras"

# Same weights, same input, float32: only the order of float operations may differ.
EXACT = dict(rtol=1e-6, atol=1e-6)
# The forward pass compiled (XLA, jax.jit, torch.compile) against eager: fused/reordered float32 ops.
JIT_TOL = dict(rtol=1e-5, atol=1e-5)
# A 16-bit compute dtype against float32 with the same weights: bfloat16 keeps 8 significant bits
# (relative rounding step 2**-8 = 0.4%) and these blocks chain a few rounded ops (input cast, conv or
# matmul, softmax cast back), so the error is a few rounding steps of the output's scale:
# |y_16 - y_32| <= LOW_PRECISION_RTOL * |y_32| + LOW_PRECISION_ATOL * max(1, std(y_32)).
# The errors are rounding, not a bug: the median is one rounding step (0.4% of the output's std), the
# tail of these tiny layers' outputs a few steps.
LOW_PRECISION_RTOL = 3e-2
LOW_PRECISION_ATOL = 3e-2
# A family block chains several of those layers (norm, attention or convs, norm, MLP, residual adds):
# its tail reaches 0.05 of the output's std (PreActBottleneck, bfloat16), 0.033 (ViTBlock,
# mixed_bfloat16), with the median still one rounding step.
BLOCK_LOW_PRECISION_ATOL = 6e-2

MIXED_POLICIES = ("mixed_bfloat16", "mixed_float16")
LOW_PRECISION_POLICIES = ("mixed_bfloat16", "mixed_float16", "bfloat16")


@dataclasses.dataclass(frozen=True)
class LayerSpec:
    """One layer configuration to check.

    Args:
        cls: the layer class.
        kwargs: constructor arguments.
        input_shape: a concrete input shape, batch first. For `spatial` layers it is channels_last.
        label: a short name for the test id (defaults to the class name).
        spatial: a 4D map input and a `data_format` argument: checked in `channels_first` too.
        fixed_size: every axis but the batch is part of the weights (no other image/token sizes).
        drop_rates: constructor arguments that are dropout / drop-path rates (all > 0 in `kwargs`):
            the layer is random in training only; setting them to 0 gives the deterministic twin.
        stack: the layer can be applied twice in a row (its output is a valid input of a twin).
        zero_grad: trainable-variable paths (suffixes) whose gradient of `sum(layer(x))` is zero by
            construction (e.g. a bias on the keys, which the softmax cancels); they must be ~0.
        other_sizes: free-axis sizes to run on besides `input_shape`'s (default: one and a half times
            each free axis).
        low_precision_atol: the `check_dtype_policy` tolerance; None: `LOW_PRECISION_ATOL` for the
            layers of `luximm_keras.layers`, `BLOCK_LOW_PRECISION_ATOL` for the family blocks.
        batch_statistics: `training=True` also normalizes with the batch's own statistics (batch
            norm), so the drop check compares a training call with the deterministic twin's training
            call rather than with inference.
        input_free: the output is computed from the layer's variables alone (ROPE-ViT's per-block
            rotary tables from learned frequencies); it is called on the tokens only to sit in a graph.
            Its output has no batch axis and the input gets no gradient; it is not stacked into the
            shared fit and compile models (its blocks use it in whole models, checked by the family
            contract).
        slow_only: checked in the slow suite only: a variant of a block whose plain form CI checks
            (the dilated blocks of `output_stride`, whose numbers the family tests compare with timm's).
    """

    cls: type
    kwargs: dict
    input_shape: tuple
    label: str = ""
    spatial: bool = False
    fixed_size: bool = False
    drop_rates: tuple = ()
    stack: bool = True
    zero_grad: tuple = ()
    other_sizes: tuple = ()
    low_precision_atol: float | None = None
    batch_statistics: bool = False
    input_free: bool = False
    slow_only: bool = False

    @property
    def id(self) -> str:
        return f"{self.cls.__name__}-{self.label}" if self.label else self.cls.__name__

    def __str__(self) -> str:
        return self.id


# ----------------------------------------------------------------------------------------------------
# Building blocks


def make_layer(spec: LayerSpec, **overrides) -> keras.layers.Layer:
    """A fresh layer from the spec; the kwargs are deep-copied so initializer objects are not shared."""
    kwargs = copy.deepcopy(spec.kwargs)
    kwargs.update(overrides)
    return spec.cls(**kwargs)


def to_numpy(x) -> np.ndarray:
    if BACKEND == "torch" and hasattr(x, "detach"):
        x = x.detach()
    if keras.ops.is_tensor(x) and keras.backend.standardize_dtype(x.dtype) == "bfloat16":
        x = keras.ops.cast(x, "float32")  # exact; TensorFlow's 0-d bfloat16 tensors do not convert to numpy
    return np.asarray(keras.ops.convert_to_numpy(x))


def random_input(shape, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def channel_axis(spec: LayerSpec, data_format: str = "channels_last") -> int:
    return 1 if data_format == "channels_first" else len(spec.input_shape) - 1


def free_axes(spec: LayerSpec, data_format: str = "channels_last") -> tuple[int, ...]:
    """Non-batch axes whose size the layer does not fix (all but the channel axis), in a full shape."""
    if spec.fixed_size:
        return ()
    rank = len(spec.input_shape)
    channel = channel_axis(spec, data_format)
    return tuple(a for a in range(1, rank) if a != channel)


def to_channels_first(shape_or_array):
    if isinstance(shape_or_array, np.ndarray):
        return np.transpose(shape_or_array, (0, 3, 1, 2))
    s = tuple(shape_or_array)
    return (s[0], s[3], s[1], s[2])


def input_shape_for(spec: LayerSpec, data_format: str = "channels_last") -> tuple:
    return to_channels_first(spec.input_shape) if data_format == "channels_first" else tuple(spec.input_shape)


def symbolic_shape(spec: LayerSpec, data_format: str = "channels_last") -> tuple:
    """The `keras.Input` shape (no batch): free axes None, e.g. `(None, None, C)` or `(None, D)`."""
    shape = list(input_shape_for(spec, data_format))
    for axis in free_axes(spec, data_format):
        shape[axis] = None
    return tuple(shape[1:])


def other_input_shape(spec: LayerSpec) -> tuple:
    """An input of batch 3 and, unless `fixed_size`, other free sizes (`spec.other_sizes`, or one and a
    half times each free axis). One shape only: on jax every new shape compiles every op again."""
    shape = [3] + list(spec.input_shape[1:])
    axes = free_axes(spec)
    sizes = tuple(spec.other_sizes) or tuple(shape[a] + shape[a] // 2 for a in axes)
    for a, size in zip(axes, sizes):
        shape[a] = size
    return tuple(shape)


def call(layer, x, training=False):
    """Calls a layer or model; `training` is passed only when its `call` takes it (Keras drops it
    otherwise, but being explicit keeps the intent visible)."""
    return layer(x, training=training)


def build(layer, spec: LayerSpec, data_format: str = "channels_last", seed: int = 1):
    """Builds `layer` by calling it on a random input; returns that input."""
    x = random_input(input_shape_for(spec, data_format), seed)
    call(layer, x)
    return x


def randomize_weights(layer_or_model, seed: int = 0, std: float = 0.2) -> None:
    """Moves every float variable off its initial value: `mean(initial) + std * N(0, 1)`.

    Zero-initialised scales (GRN's gamma/beta) become non-trivial, ones-initialised norm scales stay
    near one, kernels get a scale at which 16-bit rounding and gradients are meaningful.
    """
    rng = np.random.default_rng(seed)
    for v in layer_or_model.weights:
        if not keras.backend.is_float_dtype(v.dtype):
            continue
        value = to_numpy(v.value).astype("float32")
        new = value.mean() + std * rng.normal(size=value.shape)
        v.assign(new.astype("float32"))


def copy_weights(src, dst) -> None:
    src_weights = src.get_weights()
    assert len(src_weights) == len(dst.weights), (
        f"{src.name} has {len(src_weights)} weights, its twin {dst.name} {len(dst.weights)}"
    )
    for value, v in zip(src_weights, dst.weights):
        assert tuple(value.shape) == tuple(v.shape), f"{v.path}: {value.shape} vs {tuple(v.shape)}"
    dst.set_weights(src_weights)


def functional_model(spec: LayerSpec, layers, data_format: str = "channels_last") -> keras.Model:
    """`keras.Input(symbolic_shape) -> layers[0] -> layers[1] ...`."""
    inputs = keras.Input(shape=symbolic_shape(spec, data_format), name="x")
    x = inputs
    for layer in layers:
        x = layer(x)
    return keras.Model(inputs, x, name=f"model_{spec.cls.__name__.lower()}")


def _json_normal(obj) -> str:
    """Config as canonical JSON text: tuples and lists compare equal (a `.keras` file stores lists)."""
    return json.dumps(obj, sort_keys=True, default=repr)


def _serialized_argument(name: str, value):
    """The serialized form of an initializer or activation argument, or None for anything else."""
    if name.endswith("_initializer") and value is not None:
        return keras.initializers.serialize(keras.initializers.get(value))
    if name == "activation" or name.endswith("_activation"):
        return keras.activations.serialize(keras.activations.get(value))
    return None


def assert_arguments_survived(spec: LayerSpec, revived, what: str) -> None:
    """Every constructor argument is in the config; initializer and activation arguments (strings or
    objects) come back as the same initializer (class and config) or activation."""
    config = revived.get_config()
    missing = sorted(k for k in spec.kwargs if k not in config)
    assert not missing, f"{spec.id}: constructor arguments missing from get_config(): {missing}"
    for name, value in spec.kwargs.items():
        expected = _serialized_argument(name, value)
        if expected is None:
            continue
        got = getattr(revived, name, None)
        got = _serialized_argument(name, got) if got is not None else None
        assert _json_normal(got) == _json_normal(expected), (
            f"{spec.id}: `{name}` did not survive the {what}: given {value!r} ({expected}), got {got}"
        )


def _as_list(outputs) -> list:
    """A model's outputs as a list (a one-output model returns the tensor itself)."""
    return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]


def _inference(layer, x):
    return to_numpy(call(layer, x, training=False))


# ----------------------------------------------------------------------------------------------------
# 1. Config and saving


def check_config_round_trip(spec: LayerSpec) -> None:
    layer = make_layer(spec)
    x = build(layer, spec)
    randomize_weights(layer)
    config = layer.get_config()

    registered = keras.saving.get_registered_name(spec.cls)
    assert registered == f"{PACKAGE}>{spec.cls.__name__}", f"{spec.id}: registered as {registered!r}"
    assert keras.saving.get_registered_object(registered) is spec.cls

    revived = spec.cls.from_config(config)
    assert type(revived) is spec.cls
    assert _json_normal(revived.get_config()) == _json_normal(config), (
        f"{spec.id}: from_config(get_config()) gives another config:\n{revived.get_config()}\n!=\n{config}"
    )
    assert_arguments_survived(spec, revived, "get_config/from_config round trip")

    # Through the generic (de)serializer and JSON, as a .keras file does, without custom_objects.
    serialized = json.loads(json.dumps(keras.saving.serialize_keras_object(layer)))
    assert serialized["registered_name"] == registered, serialized
    deserialized = keras.saving.deserialize_keras_object(serialized)
    assert type(deserialized) is spec.cls
    assert _json_normal(deserialized.get_config()) == _json_normal(config)
    assert_arguments_survived(spec, deserialized, "serialize/deserialize round trip")

    expected = _inference(layer, x)
    for twin in (revived, deserialized):
        call(twin, x)
        assert [v.path.split("/", 1)[-1] for v in twin.weights] == [
            v.path.split("/", 1)[-1] for v in layer.weights
        ], f"{spec.id}: the rebuilt layer's variables differ"
        copy_weights(layer, twin)
        np.testing.assert_allclose(_inference(twin, x), expected, **EXACT)


def check_saving_round_trip(spec: LayerSpec, tmp_path) -> None:
    keras.utils.set_random_seed(0)
    layer = make_layer(spec)
    model = functional_model(spec, [layer])
    randomize_weights(model)
    x = random_input(spec.input_shape, seed=2)
    expected = _inference(model, x)

    path = os.path.join(str(tmp_path), f"{spec.cls.__name__}.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)  # no custom_objects: the classes are registered
    loaded_layer = loaded.layers[-1]
    assert type(loaded_layer) is spec.cls
    assert _json_normal(loaded_layer.get_config()) == _json_normal(layer.get_config())
    assert_arguments_survived(spec, loaded_layer, ".keras save/load")
    np.testing.assert_allclose(_inference(loaded, x), expected, **EXACT)

    weights_path = os.path.join(str(tmp_path), f"{spec.cls.__name__}.weights.h5")
    model.save_weights(weights_path)
    fresh = functional_model(spec, [make_layer(spec)])
    if model.weights:
        assert not np.allclose(_inference(fresh, x), expected), (
            f"{spec.id}: a fresh model already gives the saved output: the weights check cannot fail"
        )
    fresh.load_weights(weights_path)
    for a, b in zip(fresh.weights, model.weights):
        np.testing.assert_array_equal(to_numpy(a.value), to_numpy(b.value), err_msg=a.path)
    np.testing.assert_allclose(_inference(fresh, x), expected, **EXACT)


# ----------------------------------------------------------------------------------------------------
# 2. Symbolic shapes, batch and image sizes


def _shape(t) -> tuple:
    return tuple(None if d is None else int(d) for d in t.shape)


def check_symbolic_shapes(spec: LayerSpec, data_format: str = "channels_last") -> None:
    kwargs = {"data_format": data_format} if data_format != "channels_last" else {}
    x = random_input(input_shape_for(spec, data_format))

    # With free axes (None batch, None spatial/tokens).
    layer = make_layer(spec, **kwargs)
    symbolic_in = keras.Input(shape=symbolic_shape(spec, data_format))
    symbolic_out = layer(symbolic_in)
    computed = tuple(layer.compute_output_shape(symbolic_in.shape))
    assert _shape(symbolic_out) == computed, (
        f"{spec.id}: symbolic call gives {_shape(symbolic_out)}, compute_output_shape {computed}"
    )
    eager = call(layer, x)
    eager_shape = tuple(eager.shape)
    assert len(computed) == len(eager_shape), f"{spec.id}: rank {computed} vs eager {eager_shape}"
    for sym_dim, dim in zip(computed, eager_shape):
        assert sym_dim is None or sym_dim == dim, f"{spec.id}: symbolic {computed} vs eager {eager_shape}"
    if not spec.input_free:
        assert computed[0] is None, f"{spec.id}: the batch axis became {computed[0]} in {computed}"
    assert tuple(layer.compute_output_shape(x.shape)) == eager_shape, (
        f"{spec.id}: compute_output_shape({x.shape}) = {layer.compute_output_shape(x.shape)}, eager {eager_shape}"
    )
    assert keras.backend.standardize_dtype(symbolic_out.dtype) == keras.backend.standardize_dtype(eager.dtype)

    # With every axis known, the symbolic shape is exactly the eager one (no needless None).
    layer = make_layer(spec, **kwargs)
    full_in = keras.Input(batch_shape=x.shape)
    full_out = layer(full_in)
    assert _shape(full_out) == eager_shape, f"{spec.id}: symbolic {_shape(full_out)} vs eager {eager_shape}"


def check_batch_and_image_sizes(spec: LayerSpec) -> None:
    layer = make_layer(spec)
    model = functional_model(spec, [layer])
    randomize_weights(model)
    weights_before = [id(v) for v in model.weights]
    values_before = [to_numpy(v.value) for v in model.weights]
    x = random_input(spec.input_shape, seed=7)
    y = _inference(model, x)
    # Each sample's result is its own: replacing the other samples of the batch leaves it unchanged
    # (same shape on purpose: every new shape costs a compilation per op on jax).
    x_other = np.concatenate([x[:1], random_input(spec.input_shape, seed=9)[1:]])
    np.testing.assert_allclose(_inference(model, x_other)[:1], y[:1], rtol=1e-5, atol=1e-5)
    other = other_input_shape(spec)
    if not spec.fixed_size:
        assert other[1:] != tuple(spec.input_shape[1:]), f"{spec.id}: {other} is no other size"
    y = _inference(model, random_input(other, seed=8))
    expected = tuple(layer.compute_output_shape(other))
    assert y.shape == expected, f"{spec.id}: input {other} gave {y.shape}, compute_output_shape {expected}"
    assert np.all(np.isfinite(y)), f"{spec.id}: non-finite output for input {other}"
    assert [id(v) for v in model.weights] == weights_before, f"{spec.id}: new variables for a new input size"
    for v, before in zip(model.weights, values_before):
        np.testing.assert_array_equal(to_numpy(v.value), before, err_msg=f"{v.path} changed")


# ----------------------------------------------------------------------------------------------------
# Gradients (backend dispatch)


_JAX_LAST_FUNCTION: list = []


def _jax_forward_and_gradient(layer, variables, others, training: bool):
    """`jax.jit` of `x -> (layer(x), gradients of sum(float32(layer(x))))`, kept for the last layer
    asked (the checks ask twice in a row: a random input, then zeros of the same shape).

    Jitted: the blocks chain many ops of shapes their own, and eager jax compiles each op and its
    transposed twin of the backward pass separately, which costs more than one XLA compilation."""
    import jax
    import jax.numpy as jnp

    if _JAX_LAST_FUNCTION and _JAX_LAST_FUNCTION[0][:2] == (layer, bool(training)):
        return _JAX_LAST_FUNCTION[0][2]

    def loss_fn(values, other_values, inputs, scale):
        mapping = list(zip(variables, values)) + list(zip(others, other_values))
        with keras.StatelessScope(state_mapping=mapping):
            y = layer(inputs, training=training)
        return jnp.sum(jnp.asarray(y, dtype="float32")) * scale, y

    function = jax.jit(jax.value_and_grad(loss_fn, argnums=(0, 2), has_aux=True))
    _JAX_LAST_FUNCTION[:] = [(layer, bool(training), function)]
    return function


def outputs_and_gradients(layer, x, training: bool = False, loss_scale: float = 1.0):
    """`layer(x)` and the gradient of `loss_scale * sum(float32(layer(x)))` w.r.t.
    `layer.trainable_variables` and `x`.

    Returns `(outputs, variable_grads, input_grad)`: the outputs a backend tensor in the layer's
    compute dtype, the gradients numpy float32, an entry None where the backend says the variable
    is not connected to the output. On jax all from one jitted function.
    """
    variables = list(layer.trainable_variables)
    if BACKEND == "jax":
        import jax.numpy as jnp

        others = [v for v in layer.variables if not v.trainable]
        function = _jax_forward_and_gradient(layer, variables, others, training)
        (_, y), (grad_vars, grad_x) = function(
            [v.value for v in variables], [v.value for v in others], jnp.asarray(x), loss_scale
        )
    elif BACKEND == "tensorflow":
        import tensorflow as tf

        inputs = tf.convert_to_tensor(x)
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            y = layer(inputs, training=training)
            loss = tf.reduce_sum(tf.cast(y, "float32")) * loss_scale
        *grad_vars, grad_x = tape.gradient(loss, [v.value for v in variables] + [inputs])
    elif BACKEND == "torch":
        import torch

        inputs = torch.tensor(x, requires_grad=True)
        y = layer(inputs, training=training)
        loss = y.to(torch.float32).sum() * loss_scale
        if loss.requires_grad:
            *grad_vars, grad_x = torch.autograd.grad(
                loss, [v.value for v in variables] + [inputs], allow_unused=True
            )
        else:  # a constant (an input-free layer without variables): nothing to differentiate
            grad_vars, grad_x = [None] * len(variables), None
        y = y.detach()
    else:
        raise NotImplementedError(f"no gradient helper for the {BACKEND} backend")
    as_np = lambda g: None if g is None else to_numpy(g).astype("float32")  # noqa: E731
    return y, [as_np(g) for g in grad_vars], as_np(grad_x)


def gradients(layer, x, training: bool = False, loss_scale: float = 1.0):
    """`(variable_grads, input_grad)` of `outputs_and_gradients`."""
    _, grad_vars, grad_x = outputs_and_gradients(layer, x, training, loss_scale)
    return grad_vars, grad_x


def _zero_grad_declared(spec: LayerSpec, path: str) -> bool:
    return any(path.endswith(suffix) for suffix in spec.zero_grad)


# ----------------------------------------------------------------------------------------------------
# 3. Dtype policies


_LOW_PRECISION_SUPPORT: dict[str, str | None] = {}


def low_precision_unsupported(policy: str) -> str | None:
    """Why this backend cannot run `policy`'s compute dtype on this machine (None if it can).

    Probes the ops the blocks use (conv, matmul, softmax, moments) once per dtype.
    """
    dtype = keras.DTypePolicy(policy).compute_dtype
    if dtype not in _LOW_PRECISION_SUPPORT:
        try:
            x = ops.cast(np.ones((1, 4, 4, 2)), dtype)
            kernel = ops.cast(np.ones((3, 3, 2, 2)), dtype)
            y = ops.conv(x, kernel, padding="same")
            y = ops.softmax(ops.matmul(ops.reshape(y, (1, 16, 2)), ops.cast(np.ones((2, 2)), dtype)))
            ops.moments(y, axes=[-1])
            to_numpy(ops.cast(y, "float32"))
            _LOW_PRECISION_SUPPORT[dtype] = None
        except Exception as exc:  # noqa: BLE001 - any failure means: not supported here
            _LOW_PRECISION_SUPPORT[dtype] = (
                f"the {BACKEND} backend cannot compute in {dtype} on this machine: {type(exc).__name__}: {exc}"
            )
    return _LOW_PRECISION_SUPPORT[dtype]


# float16 overflows above 65504: an all-zero input into a norm multiplies the gradient by
# 1/sqrt(epsilon) (316 at 1e-5), and a bottleneck's input gradient of `sum(y)` reaches ~7.5e4 in
# float32. Mixed-precision training scales its loss dynamically for exactly this; the check looks
# for NaN/inf from the math (a sqrt at 0, inf * 0), at a loss scale that keeps the range.
FLOAT16_LOSS_SCALE = 2.0**-6


def _finite_outputs_and_gradients(spec: LayerSpec, layer, x, what: str):
    """`outputs_and_gradients(layer, x)` (float16 at `FLOAT16_LOSS_SCALE`), asserted finite; returns
    the outputs as float32 numpy and their dtype."""
    scale = FLOAT16_LOSS_SCALE if keras.backend.standardize_dtype(layer.compute_dtype) == "float16" else 1.0
    y, grad_vars, grad_x = outputs_and_gradients(layer, x, loss_scale=scale)
    dtype = keras.backend.standardize_dtype(y.dtype)
    y = to_numpy(ops.cast(y, "float32"))
    assert np.all(np.isfinite(y)), f"{spec.id}: non-finite output ({what})"
    for v, g in zip(layer.trainable_variables, grad_vars):
        if g is not None:
            assert np.all(np.isfinite(g)), f"{spec.id}: non-finite gradient for {v.path} ({what})"
    if not spec.input_free:
        assert grad_x is not None and np.all(np.isfinite(grad_x)), f"{spec.id}: non-finite input gradient ({what})"
    return y, dtype


def low_precision_atol(spec: LayerSpec) -> float:
    if spec.low_precision_atol is not None:
        return spec.low_precision_atol
    return LOW_PRECISION_ATOL if is_layers_class(spec) else BLOCK_LOW_PRECISION_ATOL


def check_dtype_policy(spec: LayerSpec, policy: str) -> None:
    # Seeded: the error's tail moves with the initial weights (randomize_weights keeps their mean).
    keras.utils.set_random_seed(0)
    reference = make_layer(spec)
    x = build(reference, spec)
    randomize_weights(reference)
    y32 = _inference(reference, x)

    # Built by a symbolic call, which also gives the symbolic output dtype (no eager call: on jax
    # each eager op in a new dtype is one more compilation).
    layer = make_layer(spec, dtype=policy)
    symbolic = layer(keras.Input(shape=symbolic_shape(spec)))
    copy_weights(reference, layer)
    dtype_policy = layer.dtype_policy
    assert dtype_policy.name == policy

    for v in layer.weights:
        if not keras.backend.is_float_dtype(v.dtype):
            continue
        expected = "float32" if policy in MIXED_POLICIES else dtype_policy.variable_dtype
        assert keras.backend.standardize_dtype(v.dtype) == expected, (
            f"{spec.id}: under {policy} variable {v.path} is {v.dtype}, expected {expected}"
        )

    y, dtype = _finite_outputs_and_gradients(spec, layer, x, policy)
    compute = dtype_policy.compute_dtype
    assert dtype == compute, f"{spec.id}: output {dtype} under {policy}"
    assert keras.backend.standardize_dtype(symbolic.dtype) == compute, (
        f"{spec.id}: symbolic output {symbolic.dtype} under {policy}"
    )
    scale = max(1.0, float(np.std(y32)))
    try:
        np.testing.assert_allclose(
            y, y32, rtol=LOW_PRECISION_RTOL, atol=low_precision_atol(spec) * scale,
            err_msg=f"{spec.id}: {policy} output far from float32 with the same weights",
        )
    except AssertionError:
        reason = backend_conv_wrong_in(layer, compute)
        if reason:
            pytest.skip(reason)
        raise
    check_zero_input_is_finite(spec, policy, layer=layer)


def backend_conv_wrong_in(layer, dtype: str) -> str | None:
    """Whether the backend's own convolution, on random values with the kernel shape and strides of one
    of `layer`'s (ungrouped) convolutions, is far from its float32 result in `dtype` on this machine:
    oneDNN's bfloat16 kernel for 16 input channels and a 4x4 kernel at stride 4 on CPUs with AMX
    computes garbage, in PyTorch and in TensorFlow alike. Then the layer cannot be right either."""
    rng = np.random.default_rng(0)
    for sub in layer._flatten_layers(include_self=True):
        kernel, strides = getattr(sub, "kernel", None), getattr(sub, "strides", None)
        if kernel is None or strides is None or len(kernel.shape) != 4 or getattr(sub, "groups", 1) != 1:
            continue
        height, width, channels, filters = kernel.shape
        x = rng.standard_normal((2, 4 * height, 4 * width, channels)).astype("float32")
        k = rng.standard_normal((height, width, channels, filters)) / np.sqrt(height * width * channels)
        k = k.astype("float32")
        exact = to_numpy(ops.conv(x, k, strides=strides))
        low = to_numpy(ops.cast(ops.conv(ops.cast(x, dtype), ops.cast(k, dtype), strides=strides), "float32"))
        if np.abs(low - exact).max() > 0.1 * np.abs(exact).max():
            return (f"the {BACKEND} backend's own {dtype} convolution ({channels} channels in, {height}x{width} "
                    f"kernel, strides {tuple(strides)}) is wrong on this machine")
    return None


def check_zero_input_is_finite(spec: LayerSpec, policy: str = "float32", layer=None) -> None:
    """An all-zero input (where a norm's variance or GRN's spatial norm is 0) gives finite outputs and
    gradients; `layer` (already built, weights set) is used if given."""
    if layer is None:
        layer = make_layer(spec, dtype=policy)
        build(layer, spec)
        randomize_weights(layer)
    zeros = np.zeros(spec.input_shape, "float32")
    _finite_outputs_and_gradients(spec, layer, zeros, f"all-zero input, {policy}")


# ----------------------------------------------------------------------------------------------------
# 4. channels_first


def check_channels_first_matches_channels_last(spec: LayerSpec) -> None:
    assert spec.spatial, f"{spec.id} is not a spatial layer"
    last = make_layer(spec, data_format="channels_last")
    x = build(last, spec)
    randomize_weights(last)
    first = make_layer(spec, data_format="channels_first")
    build(first, spec, data_format="channels_first")
    copy_weights(last, first)

    y_last = _inference(last, x)
    y_first = _inference(first, to_channels_first(x))
    expected = to_channels_first(y_last) if y_last.ndim == 4 else y_last
    assert y_first.shape == expected.shape, f"{spec.id}: channels_first {y_first.shape}, expected {expected.shape}"
    np.testing.assert_allclose(y_first, expected, rtol=1e-5, atol=1e-5)
    check_symbolic_shapes(spec, data_format="channels_first")


# ----------------------------------------------------------------------------------------------------
# 5. Training


def check_gradients_reach_every_variable(spec: LayerSpec) -> None:
    # Seeded: `randomize_weights` keeps each initial tensor's mean, so the draw depends on where the
    # global stream stands; with a small ReLU bottleneck (an SE of 4 units) an unlucky one leaves every
    # unit dead, a gradient of zero that says nothing about the layer (seen after 1591 other tests).
    keras.utils.set_random_seed(0)
    layer = make_layer(spec)
    build(layer, spec)
    randomize_weights(layer)
    x = random_input(spec.input_shape, seed=3)
    grad_vars, grad_x = gradients(layer, x, training=False)
    problems = []
    for v, g in zip(layer.trainable_variables, grad_vars):
        if g is None:
            problems.append(f"{v.path}: no gradient (not connected)")
        elif not np.all(np.isfinite(g)):
            problems.append(f"{v.path}: non-finite gradient")
        elif _zero_grad_declared(spec, v.path):
            if np.max(np.abs(g)) > 1e-3:
                problems.append(f"{v.path}: declared zero-gradient, got max |g| {np.max(np.abs(g)):.3g}")
        elif not np.any(g):
            problems.append(f"{v.path}: gradient all zero")
    for suffix in spec.zero_grad:
        if not any(v.path.endswith(suffix) for v in layer.trainable_variables):
            problems.append(f"declared zero-gradient variable {suffix!r} does not exist")
    assert not problems, f"{spec.id}:\n  " + "\n  ".join(problems)
    assert spec.input_free or (grad_x is not None and np.all(np.isfinite(grad_x)) and np.any(grad_x)), (
        f"{spec.id}: the input gets no (finite, nonzero) gradient"
    )
    check_zero_input_is_finite(spec, "float32", layer=layer)


def branches_model(specs, stack: bool = False, seed: int = 0):
    """One functional model with a branch per spec, `Input -> block [-> block]`, weights randomized.

    Returns `(model, {spec.id: [its layers]})`. Several specs share one compilation this way (XLA,
    jax.jit and torch.compile each cost seconds per model on a small CPU).
    """
    keras.utils.set_random_seed(seed)
    inputs, outputs, blocks = [], [], {}
    for i, spec in enumerate(specs):
        inp = keras.Input(shape=symbolic_shape(spec), name=f"x{i}")
        layers = [make_layer(spec, name=f"branch{i}_0")]
        if stack and spec.stack:
            layers.append(make_layer(spec, name=f"branch{i}_1"))
        out = inp
        for layer in layers:
            out = layer(out)
        inputs.append(inp)
        outputs.append(out)
        blocks[spec.id] = layers
    model = keras.Model(inputs, outputs, name="branches")
    randomize_weights(model, seed=seed)
    return model, blocks


def fit_one_step(specs) -> dict:
    """One `model.fit` step (one epoch of one batch of each spec's input batch size), MSE loss, Adam,
    on a functional model of each spec's block stacked twice (`spec.stack`), all specs as branches.

    Keras' default `jit_compile="auto"`: jax.jit on jax, a tf.function without XLA on a CPU-only
    TensorFlow, eager on torch. (One model for all specs: on jax a train step compiles in seconds.)

    Returns `{spec.id: (losses, unchanged_variable_paths)}`, or `{spec.id: exception}` for every spec
    if the model cannot be fitted (then `check_fit_one_step` fits the spec alone).
    """
    sizes = sorted({spec.input_shape[0] for spec in specs})
    if len(sizes) > 1:  # one `fit` takes one batch size: one model per size
        return {k: v for size in sizes for k, v in fit_one_step([s for s in specs if s.input_shape[0] == size]).items()}
    try:
        model, blocks = branches_model(specs, stack=True)
        xs = [random_input(spec.input_shape, seed=20 + i) for i, spec in enumerate(specs)]
        samples = len(xs[0])
        out_specs = _as_list(model.compute_output_spec([keras.KerasTensor(x.shape) for x in xs]))
        ys = [random_input(tuple(o.shape), seed=40 + i) for i, o in enumerate(out_specs)]
        before = {id(v): to_numpy(v.value) for v in model.trainable_variables}
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-2), loss=["mse"] * len(specs))
        history = model.fit(xs, ys, batch_size=samples, epochs=1, verbose=0, shuffle=False)
    except Exception as exc:  # noqa: BLE001 - reported per spec
        return {spec.id: exc for spec in specs}
    results = {}
    for i, spec in enumerate(specs):
        losses = [history.history["loss"][-1]]
        losses += [v[-1] for k, v in history.history.items() if k.startswith((f"branch{i}_0_", f"branch{i}_1_"))]
        unchanged = [
            v.path
            for layer in blocks[spec.id]
            for v in layer.trainable_variables
            if not _zero_grad_declared(spec, v.path) and np.array_equal(to_numpy(v.value), before[id(v)])
        ]
        results[spec.id] = (losses, unchanged)
    return results


def check_fit_one_step(spec: LayerSpec, combined: dict | None = None) -> None:
    result = None if combined is None else combined.get(spec.id)
    if result is None or isinstance(result, Exception):
        result = fit_one_step([spec])[spec.id]  # the spec alone: its own error, if it has one
        if isinstance(result, Exception):
            raise result
    losses, unchanged = result
    assert np.all(np.isfinite(losses)), f"{spec.id}: fit losses {losses}"
    assert not unchanged, f"{spec.id}: one fit step left these variables unchanged: {unchanged}"


def check_drop_only_in_training(spec: LayerSpec) -> None:
    assert spec.drop_rates, f"{spec.id} declares no drop rates"
    for name in spec.drop_rates:
        assert spec.kwargs.get(name, 0) > 0, f"{spec.id}: drop rate {name!r} must be > 0 in the spec"
    keras.utils.set_random_seed(0)
    layer = make_layer(spec)
    x = build(layer, spec)
    randomize_weights(layer)
    twin = make_layer(spec, **{name: 0.0 for name in spec.drop_rates})
    build(twin, spec)
    copy_weights(layer, twin)

    deterministic = _inference(twin, x)
    np.testing.assert_allclose(_inference(layer, x), deterministic, **EXACT)
    np.testing.assert_allclose(to_numpy(layer(x)), deterministic, **EXACT)  # default: inference
    model = functional_model(spec, [layer])
    np.testing.assert_allclose(to_numpy(model(x)), deterministic, **EXACT)

    # The twin's training call: the inference result, or with batch norm the batch-statistics one.
    reference = to_numpy(call(twin, x, training=True))
    if not spec.batch_statistics:
        np.testing.assert_allclose(reference, deterministic, **EXACT)
    np.testing.assert_allclose(to_numpy(call(twin, x, training=True)), reference, **EXACT)
    # Dropout zeroes entries and rescales the kept ones by 1/keep, so a training call differs; drop
    # path alone keeps every sample of a batch with probability keep**batch, so a few calls are allowed.
    for _ in range(8):
        trained = to_numpy(call(layer, x, training=True))
        assert trained.shape == reference.shape
        assert np.all(np.isfinite(trained))
        if np.max(np.abs(trained - reference)) > 1e-3:
            break
    else:
        raise AssertionError(f"{spec.id}: eight training=True calls changed nothing")


def check_drop_path_expectation(layer, samples: int = 10000, sigmas: float = 5.0) -> None:
    """`layer(ones, training=True)`: each sample all 0 or all 1/keep; mean 1 and drop fraction `rate`
    within `sigmas` standard errors."""
    rate = float(layer.rate)
    keep = 1.0 - rate
    ones = np.ones((samples, 3, 4), "float32")
    y = to_numpy(call(layer, ones, training=True)).reshape(samples, -1)
    dropped = np.all(y == 0.0, axis=1)
    kept = np.all(np.abs(y - 1.0 / keep) <= 1e-6 / keep, axis=1)
    assert np.all(dropped | kept), f"a sample is neither all 0 nor all 1/keep: {y[~(dropped | kept)][:2]}"
    # Per-sample value v in {0, 1/keep}: E[v] = 1, std(v) = sqrt(rate / keep).
    mean_tol = sigmas * np.sqrt(rate / keep) / np.sqrt(samples)
    assert abs(y.mean() - 1.0) <= mean_tol, f"mean {y.mean():.4f}, expected 1 +- {mean_tol:.4f}"
    frac_tol = sigmas * np.sqrt(rate * keep) / np.sqrt(samples)
    assert abs(dropped.mean() - rate) <= frac_tol, f"dropped {dropped.mean():.4f}, expected {rate} +- {frac_tol:.4f}"
    second = to_numpy(call(layer, ones, training=True)).reshape(samples, -1)
    assert not np.array_equal(second, y), "two training calls drew the same mask"
    np.testing.assert_array_equal(to_numpy(call(layer, ones, training=False)), ones)


# ----------------------------------------------------------------------------------------------------
# 6. Compilation


_JIT_PROBE: list = []


def jit_compile_unsupported(probe: bool = False) -> str | None:
    """Why `jit_compile=True` cannot be checked on this backend (None if it can).

    With `probe`, also compiles a one-`Dense` model: if even that fails, compilation itself is broken
    on this machine (e.g. torch.compile without a working C++ toolchain), not a layer.
    """
    if BACKEND not in ("tensorflow", "jax", "torch"):
        return f"Keras has no jit_compile for the {BACKEND} backend"
    if BACKEND == "torch":
        import torch

        if not hasattr(torch, "compile"):
            return "this torch has no torch.compile, which Keras' jit_compile=True uses"
    if probe and not _JIT_PROBE:
        try:
            model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
            model.compile(jit_compile=True)
            model.predict_on_batch(np.ones((2, 4), "float32"))
            _JIT_PROBE.append(None)
        except Exception as exc:  # noqa: BLE001 - any failure means: compilation broken here
            _JIT_PROBE.append(f"jit_compile=True fails on the {BACKEND} backend even for one Dense layer: {exc!r}")
    return _JIT_PROBE[0] if probe else None


def _torch_compiled_frames() -> int:
    from torch._dynamo.utils import counters

    return sum(counters["frames"].values()) if "frames" in counters else 0


def _torch_graph_breaks():
    """dynamo's count of graph breaks by reason, as a Counter (subtract two to get the new ones)."""
    import collections

    from torch._dynamo.utils import counters

    return collections.Counter(counters.get("graph_break", {}))


def jit_compiled_outputs(specs) -> dict:
    """The forward pass of one model with every spec as a branch, eager and compiled once with
    `jit_compile=True` (torch.compile also falls back to eager, silently, after a few recompilations
    of the same function, which per-spec models would trigger).

    Returns `{spec.id: (eager, compiled)}`, or `{spec.id: exception}` for every spec if the model
    cannot be compiled (then `check_jit_compile_matches_eager` compiles the spec alone).
    """
    model, _ = branches_model(specs)
    data = [random_input(spec.input_shape, seed=10 + i) for i, spec in enumerate(specs)]
    eager = [to_numpy(y) for y in _as_list(model(data, training=False))]
    try:
        model.compile(jit_compile=True)
        assert model.jit_compile is True, "Keras turned jit_compile off for this model"
        if BACKEND == "torch":
            import torch

            torch._dynamo.reset()
            frames_before, breaks_before = _torch_compiled_frames(), _torch_graph_breaks()
        # Backend tensors, not numpy: on torch, converting numpy inside the compiled function breaks
        # the graph (dynamo cannot trace `ndarray.dtype`), and each layer then compiles as its own frame.
        compiled = model.predict_on_batch([ops.convert_to_tensor(d) for d in data])
        if BACKEND == "torch":
            assert _torch_compiled_frames() > frames_before, "torch.compile compiled nothing (ran eagerly)"
            # A graph break inside Functional's loop over its layers sends the whole model back to
            # eager, layer by layer, until dynamo's recompile limit: the forward must be one graph.
            breaks = _torch_graph_breaks() - breaks_before
            assert not breaks, f"torch.compile broke the graph: {breaks}"
    except Exception as exc:  # noqa: BLE001 - reported per spec
        return {spec.id: exc for spec in specs}
    return {spec.id: (e, to_numpy(c)) for spec, e, c in zip(specs, eager, _as_list(compiled))}


def check_jit_compile_matches_eager(spec: LayerSpec, combined: dict | None = None) -> None:
    result = None if combined is None else combined.get(spec.id)
    if result is None or isinstance(result, Exception):
        result = jit_compiled_outputs([spec])[spec.id]  # the spec alone: its own error, if it has one
        if isinstance(result, Exception):
            reason = jit_compile_unsupported(probe=True)
            if reason:
                pytest.skip(reason)
            raise result
    eager, compiled = result
    assert compiled.shape == eager.shape, f"{spec.id}: compiled {compiled.shape}, eager {eager.shape}"
    np.testing.assert_allclose(compiled, eager, **JIT_TOL, err_msg=f"{spec.id}: jit_compile=True vs eager")


def run_all_checks(spec: LayerSpec, tmp_path) -> None:
    """Every check that applies to `spec` (for a quick look at a new block; the test file runs each
    as its own test)."""
    check_config_round_trip(spec)
    check_saving_round_trip(spec, tmp_path)
    check_symbolic_shapes(spec)
    check_batch_and_image_sizes(spec)
    for policy in LOW_PRECISION_POLICIES:
        if not low_precision_unsupported(policy):
            check_dtype_policy(spec, policy)
    if spec.spatial:
        check_channels_first_matches_channels_last(spec)
    check_gradients_reach_every_variable(spec)
    check_fit_one_step(spec)
    if spec.drop_rates:
        check_drop_only_in_training(spec)
    if not jit_compile_unsupported():
        check_jit_compile_matches_eager(spec)



# ----------------------------------------------------------------------------------------------------
# The gate: every class registered under the package, and the configurations it is checked in


def registered_classes(registry: dict | None = None) -> dict[str, type]:
    """`{name: class}` of every class registered with Keras under `luximm_keras>` (importing the
    package registers every serializable class); `registry` defaults to Keras' own."""
    import luximm_keras  # noqa: F401  (registers)

    registry = keras.saving.get_custom_objects() if registry is None else registry
    prefix = f"{PACKAGE}>"
    # Classes only: registered functions (activations such as `quick_gelu`) are not layers.
    return {key[len(prefix):]: obj for key, obj in registry.items() if key.startswith(prefix) and isinstance(obj, type)}


# Registered classes that are not layers to put in a model: each with the test that covers it.
CHECKED_ELSEWHERE = {
    "TimmModel": "tests/models/test_builder.py: create_model's models through .keras files (a functional "
    "keras.Model of the blocks checked here, with timm's attributes)",
}


# The automatic converter's layers that the checks here cannot take (they call a layer on one input
# and compare one output): the conv whose kernel is a tensor of the graph (two inputs), the LSTM
# (PyTorch's nested `(output, (h, c))`). tests/convert/test_from_timm.py checks them against
# PyTorch's F.conv2d and nn.LSTM and in converted models through .keras files.
CONVERTER_LAYERS = ("TorchConv2dFunction", "TorchLSTM")


def classes_without_spec(specs, registry: dict | None = None) -> list[str]:
    """The registered names that no spec in `specs` checks and `CHECKED_ELSEWHERE` (or
    `CONVERTER_LAYERS`) does not name."""
    covered = {spec.cls for spec in specs}
    return sorted(
        name
        for name, obj in registered_classes(registry).items()
        if obj not in covered and name not in CHECKED_ELSEWHERE and name not in CONVERTER_LAYERS
    )


def is_layers_class(spec: LayerSpec) -> bool:
    """The spec's class is a single layer, not a family block: a port of timm/layers
    (`luximm_keras.layers`) or one of the converter's PyTorch layers (`luximm_keras.convert.layers`)."""
    return spec.cls.__module__.startswith((f"{PACKAGE}.layers", f"{PACKAGE}.convert.layers"))


def low_precision_policies(spec: LayerSpec) -> tuple[str, ...]:
    """The policies `check_dtype_policy` runs on `spec`: all three for the layers of
    `luximm_keras.layers`; for a family block, built from those, pure `bfloat16` (a sublayer not
    given the block's policy shows as a float32 variable) and `mixed_float16` (float16's range).
    (Each policy is one more compilation of the block on jax.)"""
    if is_layers_class(spec):
        return LOW_PRECISION_POLICIES
    return ("mixed_float16", "bfloat16")


def jit_specs(specs) -> list[LayerSpec]:
    """The specs whose forward `jit_compiled_outputs` compiles: all of them, but on torch the first
    spec of each model-side class only (inductor generates and compiles C++ for every fused kernel: ~3 s a spec
    on a 2-core CPU, where XLA takes a tenth of that). Not the input-free specs (see `LayerSpec`)."""
    specs = [s for s in specs if not s.input_free]
    if BACKEND != "torch":
        return list(specs)
    first = {}
    for spec in specs:
        # The preprocessing layers build PIL's weight matrices in numpy per image size, which torch.compile
        # cannot trace (a graph break per resize pass; README: compile the model, not the preprocessing).
        if spec.cls.__module__ != "luximm_keras.data.preprocessing":
            first.setdefault(spec.cls, spec)
    return list(first.values())


def _package_specs() -> list[LayerSpec]:
    from luximm_keras.layers import (
        BatchNorm2D,
        BatchNormAct2D,
        DropPath,
        GlobalResponseNorm,
        GlobalResponseNormMlp,
        GroupNormAct,
        LayerNorm2D,
        LayerScale,
        LayerScale2D,
        Mlp,
        MultiHeadSelfAttention,
        PatchEmbed,
        RelPosBias,
        ScaledStdConv2D,
        SqueezeExcite,
        StdConv2D,
    )
    from luximm_keras.data.preprocessing import CenterCropOrPad, Resize, ResizeKeepRatio
    from luximm_keras.models.convnext import ConvNeXtBlock
    from luximm_keras.models.maxxvit import Downsample2D, MbConvBlock, RelPosAttention2D, TransformerBlock2D
    from luximm_keras.models.resnetv2 import PreActBottleneck
    from luximm_keras.models.vision_transformer import ClassTokenPosEmbed, ViTBlock

    S = LayerSpec
    # fmt: off
    return [
        # luximm_keras.layers
        S(StdConv2D, dict(filters=16, kernel_size=3, padding=1, use_bias=True, kernel_initializer="he_uniform"), IMG, "pad1-bias-he_uniform", spatial=True),
        # Strided and dilated with TF SAME padding: TensorFlow's convolution refuses the pair (a stride-1
        # dilated conv subsampled there), and with unknown sizes the padding comes from the dynamic shape.
        S(StdConv2D, dict(filters=16, kernel_size=(3, 2), strides=2, dilation_rate=2, padding="same", groups=2, use_bias=True, kernel_initializer=keras.initializers.RandomNormal(stddev=0.3)), IMG, "s2-d2-same-groups-randomnormal", spatial=True),
        S(ScaledStdConv2D, dict(filters=16, kernel_size=3, padding=None, gamma=1.7139588594436646, epsilon=1e-5, gain_init=0.5), IMG, spatial=True),
        S(LayerNorm2D, dict(), IMG, spatial=True),
        S(GlobalResponseNorm, dict(), IMG, spatial=True),
        S(BatchNorm2D, dict(), IMG, spatial=True),
        S(BatchNormAct2D, dict(activation="silu", epsilon=1e-5, momentum=0.9), IMG, spatial=True),
        S(GroupNormAct, dict(groups=4, activation="relu"), IMG, spatial=True),
        S(SqueezeExcite, dict(rd_ratio=0.25, activation="silu"), IMG, "silu", spatial=True),
        S(SqueezeExcite, dict(rd_channels=4, activation=keras.activations.gelu), IMG, "gelu-object", spatial=True),
        S(PatchEmbed, dict(embed_dim=32, patch_size=4), IMG, "flatten", spatial=True, stack=False),
        S(PatchEmbed, dict(embed_dim=8, patch_size=(4, 2), flatten=False), IMG, "grid", spatial=True, stack=False),
        S(MultiHeadSelfAttention, dict(dim=32, num_heads=4), TOKENS),
        # k_norm's beta shifts every key alike: a constant per query, which the softmax cancels (zero gradient).
        S(MultiHeadSelfAttention, dict(dim=32, num_heads=4, qkv_bias=False, qk_norm=True, attn_drop=0.2, proj_drop=0.2), TOKENS, "qknorm-drop", drop_rates=("attn_drop", "proj_drop"), zero_grad=("k_norm/beta",)),
        S(Mlp, dict(hidden_features=64), TOKENS),
        S(Mlp, dict(hidden_features=64, out_features=16, activation="silu", drop=0.2), TOKENS, "out-drop", drop_rates=("drop",), stack=False),
        # GlobalResponseNormMlp and ConvNeXtBlock are channels-last only (no `data_format`, as timm's
        # ConvNeXt-V2 runs them on NHWC): no channels_first check.
        # (Its 1x1-conv form, `use_conv=True`, is ConvNeXtBlock's `conv_mlp=True` below.)
        S(GlobalResponseNormMlp, dict(hidden_features=32, out_features=8, activation="silu", drop=0.2), IMG, drop_rates=("drop",), stack=False),
        S(LayerScale, dict(init_values=0.1), TOKENS),
        S(LayerScale2D, dict(init_values=0.1), IMG, spatial=True),
        S(DropPath, dict(rate=0.5), TOKENS, drop_rates=("rate",)),
        S(RelPosBias, dict(window_size=(2, 3), num_heads=4), (4, 4, 6, 6), fixed_size=True),
        # luximm_keras.models: the family blocks
        S(ViTBlock, dict(dim=32, num_heads=4, mlp_ratio=2.0), TOKENS),
        S(ViTBlock, dict(dim=32, num_heads=4, mlp_ratio=2.0, init_values=0.1, drop_path_rate=0.2, proj_drop=0.1, activation="silu"), TOKENS, "layerscale-drop", drop_rates=("drop_path_rate", "proj_drop")),
        S(ClassTokenPosEmbed, dict(), WINDOW, fixed_size=True, stack=False),
        S(ClassTokenPosEmbed, dict(no_embed_class=True, cls_token_initializer=keras.initializers.RandomNormal(stddev=0.5)), WINDOW, "no-embed-class", fixed_size=True, stack=False),
        S(ConvNeXtBlock, dict(dim=16, mlp_ratio=2.0, init_values=0.1), IMG, "layerscale"),
        S(ConvNeXtBlock, dict(dim=16, kernel_size=3, mlp_ratio=2.0, use_grn=True, conv_mlp=True, init_values=None, drop_path_rate=0.25), IMG, "grn-conv-mlp-drop", drop_rates=("drop_path_rate",)),
        S(PreActBottleneck, dict(filters=32, bottle_ratio=0.5, strides=2, norm_groups=4, activation="gelu", drop_path_rate=0.25), IMG, spatial=True, drop_rates=("drop_path_rate",)),
        S(RelPosAttention2D, dict(dim=32, filters=48, dim_head=8, window_size=(2, 3)), WINDOW, spatial=True, fixed_size=True, stack=False),
        S(Downsample2D, dict(filters=32, use_bias=False), IMG, spatial=True),
        S(MbConvBlock, dict(filters=16, expand_ratio=1.0, group_size=8, se_ratio=0.5, drop_path_rate=0.25), IMG, "s1-grouped-drop", spatial=True, drop_rates=("drop_path_rate",), batch_statistics=True),
        # CoAtNet's _rw blocks: pool stride, pre-norm activation, early SE with ReLU, hidden width from
        # the input. (With 2 SE channels, both ReLUs can be dead for a whole batch: 8 here.)
        S(MbConvBlock, dict(filters=32, strides=2, stride_mode="pool", expand_ratio=1.0, expand_output=False, pre_norm_act=True, output_bias=False, attn_early=True, se_ratio=0.5, se_activation="relu", activation="silu"), IMG, "s2-pool", spatial=True),
        S(MbConvBlock, dict(filters=16, strides=2, stride_mode="dw", expand_ratio=1.0, se_ratio=0.5, pool_type="max2"), IMG, "s2-dw", spatial=True),
        S(TransformerBlock2D, dict(filters=32, window_size=(2, 3), dim_head=8, expand_ratio=2.0, attn_drop=0.2, proj_drop=0.2, drop_path_rate=0.2), WINDOW, "s1-drop", spatial=True, fixed_size=True, drop_rates=("attn_drop", "proj_drop", "drop_path_rate")),
        S(TransformerBlock2D, dict(filters=32, window_size=(4, 8), strides=2, dim_head=8, expand_ratio=2.0, shortcut_bias=False, init_values=0.1), IMG, "s2-layerscale", spatial=True, fixed_size=True, stack=False),
        # luximm_keras.data.preprocessing: timm's eval resize and crop as layers. `match_pil=True` rounds
        # to 8 bits after each pass (PIL's), which under bfloat16 flips a value by one step now and then:
        # the float form is checked here, the PIL form against timm in tests/data.
        S(Resize, dict(size=12, interpolation="bilinear", match_pil=False), IMG, "shorter-side-bilinear", spatial=True),
        S(Resize, dict(size=(9, 14), interpolation="nearest", match_pil=False), IMG, "pair-nearest", spatial=True),
        S(ResizeKeepRatio, dict(size=(12, 10), match_pil=False), IMG, spatial=True),
        S(CenterCropOrPad, dict(size=(12, 24), fill_value=(1.0, 2.0, 3.0)), IMG[:3] + (3,), spatial=True),
    ]
    # fmt: on


# Few shapes, shared by the specs: eager jax compiles every op once per shape and dtype. The 2x3
# attention window gives the same (4 heads, 6 tokens, 8 wide) attention as the token layers; the
# blocks keep 16 channels (32 after a stride, 8x16 maps become 4x8), so their convs, norms and
# squeeze-excites run on the layers' shapes.
# Maps are non-square, so a height/width swap shows; some outputs are as wide as they have channels
# (16 x 16 maps; PatchEmbed grid: 8 columns of 8), a shape that exposes any code picking the
# channel axis by size rather than by data format (e.g. Keras' TensorFlow `ops.add(x, bias)`, which
# becomes an NHWC `bias_add` whenever x's last axis has the bias' length).
IMG = (4, 8, 16, 16)  # batch, height, width, channels
TOKENS = (4, 6, 32)
WINDOW = (4, 2, 3, 32)  # one 2x3 attention window of width 32



def _converter_specs() -> list[LayerSpec]:
    """The automatic converter's layers (`luximm_keras/convert/layers.py`): PyTorch's NCHW layouts, so
    their map sizes are fixed here (a free axis is any but the last)."""
    from luximm_keras.convert.layers import (
        NCHWImages,
        TimmTensor,
        TorchConstant,
        TorchConv1d,
        TorchConv2d,
        TorchConvTranspose2d,
    )

    S = LayerSpec
    nchw = (4, 8, 9, 9)
    # fmt: off
    return [
        S(NCHWImages, {}, IMG, "nhwc-to-nchw"),
        S(TimmTensor, dict(key="pos_embed", shape=(1, 6, 32)), TOKENS, "parameter", input_free=True),
        S(TorchConstant, dict(value=np.linspace(-1.0, 1.0, 12).reshape(3, 4)), TOKENS, "buffer", input_free=True),
        S(TorchConv2d, dict(filters=8, kernel_size=(3, 3), strides=(2, 2), padding=(1, 1), groups=2), nchw, "grouped-strided", fixed_size=True),
        S(TorchConv2d, dict(filters=6, kernel_size=(3, 3), padding=(2, 2), dilation_rate=(2, 2), use_bias=False), nchw, "dilated-no-bias", fixed_size=True),
        S(TorchConv1d, dict(filters=6, kernel_size=3, padding=1, strides=2), (4, 8, 12), "strided", fixed_size=True),
        S(TorchConvTranspose2d, dict(filters=6, kernel_size=(2, 2), strides=(2, 2)), nchw, "upsample", fixed_size=True),
    ]
    # fmt: on


def _family_specs() -> list[LayerSpec]:
    """The specs kept beside this file in `family_specs/<timm model file>.py`, one file per family (its
    blocks and the timm layers it brought): each defines `specs(cf)`, `cf` being this module."""
    this = sys.modules[__name__]
    found = []
    for path in sorted((Path(__file__).parent / "family_specs").glob("[!_]*.py")):
        loader = importlib.util.spec_from_file_location(f"family_specs_{path.stem}", path)
        module = importlib.util.module_from_spec(loader)
        loader.loader.exec_module(module)
        found += module.specs(this)
    return found


SPECS: list[LayerSpec] = _package_specs() + _converter_specs() + _family_specs()
"""One spec per configuration checked, covering every registered class (`classes_without_spec`)."""
