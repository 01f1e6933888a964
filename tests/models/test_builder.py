"""The family contract, family by family, against timm: `create_model` + `load_pretrained` give timm's
logits and pooled features; a new head is reported and everything else stays strict; `features_only`
gives timm's feature maps and `feature_info`; convolutional families take any image size.

Each family's smallest variant runs always; every other registered variant is `slow`.
"""

from __future__ import annotations

import copy
import gc

import keras
import numpy as np
import pytest
import timm
import torch

from luximm_keras.interop import export_timm_weights, load_timm_weights
from luximm_keras.interop.rules import IGNORED_KEY_SUFFIXES
from luximm_keras.models import (
    TimmModel,
    create_model,
    get_pretrained_cfg,
    list_models,
    load_pretrained,
    model_entry,
    timm_shapes,
)
from luximm_keras.verification.models import (
    perturbed_timm_model,
    random_images,
    timm_feature_maps,
    timm_features,
    timm_features_model,
    timm_logits,
    timm_state_dict,
)
from model_checks import (  # tests/models/model_checks.py
    JAX_SLOW,
    assert_as_close_to_exact_as_timm,
    assert_close_to_timm,
    assert_moved_as_timm,
    cf,
    predict,
    slow_on_jax,
    timm_sgd_step,
    within_tolerance,
)

# The smallest registered architecture of each family module.
SMALLEST = {
    "vision_transformer": "vit_tiny_patch16_224",
    "convnext": "convnextv2_atto",
    "resnetv2": "resnetv2_18",
    "maxxvit": "coatnet_pico_rw_224",
    "deit": "deit_tiny_distilled_patch16_224",
    "resnet": "resnet10t",
    "nfnet": "test_nfnet",
    "vgg": "vgg11",
    "swin_transformer": "swin_tiny_patch4_window7_224",
    "regnet": "regnetx_002",
    "efficientnet": "tinynet_e",
    "eva": "eva02_tiny_patch14_224",
    "mobilenetv3": "mobilenetv3_small_050",
    "byobnet": "test_byobnet",
}
# CI runs each family's contract on the family's backend of the rotation (tests/ci_rotation.py), but
# these two checks, the backend-specific core, on every backend; the slow suite runs all of it everywhere.
NOT_ROTATED = ("test_every_timm_key_loads_strictly_and_the_logits_match_timm",
               "test_export_passes_timms_strict_load_and_gives_the_checkpoint_back")
CI_OFF_JAX = ("test_one_sgd_step_moves_weights_and_running_statistics_as_pytorchs",
              "test_features_only_gives_timms_feature_maps")
# Families whose smallest pretrained checkpoint is headless (EVA-02 tiny's only tag is a MIM
# pretraining): the contract gives both sides the usual 1000-class head, as a user fine-tuning it would.
HEADED = {"eva02_tiny_patch14_224": {"num_classes": 1000}}
FAMILY_OF = {name: model_entry(name).builder.__module__.rsplit(".", 1)[-1] for name in list_models()}
LARGER = sorted(set(FAMILY_OF) - set(SMALLEST.values()))


SECOND_BLOCK = ("blocks.1.", "stages.1.", "layer2.", "features.3.", "s2.")


def classifiers(name: str) -> tuple[str, ...]:
    """timm's `classifier`: one module name, or several (DeiT's distilled `head` and `head_dist`)."""
    classifier = get_pretrained_cfg(name).classifier
    return (classifier,) if isinstance(classifier, str) else tuple(classifier)


def classifier_keys(name: str) -> list[str]:
    return [f"{c}.{p}" for c in classifiers(name) for p in ("weight", "bias")]


def test_every_family_has_its_smallest_variant_here():
    assert set(FAMILY_OF.values()) == set(SMALLEST)
    for family, name in SMALLEST.items():
        assert FAMILY_OF[name] == family


@pytest.fixture(
    scope="module",
    params=list(SMALLEST.values()),
)
def name(request):
    return request.param


@pytest.fixture(scope="module")
def reference(name):
    return perturbed_timm_model(name, **HEADED.get(name, {}))


@pytest.fixture(scope="module")
def state(reference):
    return timm_state_dict(reference)


@pytest.fixture(scope="module")
def images():
    return random_images(2, 224)


@pytest.fixture(scope="module")
def loaded(name, state):
    model = create_model(name, **HEADED.get(name, {}))
    return model, load_pretrained(model, state)


