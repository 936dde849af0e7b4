"""Second-order Factorization Machine interaction (Rendle 2010), as used by DeepFM."""

from __future__ import annotations

import torch
from torch import nn


class FactorizationMachine(nn.Module):
    """Pairwise interactions of N feature embeddings, per embedding dimension.

    ``sum_{i<j} v_i * v_j = 0.5 * ((sum_i v_i)^2 - sum_i v_i^2)``, computed elementwise,
    so the output keeps the embedding dimension (DeepFM sums it into its logit or feeds
    it to the final MLP).
    """

    def forward(self, embeddings: torch.Tensor) -> torch.Tensor:
        """Interact ``embeddings`` of shape (B, N, D) into (B, D)."""
        check_three_dims(embeddings)
        square_of_sum = embeddings.sum(dim=1).pow(2)
        sum_of_square = embeddings.pow(2).sum(dim=1)
        return 0.5 * (square_of_sum - sum_of_square)


def check_three_dims(embeddings: torch.Tensor) -> None:
    """Raise ValueError unless ``embeddings`` is (batch, features, dim).

    A leaf of FX tracing (``torch.fx.wrap``), so the check stays in exported programs.
    """
    if embeddings.dim() != 3:
        raise ValueError(
            "FactorizationMachine expects (batch, features, dim), got "
            + str(embeddings.dim())
            + " dimensions"
        )


torch.fx.wrap("check_three_dims")
