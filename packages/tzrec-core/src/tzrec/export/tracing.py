"""A model as a TorchScript program: FX-trace its ScriptWrapper, then script the graph.

The program takes the flat ``dict[str, Tensor]`` of
:meth:`~tzrec.datasets.batch.Batch.to_dict` and returns the prediction dict.
``torchrec.fx.symbolic_trace`` records what the model does with its inputs (TorchRec's
KeyedJaggedTensor operations stay calls into TorchRec's scriptable code), and
``torch.jit.script`` compiles the recorded graph.

What keeps a model traceable (for model and module authors):

- no Python control flow on tensor values or shapes (``if x.dim() == 2``,
  ``int(t)``, ``t.tolist()``); decide from configuration instead, or move the shape
  logic into a module-level function marked ``torch.fx.wrap("name")``, which the
  tracer records as one call (it must itself be scriptable);
- do not iterate a dict or list that came out of a TorchRec module or KJT (``to_dict()``
  results are proxies while tracing): index it with keys known from the config;
- checks that must survive export: a ``torch.fx.wrap``-ed function that raises.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Dict  # noqa: UP035  (TorchScript reads typing.Dict annotations)

import torch
import torchrec

from tzrec.features.feature import BaseFeature
from tzrec.models.base_model import BaseModel
from tzrec.models.wrappers import ScriptWrapper


def trace_model(model: BaseModel, features: Sequence[BaseFeature]) -> torch.fx.GraphModule:
    """The FX graph of ``ScriptWrapper(model, features)`` in serving mode, typed for TorchScript.

    The model is traced with :meth:`BaseModel.set_serving` on (the served outputs
    only) and left in the serving mode it was in.

    Args:
        model: the model (unsharded, eval mode).
        features: the features whose values the program takes (the parser's output
            features: stub features are not inputs).
    """
    wrapper = ScriptWrapper(model, features)
    wrapper.eval()
    was_serving = model.serving
    model.set_serving(True)
    try:
        graph_module = torchrec.fx.symbolic_trace(wrapper)
    finally:
        model.set_serving(was_serving)
    # With postponed annotations the traced signature would carry the string
    # "dict[str, torch.Tensor]"; TorchScript needs the typing form.
    for node in graph_module.graph.nodes:
        if node.op in ("placeholder", "output"):
            node.type = Dict[str, torch.Tensor]  # noqa: UP006
    graph_module.recompile()
    return graph_module


def script_model(model: BaseModel, features: Sequence[BaseFeature]) -> torch.jit.ScriptModule:
    """``model``'s serving outputs as a TorchScript program over :meth:`Batch.to_dict` inputs."""
    scripted = torch.jit.script(trace_model(model, features))
    assert isinstance(scripted, torch.jit.ScriptModule)
    return scripted
