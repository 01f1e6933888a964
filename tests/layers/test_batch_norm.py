"""`BatchNorm2D` in training against PyTorch's batch norm: the output, the input and parameter
gradients and the running statistics, on maps whose channels sit far from zero against their spread
(as after a ReLU and a 1x1 conv in MobileNets), where float32 statistics lose digits that a batch
norm's training gradient amplifies."""

from __future__ import annotations

import numpy as np
import pytest
import torch  # the oracle before keras: TensorFlow before torchvision segfaults

import keras
from luximm_keras.layers.batch_norm import BatchNorm2D

BACKEND = keras.backend.backend()
SHAPE = (4, 8, 8, 6)  # NHWC: 256 values per channel


def _case(seed: int = 0):
    rng = np.random.default_rng(seed)
    # Channel means 100-1000 times their spread; the incoming gradient with a large constant part per
    # channel (which the norm removes: the input gradient is much smaller than the incoming one).
    x = (rng.uniform(100, 1000, SHAPE[-1]) + rng.standard_normal(SHAPE)).astype("float32")
    g = (rng.uniform(-100, 100, SHAPE[-1]) + rng.standard_normal(SHAPE)).astype("float32")
    gamma = rng.uniform(0.5, 1.5, SHAPE[-1]).astype("float32")
    beta = rng.standard_normal(SHAPE[-1]).astype("float32")
    return x, g, gamma, beta


def _torch_step(x, g, gamma, beta, dtype):
    """PyTorch's training batch norm in `dtype`: output, input/weight/bias gradients, running stats."""
    xt = torch.from_numpy(x).permute(0, 3, 1, 2).to(dtype).requires_grad_()
    norm = torch.nn.BatchNorm2d(x.shape[-1], eps=1e-5, momentum=0.1).to(dtype).train()
    with torch.no_grad():
        norm.weight.copy_(torch.from_numpy(gamma))
        norm.bias.copy_(torch.from_numpy(beta))
    y = norm(xt)
    (y * torch.from_numpy(g).permute(0, 3, 1, 2).to(dtype)).sum().backward()
    nhwc = lambda t: t.detach().permute(0, 2, 3, 1).double().numpy()  # noqa: E731
    return {"y": nhwc(y), "dx": nhwc(xt.grad), "dgamma": norm.weight.grad.double().numpy(),
            "dbeta": norm.bias.grad.double().numpy(), "mean": norm.running_mean.double().numpy(),
            "var": norm.running_var.double().numpy()}


def _ours(x, g, gamma, beta):
    layer = BatchNorm2D(epsilon=1e-5, momentum=0.9)
    layer.build(SHAPE)
    layer.gamma.assign(gamma)
    layer.beta.assign(beta)
    if BACKEND == "torch":
        xt = torch.from_numpy(x).requires_grad_()
        y = layer(xt, training=True)
        (y * torch.from_numpy(g)).sum().backward()
        dx, dgamma, dbeta = xt.grad.numpy(), layer.gamma.value.grad.numpy(), layer.beta.value.grad.numpy()
        y = y.detach().numpy()
    elif BACKEND == "tensorflow":
        import tensorflow as tf

        xt = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            y = layer(xt, training=True)
            loss = tf.reduce_sum(y * g)
        dx, dgamma, dbeta = (t.numpy() for t in tape.gradient(loss, [xt, layer.gamma.value, layer.beta.value]))
        y = y.numpy()
    else:
        import jax

        def loss(xv, gv, bv):
            y, updates = layer.stateless_call([gv, bv], [layer.moving_mean.value, layer.moving_variance.value], xv,
                                              training=True)
            return (y * g).sum(), (y, updates)

        (_, (y, updates)), (dx, dgamma, dbeta) = jax.value_and_grad(loss, argnums=(0, 1, 2), has_aux=True)(
            x, layer.gamma.value, layer.beta.value)
        layer.moving_mean.assign(updates[0])
        layer.moving_variance.assign(updates[1])
    as64 = lambda v: np.asarray(keras.ops.convert_to_numpy(v), dtype="float64")  # noqa: E731
    return {"y": as64(y), "dx": as64(dx), "dgamma": as64(dgamma), "dbeta": as64(dbeta),
            "mean": as64(layer.moving_mean), "var": as64(layer.moving_variance)}


# The scale's gradient sums the incoming gradient's large constant part against normalised values
# of mean zero: float32 summation alone leaves up to 6e-5 there, in whatever order a backend adds.
TOLERANCE = {"dgamma": 2e-4}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_training_matches_pytorch_in_float64(seed):
    """Each quantity within 2e-5 of PyTorch's float64 step (the norm of the error over the norm of
    the value; the scale's gradient 2e-4). PyTorch's own float32 misses by more here (its output by
    6e-5, its input gradient by 4e-3, its scale's gradient by 13%); centring the values only once,
    as this layer did before, missed the input gradient by 2e-3 and the scale's by 5%."""
    case = _case(seed)
    exact = _torch_step(*case, torch.float64)
    ours = _ours(*case)
    for key, want in exact.items():
        error = float(np.linalg.norm(ours[key] - want) / np.linalg.norm(want))
        assert error <= TOLERANCE.get(key, 2e-5), f"{key}: off PyTorch's float64 by {error:.3g} of its size"
