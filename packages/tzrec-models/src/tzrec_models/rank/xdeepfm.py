"""xDeepFM: a wide (first-order) part, a Compressed Interaction Network and a deep MLP.

Feature groups (names fixed, as in TorchEasyRec): ``wide`` (WIDE), embedded at
``xdeepfm.wide_embedding_dim`` (initialised by ``wide_init_fn``), and ``deep`` (DEEP), both
required. The deep group's embeddings are the CIN's fields, so they must share one
dimension; the same group, flattened, is the deep MLP's input.

Without ``final``, the logit is the sum of every wide embedding value plus a linear layer
over the concatenated CIN and deep outputs (the paper's output unit; the wide term is added
to every class's logit). With ``final``, the wide vector (the wide embeddings summed per
dimension), the CIN output and the deep output are concatenated and go through the final
MLP and a linear layer.
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
from tzrec.modules.cin import CIN
from tzrec.modules.mlp import MLP
from tzrec.protos import model_pb2
from tzrec.protos.models import rank_model_pb2
from tzrec.utils.config_errors import ConfigError

WIDE_GROUP = "wide"
DEEP_GROUP = "deep"


class xDeepFM(RankModel):  # noqa: N801 - TorchEasyRec's (and the registry's) class name
    """xDeepFM (Lian et al., 2018) configured by ``model_config.xdeepfm``.

    Args:
        model_config: the pipeline's model_config.
        features: the pipeline's features.
        labels: label columns.
        sample_weights: sample weight columns.
        model_params: ``model_config.xdeepfm``.

    Raises:
        ConfigError: without a ``wide`` or ``deep`` group, with deep features of different
            dimensions, or without ``cin.cin_layer_size`` or deep hidden_units.
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
        assert isinstance(cfg, rank_model_pb2.xDeepFM)
        group = self.embedding_group
        for name in (WIDE_GROUP, DEEP_GROUP):
            if not group.has_group(name):
                raise ConfigError(
                    f"model_config.feature_groups: xdeepfm needs a {name!r} group "
                    f"(have {group.group_names()})"
                )
        if not cfg.cin.cin_layer_size:
            raise ConfigError(
                "model_config.xdeepfm.cin.cin_layer_size: set the CIN's feature maps per layer"
            )
        if not cfg.deep.hidden_units:
            raise ConfigError("model_config.xdeepfm.deep: set the deep MLP's hidden_units")
        deep_dims = group.group_dims(DEEP_GROUP)
        if len(set(deep_dims)) != 1:
            raise ConfigError(
                f"model_config.feature_groups[{DEEP_GROUP!r}]: the CIN needs one embedding "
                f"dimension for all its features, got {group.group_feature_dims(DEEP_GROUP)}"
            )
        self._field_dim = deep_dims[0]
        self._field_count = len(deep_dims)
        self._wide_dim = int(cfg.wide_embedding_dim)
        self.cin = CIN(self._field_count, list(cfg.cin.cin_layer_size))
        self.deep = MLP.from_config(group.group_total_dim(DEEP_GROUP), cfg.deep)
        top_dim = self.cin.output_dim() + self.deep.output_dim()
        self.final: MLP | None = None
        if cfg.HasField("final"):
            self.final = MLP.from_config(self._wide_dim + top_dim, cfg.final)
            top_dim = self.final.output_dim()
        self.output = nn.Linear(top_dim, self.num_class)

    def predict(self, batch: Batch) -> dict[str, torch.Tensor]:
        """``logits`` / ``probs`` (or ``y``) of the batch."""
        grouped = self.embedding_group(batch)
        wide = grouped[WIDE_GROUP]
        deep_in = grouped[DEEP_GROUP]
        fields = deep_in.reshape(-1, self._field_count, self._field_dim)
        net = torch.cat([self.cin(fields), self.deep(deep_in)], dim=1)
        if self.final is not None:
            wide_vec = wide.reshape(wide.shape[0], -1, self._wide_dim).sum(dim=1)
            return self._output_to_prediction(
                self.output(self.final(torch.cat([wide_vec, net], dim=1)))
            )
        logits = self.output(net) + wide.sum(dim=1, keepdim=True)
        return self._output_to_prediction(logits)
