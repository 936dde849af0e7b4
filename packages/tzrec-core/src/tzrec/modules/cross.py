"""Cross networks of DCN: explicit, bounded-degree feature crosses of one input vector.

Both keep the input x_0 (B, D) and refine x_l layer by layer, each layer raising the
polynomial degree of the crosses by one while a residual keeps the lower degrees:

- :class:`Cross` (DCN v1, Wang et al. 2017): x_{l+1} = x_0 * (x_l . w_l) + b_l + x_l, one
  weight vector w_l and bias b_l per layer (2 D parameters per layer).
- :class:`CrossV2` (DCN v2, Wang et al. 2020): x_{l+1} = x_0 * (W_l x_l + b_l) + x_l, with
  a full D x D matrix W_l, or W_l = U_l V_l^T of rank r (``low_rank``) to cut the cost
  from D^2 to 2 D r per layer.
"""

from __future__ import annotations

import torch
from torch import nn


def _check_sizes(module: str, input_dim: int, cross_num: int) -> None:
    if input_dim <= 0:
        raise ValueError(f"{module} input_dim must be positive, got {input_dim}")
    if cross_num <= 0:
        raise ValueError(f"{module} cross_num must be positive, got {cross_num}")


class Cross(nn.Module):
    """DCN v1 cross network of ``cross_num`` layers over vectors of ``input_dim``.

    Args:
        input_dim: D, the width of x_0.
        cross_num: number of cross layers.
    """

    def __init__(self, input_dim: int, cross_num: int) -> None:
        super().__init__()
        _check_sizes("Cross", input_dim, cross_num)
        self._input_dim = input_dim
        self._cross_num = cross_num
        # w_l, one row per layer, Xavier-normal as a (D, 1) projection; b_l starts at 0
        # so that an untrained layer is x_0 * (x_l . w_l) + x_l.
        self.kernels = nn.Parameter(torch.empty(cross_num, input_dim))
        nn.init.normal_(self.kernels, std=(2.0 / (input_dim + 1)) ** 0.5)
        self.biases = nn.Parameter(torch.zeros(cross_num, input_dim))

    def output_dim(self) -> int:
        """Width of the output: D, like the input."""
        return self._input_dim

    def forward(self, x0: torch.Tensor) -> torch.Tensor:
        """Cross ``x0`` (B, D) ``cross_num`` times into (B, D)."""
        x = x0
        for layer in range(self._cross_num):
            scale = torch.matmul(x, self.kernels[layer]).unsqueeze(1)
            x = x0 * scale + self.biases[layer] + x
        return x


class CrossV2(nn.Module):
    """DCN v2 cross network of ``cross_num`` layers, low rank when ``low_rank`` > 0.

    Args:
        input_dim: D, the width of x_0.
        cross_num: number of cross layers.
        low_rank: r, the rank of each layer's W = U V^T; 0 means a full D x D matrix.
    """

    def __init__(self, input_dim: int, cross_num: int, low_rank: int = 32) -> None:
        super().__init__()
        _check_sizes("CrossV2", input_dim, cross_num)
        if low_rank < 0:
            raise ValueError(f"CrossV2 low_rank must be >= 0, got {low_rank}")
        self._input_dim = input_dim
        self._low_rank = low_rank
        self.layers = nn.ModuleList()
        for _ in range(cross_num):
            if low_rank > 0:
                # V^T then U (with the bias b): W x + b = U (V^T x) + b.
                self.layers.append(
                    nn.Sequential(
                        nn.Linear(input_dim, low_rank, bias=False),
                        nn.Linear(low_rank, input_dim, bias=True),
                    )
                )
            else:
                self.layers.append(nn.Linear(input_dim, input_dim, bias=True))

    def output_dim(self) -> int:
        """Width of the output: D, like the input."""
        return self._input_dim

    def forward(self, x0: torch.Tensor) -> torch.Tensor:
        """Cross ``x0`` (B, D) ``cross_num`` times into (B, D)."""
        x = x0
        for layer in self.layers:
            x = x0 * layer(x) + x
        return x
