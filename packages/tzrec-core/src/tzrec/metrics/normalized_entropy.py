"""Normalized entropy: model log-loss over the log-loss of the constant base-rate predictor."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor
from torchmetrics import Metric


class NormalizedEntropy(Metric):
    """``NE = ce_sum / ce_norm`` for binary predictions.

    ``ce_sum = -sum(y log p + (1 - y) log(1 - p))`` and ``ce_norm = -(N_pos log p_avg +
    N_neg log(1 - p_avg))`` with ``p_avg = N_pos / N`` kept in ``[eta, 1 - eta]``;
    predictions are kept in the same range so that a confident mistake gives a large
    finite loss. Soft labels count fractionally towards ``N_pos``. Sums are float64 and
    summed over processes, so the value is exact under distributed evaluation.
    """

    full_state_update = False
    higher_is_better = False
    is_differentiable = False

    cross_entropy: Tensor
    positives: Tensor
    samples: Tensor

    def __init__(self, eta: float = 1e-12, **kwargs: Any) -> None:
        """Args: eta: distance kept from 0 and 1, in [0, 0.5). kwargs: for ``Metric``."""
        super().__init__(**kwargs)
        self.eta = eta
        zero = torch.tensor(0.0, dtype=torch.float64)
        self.add_state("cross_entropy", default=zero.clone(), dist_reduce_fx="sum")
        self.add_state("positives", default=zero.clone(), dist_reduce_fx="sum")
        self.add_state("samples", default=zero.clone(), dist_reduce_fx="sum")

    def update(self, preds: Tensor, labels: Tensor) -> None:
        """Add a batch of (B,) probabilities of class 1 and (B,) labels in [0, 1]."""
        p = preds.detach().reshape(-1).to(torch.float64).clamp(self.eta, 1.0 - self.eta)
        y = labels.detach().reshape(-1).to(torch.float64)
        self.cross_entropy += -(y * p.log() + (1.0 - y) * (1.0 - p).log()).sum()
        self.positives += y.sum()
        self.samples += y.numel()

    def compute(self) -> Tensor:
        """NE as a float64 scalar (NaN before any sample)."""
        if self.samples == 0:
            return torch.tensor(torch.nan, dtype=torch.float64, device=self.device)
        base_rate = (self.positives / self.samples).clamp(self.eta, 1.0 - self.eta)
        negatives = self.samples - self.positives
        baseline = -(self.positives * base_rate.log() + negatives * (1.0 - base_rate).log())
        return self.cross_entropy / baseline
