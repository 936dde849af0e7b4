"""DCN v1 (Deep & Cross Network): a cross network and a deep MLP side by side.

One DEEP feature group of any name (TorchEasyRec's examples call it ``features``) is the
input x_0 of both the cross network (``dcn_v1.cross``, :class:`~tzrec.modules.cross.Cross`)
and the deep MLP (``dcn_v1.deep``, required). Their outputs are concatenated and go
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
from tzrec.modules.cross import Cross
from tzrec.modules.embedding import EmbeddingGroup
from tzrec.modules.mlp import MLP
from tzrec.protos import model_pb2
from tzrec.protos.models import rank_model_pb2
from tzrec.utils.config_errors import ConfigError


def single_deep_group(group: EmbeddingGroup, model: str) -> str:
    """The name of the model's only feature group, which must be a DEEP group.

    Args:
        group: the model's embedding group.
        model: the model's config field (e.g. "dcn_v1"), for the error message.

    Returns:
        the group's name.

    Raises:
        ConfigError: when there is not exactly one group, or it is not DEEP.
    """
    names = group.group_names()
    if len(names) != 1:
        raise ConfigError(
            f"model_config.feature_groups: {model} takes exactly one DEEP feature group "
            f"(e.g. 'features'), got {names}"
        )
    name = names[0]
    if group.group_type(name) != model_pb2.DEEP:
        kind = model_pb2.FeatureGroupType.Name(group.group_type(name))
        raise ConfigError(
            f"model_config.feature_groups[{name!r}]: {model} needs a DEEP group, got {kind}"
        )
    return name


class DCNV1(RankModel):
    """DCN (Wang et al., 2017) configured by ``model_config.dcn_v1``.

    Args:
        model_config: the pipeline's model_config.
        features: the pipeline's features.
        labels: label columns.
        sample_weights: sample weight columns.
        model_params: ``model_config.dcn_v1``.

    Raises:
        ConfigError: without exactly one DEEP group, without deep hidden_units, or with
            ``cross.cross_num`` 0.
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
        assert isinstance(cfg, rank_model_pb2.DCNV1)
        self._group_name = single_deep_group(self.embedding_group, "dcn_v1")
        if not cfg.deep.hidden_units:
            raise ConfigError("model_config.dcn_v1.deep: set the deep MLP's hidden_units")
        if cfg.cross.cross_num == 0:
            raise ConfigError("model_config.dcn_v1.cross.cross_num: needs at least 1 layer")
        input_dim = self.embedding_group.group_total_dim(self._group_name)
        self.cross = Cross(input_dim, int(cfg.cross.cross_num))
        self.deep = MLP.from_config(input_dim, cfg.deep)
        top_dim = self.cross.output_dim() + self.deep.output_dim()
        self.final: MLP | None = None
        if cfg.HasField("final"):
            self.final = MLP.from_config(top_dim, cfg.final)
            top_dim = self.final.output_dim()
        self.output = nn.Linear(top_dim, self.num_class)

    def predict(self, batch: Batch) -> dict[str, torch.Tensor]:
        """``logits`` / ``probs`` (or ``y``) of the batch."""
        x0 = self.embedding_group(batch)[self._group_name]
        net = torch.cat([self.cross(x0), self.deep(x0)], dim=1)
        if self.final is not None:
            net = self.final(net)
        return self._output_to_prediction(self.output(net))
