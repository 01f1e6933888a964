"""Keras conformance of every class registered under `luximm_keras` (the layers and the model
families' blocks): config and saving, symbolic shapes, dtype policies, channels_first, training,
compilation. The `LayerSpec` lines (one per configuration) and the checks live in `conformance.py`.
Shapes are tiny and shared between the specs (8x16 maps of 16 channels, 6 tokens of width 32): on jax
every new shape and dtype is one more compilation of every op.
"""

import keras
import pytest

import conformance as cf
from ci_rotation import ci_backend, family_of  # tests/ci_rotation.py
from conformance import SPECS

from luximm_keras.layers import DropPath

# On jax, where every eager op and every jitted function compiles once per shape and dtype, the family
# blocks' checks run in the slow suite (`-m slow`): the layers they are built from are checked here,
# the blocks themselves on TensorFlow and torch, and inside whole models by the family contract
# (tests/models/test_builder.py) on every backend.
SLOW_ON_JAX = (pytest.mark.slow,) if cf.BACKEND == "jax" else ()
# A `fit` step traces (TensorFlow) or compiles (jax) the forward and backward of every block of the
# shared model: minutes for the sixty family blocks on a small CPU. There the family blocks' fit runs
# in the slow suite, and their training inside whole models is the family contract's SGD step.
SLOW_TO_FIT = (pytest.mark.slow,) if cf.BACKEND in ("jax", "tensorflow") else ()
# CI's rotation (tests/ci_rotation.py) runs each family's blocks on the family's backend, on torch for
# the families rotated to jax; the layers of `luximm_keras.layers` on every backend. The fit and the
# compiled forward are shared runs whose own marks choose one backend for every block.
CI_OFF_JAX = True
NOT_ROTATED = ("test_one_fit_step_on_stacked_blocks_updates_every_variable",
               "test_forward_under_jit_compile_matches_eager", "test_from_config_rebuilds_an_equal_layer",
               "test_keras_file_and_weights_file_round_trip_without_custom_objects")


def cases(specs, slow=SLOW_ON_JAX):
    return [
        pytest.param(s, id=str(s), marks=(pytest.mark.slow,) if s.slow_only else () if cf.is_layers_class(s) else slow)
        for s in specs
    ]


SPATIAL = [s for s in SPECS if s.spatial]
STOCHASTIC = [s for s in SPECS if s.drop_rates]
FITTED = [s for s in SPECS if not s.input_free]  # an input-free table has no batch to fit (see LayerSpec)
by_id = dict(ids=str)


def test_every_registered_class_has_a_spec():
    registered = cf.registered_classes()
    assert "StdConv2D" in registered and "ViTBlock" in registered, sorted(registered)
    missing = cf.classes_without_spec(SPECS)
    assert not missing, f"registered under {cf.PACKAGE!r} without a LayerSpec in conformance.py: {missing}"


def test_the_classes_checked_elsewhere_are_registered_models():
    registered = cf.registered_classes()
    for name in cf.CHECKED_ELSEWHERE:
        assert name in registered, f"{name} is no longer registered: drop it from CHECKED_ELSEWHERE"
        assert issubclass(registered[name], keras.Model), f"{name} is a layer: give it a LayerSpec"


def test_the_gate_names_a_newly_registered_class_without_a_spec():
    class NewBlock(keras.layers.Layer):
        pass

    registry = {**keras.saving.get_custom_objects(), f"{cf.PACKAGE}>NewBlock": NewBlock}
    assert cf.classes_without_spec(SPECS, registry) == ["NewBlock"]


def test_every_public_layer_class_is_registered():
    import luximm_keras.layers as package

    public = {
        name: getattr(package, name)
        for name in package.__all__
        if isinstance(getattr(package, name), type) and issubclass(getattr(package, name), keras.layers.Layer)
    }
    assert public, "no public layer classes found"
    registered = cf.registered_classes()
    assert {name: registered.get(name) for name in public} == public


def test_spec_ids_are_unique():
    ids = [s.id for s in SPECS]
    assert len(ids) == len(set(ids)), ids


# 1. Config and saving


def on_one_backend(specs):
    """Config and saving are Keras' own machinery, the same on every backend: in CI each spec is checked
    on one, a family's block on its family's backend of the rotation, the layers in turn; the slow suite
    checks every spec everywhere."""
    backends = ("jax", "tensorflow", "torch")
    cases = []
    for index, spec in enumerate(specs):
        family = family_of(spec)
        backend = ci_backend(family, off_jax=True) if family else backends[index % len(backends)]
        slow = spec.slow_only or backend != cf.BACKEND
        cases.append(pytest.param(spec, id=str(spec), marks=(pytest.mark.slow,) if slow else ()))
    return cases


@pytest.mark.parametrize("spec", on_one_backend(SPECS))
def test_from_config_rebuilds_an_equal_layer(spec):
    cf.check_config_round_trip(spec)


@pytest.mark.parametrize("spec", on_one_backend(SPECS))
def test_keras_file_and_weights_file_round_trip_without_custom_objects(spec, tmp_path):
    cf.check_saving_round_trip(spec, tmp_path)


# 2. Symbolic shapes


@pytest.mark.parametrize("spec", cases(SPECS))
def test_symbolic_shape_and_compute_output_shape_match_eager(spec):
    cf.check_symbolic_shapes(spec)


@pytest.mark.parametrize("spec", cases(SPECS))
def test_model_built_once_runs_on_other_batch_and_image_sizes(spec):
    cf.check_batch_and_image_sizes(spec)


