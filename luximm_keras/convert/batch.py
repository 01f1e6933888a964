"""The batch size of a converted model: unknown when the model is built, so shape arithmetic that
involves it (`B, N, C = x.shape; x.reshape(B * N, C)`) is carried as a multiple of it and becomes
the one `-1` of a reshape."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class BatchMultiple:
    """`factor` times the batch size; `source`, a symbolic tensor whose first axis is the batch
    (what broadcasting to the batch size needs)."""

    factor: int = 1
    source: object = field(default=None, compare=False, repr=False)

    def __mul__(self, other):
        if isinstance(other, int):
            return BatchMultiple(self.factor * other, self.source)
        return NotImplemented

    __rmul__ = __mul__

    def __floordiv__(self, other):
        if isinstance(other, int) and self.factor % other == 0:
            return BatchMultiple(self.factor // other, self.source)
        if isinstance(other, BatchMultiple):  # (k B) // (m B): a plain number
            return self.factor // other.factor
        return NotImplemented

    def __index__(self):
        raise TypeError("the batch size is not known when the model is built")


# The multiple of the batch size a symbolic tensor's unknown axis holds, kept on the tensor itself:
# a reshape to `(B * 4, N, C)` makes a tensor of 4 rows per example, and its later `view(B, 4, N, -1)`
# must know that to compute the -1.
_FACTOR = "_luximm_batch_factor"


def batch_factor(x) -> int:
    return getattr(x, _FACTOR, 1)


def set_batch_factor(x, factor: int) -> None:
    setattr(x, _FACTOR, int(factor))


def inherit_batch_factor(result, inputs) -> None:
    """Results an operation left unmarked take the batch factor of its first input with an unknown
    axis (elementwise operations, convolutions, permutes keep it; reshapes set their own)."""
    import keras

    sources = [v for v in inputs if isinstance(v, keras.KerasTensor) and None in v.shape]
    if not sources:
        return
    outputs = result if isinstance(result, (tuple, list)) else (result,)
    for out in outputs:
        if isinstance(out, keras.KerasTensor) and None in out.shape and not hasattr(out, _FACTOR):
            set_batch_factor(out, batch_factor(sources[0]))


def resolve_shape(shape, per_example: int) -> tuple[int, ...]:
    """A target shape for `reshape` without batch multiples: the one holding the batch becomes -1,
    a `-1` beside it is computed from the input's element count per example (`per_example`: per
    unit of the batch size, whatever multiple of it the input's unknown axis holds)."""
    batch = [i for i, d in enumerate(shape) if isinstance(d, BatchMultiple)]
    if not batch:
        return tuple(int(d) for d in shape)
    if len(batch) > 1:
        raise ValueError(f"reshape to {shape}: more than one dimension carries the batch size")
    (at,) = batch
    known = 1
    for i, d in enumerate(shape):
        if i != at and d != -1:
            known *= int(d)
    if -1 in shape:
        free = per_example // (shape[at].factor * known)
        shape = tuple(free if d == -1 else d for d in shape)
    return tuple(-1 if i == at else int(d) for i, d in enumerate(shape))
