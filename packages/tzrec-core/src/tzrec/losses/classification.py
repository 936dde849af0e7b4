"""Classification losses on logits: binary cross entropy, binary focal loss, softmax CE."""

from __future__ import annotations

from torch import Tensor
from torch.nn import functional

from tzrec.losses.base import RankLoss


def binary_logit(logits: Tensor) -> Tensor:
    """The logit of class 1 of a binary head, shape (B,).

    A head with num_class 1 gives it directly. A head with num_class 2 gives two logits
    (z0, z1); ``sigmoid(z1 - z0)`` equals the softmax probability of class 1, so binary
    cross entropy on ``z1 - z0`` is exactly the two-class softmax cross entropy.
    """
    if logits.dim() == 2 and logits.shape[1] == 2:
        return logits[:, 1] - logits[:, 0]
    return logits.reshape(-1)


class BinaryCrossEntropyLoss(RankLoss):
    """Binary cross entropy with optional label smoothing, for num_class 1 or 2.

    Labels may be hard (0/1) or soft (a probability in [0, 1]). With label smoothing
    ``s`` the target becomes ``label * (1 - s) + 0.5 * s``.
    """

    name = "binary_cross_entropy"

    def __init__(self, label_smoothing: float = 0.0) -> None:
        """Args: label_smoothing: smoothing factor in [0, 1); 0 disables it."""
        super().__init__()
        self.label_smoothing = label_smoothing

    def per_sample(self, logits: Tensor, labels: Tensor) -> Tensor:
        """Binary cross entropy of each sample, computed stably from the logit."""
        logit = binary_logit(logits)
        target = labels.to(logit.dtype).reshape(logit.shape)
        if self.label_smoothing > 0:
            target = target * (1.0 - self.label_smoothing) + 0.5 * self.label_smoothing
        return functional.binary_cross_entropy_with_logits(logit, target, reduction="none")


class BinaryFocalLoss(RankLoss):
    """Focal loss (Lin et al. 2017) for a binary head with num_class 1.

    ``loss = -alpha * y * (1 - p)^gamma * log(p) - (1 - alpha) * (1 - y) * p^gamma *
    log(1 - p)`` with ``p = sigmoid(logit)``; for hard labels this is the usual
    ``-alpha_t (1 - p_t)^gamma log(p_t)``, and soft labels interpolate the two terms.
    """

    name = "binary_focal_loss"

    def __init__(self, gamma: float = 2.0, alpha: float = 0.5) -> None:
        """Args: gamma: focusing exponent >= 0. alpha: weight of positives in [0, 1]."""
        super().__init__()
        self.gamma = gamma
        self.alpha = alpha

    def per_sample(self, logits: Tensor, labels: Tensor) -> Tensor:
        """Focal loss of each sample; log-probabilities come from logsigmoid for stability."""
        logit = logits.reshape(-1)
        target = labels.to(logit.dtype).reshape(logit.shape)
        log_p = functional.logsigmoid(logit)
        log_not_p = functional.logsigmoid(-logit)
        p = log_p.exp()
        positive = self.alpha * target * (1.0 - p).pow(self.gamma) * -log_p
        negative = (1.0 - self.alpha) * (1.0 - target) * p.pow(self.gamma) * -log_not_p
        return positive + negative


class SoftmaxCrossEntropyLoss(RankLoss):
    """Softmax cross entropy over C > 1 classes, with optional label smoothing.

    With smoothing ``s`` the target distribution is ``(1 - s) * one_hot + s / C``
    (PyTorch's definition).
    """

    name = "softmax_cross_entropy"

    def __init__(self, label_smoothing: float = 0.0) -> None:
        """Args: label_smoothing: smoothing factor in [0, 1); 0 disables it."""
        super().__init__()
        self.label_smoothing = label_smoothing

    def per_sample(self, logits: Tensor, labels: Tensor) -> Tensor:
        """Cross entropy of each sample against its class id."""
        return functional.cross_entropy(
            logits,
            labels.long().reshape(-1),
            reduction="none",
            label_smoothing=self.label_smoothing,
        )
