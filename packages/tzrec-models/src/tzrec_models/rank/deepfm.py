"""DeepFM: a wide (first-order) part, a factorization machine and a deep MLP.

Feature groups (names fixed, as in TorchEasyRec): ``wide`` (WIDE) and ``deep`` (DEEP)
are required; ``fm`` (DEEP) is optional and defaults to the deep group's features. The
FM needs every feature of its group to have one embedding dimension.

Without ``final``, the logit is the sum of the wide part (the sum of every wide
embedding), the FM's second-order term (summed over the embedding dimension) and a
linear layer over the deep MLP's output. With ``final``, the wide vector (the wide
embeddings summed per dimension), the FM vector and the deep output are concatenated
and go through the final MLP and a linear layer.
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
from tzrec.modules.fm import FactorizationMachine
from tzrec.modules.mlp import MLP
from tzrec.protos import model_pb2
from tzrec.protos.models import rank_model_pb2
from tzrec.utils.config_errors import ConfigError

WIDE_GROUP = "wide"
FM_GROUP = "fm"
DEEP_GROUP = "deep"


class DeepFM(RankModel):
    """DeepFM (Guo et al., 2017) configured by ``model_config.deepfm``.

    Args:
        model_config: the pipeline's model_config.
        features: the pipeline's features.
        labels: label columns.
        sample_weights: sample weight columns.
        model_params: ``model_config.deepfm``.
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
        assert isinstance(cfg, rank_model_pb2.DeepFM)
        group = self.embedding_group
        for name in (WIDE_GROUP, DEEP_GROUP):
            if not group.has_group(name):
                raise ConfigError(f"model_config.feature_groups: deepfm needs a {name!r} group")
        if not cfg.deep.hidden_units:
            raise ConfigError("model_config.deepfm.deep: set the deep MLP's hidden_units")
        self._fm_group = FM_GROUP if group.has_group(FM_GROUP) else DEEP_GROUP
        fm_dims = set(group.group_dims(self._fm_group))
        if len(fm_dims) != 1:
            raise ConfigError(
                f"model_config.feature_groups[{self._fm_group!r}]: the FM needs one embedding "
                f"dimension for all its features, got {sorted(fm_dims)}"
            )
        self._fm_dim = fm_dims.pop()
        self._fm_count = len(group.group_dims(self._fm_group))
        self._wide_dim = int(cfg.wide_embedding_dim)
        self.fm = FactorizationMachine()
        self.deep = MLP.from_config(group.group_total_dim(DEEP_GROUP), cfg.deep)
        deep_dim = self.deep.output_dim()
        self.final: MLP | None = None
        if cfg.HasField("final"):
            self.final = MLP.from_config(self._wide_dim + self._fm_dim + deep_dim, cfg.final)
            self.output = nn.Linear(self.final.output_dim(), self.num_class)
        else:
            self.output = nn.Linear(deep_dim, self.num_class)

    def predict(self, batch: Batch) -> dict[str, torch.Tensor]:
        """``logits`` / ``probs`` (or ``y``) of the batch."""
        grouped = self.embedding_group(batch)
        wide = grouped[WIDE_GROUP]
        wide_vec = wide.reshape(wide.shape[0], -1, self._wide_dim).sum(dim=1)
        fm_in = grouped[self._fm_group].reshape(-1, self._fm_count, self._fm_dim)
        fm_vec = self.fm(fm_in)
        deep = self.deep(grouped[DEEP_GROUP])
        if self.final is not None:
            logits = self.output(self.final(torch.cat([wide_vec, fm_vec, deep], dim=1)))
        else:
            first_and_second = (wide_vec.sum(dim=1) + fm_vec.sum(dim=1)).unsqueeze(1)
            logits = self.output(deep) + first_and_second
        return self._output_to_prediction(logits)
