"""Recall@K of retrieval / multi-class scores."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor
from torch.nn import functional
from torchmetrics import Metric


class RecallAtK(Metric):
    """Relevant items found among the top-k scores, over all relevant items.

    ``recall@k = sum_rows |top_k(row) & relevant(row)| / sum_rows |relevant(row)|``
    (TorchEasyRec's definition: positives in the top K over all positives). Counts are
    summed over processes.
    """

    full_state_update = False
    higher_is_better = True
    is_differentiable = False

    hits: Tensor
    relevant: Tensor

    def __init__(self, top_k: int = 5, **kwargs: Any) -> None:
        """Args: top_k: number of top scores considered (>= 1). kwargs: for ``Metric``."""
        super().__init__(**kwargs)
        self.top_k = top_k
        zero = torch.tensor(0.0, dtype=torch.float64)
        self.add_state("hits", default=zero.clone(), dist_reduce_fx="sum")
        self.add_state("relevant", default=zero.clone(), dist_reduce_fx="sum")

    def update(self, preds: Tensor, labels: Tensor) -> None:
        """Add a batch.

        Args:
            preds: (B, C) scores of C candidates (items or classes).
            labels: (B,) index of the one relevant candidate of each row, or (B, C) 0/1
                relevance of every candidate.
        """
        preds = preds.detach()
        if labels.dim() == 1:
            relevance = functional.one_hot(labels.long(), preds.shape[1]).to(torch.float64)
        else:
            relevance = labels.detach().to(torch.float64)
        k = min(self.top_k, preds.shape[1])
        top = torch.topk(preds, k, dim=1).indices
        self.hits += relevance.gather(1, top).sum()
        self.relevant += relevance.sum()

    def compute(self) -> Tensor:
        """Recall@K as a float64 scalar (NaN when nothing was relevant)."""
        if self.relevant == 0:
            return torch.tensor(torch.nan, dtype=torch.float64, device=self.device)
        return self.hits / self.relevant
