"""RankModel: a ranking head (binary, multi-class or regression) over an EmbeddingGroup.

Outputs follow TorchEasyRec's names: ``logits`` and ``probs`` for classification
(``probs1``, the positive class's probability, too when ``num_class`` is 2), ``y`` for
a regression (a model whose losses are l2_loss).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar, cast

import torch
from google.protobuf.message import Message
from torch import nn

from tzrec.datasets.batch import Batch
from tzrec.features.feature import BaseFeature
from tzrec.losses import RankLoss, create_loss, loss_name
from tzrec.metrics import RankMetric, TrainMetric, create_metric, create_train_metric
from tzrec.models.base_model import BaseModel
from tzrec.modules.embedding import EmbeddingGroup
from tzrec.protos import model_pb2
from tzrec.utils.config_errors import ConfigError

_REGRESSION_LOSSES = frozenset({"l2_loss"})
T = TypeVar("T", bound=nn.Module)


class RankModel(BaseModel):
    """Base of ranking models: feature embedding, prediction outputs, losses, metrics.

    Subclasses build their body in ``__init__`` (after calling this one, which creates
    ``self.embedding_group``) and implement :meth:`predict`, usually ending with
    ``return self._output_to_prediction(logits)``.
    """

    def __init__(
        self,
        model_config: model_pb2.ModelConfig,
        features: Sequence[BaseFeature],
        labels: Sequence[str],
        sample_weights: Sequence[str] = (),
        model_params: Message | None = None,
        table_device: torch.device | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            model_config, features, labels, sample_weights, model_params, table_device, **kwargs
        )
        self._num_class = int(model_config.num_class)
        if not self._labels:
            raise ConfigError("data_config.label_fields: a ranking model needs a label field")
        self._label_name = self._labels[0]
        names = [loss_name(cfg) for cfg in model_config.losses]
        self._is_regression = bool(names) and all(n in _REGRESSION_LOSSES for n in names)
        self.embedding_group = self.build_embedding_group(model_config, features, **kwargs)

    def build_embedding_group(
        self,
        model_config: model_pb2.ModelConfig,
        features: Sequence[BaseFeature],
        **kwargs: Any,
    ) -> EmbeddingGroup:
        """The EmbeddingGroup of the model's feature groups.

        A model whose config message has ``wide_embedding_dim`` / ``wide_init_fn``
        (DeepFM, WideAndDeep, xDeepFM) gets its WIDE groups' tables at that dimension,
        initialised by that function; subclasses may override this for other layouts.
        """
        params: Any = self._model_params  # a model's own message (DeepFM, ...)
        fields = params.DESCRIPTOR.fields_by_name if params is not None else {}
        if "wide_embedding_dim" not in fields:
            return EmbeddingGroup(
                list(features), list(model_config.feature_groups), table_device=self._table_device
            )
        wide_init_fn = params.wide_init_fn if "wide_init_fn" in fields else ""
        return EmbeddingGroup(
            list(features),
            list(model_config.feature_groups),
            wide_embedding_dim=int(params.wide_embedding_dim),
            wide_init_fn=wide_init_fn or None,
            table_device=self._table_device,
        )

    @property
    def num_class(self) -> int:
        """Classes of the head (1: binary or regression)."""
        return self._num_class

    def _output_to_prediction(self, logits: torch.Tensor) -> dict[str, torch.Tensor]:
        """Prediction outputs from the head's raw output (B, num_class) or (B,)."""
        if self._num_class == 1:
            logits = logits.reshape(-1)
            if self._is_regression:
                return {"y": logits}
            return {"logits": logits, "probs": torch.sigmoid(logits)}
        probs = torch.softmax(logits, dim=-1)
        out = {"logits": logits, "probs": probs}
        if self._num_class == 2:
            out["probs1"] = probs[:, 1]
        return out

    def _head_output(self, predictions: dict[str, torch.Tensor]) -> torch.Tensor:
        return predictions["y"] if "y" in predictions else predictions["logits"]

    @staticmethod
    def _metric_preds(predictions: dict[str, torch.Tensor]) -> torch.Tensor:
        """What metrics receive: ``y``, or ``probs``.

        Each metric adapts it: binary ones take class 1 of (B, 2) probabilities.
        """
        return predictions["y"] if "y" in predictions else predictions["probs"]

    @staticmethod
    def _typed(modules: nn.ModuleDict, kind: type[T]) -> list[tuple[str, T]]:
        """The modules of a ModuleDict with their static type (ModuleDict erases it)."""
        return [(name, cast(T, module)) for name, module in modules.items()]

    # -- losses ----------------------------------------------------------------------------
    def init_loss(self) -> None:
        """One loss module per ``model_config.losses`` entry.

        Raises:
            ConfigError: when no loss is configured (there is nothing to train on).
        """
        if not self._base_model_config.losses:
            raise ConfigError(
                "model_config.losses: a ranking model needs at least one loss, e.g. "
                "losses { binary_cross_entropy {} }"
            )
        for cfg in self._base_model_config.losses:
            module = create_loss(cfg, self._num_class)
            if module.name in self._loss_modules:
                raise ConfigError(f"model_config.losses: {module.name} is configured twice")
            self._loss_modules[module.name] = module

    def loss(self, predictions: dict[str, torch.Tensor], batch: Batch) -> dict[str, torch.Tensor]:
        """Each configured loss of the head output against the label."""
        label = batch.labels[self._label_name]
        weight = self.sample_weight(batch)
        output = self._head_output(predictions)
        losses: dict[str, torch.Tensor] = {}
        for name, module in self._typed(self._loss_modules, RankLoss):
            session = None
            if module.session_name:
                session = self.feature_values_per_row(batch, module.session_name)
            losses[name] = module(output, label, weight, session)
        return losses

    # -- metrics ---------------------------------------------------------------------------
    def init_metric(self) -> None:
        """Eval metrics from ``model_config.metrics``, train metrics from ``train_metrics``."""
        for cfg in self._base_model_config.metrics:
            metric = create_metric(cfg, self._num_class)
            self._metric_modules[metric.name] = metric
        for train_cfg in self._base_model_config.train_metrics:
            train_metric = create_train_metric(train_cfg, self._num_class)
            self._train_metric_modules[train_metric.name] = train_metric

    def update_metric(self, predictions: dict[str, torch.Tensor], batch: Batch) -> None:
        """Accumulate every eval metric over the batch."""
        label = batch.labels[self._label_name]
        for _, metric in self._typed(self._metric_modules, RankMetric):
            groups = None
            if metric.grouping_key:
                groups = self.feature_values_per_row(batch, metric.grouping_key)
            metric.update(self._metric_preds(predictions).detach(), label, groups)

    def compute_metric(self) -> dict[str, torch.Tensor]:
        """Every eval metric's value; resets them for the next evaluation."""
        metrics = self._typed(self._metric_modules, RankMetric)
        values = {name: metric.compute() for name, metric in metrics}
        for _, metric in metrics:
            metric.reset()
        return values

    def update_train_metric(self, predictions: dict[str, torch.Tensor], batch: Batch) -> None:
        """Accumulate every train metric over one step."""
        label = batch.labels[self._label_name]
        for _, metric in self._typed(self._train_metric_modules, TrainMetric):
            metric.update(self._metric_preds(predictions).detach(), label)

    def compute_train_metric(self) -> dict[str, torch.Tensor]:
        """Decayed train metric values that exist so far."""
        values: dict[str, torch.Tensor] = {}
        for name, metric in self._typed(self._train_metric_modules, TrainMetric):
            value = metric.value()
            if value is not None:
                values[name] = value
        return values
