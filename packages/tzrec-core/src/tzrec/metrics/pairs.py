"""Sample pairs within groups and score how well predictions order continuous labels.

Shared by XAUC (one group: the whole data or one batch) and grouped XAUC.
"""

from __future__ import annotations

import torch
from torch import Tensor

from tzrec.metrics.grouped_auc import run_starts


def all_pairs_in_groups(group_start: Tensor, group_size: Tensor, member_group: Tensor) -> Tensor:
    """Every unordered pair (i < j) of samples in the same group, for chosen groups.

    Args:
        group_start: (G,) index of the first sample of each group (samples sorted by group).
        group_size: (G,) number of samples of each group.
        member_group: (N,) group of each sample; samples of groups not to enumerate carry -1.

    Returns:
        (2, P) sample indices of the pairs.
    """
    device = group_start.device
    chosen = member_group >= 0
    index = torch.arange(member_group.numel(), device=device)
    safe_group = member_group.clamp_min(0)
    later_members = group_start[safe_group] + group_size[safe_group] - index - 1
    later_members = torch.where(chosen, later_members, 0)
    first = torch.repeat_interleave(index, later_members)
    block_start = torch.cumsum(later_members, 0) - later_members
    offset = torch.arange(first.numel(), device=device) - block_start[first] + 1
    return torch.stack([first, first + offset])


def random_pairs_in_groups(
    group_start: Tensor,
    group_size: Tensor,
    groups: Tensor,
    pairs_per_group: int,
    generator: torch.Generator,
) -> Tensor:
    """``pairs_per_group`` random pairs of distinct samples from each given group.

    Pairs are drawn uniformly with replacement among the ordered pairs (i != j).

    Args:
        group_start: (G,) index of the first sample of each group.
        group_size: (G,) number of samples of each group (each >= 2 where drawn).
        groups: (K,) the groups to draw from.
        pairs_per_group: pairs drawn per group.
        generator: CPU random generator; the draw is reproducible given its state.

    Returns:
        (2, K * pairs_per_group) sample indices.
    """
    pair_group = torch.repeat_interleave(groups, pairs_per_group)
    size = group_size[pair_group].cpu().to(torch.float64)
    u = torch.rand((2, pair_group.numel()), generator=generator, dtype=torch.float64)
    first = (u[0] * size).long().minimum(size.long() - 1)
    second = (u[1] * (size - 1)).long().minimum(size.long() - 2)
    second = second + (second >= first).long()  # skip i itself: uniform over j != i
    start = group_start[pair_group]
    return torch.stack([first.to(start.device) + start, second.to(start.device) + start])


def pair_scores(preds: Tensor, labels: Tensor, pairs: Tensor) -> tuple[Tensor, Tensor]:
    """Concordance of each pair and whether it counts.

    A pair counts when its labels differ. It scores 1 when the predictions order it like
    the labels, 0.5 when the predictions tie, 0 otherwise.

    Returns:
        ``(score, counts)``: float64 (P,) scores (0 where the pair does not count) and the
        float64 (P,) 0/1 indicator of counted pairs.
    """
    label_diff = labels[pairs[0]] - labels[pairs[1]]
    pred_diff = preds[pairs[0]] - preds[pairs[1]]
    counts = (label_diff != 0).to(torch.float64)
    agreement = torch.sign(label_diff) * torch.sign(pred_diff)
    score = torch.where(agreement > 0, 1.0, torch.where(pred_diff == 0, 0.5, 0.0))
    return score.to(torch.float64) * counts, counts


def grouped_pair_concordance(
    preds: Tensor,
    labels: Tensor,
    groups: Tensor,
    max_pairs_per_group: int,
    generator: torch.Generator,
) -> tuple[Tensor, Tensor]:
    """Concordant-pair score sum and counted-pair number of every group.

    A group with at most ``max_pairs_per_group`` pairs uses all of them (exact); a larger
    group uses ``max_pairs_per_group`` random pairs.

    Args:
        preds: (N,) predictions.
        labels: (N,) continuous labels.
        groups: (N,) integer group ids.
        max_pairs_per_group: pair budget of a group (>= 1).
        generator: CPU random generator for the sampled groups.

    Returns:
        ``(score_sum, pair_count)``, float64 of shape (number of distinct groups,).
    """
    order = torch.argsort(groups, stable=True)
    preds, labels, groups = preds[order], labels[order], groups[order]
    starts = run_starts(groups)
    group_index = torch.cumsum(starts.long(), 0) - 1
    num_groups = int(starts.sum())
    group_start = torch.nonzero(starts).reshape(-1)
    group_size = torch.bincount(group_index, minlength=num_groups)
    total_pairs = group_size * (group_size - 1) // 2
    exact = total_pairs <= max_pairs_per_group
    exact_pairs = all_pairs_in_groups(
        group_start, group_size, torch.where(exact[group_index], group_index, -1)
    )
    sampled_groups = torch.nonzero(~exact).reshape(-1)
    sampled_pairs = random_pairs_in_groups(
        group_start, group_size, sampled_groups, max_pairs_per_group, generator
    )
    pairs = torch.cat([exact_pairs, sampled_pairs], dim=1)
    score, counts = pair_scores(preds, labels, pairs)
    pair_group = group_index[pairs[0]]
    zeros = torch.zeros(num_groups, dtype=torch.float64, device=preds.device)
    return zeros.index_add(0, pair_group, score), zeros.index_add(0, pair_group, counts)