def test_every_timm_key_loads_strictly_and_the_logits_match_timm(name, loaded, state, reference, images):
    model, report = loaded
    assert model.name == name and model.pretrained_cfg == get_pretrained_cfg(name).to_dict()
    assert report.ok and not report.reinitialized and not report.discarded
    assert sorted(report.loaded) == sorted(k for k in state if not k.endswith(IGNORED_KEY_SUFFIXES))
    assert_close_to_timm(predict(model, images), timm_logits(reference, images), name)


def test_pretrained_create_model_draws_only_the_weights_the_checkpoint_leaves(name, loaded, state):
    """`create_model(pretrained=True)` builds without drawing what it loads: every weight equals the
    loaded model's, but the new 10-class head's, which is drawn afterwards from its initializers (the
    spread a plain build gives), not left at the zeros it was built with."""
    model = create_model(name, pretrained=True, pretrained_cfg_overlay=dict(state_dict=state), num_classes=10)
    reference, _ = loaded
    heads = {c.replace(".", "__") for c in classifiers(name)}
    head_weights = []
    for layer in (layer for layer in model.layers if layer.weights):
        if layer.name in heads:
            head_weights += [(w, getattr(layer, f"{w.name}_initializer")) for w in layer.weights]
            continue
        for got, want in zip(layer.get_weights(), reference.get_layer(layer.name).get_weights(), strict=True):
            np.testing.assert_array_equal(got, want, err_msg=layer.name)
    assert head_weights
    for weight, initializer in head_weights:
        value = cf.to_numpy(weight)
        fresh = cf.to_numpy(initializer(value.shape, "float32"))
        assert np.any(value) == np.any(fresh), weight.path
        if value.size >= 1000:  # enough values for their spreads to agree within 20%
            assert np.std(value) == pytest.approx(np.std(fresh), rel=0.2), weight.path


def test_a_flipped_weight_fails_the_comparison(name, loaded, state, reference, images):
    model, _ = loaded
    key = max((k for k in state if not k.startswith("head")), key=lambda k: state[k].size)
    original = state[key]
    try:
        load_timm_weights(model, {key: -original}, strict=False)
        with pytest.raises(AssertionError):
            assert_close_to_timm(predict(model, images), timm_logits(reference, images), name)
    finally:
        assert load_timm_weights(model, {key: original}, strict=False).loaded == [key]


def test_pooled_features_leave_the_classifier_out(name, state, reference, images):
    model = create_model(name, num_classes=0)
    report = load_pretrained(model, state)
    assert report.ok and sorted(report.discarded) == sorted(classifier_keys(name))
    assert_close_to_timm(predict(model, images), timm_features(reference, images), f"{name} pooled")


def test_a_new_head_is_reported_and_the_rest_loads_as_timm_pretrained_does(name, state):
    """timm's own pretrained loading of the same checkpoint into a 10-class, 1-channel model (the
    family filter, `adapt_input_conv`, the classifier dropped) against `load_pretrained`."""
    torch_state = {k: torch.from_numpy(v) for k, v in state.items()}
    timm_model = timm.create_model(
        name, pretrained=True, pretrained_cfg_overlay=dict(state_dict=torch_state), num_classes=10, in_chans=1
    ).eval()
    model = create_model(name, num_classes=10, in_chans=1)

    # Only the head may go unfed: a checkpoint missing any other key still fails, changing nothing.
    # A key of the second stage or block, whatever the family calls it.
    some_key = sorted(k for k in state if k.startswith(SECOND_BLOCK) or any(f".{p}" in k for p in SECOND_BLOCK))[0]
    incomplete = {k: v for k, v in state.items() if k != some_key}
    with pytest.raises(ValueError, match=f"missing.*{some_key}"):
        load_pretrained(model, incomplete)

    heads = [model.get_layer(c.replace(".", "__")) for c in classifiers(name)]
    heads_before = [w for head in heads for w in head.get_weights()]
    report = load_pretrained(model, state)
    assert report.ok and report.reinitialized == classifier_keys(name) and not report.discarded
    kept = [k for k in state if not k.endswith(IGNORED_KEY_SUFFIXES)]
    assert len(report.loaded) == len(kept) - len(classifier_keys(name))
    heads_after = [w for head in heads for w in head.get_weights()]
    for after, before in zip(heads_after, heads_before):  # the new heads keep their initial values
        np.testing.assert_array_equal(after, before)

    # With timm's fresh head copied in, the whole model computes what timm's does.
    timm_head = {k: v.numpy() for k, v in timm_model.state_dict().items() if k in classifier_keys(name)}
    assert load_timm_weights(model, timm_head, strict=False).loaded
    images = random_images(2, 224, in_chans=1)
    assert_close_to_timm(predict(model, images), timm_logits(timm_model, images), f"{name} in_chans=1, 10 classes")


