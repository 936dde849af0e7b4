"""Training metrics: windows of decay_step steps and the decayed value."""

from __future__ import annotations

import pytest
import torch
from google.protobuf import text_format

from tzrec.metrics import create_train_metric
from tzrec.protos import metric_pb2
from tzrec.utils.config_errors import ConfigError


def train_metric_config(text: str) -> metric_pb2.TrainMetricConfig:
    return text_format.Parse(text, metric_pb2.TrainMetricConfig())


def test_windows_and_decay() -> None:
    metric = create_train_metric(
        train_metric_config("mean_absolute_error {} decay_rate: 0.5 decay_step: 2"), 1
    )
    assert metric.name == "mean_absolute_error"
    zero = torch.zeros(2)
    metric.update(zero, torch.tensor([1.0, 1.0]))  # window 1: errors 1, 1
    assert metric.value() is None
    metric.update(zero, torch.tensor([3.0, 3.0]))  # window 1: errors 3, 3 -> mae 2
    value = metric.value()
    assert value is not None and value.item() == pytest.approx(2.0)
    metric.update(zero, torch.tensor([6.0, 6.0]))  # window 2: 6, 6
    assert metric.value().item() == pytest.approx(2.0)  # type: ignore[union-attr]
    metric.update(zero, torch.tensor([4.0, 4.0]))  # window 2 mae 5: 0.5 * 2 + 0.5 * 5
    assert metric.value().item() == pytest.approx(3.5)  # type: ignore[union-attr]


def test_train_auc_and_recall_are_built_like_eval_metrics() -> None:
    auc = create_train_metric(train_metric_config("auc { thresholds: 100 } decay_step: 1"), 1)
    auc.update(torch.tensor([0.9, 0.1, 0.8, 0.3]), torch.tensor([1, 0, 1, 0]))
    assert auc.name == "auc" and auc.value().item() == pytest.approx(1.0)  # type: ignore[union-attr]
    recall = create_train_metric(train_metric_config("recall_at_k { top_k: 1 }"), 1)
    assert recall.name == "recall@1" and recall.decay_step == 100
    assert recall.decay_rate == pytest.approx(0.9)


@pytest.mark.parametrize(
    ("text", "num_class", "message"),
    [
        ("", 1, "sets no metric"),
        ("auc {} decay_step: 0", 1, "train_metrics.decay_step must be >= 1"),
        ("auc {} decay_rate: 1.5", 1, r"train_metrics.decay_rate must be in \[0, 1\]"),
        ("mean_squared_error {}", 3, "metric 'mean_squared_error' needs num_class 1"),
    ],
)
def test_bad_train_metric_configs(text: str, num_class: int, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        create_train_metric(train_metric_config(text), num_class)
