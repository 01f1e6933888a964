"""ConvNeXt (V1 and V2) beyond the family contract (tests/models/test_builder.py, which runs
convnextv2_atto here and every other variant in the slow suite): timm's layer names, the drop-path
ramp, the block and timm's norms in each of timm's layouts, two V1 models that cover what V2 does not
(the overlapping stems, the RMS-style norms and their head, the linear MLP with layer scale,
`gelu_tanh`), the pretrained configs, and original (Facebook, OpenCLIP) checkpoints renamed as
timm's filter does.
"""


import numpy as np
import pytest
import timm
import torch
import keras

from luximm_keras.interop import load_timm_weights
from luximm_keras.interop.rules import IGNORED_KEY_SUFFIXES
from luximm_keras.layers import LayerNorm2D
from luximm_keras.layers.norm import RmsNorm2D, SimpleNorm2D
from luximm_keras.models import (
    create_model,
    list_models,
    load_pretrained,
    model_entry,
    timm_shapes,
)
from luximm_keras.models.convnext import ConvNeXtBlock, checkpoint_filter_fn, default_cfgs, model_cfgs
from luximm_keras.verification.models import perturbed_timm_model, random_images, timm_logits, timm_state_dict
from model_checks import (  # tests/models/model_checks.py
    JAX_SLOW,
    assert_pretrained_cfgs_are_timms,
    assert_output_stride_matches_timm,
    assert_close_to_timm,
    predict,
    slow_on_jax,
    undrawn_model,
)

SMALLEST = "convnextv2_atto"


def test_every_variant_is_registered_and_layers_are_named_after_timm_modules(loaded):
    assert set(model_cfgs) == set(timm.list_models(module="convnext"))
    assert set(model_cfgs) <= set(list_models("*convnext*"))
    for name in model_cfgs:
        assert model_entry(name).checkpoint_filter is checkpoint_filter_fn
    model, _ = loaded
    assert model.name == SMALLEST
    stem = model.get_layer("stem__0")
    assert (stem.kernel_size, stem.strides, stem.padding) == ((4, 4), (4, 4), "valid")
    assert isinstance(model.get_layer("stem__1"), LayerNorm2D)
    assert model.get_layer("stages__0__blocks__1").conv_mlp  # atto: timm's conv_mlp=True
    assert isinstance(model.get_layer("stages__3__downsample__0"), LayerNorm2D)
    assert model.get_layer("stages__3__downsample__1").strides == (2, 2)
    assert isinstance(model.get_layer("stages__2__blocks__5"), ConvNeXtBlock)
    assert model.get_layer("head__norm").epsilon == 1e-6
    assert model.get_layer("head__fc").units == 1000


def test_pretrained_configs_are_timms():
    """Every tag of timm's convnext.py, in timm's order per architecture, with timm's fields."""
    ours = [n for n in list_models(pretrained=True) if n.split(".")[0] in model_cfgs]
    assert sorted(ours) == sorted(timm.list_models(module="convnext", pretrained=True))
    assert_pretrained_cfgs_are_timms(default_cfgs)


def test_drop_path_rate_rises_linearly_over_all_blocks():
    model = create_model(SMALLEST, num_classes=0, drop_path_rate=0.1)
    depths = model_cfgs[SMALLEST].depths
    blocks = [f"stages__{i}__blocks__{j}" for i, depth in enumerate(depths) for j in range(depth)]
    rates = [model.get_layer(name).drop_path_rate for name in blocks]
    expected = timm.layers.calculate_drop_path_rates(0.1, list(depths), stagewise=True)
    np.testing.assert_allclose(rates, np.concatenate(expected), rtol=1e-6)


def _perturbed(module):
    torch.manual_seed(0)
    state = {k: v + 0.1 * torch.randn_like(v) for k, v in module.state_dict().items()}
    module.load_state_dict(state)
    return {k: v.numpy() for k, v in state.items()}


def _assert_matches_and_a_flipped_weight_fails(ours, module, state, x, tol=1e-5):
    with torch.no_grad():
        expected = module(torch.from_numpy(x).permute(0, 3, 1, 2)).permute(0, 2, 3, 1).numpy()
    np.testing.assert_allclose(keras.ops.convert_to_numpy(ours(x)), expected, rtol=tol, atol=tol)
    key = max(state, key=lambda k: (state[k].size, k))
    load_timm_weights(ours, {key: -state[key]}, strict=False)
    assert not np.allclose(keras.ops.convert_to_numpy(ours(x)), expected, rtol=tol, atol=tol), key


