"""The contract every ranking loss follows, and the sample-weighted mean they share."""

from __future__ import annotations

import torch
from torch import Tensor, nn


def weighted_mean(per_sample: Tensor, sample_weights: Tensor | None) -> Tensor:
    """Reduce per-sample losses to one scalar.

    With weights the result is ``sum(w * l) / sum(w)``, so scaling every weight by the
    same factor leaves the loss unchanged and a weight of 0 drops a sample. A batch whose
    weights sum to 0 gives 0 rather than NaN.

    Args:
        per_sample: loss of each sample, shape (B,).
        sample_weights: weight of each sample, shape (B,), or None for a plain mean.

    Returns:
        A scalar tensor.
    """
    if sample_weights is None:
        return per_sample.mean()
    weights = sample_weights.to(per_sample.dtype).reshape(per_sample.shape)
    total = weights.sum()
    weighted = (per_sample * weights).sum()
    return torch.where(total != 0, weighted / torch.where(total != 0, total, 1.0), 0.0 * weighted)


class RankLoss(nn.Module):
    """A loss of a ranking head: logits and labels of a batch in, one scalar out.

    Attributes:
        name: the loss's config name (the ``LossConfig`` oneof), e.g.
            ``"binary_cross_entropy"``; the key of the loss in training logs.
        needs_session: whether ``forward`` needs ``session_ids`` (JRC loss).
        session_name: the input column holding session ids when ``needs_session``.
    """

    name: str = ""
    needs_session: bool = False
    session_name: str | None = None

    def per_sample(self, logits: Tensor, labels: Tensor) -> Tensor:
        """The loss of each sample, shape (B,); subclasses without sessions define this."""
        raise NotImplementedError

    def forward(
        self,
        logits: Tensor,
        labels: Tensor,
        sample_weights: Tensor | None = None,
        session_ids: Tensor | None = None,
    ) -> Tensor:
        """The (sample-weighted) mean loss of the batch.

        Args:
            logits: (B,) for a head with num_class 1, (B, C) for num_class C > 1.
            labels: (B,) class ids (int64) or float targets / soft binary labels.
            sample_weights: (B,) per-sample weights, or None.
            session_ids: (B,) session of each sample; only used by session losses.

        Returns:
            A scalar tensor.
        """
        return weighted_mean(self.per_sample(logits, labels), sample_weights)
