"""Evaluation metrics of ranking / retrieval heads, built from ``MetricConfig``.

Result names follow TorchEasyRec: the ``MetricConfig`` oneof field (``"auc"``,
``"multiclass_auc"``, ``"accuracy"``, ``"mean_absolute_error"``,
``"mean_squared_error"``, ``"grouped_auc"``, ``"xauc"``, ``"grouped_xauc"``,
``"normalized_entropy"``) except recall, which is ``"recall@K"`` (e.g. ``"recall@5"``).
Multi-task models add their tower suffix themselves.
"""

from __future__ import annotations

import enum
from typing import Literal

import torch
import torchmetrics
from torch import Tensor, nn

from tzrec.metrics.grouped_auc import GroupedAUC
from tzrec.metrics.normalized_entropy import NormalizedEntropy
from tzrec.metrics.recall_at_k import RecallAtK
from tzrec.metrics.xauc import XAUC, GroupedXAUC
from tzrec.protos import metric_pb2
from tzrec.utils.config_errors import ConfigError


class InputKind(enum.Enum):
    """How a metric wants a head's predictions and labels."""

    BINARY = "binary"  # (B,) P(class 1), (B,) labels binarised to 0/1 (int64)
    BINARY_SOFT = "binary_soft"  # (B,) P(class 1), (B,) float labels in [0, 1]
    MULTICLASS = "multiclass"  # (B, C) probabilities, (B,) int64 class ids
    REGRESSION = "regression"  # (B,) values, (B,) float targets
    RETRIEVAL = "retrieval"  # (B, C) scores, (B,) relevant index or (B, C) relevance


# multiclass_auc.average values and the torchmetrics averaging they select.
_AUC_AVERAGES: dict[str, Literal["macro", "weighted"]] = {"macro": "macro", "weighted": "weighted"}


def metric_name(cfg: metric_pb2.MetricConfig | metric_pb2.TrainMetricConfig) -> str:
    """The key of the metric in evaluation results and logs.

    The oneof field name, except ``recall_at_k`` which becomes ``"recall@<top_k>"``.

    Raises:
        ConfigError: when the config sets no metric.
    """
    name = cfg.WhichOneof("metric")
    if name is None:
        raise ConfigError("a metrics entry sets no metric (e.g. auc {})")
    if name == "recall_at_k":
        return f"recall@{cfg.recall_at_k.top_k}"
    return name


def _probability_of_class_one(preds: Tensor) -> Tensor:
    """(B,) P(class 1) from (B,) probabilities or the (B, 2) probabilities of 2 classes."""
    if preds.dim() == 2 and preds.shape[1] == 2:
        return preds[:, 1]
    return preds.reshape(-1)


def _hard_binary_labels(labels: Tensor) -> Tensor:
    """0/1 int64 labels; float labels count as positive from 0.5 up."""
    if labels.is_floating_point():
        return (labels.reshape(-1) >= 0.5).long()
    return labels.reshape(-1).long()


def _float_preds(preds: Tensor) -> Tensor:
    """Predictions as float32 at least (torchmetrics rejects half-precision on CPU)."""
    return preds.float() if preds.dtype in (torch.float16, torch.bfloat16) else preds


