"""Small operations on jagged (values + per-row lengths) tensors used by embedding code.

They are traceable by ``torch.fx`` and scriptable, for export: no Python control flow
on tensor values or shapes.
"""

from __future__ import annotations

import torch


def lengths_to_offsets(lengths: torch.Tensor) -> torch.Tensor:
    """Offsets ``[0, l0, l0 + l1, ...]`` (int64, one more than ``lengths``)."""
    cumulative = torch.cumsum(lengths.to(torch.int64), dim=0)
    return torch.cat([cumulative.new_zeros(1), cumulative])


def segment_pool(
    values: torch.Tensor,
    lengths: torch.Tensor,
    pooling: str = "sum",
    weights: torch.Tensor | None = None,
) -> torch.Tensor:
    """Pool consecutive runs of rows of ``values``: run i has ``lengths[i]`` rows.

    Args:
        values: (N, D) rows, N == lengths.sum().
        lengths: (B,) run lengths.
        pooling: "sum", or "mean" (the sum divided by the run length; empty runs give 0).
        weights: optional (N,) per-row weights multiplied in before pooling.

    Returns:
        (B, D) pooled rows.
    """
    num_runs = lengths.numel()
    segment_ids = torch.repeat_interleave(
        torch.arange(num_runs, device=values.device), lengths.to(torch.int64)
    )
    if weights is not None:
        values = values * weights.to(values.dtype).unsqueeze(-1)
    out = values.new_zeros(num_runs, values.shape[-1])
    out.index_add_(0, segment_ids, values)
    if pooling == "mean":
        out = out / lengths.clamp(min=1).to(values.dtype).unsqueeze(-1)
    return out


def pad_jagged(values: torch.Tensor, lengths: torch.Tensor, max_length: int) -> torch.Tensor:
    """Pad a jagged (N, D) tensor with per-row ``lengths`` to (B, max_length, D) with zeros.

    Rows longer than ``max_length`` keep their first ``max_length`` steps.
    """
    offsets = lengths_to_offsets(lengths)
    return torch.ops.fbgemm.jagged_to_padded_dense(values, [offsets], [max_length], 0.0)