# The block in timm's layouts: linear or 1x1-conv MLP, with or without GRN / layer scale, timm's norms.
BLOCKS = {  # timm's arguments
    "v2-linear": dict(conv_mlp=False, use_grn=True, ls_init_value=None),
    "v2-conv": dict(conv_mlp=True, use_grn=True, ls_init_value=None),
    "v1-linear-layerscale": dict(conv_mlp=False, use_grn=False, ls_init_value=1e-6),
    "v1-conv-layerscale": dict(conv_mlp=True, use_grn=False, ls_init_value=1e-6),
    "v1-conv-rmsnorm": dict(conv_mlp=True, norm_layer="rmsnorm"),
    "v1-conv-simplenorm-k5-gelu_tanh": dict(
        conv_mlp=True, norm_layer="simplenorm", kernel_size=5, act_layer="gelu_tanh"
    ),
    # timm's output_stride 8/16: the depthwise conv of a dilated stage.
    "v2-conv-dilation-3": dict(conv_mlp=True, use_grn=True, ls_init_value=None, dilation=3),
}
TIMM_NORMS = {"rmsnorm": timm.layers.RmsNorm2d, "simplenorm": timm.layers.SimpleNorm2d}


def _ours(kwargs):
    kwargs = dict(kwargs)
    if "ls_init_value" in kwargs:
        kwargs["init_values"] = kwargs.pop("ls_init_value")  # one name for the layer-scale initial value
    if "act_layer" in kwargs:
        kwargs["activation"] = kwargs.pop("act_layer")
    return kwargs


def _timm(kwargs):
    kwargs = dict(kwargs)
    if "norm_layer" in kwargs:
        kwargs["norm_layer"] = TIMM_NORMS[kwargs["norm_layer"]]
    return kwargs


@pytest.mark.parametrize("kwargs", BLOCKS.values(), ids=BLOCKS.keys())
def test_block_matches_timm(kwargs):
    block = timm.models.convnext.ConvNeXtBlock(40, **_timm(kwargs)).eval()  # atto's first width
    state = _perturbed(block)
    ours = ConvNeXtBlock(40, **_ours(kwargs))
    ours.build((None, 9, 11, 40))
    assert sorted(load_timm_weights(ours, state).loaded) == sorted(state)
    x = np.random.default_rng(0).standard_normal((2, 9, 11, 40)).astype("float32")
    _assert_matches_and_a_flipped_weight_fails(ours, block, state, x)


@pytest.mark.parametrize("name,output_stride", [("convnextv2_atto", 8), pytest.param("convnext_zepto_rms_ols", 16, marks=JAX_SLOW)])
def test_output_stride_dilates_the_last_stages_as_timm(name, output_stride):
    """timm's `output_stride`, as `model_checks.assert_output_stride_matches_timm` checks it
    (here the downsample's TF-"SAME" 2x2 conv where a dilated stage begins, dilated by 2 after a
    dilated one)."""
    assert_output_stride_matches_timm(name, output_stride)


def test_block_config_keeps_timms_activation_names():
    block = ConvNeXtBlock(16, activation="gelu_tanh", conv_mlp=True, norm_layer="simplenorm")
    x = np.random.default_rng(0).standard_normal((2, 5, 5, 16)).astype("float32")
    expected = keras.ops.convert_to_numpy(block(x))
    config = block.get_config()
    assert config["activation"] == "gelu_tanh" and config["norm_layer"] == "simplenorm"
    revived = ConvNeXtBlock.from_config(config)
    revived.build(x.shape)
    revived.set_weights(block.get_weights())
    np.testing.assert_allclose(keras.ops.convert_to_numpy(revived(x)), expected, rtol=1e-6, atol=1e-6)


