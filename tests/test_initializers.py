"""`luximm_keras.initializers`: PyTorch's initializers as Keras' own, and `host_initialization`, which
draws initial values with NumPy from the same distributions Keras' initializers draw (checked here
sample against sample, and variable by variable on a whole model built both ways)."""

from __future__ import annotations

import contextlib

import keras
import numpy as np
import pytest

from luximm_keras import initializers
from luximm_keras.initializers import host_initial_value, host_initialization
from luximm_keras.models import _builder, create_model

SHAPE = (3, 3, 64, 128)  # a conv kernel: 73,728 draws, fans 576 (in) and 1152 (out)

KERAS_INITIALIZERS = {
    "zeros": keras.initializers.Zeros(),
    "ones": keras.initializers.Ones(),
    "constant": keras.initializers.Constant(0.25),
    "random_normal": keras.initializers.RandomNormal(mean=0.1, stddev=0.3),
    "truncated_normal": keras.initializers.TruncatedNormal(mean=-0.2, stddev=0.02),
    "random_uniform": keras.initializers.RandomUniform(minval=-0.3, maxval=0.7),
    "glorot_uniform": keras.initializers.GlorotUniform(),
    "glorot_normal": keras.initializers.GlorotNormal(),
    "he_normal": keras.initializers.HeNormal(),
    "lecun_uniform": keras.initializers.LecunUniform(),
    "kaiming_normal_fan_out": initializers.kaiming_normal_fan_out(),
    "normal_init": initializers.normal_init(0.02),
}


BOUNDED = {"truncated_normal", "random_uniform", "glorot_uniform", "lecun_uniform"}


def ks_statistic(a: np.ndarray, b: np.ndarray) -> float:
    """The two-sample Kolmogorov-Smirnov statistic: the largest gap between the empirical CDFs."""
    a, b = np.sort(a.ravel().astype("float64")), np.sort(b.ravel().astype("float64"))
    grid = np.concatenate([a, b])
    cdf_a, cdf_b = np.searchsorted(a, grid, "right") / a.size, np.searchsorted(b, grid, "right") / b.size
    return float(np.max(np.abs(cdf_a - cdf_b)))


def ks_limit(n: int, m: int) -> float:
    """The KS statistic two samples of one distribution exceed with probability 1e-6."""
    return float(np.sqrt(-np.log(0.5e-6) / 2) * np.sqrt((n + m) / (n * m)))


@pytest.mark.parametrize("kind", list(KERAS_INITIALIZERS))
def test_host_values_follow_keras_distribution(kind):
    initializer = KERAS_INITIALIZERS[kind]
    ours = host_initial_value(initializer, SHAPE, "float32")
    theirs = keras.ops.convert_to_numpy(initializer(SHAPE, dtype="float32"))
    assert ours.shape == SHAPE and ours.dtype == np.float32
    if kind in ("zeros", "ones", "constant"):
        np.testing.assert_array_equal(ours, theirs)
        return
    assert ks_statistic(ours, theirs) < ks_limit(ours.size, theirs.size), kind
    if kind in BOUNDED:  # truncated draws stay within two standard deviations, uniform ones in bounds
        slack = 1e-3 * np.ptp(theirs)
        assert theirs.min() - slack <= ours.min() and ours.max() <= theirs.max() + slack, kind


def test_host_values_repeat_for_an_int_seed_as_keras_do():
    seeded = keras.initializers.RandomNormal(stddev=1.0, seed=3)
    first = host_initial_value(seeded, (5, 7), "float32")
    np.testing.assert_array_equal(host_initial_value(seeded, (5, 7), "float32"), first)
    other = keras.initializers.RandomNormal(stddev=1.0, seed=4)
    assert not np.array_equal(host_initial_value(other, (5, 7), "float32"), first)


