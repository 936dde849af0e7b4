"""DCN v2: a (low-rank) matrix cross network and an optional deep MLP side by side.

One DEEP feature group of any name is the input; ``dcn_v2.backbone`` (optional) first maps
it through an MLP. The result x_0 feeds the cross network (``dcn_v2.cross``,
:class:`~tzrec.modules.cross.CrossV2` with ``cross_num`` layers of rank ``low_rank``) and,
when configured, the deep MLP (``dcn_v2.deep``); their outputs are concatenated and go
through ``final`` (optional) and a linear layer to the logits.
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
from tzrec.modules.cross import CrossV2
from tzrec.modules.mlp import MLP
from tzrec.protos import model_pb2
from tzrec.protos.models import rank_model_pb2
from tzrec.utils.config_errors import ConfigError
from tzrec_models.rank.dcn_v1 import single_deep_group


class DCNV2(RankModel):
    """DCN-V2 (Wang et al., 2020) configured by ``model_config.dcn_v2``.

    Args:
        model_config: the pipeline's model_config.
        features: the pipeline's features.
        labels: label columns.
        sample_weights: sample weight columns.
        model_params: ``model_config.dcn_v2``.

    Raises:
        ConfigError: without exactly one DEEP group, or with ``cross.cross_num`` 0.
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
        assert isinstance(cfg, rank_model_pb2.DCNV2)
        self._group_name = single_deep_group(self.embedding_group, "dcn_v2")
        if cfg.cross.cross_num == 0:
            raise ConfigError("model_config.dcn_v2.cross.cross_num: needs at least 1 layer")
        input_dim = self.embedding_group.group_total_dim(self._group_name)
        self.backbone: MLP | None = None
        if cfg.HasField("backbone"):
            self.backbone = MLP.from_config(input_dim, cfg.backbone)
            input_dim = self.backbone.output_dim()
        self.cross = CrossV2(input_dim, int(cfg.cross.cross_num), int(cfg.cross.low_rank))
        top_dim = self.cross.output_dim()
        self.deep: MLP | None = None
        if cfg.HasField("deep"):
            self.deep = MLP.from_config(input_dim, cfg.deep)
            top_dim += self.deep.output_dim()
        self.final: MLP | None = None
        if cfg.HasField("final"):
            self.final = MLP.from_config(top_dim, cfg.final)
            top_dim = self.final.output_dim()
        self.output = nn.Linear(top_dim, self.num_class)

    def predict(self, batch: Batch) -> dict[str, torch.Tensor]:
        """``logits`` / ``probs`` (or ``y``) of the batch."""
        x0 = self.embedding_group(batch)[self._group_name]
        if self.backbone is not None:
            x0 = self.backbone(x0)
        net = self.cross(x0)
        if self.deep is not None:
            net = torch.cat([net, self.deep(x0)], dim=1)
        if self.final is not None:
            net = self.final(net)
        return self._output_to_prediction(self.output(net))
