"""Keras conformance of every public layer: config and saving, symbolic shapes, dtype policies,
channels_first, training, compilation. One `LayerSpec` line per configuration; the checks live in
`conformance.py`. Shapes are tiny (8x16 maps, width 32) so the file runs in well under a minute and
a half per backend.
"""

import keras
import pytest

import conformance as cf
from conformance import LayerSpec
from luximm_keras.layers import (
    DropPath,
    GlobalResponseNorm,
    LayerNorm2D,
    LayerScale,
    Mlp,
    MultiHeadSelfAttention,
    PatchEmbed,
    RelPosAttention2D,
    RelPosBias,
    ScaledStdConv2D,
    SqueezeExcite,
    StdConv2D,
    ViTBlock,
)

# Few shapes, shared by the specs: eager jax compiles every op once per shape and dtype. The 2x3
# attention window gives the same (4 heads, 6 tokens, 8 wide) attention as the token layers.
# Maps are non-square, so a height/width swap shows; some outputs are as wide as they have channels
# (StdConv2D: 16 x 16; PatchEmbed grid: 8 columns of 8), a shape that exposes any code picking the
# channel axis by size rather than by data format.
IMG = (4, 8, 16, 16)  # batch, height, width, channels
TOKENS = (4, 6, 32)

# fmt: off
SPECS = [
    LayerSpec(StdConv2D, dict(filters=16, kernel_size=3, padding=1, use_bias=True, kernel_initializer="he_uniform"), IMG, "pad1-bias-he_uniform", spatial=True),
    LayerSpec(StdConv2D, dict(filters=16, kernel_size=(3, 1), strides=2, padding="same", groups=2, kernel_initializer=keras.initializers.RandomNormal(stddev=0.3)), IMG, "s2-same-groups-randomnormal", spatial=True),
    LayerSpec(ScaledStdConv2D, dict(filters=16, kernel_size=3, padding=None, gamma=1.7139588594436646, eps=1e-5, gain_init=0.5), IMG, spatial=True),
    LayerSpec(LayerNorm2D, dict(), IMG, spatial=True),
    LayerSpec(GlobalResponseNorm, dict(), IMG, spatial=True),
    LayerSpec(SqueezeExcite, dict(rd_ratio=0.25, activation="silu"), IMG, "silu", spatial=True),
    LayerSpec(SqueezeExcite, dict(rd_channels=4, activation=keras.activations.gelu), IMG, "gelu-object", spatial=True),
    LayerSpec(PatchEmbed, dict(embed_dim=32, patch_size=4), IMG, "flatten", spatial=True, stack=False),
    LayerSpec(PatchEmbed, dict(embed_dim=8, patch_size=(4, 2), flatten=False), IMG, "grid", spatial=True, stack=False),
    LayerSpec(MultiHeadSelfAttention, dict(dim=32, num_heads=4), TOKENS),
    # k_norm's beta shifts every key alike: a constant per query, which the softmax cancels (zero gradient).
    LayerSpec(MultiHeadSelfAttention, dict(dim=32, num_heads=4, qkv_bias=False, qk_norm=True, attn_drop=0.2, proj_drop=0.2), TOKENS, "qknorm-drop", drop_rates=("attn_drop", "proj_drop"), zero_grad=("k_norm/beta",)),
    LayerSpec(ViTBlock, dict(dim=32, num_heads=4, mlp_ratio=2.0), TOKENS),
    LayerSpec(ViTBlock, dict(dim=32, num_heads=4, mlp_ratio=2.0, init_values=0.1, drop_path=0.2, proj_drop=0.1, activation="silu"), TOKENS, "layerscale-drop", drop_rates=("drop_path", "proj_drop")),
    LayerSpec(RelPosAttention2D, dict(dim=32, dim_out=48, dim_head=8, window_size=(2, 3)), (4, 2, 3, 32), spatial=True, fixed_size=True, stack=False),
    LayerSpec(Mlp, dict(hidden_features=64), TOKENS),
    LayerSpec(Mlp, dict(hidden_features=64, out_features=16, activation="silu", drop=0.2), TOKENS, "out-drop", drop_rates=("drop",), stack=False),
    LayerSpec(LayerScale, dict(init_values=0.1), TOKENS),
    LayerSpec(DropPath, dict(rate=0.5), TOKENS, drop_rates=("rate",)),
    LayerSpec(RelPosBias, dict(window_size=(2, 3), num_heads=4), (4, 4, 6, 6), fixed_size=True),
]
# fmt: on

