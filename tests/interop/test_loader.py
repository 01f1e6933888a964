"""load_timm_weights: key accounting, strictness, prefixes, dtypes, files, and nested models."""

import numpy as np
import pytest
import safetensors.torch
import timm
import torch
import keras

from luximm_keras import layers as lx
from luximm_keras.models.vision_transformer import ViTBlock
from luximm_keras.interop import LoadReport, load_timm_weights, weight_bindings
from luximm_keras.verification.cases import case_by_name, prepare, timm_forward, timm_state

VIT_BLOCK = "ViTBlock dim=64 heads=4 qk_norm init_values=1e-5"


def _weights(layer):
    return [np.array(w) for w in layer.get_weights()]


@pytest.fixture
def vit_case():
    return prepare(case_by_name(VIT_BLOCK))


def test_strict_load_reports_every_key(vit_case):
    report = load_timm_weights(vit_case.keras_layer, vit_case.state)
    assert isinstance(report, LoadReport) and report.ok
    assert sorted(report.loaded) == sorted(vit_case.state)


def test_loaded_weights_do_not_follow_the_source_arrays(vit_case):
    """The variables hold copies: a checkpoint's arrays (here PyTorch's own tensors, as `.numpy()`
    shares their memory) changed in place afterwards leave the model as loaded (on jax a CPU array
    can share a NumPy array's memory)."""
    module = vit_case.timm_module
    state = {k: v.detach().numpy() for k, v in module.state_dict().items()}
    assert load_timm_weights(vit_case.keras_layer, state).ok
    loaded = _weights(vit_case.keras_layer)
    with torch.no_grad():
        for tensor in module.state_dict().values():
            tensor.add_(1.0)
    for got, want in zip(_weights(vit_case.keras_layer), loaded, strict=True):
        np.testing.assert_array_equal(got, want)


def test_missing_unexpected_and_mismatched_are_all_named_and_nothing_changes(vit_case):
    state = dict(vit_case.state)
    del state["attn.proj.bias"]
    state["attn.extra.weight"] = np.zeros(3, "float32")
    state["mlp.fc1.weight"] = state["mlp.fc1.weight"][:, :10]
    before = _weights(vit_case.keras_layer)
    with pytest.raises(ValueError) as info:
        load_timm_weights(vit_case.keras_layer, state)
    message = str(info.value)
    assert "attn.proj.bias" in message and "missing" in message
    assert "attn.extra.weight" in message and "unexpected" in message
    assert "mlp.fc1.weight expected (256, 64) found (256, 10)" in message
    for old, new in zip(before, _weights(vit_case.keras_layer)):
        np.testing.assert_array_equal(old, new)


def test_non_strict_loads_what_matches_and_reports_the_rest(vit_case):
    state = dict(vit_case.state)
    del state["norm1.weight"]
    state["unused"] = np.zeros(1, "float32")
    before = {v.path: np.array(v) for v in vit_case.keras_layer.weights}
    report = load_timm_weights(vit_case.keras_layer, state, strict=False)
    assert report.missing == ["norm1.weight"] and report.unexpected == ["unused"] and not report.mismatched
    assert len(report.loaded) == len(vit_case.state) - 1
    after = {v.path: np.array(v) for v in vit_case.keras_layer.weights}
    norm1_gamma = next(p for p in after if p.endswith("norm1/gamma"))
    np.testing.assert_array_equal(after[norm1_gamma], before[norm1_gamma])
    qkv_kernel = next(p for p in after if p.endswith("qkv/kernel"))
    np.testing.assert_array_equal(after[qkv_kernel], state["attn.qkv.weight"].T)


