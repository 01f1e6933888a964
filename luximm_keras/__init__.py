"""luximm_keras: timm's building blocks as Keras 3 layers that load timm's weights and give timm's
numbers on TensorFlow, JAX and PyTorch.

Importing this package imports Keras (and so the backend named by `KERAS_BACKEND`); it never imports
torchvision or timm. Where timm is used in the same process (tests, `luximm-keras verify`), import
timm or torch first: importing TensorFlow before torchvision crashes the interpreter.
"""

__version__ = "0.1.0"

from luximm_keras import initializers, interop, layers  # noqa: E402

__all__ = ["__version__", "initializers", "interop", "layers"]
