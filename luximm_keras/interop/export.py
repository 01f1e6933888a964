"""The way back: Keras variables as a timm state dict, for timm's `load_state_dict(strict=True)`."""

from __future__ import annotations

import keras
import numpy as np

from luximm_keras.interop.plan import weight_bindings
from luximm_keras.interop.transforms import INVERSES


def export_timm_weights(target: keras.layers.Layer, prefix: str = "") -> dict[str, np.ndarray]:
    """Returns `{timm key: numpy array}` in timm's layouts for every variable under `target`.

    Keys get `prefix` in front (`"blocks.3."` to put one block back into a whole model's dict).
    Buffers timm derives itself (`relative_position_index`) or fills in when absent
    (`num_batches_tracked`) are not written.

    Example:
        >>> state = export_timm_weights(block)
        >>> timm_block.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()}, strict=True)
    """
    if not target.built:
        raise ValueError(f"{target.name} is not built: there are no weights to export yet.")
    state: dict[str, np.ndarray] = {}
    problems = []
    for binding in weight_bindings(target):
        if binding.timm_key is None:
            problems.append(f"{binding.keras_path} (no rule maps {binding.owner_class}.{binding.variable.name})")
            continue
        inverse = INVERSES.get(binding.transform)
        if inverse is None:
            problems.append(
                f"{binding.keras_path} (transform {getattr(binding.transform, '__name__', binding.transform)!r} "
                "has no inverse in luximm_keras.interop.transforms.INVERSES)"
            )
            continue
        key = prefix + binding.timm_key
        if key in state:
            problems.append(f"{binding.keras_path} (timm key {key} is already taken)")
            continue
        value = keras.ops.convert_to_numpy(keras.ops.cast(binding.variable, "float32"))
        state[key] = np.ascontiguousarray(inverse(value))
    if problems:
        raise ValueError(f"Cannot export {target.name} to timm keys: " + "; ".join(problems))
    return state
