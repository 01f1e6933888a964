"""CI's backend rotation: which backend runs each family's checks in CI (the slow suite runs them all on
every backend). Read by tests/conftest.py, which marks the other backends' items `slow`, and by the
tests that choose their CI cases themselves."""

from __future__ import annotations

from luximm_keras.models import list_models, model_entry

# Every family's checks run on every backend in the slow suite (`-m slow`); in CI
# each family's checks run on the one backend named here, but for the checks a module lists in
# `NOT_ROTATED`, which run where their own marks say (the family contract's logits and export, the
# backend-specific core, run on every backend, as every layer's conformance does). A family's item is
# one of its module (tests/models/test_<family>.py), or an item parametrized by one of its model names,
# its family name or a LayerSpec of one of its blocks. Where a module lists a check in `CI_OFF_JAX` (or
# sets it to True: all of them), a family rotated to jax has it run on torch in CI instead: jax
# compiles those checks anew for every shape (train steps, every check of a block): slow there.
CI_BACKEND = {
    "vision_transformer": "jax", "deit": "jax", "eva": "jax", "nfnet": "jax",
    "convnext": "tensorflow", "resnetv2": "tensorflow", "maxxvit": "tensorflow", "regnet": "tensorflow",
    "resnet": "tensorflow",
    "vgg": "torch", "swin_transformer": "torch", "efficientnet": "torch", "mobilenetv3": "torch",
    "byobnet": "torch",
}
_REGISTERED = frozenset(list_models())
_MODULE_FAMILY = {"_efficientnet_blocks": "efficientnet"}  # a family's blocks kept in a module of their own


def _family_of_module(module: str) -> str | None:
    if not module.startswith("luximm_keras.models."):
        return None
    name = module.rsplit(".", 1)[-1]
    return _MODULE_FAMILY.get(name, name if name in CI_BACKEND else None)


def family_of(value) -> str | None:
    """The family of a family name, a registered model name or a LayerSpec of a family's block."""
    if isinstance(value, str):
        if value in CI_BACKEND:
            return value
        return _family_of_module(model_entry(value).builder.__module__) if value in _REGISTERED else None
    cls = getattr(value, "cls", None)  # a conformance LayerSpec
    return _family_of_module(cls.__module__) if isinstance(cls, type) else None


def ci_backend(family: str, off_jax: bool = False) -> str:
    """The backend that runs `family`'s checks in CI (torch for a jax family's `off_jax` checks)."""
    backend = CI_BACKEND[family]
    return "torch" if backend == "jax" and off_jax else backend


def ci_family(item) -> str | None:
    """The family whose rotation decides where `item` runs in CI (None: every backend)."""
    stem = item.path.stem
    if item.path.parent.name == "models" and stem.startswith("test_") and stem[5:] in CI_BACKEND:
        return stem[5:]
    params = getattr(getattr(item, "callspec", None), "params", {})
    return next((f for f in map(family_of, params.values()) if f), None)
