"""Regression losses."""

from __future__ import annotations

from torch import Tensor

from tzrec.losses.base import RankLoss


class L2Loss(RankLoss):
    """Squared error ``(prediction - label)^2`` of a regression head (num_class 1)."""

    name = "l2_loss"

    def per_sample(self, logits: Tensor, labels: Tensor) -> Tensor:
        """Squared error of each sample; the head's output is the prediction itself."""
        prediction = logits.reshape(-1)
        return (prediction - labels.to(prediction.dtype).reshape(prediction.shape)).pow(2)
