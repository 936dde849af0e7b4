"""Losses of ranking heads: built from ``LossConfig`` by :func:`create_loss`.

Every loss takes the head's logits, the labels and optional per-sample weights and
returns ``sum(w * loss) / sum(w)`` (a plain mean without weights).
"""

from tzrec.losses.base import RankLoss, weighted_mean
from tzrec.losses.factory import create_loss, loss_name

__all__ = ["RankLoss", "create_loss", "loss_name", "weighted_mean"]
