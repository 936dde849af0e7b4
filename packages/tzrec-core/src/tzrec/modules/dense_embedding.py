"""Embeddings of dense (numeric) features: ``mlp`` and ``autodis`` (feature.proto).

A dense feature with a ``dense_emb`` setting contributes an ``embedding_dim`` vector to its
feature group instead of its raw value(s):

- ``mlp {}``: one Linear layer ``value_dim -> embedding_dim`` (no activation, so the
  embedding is linear in the value, like an id embedding scaled by the value).
- ``autodis``: AutoDis (arXiv 2012.08986). The value is mapped to ``num_channels``
  scores by ``h = LeakyReLU(W x)``, ``h' = V h + alpha * h`` (a skip connection), turned
  into weights ``softmax(h' / temperature)`` and used to mix ``num_channels`` learned
  meta-embeddings. Dropout with ``1 - keep_prob`` is applied to ``h``.
"""

from __future__ import annotations

import torch
from torch import nn

from tzrec.features.feature import BaseFeature


class MLPDenseEmbedding(nn.Module):
    """``mlp`` dense embedding: ``Linear(value_dim, embedding_dim)``.

    Args:
        value_dim: floats per row of the feature.
        embedding_dim: output width.
        device: where to create the parameters.
    """

    def __init__(
        self, value_dim: int, embedding_dim: int, device: torch.device | None = None
    ) -> None:
        super().__init__()
        self.proj = nn.Linear(value_dim, embedding_dim, device=device)

    def forward(self, values: torch.Tensor) -> torch.Tensor:
        """Embed (N, value_dim) values into (N, embedding_dim)."""
        return self.proj(values)


class AutoDisEmbedding(nn.Module):
    """AutoDis dense embedding (see the module docstring).

    Args:
        value_dim: floats per row of the feature.
        embedding_dim: output width.
        num_channels: number of meta-embeddings.
        temperature: softmax temperature.
        keep_prob: keep probability of the hidden scores (dropout = 1 - keep_prob).
        device: where to create the parameters.
    """

    def __init__(
        self,
        value_dim: int,
        embedding_dim: int,
        num_channels: int,
        temperature: float = 0.1,
        keep_prob: float = 0.8,
        device: torch.device | None = None,
    ) -> None:
        super().__init__()
        if num_channels <= 0:
            raise ValueError("autodis num_channels must be positive")
        if temperature <= 0:
            raise ValueError("autodis temperature must be positive")
        if not 0.0 < keep_prob <= 1.0:
            raise ValueError("autodis keep_prob must be in (0, 1]")
        self.temperature = float(temperature)
        self.hidden = nn.Linear(value_dim, num_channels, bias=False, device=device)
        self.mix = nn.Linear(num_channels, num_channels, bias=False, device=device)
        self.skip_alpha = nn.Parameter(torch.ones((), device=device))
        self.dropout = nn.Dropout(1.0 - keep_prob)
        self.meta_embeddings = nn.Parameter(torch.empty(num_channels, embedding_dim, device=device))
        if self.meta_embeddings.device.type != "meta":
            nn.init.normal_(self.meta_embeddings, std=0.01)

    def forward(self, values: torch.Tensor) -> torch.Tensor:
        """Embed (N, value_dim) values into (N, embedding_dim)."""
        h = self.dropout(nn.functional.leaky_relu(self.hidden(values)))
        logits = self.mix(h) + self.skip_alpha * h
        weights = torch.softmax(logits / self.temperature, dim=-1)
        return weights @ self.meta_embeddings


def create_dense_embedding(
    feature: BaseFeature, device: torch.device | None = None
) -> nn.Module | None:
    """The dense embedding module of ``feature``, or None when it has no dense_emb."""
    kind = feature.dense_emb_type
    if kind is None:
        return None
    if feature.embedding_dim <= 0:
        raise ValueError(f"feature '{feature.name}': {kind} needs embedding_dim > 0")
    if kind == "mlp":
        return MLPDenseEmbedding(feature.value_dim, feature.embedding_dim, device=device)
    if kind == "autodis":
        cfg = feature.config.autodis
        return AutoDisEmbedding(
            feature.value_dim,
            feature.embedding_dim,
            num_channels=int(cfg.num_channels),
            temperature=float(cfg.temperature),
            keep_prob=float(cfg.keep_prob),
            device=device,
        )
    raise ValueError(f"feature '{feature.name}': unknown dense embedding '{kind}'")
