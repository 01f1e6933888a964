"""convnextv2_* models beyond the family contract (tests/models/test_builder.py): timm's layer names, the
drop-path ramp, the ConvNeXt block in each of timm's layouts and the layouts it refuses, and original
(Facebook) checkpoints renamed as timm's filter does.
"""

import numpy as np
import pytest
import timm
import torch
import keras

from luximm_keras.interop import load_timm_weights
from luximm_keras.layers import LayerNorm2D
from luximm_keras.models import create_model, list_models, load_pretrained, model_entry
from luximm_keras.models.convnext import ConvNeXtBlock, checkpoint_filter_fn, model_cfgs

SMALLEST = "convnextv2_atto"


def test_every_variant_is_registered_and_layers_are_named_after_timm_modules(loaded):
    assert set(model_cfgs) <= set(list_models("convnextv2_*"))
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


def test_drop_path_rate_rises_linearly_over_all_blocks():
    model = create_model(SMALLEST, num_classes=0, drop_path_rate=0.1)
    depths = model_cfgs[SMALLEST].depths
    blocks = [f"stages__{i}__blocks__{j}" for i, depth in enumerate(depths) for j in range(depth)]
    rates = [model.get_layer(name).drop_path_rate for name in blocks]
    expected = timm.layers.calculate_drop_path_rates(0.1, list(depths), stagewise=True)
    np.testing.assert_allclose(rates, np.concatenate(expected), rtol=1e-6)


# The block in timm's other layouts: linear MLP (tiny and up), layer scale and the plain Mlp (V1).
BLOCKS = {  # timm's arguments
    "v2-linear": dict(conv_mlp=False, use_grn=True, ls_init_value=None),
    "v2-conv": dict(conv_mlp=True, use_grn=True, ls_init_value=None),
    "v1-layerscale": dict(conv_mlp=False, use_grn=False, ls_init_value=1e-6),
}


def _ours(kwargs):
    kwargs = dict(kwargs)
    kwargs["init_values"] = kwargs.pop("ls_init_value")  # one name for the layer-scale initial value
    return kwargs


@pytest.mark.parametrize("kwargs", BLOCKS.values(), ids=BLOCKS.keys())
def test_block_matches_timm(kwargs):
    torch.manual_seed(0)
    block = timm.models.convnext.ConvNeXtBlock(40, **kwargs).eval()  # atto's first width
    state = {k: v + 0.1 * torch.randn_like(v) for k, v in block.state_dict().items()}
    block.load_state_dict(state)
    ours = ConvNeXtBlock(40, **_ours(kwargs))
    ours.build((None, 9, 11, 40))
    assert sorted(load_timm_weights(ours, state).loaded) == sorted(state)
    x = np.random.default_rng(0).standard_normal((2, 9, 11, 40)).astype("float32")
    with torch.no_grad():
        expected = block(torch.from_numpy(x).permute(0, 3, 1, 2)).permute(0, 2, 3, 1).numpy()
    np.testing.assert_allclose(keras.ops.convert_to_numpy(ours(x)), expected, rtol=1e-5, atol=1e-5)


REFUSED = {"even-kernel": dict(kernel_size=4), "conv-mlp-without-grn": dict(conv_mlp=True, use_grn=False)}


@pytest.mark.parametrize("kwargs", REFUSED.values(), ids=REFUSED.keys())
def test_block_refuses_layouts_it_cannot_load_exactly(kwargs):
    with pytest.raises(ValueError):
        ConvNeXtBlock(24, **kwargs)


def test_an_original_facebook_checkpoint_is_renamed_as_timms_filter_does(state):
    """timm's filter renames the original ConvNeXt-V2 keys (`downsample_layers`, `dwconv`, `pwconv`,
    GRN's `(1, 1, 1, C)` gamma/beta, `norm`/`head`); ours gives the same state dict."""
    fb = {}
    for key, value in state.items():
        key = key.replace("stem.", "downsample_layers.0.")
        key = key.replace(".downsample.", "@").replace("stages.", "stages.")
        if "@" in key:  # stages.i.downsample.j -> downsample_layers.i.j
            stage, rest = key.split("@")
            key = f"downsample_layers.{stage.split('.')[-1]}.{rest}"
        key = key.replace(".blocks.", ".").replace("conv_dw", "dwconv").replace("mlp.fc", "pwconv")
        if "mlp.grn" in key:
            key = key.replace("mlp.grn.weight", "grn.gamma").replace("mlp.grn.bias", "grn.beta")
            value = value.reshape(1, 1, 1, -1)
        elif ".pwconv" in key and value.ndim == 4:
            value = value.reshape(value.shape[0], value.shape[1])  # FB's linear layers
        key = key.replace("head.norm", "norm").replace("head.fc", "head")
        fb[key] = value
    reference = timm.create_model(SMALLEST).eval()
    expected = timm.models.convnext.checkpoint_filter_fn({k: torch.from_numpy(v) for k, v in fb.items()}, reference)
    model = create_model(SMALLEST)
    ours = checkpoint_filter_fn(fb, model)
    assert sorted(ours) == sorted(expected) == sorted(state)
    for key in ours:
        np.testing.assert_array_equal(np.asarray(ours[key]), expected[key].numpy(), err_msg=key)
    assert load_pretrained(model, fb).ok


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
