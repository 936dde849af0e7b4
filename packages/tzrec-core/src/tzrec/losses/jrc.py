"""JRC loss: joint ranking and calibration (Sheng et al., arXiv 2208.06164)."""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn import functional

from tzrec.losses.base import RankLoss, weighted_mean


def session_log_softmax(scores: Tensor, session_index: Tensor, num_sessions: int) -> Tensor:
    """``log(exp(s_i) / sum_{j in session(i)} exp(s_j))`` for every sample at once.

    The per-session log-sum-exp is built with scatter operations, so memory stays O(B)
    instead of the O(B^2) of a session mask.

    Args:
        scores: (B,) one score per sample.
        session_index: (B,) dense session index in [0, num_sessions) of each sample.
        num_sessions: number of distinct sessions.

    Returns:
        (B,) log-probability of each sample within its session.
    """
    # The shift only stabilises exp(); it cancels out, so it carries no gradient.
    shift = torch.full((num_sessions,), float("-inf"), dtype=scores.dtype, device=scores.device)
    shift = shift.scatter_reduce(0, session_index, scores.detach(), "amax", include_self=True)
    exp_sum = torch.zeros(num_sessions, dtype=scores.dtype, device=scores.device)
    exp_sum = exp_sum.index_add(0, session_index, (scores - shift[session_index]).exp())
    log_sum_exp = exp_sum.log() + shift
    return scores - log_sum_exp[session_index]


class JRCLoss(RankLoss):
    """JRC loss of a binary head with two logits (z0, z1) per sample.

    ``loss = alpha * calibration + (1 - alpha) * generative`` where

    - calibration is the two-class softmax cross entropy of each sample;
    - generative, per sample ``i`` of session ``S``: a positive contributes
      ``-log(exp(z1_i) / sum_{j in S} exp(z1_j))``, a negative contributes
      ``-log(exp(z0_i) / sum_{j in S} exp(z0_j))`` (j runs over all samples of the
      session in the batch, positives and negatives). Soft labels mix the two terms.

    Both terms are (sample-weighted) means over the batch. A session with one sample
    has a generative term of 0.
    """

    name = "jrc_loss"
    needs_session = True

    def __init__(self, session_name: str, alpha: float = 0.5) -> None:
        """Args: session_name: session id column. alpha: calibration weight in [0, 1]."""
        super().__init__()
        self.session_name = session_name
        self.alpha = alpha

    def forward(
        self,
        logits: Tensor,
        labels: Tensor,
        sample_weights: Tensor | None = None,
        session_ids: Tensor | None = None,
    ) -> Tensor:
        """JRC loss of the batch; ``session_ids`` (B,) is required.

        Args:
            logits: (B, 2) logits of class 0 and class 1.
            labels: (B,) labels in {0, 1} (or soft labels in [0, 1]).
            sample_weights: (B,) per-sample weights, or None.
            session_ids: (B,) session id of each sample (any integer ids).

        Returns:
            A scalar tensor.
        """
        if session_ids is None:
            raise ValueError(
                f"jrc_loss needs the session ids of the batch (session_name "
                f"'{self.session_name}'), got none"
            )
        if logits.dim() != 2 or logits.shape[1] != 2:
            raise ValueError(f"jrc_loss needs logits of shape (B, 2), got {tuple(logits.shape)}")
        target = labels.to(logits.dtype).reshape(-1)
        log_probs = functional.log_softmax(logits, dim=1)
        calibration = -(target * log_probs[:, 1] + (1.0 - target) * log_probs[:, 0])
        sessions, session_index = torch.unique(session_ids.reshape(-1), return_inverse=True)
        num_sessions = sessions.numel()
        positive = session_log_softmax(logits[:, 1], session_index, num_sessions)
        negative = session_log_softmax(logits[:, 0], session_index, num_sessions)
        generative = -(target * positive + (1.0 - target) * negative)
        return self.alpha * weighted_mean(calibration, sample_weights) + (
            1.0 - self.alpha
        ) * weighted_mean(generative, sample_weights)
