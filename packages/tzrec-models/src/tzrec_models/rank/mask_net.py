"""MaskNet (Wang et al., 2021): instance-guided masks on the feature embedding.

The model's DEEP feature groups (usually one, e.g. ``all_features``) are concatenated
into the feature embedding, which :class:`~tzrec.modules.mask_net.MaskNetModule` encodes
with ``n_mask_blocks`` MaskBlocks (parallel or serial) and its optional top MLP; a
linear layer gives the ``num_class`` logits.
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
from tzrec.modules.mask_net import MaskNetModule
from tzrec.protos import model_pb2
from tzrec.protos.models import rank_model_pb2
from tzrec.utils.config_errors import ConfigError


class MaskNet(RankModel):
    """MaskNet configured by ``model_config.mask_net``.

    Args:
        model_config: the pipeline's model_config.
        features: the pipeline's features.
        labels: label columns.
        sample_weights: sample weight columns.
        model_params: ``model_config.mask_net``.

    Raises:
        ConfigError: a non-DEEP feature group, or an incomplete ``mask_net_module``.
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
        assert isinstance(cfg, rank_model_pb2.MaskNet)
        field = "model_config.mask_net.mask_net_module"
        self._groups = self.embedding_group.group_names()
        for index, name in enumerate(self._groups):
            if self.embedding_group.group_type(name) != model_pb2.DEEP:
                raise ConfigError(
                    f"mask_net embeds DEEP feature groups only; group '{name}' is not DEEP",
                    field_path=f"model_config.feature_groups[{index}].group_type",
                )
        if not cfg.HasField("mask_net_module"):
            raise ConfigError("set mask_net_module (mask_block, n_mask_blocks)", field_path=field)
        width = sum(self.embedding_group.group_total_dim(name) for name in self._groups)
        try:
            self.mask_net = MaskNetModule(width, cfg.mask_net_module, field)
        except ValueError as e:
            raise ConfigError(str(e)) from e
        self.output = nn.Linear(self.mask_net.output_dim(), self.num_class)

    def predict(self, batch: Batch) -> dict[str, torch.Tensor]:
        """``logits`` / ``probs`` (or ``y``) of the batch."""
        grouped = self.embedding_group(batch)
        embedding = torch.cat([grouped[name] for name in self._groups], dim=-1)
        return self._output_to_prediction(self.output(self.mask_net(embedding)))
