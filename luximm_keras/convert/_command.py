"""`luximm-keras convert --auto`: a timm checkpoint through timm's own module and `from_timm`, run in
a process that imports timm before Keras (TensorFlow imported before torchvision crashes it)."""

from __future__ import annotations

import sys


def convert_with_timm(checkpoint: str, model_name: str, output: str, num_classes, in_chans, img_size) -> None:
    """timm builds `model_name` (ARCH or ARCH.TAG), loads `checkpoint` strictly with
    `timm.models.load_checkpoint`, and the automatic conversion of that module is saved to `output`."""
    import timm

    import keras

    from luximm_keras.convert import from_timm

    arch = model_name.split(".")[0]
    kwargs = {k: v for k, v in dict(num_classes=num_classes, in_chans=in_chans).items() if v is not None}
    if img_size is not None:
        kwargs["img_size"] = img_size  # timm's ViT-likes size their position tables from it
    try:
        model = timm.create_model(arch, **kwargs)
    except TypeError:
        kwargs.pop("img_size", None)
        model = timm.create_model(arch, **kwargs)
    timm.models.load_checkpoint(model, checkpoint, strict=True)
    size = None if img_size is None else (img_size, img_size)
    converted = from_timm(model, img_size=size, name=arch)
    converted.save(output)
    print(f"{model_name}: automatic conversion of timm's module (no hand-built family used); "
          f"{len(converted.weights)} variables from {checkpoint}; saved {output} (backend {keras.backend.backend()})")


if __name__ == "__main__":
    checkpoint, model_name, output, num_classes, in_chans, img_size = sys.argv[1:7]
    as_int = lambda v: None if v == "-" else int(v)  # noqa: E731
    convert_with_timm(checkpoint, model_name, output, as_int(num_classes), as_int(in_chans), as_int(img_size))
