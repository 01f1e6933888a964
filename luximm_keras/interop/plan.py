"""Walks a Keras layer tree and names, for each variable, the timm key and transform that feed it."""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable

import keras
import numpy as np

from luximm_keras.interop import rules
from luximm_keras.interop.transforms import INVERSES


@dataclass(frozen=True)
class Binding:
    """One Keras variable, where it sits in the layer tree, and where timm keeps it."""

    variable: keras.Variable
    keras_path: str  # layer names from the target down, then the variable name, joined by "/"
    timm_key: str | None  # None when no rule covers the variable
    transform: Callable | None
    owner_class: str

    @property
    def timm_shape(self) -> tuple[int, ...]:
        """The variable's shape in timm's layout (the transform's inverse applied to its shape)."""
        inverse = INVERSES.get(self.transform)
        if inverse is None:
            return tuple(self.variable.shape)
        return tuple(inverse(np.empty(tuple(self.variable.shape), "float32")).shape)


def _children(layer: keras.layers.Layer) -> list[keras.layers.Layer]:
    # Keras' own `Model.layers` is built on this (private but stable across Keras 3) method; plain
    # layers have no public list of their sublayers.
    return list(layer._flatten_layers(include_self=False, recursive=False))


def _own_variables(layer: keras.layers.Layer, children) -> list[keras.Variable]:
    inherited = {id(v) for child in children for v in child.weights}
    return [v for v in layer.weights if id(v) not in inherited]


def _resolve(chain: list[keras.layers.Layer], variable) -> tuple[str | None, Callable | None]:
    """Outermost rule wins: a block's table may claim a sublayer's variable (`"qkv/kernel"`)."""
    for depth, ancestor in enumerate(chain):
        below = [layer.name for layer in chain[depth + 1 :]] + [variable.name]
        entry = rules.rule_table(ancestor).get("/".join(below))
        if entry is not None:
            param, transform = entry
            segments = [rules.timm_segment(layer) for layer in chain[1 : depth + 1]]
            return ".".join([*(s for s in segments if s is not None), param]), transform
    return None, None


def weight_bindings(target: keras.layers.Layer) -> list[Binding]:
    """Every variable under `target` with its timm key (relative to `target`), in tree order."""
    bindings: list[Binding] = []
    seen: set[int] = set()

    def visit(layer, chain):
        chain = [*chain, layer]
        children = _children(layer)
        for variable in _own_variables(layer, children):
            if id(variable) in seen:  # a layer shared by two parents loads once
                continue
            seen.add(id(variable))
            timm_key, transform = _resolve(chain, variable)
            keras_path = "/".join([layer.name for layer in chain[1:]] + [variable.name])
            bindings.append(Binding(variable, keras_path, timm_key, transform, type(layer).__name__))
        for child in children:
            visit(child, chain)

    visit(target, [])
    return bindings
