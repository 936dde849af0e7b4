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
from tzrec.utils.config_errors import ConfigError


def check_exportable(features: Sequence[BaseFeature]) -> None:
    """Fail, naming the feature, on inputs the flat export interface cannot carry.

    Raises:
        ConfigError: a sequence feature with several ids per step (its per-step id
            counts are not among :meth:`Batch.to_dict`'s tensors).
    """
    for feature in features:
        if feature.is_sparse and feature.is_sequence and feature.value_dim != 1:
            raise ConfigError(
                f"feature '{feature.name}' is a sequence with several ids per step, which "
                "export cannot carry yet (Batch.to_dict has no per-step id counts); give "
                "it value_dim: 1 to export the model",
                field_path="feature_configs",
            )


def trace_model(model: BaseModel, features: Sequence[BaseFeature]) -> torch.fx.GraphModule:
    """The FX graph of ``ScriptWrapper(model, features)``, typed for TorchScript.

    Args:
        model: the model (unsharded, eval mode).
        features: the features whose values the program takes (the parser's output
            features: stub features are not inputs).
    """
    check_exportable(features)
    wrapper = ScriptWrapper(model, features)
    wrapper.eval()
    graph_module = torchrec.fx.symbolic_trace(wrapper)
    # With postponed annotations the traced signature would carry the string
    # "dict[str, torch.Tensor]"; TorchScript needs the typing form.
    for node in graph_module.graph.nodes:
        if node.op in ("placeholder", "output"):
            node.type = Dict[str, torch.Tensor]  # noqa: UP006
    graph_module.recompile()
    return graph_module


def script_model(model: BaseModel, features: Sequence[BaseFeature]) -> torch.jit.ScriptModule:
    """``model`` as a TorchScript program over :meth:`Batch.to_dict` inputs."""
    scripted = torch.jit.script(trace_model(model, features))
    assert isinstance(scripted, torch.jit.ScriptModule)
    return scripted