# A chosen subset of stages: on jax, where each map's shapes compile anew, in the slow suite (CI's
# rotation gives the jax families' features_only to torch: `CI_OFF_JAX`).
@pytest.mark.parametrize("out_indices", [None, pytest.param((1, 2), marks=JAX_SLOW)], ids=["default", "1-2"])
def test_features_only_gives_timms_feature_maps(name, state, reference, images, out_indices, tmp_path):
    model = create_model(name, features_only=True, out_indices=out_indices)
    timm_model = timm_features_model(reference, out_indices)
    assert model.feature_info == timm_model.feature_info.get_dicts()
    report = load_pretrained(model, state)  # the full checkpoint: the pruned layers are not an error
    assert report.ok and report.discarded
    kept = set(report.loaded) | set(report.discarded)
    assert kept == {k for k in state if not k.endswith(IGNORED_KEY_SUFFIXES)}
    assert set(classifier_keys(name)) <= set(report.discarded)
    ours = model.predict(images, batch_size=2, verbose=0)
    expected = timm_feature_maps(timm_model, images)
    assert len(ours) == len(expected)
    for i, (got, want) in enumerate(zip(ours, expected)):
        assert_close_to_timm(got, want, f"{name} feature {model.feature_info[i]['module']}")
    if out_indices is not None:  # a .keras file keeps timm's attributes (the graph is checked elsewhere)
        model.save(tmp_path / "features.keras")
        revived = keras.saving.load_model(tmp_path / "features.keras")
        assert isinstance(revived, TimmModel) and revived.name == name
        assert revived.feature_info == model.feature_info and revived.pretrained_cfg == model.pretrained_cfg
        assert revived.pruned_timm_keys == model.pruned_timm_keys


def test_image_size(name, loaded, reference):
    """Convolutional families take any height and width, as timm's do; the others are built for one
    (`img_size`), and another is refused naming the expected shape."""
    model, _ = loaded
    cfg = get_pretrained_cfg(name)
    images = random_images(2, 160)[:, :, :144]  # 160 x 144: neither square nor 224
    if cfg.fixed_input_size:
        assert tuple(model.input.shape) == (None, *cfg.input_size[1:], 3)
        with pytest.raises(ValueError, match=r"expected shape=\(None, 224, 224, 3\)"):
            model(images)
    else:
        assert tuple(model.input.shape) == (None, None, None, 3)
        assert_close_to_timm(predict(model, images), timm_logits(reference, images), f"{name} at 160x144")


def test_export_passes_timms_strict_load_and_gives_the_checkpoint_back(loaded, state, reference):
    model, _ = loaded
    exported = export_timm_weights(model)
    copy.deepcopy(reference).load_state_dict({k: torch.from_numpy(v) for k, v in exported.items()}, strict=True)
    # Every parameter and running statistic comes back; only the buffers timm fills in itself do not.
    assert set(state) - set(exported) == {k for k in state if k.endswith(IGNORED_KEY_SUFFIXES)}
    for key, value in exported.items():
        np.testing.assert_array_equal(value, state[key], err_msg=key)


# One SGD step, the same in both libraries: plain SGD (w -= lr * grad) on the mean cross-entropy.
SGD_LR = 0.05
SGD_BATCH = 4


def sgd_step_images(name: str) -> np.ndarray:
    """A small batch at the model's fixed size, else at 64 px (every stage still sees a map, and the
    last stage's batch norms average few values, where an n / (n - 1) slip is largest)."""
    cfg = get_pretrained_cfg(name)
    if not cfg.fixed_input_size:
        return random_images(SGD_BATCH, 64, seed=3)
    _, height, width = cfg.input_size
    return random_images(SGD_BATCH, (height, width), seed=3)


# On jax the train step's compilation makes this the contract's slowest test: there it is `slow`. On
# TensorFlow the step runs eagerly: tracing a whole model's train step takes longer than the step (the
# graph-mode `fit` of every layer is in tests/layers/test_conformance.py).
RUN_EAGERLY = keras.backend.backend() == "tensorflow"
# On TensorFlow the Keras step runs in float64, as the exact step it is compared with: in float32 a
# ReLU's input within rounding of zero may fall on the other side than in timm's float64 step, and every
# gradient before it then moves by ~1% (seen with oneDNN: one element of resnetv2_18's, at 4e-6). On
# jax and torch Keras' ops give float32 for float64 operands (`keras.src.backend.common.dtypes`: no
# float64 there): float32, where torch's kernels are timm's own. timm's float32 step sets the tolerance
# (`assert_moved_as_timm`): the float32 export and loss keep float32's rounding in the smallest changes.
STEP_DTYPE = "float64" if keras.backend.backend() == "tensorflow" else "float32"


