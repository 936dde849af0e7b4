"""TinyNet: the example plugin's model, an MLP built from its own config message."""

from __future__ import annotations

import torch
from torch import nn

from tzrec_plugin_example.tinynet_pb2 import TinyNet as TinyNetConfig


class TinyNet(nn.Module):
    """An MLP from ``input_dim`` to one logit, shaped by a ``TinyNet`` config.

    Args:
        config: the plugin's config message (hidden_units, dropout_ratio).
        input_dim: width of the dense input.

    Example::

        net = TinyNet(TinyNetConfig(hidden_units=[8, 4]), input_dim=3)
        net(torch.zeros(2, 3)).shape  # torch.Size([2, 1])
    """

    def __init__(self, config: TinyNetConfig, input_dim: int) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        width = input_dim
        for units in config.hidden_units:
            layers += [nn.Linear(width, units), nn.ReLU()]
            if config.dropout_ratio > 0:
                layers.append(nn.Dropout(config.dropout_ratio))
            width = units
        layers.append(nn.Linear(width, 1))
        self.mlp = nn.Sequential(*layers)

    def forward(self, dense: torch.Tensor) -> torch.Tensor:
        """Logits of shape (batch, 1) for a (batch, input_dim) dense input."""
        return self.mlp(dense)
