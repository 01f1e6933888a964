"""timm's module as a `torch.fx` graph, traced with timm's own FX settings.

Reference: timm/layers/_fx.py (`_leaf_modules`, `_autowrap_functions`: the modules and functions
timm marks as not traceable, which its feature extraction keeps whole).
"""

from __future__ import annotations


def trace(module):
    """`torch.fx.GraphModule` of `module`: PyTorch's own layers stay whole (one `call_module` node
    each), timm's registered functions one `call_function` node each, everything else traced
    through to functions and tensor methods. timm's leaf modules are traced through too where one
    traces on its own (timm keeps some whole for its feature extraction only, as `ConvMlp`); the
    others stay whole, for a mapping of their own."""
    import torch.fx
    from timm.layers import _fx

    leaves = tuple(cls for cls in _fx._leaf_modules if not _traces_alone(module, cls))

    class TimmTracer(torch.fx.Tracer):
        def is_leaf_module(self, m, qualified_name):
            return isinstance(m, leaves) or super().is_leaf_module(m, qualified_name)

    tracer = TimmTracer(autowrap_functions=tuple(_fx._autowrap_functions))
    graph = tracer.trace(module)
    return torch.fx.GraphModule(tracer.root, graph, type(module).__name__)


def _traces_alone(model, leaf_class) -> bool:
    """Whether every instance of `leaf_class` in `model` traces with PyTorch's default tracer."""
    import torch.fx
    from timm.layers import _fx

    instances = [m for m in model.modules() if type(m) is leaf_class]
    if not instances:
        return True
    for instance in instances:
        try:
            torch.fx.Tracer(autowrap_functions=tuple(_fx._autowrap_functions)).trace(instance)
        except Exception:  # noqa: BLE001 (any failure: timm's reason to keep it whole holds)
            return False
    return True
