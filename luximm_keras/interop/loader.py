"""Loads a timm state dict into Keras layers: check everything first, then assign all or nothing."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field

import keras
import numpy as np

from luximm_keras.interop import rules
from luximm_keras.interop.plan import weight_bindings
from luximm_keras.interop.sources import read_checkpoint


@dataclass
class LoadReport:
    """What a load did: timm keys `loaded`; `missing` keys no checkpoint entry fed (with the Keras
    variable); `unexpected` checkpoint keys no variable took; `mismatched` as
    `(key, expected shape in timm's layout, found shape)`. Two lists are not problems: `reinitialized`,
    the model's keys left at their fresh initial values on purpose (a new classifier), and
    `discarded`, checkpoint keys left out on purpose (the head of a model without one, the layers a
    `features_only` model prunes)."""

    loaded: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    mismatched: list[tuple[str, tuple, tuple]] = field(default_factory=list)
    reinitialized: list[str] = field(default_factory=list)
    discarded: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.unexpected or self.mismatched)

    def describe(self) -> str:
        lines = [f"loaded {len(self.loaded)} tensors"]
        if self.reinitialized:
            lines.append(f"reinitialized ({len(self.reinitialized)}): " + ", ".join(self.reinitialized))
        if self.discarded:
            lines.append(f"discarded ({len(self.discarded)}): " + ", ".join(self.discarded))
        if self.missing:
            lines.append(f"missing ({len(self.missing)}): " + ", ".join(self.missing))
        if self.unexpected:
            lines.append(f"unexpected ({len(self.unexpected)}): " + ", ".join(self.unexpected))
        if self.mismatched:
            lines.append(
                f"mismatched ({len(self.mismatched)}): "
                + ", ".join(f"{k} expected {tuple(e)} found {tuple(f)}" for k, e, f in self.mismatched)
            )
        return "; ".join(lines)

    __str__ = describe


def load_timm_weights(
    target: keras.layers.Layer,
    weights,
    *,
    prefix: str = "",
    strict: bool = True,
    progress: Callable[[int, int], None] | None = None,
    reinitialized: Collection[str] = (),
) -> LoadReport:
    """Loads timm weights into `target`, a built block or any Keras layer or model that contains them.

    Args:
        target: a built Keras layer or model. Its variables are matched to timm keys through the
            sublayer names (timm's module names; `__` in a name stands for `.`) and each layer class's
            `timm_mapping` (Keras' own classes: `luximm_keras.interop.KERAS_MAPPINGS`).
        weights: a mapping from timm key to array (numpy, torch, jax, tf), or a path to a
            `.safetensors`, `.pth`/`.pt`/`.bin` or `.npz` file.
        prefix: only keys starting with it are considered, with it removed (`"blocks.3."`).
        strict: raise a ValueError naming every missing, unexpected or mismatched entry, before any
            variable changes. With `strict=False` what matches is loaded and the rest reported.
        progress: called as `progress(done, total)` as each variable is read and checked, e.g.
            to drive a progress bar on a large checkpoint (the console script does).
        reinitialized: timm keys of `target` (after `prefix`) that the checkpoint is not meant to
            feed, such as a new classifier: their variables keep their initial values and the report
            lists them under `reinitialized` rather than `missing`.

    Returns:
        A `LoadReport`.

    Example:
        >>> block = ViTBlock(192, num_heads=3); block.build((None, 197, 192))
        >>> load_timm_weights(block, "vit_tiny.safetensors", prefix="blocks.0.")
    """
    if not target.built:
        raise ValueError(
            f"{target.name} is not built: call it on an input or `build(input_shape)` before loading."
        )
    state = read_checkpoint(weights)
    available = {key[len(prefix) :]: key for key in state.keys() if key.startswith(prefix)}

    report = LoadReport()
    staged = []
    used = set()
    bindings = weight_bindings(target)
    for done, binding in enumerate(bindings, start=1):
        if progress is not None:
            progress(done, len(bindings))
        variable = binding.variable
        if binding.timm_key is None:
            report.missing.append(
                f"{binding.keras_path} (no rule maps {binding.owner_class}.{variable.name} to a timm key)"
            )
            continue
        key = binding.timm_key
        if prefix + key in reinitialized and key not in available:
            report.reinitialized.append(prefix + key)
            continue
        if key not in available:
            report.missing.append(prefix + key)
            continue
        used.add(key)
        raw = np.asarray(state[available[key]])
        try:
            value = binding.transform(raw)
        except ValueError:
            value = None
        if value is None or tuple(value.shape) != tuple(variable.shape):
            report.mismatched.append((prefix + key, binding.timm_shape, tuple(raw.shape)))
            continue
        staged.append((variable, value, np.may_share_memory(value, raw)))
        report.loaded.append(prefix + key)

    report.unexpected = [
        available[key]
        for key in available
        if key not in used and not key.endswith(rules.IGNORED_KEY_SUFFIXES)
    ]
    if strict and not report.ok:
        raise ValueError(f"Could not load timm weights into {target.name}; nothing was changed. {report}")
    # Drop each source view as soon as it is copied: a memory-mapped tensor then leaves the resident
    # set right away, so the load never holds much more than one extra copy of the checkpoint.
    staged.reverse()
    while staged:
        variable, value, callers = staged.pop()
        # Where the value is still the caller's memory (an identity or a view), the variable takes a
        # copy: on jax a CPU array may share a NumPy array's memory, and the caller's arrays (a
        # PyTorch module's tensors, a memory-mapped file) must not change the model.
        variable.assign(np.array(value) if callers else value)
        del value
    return report
