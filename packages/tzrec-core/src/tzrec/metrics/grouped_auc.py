"""Grouped AUC (GAUC): the mean of the exact AUC of each group that has both classes."""

from __future__ import annotations

import torch
from torch import Tensor

from tzrec.metrics.state import GroupedSamplesMetric


def sort_by_group_then_score(groups: Tensor, scores: Tensor) -> Tensor:
    """The permutation that orders samples by group, and by ascending score within a group."""
    by_score = torch.argsort(scores, stable=True)
    return by_score[torch.argsort(groups[by_score], stable=True)]


def run_starts(*sorted_keys: Tensor) -> Tensor:
    """Boolean (N,) marking where any of the sorted key columns changes value."""
    n = sorted_keys[0].numel()
    starts = torch.zeros(n, dtype=torch.bool, device=sorted_keys[0].device)
    if n:
        starts[0] = True
    for key in sorted_keys:
        starts[1:] |= key[1:] != key[:-1]
    return starts


def per_group_auc(preds: Tensor, labels: Tensor, groups: Tensor) -> tuple[Tensor, Tensor]:
    """The exact (Mann-Whitney) AUC of every group, tied scores counting one half.

    Within a group, with ``R`` the sum of the (tie-averaged, 1-based) ranks of the
    positives by ascending score, ``P`` positives and ``N`` negatives:
    ``AUC = (R - P (P + 1) / 2) / (P N)``; this is the formula of TorchEasyRec's
    offline GAUC SQL, with ties averaged instead of broken arbitrarily.

    Args:
        preds: (N,) scores.
        labels: (N,) labels in {0, 1}.
        groups: (N,) integer group ids.

    Returns:
        ``(auc, has_both_classes)``, each of shape (number of distinct groups,); the AUC
        of a group lacking one class is NaN.
    """
    order = sort_by_group_then_score(groups, preds)
    group_sorted, score_sorted = groups[order], preds[order]
    positive = labels[order].to(torch.float64)
    group_start = run_starts(group_sorted)
    group_index = torch.cumsum(group_start.long(), 0) - 1
    num_groups = int(group_start.sum())
    position = torch.arange(order.numel(), device=preds.device)
    first_of_group = position[group_start]
    rank_in_group = position - first_of_group[group_index]  # 0-based
    tie_start = run_starts(group_sorted, score_sorted)
    tie_index = torch.cumsum(tie_start.long(), 0) - 1
    tie_size = torch.bincount(tie_index).to(torch.float64)
    tie_mean_rank = rank_in_group[tie_start].to(torch.float64) + (tie_size - 1) / 2 + 1
    rank = tie_mean_rank[tie_index]

    zeros = torch.zeros(num_groups, dtype=torch.float64, device=preds.device)
    num_pos = zeros.index_add(0, group_index, positive)
    num_all = torch.bincount(group_index, minlength=num_groups).to(torch.float64)
    num_neg = num_all - num_pos
    rank_sum = zeros.index_add(0, group_index, rank * positive)
    has_both = (num_pos > 0) & (num_neg > 0)
    auc = (rank_sum - num_pos * (num_pos + 1) / 2) / (num_pos * num_neg)
    return torch.where(has_both, auc, torch.nan), has_both


class GroupedAUC(GroupedSamplesMetric):
    """GAUC: the unweighted mean AUC over the groups (e.g. users) with both classes.

    Keeps every score, label and group id (``cat`` states), so the value is exact and the
    same whether the data was seen by one process or spread over several. NaN when no
    group has both a positive and a negative.
    """

    def compute(self) -> Tensor:
        """Mean AUC of the groups having both classes (float64 scalar)."""
        samples = self.samples()
        if samples is None:
            return torch.tensor(torch.nan, dtype=torch.float64, device=self.device)
        preds, labels, groups = samples
        auc, has_both = per_group_auc(preds, labels, groups)
        if not bool(has_both.any()):
            return torch.tensor(torch.nan, dtype=torch.float64, device=auc.device)
        return auc[has_both].mean()