NORMS = {"RmsNorm2D": (RmsNorm2D, timm.layers.RmsNorm2d), "SimpleNorm2D": (SimpleNorm2D, timm.layers.SimpleNorm2d)}


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("classes", NORMS.values(), ids=NORMS.keys())
def test_norm_matches_timm(classes, data_format):
    """timm's RMS-style norms; SimpleNorm2d divides by the unbiased standard deviation (torch.var)."""
    ours_cls, timm_cls = classes
    norm = timm_cls(24, eps=1e-5).eval()
    state = _perturbed(norm)
    ours = ours_cls(epsilon=1e-5, data_format=data_format)
    x = (np.random.default_rng(1).standard_normal((2, 5, 7, 24)) + 0.5).astype("float32")
    ours.build(x.shape if data_format == "channels_last" else x.transpose(0, 3, 1, 2).shape)
    assert load_timm_weights(ours, state).loaded == ["weight"] and len(ours.weights) == 1
    with torch.no_grad():
        expected = norm(torch.from_numpy(x).permute(0, 3, 1, 2)).numpy()

    def ours_nchw():
        if data_format == "channels_first":
            return keras.ops.convert_to_numpy(ours(x.transpose(0, 3, 1, 2)))
        return keras.ops.convert_to_numpy(ours(x)).transpose(0, 3, 1, 2)

    np.testing.assert_allclose(ours_nchw(), expected, rtol=1e-5, atol=1e-5)
    load_timm_weights(ours, {"weight": -state["weight"]})
    assert not np.allclose(ours_nchw(), expected, rtol=1e-5, atol=1e-5)


REFUSED = {"even-kernel": dict(kernel_size=4), "unknown-norm": dict(norm_layer="batchnorm")}


@pytest.mark.parametrize("kwargs", REFUSED.values(), ids=REFUSED.keys())
def test_block_refuses_layouts_it_cannot_load_exactly(kwargs):
    with pytest.raises(ValueError):
        ConvNeXtBlock(24, **kwargs)


# V1 models beyond the V2 contract model: zepto_rms_ols (overlap_act stem, SimpleNorm2d everywhere,
# the head's norm on the pooled map), atto_ols (the tiered stem) and test_convnext (linear MLP, layer
# scale, gelu_tanh, eps 1e-5). Their parity at timm's input size runs in the slow suite (test_builder.py).
V1_MODELS = ["convnext_zepto_rms_ols", "convnext_atto_ols", "test_convnext"]


@slow_on_jax
@pytest.mark.parametrize("name", V1_MODELS)
def test_v1_model_matches_timm(name):
    reference = perturbed_timm_model(name)
    state = timm_state_dict(reference)
    model = create_model(name)
    report = load_pretrained(model, state)
    assert report.ok and sorted(report.loaded) == sorted(k for k in state if not k.endswith(IGNORED_KEY_SUFFIXES))
    images = random_images(2, 80)
    assert_close_to_timm(predict(model, images), timm_logits(reference, images), name)


def test_overlapping_stems_are_named_and_padded_as_timms():
    model = create_model("convnext_zepto_rms_ols", num_classes=0)  # overlap_act: conv, GELU, conv, norm
    assert [model.get_layer(f"stem__{i}").strides for i in (0, 2)] == [(2, 2), (2, 2)]
    assert model.get_layer("stem__0_pad").padding == ((1, 1), (1, 1))
    assert isinstance(model.get_layer("stem__3"), SimpleNorm2D)
    assert isinstance(model.get_layer("head__norm"), SimpleNorm2D)
    assert model.output.shape == (None, 256)


def test_head_variants_are_timms():
    """hnf: `norm_pre` on the map, then timm's plain ClassifierHead; large_mlp: the head's hidden layer
    (checked on the architecture's key shapes; its numbers in the slow suite)."""
    hnf = timm.create_model("convnext_tiny_hnf", device="meta")
    mlp = timm.create_model("convnext_large_mlp", device="meta", num_classes=10)
    for name, meta, kwargs in [("convnext_tiny_hnf", hnf, {}), ("convnext_large_mlp", mlp, dict(num_classes=10))]:
        expected = {k: tuple(v.shape) for k, v in meta.state_dict().items() if k.startswith(("head", "norm_pre"))}
        shapes = timm_shapes(undrawn_model(name, **kwargs))
        shapes = {k: v for k, v in shapes.items() if k.startswith(("head", "norm_pre"))}
        assert shapes == expected, name


def _facebook_v2(state):
    fb = {}
    for key, value in state.items():
        key = key.replace("stem.", "downsample_layers.0.")
        if ".downsample." in key:  # stages.i.downsample.j -> downsample_layers.i.j
            stage, rest = key.split(".downsample.")
            key = f"downsample_layers.{stage.split('.')[-1]}.{rest}"
        key = key.replace(".blocks.", ".").replace("conv_dw", "dwconv").replace("mlp.fc", "pwconv")
        if "mlp.grn" in key:
            key = key.replace("mlp.grn.weight", "grn.gamma").replace("mlp.grn.bias", "grn.beta")
            value = value.reshape(1, 1, 1, -1)
        elif ".pwconv" in key and value.ndim == 4:
            value = value.reshape(value.shape[0], value.shape[1])  # FB's linear layers
        key = key.replace("head.norm", "norm").replace("head.fc", "head")
        fb[key] = value
    return fb


