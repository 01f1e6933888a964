"""timm's module as a `torch.fx` graph, traced with timm's own FX settings.

Reference: timm/layers/_fx.py (`_leaf_modules`, `_autowrap_functions`: the modules and functions
timm marks as not traceable, which its feature extraction keeps whole).
"""

from __future__ import annotations


def trace(module):
    """`torch.fx.GraphModule` of `module`: PyTorch's own layers and the modules timm registers as
    leaves stay whole (one `call_module` node each), timm's registered functions one `call_function`
    node each, everything else traced through to functions and tensor methods."""
    import torch.fx
    from timm.layers import _fx

    leaves = tuple(_fx._leaf_modules)

    class TimmTracer(torch.fx.Tracer):
        def is_leaf_module(self, m, qualified_name):
            return isinstance(m, leaves) or super().is_leaf_module(m, qualified_name)

    tracer = TimmTracer(autowrap_functions=tuple(_fx._autowrap_functions))
    graph = tracer.trace(module)
    return torch.fx.GraphModule(tracer.root, graph, type(module).__name__)
