"""MultiTowerDIN (DIN, Zhou et al., 2018): MLP towers plus DIN target-attention towers.

``towers`` are MultiTower's MLP towers on DEEP groups. Each ``din_towers`` entry names a
SEQUENCE feature group: its non-sequence features (e.g. the candidate's ``adgroup_id``,
``cate_id``) form the query, its sequence features (``click_50_seq__adgroup_id``, ...)
the behaviour sequence, listed in the same order so that query and item line up. The
tower scores each valid step with the attention MLP on ``[q, s, q - s, q * s]``,
normalises the scores with a softmax over the row's valid steps (padding gets weight
0) and returns the weighted sum of the steps (:class:`~tzrec.modules.sequence_encoders.
DINEncoder`). All tower outputs are concatenated into the ``final`` MLP and a linear
layer.
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
from tzrec.modules.embedding import EmbeddingGroup
from tzrec.modules.sequence_encoders import DINEncoder
from tzrec.protos import model_pb2, tower_pb2
from tzrec.protos.models import rank_model_pb2
from tzrec.utils.config_errors import ConfigError
from tzrec_models.rank.multi_tower import FinalHead, build_mlp_towers, check_group, final_config


def build_din_towers(
    group: EmbeddingGroup, towers: Sequence[tower_pb2.DINTower], field: str
) -> tuple[nn.ModuleList, list[str], int]:
    """One DINEncoder per ``DINTower`` on its SEQUENCE group.

    Returns:
        The encoders, their groups' names in the same order, and their total width.

    Raises:
        ConfigError: a tower naming a missing or non-SEQUENCE group, a group without
            query features or with a query wider than its sequence, or no attn_mlp.
    """
    encoders = nn.ModuleList()
    inputs: list[str] = []
    width = 0
    for index, tower in enumerate(towers):
        path = f"{field}[{index}]"
        check_group(group, tower.input, model_pb2.SEQUENCE, path)
        if not tower.attn_mlp.hidden_units:
            raise ConfigError("set the attention MLP's hidden_units", field_path=f"{path}.attn_mlp")
        query_dim = group.group_query_dim(tower.input)
        sequence_dim = group.group_sequence_dim(tower.input)
        if query_dim == 0:
            raise ConfigError(
                f"SEQUENCE group '{tower.input}' has no query features: list the target "
                "item's features (e.g. adgroup_id) before their sequence counterparts",
                field_path=f"{path}.input",
            )
        try:
            encoder = DINEncoder(query_dim, sequence_dim, tower.attn_mlp)
        except ValueError as e:
            raise ConfigError(f"group '{tower.input}': {e}", field_path=path) from e
        encoders.append(encoder)
        inputs.append(tower.input)
        width += encoder.output_dim()
    return encoders, inputs, width


class MultiTowerDIN(RankModel):
    """MultiTowerDIN configured by ``model_config.multi_tower_din``.

    Args:
        model_config: the pipeline's model_config.
        features: the pipeline's features.
        labels: label columns.
        sample_weights: sample weight columns.
        model_params: ``model_config.multi_tower_din``.

    Raises:
        ConfigError: no tower at all, or a tower the groups cannot feed.
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
        assert isinstance(cfg, rank_model_pb2.MultiTowerDIN)
        field = "model_config.multi_tower_din"
        if not cfg.towers and not cfg.din_towers:
            raise ConfigError(
                "configure towers (on DEEP groups) and/or din_towers (on SEQUENCE groups)",
                field_path=f"{field}.din_towers",
            )
        self.towers, self._tower_inputs, tower_width = build_mlp_towers(
            self.embedding_group, cfg.towers, f"{field}.towers"
        )
        self.din_towers, self._din_inputs, din_width = build_din_towers(
            self.embedding_group, cfg.din_towers, f"{field}.din_towers"
        )
        self.head = FinalHead(tower_width + din_width, final_config(cfg, field), self.num_class)

    def din_tower_outputs(self, grouped: dict[str, torch.Tensor]) -> list[torch.Tensor]:
        """Each DIN tower's attention-pooled sequence (B, Ds) from the grouped embeddings."""
        return [
            encoder(
                grouped[f"{name}.query"],
                grouped[f"{name}.sequence"],
                grouped[f"{name}.sequence_length"],
            )
            for encoder, name in zip(self.din_towers, self._din_inputs, strict=True)
        ]

    def predict(self, batch: Batch) -> dict[str, torch.Tensor]:
        """``logits`` / ``probs`` (or ``y``) of the batch."""
        grouped = self.embedding_group(batch)
        outputs = [
            tower(grouped[name])
            for tower, name in zip(self.towers, self._tower_inputs, strict=True)
        ]
        outputs.extend(self.din_tower_outputs(grouped))
        return self._output_to_prediction(self.head(torch.cat(outputs, dim=-1)))
