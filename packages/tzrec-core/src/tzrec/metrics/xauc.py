"""XAUC and grouped XAUC: pairwise ordering accuracy for continuous targets (watch time).

XAUC is the fraction of sample pairs whose predictions are ordered like their labels.
Pairs with equal labels carry no order and are left out; tied predictions score 0.5.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor
from torchmetrics import Metric

from tzrec.metrics.pairs import grouped_pair_concordance
from tzrec.metrics.state import GroupedSamplesMetric, concatenated

# Pairs are drawn from a generator with this seed, reset at every compute(), so that a
# metric's value is reproducible and identical on every rank after the state sync.
PAIR_SEED = 20240607

# Budgets above this are "all pairs"; keeps int64 comparisons safe for uint64 configs.
_UNBOUNDED_PAIRS = 2**62


def pair_budget(num_samples: int, sample_ratio: float, max_pairs: int | None) -> int:
    """Number of pairs XAUC draws from ``num_samples`` samples.

    ``sample_ratio`` of all ``n (n - 1) / 2`` pairs, at least 1, at most ``max_pairs``.
    When the budget reaches the number of pairs, every pair is used (exact value).
    """
    total = num_samples * (num_samples - 1) // 2
    budget = max(1, int(total * sample_ratio))
    if max_pairs is not None:
        budget = min(budget, max_pairs)
    return min(budget, _UNBOUNDED_PAIRS)


def _nan(device: torch.device) -> Tensor:
    return torch.tensor(torch.nan, dtype=torch.float64, device=device)


class XAUC(Metric):
    """XAUC over all evaluated samples, or over pairs within each batch (``in_batch``).

    Global mode keeps every prediction and label (``cat`` states) and draws pairs at
    compute(); in-batch mode draws pairs inside each batch at update() and keeps only the
    summed pair scores. NaN when no counted pair was drawn.
    """

    full_state_update = False
    higher_is_better = True
    is_differentiable = False

    preds: list[Tensor]
    labels: list[Tensor]
    score_sum: Tensor
    pair_count: Tensor

    def __init__(
        self,
        sample_ratio: float = 1e-3,
        max_pairs: int | None = None,
        in_batch: bool = False,
        **kwargs: Any,
    ) -> None:
        """Build the metric.

        Args:
            sample_ratio: fraction of all pairs drawn, in (0, 1].
            max_pairs: upper bound on the pairs drawn (per batch when ``in_batch``).
            in_batch: pair samples of the same batch only.
            kwargs: passed to ``torchmetrics.Metric``.
        """
        super().__init__(**kwargs)
        self.sample_ratio = sample_ratio
        self.max_pairs = max_pairs
        self.in_batch = in_batch
        self._batch_generator = torch.Generator().manual_seed(PAIR_SEED)
        self.add_state("preds", default=[], dist_reduce_fx="cat")
        self.add_state("labels", default=[], dist_reduce_fx="cat")
        zero = torch.tensor(0.0, dtype=torch.float64)
        self.add_state("score_sum", default=zero.clone(), dist_reduce_fx="sum")
        self.add_state("pair_count", default=zero.clone(), dist_reduce_fx="sum")

    def _concordance(self, preds: Tensor, labels: Tensor, generator: torch.Generator) -> Tensor:
        budget = pair_budget(preds.numel(), self.sample_ratio, self.max_pairs)
        one_group = torch.zeros(preds.numel(), dtype=torch.long, device=preds.device)
        score, count = grouped_pair_concordance(preds, labels, one_group, budget, generator)
        return torch.stack([score.sum(), count.sum()])

    def update(self, preds: Tensor, labels: Tensor) -> None:
        """Add a batch of (B,) predictions and (B,) continuous labels."""
        preds, labels = preds.detach().reshape(-1), labels.detach().reshape(-1)
        if not self.in_batch:
            self.preds.append(preds)
            self.labels.append(labels)
        elif preds.numel() >= 2:
            score, count = self._concordance(preds, labels, self._batch_generator)
            self.score_sum += score
            self.pair_count += count

    def compute(self) -> Tensor:
        """XAUC as a float64 scalar."""
        if self.in_batch:
            score, count = self.score_sum, self.pair_count
        else:
            preds, labels = concatenated(self.preds), concatenated(self.labels)
            if preds is None or labels is None or preds.numel() < 2:
                return _nan(self.device)
            generator = torch.Generator().manual_seed(PAIR_SEED)
            score, count = self._concordance(preds, labels, generator)
        return score / count if count > 0 else _nan(self.device)


class GroupedXAUC(GroupedSamplesMetric):
    """Mean XAUC over groups (e.g. users), each from at most ``max_pairs_per_group`` pairs.

    A group with few enough pairs uses all of them; groups without a pair of different
    labels are left out of the mean. NaN when no group has one.
    """

    def __init__(self, max_pairs_per_group: int = 100, **kwargs: Any) -> None:
        """Args: max_pairs_per_group: pair budget of a group. kwargs: for ``Metric``."""
        super().__init__(**kwargs)
        self.max_pairs_per_group = min(max_pairs_per_group, _UNBOUNDED_PAIRS)

    def compute(self) -> Tensor:
        """Mean per-group XAUC as a float64 scalar."""
        samples = self.samples()
        if samples is None:
            return _nan(self.device)
        preds, labels, groups = samples
        score, count = grouped_pair_concordance(
            preds,
            labels,
            groups,
            self.max_pairs_per_group,
            torch.Generator().manual_seed(PAIR_SEED),
        )
        counted = count > 0
        if not bool(counted.any()):
            return _nan(self.device)
        return (score[counted] / count[counted]).mean()
