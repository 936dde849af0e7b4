"""Sequence encoders: pool a padded sequence group into one vector per row.

Each encoder takes the sequence group's ``query`` (B, Dq), its padded ``sequence``
(B, L, Ds) and the valid ``lengths`` (B,), and returns (B, output_dim()). Padded steps
never contribute. The attention encoders normalize their scores with a softmax over the
valid steps (a row without steps encodes to zeros):

- :class:`DINEncoder`: scores by an MLP on ``[q, s, q - s, q * s]`` (DIN). The query is
  zero-padded to Ds when the sequence has extra features (listed last);
- :class:`SimpleAttention`: scores ``<q, s>``; needs Dq == Ds;
- :class:`PoolingEncoder`: sum or mean of the valid steps;
- :class:`MultiWindowDINEncoder`: DIN scores, softmax-normalized separately inside
  consecutive windows of steps (``windows_len``, step 0 first, i.e. the most recent
  first for newest-first sequences); the window outputs are concatenated.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from tzrec.modules.mlp import MLP
from tzrec.protos import module_pb2, seq_encoder_pb2


def valid_steps_mask(lengths: torch.Tensor, max_length: int) -> torch.Tensor:
    """(B, max_length) bool mask of the steps below each row's length."""
    steps = torch.arange(max_length, device=lengths.device)
    return steps.unsqueeze(0) < lengths.unsqueeze(1)