class RankMetric(nn.Module):
    """One evaluation metric: adapts a head's outputs and feeds a ``torchmetrics.Metric``.

    Attributes:
        name: the metric's result key (see :func:`metric_name`).
        grouping_key: the feature whose values group samples (grouped_auc /
            grouped_xauc), else None.
        metric: the wrapped torchmetrics metric; it syncs its states over the process
            group in ``compute()`` when torch.distributed is initialised.
    """

    def __init__(
        self,
        name: str,
        metric: torchmetrics.Metric,
        input_kind: InputKind,
        grouping_key: str | None = None,
    ) -> None:
        """Args: name, metric, grouping_key: see the class. input_kind: input adapter."""
        super().__init__()
        self.name = name
        self.metric = metric
        self.input_kind = input_kind
        self.grouping_key = grouping_key

    def _adapt(self, preds: Tensor, labels: Tensor) -> tuple[Tensor, Tensor]:
        preds = _float_preds(preds.detach())
        labels = labels.detach()
        kind = self.input_kind
        if kind is InputKind.BINARY:
            return _probability_of_class_one(preds), _hard_binary_labels(labels)
        if kind is InputKind.BINARY_SOFT:
            return _probability_of_class_one(preds), labels.reshape(-1).float()
        if kind is InputKind.MULTICLASS:
            return preds, labels.reshape(-1).long()
        if kind is InputKind.REGRESSION:
            return preds.reshape(-1), labels.reshape(-1).to(preds.dtype)
        return preds, labels

    @torch.no_grad()
    def update(self, preds: Tensor, labels: Tensor, groups: Tensor | None = None) -> None:
        """Add a batch.

        Args:
            preds: (B,) probabilities for binary heads ((B, 2) also accepted), (B, C)
                probabilities for multi-class heads, (B,) values for regression, (B, C)
                scores for recall.
            labels: (B,) labels (class ids, 0/1 or float targets); (B, C) relevance for
                recall is also accepted.
            groups: (B,) integer group ids; required by grouped metrics.
        """
        preds, labels = self._adapt(preds, labels)
        if self.grouping_key is None:
            self.metric.update(preds, labels)
            return
        if groups is None:
            raise ValueError(
                f"metric '{self.name}' groups by '{self.grouping_key}' but got no group ids"
            )
        self.metric.update(preds, labels, groups.detach().reshape(-1))

    def compute(self) -> Tensor:
        """The metric over everything added since the last reset (all ranks), a scalar."""
        return self.metric.compute().reshape(())

    def reset(self) -> None:
        """Forget everything added."""
        self.metric.reset()


def _need_num_class(name: str, num_class: int, allowed: str, ok: bool) -> None:
    if not ok:
        raise ConfigError(f"metric '{name}' needs num_class {allowed}, got num_class {num_class}")


def _need_thresholds(field: str, thresholds: int) -> None:
    if thresholds < 2:
        raise ConfigError(f"{field} must be >= 2, got {thresholds}")


def _need_grouping_key(field: str, key: str) -> str:
    if not key:
        raise ConfigError(f'{field} must name the feature to group by (e.g. "user_id")')
    return key


