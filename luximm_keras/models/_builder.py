"""From a timm name to a Keras model, and timm's checkpoint into it: `create_model`, the family-independent
part of every builder (`build_model_with_cfg`: heads, `features_only`, the pretrained config), and
`load_pretrained` (timm's generic steps: the family filter, the input conv, the classifier).

A family's builder returns a `ModelGraph`: the input, the output (logits, or pooled features when
`num_classes=0`) and every feature map timm's `feature_info` lists, all symbolic; this module turns it
into a functional `keras.Model`.

Reference: timm/models/_builder.py (`build_model_with_cfg`, `load_pretrained`), timm/models/_factory.py
(`create_model`), timm/models/_features.py (`feature_take_indices`, `FeatureListNet`)
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np

from luximm_keras._serializable import serializable
from luximm_keras.initializers import deferred_initialization, host_initialization
from luximm_keras.interop import LoadReport, adapt_input_conv, load_timm_weights, read_checkpoint
from luximm_keras.interop.plan import weight_bindings
from luximm_keras.layers.helpers import to_pair
from luximm_keras.models._hub import fetch_pretrained
from luximm_keras.models._pretrained import PretrainedCfg, split_model_name_tag
from luximm_keras.models._registry import get_pretrained_cfg, model_entry

INPUT_NAME = "images"  # every model's input layer
logger = logging.getLogger(__name__)


@dataclass
class FeatureMap:
    """One entry of timm's `feature_info`: a symbolic NHWC map, its width, its stride from the input,
    and the timm module whose output it is."""

    tensor: Any
    num_chs: int
    reduction: int
    module: str

    def info(self) -> dict[str, Any]:
        return {"num_chs": self.num_chs, "reduction": self.reduction, "module": self.module}


@dataclass(frozen=True)
class BuildArgs:
    """What every family builder takes besides the architecture's name: the head width (0: pooled
    features), the input channels, the input size (None: any, for families that allow it; a pair
    otherwise) and the stochastic-depth rate of the last block (timm's ramp from 0 at the first)."""

    num_classes: int = 1000
    in_chans: int = 3
    img_size: tuple[int, int] | None = None
    drop_path_rate: float = 0.0
    output_stride: int = 32


@dataclass
class ModelGraph:
    """What a family builder returns: symbolic input, output, and feature maps in timm's order."""

    inputs: Any
    outputs: Any
    features: list[FeatureMap] = field(default_factory=list)


def model_input(in_chans: int, img_size: tuple[int, int] | None = None) -> Any:
    """The NHWC image input every family uses: any height and width unless `img_size` fixes them."""
    rows, cols = (None, None) if img_size is None else img_size
    return keras.Input((rows, cols, in_chans), name=INPUT_NAME)


def feature_take_indices(num_features: int, indices: int | Sequence[int] | None = None) -> list[int]:
    """timm's `feature_take_indices`: None -> all, an int n -> the last n, a sequence -> those
    indices (negative ones from the end)."""
    if indices is None:
        indices = num_features
    if isinstance(indices, (int, np.integer)):
        if not 0 < indices <= num_features:
            raise ValueError(f"last-n ({indices}) is out of range (1 to {num_features}).")
        return [num_features - int(indices) + i for i in range(int(indices))]
    taken = []
    for i in indices:
        index = num_features + i if i < 0 else i
        if not 0 <= index < num_features:
            raise ValueError(f"feature index {index} is out of range (0 to {num_features - 1}).")
        taken.append(int(index))
    return taken


def build_model_with_cfg(
    name: str,
    graph: ModelGraph,
    pretrained_cfg: PretrainedCfg,
    *,
    features_only: bool = False,
    out_indices: int | Sequence[int] | None = None,
) -> keras.Model:
    """The `TimmModel` of `graph`, named `name` (the architecture), with timm's attributes:
    `pretrained_cfg` (a dict, as timm's `model.pretrained_cfg`) and `feature_info` (a list of dicts).

    With `features_only=True` the outputs are the feature maps at `out_indices` (NHWC), the layers
    after the last of them are left out, and `feature_info` lists the chosen maps with their `index`,
    as timm's `feature_info.get_dicts()`.
    """
    if not features_only:
        outputs, feature_info, pruned_keys = graph.outputs, [f.info() for f in graph.features], ()
    else:
        if not graph.features:
            raise ValueError(f"{name} has no feature maps to return (features_only is not supported).")
        indices = feature_take_indices(len(graph.features), out_indices)
        outputs = [graph.features[i].tensor for i in indices]
        feature_info = [dict(graph.features[i].info(), index=i) for i in indices]
        # What timm's feature wrapper prunes: the checkpoint keys of the layers after the last map.
        kept = {b.timm_key for b in weight_bindings(keras.Model(graph.inputs, outputs))}
        pruned_keys = tuple(
            b.timm_key for b in weight_bindings(keras.Model(graph.inputs, graph.outputs)) if b.timm_key not in kept
        )
    return TimmModel(
        graph.inputs, outputs, name=name, pretrained_cfg=pretrained_cfg.to_dict(), feature_info=feature_info,
        pruned_timm_keys=pruned_keys,
    )


@serializable
class TimmModel(keras.Model):
    """A functional Keras model of a timm architecture that keeps timm's attributes through `.keras`
    files: `pretrained_cfg` (timm's dict, the tag it was made for), `feature_info` (timm's list of
    feature dicts) and `pruned_timm_keys` (what a `features_only` model leaves out of a checkpoint).
    `create_model` makes them; it is an ordinary functional `keras.Model` otherwise."""

    def __init__(self, inputs, outputs, name=None, **kwargs):
        # Functional's own signature, so that Keras saves and revives the graph; the extras ride in kwargs.
        pretrained_cfg = kwargs.pop("pretrained_cfg", None) or {}
        feature_info = kwargs.pop("feature_info", None) or []
        pruned_timm_keys = kwargs.pop("pruned_timm_keys", None) or ()
        super().__init__(inputs, outputs, name=name, **kwargs)
        # Plain data, not for Keras to track (it would wrap lists and dicts in its own types). A config
        # read back from JSON has lists where timm has tuples.
        object.__setattr__(self, "pretrained_cfg", {k: _tuples(v) for k, v in pretrained_cfg.items()})
        object.__setattr__(self, "feature_info", [dict(info) for info in feature_info])
        object.__setattr__(self, "pruned_timm_keys", tuple(pruned_timm_keys))

    def get_config(self):
        config = super().get_config()
        config.update(
            pretrained_cfg=self.pretrained_cfg,
            feature_info=self.feature_info,
            pruned_timm_keys=list(self.pruned_timm_keys),
        )
        return config


def _tuples(value):
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def create_model(
    model_name: str,
    pretrained: bool = False,
    *,
    num_classes: int | None = None,
    in_chans: int | None = None,
    img_size: int | tuple[int, int] | None = None,
    features_only: bool = False,
    out_indices: int | Sequence[int] | None = None,
    pretrained_cfg_overlay: dict[str, Any] | None = None,
    **kwargs,
) -> keras.Model:
    """A functional Keras model of timm's `model_name` (`"arch"` or `"arch.tag"`), taking NHWC images.

    As timm's `create_model`: `num_classes` defaults to the pretrained config's (a 21k tag gives a
    21k-class head), `num_classes=0` gives pooled features, `in_chans` defaults to the config's, and
    `img_size` matters only where the architecture needs it (ViT's position embeddings, CoAtNet's
    attention windows: it defaults to the config's input size there); convolutional families take
    any height and width. `features_only=True` returns the feature maps at `out_indices` (timm's
    defaults per family) in NHWC, with `model.feature_info`. Other keyword arguments go to the
    family's builder, as timm's do: `drop_path_rate`, and `output_stride` (8 or 16: the last stages
    dilate instead of striding, for dense prediction; in the families whose timm models take it).

    The model's layer names map onto timm's module paths (`__` for `.`), and it carries timm's
    `pretrained_cfg` (a dict) and `feature_info` (a list of dicts).

    With `pretrained=True` the weights of the name's tag (timm's default tag when it has none) are
    loaded as timm loads them (`load_pretrained`: a new head for another `num_classes`, the first conv
    adapted to `in_chans`, position tables resampled to `img_size`), from the first source the config
    names: `pretrained_cfg_overlay=dict(file=PATH)` for a local checkpoint, else the Hugging Face Hub
    repo timm uses, fetched through `huggingface_hub` (its cache, `HF_HOME`, `HF_HUB_OFFLINE` and
    token apply; `model.safetensors` is preferred and needs no torch).

    Raises:
        ValueError: an unknown architecture or tag (the message lists what exists), or a tag without
            weights.
        FileNotFoundError: the weights are neither cached nor reachable (offline), or the overlay's
            file does not exist.
    """
    arch, _ = split_model_name_tag(model_name)
    entry = model_entry(arch)
    cfg = get_pretrained_cfg(model_name)
    if pretrained_cfg_overlay:
        cfg = cfg.replace(**pretrained_cfg_overlay)
    num_classes = cfg.num_classes if num_classes is None else num_classes
    in_chans = cfg.input_size[0] if in_chans is None else in_chans
    if int(num_classes) < 0:
        raise ValueError(f"`num_classes` must be >= 0, got {num_classes!r}.")
    if int(in_chans) < 1:
        raise ValueError(f"`in_chans` must be a positive int, got {in_chans!r}.")
    if img_size is None and cfg.fixed_input_size:
        img_size = tuple(cfg.input_size[1:])
    if img_size is not None:
        img_size = to_pair(img_size, "img_size")
    unknown = sorted(set(kwargs) - {f.name for f in dataclasses.fields(BuildArgs)})
    if unknown:
        raise ValueError(
            f"{arch} takes no argument {', '.join(map(repr, unknown))}; create_model takes num_classes, in_chans, "
            "img_size, features_only, out_indices, pretrained_cfg_overlay, drop_path_rate and output_stride."
        )
    args = BuildArgs(int(num_classes), int(in_chans), img_size, **kwargs)
    if args.output_stride not in entry.output_strides:
        raise ValueError(
            f"{arch} builds output_stride {' or '.join(map(str, entry.output_strides))}, not {args.output_stride!r}."
        )
    # Weights first: a missing file fails before the build. A state dict passed through the overlay is
    # read here, not kept in the model's config (which `.keras` files store as JSON).
    weights = fetch_pretrained(cfg.to_dict()) if pretrained else None
    cfg = cfg.replace(state_dict=None)
    # Host draws: no random-number kernel compiled per variable shape (JAX). With weights to load,
    # nothing is drawn until the load has said which variables it left to their initializers.
    deferred = deferred_initialization() if pretrained else contextlib.nullcontext()
    with host_initialization(), deferred as pending:
        graph = entry.builder(arch, args)
    if out_indices is None:
        out_indices = entry.feature_out_indices
    model = build_model_with_cfg(arch, graph, cfg, features_only=features_only, out_indices=out_indices)
    if pretrained:
        report = load_pretrained(model, weights)
        filled = {id(b.variable) for b in weight_bindings(model) if b.timm_key in set(report.loaded)}
        pending.draw([v for v in model.weights if id(v) not in filled])
        logger.info("%s: %s", model_name, report)
    return model


# ------------------------------------------------------------------------------------------------
# Loading a checkpoint the way timm's `load_pretrained` does


def timm_shapes(model: keras.layers.Layer) -> dict[str, tuple[int, ...]]:
    """Every timm key `model` loads, with the shape timm stores it in."""
    return {b.timm_key: b.timm_shape for b in weight_bindings(model) if b.timm_key is not None}


def _names(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def load_pretrained(
    model: keras.Model,
    weights,
    *,
    model_name: str | None = None,
    strict: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> LoadReport:
    """Loads a timm checkpoint into a model from `create_model`, as timm's `load_pretrained` does.

    1. The family's filter (timm's `checkpoint_filter_fn`): e.g. ViT's position embeddings resampled
       to the model's grid, CoAtNet's relative-position tables to its windows.
    2. The first conv (`pretrained_cfg["first_conv"]`) adapted with `adapt_input_conv` when the
       model takes another number of input channels.
    3. The classifier (`pretrained_cfg["classifier"]`): when the model's head has another number of
       classes than the checkpoint's, the checkpoint's head is dropped and the model's stays freshly
       initialised, listed in the report's `reinitialized` (the whole head when the checkpoint has
       none of it, as ConvNeXt-V2's `fcmae` checkpoints); a model without a head
       (`num_classes=0`) or a `features_only` model leaves the checkpoint's head and the other
       pruned layers out, listed in `discarded`.

    Every other key is loaded strictly: a missing, unexpected or mismatched key raises (with
    `strict=True`) before any variable changes.

    Args:
        model: a model from `create_model` (or any model of a registered architecture, named so).
        weights: a checkpoint path (`.safetensors`, `.pth`/`.bin`, `.npz`) or a mapping of arrays.
        model_name: `"arch"` or `"arch.tag"`; defaults to the model's `pretrained_cfg`, else its name.
        strict, progress: as `load_timm_weights`.
    """
    cfg = getattr(model, "pretrained_cfg", None)
    if model_name is not None or cfg is None:
        cfg = get_pretrained_cfg(model_name or model.name).to_dict()
    entry = model_entry(cfg.get("architecture") or model_name or model.name)
    state = dict(read_checkpoint(weights))
    if entry.checkpoint_filter is not None:
        state = entry.checkpoint_filter(state, model)
    shapes = timm_shapes(model)

    pretrained_in_chans = (cfg.get("input_size") or (3,))[0]
    for conv in _names(cfg.get("first_conv")):
        key = f"{conv}.weight"
        if key in state and key in shapes and tuple(np.shape(state[key])) != shapes[key]:
            model_in_chans = shapes[key][1]
            if model_in_chans != np.shape(state[key])[1]:
                state[key] = adapt_input_conv(model_in_chans, np.asarray(state[key]), base_chans=pretrained_in_chans)

    reinitialized, discarded = [], []
    label_offset = cfg.get("label_offset") or 0
    for classifier in _names(cfg.get("classifier")):
        keys = [f"{classifier}.weight", f"{classifier}.bias"]
        model_shape = shapes.get(keys[0])
        if keys[0] not in state:
            # A checkpoint made without a classifier (`num_classes=0` in its config) under a model with one.
            if model_shape is not None and cfg.get("num_classes") == 0:
                reinitialized += [k for k in keys if k in shapes and k not in state]
            continue
        rows = np.shape(state[keys[0]])[0]
        if model_shape is not None and label_offset and rows == model_shape[0] + label_offset:
            for key in keys:  # an extra background class in the checkpoint
                if key in state:
                    state[key] = np.asarray(state[key])[label_offset:]
        elif model_shape is None or tuple(np.shape(state[keys[0]])) != model_shape:
            for key in keys:
                if key in state:
                    state.pop(key)
                    (discarded if key not in shapes else reinitialized).append(key)
    # A checkpoint without any of the head's parameters (ConvNeXt-V2's `fcmae` pretraining has no
    # `head.norm`, which timm loads non-strictly for it) leaves the model's whole head fresh.
    for classifier in _names(cfg.get("classifier")):
        head = classifier.rpartition(".")[0]
        head_keys = [k for k in shapes if head and k.startswith(head + ".")]
        if head_keys and not any(k in state for k in head_keys):
            reinitialized += [k for k in head_keys if k not in reinitialized]
    for key in getattr(model, "pruned_timm_keys", ()):
        if key in state:
            state.pop(key)
            discarded.append(key)

    report = load_timm_weights(model, state, strict=strict, progress=progress, reinitialized=reinitialized)
    report.discarded = sorted(set(report.discarded) | set(discarded))
    return report