def test_prefix_loads_one_block_out_of_a_whole_vit():
    model = timm.create_model("vit_tiny_patch16_224", pretrained=False, num_classes=0).eval()
    state = timm_state(model)
    block = ViTBlock(192, num_heads=3)
    block.build((None, 197, 192))
    load_timm_weights(block, state, prefix="blocks.3.")
    x = np.random.default_rng(0).standard_normal((2, 197, 192)).astype("float32")
    with torch.no_grad():
        expected = model.blocks[3](torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(keras.ops.convert_to_numpy(block(x)), expected, rtol=1e-5, atol=1e-5)


def test_prefix_without_matching_keys_reports_them_missing_with_the_prefix(vit_case):
    with pytest.raises(ValueError, match=r"blocks\.9\.norm1\.weight"):
        load_timm_weights(vit_case.keras_layer, vit_case.state, prefix="blocks.9.")


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_torch_tensors_load_into_float32_variables(vit_case, dtype):
    module = vit_case.timm_module.to(dtype)
    load_timm_weights(vit_case.keras_layer, module.state_dict())
    qkv = vit_case.keras_layer.attn.qkv
    assert keras.backend.standardize_dtype(qkv.kernel.dtype) == "float32"
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(qkv.kernel), module.attn.qkv.weight.detach().float().numpy().T
    )


@pytest.mark.parametrize("suffix", [".safetensors", ".pth", ".npz"])
def test_checkpoint_files_load_to_timm_parity(vit_case, tmp_path, suffix):
    path = tmp_path / f"block{suffix}"
    tensors = {k: torch.from_numpy(v) for k, v in vit_case.state.items()}
    if suffix == ".safetensors":
        safetensors.torch.save_file(tensors, str(path))
    elif suffix == ".pth":
        torch.save({"state_dict": tensors}, path)
    else:
        np.savez(path, **vit_case.state)
    load_timm_weights(vit_case.keras_layer, str(path))
    out = keras.ops.convert_to_numpy(vit_case.keras_layer(vit_case.inputs))
    np.testing.assert_allclose(out, timm_forward(vit_case), rtol=1e-5, atol=1e-5)


def test_bf16_safetensors_file_loads(vit_case, tmp_path):
    path = tmp_path / "bf16.safetensors"
    safetensors.torch.save_file({k: torch.from_numpy(v).bfloat16() for k, v in vit_case.state.items()}, str(path))
    load_timm_weights(vit_case.keras_layer, path)
    expected = torch.from_numpy(vit_case.state["norm2.bias"]).bfloat16().float().numpy()
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(vit_case.keras_layer.norm2.beta), expected)


def test_unbuilt_target_is_refused():
    with pytest.raises(ValueError, match="not built"):
        load_timm_weights(lx.LayerNorm2D(), {})


def test_nested_functional_model_uses_double_underscore_as_dot():
    inputs = keras.Input((None, 32))
    x = ViTBlock(32, num_heads=2, name="blocks__0")(inputs)
    x = ViTBlock(32, num_heads=2, name="blocks__1")(x)
    outputs = keras.layers.LayerNormalization(epsilon=1e-6, name="norm")(x)
    model = keras.Model(inputs, outputs)
    keys = {b.timm_key for b in weight_bindings(model)}
    assert {"blocks.0.attn.qkv.weight", "blocks.1.mlp.fc2.bias", "norm.weight", "norm.bias"} <= keys
    assert all(b.timm_key is not None for b in weight_bindings(model))

    torch.manual_seed(0)
    blocks = torch.nn.Sequential(*[timm.models.vision_transformer.Block(32, 2, qkv_bias=True) for _ in range(2)])
    state = {f"blocks.{k}": v for k, v in blocks.state_dict().items()}
    state.update({"norm.weight": torch.randn(32), "norm.bias": torch.randn(32)})
    report = load_timm_weights(model, state)
    assert report.ok and len(report.loaded) == len(state)


def test_rel_pos_attention_takes_timm_conv1x1_weights_for_its_dense_layers():
    keys = {b.keras_path: b.timm_key for b in weight_bindings(prepare(case_by_name(
        "RelPosAttention2D dim=64->96 dim_head=16 window=(4, 6)")).keras_layer)}
    assert keys == {
        "qkv/kernel": "qkv.weight",
        "qkv/bias": "qkv.bias",
        "rel_pos/relative_position_bias_table": "rel_pos.relative_position_bias_table",
        "proj/kernel": "proj.weight",
        "proj/bias": "proj.bias",
    }


