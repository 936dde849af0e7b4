"""WideAndDeep: a wide (first-order, memorizing) part plus a deep MLP (generalizing).

Feature groups (names fixed, as in TorchEasyRec): ``wide`` (WIDE), whose features are
embedded at ``wide_and_deep.wide_embedding_dim`` (initialised by ``wide_init_fn``), and
``deep`` (DEEP), both required.

Without ``final``, the logit is the sum of every wide embedding value plus a linear layer
over the deep MLP's output (the wide term is added to every class's logit). With
``final``, the wide vector (the wide embeddings summed per dimension) and the deep output
are concatenated and go through the final MLP and a linear layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from google.protobuf.message import Message
from torch import nn

from tzrec.datasets.batch import Batch
from tzrec.features.feature import BaseFeature
from tzrec.models.rank_model import RankModel
from tzrec.modules.mlp import MLP
from tzrec.protos import model_pb2
from tzrec.protos.models import rank_model_pb2
from tzrec.utils.config_errors import ConfigError

WIDE_GROUP = "wide"
DEEP_GROUP = "deep"


class WideAndDeep(RankModel):
    """Wide & Deep (Cheng et al., 2016) configured by ``model_config.wide_and_deep``.

    Args:
        model_config: the pipeline's model_config.
        features: the pipeline's features.
        labels: label columns.
        sample_weights: sample weight columns.
        model_params: ``model_config.wide_and_deep``.

    Raises:
        ConfigError: without a ``wide`` or ``deep`` group, or without deep hidden_units.
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
        cfg = self._model_params
        assert isinstance(cfg, rank_model_pb2.WideAndDeep)
        group = self.embedding_group
        for name in (WIDE_GROUP, DEEP_GROUP):
            if not group.has_group(name):
                raise ConfigError(
                    f"model_config.feature_groups: wide_and_deep needs a {name!r} group "
                    f"(have {group.group_names()})"
                )
        if not cfg.deep.hidden_units:
            raise ConfigError("model_config.wide_and_deep.deep: set the deep MLP's hidden_units")
        self._wide_dim = int(cfg.wide_embedding_dim)
        self.deep = MLP.from_config(group.group_total_dim(DEEP_GROUP), cfg.deep)
        deep_dim = self.deep.output_dim()
        self.final: MLP | None = None
        if cfg.HasField("final"):
            self.final = MLP.from_config(self._wide_dim + deep_dim, cfg.final)
            self.output = nn.Linear(self.final.output_dim(), self.num_class)
        else:
            self.output = nn.Linear(deep_dim, self.num_class)

    def predict(self, batch: Batch) -> dict[str, torch.Tensor]:
        """``logits`` / ``probs`` (or ``y``) of the batch."""
        grouped = self.embedding_group(batch)
        wide = grouped[WIDE_GROUP]
        deep = self.deep(grouped[DEEP_GROUP])
        if self.final is not None:
            wide_vec = wide.reshape(wide.shape[0], -1, self._wide_dim).sum(dim=1)
            logits = self.output(self.final(torch.cat([wide_vec, deep], dim=1)))
        else:
            logits = self.output(deep) + wide.sum(dim=1, keepdim=True)
        return self._output_to_prediction(logits)
