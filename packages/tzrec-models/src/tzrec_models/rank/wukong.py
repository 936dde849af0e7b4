"""WuKong (Zhang et al., 2024): stacked FM-based interaction layers for dense scaling.

Feature groups (names fixed, as in TorchEasyRec): ``sparse`` (DEEP, required) and
``dense`` (DEEP, optional). Every feature of ``sparse`` contributes one embedding of the
common width D. With a ``dense`` group, ``dense_mlp`` maps its features to a vector whose
width must be a multiple of D; it is split into that many extra embeddings (the
TorchEasyRec criteo example maps 13 values to 128 = 8 x 16). The N embeddings go through
the ``wukong_layers`` in order (:class:`~tzrec.modules.wukong.WuKongLayer`), and the last
layer's output, flattened, through the ``final`` MLP (optional) and a linear layer.
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
from tzrec.modules.wukong import WuKongLayer
from tzrec.protos import model_pb2
from tzrec.protos.models import rank_model_pb2
from tzrec.utils.config_errors import ConfigError

SPARSE_GROUP = "sparse"
DENSE_GROUP = "dense"
_FIELD = "model_config.wukong"


class WuKong(RankModel):
    """WuKong configured by ``model_config.wukong``.

    Args:
        model_config: the pipeline's model_config.
        features: the pipeline's features.
        labels: label columns.
        sample_weights: sample weight columns.
        model_params: ``model_config.wukong``.

    Raises:
        ConfigError: missing ``sparse`` group, other groups, mixed sparse embedding
            widths, a dense_mlp width that is not a multiple of it, or no wukong_layers.
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
        assert isinstance(cfg, rank_model_pb2.WuKong)
        group = self.embedding_group
        self._check_groups()
        dims = group.group_dims(SPARSE_GROUP)
        if len(set(dims)) != 1:
            raise ConfigError(
                f"every feature of the '{SPARSE_GROUP}' group needs the same embedding_dim, got "
                f"{group.group_feature_dims(SPARSE_GROUP)}",
                field_path="model_config.feature_groups",
            )
        self._dim = dims[0]
        self._sparse_num = len(dims)
        self.dense_mlp = self._build_dense_mlp(cfg)
        self._dense_num = self.dense_mlp.output_dim() // self._dim if self.dense_mlp else 0
        if not cfg.wukong_layers:
            raise ConfigError(
                "configure at least one wukong_layers block", field_path=f"{_FIELD}.wukong_layers"
            )
        self.layers = nn.ModuleList()
        feature_num = self._sparse_num + self._dense_num
        for index, layer_cfg in enumerate(cfg.wukong_layers):
            try:
                layer = WuKongLayer(
                    feature_num, self._dim, layer_cfg, f"{_FIELD}.wukong_layers[{index}]"
                )
            except ValueError as e:
                raise ConfigError(str(e)) from e
            self.layers.append(layer)
            feature_num = layer.output_feature_num()
        width = feature_num * self._dim
        self.final: MLP | None = None
        if cfg.HasField("final"):
            if not cfg.final.hidden_units:
                raise ConfigError(
                    "set hidden_units (or leave final out)", field_path=f"{_FIELD}.final"
                )
            self.final = MLP.from_config(width, cfg.final)
            width = self.final.output_dim()
        self.output = nn.Linear(width, self.num_class)

    def _check_groups(self) -> None:
        group = self.embedding_group
        if not group.has_group(SPARSE_GROUP):
            raise ConfigError(
                f"wukong needs a DEEP feature group named '{SPARSE_GROUP}' (and optionally "
                f"'{DENSE_GROUP}'); have {group.group_names()}",
                field_path="model_config.feature_groups",
            )
        for index, name in enumerate(group.group_names()):
            if name not in (SPARSE_GROUP, DENSE_GROUP):
                raise ConfigError(
                    f"wukong uses the groups '{SPARSE_GROUP}' and '{DENSE_GROUP}' only; "
                    f"'{name}' would be ignored",
                    field_path=f"model_config.feature_groups[{index}].group_name",
                )
            if group.group_type(name) != model_pb2.DEEP:
                raise ConfigError(
                    f"wukong's feature group '{name}' must be DEEP",
                    field_path=f"model_config.feature_groups[{index}].group_type",
                )

    def _build_dense_mlp(self, cfg: rank_model_pb2.WuKong) -> MLP | None:
        if not self.embedding_group.has_group(DENSE_GROUP):
            return None
        if not cfg.dense_mlp.hidden_units:
            raise ConfigError(
                f"the '{DENSE_GROUP}' group needs dense_mlp (hidden_units ending in a multiple "
                f"of the sparse embedding_dim {self._dim})",
                field_path=f"{_FIELD}.dense_mlp",
            )
        mlp = MLP.from_config(self.embedding_group.group_total_dim(DENSE_GROUP), cfg.dense_mlp)
        if mlp.output_dim() % self._dim:
            raise ConfigError(
                f"the last hidden_units value {mlp.output_dim()} must be a multiple of the "
                f"sparse embedding_dim {self._dim} (it is split into embeddings of that width)",
                field_path=f"{_FIELD}.dense_mlp.hidden_units",
            )
        return mlp

    def feature_embeddings(self, grouped: dict[str, torch.Tensor]) -> torch.Tensor:
        """The layers' input (B, N, D): sparse embeddings, then the dense_mlp's pieces."""
        embeddings = grouped[SPARSE_GROUP].reshape(-1, self._sparse_num, self._dim)
        if self.dense_mlp is not None:
            dense = self.dense_mlp(grouped[DENSE_GROUP]).reshape(-1, self._dense_num, self._dim)
            embeddings = torch.cat([embeddings, dense], dim=1)
        return embeddings

    def predict(self, batch: Batch) -> dict[str, torch.Tensor]:
        """``logits`` / ``probs`` (or ``y``) of the batch."""
        hidden = self.feature_embeddings(self.embedding_group(batch))
        for layer in self.layers:
            hidden = layer(hidden)
        flat = hidden.flatten(start_dim=1)
        if self.final is not None:
            flat = self.final(flat)
        return self._output_to_prediction(self.output(flat))
