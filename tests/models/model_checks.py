"""What the tests of the block-built models (test_coatnet.py, test_resnetv2.py) share: perturbed timm
modules, their outputs, and the block tolerance.

Imported by name: pytest puts this folder on `sys.path` for the test files in it (no `__init__.py`).
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import timm
import torch

import keras

from luximm_keras.interop.rules import IGNORED_KEY_SUFFIXES

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "layers"))
import conformance as cf  # noqa: E402  (the shared Keras conformance checks, tests/layers/conformance.py)

BACKEND = keras.backend.backend()
# Eager JAX compiles every op on its first shapes: tests on shapes of their own cost several times more
# there than elsewhere, so they are slow on JAX only.
slow_on_jax = pytest.mark.slow if BACKEND == "jax" else (lambda test: test)
JAX_SLOW = (pytest.mark.slow,) if BACKEND == "jax" else ()  # the marks of a parameter slow on jax only
NOISE = 0.02
# Whole models against timm, float32: logits to 1e-4 absolute, pooled features to rtol 1e-4.
LOGITS_ATOL = 1e-4
FEATURES_TOL = dict(rtol=1e-4, atol=1e-5)


def assert_logits_match(ours, reference):
    np.testing.assert_allclose(ours, reference, rtol=0, atol=LOGITS_ATOL)


def assert_close_to_timm(ours, reference, what: str = "") -> None:
    """Whole-model outputs (logits, pooled features, feature maps) against timm's, float32: within
    1e-4 x max(1, largest |timm output|), the tolerance of the families issues."""
    ours, reference = np.asarray(ours), np.asarray(reference)
    assert ours.shape == reference.shape, f"{what}: shape {ours.shape} != timm's {reference.shape}"
    tolerance = _tolerance(reference)
    error = float(np.abs(ours - reference).max())
    assert error <= tolerance, f"{what}: max |keras - timm| = {error:.3g} > {tolerance:.3g}"


def assert_as_close_to_exact_as_timm(ours, timm32, timm64, what: str = "") -> None:
    """For outputs so deep that float32 rounding alone exceeds `assert_close_to_timm`'s tolerance
    (timm's own float32 result then misses its float64 result by as much as ours misses timm's):
    ours must be as close to timm's float64 result as timm's float32 result is (twice its error, or
    the usual tolerance, whichever is larger)."""
    ours, timm32, timm64 = (np.asarray(a, dtype="float64") for a in (ours, timm32, timm64))
    timm_error = float(np.abs(timm32 - timm64).max())
    tolerance = max(2 * timm_error, _tolerance(timm64))
    error = float(np.abs(ours - timm64).max())
    assert error <= tolerance, (
        f"{what}: max |keras - timm float64| = {error:.3g} > {tolerance:.3g} (timm float32's: {timm_error:.3g})"
    )


def within_tolerance(ours, reference) -> bool:
    """What `assert_close_to_timm` asserts, as a bool."""
    ours, reference = np.asarray(ours), np.asarray(reference)
    return ours.shape == reference.shape and float(np.abs(ours - reference).max()) <= _tolerance(reference)


def _tolerance(reference) -> float:
    """1e-4 x max(1, largest |timm output|): the families issues' tolerance."""
    return LOGITS_ATOL * max(1.0, float(np.abs(reference).max()))


def predict(model: keras.Model, images: np.ndarray) -> np.ndarray:
    """Whole-model inference: on JAX through Keras' jitted `predict` (eager JAX compiles each op on
    its first shapes, ~5x slower on a first call than compiling the graph once), elsewhere a call."""
    if BACKEND == "jax":
        return model.predict(images, batch_size=len(images), verbose=0)
    return cf.to_numpy(model(images))


def randomized(
    make: Callable[[], torch.nn.Module], seed: int = 0, noise: Callable[[str], float] = lambda name: NOISE
) -> torch.nn.Module:
    """`make()` under a fixed seed, then `noise(name)` * N(0, 1) added to every parameter (NOISE
    unless told otherwise) and random running statistics in every BatchNorm, so that no tensor keeps a
    value (0, 1) at which a wrong mapping could go unnoticed."""
    torch.manual_seed(seed)
    module = make()  # timm's own random init, seeded too
    with torch.no_grad():
        for name, param in module.named_parameters():
            param.add_(noise(name) * torch.randn_like(param))
        for m in module.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                m.running_mean.copy_(0.1 * torch.randn_like(m.running_mean))
                m.running_var.copy_(torch.empty_like(m.running_var).uniform_(0.5, 2.0))
    return module.eval()


