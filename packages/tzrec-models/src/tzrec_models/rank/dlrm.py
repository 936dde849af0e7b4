"""DLRM: a bottom MLP on dense features, dot interactions with sparse embeddings, a top MLP.

Feature groups (names fixed, as in TorchEasyRec): ``sparse`` (DEEP) is required and all of
its features must share one embedding dimension D; ``dense`` (DEEP) is optional. When the
``dense`` group exists, ``dlrm.dense_mlp`` maps it to a vector of size D (its last
hidden_units value must be D) that joins the sparse embeddings in the interaction; without
it ``dense_mlp`` is not used and only the sparse embeddings interact.

The interaction is every pairwise inner product of the F vectors (the dense vector and the
N sparse embeddings), F (F - 1) / 2 values. The top input concatenates the dense vector, the
interactions and, with ``arch_with_sparse`` (default), the flattened sparse embeddings;
``final`` (optional) then a linear layer turn it into the logits.
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
from tzrec.modules.interaction import DotInteraction
from tzrec.modules.mlp import MLP
from tzrec.protos import model_pb2
from tzrec.protos.models import rank_model_pb2
from tzrec.utils.config_errors import ConfigError

DENSE_GROUP = "dense"
SPARSE_GROUP = "sparse"


class DLRM(RankModel):
    """DLRM (Naumov et al., 2019) configured by ``model_config.dlrm``.

    Args:
        model_config: the pipeline's model_config.
        features: the pipeline's features.
        labels: label columns.
        sample_weights: sample weight columns.
        model_params: ``model_config.dlrm``.

    Raises:
        ConfigError: without a ``sparse`` group, with sparse features of different
            dimensions, with a ``dense`` group but no ``dense_mlp`` or one whose last layer
            is not the sparse dimension, or with too few vectors to interact.
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
        assert isinstance(cfg, rank_model_pb2.DLRM)
        group = self.embedding_group
        if not group.has_group(SPARSE_GROUP):
            raise ConfigError(
                f"model_config.feature_groups: dlrm needs a {SPARSE_GROUP!r} group "
                f"(have {group.group_names()})"
            )
        sparse_dims = group.group_dims(SPARSE_GROUP)
        if len(set(sparse_dims)) != 1:
            dims = group.group_feature_dims(SPARSE_GROUP)
            raise ConfigError(
                f"model_config.feature_groups[{SPARSE_GROUP!r}]: dlrm needs one embedding "
                f"dimension for all sparse features, got {dims}"
            )
        self._sparse_dim = sparse_dims[0]
        self._sparse_count = len(sparse_dims)
        self._arch_with_sparse = bool(cfg.arch_with_sparse)
        self.dense_mlp: MLP | None = None
        if group.has_group(DENSE_GROUP):
            self.dense_mlp = self._build_dense_mlp(cfg, group.group_total_dim(DENSE_GROUP))
        num_vectors = self._sparse_count + (1 if self.dense_mlp is not None else 0)
        try:
            self.interaction = DotInteraction(num_vectors)
        except ValueError as e:
            raise ConfigError(
                f"model_config.feature_groups: dlrm interacts the dense vector and the "
                f"{SPARSE_GROUP!r} embeddings pairwise, but has only {num_vectors} vector"
            ) from e
        top_dim = self.interaction.output_dim()
        if self.dense_mlp is not None:
            top_dim += self._sparse_dim
        if self._arch_with_sparse:
            top_dim += self._sparse_count * self._sparse_dim
        self.final: MLP | None = None
        if cfg.HasField("final"):
            self.final = MLP.from_config(top_dim, cfg.final)
            top_dim = self.final.output_dim()
        self.output = nn.Linear(top_dim, self.num_class)

    def _build_dense_mlp(self, cfg: rank_model_pb2.DLRM, dense_dim: int) -> MLP:
        """The bottom MLP: dense group -> a vector of the sparse embedding dimension."""
        if not cfg.dense_mlp.hidden_units:
            raise ConfigError(
                f"model_config.dlrm.dense_mlp: a {DENSE_GROUP!r} group needs dense_mlp "
                f"hidden_units ending in the sparse embedding dimension {self._sparse_dim}"
            )
        last = int(cfg.dense_mlp.hidden_units[-1])
        if last != self._sparse_dim:
            raise ConfigError(
                f"model_config.dlrm.dense_mlp.hidden_units: the last layer ({last}) must "
                f"equal the {SPARSE_GROUP!r} group's embedding dimension {self._sparse_dim}"
            )
        return MLP.from_config(dense_dim, cfg.dense_mlp)

    def predict(self, batch: Batch) -> dict[str, torch.Tensor]:
        """``logits`` / ``probs`` (or ``y``) of the batch."""
        grouped = self.embedding_group(batch)
        sparse_flat = grouped[SPARSE_GROUP]
        sparse = sparse_flat.reshape(-1, self._sparse_count, self._sparse_dim)
        top: list[torch.Tensor] = []
        if self.dense_mlp is not None:
            dense = self.dense_mlp(grouped[DENSE_GROUP])
            top.append(dense)
            vectors = torch.cat([dense.unsqueeze(1), sparse], dim=1)
        else:
            vectors = sparse
        top.append(self.interaction(vectors))
        if self._arch_with_sparse:
            top.append(sparse_flat)
        net = torch.cat(top, dim=1)
        if self.final is not None:
            net = self.final(net)
        return self._output_to_prediction(self.output(net))
