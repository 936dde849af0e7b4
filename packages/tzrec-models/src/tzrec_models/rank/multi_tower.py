"""MultiTower: one MLP tower per DEEP feature group, concatenated into a final MLP.

Each ``towers`` entry names a DEEP feature group (``input``) and the MLP applied to it,
so groups may mix embedding dimensions freely (there is no FM). The tower outputs are
concatenated, go through the optional ``final`` MLP, and a linear layer gives the
``num_class`` logits.

:func:`build_mlp_towers` and :class:`FinalHead` are shared with MultiTowerDIN.
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
from tzrec.modules.mlp import MLP
from tzrec.protos import model_pb2, module_pb2, tower_pb2
from tzrec.protos.models import rank_model_pb2
from tzrec.utils.config_errors import ConfigError, closest_names


def check_group(
    group: EmbeddingGroup,
    name: str,
    wanted: int,
    field: str,
) -> None:
    """Raise a ConfigError unless ``name`` is a feature group of type ``wanted``.

    Args:
        group: the model's embedding group.
        name: the group name the config refers to.
        wanted: the group type (a model_pb2.FeatureGroupType value) the block needs.
        field: the config path of the reference, e.g. ``model_config.multi_tower.towers[0]``.
    """
    wanted_name = model_pb2.FeatureGroupType.Name(wanted)
    if not name:
        raise ConfigError(
            f"set input to the group_name of a {wanted_name} feature group",
            field_path=f"{field}.input",
        )
    if not group.has_group(name):
        raise ConfigError(
            f"no feature group named '{name}' (have {group.group_names()})",
            field_path=f"{field}.input",
            suggestions=closest_names(name, group.group_names()),
        )
    actual = group.group_type(name)
    if actual != wanted:
        raise ConfigError(
            f"feature group '{name}' is a {model_pb2.FeatureGroupType.Name(actual)} group; "
            f"this tower needs a {wanted_name} group",
            field_path=f"{field}.input",
        )


def build_mlp_towers(
    group: EmbeddingGroup, towers: Sequence[tower_pb2.Tower], field: str
) -> tuple[nn.ModuleList, list[str], int]:
    """One MLP per ``Tower`` on its DEEP group.

    Returns:
        The MLPs, their groups' names in the same order, and their total output width.

    Args:
        group: the model's embedding group.
        towers: the ``towers`` entries of the model config.
        field: the config path of the towers, e.g. ``model_config.multi_tower.towers``.

    Raises:
        ConfigError: a tower naming a missing or non-DEEP group, or without an MLP.
    """
    modules = nn.ModuleList()
    inputs: list[str] = []
    width = 0
    for index, tower in enumerate(towers):
        path = f"{field}[{index}]"
        check_group(group, tower.input, model_pb2.DEEP, path)
        if not tower.mlp.hidden_units:
            raise ConfigError("set the tower's mlp hidden_units", field_path=f"{path}.mlp")
        mlp = MLP.from_config(group.group_total_dim(tower.input), tower.mlp)
        modules.append(mlp)
        inputs.append(tower.input)
        width += mlp.output_dim()
    return modules, inputs, width


class FinalHead(nn.Module):
    """The optional ``final`` MLP and the linear layer to ``num_class`` logits.

    Args:
        in_features: width of the concatenated tower outputs.
        final: the ``final`` MLP config, or None for a linear layer only.
        num_class: number of logits.
    """

    def __init__(self, in_features: int, final: module_pb2.MLP | None, num_class: int) -> None:
        super().__init__()
        self.final: MLP | None = None
        if final is not None:
            self.final = MLP.from_config(in_features, final)
            in_features = self.final.output_dim()
        self.output = nn.Linear(in_features, num_class)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """Logits (B, num_class) of ``hidden`` (B, in_features)."""
        if self.final is not None:
            hidden = self.final(hidden)
        return self.output(hidden)


def final_config(
    params: rank_model_pb2.MultiTower | rank_model_pb2.MultiTowerDIN, field: str
) -> module_pb2.MLP | None:
    """The model's ``final`` MLP config when set, None when absent.

    Raises:
        ConfigError: a ``final`` block without hidden_units.
    """
    if not params.HasField("final"):
        return None
    if not params.final.hidden_units:
        raise ConfigError("set hidden_units (or leave final out)", field_path=f"{field}.final")
    return params.final


class MultiTower(RankModel):
    """MultiTower configured by ``model_config.multi_tower``.

    Args:
        model_config: the pipeline's model_config.
        features: the pipeline's features.
        labels: label columns.
        sample_weights: sample weight columns.
        model_params: ``model_config.multi_tower``.

    Raises:
        ConfigError: no towers, a tower on a missing / non-DEEP group or without an MLP.
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
        assert isinstance(cfg, rank_model_pb2.MultiTower)
        field = "model_config.multi_tower"
        if not cfg.towers:
            raise ConfigError(
                "configure at least one tower (input: a DEEP group, mlp)",
                field_path=f"{field}.towers",
            )
        self.towers, self._tower_inputs, width = build_mlp_towers(
            self.embedding_group, cfg.towers, f"{field}.towers"
        )
        self.head = FinalHead(width, final_config(cfg, field), self.num_class)

    def predict(self, batch: Batch) -> dict[str, torch.Tensor]:
        """``logits`` / ``probs`` (or ``y``) of the batch."""
        grouped = self.embedding_group(batch)
        outputs = [
            tower(grouped[name])
            for tower, name in zip(self.towers, self._tower_inputs, strict=True)
        ]
        return self._output_to_prediction(self.head(torch.cat(outputs, dim=-1)))
