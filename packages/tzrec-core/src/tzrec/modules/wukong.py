"""WuKong's interaction layer (Zhang et al., 2024): stacked FM blocks for dense scaling.

A layer maps N feature embeddings ``X`` (B, N, D) to ``N' = fmb_feature_num +
lcb_feature_num`` embeddings:

- :class:`FactorizationMachineBlock` (FMB): the optimised FM ``X X^T Y`` with a
  learnable rank-k projection ``Y`` (N, k) (``k = compressed_feature_num``), computed
  as ``X (X^T Y)`` so it costs O(N D k) instead of O(N^2 D). The (N, k) interaction
  matrix is flattened, layer-normalised, and an MLP (``feature_num_mlp``) plus a linear
  layer turn it into ``fmb_feature_num`` new embeddings of width D;
- :class:`LinearCompressBlock` (LCB): ``W X`` with W (lcb_feature_num, N), a linear
  recombination of the embeddings that keeps lower-order interactions;
- :class:`WuKongLayer`: ``LN(concat(FMB(X), LCB(X)) + residual(X))`` where the residual
  is ``X`` itself when N' == N, and a linear recombination of ``X`` to N' embeddings
  otherwise. The LayerNorm normalises each embedding (over D).
"""

from __future__ import annotations

import torch
from torch import nn

from tzrec.modules.mlp import MLP
from tzrec.protos import module_pb2


def _check_positive(field: str, value: int) -> None:
    if value <= 0:
        raise ValueError(f"{field} must be a positive number, got {value}")


class FeatureRecombination(nn.Module):
    """``W X``: (B, N, D) -> (B, M, D) with W (M, N) and no bias (embeddings mixed, per dim).

    Args:
        in_features: N.
        out_features: M.
    """

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        self.linear = nn.Linear(in_features, out_features, bias=False)

    def forward(self, embeddings: torch.Tensor) -> torch.Tensor:
        """Recombine ``embeddings`` (B, N, D) into (B, M, D)."""
        return self.linear(embeddings.transpose(1, 2)).transpose(1, 2)


class FactorizationMachineBlock(nn.Module):
    """Optimised FM ``X X^T Y`` -> flatten -> LayerNorm -> MLP -> Linear -> (B, F, D).

    Args:
        feature_num: N, the number of input embeddings.
        embedding_dim: D.
        compressed_feature_num: k, the rank of the projection Y (N, k).
        fmb_feature_num: F, the number of output embeddings.
        mlp: the MLP after the FM (``feature_num_mlp``).
    """

    def __init__(
        self,
        feature_num: int,
        embedding_dim: int,
        compressed_feature_num: int,
        fmb_feature_num: int,
        mlp: module_pb2.MLP,
    ) -> None:
        super().__init__()
        self.compress = nn.Linear(feature_num, compressed_feature_num, bias=False)
        flat = feature_num * compressed_feature_num
        self.norm = nn.LayerNorm(flat)
        self.mlp = MLP.from_config(flat, mlp)
        self.out = nn.Linear(self.mlp.output_dim(), fmb_feature_num * embedding_dim)
        self._fmb_feature_num = fmb_feature_num
        self._embedding_dim = embedding_dim

    def interaction(self, embeddings: torch.Tensor) -> torch.Tensor:
        """The FM interaction ``X X^T Y`` (B, N, k) of ``embeddings`` X (B, N, D)."""
        projected = self.compress(embeddings.transpose(1, 2))  # X^T Y: (B, D, k)
        return torch.bmm(embeddings, projected)

    def forward(self, embeddings: torch.Tensor) -> torch.Tensor:
        """F new embeddings (B, F, D) from ``embeddings`` (B, N, D)."""
        flat = self.interaction(embeddings).flatten(start_dim=1)
        hidden = self.out(self.mlp(self.norm(flat)))
        return hidden.reshape(-1, self._fmb_feature_num, self._embedding_dim)


class LinearCompressBlock(FeatureRecombination):
    """LCB: ``lcb_feature_num`` linear recombinations of the N input embeddings."""


class WuKongLayer(nn.Module):
    """``LN(concat(FMB(X), LCB(X)) + residual(X))``: (B, N, D) -> (B, F + L, D).

    Args:
        feature_num: N, the number of input embeddings.
        embedding_dim: D.
        config: the layer's config (lcb_feature_num, fmb_feature_num,
            compressed_feature_num, feature_num_mlp).
        field: the config path of ``config``, for error messages.

    Raises:
        ValueError: a missing or non-positive field, naming it.
    """

    def __init__(
        self,
        feature_num: int,
        embedding_dim: int,
        config: module_pb2.WuKongLayer,
        field: str = "wukong_layers",
    ) -> None:
        super().__init__()
        lcb_num = int(config.lcb_feature_num)
        fmb_num = int(config.fmb_feature_num)
        compressed = int(config.compressed_feature_num)
        _check_positive(f"{field}.lcb_feature_num", lcb_num)
        _check_positive(f"{field}.fmb_feature_num", fmb_num)
        _check_positive(f"{field}.compressed_feature_num", compressed)
        if not config.feature_num_mlp.hidden_units:
            raise ValueError(f"{field}.feature_num_mlp: set the MLP's hidden_units")
        self.fmb = FactorizationMachineBlock(
            feature_num, embedding_dim, compressed, fmb_num, config.feature_num_mlp
        )
        self.lcb = LinearCompressBlock(feature_num, lcb_num)
        self._output_feature_num = fmb_num + lcb_num
        self.residual: FeatureRecombination | None = None
        if self._output_feature_num != feature_num:
            self.residual = FeatureRecombination(feature_num, self._output_feature_num)
        self.norm = nn.LayerNorm(embedding_dim)

    def output_feature_num(self) -> int:
        """Number of output embeddings: fmb_feature_num + lcb_feature_num."""
        return self._output_feature_num

    def forward(self, embeddings: torch.Tensor) -> torch.Tensor:
        """Interact ``embeddings`` (B, N, D) into (B, F + L, D)."""
        residual = embeddings if self.residual is None else self.residual(embeddings)
        mixed = torch.cat([self.fmb(embeddings), self.lcb(embeddings)], dim=1)
        return self.norm(mixed + residual)
