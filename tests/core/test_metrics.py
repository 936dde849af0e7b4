"""Evaluation metrics against numpy references and hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from google.protobuf import text_format

from tests.core.metric_reference import exact_auc, exact_xauc, grouped_auc
from tzrec.metrics import RankMetric, create_metric, metric_name
from tzrec.protos import metric_pb2
from tzrec.utils.config_errors import ConfigError


def metric_config(text: str) -> metric_pb2.MetricConfig:
    return text_format.Parse(text, metric_pb2.MetricConfig())


def metric_from(text: str, num_class: int = 1) -> RankMetric:
    return create_metric(metric_config(text), num_class)


def binary_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities with some signal, rounded to 3 decimals so that ties occur."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    preds = np.clip(rng.normal(0.4 + 0.2 * labels, 0.2), 0.0, 1.0).round(3)
    return preds.astype(np.float32), labels


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("auc {}", "auc"),
        ("multiclass_auc {}", "multiclass_auc"),
        ("recall_at_k {}", "recall@5"),
        ("recall_at_k { top_k: 10 }", "recall@10"),
        ("mean_absolute_error {}", "mean_absolute_error"),
        ("mean_squared_error {}", "mean_squared_error"),
        ("accuracy {}", "accuracy"),
        ("grouped_auc { grouping_key: 'u' }", "grouped_auc"),
        ("xauc {}", "xauc"),
        ("grouped_xauc { grouping_key: 'u' }", "grouped_xauc"),
        ("normalized_entropy {}", "normalized_entropy"),
    ],
)
def test_metric_names_follow_torcheasyrec(text: str, name: str) -> None:
    assert metric_name(metric_config(text)) == name


def test_auc_is_close_to_the_exact_rank_auc() -> None:
    preds, labels = binary_data(3000, seed=0)
    exact = exact_auc(preds, labels)
    # Binned AUC: pairs falling in one bin count as ties. With 10001 bins over [0, 1] and
    # scores on a 0.001 grid, bins never merge two distinct scores: the value is exact
    # up to float32 rounding of the bin edges.
    fine = metric_from("auc { thresholds: 10001 }")
    coarse = metric_from("auc {}")  # 200 bins
    for chunk in np.array_split(np.arange(3000), 3):
        for metric in (fine, coarse):
            metric.update(torch.tensor(preds[chunk]), torch.tensor(labels[chunk]))
    assert fine.compute().item() == pytest.approx(exact, abs=1e-4)
    assert coarse.compute().item() == pytest.approx(exact, abs=5e-3)
    assert fine.compute().shape == ()


def test_auc_of_a_two_class_head_uses_class_one_probability() -> None:
    preds, labels = binary_data(500, seed=1)
    two_class = np.stack([1 - preds, preds], axis=1)
    metric = metric_from("auc { thresholds: 10001 }", num_class=2)
    metric.update(torch.tensor(two_class), torch.tensor(labels.astype(np.float32)))
    assert metric.compute().item() == pytest.approx(exact_auc(preds, labels), abs=1e-4)


def test_grouped_auc_by_hand() -> None:
    # group 1: positives {0.9, 0.5}, negatives {0.3, 0.5}: (1 + 1 + 1 + 0.5) / 4 = 0.875
    # group 2: the positive scores below the negative: 0
    # group 3: positives only: left out.   GAUC = (0.875 + 0) / 2
    preds = torch.tensor([0.9, 0.3, 0.5, 0.5, 0.2, 0.8, 0.4, 0.6])
    labels = torch.tensor([1, 0, 1, 0, 1, 0, 1, 1])
    groups = torch.tensor([1, 1, 1, 1, 2, 2, 3, 3])
    metric = metric_from("grouped_auc { grouping_key: 'user_id' }")
    assert metric.grouping_key == "user_id"
    metric.update(preds[:5], labels[:5], groups[:5])
    metric.update(preds[5:], labels[5:], groups[5:])
    assert metric.compute().item() == pytest.approx(0.4375)
    metric.reset()
    assert math.isnan(metric.compute().item())
    with pytest.raises(ValueError, match="groups by 'user_id'"):
        metric.update(preds, labels)


def test_grouped_auc_matches_a_loop_over_groups() -> None:
    preds, labels = binary_data(2000, seed=2)
    groups = np.random.default_rng(3).integers(10**12, 10**12 + 150, 2000)
    metric = metric_from("grouped_auc { grouping_key: 'u' }")
    for chunk in np.array_split(np.arange(2000), 4):
        metric.update(
            torch.tensor(preds[chunk]), torch.tensor(labels[chunk]), torch.tensor(groups[chunk])
        )
    assert metric.compute().item() == pytest.approx(grouped_auc(preds, labels, groups), rel=1e-12)


def test_normalized_entropy_by_hand() -> None:
    metric = metric_from("normalized_entropy {}")
    metric.update(torch.tensor([0.8, 0.4], dtype=torch.float64), torch.tensor([1, 0]))
    # base rate 0.5: NE = -(ln 0.8 + ln 0.6) / (2 ln 2)
    expected = -(math.log(0.8) + math.log(0.6)) / (2 * math.log(2))
    assert metric.compute().item() == pytest.approx(expected, rel=1e-12)
    metric.update(torch.tensor([0.5]), torch.tensor([1]))
    # base rate 2/3
    ce = -(math.log(0.8) + math.log(0.6) + math.log(0.5))
    norm = -(2 * math.log(2 / 3) + math.log(1 / 3))
    assert metric.compute().item() == pytest.approx(ce / norm, rel=1e-12)


def test_normalized_entropy_of_the_base_rate_predictor_is_one() -> None:
    metric = metric_from("normalized_entropy { eta: 1e-6 }")
    metric.update(torch.full((8,), 0.25), torch.tensor([1, 0, 0, 0, 1, 0, 0, 0]))
    assert metric.compute().item() == pytest.approx(1.0, rel=1e-6)


def test_recall_at_k_by_hand() -> None:
    metric = metric_from("recall_at_k { top_k: 2 }")
    scores = torch.tensor([[0.9, 0.1, 0.5, 0.3], [0.1, 0.2, 0.3, 0.4], [0.2, 0.8, 0.1, 0.7]])
    metric.update(scores, torch.tensor([2, 0, 1]))  # top-2: {0, 2} hit, {3, 2} miss, {1, 3} hit
    assert metric.compute().item() == pytest.approx(2 / 3)
    relevance = torch.tensor([[1, 1, 0, 0]])  # two relevant, one of them in the top 2
    metric.update(torch.tensor([[0.9, 0.1, 0.5, 0.3]]), relevance)
    assert metric.compute().item() == pytest.approx(3 / 5)


def test_accuracy_binary_threshold_and_top_k() -> None:
    binary = metric_from("accuracy { threshold: 0.7 }")
    binary.update(torch.tensor([0.9, 0.6, 0.2, 0.75]), torch.tensor([1, 1, 0, 0]))
    assert binary.compute().item() == pytest.approx(2 / 4)  # 0.6 -> 0 wrong, 0.75 -> 1 wrong
    top2 = metric_from("accuracy { top_k: 2 }", num_class=3)
    probs = torch.tensor([[0.5, 0.3, 0.2], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8]])
    top2.update(probs, torch.tensor([1, 2, 2]))  # hit, miss, hit
    assert top2.compute().item() == pytest.approx(2 / 3)


def test_regression_errors_by_hand() -> None:
    preds, labels = torch.tensor([1.0, 2.0, 4.0]), torch.tensor([1.5, 2.0, 2.0])
    mae, mse = metric_from("mean_absolute_error {}"), metric_from("mean_squared_error {}")
    for metric in (mae, mse):
        metric.update(preds, labels)
    assert mae.compute().item() == pytest.approx((0.5 + 0 + 2) / 3)
    assert mse.compute().item() == pytest.approx((0.25 + 0 + 4) / 3)


def test_multiclass_auc_averages_one_vs_rest_aucs() -> None:
    rng = np.random.default_rng(4)
    labels = rng.integers(0, 3, 600)
    logits = rng.normal(size=(600, 3)) + np.eye(3)[labels]
    probs = (np.exp(logits) / np.exp(logits).sum(1, keepdims=True)).round(3).astype(np.float32)
    per_class = [exact_auc(probs[:, c], (labels == c).astype(int)) for c in range(3)]
    support = np.bincount(labels, minlength=3) / 600
    for average, expected in (("macro", np.mean(per_class)), ("weighted", support @ per_class)):
        metric = metric_from(
            f"multiclass_auc {{ thresholds: 10001 average: '{average}' }}", num_class=3
        )
        metric.update(torch.tensor(probs), torch.tensor(labels))
        assert metric.compute().item() == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize(
    ("text", "num_class", "message"),
    [
        ("auc {}", 3, "metric 'auc' needs num_class 1 or 2, got num_class 3"),
        ("auc { thresholds: 1 }", 1, "auc.thresholds must be >= 2"),
        ("multiclass_auc {}", 1, "metric 'multiclass_auc' needs num_class >= 2"),
        ("multiclass_auc { average: 'micro' }", 3, "average must be 'macro' or 'weighted'"),
        ("mean_absolute_error {}", 2, "metric 'mean_absolute_error' needs num_class 1"),
        ("accuracy { top_k: 4 }", 3, r"accuracy.top_k must be in \[1, num_class=3\]"),
        ("grouped_auc {}", 1, "grouped_auc.grouping_key must name the feature"),
        ("grouped_auc { grouping_key: 'u' }", 4, "metric 'grouped_auc' needs num_class 1 or 2"),
        ("xauc { sample_ratio: 0 }", 1, r"xauc.sample_ratio must be in \(0, 1\]"),
        ("xauc { max_pairs: 0 }", 1, "xauc.max_pairs must be >= 1"),
        ("grouped_xauc { grouping_key: 'u' max_pairs_per_group: 0 }", 1, "max_pairs_per_group"),
        ("normalized_entropy { eta: 0.5 }", 1, "normalized_entropy.eta"),
        ("recall_at_k { top_k: 0 }", 1, "recall_at_k.top_k must be >= 1"),
    ],
)
def test_bad_metric_configs_name_the_field(text: str, num_class: int, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        metric_from(text, num_class)
    with pytest.raises(ConfigError, match="sets no metric"):
        create_metric(metric_pb2.MetricConfig(), 1)


def test_xauc_by_hand() -> None:
    # Pairs with different labels: 6; all ordered right except (1, 2) (0.4 > 0.35).
    metric = metric_from("xauc { sample_ratio: 1.0 }")
    metric.update(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([1.0, 2.0, 3.0, 4.0]))
    assert metric.compute().item() == pytest.approx(5 / 6)
    # A pair of equal labels is left out, a pair of equal predictions scores 0.5:
    # new sample (0.8, 2.0) adds pairs with labels 1, 3, 4 (right, wrong, tie) and one
    # left out (label 2 again).
    metric.update(torch.tensor([0.8]), torch.tensor([2.0]))
    assert metric.compute().item() == pytest.approx((5 + 1 + 0 + 0.5) / 9)


def test_xauc_in_batch_pairs_only_within_batches() -> None:
    metric = metric_from("xauc { sample_ratio: 1.0 in_batch: true }")
    metric.update(torch.tensor([0.1, 0.4, 0.35]), torch.tensor([1.0, 2.0, 3.0]))  # 2 of 3
    metric.update(torch.tensor([0.2, 0.9]), torch.tensor([5.0, 4.0]))  # 0 of 1
    assert metric.compute().item() == pytest.approx(2 / 4)


def test_sampled_xauc_is_close_to_the_exact_value() -> None:
    rng = np.random.default_rng(5)
    labels = rng.exponential(size=500)
    preds = labels + rng.normal(scale=1.0, size=500)
    exact = exact_xauc(preds, labels)
    metric = metric_from("xauc { sample_ratio: 0.5 }")  # 62375 of 124750 pairs
    metric.update(torch.tensor(preds), torch.tensor(labels))
    # Standard error of a mean of 62375 Bernoulli draws is < 0.002.
    assert metric.compute().item() == pytest.approx(exact, abs=0.01)
    capped = metric_from("xauc { sample_ratio: 1.0 max_pairs: 2000 }")
    capped.update(torch.tensor(preds), torch.tensor(labels))
    assert capped.compute().item() == pytest.approx(exact, abs=0.05)
    assert capped.compute().item() != pytest.approx(exact, abs=1e-9)  # it did sample


def test_grouped_xauc_means_per_group_values() -> None:
    rng = np.random.default_rng(6)
    groups = rng.integers(0, 20, 150)  # groups of ~7 samples: <= 21 pairs each
    labels = rng.integers(0, 5, 150).astype(np.float64)
    preds = labels + rng.normal(size=150)
    expected = []
    for group in np.unique(groups):
        member = groups == group
        if len(np.unique(labels[member])) > 1:
            expected.append(exact_xauc(preds[member], labels[member]))
    metric = metric_from("grouped_xauc { grouping_key: 'u' max_pairs_per_group: 1000 }")
    metric.update(torch.tensor(preds[:70]), torch.tensor(labels[:70]), torch.tensor(groups[:70]))
    metric.update(torch.tensor(preds[70:]), torch.tensor(labels[70:]), torch.tensor(groups[70:]))
    assert metric.compute().item() == pytest.approx(float(np.mean(expected)), rel=1e-12)