def test_what_numpy_cannot_draw_is_left_to_keras():
    assert host_initial_value(keras.initializers.Orthogonal(), (4, 4), "float32") is None
    assert host_initial_value(keras.initializers.Zeros(), (4, 4), "bfloat16") is None
    assert host_initial_value(lambda shape, dtype=None: None, (4,), "float32") is None
    with host_initialization():  # a bfloat16 variable still gets its value, through Keras
        variable = keras.Variable(keras.initializers.Ones(), shape=(2, 3), dtype="bfloat16")
    assert keras.backend.standardize_dtype(variable.dtype) == "bfloat16"
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(keras.ops.cast(variable, "float32")), np.ones((2, 3)))


def test_the_context_nests_and_restores_keras_own_initialization():
    def probe():
        return keras.ops.convert_to_numpy(keras.Variable(keras.initializers.RandomNormal(seed=3), shape=(64,)))

    host = host_initial_value(keras.initializers.RandomNormal(seed=3), (64,), "float32")
    with host_initialization():
        with host_initialization():
            pass
        np.testing.assert_array_equal(probe(), host)  # still on: drawn on the host, by NumPy
    assert not np.array_equal(probe(), host)  # off: Keras draws with the backend's generator


NAME = "coatnet_pico_rw_224"  # conv, attention, norms, relative-position tables, biases, a head


def initial_weights(**kwargs) -> dict[str, np.ndarray]:
    return {w.path: keras.ops.convert_to_numpy(w) for w in create_model(NAME, **kwargs).weights}


def test_create_model_draws_what_keras_initializers_draw(monkeypatch):
    """Every variable of a model built on the host against the same model built by Keras' own
    initializers: constants equal, random tensors from the same distribution."""
    host = initial_weights()
    monkeypatch.setattr(_builder, "host_initialization", contextlib.nullcontext)
    keras.backend.clear_session(free_memory=False)  # the same layer names
    own = initial_weights()
    assert host.keys() == own.keys()
    compared = 0
    for path, value in own.items():
        ours = host[path]
        assert ours.shape == value.shape and ours.dtype == value.dtype, path
        if np.all(value == value.flat[0]):
            np.testing.assert_array_equal(ours, value, err_msg=path)
        elif value.size >= 2048:
            assert ks_statistic(ours, value) < ks_limit(ours.size, value.size), path
            compared += 1
    assert compared >= 20


def test_seeded_builds_repeat():
    keras.utils.set_random_seed(5)
    first = initial_weights(num_classes=10)
    keras.backend.clear_session(free_memory=False)
    keras.utils.set_random_seed(5)
    again = initial_weights(num_classes=10)
    keras.backend.clear_session(free_memory=False)
    keras.utils.set_random_seed(6)
    other = initial_weights(num_classes=10)
    for path, value in first.items():
        np.testing.assert_array_equal(again[path], value, err_msg=path)
    assert any(not np.array_equal(other[p], v) for p, v in first.items())


def test_deferred_initialization_builds_zeros_and_draws_only_what_is_asked():
    """What `create_model(pretrained=True)` builds in: weights start as zeros (nothing drawn), and
    `draw` gives the listed ones their initializer's values, once."""
    with host_initialization(), initializers.deferred_initialization() as pending:
        layer = keras.layers.Dense(64, bias_initializer="ones")
        layer.build((None, 48))
        with pytest.raises(RuntimeError, match="does not nest"):
            with initializers.deferred_initialization():
                pass
    assert len(pending) == 2
    assert not np.any(keras.ops.convert_to_numpy(layer.kernel))
    assert pending.draw([layer.kernel]) == 1 and len(pending) == 1
    kernel = keras.ops.convert_to_numpy(layer.kernel)
    limit = np.sqrt(6 / (48 + 64))  # Glorot uniform's
    assert np.abs(kernel).max() <= limit and kernel.std() == pytest.approx(limit / np.sqrt(3), rel=0.1)
    assert pending.draw([layer.kernel]) == 0  # drawn once
    assert not np.any(keras.ops.convert_to_numpy(layer.bias))  # not asked for: left as built
