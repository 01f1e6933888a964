"""`luximm_keras.convert.from_timm`: timm models converted automatically give timm's logits on every
backend, load and export timm's weights, save and run without torch, and name what they cannot map."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import timm
import torch

import keras

from luximm_keras.convert import ConversionMismatch, UnsupportedOperations, from_timm, register_function
from luximm_keras.interop import export_timm_weights, load_timm_weights

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models"))
from model_checks import (  # noqa: E402
    BACKEND,
    assert_close_to_timm,
    assert_moved_as_timm,
    nchw,
    numpy_state,
    predict,
    randomized,
    timm_sgd_step,
)

# One of each kind, at a small input size: a CNN (ResNet-10-T: avg-down's ceil-mode pooling), a ViT
# (class token expanded over the batch, fused attention), a MetaFormer (PoolFormer-V2: pooling token
# mixer, GroupNorm as a function), a gated conv MLP (MambaOut: torch.split, LayerNorm over NHWC).
CASES = {
    "resnet10t": {},
    "vit_tiny_patch16_224": dict(img_size=64),
    "poolformerv2_s12": {},
    "mambaout_femto": {},
}
SIZE = 64


def _converted(name):
    reference = randomized(lambda: timm.create_model(name, **CASES[name]))
    return reference, from_timm(reference, img_size=(SIZE, SIZE))


def _images(batch=2):
    return np.random.default_rng(1).standard_normal((batch, SIZE, SIZE, 3)).astype("float32")


@pytest.mark.parametrize("name", list(CASES))
def test_converted_model_gives_timms_logits_and_goes_red_on_a_flipped_weight(name):
    reference, model = _converted(name)
    x = _images()
    with torch.no_grad():
        expected = reference(nchw(x)).numpy()
    assert_close_to_timm(predict(model, x), expected, name)
    state = numpy_state(reference)
    key = max((k for k in state if state[k].ndim >= 2), key=lambda k: state[k].size)
    load_timm_weights(model, {key: -state[key]}, strict=False)
    with pytest.raises(AssertionError):
        assert_close_to_timm(predict(model, x), expected, name)


def test_converted_weights_export_back_through_timms_strict_load():
    reference, model = _converted("resnet10t")
    exported = export_timm_weights(model)
    fresh = timm.create_model("resnet10t")
    fresh.load_state_dict({k: torch.from_numpy(v) for k, v in exported.items()}, strict=True)
    for key, value in numpy_state(reference).items():
        if not key.endswith("num_batches_tracked"):
            np.testing.assert_array_equal(exported[key], value, err_msg=key)


FRESH_PROCESS = """
import sys
import numpy as np
sys.modules["torch"] = None  # a converted model must not need torch
import luximm_keras
import keras
model = keras.saving.load_model(sys.argv[1])
np.save(sys.argv[1] + ".npy", keras.ops.convert_to_numpy(model(np.load(sys.argv[2]))))
"""


def test_one_sgd_step_of_a_converted_model_moves_weights_and_statistics_as_pytorchs():
    """A converted model fine-tunes as timm's module does: one SGD step in training mode (BatchNorm's
    batch statistics, PyTorch's unbiased running variance and momentum), exported back to timm's keys."""
    reference = randomized(lambda: timm.create_model("resnet10t", num_classes=10))
    model = from_timm(reference, img_size=(SIZE, SIZE))
    before = numpy_state(reference)
    x, labels = _images(4), np.array([1, 7, 3, 3])
    timm_loss, timm_after = timm_sgd_step(reference, x, labels, 0.05)
    _, exact_after = timm_sgd_step(reference, x.astype("float64"), labels, 0.05, torch.float64)
    model.compile(optimizer=keras.optimizers.SGD(0.05), run_eagerly=BACKEND == "tensorflow",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    ours_loss = float(np.asarray(model.train_on_batch(x, labels)))
    assert abs(ours_loss - timm_loss) <= 1e-5 * max(1.0, timm_loss)
    assert_moved_as_timm(export_timm_weights(model), timm_after, exact_after, before, "converted resnet10t")


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "bfloat16"])
def test_converted_model_runs_under_a_bfloat16_policy(policy):
    """Built under a policy, every float variable takes its variable dtype and the model computes in
    bfloat16, near its float32 result (timm's tensors and the trace's constants included)."""
    reference = randomized(lambda: timm.create_model("poolformerv2_s12"))  # layer scales: timm tensors
    x = _images()
    float32 = keras.ops.convert_to_numpy(from_timm(reference, img_size=(SIZE, SIZE))(x))
    keras.config.set_dtype_policy(policy)
    model = from_timm(reference, img_size=(SIZE, SIZE), check=False)  # the check's tolerance is float32's
    variable_dtype = keras.DTypePolicy(policy).variable_dtype
    assert {keras.backend.standardize_dtype(v.dtype) for v in model.weights} == {variable_dtype}
    y = model(x)
    assert keras.backend.standardize_dtype(y.dtype) == "bfloat16"
    np.testing.assert_allclose(keras.ops.convert_to_numpy(keras.ops.cast(y, "float32")), float32, rtol=0,
                               atol=0.1 * float(np.abs(float32).max()))


@pytest.mark.skipif(BACKEND != "tensorflow", reason="once: saved on tensorflow, reloaded on jax (Keras' torch "
                                                    "backend is torch itself)")
def test_converted_model_saves_and_runs_in_a_process_without_torch(tmp_path):
    reference, model = _converted("vit_tiny_patch16_224")
    x = _images()
    path = str(tmp_path / "vit.keras")
    model.save(path)
    np.save(tmp_path / "x.npy", x)
    env = dict(os.environ, KERAS_BACKEND="jax")
    run = subprocess.run([sys.executable, "-c", FRESH_PROCESS, path, str(tmp_path / "x.npy")],
                         capture_output=True, text=True, timeout=600, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    with torch.no_grad():
        expected = reference(nchw(x)).numpy()
    assert_close_to_timm(np.load(path + ".npy"), expected, "reloaded without torch")


class _Cumulative(torch.nn.Module):
    def forward(self, x):
        return torch.logcumsumexp(x, dim=1).flatten(1)


def test_unsupported_operations_are_all_named_and_a_registered_mapping_converts(monkeypatch):
    from luximm_keras.convert import mapping

    with pytest.raises(UnsupportedOperations) as error:
        from_timm(_Cumulative(), img_size=(4, 4), name="cumulative")
    assert [(kind, target) for kind, target, *_ in error.value.operations] == [("function", "torch.logcumsumexp")]
    assert "torch.logcumsumexp" in str(error.value)
    monkeypatch.setattr(mapping, "FUNCTIONS", dict(mapping.FUNCTIONS))
    register_function(torch.logcumsumexp)(lambda x, dim: keras.ops.log(keras.ops.cumsum(keras.ops.exp(x), axis=dim)))
    model = from_timm(_Cumulative(), img_size=(4, 4), name="cumulative")
    x = np.random.default_rng(0).standard_normal((2, 4, 4, 3)).astype("float32")
    expected = _Cumulative()(nchw(x)).numpy()
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(x)), expected, rtol=1e-5, atol=1e-5)


def test_a_wrong_mapping_is_refused_at_conversion(monkeypatch):
    from luximm_keras.convert import mapping

    monkeypatch.setattr(mapping, "FUNCTIONS", dict(mapping.FUNCTIONS))
    register_function(torch.logcumsumexp)(  # along the wrong axis
        lambda x, dim: keras.ops.log(keras.ops.cumsum(keras.ops.exp(x), axis=dim + 1)))
    with pytest.raises(ConversionMismatch, match="differs from timm's"):
        from_timm(_Cumulative(), img_size=(4, 4), name="cumulative")
    assert from_timm(_Cumulative(), img_size=(4, 4), name="cumulative", check=False) is not None


@pytest.mark.skipif(BACKEND != "tensorflow", reason="once, where import order matters: TensorFlow before "
                                                    "torchvision crashes, so the command converts in a timm-first process")
def test_convert_command_falls_back_to_the_automatic_path(tmp_path, capsys):
    import safetensors.torch

    from luximm_keras.cli import main

    reference = randomized(lambda: timm.create_model("poolformerv2_s12"))
    checkpoint = str(tmp_path / "poolformer.safetensors")
    safetensors.torch.save_file(reference.state_dict(), checkpoint)
    out = str(tmp_path / "poolformer.keras")
    assert main(["convert", checkpoint, "--model", "poolformerv2_s12", "-o", out]) == 0
    assert "automatically" in capsys.readouterr().out
    model = keras.saving.load_model(out)
    assert model.input_shape == (None, 224, 224, 3)
    x = np.random.default_rng(2).standard_normal((1, 224, 224, 3)).astype("float32")
    with torch.no_grad():
        expected = reference(nchw(x)).numpy()
    assert_close_to_timm(keras.ops.convert_to_numpy(model(x)), expected, "converted by the command")


class _Ops(torch.nn.Module):
    """One PyTorch operation the mapping table covers, on a small NCHW map."""

    def __init__(self, forward, *modules):
        super().__init__()
        self.parts = torch.nn.ModuleList(modules)
        self._forward = forward

    def forward(self, x):
        return self._forward(self, x)


def _op_cases():
    import torch.nn.functional as F
    from timm.layers.conv2d_same import Conv2dSame
    from timm.layers.pool2d_same import MaxPool2dSame

    nn = torch.nn
    return {
        "avg_pool_ceil_no_pad_count": _Ops(lambda s, x: s.parts[0](x), nn.AvgPool2d(2, 2, ceil_mode=True, count_include_pad=False)),
        "avg_pool_pad_counted": _Ops(lambda s, x: s.parts[0](x), nn.AvgPool2d(3, 2, padding=1)),
        "max_pool_ceil_pad": _Ops(lambda s, x: s.parts[0](x), nn.MaxPool2d(3, 2, padding=1, ceil_mode=True)),
        "pad_crop": _Ops(lambda s, x: F.pad(x, (-1, 1, -1, 2))),
        "pad_reflect": _Ops(lambda s, x: F.pad(x, (2, 1, 1, 0), mode="reflect")),
        "conv2d_same": _Ops(lambda s, x: s.parts[0](x), Conv2dSame(3, 4, 3, stride=2)),
        "max_pool_same": _Ops(lambda s, x: s.parts[0](x), MaxPool2dSame(3, 2)),
        "conv_padding_same": _Ops(lambda s, x: s.parts[0](x), nn.Conv2d(3, 4, 4, padding="same")),
        "conv_transpose": _Ops(lambda s, x: s.parts[0](x), nn.ConvTranspose2d(3, 5, 4, stride=2, padding=1)),
        "conv_transpose_output_padding": _Ops(lambda s, x: s.parts[0](x), nn.ConvTranspose2d(
            3, 2, 3, stride=2, padding=0, output_padding=1, dilation=2)),
        "unfold": _Ops(lambda s, x: s.parts[0](x), nn.Unfold(3, dilation=(1, 2), padding=1, stride=2)),
        # VOLO's outlook attention: unfold, weigh, fold back (overlapping windows add up).
        "unfold_fold": _Ops(lambda s, x: F.fold(F.unfold(x, 3, padding=1, stride=2) * 0.5, output_size=(9, 11),
                                                kernel_size=3, padding=1, stride=2)),
        "conv1d_grouped": _Ops(lambda s, x: s.parts[0](x.flatten(2)), nn.Conv1d(3, 6, 3, stride=2, padding=1, groups=3)),
        "interpolate_nearest": _Ops(lambda s, x: F.interpolate(x, size=(7, 5), mode="nearest")),
        "interpolate_bilinear": _Ops(lambda s, x: F.interpolate(x, scale_factor=2, mode="bilinear")),
        "interpolate_bilinear_down": _Ops(lambda s, x: F.interpolate(x, size=(4, 7), mode="bilinear")),
        "interpolate_bilinear_corners": _Ops(lambda s, x: F.interpolate(x, size=(13, 6), mode="bilinear",
                                                                         align_corners=True)),
        "interpolate_linear_1d": _Ops(lambda s, x: F.interpolate(x.flatten(2), size=40, mode="linear")),
        "avg_pool_divisor_override": _Ops(lambda s, x: F.avg_pool2d(x, 3, 2, padding=1, divisor_override=4)),
        "avg_pool_positional": _Ops(lambda s, x: F.avg_pool2d(x, 2, 2, 0, True, False)),  # ceil, not counted
        "max_pool_positional": _Ops(lambda s, x: F.max_pool2d(x, 3, 2, 1, 1, True)),
        "interpolate_bicubic": _Ops(lambda s, x: F.interpolate(x, size=(14, 5), mode="bicubic")),
        "gather_list": _Ops(lambda s, x: x[:, :, [3, 0, 2]]),
        "adaptive_avg_pool": _Ops(lambda s, x: F.adaptive_avg_pool2d(x, (4, 3))),
        "standardized_kernel": _Ops(lambda s, x: F.conv2d(x, F.batch_norm(
            s.parts[0].weight.reshape(1, 4, -1), None, None, training=True, momentum=0.0, eps=1e-6).reshape_as(
            s.parts[0].weight)), nn.Conv2d(3, 4, 3, bias=False)),
        # MobileViT's unfolding: patches as rows of the batch (B * 4), then back by the batch size,
        # and by the row count (window reversal); the -1 of each must know how many rows per example.
        "batch_rows_folded": _Ops(lambda s, x: x.reshape(x.shape[0] * 3, 9, 11).view(x.shape[0], 3, 9, -1)),
        "batch_rows_unfolded": _Ops(lambda s, x: (lambda y: y.view(y.shape[0] // 3, 3, -1, 11))(
            x.reshape(x.shape[0] * 3, 99) + 1)),
        # EdgeNeXt's position mask, made by the batch size: factory, dtype change, invert, cumsum.
        "batch_sized_mask": _Ops(lambda s, x: x + (~torch.zeros(x.shape[0], x.shape[2], x.shape[3]).to(
            dtype=torch.bool)).cumsum(1, dtype=torch.float32).unsqueeze(1)),
        "repeat_over_batch": _Ops(lambda s, x: x * s.parts[0].weight.reshape(1, 3, 1, 1).repeat(
            x.shape[0], 1, x.shape[2], 1).tile(1, 1, 1, x.shape[3]), nn.Linear(1, 3)),
        "chunk_uneven": _Ops(lambda s, x: torch.cat([c * (i + 1) for i, c in enumerate(x.flatten(2).chunk(4, dim=2))], 2)),
        # In place: NaFlexViT adds its position embedding with add_, MViT-V2 assigns a slice.
        "add_in_place": _Ops(lambda s, x: (lambda y: (y.add_(s.parts[0].weight.reshape(1, 3, 1, 1)), y * 2)[1])(x * 1),
                             nn.Linear(1, 3)),
        "slice_assignment": _Ops(lambda s, x: (lambda y: (y.__setitem__((slice(None), slice(None), slice(2, None), 3),
                                                                        y[:, :, 2:, 3] * 3 + 1), y - 1)[1])(x + 0)),
        "scalar_assignment": _Ops(lambda s, x: (lambda y: (y.__setitem__((..., 0), 5.0), y)[1])(x * 1)),
        # GlobalResponseNorm's norm over height and width (a vector norm: keras.ops.norm takes two
        # axes as a matrix), p-norms, F.normalize.
        "norm_over_two_axes": _Ops(lambda s, x: x * x.norm(p=2, dim=(2, 3), keepdim=True) + x.norm(dim=(1, 3), keepdim=True)),
        "p_norms": _Ops(lambda s, x: x.norm(p=1, dim=1, keepdim=True) + x.norm(p=3, dim=(1, 2), keepdim=True)
                        + torch.norm(x, p=float("inf"), dim=3, keepdim=True) + x.norm()),
        "normalize": _Ops(lambda s, x: F.normalize(x, dim=1) + F.normalize(x, p=1.0, dim=-1)),
        # Sequencer's LSTMs (bidirectional, over rows and columns); two layers one way; their states.
        "lstm_bidirectional": _Ops(lambda s, x: s.parts[0](x.mean(2).transpose(1, 2))[0],
                                   nn.LSTM(3, 5, batch_first=True, bidirectional=True)),
        "lstm_two_layers_states": _Ops(lambda s, x: (lambda out, states: torch.cat(
            [out.flatten(1), states[0].transpose(0, 1).flatten(1), states[1].transpose(0, 1).flatten(1)], 1))(
            *s.parts[0](x.mean(3).transpose(1, 2))), nn.LSTM(3, 4, num_layers=2, batch_first=True)),
        # Gemma 4's clamp of integer positions, one bound only; bounds crossed (max wins, as in PyTorch).
        "clamp_integers_min_only": _Ops(lambda s, x: x * (x > 0).long().cumsum(3).clamp(min=2)),
        "clamp_crossed_bounds": _Ops(lambda s, x: x.clamp(min=0.5, max=-0.5) + x.clamp(max=0.1)),
        "expand_token": _Ops(lambda s, x: torch.cat([s.parts[0].weight.reshape(1, 1, -1).expand(x.shape[0], -1, -1),
                                                     x.flatten(2).transpose(1, 2)], dim=1), nn.Linear(1, 3)),
    }


@pytest.mark.parametrize("case", list(_op_cases()))
def test_each_mapped_operation_is_pytorchs(case):
    module = randomized(lambda: _op_cases()[case])
    model = from_timm(module, img_size=(9, 11), name=case)
    x = np.random.default_rng(3).standard_normal((2, 9, 11, 3)).astype("float32")
    with torch.no_grad():
        expected = module(nchw(x)).numpy()
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(x)), expected, rtol=1e-5, atol=1e-5)