# 3. Dtype policies


# CI checks each compute dtype on every backend, mixed_float16 for the mixed policies' casts; the
# layers' mixed_bfloat16 (bfloat16 compute as pure bfloat16, float32 variables as mixed_float16) is in
# the slow suite.
def policy_marks(spec, policy):
    if policy == "mixed_bfloat16":
        return (pytest.mark.slow,)
    return () if cf.is_layers_class(spec) else SLOW_ON_JAX


POLICY_CASES = [
    pytest.param(spec, policy, id=f"{spec}-{policy}", marks=policy_marks(spec, policy))
    for spec in SPECS
    for policy in cf.low_precision_policies(spec)
]


@pytest.mark.parametrize("spec, policy", POLICY_CASES)
def test_low_precision_policy_keeps_dtypes_stays_near_float32_and_finite_also_for_zero_input(spec, policy):
    reason = cf.low_precision_unsupported(policy)
    if reason:
        pytest.skip(reason)
    cf.check_dtype_policy(spec, policy)


# 4. channels_first


@pytest.mark.parametrize("spec", cases(SPATIAL))
def test_channels_first_is_the_transposed_channels_last_result(spec):
    cf.check_channels_first_matches_channels_last(spec)


# 5. Training


@pytest.mark.parametrize("spec", cases(SPECS))
def test_gradients_reach_every_variable_and_the_input_and_stay_finite_for_zero_input(spec):
    cf.check_gradients_reach_every_variable(spec)


@pytest.fixture(scope="module")
def fit_results(request):
    """One shared fit of the specs whose fit this run checks (`-m slow` on jax and TensorFlow: the
    family blocks'); without any, of the specs the default run checks."""
    selected = {
        item.callspec.params["spec"].id
        for item in request.session.items
        if getattr(item, "originalname", None) == "test_one_fit_step_on_stacked_blocks_updates_every_variable"
    }
    default = [s for s in FITTED if not SLOW_TO_FIT or cf.is_layers_class(s)]
    return cf.fit_one_step([s for s in FITTED if s.id in selected] or default)


def test_every_spec_fits_in_the_shared_model(fit_results):
    """The specs are fitted together (one train step to compile); a spec that breaks the shared model
    falls back to fitting alone, one compilation each, and is named here."""
    failed = {k: v for k, v in fit_results.items() if isinstance(v, Exception)}
    assert not failed, f"the shared fit failed ({next(iter(failed.values()))!r:.500}); spec ids: {sorted(failed)}"


@pytest.mark.parametrize("spec", cases(FITTED, slow=SLOW_TO_FIT))
def test_one_fit_step_on_stacked_blocks_updates_every_variable(spec, fit_results):
    cf.check_fit_one_step(spec, fit_results)


@pytest.mark.parametrize("spec", cases(STOCHASTIC))
def test_dropout_and_drop_path_act_only_when_training(spec):
    cf.check_drop_only_in_training(spec)


@pytest.mark.parametrize("rate", (0.5, 0.2))
def test_drop_path_drops_whole_samples_and_keeps_the_expected_value(rate):
    keras.utils.set_random_seed(0)
    cf.check_drop_path_expectation(DropPath(rate))


# 6. Compilation


# On torch, inductor generates and compiles C++ for every fused kernel (seconds a block on a small
# CPU, and the family blocks keep growing): there the family blocks' compiled forward runs in the slow
# suite, the layers of `luximm_keras.layers` in CI. On jax too: there every family block's forward is
# jitted by the other checks already (the gradient checks, and `predict` in the model tests), and the
# eager side of this comparison compiles each of the blocks' operations one by one. On TensorFlow,
# where nothing else runs XLA on a CPU, all of them in CI.
SLOW_TO_COMPILE = (pytest.mark.slow,) if cf.BACKEND in ("torch", "jax") else ()
JIT_SPECS = cf.jit_specs(SPECS)


def compiled_in_ci(spec) -> bool:
    return not spec.slow_only and (not SLOW_TO_COMPILE or cf.is_layers_class(spec))


def jit_cases():
    return [
        pytest.param(s, id=str(s), marks=() if compiled_in_ci(s) else SLOW_TO_COMPILE or (pytest.mark.slow,))
        for s in JIT_SPECS
    ]


@pytest.fixture(scope="module")
def jit_results(request):
    """One shared compilation of the specs whose compiled forward this run checks; without any, of
    the specs the default run checks."""
    reason = cf.jit_compile_unsupported()
    if reason:
        pytest.skip(reason)
    selected = {
        item.callspec.params["spec"].id
        for item in request.session.items
        if getattr(item, "originalname", None) == "test_forward_under_jit_compile_matches_eager"
    }
    default = [s for s in JIT_SPECS if compiled_in_ci(s)]
    chosen = [s for s in JIT_SPECS if s.id in selected]
    return cf.jit_compiled_outputs(chosen or default)


def test_every_spec_compiles_in_the_shared_model(jit_results):
    """The specs' forward compiles as one model (on torch: one graph); a spec that breaks it sends
    every spec to a compilation of its own (minutes with torch.compile), and is named here."""
    failed = {k: v for k, v in jit_results.items() if isinstance(v, Exception)}
    assert not failed, f"the shared compile failed ({next(iter(failed.values()))!r:.800})"


@pytest.mark.parametrize("spec", jit_cases())
def test_forward_under_jit_compile_matches_eager(spec, jit_results):
    cf.check_jit_compile_matches_eager(spec, jit_results)
