"""Pair enumeration and sampling behind XAUC / grouped XAUC."""

from __future__ import annotations

import torch

from tzrec.metrics.pairs import (
    all_pairs_in_groups,
    grouped_pair_concordance,
    random_pairs_in_groups,
)
from tzrec.metrics.xauc import pair_budget


def test_all_pairs_in_chosen_groups() -> None:
    # samples sorted by group: group 0 = [0, 1, 2], group 1 = [3, 4] (not chosen), group 2 = [5, 6]
    group_start, group_size = torch.tensor([0, 3, 5]), torch.tensor([3, 2, 2])
    member_group = torch.tensor([0, 0, 0, -1, -1, 2, 2])
    pairs = all_pairs_in_groups(group_start, group_size, member_group)
    assert pairs.t().tolist() == [[0, 1], [0, 2], [1, 2], [5, 6]]


def test_random_pairs_stay_in_their_group_and_cover_it() -> None:
    group_start, group_size = torch.tensor([0, 4]), torch.tensor([4, 3])
    generator = torch.Generator().manual_seed(0)
    pairs = random_pairs_in_groups(group_start, group_size, torch.tensor([0, 1]), 500, generator)
    assert pairs.shape == (2, 1000)
    first, second = pairs
    assert bool((first != second).all())
    in_group_0 = (first < 4) & (second < 4)
    in_group_1 = (first >= 4) & (first < 7) & (second >= 4) & (second < 7)
    assert bool(in_group_0[:500].all()) and bool(in_group_1[500:].all())
    assert len({tuple(p) for p in pairs[:, :500].t().tolist()}) == 12  # all ordered pairs seen


def test_pair_budget() -> None:
    assert pair_budget(5, 1.0, None) == 10
    assert pair_budget(5, 0.5, None) == 5
    assert pair_budget(5, 0.001, None) == 1
    assert pair_budget(1000, 1.0, 300) == 300


def test_large_groups_are_sampled_small_groups_are_exact() -> None:
    labels = torch.cat([torch.arange(3.0), torch.arange(60.0)])
    preds = labels.clone()
    preds[:3] = torch.tensor([2.0, 1.0, 0.0])  # group 7: every pair wrong
    groups = torch.tensor([7] * 3 + [9] * 60)
    generator = torch.Generator().manual_seed(1)
    score, count = grouped_pair_concordance(preds, labels, groups, 50, generator)
    assert score.tolist() == [0.0, 50.0]  # group 9 perfectly ordered, 50 sampled pairs
    assert count.tolist() == [3.0, 50.0]
