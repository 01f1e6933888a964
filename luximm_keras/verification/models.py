"""Whole models beside timm's: the same random weights, the same images, both sets of logits."""

from __future__ import annotations

import torch  # noqa: I001  (the oracle first)
import timm

import numpy as np


# What timm's constructors change when `pretrained=True` (the weights were trained with it), which a
# `pretrained=False` reference must be given to compute what timm's pretrained model computes; the
# package builds these architectures that way always.
TIMM_PRETRAINED_KWARGS = {"fbnetc_100": {"bn_eps": 1e-3}}


def perturbed_timm_model(
    name: str, seed: int = 0, noise: float = 0.02, calibrate_batch_norms: bool = False, **kwargs
) -> torch.nn.Module:
    """timm's model with random weights, every parameter and running statistic moved off its
    initial value, so that zero- and one-initialised tensors (norm scales, GRN, BN statistics) count.

    With `calibrate_batch_norms`, the BatchNorm running statistics are instead those of one batch of
    random images (seed `seed + 1`) at the model's input size, as a trained model's fit its data. Deep
    models whose blocks add a BatchNorm-normalised branch without layer scale (MaxViT-Base and larger)
    need it: with statistics that do not fit the activations, eval-mode BatchNorm does not normalise,
    the residual stream grows block by block (to ~1e5 there) and float32 rounding alone moves timm's
    own logits by more than they are large.

    Built as timm builds the architecture for its pretrained weights (`TIMM_PRETRAINED_KWARGS`)."""
    torch.manual_seed(seed)
    kwargs = {**TIMM_PRETRAINED_KWARGS.get(name.split(".")[0], {}), **kwargs}
    model = timm.create_model(name, pretrained=False, **kwargs).eval()
    with torch.no_grad():
        for param in model.parameters():
            param.add_(torch.randn_like(param) * noise)
        for buffer_name, buffer in model.named_buffers():
            if buffer_name.endswith("running_mean"):
                buffer.copy_(torch.randn_like(buffer) * 0.1)
            elif buffer_name.endswith("running_var"):
                buffer.copy_(torch.rand_like(buffer) + 0.5)
        if calibrate_batch_norms:
            norms = {m: m.momentum for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)}
            for norm in norms:
                norm.reset_running_stats()
                norm.momentum = None  # a cumulative average: after one batch, that batch's statistics
            size = model.pretrained_cfg.get("input_size", (3, 224, 224))
            images = random_images(8, size[-1], size[0], seed=seed + 1)
            model.train()(torch.from_numpy(images).permute(0, 3, 1, 2).contiguous())
            model.eval()
            for norm, momentum in norms.items():
                norm.momentum = momentum
    return model


def timm_state_dict(model: torch.nn.Module) -> dict[str, np.ndarray]:
    return {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()}


def random_images(batch: int, img_size, in_chans: int = 3, seed: int = 0) -> np.ndarray:
    """NHWC float32 images, `img_size` one side or `(height, width)` (cut from the square of the longer
    side, so a square size and its non-square crops share their pixels)."""
    height, width = (img_size, img_size) if isinstance(img_size, int) else img_size
    side = max(height, width)
    images = np.random.default_rng(seed).standard_normal((batch, side, side, in_chans)).astype("float32")
    return images[:, :height, :width]


def timm_logits(model: torch.nn.Module, images_nhwc: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return model(torch.from_numpy(images_nhwc).permute(0, 3, 1, 2).contiguous()).numpy()


def timm_features(model: torch.nn.Module, images_nhwc: np.ndarray) -> np.ndarray:
    """timm's pooled features (`forward_head(..., pre_logits=True)`)."""
    with torch.no_grad():
        x = torch.from_numpy(images_nhwc).permute(0, 3, 1, 2).contiguous()
        return model.forward_head(model.forward_features(x), pre_logits=True).numpy()


def predict(model, images: np.ndarray) -> np.ndarray:
    """Whole-model inference through Keras' compiled `predict`: on jax one jit of the whole model is
    several times quicker to get than the first op-by-op eager call."""
    return model.predict(images, batch_size=len(images), verbose=0)


def compare_model(name: str, batch: int = 2, seed: int = 0, num_classes: int = 1000) -> dict:
    """Builds timm's `name` and ours, loads timm's weights strictly, returns both logits and the report."""
    import keras

    from luximm_keras.models import create_model, load_pretrained

    model = create_model(name, num_classes=num_classes)  # first: our registry names unknown models best
    reference = perturbed_timm_model(name, seed=seed, num_classes=num_classes)
    img_size = reference.pretrained_cfg.get("input_size", (3, 224, 224))[-1]
    report = load_pretrained(model, timm_state_dict(reference))
    images = random_images(batch, img_size, seed=seed)
    ours = keras.ops.convert_to_numpy(model(images, training=False))
    return {"keras": ours, "timm": timm_logits(reference, images), "report": report, "model": model,
            "reference": reference, "images": images}


def timm_features_model(reference: torch.nn.Module, out_indices=None) -> torch.nn.Module:
    """timm's `features_only` wrapper around (a copy of) `reference`, as `timm.create_model(...,
    features_only=True)` builds it: ViT's `FeatureGetterNet` (the last three blocks by default), the
    convolutional families' `FeatureListNet` (every feature by default)."""
    import copy

    from timm.models._features import FeatureGetterNet, FeatureListNet
    from timm.models.eva import Eva
    from timm.models.vision_transformer import VisionTransformer

    model = copy.deepcopy(reference)
    if isinstance(model, (VisionTransformer, Eva)):
        return FeatureGetterNet(model, out_indices=3 if out_indices is None else out_indices).eval()
    if out_indices is None:
        out_indices = tuple(range(len(model.feature_info)))
    # timm's families flatten their sequential stages where a feature sits inside one (`stages.1`),
    # and not where every feature is a top-level module (ResNet's `layer1`).
    flatten = any("." in info["module"] for info in model.feature_info)
    # As timm's `build_model_with_cfg`: a model's own `output_fmt` (Swin's NHWC) is its feature net's.
    output_fmt = getattr(model, "output_fmt", "NCHW")
    return FeatureListNet(model, out_indices=out_indices, flatten_sequential=flatten, output_fmt=output_fmt).eval()


def timm_feature_maps(features_model: torch.nn.Module, images_nhwc: np.ndarray) -> list[np.ndarray]:
    """timm's feature maps for NHWC images, returned NHWC (Swin's feature net gives NHWC already:
    its `output_fmt`)."""
    with torch.no_grad():
        maps = features_model(torch.from_numpy(images_nhwc).permute(0, 3, 1, 2).contiguous())
    if getattr(features_model, "output_fmt", "NCHW") == "NHWC":
        return [m.numpy() for m in maps]
    return [m.permute(0, 2, 3, 1).numpy() for m in maps]
