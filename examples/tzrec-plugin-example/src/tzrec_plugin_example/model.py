"""TinyNet: the example plugin's model, an MLP over every feature group.

It is a full tzrec model: subclassing :class:`tzrec.models.RankModel` gives it the
embedding lookup, the prediction outputs, losses and metrics, so ``tzrec train`` trains
it like a built-in model. Its own config message (``tzrec_example.TinyNet``) arrives as
``model_params``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from google.protobuf.message import Message
from torch import nn

from tzrec.datasets.batch import Batch
from tzrec.features.feature import BaseFeature
from tzrec.models import RankModel
from tzrec.protos import model_pb2
from tzrec_plugin_example.tinynet_pb2 import TinyNet as TinyNetConfig


class TinyNet(RankModel):
    """An MLP from the concatenated feature groups to the head's logits.

    Args:
        model_config: the pipeline's model_config.
        features: the pipeline's features.
        labels: label columns.
        sample_weights: sample weight columns.
        model_params: the plugin's config message (hidden_units, dropout_ratio).
    """

    def __init__(
        self,
        model_config: model_pb2.ModelConfig,
        features: Sequence[BaseFeature],
        labels: Sequence[str],
        sample_weights: Sequence[str] = (),
        model_params: Message | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(model_config, features, labels, sample_weights, model_params, **kwargs)
        config = model_params if isinstance(model_params, TinyNetConfig) else TinyNetConfig()
        self._groups = self.embedding_group.group_names()
        width = sum(self.embedding_group.group_total_dim(name) for name in self._groups)
        layers: list[nn.Module] = []
        for units in config.hidden_units:
            layers += [nn.Linear(width, units), nn.ReLU()]
            if config.dropout_ratio > 0:
                layers.append(nn.Dropout(config.dropout_ratio))
            width = units
        layers.append(nn.Linear(width, self.num_class))
        self.mlp = nn.Sequential(*layers)

    def predict(self, batch: Batch) -> dict[str, torch.Tensor]:
        """``logits`` and ``probs`` of the batch."""
        grouped = self.embedding_group(batch)
        features = torch.cat([grouped[name] for name in self._groups], dim=1)
        return self._output_to_prediction(self.mlp(features))