def _torch(state):
    return {k: _torch(v) if isinstance(v, dict) else torch.from_numpy(v) for k, v in state.items()}


def _assert_filtered_as_timm(fb, name, model, expected_keys):
    reference = timm.create_model(name).eval()
    expected = timm.models.convnext.checkpoint_filter_fn(_torch(fb), reference)
    ours = checkpoint_filter_fn(fb, model)
    assert sorted(ours) == sorted(expected) == sorted(expected_keys)
    for key in ours:
        np.testing.assert_array_equal(np.asarray(ours[key]), expected[key].numpy(), err_msg=key)
    assert load_pretrained(model, fb.get("model", fb)).ok


def test_an_original_facebook_checkpoint_is_renamed_as_timms_filter_does(state):
    """timm's filter renames the original ConvNeXt-V2 keys (`downsample_layers`, `dwconv`, `pwconv`,
    GRN's `(1, 1, 1, C)` gamma/beta, `norm`/`head`); ours gives the same state dict."""
    _assert_filtered_as_timm(_facebook_v2(state), SMALLEST, create_model(SMALLEST), state)


def test_an_original_v1_checkpoint_wrapped_in_model_is_renamed_as_timms_filter_does():
    """ConvNeXt V1's original checkpoints: linear `pwconv1/2`, the layer scale `gamma`, `{"model": ...}`."""
    state = timm_state_dict(perturbed_timm_model("test_convnext"))
    fb = {"model": _facebook_v2(state)}
    assert "stages.2.3.gamma" in fb["model"] and fb["model"]["stages.2.3.pwconv1.weight"].ndim == 2
    _assert_filtered_as_timm(fb, "test_convnext", create_model("test_convnext"), state)


@pytest.mark.parametrize("head", ["proj", "mlp"])
def test_an_openclip_checkpoint_is_renamed_as_timms_filter_does(head):
    """OpenCLIP's `visual.trunk.*` with its projection (`visual.head.proj`) or MLP head: timm's head
    with a zero classifier bias (timm's filter returns before it reads the model)."""
    rng = np.random.default_rng(0)
    clip = {"visual.trunk.stem.0.weight": rng.standard_normal((8, 3, 4, 4)).astype("float32"),
            "visual.trunk.head.norm.weight": rng.standard_normal(8).astype("float32"),
            "text.token_embedding.weight": rng.standard_normal((5, 4)).astype("float32")}
    if head == "proj":
        clip["visual.head.proj.weight"] = rng.standard_normal((6, 8)).astype("float32")
    else:
        clip.update({"visual.head.mlp.fc1.weight": rng.standard_normal((8, 8)).astype("float32"),
                     "visual.head.mlp.fc1.bias": rng.standard_normal(8).astype("float32"),
                     "visual.head.mlp.fc2.weight": rng.standard_normal((6, 8)).astype("float32")})
    expected = timm.models.convnext.checkpoint_filter_fn({k: torch.from_numpy(v) for k, v in clip.items()}, None)
    ours = checkpoint_filter_fn(clip, None)
    assert sorted(ours) == sorted(expected)
    for key in ours:
        np.testing.assert_array_equal(np.asarray(ours[key]), expected[key].numpy(), err_msg=key)


def test_an_fcmae_checkpoint_without_the_head_norm_loads_as_timm_loads_it(state):
    """timm's `fcmae` tags are pretraining checkpoints without `head.norm` (nor `head.fc`): timm loads
    them non-strictly, leaving the head norm at its initial values; here it is reported."""
    fcmae = {k: v for k, v in state.items() if not k.startswith("head.")}
    reference = timm.create_model(
        f"{SMALLEST}.fcmae", pretrained=True,
        pretrained_cfg_overlay=dict(state_dict={k: torch.from_numpy(v) for k, v in fcmae.items()}),
    ).eval()
    model = create_model(f"{SMALLEST}.fcmae")
    report = load_pretrained(model, fcmae)
    assert report.ok and report.reinitialized == ["head.norm.weight", "head.norm.bias"]
    images = np.random.default_rng(0).standard_normal((2, 64, 64, 3)).astype("float32")
    with torch.no_grad():
        expected = reference(torch.from_numpy(images).permute(0, 3, 1, 2)).numpy()
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(images)), expected, rtol=1e-4, atol=1e-4)