def test_buffers_keras_derives_are_not_unexpected():
    layer = lx.LayerNorm2D()
    layer.build((None, 4, 4, 8))
    state = {"weight": np.ones(8, "float32"), "bias": np.zeros(8, "float32"), "num_batches_tracked": np.array(3)}
    assert load_timm_weights(layer, state).ok


class _Custom(keras.layers.Layer):
    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=(input_shape[-1], 2))

    def call(self, x):
        return x @ self.w


class _MappedCustom(_Custom):
    """A user's layer declares its mapping as a class attribute, a callable or a transform's name."""

    timm_mapping = {"w": ("weight", lambda a: np.asarray(a).T)}


class _NamedTransform(_Custom):
    timm_mapping = {"w": ("weight", "linear_to_dense")}


def test_variable_without_rule_is_reported_and_a_declared_mapping_maps_it():
    layer = _Custom(name="custom")
    layer.build((None, 3))
    with pytest.raises(ValueError, match=r"no rule maps _Custom\.w"):
        load_timm_weights(layer, {"weight": np.zeros((2, 3), "float32")})
    for cls in (_MappedCustom, _NamedTransform):
        mapped = cls(name="custom")
        mapped.build((None, 3))
        load_timm_weights(mapped, {"weight": np.arange(6, dtype="float32").reshape(2, 3)})
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(mapped.w), np.arange(6).reshape(2, 3).T)


def test_a_mapping_naming_no_transform_is_refused():
    class _Broken(_Custom):
        timm_mapping = {"w": ("weight", "no_such_transform")}

    layer = _Broken()
    layer.build((None, 3))
    with pytest.raises(ValueError, match="no_such_transform"):
        load_timm_weights(layer, {"weight": np.zeros((2, 3), "float32")})


class _Tokens(keras.layers.Layer):
    """Holds bare parameters, as timm's VisionTransformer holds cls_token on the model itself."""

    timm_mapping = {"cls_token": ("cls_token", "identity")}
    timm_pathless = True

    def build(self, input_shape):
        self.cls_token = self.add_weight(name="cls_token", shape=(1, 1, input_shape[-1]))


class _TinyVit(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.embeddings = _Tokens(name="embeddings")
        self.head = keras.layers.Dense(8, name="head")

    def build(self, input_shape):
        self.embeddings.build(input_shape)
        self.head.build(input_shape)


def test_pathless_layer_maps_its_variables_to_the_enclosing_module():
    model = _TinyVit()
    model.build((None, 4, 8))
    assert {b.timm_key for b in weight_bindings(model)} == {"cls_token", "head.weight", "head.bias"}


@pytest.mark.parametrize("module", ["convnext", "maxxvit", "vision_transformer"])
def test_every_package_layer_loads_and_exports_in_a_fresh_process(module):
    """A family's own layers declare their mappings: nothing depends on another module's import
    having registered them first (a fresh process imports only the layer's module)."""
    import subprocess
    import sys

    script = (
        "import keras, numpy as np\n"
        f"from luximm_keras.models import {module} as m\n"
        "from luximm_keras.interop import export_timm_weights, load_timm_weights\n"
        "from luximm_keras.layers import LayerScale2D\n"
        "layers = {'convnext': lambda: (m.ConvNeXtBlock(8), (1, 4, 4, 8)),\n"
        "          'maxxvit': lambda: (LayerScale2D(0.1), (1, 4, 4, 8)),\n"
        "          'vision_transformer': lambda: (m.ClassTokenPosEmbed(), (1, 2, 2, 8))}\n"
        f"layer, shape = layers['{module}']()\n"
        "layer.build(shape)\n"
        "state = export_timm_weights(layer)\n"
        "print(sorted(state), load_timm_weights(layer, state).ok)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("True"), done.stdout
