"""DLRM's dot interaction: every pairwise inner product of a set of feature vectors.

DLRM (Naumov et al., 2019) stacks the bottom MLP's output of the dense features and the
embedding of each sparse feature into F vectors of one dimension D, and models their
second-order interactions as the F * (F - 1) / 2 inner products of distinct pairs, i.e. the
strict upper triangle of the (F, F) Gram matrix. With ``self_interaction`` the diagonal
(each vector's squared norm) is kept too, F * (F + 1) / 2 values.
"""

from __future__ import annotations

import torch
from torch import nn


class DotInteraction(nn.Module):
    """Upper-triangle inner products of ``num_vectors`` vectors per row.

    The pair indices are fixed at construction (a buffer), so the forward pass is plain
    tensor code: FX-traceable and free of data-dependent control flow.

    Args:
        num_vectors: F, the vectors interacted per row (the second input dimension).
        self_interaction: also keep each vector's inner product with itself.

    Raises:
        ValueError: when F gives no pair to interact (F < 2 without self-interaction).
    """

    _rows: torch.Tensor
    _cols: torch.Tensor

    def __init__(self, num_vectors: int, self_interaction: bool = False) -> None:
        super().__init__()
        offset = 0 if self_interaction else 1
        rows, cols = torch.triu_indices(num_vectors, num_vectors, offset=offset)
        if rows.numel() == 0:
            raise ValueError(
                f"DotInteraction of {num_vectors} vector(s) has no pair to interact; "
                "it needs at least 2 (or self_interaction)"
            )
        self._num_pairs = int(rows.numel())
        self.register_buffer("_rows", rows, persistent=False)
        self.register_buffer("_cols", cols, persistent=False)

    def output_dim(self) -> int:
        """Number of interaction values per row: F (F - 1) / 2, or F (F + 1) / 2."""
        return self._num_pairs

    def forward(self, vectors: torch.Tensor) -> torch.Tensor:
        """Interact ``vectors`` (B, F, D) into (B, output_dim()), row-major over pairs.

        Pairs are ordered (0, 1), (0, 2), ..., (1, 2), ... (with (i, i) first in each
        row under self-interaction).
        """
        gram = torch.bmm(vectors, vectors.transpose(1, 2))
        return gram[:, self._rows, self._cols]