def undrawn_model(name: str, **kwargs) -> keras.Model:
    """`create_model(name, **kwargs)` with its variables left at zeros, none of their initial values
    drawn (`deferred_initialization`): for the checks of names, shapes and structure only, where
    drawing a large model's random values would be most of the test's time."""
    from luximm_keras.initializers import deferred_initialization, host_initialization
    from luximm_keras.models import create_model

    with host_initialization(), deferred_initialization():
        return create_model(name, **kwargs)


def assert_block_close(got: np.ndarray, expected: np.ndarray, name: str) -> None:
    """float32 against float32: rtol 1e-5, and an absolute slack of a few float32 steps of the
    output's largest value (residual blocks reach ~10 here; one step there is 1e-6)."""
    assert got.shape == expected.shape, name
    scale = max(1.0, float(np.abs(expected).max()))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=4e-6 * scale, err_msg=name)


def numpy_state(module: torch.nn.Module) -> dict[str, np.ndarray]:
    return {k: v.detach().cpu().numpy().copy() for k, v in module.state_dict().items()}


def nchw(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(x).permute(0, 3, 1, 2)


def timm_outputs(model: torch.nn.Module, images: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """timm's logits and pooled (pre-logits) features of one forward."""
    with torch.no_grad():
        features = model.forward_features(images)
        logits = model.forward_head(features)
        pooled = model.forward_head(features, pre_logits=True)
    return logits.numpy(), pooled.numpy()


STATS = ("running_mean", "running_var", "num_batches_tracked")


def timm_forward(module: torch.nn.Module, x: np.ndarray) -> np.ndarray:
    """timm's module on NHWC `x`, NHWC out."""
    with torch.no_grad():
        return module(nchw(x).contiguous()).permute(0, 2, 3, 1).numpy()


def assert_matches_and_flip_fails(layer, timm_module, x, case: str) -> None:
    """`layer` (loaded strictly with `timm_module`'s state) gives timm's output, and no longer does
    once the largest parameter is negated."""
    from luximm_keras.interop import load_timm_weights

    state = numpy_state(timm_module)
    layer.build(x.shape)
    report = load_timm_weights(layer, state)
    assert report.ok and sorted(report.loaded) == sorted(k for k in state if not k.endswith("num_batches_tracked"))
    expected = timm_forward(timm_module, x)
    assert_block_close(cf.to_numpy(layer(x)), expected, case)
    params = [k for k in state if not k.endswith(STATS)]
    if not params:
        return
    key = max(params, key=lambda k: state[k].size)
    load_timm_weights(layer, {key: -state[key]}, strict=False)
    with pytest.raises(AssertionError):
        assert_block_close(cf.to_numpy(layer(x)), expected, case)
    load_timm_weights(layer, {key: state[key]}, strict=False)


def assert_pretrained_cfgs_are_timms(default_cfgs, *, same_fields: bool = False) -> None:
    """Every architecture of `default_cfgs` has timm's tags in timm's order, and each tag's config
    timm's value for every field both have (with `same_fields`, also exactly timm's fields)."""
    import timm
    from timm.models._registry import _model_with_tags

    from luximm_keras.models import get_pretrained_cfg

    for arch, default in default_cfgs.items():
        assert list(default.tags) == [n.split(".", 1)[1] for n in _model_with_tags[arch]], arch
        for tag in default.tags:
            theirs = timm.models.get_pretrained_cfg(f"{arch}.{tag}").to_dict()
            mine = get_pretrained_cfg(f"{arch}.{tag}").to_dict()
            if same_fields:
                assert set(theirs) == set(mine), f"{arch}.{tag}"
            for key, value in theirs.items():
                if key in mine:
                    expected = tuple(value) if isinstance(value, list) else value
                    got = tuple(mine[key]) if isinstance(mine[key], list) else mine[key]
                    assert got == expected, f"{arch}.{tag}: {key}"


def assert_output_stride_matches_timm(
    name: str, output_stride: int, *, timm_classifier_takes_output_stride: bool = True
) -> tuple[keras.Model, torch.nn.Module]:
    """timm's `output_stride`: logits, every feature map and its reduction against timm's model and
    `features_only` model built with the same `output_stride`, on one set of random weights, and red
    once the deepest conv of the dilated stages is negated. Returns the package's model and timm's.

    timm's FeatureListNet flattens the modules it keeps (`stem.conv1` -> `stem_conv1`, `stages.1` ->
    `stages_1`): its state is filled from the model's, strictly. Without
    `timm_classifier_takes_output_stride` (timm's MobileNet-V3 classifier fixes its builder at 32 and
    only its features model takes the argument), the logits are those of timm's classifier with the
    features model's dilated `blocks` in place of its own."""
    import re

    import timm

    from luximm_keras.interop import load_timm_weights
    from luximm_keras.models import create_model, load_pretrained

    if timm_classifier_takes_output_stride:
        reference = randomized(lambda: timm.create_model(name, output_stride=output_stride))
    else:
        with pytest.raises(TypeError):  # if timm's classifier ever takes it, compare with it instead
            timm.create_model(name, output_stride=output_stride)
        reference = randomized(lambda: timm.create_model(name))
    state = numpy_state(reference)
    timm_features = timm.create_model(name, output_stride=output_stride, features_only=True).eval()
    full = reference.state_dict()
    to_full = {k: k if k in full else re.sub(r"^([a-z]+?)_(\w+?)\.", r"\1.\2.", k) for k in timm_features.state_dict()}
    timm_features.load_state_dict({k: full[theirs] for k, theirs in to_full.items()})
    if not timm_classifier_takes_output_stride:
        reference.blocks = timm_features.blocks
    x = np.random.default_rng(5).standard_normal((1, 64, 72, 3)).astype("float32")
    model = create_model(name, output_stride=output_stride)
    assert load_pretrained(model, state).ok
    with torch.no_grad():
        expected = reference(nchw(x)).numpy()
        expected_maps = [m.permute(0, 2, 3, 1).numpy() for m in timm_features(nchw(x))]
    assert_close_to_timm(cf.to_numpy(model(x)), expected, "logits")
    features = create_model(name, output_stride=output_stride, features_only=True)
    assert load_pretrained(features, state).ok
    for i, (got, want) in enumerate(zip(features(x), expected_maps, strict=True)):
        assert_close_to_timm(cf.to_numpy(got), want, f"feature {i}")
    assert [f["reduction"] for f in features.feature_info] == timm_features.feature_info.reduction()
    assert max(timm_features.feature_info.reduction()) == output_stride
    deepest_conv = [theirs for theirs in to_full.values() if state[theirs].ndim == 4][-1]
    load_timm_weights(model, {deepest_conv: -state[deepest_conv]}, strict=False)
    with pytest.raises(AssertionError):
        assert_close_to_timm(cf.to_numpy(model(x)), expected, "logits")
    load_timm_weights(model, {deepest_conv: state[deepest_conv]}, strict=False)
    return model, reference


def timm_sgd_step(reference: torch.nn.Module, images: np.ndarray, labels: np.ndarray, lr: float,
                  dtype=torch.float32):
    """timm's model after one SGD step (in `dtype`): the loss and the state dict, as float32 values
    for float32 and as float64 for float64."""
    model = copy.deepcopy(reference).to(dtype).train()
    for module in model.modules():  # the Keras model steps without stochastic depth (Swin's default is 0.1)
        if isinstance(module, timm.layers.DropPath):
            module.drop_prob = 0.0
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    x = torch.from_numpy(images).permute(0, 3, 1, 2).contiguous().to(dtype)
    loss = torch.nn.functional.cross_entropy(model(x), torch.from_numpy(labels))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return float(loss.detach()), {k: v.detach().numpy() for k, v in model.state_dict().items()}


def assert_moved_as_timm(after: dict, timm_after: dict, exact_after: dict, before: dict, name: str) -> None:
    """Each tensor's change (parameters: -lr * grad; running statistics: the momentum update) against
    the exact step (timm's in float64, from the same float32 weights), as a relative error of the
    whole tensor (the norm of the difference over the norm of the change): at most 1e-3, or three
    times timm's own float32 error where that is larger, plus 1e-6 of the largest change of the step
    (tensors whose gradients nearly cancel).

    Some networks' float32 gradients are far from exact in places (timm's BiT misses up to 0.8% of
    some norms' and weight-standardized convs' changes; element by element, 10%); a wrong gradient or
    statistic is off by far more (PyTorch's n / (n - 1) on the running variance: 6% in the last stage
    at 64 px). A change far smaller than its weight is only known to the weight's float32 rounding, so
    two float32 steps of the weight are not counted, element by element."""
    keys = [k for k in exact_after if not k.endswith(IGNORED_KEY_SUFFIXES)]
    step = max(float(np.abs(exact_after[k] - before[k]).max()) for k in keys)
    for key in keys:
        exact_moved = exact_after[key] - before[key]
        rounding = 2 * np.spacing(np.maximum(np.abs(before[key]), np.abs(timm_after[key])))

        def error(ours):
            return float(np.linalg.norm(np.maximum(np.abs((ours - before[key]) - exact_moved) - rounding, 0)))

        size = float(np.linalg.norm(exact_moved))
        timm_error = error(timm_after[key])
        tolerance = max(1e-3 * size, 3 * timm_error) + 1e-6 * step
        ours = error(after[key])
        assert ours <= tolerance, (
            f"{name} {key}: change off the exact step by {ours:.3g} > {tolerance:.3g} (norms; timm float32's "
            f"{timm_error:.3g}, the change's {size:.3g})"
        )
