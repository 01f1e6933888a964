"""luximm_keras: timm's building blocks and models as Keras 3 layers and models that load timm's
weights and give timm's numbers on TensorFlow, JAX and PyTorch.

Importing the package imports Keras (and so the backend that `KERAS_BACKEND` names) and registers
every serializable class, so `keras.saving.load_model` reads any `.keras` file the package wrote.
The package never imports torchvision or timm. Where timm is used in the same process, import timm
(or torch) first: importing TensorFlow before torchvision crashes the interpreter.
"""

__version__ = "0.1.0"

from luximm_keras import _quiet  # noqa: E402  (the standard library only)

_quiet.install_if_console_script()  # before Keras: TensorFlow's start-up notices off the console script's stderr

from luximm_keras import convert, data, initializers, interop, layers, models  # noqa: E402  (registers every class)
from luximm_keras.models import create_model, list_models, load_pretrained  # noqa: E402  (as timm's top level)

__all__ = [
    "__version__",
    "convert",
    "create_model",
    "data",
    "initializers",
    "interop",
    "layers",
    "list_models",
    "load_pretrained",
    "models",
]
