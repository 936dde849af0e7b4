"""Rocket Launching (Zhou et al., 2018): a light net trained alongside a booster net.

The model's DEEP feature groups are concatenated and go through the optional
``share_mlp``; the booster (``booster_mlp``) and the light (``light_mlp``) nets both read
that shared representation, each ending in a linear layer to ``num_class`` logits. Both
nets learn the labels (every configured loss, for each net), and the light net also
learns the booster's logits:

- ``hint_loss``: ``sum_c (light_c - booster_c)^2`` per sample, the booster's logits
  detached ("gradient block": the booster is not pulled towards the light net);
- ``feature_distillation_loss`` (``feature_based_distillation: true``): each light
  hidden layer is matched, in order, with the first later booster hidden layer of the
  same width, and the light layer is pulled towards the (detached) booster layer by
  ``feature_distillation_function``: COSINE ``1 - cos``, INNER_PRODUCT ``-<l, b>``
  (unbounded: it also rewards larger activations), EUCLID ``||l - b||``; summed over
  the matched layers.

Outputs: the light net's under the usual names (``logits`` / ``probs`` (``probs1``) or
``y``), because the light net is what is served; the booster's with the suffix
``_booster`` (``logits_booster``, ...), and ``feature_distillation`` (B,) when enabled.
Losses: each configured loss for the light net under its name and for the booster with
``_booster``, then ``hint_loss`` and ``feature_distillation_loss``. Metrics likewise:
``auc`` is the light net's, ``auc_booster`` the booster's.

In serving mode (:meth:`~tzrec.models.base_model.BaseModel.set_serving`, which export
and offline prediction set) the booster is skipped entirely: the outputs, losses and
metrics are then the light net's only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from google.protobuf.message import Message
from torch import nn

from tzrec.datasets.batch import Batch
from tzrec.features.feature import BaseFeature
from tzrec.losses import weighted_mean
from tzrec.metrics import RankMetric, TrainMetric, create_metric, create_train_metric
from tzrec.models.rank_model import RankModel
from tzrec.modules.mlp import MLP
from tzrec.protos import model_pb2, module_pb2
from tzrec.protos.models import rank_model_pb2
from tzrec.utils.config_errors import ConfigError

BOOSTER_SUFFIX = "_booster"
HINT_LOSS = "hint_loss"
FEATURE_DISTILLATION = "feature_distillation"
FEATURE_DISTILLATION_LOSS = "feature_distillation_loss"
_FIELD = "model_config.rocket_launching"
_Distillation = rank_model_pb2.RocketLaunching.DistillationFunction


def match_hidden_layers(light: Sequence[int], booster: Sequence[int]) -> list[tuple[int, int]]:
    """Pairs (light layer, booster layer) of equal width, both in increasing order.

    Each light layer takes the first booster layer of its width after the previously
    matched one; light layers without such a booster layer stay unmatched.
    """
    pairs: list[tuple[int, int]] = []
    start = 0
    for i, width in enumerate(light):
        for j in range(start, len(booster)):
            if booster[j] == width:
                pairs.append((i, j))
                start = j + 1
                break
    return pairs


def distillation_distance(
    light: torch.Tensor, booster: torch.Tensor, function: int
) -> torch.Tensor:
    """Per-sample (B,) distance of ``light`` (B, H) from the target ``booster`` (B, H).

    Args:
        light: a light net hidden layer's output.
        booster: the matched booster layer's output (the caller detaches it).
        function: a ``RocketLaunching.DistillationFunction`` value.
    """
    if function == _Distillation.COSINE:
        return 1.0 - nn.functional.cosine_similarity(light, booster, dim=-1)
    if function == _Distillation.INNER_PRODUCT:
        return -(light * booster).sum(dim=-1)
    if function == _Distillation.EUCLID:
        return torch.linalg.vector_norm(light - booster, dim=-1)
    raise ValueError(f"unknown feature_distillation_function {function}")


def _layer_outputs(mlp: MLP, x: torch.Tensor) -> list[torch.Tensor]:
    """The output of every layer of ``mlp`` on ``x`` (the last one is the MLP's output)."""
    outputs = []
    for layer in mlp.layers:
        x = layer(x)
        outputs.append(x)
    return outputs


def _required_mlp(cfg: rank_model_pb2.RocketLaunching, name: str) -> module_pb2.MLP:
    mlp = getattr(cfg, name)
    assert isinstance(mlp, module_pb2.MLP)
    if not mlp.hidden_units:
        raise ConfigError(f"set {name}'s hidden_units", field_path=f"{_FIELD}.{name}")
    return mlp


class RocketLaunching(RankModel):
    """Rocket Launching configured by ``model_config.rocket_launching``.

    Args:
        model_config: the pipeline's model_config.
        features: the pipeline's features.
        labels: label columns.
        sample_weights: sample weight columns.
        model_params: ``model_config.rocket_launching``.

    Raises:
        ConfigError: a non-DEEP group, a missing booster_mlp / light_mlp, or feature
            distillation without light and booster layers of a common width.
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
        assert isinstance(cfg, rank_model_pb2.RocketLaunching)
        self._groups = self.embedding_group.group_names()
        for index, name in enumerate(self._groups):
            if self.embedding_group.group_type(name) != model_pb2.DEEP:
                raise ConfigError(
                    f"rocket_launching embeds DEEP feature groups only; '{name}' is not DEEP",
                    field_path=f"model_config.feature_groups[{index}].group_type",
                )
        width = sum(self.embedding_group.group_total_dim(name) for name in self._groups)
        self.share_mlp: MLP | None = None
        if cfg.HasField("share_mlp"):
            self.share_mlp = MLP.from_config(width, _required_mlp(cfg, "share_mlp"))
            width = self.share_mlp.output_dim()
        self.booster_mlp = MLP.from_config(width, _required_mlp(cfg, "booster_mlp"))
        self.light_mlp = MLP.from_config(width, _required_mlp(cfg, "light_mlp"))
        self.booster_output = nn.Linear(self.booster_mlp.output_dim(), self.num_class)
        self.light_output = nn.Linear(self.light_mlp.output_dim(), self.num_class)
        self._distill_pairs: list[tuple[int, int]] = []
        self._distill_function = int(cfg.feature_distillation_function)
        if cfg.feature_based_distillation:
            light_units = list(cfg.light_mlp.hidden_units)
            booster_units = list(cfg.booster_mlp.hidden_units)
            self._distill_pairs = match_hidden_layers(light_units, booster_units)
            if not self._distill_pairs:
                raise ConfigError(
                    f"feature_based_distillation needs a light_mlp layer as wide as a "
                    f"booster_mlp layer; light {light_units}, booster {booster_units}",
                    field_path=f"{_FIELD}.feature_based_distillation",
                )
        self._booster_metric_modules = nn.ModuleDict()
        self._booster_train_metric_modules = nn.ModuleDict()

    # -- prediction ------------------------------------------------------------------------
    def predict(self, batch: Batch) -> dict[str, torch.Tensor]:
        """The light net's outputs, and (unless serving) the booster's (module doc)."""
        grouped = self.embedding_group(batch)
        shared = torch.cat([grouped[name] for name in self._groups], dim=-1)
        if self.share_mlp is not None:
            shared = self.share_mlp(shared)
        light_hidden = _layer_outputs(self.light_mlp, shared)
        predictions = self._output_to_prediction(self.light_output(light_hidden[-1]))
        if self.serving:
            return predictions
        booster_hidden = _layer_outputs(self.booster_mlp, shared)
        booster = self._output_to_prediction(self.booster_output(booster_hidden[-1]))
        for name, value in booster.items():
            predictions[name + BOOSTER_SUFFIX] = value
        if self._distill_pairs:
            distances = [
                distillation_distance(
                    light_hidden[i], booster_hidden[j].detach(), self._distill_function
                )
                for i, j in self._distill_pairs
            ]
            predictions[FEATURE_DISTILLATION] = torch.stack(distances, dim=0).sum(dim=0)
        return predictions

    @staticmethod
    def booster_predictions(predictions: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """The booster's outputs under the usual names (empty when it did not run)."""
        cut = len(BOOSTER_SUFFIX)
        return {
            name[:-cut]: value
            for name, value in predictions.items()
            if name.endswith(BOOSTER_SUFFIX)
        }

    # -- losses ----------------------------------------------------------------------------
    def loss(self, predictions: dict[str, torch.Tensor], batch: Batch) -> dict[str, torch.Tensor]:
        """Label losses of both nets, the hint loss and the feature distillation loss."""
        losses = super().loss(predictions, batch)
        booster = self.booster_predictions(predictions)
        if not booster:
            return losses
        for name, value in super().loss(booster, batch).items():
            losses[name + BOOSTER_SUFFIX] = value
        weight = self.sample_weight(batch)
        light_out = self._head_output(predictions)
        booster_out = self._head_output(booster).detach()
        squared = (light_out - booster_out).pow(2)
        if squared.dim() == 2:
            squared = squared.sum(dim=-1)
        losses[HINT_LOSS] = weighted_mean(squared, weight)
        if FEATURE_DISTILLATION in predictions:
            losses[FEATURE_DISTILLATION_LOSS] = weighted_mean(
                predictions[FEATURE_DISTILLATION], weight
            )
        return losses

    # -- metrics ---------------------------------------------------------------------------
    def init_metric(self) -> None:
        """The configured metrics for the light net, and again (``_booster``) for the booster."""
        super().init_metric()
        for cfg in self._base_model_config.metrics:
            metric = create_metric(cfg, self.num_class)
            self._booster_metric_modules[metric.name + BOOSTER_SUFFIX] = metric
        for train_cfg in self._base_model_config.train_metrics:
            train_metric = create_train_metric(train_cfg, self.num_class)
            self._booster_train_metric_modules[train_metric.name + BOOSTER_SUFFIX] = train_metric

    def update_metric(self, predictions: dict[str, torch.Tensor], batch: Batch) -> None:
        """Accumulate the light metrics, and the booster's when it ran."""
        super().update_metric(predictions, batch)
        booster = self.booster_predictions(predictions)
        if not booster:
            return
        label = batch.labels[self._label_name]
        preds = self._metric_preds(booster).detach()
        for _, metric in self._typed(self._booster_metric_modules, RankMetric):
            groups = None
            if metric.grouping_key:
                groups = self.feature_values_per_row(batch, metric.grouping_key)
            metric.update(preds, label, groups)

    def compute_metric(self) -> dict[str, torch.Tensor]:
        """Light and booster metric values (booster ones only if updated); resets all."""
        values = super().compute_metric()
        for name, metric in self._typed(self._booster_metric_modules, RankMetric):
            if metric.metric.update_called:
                values[name] = metric.compute()
            metric.reset()
        return values

    def update_train_metric(self, predictions: dict[str, torch.Tensor], batch: Batch) -> None:
        """Accumulate the light and booster train metrics over one step."""
        super().update_train_metric(predictions, batch)
        booster = self.booster_predictions(predictions)
        if not booster:
            return
        label = batch.labels[self._label_name]
        preds = self._metric_preds(booster).detach()
        for _, metric in self._typed(self._booster_train_metric_modules, TrainMetric):
            metric.update(preds, label)

    def compute_train_metric(self) -> dict[str, torch.Tensor]:
        """Decayed light and booster train metric values that exist so far."""
        values = super().compute_train_metric()
        for name, metric in self._typed(self._booster_train_metric_modules, TrainMetric):
            value = metric.value()
            if value is not None:
                values[name] = value
        return values
