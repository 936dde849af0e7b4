"""Evaluation and training metrics of model heads.

They are built from ``MetricConfig`` / ``TrainMetricConfig`` by :func:`create_metric` /
:func:`create_train_metric`.

All metrics are ``torchmetrics`` metrics whose states sync over torch.distributed in
``compute()``: sums for counters, concatenated tensors for exact grouped metrics.
"""

from tzrec.metrics.rank_metric import InputKind, RankMetric, create_metric, metric_name
from tzrec.metrics.train_metric import TrainMetric, create_train_metric

__all__ = [
    "InputKind",
    "RankMetric",
    "TrainMetric",
    "create_metric",
    "create_train_metric",
    "metric_name",
]
