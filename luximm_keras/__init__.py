"""luximm_keras: timm's building blocks as Keras 3 layers that load timm's weights and give timm's
numbers on TensorFlow, JAX and PyTorch.

The subpackages (`layers`, `initializers`, `interop`) import Keras, and so the backend that
`KERAS_BACKEND` names, when first used; importing `luximm_keras` alone (e.g. for the console script)
does not. The package never imports torchvision or timm. Where timm is used in the same process
(tests, `luximm-keras verify`), import timm or torch first: importing TensorFlow before torchvision
crashes the interpreter.
"""

import importlib

__version__ = "0.1.0"

_SUBMODULES = ("initializers", "interop", "layers")
__all__ = ["__version__", *_SUBMODULES]


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"luximm_keras.{name}")
    raise AttributeError(f"module 'luximm_keras' has no attribute {name!r}")
