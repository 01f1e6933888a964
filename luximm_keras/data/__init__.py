"""timm's data side for pretrained models: the data config of a model, its evaluation preprocessing
(PIL/numpy, or Keras layers for in-graph use) and the ImageNet-1k class names.

```python
config = resolve_data_config("vit_base_patch16_224.augreg_in1k")   # timm's dict
x = create_transform(**config)(PIL.Image.open("cat.jpg"))           # float32 (224, 224, 3), timm's values
preprocess = create_preprocessing(**config)                          # keras.Sequential: uint8 NHWC -> normalized crops
names = imagenet_class_names()                                       # 1000 descriptions, "tench, Tinca tinca", ...
```

The PIL transforms are in `luximm_keras.data.transforms`, the Keras layers (`Resize`,
`ResizeKeepRatio`, `CenterCropOrPad`) in `luximm_keras.data.preprocessing`.

Reference: timm/data (config.py, transforms_factory.py, transforms.py, imagenet_info.py, constants.py)
"""

from luximm_keras.data.config import (
    DEFAULT_CROP_MODE,
    DEFAULT_CROP_PCT,
    resolve_data_config,
    resolve_model_data_config,
)
from luximm_keras.data.constants import (
    IMAGENET_DEFAULT_MEAN,
    IMAGENET_DEFAULT_STD,
    IMAGENET_INCEPTION_MEAN,
    IMAGENET_INCEPTION_STD,
    OPENAI_CLIP_MEAN,
    OPENAI_CLIP_STD,
)
from luximm_keras.data.imagenet_info import ImageNetInfo, imagenet_class_names
from luximm_keras.data.preprocessing import create_preprocessing
from luximm_keras.data.transforms_factory import create_transform, eval_resize_crop, transforms_imagenet_eval

__all__ = [
    "DEFAULT_CROP_MODE",
    "DEFAULT_CROP_PCT",
    "IMAGENET_DEFAULT_MEAN",
    "IMAGENET_DEFAULT_STD",
    "IMAGENET_INCEPTION_MEAN",
    "IMAGENET_INCEPTION_STD",
    "OPENAI_CLIP_MEAN",
    "OPENAI_CLIP_STD",
    "ImageNetInfo",
    "create_preprocessing",
    "create_transform",
    "eval_resize_crop",
    "imagenet_class_names",
    "resolve_data_config",
    "resolve_model_data_config",
    "transforms_imagenet_eval",
]
