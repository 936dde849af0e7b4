"""xDeepFM's Compressed Interaction Network (CIN): explicit vector-wise feature crosses.

The input X^0 (B, m, D) holds m field embeddings of one dimension D. Layer k forms every
field-wise (Hadamard) product of a row of X^{k-1} (H_{k-1} rows) with a row of X^0,
Z^k[i, j, :] = X^{k-1}[i, :] * X^0[j, :], and compresses the H_{k-1} * m products into
H_k feature maps with a learned weighted sum per map (a 1x1 convolution over the D axis):

    X^k[h, :] = sum_{i, j} W^k[h, i, j] * X^{k-1}[i, :] * X^0[j, :]

Each layer's maps are sum-pooled over D and the pooled vectors of all layers are
concatenated, so the output has sum_k H_k values per row (Lian et al., 2018, eq. 6-9;
identity activation, no bias, no split-half).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


class CIN(nn.Module):
    """A CIN over ``num_fields`` fields with ``layer_sizes`` feature maps per layer.

    Args:
        num_fields: m, the number of field embeddings per row.
        layer_sizes: H_1, ..., H_K, the feature maps of each layer.

    Raises:
        ValueError: when there are no fields or layers, or a size is not positive.
    """

    def __init__(self, num_fields: int, layer_sizes: Sequence[int]) -> None:
        super().__init__()
        sizes = [int(s) for s in layer_sizes]
        if num_fields <= 0:
            raise ValueError(f"CIN needs at least one field, got {num_fields}")
        if not sizes or any(s <= 0 for s in sizes):
            raise ValueError(f"CIN layer sizes must be a non-empty list of positives: {sizes}")
        self._num_fields = num_fields
        self._layer_sizes = sizes
        self.convs = nn.ModuleList()
        previous = num_fields
        for size in sizes:
            self.convs.append(nn.Conv1d(previous * num_fields, size, kernel_size=1, bias=False))
            previous = size

    def output_dim(self) -> int:
        """Width of the output: the sum of the layer sizes."""
        return sum(self._layer_sizes)

    def forward(self, x0: torch.Tensor) -> torch.Tensor:
        """Interact ``x0`` (B, m, D) into the pooled feature maps (B, sum H_k)."""
        batch, dim = x0.shape[0], x0.shape[2]
        hidden = x0
        pooled = []
        for conv in self.convs:
            # (B, H, 1, D) * (B, 1, m, D) -> (B, H * m, D), row i * m + j = X^{k-1}_i * X^0_j
            products = (hidden.unsqueeze(2) * x0.unsqueeze(1)).reshape(batch, -1, dim)
            hidden = conv(products)
            pooled.append(hidden.sum(dim=2))
        return torch.cat(pooled, dim=1)
