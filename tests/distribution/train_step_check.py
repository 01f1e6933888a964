"""One training step of a model of stacked blocks, on one device and under keras.distribution on two
host devices; prints the largest difference. Run by test_distribution.py with jax and
XLA_FLAGS=--xla_force_host_platform_device_count=2 (set before jax is imported)."""

import json

import keras
import numpy as np

from luximm_keras import layers as lx
from luximm_keras.models.vision_transformer import ViTBlock

DIM, HEADS = 32, 4


def build_model():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((16, 16, 3))
    x = lx.StdConv2D(16, 3, padding="same", name="stem")(inputs)
    x = lx.LayerNorm2D(name="stem_norm")(x)
    x = lx.SqueezeExcite(rd_channels=8, name="se")(x)
    x = lx.PatchEmbed(DIM, patch_size=4, name="patch_embed")(x)
    x = ViTBlock(DIM, num_heads=HEADS, init_values=0.1, name="blocks__0")(x)
    x = ViTBlock(DIM, num_heads=HEADS, name="blocks__1")(x)
    x = keras.layers.GlobalAveragePooling1D()(x)
    outputs = keras.layers.Dense(10, name="head")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    return model


def layout_map(mesh):
    """Shards the attention and MLP kernels over the "model" axis (Megatron-style column/row split)."""
    layouts = keras.distribution.LayoutMap(mesh)
    layouts[r".*attn/qkv/kernel"] = (None, "model")
    layouts[r".*attn/proj/kernel"] = ("model", None)
    layouts[r".*mlp/fc1/kernel"] = (None, "model")
    layouts[r".*mlp/fc2/kernel"] = ("model", None)
    return layouts


def one_step(distribution):
    data = np.random.default_rng(0).standard_normal((8, 16, 16, 3)).astype("float32")
    target = np.random.default_rng(1).standard_normal((8, 10)).astype("float32")
    if distribution is None:
        model = build_model()
        initial = [np.array(keras.ops.convert_to_numpy(v)) for v in model.trainable_weights]
        loss = model.train_on_batch(data, target)
    else:
        with distribution.scope():
            model = build_model()
            initial = [np.array(keras.ops.convert_to_numpy(v)) for v in model.trainable_weights]
            loss = model.train_on_batch(data, target)
    trained = [keras.ops.convert_to_numpy(v) for v in model.trainable_weights]
    unchanged = [v.path for v, a, b in zip(model.trainable_weights, initial, trained) if np.array_equal(a, b)]
    weights = {v.path: v for v in model.weights}
    qkv_sharding = str(getattr(weights["blocks__0/attn/qkv/kernel"].value.sharding, "spec", "single device"))
    arrays = {k: np.asarray(keras.ops.convert_to_numpy(v)) for k, v in weights.items()}
    return float(loss), arrays, qkv_sharding, unchanged


def main():
    devices = keras.distribution.list_devices()
    results = {"devices": len(devices)}
    baseline_loss, baseline, _, unchanged = one_step(None)
    results["unchanged_by_step"] = unchanged
    mesh = keras.distribution.DeviceMesh((1, 2), ["batch", "model"], devices)
    distributions = {
        "DataParallel": keras.distribution.DataParallel(devices=devices),
        "ModelParallel": keras.distribution.ModelParallel(layout_map=layout_map(mesh), batch_dim_name="batch"),
    }
    for name, distribution in distributions.items():
        loss, weights, qkv_sharding, _ = one_step(distribution)
        results[name] = {
            "same_variables": sorted(weights) == sorted(baseline),
            "loss_diff": abs(loss - baseline_loss),
            "max_weight_diff": max(float(np.max(np.abs(weights[k] - baseline[k]))) for k in baseline),
            "qkv_kernel_sharding": qkv_sharding,
        }
    print(json.dumps(results))


if __name__ == "__main__":
    main()