@slow_on_jax
def test_one_sgd_step_moves_weights_and_running_statistics_as_pytorchs(name, state, reference):
    """Fine-tuning in Keras then exporting gives what the same step in PyTorch gives: gradients,
    the update, and batch norms' running statistics (PyTorch's unbiased variance and momentum)."""
    images = sgd_step_images(name).astype(STEP_DTYPE)
    labels = np.arange(SGD_BATCH, dtype="int64") * 7 % 1000
    exact_loss, exact_after = timm_sgd_step(reference, images.astype("float64"), labels, SGD_LR, torch.float64)
    _, timm_after = timm_sgd_step(reference, images.astype("float32"), labels, SGD_LR)  # float32's error
    keras.config.set_dtype_policy(STEP_DTYPE)  # the autouse fixture restores float32
    model = create_model(name, **HEADED.get(name, {}))
    assert load_pretrained(model, state).ok
    model.compile(
        optimizer=keras.optimizers.SGD(SGD_LR),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        run_eagerly=RUN_EAGERLY,
    )
    loss = float(np.asarray(model.train_on_batch(images, labels)))
    assert abs(loss - exact_loss) <= 1e-4 * max(1.0, abs(exact_loss)), f"{name}: loss {loss} != timm's {exact_loss}"
    assert_moved_as_timm(export_timm_weights(model), timm_after, exact_after, state, name)


# Above this many parameters a forward on this 2-core CPU takes minutes per backend: those variants
# are checked key for key and shape for shape against timm (their blocks are the smaller ones').
FORWARD_LIMIT = 300_000_000
# MaxxViT's and EfficientNet's blocks add a BatchNorm'd branch without layer scale: in their deep
# variants (MaxViT's 14 blocks in stage 3, EfficientNet-V2) random BatchNorm statistics make timm's own
# float32 logits chaotic (timm's float32 misses its float64 by more than the logits' size; see
# `perturbed_timm_model`). These families' models take statistics that fit the images, as trained
# weights have.
CALIBRATED_BATCH_NORMS = {"maxxvit", "efficientnet", "mobilenetv3", "byobnet"}


@pytest.mark.slow
@pytest.mark.parametrize("larger", LARGER)
def test_larger_variants_match_timm(larger):
    gc.collect()  # the previous variant's models (Keras layers hold reference cycles) before this one's
    meta = timm.create_model(larger, device="meta")
    if sum(p.numel() for p in meta.parameters()) > FORWARD_LIMIT:
        expected = {k: tuple(v.shape) for k, v in meta.state_dict().items() if not k.endswith(IGNORED_KEY_SUFFIXES)}
        # Shapes only: float16 variables halve the memory (AIMv2-3B: 5.4 GB instead of 11; the autouse
        # fixture restores float32), and the model is collected before the next test builds another.
        keras.config.set_dtype_policy("float16")
        model = create_model(larger)
        shapes = timm_shapes(model)
        del model
        gc.collect()
        assert shapes == expected
        return
    reference = perturbed_timm_model(larger, calibrate_batch_norms=FAMILY_OF[larger] in CALIBRATED_BATCH_NORMS)
    state = timm_state_dict(reference)
    _, height, width = get_pretrained_cfg(larger).input_size  # timm's default input size (Sapiens: 1024x768)
    images = random_images(2, (height, width))
    model = create_model(larger)
    report = load_pretrained(model, state)
    assert report.ok and sorted(report.loaded) == sorted(k for k in state if not k.endswith(IGNORED_KEY_SUFFIXES))
    assert_close_to_timm(predict(model, images), timm_logits(reference, images), larger)
    exported = export_timm_weights(model)
    reference.load_state_dict({k: torch.from_numpy(v) for k, v in exported.items()}, strict=True)
    del exported
    features = create_model(larger, features_only=True)
    assert load_pretrained(features, state).ok
    timm_features = timm_features_model(reference)
    maps = timm_feature_maps(timm_features, images)
    got = features.predict(images, batch_size=2, verbose=0)
    if all(within_tolerance(ours, want) for ours, want in zip(got, maps)):
        return
    # The deepest (BiT-R152x2's last stages): float32 rounding alone exceeds the tolerance there.
    maps64 = timm_feature_maps(timm_features.double(), images.astype("float64"))
    for index, (ours, want, exact) in enumerate(zip(got, maps, maps64)):
        assert_as_close_to_exact_as_timm(ours, want, exact, f"{larger} features[{index}]")
