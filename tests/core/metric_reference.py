"""Independent numpy references for the metric tests (pairwise definitions, loops)."""

from __future__ import annotations

import numpy as np


def exact_auc(preds: np.ndarray, labels: np.ndarray) -> float:
    """P(score of a positive > score of a negative), ties counting one half."""
    pos, neg = preds[labels == 1], preds[labels == 0]
    greater = (pos[:, None] > neg[None, :]).sum()
    ties = (pos[:, None] == neg[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(pos) * len(neg)))


def grouped_auc(preds: np.ndarray, labels: np.ndarray, groups: np.ndarray) -> float:
    """Mean exact AUC over groups having both classes."""
    aucs = []
    for group in np.unique(groups):
        member = groups == group
        if 0 < labels[member].sum() < member.sum():
            aucs.append(exact_auc(preds[member], labels[member]))
    return float(np.mean(aucs))


def exact_xauc(preds: np.ndarray, labels: np.ndarray) -> float:
    """Over all pairs with different labels: 1 if ordered like the labels, 0.5 on a tie."""
    label_diff = labels[:, None] - labels[None, :]
    pred_diff = preds[:, None] - preds[None, :]
    upper = np.triu(np.ones_like(label_diff, dtype=bool), k=1) & (label_diff != 0)
    score = np.where(label_diff * pred_diff > 0, 1.0, np.where(pred_diff == 0, 0.5, 0.0))
    return float(score[upper].sum() / upper.sum())