def create_metric(cfg: metric_pb2.MetricConfig, num_class: int) -> RankMetric:
    """Build the evaluation metric ``cfg`` describes for a head with ``num_class`` outputs.

    Args:
        cfg: one ``metrics`` entry of a model or task tower.
        num_class: the head's number of outputs (1 for binary/regression heads).

    Returns:
        The metric.

    Raises:
        ConfigError: unset metric, a num_class the metric does not support, or a
            parameter out of range.
    """
    name = metric_name(cfg)
    kind = cfg.WhichOneof("metric")
    binary_head = num_class in (1, 2)
    if kind == "auc":
        _need_num_class(name, num_class, "1 or 2", binary_head)
        _need_thresholds("auc.thresholds", cfg.auc.thresholds)
        binary_auroc = torchmetrics.classification.BinaryAUROC(thresholds=cfg.auc.thresholds)
        return RankMetric(name, binary_auroc, InputKind.BINARY)
    if kind == "multiclass_auc":
        multi = cfg.multiclass_auc
        _need_num_class(name, num_class, ">= 2", num_class >= 2)
        _need_thresholds("multiclass_auc.thresholds", multi.thresholds)
        average = _AUC_AVERAGES.get(multi.average)
        if average is None:
            raise ConfigError(
                f"multiclass_auc.average must be 'macro' or 'weighted', got '{multi.average}'"
            )
        auroc = torchmetrics.classification.MulticlassAUROC(
            num_classes=num_class, average=average, thresholds=multi.thresholds
        )
        return RankMetric(name, auroc, InputKind.MULTICLASS)
    if kind == "recall_at_k":
        if cfg.recall_at_k.top_k < 1:
            raise ConfigError(f"recall_at_k.top_k must be >= 1, got {cfg.recall_at_k.top_k}")
        return RankMetric(name, RecallAtK(top_k=cfg.recall_at_k.top_k), InputKind.RETRIEVAL)
    if kind in ("mean_absolute_error", "mean_squared_error"):
        _need_num_class(name, num_class, "1", num_class == 1)
        error: torchmetrics.Metric = (
            torchmetrics.MeanAbsoluteError()
            if kind == "mean_absolute_error"
            else torchmetrics.MeanSquaredError()
        )
        return RankMetric(name, error, InputKind.REGRESSION)
    if kind == "accuracy":
        return _create_accuracy(name, cfg.accuracy, num_class)
    if kind == "grouped_auc":
        _need_num_class(name, num_class, "1 or 2", binary_head)
        key = _need_grouping_key("grouped_auc.grouping_key", cfg.grouped_auc.grouping_key)
        return RankMetric(name, GroupedAUC(), InputKind.BINARY, grouping_key=key)
    if kind == "xauc":
        return _create_xauc(name, cfg.xauc, num_class)
    if kind == "grouped_xauc":
        _need_num_class(name, num_class, "1", num_class == 1)
        grouped = cfg.grouped_xauc
        key = _need_grouping_key("grouped_xauc.grouping_key", grouped.grouping_key)
        if grouped.max_pairs_per_group < 1:
            raise ConfigError("grouped_xauc.max_pairs_per_group must be >= 1, got 0")
        metric = GroupedXAUC(max_pairs_per_group=grouped.max_pairs_per_group)
        return RankMetric(name, metric, InputKind.REGRESSION, grouping_key=key)
    if kind != "normalized_entropy":
        raise ConfigError(f"metric '{kind}' is not supported")
    _need_num_class(name, num_class, "1 or 2", binary_head)
    eta = cfg.normalized_entropy.eta
    if not 0.0 <= eta < 0.5:
        raise ConfigError(f"normalized_entropy.eta must be in [0, 0.5), got {eta}")
    return RankMetric(name, NormalizedEntropy(eta=eta), InputKind.BINARY_SOFT)


def _create_accuracy(name: str, cfg: metric_pb2.Accuracy, num_class: int) -> RankMetric:
    """Binary accuracy at ``threshold`` for num_class 1, top-k accuracy for num_class > 1."""
    if num_class == 1:
        if not 0.0 <= cfg.threshold <= 1.0:
            raise ConfigError(f"accuracy.threshold must be in [0, 1], got {cfg.threshold}")
        metric = torchmetrics.classification.BinaryAccuracy(threshold=cfg.threshold)
        return RankMetric(name, metric, InputKind.BINARY)
    if not 1 <= cfg.top_k <= num_class:
        raise ConfigError(f"accuracy.top_k must be in [1, num_class={num_class}], got {cfg.top_k}")
    top_k = torchmetrics.classification.MulticlassAccuracy(
        num_classes=num_class, top_k=cfg.top_k, average="micro"
    )
    return RankMetric(name, top_k, InputKind.MULTICLASS)


def _create_xauc(name: str, cfg: metric_pb2.XAUC, num_class: int) -> RankMetric:
    """XAUC of a regression head, global or in-batch."""
    _need_num_class(name, num_class, "1", num_class == 1)
    if not 0.0 < cfg.sample_ratio <= 1.0:
        raise ConfigError(f"xauc.sample_ratio must be in (0, 1], got {cfg.sample_ratio}")
    max_pairs = cfg.max_pairs if cfg.HasField("max_pairs") else None
    if max_pairs is not None and max_pairs < 1:
        raise ConfigError("xauc.max_pairs must be >= 1 when set, got 0")
    metric = XAUC(sample_ratio=cfg.sample_ratio, max_pairs=max_pairs, in_batch=cfg.in_batch)
    return RankMetric(name, metric, InputKind.REGRESSION)
