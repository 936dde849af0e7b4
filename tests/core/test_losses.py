"""Ranking losses against numpy formulas and hand-computed values; config validation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from google.protobuf import text_format

from tzrec.losses import RankLoss, create_loss, loss_name, weighted_mean
from tzrec.protos import loss_pb2
from tzrec.utils.config_errors import ConfigError


def loss_from(text: str, num_class: int) -> RankLoss:
    return create_loss(text_format.Parse(text, loss_pb2.LossConfig()), num_class)


def np_sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def np_bce(logit: np.ndarray, target: np.ndarray) -> np.ndarray:
    p = np_sigmoid(logit)
    return -(target * np.log(p) + (1 - target) * np.log(1 - p))


def np_log_softmax(x: np.ndarray) -> np.ndarray:
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


LOGITS = np.array([0.0, 2.0, -1.0, 0.5], dtype=np.float64)
LABELS = np.array([1.0, 0.0, 1.0, 1.0], dtype=np.float64)


def test_loss_name_is_the_oneof_field() -> None:
    assert loss_name(text_format.Parse("l2_loss {}", loss_pb2.LossConfig())) == "l2_loss"
    assert loss_from("jrc_loss { session_name: 'u' }", 2).name == "jrc_loss"
    with pytest.raises(ConfigError, match="sets no loss"):
        loss_name(loss_pb2.LossConfig())


def test_binary_cross_entropy_matches_numpy() -> None:
    loss = loss_from("binary_cross_entropy {}", 1)
    got = loss(torch.tensor(LOGITS), torch.tensor(LABELS))
    assert got.item() == pytest.approx(np_bce(LOGITS, LABELS).mean(), rel=1e-12)
    # logit 0, label 1: -log(0.5)
    single = loss(torch.tensor([0.0]), torch.tensor([1]))
    assert single.item() == pytest.approx(math.log(2.0))


def test_binary_cross_entropy_label_smoothing() -> None:
    loss = loss_from("binary_cross_entropy { label_smoothing: 0.2 }", 1)
    smoothed = LABELS * 0.8 + 0.1  # 1 -> 0.9, 0 -> 0.1
    got = loss(torch.tensor(LOGITS), torch.tensor(LABELS))
    assert got.item() == pytest.approx(np_bce(LOGITS, smoothed).mean(), rel=1e-6)
    # logit 0 predicts 0.5 whatever the target: -log(0.5) still.
    assert loss(torch.tensor([0.0]), torch.tensor([1])).item() == pytest.approx(math.log(2.0))


def test_binary_cross_entropy_with_two_logits_is_two_class_softmax_ce() -> None:
    logits = np.array([[0.3, -0.2], [1.0, 2.0], [-0.5, -0.5]])
    labels = np.array([0, 1, 1])
    expected = -np_log_softmax(logits)[np.arange(3), labels].mean()
    got = loss_from("binary_cross_entropy {}", 2)(torch.tensor(logits), torch.tensor(labels))
    assert got.item() == pytest.approx(expected, rel=1e-12)


def test_sample_weights_give_a_weighted_mean() -> None:
    loss = loss_from("l2_loss {}", 1)
    logits, labels = torch.tensor([1.0, 2.5]), torch.tensor([0.0, 3.0])
    assert loss(logits, labels).item() == pytest.approx((1.0 + 0.25) / 2)
    weights = torch.tensor([1.0, 3.0])
    assert loss(logits, labels, weights).item() == pytest.approx((1.0 + 3 * 0.25) / 4)
    assert loss(logits, labels, weights * 10).item() == pytest.approx((1.0 + 3 * 0.25) / 4)
    assert loss(logits, labels, torch.tensor([0.0, 1.0])).item() == pytest.approx(0.25)
    assert weighted_mean(torch.tensor([2.0, 4.0]), torch.zeros(2)).item() == 0.0


def test_binary_focal_loss_matches_numpy() -> None:
    loss = loss_from("binary_focal_loss { gamma: 2.0 alpha: 0.25 }", 1)
    p = np_sigmoid(LOGITS)
    p_t = np.where(LABELS == 1, p, 1 - p)
    alpha_t = np.where(LABELS == 1, 0.25, 0.75)
    expected = (-alpha_t * (1 - p_t) ** 2 * np.log(p_t)).mean()
    got = loss(torch.tensor(LOGITS), torch.tensor(LABELS))
    assert got.item() == pytest.approx(expected, rel=1e-10)


def test_binary_focal_loss_without_focusing_is_half_bce() -> None:
    loss = loss_from("binary_focal_loss { gamma: 0.0 alpha: 0.5 }", 1)
    got = loss(torch.tensor(LOGITS), torch.tensor(LABELS))
    assert got.item() == pytest.approx(0.5 * np_bce(LOGITS, LABELS).mean(), rel=1e-10)


def test_softmax_cross_entropy_with_label_smoothing() -> None:
    logits = np.array([[1.0, 0.0, -1.0], [0.2, 0.4, 0.1]])
    labels = np.array([0, 2])
    plain = -np_log_softmax(logits)[np.arange(2), labels].mean()
    got = loss_from("softmax_cross_entropy {}", 3)(torch.tensor(logits), torch.tensor(labels))
    assert got.item() == pytest.approx(plain, rel=1e-12)
    target = np.full((2, 3), 0.3 / 3) + 0.7 * np.eye(3)[labels]
    smoothed = -(target * np_log_softmax(logits)).sum(axis=1).mean()
    loss = loss_from("softmax_cross_entropy { label_smoothing: 0.3 }", 3)
    assert loss(torch.tensor(logits), torch.tensor(labels)).item() == pytest.approx(smoothed)


def np_jrc(logits: np.ndarray, labels: np.ndarray, sessions: np.ndarray, alpha: float) -> float:
    """JRC loss by explicit loops over samples and sessions (the paper's formulation)."""
    log_probs = np_log_softmax(logits)
    calibration = -log_probs[np.arange(len(labels)), labels].mean()
    generative = []
    for i, session in enumerate(sessions):
        members = sessions == session
        column = 1 if labels[i] == 1 else 0
        scores = logits[members, column]
        generative.append(-(logits[i, column] - np.log(np.exp(scores).sum())))
    return alpha * calibration + (1 - alpha) * float(np.mean(generative))


def test_jrc_loss_on_two_sessions() -> None:
    logits = np.array([[0.1, 0.9], [0.4, -0.3], [1.2, 0.2], [-0.6, 0.8], [0.3, 0.0]])
    labels = np.array([1, 0, 0, 1, 0])
    sessions = np.array([7, 7, 7, 42, 42])
    loss = loss_from("jrc_loss { session_name: 'user_id' alpha: 0.25 }", 2)
    assert loss.needs_session and loss.session_name == "user_id"
    got = loss(torch.tensor(logits), torch.tensor(labels), session_ids=torch.tensor(sessions))
    assert got.item() == pytest.approx(np_jrc(logits, labels, sessions, 0.25), rel=1e-10)
    # Hand check of one generative term: sample 0 is the positive of session 7, scored
    # by z1 against z1 of all of session 7: -log(e^0.9 / (e^0.9 + e^-0.3 + e^0.2)).
    term = -math.log(math.exp(0.9) / (math.exp(0.9) + math.exp(-0.3) + math.exp(0.2)))
    alone = torch.tensor([[0.1, 0.9], [0.4, -0.3], [1.2, 0.2]])
    pure_generative = loss_from("jrc_loss { session_name: 'u' alpha: 0.0 }", 2)
    only_sample_0 = torch.tensor([1.0, 0.0, 0.0])  # weights pick out sample 0's term
    value = pure_generative(
        alone, torch.tensor([1, 0, 0]), sample_weights=only_sample_0, session_ids=torch.ones(3)
    )
    assert value.item() == pytest.approx(term, rel=1e-6)


def test_jrc_loss_ignores_order_and_singleton_sessions_add_nothing() -> None:
    generator = torch.Generator().manual_seed(3)
    logits = torch.randn(12, 2, generator=generator, dtype=torch.float64, requires_grad=True)
    labels = torch.randint(0, 2, (12,), generator=generator)
    sessions = torch.randint(100, 104, (12,), generator=generator)
    loss = loss_from("jrc_loss { session_name: 'u' alpha: 0.5 }", 2)
    value = loss(logits, labels, session_ids=sessions)
    perm = torch.randperm(12, generator=generator)
    assert loss(logits[perm], labels[perm], session_ids=sessions[perm]).item() == pytest.approx(
        value.item(), rel=1e-12
    )
    value.backward()
    assert logits.grad is not None and bool(torch.isfinite(logits.grad).all())
    generative_only = loss_from("jrc_loss { session_name: 'u' alpha: 0.0 }", 2)
    unique_sessions = torch.arange(12)
    assert generative_only(logits, labels, session_ids=unique_sessions).item() == 0.0
    with pytest.raises(ValueError, match="session ids"):
        loss(logits, labels)


@pytest.mark.parametrize(
    ("text", "num_class", "message"),
    [
        ("binary_cross_entropy {}", 3, "loss 'binary_cross_entropy' needs num_class 1 or 2, got"),
        ("binary_focal_loss {}", 2, "loss 'binary_focal_loss' needs num_class 1, got num_class 2"),
        ("softmax_cross_entropy {}", 1, "'softmax_cross_entropy' needs num_class > 1"),
        ("l2_loss {}", 2, "loss 'l2_loss' needs num_class 1, got num_class 2"),
        ("jrc_loss { session_name: 'u' }", 1, "loss 'jrc_loss' needs num_class 2, got num_class 1"),
        ("jrc_loss {}", 2, "jrc_loss.session_name"),
        ("binary_cross_entropy { label_smoothing: 1.0 }", 1, "label_smoothing must be in"),
        ("binary_focal_loss { gamma: -1 }", 1, "gamma must be >= 0"),
        ("binary_focal_loss { alpha: 1.5 }", 1, "alpha must be in"),
        ("recon_loss {}", 1, "semantic-id"),
    ],
)
def test_bad_loss_configs_name_the_loss(text: str, num_class: int, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        loss_from(text, num_class)