def masked_softmax(scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Softmax over the last dim restricted to ``mask``; fully masked rows give zeros.

    Computed as ``exp(s - m) / sum(exp(s - m))`` over the valid steps, with ``m`` the
    row's largest valid score (a constant for autograd): the sum is then at least 1
    where a step is valid, and clamping it to 1 maps fully masked rows to zeros without
    dividing by zero. No dtype-dependent constant is needed, so it traces and scripts
    for export and works in any precision.
    """
    row_min = scores.detach().amin(dim=-1, keepdim=True)
    shift = torch.where(mask, scores.detach(), row_min).amax(dim=-1, keepdim=True)
    exp = torch.exp((scores - shift).masked_fill(~mask, float("-inf")))
    return exp / exp.sum(dim=-1, keepdim=True).clamp(min=1.0)


class SequenceEncoder(nn.Module):
    """Base of the encoders: ``forward(query, sequence, lengths) -> (B, output_dim())``."""

    def __init__(self, sequence_dim: int) -> None:
        super().__init__()
        self.sequence_dim = sequence_dim

    def output_dim(self) -> int:
        """Width of the encoding."""
        return self.sequence_dim


class PoolingEncoder(SequenceEncoder):
    """Sum or mean of the valid steps.

    Args:
        sequence_dim: Ds.
        pooling_type: "sum" or "mean".
    """

    def __init__(self, sequence_dim: int, pooling_type: str = "mean") -> None:
        super().__init__(sequence_dim)
        if pooling_type not in ("sum", "mean"):
            raise ValueError(
                f"pooling_encoder pooling_type must be 'sum' or 'mean', got '{pooling_type}'"
            )
        self.pooling_type = pooling_type

    def forward(
        self, query: torch.Tensor, sequence: torch.Tensor, lengths: torch.Tensor
    ) -> torch.Tensor:
        """Pool ``sequence`` (B, L, Ds) over its valid steps into (B, Ds)."""
        mask = valid_steps_mask(lengths, sequence.shape[1]).to(sequence.dtype)
        total = (sequence * mask.unsqueeze(-1)).sum(dim=1)
        if self.pooling_type == "mean":
            total = total / lengths.clamp(min=1).to(sequence.dtype).unsqueeze(-1)
        return total


class SimpleAttention(SequenceEncoder):
    """Dot-product attention: weights ``softmax(<q, s_t>)`` over the valid steps.

    Args:
        query_dim: Dq, which must equal sequence_dim.
        sequence_dim: Ds.
    """

    def __init__(self, query_dim: int, sequence_dim: int) -> None:
        super().__init__(sequence_dim)
        if query_dim != sequence_dim:
            raise ValueError(
                f"simple_attention needs query and sequence of the same width, got query "
                f"{query_dim} and sequence {sequence_dim}: list the same features in the "
                "same order on both sides"
            )

    def forward(
        self, query: torch.Tensor, sequence: torch.Tensor, lengths: torch.Tensor
    ) -> torch.Tensor:
        """Attend ``sequence`` (B, L, Ds) with ``query`` (B, Ds) into (B, Ds)."""
        scores = torch.einsum("bld,bd->bl", sequence, query)
        weights = masked_softmax(scores, valid_steps_mask(lengths, sequence.shape[1]))
        return torch.einsum("bl,bld->bd", weights, sequence)


class _DINScores(nn.Module):
    """DIN attention scores (B, L) from the MLP on ``[q, s, q - s, q * s]``."""

    def __init__(self, query_dim: int, sequence_dim: int, attn_mlp: module_pb2.MLP) -> None:
        super().__init__()
        if query_dim > sequence_dim:
            raise ValueError(
                f"DIN needs a query no wider than the sequence, got query {query_dim} and "
                f"sequence {sequence_dim}: list the query features' sequence counterparts"
            )
        if not len(attn_mlp.hidden_units):
            raise ValueError("DIN attn_mlp needs hidden_units")
        self.pad = sequence_dim - query_dim
        self.mlp = MLP.from_config(4 * sequence_dim, attn_mlp)
        self.score = nn.Linear(self.mlp.output_dim(), 1)

    def forward(self, query: torch.Tensor, sequence: torch.Tensor) -> torch.Tensor:
        if self.pad:
            query = nn.functional.pad(query, (0, self.pad))
        q = query.unsqueeze(1).expand_as(sequence)
        features = torch.cat([q, sequence, q - sequence, q * sequence], dim=-1)
        return self.score(self.mlp(features)).squeeze(-1)


class DINEncoder(SequenceEncoder):
    """DIN target attention over the valid steps.

    Args:
        query_dim: Dq (<= Ds).
        sequence_dim: Ds.
        attn_mlp: the attention MLP config.
    """

    def __init__(self, query_dim: int, sequence_dim: int, attn_mlp: module_pb2.MLP) -> None:
        super().__init__(sequence_dim)
        self.attention = _DINScores(query_dim, sequence_dim, attn_mlp)

    def forward(
        self, query: torch.Tensor, sequence: torch.Tensor, lengths: torch.Tensor
    ) -> torch.Tensor:
        """Attend ``sequence`` (B, L, Ds) with ``query`` (B, Dq) into (B, Ds)."""
        scores = self.attention(query, sequence)
        weights = masked_softmax(scores, valid_steps_mask(lengths, sequence.shape[1]))
        return torch.einsum("bl,bld->bd", weights, sequence)


class MultiWindowDINEncoder(SequenceEncoder):
    """DIN attention normalized per window of steps; outputs concatenated.

    Args:
        query_dim: Dq (<= Ds).
        sequence_dim: Ds.
        attn_mlp: the attention MLP config.
        windows_len: length of each window, from step 0 on.
    """

    def __init__(
        self,
        query_dim: int,
        sequence_dim: int,
        attn_mlp: module_pb2.MLP,
        windows_len: Sequence[int],
    ) -> None:
        super().__init__(sequence_dim)
        windows = [int(w) for w in windows_len]
        if not windows or any(w <= 0 for w in windows):
            raise ValueError("multi_window_din_encoder needs positive windows_len values")
        self.windows = windows
        self.attention = _DINScores(query_dim, sequence_dim, attn_mlp)

    def output_dim(self) -> int:
        """Ds per window."""
        return self.sequence_dim * len(self.windows)

    def forward(
        self, query: torch.Tensor, sequence: torch.Tensor, lengths: torch.Tensor
    ) -> torch.Tensor:
        """Encode ``sequence`` (B, L, Ds) into (B, Ds * number of windows)."""
        scores = self.attention(query, sequence)
        length = sequence.shape[1]
        valid = valid_steps_mask(lengths, length)
        steps = torch.arange(length, device=sequence.device)
        outputs = []
        start = 0
        for window in self.windows:
            in_window = (steps >= start) & (steps < start + window)
            weights = masked_softmax(scores, valid & in_window.unsqueeze(0))
            outputs.append(torch.einsum("bl,bld->bd", weights, sequence))
            start += window
        return torch.cat(outputs, dim=-1)


def create_sequence_encoder(
    config: seq_encoder_pb2.SeqEncoderConfig, query_dim: int, sequence_dim: int
) -> SequenceEncoder:
    """The encoder a ``SeqEncoderConfig`` describes, for the given input widths.

    Raises:
        ValueError: an unset encoder, or widths the encoder cannot use.
    """
    which = config.WhichOneof("seq_module")
    if which == "din_encoder":
        return DINEncoder(query_dim, sequence_dim, config.din_encoder.attn_mlp)
    if which == "simple_attention":
        return SimpleAttention(query_dim, sequence_dim)
    if which == "pooling_encoder":
        return PoolingEncoder(sequence_dim, str(config.pooling_encoder.pooling_type))
    if which == "multi_window_din_encoder":
        cfg = config.multi_window_din_encoder
        return MultiWindowDINEncoder(query_dim, sequence_dim, cfg.attn_mlp, list(cfg.windows_len))
    raise ValueError("sequence encoder config sets no encoder type")