SPATIAL = [s for s in SPECS if s.spatial]
STOCHASTIC = [s for s in SPECS if s.drop_rates]
by_id = dict(ids=str)


def test_every_public_layer_has_a_spec():
    import luximm_keras.layers as package

    public = {
        name
        for name in package.__all__
        if isinstance(getattr(package, name), type) and issubclass(getattr(package, name), keras.layers.Layer)
    }
    assert public, "no public layer classes found"
    assert public == {s.cls.__name__ for s in SPECS}


def test_spec_ids_are_unique():
    ids = [s.id for s in SPECS]
    assert len(ids) == len(set(ids)), ids


# 1. Config and saving


@pytest.mark.parametrize("spec", SPECS, **by_id)
def test_from_config_rebuilds_an_equal_layer(spec):
    cf.check_config_round_trip(spec)


@pytest.mark.parametrize("spec", SPECS, **by_id)
def test_keras_file_and_weights_file_round_trip_without_custom_objects(spec, tmp_path):
    cf.check_saving_round_trip(spec, tmp_path)


# 2. Symbolic shapes


@pytest.mark.parametrize("spec", SPECS, **by_id)
def test_symbolic_shape_and_compute_output_shape_match_eager(spec):
    cf.check_symbolic_shapes(spec)


@pytest.mark.parametrize("spec", SPECS, **by_id)
def test_model_built_once_runs_on_other_batch_and_image_sizes(spec):
    cf.check_batch_and_image_sizes(spec)


# 3. Dtype policies


@pytest.mark.parametrize("policy", cf.LOW_PRECISION_POLICIES)
@pytest.mark.parametrize("spec", SPECS, **by_id)
def test_low_precision_policy_keeps_dtypes_stays_near_float32_and_finite_also_for_zero_input(spec, policy):
    reason = cf.low_precision_unsupported(policy)
    if reason:
        pytest.skip(reason)
    cf.check_dtype_policy(spec, policy)


# 4. channels_first


@pytest.mark.parametrize("spec", SPATIAL, **by_id)
def test_channels_first_is_the_transposed_channels_last_result(spec):
    cf.check_channels_first_matches_channels_last(spec)


# 5. Training


@pytest.mark.parametrize("spec", SPECS, **by_id)
def test_gradients_reach_every_variable_and_the_input_and_stay_finite_for_zero_input(spec):
    cf.check_gradients_reach_every_variable(spec)


@pytest.fixture(scope="module")
def fit_results():
    return cf.fit_one_step(SPECS)


@pytest.mark.parametrize("spec", SPECS, **by_id)
def test_one_fit_step_on_stacked_blocks_updates_every_variable(spec, fit_results):
    cf.check_fit_one_step(spec, fit_results)


@pytest.mark.parametrize("spec", STOCHASTIC, **by_id)
def test_dropout_and_drop_path_act_only_when_training(spec):
    cf.check_drop_only_in_training(spec)


@pytest.mark.parametrize("rate", (0.5, 0.2))
def test_drop_path_drops_whole_samples_and_keeps_the_expected_value(rate):
    keras.utils.set_random_seed(0)
    cf.check_drop_path_expectation(DropPath(rate))


# 6. Compilation


@pytest.fixture(scope="module")
def jit_results():
    reason = cf.jit_compile_unsupported()
    if reason:
        pytest.skip(reason)
    return cf.jit_compiled_outputs(SPECS)


@pytest.mark.parametrize("spec", SPECS, **by_id)
def test_forward_under_jit_compile_matches_eager(spec, jit_results):
    cf.check_jit_compile_matches_eager(spec, jit_results)
